// The known-format detector: one forward pass over the bytes. Every format
// starts with a fixed prefix, so the pass only stops on a byte that can begin
// one (a 256-entry table) and, for the word-like prefixes, only at the start
// of a word; there it compares the few prefixes of that byte and measures the
// token's body. A hit moves the pass to the next line (one finding per line)
// and every look-ahead is bounded, so the pass is linear in the file. No
// regular expressions: this runs over every file of web-core.
#include "check/secret_formats.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include <fmt/format.h>

namespace kanon::check {

namespace {

bool contains_ci(std::string_view hay, std::string_view needle)
{
    if (needle.size() > hay.size()) {
        return false;
    }
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
        std::size_t k = 0;
        while (k < needle.size() && lower(hay[i + k]) == needle[k]) {
            ++k;
        }
        if (k == needle.size()) {
            return true;
        }
    }
    return false;
}

bool is_placeholder_body(std::string_view body)
{
    std::array<bool, 256> seen{};
    std::size_t distinct = 0;
    for (char c : body) {
        auto& b = seen[static_cast<unsigned char>(c)];
        if (!b) {
            b = true;
            ++distinct;
        }
    }
    return distinct < 5 || has_placeholder_word(body);
}

// ---- the known-format detector ----

using Hit = TokenHit;

enum class Body : std::uint8_t { dash_word, alnum, word };

struct PrefixRule {
    std::string_view prefix;
    std::string_view what;
    Body body;
    std::size_t min;
};

// Token prefixes by first byte: GitLab's documented prefixes (the set
// gitleaks has rules for), GitHub's; then Stripe's live keys.
constexpr std::array<PrefixRule, 18> k_g_rules = {{
    {"glpat-", "a GitLab personal access token", Body::dash_word, 20},
    {"gldt-", "a GitLab deploy token", Body::dash_word, 20},
    {"glrt-", "a GitLab runner authentication token", Body::dash_word, 20},
    {"gloas-", "a GitLab OAuth application secret", Body::dash_word, 20},
    {"glptt-", "a GitLab pipeline trigger token", Body::dash_word, 20},
    {"glcbt-", "a GitLab CI/CD job token", Body::dash_word, 20},
    {"glimt-", "a GitLab incoming email token", Body::dash_word, 20},
    {"glagent-", "a GitLab agent for Kubernetes token", Body::dash_word, 20},
    {"glsoat-", "a GitLab SCIM token", Body::dash_word, 20},
    {"glffct-", "a GitLab feature flags client token", Body::dash_word, 20},
    {"glft-", "a GitLab feed token", Body::dash_word, 20},
    {"ghp_", "a GitHub personal access token", Body::alnum, 36},
    {"gho_", "a GitHub OAuth access token", Body::alnum, 36},
    {"ghu_", "a GitHub user-to-server token", Body::alnum, 36},
    {"ghs_", "a GitHub server-to-server token", Body::alnum, 36},
    {"ghr_", "a GitHub refresh token", Body::alnum, 36},
    {"github_pat_", "a GitHub fine-grained personal access token", Body::word, 82},
    {"GR1348941", "a GitLab runner registration token", Body::dash_word, 20},
}};
constexpr std::array<PrefixRule, 2> k_stripe_rules = {{
    {"sk_live_", "a Stripe live secret key", Body::alnum, 10},
    {"rk_live_", "a Stripe live restricted key", Body::alnum, 10},
}};

constexpr std::size_t k_max_body = 256;

class KnownScanner {
public:
    explicit KnownScanner(std::string_view text) : m_t(text) {}

    // Every hit, the first of each line only, in text order.
    std::vector<Hit> run();

private:
    // The length of the body at `from`, up to k_max_body: no format is longer,
    // and the cap keeps a text of back-to-back near-tokens linear.
    [[nodiscard]] std::size_t run_of(std::size_t from, Body body) const
    {
        std::size_t j = from;
        while (j < m_t.size() && j - from < k_max_body &&
               (body == Body::alnum  ? is_alnum(m_t[j])
                : body == Body::word ? is_word(m_t[j])
                                     : is_dash_word(m_t[j]))) {
            ++j;
        }
        return j - from;
    }
    [[nodiscard]] bool starts(std::size_t i, std::string_view s) const { return m_t.substr(i, s.size()) == s; }
    [[nodiscard]] bool word_start(std::size_t i) const { return i == 0 || !is_word(m_t[i - 1]); }

