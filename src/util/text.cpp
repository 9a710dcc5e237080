#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace kanon {

std::string trim_right(std::string s)
{
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n' ||
                          s.back() == '\f' || s.back() == '\v')) {
        s.pop_back();
    }
    return s;
}

std::vector<std::string> lines(std::string_view text)
{
    std::vector<std::string> out;
    for (std::size_t p = 0; p < text.size();) {
        auto nl = text.find('\n', p);
        out.push_back(
            trim_right(std::string(text.substr(p, nl == std::string_view::npos ? std::string_view::npos : nl - p))));
        p = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    return out;
}

std::string env_or_empty(const char* name)
{
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
}

std::string printable(std::string_view s, std::size_t max)
{
    std::string out;
    for (char c : s.substr(0, max)) {
        out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
    }
    return out;
}

std::string terminal_safe(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 && c != '\n' && c != '\t') || u == 0x7f ? '?' : c;
    }
    return out;
}

std::string counted(std::size_t n, std::string_view one, std::string_view many)
{
    std::string noun(n == 1 ? one : many.empty() ? std::string(one) + "s" : std::string(many));
    return std::to_string(n) + " " + noun;
}

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string upper(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

std::string env_name_part(std::string_view s)
{
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        out += std::isalnum(u) != 0 ? static_cast<char>(std::toupper(u)) : '_';
    }
    return out;
}

bool iequals(std::string_view a, std::string_view b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

std::uint64_t fnv1a(std::string_view text, std::uint64_t seed)
{
    std::uint64_t h = seed;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

namespace {

std::size_t display_width(const std::string& s)
{
    std::size_t n = 0;
    for (char c : s) {
        if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) {
            ++n;
        }
    }
    return n;
}

}  // namespace

std::string render_table(const std::vector<std::vector<std::string>>& rows, const Paint& paint)
{
    std::vector<std::size_t> widths;
    for (const auto& r : rows) {
        widths.resize(std::max(widths.size(), r.size()));
        for (std::size_t i = 0; i < r.size(); ++i) {
            widths[i] = std::max(widths[i], display_width(r[i]));
        }
    }
    std::string out;
    for (std::size_t row = 0; row < rows.size(); ++row) {
        std::string line;
        const auto& r = rows[row];
        for (std::size_t i = 0; i < r.size(); ++i) {
            std::string cell = r[i];
            if (i + 1 < r.size()) {
                cell += std::string(widths[i] - display_width(r[i]) + 2, ' ');
            }
            line += cell;
        }
        out += (row == 0 ? paint.bold(line) : line) + "\n";
    }
    return out;
}

namespace {
constexpr std::string_view k_base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}  // namespace

std::string base64_encode(std::string_view bytes)
{
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16U;
        if (i + 1 < bytes.size()) {
            n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8U;
        }
        if (i + 2 < bytes.size()) {
            n |= static_cast<unsigned char>(bytes[i + 2]);
        }
        out += k_base64[(n >> 18U) & 63U];
        out += k_base64[(n >> 12U) & 63U];
        out += i + 1 < bytes.size() ? k_base64[(n >> 6U) & 63U] : '=';
        out += i + 2 < bytes.size() ? k_base64[n & 63U] : '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text)
{
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::uint32_t n = 0;
        int pad = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            char c = text[i + j];
            std::uint32_t v = 0;
            if (c == '=' && i + 4 == text.size() && j >= 2) {
                ++pad;
            } else {
                auto at = k_base64.find(c);
                if (at == std::string_view::npos || pad > 0) {
                    return std::nullopt;
                }
                v = static_cast<std::uint32_t>(at);
            }
            n = (n << 6U) | v;
        }
        out += static_cast<char>((n >> 16U) & 0xFFU);
        if (pad < 2) {
            out += static_cast<char>((n >> 8U) & 0xFFU);
        }
        if (pad < 1) {
            out += static_cast<char>(n & 0xFFU);
        }
    }
    return out;
}

}  // namespace kanon
