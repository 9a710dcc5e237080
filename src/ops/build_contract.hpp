// The build contract of CANON.md §3.1: an image is built from web-core
// commit WEB_CORE_REF, and that ref must be a full 40-hex SHA (a short one
// may match several commits later, or none: the build could not be
// reproduced) of a commit that exists in web-core.
//
// Existence is asked of the remote itself, without its history: the
// branch's tip is fetched as a depth-1 blobless snapshot, then the commit
// alone (`git fetch --depth=1 origin SHA`). Protocol v2 servers (git 2.26+
// and every forge) serve any object they hold and answer "not our ref" for
// one they do not, which is the one answer that means "absent"; anything
// else (a refused connection, a 403) is a failure to check, not a verdict.
// A protocol v0 server that refuses unadvertised objects is asked the
// slower way: the tips it advertises, then the commits (no trees, no blobs)
// of every branch and tag.
#pragma once

#include <string>
#include <vector>

#include "gitops/snapshot.hpp"
#include "ops/history.hpp"
#include "util/error.hpp"

namespace kanon::ops {

struct BuildRef {
    std::string sha;     // lower-case, 40 hex
    std::string repo;    // web-core, redacted
    std::string branch;  // the branch whose snapshot was fetched
    std::string how;     // how it was found, for people: "fetched by SHA", "the tip of refs/heads/x", ...
    std::vector<std::string> mutable_tags;  // kanon.yaml's at the tip: tags no build may take
};

// A full 40-hex SHA, or a usage error (exit 2) saying why a short one is refused.
Status validate_build_ref(const std::string& sha, const std::string& what = "--ref");

// The answer of `git fetch --depth=1 origin SHA`, classified.
enum class ShaFetch {
    found,         // fetched: the object is here now
    absent,        // the server does not have it ("not our ref")
    unadvertised,  // a v0 server that serves advertised tips only: cannot tell this way
    failed,        // anything else: the network, access, a missing repository
};
ShaFetch classify_sha_fetch(int exit_code, const std::string& err);

// The commit exists in web-core (`target`): its BuildRef. Not there: exit 1
// "commit X is not in web-core"; not a full SHA: exit 2; the remote could not
// be asked: exit 1 naming git's problem.
// `config_path`: --config (empty: kanon.yaml at the tip, if any).
Result<BuildRef> check_build_ref(const gitops::Target& target, const std::string& sha,
                                 const std::string& config_path = {});

// `kanon verify-build`: the whole contract before an image is built or
// released. The ref is a full SHA of a commit in web-core (exit 2 / 1), the
// tag is an OCI tag (exit 2), and the tag is immutable: if kanon's history
// already records T as built from another ref (the Kanon-Source-Ref trailer
// of any release of T, of `app` or of every app), exit 4; a tag kanon.yaml
// calls mutable (`latest`) is exit 2.
struct VerifyBuildOptions {
    gitops::Target target;
    std::string config_path;  // --config
    std::string ref;
    std::string tag;
    std::string app;  // empty: releases of T for every app count
};

struct VerifyBuildReport {
    BuildRef ref;
    std::string tag;
    std::string app;
    std::vector<HistoryEntry> same_ref;     // earlier releases of T built from this ref
    std::vector<HistoryEntry> unknown_ref;  // earlier releases of T that recorded no ref
};

Result<VerifyBuildReport> verify_build(const VerifyBuildOptions& opts);

}  // namespace kanon::ops
