// The smoke check of CANON.md §3 ("Validate dev"): GET each path at the
// stage's URL, following redirects hop by hop, and fail on any 5xx, a
// redirect loop or an over-long chain, a connection or TLS failure, or a
// timeout, and on whatever kanon.yaml's `smoke.expect` adds for the path
// (allowed statuses, a body substring, a header). 4xx is not a failure unless
// `expect` lists the statuses: /admin may well answer 401.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "canon/config.hpp"
#include "util/error.hpp"
#include "verify/http/follow.hpp"

namespace kanon::verify::http {

struct PathCheck {
    std::string path;
    std::string url;  // the first URL requested (redacted)
    bool ok = false;
    std::string reason;     // why it passed or failed
    long status = 0;        // of the last answer; 0 when none came
    std::string final_url;  // the last URL requested (redacted)
    std::vector<Hop> hops;  // the chain, first request first
    std::chrono::milliseconds latency{0};
};

struct SmokeOptions {
    std::string base_url;  // scheme://host[:port][/prefix]
    std::vector<std::string> paths;
    std::map<std::string, canon::SmokeExpect, std::less<>> expect;  // by path
    FetchOptions fetch;
    std::function<void(const PathCheck&)> on_path;  // each path as it is judged
};

enum class SmokeOutcome { passed, failed, interrupted };

struct SmokeReport {
    SmokeOutcome outcome = SmokeOutcome::failed;
    std::string reason;
    std::string base_url;  // redacted
    std::vector<PathCheck> checks;
    std::chrono::milliseconds elapsed{0};
    [[nodiscard]] bool ok() const { return outcome == SmokeOutcome::passed; }
};

[[nodiscard]] ExitCode exit_code_of(SmokeOutcome outcome);

// The verdict on one fetched path (pure: the tests feed it answers).
PathCheck judge(const std::string& path, const Fetch& fetched, const canon::SmokeExpect* expect, std::size_t max_body);

SmokeReport smoke(const SmokeOptions& options);

// A URL kanon may check: http:// or https://, a host, no spaces. A usage
// error naming `what` otherwise.
Status check_site_url(const std::string& url, const std::string& what);

}  // namespace kanon::verify::http
