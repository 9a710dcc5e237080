#include "verify/argocd/sync.hpp"

#include <optional>
#include <thread>

#include <fmt/format.h>

#include "verify/argocd/application.hpp"

namespace kanon::verify::argocd {
namespace {

std::string seconds_text(std::chrono::milliseconds d)
{
    return fmt::format("{}s", d.count() / 1000);
}

bool operation_running(const Application& app)
{
    return app.operation || app.op_phase == "Running" || app.op_phase == "Terminating";
}

}  // namespace

SyncAttempt send_sync(const Client& client, const std::string& app, const std::string& project,
                      const std::string& repo_url, const SyncRequest& request, const std::function<bool()>& should_stop)
{
    SyncAttempt a;
    a.reply = client.sync(app, project, request, should_stop);
    const Reply& r = a.reply;
    a.message = r.message;
    if (r.accepted()) {  // started, even when its body could not be read: never sent again
        a.sent = SyncSent::started;
        a.body_read = r.ok();
        if (r.ok()) {
            auto started = read_application(r.body, repo_url);
            a.revision = started.ok() ? started->operation_revision : std::string{};
        }
    } else if (r.failure == ::kanon::http::Failure::stopped) {
        a.sent = SyncSent::unanswered;
    } else if (r.operation_in_progress()) {
        a.sent = SyncSent::busy;
    } else if (r.status == 403 && r.message.find("sync window") != std::string::npos) {
        a.sent = SyncSent::refused;
    } else if (r.retryable()) {
        a.sent = SyncSent::retryable;
    } else {
        a.sent = SyncSent::failed;
    }
    return a;
}

namespace {

// The state of one start_sync: its deadline and what it has seen so far.
class SyncStarter {
public:
    SyncStarter(const Client& client, const StartSyncOptions& o)
        : m_client(client), m_o(o), m_deadline(std::chrono::steady_clock::now() + o.timeout)
    {
    }

    Result<std::string> run();

private:
    [[nodiscard]] bool interrupted() const { return m_o.interrupted && m_o.interrupted(); }
    [[nodiscard]] bool past_deadline() const { return std::chrono::steady_clock::now() >= m_deadline; }
    void note(const std::string& line) const
    {
        if (m_o.note) {
            m_o.note(line);
        }
    }
    [[nodiscard]] std::string may_have_started() const
    {
        return fmt::format("the sync may have started: look at {} in Argo CD before syncing again", m_o.app);
    }
    [[nodiscard]] Error give_up() const;
    // The Application now, or nullopt when Argo CD did not answer (a retryable failure).
    Result<std::optional<Application>> current();
    // One sync request: the revision when it started, nullopt to wait and try again.
    Result<std::optional<std::string>> try_sync();

    const Client& m_client;
    const StartSyncOptions& m_o;
    std::chrono::steady_clock::time_point m_deadline;
    bool m_sent_unsure = false;  // a sync request got no clear answer: that sync may have started
    std::string m_unanswered;    // why the last GET failed, when it did ("": it was answered)
};

// Why no sync of ours is known to have started, at the deadline or a signal.
Error SyncStarter::give_up() const
{
    if (interrupted()) {
        return m_sent_unsure ? Error{"interrupted after a sync request that got no answer",
                                     ExitCode::interrupted,
                                     {},
                                     may_have_started()}
                             : Error{"interrupted before the sync could start", ExitCode::interrupted};
    }
    if (m_sent_unsure) {
        return Error{
            fmt::format("Argo CD gave no clear answer to the sync of {} within {}", m_o.app, seconds_text(m_o.timeout)),
            ExitCode::timed_out,
            {},
            may_have_started()};
    }
    if (m_unanswered.empty()) {
        return Error{fmt::format("{}: an operation was still running after {}; no sync started", m_o.app,
                                 seconds_text(m_o.timeout)),
                     ExitCode::timed_out};
    }
    return Error{
        fmt::format("Argo CD did not answer for {}; no sync started: {}", seconds_text(m_o.timeout), m_unanswered),
        ExitCode::timed_out};
}

Result<std::optional<Application>> SyncStarter::current()
{
    auto reply = m_client.get(m_o.app, m_o.project, {}, std::chrono::seconds(30),
                              [this] { return interrupted() || past_deadline(); });
    if (reply.failure == ::kanon::http::Failure::stopped) {
        m_unanswered = fmt::format("GET application {} got no answer in time", m_o.app);
        return give_up();
    }
    if (!reply.ok()) {
        Error e = reply_error(reply, "GET application " + m_o.app, m_o.app, m_o.project);
        if (!reply.retryable()) {
            return e;
        }
        m_unanswered = e.message;
        return std::optional<Application>{};
    }
    m_unanswered.clear();
    auto parsed = read_application(reply.body, m_o.repo_url);
    if (!parsed) {
        return parsed.take_error();
    }
    return std::optional<Application>{std::move(*parsed)};
}

Result<std::optional<std::string>> SyncStarter::try_sync()
{
    // Once sent, the sync is seen through to its answer (a signal does not
    // cut it), or to the deadline.
    auto a = send_sync(m_client, m_o.app, m_o.project, m_o.repo_url, SyncRequest{"", m_o.prune},
                       [this] { return past_deadline(); });
    switch (a.sent) {
        case SyncSent::started:
            if (!a.body_read) {
                note(
                    fmt::format("Argo CD accepted the sync of {} ({}) but its answer could not be read ({}): the "
                                "sync started, at a revision not known yet",
                                m_o.app, a.reply.status, a.message));
            }
            return std::optional<std::string>{a.revision};
        case SyncSent::unanswered:
            return Error{
                fmt::format("Argo CD did not answer the sync of {} within {}", m_o.app, seconds_text(m_o.timeout)),
                ExitCode::timed_out,
                {},
                may_have_started()};
        case SyncSent::refused:
            return Error{fmt::format("Argo CD refuses to sync {}: {}", m_o.app, a.message), ExitCode::verify_failed};
        case SyncSent::failed:
            return reply_error(a.reply, "sync " + m_o.app, m_o.app, m_o.project);
        case SyncSent::retryable:
            // A timeout, a reset or a proxy's 5xx: the request may have
            // reached Argo CD. (The operation then found running may be
            // that sync: it is waited out all the same.)
            m_sent_unsure = true;
            return std::optional<std::string>{};
        case SyncSent::busy:
            break;
    }
    return std::optional<std::string>{};
}

Result<std::string> SyncStarter::run()
{
    bool said = false;
    while (true) {
        auto app = current();
        if (!app) {
            return app.take_error();
        }
        if (*app && !operation_running(**app)) {
            auto started = try_sync();
            if (!started) {
                return started.take_error();
            }
            if (*started) {
                return **started;
            }
        }
        if (!said && *app) {
            const Application& a = **app;
            std::string by = a.operation_initiated_by.empty() ? a.op_initiated_by : a.operation_initiated_by;
            note(fmt::format("an operation is running on {}{}; waiting for it to end before syncing", m_o.app,
                             by.empty() ? "" : " (initiated by " + by + ")"));
            said = true;
        }
        if (interrupted() || std::chrono::steady_clock::now() + m_o.poll > m_deadline) {
            return give_up();
        }
        std::this_thread::sleep_for(m_o.poll);
    }
}

}  // namespace

Result<std::string> start_sync(const Client& client, const StartSyncOptions& o)
{
    return SyncStarter(client, o).run();
}

}  // namespace kanon::verify::argocd
