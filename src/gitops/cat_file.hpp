// The answer of `git cat-file --batch`, read once for everyone who asks it
// for objects: per request, in order, "<oid> <type> <size>\n<content>\n",
// or "<name> missing\n" (or "ambiguous").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace kanon::gitops {

struct BatchObject {
    bool found = false;        // false: git said "missing" or "ambiguous"
    std::string_view oid;      // found: the object's id
    std::string_view type;     // found: blob, tree, commit, tag
    std::string_view content;  // found: the object's bytes (a view into the answer)
};

// The objects of an answer to `count` requests. Output cut short or a
// header that does not read is an Error (never a crash).
Result<std::vector<BatchObject>> parse_cat_file_batch(std::string_view out, std::size_t count);

}  // namespace kanon::gitops
