// The bytes of Argo CD's REST API as argocd-server writes them: grpc-gateway
// v1 over Go's encoding/json (shared/argocd/CONTRACT.md §1-3). Pure functions,
// so the simulator's framing and error bodies are tested without a socket.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace kanon::sandbox {

// Applications keep the key order of the fixtures (Go struct order).
using Json = nlohmann::ordered_json;

namespace wire {

// A gRPC status as the gateway turns it into HTTP.
struct GrpcError {
    int code = 2;
    std::string message;
};

// The HTTP status grpc-gateway v1 answers for a gRPC code (runtime/errors.go).
int http_status_for(int grpc_code);
// Go's http.StatusText, e.g. "Service Unavailable".
std::string http_status_text(int http_status);

// Compact JSON as Go's encoding/json writes it: <, >, & and U+2028/U+2029
// escaped inside strings.
std::string to_go_json(const Json& value);

// {"error":"m","code":N,"message":"m"}: the body of every failed unary call.
std::string unary_error(const GrpcError& error);
// {"error":{"grpc_code":N,"http_code":H,"message":"m","http_status":"…"}}:
// how a stream fails, with no trailing newline.
std::string stream_error(const GrpcError& error);

enum class Framing { ndjson, sse };

// `Accept: text/event-stream`, compared as the exact string, selects SSE.
Framing framing_for_accept(std::string_view accept);
// One stream message: ndjson "json\n"; SSE "data: json \n\n" plus the
// gateway's own "\n" delimiter.
std::string frame_message(Framing framing, std::string_view json);
// The closing error of a stream: the envelope with no delimiter after it.
std::string frame_error(Framing framing, std::string_view json);
inline constexpr std::string_view k_sse_keepalive = ":\n";

// `fields=a.b,c.d` (or `fields=-a.b` to exclude) of the stream forwarder.
struct FieldFilter {
    std::set<std::string> fields;
    bool exclude = false;
    [[nodiscard]] bool empty() const { return fields.empty(); }
};
FieldFilter parse_fields(std::string_view query_value);
// The message as the stream forwarder writes it: unfiltered, the original key
// order; filtered, only the listed paths (string-prefix match, arrays
// transparent) with every object's keys sorted, as Go re-marshals a map.
std::string render_message(const FieldFilter& filter, const Json& message);

// `Grpc-Timeout: 30S` (units H M S m u n) as a duration; nullopt when the
// header is absent. A malformed value is an error (the gateway's 400
// "invalid grpc-timeout: …").
Result<std::optional<std::chrono::milliseconds>> parse_grpc_timeout(std::string_view header);

// Argo CD only treats a value with three dot-separated parts as a token.
bool is_jwt_shaped(std::string_view token);

}  // namespace wire
}  // namespace kanon::sandbox
