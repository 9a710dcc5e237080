// Error envelopes and stream framing follow grpc-gateway v1.16
// (runtime/errors.go, runtime/handler.go) and argoproj/pkg's stream forwarder
// (grpc/http/forwarders.go), as CONTRACT.md §2.3 and §3 describe them.
#include "sandbox/argocd_wire.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <utility>

namespace kanon::sandbox::wire {

int http_status_for(int grpc_code)
{
    static const std::map<int, int> k_status = {
        {0, 200}, {1, 408},  {2, 500},  {3, 400},  {4, 504},  {5, 404},  {6, 409},  {7, 403},  {8, 429},
        {9, 400}, {10, 409}, {11, 400}, {12, 501}, {13, 500}, {14, 503}, {15, 500}, {16, 401},
    };
    auto it = k_status.find(grpc_code);
    return it == k_status.end() ? 500 : it->second;
}

std::string http_status_text(int http_status)
{
    static const std::map<int, std::string> k_text = {
        {200, "OK"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {408, "Request Timeout"},
        {409, "Conflict"},
        {415, "Unsupported Media Type"},
        {429, "Too Many Requests"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
    };
    auto it = k_text.find(http_status);
    return it == k_text.end() ? std::string{} : it->second;
}

namespace {

// Go's encoding/json escapes these even in compact output (HTML safety). They
// can only occur inside strings, so a plain scan over the text is exact.
std::string escape_like_go(std::string text)
{
    static const std::pair<std::string_view, std::string_view> k_escapes[] = {
        {"<", "\\u003c"}, {">", "\\u003e"}, {"&", "\\u0026"}, {"\xE2\x80\xA8", "\\u2028"}, {"\xE2\x80\xA9", "\\u2029"},
    };
    for (const auto& [from, to] : k_escapes) {
        for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
            text.replace(pos, from.size(), to);
        }
    }
    return text;
}

bool is_prefix_of_a_field(const FieldFilter& filter, const std::string& path)
{
    return std::any_of(filter.fields.begin(), filter.fields.end(),
                       [&](const std::string& field) { return field.starts_with(path); });
}

// Keeps what the forwarder keeps: a listed path whole; an ancestor of a listed
// path filtered further (include mode); anything not listed (exclude mode).
void filter_node(const FieldFilter& filter, const std::string& path, nlohmann::json& node)
{
    if (node.is_array()) {
        for (auto& item : node) {
            filter_node(filter, path, item);
        }
        return;
    }
    if (!node.is_object()) {
        return;
    }
    for (auto it = node.begin(); it != node.end();) {
        std::string key_path = path.empty() ? it.key() : path + "." + it.key();
        bool listed = filter.fields.contains(key_path);
        bool keep = filter.exclude ? !listed : (listed || is_prefix_of_a_field(filter, key_path));
        if (!keep) {
            it = node.erase(it);
            continue;
        }
        if (!listed) {
            filter_node(filter, key_path, it.value());
        }
        ++it;
    }
}

}  // namespace

std::string to_go_json(const Json& value)
{
    return escape_like_go(value.dump());
}

std::string unary_error(const GrpcError& error)
{
    Json body;
    body["error"] = error.message;
    body["code"] = error.code;
    body["message"] = error.message;
    return to_go_json(body);
}

std::string stream_error(const GrpcError& error)
{
    int http_code = http_status_for(error.code);
    Json inner;
    inner["grpc_code"] = error.code;
    inner["http_code"] = http_code;
    inner["message"] = error.message;
    inner["http_status"] = http_status_text(http_code);
    Json body;
    body["error"] = std::move(inner);
    return to_go_json(body);
}

Framing framing_for_accept(std::string_view accept)
{
    return accept == "text/event-stream" ? Framing::sse : Framing::ndjson;
}

std::string frame_message(Framing framing, std::string_view json)
{
    if (framing == Framing::sse) {
        return "data: " + std::string(json) + " \n\n\n";
    }
    return std::string(json) + "\n";
}

std::string frame_error(Framing framing, std::string_view json)
{
    if (framing == Framing::sse) {
        return "data: " + std::string(json) + " \n\n";
    }
    return std::string(json);
}

FieldFilter parse_fields(std::string_view query_value)
{
    FieldFilter filter;
    if (query_value.empty()) {
        return filter;
    }
    if (query_value.front() == '-') {
        filter.exclude = true;
        query_value.remove_prefix(1);
    }
    while (true) {
        auto comma = query_value.find(',');
        filter.fields.emplace(query_value.substr(0, comma));
        if (comma == std::string_view::npos) {
            break;
        }
        query_value.remove_prefix(comma + 1);
    }
    return filter;
}

std::string render_message(const FieldFilter& filter, const Json& message)
{
    if (filter.empty()) {
        return to_go_json(message);
    }
    // Go decodes into map[string]interface{} and marshals it again: sorted keys.
    nlohmann::json sorted = nlohmann::json::parse(message.dump());
    filter_node(filter, "", sorted);
    return escape_like_go(sorted.dump());
}

Result<std::optional<std::chrono::milliseconds>> parse_grpc_timeout(std::string_view header)
{
    using std::chrono::milliseconds;
    if (header.empty()) {
        return std::optional<milliseconds>{};
    }
    Error invalid{"invalid grpc-timeout: " + std::string(header)};
    if (header.size() < 2) {
        return invalid;
    }
    long long amount = 0;
    auto digits = header.substr(0, header.size() - 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), amount);
    if (ec != std::errc{} || end != digits.data() + digits.size()) {
        return invalid;
    }
    amount = std::max(amount, 0LL);
    switch (header.back()) {
        case 'H':
            return std::optional<milliseconds>{std::chrono::hours(amount)};
        case 'M':
            return std::optional<milliseconds>{std::chrono::minutes(amount)};
        case 'S':
            return std::optional<milliseconds>{std::chrono::seconds(amount)};
        case 'm':
            return std::optional<milliseconds>{milliseconds(amount)};
        case 'u':
            return std::optional<milliseconds>{milliseconds(amount / 1000)};
        case 'n':
            return std::optional<milliseconds>{milliseconds(amount / 1000000)};
        default:
            return invalid;
    }
}

bool is_jwt_shaped(std::string_view token)
{
    // util/jwt IsValid: strings.SplitN(token, ".", 3) has three parts.
    return std::count(token.begin(), token.end(), '.') >= 2;
}

}  // namespace kanon::sandbox::wire
