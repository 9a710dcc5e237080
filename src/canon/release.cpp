#include "canon/release.hpp"

#include <fmt/format.h>

#include "yaml/document.hpp"
#include "yaml/edit.hpp"

namespace kanon::canon {
namespace {

std::string short_tag(const std::string& tag)
{
    // A 40-hex SHA reads best shortened in a subject; any other tag stays whole.
    bool hex = tag.size() == 40 && tag.find_first_not_of("0123456789abcdef") == std::string::npos;
    return hex ? short_sha(tag) : tag;
}

}  // namespace

ReleaseKeys::ReleaseKeys(const Config& c)
    : repository(yaml::parse_path(c.repository_key)), tag(yaml::parse_path(c.tag_key))
{
    if (!c.digest_key.empty()) {
        digest = yaml::parse_path(c.digest_key);
    }
}

ReleaseFields read_release(const ReleaseKeys& keys, const std::string& file, const std::string& text)
{
    ReleaseFields r;
    auto s = yaml::Stream::parse(text, file);
    if (!s) {
        r.problem = s.take_error();
        return r;
    }
    for (auto [path, out] : {std::pair{&keys.repository, &r.repository}, std::pair{&keys.tag, &r.tag}}) {
        if (!*path) {
            if (!r.problem) {
                r.problem = path->error();
            }
            continue;
        }
        auto v = yaml::get_scalar(*s, **path);
        if (!v) {
            if (!r.problem) {
                r.problem = v.take_error();
            }
            continue;
        }
        *out = std::move(*v);
    }
    if (keys.digest) {
        if (!*keys.digest) {
            if (!r.problem) {
                r.problem = keys.digest->error();
            }
        } else if (auto v = yaml::get_scalar(*s, **keys.digest)) {
            r.digest = std::move(*v);  // a file without it yet is fine: the next release writes it
        }
    }
    return r;
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
    if (!m.digest.empty()) {
        out += fmt::format("{}: {}\n", k_trailer_digest, m.digest);
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
