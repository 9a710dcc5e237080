// JSON from servers, parsed within bounds: a document is measured before it
// is parsed, so that a hostile answer cannot make kanon build a tree that
// costs a hundred times its size (16 million nested arrays in 16 MiB take
// more than a gigabyte as nlohmann::json values).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kanon {

// Go's encoding/json, which the argocd CLI reads Argo CD with, stops at
// 10,000 levels. 200,000 values: an Application of a few thousand resources
// counts about a third of that, and the worst answer that passes (99,000
// distinct keys, parsed by the wait's GET, refresh and watch at once) keeps
// `kanon wait` under 60 MB; 240,000 keys took 106 MB.
inline constexpr std::size_t k_json_max_depth = 10000;
inline constexpr std::size_t k_json_max_values = 200000;

// Why `text` is not parsed (nested too deep, too many values), or "".
// Strings are skipped; the count is of ',' ':' '[' '{' outside them, an
// upper bound of the values a parser would build.
std::string json_refusal(std::string_view text);

// nlohmann::json::parse(text) without exceptions; a discarded value when the
// text is not JSON or json_refusal() refuses it (then `*why` says which).
nlohmann::json parse_json_bounded(std::string_view text, std::string* why = nullptr);

}  // namespace kanon
