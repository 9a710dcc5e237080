// The release flow of docs/canon.md in one function: the build contract
// (--ref), the release of T into the first stage, its deploy (Argo CD, or
// the site itself where there is no Argo CD access), its smoke check, then
// the promotion of the same T into each next stage, waited for and
// smoke-checked the same way. It stops at the first failure or
// interruption (a later stage is never touched after one) and records
// everything in a PipelineReport, a value the command line renders as text,
// JSON, JUnit and dotenv (cli/pipeline_report.hpp) whatever the outcome.
//
// Everything that touches git, Argo CD, a site or the signal flag goes
// through a PipelineDriver, so the tests run every outcome without a server.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flow/stage.hpp"
#include "ops/build_contract.hpp"
#include "ops/promotion.hpp"
#include "util/error.hpp"

namespace kanon::flow {

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

struct PipelineRequest {
    ops::WriteOptions write;  // where web-core is, --config, the author, retries
    std::string app;
    std::string tag;
    std::string ref;  // the web-core commit the image was built from; "" : no build contract
    bool manual_gate = false;
    bool http = false;  // wait on the sites; else in Argo CD through `argo`
    ArgoAccess argo;
    SiteAccess site;  // the sites' TLS (url unused: each stage's own)
    WaitSettings wait;
    std::string only_stage;  // that stage's write, wait and smoke only
    bool no_smoke = false;
    // How the follow-up commands the report suggests start ("kanon
    // --config FILE"), and the flags they need: where web-core is, and
    // (added after those for one that waits) how to wait. Never a token.
    std::string kanon = "kanon";
    std::string target_flags;
    std::string wait_flags;
};

// What the pipeline reads of web-core before it writes.
struct WebCore {
    std::vector<std::string> stages;          // in promotion order
    std::map<std::string, std::string> urls;  // stage -> its site ("" unknown)
    std::string repo;                         // as fetched (may hold userinfo: redacted in the report)
    std::string branch;                       // fixed for every later step
};

// The seams of the pipeline: every call that leaves the process.
class PipelineDriver {
public:
    PipelineDriver() = default;
    PipelineDriver(const PipelineDriver&) = delete;
    PipelineDriver& operator=(const PipelineDriver&) = delete;
    PipelineDriver(PipelineDriver&&) = delete;
    PipelineDriver& operator=(PipelineDriver&&) = delete;
    virtual ~PipelineDriver() = default;

    // web-core's tip: kanon.yaml's stages, the stages' URLs, the branch.
    virtual Result<WebCore> open(const PipelineRequest& r) = 0;
    // What can be known in seconds before anything is committed (the env
    // layers do not pin the image; Argo CD, or each site, answers): an
    // error stops the run with nothing written. `say` tells people what it
    // could not check yet.
    virtual Status preflight(const PipelineRequest& r, const std::vector<std::string>& stages,
                             const std::function<void(const std::string&)>& say) = 0;
    virtual Result<ops::VerifyBuildReport> verify_build(const ops::VerifyBuildOptions& o) = 0;
    virtual Result<ops::WriteReport> release(const ops::ReleaseOptions& o) = 0;
    virtual Result<ops::WriteReport> promote(const ops::PromoteOptions& o) = 0;
    virtual Result<StageWait> wait_argocd(const StageRequest& s, const ArgoAccess& a, const WaitSettings& w,
                                          const Progress& p) = 0;
    virtual Result<SiteWait> wait_site(const StageRequest& s, const SiteAccess& a, const WaitSettings& w,
                                       const Progress& p) = 0;
    virtual Result<SmokeRun> smoke(const SmokeRequest& r, const Progress& p) = 0;
    // A signal (SIGINT, SIGTERM) came.
    virtual bool interrupted() = 0;
};

// The driver that talks to git, Argo CD and the sites.
std::unique_ptr<PipelineDriver> real_pipeline_driver();

// Where the pipeline tells people what it does: its own timed lines, and
// what its steps say (Progress).
struct PipelineProgress {
    std::function<void(std::chrono::milliseconds since_start, const std::string& line)> line;
    Progress steps;
};

// Runs the pipeline; never throws, every outcome is in the report.
PipelineReport run_pipeline(const PipelineRequest& request, const PipelineProgress& progress, PipelineDriver& driver);

}  // namespace kanon::flow
