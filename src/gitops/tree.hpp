// The root tree of a commit that changes a few files of a big tree, built
// without an index. A temporary index of the whole tip (12,000 paths on the
// reference web-core) costs three passes over ~1 MB (read-tree, update-index,
// write-tree); here only the trees on the changed paths are touched: all of
// them read in one `cat-file --batch`, edited in memory, and written from the
// deepest up with one `mktree --missing` each (4 for a release file). Every
// other tree and blob is referenced by id and never read, so a blobless clone
// needs none of the blobs it lacks.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace kanon::gitops {

struct TreeItem {
    std::string mode;  // as in the raw tree: "100644", "100755", "120000", "40000", "160000"
    std::string name;
    std::string oid;  // hex
};

// The entries of a raw tree object (what `cat-file --batch` prints for a
// tree), object ids in hex. oid_bytes: 20 for SHA-1, 32 for SHA-256.
Result<std::vector<TreeItem>> parse_tree(std::string_view raw, std::size_t oid_bytes);

// The `mktree -z` input for entries.
std::string mktree_input(const std::vector<TreeItem>& items);

struct EditedTree {
    std::string tree;  // the new root tree
    std::string base;  // the root tree of `commit`, to tell an edit that changes nothing
};

// The root tree of `commit` in `git_dir` with each path of `blobs` (path ->
// blob id, already written) set to that blob: an existing regular file keeps
// its mode, a new one is 100644, missing directories are created. A path that
// is something else at the commit (a directory, a symlink, a submodule) is an
// Error.
Result<EditedTree> edit_tree(const std::string& git_dir, const std::string& commit,
                             const std::map<std::string, std::string>& blobs);

}  // namespace kanon::gitops
