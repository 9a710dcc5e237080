// URLs as kanon hands them to git.
#include <gtest/gtest.h>

#include "gitops/git.hpp"

namespace kanon::gitops {
namespace {

TEST(WithoutUserinfo, DropsUserAndPasswordOnly)
{
    EXPECT_EQ(without_userinfo("https://bot:s3cret@gitlab.example.com/web/core.git"),
              "https://gitlab.example.com/web/core.git");
    EXPECT_EQ(without_userinfo("https://oauth2@h:8443/x.git"), "https://h:8443/x.git");
    EXPECT_EQ(without_userinfo("http://u:p@ss@h"), "http://h");             // the last '@' ends the userinfo
    EXPECT_EQ(without_userinfo("https://h/x@y.git"), "https://h/x@y.git");  // an '@' in the path stays
    EXPECT_EQ(without_userinfo("file:///srv/web-core.git"), "file:///srv/web-core.git");
    EXPECT_EQ(without_userinfo("git@gitlab.example.com:web/core.git"), "git@gitlab.example.com:web/core.git");
}

}  // namespace
}  // namespace kanon::gitops