    bool prefixed(std::size_t i, const PrefixRule& r, Hit& hit) const;
    bool aws(std::size_t i, Hit& hit) const;
    bool age(std::size_t i, Hit& hit) const;
    bool slack(std::size_t i, Hit& hit) const;
    bool pem(std::size_t i, Hit& hit) const;
    bool pem_base64(std::size_t i, Hit& hit) const;
    bool url(std::size_t i, Hit& hit) const;
    bool at(std::size_t i, Hit& hit) const;

    std::string_view m_t;
};

bool KnownScanner::prefixed(std::size_t i, const PrefixRule& r, Hit& hit) const
{
    if (!starts(i, r.prefix)) {
        return false;
    }
    std::size_t from = i + r.prefix.size();
    std::size_t n = run_of(from, r.body);
    if (n < r.min || is_placeholder_body(m_t.substr(from, n))) {
        return false;
    }
    hit = {i, from + n, fmt::format("{} ({}…)", r.what, r.prefix)};
    return true;
}

// AWS access key IDs: AKIA (long-term), ASIA (temporary), ABIA, ACCA, then 16
// upper-case letters or digits, a whole word. AWS's documentation example
// (…EXAMPLE) is a placeholder.
bool KnownScanner::aws(std::size_t i, Hit& hit) const
{
    std::string_view p = m_t.substr(i, 4);
    if (p != "AKIA" && p != "ASIA" && p != "ABIA" && p != "ACCA") {
        return false;
    }
    std::size_t j = i + 4;
    while (j < m_t.size() && j < i + 20 && is_upper_alnum(m_t[j])) {
        ++j;
    }
    if (j != i + 20 || (j < m_t.size() && is_word(m_t[j])) || is_placeholder_body(m_t.substr(i + 4, 16))) {
        return false;
    }
    hit = {i, j, fmt::format("an AWS access key ID ({}…)", p)};
    return true;
}

// age: AGE-SECRET-KEY-1 and 58 characters of the upper-case bech32 alphabet.
bool KnownScanner::age(std::size_t i, Hit& hit) const
{
    constexpr std::string_view k_prefix = "AGE-SECRET-KEY-1";
    if (!starts(i, k_prefix)) {
        return false;
    }
    std::size_t from = i + k_prefix.size();
    std::size_t j = from;
    while (j < m_t.size() && j - from < k_max_body && is_bech32_upper(m_t[j])) {
        ++j;
    }
    if (j - from < 58 || is_placeholder_body(m_t.substr(from, j - from))) {
        return false;
    }
    hit = {i, j, "an age secret key (AGE-SECRET-KEY-1…)"};
    return true;
}

// Slack: xoxa- xoxb- xoxp- xoxr- xoxs- and a body of 10+ [0-9A-Za-z-] with a
// digit in it (real tokens are mostly digits; `xoxb-your-token` is not one).
bool KnownScanner::slack(std::size_t i, Hit& hit) const
{
    if (!starts(i, "xox") || i + 4 >= m_t.size() ||
        std::string_view("abprs").find(m_t[i + 3]) == std::string_view::npos || m_t[i + 4] != '-') {
        return false;
    }
    std::size_t from = i + 5;
    std::size_t j = from;
    bool digit = false;
    while (j < m_t.size() && j - from < k_max_body && (is_alnum(m_t[j]) || m_t[j] == '-')) {
        digit = digit || is_digit(m_t[j]);
        ++j;
    }
    if (j - from < 10 || !digit || is_placeholder_body(m_t.substr(from, j - from))) {
        return false;
    }
    hit = {i, j, fmt::format("a Slack token ({}…)", m_t.substr(i, 5))};
    return true;
}

// The label of a PEM header names a private key: "RSA PRIVATE KEY",
// "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "PGP PRIVATE KEY BLOCK"...
bool private_key_label(std::string_view label)
{
    return label.ends_with("PRIVATE KEY") || label.ends_with("PRIVATE KEY BLOCK");
}

// Reads "-----BEGIN LABEL-----" at `i`; returns the label's length, or npos.
std::size_t pem_label(std::string_view t, std::size_t i)
{
    constexpr std::string_view k_begin = "-----BEGIN ";
    if (t.substr(i, k_begin.size()) != k_begin) {
        return std::string_view::npos;
    }
    std::size_t from = i + k_begin.size();
    std::size_t j = from;
    while (j < t.size() && j < from + 64 && (is_upper_alnum(t[j]) || t[j] == ' ')) {
        ++j;
    }
    return t.substr(j, 5) == "-----" ? j - from : std::string_view::npos;
}

// A private key block: the header, then key material (a run of 40+ base64
// characters within 256 bytes), so that a comment naming the header
// ("should start with -----BEGIN RSA PRIVATE KEY-----", or `...` as the
// body) is not a key.
bool KnownScanner::pem(std::size_t i, Hit& hit) const
{
    std::size_t n = pem_label(m_t, i);
    if (n == std::string_view::npos) {
        return false;
    }
    std::string_view label = m_t.substr(i + 11, n);
    if (!private_key_label(label)) {
        return false;
    }
    std::size_t from = i + 11 + n + 5;
    std::size_t limit = std::min(m_t.size(), from + 256);
    std::size_t run = 0;
    for (std::size_t j = from; j < limit && run < 40; ++j) {
        run = is_base64(m_t[j]) ? run + 1 : 0;
    }
    if (run < 40) {
        return false;
    }
    hit = {i, from, fmt::format("a private key (-----BEGIN {}-----)", label)};
    return true;
}

// A base64-encoded PEM private key (as in a Secret's `tls.key` or a values
// file's `key: LS0tLS1CRUdJTi...`): decode the start and read the header.
bool KnownScanner::pem_base64(std::size_t i, Hit& hit) const
{
    constexpr std::string_view k_prefix = "LS0tLS1CRUdJTi";  // "-----BEGIN" encoded
    if (!starts(i, k_prefix) || (i > 0 && is_base64(m_t[i - 1]))) {
        return false;
    }
    std::size_t j = i;
    while (j < m_t.size() && j < i + 128 && is_base64(m_t[j])) {
        ++j;
    }
    if (j - i < 128) {  // the header alone, no key after it
        return false;
    }
    std::string decoded;
    std::uint32_t acc = 0;
    int bits = 0;
    for (std::size_t k = i; k < j && m_t[k] != '='; ++k) {
        char c = m_t[k];
        auto v = static_cast<std::uint32_t>(is_upper(c)   ? c - 'A'
                                            : is_lower(c) ? c - 'a' + 26
                                            : is_digit(c) ? c - '0' + 52
                                            : c == '+'    ? 62
                                                          : 63);
        acc = (acc << 6U) | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            decoded.push_back(static_cast<char>((acc >> static_cast<unsigned>(bits)) & 0xFFU));
        }
    }
    std::size_t n = pem_label(decoded, 0);
    if (n == std::string_view::npos || !private_key_label(std::string_view(decoded).substr(11, n))) {
        return false;
    }
    hit = {i, j, "a base64-encoded private key (LS0tLS1CRUdJTi…)"};
    return true;
}

