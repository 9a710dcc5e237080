// CANON.md rules 1–9 over one app's six web-core files. Each rule is one
// function below, named after its ID; docs/rules.md says why each exists.
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "canon/release.hpp"
#include "check/check.hpp"
#include "check/rules.hpp"
#include "check/secrets.hpp"
#include "util/files.hpp"
#include "util/text.hpp"
#include "yaml/edit.hpp"
#include "yaml/scalar.hpp"

namespace kanon::check::detail {

namespace fs = std::filesystem;
using yaml::Kind;
using yaml::NodeId;

// ---------------------------------------------------------------- helpers

File load_file(const std::string& root, const std::string& rel, const std::string& shown, bool scan,
               std::vector<Finding>& out, bool parse)
{
    File f;
    f.path = shown;
    std::string full = root + "/" + rel;
    std::error_code ec;
    if (!fs::is_regular_file(full, ec)) {
        return f;
    }
    f.exists = true;
    if (!symlink_outside(root, rel).empty()) {
        return f;  // never read: argocd/value-file-missing says why
    }
    auto text = read_file(full);
    if (!text) {
        out.push_back(make_finding("yaml/syntax", {shown, 1, 1}, text.error().message));
        return f;
    }
    if (parse) {
        auto s = yaml::Stream::parse(*text, shown);
        if (s) {
            f.stream.emplace(std::move(*s));
        } else {
            Location at = s.error().where;
            at.file = shown;
            at.line = std::max<std::size_t>(at.line, 1);
            at.column = std::max<std::size_t>(at.column, 1);
            out.push_back(make_finding("yaml/syntax", at,
                                       fmt::format("{} (nothing else in this file was checked but its text for "
                                                   "secrets)",
                                                   s.error().message)));
        }
    }
    if (scan) {
        auto found =
            scan_secrets(shown, f.stream ? f.stream->text() : std::string_view(*text), f.stream ? &*f.stream : nullptr);
        out.insert(out.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
    }
    return f;
}

namespace {

// The key node whose value is `id`, if `id` is a mapping value.
NodeId key_of(const yaml::Stream& s, NodeId id)
{
    const yaml::Node& n = s.node(id);
    if (n.parent == yaml::k_no_node || s.node(n.parent).kind != Kind::mapping) {
        return yaml::k_no_node;
    }
    const auto& kids = s.node(n.parent).children;
    for (std::size_t i = 1; i < kids.size(); i += 2) {
        if (kids[i] == id) {
            return kids[i - 1];
        }
    }
    return yaml::k_no_node;
}

yaml::Path must_path(const std::string& text)
{
    auto p = yaml::parse_path(text);
    return p ? std::move(*p) : yaml::Path{};
}

std::string scalar_text(const yaml::Stream& s, NodeId id)
{
    const yaml::Node& n = s.node(id);
    return n.kind == Kind::scalar && !is_null(n) ? n.value : std::string();
}

bool is_string_scalar(const yaml::Stream& s, NodeId id)
{
    const yaml::Node& n = s.node(id);
    return n.kind == Kind::scalar && yaml::resolve_node(n) == yaml::PlainType::string;
}

struct Stage {
    const canon::StageConfig* config = nullptr;
    File release;
    File env;
    File application;
};

const char* kind_label(int kind)
{
    return kind == 0 ? "release file" : kind == 1 ? "env layer" : "Argo CD Application";
}

}  // namespace

std::optional<Hit> lookup(const yaml::Stream& s, const yaml::Path& path)
{
    auto r = yaml::find(s, path);
    if (!r) {
        return std::nullopt;
    }
    NodeId id = deref(s, *r);
    return Hit{id, node_at(s, id)};
}

Location missing_at(const yaml::Stream& s, const yaml::Path& path)
{
    for (std::size_t n = path.segments.size(); n-- > 1;) {
        auto prefix = yaml::parse_path(path.prefix(n));
        if (!prefix) {
            continue;
        }
        auto r = yaml::find(s, *prefix);
        if (r) {
            NodeId key = key_of(s, *r);
            return key != yaml::k_no_node ? node_at(s, key) : node_at(s, *r);
        }
    }
    return {s.name(), 1, 1};
}

NodeId deref(const yaml::Stream& s, NodeId id)
{
    return id != yaml::k_no_node && s.node(id).kind == Kind::alias ? s.node(id).alias_of : id;
}

Location node_at(const yaml::Stream& s, NodeId id)
{
    const yaml::Node& n = s.node(id);
    return s.locate(n.kind == Kind::scalar ? n.value_span.begin : n.span.begin);
}

bool is_null(const yaml::Node& n)
{
    return n.kind == Kind::scalar && yaml::resolve_node(n) == yaml::PlainType::null;
}

// ---------------------------------------------------------------- rule 1

// layout/missing-file: every app that has any of its files has all of them.
void rule_layout_missing_file(const std::string& app, const std::vector<Stage>& stages, std::vector<Finding>& out)
{
    for (const auto& st : stages) {
        const File* files[] = {&st.release, &st.env, &st.application};
        for (int k = 0; k < 3; ++k) {
            if (files[k]->exists) {
                continue;
            }
            out.push_back(make_finding(
                "layout/missing-file", {files[k]->path, 0, 0},
                fmt::format("{} has no {} {} for stage {}: every app needs all six files of the canon "
                            "(create it, or run 'kanon init {} --domain DOMAIN --image REPOSITORY', which writes "
                            "only the missing ones)",
                            app, kind_label(k), files[k]->path, st.config->name, app)));
        }
    }
}

// ---------------------------------------------------------------- rules 2–4

struct ReleaseValues {
    std::optional<Hit> repository;
    std::string repository_text;
};

namespace {

// Walks a release file's mapping, reporting every key that is not on the
// way to image.repository or image.tag; `found[i]` gets the node of allowed[i].
void walk_release(const yaml::Stream& s, NodeId map, std::vector<std::string>& prefix,
                  const std::vector<std::vector<std::string>>& allowed, std::vector<NodeId>& found,
                  std::vector<Finding>& out)
{
    const yaml::Node& m = s.node(map);
    std::vector<std::string> seen;
    for (std::size_t i = 0; i + 1 < m.children.size(); i += 2) {
        NodeId key = m.children[i];
        NodeId value = deref(s, m.children[i + 1]);
        const yaml::Node& k = s.node(key);
        std::string name = k.kind == Kind::scalar ? k.value : std::string("(a complex key)");
        prefix.push_back(name);
        std::string dotted = fmt::format("{}", fmt::join(prefix, "."));
        bool leaf = false;
        bool on_way = false;
        for (std::size_t a = 0; a < allowed.size(); ++a) {
            if (allowed[a] == prefix) {
                leaf = true;
                found[a] = value;
            } else if (allowed[a].size() > prefix.size() &&
                       std::equal(prefix.begin(), prefix.end(), allowed[a].begin())) {
                on_way = true;
            }
        }
        if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
            out.push_back(
                make_finding("release/extra-key", node_at(s, key),
                             fmt::format("'{}' appears twice; Helm would read only one of them: keep one", dotted)));
        } else if (k.kind != Kind::scalar || name == "<<") {
            out.push_back(make_finding("release/extra-key", node_at(s, key),
                                       "a merge or complex key in a release file: it holds exactly "
                                       "image.repository and image.tag, written out"));
        } else if (!leaf && on_way) {
            if (s.node(value).kind == Kind::mapping) {
                walk_release(s, value, prefix, allowed, found, out);
            } else if (!is_null(s.node(value))) {
                out.push_back(
                    make_finding("release/missing-key", node_at(s, value),
                                 fmt::format("'{}' must be a mapping holding the image's repository and "
                                             "tag, not a {}",
                                             dotted, s.node(value).kind == Kind::scalar ? "scalar" : "sequence")));
            }
        } else if (!leaf) {
            out.push_back(make_finding(
                "release/extra-key", node_at(s, key),
                fmt::format("'{}' does not belong in a release file, which holds exactly the image's repository and "
                            "tag (a promotion copies the whole file's meaning); move it to the env layer or the "
                            "chart's values",
                            dotted)));
        }
        seen.push_back(name);
        prefix.pop_back();
    }
}

void check_tag(const std::string& key, const yaml::Stream& s, NodeId tag, std::vector<Finding>& out)
{
    const yaml::Node& n = s.node(tag);
    if (n.kind != Kind::scalar) {
        out.push_back(make_finding("release/tag-not-string", node_at(s, tag),
                                   fmt::format("{} is a {}; it must be a string (the image tag)", key,
                                               n.kind == Kind::mapping ? "mapping" : "sequence")));
        return;
    }
    auto type = yaml::resolve_node(n);
    if (type == yaml::PlainType::null || (type == yaml::PlainType::string && n.value.empty())) {
        out.push_back(make_finding("release/missing-key", node_at(s, tag),
                                   fmt::format("{} is empty: a release names the image tag to deploy", key)));
        return;
    }
    if (type != yaml::PlainType::string) {
        out.push_back(make_finding(
            "release/tag-not-string", node_at(s, tag),
            fmt::format("Helm reads {} '{}' as a {}, not a string (1.10 becomes 1.1, 0123 an octal number, 1e10 a "
                        "float); quote it: \"{}\"",
                        key, n.value, yaml::type_name(type), n.value)));
        return;
    }
    if (auto st = canon::validate_tag(n.value); !st) {
        out.push_back(make_finding("release/invalid-tag", node_at(s, tag),
                                   fmt::format("{} '{}' is not a valid OCI tag ({}): a tag is "
                                               "[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}",
                                               key, n.value, st.error().message)));
        return;
    }
    if (n.value == "latest") {
        Finding w = make_finding("release/invalid-tag", node_at(s, tag),
                                 fmt::format("{} 'latest' is mutable: what it names changes under you, so a "
                                             "promotion cannot prove what runs; release an immutable tag (the "
                                             "commit SHA or a version)",
                                             key));
        w.severity = Severity::warning;
        out.push_back(std::move(w));
    }
}

}  // namespace

// release/extra-key, release/missing-key, release/invalid-tag, release/tag-not-string.
ReleaseValues rule_release(const canon::Config& c, const File& f, std::vector<Finding>& out)
{
    ReleaseValues rv;
    if (!f.stream) {
        return rv;
    }
    const yaml::Stream& s = *f.stream;
    const auto& docs = s.documents();
    if (docs.size() > 1) {
        out.push_back(make_finding("release/extra-key", s.locate(docs[1].span.begin),
                                   "a release file holds one YAML document; remove the others"));
    }
    std::vector<std::vector<std::string>> allowed;
    for (const std::string& key : {c.repository_key, c.tag_key}) {
        std::vector<std::string> segs;
        for (const auto& seg : must_path(key).segments) {
            segs.push_back(seg.key);
        }
        allowed.push_back(std::move(segs));
    }
    std::vector<NodeId> found(2, yaml::k_no_node);
    NodeId root = docs.empty() ? yaml::k_no_node : deref(s, docs[0].root);
    if (root != yaml::k_no_node && s.node(root).kind == Kind::mapping) {
        std::vector<std::string> prefix;
        walk_release(s, root, prefix, allowed, found, out);
    } else if (root != yaml::k_no_node && !is_null(s.node(root))) {
        out.push_back(make_finding("release/missing-key", node_at(s, root),
                                   "a release file is a mapping: image: {repository: ..., tag: ...}"));
        return rv;
    }
    const std::string* keys[] = {&c.repository_key, &c.tag_key};
    for (int i = 0; i < 2; ++i) {
        if (found[i] == yaml::k_no_node) {
            out.push_back(make_finding("release/missing-key", missing_at(s, must_path(*keys[i])),
                                       fmt::format("{} is missing: a release file holds exactly {} and {}", *keys[i],
                                                   c.repository_key, c.tag_key)));
        }
    }
    if (found[0] != yaml::k_no_node) {
        NodeId repo = found[0];
        if (!is_string_scalar(s, repo) || s.node(repo).value.empty()) {
            out.push_back(make_finding("release/missing-key", node_at(s, repo),
                                       fmt::format("{} is empty or not a string: it names the image repository "
                                                   "(registry.example.com/group/web-app)",
                                                   c.repository_key)));
        } else {
            rv.repository = Hit{repo, node_at(s, repo)};
            rv.repository_text = s.node(repo).value;
        }
    }
    if (found[1] != yaml::k_no_node) {
        check_tag(c.tag_key, s, found[1], out);
    }
    return rv;
}

// release/repository-mismatch: every stage names the first stage's repository.
void rule_release_repository_mismatch(const canon::Config& c, const std::vector<Stage>& stages,
                                      const std::vector<ReleaseValues>& values, std::vector<Finding>& out)
{
    std::size_t first = values.size();
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!values[i].repository) {
            continue;
        }
        if (first == values.size()) {
            first = i;
            continue;
        }
        if (values[i].repository_text != values[first].repository_text) {
            const Location& a = values[first].repository->where;
            out.push_back(make_finding(
                "release/repository-mismatch", values[i].repository->where,
                fmt::format("{} names {} '{}' but {} ({}:{}) names '{}': promotion moves one artifact between "
                            "stages, it does not swap registries; use the same repository in both",
                            stages[i].config->name, c.repository_key, values[i].repository_text,
                            stages[first].config->name, a.file, a.line, values[first].repository_text)));
        }
    }
}

