#include "cli/check_report.hpp"

#include <cstdint>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "util/text.hpp"

namespace kanon::cli {
namespace {

std::string summary_line(const check::Report& r)
{
    std::size_t errors = r.count(check::Severity::error);
    std::size_t warnings = r.count(check::Severity::warning);
    std::string what =
        fmt::format("checked {}, {}", counted(r.apps.size(), "app", "apps"), counted(r.files, "file", "files"));
    if (errors == 0 && warnings == 0) {
        return what + ": no problems";
    }
    return fmt::format("{}: {}, {}", what, counted(errors, "error", "errors"),
                       counted(warnings, "warning", "warnings"));
}

}  // namespace

std::string render_check_text(const check::Report& r, const Paint& paint)
{
    std::string out;
    std::string file;
    for (const auto& f : r.findings) {
        if (f.file != file) {
            file = f.file;
            out += (out.empty() ? "" : "\n") + paint.bold(file) + "\n";
        }
        std::string where = f.line == 0 ? "-" : fmt::format("{}:{}", f.line, f.column);
        std::string sev = check::severity_name(f.severity);
        sev = f.severity == check::Severity::error ? paint.red(fmt::format("{:<7}", sev))
                                                   : paint.yellow(fmt::format("{:<7}", sev));
        out += fmt::format("  {:<7} {} {}  {}\n", where, sev, paint.dim(f.rule), f.message);
    }
    if (!out.empty()) {
        out += "\n";
    }
    out += summary_line(r) + "\n";
    return out;
}

nlohmann::ordered_json check_json(const check::Report& r, bool strict)
{
    nlohmann::ordered_json j;
    std::size_t errors = r.count(check::Severity::error);
    std::size_t warnings = r.count(check::Severity::warning);
    j["ok"] = errors == 0 && (!strict || warnings == 0);
    j["findings"] = nlohmann::ordered_json::array();
    for (const auto& f : r.findings) {
        nlohmann::ordered_json e;
        e["rule"] = f.rule;
        e["severity"] = check::severity_name(f.severity);
        e["file"] = f.file;
        e["line"] = f.line;
        e["column"] = f.column;
        e["message"] = f.message;
        j["findings"].push_back(std::move(e));
    }
    j["summary"] = {{"apps", r.apps.size()}, {"files", r.files}, {"errors", errors}, {"warnings", warnings}};
    j["apps"] = r.apps;
    return j;
}

std::string finding_fingerprint(const check::Finding& f, std::size_t occurrence)
{
    std::string key = fmt::format("{}\n{}\n{}\n{}", f.rule, f.file, f.message, occurrence);
    return fmt::format("{:016x}{:016x}", fnv1a(key), fnv1a(key, 0x84222325cbf29ce4ULL));
}

nlohmann::ordered_json check_codeclimate(const check::Report& r)
{
    auto issues = nlohmann::ordered_json::array();
    std::map<std::tuple<std::string, std::string, std::string>, std::size_t> seen;
    for (const auto& f : r.findings) {
        std::size_t n = seen[{f.rule, f.file, f.message}]++;
        bool secret = f.rule.rfind("secrets/", 0) == 0 || f.rule == "platform/not-encrypted";
        nlohmann::ordered_json e;
        e["type"] = "issue";
        e["engine_name"] = "kanon";
        e["check_name"] = f.rule;
        e["description"] = f.message;
        e["categories"] = nlohmann::ordered_json::array({secret ? "Security" : "Bug Risk"});
        e["severity"] = f.severity == check::Severity::warning ? "minor" : secret ? "critical" : "major";
        e["fingerprint"] = finding_fingerprint(f, n);
        e["location"]["path"] = f.file;
        e["location"]["lines"]["begin"] = f.line == 0 ? 1 : f.line;
        issues.push_back(std::move(e));
    }
    return issues;
}

}  // namespace kanon::cli
