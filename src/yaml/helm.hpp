// What Helm reads, exactly: Helm 3 reads values with sigs.k8s.io/yaml over
// go-yaml v2 (yaml.Unmarshal into interface{}, then through JSON). This is
// that reader's typing of a scalar and its naming of a mapping key, for
// what kanon shows as "the value Helm sees" (explain, yaml get -o json).
//
// It differs from resolve_plain() (scalar.hpp), which decides when kanon
// must quote what it writes and is deliberately wider: go-yaml v2 reads
// `2024-01-31`, `12:30`, `inf`, `0x1p3` and `1e400` as strings, but another
// reader may not, so kanon still quotes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "yaml/document.hpp"

namespace kanon::yaml {

// A scalar as Helm holds it.
struct HelmScalar {
    enum class Kind { null, boolean, integer, unsigned_integer, floating, string };
    Kind kind = Kind::string;
    bool boolean = false;
    std::int64_t integer = 0;
    std::uint64_t unsigned_integer = 0;
    double floating = 0;
    std::string text;  // strings (a !!binary one decoded); the text as written otherwise
};

// go-yaml v2's resolve() of an untagged plain scalar.
HelmScalar helm_plain(std::string_view text);

// The scalar node as Helm reads it: quoted and block scalars are strings,
// explicit tags are honoured (!!binary is decoded), plain ones as above.
// Empty when the node cannot be read (a bad !!binary, an unknown !!int).
std::optional<HelmScalar> helm_scalar(const Node& n);

// The name a mapping key gets in Helm's values (sigs.k8s.io/yaml turns
// keys into strings: `y` and `on` are "true", `0x10` is "16", `1.0` is
// "1"); empty when Helm cannot read the key at all (null, a number past
// 64 bits).
std::optional<std::string> helm_key(const Node& key);

}  // namespace kanon::yaml
