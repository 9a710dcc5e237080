// kanon init APP --domain D --image REPOSITORY [--tag T] [--dir PATH] [--platform PATH] ...
#include <algorithm>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "ops/init.hpp"

namespace kanon::cli {
namespace {

const char* state_name(ops::InitFile::State s)
{
    switch (s) {
        case ops::InitFile::State::created:
            return "created";
        case ops::InitFile::State::unchanged:
            return "unchanged";
        case ops::InitFile::State::kept:
            return "kept";
        case ops::InitFile::State::overwritten:
            return "overwritten";
        case ops::InitFile::State::skipped:
            return "skipped";
    }
    return "?";
}

// One line per file (state, repository, path, note), then the commands
// still to run.
std::string render_init_text(const ops::InitResult& r, bool dry_run, const Paint& paint)
{
    std::string out = dry_run ? "dry run: nothing was written; each state is what kanon init would do\n" : "";
    bool notes = std::any_of(r.files.begin(), r.files.end(), [](const auto& f) { return !f.note.empty(); });
    std::vector<std::vector<std::string>> rows = {{"STATE", "REPO", "FILE"}};
    if (notes) {
        rows.front().emplace_back("NOTE");
    }
    for (const auto& f : r.files) {
        rows.push_back({state_name(f.state), f.repo, f.path});
        if (notes) {
            rows.back().push_back(f.note);
        }
    }
    // Without trailing blanks where a file has no note.
    for (char c : render_table(rows, paint)) {
        if (c == '\n') {
            out.erase(out.find_last_not_of(' ') + 1);
        }
        out += c;
    }
    if (!r.commands.empty()) {
        out += "\nStill to run (kanon commits nothing):\n";
        for (const auto& c : r.commands) {
            out += "  " + c + "\n";
        }
    }
    return out;
}

nlohmann::ordered_json init_json(const std::string& app, const ops::InitResult& r, bool dry_run)
{
    nlohmann::ordered_json j;
    j["app"] = app;
    j["ok"] = r.failures.empty();
    j["dry_run"] = dry_run;
    j["files"] = nlohmann::ordered_json::array();
    for (const auto& f : r.files) {
        j["files"].push_back({{"path", f.path},
                              {"repo", f.repo},
                              {"state", state_name(f.state)},
                              {"secret", f.secret},
                              {"note", f.note}});
    }
    j["commands"] = r.commands;
    j["failures"] = r.failures;
    return j;
}

struct InitFlags {
    ops::InitOptions init;
    bool no_pull_secret = false;
};

const char* k_footer = R"(Writes, for every stage of kanon.yaml (dev and prod by default), the app's
release file (image.repository and image.tag only), env layer (the stage's
host, <PREFIX>_ENV, the env Secret and pull secret references) and Argo CD
Application, in the layout of the repository's other apps (indentation, list
indentation, quoting of the tag, CRLF, '---', repoURL, targetRevision,
project, destination). With no chart values.yaml yet, also the chart's
values.yaml and Chart.yaml.

With --platform: the Secret skeletons the app needs, encrypted at once with
sops when sops is on PATH and the platform repository has a .sops.yaml;
otherwise no Secret file is written and the commands that create them are
listed. With --database also the CNPG Clusters and their initdb Secret.

Re-running changes nothing; a file that exists with other content is kept
(reported) unless --force. Nothing is committed: the git commands are listed.
Exit codes: 0 done (also when files were kept), 1 I/O or sops failed, 2 usage.
See docs/init.md.)";

}  // namespace

void define_init(CLI::App& sub, Runner& run)
{
    auto flags = std::make_shared<InitFlags>();
    ops::InitOptions& o = flags->init;
    sub.add_option("APP", o.app, "the app: a DNS-1123 label such as synestra-io")->required();
    sub.add_option("--domain", o.domain, "the prod domain (dev's is dev.DOMAIN: kanon.yaml's stages[].host)")
        ->required();
    sub.add_option("--image", o.image, "the image repository, without tag (e.g. registry.gitlab.com/acme/web-site)")
        ->required();
    sub.add_option("--tag", o.tag, "the tag every stage starts on (default: image.tag of the chart's values.yaml)");
    sub.add_option("--dir", o.dir, "web-core checkout to write into")->capture_default_str();
    sub.add_option("--platform", o.platform, "platform checkout: also write the app's Secrets (sops) and clusters");
    sub.add_flag("--database", o.database, "the app has a database: CNPG clusters and their initdb Secret");
    sub.add_flag("--force", o.force, "overwrite files that exist with other content (never a Secret)");
    sub.add_flag("--no-pull-secret", flags->no_pull_secret,
                 "public registry: no imagePullSecrets, no gitlab-regcred Secrets");
    sub.add_option("--repo-url", o.repo_url,
                   "web-core's URL for the Applications (default: the other Applications', else git remote origin)");
    sub.add_flag("--dry-run", o.dry_run, "say what would be written, write nothing");
    sub.footer(k_footer);
    sub.callback([&run, flags] {
        run = [flags](const Context& ctx) -> Result<ExitCode> {
            ops::InitOptions opts = flags->init;
            opts.config_path = ctx.global.config;
            opts.pull_secret = !flags->no_pull_secret;
            auto r = ops::init(opts);
            if (!r) {
                return r.take_error();
            }
            if (ctx.json()) {
                ctx.out << init_json(opts.app, *r, opts.dry_run).dump(2) << '\n';
            } else {
                ctx.out << render_init_text(*r, opts.dry_run, ctx.paint);
            }
            // Printed here, not returned: with -o json stdout already holds the one document.
            for (const auto& failure : r->failures) {
                print_error(ctx, Error{failure});
            }
            return r->failures.empty() ? ExitCode::ok : ExitCode::failed;
        };
    });
}

}  // namespace kanon::cli