// ---------------------------------------------------------------- rules 5–7

// env/overrides-image: the env layer comes after the release file in
// valueFiles, so an image key in it silently wins over every release.
void rule_env_overrides_image(const canon::Config& c, const File& f, std::vector<Finding>& out)
{
    if (!f.stream) {
        return;
    }
    bool parent_reported = false;
    for (const std::string& key : {c.repository_key, c.tag_key}) {
        yaml::Path p = must_path(key);
        if (auto hit = lookup(*f.stream, p)) {
            NodeId k = key_of(*f.stream, hit->node);
            out.push_back(make_finding(
                "env/overrides-image", k != yaml::k_no_node ? node_at(*f.stream, k) : hit->where,
                fmt::format("the env layer sets {}: Helm merges valueFiles left to right and the env layer comes "
                            "after the release file, so this value wins and every release and promotion of this "
                            "stage would silently change nothing; remove it (the release file holds the image)",
                            key)));
            continue;
        }
        // A scalar where the image mapping should be replaces it whole (reported once).
        for (std::size_t n = 1; n < p.segments.size() && !parent_reported; ++n) {
            auto parent = yaml::parse_path(p.prefix(n));
            if (!parent) {
                continue;
            }
            auto hit = lookup(*f.stream, *parent);
            if (hit && f.stream->node(hit->node).kind == Kind::scalar && !is_null(f.stream->node(hit->node))) {
                out.push_back(make_finding(
                    "env/overrides-image", hit->where,
                    fmt::format("the env layer sets {} to a scalar, which replaces the release file's image "
                                "when Helm merges the layers; remove it",
                                p.prefix(n))));
                parent_reported = true;
            }
        }
    }
}

