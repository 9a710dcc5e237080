#include "cli/render.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include <fmt/format.h>

#include "canon/names.hpp"
#include "util/text.hpp"

namespace kanon::cli {

namespace {

// status --registry: the cell's mark and the note that says what it means.
void registry_note(const std::string& app, const ops::StageRelease& s, std::string& cell,
                   std::vector<std::string>& notes)
{
    using State = ops::StageRelease::Registry;
    switch (s.registry) {
        case State::unasked:
        case State::same:
            break;
        case State::present:
            if (s.digest.empty()) {
                break;  // nothing recorded to compare with: said once, below the table
            }
            cell += " (?)";
            notes.push_back(fmt::format("{} {}: the registry gave no digest for {}", app, s.stage, s.tag));
            break;
        case State::overwritten:
            cell += " (overwritten)";
            notes.push_back(
                fmt::format("{} {}: {}:{} is now {} in the registry, released as {}: the tag was "
                            "overwritten, and the next pod start runs another image",
                            app, s.stage, s.repository, s.tag, s.registry_digest, s.digest));
            break;
        case State::missing:
            cell += " (missing)";
            notes.push_back(fmt::format("{} {}: {}:{} is no longer in the registry: a new pod cannot start", app,
                                        s.stage, s.repository, s.tag));
            break;
        case State::unreadable:
            cell += " (?)";
            notes.push_back(fmt::format("{} {}: the registry could not be asked: {}", app, s.stage,
                                        terminal_safe(s.registry_error)));
            break;
    }
}

const char* registry_word(ops::StageRelease::Registry r)
{
    using State = ops::StageRelease::Registry;
    switch (r) {
        case State::unasked:
            return "unasked";
        case State::same:
            return "same";
        case State::present:
            return "present";
        case State::overwritten:
            return "overwritten";
        case State::missing:
            return "missing";
        case State::unreadable:
            return "unreadable";
    }
    return "unasked";
}

}  // namespace

std::string render_status_text(const ops::StatusReport& r, const Paint& paint)
{
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> head = {"APP"};
    for (const auto& s : r.stage_names) {
        head.push_back(upper(s));
    }
    head.emplace_back("PENDING");
    rows.push_back(head);
    std::vector<std::string> notes;
    for (const auto& a : r.apps) {
        std::vector<std::string> row = {a.app};
        for (const auto& s : a.stages) {
            if (!s.problem.empty()) {
                row.emplace_back("?");
                notes.push_back(fmt::format("{} {}: {}", a.app, s.stage, s.problem));
            } else {
                std::string cell = s.hotfix.empty() ? s.tag : s.tag + " (hotfix)";
                if (!s.hotfix.empty()) {
                    notes.push_back(fmt::format("{} {} runs a hotfix: {}", a.app, s.stage, terminal_safe(s.hotfix)));
                }
                registry_note(a.app, s, cell, notes);
                row.push_back(cell);
            }
        }
        row.emplace_back(a.pending ? "yes" : "no");
        rows.push_back(std::move(row));
    }
    std::size_t uncompared = 0;
    for (const auto& a : r.apps) {
        for (const auto& st : a.stages) {
            uncompared += st.registry == ops::StageRelease::Registry::present && st.digest.empty() ? 1 : 0;
        }
    }
    if (uncompared > 0) {
        // There, not the same: without a recorded digest an overwritten tag cannot be told.
        notes.push_back(
            fmt::format("{} in the registry, but with no digest recorded to compare "
                        "(kanon.yaml release_keys.digest): whether they were overwritten is not known",
                        counted(uncompared, "tag is", "tags are")));
    }
    std::string out = render_table(rows, paint);
    for (const auto& n : notes) {
        out += paint.yellow("note: ") + n + "\n";
    }
    return out;
}

nlohmann::ordered_json status_json(const ops::StatusReport& r)
{
    nlohmann::ordered_json j;
    j["repo"] = r.repo;
    j["branch"] = r.branch;
    j["commit"] = r.commit;
    j["apps"] = nlohmann::ordered_json::array();
    for (const auto& a : r.apps) {
        nlohmann::ordered_json app;
        app["app"] = a.app;
        app["stages"] = nlohmann::ordered_json::object();
        for (const auto& s : a.stages) {
            nlohmann::ordered_json st;
            st["repository"] = s.present && s.problem.empty() ? nlohmann::ordered_json(s.repository) : nullptr;
            st["tag"] = s.present && s.problem.empty() ? nlohmann::ordered_json(s.tag) : nullptr;
            st["file"] = s.file;
            if (!s.problem.empty()) {
                st["problem"] = s.problem;
            }
            st["hotfix"] = s.hotfix;
            if (!s.digest.empty()) {
                st["digest"] = s.digest;
            }
            if (s.registry != ops::StageRelease::Registry::unasked) {
                st["registry"] = {{"state", registry_word(s.registry)}, {"digest", s.registry_digest}};
                if (!s.registry_error.empty()) {
                    st["registry"]["error"] = s.registry_error;
                }
            }
            app["stages"][s.stage] = st;
        }
        app["pending"] = a.pending;
        j["apps"].push_back(app);
    }
    return j;
}

std::string leaf_text(const yaml::Value& v)
{
    if (v.type == yaml::Value::Type::mapping) {
        return "{}";
    }
    if (v.type == yaml::Value::Type::sequence) {
        return "[]";
    }
    return v.to_json().dump();
}

std::string render_explain_text(const ops::ExplainReport& r, const Paint& paint)
{
    std::string out = fmt::format("{} {}: ", r.app, r.stage);
    std::vector<std::string> files;
    for (const auto& s : r.sources) {
        files.push_back(s.present ? s.file : s.file + " (missing)");
    }
    out += fmt::format("{}\n", fmt::join(files, " <- "));
    if (!r.from_application) {
        out += paint.dim(fmt::format("(valueFiles in the canon's order: {} has none)\n", r.application_file));
    }
    std::vector<std::vector<std::string>> rows = {{"KEY", "VALUE", "FROM"}};
    for (const auto& l : r.leaves) {
        std::string from =
            l.value.origin.file.empty() ? "" : fmt::format("{}:{}", l.value.origin.file, l.value.origin.line);
        if (!l.value.shadowed.empty()) {
            const auto& s = l.value.shadowed.front();
            from += fmt::format(" (overrides {}:{})", s.file, s.line);
        }
        rows.push_back({l.path, leaf_text(l.value), from});
    }
    out += render_table(rows, paint);
    for (const auto& w : r.warnings) {
        out += paint.yellow("warning: ") + w + "\n";
    }
    return out;
}

nlohmann::ordered_json explain_json(const ops::ExplainReport& r)
{
    nlohmann::ordered_json j;
    j["app"] = r.app;
    j["stage"] = r.stage;
    j["sources"] = nlohmann::ordered_json::array();
    for (const auto& s : r.sources) {
        j["sources"].push_back({{"file", s.file}, {"role", s.role}, {"present", s.present}});
    }
    j["values"] = nlohmann::ordered_json::array();
    for (const auto& l : r.leaves) {
        nlohmann::ordered_json v;
        v["key"] = l.path;
        v["value"] = l.value.to_json();
        v["file"] = l.value.origin.file;
        v["line"] = l.value.origin.line;
        auto over = nlohmann::ordered_json::array();
        for (const auto& s : l.value.shadowed) {
            over.push_back({{"file", s.file}, {"line", s.line}});
        }
        v["overrides"] = over;
        j["values"].push_back(v);
    }
    j["warnings"] = r.warnings;
    return j;
}

std::string render_write_text(const ops::WriteReport& r, const Paint& paint)
{
    if (r.action == "freeze" || r.action == "unfreeze") {
        if (!r.changed) {
            return fmt::format("{} {} is {}\n", r.app, r.stage, r.action == "freeze" ? "already frozen" : "not frozen");
        }
        return fmt::format("{}({}): {}\n{} {} on {}\n", r.action, r.stage, r.app, paint.green("committed"), r.commit,
                           r.branch);
    }
    std::string what = fmt::format("{}({}): {} {}", r.action, r.stage, r.app, r.tag);
    if (!r.from.empty()) {
        what += " from " + r.from;
    }
    if (!r.changed) {
        std::string latest = r.latest_note.empty() ? "" : "latest: " + r.latest_note + "\n";
        return fmt::format("{}{}: {} already runs {}; nothing to change\n", latest, what, r.stage, r.tag);
    }
    std::string was = r.previous_tag.empty() ? "" : fmt::format(" (was {})", r.previous_tag);
    std::string tries = r.attempts > 1 ? fmt::format(", after {} attempts", r.attempts) : "";
    using State = ops::ImageVerdict::State;
    std::string registry = r.registry == State::off     ? ""
                           : r.registry == State::found ? r.registry_note + "\n"
                                                        : paint.yellow(r.registry_note) + "\n";
    if (!r.latest_note.empty()) {
        registry = "latest: " + r.latest_note + "\n" + registry;
    }
    return fmt::format("{}{}\n{}{} {} on {}{}\n", what, was, registry, paint.green("committed"), r.commit, r.branch,
                       tries);
}

nlohmann::ordered_json write_json(const ops::WriteReport& r)
{
    nlohmann::ordered_json j;
    j["app"] = r.app;
    j["stage"] = r.stage;
    j["tag"] = r.tag;
    j["repository"] = r.repository;
    j["changed"] = r.changed;
    j["commit"] = r.changed ? nlohmann::ordered_json(r.commit) : nlohmann::ordered_json(nullptr);
    j["attempts"] = r.attempts;
    j["action"] = r.action;
    j["previous_tag"] = r.previous_tag;
    if (!r.from.empty()) {
        j["from"] = r.from;
    }
    j["base"] = r.base;
    j["branch"] = r.branch;
    j["repo"] = r.repo;
    if (!r.digest.empty()) {
        j["digest"] = r.digest;
    }
    if (r.registry != ops::ImageVerdict::State::off) {
        j["registry"] = {{"checked", r.registry == ops::ImageVerdict::State::found}, {"note", r.registry_note}};
    }
    if (!r.latest_note.empty()) {
        j["latest"] = r.latest_note;
    }
    return j;
}

namespace {

// What a history row should say beyond its columns: a release made around
// the flow, a promotion nobody verified, an edit made without kanon.
std::string history_note(const ops::HistoryEntry& e)
{
    std::vector<std::string> notes;
    if (!e.by_kanon) {
        notes.emplace_back("not by kanon");
    }
    if (!e.hotfix.empty()) {
        notes.push_back("hotfix: " + e.hotfix);
    }
    if (!e.unverified.empty()) {
        notes.push_back("unverified: " + e.unverified);
    }
    if (!e.digest.empty()) {
        // sha256: and 12 hex digits, as docker shows image IDs.
        notes.push_back("digest " + e.digest.substr(0, std::min<std::size_t>(e.digest.size(), 19)));
    }
    std::string s;
    for (const auto& n : notes) {
        s += (s.empty() ? "" : "; ") + n;
    }
    return s;
}

}  // namespace

std::string render_history_text(const ops::HistoryReport& r, const Paint& paint)
{
    if (r.entries.empty()) {
        return "no releases in the history of " + r.branch + "\n";
    }
    bool noted = std::any_of(r.entries.begin(), r.entries.end(),
                             [](const ops::HistoryEntry& e) { return !history_note(e).empty(); });
    std::vector<std::vector<std::string>> rows = {{"WHEN", "STAGE", "ACTION", "TAG", "FROM", "BY", "COMMIT"}};
    if (noted) {
        rows[0].emplace_back("NOTE");
    }
    for (const auto& e : r.entries) {
        rows.push_back({e.time, e.stage, e.action, e.tag.empty() ? "-" : e.tag, e.from.empty() ? "-" : e.from, e.author,
                        canon::short_sha(e.commit)});
        if (noted) {
            std::string note = history_note(e);
            rows.back().push_back(note.empty() ? "-" : terminal_safe(note));
        }
    }
    return render_table(rows, paint);
}

nlohmann::ordered_json history_json(const ops::HistoryReport& r)
{
    nlohmann::ordered_json j;
    j["repo"] = r.repo;
    j["branch"] = r.branch;
    j["entries"] = nlohmann::ordered_json::array();
    for (const auto& e : r.entries) {
        j["entries"].push_back({{"commit", e.commit},
                                {"time", e.time},
                                {"author", e.author},
                                {"action", e.action},
                                {"stage", e.stage},
                                {"tag", e.tag},
                                {"repository", e.repository},
                                {"from", e.from},
                                {"source_ref", e.source_ref},
                                {"by_kanon", e.by_kanon},
                                {"hotfix", e.hotfix},
                                {"unverified", e.unverified},
                                {"digest", e.digest}});
    }
    return j;
}

}  // namespace kanon::cli
