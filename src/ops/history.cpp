#include "ops/history.hpp"

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "canon/config.hpp"
#include "canon/release.hpp"
#include "gitops/cat_file.hpp"
#include "gitops/git.hpp"
#include "gitops/raw_log.hpp"
#include "util/redact.hpp"
#include "util/text.hpp"
#include "yaml/document.hpp"
#include "yaml/edit.hpp"
#include "yaml/path.hpp"

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

namespace {

// A commit's entry when kanon made it for `app` (every app when empty) in
// `stage` (every stage when empty) with `tag` (any when empty).
std::optional<HistoryEntry> kanon_entry(const gitops::LoggedCommit& c, const std::string& app, const std::string& stage,
                                        const std::string& tag)
{
    auto t = canon::parse_trailers(c.message);
    auto get = [&](std::string_view k) {
        auto it = t.find(std::string(k));
        return it == t.end() ? std::string() : it->second;
    };
    HistoryEntry e;
    e.app = get(canon::k_trailer_app);
    e.stage = get(canon::k_trailer_stage);
    e.tag = get(canon::k_trailer_tag);
    if (e.app.empty() || e.tag.empty() || (!app.empty() && e.app != app) || (!stage.empty() && e.stage != stage) ||
        (!tag.empty() && e.tag != tag)) {
        return std::nullopt;
    }
    e.commit = c.commit;
    e.author = c.author;
    e.time = c.time;
    e.action = get(canon::k_trailer_action);
    e.repository = get(canon::k_trailer_repository);
    e.from = get(canon::k_trailer_from);
    e.source_ref = get(canon::k_trailer_source_ref);
    e.hotfix = get(canon::k_trailer_hotfix);
    e.unverified = get(canon::k_trailer_unverified);
    e.digest = get(canon::k_trailer_digest);
    return e;
}

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
        if (auto e = kanon_entry(gitops::LoggedCommit{f[0], f[1], f[2], rec.substr(p), {}}, app, stage, tag)) {
            out.push_back(std::move(*e));
        }
    }
    return out;
}

namespace {

// kanon.yaml at HEAD of a clone, or the canon's defaults without one.
Result<canon::Config> config_at_head(const std::string& repo_dir)
{
    gitops::GitCall read_config;
    read_config.args = {"cat-file", "blob", "HEAD:kanon.yaml"};
    read_config.git_dir = repo_dir;
    auto text = gitops::git_try(read_config);
    if (!text || text->exit_code != 0) {
        return canon::Config{};
    }
    return canon::parse_config(text->out, "kanon.yaml");
}

// Kanon's commits, found by their trailers (grep runs in git, the exact
// match in parse_log).
Result<std::vector<HistoryEntry>> trailer_history(const std::string& repo_dir, const HistoryOptions& o)
{
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
    return parse_log(*log, o.app, o.stage, o.tag);
}

// The blobs named, read in one fetch (the clone has none) and one cat-file.
Result<std::map<std::string, std::string>> read_blobs(const std::string& repo_dir, const std::set<std::string>& oids)
{
    std::map<std::string, std::string> out;
    if (oids.empty()) {
        return out;
    }
    std::string input;
    for (const auto& oid : oids) {
        input += oid + "\n";
    }
    gitops::GitCall fetch;
    fetch.args = {"-c",
                  "fetch.negotiationAlgorithm=noop",
                  "fetch",
                  "-q",
                  "--no-tags",
                  "--no-write-fetch-head",
                  "--no-auto-maintenance",
                  "--recurse-submodules=no",
                  "--filter=blob:none",
                  "--stdin",
                  "origin"};
    fetch.input = input;
    fetch.git_dir = repo_dir;
    if (auto f = gitops::git(fetch); !f) {
        return f.take_error();
    }
    gitops::GitCall cat;
    cat.args = {"cat-file", "--batch"};
    cat.input = input;
    cat.git_dir = repo_dir;
    auto text = gitops::git(cat);
    if (!text) {
        return text.take_error();
    }
    auto objects = gitops::parse_cat_file_batch(*text, oids.size());
    if (!objects) {
        return objects.take_error();
    }
    auto it = oids.begin();
    for (const auto& o : *objects) {
        const std::string& oid = *it++;
        if (!o.found || o.oid != oid) {
            return Error{fmt::format("git cat-file: no blob {} in its answer", oid)};
        }
        out[oid] = std::string(o.content);
    }
    return out;
}

// A release file's image, as history shows it ("" when it cannot be read).
std::pair<std::string, std::string> image_of(const canon::Config& config, const std::string& path,
                                             const std::string& text)
{
    auto fields = canon::read_release(canon::ReleaseKeys(config), path, text);
    return {fields.repository, fields.tag};
}

// Every commit that changed the app's release files (of `o.stage`, or of
// every stage), newest first: kanon's by their trailers, the others by the
// image the file held after them, marked as not by kanon.
Result<std::vector<HistoryEntry>> file_history(const std::string& repo_dir, const canon::Config& config,
                                               const HistoryOptions& o)
{
    std::map<std::string, std::string> stage_of;  // release file -> stage
    gitops::GitCall log_call;
    log_call.args = {"log", gitops::k_raw_log_format, "--raw", "--no-abbrev", "--no-renames", "HEAD", "--"};
    for (const auto& stage : config.stage_names()) {
        if (o.stage.empty() || stage == o.stage) {
            stage_of[config.release_file(o.app, stage)] = stage;
            log_call.args.push_back(":(literal)" + config.release_file(o.app, stage));
        }
    }
    log_call.git_dir = repo_dir;
    auto log = gitops::git(log_call);
    if (!log) {
        return log.take_error();
    }
    std::vector<HistoryEntry> entries;
    std::vector<std::pair<std::size_t, std::string>> edits;  // entry -> the blob it set
    std::set<std::string> blobs;
    for (const auto& c : gitops::parse_raw_log(*log)) {
        if (auto e = kanon_entry(c, o.app, o.stage, {})) {
            entries.push_back(std::move(*e));
            continue;
        }
        for (const auto& change : c.changes) {
            auto stage = stage_of.find(change.path);
            if (stage == stage_of.end() || change.blob.empty()) {
                continue;  // another file, or the release file deleted
            }
            HistoryEntry e;
            e.commit = c.commit;
            e.author = c.author;
            e.time = c.time;
            e.action = "edit";
            e.app = o.app;
            e.stage = stage->second;
            e.by_kanon = false;
            edits.emplace_back(entries.size(), change.blob);
            blobs.insert(change.blob);
            entries.push_back(std::move(e));
        }
    }
    auto texts = read_blobs(repo_dir, blobs);
    if (!texts) {
        return texts.take_error();
    }
    for (const auto& [at, blob] : edits) {
        auto [repository, tag] = image_of(config, stage_of.begin()->first, (*texts)[blob]);
        entries[at].repository = repository;
        entries[at].tag = tag;
    }
    std::erase_if(entries, [](const HistoryEntry& e) { return e.tag.empty(); });  // a file that says no tag
    return entries;
}

}  // namespace

