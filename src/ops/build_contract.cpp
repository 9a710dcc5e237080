#include "ops/build_contract.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "canon/config.hpp"
#include "canon/release.hpp"
#include "gitops/git.hpp"
#include "ops/status.hpp"
#include "util/redact.hpp"
#include "util/text.hpp"

namespace kanon::ops {
namespace {

bool contains(const std::string& text, std::string_view what)
{
    return text.find(what) != std::string::npos;
}

bool is_hex(const std::string& s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

Error not_in_web_core(const std::string& sha, const std::string& repo)
{
    return Error{fmt::format("commit {} is not in web-core ({})", sha, repo),
                 ExitCode::failed,
                 {},
                 "was the image built from a commit that was never pushed, or from another repository? "
                 "WEB_CORE_REF must name a commit of web-core"};
}

// The object is here (fetched): a commit, or an error naming what it is.
Status expect_commit(const gitops::Snapshot& snap, const std::string& sha)
{
    auto type = gitops::git(snap.call({"cat-file", "-t", sha}));
    if (!type) {
        return type.take_error();
    }
    if (trim_right(*type) != "commit") {
        return Error{fmt::format("{} is a {} in web-core, not a commit", sha, trim_right(*type)),
                     ExitCode::failed,
                     {},
                     "WEB_CORE_REF must be the SHA of the commit the image was built from"};
    }
    return ok_status();
}

// A v0 server that serves only what it advertises: one of its tips, or a
// commit in the history of one (commits only: no trees, no blobs).
Result<std::string> find_without_fetch_by_sha(const gitops::Snapshot& snap, const std::string& sha,
                                              const std::string& repo)
{
    auto tips = gitops::git_try(snap.call({"ls-remote", "origin"}));
    if (!tips) {
        return tips.take_error();
    }
    if (tips->exit_code != 0) {
        return Error{fmt::format("cannot list the refs of {}: {}", repo, redact(gitops::first_problem(tips->err)))};
    }
    for (const auto& line : lines(tips->out)) {
        if (line.size() > 41 && line.compare(0, 40, sha) == 0 && line[40] == '\t') {
            return "the tip of " + line.substr(41);
        }
    }
    auto history = gitops::git_try(
        snap.call({"fetch", "-q", "--no-tags", "--depth=2147483647", "--filter=tree:0", "--no-auto-maintenance",
                   "--recurse-submodules=no", "--no-write-fetch-head", "origin",
                   "+refs/heads/*:refs/kanon-build-ref/heads/*", "+refs/tags/*:refs/kanon-build-ref/tags/*"}));
    if (!history) {
        return history.take_error();
    }
    if (history->exit_code != 0) {
        return Error{
            fmt::format("cannot fetch the history of {}: {}", repo, redact(gitops::first_problem(history->err)))};
    }
    // rev-list walks what is here; a lookup of the SHA itself would make a
    // partial clone ask the server for it again.
    auto all = gitops::git(snap.call({"rev-list", "--all"}));
    if (!all) {
        return all.take_error();
    }
    for (std::size_t pos = 0; pos < all->size(); pos += 41) {
        if (all->compare(pos, 40, sha) == 0) {
            return std::string("in the history of its branches and tags");
        }
    }
    return not_in_web_core(sha, repo);
}

}  // namespace

Status validate_build_ref(const std::string& sha, const std::string& what)
{
    auto st = canon::validate_full_sha(sha, what);
    if (st) {
        return st;
    }
    Error e = st.take_error();
    const std::string why =
        "a short SHA is ambiguous (more commits may match it later) and so cannot pin the build: it is "
        "unreproducible";
    e.hint = is_hex(sha) && sha.size() < 40
                 ? fmt::format("{}; give the full SHA ('git rev-parse {}' prints it)", why, sha)
                 : fmt::format(
                       "a branch or tag moves and {}; give the full SHA of the web-core commit the image was "
                       "built from",
                       why);
    return e;
}

ShaFetch classify_sha_fetch(int exit_code, const std::string& err)
{
    if (exit_code == 0) {
        return ShaFetch::found;
    }
    // v2: upload-pack looks the object up and dies with "not our ref" when it
    // is not there (file://, smart HTTP, ssh; GitHub and GitLab say the same).
    if (contains(err, "not our ref")) {
        return ShaFetch::absent;
    }
    // v0 (and v2 servers configured to refuse): only advertised tips are served.
    if (contains(err, "not allow request for unadvertised object")) {
        return ShaFetch::unadvertised;
    }
    return ShaFetch::failed;
}

Result<BuildRef> check_build_ref(const gitops::Target& target, const std::string& sha, const std::string& config_path)
{
    if (auto st = validate_build_ref(sha); !st) {
        return st.take_error();
    }
    gitops::Target t = target;
    t.cache_dir.clear();  // the probe leaves shallow roots and foreign commits behind: not in a kept clone
    auto snap = gitops::Snapshot::fetch(t);
    if (!snap) {
        return snap.take_error();
    }
    auto config = config_at_tip(*snap, config_path);
    if (!config) {
        return config.take_error();
    }
    BuildRef ref{lower(sha), redact(snap->url()), snap->branch(), {}, config->mutable_tags};
    if (snap->commit() == ref.sha) {
        ref.how = "the tip of " + ref.branch;
        return ref;
    }
    std::vector<std::string> args = snap->fetch_args();
    args.insert(args.end(), {"origin", ref.sha});
    auto fetched = gitops::git_try(snap->call(args));
    if (!fetched) {
        return fetched.take_error();
    }
    switch (classify_sha_fetch(fetched->exit_code, fetched->err)) {
        case ShaFetch::found:
            if (auto st = expect_commit(*snap, ref.sha); !st) {
                return st.take_error();
            }
            ref.how = "fetched by SHA";
            return ref;
        case ShaFetch::absent:
            return not_in_web_core(ref.sha, ref.repo);
        case ShaFetch::unadvertised: {
            auto how = find_without_fetch_by_sha(*snap, ref.sha, ref.repo);
            if (!how) {
                return how.take_error();
            }
            ref.how = *how;
            return ref;
        }
        case ShaFetch::failed:
            break;
    }
    return Error{fmt::format("cannot check whether commit {} is in web-core ({}): git fetch failed: {}", ref.sha,
                             ref.repo, redact(gitops::first_problem(fetched->err)))};
}

Result<VerifyBuildReport> verify_build(const VerifyBuildOptions& opts)
{
    if (auto st = validate_build_ref(opts.ref); !st) {
        return st.take_error();
    }
    if (auto st = canon::validate_tag(opts.tag); !st) {
        return st.take_error();
    }
    if (!opts.app.empty()) {
        if (auto st = canon::validate_app_name(opts.app); !st) {
            return st.take_error();
        }
    }
    auto ref = check_build_ref(opts.target, opts.ref, opts.config_path);
    if (!ref) {
        return ref.take_error();
    }
    canon::Config tags;
    tags.mutable_tags = ref->mutable_tags;
    if (auto st = canon::check_immutable_tag(tags, opts.tag); !st) {
        return st.take_error();
    }
    HistoryOptions h;
    h.target = opts.target;
    h.target.branch = ref->branch;
    h.app = opts.app;
    h.tag = opts.tag;
    auto hist = history(h);
    if (!hist) {
        return hist.take_error();
    }
    VerifyBuildReport rep;
    rep.ref = *ref;
    rep.tag = opts.tag;
    rep.app = opts.app;
    for (const auto& e : hist->entries) {
        if (e.source_ref.empty()) {
            rep.unknown_ref.push_back(e);
        } else if (lower(e.source_ref) == ref->sha) {
            rep.same_ref.push_back(e);
        } else {
            return Error{
                fmt::format("tag {} was already released from another commit: {} ({} of {} to {} in "
                            "web-core commit {}, {}); a tag names one build forever",
                            opts.tag, e.source_ref, e.action, e.app, e.stage, canon::short_sha(e.commit), e.time),
                ExitCode::verify_failed,
                {},
                "build under a new tag (the usual one is the full SHA of the web-core commit)"};
        }
    }
    return rep;
}

}  // namespace kanon::ops
