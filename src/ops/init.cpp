// `kanon init APP`: the six web-core files of a new app, in the canon and in
// the look of the repository's other apps.
//
// Everything is planned before anything is written: the inputs are checked,
// kanon.yaml gives the paths, names and key paths, and for each kind of file
// (release, env layer, Application) another app's file of the same stage —
// else of another stage — is the model for its layout (indentation, sequence
// indentation, line breaks, `---`), the tag's quote style, and the settings
// that are not the app's own (repoURL, targetRevision, project, destination
// server, the Applications' namespace). Each file's state follows from what
// is on disk: created, unchanged, kept (different; --force overwrites).
// Platform files come from init_platform.cpp. Nothing is committed.
#include "ops/init.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "canon/release.hpp"
#include "gitops/git.hpp"
#include "ops/init_detail.hpp"
#include "util/files.hpp"
#include "util/text.hpp"
#include "yaml/edit.hpp"
#include "yaml/emit.hpp"

namespace kanon::ops {
namespace {

namespace fs = std::filesystem;
using namespace init_detail;
using yaml::Value;

// --- the inputs ------------------------------------------------------------

Status validate_domain(std::string_view d)
{
    if (canon::is_dns_name(d, 2)) {
        return ok_status();
    }
    return usage_error(fmt::format("'{}' is not a domain", d),
                       "give the prod domain alone, e.g. example.org: lower-case letters, digits, '-' and '.', "
                       "no scheme, no port, no path");
}

Status validate_image(std::string_view image)
{
    const std::string hint = "give the repository only (e.g. registry.example.org/web/site) and the tag with --tag";
    if (image.find('@') != std::string_view::npos) {
        return usage_error(fmt::format("image '{}' holds a digest; kanon releases tags", image), hint);
    }
    auto last_slash = image.rfind('/');
    std::string_view last = last_slash == std::string_view::npos ? image : image.substr(last_slash + 1);
    if (image.find("://") == std::string_view::npos && last.find(':') != std::string_view::npos) {
        return usage_error(fmt::format("image '{}' holds a tag; give the tag with --tag", image), hint);
    }
    bool ok = canon::is_image_repository(image);
    if (!ok) {
        return usage_error(fmt::format("'{}' is not an image repository", image), hint);
    }
    return ok_status();
}

Status validate_inputs(const InitOptions& o)
{
    for (Status st : {canon::validate_app_name(o.app), validate_domain(o.domain), validate_image(o.image)}) {
        if (!st) {
            return st;
        }
    }
    if (!o.tag.empty()) {
        if (auto st = canon::validate_tag(o.tag); !st) {
            return st;
        }
    }
    if (o.database && o.platform.empty()) {
        return usage_error("--database writes the CNPG clusters and their initdb Secret into the platform repository",
                           "give its checkout with --platform PATH");
    }
    for (const auto* dir : {&o.dir, &o.platform}) {
        std::error_code ec;
        if (!dir->empty() && !fs::is_directory(*dir, ec)) {
            return file_error({*dir}, "no such directory");
        }
    }
    return ok_status();
}

// The stages' hosts, checked: a host template may make a bad name of a good domain.
Result<std::vector<std::string>> stage_hosts(const canon::Config& c, const InitOptions& o)
{
    std::vector<std::string> hosts;
    for (const auto& s : c.stages) {
        hosts.push_back(canon::expand(s.host, o.app, s.name, o.domain));
        if (!canon::is_dns_name(hosts.back(), 2)) {
            return usage_error(
                fmt::format("stage {}'s host '{}' (from \"{}\") is not a DNS name", s.name, hosts.back(), s.host));
        }
    }
    return hosts;
}

// A repoURL that can be committed: http(s) URLs lose their userinfo (a token
// in it would be a secret in web-core), other schemes keep the user but not a
// password; scp-like `git@host:path` has no password and stays.
std::string public_repo_url(const std::string& url)
{
    auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) {
        return url;
    }
    std::size_t host = scheme_end + 3;
    std::size_t end = std::min(url.find_first_of("/?#", host), url.size());
    auto at = url.substr(host, end - host).rfind('@');
    if (at == std::string::npos) {
        return url;
    }
    std::string scheme = lower(url.substr(0, scheme_end));
    std::string userinfo = url.substr(host, at);
    std::string keep =
        scheme == "http" || scheme == "https" ? std::string() : userinfo.substr(0, userinfo.find(':')) + "@";
    return url.substr(0, host) + keep + url.substr(host + at + 1);
}

// One line of git's answer in `dir`, or empty when git fails (or is absent).
std::string git_line(const std::string& dir, std::vector<std::string> args)
{
    gitops::GitCall call;
    call.args = std::move(args);
    call.cwd = dir;
    call.timeout = std::chrono::seconds(20);
    auto r = gitops::git_try(call);
    if (!r || r->exit_code != 0) {
        return {};
    }
    std::string s = r->out.substr(0, r->out.find('\n'));
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) {
        s.pop_back();
    }
    return s;
}

