#include "sandbox/control.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>

#include "util/files.hpp"
#include "util/http.hpp"
#include "util/process.hpp"
#include "util/redact.hpp"
#include "verify/argocd/application.hpp"
#include "verify/argocd/client.hpp"

namespace kanon::sandbox {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;
using namespace std::chrono_literals;

bool alive(int pid)
{
    return ::kill(pid, 0) == 0 || errno == EPERM;
}

std::vector<std::string> nul_separated(const std::string& text)
{
    std::vector<std::string> args;
    std::string arg;
    for (char c : text) {
        if (c == '\0') {
            args.push_back(arg);
            arg.clear();
        } else {
            arg += c;
        }
    }
    return args;
}

// The last 2000 bytes of the sandbox's log, redacted.
std::string log_tail(const fs::path& dir)
{
    auto log = read_file((dir / "sandbox.log").string());
    std::string tail = log ? *log : std::string{};
    if (tail.size() > 2000) {
        tail = tail.substr(tail.size() - 2000);
    }
    return redact(tail);
}

}  // namespace

fs::path absolute_dir(const std::string& dir)
{
    return fs::weakly_canonical(fs::absolute(dir));
}

std::optional<int> running_pid(const fs::path& dir)
{
    auto text = read_file((dir / "sandbox.pid").string());
    if (!text) {
        return std::nullopt;
    }
    int pid = std::atoi(text->c_str());
    if (pid <= 1) {
        return std::nullopt;
    }
    auto cmdline = read_file(fmt::format("/proc/{}/cmdline", pid));
    if (!cmdline) {
        return std::nullopt;
    }
    auto args = nul_separated(*cmdline);
    bool serve = false;
    bool same_dir = false;
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
        serve = serve || (args[i] == "sandbox" && args[i + 1] == "serve");
        same_dir = same_dir || (args[i] == "--dir" && args[i + 1] == dir.string());
    }
    if (!serve || !same_dir) {
        return std::nullopt;
    }
    return pid;
}

Result<ojson> read_info(const fs::path& dir)
{
    auto text = read_file((dir / "sandbox.json").string());
    if (!text) {
        return Error{fmt::format("no sandbox in {}", dir.string()),
                     ExitCode::failed,
                     {},
                     fmt::format("start one with 'kanon sandbox up --dir {}'", dir.string())};
    }
    auto j = ojson::parse(*text, nullptr, false);
    // What every reader of it takes for granted: checked once, here.
    bool shaped = !j.is_discarded() && j.is_object() && j.contains("repo") && j["repo"].is_string() &&
                  j.contains("argocd") && j["argocd"].is_object() && j["argocd"].contains("server") &&
                  j["argocd"]["server"].is_string() && j.contains("sites") && j["sites"].is_object() &&
                  j.contains("apps") && j["apps"].is_array();
    if (shaped) {
        for (const auto& [app, stages] : j["sites"].items()) {
            shaped = shaped && stages.is_object() &&
                     std::all_of(stages.begin(), stages.end(), [](const ojson& url) { return url.is_string(); });
        }
        for (const auto& a : j["apps"]) {
            shaped = shaped && a.is_object() && a.contains("app") && a["app"].is_string();
        }
    }
    if (!shaped) {
        return Error{fmt::format("{}: not a sandbox description", (dir / "sandbox.json").string())};
    }
    return j;
}

ojson public_info(ojson info, const fs::path& dir)
{
    if (info.contains("argocd") && info["argocd"].contains("token")) {
        info["argocd"].erase("token");
        info["argocd"]["token_file"] = (dir / "argocd.token").string();
    }
    return info;
}

Result<std::map<std::string, std::string>> client_env(const fs::path& dir)
{
    auto info = read_info(dir);
    if (!info) {
        return info.take_error();
    }
    auto text = [&](const ojson& j) { return j.is_string() ? j.get<std::string>() : std::string(); };
    std::map<std::string, std::string> env = {
        {"ARGOCD_SERVER", text((*info)["argocd"]["server"])},
        {"ARGOCD_AUTH_TOKEN", text((*info)["argocd"]["token"])},
        {"KANON_SANDBOX_REPO", text((*info)["repo"])},
    };
    if (env["ARGOCD_SERVER"].empty() || env["KANON_SANDBOX_REPO"].empty()) {
        return Error{fmt::format("{}: no Argo CD server or repository in it", (dir / "sandbox.json").string())};
    }
    return env;
}

