// The simulated cluster behind the REST API: each Application's current
// object, the log of events the watch streams read, and the timelines that
// move apps from state to state (one thread sleeps until the next timed
// step). One mutex guards it all and every change wakes every waiter; a
// simulator serves a handful of clients, so simple beats clever here.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "sandbox/argocd_application.hpp"
#include "sandbox/argocd_scenario.hpp"

namespace kanon::sandbox {

class ApplicationStore {
public:
    using Clock = std::chrono::steady_clock;
    using Object = std::shared_ptr<const Json>;

    struct Event {
        std::size_t app = 0;
        std::string_view type;  // ADDED, MODIFIED, DELETED
        Object object;
    };

    struct StreamFaults {
        std::optional<StreamFault> cut;
        std::optional<StreamFault> error;
    };

    enum class WaitEnd { refreshed, gone, timed_out, stopped, cancelled };
    struct RefreshOutcome {
        WaitEnd end = WaitEnd::stopped;
        Object object;
    };

    explicit ApplicationStore(Scenario scenario);
    ~ApplicationStore();
    ApplicationStore(const ApplicationStore&) = delete;
    ApplicationStore& operator=(const ApplicationStore&) = delete;

    // Publishes each app's first state and starts the timelines.
    void start();
    // Wakes every waiter for good; requests still held then end.
    void stop();
    [[nodiscard]] bool stopped() const;

    [[nodiscard]] const Scenario& scenario() const { return m_scenario; }
    [[nodiscard]] std::optional<std::size_t> find(std::string_view name, std::string_view app_namespace) const;
    // The current object; null while the app does not exist (deleted).
    [[nodiscard]] Object current(std::size_t app) const;

    // Faults: each call that returns one uses up one of its `count`.
    std::optional<CannedReply> take_get_fault(std::size_t app);
    std::optional<CannedReply> take_sync_fault(std::size_t app);
    StreamFaults take_stream_faults(std::size_t app);
    [[nodiscard]] bool refresh_hangs(std::size_t app) const;

    // `GET ?refresh`: marks the app (the annotation, unless the timeline's
    // next step carries it already) and fires the refresh trigger. Returns the
    // resourceVersion the refreshed object must exceed.
    std::uint64_t request_refresh(std::size_t app, std::string_view kind);
    // Blocks until a newer object without the refresh annotation is
    // published (never when `hangs`), `until`, stop(), or `cancelled()`.
    RefreshOutcome wait_refreshed(std::size_t app, std::uint64_t after, Clock::time_point until, bool hangs,
                                  const std::function<bool()>& cancelled);

    // `POST /sync` on an existing app: the refusal, or the published object.
    std::variant<Object, wire::GrpcError> sync(std::size_t app, const application::SyncRequest& request);

    // The current objects as ADDED events, and the log position after them.
    std::vector<Event> snapshot(std::size_t& cursor) const;
    // Events after `cursor` (which moves on); waits for one until `until`.
    std::vector<Event> events_after(std::size_t& cursor, Clock::time_point until) const;

    // In-process control: fire an app's `manual` trigger; publish an object.
    bool advance(std::string_view name);
    bool publish(std::string_view name, Json object);
    // Read-modify-write under the store's lock: `change` sees the current
    // object (null while the app does not exist) and returns the next one to
    // publish, or nullopt for no change. It must not block.
    bool update(std::string_view name, const std::function<std::optional<Json>(const Json* current)>& change);

private:
    struct LiveApp {
        const AppScenario* scenario = nullptr;
        std::string app_namespace;
        std::size_t next_step = 1;
        Object object;
        bool exists = true;
        std::uint64_t last_version = 0;
        Clock::time_point step_published_at{};
        std::optional<Clock::time_point> armed_at;
        std::optional<Clock::time_point> refresh_due;
        int get_faults_used = 0;
        int sync_faults_used = 0;
        int gets_seen = 0;  // requests a canned answer's `after` lets through
        int syncs_seen = 0;
        int cuts_used = 0;
        int stream_errors_used = 0;
    };

    void run_timeline();
    // Applies the steps of `app` that are due; returns when the next one is.
    std::optional<Clock::time_point> step_due_apps(Clock::time_point now);
    std::optional<Clock::time_point> next_step_due(const LiveApp& app) const;
    void apply_next_step(std::size_t index, Clock::time_point now);
    void publish_locked(std::size_t index, Json object, std::string_view type);
    void fire(LiveApp& app, Trigger trigger);
    [[nodiscard]] const Step* pending_step(const LiveApp& app) const;
    std::optional<std::size_t> find_locked(std::string_view name) const;

    Scenario m_scenario;
    std::vector<LiveApp> m_apps;
    std::vector<Event> m_events;
    bool m_stopping = false;
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_changed;
    std::thread m_timeline;
};

}  // namespace kanon::sandbox
