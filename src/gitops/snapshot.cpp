#include "gitops/snapshot.hpp"

#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "gitops/git.hpp"
#include "util/redact.hpp"

namespace kanon::gitops {
namespace {

std::string trim(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
        s.pop_back();
    }
    return s;
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

Result<std::string> default_branch(const std::string& url)
{
    auto out = git({{"ls-remote", "--symref", url, "HEAD"}});
    if (!out) {
        return out.take_error();
    }
    std::istringstream in(*out);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("ref: refs/heads/", 0) == 0) {
            auto tab = line.find('\t');
            return line.substr(16, tab - 16);
        }
    }
    return Error{fmt::format("cannot tell the default branch of {}; name one with --branch", redact_urls(url))};
}

}  // namespace

Result<std::string> default_remote()
{
    auto out = git_try({{"remote", "get-url", "origin"}});
    if (!out) {
        return out.take_error();
    }
    if (out->exit_code != 0) {
        return usage_error("no --repo given, and the current directory is not a git checkout with an 'origin' remote",
                           "pass --repo URL|PATH of web-core");
    }
    return trim(out->out);
}

Snapshot::~Snapshot()
{
    if (!m_dir.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(m_dir, ec);
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
    if (s.m_branch.empty()) {
        auto b = default_branch(s.m_url);
        if (!b) {
            return b.take_error();
        }
        s.m_branch = *b;
    }
    auto dir = make_temp_dir();
    if (!dir) {
        return dir.take_error();
    }
    s.m_dir = *dir;
    if (auto r = git({{"init", "-q", "--bare", s.m_dir}}); !r) {
        return r.take_error();
    }
    std::string ref = "refs/remotes/origin/" + s.m_branch;
    std::string refspec = "+refs/heads/" + s.m_branch + ":" + ref;
    auto fetched = git_try({{"fetch", "-q", "--no-tags", "--depth=1", "--filter=blob:none", s.m_url, refspec},
                            "", s.m_dir});
    if (!fetched) {
        return fetched.take_error();
    }
    if (fetched->exit_code != 0) {
        std::string err = trim(fetched->err);
        if (err.find("couldn't find remote ref") != std::string::npos) {
            return Error{fmt::format("branch '{}' does not exist in {}", s.m_branch, redact_urls(s.m_url))};
        }
        return Error{fmt::format("git fetch of {} failed: {}", redact_urls(s.m_url), redact_urls(err))};
    }
    // A server that ignores the filter ("filtering not recognized by server")
    // sent the blobs along: nothing is missing, nothing to prefetch.
    s.m_partial = fetched->err.find("filtering not recognized") == std::string::npos;
    if (s.m_partial) {
        for (const auto& [k, v] : std::map<std::string, std::string>{{"remote.origin.url", s.m_url},
                                                                        {"remote.origin.promisor", "true"},
                                                                        {"remote.origin.partialclonefilter", "blob:none"}}) {
            if (auto r = git({{"config", k, v}, "", s.m_dir}); !r) {
                return r.take_error();
            }
        }
    }
    auto commit = git({{"rev-parse", "--verify", ref + "^{commit}"}, "", s.m_dir});
    if (!commit) {
        return commit.take_error();
    }
    s.m_commit = trim(*commit);
    return s;
}

Result<std::vector<TreeEntry>> Snapshot::list(const std::vector<std::string>& dirs) const
{
    std::vector<std::string> args = {"--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", m_commit, "--"};
    args.insert(args.end(), dirs.begin(), dirs.end());
    auto out = git({args, "", m_dir});
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
        if (tab == std::string_view::npos || sp2 == std::string_view::npos || rec.substr(sp1 + 1, sp2 - sp1 - 1) != "blob") {
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
    // A fresh depth-1 blobless fetch holds no blobs: fetch them all at once.
    // (cat-file would fetch each missing one on its own round trip.)
    std::string missing;
    for (const auto& o : std::set<std::string>(oids.begin(), oids.end())) {
        missing += o + "\n";
    }
    auto r = git({{"-c", "fetch.negotiationAlgorithm=noop", "fetch", "-q", "--no-tags", "--no-write-fetch-head",
                   "--recurse-submodules=no", "--filter=blob:none", "--stdin", "origin"},
                  missing, m_dir});
    if (!r) {
        return r.take_error();
    }
    return ok_status();
}

Result<std::map<std::string, std::string>> Snapshot::read(const std::vector<std::string>& paths) const
{
    // ls-tree takes the exact paths as pathspecs; chunked to stay far below ARG_MAX.
    std::set<std::string> wanted(paths.begin(), paths.end());
    std::vector<TreeEntry> entries;
    std::vector<std::string> chunk;
    auto flush = [&]() -> Status {
        if (chunk.empty()) {
            return ok_status();
        }
        auto l = list(chunk);
        if (!l) {
            return l.take_error();
        }
        entries.insert(entries.end(), l->begin(), l->end());
        chunk.clear();
        return ok_status();
    };
    for (const auto& p : wanted) {
        chunk.push_back(p);
        if (chunk.size() == 2000) {
            if (auto st = flush(); !st) {
                return st.take_error();
            }
        }
    }
    if (auto st = flush(); !st) {
        return st.take_error();
    }
    std::vector<std::string> oids;
    std::vector<const TreeEntry*> hits;
    for (const auto& e : entries) {
        if (wanted.count(e.path) != 0) {
            oids.push_back(e.oid);
            hits.push_back(&e);
        }
    }
    if (auto st = prefetch(oids); !st) {
        return st.take_error();
    }
    std::string input;
    for (const auto& o : oids) {
        input += o + "\n";
    }
    std::map<std::string, std::string> files;
    if (oids.empty()) {
        return files;
    }
    auto out = git({{"cat-file", "--batch"}, input, m_dir});
    if (!out) {
        return out.take_error();
    }
    // "<oid> blob <size>\n<content>\n" per object, in order.
    std::size_t pos = 0;
    for (const TreeEntry* e : hits) {
        auto nl = out->find('\n', pos);
        if (nl == std::string::npos) {
            return Error{"git cat-file --batch: truncated output"};
        }
        std::string header = out->substr(pos, nl - pos);
        auto sp = header.rfind(' ');
        if (header.find(" missing") != std::string::npos || sp == std::string::npos) {
            return Error{fmt::format("git cat-file: object {} of {} is missing", e->oid, e->path)};
        }
        std::size_t size = std::stoull(header.substr(sp + 1));
        files[e->path] = out->substr(nl + 1, size);
        pos = nl + 1 + size + 1;
    }
    return files;
}

}  // namespace kanon::gitops
