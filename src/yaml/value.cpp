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
            v.scalar_type = resolve_node(n);
            v.type = v.scalar_type == PlainType::null ? Value::Type::null : Value::Type::scalar;
            v.text = n.value;
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
            if (!written.insert(key.value).second) {
                return file_error(m_s.locate(n.children[k]), fmt::format("duplicate key '{}'", key.value));
            }
            put(key.value, *val);
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

std::string strip_underscores(std::string_view s)
{
    std::string out;
    for (char c : s) {
        if (c != '_') {
            out += c;
        }
    }
    return out;
}

nlohmann::ordered_json scalar_json(const Value& v)
{
    switch (v.scalar_type) {
        case PlainType::boolean: {
            // The spellings of true, listed: a first-letter test read `n`/`no`
            // as true and `On`/`ON` as false.
            static constexpr std::array<std::string_view, 11> k_true = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                                                        "True", "TRUE", "on",  "On",  "ON"};
            return std::find(k_true.begin(), k_true.end(), v.text) != k_true.end();
        }
        case PlainType::integer: {
            std::string t = strip_underscores(v.text);
            if (t.find(':') != std::string::npos) {
                return t;  // sexagesimal: rare enough to show as written
            }
            bool neg = !t.empty() && t[0] == '-';
            std::string digits = (!t.empty() && (t[0] == '-' || t[0] == '+')) ? t.substr(1) : t;
            if (digits.size() > 1 && digits[0] == '0') {
                digits[1] = static_cast<char>(std::tolower(static_cast<unsigned char>(digits[1])));  // 0X1F is 0x1F
            }
            int base = 10;
            if (digits.rfind("0x", 0) == 0) {
                base = 16;
                digits = digits.substr(2);
            } else if (digits.rfind("0b", 0) == 0) {
                base = 2;
                digits = digits.substr(2);
            } else if (digits.rfind("0o", 0) == 0) {
                base = 8;
                digits = digits.substr(2);
            } else if (digits.size() > 1 && digits[0] == '0') {
                base = 8;
            }
            errno = 0;
            char* end = nullptr;
            long long n = std::strtoll(digits.c_str(), &end, base);
            if (errno != 0 || end == digits.c_str() || *end != '\0') {
                // go-yaml: `09` is no octal number, but its float pattern
                // matches it, and Helm reads 9.
                if (base == 8 && digits[0] == '0' && digits.find_first_not_of("0123456789") == std::string::npos) {
                    double d = std::strtod(digits.c_str(), nullptr);
                    return neg ? -d : d;
                }
                return v.text;
            }
            return neg ? -n : n;
        }
        case PlainType::floating: {
            std::string t = strip_underscores(v.text);
            char* end = nullptr;
            double d = std::strtod(t.c_str(), &end);
            if (end == t.c_str() || *end != '\0' || !std::isfinite(d)) {
                return v.text;
            }
            return d;
        }
        case PlainType::null:
            return nullptr;
        default:
            return v.text;
    }
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
