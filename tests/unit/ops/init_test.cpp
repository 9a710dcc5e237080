// init, web-core side: the six files' exact text, idempotency, --force, the
// look copied from another app, kanon.yaml's templates and key paths, the
// chart written where there is none, the tag, the inputs, and the repoURL.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "init_test_support.hpp"

namespace kanon::ops::test {
namespace {

using State = InitFile::State;

std::string expected_release(const std::string& tag = "\"1.0.0\"")
{
    return "image:\n  repository: registry.example.org/web/demo\n  tag: " + tag + "\n";
}

std::string expected_env(const std::string& stage, const std::string& host)
{
    return fmt::format(R"(# {0} layer of demo: its domain, its stage and references to its Secrets, nothing else.
# Never set image.* here: this file comes after the release file and would override every release.
ingress:
  host: {1}
env:
  SYNESTRA_ENV: {0}
envFrom:
  - secretRef:
      name: web-demo-{0}-env
imagePullSecrets:
  - name: gitlab-regcred
)",
                       stage, host);
}

std::string expected_application(const std::string& stage, const std::string& self_heal,
                                 const std::string& revision = "HEAD")
{
    return fmt::format(R"(apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web-demo-{0}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://git.example.org/web-core.git
    targetRevision: {2}
    path: deploy/charts/web
    helm:
      valueFiles:
        - ../../env/release-{0}/demo.yaml
        - ../../env/{0}/demo.yaml
  destination:
    server: https://kubernetes.default.svc
    namespace: web-demo-{0}
  syncPolicy:
    automated:
      prune: true
      selfHeal: {1}
    syncOptions:
      - CreateNamespace=true
)",
                       stage, self_heal, revision);
}

const std::vector<std::string> k_six = {
    "deploy/env/release-dev/demo.yaml",  "deploy/env/dev/demo.yaml",  "deploy/argocd/apps/dev/demo.yaml",
    "deploy/env/release-prod/demo.yaml", "deploy/env/prod/demo.yaml", "deploy/argocd/apps/prod/demo.yaml",
};

// A web-core checkout with a chart and nothing else; git never looks above it.
class InitWebCore : public ::testing::Test {
protected:
    InitWebCore() { t.write("deploy/charts/web/values.yaml", k_chart_values); }
    TempTree t;
    ScopedEnv ceiling{"GIT_CEILING_DIRECTORIES", fs::path(t.root()).parent_path().string()};
};

TEST_F(InitWebCore, FreshCheckoutGetsTheSixFilesExactly)
{
    auto r = init(demo_options(t));
    ASSERT_TRUE(r) << r.error().describe();
    ASSERT_EQ(r->files.size(), 6U);
    for (std::size_t i = 0; i < 6; ++i) {
        EXPECT_EQ(r->files[i].path, k_six[i]);
        EXPECT_EQ(r->files[i].repo, "web-core");
        EXPECT_EQ(r->files[i].state, State::created) << k_six[i];
        EXPECT_FALSE(r->files[i].secret);
    }
    EXPECT_EQ(t.read("deploy/env/release-dev/demo.yaml"), expected_release());
    EXPECT_EQ(t.read("deploy/env/release-prod/demo.yaml"), expected_release());
    EXPECT_EQ(t.read("deploy/env/dev/demo.yaml"), expected_env("dev", "dev.example.org"));
    EXPECT_EQ(t.read("deploy/env/prod/demo.yaml"), expected_env("prod", "example.org"));
    EXPECT_EQ(t.read("deploy/argocd/apps/dev/demo.yaml"), expected_application("dev", "false"));
    EXPECT_EQ(t.read("deploy/argocd/apps/prod/demo.yaml"), expected_application("prod", "true"));
    EXPECT_EQ(t.read("deploy/charts/web/values.yaml"), k_chart_values);  // the repository's chart stays
    ASSERT_EQ(r->commands.size(), 1U);
    std::string files;
    for (const auto& f : k_six) {
        files += " " + f;
    }
    EXPECT_EQ(r->commands[0], "git -C " + t.root() + " add --" + files + " && git -C " + t.root() +
                                  " commit -m 'init demo' --" + files);
}

