// kanon wait / kanon sync: is the revision we pushed really deployed and
// healthy (Argo CD's REST API, CONTRACT.md §6), and starting a sync.
#include <memory>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/verify.hpp"
#include "gitops/snapshot.hpp"
#include "ops/deployment.hpp"
#include "util/duration.hpp"
#include "util/redact.hpp"
#include "util/signals.hpp"
#include "verify/argocd/wait.hpp"
#include "verify/http/http_wait.hpp"

namespace kanon::cli {
namespace {

namespace argo = verify::argocd;
using ojson = nlohmann::ordered_json;

void add_repo_flags(CLI::App& sub, gitops::Target& t)
{
    sub.add_option(
           "--repo", t.repo,
           "web-core: URL or path (default: $KANON_REPO, else the origin of the checkout in the current directory)")
        ->envname("KANON_REPO");
    sub.add_option("--branch", t.branch, "branch (default: the remote's default branch)");
}

}  // namespace

Result<argo::ServerOptions> argocd_server(const ArgoFlags& f)
{
    if (f.server.empty()) {
        return usage_error("no Argo CD server: set ARGOCD_SERVER or pass --argocd-server HOST[:PORT]",
                           "without Argo CD access, 'kanon wait --http' waits on the site instead");
    }
    argo::ServerOptions s;
    s.server = f.server;
    s.token = f.token;
    s.plaintext = f.plaintext;
    s.insecure = f.insecure;
    s.ca_file = f.ca_file;
    s.app_namespace = f.app_namespace;
    return s;
}

namespace {

Result<argo::ServerOptions> server_options(const ArgoFlags& f)
{
    return argocd_server(f);
}

// What to wait for: from web-core when it can be read; without it, only an
// explicit --revision (and the canon's naming) can be used.
struct WaitTarget {
    std::optional<ops::Deployment> deployment;
    ops::StageTarget target;
};

// web-core can be read: --repo, or a checkout with an origin here.
bool have_web_core(const gitops::Target& t)
{
    return !t.repo.empty() || gitops::default_remote().ok();
}

void apply_overrides(const ArgoFlags& f, ops::StageTarget& t)
{
    if (!f.application.empty()) {
        t.application = f.application;
    }
    if (!f.project.empty()) {
        t.project = f.project;
    }
}

// Without web-core: the canon's naming for the Application, nothing else.
Result<WaitTarget> canon_target(const StageFlags& f)
{
    canon::Config defaults;
    if (auto st = canon::validate_app_name(f.app); !st) {
        return st.take_error();
    }
    if (auto st = canon::validate_stage(defaults, f.stage); !st) {
        return st.take_error();
    }
    WaitTarget w;
    w.target.app = f.app;
    w.target.stage = f.stage;
    w.target.application = defaults.application(f.app, f.stage);
    w.target.tag = f.tag;
    return w;
}

// What to wait for. With web-core, everything is read from it; without it
// only an explicit --revision can be waited for (`needs_revision`), or, for
// a sync, just the Application.
Result<WaitTarget> resolve(const StageFlags& f, const ArgoFlags& argo_flags, const Context& ctx,
                           bool needs_revision = true)
{
    Result<WaitTarget> w = WaitTarget{};
    if (have_web_core(f.target)) {
        auto d = ops::Deployment::open({f.target, ctx.global.config, f.app, f.stage, f.revision, f.tag});
        if (!d) {
            return d.take_error();
        }
        w->target = d->target();
        w->deployment.emplace(std::move(*d));
    } else if (!f.revision.empty()) {
        if (!ops::is_full_sha(f.revision)) {
            return usage_error(fmt::format("--revision '{}' is not a full 40-hex commit SHA", f.revision));
        }
        w = canon_target(f);
        if (!w) {
            return w;
        }
        w->target.revision = argo::normalize_sha(f.revision);
        if (!ctx.global.quiet) {
            ctx.err << "kanon: no web-core here: only " << w->target.revision.substr(0, 7)
                    << " itself counts (pass --repo to accept later commits that keep the tag)\n";
        }
    } else if (!needs_revision) {
        w = canon_target(f);
        if (!w) {
            return w;
        }
    } else {
        return usage_error("no web-core to read the stage's release from",
                           "run inside a checkout of web-core, pass --repo URL, or give --revision SHA");
    }
    apply_overrides(argo_flags, w->target);
    return w;
}

std::string seconds(std::chrono::milliseconds d)
{
    return fmt::format("{}s", d.count() / 1000);
}

void print_step(const Context& ctx, const argo::WaitStep& s)
{
    if (ctx.global.quiet) {
        return;
    }
    std::string when = ctx.err_paint.dim(fmt::format("[{}]", seconds(s.at)));
    if (s.state.empty()) {
        ctx.err << when << ' ' << redact(s.reason) << '\n';
        return;
    }
    ctx.err << when << ' ' << s.state << ctx.err_paint.dim("  " + s.verdict + ": " + redact(s.reason)) << '\n';
}

ojson last_state_json(const argo::Application& a)
{
    ojson j;
    j["sync"] = {{"status", a.sync_status}, {"revision", a.sync_revision}};
    j["health"] = {{"status", a.health_status}, {"message", a.health_message}};
    j["operation_running"] = a.operation;
    if (a.has_operation_state) {
        j["operation_state"] = {{"phase", a.op_phase}, {"message", a.op_message}, {"revision", a.op_sync_revision}};
    }
    if (a.reconciled_at) {
        j["reconciled_at"] = *a.reconciled_at;
    }
    j["images"] = a.images;
    ojson conditions = ojson::array();
    for (const auto& c : a.conditions) {
        conditions.push_back({{"type", c.type}, {"message", c.message}});
    }
    j["conditions"] = conditions;
    ojson resources = ojson::array();
    for (const auto& r : a.unhealthy_resources) {
        resources.push_back({{"resource", r.id()}, {"status", r.status}, {"health", r.health}, {"message", r.message}});
    }
    j["unhealthy_resources"] = resources;
    return j;
}

Result<argo::WaitOptions> wait_options(const WaitFlags& f, WaitTarget& w, const Context& ctx)
{
    auto timeout = parse_duration(f.timeout, "--timeout");
    auto grace = parse_duration(f.degraded_grace, "--degraded-grace");
    auto settle = parse_duration(f.settle, "--settle");
    for (const auto* r : {&timeout, &grace, &settle}) {
        if (!*r) {
            return r->error();
        }
    }
    argo::WaitOptions o;
    o.app = w.target.application;
    o.project = w.target.project;
    o.repo_url = w.target.source_repo;
    o.timeout = *timeout;
    o.degraded_grace = *grace;
    o.settle = *settle;
    o.refresh = !f.no_refresh;
    o.sync = f.sync;
    o.interrupted = [] { return interrupted(); };
    o.on_step = [&ctx](const argo::WaitStep& s) { print_step(ctx, s); };
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

bool operation_running(const argo::Application& app)
{
    return app.operation || app.op_phase == "Running" || app.op_phase == "Terminating";
}

// Starts a sync of the stage's Application. A running operation (auto-sync,
// someone's manual sync) is waited out first, polling every 2 s until
// `deadline`, so the sync that starts is ours; losing the race to auto-sync
// again (400 "another operation is already in progress") waits again.
// Every request is cut at `deadline` (a GET at a signal too): an Argo CD
// that never answers costs the timeout, not the 30 s request limit.
// Returns the revision the sync takes ("" when unknown).
Result<std::string> start_sync(const argo::Client& client, const ops::StageTarget& t, bool prune,
                               std::chrono::milliseconds timeout, const Context& ctx)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto past_deadline = [deadline] { return std::chrono::steady_clock::now() >= deadline; };
    auto stop_get = [&] { return interrupted() || past_deadline(); };
    bool said = false;
    bool sent_unsure = false;  // a sync request got no clear answer: that sync may have started
    std::string unanswered;    // why the last GET failed, when it did ("": it was answered)
    auto may_have_started = [&] {
        return fmt::format("the sync may have started: look at {} in Argo CD before syncing again", t.application);
    };
    // Why no sync of ours is known to have started, at the deadline or a signal.
    auto give_up = [&]() -> Error {
        if (interrupted()) {
            return sent_unsure ? Error{"interrupted after a sync request that got no answer",
                                       ExitCode::interrupted,
                                       {},
                                       may_have_started()}
                               : Error{"interrupted before the sync could start", ExitCode::interrupted};
        }
        if (sent_unsure) {
            return Error{fmt::format("Argo CD gave no clear answer to the sync of {} within {}", t.application,
                                     seconds(timeout)),
                         ExitCode::timed_out,
                         {},
                         may_have_started()};
        }
        if (unanswered.empty()) {
            return Error{fmt::format("{}: an operation was still running after {}; no sync started", t.application,
                                     seconds(timeout)),
                         ExitCode::timed_out};
        }
        return Error{fmt::format("Argo CD did not answer for {}; no sync started: {}", seconds(timeout), unanswered),
                     ExitCode::timed_out};
    };
    while (true) {
        auto current = client.get(t.application, t.project, {}, std::chrono::seconds(30), stop_get);
        if (current.failure == ::kanon::http::Failure::stopped) {
            unanswered = fmt::format("GET application {} got no answer in time", t.application);
            return give_up();
        }
        unanswered =
            current.ok()
                ? std::string{}
                : argo::reply_error(current, "GET application " + t.application, t.application, t.project).message;
        if (!current.ok() && !current.retryable()) {
            return argo::reply_error(current, "GET application " + t.application, t.application, t.project);
        }
        std::optional<argo::Application> app;
        if (current.ok()) {
            auto parsed = argo::read_application(current.body, t.source_repo);
            if (!parsed) {
                return parsed.take_error();
            }
            app = std::move(*parsed);
        }
        bool busy = !app || operation_running(*app);
        if (!busy) {
            // Once sent, the sync is seen through to its answer (a signal
            // does not cut it), or to the deadline.
            auto r = client.sync(t.application, t.project, argo::SyncRequest{"", prune}, past_deadline);
            if (r.accepted()) {  // started, even when its body could not be read: never sent again
                if (!r.ok()) {
                    if (!ctx.global.quiet) {
                        ctx.err << "kanon: Argo CD accepted the sync of " << t.application << " (" << r.status
                                << ") but its answer could not be read (" << redact(r.message)
                                << "): the sync started, at a revision not known yet\n";
                    }
                    return std::string{};
                }
                auto started = argo::read_application(r.body, t.source_repo);
                return started.ok() ? started->operation_revision : std::string{};
            }
            if (r.failure == ::kanon::http::Failure::stopped) {
                return Error{
                    fmt::format("Argo CD did not answer the sync of {} within {}", t.application, seconds(timeout)),
                    ExitCode::timed_out,
                    {},
                    may_have_started()};
            }
            if (r.status == 403 && r.message.find("sync window") != std::string::npos) {
                return Error{fmt::format("Argo CD refuses to sync {}: {}", t.application, r.message),
                             ExitCode::verify_failed};
            }
            if (!r.operation_in_progress() && !r.retryable()) {
                return argo::reply_error(r, "sync " + t.application, t.application, t.project);
            }
            // A timeout, a reset or a proxy's 5xx: the request may have
            // reached Argo CD. (The operation then found running may be
            // that sync: it is waited out all the same.)
            sent_unsure = sent_unsure || !r.operation_in_progress();
        }
        if (!said && app && !ctx.global.quiet) {
            std::string by = app->operation_initiated_by.empty() ? app->op_initiated_by : app->operation_initiated_by;
            ctx.err << "kanon: an operation is running on " << t.application
                    << (by.empty() ? "" : " (initiated by " + by + ")") << "; waiting for it to end before syncing\n";
            said = true;
        }
        if (interrupted() || std::chrono::steady_clock::now() + std::chrono::seconds(2) > deadline) {
            return give_up();
        }
        std::this_thread::sleep_for(std::chrono::seconds(2));
    }
}

}  // namespace

void add_argocd_flags(CLI::App& sub, ArgoFlags& f)
{
    sub.add_option("--argocd-server", f.server, "Argo CD server HOST[:PORT][/ROOTPATH]")->envname("ARGOCD_SERVER");
    sub.add_option("--argocd-token", f.token, "Argo CD token (prefer the environment variable)")
        ->envname("ARGOCD_AUTH_TOKEN");
    sub.add_flag("--plaintext", f.plaintext, "talk to Argo CD over plain HTTP")->envname("KANON_ARGOCD_PLAINTEXT");
    sub.add_flag("--insecure", f.insecure, "do not verify TLS certificates (Argo CD's; with wait --http, the site's)");
    sub.add_option("--argocd-ca", f.ca_file, "trust the CA certificates in FILE for Argo CD")->check(CLI::ExistingFile);
    sub.add_option("--app-namespace", f.app_namespace, "the Application's namespace (default: Argo CD's own)");
    sub.add_option("--project", f.project, "the Application's project (default: its manifest's spec.project)");
    sub.add_option("--application", f.application,
                   "the Application's name (default: its manifest's, or web-APP-STAGE)");
}

void add_wait_flags(CLI::App& sub, WaitFlags& f, bool all)
{
    sub.add_option("--timeout", f.timeout, "give up waiting after this long (exit 5)")->capture_default_str();
    sub.add_option("--degraded-grace", f.degraded_grace,
                   "fail when Degraded for this long (exit 4); Degraded once our sync has finished fails after 5 s")
        ->capture_default_str();
    if (all) {
        sub.add_option("--settle", f.settle, "success must still hold this much later (e.g. 5s for prod)")
            ->capture_default_str();
        sub.add_flag("--no-refresh", f.no_refresh,
                     "do not ask Argo CD to compare with git now (it polls every ~3 min)");
        sub.add_flag("--sync", f.sync,
                     "start a sync when Argo CD sees our revision but nothing syncs it (a sync window, manual sync)");
    }
    add_argocd_flags(sub, f.argo);
}

Result<StageWait> wait_stage(const StageFlags& stage, const WaitFlags& flags, const Context& ctx)
{
    auto server = server_options(flags.argo);
    if (!server) {
        return server.take_error();
    }
    auto w = resolve(stage, flags.argo, ctx);
    if (!w) {
        return w.take_error();
    }
    auto o = wait_options(flags, *w, ctx);
    if (!o) {
        return o.take_error();
    }
    argo::Client client(*server);
    catch_interrupts();
    if (!ctx.global.quiet) {
        ctx.err << fmt::format("kanon: waiting for {} to run {}{} (Argo CD at {}, timeout {})\n", w->target.application,
                               w->target.revision.substr(0, 7), w->target.tag.empty() ? "" : " = tag " + w->target.tag,
                               redact(client.base_url()), flags.timeout);
    }
    auto result = argo::wait_for(client, *o);
    return StageWait{w->target, std::move(result)};
}

nlohmann::ordered_json wait_json(const ops::StageTarget& t, const argo::WaitResult& r)
{
    ojson j;
    j["ok"] = r.outcome == argo::WaitOutcome::success;
    j["reason"] = redact(r.reason);
    j["outcome"] = argo::outcome_name(r.outcome);
    j["app"] = t.app;
    j["stage"] = t.stage;
    j["application"] = t.application;
    j["revision"] = t.revision;
    j["tag"] = t.tag;
    j["elapsed_ms"] = r.elapsed.count();
    ojson steps = ojson::array();
    for (const auto& s : r.steps) {
        ojson step{{"at_ms", s.at.count()}, {"source", s.source}};
        if (!s.state.empty()) {
            step["state"] = s.state;
            step["verdict"] = s.verdict;
        }
        step["reason"] = redact(s.reason);
        steps.push_back(step);
    }
    j["steps"] = steps;
    if (r.last) {
        j["last"] = last_state_json(*r.last);
    }
    return j;
}

ExitCode print_wait_text(const Context& ctx, const ops::StageTarget& t, const argo::WaitResult& r)
{
    std::string what = fmt::format("{} ({}) at {}{}", t.application, t.stage, t.revision.substr(0, 7),
                                   t.tag.empty() ? "" : ", tag " + t.tag);
    if (r.outcome == argo::WaitOutcome::success) {
        ctx.out << ctx.paint.green("deployed") << ": " << what << ": " << redact(r.reason) << " (" << seconds(r.elapsed)
                << ")\n";
        return ExitCode::ok;
    }
    ctx.out << ctx.paint.red(argo::outcome_name(r.outcome)) << ": " << what << ": " << redact(r.reason) << '\n';
    if (r.last) {
        for (const auto& res : r.last->unhealthy_resources) {
            ctx.out << "  " << res.id() << ": " << (res.health.empty() ? res.status : res.health)
                    << (res.message.empty() ? "" : " — " + redact(res.message)) << '\n';
        }
    }
    return argo::exit_code_of(r.outcome);
}

// --http: no Argo CD, the site itself. The tag and the URL come from
// web-core (or --tag and --url without it), how the site states its
// release from kanon.yaml's site_version.
Result<SiteWait> wait_site(const StageFlags& stage, const WaitFlags& flags, const std::string& url,
                           const std::string& ca_file, const Context& ctx)
{
    auto timeout = parse_duration(flags.timeout, "--timeout");
    if (!timeout) {
        return timeout.take_error();
    }
    SiteWait w{stage.app, stage.stage, {}, stage.tag, {}, {}};
    verify::http::HttpWaitOptions o;
    canon::Config config;
    if (have_web_core(stage.target)) {
        auto d =
            ops::Deployment::open({stage.target, ctx.global.config, stage.app, stage.stage, stage.revision, stage.tag});
        if (!d) {
            return d.take_error();
        }
        o.url = d->target().url;
        w.tag = d->target().tag;
        w.revision = d->target().revision;
        config = d->config();
    } else {
        if (url.empty()) {
            return usage_error("--http without web-core needs --url", "or pass --repo to read the stage's URL");
        }
        if (auto st = canon::validate_stage(config, stage.stage); !st) {
            return st.take_error();
        }
    }
    if (!url.empty()) {
        o.url = url;
    }
    w.url = o.url;
    w.accept_unverified = flags.unverified;
    o.tag = w.tag;
    o.version = config.site_version_of(stage.stage);
    o.timeout = *timeout;
    o.fetch.tls.verify = !flags.argo.insecure;
    o.fetch.tls.ca_file = ca_file;
    o.interrupted = [] { return interrupted(); };
    o.on_step = [&ctx](const verify::http::HttpWaitStep& s) {
        if (!ctx.global.quiet) {
            ctx.err << ctx.err_paint.dim(fmt::format("[{}]", seconds(s.at))) << ' ' << redact(s.state)
                    << ctx.err_paint.dim("  " + s.verdict + ": " + redact(s.reason)) << '\n';
        }
    };
    catch_interrupts();
    if (!ctx.global.quiet) {
        ctx.err << fmt::format("kanon: waiting for {} to answer{} (timeout {})\n", redact(o.url),
                               o.tag.empty() ? "" : " with tag " + o.tag, flags.timeout);
    }
    w.result = verify::http::wait_http(o);
    return w;
}

bool site_wait_accepted(const SiteWait& w)
{
    return w.result.outcome == verify::http::HttpWaitOutcome::success ||
           (w.accept_unverified && w.result.outcome == verify::http::HttpWaitOutcome::unverified);
}

ExitCode site_wait_code(const SiteWait& w)
{
    return site_wait_accepted(w) ? ExitCode::ok : verify::http::exit_code_of(w.result.outcome);
}

std::string unverifiable_hint()
{
    return "to verify a release kanon needs Argo CD access (ARGOCD_SERVER and ARGOCD_AUTH_TOKEN) or a site that "
           "states the release it runs (site_version in kanon.yaml); --unverified accepts it without proof";
}

void add_unverified_flag(CLI::App& sub, WaitFlags& f)
{
    sub.add_flag("--unverified", f.unverified,
                 "accept a site that answers but does not state its release (no site_version): it is then "
                 "reported as unverified, never as deployed");
}

nlohmann::ordered_json site_wait_json(const SiteWait& w)
{
    const auto& r = w.result;
    ojson j{{"ok", site_wait_accepted(w)},
            {"verified", r.outcome == verify::http::HttpWaitOutcome::success},
            {"reason", redact(r.reason)},
            {"outcome", verify::http::outcome_name(r.outcome)},
            {"app", w.app},
            {"stage", w.stage},
            {"url", redact(w.url)},
            {"tag", w.tag},
            {"status", r.status},
            {"version", r.version},
            {"elapsed_ms", r.elapsed.count()}};
    if (!w.revision.empty()) {
        j["revision"] = w.revision;
    }
    ojson steps = ojson::array();
    for (const auto& s : r.steps) {
        steps.push_back({{"at_ms", s.at.count()},
                         {"source", redact(s.source)},
                         {"state", redact(s.state)},
                         {"verdict", s.verdict},
                         {"reason", redact(s.reason)}});
    }
    j["steps"] = steps;
    if (r.outcome == verify::http::HttpWaitOutcome::unverified && !w.accept_unverified) {
        j["hint"] = unverifiable_hint();
    }
    return j;
}

ExitCode print_site_wait_text(const Context& ctx, const SiteWait& w)
{
    const auto& r = w.result;
    bool unverified = r.outcome == verify::http::HttpWaitOutcome::unverified;
    std::string verdict = r.outcome == verify::http::HttpWaitOutcome::success ? ctx.paint.green("deployed")
                          : unverified && w.accept_unverified ? ctx.paint.yellow("UNVERIFIED (accepted)")
                                                              : ctx.paint.red(verify::http::outcome_name(r.outcome));
    ctx.out << verdict << ": " << redact(w.url) << (w.tag.empty() ? "" : ", tag " + w.tag) << ": " << redact(r.reason)
            << " (" << seconds(r.elapsed) << ")\n";
    if (unverified && !w.accept_unverified) {
        ctx.err << ctx.err_paint.dim("kanon: hint:") << ' ' << unverifiable_hint() << '\n';
    }
    return site_wait_code(w);
}

namespace {

// A wait's report: an API error is an error (exit 1), anything else a verdict.
Result<ExitCode> report(const Context& ctx, const Result<StageWait>& w)
{
    if (!w) {
        return w.error();
    }
    if (w->result.outcome == argo::WaitOutcome::error && !ctx.json()) {
        return *w->result.error;
    }
    if (ctx.json()) {
        ctx.out << wait_json(w->target, w->result).dump(2) << '\n';
        return argo::exit_code_of(w->result.outcome);
    }
    return print_wait_text(ctx, w->target, w->result);
}

struct WaitCommand {
    StageFlags stage;
    WaitFlags wait;
    bool http = false;
    std::string url;      // --http: replaces the stage's URL
    std::string ca_file;  // --http: trust anchors for the site
};

Result<ExitCode> run_wait_http(const WaitCommand& c, const Context& ctx)
{
    auto w = wait_site(c.stage, c.wait, c.url, c.ca_file, ctx);
    if (!w) {
        return w.take_error();
    }
    if (w->result.outcome == verify::http::HttpWaitOutcome::error && w->result.error && !ctx.json()) {
        return *w->result.error;
    }
    if (ctx.json()) {
        ctx.out << site_wait_json(*w).dump(2) << '\n';
        return site_wait_code(*w);
    }
    return print_site_wait_text(ctx, *w);
}

Result<ExitCode> run_wait(const WaitCommand& c, const Context& ctx)
{
    if (c.http) {
        return run_wait_http(c, ctx);
    }
    return report(ctx, wait_stage(c.stage, c.wait, ctx));
}

struct SyncCommand {
    StageFlags stage;
    WaitFlags wait;
    bool then_wait = false;
    bool prune = false;
};

Result<ExitCode> run_sync(const SyncCommand& c, const Context& ctx)
{
    auto server = server_options(c.wait.argo);
    if (!server) {
        return server.take_error();
    }
    auto w = resolve(c.stage, c.wait.argo, ctx, false);
    if (!w) {
        return w.take_error();
    }
    argo::Client client(*server);
    auto timeout = parse_duration(c.wait.timeout, "--timeout");
    if (!timeout) {
        return timeout.take_error();
    }
    catch_interrupts();
    auto started = start_sync(client, w->target, c.prune, *timeout, ctx);
    if (!started) {
        return started.take_error();
    }
    if (!c.then_wait) {
        if (ctx.json()) {
            ojson j{{"ok", true},
                    {"reason", "sync started"},
                    {"application", w->target.application},
                    {"revision", *started},
                    {"steps", ojson::array()}};
            ctx.out << j.dump(2) << '\n';
        } else {
            ctx.out << "sync started: " << w->target.application
                    << (started->empty() ? "" : " at " + started->substr(0, 7)) << '\n';
        }
        return ExitCode::ok;
    }
    // Wait for what web-core says the stage runs, or else for what the sync took.
    StageFlags stage = c.stage;
    if (!w->deployment && stage.revision.empty()) {
        stage.revision = *started;
    }
    return report(ctx, wait_stage(stage, c.wait, ctx));
}

}  // namespace

void define_wait(CLI::App& sub, Runner& run)
{
    auto c = std::make_shared<WaitCommand>();
    sub.add_option("APP", c->stage.app, "the app")->required();
    sub.add_option("--stage", c->stage.stage, "the stage")->required();
    sub.add_option("--revision", c->stage.revision,
                   "the web-core commit to wait for, full SHA (default: the last commit that changed the stage's "
                   "release file)");
    sub.add_option("--tag", c->stage.tag,
                   "the image tag that must be live (default: the release file's at the revision)");
    sub.add_flag("--http", c->http,
                 "no Argo CD access: wait for the stage's site to answer without a 5xx and, where it states its "
                 "release (kanon.yaml site_version), with the tag");
    sub.add_option("--url", c->url, "with --http: the site's URL instead of the stage's (scheme, host and port)");
    sub.add_option("--ca", c->ca_file, "with --http: trust the CA certificates in FILE for the site")
        ->check(CLI::ExistingFile);
    add_unverified_flag(sub, c->wait);
    add_wait_flags(sub, c->wait, true);
    add_repo_flags(sub, c->stage.target);
    sub.callback([&run, c] { run = [c](const Context& ctx) { return run_wait(*c, ctx); }; });
}

void define_sync(CLI::App& sub, Runner& run)
{
    auto c = std::make_shared<SyncCommand>();
    sub.add_option("APP", c->stage.app, "the app")->required();
    sub.add_option("--stage", c->stage.stage, "the stage")->required();
    sub.add_flag("--wait", c->then_wait, "then wait until the stage runs its release, Synced and Healthy");
    sub.add_flag("--prune", c->prune, "delete resources that are no longer in git");
    add_wait_flags(sub, c->wait, false);
    add_repo_flags(sub, c->stage.target);
    sub.callback([&run, c] { run = [c](const Context& ctx) { return run_sync(*c, ctx); }; });
}

}  // namespace kanon::cli
