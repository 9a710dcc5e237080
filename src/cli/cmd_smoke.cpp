// kanon smoke APP --stage S [--url URL] [--path P]... [--timeout D] [--insecure] [--ca FILE]
//
// docs/canon.md "Validate dev": GET each path at the stage's URL and judge
// it (verify/http/smoke.hpp, through flow::smoke_stage). The report goes to
// stdout (a table, or with -o json {"ok", "reason", "steps": [one per
// path]}), progress to stderr.
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/verify.hpp"
#include "flow/stage.hpp"
#include "flow/stage_report.hpp"
#include "util/duration.hpp"
#include "util/signals.hpp"

namespace kanon::cli {
namespace {

struct SmokeFlags {
    ops::SiteOptions site;
    std::vector<std::string> paths;
    std::string timeout;  // empty: kanon.yaml's smoke.timeout (10s)
    bool insecure = false;
    std::string ca_file;
};

Result<ExitCode> run_smoke(const SmokeFlags& f, const Context& ctx)
{
    flow::SmokeRequest request;
    request.site = f.site;
    request.site.config_path = ctx.global.config;
    request.paths = f.paths;
    request.insecure = f.insecure;
    request.ca_file = f.ca_file;
    if (!f.timeout.empty()) {
        auto d = parse_duration(f.timeout, "--timeout");
        if (!d) {
            return d.take_error();  // before any network: a typo is a usage error
        }
        request.timeout = *d;
    }
    catch_interrupts();
    auto r = flow::smoke_stage(request, progress_of(ctx));
    if (!r) {
        return r.take_error();
    }
    if (ctx.json()) {
        ctx.out << flow::smoke_json(r->report, r->site).dump(2) << '\n';
    } else {
        ctx.out << flow::render_smoke_text(r->report, ctx.paint);
    }
    return verify::http::exit_code_of(r->report.outcome);
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
