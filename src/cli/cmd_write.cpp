// kanon release / promote / reset / rollback / history: the writes of the
// canon, each one repository transaction, and the history they leave.
#include <cstdlib>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "cli/verify.hpp"
#include "cli/write.hpp"
#include "flow/stage.hpp"
#include "flow/stage_report.hpp"
#include "ops/freeze.hpp"
#include "ops/history.hpp"
#include "ops/promotion.hpp"
#include "util/signals.hpp"

namespace kanon::cli {

void add_target_flags(CLI::App& sub, gitops::Target& t)
{
    sub.add_option(
           "--repo", t.repo,
           "web-core: URL or path (default: $KANON_REPO, else the origin of the checkout in the current directory)")
        ->envname("KANON_REPO");
    sub.add_option("--branch", t.branch, "branch (default: the remote's default branch)");
    sub.add_option("--cache-dir", t.cache_dir, "keep the clone here between runs and fetch incrementally")
        ->envname("KANON_CACHE_DIR");
}

void add_write_flags(CLI::App& sub, WriteFlags& f, bool source_ref)
{
    add_target_flags(sub, f.w.target);
    sub.add_option("--author", f.author,
                   "commit author 'Name <email>' (default: GIT_AUTHOR_*, CI variables, git config)");
    sub.add_flag("--no-skip-ci", f.no_skip_ci, "leave [skip ci] out of the commit message (for CI path rules)");
    if (source_ref) {
        sub.add_option("--source-ref", f.w.source_ref, "the web-core commit the image was built from (a trailer)");
    }
    sub.add_option("--attempts", f.w.max_attempts,
                   "at most this many pushes while the branch moves under us (0: no limit but --push-timeout)")
        ->capture_default_str()
        ->check(CLI::Range(0, 100000));
    sub.add_option("--push-timeout", f.timeout_s,
                   "seconds to keep retrying while the branch moves under us (no attempt starts later)")
        ->capture_default_str()
        ->check(CLI::Range(1, 86400));
}

Result<ops::WriteOptions> finish(const WriteFlags& f, const Context& ctx)
{
    ops::WriteOptions w = f.w;
    w.config_path = ctx.global.config;
    w.skip_ci = !f.no_skip_ci;
    w.deadline = std::chrono::seconds(f.timeout_s);
    if (!f.author.empty()) {
        auto id = gitops::parse_identity(f.author);
        if (!id) {
            return id.take_error();
        }
        w.author = *id;
    }
    if (ctx.global.verbose > 0) {
        std::ostream* err = &ctx.err;
        w.progress = [err](const std::string& line) { *err << "kanon: " << line << '\n'; };
    }
    return w;
}

namespace {

// A write that a signal came during: its push was seen through and is
// reported, then the command stops with 130 (RELIABILITY.md).
bool stopped_by_signal(const Result<ops::WriteReport>& r)
{
    return r.ok() && interrupted();
}

Result<ExitCode> print_write(const Result<ops::WriteReport>& r, const Context& ctx)
{
    if (!r) {
        return r.error();
    }
    bool stopped = stopped_by_signal(r);
    if (ctx.json()) {
        auto j = write_json(*r);
        if (stopped) {
            j["interrupted"] = true;
        }
        ctx.out << j.dump(2) << '\n';
    } else {
        ctx.out << render_write_text(*r, ctx.paint);
        if (stopped && !ctx.global.quiet) {
            ctx.err << "kanon: interrupted: the write above is what landed; nothing more was done\n";
        }
    }
    return stopped ? ExitCode::interrupted : ExitCode::ok;
}

// What a write can verify once it has landed: Argo CD (or, with --http, the
// site itself) deploying it, then the site's smoke check.
struct AfterWrite {
    bool wait = false;
    bool smoke = false;  // implies wait: a smoke check before the deploy would check the old release
    bool http = false;   // wait on the site instead of Argo CD
    WaitFlags flags;
};

void add_after_write_flags(CLI::App& sub, AfterWrite& a, bool is_reset)
{
    if (is_reset) {
        sub.add_flag("--sync", a.flags.sync, "then sync the stage in Argo CD and wait until it runs this release");
    } else {
        sub.add_flag("--wait", a.wait, "then wait until Argo CD runs the new commit, Synced and Healthy (exit 4/5)");
        sub.add_flag("--smoke", a.smoke, "then, once deployed, smoke-check the stage's site (implies --wait; exit 4)");
        sub.add_flag("--http", a.http,
                     "no Argo CD access: wait for the stage's site to answer (with the tag, where kanon.yaml "
                     "site_version says how the site states it) instead of Argo CD (implies --wait)");
        add_unverified_flag(sub, a.flags);
    }
    add_wait_flags(sub, a.flags, false);
}

// The check of a write that landed (flow::check_stage): its wait, then its
// smoke check.
Result<flow::CheckRequest> check_request(const ops::WriteReport& r, const AfterWrite& after,
                                         const gitops::Target& target, const Context& ctx)
{
    flow::CheckRequest c;
    c.stage = {r.app, r.stage, target, ctx.global.config, r.commit, r.tag};
    c.http = after.http;
    c.smoke = after.smoke;
    if (!c.http) {
        auto access = argo_access(after.flags.argo);
        if (!access) {
            return access.take_error();
        }
        c.argo = std::move(*access);
    }
    c.site.insecure = after.http && after.flags.argo.insecure;  // --insecure covers the site with --http
    auto settings = wait_settings(after.flags);
    if (!settings) {
        return settings.take_error();
    }
    c.wait = std::move(*settings);
    return c;
}

// The write's report, then (with --wait/--sync) the wait for its commit:
// one JSON document with both, or the two text reports one after the other.
Result<ExitCode> write_then_wait(const Result<ops::WriteReport>& r, const AfterWrite& after,
                                 const gitops::Target& target, const Context& ctx)
{
    if (!r || !(after.wait || after.smoke || after.http || after.flags.sync) || stopped_by_signal(r)) {
        return print_write(r, ctx);  // after a signal, no wait: the push is reported, then it stops
    }
    if (!ctx.json()) {
        ctx.out << render_write_text(*r, ctx.paint);
    }
    auto request = check_request(*r, after, target, ctx);
    if (!request) {
        return request.take_error();
    }
    auto c = flow::check_stage(*request, progress_of(ctx));
    if (!c) {
        return c.take_error();
    }
    ExitCode code = c->code();
    if (ctx.json()) {
        auto j = write_json(*r);
        j["ok"] = code == ExitCode::ok;
        j["wait"] = c->argo ? flow::wait_json(c->argo->target, c->argo->result) : flow::site_wait_json(*c->site);
        if (c->smoke) {
            j["smoke"] = flow::smoke_json(c->smoke->report, c->smoke->site);
        }
        ctx.out << j.dump(2) << '\n';
        return code;
    }
    if (c->wait_error()) {
        return *c->wait_error();
    }
    if (c->argo) {
        print_wait_text(ctx, c->argo->target, c->argo->result);
    } else {
        print_site_wait_text(ctx, *c->site);
    }
    if (c->smoke) {
        ctx.out << flow::render_smoke_text(c->smoke->report, ctx.paint);
    }
    return code;
}

// The runner of a write: the shared flags made into WriteOptions, the
// command's own options with them, the operation, its report printed (and
// its deploy waited for, when asked).
template <typename Options, typename Operation>
Runner write_runner(std::shared_ptr<std::pair<WriteFlags, Options>> o, Operation op,
                    const std::shared_ptr<AfterWrite>& after = nullptr)
{
    return [o, op, after](const Context& ctx) -> Result<ExitCode> {
        // A signal stops the write before its push (exit 130, nothing
        // changed) or, once the push has started, after it is reported.
        catch_interrupts();
        auto w = finish(o->first, ctx);
        if (!w) {
            return w.take_error();
        }
        Options options = o->second;
        options.write = *w;
        if (after) {
            return write_then_wait(op(options), *after, w->target, ctx);
        }
        return print_write(op(options), ctx);
    };
}

}  // namespace

void define_release(CLI::App& sub, Runner& run)
{
    auto o = std::make_shared<std::pair<WriteFlags, ops::ReleaseOptions>>();
    sub.add_option("APP", o->second.app, "the app")->required();
    auto latest = std::make_shared<bool>(false);
    auto* tag = sub.add_option("--tag", o->second.tag, "the image tag to release");
    auto* latest_flag = sub.add_flag("--latest", *latest,
                                     "release the registry's newest tag under --policy instead (nothing when the "
                                     "stage runs it already)");
    tag->excludes(latest_flag);
    sub.add_option("--policy", o->second.latest_policy,
                   "with --latest: semver[:CONSTRAINT] (^1.2, >=1.0 <2, 1.x), calver, regex:RE or newest-build "
                   "(default: semver)");
    sub.add_option("--stage", o->second.stage, "the stage")->capture_default_str();
    sub.add_option("--repository", o->second.repository, "also set image.repository");
    sub.add_option("--hotfix", o->first.w.hotfix,
                   "release straight into a stage that takes its releases from another (prod), saying why: "
                   "recorded in the commit (Kanon-Hotfix); without it such a release is refused (exit 4)");
    sub.add_flag("--no-registry-check", o->first.w.registry.skip,
                 "this once, do not look for the tag in the registry (kanon.yaml registry:); said in the output");
    add_write_flags(sub, o->first);
    auto after = std::make_shared<AfterWrite>();
    add_after_write_flags(sub, *after, false);
    sub.callback([&run, o, after, latest, tag] {
        if (*latest && o->second.latest_policy.empty()) {
            o->second.latest_policy = "semver";
        }
        if (!*latest && tag->count() == 0) {  // --tag '' is a bad tag, said as such
            throw CLI::RequiredError("--tag T or --latest");
        }
        if (!*latest && !o->second.latest_policy.empty()) {
            throw CLI::ValidationError("--policy", "--policy needs --latest");
        }
        run = write_runner(o, ops::release, after);
    });
}

namespace {

void define_move(CLI::App& sub, Runner& run, bool is_reset)
{
    auto o = std::make_shared<std::pair<WriteFlags, ops::PromoteOptions>>();
    sub.add_option("APP", o->second.app, "the app")->required();
    if (is_reset) {
        o->second.from = "dev";
        sub.add_option("--stage", o->second.from, "the stage to bring back")->capture_default_str();
        sub.add_option("--to", o->second.to, "the stage whose release it gets")->capture_default_str();
    } else {
        sub.add_option("--from", o->second.from, "the stage to promote from")->capture_default_str();
        sub.add_option("--to", o->second.to, "the stage to promote to")->capture_default_str();
        sub.add_option("--tag", o->second.tag,
                       "promote exactly this tag, refusing (exit 4) unless the source stage runs it now");
    }
    add_write_flags(sub, o->first, !is_reset);  // --source-ref: what a release was built from, not a reset
    auto after = std::make_shared<AfterWrite>();
    add_after_write_flags(sub, *after, is_reset);
    sub.callback([&run, o, is_reset, after] { run = write_runner(o, is_reset ? ops::reset : ops::promote, after); });
}

}  // namespace

void define_promote(CLI::App& sub, Runner& run)
{
    define_move(sub, run, false);
}
void define_reset(CLI::App& sub, Runner& run)
{
    define_move(sub, run, true);
}

void define_rollback(CLI::App& sub, Runner& run)
{
    auto o = std::make_shared<std::pair<WriteFlags, ops::RollbackOptions>>();
    sub.add_option("APP", o->second.app, "the app")->required();
    sub.add_option("--stage", o->second.stage, "the stage")->capture_default_str();
    auto* to = sub.add_option("--to", o->second.to_tag, "a tag the stage ran before");
    auto* steps = sub.add_option("--steps", o->second.steps, "go back N distinct releases")->check(CLI::Range(1, 1000));
    to->excludes(steps);
    steps->excludes(to);
    add_write_flags(sub, o->first, false);
    sub.callback([&run, o] {
        run = [o](const Context& ctx) -> Result<ExitCode> {
            auto w = finish(o->first, ctx);
            if (!w) {
                return w.take_error();
            }
            ops::RollbackOptions r = o->second;
            r.write = *w;
            auto result = ops::rollback(r);
            auto code = print_write(result, ctx);
            if (result && result->changed && !ctx.global.quiet) {
                print_hint(ctx, fmt::format("to keep automation from undoing this rollback: kanon freeze {} "
                                            "--stage {} --reason '...'",
                                            r.app, r.stage));
            }
            return code;
        };
    });
}

void define_freeze_command(CLI::App& sub, Runner& run, bool on)
{
    auto o = std::make_shared<std::pair<WriteFlags, ops::FreezeOptions>>();
    sub.add_option("APP", o->second.app, "the app")->required();
    sub.add_option("--stage", o->second.stage, "the stage")->required();
    if (on) {
        sub.add_option("--reason", o->second.reason, "why: shown to everyone the hold stops")->required();
        sub.footer(
            "A frozen stage refuses release, promote, reset and rollback into it (exit 4) until 'kanon unfreeze'. "
            "The hold is a commit to kanon.yaml at the tip of the branch, so every pipeline sees it.");
    }
    add_write_flags(sub, o->first, false);
    sub.callback([&run, o, on] { run = write_runner(o, on ? ops::freeze : ops::unfreeze); });
}

void define_freeze(CLI::App& sub, Runner& run)
{
    define_freeze_command(sub, run, true);
}
void define_unfreeze(CLI::App& sub, Runner& run)
{
    define_freeze_command(sub, run, false);
}

void define_history(CLI::App& sub, Runner& run)
{
    auto o = std::make_shared<ops::HistoryOptions>();
    sub.add_option("APP", o->app, "the app")->required();
    sub.add_option("--stage", o->stage, "only this stage");
    sub.add_option("-n", o->limit, "at most N entries, newest first")->check(CLI::Range(1, 1000000));
    add_target_flags(sub, o->target);
    sub.callback([&run, o] {
        run = [o](const Context& ctx) -> Result<ExitCode> {
            auto r = ops::history(*o);
            if (!r) {
                return r.take_error();
            }
            if (ctx.json()) {
                ctx.out << history_json(*r).dump(2) << '\n';
            } else {
                ctx.out << render_history_text(*r, ctx.paint);
            }
            return ExitCode::ok;
        };
    });
}

}  // namespace kanon::cli
