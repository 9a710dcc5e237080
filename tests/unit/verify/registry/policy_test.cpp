// Tag policies of `release --latest`: semantic versions and constraints,
// calendar versions, regular expressions, and malformed policies with their
// column.
#include <gtest/gtest.h>

#include "verify/registry/policy.hpp"

namespace kanon::verify::registry {
namespace {

std::vector<std::string> ranked(const std::string& policy, const std::vector<std::string>& tags)
{
    auto p = parse_policy(policy);
    EXPECT_TRUE(p) << (p ? "" : p.error().message);
    return p ? rank_tags(*p, tags) : std::vector<std::string>{};
}

TEST(SemVer, ParsesAndOrdersAsTheSpecSays)
{
    ASSERT_TRUE(parse_semver("v1.2.3"));
    EXPECT_FALSE(parse_semver("1.2"));
    EXPECT_FALSE(parse_semver("01.2.3"));
    EXPECT_FALSE(parse_semver("1.2.3-"));
    EXPECT_FALSE(parse_semver("1.2.3-01"));
    EXPECT_FALSE(parse_semver("latest"));
    // 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2 < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0
    std::vector<std::string> order = {"1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                                      "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0"};
    for (std::size_t i = 0; i + 1 < order.size(); ++i) {
        EXPECT_LT(parse_semver(order[i])->compare(*parse_semver(order[i + 1])), 0) << order[i] << " < " << order[i + 1];
    }
    EXPECT_EQ(parse_semver("1.0.0+build.1")->compare(*parse_semver("1.0.0+build.2")), 0);
}

TEST(Policy, SemverAndConstraints)
{
    std::vector<std::string> tags = {"1.9.0", "1.10.0", "v2.0.0", "2.1.0-rc.1", "0.3.1",
                                     "0.3.9", "0.4.0",  "latest", "main-42",    "1.10.1"};
    EXPECT_EQ(ranked("semver", tags),
              (std::vector<std::string>{"v2.0.0", "1.10.1", "1.10.0", "1.9.0", "0.4.0", "0.3.9", "0.3.1"}));
    EXPECT_EQ(ranked("semver:^1.9", tags).front(), "1.10.1");
    EXPECT_EQ(ranked("semver:~1.10.0", tags), (std::vector<std::string>{"1.10.1", "1.10.0"}));
    EXPECT_EQ(ranked("semver:^0.3.1", tags), (std::vector<std::string>{"0.3.9", "0.3.1"}));  // 0.x: minor is major
    EXPECT_EQ(ranked("semver:1.x", tags).front(), "1.10.1");
    EXPECT_EQ(ranked("semver:>=1.0.0 <1.10.0", tags), (std::vector<std::string>{"1.9.0"}));
    EXPECT_EQ(ranked("semver:<1 || >=2", tags).front(), "v2.0.0");
    EXPECT_EQ(ranked("semver:<1 || >=2", tags).back(), "0.3.1");
    EXPECT_EQ(ranked("semver:=1.9.0", tags), (std::vector<std::string>{"1.9.0"}));
    EXPECT_EQ(ranked("semver:>1.9", tags).front(), "v2.0.0");
    EXPECT_EQ(ranked("semver:>1.9", tags).back(), "1.10.0");
    // A pre-release only when the constraint names one.
    EXPECT_EQ(ranked("semver:>=2.1.0-rc.0", tags), (std::vector<std::string>{"2.1.0-rc.1"}));
    EXPECT_TRUE(ranked("semver:^3", tags).empty());
    // Naming a pre-release lets pre-releases in, never the next major's.
    EXPECT_EQ(ranked("semver:^1.2.0-rc.1", {"1.2.0", "1.5.0", "2.0.0-beta.1", "1.6.0-rc.2"}),
              (std::vector<std::string>{"1.6.0-rc.2", "1.5.0", "1.2.0"}));
    EXPECT_TRUE(ranked("semver:~1.2.3-rc.1", {"1.3.0-alpha"}).empty());
}

TEST(Policy, CalverRegexAndNatural)
{
    std::vector<std::string> tags = {"2026.11.1", "2026.12.0", "2026.9.3", "2025.12.31.2", "1.2.3", "2026-12-01"};
    EXPECT_EQ(ranked("calver", tags),
              (std::vector<std::string>{"2026-12-01", "2026.12.0", "2026.11.1", "2026.9.3", "2025.12.31.2"}));
    std::vector<std::string> builds = {"main-9", "main-10", "main-2", "feature-99", "main-10-dirty"};
    EXPECT_EQ(ranked("regex:^main-[0-9]+$", builds), (std::vector<std::string>{"main-10", "main-9", "main-2"}));
    EXPECT_TRUE(natural_less("1.9", "1.10"));
    EXPECT_FALSE(natural_less("1.10", "1.9"));
    EXPECT_TRUE(natural_less("a2", "a10"));
    auto nb = parse_policy("newest-build");
    ASSERT_TRUE(nb);
    EXPECT_EQ(rank_tags(*nb, builds), builds);  // the registry's order: the creation times decide
}

TEST(Policy, MalformedPoliciesSayWhere)
{
    struct Case {
        std::string policy;
        std::string error;
    };
    for (const auto& c : std::vector<Case>{
             {"semvar", "--policy:1:1: unknown policy 'semvar'"},
             {"semver:", "--policy:1:8: an empty constraint"},
             {"semver:>=1.2 <two", "--policy:1:14: '<two' is not a version"},
             {"semver:^1.2.3.4", "--policy:1:8: '^1.2.3.4' is not a version"},
             {"semver:>=", "--policy:1:8: '>=' names no version"},
             {"semver:>*", "--policy:1:8: '>*' compares with no version"},
             {"regex:", "--policy:1:7: an empty regular expression"},
             {"regex:main-(", "--policy:1:7: 'main-(' is not a regular expression"},
         }) {
        auto p = parse_policy(c.policy);
        ASSERT_FALSE(p) << c.policy;
        EXPECT_EQ(p.error().code, ExitCode::usage);
        EXPECT_EQ(p.error().message.rfind(c.error, 0), 0U) << c.policy << ": " << p.error().message;
    }
}

}  // namespace
}  // namespace kanon::verify::registry
