// Reads and edits of Application objects; field names and the sync checks
// follow argo-cd's server/application/application.go as CONTRACT.md cites it.
#include "sandbox/argocd_application.hpp"

#include <charconv>
#include <utility>

namespace kanon::sandbox::application {

namespace {

const Json& at_path(const Json& app, std::initializer_list<std::string_view> keys)
{
    static const Json k_null;
    const Json* node = &app;
    for (auto key : keys) {
        if (!node->is_object()) {
            return k_null;
        }
        auto it = node->find(key);
        if (it == node->end()) {
            return k_null;
        }
        node = &*it;
    }
    return *node;
}

std::string string_at(const Json& app, std::initializer_list<std::string_view> keys)
{
    const Json& value = at_path(app, keys);
    return value.is_string() ? value.get<std::string>() : std::string{};
}

wire::GrpcError failed_precondition(std::string message)
{
    return {9, std::move(message)};
}

// Go's names for a JSON value's kind in "cannot unmarshal <kind> into …".
std::string go_kind(const Json& value)
{
    if (value.is_string()) {
        return "string";
    }
    if (value.is_boolean()) {
        return "bool";
    }
    if (value.is_number()) {
        return "number";
    }
    return value.is_array() ? "array" : "object";
}

// Scalar fields are checked like encoding/json; null leaves the zero value.
std::optional<wire::GrpcError> check_type(const Json& body, std::string_view field, bool want_string)
{
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) {
        return std::nullopt;
    }
    if (want_string ? it->is_string() : it->is_boolean()) {
        return std::nullopt;
    }
    return wire::GrpcError{3, "json: cannot unmarshal " + go_kind(*it) +
                                  " into Go struct field ApplicationSyncRequest." + std::string(field) + " of type " +
                                  (want_string ? "string" : "bool")};
}

wire::GrpcError syntax_error(std::string_view body, std::size_t byte)
{
    if (byte >= body.size()) {
        return {3, "unexpected EOF"};
    }
    return {3, "invalid character '" + std::string(1, body[byte]) + "' looking for beginning of value"};
}

}  // namespace

std::string name(const Json& app)
{
    return string_at(app, {"metadata", "name"});
}

std::string app_namespace(const Json& app)
{
    std::string ns = string_at(app, {"metadata", "namespace"});
    return ns.empty() ? std::string(k_default_namespace) : ns;
}

std::string project(const Json& app)
{
    std::string p = string_at(app, {"spec", "project"});
    return p.empty() ? "default" : p;
}

std::optional<std::uint64_t> parse_version(std::string_view text)
{
    std::uint64_t version = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return version;
}

std::optional<std::uint64_t> resource_version(const Json& app)
{
    return parse_version(string_at(app, {"metadata", "resourceVersion"}));
}

void set_resource_version(Json& app, std::uint64_t version)
{
    app["metadata"]["resourceVersion"] = std::to_string(version);
}

bool refresh_requested(const Json& app)
{
    return at_path(app, {"metadata", "annotations", k_refresh_annotation}).is_string();
}

Json with_refresh_requested(Json app, std::string_view kind)
{
    app["metadata"]["annotations"][std::string(k_refresh_annotation)] = kind;
    return app;
}

Json without_refresh_request(Json app)
{
    auto& metadata = app["metadata"];
    auto it = metadata.find("annotations");
    if (it == metadata.end() || !it->is_object()) {
        return app;
    }
    it->erase(std::string(k_refresh_annotation));
    if (it->empty()) {
        metadata.erase("annotations");
    }
    return app;
}

bool is_deleting(const Json& app)
{
    return !at_path(app, {"metadata", "deletionTimestamp"}).is_null();
}

bool has_operation(const Json& app)
{
    return !at_path(app, {"operation"}).is_null();
}

bool auto_sync_enabled(const Json& app)
{
    const Json& automated = at_path(app, {"spec", "syncPolicy", "automated"});
    if (!automated.is_object()) {
        return false;
    }
    auto enabled = automated.find("enabled");
    return enabled == automated.end() || !enabled->is_boolean() || enabled->get<bool>();
}

