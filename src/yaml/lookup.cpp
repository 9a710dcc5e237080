#include "yaml/lookup.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "yaml/edit.hpp"
#include "yaml/scalar.hpp"
#include "yaml/value.hpp"

namespace kanon::yaml {
namespace detail {

const char* kind_name(const Node& n)
{
    switch (n.kind) {
        case Kind::mapping:
            return "a mapping";
        case Kind::sequence:
            return "a list";
        case Kind::alias:
            return "an alias";
        case Kind::scalar:
            return n.value.empty() && n.style == Style::plain ? "empty" : "a scalar";
    }
    return "a node";
}

bool is_empty_plain(const Node& n)
{
    return n.kind == Kind::scalar && n.style == Style::plain && n.value.empty() && n.tag.empty() && n.anchor.empty();
}

namespace {

class Walker {
public:
    Walker(const Stream& s, const Path& p, Mode m) : m_s(s), m_p(p), m_mode(m) {}

    Result<Walk> walk(NodeId root)
    {
        NodeId cur = root;
        for (std::size_t i = 0; i < m_p.segments.size(); ++i) {
            auto d = deref(cur, i);
            if (!d) {
                return d.take_error();
            }
            cur = *d;
            const Segment& seg = m_p.segments[i];
            const Node& n = m_s.node(cur);
            if (seg.type == Segment::Type::every) {
                return usage_error(fmt::format("key path '{}': [] (every item) cannot be used here", m_p.text));
            }
            if (seg.type == Segment::Type::key) {
                if (n.kind != Kind::mapping) {
                    if (m_mode == Mode::write && is_empty_plain(n)) {
                        return Walk{Walk::Outcome::missing, cur, i, {}};
                    }
                    return mismatch(cur, i, fmt::format("{} is {}, not a mapping", at(i), kind_name(n)));
                }
                auto next = lookup_key(cur, seg.key, i);
                if (!next) {
                    return next.take_error();
                }
                if (*next == k_no_node) {
                    return Walk{Walk::Outcome::missing, cur, i, {}};
                }
                cur = *next;
            } else {
                if (n.kind != Kind::sequence) {
                    return mismatch(cur, i, fmt::format("{} is {}, not a list", at(i), kind_name(n)));
                }
                if (seg.index >= n.children.size()) {
                    return mismatch(
                        cur, i,
                        fmt::format("{} has {} items, so there is no item [{}]", at(i), n.children.size(), seg.index));
                }
                cur = n.children[seg.index];
            }
        }
        auto d = deref(cur, m_p.segments.size());
        if (!d) {
            return d.take_error();
        }
        return Walk{Walk::Outcome::found, *d, 0, {}};
    }

private:
    std::string at(std::size_t i) const { return i == 0 ? std::string("the document") : "'" + m_p.prefix(i) + "'"; }

    Walk mismatch(NodeId id, std::size_t /*i*/, std::string why)
    {
        return Walk{Walk::Outcome::mismatch, id, 0, file_error(m_s.locate(id), std::move(why))};
    }

    // Aliases are followed when reading; when writing they are refused, and
    // so is any node whose anchor an alias shares.
    Result<NodeId> deref(NodeId id, std::size_t i)
    {
        const Node& n = m_s.node(id);
        if (n.kind == Kind::alias) {
            if (m_mode == Mode::write) {
                return file_error(m_s.locate(id),
                                  fmt::format("{} is the alias *{}: setting through it would change the anchored "
                                              "value and every other alias of it; edit the anchor &{} instead",
                                              at(i), n.value, n.value));
            }
            return n.alias_of;
        }
        if (m_mode == Mode::write && n.shared) {
            return file_error(m_s.locate(id),
                              fmt::format("{} carries the anchor &{} that aliases refer to: setting it would change "
                                          "every *{} too",
                                          at(i), n.anchor, n.anchor));
        }
        return id;
    }

