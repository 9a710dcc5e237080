// Internal to check/: the pieces run_check puts together. Each rule of
// docs/rules.md is one small function in webcore.cpp or platform.cpp that
// reads parsed files and appends findings; nothing here touches the disk
// except load_file.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "canon/config.hpp"
#include "check/finding.hpp"
#include "yaml/document.hpp"
#include "yaml/path.hpp"

namespace kanon::check::detail {

// One YAML file read from disk: its text parsed, or why it did not parse.
struct File {
    std::string path;  // as reported (relative to the checked directory)
    bool exists = false;
    std::optional<yaml::Stream> stream;  // empty when missing or not valid YAML
};

// Reads and parses `root/rel`; a parse error becomes a yaml/syntax finding and
// every file (valid or not) is scanned for secrets when `scan` is set.
// `parse` false reads and scans only (Helm chart templates are not YAML).
File load_file(const std::string& root, const std::string& rel, const std::string& shown, bool scan,
               std::vector<Finding>& out, bool parse = true);

// A node found by key path, with its location.
struct Hit {
    yaml::NodeId node = yaml::k_no_node;
    Location where;
};
// The node at a key path (through aliases), nullopt when absent or ambiguous.
std::optional<Hit> lookup(const yaml::Stream& s, const yaml::Path& path);
// Where to report something missing at `path`: the deepest key of it that
// exists, else the start of the file.
Location missing_at(const yaml::Stream& s, const yaml::Path& path);
// True for a plain null scalar (empty, ~, null).
bool is_null(const yaml::Node& n);
// The node an alias refers to (any other node: itself).
yaml::NodeId deref(const yaml::Stream& s, yaml::NodeId id);
// Where a node is: a scalar's value, a collection's start.
Location node_at(const yaml::Stream& s, yaml::NodeId id);

// A Secret that web-core names, and where.
struct SecretRef {
    std::string ns;
    std::string name;
    Location where;
    std::string what;  // "envFrom.secretRef", "imagePullSecrets"
};

// What checking one app's web-core files yields for the platform rules.
struct AppFacts {
    std::vector<SecretRef> refs;
};

// One app's six files, the rules 1–9 of CANON.md over them, and the secrets
// scan of each. `dir` is the web-core root.
AppFacts check_app(const canon::Config& c, const std::string& dir, const std::string& app, std::vector<Finding>& out);

// The platform repository, indexed.
struct PlatformObject {
    Location where;             // the document's start (file shown with the platform prefix)
    std::string initdb_secret;  // clusters: spec.bootstrap.initdb.secret.name
    std::optional<Location> initdb_at;
};
struct PlatformIndex {
    std::map<std::pair<std::string, std::string>, PlatformObject> secrets;   // (namespace, name)
    std::map<std::pair<std::string, std::string>, PlatformObject> clusters;  // CNPG, (namespace, name)
};

// Indexes one platform file (every document) and checks each Secret in it is
// SOPS-encrypted. `kustomize_ns` is the namespace a kustomization.yaml beside
// it sets, applied to documents that name none.
void index_platform_file(const File& f, const std::string& kustomize_ns, PlatformIndex& index,
                         std::vector<Finding>& out);

// The §2 rules for one app against the index.
void check_app_platform(const canon::Config& c, const std::string& app, const AppFacts& facts,
                        const PlatformIndex& index, std::vector<Finding>& out);

}  // namespace kanon::check::detail
