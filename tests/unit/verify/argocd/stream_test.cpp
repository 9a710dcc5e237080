#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fixtures.hpp"
#include "verify/argocd/stream.hpp"

namespace kanon::verify::argocd {
namespace {

using test::slurp;

namespace fs = std::filesystem;

std::vector<StreamMessage> feed_in_pieces(StreamParser& p, const std::string& bytes, std::size_t piece)
{
    std::vector<StreamMessage> all;
    for (std::size_t i = 0; i < bytes.size(); i += piece) {
        for (auto& m : p.feed(std::string_view(bytes).substr(i, piece))) {
            all.push_back(std::move(m));
        }
    }
    for (auto& m : p.finish()) {
        all.push_back(std::move(m));
    }
    return all;
}

std::vector<StreamMessage> without_keepalives(std::vector<StreamMessage> v)
{
    std::erase_if(v, [](const StreamMessage& m) { return m.kind == StreamMessage::keepalive; });
    return v;
}

TEST(ArgoStream, NdjsonFixtureInAnyChunking)
{
    auto path = fs::path(KANON_SHARED_DIR) / "argocd" / "watch-stream.ndjson";
    if (!fs::exists(path)) {
        GTEST_SKIP() << "../shared/argocd is absent";
    }
    std::string bytes = slurp(path);
    for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{4096}, bytes.size()}) {
        StreamParser p(StreamParser::Framing::ndjson);
        auto msgs = feed_in_pieces(p, bytes, piece);
        ASSERT_EQ(msgs.size(), 10U) << "piece " << piece;
        EXPECT_EQ(msgs[0].type, "ADDED");
        EXPECT_EQ(msgs[9].type, "MODIFIED");
        EXPECT_EQ(msgs[9].application["metadata"]["name"], "web-synestra-io-dev");
    }
}

TEST(ArgoStream, SseFixture)
{
    auto path = fs::path(KANON_SHARED_DIR) / "argocd" / "watch-stream-sse.txt";
    if (!fs::exists(path)) {
        GTEST_SKIP() << "../shared/argocd is absent";
    }
    std::string bytes = slurp(path);
    for (std::size_t piece : {std::size_t{1}, std::size_t{13}, bytes.size()}) {
        StreamParser p(StreamParser::Framing::sse);
        auto msgs = without_keepalives(feed_in_pieces(p, bytes, piece));
        ASSERT_FALSE(msgs.empty());
        for (const auto& m : msgs) {
            EXPECT_EQ(m.kind, StreamMessage::event) << m.text;
        }
        EXPECT_EQ(msgs[0].type, "ADDED");
    }
}

TEST(ArgoStream, ErrorEnvelopeWithoutNewlineEndsTheStream)
{
    StreamParser p(StreamParser::Framing::ndjson);
    auto msgs = p.feed(
        "{\"result\":{\"type\":\"ADDED\",\"application\":{\"metadata\":{\"name\":\"a\"}}}}\n"
        "{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"error reading from server: EOF\","
        "\"http_status\":\"Service Unavailable\"}}");
    ASSERT_EQ(msgs.size(), 1U);
    auto end = p.finish();
    ASSERT_EQ(end.size(), 1U);
    EXPECT_EQ(end[0].kind, StreamMessage::error);
    EXPECT_EQ(end[0].http_code, 503);
    EXPECT_EQ(end[0].grpc_code, 14);
    EXPECT_EQ(end[0].text, "error reading from server: EOF");
}

TEST(ArgoStream, SseErrorAndKeepalive)
{
    StreamParser p(StreamParser::Framing::sse);
    auto msgs = p.feed(
        ":\n\ndata: {\"error\":{\"grpc_code\":16,\"http_code\":401,\"message\":\"no session information\","
        "\"http_status\":\"Unauthorized\"}} \n\n");
    ASSERT_EQ(msgs.size(), 2U);
    EXPECT_EQ(msgs[0].kind, StreamMessage::keepalive);
    EXPECT_EQ(msgs[1].kind, StreamMessage::error);
    EXPECT_EQ(msgs[1].http_code, 401);
}

TEST(ArgoStream, UnaryErrorShapeAndGarbage)
{
    auto m = read_stream_message(R"({"error":"permission denied","code":7,"message":"permission denied"})");
    EXPECT_EQ(m.kind, StreamMessage::error);
    EXPECT_EQ(m.grpc_code, 7);
    EXPECT_EQ(read_stream_message("<html>bad gateway</html>").kind, StreamMessage::garbage);
    EXPECT_EQ(read_stream_message(R"({"result":{"type":"ADDED"}})").kind, StreamMessage::garbage);
}

