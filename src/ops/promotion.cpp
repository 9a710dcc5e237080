#include "ops/promotion.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "canon/release.hpp"
#include "ops/freeze.hpp"
#include "ops/history.hpp"
#include "ops/latest.hpp"
#include "ops/status.hpp"
#include "util/suggest.hpp"
#include "util/text.hpp"
#include "yaml/document.hpp"
#include "yaml/edit.hpp"

namespace kanon::ops {
namespace {

struct Release {
    std::string repository;
    std::string tag;
    std::string digest;  // release_keys.digest, or the registry's for a new release
};

// Everything a plan needs, fixed before the first attempt.
struct Setup {
    gitops::Snapshot snap;
    canon::Config config;
};

Result<Setup> setup(const WriteOptions& w)
{
    auto snap = gitops::Snapshot::fetch(w.target);
    if (!snap) {
        return snap.take_error();
    }
    auto config = config_at_tip(*snap, w.config_path);
    if (!config) {
        return config.take_error();
    }
    return Setup{std::move(*snap), std::move(*config)};
}

// --source-ref becomes a trailer (Kanon-Source-Ref): a full commit SHA and
// nothing else, so no other trailer can ride in on it (a short SHA may be
// ambiguous or unreproducible later).
Status validate_source_ref(const std::string& ref)
{
    if (ref.empty() || canon::is_sha256_id(ref)) {
        return ok_status();
    }
    return canon::validate_full_sha(ref, "--source-ref");
}

// A well-formed app the repo does not have: exit 1, naming the closest it has.
Error unknown_app(const Setup& s, const std::string& app, const std::string& file)
{
    std::string hint;
    auto listed = s.snap.list(release_dirs(s.config));
    if (listed) {
        std::vector<std::string> paths;
        for (const auto& e : *listed) {
            paths.push_back(e.path);
        }
        auto apps = discover_apps(s.config, paths);
        auto guess = did_you_mean(app, apps);
        if (std::find(apps.begin(), apps.end(), app) != apps.end()) {
            // The app is there, only this stage's release file is not.
            hint = fmt::format(
                "{} has release files for other stages only: restore {} ('kanon check {}' in a "
                "checkout lists what it lacks)",
                app, file, app);
        } else if (!guess.empty()) {
            hint = fmt::format("did you mean '{}'?", guess);
        } else if (!apps.empty()) {
            hint = fmt::format("{} has {} apps, e.g. '{}'", s.snap.branch(), apps.size(), apps.front());
        }
    }
    return Error{fmt::format("app '{}' has no {} at {}", app, file, s.snap.branch()), ExitCode::failed, {}, hint};
}

Result<Release> read_release(const canon::Config& c, const std::string& file, const std::string& text)
{
    auto fields = canon::read_release(canon::ReleaseKeys(c), file, text);
    if (fields.problem) {
        return *fields.problem;
    }
    return Release{std::move(fields.repository), std::move(fields.tag), std::move(fields.digest)};
}

// The release file with tag (and repository, when given) set, bytes exact.
Result<std::string> write_release(const canon::Config& c, const std::string& file, const std::string& text,
                                  const Release& to)
{
    std::string out = text;
    for (auto [key, value] : {std::pair{&c.repository_key, &to.repository}, std::pair{&c.tag_key, &to.tag},
                              std::pair{&c.digest_key, &to.digest}}) {
        // An empty digest is written too (when kanon.yaml names its key): a
        // release the registry did not vouch for must not keep the last one's.
        if (key->empty() || (value->empty() && key != &c.digest_key)) {
            continue;
        }
        auto s = yaml::Stream::parse(out, file);
        if (!s) {
            return s.take_error();
        }
        auto path = yaml::parse_path(*key);
        if (!path) {
            return path.take_error();
        }
        auto r = yaml::set_scalar(*s, *path, *value);
        if (!r) {
            return r.take_error();
        }
        out = std::move(r->text);
    }
    return out;
}

// One stage's release file set from a source release: the shared body of
// every write. `source` reads the release to write from the tip's files.
struct Move {
    std::string action;
    std::string app;
    std::string stage;
    std::string from;  // a stage name, or "" when the release is given
    std::function<Result<Release>(const gitops::Files& tip, const Release& current)> source;
};

Result<WriteReport> run_move(const WriteOptions& w, Setup& s, const Move& m, std::vector<std::string> extra_reads)
{
    std::string file = s.config.release_file(m.app, m.stage);
    WriteReport rep;
    rep.action = m.action;
    rep.app = m.app;
    rep.stage = m.stage;
    rep.from = m.from;
    gitops::Plan plan;
    plan.reads = std::move(extra_reads);
    plan.reads.push_back(file);
    plan.reads.emplace_back(k_config_file);  // holds (kanon freeze) live there
    bool missing = false;
    std::map<std::string, ImageVerdict> verdicts;  // by repository:tag, asked once across retries
    plan.apply = [&](const gitops::Files& tip) -> Result<gitops::Proposal> {
        auto it = tip.find(file);
        if (it == tip.end()) {
            missing = true;
            return Error{"missing"};
        }
        if (auto st = check_not_frozen(tip, m.app, m.stage); !st) {
            return st.take_error();
        }
        auto current = read_release(s.config, file, it->second);
        if (!current) {
            return current.take_error();
        }
        auto target = m.source(tip, *current);
        if (!target) {
            return target.take_error();
        }
        if (m.action == "release") {
            std::string image = (target->repository.empty() ? current->repository : target->repository);
            std::string key = image + ":" + target->tag;
            if (verdicts.find(key) == verdicts.end()) {
                auto v = check_image(s.config, image, target->tag, w.registry);
                if (!v) {
                    return v.take_error();
                }
                verdicts[key] = *v;
            }
            const ImageVerdict& v = verdicts[key];
            target->digest = v.digest;
            rep.registry_note = v.note;
            rep.registry = v.state;
        }
        auto text = write_release(s.config, file, it->second, *target);
        if (!text) {
            return text.take_error();
        }
        rep.previous_tag = current->tag;
        rep.tag = target->tag;
        rep.repository = target->repository.empty() ? current->repository : target->repository;
        canon::ReleaseMessage msg;
        msg.action = m.action;
        msg.app = m.app;
        msg.stage = m.stage;
        msg.tag = rep.tag;
        msg.repository = rep.repository;
        msg.from = m.from;
        msg.source_ref = w.source_ref;
        msg.hotfix = m.action == "release" ? w.hotfix : "";
        msg.unverified = m.action == "promote" ? w.unverified : "";
        rep.digest = target->digest;
        msg.digest = target->digest;
        msg.skip_ci = w.skip_ci;
        return gitops::Proposal{{{file, *text}}, canon::format_message(msg)};
    };
    auto opts = transaction_options(w);
    auto r = gitops::run_transaction(std::move(s.snap), opts, plan);
    if (!r) {
        if (missing) {
            auto again = setup(w);  // the snapshot moved into the transaction
            return again ? unknown_app(*again, m.app, file) : again.take_error();
        }
        return r.take_error();
    }
    record_outcome(rep, *r);
    return rep;
}

Status check_names(const canon::Config& c, const std::string& app, std::initializer_list<std::string> stages)
{
    if (auto st = canon::validate_app_name(app); !st) {
        return st;
    }
    for (const auto& s : stages) {
        if (auto st = canon::validate_stage(c, s); !st) {
            return st;
        }
    }
    return ok_status();
}

Result<WriteReport> move_between(const PromoteOptions& o, const std::string& action, const std::string& from,
                                 const std::string& to)
{
    if (auto st = canon::validate_app_name(o.app); !st) {
        return st.take_error();
    }
    if (!o.tag.empty()) {
        if (auto st = canon::validate_tag(o.tag); !st) {
            return st.take_error();
        }
    }
    if (from == to) {
        return usage_error(fmt::format("cannot {} {} onto itself", action, from));
    }
    if (auto st = validate_source_ref(o.write.source_ref); !st) {
        return st.take_error();
    }
    auto s = setup(o.write);
    if (!s) {
        return s.take_error();
    }
    if (auto st = check_names(s->config, o.app, {from, to}); !st) {
        return st.take_error();
    }
    std::string source_file = s->config.release_file(o.app, from);
    const canon::Config& config = s->config;
    Move m{action, o.app, to, from, [&](const gitops::Files& tip, const Release&) -> Result<Release> {
               auto it = tip.find(source_file);
               if (it == tip.end()) {
                   return Error{fmt::format("{} has no {} release: {} does not exist", o.app, from, source_file)};
               }
               auto src = read_release(config, source_file, it->second);
               if (!src) {
                   return src.take_error();
               }
               if (!o.tag.empty() && src->tag != o.tag) {
                   return Error{fmt::format("{} runs {} in {}, not {}: only what {} runs can be promoted to {}", o.app,
                                            src->tag, from, o.tag, from, to),
                                ExitCode::verify_failed,
                                {},
                                fmt::format("release {} to {} first: kanon release {} --stage {} --tag {}", o.tag, from,
                                            o.app, from, o.tag)};
               }
               return src;
           }};
    return run_move(o.write, *s, m, {source_file});
}

}  // namespace

gitops::TransactionOptions transaction_options(const WriteOptions& w)
{
    gitops::TransactionOptions t;
    t.author = w.author;
    t.max_attempts = w.max_attempts;
    t.deadline = w.deadline;
    t.progress = w.progress;
    return t;
}

void record_outcome(WriteReport& rep, const gitops::TransactionResult& r)
{
    rep.changed = r.changed;
    rep.commit = r.commit;
    rep.base = r.base;
    rep.attempts = r.attempts;
    rep.branch = r.branch;
    rep.repo = r.repo;
}

namespace {

// The stage a stage takes its releases from ("" for the first stage).
std::string upstream_of(const canon::Config& c, const std::string& stage)
{
    auto names = c.stage_names();
    auto it = std::find(names.begin(), names.end(), stage);
    return it == names.end() || it == names.begin() ? std::string() : *(it - 1);
}

// --hotfix REASON: one printable line, as it becomes a trailer.
Status validate_hotfix(const std::string& reason)
{
    if (reason.size() > 200 ||
        std::any_of(reason.begin(), reason.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
        return usage_error(fmt::format("--hotfix '{}' must be one line of at most 200 characters", printable(reason)));
    }
    return ok_status();
}

// A release goes into the first stage; a stage with an upstream takes what
// its upstream runs (promote), and a release of its own is a hotfix that
// says why. Also with --hotfix, a repository other than the upstream's
// is said aloud in the refusal it would otherwise be.
Status check_release_into(const canon::Config& c, const ReleaseOptions& o, const gitops::Files& tip)
{
    std::string upstream = upstream_of(c, o.stage);
    if (upstream.empty() || !o.write.hotfix.empty()) {
        return ok_status();
    }
    std::string other_repository;
    if (!o.repository.empty()) {
        auto it = tip.find(c.release_file(o.app, upstream));
        auto up = it == tip.end() ? Result<Release>(Error{""}) : read_release(c, it->first, it->second);
        if (up && up->repository != o.repository) {
            other_repository =
                fmt::format(" and would run {} where {} runs {}", o.repository, upstream, up->repository);
        }
    }
    return Error{fmt::format("{} takes its releases from {}: a release straight into {}{} goes around the flow",
                             o.stage, upstream, o.stage, other_repository),
                 ExitCode::verify_failed,
                 {},
                 fmt::format("release to {} and promote (kanon promote {} --to {}), or give --hotfix REASON to release "
                             "into {} directly (the reason is recorded in the commit)",
                             upstream, o.app, o.stage, o.stage)};
}

}  // namespace

namespace {

// --latest: the repository the release file names at the tip (or
// --repository), and its newest tag under the policy.
Result<LatestPick> resolve_latest(const ReleaseOptions& o, Setup& s)
{
    std::string repository = o.repository;
    if (repository.empty()) {
        std::string file = s.config.release_file(o.app, o.stage);
        auto files = s.snap.read({file});
        if (!files) {
            return files.take_error();
        }
        auto it = files->find(file);
        if (it == files->end()) {
            return unknown_app(s, o.app, file);
        }
        auto current = read_release(s.config, file, it->second);
        if (!current) {
            return current.take_error();
        }
        repository = current->repository;
    }
    return pick_latest(s.config, repository, o.latest_policy, o.write.registry);
}

}  // namespace

Result<WriteReport> release(const ReleaseOptions& given)
{
    ReleaseOptions o = given;
    if (auto st = canon::validate_app_name(o.app); !st) {
        return st.take_error();
    }
    if (o.latest_policy.empty()) {
        if (auto st = canon::validate_tag(o.tag); !st) {
            return st.take_error();
        }
    }
    if (!o.repository.empty() && !canon::is_image_repository(o.repository)) {
        return usage_error(fmt::format("--repository '{}' is not a valid image repository", printable(o.repository)),
                           "e.g. registry.example.com/web/web-APP: lower-case path components, an optional host");
    }
    if (auto st = validate_source_ref(o.write.source_ref); !st) {
        return st.take_error();
    }
    if (auto st = validate_hotfix(o.write.hotfix); !st) {
        return st.take_error();
    }
    auto s = setup(o.write);
    if (!s) {
        return s.take_error();
    }
    if (auto st = check_names(s->config, o.app, {o.stage}); !st) {
        return st.take_error();
    }
    std::string latest_note;
    if (!o.latest_policy.empty()) {
        auto pick = resolve_latest(o, *s);
        if (!pick) {
            return pick.take_error();
        }
        o.tag = pick->tag;
        latest_note = pick->note;
        if (auto st = canon::validate_tag(o.tag); !st) {
            return st.take_error();
        }
    }
    if (auto st = canon::check_immutable_tag(s->config, o.tag); !st) {
        return st.take_error();
    }
    Release target{o.repository, o.tag, {}};
    const canon::Config& config = s->config;
    std::string upstream = upstream_of(config, o.stage);
    if (upstream.empty() && !o.write.hotfix.empty()) {
        return usage_error(
            fmt::format("--hotfix is for a stage that takes its releases from another; {} takes "
                        "releases directly",
                        o.stage));
    }
    std::vector<std::string> reads;
    if (!upstream.empty()) {
        reads.push_back(config.release_file(o.app, upstream));
    }
    Move m{"release", o.app, o.stage, "", [&](const gitops::Files& tip, const Release&) -> Result<Release> {
               if (auto st = check_release_into(config, o, tip); !st) {
                   return st.take_error();
               }
               return target;
           }};
    auto rep = run_move(o.write, *s, m, reads);
    if (rep) {
        rep->latest_note = latest_note;
    }
    return rep;
}

Result<WriteReport> promote(const PromoteOptions& o)
{
    return move_between(o, "promote", o.from, o.to);
}

Result<WriteReport> reset(const PromoteOptions& o)
{
    return move_between(o, "reset", o.to, o.from);
}

Result<WriteReport> rollback(const RollbackOptions& o)
{
    if (auto st = canon::validate_app_name(o.app); !st) {
        return st.take_error();
    }
    if (o.to_tag.empty() == (o.steps <= 0)) {
        return usage_error("rollback needs exactly one of --to TAG and --steps N");
    }
    if (auto st = validate_source_ref(o.write.source_ref); !st) {
        return st.take_error();
    }
    if (!o.to_tag.empty()) {
        if (auto st = canon::validate_tag(o.to_tag); !st) {
            return st.take_error();
        }
    }
    auto s = setup(o.write);
    if (!s) {
        return s.take_error();
    }
    if (auto st = check_names(s->config, o.app, {o.stage}); !st) {
        return st.take_error();
    }
    HistoryOptions h;
    h.target = o.write.target;
    h.target.branch = s->snap.branch();
    h.app = o.app;
    h.stage = o.stage;
    auto past = history(h);
    if (!past) {
        return past.take_error();
    }
    Move m{"rollback", o.app, o.stage, "", [&](const gitops::Files&, const Release& current) -> Result<Release> {
               auto pick = pick_rollback(past->entries, current.tag, o.to_tag, o.steps);
               if (!pick) {
                   return pick.take_error();
               }
               return Release{pick->repository, pick->tag, pick->digest};
           }};
    return run_move(o.write, *s, m, {});
}

}  // namespace kanon::ops
