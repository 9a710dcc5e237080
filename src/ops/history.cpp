#include "ops/history.hpp"

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "canon/config.hpp"
#include "canon/release.hpp"
#include "gitops/git.hpp"
#include "util/redact.hpp"

namespace kanon::ops {
namespace {

std::string trim_blank_lines(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
        s.pop_back();
    }
    while (!s.empty() && s.front() == '\n') {
        s.erase(0, 1);
    }
    return s;
}

struct TempDir {
    std::string path;
    ~TempDir()
    {
        if (!path.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    }
};

}  // namespace

std::vector<HistoryEntry> parse_log(const std::string& log, const std::string& app, const std::string& stage,
                                    const std::string& tag)
{
    std::vector<HistoryEntry> out;
    std::size_t pos = 0;
    while (pos < log.size()) {
        auto end = log.find('\x1e', pos);
        std::string rec = trim_blank_lines(log.substr(pos, end == std::string::npos ? std::string::npos : end - pos));
        pos = end == std::string::npos ? log.size() : end + 1;
        std::vector<std::string> f;
        std::size_t p = 0;
        for (int i = 0; i < 3; ++i) {
            auto us = rec.find('\x1f', p);
            if (us == std::string::npos) {
                break;
            }
            f.push_back(rec.substr(p, us - p));
            p = us + 1;
        }
        if (f.size() != 3) {
            continue;
        }
        auto t = canon::parse_trailers(rec.substr(p));
        auto get = [&](std::string_view k) {
            auto it = t.find(std::string(k));
            return it == t.end() ? std::string() : it->second;
        };
        HistoryEntry e;
        e.app = get(canon::k_trailer_app);
        e.stage = get(canon::k_trailer_stage);
        e.tag = get(canon::k_trailer_tag);
        if (e.app.empty() || (!app.empty() && e.app != app) || (!stage.empty() && e.stage != stage) ||
            (!tag.empty() && e.tag != tag)) {
            continue;
        }
        e.commit = f[0];
        e.author = f[1];
        e.time = f[2];
        e.action = get(canon::k_trailer_action);
        e.repository = get(canon::k_trailer_repository);
        e.from = get(canon::k_trailer_from);
        e.source_ref = get(canon::k_trailer_source_ref);
        if (e.tag.empty()) {
            continue;
        }
        out.push_back(std::move(e));
    }
    return out;
}

Result<HistoryReport> history(const HistoryOptions& o)
{
    // Every app's history only for one tag (verify-build); else one app's.
    if (auto st = canon::validate_app_name(o.app.empty() && !o.tag.empty() ? "every-app" : o.app); !st) {
        return st.take_error();
    }
    std::string repo = o.target.repo;
    if (repo.empty()) {
        auto r = gitops::default_remote();
        if (!r) {
            return r.take_error();
        }
        repo = *r;
    }
    std::string url = gitops::normalize_remote(repo);
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/kanon-history-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
        return Error{"cannot create a temporary directory"};
    }
    TempDir dir{tmpl};
    std::string repo_dir = dir.path + "/web-core.git";
    // Commits only: a server without filters sends everything, which is
    // slower but as correct.
    std::vector<std::string> args = {
        "clone", "-q", "--bare", "--template=", "--origin=origin", "--no-tags", "--single-branch", "--filter=tree:0"};
    if (!o.target.branch.empty()) {
        args.push_back("--branch=" + o.target.branch);
    }
    // The URL's credentials go by the environment, never by the argv.
    args.insert(args.end(), {"--", gitops::without_userinfo(url), repo_dir});
    gitops::GitCall clone;
    clone.args = args;
    clone.config = gitops::userinfo_config(url);
    auto cloned = gitops::git_try(clone);
    if (!cloned) {
        return cloned.take_error();
    }
    if (cloned->exit_code != 0) {  // worded as the other branch commands word it (gitops/snapshot.cpp)
        const std::string& err = cloned->err;
        if (err.find("not found in upstream") != std::string::npos ||
            err.find("couldn't find remote ref") != std::string::npos) {
            return Error{fmt::format("branch '{}' does not exist in {}", o.target.branch, redact(url))};
        }
        return Error{fmt::format("git clone of {} failed: {}", redact(url), redact(gitops::first_problem(err)))};
    }
    HistoryReport rep;
    rep.repo = redact(url);
    // A branch, and one with commits: --branch may have named a tag (clone
    // takes one), and an empty repository clones fine.
    gitops::GitCall head_call;
    head_call.args = {"symbolic-ref", "--short", "-q", "HEAD"};
    head_call.git_dir = repo_dir;
    gitops::GitCall commit_call;
    commit_call.args = {"rev-parse", "-q", "--verify", "HEAD^{commit}"};
    commit_call.git_dir = repo_dir;
    auto head = gitops::git_try(head_call);
    if (!head) {
        return head.take_error();
    }
    auto commit = gitops::git_try(commit_call);
    if (!commit) {
        return commit.take_error();
    }
    if (head->exit_code != 0 || commit->exit_code != 0) {
        if (!o.target.branch.empty()) {
            return Error{fmt::format("branch '{}' does not exist in {}", o.target.branch, rep.repo)};
        }
        return Error{
            fmt::format("cannot tell the default branch of {}: it is empty, or its HEAD names no existing "
                        "branch; name one with --branch",
                        rep.repo)};
    }
    rep.branch = trim_blank_lines(head->out);
    // A stage the canon does not have must be one that kanon.yaml at the tip
    // names; anything else is a typo, not a stage that never had a release.
    if (!o.stage.empty() && !canon::validate_stage(canon::Config{}, o.stage)) {
        canon::Config config;
        gitops::GitCall read_config;
        read_config.args = {"cat-file", "blob", "HEAD:kanon.yaml"};
        read_config.git_dir = repo_dir;
        auto text = gitops::git_try(read_config);
        if (text && text->exit_code == 0) {
            auto parsed = canon::parse_config(text->out, "kanon.yaml");
            if (!parsed) {
                return parsed.take_error();
            }
            config = std::move(*parsed);
        }
        if (auto st = canon::validate_stage(config, o.stage); !st) {
            return st.take_error();
        }
    }
    // Only commits whose message names the app: grep runs in git, the exact
    // trailer match in parse_log.
    gitops::GitCall log_call;
    log_call.args = {"log", "--format=%H%x1f%an <%ae>%x1f%cI%x1f%B%x1e", "-F", "--all-match"};
    for (const auto& [trailer, value] : {std::pair{canon::k_trailer_app, &o.app}, {canon::k_trailer_tag, &o.tag}}) {
        if (!value->empty()) {
            log_call.args.push_back(fmt::format("--grep={}: {}", trailer, *value));
        }
    }
    log_call.args.emplace_back("HEAD");
    log_call.git_dir = repo_dir;
    auto log = gitops::git(log_call);
    if (!log) {
        return log.take_error();
    }
    rep.entries = parse_log(*log, o.app, o.stage, o.tag);
    if (o.limit > 0 && rep.entries.size() > static_cast<std::size_t>(o.limit)) {
        rep.entries.resize(static_cast<std::size_t>(o.limit));
    }
    return rep;
}

