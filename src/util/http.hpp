// HTTP over libcurl, for Argo CD's API and the web checks: one request at a
// time per call, every call bounded (connect and total timeouts, a cap on
// the body), TLS verified unless asked otherwise, redirects never followed
// (callers that follow them do it hop by hop). Streams deliver their bytes
// to a callback as they arrive. Nothing here logs headers: the bearer token
// lives only in the request.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kanon::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Tls {
    bool verify = true;   // --insecure turns it off
    std::string ca_file;  // extra trust anchors (--argocd-ca, --ca)
};

struct Request {
    std::string method = "GET";
    std::string url;
    Headers headers;
    std::string body;
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // whole transfer; 0 = unbounded (streams)
    std::chrono::milliseconds idle_timeout{0};                    // no byte for this long ends it; 0 = off
    std::size_t max_body = std::size_t{16} << 20;                 // larger bodies fail with too_large
    Tls tls;
    // Streaming: each chunk as it arrives, with the response so far (status
    // and headers are known by then); the body is then not kept. Return
    // false to stop the transfer (failure `stopped`).
    std::function<bool(std::string_view, const struct Response&)> on_data;
    // Polled while the transfer runs; true ends it (failure `stopped`).
    std::function<bool()> should_stop;
    // Refuse to send the request to a link-local address (169.254.0.0/16,
    // fe80::/10: where clouds serve instance metadata and credentials),
    // whatever name resolved to it (failure `forbidden`).
    bool refuse_link_local = false;
};

enum class Failure {
    none,
    resolve,    // the host name does not resolve
    connect,    // refused, unreachable, reset before an answer
    timeout,    // connect, total or idle timeout
    tls,        // certificate or handshake
    too_large,  // the body passed max_body
    stopped,    // on_data or should_stop asked to stop
    forbidden,  // refuse_link_local: the connection went to a link-local address
    protocol,   // a malformed answer, a connection cut mid-body, anything else
};

// An IP address (any form inet_aton takes, or IPv6 in brackets or not) in
// 169.254.0.0/16 or fe80::/10, IPv4-mapped included.
[[nodiscard]] bool is_link_local(std::string_view address);

struct Response {
    Failure failure = Failure::none;
    std::string error;         // what went wrong, with the redacted URL; empty when failure == none
    long status = 0;           // 0 when no answer arrived
    Headers headers;           // names lower-cased, in arrival order
    std::string body;          // empty when streamed through on_data
    std::string redirect_url;  // where a 3xx points, resolved against the request's URL
    std::chrono::milliseconds elapsed{0};
    bool connected = false;  // a TCP connection was made: a timeout came after it, not while connecting

    [[nodiscard]] bool answered() const { return status != 0; }
    // The first value of a header (name lower-case), or "".
    [[nodiscard]] std::string header(std::string_view name) const;
};

// Performs one request. Never throws; transport trouble is in `failure`.
Response perform(const Request& request);

// `base` + `path`, with `query` percent-encoded as key=value pairs in order.
std::string url_with_query(std::string_view base, std::string_view path, const Headers& query);
std::string percent_encode(std::string_view text);

// "connection refused", "timed out", ... for messages.
std::string_view failure_name(Failure f);

}  // namespace kanon::http
