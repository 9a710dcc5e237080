// One thread drives every app. Each pass reads the branch tip (when a poll
// or a request is due), resolves new revisions outside any lock, then moves
// each app's model on by what is due and publishes the object through the
// store's read-modify-write, so a sync or refresh the API accepted in the
// meantime is never overwritten but taken in.
#include "sandbox/cluster.hpp"

#include <algorithm>
#include <condition_variable>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "gitops/cat_file.hpp"
#include "gitops/git.hpp"
#include "sandbox/argocd_application.hpp"
#include "sandbox/argocd_sim.hpp"
#include "util/text.hpp"
#include "yaml/document.hpp"
#include "yaml/merge.hpp"
#include "yaml/value.hpp"

namespace kanon::sandbox {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Wall = std::chrono::system_clock;

constexpr Millis k_tick{50};
constexpr std::size_t k_history_limit = 10;  // revisionHistoryLimit

std::string rfc3339(Wall::time_point t)
{
    std::time_t seconds = Wall::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    char buf[32];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return {buf, n};  // strftime returns 0, and leaves buf undefined, when it does not fit
}

Result<std::string> git_output(const fs::path& git_dir, std::vector<std::string> args, std::string input = {})
{
    gitops::GitCall call;
    call.args = std::move(args);
    call.input = std::move(input);
    call.git_dir = git_dir.string();
    call.timeout = std::chrono::seconds(30);
    call.env["GIT_CONFIG_NOSYSTEM"] = "1";
    return gitops::git(call);
}

// `git cat-file --batch` of REV:PATH for each path: the blob, or nullopt.
Result<std::vector<std::optional<std::string>>> cat_files(const fs::path& git_dir, const std::string& revision,
                                                          const std::vector<std::string>& paths)
{
    std::string input;
    for (const auto& p : paths) {
        input += fmt::format("{}:{}\n", revision, p);
    }
    auto out = git_output(git_dir, {"cat-file", "--batch"}, input);
    if (!out) {
        return out.take_error();
    }
    auto objects = gitops::parse_cat_file_batch(*out, paths.size());
    if (!objects) {
        return objects.take_error();
    }
    std::vector<std::optional<std::string>> blobs;
    for (const auto& o : *objects) {
        if (o.found && o.type == "blob") {
            blobs.emplace_back(std::string(o.content));
        } else {
            blobs.emplace_back(std::nullopt);
        }
    }
    return blobs;
}

Result<yaml::Value> parse_values(std::string text, const std::string& name)
{
    auto s = yaml::Stream::parse(std::move(text), name);
    if (!s) {
        return s.take_error();
    }
    return yaml::document_value(*s);
}

std::string scalar_at(const yaml::Value& v, std::initializer_list<std::string_view> keys)
{
    const yaml::Value* at = &v;
    for (auto k : keys) {
        at = at->get(k);
        if (at == nullptr) {
            return {};
        }
    }
    return at->type == yaml::Value::Type::scalar ? at->text : std::string{};
}

// An Application's source: the chart directory and its valueFiles as
// repository paths (valueFiles are relative to the chart, as Argo CD reads them).
struct Source {
    std::string chart;
    std::vector<std::string> value_files;
};

Source source_of(const Json& spec)
{
    Source s;
    const Json* source = spec.contains("source") ? &spec["source"] : nullptr;
    if (source == nullptr || !source->is_object()) {
        return s;
    }
    s.chart = fs::path(source->value("path", std::string{})).lexically_normal().string();
    if (source->contains("helm") && (*source)["helm"].contains("valueFiles")) {
        for (const auto& f : (*source)["helm"]["valueFiles"]) {
            if (f.is_string()) {
                s.value_files.push_back((fs::path(s.chart) / f.get<std::string>()).lexically_normal().string());
            }
        }
    }
    return s;
}

std::string tag_of(const std::string& image)
{
    auto colon = image.rfind(':');
    auto slash = image.rfind('/');
    if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) {
        return {};
    }
    return image.substr(colon + 1);
}

}  // namespace

