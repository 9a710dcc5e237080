// Running a program from an argv vector (posix_spawnp, never a shell), with
// its stdin fed from a string, stdout and stderr captured, extra environment
// variables, and a timeout after which it is killed.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace kanon {

struct ProcessSpec {
    std::vector<std::string> argv;
    std::string input;
    std::string cwd;                         // empty: inherit
    std::map<std::string, std::string> env;  // set or override
    std::vector<std::string> unset_env;      // remove
    std::chrono::milliseconds timeout{std::chrono::minutes(5)};
    // Asked every 100 ms while the child runs; true kills its process group
    // (for what may be cut short safely: a fetch, never a push).
    std::function<bool()> stop;
};

struct ProcessResult {
    int exit_code = -1;  // -1 when killed by a signal
    int signal = 0;
    bool timed_out = false;
    bool stopped = false;  // ProcessSpec::stop asked for it
    std::string out;
    std::string err;
    [[nodiscard]] bool ok() const { return exit_code == 0 && !timed_out; }
    // "exited with 128", "killed by signal 9", "timed out after 30s"
    [[nodiscard]] std::string status_text() const;
};

// An Error only when the program could not be started or waited for; a
// program that ran and failed is a ProcessResult with exit_code != 0.
Result<ProcessResult> run_process(const ProcessSpec& spec);

// This program's own path (/proc/self/exe), to run kanon's own commands;
// "kanon" (from PATH) when it cannot be read.
std::string self_executable();

// Starts a program in the background, in a session of its own (setsid, so a
// terminal's Ctrl-C does not reach it), stdin from /dev/null, stdout and
// stderr appended to `log`. Returns its pid; `input` and `timeout` are unused.
Result<int> spawn_detached(const ProcessSpec& spec, const std::string& log);

// Runs a program on this process's own stdin, stdout and stderr and waits
// for it: its exit code, or 128+N when signal N ended it. `input` and
// `timeout` are unused.
Result<int> run_attached(const ProcessSpec& spec);

// An argument as a POSIX shell reads it: unchanged when it is plain, else in
// single quotes. For the commands kanon prints for people to run (never run
// through a shell by kanon itself).
std::string shell_quote(const std::string& arg);

}  // namespace kanon
