// Removes credentials from anything kanon prints: the userinfo of URLs
// (https://user:token@host -> https://***@host) and known token values.
#pragma once

#include <string>
#include <string_view>

namespace kanon {

std::string redact_urls(std::string_view text);

}  // namespace kanon
