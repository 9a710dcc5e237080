// A value tree read out of a Stream: aliases expanded (under a budget, so an
// alias bomb is an error, not an OOM), `<<` merges applied, scalars typed the
// way Helm types them, and every node remembering the FILE:LINE it came from.
// This is what `explain` merges and what the canon model reads kanon.yaml from.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "yaml/document.hpp"
#include "yaml/helm.hpp"
#include "yaml/scalar.hpp"

namespace kanon::yaml {

struct Value {
    enum class Type { null, scalar, mapping, sequence };

    // Declared here, defaulted in value.cpp: `entries` holds pair<string, Value>
    // while Value is still incomplete, and clang (with libstdc++) instantiates
    // pair's implicit-default-constructible check, which needs Value's default
    // constructor body, before pair itself is complete. An out-of-line default
    // constructor breaks that cycle; g++ accepts either way.
    Value();

    Type type = Type::null;
    PlainType scalar_type = PlainType::null;  // scalars: how Helm reads it
    std::string text;                         // scalars: the content (a !!binary one decoded)
    HelmScalar helm;                          // scalars: the value Helm holds
    Style style = Style::plain;
    std::vector<std::pair<std::string, Value>> entries;  // mappings, in file order
    std::vector<Value> items;                            // sequences
    Location origin;
    std::vector<Location> shadowed;  // after a merge: the values this one replaced, latest first

    [[nodiscard]] bool is_map() const { return type == Type::mapping; }
    [[nodiscard]] const Value* get(std::string_view key) const;
    [[nodiscard]] Value* get(std::string_view key);
    // The scalar as Helm would print it in JSON (typed), or the collection as JSON.
    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

// The value of a node (k_no_node gives null).
Result<Value> to_value(const Stream& s, NodeId id);
// The value of the file's single document (an empty file is null; several
// documents are an error).
Result<Value> document_value(const Stream& s);

}  // namespace kanon::yaml
