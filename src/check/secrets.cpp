// The secret scanner: three detectors whose candidates are merged into at
// most one finding per line. The known formats are secret_formats.cpp's.
//
// The generic detector walks the parsed key/value tree; the `kind: Secret`
// detector looks at each document's top-level mapping. Node offsets and raw
// offsets index the same text (the Stream's own copy when there is one), so
// one line index serves both and a generic candidate can give way to the
// known-format hit inside its value.
#include "check/secrets.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <tuple>

#include <fmt/format.h>

#include "check/secret_formats.hpp"
#include "yaml/scalar.hpp"

namespace kanon::check {

namespace {

constexpr std::string_view k_rule = "secrets/plaintext";
constexpr std::string_view k_fix =
    "move it into a SOPS-encrypted Secret in the platform repo and reference that Secret by name; "
    "if this is a false positive, add `# kanon:allow` on this line";

// ---- line and column of a byte offset, the way Stream::locate counts ----

class LineIndex {
public:
    explicit LineIndex(std::string_view text) : m_text(text) {}

    // 1-based line; column in characters.
    std::pair<std::size_t, std::size_t> locate(std::size_t offset)
    {
        build();
        offset = std::min(offset, m_text.size());
        auto it = std::upper_bound(m_starts.begin(), m_starts.end(), offset);
        auto line = static_cast<std::size_t>(it - m_starts.begin());
        std::size_t start = m_starts[line - 1];
        if (start == 0 && m_text.substr(0, 3) == "\xEF\xBB\xBF") {
            start = std::min<std::size_t>(3, offset);
        }
        std::size_t col = 1;
        for (std::size_t i = start; i < offset; ++i) {
            if ((static_cast<unsigned char>(m_text[i]) & 0xC0U) != 0x80U) {
                ++col;
            }
        }
        return {line, col};
    }

    // The text of a 1-based line, without its line break.
    std::string_view line_text(std::size_t line)
    {
        build();
        std::size_t begin = m_starts[line - 1];
        std::size_t end = line < m_starts.size() ? m_starts[line] : m_text.size();
        while (end > begin && (m_text[end - 1] == '\n' || m_text[end - 1] == '\r')) {
            --end;
        }
        return m_text.substr(begin, end - begin);
    }

private:
    void build()
    {
        if (!m_starts.empty()) {
            return;
        }
        m_starts.push_back(0);
        for (std::size_t i = 0; i < m_text.size(); ++i) {
            char c = m_text[i];
            if (c == '\n' || (c == '\r' && (i + 1 == m_text.size() || m_text[i + 1] != '\n'))) {
                m_starts.push_back(i + 1);
            }
        }
    }