std::string target_revision(const Json& app)
{
    std::string revision = string_at(app, {"spec", "source", "targetRevision"});
    return revision.empty() ? "HEAD" : revision;
}

std::string compared_revision(const Json& app)
{
    return string_at(app, {"status", "sync", "revision"});
}

std::variant<SyncRequest, wire::GrpcError> parse_sync_request(std::string_view body)
{
    Json parsed = Json::object();
    if (body.find_first_not_of(" \t\r\n") != std::string_view::npos) {
        try {
            parsed = Json::parse(body);
        } catch (const Json::parse_error& e) {
            return syntax_error(body, e.byte == 0 ? 0 : e.byte - 1);
        }
    }
    if (!parsed.is_object()) {
        return wire::GrpcError{3, "json: cannot unmarshal " + go_kind(parsed) +
                                      " into Go value of type application.ApplicationSyncRequest"};
    }
    for (auto field : {"revision", "project", "appNamespace", "name"}) {
        if (auto error = check_type(parsed, field, true)) {
            return *error;
        }
    }
    for (auto field : {"prune", "dryRun"}) {
        if (auto error = check_type(parsed, field, false)) {
            return *error;
        }
    }
    SyncRequest request;
    request.revision = string_at(parsed, {"revision"});
    request.project = string_at(parsed, {"project"});
    request.app_namespace = string_at(parsed, {"appNamespace"});
    request.prune = at_path(parsed, {"prune"}) == true;
    request.dry_run = at_path(parsed, {"dryRun"}) == true;
    request.strategy = at_path(parsed, {"strategy"});
    request.sync_options = at_path(parsed, {"syncOptions", "items"});
    request.retry = at_path(parsed, {"retryStrategy"});
    return request;
}

std::optional<wire::GrpcError> refuse_sync(const Json& app, const SyncRequest& request)
{
    if (is_deleting(app)) {
        return failed_precondition("application is deleting");
    }
    std::string target = target_revision(app);
    if (auto_sync_enabled(app) && !request.dry_run && !request.revision.empty() && request.revision != target) {
        return failed_precondition("Cannot sync to " + request.revision + ": auto-sync currently set to " + target);
    }
    if (has_operation(app)) {
        return failed_precondition("another operation is already in progress");
    }
    return std::nullopt;
}

Json with_sync_operation(Json app, const SyncRequest& request, std::string_view revision, std::string_view username)
{
    // Key order of argo-cd's SyncOperation and Operation structs.
    Json sync;
    sync["revision"] = revision;
    if (request.prune) {
        sync["prune"] = true;
    }
    if (request.dry_run) {
        sync["dryRun"] = true;
    }
    if (!request.strategy.is_null()) {
        sync["syncStrategy"] = request.strategy;
    }
    if (const Json& source = at_path(app, {"spec", "source"}); !source.is_null()) {
        sync["source"] = source;
    }
    const Json& spec_options = at_path(app, {"spec", "syncPolicy", "syncOptions"});
    const Json& options = request.sync_options.is_null() ? spec_options : request.sync_options;
    if (!options.is_null()) {
        sync["syncOptions"] = options;
    }
    if (const Json& sources = at_path(app, {"spec", "sources"}); !sources.is_null()) {
        sync["sources"] = sources;
    }
    const Json& spec_retry = at_path(app, {"spec", "syncPolicy", "retry"});
    Json operation;
    operation["sync"] = std::move(sync);
    operation["initiatedBy"] = Json{{"username", username}};
    operation["retry"] =
        !request.retry.is_null() ? request.retry : (spec_retry.is_null() ? Json::object() : spec_retry);
    app["operation"] = std::move(operation);
    if (auto status = app.find("status"); status != app.end() && status->is_object()) {
        status->erase("operationState");
    }
    return app;
}

}  // namespace kanon::sandbox::application
