#include "ops/preflight.hpp"

#include <fmt/format.h>

#include "check/check.hpp"
#include "ops/smoke.hpp"
#include "yaml/document.hpp"
#include "yaml/edit.hpp"
#include "yaml/path.hpp"

namespace kanon::ops {
namespace {

std::string manifest_scalar(const yaml::Stream& s, const std::string& key)
{
    auto path = yaml::parse_path(key);
    if (!path) {
        return {};
    }
    auto v = yaml::get_scalar(s, *path);
    return v ? *v : std::string{};
}

}  // namespace

Result<std::vector<StagePlan>> preflight(const gitops::Snapshot& snap, const canon::Config& config,
                                         const std::string& app, const std::vector<std::string>& stages)
{
    std::vector<std::string> paths;
    for (const auto& stage : stages) {
        paths.push_back(config.env_file(app, stage));
        paths.push_back(config.application_file(app, stage));
    }
    auto files = snap.read(paths);
    if (!files) {
        return files.take_error();
    }
    std::vector<StagePlan> plans;
    for (const auto& stage : stages) {
        StagePlan p{stage, config.application(app, stage), {}, {}};
        std::string env = config.env_file(app, stage);
        if (auto it = files->find(env); it != files->end()) {
            auto s = yaml::Stream::parse(it->second, env);
            if (!s) {
                return s.take_error();
            }
            auto found = check::env_overrides_image(config, env, *s);
            if (!found.empty()) {
                const check::Finding& f = found.front();
                Error e{fmt::format("{} ({}): nothing was committed", f.message, f.rule),
                        ExitCode::check_failed,
                        {},
                        "'kanon check' lists every such problem; 'kanon explain APP --stage STAGE image' shows what "
                        "Helm would deploy"};
                e.where = {f.file, f.line, f.column};
                return e;
            }
        }
        std::string manifest = config.application_file(app, stage);
        if (auto it = files->find(manifest); it != files->end()) {
            if (auto s = yaml::Stream::parse(it->second, manifest)) {
                if (std::string name = manifest_scalar(*s, "metadata.name"); !name.empty()) {
                    p.application = name;
                }
                p.project = manifest_scalar(*s, "spec.project");
            }
        }
        auto url = site_url_at(snap, config, app, stage);
        p.url = url ? *url : std::string();
        plans.push_back(std::move(p));
    }
    return plans;
}

}  // namespace kanon::ops
