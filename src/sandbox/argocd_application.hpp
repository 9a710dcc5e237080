// The simulator's view of an Application object (CONTRACT.md §4): the few
// fields it reads and writes, and what `POST /sync` does to the object
// (§2.4: SetAppOperation sets `.operation` and clears `operationState`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "sandbox/argocd_wire.hpp"

namespace kanon::sandbox::application {

inline constexpr std::string_view k_refresh_annotation = "argocd.argoproj.io/refresh";
// argocd-server's own namespace: where an app lives when appNamespace is omitted.
inline constexpr std::string_view k_default_namespace = "argocd";

std::string name(const Json& app);
std::string app_namespace(const Json& app);
std::string project(const Json& app);
// A decimal resourceVersion; nullopt for anything else.
std::optional<std::uint64_t> parse_version(std::string_view text);
std::optional<std::uint64_t> resource_version(const Json& app);
void set_resource_version(Json& app, std::uint64_t version);

bool refresh_requested(const Json& app);
// `kind` is the annotation's value: "hard" or "normal".
Json with_refresh_requested(Json app, std::string_view kind);
Json without_refresh_request(Json app);

bool is_deleting(const Json& app);
bool has_operation(const Json& app);
// `spec.syncPolicy.automated` present and its `enabled` not false.
bool auto_sync_enabled(const Json& app);
std::string target_revision(const Json& app);
// `status.sync.revision`: targetRevision as the last comparison resolved it.
std::string compared_revision(const Json& app);

// The parts of ApplicationSyncRequest the simulator acts on.
struct SyncRequest {  // NOLINT(bugprone-exception-escape): clang-tidy 14 misreads nlohmann::json's noexcept move
                      // constructor
    std::string revision;
    std::string project;
    std::string app_namespace;
    bool prune = false;
    bool dry_run = false;
    Json strategy;      // null when absent
    Json sync_options;  // the `items` array, null when absent
    Json retry;         // null when absent
};

// Decodes a body the way the gateway's encoding/json does: an empty body is
// an empty request, unknown keys are ignored, a wrong type is InvalidArgument.
std::variant<SyncRequest, wire::GrpcError> parse_sync_request(std::string_view body);
// Why argocd-server would refuse this sync of `app`, checked in its order.
std::optional<wire::GrpcError> refuse_sync(const Json& app, const SyncRequest& request);
// `app` with the operation a successful sync writes.
Json with_sync_operation(Json app, const SyncRequest& request, std::string_view revision, std::string_view username);

}  // namespace kanon::sandbox::application
