// Small string helpers shared across the code that talks to git and prints
// what it read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/paint.hpp"

namespace kanon {

// Without trailing whitespace (spaces, tabs, CR, LF): git's output lines.
std::string trim_right(std::string s);
// `text` line by line, each without trailing whitespace (a last line without
// its newline too; none for an empty text).
std::vector<std::string> lines(std::string_view text);
// "1 step", "2 steps": a count with its noun, in the right number.
std::string counted(std::size_t n, std::string_view one, std::string_view many = {});
// The environment variable's value, or "" when it is unset.
std::string env_or_empty(const char* name);
// At most `max` bytes of `s`, control characters shown as '?': text from a
// file or a remote, safe to put in a one-line message.
std::string printable(std::string_view s, std::size_t max = std::string_view::npos);
// As printable, but line breaks and tabs stay: for messages that reach a
// terminal or a CI log, where an escape sequence from an argument or a
// server could rewrite what people see.
std::string terminal_safe(std::string_view s);
// `s` with A-Z as a-z (ASCII only: header names, hex, schemes).
std::string lower(std::string_view s);
// `s` with a-z as A-Z (ASCII only).
std::string upper(std::string_view s);
// `s` as part of an environment variable's name: letters and digits
// upper-cased, anything else '_' ("prod-eu" -> "PROD_EU").
std::string env_name_part(std::string_view s);
// Equal but for ASCII case (header names, schemes).
bool iequals(std::string_view a, std::string_view b);

// FNV-1a, 64 bits, from `seed` (the standard offset basis by default): the
// same for every build of kanon, where std::hash need not be (cache
// directory names, fingerprints in reports).
inline constexpr std::uint64_t k_fnv1a_basis = 0xcbf29ce484222325ULL;
[[nodiscard]] std::uint64_t fnv1a(std::string_view text, std::uint64_t seed = k_fnv1a_basis);

// Columns padded to their widest cell (counted in characters, not bytes);
// the last column is not padded; the first row (the header) in bold.
std::string render_table(const std::vector<std::vector<std::string>>& rows, const Paint& paint = {});

// Standard base64 (RFC 4648, padded): HTTP Basic credentials, docker's config.json.
std::string base64_encode(std::string_view bytes);
// The bytes, or nullopt when `text` is not padded standard base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace kanon
