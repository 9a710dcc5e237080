#include "gitops/snapshot.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include "gitops/cat_file.hpp"
#include "gitops/git.hpp"
#include "util/files.hpp"
#include "util/redact.hpp"
#include "util/text.hpp"

namespace kanon::gitops {
namespace {

// Up to this many pathspecs ls-tree is given the exact paths; beyond, their
// directories (or the whole tree): git matches every tree entry against every
// pathspec, so 4000 literal paths cost ~50 ms per call where listing their
// two directories costs ~5 ms.
constexpr std::size_t k_max_pathspecs = 64;

// A kept clone is repacked when it holds more packs than this (git's
// gc.autoPackLimit is 50; each run adds about two).
constexpr std::size_t k_cache_pack_limit = 20;

// A git call that needs no remote, in the repository when git_dir is given.
GitCall local_call(std::vector<std::string> args, std::string git_dir = {}, std::string input = {})
{
    GitCall c;
    c.args = std::move(args);
    c.git_dir = std::move(git_dir);
    c.input = std::move(input);
    return c;
}

bool contains(const std::string& text, std::string_view what)
{
    return text.find(what) != std::string::npos;
}

Result<std::string> make_temp_dir()
{
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/kanon-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
        return Error{fmt::format("cannot create a temporary directory under {}", tmpl.substr(0, tmpl.rfind('/')))};
    }
    return tmpl;
}

// A local path git resolves against the top of the checkout (it chdirs there
// before it fetches), not against the current directory.
bool is_relative_path_url(const std::string& url)
{
    if (url.empty() || url.front() == '/' || contains(url, "://")) {
        return false;
    }
    auto colon = url.find(':');
    auto slash = url.find('/');
    return colon == std::string::npos || (slash != std::string::npos && slash < colon);  // not scp-like
}

// The pathspecs that list `wanted` cheaply: the paths themselves when few,
// else their directories, else (empty) the whole tree.
std::vector<std::string> pathspecs_for(const std::set<std::string>& wanted)
{
    if (wanted.size() <= k_max_pathspecs) {
        return {wanted.begin(), wanted.end()};
    }
    std::set<std::string> specs;
    for (const auto& p : wanted) {
        auto slash = p.rfind('/');
        specs.insert(slash == std::string::npos ? p : p.substr(0, slash));
        if (specs.size() > k_max_pathspecs) {
            return {};
        }
    }
    return {specs.begin(), specs.end()};
}

}  // namespace

Result<std::string> default_remote()
{
    auto out = git_try(local_call({"remote", "get-url", "origin"}));
    if (!out) {
        return out.take_error();
    }
    if (out->exit_code != 0) {
        return usage_error("no --repo given, and the current directory is not a git checkout with an 'origin' remote",
                           "pass --repo URL|PATH of web-core");
    }
    std::string url = trim_right(out->out);
    if (is_relative_path_url(url)) {
        auto top = git_try(local_call({"rev-parse", "--show-toplevel"}));
        if (top && top->exit_code != 0) {
            top = git_try(local_call({"rev-parse", "--absolute-git-dir"}));  // a bare repository
        }
        if (top && top->exit_code == 0 && !trim_right(top->out).empty()) {
            url = (std::filesystem::path(trim_right(top->out)) / url).lexically_normal().string();
        }
    }
    return url;
}

Snapshot::Snapshot(Snapshot&& other) noexcept
    : m_dir(std::exchange(other.m_dir, {})),
      m_keep(other.m_keep),
      m_lock_fd(std::exchange(other.m_lock_fd, -1)),
      m_url(std::move(other.m_url)),
      m_branch(std::move(other.m_branch)),
      m_commit(std::move(other.m_commit)),
      m_partial(other.m_partial)
{
}

Snapshot& Snapshot::operator=(Snapshot&& other) noexcept
{
    if (this != &other) {
        remove();
        m_dir = std::exchange(other.m_dir, {});
        m_keep = other.m_keep;
        m_lock_fd = std::exchange(other.m_lock_fd, -1);
        m_url = std::move(other.m_url);
        m_branch = std::move(other.m_branch);
        m_commit = std::move(other.m_commit);
        m_partial = other.m_partial;
    }
    return *this;
}

