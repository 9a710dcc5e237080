// The trees of a commit rebuilt along the changed paths (mktree) instead of
// through an index: raw tree parsing, and edit_tree against a real bare
// repository, compared with what git's own index makes of the same edit.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "gitops/git.hpp"
#include "gitops/tree.hpp"

namespace kanon::gitops {
namespace {

std::string raw_entry(const std::string& mode, const std::string& name, unsigned char fill)
{
    std::string s = mode + " " + name;
    s += '\0';
    s += std::string(20, static_cast<char>(fill));
    return s;
}

TEST(ParseTree, ModesNamesAndHexIds)
{
    std::string raw = raw_entry("100644", "a.yaml", 0xab) + raw_entry("40000", "dir with space", 0x01);
    auto items = parse_tree(raw, 20);
    ASSERT_TRUE(items) << items.error().message;
    ASSERT_EQ(items->size(), 2u);
    EXPECT_EQ((*items)[0].mode, "100644");
    EXPECT_EQ((*items)[0].name, "a.yaml");
    EXPECT_EQ((*items)[0].oid, "abababababababababababababababababababab");
    EXPECT_EQ((*items)[1].name, "dir with space");
    EXPECT_EQ((*items)[1].oid, "0101010101010101010101010101010101010101");
    EXPECT_TRUE(parse_tree("", 20)->empty());
    EXPECT_FALSE(parse_tree(raw.substr(0, raw.size() - 1), 20));
    EXPECT_FALSE(parse_tree("100644 no-nul", 20));
}

TEST(MktreeInput, TypesFollowModes)
{
    std::vector<TreeItem> items = {{"100644", "f", "aa"}, {"40000", "d", "bb"}, {"160000", "sub", "cc"}};
    std::string want = "100644 blob aa\tf";
    want += '\0';
    want += "40000 tree bb\td";
    want += '\0';
    want += "160000 commit cc\tsub";
    want += '\0';
    EXPECT_EQ(mktree_input(items), want);
}

class EditTree : public ::testing::Test {
protected:
    void SetUp() override
    {
        const char* tmp = std::getenv("TMPDIR");
        std::string tmpl = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/kanon-tree-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        m_dir = tmpl;
        ASSERT_TRUE(run({"init", "-q", "--bare", m_dir}, ""));
        // A tree with nested directories, an executable and a symlink.
        m_commit = commit({{"100644", "deploy/env/release-dev/a.yaml", "tag: 1\n"},
                           {"100644", "deploy/env/release-dev/b.yaml", "tag: 2\n"},
                           {"100755", "deploy/run.sh", "#!/bin/sh\n"},
                           {"120000", "link", "deploy/run.sh"},
                           {"100644", "kanon.yaml", "stages: []\n"}});
    }
    void TearDown() override { std::filesystem::remove_all(m_dir); }

    Result<std::string> run(std::vector<std::string> args, const std::string& input, bool in_repo = false,
                            const std::string& index = "")
    {
        GitCall c;
        c.args = std::move(args);
        c.input = input;
        if (in_repo) {
            c.git_dir = m_dir;
        }
        if (!index.empty()) {
            c.env["GIT_INDEX_FILE"] = index;
        }
        auto r = git(c);
        if (r) {
            while (!r->empty() && r->back() == '\n') {
                r->pop_back();
            }
        }
        return r;
    }
    std::string blob(const std::string& content)
    {
        auto b = run({"hash-object", "-w", "--stdin"}, content, true);
        EXPECT_TRUE(b);
        return b ? *b : "";
    }
    struct File {
        std::string mode, path, content;
    };
    // A commit through git's own index (the reference for edit_tree).
    std::string index_tree(const std::string& base, const std::vector<File>& files)
    {
        std::string index = m_dir + "/test-index";
        std::filesystem::remove(index);
        if (!base.empty()) {
            EXPECT_TRUE(run({"read-tree", base}, "", true, index));
        }
        for (const auto& f : files) {
            EXPECT_TRUE(run({"update-index", "--add", "--cacheinfo", f.mode + "," + blob(f.content) + "," + f.path}, "",
                            true, index));
        }
        auto tree = run({"write-tree"}, "", true, index);
        EXPECT_TRUE(tree);
        return tree ? *tree : "";
    }
    std::string commit(const std::vector<File>& files)
    {
        auto c = run({"-c", "user.name=t", "-c", "user.email=t@t", "commit-tree", index_tree("", files), "-m", "x"}, "",
                     true);
        EXPECT_TRUE(c);
        return c ? *c : "";
    }

    std::string m_dir;
    std::string m_commit;
};

TEST_F(EditTree, SameTreeAsTheIndexWouldMake)
{
    auto edited = edit_tree(m_dir, m_commit,
                            {{"deploy/env/release-dev/a.yaml", blob("tag: 9\n")},
                             {"deploy/env/release-prod/new.yaml", blob("tag: new\n")},
                             {"deploy/run.sh", blob("#!/bin/sh\nexit 0\n")},
                             {"top.txt", blob("top\n")}});
    ASSERT_TRUE(edited) << edited.error().message;
    EXPECT_EQ(edited->base, *run({"rev-parse", m_commit + "^{tree}"}, "", true));
    // An existing file keeps its mode (run.sh stays executable); new ones are 100644.
    auto want = index_tree(m_commit, {{"100644", "deploy/env/release-dev/a.yaml", "tag: 9\n"},
                                      {"100644", "deploy/env/release-prod/new.yaml", "tag: new\n"},
                                      {"100755", "deploy/run.sh", "#!/bin/sh\nexit 0\n"},
                                      {"100644", "top.txt", "top\n"}});
    EXPECT_EQ(edited->tree, want);
}

TEST_F(EditTree, TheSameBlobGivesTheSameTree)
{
    auto same = run({"rev-parse", m_commit + ":kanon.yaml"}, "", true);
    ASSERT_TRUE(same);
    auto edited = edit_tree(m_dir, m_commit, {{"kanon.yaml", *same}});
    ASSERT_TRUE(edited) << edited.error().message;
    EXPECT_EQ(edited->tree, edited->base);
}

TEST_F(EditTree, RefusesWhatIsNotARegularFile)
{
    auto b = blob("x\n");
    EXPECT_FALSE(edit_tree(m_dir, m_commit, {{"link", b}}));
    EXPECT_FALSE(edit_tree(m_dir, m_commit, {{"deploy/env", b}}));
    EXPECT_FALSE(edit_tree(m_dir, m_commit, {{"kanon.yaml/x", b}}));
    EXPECT_FALSE(edit_tree(m_dir, m_commit, {{"a//b", b}}));
    EXPECT_FALSE(edit_tree(m_dir, m_commit, {{"../x", b}}));
    EXPECT_FALSE(edit_tree(m_dir, m_commit, {{"a\nb", b}}));
}

}  // namespace
}  // namespace kanon::gitops
