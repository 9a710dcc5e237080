// resourceVersions are per app: a state keeps its own when it is larger than
// the last one published (so replayed fixtures stay byte-exact), otherwise it
// gets the next number. Triggers only count for the step that waits on them.
#include "sandbox/argocd_store.hpp"

#include <algorithm>
#include <utility>

#include "canon/names.hpp"

namespace kanon::sandbox {

namespace {

// How often a blocked waiter looks at its client's connection.
constexpr Millis k_poll{100};

bool take(const std::optional<int>& count, int& used)
{
    if (count && used >= *count) {
        return false;
    }
    ++used;
    return true;
}

void keep_earliest(std::optional<ApplicationStore::Clock::time_point>& earliest,
                   ApplicationStore::Clock::time_point candidate)
{
    if (!earliest || candidate < *earliest) {
        earliest = candidate;
    }
}

}  // namespace

ApplicationStore::ApplicationStore(Scenario scenario) : m_scenario(std::move(scenario))
{
    for (const auto& app : m_scenario.apps) {
        LiveApp live;
        live.scenario = &app;
        live.app_namespace = application::app_namespace(app.steps.front().app);
        m_apps.push_back(std::move(live));
    }
}

ApplicationStore::~ApplicationStore()
{
    stop();
}

void ApplicationStore::start()
{
    std::lock_guard lock(m_mutex);
    if (m_timeline.joinable() || m_stopping) {
        return;
    }
    auto now = Clock::now();
    for (std::size_t i = 0; i < m_apps.size(); ++i) {
        publish_locked(i, m_apps[i].scenario->steps.front().app, "ADDED");
        m_apps[i].step_published_at = now;
    }
    m_timeline = std::thread([this] { run_timeline(); });
}

void ApplicationStore::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_changed.notify_all();
    if (m_timeline.joinable()) {
        m_timeline.join();
    }
}

bool ApplicationStore::stopped() const
{
    std::lock_guard lock(m_mutex);
    return m_stopping;
}

std::optional<std::size_t> ApplicationStore::find(std::string_view name, std::string_view app_namespace) const
{
    std::string_view ns = app_namespace.empty() ? application::k_default_namespace : app_namespace;
    for (std::size_t i = 0; i < m_apps.size(); ++i) {
        if (m_apps[i].scenario->name == name && m_apps[i].app_namespace == ns) {
            return i;
        }
    }
    return std::nullopt;
}

ApplicationStore::Object ApplicationStore::current(std::size_t app) const
{
    std::lock_guard lock(m_mutex);
    return m_apps[app].exists ? m_apps[app].object : nullptr;
}

std::optional<CannedReply> ApplicationStore::take_get_fault(std::size_t app)
{
    std::lock_guard lock(m_mutex);
    auto& live = m_apps[app];
    const auto& fault = live.scenario->faults.get_response;
    if (fault && live.gets_seen++ >= fault->after && take(fault->count, live.get_faults_used)) {
        return fault;
    }
    return std::nullopt;
}

std::optional<CannedReply> ApplicationStore::take_sync_fault(std::size_t app)
{
    std::lock_guard lock(m_mutex);
    auto& live = m_apps[app];
    const auto& fault = live.scenario->faults.sync_response;
    if (fault && live.syncs_seen++ >= fault->after && take(fault->count, live.sync_faults_used)) {
        return fault;
    }
    return std::nullopt;
}

ApplicationStore::StreamFaults ApplicationStore::take_stream_faults(std::size_t app)
{
    std::lock_guard lock(m_mutex);
    auto& live = m_apps[app];
    const auto& faults = live.scenario->faults;
    StreamFaults taken;
    if (faults.stream_cut && take(faults.stream_cut->count, live.cuts_used)) {
        taken.cut = faults.stream_cut;
    }
    if (faults.stream_error && take(faults.stream_error->count, live.stream_errors_used)) {
        taken.error = faults.stream_error;
    }
    return taken;
}

bool ApplicationStore::refresh_hangs(std::size_t app) const
{
    return m_apps[app].scenario->faults.refresh_hangs.value_or(false);
}

