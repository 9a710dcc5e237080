#include "yaml/helm.hpp"

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

namespace kanon::yaml {
namespace {

using HK = HelmScalar::Kind;

constexpr std::array<std::string_view, 5> k_null = {"", "~", "null", "Null", "NULL"};
constexpr std::array<std::string_view, 11> k_true = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                                     "True", "TRUE", "on",  "On",  "ON"};
constexpr std::array<std::string_view, 11> k_false = {"n",     "N",     "no",  "No",  "NO", "false",
                                                      "False", "FALSE", "off", "Off", "OFF"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& words, std::string_view s)
{
    for (auto w : words) {
        if (w == s) {
            return true;
        }
    }
    return false;
}

int digit_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'Z') {
        return c - 'A' + 10;
    }
    return 99;
}

// Go's strconv.ParseUint(s, 0, 64) of an unsigned text: 0x, 0b, 0o or a
// leading 0 (octal) choose the base. (Underscores are gone already.)
std::optional<std::uint64_t> parse_uint_base0(std::string_view s)
{
    int base = 10;
    if (s.size() >= 2 && s[0] == '0') {
        char p = static_cast<char>(s[1] | 0x20);
        if (p == 'x' || p == 'b' || p == 'o') {
            base = p == 'x' ? 16 : p == 'b' ? 2 : 8;
            s.remove_prefix(2);
        } else {
            base = 8;
            s.remove_prefix(1);
        }
    }
    if (s.empty()) {
        return std::nullopt;
    }
    std::uint64_t v = 0;
    for (char c : s) {
        int d = digit_value(c);
        if (d >= base) {
            return std::nullopt;
        }
        if (v > (std::numeric_limits<std::uint64_t>::max() - static_cast<std::uint64_t>(d)) /
                    static_cast<std::uint64_t>(base)) {
            return std::nullopt;  // out of range
        }
        v = v * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
    }
    return v;
}

// go-yaml v2's float pattern: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool yaml_style_float(std::string_view s)
{
    std::size_t i = 0;
    auto digits = [&] {
        std::size_t from = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            ++i;
        }
        return i - from;
    };
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
        ++i;
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (digits() == 0) {
            return false;
        }
    } else {
        if (digits() == 0) {
            return false;
        }
        if (i < s.size() && s[i] == '.') {
            ++i;
            digits();
        }
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
            ++i;
        }
        if (digits() == 0) {
            return false;
        }
    }
    return i == s.size();
}

// strconv.ParseFloat of a decimal text the pattern above accepted: fails on
// overflow (Go returns ±Inf with ErrRange, and go-yaml then keeps a string).
std::optional<double> parse_float(const std::string& s)
{
    errno = 0;
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || std::isinf(d)) {
        return std::nullopt;
    }
    return d;
}

HelmScalar string_of(std::string_view text)
{
    HelmScalar h;
    h.kind = HK::string;
    h.text = std::string(text);
    return h;
}

// RFC 4648 base64, whitespace ignored (a !!binary block spans lines).
std::optional<std::string> base64_decode(std::string_view in)
{
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    int pad = 0;
    for (char c : in) {
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
            continue;
        }
        if (c == '=') {
            ++pad;
            continue;
        }
        if (pad > 0) {
            return std::nullopt;  // data after padding
        }
        int v = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '+'             ? 62
                : c == '/'             ? 63
                                       : -1;
        if (v < 0) {
            return std::nullopt;
        }
        acc = (acc << 6U) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> static_cast<unsigned>(bits)) & 0xFFU);
        }
    }
    if (pad > 2) {
        return std::nullopt;
    }
    return out;
}

// Go's strconv.FormatFloat(f, 'g', -1, 32), as sigs.k8s.io/yaml names a
// float key: the shortest digits that read back as the same float32, in
// %e form when the exponent is below -4 or at least 6 (Go's shortest 'g').
std::string go_float32_key(double value)
{
    auto f = static_cast<float>(value);
    if (std::isnan(f)) {
        return ".nan";
    }
    if (std::isinf(f)) {
        return f > 0 ? ".inf" : "-.inf";
    }
    if (f == 0) {
        return std::signbit(f) ? "-0" : "0";
    }
    std::string e;  // [-]D[.DDD]e[+-]XX, the fewest digits that read back as f
    for (int n = 1; n <= 9; ++n) {
        e = fmt::format("{:.{}e}", static_cast<double>(f), n - 1);
        if (std::strtof(e.c_str(), nullptr) == f) {
            break;
        }
    }
    std::string sign = e[0] == '-' ? "-" : "";
    std::string m = e.substr(sign.size(), e.find('e') - sign.size());
    int exp = std::atoi(e.c_str() + e.find('e') + 1);
    std::string digits;
    for (char c : m) {
        if (c != '.') {
            digits += c;
        }
    }
    while (digits.size() > 1 && digits.back() == '0') {
        digits.pop_back();
    }
    if (exp < -4 || exp >= 6) {
        std::string mant = digits.substr(0, 1) + (digits.size() > 1 ? "." + digits.substr(1) : "");
        return sign + mant + fmt::format("e{}{:02d}", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    }
    if (exp < 0) {
        return sign + "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
    }
    auto point = static_cast<std::size_t>(exp) + 1;
    if (digits.size() <= point) {
        return sign + digits + std::string(point - digits.size(), '0');
    }
    return sign + digits.substr(0, point) + "." + digits.substr(point);
}

}  // namespace

