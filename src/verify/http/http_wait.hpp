// `kanon wait --http`, for CI without Argo CD access (CANON.md §3, step 2):
// poll the stage's URL until it answers without a 5xx and, where the site
// states the release it runs (kanon.yaml `site_version`: a response header,
// a field of a JSON document, or the tag in a page's body), until that
// release is T. Every poll follows redirects hop by hop like the smoke check
// and is bounded by the per-request timeout; transport failures, TLS
// failures included (a certificate may still be being issued), mean "not
// yet". A site that states no release cannot prove a new one: the wait ends
// `unverified` once it answers. The steps mirror verify/argocd/wait.hpp: one per change of what the
// site says, with the time since the start.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "canon/config.hpp"
#include "util/error.hpp"
#include "verify/http/follow.hpp"

namespace kanon::verify::http {

struct HttpWaitStep {
    std::chrono::milliseconds at{0};  // since the wait began
    std::string source;               // the URL polled (redacted)
    std::string state;                // "503", "200 · X-Release 1.4.0", "connection failed", ...
    std::string verdict;              // waiting | success
    std::string reason;
};

struct HttpWaitOptions {
    std::string url;             // the stage's URL: scheme://host[:port][/prefix]
    std::string tag;             // T; empty: any answer without a 5xx will do
    canon::SiteVersion version;  // Config::site_version_of(stage); Source::none: the site does not say
    std::chrono::milliseconds timeout{std::chrono::minutes(10)};
    std::chrono::milliseconds poll{std::chrono::milliseconds(1500)};
    FetchOptions fetch;  // per request: timeout, TLS, redirects (retries: the poll is the retry)
    std::function<void(const HttpWaitStep&)> on_step;  // progress, as it happens
    std::function<bool()> interrupted;
};

// `unverified`: the site answers, but it does not state the release it
// runs (no site_version), so the new pods cannot be told from the old ones:
// up, never "deployed". Its exit code is 4, like any failed verification;
// only a person's --unverified accepts it (cli/), and never as verified.
enum class HttpWaitOutcome { success, unverified, timed_out, interrupted, error };

struct HttpWaitResult {
    HttpWaitOutcome outcome = HttpWaitOutcome::timed_out;
    std::string reason;  // for timed_out: what it was still waiting for
    std::vector<HttpWaitStep> steps;
    long status = 0;             // of the last answer of the stage URL; 0 when none came
    std::string version;         // what the site last said it runs; empty when it did not say
    std::optional<Error> error;  // for HttpWaitOutcome::error (a URL kanon cannot poll)
    std::chrono::milliseconds elapsed{0};
};

[[nodiscard]] ExitCode exit_code_of(HttpWaitOutcome outcome);
[[nodiscard]] const char* outcome_name(HttpWaitOutcome outcome);

HttpWaitResult wait_http(const HttpWaitOptions& options);

// What a fetched page says about the release it runs, for a SiteVersion:
// `found` with the version, or not with a note on what was missing. For
// Source::body, `tag` is looked for as a whole word (not inside 1.20 when
// the tag is 1.2); found means the body mentions it.
struct StatedVersion {
    bool found = false;
    std::string version;
    std::string note;  // "no X-Release header", "no release.tag in /version.json", ...
};
StatedVersion read_version(const canon::SiteVersion& how, const ::kanon::http::Response& answer,
                           const std::string& tag);

}  // namespace kanon::verify::http