namespace {

// A bare clone of web-core's branch in `repo_dir`: commits only, and the
// trees too for an app's history (which commits changed its files). A
// server without filters sends everything, which is slower but as correct.
Status clone_for_history(const HistoryOptions& o, const std::string& url, const std::string& repo_dir)
{
    std::vector<std::string> args = {
        "clone",           "-q",
        "--bare",          "--template=",
        "--origin=origin", "--no-tags",
        "--single-branch", !o.app.empty() && o.tag.empty() ? "--filter=blob:none" : "--filter=tree:0"};
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
    return ok_status();
}

// The clone's branch, which must be one with commits: --branch may have
// named a tag (clone takes one), and an empty repository clones fine.
Result<std::string> cloned_branch(const HistoryOptions& o, const std::string& repo_dir, const std::string& repo)
{
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
            return Error{fmt::format("branch '{}' does not exist in {}", o.target.branch, repo)};
        }
        return Error{
            fmt::format("cannot tell the default branch of {}: it is empty, or its HEAD names no existing "
                        "branch; name one with --branch",
                        repo)};
    }
    return trim_blank_lines(head->out);
}

// kanon.yaml at the tip, when the history needs it: an app's history reads
// its release files by their paths, and a stage the canon does not have
// must be one kanon.yaml names (anything else is a typo, not a stage that
// never had a release).
Result<canon::Config> config_for_history(const HistoryOptions& o, const std::string& repo_dir, bool by_file)
{
    const canon::Config defaults;
    bool canon_stage = o.stage.empty() || canon::validate_stage(defaults, o.stage).ok();
    Result<canon::Config> config = defaults;
    if (by_file || !canon_stage) {
        config = config_at_head(repo_dir);
        if (!config) {
            return config;
        }
    }
    if (!o.stage.empty()) {
        if (auto st = canon::validate_stage(*config, o.stage); !st) {
            return st.take_error();
        }
    }
    return config;
}

}  // namespace

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
    if (auto st = clone_for_history(o, url, repo_dir); !st) {
        return st.take_error();
    }
    HistoryReport rep;
    rep.repo = redact(url);
    auto branch = cloned_branch(o, repo_dir, rep.repo);
    if (!branch) {
        return branch.take_error();
    }
    rep.branch = std::move(*branch);
    // An app's history is its release files' (any commit); a lookup of a tag
    // across apps, kanon's trailers only.
    bool by_file = !o.app.empty() && o.tag.empty();
    auto config = config_for_history(o, repo_dir, by_file);
    if (!config) {
        return config.take_error();
    }
    auto entries = by_file ? file_history(repo_dir, *config, o) : trailer_history(repo_dir, o);
    if (!entries) {
        return entries.take_error();
    }
    rep.entries = std::move(*entries);
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
    if (earlier.empty()) {
        return Error{fmt::format("{} is the oldest release in the stage's history (rollbacks undo what they went "
                                 "back over): there is nothing earlier to roll back to",
                                 current_tag),
                     ExitCode::verify_failed};
    }
    if (steps > static_cast<int>(earlier.size())) {
        return Error{
            fmt::format("the stage ran only {} before {}; cannot go {} back", counted(earlier.size(), "other tag"),
                        current_tag, counted(static_cast<std::size_t>(steps), "step")),
            ExitCode::verify_failed};
    }
    return *earlier[static_cast<std::size_t>(steps - 1)];
}

}  // namespace kanon::ops
