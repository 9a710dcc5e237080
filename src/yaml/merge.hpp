// Helm's merge of values, with provenance.
//
// Helm first merges the valueFiles left to right (later files win, maps merge
// key by key, lists and scalars are replaced whole), then coalesces the result
// over the chart's values.yaml, where a user value of `null` deletes the key.
// Each leaf keeps the FILE:LINE that supplied it and the ones it replaced, so
// an env layer that silently overrides a release file is visible.
#pragma once

#include <string>
#include <vector>

#include "yaml/value.hpp"

namespace kanon::yaml {

// `chart` may be null (no chart values). `layers` are the valueFiles in order.
Value helm_merge(const Value& chart, const std::vector<Value>& layers);

struct Leaf {
    std::string path;  // a.b[0].c
    Value value;       // a copy: leaves are scalars, nulls or empty collections
};

// Every leaf (scalar, null, empty collection) in document order.
std::vector<Leaf> leaves(const Value& v, const std::string& prefix = {});

}  // namespace kanon::yaml
