// The canon model: defaults are the canon; kanon.yaml overrides are checked
// with FILE:LINE:COL errors; app names cannot reach outside the layout.
#include <gtest/gtest.h>

#include "canon/config.hpp"

namespace kanon::canon {
namespace {

TEST(Config, DefaultsAreTheCanon)
{
    Config c;
    EXPECT_EQ(c.release_file("synestra-io", "dev"), "deploy/env/release-dev/synestra-io.yaml");
    EXPECT_EQ(c.release_file("synestra-io", "prod"), "deploy/env/release-prod/synestra-io.yaml");
    EXPECT_EQ(c.env_file("synestra-io", "prod"), "deploy/env/prod/synestra-io.yaml");
    EXPECT_EQ(c.application_file("synestra-io", "dev"), "deploy/argocd/apps/dev/synestra-io.yaml");
    EXPECT_EQ(c.application("synestra-io", "prod"), "web-synestra-io-prod");
    EXPECT_EQ(c.chart_values_file(), "deploy/charts/web/values.yaml");
    ASSERT_EQ(c.stage_names(), (std::vector<std::string>{"dev", "prod"}));
    EXPECT_FALSE(c.stage("dev")->self_heal);
    EXPECT_TRUE(c.stage("prod")->self_heal);
    EXPECT_EQ(expand(c.stage("dev")->host, "synestra-io", "dev", "synestra.io"), "dev.synestra.io");
    EXPECT_EQ(expand(c.stage("prod")->cnpg_cluster, "synestra-io", "prod"), "synestra-io-cnpg");
    EXPECT_EQ(expand(c.stage("dev")->cnpg_cluster, "synestra-io", "dev"), "synestra-io-dev-cnpg");
    EXPECT_EQ(expand(c.env_secret, "synestra-io", "dev"), "web-synestra-io-dev-env");
    EXPECT_EQ(expand(c.initdb_secret, "synestra-io", ""), "synestra-io-initdb-secret");
    EXPECT_EQ(c.smoke_paths, (std::vector<std::string>{"/", "/admin"}));
    EXPECT_EQ(c.url_template, "https://{host}");
    EXPECT_EQ(c.stage_var_key, "env.SYNESTRA_ENV");
}

TEST(Config, RegistrySection)
{
    auto off = parse_config("version: 1\n", "kanon.yaml");
    ASSERT_TRUE(off);
    EXPECT_FALSE(off->registry.check);
    EXPECT_TRUE(off->digest_key.empty());
    auto bare = parse_config("registry:\n", "kanon.yaml");
    ASSERT_TRUE(bare);
    EXPECT_TRUE(bare->registry.check);  // the section alone turns it on
    auto c = parse_config(R"(registry:
  check: true
  hosts:
    "127.0.0.1:5000":
      plain_http: true
    registry.example.com:
      ca_file: certs/ca.pem
release_keys:
  digest: image.digest
)",
                          "kanon.yaml");
    ASSERT_TRUE(c) << c.error().describe();
    EXPECT_TRUE(c->registry.check);
    EXPECT_EQ(c->registry.at.line, 2);  // where its value starts
    EXPECT_TRUE(c->registry.host("127.0.0.1:5000").plain_http);
    EXPECT_EQ(c->registry.host("registry.example.com").ca_file, "certs/ca.pem");
    EXPECT_FALSE(c->registry.host("other.example.com").plain_http);
    EXPECT_EQ(c->digest_key, "image.digest");
    auto no = parse_config("registry:\n  check: false\n", "kanon.yaml");
    ASSERT_TRUE(no);
    EXPECT_FALSE(no->registry.check);
}

TEST(Config, EmptyFileGivesDefaults)
{
    auto c = parse_config("# nothing\n", "kanon.yaml");
    ASSERT_TRUE(c) << c.error().describe();
    EXPECT_EQ(c->release_path, Config{}.release_path);
}

TEST(Config, OverridesApply)
{
    auto c = parse_config(R"(version: 1
paths:
  release: apps/{app}/release-{stage}.yaml
stages:
  - name: staging
    host: "staging.{domain}"
  - name: prod
    self_heal: true
env_keys:
  stage_var: env.APP_ENV
smoke:
  paths: [/healthz]
apps:
  synestra-io:
    domain: synestra.io
)",
                          "kanon.yaml");
    ASSERT_TRUE(c) << c.error().describe();
    EXPECT_EQ(c->release_file("x", "staging"), "apps/x/release-staging.yaml");
    EXPECT_EQ(c->stage_names(), (std::vector<std::string>{"staging", "prod"}));
    EXPECT_EQ(c->stage("prod")->host, "{domain}");
    EXPECT_EQ(c->stage("prod")->cnpg_cluster, "{app}-prod-cnpg");
    EXPECT_EQ(c->stage_var_key, "env.APP_ENV");
    EXPECT_EQ(c->smoke_paths, (std::vector<std::string>{"/healthz"}));
    EXPECT_EQ(c->apps.at("synestra-io").domain, "synestra.io");
    auto app = c->release_file_app("apps/blog/release-prod.yaml");
    ASSERT_TRUE(app);
    EXPECT_EQ(app->first, "blog");
    EXPECT_EQ(app->second, "prod");
}

