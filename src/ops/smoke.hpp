// Where `kanon smoke` looks: the stage's URL as web-core says it (kanon.yaml
// at the tip: apps.APP.urls.STAGE, else urls.stage with the host in the
// stage's env layer), or the URL given with --url, which needs no repository.
#pragma once

#include <string>

#include "canon/config.hpp"
#include "gitops/snapshot.hpp"
#include "util/error.hpp"

namespace kanon::ops {

struct SiteOptions {
    gitops::Target target;
    std::string config_path;  // --config
    std::string app;
    std::string stage;
    std::string url;  // --url: replaces the stage's URL; web-core is not read
};

struct Site {
    std::string url;       // the stage's URL (may hold userinfo: redact before printing)
    canon::Config config;  // smoke paths, expectations, site_version
    std::string from;      // where the URL came from, for people ("--url", "main @ 1a2b3c4d5e6f of REPO")
};

Result<Site> site_of(const SiteOptions& options);

// The stage's URL at a snapshot of web-core ("" when neither kanon.yaml nor
// the env layer says), as site_of finds it.
Result<std::string> site_url_at(const gitops::Snapshot& snap, const canon::Config& config, const std::string& app,
                                const std::string& stage);

}  // namespace kanon::ops
