// Credentials for git over HTTP(S): a token from the environment reaches git
// through GIT_ASKPASS, with kanon itself as the askpass program. The token is
// never in a URL, an argv, or anything printed.
//
//   KANON_GIT_TOKEN  the token (else CI_JOB_TOKEN, GitLab CI's job token)
//   KANON_GIT_USER   the user name sent with it (default: gitlab-ci-token for
//                    CI_JOB_TOKEN, else oauth2, which GitLab and GitHub accept
//                    with a personal or project access token)
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <string>

namespace kanon::gitops {

struct Credential {
    std::string user;
    std::string token;
};

std::optional<Credential> credential_from_env();

// The environment git needs to ask kanon for the credential (empty when
// there is no token).
std::map<std::string, std::string> askpass_env();

// True when this process was started by git as its askpass program.
bool is_askpass_invocation(int argc);
// Answers git's prompt ("Username for 'https://...': " or "Password for ...").
int askpass_main(const std::string& prompt, std::ostream& out);

}  // namespace kanon::gitops
