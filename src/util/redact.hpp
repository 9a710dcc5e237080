// Removes credentials from anything kanon prints: the userinfo of URLs
// (https://user:token@host -> https://***@host) and known token values.
#pragma once

#include <string>
#include <string_view>

namespace kanon {

std::string redact_urls(std::string_view text);

// redact_urls, and every occurrence of a token kanon knows from its
// environment (KANON_GIT_TOKEN, CI_JOB_TOKEN, ARGOCD_AUTH_TOKEN) or from
// register_secret replaced by ***.
std::string redact(std::string_view text);

// A secret that did not come from the environment (--argocd-token): from now
// on redact() hides it too.
void register_secret(std::string secret);

}  // namespace kanon
