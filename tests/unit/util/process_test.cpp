// The process runner: argv not shell, stdin, both outputs, exit codes,
// signals and timeouts.
#include <gtest/gtest.h>

#include "util/process.hpp"

namespace kanon {
namespace {

TEST(Process, CapturesOutputsAndExitCode)
{
    auto r = run_process({{"sh", "-c", "echo out; echo err >&2; exit 3"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->out, "out\n");
    EXPECT_EQ(r->err, "err\n");
    EXPECT_EQ(r->exit_code, 3);
    EXPECT_EQ(r->status_text(), "exited with 3");
}

TEST(Process, ArgumentsAreNotInterpretedByAShell)
{
    auto r = run_process({{"printf", "%s", "$(id) `id`; *"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->out, "$(id) `id`; *");
}

TEST(Process, FeedsLargeInputWithoutDeadlock)
{
    std::string big(4 * 1024 * 1024, 'x');
    ProcessSpec spec{{"cat"}};
    spec.input = big;
    auto r = run_process(spec);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->out.size(), big.size());
}

TEST(Process, KillsOnTimeout)
{
    ProcessSpec spec{{"sleep", "10"}};
    spec.timeout = std::chrono::milliseconds(200);
    auto r = run_process(spec);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->timed_out);
    EXPECT_FALSE(r->ok());
}

TEST(Process, SetsAndUnsetsEnvironment)
{
    ::setenv("KANON_TEST_DROP", "1", 1);
    ProcessSpec spec{{"sh", "-c", "echo ${KANON_TEST_SET:-none} ${KANON_TEST_DROP:-gone}"}};
    spec.env["KANON_TEST_SET"] = "yes";
    spec.unset_env = {"KANON_TEST_DROP"};
    auto r = run_process(spec);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->out, "yes gone\n");
}

TEST(Process, MissingProgramIsAnError)
{
    auto r = run_process({{"kanon-no-such-program"}});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("kanon-no-such-program"), std::string::npos);
}

TEST(Process, ReportsSignals)
{
    auto r = run_process({{"sh", "-c", "kill -9 $$"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->signal, 9);
    EXPECT_EQ(r->status_text(), "killed by signal 9");
}

}  // namespace
}  // namespace kanon
