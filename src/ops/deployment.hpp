// What a stage should be running, read from web-core, and the judge of the
// revisions Argo CD reports (DESIGN.md, the verification contract, point 1):
// ours is the commit that released the tag, or a descendant of it in which
// the stage's release file still holds that tag. Another app's commit landing
// after ours must not fail the wait; someone else's newer tag for this stage
// means we were superseded.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "canon/config.hpp"
#include "gitops/snapshot.hpp"
#include "verify/argocd/decide.hpp"

namespace kanon::ops {

struct DeploymentOptions {
    gitops::Target target;
    std::string config_path;
    std::string app;
    std::string stage;
    std::string revision;  // R; empty: the commit that last changed the release file
    std::string tag;       // T; empty: what the release file holds at R
};

struct StageTarget {
    std::string app;
    std::string stage;
    std::string application;  // Argo CD Application name (its manifest's metadata.name, else the naming template)
    std::string project;      // its spec.project, when the manifest says
    std::string source_repo;  // its spec.source.repoURL: web-core as Argo CD fetches it
    std::string release_file;
    std::string repository;  // image.repository in the release file
    std::string tag;         // T
    std::string revision;    // R, full SHA
    std::string url;         // the stage's site (apps.APP.urls.STAGE, else urls.stage with the env layer's host)
    std::string repo;        // web-core, redacted
    std::string branch;
};

class Deployment {
public:
    static Result<Deployment> open(const DeploymentOptions& options);

    [[nodiscard]] const StageTarget& target() const { return m_target; }
    [[nodiscard]] const canon::Config& config() const { return m_config; }

    // accept(rev) of CONTRACT.md §6.1, decided with git and remembered.
    verify::argocd::Acceptance judge(const std::string& revision);

private:
    Deployment(gitops::Snapshot snap) : m_snap(std::move(snap)) {}
    Status read_stage(const DeploymentOptions& o);     // the stage's files at the tip
    Status pick_revision(const DeploymentOptions& o);  // R
    Status read_tag(const DeploymentOptions& o);       // T, at R
    Status fetch_depth(int depth);  // the branch's last `depth` commits (moves the local branch to its tip)
    Status deepen();                // 64, then 8x as many
    Status deepen_until(const std::vector<std::string>& commits);
    Result<std::string> last_change();
    Result<std::string> tag_at(const std::string& revision);
    [[nodiscard]] bool has_commit(const std::string& rev) const;

    gitops::Snapshot m_snap;
    canon::Config m_config;
    StageTarget m_target;
    int m_depth = 1;
    bool m_complete = false;  // the whole history is here
    std::map<std::string, verify::argocd::Acceptance> m_verdicts;
};

// The stage's URL: kanon.yaml's `apps.APP.urls.STAGE` when it gives one, else
// `urls.stage` built from the host in the stage's env layer (or the stage's
// host template and the app's domain).
std::string stage_url(const canon::Config& config, const std::string& app, const std::string& stage,
                      const std::string& env_host);

}  // namespace kanon::ops
