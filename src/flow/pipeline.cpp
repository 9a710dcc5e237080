#include "flow/pipeline.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "canon/config.hpp"
#include "flow/stage_report.hpp"
#include "util/duration.hpp"
#include "util/process.hpp"
#include "util/redact.hpp"
#include "util/text.hpp"

namespace kanon::flow {

const char* status_name(StepStatus s)
{
    switch (s) {
        case StepStatus::passed:
            return "passed";
        case StepStatus::unverified:
            return "unverified";
        case StepStatus::failed:
            return "failed";
        case StepStatus::skipped:
            return "skipped";
        case StepStatus::not_run:
            break;
    }
    return "not-run";
}

PipelineStep* PipelineReport::find(const std::string& name, const std::string& stage)
{
    auto it = std::find_if(steps.begin(), steps.end(),
                           [&](const PipelineStep& s) { return s.name == name && s.stage == stage; });
    return it == steps.end() ? nullptr : &*it;
}

bool PipelineReport::unverified() const
{
    return std::any_of(steps.begin(), steps.end(),
                       [](const PipelineStep& s) { return s.status == StepStatus::unverified; });
}

const PipelineStep* PipelineReport::failed_step() const
{
    auto it =
        std::find_if(steps.begin(), steps.end(), [](const PipelineStep& s) { return s.status == StepStatus::failed; });
    return it == steps.end() ? nullptr : &*it;
}

std::vector<PipelineStep> plan_steps(const std::vector<std::string>& stages)
{
    std::vector<PipelineStep> steps;
    PipelineStep contract;
    contract.name = "build-contract";
    steps.push_back(contract);
    for (std::size_t i = 0; i < stages.size(); ++i) {
        for (const char* name : {i == 0 ? "release" : "promote", "wait", "smoke"}) {
            PipelineStep s;
            s.name = name;
            s.stage = stages[i];
            steps.push_back(s);
        }
    }
    return steps;
}

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

const char* smoke_outcome_name(verify::http::SmokeOutcome o)
{
    switch (o) {
        case verify::http::SmokeOutcome::passed:
            return "passed";
        case verify::http::SmokeOutcome::failed:
            return "failed";
        case verify::http::SmokeOutcome::interrupted:
            break;
    }
    return "interrupted";
}

std::string error_outcome(ExitCode code)
{
    switch (code) {
        case ExitCode::usage:
            return "usage";
        case ExitCode::verify_failed:
            return "refused";
        case ExitCode::timed_out:
            return "timed_out";
        case ExitCode::interrupted:
            return "interrupted";
        default:
            return "error";
    }
}

// How a wait ended, in the terms of a pipeline step.
struct WaitVerdict {
    bool ok = false;
    bool unverified = false;  // the site answered, the release could not be told apart
    ExitCode code = ExitCode::ok;
    std::string reason;
    std::string details;
};

WaitVerdict verdict_of(const SiteWait& w)
{
    WaitVerdict v;
    v.ok = site_wait_accepted(w);
    v.unverified = w.result.outcome == verify::http::HttpWaitOutcome::unverified;
    v.code = site_wait_code(w);
    v.reason = fmt::format("{}: {}", redact(w.url), w.result.reason);
    if (!v.ok && w.result.status != 0) {
        v.details = fmt::format("last answer: {}{}", w.result.status,
                                w.result.version.empty() ? "" : ", version " + w.result.version);
    }
    return v;
}

WaitVerdict verdict_of(const StageWait& w)
{
    WaitVerdict v;
    v.ok = w.result.outcome == verify::argocd::WaitOutcome::success;
    v.code = verify::argocd::exit_code_of(w.result.outcome);
    v.reason = fmt::format("{}: {}", w.target.application, w.result.reason);
    if (w.result.last) {
        for (const auto& res : w.result.last->unhealthy_resources) {
            v.details += fmt::format("{}{}: {}{}", v.details.empty() ? "" : "\n", res.id(),
                                     res.health.empty() ? res.status : res.health,
                                     res.message.empty() ? "" : " — " + res.message);
        }
    }
    return v;
}

class PipelineRun {
public:
    PipelineRun(const PipelineRequest& q, const PipelineProgress& progress, PipelineDriver& driver)
        : m_q(q), m_w(q.write), m_progress(progress), m_driver(driver), m_start(Clock::now())
    {
        m_r.app = q.app;
        m_r.tag = q.tag;
        m_r.ref = q.ref;
        m_r.gate = q.manual_gate ? "manual" : "auto";
        m_r.only_stage = q.only_stage;
        m_r.started_at = std::chrono::system_clock::now();
    }

