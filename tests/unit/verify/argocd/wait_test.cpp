// The wait loop against the Argo CD simulator, in-process: timelines that
// pass through the traps of CONTRACT.md §9 and the faults of a real server.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fixtures.hpp"
#include "sandbox/argocd_sim.hpp"
#include "verify/argocd/wait.hpp"

namespace kanon::verify::argocd {
namespace {

using test::fixtures;
using test::IMAGE;
using test::R2;
using test::R3;

namespace fs = std::filesystem;
using std::chrono::milliseconds;

const std::string TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwcm9qOnN5bmVzdHJhOmNpIn0.c2lnbmF0dXJl";

fs::path scenarios()
{
    return fs::path(KANON_SOURCE_DIR) / "tests" / "support" / "argocd";
}

// A simulator running one scenario, and a client for it.
class WaitTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!fs::exists(fixtures() / "app-synced-healthy.json")) {
            GTEST_SKIP() << "../shared/argocd is absent: the wait is tested only with its fixtures";
        }
    }
    void serve_file(const std::string& name) { serve(sandbox::load_scenario(scenarios() / name, fixtures())); }
    void serve_json(const std::string& text) { serve(sandbox::parse_scenario(sandbox::Json::parse(text), fixtures())); }
    void serve(Result<sandbox::Scenario> scenario)
    {
        ASSERT_TRUE(scenario.ok()) << scenario.error().message;
        sim = std::make_unique<sandbox::ArgoSim>(std::move(*scenario), sandbox::SimOptions{0, TOKEN, {}});
        auto st = sim->start();
        ASSERT_TRUE(st.ok()) << st.error().message;
        ServerOptions o;
        o.server = "127.0.0.1:" + std::to_string(sim->port());
        o.plaintext = true;
        o.token = TOKEN;
        client = std::make_unique<Client>(o);
    }
    WaitOptions options(const std::string& app, const std::string& revision, const std::string& tag = {})
    {
        WaitOptions o;
        o.app = app;
        o.project = "synestra";
        o.expect = Expectation{accept_exactly(revision), tag.empty() ? "" : IMAGE, tag};
        o.timeout = std::chrono::seconds(10);
        o.poll = milliseconds(1000);
        o.idle = milliseconds(3000);
        return o;
    }
    std::vector<std::string> verdicts(const WaitResult& r)
    {
        std::vector<std::string> out;
        for (const auto& s : r.steps) {
            if (!s.verdict.empty() && (out.empty() || out.back() != s.verdict)) {
                out.push_back(s.verdict);
            }
        }
        return out;
    }
    int count_requests(const std::string& needle)
    {
        int n = 0;
        for (const auto& line : sim->requests()) {
            n += line.find(needle) != std::string::npos ? 1 : 0;
        }
        return n;
    }

    std::unique_ptr<sandbox::ArgoSim> sim;
    std::unique_ptr<Client> client;
};

TEST_F(WaitTest, OldRevisionFirstThenRefreshThenSuccess)
{
    serve_file("dev-refresh-to-healthy.json");
    auto r = wait_for(*client, options("web-synestra-io-dev", R2, "c3e8b0f4"));
    ASSERT_EQ(r.outcome, WaitOutcome::success) << r.reason;
    auto v = verdicts(r);
    ASSERT_GE(v.size(), 3U);
    EXPECT_EQ(v.front(), "WAIT_REVISION");  // Synced+Healthy on R0: the runbook's wait would have passed here
    EXPECT_EQ(v.back(), "SUCCESS");
    EXPECT_NE(std::find(v.begin(), v.end(), "WAIT_STALE"), v.end()) << "the stale health after the sync was seen";
    EXPECT_GE(count_requests("refresh=normal"), 1);
    ASSERT_TRUE(r.last.has_value());
    EXPECT_EQ(r.last->sync_revision, R2);
}

TEST_F(WaitTest, DegradedFailsAfterTheGracePeriodNotBefore)
{
    serve_file("dev-degraded.json");
    auto o = options("web-synestra-io-dev", R2);
    o.degraded_grace = milliseconds(1500);
    auto r = wait_for(*client, o);
    ASSERT_EQ(r.outcome, WaitOutcome::degraded) << r.reason;
    EXPECT_GE(r.elapsed, milliseconds(1500));
    EXPECT_LT(r.elapsed, milliseconds(6000));
    EXPECT_NE(r.reason.find("Degraded"), std::string::npos) << r.reason;
    EXPECT_EQ(exit_code_of(r.outcome), ExitCode::verify_failed);
}

