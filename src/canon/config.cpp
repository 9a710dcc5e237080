#include "canon/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>

#include <fmt/format.h>

#include "util/duration.hpp"
#include "util/files.hpp"
#include "util/redact.hpp"
#include "util/text.hpp"
#include "yaml/document.hpp"
#include "yaml/path.hpp"
#include "yaml/value.hpp"

namespace kanon::canon {
namespace {

using yaml::Value;

Error config_error(const Value& at, const std::string& what)
{
    return file_error(at.origin, what);
}

Result<std::string> read_string(const Value& v, std::string_view key)
{
    if (v.type != Value::Type::scalar || v.scalar_type != yaml::PlainType::string) {
        return config_error(v, fmt::format("'{}' must be a string", key));
    }
    return v.text;
}

Result<bool> read_bool(const Value& v, std::string_view key)
{
    if (v.type == Value::Type::scalar && v.scalar_type == yaml::PlainType::boolean) {
        return v.to_json().get<bool>();
    }
    return config_error(v, fmt::format("'{}' must be true or false", key));
}

Status check_template(const Value& v, std::string_view key, const std::string& tmpl,
                      const std::vector<std::string_view>& allowed)
{
    std::size_t pos = 0;
    while ((pos = tmpl.find('{', pos)) != std::string::npos) {
        auto close = tmpl.find('}', pos);
        if (close == std::string::npos) {
            return config_error(v, fmt::format("'{}': unclosed '{{' in \"{}\"", key, tmpl));
        }
        auto name = std::string_view(tmpl).substr(pos + 1, close - pos - 1);
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
            std::string list;
            for (auto a : allowed) {
                list += fmt::format(" {{{}}}", a);
            }
            return config_error(v, fmt::format("'{}': unknown placeholder {{{}}} (allowed:{})", key, name, list));
        }
        pos = close + 1;
    }
    return ok_status();
}

// One table of the string keys: name in kanon.yaml, the field, the placeholders it may use.
struct StringKey {
    const char* section;
    const char* key;
    std::string Config::*field;
    std::vector<std::string_view> placeholders;
};

const std::vector<StringKey>& string_keys()
{
    static const std::vector<StringKey> k_keys = {
        {"paths", "release", &Config::release_path, {"app", "stage"}},
        {"paths", "env", &Config::env_path, {"app", "stage"}},
        {"paths", "application", &Config::application_path, {"app", "stage"}},
        {"paths", "chart", &Config::chart_path, {}},
        {"naming", "application", &Config::application_name, {"app", "stage"}},
        {"naming", "namespace", &Config::namespace_name, {"app", "stage"}},
        {"naming", "env_secret", &Config::env_secret, {"app", "stage"}},
        {"naming", "pull_secret", &Config::pull_secret, {"app", "stage"}},
        {"naming", "initdb_secret", &Config::initdb_secret, {"app"}},
        {"naming", "database_namespace", &Config::database_namespace, {}},
        {"release_keys", "repository", &Config::repository_key, {}},
        {"release_keys", "tag", &Config::tag_key, {}},
        {"release_keys", "digest", &Config::digest_key, {}},
        {"env_keys", "host", &Config::host_key, {}},
        {"env_keys", "stage_var", &Config::stage_var_key, {}},
        {"env_keys", "secret_ref", &Config::secret_ref_key, {}},
        {"env_keys", "pull_secret", &Config::pull_secret_key, {}},
        {"urls", "stage", &Config::url_template, {"app", "stage", "domain", "host"}},
    };
    return k_keys;
}

Status unknown_key(const Value& v, std::string_view where, std::string_view key, const std::vector<std::string>& known)
{
    std::string list;
    for (const auto& k : known) {
        list += (list.empty() ? "" : ", ") + k;
    }
    return config_error(v, fmt::format("unknown key '{}' in {} (known: {})", key, where, list));
}

// --- smoke and site_version ------------------------------------------------

Result<std::string> read_url_path(const Value& v, std::string_view key)
{
    auto str = read_string(v, key);
    if (!str) {
        return str;
    }
    if (str->empty() || str->front() != '/') {
        return config_error(v, fmt::format("{} '{}' must start with '/'", key, *str));
    }
    if (std::any_of(str->begin(), str->end(), [](unsigned char ch) { return ch <= ' ' || ch == 0x7f; })) {
        return config_error(v, fmt::format("{} '{}' must not contain spaces or control characters", key, *str));
    }
    return str;
}

bool is_header_name(std::string_view s)
{
    auto token = [](unsigned char ch) {
        return std::isalnum(ch) != 0 ||
               std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(ch)) != std::string_view::npos;
    };
    return !s.empty() && std::all_of(s.begin(), s.end(), token);
}

