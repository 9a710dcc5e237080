// How Helm (go-yaml, YAML 1.1) types a plain scalar, and how kanon writes a
// string so that it reads back as exactly that string.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "yaml/document.hpp"
#include "yaml/scalar.hpp"

namespace kanon::yaml {
namespace {

struct TypeCase {
    std::string text;
    PlainType type;
};

// clang-format off
const std::vector<TypeCase> k_types = {
    // null
    {"", PlainType::null}, {"~", PlainType::null}, {"null", PlainType::null}, {"Null", PlainType::null},
    {"NULL", PlainType::null}, {"nULL", PlainType::string},
    // YAML 1.1 booleans, every spelling go-yaml v2 knows
    {"y", PlainType::boolean}, {"Y", PlainType::boolean}, {"yes", PlainType::boolean}, {"Yes", PlainType::boolean},
    {"YES", PlainType::boolean}, {"n", PlainType::boolean}, {"N", PlainType::boolean}, {"no", PlainType::boolean},
    {"No", PlainType::boolean}, {"NO", PlainType::boolean}, {"true", PlainType::boolean}, {"True", PlainType::boolean},
    {"TRUE", PlainType::boolean}, {"false", PlainType::boolean}, {"False", PlainType::boolean},
    {"FALSE", PlainType::boolean}, {"on", PlainType::boolean}, {"On", PlainType::boolean}, {"ON", PlainType::boolean},
    {"off", PlainType::boolean}, {"Off", PlainType::boolean}, {"OFF", PlainType::boolean},
    {"yEs", PlainType::string}, {"tRUE", PlainType::string}, {"oN", PlainType::string},
    // integers
    {"0", PlainType::integer}, {"123", PlainType::integer}, {"-1", PlainType::integer}, {"+1", PlainType::integer},
    {"0123", PlainType::integer}, {"0o17", PlainType::integer}, {"0x1F", PlainType::integer},
    {"0x1f", PlainType::integer}, {"0b101", PlainType::integer}, {"1_000", PlainType::integer},
    {"1__0", PlainType::integer}, {"1:20", PlainType::integer}, {"190:20:30", PlainType::integer},
    {"-0x_1F", PlainType::integer}, {"0X1F", PlainType::integer}, {"0B101", PlainType::integer},
    {"0O17", PlainType::integer},
    // floats
    {"1.10", PlainType::floating}, {"1.0", PlainType::floating}, {".5", PlainType::floating},
    {"-.5", PlainType::floating}, {"1.", PlainType::floating}, {"1e10", PlainType::floating},
    {"1E10", PlainType::floating}, {"1e+10", PlainType::floating}, {"1.5e-3", PlainType::floating},
    {"1_000.5", PlainType::floating}, {".inf", PlainType::floating}, {"-.Inf", PlainType::floating},
    {"+.INF", PlainType::floating}, {".nan", PlainType::floating}, {".NaN", PlainType::floating},
    {"190:20:30.15", PlainType::floating}, {"0x1p3", PlainType::floating}, {"inf", PlainType::floating},
    {"Infinity", PlainType::floating}, {"-infinity", PlainType::floating}, {"NaN", PlainType::floating},
    // timestamps
    {"2024-01-31", PlainType::timestamp}, {"2024-1-2", PlainType::timestamp},
    {"2001-12-14t21:59:43.10-05:00", PlainType::timestamp}, {"2001-12-14 21:59:43.10 -5", PlainType::timestamp},
    // merge keys
    {"<<", PlainType::merge}, {"=", PlainType::merge},
    // strings: tags and the near misses of the patterns above
    {"v1.2.3", PlainType::string}, {"1.2.3", PlainType::string}, {"1.10.0", PlainType::string},
    {"1e", PlainType::string}, {"e1", PlainType::string}, {"1e10x", PlainType::string}, {"x1e10", PlainType::string},
    {"0x", PlainType::string}, {"0xG", PlainType::string}, {"0b2", PlainType::string}, {"0o8", PlainType::string},
    {".", PlainType::string}, {"-", PlainType::string}, {"+", PlainType::string}, {"-.", PlainType::string},
    {"+.", PlainType::string}, {"1-2", PlainType::string}, {"10.0.0.1", PlainType::string},
    {"latest", PlainType::string}, {"sha256:abc", PlainType::string}, {"1.0-rc1", PlainType::string},
    {"2024-01-31x", PlainType::string}, {"20240131", PlainType::integer}, {"a:b", PlainType::string},
    {"1:60", PlainType::string}, {"nul", PlainType::string}, {"yes!", PlainType::string},
};
// clang-format on

TEST(YamlScalar, ResolvePlainFollowsYaml11AndGoYaml)
{
    for (const auto& c : k_types) {
        EXPECT_EQ(resolve_plain(c.text), c.type)
            << "'" << c.text << "' is " << type_name(resolve_plain(c.text)) << ", expected " << type_name(c.type);
    }
}

// std::regex recurses per character: a long scalar must not crash the
// resolver, and one written with number characters only is not a string.
TEST(YamlScalar, LongScalarsDoNotOverflowTheStack)
{
    const std::size_t n = 1'000'000;
    EXPECT_NE(resolve_plain(std::string(n, '1')), PlainType::string);
    EXPECT_NE(resolve_plain(std::string(n, '1') + ".5"), PlainType::string);
    EXPECT_NE(resolve_plain("2024-01-01 " + std::string(n, 'x')), PlainType::string);
    EXPECT_EQ(resolve_plain(std::string(n, 'v')), PlainType::string);
    EXPECT_EQ(resolve_plain("v" + std::string(n, '1')), PlainType::string);
    EXPECT_FALSE(plain_is_safe(std::string(n, '9'), false));
    EXPECT_TRUE(plain_is_safe(std::string(n, 'v'), false));
    EXPECT_EQ(render_string(std::string(300, '1'), Style::plain, false), "\"" + std::string(300, '1') + "\"");
    // Up to the length where the patterns still run, a long near-number is typed exactly.
    EXPECT_EQ(resolve_plain(std::string(250, '1') + "x"), PlainType::string);
    EXPECT_EQ(resolve_plain(std::string(250, '1')), PlainType::integer);
}

TEST(YamlScalar, TypeNames)
{
    EXPECT_STREQ(type_name(PlainType::string), "string");
    EXPECT_STREQ(type_name(PlainType::null), "null");
    EXPECT_STREQ(type_name(PlainType::boolean), "boolean");
    EXPECT_STREQ(type_name(PlainType::integer), "integer");
    EXPECT_STREQ(type_name(PlainType::floating), "float");
    EXPECT_STREQ(type_name(PlainType::timestamp), "timestamp");
    EXPECT_STREQ(type_name(PlainType::merge), "merge key");
}

// The node of `v` in `k: <text>`.
Node value_node(const std::string& text)
{
    auto s = Stream::parse("k: " + text + "\n", "t.yaml");
    EXPECT_TRUE(s.ok()) << text << ": " << s.error().describe();
    if (!s.ok()) {
        return {};
    }
    return s->node(s->node(s->documents()[0].root).children[1]);
}

TEST(YamlScalar, ResolveNodeHonoursQuotesAndTags)
{
    const std::vector<std::pair<std::string, PlainType>> cases = {
        {"1.10", PlainType::floating},
        {"\"1.10\"", PlainType::string},
        {"'1.10'", PlainType::string},
        {"!!str 1.10", PlainType::string},
        {"! 1.10", PlainType::string},
        {"!!int \"3\"", PlainType::integer},
        {"!!float '1'", PlainType::floating},
        {"!!bool 'yes'", PlainType::boolean},
        {"!!null ''", PlainType::null},
        {"|\n  1.10\n", PlainType::string},
        {">\n  true\n", PlainType::string},
        {"~", PlainType::null},
        {"", PlainType::null},
        {"v1", PlainType::string},
        {"&a 3", PlainType::integer},
    };
    for (const auto& [text, type] : cases) {
        EXPECT_EQ(resolve_node(value_node(text)), type) << text;
    }
}

struct SafeCase {
    std::string text;
    bool block;
    bool flow;
};

// clang-format off
const std::vector<SafeCase> k_safe = {
    {"v1", true, true}, {"v1.2.3", true, true}, {"registry.example.com/web:v1", true, false},
    {"", false, false}, {"1.10", false, false}, {"true", false, false}, {"~", false, false},
    {"a,b", true, false}, {"a[0]", true, false}, {"a{b}", true, false}, {"a:b", true, false}, {"a?b", true, false},
    {"a#b", true, true}, {"a-b", true, true}, {"it's", true, true}, {"a\"b", true, true}, {"a\\b", true, true},
    {"é日本", true, true}, {"a b", true, true},
    {"a: b", false, false}, {"a:\tb", false, false}, {"a #b", false, false}, {"a\t#b", false, false},
    {"a:", false, false}, {" a", false, false}, {"a ", false, false},
    {"---", false, false}, {"---x", false, false}, {"...", false, false}, {"...x", false, false},
    {"-a", false, false}, {"?a", false, false}, {":a", false, false}, {",a", false, false}, {"[a", false, false},
    {"]a", false, false}, {"{a", false, false}, {"}a", false, false}, {"#a", false, false}, {"&a", false, false},
    {"*a", false, false}, {"!a", false, false}, {"|a", false, false}, {">a", false, false}, {"'a", false, false},
    {"\"a", false, false}, {"%a", false, false}, {"@a", false, false}, {"`a", false, false},
    {"a\nb", false, false}, {"a\tb", false, false}, {"a\rb", false, false}, {"a\x7F", false, false},
    {"a\xC2\x85" "b", false, false}, {"a\xE2\x80\xA8" "b", false, false}, {"a\xE2\x80\xA9" "b", false, false},
    {"a\xEF\xBB\xBF" "b", false, false}, {"a\xC2\x80", false, false}, {"a\xC2\x9F", false, false},
    {"a\xC2\xA0", true, true}, {"a\xEF\xBF\xBE", false, false}, {"a\xEF\xBF\xBF", false, false},
    {"a\xEF\xBF\xBD", true, true}, {"\xF0\x9F\x9A\x80", true, true},
};
// clang-format on

TEST(YamlScalar, PlainIsSafe)
{
    for (const auto& c : k_safe) {
        EXPECT_EQ(plain_is_safe(c.text, false), c.block) << "block: '" << c.text << "'";
        EXPECT_EQ(plain_is_safe(c.text, true), c.flow) << "flow: '" << c.text << "'";
    }
}

TEST(YamlScalar, QuotingFunctions)
{
    EXPECT_EQ(double_quoted(""), "\"\"");
    EXPECT_EQ(double_quoted("a\\b\"c"), "\"a\\\\b\\\"c\"");
    EXPECT_EQ(double_quoted("a\nb\tc\rd"), "\"a\\nb\\tc\\rd\"");
    EXPECT_EQ(double_quoted(std::string("a\0b", 3)), "\"a\\0b\"");
    EXPECT_EQ(double_quoted("\x01\x1B\x7F"), "\"\\x01\\x1B\\x7F\"");
    EXPECT_EQ(double_quoted("a\xC2\x85"
                            "b"),
              "\"a\\Nb\"");
    EXPECT_EQ(double_quoted("\xE2\x80\xA8\xE2\x80\xA9"), "\"\\L\\P\"");
    EXPECT_EQ(double_quoted("\xEF\xBB\xBFx"), "\"\\uFEFFx\"");
    EXPECT_EQ(double_quoted("é日"), "\"é日\"");
    EXPECT_EQ(double_quoted("\xC2\x80\xC2\x9F\xC2\xA0"), "\"\\x80\\x9F\xC2\xA0\"");
    EXPECT_EQ(double_quoted("\xEF\xBF\xBE\xEF\xBF\xBF\xEF\xBF\xBD"), "\"\\uFFFE\\uFFFF\xEF\xBF\xBD\"");
    EXPECT_FALSE(single_quote_is_safe("a\xC2\x80"));
    EXPECT_EQ(single_quoted("it's"), "'it''s'");
    EXPECT_EQ(single_quoted(""), "''");
    EXPECT_TRUE(single_quote_is_safe("a 'b' # c: d"));
    EXPECT_FALSE(single_quote_is_safe("a\nb"));
    EXPECT_FALSE(single_quote_is_safe("a\tb"));
    EXPECT_FALSE(single_quote_is_safe("a\xC2\x85"));
}

struct RenderCase {
    std::string text;
    Style old;
    bool flow;
    std::string expected;
};

// clang-format off
const std::vector<RenderCase> k_render = {
    {"v2", Style::plain, false, "v2"},
    {"v2", Style::single_quoted, false, "'v2'"},
    {"v2", Style::double_quoted, false, "\"v2\""},
    {"v2", Style::literal, false, "\"v2\""},
    {"v2", Style::folded, false, "\"v2\""},
    {"1.10", Style::plain, false, "\"1.10\""},
    {"1.10", Style::single_quoted, false, "'1.10'"},
    {"1.10", Style::double_quoted, false, "\"1.10\""},
    {"", Style::plain, false, "\"\""},
    {"", Style::single_quoted, false, "''"},
    {"it's", Style::plain, false, "it's"},
    {"it's", Style::single_quoted, false, "'it''s'"},
    {"a\nb", Style::single_quoted, false, "\"a\\nb\""},
    {"a,b", Style::plain, false, "a,b"},
    {"a,b", Style::plain, true, "\"a,b\""},
    {"a,b", Style::single_quoted, true, "'a,b'"},
    {"x:y", Style::plain, true, "\"x:y\""},
    {"a: b", Style::plain, false, "\"a: b\""},
    {"on", Style::plain, true, "\"on\""},
};
// clang-format on

TEST(YamlScalar, RenderStringKeepsStyleWhereSafe)
{
    for (const auto& c : k_render) {
        EXPECT_EQ(render_string(c.text, c.old, c.flow), c.expected)
            << "'" << c.text << "' style " << static_cast<int>(c.old) << (c.flow ? " flow" : " block");
    }
}

// Checks that each rendering reads back as its text, as a string: as the
// items of one block list (`- r`) or of one flow list per item (`- [r]`).
// One document holds many renderings so that the check stays fast; when it
// does not parse, each rendering is tried alone to name the culprit.
void expect_read_back(const std::vector<std::string>& texts, const std::vector<std::string>& rendered, bool flow)
{
    std::string doc;
    for (const auto& r : rendered) {
        doc += flow ? "- [" + r + "]\n" : "- " + r + "\n";
    }
    auto s = Stream::parse(doc, "t.yaml");
    if (!s.ok()) {
        ASSERT_GT(rendered.size(), 1U) << rendered[0] << ": " << s.error().describe();
        for (std::size_t i = 0; i < rendered.size(); ++i) {
            expect_read_back({texts[i]}, {rendered[i]}, flow);
        }
        return;
    }
    const Node& list = s->node(s->documents().at(0).root);
    ASSERT_EQ(list.children.size(), rendered.size());
    for (std::size_t i = 0; i < rendered.size(); ++i) {
        NodeId v = list.children[i];
        if (flow) {
            ASSERT_EQ(s->node(v).children.size(), 1U) << rendered[i];
            v = s->node(v).children[0];
        }
        EXPECT_EQ(s->node(v).value, texts[i]) << "rendered as " << rendered[i];
        EXPECT_EQ(resolve_node(s->node(v)), PlainType::string) << "rendered as " << rendered[i];
    }
}

// Whatever render_string writes must read back, through libyaml, as the
// same string: every 1- and 2-character ASCII string and every 3-character
// string over the YAML indicators, in every style, in block and flow context.
TEST(YamlScalar, RenderedStringsReadBackExhaustively)
{
    std::vector<std::string> texts;
    for (int a = 0; a < 128; ++a) {
        texts.emplace_back(1, static_cast<char>(a));
        for (int b = 32; b < 127; ++b) {
            texts.push_back(std::string{static_cast<char>(a), static_cast<char>(b)});
        }
    }
    const std::string indicators = "-?:,[]{}#&*!|>'\"%@` .~0e";
    for (char a : indicators) {
        for (char b : indicators) {
            for (char c : indicators) {
                texts.push_back(std::string{a, b, c});
            }
        }
    }
    const std::vector<std::string> extra = {"\xC2\x85",
                                            "\xE2\x80\xA8",
                                            "\xEF\xBB\xBF",
                                            "é",
                                            "日本",
                                            "\xC2\x80",
                                            "\xC2\x9F",
                                            "\xC2\xA0",
                                            "\xEF\xBF\xBE",
                                            "\xEF\xBF\xBF",
                                            "\xF0\x9F\x9A\x80",
                                            "a\xC2\x85"
                                            "b",
                                            "---",
                                            "...",
                                            "- a",
                                            "? a",
                                            "a #b"};
    texts.insert(texts.end(), extra.begin(), extra.end());
    std::size_t checked = 0;
    constexpr std::size_t k_batch = 2000;
    for (std::size_t from = 0; from < texts.size(); from += k_batch) {
        std::vector<std::string> batch(
            texts.begin() + static_cast<std::ptrdiff_t>(from),
            texts.begin() + static_cast<std::ptrdiff_t>(std::min(texts.size(), from + k_batch)));
        for (Style old : {Style::plain, Style::single_quoted, Style::double_quoted}) {
            for (bool flow : {false, true}) {
                std::vector<std::string> rendered;
                for (const auto& t : batch) {
                    rendered.push_back(render_string(t, old, flow));
                }
                expect_read_back(batch, rendered, flow);
                checked += batch.size();
            }
        }
    }
    EXPECT_GT(checked, 100'000U);
}

}  // namespace
}  // namespace kanon::yaml
