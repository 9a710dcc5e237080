#include "yaml/scalar.hpp"

#include <algorithm>
#include <array>
#include <regex>

#include <fmt/format.h>

namespace kanon::yaml {
namespace {

bool matches(const std::regex& re, std::string_view s)
{
    return std::regex_match(s.begin(), s.end(), re);
}

bool is_null(std::string_view s)
{
    return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

bool is_bool(std::string_view s)
{
    static constexpr std::array<std::string_view, 22> k_words = {
        "y",    "Y",    "yes",   "Yes",   "YES",   "n",  "N",  "no", "No",  "NO",  "true",
        "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"};
    for (auto w : k_words) {
        if (s == w) {
            return true;
        }
    }
    return false;
}

bool is_int(std::string_view s)
{
    // Go's ParseInt (base 0), which go-yaml calls, takes 0X, 0B and 0O too.
    static const std::regex k_int(
        "[-+]?(0[bB][0-1_]+|0[oO]?[0-7_]+|[0-9][0-9_]*|0[xX][0-9a-fA-F_]+|[1-9][0-9_]*(:[0-5]?[0-9])+)");
    return matches(k_int, s);
}

bool is_float(std::string_view s)
{
    static const std::regex k_float(
        "[-+]?(([0-9][0-9_]*)?\\.[0-9_]*([eE][-+]?[0-9]+)?"     // 1.10, .5, 1., 1.5e3
        "|[0-9][0-9_]*[eE][-+]?[0-9]+"                          // 1e10 (go-yaml's ParseFloat)
        "|[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*"                // 190:20:30.15
        "|\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)"                    // .inf, .nan
        "|0[xX][0-9a-fA-F_]*\\.?[0-9a-fA-F_]*[pP][-+]?[0-9]+)"  // hex floats (ParseFloat)
        "|[-+]?([iI][nN][fF]([iI][nN][iI][tT][yY])?|[nN][aA][nN])");
    if (s == "." || s == "-." || s == "+.") {
        return false;
    }
    return matches(k_float, s);
}

bool is_timestamp(std::string_view s)
{
    static const std::regex k_ts("[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt \\t].*)?");
    return matches(k_ts, s);
}

// libstdc++'s std::regex recurses once per character and overflows the
// stack on long input (a 100 kB plain scalar crashed resolve_plain). The
// patterns above only ever match short text, so a long scalar is judged by
// its characters instead: starting like a date, or made only of characters
// that numbers are written with, it is taken as "not a string".
constexpr std::size_t k_regex_max = 256;

PlainType resolve_long(std::string_view s)
{
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (s.size() > 4 && std::all_of(s.begin(), s.begin() + 4, digit) && s[4] == '-') {
        return PlainType::timestamp;
    }
    if (s.find_first_not_of("0123456789abcdefABCDEFxXoO_.:+-pP") == std::string_view::npos) {
        return PlainType::floating;
    }
    return PlainType::string;
}

bool is_indicator(char c)
{
    static constexpr std::string_view k_indicators = "-?:,[]{}#&*!|>'\"%@`";
    return k_indicators.find(c) != std::string_view::npos;
}

bool is_printable_line(std::string_view s)
{
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7F) {
            return false;
        }
        // U+0085, U+2028, U+2029 are line breaks to YAML; U+FEFF is a BOM.
        // The other C1 controls (U+0080-U+009F) and U+FFFE/U+FFFF are not
        // allowed in a YAML stream at all (libyaml: "control characters are
        // not allowed"): only a double-quoted escape can carry them.
        if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
            return false;
        }
        if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBF &&
            static_cast<unsigned char>(s[i + 2]) >= 0xBE) {
            return false;
        }
        if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
            (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
            return false;
        }
        if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBB &&
            static_cast<unsigned char>(s[i + 2]) == 0xBF) {
            return false;
        }
    }
    return true;
}

}  // namespace

PlainType resolve_plain(std::string_view s)
{
    if (is_null(s)) {
        return PlainType::null;
    }
    if (is_bool(s)) {
        return PlainType::boolean;
    }
    if (s == "<<") {
        return PlainType::merge;
    }
    if (s == "=") {
        return PlainType::merge;  // YAML 1.1's value key: never a plain string either
    }
    if (s.size() > k_regex_max) {
        return resolve_long(s);
    }
    if (is_int(s)) {
        return PlainType::integer;
    }
    if (is_float(s)) {
        return PlainType::floating;
    }
    if (is_timestamp(s)) {
        return PlainType::timestamp;
    }
    return PlainType::string;
}