// `site_version`: {header: NAME} | {path: P, json: KEY} | {path: P, body: true}; null: the site does not say.
Result<SiteVersion> read_site_version(const Value& v, const std::string& key)
{
    SiteVersion sv;
    if (v.type == Value::Type::null) {
        return sv;
    }
    if (!v.is_map()) {
        return config_error(v, fmt::format("'{}' must be a mapping: {{header: NAME}}, {{path: P, json: KEY}} or "
                                           "{{path: P, body: true}}",
                                           key));
    }
    int sources = 0;
    for (const auto& [k, val] : v.entries) {
        std::string where = fmt::format("{}.{}", key, k);
        if (k == "path") {
            auto p = read_url_path(val, where);
            if (!p) {
                return p.take_error();
            }
            sv.path = *p;
            continue;
        }
        if (k == "header") {
            auto h = read_string(val, where);
            if (!h) {
                return h.take_error();
            }
            if (!is_header_name(*h)) {
                return config_error(val, fmt::format("'{}': '{}' is not a header name", where, *h));
            }
            sv.source = SiteVersion::Source::header;
            sv.header = *h;
        } else if (k == "json") {
            auto j = read_string(val, where);
            if (!j) {
                return j.take_error();
            }
            auto parsed = yaml::parse_path(*j);
            if (!parsed || j->empty() || parsed->has_wildcard()) {
                return config_error(val, fmt::format("'{}': '{}' is not a key path like release.tag", where, *j));
            }
            sv.source = SiteVersion::Source::json;
            sv.json = *j;
        } else if (k == "body") {
            auto b = read_bool(val, where);
            if (!b) {
                return b.take_error();
            }
            if (!*b) {
                return config_error(val, fmt::format("'{}' can only be true (leave it out otherwise)", where));
            }
            sv.source = SiteVersion::Source::body;
        } else {
            return unknown_key(val, fmt::format("'{}'", key), k, {"header", "path", "json", "body"}).error();
        }
        ++sources;
    }
    if (sources != 1) {
        return config_error(v, fmt::format("'{}' needs exactly one of 'header', 'json' or 'body'", key));
    }
    return sv;
}

Result<long> read_status(const Value& v, std::string_view key)
{
    if (v.type == Value::Type::scalar && v.scalar_type == yaml::PlainType::integer && v.text.size() == 3) {
        long n = 0;
        auto [end, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), n);
        if (ec == std::errc() && end == v.text.data() + v.text.size() && n >= 100 && n <= 599) {
            return n;
        }
    }
    return config_error(v, fmt::format("'{}' must be an HTTP status (100 to 599), or a list of them", key));
}

Result<SmokeExpect> read_expect(const Value& v, const std::string& key)
{
    if (!v.is_map()) {
        return config_error(v, fmt::format("'{}' must be a mapping of status, body and header", key));
    }
    SmokeExpect e;
    for (const auto& [k, val] : v.entries) {
        std::string where = fmt::format("{}.{}", key, k);
        if (k == "status") {
            const std::vector<Value> one{val};
            const auto& items = val.type == Value::Type::sequence ? val.items : one;
            if (items.empty()) {
                return config_error(val, fmt::format("'{}' must list at least one status", where));
            }
            for (const auto& item : items) {
                auto n = read_status(item, where);
                if (!n) {
                    return n.take_error();
                }
                e.statuses.push_back(*n);
            }
        } else if (k == "body") {
            auto b = read_string(val, where);
            if (!b) {
                return b.take_error();
            }
            if (b->empty()) {
                return config_error(val, fmt::format("'{}' must not be empty", where));
            }
            e.body = *b;
        } else if (k == "header") {
            auto h = read_string(val, where);
            if (!h) {
                return h.take_error();
            }
            auto eq = h->find('=');
            e.header = h->substr(0, eq);
            if (eq != std::string::npos) {
                e.header_value = h->substr(eq + 1);
            }
            if (!is_header_name(e.header)) {
                return config_error(
                    val, fmt::format("'{}': '{}' is not a header name (write NAME or NAME=VALUE)", where, e.header));
            }
        } else {
            return unknown_key(val, fmt::format("'{}'", key), k, {"status", "body", "header"}).error();
        }
    }
    return e;
}

