// Property: for any new value, `set` followed by `get` gives the value back,
// Helm reads it as a string, and every byte outside the old value's span is
// unchanged. Run over values-file shapes written here and over the real
// public values files of the shared corpus (read at test time, never copied).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "yaml/edit.hpp"
#include "yaml/scalar.hpp"

namespace kanon::yaml {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> k_traps = {
    "1e10", "0123", "1.10", "0x1F", "1_000",      "1:20", "true", "on",   "yes",   "no", "off", "null", "~",   "",
    "Y",    "n",    ".inf", "-.5",  "2024-01-31", "<<",   "=",    "0o17", "0b101", "+1", "09",  "1.",   "NULL"};

// Pieces the random values are made of: the characters that change how a
// scalar is read (digits, dots, e, x, :, _, spaces, quotes, #, indicators,
// escapes, line breaks, non-ASCII) and a few letters.
const std::vector<std::string> k_alphabet = {"0",
                                             "1",
                                             "2",
                                             "7",
                                             "9",
                                             ".",
                                             "e",
                                             "E",
                                             "x",
                                             ":",
                                             "_",
                                             " ",
                                             " ",
                                             "\"",
                                             "'",
                                             "#",
                                             "-",
                                             "+",
                                             ",",
                                             "[",
                                             "]",
                                             "{",
                                             "}",
                                             "\\",
                                             "!",
                                             "&",
                                             "*",
                                             "|",
                                             ">",
                                             "%",
                                             "@",
                                             "`",
                                             "?",
                                             "~",
                                             "a",
                                             "v",
                                             "b",
                                             "é",
                                             "日",
                                             "ü",
                                             "\t",
                                             "\n",
                                             "\x01",
                                             "\x7F",
                                             "\xC2\x85",
                                             "\xC2\x80",
                                             "\xC2\x9F",
                                             "\xC2\xA0",
                                             "\xE2\x80\xA8",
                                             "\xEF\xBB\xBF",
                                             "\xEF\xBF\xBE",
                                             "\xF0\x9F\x9A\x80",
                                             std::string("\0", 1),
                                             "---",
                                             "..."};

class ValueGenerator {
public:
    explicit ValueGenerator(std::uint32_t seed) : m_rng(seed) {}

