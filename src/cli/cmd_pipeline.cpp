// kanon pipeline APP --tag T [--ref SHA] [--gate auto|manual]
//
// CANON.md §3 end to end in one command: the build contract (--ref), the
// release of T into the first stage, its deploy (Argo CD, or the site
// itself where there is no Argo CD access), its smoke check, then the
// promotion of the same T into each next stage, waited for and smoke-checked
// the same way. Each step is an existing operation (ops::release,
// ops::promote, wait_stage / wait_site, smoke_stage); this file only runs
// them in order, stops at the first failure or interruption (a later stage
// is never touched after one), and records everything in a PipelineReport
// (pipeline_report.hpp) that is rendered as text or JSON and written as
// JUnit and dotenv whatever the outcome.
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "canon/release.hpp"
#include "cli/context.hpp"
#include "cli/pipeline_report.hpp"
#include "cli/smoke.hpp"
#include "cli/verify.hpp"
#include "cli/write.hpp"
#include "gitops/git.hpp"
#include "ops/build_contract.hpp"
#include "ops/preflight.hpp"
#include "ops/promotion.hpp"
#include "ops/smoke.hpp"
#include "ops/status.hpp"
#include "util/files.hpp"
#include "util/redact.hpp"
#include "util/signals.hpp"
#include "util/text.hpp"
#include "verify/argocd/client.hpp"
#include "verify/http/follow.hpp"

