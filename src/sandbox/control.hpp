// The sandbox as a background process in a directory: started as `kanon
// sandbox serve` in a session of its own, found again by its pid file (after
// checking that the pid is still that process), described by sandbox.json,
// probed, and stopped. `kanon sandbox` and `kanon demo` render what these
// return.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace kanon::sandbox {

// DIR made absolute and canonical, as the pid check compares it.
std::filesystem::path absolute_dir(const std::string& dir);

// The pid in DIR/sandbox.pid, if that process is still this directory's
// `kanon sandbox serve` (a pid can be reused by anything after a crash).
std::optional<int> running_pid(const std::filesystem::path& dir);

// DIR/sandbox.json: the servers' addresses, the apps and their sites, the
// Argo CD token (never to be printed: see public_info).
Result<nlohmann::ordered_json> read_info(const std::filesystem::path& dir);
// sandbox.json without its token: what output may show.
nlohmann::ordered_json public_info(nlohmann::ordered_json info, const std::filesystem::path& dir);

// The environment a client of the sandbox needs (ARGOCD_SERVER,
// ARGOCD_AUTH_TOKEN, KANON_SANDBOX_REPO), for children only: never printed.
Result<std::map<std::string, std::string>> client_env(const std::filesystem::path& dir);

struct Started {
    int pid = 0;
    nlohmann::ordered_json info;  // sandbox.json once everything answers
};
// Starts `SELF sandbox serve --dir DIR` with `serve_args` and returns once
// sandbox.json says it runs (or the start failed, or `timeout` passed).
// `note` hears the pid as soon as it is known.
Result<Started> start_background(const std::filesystem::path& dir, const std::vector<std::string>& serve_args,
                                 const std::function<void(int pid)>& note,
                                 std::chrono::seconds timeout = std::chrono::seconds(60));

struct Stopped {
    std::optional<int> pid;  // none: nothing ran
    bool killed = false;     // it needed SIGKILL after `timeout`
};
Stopped stop_background(const std::filesystem::path& dir, std::chrono::seconds timeout = std::chrono::seconds(10));

// sandbox.json (public) with "running" and, per app and stage, what its site
// serves and what Argo CD says of its Application (when it runs).
nlohmann::ordered_json probe(const std::filesystem::path& dir, const nlohmann::ordered_json& info, bool running);

}  // namespace kanon::sandbox
