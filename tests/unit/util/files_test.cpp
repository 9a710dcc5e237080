// Atomic writes keep the mode, write through symlinks, leave no temp files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "util/files.hpp"

namespace kanon {
namespace {

namespace fs = std::filesystem;

struct TempDir {
    std::string path;
    TempDir()
    {
        std::string t = (fs::temp_directory_path() / "kanon-files-XXXXXX").string();
        path = ::mkdtemp(t.data());
    }
    ~TempDir() { fs::remove_all(path); }
};

TEST(Files, AtomicWriteKeepsModeAndLeavesNoTempFile)
{
    TempDir d;
    std::string f = d.path + "/values.yaml";
    std::ofstream(f) << "a: 1\n";
    ::chmod(f.c_str(), 0640);
    ASSERT_TRUE(write_file_atomic(f, "a: 2\n"));
    EXPECT_EQ(*read_file(f), "a: 2\n");
    struct stat st {};
    ::stat(f.c_str(), &st);
    EXPECT_EQ(st.st_mode & 0777, 0640U);
    EXPECT_EQ(std::distance(fs::directory_iterator(d.path), fs::directory_iterator{}), 1);
}

TEST(Files, AtomicWriteGoesThroughASymlink)
{
    TempDir d;
    std::string real = d.path + "/real.yaml";
    std::string link = d.path + "/link.yaml";
    std::ofstream(real) << "a: 1\n";
    fs::create_symlink(real, link);
    ASSERT_TRUE(write_file_atomic(link, "a: 2\n"));
    EXPECT_TRUE(fs::is_symlink(link));
    EXPECT_EQ(*read_file(real), "a: 2\n");
}

TEST(Files, ReadRefusesDirectoriesMissingFilesAndOversizedFiles)
{
    TempDir d;
    EXPECT_NE(read_file(d.path).error().message.find("is a directory"), std::string::npos);
    EXPECT_NE(read_file(d.path + "/nope").error().message.find("cannot open"), std::string::npos);
    std::string f = d.path + "/big";
    std::ofstream(f) << std::string(2048, 'x');
    auto r = read_file(f, 1024);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("larger than the limit of 1024 bytes"), std::string::npos);
}

TEST(Files, AtomicWriteCreatesANewFile)
{
    TempDir d;
    std::string f = d.path + "/new.yaml";
    ASSERT_TRUE(write_file_atomic(f, "a: 1\n"));
    EXPECT_EQ(*read_file(f), "a: 1\n");
    EXPECT_EQ(std::distance(fs::directory_iterator(d.path), fs::directory_iterator{}), 1);
}

TEST(Files, WriteIntoAMissingDirectoryFailsCleanly)
{
    auto st = write_file_atomic("/nonexistent-dir/x.yaml", "a");
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().where.file, "/nonexistent-dir/x.yaml");
}

}  // namespace
}  // namespace kanon
