#include "gitops/tree.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "canon/names.hpp"
#include "gitops/cat_file.hpp"
#include "gitops/git.hpp"

namespace kanon::gitops {
namespace {

constexpr std::string_view k_dir_mode = "40000";

std::string parent_of(const std::string& path)
{
    auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string base_name(const std::string& path)
{
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A path a tree can hold: no empty, "." or ".." component, nothing cat-file's
// line-based input would misread.
bool is_tree_path(const std::string& path)
{
    if (path.empty() || path.find_first_of(std::string_view("\n\0", 2)) != std::string::npos) {
        return false;
    }
    for (std::size_t pos = 0;;) {
        auto slash = path.find('/', pos);
        std::string part = path.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
        if (part.empty() || part == "." || part == "..") {
            return false;
        }
        if (slash == std::string::npos) {
            return true;
        }
        pos = slash + 1;
    }
}

std::string object_type(const std::string& mode)
{
    if (mode == k_dir_mode) {
        return "tree";
    }
    return mode == "160000" ? "commit" : "blob";
}

struct Listed {
    bool exists = false;
    std::vector<TreeItem> items;
};

// The trees at `dirs` ("" is the root) of `commit`, in one cat-file; a
// directory the commit does not have is listed as absent.
Result<std::map<std::string, Listed>> read_trees(const std::string& git_dir, const std::string& commit,
                                                 const std::set<std::string>& dirs, std::string& root)
{
    std::string input;
    for (const auto& d : dirs) {
        input += commit;
        input += d.empty() ? "^{tree}\n" : fmt::format(":{}\n", d);
    }
    GitCall c;
    c.git_dir = git_dir;
    c.args = {"cat-file", "--batch", "--buffer"};
    c.input = std::move(input);
    auto out = git(c);
    if (!out) {
        return out.take_error();
    }
    std::map<std::string, Listed> trees;
    auto objects = parse_cat_file_batch(*out, dirs.size());
    if (!objects) {
        return objects.take_error();
    }
    auto object = objects->begin();
    for (const auto& d : dirs) {
        const BatchObject& o = *object++;
        if (!o.found) {
            if (d.empty()) {
                return Error{fmt::format("git cat-file: the tree of {} is missing", commit)};
            }
            trees[d] = Listed{};
            continue;
        }
        std::string_view body = o.content;
        if (o.type != "tree") {
            return Error{fmt::format("{} is not a directory at {}", d, canon::short_sha(commit))};
        }
        auto items = parse_tree(body, o.oid.size() / 2);
        if (!items) {
            return items.take_error();
        }
        if (d.empty()) {
            root = std::string(o.oid);
        }
        trees[d] = Listed{true, std::move(*items)};
    }
    return trees;
}

TreeItem* find_item(std::vector<TreeItem>& items, const std::string& name)
{
    auto it = std::find_if(items.begin(), items.end(), [&](const TreeItem& i) { return i.name == name; });
    return it == items.end() ? nullptr : &*it;
}

}  // namespace

Result<std::vector<TreeItem>> parse_tree(std::string_view raw, std::size_t oid_bytes)
{
    static constexpr char k_hex[] = "0123456789abcdef";
    std::vector<TreeItem> items;
    while (!raw.empty()) {
        // "<mode> <name>\0<oid bytes>"
        auto sp = raw.find(' ');
        auto nul = raw.find('\0');
        if (sp == std::string_view::npos || nul == std::string_view::npos || sp > nul ||
            raw.size() < nul + 1 + oid_bytes) {
            return Error{"git: a tree object is malformed"};
        }
        TreeItem item{std::string(raw.substr(0, sp)), std::string(raw.substr(sp + 1, nul - sp - 1)), {}};
        item.oid.reserve(oid_bytes * 2);
        for (char byte : raw.substr(nul + 1, oid_bytes)) {
            auto b = static_cast<unsigned char>(byte);
            item.oid += k_hex[b >> 4];
            item.oid += k_hex[b & 0xf];
        }
        items.push_back(std::move(item));
        raw.remove_prefix(nul + 1 + oid_bytes);
    }
    return items;
}

std::string mktree_input(const std::vector<TreeItem>& items)
{
    std::string out;
    for (const auto& i : items) {
        out += fmt::format("{} {} {}\t{}", i.mode, object_type(i.mode), i.oid, i.name);
        out += '\0';
    }
    return out;
}

Result<EditedTree> edit_tree(const std::string& git_dir, const std::string& commit,
                             const std::map<std::string, std::string>& blobs)
{
    std::set<std::string> dirs{""};
    for (const auto& [path, _] : blobs) {
        if (!is_tree_path(path)) {
            return Error{fmt::format("cannot write '{}': not a path a git tree can hold", path)};
        }
        for (auto d = parent_of(path); !d.empty(); d = parent_of(d)) {
            dirs.insert(d);
        }
    }
    EditedTree result;
    auto trees = read_trees(git_dir, commit, dirs, result.base);
    if (!trees) {
        return trees.take_error();
    }
    // A child sorts after its parent (the parent is its prefix): in reverse
    // order every directory is written before the one that holds it.
    std::map<std::string, std::string> written;
    for (auto d = dirs.rbegin(); d != dirs.rend(); ++d) {
        auto& items = (*trees)[*d].items;
        for (const auto& [path, blob] : blobs) {
            if (parent_of(path) != *d) {
                continue;
            }
            if (auto* item = find_item(items, base_name(path))) {
                if (item->mode != "100644" && item->mode != "100755") {
                    return Error{fmt::format("{} is not a regular file at the tip (mode {})", path, item->mode)};
                }
                item->oid = blob;
            } else {
                items.push_back({"100644", base_name(path), blob});
            }
        }
        for (const auto& [child, tree] : written) {
            if (child.empty() || parent_of(child) != *d) {
                continue;
            }
            if (auto* item = find_item(items, base_name(child))) {
                if (item->mode != k_dir_mode) {
                    return Error{fmt::format("{} is not a directory at the tip (mode {})", child, item->mode)};
                }
                item->oid = tree;
            } else {
                items.push_back({std::string(k_dir_mode), base_name(child), tree});
            }
        }
        // --missing: a blobless clone lacks the other blobs; mktree sorts.
        GitCall c;
        c.git_dir = git_dir;
        c.args = {"mktree", "-z", "--missing"};
        c.input = mktree_input(items);
        auto oid = git(c);
        if (!oid) {
            return oid.take_error();
        }
        while (!oid->empty() && (oid->back() == '\n' || oid->back() == ' ')) {
            oid->pop_back();
        }
        written[*d] = *oid;
    }
    result.tree = written[""];
    return result;
}

}  // namespace kanon::gitops
