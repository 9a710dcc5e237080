// config: the kanon.yaml loader (parse_config, the text-taking half of
// load_config) on arbitrary bytes, then every accessor the commands call
// with the stages and apps it configured.
//
// Invariants: no crash, no exception; every stage_names() entry is found by
// stage(); release_file_app of an app's release file names an app and stage
// whose release file is that path.
#include <string>

#include "canon/config.hpp"
#include "targets.hpp"

namespace kanon::fuzz {

using namespace canon;  // NOLINT(google-build-using-namespace)

int config(const std::uint8_t* data, std::size_t size)
{
    std::string text(reinterpret_cast<const char*>(data), size);
    auto c = parse_config(text, "kanon.yaml");
    if (!c) {
        (void)c.error().describe();
        return 0;
    }
    std::vector<std::string> apps = {"web"};
    for (const auto& [name, app] : c->apps) {
        apps.push_back(name);
        if (apps.size() > 4) {
            break;
        }
    }
    for (const auto& stage : c->stage_names()) {
        check(c->stage(stage) != nullptr, "a stage name that stage() does not find");
        (void)validate_stage(*c, stage);
        (void)c->site_version_of(stage);
        for (const auto& app : apps) {
            std::string release = c->release_file(app, stage);
            (void)c->env_file(app, stage);
            (void)c->application_file(app, stage);
            (void)c->application(app, stage);
            (void)c->app_url(app, stage);
            (void)c->freeze_reason(app, stage);
            (void)expand(c->url_template, app, stage, "example.org", "dev.example.org");
            if (auto back = c->release_file_app(release)) {
                check(c->release_file(back->first, back->second) == release,
                      "release_file_app names an app whose release file is another path");
            }
        }
    }
    (void)c->chart_values_file();
    return 0;
}

}  // namespace kanon::fuzz
