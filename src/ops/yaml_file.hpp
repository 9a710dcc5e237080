// `kanon yaml get|set`: one value of a YAML file read, or one scalar set
// (exactly its bytes, or a missing key added in the file's own style) and
// the file written in place atomically when asked. A `yq` that never
// reformats.
#pragma once

#include <string>

#include "util/error.hpp"
#include "yaml/edit.hpp"
#include "yaml/value.hpp"

namespace kanon::ops {

struct YamlGetReport {
    std::string file;
    std::string key;
    yaml::Value value;
    bool scalar = false;  // a scalar: `text` is its value as written
    std::string text;     // the scalar's text
    std::string type;     // the scalar's type as Helm reads it, or "mapping" / "sequence"
    Location where;       // where the value starts
};
Result<YamlGetReport> yaml_get(const std::string& file, const std::string& key);

struct YamlSetOptions {
    std::string file;
    std::string key;
    std::string value;
    bool in_place = false;  // write the file (only when something changed); else just return its new text
    bool raw = false;       // the value as YAML, not as a string
    bool create = true;     // add the key when it is missing
};
Result<yaml::SetResult> yaml_set(const YamlSetOptions& o);

}  // namespace kanon::ops
