// Internal to `kanon init`: what init.cpp (web-core) and init_platform.cpp
// (Secrets and CNPG clusters) share. A run first plans every file (its
// content and the state it will end in), then, unless it is a dry run,
// writes the planned ones; nothing is written when planning fails.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "canon/config.hpp"
#include "ops/init.hpp"
#include "util/process.hpp"
#include "yaml/document.hpp"

namespace kanon::ops::init_detail {

inline constexpr std::string_view k_web_core = "web-core";
inline constexpr std::string_view k_platform = "platform";

struct PlannedFile {
    InitFile file;
    std::string content;   // what is written (a Secret: its skeleton, before sops)
    bool write = false;    // created or overwritten
    bool encrypt = false;  // a Secret skeleton: written only as sops's ciphertext of it
    std::string command;   // a Secret: the command that creates it instead (when kanon does not)
};

// The state of a file of `content` at `root/rel`: created when absent,
// unchanged when equal, else kept (or overwritten with `force`). An
// unreadable file is an error naming it.
Result<PlannedFile> plan_file(const std::string& root, const std::string& rel, std::string_view repo,
                              std::string content, bool force);

// Creates the directories and writes the file atomically.
Status write_planned(const std::string& root, const PlannedFile& f);

// The app a name or path matches in `pattern` (a template with its {stage}
// filled and one {app} left): "web-{app}-dev" and "web-blog-dev" give "blog".
std::optional<std::string> match_app(std::string_view pattern, std::string_view text);

// The apps other than `except` that have the file of a path template (its
// {stage} filled, {app} left), sorted.
std::vector<std::string> apps_with_file(const std::string& root, const std::string& pattern, std::string_view except);

// Parses a file of a repository (errors name `rel`).
Result<yaml::Stream> parse_file(const std::string& root, const std::string& rel);

// The platform side: Secret skeletons (encrypted with sops, or the commands
// that create them) and CNPG clusters. `apps` are the apps web-core has, to
// prefer their objects as models for the new paths.
struct PlatformPlan {
    std::vector<PlannedFile> files;
};
Result<PlatformPlan> plan_platform(const InitOptions& opts, const canon::Config& config,
                                   const std::vector<std::string>& apps);

// Encrypts a written Secret skeleton in place with sops (cwd: the platform
// checkout, so that .sops.yaml's creation_rules match its path). On failure
// the plaintext is deleted, the file marked skipped, its command listed and
// the failure recorded.
Status encrypt_secret(const std::string& platform, PlannedFile& f, InitResult& result);

}  // namespace kanon::ops::init_detail
