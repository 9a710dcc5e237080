// The simulator's unary endpoints over real HTTP: Get (fixtures, RBAC-shaped
// 403/404, tokens), refresh (blocking, deadlines, hangs), Sync (operation,
// refusals, 415), faults, timed timelines and the request log.
#include <gtest/gtest.h>

#include <thread>

#include "sim_test_support.hpp"

namespace kanon::sandbox {
namespace {

using namespace testing;

const std::string k_r3 = "ad3c59132fecb1bfafc858b683a57824a477c334";

class ArgoSimRest : public SimTest {
protected:
    // Polls a GET until `done(body)`, for states the timeline publishes.
    bool get_until(const std::string& path, const std::function<bool(const std::string&)>& done,
                   milliseconds limit = milliseconds(2000))
    {
        auto until = Clock::now() + limit;
        while (Clock::now() < until) {
            if (done(http(url(path)).body)) {
                return true;
            }
            std::this_thread::sleep_for(milliseconds(10));
        }
        return false;
    }
    bool get_equals(const std::string& path, const std::string& body)
    {
        return get_until(path, [&](const std::string& got) { return got == body; });
    }
    bool logged(const std::string& line, milliseconds limit = milliseconds(2000))
    {
        auto until = Clock::now() + limit;
        while (count_of(sim().requests(), line) == 0) {
            if (Clock::now() >= until) {
                return false;
            }
            std::this_thread::sleep_for(milliseconds(10));
        }
        return true;
    }
};

const char* const k_all_fixtures = R"({"apps":[
  {"timeline":[{"fixture":"app-synced-old-revision.json"},
               {"fixture":"app-synced-healthy.json","on":"manual"},
               {"fixture":"app-synced-degraded.json","on":"manual"}]},
  {"timeline":[{"fixture":"app-outofsync.json"},
               {"fixture":"app-syncing-progressing.json","on":"manual"},
               {"fixture":"app-sync-failed.json","on":"manual"}]}]})";

TEST_F(ArgoSimRest, GetServesEveryFixtureStateByteForByte)
{
    start(k_all_fixtures);
    const std::pair<std::string, std::vector<std::string>> apps[] = {
        {k_dev, {"app-synced-old-revision.json", "app-synced-healthy.json", "app-synced-degraded.json"}},
        {k_prod, {"app-outofsync.json", "app-syncing-progressing.json", "app-sync-failed.json"}},
    };
    for (const auto& [name, fixtures] : apps) {
        for (std::size_t i = 0; i < fixtures.size(); ++i) {
            if (i > 0) {
                ASSERT_TRUE(sim().advance(name));
            }
            EXPECT_TRUE(get_equals("/api/v1/applications/" + name, compact_fixture(fixtures[i]))) << fixtures[i];
        }
    }
    auto reply = http(url(k_dev_path + "?project=synestra&appNamespace=argocd"));
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.content_type, "application/json");
}

TEST_F(ArgoSimRest, MissingAppIs403WithoutProjectAnd404WithIt)
{
    start(k_all_fixtures);
    auto without = http(url("/api/v1/applications/does-not-exist"));
    EXPECT_EQ(without.status, 403);
    EXPECT_EQ(without.body, error_body("get_missing_app_without_project"));
    auto with = http(url("/api/v1/applications/does-not-exist?project=synestra"));
    EXPECT_EQ(with.status, 404);
    EXPECT_EQ(with.body, error_body("get_missing_app_with_project"));
    auto other_project = http(url(k_dev_path + "?project=payments"));
    EXPECT_EQ(other_project.status, 404);
    EXPECT_EQ(other_project.body, R"({"error":"applications.argoproj.io \"web-synestra-io-dev\" not found","code":5,)"
                                  R"("message":"applications.argoproj.io \"web-synestra-io-dev\" not found"})");
    EXPECT_EQ(http(url(k_dev_path + "?appNamespace=team-a")).status, 403);
    EXPECT_EQ(http(url(k_dev_path + "?project=a&project=b")).status, 400);
}

