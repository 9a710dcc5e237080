// Helm's merge of a chart's values and the valueFiles, with provenance.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "yaml/merge.hpp"

namespace kanon::yaml {
namespace {

Value load(const std::string& name, const std::string& text)
{
    auto s = Stream::parse(text, name);
    EXPECT_TRUE(s.ok()) << s.error().describe();
    auto v = document_value(*s);
    EXPECT_TRUE(v.ok()) << v.error().describe();
    return v.ok() ? *v : Value{};
}

std::string where(const Location& l)
{
    return l.file + ":" + std::to_string(l.line);
}

const std::string k_chart =
    "image:\n  repository: chart/web\n  tag: latest\n  pullPolicy: IfNotPresent\n"
    "replicas: 1\nlist: [a, b]\nresources:\n  limits: {cpu: 1}\n";
const std::string k_release_layer = "image:\n  repository: registry/web\n  tag: v1\n";
const std::string k_env = "image:\n  tag: v2\nlist: [c]\nreplicas: null\nresources: {limits: {memory: 1Gi}}\n";

TEST(YamlMerge, MapsMergeListsAndScalarsAreReplacedNullDeletes)
{
    Value chart = load("values.yaml", k_chart);
    Value merged = helm_merge(chart, {load("release.yaml", k_release_layer), load("env.yaml", k_env)});
    EXPECT_EQ(merged.to_json().dump(),
              R"({"image":{"repository":"registry/web","tag":"v2","pullPolicy":"IfNotPresent"},"list":["c"],)"
              R"("resources":{"limits":{"cpu":1,"memory":"1Gi"}}})");
}

TEST(YamlMerge, ProvenanceNamesTheWinnerAndWhatItShadowed)
{
    Value merged =
        helm_merge(load("values.yaml", k_chart), {load("release.yaml", k_release_layer), load("env.yaml", k_env)});
    const Value* tag = merged.get("image")->get("tag");
    ASSERT_NE(tag, nullptr);
    EXPECT_EQ(where(tag->origin), "env.yaml:2");
    ASSERT_EQ(tag->shadowed.size(), 2U);  // latest first
    EXPECT_EQ(where(tag->shadowed[0]), "release.yaml:3");
    EXPECT_EQ(where(tag->shadowed[1]), "values.yaml:3");

    const Value* repo = merged.get("image")->get("repository");
    EXPECT_EQ(where(repo->origin), "release.yaml:2");
    ASSERT_EQ(repo->shadowed.size(), 1U);
    EXPECT_EQ(where(repo->shadowed[0]), "values.yaml:2");

    const Value* policy = merged.get("image")->get("pullPolicy");
    EXPECT_EQ(where(policy->origin), "values.yaml:4");
    EXPECT_TRUE(policy->shadowed.empty());

    const Value* list = merged.get("list");
    EXPECT_EQ(where(list->origin), "env.yaml:3");
    ASSERT_EQ(list->shadowed.size(), 1U);
    EXPECT_EQ(where(list->shadowed[0]), "values.yaml:6");
}

// Helm's coalesce walks the chart's keys: a null deletes a key the chart
// has, and a null for a key the chart lacks stays, as the user wrote it.
TEST(YamlMerge, ANullDeletesTheChartsKeyAndStaysWhereTheChartHasNone)
{
    Value merged = helm_merge(load("values.yaml", "c: 1\nd: {e: 1, f: 2}\n"),
                              {load("a.yaml", "x: 1\nw: 2\n"), load("b.yaml", "x: null\nc: null\nd: {e: null}\n")});
    EXPECT_EQ(merged.to_json().dump(), R"({"d":{"f":2},"x":null,"w":2})");
}

TEST(YamlMerge, WithoutChartOrLayers)
{
    EXPECT_EQ(helm_merge(Value{}, {}).to_json().dump(), "{}");
    Value merged = helm_merge(Value{}, {load("a.yaml", "image: {tag: v1}\n")});
    EXPECT_EQ(merged.to_json().dump(), R"({"image":{"tag":"v1"}})");
    // A layer that is not a mapping (an empty file) is skipped.
    merged = helm_merge(load("values.yaml", "a: 1\n"), {load("empty.yaml", "")});
    EXPECT_EQ(merged.to_json().dump(), R"({"a":1})");
}

TEST(YamlMerge, ScalarReplacesMapAndMapReplacesScalar)
{
    Value merged = helm_merge(load("values.yaml", "a: {x: 1}\nb: s\n"), {load("u.yaml", "a: text\nb: {w: 2}\n")});
    EXPECT_EQ(merged.to_json().dump(), R"({"a":"text","b":{"w":2}})");
    EXPECT_EQ(where(merged.get("a")->shadowed.at(0)), "values.yaml:1");
}

TEST(YamlMerge, LeavesInDocumentOrderWithPaths)
{
    Value merged = helm_merge(load("values.yaml",
                                   "image:\n  tag: v1\nlist: [a, {b: 1}]\nempty: {}\nnone: []\n"
                                   "annotations:\n  app.kubernetes.io/name: web\n"),
                              {load("env.yaml", "image:\n  tag: v2\n")});
    std::vector<std::string> got;
    for (const auto& l : leaves(merged)) {
        got.push_back(l.path + "=" + l.value.to_json().dump() + "@" + where(l.value.origin));
    }
    EXPECT_EQ(got, (std::vector<std::string>{
                       "image.tag=\"v2\"@env.yaml:2",
                       "list[0]=\"a\"@values.yaml:3",
                       "list[1].b=1@values.yaml:3",
                       "empty={}@values.yaml:4",
                       "none=[]@values.yaml:5",
                       "annotations[\"app.kubernetes.io/name\"]=\"web\"@values.yaml:7",
                   }));
    EXPECT_EQ(leaves(Value{}).at(0).path, ".");
}

}  // namespace
}  // namespace kanon::yaml
