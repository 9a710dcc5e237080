#include "verify/argocd/stream.hpp"

#include <cstdint>
#include <limits>

#include <fmt/format.h>

#include "util/json.hpp"

namespace kanon::verify::argocd {

using nlohmann::json;

namespace {

StreamMessage garbage(std::string_view payload)
{
    StreamMessage m;
    m.kind = StreamMessage::garbage;
    m.text = std::string(payload.substr(0, 200));
    return m;
}

}  // namespace

int int_field(const nlohmann::json& object, const char* key)
{
    auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer()) {
        return 0;
    }
    if (it->is_number_unsigned()) {
        auto u = it->get<std::uint64_t>();
        return u <= static_cast<std::uint64_t>(std::numeric_limits<int>::max()) ? static_cast<int>(u) : 0;
    }
    auto v = it->get<std::int64_t>();
    return v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max() ? static_cast<int>(v) : 0;
}

std::string string_field(const nlohmann::json& object, const char* key, const std::string& fallback)
{
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

StreamMessage read_stream_message(std::string_view payload)
{
    json j = parse_json_bounded(payload);
    if (j.is_discarded() || !j.is_object()) {
        return garbage(payload);
    }
    StreamMessage m;
    if (auto err = j.find("error"); err != j.end()) {
        m.kind = StreamMessage::error;
        if (err->is_object()) {
            m.http_code = int_field(*err, "http_code");
            m.grpc_code = int_field(*err, "grpc_code");
            m.text = string_field(*err, "message");
        } else if (err->is_string()) {
            m.grpc_code = int_field(j, "code");
            m.text = err->get<std::string>();
        }
        return m;
    }
    auto result = j.find("result");
    if (result == j.end() || !result->is_object()) {
        return garbage(payload);
    }
    m.type = result->value("type", std::string{});
    auto app = result->find("application");
    if (app == result->end() || !app->is_object()) {
        return garbage(payload);
    }
    m.application = std::move(*app);
    return m;
}

StreamParser::StreamParser(Framing framing, std::size_t max_message) : m_framing(framing), m_max(max_message)
{
}

std::vector<StreamMessage> StreamParser::feed(std::string_view bytes)
{
    std::vector<StreamMessage> out;
    while (!bytes.empty()) {
        auto nl = bytes.find('\n');
        std::string_view part = bytes.substr(0, nl);
        if (!m_skip_line) {
            if (m_buffer.size() + part.size() + m_data.size() > m_max) {
                too_large(out, true);  // reported at once: an endless line is never buffered
            } else {
                m_buffer.append(part);
            }
        }
        if (nl == std::string_view::npos) {
            break;
        }
        if (m_skip_line) {
            m_skip_line = false;
        } else {
            std::string text = std::move(m_buffer);
            m_buffer.clear();
            line(text, out);
        }
        bytes.remove_prefix(nl + 1);
    }
    return out;
}

std::vector<StreamMessage> StreamParser::finish()
{
    std::vector<StreamMessage> out;
    if (!m_skip_line && !m_buffer.empty()) {
        std::string text = std::move(m_buffer);
        m_buffer.clear();
        line(text, out);
    }
    if (m_framing == Framing::sse && !m_skip_message && !m_data.empty()) {
        std::string data = std::move(m_data);
        m_data.clear();
        dispatch(data, out);
    }
    return out;
}

void StreamParser::too_large(std::vector<StreamMessage>& out, bool mid_line)
{
    m_buffer.clear();
    m_data.clear();
    m_skip_line = mid_line;
    m_skip_message = m_framing == Framing::sse;
    StreamMessage m;
    m.kind = StreamMessage::too_large;
    m.text = fmt::format("a stream message larger than the limit of {} bytes", m_max);
    out.push_back(std::move(m));
}

void StreamParser::line(std::string_view text, std::vector<StreamMessage>& out)
{
    if (!text.empty() && text.back() == '\r') {
        text.remove_suffix(1);
    }
    if (m_framing == Framing::ndjson) {
        if (text.find_first_not_of(" \t") != std::string_view::npos) {
            dispatch(text, out);
        }
        return;
    }
    if (text.empty()) {  // the end of an SSE message
        if (m_skip_message) {
            m_skip_message = false;
            m_data.clear();
        } else if (!m_data.empty()) {
            std::string data = std::move(m_data);
            m_data.clear();
            dispatch(data, out);
        }
        return;
    }
    if (text.front() == ':') {
        StreamMessage keepalive;
        keepalive.kind = StreamMessage::keepalive;
        out.push_back(std::move(keepalive));
        return;
    }
    if (text.starts_with("data:")) {
        if (m_skip_message) {
            return;
        }
        text.remove_prefix(5);
        if (!text.empty() && text.front() == ' ') {
            text.remove_prefix(1);
        }
        if (m_data.size() + text.size() + 1 > m_max) {
            too_large(out, false);
            return;
        }
        if (!m_data.empty()) {
            m_data += '\n';
        }
        m_data.append(text);
    }
    // Other SSE fields (event:, id:, retry:) carry nothing Argo CD uses.
}

void StreamParser::dispatch(std::string_view payload, std::vector<StreamMessage>& out)
{
    out.push_back(read_stream_message(payload));
}

}  // namespace kanon::verify::argocd
