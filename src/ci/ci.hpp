// `kanon ci gitlab|github`: the CI file that runs CANON.md §3 with kanon —
// build (the build contract, then the team's image build), deploy-dev,
// validate, promote-prod — written for the platform's own terms (GitLab
// environments, resource groups, dotenv and JUnit reports; GitHub
// environments, concurrency groups, workflow_dispatch). Pure text
// generation: the tests validate every option combination against the
// platforms' JSON schemas and run the generated jobs against the sandbox.
#pragma once

#include <string>
#include <vector>

#include "util/error.hpp"

namespace kanon::ci {

struct CiOptions {
    std::vector<std::string> apps;          // jobs per app; empty: one set of jobs for $APP
    std::string gate = "auto";              // auto | manual
    bool include = false;                   // GitLab: a fragment for `include:` (no workflow, stages, default)
    bool component = false;                 // GitLab: a CI/CD component for one app, its settings spec:inputs
    std::string loop_guard = "skip-ci";     // skip-ci | paths (GitLab: kanon runs with --no-skip-ci)
    bool http = false;                      // no Argo CD access: wait on the sites
    std::vector<std::string> build_script;  // the image build's commands, after the build contract
    std::string version;                    // kanon's, for the header
    // From kanon.yaml (--config) or the canon's defaults:
    std::string first_stage = "dev";    // released to
    std::string second_stage = "prod";  // promoted to
    std::vector<std::string> release_globs = {"deploy/env/release-dev/*.yaml", "deploy/env/release-prod/*.yaml"};
};

// Usage errors (exit 2) for bad options: app names, gate, loop guard.
Status validate(const CiOptions& o);

// .gitlab-ci.yml (or the fragment, with include; or the CI/CD component,
// templates/kanon-promote.yml, with component: the same jobs, for the app
// named by its `app` input, the flags' values its other inputs).
std::string gitlab(const CiOptions& o);
// The job web-core's own .gitlab-ci.yml needs to start this pipeline for a
// push, with the loop guard (`[skip ci]` honoured, or path rules).
std::string gitlab_trigger(const CiOptions& o, const std::string& project);
// .github/workflows/kanon.yml
std::string github(const CiOptions& o);

}  // namespace kanon::ci