namespace {

struct Domain {
    std::string name;
    std::string source;  // where it came from, for messages
};

// The app's domain: kanon.yaml's apps.APP.domain, else the host of the env
// layer of the stage whose host template is just {domain} (prod).
std::optional<Domain> app_domain(const canon::Config& c, const std::string& app, const std::vector<Stage>& stages)
{
    auto it = c.apps.find(app);
    if (it != c.apps.end() && !it->second.domain.empty()) {
        return Domain{it->second.domain, fmt::format("apps.{}.domain in kanon.yaml", app)};
    }
    yaml::Path host = must_path(c.host_key);
    for (const auto& st : stages) {
        if (st.config->host != "{domain}" || !st.env.stream) {
            continue;
        }
        auto hit = lookup(*st.env.stream, host);
        if (hit && is_string_scalar(*st.env.stream, hit->node) && !st.env.stream->node(hit->node).value.empty()) {
            return Domain{st.env.stream->node(hit->node).value,
                          fmt::format("the {} layer's {} at {}:{}", st.config->name, c.host_key, hit->where.file,
                                      hit->where.line)};
        }
    }
    return std::nullopt;
}

// The path up to its first `[]`, for reporting where a list is missing.
yaml::Path before_wildcard(const yaml::Path& p)
{
    std::size_t n = 0;
    while (n < p.segments.size() && p.segments[n].type == yaml::Segment::Type::key) {
        ++n;
    }
    auto prefix = yaml::parse_path(p.prefix(n));
    return prefix ? std::move(*prefix) : yaml::Path{};
}

Location missing_list_at(const yaml::Stream& s, const yaml::Path& p)
{
    yaml::Path head = before_wildcard(p);
    if (!head.segments.empty()) {
        if (auto hit = lookup(s, head)) {
            NodeId k = key_of(s, hit->node);
            return k != yaml::k_no_node ? node_at(s, k) : hit->where;
        }
        return missing_at(s, head);
    }
    return {s.name(), 1, 1};
}

bool bool_value(const yaml::Node& n)
{
    std::string v = kanon::lower(n.value);
    return v == "true" || v == "yes" || v == "on" || v == "y";
}

std::string join_list(const std::vector<std::string>& items)
{
    return fmt::format("[{}]", fmt::join(items, ", "));
}

}  // namespace

