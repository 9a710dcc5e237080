// Scenario parsing: timelines, ndjson expansion, merge patches, faults, and
// errors that name the place of the mistake. The scenario files shipped in
// tests/support/argocd must all load.
#include <gtest/gtest.h>

#include "sandbox/argocd_application.hpp"
#include "sandbox/argocd_scenario.hpp"
#include "sim_test_support.hpp"

namespace kanon::sandbox {
namespace {

using namespace testing;

class ArgoSimScenario : public SimTest {
protected:
    static Result<Scenario> parse(const std::string& text)
    {
        return parse_scenario(Json::parse(text), argocd_fixtures());
    }
    static std::string error_of(const std::string& text)
    {
        auto scenario = parse(text);
        return scenario ? std::string("(parsed)") : scenario.error().message;
    }
};

TEST_F(ArgoSimScenario, NdjsonExpandsToOneStatePerLine)
{
    auto scenario = parse(R"({"apps":[{"timeline":[{"fixture":"app-synced-old-revision.json"},
        {"ndjson":"watch-stream.ndjson","on":"refresh","after_ms":5,"every_ms":20}]}]})");
    ASSERT_TRUE(scenario) << scenario.error().message;
    const auto& steps = scenario->apps.at(0).steps;
    ASSERT_EQ(steps.size(), 11U);
    EXPECT_EQ(scenario->apps[0].name, "web-synestra-io-dev");
    EXPECT_EQ(steps[1].on, Trigger::refresh);
    EXPECT_EQ(steps[1].after, Millis(5));
    EXPECT_EQ(steps[2].on, Trigger::none);
    EXPECT_EQ(steps[2].after, Millis(20));
    auto lines = ndjson_lines();
    EXPECT_EQ(steps[10].app.dump(), Json::parse(lines[9])["result"]["application"].dump());
}

TEST_F(ArgoSimScenario, PatchIsAMergePatchOverTheFixture)
{
    auto scenario = parse(R"({"apps":[{"name":"shop","timeline":[{"fixture":"app-synced-healthy.json",
        "patch":{"metadata":{"deletionTimestamp":"2026-08-24T10:00:00Z","finalizers":null},
                 "status":{"sync":{"revision":"abc"}}}}]}]})");
    ASSERT_TRUE(scenario) << scenario.error().message;
    const Json& app = scenario->apps[0].steps[0].app;
    EXPECT_EQ(application::name(app), "shop");
    EXPECT_TRUE(application::is_deleting(app));
    EXPECT_FALSE(app["metadata"].contains("finalizers"));
    EXPECT_EQ(application::compared_revision(app), "abc");
    EXPECT_EQ(app["status"]["sync"]["status"], "Synced");
}

TEST_F(ArgoSimScenario, FaultsAreMergedIntoEachApp)
{
    auto scenario = parse(R"({"faults":{"refresh_hangs":true,"stream_cut_after":2},
        "apps":[{"timeline":[{"fixture":"app-outofsync.json"}],
                 "faults":{"sync_response":{"code":7,"message":"cannot sync: blocked by sync window","count":1},
                           "stream_cut_after":{"after":4,"count":2}}}]})");
    ASSERT_TRUE(scenario) << scenario.error().message;
    const Faults& faults = scenario->apps[0].faults;
    EXPECT_TRUE(*faults.refresh_hangs);
    EXPECT_EQ(faults.stream_cut->after, 4);
    EXPECT_EQ(faults.stream_cut->count, 2);
    EXPECT_EQ(faults.sync_response->status, 403);
    EXPECT_EQ(faults.sync_response->body, error_body("sync_blocked_by_sync_window"));
    EXPECT_EQ(faults.sync_response->count, 1);
}

TEST_F(ArgoSimScenario, AStatusAloneGetsItsGrpcCodeAndStatusText)
{
    auto scenario = parse(R"({"apps":[{"timeline":[{"fixture":"app-outofsync.json"}],
        "faults":{"http_status":{"status":503,"count":2}}}]})");
    ASSERT_TRUE(scenario) << scenario.error().message;
    EXPECT_EQ(scenario->apps[0].faults.get_response->body,
              R"({"error":"Service Unavailable","code":14,"message":"Service Unavailable"})");
}

TEST_F(ArgoSimScenario, MistakesNameTheirPlace)
{
    EXPECT_EQ(
        error_of(R"({"apps":[{"timeline":[{"fixture":"app-outofsync.json"},{"fixture":"app-outofsync.json"}]}]})"),
        "apps[0].timeline[1]: give after_ms or on (when to move to this state)");
    EXPECT_EQ(error_of(R"({"apps":[{"timeline":[{"fixture":"app-outofsync.json","after_ms":1}]}]})"),
              "apps[0].timeline[0]: the first state is published at start and takes no on/after_ms");
    EXPECT_EQ(error_of(R"({"apps":[{"timeline":[{"fixture":"app-outofsync.json"},
        {"fixture":"app-outofsync.json","on":"webhook"}]}]})"),
              "apps[0].timeline[1]: on must be \"refresh\", \"sync\" or \"manual\", not \"webhook\"");
    EXPECT_EQ(error_of(R"({"apps":[{"timeline":[{"fixture":"app-outofsync.json","pach":{}}]}]})"),
              "apps[0].timeline[0]: unknown key \"pach\"");
    EXPECT_EQ(error_of(R"({"apps":[{"timeline":[{"ndjson":"watch-stream.ndjson"}]}]})"),
              "apps[0].timeline[0]: an ndjson step of several lines needs every_ms");
    EXPECT_EQ(error_of(R"({"apps":[{"timeline":[{"fixture":"app-outofsync.json"}],
        "faults":{"http_status":{"count":1}}}]})"),
              "apps[0].faults.http_status: needs a status or a code");
    EXPECT_NE(error_of(R"({"apps":[{"timeline":[{"fixture":"no-such.json"}]}]})").find("apps[0].timeline[0]: "),
              std::string::npos);
}

TEST_F(ArgoSimScenario, SupportScenariosLoad)
{
    int loaded = 0;
    for (const auto& entry : fs::directory_iterator(support_scenarios())) {
        auto scenario = load_scenario(entry.path(), argocd_fixtures());
        EXPECT_TRUE(scenario) << scenario.error().message;
        ++loaded;
    }
    EXPECT_GT(loaded, 0);
}

}  // namespace
}  // namespace kanon::sandbox
