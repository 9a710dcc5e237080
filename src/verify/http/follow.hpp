// Reaching a page the way a browser would, but one hop at a time: GET the
// URL, and while the answer is a redirect, GET where it points (another host
// included), remembering every URL so that a loop is caught the second time a
// URL comes up, and stopping after a bounded number of redirects. A
// connection that is refused, reset before any answer, or not established in
// time is tried again a few times; a server that accepted and then said
// nothing within the timeout is not (waiting longer would not make it talk).
// Bodies are kept only up to a cap: the checks read their start.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "util/http.hpp"

namespace kanon::verify::http {

struct FetchOptions {
    std::chrono::milliseconds timeout{std::chrono::seconds(10)};  // per request
    int max_redirects = 10;
    int tries = 3;  // per request, for transient connection failures
    std::chrono::milliseconds retry_delay{std::chrono::seconds(1)};
    ::kanon::http::Tls tls;
    std::size_t max_body = std::size_t{1} << 20;  // the rest of a body is not read
    std::function<bool()> interrupted;
    std::function<void(const std::string&)> on_retry;  // "connection failed: ...; trying again (2/3)"
};

// One request of the chain.
struct Hop {
    std::string url;
    long status = 0;                       // 0: no answer
    std::string location;                  // where a redirect pointed, resolved; empty otherwise
    std::chrono::milliseconds elapsed{0};  // of the last try
    int tries = 1;
};

enum class FetchProblem {
    none,           // an answer that is not a redirect (any status)
    transport,      // no answer: see `failure`
    redirect_loop,  // a redirect pointed to a URL already requested
    too_many_redirects,
    forbidden_redirect,  // a redirect to a link-local address (where clouds serve instance metadata)
    interrupted,
};

struct Fetch {
    FetchProblem problem = FetchProblem::none;
    ::kanon::http::Failure failure = ::kanon::http::Failure::none;
    std::string error;                     // what went wrong, for people; empty when problem == none
    std::vector<Hop> hops;                 // every URL requested, in order
    ::kanon::http::Response answer;        // the last answer (status, headers, body up to the cap)
    bool truncated = false;                // the body was longer than the cap
    std::chrono::milliseconds latency{0};  // the sum of the hops' last tries

    [[nodiscard]] bool ok() const { return problem == FetchProblem::none; }
    [[nodiscard]] std::string final_url() const { return hops.empty() ? std::string() : hops.back().url; }
};

Fetch fetch(const std::string& url, const FetchOptions& options);

// `base` (scheme://host[:port][/prefix]) joined with `path` ("/admin").
std::string join_url(const std::string& base, const std::string& path);

// "3.2 s", "45 ms": short durations for reports.
std::string format_ms(std::chrono::milliseconds d);

}  // namespace kanon::verify::http