TEST_F(InitWebCore, ReRunningChangesNothing)
{
    ASSERT_TRUE(init(demo_options(t)));
    std::vector<std::string> before;
    for (const auto& f : k_six) {
        before.push_back(t.read(f));
    }
    auto r = init(demo_options(t));
    ASSERT_TRUE(r) << r.error().describe();
    ASSERT_EQ(r->files.size(), 6U);
    for (std::size_t i = 0; i < 6; ++i) {
        EXPECT_EQ(r->files[i].state, State::unchanged) << k_six[i];
        EXPECT_EQ(t.read(k_six[i]), before[i]);
    }
    EXPECT_TRUE(r->commands.empty());
}

TEST_F(InitWebCore, AChangedFileIsKeptUnlessForced)
{
    ASSERT_TRUE(init(demo_options(t)));
    t.write("deploy/env/dev/demo.yaml", "ingress:\n  host: dev.example.org # mine\n");
    auto r = init(demo_options(t));
    ASSERT_TRUE(r) << r.error().describe();
    const InitFile* env = file_of(*r, "deploy/env/dev/demo.yaml");
    ASSERT_NE(env, nullptr);
    EXPECT_EQ(env->state, State::kept);
    EXPECT_EQ(env->note, "exists with other content; --force overwrites it");
    EXPECT_EQ(t.read("deploy/env/dev/demo.yaml"), "ingress:\n  host: dev.example.org # mine\n");
    EXPECT_EQ(file_of(*r, "deploy/env/prod/demo.yaml")->state, State::unchanged);

    InitOptions forced = demo_options(t);
    forced.force = true;
    r = init(forced);
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(file_of(*r, "deploy/env/dev/demo.yaml")->state, State::overwritten);
    EXPECT_EQ(file_of(*r, "deploy/env/prod/demo.yaml")->state, State::unchanged);
    EXPECT_EQ(t.read("deploy/env/dev/demo.yaml"), expected_env("dev", "dev.example.org"));
}

TEST_F(InitWebCore, DryRunWritesNothing)
{
    InitOptions o = demo_options(t);
    o.dry_run = true;
    auto r = init(o);
    ASSERT_TRUE(r) << r.error().describe();
    ASSERT_EQ(r->files.size(), 6U);
    for (const auto& f : r->files) {
        EXPECT_EQ(f.state, State::created);
        EXPECT_FALSE(t.exists(f.path)) << f.path;
    }
    EXPECT_EQ(r->commands.size(), 1U);
}

TEST_F(InitWebCore, CopiesTheLookOfAnotherApp)
{
    // blog: 4-space indentation, sequences not indented, a single-quoted
    // tag, CRLF, a leading ---, and its own Argo CD settings.
    t.write("deploy/env/release-dev/blog.yaml",
            "---\r\nimage:\r\n    repository: registry.example.org/web/blog\r\n    tag: '3.1'\r\n");
    t.write("deploy/env/dev/blog.yaml",
            "---\r\ningress:\r\n    host: dev.blog.example.org\r\nenv:\r\n"
            "    SYNESTRA_ENV: dev\r\nenvFrom:\r\n- secretRef:\r\n      name: x\r\n");
    t.write("deploy/argocd/apps/dev/blog.yaml",
            "---\r\napiVersion: argoproj.io/v1alpha1\r\nkind: Application\r\nmetadata:\r\n    name: web-blog-dev\r\n"
            "    namespace: argo-cd\r\nspec:\r\n    project: web\r\n    source:\r\n"
            "        repoURL: git@gitlab.example.org:acme/web-core.git\r\n        targetRevision: release\r\n"
            "        path: deploy/charts/web\r\n        helm:\r\n            valueFiles:\r\n"
            "            - ../../env/release-dev/blog.yaml\r\n            - ../../env/dev/blog.yaml\r\n"
            "    destination:\r\n        name: in-cluster\r\n        namespace: web-blog-dev\r\n");
    InitOptions o = demo_options(t);
    o.repo_url.clear();  // taken from blog's Application
    auto r = init(o);
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(t.read("deploy/env/release-dev/demo.yaml"),
              "---\r\nimage:\r\n    repository: registry.example.org/web/demo\r\n    tag: '1.0.0'\r\n");
    EXPECT_EQ(t.read("deploy/env/dev/demo.yaml"),
              "---\r\n"
              "# dev layer of demo: its domain, its stage and references to its Secrets, nothing else.\r\n"
              "# Never set image.* here: this file comes after the release file and would override every release.\r\n"
              "ingress:\r\n    host: dev.example.org\r\nenv:\r\n    SYNESTRA_ENV: dev\r\nenvFrom:\r\n"
              "- secretRef:\r\n      name: web-demo-dev-env\r\nimagePullSecrets:\r\n- name: gitlab-regcred\r\n");
    EXPECT_EQ(t.read("deploy/argocd/apps/dev/demo.yaml"),
              "---\r\napiVersion: argoproj.io/v1alpha1\r\nkind: Application\r\nmetadata:\r\n    name: web-demo-dev\r\n"
              "    namespace: argo-cd\r\nspec:\r\n    project: web\r\n    source:\r\n"
              "        repoURL: git@gitlab.example.org:acme/web-core.git\r\n        targetRevision: release\r\n"
              "        path: deploy/charts/web\r\n        helm:\r\n            valueFiles:\r\n"
              "            - ../../env/release-dev/demo.yaml\r\n            - ../../env/dev/demo.yaml\r\n"
              "    destination:\r\n        name: in-cluster\r\n        namespace: web-demo-dev\r\n"
              "    syncPolicy:\r\n        automated:\r\n            prune: true\r\n            selfHeal: false\r\n"
              "        syncOptions:\r\n        - CreateNamespace=true\r\n");
    // prod has no model of its own stage: blog's dev files are the model.
    EXPECT_EQ(t.read("deploy/env/release-prod/demo.yaml"),
              "---\r\nimage:\r\n    repository: registry.example.org/web/demo\r\n    tag: '1.0.0'\r\n");
    EXPECT_NE(t.read("deploy/argocd/apps/prod/demo.yaml").find("            selfHeal: true\r\n"), std::string::npos);
}

