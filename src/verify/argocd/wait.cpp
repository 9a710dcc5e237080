#include "verify/argocd/wait.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "canon/names.hpp"
#include "verify/argocd/sync.hpp"

namespace kanon::verify::argocd {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// What the watch and refresh threads hand to the loop.
struct Item {
    enum Kind { state, note, stream_ended, refresh_failed } kind = note;
    std::string source;
    nlohmann::json body;
    std::string text;
    std::uint64_t number = 0;  // set by Inbox::push
};

// The loop takes items one by one; a thread that pushed one can wait until
// the loop is done with it (see watch_loop).
class Inbox {
public:
    // Returns the item's number, for wait_handled().
    std::uint64_t push(Item item)
    {
        std::uint64_t number = 0;
        {
            std::lock_guard lock(m_mutex);
            number = ++m_pushed;
            item.number = number;
            m_items.push_back(std::move(item));
        }
        m_cv.notify_all();  // all: a watch may be waiting in wait_handled() too
        return number;
    }
    // The next item, or nothing once `until` has passed.
    std::optional<Item> pop(Clock::time_point until)
    {
        std::unique_lock lock(m_mutex);
        m_cv.wait_until(lock, until, [&] { return !m_items.empty(); });
        if (m_items.empty()) {
            return std::nullopt;
        }
        Item item = std::move(m_items.front());
        m_items.pop_front();
        return item;
    }
    // The loop is done with item `number` and every one before it.
    void handled(std::uint64_t number)
    {
        {
            std::lock_guard lock(m_mutex);
            m_handled = std::max(m_handled, number);
        }
        m_cv.notify_all();
    }
    // Blocks until the loop is done with item `number`, `stop` is set or
    // `until` has passed.
    void wait_handled(std::uint64_t number, const std::atomic<bool>& stop, Clock::time_point until)
    {
        std::unique_lock lock(m_mutex);
        m_cv.wait_until(lock, until, [&] { return m_handled >= number || stop.load(); });
    }
    // After setting a stop flag: under the mutex, so a waiter that has just
    // found the flag unset cannot miss the notification.
    void wake()
    {
        {
            std::lock_guard lock(m_mutex);
        }
        m_cv.notify_all();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<Item> m_items;
    std::uint64_t m_pushed = 0;
    std::uint64_t m_handled = 0;
};

// Sleeps up to `d`, returning early when `stop` is set.
void nap(milliseconds d, const std::atomic<bool>& stop)
{
    auto until = Clock::now() + d;
    while (!stop.load() && Clock::now() < until) {
        std::this_thread::sleep_for(
            std::min<milliseconds>(milliseconds(50), std::chrono::duration_cast<milliseconds>(until - Clock::now())));
    }
}

class Waiter {
public:
    Waiter(const Client& client, const WaitOptions& options)
        : m_client(client), m_opts(options), m_start(Clock::now()), m_deadline(m_start + options.timeout)
    {
    }
    ~Waiter() { shut_down(); }
    Waiter(const Waiter&) = delete;
    Waiter& operator=(const Waiter&) = delete;

    WaitResult run();

private:
    bool stopping() const { return m_stop.load() || (m_opts.interrupted && m_opts.interrupted()); }
    milliseconds since_start() const { return std::chrono::duration_cast<milliseconds>(Clock::now() - m_start); }
    void step(const std::string& source, const std::string& state, const std::string& verdict,
              const std::string& reason);
    void note(const std::string& text) { step("note", "", "", text); }

    std::optional<WaitResult> first_look();
    std::optional<WaitResult> follow();
    std::optional<WaitResult> handle(const Item& item);
    [[nodiscard]] Clock::time_point next_wake(Clock::time_point now) const;
    std::optional<WaitResult> observe(const nlohmann::json& body, const std::string& source);
    std::optional<WaitResult> act(const Application& app, const Decision& d);
    std::optional<WaitResult> get_and_observe(const std::string& source);
    std::optional<WaitResult> fatal(const Reply& reply, const std::string& what);
    std::optional<WaitResult> trigger_sync(const Application& app);
    void start_refresh();
    void start_watch();
    void watch_loop();
    WaitResult finish(WaitOutcome outcome, std::string reason);
    void shut_down();

    const Client& m_client;
    const WaitOptions& m_opts;
    Clock::time_point m_start;
    Clock::time_point m_deadline;
    WaitResult m_result;
    Inbox m_inbox;
    std::atomic<bool> m_stop{false};
    std::atomic<std::uint64_t> m_last_rv{0};
    std::thread m_watch;
    std::thread m_refresh;
    std::atomic<bool> m_refresh_busy{false};