// env/domain: the env layer's host is the stage's host for the app's domain.
void rule_env_domain(const canon::Config& c, const std::string& app, const Stage& st,
                     const std::optional<Domain>& domain, std::vector<Finding>& out)
{
    if (!st.env.stream) {
        return;
    }
    const yaml::Stream& s = *st.env.stream;
    std::string expected = domain ? canon::expand(st.config->host, app, st.config->name, domain->name) : "";
    auto hit = lookup(s, must_path(c.host_key));
    if (!hit || !is_string_scalar(s, hit->node) || s.node(hit->node).value.empty()) {
        out.push_back(make_finding(
            "env/domain", hit ? hit->where : missing_at(s, must_path(c.host_key)),
            fmt::format("{} is missing or empty: the {} layer names the stage's host{}", c.host_key, st.config->name,
                        expected.empty() ? std::string() : fmt::format(" ({})", expected))));
        return;
    }
    const std::string& host = s.node(hit->node).value;
    if (!canon::is_dns_name(host)) {
        out.push_back(make_finding("env/domain", hit->where,
                                   fmt::format("{} '{}' is not a valid host name (lower-case DNS labels separated by "
                                               "dots)",
                                               c.host_key, host)));
        return;
    }
    if (!expected.empty() && host != expected) {
        out.push_back(make_finding(
            "env/domain", hit->where,
            fmt::format("{} is '{}' but the {} host is '{}' (stage host template '{}', domain '{}' from {}); set it "
                        "to '{}'",
                        c.host_key, host, st.config->name, expected, st.config->host, domain->name, domain->source,
                        expected)));
    }
}

