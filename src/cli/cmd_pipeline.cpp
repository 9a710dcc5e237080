// kanon pipeline APP --tag T [--ref SHA] [--gate auto|manual]
//
// The release flow of docs/canon.md in one command. The flow itself is
// flow::run_pipeline (flow/pipeline.hpp); this file turns the flags into its
// request, shows its progress on stderr, and renders its report as text or
// JSON, and as JUnit and dotenv files whatever the outcome.
#include <cstdlib>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "canon/release.hpp"
#include "cli/context.hpp"
#include "cli/pipeline_report.hpp"
#include "cli/verify.hpp"
#include "cli/write.hpp"
#include "flow/pipeline.hpp"
#include "gitops/git.hpp"
#include "ops/build_contract.hpp"
#include "util/files.hpp"
#include "util/redact.hpp"
#include "util/signals.hpp"
#include "util/text.hpp"

namespace kanon::cli {
namespace {

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

// " --flag value" for each flag a follow-up command needs, values quoted
// and redacted.
class FlagText {
public:
    void add(const std::string& flag, const std::string& value = {})
    {
        m_text += " " + flag + (value.empty() ? "" : " " + shell_quote(redact(value)));
    }
    [[nodiscard]] const std::string& text() const { return m_text; }

private:
    std::string m_text;
};

// Where web-core is, as the command line said it. Never a token: a URL's
// credentials come from the environment.
std::string target_flags(const PipelineCommand& c)
{
    FlagText f;
    const gitops::Target& given = c.write.w.target;
    if (!given.repo.empty()) {
        f.add("--repo", gitops::without_userinfo(given.repo));
    }
    if (!given.branch.empty()) {
        f.add("--branch", given.branch);
    }
    return f.text();
}

// How to wait, as the command line said it (what differs from the defaults).
std::string wait_flags(const PipelineCommand& c, bool http)
{
    FlagText f;
    const WaitFlags defaults;
    if (c.wait.timeout != defaults.timeout) {
        f.add("--timeout", c.wait.timeout);
    }
    if (c.wait.degraded_grace != defaults.degraded_grace) {
        f.add("--degraded-grace", c.wait.degraded_grace);
    }
    if (http) {
        f.add("--http");
    } else {
        const char* env = std::getenv("ARGOCD_SERVER");
        if (env == nullptr || c.wait.argo.server != env) {
            f.add("--argocd-server", c.wait.argo.server);
        }
        if (c.wait.argo.plaintext) {
            f.add("--plaintext");
        }
        for (const auto& [flag, value] :
             {std::pair{"--argocd-ca", &c.wait.argo.ca_file}, std::pair{"--app-namespace", &c.wait.argo.app_namespace},
              std::pair{"--project", &c.wait.argo.project}}) {
            if (!value->empty()) {
                f.add(flag, *value);
            }
        }
    }
    if (c.wait.argo.insecure) {
        f.add("--insecure");
    }
    return f.text();
}

// The usage errors that need no network.
Status validate(const PipelineCommand& c)
{
    if (auto st = canon::validate_app_name(c.app); !st) {
        return st;
    }
    if (auto st = canon::validate_tag(c.tag); !st) {
        return st;
    }
    if (!c.junit.empty() && c.junit == c.dotenv) {
        return usage_error("--junit and --dotenv name the same file");
    }
    if (!c.only_stage.empty() && c.gate == "manual") {
        return usage_error("--gate manual and --stage do not go together",
                           "with --stage, the gate is the job that runs the next stage (a manual CI job)");
    }
    return ok_status();
}

// Without an Argo CD server the waits fall back to the sites; in CI that is
// a configuration mistake until someone says --http. Whether to wait on the
// sites.
Result<bool> wait_on_sites(const PipelineCommand& c, const Context& ctx)
{
    if (c.http || !c.wait.argo.server.empty()) {
        return c.http;
    }
    if (env_or_empty("CI") == "true") {
        return usage_error(
            "no Argo CD server (ARGOCD_SERVER is not set), and in CI kanon does not fall back to waiting on the "
            "sites on its own",
            "set ARGOCD_SERVER and ARGOCD_AUTH_TOKEN, or pass --http to wait on the sites");
    }
    if (!ctx.global.quiet) {
        ctx.err << "kanon: no Argo CD server (ARGOCD_SERVER is not set): waiting on the sites instead, as --http "
                   "would\n";
    }
    return true;
}

Result<flow::PipelineRequest> pipeline_request(const PipelineCommand& c, const Context& ctx)
{
    auto http = wait_on_sites(c, ctx);
    if (!http) {
        return http.take_error();
    }
    auto w = finish(c.write, ctx);
    if (!w) {
        return w.take_error();
    }
    auto settings = wait_settings(c.wait);
    if (!settings) {
        return settings.take_error();
    }
    flow::PipelineRequest q;
    q.write = std::move(*w);
    if (ops::validate_build_ref(c.ref)) {
        q.write.source_ref = c.ref;  // a trailer on the release commit; a bad --ref fails the first step
    }
    q.app = c.app;
    q.tag = c.tag;
    q.ref = c.ref;
    q.manual_gate = c.gate == "manual";
    q.http = *http;
    if (!q.http) {
        auto access = argo_access(c.wait.argo);
        if (!access) {
            return access.take_error();
        }
        q.argo = std::move(*access);
    }
    q.site = flow::SiteAccess{{}, c.wait.argo.insecure, c.ca_file};
    q.wait = std::move(*settings);
    q.only_stage = c.only_stage;
    q.no_smoke = c.no_smoke;
    q.kanon = ctx.global.config.empty() ? "kanon" : "kanon --config " + shell_quote(ctx.global.config);
    q.target_flags = target_flags(c);
    q.wait_flags = wait_flags(c, q.http);
    return q;
}

flow::PipelineProgress pipeline_progress(const Context& ctx)
{
    flow::PipelineProgress p;
    p.steps = progress_of(ctx);
    if (!ctx.global.quiet) {
        const Context* c = &ctx;
        p.line = [c](std::chrono::milliseconds at, const std::string& line) {
            c->err << c->err_paint.dim(elapsed_prefix(at)) << redact(line) << '\n';
        };
    }
    return p;
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
    if (auto st = validate(c); !st) {
        return st.take_error();
    }
    if (!c.wait.argo.token.empty()) {
        register_secret(c.wait.argo.token);
    }
    auto request = pipeline_request(c, ctx);
    if (!request) {
        return request.take_error();
    }
    catch_interrupts();
    auto driver = flow::real_pipeline_driver();
    PipelineReport r = flow::run_pipeline(*request, pipeline_progress(ctx), *driver);
    if (auto st = write_reports(c, r); !st) {
        print_error(ctx, st.error());
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
        Error e{r.reason, r.exit_code, {}, r.hint};
        print_error(ctx, e);
        if (!r.next.empty()) {
            print_hint(ctx, "next: " + r.next);
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
    sub.add_flag("--no-registry-check", c->write.w.registry.skip,
                 "this once, do not look for the tag in the registry (kanon.yaml registry:); said in the report");
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
