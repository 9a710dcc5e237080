// The pipeline's seams as they are in production: git through ops and
// gitops, Argo CD through its REST client, the sites over HTTP, and the
// signal flag of util/signals.
#include <optional>

#include <fmt/format.h>

#include "canon/release.hpp"
#include "flow/pipeline.hpp"
#include "ops/preflight.hpp"
#include "ops/smoke.hpp"
#include "ops/status.hpp"
#include "util/signals.hpp"
#include "verify/argocd/client.hpp"
#include "verify/http/follow.hpp"

namespace kanon::flow {
namespace {

class RealDriver final : public PipelineDriver {
public:
    Result<WebCore> open(const PipelineRequest& r) override;
    Status preflight(const PipelineRequest& r, const std::vector<std::string>& stages,
                     const std::function<void(const std::string&)>& say) override;
    Result<ops::VerifyBuildReport> verify_build(const ops::VerifyBuildOptions& o) override
    {
        return ops::verify_build(o);
    }
    Result<ops::WriteReport> release(const ops::ReleaseOptions& o) override { return ops::release(o); }
    Result<ops::WriteReport> promote(const ops::PromoteOptions& o) override { return ops::promote(o); }
    Result<StageWait> wait_argocd(const StageRequest& s, const ArgoAccess& a, const WaitSettings& w,
                                  const Progress& p) override
    {
        return wait_stage(s, a, w, p);
    }
    Result<SiteWait> wait_site(const StageRequest& s, const SiteAccess& a, const WaitSettings& w,
                               const Progress& p) override
    {
        return flow::wait_site(s, a, w, p);
    }
    Result<SmokeRun> smoke(const SmokeRequest& r, const Progress& p) override { return smoke_stage(r, p); }
    bool interrupted() override { return ::kanon::interrupted(); }

private:
    Status check_registry(const PipelineRequest& r, const std::vector<std::string>& stages,
                          const std::function<void(const std::string&)>& say) const;
    Status check_sites(const PipelineRequest& r, const std::vector<ops::StagePlan>& plans,
                       const std::function<void(const std::string&)>& say) const;
    static Status check_argocd(const PipelineRequest& r, const std::vector<ops::StagePlan>& plans,
                               const std::function<void(const std::string&)>& say);

    // web-core as open() read it, for preflight().
    std::optional<gitops::Snapshot> m_snap;
    canon::Config m_config;
};

Result<WebCore> RealDriver::open(const PipelineRequest& r)
{
    gitops::Target t = r.write.target;
    t.cache_dir.clear();
    auto snap = gitops::Snapshot::fetch(t);
    if (!snap) {
        return snap.take_error();
    }
    auto config = ops::config_at_tip(*snap, r.write.config_path);
    if (!config) {
        return config.take_error();
    }
    WebCore w;
    w.stages = config->stage_names();
    w.repo = snap->url();
    w.branch = snap->branch();
    for (const auto& stage : w.stages) {
        auto url = ops::site_url_at(*snap, *config, r.app, stage);
        w.urls[stage] = url ? *url : std::string();
    }
    m_config = std::move(*config);
    m_snap.emplace(std::move(*snap));
    return w;
}

// The env layers do not pin the image, and Argo CD (or in HTTP mode, each
// site) answers, so a wrong server, token, TLS mode or URL writes nothing.
Status RealDriver::preflight(const PipelineRequest& r, const std::vector<std::string>& stages,
                             const std::function<void(const std::string&)>& say)
{
    if (!m_snap) {
        return Error{"web-core was not read before the preflight"};
    }
    auto plans = ops::preflight(*m_snap, m_config, r.app, stages);
    if (!plans) {
        return plans.take_error();
    }
    if (auto st = check_registry(r, stages, say); !st) {
        return st;
    }
    return r.http ? check_sites(r, *plans, say) : check_argocd(r, *plans, say);
}

// A run that releases: the tag must be in the registry (kanon.yaml registry:)
// before anything is written. The release itself checks again, at its tip.
Status RealDriver::check_registry(const PipelineRequest& r, const std::vector<std::string>& stages,
                                  const std::function<void(const std::string&)>& say) const
{
    if (stages.empty() || m_config.stages.empty() || stages.front() != m_config.stages.front().name) {
        return ok_status();  // no release in this run
    }
    std::string file = m_config.release_file(r.app, stages.front());
    auto files = m_snap->read({file});
    if (!files) {
        return files.take_error();
    }
    auto it = files->find(file);
    if (it == files->end()) {
        return ok_status();  // the release says the app has no such file
    }
    auto fields = canon::read_release(canon::ReleaseKeys(m_config), file, it->second);
    if (fields.problem) {
        return *fields.problem;
    }
    auto v = ops::check_image(m_config, fields.repository, r.tag, r.write.registry);
    if (!v) {
        return v.take_error();
    }
    if (v->state != ops::ImageVerdict::State::off) {
        say(v->note);
    }
    return ok_status();
}

Status RealDriver::check_sites(const PipelineRequest& r, const std::vector<ops::StagePlan>& plans,
                               const std::function<void(const std::string&)>& say) const
{
    for (const auto& p : plans) {
        if (p.url.empty()) {
            continue;  // the wait says why it has no URL
        }
        verify::http::FetchOptions fo;
        fo.tries = 2;
        fo.timeout = std::chrono::seconds(10);
        fo.tls.verify = !r.site.insecure;
        fo.tls.ca_file = r.site.ca_file;
        fo.interrupted = [] { return ::kanon::interrupted(); };
        // A site that does not answer yet may be one this release creates;
        // one that answers with the wrong TLS never will.
        auto f = verify::http::fetch(verify::http::join_url(p.url, "/"), fo);
        if (f.problem == verify::http::FetchProblem::transport && f.failure == ::kanon::http::Failure::tls) {
            return Error{fmt::format("{}'s site {}: {}", p.stage, p.url, f.error),
                         ExitCode::failed,
                         {},
                         "trust its certificate with --ca FILE, or give the site's real scheme in kanon.yaml"};
        }
        if (f.problem == verify::http::FetchProblem::transport) {
            say(fmt::format("{}'s site {} does not answer yet ({}); the wait will keep asking", p.stage, p.url,
                            f.error));
        }
    }
    return ok_status();
}

Status RealDriver::check_argocd(const PipelineRequest& r, const std::vector<ops::StagePlan>& plans,
                                const std::function<void(const std::string&)>& say)
{
    verify::argocd::Client client(r.argo.server);
    for (const auto& p : plans) {
        std::string project = r.argo.project.empty() ? p.project : r.argo.project;
        auto reply =
            client.get(p.application, project, {}, std::chrono::seconds(10), [] { return ::kanon::interrupted(); });
        if (reply.status == 404) {  // an app's first release: its Application may come with it
            say(fmt::format("Argo CD has no Application {} yet; the wait will look for it", p.application));
            continue;
        }
        if (!reply.ok()) {
            return verify::argocd::reply_error(reply, "GET application " + p.application, p.application, project);
        }
    }
    return ok_status();
}

}  // namespace

std::unique_ptr<PipelineDriver> real_pipeline_driver()
{
    return std::make_unique<RealDriver>();
}

}  // namespace kanon::flow
