// git cat-file --batch's answer, read by one parser for the snapshot, the
// tree writer, history and the sandbox's cluster.
#include <gtest/gtest.h>

#include "gitops/cat_file.hpp"

namespace kanon::gitops {
namespace {

const std::string k_a = "1111111111111111111111111111111111111111";
const std::string k_b = "2222222222222222222222222222222222222222";

TEST(CatFileBatch, ObjectsInOrderMissingOnesMarked)
{
    std::string out = k_a + " blob 6\nab\ncd\n\n" + "HEAD:nope missing\n" + k_b + " tree 0\n\n" + "abc ambiguous\n";
    auto r = parse_cat_file_batch(out, 4);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->size(), 4U);
    EXPECT_TRUE((*r)[0].found);
    EXPECT_EQ((*r)[0].oid, k_a);
    EXPECT_EQ((*r)[0].type, "blob");
    EXPECT_EQ((*r)[0].content, "ab\ncd\n") << "content may hold line breaks";
    EXPECT_FALSE((*r)[1].found);
    EXPECT_TRUE((*r)[2].found);
    EXPECT_EQ((*r)[2].type, "tree");
    EXPECT_EQ((*r)[2].content, "");
    EXPECT_FALSE((*r)[3].found);
}

TEST(CatFileBatch, CutOrBrokenAnswersAreErrorsNotCrashes)
{
    for (const std::string& bad : {std::string(), k_a + " blob 10\nshort\n", k_a + " blob\n", k_a + " blob x1\nx\n",
                                   k_a + " blob 99999999999999999999999\n", k_a + "\n", k_a + " blob 3\nabc"}) {
        auto r = parse_cat_file_batch(bad, 1);
        EXPECT_FALSE(r.ok()) << bad;
    }
    EXPECT_TRUE(parse_cat_file_batch("", 0).ok());
}

}  // namespace
}  // namespace kanon::gitops
