#include "ops/yaml_file.hpp"

#include "util/files.hpp"
#include "yaml/document.hpp"
#include "yaml/scalar.hpp"

namespace kanon::ops {
namespace {

Result<yaml::Stream> load(const std::string& file)
{
    auto text =
        file == "-" ? Result<std::string>(Error{"reading stdin is not supported; name a file"}) : read_file(file);
    if (!text) {
        return text.take_error();
    }
    return yaml::Stream::parse(std::move(*text), file);
}

}  // namespace

Result<YamlGetReport> yaml_get(const std::string& file, const std::string& key)
{
    auto path = yaml::parse_path(key);
    if (!path) {
        return path.take_error();
    }
    auto s = load(file);
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
    YamlGetReport r;
    r.file = file;
    r.key = key;
    r.value = std::move(*value);
    r.scalar = n.kind == yaml::Kind::scalar;
    r.text = r.scalar ? n.value : std::string();
    r.type = r.scalar ? yaml::type_name(yaml::resolve_node(n)) : n.kind == yaml::Kind::mapping ? "mapping" : "sequence";
    r.where = s->locate(r.scalar ? n.value_span.begin : n.span.begin);
    return r;
}

Result<yaml::SetResult> yaml_set(const YamlSetOptions& o)
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
    so.create = o.create;
    auto r = yaml::set_scalar(*s, *path, o.value, so);
    if (!r) {
        return r.take_error();
    }
    if (o.in_place && r->changed) {
        if (auto st = write_file_atomic(o.file, r->text); !st) {
            return st.take_error();
        }
    }
    return r;
}

}  // namespace kanon::ops