// mutable_tags: a list of tag names (it replaces the default, [latest]).
Status read_mutable_tags(Config& c, const Value& v)
{
    if (v.type != Value::Type::sequence) {
        return config_error(v, "'mutable_tags' must be a list of tags, e.g. [latest, stable]");
    }
    c.mutable_tags.clear();
    for (const auto& item : v.items) {
        if (item.type != Value::Type::scalar || item.text.empty()) {
            return config_error(item, "'mutable_tags' must list tags (strings)");
        }
        c.mutable_tags.push_back(item.text);
    }
    return ok_status();
}

// registry: {check: BOOL, hosts: {HOST: {plain_http: BOOL, ca_file: PATH}}}
Status read_registry(Config& c, const Value& v)
{
    c.registry.at = v.origin;
    c.registry.check = true;
    if (v.type == Value::Type::null) {
        return ok_status();  // `registry:` alone turns the check on
    }
    if (!v.is_map()) {
        return config_error(v, "'registry' must be a mapping (check, hosts)");
    }
    for (const auto& [key, val] : v.entries) {
        if (key == "check") {
            auto b = read_bool(val, "registry.check");
            if (!b) {
                return b.take_error();
            }
            c.registry.check = *b;
        } else if (key == "hosts") {
            if (!val.is_map()) {
                return config_error(val, "'registry.hosts' must map a registry host (HOST[:PORT]) to its settings");
            }
            for (const auto& [host, settings] : val.entries) {
                std::string where = fmt::format("registry.hosts.{}", host);
                if (host.empty() || host.find('/') != std::string::npos || host.find("://") != std::string::npos) {
                    return config_error(settings,
                                        fmt::format("'{}': a host is HOST[:PORT], without a scheme or a path", where));
                }
                if (!settings.is_map()) {
                    return config_error(settings, fmt::format("'{}' must be a mapping (plain_http, ca_file)", where));
                }
                RegistryHost h;
                for (const auto& [k, hv] : settings.entries) {
                    if (k == "plain_http") {
                        auto b = read_bool(hv, where + ".plain_http");
                        if (!b) {
                            return b.take_error();
                        }
                        h.plain_http = *b;
                    } else if (k == "ca_file") {
                        auto f = read_string(hv, where + ".ca_file");
                        if (!f) {
                            return f.take_error();
                        }
                        h.ca_file = *f;
                    } else {
                        return unknown_key(hv, fmt::format("'{}'", where), k, {"plain_http", "ca_file"});
                    }
                }
                c.registry.hosts[host] = h;
            }
        } else {
            return unknown_key(val, "'registry'", key, {"check", "hosts"});
        }
    }
    return ok_status();
}

