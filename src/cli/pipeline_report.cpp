#include "cli/pipeline_report.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

#include <fmt/format.h>

#include "cli/render.hpp"
#include "util/duration.hpp"
#include "util/text.hpp"

namespace kanon::cli {
namespace {

using ojson = nlohmann::ordered_json;
using std::chrono::milliseconds;

std::string step_title(const PipelineStep& s)
{
    return s.stage.empty() ? s.name : s.stage + ": " + s.name;
}

std::string seconds_attr(milliseconds d)
{
    return fmt::format("{}.{:03}", d.count() / 1000, d.count() % 1000);
}

std::string status_cell(StepStatus s, const Paint& paint)
{
    switch (s) {
        case StepStatus::passed:
            return paint.green("passed");
        case StepStatus::unverified:
            return paint.yellow("UNVERIFIED");
        case StepStatus::failed:
            return paint.red("FAILED");
        case StepStatus::skipped:
            return paint.yellow("skipped");
        case StepStatus::not_run:
            break;
    }
    return paint.dim("not run");
}

// The verdict line of the text summary.
std::string verdict_line(const PipelineReport& r, const Paint& paint)
{
    std::string took = format_elapsed(r.elapsed);
    if (r.ok() && r.unverified()) {
        return fmt::format("{} {} {} ({})\n", paint.yellow(r.gated ? "gated, UNVERIFIED:" : "UNVERIFIED:"), r.app,
                           r.reason, took);
    }
    if (r.ok()) {
        return fmt::format("{} {} {} ({})\n", paint.green(r.gated ? "gated:" : "passed:"), r.app, r.reason, took);
    }
    std::string head = r.exit_code == ExitCode::interrupted ? "INTERRUPTED" : "FAILED";
    return fmt::format("{} {}\n", paint.red(fmt::format("{} (exit {}):", head, static_cast<int>(r.exit_code))),
                       r.reason);
}

bool safe_dotenv_value(const std::string& v)
{
    return std::all_of(v.begin(), v.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 || c == '.' || c == '_' || c == '-' || c == ':' || c == '/' || c == '@' || c == '+';
    });
}

bool safe_dotenv_name(const std::string& n)
{
    return !n.empty() && std::isdigit(static_cast<unsigned char>(n.front())) == 0 &&
           std::all_of(n.begin(), n.end(),
                       [](unsigned char c) { return std::isupper(c) != 0 || std::isdigit(c) != 0 || c == '_'; });
}

// What the summary says of a result: passed | unverified | failed |
// interrupted | gated.
std::string result_name(const PipelineReport& r)
{
    if (r.exit_code == ExitCode::interrupted) {
        return "interrupted";
    }
    if (!r.ok()) {
        return "failed";
    }
    if (r.gated) {
        return "gated";
    }
    return r.unverified() ? "unverified" : "passed";
}

bool ran(StepStatus s)
{
    return s == StepStatus::passed || s == StepStatus::unverified || s == StepStatus::failed;
}

}  // namespace

std::string elapsed_prefix(milliseconds since_start)
{
    auto tenths = ((since_start.count() < 0 ? 0 : since_start.count()) + 50) / 100;
    return fmt::format("[{:>5}s] ", fmt::format("{}.{}", tenths / 10, tenths % 10));
}

std::string render_pipeline_text(const PipelineReport& r, const Paint& paint)
{
    std::vector<std::vector<std::string>> rows = {{"STAGE", "STEP", "STATUS", "TIME", "DETAIL"}};
    for (const auto& s : r.steps) {
        rows.push_back({s.stage.empty() ? "-" : s.stage, s.name, status_cell(s.status, paint),
                        ran(s.status) ? format_elapsed(s.elapsed) : "-", s.reason});
    }
    std::string out = render_table(rows, paint);
    if (const auto* f = r.failed_step(); f != nullptr && !f->details.empty()) {
        out += fmt::format("{}:\n", step_title(*f));
        std::string d = f->details;
        for (std::size_t pos = 0; pos < d.size();) {
            auto nl = d.find('\n', pos);
            out += "  " + d.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos) + "\n";
            pos = nl == std::string::npos ? d.size() : nl + 1;
        }
    }
    out += verdict_line(r, paint);
    std::vector<std::string> commits;
    for (const auto& stage : r.stages) {
        auto it = r.commits.find(stage);
        commits.push_back(fmt::format("{} {}", stage, it == r.commits.end() || it->second.empty() ? "-" : it->second));
    }
    out += fmt::format("commits: {}\n", fmt::join(commits, ", "));
    for (const auto& n : r.notes) {
        out += fmt::format("{} {}\n", paint.yellow("note:"), n);
    }
    if (!r.next.empty()) {
        out += fmt::format("next: {}\n", r.next);
        if (!r.next_why.empty()) {
            out += fmt::format("      ({})\n", r.next_why);
        }
    }
    return out;
}

