#include "verify/argocd/application.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <initializer_list>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/json.hpp"
#include "util/text.hpp"

namespace kanon::verify::argocd {

using nlohmann::json;

namespace {

// The member at a path of object keys, or nullptr.
const json* at(const json& j, std::initializer_list<const char*> path)
{
    const json* cur = &j;
    for (const char* key : path) {
        if (!cur->is_object()) {
            return nullptr;
        }
        auto it = cur->find(key);
        if (it == cur->end()) {
            return nullptr;
        }
        cur = &*it;
    }
    return cur;
}

std::string str(const json& j, std::initializer_list<const char*> path)
{
    const json* v = at(j, path);
    return v != nullptr && v->is_string() ? v->get<std::string>() : std::string{};
}

std::optional<Time> time_at(const json& j, std::initializer_list<const char*> path)
{
    std::string s = str(j, path);
    return s.empty() ? std::nullopt : parse_time(s);
}

// revision (single source) or revisions[index] (multi-source), at `obj`.
std::string revision_of(const json* obj, std::size_t index, bool multi)
{
    if (obj == nullptr) {
        return {};
    }
    if (multi) {
        const json* list = at(*obj, {"revisions"});
        if (list != nullptr && list->is_array() && index < list->size() && (*list)[index].is_string()) {
            return normalize_sha((*list)[index].get<std::string>());
        }
    }
    return normalize_sha(str(*obj, {"revision"}));
}

std::string canonical_repo(std::string url)
{
    url = lower(url);
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    if (url.ends_with(".git")) {
        url.resize(url.size() - 4);
    }
    return url;
}

ResourceResult resource_of(const json& r)
{
    ResourceResult out;
    out.kind = str(r, {"kind"});
    out.namespace_ = str(r, {"namespace"});
    out.name = str(r, {"name"});
    out.status = str(r, {"status"});
    out.health = str(r, {"health", "status"});
    out.hook_phase = str(r, {"hookPhase"});
    out.message = str(r, {"message"});
    if (out.message.empty()) {
        out.message = str(r, {"health", "message"});
    }
    return out;
}

template <typename F>
void each(const json* list, F&& f)
{
    if (list != nullptr && list->is_array()) {
        for (const auto& item : *list) {
            if (item.is_object()) {
                f(item);
            }
        }
    }
}

void read_operation_state(const json& st, std::size_t index, bool multi, Application& app)
{
    const json* op = at(st, {"operationState"});
    if (op == nullptr || !op->is_object()) {
        return;
    }
    app.has_operation_state = true;
    app.op_phase = str(*op, {"phase"});
    app.op_message = str(*op, {"message"});
    app.op_started_at = time_at(*op, {"startedAt"});
    app.op_finished_at = time_at(*op, {"finishedAt"});
    app.op_sync_revision = revision_of(at(*op, {"syncResult"}), index, multi);
    if (app.op_sync_revision.empty()) {
        app.op_sync_revision = revision_of(at(*op, {"operation", "sync"}), index, multi);
    }
    app.op_initiated_by = str(*op, {"operation", "initiatedBy", "username"});
    each(at(*op, {"syncResult", "resources"}), [&](const json& r) {
        auto res = resource_of(r);
        if (res.status == "SyncFailed" || res.hook_phase == "Failed" || res.hook_phase == "Error") {
            app.op_failed_resources.push_back(std::move(res));
        }
    });
}

void read_status(const json& st, std::size_t index, bool multi, Application& app)
{
    app.sync_status = str(st, {"sync", "status"});
    app.sync_revision = revision_of(at(st, {"sync"}), index, multi);
    app.health_status = str(st, {"health", "status"});
    app.health_message = str(st, {"health", "message"});
    app.reconciled_at = time_at(st, {"reconciledAt"});
    read_operation_state(st, index, multi, app);
    each(at(st, {"conditions"}), [&](const json& c) {
        app.conditions.push_back({str(c, {"type"}), str(c, {"message"})});
    });
    if (const json* images = at(st, {"summary", "images"}); images != nullptr && images->is_array()) {
        for (const auto& i : *images) {
            if (i.is_string()) {
                app.images.push_back(i.get<std::string>());
            }
        }
    }
    each(at(st, {"resources"}), [&](const json& r) {
        auto res = resource_of(r);
        bool unhealthy = !res.health.empty() && res.health != "Healthy";
        if ((!res.status.empty() && res.status != "Synced") || unhealthy) {
            app.unhealthy_resources.push_back(std::move(res));
        }
    });
}

}  // namespace

std::string ResourceResult::id() const
{
    return namespace_.empty() ? fmt::format("{}/{}", kind, name) : fmt::format("{}/{}/{}", kind, namespace_, name);
}

std::string normalize_sha(const std::string& sha)
{
    return lower(sha);
}

std::optional<Time> parse_time(const std::string& text)
{
    // YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
    int y = 0;
    int mo = 0;
    int d = 0;
    int h = 0;
    int mi = 0;
    int s = 0;
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) != 6 ||
        consumed != 19) {
        return std::nullopt;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
        return std::nullopt;
    }
    std::string_view rest(text.c_str() + consumed);
    if (!rest.empty() && rest.front() == '.') {
        rest.remove_prefix(1);
        while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front())) != 0) {
            rest.remove_prefix(1);
        }
    }
    long offset = 0;
    if (rest == "Z" || rest == "z") {
        offset = 0;
    } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
        int oh = 0;
        int om = 0;
        if (std::from_chars(rest.data() + 1, rest.data() + 3, oh).ec != std::errc{} ||
            std::from_chars(rest.data() + 4, rest.data() + 6, om).ec != std::errc{}) {
            return std::nullopt;
        }
        offset = (rest[0] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
    } else {
        return std::nullopt;
    }
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return static_cast<Time>(timegm(&tm)) - offset;
}

