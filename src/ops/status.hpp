// `kanon status`: the release of every app in every stage at the tip of a
// branch, read without a working tree and without history.
#pragma once

#include <string>
#include <vector>

#include "canon/config.hpp"
#include "gitops/snapshot.hpp"
#include "ops/registry_check.hpp"

namespace kanon::ops {

struct StageRelease {
    std::string stage;
    std::string file;
    bool present = false;
    std::string repository;
    std::string tag;
    std::string problem;  // why the release could not be read, if it could not
    // Why this stage runs a release of its own (a `release --hotfix`): the
    // last change of its release file carries a Kanon-Hotfix trailer, and
    // its upstream runs another tag. Empty otherwise.
    std::string hotfix;
    std::string digest;  // release_keys.digest's value, when kanon.yaml names one
    // With --registry: what the registry says of repository:tag now.
    enum class Registry { unasked, same, present, overwritten, missing, unreadable };
    Registry registry = Registry::unasked;
    std::string registry_digest;  // its digest there now
    std::string registry_error;   // Registry::unreadable: why
};

struct AppStatus {
    std::string app;
    std::vector<StageRelease> stages;  // in promotion order
    // Some stage runs something its next stage does not: a promotion is waiting.
    bool pending = false;
};

struct StatusReport {
    std::string repo;  // redacted
    std::string branch;
    std::string commit;
    std::vector<std::string> stage_names;
    std::vector<AppStatus> apps;
};

// kanon.yaml: `explicit_path` when given, else the one at the snapshot's tip,
// else the canon's defaults.
Result<canon::Config> config_at_tip(const gitops::Snapshot& snap, const std::string& explicit_path);

struct StatusOptions {
    gitops::Target target;
    std::vector<std::string> apps;  // empty: every app
    std::string config_path;        // empty: kanon.yaml at the tip, if any
    bool registry = false;          // --registry: ask the registry about every tag
    RegistryAccess access;
};

Result<StatusReport> status(const StatusOptions& opts);

// The apps named by release files among `paths` (sorted, unique).
std::vector<std::string> discover_apps(const canon::Config& c, const std::vector<std::string>& paths);
// The directories to list to find every release file.
std::vector<std::string> release_dirs(const canon::Config& c);

}  // namespace kanon::ops