    std::string_view m_text;
    std::vector<std::size_t> m_starts;
};

// True when a comment on the line says `kanon:allow` (as a word). A comment
// starts at a `#` at the start of the line or after a blank, outside a
// quoted scalar that opens on this line. (In a block scalar, where YAML has
// no comments, the marker still counts: there is no other place for it.)
bool line_allows(std::string_view line)
{
    constexpr std::string_view k_marker = "kanon:allow";
    char quote = 0;
    char last = 0;  // the last non-blank character outside quotes
    for (std::size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (quote != 0) {
            if (c == '\\' && quote == '"') {
                ++i;
            } else if (c == quote) {
                quote = 0;
                last = c;
            }
            continue;
        }
        bool after_blank = i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t';
        if (c == '"' || c == '\'') {
            bool opens = last == 0 || last == '[' || last == '{' || last == ',' ||
                         (after_blank && (last == ':' || last == '-' || last == '?'));
            if (opens) {
                quote = c;
                continue;
            }
        }
        if (c == '#' && after_blank) {
            for (std::size_t m = line.find(k_marker, i); m != std::string_view::npos; m = line.find(k_marker, m + 1)) {
                std::size_t after = m + k_marker.size();
                if (after == line.size() || !is_dash_word(line[after])) {
                    return true;
                }
            }
            return false;
        }
        if (c != ' ' && c != '\t') {
            last = c;
        }
    }
    return false;
}

// ---- the generic detector: a random-looking value under a secret-looking key ----

// "DB_PASSWORD" -> db password; "secretKeyRef" -> secret key ref;
// "APIKey" -> api key; "tls.crt" -> tls crt.
std::vector<std::string> key_words(std::string_view key)
{
    std::vector<std::string> words;
    std::string cur;
    for (std::size_t i = 0; i < key.size(); ++i) {
        char c = key[i];
        if (!is_alnum(c)) {
            if (!cur.empty()) {
                words.push_back(std::move(cur));
                cur.clear();
            }
            continue;
        }
        if (is_upper(c) && !cur.empty()) {
            char prev = key[i - 1];
            char next = i + 1 < key.size() ? key[i + 1] : '\0';
            if (is_lower(prev) || is_digit(prev) || (is_upper(prev) && is_lower(next))) {
                words.push_back(std::move(cur));
                cur.clear();
            }
        }
        cur.push_back(lower(c));
    }
    if (!cur.empty()) {
        words.push_back(std::move(cur));
    }
    return words;
}

// The words before "key" that make a secret: apiKey, accessKey, privateKey...
bool key_compound(std::string_view stem)
{
    static constexpr std::array<std::string_view, 9> k_stems = {"api",     "access", "private", "secret", "encryption",
                                                                "signing", "master", "auth",    "hmac"};
    return std::find(k_stems.begin(), k_stems.end(), stem) != k_stems.end();
}

// Is words[i] "key"/"keys" (or "apikey", "privatekeys"...) of a secret kind?
bool secret_key_word(const std::vector<std::string>& words, std::size_t i)
{
    std::string_view w = words[i];
    if (w.ends_with("keys")) {
        w.remove_suffix(1);
    }
    if (!w.ends_with("key")) {
        return false;
    }
    std::string_view stem = w.substr(0, w.size() - 3);
    if (stem.empty()) {
        return i > 0 && key_compound(words[i - 1]);
    }
    return key_compound(stem);
}

bool secret_word(std::string_view w)
{
    static constexpr std::array<std::string_view, 7> k_parts = {"password", "passwd",     "passphrase", "pwd",
                                                                "secret",   "credential", "token"};
    if (std::any_of(k_parts.begin(), k_parts.end(), [&](std::string_view p) { return w.find(p) != w.npos; })) {
        return true;
    }
    return w == "pass" || w == "creds" || (w.ends_with("auth") && w != "oauth");
}

// The last key names a secret, not a reference to one or a setting about one.
bool secret_looking_key(std::string_view key)
{
    std::vector<std::string> words = key_words(key);
    if (words.empty() || words.front().starts_with("public") || words.front().starts_with("existing")) {
        return false;
    }
    static constexpr std::array<std::string_view, 28> k_metadata = {
        "name",   "names",    "ref",      "refs",    "file",       "files",    "path",     "paths",  "dir",  "enabled",
        "enable", "disabled", "length",   "policy",  "type",       "url",      "uri",      "urls",   "mode", "format",
        "ttl",    "expiry",   "duration", "timeout", "expiration", "selector", "template", "version"};
    const std::string& last = words.back();
    if (std::any_of(k_metadata.begin(), k_metadata.end(), [&](std::string_view m) { return last.ends_with(m); })) {
        return false;
    }
    if ((last.ends_with("key") || last.ends_with("keys")) && !secret_key_word(words, words.size() - 1)) {
        return false;  // passwordKey, tokenKey: the key inside a Secret
    }
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (secret_word(words[i]) || secret_key_word(words, i)) {
            return true;
        }
    }
    return false;
}

// valueFrom, envFrom, envFromSecret, secretKeyRef, secretRef, existingSecret:
// what is under such a key names a secret (`relay-secret/AUTH_SECRET`), it
// does not hold one.
bool reference_container(std::string_view key)
{
    std::vector<std::string> words = key_words(key);
    return !words.empty() && (std::find(words.begin(), words.end(), "from") != words.end() || words.back() == "ref" ||
                              words.back() == "refs" || words.front() == "existing");
}

bool all_hex(std::string_view s)
{
    return std::all_of(s.begin(), s.end(), is_hex);
}

// "sha256:<64 hex>", optionally after "repo/name@": an image digest.
bool is_digest(std::string_view v)
{
    if (auto at_sign = v.rfind('@'); at_sign != v.npos) {
        v.remove_prefix(at_sign + 1);
    }
    for (auto [algo, len] : {std::pair<std::string_view, std::size_t>{"sha256:", 64}, {"sha512:", 128}}) {
        if (v.starts_with(algo) && v.size() == algo.size() + len && all_hex(v.substr(algo.size()))) {
            return true;
        }
    }
    return false;
}

// Some dash/dot/underscore-separated part of `v` is a word that Secret names use.
bool mentions_secret(std::string_view v)
{
    static constexpr std::array<std::string_view, 13> k_parts = {
        "secret", "secrets",  "credentials", "credential", "creds",  "env",    "tls",
        "auth",   "password", "passwords",   "token",      "tokens", "regcred"};
    std::size_t begin = 0;
    while (begin <= v.size()) {
        std::size_t end = std::min(v.find_first_of("-._", begin), v.size());
        std::string part;
        for (char c : v.substr(begin, end - begin)) {
            part.push_back(lower(c));
        }
        if (std::find(k_parts.begin(), k_parts.end(), part) != k_parts.end()) {
            return true;
        }
        begin = end + 1;
    }
    return false;
}

bool is_dash_word_or_dot(char c)
{
    return is_dash_word(c) || c == '.';
}

// Shaped like a Kubernetes object name (a loose test: what a scanner looks
// for in free text, not a validation).
bool looks_like_object_name(std::string_view v)
{
    return !v.empty() && v.front() != '-' && v.back() != '-' &&
           std::all_of(v.begin(), v.end(), [](char c) { return is_lower(c) || is_digit(c) || c == '-' || c == '.'; });
}

// The name of a Secret ("my-app-db-credentials", "web-app-prod-env"), or a
// NAMESPACE/NAME or NAME/KEY reference ("ingress-nginx/ca-secret",
// "relay-secret/AUTH_SECRET"), that says it is about a secret.
bool is_secret_name(std::string_view v)
{
    std::size_t slash = v.find('/');
    if (slash == std::string_view::npos) {
        return v.find('-') != v.npos && looks_like_object_name(v) && mentions_secret(v);
    }
    std::string_view name = v.substr(0, slash);
    std::string_view rest = v.substr(slash + 1);
    return looks_like_object_name(name) && !rest.empty() &&
           std::all_of(rest.begin(), rest.end(), is_dash_word_or_dot) &&
           (mentions_secret(name) || mentions_secret(rest));
}

// Values under a secret-looking key that are not secrets.
bool is_benign_value(std::string_view v)
{
    if ((v.starts_with("ENC[") && v.ends_with("]")) ||  // SOPS
        v.find("${") != v.npos || v.find("$(") != v.npos || v.find("{{") != v.npos ||
        (v.starts_with('<') && v.ends_with('>')) || has_placeholder_word(v)) {
        return true;
    }
    if (v.size() > 1 && v[0] == '$' && !is_digit(v[1]) && std::all_of(v.begin() + 1, v.end(), is_word)) {
        return true;  // $VAR
    }
    if (std::any_of(v.begin(), v.end(), is_space) || v.starts_with('/') || v.starts_with("./") ||
        v.starts_with("../") || v.starts_with("~/") || v.find("://") != v.npos || v.starts_with('{') ||
        v.starts_with('[')) {
        return true;  // a sentence, a path, a URL (a URL's password is the known-format detector's), JSON
    }
    return is_digest(v) || ((v.size() == 40 || v.size() == 64) && all_hex(v)) || is_secret_name(v);
}

std::string_view trimmed(std::string_view v)
{
    while (!v.empty() && is_space(v.front())) {
        v.remove_prefix(1);
    }
    while (!v.empty() && is_space(v.back())) {
        v.remove_suffix(1);
    }
    return v;
}

struct Candidate {
    std::size_t offset = 0;  // where the finding points
    yaml::Span range{};      // generic: the value, which gives way to a known hit inside it
    int rank = 0;            // 0 known format, 1 kind: Secret, 2 generic
    std::string message;
};

class GenericWalker {
public:
    GenericWalker(const yaml::Stream& s, std::vector<Candidate>& out) : m_s(s), m_out(out) {}

