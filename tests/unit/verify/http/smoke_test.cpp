// The smoke check against real loopback sites: redirects followed hop by hop
// (to /admin/login, to another host), loops and long chains caught, 5xx,
// hanging servers, refused connections (retried, then judged), TLS with a
// self-signed certificate, and the per-path expectations of kanon.yaml.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "test_site.hpp"
#include "util/http.hpp"
#include "verify/http/smoke.hpp"

namespace kanon::verify::http {
namespace {

using namespace std::chrono_literals;
using testing::redirect;
using testing::Reply;
using testing::TestSite;

FetchOptions fast()
{
    FetchOptions o;
    o.timeout = 2s;
    o.retry_delay = 20ms;
    return o;
}

SmokeReport run(const std::string& url, std::vector<std::string> paths, FetchOptions fo = fast(),
                std::map<std::string, canon::SmokeExpect, std::less<>> expect = {})
{
    SmokeOptions o;
    o.base_url = url;
    o.paths = std::move(paths);
    o.fetch = std::move(fo);
    o.expect = std::move(expect);
    return smoke(o);
}

// A site like the canon's web app: / answers, /admin sends to its login page.
Reply web_app(const std::string& target)
{
    if (target == "/") {
        return Reply{200, {{"X-Release", "1.4.0"}}, "<h1>welcome</h1>"};
    }
    if (target == "/admin") {
        return redirect(302, "/admin/login");
    }
    if (target == "/admin/login") {
        return Reply{200, {}, "<form>login</form>"};
    }
    return Reply{404, {}, "not found"};
}

TEST(Smoke, OkSitePassesEveryPath)
{
    TestSite site(web_app);
    auto r = run(site.url(), {"/", "/admin"});
    ASSERT_TRUE(r.ok()) << r.reason;
    EXPECT_EQ(exit_code_of(r.outcome), ExitCode::ok);
    ASSERT_EQ(r.checks.size(), 2U);
    EXPECT_EQ(r.checks[0].status, 200);
    EXPECT_EQ(r.checks[0].hops.size(), 1U);
    EXPECT_EQ(r.checks[0].final_url, site.url() + "/");
    EXPECT_EQ(r.reason, "2 of 2 paths passed at " + site.url());
}

TEST(Smoke, AdminRedirectToLoginIsFollowedHopByHop)
{
    TestSite site(web_app);
    auto r = run(site.url(), {"/admin"});
    ASSERT_TRUE(r.ok()) << r.reason;
    const auto& c = r.checks[0];
    ASSERT_EQ(c.hops.size(), 2U);
    EXPECT_EQ(c.hops[0].url, site.url() + "/admin");
    EXPECT_EQ(c.hops[0].status, 302);
    EXPECT_EQ(c.hops[0].location, site.url() + "/admin/login");
    EXPECT_EQ(c.hops[1].status, 200);
    EXPECT_EQ(c.final_url, site.url() + "/admin/login");
    EXPECT_EQ(c.status, 200);
    EXPECT_EQ(c.reason, "answered 200 after 1 redirect");
    EXPECT_EQ(site.requests(), (std::vector<std::string>{"/admin", "/admin/login"}));
}

TEST(Smoke, RedirectToAnotherHostIsFollowed)
{
    TestSite login([](const std::string&) { return Reply{200, {}, "sso"}; });
    std::string sso = login.url() + "/sso";
    TestSite site([&](const std::string&) { return redirect(302, sso); });
    auto r = run(site.url(), {"/admin"});
    ASSERT_TRUE(r.ok()) << r.reason;
    EXPECT_EQ(r.checks[0].final_url, sso);
    EXPECT_EQ(login.requests(), (std::vector<std::string>{"/sso"}));
}

// A site that sends kanon to the cloud's metadata service would have a CI
// job's smoke check fetch (and print) the instance's credentials.
TEST(Smoke, RedirectToALinkLocalAddressFailsWithoutARequest)
{
    for (std::string target : {"http://169.254.169.254/latest/meta-data/", "http://2852039166/", "http://[fe80::1]/",
                               "http://user@169.254.1.2:8080/x", "http://[::ffff:169.254.169.254]/"}) {
        TestSite site([&](const std::string&) { return redirect(302, target); });
        auto r = run(site.url(), {"/"});
        ASSERT_FALSE(r.ok()) << target;
        EXPECT_EQ(exit_code_of(r.outcome), ExitCode::verify_failed);
        EXPECT_NE(r.checks[0].reason.find("link-local address"), std::string::npos) << r.checks[0].reason;
        EXPECT_EQ(r.checks[0].hops.size(), 1U) << "no request was sent to " << target;
    }
}

TEST(Smoke, LinkLocalAddressesAreKnownInEveryForm)
{
    for (const char* a : {"169.254.169.254", "169.254.0.1", "2852039166", "0251.0376.0251.0376", "fe80::1",
                          "[fe80::abcd]", "febf::1", "::ffff:169.254.169.254"}) {
        EXPECT_TRUE(::kanon::http::is_link_local(a)) << a;
    }
    for (const char* a : {"127.0.0.1", "10.0.0.1", "169.253.255.255", "169.255.0.1", "::1", "fec0::1", "example.com",
                          "", "localhost"}) {
        EXPECT_FALSE(::kanon::http::is_link_local(a)) << a;
    }
}

TEST(Smoke, RedirectLoopFailsTheSecondTimeAUrlComesUp)
{
    TestSite site(
        [](const std::string& t) { return t == "/admin" ? redirect(302, "/admin/login") : redirect(302, "/admin"); });
    auto r = run(site.url(), {"/admin"});
    EXPECT_EQ(r.outcome, SmokeOutcome::failed);
    EXPECT_EQ(exit_code_of(r.outcome), ExitCode::verify_failed);
    const auto& c = r.checks[0];
    EXPECT_FALSE(c.ok);
    EXPECT_EQ(c.hops.size(), 2U);
    EXPECT_EQ(c.reason,
              "redirect loop: " + site.url() + "/admin -> " + site.url() + "/admin/login -> " + site.url() + "/admin");
    EXPECT_EQ(site.requests().size(), 2U);  // the loop is seen before the third request
}

TEST(Smoke, ServerErrorFails)
{
    TestSite site([](const std::string& t) { return t == "/" ? Reply{200} : Reply{500, {}, "boom"}; });
    auto r = run(site.url(), {"/", "/admin"});
    EXPECT_EQ(r.outcome, SmokeOutcome::failed);
    EXPECT_TRUE(r.checks[0].ok);
    EXPECT_FALSE(r.checks[1].ok);
    EXPECT_EQ(r.checks[1].status, 500);
    EXPECT_EQ(r.checks[1].reason, "answered 500");
    EXPECT_EQ(r.reason, "1 of 2 paths failed: /admin (answered 500)");
}

TEST(Smoke, ServerErrorAtTheEndOfARedirectFails)
{
    TestSite site([](const std::string& t) { return t == "/admin" ? redirect(301, "/admin/") : Reply{503}; });
    auto r = run(site.url(), {"/admin"});
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.checks[0].reason, "answered 503 after 1 redirect");
}

TEST(Smoke, ClientErrorsPassUnlessStatusesAreListed)
{
    TestSite site([](const std::string&) { return Reply{401, {}, "who are you"}; });
    EXPECT_TRUE(run(site.url(), {"/admin"}).ok());
    canon::SmokeExpect strict;
    strict.statuses = {200, 302};
    auto r = run(site.url(), {"/admin"}, fast(), {{"/admin", strict}});
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.checks[0].reason, "answered 401, expected 200, 302");
}

