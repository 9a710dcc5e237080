#include "cli/app.hpp"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string_view>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "util/build_info.hpp"
#include "util/redact.hpp"
#include "util/signals.hpp"
#include "util/suggest.hpp"
#include "util/text.hpp"

namespace kanon::cli {

// Arguments and servers' words reach these lines: secrets are redacted, and
// no control character gets to the terminal or the CI log.
void print_error(const Context& ctx, const Error& e)
{
    ctx.err << ctx.err_paint.red("kanon: error:") << ' ' << terminal_safe(redact(e.describe())) << '\n';
    if (!e.hint.empty()) {
        print_hint(ctx, e.hint);
    }
}

void print_hint(const Context& ctx, const std::string& hint)
{
    ctx.err << ctx.err_paint.dim("kanon: hint:") << ' ' << terminal_safe(redact(hint)) << '\n';
}

namespace {

const std::vector<Command>& commands()
{
    static const std::vector<Command> k_commands = {
        {"status", "show the release of every app in every stage at the tip of a branch", define_status},
        {"history", "show a stage's releases, newest first, from kanon's commits", define_history},
        {"release", "commit a new image tag into a stage's release file", define_release},
        {"promote", "commit the tag one stage runs into the next stage (dev to prod)", define_promote},
        {"reset", "bring a stage (dev) back to the release of another (prod)", define_reset},
        {"rollback", "put a stage back on a tag it ran before", define_rollback},
        {"freeze", "hold a stage: release, promote and rollback into it refuse until unfrozen", define_freeze},
        {"unfreeze", "lift a stage's hold", define_unfreeze},
        {"wait", "wait until a stage runs a revision, Synced and Healthy in Argo CD (never the previous one)",
         define_wait},
        {"sync", "start an Argo CD sync of a stage (waiting out a running operation), optionally wait", define_sync},
        {"smoke", "GET a stage's pages (/ and /admin): no 5xx, no redirect loop, no timeout", define_smoke},
        {"pipeline", "the release flow in one command: release a tag to dev, verify it, promote it to prod, verify it",
         define_pipeline},
        {"verify-build",
         "the build contract: --ref is a full SHA in web-core, --tag a valid tag never built from another ref",
         define_verify_build},
        {"ci", "print a GitLab CI or GitHub Actions file that runs the whole flow with kanon", define_ci},
        {"check", "lint web-core (and the platform repo) against the canon: every rule, every finding, FILE:LINE",
         define_check},
        {"explain", "show the values Helm will see for an app's stage, and which file set each", define_explain},
        {"init", "write a new app's six web-core files in the canon (and its platform skeletons)", define_init},
        {"yaml", "read or set one value in a YAML file, changing nothing else", define_yaml},
        {"sandbox", "run git, Argo CD and the sites on 127.0.0.1 to try kanon without a cluster", define_sandbox},
        {"demo", "the whole flow in about a minute, on a sandbox in a temporary directory", define_demo},
        {"completion", "print the shell completion script for bash, zsh or fish", define_completion},
        // Hidden: what the completion scripts and the build call.
        {"__complete", "", define_complete},
        {"__man", "", define_man},
    };
    return k_commands;
}

// The commands a suggestion may name: not the hidden ones.
std::vector<std::string> visible_names()
{
    std::vector<std::string> names;
    for (const auto& c : commands()) {
        if (std::string_view(c.name).rfind("__", 0) != 0) {
            names.emplace_back(c.name);
        }
    }
    return names;
}

Paint paint_for(bool tty, const GlobalOptions& g)
{
    const char* no_color = std::getenv("NO_COLOR");
    const char* term = std::getenv("TERM");
    bool on = tty && !g.no_color && (no_color == nullptr || *no_color == '\0') &&
              !(term != nullptr && std::string(term) == "dumb");
    return Paint{on};
}

// The error on stderr and, with -o json, as the one document on stdout.
void report_failure(const Context& ctx, const Error& e, ExitCode code)
{
    print_error(ctx, e);
    if (ctx.json()) {
        nlohmann::ordered_json j;
        j["ok"] = false;
        j["exit_code"] = static_cast<int>(code);
        j["error"]["message"] = redact(e.message);
        if (!e.where.file.empty()) {
            j["error"]["file"] = e.where.file;
            j["error"]["line"] = e.where.line;
            j["error"]["column"] = e.where.column;
        }
        ctx.out << j.dump(2) << '\n';
    }
}

// Suggestions for a parse error: an unknown command or flag close to a real one.
std::string suggestion(const CLI::App& app, const std::vector<std::string>& args)
{
    std::vector<std::string> names = visible_names();
    const CLI::App* sub = nullptr;
    for (const auto& a : args) {
        if (a.empty() || a[0] == '-') {
            continue;
        }
        for (const auto* s : app.get_subcommands({})) {
            if (s->get_name() == a) {
                sub = s;
            }
        }
        if (sub == nullptr) {
            auto guess = did_you_mean(a, names);
            return guess.empty() ? std::string() : fmt::format("did you mean 'kanon {}'?", guess);
        }
        break;
    }
    std::vector<std::string> flags;
    for (const CLI::App* scope : {&app, sub}) {
        if (scope == nullptr) {
            continue;
        }
        for (const auto* o : scope->get_options({})) {
            for (const auto& l : o->get_lnames()) {
                flags.push_back("--" + l);
            }
        }
    }
    for (const auto& a : args) {
        if (a.rfind("--", 0) == 0) {
            std::string flag = a.substr(0, a.find('='));
            if (std::find(flags.begin(), flags.end(), flag) == flags.end()) {
                auto guess = did_you_mean(flag, flags);
                if (!guess.empty()) {
                    return fmt::format("did you mean '{}'?", guess);
                }
            }
        }
    }
    return {};
}

// Whether the command line asks for JSON (-o json, -ojson, --output json,
// --output=json), read before parsing: a usage error is one JSON document
// on stdout too.
bool asks_for_json(const std::vector<std::string>& args)
{
    for (std::size_t i = 0; i < args.size() && args[i] != "--"; ++i) {
        const std::string& a = args[i];
        if ((a == "-o" || a == "--output") && i + 1 < args.size()) {
            if (args[++i] == "json") {
                return true;
            }
        } else if (a == "-ojson" || a == "--output=json") {
            return true;
        }
    }
    return false;
}

// An unknown command gets its own message (CLI11 would only say that a
// subcommand is required): the first word that is not a flag or a flag's
// value must name one.
std::optional<Error> unknown_command(const std::vector<std::string>& args)
{
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-o" || a == "--output" || a == "--config") {
            ++i;
            continue;
        }
        if (!a.empty() && a[0] == '-') {
            continue;
        }
        for (const auto& c : commands()) {
            if (a == c.name) {
                return std::nullopt;
            }
        }
        std::vector<std::string> names = visible_names();
        auto guess = did_you_mean(a, names);
        return usage_error(
            fmt::format("unknown command '{}'", a),
            guess.empty() ? "run 'kanon --help' for the commands" : fmt::format("did you mean 'kanon {}'?", guess));
    }
    return std::nullopt;
}