// Degraded at our revision, assessed after our sync Succeeded: Argo CD's
// final word, so the wait ends in seconds, not after the minute of grace.
TEST_F(WaitTest, DegradedAfterOurSyncFailsWithoutTheGracePeriod)
{
    serve_file("dev-degraded.json");
    auto o = options("web-synestra-io-dev", R2);
    o.timeout = std::chrono::seconds(30);
    o.degraded_grace = std::chrono::seconds(60);
    o.degraded_after_sync = milliseconds(300);
    auto r = wait_for(*client, o);
    ASSERT_EQ(r.outcome, WaitOutcome::degraded) << r.reason;
    EXPECT_GE(r.elapsed, milliseconds(300));
    EXPECT_LT(r.elapsed, milliseconds(10000));
    EXPECT_NE(r.reason.find("progress deadline"), std::string::npos) << r.reason;
}

TEST_F(WaitTest, StaleHealthAfterASyncIsNotSuccessThenDegraded)
{
    // Line 8 of the stream: the sync of R2 Succeeded, health still says
    // Healthy from before it (reconciledAt < finishedAt). Then Degraded.
    serve_json(R"({"apps": [{"timeline": [
        {"ndjson": "watch-stream.ndjson", "from_line": 8, "to_line": 8},
        {"fixture": "app-synced-degraded.json", "after_ms": 600}]}]})");
    auto o = options("web-synestra-io-dev", R2);
    o.degraded_grace = milliseconds(500);
    auto r = wait_for(*client, o);
    ASSERT_EQ(r.outcome, WaitOutcome::degraded) << r.reason;
    auto v = verdicts(r);
    ASSERT_GE(v.size(), 2U);
    EXPECT_EQ(v.front(), "WAIT_STALE");
    EXPECT_EQ(v.back(), "DEGRADED");
    EXPECT_EQ(std::find(v.begin(), v.end(), "SUCCESS"), v.end());
}

TEST_F(WaitTest, AFailedSyncFailsAtOnceWithItsMessage)
{
    serve_file("prod-sync-fails.json");
    auto o = options("web-synestra-io-prod", R3);
    o.sync = true;  // prod waits for an explicit sync (a sync window holds auto-sync back)
    auto r = wait_for(*client, o);
    ASSERT_EQ(r.outcome, WaitOutcome::failed) << r.reason;
    EXPECT_NE(r.reason.find("must be less than or equal to cpu limit"), std::string::npos) << r.reason;
    EXPECT_EQ(count_requests("POST /api/v1/applications/web-synestra-io-prod/sync"), 1);
}

TEST_F(WaitTest, ASyncWindowIsAVerificationFailure)
{
    serve_file("prod-sync-window.json");
    auto o = options("web-synestra-io-prod", R3);
    o.sync = true;
    auto r = wait_for(*client, o);
    ASSERT_EQ(r.outcome, WaitOutcome::failed) << r.reason;
    EXPECT_NE(r.reason.find("sync window"), std::string::npos) << r.reason;
}

TEST_F(WaitTest, SurvivesServerErrorsAndACutStream)
{
    serve_file("dev-flaky-api.json");
    auto r = wait_for(*client, options("web-synestra-io-dev", R2));
    ASSERT_EQ(r.outcome, WaitOutcome::success) << r.reason;
    bool reconnected = false;
    for (const auto& s : r.steps) {
        reconnected = reconnected || s.reason.find("watch ended") != std::string::npos;
    }
    EXPECT_TRUE(reconnected);
}

TEST_F(WaitTest, AHangingRefreshDoesNotHangTheWait)
{
    serve_file("dev-refresh-hangs.json");
    auto o = options("web-synestra-io-dev", R2);
    o.timeout = milliseconds(2000);
    auto start = std::chrono::steady_clock::now();
    auto r = wait_for(*client, o);
    auto took = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(r.outcome, WaitOutcome::timed_out) << r.reason;
    EXPECT_NE(r.reason.find("WAIT_REVISION"), std::string::npos) << r.reason;
    EXPECT_NE(r.reason.find("1563496"), std::string::npos) << "says which revision Argo CD still shows: " << r.reason;
    EXPECT_LT(took, std::chrono::seconds(5));
    EXPECT_EQ(exit_code_of(r.outcome), ExitCode::timed_out);
}

