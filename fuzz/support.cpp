#include "support.hpp"

#include <algorithm>

#include "targets.hpp"

namespace kanon::fuzz {

using namespace yaml;  // NOLINT(google-build-using-namespace)

std::optional<std::vector<Segment>> path_to(const Stream& s, NodeId id)
{
    std::vector<Segment> out;
    for (NodeId cur = id; s.node(cur).parent != k_no_node; cur = s.node(cur).parent) {
        const Node& parent = s.node(s.node(cur).parent);
        const auto& kids = parent.children;
        auto at = static_cast<std::size_t>(std::find(kids.begin(), kids.end(), cur) - kids.begin());
        check(at < kids.size(), "a node is not among its parent's children");
        if (parent.kind == Kind::sequence) {
            out.push_back({Segment::Type::index, {}, at});
        } else if (parent.kind == Kind::mapping) {
            if (at % 2 == 0) {
                return std::nullopt;  // a key
            }
            const Node& key = s.node(kids[at - 1]);
            if (key.kind != Kind::scalar) {
                return std::nullopt;
            }
            out.push_back({Segment::Type::key, key.value, 0});
        } else {
            fail("a scalar or an alias has children");
        }
    }
    std::reverse(out.begin(), out.end());
    return out;
}

Path round_trip_path(const std::vector<Segment>& segments)
{
    std::string text = format_path(segments);
    auto p = parse_path(text);
    check(p.ok(), "format_path wrote a path that parse_path refuses");
    check(p->segments.size() == segments.size(), "a path's text does not parse back to as many segments");
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const Segment& a = segments[i];
        const Segment& b = p->segments[i];
        check(a.type == b.type && a.key == b.key && a.index == b.index,
              "a path's text does not parse back to the same segments");
    }
    return std::move(*p);
}

}  // namespace kanon::fuzz
