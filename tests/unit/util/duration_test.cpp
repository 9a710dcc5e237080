#include <gtest/gtest.h>

#include "util/duration.hpp"

namespace kanon {
namespace {

using std::chrono::milliseconds;

TEST(Duration, Forms)
{
    EXPECT_EQ(*parse_duration("90s", "--timeout"), milliseconds(90'000));
    EXPECT_EQ(*parse_duration("10m", "--timeout"), milliseconds(600'000));
    EXPECT_EQ(*parse_duration("1h30m", "--timeout"), milliseconds(5'400'000));
    EXPECT_EQ(*parse_duration("500ms", "--timeout"), milliseconds(500));
    EXPECT_EQ(*parse_duration("45", "--timeout"), milliseconds(45'000));
    EXPECT_EQ(*parse_duration("0s", "--timeout"), milliseconds(0));
}

TEST(Duration, RefusalsAreUsageErrors)
{
    for (const char* bad : {"", "s", "10x", "1.5m", "-5s", "10 s", "5m10", "9999999999s", "8d", "200h"}) {
        auto r = parse_duration(bad, "--timeout");
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, ExitCode::usage) << bad;
        EXPECT_NE(r.error().message.find("--timeout"), std::string::npos);
    }
}

TEST(Duration, ElapsedForPeople)
{
    EXPECT_EQ(format_elapsed(milliseconds(3917)), "3.9s");
    EXPECT_EQ(format_elapsed(milliseconds(95)), "0.1s");
    EXPECT_EQ(format_elapsed(milliseconds(59'960)), "1m00s");
    EXPECT_EQ(format_elapsed(milliseconds(125'000)), "2m05s");
    EXPECT_EQ(format_elapsed(milliseconds(-5)), "0.0s");
}

}  // namespace
}  // namespace kanon
