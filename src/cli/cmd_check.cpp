// kanon check [APP...] [--dir PATH] [--platform PATH] [--format text|json|codeclimate]
#include <chrono>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "check/check.hpp"
#include "cli/check_report.hpp"
#include "cli/context.hpp"
#include "util/files.hpp"

namespace kanon::cli {
namespace {

struct CheckCli {
    check::CheckOptions opts;
    std::string format;
    std::string codeclimate_file;
    bool strict = false;
    bool list_rules = false;
};

std::string rules_text()
{
    std::string s;
    for (const auto& r : check::rules()) {
        s += fmt::format("  {:<28} {:<8} {}{}\n", r.id, check::severity_name(r.severity), r.summary,
                         r.canon.empty()         ? std::string()
                         : r.canon == "platform" ? std::string(" (canon: the platform repository)")
                                                 : fmt::format(" (canon rule {})", r.canon));
    }
    return s;
}

}  // namespace

void define_check(CLI::App& sub, Runner& run)
{
    auto cli = std::make_shared<CheckCli>();
    sub.add_option("APP", cli->opts.apps, "check only these apps (default: every app any file names)");
    sub.add_option("--dir", cli->opts.dir, "web-core checkout to check")->capture_default_str();
    sub.add_option("--platform", cli->opts.platform,
                   "platform checkout: also check its Secrets (SOPS) and CNPG clusters against web-core");
    sub.add_option("--format", cli->format, "text, json or codeclimate (GitLab Code Quality); default: -o")
        ->check(CLI::IsMember({"text", "json", "codeclimate"}));
    sub.add_option("--codeclimate", cli->codeclimate_file,
                   "also write the GitLab Code Quality report to FILE (artifacts:reports:codequality)");
    sub.add_flag("--strict", cli->strict, "warnings fail too (exit 3)");
    sub.add_option("-j,--jobs", cli->opts.jobs, "threads (default: the machine's cores)");
    sub.add_flag("--rules", cli->list_rules, "list the rules and exit");
    sub.footer(
        "Every rule (IDs in 'kanon check --rules', docs/rules.md) is checked and every finding reported, "
        "with FILE:LINE:COL and how to fix it; then the exit code is 3 if any error was found (warnings "
        "count with --strict), else 0. A file that is not YAML is a yaml/syntax finding; the others are "
        "still checked. A false positive of the secret scanner is silenced with '# kanon:allow' on its "
        "line.\n\nRules:\n" +
        rules_text());
    sub.callback([&run, cli] {
        run = [cli](const Context& ctx) -> Result<ExitCode> {
            if (cli->list_rules) {
                ctx.out << rules_text();
                return ExitCode::ok;
            }
            check::CheckOptions o = cli->opts;
            o.config_path = ctx.global.config;
            auto started = std::chrono::steady_clock::now();
            auto r = check::run_check(o);
            if (!r) {
                return r.take_error();
            }
            if (ctx.global.verbose > 0) {
                auto ms =
                    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
                ctx.err << fmt::format("kanon: checked {} apps, {} files in {} ms\n", r->apps.size(), r->files,
                                       ms.count());
            }
            if (!cli->codeclimate_file.empty()) {
                if (auto st = write_file_atomic(cli->codeclimate_file, check_codeclimate(*r).dump(2) + "\n"); !st) {
                    return st.take_error();
                }
            }
            std::string format = !cli->format.empty() ? cli->format : ctx.json() ? "json" : "text";
            if (format == "json") {
                ctx.out << check_json(*r, cli->strict).dump(2) << '\n';
            } else if (format == "codeclimate") {
                ctx.out << check_codeclimate(*r).dump(2) << '\n';
            } else {
                ctx.out << render_check_text(*r, ctx.paint);
            }
            bool fail = r->count(check::Severity::error) > 0 || (cli->strict && r->count(check::Severity::warning) > 0);
            return fail ? ExitCode::check_failed : ExitCode::ok;
        };
    });
}

}  // namespace kanon::cli
