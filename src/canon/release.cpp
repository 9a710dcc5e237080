#include "canon/release.hpp"

#include <fmt/format.h>

namespace kanon::canon {
namespace {

bool tag_char(char c, bool first)
{
    bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    return alnum || (!first && (c == '.' || c == '-'));
}

std::string short_tag(const std::string& tag)
{
    // A 40-hex SHA reads best shortened in a subject; any other tag stays whole.
    bool hex = tag.size() == 40 && tag.find_first_not_of("0123456789abcdef") == std::string::npos;
    return hex ? tag.substr(0, 12) : tag;
}

}  // namespace

bool is_valid_tag(std::string_view tag)
{
    if (tag.empty() || tag.size() > 128) {
        return false;
    }
    for (std::size_t i = 0; i < tag.size(); ++i) {
        if (!tag_char(tag[i], i == 0)) {
            return false;
        }
    }
    return true;
}

Status validate_tag(std::string_view tag)
{
    if (is_valid_tag(tag)) {
        return ok_status();
    }
    return usage_error(fmt::format("'{}' is not a valid image tag", tag),
                       "an OCI tag is 1 to 128 characters of letters, digits, '_', '.' and '-', and does not start "
                       "with '.' or '-'");
}

std::string format_message(const ReleaseMessage& m)
{
    std::string out = fmt::format("{}({}): {} {}", m.action, m.stage, m.app, short_tag(m.tag));
    if (!m.from.empty()) {
        out += fmt::format(" from {}", m.from);
    }
    if (m.skip_ci) {
        out += " [skip ci]";
    }
    out += "\n\n";
    if (!m.note.empty()) {
        out += m.note + "\n\n";
    }
    out += fmt::format("{}: {}\n{}: {}\n{}: {}\n{}: {}\n", k_trailer_action, m.action, k_trailer_app, m.app,
                       k_trailer_stage, m.stage, k_trailer_tag, m.tag);
    if (!m.repository.empty()) {
        out += fmt::format("{}: {}\n", k_trailer_repository, m.repository);
    }
    if (!m.from.empty()) {
        out += fmt::format("{}: {}\n", k_trailer_from, m.from);
    }
    if (!m.source_ref.empty()) {
        out += fmt::format("{}: {}\n", k_trailer_source_ref, m.source_ref);
    }
    if (!m.hotfix.empty()) {
        out += fmt::format("{}: {}\n", k_trailer_hotfix, m.hotfix);
    }
    if (!m.unverified.empty()) {
        out += fmt::format("{}: {}\n", k_trailer_unverified, m.unverified);
    }
    return out;
}

std::map<std::string, std::string> parse_trailers(std::string_view message)
{
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
        message.remove_suffix(1);
    }
    auto para = message.rfind("\n\n");
    std::string_view last = para == std::string_view::npos ? std::string_view{} : message.substr(para + 2);
    std::map<std::string, std::string> out;
    std::size_t pos = 0;
    while (pos < last.size()) {
        auto nl = last.find('\n', pos);
        auto line = last.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? last.size() : nl + 1;
        auto colon = line.find(": ");
        if (colon == std::string_view::npos || colon == 0 ||
            line.substr(0, colon).find(' ') != std::string_view::npos) {
            return {};  // not a trailer block
        }
        out[std::string(line.substr(0, colon))] = std::string(line.substr(colon + 2));
    }
    return out;
}

}  // namespace kanon::canon
