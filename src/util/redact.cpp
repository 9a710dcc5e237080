#include "util/redact.hpp"

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
        while (end < text.size() && text[end] != '/' && text[end] != ' ' && text[end] != '\n' && text[end] != '\'' &&
               text[end] != '"' && text[end] != '?' && text[end] != '#') {
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

}  // namespace kanon