// env/stage-var: <PREFIX>_ENV equals the stage's name.
void rule_env_stage_var(const canon::Config& c, const Stage& st, std::vector<Finding>& out)
{
    if (!st.env.stream) {
        return;
    }
    const yaml::Stream& s = *st.env.stream;
    yaml::Path p = must_path(c.stage_var_key);
    std::string var = p.segments.empty() ? c.stage_var_key : p.segments.back().key;
    auto hit = lookup(s, p);
    if (!hit) {
        out.push_back(make_finding("env/stage-var", missing_at(s, p),
                                   fmt::format("{} is missing: the {} layer sets {}: {}", c.stage_var_key,
                                               st.config->name, var, st.config->name)));
        return;
    }
    const yaml::Node& n = s.node(hit->node);
    if (n.kind != Kind::scalar || n.value != st.config->name) {
        out.push_back(make_finding(
            "env/stage-var", hit->where,
            fmt::format("{} is '{}' in the {} layer; it must be the stage's name: {}: {}", c.stage_var_key,
                        n.kind == Kind::scalar ? n.value : "(a collection)", st.config->name, var, st.config->name)));
    }
}

// env/secret-ref: the stage's env Secret is referenced through envFrom.secretRef.
// Every Secret name the layer references is returned for the platform rules.
void rule_env_secret_ref(const canon::Config& c, const std::string& app, const Stage& st, AppFacts& facts,
                         std::vector<Finding>& out)
{
    if (!st.env.stream) {
        return;
    }
    const yaml::Stream& s = *st.env.stream;
    std::string ns = canon::expand(c.namespace_name, app, st.config->name);
    std::string expected = canon::expand(c.env_secret, app, st.config->name);
    yaml::Path refs = must_path(c.secret_ref_key);
    bool found = false;
    std::vector<NodeId> names = yaml::find_all(s, refs);
    for (NodeId id : names) {
        std::string name = scalar_text(s, deref(s, id));
        if (name.empty()) {
            continue;
        }
        found = found || name == expected;
        facts.refs.push_back({ns, name, node_at(s, deref(s, id)), c.secret_ref_key});
    }
    std::string pull = canon::expand(c.pull_secret, app, st.config->name);
    for (NodeId id : yaml::find_all(s, must_path(c.pull_secret_key))) {
        std::string name = scalar_text(s, deref(s, id));
        if (name.empty()) {
            continue;
        }
        facts.refs.push_back({ns, name, node_at(s, deref(s, id)), c.pull_secret_key});
        if (name != pull) {  // the platform keeps one pull Secret per namespace, under one name
            out.push_back(make_finding("env/secret-ref", node_at(s, deref(s, id)),
                                       fmt::format("{} names '{}', not the pull Secret '{}' (kanon.yaml "
                                                   "naming.pull_secret); reference '{}'",
                                                   c.pull_secret_key, name, pull, pull)));
        }
    }
    if (found) {
        return;
    }
    if (!names.empty()) {
        out.push_back(
            make_finding("env/secret-ref", node_at(s, deref(s, names.front())),
                         fmt::format("{} names '{}', not the stage's env Secret '{}'; reference '{}' (the "
                                     "Secret itself lives SOPS-encrypted in the platform repo)",
                                     c.secret_ref_key, scalar_text(s, deref(s, names.front())), expected, expected)));
        return;
    }
    out.push_back(make_finding("env/secret-ref", missing_list_at(s, refs),
                               fmt::format("the {} layer does not reference its env Secret: add {} = '{}' "
                                           "(envFrom: [{{secretRef: {{name: {}}}}}])",
                                           st.config->name, c.secret_ref_key, expected, expected)));
}

