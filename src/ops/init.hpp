// `kanon init APP`: the six web-core files of a new app in the canon (and,
// with a platform checkout, its Secret skeletons and CNPG clusters), written
// so that `kanon check` right after is clean.
#pragma once

#include <string>
#include <vector>

#include "util/error.hpp"

namespace kanon::ops {

struct InitOptions {
    std::string app;
    std::string domain;       // prod domain; dev is dev.<domain> (kanon.yaml's stage host templates)
    std::string image;        // image repository
    std::string tag;          // empty: the chart values' image.tag, else a usage error
    std::string dir = ".";    // web-core checkout
    std::string platform;     // platform checkout; empty: web-core only
    std::string config_path;  // --config
    std::string repo_url;     // Application repoURL; empty: taken from existing Applications, else git origin
    bool database = false;    // CNPG clusters and the initdb secret
    bool pull_secret = true;  // imagePullSecrets: gitlab-regcred (private registry)
    bool force = false;       // overwrite files that exist with different content
    bool dry_run = false;     // say what would be written, write nothing
};

struct InitFile {
    enum class State { created, unchanged, kept, overwritten, skipped };
    std::string path;  // relative to its repository
    std::string repo;  // "web-core" or "platform"
    State state = State::created;
    bool secret = false;  // a Secret manifest (encrypted with sops, or not written)
    std::string note;     // why kept / skipped
};

struct InitResult {
    std::vector<InitFile> files;
    std::vector<std::string> commands;  // what the user must still run (sops, kubectl), exact
    // Steps that failed after others were done (sops could not encrypt a
    // Secret: its plaintext was removed). Reported with the files, then exit 1.
    std::vector<std::string> failures;
};

Result<InitResult> init(const InitOptions& opts);

}  // namespace kanon::ops
