// Reports are values; these pure functions render them as text or JSON, so
// tests compare exact output.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/process.hpp"  // shell_quote, for the commands kanon prints
#include "util/text.hpp"     // render_table

#include "cli/context.hpp"
#include "ops/explain.hpp"
#include "ops/history.hpp"
#include "ops/promotion.hpp"
#include "ops/status.hpp"

namespace kanon::cli {

std::string render_status_text(const ops::StatusReport& r, const Paint& paint);
nlohmann::ordered_json status_json(const ops::StatusReport& r);

std::string render_explain_text(const ops::ExplainReport& r, const Paint& paint);
nlohmann::ordered_json explain_json(const ops::ExplainReport& r);

std::string render_write_text(const ops::WriteReport& r, const Paint& paint);
nlohmann::ordered_json write_json(const ops::WriteReport& r);

std::string render_history_text(const ops::HistoryReport& r, const Paint& paint);
nlohmann::ordered_json history_json(const ops::HistoryReport& r);

// A leaf value as `explain` shows it: JSON, so "1.10" and 1.1 differ visibly.
std::string leaf_text(const yaml::Value& v);

}  // namespace kanon::cli
