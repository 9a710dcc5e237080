// Parsing a scenario. Every mistake names its place ("apps[0].timeline[2]:
// …") and unknown keys are refused, so a typo in a test's scenario fails
// loudly instead of silently changing what the simulator does.
#include "sandbox/argocd_scenario.hpp"

#include <initializer_list>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include <fmt/format.h>

#include "util/files.hpp"

namespace kanon::sandbox {

namespace {

// Thrown inside the parser only; parse_scenario turns it into an Error.
struct ScenarioError {
    std::string message;
};

[[noreturn]] void fail(const std::string& where, const std::string& message)
{
    throw ScenarioError{where + ": " + message};
}

void require_keys(const Json& object, const std::string& where, std::initializer_list<std::string_view> allowed)
{
    if (!object.is_object()) {
        fail(where, "must be an object");
    }
    std::set<std::string_view> keys(allowed);
    for (const auto& item : object.items()) {
        if (!keys.contains(item.key())) {
            fail(where, "unknown key \"" + item.key() + "\"");
        }
    }
}

Millis millis_at(const Json& object, std::string_view key, const std::string& where, Millis fallback)
{
    auto it = object.find(key);
    if (it == object.end()) {
        return fallback;
    }
    if (!it->is_number_integer() || it->get<long long>() < 0) {
        fail(where, std::string(key) + " must be a non-negative integer");
    }
    return Millis{it->get<long long>()};
}

int int_at(const Json& object, std::string_view key, const std::string& where, int fallback)
{
    auto it = object.find(key);
    if (it == object.end()) {
        return fallback;
    }
    if (!it->is_number_integer() || it->get<long long>() < 0) {
        fail(where, std::string(key) + " must be a non-negative integer");
    }
    return it->get<int>();
}

std::string string_at(const Json& object, std::string_view key, const std::string& where, std::string fallback)
{
    auto it = object.find(key);
    if (it == object.end()) {
        return fallback;
    }
    if (!it->is_string()) {
        fail(where, std::string(key) + " must be a string");
    }
    return it->get<std::string>();
}

std::string read_text(const std::filesystem::path& file, const std::string& where)
{
    auto text = read_file(file.string());
    if (!text) {
        fail(where, text.error().describe());
    }
    return std::move(*text);
}

Json parse_json(const std::string& text, const std::string& where)
{
    try {
        return Json::parse(text);
    } catch (const Json::parse_error& e) {
        fail(where, std::string("not JSON: ") + e.what());
    }
}

// ---- faults --------------------------------------------------------------

StreamFault parse_stream_fault(const Json& value, const std::string& where)
{
    StreamFault fault;
    if (value.is_number_integer()) {
        fault.after = int_at(Json{{"after", value}}, "after", where, 0);
        return fault;
    }
    require_keys(value, where, {"after", "count", "code", "message"});
    fault.after = int_at(value, "after", where, 0);
    fault.count = int_at(value, "count", where, 1);
    fault.error.code = int_at(value, "code", where, fault.error.code);
    fault.error.message = string_at(value, "message", where, fault.error.message);
    return fault;
}

CannedReply parse_canned_reply(const Json& value, const std::string& where)
{
    require_keys(value, where, {"status", "code", "message", "body", "content_type", "count", "after"});
    if (!value.contains("status") && !value.contains("code")) {
        fail(where, "needs a status or a code");
    }
    CannedReply reply;
    if (value.contains("count")) {
        reply.count = int_at(value, "count", where, 0);
    }
    reply.after = int_at(value, "after", where, 0);
    if (value.contains("body")) {
        reply.status = int_at(value, "status", where, 500);
        reply.body = string_at(value, "body", where, "");
        reply.content_type = string_at(value, "content_type", where, "text/plain; charset=utf-8");
        return reply;
    }
    int code = int_at(value, "code", where, 2);
    reply.status = int_at(value, "status", where, wire::http_status_for(code));
    if (!value.contains("code")) {
        static const std::map<int, int> k_code_for_status = {{400, 3},  {401, 16}, {403, 7},  {404, 5},
                                                             {409, 10}, {429, 8},  {503, 14}, {504, 4}};
        auto it = k_code_for_status.find(reply.status);
        code = it == k_code_for_status.end() ? 2 : it->second;
    }
    std::string message = string_at(value, "message", where, wire::http_status_text(reply.status));
    reply.body = wire::unary_error({code, message});
    reply.content_type = string_at(value, "content_type", where, "application/json");
    return reply;
}

Faults parse_faults(const Json& value, const std::string& where)
{
    require_keys(value, where,
                 {"refresh_hangs", "stream_cut_after", "stream_error_after", "sync_response", "http_status"});
    Faults faults;
    if (auto it = value.find("refresh_hangs"); it != value.end()) {
        if (!it->is_boolean()) {
            fail(where, "refresh_hangs must be true or false");
        }
        faults.refresh_hangs = it->get<bool>();
    }
    if (auto it = value.find("stream_cut_after"); it != value.end()) {
        faults.stream_cut = parse_stream_fault(*it, where + ".stream_cut_after");
    }
    if (auto it = value.find("stream_error_after"); it != value.end()) {
        faults.stream_error = parse_stream_fault(*it, where + ".stream_error_after");
    }
    if (auto it = value.find("sync_response"); it != value.end()) {
        faults.sync_response = parse_canned_reply(*it, where + ".sync_response");
    }
    if (auto it = value.find("http_status"); it != value.end()) {
        faults.get_response = parse_canned_reply(*it, where + ".http_status");
    }
    return faults;
}

template <typename T>
void inherit(std::optional<T>& own, const std::optional<T>& global)
{
    if (!own) {
        own = global;
    }
}

// ---- timeline ------------------------------------------------------------

Trigger parse_trigger(const Json& step, const std::string& where)
{
    std::string on = string_at(step, "on", where, "");
    if (on.empty()) {
        return Trigger::none;
    }
    static const std::map<std::string, Trigger> k_triggers = {
        {"refresh", Trigger::refresh}, {"sync", Trigger::sync}, {"manual", Trigger::manual}};
    auto it = k_triggers.find(on);
    if (it == k_triggers.end()) {
        fail(where, "on must be \"refresh\", \"sync\" or \"manual\", not \"" + on + "\"");
    }
    return it->second;
}

Json apply_patch(Json app, const Json& step, const std::string& where)
{
    if (!app.is_object()) {
        fail(where, "the Application must be a JSON object");
    }
    if (auto patch = step.find("patch"); patch != step.end()) {
        app.merge_patch(*patch);  // RFC 7386
    }
    return app;
}

// The states an `ndjson` step stands for: one per line of a watch stream.
std::vector<Step> ndjson_steps(const Json& step, const std::filesystem::path& fixtures, const std::string& where)
{
    std::string file = string_at(step, "ndjson", where, "");
    std::istringstream lines(read_text(fixtures / file, where));
    std::vector<Step> steps;
    int from = int_at(step, "from_line", where, 1);
    int to = int_at(step, "to_line", where, std::numeric_limits<int>::max());
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number) {
        if (line.empty() || number < from || number > to) {
            continue;
        }
        std::string line_where = fmt::format("{}: {}:{}", where, file, number);
        Json message = parse_json(line, line_where);
        const Json& result = message.value("result", Json::object());
        if (!result.contains("application")) {
            fail(line_where, "not a {\"result\":{\"type\",\"application\"}} line");
        }
        Step s;
        s.app = apply_patch(result["application"], step, line_where);
        s.deleted = result.value("type", "") == "DELETED";
        s.after = millis_at(step, "every_ms", where, Millis{0});
        steps.push_back(std::move(s));
    }
    if (steps.empty()) {
        fail(where, file + " has no lines in the range given");
    }
    if (steps.size() > 1 && !step.contains("every_ms")) {
        fail(where, "an ndjson step of several lines needs every_ms");
    }
    return steps;
}

std::vector<Step> expand_step(const Json& step, const std::filesystem::path& fixtures, const std::string& where)
{
    require_keys(step, where,
                 {"fixture", "app", "ndjson", "from_line", "to_line", "delete", "patch", "after_ms", "on", "every_ms"});
    int sources = int(step.contains("fixture")) + int(step.contains("app")) + int(step.contains("ndjson")) +
                  int(step.contains("delete"));
    if (sources != 1) {
        fail(where, "give exactly one of fixture, app, ndjson, delete");
    }
    if (step.contains("ndjson")) {
        return ndjson_steps(step, fixtures, where);
    }
    Step s;
    if (step.contains("delete")) {
        s.deleted = true;
        s.app = Json();
    } else if (step.contains("fixture")) {
        std::string file = string_at(step, "fixture", where, "");
        s.app = apply_patch(parse_json(read_text(fixtures / file, where), where + ": " + file), step, where);
    } else {
        s.app = apply_patch(step["app"], step, where);
    }
    return {std::move(s)};
}

// Gates the first state an entry stands for; the first state of a timeline is
// published at start and takes none.
void set_gate(Step& first, const Json& entry, bool is_first_state, const std::string& where)
{
    bool gated = entry.contains("on") || entry.contains("after_ms");
    if (is_first_state) {
        if (gated) {
            fail(where, "the first state is published at start and takes no on/after_ms");
        }
        if (first.deleted) {
            fail(where, "a timeline cannot start with delete");
        }
        return;
    }
    if (!gated) {
        fail(where, "give after_ms or on (when to move to this state)");
    }
    first.on = parse_trigger(entry, where);
    first.after = millis_at(entry, "after_ms", where, Millis{0});
}

std::vector<Step> parse_timeline(const Json& timeline, const std::filesystem::path& fixtures, const std::string& where)
{
    if (!timeline.is_array() || timeline.empty()) {
        fail(where, "must be a non-empty array");
    }
    std::vector<Step> steps;
    for (std::size_t i = 0; i < timeline.size(); ++i) {
        std::string step_where = where + "[" + std::to_string(i) + "]";
        std::vector<Step> expanded = expand_step(timeline[i], fixtures, step_where);
        set_gate(expanded.front(), timeline[i], steps.empty(), step_where);
        for (auto& s : expanded) {
            steps.push_back(std::move(s));
        }
    }
    return steps;
}

AppScenario parse_app(const Json& value, const Faults& global, const std::filesystem::path& fixtures,
                      const std::string& where)
{
    require_keys(value, where, {"name", "subject", "sync_revision", "refresh_ms", "faults", "timeline"});
    AppScenario app;
    app.steps = parse_timeline(value.value("timeline", Json()), fixtures, where + ".timeline");
    app.name = string_at(value, "name", where, app.steps.front().app["metadata"].value("name", ""));
    if (app.name.empty()) {
        fail(where, "no name and the first state has no metadata.name");
    }
    for (auto& step : app.steps) {
        if (!step.deleted) {
            step.app["metadata"]["name"] = app.name;
        }
    }
    app.subject = string_at(value, "subject", where, app.subject);
    app.sync_revision = string_at(value, "sync_revision", where, "");
    if (auto it = value.find("refresh_ms"); it != value.end() && it->is_null()) {
        app.refresh_consumed_after.reset();
    } else {
        app.refresh_consumed_after = millis_at(value, "refresh_ms", where, Millis{0});
    }
    app.faults = parse_faults(value.value("faults", Json::object()), where + ".faults");
    inherit(app.faults.refresh_hangs, global.refresh_hangs);
    inherit(app.faults.stream_cut, global.stream_cut);
    inherit(app.faults.stream_error, global.stream_error);
    inherit(app.faults.sync_response, global.sync_response);
    inherit(app.faults.get_response, global.get_response);
    return app;
}

}  // namespace

