// The simulator's bytes without a socket: error envelopes against
// error-bodies.json, the `fields=` filter against watch-stream-sse.txt, and
// the headers argocd-server interprets.
#include <gtest/gtest.h>

#include "sandbox/argocd_wire.hpp"
#include "sim_test_support.hpp"

namespace kanon::sandbox {
namespace {

using namespace testing;

class ArgoSimWire : public SimTest {};

TEST_F(ArgoSimWire, UnaryErrorsAreTheBytesOfErrorBodies)
{
    EXPECT_EQ(wire::unary_error({7, "permission denied"}), error_body("get_missing_app_without_project"));
    EXPECT_EQ(wire::unary_error({5, "applications.argoproj.io \"does-not-exist\" not found"}),
              error_body("get_missing_app_with_project"));
    EXPECT_EQ(wire::unary_error({16, "no session information"}), error_body("no_or_malformed_token"));
    EXPECT_EQ(wire::unary_error({9, "another operation is already in progress"}),
              error_body("sync_while_operation_running"));
    EXPECT_EQ(wire::unary_error({4, "context deadline exceeded"}), error_body("get_refresh_deadline_eg"));
}

TEST_F(ArgoSimWire, StreamErrorsAreTheBytesOfErrorBodies)
{
    EXPECT_EQ(wire::stream_error({16, "no session information"}), error_body("watch_bad_token"));
    EXPECT_EQ(wire::stream_error({14, "error reading from server: EOF"}), error_body("watch_error_mid_stream_eg"));
}

TEST(ArgoSimWireFraming, NdjsonAndSseFrames)
{
    EXPECT_EQ(wire::frame_message(wire::Framing::ndjson, "{}"), "{}\n");
    EXPECT_EQ(wire::frame_message(wire::Framing::sse, "{}"), "data: {} \n\n\n");
    EXPECT_EQ(wire::frame_error(wire::Framing::ndjson, "{}"), "{}");
    EXPECT_EQ(wire::frame_error(wire::Framing::sse, "{}"), "data: {} \n\n");
    EXPECT_EQ(wire::framing_for_accept("text/event-stream"), wire::Framing::sse);
    EXPECT_EQ(wire::framing_for_accept("text/event-stream, */*"), wire::Framing::ndjson);
    EXPECT_EQ(wire::framing_for_accept(""), wire::Framing::ndjson);
}

TEST(ArgoSimWireFraming, JsonEscapesHtmlCharactersLikeGo)
{
    Json value{{"message", "a<b>&c\xE2\x80\xA8"}};
    EXPECT_EQ(wire::to_go_json(value), R"({"message":"a\u003cb\u003e\u0026c\u2028"})");
}

// The fields list that produced watch-stream-sse.txt from watch-stream.ndjson.
const char* const k_sse_sample_fields =
    "result.type,result.application.metadata.name,result.application.metadata.namespace,"
    "result.application.operation.initiatedBy,result.application.operation.sync.revision,"
    "result.application.status.sync.status,result.application.status.sync.revision,"
    "result.application.status.health.status,result.application.status.reconciledAt,"
    "result.application.status.operationState.phase,result.application.status.operationState.message,"
    "result.application.status.operationState.startedAt,result.application.status.operationState.finishedAt,"
    "result.application.status.operationState.syncResult.revision,result.application.status.summary.images";

std::vector<std::string> sse_sample_payloads()
{
    std::vector<std::string> payloads;
    for (const auto& line : split_lines(read_text(argocd_fixtures() / "watch-stream-sse.txt"))) {
        if (line.starts_with("data: ")) {
            payloads.push_back(line.substr(6, line.size() - 7));  // "data: " … " "
        }
    }
    return payloads;
}

TEST_F(ArgoSimWire, FieldsFilterWithDedupReproducesTheSseSample)
{
    auto filter = wire::parse_fields(k_sse_sample_fields);
    std::vector<std::string> rendered;
    for (const auto& line : ndjson_lines()) {
        std::string json = wire::render_message(filter, Json::parse(line));
        if (rendered.empty() || rendered.back() != json) {
            rendered.push_back(json);
        }
    }
    EXPECT_EQ(rendered, sse_sample_payloads());
}

TEST(ArgoSimWireFields, ExcludeDropsExactPathsOnly)
{
    auto filter = wire::parse_fields("-a.b,c");
    EXPECT_TRUE(filter.exclude);
    Json message = Json::parse(R"({"c":1,"a":{"b":2,"bb":3,"d":[{"b":4}]}})");
    EXPECT_EQ(wire::render_message(filter, message), R"({"a":{"bb":3,"d":[{"b":4}]}})");
}

TEST(ArgoSimWireFields, IncludeIsAStringPrefixAndArraysAreTransparent)
{
    auto filter = wire::parse_fields("a.items.name");
    Json message = Json::parse(R"({"z":0,"a":{"items":[{"name":"x","other":1},{"name":"y"}],"it":5}})");
    // "a.it" is a string prefix of the field, so it stays (as in Go).
    EXPECT_EQ(wire::render_message(filter, message), R"({"a":{"it":5,"items":[{"name":"x"},{"name":"y"}]}})");
}

TEST(ArgoSimWireHeaders, GrpcTimeout)
{
    using std::chrono::milliseconds;
    EXPECT_EQ(*wire::parse_grpc_timeout("30S"), milliseconds(30000));
    EXPECT_EQ(*wire::parse_grpc_timeout("250m"), milliseconds(250));
    EXPECT_EQ(*wire::parse_grpc_timeout("2M"), milliseconds(120000));
    EXPECT_EQ(*wire::parse_grpc_timeout("1H"), milliseconds(3600000));
    EXPECT_EQ(*wire::parse_grpc_timeout("5000000n"), milliseconds(5));
    EXPECT_FALSE(wire::parse_grpc_timeout("")->has_value());
    EXPECT_FALSE(wire::parse_grpc_timeout("30"));
    EXPECT_FALSE(wire::parse_grpc_timeout("S"));
    EXPECT_FALSE(wire::parse_grpc_timeout("3xS"));
    EXPECT_EQ(wire::parse_grpc_timeout("30s").error().message, "invalid grpc-timeout: 30s");
}

TEST(ArgoSimWireHeaders, TokensAreJwtShaped)
{
    EXPECT_TRUE(wire::is_jwt_shaped("a.b.c"));
    EXPECT_TRUE(wire::is_jwt_shaped("a.b.c.d"));
    EXPECT_FALSE(wire::is_jwt_shaped("a.b"));
    EXPECT_FALSE(wire::is_jwt_shaped("opaque-token"));
}

}  // namespace
}  // namespace kanon::sandbox
