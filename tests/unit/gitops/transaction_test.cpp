// How a push's outcome is read: which rejections mean "the branch moved,
// try again" and which are final; how long retries go on (the deadline, not
// a count) and wait; identities; the askpass answer.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

#include "gitops/credentials.hpp"
#include "gitops/transaction.hpp"

namespace kanon::gitops {
namespace {

TEST(ClassifyPush, Pushed)
{
    EXPECT_EQ(classify_push(0, "To x\n=\trefs/heads/main\n", "").verdict, PushVerdict::pushed);
}

TEST(ClassifyPush, BranchMovedIsStale)
{
    // git's own client-side refusals and the server's ref-lock races.
    EXPECT_EQ(classify_push(1, "To file:///r\n!\tabc:refs/heads/main\t[rejected] (fetch first)\nDone\n", "").verdict,
              PushVerdict::stale);
    EXPECT_EQ(classify_push(1, "!\tabc:refs/heads/main\t[rejected] (non-fast-forward)\n", "").verdict,
              PushVerdict::stale);
    EXPECT_EQ(classify_push(1,
                            "!\tabc:refs/heads/main\t[remote rejected] (cannot lock ref 'refs/heads/main': is at "
                            "1 but expected 2)\n",
                            "")
                  .verdict,
              PushVerdict::stale);
    // GitLab, when two pushes race on its side.
    EXPECT_EQ(
        classify_push(1, "!\tabc:refs/heads/main\t[remote rejected] (incorrect old value provided)\n", "").verdict,
        PushVerdict::stale);
    EXPECT_EQ(classify_push(1, "", "error: failed to push some refs\nremote: error: failed to lock\n").verdict,
              PushVerdict::stale);
}

TEST(ClassifyPush, HookDeclineIsFinalWithTheServersWords)
{
    auto o = classify_push(1, "!\tabc:refs/heads/main\t[remote rejected] (pre-receive hook declined)\n",
                           "remote: protected branch: releases need approval\nerror: failed to push some refs\n");
    EXPECT_EQ(o.verdict, PushVerdict::rejected);
    EXPECT_EQ(o.message, "[remote rejected] (pre-receive hook declined): protected branch: releases need approval");
}

TEST(ClassifyPush, NoPermissionIsFinal)
{
    auto o = classify_push(128, "",
                           "remote: You are not allowed to push code to this project.\nfatal: unable to "
                           "access 'https://***@gitlab.example.com/a.git/': The requested URL returned error: 403\n");
    EXPECT_EQ(o.verdict, PushVerdict::rejected);
    EXPECT_NE(o.message.find("not allowed to push"), std::string::npos) << o.message;
}

TEST(ClassifyPush, ConnectionFailureIsFinal)
{
    auto o = classify_push(128, "", "fatal: unable to access 'http://127.0.0.1:9/x.git/': Failed to connect\n");
    EXPECT_EQ(o.verdict, PushVerdict::rejected);
    EXPECT_NE(o.message.find("Failed to connect"), std::string::npos);
}

TEST(ClassifyPush, ConnectionLostMidPushMayHaveLanded)
{
    // What git 2.39 prints when the connection is reset or stalls after the
    // pack was sent: no verdict on the ref, so the push may have landed.
    auto reset = classify_push(128, "",
                               "error: RPC failed; curl 56 Recv failure: Connection reset by peer\n"
                               "send-pack: unexpected disconnect while reading sideband packet\n"
                               "fatal: the remote end hung up unexpectedly\n");
    EXPECT_EQ(reset.verdict, PushVerdict::lost);
    EXPECT_EQ(reset.message, "RPC failed; curl 56 Recv failure: Connection reset by peer");
    auto slow = classify_push(1, "",
                              "error: RPC failed; curl 28 Operation too slow. Less than 1000 bytes/sec "
                              "transferred the last 3 seconds\nEverything up-to-date\n");
    EXPECT_EQ(slow.verdict, PushVerdict::lost);
    // A verdict on the ref wins over a disconnect that follows it.
    auto declined = classify_push(1, "!\tabc:refs/heads/main\t[remote rejected] (pre-receive hook declined)\n",
                                  "fatal: the remote end hung up unexpectedly\n");
    EXPECT_EQ(declined.verdict, PushVerdict::rejected);
}

using std::chrono::milliseconds;
using std::chrono::seconds;

// Attempts made until retry_wait gives up, on a simulated clock where each
// attempt takes `cost` and each wait is slept in full.
struct Run {
    int attempts = 0;
    milliseconds elapsed{0};
};
Run retry_until_give_up(const TransactionOptions& o, milliseconds cost, std::mt19937& rng)
{
    Run r;
    for (;;) {
        ++r.attempts;
        r.elapsed += cost;
        auto wait = retry_wait(o, r.attempts, r.elapsed, rng);
        if (!wait) {
            return r;
        }
        EXPECT_GE(wait->count(), 0);
        EXPECT_LE(r.elapsed + *wait, o.deadline) << "a wait reaching past the deadline";
        r.elapsed += *wait;
    }
}

TEST(RetryWait, TheDeadlineBoundsRetriesNotACount)
{
    // Writers racing for minutes on a busy branch: with the defaults (no
    // attempt cap, 120 s) they keep trying until the deadline, far past the
    // 10 attempts that used to give up after 18-44 s at N = 32.
    TransactionOptions o;
    EXPECT_EQ(o.max_attempts, 0);
    std::mt19937 rng(7);
    auto r = retry_until_give_up(o, milliseconds(1500), rng);
    EXPECT_GT(r.attempts, 10);
    EXPECT_GE(r.elapsed, o.deadline);
    EXPECT_LE(r.elapsed, o.deadline + milliseconds(1500));  // the last attempt starts by the deadline
    // A short deadline is short, whatever the attempts.
    o.deadline = seconds(3);
    auto quick = retry_until_give_up(o, milliseconds(200), rng);
    EXPECT_GE(quick.elapsed, seconds(3));
    EXPECT_LE(quick.elapsed, milliseconds(3200));
}

TEST(RetryWait, AttemptsStillCap)
{
    TransactionOptions o;
    o.max_attempts = 3;
    std::mt19937 rng(1);
    EXPECT_TRUE(retry_wait(o, 1, milliseconds(0), rng));
    EXPECT_TRUE(retry_wait(o, 2, milliseconds(0), rng));
    EXPECT_FALSE(retry_wait(o, 3, milliseconds(0), rng));
    EXPECT_EQ(retry_until_give_up(o, milliseconds(10), rng).attempts, 3);
}

TEST(RetryWait, NothingAfterTheDeadline)
{
    TransactionOptions o;
    o.deadline = seconds(10);
    std::mt19937 rng(2);
    EXPECT_FALSE(retry_wait(o, 1, seconds(10), rng));
    EXPECT_FALSE(retry_wait(o, 1, seconds(11), rng));
    // Close to it, the wait ends at the deadline at the latest.
    for (int i = 0; i < 100; ++i) {
        auto w = retry_wait(o, 8, milliseconds(9990), rng);
        ASSERT_TRUE(w);
        EXPECT_LE(w->count(), 10);
    }
}

TEST(RetryWait, CappedExponentialWithJitter)
{
    TransactionOptions o;  // 100 ms base, 4 s cap
    std::mt19937 rng(3);
    for (int attempts = 1; attempts <= 40; ++attempts) {
        long long ceiling = std::min<long long>(100LL << std::min(attempts - 1, 16), 4000);
        long long lo = ceiling;
        long long hi = 0;
        for (int i = 0; i < 200; ++i) {
            auto w = retry_wait(o, attempts, milliseconds(0), rng);
            ASSERT_TRUE(w);
            lo = std::min<long long>(lo, w->count());
            hi = std::max<long long>(hi, w->count());
        }
        EXPECT_LE(hi, ceiling) << attempts;
        EXPECT_LT(lo, hi) << "no jitter at attempt " << attempts;
        EXPECT_GT(hi, ceiling / 2) << attempts;
    }
}

TEST(Identity, ParsesNameAndEmail)
{
    auto id = parse_identity("Release Bot <bot@example.com>");
    ASSERT_TRUE(id);
    EXPECT_EQ(id->name, "Release Bot");
    EXPECT_EQ(id->email, "bot@example.com");
    EXPECT_FALSE(parse_identity("bot@example.com"));
    EXPECT_FALSE(parse_identity("<bot@example.com>"));
    EXPECT_FALSE(parse_identity(" <a@b>"));
    EXPECT_FALSE(parse_identity("X <>"));
    EXPECT_FALSE(parse_identity("A\nB <a@b>"));
    EXPECT_EQ(parse_identity("x").error().code, ExitCode::usage);
}

TEST(Identity, DefaultsFromTheEnvironment)
{
    ::setenv("GIT_AUTHOR_NAME", "A", 1);
    ::setenv("GIT_AUTHOR_EMAIL", "a@x", 1);
    EXPECT_EQ(default_identity().name, "A");
    ::unsetenv("GIT_AUTHOR_NAME");
    ::unsetenv("GIT_AUTHOR_EMAIL");
    ::setenv("GITLAB_USER_NAME", "Gitlab User", 1);
    ::setenv("GITLAB_USER_EMAIL", "gl@x", 1);
    EXPECT_EQ(default_identity().email, "gl@x");
    ::unsetenv("GITLAB_USER_NAME");
    ::unsetenv("GITLAB_USER_EMAIL");
}

TEST(Askpass, AnswersUserAndTokenFromTheEnvironment)
{
    ::unsetenv("KANON_GIT_USER");
    ::unsetenv("KANON_GIT_TOKEN");
    ::setenv("CI_JOB_TOKEN", "job-token-123", 1);
    std::ostringstream user;
    std::ostringstream pass;
    EXPECT_EQ(askpass_main("Username for 'https://gitlab.example.com': ", user), 0);
    EXPECT_EQ(askpass_main("Password for 'https://gitlab-ci-token@gitlab.example.com': ", pass), 0);
    EXPECT_EQ(user.str(), "gitlab-ci-token\n");
    EXPECT_EQ(pass.str(), "job-token-123\n");
    ::setenv("KANON_GIT_TOKEN", "glpat-xyz", 1);
    std::ostringstream pat;
    std::ostringstream pat_user;
    askpass_main("Password for 'https://h': ", pat);
    askpass_main("Username for 'https://h': ", pat_user);
    EXPECT_EQ(pat.str(), "glpat-xyz\n");
    EXPECT_EQ(pat_user.str(), "oauth2\n");
    EXPECT_FALSE(askpass_env().empty());
    ::unsetenv("KANON_GIT_TOKEN");
    ::unsetenv("CI_JOB_TOKEN");
    EXPECT_TRUE(askpass_env().empty());
    std::ostringstream none;
    EXPECT_EQ(askpass_main("Password: ", none), 1);
}

}  // namespace
}  // namespace kanon::gitops
