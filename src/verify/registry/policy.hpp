// Which tag is the newest: `kanon release APP --latest --policy P`, as image
// updaters choose (Flux's image policies, Argo CD Image Updater):
//   semver[:CONSTRAINT]  tags that are semantic versions (a leading v allowed),
//                        highest first; CONSTRAINT is comparators joined by
//                        spaces (all must hold) and alternatives by ||:
//                        >=1.2.0 <2.0.0, ^1.2, ~1.2.3, 1.x, 1.2.*, =1.2.3;
//                        pre-releases only when the constraint names one
//   calver               YYYY.MM[.DD][.N] (also with - or _), newest first
//   regex:RE             tags RE matches (ECMAScript, whole tag), in natural
//                        order (numbers compared as numbers), last first
//   newest-build         the image whose config says it was created last
//                        (read from the registry: at most 200 candidates)
// A malformed policy is a usage error at its column: "--policy:1:9: ...".
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace kanon::verify::registry {

struct SemVer {
    long long major = 0;
    long long minor = 0;
    long long patch = 0;
    std::vector<std::string> pre;  // dot-separated identifiers; empty for a release
    [[nodiscard]] int compare(const SemVer& other) const;
};
// "1.2.3", "v1.2.3-rc.1+build.5" (build metadata ignored); nullopt otherwise.
std::optional<SemVer> parse_semver(std::string_view tag);

struct Policy {
    enum class Kind { semver, calver, regex, newest_build };
    Kind kind = Kind::semver;
    std::string text;  // as given
    // semver: alternatives of comparator sets
    struct Comparator {
        enum class Op { eq, lt, le, gt, ge };
        Op op = Op::eq;
        SemVer version;
    };
    std::vector<std::vector<Comparator>> any_of;  // empty: every version
    bool allow_pre = false;
    std::optional<std::regex> regex;
    [[nodiscard]] bool accepts(const SemVer& v) const;
};

Result<Policy> parse_policy(std::string_view text);

// The candidates of `tags` under the policy, best first. (newest_build: the
// tags in the registry's order; the caller reads their creation times.)
std::vector<std::string> rank_tags(const Policy& p, const std::vector<std::string>& tags);

// Natural order: digit runs compared as numbers ("1.10" after "1.9").
bool natural_less(const std::string& a, const std::string& b);

}  // namespace kanon::verify::registry
