// Waiting for a revision to be deployed and healthy (CONTRACT.md §6.3): the
// decision of decide.hpp run on the first GET, on every watch event, on a
// periodic GET (events can be coalesced or lost), and on the answers of the
// refreshes it asks for while Argo CD has not seen the commit yet. The watch
// runs on its own thread and reconnects with backoff; a refresh runs on
// another, because the server holds it until the controller is done.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "util/error.hpp"
#include "verify/argocd/client.hpp"
#include "verify/argocd/decide.hpp"

namespace kanon::verify::argocd {

struct WaitStep {
    std::chrono::milliseconds at{0};  // since the wait began
    std::string source;               // get | watch | refresh | sync | note
    std::string state;                // summarize() of the state, empty for notes
    std::string verdict;              // verdict_name(), empty for notes
    std::string reason;
};

struct WaitOptions {
    std::string app;       // the Application's name
    std::string project;   // sent with every GET, so a missing app is a 404, not a 403
    std::string repo_url;  // picks web-core among the sources of a multi-source app
    Expectation expect;
    std::chrono::milliseconds timeout{std::chrono::minutes(10)};
    std::chrono::milliseconds degraded_grace{std::chrono::seconds(60)};
    // Degraded once our sync has finished and Argo CD has assessed the result
    // is its final word (a Deployment turns Degraded only past its progress
    // deadline): confirmed for this long, not for degraded_grace.
    std::chrono::milliseconds degraded_after_sync{std::chrono::seconds(5)};
    // First GETs refused or unresolved in a row before the server counts as
    // unreachable (exit 1): 1 + 2 + 4 s of backoff between them.
    int unreachable_tries = 4;
    std::chrono::milliseconds settle{0};  // SUCCESS must hold again this much later
    bool refresh = true;                  // ask Argo CD to look at git now, not in 3 minutes
    bool sync = false;                    // POST a sync when OutOfSync on our revision and idle
    std::chrono::milliseconds poll{std::chrono::seconds(30)};
    std::chrono::milliseconds idle{std::chrono::seconds(45)};  // a silent watch is dead after this
    std::chrono::milliseconds refresh_backoff_first{std::chrono::seconds(15)};
    std::chrono::milliseconds refresh_backoff_cap{std::chrono::seconds(60)};
    std::function<void(const WaitStep&)> on_step;  // progress, as it happens
    std::function<bool()> interrupted;
};

enum class WaitOutcome { success, failed, degraded, superseded, deleting, timed_out, error, interrupted };

struct WaitResult {
    WaitOutcome outcome = WaitOutcome::timed_out;
    std::string reason;
    std::vector<WaitStep> steps;
    std::optional<Application> last;  // the last state seen
    std::optional<Error> error;       // for WaitOutcome::error
    std::chrono::milliseconds elapsed{0};
};

[[nodiscard]] ExitCode exit_code_of(WaitOutcome outcome);
[[nodiscard]] const char* outcome_name(WaitOutcome outcome);

WaitResult wait_for(const Client& client, const WaitOptions& options);

}  // namespace kanon::verify::argocd