// ---------------------------------------------------------------- rules 8–9

// argocd/name: the Application is named web-APP-STAGE.
void rule_argocd_name(const canon::Config& c, const std::string& app, const Stage& st, std::vector<Finding>& out)
{
    const yaml::Stream& s = *st.application.stream;
    std::string expected = c.application(app, st.config->name);
    auto kind = lookup(s, must_path("kind"));
    if (kind && scalar_text(s, kind->node) != "Application") {
        out.push_back(make_finding(
            "argocd/name", kind->where,
            fmt::format("kind is '{}', not an Argo CD Application named '{}'", scalar_text(s, kind->node), expected)));
        return;
    }
    auto name = lookup(s, must_path("metadata.name"));
    if (!name) {
        out.push_back(make_finding("argocd/name", missing_at(s, must_path("metadata.name")),
                                   fmt::format("metadata.name is missing: the Application is named '{}'", expected)));
    } else if (scalar_text(s, name->node) != expected) {
        out.push_back(make_finding("argocd/name", name->where,
                                   fmt::format("the Application is named '{}'; the {} Application of {} is named "
                                               "'{}' (kanon waits on and syncs it by that name)",
                                               scalar_text(s, name->node), st.config->name, app, expected)));
    }
}

// argocd/namespace: the destination namespace is web-APP-STAGE.
void rule_argocd_namespace(const canon::Config& c, const std::string& app, const Stage& st, std::vector<Finding>& out)
{
    const yaml::Stream& s = *st.application.stream;
    std::string expected = canon::expand(c.namespace_name, app, st.config->name);
    yaml::Path p = must_path("spec.destination.namespace");
    auto hit = lookup(s, p);
    if (!hit) {
        out.push_back(make_finding("argocd/namespace", missing_at(s, p),
                                   fmt::format("spec.destination.namespace is missing: set it to '{}'", expected)));
    } else if (scalar_text(s, hit->node) != expected) {
        out.push_back(make_finding("argocd/namespace", hit->where,
                                   fmt::format("the destination namespace is '{}'; the {} stage of {} deploys into "
                                               "'{}', where its Secrets are",
                                               scalar_text(s, hit->node), st.config->name, app, expected)));
    }
}