Result<std::vector<Desired>> resolve_apps(const fs::path& git_dir, const std::string& revision,
                                          const std::vector<ClusterApp>& apps)
{
    std::vector<std::string> manifests;
    manifests.reserve(apps.size());
    for (const auto& a : apps) {
        manifests.push_back(a.manifest);
    }
    auto blobs = cat_files(git_dir, revision, manifests);
    if (!blobs) {
        return blobs.take_error();
    }
    std::vector<Desired> out(apps.size());
    std::vector<Source> sources(apps.size());
    std::vector<std::string> wanted;
    for (std::size_t i = 0; i < apps.size(); ++i) {
        out[i].revision = revision;
        const auto& blob = (*blobs)[i];
        if (!blob) {
            out[i].error = fmt::format("Failed to load target state: {} not found at {}", apps[i].manifest, revision);
            continue;
        }
        auto v = parse_values(*blob, apps[i].manifest);
        if (!v) {
            out[i].error = "Failed to load target state: " + v.error().describe();
            continue;
        }
        const yaml::Value* spec = v->get("spec");
        out[i].spec = spec != nullptr ? spec->to_json() : Json::object();
        sources[i] = source_of(out[i].spec);
        wanted.push_back(sources[i].chart + "/values.yaml");
        wanted.insert(wanted.end(), sources[i].value_files.begin(), sources[i].value_files.end());
    }
    auto files = cat_files(git_dir, revision, wanted);
    if (!files) {
        return files.take_error();
    }
    std::map<std::string, std::optional<std::string>> by_path;
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        by_path[wanted[i]] = (*files)[i];
    }
    for (std::size_t i = 0; i < apps.size(); ++i) {
        if (!out[i].error.empty()) {
            continue;
        }
        yaml::Value chart;
        if (auto it = by_path.find(sources[i].chart + "/values.yaml"); it != by_path.end() && it->second) {
            auto v = parse_values(*it->second, it->first);
            if (v) {
                chart = std::move(*v);
            }
        }
        std::vector<yaml::Value> layers;
        for (const auto& f : sources[i].value_files) {
            auto it = by_path.find(f);
            if (it == by_path.end() || !it->second) {
                out[i].error = fmt::format(
                    "Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = "
                    "Unknown desc = {}: no such file or directory",
                    f);
                break;
            }
            auto v = parse_values(*it->second, f);
            if (!v) {
                out[i].error = "Failed to load target state: " + v.error().describe();
                break;
            }
            layers.push_back(std::move(*v));
        }
        if (!out[i].error.empty()) {
            continue;
        }
        yaml::Value merged = yaml::helm_merge(chart, layers);
        std::string repository = scalar_at(merged, {"image", "repository"});
        out[i].tag = scalar_at(merged, {"image", "tag"});
        if (repository.empty() || out[i].tag.empty()) {
            out[i].error = "Failed to load target state: image.repository and image.tag must be set";
            continue;
        }
        out[i].image = repository + ":" + out[i].tag;
    }
    return out;
}

// ---------------------------------------------------------------------------

namespace {

// One app as the controller sees it. Times are steady for deciding and wall
// for the timestamps it writes.
struct AppModel {
    ClusterApp app;
    Json spec;

    // status.sync
    std::string compared;  // status.sync.revision
    std::string sync_status = "Synced";
    std::string comparison_error;
    std::string reconciled_at;

    // what runs
    std::string revision;   // last deployed commit
    std::string image;      // the new pods' image
    std::string old_image;  // the old pods' while a rollout runs ("" otherwise)
    std::string health = "Healthy";
    std::string health_message;
    std::string health_changed_at;
    std::optional<Clock::time_point> rollout_started;
    std::string serving;  // the image the site answers with

