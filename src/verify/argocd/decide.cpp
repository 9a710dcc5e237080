#include "verify/argocd/decide.hpp"

#include <fmt/format.h>

#include "canon/names.hpp"

namespace kanon::verify::argocd {

namespace {

bool in_progress(const std::string& phase)
{
    return phase == "Running" || phase == "Terminating";
}

// "registry/x/app:tag@sha256:..." -> {"registry/x/app", "tag"}
std::pair<std::string, std::string> split_image(std::string image)
{
    if (auto at = image.find('@'); at != std::string::npos) {
        image.resize(at);
    }
    auto slash = image.rfind('/');
    auto colon = image.rfind(':');
    if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) {
        return {image, ""};
    }
    return {image.substr(0, colon), image.substr(colon + 1)};
}

std::string join_images(const std::vector<std::string>& images)
{
    std::string out;
    for (const auto& i : images) {
        out += (out.empty() ? "" : ", ") + i;
    }
    return out;
}

// Empty when the live images agree with the expectation (or say nothing
// about it); otherwise what we wait for.
std::string image_mismatch(const Application& app, const Expectation& expect)
{
    if (expect.image_tag.empty() || app.images.empty()) {
        return {};
    }
    bool relevant = false;
    for (const auto& image : app.images) {
        auto [repo, tag] = split_image(image);
        if (!expect.image_repository.empty() && repo != expect.image_repository) {
            continue;
        }
        relevant = true;
        if (tag == expect.image_tag) {
            return {};
        }
    }
    if (!relevant && !expect.image_repository.empty()) {
        return {};  // only other repositories' images (sidecars): nothing to check
    }
    std::string want =
        expect.image_repository.empty() ? "tag " + expect.image_tag : expect.image_repository + ":" + expect.image_tag;
    return fmt::format("live images are {}, waiting for {}", join_images(app.images), want);
}

std::string failure_reason(const Application& app)
{
    std::string reason = fmt::format("sync of {} {}", canon::argocd_short_sha(app.op_sync_revision), app.op_phase);
    if (!app.op_message.empty()) {
        reason += ": " + app.op_message;
    }
    for (const auto& r : app.op_failed_resources) {
        reason += fmt::format("; {} {}", r.id(), r.status == "SyncFailed" ? "failed to sync" : "hook " + r.hook_phase);
    }
    return reason;
}

std::string condition_text(const Application& app)
{
    std::string out;
    for (const auto& c : app.conditions) {
        if (c.type.ends_with("Error")) {
            out += fmt::format("; {}: {}", c.type, c.message);
        }
    }
    return out;
}

std::string degraded_reason(const Application& app)
{
    std::string reason = "health is Degraded";
    if (!app.health_message.empty()) {
        reason += ": " + app.health_message;
    }
    for (const auto& r : app.unhealthy_resources) {
        if (r.health == "Degraded") {
            reason += fmt::format("; {} Degraded{}", r.id(), r.message.empty() ? "" : ": " + r.message);
        }
    }
    return reason;
}

}  // namespace

bool is_terminal(Verdict v)
{
    switch (v) {
        case Verdict::success:
        case Verdict::failed:
        case Verdict::deleting:
        case Verdict::superseded:
            return true;
        default:
            return false;  // degraded is terminal only after the grace period: the wait loop decides
    }
}

const char* verdict_name(Verdict v)
{
    switch (v) {
        case Verdict::success:
            return "SUCCESS";
        case Verdict::failed:
            return "FAILED";
        case Verdict::degraded:
            return "DEGRADED";
        case Verdict::deleting:
            return "DELETING";
        case Verdict::superseded:
            return "SUPERSEDED";
        case Verdict::wait_operation:
            return "WAIT_OPERATION";
        case Verdict::wait_revision:
            return "WAIT_REVISION";
        case Verdict::wait_stale:
            return "WAIT_STALE";
        case Verdict::wait_sync:
            return "WAIT_SYNC";
        case Verdict::wait_health:
            return "WAIT_HEALTH";
    }
    return "?";
}

