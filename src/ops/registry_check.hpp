// The registry check of a release (kanon.yaml `registry:`): before anything
// is committed, the tag must be in the image's repository; its digest is
// then recorded. Off without the section; `--no-registry-check` skips it for
// one run, and every report says which of the three it was.
#pragma once

#include <string>

#include "canon/config.hpp"
#include "util/error.hpp"
#include "verify/registry/registry.hpp"

namespace kanon::ops {

struct RegistryAccess {
    bool skip = false;  // --no-registry-check
    verify::registry::Transport transport = kanon::http::perform;
    verify::registry::Getenv getenv;  // empty: the process environment
};

struct ImageVerdict {
    enum class State { off, skipped, found };
    State state = State::off;
    std::string digest;  // State::found: the manifest's digest ("" when the registry did not say)
    std::string note;    // one line for people: what was checked, or why not
};

// A client for the registry of `repository`: kanon.yaml's settings for its
// host, the credentials found for it (the environment, docker's config.json).
Result<verify::registry::Client> registry_client(const canon::Config& c, const std::string& repository,
                                                 const RegistryAccess& access);

// repository:tag in its registry. Missing: exit 4 with the nearest tags the
// repository has. Unreachable, refused, TLS: exit 1 (the URL without
// credentials, which credential source was tried).
Result<ImageVerdict> check_image(const canon::Config& c, const std::string& repository, const std::string& tag,
                                 const RegistryAccess& access);

}  // namespace kanon::ops