// Found by fuzz/argocd_stream: a code too large for an int was converted
// anyway (undefined behaviour); a code or message of another type threw.
TEST(ArgoStream, ErrorFieldsOfAnyTypeOrSizeAreReadSafely)
{
    for (const char* body : {
             R"({"error":"s","code":44444444444444444444444444444444444444444444444444})",
             R"({"error":"s","code":4.5e88})",
             R"({"error":"s","code":-9223372036854775808})",
             R"({"error":"s","code":18446744073709551615})",
             R"({"error":"s","code":"7","message":["not","a","string"]})",
             R"({"error":{"grpc_code":1e300,"http_code":"503","message":42}})",
         }) {
        auto m = read_stream_message(body);
        EXPECT_EQ(m.kind, StreamMessage::error) << body;
        EXPECT_EQ(m.grpc_code, 0) << body;
        EXPECT_EQ(m.http_code, 0) << body;
    }
    EXPECT_EQ(read_stream_message(R"({"error":"s","code":2147483647})").grpc_code, 2147483647);
    EXPECT_EQ(read_stream_message(R"({"error":{"grpc_code":-1}})").grpc_code, -1);
    EXPECT_EQ(read_stream_message(R"({"error":"denied","code":7,"message":["x"]})").text, "denied");
}

TEST(ArgoStream, OversizedMessageIsReportedAtOnceAndSkipped)
{
    StreamParser p(StreamParser::Framing::ndjson, 64);
    // Reported as soon as the line passes the limit, not when (if ever) it ends.
    auto msgs = p.feed(std::string(100, 'x'));
    ASSERT_EQ(msgs.size(), 1U);
    EXPECT_EQ(msgs[0].kind, StreamMessage::too_large);
    EXPECT_EQ(msgs[0].text, "a stream message larger than the limit of 64 bytes");
    // The rest of that line is skipped without a second report, then parsing goes on.
    msgs = p.feed(std::string(100, 'y') + "\n{\"result\":{\"type\":\"ADDED\",\"application\":{\"metadata\":{}}}}\n");
    ASSERT_EQ(msgs.size(), 1U);
    EXPECT_EQ(msgs[0].kind, StreamMessage::event);
    EXPECT_TRUE(p.finish().empty());
}

TEST(ArgoStream, SseDataLinesCountTowardsTheLimit)
{
    // Many short data: lines make one message: their sum is what is bounded.
    StreamParser p(StreamParser::Framing::sse, 64);
    std::vector<StreamMessage> msgs;
    for (int i = 0; i < 20; ++i) {
        for (auto& m : p.feed("data: 0123456789\n")) {
            msgs.push_back(std::move(m));
        }
    }
    ASSERT_EQ(msgs.size(), 1U);
    EXPECT_EQ(msgs[0].kind, StreamMessage::too_large);
    // Its remaining data lines and the blank line that ends it are skipped;
    // the next message parses.
    msgs = p.feed("data: 0123456789\n\ndata: {\"result\":{\"type\":\"ADDED\",\"application\":{}}}\n\n");
    ASSERT_EQ(msgs.size(), 1U);
    EXPECT_EQ(msgs[0].kind, StreamMessage::event);
}

TEST(ArgoStream, AMessageJustUnderTheLimitParses)
{
    std::string line = R"({"result":{"type":"ADDED","application":{"metadata":{"name":"a"}}}})";
    StreamParser p(StreamParser::Framing::ndjson, line.size());
    auto msgs = feed_in_pieces(p, line + "\n", 7);
    ASSERT_EQ(msgs.size(), 1U);
    EXPECT_EQ(msgs[0].kind, StreamMessage::event);
}

// Found by fuzz/argocd_stream (fuzz/regressions/argocd_stream/): a line
// longer than the limit that arrived in one chunk, newline included, was
// dispatched; cut into pieces it was dropped.
TEST(ArgoStream, LineOverLimitIsDroppedWhateverTheChunking)
{
    std::string line = R"({"result":{"type":"ADDED","application":{}}})";
    line += '\n';
    for (std::size_t piece : {std::size_t{4}, line.size()}) {
        StreamParser p(StreamParser::Framing::ndjson, 17);
        auto msgs = feed_in_pieces(p, line, piece);
        ASSERT_EQ(msgs.size(), 1U) << "piece " << piece;
        EXPECT_EQ(msgs[0].kind, StreamMessage::too_large) << "piece " << piece;
        EXPECT_EQ(msgs[0].text, "a stream message larger than the limit of 17 bytes");
    }
}

// Found by fuzz/argocd_stream: SSE data lines, each under the limit, were
// joined into a message of any size (no bound on the buffered data).
TEST(ArgoStream, SseDataLinesCannotGrowPastTheLimit)
{
    std::string bytes = "data: {\"error\":\ndata: \"aaaaaaaaaaaa\"}\n\n";
    for (std::size_t piece : {std::size_t{4}, bytes.size()}) {
        StreamParser p(StreamParser::Framing::sse, 17);
        auto msgs = feed_in_pieces(p, bytes, piece);
        ASSERT_EQ(msgs.size(), 1U) << "piece " << piece;
        EXPECT_EQ(msgs[0].kind, StreamMessage::too_large) << "piece " << piece;
    }
}

}  // namespace
}  // namespace kanon::verify::argocd
