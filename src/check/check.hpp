// `kanon check`: CANON.md's rules over a web-core checkout on disk (and,
// with a platform checkout, its §2 rules), every finding reported.
//
// Files are found by walking the directory once (`.git` skipped); an app is
// any name that one of its six files names through the layout templates of
// kanon.yaml. Each app is checked on its own (its six files parsed, checked
// and dropped), spread over the machine's cores; every other YAML file is
// parsed and scanned for secrets the same way. A file that does not parse is
// a yaml/syntax finding and the rest are still checked.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "canon/config.hpp"
#include "check/finding.hpp"
#include "util/error.hpp"
#include "yaml/document.hpp"

namespace kanon::check {

struct CheckOptions {
    std::string dir = ".";          // web-core checkout
    std::string platform;           // platform checkout; empty: no platform rules
    std::vector<std::string> apps;  // only these apps' six files (found through the layout, no walk)
    std::string config_path;        // --config; empty: DIR/kanon.yaml if it exists
    unsigned jobs = 0;              // threads; 0: the machine's cores
};

struct Report {
    std::vector<Finding> findings;  // sorted (sort_findings)
    std::vector<std::string> apps;  // the apps checked, sorted
    std::size_t files = 0;          // YAML files read (web-core and platform)
    [[nodiscard]] std::size_t count(Severity s) const;
};

// Errors only for what stops the check itself (no such directory, a bad
// kanon.yaml, an APP that no file names): exit 1 or 2.
Result<Report> run_check(const CheckOptions& opts);

// The env/overrides-image rule on one parsed env layer (`path` as it should
// be reported): what a pipeline checks before it commits anything, since an
// env layer that pins the image makes every release of the stage a no-op.
std::vector<Finding> env_overrides_image(const canon::Config& c, const std::string& path, const yaml::Stream& s);

}  // namespace kanon::check