Result<Application> read_application(const json& body, const std::string& repo_url)
{
    if (!body.is_object() || !body.contains("metadata") || !body["metadata"].is_object()) {
        return Error{"the answer is not an Argo CD Application (no metadata)"};
    }
    Application app;
    const json& meta = body["metadata"];
    app.name = str(meta, {"name"});
    if (std::string rv = str(meta, {"resourceVersion"}); !rv.empty()) {
        auto [p, ec] = std::from_chars(rv.data(), rv.data() + rv.size(), app.resource_version);
        if (ec != std::errc{} || p != rv.data() + rv.size()) {
            return Error{fmt::format("Application {}: resourceVersion \"{}\" is not a number", app.name, rv)};
        }
    }
    app.deleting = at(meta, {"deletionTimestamp"}) != nullptr && !at(meta, {"deletionTimestamp"})->is_null();
    if (const json* ann = at(meta, {"annotations"}); ann != nullptr && ann->is_object()) {
        app.refresh_pending = ann->contains("argocd.argoproj.io/refresh");
    }

    std::size_t index = 0;
    bool multi = false;
    const json& spec = body.contains("spec") ? body["spec"] : json::object();
    app.project = str(spec, {"project"});
    const json* sources = at(spec, {"sources"});
    const json* source = at(spec, {"source"});
    if (sources != nullptr && sources->is_array() && !sources->empty()) {
        multi = true;
        std::string want = canonical_repo(repo_url);
        for (std::size_t i = 0; i < sources->size(); ++i) {
            if (!want.empty() && canonical_repo(str((*sources)[i], {"repoURL"})) == want) {
                index = i;
                break;
            }
        }
        source = &(*sources)[index];
    }
    if (source != nullptr) {
        app.target_revision = str(*source, {"targetRevision"});
    }
    if (const json* automated = at(spec, {"syncPolicy", "automated"}); automated != nullptr && automated->is_object()) {
        const json* enabled = at(*automated, {"enabled"});
        app.automated = enabled == nullptr || !enabled->is_boolean() || enabled->get<bool>();
    }

    if (const json* op = at(body, {"operation"}); op != nullptr && op->is_object()) {
        app.operation = true;
        app.operation_revision = revision_of(at(*op, {"sync"}), index, multi);
        app.operation_initiated_by = str(*op, {"initiatedBy", "username"});
        const json* automated = at(*op, {"initiatedBy", "automated"});
        app.operation_automated = automated != nullptr && automated->is_boolean() && automated->get<bool>();
    }
    if (const json* st = at(body, {"status"}); st != nullptr && st->is_object()) {
        read_status(*st, index, multi, app);
    }
    return app;
}

Result<Application> parse_application(const std::string& text, const std::string& repo_url)
{
    std::string why;
    json body = parse_json_bounded(text, &why);
    if (body.is_discarded()) {
        return Error{"the answer was refused: " + why};
    }
    return read_application(body, repo_url);
}

}  // namespace kanon::verify::argocd
