// Spawned git: every call is an argv, with a timeout, in a clean, non-
// interactive environment; every failure names the git command (URLs
// redacted) and carries git's own stderr.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace kanon::gitops {

struct GitCall {
    std::vector<std::string> args;  // after "git"
    std::string input;
    std::string git_dir;  // --git-dir, or empty
    std::string cwd;
    std::map<std::string, std::string> env;  // extra variables (e.g. GIT_INDEX_FILE)
    // Configuration for this call, passed in the environment
    // (GIT_CONFIG_COUNT/KEY/VALUE): never in the argv, never in a file.
    std::map<std::string, std::string> config;
    std::chrono::milliseconds timeout{std::chrono::seconds(120)};
    // A signal (SIGINT, SIGTERM) kills it at once: for reads (clone, fetch),
    // never for a push, whose outcome must always be known.
    bool stop_on_signal = false;
};

struct GitOutput {
    int exit_code = 0;
    std::string out;
    std::string err;
};

// Runs git; a non-zero exit is an Error naming the command with git's stderr.
Result<std::string> git(const GitCall& call);
// Runs git; a non-zero exit is returned, not an Error (for probes).
Result<GitOutput> git_try(const GitCall& call);

// The line of git's stderr that says what went wrong: the first that is not
// a warning or a hint, without its "fatal: "/"error: " prefix.
std::string first_problem(const std::string& err);

// A URL git can fetch from: plain paths become file:// URLs.
std::string normalize_remote(const std::string& repo);

// The URL without its userinfo ("https://user:pw@host/x" -> "https://host/x"):
// what a kept clone stores in its config. Other URLs are returned as they are.
std::string without_userinfo(const std::string& url);
// The config that lets git use `url`'s credentials while its argv and stored
// config only hold without_userinfo(url) (argv is public: ps shows it):
// url.URL.insteadOf (passed in the environment by git()). Empty without userinfo.
std::map<std::string, std::string> userinfo_config(const std::string& url);

}  // namespace kanon::gitops
