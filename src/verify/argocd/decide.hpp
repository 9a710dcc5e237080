// The decision of CONTRACT.md §6.2: given one observed state of an
// Application, is the revision we wait for deployed and healthy, failed, or
// not yet decided (and then, what are we waiting for)? A pure function: the
// wait loop (wait.hpp) feeds it every GET and every watch event.
#pragma once

#include <functional>
#include <string>

#include "verify/argocd/application.hpp"

namespace kanon::verify::argocd {

enum class Verdict {
    success,
    failed,      // the sync of an accepted revision failed or errored
    degraded,    // Degraded on the accepted revision (fails after the grace period)
    deleting,    // the Application is being deleted
    superseded,  // the stage moved to a revision that no longer holds our tag
    wait_operation,
    wait_revision,
    wait_stale,  // the operation finished after the last assessment
    wait_sync,
    wait_health,
};

[[nodiscard]] bool is_terminal(Verdict v);
[[nodiscard]] const char* verdict_name(Verdict v);  // "SUCCESS", "WAIT_REVISION", ...

// Whether a revision counts as ours: R itself, or (with the repo) a
// descendant of R whose release file still holds T.
struct Acceptance {
    enum Kind { accepted, not_yet, superseded } kind = not_yet;
    std::string reason;  // for not_yet/superseded: why, e.g. "release-dev/x.yaml holds tag abc at 1234567"
};
using Accept = std::function<Acceptance(const std::string& revision)>;

// Accepts exactly `revision` (full SHA, any case).
Accept accept_exactly(const std::string& revision);

struct Expectation {
    Accept accept;
    std::string image_repository;  // expected live image repository:tag, when known
    std::string image_tag;         // empty: no image check
};

struct Decision {
    Verdict verdict = Verdict::wait_revision;
    std::string reason;  // one line: what holds, or what we wait for
};

Decision decide(const Application& app, const Expectation& expect);

// The state in one line for progress output:
// "OutOfSync @9608148 · Healthy · sync Running".
std::string summarize(const Application& app);

}  // namespace kanon::verify::argocd