// A password that stands for one: empty, ${VAR}, $(VAR), $VAR, {{ .x }},
// <password>, ***, and the words documentation uses.
bool is_placeholder_password(std::string_view p)
{
    if (p.empty() || p.starts_with("${") || p.starts_with("$(") || p.starts_with("{{") ||
        (p.starts_with('<') && p.ends_with('>')) || p.find_first_not_of('*') == std::string_view::npos ||
        p.find_first_not_of('.') == std::string_view::npos || p == "%s" || p == "%v") {
        return true;
    }
    if (p.size() > 1 && p[0] == '$' && !is_digit(p[1]) &&
        std::all_of(p.begin() + 1, p.end(), [](char c) { return is_word(c); })) {
        return true;
    }
    static constexpr std::array<std::string_view, 6> k_words = {"password", "pass", "passwd", "pwd", "secret", "xxx"};
    std::string low;
    for (char c : p) {
        low.push_back(lower(c));
    }
    return std::find(k_words.begin(), k_words.end(), low) != k_words.end() || has_placeholder_word(p);
}

// scheme://user:PASSWORD@host — at `i` is the ':' of "://".
bool KnownScanner::url(std::size_t i, Hit& hit) const
{
    auto scheme_char = [](char c) { return is_alnum(c) || c == '+' || c == '.' || c == '-'; };
    std::size_t s = i;
    while (s > 0 && i - s < 32 && scheme_char(m_t[s - 1])) {
        --s;
    }
    if (s == i || !(is_upper(m_t[s]) || is_lower(m_t[s])) || (s > 0 && scheme_char(m_t[s - 1]))) {
        return false;
    }
    std::size_t from = i + 3;
    std::size_t j = from;
    std::size_t at_sign = std::string_view::npos;
    while (j < m_t.size() && j < from + 512) {
        char c = m_t[j];
        if (is_space(c) || c == '/' || c == '"' || c == '\'' || c == '`' || c == '\\') {
            break;
        }
        if (c == '@') {
            at_sign = j;
        }
        ++j;
    }
    if (at_sign == std::string_view::npos || at_sign + 1 == j) {
        return false;
    }
    std::string_view userinfo = m_t.substr(from, at_sign - from);
    std::size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos || is_placeholder_password(userinfo.substr(colon + 1))) {
        return false;
    }
    hit = {s, j, fmt::format("a password in a URL ({}://…:…@…)", m_t.substr(s, i - s))};
    return true;
}

