// The build contract (CANON.md §3.1): which refs are refused before any
// network, and how git's answer to a fetch by SHA is read. The fetch itself
// runs against real remotes in tests/e2e/test_pipeline_http.sh.
#include <gtest/gtest.h>

#include "ops/build_contract.hpp"

namespace kanon::ops {
namespace {

TEST(BuildRef, AFull40HexShaIsAccepted)
{
    EXPECT_TRUE(validate_build_ref("0123456789abcdef0123456789abcdef01234567").ok());
    EXPECT_TRUE(validate_build_ref("0123456789ABCDEF0123456789ABCDEF01234567").ok());
}

TEST(BuildRef, AShortShaIsAUsageErrorSayingWhy)
{
    auto st = validate_build_ref("1a2b3c4");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ExitCode::usage);
    EXPECT_EQ(st.error().message,
              "--ref '1a2b3c4' is not a full commit SHA: it is a short SHA (7 of the full 40-hex characters)");
    EXPECT_NE(st.error().hint.find("ambiguous"), std::string::npos) << st.error().hint;
    EXPECT_NE(st.error().hint.find("unreproducible"), std::string::npos) << st.error().hint;
    EXPECT_NE(st.error().hint.find("git rev-parse 1a2b3c4"), std::string::npos) << st.error().hint;
}

TEST(BuildRef, NamesAndOtherLengthsAreUsageErrors)
{
    for (const std::string& bad :
         std::vector<std::string>{"", "main", "v1.4.0", "HEAD~1", std::string(64, 'a'), std::string(41, 'b'),
                                  "0123456789abcdef0123456789abcdef0123456g"}) {
        auto st = validate_build_ref(bad);
        ASSERT_FALSE(st.ok()) << bad;
        EXPECT_EQ(st.error().code, ExitCode::usage) << bad;
    }
    auto st = validate_build_ref("a\nb", "WEB_CORE_REF");
    EXPECT_EQ(st.error().message, "WEB_CORE_REF 'a?b' is not a full commit SHA (the full 40-hex characters)");
}

TEST(ShaFetch, SuccessIsFound)
{
    EXPECT_EQ(classify_sha_fetch(0, ""), ShaFetch::found);
}

TEST(ShaFetch, NotOurRefIsAbsent)
{
    // file:// (both lines) and smart HTTP (the remote error only), protocol v2.
    EXPECT_EQ(classify_sha_fetch(128,
                                 "fatal: remote error: upload-pack: not our ref 0123\n"
                                 "fatal: git upload-pack: not our ref 0123\n"),
              ShaFetch::absent);
    EXPECT_EQ(classify_sha_fetch(128,
                                 "warning: filtering not recognized by server, ignoring\n"
                                 "fatal: remote error: upload-pack: not our ref 0123\n"),
              ShaFetch::absent);
}

TEST(ShaFetch, AV0ServerCannotTell)
{
    EXPECT_EQ(classify_sha_fetch(1, "error: Server does not allow request for unadvertised object 0123\n"),
              ShaFetch::unadvertised);
}

TEST(ShaFetch, NetworkAndAccessProblemsAreFailuresNotVerdicts)
{
    EXPECT_EQ(classify_sha_fetch(128,
                                 "fatal: unable to access 'http://127.0.0.1:9/web.git/': Failed to connect to "
                                 "127.0.0.1 port 9: Connection refused\n"),
              ShaFetch::failed);
    EXPECT_EQ(classify_sha_fetch(128, "fatal: '/srv/nope.git' does not appear to be a git repository\n"),
              ShaFetch::failed);
    EXPECT_EQ(classify_sha_fetch(128, "remote: HTTP Basic: Access denied\nfatal: Authentication failed\n"),
              ShaFetch::failed);
}

}  // namespace
}  // namespace kanon::ops
