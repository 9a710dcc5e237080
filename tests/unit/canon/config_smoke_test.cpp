// kanon.yaml's smoke and site_version keys: defaults, every shape they take,
// per-stage overrides, and FILE:LINE:COL errors for what is wrong.
#include <gtest/gtest.h>

#include "canon/config.hpp"

namespace kanon::canon {
namespace {

using namespace std::chrono_literals;
using Source = SiteVersion::Source;

Config parse_ok(const std::string& text)
{
    auto c = parse_config(text, "kanon.yaml");
    EXPECT_TRUE(c) << (c ? "" : c.error().describe());
    return c ? *c : Config{};
}

TEST(ConfigSmoke, Defaults)
{
    Config c;
    EXPECT_EQ(c.smoke_paths, (std::vector<std::string>{"/", "/admin"}));
    EXPECT_EQ(c.smoke_timeout, 10s);
    EXPECT_TRUE(c.smoke_expect.empty());
    EXPECT_EQ(c.site_version.source, Source::none);
    EXPECT_EQ(c.site_version_of("dev").source, Source::none);
}

TEST(ConfigSmoke, TimeoutAndExpectations)
{
    auto c = parse_ok(R"(smoke:
  paths: [/, /admin, /healthz]
  timeout: 2500ms
  expect:
    /: {status: [200], body: "ok", header: X-Release}
    /admin:
      status: 302
      header: "X-Frame-Options=DENY"
)");
    EXPECT_EQ(c.smoke_paths.size(), 3U);
    EXPECT_EQ(c.smoke_timeout, 2500ms);
    const auto& root = c.smoke_expect.at("/");
    EXPECT_EQ(root.statuses, (std::vector<long>{200}));
    EXPECT_EQ(root.body, "ok");
    EXPECT_EQ(root.header, "X-Release");
    EXPECT_FALSE(root.header_value.has_value());
    const auto& admin = c.smoke_expect.at("/admin");
    EXPECT_EQ(admin.statuses, (std::vector<long>{302}));
    EXPECT_EQ(admin.header, "X-Frame-Options");
    EXPECT_EQ(admin.header_value.value_or("?"), "DENY");
    EXPECT_EQ(parse_ok("smoke:\n  timeout: 3\n").smoke_timeout, 3s);  // a bare number is seconds
}

TEST(ConfigSmoke, SiteVersionShapes)
{
    auto h = parse_ok("site_version:\n  header: X-Release\n");
    EXPECT_EQ(h.site_version.source, Source::header);
    EXPECT_EQ(h.site_version.header, "X-Release");
    EXPECT_EQ(h.site_version.path, "/");

    auto j = parse_ok("site_version: {path: /version.json, json: release.tag}\n");
    EXPECT_EQ(j.site_version.source, Source::json);
    EXPECT_EQ(j.site_version.path, "/version.json");
    EXPECT_EQ(j.site_version.json, "release.tag");

    auto b = parse_ok("site_version: {body: true}\n");
    EXPECT_EQ(b.site_version.source, Source::body);
    EXPECT_EQ(b.site_version.path, "/");
}

TEST(ConfigSmoke, PerStageSiteVersionOverrides)
{
    auto c = parse_ok(R"(site_version: {header: X-Release}
stages:
  - name: dev
    site_version: {path: /version.json, json: tag}
  - name: qa
    site_version: null
  - name: prod
)");
    EXPECT_EQ(c.site_version_of("dev").source, Source::json);
    EXPECT_EQ(c.site_version_of("qa").source, Source::none);
    EXPECT_EQ(c.site_version_of("prod").source, Source::header);
    EXPECT_EQ(c.site_version_of("nope").source, Source::header);
}

struct BadKey {
    const char* name;
    const char* text;
    const char* error;  // the start of Error::describe()
};

class ConfigSmokeErrors : public ::testing::TestWithParam<BadKey> {};

TEST_P(ConfigSmokeErrors, NameTheSpot)
{
    auto c = parse_config(GetParam().text, "kanon.yaml");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().describe().rfind(GetParam().error, 0), 0U) << c.error().describe();
}

INSTANTIATE_TEST_SUITE_P(
    Canon, ConfigSmokeErrors,
    ::testing::Values(
        BadKey{"unknown_smoke_key", "smoke:\n  pathz: [/]\n",
               "kanon.yaml:2:10: unknown key 'pathz' in 'smoke' (known: paths, timeout, expect)"},
        BadKey{"bad_timeout", "smoke:\n  timeout: soon\n",
               "kanon.yaml:2:12: 'smoke.timeout' must be a duration like 10s or 500ms"},
        BadKey{"zero_timeout", "smoke:\n  timeout: 0s\n", "kanon.yaml:2:12: 'smoke.timeout' must be a duration"},
        BadKey{"expect_key_not_a_path", "smoke:\n  expect:\n    admin: {status: 200}\n",
               "kanon.yaml:3:12: smoke.expect key 'admin' must be a path starting with '/'"},
        BadKey{"bad_status", "smoke:\n  expect:\n    /: {status: [200, 99]}\n",
               "kanon.yaml:3:23: 'smoke.expect./.status' must be an HTTP status (100 to 599)"},
        BadKey{"status_as_string", "smoke:\n  expect:\n    /: {status: \"200\"}\n",
               "kanon.yaml:3:17: 'smoke.expect./.status' must be an HTTP status"},
        BadKey{"bad_header", "smoke:\n  expect:\n    /: {header: \"X Release\"}\n",
               "kanon.yaml:3:17: 'smoke.expect./.header': 'X Release' is not a header name"},
        BadKey{"unknown_expect_key", "smoke:\n  expect:\n    /: {statuz: 200}\n",
               "kanon.yaml:3:17: unknown key 'statuz' in 'smoke.expect./'"},
        BadKey{"path_with_space", "smoke:\n  paths: [\"/a b\"]\n",
               "kanon.yaml:2:11: smoke path '/a b' must not contain spaces"},
        BadKey{"version_two_sources", "site_version: {header: X-Release, body: true}\n",
               "kanon.yaml:1:15: 'site_version' needs exactly one of 'header', 'json' or 'body'"},
        BadKey{"version_no_source", "site_version: {path: /v}\n",
               "kanon.yaml:1:15: 'site_version' needs exactly one of"},
        BadKey{"version_not_a_map", "site_version: X-Release\n", "kanon.yaml:1:15: 'site_version' must be a mapping"},
        BadKey{"version_body_false", "site_version: {body: false}\n",
               "kanon.yaml:1:22: 'site_version.body' can only be true"},
        BadKey{"version_bad_json_path", "site_version: {json: \"a[\"}\n",
               "kanon.yaml:1:22: 'site_version.json': 'a[' is not a key path"},
        BadKey{"version_path_without_slash", "site_version: {path: v.json, json: tag}\n",
               "kanon.yaml:1:22: site_version.path 'v.json' must start with '/'"},
        BadKey{"stage_version_unknown_key", "stages:\n  - name: dev\n    site_version: {heder: X}\n",
               "kanon.yaml:3:27: unknown key 'heder' in 'stages[].site_version'"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace kanon::canon