    Decision m_decision;
    std::string m_last_state;
    std::string m_last_verdict;
    std::optional<Clock::time_point> m_degraded_since;
    std::chrono::milliseconds m_degraded_grace{0};  // the grace of the Degraded seen since m_degraded_since
    std::optional<Clock::time_point> m_settle_due;
    std::optional<Time> m_settle_started_at;
    Clock::time_point m_next_poll;
    Clock::time_point m_next_refresh;
    milliseconds m_refresh_backoff{0};
    std::string m_synced_for;  // the revision we already asked to sync
};

void Waiter::step(const std::string& source, const std::string& state, const std::string& verdict,
                  const std::string& reason)
{
    WaitStep s{since_start(), source, state, verdict, reason};
    m_result.steps.push_back(s);
    if (m_opts.on_step) {
        m_opts.on_step(s);
    }
}

WaitResult Waiter::finish(WaitOutcome outcome, std::string reason)
{
    shut_down();
    m_result.outcome = outcome;
    m_result.reason = std::move(reason);
    m_result.elapsed = since_start();
    return std::move(m_result);
}

void Waiter::shut_down()
{
    m_stop.store(true);
    m_inbox.wake();
    if (m_watch.joinable()) {
        m_watch.join();
    }
    if (m_refresh.joinable()) {
        m_refresh.join();
    }
}

std::optional<WaitResult> Waiter::fatal(const Reply& reply, const std::string& what)
{
    m_result.error = reply_error(reply, what, m_opts.app, m_opts.project);
    return finish(WaitOutcome::error, m_result.error->message);
}

std::optional<WaitResult> Waiter::observe(const nlohmann::json& body, const std::string& source)
{
    auto app = read_application(body, m_opts.repo_url);
    if (!app.ok()) {
        note(fmt::format("ignored a {} answer: {}", source, app.error().message));
        return std::nullopt;
    }
    // Stream events can repeat or arrive after a fresher GET: keep the newest.
    if (app->resource_version != 0 && app->resource_version < m_last_rv.load()) {
        return std::nullopt;
    }
    if (source == "watch" && app->resource_version != 0 && app->resource_version == m_last_rv.load()) {
        return std::nullopt;
    }
    m_last_rv.store(std::max(m_last_rv.load(), app->resource_version));
    m_decision = decide(*app, m_opts.expect);
    std::string state = summarize(*app);
    std::string verdict = verdict_name(m_decision.verdict);
    if (state != m_last_state || verdict != m_last_verdict) {
        step(source, state, verdict, m_decision.reason);
        m_last_state = state;
        m_last_verdict = verdict;
    }
    m_result.last = *app;
    return act(*app, m_decision);
}

std::optional<WaitResult> Waiter::act(const Application& app, const Decision& d)
{
    if (d.verdict != Verdict::degraded) {
        m_degraded_since.reset();
    }
    if (d.verdict != Verdict::success) {
        m_settle_due.reset();
    }
    switch (d.verdict) {
        case Verdict::success:
            if (m_opts.settle.count() == 0) {
                return finish(WaitOutcome::success, d.reason);
            }
            if (!m_settle_due) {
                m_settle_due = Clock::now() + m_opts.settle;
                m_settle_started_at = app.op_started_at;
            } else if (Clock::now() >= *m_settle_due) {
                if (m_settle_started_at == app.op_started_at) {
                    return finish(WaitOutcome::success,
                                  d.reason + fmt::format(", still after {} s", m_opts.settle.count() / 1000));
                }
                m_settle_due = Clock::now() + m_opts.settle;  // another operation ran: settle again
                m_settle_started_at = app.op_started_at;
            }
            return std::nullopt;
        case Verdict::failed:
            return finish(WaitOutcome::failed, d.reason);
        case Verdict::superseded:
            return finish(WaitOutcome::superseded, d.reason);
        case Verdict::deleting:
            return finish(WaitOutcome::deleting, d.reason);
        case Verdict::degraded: {
            if (!m_degraded_since) {
                m_degraded_since = Clock::now();
            }
            // Our sync Succeeded and Argo CD assessed health after it ended.
            bool after_our_sync = app.op_phase == "Succeeded" && app.op_finished_at && app.reconciled_at &&
                                  *app.reconciled_at >= *app.op_finished_at &&
                                  m_opts.expect.accept(app.op_sync_revision).kind == Acceptance::accepted;
            m_degraded_grace =
                after_our_sync ? std::min(m_opts.degraded_grace, m_opts.degraded_after_sync) : m_opts.degraded_grace;
            if (Clock::now() - *m_degraded_since >= m_degraded_grace) {
                auto held = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - *m_degraded_since).count();
                return finish(WaitOutcome::degraded,
                              after_our_sync
                                  ? fmt::format("{} (after the sync of {} finished: Argo CD calls a Deployment "
                                                "Degraded once its progress deadline has passed)",
                                                d.reason, canon::argocd_short_sha(app.op_sync_revision))
                                  : fmt::format("{} (for {} s, past the grace period)", d.reason, held));
            }
            return std::nullopt;
        }
        case Verdict::wait_revision:
            if (m_opts.refresh && Clock::now() >= m_next_refresh) {
                start_refresh();
            }
            return std::nullopt;
        case Verdict::wait_sync:
            if (m_opts.sync && !app.operation && app.sync_revision != m_synced_for) {
                return trigger_sync(app);
            }
            return std::nullopt;
        default:
            return std::nullopt;
    }
}

std::optional<WaitResult> Waiter::trigger_sync(const Application& app)
{
    // Omit the revision: an auto-sync app refuses any other than its
    // targetRevision, and the branch head is what `accept` judged.
    SyncAttempt a = send_sync(m_client, m_opts.app, m_opts.project, m_opts.repo_url, SyncRequest{});
    switch (a.sent) {
        case SyncSent::started:  // a 2xx whose body was cut short started the sync all the same: never sent twice
            m_synced_for = app.sync_revision;
            step("sync", "", "",
                 fmt::format("sync requested{}",
                             a.revision.empty() ? "" : " for " + canon::argocd_short_sha(a.revision)));
            return std::nullopt;
        case SyncSent::busy:
            m_synced_for = app.sync_revision;
            note("a sync is already running (auto-sync got there first); waiting for it");
            return std::nullopt;
        case SyncSent::refused:
            return finish(WaitOutcome::failed, "Argo CD refuses to sync: " + a.message);
        case SyncSent::retryable:
            note("sync request failed, will try again: " +
                 (a.message.empty() ? fmt::format("HTTP {}", a.reply.status) : a.message));
            return std::nullopt;
        case SyncSent::unanswered:
        case SyncSent::failed:
            break;
    }
    return fatal(a.reply, "sync " + m_opts.app);
}

std::optional<WaitResult> Waiter::get_and_observe(const std::string& source)
{
    Reply r = m_client.get(m_opts.app, m_opts.project, {}, std::chrono::seconds(30),
                           [this] { return stopping() || Clock::now() >= m_deadline; });
    if (r.ok()) {
        return observe(r.body, source);
    }
    if (r.retryable() || r.failure == ::kanon::http::Failure::stopped) {
        if (r.failure != ::kanon::http::Failure::stopped) {
            note("GET failed, will retry: " + (r.message.empty() ? fmt::format("HTTP {}", r.status) : r.message));
        }
        return std::nullopt;
    }
    return fatal(r, "GET application " + m_opts.app);
}

void Waiter::start_refresh()
{
    if (m_refresh_busy.load()) {
        return;
    }
    if (m_refresh.joinable()) {
        m_refresh.join();
    }
    m_refresh_backoff = m_refresh_backoff.count() == 0 ? m_opts.refresh_backoff_first
                                                       : std::min(m_refresh_backoff * 2, m_opts.refresh_backoff_cap);
    m_next_refresh = Clock::now() + m_refresh_backoff;
    m_refresh_busy.store(true);
    step("refresh", "", "", "asked Argo CD to compare with git now (refresh=normal)");
    m_refresh = std::thread([this] {
        Reply r = m_client.get(m_opts.app, m_opts.project, "normal", std::chrono::seconds(30),
                               [this] { return m_stop.load(); });
        if (r.ok()) {
            m_inbox.push(Item{Item::state, "refresh", std::move(r.body), {}});
        } else if (r.failure != ::kanon::http::Failure::stopped) {
            // Not fatal: the annotation is in place and will still be processed.
            m_inbox.push(Item{
                Item::refresh_failed, "refresh", {}, r.message.empty() ? fmt::format("HTTP {}", r.status) : r.message});
        }
        m_refresh_busy.store(false);
    });
}

void Waiter::start_watch()
{
    m_watch = std::thread([this] { watch_loop(); });
}

void Waiter::watch_loop()
{
    milliseconds backoff(1000);
    while (!m_stop.load()) {
        bool got_event = false;
        bool broken = false;  // a message past the size limit: end this stream now
        std::string error;
        Reply r = m_client.watch(
            m_opts.app, m_last_rv.load(),
            [&](StreamMessage&& m) {
                if (m.kind == StreamMessage::event) {
                    got_event = true;
                    auto number = m_inbox.push(Item{Item::state, "watch", std::move(m.application), {}});
                    // Hold the stream until the loop has decided on this
                    // state. When it ends the wait, m_stop is set before this
                    // returns, so the transfer ends at once (Client::watch
                    // checks should_stop after each chunk) instead of at
                    // curl's next idle check, up to 1 s later, which
                    // shut_down() would wait for. Never longer than that.
                    m_inbox.wait_handled(number, m_stop, Clock::now() + milliseconds(1000));
                } else if (m.kind == StreamMessage::error) {
                    error = fmt::format("{} (HTTP {})", m.text, m.http_code);
                } else if (m.kind == StreamMessage::garbage) {
                    error = "unreadable message: " + m.text;
                } else if (m.kind == StreamMessage::too_large) {
                    error = m.text;
                    broken = true;
                }
            },
            [this, &broken] { return m_stop.load() || broken; }, m_opts.idle);
        if (m_stop.load()) {
            return;
        }
        // An open stream that went quiet past the idle limit is how a watch
        // ends when nothing happens (a proxy may also drop the keepalives):
        // it is reconnected at once, and said as what it is, not as an error.
        bool quiet = error.empty() && r.status == 200 && r.failure == ::kanon::http::Failure::timeout;
        if (error.empty()) {
            error = r.failure != ::kanon::http::Failure::none ? r.message
                    : r.status >= 300 ? fmt::format("HTTP {}{}", r.status, r.message.empty() ? "" : ": " + r.message)
                                      : "the server closed it";
        }
        backoff = got_event || quiet ? milliseconds(1000) : std::min(backoff * 2, milliseconds(10000));
        m_inbox.push(Item{Item::stream_ended,
                          "watch",
                          {},
                          quiet ? fmt::format("the watch was quiet for {} s; reopening it",
                                              std::chrono::duration_cast<std::chrono::seconds>(m_opts.idle).count())
                                : fmt::format("watch ended ({}); reconnecting in {} s", error,
                                              static_cast<double>(backoff.count()) / 1000.0)});
        nap(backoff, m_stop);
    }
}

// The first GET gives the real 401/403/404 (a watch on a missing app is
// silent) and the state to decide on before any event. A result when that
// already ends the wait.
std::optional<WaitResult> Waiter::first_look()
{
    milliseconds backoff(1000);
    int unreachable = 0;  // first GETs in a row that found no server at all
    while (true) {
        Reply r = m_client.get(m_opts.app, m_opts.project, {}, std::chrono::seconds(30),
                               [this] { return stopping() || Clock::now() >= m_deadline; });
        if (r.ok()) {
            return observe(r.body, "get");
        }
        // Refused or not resolved, never answered once: a wrong server (or
        // one that is down), not a deploy to wait for. A few tries cover a
        // restart; the timeout is for what Argo CD does, not for its absence.
        bool absent = r.status == 0 &&
                      (r.failure == ::kanon::http::Failure::connect || r.failure == ::kanon::http::Failure::resolve);
        unreachable = absent ? unreachable + 1 : 0;
        if (unreachable >= m_opts.unreachable_tries) {
            m_result.error =
                Error{fmt::format("Argo CD at {} cannot be reached: {} ({} tries in {} s)", m_client.base_url(),
                                  r.message, unreachable,
                                  std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - m_start).count()),
                      ExitCode::failed,
                      {},
                      "check ARGOCD_SERVER (or --server) and that Argo CD's API is up"};
            return finish(WaitOutcome::error, m_result.error->message);
        }
        if (!r.retryable() && r.failure != ::kanon::http::Failure::stopped) {
            return fatal(r, "GET application " + m_opts.app);
        }
        if (stopping()) {
            return finish(WaitOutcome::interrupted, "interrupted before Argo CD answered");
        }
        if (Clock::now() + backoff >= m_deadline) {
            // A request still unanswered at the deadline was cut there.
            bool cut = r.failure == ::kanon::http::Failure::stopped;
            return finish(WaitOutcome::timed_out,
                          cut ? fmt::format("Argo CD did not answer {} within the timeout", m_opts.app)
                              : "Argo CD did not answer: " + r.message);
        }
        note("GET failed, will retry: " + (r.message.empty() ? fmt::format("HTTP {}", r.status) : r.message));
        nap(backoff, m_stop);
        backoff = std::min(backoff * 2, milliseconds(10000));
    }
}

