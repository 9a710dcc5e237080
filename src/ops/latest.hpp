// `kanon release APP --latest [--policy P]`: the newest tag of the app's
// image repository under a policy (verify/registry/policy.hpp), read from
// the registry, as an image updater would pick it; then released like any
// tag (or nothing, when the stage runs it already).
#pragma once

#include <string>

#include "canon/config.hpp"
#include "ops/registry_check.hpp"

namespace kanon::ops {

struct LatestPick {
    std::string tag;
    std::size_t tags = 0;        // in the repository
    std::size_t candidates = 0;  // that the policy accepts
    std::string created;         // newest-build: the winner's creation time
    std::string note;            // "1.4.2: the newest of 12 tags by semver:^1 (37 tags in the repository)"
};

// The newest tag, or exit 4 when the policy accepts none (naming a few of
// the tags there are), exit 2 for a malformed policy, exit 1 when the
// registry cannot be read.
Result<LatestPick> pick_latest(const canon::Config& c, const std::string& repository, const std::string& policy,
                               const RegistryAccess& access);

}  // namespace kanon::ops
