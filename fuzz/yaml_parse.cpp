// yaml_parse: Stream::parse on arbitrary bytes, then everything a reader
// does with what parsed: locations, value trees (aliases and merges
// expanded under the limits), JSON, and lookups by the stream's own key paths.
//
// Invariants: every span lies inside the text; a parse that succeeds under
// tight limits succeeds under the defaults with the same nodes; a key path
// written by format_path parses back to the same segments.
#include <string>

#include "support.hpp"
#include "targets.hpp"
#include "yaml/document.hpp"
#include "yaml/edit.hpp"
#include "yaml/value.hpp"

namespace kanon::fuzz {

using namespace yaml;  // NOLINT(google-build-using-namespace)

namespace {

void walk_value(const Value& v, std::size_t depth)
{
    check(depth <= 300, "a value tree deeper than max_depth");
    for (const auto& [k, child] : v.entries) {
        check(v.get(k) != nullptr, "Value::get misses a key the mapping has");
        walk_value(child, depth + 1);
    }
    for (const auto& item : v.items) {
        walk_value(item, depth + 1);
    }
}

}  // namespace

int yaml_parse(const std::uint8_t* data, std::size_t size)
{
    std::string text(reinterpret_cast<const char*>(data), size);
    Limits tight;
    tight.max_depth = 16;
    tight.max_nodes = 256;
    tight.max_alias_expansion = 512;
    auto small = Stream::parse(text, "tight.yaml", tight);
    auto parsed = Stream::parse(text, "fuzz.yaml");
    if (small.ok()) {
        check(parsed.ok(), "a parse within tight limits fails under the default limits");
        check(small->node_count() == parsed->node_count(), "the limits change the nodes parsed");
        check(small->documents().size() == parsed->documents().size(), "the limits change the documents");
    }
    if (!parsed) {
        return 0;
    }
    const Stream& s = *parsed;
    check(s.text() == text, "the stream does not keep the text as given");
    (void)s.line_break();
    for (NodeId id = 0; id < s.node_count(); ++id) {
        const Node& n = s.node(id);
        check(n.span.begin <= n.span.end && n.span.end <= text.size(), "a node's span is outside the text");
        check(n.value_span.begin <= n.value_span.end && n.value_span.end <= text.size(),
              "a scalar's value span is outside the text");
        check(n.parent == k_no_node || n.parent < s.node_count(), "a parent id out of range");
        check(n.kind != Kind::alias || n.alias_of < s.node_count(), "an alias to no node");
        for (NodeId c : n.children) {
            check(c < s.node_count() && s.node(c).parent == id, "a child that does not name its parent");
        }
        Location where = s.locate(id);
        check(where.line >= 1, "a location before line 1");
        if (n.kind == Kind::mapping) {
            check(n.children.size() % 2 == 0, "a mapping with a key and no value");
            for (std::size_t k = 0; k < n.children.size(); k += 2) {
                (void)s.key_equals(n.children[k], "image");
            }
        }
    }
    for (const auto& doc : s.documents()) {
        check(doc.root == k_no_node || doc.root < s.node_count(), "a document root out of range");
        auto v = to_value(s, doc.root);
        if (v.ok()) {
            walk_value(*v, 0);
            (void)v->to_json().dump();
        }
    }
    if (auto v = document_value(s); v.ok()) {
        (void)v->to_json().dump();
    }
    // Lookups by the stream's own paths (a bounded number: each walks the stream).
    std::size_t lookups = 0;
    for (NodeId id = 0; id < s.node_count() && lookups < 32; ++id) {
        auto segs = path_to(s, id);
        if (!segs) {
            continue;
        }
        ++lookups;
        Path p = round_trip_path(*segs);
        auto found = find(s, p);
        if (found.ok()) {
            check(*found < s.node_count(), "find gives a node id out of range");
        }
        (void)get_scalar(s, p);
        for (NodeId hit : find_all(s, p)) {
            check(hit < s.node_count(), "find_all gives a node id out of range");
        }
        if (!segs->empty()) {
            auto every = *segs;
            every.front() = {Segment::Type::every, {}, 0};
            (void)find_all(s, Path{every, format_path(every)});
        }
    }
    return 0;
}

}  // namespace kanon::fuzz