std::uint64_t ApplicationStore::request_refresh(std::size_t app, std::string_view kind)
{
    std::lock_guard lock(m_mutex);
    auto& live = m_apps[app];
    const Step* next = pending_step(live);
    bool timeline_refreshes = next != nullptr && next->on == Trigger::refresh;
    // A refresh-gated step that carries the annotation stands for its write.
    bool step_marks = timeline_refreshes && !next->deleted && application::refresh_requested(next->app);
    if (live.exists && !application::refresh_requested(*live.object) && !step_marks) {
        publish_locked(app, application::with_refresh_requested(*live.object, kind), "MODIFIED");
    }
    std::uint64_t after = live.last_version;
    if (timeline_refreshes) {
        fire(live, Trigger::refresh);
    } else if (live.scenario->refresh_consumed_after) {
        keep_earliest(live.refresh_due, Clock::now() + *live.scenario->refresh_consumed_after);
        m_changed.notify_all();
    }
    return after;
}

ApplicationStore::RefreshOutcome ApplicationStore::wait_refreshed(std::size_t app, std::uint64_t after,
                                                                  Clock::time_point until, bool hangs,
                                                                  const std::function<bool()>& cancelled)
{
    std::unique_lock lock(m_mutex);
    while (true) {
        const auto& live = m_apps[app];
        if (m_stopping) {
            return {WaitEnd::stopped, nullptr};
        }
        if (!live.exists) {
            return {WaitEnd::gone, nullptr};
        }
        if (!hangs && live.last_version > after && !application::refresh_requested(*live.object)) {
            return {WaitEnd::refreshed, live.object};
        }
        if (cancelled()) {
            return {WaitEnd::cancelled, nullptr};
        }
        auto now = Clock::now();
        if (now >= until) {
            return {WaitEnd::timed_out, nullptr};
        }
        m_changed.wait_until(lock, std::min(until, now + k_poll));
    }
}

std::variant<ApplicationStore::Object, wire::GrpcError> ApplicationStore::sync(std::size_t app,
                                                                               const application::SyncRequest& request)
{
    std::lock_guard lock(m_mutex);
    auto& live = m_apps[app];
    if (!live.exists) {
        return wire::GrpcError{7, "permission denied"};
    }
    if (auto refusal = application::refuse_sync(*live.object, request)) {
        return *refusal;
    }
    // Argo CD resolves a branch or tag through repo-server; the simulator
    // takes the scenario's SHA, else the revision the app last compared.
    std::string revision = request.revision;
    if (!canon::is_full_sha(revision)) {
        revision = !live.scenario->sync_revision.empty() ? live.scenario->sync_revision
                                                         : application::compared_revision(*live.object);
    }
    publish_locked(app, application::with_sync_operation(*live.object, request, revision, live.scenario->subject),
                   "MODIFIED");
    fire(live, Trigger::sync);
    return live.object;
}

std::vector<ApplicationStore::Event> ApplicationStore::snapshot(std::size_t& cursor) const
{
    std::lock_guard lock(m_mutex);
    cursor = m_events.size();
    std::vector<Event> events;
    for (std::size_t i = 0; i < m_apps.size(); ++i) {
        if (m_apps[i].exists) {
            events.push_back({i, "ADDED", m_apps[i].object});
        }
    }
    return events;
}

std::vector<ApplicationStore::Event> ApplicationStore::events_after(std::size_t& cursor, Clock::time_point until) const
{
    std::unique_lock lock(m_mutex);
    m_changed.wait_until(lock, until, [&] { return m_stopping || m_events.size() > cursor; });
    std::vector<Event> events(m_events.begin() + static_cast<std::ptrdiff_t>(cursor), m_events.end());
    cursor = m_events.size();
    return events;
}

bool ApplicationStore::advance(std::string_view name)
{
    std::lock_guard lock(m_mutex);
    auto index = find_locked(name);
    if (!index) {
        return false;
    }
    fire(m_apps[*index], Trigger::manual);
    return true;
}

