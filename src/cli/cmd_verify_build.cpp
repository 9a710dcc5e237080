// kanon verify-build --ref SHA --tag T [--app APP] [--repo URL] [--dotenv FILE]
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/write.hpp"
#include "ops/build_contract.hpp"
#include "util/files.hpp"

namespace kanon::cli {
namespace {

struct VerifyBuildCli {
    ops::VerifyBuildOptions opts;
    std::string dotenv;
};

nlohmann::ordered_json entry_json(const ops::HistoryEntry& e)
{
    return {
        {"commit", e.commit}, {"app", e.app},
        {"stage", e.stage},   {"action", e.action},
        {"time", e.time},     {"source_ref", e.source_ref.empty() ? nullptr : nlohmann::ordered_json(e.source_ref)}};
}

nlohmann::ordered_json verify_build_json(const ops::VerifyBuildReport& r)
{
    nlohmann::ordered_json j;
    j["ok"] = true;
    j["ref"] = r.ref.sha;
    j["tag"] = r.tag;
    j["app"] = r.app.empty() ? nullptr : nlohmann::ordered_json(r.app);
    j["repo"] = r.ref.repo;
    j["branch"] = r.ref.branch;
    j["how"] = r.ref.how;
    j["releases"] = nlohmann::ordered_json::array();
    for (const auto* list : {&r.same_ref, &r.unknown_ref}) {
        for (const auto& e : *list) {
            j["releases"].push_back(entry_json(e));
        }
    }
    return j;
}

std::string verify_build_text(const ops::VerifyBuildReport& r)
{
    std::string s = fmt::format("ok: {} is a commit of web-core ({}, {})\n", r.ref.sha, r.ref.how, r.ref.repo);
    if (r.same_ref.empty() && r.unknown_ref.empty()) {
        s += fmt::format("ok: tag {} has never been released{}\n", r.tag,
                         r.app.empty() ? "" : fmt::format(" for {}", r.app));
    } else if (!r.same_ref.empty()) {
        s += fmt::format("ok: tag {} was released before from this same commit ({} time{})\n", r.tag, r.same_ref.size(),
                         r.same_ref.size() == 1 ? "" : "s");
    }
    if (!r.unknown_ref.empty()) {
        s += fmt::format(
            "note: {} earlier release{} of tag {} recorded no source ref (made without --ref or "
            "--source-ref), so {} cannot be compared\n",
            r.unknown_ref.size(), r.unknown_ref.size() == 1 ? "" : "s", r.tag,
            r.unknown_ref.size() == 1 ? "it" : "they");
    }
    return s;
}

// KANON_REF, KANON_TAG (and KANON_APP): every value is a SHA, an OCI tag or
// an app name, none of which needs quoting in GitLab's dotenv.
std::string verify_build_dotenv(const ops::VerifyBuildReport& r)
{
    std::string s = fmt::format("KANON_REF={}\nKANON_TAG={}\n", r.ref.sha, r.tag);
    if (!r.app.empty()) {
        s += fmt::format("KANON_APP={}\n", r.app);
    }
    return s;
}

}  // namespace

void define_verify_build(CLI::App& sub, Runner& run)
{
    auto cli = std::make_shared<VerifyBuildCli>();
    sub.add_option("--ref", cli->opts.ref,
                   "WEB_CORE_REF: the web-core commit the image is built from, a full 40-hex SHA")
        ->required();
    sub.add_option("--tag", cli->opts.tag, "the image tag the build will push (OCI grammar, immutable)")->required();
    sub.add_option("--app", cli->opts.app, "only this app's releases of the tag count (default: every app's)");
    sub.add_option("--dotenv", cli->dotenv,
                   "also write KANON_REF, KANON_TAG (and KANON_APP) to FILE (a GitLab "
                   "dotenv report) when the contract holds");
    add_target_flags(sub, cli->opts.target);
    sub.footer(
        "The build contract (docs/canon.md, the release flow, step 1), checked before an image is built: --ref is a "
        "full 40-hex SHA "
        "(a short one may match several commits later, or none, and the build could not be reproduced: exit "
        "2) of a commit that exists in web-core (exit 1 when it does not); --tag is a valid OCI tag (exit 2); "
        "and the tag is immutable: when kanon's history (the Kanon-Source-Ref trailer of its release commits) "
        "already records the tag as built from another commit, exit 4; a tag kanon.yaml's mutable_tags lists "
        "(latest by default) is exit 2.");
    sub.callback([&run, cli] {
        run = [cli](const Context& ctx) -> Result<ExitCode> {
            ops::VerifyBuildOptions opts = cli->opts;
            opts.config_path = ctx.global.config;
            auto r = ops::verify_build(opts);
            if (!r) {
                return r.take_error();
            }
            if (!cli->dotenv.empty()) {
                if (auto st = write_file_atomic(cli->dotenv, verify_build_dotenv(*r)); !st) {
                    return st.take_error();
                }
            }
            if (ctx.json()) {
                ctx.out << verify_build_json(*r).dump(2) << '\n';
            } else {
                ctx.out << verify_build_text(*r);
            }
            return ExitCode::ok;
        };
    });
}

}  // namespace kanon::cli
