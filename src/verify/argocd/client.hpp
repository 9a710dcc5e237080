// Argo CD's REST API (CONTRACT.md §1-3) over util/http: GET an Application
// (optionally asking for a refresh, which blocks on the server, so under a
// Grpc-Timeout), POST a sync, and the watch stream in SSE framing. Every call
// is bounded; errors are mapped to messages that say what to do. The token
// travels only in the Authorization header and is never part of a message.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "util/error.hpp"
#include "util/http.hpp"
#include "verify/argocd/stream.hpp"

namespace kanon::verify::argocd {

struct ServerOptions {
    std::string server;  // HOST[:PORT][/rootpath], or a full http(s):// URL
    std::string token;
    bool plaintext = false;
    bool insecure = false;
    std::string ca_file;
    std::string app_namespace;  // empty: the server's own namespace
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
};

// The outcome of one call.
struct Reply {  // NOLINT(bugprone-exception-escape): clang-tidy 14 misreads nlohmann::json's noexcept move constructor
    long status = 0;  // HTTP status; 0 when no answer
    ::kanon::http::Failure failure = ::kanon::http::Failure::none;
    int grpc_code = 0;    // from an error body
    std::string message;  // the server's error message, or the transport's
    nlohmann::json body;  // the parsed body of a 2xx
    [[nodiscard]] bool ok() const { return failure == ::kanon::http::Failure::none && status >= 200 && status < 300; }
    // A 2xx status line arrived: the server took the request, whatever then
    // became of the body (cut short, not JSON). A sync so answered started.
    [[nodiscard]] bool accepted() const { return status >= 200 && status < 300; }
    // 5xx, 429, timeouts, refused connections: worth another try later.
    [[nodiscard]] bool retryable() const;
    // "another operation is already in progress"
    [[nodiscard]] bool operation_in_progress() const;
};

struct SyncRequest {
    std::string revision;  // empty: the app's targetRevision (required on auto-sync apps)
    bool prune = false;
};

class Client {
public:
    explicit Client(ServerOptions options);

    // refresh: "" (none), "normal" or "hard". With a refresh the server
    // blocks until the controller has processed it; `refresh_timeout` bounds
    // that (Grpc-Timeout, and an HTTP timeout a few seconds longer).
    Reply get(const std::string& name, const std::string& project, const std::string& refresh = {},
              std::chrono::seconds refresh_timeout = std::chrono::seconds(30),
              const std::function<bool()>& should_stop = {}) const;
    // `should_stop` cuts the request (failure `stopped`): the server may
    // have started the sync all the same.
    Reply sync(const std::string& name, const std::string& project, const SyncRequest& request,
               const std::function<bool()>& should_stop = {}) const;

    // Opens the watch for one app from `resource_version` and calls
    // `on_message` for each message until the stream ends, `should_stop`
    // says so, or no byte came for `idle` (SSE keepalives come every 15 s).
    Reply watch(const std::string& name, std::uint64_t resource_version,
                const std::function<void(StreamMessage&&)>& on_message, const std::function<bool()>& should_stop,
                std::chrono::milliseconds idle = std::chrono::seconds(45)) const;

    [[nodiscard]] std::string base_url() const { return m_base; }  // never carries credentials
    [[nodiscard]] const ServerOptions& options() const { return m_options; }

private:
    ::kanon::http::Request request(const std::string& method, const std::string& url) const;
    [[nodiscard]] ::kanon::http::Headers app_query(const std::string& name, const std::string& project) const;

    ServerOptions m_options;
    std::string m_base;
};

// The Error a failed call becomes, for `what` ("GET application web-x-dev"),
// with the exit code 1 and a hint for 401/403/404.
Error reply_error(const Reply& reply, const std::string& what, const std::string& app, const std::string& project);

// The base URL for a server as the argocd CLI takes it.
std::string server_url(const std::string& server, bool plaintext);

}  // namespace kanon::verify::argocd
