// The HTTP side of the simulator. Each route computes a Reply from the
// request and the store, in argocd-server's order of checks: content type
// (middleware), route, token, then RBAC-shaped lookups (§2.1). Held requests
// (refresh, NDJSON watch before its first message) block a worker thread,
// so the pool is large and every wait also watches its client's socket.
#include "sandbox/argocd_sim.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <mutex>
#include <thread>
#include <utility>

#include "sandbox/argocd_store.hpp"
#include "sandbox/argocd_watch.hpp"
#include "sandbox/loopback.hpp"
#include "sandbox/peer_socket.hpp"
#include "util/text.hpp"

namespace kanon::sandbox {

namespace {

constexpr std::size_t k_worker_threads = 48;
constexpr time_t k_keep_alive_seconds = 1;
constexpr std::size_t k_max_body = std::size_t{1024} * 1024;
constexpr std::string_view k_json = "application/json";
// The status logged for a held request whose client hung up (nginx's code).
constexpr int k_client_closed = 499;

struct Reply {
    int status = 200;
    std::string body;
    std::string content_type{k_json};
};

Reply grpc_reply(const wire::GrpcError& error)
{
    return {wire::http_status_for(error.code), wire::unary_error(error)};
}

Reply canned_reply(const CannedReply& canned)
{
    return {canned.status, canned.body, canned.content_type};
}

Reply app_reply(const Json& app)
{
    return {200, wire::to_go_json(app)};
}

// §2.1: without `project` a missing app is "permission denied", so nobody
// learns which apps exist; with it, NotFound.
wire::GrpcError missing_app(const std::string& name, const std::string& project)
{
    if (project.empty()) {
        return {7, "permission denied"};
    }
    return {5, "applications.argoproj.io \"" + name + "\" not found"};
}

}  // namespace

struct ArgoSim::Impl {
    ApplicationStore store;
    SimOptions options;
    httplib::Server server;
    std::thread listener;
    int port = -1;
    mutable std::mutex log_mutex;
    std::vector<std::string> log_lines;
    std::ofstream log_file;

    Impl(Scenario scenario, SimOptions sim_options) : store(std::move(scenario)), options(std::move(sim_options)) {}

    void add_routes();
    void log(const httplib::Request& request, int status);
    void finish(const httplib::Request& request, httplib::Response& response, const Reply& reply);

