// The value tree: aliases expanded under a budget, `<<` merges applied,
// scalars typed the way Helm types them, each node with its FILE:LINE:COL.
#include <gtest/gtest.h>

#include <string>

#include "yaml/value.hpp"

namespace kanon::yaml {
namespace {

Result<Value> value_of(const std::string& text, const Limits& limits = {})
{
    auto s = Stream::parse(text, "v.yaml", limits);
    if (!s) {
        return s.take_error();
    }
    return document_value(*s);
}

// The classic "billion laughs": ten levels of nine aliases each.
std::string alias_bomb()
{
    std::string out = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
    char prev = 'a';
    for (char c = 'b'; c <= 'j'; ++c) {
        out += std::string(1, c) + ": &" + c + " [";
        for (int i = 0; i < 9; ++i) {
            out += std::string(i == 0 ? "" : ",") + "*" + prev;
        }
        out += "]\n";
        prev = c;
    }
    return out;
}

TEST(YamlValue, TypedJsonLikeHelm)
{
    auto v = value_of(
        "int: 1\noctal: 0123\nhex: 0x1F\nhex_upper: 0X1f\nbin_upper: 0B11\nbin: 0b101\noct2: 0o17\nunderscore: "
        "1_000\nneg: -42\n"
        "float: 1.5\nexp: 1e3\ntrailing_zero: 1.10\nb_yes: yes\nb_no: no\nb_n: n\nb_on: on\nb_off: off\n"
        "b_True: True\nnothing: ~\nempty:\nquoted: \"1.10\"\nsingle: '0123'\nstr_tag: !!str 3\n"
        "date: 2024-01-31\nsexagesimal: 1:20\ntag: v1.2.3\nnine: 09\n");
    ASSERT_TRUE(v.ok()) << v.error().describe();
    auto j = v->to_json();
    EXPECT_EQ(j["int"], 1);
    EXPECT_TRUE(j["int"].is_number_integer());
    EXPECT_EQ(j["octal"], 83);
    EXPECT_EQ(j["hex"], 31);
    EXPECT_EQ(j["hex_upper"], 31);
    EXPECT_EQ(j["bin_upper"], 3);
    EXPECT_EQ(j["bin"], 5);
    EXPECT_EQ(j["oct2"], 15);
    EXPECT_EQ(j["underscore"], 1000);
    EXPECT_EQ(j["neg"], -42);
    EXPECT_TRUE(j["float"].is_number_float());
    EXPECT_DOUBLE_EQ(j["float"].get<double>(), 1.5);
    EXPECT_DOUBLE_EQ(j["exp"].get<double>(), 1000.0);
    EXPECT_DOUBLE_EQ(j["trailing_zero"].get<double>(), 1.1);
    EXPECT_EQ(j["b_yes"], true);
    EXPECT_EQ(j["b_no"], false);
    EXPECT_EQ(j["b_n"], false);
    EXPECT_EQ(j["b_on"], true);
    EXPECT_EQ(j["b_off"], false);
    EXPECT_EQ(j["b_True"], true);
    EXPECT_TRUE(j["nothing"].is_null());
    EXPECT_TRUE(j["empty"].is_null());
    EXPECT_EQ(j["quoted"], "1.10");
    EXPECT_EQ(j["single"], "0123");
    EXPECT_EQ(j["str_tag"], "3");
    EXPECT_EQ(j["date"], "2024-01-31");
    EXPECT_EQ(j["sexagesimal"], "1:20");
    EXPECT_EQ(j["tag"], "v1.2.3");
    // go-yaml: 09 is no octal, but its float pattern reads it as 9.
    EXPECT_TRUE(j["nine"].is_number());
    EXPECT_DOUBLE_EQ(j["nine"].get<double>(), 9.0);
    // Keys stay in file order.
    EXPECT_EQ(j.begin().key(), "int");
}

TEST(YamlValue, LongScalarsConvert)
{
    std::string digits(200'000, '1');
    // (Not `n:`: Helm reads that key as false.)
    auto v = value_of("num: " + digits + "\nstr: " + std::string(200'000, 's') + "\n");
    ASSERT_TRUE(v.ok()) << v.error().describe();
    EXPECT_EQ(v->get("num")->to_json(), digits);  // past a float64 too: go-yaml keeps a string
    EXPECT_EQ(v->get("str")->scalar_type, PlainType::string);
}

TEST(YamlValue, EveryBooleanSpelling)
{
    for (const char* t : {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}) {
        auto v = value_of(std::string("k: ") + t + "\n");
        ASSERT_TRUE(v.ok());
        EXPECT_EQ(v->get("k")->to_json(), true) << t;
    }
    for (const char* t : {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}) {
        auto v = value_of(std::string("k: ") + t + "\n");
        ASSERT_TRUE(v.ok());
        EXPECT_EQ(v->get("k")->to_json(), false) << t;
    }
}

// go-yaml v2, Helm's reader, applies a mapping in document order: a `<<`
// after a key overrides it, a key after a `<<` overrides the merge.
TEST(YamlValue, MergeKeysFollowDocumentOrderAsHelmReadsThem)
{
    auto v = value_of("b: &b {x: 1, z: 1}\nd: {x: 2, <<: *b, z: 3}\n");
    ASSERT_TRUE(v.ok()) << v.error().describe();
    EXPECT_EQ(v->get("d")->to_json().dump(), R"({"x":1,"z":3})");
}

TEST(YamlValue, MergeKeysFillInWhatTheMappingDoesNotSet)
{
    auto v = value_of(
        "base: &b {a: 1, b: 2}\nother: &o {b: 3, c: 4}\n"
        "x:\n  <<: [*b, *o]\n  a: own\n");
    ASSERT_TRUE(v.ok()) << v.error().describe();
    const Value* x = v->get("x");
    ASSERT_NE(x, nullptr);
    EXPECT_EQ(x->to_json().dump(), R"({"b":2,"c":4,"a":"own"})");
    EXPECT_EQ(x->get("<<"), nullptr);
    // A merged value remembers where it was written.
    EXPECT_EQ(x->get("b")->origin.line, 1U);
    EXPECT_EQ(x->get("a")->origin.line, 5U);
}

TEST(YamlValue, AliasesExpand)
{
    auto v = value_of("base: &b\n  tag: v1\nimage: *b\nlist: &l [1, 2]\ncopy: *l\n");
    ASSERT_TRUE(v.ok()) << v.error().describe();
    EXPECT_EQ(v->to_json().dump(), R"({"base":{"tag":"v1"},"image":{"tag":"v1"},"list":[1,2],"copy":[1,2]})");
}

TEST(YamlValue, AliasBombIsAnErrorNotAnOutOfMemory)
{
    auto v = value_of(alias_bomb());
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.error().describe().find("aliases expand to more than the limit of 100000 nodes"), std::string::npos)
        << v.error().describe();
    EXPECT_EQ(v.error().where.file, "v.yaml");
    EXPECT_GT(v.error().where.line, 0U);
}

TEST(YamlValue, NodeCountIsALimit)
{
    Limits l;
    l.max_nodes = 8;
    EXPECT_TRUE(value_of("a: [1, 2]\n", l).ok());
    auto many = Stream::parse("a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n", "n.yaml", l);
    ASSERT_FALSE(many.ok());
    EXPECT_NE(many.error().describe().find("more than the limit of 8 YAML nodes"), std::string::npos)
        << many.error().describe();
    EXPECT_EQ(many.error().where.file, "n.yaml");
    EXPECT_EQ(many.error().where.line, 1U);
}

TEST(YamlValue, AliasBudgetIsALimit)
{
    Limits l;
    l.max_alias_expansion = 5;
    EXPECT_TRUE(value_of("a: &a [1, 2]\nb: [*a, *a]\n", l).ok());
    EXPECT_FALSE(value_of("a: &a [1, 2]\nb: [*a, *a, *a, *a, *a, *a]\n", l).ok());
}

TEST(YamlValue, RecursiveAliasIsAnError)
{
    auto v = value_of("a: &a [*a]\n");
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.error().describe().find("nesting deeper than the limit"), std::string::npos) << v.error().describe();
}

TEST(YamlValue, Refusals)
{
    auto dup = value_of("a: 1\nb: 2\na: 3\n");
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().describe(), "v.yaml:3:1: duplicate key 'a'");

    auto bad_merge = value_of("a: &a [1]\nb:\n  <<: *a\n");
    ASSERT_FALSE(bad_merge.ok());
    EXPECT_NE(bad_merge.error().describe().find("a `<<` merge must name a mapping"), std::string::npos);

    auto complex_key = value_of("? [a]\n: 1\n");
    ASSERT_FALSE(complex_key.ok());
    EXPECT_NE(complex_key.error().describe().find("not a scalar is not supported"), std::string::npos);

    auto several = value_of("a: 1\n---\nb: 2\n");
    ASSERT_FALSE(several.ok());
    EXPECT_EQ(several.error().describe(), "v.yaml:2:1: expected one YAML document, found several");
}

TEST(YamlValue, EmptyFileIsNull)
{
    for (const char* t : {"", "# only a comment\n"}) {
        auto v = value_of(t);
        ASSERT_TRUE(v.ok());
        EXPECT_EQ(v->type, Value::Type::null);
        EXPECT_TRUE(v->to_json().is_null());
        EXPECT_EQ(v->origin.file, "v.yaml");
    }
    auto s = Stream::parse("a: 1\n", "v.yaml");
    ASSERT_TRUE(s.ok());
    auto none = to_value(*s, k_no_node);
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(none->type, Value::Type::null);
}

TEST(YamlValue, OriginPointsAtTheValue)
{
    auto v = value_of("# ü\nimage:\n  tag: \"v1\" # c\n  list:\n  - x\n");
    ASSERT_TRUE(v.ok());
    const Value* tag = v->get("image")->get("tag");
    EXPECT_EQ(tag->origin.file, "v.yaml");
    EXPECT_EQ(tag->origin.line, 3U);
    EXPECT_EQ(tag->origin.column, 8U);
    EXPECT_EQ(tag->style, Style::double_quoted);
    EXPECT_EQ(tag->scalar_type, PlainType::string);
    const Value* list = v->get("image")->get("list");
    EXPECT_EQ(list->type, Value::Type::sequence);
    EXPECT_EQ(list->items.at(0).origin.line, 5U);
    EXPECT_EQ(v->get("missing"), nullptr);
}

}  // namespace
}  // namespace kanon::yaml
