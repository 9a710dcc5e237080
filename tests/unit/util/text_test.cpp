#include <gtest/gtest.h>

#include "util/text.hpp"

namespace kanon {
namespace {

using Lines = std::vector<std::string>;

TEST(Text, LinesSplitsAndTrimsEachLine)
{
    EXPECT_EQ(lines(""), Lines{});
    EXPECT_EQ(lines("one"), Lines{"one"});
    EXPECT_EQ(lines("one\n"), Lines{"one"});
    EXPECT_EQ(lines("fatal: x  \r\nremote: y\t\n\nlast"), (Lines{"fatal: x", "remote: y", "", "last"}));
    EXPECT_EQ(lines("\n"), Lines{""});
}

TEST(Text, TrimRightTakesOnlyTrailingWhitespace)
{
    EXPECT_EQ(trim_right("  a b \t\r\n"), "  a b");
    EXPECT_EQ(trim_right(" \n"), "");
}

}  // namespace
}  // namespace kanon
