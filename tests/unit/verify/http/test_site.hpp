// Loopback sites for the HTTP checks: a tiny HTTP/1.1 server on
// 127.0.0.1 (one thread per connection, Connection: close) whose answers a
// test scripts with a function of the request target, including answers
// that never come; a port where nothing listens; and a TLS site served by
// `openssl s_server -www` with a self-signed certificate made at test time.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "util/process.hpp"

extern char** environ;

namespace kanon::verify::http::testing {

struct Reply {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body = "ok";
    bool hang = false;   // accept, read the request, never answer
    bool close = false;  // close the connection without a word
};

inline Reply redirect(int status, std::string location)
{
    Reply r;
    r.status = status;
    r.headers = {{"Location", std::move(location)}};
    r.body.clear();
    return r;
}

class TestSite {
public:
    using Handler = std::function<Reply(const std::string& target)>;

    explicit TestSite(Handler handler) : m_handler(std::move(handler))
    {
        m_listen = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(m_listen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        if (::bind(m_listen, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(m_listen, 64) != 0) {
            ADD_FAILURE() << "cannot listen on 127.0.0.1";
        }
        socklen_t len = sizeof addr;
        ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&addr), &len);
        m_port = ntohs(addr.sin_port);
        m_accept = std::thread([this] { accept_loop(); });
    }
    ~TestSite()
    {
        m_stop.store(true);
        m_accept.join();
        std::vector<std::thread> threads;
        {
            std::lock_guard lock(m_mutex);
            threads.swap(m_threads);
        }
        for (auto& t : threads) {
            t.join();
        }
        ::close(m_listen);
    }
    TestSite(const TestSite&) = delete;
    TestSite& operator=(const TestSite&) = delete;

    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
    // The request targets seen so far, in order.
    [[nodiscard]] std::vector<std::string> requests() const
    {
        std::lock_guard lock(m_mutex);
        return m_requests;
    }

private:
    void accept_loop()
    {
        while (!m_stop.load()) {
            pollfd p{m_listen, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) {
                continue;
            }
            int fd = ::accept(m_listen, nullptr, nullptr);
            if (fd < 0) {
                continue;
            }
            std::lock_guard lock(m_mutex);
            m_threads.emplace_back([this, fd] { serve(fd); });
        }
    }

    // Reads the request head; "" when the peer went away or the site stops.
    std::string read_head(int fd)
    {
        std::string head;
        char buf[4096];
        while (head.find("\r\n\r\n") == std::string::npos && !m_stop.load()) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) {
                continue;
            }
            auto n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) {
                return {};
            }
            head.append(buf, static_cast<std::size_t>(n));
        }
        return head;
    }

    void serve(int fd)
    {
        std::string head = read_head(fd);
        auto sp1 = head.find(' ');
        auto sp2 = head.find(' ', sp1 + 1);
        if (head.empty() || sp1 == std::string::npos || sp2 == std::string::npos) {
            ::close(fd);
            return;
        }
        std::string target = head.substr(sp1 + 1, sp2 - sp1 - 1);
        {
            std::lock_guard lock(m_mutex);
            m_requests.push_back(target);
        }
        Reply r = m_handler(target);
        if (r.hang) {
            while (!m_stop.load()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        } else if (!r.close) {
            std::string out = "HTTP/1.1 " + std::to_string(r.status) + " Whatever\r\nConnection: close\r\n";
            out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
            for (const auto& [k, v] : r.headers) {
                out += k + ": " + v + "\r\n";
            }
            out += "\r\n" + r.body;
            std::size_t sent = 0;
            while (sent < out.size()) {
                auto n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
                if (n <= 0) {
                    break;
                }
                sent += static_cast<std::size_t>(n);
            }
        }
        ::close(fd);
    }

    Handler m_handler;
    int m_listen = -1;
    int m_port = 0;
    std::atomic<bool> m_stop{false};
    std::thread m_accept;
    mutable std::mutex m_mutex;
    std::vector<std::thread> m_threads;
    std::vector<std::string> m_requests;
};

// A port on 127.0.0.1 where nothing listens (bound, then released).
inline int closed_port()
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

// A self-signed certificate for 127.0.0.1 and localhost, and its key.
struct Certificate {
    std::string cert;
    std::string key;
};

inline Certificate make_certificate(const std::filesystem::path& dir, const std::string& name)
{
    Certificate c{(dir / (name + ".pem")).string(), (dir / (name + "-key.pem")).string()};
    ProcessSpec spec;
    spec.argv = {"openssl",
                 "req",
                 "-x509",
                 "-newkey",
                 "ec",
                 "-pkeyopt",
                 "ec_paramgen_curve:prime256v1",
                 "-nodes",
                 "-keyout",
                 c.key,
                 "-out",
                 c.cert,
                 "-days",
                 "2",
                 "-subj",
                 "/CN=kanon test site",
                 "-addext",
                 "subjectAltName=IP:127.0.0.1,DNS:localhost"};
    spec.timeout = std::chrono::seconds(20);
    auto r = run_process(spec);
    if (!r || !r->ok()) {
        ADD_FAILURE() << "openssl req failed: " << (r ? r->err : r.error().message);
    }
    return c;
}

// `openssl s_server -www` on a free port of 127.0.0.1: any GET gets 200 and
// a page about the TLS session. Stopped (SIGTERM) by the destructor.
class TlsSite {
public:
    explicit TlsSite(const Certificate& c)
    {
        m_port = closed_port();
        std::vector<std::string> args = {
            "openssl", "s_server", "-quiet", "-www", "-accept", "127.0.0.1:" + std::to_string(m_port),
            "-cert",   c.cert,     "-key",   c.key};
        std::vector<char*> argv;
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
        if (posix_spawnp(&m_pid, "openssl", &actions, nullptr, argv.data(), environ) != 0) {
            m_pid = -1;
        }
        posix_spawn_file_actions_destroy(&actions);
        // Ready when it accepts a connection.
        for (int i = 0; i < 250 && m_pid > 0; ++i) {
            int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            addr.sin_port = htons(static_cast<std::uint16_t>(m_port));
            bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
            ::close(fd);
            if (up) {
                m_ready = true;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    ~TlsSite()
    {
        if (m_pid > 0) {
            ::kill(m_pid, SIGTERM);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
        }
    }
    TlsSite(const TlsSite&) = delete;
    TlsSite& operator=(const TlsSite&) = delete;

    [[nodiscard]] bool ready() const { return m_ready; }
    [[nodiscard]] std::string url() const { return "https://127.0.0.1:" + std::to_string(m_port); }

private:
    pid_t m_pid = -1;
    int m_port = 0;
    bool m_ready = false;
};

}  // namespace kanon::verify::http::testing
