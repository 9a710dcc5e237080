// The GitLab CI file: four stages, one job each per app (or one set for
// $APP), every job a kanon command.
#include <fmt/format.h>

#include "canon/config.hpp"
#include "ci/ci.hpp"
#include "ci/text.hpp"
#include "util/text.hpp"

namespace kanon::ci {
namespace {

// In the component, the app is its input, interpolated by GitLab before the
// YAML is read (job names included); the flags come from shell variables
// that the base job's before_script sets from the other inputs.
const char* const k_app_input = "$[[ inputs.app ]]";

// How the jobs name their app: "$APP" (given when the pipeline starts) or a fixed name.
struct AppRef {
    std::string shell;   // in a script line: "$APP" or synestra-io
    std::string yaml;    // in a YAML value: $APP or synestra-io
    std::string suffix;  // job name suffix: "" or ":synestra-io"
    std::string name;    // "" for $APP
};

AppRef app_ref(const std::string& app)
{
    if (app.empty()) {
        return {"\"$APP\"", "$APP", "", ""};
    }
    return {app, app, ":" + app, app};
}

std::string kanon_flags(const CiOptions& o, bool writes)
{
    std::string f = " --repo \"$KANON_REPO\"";
    if (o.component) {
        return f + (writes ? " $KANON_LOOP_GUARD_FLAG" : "") + " $KANON_HTTP_FLAG";
    }
    if (writes && o.loop_guard == "paths") {
        f += " --no-skip-ci";
    }
    if (o.http) {
        f += " --http";
    }
    return f;
}

// The job's rules: for a fixed app, only when the pipeline is not for
// another one ($APP unset or this app); the manual gate on promote-prod.
void rules(Text& t, const CiOptions& o, const AppRef& a, bool gate)
{
    if (o.component && gate) {
        t.line(1, "rules:");
        t.line(2, fmt::format("- if: $APP != null && $APP != \"{}\"  # a pipeline for another app", a.name));
        t.line(3, "when: never");
        t.line(2, "- if: '\"$[[ inputs.gate ]]\" == \"manual\"'");
        t.line(3, "when: manual");
        t.line(2, "- when: on_success");
        t.line(1, "allow_failure: false  # with the manual gate, a blocking manual job: the pipeline waits");
        return;
    }
    bool manual = gate && o.gate == "manual";
    if (a.name.empty() && !manual) {
        return;
    }
    t.line(1, "rules:");
    if (!a.name.empty()) {
        t.line(2, fmt::format("- if: $APP == null || $APP == \"{}\"", a.name));
        if (manual) {
            t.line(3, "when: manual");
        }
    } else {
        t.line(2, "- when: manual");
    }
    if (manual) {
        t.line(1, "allow_failure: false  # a blocking manual job: the pipeline waits for the button");
    }
}

// One line of a job's script, quoted where YAML would not read it as written.
void script(Text& t, const std::string& command, const std::string& comment = {})
{
    t.line(2, "- " + yaml_plain_or_quoted(command) + (comment.empty() ? "" : "  # " + comment));
}

void reports(Text& t, const std::string& junit, const std::string& dotenv)
{
    t.line(1, "artifacts:");
    t.line(2, "when: always");
    t.line(2, "reports:");
    if (!junit.empty()) {
        t.line(3, "junit: " + junit);
    }
    t.line(3, "dotenv: " + dotenv);
}

void environment(Text& t, const std::string& stage, const AppRef& a, const char* tier)
{
    t.line(1, "environment:");
    t.line(2, fmt::format("name: {}/{}", stage, a.yaml));
    t.line(2, fmt::format("url: $KANON_{}_URL  # from the job's own dotenv report", env_name_part(stage)));
    t.line(2, fmt::format("deployment_tier: {}", tier));
}

void jobs(Text& t, const CiOptions& o, const std::string& app)
{
    AppRef a = app_ref(app);
    const std::string base = o.component ? ".kanon" + a.suffix : ".kanon";
    const std::string& dev = o.first_stage;
    const std::string& prod = o.second_stage;
    std::string app_flag = a.name.empty() ? " --app \"$APP\"" : " --app " + a.name;

    t.line(0, fmt::format("build{}:", a.suffix));
    t.line(1, "extends: " + base);
    t.line(1, "stage: build");
    rules(t, o, a, false);
    t.line(1, "script:");
    script(t, fmt::format("kanon verify-build --ref \"$WEB_CORE_REF\" --tag \"$KANON_TAG\"{} --repo \"$KANON_REPO\" "
                          "--dotenv kanon-build.env",
                          app_flag));
    if (o.build_script.empty()) {
        t.line(2, fmt::format("# Build and push the image of {} from web-core $WEB_CORE_REF, tagged $KANON_TAG, here",
                              a.yaml));
        t.line(2, "# (kanon ci gitlab --build-script 'CMD' writes it in). The jobs after this one only promote it.");
        t.line(2, "# This job checks out the platform repo; fetch web-core's source at $WEB_CORE_REF yourself.");
        script(t, "echo \"no image build in this job: $KANON_TAG must already be in the registry\"");
    } else {
        for (const auto& line : o.build_script) {
            script(t, line);
        }
    }
    reports(t, "", "kanon-build.env");
    t.blank();

    t.line(0, fmt::format("deploy-{}{}:", dev, a.suffix));
    t.line(1, "extends: " + base);
    t.line(1, fmt::format("stage: deploy-{}", dev));
    t.line(1, fmt::format("needs: [\"build{}\"]", a.suffix));
    rules(t, o, a, false);
    t.line(1, fmt::format("resource_group: {}-{}  # one deploy of this app to {} at a time", a.yaml, dev, dev));
    t.line(1, "interruptible: false  # it commits to web-core");
    environment(t, dev, a, "development");
    t.line(1, "script:");
    script(t, fmt::format("kanon pipeline {} --tag \"$KANON_TAG\" --ref \"$KANON_REF\" --stage {} --no-smoke "
                          "--junit kanon-deploy-{}.xml --dotenv kanon-deploy-{}.env{}",
                          a.shell, dev, dev, dev, kanon_flags(o, true)));
    reports(t, fmt::format("kanon-deploy-{}.xml", dev), fmt::format("kanon-deploy-{}.env", dev));
    t.blank();

    t.line(0, fmt::format("validate{}:", a.suffix));
    t.line(1, "extends: " + base);
    t.line(1, "stage: validate");
    t.line(1, fmt::format("needs: [\"build{}\", \"deploy-{}{}\"]", a.suffix, dev, a.suffix));
    rules(t, o, a, false);
    t.line(1, "script:");
    script(t, fmt::format("kanon wait {} --stage {} --tag \"$KANON_TAG\"{}", a.shell, dev, kanon_flags(o, false)),
           "still ours, not superseded");
    script(t, fmt::format("kanon smoke {} --stage {} --repo \"$KANON_REPO\"", a.shell, dev));
    t.blank();

    t.line(0, fmt::format("promote-{}{}:", prod, a.suffix));
    t.line(1, "extends: " + base);
    t.line(1, fmt::format("stage: promote-{}", prod));
    t.line(1, fmt::format("needs: [\"build{}\", \"validate{}\"]", a.suffix, a.suffix));
    rules(t, o, a, true);
    t.line(1, fmt::format("resource_group: {}-{}", a.yaml, prod));
    t.line(1, "interruptible: false");
    environment(t, prod, a, "production");
    t.line(1, "script:");
    script(t, fmt::format("kanon pipeline {} --tag \"$KANON_TAG\" --stage {} --junit kanon-promote-{}.xml "
                          "--dotenv kanon-promote-{}.env{}",
                          a.shell, prod, prod, prod, kanon_flags(o, true)));
    reports(t, fmt::format("kanon-promote-{}.xml", prod), fmt::format("kanon-promote-{}.env", prod));
}

// How to start it, the variables it needs, and how loops are avoided.
void preamble(Text& t, const CiOptions& o)
{
    if (o.component) {
        t.comment("A GitLab CI/CD component: the jobs of one app. Include it once per app; the including file");
        t.comment(fmt::format("declares the stages build, deploy-{}, validate, promote-{} and runs the pipeline only",
                              o.first_stage, o.second_stage));
        t.comment("when WEB_CORE_REF is set (workflow:rules). With this project as a component project:");
        t.comment("  include:");
        t.comment("    - component: $CI_SERVER_FQDN/GROUP/kanon/kanon-promote@VERSION");
        t.comment("      inputs:");
        t.comment("        app: synestra-io");
        t.comment("        gate: manual");
    } else if (o.include) {
        t.comment(
            fmt::format("A fragment for `include:`: the including file declares the stages build, deploy-{}, "
                        "validate, promote-{}",
                        o.first_stage, o.second_stage));
        t.comment("and runs the pipeline only when WEB_CORE_REF is set (workflow:rules).");
    }
    t.comment("");
    t.comment("Start a pipeline with (web-core's trigger job sets them: kanon ci gitlab --trigger PROJECT):");
    t.comment("  WEB_CORE_REF       the full 40-hex SHA of the web-core commit to build and release");
    if (o.component) {
        t.comment("  APP                optional: only this app's jobs run (the others' are left out)");
    } else if (o.apps.empty()) {
        t.comment("  APP                the app to release (a DNS-1123 name such as synestra-io)");
    } else {
        t.comment("  APP                optional: only this one of the apps below");
    }
    t.comment("  KANON_TAG          optional: the image tag (default: WEB_CORE_REF, which never changes meaning)");
    t.comment("");
    t.comment("Settings > CI/CD > Variables (secrets protected and masked, never in this file):");
    t.comment(o.component ? "  KANON_IMAGE        an image with kanon and git on PATH (or the image input)"
                          : "  KANON_IMAGE        an image with kanon and git on PATH");
    t.comment("  KANON_REPO         web-core's HTTPS clone URL, without credentials");
    t.comment("  KANON_GIT_TOKEN    secret: a project access token of web-core with the write_repository scope,");
    t.comment("                     its role allowed to push to the default branch (Protected branches)");
    if (o.component) {
        t.comment("  ARGOCD_SERVER      Argo CD's API address, HOST[:PORT] (not with the http input)");
        t.comment("  ARGOCD_AUTH_TOKEN  secret: an API token of an Argo CD account allowed to get and sync the apps");
    } else if (o.http) {
        t.comment("No Argo CD access: every wait is on the stage's site (--http, kanon.yaml site_version).");
    } else {
        t.comment("  ARGOCD_SERVER      Argo CD's API address, HOST[:PORT]");
        t.comment("  ARGOCD_AUTH_TOKEN  secret: an API token of an Argo CD account allowed to get and sync the apps");
        t.comment("                     (argocd-rbac-cm: p, role:kanon, applications, get|sync, */web-*, allow)");
    }
    t.comment("");
    if (o.component) {
        t.comment("Loops: with the loop-guard input skip-ci, kanon's commits say [skip ci]; with paths they do not,");
        t.comment("and web-core's trigger job must ignore pushes that change only release files.");
    } else if (o.loop_guard == "paths") {
        t.comment("Loops: kanon commits WITHOUT [skip ci] (--no-skip-ci); web-core's trigger job must ignore");
        t.comment("pushes that change only release files (kanon ci gitlab --loop-guard paths --trigger PROJECT).");
    } else {
        t.comment("Loops: kanon's commits to web-core say [skip ci], so they never start web-core's pipeline");
        t.comment("again. To use path rules instead: kanon ci gitlab --loop-guard paths (rules:changes on");
        t.comment(fmt::format("{}).", fmt::join(o.release_globs, ", ")));
    }
    t.blank();
}

// workflow:rules and stages: (left to the including file for a fragment).
void workflow(Text& t, const CiOptions& o)
{
    if (!o.include) {
        t.line(0, "workflow:");
        t.line(1, "rules:");
        t.line(2, o.apps.empty()
                      ? "- if: $WEB_CORE_REF && $APP  # only pipelines started for a web-core commit and an app"
                      : "- if: $WEB_CORE_REF  # only pipelines started for a web-core commit");
        t.blank();
        t.line(0, "stages:");
        for (const auto& s :
             {std::string("build"), "deploy-" + o.first_stage, std::string("validate"), "promote-" + o.second_stage}) {
            t.line(1, "- " + s);
        }
        t.blank();
    }
}

// The component's header document: its inputs, their defaults the flags given.
void component_spec(Text& t, const CiOptions& o)
{
    // Every input says its type: the schema reads a default without one as any type's.
    auto input = [&t](const std::string& name, const std::string& description, const char* type = "string") {
        t.line(2, name + ":");
        t.line(3, "description: " + yaml_plain_or_quoted(description));
        t.line(3, std::string("type: ") + type);
    };
    t.line(0, "spec:");
    t.line(1, "inputs:");
    input("app", "the app whose jobs these are (a DNS-1123 name such as synestra-io)");
    t.line(3, "regex: ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
    input("gate", "manual: promote-" + o.second_stage + " waits for a person (a blocking manual job)");
    t.line(3, "options: [auto, manual]");
    t.line(3, "default: " + o.gate);
    input("loop-guard",
          "skip-ci: kanon's commits say [skip ci]; paths: they do not (web-core's trigger ignores "
          "pushes to the release files)");
    t.line(3, "options: [skip-ci, paths]");
    t.line(3, "default: " + o.loop_guard);
    input("http", "no Argo CD access from CI: wait on the sites instead (kanon.yaml site_version)", "boolean");
    t.line(3, std::string("default: ") + (o.http ? "true" : "false"));
    input("image", "an image with kanon and git on PATH");
    t.line(3, "default: $KANON_IMAGE");
    t.line(0, "---");
}

// The base job every job extends: for the component, per app (two
// includes must not share it) and with the inputs made into flags.
void base_job(Text& t, const CiOptions& o)
{
    if (!o.component) {
        t.line(0, ".kanon:");
        t.line(1, "image: $KANON_IMAGE");
    } else {
        t.line(0, fmt::format(".kanon:{}:", k_app_input));
        t.line(1, "image: $[[ inputs.image ]]");
    }
    t.line(1, "variables:");
    t.line(2, "KANON_TAG: $WEB_CORE_REF  # unless the pipeline was started with one");
    if (o.component) {
        t.line(1, "before_script:");
        t.line(2,
               "- KANON_LOOP_GUARD_FLAG=''; if [ \"$[[ inputs.loop-guard ]]\" = paths ]; then "
               "KANON_LOOP_GUARD_FLAG=--no-skip-ci; fi");
        t.line(2, "- KANON_HTTP_FLAG=''; if [ \"$[[ inputs.http ]]\" = true ]; then KANON_HTTP_FLAG=--http; fi");
    }
    t.blank();
}

}  // namespace

std::string gitlab(const CiOptions& o)
{
    Text t;
    header(t, "gitlab", o);
    preamble(t, o);
    if (o.component) {
        component_spec(t, o);
        base_job(t, o);
        jobs(t, o, k_app_input);
        return t.str();
    }
    workflow(t, o);
    base_job(t, o);
    if (o.apps.empty()) {
        jobs(t, o, "");
    } else {
        for (std::size_t i = 0; i < o.apps.size(); ++i) {
            if (i != 0) {
                t.blank();
            }
            jobs(t, o, o.apps[i]);
        }
    }
    return t.str();
}

std::string gitlab_trigger(const CiOptions& o, const std::string& project)
{
    Text t;
    t.comment("web-core's .gitlab-ci.yml: start the platform's promotion pipeline for every push to the default");
    t.comment(fmt::format("branch. Generated by `{} --trigger {}` (kanon {}).", command_line("gitlab", o), project,
                          o.version));
    if (o.loop_guard == "paths") {
        t.comment("Loops: kanon commits without [skip ci]; the rules below ignore pushes that change release files.");
        t.comment("(A person's commit that touches a release file does not start it either: push it with a change");
        t.comment("elsewhere, or run the platform pipeline by hand.)");
    } else {
        t.comment("Loops: kanon's commits say [skip ci]: GitLab starts no pipeline for them at all.");
    }
    t.blank();
    t.line(0, "stages:");
    t.line(1, "- promote");
    t.blank();
    t.line(0, "promote:");
    t.line(1, "stage: promote");
    t.line(1, "rules:");
    if (o.loop_guard == "paths") {
        t.line(2, "- if: $CI_COMMIT_BRANCH != $CI_DEFAULT_BRANCH");
        t.line(3, "when: never");
        t.line(2, "- changes:");
        for (const auto& g : o.release_globs) {
            t.line(4, "- " + yaml_plain_or_quoted(g));
        }
        t.line(3, "when: never");
        t.line(2, "- when: on_success");
    } else {
        t.line(2, "- if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH");
    }
    t.line(1, "variables:");
    t.line(2, "WEB_CORE_REF: $CI_COMMIT_SHA");
    if (o.apps.empty()) {
        t.line(2, "APP: $KANON_APP  # a CI/CD variable of web-core; or generate per app: kanon ci gitlab APP...");
    }
    t.line(1, "trigger:");
    t.line(2, "project: " + yaml_plain_or_quoted(project));
    t.line(2, "strategy: depend  # this job shows the promotion's result");
    return t.str();
}

}  // namespace kanon::ci