TEST_F(ArgoSimRest, TokensAreCheckedLikeArgocdServerAndNeverLogged)
{
    const std::string token = "eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl";
    start(k_all_fixtures, {.port = 0, .token = token, .log = {}});
    auto none = http(url(k_dev_path));
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(none.body, error_body("no_or_malformed_token"));
    EXPECT_EQ(http(url(k_dev_path), {"Authorization: Bearer opaque-token"}).body, error_body("no_or_malformed_token"));
    auto wrong = http(url(k_dev_path), {"Authorization: Bearer a.b.c"});
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(wrong.body, R"({"error":"invalid session: token signature is invalid","code":16,)"
                          R"("message":"invalid session: token signature is invalid"})");
    EXPECT_EQ(http(url(k_dev_path), {"Authorization: Bearer " + token}).status, 200);
    auto stream = http(url("/api/v1/stream/applications?name=" + k_dev));
    EXPECT_EQ(stream.status, 401);
    EXPECT_EQ(stream.content_type, "application/json");
    EXPECT_EQ(stream.body, error_body("watch_bad_token"));
    auto sync = http_post(url(k_prod_path + "/sync"), "{}");
    EXPECT_EQ(sync.status, 401);
    for (const auto& line : sim().requests()) {
        EXPECT_EQ(line.find(token), std::string::npos) << line;
    }
}

TEST_F(ArgoSimRest, UnknownRouteIsAPlainNotFound)
{
    start(k_all_fixtures);
    auto reply = http(url("/api/v1/nothing/here"));
    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(reply.body, "Not Found\n");
    EXPECT_EQ(reply.content_type, "text/plain; charset=utf-8");
    EXPECT_EQ(http_post(url(k_dev_path + "/rollback"), "{}").status, 404);
}

// ---- refresh ---------------------------------------------------------------

TEST_F(ArgoSimRest, RefreshBlocksUntilTheNextStateAndReturnsIt)
{
    start(R"({"apps":[{"timeline":[{"fixture":"app-synced-old-revision.json"},
        {"fixture":"app-synced-healthy.json","on":"refresh","after_ms":200}]}]})");
    HttpStream watch(url("/api/v1/stream/applications?name=" + k_dev), {});
    ASSERT_TRUE(watch.read_lines(1));
    auto reply = http(url(k_dev_path + "?refresh=normal&project=synestra"), {"Grpc-Timeout: 5S"});
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body, compact_fixture("app-synced-healthy.json"));
    EXPECT_GE(reply.took, milliseconds(190));
    ASSERT_TRUE(watch.read_lines(3));
    auto events = split_lines(watch.body());
    auto marked = Json::parse(events[1])["result"];
    EXPECT_EQ(marked["type"], "MODIFIED");
    EXPECT_EQ(marked["application"]["metadata"]["annotations"]["argocd.argoproj.io/refresh"], "normal");
    EXPECT_EQ(marked["application"]["metadata"]["resourceVersion"], "48213378");
    EXPECT_EQ(events[2],
              R"({"result":{"type":"MODIFIED","application":)" + compact_fixture("app-synced-healthy.json") + "}}");
    EXPECT_EQ(count_of(sim().requests(), "GET " + k_dev_path + "?refresh=normal&project=synestra 200"), 1U);
}

TEST_F(ArgoSimRest, RefreshOfAnIdleAppIsConsumedByTheController)
{
    start(R"({"apps":[{"timeline":[{"fixture":"app-synced-healthy.json"}]}]})");
    auto reply = http(url(k_dev_path + "?refresh=hard"), {"Grpc-Timeout: 5S"});
    ASSERT_EQ(reply.status, 200);
    Json app = Json::parse(reply.body);
    EXPECT_EQ(app["metadata"]["resourceVersion"], "48213504");  // marked (…503), then unmarked
    EXPECT_FALSE(app["metadata"]["annotations"].contains("argocd.argoproj.io/refresh"));
}

