// Key paths: `image.tag`, `list[2].x`, `envFrom[].secretRef.name` (`[]` is
// "every item", for readers only), `annotations["app.kubernetes.io/name"]`
// for keys that hold dots.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace kanon::yaml {

struct Segment {
    enum class Type { key, index, every };
    Type type = Type::key;
    std::string key;
    std::size_t index = 0;
};

struct Path {
    std::vector<Segment> segments;
    std::string text;
    [[nodiscard]] bool has_wildcard() const;
    // The path of the first `n` segments, written back as text.
    [[nodiscard]] std::string prefix(std::size_t n) const;
};

// An empty string or "." is the document root.
Result<Path> parse_path(std::string_view text);
std::string format_path(const std::vector<Segment>& segments);

}  // namespace kanon::yaml