// --tag, else the chart values' tag if it is a valid one.
Result<std::string> resolve_tag(const InitOptions& o, const canon::Config& c)
{
    if (!o.tag.empty()) {
        return o.tag;
    }
    std::string values = c.chart_values_file();
    const std::string hint = "give the image tag to deploy with --tag";
    if (!file_exists(o.dir + "/" + values)) {
        return usage_error(fmt::format("no --tag, and no chart values ({}) to take image.tag from", values), hint);
    }
    auto s = parse_file(o.dir, values);
    auto key = yaml::parse_path(c.tag_key);
    if (!s || !key) {
        return !s ? s.take_error() : key.take_error();
    }
    auto tag = yaml::get_scalar(*s, *key);
    if (!tag || !canon::is_valid_tag(*tag)) {
        return usage_error(fmt::format("no --tag, and {} has no valid {} to start from", values, c.tag_key), hint);
    }
    return *tag;
}

// --- the look of the other apps -----------------------------------------------

struct ApplicationSettings {
    std::string ns = "argocd";
    std::string project = "default";
    std::string repo_url;
    std::string revision;
    std::string destination_key = "server";
    std::string destination = "https://kubernetes.default.svc";
};

// How one stage's files should look, read off other apps' files.
struct Look {
    yaml::Layout release;
    yaml::Layout env;
    yaml::Layout application;
    yaml::Style tag_style = yaml::Style::double_quoted;
    ApplicationSettings settings;
};

// Another app's file of a path template, for `stage` if one has it, else for
// any other stage; nullopt when no other app has one.
std::optional<std::string> model_file(const std::string& root, const std::string& tmpl, const canon::Config& c,
                                      const std::string& stage, const std::string& app)
{
    std::vector<std::string> order = {stage};
    for (const auto& s : c.stages) {
        if (s.name != stage) {
            order.push_back(s.name);
        }
    }
    for (const auto& s : order) {
        auto apps = apps_with_file(root, canon::expand(tmpl, "{app}", s), app);
        if (!apps.empty()) {
            return canon::expand(tmpl, apps.front(), s);
        }
    }
    return std::nullopt;
}

// The model's parse, or nullopt when there is none or it does not parse
// (init is not check: a broken sibling only means the defaults).
std::optional<yaml::Stream> model_stream(const std::string& root, const std::optional<std::string>& rel)
{
    if (!rel) {
        return std::nullopt;
    }
    auto s = parse_file(root, *rel);
    if (!s || s->documents().empty()) {
        return std::nullopt;
    }
    return std::move(*s);
}

const Value* value_at(const Value& v, std::initializer_list<std::string_view> keys)
{
    const Value* at = &v;
    for (auto k : keys) {
        at = at->is_map() ? at->get(k) : nullptr;
        if (at == nullptr) {
            return nullptr;
        }
    }
    return at->type == Value::Type::scalar ? at : nullptr;
}

void read_settings(const yaml::Stream& s, ApplicationSettings& out)
{
    auto v = yaml::to_value(s, s.documents().front().root);
    if (!v) {
        return;
    }
    auto copy = [&](std::string& field, std::initializer_list<std::string_view> keys) {
        if (const Value* at = value_at(*v, keys); at != nullptr && !at->text.empty()) {
            field = at->text;
        }
    };
    copy(out.ns, {"metadata", "namespace"});
    copy(out.project, {"spec", "project"});
    copy(out.repo_url, {"spec", "source", "repoURL"});
    copy(out.revision, {"spec", "source", "targetRevision"});
    if (value_at(*v, {"spec", "destination", "server"}) == nullptr &&
        value_at(*v, {"spec", "destination", "name"}) != nullptr) {
        out.destination_key = "name";
    }
    copy(out.destination, {"spec", "destination", out.destination_key});
}

