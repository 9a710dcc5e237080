// The command table as data (cli/reference.hpp), and what the completions
// and man pages make of it, over a small CLI11 tree built here.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include "cli/reference.hpp"

namespace kanon::cli {
namespace {

struct Tree {
    CLI::App root{"the tool", "kanon"};
    std::string output = "text";
    bool quiet = false;
    std::vector<std::string> apps;
    std::string stage = "dev";
    std::string config;
    std::string repo;
    std::string hidden;
    std::string shell;

    Tree()
    {
        root.add_option("-o,--output", output, "output format")->check(CLI::IsMember({"text", "json"}));
        root.add_flag("-q,--quiet", quiet, "say nothing");
        CLI::App* status = root.add_subcommand("status", "show things");
        status->add_option("APP", apps, "apps to show");
        status->add_option("--stage", stage, "the stage")->capture_default_str();
        status->add_option("--repo", repo, "web-core")->envname("KANON_REPO");
        status->add_option("--config", config, ".starts with a dot, has a \\ backslash");
        status->add_option("--secret", hidden, "not shown")->group("");
        status->footer("First paragraph\nstill first.\n\n  an indented line\nSecond paragraph.");
        CLI::App* box = root.add_subcommand("box", "a box of subcommands");
        box->require_subcommand(1);
        box->footer("The box's footer.");
        box->add_subcommand("up", "start it");
        root.add_subcommand("__hidden", "")->group("");
        CLI::App* completion = root.add_subcommand("completion", "print a script");
        completion->add_option("SHELL", shell, "the shell")->required()->check(CLI::IsMember({"bash", "fish"}));
    }
};

const OptionRef& find_option(const CommandRef& c, const std::string& name)
{
    for (const auto& o : c.options) {
        for (const auto& n : o.names) {
            if (n == name) {
                return o;
            }
        }
    }
    throw std::runtime_error("no option " + name);
}

TEST(Reference, ReadsCommandsFlagsAndValues)
{
    Tree t;
    CommandRef r = describe(t.root);
    ASSERT_EQ(r.subcommands.size(), 3U);  // status, box, completion: not the hidden one
    EXPECT_EQ(r.subcommands[0].name(), "kanon status");
    EXPECT_EQ(r.subcommands[1].subcommands.at(0).name(), "kanon box up");
    EXPECT_TRUE(r.subcommands[1].needs_subcommand);

    const OptionRef& out = find_option(r, "--output");
    EXPECT_EQ(out.names, (std::vector<std::string>{"-o", "--output"}));
    EXPECT_TRUE(out.takes_value);
    EXPECT_EQ(out.kind, ValueKind::choice);
    EXPECT_EQ(out.choices, (std::vector<std::string>{"text", "json"}));
    const OptionRef& quiet = find_option(r, "--quiet");
    EXPECT_FALSE(quiet.takes_value);
    EXPECT_EQ(quiet.kind, ValueKind::none);
    for (const auto& o : r.options) {
        EXPECT_NE(o.long_name(), "--help");
    }

    const CommandRef& status = r.subcommands[0];
    ASSERT_EQ(status.positionals.size(), 1U);
    EXPECT_EQ(status.positionals[0].positional, "APP");
    EXPECT_EQ(status.positionals[0].kind, ValueKind::app);
    EXPECT_TRUE(status.positionals[0].repeats);
    EXPECT_EQ(find_option(status, "--stage").kind, ValueKind::stage);
    EXPECT_EQ(find_option(status, "--stage").default_value, "dev");
    EXPECT_EQ(find_option(status, "--repo").env, "KANON_REPO");
    EXPECT_EQ(find_option(status, "--config").kind, ValueKind::file);
    EXPECT_THROW(find_option(status, "--secret"), std::runtime_error);  // hidden
    const CommandRef& completion = r.subcommands[2];
    EXPECT_TRUE(completion.positionals.at(0).required);
    EXPECT_FALSE(completion.positionals.at(0).repeats);
}

TEST(Reference, CompletionScriptsCarryTheTable)
{
    Tree t;
    CommandRef r = describe(t.root);
    std::string bash = completion_script(r, "bash", "9.9.9");
    EXPECT_NE(bash.find("# bash completion for kanon 9.9.9"), std::string::npos);
    EXPECT_NE(bash.find("'status|--stage') echo 'stage' ;;"), std::string::npos);
    EXPECT_NE(bash.find("'|-o') echo 'choice text json' ;;"), std::string::npos);
    EXPECT_NE(bash.find("'status|#'*) echo 'app' ;;"), std::string::npos);  // APP... repeats
    EXPECT_NE(bash.find("'completion|#0') echo 'choice bash fish' ;;"), std::string::npos);
    EXPECT_NE(bash.find("'box') printf"), std::string::npos);
    EXPECT_EQ(bash.find("__hidden"), std::string::npos);
    EXPECT_EQ(bash.find("--secret"), std::string::npos);
    EXPECT_EQ(bash.find("'|-q')"), std::string::npos);  // a flag takes no value
    std::string zsh = completion_script(r, "zsh", "9.9.9");
    EXPECT_EQ(zsh.rfind("#compdef kanon\n", 0), 0U);
    std::string fish = completion_script(r, "fish", "9.9.9");
    EXPECT_NE(fish.find("complete -c kanon -n '__kanon_at '\\''status'\\''' -l stage -x -a '(__kanon_names stages)'"),
              std::string::npos)
        << fish;
    EXPECT_NE(fish.find("complete -c kanon -n '__kanon_at '\\''box'\\''' -a 'up' -d 'start it'"), std::string::npos);
}

TEST(Reference, ManPagesAreRoff)
{
    Tree t;
    std::vector<ManPage> pages = man_pages(describe(t.root), "9.9.9");
    ASSERT_EQ(pages.size(), 4U);  // kanon.1 and one per visible command
    EXPECT_EQ(pages[0].file, "kanon.1");
    EXPECT_EQ(pages[1].file, "kanon-status.1");
    const std::string& status = pages[1].text;
    EXPECT_NE(status.find(".TH \"KANON-STATUS\" \"1\" \"\" \"kanon 9.9.9\""), std::string::npos);
    EXPECT_NE(status.find("kanon\\-status \\- show things"), std::string::npos);
    EXPECT_NE(status.find("\\fB\\-\\-stage\\fR \\fISTAGE\\fR\nthe stage (default: dev)"), std::string::npos);
    EXPECT_NE(status.find("(environment: KANON_REPO)"), std::string::npos);
    // A line that would start with '.' is not a request; a backslash is printed.
    EXPECT_NE(status.find("\n\\&.starts with a dot, has a \\e backslash"), std::string::npos) << status;
    EXPECT_NE(status.find(".PP\nFirst paragraph\nstill first.\n.PP\nan indented line\n.br\nSecond paragraph.\n"),
              std::string::npos)
        << status;
    EXPECT_EQ(status.find("--secret"), std::string::npos);
    const std::string& box = pages[2].text;
    // A subcommand inherits its parent's footer in CLI11: printed once.
    EXPECT_EQ(box.find("The box's footer."), box.rfind("The box's footer."));
    EXPECT_NE(box.find(".SS \"kanon box up\""), std::string::npos);
    EXPECT_NE(pages[0].text.find("\\fBkanon\\-box\\fR(1)"), std::string::npos);
}

}  // namespace
}  // namespace kanon::cli
