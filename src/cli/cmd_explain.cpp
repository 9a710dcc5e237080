// kanon explain APP --stage S [KEY] [--dir PATH]
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "ops/explain.hpp"

namespace kanon::cli {

void define_explain(CLI::App& sub, Runner& run)
{
    auto opts = std::make_shared<ops::ExplainOptions>();
    sub.add_option("APP", opts->app, "the app")->required();
    sub.add_option("KEY", opts->key, "show only this key path and what is under it (e.g. image.tag)");
    sub.add_option("--stage", opts->stage, "the stage (dev, prod, ...)")->required();
    sub.add_option("--dir", opts->dir, "web-core checkout to read")->capture_default_str();
    sub.callback([&run, opts] {
        run = [opts](const Context& ctx) -> Result<ExitCode> {
            ops::ExplainOptions o = *opts;
            o.config_path = ctx.global.config;
            auto r = ops::explain(o);
            if (!r) {
                return r.take_error();
            }
            if (ctx.json()) {
                ctx.out << explain_json(*r).dump(2) << '\n';
            } else {
                ctx.out << render_explain_text(*r, ctx.paint);
            }
            return ExitCode::ok;
        };
    });
}

}  // namespace kanon::cli
