// The GitHub Actions workflow: the same four steps as jobs, started by
// workflow_dispatch with the app, the web-core ref and the tag.
#include <fmt/format.h>

#include "ci/ci.hpp"
#include "ci/text.hpp"
#include "util/text.hpp"

namespace kanon::ci {
namespace {

std::string flags(const CiOptions& o)
{
    std::string f = " --repo \"$KANON_REPO\"";
    if (o.http) {
        f += " --http";
    }
    return f;
}

void job_head(Text& t, const std::string& name, const std::string& needs)
{
    t.line(1, name + ":");
    if (!needs.empty()) {
        t.line(2, "needs: " + needs);
    }
    t.line(2, "runs-on: ubuntu-latest");
    t.line(2, "container: ${{ vars.KANON_IMAGE }}  # an image with kanon and git on PATH");
}

void secrets_env(Text& t, int indent, const CiOptions& o, bool tag_from_build)
{
    t.line(indent, "env:");
    t.line(indent + 1, "KANON_GIT_TOKEN: ${{ secrets.KANON_GIT_TOKEN }}");
    if (!o.http) {
        t.line(indent + 1, "ARGOCD_AUTH_TOKEN: ${{ secrets.ARGOCD_AUTH_TOKEN }}");
    }
    if (tag_from_build) {
        t.line(indent + 1, "KANON_TAG: ${{ needs.build.outputs.tag }}");
        t.line(indent + 1, "KANON_REF: ${{ needs.build.outputs.ref }}");
    }
}

// A kanon command whose dotenv becomes the step's outputs whatever its exit.
void run_with_outputs(Text& t, const std::string& command, const std::string& dotenv)
{
    t.line(4, "run: |");
    t.line(5, command + " || rc=$?");
    t.line(5, fmt::format("cat {} >> \"$GITHUB_OUTPUT\"", dotenv));
    t.line(5, "exit \"${rc:-0}\"");
}

void upload(Text& t, const std::string& file)
{
    t.line(3, "- uses: actions/upload-artifact@v4");
    t.line(4, "if: always()");
    t.line(4, "with:");
    t.line(5, fmt::format("name: {}-${{{{ inputs.app }}}}", file.substr(0, file.rfind('.'))));
    t.line(5, "path: " + file);
}

// What the file needs from the repository's settings, and how its gate works.
void intro(Text& t, const CiOptions& o)
{
    t.comment("Save it as .github/workflows/kanon.yml in the repository that builds the images. Start it from the");
    t.comment("Actions tab, or from web-core's own workflow for each push:");
    t.comment("  gh workflow run kanon.yml -R OWNER/PLATFORM -f app=APP -f ref=\"$GITHUB_SHA\"");
    t.comment("");
    t.comment("Settings > Secrets and variables > Actions (secrets never in this file):");
    t.comment("  vars.KANON_IMAGE          an image with kanon and git on PATH");
    t.comment("  vars.KANON_REPO           web-core's HTTPS clone URL, without credentials");
    t.comment("  secrets.KANON_GIT_TOKEN   a fine-grained token with Contents: read and write on web-core, allowed");
    t.comment("                            to push to its default branch (branch protection / rulesets)");
    if (o.http) {
        t.comment("No Argo CD access: every wait is on the stage's site (--http, kanon.yaml site_version).");
    } else {
        t.comment("  vars.ARGOCD_SERVER        Argo CD's API address, HOST[:PORT]");
        t.comment("  secrets.ARGOCD_AUTH_TOKEN an API token of an Argo CD account allowed to get and sync the apps");
    }
    t.comment("");
    if (o.gate == "manual") {
        t.comment(fmt::format("The manual gate is the environment '{}': give it required reviewers (Settings >",
                              o.second_stage));
        t.comment(fmt::format("Environments), and promote-{} waits for their approval. Without them it does not stop.",
                              o.second_stage));
    } else {
        t.comment(
            fmt::format("promote-{} runs in the environment '{}': required reviewers there make it a manual gate.",
                        o.second_stage, o.second_stage));
    }
    t.comment("kanon's commits to web-core say [skip ci], so they never start web-core's workflows again.");
    t.blank();
}

// workflow_dispatch with app, ref and tag; the environment every job shares.
void trigger(Text& t, const CiOptions& o)
{
    t.line(0, "name: kanon release promotion");
    t.line(0, "run-name: ${{ inputs.app }} ${{ inputs.tag || inputs.ref }}");
    t.blank();
    t.line(0, "on:");
    t.line(1, "workflow_dispatch:");
    t.line(2, "inputs:");
    t.line(3, "app:");
    t.line(4, "description: the app to release");
    t.line(4, "required: true");
    if (o.apps.empty()) {
        t.line(4, "type: string");
    } else {
        t.line(4, "type: choice");
        t.line(4, "options:");
        for (const auto& app : o.apps) {
            t.line(5, "- " + app);
        }
    }
    t.line(3, "ref:");
    t.line(4, "description: \"WEB_CORE_REF: the full 40-hex SHA of the web-core commit to build and release\"");
    t.line(4, "required: true");
    t.line(4, "type: string");
    t.line(3, "tag:");
    t.line(4, "description: \"the image tag (default: the ref, which never changes meaning)\"");
    t.line(4, "required: false");
    t.line(4, "type: string");
    t.blank();
    t.line(0, "permissions:");
    t.line(1, "contents: read");
    t.blank();
    t.line(0, "env:");
    t.line(1, "APP: ${{ inputs.app }}");
    t.line(1, "WEB_CORE_REF: ${{ inputs.ref }}");
    t.line(1, "KANON_REPO: ${{ vars.KANON_REPO }}");
    if (!o.http) {
        t.line(1, "ARGOCD_SERVER: ${{ vars.ARGOCD_SERVER }}");
    }
    t.blank();
    t.line(0, "jobs:");
}

// The build contract (kanon verify-build), then the image build.
void build_job(Text& t, const CiOptions& o)
{
    job_head(t, "build", "");
    t.line(2, "outputs:");
    t.line(3, "tag: ${{ steps.contract.outputs.KANON_TAG }}");
    t.line(3, "ref: ${{ steps.contract.outputs.KANON_REF }}");
    t.line(2, "steps:");
    t.line(3, "- name: the build contract (kanon verify-build)");
    t.line(4, "id: contract");
    t.line(4, "env:");
    t.line(5, "KANON_GIT_TOKEN: ${{ secrets.KANON_GIT_TOKEN }}");
    t.line(5, "KANON_TAG: ${{ inputs.tag || inputs.ref }}");
    t.line(4, "run: |");
    t.line(5,
           "kanon verify-build --ref \"$WEB_CORE_REF\" --tag \"$KANON_TAG\" --app \"$APP\" --repo \"$KANON_REPO\" "
           "--dotenv kanon-build.env");
    t.line(5, "cat kanon-build.env >> \"$GITHUB_OUTPUT\"");
    t.line(3, "- name: build and push the image");
    t.line(4, "env:");
    t.line(5, "KANON_TAG: ${{ steps.contract.outputs.KANON_TAG }}");
    t.line(4, "run: |");
    if (o.build_script.empty()) {
        t.line(5, "# Build and push the app's image from web-core $WEB_CORE_REF, tagged $KANON_TAG, here");
        t.line(5, "# (kanon ci github --build-script 'CMD' writes it in). The jobs after this one only promote it.");
        t.line(5, "# Nothing is checked out here: fetch web-core's source at $WEB_CORE_REF yourself.");
        t.line(5, "echo \"no image build in this job: $KANON_TAG must already be in the registry\"");
    } else {
        for (const auto& line : o.build_script) {
            t.line(5, line);
        }
    }
    t.blank();
}

// The first stage: release, wait, no smoke (the next job does it).
void deploy_job(Text& t, const CiOptions& o)
{
    const std::string& dev = o.first_stage;
    job_head(t, "deploy-" + dev, "build");
    t.line(2, "concurrency:  # one deploy of this app to " + dev + " at a time; never cancelled halfway");
    t.line(3, fmt::format("group: kanon-${{{{ inputs.app }}}}-{}", dev));
    t.line(3, "cancel-in-progress: false");
    t.line(2, "environment:");
    t.line(3, "name: " + dev);
    t.line(3, fmt::format("url: ${{{{ steps.deploy.outputs.KANON_{}_URL }}}}", env_name_part(dev)));
    t.line(2, "steps:");
    t.line(3, "- id: deploy");
    secrets_env(t, 4, o, true);
    run_with_outputs(t,
                     fmt::format("kanon pipeline \"$APP\" --tag \"$KANON_TAG\" --ref \"$KANON_REF\" --stage {} "
                                 "--no-smoke --junit kanon-deploy-{}.xml --dotenv kanon-deploy-{}.env{}",
                                 dev, dev, dev, flags(o)),
                     fmt::format("kanon-deploy-{}.env", dev));
    upload(t, fmt::format("kanon-deploy-{}.xml", dev));
    t.blank();
}

// Still ours (not superseded), and the smoke check.
void validate_job(Text& t, const CiOptions& o)
{
    const std::string& dev = o.first_stage;
    job_head(t, "validate", fmt::format("[build, deploy-{}]", dev));
    t.line(2, "steps:");
    t.line(3, "- name: still ours, not superseded; then the smoke check");
    secrets_env(t, 4, o, true);
    t.line(4, "run: |");
    t.line(5, fmt::format("kanon wait \"$APP\" --stage {} --tag \"$KANON_TAG\"{}", dev, flags(o)));
    t.line(5, fmt::format("kanon smoke \"$APP\" --stage {} --repo \"$KANON_REPO\"", dev));
    t.blank();
}

// The second stage, behind its environment (the manual gate).
void promote_job(Text& t, const CiOptions& o)
{
    const std::string& prod = o.second_stage;
    job_head(t, "promote-" + prod, "[build, validate]");
    t.line(2, "concurrency:");
    t.line(3, fmt::format("group: kanon-${{{{ inputs.app }}}}-{}", prod));
    t.line(3, "cancel-in-progress: false");
    t.line(2, "environment:  # required reviewers here are the manual gate");
    t.line(3, "name: " + prod);
    t.line(3, fmt::format("url: ${{{{ steps.promote.outputs.KANON_{}_URL }}}}", env_name_part(prod)));
    t.line(2, "steps:");
    t.line(3, "- id: promote");
    secrets_env(t, 4, o, true);
    run_with_outputs(t,
                     fmt::format("kanon pipeline \"$APP\" --tag \"$KANON_TAG\" --stage {} --junit kanon-promote-{}.xml "
                                 "--dotenv kanon-promote-{}.env{}",
                                 prod, prod, prod, flags(o)),
                     fmt::format("kanon-promote-{}.env", prod));
    upload(t, fmt::format("kanon-promote-{}.xml", prod));
}

}  // namespace

std::string github(const CiOptions& o)
{
    Text t;
    header(t, "github", o);
    intro(t, o);
    trigger(t, o);
    build_job(t, o);
    deploy_job(t, o);
    validate_job(t, o);
    promote_job(t, o);
    return t.str();
}

}  // namespace kanon::ci