Status read_smoke(Config& c, const Value& v)
{
    if (!v.is_map()) {
        return config_error(v, "'smoke' must be a mapping");
    }
    for (const auto& [key, val] : v.entries) {
        if (key == "paths") {
            if (val.type != Value::Type::sequence) {
                return config_error(val, "'smoke.paths' must be a list of paths");
            }
            c.smoke_paths.clear();
            for (const auto& p : val.items) {
                auto str = read_url_path(p, "smoke path");
                if (!str) {
                    return str.take_error();
                }
                c.smoke_paths.push_back(*str);
            }
        } else if (key == "timeout") {
            auto d = parse_duration(val.type == Value::Type::scalar ? val.text : std::string(), "smoke.timeout");
            if (!d || d->count() <= 0) {
                return config_error(val, "'smoke.timeout' must be a duration like 10s or 500ms");
            }
            c.smoke_timeout = *d;
        } else if (key == "expect") {
            if (!val.is_map()) {
                return config_error(val, "'smoke.expect' must map paths to what they must answer");
            }
            for (const auto& [path, e] : val.entries) {
                if (path.empty() || path.front() != '/') {
                    return config_error(e, fmt::format("smoke.expect key '{}' must be a path starting with '/'", path));
                }
                auto ex = read_expect(e, "smoke.expect." + path);
                if (!ex) {
                    return ex.take_error();
                }
                c.smoke_expect[path] = std::move(*ex);
            }
        } else {
            return unknown_key(val, "'smoke'", key, {"paths", "timeout", "expect"});
        }
    }
    return ok_status();
}

Status read_stages(Config& c, const Value& v)
{
    if (v.type != Value::Type::sequence || v.items.empty()) {
        return config_error(v, "'stages' must be a non-empty list, in promotion order");
    }
    c.stages.clear();
    for (const auto& item : v.items) {
        if (!item.is_map()) {
            return config_error(item, "each stage must be a mapping with at least 'name'");
        }
        StageConfig s;
        for (const auto& [k, val] : item.entries) {
            if (k == "name" || k == "host" || k == "cnpg_cluster") {
                auto str = read_string(val, "stages[]." + k);
                if (!str) {
                    return str.take_error();
                }
                (k == "name" ? s.name : k == "host" ? s.host : s.cnpg_cluster) = *str;
            } else if (k == "self_heal") {
                auto b = read_bool(val, "stages[].self_heal");
                if (!b) {
                    return b.take_error();
                }
                s.self_heal = *b;
            } else if (k == "site_version") {
                auto sv = read_site_version(val, "stages[].site_version");
                if (!sv) {
                    return sv.take_error();
                }
                s.site_version = *sv;
            } else {
                return unknown_key(val, "a stage", k, {"name", "host", "self_heal", "cnpg_cluster", "site_version"});
            }
        }
        if (!is_dns_label(s.name, 63)) {
            return config_error(item, fmt::format("stage name '{}' must be a DNS-1123 label", s.name));
        }
        if (c.stage(s.name) != nullptr) {
            return config_error(item, fmt::format("stage '{}' is listed twice", s.name));
        }
        if (s.host.empty()) {
            s.host = "{domain}";
        }
        if (s.cnpg_cluster.empty()) {
            s.cnpg_cluster = "{app}-" + s.name + "-cnpg";
        }
        if (auto st = check_template(item, "stages[].host", s.host, {"domain", "app", "stage"}); !st) {
            return st;
        }
        c.stages.push_back(std::move(s));
    }
    return ok_status();
}

// An absolute http:// or https:// URL with a host, used as written: the same
// rule as verify::http::check_site_url (canon cannot depend on verify, which
// reads the Config), plus no {placeholders}, query or fragment (smoke paths
// are appended to it).
Status check_app_url(const Value& v, const std::string& key, const std::string& url)
{
    auto scheme_end = url.find("://");
    std::string scheme = scheme_end == std::string::npos ? std::string() : lower(url.substr(0, scheme_end));
    bool bad_chars = std::any_of(url.begin(), url.end(), [](unsigned char ch) { return ch <= ' ' || ch == 0x7f; });
    if ((scheme != "http" && scheme != "https") || bad_chars || url.size() <= scheme_end + 3 ||
        url[scheme_end + 3] == '/') {
        return config_error(v,
                            fmt::format("'{}': '{}' is not an http:// or https:// URL with a host", key, redact(url)));
    }
    if (url.find_first_of("{}") != std::string::npos) {
        return config_error(
            v, fmt::format("'{}': '{}' is used as written and cannot hold {{placeholders}}", key, redact(url)));
    }
    if (url.find_first_of("?#") != std::string::npos) {
        return config_error(v, fmt::format("'{}': '{}' must not have a query or fragment (paths are appended to it)",
                                           key, redact(url)));
    }
    return ok_status();
}

