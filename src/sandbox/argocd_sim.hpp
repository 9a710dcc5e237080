// An Argo CD API simulator: argocd-server's REST API (Get with refresh, the
// watch stream, Sync) over plain HTTP on 127.0.0.1, serving the Applications
// of a scenario (argocd_scenario.hpp). It follows shared/argocd/CONTRACT.md,
// byte for byte where the contract gives bytes. kanon's tests run it
// in-process; `kanon-argocd-sim` runs it as a program.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/argocd_scenario.hpp"
#include "util/error.hpp"

namespace kanon::sandbox {

struct SimOptions {
    int port = 0;               // 0: any free port
    std::string token;          // empty: no authentication
    std::filesystem::path log;  // empty: no request log file
    // Called after a refresh was requested or a sync accepted, so a
    // controller driving the apps (sandbox::Cluster) can act at once.
    std::function<void()> on_request;
};

class ArgoSim {
public:
    ArgoSim(Scenario scenario, SimOptions options);
    ~ArgoSim();
    ArgoSim(const ArgoSim&) = delete;
    ArgoSim& operator=(const ArgoSim&) = delete;

    // Binds 127.0.0.1, starts the timelines and serves on its own threads.
    // Connections are accepted once it returns.
    Status start();
    [[nodiscard]] int port() const;
    // Ends held requests and streams, then the server. Idempotent.
    void stop();

    // The request log, one "METHOD PATH?QUERY STATUS" line per request.
    [[nodiscard]] std::vector<std::string> requests() const;
    // Fires app's `manual` trigger; false for an unknown app.
    bool advance(std::string_view app);
    // Publishes `object` as app's new state (a MODIFIED event).
    bool publish(std::string_view app, Json object);
    // Read-modify-write of app's object under the store's lock (see
    // ApplicationStore::update); false for an unknown app.
    bool update(std::string_view app, const std::function<std::optional<Json>(const Json* current)>& change);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace kanon::sandbox