    // operations
    enum class Op { none, requested, running };
    Op op = Op::none;
    Json operation;        // .operation while requested or running
    Json operation_state;  // status.operationState (null: absent)
    Clock::time_point op_since{};
    std::optional<Clock::time_point> reassess_due;
    std::set<std::string> failed_revisions;  // an auto-sync is not retried for these
    std::vector<Json> history;
    int next_history_id = 1;

    std::optional<Clock::time_point> refresh_seen;
    Clock::time_point last_poll{};
    std::string created_at;
};

Json source_json(const AppModel& m)
{
    return m.spec.contains("source") ? m.spec["source"] : Json::object();
}

std::string destination_namespace(const AppModel& m)
{
    if (m.spec.contains("destination") && m.spec["destination"].contains("namespace") &&
        m.spec["destination"]["namespace"].is_string()) {
        return m.spec["destination"]["namespace"].get<std::string>();
    }
    return m.app.name;
}

Json resources_json(const AppModel& m)
{
    std::string ns = destination_namespace(m);
    Json deployment_health = {{"status", m.health}};
    if (!m.health_message.empty()) {
        deployment_health["message"] = m.health_message;
    }
    std::string status = m.sync_status == "OutOfSync" ? "OutOfSync" : "Synced";
    return Json::array({
        {{"version", "v1"},
         {"kind", "Service"},
         {"namespace", ns},
         {"name", m.app.name},
         {"status", "Synced"},
         {"health", {{"status", "Healthy"}}}},
        {{"version", "v1"}, {"kind", "ServiceAccount"}, {"namespace", ns}, {"name", m.app.name}, {"status", "Synced"}},
        {{"group", "apps"},
         {"version", "v1"},
         {"kind", "Deployment"},
         {"namespace", ns},
         {"name", m.app.name},
         {"status", status},
         {"health", deployment_health}},
    });
}

Json object_of(const AppModel& m)
{
    Json o;
    o["metadata"] = {
        {"name", m.app.name},
        {"namespace", application::k_default_namespace},
        {"uid", fmt::format("{:08x}-5a7d-4c0e-9b1f-000000000000", std::hash<std::string>{}(m.app.name) & 0xffffffffU)},
        {"creationTimestamp", m.created_at},
        {"labels", {{"app.kubernetes.io/part-of", m.app.app}, {"kanon.dev/stage", m.app.stage}}},
        {"annotations", {{"argocd.argoproj.io/tracking-id", "sandbox:argoproj.io/Application:argocd/" + m.app.name}}},
        {"finalizers", Json::array({"resources-finalizer.argocd.argoproj.io"})},
    };
    o["spec"] = m.spec;
    if (m.op != AppModel::Op::none) {
        o["operation"] = m.operation;
    }
    Json status;
    status["resources"] = resources_json(m);
    Json compared_to = {{"source", source_json(m)},
                        {"destination", m.spec.contains("destination") ? m.spec["destination"] : Json::object()}};
    status["sync"] = {{"status", m.sync_status}, {"comparedTo", compared_to}, {"revision", m.compared}};
    // As Argo CD writes it: the app's health names the resource that sets
    // it; the resource's own health says why (resources_json).
    Json health = {{"status", m.health}, {"lastTransitionTime", m.health_changed_at}};
    if (m.health != "Healthy") {
        health["message"] = fmt::format("apps/Deployment:{}/{}", destination_namespace(m), m.app.name);
    }
    status["health"] = health;
    if (!m.history.empty()) {
        status["history"] = m.history;
    }
    status["reconciledAt"] = m.reconciled_at;
    if (!m.operation_state.is_null()) {
        status["operationState"] = m.operation_state;
    }
    if (!m.comparison_error.empty()) {
        status["conditions"] = Json::array(
            {{{"type", "ComparisonError"}, {"message", m.comparison_error}, {"lastTransitionTime", m.reconciled_at}}});
    }
    status["sourceType"] = "Helm";
    Json images = Json::array();
    if (!m.old_image.empty() && m.old_image != m.image) {
        images.push_back(m.old_image);
    }
    if (!m.image.empty()) {
        images.push_back(m.image);
    }
    std::sort(images.begin(), images.end());
    status["summary"] = {{"externalURLs", Json::array({m.app.site_url + "/"})}, {"images", images}};
    status["resourceHealthSource"] = "appTree";
    status["controllerNamespace"] = application::k_default_namespace;
    o["status"] = status;
    return o;
}

bool automated(const AppModel& m)
{
    return m.spec.contains("syncPolicy") && m.spec["syncPolicy"].contains("automated") &&
           m.spec["syncPolicy"]["automated"].is_object() && m.spec["syncPolicy"]["automated"].value("enabled", true);
}

bool is_broken(const std::string& image)
{
    return tag_of(image).starts_with("broken-");
}

void set_health(AppModel& m, std::string status, std::string message)
{
    if (m.health != status) {
        m.health_changed_at = rfc3339(Wall::now());
    }
    m.health = std::move(status);
    m.health_message = std::move(message);
}

// What the API did since the last pass: a refresh asked, a sync accepted.
void note_api_actions(AppModel& m, const Json& current, Clock::time_point now)
{
    if (application::refresh_requested(current) && !m.refresh_seen) {
        m.refresh_seen = now;
    }
    if (application::has_operation(current) && m.op == AppModel::Op::none) {
        m.op = AppModel::Op::requested;
        m.op_since = now;
        m.operation = current["operation"];
        m.operation_state = nullptr;
    }
}

void start_operation(AppModel& m, Clock::time_point now)
{
    m.op = AppModel::Op::running;
    m.op_since = now;
    m.operation_state = {{"operation", m.operation},
                         {"phase", "Running"},
                         {"message", "one or more tasks are running"},
                         {"startedAt", rfc3339(Wall::now())}};
}

// The resources a successful sync applied, as Argo CD lists them.
Json synced_resources(const AppModel& m, const Desired& d)
{
    Json resources = Json::array();
    for (const char* kind : {"ServiceAccount", "Service", "Deployment"}) {
        std::string group = std::string(kind) == "Deployment" ? "apps" : "";
        resources.push_back(
            {{"group", group},
             {"version", "v1"},
             {"kind", kind},
             {"namespace", m.app.name},
             {"name", m.app.name},
             {"status", "Synced"},
             {"message", fmt::format("{}/{} {}", lower(kind), m.app.name,
                                     d.image != m.image && group == "apps" ? "configured" : "unchanged")},
             {"hookPhase", "Running"},
             {"syncPhase", "Sync"}});
    }
    return resources;
}

// [E]->[F]: kubectl apply is done (or the manifests did not render); health
// is still the old assessment. A new image starts its rollout.
void end_operation(AppModel& m, const Desired& d, const std::string& revision, Clock::time_point now)
{
    std::string finished = rfc3339(Wall::now());
    m.operation_state["finishedAt"] = finished;
    if (!d.error.empty()) {
        m.operation_state["phase"] = "Failed";
        m.operation_state["message"] = "ComparisonError: " + d.error;
        m.failed_revisions.insert(revision);
        return;
    }
    m.operation_state["phase"] = "Succeeded";
    m.operation_state["message"] = "successfully synced (all tasks run)";
    m.operation_state["syncResult"] = {
        {"resources", synced_resources(m, d)}, {"revision", revision}, {"source", source_json(m)}};
    Json entry = {{"revision", revision},
                  {"deployedAt", finished},
                  {"id", m.next_history_id++},
                  {"source", source_json(m)},
                  {"deployStartedAt", m.operation_state.value("startedAt", finished)},
                  {"initiatedBy", m.operation.value("initiatedBy", Json::object())}};
    m.history.push_back(entry);
    if (m.history.size() > k_history_limit) {
        m.history.erase(m.history.begin());
    }
    m.revision = revision;
    if (d.image != m.image) {
        m.old_image = m.serving;
        m.image = d.image;
        m.rollout_started = now;
    }
}

// [G]->[H]: the rollout ends, or never does (a broken image passes its
// progress deadline and the app turns Degraded). Whether anything changed.
bool roll_out(AppModel& m, Clock::time_point now, const ClusterTimings& t)
{
    if (!m.rollout_started || m.reassess_due || m.op != AppModel::Op::none) {
        return false;
    }
    if (!is_broken(m.image) && now >= *m.rollout_started + t.rollout) {
        m.rollout_started.reset();
        m.serving = m.image;
        m.old_image.clear();
        set_health(m, "Healthy", "");
        return true;
    }
    if (is_broken(m.image) && now >= *m.rollout_started + t.progress_deadline && m.health != "Degraded") {
        set_health(m, "Degraded", fmt::format("Deployment \"{}\" exceeded its progress deadline", m.app.name));
        return true;
    }
    return false;
}

}  // namespace

