// "Did you mean": the closest name to a word, for typos in commands, flags
// and app names.
#pragma once

#include <string>
#include <vector>

namespace kanon {

std::size_t edit_distance(const std::string& a, const std::string& b);
// The closest name within edit distance 2 (or a unique prefix), or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& names);

}  // namespace kanon
