#include "ops/deployment.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "canon/release.hpp"
#include "ops/status.hpp"
#include "util/files.hpp"
#include "util/redact.hpp"
#include "util/text.hpp"
#include "yaml/document.hpp"
#include "yaml/edit.hpp"

namespace kanon::ops {

using verify::argocd::Acceptance;

namespace {

constexpr int k_max_depth = 32768;  // how far back kanon looks for R and its descendants

// A scalar at a key path of a YAML text, or "" when absent or unreadable.
std::string scalar(const std::string& text, const std::string& name, const std::string& key)
{
    auto s = yaml::Stream::parse(text, name);
    auto path = yaml::parse_path(key);
    if (!s || !path) {
        return {};
    }
    auto v = yaml::get_scalar(*s, *path);
    return v ? *v : std::string{};
}

std::set<std::string> lines_of(const std::string& text)
{
    std::set<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty()) {
            out.insert(line);
        }
    }
    return out;
}

}  // namespace

std::string stage_url(const canon::Config& config, const std::string& app, const std::string& stage,
                      const std::string& env_host)
{
    if (const auto* url = config.app_url(app, stage); url != nullptr) {
        return *url;  // apps.APP.urls.STAGE: as written, no template
    }
    std::string domain;
    if (auto it = config.apps.find(app); it != config.apps.end()) {
        domain = it->second.domain;
    }
    std::string host = env_host;
    if (host.empty()) {
        const auto* sc = config.stage(stage);
        host = canon::expand(sc != nullptr ? sc->host : "{domain}", app, stage, domain);
    }
    return canon::expand(config.url_template, app, stage, domain, host);
}

namespace {

Status validate_options(const DeploymentOptions& o)
{
    if (auto st = canon::validate_app_name(o.app); !st) {
        return st;
    }
    if (!o.revision.empty()) {
        if (auto st = canon::validate_full_sha(o.revision, "--revision"); !st) {
            return st;
        }
    }
    if (!o.tag.empty()) {
        if (auto st = canon::validate_tag(o.tag); !st) {
            return st;
        }
    }
    return ok_status();
}

}  // namespace

Result<Deployment> Deployment::open(const DeploymentOptions& o)
{
    if (auto st = validate_options(o); !st) {
        return st.take_error();
    }
    gitops::Target target = o.target;
    target.cache_dir.clear();  // a wait only reads, and deepens: keep the cache lean
    auto snap = gitops::Snapshot::fetch(target);
    if (!snap) {
        return snap.take_error();
    }
    Deployment d(std::move(*snap));
    auto config = config_at_tip(d.m_snap, o.config_path);
    if (!config) {
        return config.take_error();
    }
    d.m_config = std::move(*config);
    if (auto st = canon::validate_stage(d.m_config, o.stage); !st) {
        return st.take_error();
    }
    for (auto step : {&Deployment::read_stage, &Deployment::pick_revision, &Deployment::read_tag}) {
        if (auto st = (d.*step)(o); !st) {
            return st.take_error();
        }
    }
    return d;
}

// The stage's files at the tip: its release file, and its Application's
// name, project and source, and its URL (manifest and env layer).
Status Deployment::read_stage(const DeploymentOptions& o)
{
    StageTarget& t = m_target;
    t.app = o.app;
    t.stage = o.stage;
    t.repo = redact(m_snap.url());
    t.branch = m_snap.branch();
    t.release_file = m_config.release_file(o.app, o.stage);
    std::string manifest = m_config.application_file(o.app, o.stage);
    std::string env = m_config.env_file(o.app, o.stage);
    auto files = m_snap.read({t.release_file, manifest, env});
    if (!files) {
        return files.take_error();
    }
    if (files->count(t.release_file) == 0) {
        return Error{fmt::format("{} has no release file {} on {}", o.app, t.release_file, t.branch),
                     ExitCode::failed,
                     {},
                     "check the app and stage names ('kanon status' lists them)"};
    }
    t.application = m_config.application(o.app, o.stage);
    if (auto it = files->find(manifest); it != files->end()) {
        if (std::string name = scalar(it->second, manifest, "metadata.name"); !name.empty()) {
            t.application = name;
        }
        t.project = scalar(it->second, manifest, "spec.project");
        t.source_repo = scalar(it->second, manifest, "spec.source.repoURL");
    }
    std::string host;
    if (auto it = files->find(env); it != files->end()) {
        host = scalar(it->second, env, m_config.host_key);
    }
    t.url = stage_url(m_config, o.app, o.stage, host);
    return ok_status();
}

