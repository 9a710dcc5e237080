// kanon wait / kanon sync: is the revision we pushed really deployed and
// healthy (Argo CD's REST API), and starting a sync. The work is flow's
// (flow/stage.hpp); this file parses the flags and prints the verdicts.
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "canon/names.hpp"
#include "cli/context.hpp"
#include "cli/verify.hpp"
#include "flow/stage_report.hpp"
#include "util/duration.hpp"
#include "util/redact.hpp"
#include "util/signals.hpp"

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

std::string seconds(std::chrono::milliseconds d)
{
    return fmt::format("{}s", d.count() / 1000);
}

}  // namespace

Result<flow::ArgoAccess> argo_access(const ArgoFlags& f)
{
    if (f.server.empty()) {
        return usage_error("no Argo CD server: set ARGOCD_SERVER or pass --argocd-server HOST[:PORT]",
                           "without Argo CD access, 'kanon wait --http' waits on the site instead");
    }
    flow::ArgoAccess a;
    a.server.server = f.server;
    a.server.token = f.token;
    a.server.plaintext = f.plaintext;
    a.server.insecure = f.insecure;
    a.server.ca_file = f.ca_file;
    a.server.app_namespace = f.app_namespace;
    a.project = f.project;
    a.application = f.application;
    return a;
}

Result<flow::WaitSettings> wait_settings(const WaitFlags& f)
{
    auto timeout = parse_duration(f.timeout, "--timeout");
    auto grace = parse_duration(f.degraded_grace, "--degraded-grace");
    auto settle = parse_duration(f.settle, "--settle");
    for (const auto* r : {&timeout, &grace, &settle}) {
        if (!*r) {
            return r->error();
        }
    }
    flow::WaitSettings s;
    s.timeout = *timeout;
    s.degraded_grace = *grace;
    s.settle = *settle;
    s.refresh = !f.no_refresh;
    s.sync = f.sync;
    s.accept_unverified = f.unverified;
    s.timeout_text = f.timeout;
    return s;
}

flow::Progress progress_of(const Context& ctx)
{
    flow::Progress p;
    if (ctx.global.quiet) {
        return p;
    }
    const Context* c = &ctx;
    p.note = [c](const std::string& line) { c->err << "kanon: " << redact(line) << '\n'; };
    p.argocd_step = [c](const argo::WaitStep& s) {
        std::string when = c->err_paint.dim(fmt::format("[{}]", seconds(s.at)));
        if (s.state.empty()) {
            c->err << when << ' ' << redact(s.reason) << '\n';
            return;
        }
        c->err << when << ' ' << s.state << c->err_paint.dim("  " + s.verdict + ": " + redact(s.reason)) << '\n';
    };
    p.site_step = [c](const verify::http::HttpWaitStep& s) {
        c->err << c->err_paint.dim(fmt::format("[{}]", seconds(s.at))) << ' ' << redact(s.state)
               << c->err_paint.dim("  " + s.verdict + ": " + redact(s.reason)) << '\n';
    };
    p.smoke_path = [c](const verify::http::PathCheck& check) {
        std::string verdict = check.ok ? c->err_paint.green("ok") : c->err_paint.red("FAIL");
        c->err << fmt::format("kanon: GET {} {} ({}, {})\n", check.path, verdict, redact(check.reason),
                              verify::http::format_ms(check.latency));
    };
    return p;
}

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

void add_unverified_flag(CLI::App& sub, WaitFlags& f)
{
    sub.add_flag("--unverified", f.unverified,
                 "accept a site that answers but does not state its release (no site_version): it is then "
                 "reported as unverified, never as deployed");
}