    PipelineReport run();

private:
    milliseconds now() const { return std::chrono::duration_cast<milliseconds>(Clock::now() - m_start); }
    void say(const std::string& line) const;
    PipelineStep& begin(const std::string& name, const std::string& stage, const std::string& what);
    void pass(PipelineStep& s, const std::string& reason);
    void pass_unverified(PipelineStep& s, const std::string& reason);
    void fail(PipelineStep& s, ExitCode code, std::string outcome, const std::string& reason,
              const std::string& details = {});
    void fail(PipelineStep& s, const Error& e);
    bool stop_if_interrupted(const PipelineStep& after);
    bool stop_if_interrupted(const std::string& reason);
    void close_rest(StepStatus status, const std::string& reason);

    bool open_web_core();
    bool build_contract();
    bool stop_before_writing(const Error& e, const std::string& what);
    bool write(std::size_t i);
    bool wait(const std::string& stage);
    bool smoke(const std::string& stage);
    bool run_stage(std::size_t i);
    void finish();
    void say_what_happened();
    std::string stage_state(const PipelineStep& deploy, const PipelineStep& smoke) const;
    void suggest_next(std::optional<std::size_t> failed_at);
    [[nodiscard]] std::string promote_command(const std::string& from, const std::string& to) const;

    const PipelineRequest& m_q;
    ops::WriteOptions m_w;
    const PipelineProgress& m_progress;
    PipelineDriver& m_driver;
    Clock::time_point m_start;
    PipelineReport m_r;
    std::string m_unverified;  // what an accepted --unverified wait could not prove, for the next promotion
};

void PipelineRun::say(const std::string& line) const
{
    if (m_progress.line) {
        m_progress.line(now(), redact(line));
    }
}

PipelineStep& PipelineRun::begin(const std::string& name, const std::string& stage, const std::string& what)
{
    PipelineStep* s = m_r.find(name, stage);
    s->started = now();
    say(fmt::format("{}{}: {}", name, stage.empty() ? "" : " " + stage, what));
    return *s;
}

void PipelineRun::pass(PipelineStep& s, const std::string& reason)
{
    s.status = StepStatus::passed;
    s.elapsed = now() - s.started;
    s.reason = redact(reason);
    if (s.outcome.empty()) {
        s.outcome = "passed";
    }
    say(fmt::format("{}{} passed ({}): {}", s.name, s.stage.empty() ? "" : " " + s.stage, format_elapsed(s.elapsed),
                    s.reason));
}

// A wait that saw the site answer but could not tell the new release from
// the old one, accepted by --unverified: the flow goes on, never as "passed".
void PipelineRun::pass_unverified(PipelineStep& s, const std::string& reason)
{
    s.status = StepStatus::unverified;
    s.elapsed = now() - s.started;
    s.reason = redact(reason);
    say(fmt::format("{} {} UNVERIFIED ({}), accepted with --unverified: {}", s.name, s.stage, format_elapsed(s.elapsed),
                    s.reason));
}

void PipelineRun::fail(PipelineStep& s, ExitCode code, std::string outcome, const std::string& reason,
                       const std::string& details)
{
    s.status = StepStatus::failed;
    s.elapsed = now() - s.started;
    s.outcome = std::move(outcome);
    s.reason = redact(reason);
    s.details = redact(details);
    m_r.exit_code = code;
    say(fmt::format("{}{} FAILED ({}): {}", s.name, s.stage.empty() ? "" : " " + s.stage, format_elapsed(s.elapsed),
                    s.reason));
    close_rest(StepStatus::not_run, code == ExitCode::interrupted ? "interrupted" : "an earlier step failed");
}

void PipelineRun::fail(PipelineStep& s, const Error& e)
{
    fail(s, e.code, error_outcome(e.code), e.describe(), e.hint);
    m_r.hint = redact(e.hint);
}

// After a step that passed: a signal that came meanwhile stops the run here.
bool PipelineRun::stop_if_interrupted(const PipelineStep& after)
{
    return stop_if_interrupted(
        fmt::format("interrupted after {}{}", after.name, after.stage.empty() ? "" : " in " + after.stage));
}

bool PipelineRun::stop_if_interrupted(const std::string& reason)
{
    if (!m_driver.interrupted()) {
        return false;
    }
    m_r.exit_code = ExitCode::interrupted;
    m_r.reason = reason;
    say(m_r.reason);
    close_rest(StepStatus::not_run, "interrupted");
    return true;
}

void PipelineRun::close_rest(StepStatus status, const std::string& reason)
{
    for (auto& s : m_r.steps) {
        if (s.status == StepStatus::not_run && s.reason.empty()) {  // never started
            s.status = status;
            s.reason = reason;
        }
    }
}

// The stages in order (kanon.yaml at the tip), and the branch, fixed for
// every later step even if the default branch changes meanwhile.
bool PipelineRun::open_web_core()
{
    auto web_core = m_driver.open(m_q);
    if (!web_core) {
        const Error& e = web_core.error();
        m_r.stages = canon::Config{}.stage_names();
        m_r.steps = plan_steps(m_r.stages);
        m_r.exit_code = e.code;
        m_r.reason = redact("cannot read web-core: " + e.describe());
        m_r.hint = redact(e.hint);
        close_rest(StepStatus::not_run, "web-core could not be read");
        return false;
    }
    m_r.stages = web_core->stages;
    m_r.steps = plan_steps(m_r.stages);
    m_r.repo = redact(web_core->repo);
    for (const auto& stage : m_r.stages) {
        auto url = web_core->urls.find(stage);
        m_r.urls[stage] = url == web_core->urls.end() ? std::string() : redact(url->second);
    }
    std::vector<std::string> stages = m_r.stages;
    if (!m_q.only_stage.empty()) {
        if (auto st = canon::validate_stage(m_r.stages, m_q.only_stage); !st) {
            m_r.exit_code = ExitCode::usage;
            m_r.reason = st.error().message;
            close_rest(StepStatus::not_run, "no such stage");
            return false;
        }
        std::erase_if(m_r.steps, [&](const PipelineStep& s) { return !s.stage.empty() && s.stage != m_q.only_stage; });
        stages = {m_q.only_stage};
    }
    m_r.branch = web_core->branch;
    m_w.target.branch = web_core->branch;
    if (auto st = m_driver.preflight(m_q, stages, [this](const std::string& line) { say(line); }); !st) {
        return stop_before_writing(st.error(), "before committing");
    }
    return true;
}

// Nothing is written yet: the run ends here, every step not run.
bool PipelineRun::stop_before_writing(const Error& e, const std::string& what)
{
    m_r.exit_code = e.code;
    // An error at a FILE:LINE:COL keeps it first, as every kanon error does.
    m_r.reason = redact(e.where.file.empty() ? fmt::format("{}: {}", what, e.describe()) : e.describe());
    m_r.hint = redact(e.hint);
    say(m_r.reason);
    close_rest(StepStatus::not_run, "stopped before anything was committed");
    return false;
}

bool PipelineRun::build_contract()
{
    PipelineStep* s = m_r.find("build-contract", "");
    if (m_q.ref.empty()) {
        s->status = StepStatus::skipped;
        s->reason = "no --ref: the build contract is not checked";
        return true;
    }
    begin(s->name, "", fmt::format("is {} a commit of web-core, and {} built from it only?", m_q.ref, m_q.tag));
    // verify-build's contract: the ref is in web-core, and the tag was never
    // released from another ref (a tag names one build forever).
    auto built = m_driver.verify_build(ops::VerifyBuildOptions{m_w.target, m_w.config_path, m_q.ref, m_q.tag, m_q.app});
    if (!built) {
        fail(*s, built.error());
        return false;
    }
    s->commit = built->ref.sha;
    pass(*s, fmt::format("{} is in web-core ({}); {} was not built from another ref", built->ref.sha, built->ref.how,
                         m_q.tag));
    return !stop_if_interrupted(*s);
}

// release into the first stage, promote into each next one.
bool PipelineRun::write(std::size_t i)
{
    const std::string& stage = m_r.stages[i];
    bool first = i == 0;
    PipelineStep& s = begin(first ? "release" : "promote", stage,
                            first ? fmt::format("committing tag {}", m_q.tag)
                                  : fmt::format("committing tag {} from {}", m_q.tag, m_r.stages[i - 1]));
    Result<ops::WriteReport> r = Error{""};
    if (first) {
        r = m_driver.release(ops::ReleaseOptions{m_w, m_q.app, stage, m_q.tag, {}, {}});
    } else {
        ops::WriteOptions w = m_w;
        w.unverified = m_unverified;  // recorded in the promotion's commit (Kanon-Unverified)
        r = m_driver.promote(ops::PromoteOptions{w, m_q.app, m_r.stages[i - 1], stage, m_q.tag});
    }
    if (!r) {
        fail(s, r.error());
        return false;
    }
    s.changed = r->changed;
    s.attempts = r->attempts;
    // The registry's verdict on the tag, said in the step (a skipped check too).
    std::string registry = r->registry == ops::ImageVerdict::State::off ? std::string() : "; " + r->registry_note;
    if (!r->changed) {
        s.outcome = "unchanged";
        pass(s, fmt::format("{} already runs {}: nothing to commit{}", stage, m_q.tag, registry));
        return !stop_if_interrupted(s);
    }
    s.commit = r->commit;
    m_r.commits[stage] = r->commit;
    std::string from = first ? "" : " from " + m_r.stages[i - 1];
    std::string was = r->previous_tag.empty() ? "" : fmt::format(", was {}", r->previous_tag);
    pass(s, fmt::format("{} tag {}{}{} ({}){}", canon::short_sha(r->commit), m_q.tag, from, was,
                        counted(static_cast<std::size_t>(r->attempts), "attempt"), registry));
    return !stop_if_interrupted(s);
}

bool PipelineRun::wait(const std::string& stage)
{
    std::string commit = m_r.commits.count(stage) != 0 ? m_r.commits[stage] : std::string();
    PipelineStep& s =
        begin("wait", stage,
              fmt::format("for {} to run {}{}", commit.empty() ? "the last release" : canon::short_sha(commit), m_q.tag,
                          m_q.http ? " (the site)" : " (Argo CD)"));
    StageRequest request{m_q.app, stage, m_w.target, m_w.config_path, commit, m_q.tag};
    s.via = m_q.http ? "http" : "argocd";
    WaitVerdict v;
    if (m_q.http) {
        auto w = m_driver.wait_site(request, m_q.site, m_q.wait, m_progress.steps);
        if (!w) {
            fail(s, w.error());
            return false;
        }
        s.wait = site_wait_json(*w);
        s.commit = w->revision;
        s.outcome = verify::http::outcome_name(w->result.outcome);
        v = verdict_of(*w);
    } else {
        auto w = m_driver.wait_argocd(request, m_q.argo, m_q.wait, m_progress.steps);
        if (!w) {
            fail(s, w.error());
            return false;
        }
        s.wait = wait_json(w->target, w->result);
        s.commit = w->target.revision;
        s.outcome = verify::argocd::outcome_name(w->result.outcome);
        v = verdict_of(*w);
    }
    if (!s.commit.empty()) {
        m_r.commits[stage] = s.commit;
    }
    if (!v.ok) {
        fail(s, v.code, s.outcome, v.reason, v.details);
        if (v.unverified) {
            m_r.hint = unverifiable_hint();
        }
        return false;
    }
    if (v.unverified) {
        pass_unverified(s, v.reason);
        m_unverified = fmt::format("{} was not verified: its site does not state the release it runs", stage);
        return !stop_if_interrupted(s);
    }
    pass(s, v.reason);
    return !stop_if_interrupted(s);
}

bool PipelineRun::smoke(const std::string& stage)
{
    if (m_q.no_smoke) {
        PipelineStep* skipped = m_r.find("smoke", stage);
        skipped->status = StepStatus::skipped;
        skipped->reason = "--no-smoke";
        return true;
    }
    PipelineStep& s = begin("smoke", stage, "checking the site");
    SmokeRequest request;
    request.site = {m_w.target, m_w.config_path, m_q.app, stage, {}};
    request.insecure = m_q.site.insecure;
    request.ca_file = m_q.site.ca_file;
    auto r = m_driver.smoke(request, m_progress.steps);
    if (!r) {
        fail(s, r.error());
        return false;
    }
    s.smoke = smoke_json(r->report, r->site);
    s.outcome = smoke_outcome_name(r->report.outcome);
    if (!r->report.ok()) {
        fail(s, verify::http::exit_code_of(r->report.outcome), s.outcome, r->report.reason,
             render_smoke_text(r->report, Paint{}));
        return false;
    }
    pass(s, r->report.reason);
    return !stop_if_interrupted(s);
}

// One stage's write, wait and smoke check; false when the run stops here.
bool PipelineRun::run_stage(std::size_t i)
{
    const std::string& stage = m_r.stages[i];
    // Nothing is committed once a signal has come, whatever ran before.
    if (stop_if_interrupted(fmt::format("interrupted before {} in {}", i == 0 ? "release" : "promote", stage)) ||
        !write(i) || !wait(stage) || !smoke(stage)) {
        return false;
    }
    if (i == 0 && m_q.manual_gate && m_r.stages.size() > 1) {
        m_r.gated = true;
        close_rest(StepStatus::skipped, "manual gate");
        return false;
    }
    return true;
}

PipelineReport PipelineRun::run()
{
    if (open_web_core() && build_contract()) {
        for (std::size_t i = 0; i < m_r.stages.size(); ++i) {
            if (!m_q.only_stage.empty() && m_r.stages[i] != m_q.only_stage) {
                continue;
            }
            if (!run_stage(i)) {
                break;
            }
        }
    }
    finish();
    return m_r;
}

std::string PipelineRun::promote_command(const std::string& from, const std::string& to) const
{
    return fmt::format("{} promote {} --from {} --to {} --tag {} --wait --smoke{}", m_q.kanon, m_q.app, from, to,
                       m_q.tag, m_q.target_flags + m_q.wait_flags);
}

// What a stage that got its commit is known to run.
std::string PipelineRun::stage_state(const PipelineStep& deploy, const PipelineStep& smoke) const
{
    if (deploy.status == StepStatus::unverified) {
        return "up, but not verified (--unverified)";
    }
    if (deploy.status == StepStatus::passed) {
        return smoke.status == StepStatus::passed   ? "deployed and smoke-checked"
               : smoke.status == StepStatus::failed ? "deployed, but its smoke check failed"
                                                    : "deployed, not smoke-checked";
    }
    if (deploy.status == StepStatus::failed && (deploy.outcome == "sync failed" || deploy.outcome == "degraded" ||
                                                deploy.outcome == "superseded" || deploy.outcome == "deleted")) {
        return "its deploy ended: " + deploy.outcome;
    }
    return "may be mid-deploy (not seen deployed)";
}

// What has and has not happened in each stage, and what to run next.
void PipelineRun::say_what_happened()
{
    std::optional<std::size_t> failed_at;  // the stage whose verification failed after its commit landed
    for (std::size_t i = 0; i < m_r.stages.size(); ++i) {
        const std::string& stage = m_r.stages[i];
        const PipelineStep* w = m_r.find(i == 0 ? "release" : "promote", stage);
        const PipelineStep* deploy = m_r.find("wait", stage);
        const PipelineStep* smoke = m_r.find("smoke", stage);
        if (w == nullptr || deploy == nullptr || smoke == nullptr) {
            continue;  // --stage: not this run's stage
        }
        if (w->status == StepStatus::skipped || w->status == StepStatus::not_run) {
            m_r.notes.push_back(fmt::format("{}: not touched{}", stage, m_r.gated ? " (manual gate)" : ""));
            continue;
        }
        if (w->status == StepStatus::failed) {
            m_r.notes.push_back(fmt::format("{}: nothing committed", stage));
            continue;
        }
        std::string commit = m_r.commits.count(stage) != 0 ? m_r.commits.at(stage) : std::string();
        std::string what = w->changed.value_or(false) ? fmt::format("{} committed as {}", m_q.tag, commit)
                                                      : fmt::format("already ran {}{} (no new commit)", m_q.tag,
                                                                    commit.empty() ? "" : " at " + commit);
        m_r.notes.push_back(fmt::format("{}: {}; {}", stage, what, stage_state(*deploy, *smoke)));
        if (deploy->status == StepStatus::failed || smoke->status == StepStatus::failed) {
            failed_at = i;
        }
    }
    suggest_next(failed_at);
}

// The command that moves on from here: the same pipeline after a signal, a
// reset of the first stage or a rollback of a later one after a failure.
void PipelineRun::suggest_next(std::optional<std::size_t> failed_at)
{
    if (m_r.exit_code == ExitCode::interrupted) {
        std::string cmd = fmt::format("{} pipeline {} --tag {}", m_q.kanon, m_q.app, m_q.tag);
        if (!m_q.ref.empty()) {
            cmd += " --ref " + shell_quote(m_q.ref);
        }
        if (m_q.manual_gate) {
            cmd += " --gate manual";
        }
        if (!m_q.only_stage.empty()) {
            cmd += " --stage " + shell_quote(m_q.only_stage);
        }
        if (m_q.no_smoke) {
            cmd += " --no-smoke";
        }
        m_r.next = cmd + m_q.target_flags + m_q.wait_flags;
        m_r.next_why = "runs it again: nothing is committed twice, and it waits for what has landed";
    } else if (failed_at && *failed_at == 0 && m_r.stages.size() > 1) {
        std::string stages;
        if (m_r.stages.front() != "dev" || m_r.stages.back() != "prod") {
            stages = fmt::format(" --stage {} --to {}", m_r.stages.front(), m_r.stages.back());
        }
        m_r.next = fmt::format("{} reset {}{}{}", m_q.kanon, m_q.app, stages, m_q.target_flags);
        m_r.next_why = fmt::format("brings {} back to {}'s release", m_r.stages.front(), m_r.stages.back());
    } else if (failed_at && *failed_at > 0) {
        const std::string& stage = m_r.stages[*failed_at];
        m_r.next = fmt::format("{} rollback {} --stage {} --steps 1{}", m_q.kanon, m_q.app, stage, m_q.target_flags);
        m_r.next_why = fmt::format("puts {} back on the release it ran before", stage);
    }
}

void PipelineRun::finish()
{
    m_r.elapsed = now();
    const PipelineStep* f = m_r.failed_step();
    std::string where_done = m_q.only_stage.empty() ? fmt::format("{}", fmt::join(m_r.stages, ", ")) : m_q.only_stage;
    if (m_r.ok()) {
        if (m_r.gated) {
            m_r.reason = fmt::format("{} is validated in {}; {} waits for the manual gate", m_q.tag, m_r.stages.front(),
                                     m_r.stages[1]);
            m_r.next = promote_command(m_r.stages.front(), m_r.stages[1]);
            m_r.next_why =
                fmt::format("promotes {} to {}, waits for the deploy and smoke-checks it", m_q.tag, m_r.stages[1]);
        } else if (m_r.unverified()) {
            m_r.reason = fmt::format(
                "{} was released{} in {}, but NOT verified: a site that does not state its release cannot tell it "
                "from the one before (accepted with --unverified)",
                m_q.tag, m_q.no_smoke ? "" : " and smoke-checked", where_done);
        } else {
            m_r.reason =
                fmt::format("{} is deployed{} in {}", m_q.tag, m_q.no_smoke ? "" : " and smoke-checked", where_done);
        }
    } else if (f != nullptr) {
        std::string commit = m_r.commits.count(f->stage) != 0 ? m_r.commits.at(f->stage) : std::string();
        std::string where = f->stage.empty() ? "" : " in " + f->stage;
        std::string at = commit.empty() ? "" : fmt::format(" at {} (tag {})", canon::short_sha(commit), m_q.tag);
        m_r.reason = m_r.exit_code == ExitCode::interrupted
                         ? fmt::format("interrupted during {}{}{}: {}", f->name, where, at, f->reason)
                         : fmt::format("{}{} failed{}: {}", f->name, where, at, f->reason);
    }
    if (!m_r.ok() || m_r.gated) {
        if (!m_r.steps.empty() && m_r.find("build-contract", "")->status != StepStatus::failed) {
            say_what_happened();
        } else {
            m_r.notes.push_back("nothing was committed");
        }
    }
}

}  // namespace

PipelineReport run_pipeline(const PipelineRequest& request, const PipelineProgress& progress, PipelineDriver& driver)
{
    return PipelineRun(request, progress, driver).run();
}

}  // namespace kanon::flow