struct BadConfig {
    const char* name;
    const char* text;
    const char* error;  // the whole FILE:LINE:COL: message start
};

class ConfigErrors : public ::testing::TestWithParam<BadConfig> {};

TEST_P(ConfigErrors, AreReportedWithTheirLocation)
{
    auto c = parse_config(GetParam().text, "kanon.yaml");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().describe().rfind(GetParam().error, 0), 0U) << c.error().describe();
}

INSTANTIATE_TEST_SUITE_P(
    Canon, ConfigErrors,
    ::testing::Values(
        BadConfig{"unknown_top_key", "version: 1\nstagez: []\n", "kanon.yaml:2:9: unknown key 'stagez' in kanon.yaml"},
        BadConfig{"unknown_section_key", "paths:\n  relase: x/{app}/{stage}\n",
                  "kanon.yaml:2:11: unknown key 'relase'"},
        BadConfig{"bad_placeholder", "paths:\n  release: x/{application}/{stage}.yaml\n",
                  "kanon.yaml:2:12: 'paths.release': unknown placeholder {application}"},
        BadConfig{"template_without_app", "paths:\n  env: deploy/{stage}.yaml\n", "kanon.yaml: path template"},
        BadConfig{"stages_not_a_list", "stages: dev\n", "kanon.yaml:1:9: 'stages' must be a non-empty list"},
        BadConfig{"stage_twice", "stages:\n  - name: dev\n  - name: dev\n",
                  "kanon.yaml:3:5: stage 'dev' is listed twice"},
        BadConfig{"stage_bad_name", "stages:\n  - name: Dev_1\n", "kanon.yaml:2:5: stage name 'Dev_1'"},
        BadConfig{"self_heal_not_bool", "stages:\n  - name: dev\n    self_heal: maybe\n",
                  "kanon.yaml:3:16: 'stages[].self_heal' must be true or false"},
        BadConfig{"not_a_string", "naming:\n  application: 12\n",
                  "kanon.yaml:2:16: 'naming.application' must be a string"},
        BadConfig{"smoke_path_without_slash", "smoke:\n  paths: [admin]\n", "kanon.yaml:2:11: smoke path 'admin'"},
        BadConfig{"bad_app_name", "apps:\n  ../etc:\n    domain: x\n",
                  "kanon.yaml:3:5: '../etc' is not a valid app name"},
        BadConfig{"not_a_mapping", "- a\n- b\n", "kanon.yaml:1:1: kanon.yaml must be a mapping"},
        BadConfig{"invalid_yaml", "paths: [\n", "kanon.yaml:2:1: invalid YAML"},
        BadConfig{"bad_version", "version: 2\n", "kanon.yaml:1:10: 'version' must be 1"},
        BadConfig{"registry_unknown_key", "registry:\n  chek: true\n", "kanon.yaml:2:9: unknown key 'chek'"},
        BadConfig{"registry_host_with_scheme",
                  "registry:\n  hosts:\n    https://r.example.com:\n      plain_http: true\n",
                  "kanon.yaml:4:7: 'registry.hosts.https://r.example.com': a host is HOST[:PORT]"},
        BadConfig{"registry_plain_http_not_bool", "registry:\n  hosts:\n    r:5000:\n      plain_http: yes please\n",
                  "kanon.yaml:4:19: 'registry.hosts.r:5000.plain_http' must be true or false"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(AppName, IsADns1123LabelOfAtMost53)
{
    for (const char* ok : {"synestra-io", "a", "a1", "1a", "web-1-2"}) {
        EXPECT_TRUE(validate_app_name(ok)) << ok;
    }
    std::string longest(53, 'a');
    EXPECT_TRUE(validate_app_name(longest));
    for (std::string bad : {std::string(54, 'a'), std::string(""), std::string("-a"), std::string("a-"),
                            std::string("A"), std::string("a_b"), std::string("a.b"), std::string("../a"),
                            std::string("a/b"), std::string("a b"), std::string("é")}) {
        auto st = validate_app_name(bad);
        ASSERT_FALSE(st) << bad;
        EXPECT_EQ(st.error().code, ExitCode::usage);
    }
}

TEST(Stage, UnknownStageIsUsage)
{
    Config c;
    auto st = validate_stage(c, "qa");
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ExitCode::usage);
    EXPECT_EQ(st.error().message, "unknown stage 'qa' (stages: dev, prod)");
}

}  // namespace
}  // namespace kanon::canon

namespace kanon::canon {
namespace {

TEST(Config, FreezesAreReadAndChecked)
{
    auto c = parse_config("freeze:\n  synestra-io/prod: incident 42\n", "kanon.yaml");
    ASSERT_TRUE(c) << c.error().describe();
    ASSERT_NE(c->freeze_reason("synestra-io", "prod"), nullptr);
    EXPECT_EQ(*c->freeze_reason("synestra-io", "prod"), "incident 42");
    EXPECT_EQ(c->freeze_reason("synestra-io", "dev"), nullptr);
    EXPECT_TRUE(parse_config("freeze:\n", "kanon.yaml"));
    auto bad = parse_config("freeze:\n  synestra-io: x\n", "kanon.yaml");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().describe(), "kanon.yaml:2:16: freeze key 'synestra-io' must be APP/STAGE");
}

}  // namespace
}  // namespace kanon::canon