// When the loop must look again at the latest: the deadline, the next
// poll, a refresh due, the end of the degraded grace or of the settle time.
Clock::time_point Waiter::next_wake(Clock::time_point now) const
{
    auto wake = std::min({m_deadline, m_next_poll, now + milliseconds(200)});
    if (m_decision.verdict == Verdict::wait_revision && m_opts.refresh) {
        wake = std::min(wake, m_next_refresh);
    }
    if (m_degraded_since) {
        wake = std::min(wake, *m_degraded_since + m_degraded_grace);
    }
    if (m_settle_due) {
        wake = std::min(wake, *m_settle_due);
    }
    return wake;
}

// What the watch or the refresh thread handed over.
std::optional<WaitResult> Waiter::handle(const Item& item)
{
    if (item.kind == Item::state) {
        return observe(item.body, item.source);
    }
    if (item.kind == Item::stream_ended) {
        note(item.text);
        m_next_poll = std::min(m_next_poll, Clock::now() + milliseconds(1000));
    } else {
        note("refresh did not complete (" + item.text + "); the request stays queued in Argo CD");
    }
    return std::nullopt;
}

// Events from the watch, polls, refreshes and timers until a verdict or the
// deadline (nothing then).
std::optional<WaitResult> Waiter::follow()
{
    while (true) {
        if (stopping()) {
            return finish(WaitOutcome::interrupted, "interrupted while waiting: " + m_decision.reason);
        }
        auto now = Clock::now();
        if (now >= m_deadline) {
            return std::nullopt;
        }
        if (auto item = m_inbox.pop(next_wake(now))) {
            if (auto done = handle(*item)) {
                return done;
            }
            m_inbox.handled(item->number);
            continue;
        }
        now = Clock::now();
        bool poll_due = now >= m_next_poll;
        bool settle_due = m_settle_due && now >= *m_settle_due;
        bool degraded_due = m_degraded_since && now - *m_degraded_since >= m_degraded_grace;
        if (poll_due || settle_due || degraded_due) {
            m_next_poll = now + m_opts.poll;
            if (auto done = get_and_observe("get")) {
                return done;
            }
        }
        if (m_decision.verdict == Verdict::wait_revision && m_opts.refresh && now >= m_next_refresh) {
            start_refresh();
        }
    }
}