TEST_F(InitWebCore, APlainTagModelStillQuotesATagHelmWouldReadAsANumber)
{
    t.write("deploy/env/release-dev/blog.yaml", "image:\n  repository: r/blog\n  tag: v3\n");
    InitOptions o = demo_options(t);
    o.tag = "1.10";
    ASSERT_TRUE(init(o));
    EXPECT_EQ(t.read("deploy/env/release-dev/demo.yaml"), expected_release("\"1.10\""));
    o.app = "other";
    o.tag = "v1.10";
    ASSERT_TRUE(init(o));
    EXPECT_EQ(t.read("deploy/env/release-dev/other.yaml"),
              "image:\n  repository: registry.example.org/web/demo\n  tag: v1.10\n");
}

TEST_F(InitWebCore, HonoursKanonYamlTemplatesAndKeyPaths)
{
    t.write("kanon.yaml",
            "paths:\n  release: apps/{app}/release-{stage}.yaml\n  env: apps/{app}/{stage}.yaml\n"
            "  application: argocd/{stage}/{app}.yaml\n  chart: charts/site\n"
            "stages:\n  - name: staging\n    host: \"staging.{domain}\"\n    self_heal: false\n"
            "  - name: live\n    host: \"www.{domain}\"\n    self_heal: true\n"
            "naming:\n  application: \"{app}-{stage}\"\n  namespace: \"{app}-{stage}\"\n"
            "  env_secret: \"{app}-{stage}-secrets\"\n"
            "release_keys:\n  repository: web.image.repository\n  tag: web.image.tag\n"
            "env_keys:\n  host: \"web.ingress.hosts[0]\"\n  stage_var: web.env.APP_STAGE\n"
            "  secret_ref: \"web.envFrom[].secretRef.name\"\n");
    InitOptions o = demo_options(t);
    o.pull_secret = false;
    auto r = init(o);
    ASSERT_TRUE(r) << r.error().describe();
    std::vector<std::string> paths;
    for (const auto& f : r->files) {
        paths.push_back(f.path);
    }
    EXPECT_EQ(paths, (std::vector<std::string>{"charts/site/values.yaml", "charts/site/Chart.yaml",
                                               "apps/demo/release-staging.yaml", "apps/demo/staging.yaml",
                                               "argocd/staging/demo.yaml", "apps/demo/release-live.yaml",
                                               "apps/demo/live.yaml", "argocd/live/demo.yaml"}));
    EXPECT_EQ(t.read("apps/demo/release-live.yaml"),
              "web:\n  image:\n    repository: registry.example.org/web/demo\n    tag: \"1.0.0\"\n");
    EXPECT_EQ(t.read("apps/demo/staging.yaml"),
              "# staging layer of demo: its domain, its stage and references to its Secrets, nothing else.\n"
              "# Never set image.* here: this file comes after the release file and would override every release.\n"
              "web:\n  ingress:\n    hosts:\n      - staging.example.org\n  env:\n    APP_STAGE: staging\n"
              "  envFrom:\n    - secretRef:\n        name: demo-staging-secrets\n");
    std::string live = t.read("argocd/live/demo.yaml");
    for (const char* line : {"  name: demo-live\n", "    path: charts/site\n",
                             "        - ../../apps/demo/release-live.yaml\n        - ../../apps/demo/live.yaml\n",
                             "    namespace: demo-live\n", "      selfHeal: true\n"}) {
        EXPECT_NE(live.find(line), std::string::npos) << line << "\nin:\n" << live;
    }
    EXPECT_EQ(t.read("charts/site/values.yaml"),
              "# The chart's defaults. Each app overrides them with its release file (image) and its env\n"
              "# layer (domain, stage, Secret references), in that order.\n"
              "web:\n  image:\n    repository: registry.example.org/web/demo\n    tag: \"1.0.0\"\n"
              "  ingress:\n    hosts: []\n  env:\n    APP_STAGE: \"\"\n  envFrom: []\n");
}

