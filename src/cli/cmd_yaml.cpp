// kanon yaml get FILE KEY / kanon yaml set FILE KEY VALUE [-i]
//
// A `yq` that never reformats: get prints one value; set changes exactly the
// bytes of one scalar (or adds a missing key in the file's own style) and
// prints the file, or writes it in place atomically, keeping its mode.
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "ops/yaml_file.hpp"

namespace kanon::cli {
namespace {

struct YamlSetFlags {
    ops::YamlSetOptions o;
    bool no_create = false;
};

Result<ExitCode> run_get(const std::pair<std::string, std::string>& o, const Context& ctx)
{
    auto r = ops::yaml_get(o.first, o.second);
    if (!r) {
        return r.take_error();
    }
    if (ctx.json()) {
        nlohmann::ordered_json j;
        j["file"] = r->file;
        j["key"] = r->key;
        j["value"] = r->value.to_json();
        j["type"] = r->type;
        j["line"] = r->where.line;
        j["column"] = r->where.column;
        ctx.out << j.dump(2) << '\n';
    } else if (r->scalar) {
        ctx.out << r->text << '\n';
    } else {
        ctx.out << r->value.to_json().dump() << '\n';  // JSON is YAML, and one line
    }
    return ExitCode::ok;
}

Result<ExitCode> run_set(const ops::YamlSetOptions& o, const Context& ctx)
{
    auto r = ops::yaml_set(o);
    if (!r) {
        return r.take_error();
    }
    if (ctx.json()) {
        nlohmann::ordered_json j;
        j["file"] = o.file;
        j["key"] = o.key;
        j["value"] = o.value;
        j["old"] = r->created ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r->old_value);
        j["changed"] = r->changed;
        j["created"] = r->created;
        j["line"] = r->where.line;
        j["column"] = r->where.column;
        if (!o.in_place) {
            j["content"] = r->text;
        }
        ctx.out << j.dump(2) << '\n';
    } else if (!o.in_place) {
        ctx.out << r->text;
        if (r->created && !ctx.global.quiet) {  // a typo in KEY would otherwise pass unseen
            ctx.err << fmt::format("{}:{}:{}: created {} (it did not exist; --no-create refuses that)\n", o.file,
                                   r->where.line, r->where.column, o.key);
        }
    } else if (!ctx.global.quiet) {
        ctx.err << (!r->changed  ? fmt::format("{}: {} already is that value; nothing changed\n", o.file, o.key)
                    : r->created ? fmt::format("{}:{}:{}: created {} (it did not exist; --no-create refuses that)\n",
                                               o.file, r->where.line, r->where.column, o.key)
                                 : fmt::format("{}:{}:{}: set {}\n", o.file, r->where.line, r->where.column, o.key));
    }
    return ExitCode::ok;
}

}  // namespace

void define_yaml(CLI::App& sub, Runner& run)
{
    sub.require_subcommand(1);
    auto get = std::make_shared<std::pair<std::string, std::string>>();  // FILE, KEY
    CLI::App* g = sub.add_subcommand("get", "print the value at KEY (a scalar as text, a collection as JSON)");
    g->add_option("FILE", get->first, "the YAML file")->required();
    g->add_option("KEY", get->second, "key path: a.b.c, list[0].x, a[\"dotted.key\"]")->required();
    g->callback([&run, get] { run = [get](const Context& ctx) { return run_get(*get, ctx); }; });

    auto set = std::make_shared<YamlSetFlags>();
    CLI::App* st = sub.add_subcommand(
        "set", "set the scalar at KEY to VALUE (a string, quoted where Helm would misread it), changing no other byte");
    st->add_option("FILE", set->o.file, "the YAML file")->required();
    st->add_option("KEY", set->o.key, "key path: a.b.c, list[0].x, a[\"dotted.key\"]")->required();
    st->add_option("VALUE", set->o.value, "the new value")->required();
    st->add_flag("-i,--in-place", set->o.in_place, "write the file in place (atomically, keeping its mode)");
    st->add_flag("--raw", set->o.raw, "write VALUE as a plain YAML scalar as it is (3, true), not as a string");
    st->add_flag("--no-create", set->no_create, "fail if KEY does not exist instead of adding it");
    st->callback([&run, set] {
        run = [set](const Context& ctx) {
            ops::YamlSetOptions o = set->o;
            o.create = !set->no_create;
            return run_set(o, ctx);
        };
    });
}

}  // namespace kanon::cli
