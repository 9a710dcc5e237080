// What `kanon smoke` shares with the writes that smoke-check after a deploy
// (`release --smoke`, `promote --smoke`).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "ops/smoke.hpp"
#include "verify/http/smoke.hpp"

namespace kanon::cli {

struct SmokeFlags {
    ops::SiteOptions site;
    std::vector<std::string> paths;
    std::string timeout;  // empty: kanon.yaml's smoke.timeout (10s)
    bool insecure = false;
    std::string ca_file;
};

struct SmokeRun {
    ops::SiteOptions site;
    verify::http::SmokeReport report;
};

// Finds the stage's site and GETs its paths, progress on stderr.
Result<SmokeRun> smoke_stage(const SmokeFlags& flags, const Context& ctx);

std::string render_smoke_text(const verify::http::SmokeReport& r, const Paint& paint);
nlohmann::ordered_json smoke_json(const verify::http::SmokeReport& r, const ops::SiteOptions& site);

}  // namespace kanon::cli
