// Key paths: what `yaml get/set KEY` accepts, and how paths are printed back.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "yaml/path.hpp"

namespace kanon::yaml {
namespace {

using Type = Segment::Type;

// A path written as a compact string: `k:name`, `i:N`, `*` per segment.
std::vector<std::string> shape(const Path& p)
{
    std::vector<std::string> out;
    for (const auto& s : p.segments) {
        switch (s.type) {
            case Type::key:
                out.push_back("k:" + s.key);
                break;
            case Type::index:
                out.push_back("i:" + std::to_string(s.index));
                break;
            case Type::every:
                out.push_back("*");
                break;
        }
    }
    return out;
}

struct PathCase {
    std::string text;
    std::vector<std::string> segments;
    std::string error = {};
};

// clang-format off
const std::vector<PathCase> k_cases = {
    {"image.tag", {"k:image", "k:tag"}},
    {"a.b.c", {"k:a", "k:b", "k:c"}},
    {"tag", {"k:tag"}},
    {"", {}},
    {".", {}},
    {"list[2].x", {"k:list", "i:2", "k:x"}},
    {"list[0][1]", {"k:list", "i:0", "i:1"}},
    {"[3]", {"i:3"}},
    {"envFrom[].secretRef.name", {"k:envFrom", "*", "k:secretRef", "k:name"}},
    {"a[\"x.y\"]", {"k:a", "k:x.y"}},
    {"annotations[\"app.kubernetes.io/name\"].v", {"k:annotations", "k:app.kubernetes.io/name", "k:v"}},
    {"a['x.y']", {"k:a", "k:x.y"}},
    {"[\"a.b\"]", {"k:a.b"}},
    {"a[\"q\\\"uote\"]", {"k:a", "k:q\"uote"}},
    {"a[\"back\\\\slash\"]", {"k:a", "k:back\\slash"}},
    {"a[\"\"]", {"k:a", "k:"}},
    {"a[\"[x]\"]", {"k:a", "k:[x]"}},
    {"my key.ünï", {"k:my key", "k:ünï"}},
    {"a-b.c_d.1", {"k:a-b", "k:c_d", "k:1"}},
    {"a[007]", {"k:a", "i:7"}},
    // errors
    {"a..b", {}, "empty key"},
    {".a", {}, "empty key"},
    {"a.", {}, "ends with '.'"},
    {"a[", {}, "unterminated ["},
    {"a[1", {}, "unterminated ["},
    {"a[\"x", {}, "unterminated [\"...\"]"},
    {"a[\"x\"", {}, "unterminated [\"...\"]"},
    {"a[x]", {}, "'x' is not a list index"},
    {"a[-1]", {}, "'-1' is not a list index"},
    {"a[1.5]", {}, "'1.5' is not a list index"},
    {"a[99999999999999999999]", {}, "is not a list index"},
    {"a]b", {}, "unbalanced ']'"},
    {"a[0]b", {}, "expected '.' or '[' at position 5"},
    {"a[\"x\"]y", {}, "expected '.' or '['"},
};
// clang-format on

TEST(YamlPath, ParsesEveryForm)
{
    for (const auto& c : k_cases) {
        SCOPED_TRACE(c.text);
        auto p = parse_path(c.text);
        if (!c.error.empty()) {
            ASSERT_FALSE(p.ok()) << "parsed as " << ::testing::PrintToString(shape(*p));
            EXPECT_EQ(p.error().code, ExitCode::usage);
            EXPECT_NE(p.error().describe().find(c.error), std::string::npos) << p.error().describe();
            EXPECT_NE(p.error().describe().find("bad key path '" + c.text + "'"), std::string::npos);
            EXPECT_FALSE(p.error().hint.empty());
            continue;
        }
        ASSERT_TRUE(p.ok()) << p.error().describe();
        EXPECT_EQ(shape(*p), c.segments);
        EXPECT_EQ(p->text, c.text);
    }
}

TEST(YamlPath, WildcardIsReported)
{
    EXPECT_TRUE(parse_path("a[].b")->has_wildcard());
    EXPECT_FALSE(parse_path("a[0].b")->has_wildcard());
    EXPECT_FALSE(parse_path("")->has_wildcard());
}

TEST(YamlPath, PrefixWritesTheFirstSegmentsBack)
{
    auto p = parse_path("list[2][\"a.b\"].tag");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->prefix(0), ".");
    EXPECT_EQ(p->prefix(1), "list");
    EXPECT_EQ(p->prefix(2), "list[2]");
    EXPECT_EQ(p->prefix(3), "list[2][\"a.b\"]");
    EXPECT_EQ(p->prefix(4), "list[2][\"a.b\"].tag");
}

TEST(YamlPath, FormatRoundTrips)
{
    const std::vector<std::string> texts = {"image.tag",     "a[0].b",  "a[].b",      "a[\"x.y\"].z", "[\"a.b\"]",
                                            "a[\"q\\\"u\"]", "a[\"\"]", "a[\"[x]\"]", "a[\"it's\"]",  "[0]"};
    for (const auto& t : texts) {
        SCOPED_TRACE(t);
        auto p = parse_path(t);
        ASSERT_TRUE(p.ok()) << p.error().describe();
        std::string formatted = format_path(p->segments);
        EXPECT_EQ(formatted, t);
        auto again = parse_path(formatted);
        ASSERT_TRUE(again.ok());
        EXPECT_EQ(shape(*again), shape(*p));
    }
    EXPECT_EQ(format_path({}), ".");
    // A backslash needs no brackets: `a.b\s` reads back as the key `b\s`.
    EXPECT_EQ(format_path(parse_path("a[\"b\\\\s\"]")->segments), "a.b\\s");
    EXPECT_EQ(parse_path("a.b\\s")->segments.at(1).key, "b\\s");
    // Keys that need brackets get them, whatever way they were written.
    EXPECT_EQ(format_path(parse_path("a['x.y']")->segments), "a[\"x.y\"]");
}

}  // namespace
}  // namespace kanon::yaml
