#include "gitops/transaction.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "gitops/git.hpp"
#include "util/redact.hpp"

namespace kanon::gitops {
namespace {

using Clock = std::chrono::steady_clock;

std::string trim(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
        s.pop_back();
    }
    return s;
}

std::string env(const char* name)
{
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
}

GitCall in_repo(const Snapshot& snap, std::vector<std::string> args, std::string input = {})
{
    GitCall c;
    c.git_dir = snap.dir();
    c.args = std::move(args);
    c.input = std::move(input);
    return c;
}

// The mode of each changed path at the tip (100644 for new files).
Result<std::map<std::string, std::string>> modes_at(const Snapshot& snap, const Files& changes)
{
    std::vector<std::string> args = {"--literal-pathspecs", "ls-tree", "-z", "--full-tree", snap.commit(), "--"};
    for (const auto& [path, _] : changes) {
        args.push_back(path);
    }
    auto out = git(in_repo(snap, args));
    if (!out) {
        return out.take_error();
    }
    std::map<std::string, std::string> modes;
    std::size_t pos = 0;
    while (pos < out->size()) {
        auto end = out->find('\0', pos);
        std::string rec = out->substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        pos = end == std::string::npos ? out->size() : end + 1;
        auto tab = rec.find('\t');
        if (tab != std::string::npos) {
            modes[rec.substr(tab + 1)] = rec.substr(0, rec.find(' '));
        }
    }
    return modes;
}

// Blobs, a temporary index from the tip's tree, a new tree, a commit.
Result<std::string> write_commit(const Snapshot& snap, const Files& changes, const std::string& message,
                                 const Identity& author)
{
    auto modes = modes_at(snap, changes);
    if (!modes) {
        return modes.take_error();
    }
    std::vector<std::string> update = {"update-index", "--add"};
    for (const auto& [path, content] : changes) {
        auto blob = git(in_repo(snap, {"hash-object", "-w", "--stdin"}, content));
        if (!blob) {
            return blob.take_error();
        }
        auto mode = modes->count(path) != 0 ? modes->at(path) : std::string("100644");
        if (mode != "100644" && mode != "100755") {
            return Error{fmt::format("{} is not a regular file at the tip (mode {})", path, mode)};
        }
        update.push_back("--cacheinfo");
        update.push_back(fmt::format("{},{},{}", mode, trim(*blob), path));
    }
    std::string index = fmt::format("{}/kanon-index-{}", snap.dir(), ::getpid());
    struct RemoveIndex {
        std::string path;
        ~RemoveIndex() { ::unlink(path.c_str()); }
    } cleanup{index};
    auto with_index = [&](std::vector<std::string> args) {
        GitCall c = in_repo(snap, std::move(args));
        c.env["GIT_INDEX_FILE"] = index;
        return c;
    };
    // Trees only: a blobless clone has none of the other files' blobs and
    // needs none of them (write-tree --missing-ok never fetches).
    if (auto r = git(with_index({"read-tree", snap.commit()})); !r) {
        return r.take_error();
    }
    if (auto r = git(with_index(update)); !r) {
        return r.take_error();
    }
    auto tree = git(with_index({"write-tree", "--missing-ok"}));
    if (!tree) {
        return tree.take_error();
    }
    GitCall commit = in_repo(snap, {"commit-tree", trim(*tree), "-p", snap.commit(), "-F", "-"}, message);
    commit.env["GIT_AUTHOR_NAME"] = author.name;
    commit.env["GIT_AUTHOR_EMAIL"] = author.email;
    if (env("GIT_COMMITTER_NAME").empty()) {
        commit.env["GIT_COMMITTER_NAME"] = author.name;
    }
    if (env("GIT_COMMITTER_EMAIL").empty()) {
        commit.env["GIT_COMMITTER_EMAIL"] = author.email;
    }
    auto oid = git(commit);
    if (!oid) {
        return oid.take_error();
    }
    return trim(*oid);
}

Result<PushOutcome> push(const Snapshot& snap, const std::string& commit)
{
    std::string ref = "refs/heads/" + snap.branch();
    auto r = git_try(in_repo(snap, {"push", "--porcelain", "--no-verify", "origin", commit + ":" + ref}));
    if (!r) {
        return r.take_error();
    }
    return classify_push(r->exit_code, r->out, r->err);
}

std::chrono::milliseconds backoff(const TransactionOptions& o, int attempt, std::mt19937& rng)
{
    // Full jitter: uniform in [0, min(cap, base * 2^attempt)].
    auto ceiling = o.backoff_base.count() << std::min(attempt, 16);
    ceiling = std::min<long long>(ceiling, o.backoff_cap.count());
    std::uniform_int_distribution<long long> pick(0, std::max<long long>(ceiling, 1));
    return std::chrono::milliseconds(pick(rng));
}

std::string first_line(const std::string& s)
{
    return trim(s.substr(0, s.find('\n')));
}

}  // namespace