    // The value Helm reads for `key` in `map`. Helm reads values through
    // go-yaml v2, which applies a mapping's entries in document order: a
    // `<<` merge sets every key its mappings have (of a list of them, the
    // first that has the key), over what came before it, and a key written
    // after the merge overrides it. `depth` counts nested `<<` merges: a
    // long chain of them (`a2: &a2 {<<: *a1}` ...) must be an error, not a
    // stack overflow.
    Result<NodeId> lookup_key(NodeId map, const std::string& key, std::size_t i, std::size_t depth = 0)
    {
        const Node& m = m_s.node(map);
        NodeId found = k_no_node;
        NodeId explicit_key = k_no_node;  // the key written in this mapping, if it is
        NodeId merged_by = k_no_node;     // the `<<` whose merge set the value found, if one did
        for (std::size_t k = 0; k + 1 < m.children.size(); k += 2) {
            NodeId kid = m.children[k];
            const Node& kn = m_s.node(kid);
            if (kn.kind == Kind::scalar && kn.style == Style::plain && kn.value == "<<") {
                auto r = lookup_merge(m.children[k + 1], key, i, depth);
                if (!r) {
                    return r;
                }
                if (*r != k_no_node) {
                    found = *r;
                    merged_by = kid;
                }
                continue;
            }
            if (!m_s.key_equals(kid, key)) {
                continue;
            }
            if (explicit_key != k_no_node) {
                auto first = m_s.locate(explicit_key);
                return file_error(m_s.locate(kid),
                                  fmt::format("duplicate key '{}' (first at line {}): which one Helm reads is not "
                                              "defined; remove one of them",
                                              m_p.prefix(i + 1), first.line));
            }
            found = m.children[k + 1];
            explicit_key = kid;
            merged_by = k_no_node;
        }
        if (m_mode == Mode::write && merged_by != k_no_node) {
            if (explicit_key != k_no_node) {
                auto key_at = m_s.locate(explicit_key);
                return file_error(m_s.locate(merged_by),
                                  fmt::format("'{}' is written at line {}, but this `<<` merge comes after it and "
                                              "sets it too: Helm reads the merged value, so the edit would be lost; "
                                              "move the `<<` above the key, or edit the merged anchor",
                                              m_p.prefix(i + 1), key_at.line));
            }
            return file_error(m_s.locate(merged_by),
                              fmt::format("'{}' comes from the `<<` merge at this line: setting it would change the "
                                          "merged anchor; edit the anchor or add the key here by hand",
                                          m_p.prefix(i + 1)));
        }
        return found;
    }

    // The value a `<<: *base` or `<<: [*a, *b]` gives `key` (of a list, the
    // first mapping that has it), or k_no_node.
    Result<NodeId> lookup_merge(NodeId merge_value, const std::string& key, std::size_t i, std::size_t depth)
    {
        std::vector<NodeId> sources;
        const Node& mn = m_s.node(merge_value);
        if (mn.kind == Kind::sequence) {
            sources = mn.children;
        } else {
            sources.push_back(merge_value);
        }
        for (NodeId src : sources) {
            NodeId target = m_s.node(src).kind == Kind::alias ? m_s.node(src).alias_of : src;
            if (m_s.node(target).kind != Kind::mapping) {
                continue;
            }
            if (++m_merge_budget > 10'000 || depth >= m_s.limits().max_depth) {
                return file_error(m_s.locate(src), "too many nested `<<` merges");
            }
            // Read what the source gives; whether writing through it is
            // allowed is decided by the mapping that merges it.
            Mode mode = m_mode;
            m_mode = Mode::read;
            auto r = lookup_key(target, key, i, depth + 1);
            m_mode = mode;
            if (!r || *r != k_no_node) {
                return r;
            }
        }
        return k_no_node;
    }

