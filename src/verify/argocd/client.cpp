#include "verify/argocd/client.hpp"

#include <optional>

#include <fmt/format.h>

#include "util/json.hpp"
#include "util/redact.hpp"

namespace kanon::verify::argocd {

using nlohmann::json;

namespace {

// The message of an error body, unary ({"error":"…","code":N}) or stream
// ({"error":{"grpc_code":…}}); for anything else (a proxy's HTML) the first
// bytes of the body.
void read_error_body(const std::string& body, Reply& reply)
{
    json j = parse_json_bounded(body);
    if (j.is_object() && j.contains("error")) {
        const json& e = j["error"];
        if (e.is_string()) {
            reply.message = string_field(j, "message", e.get<std::string>());
            reply.grpc_code = int_field(j, "code");
            return;
        }
        if (e.is_object()) {
            reply.message = string_field(e, "message");
            reply.grpc_code = int_field(e, "grpc_code");
            return;
        }
    }
    std::string text = body.substr(0, 160);
    for (char& c : text) {
        if (c == '\n' || c == '\r' || c == '\t') {
            c = ' ';
        }
    }
    while (!text.empty() && text.back() == ' ') {
        text.pop_back();
    }
    reply.message = text;
}

Reply reply_from(const ::kanon::http::Response& r, bool parse_body)
{
    Reply reply;
    reply.status = r.status;
    reply.failure = r.failure;
    if (r.failure != ::kanon::http::Failure::none) {
        reply.message = r.error;
        return reply;
    }
    if (r.status >= 200 && r.status < 300) {
        if (parse_body) {
            std::string why;
            reply.body = parse_json_bounded(r.body, &why);
            if (reply.body.is_discarded()) {
                reply.failure = ::kanon::http::Failure::protocol;
                reply.message = "Argo CD's answer was refused: " + why;
            }
        }
        return reply;
    }
    read_error_body(r.body, reply);
    return reply;
}

}  // namespace

bool Reply::retryable() const
{
    switch (failure) {
        case ::kanon::http::Failure::connect:
        case ::kanon::http::Failure::timeout:
        case ::kanon::http::Failure::protocol:
        case ::kanon::http::Failure::resolve:
            return true;
        case ::kanon::http::Failure::none:
            return status >= 500 || status == 429 || status == 408;
        default:
            return false;
    }
}

bool Reply::operation_in_progress() const
{
    return status == 400 && message.find("another operation is already in progress") != std::string::npos;
}

std::string server_url(const std::string& server, bool plaintext)
{
    std::string url = server;
    if (url.find("://") == std::string::npos) {
        url = (plaintext ? "http://" : "https://") + url;
    }
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    return url;
}

Client::Client(ServerOptions options)
    : m_options(std::move(options)), m_base(server_url(m_options.server, m_options.plaintext))
{
    if (!m_options.token.empty()) {
        register_secret(m_options.token);
    }
}

http::Request Client::request(const std::string& method, const std::string& url) const
{
    ::kanon::http::Request r;
    r.method = method;
    r.url = url;
    r.connect_timeout = m_options.connect_timeout;
    r.timeout = m_options.request_timeout;
    r.tls.verify = !m_options.insecure;
    r.tls.ca_file = m_options.ca_file;
    if (!m_options.token.empty()) {
        r.headers.emplace_back("Authorization", "Bearer " + m_options.token);
    }
    return r;
}

http::Headers Client::app_query(const std::string& /*name*/, const std::string& project) const
{
    ::kanon::http::Headers q;
    if (!m_options.app_namespace.empty()) {
        q.emplace_back("appNamespace", m_options.app_namespace);
    }
    if (!project.empty()) {
        q.emplace_back("project", project);
    }
    return q;
}

Reply Client::get(const std::string& name, const std::string& project, const std::string& refresh,
                  std::chrono::seconds refresh_timeout, const std::function<bool()>& should_stop) const
{
    auto q = app_query(name, project);
    if (!refresh.empty()) {
        q.emplace_back("refresh", refresh);
    }
    auto r = request(
        "GET", ::kanon::http::url_with_query(m_base, "/api/v1/applications/" + ::kanon::http::percent_encode(name), q));
    if (!refresh.empty()) {
        r.headers.emplace_back("Grpc-Timeout", fmt::format("{}S", refresh_timeout.count()));
        r.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(refresh_timeout) + std::chrono::seconds(5);
    }
    r.should_stop = should_stop;
    return reply_from(::kanon::http::perform(r), true);
}

Reply Client::sync(const std::string& name, const std::string& project, const SyncRequest& request_,
                   const std::function<bool()>& should_stop) const
{
    json body = json::object();
    body["name"] = name;
    if (!m_options.app_namespace.empty()) {
        body["appNamespace"] = m_options.app_namespace;
    }
    if (!project.empty()) {
        body["project"] = project;
    }
    if (!request_.revision.empty()) {
        body["revision"] = request_.revision;
    }
    body["prune"] = request_.prune;
    body["dryRun"] = false;
    body["strategy"] = {{"hook", json::object()}};
    auto r = request("POST", ::kanon::http::url_with_query(
                                 m_base, "/api/v1/applications/" + ::kanon::http::percent_encode(name) + "/sync", {}));
    r.headers.emplace_back("Content-Type", "application/json");  // exactly this: anything else is a 415
    r.body = body.dump();
    r.should_stop = should_stop;
    return reply_from(::kanon::http::perform(r), true);
}

Reply Client::watch(const std::string& name, std::uint64_t resource_version,
                    const std::function<void(StreamMessage&&)>& on_message, const std::function<bool()>& should_stop,
                    std::chrono::milliseconds idle) const
{
    ::kanon::http::Headers q{{"name", name}};
    if (!m_options.app_namespace.empty()) {
        q.emplace_back("appNamespace", m_options.app_namespace);
    }
    if (resource_version > 0) {
        q.emplace_back("resourceVersion", std::to_string(resource_version));
    }
    auto r = request("GET", ::kanon::http::url_with_query(m_base, "/api/v1/stream/applications", q));
    r.headers.emplace_back("Accept", "text/event-stream");
    r.timeout = std::chrono::milliseconds(0);
    r.idle_timeout = idle;
    r.should_stop = should_stop;

    // The framing follows the answer's Content-Type (a server may ignore the
    // Accept header); an error status keeps its body for the message.
    std::optional<StreamParser> parser;
    std::string error_body;
    r.on_data = [&](std::string_view bytes, const ::kanon::http::Response& so_far) {
        if (so_far.status < 200 || so_far.status >= 300) {
            if (error_body.size() < 4096) {
                error_body.append(bytes.substr(0, 4096 - error_body.size()));
            }
            return true;
        }
        if (!parser) {
            bool sse = so_far.header("content-type").starts_with("text/event-stream");
            parser.emplace(sse ? StreamParser::Framing::sse : StreamParser::Framing::ndjson);
        }
        for (auto& m : parser->feed(bytes)) {
            on_message(std::move(m));
        }
        return !(should_stop && should_stop());
    };
    ::kanon::http::Response response = ::kanon::http::perform(r);
    if (parser) {
        for (auto& m : parser->finish()) {
            on_message(std::move(m));
        }
    }
    Reply reply;
    reply.status = response.status;
    reply.failure = response.failure;
    reply.message = response.error;
    if (response.failure == ::kanon::http::Failure::none && (response.status < 200 || response.status >= 300)) {
        read_error_body(error_body, reply);
    }
    return reply;
}

Error reply_error(const Reply& reply, const std::string& what, const std::string& app, const std::string& project)
{
    Error e;
    e.code = ExitCode::failed;
    if (reply.failure != ::kanon::http::Failure::none) {
        e.message = redact(fmt::format("Argo CD: {} failed: {}", what, reply.message));
        if (reply.failure == ::kanon::http::Failure::tls &&
            reply.message.find("wrong version number") != std::string::npos) {
            e.hint = "the server answered in plain HTTP, not TLS: pass --plaintext (or KANON_ARGOCD_PLAINTEXT=1)";
        } else if (reply.failure == ::kanon::http::Failure::tls) {
            e.hint =
                "the server's certificate is not trusted: pass --argocd-ca FILE, or --insecure to skip verification";
        } else if (reply.failure == ::kanon::http::Failure::connect ||
                   reply.failure == ::kanon::http::Failure::resolve) {
            e.hint = "check --argocd-server / ARGOCD_SERVER (and --plaintext for a server without TLS)";
        }
        return e;
    }
    // Argo CD's own message, unless it only repeats what we say ("permission denied").
    auto detail_for = [&](std::string_view ours) {
        return reply.message.empty() || reply.message == ours ? std::string() : ": " + reply.message;
    };
    std::string detail = detail_for("");
    switch (reply.status) {
        case 401:
            e.message = redact(fmt::format("Argo CD: {}: not authenticated{}", what, detail));
            e.hint = "set ARGOCD_AUTH_TOKEN (or --argocd-token) to a valid, unexpired Argo CD token";
            break;
        case 403:
            e.message = redact(fmt::format("Argo CD: {}: permission denied{}", what, detail_for("permission denied")));
            e.hint =
                project.empty()
                    ? fmt::format(
                          "the token may lack 'applications, get' on {} — or the Application does not exist "
                          "(Argo CD answers 403 for both without a project)",
                          app)
                    : fmt::format("the token needs 'applications, get' (and 'sync' to sync) on {}/{}", project, app);
            break;
        case 404:
            e.message = redact(project.empty()
                                   ? fmt::format("Argo CD: {}: no Application {}{}", what, app, detail)
                                   : fmt::format("Argo CD: {}: no Application {} in project {}", what, app, project));
            e.hint = "check the app and stage names, and the Application's project";
            break;
        default:
            e.message = redact(fmt::format("Argo CD: {}: HTTP {}{}", what, reply.status, detail));
            break;
    }
    return e;
}

}  // namespace kanon::verify::argocd
