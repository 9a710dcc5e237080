// `kanon wait --http` against real loopback sites whose answers change while
// the wait runs: the release header moving from the old tag to the new one,
// 5xx then OK, a JSON version document, the tag in the body, and timeouts that
// say what they were still waiting for.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "test_site.hpp"
#include "verify/http/http_wait.hpp"

namespace kanon::verify::http {
namespace {

using namespace std::chrono_literals;
using Source = canon::SiteVersion::Source;
using testing::Reply;
using testing::TestSite;

// A site whose release changes when the test says so.
struct Rollout {
    std::mutex mutex;
    Reply now{200, {{"X-Release", "1.4.0"}}, "<p>running 1.4.0</p>"};
    void set(Reply r)
    {
        std::lock_guard lock(mutex);
        now = std::move(r);
    }
    Reply get()
    {
        std::lock_guard lock(mutex);
        return now;
    }
};

HttpWaitOptions options(const std::string& url, const std::string& tag, canon::SiteVersion how)
{
    HttpWaitOptions o;
    o.url = url;
    o.tag = tag;
    o.version = std::move(how);
    o.timeout = 5s;
    o.poll = 50ms;
    o.fetch.timeout = 1s;
    return o;
}

canon::SiteVersion header(const std::string& name)
{
    return {Source::header, "/", name, ""};
}

TEST(HttpWait, HeaderMovesFromOldTagToNew)
{
    Rollout site_state;
    TestSite site([&](const std::string&) { return site_state.get(); });
    std::vector<HttpWaitStep> seen;
    auto o = options(site.url(), "1.5.0", header("X-Release"));
    o.on_step = [&](const HttpWaitStep& s) { seen.push_back(s); };
    std::thread deploy([&] {
        while (site.requests().size() < 3) {
            std::this_thread::sleep_for(10ms);
        }
        site_state.set(Reply{200, {{"X-Release", "1.5.0"}}, "new"});
    });
    auto r = wait_http(o);
    deploy.join();
    ASSERT_EQ(r.outcome, HttpWaitOutcome::success) << r.reason;
    EXPECT_EQ(exit_code_of(r.outcome), ExitCode::ok);
    EXPECT_EQ(r.version, "1.5.0");
    EXPECT_EQ(r.reason, "runs 1.5.0");
    ASSERT_EQ(seen.size(), 2U);  // one line per change, not per poll
    EXPECT_EQ(seen[0].state, "200 · X-Release 1.4.0");
    EXPECT_EQ(seen[0].verdict, "waiting");
    EXPECT_EQ(seen[0].reason, "runs 1.4.0, not 1.5.0 yet");
    EXPECT_EQ(seen[1].state, "200 · X-Release 1.5.0");
    EXPECT_EQ(seen[1].verdict, "success");
    EXPECT_EQ(seen[0].source, site.url() + "/");
    EXPECT_LE(seen[0].at, seen[1].at);
    EXPECT_EQ(r.steps.size(), 2U);
}

TEST(HttpWait, ServerErrorsThenOk)
{
    std::atomic<int> calls{0};
    TestSite site([&](const std::string&) { return ++calls <= 3 ? Reply{503, {}, "starting"} : Reply{200}; });
    auto r = wait_http(options(site.url(), "", {}));
    ASSERT_EQ(r.outcome, HttpWaitOutcome::success) << r.reason;
    ASSERT_EQ(r.steps.size(), 2U);
    EXPECT_EQ(r.steps[0].state, "503");
    EXPECT_EQ(r.steps[1].state, "200");
    EXPECT_EQ(r.status, 200);
}

TEST(HttpWait, RefusedThenUpIsWaitedFor)
{
    int port = testing::closed_port();
    auto o = options("http://127.0.0.1:" + std::to_string(port), "", {});
    o.timeout = 400ms;
    auto r = wait_http(o);
    EXPECT_EQ(r.outcome, HttpWaitOutcome::timed_out);
    EXPECT_EQ(exit_code_of(r.outcome), ExitCode::timed_out);
    ASSERT_FALSE(r.steps.empty());
    EXPECT_EQ(r.steps[0].state, "connection failed");
    EXPECT_NE(r.reason.find("still waiting for an answer without a 5xx (last: connection failed)"), std::string::npos)
        << r.reason;
}

TEST(HttpWait, TimeoutSaysWhatItWasWaitingFor)
{
    TestSite site([](const std::string&) { return Reply{200, {{"X-Release", "1.4.0"}}, ""}; });
    auto o = options(site.url(), "1.5.0", header("X-Release"));
    o.timeout = 300ms;
    auto start = std::chrono::steady_clock::now();
    auto r = wait_http(o);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
    EXPECT_EQ(r.outcome, HttpWaitOutcome::timed_out);
    EXPECT_EQ(r.reason, "timed out after 300 ms at " + site.url() +
                            "/: still waiting for X-Release to be 1.5.0 (last: 200 · X-Release 1.4.0)");
    EXPECT_EQ(r.version, "1.4.0");
}

TEST(HttpWait, HangingSiteIsBoundedByTheWholeTimeout)
{
    TestSite site([](const std::string&) {
        Reply r;
        r.hang = true;
        return r;
    });
    auto o = options(site.url(), "", {});
    o.timeout = 400ms;
    o.fetch.timeout = 10s;  // the wait's own deadline cuts the request short
    auto start = std::chrono::steady_clock::now();
    auto r = wait_http(o);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
    EXPECT_EQ(r.outcome, HttpWaitOutcome::timed_out);
}

TEST(HttpWait, JsonFieldOnItsOwnPath)
{
    Rollout v;
    v.set(Reply{200, {}, R"({"release": {"tag": "1.4.0"}})"});
    TestSite site([&](const std::string& t) { return t == "/version.json" ? v.get() : Reply{200, {}, "home"}; });
    auto o = options(site.url(), "1.5.0", {Source::json, "/version.json", "", "release.tag"});
    std::thread deploy([&] {
        while (site.requests().size() < 4) {
            std::this_thread::sleep_for(10ms);
        }
        v.set(Reply{200, {}, R"({"release": {"tag": "1.5.0"}})"});
    });
    auto r = wait_http(o);
    deploy.join();
    ASSERT_EQ(r.outcome, HttpWaitOutcome::success) << r.reason;
    EXPECT_EQ(r.steps.front().state, "200 · release.tag 1.4.0");
    EXPECT_EQ(r.steps.back().state, "200 · release.tag 1.5.0");
}

TEST(HttpWait, MissingVersionDocumentIsWaitedFor)
{
    TestSite site([](const std::string& t) { return t == "/version.json" ? Reply{404, {}, "no"} : Reply{200}; });
    auto o = options(site.url(), "1.5.0", {Source::json, "/version.json", "", "release.tag"});
    o.timeout = 200ms;
    auto r = wait_http(o);
    EXPECT_EQ(r.outcome, HttpWaitOutcome::timed_out);
    EXPECT_EQ(r.steps.at(0).state, "200 · /version.json 404");
}

TEST(HttpWait, TagInTheBody)
{
    Rollout site_state;
    TestSite site([&](const std::string&) { return site_state.get(); });
    auto o = options(site.url(), "1.4", {Source::body, "/", "", ""});
    // "1.4.0" does not mention the tag "1.4"; "1.4." at the end of a sentence does.
    std::thread deploy([&] {
        while (site.requests().size() < 3) {
            std::this_thread::sleep_for(10ms);
        }
        site_state.set(Reply{200, {}, "<p>running 1.4.</p>"});
    });
    auto r = wait_http(o);
    deploy.join();
    ASSERT_EQ(r.outcome, HttpWaitOutcome::success) << r.reason;
    EXPECT_EQ(r.steps.front().state, "200 · body of / does not mention 1.4");
    EXPECT_EQ(r.steps.back().state, "200 · body of / mentions 1.4");
}

// The old pods answer 200 as well as the new ones would: an answer proves
// nothing about the release, so the wait never says success.
TEST(HttpWait, WithoutAVersionSourceAnAnswerIsUnverified)
{
    TestSite site([](const std::string&) { return Reply{200, {{"X-Release", "1.4.0"}}, ""}; });
    auto r = wait_http(options(site.url(), "1.5.0", {}));
    ASSERT_EQ(r.outcome, HttpWaitOutcome::unverified) << r.reason;
    EXPECT_NE(r.reason.find("the site does not state the release it runs"), std::string::npos);
}

// With no release asked for, the wait is only for the site to answer.
TEST(HttpWait, WithoutATagAnAnswerIsEnough)
{
    TestSite site([](const std::string&) { return Reply{200, {}, ""}; });
    auto r = wait_http(options(site.url(), "", {}));
    EXPECT_EQ(r.outcome, HttpWaitOutcome::success) << r.reason;
}

TEST(HttpWait, BadUrlIsAnError)
{
    auto r = wait_http(options("dev.example.com", "", {}));
    EXPECT_EQ(r.outcome, HttpWaitOutcome::error);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(exit_code_of(r.outcome), ExitCode::failed);
}

TEST(HttpWait, InterruptEndsTheWait)
{
    TestSite site([](const std::string&) { return Reply{503}; });
    auto o = options(site.url(), "", {});
    std::atomic<int> n{0};
    o.interrupted = [&] { return ++n > 20; };
    auto r = wait_http(o);
    EXPECT_EQ(r.outcome, HttpWaitOutcome::interrupted);
    EXPECT_EQ(exit_code_of(r.outcome), ExitCode::interrupted);
}

TEST(ReadVersion, JsonNumbersAndIndexes)
{
    ::kanon::http::Response a;
    a.body = R"({"builds": [{"tag": 42}], "tag": null})";
    auto v = read_version({Source::json, "/v", "", "builds[0].tag"}, a, "42");
    EXPECT_TRUE(v.found);
    EXPECT_EQ(v.version, "42");
    EXPECT_FALSE(read_version({Source::json, "/v", "", "tag"}, a, "").found);
    EXPECT_EQ(read_version({Source::json, "/v", "", "builds"}, a, "").note, "no builds in /v");
    a.body = "<html>";
    EXPECT_EQ(read_version({Source::json, "/v", "", "tag"}, a, "").note, "/v is not read: it is not JSON");
}

}  // namespace
}  // namespace kanon::verify::http
