#include "gitops/transaction.hpp"

#include <algorithm>
#include <cstdlib>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "canon/names.hpp"
#include "gitops/git.hpp"
#include "gitops/tree.hpp"
#include "util/redact.hpp"
#include "util/signals.hpp"
#include "util/text.hpp"

namespace kanon::gitops {
namespace {

using Clock = std::chrono::steady_clock;

GitCall in_repo(const Snapshot& snap, std::vector<std::string> args, std::string input = {})
{
    return snap.call(std::move(args), std::move(input));
}

// The changed files as blobs in the repository: path -> blob id.
Result<std::map<std::string, std::string>> write_blobs(const Snapshot& snap, const Files& changes)
{
    std::map<std::string, std::string> blobs;
    for (const auto& [path, content] : changes) {
        auto blob = git(in_repo(snap, {"hash-object", "-w", "--stdin"}, content));
        if (!blob) {
            return blob.take_error();
        }
        blobs[path] = trim_right(*blob);
    }
    return blobs;
}

Result<std::string> commit_tree(const Snapshot& snap, const std::string& tree, const std::string& message,
                                const Identity& author)
{
    GitCall commit = in_repo(snap, {"commit-tree", tree, "-p", snap.commit(), "-F", "-"}, message);
    commit.env["GIT_AUTHOR_NAME"] = author.name;
    commit.env["GIT_AUTHOR_EMAIL"] = author.email;
    if (env_or_empty("GIT_COMMITTER_NAME").empty()) {
        commit.env["GIT_COMMITTER_NAME"] = author.name;
    }
    if (env_or_empty("GIT_COMMITTER_EMAIL").empty()) {
        commit.env["GIT_COMMITTER_EMAIL"] = author.email;
    }
    auto oid = git(commit);
    if (!oid) {
        return oid.take_error();
    }
    return trim_right(*oid);
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

// What an attempt made of the files it read, kept for the next attempt.
struct Edit {
    std::map<std::string, std::string> read_ids;  // path -> blob id of each file read that exists
    Files tip;                                    // their contents
    Files changes;                                // the files that differ from the tip
    std::string message;
    std::map<std::string, std::string> blobs;  // the changes, written: path -> blob id
};

// The edit at the snapshot's tip. When the files the plan reads have the
// same blob ids as when `previous` was made (the branch moved by other
// files: the usual case with many writers), it is `previous` as it is —
// apply() would make the same proposal from the same input — and `reused` is
// set; otherwise their contents are fetched and the plan applied again.
Result<Edit> edit_at(const Snapshot& snap, const Plan& plan, std::optional<Edit> previous, bool& reused)
{
    auto entries = snap.find(plan.reads);
    if (!entries) {
        return entries.take_error();
    }
    std::map<std::string, std::string> ids;
    for (const auto& e : *entries) {
        ids[e.path] = e.oid;
    }
    if (previous && previous->read_ids == ids) {
        reused = true;
        return std::move(*previous);
    }
    auto tip = snap.read_entries(*entries);
    if (!tip) {
        return tip.take_error();
    }
    auto proposal = plan.apply(*tip);
    if (!proposal) {
        return proposal.take_error();
    }
    Edit e{std::move(ids), std::move(*tip), {}, std::move(proposal->message), {}};
    for (auto& [path, content] : proposal->changes) {
        auto it = e.tip.find(path);
        if (it == e.tip.end() || it->second != content) {
            e.changes[path] = std::move(content);
        }
    }
    auto blobs = write_blobs(snap, e.changes);
    if (!blobs) {
        return blobs.take_error();
    }
    e.blobs = std::move(*blobs);
    return e;
}

// The commit of an edit on the snapshot's tip; "" when it changes nothing.
Result<std::string> make_commit(const Snapshot& snap, const Edit& edit, const Identity& author)
{
    if (edit.blobs.empty()) {
        return std::string();
    }
    auto tree = edit_tree(snap.dir(), snap.commit(), edit.blobs);
    if (!tree) {
        return tree.take_error();
    }
    if (tree->tree == tree->base) {  // files it did not read, already so: no empty commit
        return std::string();
    }
    return commit_tree(snap, tree->tree, edit.message, author);
}

// Sleeps `d`, waking every 50 ms to see whether a signal came; true if one did.
bool nap_interrupted(std::chrono::milliseconds d)
{
    auto until = Clock::now() + d;
    while (!interrupted()) {
        auto left = until - Clock::now();
        if (left <= Clock::duration::zero()) {
            return false;
        }
        std::this_thread::sleep_for(std::min<Clock::duration>(left, std::chrono::milliseconds(50)));
    }
    return true;
}

Error interrupted_before_push(const std::string& branch)
{
    return Error{fmt::format("interrupted before pushing to {}", branch),
                 ExitCode::interrupted,
                 {},
                 "nothing was changed; run the command again"};
}

// A signal while waiting to retry a push that may have landed unseen.
Error interrupted_before_retry(const std::string& branch)
{
    return Error{fmt::format("interrupted before pushing to {} again", branch),
                 ExitCode::interrupted,
                 {},
                 "the last try may have landed unseen: run the command again (it changes nothing if it did)"};
}

// Where a push's answer was lost and looking for it failed too.
std::string may_have_landed_hint()
{
    return "the commit may or may not have landed: run the command again once the remote answers (it changes "
           "nothing if it did)";
}

std::string first_line(const std::string& s)
{
    return trim_right(s.substr(0, s.find('\n')));
}

// A commit of ours whose push may have landed unseen, and the tip it was
// made on.
struct Unconfirmed {
    std::string commit;
    std::string base;
};

// Whether the tip of the (refreshed) snapshot has `commit`: a push that
// landed although its answer was lost, or that the transport's retried POST
// found there. The refresh fetched the tip alone, so a commit someone pushed
// on top of ours hides it; with `look_back`, the last k_landed_look_back
// commits are fetched (commits and trees, one round trip) and searched too.
// That is done only where the answer decides what is reported. `unknown`
// holds why the look-back failed, if it did.
struct Landed {
    bool found = false;
    std::string unknown;
};

Landed find_landed(Snapshot& snap, const std::string& commit, bool look_back)
{
    auto has = [&] {
        if (snap.commit() == commit) {
            return true;
        }
        auto r = git_try(in_repo(snap, {"merge-base", "--is-ancestor", commit, snap.commit()}));
        return r && r->exit_code == 0;
    };
    if (bool found = has(); found || !look_back) {
        return {found, {}};
    }
    if (auto st = snap.deepen(k_landed_look_back); !st) {
        return {false, st.error().message};
    }
    return {has(), {}};
}

// What to say about a push the server refused or never got.
std::string rejected_hint(const std::string& message)
{
    for (std::string_view unreachable :
         {"Failed to connect", "Could not resolve", "Connection refused", "Couldn't connect"}) {
        if (message.find(unreachable) != std::string::npos) {
            return "nothing was changed; the remote could not be reached: check the URL and the network, then run "
                   "the command again";
        }
    }
    return "nothing was changed; the server refused the commit (a hook, a protected branch, or permissions)";
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
    auto err_lines = lines(err);
    auto without_prefix = [](const std::string& line) {
        return line.rfind("error: ", 0) == 0 || line.rfind("fatal: ", 0) == 0 ? line.substr(7) : line;
    };
    auto bang = out.find("\n!\t");
    bool verdict = out.rfind("!\t", 0) == 0 || bang != std::string::npos;  // the server's word on our ref
    // The connection failed mid-push, with no word from the server on our ref:
    // it may have landed.
    if (!verdict) {
        for (std::string_view lost :
             {"RPC failed", "remote end hung up unexpectedly", "unexpected disconnect", "early EOF", "Connection reset",
              "Recv failure", "Send failure", "Operation too slow", "timed out", "Empty reply from server"}) {
            auto hit = std::find_if(err_lines.begin(), err_lines.end(),
                                    [&](const std::string& line) { return line.find(lost) != std::string::npos; });
            if (hit != err_lines.end()) {
                return {PushVerdict::lost, without_prefix(*hit)};
            }
        }
    }
    // Anything else is final: a hook that declined, no permission, no such
    // repository. The server's own words are the message.
    std::string reason;
    for (const auto& line : err_lines) {
        if (line.rfind("remote: ", 0) == 0 && line.size() > 8) {
            reason += (reason.empty() ? "" : " / ") + line.substr(8);
        }
    }
    if (verdict) {
        std::string line = first_line(out.substr(bang == std::string::npos ? 0 : bang + 1));
        auto tab = line.rfind('\t');
        std::string why = tab == std::string::npos ? line : line.substr(tab + 1);
        reason = reason.empty() ? why : why + ": " + reason;
    }
    if (reason.empty()) {
        auto fatal = std::find_if(err_lines.begin(), err_lines.end(), [](const std::string& line) {
            return line.rfind("fatal: ", 0) == 0 || line.rfind("error: ", 0) == 0;
        });
        if (fatal != err_lines.end()) {
            reason = without_prefix(*fatal);
        }
    }
    return {PushVerdict::rejected, reason.empty() ? std::string("git push failed") : reason};
}

Result<Identity> parse_identity(const std::string& text)
{
    auto lt = text.find('<');
    auto gt = text.find('>', lt == std::string::npos ? 0 : lt);
    if (lt == std::string::npos || gt == std::string::npos || gt != text.size() - 1 || lt == 0) {
        return usage_error(fmt::format("--author '{}' is not of the form 'Name <email>'", printable(text)));
    }
    Identity id{trim_right(text.substr(0, lt)), text.substr(lt + 1, gt - lt - 1)};
    bool control = std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
    if (id.name.empty() || id.email.empty() || control || id.email.find_first_of("<> ") != std::string::npos) {
        return usage_error("--author needs a name and an email, 'Name <email>', on one line");
    }
    return id;
}

Identity default_identity()
{
    if (!env_or_empty("GIT_AUTHOR_NAME").empty() && !env_or_empty("GIT_AUTHOR_EMAIL").empty()) {
        return {env_or_empty("GIT_AUTHOR_NAME"), env_or_empty("GIT_AUTHOR_EMAIL")};
    }
    if (!env_or_empty("GITLAB_USER_NAME").empty()) {  // GitLab CI: who started the pipeline
        return {env_or_empty("GITLAB_USER_NAME"),
                env_or_empty("GITLAB_USER_EMAIL").empty() ? "kanon@localhost" : env_or_empty("GITLAB_USER_EMAIL")};
    }
    if (!env_or_empty("GITHUB_ACTOR").empty()) {  // GitHub Actions
        return {env_or_empty("GITHUB_ACTOR"), env_or_empty("GITHUB_ACTOR") + "@users.noreply.github.com"};
    }
    GitCall name_call;
    name_call.args = {"config", "user.name"};
    GitCall email_call;
    email_call.args = {"config", "user.email"};
    auto name = git_try(name_call);
    auto email = git_try(email_call);
    if (name && email && name->exit_code == 0 && email->exit_code == 0) {
        return {trim_right(name->out), trim_right(email->out)};
    }
    return {"kanon", "kanon@localhost"};
}

std::optional<std::chrono::milliseconds> retry_wait(const TransactionOptions& opts, int attempts,
                                                    std::chrono::milliseconds elapsed, std::mt19937& rng)
{
    if ((opts.max_attempts > 0 && attempts >= opts.max_attempts) || elapsed >= opts.deadline) {
        return std::nullopt;
    }
    // Full jitter: uniform in [0, min(cap, base * 2^(attempts - 1))].
    long long ceiling = opts.backoff_base.count() << std::clamp(attempts - 1, 0, 16);
    ceiling = std::min<long long>(ceiling, opts.backoff_cap.count());
    std::uniform_int_distribution<long long> pick(0, std::max<long long>(ceiling, 1));
    return std::min(std::chrono::milliseconds(pick(rng)), opts.deadline - elapsed);
}

namespace {

// One write, attempt after attempt: edit at the tip, commit, push; on a
// lost answer or a moved branch, find out what landed before trying again.
// Each method returning an optional result ends the run when it holds one.
class Transaction {
public:
    using Outcome = std::optional<Result<TransactionResult>>;

    Transaction(Snapshot snap, const TransactionOptions& opts, const Plan& plan)
        : m_snap(std::move(snap)),
          m_opts(opts),
          m_plan(plan),
          m_started(Clock::now()),
          m_author(opts.author ? *opts.author : default_identity()),
          m_rng(std::random_device{}())
    {
        m_res.branch = m_snap.branch();
        m_res.repo = redact(m_snap.url());
    }

    Result<TransactionResult> run();

private:
    void say(const std::string& line) const
    {
        if (m_opts.progress) {
            m_opts.progress(line);
        }
    }
    TransactionResult landed(const Unconfirmed& mine, const std::string& how);
    Outcome look_for(const Unconfirmed& mine, bool look_back, const std::string& how, const std::string& if_unknown);
    Outcome attempt(int n);
    Outcome nothing_to_change();
    Outcome after_lost_push(const PushOutcome& pushed, const std::string& commit, int n,
                            std::optional<std::chrono::milliseconds> wait);
    Outcome after_moved_branch(const std::string& commit, int n, std::chrono::milliseconds elapsed,
                               std::optional<std::chrono::milliseconds> wait);
    Result<TransactionResult> gave_up(int n, std::chrono::milliseconds elapsed);

    Snapshot m_snap;
    const TransactionOptions& m_opts;
    const Plan& m_plan;
    Clock::time_point m_started;
    Identity m_author;
    std::mt19937 m_rng;
    TransactionResult m_res;
    std::optional<Edit> m_edit;
    int m_lost = 0;  // pushes whose connection failed
    // Our last push, when it may have landed unseen (lost, or stale after a
    // POST the transport retried): a retry that finds nothing to change
    // looks for it below the tip before saying so. (A retry that does find
    // something to change shows that the earlier pushes did not land.)
    std::optional<Unconfirmed> m_unsure;
};

// The result for a push of ours found on the branch, saying how.
TransactionResult Transaction::landed(const Unconfirmed& mine, const std::string& how)
{
    say(fmt::format("{} is on {}{}", canon::short_sha(mine.commit), m_res.branch, how));
    m_res.changed = true;
    m_res.commit = mine.commit;
    m_res.base = mine.base;
    return m_res;
}

// Whether one push of ours is on the branch (`look_back`: also below its
// tip): its result if so, an error saying `if_unknown` when looking failed,
// nothing when it is not there.
Transaction::Outcome Transaction::look_for(const Unconfirmed& mine, bool look_back, const std::string& how,
                                           const std::string& if_unknown)
{
    auto found = find_landed(m_snap, mine.commit, look_back);
    if (found.found) {
        return landed(mine, how);
    }
    if (!found.unknown.empty()) {
        return Error{fmt::format("{}: {}", if_unknown, found.unknown), ExitCode::failed, {}, may_have_landed_hint()};
    }
    return std::nullopt;
}

Result<TransactionResult> Transaction::run()
{
    for (int n = 1;; ++n) {
        if (auto done = attempt(n)) {
            return std::move(*done);
        }
    }
}

Transaction::Outcome Transaction::attempt(int n)
{
    m_res.attempts = n;
    m_res.base = m_snap.commit();
    bool reused = false;
    auto next = edit_at(m_snap, m_plan, std::move(m_edit), reused);
    if (!next) {
        return next.take_error();
    }
    m_edit = std::move(*next);
    m_res.tip = m_edit->tip;
    if (reused) {
        say(fmt::format("the files it reads are unchanged at {}: the same edit, the same blobs",
                        canon::short_sha(m_snap.commit())));
    }
    auto commit = make_commit(m_snap, *m_edit, m_author);
    if (!commit) {
        return commit.take_error();
    }
    if (commit->empty()) {
        return nothing_to_change();
    }
    // The last moment to stop: once the push has started it is seen
    // through and reported, so what landed is always known.
    if (interrupted()) {
        return interrupted_before_push(m_res.branch);
    }
    auto pushed = push(m_snap, *commit);
    if (!pushed) {
        return pushed.take_error();
    }
    if (pushed->verdict == PushVerdict::pushed) {
        say(fmt::format("pushed {} onto {} (attempt {})", canon::short_sha(*commit), canon::short_sha(m_snap.commit()),
                        n));
        m_res.changed = true;
        m_res.commit = *commit;
        return m_res;
    }
    if (pushed->verdict == PushVerdict::rejected) {
        return Error{fmt::format("the push to {} was rejected: {}", m_res.repo, redact(pushed->message)),
                     ExitCode::failed,
                     {},
                     rejected_hint(pushed->message)};
    }
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - m_started);
    auto wait = retry_wait(m_opts, n, elapsed, m_rng);
    if (pushed->verdict == PushVerdict::lost) {
        return after_lost_push(*pushed, *commit, n, wait);
    }
    return after_moved_branch(*commit, n, elapsed, wait);
}

// The tip already holds what the plan makes: done, unless an earlier try of
// ours may be what put it there.
Transaction::Outcome Transaction::nothing_to_change()
{
    if (m_unsure) {
        if (auto r = look_for(*m_unsure, true,
                              fmt::format(", below its tip {}: an earlier try of this push landed, only its answer "
                                          "was lost",
                                          canon::short_sha(m_snap.commit())),
                              fmt::format("{} already has the change, but whether it came from an earlier try of "
                                          "this push is unknown: looking below its tip failed",
                                          m_res.branch))) {
            return r;
        }
    }
    say(fmt::format("nothing to change at {}", canon::short_sha(m_snap.commit())));
    m_res.changed = false;
    m_res.commit.clear();
    return m_res;
}

// The connection failed during the push: read the branch again and look
// for the commit before trying again (never pushing it twice).
Transaction::Outcome Transaction::after_lost_push(const PushOutcome& pushed, const std::string& commit, int n,
                                                  std::optional<std::chrono::milliseconds> wait)
{
    ++m_lost;
    say(
        fmt::format("the connection failed while pushing (attempt {}): {}; reading {} again to see whether the "
                    "commit landed",
                    n, redact(pushed.message), m_res.branch));
    if (auto st = m_snap.refresh(); !st) {
        return Error{fmt::format("the push to {} failed: {}; reading {} again failed too: {}", m_res.repo,
                                 redact(pushed.message), m_res.branch, st.error().message),
                     ExitCode::failed,
                     {},
                     may_have_landed_hint()};
    }
    bool last_try = m_lost > k_lost_push_retries || !wait;
    Unconfirmed this_push{commit, m_res.base};
    if (auto r = look_for(this_push, last_try, ": the push landed, only its answer was lost",
                          fmt::format("the push to {} failed {} times: {}; looking for the commit below {}'s tip "
                                      "failed too",
                                      m_res.repo, m_lost, redact(pushed.message), m_res.branch))) {
        return r;
    }
    if (last_try) {
        return Error{fmt::format("the push to {} failed {} times: {}", m_res.repo, m_lost, redact(pushed.message)),
                     ExitCode::failed,
                     {},
                     fmt::format("nothing was changed ({} does not have the commit); check the remote and the "
                                 "network, then run the command again",
                                 m_res.branch)};
    }
    m_unsure = this_push;
    say(fmt::format("the commit is not at {}'s tip; retrying in {} ms", m_res.branch, wait->count()));
    if (nap_interrupted(*wait)) {
        return interrupted_before_retry(m_res.branch);
    }
    return std::nullopt;
}

// The branch moved under the push: wait, read it again, and try again on
// the new tip (unless an earlier try of ours is what moved it).
Transaction::Outcome Transaction::after_moved_branch(const std::string& commit, int n,
                                                     std::chrono::milliseconds elapsed,
                                                     std::optional<std::chrono::milliseconds> wait)
{
    m_unsure = Unconfirmed{commit, m_res.base};
    if (!wait) {
        return gave_up(n, elapsed);
    }
    say(fmt::format("{} moved while pushing (attempt {}); retrying in {} ms", m_res.branch, n, wait->count()));
    if (nap_interrupted(*wait)) {
        return interrupted_before_retry(m_res.branch);
    }
    if (auto st = m_snap.refresh(); !st) {
        return st.take_error();
    }
    // A POST retried under us (curl does, on a reused connection) may have
    // landed first: at the tip, or (found when the retry has nothing to
    // change) below it.
    return look_for(*m_unsure, false, ": an earlier try of this push landed", {});
}

// Out of attempts or time while the branch kept moving. The transport may
// have sent the last push twice, the first landing unseen and the second
// finding the branch moved (by itself): look before saying nothing was pushed.
Result<TransactionResult> Transaction::gave_up(int n, std::chrono::milliseconds elapsed)
{
    if (auto st = m_snap.refresh(); !st) {
        return Error{fmt::format("{} moved under every one of {} attempts; reading it again failed: {}", m_res.branch,
                                 n, st.error().message),
                     ExitCode::failed,
                     {},
                     may_have_landed_hint()};
    }
    if (auto r = look_for(*m_unsure, true, ": an earlier try of this push landed",
                          fmt::format("{} moved under every one of {} attempts; looking for the last one below its "
                                      "tip failed",
                                      m_res.branch, n))) {
        return std::move(*r);
    }
    bool capped = m_opts.max_attempts > 0 && n >= m_opts.max_attempts;
    return Error{
        fmt::format("{} moved under every one of {} attempts in {}s ({}); gave up without pushing", m_res.branch, n,
                    std::chrono::duration_cast<std::chrono::seconds>(elapsed).count(),
                    capped ? "the attempt limit"
                           : fmt::format("the deadline is {}s",
                                         std::chrono::duration_cast<std::chrono::seconds>(m_opts.deadline).count())),
        ExitCode::failed,
        {},
        "run the command again; nothing was changed"};
}

}  // namespace

Result<TransactionResult> run_transaction(Snapshot snap, const TransactionOptions& opts, const Plan& plan)
{
    return Transaction(std::move(snap), opts, plan).run();
}

}  // namespace kanon::gitops
