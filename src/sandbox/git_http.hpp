// Git's smart HTTP protocol on 127.0.0.1 for tests and the sandbox: every
// request is handed to `git http-backend` as a CGI program (RFC 3875), so
// clone, fetch (protocol v0 and v2) and push behave as against a real forge.
// The bare repositories under `root` are served at /NAME.git; pushes are
// allowed because every request is made as the user "sandbox".
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.hpp"

namespace kanon::sandbox {

struct GitHttpOptions {
    std::filesystem::path root;  // GIT_PROJECT_ROOT: bare repositories under it, served at /NAME.git
    int port = 0;                // 0: any free port
    std::filesystem::path log;   // empty: none; else one line per request "METHOD PATH?QUERY STATUS"
    std::size_t max_body = std::size_t{256} * 1024 * 1024;  // a larger request body is a 413
};

class GitHttpServer {
public:
    explicit GitHttpServer(GitHttpOptions options);
    ~GitHttpServer();
    GitHttpServer(const GitHttpServer&) = delete;
    GitHttpServer& operator=(const GitHttpServer&) = delete;

    // Binds 127.0.0.1 only and serves on its own threads; connections are
    // accepted once it returns.
    Status start();
    [[nodiscard]] int port() const;
    // "http://127.0.0.1:PORT/NAME.git"
    [[nodiscard]] std::string url(std::string_view repo_name) const;
    // Stops accepting, lets running requests finish, joins. Idempotent.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// What a CGI program wrote (RFC 3875 §6): header lines up to the first empty
// line, each ended by CRLF or a bare LF, then the body, byte for byte.
struct CgiResponse {
    int status = 200;  // the `Status:` header; 302 for a bare `Location:`
    std::string content_type;
    std::vector<std::pair<std::string, std::string>> headers;  // the others, in order
    std::string body;
};

// nullopt when the output has no empty line, a header line without a
// colon, or a `Status:` that is not a three-digit code.
std::optional<CgiResponse> parse_cgi_response(std::string_view output);

}  // namespace kanon::sandbox