// argocd/self-heal: selfHeal false on dev (live development tools), true on prod.
void rule_argocd_self_heal(const Stage& st, std::vector<Finding>& out)
{
    const yaml::Stream& s = *st.application.stream;
    bool expected = st.config->self_heal;
    yaml::Path p = must_path("spec.syncPolicy.automated.selfHeal");
    auto hit = lookup(s, p);
    std::string why =
        expected ? fmt::format("{} is strictly GitOps: drift in the cluster must be reverted", st.config->name)
                 : fmt::format("{} tolerates drift from live development tools such as Okteto", st.config->name);
    if (hit) {
        const yaml::Node& n = s.node(hit->node);
        if (n.kind != Kind::scalar || yaml::resolve_node(n) != yaml::PlainType::boolean) {
            out.push_back(make_finding("argocd/self-heal", hit->where,
                                       fmt::format("selfHeal must be a boolean (true or false, unquoted), not '{}'",
                                                   n.kind == Kind::scalar ? n.value : "(a collection)")));
            return;
        }
        if (bool_value(n) != expected) {
            out.push_back(make_finding(
                "argocd/self-heal", hit->where,
                fmt::format("selfHeal is {} on {}; set it to {}: {}", bool_value(n), st.config->name, expected, why)));
        }
        return;
    }
    if (expected) {
        bool automated = lookup(s, must_path("spec.syncPolicy.automated")).has_value();
        out.push_back(
            make_finding("argocd/self-heal", missing_at(s, p),
                         fmt::format("{} is missing (Argo CD reads it as false) on {}; set "
                                     "spec.syncPolicy.automated.selfHeal: true: {}",
                                     automated ? "selfHeal" : "spec.syncPolicy.automated", st.config->name, why)));
    }
}

// argocd/value-file-missing: one valueFile, `resolved` relative to the
// repository, must be a regular file in it (not a URL, not outside, not a
// symlink out of it).
void check_value_file(const std::string& dir, const std::string& chart, const std::string& text,
                      const fs::path& resolved, const Location& at, std::vector<Finding>& out)
{
    std::string rs = resolved.string();
    bool outside = text.find("://") != std::string::npos || resolved.is_absolute() || rs == ".." ||
                   rs.rfind("../", 0) == 0 || text.empty();
    std::error_code ec;
    if (outside) {
        out.push_back(make_finding("argocd/value-file-missing", at,
                                   fmt::format("valueFile '{}' does not resolve to a file of this repository "
                                               "(relative to spec.source.path '{}')",
                                               text, chart)));
    } else if (std::string real = symlink_outside(dir, rs); !real.empty()) {
        out.push_back(make_finding("argocd/value-file-missing", at,
                                   fmt::format("valueFile '{}' resolves to {}, a symlink to {}, outside the "
                                               "repository: Argo CD refuses to read it",
                                               text, rs, real)));
    } else if (!fs::is_regular_file(fs::path(dir) / resolved, ec)) {
        out.push_back(make_finding("argocd/value-file-missing", at,
                                   fmt::format("valueFile '{}' resolves to {}, which does not exist; Argo CD "
                                               "would fail to render the app",
                                               text, rs)));
    }
}