TEST_F(InitWebCore, WithoutAChartWritesItsValuesAndChartYaml)
{
    fs::remove_all(t.path("deploy/charts"));
    auto r = init(demo_options(t));
    ASSERT_TRUE(r) << r.error().describe();
    ASSERT_EQ(r->files.size(), 8U);
    EXPECT_EQ(r->files[0].path, "deploy/charts/web/values.yaml");
    EXPECT_EQ(r->files[1].path, "deploy/charts/web/Chart.yaml");
    EXPECT_EQ(t.read("deploy/charts/web/values.yaml"),
              "# The chart's defaults. Each app overrides them with its release file (image) and its env\n"
              "# layer (domain, stage, Secret references), in that order.\n"
              "image:\n  repository: registry.example.org/web/demo\n  tag: \"1.0.0\"\n"
              "ingress:\n  host: \"\"\nenv:\n  SYNESTRA_ENV: \"\"\nenvFrom: []\nimagePullSecrets: []\n");
    EXPECT_EQ(t.read("deploy/charts/web/Chart.yaml"),
              "apiVersion: v2\nname: web\ndescription: One web app; its release file and env layer give its values\n"
              "type: application\nversion: 0.1.0\n");
    // Re-run: the chart is the one kanon wrote, so it is reported unchanged.
    r = init(demo_options(t));
    ASSERT_TRUE(r) << r.error().describe();
    ASSERT_EQ(r->files.size(), 8U);
    for (const auto& f : r->files) {
        EXPECT_EQ(f.state, State::unchanged) << f.path;
    }
    // Another app: the chart is now the repository's, left alone and not listed.
    InitOptions other = demo_options(t);
    other.app = "other";
    other.image = "registry.example.org/web/other";
    r = init(other);
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(r->files.size(), 6U);
}

TEST_F(InitWebCore, TheTagComesFromTheChartValuesWhenNotGiven)
{
    t.write("deploy/charts/web/values.yaml", "image:\n  repository: x\n  tag: \"2.0.1\"\n");
    InitOptions o = demo_options(t);
    o.tag.clear();
    auto r = init(o);
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(t.read("deploy/env/release-prod/demo.yaml"), expected_release("\"2.0.1\""));

    t.write("deploy/charts/web/values.yaml", "image:\n  repository: x\n  tag: \"\"\n");
    o.app = "other";
    auto bad = init(o);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ExitCode::usage);
    EXPECT_EQ(bad.error().message, "no --tag, and deploy/charts/web/values.yaml has no valid image.tag to start from");
    EXPECT_EQ(bad.error().hint, "give the image tag to deploy with --tag");

    fs::remove_all(t.path("deploy/charts"));
    bad = init(o);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ExitCode::usage);
    EXPECT_FALSE(t.exists("deploy/env/release-dev/other.yaml"));
}

