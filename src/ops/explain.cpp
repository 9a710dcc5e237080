#include "ops/explain.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "check/secrets.hpp"
#include "util/files.hpp"
#include "util/redact.hpp"
#include "util/text.hpp"
#include "yaml/document.hpp"
#include "yaml/edit.hpp"
#include "yaml/emit.hpp"
#include "yaml/path.hpp"
#include "yaml/value.hpp"

namespace kanon::ops {
namespace {

namespace fs = std::filesystem;

Result<yaml::Value> load_values(const std::string& dir, const std::string& rel)
{
    if (std::string real = symlink_outside(dir, rel); !real.empty()) {
        return Error{
            fmt::format("{}: a symlink to {}, outside the repository: Argo CD refuses to read it, and so "
                        "does kanon",
                        rel, real)};
    }
    auto text = read_file(dir + "/" + rel);
    if (!text) {
        return text.take_error();
    }
    auto s = yaml::Stream::parse(std::move(*text), rel);
    if (!s) {
        return s.take_error();
    }
    return yaml::document_value(*s);
}

// The chart path and valueFiles of an Application manifest, as repo paths,
// and the values it carries inline, which Argo CD gives Helm after the
// valueFiles: `valuesObject` (else the `values` string), then `parameters`
// (`--set`, so they win).
struct AppSource {
    std::string chart;
    std::vector<std::string> value_files;
    std::optional<yaml::Value> inline_values;
    std::string inline_name;  // where inline_values came from, for the report
    std::optional<yaml::Value> parameters;
};

// A `--set` value as Helm's strvals types it: true/false, null, a decimal
// integer (not one with a leading 0), else a string; `forceString`: a string.
yaml::Value set_value(const yaml::Value& item, const std::string& text, bool force_string)
{
    yaml::Value v = yaml::string_value(text, yaml::Style::plain);
    v.origin = item.origin;
    if (force_string) {
        return v;
    }
    std::string lowered = lower(text);
    // strvals: ParseInt(text, 10, 64), but not a number written with a leading 0.
    std::string_view digits = text;
    if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
        digits.remove_prefix(1);
    }
    std::int64_t number = 0;
    const char* from = text.data() + (text.starts_with('+') ? 1 : 0);
    auto parsed = std::from_chars(from, text.data() + text.size(), number);
    bool integer = !digits.empty() && (digits == "0" || digits[0] != '0') &&
                   digits.find_first_not_of("0123456789") == std::string_view::npos && parsed.ec == std::errc{} &&
                   parsed.ptr == text.data() + text.size();
    if (lowered == "true" || lowered == "false") {
        v.scalar_type = yaml::PlainType::boolean;
        v.helm.kind = yaml::HelmScalar::Kind::boolean;
        v.helm.boolean = lowered == "true";
    } else if (lowered == "null") {
        v.type = yaml::Value::Type::null;
        v.scalar_type = yaml::PlainType::null;
        v.helm.kind = yaml::HelmScalar::Kind::null;
    } else if (integer) {
        v.scalar_type = yaml::PlainType::integer;
        v.helm.kind = yaml::HelmScalar::Kind::integer;
        v.helm.integer = number;
    }
    return v;
}

// spec.source.helm.parameters as one layer: each `name` a key path.
Result<yaml::Value> parameters_layer(const yaml::Value& list, const std::string& app_file)
{
    yaml::Value layer = yaml::mapping_value();
    for (const auto& item : list.items) {
        const yaml::Value* name = item.get("name");
        const yaml::Value* value = item.get("value");
        const yaml::Value* force = item.get("forceString");
        if (name == nullptr || name->type != yaml::Value::Type::scalar) {
            return file_error(item.origin, fmt::format("{}: a helm parameter without a name", app_file));
        }
        auto path = yaml::parse_path(name->text);
        if (!path) {
            return file_error(name->origin, fmt::format("helm parameter '{}': {}", name->text, path.error().message));
        }
        yaml::Value* at = &layer;
        for (std::size_t i = 0; i < path->segments.size(); ++i) {
            const auto& seg = path->segments[i];
            if (seg.type != yaml::Segment::Type::key) {
                return file_error(
                    name->origin,
                    fmt::format("helm parameter '{}': kanon explain follows only map keys here", name->text));
            }
            yaml::Value* next = at->get(seg.key);
            if (next == nullptr || (i + 1 < path->segments.size() && !next->is_map())) {
                if (next == nullptr) {
                    at->entries.emplace_back(seg.key, yaml::mapping_value());
                    next = &at->entries.back().second;
                } else {
                    *next = yaml::mapping_value();
                }
                next->origin = name->origin;
            }
            at = next;
        }
        *at = set_value(value != nullptr ? *value : item, value != nullptr ? value->text : "",
                        force != nullptr && force->helm.kind == yaml::HelmScalar::Kind::boolean && force->helm.boolean);
    }
    return layer;
}

Result<AppSource> read_application(const std::string& dir, const std::string& rel)
{
    auto v = load_values(dir, rel);
    if (!v) {
        return v.take_error();
    }
    AppSource out;
    const yaml::Value* spec = v->get("spec");
    const yaml::Value* source = spec != nullptr ? spec->get("source") : nullptr;
    if (source == nullptr || !source->is_map()) {
        return out;
    }
    const yaml::Value* path = source->get("path");
    if (path != nullptr && path->type == yaml::Value::Type::scalar) {
        out.chart = fs::path(path->text).lexically_normal().string();
    }
    const yaml::Value* helm = source->get("helm");
    const yaml::Value* files = helm != nullptr ? helm->get("valueFiles") : nullptr;
    if (files != nullptr && files->type == yaml::Value::Type::sequence) {
        for (const auto& f : files->items) {
            out.value_files.push_back((fs::path(out.chart) / f.text).lexically_normal().string());
        }
    }
    if (helm == nullptr || !helm->is_map()) {
        return out;
    }
    if (const yaml::Value* object = helm->get("valuesObject"); object != nullptr && object->is_map()) {
        out.inline_values = *object;
        out.inline_name = rel + " (spec.source.helm.valuesObject)";
    } else if (const yaml::Value* text = helm->get("values");
               text != nullptr && text->type == yaml::Value::Type::scalar) {
        // Its lines are counted from the start of the string.
        auto stream = yaml::Stream::parse(text->text, rel + "#helm.values");
        if (!stream) {
            return stream.take_error();
        }
        auto inline_value = yaml::document_value(*stream);
        if (!inline_value) {
            return inline_value.take_error();
        }
        out.inline_values = std::move(*inline_value);
        out.inline_name = rel + " (spec.source.helm.values)";
    }
    if (const yaml::Value* params = helm->get("parameters");
        params != nullptr && params->type == yaml::Value::Type::sequence) {
        auto layer = parameters_layer(*params, rel);
        if (!layer) {
            return layer.take_error();
        }
        out.parameters = std::move(*layer);
    }
    return out;
}

void warn_overrides(const canon::Config& c, ExplainReport& rep, const std::string& release_file)
{
    for (const std::string& key : {c.repository_key, c.tag_key}) {
        auto path = yaml::parse_path(key);
        if (!path) {
            continue;
        }
        const yaml::Value* v = &rep.merged;
        for (const auto& seg : path->segments) {
            v = v != nullptr ? v->get(seg.key) : nullptr;
        }
        if (v == nullptr) {
            continue;
        }
        bool replaced_release = false;
        for (const auto& s : v->shadowed) {
            replaced_release = replaced_release || s.file == release_file;
        }
        if (v->origin.file != release_file && replaced_release) {
            rep.warnings.push_back(
                fmt::format("{} comes from {}:{}, which overrides the release file {}: a release or promotion of this "
                            "stage will not change what is deployed (remove the key from {})",
                            key, v->origin.file, v->origin.line, release_file, v->origin.file));
        }
    }
}

}  // namespace