struct Cluster::Impl {
    ClusterOptions options;
    mutable std::mutex mutex;  // the models and the desired cache
    std::condition_variable woken;
    bool stopping = false;
    bool poke = false;
    std::vector<AppModel> models;
    std::map<std::string, std::vector<Desired>> desired;  // by revision
    std::string tip;
    ArgoSim* sim = nullptr;
    std::thread thread;

    Result<std::string> read_tip() const
    {
        auto out = git_output(options.git_dir, {"rev-parse", "--verify", "-q", "refs/heads/" + options.branch});
        if (!out) {
            return out.take_error();
        }
        std::string sha = *out;
        sha.erase(sha.find_last_not_of(" \n") + 1);
        return sha;
    }

    // Resolves a revision once; the cache holds what Helm would render there.
    const std::vector<Desired>* resolved(const std::string& revision)
    {
        if (auto it = desired.find(revision); it != desired.end()) {
            return &it->second;
        }
        return nullptr;
    }

    void run();
    std::optional<Json> advance(std::size_t index, const Json* current, Clock::time_point now);
    void compare(AppModel& m, const Desired& d, Clock::time_point now);
};

// A full comparison: sync status against `d`, and the live health as it is
// now — a rollout that has started is Progressing (or Degraded past its
// deadline) from the first comparison after the operation, whichever pass
// makes it.
void Cluster::Impl::compare(AppModel& m, const Desired& d, Clock::time_point now)
{
    m.compared = d.revision;
    m.reconciled_at = rfc3339(Wall::now());
    m.refresh_seen.reset();
    if (m.rollout_started && m.op == AppModel::Op::none) {
        m.reassess_due.reset();
        bool dead = is_broken(m.image) && now >= *m.rollout_started + options.timings.progress_deadline;
        set_health(m, dead ? "Degraded" : "Progressing",
                   dead ? fmt::format("Deployment \"{}\" exceeded its progress deadline", m.app.name)
                        : "Waiting for rollout to finish: 1 old replicas are pending termination...");
    }
    if (!d.error.empty()) {
        m.sync_status = "Unknown";
        m.comparison_error = d.error;
        return;
    }
    m.comparison_error.clear();
    if (!d.spec.is_null() && !d.spec.empty()) {
        m.spec = d.spec;
    }
    m.sync_status = d.image == m.image ? "Synced" : "OutOfSync";
    if (m.sync_status == "OutOfSync" && automated(m) && m.op == AppModel::Op::none &&
        m.failed_revisions.count(d.revision) == 0) {
        m.op = AppModel::Op::requested;
        m.op_since = Clock::now();
        bool prune = m.spec["syncPolicy"]["automated"].value("prune", false);
        Json sync = {{"revision", d.revision}, {"prune", prune}, {"source", source_json(m)}};
        if (m.spec["syncPolicy"].contains("syncOptions")) {
            sync["syncOptions"] = m.spec["syncPolicy"]["syncOptions"];
        }
        m.operation = {{"sync", sync}, {"initiatedBy", {{"automated", true}}}, {"retry", Json::object()}};
        m.operation_state = nullptr;  // SetAppOperation clears it (§5, fact 3)
    }
}