TEST(Smoke, TenRedirectsPassElevenFail)
{
    // /hop/N redirects to /hop/N+1 until /hop/LIMIT answers.
    auto chain = [](int limit) {
        return [limit](const std::string& t) {
            int n = std::stoi(t.substr(5));
            return n >= limit ? Reply{200} : redirect(302, "/hop/" + std::to_string(n + 1));
        };
    };
    TestSite ten(chain(10));
    auto ok = run(ten.url(), {"/hop/0"});
    ASSERT_TRUE(ok.ok()) << ok.reason;
    EXPECT_EQ(ok.checks[0].hops.size(), 11U);
    EXPECT_EQ(ok.checks[0].reason, "answered 200 after 10 redirects");

    TestSite eleven(chain(11));
    auto bad = run(eleven.url(), {"/hop/0"});
    EXPECT_FALSE(bad.ok());
    EXPECT_EQ(bad.checks[0].reason, "more than 10 redirects (redirect 11 points to " + eleven.url() + "/hop/11)");
    EXPECT_EQ(eleven.requests().size(), 11U);
}

TEST(Smoke, HangingServerTimesOutWithinThePerRequestTimeout)
{
    TestSite site([](const std::string&) {
        Reply r;
        r.hang = true;
        return r;
    });
    FetchOptions fo = fast();
    fo.timeout = 400ms;
    auto start = std::chrono::steady_clock::now();
    auto r = run(site.url(), {"/"}, fo);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_FALSE(r.ok());
    EXPECT_LT(took, 1500ms);  // not retried: it accepted, and said nothing
    const auto& c = r.checks[0];
    EXPECT_EQ(c.status, 0);
    EXPECT_EQ(c.hops.at(0).tries, 1);
    EXPECT_EQ(c.reason.rfind("no answer within 400 ms", 0), 0U) << c.reason;
    EXPECT_EQ(site.requests().size(), 1U);
}