namespace {

ojson step_json(const PipelineStep& s)
{
    ojson step;
    step["name"] = s.name;
    step["stage"] = s.stage.empty() ? ojson(nullptr) : ojson(s.stage);
    step["status"] = status_name(s.status);
    step["started_ms"] = s.started.count();
    step["elapsed_ms"] = s.elapsed.count();
    if (!s.commit.empty()) {
        step["commit"] = s.commit;
    }
    if (s.changed) {
        step["changed"] = *s.changed;
    }
    if (s.attempts > 0) {
        step["attempts"] = s.attempts;
    }
    if (!s.outcome.empty()) {
        step["outcome"] = s.outcome;
    }
    step["reason"] = s.reason;
    if (!s.details.empty()) {
        step["details"] = s.details;
    }
    if (!s.via.empty()) {
        step["via"] = s.via;
    }
    if (s.wait) {
        step["wait"] = *s.wait;
    }
    if (s.smoke) {
        step["smoke"] = *s.smoke;
    }
    return step;
}

// Where the run failed: the step, its stage and the commit that stage runs.
ojson failed_json(const PipelineReport& r, const PipelineStep& f)
{
    ojson failed;
    failed["stage"] = f.stage.empty() ? ojson(nullptr) : ojson(f.stage);
    failed["step"] = f.name;
    auto c = r.commits.find(f.stage);
    failed["commit"] = c == r.commits.end() || c->second.empty() ? ojson(nullptr) : ojson(c->second);
    failed["outcome"] = f.outcome;
    return failed;
}

}  // namespace

ojson pipeline_json(const PipelineReport& r)
{
    ojson j;
    j["ok"] = r.ok();
    j["result"] = result_name(r);
    j["reason"] = r.reason;
    j["exit_code"] = static_cast<int>(r.exit_code);
    j["app"] = r.app;
    j["tag"] = r.tag;
    j["ref"] = r.ref.empty() ? ojson(nullptr) : ojson(r.ref);
    j["gate"] = r.gate;
    j["repo"] = r.repo;
    j["branch"] = r.branch;
    j["stages"] = r.stages;
    j["started_at"] = iso8601(r.started_at);
    j["elapsed_ms"] = r.elapsed.count();
    if (const auto* f = r.failed_step(); f != nullptr) {
        j["failed"] = failed_json(r, *f);
    }
    j["steps"] = ojson::array();
    for (const auto& s : r.steps) {
        j["steps"].push_back(step_json(s));
    }
    j["commits"] = ojson::object();
    for (const auto& stage : r.stages) {
        auto it = r.commits.find(stage);
        j["commits"][stage] = it == r.commits.end() || it->second.empty() ? ojson(nullptr) : ojson(it->second);
    }
    j["urls"] = ojson::object();
    for (const auto& stage : r.stages) {
        auto it = r.urls.find(stage);
        j["urls"][stage] = it == r.urls.end() || it->second.empty() ? ojson(nullptr) : ojson(it->second);
    }
    j["stage"] = r.only_stage.empty() ? ojson(nullptr) : ojson(r.only_stage);
    j["notes"] = r.notes;
    if (!r.hint.empty()) {
        j["hint"] = r.hint;
    }
    if (!r.next.empty()) {
        j["next"] = r.next;
        j["next_why"] = r.next_why;
    }
    return j;
}

std::string iso8601(std::chrono::system_clock::time_point t)
{
    auto ms = std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

// An attribute value: the five entities, line breaks as character
// references (a parser would otherwise fold them to spaces), and the control
// characters XML 1.0 forbids replaced by '?'.
std::string xml_escape(const std::string& text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            case '\n':
                out += "&#10;";
                break;
            case '\r':
                out += "&#13;";
                break;
            case '\t':
                out += "&#9;";
                break;
            default:
                out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
        }
    }
    return out;
}

// Element content: as xml_escape, but line breaks and tabs stay as they are.
std::string xml_text(const std::string& text)
{
    std::string out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == '\n' || text[i] == '\t') {
            out += xml_escape(text.substr(start, i - start));
            if (i < text.size()) {
                out += text[i];
            }
            start = i + 1;
        }
    }
    return out;
}

