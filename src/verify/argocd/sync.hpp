// Starting a sync of an Application: the one implementation. `send_sync`
// sends one request and says what became of it; the wait loop (wait.cpp)
// uses it when Argo CD sees our revision but nothing syncs it, and
// `start_sync` (`kanon sync`) waits out a running operation first so that
// the sync that starts is ours.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "util/error.hpp"
#include "verify/argocd/client.hpp"

namespace kanon::verify::argocd {

enum class SyncSent {
    started,     // a 2xx: the sync started (even when its body could not be read)
    busy,        // "another operation is already in progress"
    refused,     // a sync window forbids it (403): waiting will not help
    retryable,   // a timeout, a reset, a 5xx: it may or may not have reached Argo CD
    unanswered,  // cut by `should_stop` before an answer: it may have started
    failed,      // any other answer (401, 404, ...): `error` says what to do
};

struct SyncAttempt {  // NOLINT(bugprone-exception-escape): clang-tidy 14 misreads nlohmann::json's noexcept move
    SyncSent sent = SyncSent::failed;
    std::string revision;   // started: the revision the sync takes ("" when unknown)
    bool body_read = true;  // started: its answer could be read
    std::string message;    // the server's or the transport's words
    Reply reply;
};

// One sync request (never re-sent here). `should_stop` cuts it.
SyncAttempt send_sync(const Client& client, const std::string& app, const std::string& project,
                      const std::string& repo_url, const SyncRequest& request,
                      const std::function<bool()>& should_stop = {});

struct StartSyncOptions {
    std::string app;
    std::string project;
    std::string repo_url;  // the Application's source, to read its revision
    bool prune = false;
    std::chrono::milliseconds timeout{std::chrono::minutes(10)};
    std::chrono::milliseconds poll{std::chrono::seconds(2)};
    std::function<bool()> interrupted;             // a signal came
    std::function<void(const std::string&)> note;  // a line for people
};

// Starts a sync of the Application. A running operation (auto-sync,
// someone's manual sync) is waited out first, polling every `poll` until
// the timeout, so the sync that starts is ours; losing the race to
// auto-sync again (400 "another operation is already in progress") waits
// again. Every request is cut at the deadline (a GET at a signal too): an
// Argo CD that never answers costs the timeout, not the 30 s request limit.
// Returns the revision the sync takes ("" when unknown).
Result<std::string> start_sync(const Client& client, const StartSyncOptions& o);

}  // namespace kanon::verify::argocd
