// The §6.2 decision on every fixture of ../shared/argocd and on hand-made
// states for the rules the fixtures do not reach.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fixtures.hpp"
#include "verify/argocd/decide.hpp"

namespace kanon::verify::argocd {
namespace {

using test::fixtures;
using test::IMAGE;
using test::R2;
using test::R3;
using test::slurp;

namespace fs = std::filesystem;

const std::string R0 = "1563496f7ab4cb28b91a02b91e78220908d3ed5a";
const std::string R1 = "e0a4e513c79257ce30f0dcd2dad0c589fe3531c9";

#define REQUIRE_FIXTURES()                                                                     \
    if (!fs::exists(fixtures() / "app-synced-healthy.json")) {                                 \
        GTEST_SKIP() << "../shared/argocd is not beside this checkout; fixture tests skipped"; \
    }

Application fixture(const std::string& name)
{
    auto app = parse_application(slurp(fixtures() / name));
    EXPECT_TRUE(app.ok()) << (app.ok() ? "" : app.error().message);
    return app.ok() ? app.value() : Application{};
}

Decision decide_for(const Application& app, const std::string& target, const std::string& tag = {})
{
    return decide(app, Expectation{accept_exactly(target), tag.empty() ? "" : IMAGE, tag});
}

TEST(ArgoDecide, EveryFixtureAsTheContractSays)
{
    REQUIRE_FIXTURES();
    EXPECT_EQ(decide_for(fixture("app-synced-old-revision.json"), R2).verdict, Verdict::wait_revision);
    EXPECT_EQ(decide_for(fixture("app-outofsync.json"), R3).verdict, Verdict::wait_sync);
    EXPECT_EQ(decide_for(fixture("app-syncing-progressing.json"), R3).verdict, Verdict::wait_operation);
    EXPECT_EQ(decide_for(fixture("app-sync-failed.json"), R3).verdict, Verdict::failed);
    EXPECT_EQ(decide_for(fixture("app-synced-degraded.json"), R2).verdict, Verdict::degraded);
    EXPECT_EQ(decide_for(fixture("app-synced-healthy.json"), R2).verdict, Verdict::success);
}

TEST(ArgoDecide, TheRunbooksSuccessIsNotOurs)
{
    REQUIRE_FIXTURES();
    // Synced + Healthy, which `argocd app wait --sync --health` accepts, but on R0.
    auto app = fixture("app-synced-old-revision.json");
    EXPECT_EQ(app.sync_status, "Synced");
    EXPECT_EQ(app.health_status, "Healthy");
    auto d = decide_for(app, R2);
    EXPECT_EQ(d.verdict, Verdict::wait_revision);
    EXPECT_NE(d.reason.find("1563496"), std::string::npos) << d.reason;
}

TEST(ArgoDecide, AFailedSyncSaysWhyAndWhichResource)
{
    REQUIRE_FIXTURES();
    auto d = decide_for(fixture("app-sync-failed.json"), R3);
    ASSERT_EQ(d.verdict, Verdict::failed);
    EXPECT_NE(d.reason.find("must be less than or equal to cpu limit"), std::string::npos) << d.reason;
    EXPECT_NE(d.reason.find("Deployment/web-synestra-io-prod/web-synestra-io-prod"), std::string::npos) << d.reason;
    // Health still says Healthy (old pods): a wait on health alone would pass.
    EXPECT_EQ(fixture("app-sync-failed.json").health_status, "Healthy");
}

TEST(ArgoDecide, AFailedSyncOfAnotherRevisionIsNotOurs)
{
    REQUIRE_FIXTURES();
    // The failed operation synced R3; waiting for R2 it is not our failure.
    EXPECT_NE(decide_for(fixture("app-sync-failed.json"), R2).verdict, Verdict::failed);
}

TEST(ArgoDecide, TheWatchStreamLineByLine)
{
    REQUIRE_FIXTURES();
    const Verdict expected[] = {Verdict::wait_revision,  Verdict::wait_revision,  Verdict::wait_operation,
                                Verdict::wait_operation, Verdict::wait_operation, Verdict::wait_operation,
                                Verdict::wait_operation, Verdict::wait_stale,     Verdict::wait_health,
                                Verdict::success};
    std::ifstream in(fixtures() / "watch-stream.ndjson");
    std::string line;
    std::size_t i = 0;
    while (std::getline(in, line)) {
        ASSERT_LT(i, std::size(expected));
        auto event = nlohmann::json::parse(line);
        auto app = read_application(event["result"]["application"]);
        ASSERT_TRUE(app.ok()) << "line " << i;
        EXPECT_EQ(decide_for(*app, R2, "c3e8b0f4").verdict, expected[i])
            << "line " << i << ": " << decide_for(*app, R2).reason;
        ++i;
    }
    EXPECT_EQ(i, std::size(expected));
}

TEST(ArgoDecide, ResourceVersionsGrowAlongTheStream)
{
    REQUIRE_FIXTURES();
    std::ifstream in(fixtures() / "watch-stream.ndjson");
    std::string line;
    std::uint64_t last = 0;
    while (std::getline(in, line)) {
        auto app = read_application(nlohmann::json::parse(line)["result"]["application"]);
        ASSERT_TRUE(app.ok());
        EXPECT_GT(app->resource_version, last);
        last = app->resource_version;
    }
}

TEST(ArgoDecide, TheLiveImageMustBeTheTag)
{
    REQUIRE_FIXTURES();
    auto healthy = fixture("app-synced-healthy.json");
    EXPECT_EQ(decide_for(healthy, R2, "c3e8b0f4").verdict, Verdict::success);
    auto d = decide_for(healthy, R2, "5d2a91c7");
    EXPECT_EQ(d.verdict, Verdict::wait_health);
    EXPECT_NE(d.reason.find(IMAGE + ":5d2a91c7"), std::string::npos) << d.reason;
    // Without a known repository the tag alone is checked.
    EXPECT_EQ(decide(healthy, Expectation{accept_exactly(R2), "", "c3e8b0f4"}).verdict, Verdict::success);
    EXPECT_EQ(decide(healthy, Expectation{accept_exactly(R2), "", "5d2a91c7"}).verdict, Verdict::wait_health);
    // No images reported: nothing to check against.
    healthy.images.clear();
    EXPECT_EQ(decide_for(healthy, R2, "5d2a91c7").verdict, Verdict::success);
    // Images of other repositories only (a sidecar): the check does not apply.
    healthy.images = {"docker.io/library/nginx:1.27"};
    EXPECT_EQ(decide_for(healthy, R2, "5d2a91c7").verdict, Verdict::success);
}

TEST(ArgoDecide, RevisionsCompareAsFullLowerCaseShas)
{
    REQUIRE_FIXTURES();
    auto healthy = fixture("app-synced-healthy.json");
    std::string upper = R2;
    for (auto& c : upper) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    EXPECT_EQ(decide_for(healthy, upper).verdict, Verdict::success);
    EXPECT_EQ(decide_for(healthy, R2.substr(0, 7)).verdict, Verdict::wait_revision);
}

TEST(ArgoDecide, SupersededWhenTheStageMovedPastOurTag)
{
    REQUIRE_FIXTURES();
    auto healthy = fixture("app-synced-healthy.json");
    Expectation e{
        [](const std::string&) {
            return Acceptance{Acceptance::superseded, "deploy/env/release-dev/synestra-io.yaml holds 9999 at 96081487"};
        },
        "", ""};
    auto d = decide(healthy, e);
    EXPECT_EQ(d.verdict, Verdict::superseded);
    EXPECT_NE(d.reason.find("holds 9999"), std::string::npos) << d.reason;
}

Application base()
{
    Application a;
    a.name = "web-x-dev";
    a.sync_status = "Synced";
    a.sync_revision = R2;
    a.health_status = "Healthy";
    a.reconciled_at = 100;
    a.has_operation_state = true;
    a.op_phase = "Succeeded";
    a.op_sync_revision = R2;
    a.op_started_at = 90;
    a.op_finished_at = 95;
    return a;
}

TEST(ArgoDecide, RulesInOrder)
{
    auto e = Expectation{accept_exactly(R2), "", ""};
    EXPECT_EQ(decide(base(), e).verdict, Verdict::success);

    auto a = base();
    a.deleting = true;
    EXPECT_EQ(decide(a, e).verdict, Verdict::deleting);

    a = base();
    a.operation = true;  // requested, not started: still in progress
    EXPECT_EQ(decide(a, e).verdict, Verdict::wait_operation);

    a = base();
    a.op_phase = "Terminating";
    EXPECT_EQ(decide(a, e).verdict, Verdict::wait_operation);

    a = base();
    a.op_phase = "Error";
    a.op_message = "boom";
    EXPECT_EQ(decide(a, e).verdict, Verdict::failed);

    a = base();
    a.reconciled_at = 94;  // assessed before the sync finished
    EXPECT_EQ(decide(a, e).verdict, Verdict::wait_stale);
    a.reconciled_at = 95;  // same second passes (1 s resolution)
    EXPECT_EQ(decide(a, e).verdict, Verdict::success);
    a.reconciled_at.reset();
    EXPECT_EQ(decide(a, e).verdict, Verdict::wait_stale);

    a = base();
    a.sync_status = "OutOfSync";
    EXPECT_EQ(decide(a, e).verdict, Verdict::wait_sync);

    for (const char* h : {"Progressing", "Missing", "Suspended", "Unknown"}) {
        a = base();
        a.health_status = h;
        EXPECT_EQ(decide(a, e).verdict, Verdict::wait_health) << h;
    }
    a = base();
    a.health_status = "Degraded";
    EXPECT_EQ(decide(a, e).verdict, Verdict::degraded);
}

TEST(ArgoDecide, NoOperationStateYetIsNotStale)
{
    auto a = base();
    a.has_operation_state = false;
    a.op_phase.clear();
    a.op_finished_at.reset();
    EXPECT_EQ(decide(a, Expectation{accept_exactly(R2), "", ""}).verdict, Verdict::success);
}

TEST(ArgoDecide, RetryBackoffIsStillAnOperation)
{
    // Running with finishedAt set while the operation waits to retry.
    auto a = base();
    a.operation = true;
    a.op_phase = "Running";
    EXPECT_EQ(decide(a, Expectation{accept_exactly(R2), "", ""}).verdict, Verdict::wait_operation);
}

TEST(ArgoDecide, ComparisonErrorKeepsWaitingForTheRevision)
{
    auto a = base();
    a.sync_status = "Unknown";
    a.sync_revision = "main";
    a.conditions.push_back({"ComparisonError", "Failed to load target state: repo down"});
    auto d = decide(a, Expectation{accept_exactly(R2), "", ""});
    EXPECT_EQ(d.verdict, Verdict::wait_revision);
    EXPECT_NE(d.reason.find("ComparisonError"), std::string::npos) << d.reason;
}

TEST(ArgoApplication, MultiSourcePicksTheWebCoreSource)
{
    nlohmann::json body = {
        {"metadata", {{"name", "web-x-dev"}, {"resourceVersion", "42"}}},
        {"spec",
         {{"sources",
           {{{"repoURL", "https://charts.example.com"}, {"targetRevision", "1.2.3"}},
            {{"repoURL", "https://gitlab.example.com/synestra/web-core.git"}, {"targetRevision", "main"}}}}}},
        {"status",
         {{"sync", {{"status", "Synced"}, {"revisions", {"1.2.3", R2}}}},
          {"health", {{"status", "Healthy"}}},
          {"reconciledAt", "2026-08-24T09:02:34Z"}}},
    };
    auto app = read_application(body, "https://gitlab.example.com/synestra/web-core.git");
    ASSERT_TRUE(app.ok());
    EXPECT_EQ(app->sync_revision, R2);
    EXPECT_EQ(app->target_revision, "main");
    EXPECT_EQ(app->resource_version, 42U);
    EXPECT_EQ(decide(*app, Expectation{accept_exactly(R2), "", ""}).verdict, Verdict::success);
    // The same URL without ".git" or with another case still matches.
    app = read_application(body, "https://GitLab.example.com/synestra/web-core");
    ASSERT_TRUE(app.ok());
    EXPECT_EQ(app->sync_revision, R2);
}

TEST(ArgoApplication, NotAnApplicationIsAnError)
{
    EXPECT_FALSE(parse_application("[]").ok());
    EXPECT_FALSE(parse_application("{\"error\":\"x\"}").ok());
    EXPECT_FALSE(parse_application("not json").ok());
    EXPECT_FALSE(parse_application(R"({"metadata":{"name":"x","resourceVersion":"12a"}})").ok());
}

TEST(ArgoApplication, Times)
{
    EXPECT_EQ(parse_time("1970-01-01T00:00:00Z"), Time{0});
    EXPECT_EQ(parse_time("2026-08-24T09:02:33Z"), Time{1787562153});
    EXPECT_EQ(parse_time("2026-08-24T09:02:33.123Z"), Time{1787562153});
    EXPECT_EQ(parse_time("2026-08-24T11:02:33+02:00"), Time{1787562153});
    EXPECT_FALSE(parse_time("yesterday").has_value());
    EXPECT_FALSE(parse_time("2026-13-24T09:02:33Z").has_value());
}

TEST(ArgoDecide, Summary)
{
    REQUIRE_FIXTURES();
    EXPECT_EQ(summarize(fixture("app-syncing-progressing.json")), "Synced @ad3c591 · Progressing · sync Running");
    EXPECT_EQ(summarize(fixture("app-synced-healthy.json")), "Synced @9608148 · Healthy · sync Succeeded");
}

}  // namespace
}  // namespace kanon::verify::argocd
