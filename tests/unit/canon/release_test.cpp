#include <gtest/gtest.h>

#include "canon/release.hpp"

namespace kanon::canon {
namespace {

TEST(Tag, FollowsTheOciGrammar)
{
    for (const char* ok : {"1.0.0", "v1", "_x", "2f9c1e7d41b0a6c3e5d7f8a9b0c1d2e3f4a5b6c7", "1e10", "a-b.c_d"}) {
        EXPECT_TRUE(is_valid_tag(ok)) << ok;
    }
    EXPECT_TRUE(is_valid_tag(std::string(128, 'a')));
    for (std::string bad : {std::string(), std::string(129, 'a'), std::string(".x"), std::string("-x"),
                            std::string("a/b"), std::string("a:b"), std::string("a b"), std::string("ü")}) {
        EXPECT_FALSE(is_valid_tag(bad)) << bad;
        EXPECT_EQ(validate_tag(bad).error().code, ExitCode::usage);
    }
}

TEST(Message, SubjectAndTrailersRoundTrip)
{
    ReleaseMessage m{"promote", "synestra-io", "prod", "2f9c1e7d41b0a6c3e5d7f8a9b0c1d2e3f4a5b6c7", "reg/web", "dev"};
    std::string text = format_message(m);
    EXPECT_EQ(text.substr(0, text.find('\n')), "promote(prod): synestra-io 2f9c1e7d41b0 from dev [skip ci]");
    auto t = parse_trailers(text);
    EXPECT_EQ(t["Kanon-App"], "synestra-io");
    EXPECT_EQ(t["Kanon-Stage"], "prod");
    EXPECT_EQ(t["Kanon-Tag"], "2f9c1e7d41b0a6c3e5d7f8a9b0c1d2e3f4a5b6c7");
    EXPECT_EQ(t["Kanon-From"], "dev");
    EXPECT_EQ(t["Kanon-Action"], "promote");
    m.skip_ci = false;
    m.from = "";
    m.action = "release";
    m.tag = "1.2.3";
    EXPECT_EQ(format_message(m).substr(0, format_message(m).find('\n')), "release(prod): synestra-io 1.2.3");
}

TEST(Message, ProseIsNotATrailerBlock)
{
    EXPECT_TRUE(parse_trailers("fix: x\n\nThis is prose: really.\n").empty());
    EXPECT_TRUE(parse_trailers("one line").empty());
}

}  // namespace
}  // namespace kanon::canon
