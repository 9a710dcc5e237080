#include "ops/smoke.hpp"

#include <fmt/format.h>

#include "canon/names.hpp"
#include "ops/deployment.hpp"
#include "ops/status.hpp"
#include "util/redact.hpp"
#include "verify/http/smoke.hpp"
#include "yaml/document.hpp"
#include "yaml/edit.hpp"

namespace kanon::ops {

namespace {

// The stage's host in its env layer, or "" when the file does not say.
Result<std::string> env_host(const gitops::Snapshot& snap, const canon::Config& config, const std::string& app,
                             const std::string& stage)
{
    std::string file = config.env_file(app, stage);
    auto files = snap.read({file});
    if (!files) {
        return files.take_error();
    }
    auto it = files->find(file);
    if (it == files->end()) {
        return std::string();
    }
    auto doc = yaml::Stream::parse(it->second, file);
    if (!doc) {
        return doc.take_error();
    }
    auto key = yaml::parse_path(config.host_key);
    if (!key) {
        return key.take_error();
    }
    auto host = yaml::get_scalar(*doc, *key);
    return host ? *host : std::string();
}

}  // namespace

Result<std::string> site_url_at(const gitops::Snapshot& snap, const canon::Config& config, const std::string& app,
                                const std::string& stage)
{
    if (const auto* url = config.app_url(app, stage); url != nullptr) {
        return *url;  // apps.APP.urls.STAGE: no host needed
    }
    auto host = env_host(snap, config, app, stage);
    if (!host) {
        return host.take_error();
    }
    auto it = config.apps.find(app);
    bool has_domain = it != config.apps.end() && !it->second.domain.empty();
    if (host->empty() && !has_domain) {
        return std::string();
    }
    return stage_url(config, app, stage, *host);
}

Result<Site> site_of(const SiteOptions& o)
{
    if (auto st = canon::validate_app_name(o.app); !st) {
        return st.take_error();
    }
    Site site;
    if (!o.url.empty()) {
        if (auto st = verify::http::check_site_url(o.url, "--url"); !st) {
            return st.take_error();
        }
        if (!o.config_path.empty()) {
            auto config = canon::load_config("", o.config_path);
            if (!config) {
                return config.take_error();
            }
            site.config = std::move(*config);
            if (auto st = canon::validate_stage(site.config, o.stage); !st) {
                return st.take_error();
            }
        }
        site.url = o.url;
        site.from = "--url";
        return site;
    }
    auto snap = gitops::Snapshot::fetch(o.target);
    if (!snap) {
        return snap.take_error();
    }
    auto config = config_at_tip(*snap, o.config_path);
    if (!config) {
        return config.take_error();
    }
    site.config = std::move(*config);
    if (auto st = canon::validate_stage(site.config, o.stage); !st) {
        return st.take_error();
    }
    site.from = fmt::format("{} @ {} of {}", snap->branch(), canon::short_sha(snap->commit()), redact(snap->url()));
    if (site.config.app_url(o.app, o.stage) != nullptr) {
        site.from += fmt::format(", kanon.yaml apps.{}.urls.{}", o.app, o.stage);
    }
    auto url = site_url_at(*snap, site.config, o.app, o.stage);
    if (!url) {
        return url.take_error();
    }
    if (url->empty()) {
        return Error{fmt::format("cannot tell the URL of {} in {}: {} has no {} and kanon.yaml no apps.{}.domain",
                                 o.app, o.stage, site.config.env_file(o.app, o.stage), site.config.host_key, o.app),
                     ExitCode::failed,
                     {},
                     fmt::format("give the URL with --url, or in kanon.yaml as apps.{}.urls.{}", o.app, o.stage)};
    }
    site.url = *url;
    if (site.config.app_url(o.app, o.stage) != nullptr) {
        return site;  // checked when kanon.yaml was read
    }
    if (auto st = verify::http::check_site_url(site.url, "the stage URL"); !st) {
        return Error{st.error().message, ExitCode::failed, {}, "check urls.stage in kanon.yaml, or give --url"};
    }
    return site;
}

}  // namespace kanon::ops
