#include "gitops/git.hpp"

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "gitops/credentials.hpp"
#include "util/files.hpp"
#include "util/process.hpp"
#include "util/redact.hpp"
#include "util/signals.hpp"
#include "util/text.hpp"

namespace kanon::gitops {
namespace {

std::string command_text(const GitCall& call)
{
    std::string s = "git";
    for (const auto& a : call.args) {
        s += ' ';
        s += a.size() > 80 ? a.substr(0, 77) + "..." : a;
        if (s.size() > 300) {
            s += " ...";
            break;
        }
    }
    return redact(s);
}

ProcessSpec spec_for(const GitCall& call)
{
    ProcessSpec spec;
    spec.argv = {"git"};
    if (!call.git_dir.empty()) {
        spec.argv.push_back("--git-dir=" + call.git_dir);
    }
    spec.argv.insert(spec.argv.end(), call.args.begin(), call.args.end());
    spec.input = call.input;
    spec.cwd = call.cwd;
    spec.timeout = call.timeout;
    if (call.stop_on_signal) {
        spec.stop = [] { return interrupted(); };
    }
    // Never prompt, never translate messages we match on, never page.
    spec.env = {{"GIT_TERMINAL_PROMPT", "0"}, {"LC_ALL", "C"}, {"GIT_PAGER", "cat"}};
    spec.unset_env = {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"};
    // Bounded network waits: a stalled HTTP transfer aborts after 60 s below
    // 1 KB/s; ssh never prompts and gives up connecting after 20 s. (Passed
    // as environment, so nothing is added to the argv users see in errors.)
    // The user's own GIT_CONFIG_* entries come first and are kept (their
    // COUNT also means they chose their own network limits).
    std::map<std::string, std::string> config;
    int count = 0;
    if (const char* user = std::getenv("GIT_CONFIG_COUNT"); user != nullptr) {
        count = std::atoi(user);
    } else {
        config = {{"http.lowSpeedLimit", "1000"}, {"http.lowSpeedTime", "60"}};
    }
    for (const auto& [k, v] : call.config) {
        config[k] = v;
    }
    for (const auto& [k, v] : config) {
        spec.env[fmt::format("GIT_CONFIG_KEY_{}", count)] = k;
        spec.env[fmt::format("GIT_CONFIG_VALUE_{}", count)] = v;
        ++count;
    }
    if (!config.empty()) {
        spec.env["GIT_CONFIG_COUNT"] = std::to_string(count);
    }
    if (std::getenv("GIT_SSH_COMMAND") == nullptr && std::getenv("GIT_SSH") == nullptr) {
        spec.env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes -o ConnectTimeout=20";
    }
    for (const auto& [k, v] : askpass_env()) {
        spec.env[k] = v;
    }
    for (const auto& [k, v] : call.env) {
        spec.env[k] = v;
    }
    return spec;
}

}  // namespace

// The line of git's stderr that says what went wrong (errors are one line):
// the first that is not a warning or a hint, without its "fatal: " prefix.
std::string first_problem(const std::string& err)
{
    for (std::string line : lines(err)) {
        if (line.empty() || line.rfind("warning: ", 0) == 0 || line.rfind("hint: ", 0) == 0) {
            continue;
        }
        for (std::string_view prefix : {"fatal: ", "error: "}) {
            if (line.rfind(prefix, 0) == 0) {
                line.erase(0, prefix.size());
            }
        }
        return line;
    }
    return "no message";
}

Result<GitOutput> git_try(const GitCall& call)
{
    auto r = run_process(spec_for(call));
    if (!r) {
        return Error{redact(r.error().message)};
    }
    if (r->stopped) {
        return Error{fmt::format("interrupted during {}", command_text(call)), ExitCode::interrupted};
    }
    if (r->timed_out) {
        return Error{fmt::format("{} timed out after {}s", command_text(call),
                                 std::chrono::duration_cast<std::chrono::seconds>(call.timeout).count()),
                     ExitCode::failed};
    }
    return GitOutput{r->signal != 0 ? 128 + r->signal : r->exit_code, std::move(r->out), std::move(r->err)};
}

Result<std::string> git(const GitCall& call)
{
    auto r = git_try(call);
    if (!r) {
        return r.take_error();
    }
    if (r->exit_code != 0) {
        std::string err = r->err;
        while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) {
            err.pop_back();
        }
        return Error{fmt::format("{} failed (exit {}): {}{}", command_text(call), r->exit_code,
                                 err.empty() ? "no message" : redact(err),
                                 full_disk_note(!call.git_dir.empty() ? call.git_dir : call.cwd))};
    }
    return std::move(r->out);
}

std::string normalize_remote(const std::string& repo)
{
    if (repo.find("://") != std::string::npos) {
        return repo;
    }
    // scp-like ssh syntax: user@host:path (a ':' before any '/').
    auto colon = repo.find(':');
    auto slash = repo.find('/');
    if (colon != std::string::npos && (slash == std::string::npos || colon < slash)) {
        return repo;
    }
    return "file://" + std::filesystem::absolute(repo).lexically_normal().string();
}

std::map<std::string, std::string> userinfo_config(const std::string& url)
{
    std::string stored = without_userinfo(url);
    if (stored == url) {
        return {};
    }
    return {{"url." + url + ".insteadOf", stored}};
}

std::string without_userinfo(const std::string& url)
{
    auto scheme = url.find("://");
    if (scheme == std::string::npos) {
        return url;
    }
    auto host = scheme + 3;
    auto path = url.find('/', host);
    auto at = url.substr(host, path == std::string::npos ? std::string::npos : path - host).rfind('@');
    if (at == std::string::npos) {
        return url;
    }
    return url.substr(0, host) + url.substr(host + at + 1);
}

}  // namespace kanon::gitops