namespace {

// The last key of a leaf's path: "env.DB_PASSWORD" -> "DB_PASSWORD",
// "hosts[0].token" -> "token", "list[2]" -> "list".
std::string_view last_key(std::string_view path)
{
    while (path.ends_with(']')) {
        path = path.substr(0, path.rfind('['));
    }
    auto dot = path.rfind('.');
    return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

// A value that looks like a secret is never printed (kanon check reports it
// as secrets/plaintext); a password in a URL loses its userinfo.
void hide_secrets(ExplainReport& rep)
{
    for (auto& l : rep.leaves) {
        if (l.value.type != yaml::Value::Type::scalar) {
            continue;
        }
        if (check::looks_like_secret(last_key(l.path), l.value.text)) {
            rep.warnings.push_back(
                fmt::format("{} ({}:{}) looks like a secret in plain text: its value is not shown; "
                            "web-core should hold a reference to a Secret (kanon check, "
                            "secrets/plaintext)",
                            l.path, l.value.origin.file, l.value.origin.line));
            l.value.text = "***";
            l.value.scalar_type = yaml::PlainType::string;
            l.value.helm = yaml::HelmScalar{};  // a string: the text above, never the value
        } else if (auto shown = redact_urls(l.value.text); shown != l.value.text) {
            l.value.text = std::move(shown);
            l.value.scalar_type = yaml::PlainType::string;
            l.value.helm = yaml::HelmScalar{};
        }
    }
}

// What Argo CD renders the stage from: its Application's valueFiles, chart
// and inline values when it has one, else the canon's release and env files.
struct Inputs {
    std::vector<std::string> files;
    std::string chart;
    AppSource inline_source;
};

Result<Inputs> inputs_of(const ExplainOptions& opts, const canon::Config& config, ExplainReport& rep)
{
    Inputs in;
    in.files = {config.release_file(opts.app, opts.stage), config.env_file(opts.app, opts.stage)};
    in.chart = config.chart_path;
    if (file_exists(opts.dir + "/" + rep.application_file)) {
        auto app = read_application(opts.dir, rep.application_file);
        if (!app) {
            return app.take_error();
        }
        if (!app->value_files.empty()) {
            rep.from_application = true;
            in.files = app->value_files;
        }
        if (!app->chart.empty()) {
            in.chart = app->chart;
        }
        in.inline_source = std::move(*app);
    }
    return in;
}

// Helm's merge: the chart's values, then each values file left to right,
// then the Application's inline values and parameters. Every source is
// listed in the report, present or not.
Result<yaml::Value> merge_values(const ExplainOptions& opts, const canon::Config& config, Inputs& in,
                                 ExplainReport& rep)
{
    std::string release = config.release_file(opts.app, opts.stage);
    std::string env = config.env_file(opts.app, opts.stage);
    std::string chart_values = (fs::path(in.chart) / "values.yaml").lexically_normal().string();
    yaml::Value chart_value;
    rep.sources.push_back({chart_values, file_exists(opts.dir + "/" + chart_values), "chart"});
    if (rep.sources.back().present) {
        auto v = load_values(opts.dir, chart_values);
        if (!v) {
            return v.take_error();
        }
        chart_value = std::move(*v);
    }
    std::vector<yaml::Value> layers;
    for (const auto& f : in.files) {
        std::string role = f == release ? "release" : f == env ? "env" : "values";
        bool present = file_exists(opts.dir + "/" + f);
        rep.sources.push_back({f, present, role});
        if (!present) {
            continue;  // Argo CD would fail the render; explain still shows the rest
        }
        auto v = load_values(opts.dir, f);
        if (!v) {
            return v.take_error();
        }
        layers.push_back(std::move(*v));
    }
    if (in.inline_source.inline_values) {
        rep.sources.push_back({in.inline_source.inline_name, true, "inline"});
        layers.push_back(std::move(*in.inline_source.inline_values));
    }
    if (in.inline_source.parameters) {
        rep.sources.push_back({rep.application_file + " (spec.source.helm.parameters)", true, "parameters"});
        layers.push_back(std::move(*in.inline_source.parameters));
    }
    return yaml::helm_merge(chart_value, layers);
}

// The leaves under --key (all of them without one).
Status select_leaves(const ExplainOptions& opts, ExplainReport& rep)
{
    const yaml::Value* root = &rep.merged;
    std::string prefix;
    if (!opts.key.empty()) {
        auto path = yaml::parse_path(opts.key);
        if (!path) {
            return path.take_error();
        }
        for (const auto& seg : path->segments) {
            if (seg.type == yaml::Segment::Type::key && root->is_map()) {
                root = root->get(seg.key);
            } else if (seg.type == yaml::Segment::Type::index && root->type == yaml::Value::Type::sequence &&
                       seg.index < root->items.size()) {
                root = &root->items[seg.index];
            } else {
                root = nullptr;
            }
            if (root == nullptr) {
                return Error{fmt::format("'{}' is not set for {} in stage {}", opts.key, opts.app, opts.stage)};
            }
        }
        prefix = path->prefix(path->segments.size());
    }
    rep.leaves = yaml::leaves(*root, prefix);
    return ok_status();
}

}  // namespace

Result<ExplainReport> explain(const ExplainOptions& opts)
{
    if (auto st = canon::validate_app_name(opts.app); !st) {
        return st.take_error();
    }
    auto config = canon::load_config(opts.dir, opts.config_path);
    if (!config) {
        return config.take_error();
    }
    if (auto st = canon::validate_stage(*config, opts.stage); !st) {
        return st.take_error();
    }
    ExplainReport rep;
    rep.app = opts.app;
    rep.stage = opts.stage;
    rep.application_file = config->application_file(opts.app, opts.stage);
    std::string release = config->release_file(opts.app, opts.stage);
    std::string env = config->env_file(opts.app, opts.stage);
    auto in = inputs_of(opts, *config, rep);
    if (!in) {
        return in.take_error();
    }
    if (!file_exists(opts.dir + "/" + release) && !file_exists(opts.dir + "/" + env)) {
        return Error{fmt::format("app '{}' has neither {} nor {} in {}", opts.app, release, env, opts.dir)};
    }
    auto merged = merge_values(opts, *config, *in, rep);
    if (!merged) {
        return merged.take_error();
    }
    rep.merged = std::move(*merged);
    warn_overrides(*config, rep, release);
    if (auto st = select_leaves(opts, rep); !st) {
        return st.take_error();
    }
    hide_secrets(rep);
    return rep;
}

}  // namespace kanon::ops