Result<Scenario> parse_scenario(const Json& document, const std::filesystem::path& fixtures)
{
    try {
        require_keys(document, "scenario", {"sse_keepalive_ms", "hang_cap_ms", "faults", "apps"});
        Scenario scenario;
        scenario.sse_keepalive = millis_at(document, "sse_keepalive_ms", "scenario", scenario.sse_keepalive);
        scenario.hang_cap = millis_at(document, "hang_cap_ms", "scenario", scenario.hang_cap);
        Faults global = parse_faults(document.value("faults", Json::object()), "faults");
        const Json& apps = document.value("apps", Json());
        if (!apps.is_array() || apps.empty()) {
            fail("scenario", "apps must be a non-empty array");
        }
        for (std::size_t i = 0; i < apps.size(); ++i) {
            scenario.apps.push_back(parse_app(apps[i], global, fixtures, "apps[" + std::to_string(i) + "]"));
        }
        return scenario;
    } catch (const ScenarioError& e) {
        return Error{e.message};
    }
}

Result<Scenario> load_scenario(const std::filesystem::path& file, const std::filesystem::path& fixtures)
{
    auto text = read_file(file.string());
    if (!text) {
        return text.take_error();
    }
    try {
        auto scenario = parse_scenario(Json::parse(*text), fixtures);
        if (!scenario) {
            return Error{file.string() + ": " + scenario.error().message};
        }
        return scenario;
    } catch (const Json::parse_error& e) {
        return Error{file.string() + ": not JSON: " + e.what()};
    }
}

}  // namespace kanon::sandbox