TEST_F(ArgoSimRest, RefreshThatHangsAnswers504AtTheGrpcTimeout)
{
    // refresh_ms null: the controller never removes the annotation either.
    start(R"({"faults":{"refresh_hangs":true},
              "apps":[{"refresh_ms":null,"timeline":[{"fixture":"app-synced-old-revision.json"}]}]})");
    auto reply = http(url(k_dev_path + "?refresh=normal"), {"Grpc-Timeout: 300m"});
    EXPECT_EQ(reply.status, 504);
    EXPECT_EQ(reply.body, error_body("get_refresh_deadline_eg"));
    EXPECT_GE(reply.took, milliseconds(290));
    EXPECT_LT(reply.took, milliseconds(2000));
    // The annotation stays: the refresh request is still pending.
    EXPECT_NE(http(url(k_dev_path)).body.find("argocd.argoproj.io/refresh"), std::string::npos);
}

TEST_F(ArgoSimRest, RefreshWithoutADeadlineEndsWhenTheClientLeavesOrAtTheCap)
{
    start(R"({"hang_cap_ms":400,"faults":{"refresh_hangs":true},
              "apps":[{"timeline":[{"fixture":"app-synced-old-revision.json"}]}]})");
    auto gave_up = http(url(k_dev_path + "?refresh=normal"), {}, nullptr, 150);
    EXPECT_EQ(gave_up.result, CURLE_OPERATION_TIMEDOUT);
    EXPECT_TRUE(logged("GET " + k_dev_path + "?refresh=normal 499", milliseconds(350)));
    auto capped = http(url(k_dev_path + "?refresh=1"));
    EXPECT_EQ(capped.status, 500);
    EXPECT_EQ(capped.body, R"({"error":"application refresh deadline exceeded","code":2,)"
                           R"("message":"application refresh deadline exceeded"})");
    EXPECT_EQ(http(url(k_dev_path + "?refresh=normal"), {"Grpc-Timeout: soon"}).status, 400);
}

// ---- sync ------------------------------------------------------------------

const char* const k_prod_sync = R"({"apps":[{"timeline":[{"fixture":"app-outofsync.json"},
    {"fixture":"app-syncing-progressing.json","on":"sync","after_ms":50}]}]})";
const std::string k_sync_body =
    R"({"name":"web-synestra-io-prod","appNamespace":"argocd","project":"synestra","prune":false,)"
    R"("dryRun":false,"strategy":{"hook":{}}})";

TEST_F(ArgoSimRest, SyncSetsTheOperationAndFiresTheTimeline)
{
    start(k_prod_sync);
    auto reply = http_post(url(k_prod_path + "/sync"), k_sync_body);
    ASSERT_EQ(reply.status, 200) << reply.body;
    Json app = Json::parse(reply.body);
    EXPECT_EQ(app["operation"]["sync"]["revision"], k_r3);
    EXPECT_EQ(app["operation"]["sync"]["syncStrategy"], Json::parse(R"({"hook":{}})"));
    EXPECT_EQ(app["operation"]["initiatedBy"]["username"], "proj:synestra:ci");
    EXPECT_EQ(app["operation"]["retry"], Json::object());
    EXPECT_FALSE(app["status"].contains("operationState"));
    EXPECT_EQ(std::prev(app.end()).key(), "operation");
    EXPECT_TRUE(get_equals(k_prod_path, compact_fixture("app-syncing-progressing.json")));
    EXPECT_EQ(count_of(sim().requests(), "POST " + k_prod_path + "/sync 200"), 1U);
}

TEST_F(ArgoSimRest, SyncRefusalsAreTheBytesOfErrorBodies)
{
    start(k_prod_sync);
    auto wrong_type = http_post(url(k_prod_path + "/sync"), "{}", {"Content-Type: application/json; charset=utf-8"});
    EXPECT_EQ(wrong_type.status, 415);
    EXPECT_EQ(wrong_type.body, error_body("post_with_wrong_content_type"));
    EXPECT_EQ(wrong_type.content_type, "text/plain; charset=utf-8");
    auto pinned = http_post(url(k_prod_path + "/sync"), R"({"revision":")" + k_r3 + R"("})");
    EXPECT_EQ(pinned.status, 400);
    EXPECT_EQ(pinned.body, error_body("sync_revision_on_autosync_app"));
    auto bad_json = http_post(url(k_prod_path + "/sync"), "{nope");
    EXPECT_EQ(bad_json.status, 400);
    EXPECT_EQ(Json::parse(bad_json.body)["code"], 3);
    auto bad_type = http_post(url(k_prod_path + "/sync"), R"({"prune":"yes"})");
    EXPECT_EQ(Json::parse(bad_type.body)["message"],
              "json: cannot unmarshal string into Go struct field ApplicationSyncRequest.prune of type bool");
    auto missing = http_post(url("/api/v1/applications/nope/sync"), R"({"project":"synestra"})");
    EXPECT_EQ(missing.status, 404);
    ASSERT_EQ(http_post(url(k_prod_path + "/sync"), "").status, 200);  // an empty body is an empty request
    auto again = http_post(url(k_prod_path + "/sync"), k_sync_body);
    EXPECT_EQ(again.status, 400);
    EXPECT_EQ(again.body, error_body("sync_while_operation_running"));
}

