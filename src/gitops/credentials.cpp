#include "gitops/credentials.hpp"

#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "util/text.hpp"

namespace kanon::gitops {
namespace {

constexpr const char* k_askpass_marker = "KANON_ASKPASS";

std::string self_exe()
{
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

std::optional<Credential> credential_from_env()
{
    Credential c;
    c.token = env_or_empty("KANON_GIT_TOKEN");
    bool job_token = false;
    if (c.token.empty()) {
        c.token = env_or_empty("CI_JOB_TOKEN");
        job_token = !c.token.empty();
    }
    if (c.token.empty()) {
        return std::nullopt;
    }
    c.user = env_or_empty("KANON_GIT_USER");
    if (c.user.empty()) {
        c.user = job_token ? "gitlab-ci-token" : "oauth2";
    }
    return c;
}

std::map<std::string, std::string> askpass_env()
{
    if (!credential_from_env()) {
        return {};
    }
    std::string exe = self_exe();
    if (exe.empty()) {
        return {};
    }
    return {{"GIT_ASKPASS", exe}, {k_askpass_marker, "1"}};
}

bool is_askpass_invocation(int argc)
{
    return argc == 2 && env_or_empty(k_askpass_marker) == "1";
}

int askpass_main(const std::string& prompt, std::ostream& out)
{
    auto c = credential_from_env();
    if (!c) {
        return 1;
    }
    out << (prompt.rfind("Username", 0) == 0 ? c->user : c->token) << '\n';
    return 0;
}

}  // namespace kanon::gitops
