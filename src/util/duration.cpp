#include "util/duration.hpp"

#include <cctype>
#include <cstdint>

#include <fmt/format.h>

namespace kanon {

Result<std::chrono::milliseconds> parse_duration(std::string_view text, std::string_view flag)
{
    auto bad = [&] {
        return usage_error(fmt::format("{} '{}' is not a duration", flag, text),
                           "write it like 90s, 10m, 1h30m or 500ms (a bare number means seconds)");
    };
    if (text.empty() || text.size() > 32) {
        return bad();
    }
    std::int64_t total_ms = 0;
    std::size_t i = 0;
    bool bare = true;
    while (i < text.size()) {
        std::int64_t n = 0;
        std::size_t digits = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0) {
            n = n * 10 + (text[i] - '0');
            ++i;
            if (++digits > 9) {
                return bad();
            }
        }
        if (digits == 0) {
            return bad();
        }
        std::string_view unit;
        std::size_t start = i;
        while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])) != 0) {
            ++i;
        }
        unit = text.substr(start, i - start);
        std::int64_t scale = 0;
        if (unit.empty()) {
            if (!bare || i != text.size()) {
                return bad();
            }
            scale = 1000;
        } else if (unit == "ms") {
            scale = 1;
        } else if (unit == "s") {
            scale = 1000;
        } else if (unit == "m") {
            scale = 60'000;
        } else if (unit == "h") {
            scale = 3'600'000;
        } else {
            return bad();
        }
        bare = false;
        total_ms += n * scale;
        if (total_ms > std::int64_t{7} * 24 * 3'600'000) {
            return usage_error(fmt::format("{} '{}' is longer than a week", flag, text));
        }
    }
    return std::chrono::milliseconds(total_ms);
}

std::string format_elapsed(std::chrono::milliseconds d)
{
    auto ms = d.count() < 0 ? 0 : d.count();
    if (ms < 59'950) {
        auto tenths = (ms + 50) / 100;
        return fmt::format("{}.{}s", tenths / 10, tenths % 10);
    }
    auto secs = (ms + 500) / 1000;
    return fmt::format("{}m{:02}s", secs / 60, secs % 60);
}

}  // namespace kanon