// A stage named under apps.APP.urls, checked once the whole file (and so
// `stages`, wherever it is written) has been read.
struct UrlStage {
    std::string key;  // apps.APP.urls.STAGE
    std::string stage;
    Location at;
};

Status read_app_urls(AppConfig& a, const std::string& app, const Value& v, std::vector<UrlStage>& to_check)
{
    std::string where = fmt::format("apps.{}.urls", app);
    if (v.type == Value::Type::null) {
        return ok_status();
    }
    if (!v.is_map()) {
        return config_error(v, fmt::format("'{}' must map stage names to URLs", where));
    }
    for (const auto& [stage, val] : v.entries) {
        std::string key = fmt::format("{}.{}", where, stage);
        auto url = read_string(val, key);
        if (!url) {
            return url.take_error();
        }
        if (auto st = check_app_url(val, key, *url); !st) {
            return st;
        }
        a.urls[stage] = *url;
        to_check.push_back({key, stage, val.origin});
    }
    return ok_status();
}

Status read_apps(Config& c, const Value& v, std::vector<UrlStage>& url_stages)
{
    if (!v.is_map()) {
        return config_error(v, "'apps' must map app names to their settings");
    }
    for (const auto& [name, settings] : v.entries) {
        if (auto st = validate_app_name(name); !st) {
            return config_error(settings, st.error().message);
        }
        AppConfig a;
        if (settings.is_map()) {
            for (const auto& [k, val] : settings.entries) {
                if (k == "domain") {
                    auto d = read_string(val, "apps.*.domain");
                    if (!d) {
                        return d.take_error();
                    }
                    a.domain = *d;
                } else if (k == "urls") {
                    if (auto st = read_app_urls(a, name, val, url_stages); !st) {
                        return st;
                    }
                } else if (k == "database") {
                    auto d = read_bool(val, "apps.*.database");
                    if (!d) {
                        return d.take_error();
                    }
                    a.database = *d;
                    a.database_at = val.origin;
                } else {
                    return unknown_key(val, "an app", k, {"domain", "urls", "database"});
                }
            }
        } else if (settings.type != Value::Type::null) {
            return config_error(settings, fmt::format("'apps.{}' must be a mapping", name));
        }
        c.apps[name] = a;
    }
    return ok_status();
}

Status read_freezes(Config& c, const Value& v)
{
    if (v.type == Value::Type::null) {
        return ok_status();  // every hold lifted
    }
    if (!v.is_map()) {
        return config_error(v, "'freeze' must map APP/STAGE to the reason of the hold");
    }
    for (const auto& [key, reason] : v.entries) {
        auto slash = key.find('/');
        if (slash == std::string::npos || !validate_app_name(key.substr(0, slash)) ||
            !is_dns_label(key.substr(slash + 1), 63)) {
            return config_error(reason, fmt::format("freeze key '{}' must be APP/STAGE", key));
        }
        std::string why = reason.type == Value::Type::scalar ? reason.text : std::string();
        c.freezes[key] = why.empty() ? std::string("no reason given") : why;
    }
    return ok_status();
}

Status read_section(Config& c, const std::string& section, const Value& v)
{
    if (!v.is_map()) {
        return config_error(v, fmt::format("'{}' must be a mapping", section));
    }
    std::vector<std::string> known;
    for (const auto& k : string_keys()) {
        if (section == k.section) {
            known.emplace_back(k.key);
        }
    }
    for (const auto& [key, val] : v.entries) {
        const StringKey* spec = nullptr;
        for (const auto& k : string_keys()) {
            if (section == k.section && key == k.key) {
                spec = &k;
            }
        }
        if (spec == nullptr) {
            return unknown_key(val, fmt::format("'{}'", section), key, known);
        }
        std::string where = fmt::format("{}.{}", section, key);
        auto str = read_string(val, where);
        if (!str) {
            return str.take_error();
        }
        if (str->empty()) {
            return config_error(val, fmt::format("'{}.{}' must not be empty", section, key));
        }
        if (auto st = check_template(val, where, *str, spec->placeholders); !st) {
            return st;
        }
        c.*(spec->field) = *str;
    }
    return ok_status();
}

}  // namespace