Look look_for(const InitOptions& o, const canon::Config& c, const std::string& stage)
{
    Look look;
    if (auto s = model_stream(o.dir, model_file(o.dir, c.release_path, c, stage, o.app))) {
        look.release = yaml::detect_layout(*s);
        auto key = yaml::parse_path(c.tag_key);
        auto node = key ? yaml::find(*s, *key) : Result<yaml::NodeId>(Error{});
        if (node && s->node(*node).kind == yaml::Kind::scalar) {
            look.tag_style = s->node(*node).style;
        }
    }
    if (auto s = model_stream(o.dir, model_file(o.dir, c.env_path, c, stage, o.app))) {
        look.env = yaml::detect_layout(*s);
    }
    if (auto s = model_stream(o.dir, model_file(o.dir, c.application_path, c, stage, o.app))) {
        look.application = yaml::detect_layout(*s);
        read_settings(*s, look.settings);
    }
    return look;
}

// repoURL and targetRevision where no model gave them: --repo-url, else the
// checkout's origin; its current branch, else HEAD.
Status complete_settings(const InitOptions& o, std::vector<Look>& looks)
{
    std::string origin;
    std::string branch;
    for (auto& look : looks) {
        if (!o.repo_url.empty()) {
            look.settings.repo_url = public_repo_url(o.repo_url);
        }
        if (look.settings.repo_url.empty()) {
            origin = origin.empty() ? public_repo_url(git_line(o.dir, {"remote", "get-url", "origin"})) : origin;
            if (origin.empty()) {
                return usage_error(
                    fmt::format("no Application to copy the repoURL from and no git remote 'origin' in {}", o.dir),
                    "give web-core's URL as Argo CD fetches it with --repo-url URL");
            }
            look.settings.repo_url = origin;
        }
        if (look.settings.revision.empty()) {
            branch = branch.empty() ? git_line(o.dir, {"symbolic-ref", "--short", "-q", "HEAD"}) : branch;
            look.settings.revision = branch.empty() ? "HEAD" : branch;
        }
    }
    return ok_status();
}

// --- the files -----------------------------------------------------------------

Status put_key(Value& root, const std::string& key, Value leaf)
{
    auto path = yaml::parse_path(key);
    if (!path) {
        return path.take_error();
    }
    return yaml::put(root, *path, std::move(leaf));
}

void add(Value& m, std::string key, Value v)
{
    m.entries.emplace_back(std::move(key), std::move(v));
}

Result<std::string> release_text(const canon::Config& c, const InitOptions& o, const std::string& tag, const Look& look)
{
    Value root = yaml::mapping_value();
    for (Status st : {put_key(root, c.repository_key, yaml::string_value(o.image)),
                      put_key(root, c.tag_key, yaml::string_value(tag, look.tag_style))}) {
        if (!st) {
            return st.take_error();
        }
    }
    return yaml::emit(root, look.release);
}

Result<std::string> env_text(const canon::Config& c, const InitOptions& o, const std::string& stage,
                             const std::string& host, const Look& look)
{
    Value root = yaml::mapping_value();
    std::vector<std::pair<std::string, std::string>> keys = {
        {c.host_key, host},
        {c.stage_var_key, stage},
        {c.secret_ref_key, canon::expand(c.env_secret, o.app, stage)},
    };
    if (o.pull_secret) {
        keys.emplace_back(c.pull_secret_key, canon::expand(c.pull_secret, o.app, stage));
    }
    for (const auto& [key, value] : keys) {
        if (auto st = put_key(root, key, yaml::string_value(value)); !st) {
            return st.take_error();
        }
    }
    return yaml::emit(root, look.env,
                      fmt::format("{} layer of {}: its domain, its stage and references to its Secrets, nothing "
                                  "else.\nNever set image.* here: this file comes after the release file and would "
                                  "override every release.",
                                  stage, o.app));
}

// A value file's path as the Application names it: relative to the chart.
std::string from_chart(const canon::Config& c, const std::string& rel)
{
    return fs::path(rel).lexically_relative(fs::path(c.chart_path).lexically_normal()).generic_string();
}

