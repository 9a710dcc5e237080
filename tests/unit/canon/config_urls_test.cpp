// kanon.yaml's apps.APP.urls: a stage's site URL per app, used as written
// instead of urls.stage; its stages are checked once the whole file is read.
#include <gtest/gtest.h>

#include "canon/config.hpp"

namespace kanon::canon {
namespace {

std::string error_of(const std::string& text)
{
    auto c = parse_config(text, "kanon.yaml");
    EXPECT_FALSE(c) << "parsed: " << text;
    return c ? std::string() : c.error().describe();
}

TEST(ConfigUrls, ParsedPerAppAndStage)
{
    auto c = parse_config(R"(apps:
  synestra-io:
    domain: synestra.io
    urls:                       # the site's URL per stage, instead of urls.stage
      dev: http://127.0.0.1:18081
      prod: "https://intranet.example.com/synestra/"
  blog:
    domain: blog.example.com
)",
                          "kanon.yaml");
    ASSERT_TRUE(c) << c.error().describe();
    const auto& a = c->apps.at("synestra-io");
    EXPECT_EQ(a.domain, "synestra.io");
    EXPECT_EQ(a.urls.size(), 2U);
    ASSERT_NE(c->app_url("synestra-io", "dev"), nullptr);
    EXPECT_EQ(*c->app_url("synestra-io", "dev"), "http://127.0.0.1:18081");
    EXPECT_EQ(*c->app_url("synestra-io", "prod"), "https://intranet.example.com/synestra/");
    EXPECT_EQ(c->app_url("blog", "dev"), nullptr);
    EXPECT_TRUE(c->apps.at("blog").urls.empty());
    EXPECT_EQ(c->app_url("unknown", "dev"), nullptr);
    EXPECT_EQ(Config{}.app_url("synestra-io", "dev"), nullptr);
}

TEST(ConfigUrls, StagesMayBeWrittenAfterApps)
{
    auto c = parse_config(R"(apps:
  web:
    urls:
      staging: http://127.0.0.1:8080
stages:
  - name: staging
  - name: prod
)",
                          "kanon.yaml");
    ASSERT_TRUE(c) << c.error().describe();
    EXPECT_EQ(*c->app_url("web", "staging"), "http://127.0.0.1:8080");
}

TEST(ConfigUrls, EmptyOrNullUrlsAreNone)
{
    auto c = parse_config("apps:\n  web:\n    urls:\n  blog:\n    urls: {}\n", "kanon.yaml");
    ASSERT_TRUE(c) << c.error().describe();
    EXPECT_TRUE(c->apps.at("web").urls.empty());
    EXPECT_TRUE(c->apps.at("blog").urls.empty());
}

TEST(ConfigUrls, UnknownStageIsAnErrorAtItsPlace)
{
    EXPECT_EQ(error_of("apps:\n  web:\n    urls:\n      qa: http://127.0.0.1:1\n"),
              "kanon.yaml:4:11: 'apps.web.urls.qa': unknown stage 'qa' (stages: dev, prod)");
    // checked against the stages of the file, wherever they are written
    EXPECT_EQ(error_of("apps:\n  web:\n    urls:\n      dev: http://127.0.0.1:1\nstages:\n  - name: staging\n"),
              "kanon.yaml:4:12: 'apps.web.urls.dev': unknown stage 'dev' (stages: staging)");
}

TEST(ConfigUrls, BadUrlsAreErrors)
{
    struct Case {
        const char* url;
        const char* error;
    };
    for (const auto& c : {
             Case{"127.0.0.1:8080",
                  "kanon.yaml:4:12: 'apps.web.urls.dev': '127.0.0.1:8080' is not an http:// or "
                  "https:// URL with a host"},
             Case{"ftp://example.com", "is not an http:// or https:// URL with a host"},
             Case{"http:///path", "is not an http:// or https:// URL with a host"},
             Case{"http://", "is not an http:// or https:// URL with a host"},
             Case{"\"http://a b\"", "is not an http:// or https:// URL with a host"},
             Case{"\"\"", "is not an http:// or https:// URL with a host"},
             Case{"https://{app}.example.com",
                  "'apps.web.urls.dev': 'https://{app}.example.com' is used as written and cannot hold {placeholders}"},
             Case{"https://example.com/?x=1", "must not have a query or fragment"},
             Case{"https://example.com/#top", "must not have a query or fragment"},
             Case{"8080", "kanon.yaml:4:12: 'apps.web.urls.dev' must be a string"},
         }) {
        std::string text = std::string("apps:\n  web:\n    urls:\n      dev: ") + c.url + "\n";
        auto err = error_of(text);
        EXPECT_NE(err.find(c.error), std::string::npos) << c.url << ": " << err;
        EXPECT_EQ(err.rfind("kanon.yaml:4:12: ", 0), 0U) << err;
    }
    EXPECT_EQ(error_of("apps:\n  web:\n    urls: http://127.0.0.1:1\n"),
              "kanon.yaml:3:11: 'apps.web.urls' must map stage names to URLs");
}

TEST(ConfigUrls, CredentialsInABadUrlAreNotPrinted)
{
    auto err = error_of("apps:\n  web:\n    urls:\n      dev: \"ftp://user:s3cret@example.com\"\n");
    EXPECT_EQ(err.find("s3cret"), std::string::npos) << err;
}

TEST(ConfigUrls, UnknownKeyUnderAnAppListsDomainAndUrls)
{
    EXPECT_EQ(error_of("apps:\n  web:\n    url:\n      dev: http://127.0.0.1:1\n"),
              "kanon.yaml:4:7: unknown key 'url' in an app (known: domain, urls, database)");
}

}  // namespace
}  // namespace kanon::canon
