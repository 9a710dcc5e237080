#include "ci/ci.hpp"

#include <cctype>

#include <fmt/format.h>

#include "canon/config.hpp"
#include "ci/text.hpp"
#include "yaml/scalar.hpp"

namespace kanon::ci {

Status validate(const CiOptions& o)
{
    for (const auto& app : o.apps) {
        if (auto st = canon::validate_app_name(app); !st) {
            return st;
        }
    }
    if (o.gate != "auto" && o.gate != "manual") {
        return usage_error(fmt::format("--gate is auto or manual, not '{}'", o.gate));
    }
    if (o.loop_guard != "skip-ci" && o.loop_guard != "paths") {
        return usage_error(fmt::format("--loop-guard is skip-ci or paths, not '{}'", o.loop_guard));
    }
    for (const auto& line : o.build_script) {
        if (line.find('\n') != std::string::npos || line.empty()) {
            return usage_error("a --build-script is one non-empty line (give several --build-script for several)");
        }
    }
    return ok_status();
}

Stages stages_of(const CiOptions& o) { return {o.first_stage, o.second_stage}; }

const std::vector<std::string>& release_globs(const CiOptions& o) { return o.release_globs; }

std::string upper(const std::string& stage)
{
    std::string s;
    for (char c : stage) {
        auto u = static_cast<unsigned char>(c);
        s += std::isalnum(u) != 0 ? static_cast<char>(std::toupper(u)) : '_';
    }
    return s;
}

std::string yaml_plain_or_quoted(const std::string& s)
{
    return yaml::plain_is_safe(s, false) && yaml::resolve_plain(s) == yaml::PlainType::string ? s
                                                                                              : yaml::double_quoted(s);
}

std::string command_line(const std::string& kind, const CiOptions& o)
{
    std::string s = "kanon ci " + kind;
    if (o.gate != "auto") {
        s += " --gate " + o.gate;
    }
    if (o.include) {
        s += " --include";
    }
    if (o.loop_guard != "skip-ci") {
        s += " --loop-guard " + o.loop_guard;
    }
    if (o.http) {
        s += " --http";
    }
    if (!o.build_script.empty()) {
        s += " --build-script ...";
    }
    for (const auto& app : o.apps) {
        s += " " + app;
    }
    return s;
}

}  // namespace kanon::ci
