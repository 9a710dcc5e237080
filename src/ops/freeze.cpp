#include "ops/freeze.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "canon/config.hpp"
#include "util/text.hpp"
#include "yaml/document.hpp"
#include "yaml/edit.hpp"

namespace kanon::ops {
namespace {

std::string now_utc()
{
    std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%MZ", &tm);
    return {buf, n};  // strftime returns 0, and leaves buf undefined, when it does not fit
}

yaml::Path freeze_path(const std::string& app, const std::string& stage)
{
    yaml::Path p;
    p.segments = {{yaml::Segment::Type::key, "freeze", 0},
                  {yaml::Segment::Type::key, canon::freeze_key(app, stage), 0}};
    p.text = yaml::format_path(p.segments);
    return p;
}

Result<WriteReport> hold(const FreezeOptions& o, bool on)
{
    if (auto st = canon::validate_app_name(o.app); !st) {
        return st.take_error();
    }
    if (on && std::any_of(o.reason.begin(), o.reason.end(),
                          [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        return usage_error(fmt::format("--reason '{}' must be one line of printable text", printable(o.reason)));
    }
    if (on && o.reason.empty()) {
        return usage_error("a freeze needs --reason: the next person to see it must know why");
    }
    auto snap = gitops::Snapshot::fetch(o.write.target);
    if (!snap) {
        return snap.take_error();
    }
    WriteReport rep;
    rep.action = on ? "freeze" : "unfreeze";
    rep.app = o.app;
    rep.stage = o.stage;
    gitops::Identity who = o.write.author ? *o.write.author : gitops::default_identity();
    std::string reason = fmt::format("{} ({}, {})", o.reason, who.name, now_utc());
    gitops::Plan plan;
    plan.reads = {k_config_file};
    plan.apply = [&](const gitops::Files& tip) -> Result<gitops::Proposal> {
        auto it = tip.find(k_config_file);
        std::string text = it == tip.end() ? std::string() : it->second;
        auto config = canon::parse_config(text, k_config_file);
        if (!config) {
            return config.take_error();
        }
        if (auto st = canon::validate_stage(*config, o.stage); !st) {
            return st.take_error();
        }
        const std::string* current = config->freeze_reason(o.app, o.stage);
        rep.previous_tag.clear();
        if (on == (current != nullptr)) {
            return gitops::Proposal{{}, {}};  // already so: no commit
        }
        auto stream = yaml::Stream::parse(text, k_config_file);
        if (!stream) {
            return stream.take_error();
        }
        auto path = freeze_path(o.app, o.stage);
        auto edited = on ? yaml::set_scalar(*stream, path, reason) : yaml::delete_key(*stream, path);
        if (!edited) {
            return edited.take_error();
        }
        std::string subject = on ? fmt::format("freeze({}): {} [skip ci]", o.stage, o.app)
                                 : fmt::format("unfreeze({}): {} [skip ci]", o.stage, o.app);
        if (!o.write.skip_ci) {
            subject = subject.substr(0, subject.size() - 10);
        }
        std::string body = on ? fmt::format("\n\n{}\n", o.reason) : fmt::format("\n\nWas: {}\n", *current);
        std::string trailers =
            fmt::format("\nKanon-Action: {}\nKanon-App: {}\nKanon-Stage: {}\n", rep.action, o.app, o.stage);
        return gitops::Proposal{{{k_config_file, edited->text}}, subject + body + trailers};
    };
    auto r = gitops::run_transaction(std::move(*snap), transaction_options(o.write), plan);
    if (!r) {
        return r.take_error();
    }
    record_outcome(rep, *r);
    return rep;
}

}  // namespace

Result<WriteReport> freeze(const FreezeOptions& o)
{
    return hold(o, true);
}
Result<WriteReport> unfreeze(const FreezeOptions& o)
{
    return hold(o, false);
}

Status check_not_frozen(const gitops::Files& tip, const std::string& app, const std::string& stage)
{
    auto it = tip.find(k_config_file);
    if (it == tip.end()) {
        return ok_status();
    }
    auto config = canon::parse_config(it->second, k_config_file);
    if (!config) {
        return config.take_error();
    }
    if (const std::string* why = config->freeze_reason(app, stage)) {
        return Error{fmt::format("{} {} is frozen: {}", app, stage, *why),
                     ExitCode::verify_failed,
                     {},
                     fmt::format("lift the hold first: kanon unfreeze {} --stage {}", app, stage)};
    }
    return ok_status();
}

}  // namespace kanon::ops
