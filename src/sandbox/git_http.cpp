// Every request becomes one `git http-backend` run (RFC 3875): the request
// line and a few headers become its environment, the body its stdin, and its
// stdout a CGI response that is parsed and sent back. Nothing of this
// process's environment reaches the child except PATH and HOME, so a GIT_DIR
// or GIT_CONFIG_* set around the tests cannot redirect the repositories.
//
// The body is whole in memory both ways (run_process works on strings), which
// is fine for a sandbox: requests are capped at 256 MiB. cpp-httplib has
// already undone a gzip Content-Encoding by the time a handler sees the body
// (it is built with zlib), so the child is told about an encoding only when
// the body still carries it.
//
// SIGPIPE: httplib 0.11 writes sockets without MSG_NOSIGNAL, and a child that
// exits without reading all of its stdin (a POST to a missing repository)
// leaves run_process writing to a closed pipe. Both are safe only because
// httplib::Server's constructor sets SIGPIPE to SIG_IGN for the whole process
// (run_process gives the child the default back). The test that posts to a
// missing repository dies, on some runs, without it.
#include "sandbox/git_http.hpp"

#include <httplib.h>
#include <sys/socket.h>
#include <atomic>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "sandbox/loopback.hpp"
#include "util/process.hpp"
#include "util/text.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace kanon::sandbox {

namespace {

constexpr std::size_t k_git_workers = 16;
constexpr time_t k_git_keep_alive_seconds = 2;
constexpr std::size_t k_keep_alive_requests = 100;
constexpr std::chrono::minutes k_request_timeout{5};
constexpr const char* k_plain = "text/plain; charset=utf-8";

std::string_view trim(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

// "404 Not Found" -> 404.
std::optional<int> parse_status(std::string_view value)
{
    if (value.size() < 3 || (value.size() > 3 && value[3] != ' ')) {
        return std::nullopt;
    }
    int code = 0;
    for (char c : value.substr(0, 3)) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        code = code * 10 + (c - '0');
    }
    return code >= 100 ? std::optional<int>(code) : std::nullopt;
}

// Headers httplib writes itself from the body it is given.
bool is_framing_header(std::string_view name)
{
    return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Connection") ||
           iequals(name, "Keep-Alive");
}

// A ".." segment, decoded: http-backend refuses them too, but the server
// should not depend on that. A NUL could not travel in PATH_INFO at all.
bool is_unsafe_path(std::string_view path)
{
    if (path.find('\0') != std::string_view::npos) {
        return true;
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = std::min(path.find('/', start), path.size());
        if (path.substr(start, end - start) == "..") {
            return true;
        }
        start = end + 1;
    }
    return false;
}

bool is_gzip(std::string_view body)
{
    return body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f &&
           static_cast<unsigned char>(body[1]) == 0x8b;
}

std::string query_of(const std::string& target)
{
    auto mark = target.find('?');
    return mark == std::string::npos ? std::string{} : target.substr(mark + 1);
}

// Every variable of this process's environment but PATH and HOME.
std::vector<std::string> inherited_names()
{
    std::vector<std::string> names;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        std::string name(text.substr(0, text.find('=')));
        if (name != "PATH" && name != "HOME") {
            names.push_back(std::move(name));
        }
    }
    return names;
}

}  // namespace

std::optional<CgiResponse> parse_cgi_response(std::string_view output)
{
    CgiResponse response;
    bool status_given = false;
    bool location_given = false;
    std::size_t at = 0;
    for (;;) {
        std::size_t end = output.find('\n', at);
        if (end == std::string_view::npos) {
            return std::nullopt;  // no empty line: not a CGI response
        }
        std::string_view line = output.substr(at, end - at);
        at = end + 1;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty()) {
            break;
        }
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            return std::nullopt;
        }
        std::string_view name = trim(line.substr(0, colon));
        std::string_view value = trim(line.substr(colon + 1));
        if (iequals(name, "Status")) {
            auto code = parse_status(value);
            if (!code) {
                return std::nullopt;
            }
            response.status = *code;
            status_given = true;
        } else if (iequals(name, "Content-Type")) {
            response.content_type = value;
        } else {
            location_given = location_given || iequals(name, "Location");
            response.headers.emplace_back(name, value);
        }
    }
    if (location_given && !status_given) {
        response.status = 302;
    }
    response.body = output.substr(at);
    return response;
}

