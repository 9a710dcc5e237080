// A stage's wait and smoke check as JSON (what `-o json` prints and what the
// pipeline's report embeds) and the smoke check's table: pure functions of
// the results in flow/stage.hpp. Text that may hold credentials (reasons,
// URLs) is redacted here.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "flow/stage.hpp"
#include "util/paint.hpp"

namespace kanon::flow {

nlohmann::ordered_json wait_json(const ops::StageTarget& t, const verify::argocd::WaitResult& r);
nlohmann::ordered_json site_wait_json(const SiteWait& w);
nlohmann::ordered_json smoke_json(const verify::http::SmokeReport& r, const ops::SiteOptions& site);
std::string render_smoke_text(const verify::http::SmokeReport& r, const Paint& paint);

}  // namespace kanon::flow
