// The fields of an Argo CD Application that the wait decides on, read from
// the JSON of a GET or of a watch event (CONTRACT.md §4). Every field is
// optional on the wire; unknown fields are ignored. A body that is not an
// Application at all is an error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "util/error.hpp"

namespace kanon::verify::argocd {

// RFC 3339 time in whole seconds since the epoch.
using Time = std::int64_t;
std::optional<Time> parse_time(const std::string& text);

struct ResourceResult {
    std::string kind;
    std::string namespace_;
    std::string name;
    std::string
        status;  // Synced | SyncFailed | Pruned | PruneSkipped (sync results); Synced | OutOfSync (status.resources)
    std::string health;      // status.resources[].health.status
    std::string hook_phase;  // sync results only
    std::string message;
    [[nodiscard]] std::string id() const;  // "Deployment/ns/name"
};

struct Condition {
    std::string type;
    std::string message;
};

struct Application {
    std::string name;
    std::string project;
    std::uint64_t resource_version = 0;
    bool deleting = false;         // metadata.deletionTimestamp
    bool refresh_pending = false;  // the refresh annotation
    std::string target_revision;   // of the web-core source
    bool automated = false;        // spec.syncPolicy.automated, not disabled

    bool operation = false;              // .operation present: a sync is requested or running
    std::string operation_revision;      // operation.sync.revision
    std::string operation_initiated_by;  // operation.initiatedBy.username
    bool operation_automated = false;

    std::string sync_status;    // Synced | OutOfSync | Unknown
    std::string sync_revision;  // what the status was computed for
    std::string health_status;  // Healthy | Progressing | Degraded | Suspended | Missing | Unknown
    std::string health_message;
    std::optional<Time> reconciled_at;

    bool has_operation_state = false;
    std::string op_phase;  // Running | Terminating | Succeeded | Failed | Error
    std::string op_message;
    std::optional<Time> op_started_at;
    std::optional<Time> op_finished_at;
    std::string op_sync_revision;  // syncResult.revision, else operation.sync.revision of the state
    std::string op_initiated_by;
    std::vector<ResourceResult> op_failed_resources;  // SyncFailed, or hook phase Failed/Error

    std::vector<Condition> conditions;
    std::vector<std::string> images;                  // status.summary.images
    std::vector<ResourceResult> unhealthy_resources;  // status.resources not Synced or not Healthy
};

// Reads an Application from a parsed body. `repo_url` picks the source of a
// multi-source app (its index in spec.sources selects status.sync.revisions
// and friends); empty or unmatched means the first source.
Result<Application> read_application(const nlohmann::json& body, const std::string& repo_url = {});
Result<Application> parse_application(const std::string& text, const std::string& repo_url = {});

// A SHA compared as Argo CD reports it: lower-case, full length.
std::string normalize_sha(const std::string& sha);

}  // namespace kanon::verify::argocd
