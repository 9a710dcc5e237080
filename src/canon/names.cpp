#include "canon/names.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "util/text.hpp"

namespace kanon::canon {
namespace {

bool lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool any_alnum(char c)
{
    return lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

std::vector<std::string_view> split(std::string_view s, char sep)
{
    std::vector<std::string_view> parts;
    for (std::size_t from = 0; from <= s.size();) {
        auto at = std::min(s.find(sep, from), s.size());
        parts.push_back(s.substr(from, at - from));
        from = at + 1;
    }
    return parts;
}

// 1 to 65535, in digits.
bool is_port(std::string_view p)
{
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string_view::npos) {
        return false;
    }
    int n = 0;
    for (char c : p) {
        n = n * 10 + (c - '0');
    }
    return n >= 1 && n <= 65535;
}

// [a-z0-9]+ joined by '.', '_', '__' or runs of '-'.
bool is_path_component(std::string_view c)
{
    if (c.empty() || !lower_alnum(c.front()) || !lower_alnum(c.back())) {
        return false;
    }
    for (std::size_t i = 0; i < c.size();) {
        if (lower_alnum(c[i])) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < c.size() && !lower_alnum(c[j])) {
            ++j;
        }
        std::string_view run = c.substr(i, j - i);
        bool dashes = run.find_first_not_of('-') == std::string_view::npos;
        if (!(run == "." || run == "_" || run == "__" || dashes)) {
            return false;
        }
        i = j;
    }
    return true;
}

}  // namespace

bool is_dns_label(std::string_view s, std::size_t max)
{
    if (s.empty() || s.size() > max) {
        return false;
    }
    return std::all_of(s.begin(), s.end(), [](char c) { return lower_alnum(c) || c == '-'; }) && s.front() != '-' &&
           s.back() != '-';
}

bool is_dns_name(std::string_view s, std::size_t min_labels)
{
    if (s.empty() || s.size() > 253) {
        return false;
    }
    auto labels = split(s, '.');
    return labels.size() >= min_labels &&
           std::all_of(labels.begin(), labels.end(), [](std::string_view l) { return is_dns_label(l); });
}

Status validate_app_name(std::string_view name)
{
    if (is_dns_label(name, 53)) {
        return ok_status();
    }
    return usage_error(fmt::format("'{}' is not a valid app name", name),
                       "an app name is a DNS-1123 label of at most 53 characters: lower-case letters, digits "
                       "and '-', starting and ending with a letter or digit");
}

bool is_valid_tag(std::string_view tag)
{
    if (tag.empty() || tag.size() > 128) {
        return false;
    }
    for (std::size_t i = 0; i < tag.size(); ++i) {
        char c = tag[i];
        bool ok = any_alnum(c) || c == '_' || (i > 0 && (c == '.' || c == '-'));
        if (!ok) {
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

bool is_registry_host(std::string_view host)
{
    auto colon = host.find(':');
    if (colon != std::string_view::npos && !is_port(host.substr(colon + 1))) {
        return false;
    }
    auto labels = split(host.substr(0, colon), '.');
    return std::all_of(labels.begin(), labels.end(), [](std::string_view l) {
        return !l.empty() && any_alnum(l.front()) && any_alnum(l.back()) &&
               std::all_of(l.begin(), l.end(), [](char c) { return any_alnum(c) || c == '-'; });
    });
}

bool is_image_repository(std::string_view repository)
{
    if (repository.empty() || repository.size() > 255) {
        return false;
    }
    auto parts = split(repository, '/');
    std::size_t first = 0;
    std::string_view head = parts.front();
    bool has_upper = std::any_of(head.begin(), head.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    if (parts.size() > 1 && (head.find_first_of(".:") != std::string_view::npos || head == "localhost" || has_upper)) {
        if (!is_registry_host(head)) {
            return false;
        }
        first = 1;
    }
    return std::all_of(parts.begin() + static_cast<std::ptrdiff_t>(first), parts.end(), is_path_component);
}

bool is_full_sha(std::string_view text)
{
    return text.size() == 40 && text.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

bool is_sha256_id(std::string_view text)
{
    return text.size() == 64 && text.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

Status validate_full_sha(std::string_view text, std::string_view what)
{
    if (is_full_sha(text)) {
        return ok_status();
    }
    bool hex = !text.empty() && text.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
    if (hex && text.size() < 40) {
        return usage_error(fmt::format("{} '{}' is not a full commit SHA: it is a short SHA ({} of the full 40-hex "
                                       "characters)",
                                       what, text, text.size()),
                           fmt::format("a short SHA can match more than one commit; give all 40 characters ('git "
                                       "rev-parse {}' prints them)",
                                       text));
    }
    return usage_error(
        fmt::format("{} '{}' is not a full commit SHA (the full 40-hex characters)", what, printable(text, 80)),
        "give the full SHA of a commit ('git rev-parse REF' prints it)");
}

std::string short_sha(std::string_view sha)
{
    return std::string(sha.substr(0, k_short_sha));
}

std::string argocd_short_sha(std::string_view revision)
{
    return std::string(is_full_sha(revision) ? revision.substr(0, k_argocd_short_sha) : revision);
}

}  // namespace kanon::canon