TEST(Smoke, RefusedConnectionIsRetriedThenFails)
{
    std::string url = "http://127.0.0.1:" + std::to_string(testing::closed_port());
    std::vector<std::string> notes;
    FetchOptions fo = fast();
    fo.on_retry = [&](const std::string& n) { notes.push_back(n); };
    auto r = run(url, {"/"}, fo);
    EXPECT_FALSE(r.ok());
    const auto& c = r.checks[0];
    EXPECT_EQ(c.hops.at(0).tries, 3);
    EXPECT_EQ(c.reason.rfind("connection failed: ", 0), 0U) << c.reason;
    EXPECT_NE(c.reason.find("(tried 3 times)"), std::string::npos) << c.reason;
    ASSERT_EQ(notes.size(), 2U);
    EXPECT_NE(notes[0].find("trying again (2/3)"), std::string::npos) << notes[0];
}

TEST(Smoke, ConnectionClosedWithoutAnswerIsRetriedAndCanRecover)
{
    std::atomic<int> calls{0};
    TestSite site([&](const std::string&) {
        Reply r;
        r.close = ++calls == 1;  // the first connection is cut, the second answers
        return r;
    });
    auto r = run(site.url(), {"/"});
    ASSERT_TRUE(r.ok()) << r.reason;
    EXPECT_EQ(r.checks[0].hops.at(0).tries, 2);
}

TEST(Smoke, BodyAndHeaderExpectations)
{
    TestSite site(web_app);
    canon::SmokeExpect body;
    body.body = "welcome";
    canon::SmokeExpect header;
    header.header = "x-release";
    header.header_value = "1.4.0";
    auto ok =
        run(site.url(), {"/", "/admin"}, fast(), {{"/", body}, {"/admin", canon::SmokeExpect{{200}, "login", "", {}}}});
    EXPECT_TRUE(ok.ok()) << ok.reason;
    EXPECT_TRUE(run(site.url(), {"/"}, fast(), {{"/", header}}).ok());

    canon::SmokeExpect missing_body;
    missing_body.body = "dashboard";
    auto r1 = run(site.url(), {"/"}, fast(), {{"/", missing_body}});
    EXPECT_EQ(r1.checks[0].reason, "the body does not contain \"dashboard\"");

    canon::SmokeExpect wrong_value;
    wrong_value.header = "X-Release";
    wrong_value.header_value = "1.5.0";
    auto r2 = run(site.url(), {"/"}, fast(), {{"/", wrong_value}});
    EXPECT_EQ(r2.checks[0].reason, "X-Release is \"1.4.0\", expected \"1.5.0\"");

    canon::SmokeExpect absent;
    absent.header = "X-Frame-Options";
    auto r3 = run(site.url(), {"/admin"}, fast(), {{"/admin", absent}});
    EXPECT_EQ(r3.checks[0].reason, "no X-Frame-Options header after 1 redirect");
}

