// Man pages from the command table (cli/reference.hpp): kanon(1) with the
// global flags and the list of commands, and kanon-COMMAND(1) for each
// command with its arguments, flags and subcommands. Plain man(7) macros,
// so `man -l`, groff and mandoc all read them.
#include <fmt/format.h>

#include "cli/reference.hpp"
#include "util/text.hpp"

namespace kanon::cli {
namespace {

// Text for roff: backslashes kept, no line read as a request.
std::string roff(const std::string& s)
{
    std::string out;
    bool line_start = true;
    for (char c : s) {
        if (line_start && (c == '.' || c == '\'')) {
            out += "\\&";
        }
        if (c == '\\') {
            out += "\\e";
        } else {
            out += c;
        }
        line_start = c == '\n';
    }
    return out;
}

// A flag or command as typed: roff's minus sign, not a hyphen.
std::string literal(const std::string& s)
{
    std::string out;
    for (char c : s) {
        out += c == '-' ? std::string("\\-") : roff(std::string(1, c));
    }
    return out;
}

// A summary as the start of a sentence: its first letter capital.
std::string sentence(std::string s)
{
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') {
        s[0] = static_cast<char>(s[0] - 'a' + 'A');
    }
    return s;
}

std::string page_name(const CommandRef& c)
{
    return c.path.empty() ? "kanon" : "kanon-" + c.path.front();
}

// A footer's paragraphs: a blank line starts a new one; an indented line
// stays on a line of its own.
std::string paragraphs(const std::string& text)
{
    std::string out;
    std::string para;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (line.find_first_not_of(' ') == std::string::npos) {
            if (!para.empty()) {
                out += ".PP\n" + para;
                para.clear();
            }
        } else if (line[0] == ' ') {  // a line of its own: a break before and after
            para += (para.empty() ? "" : ".br\n") + roff(line.substr(line.find_first_not_of(' '))) + "\n.br\n";
        } else {
            para += roff(line) + "\n";
        }
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    if (!para.empty()) {
        out += ".PP\n" + para;
    }
    return out;
}

std::string usage_line(const CommandRef& c)
{
    std::string s = ".B " + literal(c.name()) + "\n";
    if (!c.options.empty()) {
        s += "[\\fIOPTIONS\\fR]\n";
    }
    for (const auto& p : c.positionals) {
        std::string name = "\\fI" + literal(p.positional) + "\\fR" + (p.repeats ? "..." : "");
        s += (p.required ? name : "[" + name + "]") + "\n";
    }
    if (!c.subcommands.empty()) {
        s += c.needs_subcommand ? "\\fICOMMAND\\fR\n" : "[\\fICOMMAND\\fR]\n";
    }
    return s;
}

std::string option_entry(const OptionRef& o)
{
    std::string head;
    if (o.positional.empty()) {
        for (const auto& n : o.names) {
            head += (head.empty() ? "" : ", ") + std::string("\\fB") + literal(n) + "\\fR";
        }
        if (o.takes_value) {
            head += " \\fI" + literal(o.positional.empty() ? upper(o.long_name().substr(2)) : o.positional) + "\\fR";
        }
    } else {
        head = "\\fI" + literal(o.positional) + "\\fR" + (o.repeats ? "..." : "");
    }
    std::string text = o.description;
    std::vector<std::string> notes;
    if (!o.choices.empty()) {
        std::string list;
        for (const auto& c : o.choices) {
            list += (list.empty() ? "" : ", ") + c;
        }
        notes.push_back("one of: " + list);
    }
    if (!o.default_value.empty()) {
        notes.push_back("default: " + o.default_value);
    }
    if (!o.env.empty()) {
        notes.push_back("environment: " + o.env);
    }
    if (o.required && o.positional.empty()) {
        notes.push_back("required");
    }
    if (o.repeats && o.positional.empty()) {
        notes.push_back("may be repeated");
    }
    if (!notes.empty()) {
        std::string joined;
        for (const auto& n : notes) {
            joined += (joined.empty() ? "" : "; ") + n;
        }
        text += " (" + joined + ")";
    }
    return ".TP\n" + head + "\n" + roff(text) + "\n";
}

void collect_env(const CommandRef& c, std::vector<std::pair<std::string, std::string>>& env)
{
    for (const auto* list : {&c.options, &c.positionals}) {
        for (const auto& o : *list) {
            if (o.env.empty()) {
                continue;
            }
            bool seen = false;
            for (const auto& e : env) {
                seen = seen || e.first == o.env;
            }
            if (!seen) {
                env.emplace_back(o.env, o.long_name());
            }
        }
    }
    for (const auto& s : c.subcommands) {
        collect_env(s, env);
    }
}

// A command's arguments and flags, then each subcommand's under its name.
std::string body(const CommandRef& c, int depth)
{
    std::string s;
    if (!c.positionals.empty()) {
        s += depth == 0 ? ".SH ARGUMENTS\n" : ".PP\nArguments:\n";
        for (const auto& p : c.positionals) {
            s += option_entry(p);
        }
    }
    if (!c.options.empty()) {
        s += depth == 0 ? ".SH OPTIONS\n" : ".PP\nOptions:\n";
        for (const auto& o : c.options) {
            s += option_entry(o);
        }
    }
    if (!c.subcommands.empty()) {
        if (depth == 0) {
            s += ".SH COMMANDS\n";
        }
        for (const auto& sub : c.subcommands) {
            s += ".SS \"" + literal(sub.name()) + "\"\n" + roff(sub.summary) + "\n";
            s += ".PP\n" + usage_line(sub);
            // CLI11 gives a subcommand its parent's footer unless it has its own.
            s += (sub.footer == c.footer ? std::string() : paragraphs(sub.footer)) + body(sub, depth + 1);
        }
    }
    return s;
}

std::string header(const CommandRef& c, const std::string& version)
{
    std::string title = upper(page_name(c));
    return fmt::format(
        ".\\\" Generated from kanon's command table (kanon __man); do not edit.\n"
        ".TH \"{}\" \"1\" \"\" \"kanon {}\" \"kanon manual\"\n"
        ".SH NAME\n{} \\- {}\n"
        ".SH SYNOPSIS\n{}",
        title, version, literal(page_name(c)), roff(c.summary), usage_line(c));
}

std::string see_also(const CommandRef& root, const CommandRef& self)
{
    std::string s = ".SH SEE ALSO\n";
    std::vector<std::string> refs;
    if (!self.path.empty()) {
        refs.push_back("\\fBkanon\\fR(1)");
    }
    for (const auto& c : root.subcommands) {
        if (c.path != self.path) {
            refs.push_back("\\fB" + literal(page_name(c)) + "\\fR(1)");
        }
    }
    for (std::size_t i = 0; i < refs.size(); ++i) {
        s += refs[i] + ",\n";
    }
    return s + "\\fBgit\\fR(1)\n";
}

std::string root_page(const CommandRef& root, const std::string& version)
{
    std::string s = header(root, version);
    s += ".SH DESCRIPTION\n" + roff(sentence(root.summary)) +
         ". Each command is a page of its own: \\fBman kanon\\-COMMAND\\fR, or \\fBkanon COMMAND \\-\\-help\\fR.\n";
    s += paragraphs(root.footer);
    s += ".SH COMMANDS\n";
    for (const auto& c : root.subcommands) {
        s += ".TP\n\\fB" + literal(page_name(c)) + "\\fR(1)\n" + roff(c.summary) + "\n";
    }
    s += ".SH GLOBAL OPTIONS\nThese go before or after the command.\n";
    for (const auto& o : root.options) {
        s += option_entry(o);
    }
    std::vector<std::pair<std::string, std::string>> env;
    collect_env(root, env);
    s += ".SH ENVIRONMENT\n";
    for (const auto& [name, flag] : env) {
        s += ".TP\n.B " + literal(name) + "\nthe value of \\fB" + literal(flag) + "\\fR where it is not given\n";
    }
    s += ".TP\n.B NO_COLOR\nwhen set, never colour the output\n";
    return s + see_also(root, root);
}

}  // namespace

std::vector<ManPage> man_pages(const CommandRef& root, const std::string& version)
{
    std::vector<ManPage> pages;
    pages.push_back({"kanon.1", root_page(root, version)});
    for (const auto& c : root.subcommands) {
        std::string s = header(c, version);
        s += ".SH DESCRIPTION\n" + roff(sentence(c.summary)) + ".\n" + paragraphs(c.footer);
        s += body(c, 0);
        s += ".SH GLOBAL OPTIONS\nEvery command takes kanon's global options: see \\fBkanon\\fR(1).\n";
        s += see_also(root, c);
        pages.push_back({page_name(c) + ".1", s});
    }
    return pages;
}

}  // namespace kanon::cli