TEST_F(ArgoSimRest, CannedSyncAndGetAnswersCoverTheirFirstRequests)
{
    start(R"({"apps":[{"timeline":[{"fixture":"app-outofsync.json"}],"subject":"proj:synestra:deployer","faults":{
        "sync_response":{"code":7,"message":"cannot sync: blocked by sync window","count":1},
        "http_status":{"status":503,"count":2}}}]})");
    auto blocked = http_post(url(k_prod_path + "/sync"), k_sync_body);
    EXPECT_EQ(blocked.status, 403);
    EXPECT_EQ(blocked.body, error_body("sync_blocked_by_sync_window"));
    auto synced = http_post(url(k_prod_path + "/sync"), k_sync_body);
    EXPECT_EQ(synced.status, 200);
    EXPECT_EQ(Json::parse(synced.body)["operation"]["initiatedBy"]["username"], "proj:synestra:deployer");
    EXPECT_EQ(http(url(k_prod_path)).status, 503);
    EXPECT_EQ(http(url(k_prod_path)).status, 503);
    EXPECT_EQ(http(url(k_prod_path)).status, 200);
}

// ---- timelines ---------------------------------------------------------------

TEST_F(ArgoSimRest, TimedStepsFollowEachOther)
{
    // Steps far enough apart that a slow build (TSan) still sees the first.
    auto started = Clock::now();
    start(R"({"apps":[{"timeline":[{"fixture":"app-synced-old-revision.json"},
        {"fixture":"app-synced-healthy.json","after_ms":1000},
        {"fixture":"app-synced-degraded.json","after_ms":500}]}]})");
    EXPECT_EQ(http(url(k_dev_path)).body, compact_fixture("app-synced-old-revision.json"));
    EXPECT_TRUE(get_equals(k_dev_path, compact_fixture("app-synced-healthy.json")));
    EXPECT_GE(Clock::now() - started, milliseconds(1000));
    EXPECT_TRUE(get_equals(k_dev_path, compact_fixture("app-synced-degraded.json")));
    EXPECT_GE(Clock::now() - started, milliseconds(1500));
}

TEST_F(ArgoSimRest, ResourceVersionsOnlyGrow)
{
    // degraded (…871) then healthy (…502): healthy is renumbered, not reused.
    start(R"({"apps":[{"timeline":[{"fixture":"app-synced-degraded.json"},
        {"fixture":"app-synced-healthy.json","on":"manual"}]}]})");
    sim().advance(k_dev);
    EXPECT_TRUE(get_until(k_dev_path, [](const std::string& body) {
        return Json::parse(body)["metadata"]["resourceVersion"] == "48219872";
    }));
}

TEST_F(ArgoSimRest, RequestLogFileHasOneLinePerRequest)
{
    auto log = fs::temp_directory_path() / ("kanon-sim-log-" + std::to_string(::getpid()));
    fs::remove(log);
    start(k_all_fixtures, {.port = 0, .token = {}, .log = log});
    http(url(k_dev_path + "?project=synestra"));
    http(url("/api/v1/applications/nope"));
    sim().stop();
    EXPECT_EQ(read_text(log), "GET " + k_dev_path + "?project=synestra 200\nGET /api/v1/applications/nope 403\n");
    fs::remove(log);
}

}  // namespace
}  // namespace kanon::sandbox
