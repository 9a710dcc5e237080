#include "verify/http/smoke.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "util/redact.hpp"
#include "util/text.hpp"

namespace kanon::verify::http {

namespace {

using Clock = std::chrono::steady_clock;

std::string redirects_text(std::size_t hops)
{
    if (hops <= 1) {
        return {};
    }
    return fmt::format(" after {} redirect{}", hops - 1, hops == 2 ? "" : "s");
}

// What `expect` finds wrong with a final answer, or "".
std::string unmet(const Fetch& f, const canon::SmokeExpect& e, std::size_t max_body)
{
    const auto& r = f.answer;
    if (!e.statuses.empty() && std::find(e.statuses.begin(), e.statuses.end(), r.status) == e.statuses.end()) {
        std::string list;
        for (long s : e.statuses) {
            list += (list.empty() ? "" : ", ") + std::to_string(s);
        }
        return fmt::format("answered {}, expected {}", r.status, list);
    }
    if (!e.body.empty() && r.body.find(e.body) == std::string::npos) {
        return fmt::format("the body does not contain \"{}\"{}", e.body,
                           f.truncated ? fmt::format(" (in its first {} bytes)", max_body) : std::string());
    }
    if (!e.header.empty()) {
        bool found = false;
        std::string value;
        for (const auto& [k, v] : r.headers) {
            if (k == lower(e.header)) {
                found = true;
                value = v;
                break;
            }
        }
        if (!found) {
            return fmt::format("no {} header", e.header);
        }
        if (e.header_value && value != *e.header_value) {
            return fmt::format("{} is \"{}\", expected \"{}\"", e.header, value, *e.header_value);
        }
    }
    return {};
}

}  // namespace

ExitCode exit_code_of(SmokeOutcome outcome)
{
    switch (outcome) {
        case SmokeOutcome::passed:
            return ExitCode::ok;
        case SmokeOutcome::failed:
            return ExitCode::verify_failed;
        case SmokeOutcome::interrupted:
            return ExitCode::interrupted;
    }
    return ExitCode::failed;
}

PathCheck judge(const std::string& path, const Fetch& f, const canon::SmokeExpect* expect, std::size_t max_body)
{
    PathCheck c;
    c.path = path;
    c.hops = f.hops;
    c.url = f.hops.empty() ? std::string() : f.hops.front().url;
    c.final_url = f.final_url();
    c.status = f.answer.status;
    c.latency = f.latency;
    if (!f.ok()) {
        c.reason = f.error;
        return c;
    }
    if (c.status >= 500) {
        c.reason = fmt::format("answered {}{}", c.status, redirects_text(f.hops.size()));
        return c;
    }
    if (expect != nullptr) {
        if (std::string why = unmet(f, *expect, max_body); !why.empty()) {
            c.reason = why + redirects_text(f.hops.size());
            return c;
        }
    }
    c.ok = true;
    c.reason = fmt::format("answered {}{}", c.status, redirects_text(f.hops.size()));
    return c;
}

SmokeReport smoke(const SmokeOptions& o)
{
    SmokeReport report;
    report.base_url = redact(o.base_url);
    auto start = Clock::now();
    std::vector<std::string> failed;
    for (const auto& path : o.paths) {
        Fetch f = fetch(join_url(o.base_url, path), o.fetch);
        if (f.problem == FetchProblem::interrupted) {
            report.outcome = SmokeOutcome::interrupted;
            report.reason = fmt::format("interrupted while checking {}", path);
            report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
            return report;
        }
        auto it = o.expect.find(path);
        PathCheck c = judge(path, f, it == o.expect.end() ? nullptr : &it->second, o.fetch.max_body);
        if (!c.ok) {
            failed.push_back(fmt::format("{} ({})", path, c.reason));
        }
        if (o.on_path) {
            o.on_path(c);
        }
        report.checks.push_back(std::move(c));
    }
    report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    if (failed.empty()) {
        report.outcome = SmokeOutcome::passed;
        report.reason = fmt::format("{} of {} paths passed at {}", o.paths.size(), o.paths.size(), report.base_url);
        return report;
    }
    report.outcome = SmokeOutcome::failed;
    report.reason = fmt::format("{} of {} paths failed: {}", failed.size(), o.paths.size(), failed.front());
    for (std::size_t i = 1; i < failed.size(); ++i) {
        report.reason += "; " + failed[i];
    }
    return report;
}

Status check_site_url(const std::string& url, const std::string& what)
{
    auto scheme_end = url.find("://");
    std::string scheme = scheme_end == std::string::npos ? std::string() : lower(url.substr(0, scheme_end));
    bool bad_chars = std::any_of(url.begin(), url.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; });
    if ((scheme != "http" && scheme != "https") || bad_chars || url.size() <= scheme_end + 3 ||
        url[scheme_end + 3] == '/') {
        return usage_error(fmt::format("{} '{}' is not an http:// or https:// URL with a host", what, redact(url)),
                           "for example https://dev.example.com or http://127.0.0.1:8080");
    }
    return ok_status();
}

}  // namespace kanon::verify::http
