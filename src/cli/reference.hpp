// The command table as data: every visible command, subcommand, flag and
// enumerated value, read from the CLI11 tree that `kanon` itself parses
// with, so the shell completions and the man pages made from it can never
// list a flag kanon does not take or miss one it does.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace kanon::cli {

// What a value is, for completion: a fixed set, an app or stage name (read
// from the repository), a file, a directory, or anything.
enum class ValueKind { none, choice, app, stage, file, dir };

struct OptionRef {
    std::vector<std::string> names;  // "--tag", "-o"; empty for a positional
    std::string positional;          // "APP", "KIND" for a positional
    std::string description;
    bool takes_value = false;  // a flag (--http) takes none
    bool required = false;
    bool repeats = false;              // APP..., --path (repeatable)
    std::vector<std::string> choices;  // from CLI::IsMember
    ValueKind kind = ValueKind::none;
    std::string env;            // read from this variable when not given
    std::string default_value;  // as --help shows it

    [[nodiscard]] std::string long_name() const;  // "--tag", else the first name
};

struct CommandRef {
    std::vector<std::string> path;  // {"sandbox", "up"}; empty for kanon itself
    std::string summary;
    std::string footer;
    std::vector<OptionRef> options;      // flags, in declaration order
    std::vector<OptionRef> positionals;  // in order
    std::vector<CommandRef> subcommands;
    bool needs_subcommand = false;

    [[nodiscard]] std::string name() const;  // "kanon sandbox up"
};

// The tree under `root` (kanon): hidden commands and options (CLI11's empty
// group) and --help are left out.
CommandRef describe(const CLI::App& root);

// The shell completion scripts (bash, zsh, fish) and the man pages
// (kanon.1 and one per command), all from the same tree.
std::string completion_script(const CommandRef& root, const std::string& shell, const std::string& version);
struct ManPage {
    std::string file;  // kanon-release.1
    std::string text;  // roff
};
std::vector<ManPage> man_pages(const CommandRef& root, const std::string& version);

}  // namespace kanon::cli