    const Stream& m_s;
    const Path& m_p;
    Mode m_mode;  // switched to read while a merge's source is searched
    std::size_t m_merge_budget = 0;
};

}  // namespace

Result<Located> locate_path(const Stream& s, const Path& p, Mode mode)
{
    std::vector<Located> found;
    std::vector<Located> missing;
    std::optional<Error> mismatch;
    const auto& docs = s.documents();
    for (std::size_t d = 0; d < docs.size(); ++d) {
        if (docs[d].root == k_no_node) {
            continue;
        }
        Walker w(s, p, mode);
        auto r = w.walk(docs[d].root);
        if (!r) {
            return r.take_error();
        }
        switch (r->outcome) {
            case Walk::Outcome::found:
                found.push_back({*r, d});
                break;
            case Walk::Outcome::missing:
                missing.push_back({*r, d});
                break;
            case Walk::Outcome::mismatch:
                if (!mismatch) {
                    mismatch = r->reason;
                }
                break;
        }
    }
    if (found.size() > 1) {
        auto a = s.locate(found[0].walk.node);
        auto b = s.locate(found[1].walk.node);
        return file_error(b, fmt::format("'{}' is present in several documents of this file (lines {} and {}); "
                                         "kanon will not guess which one to use",
                                         p.text, a.line, b.line));
    }
    if (found.size() == 1) {
        return found[0];
    }
    if (mode == Mode::write && missing.size() == 1 && (docs.size() == 1 || !mismatch)) {
        return missing[0];
    }
    if (mode == Mode::write && missing.size() > 1) {
        return file_error({s.name()}, fmt::format("'{}' is in none of the {} documents of this file; kanon will not "
                                                  "guess which one to add it to",
                                                  p.text, missing.size()));
    }
    if (mismatch && docs.size() == 1) {
        return *mismatch;
    }
    if (mode == Mode::write && docs.empty()) {
        return Located{Walk{Walk::Outcome::missing, k_no_node, 0, {}}, 0};
    }
    return file_error({s.name()}, fmt::format("no key '{}'", p.text));
}

}  // namespace detail

using namespace detail;  // NOLINT(google-build-using-namespace)

Result<NodeId> find(const Stream& s, const Path& path)
{
    auto r = locate_path(s, path, Mode::read);
    if (!r) {
        return r.take_error();
    }
    return r->walk.node;
}

std::vector<NodeId> find_all(const Stream& s, const Path& path)
{
    std::vector<NodeId> current;
    for (const auto& d : s.documents()) {
        if (d.root != k_no_node) {
            current.push_back(d.root);
        }
    }
    auto deref = [&](NodeId id) { return s.node(id).kind == Kind::alias ? s.node(id).alias_of : id; };
    // Each node once, first match first: through aliases one node can be
    // reached many ways, and an alias bomb would otherwise multiply the list
    // at every `[]` until memory runs out.
    auto keep_first = [&](std::vector<NodeId>& ids) {
        std::vector<bool> seen(s.node_count());
        std::erase_if(ids, [&](NodeId id) {
            bool dup = seen[id];
            seen[id] = true;
            return dup;
        });
    };
    for (const auto& seg : path.segments) {
        std::vector<NodeId> next;
        for (NodeId raw : current) {
            NodeId id = deref(raw);
            const Node& n = s.node(id);
            if (seg.type == Segment::Type::key && n.kind == Kind::mapping) {
                for (std::size_t k = 0; k + 1 < n.children.size(); k += 2) {
                    if (s.key_equals(n.children[k], seg.key)) {
                        next.push_back(n.children[k + 1]);
                    }
                }
            } else if (seg.type == Segment::Type::index && n.kind == Kind::sequence && seg.index < n.children.size()) {
                next.push_back(n.children[seg.index]);
            } else if (seg.type == Segment::Type::every && n.kind == Kind::sequence) {
                next.insert(next.end(), n.children.begin(), n.children.end());
            }
        }
        keep_first(next);
        current = std::move(next);
    }
    for (auto& id : current) {
        id = deref(id);
    }
    keep_first(current);
    return current;
}

Result<std::string> get_scalar(const Stream& s, const Path& path)
{
    auto id = find(s, path);
    if (!id) {
        return id.take_error();
    }
    const Node& n = s.node(*id);
    if (n.kind != Kind::scalar) {
        return file_error(s.locate(*id), fmt::format("'{}' is {}, not a scalar", path.text, kind_name(n)));
    }
    return n.value;
}

}  // namespace kanon::yaml
