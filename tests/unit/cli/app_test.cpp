// The command-line frame, driven without a process: exit codes, error lines,
// "did you mean", --version and --help.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "cli/app.hpp"
#include "util/suggest.hpp"

namespace kanon::cli {
using kanon::did_you_mean;
namespace {

struct Run {
    int code;
    std::string out;
    std::string err;
};

Run invoke(std::vector<std::string> args)
{
    std::ostringstream out;
    std::ostringstream err;
    int code = run(args, out, err);
    return {code, out.str(), err.str()};
}

TEST(DidYouMean, FindsCloseNames)
{
    std::vector<std::string> names = {"status", "explain", "yaml"};
    EXPECT_EQ(did_you_mean("stauts", names), "status");
    EXPECT_EQ(did_you_mean("explian", names), "explain");
    EXPECT_EQ(did_you_mean("yml", names), "yaml");
    EXPECT_EQ(did_you_mean("expl", names), "explain");  // a unique prefix
    EXPECT_EQ(did_you_mean("deploy", names), "");
}

TEST(Cli, VersionPrintsAndExitsZero)
{
    auto r = invoke({"--version"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out.rfind("kanon ", 0), 0U) << r.out;
}

TEST(Cli, HelpListsEveryCommandWithExitCodes)
{
    auto r = invoke({"--help"});
    EXPECT_EQ(r.code, 0);
    for (const char* c : {"status", "explain", "yaml", "Exit codes"}) {
        EXPECT_NE(r.out.find(c), std::string::npos) << c;
    }
}

TEST(Cli, EveryCommandHasHelp)
{
    for (std::vector<std::string> args : std::vector<std::vector<std::string>>{{"status", "--help"},
                                                                               {"explain", "--help"},
                                                                               {"yaml", "--help"},
                                                                               {"yaml", "set", "--help"},
                                                                               {"yaml", "get", "--help"}}) {
        auto r = invoke(args);
        EXPECT_EQ(r.code, 0) << args[0];
        EXPECT_NE(r.out.find("Usage"), std::string::npos) << args[0];
    }
}

TEST(Cli, UnknownCommandIsUsageWithSuggestion)
{
    auto r = invoke({"stauts"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "kanon: error: unknown command 'stauts'\nkanon: hint: did you mean 'kanon status'?\n");
}

TEST(Cli, UnknownFlagIsUsageWithSuggestion)
{
    auto r = invoke({"status", "--brnach", "main"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("kanon: error:"), std::string::npos);
    EXPECT_NE(r.err.find("did you mean '--branch'?"), std::string::npos) << r.err;
}

TEST(Cli, NoCommandIsUsage)
{
    EXPECT_EQ(invoke({}).code, 2);
}

TEST(Cli, BadOutputFormatIsUsage)
{
    EXPECT_EQ(invoke({"-o", "xml", "status"}).code, 2);
}

TEST(Cli, BadAppNameIsUsage)
{
    auto r = invoke({"explain", "../etc", "--stage", "dev"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("not a valid app name"), std::string::npos) << r.err;
}

TEST(Cli, JsonErrorIsOneDocumentOnStdout)
{
    auto r = invoke({"-o", "json", "yaml", "get", "/nonexistent/file.yaml", "a"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("\"ok\": false"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("kanon: error: /nonexistent/file.yaml: cannot open"), std::string::npos) << r.err;
}

// With -o json stdout holds one JSON document, a usage error's too, however
// -o was spelt and wherever it stood.
TEST(Cli, JsonUsageErrorIsOneDocumentOnStdout)
{
    for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
             {"-o", "json", "stauts"},
             {"--output=json", "status", "--brnach", "main"},
             {"status", "--brnach", "main", "-ojson"},
             {"release", "app", "--output", "json"},  // --tag is required
             {"-o", "json"},
         }) {
        auto r = invoke(args);
        EXPECT_EQ(r.code, 2) << args[0];
        auto doc = nlohmann::json::parse(r.out, nullptr, false);
        ASSERT_FALSE(doc.is_discarded()) << r.out;
        EXPECT_EQ(doc["ok"], false);
        EXPECT_EQ(doc["exit_code"], 2);
        EXPECT_FALSE(doc["error"]["message"].get<std::string>().empty());
        EXPECT_NE(r.err.find("kanon: error:"), std::string::npos) << r.err;
    }
    // Text stays text: nothing on stdout.
    EXPECT_EQ(invoke({"stauts"}).out, "");
    EXPECT_EQ(invoke({"-o", "text", "status", "--brnach", "main"}).out, "");
}

TEST(Cli, NoColourWhenNotATty)
{
    auto r = invoke({"stauts"});
    EXPECT_EQ(r.err.find('\033'), std::string::npos);
}

TEST(Cli, NoColourWithNoColorEvenOnATty)
{
    ::setenv("NO_COLOR", "1", 1);
    std::ostringstream out;
    std::ostringstream err;
    int code = run({"stauts"}, out, err, true, true);
    ::unsetenv("NO_COLOR");
    EXPECT_EQ(code, 2);
    EXPECT_EQ(err.str().find('\033'), std::string::npos);
}

TEST(Cli, ColourOnATty)
{
    ::unsetenv("NO_COLOR");
    ::setenv("TERM", "xterm", 1);
    std::ostringstream out;
    std::ostringstream err;
    run({"stauts"}, out, err, true, true);
    EXPECT_NE(err.str().find('\033'), std::string::npos);
    std::ostringstream err2;
    run({"--no-color", "stauts"}, out, err2, true, true);
    EXPECT_EQ(err2.str().find('\033'), std::string::npos);
}

}  // namespace
}  // namespace kanon::cli
