// argocd_stream: the watch-stream parser in both framings. The input is
//
//   LIMIT CUT1 CUT2 CUT3 STREAM...
//
// LIMIT picks max_message (bit 0 set: 16 + LIMIT bytes, so the "larger than
// the limit" path is taken; else the default); CUT1..3 are the chunk sizes
// the stream is fed in, used in turn (0 feeds an empty chunk).
//
// Invariant: the messages do not depend on how the bytes were cut: the
// stream fed in one piece and fed in the chosen chunks give the same
// messages, in both framings, with and without the limit being hit.
#include <string>
#include <vector>

#include "targets.hpp"
#include "verify/argocd/stream.hpp"

namespace kanon::fuzz {

using namespace verify::argocd;  // NOLINT(google-build-using-namespace)

namespace {

std::vector<StreamMessage> run(StreamParser::Framing framing, std::size_t max, std::string_view bytes,
                               const std::vector<std::size_t>& cuts)
{
    StreamParser p(framing, max);
    std::vector<StreamMessage> out;
    auto take = [&](std::vector<StreamMessage> v) {
        for (auto& m : v) {
            check(m.kind != StreamMessage::garbage || m.text.size() <= 200, "a garbage message is not cut short");
            out.push_back(std::move(m));
        }
    };
    std::size_t turn = 0;
    while (!bytes.empty()) {
        std::size_t n = cuts.empty() ? bytes.size() : std::min(cuts[turn++ % cuts.size()], bytes.size());
        take(p.feed(bytes.substr(0, n)));
        bytes.remove_prefix(n);
    }
    take(p.finish());
    return out;
}

bool same(const StreamMessage& a, const StreamMessage& b)
{
    return a.kind == b.kind && a.type == b.type && a.application == b.application && a.http_code == b.http_code &&
           a.grpc_code == b.grpc_code && a.text == b.text;
}

}  // namespace

int argocd_stream(const std::uint8_t* data, std::size_t size)
{
    if (size < 4) {
        return 0;
    }
    std::size_t max = (data[0] & 1U) != 0 ? 16U + data[0] : std::size_t{16} << 20;
    std::vector<std::size_t> cuts = {data[1], data[2], data[3]};
    if (cuts[0] == 0 && cuts[1] == 0 && cuts[2] == 0) {
        cuts[0] = 1;  // never only empty chunks
    }
    std::string_view bytes(reinterpret_cast<const char*>(data) + 4, size - 4);
    for (auto framing : {StreamParser::Framing::ndjson, StreamParser::Framing::sse}) {
        auto whole = run(framing, max, bytes, {});
        auto chunked = run(framing, max, bytes, cuts);
        check(whole.size() == chunked.size(), "the chunking changes how many messages the stream gives");
        for (std::size_t i = 0; i < whole.size(); ++i) {
            check(same(whole[i], chunked[i]), "the chunking changes a message");
        }
    }
    return 0;
}

}  // namespace kanon::fuzz
