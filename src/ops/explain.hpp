// `kanon explain`: the values Helm will see for one app and stage, merged the
// way Argo CD asks Helm to merge them (chart values.yaml, then the
// Application's valueFiles in order), each leaf with the FILE:LINE that
// supplied it and the ones it replaced.
#pragma once

#include <string>
#include <vector>

#include "canon/config.hpp"
#include "yaml/merge.hpp"

namespace kanon::ops {

struct ExplainOptions {
    std::string dir = ".";
    std::string config_path;
    std::string app;
    std::string stage;
    std::string key;  // empty: every value
};

struct ValueSource {
    std::string file;  // relative to dir
    bool present = false;
    std::string role;  // "chart", "release", "env", "values", "inline", "parameters"
};

struct ExplainReport {
    std::string app;
    std::string stage;
    std::string application_file;
    bool from_application = false;  // valueFiles read from the Application (else the canon's order)
    std::vector<ValueSource> sources;
    yaml::Value merged;                 // the whole merged tree
    std::vector<yaml::Leaf> leaves;     // filtered by key
    std::vector<std::string> warnings;  // e.g. the env layer overrides the release
};

Result<ExplainReport> explain(const ExplainOptions& opts);

}  // namespace kanon::ops
