#include "util/json.hpp"

#include <gtest/gtest.h>

namespace kanon {
namespace {

std::string nested(std::size_t levels)
{
    return std::string(levels, '[') + std::string(levels, ']');
}

TEST(JsonBounds, DepthUpToGosLimitIsParsed)
{
    std::string why;
    EXPECT_FALSE(parse_json_bounded(nested(k_json_max_depth), &why).is_discarded()) << why;
    EXPECT_TRUE(parse_json_bounded(nested(k_json_max_depth + 1), &why).is_discarded());
    EXPECT_EQ(why, "it nests arrays and objects more than 10000 levels deep");
}

// A hostile server's 16 MiB of '[': refused by counting, before any value
// is built.
TEST(JsonBounds, SixteenMillionLevelsAreRefusedUnbuilt)
{
    std::string deep(16U << 20U, '[');
    EXPECT_NE(json_refusal(deep), "");
}

TEST(JsonBounds, BracketsInStringsDoNotCount)
{
    std::string text = R"({"a": ")" + std::string(20000, '[') + R"(\"[", "b": [1, 2]})";
    std::string why;
    auto j = parse_json_bounded(text, &why);
    ASSERT_FALSE(j.is_discarded()) << why;
    EXPECT_EQ(j["b"].size(), 2U);
}

TEST(JsonBounds, TooManyValuesAreRefused)
{
    std::string many = "[0";
    for (std::size_t i = 0; i < k_json_max_values; ++i) {
        many += ",0";
    }
    many += "]";
    std::string why;
    EXPECT_TRUE(parse_json_bounded(many, &why).is_discarded());
    EXPECT_EQ(why, "it holds more than 200000 values");
}

TEST(JsonBounds, NotJsonSaysSo)
{
    std::string why;
    EXPECT_TRUE(parse_json_bounded("{", &why).is_discarded());
    EXPECT_EQ(why, "it is not JSON");
}

}  // namespace
}  // namespace kanon
