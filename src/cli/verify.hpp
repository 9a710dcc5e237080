// What `wait` and `sync` share with the writes that verify (`release
// --wait`, `promote --wait`, `reset --sync`) and with `pipeline`: the Argo
// CD flags, the wait tuning, running a stage's wait (in Argo CD, or on the
// site itself), and printing its verdict.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "gitops/snapshot.hpp"
#include "ops/deployment.hpp"
#include "verify/argocd/wait.hpp"
#include "verify/http/http_wait.hpp"

namespace CLI {
class App;
}

namespace kanon::cli {

// Argo CD access, named as the argocd CLI names it.
struct ArgoFlags {
    std::string server;
    std::string token;
    bool plaintext = false;
    bool insecure = false;
    std::string ca_file;
    std::string app_namespace;
    std::string project;      // overrides the Application manifest's spec.project
    std::string application;  // overrides the Application's name
};
void add_argocd_flags(CLI::App& sub, ArgoFlags& f);
// The server the flags name, or a usage error without one.
Result<verify::argocd::ServerOptions> argocd_server(const ArgoFlags& f);

struct WaitFlags {
    ArgoFlags argo;
    std::string timeout = "10m";
    std::string degraded_grace = "60s";
    std::string settle = "0s";
    bool no_refresh = false;
    bool sync = false;
    bool unverified = false;  // --unverified: a site that only answers is accepted, never as verified
};
// --timeout and --degraded-grace (and --settle, --no-refresh, --sync when `all`).
void add_wait_flags(CLI::App& sub, WaitFlags& f, bool all);

struct StageFlags {
    std::string app;
    std::string stage;
    gitops::Target target;
    std::string revision;  // empty: the last commit that changed the release file
    std::string tag;
};

struct StageWait {
    ops::StageTarget target;
    verify::argocd::WaitResult result;
};

// Resolves what the stage should run and waits for it, progress on stderr.
// With `sync`, starts a sync first (waiting out a running operation).
Result<StageWait> wait_stage(const StageFlags& stage, const WaitFlags& flags, const Context& ctx);

nlohmann::ordered_json wait_json(const ops::StageTarget& t, const verify::argocd::WaitResult& r);
// The verdict line (and unhealthy resources) on stdout; the exit code of the outcome.
ExitCode print_wait_text(const Context& ctx, const ops::StageTarget& t, const verify::argocd::WaitResult& r);

// A wait on the stage's site instead of Argo CD (`wait --http`).
struct SiteWait {
    std::string app;
    std::string stage;
    std::string url;       // as polled (may hold userinfo: redact before printing)
    std::string tag;       // T; empty: any answer without a 5xx
    std::string revision;  // R, when web-core was read; else ""
    verify::http::HttpWaitResult result;
    bool accept_unverified = false;  // --unverified: an `unverified` outcome is accepted (not verified)
};

// Resolves the stage's URL and tag (from web-core when it can be read, else
// `url` and stage.tag) and polls the site until it runs the tag, progress on
// stderr. `url` replaces the stage's URL; flags.argo.insecure skips the
// site's TLS verification, `ca_file` adds trust anchors for it.
Result<SiteWait> wait_site(const StageFlags& stage, const WaitFlags& flags, const std::string& url,
                           const std::string& ca_file, const Context& ctx);
nlohmann::ordered_json site_wait_json(const SiteWait& w);
// The verdict line on stdout; the exit code of the outcome.
ExitCode print_site_wait_text(const Context& ctx, const SiteWait& w);
// Whether a site wait lets the flow go on: deployed, or only seen answering
// when a person accepted that with --unverified; and its exit code.
[[nodiscard]] bool site_wait_accepted(const SiteWait& w);
[[nodiscard]] ExitCode site_wait_code(const SiteWait& w);
// What would let kanon verify a stage it can only see answering.
[[nodiscard]] std::string unverifiable_hint();
// --unverified, for the commands that can wait on a site.
void add_unverified_flag(CLI::App& sub, WaitFlags& f);

}  // namespace kanon::cli
