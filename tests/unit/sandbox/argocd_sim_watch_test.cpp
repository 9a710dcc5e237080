// The watch stream over real HTTP: NDJSON and SSE framing against the
// fixtures byte for byte, the resourceVersion filter, de-duplication, the
// silent watch on a missing app, keepalives, DELETED, and stream faults.
#include <gtest/gtest.h>

#include "sim_test_support.hpp"

namespace kanon::sandbox {
namespace {

using namespace testing;

// watch-stream.ndjson as a timeline: line 1 at start, the rest 10 ms apart
// once the test says so (so a watch can connect first).
std::string replay_scenario(const std::string& extra = "")
{
    return R"({)" + extra + R"("apps":[{"timeline":[{"ndjson":"watch-stream.ndjson","to_line":1},
        {"ndjson":"watch-stream.ndjson","from_line":2,"on":"manual","every_ms":10}]}]})";
}

const std::string k_watch_dev = "/api/v1/stream/applications?name=web-synestra-io-dev";
const std::vector<std::string> k_sse = {"Accept: text/event-stream"};

class ArgoSimWatch : public SimTest {};

TEST_F(ArgoSimWatch, NdjsonReplayIsTheFixtureByteForByte)
{
    start(replay_scenario());
    HttpStream watch(url(k_watch_dev + "&appNamespace=argocd"), {});
    ASSERT_TRUE(watch.read_lines(1));
    sim().advance(k_dev);
    ASSERT_TRUE(watch.read_lines(10));
    EXPECT_EQ(watch.body(), read_text(argocd_fixtures() / "watch-stream.ndjson"));
    EXPECT_EQ(watch.status(), 200);
    EXPECT_EQ(watch.content_type(), "application/json");
    EXPECT_NE(watch.header_text().find("Transfer-Encoding: chunked"), std::string::npos);
    EXPECT_FALSE(watch.finished());
}

TEST_F(ArgoSimWatch, RefreshDuringReplayReturnsTheLineThatDropsTheAnnotation)
{
    start(R"({"apps":[{"timeline":[{"ndjson":"watch-stream.ndjson","to_line":1},
        {"ndjson":"watch-stream.ndjson","from_line":2,"on":"refresh","every_ms":10}]}]})");
    HttpStream watch(url(k_watch_dev), {});
    ASSERT_TRUE(watch.read_lines(1));
    auto reply = http(url(k_dev_path + "?refresh=normal&project=synestra"), {"Grpc-Timeout: 5S"});
    auto lines = ndjson_lines();
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body, Json::parse(lines[4])["result"]["application"].dump());  // line 5 of the README
    ASSERT_TRUE(watch.read_lines(10));
    EXPECT_EQ(watch.body(), read_text(argocd_fixtures() / "watch-stream.ndjson"));
}

TEST_F(ArgoSimWatch, SseWithFieldsIsTheSampleByteForByte)
{
    start(replay_scenario());
    const std::string fields =
        "result.type,result.application.metadata.name,result.application.metadata.namespace,"
        "result.application.operation.initiatedBy,result.application.operation.sync.revision,"
        "result.application.status.sync.status,result.application.status.sync.revision,"
        "result.application.status.health.status,result.application.status.reconciledAt,"
        "result.application.status.operationState.phase,result.application.status.operationState.message,"
        "result.application.status.operationState.startedAt,result.application.status.operationState.finishedAt,"
        "result.application.status.operationState.syncResult.revision,result.application.status.summary.images";
    HttpStream watch(url(k_watch_dev + "&fields=" + fields), k_sse);
    ASSERT_TRUE(watch.read_lines(3));
    sim().advance(k_dev);
    std::string expected;
    for (const auto& line : split_lines(read_text(argocd_fixtures() / "watch-stream-sse.txt"))) {
        if (line != ":") {  // keepalives come on their own clock
            expected += line + "\n";
        }
    }
    ASSERT_TRUE(watch.read_until([&](const std::string& body) { return body.size() >= expected.size(); }));
    EXPECT_EQ(watch.body(), expected);
    EXPECT_EQ(watch.content_type(), "text/event-stream");
}

TEST_F(ArgoSimWatch, SseKeepalivesTickAtTheScenarioInterval)
{
    start(R"({"sse_keepalive_ms":100,"apps":[{"timeline":[{"fixture":"app-synced-healthy.json"}]}]})");
    HttpStream watch(url(k_watch_dev), k_sse);
    watch.read_for(milliseconds(370));
    std::string first =
        "data: {\"result\":{\"type\":\"ADDED\",\"application\":" + compact_fixture("app-synced-healthy.json") +
        "}} \n\n\n";
    ASSERT_TRUE(watch.body().starts_with(first));
    std::string rest = watch.body().substr(first.size());
    EXPECT_TRUE(rest == ":\n:\n:\n" || rest == ":\n:\n") << rest;
}