Snapshot::~Snapshot()
{
    remove();
}

void Snapshot::remove()
{
    if (m_lock_fd >= 0) {
        ::close(m_lock_fd);  // releases the flock
        m_lock_fd = -1;
    }
    if (!m_dir.empty() && !m_keep) {
        std::error_code ec;
        std::filesystem::remove_all(m_dir, ec);
        m_dir.clear();
    }
}

Result<Snapshot> Snapshot::fetch(const Target& target)
{
    std::string repo = target.repo;
    if (repo.empty()) {
        auto r = default_remote();
        if (!r) {
            return r.take_error();
        }
        repo = *r;
    }
    Snapshot s;
    s.m_url = normalize_remote(repo);
    s.m_branch = target.branch;
    if (!target.cache_dir.empty()) {
        auto cached = open_cache(s, target.cache_dir);
        if (!cached) {
            return cached.take_error();
        }
        if (*cached) {
            if (auto st = s.refresh(); !st) {
                return st.take_error();
            }
            return s;
        }
    } else {
        auto dir = make_temp_dir();
        if (!dir) {
            return dir.take_error();
        }
        s.m_dir = *dir;
    }
    if (auto st = clone_tip(s); !st) {
        return st.take_error();
    }
    if (auto st = read_tip(s, !target.branch.empty()); !st) {
        return st.take_error();
    }
    return s;
}

// One clone does what ls-remote (default branch), init, fetch and the
// partial-clone config would do in five processes and three connections.
// --origin: prefetch() names the remote, whatever clone.defaultRemoteName says.
Status Snapshot::clone_tip(Snapshot& s)
{
    std::vector<std::string> args = {
        "clone",     "-q",        "--bare",          "--template=",       "--origin=origin",
        "--no-tags", "--depth=1", "--single-branch", "--filter=blob:none"};
    if (!s.m_branch.empty()) {
        args.push_back("--branch=" + s.m_branch);
    }
    args.insert(args.end(), {"--", without_userinfo(s.m_url), s.m_dir});
    GitCall clone = local_call(args);
    clone.config = s.url_config();
    clone.stop_on_signal = true;  // nothing is written yet: a signal need not wait for the network
    auto cloned = git_try(clone);
    if (!cloned) {
        return cloned.take_error();
    }
    std::string err = trim_right(cloned->err);
    std::string where = redact(s.m_url);
    if (cloned->exit_code != 0) {
        if (contains(err, "not found in upstream") || contains(err, "couldn't find remote ref")) {
            return Error{fmt::format("branch '{}' does not exist in {}", s.m_branch, where)};
        }
        return Error{
            fmt::format("git clone of {} failed: {}{}", where, redact(first_problem(err)), full_disk_note(s.m_dir))};
    }
    if (contains(err, "cloned an empty repository")) {
        // Only without --branch (a named branch that is absent fails above).
        return Error{
            fmt::format("cannot tell the default branch of {}: it is empty, or its HEAD names no "
                        "existing branch; name one with --branch",
                        where)};
    }
    // A server that ignores the filter ("filtering not recognized by server")
    // sent the blobs along: nothing is missing, nothing to prefetch.
    s.m_partial = !contains(err, "filtering not recognized");
    return ok_status();
}

// The clone's branch (the remote's default when none was named) and its
// tip, which must be a commit.
Status Snapshot::read_tip(Snapshot& s, bool branch_given)
{
    std::string where = redact(s.m_url);
    if (s.m_branch.empty()) {
        auto head = git_try(local_call({"symbolic-ref", "-q", "HEAD"}, s.m_dir));
        if (!head) {
            return head.take_error();
        }
        std::string ref = trim_right(head->out);
        if (head->exit_code != 0 || ref.rfind("refs/heads/", 0) != 0) {
            return Error{fmt::format("cannot tell the default branch of {}; name one with --branch", where)};
        }
        s.m_branch = ref.substr(11);
    }
    auto commit =
        git_try(local_call({"rev-parse", "-q", "--verify", "refs/heads/" + s.m_branch + "^{commit}"}, s.m_dir));
    if (!commit) {
        return commit.take_error();
    }
    if (commit->exit_code != 0) {
        // --branch named a tag (clone accepts one), or HEAD names no branch.
        if (branch_given) {
            return Error{fmt::format("branch '{}' does not exist in {}", s.m_branch, where)};
        }
        return Error{fmt::format("cannot tell the default branch of {}; name one with --branch", where)};
    }
    s.m_commit = trim_right(commit->out);
    return ok_status();
}

