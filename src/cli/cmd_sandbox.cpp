// kanon sandbox up|status|down|env|serve: the sandbox (src/sandbox/sandbox.hpp)
// as a background process (src/sandbox/control.hpp: `up` starts `kanon
// sandbox serve` and returns once sandbox.json says everything answers;
// `down` stops that process by its pid, after checking that the pid is
// still that process, and nothing else). This file parses and renders.
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <memory>
#include <optional>
#include <tuple>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "sandbox/control.hpp"
#include "sandbox/sandbox.hpp"
#include "util/duration.hpp"
#include "util/process.hpp"
#include "util/redact.hpp"
#include "util/signals.hpp"

namespace kanon::cli {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;
using namespace std::chrono_literals;

using sandbox::Millis;

struct SandboxCommand {
    std::string dir = "kanon-sandbox";
    int apps = 2;
    std::string poll = "3s";
    std::string sync_time = "800ms";
    std::string rollout = "1500ms";
    std::string progress_deadline = "4s";
};

Result<ExitCode> run_up(const SandboxCommand& c, const Context& ctx)
{
    fs::path dir = sandbox::absolute_dir(c.dir);
    if (auto pid = sandbox::running_pid(dir)) {
        return Error{fmt::format("a sandbox already runs in {} (pid {})", dir.string(), *pid),
                     ExitCode::failed,
                     {},
                     fmt::format("stop it first: kanon sandbox down --dir {}", shell_quote(dir.string()))};
    }
    std::vector<std::string> args = {"--apps", std::to_string(c.apps)};
    for (const auto& [flag, value] :
         std::vector<std::pair<std::string, std::string>>{{"--poll", c.poll},
                                                          {"--sync-time", c.sync_time},
                                                          {"--rollout", c.rollout},
                                                          {"--progress-deadline", c.progress_deadline}}) {
        auto d = parse_duration(value, flag);
        if (!d) {
            return d.take_error();
        }
        args.push_back(flag);
        args.push_back(value);
    }
    auto started = sandbox::start_background(dir, args, [&ctx, &dir](int pid) {
        if (!ctx.global.quiet) {
            ctx.err << fmt::format("kanon: starting the sandbox in {} (pid {})\n", dir.string(), pid);
        }
    });
    if (!started) {
        return started.take_error();
    }
    const int* pid = &started->pid;
    const ojson* info = &started->info;
    if (ctx.json()) {
        ctx.out << sandbox::public_info(*info, dir).dump(2) << '\n';
        return ExitCode::ok;
    }
    auto& out = ctx.out;
    out << ctx.paint.green("sandbox up") << fmt::format(" in {} (pid {}), on 127.0.0.1 only\n", dir.string(), *pid);
    out << fmt::format("  git      {}\n", (*info)["repo"].get<std::string>());
    out << fmt::format("  argocd   {} (plain HTTP; token in {})\n", (*info)["argocd"]["server"].get<std::string>(),
                       (dir / "argocd.token").string());
    for (const auto& [app, stages] : (*info)["sites"].items()) {
        out << fmt::format("  site     {:<14}", app);
        for (const auto& [stage, url] : stages.items()) {
            out << fmt::format(" {} {}", stage, url.get<std::string>());
        }
        out << '\n';
    }
    std::string first = (*info)["apps"].empty() ? "APP" : (*info)["apps"][0]["app"].get<std::string>();
    out << "Try:\n"
        << fmt::format("  eval \"$(kanon sandbox env --dir {})\"\n", shell_quote(dir.string()))
        << fmt::format("  kanon pipeline {} --tag 2026.11.1 --repo \"$KANON_SANDBOX_REPO\" --plaintext\n", first)
        << fmt::format("  kanon sandbox down --dir {}\n", shell_quote(dir.string()));
    return ExitCode::ok;
}

Result<ExitCode> run_down(const SandboxCommand& c, const Context& ctx)
{
    fs::path dir = sandbox::absolute_dir(c.dir);
    auto stopped = sandbox::stop_background(dir);
    if (!stopped.pid) {
        if (ctx.json()) {
            ctx.out << ojson{{"ok", true}, {"stopped", nullptr}, {"dir", dir.string()}}.dump(2) << '\n';
        } else {
            ctx.out << fmt::format("no sandbox runs in {}: nothing to stop\n", dir.string());
        }
        return ExitCode::ok;
    }
    if (ctx.json()) {
        ctx.out
            << ojson{{"ok", true}, {"stopped", *stopped.pid}, {"dir", dir.string()}, {"killed", stopped.killed}}.dump(2)
            << '\n';
    } else {
        ctx.out << fmt::format(
            "sandbox down: stopped pid {}{}; its directory stays (kanon sandbox up --dir {} resumes it)\n",
            *stopped.pid, stopped.killed ? " with SIGKILL" : "", shell_quote(dir.string()));
    }
    return ExitCode::ok;
}

Result<ExitCode> run_status(const SandboxCommand& c, const Context& ctx)
{
    fs::path dir = sandbox::absolute_dir(c.dir);
    auto info = sandbox::read_info(dir);
    if (!info) {
        return info.take_error();
    }
    auto pid = sandbox::running_pid(dir);
    ojson report = sandbox::probe(dir, *info, pid.has_value());
    const ojson& apps = report["stages"];
    if (ctx.json()) {
        ctx.out << report.dump(2) << '\n';
        return pid ? ExitCode::ok : ExitCode::failed;
    }
    if (!pid) {
        ctx.out << ctx.paint.yellow("stopped") << fmt::format(": the sandbox in {} is not running\n", dir.string());
        ctx.out << fmt::format("  start it again: kanon sandbox up --dir {}\n", shell_quote(dir.string()));
        return ExitCode::failed;
    }
    ctx.out << ctx.paint.green("running") << fmt::format(" in {} (pid {})\n", dir.string(), *pid);
    ctx.out << fmt::format("  git     {}\n  argocd  {}\n", (*info)["repo"].get<std::string>(),
                           (*info)["argocd"]["server"].get<std::string>());
    ctx.out << fmt::format("  {:<16} {:<6} {:<24} {:<10} {:<12} {}\n", "APP", "STAGE", "URL", "SYNC", "HEALTH",
                           "SERVING");
    for (const auto& row : apps) {
        auto text = [&](const char* key) {
            return row.contains(key) && row[key].is_string() ? row[key].get<std::string>() : std::string("-");
        };
        ctx.out << fmt::format("  {:<16} {:<6} {:<24} {:<10} {:<12} {}\n", text("app"), text("stage"), text("url"),
                               text("sync"), text("health"), text("serving"));
    }
    return ExitCode::ok;
}

Result<ExitCode> run_env(const SandboxCommand& c, const Context& ctx)
{
    fs::path dir = sandbox::absolute_dir(c.dir);
    auto info = sandbox::read_info(dir);
    if (!info) {
        return info.take_error();
    }
    // The token is read by the shell from its file, so it is never printed.
    ctx.out << fmt::format("export KANON_SANDBOX_REPO={}\n", shell_quote((*info)["repo"].get<std::string>()))
            << fmt::format("export KANON_REPO={}  # every command's --repo\n",
                           shell_quote((*info)["repo"].get<std::string>()))
            << fmt::format("export ARGOCD_SERVER={}\n", shell_quote((*info)["argocd"]["server"].get<std::string>()))
            << fmt::format("export ARGOCD_AUTH_TOKEN=\"$(cat {})\"\n", shell_quote((dir / "argocd.token").string()))
            << "export KANON_ARGOCD_PLAINTEXT=1  # the sandbox's Argo CD speaks plain HTTP on 127.0.0.1\n";
    return ExitCode::ok;
}

Result<Millis> millis(const std::string& text, const char* flag)
{
    auto d = parse_duration(text, flag);
    if (!d) {
        return d.take_error();
    }
    return std::chrono::duration_cast<Millis>(*d);
}

// The sandbox itself, in the foreground, until SIGTERM or SIGINT.
Result<ExitCode> run_serve(const SandboxCommand& c, const Context& ctx)
{
    sigset_t stop_signals = block_stop_signals();
    sandbox::SandboxOptions o;
    o.dir = sandbox::absolute_dir(c.dir);
    o.apps = c.apps;
    for (auto [text, flag, field] : std::vector<std::tuple<std::string, const char*, Millis*>>{
             {c.poll, "--poll", &o.timings.poll},
             {c.sync_time, "--sync-time", &o.timings.sync},
             {c.rollout, "--rollout", &o.timings.rollout},
             {c.progress_deadline, "--progress-deadline", &o.timings.progress_deadline}}) {
        auto m = millis(text, flag);
        if (!m) {
            return m.take_error();
        }
        *field = *m;
    }
    auto box = sandbox::Sandbox::start(o);
    if (!box) {
        return box.take_error();
    }
    ctx.err << fmt::format("kanon sandbox: serving in {} (pid {})\n", o.dir.string(), ::getpid()) << std::flush;
    int received = 0;
    sigwait(&stop_signals, &received);
    ctx.err << fmt::format("kanon sandbox: signal {}, stopping\n", received) << std::flush;
    (*box)->stop();
    return ExitCode::ok;
}

void add_dir(CLI::App& sub, SandboxCommand& c)
{
    sub.add_option("--dir", c.dir, "the sandbox's directory")->capture_default_str();
}

}  // namespace

