// kanon wait / kanon sync: is the revision we pushed really deployed and
// healthy (Argo CD's REST API, CONTRACT.md §6), and starting a sync.
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "gitops/snapshot.hpp"
#include "ops/deployment.hpp"
#include "util/duration.hpp"
#include "util/redact.hpp"
#include "util/signals.hpp"
#include "verify/argocd/wait.hpp"

namespace kanon::cli {
namespace {

namespace argo = verify::argocd;
using ojson = nlohmann::ordered_json;

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

void add_argocd_flags(CLI::App& sub, ArgoFlags& f)
{
    sub.add_option("--argocd-server", f.server, "Argo CD server HOST[:PORT][/ROOTPATH]")->envname("ARGOCD_SERVER");
    sub.add_option("--argocd-token", f.token, "Argo CD token (prefer the environment variable)")
        ->envname("ARGOCD_AUTH_TOKEN");
    sub.add_flag("--plaintext", f.plaintext, "talk to Argo CD over plain HTTP");
    sub.add_flag("--insecure", f.insecure, "do not verify Argo CD's TLS certificate");
    sub.add_option("--argocd-ca", f.ca_file, "trust the CA certificates in FILE for Argo CD")->check(CLI::ExistingFile);
    sub.add_option("--app-namespace", f.app_namespace, "the Application's namespace (default: Argo CD's own)");
    sub.add_option("--project", f.project, "the Application's project (default: its manifest's spec.project)");
    sub.add_option("--application", f.application, "the Application's name (default: its manifest's, or web-APP-STAGE)");
}

void add_repo_flags(CLI::App& sub, gitops::Target& t)
{
    sub.add_option("--repo", t.repo,
                   "web-core: URL or path (default: the origin of the checkout in the current directory)");
    sub.add_option("--branch", t.branch, "branch (default: the remote's default branch)");
}

Result<argo::ServerOptions> server_options(const ArgoFlags& f)
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

struct StageFlags {
    std::string app;
    std::string stage;
    gitops::Target target;
    std::string revision;
    std::string tag;
};

// What to wait for: from web-core when it can be read; without it, only an
// explicit --revision (and the canon's naming) can be used.
struct WaitTarget {
    std::optional<ops::Deployment> deployment;
    ops::StageTarget target;
};

Result<WaitTarget> resolve(const StageFlags& f, const ArgoFlags& argo_flags, const Context& ctx)
{
    WaitTarget w;
    bool have_repo = !f.target.repo.empty() || gitops::default_remote().ok();
    if (have_repo) {
        auto d = ops::Deployment::open({f.target, ctx.global.config, f.app, f.stage, f.revision, f.tag});
        if (!d) {
            return d.take_error();
        }
        w.target = d->target();
        w.deployment.emplace(std::move(*d));
    } else if (!f.revision.empty()) {
        if (auto st = canon::validate_app_name(f.app); !st) {
            return st.take_error();
        }
        if (!ops::is_full_sha(f.revision)) {
            return usage_error(fmt::format("--revision '{}' is not a full 40-hex commit SHA", f.revision));
        }
        canon::Config defaults;
        if (auto st = canon::validate_stage(defaults, f.stage); !st) {
            return st.take_error();
        }
        w.target.app = f.app;
        w.target.stage = f.stage;
        w.target.application = defaults.application(f.app, f.stage);
        w.target.revision = argo::normalize_sha(f.revision);
        w.target.tag = f.tag;
        if (!ctx.global.quiet) {
            ctx.err << "kanon: no web-core here: only " << w.target.revision.substr(0, 7)
                    << " itself counts (pass --repo to accept later commits that keep the tag)\n";
        }
    } else {
        return usage_error("no web-core to read the stage's release from",
                           "run inside a checkout of web-core, pass --repo URL, or give --revision SHA");
    }
    if (!argo_flags.application.empty()) {
        w.target.application = argo_flags.application;
    }
    if (!argo_flags.project.empty()) {
        w.target.project = argo_flags.project;
    }
    return w;
}

std::string seconds(std::chrono::milliseconds d) { return fmt::format("{}s", d.count() / 1000); }

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

ojson wait_json(const ops::StageTarget& t, const argo::WaitResult& r)
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

Result<ExitCode> report_wait(const Context& ctx, const ops::StageTarget& t, const argo::WaitResult& r)
{
    if (r.outcome == argo::WaitOutcome::error && !ctx.json()) {
        return *r.error;
    }
    if (ctx.json()) {
        ctx.out << wait_json(t, r).dump(2) << '\n';
        return argo::exit_code_of(r.outcome);
    }
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

struct WaitFlags {
    StageFlags stage;
    ArgoFlags argo;
    std::string timeout = "10m";
    std::string degraded_grace = "60s";
    std::string settle = "0s";
    bool no_refresh = false;
    bool sync = false;
    bool http = false;
};

Result<argo::WaitOptions> wait_options(const WaitFlags& f, const WaitTarget& w, const Context& ctx)
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
    return o;
}

Result<ExitCode> run_wait(const WaitFlags& f, const Context& ctx)
{
    if (f.http) {
        return usage_error("--http is not available yet in this build", "wait on Argo CD instead");
    }
    auto server = server_options(f.argo);
    if (!server) {
        return server.take_error();
    }
    auto w = resolve(f.stage, f.argo, ctx);
    if (!w) {
        return w.take_error();
    }
    auto o = wait_options(f, *w, ctx);
    if (!o) {
        return o.take_error();
    }
    if (w->deployment) {
        ops::Deployment* d = &*w->deployment;
        o->expect.accept = [d](const std::string& rev) { return d->judge(rev); };
    } else {
        o->expect.accept = argo::accept_exactly(w->target.revision);
    }
    argo::Client client(*server);
    catch_interrupts();
    if (!ctx.global.quiet) {
        ctx.err << fmt::format("kanon: waiting for {} to run {}{} (Argo CD at {}, timeout {})\n", w->target.application,
                               w->target.revision.substr(0, 7), w->target.tag.empty() ? "" : " = tag " + w->target.tag,
                               redact(client.base_url()), f.timeout);
    }
    return report_wait(ctx, w->target, argo::wait_for(client, *o));
}

}  // namespace

void define_wait(CLI::App& sub, Runner& run)
{
    auto f = std::make_shared<WaitFlags>();
    sub.add_option("APP", f->stage.app, "the app")->required();
    sub.add_option("--stage", f->stage.stage, "the stage")->required();
    sub.add_option("--revision", f->stage.revision,
                   "the web-core commit to wait for, full SHA (default: the last commit that changed the stage's "
                   "release file)");
    sub.add_option("--tag", f->stage.tag, "the image tag that must be live (default: the release file's at the revision)");
    sub.add_option("--timeout", f->timeout, "give up after this long (exit 5)")->capture_default_str();
    sub.add_option("--degraded-grace", f->degraded_grace, "fail when Degraded for this long (exit 4)")->capture_default_str();
    sub.add_option("--settle", f->settle, "success must still hold this much later (e.g. 5s for prod)")->capture_default_str();
    sub.add_flag("--no-refresh", f->no_refresh, "do not ask Argo CD to compare with git now (it polls every ~3 min)");
    sub.add_flag("--sync", f->sync, "start a sync when Argo CD sees our revision but nothing syncs it (sync windows)");
    sub.add_flag("--http", f->http, "no Argo CD access: wait for the stage's site to answer with the tag");
    add_repo_flags(sub, f->stage.target);
    add_argocd_flags(sub, f->argo);
    sub.callback([&run, f] { run = [f](const Context& ctx) { return run_wait(*f, ctx); }; });
}

namespace {

struct SyncFlags {
    StageFlags stage;
    ArgoFlags argo;
    bool wait = false;
    bool prune = false;
    WaitFlags wait_flags;
};

Result<ExitCode> run_sync(const SyncFlags& f, const Context& ctx)
{
    auto server = server_options(f.argo);
    if (!server) {
        return server.take_error();
    }
    WaitTarget w;
    bool have_repo = !f.stage.target.repo.empty() || gitops::default_remote().ok();
    if (have_repo) {
        auto resolved = resolve(f.stage, f.argo, ctx);
        if (!resolved) {
            return resolved.take_error();
        }
        w = std::move(*resolved);
    } else {
        if (auto st = canon::validate_app_name(f.stage.app); !st) {
            return st.take_error();
        }
        canon::Config defaults;
        if (auto st = canon::validate_stage(defaults, f.stage.stage); !st) {
            return st.take_error();
        }
        w.target.app = f.stage.app;
        w.target.stage = f.stage.stage;
        w.target.application = f.argo.application.empty() ? defaults.application(f.stage.app, f.stage.stage)
                                                          : f.argo.application;
        w.target.project = f.argo.project;
    }
    argo::Client client(*server);
    const auto& t = w.target;
    auto current = client.get(t.application, t.project);
    if (!current.ok()) {
        return argo::reply_error(current, "GET application " + t.application, t.application, t.project);
    }
    auto app = argo::read_application(current.body, t.source_repo);
    if (!app) {
        return app.take_error();
    }
    std::string started;
    if (app->operation || app->op_phase == "Running" || app->op_phase == "Terminating") {
        std::string by = app->operation_initiated_by.empty() ? app->op_initiated_by : app->operation_initiated_by;
        ctx.err << "kanon: an operation is already in progress on " << t.application
                << (by.empty() ? "" : " (initiated by " + by + ")") << "; not starting another\n";
        started = app->operation_revision.empty() ? app->op_sync_revision : app->operation_revision;
    } else {
        auto r = client.sync(t.application, t.project, argo::SyncRequest{"", f.prune});
        if (r.operation_in_progress()) {
            ctx.err << "kanon: another operation got there first (auto-sync); not starting another\n";
        } else if (r.status == 403 && r.message.find("sync window") != std::string::npos) {
            return Error{fmt::format("Argo CD refuses to sync {}: {}", t.application, r.message), ExitCode::verify_failed};
        } else if (!r.ok()) {
            return argo::reply_error(r, "sync " + t.application, t.application, t.project);
        } else if (auto a = argo::read_application(r.body, t.source_repo); a.ok()) {
            started = a->operation_revision;
        }
    }
    if (!f.wait) {
        if (ctx.json()) {
            ojson j{{"ok", true}, {"reason", "sync started"}, {"application", t.application}, {"revision", started},
                    {"steps", ojson::array()}};
            ctx.out << j.dump(2) << '\n';
        } else {
            ctx.out << "sync started: " << t.application << (started.empty() ? "" : " at " + started.substr(0, 7)) << '\n';
        }
        return ExitCode::ok;
    }
    // Wait for what web-core says the stage runs, or for what the sync took.
    if (!w.deployment) {
        w.target.revision = started;
    }
    auto o = wait_options(f.wait_flags, w, ctx);
    if (!o) {
        return o.take_error();
    }
    if (w.deployment) {
        ops::Deployment* d = &*w.deployment;
        o->expect.accept = [d](const std::string& rev) { return d->judge(rev); };
    } else {
        o->expect.accept = argo::accept_exactly(started);
    }
    catch_interrupts();
    return report_wait(ctx, w.target, argo::wait_for(client, *o));
}

}  // namespace

void define_sync(CLI::App& sub, Runner& run)
{
    auto f = std::make_shared<SyncFlags>();
    sub.add_option("APP", f->stage.app, "the app")->required();
    sub.add_option("--stage", f->stage.stage, "the stage")->required();
    sub.add_flag("--wait", f->wait, "then wait until the stage runs its release, Synced and Healthy");
    sub.add_flag("--prune", f->prune, "delete resources that are no longer in git");
    sub.add_option("--timeout", f->wait_flags.timeout, "with --wait: give up after this long (exit 5)")
        ->capture_default_str();
    sub.add_option("--degraded-grace", f->wait_flags.degraded_grace, "with --wait: fail when Degraded this long")
        ->capture_default_str();
    add_repo_flags(sub, f->stage.target);
    add_argocd_flags(sub, f->argo);
    sub.callback([&run, f] { run = [f](const Context& ctx) { return run_sync(*f, ctx); }; });
}

}  // namespace kanon::cli