// Nothing listens where Argo CD should be: a few tries, then exit 1 naming
// the server, never a wait to the timeout.
TEST_F(WaitTest, AnUnreachableServerFailsAfterAFewTriesNotAtTheTimeout)
{
    serve_file("dev-degraded.json");
    std::string closed = "127.0.0.1:" + std::to_string(sim->port());
    sim.reset();  // its port is closed now
    ServerOptions so;
    so.server = closed;
    so.plaintext = true;
    so.token = TOKEN;
    Client nowhere(so);
    auto o = options("web-synestra-io-dev", R2);
    o.timeout = std::chrono::seconds(60);
    o.unreachable_tries = 2;
    auto r = wait_for(nowhere, o);
    ASSERT_EQ(r.outcome, WaitOutcome::error) << r.reason;
    EXPECT_EQ(exit_code_of(r.outcome), ExitCode::failed);
    EXPECT_NE(r.reason.find("Argo CD at http://" + closed + " cannot be reached"), std::string::npos) << r.reason;
    EXPECT_LT(r.elapsed, std::chrono::seconds(10));
}

TEST_F(WaitTest, AuthAndMissingAppsFailFastWithoutTheToken)
{
    serve_file("dev-degraded.json");
    ServerOptions bad = client->options();
    bad.token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.d3Jvbmc";
    Client wrong(bad);
    auto r = wait_for(wrong, options("web-synestra-io-dev", R2));
    ASSERT_EQ(r.outcome, WaitOutcome::error);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_NE(r.error->message.find("not authenticated"), std::string::npos) << r.error->message;
    EXPECT_EQ(r.error->message.find(bad.token), std::string::npos);
    EXPECT_NE(r.error->hint.find("ARGOCD_AUTH_TOKEN"), std::string::npos);

    auto missing = wait_for(*client, options("web-nope-dev", R2));
    ASSERT_EQ(missing.outcome, WaitOutcome::error);
    EXPECT_NE(missing.error->message.find("no Application web-nope-dev in project synestra"), std::string::npos)
        << missing.error->message;

    auto o = options("web-nope-dev", R2);
    o.project.clear();
    auto forbidden = wait_for(*client, o);
    ASSERT_EQ(forbidden.outcome, WaitOutcome::error);
    EXPECT_NE(forbidden.error->message.find("permission denied"), std::string::npos);
    EXPECT_NE(forbidden.error->hint.find("does not exist"), std::string::npos) << forbidden.error->hint;
}

TEST_F(WaitTest, SupersededEndsTheWait)
{
    serve_file("dev-refresh-to-healthy.json");
    auto o = options("web-synestra-io-dev", R2);
    o.expect.accept = [](const std::string& rev) {
        if (rev == R2) {
            return Acceptance{Acceptance::superseded, "deploy/env/release-dev/synestra-io.yaml holds another tag"};
        }
        return Acceptance{Acceptance::not_yet, ""};
    };
    auto r = wait_for(*client, o);
    ASSERT_EQ(r.outcome, WaitOutcome::superseded) << r.reason;
    EXPECT_NE(r.reason.find("holds another tag"), std::string::npos);
}

TEST_F(WaitTest, TheWrongLiveImageIsNotSuccess)
{
    serve_file("dev-refresh-to-healthy.json");
    auto o = options("web-synestra-io-dev", R2, "5d2a91c7");  // healthy, but running c3e8b0f4
    o.timeout = milliseconds(2500);
    auto r = wait_for(*client, o);
    ASSERT_EQ(r.outcome, WaitOutcome::timed_out) << r.reason;
    EXPECT_NE(r.reason.find(IMAGE + ":5d2a91c7"), std::string::npos) << r.reason;
}

TEST_F(WaitTest, InterruptedStopsPromptly)
{
    serve_file("dev-refresh-hangs.json");
    auto o = options("web-synestra-io-dev", R2);
    auto start = std::chrono::steady_clock::now();
    o.interrupted = [start] { return std::chrono::steady_clock::now() - start > milliseconds(500); };
    auto r = wait_for(*client, o);
    EXPECT_EQ(r.outcome, WaitOutcome::interrupted);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));  // checked every 100 ms
}

}  // namespace
}  // namespace kanon::verify::argocd
