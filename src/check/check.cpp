#include "check/check.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "check/rules.hpp"
#include "util/suggest.hpp"
#include "yaml/edit.hpp"

namespace kanon::check {
namespace {

namespace fs = std::filesystem;

bool is_yaml(const fs::path& p)
{
    auto ext = p.extension().string();
    return ext == ".yaml" || ext == ".yml";
}

// Every YAML file under `root` (relative paths, sorted), `.git` skipped,
// symlinked directories not followed.
Result<std::vector<std::string>> yaml_files(const std::string& root)
{
    std::vector<std::string> out;
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
        return Error{fmt::format("cannot read directory {}: {}", root, ec.message())};
    }
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) {
            return Error{fmt::format("cannot read directory {}: {}", root, ec.message())};
        }
        const auto& entry = *it;
        if (entry.is_directory(ec) && entry.path().filename() == ".git") {
            it.disable_recursion_pending();
            continue;
        }
        if (entry.is_regular_file(ec) && is_yaml(entry.path())) {
            out.push_back(entry.path().lexically_relative(root).generic_string());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The app a repository path names through one of the layout templates.
class LayoutMatcher {
public:
    explicit LayoutMatcher(const canon::Config& c)
    {
        for (const auto& st : c.stages) {
            for (const std::string* t : {&c.release_path, &c.env_path, &c.application_path}) {
                std::string tmpl = canon::expand(*t, "{app}", st.name);
                auto at = tmpl.find("{app}");
                if (at != std::string::npos) {
                    m_patterns.push_back(Pattern{tmpl.substr(0, at), tmpl.substr(at + 5), t, st.name});
                }
            }
        }
    }

    [[nodiscard]] std::optional<std::string> app_of(std::string_view path) const
    {
        for (const auto& p : m_patterns) {
            if (path.size() <= p.pre.size() + p.post.size() || path.substr(0, p.pre.size()) != p.pre ||
                path.substr(path.size() - p.post.size()) != p.post) {
                continue;
            }
            std::string app(path.substr(p.pre.size(), path.size() - p.pre.size() - p.post.size()));
            if (canon::validate_app_name(app) && canon::expand(*p.tmpl, app, p.stage) == path) {
                return app;
            }
        }
        return std::nullopt;
    }

private:
    struct Pattern {
        std::string pre;
        std::string post;
        const std::string* tmpl;
        std::string stage;
    };
    std::vector<Pattern> m_patterns;
};

// Runs fn(i, findings) for i in [0, n) on `jobs` threads; each thread keeps
// its own findings, joined at the end.
template <typename Fn>
std::vector<Finding> parallel(std::size_t n, unsigned jobs, Fn fn)
{
    jobs = std::max(1U, std::min<unsigned>(jobs, static_cast<unsigned>(std::max<std::size_t>(n, 1))));
    std::atomic<std::size_t> next{0};
    std::vector<std::vector<Finding>> parts(jobs);
    auto work = [&](unsigned t) {
        for (std::size_t i = next++; i < n; i = next++) {
            fn(i, parts[t]);
        }
    };
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < jobs; ++t) {
        threads.emplace_back(work, t);
    }
    work(0);
    for (auto& th : threads) {
        th.join();
    }
    std::vector<Finding> all;
    for (auto& p : parts) {
        all.insert(all.end(), std::make_move_iterator(p.begin()), std::make_move_iterator(p.end()));
    }
    return all;
}

// Files inside a Helm chart's templates/ are Go templates, not YAML: they
// are scanned for secrets but not parsed.
bool is_chart_template(const std::string& root, const std::string& rel)
{
    auto at = rel.find("templates/");
    while (at != std::string::npos) {
        if (at == 0 || rel[at - 1] == '/') {
            std::error_code ec;
            if (fs::exists(fs::path(root) / rel.substr(0, at) / "Chart.yaml", ec)) {
                return true;
            }
        }
        at = rel.find("templates/", at + 1);
    }
    return false;
}

std::string shown_platform(const std::string& platform, const std::string& rel)
{
    return (fs::path(platform) / rel).lexically_normal().generic_string();
}

// The platform repo's objects, every file parsed once (in parallel).
Result<detail::PlatformIndex> index_platform(const std::string& platform, unsigned jobs, std::size_t& files,
                                             std::vector<Finding>& out)
{
    auto list = yaml_files(platform);
    if (!list) {
        return list.take_error();
    }
    files += list->size();
    // kustomization.yaml's `namespace:` applies to the documents beside it.
    std::map<std::string, std::string> kustomize_ns;
    for (const auto& rel : *list) {
        auto name = fs::path(rel).filename().string();
        if (name != "kustomization.yaml" && name != "kustomization.yml") {
            continue;
        }
        std::vector<Finding> ignored;
        auto f = detail::load_file(platform, rel, shown_platform(platform, rel), false, ignored);
        if (f.stream) {
            auto p = yaml::parse_path("namespace");
            if (auto hit = detail::lookup(*f.stream, *p); hit && f.stream->node(hit->node).kind == yaml::Kind::scalar) {
                kustomize_ns[fs::path(rel).parent_path().generic_string()] = f.stream->node(hit->node).value;
            }
        }
    }
    std::vector<detail::PlatformIndex> parts(list->size());
    auto found = parallel(list->size(), jobs, [&](std::size_t i, std::vector<Finding>& o) {
        const std::string& rel = (*list)[i];
        auto f = detail::load_file(platform, rel, shown_platform(platform, rel), false, o,
                                   !is_chart_template(platform, rel));
        auto ns = kustomize_ns.find(fs::path(rel).parent_path().generic_string());
        detail::index_platform_file(f, ns == kustomize_ns.end() ? std::string() : ns->second, parts[i], o);
    });
    out.insert(out.end(), found.begin(), found.end());
    detail::PlatformIndex index;
    for (auto& p : parts) {
        index.secrets.merge(p.secrets);
        index.clusters.merge(p.clusters);
    }
    return index;
}

// Checks `apps` (and scans `others`) in parallel, with the platform rules
// when a platform checkout is given.
Result<Report> check_all(const CheckOptions& opts, const canon::Config& config, unsigned jobs,
                         std::vector<std::string> apps, const std::vector<std::string>& others, std::size_t files)
{
    Report rep;
    rep.apps = std::move(apps);
    rep.files = files;
    std::vector<Finding> findings;
    detail::PlatformIndex index;
    const bool platform = !opts.platform.empty();
    if (platform) {
        auto idx = index_platform(opts.platform, jobs, rep.files, findings);
        if (!idx) {
            return idx.take_error();
        }
        index = std::move(*idx);
    }
    std::size_t n_apps = rep.apps.size();
    auto found = parallel(n_apps + others.size(), jobs, [&](std::size_t i, std::vector<Finding>& out) {
        if (i < n_apps) {
            auto facts = detail::check_app(config, opts.dir, rep.apps[i], out);
            if (platform) {
                detail::check_app_platform(config, rep.apps[i], facts, index, out);
            }
            return;
        }
        const std::string& rel = others[i - n_apps];
        detail::load_file(opts.dir, rel, rel, true, out, !is_chart_template(opts.dir, rel));
    });
    findings.insert(findings.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
    sort_findings(findings);
    rep.findings = std::move(findings);
    return rep;
}

// `kanon check APP...`: only those apps' files, found through the layout
// without walking the tree; an app none of whose files exists is a usage error.
Result<Report> check_apps(const CheckOptions& opts, const canon::Config& config, unsigned jobs)
{
    std::set<std::string> chosen;
    for (const auto& app : opts.apps) {
        bool any = false;
        for (const auto& st : config.stages) {
            for (const auto& rel : {config.release_file(app, st.name), config.env_file(app, st.name),
                                    config.application_file(app, st.name)}) {
                std::error_code ec;
                any = any || fs::exists(fs::path(opts.dir) / rel, ec);
            }
        }
        if (!any) {
            std::vector<std::string> known;
            std::error_code ec;
            std::string dir = fs::path(config.release_file("x", config.stages.front().name)).parent_path().string();
            for (const auto& e : fs::directory_iterator(fs::path(opts.dir) / dir, ec)) {
                known.push_back(e.path().stem().string());
            }
            auto guess = did_you_mean(app, known);
            return usage_error(fmt::format("no file of {} names the app '{}'", opts.dir, app),
                               guess.empty() ? fmt::format("create it with 'kanon init {} --domain DOMAIN --image "
                                                           "REPOSITORY'",
                                                           app)
                                             : fmt::format("did you mean '{}'?", guess));
        }
        chosen.insert(app);
    }
    std::size_t files = chosen.size() * config.stages.size() * 3;
    return check_all(opts, config, jobs, {chosen.begin(), chosen.end()}, {}, files);
}

}  // namespace

std::size_t Report::count(Severity s) const
{
    return static_cast<std::size_t>(
        std::count_if(findings.begin(), findings.end(), [s](const Finding& f) { return f.severity == s; }));
}

Result<Report> run_check(const CheckOptions& opts)
{
    std::error_code ec;
    if (!fs::is_directory(opts.dir, ec)) {
        return Error{fmt::format("{} is not a directory (give the web-core checkout with --dir)", opts.dir)};
    }
    if (!opts.platform.empty() && !fs::is_directory(opts.platform, ec)) {
        return Error{fmt::format("{} is not a directory (give the platform checkout with --platform)", opts.platform)};
    }
    auto config = canon::load_config(opts.dir, opts.config_path);
    if (!config) {
        return config.take_error();
    }
    for (const auto& app : opts.apps) {
        if (auto st = canon::validate_app_name(app); !st) {
            return st.take_error();
        }
    }
    unsigned jobs = opts.jobs != 0 ? opts.jobs : std::max(1U, std::thread::hardware_concurrency());
    if (!opts.apps.empty()) {
        return check_apps(opts, *config, jobs);
    }
    auto files = yaml_files(opts.dir);
    if (!files) {
        return files.take_error();
    }
    LayoutMatcher layout(*config);
    std::set<std::string> apps;
    std::vector<std::string> others;
    for (const auto& rel : *files) {
        if (auto app = layout.app_of(rel)) {
            apps.insert(*app);
        } else {
            others.push_back(rel);
        }
    }
    if (apps.empty()) {
        // A wrong --dir, or a layout kanon.yaml does not describe: checking
        // nothing is not a clean bill.
        return usage_error(fmt::format("no app in {}: no file there is a release, env or Application file ({}, {}, "
                                       "{})",
                                       opts.dir, config->release_path, config->env_path, config->application_path),
                           "give web-core's checkout with --dir, describe its layout in kanon.yaml's paths, or "
                           "create an app with 'kanon init APP --domain DOMAIN --image REPOSITORY'");
    }
    return check_all(opts, *config, jobs, {apps.begin(), apps.end()}, others, files->size());
}

}  // namespace kanon::check