// R: the revision given (which must be on the branch), else the last commit
// that changed the release file.
Status Deployment::pick_revision(const DeploymentOptions& o)
{
    StageTarget& t = m_target;
    if (o.revision.empty()) {
        auto r = last_change();
        if (!r) {
            return r.take_error();
        }
        t.revision = *r;
        return ok_status();
    }
    t.revision = verify::argocd::normalize_sha(o.revision);
    if (auto st = deepen_until({t.revision}); !st) {
        return st;
    }
    if (!has_commit(t.revision)) {
        return Error{fmt::format("--revision {} is not on {} of {} (looked back {} commits)", t.revision, t.branch,
                                 t.repo, m_depth)};
    }
    return ok_status();
}

// T: the release file's at R, which must be the tag given, if one was.
Status Deployment::read_tag(const DeploymentOptions& o)
{
    StageTarget& t = m_target;
    auto text = gitops::git(m_snap.call({"cat-file", "blob", t.revision + ":" + t.release_file}));
    if (!text) {
        return Error{fmt::format("{} does not exist at {}", t.release_file, canon::argocd_short_sha(t.revision))};
    }
    auto fields = canon::read_release(canon::ReleaseKeys(m_config), t.release_file, *text);
    t.repository = fields.repository;
    const std::string& tag_at_r = fields.tag;
    t.tag = o.tag.empty() ? tag_at_r : o.tag;
    if (o.tag.empty() || tag_at_r == o.tag) {
        return ok_status();
    }
    if (o.revision.empty()) {  // the stage's last release is another tag: T was superseded, or never released
        return Error{fmt::format("{} {} no longer runs {}: its release file holds {} since {}, which superseded "
                                 "it (or {} was never released there)",
                                 o.app, o.stage, o.tag, tag_at_r.empty() ? "no tag" : tag_at_r,
                                 canon::argocd_short_sha(t.revision), o.tag),
                     ExitCode::verify_failed,
                     {},
                     fmt::format("wait for what {} runs now: leave out --tag", o.stage)};
    }
    return Error{fmt::format("at {} {} holds tag {}, not {}", canon::argocd_short_sha(t.revision), t.release_file,
                             tag_at_r.empty() ? "(none)" : tag_at_r, o.tag),
                 ExitCode::verify_failed,
                 {},
                 "--revision must be the commit that released --tag (or leave one of them out)"};
}

bool Deployment::has_commit(const std::string& rev) const
{
    // rev-list walks only what is here (the shallow boundary stops it); a
    // probe like `cat-file -e` would make a partial clone fetch the object.
    auto out = gitops::git(m_snap.call({"rev-list", "refs/heads/" + m_snap.branch()}));
    return out && lines_of(*out).count(rev) != 0;
}

Status Deployment::fetch_depth(int depth)
{
    m_depth = depth;
    std::string ref = "refs/heads/" + m_snap.branch();
    std::vector<std::string> args = {"fetch",
                                     "-q",
                                     "--no-tags",
                                     fmt::format("--depth={}", depth),
                                     "--no-auto-maintenance",
                                     "--recurse-submodules=no",
                                     "--no-write-fetch-head"};
    auto promisor = gitops::git_try(m_snap.call({"config", "--get", "remote.origin.promisor"}));
    if (promisor && trim_right(promisor->out) == "true") {
        args.emplace_back("--filter=blob:none");
    }
    args.insert(args.end(), {"origin", "+" + ref + ":" + ref});
    auto r = gitops::git_try(m_snap.call(args));
    if (!r) {
        return r.take_error();
    }
    if (r->exit_code != 0) {
        return Error{
            fmt::format("git fetch of {} failed: {}", redact(m_snap.url()), redact(gitops::first_problem(r->err)))};
    }
    auto shallow = gitops::git(m_snap.call({"rev-parse", "--is-shallow-repository"}));
    m_complete = shallow && trim_right(*shallow) == "false";
    return ok_status();
}