Result<HistoryEntry> pick_rollback(const std::vector<HistoryEntry>& entries, const std::string& current_tag,
                                   const std::string& to_tag, int steps)
{
    if (!to_tag.empty()) {
        for (const auto& e : entries) {
            if (e.tag == to_tag) {
                return e;
            }
        }
        return Error{fmt::format("the stage never ran {} (not in its history of {} releases): a rollback goes only "
                                 "to a tag the stage ran before",
                                 to_tag, entries.size()),
                     ExitCode::verify_failed,
                     {},
                     "see 'kanon history' for the tags it ran"};
    }
    // The distinct tags before the current one, newest first. A rollback
    // undid the releases between it and the entry it went back to: those are
    // skipped, so that running `--steps 1` again never brings back the release
    // that was just rolled back.
    std::vector<const HistoryEntry*> earlier;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const HistoryEntry& e = entries[i];
        if (e.action == "rollback") {
            for (std::size_t j = i + 1; j < entries.size(); ++j) {
                if (entries[j].tag == e.tag) {
                    i = j;  // entries[j] has e's tag: nothing of it is lost
                    break;
                }
            }
        }
        if (e.tag == current_tag) {
            continue;
        }
        bool seen = false;
        for (const auto* x : earlier) {
            seen = seen || x->tag == e.tag;
        }
        if (!seen) {
            earlier.push_back(&e);
        }
    }
    if (steps > static_cast<int>(earlier.size())) {
        return Error{fmt::format("the stage ran only {} other tag(s) before {}; cannot go {} steps back",
                                 earlier.size(), current_tag, steps),
                     ExitCode::verify_failed};
    }
    return *earlier[static_cast<std::size_t>(steps - 1)];
}

}  // namespace kanon::ops
