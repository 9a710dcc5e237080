// The platform side of `kanon init` (CANON.md §2): a Secret skeleton for
// every Secret the app needs — its env Secret and the registry pull secret
// in each stage's namespace, and with a database the CNPG initdb Secret —
// and, with a database, one CNPG Cluster per stage.
//
// Where: the platform repository is indexed once (every `kind:` of every
// YAML file, by namespace and name). If it already holds the same object for
// another app, the new one goes to the analogous path (that app's name
// replaced by this one's); else to secrets/NAMESPACE/NAME.sops.yaml and
// DATABASE_NAMESPACE/NAME.yaml.
//
// A Secret is never left unencrypted in a repository: kanon writes the
// skeleton (its keys, empty values) only when it can encrypt it at once —
// `sops` on PATH and a .sops.yaml at the platform root — and deletes it if
// sops fails. Otherwise it writes nothing and lists the exact commands that
// create it. An existing Secret is never rewritten, --force or not.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "ops/init_detail.hpp"
#include "util/files.hpp"
#include "util/process.hpp"
#include "yaml/emit.hpp"
#include "yaml/value.hpp"

namespace kanon::ops::init_detail {
namespace {

namespace fs = std::filesystem;
using yaml::Value;

// One Kubernetes object found in the platform repository.
struct PlatformObject {
    std::string kind;
    std::string api_version;
    std::string name;
    std::string ns;
    std::string path;  // relative to the platform checkout
    bool encrypted = false;
};

// What init writes for one object.
struct ObjectSpec {
    std::string kind;  // "Secret" or "Cluster"
    std::string name;
    std::string ns;
    std::string name_pattern;  // with {app} left, to find another app's object
    std::string ns_pattern;
    std::string default_path;
    std::string type;                                       // Secrets
    std::vector<std::pair<std::string, std::string>> keys;  // Secrets: the skeleton's stringData
    std::string kubectl;                                    // Secrets: what creates it
    std::string stage;                                      // Clusters
    std::string owner;                                      // Clusters: database and owner
    std::string initdb_secret;                              // Clusters
};

std::string scalar_at(const Value& v, std::string_view a, std::string_view b = {})
{
    const Value* at = v.is_map() ? v.get(a) : nullptr;
    if (at != nullptr && !b.empty()) {
        at = at->is_map() ? at->get(b) : nullptr;
    }
    return at != nullptr && at->type == Value::Type::scalar ? at->text : std::string();
}

void index_file(const std::string& root, const std::string& rel, std::vector<PlatformObject>& out)
{
    auto s = parse_file(root, rel);
    if (!s) {
        return;  // not ours to judge: `kanon check` reports it
    }
    for (const auto& doc : s->documents()) {
        auto v = yaml::to_value(*s, doc.root);
        if (!v || !v->is_map()) {
            continue;
        }
        PlatformObject o{scalar_at(*v, "kind"),
                         scalar_at(*v, "apiVersion"),
                         scalar_at(*v, "metadata", "name"),
                         scalar_at(*v, "metadata", "namespace"),
                         rel,
                         v->get("sops") != nullptr};
        if (!o.kind.empty() && !o.name.empty()) {
            out.push_back(std::move(o));
        }
    }
}

// Every object of every YAML file under `root` (.git skipped), by path.
std::vector<PlatformObject> index_platform(const std::string& root)
{
    std::vector<PlatformObject> out;
    std::error_code ec;
    auto opts = fs::directory_options::skip_permission_denied;
    for (fs::recursive_directory_iterator it(root, opts, ec), last; !ec && it != last; it.increment(ec)) {
        const auto& p = it->path();
        if (it->is_directory(ec) && p.filename() == ".git") {
            it.disable_recursion_pending();
            continue;
        }
        auto ext = p.extension().string();
        if ((ext == ".yaml" || ext == ".yml") && it->is_regular_file(ec)) {
            index_file(root, p.lexically_relative(root).generic_string(), out);
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    return out;
}

bool same_kind(const PlatformObject& o, const ObjectSpec& s)
{
    if (s.kind == "Secret") {
        return o.kind == "Secret" && (o.api_version == "v1" || o.api_version.empty());
    }
    return o.kind == s.kind && o.api_version.rfind("postgresql.cnpg.io/", 0) == 0;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to)
{
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
        s.replace(at, from.size(), to);
    }
    return s;
}

struct Place {
    std::string path;
    std::string model;  // the other app's file it is modelled on; empty: the default path
};

// Where the object goes: beside the same object of another app (an app of
// web-core preferred), else its default path.
Place place(const std::vector<PlatformObject>& index, const ObjectSpec& s, const std::string& app,
            const std::vector<std::string>& apps)
{
    std::optional<Place> best;
    bool best_known = false;
    for (const auto& o : index) {
        auto other = match_app(s.name_pattern, o.name);
        other = other ? other : match_app(s.ns_pattern, o.ns);
        if (!same_kind(o, s) || !other || *other == app || !canon::validate_app_name(*other) ||
            canon::expand(s.name_pattern, *other, {}) != o.name || canon::expand(s.ns_pattern, *other, {}) != o.ns) {
            continue;
        }
        std::string path = replace_all(o.path, *other, app);
        bool known = std::find(apps.begin(), apps.end(), *other) != apps.end();
        if (path != o.path && (!best || (known && !best_known))) {
            best = Place{path, o.path};
            best_known = known;
        }
    }
    return best ? *best : Place{s.default_path, {}};
}

const PlatformObject* find_object(const std::vector<PlatformObject>& index, const ObjectSpec& s)
{
    for (const auto& o : index) {
        if (same_kind(o, s) && o.name == s.name && o.ns == s.ns) {
            return &o;
        }
    }
    return nullptr;
}

bool on_path(const std::string& program)
{
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "";
    for (std::size_t from = 0; from <= dirs.size();) {
        auto colon = std::min(dirs.find(':', from), dirs.size());
        std::string dir = dirs.substr(from, colon - from);
        std::string file = (dir.empty() ? std::string(".") : dir) + "/" + program;
        struct stat st {};
        if (::stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(file.c_str(), X_OK) == 0) {
            return true;
        }
        from = colon + 1;
    }
    return false;
}

// Why kanon cannot encrypt Secrets here; empty when it can.
std::string why_no_sops(const std::string& platform)
{
    if (!file_exists(platform + "/.sops.yaml")) {
        return "no .sops.yaml in the platform repository";
    }
    if (!on_path("sops")) {
        return "sops is not on PATH";
    }
    return {};
}

// The registry of an image (its first component when that names a host),
// as `kubectl create secret docker-registry --docker-server` takes it.
std::string registry_of(const std::string& image)
{
    auto slash = image.find('/');
    std::string first = image.substr(0, slash);
    if (slash != std::string::npos && (first.find_first_of(".:") != std::string::npos || first == "localhost")) {
        return first;
    }
    return "https://index.docker.io/v1/";
}

// The commands that create a Secret file encrypted, run from where kanon ran.
std::string create_command(const std::string& platform, const ObjectSpec& s, const std::string& path)
{
    // The manifest goes to sops on stdin (--filename-override picks the
    // creation rule of PATH), so no plaintext file touches the repository,
    // even when sops fails; the ciphertext lands under its name only whole.
    std::string tmp = shell_quote(path + ".tmp");
    std::string cmd = fmt::format(
        "{} --dry-run=client -o yaml | sops --encrypt --filename-override {} --input-type yaml "
        "--output-type yaml /dev/stdin > {} && mv {} {} || rm -f {}",
        s.kubectl, shell_quote(path), tmp, tmp, shell_quote(path), tmp);
    std::string dir = fs::path(path).parent_path().generic_string();
    if (!dir.empty()) {
        cmd = fmt::format("mkdir -p {} && {}", shell_quote(dir), cmd);
    }
    return platform == "." ? cmd : fmt::format("(cd {} && {})", shell_quote(platform), cmd);
}

void add(Value& m, std::string key, Value v)
{
    m.entries.emplace_back(std::move(key), std::move(v));
}

Value metadata(const ObjectSpec& s)
{
    Value m = yaml::mapping_value();
    add(m, "name", yaml::string_value(s.name));
    add(m, "namespace", yaml::string_value(s.ns));
    return m;
}

std::string secret_text(const ObjectSpec& s)
{
    Value data = yaml::mapping_value();
    for (const auto& [k, v] : s.keys) {
        add(data, k, yaml::string_value(v));
    }
    Value root = yaml::mapping_value();
    add(root, "apiVersion", yaml::string_value("v1"));
    add(root, "kind", yaml::string_value("Secret"));
    add(root, "metadata", metadata(s));
    add(root, "type", yaml::string_value(s.type));
    add(root, "stringData", std::move(data));
    return yaml::emit(root, {});
}

std::string cluster_text(const ObjectSpec& s, const yaml::Layout& layout, const std::string& app)
{
    Value secret = yaml::mapping_value();
    add(secret, "name", yaml::string_value(s.initdb_secret));
    Value initdb = yaml::mapping_value();
    add(initdb, "database", yaml::string_value(s.owner));
    add(initdb, "owner", yaml::string_value(s.owner));
    add(initdb, "secret", std::move(secret));
    Value bootstrap = yaml::mapping_value();
    add(bootstrap, "initdb", std::move(initdb));
    Value storage = yaml::mapping_value();
    add(storage, "size", yaml::string_value("1Gi"));
    Value spec = yaml::mapping_value();
    add(spec, "instances", yaml::raw_value("1"));
    add(spec, "bootstrap", std::move(bootstrap));
    add(spec, "storage", std::move(storage));
    Value root = yaml::mapping_value();
    add(root, "apiVersion", yaml::string_value("postgresql.cnpg.io/v1"));
    add(root, "kind", yaml::string_value("Cluster"));
    add(root, "metadata", metadata(s));
    add(root, "spec", std::move(spec));
    return yaml::emit(
        root, layout,
        fmt::format("The {} database of {} (CloudNativePG), created from {}.", s.stage, app, s.initdb_secret));
}

// The Secrets and Clusters of the app, in the order they are reported.
std::vector<ObjectSpec> objects(const InitOptions& o, const canon::Config& c)
{
    std::vector<ObjectSpec> out;
    auto secret = [&](const std::string& name_tmpl, const std::string& ns_tmpl, const std::string& stage) {
        ObjectSpec s;
        s.kind = "Secret";
        s.name = canon::expand(name_tmpl, o.app, stage);
        s.ns = canon::expand(ns_tmpl, o.app, stage);
        s.name_pattern = canon::expand(name_tmpl, "{app}", stage);
        s.ns_pattern = canon::expand(ns_tmpl, "{app}", stage);
        s.default_path = fmt::format("secrets/{}/{}.sops.yaml", s.ns, s.name);
        return s;
    };
    std::string owner = o.app;
    std::replace(owner.begin(), owner.end(), '-', '_');  // a Postgres name needs no quotes
    for (const auto& stage : c.stages) {
        ObjectSpec env = secret(c.env_secret, c.namespace_name, stage.name);
        env.type = "Opaque";
        env.kubectl = fmt::format("kubectl create secret generic {} -n {} --from-literal=KEY=...",
                                  shell_quote(env.name), shell_quote(env.ns));
        out.push_back(std::move(env));
        if (o.pull_secret) {
            ObjectSpec pull = secret(c.pull_secret, c.namespace_name, stage.name);
            pull.type = "kubernetes.io/dockerconfigjson";
            pull.keys = {{".dockerconfigjson", ""}};
            pull.kubectl = fmt::format(
                "kubectl create secret docker-registry {} -n {} --docker-server={} --docker-username=... "
                "--docker-password=...",
                shell_quote(pull.name), shell_quote(pull.ns), shell_quote(registry_of(o.image)));
            out.push_back(std::move(pull));
        }
    }
    if (!o.database) {
        return out;
    }
    ObjectSpec initdb = secret(c.initdb_secret, c.database_namespace, {});
    initdb.type = "kubernetes.io/basic-auth";
    initdb.keys = {{"username", owner}, {"password", ""}};
    initdb.kubectl = fmt::format(
        "kubectl create secret generic {} -n {} --type=kubernetes.io/basic-auth --from-literal=username={} "
        "--from-literal=password=...",
        shell_quote(initdb.name), shell_quote(initdb.ns), shell_quote(owner));
    std::string initdb_name = initdb.name;
    out.push_back(std::move(initdb));
    for (const auto& stage : c.stages) {
        ObjectSpec cluster = secret(stage.cnpg_cluster, c.database_namespace, stage.name);
        cluster.kind = "Cluster";
        cluster.default_path = fmt::format("{}/{}.yaml", cluster.ns, cluster.name);
        cluster.stage = stage.name;
        cluster.owner = owner;
        cluster.initdb_secret = initdb_name;
        out.push_back(std::move(cluster));
    }
    return out;
}

// True when some document of the file carries a `sops:` block.
bool sops_encrypted(const std::string& root, const std::string& rel)
{
    auto s = parse_file(root, rel);
    if (!s) {
        return false;
    }
    for (const auto& doc : s->documents()) {
        auto v = yaml::to_value(*s, doc.root);
        if (v && v->is_map() && v->get("sops") != nullptr) {
            return true;
        }
    }
    return false;
}

PlannedFile plan_secret(const InitOptions& o, const ObjectSpec& s, const std::vector<PlatformObject>& index,
                        const std::vector<std::string>& apps, const std::string& no_sops)
{
    PlannedFile f;
    f.file.repo = std::string(k_platform);
    f.file.secret = true;
    f.file.path = place(index, s, o.app, apps).path;
    if (const PlatformObject* have = find_object(index, s)) {
        f.file.path = have->path;
        f.file.state = have->encrypted ? InitFile::State::unchanged : InitFile::State::kept;
        f.file.note = have->encrypted ? "already in the platform repository (never rewritten)"
                                      : "already in the platform repository and NOT encrypted: run sops --encrypt "
                                        "--in-place on it";
        return f;
    }
    std::error_code ec;
    if (fs::exists(fs::symlink_status(o.platform + "/" + f.file.path, ec))) {
        bool encrypted = sops_encrypted(o.platform, f.file.path);
        f.file.state = encrypted ? InitFile::State::unchanged : InitFile::State::kept;
        f.file.note =
            encrypted ? "SOPS-encrypted file exists (never rewritten)" : "exists and is not SOPS-encrypted; left alone";
        return f;
    }
    f.command = create_command(o.platform, s, f.file.path);
    if (!no_sops.empty()) {
        f.file.state = InitFile::State::skipped;
        f.file.note = fmt::format("not written ({}): its command is listed", no_sops);
        return f;
    }
    f.file.state = InitFile::State::created;
    f.file.note = "encrypted with sops";
    f.content = secret_text(s);
    f.write = true;
    f.encrypt = true;
    return f;
}

Result<PlannedFile> plan_cluster(const InitOptions& o, const ObjectSpec& s, const std::vector<PlatformObject>& index,
                                 const std::vector<std::string>& apps)
{
    Place at = place(index, s, o.app, apps);
    const PlatformObject* have = find_object(index, s);
    if (have != nullptr && have->path != at.path) {
        PlannedFile f;
        f.file = {have->path, std::string(k_platform), InitFile::State::kept, false,
                  "a Cluster of that name is already defined here; not written again"};
        return f;
    }
    yaml::Layout layout;
    if (!at.model.empty()) {
        if (auto model = parse_file(o.platform, at.model)) {
            layout = yaml::detect_layout(*model);
        }
    }
    return plan_file(o.platform, at.path, k_platform, cluster_text(s, layout, o.app), o.force);
}

// Why a file sops wrote is not encrypted after all; empty when it is: a
// `sops:` block with a mac, and every value under data/stringData ENC[...].
std::string not_encrypted(const std::string& text, const std::string& rel)
{
    auto s = yaml::Stream::parse(text, rel);
    if (!s || s->documents().empty()) {
        return !s ? s.error().describe() : "sops left an empty file";
    }
    auto v = yaml::to_value(*s, s->documents().front().root);
    if (!v || !v->is_map() || scalar_at(*v, "sops", "mac").empty()) {
        return "sops wrote no sops block with a mac";
    }
    for (const char* key : {"data", "stringData"}) {
        const Value* data = v->get(key);
        if (data == nullptr || !data->is_map()) {
            continue;
        }
        for (const auto& [k, value] : data->entries) {
            if (value.type != Value::Type::scalar || value.text.rfind("ENC[", 0) != 0) {
                return fmt::format("{}.{} is not encrypted", key, k);
            }
        }
    }
    return {};
}

}  // namespace

Result<PlatformPlan> plan_platform(const InitOptions& opts, const canon::Config& config,
                                   const std::vector<std::string>& apps)
{
    auto index = index_platform(opts.platform);
    std::string no_sops = why_no_sops(opts.platform);
    PlatformPlan plan;
    for (const auto& s : objects(opts, config)) {
        if (s.kind == "Secret") {
            plan.files.push_back(plan_secret(opts, s, index, apps, no_sops));
            continue;
        }
        auto f = plan_cluster(opts, s, index, apps);
        if (!f) {
            return f.take_error();
        }
        plan.files.push_back(std::move(*f));
    }
    return plan;
}

Status encrypt_secret(const std::string& platform, PlannedFile& f, InitResult& result)
{
    // The skeleton reaches sops on stdin and only its ciphertext is written:
    // the plaintext never touches the repository, even when sops fails.
    ProcessSpec spec;
    spec.argv = {"sops",          "--encrypt", "--filename-override", f.file.path, "--input-type", "yaml",
                 "--output-type", "yaml",      "/dev/stdin"};
    spec.cwd = platform;
    spec.input = f.content;
    spec.timeout = std::chrono::minutes(1);
    auto r = run_process(spec);
    std::string why;
    if (!r) {
        why = r.error().message;
    } else if (!r->ok()) {
        std::string err = r->err.substr(0, r->err.find('\n'));
        why = fmt::format("sops {}{}", r->status_text(), err.empty() ? "" : ": " + err);
    } else {
        why = not_encrypted(r->out, f.file.path);
    }
    if (why.empty()) {
        PlannedFile encrypted = f;
        encrypted.content = r->out;
        return write_planned(platform, encrypted);
    }
    f.file.state = InitFile::State::skipped;
    f.file.note = fmt::format("sops failed, nothing was written: {}", why);
    result.failures.push_back(fmt::format("{}: {}", f.file.path, f.file.note));
    return ok_status();
}

}  // namespace kanon::ops::init_detail
