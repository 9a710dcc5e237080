#include "flow/stage.hpp"

#include <fmt/format.h>

#include "util/signals.hpp"
#include "verify/argocd/sync.hpp"

namespace kanon::flow {
namespace {

namespace argo = verify::argocd;
namespace web = verify::http;

// What to wait for: from web-core when it can be read; without it, only an
// explicit revision (and the canon's naming) can be used.
struct WaitTarget {
    std::optional<ops::Deployment> deployment;
    ops::StageTarget target;
};

// web-core can be read: a repository given, or a checkout with an origin here.
bool have_web_core(const gitops::Target& t)
{
    return !t.repo.empty() || gitops::default_remote().ok();
}

void apply_overrides(const ArgoAccess& a, ops::StageTarget& t)
{
    if (!a.application.empty()) {
        t.application = a.application;
    }
    if (!a.project.empty()) {
        t.project = a.project;
    }
}

// Without web-core: the canon's naming for the Application, nothing else.
Result<WaitTarget> canon_target(const StageRequest& s)
{
    canon::Config defaults;
    if (auto st = canon::validate_app_name(s.app); !st) {
        return st.take_error();
    }
    if (auto st = canon::validate_stage(defaults, s.stage); !st) {
        return st.take_error();
    }
    WaitTarget w;
    w.target.app = s.app;
    w.target.stage = s.stage;
    w.target.application = defaults.application(s.app, s.stage);
    w.target.tag = s.tag;
    return w;
}

Result<ops::Deployment> open_deployment(const StageRequest& s)
{
    return ops::Deployment::open({s.target, s.config_path, s.app, s.stage, s.revision, s.tag});
}

// What to wait for. With web-core, everything is read from it; without it
// only an explicit revision can be waited for (`needs_revision`), or, for a
// sync, just the Application.
Result<WaitTarget> resolve(const StageRequest& s, const ArgoAccess& access, const Progress& progress,
                           bool needs_revision = true)
{
    Result<WaitTarget> w = WaitTarget{};
    if (have_web_core(s.target)) {
        auto d = open_deployment(s);
        if (!d) {
            return d.take_error();
        }
        w->target = d->target();
        w->deployment.emplace(std::move(*d));
    } else if (!s.revision.empty()) {
        if (auto st = canon::validate_full_sha(s.revision, "--revision"); !st) {
            return st.take_error();
        }
        w = canon_target(s);
        if (!w) {
            return w;
        }
        w->target.revision = argo::normalize_sha(s.revision);
        progress.say(
            fmt::format("no web-core here: only {} itself counts (pass --repo to accept later commits that "
                        "keep the tag)",
                        canon::argocd_short_sha(w->target.revision)));
    } else if (!needs_revision) {
        w = canon_target(s);
        if (!w) {
            return w;
        }
    } else {
        return usage_error("no web-core to read the stage's release from",
                           "run inside a checkout of web-core, pass --repo URL, or give --revision SHA");
    }
    apply_overrides(access, w->target);
    return w;
}

argo::WaitOptions wait_options(const WaitSettings& s, WaitTarget& w, const Progress& progress)
{
    argo::WaitOptions o;
    o.app = w.target.application;
    o.project = w.target.project;
    o.repo_url = w.target.source_repo;
    o.timeout = s.timeout;
    o.degraded_grace = s.degraded_grace;
    o.settle = s.settle;
    o.refresh = s.refresh;
    o.sync = s.sync;
    o.interrupted = [] { return interrupted(); };
    if (progress.argocd_step) {
        o.on_step = progress.argocd_step;
    }
    o.expect.image_repository = w.target.repository;
    o.expect.image_tag = w.target.tag;
    if (w.deployment) {
        ops::Deployment* d = &*w.deployment;
        o.expect.accept = [d](const std::string& rev) { return d->judge(rev); };
    } else {
        o.expect.accept = argo::accept_exactly(w.target.revision);
    }
    return o;
}

}  // namespace

Result<StageWait> wait_stage(const StageRequest& stage, const ArgoAccess& access, const WaitSettings& wait,
                             const Progress& progress)
{
    auto w = resolve(stage, access, progress);
    if (!w) {
        return w.take_error();
    }
    argo::WaitOptions o = wait_options(wait, *w, progress);
    argo::Client client(access.server);
    progress.say(fmt::format("waiting for {} to run {}{} (Argo CD at {}, timeout {})", w->target.application,
                             canon::argocd_short_sha(w->target.revision),
                             w->target.tag.empty() ? "" : " = tag " + w->target.tag, client.base_url(),
                             wait.timeout_text));
    auto result = argo::wait_for(client, o);
    return StageWait{w->target, std::move(result)};
}

// No Argo CD, the site itself. The tag and the URL come from web-core (or
// the request's tag and URL without it), how the site states its release
// from kanon.yaml's site_version.
Result<SiteWait> wait_site(const StageRequest& stage, const SiteAccess& site, const WaitSettings& wait,
                           const Progress& progress)
{
    SiteWait w{stage.app, stage.stage, {}, stage.tag, {}, {}};
    web::HttpWaitOptions o;
    canon::Config config;
    if (have_web_core(stage.target)) {
        auto d = open_deployment(stage);
        if (!d) {
            return d.take_error();
        }
        o.url = d->target().url;
        w.tag = d->target().tag;
        w.revision = d->target().revision;
        config = d->config();
    } else {
        if (site.url.empty()) {
            return usage_error("--http without web-core needs --url", "or pass --repo to read the stage's URL");
        }
        if (auto st = canon::validate_stage(config, stage.stage); !st) {
            return st.take_error();
        }
    }
    if (!site.url.empty()) {
        o.url = site.url;
    }
    w.url = o.url;
    w.accept_unverified = wait.accept_unverified;
    o.tag = w.tag;
    o.version = config.site_version_of(stage.stage);
    o.timeout = wait.timeout;
    o.fetch.tls.verify = !site.insecure;
    o.fetch.tls.ca_file = site.ca_file;
    o.interrupted = [] { return interrupted(); };
    if (progress.site_step) {
        o.on_step = progress.site_step;
    }
    progress.say(fmt::format("waiting for {} to answer{} (timeout {})", o.url,
                             o.tag.empty() ? "" : " with tag " + o.tag, wait.timeout_text));
    w.result = web::wait_http(o);
    return w;
}

bool site_wait_accepted(const SiteWait& w)
{
    return w.result.outcome == web::HttpWaitOutcome::success ||
           (w.accept_unverified && w.result.outcome == web::HttpWaitOutcome::unverified);
}

ExitCode site_wait_code(const SiteWait& w)
{
    return site_wait_accepted(w) ? ExitCode::ok : web::exit_code_of(w.result.outcome);
}

std::string unverifiable_hint()
{
    return "to verify a release kanon needs Argo CD access (ARGOCD_SERVER and ARGOCD_AUTH_TOKEN) or a site that "
           "states the release it runs (site_version in kanon.yaml); --unverified accepts it without proof";
}

Result<SyncStarted> sync_stage(const StageRequest& stage, const ArgoAccess& access, bool prune,
                               std::chrono::milliseconds timeout, const Progress& progress)
{
    auto w = resolve(stage, access, progress, false);
    if (!w) {
        return w.take_error();
    }
    argo::Client client(access.server);
    argo::StartSyncOptions o;
    o.app = w->target.application;
    o.project = w->target.project;
    o.repo_url = w->target.source_repo;
    o.prune = prune;
    o.timeout = timeout;
    o.interrupted = [] { return interrupted(); };
    o.note = progress.note;
    auto started = argo::start_sync(client, o);
    if (!started) {
        return started.take_error();
    }
    return SyncStarted{w->target, *started, w->deployment.has_value()};
}

namespace {

web::SmokeOptions smoke_options(const SmokeRequest& r, const ops::Site& site, const Progress& progress)
{
    web::SmokeOptions o;
    o.base_url = site.url;
    o.paths = r.paths.empty() ? site.config.smoke_paths : r.paths;
    o.expect = site.config.smoke_expect;
    o.fetch.timeout = r.timeout.value_or(site.config.smoke_timeout);
    o.fetch.tls.verify = !r.insecure;
    o.fetch.tls.ca_file = r.ca_file;
    o.fetch.interrupted = [] { return interrupted(); };
    o.fetch.on_retry = progress.note;
    if (progress.smoke_path) {
        o.on_path = progress.smoke_path;
    }
    return o;
}

}  // namespace

Result<SmokeRun> smoke_stage(const SmokeRequest& request, const Progress& progress)
{
    for (const auto& p : request.paths) {
        if (p.empty() || p.front() != '/') {
            return usage_error(fmt::format("--path '{}' must start with '/'", p));
        }
    }
    if (request.timeout && request.timeout->count() <= 0) {
        return usage_error("--timeout must be longer than 0");
    }
    auto site = ops::site_of(request.site);
    if (!site) {
        return site.take_error();
    }
    web::SmokeOptions o = smoke_options(request, *site, progress);
    progress.say(fmt::format("smoke {} {} at {} ({}; {} per request)", request.site.app, request.site.stage, site->url,
                             site->from, web::format_ms(o.fetch.timeout)));
    return SmokeRun{request.site, web::smoke(o)};
}

bool StageCheck::deployed() const
{
    return argo ? argo->result.outcome == argo::WaitOutcome::success : site && site_wait_accepted(*site);
}

ExitCode StageCheck::code() const
{
    ExitCode code = argo ? argo::exit_code_of(argo->result.outcome) : site_wait_code(*site);
    if (code == ExitCode::ok && smoke && !smoke->report.ok()) {
        code = web::exit_code_of(smoke->report.outcome);
    }
    return code;
}

const std::optional<Error>& StageCheck::wait_error() const
{
    return argo ? argo->result.error : site->result.error;
}

Result<StageCheck> check_stage(const CheckRequest& r, const Progress& progress)
{
    StageCheck c;
    if (r.http) {
        auto s = wait_site(r.stage, r.site, r.wait, progress);
        if (!s) {
            return s.take_error();
        }
        c.site = std::move(*s);
    } else {
        auto a = wait_stage(r.stage, r.argo, r.wait, progress);
        if (!a) {
            return a.take_error();
        }
        c.argo = std::move(*a);
    }
    if (c.deployed() && r.smoke) {
        SmokeRequest sr;
        sr.site = {r.stage.target, r.stage.config_path, r.stage.app, r.stage.stage, {}};
        sr.insecure = r.http && r.site.insecure;  // --insecure covers the site with --http
        auto s = smoke_stage(sr, progress);
        if (!s) {
            return s.take_error();
        }
        c.smoke = std::move(*s);
    }
    return c;
}

}  // namespace kanon::flow
