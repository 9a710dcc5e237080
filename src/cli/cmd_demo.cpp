// kanon demo: the whole product in about 25 seconds, on nothing but this
// machine. It starts a sandbox in a temporary directory and runs the real
// commands against it — each printed before it runs, its own output
// untouched: a pipeline that reaches prod, the status and history it
// leaves, a broken build that stops at dev while prod keeps running, and
// the reset that brings dev back. The sandbox is stopped whatever happens.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "gitops/git.hpp"
#include "sandbox/control.hpp"
#include "util/files.hpp"
#include "util/process.hpp"
#include "util/signals.hpp"

namespace kanon::cli {
namespace {

namespace fs = std::filesystem;

struct DemoCommand {
    std::string dir;  // empty: a new temporary directory, removed afterwards
    bool keep = false;
};

std::string today_tag()
{
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char buf[32];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y.%m.%d-%H%M", &tm);
    return {buf, n};  // strftime returns 0, and leaves buf undefined, when it does not fit
}

class Demo {
public:
    explicit Demo(const Context& ctx) : m_ctx(ctx) {}

    // Prints the step's title, explains it, shows the command, runs it.
    // Returns its exit code (130 when interrupted).
    int step(const std::string& title, const std::string& why, const std::vector<std::string>& args,
             const std::map<std::string, std::string>& env = {})
    {
        ++m_step;
        auto& out = m_ctx.out;
        out << '\n' << m_ctx.paint.bold(fmt::format("── {}. {}", m_step, title)) << '\n';
        if (!why.empty()) {
            out << m_ctx.paint.dim(why) << '\n';
        }
        std::string shown = "$ kanon";
        for (const auto& a : args) {
            shown += ' ' + shell_quote(a);
        }
        out << m_ctx.paint.yellow(shown) << '\n' << std::flush;
        m_ctx.err << std::flush;
        if (interrupted()) {
            return 130;
        }
        ProcessSpec spec;
        spec.argv = {self_executable()};
        if (m_ctx.global.no_color) {
            spec.argv.emplace_back("--no-color");
        }
        spec.argv.insert(spec.argv.end(), args.begin(), args.end());
        spec.env = env;
        auto started = std::chrono::steady_clock::now();
        auto code = run_attached(spec);
        auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        std::cout << std::flush;
        if (!code) {
            print_error(m_ctx, code.error());
            return 1;
        }
        out << m_ctx.paint.dim(fmt::format("   (exit {}, {:.1f} s)", *code, static_cast<double>(took.count()) / 1000.0))
            << '\n';
        return interrupted() ? 130 : *code;
    }

private:
    const Context& m_ctx;
    int m_step = 0;
};

// The sandbox's token, for the children's environment only: never printed.
Result<std::map<std::string, std::string>> argocd_env(const fs::path& dir)
{
    auto env = sandbox::client_env(dir);
    if (!env) {
        return env.take_error();
    }
    // Commits need an author; a fresh machine may have no git identity.
    for (const char* who : {"AUTHOR", "COMMITTER"}) {
        std::string name = fmt::format("GIT_{}_NAME", who);
        std::string email = fmt::format("GIT_{}_EMAIL", who);
        if (std::getenv(name.c_str()) == nullptr) {
            (*env)[name] = "kanon demo";
        }
        if (std::getenv(email.c_str()) == nullptr) {
            (*env)[email] = "demo@kanon.test";
        }
    }
    return env;
}

Result<std::string> tip_of(const std::string& repo)
{
    gitops::GitCall call;
    call.args = {"ls-remote", repo, "refs/heads/main"};
    auto out = gitops::git(call);
    if (!out || out->size() < 40) {
        return Error{"cannot read the sandbox's web-core: " +
                     (out ? std::string("no main branch") : out.error().describe())};
    }
    return out->substr(0, 40);
}

// One step of the tour after the sandbox is up: a kanon command, and the
// exit code it must end with.
struct TourStep {
    std::string title;
    std::string why;
    std::vector<std::string> args;
    int expect = 0;
};

std::vector<TourStep> tour(const std::string& repo, const std::string& ref, const std::string& sandbox_dir)
{
    std::string good = today_tag();
    std::string broken = "broken-" + good + "-2";
    return {
        {"What runs where", "Every app, every stage, read from the tip of web-core.", {"status", "--repo", repo}, 0},
        {"The pipeline",
         "Build contract (a full SHA in web-core) → release to dev → wait for Argo CD to deploy that commit, Synced "
         "and Healthy → smoke / and /admin → promote the same tag to prod → wait → smoke.",
         {"pipeline", "synestra-io", "--tag", good, "--ref", ref, "--repo", repo, "--plaintext", "--timeout", "2m"},
         0},
        {"The history it left",
         "Each promotion is one commit with kanon's trailers.",
         {"history", "synestra-io", "--repo", repo},
         0},
        {"A broken build",
         "Its pods never become healthy. The pipeline stops at dev (exit 4) and prod is not touched.",
         {"pipeline", "synestra-io", "--tag", broken, "--repo", repo, "--plaintext", "--timeout", "2m",
          "--degraded-grace", "5s"},
         4},
        {"Dev is broken, prod is not", "", {"status", "--repo", repo}, 0},
        {"Bring dev back",
         "dev gets prod's release again, and Argo CD syncs it.",
         {"reset", "synestra-io", "--repo", repo, "--sync", "--plaintext", "--timeout", "2m"},
         0},
        {"What the sandbox runs now", "", {"sandbox", "status", "--dir", sandbox_dir}, 0},
    };
}

struct TourEnd {
    bool up = false;  // the sandbox started: it must be stopped
    ExitCode result = ExitCode::ok;
    int failed_at = 0;  // the exit code of the step that did not do what it should
};

// The sandbox, then every step of the tour, until one does not end as it should.
TourEnd run_tour(Demo& demo, const Context& ctx, const std::string& sandbox_dir)
{
    TourEnd end;
    auto expect = [&end](int code, int wanted) {
        if (code != wanted) {
            end.result = code == 130 ? ExitCode::interrupted : ExitCode::failed;
            end.failed_at = code;
        }
        return code == wanted;
    };
    int code = demo.step(
        "A sandbox", "A git server (smart HTTP), an Argo CD API that deploys from it, and a site per app and stage.",
        {"sandbox", "up", "--dir", sandbox_dir, "--apps", "2"});
    end.up = code == 0;
    if (!expect(code, 0)) {
        return end;
    }
    auto env = argocd_env(sandbox_dir);
    Result<std::string> ref = env ? tip_of(env->at("KANON_SANDBOX_REPO")) : env.error();
    if (!ref) {
        print_error(ctx, ref.error());
        expect(1, 0);
        return end;
    }
    ctx.out << ctx.paint.dim(
                   "   ARGOCD_SERVER and ARGOCD_AUTH_TOKEN are set for the commands below, as CI would set them.")
            << '\n';
    for (const auto& s : tour(env->at("KANON_SANDBOX_REPO"), *ref, sandbox_dir)) {
        if (!expect(demo.step(s.title, s.why, s.args, *env), s.expect)) {
            break;
        }
    }
    return end;
}

Result<fs::path> demo_dir(const DemoCommand& c)
{
    if (!c.dir.empty()) {
        return fs::absolute(c.dir);
    }
    std::string pattern = (fs::temp_directory_path() / "kanon-demo.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        return Error{"cannot make a temporary directory under " + fs::temp_directory_path().string()};
    }
    return fs::path(pattern);
}

Result<ExitCode> run_demo(const DemoCommand& c, const Context& ctx)
{
    catch_interrupts();
    auto dir = demo_dir(c);
    if (!dir) {
        return dir.take_error();
    }
    std::string sandbox_dir = (*dir / "sandbox").string();
    Demo demo(ctx);
    auto& out = ctx.out;
    out << ctx.paint.bold("kanon demo") << ": release-dev → verify → release-prod by commits to a GitOps repository,\n"
        << "verified against what Argo CD really deploys. Everything runs on 127.0.0.1 in " << dir->string() << ".\n";
    TourEnd end = run_tour(demo, ctx, sandbox_dir);
    if (end.up) {
        // Never leave the servers behind, whatever happened above.
        ProcessSpec down;
        down.argv = {self_executable(), "sandbox", "down", "--dir", sandbox_dir};
        out << '\n' << ctx.paint.yellow("$ kanon sandbox down --dir " + sandbox_dir) << '\n' << std::flush;
        auto code = run_attached(down);
        if (!code || *code != 0) {
            end.result = ExitCode::failed;
        }
    }
    if (c.dir.empty() && !c.keep) {
        std::error_code ec;
        fs::remove_all(*dir, ec);
    }
    if (end.result == ExitCode::ok) {
        out << '\n'
            << ctx.paint.green("demo done.")
            << " In CI: 'kanon pipeline APP --tag $VERSION --ref $WEB_CORE_REF' with ARGOCD_SERVER,\n"
               "ARGOCD_AUTH_TOKEN and KANON_GIT_TOKEN set; see README.md.\n";
        return ExitCode::ok;
    }
    if (end.result == ExitCode::interrupted) {
        return Error{"interrupted; the sandbox was stopped", ExitCode::interrupted};
    }
    return Error{fmt::format("a demo step did not do what it should (exit {}); the sandbox was stopped", end.failed_at),
                 ExitCode::failed,
                 {},
                 "run it again with --keep and read DIR/sandbox/*.log"};
}

}  // namespace

void define_demo(CLI::App& sub, Runner& run)
{
    auto c = std::make_shared<DemoCommand>();
    sub.add_option("--dir", c->dir, "work here instead of a new temporary directory (kept)");
    sub.add_flag("--keep", c->keep, "keep the temporary directory (the sandbox's repository and logs)");
    sub.callback([&run, c] {
        run = [c](const Context& ctx) {
            DemoCommand d = *c;
            d.keep = d.keep || !d.dir.empty();
            return run_demo(d, ctx);
        };
    });
}

}  // namespace kanon::cli
