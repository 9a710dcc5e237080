// The watch stream of /api/v1/stream/applications, parsed incrementally in
// both framings (CONTRACT.md §2.3): NDJSON (one JSON object per line; an
// error envelope may end the stream without a newline) and SSE (`data:`
// lines, a blank line ending each message, `:` keepalives).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace kanon::verify::argocd {

struct StreamMessage {  // NOLINT(bugprone-exception-escape): clang-tidy 14 misreads nlohmann::json's noexcept move
                        // constructor
    // too_large: a message passed max_message; it is skipped, and a reader
    // should end the stream (a peer that sends one is broken or hostile).
    enum Kind { event, error, keepalive, garbage, too_large } kind = event;
    std::string type;            // ADDED | MODIFIED | DELETED, for events
    nlohmann::json application;  // for events
    int http_code = 0;           // for errors
    int grpc_code = 0;
    std::string text;  // the error's message, or what could not be parsed (cut short)
};

class StreamParser {
public:
    enum class Framing { ndjson, sse };
    explicit StreamParser(Framing framing, std::size_t max_message = std::size_t{16} << 20);

    // Bytes as they arrive; returns the messages they complete.
    std::vector<StreamMessage> feed(std::string_view bytes);
    // The stream ended: whatever is left (an error envelope without a newline).
    std::vector<StreamMessage> finish();

private:
    void line(std::string_view text, std::vector<StreamMessage>& out);
    void too_large(std::vector<StreamMessage>& out, bool mid_line);
    void dispatch(std::string_view payload, std::vector<StreamMessage>& out);

    Framing m_framing;
    std::size_t m_max;
    std::string m_buffer;         // an incomplete line
    std::string m_data;           // SSE: data lines of the current message
    bool m_skip_line = false;     // the rest of this line belongs to a message too large
    bool m_skip_message = false;  // SSE: so do its data lines, up to the blank line
};

// One message's JSON ({"result":…} or {"error":…}) as a StreamMessage.
StreamMessage read_stream_message(std::string_view payload);

// A field of an error body, whatever type the server (or a proxy) gave it:
// an integer that fits in an int, else 0; a string, else `fallback`.
// (json::value() throws on another type, and get<int>() of a large
// number is undefined behaviour.)
int int_field(const nlohmann::json& object, const char* key);
std::string string_field(const nlohmann::json& object, const char* key, const std::string& fallback = {});

}  // namespace kanon::verify::argocd