TEST_F(ArgoSimWatch, ResourceVersionFilterHoldsHeadersUntilANewerEvent)
{
    start(replay_scenario());
    auto lines = ndjson_lines();
    HttpStream watch(url(k_watch_dev + "&resourceVersion=48213419"), {});
    watch.read_for(milliseconds(200));
    EXPECT_EQ(watch.header_text(), "");  // no ADDED: line 1 is older than 48213419
    sim().advance(k_dev);
    ASSERT_TRUE(watch.read_lines(8));
    EXPECT_EQ(split_lines(watch.body()).front(), lines[2]);
}

TEST_F(ArgoSimWatch, IdenticalMessagesAreDroppedPerConnection)
{
    start(replay_scenario());
    HttpStream watch(url(k_watch_dev + "&fields=result.type,result.application.status.sync.status"), {});
    ASSERT_TRUE(watch.read_lines(1));
    sim().advance(k_dev);
    watch.read_for(milliseconds(300));
    auto event = [](const std::string& type, const std::string& status) {
        return R"({"result":{"application":{"status":{"sync":{"status":")" + status + R"("}}},"type":")" + type +
               R"("}})";
    };
    std::vector<std::string> expected = {event("ADDED", "Synced"), event("MODIFIED", "Synced"),
                                         event("MODIFIED", "OutOfSync"), event("MODIFIED", "Synced")};
    EXPECT_EQ(split_lines(watch.body()), expected);
}

TEST_F(ArgoSimWatch, MissingAppIsASilentStream)
{
    start(R"({"sse_keepalive_ms":100,"apps":[{"timeline":[{"fixture":"app-synced-healthy.json"}]}]})");
    HttpStream ndjson(url("/api/v1/stream/applications?name=does-not-exist"), {});
    HttpStream sse(url("/api/v1/stream/applications?name=does-not-exist"), k_sse);
    ndjson.read_for(milliseconds(250));
    // At least one keepalive, however slow the machine (TSan runs this too).
    for (int i = 0; i < 40 && sse.body().empty(); ++i) {
        sse.read_for(milliseconds(50));
    }
    EXPECT_EQ(ndjson.header_text(), "");
    EXPECT_EQ(ndjson.body(), "");
    EXPECT_FALSE(ndjson.finished());
    EXPECT_EQ(sse.status(), 200);
    // Nothing but keepalives: ":\n", once or more.
    std::string body = sse.body();
    EXPECT_TRUE(!body.empty() && body.size() % 2 == 0 && body.find_first_not_of(":\n") == std::string::npos &&
                body.find("::") == std::string::npos && body.find("\n\n") == std::string::npos)
        << body;
}

TEST_F(ArgoSimWatch, DeletedAppSendsDeletedAndGetsForbidden)
{
    start(R"({"apps":[{"timeline":[{"fixture":"app-synced-healthy.json"},{"delete":true,"on":"manual"}]}]})");
    HttpStream watch(url(k_watch_dev), {});
    ASSERT_TRUE(watch.read_lines(1));
    sim().advance(k_dev);
    ASSERT_TRUE(watch.read_lines(2));
    Json deleted = Json::parse(split_lines(watch.body())[1]);
    EXPECT_EQ(deleted["result"]["type"], "DELETED");
    EXPECT_EQ(deleted["result"]["application"]["metadata"]["resourceVersion"], "48213503");
    EXPECT_EQ(http(url(k_dev_path)).status, 403);
}

TEST_F(ArgoSimWatch, StreamCutClosesTheFirstConnectionOnly)
{
    start(replay_scenario(R"("faults":{"stream_cut_after":2},)"));
    auto lines = ndjson_lines();
    HttpStream first(url(k_watch_dev), {});
    ASSERT_TRUE(first.read_lines(1));
    sim().advance(k_dev);
    first.read_to_end();
    EXPECT_TRUE(first.finished());
    EXPECT_NE(first.result(), CURLE_OK);  // no last chunk: the connection just closes
    EXPECT_EQ(first.body(), lines[0] + "\n" + lines[1] + "\n");
    HttpStream second(url(k_watch_dev), {});
    second.read_for(milliseconds(300));
    EXPECT_FALSE(second.finished());
    EXPECT_EQ(split_lines(second.body()).back(), lines[9]);
}

TEST_F(ArgoSimWatch, StreamErrorEndsWithTheEnvelopeAndNoNewline)
{
    start(replay_scenario(R"("faults":{"stream_error_after":1},)"));
    HttpStream watch(url(k_watch_dev), {});
    watch.read_to_end();
    EXPECT_TRUE(watch.finished());
    EXPECT_EQ(watch.result(), CURLE_OK);
    EXPECT_EQ(watch.status(), 200);
    EXPECT_EQ(watch.body(), ndjson_lines()[0] + "\n" + error_body("watch_error_mid_stream_eg"));
}

}  // namespace
}  // namespace kanon::sandbox
