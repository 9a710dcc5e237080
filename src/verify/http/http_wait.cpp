#include "verify/http/http_wait.hpp"

#include <algorithm>
#include <cctype>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/json.hpp"
#include "util/redact.hpp"
#include "util/text.hpp"
#include "verify/http/smoke.hpp"
#include "yaml/path.hpp"

namespace kanon::verify::http {

namespace transport = ::kanon::http;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using Source = canon::SiteVersion::Source;

namespace {

milliseconds since(Clock::time_point t)
{
    return std::chrono::duration_cast<milliseconds>(Clock::now() - t);
}

bool tag_char(char c)
{
    auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) != 0 || c == '_' || c == '.' || c == '-';
}

// `tag` in `text` with no tag character right before or after it.
bool mentions(const std::string& text, const std::string& tag)
{
    if (tag.empty()) {
        return false;
    }
    for (auto pos = text.find(tag); pos != std::string::npos; pos = text.find(tag, pos + 1)) {
        bool left = pos == 0 || !tag_char(text[pos - 1]);
        std::size_t end = pos + tag.size();
        // A sentence may end right after the tag: "runs 1.2." still mentions 1.2.
        bool right = end == text.size() || !tag_char(text[end]) ||
                     (text[end] == '.' && (end + 1 == text.size() || !tag_char(text[end + 1])));
        if (left && right) {
            return true;
        }
    }
    return false;
}

std::string header_value(const transport::Response& r, const std::string& name)
{
    std::string wanted = lower(name);
    for (const auto& [k, v] : r.headers) {
        if (k == wanted) {
            return v;
        }
    }
    return {};
}

// The label of a stated version in progress lines: "X-Release 1.4.0".
std::string version_label(const canon::SiteVersion& how)
{
    switch (how.source) {
        case Source::header:
            return how.header;
        case Source::json:
            return how.json;
        case Source::body:
            return "body of " + how.path;
        case Source::none:
            return "version";
    }
    return "version";
}

// One poll: what the site said, and whether that is what we wait for.
struct Poll {
    bool interrupted = false;
    bool done = false;
    bool unverified = false;  // done, but the site does not say what it runs
    std::string state;
    std::string reason;
    std::string waiting_for;  // when not done
    long status = 0;
    std::string version;
};

Poll judge_version(const HttpWaitOptions& o, const transport::Response& answer, Poll p)
{
    StatedVersion sv = read_version(o.version, answer, o.tag);
    std::string label = version_label(o.version);
    if (o.version.source == Source::body) {
        p.done = sv.found;
        p.version = sv.found ? o.tag : std::string();
        p.state += sv.found ? fmt::format(" · {} mentions {}", label, o.tag)
                            : fmt::format(" · {} does not mention {}", label, o.tag);
        p.reason = sv.found ? fmt::format("the {} mentions {}", label, o.tag) : sv.note;
        p.waiting_for = fmt::format("the {} to mention {}", label, o.tag);
        return p;
    }
    if (!sv.found) {
        p.state += " · " + sv.note;
        p.reason = sv.note;
        p.waiting_for = fmt::format("{} to be {}", label, o.tag);
        return p;
    }
    p.version = sv.version;
    p.state += fmt::format(" · {} {}", label, sv.version);
    p.done = o.tag.empty() || sv.version == o.tag;
    p.reason = p.done ? fmt::format("runs {}", sv.version) : fmt::format("runs {}, not {} yet", sv.version, o.tag);
    p.waiting_for = fmt::format("{} to be {}", label, o.tag);
    return p;
}

Poll poll_once(const HttpWaitOptions& o, const FetchOptions& fo)
{
    Poll p;
    p.waiting_for = "an answer without a 5xx";
    Fetch f = fetch(join_url(o.url, "/"), fo);
    p.status = f.answer.status;
    if (f.problem == FetchProblem::interrupted) {
        p.interrupted = true;
        return p;
    }
    if (!f.ok()) {
        p.state = f.problem == FetchProblem::transport            ? std::string(transport::failure_name(f.failure))
                  : f.problem == FetchProblem::redirect_loop      ? "redirect loop"
                  : f.problem == FetchProblem::forbidden_redirect ? "redirect refused"
                                                                  : "too many redirects";
        p.reason = f.error;
        return p;
    }
    p.state = std::to_string(f.answer.status);
    if (f.answer.status >= 500) {
        p.reason = fmt::format("{} answered {}", f.final_url(), f.answer.status);
        return p;
    }
    if (o.version.source == Source::none) {
        p.done = true;
        p.unverified = !o.tag.empty();
        p.reason = o.tag.empty() ? fmt::format("answered {}", f.answer.status)
                                 : fmt::format(
                                       "answered {}, but the site does not state the release it runs: {} cannot be "
                                       "told from the release before it",
                                       f.answer.status, o.tag);
        return p;
    }
    if (o.version.source == Source::body && o.tag.empty()) {
        p.done = true;
        p.reason = fmt::format("answered {}", f.answer.status);
        return p;
    }
    if (o.version.path == "/") {
        return judge_version(o, f.answer, p);
    }
    Fetch v = fetch(join_url(o.url, o.version.path), fo);
    if (v.problem == FetchProblem::interrupted) {
        p.interrupted = true;
        return p;
    }
    if (!v.ok() || v.answer.status >= 400) {
        std::string what = v.ok()
                               ? std::to_string(v.answer.status)
                               : std::string(v.problem == FetchProblem::transport ? transport::failure_name(v.failure)
                                                                                  : "redirect trouble");
        p.state += fmt::format(" · {} {}", o.version.path, what);
        p.reason = v.ok() ? fmt::format("{} answered {}", o.version.path, v.answer.status) : v.error;
        p.waiting_for = fmt::format("{} to state {}", o.version.path, o.tag);
        return p;
    }
    return judge_version(o, v.answer, p);
}

// Sleeps until `until`, in slices; false when interrupted.
bool pause_until(Clock::time_point until, const HttpWaitOptions& o)
{
    while (Clock::now() < until) {
        if (o.interrupted && o.interrupted()) {
            return false;
        }
        auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now());
        std::this_thread::sleep_for(std::clamp(left, milliseconds(0), milliseconds(50)));
    }
    return !(o.interrupted && o.interrupted());
}

}  // namespace