ExitCode print_wait_text(const Context& ctx, const ops::StageTarget& t, const argo::WaitResult& r)
{
    std::string what = fmt::format("{} ({}) at {}{}", t.application, t.stage, canon::argocd_short_sha(t.revision),
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

ExitCode print_site_wait_text(const Context& ctx, const flow::SiteWait& w)
{
    const auto& r = w.result;
    bool unverified = r.outcome == verify::http::HttpWaitOutcome::unverified;
    std::string verdict = r.outcome == verify::http::HttpWaitOutcome::success ? ctx.paint.green("deployed")
                          : unverified && w.accept_unverified ? ctx.paint.yellow("UNVERIFIED (accepted)")
                                                              : ctx.paint.red(verify::http::outcome_name(r.outcome));
    ctx.out << verdict << ": " << redact(w.url) << (w.tag.empty() ? "" : ", tag " + w.tag) << ": " << redact(r.reason)
            << " (" << seconds(r.elapsed) << ")\n";
    if (unverified && !w.accept_unverified) {
        print_hint(ctx, flow::unverifiable_hint());
    }
    return flow::site_wait_code(w);
}

namespace {

// A wait's report: an API error is an error (exit 1), anything else a verdict.
Result<ExitCode> report(const Context& ctx, const Result<flow::StageWait>& w)
{
    if (!w) {
        return w.error();
    }
    if (w->result.outcome == argo::WaitOutcome::error && !ctx.json()) {
        return *w->result.error;
    }
    if (ctx.json()) {
        ctx.out << flow::wait_json(w->target, w->result).dump(2) << '\n';
        return argo::exit_code_of(w->result.outcome);
    }
    return print_wait_text(ctx, w->target, w->result);
}

// Argo CD and the wait's settings, both from the flags.
struct ArgoWait {
    flow::ArgoAccess access;
    flow::WaitSettings settings;
};

Result<ArgoWait> argo_wait(const WaitFlags& f)
{
    auto access = argo_access(f.argo);
    if (!access) {
        return access.take_error();
    }
    auto settings = wait_settings(f);
    if (!settings) {
        return settings.take_error();
    }
    return ArgoWait{std::move(*access), std::move(*settings)};
}

struct WaitCommand {
    flow::StageRequest stage;
    WaitFlags wait;
    bool http = false;
    std::string url;      // --http: replaces the stage's URL
    std::string ca_file;  // --http: trust anchors for the site
};

Result<ExitCode> run_wait_http(const WaitCommand& c, const flow::WaitSettings& settings, const Context& ctx)
{
    auto w =
        flow::wait_site(c.stage, flow::SiteAccess{c.url, c.wait.argo.insecure, c.ca_file}, settings, progress_of(ctx));
    if (!w) {
        return w.take_error();
    }
    if (w->result.outcome == verify::http::HttpWaitOutcome::error && w->result.error && !ctx.json()) {
        return *w->result.error;
    }
    if (ctx.json()) {
        ctx.out << flow::site_wait_json(*w).dump(2) << '\n';
        return flow::site_wait_code(*w);
    }
    return print_site_wait_text(ctx, *w);
}

Result<ExitCode> run_wait(WaitCommand c, const Context& ctx)
{
    c.stage.config_path = ctx.global.config;
    if (c.http) {
        auto settings = wait_settings(c.wait);
        if (!settings) {
            return settings.take_error();
        }
        catch_interrupts();
        return run_wait_http(c, *settings, ctx);
    }
    auto w = argo_wait(c.wait);
    if (!w) {
        return w.take_error();
    }
    catch_interrupts();
    return report(ctx, flow::wait_stage(c.stage, w->access, w->settings, progress_of(ctx)));
}

struct SyncCommand {
    flow::StageRequest stage;
    WaitFlags wait;
    bool then_wait = false;
    bool prune = false;
};

Result<ExitCode> run_sync(SyncCommand c, const Context& ctx)
{
    c.stage.config_path = ctx.global.config;
    auto w = argo_wait(c.wait);
    if (!w) {
        return w.take_error();
    }
    catch_interrupts();
    auto started = flow::sync_stage(c.stage, w->access, c.prune, w->settings.timeout, progress_of(ctx));
    if (!started) {
        return started.take_error();
    }
    if (!c.then_wait) {
        if (ctx.json()) {
            ojson j{{"ok", true},
                    {"reason", "sync started"},
                    {"application", started->target.application},
                    {"revision", started->revision},
                    {"steps", ojson::array()}};
            ctx.out << j.dump(2) << '\n';
        } else {
            ctx.out << "sync started: " << started->target.application
                    << (started->revision.empty() ? "" : " at " + canon::argocd_short_sha(started->revision)) << '\n';
        }
        return ExitCode::ok;
    }
    // Wait for what web-core says the stage runs, or else for what the sync took.
    flow::StageRequest stage = c.stage;
    if (!started->from_web_core && stage.revision.empty()) {
        stage.revision = started->revision;
    }
    return report(ctx, flow::wait_stage(stage, w->access, w->settings, progress_of(ctx)));
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