    std::string next()
    {
        std::uniform_int_distribution<int> kind(0, 9);
        int k = kind(m_rng);
        if (k < 2) {
            return pick(k_traps);
        }
        std::string out;
        if (k == 2) {
            out = pick(k_traps);  // a trap word with something around it
        }
        std::uniform_int_distribution<int> len(0, 10);
        for (int n = len(m_rng); n > 0; --n) {
            out += pick(k_alphabet);
        }
        if (k == 3) {
            out += pick(k_traps);
        }
        return out;
    }

private:
    const std::string& pick(const std::vector<std::string>& from)
    {
        std::uniform_int_distribution<std::size_t> d(0, from.size() - 1);
        return from[d(m_rng)];
    }
    std::mt19937 m_rng;
};

struct Shape {
    std::string name;
    std::string text;
    std::string key;
};

// clang-format off
const std::vector<Shape> k_shapes = {
    {"release_plain", "image:\n  repository: registry.gitlab.com/acme/web\n  tag: v1.0.0\n", "image.tag"},
    {"release_double", "image:\n  repository: \"registry.gitlab.com/acme/web\"\n  tag: \"1.10\"\n", "image.tag"},
    {"release_single", "image:\n  repository: 'r'\n  tag: '0123'\n", "image.tag"},
    {"release_crlf", "image:\r\n  repository: r\r\n  tag: v1\r\n", "image.tag"},
    {"release_bom", "\xEF\xBB\xBFimage:\n  repository: r\n  tag: v1\n", "image.tag"},
    {"release_no_final_newline", "image:\n  repository: r\n  tag: v1", "image.tag"},
    {"release_bom_crlf_no_final_newline", "\xEF\xBB\xBFimage:\r\n  tag: \"v1\"", "image.tag"},
    {"release_lone_cr", "image:\r  repository: r\r  tag: v1\r", "image.tag"},
    {"release_mixed_eol", "image:\r\n  repository: r\n  tag: v1\r\nother: x\n", "image.tag"},
    {"chart_values_commented",
     "# Default values for web.\n# This is a YAML-formatted file.\n\nreplicaCount: 1\n\nimage:\n"
     "  # -- the registry\n  repository: nginx\n  # -- Overrides the image tag whose default is the chart appVersion.\n"
     "  tag: \"\"  # keep empty\n  pullPolicy: IfNotPresent\n\nimagePullSecrets: []\nnameOverride: \"\"\n",
     "image.tag"},
    {"chart_four_spaces", "image:\n    repository: r\n    tag: 1.2.3\nservice:\n    port: 80\n", "image.tag"},
    {"flow_map", "image: {repository: r, tag: t}\n", "image.tag"},
    {"flow_map_quoted", "image: {repository: \"r\", tag: \"t\"}\n", "image.tag"},
    {"flow_map_single", "image: {repository: 'r', tag: 't'} # c\n", "image.tag"},
    {"flow_multi_line", "image: {\n  repository: r,\n  tag: t,\n}\n", "image.tag"},
    {"flow_seq_item", "tags: [a, b, c]\n", "tags[1]"},
    {"flow_in_seq", "list: [{tag: a}, {tag: b}]\n", "list[1].tag"},
    {"anchors_elsewhere",
     "defaults: &defaults\n  pullPolicy: Always\nweb:\n  <<: *defaults\n  image:\n    tag: v1\nworker: *defaults\n",
     "web.image.tag"},
    {"multi_doc_key_in_one_doc", "kind: ConfigMap\n---\nimage:\n  tag: v1\n---\nother: 1\n", "image.tag"},
    {"doc_markers", "%YAML 1.1\n---\nimage:\n  tag: v1\n...\n", "image.tag"},
    {"tabs_in_comments", "image:\t# the\timage\n  tag: v1\t# pinned\t\n", "image.tag"},
    {"non_ascii_comments", "# Образ — ü 日本語\nimage: # ✓\n  # é\n  tag: v1 # ß\n", "image.tag"},
    {"non_ascii_value", "image:\n  tag: \"ü-1\"\n", "image.tag"},
    {"list_item", "containers:\n- name: a\n  image:\n    tag: v1\n- name: b\n  image:\n    tag: v2\n",
     "containers[1].image.tag"},
    {"deep", "a:\n  b:\n    c:\n      d:\n        e:\n          tag: v1\n", "a.b.c.d.e.tag"},
    {"empty_value", "image:\n  tag:\n  repository: r\n", "image.tag"},
    {"empty_value_comment", "image:\n  tag: # CI sets this\n", "image.tag"},
    {"empty_value_at_end", "image:\n  tag:", "image.tag"},
    {"tilde", "image:\n  tag: ~\n", "image.tag"},
    {"tagged_str", "image:\n  tag: !!str 1.0\n", "image.tag"},
    {"anchored_unshared", "image:\n  tag: &t v1\n", "image.tag"},
    {"dotted_key", "annotations:\n  app.kubernetes.io/version: \"1.0\"\n", "annotations[\"app.kubernetes.io/version\"]"},
    {"multi_line_plain", "image:\n  tag: a\n    b\n  x: 1\n", "image.tag"},
    {"multi_line_double", "image:\n  tag: \"a\n    b\"\n  x: 1\n", "image.tag"},
    {"trailing_spaces", "image:\n  tag: v1   \n  x: 1\n", "image.tag"},
    {"hash_inside_value", "image:\n  tag: v1#x\n", "image.tag"},
    {"float_tag", "image:\n  tag: 1.10\n", "image.tag"},
    {"int_tag", "image:\n  tag: 3\n", "image.tag"},
    {"bool_value", "enabled: yes\n", "enabled"},
};
// clang-format on

// Checks the property for one set. Returns an empty string when it holds.
std::string check_set(const Stream& s, const Path& p, const std::string& value)
{
    auto old_id = find(s, p);
    if (!old_id) {
        return "the key is not there: " + old_id.error().describe();
    }
    const Node& old = s.node(*old_id);
    auto r = set_scalar(s, p, value);
    if (!r) {
        return "set failed: " + r.error().describe();
    }
    const std::string& before = s.text();
    const std::string& after = r->text;
    Span span = old.value_span;
    std::size_t tail = before.size() - span.end;
    if (after.size() < span.begin + tail || after.compare(0, span.begin, before, 0, span.begin) != 0 ||
        after.compare(after.size() - tail, tail, before, span.end, tail) != 0) {
        return "bytes outside the value's span changed:\n" + after;
    }
    auto again = Stream::parse(after, s.name());
    if (!again) {
        return "the new file does not parse: " + again.error().describe();
    }
    auto got = get_scalar(*again, p);
    if (!got || *got != value) {
        return "does not read back: " + (got ? *got : got.error().describe());
    }
    auto id = find(*again, p);
    const Node& now = again->node(*id);
    if (resolve_node(now) != PlainType::string) {
        return fmt::format("reads back as a {}:\n{}", type_name(resolve_node(now)), after);
    }
    // The old quote style stays where it is safe.
    bool flow = in_flow(*again, *id);
    bool keep = (old.style == Style::plain && plain_is_safe(value, flow)) ||
                (old.style == Style::single_quoted && single_quote_is_safe(value)) || old.style == Style::double_quoted;
    Style expected = keep ? old.style : Style::double_quoted;
    if (now.style != expected) {
        return fmt::format("style {} instead of {}:\n{}", static_cast<int>(now.style), static_cast<int>(expected),
                           after);
    }
    // Idempotent: setting it again changes nothing.
    auto twice = set_scalar(*again, p, value);
    if (!twice || twice->changed || twice->text != after) {
        return "setting the same value again changed the file";
    }
    return {};
}

std::string printable(const std::string& v)
{
    std::string out;
    for (unsigned char c : v) {
        out += c < 0x20 ? fmt::format("\\x{:02X}", c) : std::string(1, static_cast<char>(c));
    }
    return out;
}

TEST(YamlProperty, RandomValuesOverWrittenShapes)
{
    ValueGenerator gen(20240131);
    int sets = 0;
    for (const auto& shape : k_shapes) {
        SCOPED_TRACE(shape.name);
        auto s = Stream::parse(shape.text, shape.name + ".yaml");
        ASSERT_TRUE(s.ok()) << s.error().describe();
        auto p = parse_path(shape.key);
        ASSERT_TRUE(p.ok());
        for (int i = 0; i < 60; ++i) {
            std::string value = gen.next();
            std::string failure = check_set(*s, *p, value);
            EXPECT_EQ(failure, "") << "value '" << printable(value) << "'";
            ++sets;
        }
        for (const auto& trap : k_traps) {
            EXPECT_EQ(check_set(*s, *p, trap), "") << "value '" << trap << "'";
            ++sets;
        }
    }
    EXPECT_GE(k_shapes.size(), 30U);
    RecordProperty("sets", sets);
}

// Creating a key only inserts: the old text is a prefix and a suffix of the new one.
TEST(YamlProperty, CreatingOnlyInserts)
{
    const std::vector<Shape> shapes = {
        {"two_spaces", "image:\n  repository: r\n", "image.tag"},
        {"four_spaces_crlf", "x:\r\n    y: 1\r\n", "image.tag"},
        {"empty_value", "image:\nx: 1\n", "image.tag"},
        {"flow", "image: {repository: r}\n", "image.tag"},
        {"empty", "", "image.tag"},
        {"comment_only", "# nothing yet", "image.tag"},
        {"bom_no_final_newline", "\xEF\xBB\xBFimage:\n  repository: r", "image.tag"},
        {"empty_document", "---\n...\n", "image.tag"},
    };
    ValueGenerator gen(7);
    for (const auto& shape : shapes) {
        SCOPED_TRACE(shape.name);
        auto s = Stream::parse(shape.text, "v.yaml");
        ASSERT_TRUE(s.ok()) << s.error().describe();
        auto p = parse_path(shape.key);
        for (int i = 0; i < 40; ++i) {
            std::string value = gen.next();
            auto r = set_scalar(*s, *p, value);
            ASSERT_TRUE(r.ok()) << printable(value) << ": " << r.error().describe();
            EXPECT_TRUE(r->created);
            const std::string& a = r->text;
            const std::string& b = shape.text;
            std::size_t pre = 0;
            while (pre < b.size() && a[pre] == b[pre]) {
                ++pre;
            }
            std::size_t suf = 0;
            while (suf < b.size() - pre && a[a.size() - 1 - suf] == b[b.size() - 1 - suf]) {
                ++suf;
            }
            EXPECT_EQ(pre + suf, b.size()) << "not a pure insertion:\n" << a;
            auto again = Stream::parse(a, "v.yaml");
            ASSERT_TRUE(again.ok());
            auto got = get_scalar(*again, *p);
            ASSERT_TRUE(got.ok()) << got.error().describe();
            EXPECT_EQ(*got, value);
        }
    }
}

std::string read_file(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

TEST(YamlProperty, RealValuesFilesFromTheCorpus)
{
    const fs::path corpus = fs::path(KANON_SHARED_DIR) / "corpus";
    const fs::path list = corpus / "values.tsv";
    if (!fs::is_regular_file(list) || !fs::is_directory(corpus / "values")) {
        GTEST_SKIP() << "the shared corpus is not at " << corpus.string() << " (values.tsv and values/)";
    }
    std::ifstream tsv(list);
    std::string line;
    ValueGenerator gen(4242);
    std::size_t keys = 0;
    std::size_t ok_keys = 0;
    std::vector<std::string> files;
    std::vector<std::string> failures;
    std::string loaded_name;
    std::optional<Stream> loaded;
    while (std::getline(tsv, line)) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        auto tab = line.find('\t');
        if (line.empty() || line[0] == '#' || tab == std::string::npos) {
            continue;
        }
        std::string file = line.substr(0, tab);
        std::string key = line.substr(tab + 1);
        ++keys;
        if (file != loaded_name) {
            loaded_name = file;
            loaded.reset();
            auto s = Stream::parse(read_file(corpus / "values" / file), file);
            if (!s) {
                failures.push_back(file + ": " + s.error().describe());
                continue;
            }
            loaded = std::move(*s);
            files.push_back(file);
        }
        if (!loaded) {
            failures.push_back(file + " " + key + ": the file did not parse");
            continue;
        }
        auto p = parse_path(key);
        if (!p) {
            failures.push_back(file + " " + key + ": " + p.error().describe());
            continue;
        }
        auto current = get_scalar(*loaded, *p);
        if (!current) {
            failures.push_back(file + " " + key + ": " + current.error().describe());
            continue;
        }
        // Two values a key (each set parses a large file twice): a random
        // one and a trap word, a different trap for each key.
        bool all = true;
        for (const std::string& value : {gen.next(), k_traps[keys % k_traps.size()]}) {
            std::string failure = check_set(*loaded, *p, value);
            if (!failure.empty()) {
                failures.push_back(
                    fmt::format("{} {} = '{}': {}", file, key, printable(value), failure.substr(0, 300)));
                all = false;
            }
        }
        // Setting the value that is there (as a string) changes nothing
        // when it already reads as a string.
        const Node& n = loaded->node(*find(*loaded, *p));
        if (resolve_node(n) == PlainType::string) {
            auto same = set_scalar(*loaded, *p, *current);
            if (!same || same->changed) {
                failures.push_back(file + " " + key + ": setting the current value changed the file");
                all = false;
            }
        }
        ok_keys += all ? 1 : 0;
    }
    std::string summary =
        fmt::format("corpus: {} of {} keys in {} files set and read back", ok_keys, keys, files.size());
    std::cout << "[ corpus   ] " << summary << "\n";
    RecordProperty("corpus_keys", static_cast<int>(ok_keys));
    EXPECT_GT(keys, 0U);
    EXPECT_EQ(ok_keys, keys) << summary;
    for (const auto& f : failures) {
        ADD_FAILURE() << f;
    }
}

}  // namespace
}  // namespace kanon::yaml
