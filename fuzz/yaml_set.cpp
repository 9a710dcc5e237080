// yaml_set: the edit engine. The input is a YAML file, then (after the first
// NUL byte, which no YAML file holds) a selector byte and the new value:
//
//   FILE \0 SELECTOR VALUE...
//
// The selector picks one of the file's scalars reachable by a key path (its
// index among them, modulo their count) and the options: bit 7 deletes the
// key instead of setting it, bit 6 sets with --raw, bit 5 creates a child
// key `new` under it instead. Without a NUL the whole input is the file and
// the value is "v2".
//
// Invariants when set_scalar succeeds: the new text parses; reading the path
// back gives exactly the new value; `changed` says whether the text changed;
// when an existing value was replaced, every byte before and after the old
// value's span is unchanged. When delete_key succeeds the text parses and
// the path is gone.
#include <string>
#include <vector>

#include "support.hpp"
#include "targets.hpp"
#include "yaml/document.hpp"
#include "yaml/edit.hpp"

namespace kanon::fuzz {

using namespace yaml;  // NOLINT(google-build-using-namespace)

int yaml_set(const std::uint8_t* data, std::size_t size)
{
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string text(input);
    std::uint8_t selector = 0;
    std::string value = "v2";
    if (auto nul = input.find('\0'); nul != std::string_view::npos) {
        text = std::string(input.substr(0, nul));
        if (nul + 1 < input.size()) {
            selector = static_cast<std::uint8_t>(input[nul + 1]);
            value = std::string(input.substr(nul + 2 < input.size() ? nul + 2 : input.size()));
        }
    }
    auto parsed = Stream::parse(text, "values.yaml");
    if (!parsed) {
        return 0;
    }
    const Stream& s = *parsed;
    std::vector<std::pair<NodeId, std::vector<Segment>>> candidates;
    for (NodeId id = 0; id < s.node_count(); ++id) {
        if (s.node(id).kind != Kind::scalar) {
            continue;
        }
        if (auto segs = path_to(s, id); segs && !segs->empty()) {
            candidates.emplace_back(id, std::move(*segs));
        }
    }
    if (candidates.empty()) {
        // An empty file (or a lone scalar): creating a key is what is left.
        candidates.emplace_back(k_no_node, std::vector<Segment>{{Segment::Type::key, "image", 0}});
    }
    auto& segs = candidates[(selector & 0x1FU) % candidates.size()].second;
    if ((selector & 0x20U) != 0) {
        segs.push_back({Segment::Type::key, "new", 0});
    }
    Path path = round_trip_path(segs);

    if ((selector & 0x80U) != 0) {
        auto del = delete_key(s, path);
        if (del.ok() && del->changed) {
            auto again = Stream::parse(del->text, s.name());
            check(again.ok(), "a delete gives a file that does not parse");
            check(!find(*again, path).ok(), "a deleted key is still there");
        }
        return 0;
    }

    SetOptions opts;
    opts.raw = (selector & 0x40U) != 0;
    // The span of what a set replaces, when the path names an existing scalar.
    auto before = find(s, path);
    auto r = set_scalar(s, path, value, opts);
    if (!r) {
        return 0;
    }
    check(r->changed == (r->text != text), "`changed` does not say whether the text changed");
    auto again = Stream::parse(r->text, s.name());
    check(again.ok(), "a set gives a file that does not parse");
    auto back = get_scalar(*again, path);
    check(back.ok(), "a set value cannot be read back");
    check(*back == value, "a set value reads back as something else");
    if (!r->created) {
        check(before.ok() && s.node(*before).kind == Kind::scalar, "a set replaced what find does not see");
        const Node& old = s.node(*before);
        check(r->old_value == old.value, "old_value is not the value replaced");
        std::size_t head = old.value_span.begin;
        std::size_t tail = text.size() - old.value_span.end;
        check(r->text.size() >= head + tail, "a set shrank the text outside the value");
        check(r->text.compare(0, head, text, 0, head) == 0, "a set changed bytes before the value");
        check(r->text.compare(r->text.size() - tail, tail, text, old.value_span.end, tail) == 0,
              "a set changed bytes after the value");
    }
    return 0;
}

}  // namespace kanon::fuzz