const StageConfig* Config::stage(std::string_view name) const
{
    for (const auto& s : stages) {
        if (s.name == name) {
            return &s;
        }
    }
    return nullptr;
}

std::string freeze_key(std::string_view app, std::string_view stage)
{
    return std::string(app) + "/" + std::string(stage);
}

const std::string* Config::freeze_reason(std::string_view app, std::string_view stage) const
{
    auto it = freezes.find(freeze_key(app, stage));
    return it == freezes.end() ? nullptr : &it->second;
}

const std::string* Config::app_url(std::string_view app, std::string_view stage) const
{
    auto a = apps.find(app);
    if (a == apps.end()) {
        return nullptr;
    }
    auto u = a->second.urls.find(stage);
    return u == a->second.urls.end() ? nullptr : &u->second;
}

RegistryHost RegistryConfig::host(std::string_view name) const
{
    auto h = hosts.find(name);
    return h == hosts.end() ? RegistryHost{} : h->second;
}

std::vector<std::string> Config::stage_names() const
{
    std::vector<std::string> out;
    for (const auto& s : stages) {
        out.push_back(s.name);
    }
    return out;
}

const SiteVersion& Config::site_version_of(std::string_view name) const
{
    const auto* s = stage(name);
    return s != nullptr && s->site_version ? *s->site_version : site_version;
}

std::string expand(std::string_view tmpl, std::string_view app, std::string_view stage, std::string_view domain,
                   std::string_view host)
{
    std::string out;
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
        if (tmpl[i] == '{') {
            auto close = tmpl.find('}', i);
            if (close != std::string_view::npos) {
                auto name = tmpl.substr(i + 1, close - i - 1);
                const std::string_view* value = name == "app"      ? &app
                                                : name == "stage"  ? &stage
                                                : name == "domain" ? &domain
                                                : name == "host"   ? &host
                                                                   : nullptr;
                if (value != nullptr) {
                    out += *value;
                    i = close;
                    continue;
                }
            }
        }
        out += tmpl[i];
    }
    return out;
}

std::string Config::release_file(std::string_view app, std::string_view stage) const
{
    return expand(release_path, app, stage);
}
std::string Config::env_file(std::string_view app, std::string_view stage) const
{
    return expand(env_path, app, stage);
}
std::string Config::application_file(std::string_view app, std::string_view stage) const
{
    return expand(application_path, app, stage);
}
std::string Config::chart_values_file() const
{
    return chart_path + "/values.yaml";
}
std::string Config::application(std::string_view app, std::string_view stage) const
{
    return expand(application_name, app, stage);
}

std::optional<std::pair<std::string, std::string>> Config::release_file_app(std::string_view path) const
{
    for (const auto& s : stages) {
        std::string tmpl = expand(release_path, "{app}", s.name);
        auto at = tmpl.find("{app}");
        if (at == std::string::npos) {
            continue;
        }
        std::string_view pre = std::string_view(tmpl).substr(0, at);
        std::string_view post = std::string_view(tmpl).substr(at + 5);
        if (path.size() <= pre.size() + post.size() || path.substr(0, pre.size()) != pre ||
            path.substr(path.size() - post.size()) != post) {
            continue;
        }
        auto app = path.substr(pre.size(), path.size() - pre.size() - post.size());
        if (app.find('/') == std::string_view::npos) {
            return std::make_pair(std::string(app), s.name);
        }
    }
    return std::nullopt;
}

Status validate_stage(const Config& c, std::string_view stage)
{
    return validate_stage(c.stage_names(), stage);
}

Status validate_stage(const std::vector<std::string>& stages, std::string_view stage)
{
    if (std::find(stages.begin(), stages.end(), stage) != stages.end()) {
        return ok_status();
    }
    return usage_error(fmt::format("unknown stage '{}' (stages: {})", stage, fmt::join(stages, ", ")));
}

