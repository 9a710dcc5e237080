// SSE keepalives tick on their own clock, as argoproj/pkg's forwarder does,
// whether or not messages flow; NDJSON streams have none.
#include "sandbox/argocd_watch.hpp"

#include <algorithm>
#include <utility>

namespace kanon::sandbox {

namespace {

// How often a quiet watch looks at its client's connection.
constexpr Millis k_watch_poll{100};

}  // namespace

Watch::Watch(ApplicationStore& store, Options options, std::function<bool()> peer_closed)
    : m_store(store),
      m_options(std::move(options)),
      m_peer_closed(std::move(peer_closed)),
      m_next_keepalive(ApplicationStore::Clock::now() + store.scenario().sse_keepalive)
{
}

Watch::Chunk Watch::next()
{
    if (!m_started) {
        m_started = true;
        Chunk first = render(m_store.snapshot(m_cursor));
        if (!first.bytes.empty() || first.end != End::open) {
            return first;
        }
    }
    bool sse = m_options.framing == wire::Framing::sse;
    while (true) {
        if (m_store.stopped()) {
            return {{}, End::finish};
        }
        if (m_peer_closed()) {
            return {{}, End::cut};
        }
        auto now = ApplicationStore::Clock::now();
        if (sse && now >= m_next_keepalive) {
            m_next_keepalive = now + m_store.scenario().sse_keepalive;
            return {std::string(wire::k_sse_keepalive), End::open};
        }
        auto until = sse ? std::min(now + k_watch_poll, m_next_keepalive) : now + k_watch_poll;
        Chunk chunk = render(m_store.events_after(m_cursor, until));
        if (!chunk.bytes.empty() || chunk.end != End::open) {
            return chunk;
        }
    }
}

Watch::Chunk Watch::render(const std::vector<ApplicationStore::Event>& events)
{
    Chunk chunk;
    for (const auto& event : events) {
        if (end_by_fault(chunk)) {
            return chunk;
        }
        if (!selected(event.app) || application::resource_version(*event.object).value_or(0) < m_options.min_version) {
            continue;
        }
        Json message;
        message["result"]["type"] = event.type;
        message["result"]["application"] = *event.object;
        std::string json = wire::render_message(m_options.fields, message);
        std::string& last = m_last_sent[event.app];
        if (json == last) {
            continue;
        }
        last = json;
        chunk.bytes += wire::frame_message(m_options.framing, json);
        ++m_sent;
    }
    end_by_fault(chunk);
    return chunk;
}

bool Watch::end_by_fault(Chunk& chunk) const
{
    const auto& faults = m_options.faults;
    if (faults.cut && m_sent >= faults.cut->after) {
        chunk.end = End::cut;
        return true;
    }
    if (faults.error && m_sent >= faults.error->after) {
        chunk.bytes += wire::frame_error(m_options.framing, wire::stream_error(faults.error->error));
        chunk.end = End::finish;
        return true;
    }
    return false;
}

bool Watch::selected(std::size_t app) const
{
    return m_options.selection.all || m_options.selection.app == app;
}

}  // namespace kanon::sandbox
