// How a push's outcome is read: which rejections mean "the branch moved,
// try again" and which are final; identities; the askpass answer.
#include <gtest/gtest.h>

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
    EXPECT_EQ(classify_push(1, "!\tabc:refs/heads/main\t[remote rejected] (cannot lock ref 'refs/heads/main': is at "
                               "1 but expected 2)\n",
                            "")
                  .verdict,
              PushVerdict::stale);
    // GitLab, when two pushes race on its side.
    EXPECT_EQ(classify_push(1, "!\tabc:refs/heads/main\t[remote rejected] (incorrect old value provided)\n", "").verdict,
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
    auto o = classify_push(128, "", "remote: You are not allowed to push code to this project.\nfatal: unable to "
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