// The cache holds one bare clone per remote URL and branch, named by a hash
// of both, and a lock file beside it that serialises the runs sharing it.
// Returns true when a usable clone is already there.
Result<bool> Snapshot::open_cache(Snapshot& s, const std::string& cache_dir)
{
    std::error_code ec;
    std::filesystem::create_directories(cache_dir, ec);
    if (ec) {
        return Error{fmt::format("cannot create the cache directory {}: {}", cache_dir, ec.message())};
    }
    std::string name =
        fmt::format("{}/web-core-{:016x}", cache_dir, fnv1a(without_userinfo(s.m_url) + "\n" + s.m_branch));
    s.m_lock_fd = ::open((name + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s.m_lock_fd < 0 || ::flock(s.m_lock_fd, LOCK_EX) != 0) {
        return Error{fmt::format("cannot lock the cache {}.lock: {}", name, std::strerror(errno))};
    }
    s.m_dir = name + ".git";
    s.m_keep = true;
    if (!std::filesystem::exists(s.m_dir + "/HEAD")) {
        std::filesystem::remove_all(s.m_dir, ec);  // a clone interrupted half-way
        return false;
    }
    auto url = git_try(local_call({"config", "--get", "remote.origin.url"}, s.m_dir));
    if (!url || url->exit_code != 0 || trim_right(url->out) != without_userinfo(s.m_url)) {
        std::filesystem::remove_all(s.m_dir, ec);
        return false;
    }
    if (s.m_branch.empty()) {  // the default branch the clone was made from
        auto head = git_try(local_call({"symbolic-ref", "-q", "HEAD"}, s.m_dir));
        if (!head || head->exit_code != 0 || trim_right(head->out).rfind("refs/heads/", 0) != 0) {
            std::filesystem::remove_all(s.m_dir, ec);
            return false;
        }
        s.m_branch = trim_right(head->out).substr(11);
    }
    auto filter = git_try(local_call({"config", "--get", "remote.origin.partialclonefilter"}, s.m_dir));
    s.m_partial = filter && filter->exit_code == 0;
    s.compact();
    return true;
}

// Every run adds packs to a kept clone (the tip's fetch, the blobs' fetch;
// fetches run with --no-auto-maintenance) and a few loose objects; hundreds
// of packs make every later git call slower (258 packs: 456 ms a promotion
// against 314). Past k_cache_pack_limit they become one again, as `git gc
// --auto` would with gc.autoPackLimit, under the cache's lock. A failed
// repack leaves the old packs in place, so it is not an error.
void Snapshot::compact() const
{
    std::size_t packs = 0;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(m_dir + "/objects/pack", ec), end; !ec && it != end; it.increment(ec)) {
        packs += it->path().extension() == ".pack" ? 1 : 0;
    }
    if (packs <= k_cache_pack_limit) {
        return;
    }
    // -a -d: one pack (and one of the objects from the promisor remote) for
    // all; no bitmap, which a shallow partial clone cannot use.
    (void)git_try(call({"repack", "-a", "-d", "-q", "--no-write-bitmap-index"}));
}

std::map<std::string, std::string> Snapshot::url_config() const
{
    return userinfo_config(m_url);
}

GitCall Snapshot::call(std::vector<std::string> args, std::string input) const
{
    GitCall c = local_call(std::move(args), m_dir, std::move(input));
    c.config = url_config();
    return c;
}

