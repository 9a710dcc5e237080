// `kanon history`: a stage's promotions, newest first, from the trailers of
// kanon's own commits (Kanon-App, Kanon-Stage, Kanon-Tag, ...). It fetches
// commits only (`--filter=tree:0`), no trees and no blobs, so it stays cheap
// on long histories. Commits made without kanon carry no trailers and are not
// listed; the tip's release file is still the truth of what runs now.
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
    std::string app;  // Kanon-App (last: the fields above are often listed in order)
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
