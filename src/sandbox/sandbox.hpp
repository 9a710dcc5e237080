// The sandbox: everything kanon talks to, on 127.0.0.1, in one process —
// a git server (smart HTTP through `git http-backend`) holding a web-core in
// the canon, the Argo CD API simulator driven by the Cluster (which deploys
// from that web-core), and a site per app and stage. `kanon sandbox up`
// runs it in the background (`kanon sandbox serve`), `down` stops it by pid.
//
// The directory D holds: git/web-core.git, argocd.token (0600), the logs
// (sandbox.log, argocd.log, git.log), sandbox.pid, and sandbox.json:
//   {"repo": URL, "argocd": {"server": "HOST:PORT", "token": "...",
//    "plaintext": true}, "sites": {APP: {"dev": URL, "prod": URL}}, "pid": N, ...}
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sandbox/cluster.hpp"
#include "util/error.hpp"

namespace kanon::sandbox {

struct SandboxOptions {
    std::filesystem::path dir;
    int apps = 2;
    ClusterTimings timings;
};

// The sandbox's app names: synestra-io first, then others; their prod domains.
std::vector<std::pair<std::string, std::string>> sandbox_apps(int count);

// A fresh bare web-core at `git_dir` in the canon for `apps` (name, domain),
// with a kanon.yaml naming each stage's site URL, and each Application's
// repoURL `repo_url`. One commit on main.
Status create_webcore(const std::filesystem::path& git_dir, const std::string& repo_url,
                      const std::vector<std::pair<std::string, std::string>>& apps,
                      const std::vector<std::pair<std::string, std::string>>& site_urls);

class Sandbox {
public:
    // Starts every server (the ports of an earlier run of the same
    // directory when they are free), creates web-core unless it exists, and
    // writes sandbox.json last: once it exists, everything answers.
    static Result<std::unique_ptr<Sandbox>> start(const SandboxOptions& options);
    ~Sandbox();
    Sandbox(const Sandbox&) = delete;
    Sandbox& operator=(const Sandbox&) = delete;

    [[nodiscard]] const nlohmann::ordered_json& info() const;
    void stop();

    struct Impl;

private:
    explicit Sandbox(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace kanon::sandbox
