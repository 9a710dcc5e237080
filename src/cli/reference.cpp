#include "cli/reference.hpp"

#include <algorithm>

#include <CLI/CLI.hpp>

namespace kanon::cli {
namespace {

// What each value-taking name holds, for completion. A name not here takes
// free text (a tag, a URL, a duration).
ValueKind kind_of_name(const std::string& name)
{
    static const std::vector<std::pair<std::string, ValueKind>> k_kinds = {
        {"APP", ValueKind::app},       {"--app", ValueKind::app},
        {"--stage", ValueKind::stage}, {"--from", ValueKind::stage},
        {"--to", ValueKind::stage},    {"--config", ValueKind::file},
        {"FILE", ValueKind::file},     {"--junit", ValueKind::file},
        {"--dotenv", ValueKind::file}, {"--codeclimate", ValueKind::file},
        {"--ca", ValueKind::file},     {"--argocd-ca", ValueKind::file},
        {"--dir", ValueKind::dir},     {"--cache-dir", ValueKind::dir},
        {"--repo", ValueKind::dir},    {"--platform", ValueKind::dir},
    };
    for (const auto& [n, k] : k_kinds) {
        if (n == name) {
            return k;
        }
    }
    return ValueKind::none;
}

// The values of a CLI::IsMember check, from the type name CLI11 shows in
// --help ("TEXT:{text,json}").
std::vector<std::string> choices_of(const CLI::Option& o)
{
    std::string t = o.get_type_name();
    auto open = t.find('{');
    auto close = t.find('}', open == std::string::npos ? 0 : open);
    if (open == std::string::npos || close == std::string::npos) {
        return {};
    }
    std::vector<std::string> out;
    std::string cur;
    for (std::size_t i = open + 1; i < close; ++i) {
        if (t[i] == ',') {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += t[i];
        }
    }
    out.push_back(cur);
    return out;
}

OptionRef option_ref(const CLI::Option& o)
{
    OptionRef r;
    for (const auto& l : o.get_lnames()) {
        r.names.push_back("--" + l);
    }
    for (const auto& s : o.get_snames()) {
        r.names.insert(r.names.begin(), "-" + s);
    }
    if (!o.nonpositional()) {
        r.positional = o.get_name(true);
    }
    r.description = o.get_description();
    r.takes_value = o.get_expected_max() > 0;  // a flag expects 0 values
    r.required = o.get_required();
    r.repeats = o.get_items_expected_max() > 1;
    r.choices = choices_of(o);
    r.env = o.get_envname();
    r.default_value = o.get_default_str();
    if (!r.choices.empty()) {
        r.kind = ValueKind::choice;
    } else if (r.takes_value) {
        r.kind = kind_of_name(r.positional.empty() ? r.long_name() : r.positional);
    }
    return r;
}

CommandRef command_ref(const CLI::App& app, std::vector<std::string> path)
{
    CommandRef c;
    c.path = std::move(path);
    c.summary = app.get_description();
    c.footer = app.get_footer();
    c.needs_subcommand = app.get_require_subcommand_min() > 0;
    const CLI::Option* help = app.get_help_ptr();
    for (const CLI::Option* o : app.get_options({})) {
        if (o == help || o->get_group().empty()) {
            continue;
        }
        OptionRef r = option_ref(*o);
        (r.positional.empty() ? c.options : c.positionals).push_back(std::move(r));
    }
    for (const CLI::App* s : app.get_subcommands({})) {
        if (s->get_group().empty()) {
            continue;  // hidden
        }
        std::vector<std::string> p = c.path;
        p.push_back(s->get_name());
        c.subcommands.push_back(command_ref(*s, std::move(p)));
    }
    return c;
}

}  // namespace

std::string OptionRef::long_name() const
{
    for (const auto& n : names) {
        if (n.rfind("--", 0) == 0) {
            return n;
        }
    }
    return names.empty() ? positional : names.front();
}

std::string CommandRef::name() const
{
    std::string s = "kanon";
    for (const auto& p : path) {
        s += ' ' + p;
    }
    return s;
}

CommandRef describe(const CLI::App& root)
{
    CommandRef r = command_ref(root, {});
    // The root's footer is the exit codes, which the man page has its own section for.
    return r;
}

}  // namespace kanon::cli
