// The pure renderers of `kanon pipeline`'s report (flow::PipelineReport): the
// text summary (stdout), the progress lines (stderr), the JSON document, a
// JUnit XML file for GitLab's test tab, and a dotenv file for later jobs.
// Nothing here does I/O, so the tests compare exact output.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "flow/pipeline.hpp"
#include "util/error.hpp"

namespace kanon::cli {

// The report is flow's value (flow/pipeline.hpp); this file renders it.
using flow::PipelineReport;
using flow::PipelineStep;
using flow::plan_steps;
using flow::status_name;
using flow::StepStatus;

// "[  0.4s] " for a progress line.
std::string elapsed_prefix(std::chrono::milliseconds since_start);

std::string render_pipeline_text(const PipelineReport& r, const Paint& paint);
nlohmann::ordered_json pipeline_json(const PipelineReport& r);
// ISO 8601 UTC with milliseconds: 2026-11-26T11:00:00.250Z.
std::string iso8601(std::chrono::system_clock::time_point t);
// For attribute values (line breaks as &#10;) and element content (kept).
std::string xml_escape(const std::string& text);
std::string xml_text(const std::string& text);
std::string render_junit(const PipelineReport& r);
// KANON_APP, KANON_TAG, KANON_REF, KANON_<STAGE>_COMMIT and KANON_<STAGE>_URL
// per stage (a URL GitLab's dotenv could not keep as it is is left empty),
// KANON_RESULT, KANON_EXIT_CODE. An error when a name or value is not safe for GitLab's
// dotenv (no quoting there: no spaces, quotes, newlines, '#', '$').
Result<std::string> render_dotenv(const PipelineReport& r);
// KANON_<STAGE>_COMMIT for a stage name: upper-case, other characters '_'.
std::string dotenv_commit_name(const std::string& stage);
// KANON_<STAGE>_URL likewise.
std::string dotenv_url_name(const std::string& stage);

}  // namespace kanon::cli