Status Deployment::deepen()
{
    return fetch_depth(m_depth < 64 ? 64 : m_depth * 8);
}

Status Deployment::deepen_until(const std::vector<std::string>& commits)
{
    auto missing = [&] {
        return std::any_of(commits.begin(), commits.end(), [&](const std::string& c) { return !has_commit(c); });
    };
    while (!m_complete && m_depth < k_max_depth && missing()) {
        if (auto st = deepen(); !st) {
            return st;
        }
    }
    return ok_status();
}

Result<std::string> Deployment::last_change()
{
    const std::string& path = m_target.release_file;
    while (true) {
        auto out = gitops::git(m_snap.call({"log", "-1", "--format=%H", m_snap.commit(), "--", path}));
        if (!out) {
            return out.take_error();
        }
        std::string commit = trim_right(*out);
        // At the shallow boundary every file looks added: look further back.
        auto boundary = read_file(m_snap.dir() + "/shallow");
        bool at_boundary = commit.empty() || (boundary && lines_of(*boundary).count(commit) != 0);
        if (!at_boundary || m_complete) {
            if (commit.empty()) {
                return Error{fmt::format("no commit on {} changed {}", m_snap.branch(), path)};
            }
            return commit;
        }
        if (m_depth >= k_max_depth) {
            return Error{fmt::format("{} was last changed more than {} commits ago", path, k_max_depth),
                         ExitCode::failed,
                         {},
                         "pass --revision SHA"};
        }
        if (auto st = deepen(); !st) {
            return st.take_error();
        }
    }
}

Acceptance Deployment::judge(const std::string& revision)
{
    std::string rev = verify::argocd::normalize_sha(revision);
    if (auto it = m_verdicts.find(rev); it != m_verdicts.end()) {
        return it->second;
    }
    const StageTarget& t = m_target;
    if (rev == t.revision) {
        return m_verdicts[rev] = Acceptance{Acceptance::accepted, ""};
    }
    if (!canon::is_full_sha(rev)) {
        return Acceptance{Acceptance::not_yet, fmt::format("'{}' is not a resolved commit", rev)};
    }
    if (!has_commit(rev)) {
        // A newer tip than we fetched: fetch the branch again, as deep as we
        // are, then deeper while R has fallen out of reach.
        if (auto st = fetch_depth(m_depth); !st || !deepen_until({rev, t.revision}) || !has_commit(rev)) {
            // Not at the tip just fetched either: it never will be (remembered,
            // so a stage still on an old revision does not refetch per event).
            return m_verdicts[rev] = Acceptance{Acceptance::not_yet,
                                                fmt::format("{} is not on {}", canon::argocd_short_sha(rev), t.branch)};
        }
    }
    auto probe = [&](const std::string& a, const std::string& b) {
        auto r = gitops::git_try(m_snap.call({"merge-base", "--is-ancestor", a, b}));
        return r && r->exit_code == 0;
    };
    if (!probe(t.revision, rev)) {
        Acceptance a{Acceptance::not_yet,
                     probe(rev, t.revision)
                         ? fmt::format("{} is older than ours", canon::argocd_short_sha(rev))
                         : fmt::format("{} does not descend from ours", canon::argocd_short_sha(rev))};
        return m_verdicts[rev] = a;
    }
    auto text = gitops::git(m_snap.call({"cat-file", "blob", rev + ":" + t.release_file}));
    auto fields =
        text ? canon::read_release(canon::ReleaseKeys(m_config), t.release_file, *text) : canon::ReleaseFields{};
    const std::string& tag = fields.tag;
    const std::string& repository = fields.repository;
    if (tag == t.tag && (t.repository.empty() || repository == t.repository)) {
        return m_verdicts[rev] = Acceptance{Acceptance::accepted, ""};
    }
    std::string holds =
        !text ? "no longer exists" : fmt::format("holds {}:{}", repository, tag.empty() ? "(no tag)" : tag);
    return m_verdicts[rev] = Acceptance{
               Acceptance::superseded, fmt::format("at {} {} {}", canon::argocd_short_sha(rev), t.release_file, holds)};
}

}  // namespace kanon::ops