Result<Started> start_background(const fs::path& dir, const std::vector<std::string>& serve_args,
                                 const std::function<void(int pid)>& note, std::chrono::seconds timeout)
{
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        return Error{fmt::format("cannot create {}: {}", dir.string(), ec.message())};
    }
    ProcessSpec spec;
    spec.argv = {self_executable(), "sandbox", "serve", "--dir", dir.string()};
    spec.argv.insert(spec.argv.end(), serve_args.begin(), serve_args.end());
    spec.cwd = dir.string();
    // The servers need none of the caller's secrets.
    spec.unset_env = {"ARGOCD_AUTH_TOKEN", "KANON_GIT_TOKEN", "CI_JOB_TOKEN", "GIT_DIR", "GIT_WORK_TREE"};
    auto pid = spawn_detached(spec, (dir / "sandbox.log").string());
    if (!pid) {
        return pid.take_error();
    }
    if (auto st = write_file_atomic((dir / "sandbox.pid").string(), std::to_string(*pid) + "\n"); !st) {
        ::kill(*pid, SIGTERM);
        return st.take_error();
    }
    if (note) {
        note(*pid);
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        int status = 0;
        if (::waitpid(*pid, &status, WNOHANG) == *pid) {
            std::error_code ignored;
            fs::remove(dir / "sandbox.pid", ignored);
            return Error{fmt::format("the sandbox stopped while starting:\n{}", log_tail(dir))};
        }
        auto j = read_info(dir);
        if (j && j->value("pid", 0L) == *pid) {
            return Started{*pid, std::move(*j)};
        }
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(*pid, SIGTERM);
            return Error{fmt::format("the sandbox did not start within {}s; see {}", timeout.count(),
                                     (dir / "sandbox.log").string()),
                         ExitCode::timed_out};
        }
        std::this_thread::sleep_for(50ms);
    }
}

Stopped stop_background(const fs::path& dir, std::chrono::seconds timeout)
{
    Stopped s;
    s.pid = running_pid(dir);
    std::error_code ec;
    if (!s.pid) {
        fs::remove(dir / "sandbox.pid", ec);
        return s;
    }
    ::kill(*s.pid, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (alive(*s.pid) && running_pid(dir)) {
        if (std::chrono::steady_clock::now() > deadline && !s.killed) {
            ::kill(*s.pid, SIGKILL);
            s.killed = true;
        }
        std::this_thread::sleep_for(20ms);
    }
    fs::remove(dir / "sandbox.pid", ec);
    return s;
}

ojson probe(const fs::path& dir, const ojson& info, bool running)
{
    ojson report = public_info(info, dir);
    report["running"] = running;
    ojson apps = ojson::array();
    verify::argocd::ServerOptions server;
    server.server = info["argocd"]["server"].get<std::string>();
    server.token = info["argocd"].value("token", std::string{});
    server.plaintext = true;
    server.request_timeout = 3s;
    server.connect_timeout = 1s;
    register_secret(server.token);
    verify::argocd::Client client(server);
    for (const auto& [app, stages] : info["sites"].items()) {
        for (const auto& [stage, url] : stages.items()) {
            ojson row{{"app", app}, {"stage", stage}, {"url", url}};
            if (running) {
                http::Request get;
                get.url = url.get<std::string>() + "/";
                get.timeout = 3s;
                auto r = http::perform(get);
                row["serving"] = r.answered() ? ojson(r.header("x-release")) : ojson(nullptr);
                auto reply = client.get(fmt::format("web-{}-{}", app, stage), "");
                if (reply.ok()) {
                    auto a = verify::argocd::read_application(reply.body, info["repo"].get<std::string>());
                    if (a) {
                        row["sync"] = a->sync_status;
                        row["health"] = a->health_status;
                        row["revision"] = a->sync_revision;
                        row["operation_running"] = a->operation;
                    }
                }
            }
            apps.push_back(row);
        }
    }
    report["stages"] = apps;
    return report;
}

}  // namespace kanon::sandbox
