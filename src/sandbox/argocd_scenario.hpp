// A scenario: the Applications the simulator serves, the timeline of states
// each one goes through, and the faults it injects. The JSON format is in
// docs/argocd-simulator.md; this is its parsed, validated form.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/argocd_wire.hpp"
#include "util/error.hpp"

namespace kanon::sandbox {

using Millis = std::chrono::milliseconds;

// What moves an app to a step: only time (none), or one of these events
// followed by `after`.
enum class Trigger { none, refresh, sync, manual };

struct Step {
    Json app;              // the full Application; unused when `deleted`
    bool deleted = false;  // the app disappears (a DELETED event)
    Trigger on = Trigger::none;
    Millis after{0};  // from the previous step, or from the trigger
};

// A canned answer instead of the real one, for the first `count` requests
// (every request when count is absent) after the first `after`, which are
// answered as usual (a token revoked mid-wait).
struct CannedReply {
    int status = 500;
    std::string body;
    std::string content_type = "application/json";
    std::optional<int> count;
    int after = 0;
};

struct StreamFault {
    int after = 0;  // messages sent before the fault
    int count = 1;  // watch connections it hits
    wire::GrpcError error{14, "error reading from server: EOF"};
};

struct Faults {
    std::optional<bool> refresh_hangs;
    std::optional<StreamFault> stream_cut;
    std::optional<StreamFault> stream_error;
    std::optional<CannedReply> sync_response;
    std::optional<CannedReply> get_response;
};

struct AppScenario {
    std::string name;
    std::string subject = "proj:synestra:ci";                  // operation.initiatedBy.username of a sync
    std::string sync_revision;                                 // empty: status.sync.revision
    std::optional<Millis> refresh_consumed_after = Millis{0};  // nullopt: never
    Faults faults;                                             // global faults already merged in
    std::vector<Step> steps;
};

struct Scenario {
    Millis sse_keepalive{15000};
    Millis hang_cap{60000};  // the longest a request is held without Grpc-Timeout
    std::vector<AppScenario> apps;
};

// `fixtures` resolves the relative file names of `fixture` and `ndjson` steps.
Result<Scenario> parse_scenario(const Json& document, const std::filesystem::path& fixtures);
Result<Scenario> load_scenario(const std::filesystem::path& file, const std::filesystem::path& fixtures);

}  // namespace kanon::sandbox