    void walk(yaml::NodeId id, std::string_view key);

private:
    // The text of a scalar key (through an alias); empty for anything else.
    [[nodiscard]] std::string_view scalar_text(yaml::NodeId id) const
    {
        const yaml::Node* n = &m_s.node(id);
        if (n->kind == yaml::Kind::alias && n->alias_of != yaml::k_no_node) {
            n = &m_s.node(n->alias_of);
        }
        return n->kind == yaml::Kind::scalar ? std::string_view(n->value) : std::string_view();
    }
    void check(yaml::NodeId id, std::string_view key);
    void walk_mapping(const yaml::Node& n);

    const yaml::Stream& m_s;
    std::vector<Candidate>& m_out;
};

void GenericWalker::check(yaml::NodeId id, std::string_view key)
{
    const yaml::Node& n = m_s.node(id);
    std::string_view v = trimmed(n.value);
    if (key.empty() || v.size() < 10) {
        return;
    }
    double h = shannon_entropy(v);
    if (h <= 3.5 || !secret_looking_key(key) || is_benign_value(v)) {
        return;
    }
    m_out.push_back({n.value_span.begin, n.value_span, 2,
                     fmt::format("a random-looking value ({:.1f} bits/byte) under the secret-looking key `{}`: {}", h,
                                 key, k_fix)});
}

// Mappings are key0, value0, key1, value1... An environment variable
// ({name: DB_PASSWORD, value: ...}) puts its value under the name.
void GenericWalker::walk_mapping(const yaml::Node& n)
{
    std::string_view env_name;
    bool has_value = false;
    for (std::size_t k = 0; k + 1 < n.children.size(); k += 2) {
        std::string_view key = scalar_text(n.children[k]);
        if (key == "name") {
            env_name = scalar_text(n.children[k + 1]);
        }
        has_value = has_value || key == "value";
    }
    for (std::size_t k = 0; k + 1 < n.children.size(); k += 2) {
        std::string_view key = scalar_text(n.children[k]);
        yaml::Kind kind = m_s.node(n.children[k + 1]).kind;
        bool collection = kind == yaml::Kind::mapping || kind == yaml::Kind::sequence;
        if (!collection || !reference_container(key)) {
            walk(n.children[k + 1], key == "value" && has_value && !env_name.empty() ? env_name : key);
        }
    }
}

void GenericWalker::walk(yaml::NodeId id, std::string_view key)
{
    const yaml::Node& n = m_s.node(id);
    switch (n.kind) {
        case yaml::Kind::scalar:
            check(id, key);
            break;
        case yaml::Kind::alias:
            // A scalar is checked under this key; a collection was walked
            // where it is anchored (and following it could loop).
            if (n.alias_of != yaml::k_no_node && m_s.node(n.alias_of).kind == yaml::Kind::scalar) {
                check(n.alias_of, key);
            }
            break;
        case yaml::Kind::sequence:
            for (yaml::NodeId child : n.children) {
                walk(child, key);
            }
            break;
        case yaml::Kind::mapping:
            walk_mapping(n);
            break;
    }
}

// ---- kind: Secret with data / stringData ----

void scan_secret_kinds(const yaml::Stream& s, std::vector<Candidate>& out)
{
    auto scalar = [&](yaml::NodeId id) -> const yaml::Node* {
        const yaml::Node* n = &s.node(id);
        if (n->kind == yaml::Kind::alias && n->alias_of != yaml::k_no_node) {
            n = &s.node(n->alias_of);
        }
        return n->kind == yaml::Kind::scalar ? n : nullptr;
    };
    for (const auto& doc : s.documents()) {
        if (doc.root == yaml::k_no_node || s.node(doc.root).kind != yaml::Kind::mapping) {
            continue;
        }
        const auto& kids = s.node(doc.root).children;
        bool secret = false;
        std::string_view name;
        for (std::size_t k = 0; k + 1 < kids.size(); k += 2) {
            const yaml::Node* v = scalar(kids[k + 1]);
            secret = secret || (s.key_equals(kids[k], "kind") && v != nullptr && v->value == "Secret");
            if (s.key_equals(kids[k], "metadata") && s.node(kids[k + 1]).kind == yaml::Kind::mapping) {
                const auto& meta = s.node(kids[k + 1]).children;
                for (std::size_t m = 0; m + 1 < meta.size(); m += 2) {
                    if (const yaml::Node* mv = scalar(meta[m + 1]); mv != nullptr && s.key_equals(meta[m], "name")) {
                        name = mv->value;
                    }
                }
            }
        }
        for (std::size_t k = 0; secret && k + 1 < kids.size(); k += 2) {
            const yaml::Node& v = s.node(kids[k + 1]);
            bool empty = v.kind == yaml::Kind::mapping
                             ? v.children.empty()
                             : v.kind == yaml::Kind::scalar && yaml::resolve_node(v) == yaml::PlainType::null;
            for (std::string_view field : {"data", "stringData"}) {
                if (s.key_equals(kids[k], field) && !empty) {
                    out.push_back({s.node(kids[k]).value_span.begin,
                                   {},
                                   1,
                                   fmt::format("the Secret{} carries `{}`: web-core holds references to Secrets only; "
                                               "move it into the platform repo as a SOPS-encrypted Secret and "
                                               "reference it by name; if this is a false positive, add "
                                               "`# kanon:allow` on this line",
                                               name.empty() ? std::string() : fmt::format(" `{}`", name), field)});
                }
            }
        }
    }
}

}  // namespace