// A token given as a flag is hidden from every message from now on, the
// parser's own included (a misspelt or misplaced --argocd-token echoes its
// value): any value of a flag whose name says token, password or secret.
void hide_secret_flags(const std::vector<std::string>& args)
{
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.size() < 3 || a.rfind("--", 0) != 0) {
            continue;
        }
        auto eq = a.find('=');
        std::string name = lower(a.substr(0, eq));
        if (name.find("token") == std::string::npos && name.find("passw") == std::string::npos &&
            name.find("secret") == std::string::npos) {
            continue;
        }
        if (eq != std::string::npos) {
            register_secret(a.substr(eq + 1));
        } else if (i + 1 < args.size()) {
            register_secret(args[i + 1]);
        }
    }
}

// The command, its failure (an exception included) reported; its exit code.
int run_command(const Runner& runner, const Context& ctx)
{
    Result<ExitCode> r = [&]() -> Result<ExitCode> {
        try {
            return runner(ctx);
        } catch (const std::exception& e) {
            return Error{fmt::format("internal error: {}; please report this", e.what())};
        }
    }();
    if (!r) {
        Error e = r.error();
        // A signal that came mid-command often surfaces as another failure
        // (the git it was running died of it): say what really happened.
        if (interrupted() && e.code != ExitCode::interrupted && e.code != ExitCode::usage) {
            e.message = "interrupted: " + e.message;
            e.code = ExitCode::interrupted;
        }
        report_failure(ctx, e, e.code);
        return static_cast<int>(e.code);
    }
    return static_cast<int>(*r);
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, bool out_is_tty, bool err_is_tty)
{
    GlobalOptions global;
    Runner runner;
    CLI::App app{"kanon — GitOps release promotion for web apps with Argo CD", "kanon"};
    const BuildInfo info = build_info();
    app.set_version_flag("--version",
                         fmt::format("kanon {} (commit {}, {})", info.version, info.commit, info.build_type));
    app.require_subcommand(1);
    app.fallthrough();
    std::string output = "text";
    app.add_option("-o,--output", output, "output format: text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    app.add_option("--config", global.config, "kanon.yaml to use (default: kanon.yaml at the repo root, optional)");
    app.add_flag("--no-color", global.no_color, "never colour the output (also: NO_COLOR)");
    app.add_flag("-v,--verbose", global.verbose, "say more on stderr");
    app.add_flag("-q,--quiet", global.quiet, "say nothing on stderr but errors");
    for (const auto& c : commands()) {
        CLI::App* sub = app.add_subcommand(c.name, c.summary);
        c.define(*sub, runner);
    }
    // Set after the commands, which would inherit it: a command's --help
    // shows its own flags, and CLI11 lists the commands once.
    app.footer(
        "Exit codes: 0 done, 1 operation failed, 2 usage, 3 check found problems,\n"
        "4 verification failed, 5 timed out, 130 interrupted.\n"
        "Run 'kanon COMMAND --help' for a command's flags.");

    global.no_color = std::find(args.begin(), args.end(), "--no-color") != args.end();
    global.output = asks_for_json(args) ? Format::json : Format::text;
    if (auto unknown = unknown_command(args)) {
        Context ctx{global, out, err, paint_for(out_is_tty, global), paint_for(err_is_tty, global)};
        report_failure(ctx, *unknown, ExitCode::usage);
        return static_cast<int>(ExitCode::usage);
    }
    hide_secret_flags(args);
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses a reversed vector
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) {  // --help, --version
            app.exit(e, out, err);
            return 0;
        }
        Context ctx{global, out, err, paint_for(out_is_tty, global), paint_for(err_is_tty, global)};
        Error usage = usage_error(e.what());
        usage.hint = suggestion(app, args);
        if (usage.hint.empty()) {
            usage.hint = "run 'kanon --help' for the commands and 'kanon COMMAND --help' for their flags";
        }
        report_failure(ctx, usage, ExitCode::usage);
        return static_cast<int>(ExitCode::usage);
    }
    global.output = output == "json" ? Format::json : Format::text;
    Context ctx{global, out, err, paint_for(out_is_tty, global), paint_for(err_is_tty, global)};
    if (!runner) {
        report_failure(ctx, usage_error("no command given"), ExitCode::usage);
        return static_cast<int>(ExitCode::usage);
    }
    return run_command(runner, ctx);
}

}  // namespace kanon::cli