std::string application_text(const canon::Config& c, const InitOptions& o, const canon::StageConfig& stage,
                             const Look& look)
{
    using yaml::string_value;
    const ApplicationSettings& s = look.settings;
    Value metadata = yaml::mapping_value();
    add(metadata, "name", string_value(c.application(o.app, stage.name)));
    add(metadata, "namespace", string_value(s.ns));
    Value files = yaml::sequence_value();
    files.items = {string_value(from_chart(c, c.release_file(o.app, stage.name))),
                   string_value(from_chart(c, c.env_file(o.app, stage.name)))};
    Value helm = yaml::mapping_value();
    add(helm, "valueFiles", std::move(files));
    Value source = yaml::mapping_value();
    add(source, "repoURL", string_value(s.repo_url));
    add(source, "targetRevision", string_value(s.revision));
    add(source, "path", string_value(c.chart_path));
    add(source, "helm", std::move(helm));
    Value destination = yaml::mapping_value();
    add(destination, s.destination_key, string_value(s.destination));
    add(destination, "namespace", string_value(canon::expand(c.namespace_name, o.app, stage.name)));
    Value automated = yaml::mapping_value();
    add(automated, "prune", yaml::raw_value("true"));
    add(automated, "selfHeal", yaml::raw_value(stage.self_heal ? "true" : "false"));
    Value options = yaml::sequence_value();
    options.items = {string_value("CreateNamespace=true")};
    Value sync = yaml::mapping_value();
    add(sync, "automated", std::move(automated));
    add(sync, "syncOptions", std::move(options));
    Value spec = yaml::mapping_value();
    add(spec, "project", string_value(s.project));
    add(spec, "source", std::move(source));
    add(spec, "destination", std::move(destination));
    add(spec, "syncPolicy", std::move(sync));
    Value root = yaml::mapping_value();
    add(root, "apiVersion", string_value("argoproj.io/v1alpha1"));
    add(root, "kind", string_value("Application"));
    add(root, "metadata", std::move(metadata));
    add(root, "spec", std::move(spec));
    return yaml::emit(root, look.application);
}

// True when the tree has a value at a key path of plain keys.
bool has_key(const Value& root, const std::string& key)
{
    auto path = yaml::parse_path(key);
    const Value* at = &root;
    for (std::size_t i = 0; path && at != nullptr && i < path->segments.size(); ++i) {
        at = at->is_map() ? at->get(path->segments[i].key) : nullptr;
    }
    return path && at != nullptr;
}

// The key path up to its first list (`envFrom[].secretRef.name` -> envFrom),
// and whether it had one: the chart's default for it is an empty list.
std::pair<std::string, bool> default_key(const std::string& key)
{
    auto bracket = key.find('[');
    return bracket == std::string::npos ? std::make_pair(key, false) : std::make_pair(key.substr(0, bracket), true);
}

Result<std::string> chart_values_text(const canon::Config& c, const InitOptions& o, const std::string& tag,
                                      const Look& look)
{
    Value root = yaml::mapping_value();
    std::vector<Status> puts = {put_key(root, c.repository_key, yaml::string_value(o.image)),
                                put_key(root, c.tag_key, yaml::string_value(tag, look.tag_style))};
    std::vector<std::string> keys = {c.host_key, c.stage_var_key, c.secret_ref_key};
    if (o.pull_secret) {
        keys.push_back(c.pull_secret_key);
    }
    for (const auto& key : keys) {
        auto [path, list] = default_key(key);
        if (!has_key(root, path)) {  // two key paths may share a list
            puts.push_back(put_key(root, path, list ? yaml::sequence_value() : yaml::string_value("")));
        }
    }
    for (auto& st : puts) {
        if (!st) {
            return st.take_error();
        }
    }
    return yaml::emit(root, look.release,
                      "The chart's defaults. Each app overrides them with its release file (image) and its env\n"
                      "layer (domain, stage, Secret references), in that order.");
}

std::string chart_yaml_text(const canon::Config& c, const Look& look)
{
    Value root = yaml::mapping_value();
    add(root, "apiVersion", yaml::string_value("v2"));
    add(root, "name", yaml::string_value(fs::path(c.chart_path).lexically_normal().filename().string()));
    add(root, "description", yaml::string_value("One web app; its release file and env layer give its values"));
    add(root, "type", yaml::string_value("application"));
    add(root, "version", yaml::string_value("0.1.0"));
    return yaml::emit(root, look.release);
}

// The chart's values.yaml and Chart.yaml, where there is no chart yet (or it
// is the one kanon would write: a re-run reports them unchanged).
Result<std::vector<PlannedFile>> plan_chart(const canon::Config& c, const InitOptions& o, const std::string& tag,
                                            const Look& look)
{
    auto values = chart_values_text(c, o, tag, look);
    if (!values) {
        return values.take_error();
    }
    std::vector<std::pair<std::string, std::string>> files = {
        {c.chart_values_file(), *values},
        {(fs::path(c.chart_path) / "Chart.yaml").lexically_normal().generic_string(), chart_yaml_text(c, look)},
    };
    std::vector<PlannedFile> out;
    for (auto& [rel, text] : files) {
        auto f = plan_file(o.dir, rel, k_web_core, text, false);
        if (!f) {
            return f.take_error();
        }
        if (f->file.state == InitFile::State::kept) {
            if (out.empty()) {
                return out;  // the repository has its own chart
            }
            continue;
        }
        out.push_back(std::move(*f));
    }
    return out;
}

