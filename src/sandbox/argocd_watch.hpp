// One connection of `GET /api/v1/stream/applications`: turns the store's
// events into the stream's bytes (CONTRACT.md §2.3) - the initial ADDED, the
// resourceVersion filter, `fields=`, de-duplication per app, SSE keepalives,
// and the scenario's stream faults.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "sandbox/argocd_store.hpp"

namespace kanon::sandbox {

class Watch {
public:
    // Which apps a watch shows: all (no `name=`), one, or none (a name that
    // does not exist: the stream stays silent).
    struct Selection {
        bool all = false;
        std::optional<std::size_t> app;
    };

    struct Options {
        Selection selection;
        std::uint64_t min_version = 0;
        wire::FieldFilter fields;
        wire::Framing framing = wire::Framing::ndjson;
        ApplicationStore::StreamFaults faults;
    };

    // How the bytes of a chunk leave the stream: open, or the last ones.
    enum class End { open, finish, cut };
    struct Chunk {
        std::string bytes;
        End end = End::open;
    };

    Watch(ApplicationStore& store, Options options, std::function<bool()> peer_closed);

    // The next bytes to write. Blocks until there are some or the stream
    // ends: stop() finishes it, a stream fault finishes or cuts it, a client
    // that hung up cuts it.
    Chunk next();

private:
    Chunk render(const std::vector<ApplicationStore::Event>& events);
    bool end_by_fault(Chunk& chunk) const;
    [[nodiscard]] bool selected(std::size_t app) const;

    ApplicationStore& m_store;
    Options m_options;
    std::function<bool()> m_peer_closed;
    bool m_started = false;
    std::size_t m_cursor = 0;
    int m_sent = 0;
    std::map<std::size_t, std::string> m_last_sent;
    ApplicationStore::Clock::time_point m_next_keepalive;
};

}  // namespace kanon::sandbox
