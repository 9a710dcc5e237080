// History from kanon's trailers, and which release a rollback picks.
#include <gtest/gtest.h>

#include "canon/release.hpp"
#include "ops/history.hpp"

namespace kanon::ops {
namespace {

std::string record(const std::string& sha, const std::string& msg)
{
    return sha + "\x1f" + "Bot <b@x>" + "\x1f" + "2026-11-26T10:00:00Z" + "\x1f" + msg + "\x1e\n";
}

std::string kanon_commit(const std::string& action, const std::string& app, const std::string& stage,
                         const std::string& tag, const std::string& from = "")
{
    canon::ReleaseMessage m{action, app, stage, tag, "reg/" + app, from};
    return canon::format_message(m);
}

TEST(History, ParsesOnlyTheAppAndStageFromTrailers)
{
    std::string log = record("c4", kanon_commit("promote", "web", "prod", "3", "dev")) +
                      record("c3", kanon_commit("release", "web", "dev", "3")) +
                      record("c2", kanon_commit("release", "web-two", "dev", "9")) +  // another app, same prefix
                      record("c1", "manual edit\n\nno trailers here\n") +
                      record("c0", kanon_commit("release", "web", "dev", "2"));
    auto all = parse_log(log, "web", "");
    ASSERT_EQ(all.size(), 3U);
    EXPECT_EQ(all[0].commit, "c4");
    EXPECT_EQ(all[0].from, "dev");
    EXPECT_EQ(all[0].author, "Bot <b@x>");
    auto dev = parse_log(log, "web", "dev");
    ASSERT_EQ(dev.size(), 2U);
    EXPECT_EQ(dev[0].tag, "3");
    EXPECT_EQ(dev[1].tag, "2");
    EXPECT_EQ(dev[1].repository, "reg/web");
    EXPECT_EQ(all[0].stage, "prod");
}

TEST(Rollback, ToATagTheStageRan)
{
    std::vector<HistoryEntry> h = {{"c3", "", "", "release", "prod", "3", "r", "", ""},
                                   {"c2", "", "", "release", "prod", "2", "r", "", ""},
                                   {"c1", "", "", "release", "prod", "1", "r", "", ""}};
    EXPECT_EQ(pick_rollback(h, "3", "1", 0)->commit, "c1");
    auto never = pick_rollback(h, "3", "7", 0);
    ASSERT_FALSE(never);
    EXPECT_EQ(never.error().code, ExitCode::verify_failed);
}

TEST(Rollback, StepsCountDistinctEarlierTags)
{
    std::vector<HistoryEntry> h = {{"c5", "", "", "release", "prod", "3", "r", "", ""},
                                   {"c4", "", "", "release", "prod", "2", "r", "", ""},
                                   {"c3", "", "", "rollback", "prod", "3", "r", "", ""},
                                   {"c2", "", "", "release", "prod", "2", "r", "", ""},
                                   {"c1", "", "", "release", "prod", "1", "r", "", ""}};
    EXPECT_EQ(pick_rollback(h, "3", "", 1)->tag, "2");
    EXPECT_EQ(pick_rollback(h, "3", "", 2)->tag, "1");
    auto too_far = pick_rollback(h, "3", "", 3);
    ASSERT_FALSE(too_far);
    EXPECT_EQ(too_far.error().code, ExitCode::verify_failed);
    EXPECT_EQ(too_far.error().message, "the stage ran only 2 other tags before 3; cannot go 3 steps back");
}

// The release file's history holds what ran before kanon's first promotion:
// one step back from it is the tag it replaced, set by hand.
TEST(Rollback, OneStepAfterTheFirstPromotionIsTheEditItReplaced)
{
    HistoryEntry first{"c2", "", "", "promote", "prod", "2", "r", "dev", ""};
    HistoryEntry edit{"c1", "", "", "edit", "prod", "1", "r", "", ""};
    edit.by_kanon = false;
    auto back = pick_rollback({first, edit}, "2", "", 1);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->commit, "c1");
    auto oldest = pick_rollback({edit}, "1", "", 1);
    ASSERT_FALSE(oldest);
    EXPECT_EQ(oldest.error().message,
              "1 is the oldest release in the stage's history (rollbacks undo what they went back over): there is "
              "nothing earlier to roll back to");
    auto grammar = pick_rollback({first, edit}, "2", "", 2);
    ASSERT_FALSE(grammar);
    EXPECT_EQ(grammar.error().message, "the stage ran only 1 other tag before 2; cannot go 2 steps back");
}

}  // namespace
}  // namespace kanon::ops