// Moves app `index` on by what is due at `now`; the object to publish, or
// nullopt. Runs under the store's lock: memory only.
std::optional<Json> Cluster::Impl::advance(std::size_t index, const Json* current, Clock::time_point now)
{
    AppModel& m = models[index];
    const auto& t = options.timings;
    bool changed = false;

    if (current != nullptr) {
        note_api_actions(m, *current, now);
    }

    // [B]→[D]: a requested refresh, or the periodic poll finding a new tip.
    const auto* at_tip = resolved(tip);
    bool poll_due = at_tip != nullptr && tip != m.compared && now >= m.last_poll + t.poll;
    bool refresh_due = at_tip != nullptr && m.refresh_seen && now >= *m.refresh_seen + t.compare;
    if (poll_due || refresh_due) {
        m.last_poll = now;
        compare(m, (*at_tip)[index], now);
        changed = true;
    }

    // [C]→[E]: the operation starts.
    if (m.op == AppModel::Op::requested && now >= m.op_since + t.operation_start) {
        start_operation(m, now);
        changed = true;
    }

    // [E]→[F]: kubectl apply is done; health is still the old assessment.
    if (m.op == AppModel::Op::running && now >= m.op_since + t.sync) {
        std::string revision = m.operation["sync"].value("revision", m.compared);
        const auto* there = resolved(revision);
        if (there == nullptr) {
            return changed ? std::optional<Json>(object_of(m)) : std::nullopt;  // resolved on the next pass
        }
        end_operation(m, (*there)[index], revision, now);
        m.op = AppModel::Op::none;
        m.reassess_due = now + t.reassess;
        changed = true;
    }

    // [F]→[G]: the controller compares again after the operation.
    if (m.reassess_due && now >= *m.reassess_due && at_tip != nullptr) {
        m.reassess_due.reset();
        compare(m, (*at_tip)[index], now);
        changed = true;
    }

    changed = roll_out(m, now, t) || changed;
    if (!changed) {
        return std::nullopt;
    }
    Json object = object_of(m);
    if (current != nullptr && application::refresh_requested(*current) && m.refresh_seen) {
        // Still comparing: the annotation stays until the comparison is persisted.
        object = application::with_refresh_requested(std::move(object), "normal");
    }
    return object;
}

