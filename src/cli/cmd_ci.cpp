// kanon ci gitlab|github [APP...] [--gate auto|manual] [--include|--component] [--loop-guard skip-ci|paths] [--http]
//                        [--build-script CMD]... [--trigger PROJECT]
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "canon/config.hpp"
#include "ci/ci.hpp"
#include "cli/context.hpp"
#include "util/build_info.hpp"

namespace kanon::cli {
namespace {

struct CiCli {
    std::string kind;
    ci::CiOptions opts;
    std::string trigger;
};

// Stage names and release-file globs from kanon.yaml (--config), else the canon's.
Status apply_config(ci::CiOptions& o, const std::string& config_path)
{
    auto loaded = canon::load_config("", config_path);
    if (!loaded) {
        return loaded.take_error();
    }
    const canon::Config& c = *loaded;
    if (c.stages.size() != 2) {
        return usage_error(fmt::format("kanon ci writes the two-stage release flow (docs/canon.md); {} has {} stages",
                                       c.source.empty() ? "the configuration" : c.source, c.stages.size()));
    }
    o.first_stage = c.stages[0].name;
    o.second_stage = c.stages[1].name;
    o.release_globs.clear();
    for (const auto& s : c.stages) {
        o.release_globs.push_back(canon::expand(c.release_path, "*", s.name));
    }
    return ok_status();
}

}  // namespace

void define_ci(CLI::App& sub, Runner& run)
{
    auto c = std::make_shared<CiCli>();
    sub.add_option("KIND", c->kind, "gitlab (.gitlab-ci.yml) or github (a GitHub Actions workflow)")
        ->required()
        ->check(CLI::IsMember({"gitlab", "github"}));
    sub.add_option("APP", c->opts.apps, "jobs for these apps (default: for the app named by $APP / the app input)");
    sub.add_option("--gate", c->opts.gate,
                   "manual: promoting to prod waits for a person (GitLab: a blocking manual job; GitHub: the prod "
                   "environment's required reviewers)")
        ->check(CLI::IsMember({"auto", "manual"}))
        ->capture_default_str();
    sub.add_flag("--include", c->opts.include, "GitLab: a fragment for include: (no workflow or stages)");
    sub.add_flag("--component", c->opts.component,
                 "GitLab: the CI/CD component (templates/kanon-promote.yml): one app's jobs, with app, gate, "
                 "loop-guard, http and image as spec:inputs (the flags given set their defaults)");
    sub.add_option("--loop-guard", c->opts.loop_guard,
                   "skip-ci: kanon's commits say [skip ci]; paths: they do not (--no-skip-ci) and web-core's trigger "
                   "ignores pushes to the release files (GitLab)")
        ->check(CLI::IsMember({"skip-ci", "paths"}))
        ->capture_default_str();
    sub.add_flag("--http", c->opts.http, "no Argo CD access from CI: wait on the sites instead");
    sub.add_option("--build-script", c->opts.build_script,
                   "a command of the image build, after the build contract (repeat for several lines)");
    sub.add_option("--trigger", c->trigger,
                   "GitLab: print instead web-core's job that starts this pipeline in PROJECT (group/platform)");
    sub.footer(
        "Prints the CI file on stdout: build (kanon verify-build, then your image build), deploy-dev "
        "(kanon pipeline --stage dev --no-smoke), validate (kanon wait --tag, kanon smoke), promote-prod "
        "(kanon pipeline --stage prod), with environments, one deploy per app and stage at a time, JUnit and "
        "dotenv reports, and the secrets it needs named in comments, never given values. Stage names and "
        "release paths come from --config when given. docs/gitlab.md and docs/github.md explain the set-up.");
    sub.callback([&run, c] {
        run = [c](const Context& ctx) -> Result<ExitCode> {
            ci::CiOptions o = c->opts;
            o.version = build_info().version;
            if (auto st = ci::validate(o); !st) {
                return st.take_error();
            }
            if (c->kind == "github" && (o.include || o.component)) {
                return usage_error(
                    o.include ? "--include is for GitLab" : "--component is for GitLab",
                    o.component ? "GitHub's reusable form is the action: action.yml (docs/github.md)" : "");
            }
            if (o.component && !c->trigger.empty()) {
                return usage_error("--component and --trigger write different files: give one");
            }
            if (c->kind == "github" && o.loop_guard != "skip-ci") {
                return usage_error(
                    "--loop-guard is for GitLab",
                    "GitHub honours [skip ci]; path filters belong in web-core's workflow (on.push.paths-ignore)");
            }
            if (!c->trigger.empty() && c->kind != "gitlab") {
                return usage_error("--trigger is for GitLab (GitHub: web-core's workflow runs 'gh workflow run')");
            }
            if (auto st = apply_config(o, ctx.global.config); !st) {
                return st.take_error();
            }
            if (!c->trigger.empty()) {
                ctx.out << ci::gitlab_trigger(o, c->trigger);
            } else {
                ctx.out << (c->kind == "gitlab" ? ci::gitlab(o) : ci::github(o));
            }
            return ExitCode::ok;
        };
    });
}

}  // namespace kanon::cli
