// sandbox.json is read once and checked once: a file that lacks what its
// readers take for granted is an error, never a crash further on.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "sandbox/control.hpp"

namespace kanon::sandbox {
namespace {

namespace fs = std::filesystem;

class SandboxInfo : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_dir = fs::temp_directory_path() / fs::path("kanon-control-test-" + std::to_string(::getpid()));
        fs::create_directories(m_dir);
    }
    void TearDown() override { fs::remove_all(m_dir); }
    void write(const std::string& text) const { std::ofstream(m_dir / "sandbox.json") << text; }
    fs::path m_dir;
};

TEST_F(SandboxInfo, AWholeDescriptionReadsAndLosesItsTokenInPublic)
{
    write(R"({"repo": "http://127.0.0.1:1/web-core.git", "argocd": {"server": "127.0.0.1:2", "token": "s3cret"},
              "sites": {"app1": {"dev": "http://127.0.0.1:3"}}, "apps": [{"app": "app1", "domain": "a.test"}]})");
    auto info = read_info(m_dir);
    ASSERT_TRUE(info.ok()) << info.error().message;
    auto shown = public_info(*info, m_dir);
    EXPECT_FALSE(shown["argocd"].contains("token"));
    EXPECT_EQ(shown["argocd"]["token_file"], (m_dir / "argocd.token").string());
    auto env = client_env(m_dir);
    ASSERT_TRUE(env.ok());
    EXPECT_EQ(env->at("ARGOCD_AUTH_TOKEN"), "s3cret");
}

TEST_F(SandboxInfo, MissingOrMisshapenPartsAreErrors)
{
    EXPECT_FALSE(read_info(m_dir).ok()) << "no file";
    for (const char* bad :
         {"not json", "[]", R"({"repo": "x"})", R"({"repo": "x", "argocd": {}, "sites": {}, "apps": []})",
          R"({"repo": 1, "argocd": {"server": "s"}, "sites": {}, "apps": []})",
          R"({"repo": "x", "argocd": {"server": "s"}, "sites": {"a": {"dev": 3}}, "apps": []})",
          R"({"repo": "x", "argocd": {"server": "s"}, "sites": {}, "apps": [{"domain": "d"}]})"}) {
        write(bad);
        auto info = read_info(m_dir);
        ASSERT_FALSE(info.ok()) << bad;
        EXPECT_NE(info.error().message.find("not a sandbox description"), std::string::npos) << bad;
    }
}

TEST_F(SandboxInfo, NoPidFileIsNothingRunning)
{
    EXPECT_FALSE(running_pid(m_dir).has_value());
    std::ofstream(m_dir / "sandbox.pid") << "1\n";
    EXPECT_FALSE(running_pid(m_dir).has_value()) << "pid 1 is never a sandbox";
    std::ofstream(m_dir / "sandbox.pid") << std::to_string(::getpid()) << "\n";
    EXPECT_FALSE(running_pid(m_dir).has_value()) << "a live process that is not this directory's sandbox";
    auto stopped = stop_background(m_dir);
    EXPECT_FALSE(stopped.pid.has_value());
    EXPECT_FALSE(fs::exists(m_dir / "sandbox.pid"));
}

}  // namespace
}  // namespace kanon::sandbox
