// The pipeline's driver without a server: a fake at every seam (web-core,
// the writes, Argo CD, the sites, the signal flag) plays each outcome, and
// the report, the writes made and the next command are checked.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "flow/pipeline.hpp"

namespace kanon::flow {
namespace {

namespace argo = verify::argocd;
namespace web = verify::http;

std::string sha_of(const std::string& stage)
{
    std::string s = stage == "dev" ? "d" : stage == "prod" ? "e" : "f";
    return std::string(40, s.front());
}

// Plays a script: what each seam answers, per stage. Records what was asked.
class FakeDriver final : public PipelineDriver {
public:
    std::vector<std::string> stages = {"dev", "prod"};
    std::optional<Error> open_error;
    std::optional<Error> preflight_error;
    std::optional<Error> build_error;
    std::map<std::string, Error> write_error;                  // stage -> the write's error
    std::set<std::string> unchanged;                           // stages whose write changes nothing
    std::map<std::string, argo::WaitOutcome> argo_outcome;     // default success
    std::map<std::string, web::HttpWaitOutcome> site_outcome;  // default success
    std::map<std::string, web::SmokeOutcome> smoke_outcome;    // default passed
    std::string interrupt_after;                               // "release dev": the flag is up after that call

    std::vector<std::string> calls;  // "release dev", "wait dev", ...
    std::vector<ops::PromoteOptions> promotions;
    bool preflight_ran = false;