double shannon_entropy(std::string_view s)
{
    if (s.empty()) {
        return 0.0;
    }
    std::array<std::size_t, 256> counts{};
    for (char c : s) {
        ++counts[static_cast<unsigned char>(c)];
    }
    const auto total = static_cast<double>(s.size());
    double h = 0.0;
    for (std::size_t c : counts) {
        if (c != 0) {
            double p = static_cast<double>(c) / total;
            h -= p * std::log2(p);
        }
    }
    return h;
}

std::vector<Finding> scan_secrets(const std::string& file, std::string_view text, const yaml::Stream* stream)
{
    // With a parse, its text is the file's text: node offsets index it.
    const std::string_view body = stream != nullptr ? std::string_view(stream->text()) : text;
    std::vector<Candidate> cands;
    for (TokenHit& hit : find_secret_tokens(body)) {
        cands.push_back({hit.offset, {}, 0, fmt::format("{} in plain text: rotate it, then {}", hit.what, k_fix)});
    }
    const std::size_t known = cands.size();
    if (stream != nullptr) {
        scan_secret_kinds(*stream, cands);
        GenericWalker walker(*stream, cands);
        for (const auto& doc : stream->documents()) {
            if (doc.root != yaml::k_no_node) {
                walker.walk(doc.root, {});
            }
        }
    }
    LineIndex index(body);
    struct Located {
        std::size_t line, column;
        const Candidate* c;
    };
    std::vector<Located> located;
    for (const Candidate& c : cands) {
        if (c.rank == 2) {
            // A generic value gives way to the known format found inside it
            // (known hits come first, in text order).
            auto known_end = cands.begin() + static_cast<std::ptrdiff_t>(known);
            auto inside = std::partition_point(cands.begin(), known_end,
                                               [&](const Candidate& k) { return k.offset < c.range.begin; });
            if (inside != known_end && inside->offset < c.range.end) {
                continue;
            }
        }
        auto [line, column] = index.locate(c.offset);
        located.push_back({line, column, &c});
    }
    std::sort(located.begin(), located.end(), [](const Located& a, const Located& b) {
        return std::tie(a.line, a.c->rank, a.column) < std::tie(b.line, b.c->rank, b.column);
    });
    std::vector<Finding> out;
    for (std::size_t i = 0; i < located.size(); ++i) {
        const Located& l = located[i];
        if ((i > 0 && located[i - 1].line == l.line) || line_allows(index.line_text(l.line))) {
            continue;
        }
        out.push_back(make_finding(k_rule, Location{file, l.line, l.column}, l.c->message));
    }
    return out;
}

bool looks_like_secret(std::string_view key, std::string_view value)
{
    if (!find_secret_tokens(value).empty()) {
        return true;
    }
    if (value.empty() || !secret_looking_key(key) || has_placeholder_word(value)) {
        return false;
    }
    return !(value.starts_with("${") || value.starts_with("$(") || value.starts_with("{{"));
}

}  // namespace kanon::check
