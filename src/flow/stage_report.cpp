#include "flow/stage_report.hpp"

#include <fmt/format.h>

#include "util/redact.hpp"
#include "util/text.hpp"

namespace kanon::flow {
namespace {

namespace argo = verify::argocd;
namespace web = verify::http;
using ojson = nlohmann::ordered_json;

ojson last_state_json(const argo::Application& a)
{
    ojson j;
    j["sync"] = {{"status", a.sync_status}, {"revision", a.sync_revision}};
    j["health"] = {{"status", a.health_status}, {"message", a.health_message}};
    j["operation_running"] = a.operation;
    if (a.has_operation_state) {
        j["operation_state"] = {{"phase", a.op_phase}, {"message", a.op_message}, {"revision", a.op_sync_revision}};
    }
    if (a.reconciled_at) {
        j["reconciled_at"] = *a.reconciled_at;
    }
    j["images"] = a.images;
    ojson conditions = ojson::array();
    for (const auto& c : a.conditions) {
        conditions.push_back({{"type", c.type}, {"message", c.message}});
    }
    j["conditions"] = conditions;
    ojson resources = ojson::array();
    for (const auto& r : a.unhealthy_resources) {
        resources.push_back({{"resource", r.id()}, {"status", r.status}, {"health", r.health}, {"message", r.message}});
    }
    j["unhealthy_resources"] = resources;
    return j;
}

std::string chain_text(const web::PathCheck& c)
{
    std::string s;
    for (const auto& h : c.hops) {
        s += (s.empty() ? "" : " -> ") + h.url + " " + (h.status != 0 ? std::to_string(h.status) : std::string("-"));
    }
    return s;
}

}  // namespace

nlohmann::ordered_json wait_json(const ops::StageTarget& t, const argo::WaitResult& r)
{
    ojson j;
    j["ok"] = r.outcome == argo::WaitOutcome::success;
    j["reason"] = redact(r.reason);
    j["outcome"] = argo::outcome_name(r.outcome);
    j["app"] = t.app;
    j["stage"] = t.stage;
    j["application"] = t.application;
    j["revision"] = t.revision;
    j["tag"] = t.tag;
    j["elapsed_ms"] = r.elapsed.count();
    ojson steps = ojson::array();
    for (const auto& s : r.steps) {
        ojson step{{"at_ms", s.at.count()}, {"source", s.source}};
        if (!s.state.empty()) {
            step["state"] = s.state;
            step["verdict"] = s.verdict;
        }
        step["reason"] = redact(s.reason);
        steps.push_back(step);
    }
    j["steps"] = steps;
    if (r.last) {
        j["last"] = last_state_json(*r.last);
    }
    return j;
}

nlohmann::ordered_json site_wait_json(const SiteWait& w)
{
    const auto& r = w.result;
    ojson j{{"ok", site_wait_accepted(w)},
            {"verified", r.outcome == verify::http::HttpWaitOutcome::success},
            {"reason", redact(r.reason)},
            {"outcome", verify::http::outcome_name(r.outcome)},
            {"app", w.app},
            {"stage", w.stage},
            {"url", redact(w.url)},
            {"tag", w.tag},
            {"status", r.status},
            {"version", r.version},
            {"elapsed_ms", r.elapsed.count()}};
    if (!w.revision.empty()) {
        j["revision"] = w.revision;
    }
    ojson steps = ojson::array();
    for (const auto& s : r.steps) {
        steps.push_back({{"at_ms", s.at.count()},
                         {"source", redact(s.source)},
                         {"state", redact(s.state)},
                         {"verdict", s.verdict},
                         {"reason", redact(s.reason)}});
    }
    j["steps"] = steps;
    if (r.outcome == verify::http::HttpWaitOutcome::unverified && !w.accept_unverified) {
        j["hint"] = unverifiable_hint();
    }
    return j;
}

std::string render_smoke_text(const web::SmokeReport& r, const Paint& paint)
{
    std::vector<std::vector<std::string>> rows = {{"PATH", "RESULT", "STATUS", "LATENCY", "HOPS", "FINAL URL"}};
    for (const auto& c : r.checks) {
        rows.push_back({c.path, c.ok ? "ok" : "FAIL", c.status != 0 ? std::to_string(c.status) : "-",
                        web::format_ms(c.latency), std::to_string(c.hops.size()), c.final_url});
    }
    std::string out = render_table(rows, paint);
    for (const auto& c : r.checks) {
        if (c.hops.size() > 1) {
            out += fmt::format("{}: {}\n", c.path, chain_text(c));
        }
        if (!c.ok) {
            out += fmt::format("{}: {}\n", c.path, paint.red(c.reason));
        }
    }
    std::string verdict = r.ok() ? paint.green("smoke passed: ") : paint.red("smoke failed: ");
    out += verdict + r.reason + "\n";
    return out;
}

nlohmann::ordered_json smoke_json(const web::SmokeReport& r, const ops::SiteOptions& site)
{
    ojson j;
    j["ok"] = r.ok();
    j["reason"] = r.reason;
    j["app"] = site.app;
    j["stage"] = site.stage;
    j["url"] = r.base_url;
    j["elapsed_ms"] = r.elapsed.count();
    j["steps"] = ojson::array();
    for (const auto& c : r.checks) {
        ojson s;
        s["path"] = c.path;
        s["url"] = c.url;
        s["ok"] = c.ok;
        s["verdict"] = c.ok ? "pass" : "fail";
        s["reason"] = c.reason;
        s["status"] = c.status != 0 ? ojson(c.status) : ojson(nullptr);
        s["final_url"] = c.final_url;
        s["latency_ms"] = c.latency.count();
        s["hops"] = ojson::array();
        for (const auto& h : c.hops) {
            ojson hop;
            hop["url"] = h.url;
            hop["status"] = h.status != 0 ? ojson(h.status) : ojson(nullptr);
            if (!h.location.empty()) {
                hop["location"] = h.location;
            }
            hop["latency_ms"] = h.elapsed.count();
            hop["tries"] = h.tries;
            s["hops"].push_back(hop);
        }
        j["steps"].push_back(s);
    }
    return j;
}

}  // namespace kanon::flow