struct GitHttpServer::Impl {
    GitHttpOptions options;
    httplib::Server server;
    std::thread listener;
    // Set once the listener runs, read by its workers: a request can only come
    // once the port is known, but that ordering goes through the kernel,
    // where TSan cannot see it.
    std::atomic<int> port{-1};
    std::mutex log_mutex;
    std::ofstream log_file;

    explicit Impl(GitHttpOptions git_options) : options(std::move(git_options)) {}

    void receive(const httplib::Request& request, httplib::Response& response,
                 const httplib::ContentReader& read) const;
    void serve(const httplib::Request& request, const std::string& body, httplib::Response& response) const;
    [[nodiscard]] std::map<std::string, std::string> cgi_environment(const httplib::Request& request,
                                                                     const std::string& body) const;
    void log(const httplib::Request& request, const httplib::Response& response);
};

std::map<std::string, std::string> GitHttpServer::Impl::cgi_environment(const httplib::Request& request,
                                                                        const std::string& body) const
{
    std::map<std::string, std::string> env{
        {"GIT_PROJECT_ROOT", options.root.string()},
        {"GIT_HTTP_EXPORT_ALL", "1"},
        {"GATEWAY_INTERFACE", "CGI/1.1"},
        {"SERVER_SOFTWARE", "kanon-git-http"},
        {"SERVER_NAME", k_loopback},
        {"SERVER_PORT", std::to_string(port)},
        {"SERVER_PROTOCOL", request.version.empty() ? std::string("HTTP/1.1") : request.version},
        {"REQUEST_METHOD", request.method},
        {"SCRIPT_NAME", ""},
        {"PATH_INFO", request.path},
        {"QUERY_STRING", query_of(request.target)},
        {"REMOTE_ADDR", k_loopback},
        {"REMOTE_USER", "sandbox"},  // http-backend allows receive-pack only to a known user
    };
    if (request.method == "POST" || !body.empty()) {
        env["CONTENT_LENGTH"] = std::to_string(body.size());
    }
    if (request.has_header("Content-Type")) {
        env["CONTENT_TYPE"] = request.get_header_value("Content-Type");
    }
    // Git gzips larger upload-pack requests; httplib has usually inflated
    // them already, and inflating twice would fail.
    if (request.has_header("Content-Encoding") && is_gzip(body)) {
        env["HTTP_CONTENT_ENCODING"] = request.get_header_value("Content-Encoding");
    }
    if (request.has_header("Git-Protocol")) {
        env["GIT_PROTOCOL"] = request.get_header_value("Git-Protocol");  // "version=2"
    }
    return env;
}

// httplib 0.11 holds a Content-Length body to the payload limit itself but
// not a chunked one (git sends pushes over 1 MiB chunked), so POST bodies
// are read here. Past the limit the rest is read and dropped: a client reads
// the reply only once it has sent everything, and a socket closed on unread
// data would reset the connection before the 413 arrived.
void GitHttpServer::Impl::receive(const httplib::Request& request, httplib::Response& response,
                                  const httplib::ContentReader& read) const
{
    std::string body;
    bool too_large = false;
    bool complete = read([&](const char* data, std::size_t size) {
        if (!too_large && size <= options.max_body - body.size()) {
            body.append(data, size);
        } else if (!too_large) {
            too_large = true;
            std::string().swap(body);
        }
        return true;
    });
    if (too_large || response.status == 413) {
        response.status = 413;
        response.set_content("the request body is over " + std::to_string(options.max_body) + " bytes\n", k_plain);
        return;
    }
    if (!complete) {
        response.status = 400;
        response.set_content("the request body could not be read\n", k_plain);
        return;
    }
    serve(request, body, response);
}