void define_sandbox(CLI::App& sub, Runner& run)
{
    auto c = std::make_shared<SandboxCommand>();
    sub.require_subcommand(1);
    sub.footer(
        "The sandbox runs on 127.0.0.1 only: a git server (smart HTTP) with a web-core in the canon, an Argo CD\n"
        "API simulator that deploys from it, and a site per app and stage. A tag starting with 'broken-' never\n"
        "becomes healthy; one starting with 'loop-' deploys, but its /admin redirects in a loop.");
    auto* up = sub.add_subcommand("up", "start a sandbox in the background (or resume a stopped one)");
    add_dir(*up, *c);
    up->add_option("--apps", c->apps, "how many apps web-core holds (synestra-io first)")
        ->capture_default_str()
        ->check(CLI::Range(1, 50));
    up->add_option("--poll", c->poll, "how often Argo CD compares with git unasked (kanon's waits ask at once)")
        ->capture_default_str();
    up->add_option("--sync-time", c->sync_time, "how long a sync operation runs")->capture_default_str();
    up->add_option("--rollout", c->rollout, "how long a rollout takes to become Healthy")->capture_default_str();
    up->add_option("--progress-deadline", c->progress_deadline, "when a 'broken-' rollout turns Degraded")
        ->capture_default_str();
    up->callback([&run, c] { run = [c](const Context& ctx) { return run_up(*c, ctx); }; });

    auto* status =
        sub.add_subcommand("status", "show the sandbox's servers and what each stage runs (exit 1: stopped)");
    add_dir(*status, *c);
    status->callback([&run, c] { run = [c](const Context& ctx) { return run_status(*c, ctx); }; });

    auto* down = sub.add_subcommand("down", "stop the sandbox's process (by its pid); its directory is kept");
    add_dir(*down, *c);
    down->callback([&run, c] { run = [c](const Context& ctx) { return run_down(*c, ctx); }; });

    auto* env = sub.add_subcommand("env", "print shell exports for the sandbox: eval \"$(kanon sandbox env)\"");
    add_dir(*env, *c);
    env->callback([&run, c] { run = [c](const Context& ctx) { return run_env(*c, ctx); }; });

    auto* serve = sub.add_subcommand("serve", "run the sandbox in the foreground (what 'up' starts)");
    serve->group("");  // not in --help: 'up' is the way in
    add_dir(*serve, *c);
    serve->add_option("--apps", c->apps)->check(CLI::Range(1, 50));
    serve->add_option("--poll", c->poll);
    serve->add_option("--sync-time", c->sync_time);
    serve->add_option("--rollout", c->rollout);
    serve->add_option("--progress-deadline", c->progress_deadline);
    serve->callback([&run, c] { run = [c](const Context& ctx) { return run_serve(*c, ctx); }; });
}

}  // namespace kanon::cli
