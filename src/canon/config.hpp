// The canon model: where an app's six files live, what its stages are called
// and in which order a release moves through them, how things are named, and
// which values of the env layer carry the domain, the stage and the secrets.
//
// Every field defaults to the canon of CANON.md; a `kanon.yaml` at the root
// of web-core overrides what differs. docs/kanon-yaml.md documents each key.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "canon/names.hpp"
#include "util/error.hpp"

namespace kanon::canon {

// How a site states the release it runs, for `kanon wait --http`: a response
// header, a field of a JSON document, or the tag appearing in a page's body.
struct SiteVersion {
    enum class Source { none, header, json, body };
    Source source = Source::none;  // none: the site does not say; any answer without a 5xx will do
    std::string path = "/";        // the page to read it from
    std::string header;            // Source::header: its name
    std::string json;              // Source::json: a key path (release.tag, items[0].tag)
};

// What one smoke path must answer besides "no 5xx, no redirect loop".
struct SmokeExpect {
    std::vector<long> statuses;               // the final status must be one of these; empty: any below 500
    std::string body;                         // a substring of the final body; empty: no check
    std::string header;                       // a header the final answer must carry; empty: no check
    std::optional<std::string> header_value;  // and its exact value, when `NAME=VALUE` was written
};

struct StageConfig {
    std::string name;
    std::string host;                           // template: {domain}, {app}
    bool self_heal = false;                     // the Application's syncPolicy.automated.selfHeal
    std::string cnpg_cluster;                   // template
    std::optional<SiteVersion> site_version{};  // overrides Config::site_version for this stage
};

struct AppConfig {
    std::string domain;  // empty: unknown (taken from the prod env layer where needed)
    // `database: true`: the app has a database, so `check --platform`
    // requires its CNPG clusters and initdb Secret even before any exists.
    bool database = false;
    Location database_at;  // where kanon.yaml says so
    // The site's URL per stage, used as written instead of `urls.stage`
    // (http:// or https://, no placeholders; every key is a configured stage).
    std::map<std::string, std::string, std::less<>> urls;
};

// kanon.yaml `registry:`: the section turns on the registry check of
// release, pipeline and verify-build (the tag must exist; its digest is
// recorded). Per host: plain HTTP (a test registry, an air-gapped mirror),
// a CA file.
struct RegistryHost {
    bool plain_http = false;
    std::string ca_file;
};
struct RegistryConfig {
    bool check = false;  // the section is there and does not say check: false
    Location at;         // where `registry:` is written
    std::map<std::string, RegistryHost, std::less<>> hosts;
    [[nodiscard]] RegistryHost host(std::string_view name) const;
};

struct Config {
    // Path templates, relative to the repository root: {app}, {stage}.
    std::string release_path = "deploy/env/release-{stage}/{app}.yaml";
    std::string env_path = "deploy/env/{stage}/{app}.yaml";
    std::string application_path = "deploy/argocd/apps/{stage}/{app}.yaml";
    std::string chart_path = "deploy/charts/web";

    std::vector<StageConfig> stages = {
        {"dev", "dev.{domain}", false, "{app}-dev-cnpg"},
        {"prod", "{domain}", true, "{app}-cnpg"},
    };

    // Naming templates: {app}, {stage}.
    std::string application_name = "web-{app}-{stage}";
    std::string namespace_name = "web-{app}-{stage}";
    std::string env_secret = "web-{app}-{stage}-env";
    std::string pull_secret = "gitlab-regcred";
    std::string initdb_secret = "{app}-initdb-secret";
    std::string database_namespace = "databases";

    // Key paths in the release file and the env layer.
    std::string repository_key = "image.repository";
    std::string tag_key = "image.tag";
    std::string digest_key;  // release_keys.digest: where the release file records the digest; "" nowhere
    std::string host_key = "ingress.host";
    std::string stage_var_key = "env.SYNESTRA_ENV";
    std::string secret_ref_key = "envFrom[].secretRef.name";
    std::string pull_secret_key = "imagePullSecrets[].name";

    std::string url_template = "https://{host}";
    std::vector<std::string> smoke_paths = {"/", "/admin"};
    std::chrono::milliseconds smoke_timeout{std::chrono::seconds(10)};  // per request
    std::map<std::string, SmokeExpect, std::less<>> smoke_expect;       // by path
    SiteVersion site_version;

    std::map<std::string, AppConfig, std::less<>> apps;

    // Tags that name another image from one build to the next: what was
    // verified in one stage would not be what the next one runs, so no
    // write and no build contract takes them.
    std::vector<std::string> mutable_tags = {"latest"};

    RegistryConfig registry;

    // Holds: "APP/STAGE" -> why. A frozen stage refuses release, promote and
    // rollback (exit 4) until `kanon unfreeze`.
    std::map<std::string, std::string, std::less<>> freezes;
    [[nodiscard]] const std::string* freeze_reason(std::string_view app, std::string_view stage) const;
    // apps.APP.urls.STAGE, or nullptr when kanon.yaml gives the app no URL for that stage.
    [[nodiscard]] const std::string* app_url(std::string_view app, std::string_view stage) const;

    std::string source;  // where it was read from; empty for the defaults

    [[nodiscard]] const StageConfig* stage(std::string_view name) const;
    [[nodiscard]] std::vector<std::string> stage_names() const;
    // The stage's own site_version if it has one, else the file's.
    [[nodiscard]] const SiteVersion& site_version_of(std::string_view stage) const;
    [[nodiscard]] std::string release_file(std::string_view app, std::string_view stage) const;
    [[nodiscard]] std::string env_file(std::string_view app, std::string_view stage) const;
    [[nodiscard]] std::string application_file(std::string_view app, std::string_view stage) const;
    [[nodiscard]] std::string chart_values_file() const;
    [[nodiscard]] std::string application(std::string_view app, std::string_view stage) const;
    // The app named by a repository path that is one of its release files.
    [[nodiscard]] std::optional<std::pair<std::string, std::string>> release_file_app(std::string_view path) const;
};

// The key of a hold in kanon.yaml's `freeze` mapping.
std::string freeze_key(std::string_view app, std::string_view stage);

// Fills {app}, {stage}, {domain}, {host} in a template.
std::string expand(std::string_view tmpl, std::string_view app, std::string_view stage, std::string_view domain = {},
                   std::string_view host = {});

// Reads kanon.yaml text (name for error locations). Unknown keys, wrong types
// and bad templates are errors with FILE:LINE:COL.
Result<Config> parse_config(const std::string& text, const std::string& name);
// Loads `explicit_path` if given, else `<root>/kanon.yaml` if it exists, else
// the defaults (also when both are empty: load_config("", --config)).
Result<Config> load_config(const std::string& root, const std::string& explicit_path);

// An app name is a DNS-1123 label of at most 53 characters; anything else is
// a usage error, so no name can reach outside the layout.
Status validate_stage(const Config& c, std::string_view stage);
// The same over the stages' names, in order.
Status validate_stage(const std::vector<std::string>& stages, std::string_view stage);
// A usage error when `tag` is one of kanon.yaml's mutable_tags.
Status check_immutable_tag(const Config& c, std::string_view tag);

}  // namespace kanon::canon