void Cluster::Impl::run()
{
    std::unique_lock lock(mutex);
    auto last_tip_read = Clock::now();
    while (!stopping) {
        woken.wait_for(lock, k_tick, [this] { return stopping || poke; });
        if (stopping) {
            break;
        }
        bool asked = std::exchange(poke, false);
        auto now = Clock::now();
        // Read the tip when asked (a refresh: Argo CD resolves the branch
        // anew) or at the poll interval, outside the lock.
        std::vector<std::string> revisions;
        if (asked || now >= last_tip_read + options.timings.poll) {
            last_tip_read = now;
            lock.unlock();
            auto t = read_tip();
            lock.lock();
            if (t) {
                tip = *t;
            }
        }
        revisions.push_back(tip);
        for (const auto& m : models) {
            if (m.op != AppModel::Op::none && m.operation.contains("sync")) {
                revisions.push_back(m.operation["sync"].value("revision", tip));
            }
        }
        for (const auto& r : revisions) {
            if (r.empty() || desired.count(r) != 0) {
                continue;
            }
            lock.unlock();
            auto d = resolve_apps(options.git_dir, r, options.apps);
            lock.lock();
            if (d) {
                desired.emplace(r, std::move(*d));
            } else {
                std::vector<Desired> failed(options.apps.size());
                for (auto& f : failed) {
                    f.revision = r;
                    f.error = "Failed to load target state: " + d.error().describe();
                }
                desired.emplace(r, std::move(failed));
            }
        }
        if (sim == nullptr) {
            continue;
        }
        for (std::size_t i = 0; i < models.size(); ++i) {
            sim->update(models[i].app.name, [&](const Json* current) { return advance(i, current, Clock::now()); });
        }
    }
}

