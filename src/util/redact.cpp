#include "util/redact.hpp"

#include <cstdlib>
#include <mutex>
#include <vector>

namespace kanon {

namespace {

std::mutex g_secrets_mutex;
std::vector<std::string>& registered()
{
    static std::vector<std::string> secrets;
    return secrets;
}

void hide(std::string& out, std::string_view secret)
{
    if (secret.size() < 4) {
        return;  // too short to tell from ordinary text
    }
    std::size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
        out.replace(pos, secret.size(), "***");
        pos += 3;
    }
}

}  // namespace

void register_secret(std::string secret)
{
    std::lock_guard lock(g_secrets_mutex);
    registered().push_back(std::move(secret));
}

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
        if (const char* v = std::getenv(name)) {
            hide(out, v);
        }
    }
    std::lock_guard lock(g_secrets_mutex);
    for (const auto& secret : registered()) {
        hide(out, secret);
    }
    return out;
}

}  // namespace kanon
