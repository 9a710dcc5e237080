// ops::stage_url: apps.APP.urls.STAGE as written, else urls.stage with the
// env layer's host, else the stage's host template and the app's domain.
#include <gtest/gtest.h>

#include "canon/config.hpp"
#include "ops/deployment.hpp"

namespace kanon::ops {
namespace {

canon::Config config_of(const std::string& text)
{
    auto c = canon::parse_config(text, "kanon.yaml");
    EXPECT_TRUE(c) << (c ? "" : c.error().describe());
    return c ? *c : canon::Config{};
}

TEST(StageUrl, TemplateWithTheEnvHostOrTheDomain)
{
    auto c = config_of("apps:\n  web:\n    domain: example.com\n");
    EXPECT_EQ(stage_url(c, "web", "dev", "dev.web.example.net"), "https://dev.web.example.net");
    EXPECT_EQ(stage_url(c, "web", "dev", ""), "https://dev.example.com");
    EXPECT_EQ(stage_url(c, "web", "prod", ""), "https://example.com");
}

TEST(StageUrl, TheAppsUrlComesBeforeAnyTemplate)
{
    auto c = config_of(R"(urls:
  stage: "https://{host}/{app}"
apps:
  web:
    domain: example.com
    urls:
      dev: http://127.0.0.1:18081
)");
    EXPECT_EQ(stage_url(c, "web", "dev", "dev.example.com"), "http://127.0.0.1:18081");
    EXPECT_EQ(stage_url(c, "web", "dev", ""), "http://127.0.0.1:18081");
    // prod has none: the template, as before
    EXPECT_EQ(stage_url(c, "web", "prod", "example.com"), "https://example.com/web");
    // another app is not affected
    EXPECT_EQ(stage_url(c, "blog", "dev", "dev.blog.example.com"), "https://dev.blog.example.com/blog");
}

}  // namespace
}  // namespace kanon::ops