std::vector<std::string> Snapshot::fetch_args() const
{
    std::vector<std::string> args = {"fetch",
                                     "-q",
                                     "--no-tags",
                                     "--depth=1",
                                     "--no-auto-maintenance",
                                     "--recurse-submodules=no",
                                     "--no-write-fetch-head"};
    if (m_partial) {
        args.emplace_back("--filter=blob:none");
    }
    return args;
}

Status Snapshot::refresh()
{
    std::string ref = "refs/heads/" + m_branch;
    std::vector<std::string> args = fetch_args();
    args.insert(args.end(), {"origin", "+" + ref + ":" + ref});
    auto r = git_try(call(args));
    if (!r) {
        return r.take_error();
    }
    if (r->exit_code != 0) {
        std::string err = trim_right(r->err);
        if (contains(err, "couldn't find remote ref")) {
            return Error{fmt::format("branch '{}' does not exist in {}", m_branch, redact(m_url))};
        }
        return Error{fmt::format("git fetch of {} failed: {}{}", redact(m_url), redact(first_problem(err)),
                                 full_disk_note(m_dir))};
    }
    auto commit = git(local_call({"rev-parse", "--verify", ref + "^{commit}"}, m_dir));
    if (!commit) {
        return commit.take_error();
    }
    m_commit = trim_right(*commit);
    return ok_status();
}

Status Snapshot::deepen(int commits)
{
    // The ref is fetched without a destination: only the shallow boundary
    // moves, the ref and this snapshot's commit stay where they are. Every
    // boundary moves: in a kept clone (--cache-dir) each earlier refresh
    // left one, so this may fetch more than 64 commits, once; it is only
    // asked for when a push's answer was lost.
    std::vector<std::string> args = {"fetch",
                                     "-q",
                                     "--no-tags",
                                     fmt::format("--deepen={}", commits),
                                     "--no-auto-maintenance",
                                     "--recurse-submodules=no",
                                     "--no-write-fetch-head"};
    if (m_partial) {
        args.emplace_back("--filter=blob:none");
    }
    args.insert(args.end(), {"origin", "refs/heads/" + m_branch});
    auto r = git_try(call(args));
    if (!r) {
        return r.take_error();
    }
    if (r->exit_code != 0) {
        return Error{fmt::format("git fetch --deepen of {} failed: {}{}", redact(m_url),
                                 redact(first_problem(trim_right(r->err))), full_disk_note(m_dir))};
    }
    return ok_status();
}

Result<std::vector<TreeEntry>> Snapshot::list(const std::vector<std::string>& dirs) const
{
    std::vector<std::string> args = {"--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", m_commit, "--"};
    args.insert(args.end(), dirs.begin(), dirs.end());
    auto out = git(local_call(args, m_dir));
    if (!out) {
        return out.take_error();
    }
    std::vector<TreeEntry> entries;
    std::size_t pos = 0;
    while (pos < out->size()) {
        auto end = out->find('\0', pos);
        if (end == std::string::npos) {
            end = out->size();
        }
        std::string_view rec(out->data() + pos, end - pos);
        pos = end + 1;
        // "<mode> <type> <oid>\t<path>"
        auto tab = rec.find('\t');
        auto sp1 = rec.find(' ');
        auto sp2 = rec.find(' ', sp1 + 1);
        if (tab == std::string_view::npos || sp2 == std::string_view::npos ||
            rec.substr(sp1 + 1, sp2 - sp1 - 1) != "blob") {
            continue;
        }
        entries.push_back({std::string(rec.substr(tab + 1)), std::string(rec.substr(sp2 + 1, tab - sp2 - 1))});
    }
    return entries;
}

Status Snapshot::prefetch(const std::vector<std::string>& oids) const
{
    if (!m_partial || oids.empty()) {
        return ok_status();
    }
    // A fresh depth-1 blobless clone holds no blobs: fetch them all at once.
    // (cat-file would fetch each missing one on its own round trip.)
    std::string missing;
    for (const auto& o : oids) {
        missing += o + "\n";
    }
    GitCall blobs =
        call({"-c", "fetch.negotiationAlgorithm=noop", "fetch", "-q", "--no-tags", "--no-write-fetch-head",
              "--no-auto-maintenance", "--recurse-submodules=no", "--filter=blob:none", "--stdin", "origin"},
             missing);
    blobs.stop_on_signal = true;  // reads only
    auto r = git(blobs);
    if (!r) {
        return r.take_error();
    }
    return ok_status();
}

