// The sandbox's make-believe cluster: Argo CD's application controller for
// the web-core it serves. It watches a branch of a bare repository, resolves
// each Application's valueFiles at the new revision (chart values, then the
// files in order, as Helm merges them), and walks every app through the
// states of shared/argocd/CONTRACT.md §5 — refresh, OutOfSync, auto-sync
// operation, Succeeded with a stale health, re-assessed, Progressing,
// Healthy — publishing each object through the ArgoSim's store, so kanon
// sees what a real Argo CD would show, in the same order.
//
// Faults come from the deployed tag: `broken-…` never becomes healthy
// (Degraded at the progress deadline, like a crash loop, while the old pods
// keep serving); `loop-…` deploys healthy and its site's /admin redirects in
// a loop (site.hpp).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/argocd_scenario.hpp"
#include "util/error.hpp"

namespace kanon::sandbox {

class ArgoSim;

// How long each transition takes. The defaults make a deploy take about
// three seconds, so a demo moves; a real cluster is slower, not different.
struct ClusterTimings {
    Millis poll{3000};               // compare with git unasked (Argo CD: 120 s + jitter, or a webhook)
    Millis compare{300};             // a refresh request until its comparison is persisted
    Millis operation_start{300};     // an operation requested until it runs
    Millis sync{800};                // an operation running until it succeeds (kubectl apply)
    Millis reassess{300};            // after the operation, until health is re-assessed
    Millis rollout{1500};            // Progressing until Healthy
    Millis progress_deadline{4000};  // Progressing until Degraded, for a tag that never comes up
};

struct ClusterApp {
    std::string app;
    std::string stage;
    std::string name;      // the Application: web-APP-STAGE
    std::string manifest;  // its manifest in the repository: deploy/argocd/apps/STAGE/APP.yaml
    std::string site_url;  // status.summary.externalURLs
};

struct ClusterOptions {
    std::filesystem::path git_dir;  // the bare repository
    std::string branch = "main";
    std::vector<ClusterApp> apps;
    ClusterTimings timings;
};

// What an app's pods serve right now.
struct Serving {
    std::string image;  // repository:tag
    std::string tag;
    std::string revision;  // the commit it was deployed from
    bool up = false;       // false before the cluster has started
};

class Cluster {
public:
    // Reads the branch's tip: every app starts Synced and Healthy on it.
    static Result<std::unique_ptr<Cluster>> open(ClusterOptions options);
    ~Cluster();
    Cluster(const Cluster&) = delete;
    Cluster& operator=(const Cluster&) = delete;

    // For ArgoSim: each app's first object and no timeline (the cluster
    // publishes every later state and consumes refresh requests itself).
    [[nodiscard]] Scenario scenario() const;
    // Starts driving `sim`'s apps on a thread of its own; stop() ends it.
    void start(ArgoSim& sim);
    void stop();
    // Look now (a refresh was requested, a sync accepted).
    void wake();

    [[nodiscard]] Serving serving(std::string_view name) const;

    struct Impl;

private:
    explicit Cluster(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// What a revision says an app should run: the image Helm would render from
// the Application's chart and valueFiles (or why it cannot be rendered).
struct Desired {  // NOLINT(bugprone-exception-escape): clang-tidy 14 misreads nlohmann::json's noexcept move
                  // constructor
    std::string revision;
    std::string image;  // repository:tag
    std::string tag;
    Json spec;          // the Application manifest's spec
    std::string error;  // "": fine
};

// Resolves `apps` at `revision` of the bare repository `git_dir` with two
// `git cat-file --batch` runs. Exposed for tests.
Result<std::vector<Desired>> resolve_apps(const std::filesystem::path& git_dir, const std::string& revision,
                                          const std::vector<ClusterApp>& apps);

}  // namespace kanon::sandbox
