// `git log --format=%x1d%H%x1f%an <%ae>%x1f%cI%x1f%B%x1e --raw --no-abbrev
// --no-renames`, read: each commit's fields, message and the files it
// changed with the blob each was left at (history, status).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace kanon::gitops {

// The format string that parse_raw_log() reads (with --raw --no-abbrev).
inline constexpr const char* k_raw_log_format = "--format=%x1d%H%x1f%an <%ae>%x1f%cI%x1f%B%x1e";

struct Change {
    std::string path;
    std::string blob;  // the file after the commit; "" when it was deleted
};

struct LoggedCommit {
    std::string commit;
    std::string author;
    std::string time;
    std::string message;
    std::vector<Change> changes;
};

// `:100644 100644 OLD NEW M\tPATH`; nothing for another kind of line.
std::optional<Change> parse_raw_line(const std::string& line);
std::vector<LoggedCommit> parse_raw_log(const std::string& log);

}  // namespace kanon::gitops