bool KnownScanner::at(std::size_t i, Hit& hit) const
{
    char c = m_t[i];
    switch (c) {
        case '-':
            return pem(i, hit);
        case ':':
            return i + 2 < m_t.size() && m_t[i + 1] == '/' && m_t[i + 2] == '/' && url(i, hit);
        default:
            break;
    }
    if (!word_start(i)) {
        return false;
    }
    switch (c) {
        case 'g':
        case 'G':
            return std::any_of(k_g_rules.begin(), k_g_rules.end(),
                               [&](const PrefixRule& r) { return r.prefix[0] == c && prefixed(i, r, hit); });
        case 's':
        case 'r':
            return std::any_of(k_stripe_rules.begin(), k_stripe_rules.end(),
                               [&](const PrefixRule& r) { return r.prefix[0] == c && prefixed(i, r, hit); });
        case 'A':
            return aws(i, hit) || age(i, hit);
        case 'x':
            return slack(i, hit);
        case 'L':
            return pem_base64(i, hit);
        default:
            return false;
    }
}

std::vector<Hit> KnownScanner::run()
{
    // 1: a format can start here anywhere ("-----BEGIN", "://"); 2: only at
    // the start of a word (the token prefixes).
    static constexpr std::array<std::uint8_t, 256> k_trigger = [] {
        std::array<std::uint8_t, 256> t{};
        for (unsigned char c : std::string_view("gGsrAxL")) {
            t[c] = 2;
        }
        t['-'] = 1;
        t[':'] = 1;
        return t;
    }();
    std::vector<Hit> hits;
    const std::size_t n = m_t.size();
    for (std::size_t i = 0; i < n; ++i) {
        std::uint8_t kind = k_trigger[static_cast<unsigned char>(m_t[i])];
        if (kind == 0 || (kind == 2 && i > 0 && is_word(m_t[i - 1])) ||
            (kind == 1 && (i + 2 >= n || m_t[i + 1] != (m_t[i] == '-' ? '-' : '/')))) {
            continue;
        }
        Hit hit;
        if (!at(i, hit)) {
            continue;
        }
        // One finding per line: the rest of this line cannot add one.
        std::size_t next = hit.end;
        while (next < n && m_t[next] != '\n' && m_t[next] != '\r') {
            ++next;
        }
        hits.push_back(std::move(hit));
        i = next;
    }
    return hits;
}

}  // namespace

bool has_placeholder_word(std::string_view s)
{
    static constexpr std::array<std::string_view, 13> k_words = {
        "xxxx",      "****",      "your",      "example",    "placeholder", "redacted", "changeme",
        "change-me", "change_me", "replaceme", "replace-me", "replace_me",  "dummy"};
    return std::any_of(k_words.begin(), k_words.end(), [&](std::string_view w) { return contains_ci(s, w); });
}

std::vector<TokenHit> find_secret_tokens(std::string_view text)
{
    return KnownScanner(text).run();
}

}  // namespace kanon::check
