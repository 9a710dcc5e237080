// kanon ci: the options it refuses, and lines of the generated files that
// must read back as written (tests/e2e/test_ci.sh validates whole files
// against the platforms' schemas).
#include <gtest/gtest.h>

#include "ci/ci.hpp"
#include "ci/text.hpp"

namespace kanon::ci {
namespace {

TEST(Ci, RefusesBadOptions)
{
    CiOptions o;
    EXPECT_TRUE(validate(o));
    o.apps = {"Bad_App"};
    EXPECT_EQ(validate(o).error().code, ExitCode::usage);
    o.apps = {};
    o.gate = "later";
    EXPECT_FALSE(validate(o));
    o.gate = "manual";
    o.loop_guard = "never";
    EXPECT_FALSE(validate(o));
    o.loop_guard = "paths";
    o.build_script = {"make\nrm -rf /"};
    EXPECT_FALSE(validate(o));
    o.build_script = {"docker build ."};
    EXPECT_TRUE(validate(o));
}

TEST(Ci, ScriptLinesReadBackAsWritten)
{
    EXPECT_EQ(yaml_plain_or_quoted("kanon smoke \"$APP\" --stage dev"), "kanon smoke \"$APP\" --stage dev");
    // ": " would make a mapping, " #" a comment, a leading quote a quoted scalar.
    EXPECT_EQ(yaml_plain_or_quoted("echo \"a: b\""), "\"echo \\\"a: b\\\"\"");
    EXPECT_EQ(yaml_plain_or_quoted("make # all"), "\"make # all\"");
    EXPECT_EQ(yaml_plain_or_quoted("\"quoted\" start"), "\"\\\"quoted\\\" start\"");
    EXPECT_EQ(yaml_plain_or_quoted("true"), "\"true\"");
}

TEST(Ci, GitLabPerAppJobsAndTheGate)
{
    CiOptions o;
    o.apps = {"shop"};
    o.gate = "manual";
    o.version = "test";
    std::string text = gitlab(o);
    EXPECT_NE(text.find("\npromote-prod:shop:\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  rules:\n    - if: $APP == null || $APP == \"shop\"\n      when: manual\n"
                        "  allow_failure: false"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("resource_group: shop-prod\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("--no-skip-ci"), std::string::npos);
    o.loop_guard = "paths";
    EXPECT_NE(gitlab(o).find("--stage prod --junit kanon-promote-prod.xml --dotenv kanon-promote-prod.env --repo "
                             "\"$KANON_REPO\" --no-skip-ci"),
              std::string::npos);
    std::string trigger = gitlab_trigger(o, "group/platform");
    EXPECT_NE(trigger.find("    - changes:\n        - deploy/env/release-dev/*.yaml\n"), std::string::npos) << trigger;
}

}  // namespace
}  // namespace kanon::ci