bool ApplicationStore::publish(std::string_view name, Json object)
{
    std::lock_guard lock(m_mutex);
    auto index = find_locked(name);
    if (!index) {
        return false;
    }
    object["metadata"]["name"] = std::string(name);
    std::string_view type = m_apps[*index].exists ? "MODIFIED" : "ADDED";
    m_apps[*index].exists = true;
    publish_locked(*index, std::move(object), type);
    return true;
}

bool ApplicationStore::update(std::string_view name,
                              const std::function<std::optional<Json>(const Json* current)>& change)
{
    std::lock_guard lock(m_mutex);
    auto index = find_locked(name);
    if (!index) {
        return false;
    }
    auto& live = m_apps[*index];
    auto next = change(live.exists ? live.object.get() : nullptr);
    if (!next) {
        return true;
    }
    (*next)["metadata"]["name"] = std::string(name);
    std::string_view type = live.exists ? "MODIFIED" : "ADDED";
    live.exists = true;
    publish_locked(*index, std::move(*next), type);
    return true;
}

void ApplicationStore::run_timeline()
{
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        auto next = step_due_apps(Clock::now());
        if (next) {
            m_changed.wait_until(lock, *next);
        } else {
            m_changed.wait(lock);
        }
    }
}

std::optional<ApplicationStore::Clock::time_point> ApplicationStore::step_due_apps(Clock::time_point now)
{
    std::optional<Clock::time_point> earliest;
    for (std::size_t i = 0; i < m_apps.size(); ++i) {
        auto& live = m_apps[i];
        for (auto due = next_step_due(live); due; due = next_step_due(live)) {
            if (*due > now) {
                keep_earliest(earliest, *due);
                break;
            }
            apply_next_step(i, now);
        }
        if (live.refresh_due && *live.refresh_due > now) {
            keep_earliest(earliest, *live.refresh_due);
        } else if (live.refresh_due) {
            live.refresh_due.reset();
            if (live.exists && application::refresh_requested(*live.object)) {
                publish_locked(i, application::without_refresh_request(*live.object), "MODIFIED");
            }
        }
    }
    return earliest;
}

std::optional<ApplicationStore::Clock::time_point> ApplicationStore::next_step_due(const LiveApp& app) const
{
    const Step* step = pending_step(app);
    if (step == nullptr) {
        return std::nullopt;
    }
    if (step->on == Trigger::none) {
        return app.step_published_at + step->after;
    }
    if (app.armed_at) {
        return *app.armed_at + step->after;
    }
    return std::nullopt;
}

void ApplicationStore::apply_next_step(std::size_t index, Clock::time_point now)
{
    auto& live = m_apps[index];
    const Step& step = live.scenario->steps[live.next_step++];
    live.step_published_at = now;
    live.armed_at.reset();
    if (!step.deleted) {
        std::string_view type = live.exists ? "MODIFIED" : "ADDED";
        live.exists = true;
        publish_locked(index, step.app, type);
    } else if (live.exists) {
        live.exists = false;
        publish_locked(index, step.app.is_null() ? *live.object : step.app, "DELETED");
    }
}

void ApplicationStore::publish_locked(std::size_t index, Json object, std::string_view type)
{
    auto& live = m_apps[index];
    auto own = application::resource_version(object);
    if (own && *own > live.last_version) {
        live.last_version = *own;
    } else {
        application::set_resource_version(object, ++live.last_version);
    }
    live.object = std::make_shared<const Json>(std::move(object));
    m_events.push_back({index, type, live.object});
    m_changed.notify_all();
}

void ApplicationStore::fire(LiveApp& app, Trigger trigger)
{
    const Step* step = pending_step(app);
    if (step != nullptr && step->on == trigger && !app.armed_at) {
        app.armed_at = Clock::now();
        m_changed.notify_all();
    }
}

const Step* ApplicationStore::pending_step(const LiveApp& app) const
{
    const auto& steps = app.scenario->steps;
    return app.next_step < steps.size() ? &steps[app.next_step] : nullptr;
}

std::optional<std::size_t> ApplicationStore::find_locked(std::string_view name) const
{
    for (std::size_t i = 0; i < m_apps.size(); ++i) {
        if (m_apps[i].scenario->name == name) {
            return i;
        }
    }
    return std::nullopt;
}

}  // namespace kanon::sandbox
