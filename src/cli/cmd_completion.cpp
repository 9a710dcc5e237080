// kanon completion bash|zsh|fish — and two hidden helpers: `kanon __complete
// apps|stages` (the names the completion scripts offer) and `kanon __man DIR`
// (the man pages, which the build writes with it).
#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "canon/config.hpp"
#include "cli/context.hpp"
#include "cli/reference.hpp"
#include "ops/status.hpp"
#include "util/build_info.hpp"

namespace kanon::cli {
namespace {

const CLI::App& root_of(const CLI::App& sub)
{
    const CLI::App* a = &sub;
    while (a->get_parent() != nullptr) {
        a = a->get_parent();
    }
    return *a;
}

struct CompleteCli {
    std::string what;
    gitops::Target target;
};

// Stage names without a repository: kanon.yaml given with --config, else the canon's.
Result<std::vector<std::string>> local_stages(const std::string& config_path)
{
    auto loaded = canon::load_config("", config_path);
    if (!loaded) {
        return loaded.take_error();
    }
    std::vector<std::string> names;
    for (const auto& s : loaded->stages) {
        names.push_back(s.name);
    }
    return names;
}

Result<std::vector<std::string>> names_for(const CompleteCli& c, const std::string& config_path)
{
    if (c.what == "stages" && c.target.repo.empty()) {
        return local_stages(config_path);
    }
    ops::StatusOptions o;
    o.target = c.target;
    o.config_path = config_path;
    auto r = ops::status(o);
    if (!r) {
        return r.take_error();
    }
    if (c.what == "stages") {
        return r->stage_names;
    }
    std::vector<std::string> apps;
    for (const auto& a : r->apps) {
        apps.push_back(a.app);
    }
    return apps;
}

}  // namespace

void define_completion(CLI::App& sub, Runner& run)
{
    auto shell = std::make_shared<std::string>();
    sub.add_option("SHELL", *shell, "the shell to complete kanon in")
        ->required()
        ->check(CLI::IsMember({"bash", "zsh", "fish"}));
    sub.footer(
        "Prints the script on stdout. For this shell only:\n"
        "  bash: source <(kanon completion bash)\n"
        "  zsh:  source <(kanon completion zsh)   (after compinit)\n"
        "  fish: kanon completion fish | source\n"
        "The package and 'make install' put them where each shell finds them by itself. App and stage names are "
        "completed from the repository named by --repo or $KANON_REPO.");
    const CLI::App* self = &sub;
    sub.callback([&run, shell, self] {
        run = [shell, self](const Context& ctx) -> Result<ExitCode> {
            ctx.out << completion_script(describe(root_of(*self)), *shell, build_info().version);
            return ExitCode::ok;
        };
    });
}

void define_complete(CLI::App& sub, Runner& run)
{
    sub.group("");  // hidden: for the completion scripts
    auto c = std::make_shared<CompleteCli>();
    sub.add_option("WHAT", c->what)->required()->check(CLI::IsMember({"apps", "stages"}));
    sub.add_option("--repo", c->target.repo)->envname("KANON_REPO");
    sub.add_option("--branch", c->target.branch);
    sub.callback([&run, c] {
        run = [c](const Context& ctx) -> Result<ExitCode> {
            auto names = names_for(*c, ctx.global.config);
            if (!names) {
                return names.take_error();
            }
            for (const auto& n : *names) {
                ctx.out << n << '\n';
            }
            return ExitCode::ok;
        };
    });
}

void define_man(CLI::App& sub, Runner& run)
{
    sub.group("");  // hidden: the build runs it
    auto dir = std::make_shared<std::string>();
    sub.add_option("DIR", *dir)->required();
    const CLI::App* self = &sub;
    sub.callback([&run, dir, self] {
        run = [dir, self](const Context& ctx) -> Result<ExitCode> {
            std::error_code ec;
            std::filesystem::create_directories(*dir, ec);
            if (ec) {
                return Error{fmt::format("cannot create {}: {}", *dir, ec.message())};
            }
            for (const auto& page : man_pages(describe(root_of(*self)), build_info().version)) {
                auto path = std::filesystem::path(*dir) / page.file;
                std::ofstream f(path, std::ios::binary | std::ios::trunc);
                f << page.text;
                f.close();
                if (!f) {
                    return Error{fmt::format("cannot write {}", path.string())};
                }
            }
            if (!ctx.global.quiet) {
                ctx.err << "man pages written to " << *dir << '\n';
            }
            return ExitCode::ok;
        };
    });
}

}  // namespace kanon::cli