Status check_immutable_tag(const Config& c, std::string_view tag)
{
    if (std::find(c.mutable_tags.begin(), c.mutable_tags.end(), tag) == c.mutable_tags.end()) {
        return ok_status();
    }
    return usage_error(
        fmt::format("'{}' is a mutable tag: it names another image from one build to the next, so what was "
                    "verified in one stage would not be what the next one runs",
                    tag),
        "release an immutable tag (the commit's SHA, a version); kanon.yaml's mutable_tags lists the refused ones");
}

namespace {

// One top-level key of kanon.yaml into `c`.
Status read_top_key(Config& c, const std::string& key, const Value& val, std::vector<UrlStage>& url_stages)
{
    if (key == "stages") {
        return read_stages(c, val);
    }
    if (key == "apps") {
        return read_apps(c, val, url_stages);
    }
    if (key == "freeze") {
        return read_freezes(c, val);
    }
    if (key == "version") {
        return val.text == "1" ? ok_status() : Status(config_error(val, "'version' must be 1"));
    }
    if (key == "smoke") {
        return read_smoke(c, val);
    }
    if (key == "mutable_tags") {
        return read_mutable_tags(c, val);
    }
    if (key == "registry") {
        return read_registry(c, val);
    }
    if (key == "site_version") {
        auto sv = read_site_version(val, "site_version");
        if (!sv) {
            return sv.take_error();
        }
        c.site_version = *sv;
        return ok_status();
    }
    if (key == "paths" || key == "naming" || key == "release_keys" || key == "env_keys" || key == "urls") {
        return read_section(c, key, val);
    }
    return unknown_key(val, "kanon.yaml", key,
                       {"version", "paths", "stages", "naming", "release_keys", "env_keys", "urls", "smoke",
                        "site_version", "apps", "freeze", "mutable_tags", "registry"});
}

// What holds only for the whole file: the path templates name both {app}
// and {stage}, and every per-app URL names a stage there is.
Status check_whole(const Config& c, const std::string& name, const std::vector<UrlStage>& url_stages)
{
    for (const auto* tmpl : {&c.release_path, &c.env_path, &c.application_path}) {
        if (tmpl->find("{app}") == std::string::npos || tmpl->find("{stage}") == std::string::npos) {
            return file_error({name}, fmt::format("path template \"{}\" must use both {{app}} and {{stage}}", *tmpl));
        }
    }
    for (const auto& u : url_stages) {
        if (c.stage(u.stage) == nullptr) {
            return file_error(u.at, fmt::format("'{}': unknown stage '{}' (stages: {})", u.key, u.stage,
                                                fmt::join(c.stage_names(), ", ")));
        }
    }
    return ok_status();
}

}  // namespace

Result<Config> parse_config(const std::string& text, const std::string& name)
{
    auto stream = yaml::Stream::parse(text, name);
    if (!stream) {
        return stream.take_error();
    }
    auto root = yaml::document_value(*stream);
    if (!root) {
        return root.take_error();
    }
    Config c;
    c.source = name;
    if (root->type == Value::Type::null) {
        return c;
    }
    if (!root->is_map()) {
        return config_error(*root, "kanon.yaml must be a mapping");
    }
    std::vector<UrlStage> url_stages;
    for (const auto& [key, val] : root->entries) {
        if (auto st = read_top_key(c, key, val, url_stages); !st) {
            return st.take_error();
        }
    }
    if (auto st = check_whole(c, name, url_stages); !st) {
        return st.take_error();
    }
    return c;
}

Result<Config> load_config(const std::string& root, const std::string& explicit_path)
{
    if (explicit_path.empty() && root.empty()) {
        return Config{};  // no file named, no checkout to look in: the canon's defaults
    }
    std::string path = explicit_path.empty() ? root + "/kanon.yaml" : explicit_path;
    if (explicit_path.empty() && !file_exists(path)) {
        return Config{};
    }
    auto text = read_file(path);
    if (!text) {
        return text.take_error();
    }
    return parse_config(*text, path);
}

}  // namespace kanon::canon