Result<std::vector<PlannedFile>> plan_web_core(const canon::Config& c, const InitOptions& o, const std::string& tag)
{
    auto hosts = stage_hosts(c, o);
    if (!hosts) {
        return hosts.take_error();
    }
    std::vector<Look> looks;
    for (const auto& s : c.stages) {
        looks.push_back(look_for(o, c, s.name));
    }
    if (auto st = complete_settings(o, looks); !st) {
        return st.take_error();
    }
    auto out = plan_chart(c, o, tag, looks.front());
    if (!out) {
        return out;
    }
    for (std::size_t i = 0; i < c.stages.size(); ++i) {
        const auto& stage = c.stages[i];
        auto release = release_text(c, o, tag, looks[i]);
        auto env = env_text(c, o, stage.name, (*hosts)[i], looks[i]);
        if (!release || !env) {
            return !release ? release.take_error() : env.take_error();
        }
        for (auto [rel, text] :
             {std::pair{c.release_file(o.app, stage.name), *release}, std::pair{c.env_file(o.app, stage.name), *env},
              std::pair{c.application_file(o.app, stage.name), application_text(c, o, stage, looks[i])}}) {
            auto f = plan_file(o.dir, rel, k_web_core, std::move(text), o.force);
            if (!f) {
                return f.take_error();
            }
            out->push_back(std::move(*f));
        }
    }
    return out;
}

// Every app web-core has (by any of its file templates), sorted.
std::vector<std::string> web_core_apps(const canon::Config& c, const InitOptions& o)
{
    std::vector<std::string> apps;
    for (const auto& s : c.stages) {
        for (const auto* tmpl : {&c.release_path, &c.env_path, &c.application_path}) {
            auto found = apps_with_file(o.dir, canon::expand(*tmpl, "{app}", s.name), o.app);
            apps.insert(apps.end(), found.begin(), found.end());
        }
    }
    std::sort(apps.begin(), apps.end());
    apps.erase(std::unique(apps.begin(), apps.end()), apps.end());
    return apps;
}

// `git add` and `git commit` of what was written (and of the Secrets the
// listed commands create), one line per repository.
std::string git_commands(const std::string& dir, const std::vector<std::string>& paths, const std::string& message)
{
    std::string git = dir == "." ? std::string("git") : "git -C " + shell_quote(dir);
    std::string files;
    for (const auto& p : paths) {
        files += " " + shell_quote(p);
    }
    return fmt::format("{0} add --{1} && {0} commit -m {2} --{1}", git, files, shell_quote(message));
}

void add_git_commands(const InitOptions& o, const std::vector<PlannedFile>& files, InitResult& r)
{
    for (std::string_view repo : {k_web_core, k_platform}) {
        std::vector<std::string> paths;
        for (const auto& f : files) {
            bool pending = f.file.state == InitFile::State::created || f.file.state == InitFile::State::overwritten ||
                           (f.file.state == InitFile::State::skipped && !f.command.empty());
            if (f.file.repo == repo && pending) {
                paths.push_back(f.file.path);
            }
        }
        if (!paths.empty()) {
            r.commands.push_back(
                git_commands(repo == k_web_core ? o.dir : o.platform, paths, fmt::format("init {}", o.app)));
        }
    }
}

}  // namespace

Result<InitResult> init(const InitOptions& opts)
{
    if (auto st = validate_inputs(opts); !st) {
        return st.take_error();
    }
    auto config = canon::load_config(opts.dir, opts.config_path);
    if (!config) {
        return config.take_error();
    }
    auto tag = resolve_tag(opts, *config);
    if (!tag) {
        return tag.take_error();
    }
    auto files = plan_web_core(*config, opts, *tag);
    if (!files) {
        return files.take_error();
    }
    if (!opts.platform.empty()) {
        auto platform = plan_platform(opts, *config, web_core_apps(*config, opts));
        if (!platform) {
            return platform.take_error();
        }
        files->insert(files->end(), platform->files.begin(), platform->files.end());
    }
    InitResult result;
    for (auto& f : *files) {
        const std::string& root = f.file.repo == k_web_core ? opts.dir : opts.platform;
        if (!opts.dry_run && f.write) {
            if (auto st = f.encrypt ? encrypt_secret(root, f, result) : write_planned(root, f); !st) {
                return st.take_error();
            }
        }
        if (f.file.state == InitFile::State::skipped && !f.command.empty()) {
            result.commands.push_back(f.command);
        }
    }
    add_git_commands(opts, *files, result);
    for (auto& f : *files) {
        result.files.push_back(std::move(f.file));
    }
    return result;
}

}  // namespace kanon::ops
