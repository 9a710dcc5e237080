// The one home of the canon's names: what each check takes and refuses,
// and how a SHA is shortened.
#include <gtest/gtest.h>

#include "canon/names.hpp"

namespace kanon::canon {
namespace {

TEST(Names, DnsLabelsAndNames)
{
    EXPECT_TRUE(is_dns_label("synestra-io"));
    EXPECT_TRUE(is_dns_label("a"));
    EXPECT_TRUE(is_dns_label(std::string(63, 'a')));
    for (const char* bad : {"", "-a", "a-", "A", "a_b", "a.b", "é"}) {
        EXPECT_FALSE(is_dns_label(bad)) << bad;
    }
    EXPECT_FALSE(is_dns_label(std::string(64, 'a')));
    EXPECT_FALSE(is_dns_label(std::string(54, 'a'), 53));

    EXPECT_TRUE(is_dns_name("example.org"));
    EXPECT_TRUE(is_dns_name("localhost"));
    EXPECT_FALSE(is_dns_name("localhost", 2)) << "a domain has two labels at least";
    for (const char* bad : {"", ".", "a..b", "a.", ".a", "Example.org", "a_b.org", "a.-b.org"}) {
        EXPECT_FALSE(is_dns_name(bad)) << bad;
    }
    EXPECT_FALSE(is_dns_name(std::string(250, 'a') + ".org"));
}

TEST(Names, AppNamesAndTags)
{
    EXPECT_TRUE(validate_app_name("synestra-io").ok());
    auto bad = validate_app_name("Synestra");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ExitCode::usage);
    EXPECT_EQ(bad.error().message, "'Synestra' is not a valid app name");

    for (const char* good : {"1.4.0", "c3e8b0f4", "_x", "v1.2.3-rc.1", "A_b"}) {
        EXPECT_TRUE(is_valid_tag(good)) << good;
    }
    for (const char* bad : {"", ".1", "-1", "1 2", "a/b", "a:b", "a\nb"}) {
        EXPECT_FALSE(is_valid_tag(bad)) << bad;
    }
    EXPECT_TRUE(is_valid_tag(std::string(128, 'a')));
    EXPECT_FALSE(is_valid_tag(std::string(129, 'a')));
}

TEST(Names, ImageRepositories)
{
    for (const char* good : {"web/site", "registry.example.org/web/site", "localhost:5000/site", "Registry:443/a/b",
                             "a/b__c/d-e", "a/b---c", "site", "Web/site"}) {
        EXPECT_TRUE(is_image_repository(good)) << good;
    }
    for (const char* bad :
         {"", "Registry/UPPER", "x/", "a..b", "a b", "host:port/x", "a/-b", "a/b_", "registry.example.org:99999/x"}) {
        EXPECT_FALSE(is_image_repository(bad)) << bad;
    }
    EXPECT_FALSE(is_image_repository(std::string(256, 'a')));
    EXPECT_TRUE(is_registry_host("Registry.Example.org:5000"));
    EXPECT_FALSE(is_registry_host("-a.org"));
    EXPECT_FALSE(is_registry_host("a.org:"));
    // As docker names them: a first part with upper case is a host ("Web/site" is on the host Web).
}

TEST(Names, FullShasAndTheirShortForms)
{
    std::string sha = "0123456789abcdef0123456789abcdef01234567";
    EXPECT_TRUE(is_full_sha(sha));
    EXPECT_TRUE(is_full_sha("0123456789ABCDEF0123456789ABCDEF01234567"));
    EXPECT_FALSE(is_full_sha(sha.substr(0, 39)));
    EXPECT_FALSE(is_full_sha(sha + "0"));
    EXPECT_FALSE(is_full_sha("0123456789abcdef0123456789abcdef0123456g"));
    EXPECT_FALSE(is_full_sha(sha + sha.substr(0, 24))) << "a SHA-256 id is not what Argo CD reports";
    EXPECT_TRUE(is_sha256_id(sha + sha.substr(0, 24)));
    EXPECT_FALSE(is_sha256_id(sha));

    EXPECT_TRUE(validate_full_sha(sha, "--ref").ok());
    auto shorter = validate_full_sha("1a2b3c4", "--revision");
    ASSERT_FALSE(shorter.ok());
    EXPECT_EQ(shorter.error().code, ExitCode::usage);
    EXPECT_EQ(shorter.error().message,
              "--revision '1a2b3c4' is not a full commit SHA: it is a short SHA (7 of the full 40-hex characters)");
    EXPECT_NE(shorter.error().hint.find("git rev-parse 1a2b3c4"), std::string::npos);
    auto name = validate_full_sha("main\nKanon-Tag: 6", "--source-ref");
    ASSERT_FALSE(name.ok());
    EXPECT_EQ(name.error().message,
              "--source-ref 'main?Kanon-Tag: 6' is not a full commit SHA (the full 40-hex characters)");

    EXPECT_EQ(short_sha(sha), "0123456789ab");
    EXPECT_EQ(argocd_short_sha(sha), "0123456");
    EXPECT_EQ(argocd_short_sha("main"), "main") << "what is not a SHA stays whole";
}

}  // namespace
}  // namespace kanon::canon