TEST_F(InitWebCore, BadInputsAreUsageErrorsAndWriteNothing)
{
    struct Case {
        void (*change)(InitOptions&);
        std::string message;
    };
    std::vector<Case> cases = {
        {[](InitOptions& o) { o.app = "Demo_1"; }, "'Demo_1' is not a valid app name"},
        {[](InitOptions& o) { o.domain = "Example.org"; }, "'Example.org' is not a domain"},
        {[](InitOptions& o) { o.domain = "https://example.org"; }, "'https://example.org' is not a domain"},
        {[](InitOptions& o) { o.domain = "localhost"; }, "'localhost' is not a domain"},
        {[](InitOptions& o) { o.domain = "a..b"; }, "'a..b' is not a domain"},
        {[](InitOptions& o) { o.image = "registry.example.org/web/demo:1.0"; },
         "image 'registry.example.org/web/demo:1.0' holds a tag; give the tag with --tag"},
        {[](InitOptions& o) { o.image = "demo@sha256:abc"; },
         "image 'demo@sha256:abc' holds a digest; kanon releases tags"},
        {[](InitOptions& o) { o.image = "registry.example.org/Web/demo"; },
         "'registry.example.org/Web/demo' is not an image repository"},
        {[](InitOptions& o) { o.image = "https://registry.example.org/web"; },
         "'https://registry.example.org/web' is not an image repository"},
        {[](InitOptions& o) { o.image = "web//demo"; }, "'web//demo' is not an image repository"},
        {[](InitOptions& o) { o.tag = "bad tag"; }, ""},
        {[](InitOptions& o) { o.database = true; },
         "--database writes the CNPG clusters and their initdb Secret into the platform repository"},
    };
    for (const auto& c : cases) {
        InitOptions o = demo_options(t);
        c.change(o);
        auto r = init(o);
        ASSERT_FALSE(r) << c.message;
        EXPECT_EQ(r.error().code, ExitCode::usage) << r.error().message;
        if (!c.message.empty()) {
            EXPECT_EQ(r.error().message, c.message);
        }
    }
    for (const char* ok :
         {"demo", "localhost:5000/demo", "registry.gitlab.com/acme/web/site-a", "ghcr.io/a_b/c__d/e--f.g"}) {
        InitOptions o = demo_options(t);
        o.image = ok;
        o.dry_run = true;
        EXPECT_TRUE(init(o)) << ok;
    }
    EXPECT_FALSE(t.exists("deploy/env"));
    InitOptions missing = demo_options(t);
    missing.dir = t.path("nope");
    auto r = init(missing);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ExitCode::failed);
    EXPECT_EQ(r.error().describe(), t.path("nope") + ": no such directory");
}

TEST_F(InitWebCore, TheRepoUrlComesFromGitOriginWithoutCredentials)
{
    git(t.root(), {"init", "-q", "-b", "trunk"});
    git(t.root(), {"remote", "add", "origin", "https://deploy:glpat-s3cr3tT0ken@git.example.org/web-core.git"});
    InitOptions o = demo_options(t);
    o.repo_url.clear();
    auto r = init(o);
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(t.read("deploy/argocd/apps/dev/demo.yaml"), expected_application("dev", "false", "trunk"));
    EXPECT_EQ(t.read("deploy/argocd/apps/prod/demo.yaml").find("glpat"), std::string::npos);

    // --repo-url wins over the other Applications, and loses its credentials too.
    o.app = "third";
    o.repo_url = "https://u:p@git.example.org/mirror.git";
    ASSERT_TRUE(init(o));
    EXPECT_NE(t.read("deploy/argocd/apps/dev/third.yaml").find("    repoURL: https://git.example.org/mirror.git\n"),
              std::string::npos);
}

TEST_F(InitWebCore, AnSshOriginKeepsItsUserNotAPassword)
{
    git(t.root(), {"init", "-q"});
    git(t.root(), {"remote", "add", "origin", "ssh://git:pw@git.example.org:2222/web-core.git"});
    InitOptions o = demo_options(t);
    o.repo_url.clear();
    ASSERT_TRUE(init(o));
    EXPECT_NE(
        t.read("deploy/argocd/apps/dev/demo.yaml").find("    repoURL: ssh://git@git.example.org:2222/web-core.git\n"),
        std::string::npos);
}

TEST_F(InitWebCore, WithoutOriginOrRepoUrlItAsksForRepoUrl)
{
    InitOptions o = demo_options(t);
    o.repo_url.clear();
    auto r = init(o);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ExitCode::usage);
    EXPECT_EQ(r.error().hint, "give web-core's URL as Argo CD fetches it with --repo-url URL");
    EXPECT_FALSE(t.exists("deploy/env"));
}

}  // namespace
}  // namespace kanon::ops::test
