#include "sandbox/site.hpp"

#include <httplib.h>

#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "sandbox/loopback.hpp"

namespace kanon::sandbox {

struct Site::Impl {
    SiteOptions options;
    httplib::Server server;
    std::thread listener;
    int port = -1;
    mutable std::mutex mutex;

    Serving now() const
    {
        std::lock_guard lock(mutex);
        return options.serving ? options.serving() : Serving{};
    }

    void routes();
};

void Site::Impl::routes()
{
    server.Get("/", [this](const httplib::Request&, httplib::Response& res) {
        Serving s = now();
        if (!s.up) {
            res.status = 503;
            res.set_content("starting\n", "text/plain; charset=utf-8");
            return;
        }
        res.set_header("X-Release", s.tag);
        res.set_content(fmt::format("<!doctype html>\n<title>{0} ({1})</title>\n<h1>{0}</h1>\n"
                                    "<p>stage: {1}</p>\n<p>release: <code>{2}</code></p>\n",
                                    options.app, options.stage, s.tag),
                        "text/html; charset=utf-8");
    });
    auto admin = [this](const httplib::Request& req, httplib::Response& res) {
        Serving s = now();
        if (!s.up) {
            res.status = 503;
            return;
        }
        res.set_header("X-Release", s.tag);
        res.status = 302;
        if (s.tag.starts_with("loop-")) {
            res.set_header("Location", req.path == "/admin" ? "/admin/" : "/admin");
        } else {
            res.set_header("Location", "/admin/login");
        }
    };
    server.Get("/admin", admin);
    server.Get("/admin/", admin);
    server.Get("/admin/login", [this](const httplib::Request&, httplib::Response& res) {
        Serving s = now();
        res.set_header("X-Release", s.tag);
        res.set_content("<!doctype html>\n<title>Log in</title>\n<form method=post><input name=user></form>\n",
                        "text/html; charset=utf-8");
    });
    server.Get("/healthz",
               [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
}

Site::Site(SiteOptions options) : m_impl(std::make_unique<Impl>())
{
    m_impl->options = std::move(options);
}

Site::~Site()
{
    stop();
}

Status Site::start()
{
    auto& impl = *m_impl;
    impl.server.new_task_queue = [] { return new httplib::ThreadPool(8); };
    impl.server.set_keep_alive_timeout(1);
    impl.routes();
    auto port = listen_on_loopback(impl.server, impl.options.port, impl.listener,
                                   fmt::format("the site of {} {}", impl.options.app, impl.options.stage));
    if (!port) {
        return port.take_error();
    }
    impl.port = *port;
    return ok_status();
}

int Site::port() const
{
    return m_impl->port;
}

std::string Site::url() const
{
    return fmt::format("http://127.0.0.1:{}", m_impl->port);
}

void Site::set_serving(std::function<Serving()> serving)
{
    std::lock_guard lock(m_impl->mutex);
    m_impl->options.serving = std::move(serving);
}

void Site::stop()
{
    if (m_impl->listener.joinable()) {
        m_impl->server.stop();
        m_impl->listener.join();
    }
}

}  // namespace kanon::sandbox
