#include "ops/status.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "canon/release.hpp"
#include "gitops/git.hpp"
#include "gitops/raw_log.hpp"
#include "util/files.hpp"
#include "util/redact.hpp"
#include "yaml/document.hpp"
#include "yaml/edit.hpp"

namespace kanon::ops {
namespace {

StageRelease read_release(const canon::ReleaseKeys& keys, const std::string& file, const std::string* text)
{
    StageRelease r;
    r.file = file;
    if (text == nullptr) {
        r.problem = "no release file";
        return r;
    }
    r.present = true;
    auto fields = canon::read_release(keys, file, *text);
    r.repository = std::move(fields.repository);
    r.tag = std::move(fields.tag);
    r.digest = std::move(fields.digest);
    if (fields.problem) {
        r.problem = fields.problem->describe();
    }
    return r;
}

// --registry: each stage's repository:tag asked of its registry (one client,
// and so one token, per repository), and compared with the digest the
// release file recorded.
void ask_registries(const canon::Config& config, const RegistryAccess& access, std::vector<AppStatus>& apps)
{
    using State = StageRelease::Registry;
    std::map<std::string, Result<verify::registry::Client>> clients;
    for (auto& a : apps) {
        for (auto& s : a.stages) {
            if (!s.present || !s.problem.empty() || s.tag.empty() || s.repository.empty()) {
                continue;
            }
            auto it = clients.find(s.repository);
            if (it == clients.end()) {
                it = clients.emplace(s.repository, registry_client(config, s.repository, access)).first;
            }
            if (!it->second) {
                s.registry = State::unreadable;
                s.registry_error = it->second.error().describe();
                continue;
            }
            auto m = it->second->manifest(s.tag);
            if (!m) {
                s.registry = State::unreadable;
                s.registry_error = m.error().describe();
            } else if (!m->found) {
                s.registry = State::missing;
            } else {
                s.registry_digest = m->digest;
                s.registry = s.digest.empty() || m->digest.empty() ? State::present
                             : s.digest == m->digest               ? State::same
                                                                   : State::overwritten;
            }
        }
    }
}

}  // namespace

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

namespace {

// The release files of `apps` (every app with a release file when empty,
// which then names them), keyed by path.
Result<std::map<std::string, std::string>> read_releases(const gitops::Snapshot& snap, const canon::Config& config,
                                                         std::vector<std::string>& apps)
{
    if (!apps.empty()) {
        std::vector<std::string> wanted;
        for (const auto& a : apps) {
            for (const auto& s : config.stages) {
                wanted.push_back(config.release_file(a, s.name));
            }
        }
        return snap.read(wanted);
    }
    // One listing of the release directories names the apps and gives the
    // blobs to read: no second listing by path.
    auto listed = snap.list(release_dirs(config));
    if (!listed) {
        return listed.take_error();
    }
    std::vector<std::string> paths;
    paths.reserve(listed->size());
    for (const auto& e : *listed) {
        paths.push_back(e.path);
    }
    apps = discover_apps(config, paths);
    std::set<std::string> wanted;
    for (const auto& a : apps) {
        for (const auto& s : config.stages) {
            wanted.insert(config.release_file(a, s.name));
        }
    }
    std::vector<gitops::TreeEntry> hits;
    for (auto& e : *listed) {
        if (wanted.count(e.path) != 0) {
            hits.push_back(std::move(e));
        }
    }
    return snap.read_entries(hits);
}

AppStatus app_status(const canon::Config& config, const canon::ReleaseKeys& keys, const std::string& app,
                     const std::map<std::string, std::string>& files)
{
    AppStatus as;
    as.app = app;
    for (const auto& s : config.stages) {
        std::string f = config.release_file(app, s.name);
        auto it = files.find(f);
        StageRelease r = read_release(keys, f, it == files.end() ? nullptr : &it->second);
        r.stage = s.name;
        as.stages.push_back(std::move(r));
    }
    for (std::size_t i = 0; i + 1 < as.stages.size(); ++i) {
        const auto& x = as.stages[i];
        const auto& y = as.stages[i + 1];
        if (x.present && !x.tag.empty() && (x.tag != y.tag || x.repository != y.repository)) {
            as.pending = true;
        }
    }
    return as;
}

// How far below the tip status looks for the commit that last changed a
// file, to tell a hotfix: a hotfix older than that is not marked.
constexpr int k_hotfix_look_back = 64;

// Marks the stages that run a hotfix. Only a stage whose upstream runs
// another tag can (a promotion would have made them equal), so only when
// some stage does is history fetched: k_hotfix_look_back commits and their
// trees, no blobs, in one request, then one `git log` over those files.
Status mark_hotfixes(gitops::Snapshot& snap, const canon::Config& config, std::vector<AppStatus>& apps)
{
    std::map<std::string, StageRelease*> candidates;  // release file -> stage
    for (auto& as : apps) {
        for (std::size_t i = 1; i < as.stages.size(); ++i) {
            StageRelease& s = as.stages[i];
            if (s.present && s.problem.empty() && s.tag != as.stages[i - 1].tag) {
                candidates[config.release_file(as.app, s.stage)] = &s;
            }
        }
    }
    if (candidates.empty()) {
        return ok_status();
    }
    if (auto st = snap.deepen(k_hotfix_look_back); !st) {
        return st;
    }
    std::vector<std::string> args = {"log", gitops::k_raw_log_format, "--raw", "--no-abbrev", "--no-renames", "HEAD"};
    if (candidates.size() <= 64) {  // else the whole log, filtered here: no argv of thousands of paths
        args.emplace_back("--");
        for (const auto& [file, _] : candidates) {
            args.push_back(":(literal)" + file);
        }
    }
    auto log = gitops::git(snap.call(args));
    if (!log) {
        return log.take_error();
    }
    std::set<std::string> seen;
    for (const auto& c : gitops::parse_raw_log(*log)) {
        for (const auto& change : c.changes) {
            auto it = candidates.find(change.path);
            if (it == candidates.end() || !seen.insert(change.path).second) {
                continue;  // another file, or not its last change
            }
            auto trailers = canon::parse_trailers(c.message);
            if (auto h = trailers.find(std::string(canon::k_trailer_hotfix)); h != trailers.end()) {
                it->second->hotfix = h->second;
            }
        }
    }
    return ok_status();
}

}  // namespace

Result<StatusReport> status(const StatusOptions& opts)
{
    std::vector<std::string> apps;
    for (const auto& a : opts.apps) {
        if (auto st = canon::validate_app_name(a); !st) {
            return st.take_error();
        }
        if (std::find(apps.begin(), apps.end(), a) == apps.end()) {
            apps.push_back(a);
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
    rep.repo = redact(snap->url());
    rep.branch = snap->branch();
    rep.commit = snap->commit();
    rep.stage_names = config->stage_names();

    auto files = read_releases(*snap, *config, apps);
    if (!files) {
        return files.take_error();
    }
    const canon::ReleaseKeys keys(*config);
    for (const auto& a : apps) {
        AppStatus as = app_status(*config, keys, a, *files);
        bool any = std::any_of(as.stages.begin(), as.stages.end(), [](const StageRelease& r) { return r.present; });
        if (!any) {
            return Error{fmt::format("app '{}' has no release file at {} of {}", a, rep.branch, rep.repo)};
        }
        rep.apps.push_back(std::move(as));
    }
    if (auto st = mark_hotfixes(*snap, *config, rep.apps); !st) {
        return st.take_error();
    }
    if (opts.registry) {
        ask_registries(*config, opts.access, rep.apps);
    }
    return rep;
}

}  // namespace kanon::ops
