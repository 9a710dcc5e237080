// How Helm reads a scalar, and how to write a string so that it reads back
// as exactly that string.
//
// Helm decodes values with go-yaml, which follows YAML 1.1's implicit types:
// unquoted `1e10`, `0123`, `1.10`, `0x1F`, `1_000`, `1:20`, `yes`, `on`,
// `null` and `~` are not strings. The resolver here is deliberately the union
// of YAML 1.1, YAML 1.2 core and go-yaml's number parsing: when in doubt, a
// value is "not a string" and gets quotes.
#pragma once

#include <string>
#include <string_view>

#include "yaml/document.hpp"

namespace kanon::yaml {

enum class PlainType { string, null, boolean, integer, floating, timestamp, merge };

// The type an untagged plain scalar with this text resolves to.
PlainType resolve_plain(std::string_view text);
const char* type_name(PlainType t);

// The type a scalar node resolves to (quoted and block scalars are strings;
// a `!!str` tag makes a string; other explicit tags are honoured).
PlainType resolve_node(const Node& n);

// True when `text` can be written as a plain scalar and read back as the
// same string (in block context, or inside a flow collection).
bool plain_is_safe(std::string_view text, bool in_flow);

std::string double_quoted(std::string_view text);
std::string single_quoted(std::string_view text);  // caller checks single_quote_is_safe
bool single_quote_is_safe(std::string_view text);

// Writes `text` as a scalar that reads back as the string `text`, in the
// style `old` where that is safe: plain stays plain unless it would change
// type or break the syntax (then double quotes), single stays single unless
// the text has control characters, double stays double.
std::string render_string(std::string_view text, Style old, bool in_flow);

}  // namespace kanon::yaml
