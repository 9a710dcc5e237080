// What a pipeline can know in seconds from web-core's tip, before it commits
// anything: that no env layer pins the image (every release of that stage
// would then change nothing, and the wait would run into its timeout), and,
// for each stage, the Application the waits will ask Argo CD about and the
// site they will ask in HTTP mode, so that a wrong server, token, TLS mode
// or URL stops the run with nothing written.
#pragma once

#include <string>
#include <vector>

#include "canon/config.hpp"
#include "gitops/snapshot.hpp"
#include "util/error.hpp"

namespace kanon::ops {

struct StagePlan {
    std::string stage;
    std::string application;  // the manifest's metadata.name, else the canon's naming
    std::string project;      // the manifest's spec.project ("" when unknown)
    std::string url;          // the stage's site ("" when unknown)
};

// The plan of `stages` of `app` at the snapshot's tip. An env layer that
// sets the image is an error (exit 3) at its FILE:LINE:COL.
Result<std::vector<StagePlan>> preflight(const gitops::Snapshot& snap, const canon::Config& config,
                                         const std::string& app, const std::vector<std::string>& stages);

}  // namespace kanon::ops