StatedVersion read_version(const canon::SiteVersion& how, const transport::Response& answer, const std::string& tag)
{
    StatedVersion sv;
    switch (how.source) {
        case Source::none:
            sv.note = "the site does not state its version";
            return sv;
        case Source::header:
            sv.version = header_value(answer, how.header);
            sv.found = !sv.version.empty();
            sv.note = sv.found ? std::string() : fmt::format("no {} header", how.header);
            return sv;
        case Source::body:
            sv.found = mentions(answer.body, tag);
            sv.version = sv.found ? tag : std::string();
            sv.note = sv.found ? std::string() : fmt::format("the body of {} does not mention {}", how.path, tag);
            return sv;
        case Source::json:
            break;
    }
    std::string why;
    auto doc = parse_json_bounded(answer.body, &why);
    if (doc.is_discarded()) {
        sv.note = fmt::format("{} is not read: {}", how.path, why);
        return sv;
    }
    auto path = yaml::parse_path(how.json);
    const nlohmann::json* at = &doc;
    for (const auto& seg : path ? path->segments : std::vector<yaml::Segment>{}) {
        if (seg.type == yaml::Segment::Type::key && at->is_object() && at->contains(seg.key)) {
            at = &(*at)[seg.key];
        } else if (seg.type == yaml::Segment::Type::index && at->is_array() && seg.index < at->size()) {
            at = &(*at)[seg.index];
        } else {
            at = nullptr;
            break;
        }
    }
    if (!path || at == nullptr || at->is_null() || at->is_structured()) {
        sv.note = fmt::format("no {} in {}", how.json, how.path);
        return sv;
    }
    sv.found = true;
    sv.version = at->is_string() ? at->get<std::string>() : at->dump();
    return sv;
}

ExitCode exit_code_of(HttpWaitOutcome outcome)
{
    switch (outcome) {
        case HttpWaitOutcome::success:
            return ExitCode::ok;
        case HttpWaitOutcome::unverified:
            return ExitCode::verify_failed;
        case HttpWaitOutcome::timed_out:
            return ExitCode::timed_out;
        case HttpWaitOutcome::interrupted:
            return ExitCode::interrupted;
        case HttpWaitOutcome::error:
            return ExitCode::failed;
    }
    return ExitCode::failed;
}

const char* outcome_name(HttpWaitOutcome outcome)
{
    switch (outcome) {
        case HttpWaitOutcome::success:
            return "deployed";
        case HttpWaitOutcome::unverified:
            return "unverified";
        case HttpWaitOutcome::timed_out:
            return "timed out";
        case HttpWaitOutcome::interrupted:
            return "interrupted";
        case HttpWaitOutcome::error:
            return "error";
    }
    return "?";
}

HttpWaitResult wait_http(const HttpWaitOptions& o)
{
    HttpWaitResult result;
    auto start = Clock::now();
    auto deadline = start + o.timeout;
    auto finish = [&](HttpWaitOutcome outcome, std::string reason) {
        result.outcome = outcome;
        result.reason = std::move(reason);
        result.elapsed = since(start);
        return std::move(result);
    };
    if (auto st = check_site_url(o.url, "the stage URL"); !st) {
        result.error = st.error();
        return finish(HttpWaitOutcome::error, st.error().message);
    }
    FetchOptions fo = o.fetch;
    fo.tries = 1;  // the next poll is the retry
    fo.interrupted = o.interrupted;
    std::string source = redact(join_url(o.url, "/"));
    std::string last_state;
    std::string waiting_for = "a first answer";
    for (;;) {
        auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
        if (left <= milliseconds(0)) {
            std::string last = last_state.empty() ? std::string() : fmt::format(" (last: {})", last_state);
            return finish(HttpWaitOutcome::timed_out, fmt::format("timed out after {} at {}: still waiting for {}{}",
                                                                  format_ms(o.timeout), source, waiting_for, last));
        }
        fo.timeout = std::min(o.fetch.timeout, left);
        Poll p = poll_once(o, fo);
        if (p.interrupted || (o.interrupted && o.interrupted())) {
            return finish(HttpWaitOutcome::interrupted, "interrupted while waiting for " + waiting_for);
        }
        result.status = p.status;
        result.version = p.version;
        std::string verdict = p.unverified ? "unverified" : p.done ? "success" : "waiting";
        if (p.state != last_state || p.done) {
            HttpWaitStep step{since(start), source, p.state, verdict, p.reason};
            result.steps.push_back(step);
            if (o.on_step) {
                o.on_step(step);
            }
            last_state = p.state;
        }
        if (p.done) {
            return finish(p.unverified ? HttpWaitOutcome::unverified : HttpWaitOutcome::success, p.reason);
        }
        waiting_for = p.waiting_for;
        if (!pause_until(std::min(Clock::now() + o.poll, deadline), o)) {
            return finish(HttpWaitOutcome::interrupted, "interrupted while waiting for " + waiting_for);
        }
    }
}

}  // namespace kanon::verify::http
