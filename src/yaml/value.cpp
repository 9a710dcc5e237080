#include "yaml/value.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>

#include <fmt/format.h>

namespace kanon::yaml {
namespace {

class Converter {
public:
    explicit Converter(const Stream& s) : m_s(s) {}

    Result<Value> convert(NodeId id, std::size_t depth)
    {
        if (depth > m_s.limits().max_depth) {
            return file_error(
                m_s.locate(id),
                fmt::format("nesting deeper than the limit of {} levels (through aliases)", m_s.limits().max_depth));
        }
        const Node& n = m_s.node(id);
        if (n.kind == Kind::alias) {
            if (++m_expanded > m_s.limits().max_alias_expansion) {
                return bomb(id);
            }
            return convert(n.alias_of, depth + 1);
        }
        if (++m_produced > m_s.limits().max_alias_expansion + m_s.node_count()) {
            return bomb(id);
        }
        Value v;
        v.origin = m_s.locate(n.kind == Kind::scalar ? n.value_span.begin : n.span.begin);
        v.style = n.style;
        if (n.kind == Kind::scalar) {
            auto h = helm_scalar(n);
            if (!h) {
                return file_error(m_s.locate(n.value_span.begin),
                                  fmt::format("Helm cannot read this value: '{}' is not a valid {}", n.value,
                                              n.tag.substr(n.tag.rfind(':') + 1)));
            }
            using HelmKind = HelmScalar::Kind;
            v.scalar_type = h->kind == HelmKind::null                                               ? PlainType::null
                            : h->kind == HelmKind::boolean                                          ? PlainType::boolean
                            : h->kind == HelmKind::integer || h->kind == HelmKind::unsigned_integer ? PlainType::integer
                            : h->kind == HelmKind::floating ? PlainType::floating
                                                            : PlainType::string;
            v.type = v.scalar_type == PlainType::null ? Value::Type::null : Value::Type::scalar;
            v.text = h->kind == HelmKind::string ? h->text : n.value;
            v.helm = std::move(*h);
            return v;
        }
        if (n.kind == Kind::sequence) {
            v.type = Value::Type::sequence;
            for (NodeId c : n.children) {
                auto item = convert(c, depth + 1);
                if (!item) {
                    return item;
                }
                v.items.push_back(std::move(*item));
            }
            return v;
        }
        // In document order, as go-yaml v2 (Helm's reader) applies them: a
        // `<<` merge sets every key of its mappings (of a list, the first
        // that has the key wins) over what came before; a key written later
        // overrides it. A key written twice is an error (Helm keeps the last).
        v.type = Value::Type::mapping;
        std::set<std::string> written;
        auto put = [&v](const std::string& k, const Value& val) {
            if (Value* e = v.get(k)) {
                *e = val;
            } else {
                v.entries.emplace_back(k, val);
            }
        };
        for (std::size_t k = 0; k + 1 < n.children.size(); k += 2) {
            const Node& key = m_s.node(n.children[k]);
            if (key.kind != Kind::scalar) {
                return file_error(m_s.locate(n.children[k]), "a mapping key that is not a scalar is not supported");
            }
            auto val = convert(n.children[k + 1], depth + 1);
            if (!val) {
                return val;
            }
            if (key.style == Style::plain && key.value == "<<") {
                std::vector<const Value*> sources;
                if (val->type == Value::Type::mapping) {
                    sources.push_back(&*val);
                } else if (val->type == Value::Type::sequence) {
                    for (auto it = val->items.rbegin(); it != val->items.rend(); ++it) {  // earlier ones win
                        sources.push_back(&*it);
                    }
                }
                for (const Value* src : sources) {
                    if (src->type != Value::Type::mapping) {
                        return file_error(src->origin, "a `<<` merge must name a mapping");
                    }
                    for (const auto& [mk, mv] : src->entries) {
                        put(mk, mv);
                    }
                }
                if (val->type != Value::Type::mapping && val->type != Value::Type::sequence) {
                    return file_error(val->origin, "a `<<` merge must name a mapping");
                }
                continue;
            }
            // Helm's values name every key as a string: `on` is "true",
            // `0x10` is "16", `1.0` is "1".
            auto name = helm_key(key);
            if (!name) {
                return file_error(m_s.locate(n.children[k]),
                                  fmt::format("Helm cannot read the key '{}' (a null or a number past 64 bits is no "
                                              "key it accepts); quote it",
                                              key.value));
            }
            if (!written.insert(*name).second) {
                return file_error(m_s.locate(n.children[k]),
                                  *name == key.value ? fmt::format("duplicate key '{}'", key.value)
                                                     : fmt::format("duplicate key '{}' (Helm reads '{}' as '{}')",
                                                                   *name, key.value, *name));
            }
            put(*name, *val);
        }
        return v;
    }

private:
    Error bomb(NodeId id)
    {
        return file_error(m_s.locate(id), fmt::format("aliases expand to more than the limit of {} nodes (an alias "
                                                      "bomb?)",
                                                      m_s.limits().max_alias_expansion));
    }

