// Output is data rendered by pure functions: exact text and JSON shapes.
#include <gtest/gtest.h>

#include "cli/render.hpp"

namespace kanon::cli {
namespace {

ops::StatusReport two_apps()
{
    ops::StatusReport r;
    r.repo = "https://***@git.example.com/web-core.git";
    r.branch = "main";
    r.commit = std::string(40, 'a');
    r.stage_names = {"dev", "prod"};
    ops::AppStatus a{
        "synestra-io", {{"dev", "d", true, "reg/web", "1.2.4", ""}, {"prod", "p", true, "reg/web", "1.2.3", ""}}, true};
    ops::AppStatus b{
        "blog", {{"dev", "d", true, "reg/blog", "7", ""}, {"prod", "p", false, "", "", "no release file"}}, false};
    r.apps = {a, b};
    return r;
}

TEST(Render, TablePadsToTheWidestCellInCharacters)
{
    EXPECT_EQ(render_table({{"A", "B", "C"}, {"ü1", "long", "x"}}), "A   B     C\nü1  long  x\n");
}

TEST(Render, StatusText)
{
    EXPECT_EQ(render_status_text(two_apps(), Paint{}),
              "APP          DEV    PROD   PENDING\n"
              "synestra-io  1.2.4  1.2.3  yes\n"
              "blog         7      ?      no\n"
              "note: blog prod: no release file\n");
}

TEST(Render, StatusJsonHasTheKeysOfCliMd)
{
    auto j = status_json(two_apps());
    ASSERT_EQ(j["apps"].size(), 2U);
    EXPECT_EQ(j["apps"][0]["app"], "synestra-io");
    EXPECT_EQ(j["apps"][0]["stages"]["dev"]["repository"], "reg/web");
    EXPECT_EQ(j["apps"][0]["stages"]["prod"]["tag"], "1.2.3");
    EXPECT_EQ(j["apps"][0]["pending"], true);
    EXPECT_TRUE(j["apps"][1]["stages"]["prod"]["tag"].is_null());
    EXPECT_EQ(j["commit"], std::string(40, 'a'));
}

TEST(Render, LeafTextShowsTypes)
{
    yaml::Value s;
    s.type = yaml::Value::Type::scalar;
    s.scalar_type = yaml::PlainType::string;
    s.text = "1.10";
    EXPECT_EQ(leaf_text(s), "\"1.10\"");
    s.scalar_type = yaml::PlainType::floating;
    s.helm = yaml::helm_plain("1.10");
    EXPECT_EQ(leaf_text(s), "1.1");
    yaml::Value m;
    m.type = yaml::Value::Type::mapping;
    EXPECT_EQ(leaf_text(m), "{}");
}

}  // namespace
}  // namespace kanon::cli
