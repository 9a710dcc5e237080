#include "yaml/path.hpp"

#include <fmt/format.h>

namespace kanon::yaml {
namespace {

Error bad_path(std::string_view text, std::string_view why)
{
    return usage_error(fmt::format("bad key path '{}': {}", text, why),
                       "write keys as a.b.c, list items as a[0].b, keys with dots as a[\"x.y\"]");
}

bool key_needs_brackets(std::string_view k)
{
    return k.empty() || k.find_first_of(".[]\"'") != std::string_view::npos;
}

}  // namespace

bool Path::has_wildcard() const
{
    for (const auto& s : segments) {
        if (s.type == Segment::Type::every) {
            return true;
        }
    }
    return false;
}

std::string Path::prefix(std::size_t n) const
{
    return format_path(std::vector<Segment>(segments.begin(), segments.begin() + static_cast<std::ptrdiff_t>(n)));
}

std::string format_path(const std::vector<Segment>& segments)
{
    std::string out;
    for (const auto& s : segments) {
        switch (s.type) {
            case Segment::Type::key:
                if (key_needs_brackets(s.key)) {
                    std::string esc;
                    for (char c : s.key) {
                        if (c == '"' || c == '\\') {
                            esc += '\\';
                        }
                        esc += c;
                    }
                    out += fmt::format("[\"{}\"]", esc);
                } else {
                    if (!out.empty()) {
                        out += '.';
                    }
                    out += s.key;
                }
                break;
            case Segment::Type::index:
                out += fmt::format("[{}]", s.index);
                break;
            case Segment::Type::every:
                out += "[]";
                break;
        }
    }
    return out.empty() ? "." : out;
}

Result<Path> parse_path(std::string_view text)
{
    Path p;
    p.text = std::string(text);
    if (text.empty() || text == ".") {
        return p;
    }
    std::size_t i = 0;
    bool expect_key = true;  // at the start or after a '.'
    while (i < text.size()) {
        char c = text[i];
        if (c == '[') {
            auto close = std::string_view::npos;
            if (i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\'')) {
                char q = text[i + 1];
                std::string key;
                std::size_t j = i + 2;
                for (; j < text.size() && text[j] != q; ++j) {
                    if (text[j] == '\\' && q == '"' && j + 1 < text.size()) {
                        ++j;
                    }
                    key += text[j];
                }
                if (j + 1 >= text.size() || text[j + 1] != ']') {
                    return bad_path(text, "unterminated [\"...\"]");
                }
                p.segments.push_back({Segment::Type::key, key, 0});
                i = j + 2;
            } else {
                close = text.find(']', i);
                if (close == std::string_view::npos) {
                    return bad_path(text, "unterminated [");
                }
                auto inner = text.substr(i + 1, close - i - 1);
                if (inner.empty()) {
                    p.segments.push_back({Segment::Type::every, {}, 0});
                } else {
                    std::size_t n = 0;
                    for (char d : inner) {
                        if (d < '0' || d > '9' || n > 100'000'000) {
                            return bad_path(text, fmt::format("'{}' is not a list index", inner));
                        }
                        n = n * 10 + static_cast<std::size_t>(d - '0');
                    }
                    p.segments.push_back({Segment::Type::index, {}, n});
                }
                i = close + 1;
            }
            expect_key = false;
            continue;
        }
        if (c == '.') {
            if (expect_key) {
                return bad_path(text, "empty key");
            }
            expect_key = true;
            ++i;
            if (i == text.size()) {
                return bad_path(text, "ends with '.'");
            }
            continue;
        }
        if (!expect_key) {
            return bad_path(text, fmt::format("expected '.' or '[' at position {}", i + 1));
        }
        auto end = text.find_first_of(".[", i);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        auto key = text.substr(i, end - i);
        if (key.find(']') != std::string_view::npos) {
            return bad_path(text, "unbalanced ']'");
        }
        p.segments.push_back({Segment::Type::key, std::string(key), 0});
        i = end;
        expect_key = false;
    }
    return p;
}

}  // namespace kanon::yaml