Accept accept_exactly(const std::string& revision)
{
    return [want = normalize_sha(revision)](const std::string& rev) {
        return normalize_sha(rev) == want && !want.empty() ? Acceptance{Acceptance::accepted, ""}
                                                           : Acceptance{Acceptance::not_yet, ""};
    };
}

Decision decide(const Application& app, const Expectation& expect)
{
    if (app.deleting) {
        return {Verdict::deleting, "the Application is being deleted"};
    }
    if (app.operation || in_progress(app.op_phase)) {
        if (!app.has_operation_state) {
            std::string by = app.operation_initiated_by.empty() ? (app.operation_automated ? "auto-sync" : "someone")
                                                                : app.operation_initiated_by;
            return {Verdict::wait_operation,
                    fmt::format("sync of {} requested by {}", canon::argocd_short_sha(app.operation_revision), by)};
        }
        std::string reason = fmt::format("sync of {} {}", canon::argocd_short_sha(app.op_sync_revision), app.op_phase);
        if (!app.op_message.empty()) {
            reason += ": " + app.op_message;
        }
        return {Verdict::wait_operation, reason};
    }
    if ((app.op_phase == "Failed" || app.op_phase == "Error") &&
        expect.accept(app.op_sync_revision).kind == Acceptance::accepted) {
        return {Verdict::failed, failure_reason(app)};
    }
    Acceptance rev = app.sync_revision.empty() ? Acceptance{} : expect.accept(app.sync_revision);
    if (rev.kind == Acceptance::superseded) {
        return {Verdict::superseded,
                fmt::format("superseded: Argo CD now deploys {}{}", canon::argocd_short_sha(app.sync_revision),
                            rev.reason.empty() ? "" : " (" + rev.reason + ")")};
    }
    if (rev.kind != Acceptance::accepted) {
        std::string at = app.sync_revision.empty() ? "no revision" : canon::argocd_short_sha(app.sync_revision);
        return {Verdict::wait_revision,
                fmt::format("Argo CD compares against {}, not ours yet{}{}", at,
                            rev.reason.empty() ? "" : " (" + rev.reason + ")", condition_text(app))};
    }
    if (app.op_finished_at && (!app.reconciled_at || *app.reconciled_at < *app.op_finished_at)) {
        return {Verdict::wait_stale, "the sync finished after the last assessment; waiting for Argo CD to re-assess"};
    }
    if (app.sync_status != "Synced") {
        return {Verdict::wait_sync,
                fmt::format("{} at {}{}", app.sync_status.empty() ? "no sync status" : app.sync_status,
                            canon::argocd_short_sha(app.sync_revision), condition_text(app))};
    }
    if (app.health_status == "Healthy") {
        if (std::string wait = image_mismatch(app, expect); !wait.empty()) {
            return {Verdict::wait_health, wait};
        }
        return {Verdict::success, fmt::format("Synced at {} and Healthy", canon::argocd_short_sha(app.sync_revision))};
    }
    if (app.health_status == "Degraded") {
        return {Verdict::degraded, degraded_reason(app)};
    }
    return {Verdict::wait_health,
            fmt::format("health is {}{}", app.health_status.empty() ? "unknown" : app.health_status,
                        app.health_message.empty() ? "" : ": " + app.health_message)};
}

std::string summarize(const Application& app)
{
    std::string out = app.sync_status.empty() ? "?" : app.sync_status;
    if (!app.sync_revision.empty()) {
        out += " @" + canon::argocd_short_sha(app.sync_revision);
    }
    out += " · " + (app.health_status.empty() ? std::string("?") : app.health_status);
    if (app.operation && !app.has_operation_state) {
        out += " · sync requested";
    } else if (app.has_operation_state && !app.op_phase.empty()) {
        out += " · sync " + app.op_phase;
    }
    if (app.refresh_pending) {
        out += " · refreshing";
    }
    return out;
}

}  // namespace kanon::verify::argocd