Cluster::Cluster(std::unique_ptr<Impl> impl) : m_impl(std::move(impl))
{
}

Cluster::~Cluster()
{
    stop();
}

Result<std::unique_ptr<Cluster>> Cluster::open(ClusterOptions options)
{
    auto impl = std::make_unique<Impl>();
    impl->options = std::move(options);
    auto tip = impl->read_tip();
    if (!tip) {
        return tip.take_error();
    }
    if (tip->empty()) {
        return Error{fmt::format("{} has no branch {}", impl->options.git_dir.string(), impl->options.branch)};
    }
    impl->tip = *tip;
    auto d = resolve_apps(impl->options.git_dir, *tip, impl->options.apps);
    if (!d) {
        return d.take_error();
    }
    std::string now = rfc3339(Wall::now());
    for (std::size_t i = 0; i < impl->options.apps.size(); ++i) {
        const Desired& at = (*d)[i];
        if (!at.error.empty()) {
            return Error{fmt::format("{}: {}", impl->options.apps[i].name, at.error)};
        }
        AppModel m;
        m.app = impl->options.apps[i];
        m.spec = at.spec;
        m.compared = at.revision;
        m.revision = at.revision;
        m.image = at.image;
        m.serving = at.image;
        m.reconciled_at = now;
        m.health_changed_at = now;
        m.created_at = now;
        m.last_poll = Clock::now();
        m.history.push_back({{"revision", at.revision},
                             {"deployedAt", now},
                             {"id", m.next_history_id++},
                             {"source", source_json(m)},
                             {"deployStartedAt", now},
                             {"initiatedBy", {{"automated", true}}}});
        m.operation_state = {{"operation",
                              {{"sync", {{"revision", at.revision}, {"source", source_json(m)}}},
                               {"initiatedBy", {{"automated", true}}}}},
                             {"phase", "Succeeded"},
                             {"message", "successfully synced (all tasks run)"},
                             {"startedAt", now},
                             {"finishedAt", now},
                             {"syncResult", {{"revision", at.revision}, {"source", source_json(m)}}}};
        impl->models.push_back(std::move(m));
    }
    impl->desired.emplace(*tip, std::move(*d));
    return std::unique_ptr<Cluster>(new Cluster(std::move(impl)));
}

Scenario Cluster::scenario() const
{
    std::lock_guard lock(m_impl->mutex);
    Scenario s;
    for (const auto& m : m_impl->models) {
        AppScenario a;
        a.name = m.app.name;
        a.subject = "proj:web:ci";
        a.refresh_consumed_after.reset();  // the cluster consumes refreshes
        Step first;
        first.app = object_of(m);
        a.steps.push_back(std::move(first));
        s.apps.push_back(std::move(a));
    }
    return s;
}

void Cluster::start(ArgoSim& sim)
{
    std::lock_guard lock(m_impl->mutex);
    if (m_impl->thread.joinable()) {
        return;
    }
    m_impl->sim = &sim;
    m_impl->thread = std::thread([impl = m_impl.get()] { impl->run(); });
}

void Cluster::stop()
{
    {
        std::lock_guard lock(m_impl->mutex);
        m_impl->stopping = true;
    }
    m_impl->woken.notify_all();
    if (m_impl->thread.joinable()) {
        m_impl->thread.join();
    }
}

void Cluster::wake()
{
    {
        std::lock_guard lock(m_impl->mutex);
        m_impl->poke = true;
    }
    m_impl->woken.notify_all();
}

Serving Cluster::serving(std::string_view name) const
{
    std::lock_guard lock(m_impl->mutex);
    for (const auto& m : m_impl->models) {
        if (m.app.name == name) {
            return {m.serving, tag_of(m.serving), m.revision, true};
        }
    }
    return {};
}

}  // namespace kanon::sandbox
