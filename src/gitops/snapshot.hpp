// The tip of one branch of web-core, fetched as cheaply as git allows: one
// `git clone --bare --depth=1 --single-branch --filter=blob:none` into a
// temporary directory (a plain depth-1 clone where the server does not allow
// filters), then only the blobs that are asked for, in one batched fetch, read
// with one `cat-file --batch`. Its cost does not grow with the history, and
// barely with the number of apps.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gitops/git.hpp"
#include "util/error.hpp"

namespace kanon::gitops {

struct Target {
    std::string repo;       // as given (URL or path), empty: origin of the checkout in the current directory
    std::string branch;     // empty: the remote's default branch
    std::string cache_dir;  // keep the clone here between runs (locked while in use); empty: a temporary one
};

// The most of one file kanon reads (the YAML reader's limit, 16 MiB). A
// larger blob is never read into memory: in its place read() gives one byte
// more than the limit, which every reader refuses as too large.
inline constexpr std::size_t k_max_file_bytes = std::size_t{16} * 1024U * 1024U;

struct TreeEntry {
    std::string path;
    std::string oid;
};

class Snapshot {
public:
    static Result<Snapshot> fetch(const Target& target);

    Snapshot(Snapshot&& other) noexcept;
    Snapshot& operator=(Snapshot&& other) noexcept;
    Snapshot(const Snapshot&) = delete;
    Snapshot& operator=(const Snapshot&) = delete;
    ~Snapshot();

    [[nodiscard]] const std::string& url() const { return m_url; }  // as git uses it (may hold userinfo)
    [[nodiscard]] const std::string& branch() const { return m_branch; }
    [[nodiscard]] const std::string& commit() const { return m_commit; }
    [[nodiscard]] const std::string& dir() const { return m_dir; }  // the bare repository

    // A git call in this snapshot's repository. A password in the URL
    // reaches git through the environment (url.<URL>.insteadOf), so the
    // repository's config holds the URL without it.
    [[nodiscard]] GitCall call(std::vector<std::string> args, std::string input = {}) const;

    // `git fetch` of one commit as this snapshot was cloned: depth 1, no
    // tags, blobless when the clone is; the caller appends the remote and ref.
    [[nodiscard]] std::vector<std::string> fetch_args() const;
    // Fetches the branch's current tip into the same repository (depth 1,
    // incremental) and makes it this snapshot's commit.
    Status refresh();
    // Fetches up to `commits` more of the branch's history below the shallow
    // tip (commits and trees; the tip stays this snapshot's commit), so that
    // `merge-base --is-ancestor` can see a commit others pushed on top of.
    Status deepen(int commits);

    // Files (blobs) under the given directories at the tip.
    Result<std::vector<TreeEntry>> list(const std::vector<std::string>& dirs) const;
    // The given files (blobs) at the tip, with their ids: one ls-tree, no
    // blob fetched. A file absent at the tip is not listed.
    Result<std::vector<TreeEntry>> find(const std::vector<std::string>& paths) const;
    // Contents of the given files; a file absent at the tip is absent from the map.
    Result<std::map<std::string, std::string>> read(const std::vector<std::string>& paths) const;
    // Contents of files already listed (by list()), keyed by path: no second listing.
    Result<std::map<std::string, std::string>> read_entries(const std::vector<TreeEntry>& entries) const;

private:
    Snapshot() = default;
    static Result<bool> open_cache(Snapshot& s, const std::string& cache_dir);
    static Status clone_tip(Snapshot& s);                    // a bare, blobless, depth-1 clone of the branch
    static Status read_tip(Snapshot& s, bool branch_given);  // its branch and tip commit
    [[nodiscard]] std::map<std::string, std::string> url_config() const;
    void compact() const;
    Status prefetch(const std::vector<std::string>& oids) const;
    // The blobs among `oids` larger than k_max_file_bytes (one local cat-file).
    Result<std::set<std::string>> oversized_blobs(const std::vector<std::string>& oids) const;
    void remove();

    std::string m_dir;  // the bare repository (temporary unless m_keep)
    bool m_keep = false;
    int m_lock_fd = -1;  // the cache directory's lock
    std::string m_url;
    std::string m_branch;
    std::string m_commit;
    bool m_partial = false;
};

// The origin URL of the git checkout in the current directory (a relative
// path made absolute the way git reads it: from the top of the checkout).
Result<std::string> default_remote();

}  // namespace kanon::gitops
