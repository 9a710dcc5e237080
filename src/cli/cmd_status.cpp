// kanon status [APP...] [--repo URL|PATH] [--branch NAME]
#include <memory>

#include <CLI/CLI.hpp>

#include "canon/names.hpp"
#include "cli/context.hpp"
#include "cli/render.hpp"
#include "ops/status.hpp"

namespace kanon::cli {

void define_status(CLI::App& sub, Runner& run)
{
    auto opts = std::make_shared<ops::StatusOptions>();
    sub.add_option("APP", opts->apps, "apps to show (default: every app with a release file)");
    sub.add_option("--repo", opts->target.repo,
                   "web-core to read: URL or path (default: $KANON_REPO, else the origin of the checkout in the "
                   "current directory)")
        ->envname("KANON_REPO");
    sub.add_option("--branch", opts->target.branch, "branch to read (default: the remote's default branch)");
    sub.add_flag("--registry", opts->registry,
                 "ask each tag's registry too: a tag no longer there, or overwritten since its release "
                 "(kanon.yaml release_keys.digest recorded another digest)");
    sub.callback([&run, opts] {
        run = [opts](const Context& ctx) -> Result<ExitCode> {
            ops::StatusOptions o = *opts;
            o.config_path = ctx.global.config;
            auto r = ops::status(o);
            if (!r) {
                return r.take_error();
            }
            if (ctx.json()) {
                ctx.out << status_json(*r).dump(2) << '\n';
            } else {
                if (!ctx.global.quiet) {
                    ctx.err << ctx.err_paint.dim(r->branch + " @ " + canon::short_sha(r->commit) + "  " + r->repo)
                            << '\n';
                }
                ctx.out << render_status_text(*r, ctx.paint);
            }
            return ExitCode::ok;
        };
    });
}

}  // namespace kanon::cli
