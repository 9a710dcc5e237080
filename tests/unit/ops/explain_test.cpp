// explain: Helm's merge over the example web-core and over small temporary
// trees, with provenance and the env-overrides-release warning.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ops/explain.hpp"

namespace kanon::ops {
namespace {

namespace fs = std::filesystem;

class TempTree {
public:
    TempTree()
    {
        std::string tmpl = (fs::temp_directory_path() / "kanon-explain-XXXXXX").string();
        m_root = ::mkdtemp(tmpl.data());
    }
    ~TempTree() { fs::remove_all(m_root); }
    void write(const std::string& rel, const std::string& text) const
    {
        fs::create_directories((fs::path(m_root) / rel).parent_path());
        std::ofstream(fs::path(m_root) / rel) << text;
    }
    [[nodiscard]] const std::string& root() const { return m_root; }

private:
    std::string m_root;
};

const yaml::Leaf* leaf(const ExplainReport& r, const std::string& key)
{
    for (const auto& l : r.leaves) {
        if (l.path == key) {
            return &l;
        }
    }
    return nullptr;
}

TEST(Explain, ExampleWebCoreDevStage)
{
    ExplainOptions o;
    o.dir = std::string(KANON_SOURCE_DIR) + "/examples/web-core";
    o.app = "synestra-io";
    o.stage = "dev";
    auto r = explain(o);
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_TRUE(r->from_application);
    ASSERT_EQ(r->sources.size(), 3U);
    EXPECT_EQ(r->sources[0].file, "deploy/charts/web/values.yaml");
    EXPECT_EQ(r->sources[1].file, "deploy/env/release-dev/synestra-io.yaml");
    EXPECT_EQ(r->sources[2].file, "deploy/env/dev/synestra-io.yaml");
    const auto* tag = leaf(*r, "image.tag");
    ASSERT_NE(tag, nullptr);
    EXPECT_EQ(tag->value.origin.file, "deploy/env/release-dev/synestra-io.yaml");
    EXPECT_EQ(tag->value.origin.line, 4U);
    ASSERT_EQ(tag->value.shadowed.size(), 1U);
    EXPECT_EQ(tag->value.shadowed[0].file, "deploy/charts/web/values.yaml");
    const auto* host = leaf(*r, "ingress.host");
    ASSERT_NE(host, nullptr);
    EXPECT_EQ(host->value.text, "dev.synestra.io");
    EXPECT_TRUE(r->warnings.empty());
}

TEST(Explain, EnvLayerOverridingTheReleaseIsAWarning)
{
    TempTree t;
    t.write("deploy/charts/web/values.yaml", "image:\n  repository: r\n  tag: \"0\"\n");
    t.write("deploy/env/release-dev/a.yaml", "image:\n  repository: r\n  tag: \"1.2.3\"\n");
    t.write("deploy/env/dev/a.yaml", "ingress:\n  host: dev.a.io\nimage:\n  tag: hotfix\n");
    ExplainOptions o;
    o.dir = t.root();
    o.app = "a";
    o.stage = "dev";
    o.key = "image.tag";
    auto r = explain(o);
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_FALSE(r->from_application);  // no Application: the canon's order
    ASSERT_EQ(r->leaves.size(), 1U);
    EXPECT_EQ(r->leaves[0].value.text, "hotfix");
    EXPECT_EQ(r->leaves[0].value.origin.file, "deploy/env/dev/a.yaml");
    ASSERT_EQ(r->warnings.size(), 1U);
    EXPECT_NE(r->warnings[0].find("image.tag comes from deploy/env/dev/a.yaml:4"), std::string::npos) << r->warnings[0];
}

TEST(Explain, ValueFilesComeFromTheApplicationInItsOrder)
{
    TempTree t;
    t.write("deploy/env/release-prod/a.yaml", "image:\n  repository: r\n  tag: \"1\"\n");
    t.write("deploy/env/prod/a.yaml", "image:\n  tag: \"2\"\n");
    // Misordered valueFiles: env first, then the release, so the release wins.
    t.write("deploy/argocd/apps/prod/a.yaml",
            "spec:\n  source:\n    path: deploy/charts/web\n    helm:\n      valueFiles:\n"
            "        - ../../env/prod/a.yaml\n        - ../../env/release-prod/a.yaml\n");
    ExplainOptions o;
    o.dir = t.root();
    o.app = "a";
    o.stage = "prod";
    o.key = "image.tag";
    auto r = explain(o);
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_TRUE(r->from_application);
    EXPECT_EQ(r->leaves.at(0).value.text, "1");
    EXPECT_FALSE(r->sources[0].present);  // no chart values.yaml
}

TEST(Explain, NullInALayerDeletesTheChartKey)
{
    TempTree t;
    t.write("deploy/charts/web/values.yaml", "resources:\n  limits:\n    cpu: 1\n    memory: 1Gi\n");
    t.write("deploy/env/release-dev/a.yaml", "image:\n  repository: r\n  tag: t\n");
    t.write("deploy/env/dev/a.yaml", "resources:\n  limits:\n    cpu: null\n");
    ExplainOptions o;
    o.dir = t.root();
    o.app = "a";
    o.stage = "dev";
    o.key = "resources";
    auto r = explain(o);
    ASSERT_TRUE(r) << r.error().describe();
    ASSERT_EQ(r->leaves.size(), 1U);
    EXPECT_EQ(r->leaves[0].path, "resources.limits.memory");
}

// Argo CD gives Helm the Application's inline values after the valueFiles
// (valuesObject over the values string), then its parameters as --set.
TEST(Explain, InlineValuesThenParametersComeAfterTheValueFiles)
{
    TempTree t;
    t.write("deploy/env/release-dev/a.yaml", "image:\n  repository: r\n  tag: \"1\"\n");
    t.write("deploy/env/dev/a.yaml", "replicas: 1\nmode: file\nkeep: null\n");
    t.write("deploy/argocd/apps/dev/a.yaml",
            "spec:\n  source:\n    path: deploy/charts/web\n    helm:\n      valueFiles:\n"
            "        - ../../env/release-dev/a.yaml\n        - ../../env/dev/a.yaml\n"
            "      values: |\n        mode: inline\n        replicas: 2\n"
            "      parameters:\n        - name: replicas\n          value: \"3\"\n"
            "        - name: ingress.enabled\n          value: \"true\"\n"
            "        - name: version\n          value: \"0123\"\n"
            "        - name: port\n          value: \"80\"\n          forceString: true\n"
            "        - name: dash\n          value: \"-\"\n        - name: plus\n          value: \"+7\"\n"
            "        - name: big\n          value: \"99999999999999999999\"\n");
    ExplainOptions o;
    o.dir = t.root();
    o.app = "a";
    o.stage = "dev";
    auto r = explain(o);
    ASSERT_TRUE(r) << r.error().describe();
    auto j = r->merged.to_json();
    EXPECT_EQ(j["replicas"], 3);
    EXPECT_EQ(j["mode"], "inline");
    EXPECT_EQ(j["ingress"]["enabled"], true);
    EXPECT_EQ(j["version"], "0123");
    EXPECT_EQ(j["port"], "80");
    EXPECT_EQ(j["dash"], "-");  // no digits: a string (this crashed: stoll("-"))
    EXPECT_EQ(j["plus"], 7);
    EXPECT_EQ(j["big"], "99999999999999999999");  // past 64 bits: strvals keeps a string
    // A null for a key the chart does not have stays, as Helm keeps it.
    ASSERT_TRUE(j.contains("keep"));
    EXPECT_TRUE(j["keep"].is_null());
    ASSERT_EQ(r->sources.size(), 5U);
    EXPECT_EQ(r->sources[3].file, "deploy/argocd/apps/dev/a.yaml (spec.source.helm.values)");
    EXPECT_EQ(r->sources[4].role, "parameters");
    EXPECT_EQ(leaf(*r, "mode")->value.origin.file, "deploy/argocd/apps/dev/a.yaml#helm.values");
}

TEST(Explain, Refusals)
{
    TempTree t;
    t.write("deploy/env/release-dev/a.yaml", "image: [\n");
    ExplainOptions o;
    o.dir = t.root();
    o.app = "a";
    o.stage = "dev";
    auto bad = explain(o);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().describe().rfind("deploy/env/release-dev/a.yaml:2:1: invalid YAML", 0), 0U)
        << bad.error().describe();

    o.app = "missing";
    auto missing = explain(o);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ExitCode::failed);

    o.app = "a";
    o.stage = "qa";
    EXPECT_EQ(explain(o).error().code, ExitCode::usage);

    o.app = "A/../b";
    o.stage = "dev";
    EXPECT_EQ(explain(o).error().code, ExitCode::usage);

    t.write("deploy/env/release-dev/a.yaml", "image:\n  repository: r\n  tag: t\n");
    o.app = "a";
    o.key = "image.digest";
    auto nokey = explain(o);
    ASSERT_FALSE(nokey);
    EXPECT_EQ(nokey.error().message, "'image.digest' is not set for a in stage dev");
}

}  // namespace
}  // namespace kanon::ops
