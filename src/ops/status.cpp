#include "ops/status.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "util/files.hpp"
#include "util/redact.hpp"
#include "yaml/document.hpp"
#include "yaml/edit.hpp"

namespace kanon::ops {
namespace {

Result<canon::Config> config_at_tip(const gitops::Snapshot& snap, const std::string& explicit_path)
{
    if (!explicit_path.empty()) {
        return canon::load_config("", explicit_path);
    }
    auto files = snap.read({"kanon.yaml"});
    if (!files) {
        return files.take_error();
    }
    auto it = files->find("kanon.yaml");
    if (it == files->end()) {
        return canon::Config{};
    }
    return canon::parse_config(it->second, "kanon.yaml");
}

std::string scalar_at(const yaml::Stream& s, const std::string& key, std::string& problem)
{
    auto path = yaml::parse_path(key);
    if (!path) {
        problem = path.error().message;
        return {};
    }
    auto v = yaml::get_scalar(s, *path);
    if (!v) {
        if (problem.empty()) {
            problem = v.error().describe();
        }
        return {};
    }
    return *v;
}

StageRelease read_release(const canon::Config& c, const std::string& file, const std::string* text)
{
    StageRelease r;
    r.file = file;
    if (text == nullptr) {
        r.problem = "no release file";
        return r;
    }
    r.present = true;
    auto s = yaml::Stream::parse(*text, file);
    if (!s) {
        r.problem = s.error().describe();
        return r;
    }
    r.repository = scalar_at(*s, c.repository_key, r.problem);
    r.tag = scalar_at(*s, c.tag_key, r.problem);
    return r;
}

}  // namespace

std::vector<std::string> release_dirs(const canon::Config& c)
{
    std::set<std::string> dirs;
    for (const auto& s : c.stages) {
        std::string tmpl = canon::expand(c.release_path, "{app}", s.name);
        auto at = tmpl.find("{app}");
        auto slash = tmpl.rfind('/', at);
        dirs.insert(slash == std::string::npos ? std::string() : tmpl.substr(0, slash));
    }
    return {dirs.begin(), dirs.end()};
}

std::vector<std::string> discover_apps(const canon::Config& c, const std::vector<std::string>& paths)
{
    std::set<std::string> apps;
    for (const auto& p : paths) {
        if (auto m = c.release_file_app(p); m && canon::validate_app_name(m->first)) {
            apps.insert(m->first);
        }
    }
    return {apps.begin(), apps.end()};
}

Result<StatusReport> status(const StatusOptions& opts)
{
    for (const auto& a : opts.apps) {
        if (auto st = canon::validate_app_name(a); !st) {
            return st.take_error();
        }
    }
    auto snap = gitops::Snapshot::fetch(opts.target);
    if (!snap) {
        return snap.take_error();
    }
    auto config = config_at_tip(*snap, opts.config_path);
    if (!config) {
        return config.take_error();
    }
    StatusReport rep;
    rep.repo = redact_urls(snap->url());
    rep.branch = snap->branch();
    rep.commit = snap->commit();
    rep.stage_names = config->stage_names();

    std::vector<std::string> apps = opts.apps;
    if (apps.empty()) {
        auto dirs = release_dirs(*config);
        auto listed = snap->list(dirs);
        if (!listed) {
            return listed.take_error();
        }
        std::vector<std::string> paths;
        paths.reserve(listed->size());
        for (auto& e : *listed) {
            paths.push_back(std::move(e.path));
        }
        apps = discover_apps(*config, paths);
    }
    std::vector<std::string> wanted;
    for (const auto& a : apps) {
        for (const auto& s : config->stages) {
            wanted.push_back(config->release_file(a, s.name));
        }
    }
    auto files = snap->read(wanted);
    if (!files) {
        return files.take_error();
    }
    for (const auto& a : apps) {
        AppStatus as;
        as.app = a;
        bool any = false;
        for (const auto& s : config->stages) {
            std::string f = config->release_file(a, s.name);
            auto it = files->find(f);
            StageRelease r = read_release(*config, f, it == files->end() ? nullptr : &it->second);
            r.stage = s.name;
            any = any || r.present;
            as.stages.push_back(std::move(r));
        }
        if (!any) {
            return Error{fmt::format("app '{}' has no release file at {} of {}", a, rep.branch, rep.repo)};
        }
        for (std::size_t i = 0; i + 1 < as.stages.size(); ++i) {
            const auto& x = as.stages[i];
            const auto& y = as.stages[i + 1];
            if (x.present && !x.tag.empty() && (x.tag != y.tag || x.repository != y.repository)) {
                as.pending = true;
            }
        }
        rep.apps.push_back(std::move(as));
    }
    return rep;
}

}  // namespace kanon::ops
