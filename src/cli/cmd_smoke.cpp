// kanon smoke APP --stage S [--url URL] [--path P]... [--timeout D] [--insecure] [--ca FILE]
//
// CANON.md §3 "Validate dev": GET each path at the stage's URL and judge it
// (verify/http/smoke.hpp). The report goes to stdout (a table, or with -o
// json {"ok", "reason", "steps": [one per path]}), progress to stderr.
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "cli/smoke.hpp"
#include "ops/smoke.hpp"
#include "util/duration.hpp"
#include "util/redact.hpp"
#include "util/signals.hpp"
#include "verify/http/smoke.hpp"

namespace kanon::cli {
namespace {

namespace web = verify::http;
using ojson = nlohmann::ordered_json;

std::string chain_text(const web::PathCheck& c)
{
    std::string s;
    for (const auto& h : c.hops) {
        s += (s.empty() ? "" : " -> ") + h.url + " " + (h.status != 0 ? std::to_string(h.status) : std::string("-"));
    }
    return s;
}

}  // namespace

std::string render_smoke_text(const web::SmokeReport& r, const Paint& paint)
{
    std::vector<std::vector<std::string>> rows = {{"PATH", "RESULT", "STATUS", "LATENCY", "HOPS", "FINAL URL"}};
    for (const auto& c : r.checks) {
        rows.push_back({c.path, c.ok ? "ok" : "FAIL", c.status != 0 ? std::to_string(c.status) : "-",
                        web::format_ms(c.latency), std::to_string(c.hops.size()), c.final_url});
    }
    std::string out = render_table(rows, paint);
    for (const auto& c : r.checks) {
        if (c.hops.size() > 1) {
            out += fmt::format("{}: {}\n", c.path, chain_text(c));
        }
        if (!c.ok) {
            out += fmt::format("{}: {}\n", c.path, paint.red(c.reason));
        }
    }
    std::string verdict = r.ok() ? paint.green("smoke passed: ") : paint.red("smoke failed: ");
    out += verdict + r.reason + "\n";
    return out;
}

nlohmann::ordered_json smoke_json(const web::SmokeReport& r, const ops::SiteOptions& site)
{
    ojson j;
    j["ok"] = r.ok();
    j["reason"] = r.reason;
    j["app"] = site.app;
    j["stage"] = site.stage;
    j["url"] = r.base_url;
    j["elapsed_ms"] = r.elapsed.count();
    j["steps"] = ojson::array();
    for (const auto& c : r.checks) {
        ojson s;
        s["path"] = c.path;
        s["url"] = c.url;
        s["ok"] = c.ok;
        s["verdict"] = c.ok ? "pass" : "fail";
        s["reason"] = c.reason;
        s["status"] = c.status != 0 ? ojson(c.status) : ojson(nullptr);
        s["final_url"] = c.final_url;
        s["latency_ms"] = c.latency.count();
        s["hops"] = ojson::array();
        for (const auto& h : c.hops) {
            ojson hop;
            hop["url"] = h.url;
            hop["status"] = h.status != 0 ? ojson(h.status) : ojson(nullptr);
            if (!h.location.empty()) {
                hop["location"] = h.location;
            }
            hop["latency_ms"] = h.elapsed.count();
            hop["tries"] = h.tries;
            s["hops"].push_back(hop);
        }
        j["steps"].push_back(s);
    }
    return j;
}

namespace {

Result<web::SmokeOptions> smoke_options(const SmokeFlags& f, const ops::Site& site, const Context& ctx)
{
    web::SmokeOptions o;
    o.base_url = site.url;
    o.paths = f.paths.empty() ? site.config.smoke_paths : f.paths;
    o.expect = site.config.smoke_expect;
    o.fetch.timeout = site.config.smoke_timeout;
    if (!f.timeout.empty()) {
        auto d = parse_duration(f.timeout, "--timeout");
        if (!d) {
            return d.take_error();
        }
        if (d->count() <= 0) {
            return usage_error("--timeout must be longer than 0");
        }
        o.fetch.timeout = *d;
    }
    o.fetch.tls.verify = !f.insecure;
    o.fetch.tls.ca_file = f.ca_file;
    o.fetch.interrupted = [] { return interrupted(); };
    if (!ctx.global.quiet) {
        o.fetch.on_retry = [&ctx](const std::string& note) { ctx.err << ctx.err_paint.dim("kanon: " + note) << '\n'; };
        o.on_path = [&ctx](const web::PathCheck& c) {
            std::string verdict = c.ok ? ctx.err_paint.green("ok") : ctx.err_paint.red("FAIL");
            ctx.err << fmt::format("kanon: GET {} {} ({}, {})\n", c.path, verdict, c.reason, web::format_ms(c.latency));
        };
    }
    return o;
}

}  // namespace

Result<SmokeRun> smoke_stage(const SmokeFlags& f, const Context& ctx)
{
    for (const auto& p : f.paths) {
        if (p.empty() || p.front() != '/') {
            return usage_error(fmt::format("--path '{}' must start with '/'", p));
        }
    }
    ops::SiteOptions so = f.site;
    so.config_path = ctx.global.config;
    if (!f.timeout.empty()) {
        if (auto d = parse_duration(f.timeout, "--timeout"); !d) {
            return d.take_error();  // before any network: a typo is a usage error
        }
    }
    auto site = ops::site_of(so);
    if (!site) {
        return site.take_error();
    }
    auto o = smoke_options(f, *site, ctx);
    if (!o) {
        return o.take_error();
    }
    catch_interrupts();
    if (!ctx.global.quiet) {
        ctx.err << fmt::format("kanon: smoke {} {} at {} ({}; {} per request)\n", so.app, so.stage, redact(site->url),
                               site->from, web::format_ms(o->fetch.timeout));
    }
    return SmokeRun{so, web::smoke(*o)};
}

namespace {

Result<ExitCode> run_smoke(const SmokeFlags& f, const Context& ctx)
{
    auto r = smoke_stage(f, ctx);
    if (!r) {
        return r.take_error();
    }
    if (ctx.json()) {
        ctx.out << smoke_json(r->report, r->site).dump(2) << '\n';
    } else {
        ctx.out << render_smoke_text(r->report, ctx.paint);
    }
    return web::exit_code_of(r->report.outcome);
}

}  // namespace

void define_smoke(CLI::App& sub, Runner& run)
{
    auto f = std::make_shared<SmokeFlags>();
    sub.add_option("APP", f->site.app, "the app")->required();
    sub.add_option("--stage", f->site.stage, "the stage whose site to check")->required();
    sub.add_option("--url", f->site.url,
                   "check this URL instead of the stage's (scheme, host, port); web-core is then not read");
    sub.add_option("--path", f->paths,
                   "a path to GET; repeat for more (default: kanon.yaml smoke.paths: / and /admin)");
    sub.add_option("--timeout", f->timeout, "per request, like 10s or 500ms (default: kanon.yaml smoke.timeout, 10s)");
    sub.add_flag("--insecure", f->insecure, "do not verify the site's TLS certificate");
    sub.add_option("--ca", f->ca_file, "trust the CA certificates in FILE for the site")->check(CLI::ExistingFile);
    sub.add_option(
           "--repo", f->site.target.repo,
           "web-core: URL or path (default: $KANON_REPO, else the origin of the checkout in the current directory)")
        ->envname("KANON_REPO");
    sub.add_option("--branch", f->site.target.branch, "branch (default: the remote's default branch)");
    sub.callback([&run, f] { run = [f](const Context& ctx) { return run_smoke(*f, ctx); }; });
}

}  // namespace kanon::cli