void GitHttpServer::Impl::serve(const httplib::Request& request, const std::string& body,
                                httplib::Response& response) const
{
    if (is_unsafe_path(request.path)) {
        response.status = 400;
        response.set_content("a path must not contain \"..\"\n", k_plain);
        return;
    }
    ProcessSpec spec;
    spec.argv = {"git", "http-backend"};
    spec.input = body;
    spec.env = cgi_environment(request, body);
    spec.unset_env = inherited_names();
    spec.timeout = k_request_timeout;
    auto ran = run_process(spec);
    if (!ran) {
        response.status = 500;
        response.set_content(ran.error().message + "\n", k_plain);
        return;
    }
    if (ran->timed_out) {
        response.status = 504;
        response.set_content("git http-backend timed out\n", k_plain);
        return;
    }
    auto cgi = parse_cgi_response(ran->out);
    if (!cgi) {
        response.status = 502;
        response.set_content("git http-backend " + ran->status_text() + " without a CGI response\n", k_plain);
        return;
    }
    response.status = cgi->status;
    for (const auto& [name, value] : cgi->headers) {
        if (!is_framing_header(name)) {
            response.set_header(name.c_str(), value);
        }
    }
    if (!cgi->content_type.empty()) {
        response.set_header("Content-Type", cgi->content_type);
    }
    response.body = std::move(cgi->body);
}

void GitHttpServer::Impl::log(const httplib::Request& request, const httplib::Response& response)
{
    if (!log_file.is_open()) {
        return;
    }
    // The target is the path and query only: credentials travel in headers.
    std::string line = request.method + " " + request.target + " " + std::to_string(response.status) + "\n";
    std::lock_guard lock(log_mutex);
    log_file << line << std::flush;
}

GitHttpServer::GitHttpServer(GitHttpOptions options) : m_impl(std::make_unique<Impl>(std::move(options)))
{
}

GitHttpServer::~GitHttpServer()
{
    stop();
}

Status GitHttpServer::start()
{
    auto& impl = *m_impl;
    if (impl.listener.joinable()) {
        return Error{"the git HTTP server is already running"};
    }
    std::error_code ec;
    impl.options.root = std::filesystem::absolute(impl.options.root, ec);
    if (ec || !std::filesystem::is_directory(impl.options.root, ec)) {
        return Error{"the git project root " + impl.options.root.string() + " is not a directory"};
    }
    if (!impl.options.log.empty()) {
        impl.log_file.open(impl.options.log, std::ios::app);
        if (!impl.log_file) {
            return Error{"cannot open the request log " + impl.options.log.string()};
        }
    }
    impl.server.new_task_queue = [] { return new httplib::ThreadPool(k_git_workers); };
    impl.server.set_keep_alive_timeout(k_git_keep_alive_seconds);
    impl.server.set_keep_alive_max_count(k_keep_alive_requests);
    impl.server.set_payload_max_length(impl.options.max_body);
    impl.server.set_logger(
        [&impl](const httplib::Request& request, const httplib::Response& response) { impl.log(request, response); });
    impl.server.Get(".*", [&impl](const httplib::Request& request, httplib::Response& response) {
        impl.serve(request, request.body, response);  // HEAD too
    });
    impl.server.Post(".*", [&impl](const httplib::Request& request, httplib::Response& response,
                                   const httplib::ContentReader& read) { impl.receive(request, response, read); });
    auto port = listen_on_loopback(impl.server, impl.options.port, impl.listener, "the git HTTP server");
    if (!port) {
        return port.take_error();
    }
    impl.port = *port;
    return ok_status();
}

int GitHttpServer::port() const
{
    return m_impl->port;
}

std::string GitHttpServer::url(std::string_view repo_name) const
{
    return "http://127.0.0.1:" + std::to_string(m_impl->port) + "/" + std::string(repo_name) + ".git";
}

void GitHttpServer::stop()
{
    if (m_impl->listener.joinable()) {
        m_impl->server.stop();
        m_impl->listener.join();
    }
}

}  // namespace kanon::sandbox
