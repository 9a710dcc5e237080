// What a release is: an image repository and an OCI tag, and the commit
// message that moves one (subject for people, trailers for machines).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "canon/config.hpp"
#include "canon/names.hpp"
#include "util/error.hpp"
#include "yaml/path.hpp"

namespace kanon::canon {

// The trailers kanon writes on every commit, so that history is machine-readable.
inline constexpr std::string_view k_trailer_app = "Kanon-App";
inline constexpr std::string_view k_trailer_stage = "Kanon-Stage";
inline constexpr std::string_view k_trailer_tag = "Kanon-Tag";
inline constexpr std::string_view k_trailer_repository = "Kanon-Repository";
inline constexpr std::string_view k_trailer_from = "Kanon-From";
inline constexpr std::string_view k_trailer_source_ref = "Kanon-Source-Ref";
inline constexpr std::string_view k_trailer_action = "Kanon-Action";
// A release into a stage that takes its releases from another, and why.
inline constexpr std::string_view k_trailer_hotfix = "Kanon-Hotfix";
// A promotion of what a stage ran without kanon having verified it there.
inline constexpr std::string_view k_trailer_unverified = "Kanon-Unverified";
// The manifest digest the registry had for the tag when kanon released it.
inline constexpr std::string_view k_trailer_digest = "Kanon-Digest";

struct ReleaseMessage {
    std::string action;  // release, promote, reset, rollback
    std::string app;
    std::string stage;
    std::string tag;
    std::string repository;  // empty: unchanged
    std::string from;        // promote/reset: the stage the tag came from
    std::string source_ref;  // the web-core commit the image was built from, when known
    std::string note;        // an extra line of body text, optional
    std::string hotfix;      // why a stage with an upstream got a release of its own (one line)
    std::string unverified;  // what was promoted without being verified upstream (one line)
    std::string digest;      // the registry's manifest digest of repository:tag, when it was checked
    bool skip_ci = true;
};

// "release(dev): synestra-io c3e8b0f4 [skip ci]", a blank line, optional
// note, a blank line, then the trailers.
std::string format_message(const ReleaseMessage& m);

// The release keys of a Config (image.repository, image.tag by default),
// parsed once rather than once per file.
struct ReleaseKeys {
    Result<yaml::Path> repository;
    Result<yaml::Path> tag;
    std::optional<Result<yaml::Path>> digest;  // release_keys.digest, when kanon.yaml names one
    explicit ReleaseKeys(const Config& c);
};

// What a release file says: its image repository and tag ("" each when it
// cannot be read), and the first problem met reading them (a key missing,
// not a scalar, the YAML not parsing), if any.
struct ReleaseFields {
    std::string repository;
    std::string tag;
    std::string digest;  // release_keys.digest's value; "" when none is named or the key is not there
    std::optional<Error> problem;
};
ReleaseFields read_release(const ReleaseKeys& keys, const std::string& file, const std::string& text);

// Trailers of a commit message ("Key: value" lines of its last paragraph).
std::map<std::string, std::string> parse_trailers(std::string_view message);

}  // namespace kanon::canon
