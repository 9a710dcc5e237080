// Shared by the init tests: a temporary directory tree, scoped environment
// variables (PATH for the fake sops, git's ceiling), and running git.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "ops/init.hpp"
#include "util/process.hpp"

namespace kanon::ops::test {

namespace fs = std::filesystem;

class TempTree {
public:
    TempTree()
    {
        std::string tmpl = (fs::temp_directory_path() / "kanon-init-XXXXXX").string();
        m_root = ::mkdtemp(tmpl.data());
    }
    TempTree(const TempTree&) = delete;
    TempTree& operator=(const TempTree&) = delete;
    ~TempTree() { fs::remove_all(m_root); }

    void write(const std::string& rel, const std::string& text) const
    {
        fs::create_directories((fs::path(m_root) / rel).parent_path());
        std::ofstream(fs::path(m_root) / rel, std::ios::binary) << text;
    }
    [[nodiscard]] std::string read(const std::string& rel) const
    {
        std::ifstream in(fs::path(m_root) / rel, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    [[nodiscard]] bool exists(const std::string& rel) const { return fs::exists(fs::path(m_root) / rel); }
    [[nodiscard]] std::string path(const std::string& rel) const { return (fs::path(m_root) / rel).string(); }
    [[nodiscard]] const std::string& root() const { return m_root; }

private:
    std::string m_root;
};

// Sets (or unsets, with nullopt) an environment variable for a scope.
class ScopedEnv {
public:
    ScopedEnv(std::string name, const std::optional<std::string>& value) : m_name(std::move(name))
    {
        if (const char* old = std::getenv(m_name.c_str())) {
            m_old = old;
        }
        if (value) {
            ::setenv(m_name.c_str(), value->c_str(), 1);
        } else {
            ::unsetenv(m_name.c_str());
        }
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;
    ~ScopedEnv()
    {
        if (m_old) {
            ::setenv(m_name.c_str(), m_old->c_str(), 1);
        } else {
            ::unsetenv(m_name.c_str());
        }
    }

private:
    std::string m_name;
    std::optional<std::string> m_old;
};

inline std::string env_or_empty(const char* name)
{
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
}

inline void git(const std::string& dir, std::vector<std::string> args)
{
    ProcessSpec spec;
    spec.argv = {"git", "-C", dir};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    auto r = run_process(spec);
    ASSERT_TRUE(r && r->ok()) << (r ? r->err : r.error().message);
}

// The options of the usual test app: demo, example.org, tag 1.0.0.
inline InitOptions demo_options(const TempTree& t)
{
    InitOptions o;
    o.app = "demo";
    o.domain = "example.org";
    o.image = "registry.example.org/web/demo";
    o.tag = "1.0.0";
    o.dir = t.root();
    o.repo_url = "https://git.example.org/web-core.git";
    return o;
}

inline const InitFile* file_of(const InitResult& r, const std::string& path)
{
    for (const auto& f : r.files) {
        if (f.path == path) {
            return &f;
        }
    }
    return nullptr;
}

inline const char* k_chart_values = "image:\n  repository: registry.example.org/web/placeholder\n  tag: \"0000000\"\n";

}  // namespace kanon::ops::test
