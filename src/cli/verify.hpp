// What `wait` and `sync` share with the writes that verify (`release
// --wait`, `promote --wait`, `reset --sync`) and with `pipeline`: the Argo
// CD flags and the wait tuning (parsed into flow's requests), where
// progress goes, and how a stage's wait verdict is printed.
#pragma once

#include <string>

#include "cli/context.hpp"
#include "flow/stage.hpp"

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
// The Argo CD the flags name, or a usage error without a server.
Result<flow::ArgoAccess> argo_access(const ArgoFlags& f);

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
// --unverified, for the commands that can wait on a site.
void add_unverified_flag(CLI::App& sub, WaitFlags& f);
// The durations parsed (a usage error names the flag).
Result<flow::WaitSettings> wait_settings(const WaitFlags& f);

// Progress on stderr (nothing with --quiet), secrets redacted.
flow::Progress progress_of(const Context& ctx);

// The verdict line (and unhealthy resources) on stdout; the exit code of the outcome.
ExitCode print_wait_text(const Context& ctx, const ops::StageTarget& t, const verify::argocd::WaitResult& r);
// The verdict line of a wait on the site; the exit code of the outcome.
ExitCode print_site_wait_text(const Context& ctx, const flow::SiteWait& w);

}  // namespace kanon::cli