    Result<WebCore> open(const PipelineRequest& /*r*/) override
    {
        calls.emplace_back("open");
        if (open_error) {
            return *open_error;
        }
        WebCore w;
        w.stages = stages;
        for (const auto& s : stages) {
            w.urls[s] = "https://" + s + ".example.org";
        }
        w.repo = "https://ci:s3cret-token@git.example.org/web-core.git";
        w.branch = "main";
        return w;
    }
    Status preflight(const PipelineRequest& /*r*/, const std::vector<std::string>& /*stages*/,
                     const std::function<void(const std::string&)>& /*say*/) override
    {
        preflight_ran = true;
        if (preflight_error) {
            return *preflight_error;
        }
        return ok_status();
    }
    Result<ops::VerifyBuildReport> verify_build(const ops::VerifyBuildOptions& o) override
    {
        calls.emplace_back("build-contract");
        if (build_error) {
            return *build_error;
        }
        ops::VerifyBuildReport r;
        r.ref.sha = o.ref;
        r.ref.how = "fetched by SHA";
        return r;
    }
    Result<ops::WriteReport> release(const ops::ReleaseOptions& o) override { return write("release", o.stage, o.tag); }
    Result<ops::WriteReport> promote(const ops::PromoteOptions& o) override
    {
        promotions.push_back(o);
        return write("promote", o.to, o.tag);
    }
    Result<StageWait> wait_argocd(const StageRequest& s, const ArgoAccess& /*a*/, const WaitSettings& /*w*/,
                                  const Progress& /*p*/) override
    {
        called("wait " + s.stage);
        StageWait w;
        w.target.app = s.app;
        w.target.stage = s.stage;
        w.target.application = "web-" + s.app + "-" + s.stage;
        w.target.revision = s.revision.empty() ? sha_of(s.stage) : s.revision;
        w.target.tag = s.tag;
        auto it = argo_outcome.find(s.stage);
        w.result.outcome = it == argo_outcome.end() ? argo::WaitOutcome::success : it->second;
        w.result.reason = argo::outcome_name(w.result.outcome);
        return w;
    }
    Result<SiteWait> wait_site(const StageRequest& s, const SiteAccess& /*a*/, const WaitSettings& w,
                               const Progress& /*p*/) override
    {
        called("wait " + s.stage);
        SiteWait r;
        r.app = s.app;
        r.stage = s.stage;
        r.url = "https://" + s.stage + ".example.org";
        r.tag = s.tag;
        r.revision = s.revision;
        r.accept_unverified = w.accept_unverified;
        auto it = site_outcome.find(s.stage);
        r.result.outcome = it == site_outcome.end() ? web::HttpWaitOutcome::success : it->second;
        r.result.reason = web::outcome_name(r.result.outcome);
        r.result.status = 200;
        return r;
    }
    Result<SmokeRun> smoke(const SmokeRequest& r, const Progress& /*p*/) override
    {
        called("smoke " + r.site.stage);
        SmokeRun run;
        run.site = r.site;
        auto it = smoke_outcome.find(r.site.stage);
        run.report.outcome = it == smoke_outcome.end() ? web::SmokeOutcome::passed : it->second;
        run.report.reason = run.report.ok() ? "2 paths answered as expected" : "GET /admin: 502";
        return run;
    }
    bool interrupted() override { return m_interrupted; }

private:
    void called(const std::string& what)
    {
        calls.push_back(what);
        if (what == interrupt_after) {
            m_interrupted = true;
        }
    }
    Result<ops::WriteReport> write(const std::string& action, const std::string& stage, const std::string& tag)
    {
        called(action + " " + stage);
        if (auto it = write_error.find(stage); it != write_error.end()) {
            return it->second;
        }
        ops::WriteReport r;
        r.action = action;
        r.stage = stage;
        r.tag = tag;
        r.changed = unchanged.count(stage) == 0;
        r.commit = r.changed ? sha_of(stage) : std::string();
        r.previous_tag = "1.3.0";
        r.attempts = 1;
        return r;
    }
    bool m_interrupted = false;
};

PipelineRequest request()
{
    PipelineRequest q;
    q.app = "synestra-io";
    q.tag = "1.4.0";
    q.target_flags = " --repo https://git.example.org/web-core.git";
    q.wait_flags = " --timeout 20s";
    return q;
}

struct Run {
    PipelineReport report;
    std::vector<std::string> lines;
};

Run run(const PipelineRequest& q, FakeDriver& d)
{
    Run r;
    PipelineProgress p;
    p.line = [&r](std::chrono::milliseconds, const std::string& line) { r.lines.push_back(line); };
    r.report = run_pipeline(q, p, d);
    return r;
}

StepStatus status(PipelineReport& r, const std::string& name, const std::string& stage)
{
    PipelineStep* s = r.find(name, stage);
    EXPECT_NE(s, nullptr) << name << " " << stage;
    return s == nullptr ? StepStatus::not_run : s->status;
}

using Calls = std::vector<std::string>;

TEST(Pipeline, EveryStageReleasedWaitedAndSmokeChecked)
{
    FakeDriver d;
    auto r = run(request(), d).report;
    EXPECT_EQ(r.exit_code, ExitCode::ok);
    EXPECT_EQ(d.calls,
              (Calls{"open", "release dev", "wait dev", "smoke dev", "promote prod", "wait prod", "smoke prod"}));
    EXPECT_EQ(r.reason, "1.4.0 is deployed and smoke-checked in dev, prod");
    EXPECT_EQ(status(r, "build-contract", ""), StepStatus::skipped);
    EXPECT_EQ(r.commits.at("dev"), sha_of("dev"));
    EXPECT_EQ(r.commits.at("prod"), sha_of("prod"));
    EXPECT_EQ(r.branch, "main");
    EXPECT_EQ(r.repo.find("s3cret-token"), std::string::npos) << r.repo;
    EXPECT_TRUE(r.next.empty());
    ASSERT_EQ(d.promotions.size(), 1U);
    EXPECT_EQ(d.promotions[0].from, "dev");
    EXPECT_TRUE(d.promotions[0].write.unverified.empty());
}

TEST(Pipeline, AFailedDevWaitLeavesProdUntouchedAndSuggestsAReset)
{
    for (auto outcome : {argo::WaitOutcome::failed, argo::WaitOutcome::degraded, argo::WaitOutcome::superseded,
                         argo::WaitOutcome::timed_out}) {
        FakeDriver d;
        d.argo_outcome["dev"] = outcome;
        auto r = run(request(), d).report;
        EXPECT_EQ(r.exit_code, argo::exit_code_of(outcome)) << argo::outcome_name(outcome);
        EXPECT_EQ(d.calls, (Calls{"open", "release dev", "wait dev"}));
        EXPECT_EQ(status(r, "wait", "dev"), StepStatus::failed);
        EXPECT_EQ(status(r, "smoke", "dev"), StepStatus::not_run);
        EXPECT_EQ(status(r, "promote", "prod"), StepStatus::not_run);
        EXPECT_EQ(r.find("wait", "dev")->outcome, argo::outcome_name(outcome));
        EXPECT_EQ(r.next, "kanon reset synestra-io --repo https://git.example.org/web-core.git");
        ASSERT_EQ(r.notes.size(), 2U);
        EXPECT_EQ(r.notes[1], "prod: not touched");
        EXPECT_NE(r.reason.find("wait in dev failed at dddddddddddd (tag 1.4.0)"), std::string::npos) << r.reason;
    }
}

TEST(Pipeline, ASyncFailureSaysTheDeployEnded)
{
    FakeDriver d;
    d.argo_outcome["dev"] = argo::WaitOutcome::failed;
    auto r = run(request(), d).report;
    EXPECT_EQ(r.exit_code, ExitCode::verify_failed);
    EXPECT_EQ(r.notes[0], "dev: 1.4.0 committed as " + sha_of("dev") + "; its deploy ended: sync failed");
}

TEST(Pipeline, ATimeoutSaysTheStageMayBeMidDeploy)
{
    FakeDriver d;
    d.argo_outcome["prod"] = argo::WaitOutcome::timed_out;
    auto r = run(request(), d).report;
    EXPECT_EQ(r.exit_code, ExitCode::timed_out);
    EXPECT_EQ(r.notes[1], "prod: 1.4.0 committed as " + sha_of("prod") + "; may be mid-deploy (not seen deployed)");
    EXPECT_EQ(r.next, "kanon rollback synestra-io --stage prod --steps 1 --repo https://git.example.org/web-core.git");
}

TEST(Pipeline, ASmokeFailureInDevStopsBeforeProd)
{
    FakeDriver d;
    d.smoke_outcome["dev"] = web::SmokeOutcome::failed;
    auto r = run(request(), d).report;
    EXPECT_EQ(r.exit_code, ExitCode::verify_failed);
    EXPECT_EQ(d.calls, (Calls{"open", "release dev", "wait dev", "smoke dev"}));
    EXPECT_EQ(status(r, "smoke", "dev"), StepStatus::failed);
    EXPECT_EQ(r.find("smoke", "dev")->reason, "GET /admin: 502");
    EXPECT_EQ(r.notes[0], "dev: 1.4.0 committed as " + sha_of("dev") + "; deployed, but its smoke check failed");
    EXPECT_EQ(r.notes[1], "prod: not touched");
}

TEST(Pipeline, TheManualGateStopsAfterTheFirstStageWithThePromoteCommand)
{
    FakeDriver d;
    auto q = request();
    q.manual_gate = true;
    auto r = run(q, d).report;
    EXPECT_EQ(r.exit_code, ExitCode::ok);
    EXPECT_TRUE(r.gated);
    EXPECT_EQ(d.calls, (Calls{"open", "release dev", "wait dev", "smoke dev"}));
    EXPECT_EQ(status(r, "promote", "prod"), StepStatus::skipped);
    EXPECT_EQ(r.reason, "1.4.0 is validated in dev; prod waits for the manual gate");
    EXPECT_EQ(r.next,
              "kanon promote synestra-io --from dev --to prod --tag 1.4.0 --wait --smoke --repo "
              "https://git.example.org/web-core.git --timeout 20s");
    EXPECT_EQ(r.notes.back(), "prod: not touched (manual gate)");
}

TEST(Pipeline, AFailedWriteCommitsNothingThere)
{
    FakeDriver d;
    d.write_error.emplace("prod", Error{"prod is frozen: incident 42", ExitCode::verify_failed});
    auto r = run(request(), d).report;
    EXPECT_EQ(r.exit_code, ExitCode::verify_failed);
    EXPECT_EQ(r.find("promote", "prod")->outcome, "refused");
    EXPECT_EQ(r.notes[1], "prod: nothing committed");
    EXPECT_TRUE(r.next.empty());
}

TEST(Pipeline, UnverifiedSiteStopsUnlessAcceptedAndIsRecordedInThePromotion)
{
    {
        FakeDriver d;
        d.site_outcome["dev"] = web::HttpWaitOutcome::unverified;
        auto q = request();
        q.http = true;
        auto r = run(q, d).report;
        EXPECT_EQ(r.exit_code, ExitCode::verify_failed);
        EXPECT_EQ(d.calls, (Calls{"open", "release dev", "wait dev"}));
        EXPECT_EQ(r.hint, unverifiable_hint());
        EXPECT_EQ(r.find("wait", "dev")->via, "http");
    }
    FakeDriver d;
    d.site_outcome["dev"] = web::HttpWaitOutcome::unverified;
    auto q = request();
    q.http = true;
    q.wait.accept_unverified = true;
    auto r = run(q, d).report;
    EXPECT_EQ(r.exit_code, ExitCode::ok);
    EXPECT_TRUE(r.unverified());
    EXPECT_EQ(status(r, "wait", "dev"), StepStatus::unverified);
    EXPECT_NE(r.reason.find("NOT verified"), std::string::npos) << r.reason;
    ASSERT_EQ(d.promotions.size(), 1U);
    EXPECT_EQ(d.promotions[0].write.unverified, "dev was not verified: its site does not state the release it runs");
}

TEST(Pipeline, ASignalAfterTheReleaseStopsBeforeTheWaitAndSaysHowToGoOn)
{
    FakeDriver d;
    d.interrupt_after = "release dev";
    auto q = request();
    q.ref = std::string(40, 'a');
    auto r = run(q, d).report;
    EXPECT_EQ(r.exit_code, ExitCode::interrupted);
    EXPECT_EQ(d.calls, (Calls{"open", "build-contract", "release dev"}));
    EXPECT_EQ(r.reason, "interrupted after release in dev");
    EXPECT_EQ(status(r, "wait", "dev"), StepStatus::not_run);
    EXPECT_EQ(r.next, "kanon pipeline synestra-io --tag 1.4.0 --ref " + std::string(40, 'a') +
                          " --repo https://git.example.org/web-core.git --timeout 20s");
}

TEST(Pipeline, NothingIsWrittenWhenWebCoreThePreflightOrTheBuildContractFails)
{
    {
        FakeDriver d;
        d.open_error = Error{"git fetch: could not read from https://ci:s3cret-token@git.example.org/x.git"};
        auto r = run(request(), d).report;
        EXPECT_EQ(r.exit_code, ExitCode::failed);
        EXPECT_EQ(d.calls, (Calls{"open"}));
        EXPECT_EQ(r.reason.find("s3cret-token"), std::string::npos) << r.reason;
        EXPECT_EQ(r.stages, (std::vector<std::string>{"dev", "prod"}));
    }
    {
        FakeDriver d;
        d.preflight_error = Error{"GET application web-synestra-io-dev: 401 Unauthorized"};
        auto r = run(request(), d).report;
        EXPECT_EQ(d.calls, (Calls{"open"}));
        EXPECT_EQ(r.reason, "before committing: GET application web-synestra-io-dev: 401 Unauthorized");
        EXPECT_EQ(status(r, "release", "dev"), StepStatus::not_run);
        EXPECT_EQ(r.find("release", "dev")->reason, "stopped before anything was committed");
    }
    FakeDriver d;
    d.build_error = Error{"tag 1.4.0 was built from another ref", ExitCode::verify_failed};
    auto q = request();
    q.ref = std::string(40, 'b');
    auto r = run(q, d).report;
    EXPECT_EQ(r.exit_code, ExitCode::verify_failed);
    EXPECT_EQ(d.calls, (Calls{"open", "build-contract"}));
    EXPECT_EQ(r.notes, (std::vector<std::string>{"nothing was committed"}));
}

TEST(Pipeline, OneStageOnlyAndAnUnknownStage)
{
    FakeDriver d;
    auto q = request();
    q.only_stage = "prod";
    auto r = run(q, d).report;
    EXPECT_EQ(r.exit_code, ExitCode::ok);
    EXPECT_EQ(d.calls, (Calls{"open", "promote prod", "wait prod", "smoke prod"}));
    EXPECT_EQ(r.find("release", "dev"), nullptr);
    EXPECT_EQ(r.reason, "1.4.0 is deployed and smoke-checked in prod");

    FakeDriver unknown;
    q.only_stage = "staging";
    r = run(q, unknown).report;
    EXPECT_EQ(r.exit_code, ExitCode::usage);
    EXPECT_EQ(r.reason, "unknown stage 'staging' (stages: dev, prod)");
    EXPECT_FALSE(unknown.preflight_ran);
}

TEST(Pipeline, AStageThatAlreadyRunsTheTagIsWaitedForWithoutANewCommit)
{
    FakeDriver d;
    d.unchanged = {"dev"};
    d.argo_outcome["dev"] = argo::WaitOutcome::degraded;
    auto r = run(request(), d).report;
    EXPECT_EQ(r.find("release", "dev")->outcome, "unchanged");
    EXPECT_EQ(r.notes[0],
              "dev: already ran 1.4.0 at " + sha_of("dev") + " (no new commit); its deploy ended: degraded");
}

TEST(Pipeline, NoSmokeSkipsTheChecks)
{
    FakeDriver d;
    auto q = request();
    q.no_smoke = true;
    auto r = run(q, d).report;
    EXPECT_EQ(d.calls, (Calls{"open", "release dev", "wait dev", "promote prod", "wait prod"}));
    EXPECT_EQ(status(r, "smoke", "dev"), StepStatus::skipped);
    EXPECT_EQ(r.reason, "1.4.0 is deployed in dev, prod");
}

}  // namespace
}  // namespace kanon::flow