TEST(Smoke, BodyIsReadOnlyUpToTheCap)
{
    std::string big(3 << 20, 'x');
    big += "needle";
    TestSite site([&](const std::string&) { return Reply{200, {}, big}; });
    canon::SmokeExpect e;
    e.body = "needle";
    FetchOptions fo = fast();
    auto r = run(site.url(), {"/"}, fo, {{"/", e}});
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.checks[0].status, 200);
    EXPECT_EQ(r.checks[0].reason, "the body does not contain \"needle\" (in its first 1048576 bytes)");
    EXPECT_TRUE(run(site.url(), {"/"}, fo).ok());  // without a body check, a big page is fine
}

class SmokeTls : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_dir =
            std::filesystem::temp_directory_path() / ("kanon-smoke-tls-" + std::to_string(::getpid()) + "-" +
                                                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(m_dir);
        m_cert = testing::make_certificate(m_dir, "site");
    }
    void TearDown() override { std::filesystem::remove_all(m_dir); }

    std::filesystem::path m_dir;
    testing::Certificate m_cert;
};

TEST_F(SmokeTls, SelfSignedIsRefusedByDefault)
{
    testing::TlsSite site(m_cert);
    ASSERT_TRUE(site.ready());
    auto r = run(site.url(), {"/"});
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.checks[0].reason.rfind("TLS failure: ", 0), 0U) << r.checks[0].reason;
    EXPECT_EQ(r.checks[0].hops.at(0).tries, 1);  // not a transient failure
}

TEST_F(SmokeTls, InsecureAcceptsIt)
{
    testing::TlsSite site(m_cert);
    ASSERT_TRUE(site.ready());
    FetchOptions fo = fast();
    fo.tls.verify = false;
    auto r = run(site.url(), {"/"}, fo);
    EXPECT_TRUE(r.ok()) << r.reason;
    EXPECT_EQ(r.checks[0].status, 200);
}

TEST_F(SmokeTls, TheRightCaAcceptsItAnotherDoesNot)
{
    testing::TlsSite site(m_cert);
    ASSERT_TRUE(site.ready());
    FetchOptions fo = fast();
    fo.tls.ca_file = m_cert.cert;
    auto r = run(site.url(), {"/"}, fo);
    EXPECT_TRUE(r.ok()) << r.reason;

    auto other = testing::make_certificate(m_dir, "other");
    fo.tls.ca_file = other.cert;
    auto bad = run(site.url(), {"/"}, fo);
    EXPECT_FALSE(bad.ok());
    EXPECT_EQ(bad.checks[0].reason.rfind("TLS failure: ", 0), 0U) << bad.checks[0].reason;
}

TEST(Smoke, InterruptStopsBeforeTheNextRequest)
{
    TestSite site(web_app);
    FetchOptions fo = fast();
    fo.interrupted = [] { return true; };
    auto r = run(site.url(), {"/", "/admin"}, fo);
    EXPECT_EQ(r.outcome, SmokeOutcome::interrupted);
    EXPECT_EQ(exit_code_of(r.outcome), ExitCode::interrupted);
    EXPECT_TRUE(site.requests().empty());
}

TEST(SiteUrl, OnlyHttpAndHttpsWithAHost)
{
    EXPECT_TRUE(check_site_url("https://dev.example.com", "--url"));
    EXPECT_TRUE(check_site_url("http://127.0.0.1:8080/prefix", "--url"));
    for (const char* bad : {"dev.example.com", "ftp://x", "https://", "https:///x", "http://a b", ""}) {
        auto st = check_site_url(bad, "--url");
        ASSERT_FALSE(st) << bad;
        EXPECT_EQ(st.error().code, ExitCode::usage);
    }
}

TEST(JoinUrl, OneSlashBetween)
{
    EXPECT_EQ(join_url("http://h:1", "/admin"), "http://h:1/admin");
    EXPECT_EQ(join_url("http://h:1/", "/admin"), "http://h:1/admin");
    EXPECT_EQ(join_url("http://h:1/app", "/"), "http://h:1/app/");
}

}  // namespace
}  // namespace kanon::verify::http
