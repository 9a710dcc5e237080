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
#include "util/files.hpp"
#include "yaml/document.hpp"
#include "yaml/edit.hpp"
#include "yaml/scalar.hpp"
#include "yaml/value.hpp"

namespace kanon::cli {
namespace {

struct YamlGetOptions {
    std::string file;
    std::string key;
};

struct YamlSetOptions {
    std::string file;
    std::string key;
    std::string value;
    bool in_place = false;
    bool raw = false;
    bool no_create = false;
};

Result<yaml::Stream> load(const std::string& file)
{
    auto text =
        file == "-" ? Result<std::string>(Error{"reading stdin is not supported; name a file"}) : read_file(file);
    if (!text) {
        return text.take_error();
    }
    return yaml::Stream::parse(std::move(*text), file);
}

Result<ExitCode> run_get(const YamlGetOptions& o, const Context& ctx)
{
    auto path = yaml::parse_path(o.key);
    if (!path) {
        return path.take_error();
    }
    auto s = load(o.file);
    if (!s) {
        return s.take_error();
    }
    auto id = yaml::find(*s, *path);
    if (!id) {
        return id.take_error();
    }
    const yaml::Node& n = s->node(*id);
    auto value = yaml::to_value(*s, *id);
    if (!value) {
        return value.take_error();
    }
    if (ctx.json()) {
        nlohmann::ordered_json j;
        j["file"] = o.file;
        j["key"] = o.key;
        j["value"] = value->to_json();
        j["type"] = n.kind == yaml::Kind::scalar    ? yaml::type_name(yaml::resolve_node(n))
                    : n.kind == yaml::Kind::mapping ? "mapping"
                                                    : "sequence";
        auto loc = s->locate(n.kind == yaml::Kind::scalar ? n.value_span.begin : n.span.begin);
        j["line"] = loc.line;
        j["column"] = loc.column;
        ctx.out << j.dump(2) << '\n';
    } else if (n.kind == yaml::Kind::scalar) {
        ctx.out << n.value << '\n';
    } else {
        ctx.out << value->to_json().dump() << '\n';  // JSON is YAML, and one line
    }
    return ExitCode::ok;
}

Result<ExitCode> run_set(const YamlSetOptions& o, const Context& ctx)
{
    auto path = yaml::parse_path(o.key);
    if (!path) {
        return path.take_error();
    }
    auto s = load(o.file);
    if (!s) {
        return s.take_error();
    }
    yaml::SetOptions so;
    so.raw = o.raw;
    so.create = !o.no_create;
    auto r = yaml::set_scalar(*s, *path, o.value, so);
    if (!r) {
        return r.take_error();
    }
    if (o.in_place && r->changed) {
        if (auto st = write_file_atomic(o.file, r->text); !st) {
            return st.take_error();
        }
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
    auto get = std::make_shared<YamlGetOptions>();
    CLI::App* g = sub.add_subcommand("get", "print the value at KEY (a scalar as text, a collection as JSON)");
    g->add_option("FILE", get->file, "the YAML file")->required();
    g->add_option("KEY", get->key, "key path: a.b.c, list[0].x, a[\"dotted.key\"]")->required();
    g->callback([&run, get] { run = [get](const Context& ctx) { return run_get(*get, ctx); }; });

    auto set = std::make_shared<YamlSetOptions>();
    CLI::App* st = sub.add_subcommand(
        "set", "set the scalar at KEY to VALUE (a string, quoted where Helm would misread it), changing no other byte");
    st->add_option("FILE", set->file, "the YAML file")->required();
    st->add_option("KEY", set->key, "key path: a.b.c, list[0].x, a[\"dotted.key\"]")->required();
    st->add_option("VALUE", set->value, "the new value")->required();
    st->add_flag("-i,--in-place", set->in_place, "write the file in place (atomically, keeping its mode)");
    st->add_flag("--raw", set->raw, "write VALUE as a plain YAML scalar as it is (3, true), not as a string");
    st->add_flag("--no-create", set->no_create, "fail if KEY does not exist instead of adding it");
    st->callback([&run, set] { run = [set](const Context& ctx) { return run_set(*set, ctx); }; });
}

}  // namespace kanon::cli
