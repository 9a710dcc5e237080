// A stage, verified: what it should run (read from web-core), waited for in
// Argo CD or on its site, synced, smoke-checked. Plain functions over request
// structs, returning result values; progress goes to callbacks, so the
// command line, the pipeline and the tests each decide where it is shown.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gitops/snapshot.hpp"
#include "ops/deployment.hpp"
#include "ops/smoke.hpp"
#include "util/error.hpp"
#include "verify/argocd/client.hpp"
#include "verify/argocd/wait.hpp"
#include "verify/http/http_wait.hpp"
#include "verify/http/smoke.hpp"

namespace kanon::flow {

// Where a flow says what it does. Empty callbacks say nothing (--quiet).
// Lines are for people and may hold URLs: the receiver redacts them.
struct Progress {
    std::function<void(const std::string&)> note;
    std::function<void(const verify::argocd::WaitStep&)> argocd_step;
    std::function<void(const verify::http::HttpWaitStep&)> site_step;
    std::function<void(const verify::http::PathCheck&)> smoke_path;
    void say(const std::string& line) const
    {
        if (note) {
            note(line);
        }
    }
};

// One stage of one app in web-core.
struct StageRequest {
    std::string app;
    std::string stage;
    gitops::Target target;
    std::string config_path;  // --config ("" : kanon.yaml at the tip)
    std::string revision;     // the commit to wait for; "" : the last that changed the release file
    std::string tag;          // "" : the release file's at the revision
};

// Argo CD, and the Application's name and project when they are not the manifest's.
struct ArgoAccess {
    verify::argocd::ServerOptions server;
    std::string project;
    std::string application;
};

// The site, for a wait on it and a smoke check.
struct SiteAccess {
    std::string url;  // replaces the stage's URL ("" : the stage's)
    bool insecure = false;
    std::string ca_file;
};

struct WaitSettings {
    std::chrono::milliseconds timeout{std::chrono::minutes(10)};
    std::chrono::milliseconds degraded_grace{std::chrono::seconds(60)};
    std::chrono::milliseconds settle{0};
    bool refresh = true;
    bool sync = false;               // start a sync when nothing syncs our revision
    bool accept_unverified = false;  // a site that only answers is accepted, never as verified
    std::string timeout_text = "10m";
};

struct StageWait {
    ops::StageTarget target;
    verify::argocd::WaitResult result;
};

// A wait on the stage's site instead of Argo CD.
struct SiteWait {
    std::string app;
    std::string stage;
    std::string url;       // as polled (may hold userinfo: redact before printing)
    std::string tag;       // T; empty: any answer without a 5xx
    std::string revision;  // R, when web-core was read; else ""
    verify::http::HttpWaitResult result;
    bool accept_unverified = false;
};

// Whether a site wait lets the flow go on: deployed, or only seen answering
// when a person accepted that; and its exit code.
[[nodiscard]] bool site_wait_accepted(const SiteWait& w);
[[nodiscard]] ExitCode site_wait_code(const SiteWait& w);
// What would let kanon verify a stage it can only see answering.
[[nodiscard]] std::string unverifiable_hint();

// Resolves what the stage should run and waits until Argo CD runs it.
// Without web-core only an explicit revision can be waited for.
Result<StageWait> wait_stage(const StageRequest& stage, const ArgoAccess& argo, const WaitSettings& wait,
                             const Progress& progress);

// Resolves the stage's URL and tag (from web-core when it can be read, else
// site.url and stage.tag) and polls the site until it runs the tag.
Result<SiteWait> wait_site(const StageRequest& stage, const SiteAccess& site, const WaitSettings& wait,
                           const Progress& progress);

struct SyncStarted {
    ops::StageTarget target;
    std::string revision;        // what the sync takes ("" when Argo CD did not say)
    bool from_web_core = false;  // the target was read from web-core
};
// Starts a sync of the stage's Application (verify/argocd/sync.hpp).
Result<SyncStarted> sync_stage(const StageRequest& stage, const ArgoAccess& argo, bool prune,
                               std::chrono::milliseconds timeout, const Progress& progress);

struct SmokeRequest {
    ops::SiteOptions site;
    std::vector<std::string> paths;                    // empty: kanon.yaml's smoke.paths
    std::optional<std::chrono::milliseconds> timeout;  // per request; none: kanon.yaml's smoke.timeout
    bool insecure = false;
    std::string ca_file;
};
struct SmokeRun {
    ops::SiteOptions site;
    verify::http::SmokeReport report;
};
// Finds the stage's site and GETs its paths.
Result<SmokeRun> smoke_stage(const SmokeRequest& request, const Progress& progress);

// What a write that landed is verified by: its wait (Argo CD, or the site
// with `http`), then, once deployed, the smoke check.
struct CheckRequest {
    StageRequest stage;
    bool http = false;
    ArgoAccess argo;
    SiteAccess site;
    WaitSettings wait;
    bool smoke = false;
};
struct StageCheck {
    std::optional<StageWait> argo;
    std::optional<SiteWait> site;
    std::optional<SmokeRun> smoke;

    [[nodiscard]] bool deployed() const;
    // The exit code of the whole check: the wait's, else the smoke check's.
    [[nodiscard]] ExitCode code() const;
    // The wait's own error (an Argo CD API error), if it ended on one.
    [[nodiscard]] const std::optional<Error>& wait_error() const;
};
Result<StageCheck> check_stage(const CheckRequest& request, const Progress& progress);

}  // namespace kanon::flow
