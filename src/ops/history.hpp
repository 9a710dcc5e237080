// `kanon history`: an app's releases, newest first, from its release files'
// own git history: kanon's commits by their trailers (Kanon-App, Kanon-Stage,
// Kanon-Tag, ...), any other commit that changed a release file by the tag
// the file held after it (marked: not by kanon), so that what ran before
// kanon is there too. It fetches commits and trees, no blobs
// (`--filter=blob:none`), then in one batch the blobs of the commits made
// without kanon. A lookup by tag across apps (verify-build) reads kanon's
// trailers only and fetches commits only (`--filter=tree:0`).
#pragma once

#include <string>
#include <vector>

#include "gitops/snapshot.hpp"

namespace kanon::ops {

struct HistoryEntry {
    std::string commit;
    std::string time;  // committer date, ISO 8601
    std::string author;
    std::string action;  // release, promote, reset, rollback
    std::string stage;
    std::string tag;
    std::string repository;
    std::string from;
    std::string source_ref;
    std::string hotfix;      // Kanon-Hotfix: why a stage with an upstream got its own release
    std::string unverified;  // Kanon-Unverified: what was promoted without verification upstream
    std::string digest;      // Kanon-Digest: the registry's digest of the tag when it was released
    bool by_kanon = true;    // false: a commit made without kanon (action "edit")
    std::string app;         // Kanon-App (last: the fields above are often listed in order)
};

struct HistoryOptions {
    gitops::Target target;
    std::string app;    // empty: every app (only with `tag`)
    std::string stage;  // empty: every stage
    std::string tag;    // non-empty: only releases of this tag
    int limit = 0;      // 0: all
};

struct HistoryReport {
    std::string repo;
    std::string branch;
    std::vector<HistoryEntry> entries;  // newest first
};

Result<HistoryReport> history(const HistoryOptions& o);

// The release a rollback goes to: `to_tag` if the stage ran it before, else
// the `steps`-th earlier distinct tag. Refusals are exit 4.
Result<HistoryEntry> pick_rollback(const std::vector<HistoryEntry>& entries, const std::string& current_tag,
                                   const std::string& to_tag, int steps);

// Parses `git log --format=%H%x1f%an <%ae>%x1f%cI%x1f%B%x1e` output: kanon's
// commits for `app` (every app when empty) in `stage` (every stage when
// empty) of `tag` (every tag when empty).
std::vector<HistoryEntry> parse_log(const std::string& log, const std::string& app, const std::string& stage,
                                    const std::string& tag = {});

}  // namespace kanon::ops
