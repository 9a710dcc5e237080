// A web site of the sandbox: one per app and stage, on 127.0.0.1, serving
// whatever the cluster says that stage's pods run. `/` answers the release
// in the body and an `X-Release` header (kanon.yaml's site_version), `/admin`
// redirects to `/admin/login` — except under a `loop-…` tag, where /admin
// and /admin/ redirect to each other forever. Before the cluster runs, it
// answers 503.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "sandbox/cluster.hpp"
#include "util/error.hpp"

namespace kanon::sandbox {

struct SiteOptions {
    std::string app;
    std::string stage;
    int port = 0;                      // 0: any free port
    std::function<Serving()> serving;  // what runs now; may be empty until the cluster starts
};

class Site {
public:
    explicit Site(SiteOptions options);
    ~Site();
    Site(const Site&) = delete;
    Site& operator=(const Site&) = delete;

    Status start();
    [[nodiscard]] int port() const;
    [[nodiscard]] std::string url() const;  // http://127.0.0.1:PORT
    void set_serving(std::function<Serving()> serving);
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace kanon::sandbox
