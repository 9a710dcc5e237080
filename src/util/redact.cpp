#include "util/redact.hpp"

#include <cstdlib>

namespace kanon {

std::string redact_urls(std::string_view text)
{
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        auto scheme = text.find("://", i);
        if (scheme == std::string_view::npos) {
            break;
        }
        std::size_t auth = scheme + 3;
        std::size_t end = auth;
        // The authority ends at the path; a password may hold '?' or '#', so
        // those do not end it (a query with '@' and no path is redacted too:
        // erring on the side of hiding).
        while (end < text.size() && text[end] != '/' && text[end] != ' ' && text[end] != '\n' && text[end] != '\'' &&
               text[end] != '"' && text[end] != '\t') {
            ++end;
        }
        auto at = text.substr(auth, end - auth).rfind('@');
        out.append(text.substr(i, auth - i));
        if (at != std::string_view::npos) {
            out += "***";
            out.append(text.substr(auth + at, end - auth - at));
        } else {
            out.append(text.substr(auth, end - auth));
        }
        i = end;
    }
    out.append(text.substr(i));
    return out;
}

std::string redact(std::string_view text)
{
    std::string out = redact_urls(text);
    for (const char* name : {"KANON_GIT_TOKEN", "CI_JOB_TOKEN", "ARGOCD_AUTH_TOKEN", "KANON_ARGOCD_TOKEN"}) {
        const char* v = std::getenv(name);
        if (v == nullptr || std::string_view(v).size() < 4) {
            continue;  // too short to tell from ordinary text
        }
        std::string_view secret(v);
        std::size_t pos = 0;
        while ((pos = out.find(secret, pos)) != std::string::npos) {
            out.replace(pos, secret.size(), "***");
            pos += 3;
        }
    }
    return out;
}

}  // namespace kanon