HelmScalar helm_plain(std::string_view text)
{
    HelmScalar h;
    h.text = std::string(text);
    if (one_of(k_null, text)) {
        h.kind = HK::null;
        return h;
    }
    if (one_of(k_true, text) || one_of(k_false, text)) {
        h.kind = HK::boolean;
        h.boolean = one_of(k_true, text);
        return h;
    }
    static constexpr std::array<std::string_view, 9> k_inf = {".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf",
                                                              "+.INF", "-.inf", "-.Inf", "-.INF"};
    if (one_of(k_inf, text) || text == ".nan" || text == ".NaN" || text == ".NAN") {
        h.kind = HK::floating;
        h.floating = text[0] == '-'                               ? -std::numeric_limits<double>::infinity()
                     : text.find('n') == 1 || text.find('N') == 1 ? std::numeric_limits<double>::quiet_NaN()
                                                                  : std::numeric_limits<double>::infinity();
        return h;
    }
    char first = text.front();
    if (first == '.') {  // go-yaml: ParseFloat of the text as it is
        if (yaml_style_float(text)) {
            if (auto d = parse_float(std::string(text))) {
                h.kind = HK::floating;
                h.floating = *d;
                return h;
            }
        }
        return string_of(text);
    }
    if (!((first >= '0' && first <= '9') || first == '-' || first == '+')) {
        return string_of(text);  // timestamps are strings to Helm as well (go-yaml v2 into interface{})
    }
    std::string plain;
    for (char c : text) {
        if (c != '_') {
            plain += c;
        }
    }
    bool neg = plain[0] == '-';
    std::string_view body(plain);
    if (plain[0] == '-' || plain[0] == '+') {
        body.remove_prefix(1);
    }
    // ParseInt(plain, 0, 64), then ParseUint(plain, 0, 64).
    if (auto u = parse_uint_base0(body)) {
        constexpr auto k_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        if (!neg && *u <= k_max) {
            h.kind = HK::integer;
            h.integer = static_cast<std::int64_t>(*u);
            return h;
        }
        if (neg && *u <= k_max + 1) {
            h.kind = HK::integer;
            h.integer = *u == k_max + 1 ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(*u);
            return h;
        }
        if (!neg && plain[0] != '+') {
            h.kind = HK::unsigned_integer;
            h.unsigned_integer = *u;
            return h;
        }
    }
    if (yaml_style_float(plain)) {
        if (auto d = parse_float(plain)) {
            h.kind = HK::floating;
            h.floating = *d;
            return h;
        }
    }
    return string_of(text);
}

std::optional<HelmScalar> helm_scalar(const Node& n)
{
    const std::string& t = n.tag;
    if (t == "tag:yaml.org,2002:binary") {
        auto bytes = base64_decode(n.value);
        if (!bytes) {
            return std::nullopt;
        }
        return string_of(*bytes);
    }
    if (t == "tag:yaml.org,2002:str" || t == "!" || (t.empty() && n.style != Style::plain)) {
        return string_of(n.value);
    }
    HelmScalar h = helm_plain(n.value);
    if (t.empty() || t == "?") {
        return h;
    }
    // An explicit tag must agree with what the text resolves to (go-yaml:
    // "cannot decode !!str `x` as a !!int"), but an int is a fine !!float.
    bool fits = (t == "tag:yaml.org,2002:int" && (h.kind == HK::integer || h.kind == HK::unsigned_integer)) ||
                (t == "tag:yaml.org,2002:float" &&
                 (h.kind == HK::floating || h.kind == HK::integer || h.kind == HK::unsigned_integer)) ||
                (t == "tag:yaml.org,2002:bool" && h.kind == HK::boolean) ||
                (t == "tag:yaml.org,2002:null" && h.kind == HK::null);
    if (!fits) {
        return std::nullopt;
    }
    if (t == "tag:yaml.org,2002:float" && h.kind != HK::floating) {
        h.floating = h.kind == HK::integer ? static_cast<double>(h.integer) : static_cast<double>(h.unsigned_integer);
        h.kind = HK::floating;
    }
    return h;
}

std::optional<std::string> helm_key(const Node& key)
{
    auto h = helm_scalar(key);
    if (!h) {
        return std::nullopt;
    }
    switch (h->kind) {
        case HK::string:
            return h->text;
        case HK::boolean:
            return std::string(h->boolean ? "true" : "false");
        case HK::integer:
            return std::to_string(h->integer);
        case HK::floating:
            return go_float32_key(h->floating);
        case HK::null:
        case HK::unsigned_integer:  // sigs.k8s.io/yaml: "Unsupported map key"
            return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace kanon::yaml
