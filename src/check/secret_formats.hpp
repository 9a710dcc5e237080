// The known secret formats of the secret scanner (secrets.hpp): token
// prefixes, private key blocks, passwords in URLs. Internal to src/check.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace kanon::check {

// ASCII classes, without the locale of <cctype>.
inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}
inline bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}
inline bool is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}
inline bool is_alnum(char c)
{
    return is_digit(c) || is_upper(c) || is_lower(c);
}
inline bool is_word(char c)
{
    return is_alnum(c) || c == '_';
}
inline bool is_dash_word(char c)
{
    return is_word(c) || c == '-';
}
inline bool is_upper_alnum(char c)
{
    return is_digit(c) || is_upper(c);
}
inline bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
inline bool is_base64(char c)
{
    return is_alnum(c) || c == '+' || c == '/' || c == '=';
}
inline bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
inline bool is_bech32_upper(char c)
{
    return c != '\0' && std::strchr("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", c) != nullptr;
}
inline char lower(char c)
{
    return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}

struct TokenHit {
    std::size_t offset = 0;  // where the token starts
    std::size_t end = 0;     // one past the bytes examined
    std::string what;        // "a GitLab personal access token (glpat-…)", never the secret
};

// Every known-format token in `text`, the first of each line only (a line
// gets one finding), in text order. One linear pass.
std::vector<TokenHit> find_secret_tokens(std::string_view text);

// True when `s` contains a word documentation puts in place of a secret
// (xxxx, your, example, placeholder, changeme...), case-insensitively.
bool has_placeholder_word(std::string_view s);

}  // namespace kanon::check