namespace kanon::cli {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct PipelineCommand {
    WriteFlags write;
    WaitFlags wait;
    std::string app;
    std::string tag;
    std::string ref;
    std::string gate = "auto";
    bool http = false;
    std::string ca_file;
    std::string junit;
    std::string dotenv;
    std::string only_stage;  // --stage: that stage's write, wait and smoke only
    bool no_smoke = false;
};

std::string short_sha(const std::string& sha)
{
    return sha.substr(0, 12);
}

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

class PipelineRun {
public:
    PipelineRun(const PipelineCommand& c, ops::WriteOptions w, const Context& ctx)
        : m_c(c), m_w(std::move(w)), m_ctx(ctx), m_start(Clock::now())
    {
        m_r.app = c.app;
        m_r.tag = c.tag;
        m_r.ref = c.ref;
        m_r.gate = c.gate;
        m_r.only_stage = c.only_stage;
        m_r.started_at = std::chrono::system_clock::now();
        m_http = c.http || c.wait.argo.server.empty();
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
    bool preflight(const gitops::Snapshot& snap, const canon::Config& config);
    bool stop_before_writing(const Error& e, const std::string& what);
    bool write(std::size_t i);
    bool wait(const std::string& stage);
    bool smoke(const std::string& stage);
    void finish();
    void say_what_happened();
    [[nodiscard]] std::string common_flags(bool with_wait) const;
    [[nodiscard]] std::string promote_command(const std::string& from, const std::string& to) const;

    const PipelineCommand& m_c;
    ops::WriteOptions m_w;
    const Context& m_ctx;
    Clock::time_point m_start;
    PipelineReport m_r;
    bool m_http = false;
    std::string m_unverified;  // what an accepted --unverified wait could not prove, for the next promotion
};

void PipelineRun::say(const std::string& line) const
{
    if (!m_ctx.global.quiet) {
        m_ctx.err << m_ctx.err_paint.dim(elapsed_prefix(now())) << redact(line) << '\n';
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
    if (!interrupted()) {
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
    auto snap = gitops::Snapshot::fetch([&] {
        gitops::Target t = m_w.target;
        t.cache_dir.clear();
        return t;
    }());
    Result<canon::Config> config = snap ? ops::config_at_tip(*snap, m_w.config_path) : snap.error();
    if (!snap || !config) {
        const Error& e = snap ? config.error() : snap.error();
        m_r.stages = canon::Config{}.stage_names();
        m_r.steps = plan_steps(m_r.stages);
        m_r.exit_code = e.code;
        m_r.reason = redact("cannot read web-core: " + e.describe());
        m_r.hint = redact(e.hint);
        close_rest(StepStatus::not_run, "web-core could not be read");
        return false;
    }
    m_r.stages = config->stage_names();
    m_r.steps = plan_steps(m_r.stages);
    m_r.repo = redact(snap->url());
    for (const auto& stage : m_r.stages) {
        auto url = ops::site_url_at(*snap, *config, m_c.app, stage);
        m_r.urls[stage] = url ? redact(*url) : std::string();
    }
    if (!m_c.only_stage.empty()) {
        if (auto st = canon::validate_stage(*config, m_c.only_stage); !st) {
            m_r.exit_code = ExitCode::usage;
            m_r.reason = st.error().message;
            close_rest(StepStatus::not_run, "no such stage");
            return false;
        }
        std::erase_if(m_r.steps, [&](const PipelineStep& s) { return !s.stage.empty() && s.stage != m_c.only_stage; });
    }
    m_r.branch = snap->branch();
    m_w.target.branch = snap->branch();
    return preflight(*snap, *config);
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

// What can be known in seconds is asked before anything is committed: the
// env layers do not pin the image, and Argo CD (or in HTTP mode, each site)
// answers, so a wrong server, token, TLS mode or URL writes nothing.
bool PipelineRun::preflight(const gitops::Snapshot& snap, const canon::Config& config)
{
    std::vector<std::string> stages = m_r.stages;
    if (!m_c.only_stage.empty()) {
        stages = {m_c.only_stage};
    }
    auto plans = ops::preflight(snap, config, m_c.app, stages);
    if (!plans) {
        return stop_before_writing(plans.error(), "before committing");
    }
    if (m_http) {
        for (const auto& p : *plans) {
            if (p.url.empty()) {
                continue;  // the wait says why it has no URL
            }
            verify::http::FetchOptions fo;
            fo.tries = 2;
            fo.timeout = std::chrono::seconds(10);
            fo.tls.verify = !m_c.wait.argo.insecure;
            fo.tls.ca_file = m_c.ca_file;
            fo.interrupted = [] { return interrupted(); };
            // A site that does not answer yet may be one this release
            // creates; one that answers with the wrong TLS never will.
            auto f = verify::http::fetch(verify::http::join_url(p.url, "/"), fo);
            if (f.problem == verify::http::FetchProblem::transport && f.failure == ::kanon::http::Failure::tls) {
                return stop_before_writing(
                    Error{fmt::format("{}'s site {}: {}", p.stage, p.url, f.error),
                          ExitCode::failed,
                          {},
                          "trust its certificate with --ca FILE, or give the site's real scheme in kanon.yaml"},
                    "before committing");
            }
            if (f.problem == verify::http::FetchProblem::transport) {
                say(fmt::format("{}'s site {} does not answer yet ({}); the wait will keep asking", p.stage, p.url,
                                f.error));
            }
        }
        return true;
    }
    auto server = argocd_server(m_c.wait.argo);
    if (!server) {
        return stop_before_writing(server.error(), "before committing");
    }
    verify::argocd::Client client(*server);
    for (const auto& p : *plans) {
        std::string project = m_c.wait.argo.project.empty() ? p.project : m_c.wait.argo.project;
        auto reply = client.get(p.application, project, {}, std::chrono::seconds(10), [] { return interrupted(); });
        if (reply.status == 404) {  // an app's first release: its Application may come with it
            say(fmt::format("Argo CD has no Application {} yet; the wait will look for it", p.application));
            continue;
        }
        if (!reply.ok()) {
            return stop_before_writing(
                verify::argocd::reply_error(reply, "GET application " + p.application, p.application, project),
                "before committing");
        }
    }
    return true;
}

bool PipelineRun::build_contract()
{
    PipelineStep* s = m_r.find("build-contract", "");
    if (m_c.ref.empty()) {
        s->status = StepStatus::skipped;
        s->reason = "no --ref: the build contract is not checked";
        return true;
    }
    begin(s->name, "", fmt::format("is {} a commit of web-core, and {} built from it only?", m_c.ref, m_c.tag));
    // verify-build's contract: the ref is in web-core, and the tag was never
    // released from another ref (a tag names one build forever).
    ops::VerifyBuildOptions o{m_w.target, m_w.config_path, m_c.ref, m_c.tag, m_c.app};
    auto built = ops::verify_build(o);
    if (!built) {
        fail(*s, built.error());
        return false;
    }
    s->commit = built->ref.sha;
    pass(*s, fmt::format("{} is in web-core ({}); {} was not built from another ref", built->ref.sha, built->ref.how,
                         m_c.tag));
    return !stop_if_interrupted(*s);
}

// release into the first stage, promote into each next one.
bool PipelineRun::write(std::size_t i)
{
    const std::string& stage = m_r.stages[i];
    bool first = i == 0;
    PipelineStep& s = begin(first ? "release" : "promote", stage,
                            first ? fmt::format("committing tag {}", m_c.tag)
                                  : fmt::format("committing tag {} from {}", m_c.tag, m_r.stages[i - 1]));
    Result<ops::WriteReport> r = Error{""};
    if (first) {
        r = ops::release(ops::ReleaseOptions{m_w, m_c.app, stage, m_c.tag, {}});
    } else {
        ops::WriteOptions w = m_w;
        w.unverified = m_unverified;  // recorded in the promotion's commit (Kanon-Unverified)
        r = ops::promote(ops::PromoteOptions{w, m_c.app, m_r.stages[i - 1], stage, m_c.tag});
    }
    if (!r) {
        fail(s, r.error());
        return false;
    }
    s.changed = r->changed;
    s.attempts = r->attempts;
    std::string from = first ? "" : " from " + m_r.stages[i - 1];
    if (r->changed) {
        s.commit = r->commit;
        m_r.commits[stage] = r->commit;
        std::string was = r->previous_tag.empty() ? "" : fmt::format(", was {}", r->previous_tag);
        pass(s, fmt::format("{} tag {}{}{} ({} attempt{})", short_sha(r->commit), m_c.tag, from, was, r->attempts,
                            r->attempts == 1 ? "" : "s"));
    } else {
        s.outcome = "unchanged";
        pass(s, fmt::format("{} already runs {}: nothing to commit", stage, m_c.tag));
    }
    return !stop_if_interrupted(s);
}

bool PipelineRun::wait(const std::string& stage)
{
    std::string commit = m_r.commits.count(stage) != 0 ? m_r.commits[stage] : std::string();
    PipelineStep& s = begin("wait", stage,
                            fmt::format("for {} to run {}{}", commit.empty() ? "the last release" : short_sha(commit),
                                        m_c.tag, m_http ? " (the site)" : " (Argo CD)"));
    StageFlags flags{m_c.app, stage, m_w.target, commit, m_c.tag};
    s.via = m_http ? "http" : "argocd";
    bool ok = false;
    bool unverified = false;
    ExitCode code = ExitCode::ok;
    std::string reason;
    std::string details;
    if (m_http) {
        auto w = wait_site(flags, m_c.wait, {}, m_c.ca_file, m_ctx);
        if (!w) {
            fail(s, w.error());
            return false;
        }
        s.wait = site_wait_json(*w);
        s.commit = w->revision;
        s.outcome = verify::http::outcome_name(w->result.outcome);
        ok = site_wait_accepted(*w);
        unverified = w->result.outcome == verify::http::HttpWaitOutcome::unverified;
        code = site_wait_code(*w);
        reason = fmt::format("{}: {}", redact(w->url), w->result.reason);
        if (!ok && w->result.status != 0) {
            details = fmt::format("last answer: {}{}", w->result.status,
                                  w->result.version.empty() ? "" : ", version " + w->result.version);
        }
    } else {
        auto w = wait_stage(flags, m_c.wait, m_ctx);
        if (!w) {
            fail(s, w.error());
            return false;
        }
        s.wait = wait_json(w->target, w->result);
        s.commit = w->target.revision;
        s.outcome = verify::argocd::outcome_name(w->result.outcome);
        ok = w->result.outcome == verify::argocd::WaitOutcome::success;
        code = verify::argocd::exit_code_of(w->result.outcome);
        reason = fmt::format("{}: {}", w->target.application, w->result.reason);
        if (w->result.last) {
            for (const auto& res : w->result.last->unhealthy_resources) {
                details += fmt::format("{}{}: {}{}", details.empty() ? "" : "\n", res.id(),
                                       res.health.empty() ? res.status : res.health,
                                       res.message.empty() ? "" : " — " + res.message);
            }
        }
    }
    if (!s.commit.empty()) {
        m_r.commits[stage] = s.commit;
    }
    if (!ok) {
        fail(s, code, s.outcome, reason, details);
        if (unverified) {
            m_r.hint = unverifiable_hint();
        }
        return false;
    }
    if (unverified) {
        pass_unverified(s, reason);
        m_unverified = fmt::format("{} was not verified: its site does not state the release it runs", stage);
        return !stop_if_interrupted(s);
    }
    pass(s, reason);
    return !stop_if_interrupted(s);
}

bool PipelineRun::smoke(const std::string& stage)
{
    if (m_c.no_smoke) {
        PipelineStep* skipped = m_r.find("smoke", stage);
        skipped->status = StepStatus::skipped;
        skipped->reason = "--no-smoke";
        return true;
    }
    PipelineStep& s = begin("smoke", stage, "checking the site");
    SmokeFlags f;
    f.site = {m_w.target, m_w.config_path, m_c.app, stage, {}};
    f.insecure = m_c.wait.argo.insecure;
    f.ca_file = m_c.ca_file;
    auto r = smoke_stage(f, m_ctx);
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

PipelineReport PipelineRun::run()
{
    if (open_web_core() && build_contract()) {
        for (std::size_t i = 0; i < m_r.stages.size(); ++i) {
            const std::string& stage = m_r.stages[i];
            if (!m_c.only_stage.empty() && stage != m_c.only_stage) {
                continue;
            }
            // Nothing is committed once a signal has come, whatever ran before.
            if (stop_if_interrupted(
                    fmt::format("interrupted before {} in {}", i == 0 ? "release" : "promote", stage)) ||
                !write(i) || !wait(stage) || !smoke(stage)) {
                break;
            }
            if (i == 0 && m_c.gate == "manual" && m_r.stages.size() > 1) {
                m_r.gated = true;
                close_rest(StepStatus::skipped, "manual gate");
                break;
            }
        }
    }
    finish();
    return m_r;
}

// The flags of the command line that a follow-up command needs too:
// where web-core is and, for one that waits, how to wait. Never a token.
std::string PipelineRun::common_flags(bool with_wait) const
{
    std::string out;
    auto add = [&out](const std::string& flag, const std::string& value) {
        out += " " + flag + (value.empty() ? "" : " " + shell_quote(redact(value)));
    };
    const gitops::Target& given = m_c.write.w.target;
    if (!given.repo.empty()) {
        add("--repo", gitops::without_userinfo(given.repo));  // credentials come from the environment
    }
    if (!given.branch.empty()) {
        add("--branch", given.branch);
    }
    if (!with_wait) {
        return out;
    }
    const WaitFlags defaults;
    if (m_c.wait.timeout != defaults.timeout) {
        add("--timeout", m_c.wait.timeout);
    }
    if (m_c.wait.degraded_grace != defaults.degraded_grace) {
        add("--degraded-grace", m_c.wait.degraded_grace);
    }
    if (m_http) {
        add("--http", {});
    } else {
        const char* env = std::getenv("ARGOCD_SERVER");
        if (env == nullptr || m_c.wait.argo.server != env) {
            add("--argocd-server", m_c.wait.argo.server);
        }
        if (m_c.wait.argo.plaintext) {
            add("--plaintext", {});
        }
        for (const auto& [flag, value] : {std::pair{"--argocd-ca", &m_c.wait.argo.ca_file},
                                          std::pair{"--app-namespace", &m_c.wait.argo.app_namespace},
                                          std::pair{"--project", &m_c.wait.argo.project}}) {
            if (!value->empty()) {
                add(flag, *value);
            }
        }
    }
    if (m_c.wait.argo.insecure) {
        add("--insecure", {});
    }
    return out;
}

std::string kanon_prefix(const Context& ctx)
{
    return ctx.global.config.empty() ? "kanon" : "kanon --config " + shell_quote(ctx.global.config);
}

std::string PipelineRun::promote_command(const std::string& from, const std::string& to) const
{
    return fmt::format("{} promote {} --from {} --to {} --tag {} --wait --smoke{}", kanon_prefix(m_ctx), m_c.app, from,
                       to, m_c.tag, common_flags(true));
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
        std::string what = w->changed.value_or(false) ? fmt::format("{} committed as {}", m_c.tag, commit)
                                                      : fmt::format("already ran {}{} (no new commit)", m_c.tag,
                                                                    commit.empty() ? "" : " at " + commit);
        std::string state;
        if (deploy->status == StepStatus::unverified) {
            state = "up, but not verified (--unverified)";
        } else if (deploy->status == StepStatus::passed) {
            state = smoke->status == StepStatus::passed   ? "deployed and smoke-checked"
                    : smoke->status == StepStatus::failed ? "deployed, but its smoke check failed"
                                                          : "deployed, not smoke-checked";
        } else if (deploy->status == StepStatus::failed &&
                   (deploy->outcome == "sync failed" || deploy->outcome == "degraded" ||
                    deploy->outcome == "superseded" || deploy->outcome == "deleted")) {
            state = "its deploy ended: " + deploy->outcome;
        } else {
            state = "may be mid-deploy (not seen deployed)";
        }
        m_r.notes.push_back(fmt::format("{}: {}; {}", stage, what, state));
        if (deploy->status == StepStatus::failed || smoke->status == StepStatus::failed) {
            failed_at = i;
        }
    }
    if (m_r.exit_code == ExitCode::interrupted) {
        std::string cmd = fmt::format("{} pipeline {} --tag {}", kanon_prefix(m_ctx), m_c.app, m_c.tag);
        if (!m_c.ref.empty()) {
            cmd += " --ref " + shell_quote(m_c.ref);
        }
        if (m_c.gate != "auto") {
            cmd += " --gate " + m_c.gate;
        }
        if (!m_c.only_stage.empty()) {
            cmd += " --stage " + shell_quote(m_c.only_stage);
        }
        if (m_c.no_smoke) {
            cmd += " --no-smoke";
        }
        m_r.next = cmd + common_flags(true);
        m_r.next_why = "runs it again: nothing is committed twice, and it waits for what has landed";
    } else if (failed_at && *failed_at == 0 && m_r.stages.size() > 1) {
        std::string stages;
        if (m_r.stages.front() != "dev" || m_r.stages.back() != "prod") {
            stages = fmt::format(" --stage {} --to {}", m_r.stages.front(), m_r.stages.back());
        }
        m_r.next = fmt::format("{} reset {}{}{}", kanon_prefix(m_ctx), m_c.app, stages, common_flags(false));
        m_r.next_why = fmt::format("brings {} back to {}'s release", m_r.stages.front(), m_r.stages.back());
    } else if (failed_at && *failed_at > 0) {
        const std::string& stage = m_r.stages[*failed_at];
        m_r.next = fmt::format("{} rollback {} --stage {} --steps 1{}", kanon_prefix(m_ctx), m_c.app, stage,
                               common_flags(false));
        m_r.next_why = fmt::format("puts {} back on the release it ran before", stage);
    }
}

void PipelineRun::finish()
{
    m_r.elapsed = now();
    const PipelineStep* f = m_r.failed_step();
    if (m_r.ok()) {
        if (m_r.gated) {
            m_r.reason = fmt::format("{} is validated in {}; {} waits for the manual gate", m_c.tag, m_r.stages.front(),
                                     m_r.stages[1]);
            m_r.next = promote_command(m_r.stages.front(), m_r.stages[1]);
            m_r.next_why =
                fmt::format("promotes {} to {}, waits for the deploy and smoke-checks it", m_c.tag, m_r.stages[1]);
        } else if (m_r.unverified()) {
            m_r.reason = fmt::format(
                "{} was released{} in {}, but NOT verified: a site that does not state its release cannot tell it "
                "from the one before (accepted with --unverified)",
                m_c.tag, m_c.no_smoke ? "" : " and smoke-checked",
                m_c.only_stage.empty() ? fmt::format("{}", fmt::join(m_r.stages, ", ")) : m_c.only_stage);
        } else {
            m_r.reason =
                fmt::format("{} is deployed{} in {}", m_c.tag, m_c.no_smoke ? "" : " and smoke-checked",
                            m_c.only_stage.empty() ? fmt::format("{}", fmt::join(m_r.stages, ", ")) : m_c.only_stage);
        }
    } else if (f != nullptr) {
        std::string commit = m_r.commits.count(f->stage) != 0 ? m_r.commits.at(f->stage) : std::string();
        std::string where = f->stage.empty() ? "" : " in " + f->stage;
        std::string at = commit.empty() ? "" : fmt::format(" at {} (tag {})", short_sha(commit), m_c.tag);
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

Status write_reports(const PipelineCommand& c, const PipelineReport& r)
{
    if (!c.dotenv.empty()) {
        auto text = render_dotenv(r);
        if (!text) {
            return text.take_error();
        }
        if (auto st = write_file_atomic(c.dotenv, *text); !st) {
            return st;
        }
    }
    if (!c.junit.empty()) {
        if (auto st = write_file_atomic(c.junit, redact(render_junit(r))); !st) {
            return st;
        }
    }
    return ok_status();
}

Result<ExitCode> run_pipeline(const PipelineCommand& c, const Context& ctx)
{
    if (auto st = canon::validate_app_name(c.app); !st) {
        return st.take_error();
    }
    if (auto st = canon::validate_tag(c.tag); !st) {
        return st.take_error();
    }
    if (!c.junit.empty() && c.junit == c.dotenv) {
        return usage_error("--junit and --dotenv name the same file");
    }
    if (!c.only_stage.empty() && c.gate == "manual") {
        return usage_error("--gate manual and --stage do not go together",
                           "with --stage, the gate is the job that runs the next stage (a manual CI job)");
    }
    if (!c.wait.argo.token.empty()) {
        register_secret(c.wait.argo.token);
    }
    // Without an Argo CD server the waits fall back to the sites; in CI that
    // is a configuration mistake until someone says --http.
    if (!c.http && c.wait.argo.server.empty()) {
        if (env_or_empty("CI") == "true") {
            return usage_error(
                "no Argo CD server (ARGOCD_SERVER is not set), and in CI kanon does not fall back to "
                "waiting on the sites on its own",
                "set ARGOCD_SERVER and ARGOCD_AUTH_TOKEN, or pass --http to wait on the sites");
        }
        if (!ctx.global.quiet) {
            ctx.err << "kanon: no Argo CD server (ARGOCD_SERVER is not set): waiting on the sites instead, as --http "
                       "would\n";
        }
    }
    auto w = finish(c.write, ctx);
    if (!w) {
        return w.take_error();
    }
    if (ops::validate_build_ref(c.ref)) {
        w->source_ref = c.ref;  // a trailer on the release commit; a bad --ref fails the first step
    }
    catch_interrupts();
    PipelineReport r = PipelineRun(c, *w, ctx).run();
    if (auto st = write_reports(c, r); !st) {
        ctx.err << ctx.err_paint.red("kanon: error:") << ' ' << redact(st.error().describe()) << '\n';
        r.notes.push_back(redact(st.error().describe()));
        if (r.ok()) {
            r.exit_code = st.error().code;
        }
    }
    if (ctx.json()) {
        ctx.out << redact(pipeline_json(r).dump(2)) << '\n';
    } else {
        ctx.out << redact(render_pipeline_text(r, ctx.paint));
    }
    if (!r.ok()) {
        ctx.err << ctx.err_paint.red("kanon: error:") << ' ' << redact(r.reason) << '\n';
        if (!r.hint.empty()) {
            ctx.err << ctx.err_paint.dim("kanon: hint:") << ' ' << redact(r.hint) << '\n';
        }
        if (!r.next.empty()) {
            ctx.err << ctx.err_paint.dim("kanon: hint:") << " next: " << redact(r.next) << '\n';
        }
    }
    return r.exit_code;
}

}  // namespace

void define_pipeline(CLI::App& sub, Runner& run)
{
    auto c = std::make_shared<PipelineCommand>();
    sub.add_option("APP", c->app, "the app")->required();
    sub.add_option("--tag", c->tag, "the image tag to release and promote")->required();
    sub.add_option("--ref", c->ref,
                   "the web-core commit the image was built from (WEB_CORE_REF): a full 40-hex SHA that must exist "
                   "in web-core (exit 2 when short, 1 when absent); also recorded on the release commit");
    sub.add_option("--gate", c->gate,
                   "auto: promote once the first stage is validated; manual: stop there (exit 0) and print the "
                   "command that promotes")
        ->check(CLI::IsMember({"auto", "manual"}))
        ->capture_default_str();
    sub.add_flag("--http", c->http,
                 "wait on each stage's site instead of Argo CD (the default without an Argo CD server): an answer "
                 "without a 5xx and, where kanon.yaml site_version says how the site states it, the tag");
    sub.add_option("--ca", c->ca_file, "trust the CA certificates in FILE for the sites")->check(CLI::ExistingFile);
    sub.add_option("--junit", c->junit, "also write a JUnit XML report of the steps to FILE (GitLab's test tab)");
    sub.add_option(
        "--dotenv", c->dotenv,
        "also write KANON_APP, KANON_TAG, KANON_REF, KANON_<STAGE>_COMMIT, KANON_<STAGE>_URL, KANON_RESULT and "
        "KANON_EXIT_CODE to FILE (a GitLab dotenv report)");
    sub.add_option("--stage", c->only_stage,
                   "run only this stage's part: the release (first stage) or the promotion from the stage before, "
                   "its wait and its smoke check (one CI job per stage)");
    sub.add_flag("--no-smoke", c->no_smoke, "skip the smoke checks (a later job runs 'kanon smoke')");
    add_unverified_flag(sub, c->wait);
    add_write_flags(sub, c->write, false);
    add_wait_flags(sub, c->wait, false);
    // One name cannot be every stage's Application: each comes from its manifest.
    sub.remove_option(sub.get_option("--application"));
    // The long story goes below the flags: the description is also the
    // one-line summary in 'kanon --help'.
    sub.footer(
        "The release flow in one command (docs/canon.md): check the build contract (--ref), release the tag to the "
        "first stage, wait "
        "for its deploy, smoke-check it, then promote the same tag to each next stage, waited for and "
        "smoke-checked the same way. Stops at the first failure (a later stage is never touched) and says what "
        "to run next. Waits in Argo CD with --argocd-server/ARGOCD_SERVER, else on the stage's site (--http; in CI "
        "only when asked). A site that does not state its release cannot verify it: the pipeline stops there "
        "(exit 4) unless --unverified, recorded in the next promotion's commit.\n\n"
        "--timeout bounds each wait. Exit codes: 0 done (or stopped at the manual gate), 1 an operation failed, "
        "2 usage (a short --ref), 4 deploy failed, unhealthy, smoke failed or superseded, 5 timed out, "
        "130 interrupted. --junit and --dotenv are written whatever the outcome.");
    sub.callback([&run, c] { run = [c](const Context& ctx) { return run_pipeline(*c, ctx); }; });
}

}  // namespace kanon::cli
