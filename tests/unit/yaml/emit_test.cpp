// Emitting new files in the layout of existing ones: detect_layout reads
// indentation, list indentation, line breaks and `---`; emit writes a tree
// that parses back to the same values; put builds trees from key paths.
#include <gtest/gtest.h>

#include "yaml/emit.hpp"

namespace kanon::yaml {
namespace {

Layout layout_of(const std::string& text)
{
    auto s = Stream::parse(text, "t.yaml");
    EXPECT_TRUE(s) << s.error().describe();
    return detect_layout(*s);
}

TEST(EmitLayout, ReadsIndentationListsLineBreaksAndDocumentStart)
{
    Layout two = layout_of("a:\n  b: 1\nl:\n  - x\n");
    EXPECT_EQ(two.indent, 2U);
    EXPECT_EQ(two.sequence_offset, 2U);
    EXPECT_EQ(two.line_break, "\n");
    EXPECT_FALSE(two.document_start);

    Layout four = layout_of("---\r\nl:\r\n- x\r\na:\r\n    b: 1\r\n");
    EXPECT_EQ(four.indent, 4U);
    EXPECT_EQ(four.sequence_offset, 0U);
    EXPECT_EQ(four.line_break, "\r\n");
    EXPECT_TRUE(four.document_start);

    // Lists of mappings, and a mapping nested in a list item.
    Layout items = layout_of("envFrom:\n    - secretRef:\n          name: x\n");
    EXPECT_EQ(items.sequence_offset, 4U);
    EXPECT_EQ(items.indent, 4U);

    // Nothing to read: the fallback stays.
    Layout flat = layout_of("a: 1\n");
    EXPECT_EQ(flat.indent, 2U);
    EXPECT_EQ(flat.sequence_offset, 2U);
}

TEST(Emit, WritesBlockYamlInTheLayoutAndQuotesWhatHelmWouldMisread)
{
    Value root = mapping_value();
    for (const auto& [key, leaf] : std::vector<std::pair<std::string, Value>>{
             {"image.tag", string_value("1.10")},
             {"image.repository", string_value("r/x")},
             {"envFrom[].secretRef.name", string_value("s")},
             {"hosts[0]", string_value("a.example.org")},
             {"on", raw_value("true")},
             {"empty", sequence_value()},
         }) {
        auto path = parse_path(key);
        ASSERT_TRUE(path);
        ASSERT_TRUE(put(root, *path, leaf)) << key;
    }
    EXPECT_EQ(emit(root, {}, "two\nlines"),
              "# two\n# lines\nimage:\n  tag: \"1.10\"\n  repository: r/x\nenvFrom:\n  - secretRef:\n"
              "      name: s\nhosts:\n  - a.example.org\n\"on\": true\nempty: []\n");
    Layout l{4, 0, "\r\n", true};
    std::string text = emit(root, l);
    EXPECT_EQ(text,
              "---\r\nimage:\r\n    tag: \"1.10\"\r\n    repository: r/x\r\nenvFrom:\r\n- secretRef:\r\n"
              "      name: s\r\nhosts:\r\n- a.example.org\r\n\"on\": true\r\nempty: []\r\n");
    auto back = Stream::parse(text, "t.yaml");
    ASSERT_TRUE(back);
    auto v = document_value(*back);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->to_json().dump(),
              R"({"image":{"tag":"1.10","repository":"r/x"},"envFrom":[{"secretRef":{"name":"s"}}],)"
              R"("hosts":["a.example.org"],"on":true,"empty":[]})");
    auto reread = detect_layout(*back);
    EXPECT_EQ(reread.indent, 4U);
    EXPECT_EQ(reread.sequence_offset, 0U);
}

TEST(Emit, PutRefusesConflictsAndOtherIndexes)
{
    Value root = mapping_value();
    ASSERT_TRUE(put(root, *parse_path("a.b"), string_value("1")));
    EXPECT_FALSE(put(root, *parse_path("a.b"), string_value("2")));
    EXPECT_FALSE(put(root, *parse_path("a.b.c"), string_value("2")));
    EXPECT_FALSE(put(root, *parse_path("l[1]"), string_value("2")));
    auto st = put(root, *parse_path("a[]"), string_value("2"));
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message, "cannot write the key path 'a[]': a list index under a value that is not a list");
}

}  // namespace
}  // namespace kanon::yaml