Result<std::vector<TreeEntry>> Snapshot::find(const std::vector<std::string>& paths) const
{
    std::set<std::string> wanted(paths.begin(), paths.end());
    std::vector<TreeEntry> hits;
    if (wanted.empty()) {
        return hits;
    }
    auto listed = list(pathspecs_for(wanted));
    if (!listed) {
        return listed.take_error();
    }
    for (auto& e : *listed) {
        if (wanted.count(e.path) != 0) {
            hits.push_back(std::move(e));
        }
    }
    return hits;
}

Result<std::map<std::string, std::string>> Snapshot::read(const std::vector<std::string>& paths) const
{
    auto hits = find(paths);
    if (!hits) {
        return hits.take_error();
    }
    return read_entries(*hits);
}

Result<std::map<std::string, std::string>> Snapshot::read_entries(const std::vector<TreeEntry>& entries) const
{
    std::map<std::string, std::string> files;
    if (entries.empty()) {
        return files;
    }
    // Equal files are one blob (every app whose dev and prod agree): ask once.
    std::vector<std::string> oids;
    std::unordered_set<std::string> seen;
    for (const auto& e : entries) {
        if (seen.insert(e.oid).second) {
            oids.push_back(e.oid);
        }
    }
    if (auto st = prefetch(oids); !st) {
        return st.take_error();
    }
    // Sizes first: a release file of a gigabyte would cost two in memory.
    auto oversized = oversized_blobs(oids);
    if (!oversized) {
        return oversized.take_error();
    }
    std::erase_if(oids, [&](const std::string& o) { return oversized->count(o) != 0; });
    std::string input;
    for (const auto& o : oids) {
        input += o + "\n";
    }
    // --buffer: one write per pipe buffer, not one flush per object.
    auto out = git(local_call({"cat-file", "--batch", "--buffer"}, m_dir, input));
    if (!out) {
        return out.take_error();
    }
    auto objects = parse_cat_file_batch(*out, oids.size());
    if (!objects) {
        return objects.take_error();
    }
    std::unordered_map<std::string_view, std::string_view> blobs;
    for (std::size_t i = 0; i < oids.size(); ++i) {
        const BatchObject& o = (*objects)[i];
        if (!o.found || o.oid != oids[i]) {
            auto e = std::find_if(entries.begin(), entries.end(), [&](const TreeEntry& t) { return t.oid == oids[i]; });
            return Error{fmt::format("git cat-file: object {} of {} is missing", oids[i],
                                     e == entries.end() ? std::string() : e->path)};
        }
        blobs.emplace(oids[i], o.content);
    }
    for (const auto& e : entries) {
        files[e.path] =
            oversized->count(e.oid) != 0 ? std::string(k_max_file_bytes + 1, ' ') : std::string(blobs.at(e.oid));
    }
    return files;
}

Result<std::set<std::string>> Snapshot::oversized_blobs(const std::vector<std::string>& oids) const
{
    std::set<std::string> big;
    if (oids.empty()) {
        return big;
    }
    std::string input;
    for (const auto& o : oids) {
        input += o + "\n";
    }
    auto out = git(local_call({"cat-file", "--batch-check=%(objectname) %(objectsize)"}, m_dir, input));
    if (!out) {
        return out.take_error();
    }
    for (const auto& line : lines(*out)) {  // "<oid> <size>", or "<oid> missing" (read() says so)
        auto sp = line.find(' ');
        std::size_t size = 0;
        if (sp == std::string::npos ||
            std::from_chars(line.data() + sp + 1, line.data() + line.size(), size).ec != std::errc{}) {
            continue;
        }
        if (size > k_max_file_bytes) {
            big.insert(line.substr(0, sp));
        }
    }
    return big;
}

}  // namespace kanon::gitops
