#include <gtest/gtest.h>

#include "util/redact.hpp"

namespace kanon {
namespace {

TEST(Redact, RemovesUserinfoFromEveryUrl)
{
    EXPECT_EQ(redact_urls("fatal: unable to access 'https://oauth2:glpat-SECRET@gitlab.com/a/b.git/': 403"),
              "fatal: unable to access 'https://***@gitlab.com/a/b.git/': 403");
    EXPECT_EQ(redact_urls("http://u:p@h:1/x and ssh://git@h/y"), "http://***@h:1/x and ssh://***@h/y");
    EXPECT_EQ(redact_urls("https://host/path?q=a@b"), "https://host/path?q=a@b");
    EXPECT_EQ(redact_urls("no url here"), "no url here");
    EXPECT_EQ(redact_urls("https://p@ss:w@rd@h/x"), "https://***@h/x");
    EXPECT_EQ(redact_urls("git clone of http://u:pa?ss#w@127.0.0.1:1/x.git failed"),
              "git clone of http://***@127.0.0.1:1/x.git failed");
}

}  // namespace
}  // namespace kanon