    const Stream& m_s;
    std::size_t m_expanded = 0;
    std::size_t m_produced = 0;
};

// `s` with every byte that is not part of valid UTF-8 replaced by U+FFFD,
// as Go's encoding/json writes a decoded !!binary that is not text.
std::string utf8_or_replaced(const std::string& s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5U) == 0x6 ? 2 : (c >> 4U) == 0xE ? 3 : (c >> 3U) == 0x1E ? 4 : 0;
        bool ok = n != 0 && i + n <= s.size() && (n != 2 || c >= 0xC2);
        for (std::size_t k = 1; ok && k < n; ++k) {
            ok = (static_cast<unsigned char>(s[i + k]) & 0xC0U) == 0x80U;
        }
        if (ok) {
            out.append(s, i, n);
            i += n;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

nlohmann::ordered_json scalar_json(const Value& v)
{
    using HelmKind = HelmScalar::Kind;
    const HelmScalar& h = v.helm;
    switch (h.kind) {
        case HelmKind::null:
            return nullptr;
        case HelmKind::boolean:
            return h.boolean;
        case HelmKind::integer:
            return h.integer;
        case HelmKind::unsigned_integer:
            return h.unsigned_integer;
        case HelmKind::floating:
            // JSON has no infinity or NaN (and Helm fails on them): shown as written.
            return std::isfinite(h.floating) ? nlohmann::ordered_json(h.floating) : nlohmann::ordered_json(v.text);
        case HelmKind::string:
            return utf8_or_replaced(v.text);
    }
    return utf8_or_replaced(v.text);
}

}  // namespace

Value::Value() = default;

const Value* Value::get(std::string_view key) const
{
    for (const auto& [k, v] : entries) {
        if (k == key) {
            return &v;
        }
    }
    return nullptr;
}

Value* Value::get(std::string_view key)
{
    for (auto& [k, v] : entries) {
        if (k == key) {
            return &v;
        }
    }
    return nullptr;
}

nlohmann::ordered_json Value::to_json() const
{
    switch (type) {
        case Type::null:
            return nullptr;
        case Type::scalar:
            return scalar_json(*this);
        case Type::sequence: {
            auto arr = nlohmann::ordered_json::array();
            for (const auto& i : items) {
                arr.push_back(i.to_json());
            }
            return arr;
        }
        case Type::mapping: {
            auto obj = nlohmann::ordered_json::object();
            for (const auto& [k, v] : entries) {
                obj[k] = v.to_json();
            }
            return obj;
        }
    }
    return nullptr;
}

Result<Value> to_value(const Stream& s, NodeId id)
{
    if (id == k_no_node) {
        return Value{};
    }
    Converter c(s);
    return c.convert(id, 0);
}

Result<Value> document_value(const Stream& s)
{
    const auto& docs = s.documents();
    if (docs.size() > 1) {
        return file_error(s.locate(docs[1].span.begin), "expected one YAML document, found several");
    }
    if (docs.empty()) {
        Value v;
        v.origin = {s.name(), 0, 0};
        return v;
    }
    return to_value(s, docs[0].root);
}

}  // namespace kanon::yaml