// argocd/value-files and argocd/value-file-missing: valueFiles are exactly
// the release file then the env layer, relative to spec.source.path.
void rule_argocd_value_files(const canon::Config& c, const std::string& dir, const Stage& st, std::vector<Finding>& out)
{
    const yaml::Stream& s = *st.application.stream;
    auto source = lookup(s, must_path("spec.source"));
    if (!source || s.node(source->node).kind != Kind::mapping) {
        bool multi = lookup(s, must_path("spec.sources")).has_value();
        out.push_back(make_finding("argocd/value-files", missing_at(s, must_path("spec.source")),
                                   multi ? "a multi-source Application (spec.sources) is not in the canon: one "
                                           "spec.source with the chart path and helm.valueFiles"
                                         : "spec.source is missing: the chart path and helm.valueFiles"));
        return;
    }
    std::string chart = c.chart_path;
    if (auto path = lookup(s, must_path("spec.source.path")); path && !scalar_text(s, path->node).empty()) {
        chart = scalar_text(s, path->node);
    }
    fs::path chart_dir = fs::path(chart).lexically_normal();
    const std::string& app_release = st.release.path;
    const std::string& app_env = st.env.path;
    std::vector<std::string> want = {fs::path(app_release).lexically_relative(chart_dir).string(),
                                     fs::path(app_env).lexically_relative(chart_dir).string()};
    yaml::Path vp = must_path("spec.source.helm.valueFiles");
    auto files = lookup(s, vp);
    if (!files || s.node(files->node).kind != Kind::sequence) {
        out.push_back(make_finding("argocd/value-files", files ? files->where : missing_at(s, vp),
                                   fmt::format("spec.source.helm.valueFiles must be the list {}: the release file, "
                                               "then the env layer",
                                               join_list(want))));
        return;
    }
    std::vector<std::string> have;
    std::vector<std::string> resolved;
    for (NodeId raw : s.node(files->node).children) {
        NodeId id = deref(s, raw);
        std::string text = scalar_text(s, id);
        have.push_back(text);
        fs::path r = (chart_dir / text).lexically_normal();
        resolved.push_back(r.string());
        check_value_file(dir, chart, text, r, node_at(s, id), out);
    }
    std::vector<std::string> want_resolved = {fs::path(app_release).lexically_normal().string(),
                                              fs::path(app_env).lexically_normal().string()};
    if (resolved != want_resolved) {
        out.push_back(make_finding(
            "argocd/value-files", files->where,
            fmt::format("valueFiles are {}; they must be exactly {}, in this order: the release file first and the "
                        "env layer last, so that a release changes only the image and the env layer only the rest",
                        join_list(have), join_list(want))));
    }
}

// ---------------------------------------------------------------- the app

AppFacts check_app(const canon::Config& c, const std::string& dir, const std::string& app, std::vector<Finding>& out)
{
    std::vector<Stage> stages;
    for (const auto& sc : c.stages) {
        Stage st;
        st.config = &sc;
        std::string rel = c.release_file(app, sc.name);
        st.release = load_file(dir, rel, rel, true, out);
        rel = c.env_file(app, sc.name);
        st.env = load_file(dir, rel, rel, true, out);
        rel = c.application_file(app, sc.name);
        st.application = load_file(dir, rel, rel, true, out);
        stages.push_back(std::move(st));
    }
    rule_layout_missing_file(app, stages, out);

    std::vector<ReleaseValues> releases;
    releases.reserve(stages.size());
    for (const auto& st : stages) {
        releases.push_back(rule_release(c, st.release, out));
    }
    rule_release_repository_mismatch(c, stages, releases, out);

    AppFacts facts;
    auto domain = app_domain(c, app, stages);
    for (const auto& st : stages) {
        rule_env_overrides_image(c, st.env, out);
        rule_env_domain(c, app, st, domain, out);
        rule_env_stage_var(c, st, out);
        rule_env_secret_ref(c, app, st, facts, out);
    }
    for (const auto& st : stages) {
        if (!st.application.stream) {
            continue;
        }
        rule_argocd_name(c, app, st, out);
        rule_argocd_value_files(c, dir, st, out);
        rule_argocd_self_heal(st, out);
        rule_argocd_namespace(c, app, st, out);
    }
    return facts;
}

}  // namespace kanon::check::detail

namespace kanon::check {

std::vector<Finding> env_overrides_image(const canon::Config& c, const std::string& path, const yaml::Stream& s)
{
    detail::File f{path, true, s};
    std::vector<Finding> out;
    detail::rule_env_overrides_image(c, f, out);
    return out;
}

}  // namespace kanon::check