    [[nodiscard]] std::optional<wire::GrpcError> authenticate(const httplib::Request& request) const;
    std::variant<std::size_t, wire::GrpcError> find_app(const std::string& name, const std::string& app_namespace,
                                                        const std::string& project) const;
    Reply get_reply(const httplib::Request& request);
    Reply refresh_reply(const httplib::Request& request, std::size_t app, const std::string& project,
                        std::optional<Millis> timeout);
    Reply sync_reply(const httplib::Request& request);
    void watch(const httplib::Request& request, httplib::Response& response);
    Watch::Options watch_options(const httplib::Request& request, wire::Framing framing);
};

void ArgoSim::Impl::log(const httplib::Request& request, int status)
{
    // The target is the path and query only: tokens travel in headers.
    std::string line = request.method + " " + request.target + " " + std::to_string(status);
    std::lock_guard lock(log_mutex);
    log_lines.push_back(line);
    if (log_file.is_open()) {
        log_file << line << '\n' << std::flush;
    }
}

void ArgoSim::Impl::finish(const httplib::Request& request, httplib::Response& response, const Reply& reply)
{
    response.status = reply.status;
    response.set_content(reply.body, reply.content_type.c_str());
    log(request, reply.status);
}

std::optional<wire::GrpcError> ArgoSim::Impl::authenticate(const httplib::Request& request) const
{
    if (options.token.empty()) {
        return std::nullopt;
    }
    constexpr std::string_view k_bearer = "Bearer ";
    std::string header = request.get_header_value("Authorization");
    std::string token = header.starts_with(k_bearer) ? header.substr(k_bearer.size()) : std::string{};
    if (!wire::is_jwt_shaped(token)) {
        return wire::GrpcError{16, "no session information"};
    }
    if (token != options.token) {
        return wire::GrpcError{16, "invalid session: token signature is invalid"};
    }
    return std::nullopt;
}

std::variant<std::size_t, wire::GrpcError> ArgoSim::Impl::find_app(const std::string& name,
                                                                   const std::string& app_namespace,
                                                                   const std::string& project) const
{
    auto index = store.find(name, app_namespace);
    auto object = index ? store.current(*index) : nullptr;
    if (!object || (!project.empty() && application::project(*object) != project)) {
        return missing_app(name, project);
    }
    return *index;
}

Reply ArgoSim::Impl::get_reply(const httplib::Request& request)
{
    auto timeout = wire::parse_grpc_timeout(request.get_header_value("Grpc-Timeout"));
    if (!timeout) {
        return grpc_reply({3, timeout.error().message});
    }
    if (auto error = authenticate(request)) {
        return grpc_reply(*error);
    }
    std::string name = request.matches[1];
    std::string app_namespace = request.get_param_value("appNamespace");
    std::string key = request.has_param("project") ? "project" : "projects";
    if (request.get_param_value_count(key.c_str()) > 1) {
        return grpc_reply({3, "only one project may be given"});
    }
    std::string project = request.get_param_value(key.c_str());
    if (auto index = store.find(name, app_namespace)) {
        if (auto fault = store.take_get_fault(*index)) {
            return canned_reply(*fault);
        }
    }
    auto found = find_app(name, app_namespace, project);
    if (auto* error = std::get_if<wire::GrpcError>(&found)) {
        return grpc_reply(*error);
    }
    std::size_t app = std::get<std::size_t>(found);
    if (request.has_param("refresh")) {
        return refresh_reply(request, app, project, *timeout);
    }
    return app_reply(*store.current(app));
}

// §2.2: mark the app, then hold the GET until the controller has published
// a newer object without the mark, or the deadline.
Reply ArgoSim::Impl::refresh_reply(const httplib::Request& request, std::size_t app, const std::string& project,
                                   std::optional<Millis> timeout)
{
    std::string kind = request.get_param_value("refresh") == "hard" ? "hard" : "normal";
    auto after = store.request_refresh(app, kind);
    if (options.on_request) {
        options.on_request();
    }
    auto now = ApplicationStore::Clock::now();
    auto cap = now + store.scenario().hang_cap;
    auto deadline = timeout ? now + *timeout : cap;
    PeerSocket peer(request.local_port, request.remote_port);
    auto outcome = store.wait_refreshed(app, after, std::min(deadline, cap), store.refresh_hangs(app),
                                        [&peer] { return peer.closed(); });
    switch (outcome.end) {
        case ApplicationStore::WaitEnd::refreshed:
            return app_reply(*outcome.object);
        case ApplicationStore::WaitEnd::gone:
            return grpc_reply(missing_app(request.matches[1], project));
        case ApplicationStore::WaitEnd::stopped:
            return grpc_reply({14, "transport is closing"});
        case ApplicationStore::WaitEnd::cancelled:
            return {k_client_closed, "", "text/plain"};
        case ApplicationStore::WaitEnd::timed_out:
            break;
    }
    if (timeout && deadline <= cap) {
        return grpc_reply({4, "context deadline exceeded"});
    }
    return grpc_reply({2, "application refresh deadline exceeded"});
}

Reply ArgoSim::Impl::sync_reply(const httplib::Request& request)
{
    if (auto error = authenticate(request)) {
        return grpc_reply(*error);
    }
    auto parsed = application::parse_sync_request(request.body);
    if (auto* error = std::get_if<wire::GrpcError>(&parsed)) {
        return grpc_reply(*error);
    }
    const auto& sync = std::get<application::SyncRequest>(parsed);
    auto found = find_app(request.matches[1], sync.app_namespace, sync.project);
    if (auto* error = std::get_if<wire::GrpcError>(&found)) {
        return grpc_reply(*error);
    }
    std::size_t app = std::get<std::size_t>(found);
    if (auto fault = store.take_sync_fault(app)) {
        return canned_reply(*fault);
    }
    auto result = store.sync(app, sync);
    if (auto* error = std::get_if<wire::GrpcError>(&result)) {
        return grpc_reply(*error);
    }
    if (options.on_request) {
        options.on_request();
    }
    return app_reply(*std::get<ApplicationStore::Object>(result));
}

Watch::Options ArgoSim::Impl::watch_options(const httplib::Request& request, wire::Framing framing)
{
    Watch::Options wanted;
    wanted.framing = framing;
    wanted.fields = wire::parse_fields(request.get_param_value("fields"));
    wanted.min_version = application::parse_version(request.get_param_value("resourceVersion")).value_or(0);
    if (!request.has_param("name")) {
        wanted.selection.all = true;
        return wanted;
    }
    // A name that does not exist selects nothing: the stream stays silent.
    wanted.selection.app = store.find(request.get_param_value("name"), request.get_param_value("appNamespace"));
    if (wanted.selection.app) {
        wanted.faults = store.take_stream_faults(*wanted.selection.app);
    }
    return wanted;
}

void ArgoSim::Impl::watch(const httplib::Request& request, httplib::Response& response)
{
    auto framing = wire::framing_for_accept(request.get_header_value("Accept"));
    std::string content_type = framing == wire::Framing::sse ? "text/event-stream" : std::string(k_json);
    if (auto error = authenticate(request)) {
        finish(
            request, response,
            {wire::http_status_for(error->code), wire::frame_error(framing, wire::stream_error(*error)), content_type});
        return;
    }
    log(request, 200);
    auto peer = std::make_shared<PeerSocket>(request.local_port, request.remote_port);
    auto watch = std::make_shared<Watch>(store, watch_options(request, framing), [peer] { return peer->closed(); });
    Watch::Chunk first;
    if (framing == wire::Framing::ndjson) {
        // The gateway writes no headers before the first message (§2.3).
        first = watch->next();
        if (first.bytes.empty() && first.end == Watch::End::finish) {
            response.status = 503;
            return;
        }
    } else {
        response.set_header("X-Content-Type-Options", "nosniff");
    }
    response.set_chunked_content_provider(
        content_type, [watch, pending = std::move(first)](std::size_t, httplib::DataSink& sink) mutable {
            while (true) {
                bool have_pending = !pending.bytes.empty() || pending.end != Watch::End::open;
                Watch::Chunk chunk = have_pending ? std::exchange(pending, {}) : watch->next();
                if (!chunk.bytes.empty() && !sink.write(chunk.bytes.data(), chunk.bytes.size())) {
                    return false;
                }
                if (chunk.end == Watch::End::cut) {
                    return false;  // closes the connection with no last chunk
                }
                if (chunk.end == Watch::End::finish) {
                    sink.done();
                    return true;
                }
            }
        });
}

void ArgoSim::Impl::add_routes()
{
    // Middleware first, as argocd-server wraps its gateway (§1.4).
    server.set_pre_routing_handler([this](const httplib::Request& request, httplib::Response& response) {
        if (request.method == "GET" || request.method == "HEAD" ||
            lower(request.get_header_value("Content-Type")) == k_json) {
            return httplib::Server::HandlerResponse::Unhandled;
        }
        finish(request, response, {415, "Invalid content type\n", "text/plain; charset=utf-8"});
        return httplib::Server::HandlerResponse::Handled;
    });
    server.Get(R"(/api/v1/applications/([^/]+))", [this](const httplib::Request& request, httplib::Response& response) {
        finish(request, response, get_reply(request));
    });
    server.Post(R"(/api/v1/applications/([^/]+)/sync)",
                [this](const httplib::Request& request, httplib::Response& response) {
                    finish(request, response, sync_reply(request));
                });
    server.Get("/api/v1/stream/applications",
               [this](const httplib::Request& request, httplib::Response& response) { watch(request, response); });
    auto not_found = [this](const httplib::Request& request, httplib::Response& response) {
        finish(request, response, {404, "Not Found\n", "text/plain; charset=utf-8"});
    };
    server.Get(".*", not_found);
    server.Post(".*", not_found);
    server.Put(".*", not_found);
    server.Patch(".*", not_found);
    server.Delete(".*", not_found);
    server.Options(".*", not_found);
}

ArgoSim::ArgoSim(Scenario scenario, SimOptions options)
    : m_impl(std::make_unique<Impl>(std::move(scenario), std::move(options)))
{
}

ArgoSim::~ArgoSim()
{
    stop();
}

Status ArgoSim::start()
{
    auto& impl = *m_impl;
    if (!impl.options.token.empty() && !wire::is_jwt_shaped(impl.options.token)) {
        return usage_error("the token must look like a JWT (three dot-separated parts)");
    }
    if (!impl.options.log.empty()) {
        impl.log_file.open(impl.options.log, std::ios::app);
        if (!impl.log_file) {
            return Error{"cannot open the request log " + impl.options.log.string()};
        }
    }
    impl.server.new_task_queue = [] { return new httplib::ThreadPool(k_worker_threads); };
    impl.server.set_keep_alive_timeout(k_keep_alive_seconds);
    impl.server.set_payload_max_length(k_max_body);
    impl.add_routes();
    impl.store.start();
    auto port = listen_on_loopback(impl.server, impl.options.port, impl.listener, "the Argo CD simulator");
    if (!port) {
        return port.take_error();
    }
    impl.port = *port;
    return ok_status();
}

int ArgoSim::port() const
{
    return m_impl->port;
}

void ArgoSim::stop()
{
    m_impl->store.stop();
    if (m_impl->listener.joinable()) {
        m_impl->server.stop();
        m_impl->listener.join();
    }
}

std::vector<std::string> ArgoSim::requests() const
{
    std::lock_guard lock(m_impl->log_mutex);
    return m_impl->log_lines;
}

bool ArgoSim::advance(std::string_view app)
{
    return m_impl->store.advance(app);
}

bool ArgoSim::publish(std::string_view app, Json object)
{
    return m_impl->store.publish(app, std::move(object));
}

bool ArgoSim::update(std::string_view app, const std::function<std::optional<Json>(const Json* current)>& change)
{
    return m_impl->store.update(app, change);
}

}  // namespace kanon::sandbox
