// The report of `kanon pipeline` as a value, and its pure renderers: the
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
#include "util/error.hpp"

namespace kanon::cli {

// unverified: a wait that saw the site answer but could not tell the new
// release from the old one, accepted by a person (--unverified): the flow
// went on, and nothing reports it as passed.
enum class StepStatus { passed, unverified, failed, skipped, not_run };
[[nodiscard]] const char* status_name(StepStatus s);

struct PipelineStep {
    std::string name;   // build-contract | release | wait | smoke | promote
    std::string stage;  // "" for build-contract
    StepStatus status = StepStatus::not_run;
    std::chrono::milliseconds started{0};  // since the pipeline began
    std::chrono::milliseconds elapsed{0};
    std::string commit;                           // release/promote: the pushed commit; build-contract: the ref
    std::optional<bool> changed;                  // release/promote: whether a commit was made
    int attempts = 0;                             // release/promote: pushes
    std::string outcome;                          // passed | success | failed | timed_out | interrupted | error | ...
    std::string reason;                           // one line
    std::string details;                          // more lines (JUnit's failure body, the text summary's notes)
    std::optional<nlohmann::ordered_json> wait;   // wait_json / site_wait_json
    std::optional<nlohmann::ordered_json> smoke;  // smoke_json
    std::string via;                              // wait: argocd | http
};

struct PipelineReport {
    std::string app;
    std::string tag;
    std::string ref;   // --ref; "" when not given
    std::string gate;  // auto | manual
    std::string repo;  // redacted
    std::string branch;
    std::vector<std::string> stages;  // in promotion order
    std::vector<PipelineStep> steps;
    std::map<std::string, std::string> commits;  // stage -> the commit it should run now ("" unknown)
    std::map<std::string, std::string> urls;     // stage -> its site's URL, redacted ("" unknown)
    std::string only_stage;                      // --stage: the one stage this run is about ("" for all)
    ExitCode exit_code = ExitCode::ok;
    bool gated = false;              // --gate manual stopped it after the first stage
    std::string reason;              // one line: what happened
    std::string hint;                // how to fix the failure, when the failed operation said ("" when none)
    std::string next;                // the command to run next ("" when none)
    std::string next_why;            // what `next` does, for people
    std::vector<std::string> notes;  // what has and has not happened (failure, interruption)
    std::chrono::system_clock::time_point started_at{};
    std::chrono::milliseconds elapsed{0};

    [[nodiscard]] bool ok() const { return exit_code == ExitCode::ok; }
    // Some step was accepted without being verified (--unverified).
    [[nodiscard]] bool unverified() const;
    // The step being reported on, or nullptr.
    PipelineStep* find(const std::string& name, const std::string& stage);
    // The first failed step, or nullptr.
    [[nodiscard]] const PipelineStep* failed_step() const;
};

// The steps of a pipeline over `stages` before anything ran: build-contract,
// then release, wait, smoke in the first stage and promote, wait, smoke in
// each next one, all not-run.
std::vector<PipelineStep> plan_steps(const std::vector<std::string>& stages);

// "[  0.4s] " for a progress line.
std::string elapsed_prefix(std::chrono::milliseconds since_start);
// "0.4s", "12.3s", "2m05s".
std::string format_elapsed(std::chrono::milliseconds d);

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
