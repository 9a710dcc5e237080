// url_duration: duration flags and the URL helpers that decide what of a
// URL is printed: redact_urls / redact, without_userinfo, percent_encode,
// url_with_query.
//
// The input is used three ways: as a duration; as free text to redact; and
// split at its first two '\n' into USER, PASSWORD and the rest, from which
// a URL `PREFIX https://USER:PASSWORD@HOST/REST` is built.
//
// Invariants: a duration that parses is between 0 and a week; redact_urls
// is idempotent; the password of a well-formed URL (user and password of
// letters and digits, the password at least 4 long and nowhere else in the
// text) is not in redact_urls' output, nor in without_userinfo's;
// percent_encode writes only unreserved characters and %XX, and decodes
// back to its input.
#include <chrono>
#include <string>

#include "gitops/git.hpp"
#include "targets.hpp"
#include "util/duration.hpp"
#include "util/http.hpp"
#include "util/redact.hpp"

namespace kanon::fuzz {

namespace {

bool alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::string only_alnum(std::string_view s)
{
    std::string out;
    for (char c : s) {
        if (alnum(c)) {
            out += c;
        }
    }
    return out;
}

int hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

void check_percent(std::string_view text)
{
    std::string enc = http::percent_encode(text);
    std::string dec;
    for (std::size_t i = 0; i < enc.size(); ++i) {
        char c = enc[i];
        if (c == '%') {
            check(i + 2 < enc.size() && hex(enc[i + 1]) >= 0 && hex(enc[i + 2]) >= 0, "percent_encode wrote a bad %XX");
            dec += static_cast<char>(hex(enc[i + 1]) * 16 + hex(enc[i + 2]));
            i += 2;
            continue;
        }
        check(alnum(c) || c == '-' || c == '_' || c == '.' || c == '~', "percent_encode left a reserved character");
        dec += c;
    }
    check(dec == text, "percent_encode does not decode back to its input");
}

}  // namespace

int url_duration(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);

    if (auto d = parse_duration(text, "--timeout"); d.ok()) {
        check(d->count() >= 0 && *d <= std::chrono::hours(24 * 7), "a duration outside [0, a week]");
    }

    std::string once = redact_urls(text);
    check(redact_urls(once) == once, "redact_urls is not idempotent");
    (void)redact(text);
    (void)gitops::without_userinfo(std::string(text));
    check_percent(text);
    (void)http::url_with_query(text, "/api/v1/applications", {{"name", std::string(text)}, {"x y", "&="}});

    auto nl1 = text.find('\n');
    if (nl1 == std::string_view::npos) {
        return 0;
    }
    auto nl2 = text.find('\n', nl1 + 1);
    if (nl2 == std::string_view::npos) {
        return 0;
    }
    std::string user = only_alnum(text.substr(0, nl1));
    std::string password = only_alnum(text.substr(nl1 + 1, nl2 - nl1 - 1));
    std::string_view rest = text.substr(nl2 + 1);
    if (password.size() < 4) {
        return 0;
    }
    // PREFIX (free text ending at a space) and HOST/PATH... from the rest.
    auto space = rest.find(' ');
    std::string prefix = space == std::string_view::npos ? std::string() : std::string(rest.substr(0, space + 1));
    std::string tail(space == std::string_view::npos ? rest : rest.substr(space + 1));
    std::string url = "https://" + user + ":" + password + "@git.example.org/" + tail;
    std::string full = prefix + url;
    if (full.find(password) != prefix.size() + 8 + user.size() + 1 ||
        full.find(password, prefix.size() + 8 + user.size() + 2) != std::string::npos) {
        return 0;  // the password is elsewhere in the text too
    }
    check(redact_urls(full).find(password) == std::string::npos, "redact_urls left a URL's password");
    check(redact(full).find(password) == std::string::npos, "redact left a URL's password");
    check(gitops::without_userinfo(url).find(password) == std::string::npos, "without_userinfo left the password");
    return 0;
}

}  // namespace kanon::fuzz