WaitResult Waiter::run()
{
    m_next_poll = Clock::now() + m_opts.poll;
    m_next_refresh = Clock::now();
    if (auto done = first_look()) {
        return std::move(*done);
    }
    start_watch();
    if (auto done = follow()) {
        return std::move(*done);
    }
    // One last look before giving up.
    if (auto done = get_and_observe("get")) {
        return std::move(*done);
    }
    return finish(WaitOutcome::timed_out,
                  fmt::format("timed out after {} s, still waiting: {} ({})",
                              std::chrono::duration_cast<std::chrono::seconds>(m_opts.timeout).count(),
                              m_decision.reason, verdict_name(m_decision.verdict)));
}

}  // namespace

ExitCode exit_code_of(WaitOutcome outcome)
{
    switch (outcome) {
        case WaitOutcome::success:
            return ExitCode::ok;
        case WaitOutcome::failed:
        case WaitOutcome::degraded:
        case WaitOutcome::superseded:
        case WaitOutcome::deleting:
            return ExitCode::verify_failed;
        case WaitOutcome::timed_out:
            return ExitCode::timed_out;
        case WaitOutcome::interrupted:
            return ExitCode::interrupted;
        case WaitOutcome::error:
            return ExitCode::failed;
    }
    return ExitCode::failed;
}

const char* outcome_name(WaitOutcome outcome)
{
    switch (outcome) {
        case WaitOutcome::success:
            return "deployed";
        case WaitOutcome::failed:
            return "sync failed";
        case WaitOutcome::degraded:
            return "degraded";
        case WaitOutcome::superseded:
            return "superseded";
        case WaitOutcome::deleting:
            return "deleted";
        case WaitOutcome::timed_out:
            return "timed out";
        case WaitOutcome::interrupted:
            return "interrupted";
        case WaitOutcome::error:
            return "error";
    }
    return "?";
}

WaitResult wait_for(const Client& client, const WaitOptions& options)
{
    Waiter w(client, options);
    return w.run();
}

}  // namespace kanon::verify::argocd