namespace {

// The run's facts as <property> elements: app, tag, ref, result, each
// stage's commit, the command to run next.
std::string junit_properties(const PipelineReport& r)
{
    std::string out;
    out += "    <properties>\n";
    std::vector<std::pair<std::string, std::string>> props = {
        {"app", r.app},
        {"tag", r.tag},
        {"ref", r.ref},
        {"gate", r.gate},
        {"repo", r.repo},
        {"branch", r.branch},
        {"result", result_name(r)},
        {"exit_code", std::to_string(static_cast<int>(r.exit_code))}};
    for (const auto& stage : r.stages) {
        auto it = r.commits.find(stage);
        props.emplace_back("commit." + stage, it == r.commits.end() ? "" : it->second);
    }
    if (!r.next.empty()) {
        props.emplace_back("next", r.next);
    }
    for (const auto& [k, v] : props) {
        out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", xml_escape(k), xml_escape(v));
    }
    out += "    </properties>\n";
    return out;
}

// One step as a <testcase>: passed, failed (with its details) or skipped
// (not run, skipped, or unverified: never a pass).
std::string junit_testcase(const PipelineReport& r, const PipelineStep& s)
{
    std::string out;
    std::string classname = "kanon.pipeline." + r.app;
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"", xml_escape(classname),
                       xml_escape(step_title(s)), seconds_attr(s.elapsed));
    if (ran(s.status)) {
        out += fmt::format(" timestamp=\"{}\"", iso8601(r.started_at + s.started));
    }
    switch (s.status) {
        case StepStatus::passed:
            out += s.reason.empty()
                       ? "/>\n"
                       : fmt::format(">\n      <system-out>{}</system-out>\n    </testcase>\n", xml_text(s.reason));
            break;
        case StepStatus::failed: {
            std::string body = s.reason + (s.details.empty() ? "" : "\n" + s.details);
            out +=
                fmt::format(">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                            xml_escape(s.reason), xml_escape(s.outcome.empty() ? "failed" : s.outcome), xml_text(body));
            break;
        }
        case StepStatus::unverified:  // not a pass: a skip that says why
        case StepStatus::skipped:
        case StepStatus::not_run:
            out +=
                fmt::format(">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                            xml_escape(std::string(status_name(s.status)) + (s.reason.empty() ? "" : ": " + s.reason)));
            break;
    }
    return out;
}

}  // namespace

std::string render_junit(const PipelineReport& r)
{
    int failures = 0;
    int skipped = 0;
    for (const auto& s : r.steps) {
        failures += s.status == StepStatus::failed ? 1 : 0;
        skipped +=
            s.status == StepStatus::skipped || s.status == StepStatus::not_run || s.status == StepStatus::unverified
                ? 1
                : 0;
    }
    std::string suite = "kanon pipeline " + r.app;
    std::string counts = fmt::format(R"(tests="{}" failures="{}" errors="0" skipped="{}" time="{}" timestamp="{}")",
                                     r.steps.size(), failures, skipped, seconds_attr(r.elapsed), iso8601(r.started_at));
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += fmt::format("<testsuites name=\"{}\" {}>\n", xml_escape(suite), counts);
    out += fmt::format("  <testsuite name=\"{}\" {}>\n", xml_escape(suite), counts);
    out += junit_properties(r);
    for (const auto& s : r.steps) {
        out += junit_testcase(r, s);
    }
    out += "  </testsuite>\n</testsuites>\n";
    return out;
}

namespace {

std::string dotenv_stage_name(const std::string& stage, const char* suffix)
{
    return "KANON_" + env_name_part(stage) + suffix;
}

}  // namespace

std::string dotenv_commit_name(const std::string& stage)
{
    return dotenv_stage_name(stage, "_COMMIT");
}
std::string dotenv_url_name(const std::string& stage)
{
    return dotenv_stage_name(stage, "_URL");
}

Result<std::string> render_dotenv(const PipelineReport& r)
{
    std::vector<std::pair<std::string, std::string>> vars = {
        {"KANON_APP", r.app}, {"KANON_TAG", r.tag}, {"KANON_REF", r.ref}};
    for (const auto& stage : r.stages) {
        auto it = r.commits.find(stage);
        vars.emplace_back(dotenv_commit_name(stage), it == r.commits.end() ? "" : it->second);
        auto url = r.urls.find(stage);
        vars.emplace_back(dotenv_url_name(stage),
                          url == r.urls.end() || !safe_dotenv_value(url->second) ? "" : url->second);
    }
    vars.emplace_back("KANON_RESULT", result_name(r));
    vars.emplace_back("KANON_EXIT_CODE", std::to_string(static_cast<int>(r.exit_code)));
    std::string out;
    for (const auto& [k, v] : vars) {
        if (!safe_dotenv_name(k)) {
            return Error{fmt::format("dotenv: '{}' is not a variable name GitLab accepts", k)};
        }
        if (!safe_dotenv_value(v)) {
            return Error{
                fmt::format("dotenv: the value of {} has characters GitLab's dotenv would not keep as they are "
                            "(spaces, quotes, '#', '$' or line breaks)",
                            k)};
        }
        out += fmt::format("{}={}\n", k, v);
    }
    return out;
}

}  // namespace kanon::cli
