#include "yaml/merge.hpp"

#include <fmt/format.h>

#include "yaml/path.hpp"

namespace kanon::yaml {
namespace {

void replace(Value& dst, const Value& src)
{
    std::vector<Location> shadowed;
    shadowed.push_back(dst.origin);
    shadowed.insert(shadowed.end(), dst.shadowed.begin(), dst.shadowed.end());
    dst = src;
    dst.shadowed.insert(dst.shadowed.end(), shadowed.begin(), shadowed.end());
}

// valueFiles among themselves: later wins, maps merge.
void merge_into(Value& dst, const Value& src)
{
    if (!dst.is_map() || !src.is_map()) {
        replace(dst, src);
        return;
    }
    for (const auto& [k, v] : src.entries) {
        Value* existing = dst.get(k);
        if (existing == nullptr) {
            dst.entries.emplace_back(k, v);
        } else if (existing->is_map() && v.is_map()) {
            merge_into(*existing, v);
        } else {
            replace(*existing, v);
        }
    }
}

// The user's values over the chart's, as Helm coalesces them: a null
// deletes a key the chart has; a key only the user has is kept as written,
// a null included (Helm's coalesce walks the chart's keys only).
void coalesce(Value& chart, const Value& user)
{
    for (const auto& [k, v] : user.entries) {
        Value* existing = chart.get(k);
        if (existing == nullptr) {
            chart.entries.emplace_back(k, v);
        } else if (v.type == Value::Type::null) {
            // Not `[&]` on `k`: clang before 16 cannot capture a structured binding.
            std::erase_if(chart.entries, [key = &k](const auto& e) { return e.first == *key; });
        } else if (existing->is_map() && v.is_map()) {
            coalesce(*existing, v);
        } else {
            replace(*existing, v);
        }
    }
}

std::string key_path(const std::string& prefix, const std::string& key)
{
    std::vector<Segment> seg{{Segment::Type::key, key, 0}};
    std::string k = format_path(seg);
    if (prefix.empty()) {
        return k;
    }
    return k.front() == '[' ? prefix + k : prefix + "." + k;
}

}  // namespace

Value helm_merge(const Value& chart, const std::vector<Value>& layers)
{
    Value user;
    user.type = Value::Type::mapping;
    for (const auto& l : layers) {
        if (l.is_map()) {
            merge_into(user, l);
        }
    }
    Value out = chart.is_map() ? chart : Value{};
    if (!out.is_map()) {
        out.type = Value::Type::mapping;
        out.origin = user.origin;
    }
    coalesce(out, user);
    return out;
}

std::vector<Leaf> leaves(const Value& v, const std::string& prefix)
{
    std::vector<Leaf> out;
    if (v.type == Value::Type::mapping && !v.entries.empty()) {
        for (const auto& [k, c] : v.entries) {
            auto sub = leaves(c, key_path(prefix, k));
            out.insert(out.end(), sub.begin(), sub.end());
        }
    } else if (v.type == Value::Type::sequence && !v.items.empty()) {
        for (std::size_t i = 0; i < v.items.size(); ++i) {
            auto sub = leaves(v.items[i], fmt::format("{}[{}]", prefix, i));
            out.insert(out.end(), sub.begin(), sub.end());
        }
    } else {
        out.push_back(Leaf{prefix.empty() ? "." : prefix, v});
    }
    return out;
}

}  // namespace kanon::yaml