PushOutcome classify_push(int exit_code, const std::string& out, const std::string& err)
{
    if (exit_code == 0) {
        return {PushVerdict::pushed, {}};
    }
    std::string all = out + "\n" + err;
    // The branch moved under us: someone else's commit landed first.
    for (std::string_view stale : {"(fetch first)", "(non-fast-forward)", "cannot lock ref", "failed to update ref",
                                   "incorrect old value provided", "stale info", "failed to lock"}) {
        if (all.find(stale) != std::string::npos) {
            return {PushVerdict::stale, {}};
        }
    }
    // Anything else is final: a hook that declined, no permission, no such
    // repository. The server's own words are the message.
    std::string reason;
    std::size_t pos = 0;
    while (pos < err.size()) {
        auto nl = err.find('\n', pos);
        std::string line = trim(err.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
        pos = nl == std::string::npos ? err.size() : nl + 1;
        if (line.rfind("remote: ", 0) == 0 && line.size() > 8) {
            reason += (reason.empty() ? "" : " / ") + line.substr(8);
        }
    }
    auto bang = out.find("\n!\t");
    if (out.rfind("!\t", 0) == 0 || bang != std::string::npos) {
        std::string line = first_line(out.substr(bang == std::string::npos ? 0 : bang + 1));
        auto tab = line.rfind('\t');
        std::string why = tab == std::string::npos ? line : line.substr(tab + 1);
        reason = reason.empty() ? why : why + ": " + reason;
    }
    if (reason.empty()) {
        for (std::size_t p = 0; p < err.size();) {
            auto nl = err.find('\n', p);
            std::string line = trim(err.substr(p, nl == std::string::npos ? std::string::npos : nl - p));
            p = nl == std::string::npos ? err.size() : nl + 1;
            if (line.rfind("fatal: ", 0) == 0 || line.rfind("error: ", 0) == 0) {
                reason = line.substr(7);
                break;
            }
        }
    }
    return {PushVerdict::rejected, reason.empty() ? std::string("git push failed") : reason};
}

Result<Identity> parse_identity(const std::string& text)
{
    auto lt = text.find('<');
    auto gt = text.find('>', lt == std::string::npos ? 0 : lt);
    if (lt == std::string::npos || gt == std::string::npos || gt != text.size() - 1 || lt == 0) {
        return usage_error(fmt::format("--author '{}' is not of the form 'Name <email>'", text));
    }
    Identity id{trim(text.substr(0, lt)), text.substr(lt + 1, gt - lt - 1)};
    bool control = std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
    if (id.name.empty() || id.email.empty() || control || id.email.find_first_of("<> ") != std::string::npos) {
        return usage_error("--author needs a name and an email, 'Name <email>', on one line");
    }
    return id;
}

Identity default_identity()
{
    if (!env("GIT_AUTHOR_NAME").empty() && !env("GIT_AUTHOR_EMAIL").empty()) {
        return {env("GIT_AUTHOR_NAME"), env("GIT_AUTHOR_EMAIL")};
    }
    if (!env("GITLAB_USER_NAME").empty()) {  // GitLab CI: who started the pipeline
        return {env("GITLAB_USER_NAME"), env("GITLAB_USER_EMAIL").empty() ? "kanon@localhost" : env("GITLAB_USER_EMAIL")};
    }
    if (!env("GITHUB_ACTOR").empty()) {  // GitHub Actions
        return {env("GITHUB_ACTOR"), env("GITHUB_ACTOR") + "@users.noreply.github.com"};
    }
    auto name = git_try({{"config", "user.name"}});
    auto email = git_try({{"config", "user.email"}});
    if (name && email && name->exit_code == 0 && email->exit_code == 0) {
        return {trim(name->out), trim(email->out)};
    }
    return {"kanon", "kanon@localhost"};
}

Result<TransactionResult> run_transaction(Snapshot snap_value, const TransactionOptions& opts, const Plan& plan)
{
    auto started = Clock::now();
    auto say = [&](const std::string& line) {
        if (opts.progress) {
            opts.progress(line);
        }
    };
    Identity author = opts.author ? *opts.author : default_identity();
    Snapshot* snap = &snap_value;
    std::random_device seed;
    std::mt19937 rng(seed());
    TransactionResult res;
    res.branch = snap->branch();
    res.repo = redact(snap->url());
    for (int attempt = 1;; ++attempt) {
        res.attempts = attempt;
        res.base = snap->commit();
        auto tip = snap->read(plan.reads);
        if (!tip) {
            return tip.take_error();
        }
        res.tip = *tip;
        auto proposal = plan.apply(*tip);
        if (!proposal) {
            return proposal.take_error();
        }
        Files changes;
        for (auto& [path, content] : proposal->changes) {
            auto it = tip->find(path);
            if (it == tip->end() || it->second != content) {
                changes[path] = content;
            }
        }
        if (changes.empty()) {
            say(fmt::format("nothing to change at {}", snap->commit().substr(0, 12)));
            res.changed = false;
            res.commit.clear();
            return res;
        }
        auto commit = write_commit(*snap, changes, proposal->message, author);
        if (!commit) {
            return commit.take_error();
        }
        auto pushed = push(*snap, *commit);
        if (!pushed) {
            return pushed.take_error();
        }
        if (pushed->verdict == PushVerdict::pushed) {
            say(fmt::format("pushed {} onto {} (attempt {})", commit->substr(0, 12), snap->commit().substr(0, 12),
                            attempt));
            res.changed = true;
            res.commit = *commit;
            res.tip = *tip;
            return res;
        }
        if (pushed->verdict == PushVerdict::rejected) {
            return Error{fmt::format("the push to {} was rejected: {}", res.repo, redact(pushed->message)),
                         ExitCode::failed, {},
                         "nothing was changed; the server refused the commit (a hook, a protected branch, or "
                         "permissions)"};
        }
        auto elapsed = Clock::now() - started;
        if (attempt >= opts.max_attempts || elapsed >= opts.deadline) {
            return Error{fmt::format("{} moved under every one of {} attempts in {}s; gave up without pushing",
                                     res.branch, attempt,
                                     std::chrono::duration_cast<std::chrono::seconds>(elapsed).count()),
                         ExitCode::failed, {}, "run the command again; nothing was changed"};
        }
        auto wait = backoff(opts, attempt - 1, rng);
        say(fmt::format("{} moved while pushing (attempt {}); retrying in {} ms", res.branch, attempt, wait.count()));
        std::this_thread::sleep_for(wait);
        if (auto st = snap->refresh(); !st) {
            return st.take_error();
        }
    }
}

}  // namespace kanon::gitops