const char* type_name(PlainType t)
{
    switch (t) {
        case PlainType::string:
            return "string";
        case PlainType::null:
            return "null";
        case PlainType::boolean:
            return "boolean";
        case PlainType::integer:
            return "integer";
        case PlainType::floating:
            return "float";
        case PlainType::timestamp:
            return "timestamp";
        case PlainType::merge:
            return "merge key";
    }
    return "string";
}

PlainType resolve_node(const Node& n)
{
    if (!n.tag.empty()) {
        const std::string& t = n.tag;
        if (t == "tag:yaml.org,2002:str" || t == "!") {
            return PlainType::string;
        }
        if (t == "tag:yaml.org,2002:int") {
            return PlainType::integer;
        }
        if (t == "tag:yaml.org,2002:float") {
            return PlainType::floating;
        }
        if (t == "tag:yaml.org,2002:bool") {
            return PlainType::boolean;
        }
        if (t == "tag:yaml.org,2002:null") {
            return PlainType::null;
        }
    }
    if (n.style != Style::plain) {
        return PlainType::string;
    }
    return resolve_plain(n.value);
}

bool plain_is_safe(std::string_view s, bool in_flow)
{
    if (s.empty() || !is_printable_line(s) || resolve_plain(s) != PlainType::string) {
        return false;
    }
    if (is_indicator(s.front()) || s.front() == ' ' || s.back() == ' ' || s.back() == ':') {
        return false;
    }
    if (s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos ||
        s.find(":\t") != std::string_view::npos || s.find("\t#") != std::string_view::npos) {
        return false;
    }
    if (s.substr(0, 3) == "---" || s.substr(0, 3) == "...") {
        return false;
    }
    // In a flow collection `,[]{}` end a plain scalar, and go-yaml (Helm)
    // also ends it at `?` and rejects `x:y` ("found unexpected ':'") where
    // libyaml 0.2 accepts it: quote all of them.
    if (in_flow && s.find_first_of(",[]{}:?") != std::string_view::npos) {
        return false;
    }
    return true;
}

bool single_quote_is_safe(std::string_view s)
{
    return is_printable_line(s);
}

std::string single_quoted(std::string_view s)
{
    std::string out = "'";
    for (char c : s) {
        out += c;
        if (c == '\'') {
            out += '\'';
        }
    }
    out += '\'';
    return out;
}

std::string double_quoted(std::string_view s)
{
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        switch (c) {
            case '\\':
                out += "\\\\";
                continue;
            case '"':
                out += "\\\"";
                continue;
            case '\n':
                out += "\\n";
                continue;
            case '\t':
                out += "\\t";
                continue;
            case '\r':
                out += "\\r";
                continue;
            case '\0':
                out += "\\0";
                continue;
            default:
                break;
        }
        if (c < 0x20 || c == 0x7F) {
            out += fmt::format("\\x{:02X}", c);
        } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) {
            out += "\\N";
            ++i;
        } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
            out += fmt::format("\\x{:02X}", static_cast<unsigned char>(s[i + 1]));  // a C1 control
            ++i;
        } else if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBF &&
                   static_cast<unsigned char>(s[i + 2]) >= 0xBE) {
            out += static_cast<unsigned char>(s[i + 2]) == 0xBE ? "\\uFFFE" : "\\uFFFF";
            i += 2;
        } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                   (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
            out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\L" : "\\P";
            i += 2;
        } else if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBB &&
                   static_cast<unsigned char>(s[i + 2]) == 0xBF) {
            out += "\\uFEFF";
            i += 2;
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '"';
    return out;
}

std::string render_string(std::string_view text, Style old, bool in_flow)
{
    if (old == Style::plain && plain_is_safe(text, in_flow)) {
        return std::string(text);
    }
    if (old == Style::single_quoted && single_quote_is_safe(text)) {
        return single_quoted(text);
    }
    return double_quoted(text);
}

}  // namespace kanon::yaml
