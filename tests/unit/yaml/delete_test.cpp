// delete_key removes whole lines of one block-mapping entry and nothing else.
#include <gtest/gtest.h>

#include "yaml/document.hpp"
#include "yaml/edit.hpp"

namespace kanon::yaml {
namespace {

Result<SetResult> del(const std::string& text, const std::string& key)
{
    auto s = Stream::parse(text, "f.yaml");
    EXPECT_TRUE(s) << s.error().describe();
    return delete_key(*s, *parse_path(key));
}

TEST(DeleteKey, RemovesTheEntrysLinesOnly)
{
    auto r = del("# hold\nfreeze:\n  a/prod: why  # c\n  b/dev: \"x\"\nother: 1\n", "freeze[\"a/prod\"]");
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(r->text, "# hold\nfreeze:\n  b/dev: \"x\"\nother: 1\n");
    EXPECT_TRUE(r->changed);
    EXPECT_EQ(r->old_value, "why");
}

TEST(DeleteKey, LastEntryTakesItsEmptyParentAlong)
{
    auto r = del("freeze:\n  a/prod: why\n", "freeze[\"a/prod\"]");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->text, "");
    auto kept = del("# holds\nfreeze:\n  a/prod: why\nother: 1\n", "freeze[\"a/prod\"]");
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->text, "# holds\nother: 1\n");
}

TEST(DeleteKey, NestedValueAndCrlf)
{
    auto r = del("a:\r\n  b:\r\n    c: 1\r\n    d: 2\r\n  e: 3\r\n", "a.b");
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(r->text, "a:\r\n  e: 3\r\n");
}

TEST(DeleteKey, NoFinalNewline)
{
    auto r = del("a: 1\nb: 2", "b");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->text, "a: 1\n");
}

TEST(DeleteKey, MissingKeyIsNoChange)
{
    auto r = del("a: 1\n", "b");
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->changed);
    EXPECT_EQ(r->text, "a: 1\n");
}

TEST(DeleteKey, RefusesWhatIsNotALineOfItsOwn)
{
    EXPECT_FALSE(del("a: {b: 1, c: 2}\n", "a.b"));
    EXPECT_FALSE(del("- b: 1\n  c: 2\n", "[0].b"));
    EXPECT_FALSE(del("a: &x 1\nb: *x\n", "b"));
}

}  // namespace
}  // namespace kanon::yaml
