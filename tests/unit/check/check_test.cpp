// kanon check over small trees on disk: a canon pair that passes, and for
// every rule a broken variant caught in the right file and line, and a near
// miss that must not be flagged.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "check/check.hpp"

namespace kanon::check {
namespace {

namespace fs = std::filesystem;

const std::string k_release_dev = "deploy/env/release-dev/shop.yaml";
const std::string k_release_prod = "deploy/env/release-prod/shop.yaml";
const std::string k_env_dev = "deploy/env/dev/shop.yaml";
const std::string k_env_prod = "deploy/env/prod/shop.yaml";
const std::string k_app_dev = "deploy/argocd/apps/dev/shop.yaml";
const std::string k_app_prod = "deploy/argocd/apps/prod/shop.yaml";

std::string release(const std::string& tag = "\"c3e8b0f4\"", const std::string& repo = "registry.example.com/web/shop")
{
    return "image:\n  repository: " + repo + "\n  tag: " + tag + "\n";
}

std::string env_layer(const std::string& stage, const std::string& host)
{
    return "# " + stage + " layer\ningress:\n  host: " + host + "\nenv:\n  SYNESTRA_ENV: " + stage +
           "\nenvFrom:\n  - secretRef:\n      name: web-shop-" + stage +
           "-env\nimagePullSecrets:\n  - name: gitlab-regcred\n";
}

std::string application(const std::string& stage, const std::string& heal)
{
    return "apiVersion: argoproj.io/v1alpha1\n"
           "kind: Application\n"
           "metadata:\n"
           "  name: web-shop-" +
           stage +
           "\n"
           "  namespace: argocd\n"
           "spec:\n"
           "  project: default\n"
           "  source:\n"
           "    repoURL: https://git.example.com/web-core.git\n"
           "    targetRevision: main\n"
           "    path: deploy/charts/web\n"
           "    helm:\n"
           "      valueFiles:\n"
           "        - ../../env/release-" +
           stage +
           "/shop.yaml\n"
           "        - ../../env/" +
           stage +
           "/shop.yaml\n"
           "  destination:\n"
           "    server: https://kubernetes.default.svc\n"
           "    namespace: web-shop-" +
           stage +
           "\n"
           "  syncPolicy:\n"
           "    automated:\n"
           "      prune: true\n"
           "      selfHeal: " +
           heal + "\n";
}

std::string secret(const std::string& ns, const std::string& name, const std::string& body = "")
{
    return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
           "\ntype: Opaque\nstringData:\n" +
           (body.empty() ? std::string("  KEY: ENC[AES256_GCM,data:AbCd,iv:MTIz,tag:NDU2,type:str]\n") : body) +
           "sops:\n  mac: ENC[AES256_GCM,data:eHl6,iv:MTIz,tag:NDU2,type:str]\n  version: 3.9.0\n"
           "  age:\n    - recipient: age1example\n";
}

std::string cluster(const std::string& name, const std::string& initdb = "shop-initdb-secret")
{
    return "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: " + name +
           "\n  namespace: databases\nspec:\n  instances: 1\n  bootstrap:\n    initdb:\n      database: shop\n"
           "      owner: shop\n      secret:\n        name: " +
           initdb + "\n  storage:\n    size: 1Gi\n";
}

class CheckTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        std::string tmpl = (fs::temp_directory_path() / "kanon-check-XXXXXX").string();
        m_root = ::mkdtemp(tmpl.data());
        write("deploy/charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n");
        write("deploy/charts/web/values.yaml", "image:\n  repository: placeholder\n  tag: \"0\"\n");
        write(k_release_dev, release());
        write(k_release_prod, release());
        write(k_env_dev, env_layer("dev", "dev.shop.example"));
        write(k_env_prod, env_layer("prod", "shop.example"));
        write(k_app_dev, application("dev", "false"));
        write(k_app_prod, application("prod", "true"));
        write("platform/web-shop-dev/env.sops.yaml", secret("web-shop-dev", "web-shop-dev-env"));
        write("platform/web-shop-dev/regcred.sops.yaml", secret("web-shop-dev", "gitlab-regcred"));
        write("platform/web-shop-prod/env.sops.yaml", secret("web-shop-prod", "web-shop-prod-env"));
        write("platform/web-shop-prod/regcred.sops.yaml", secret("web-shop-prod", "gitlab-regcred"));
    }
    void TearDown() override { fs::remove_all(m_root); }

    // platform/... goes to the platform checkout, everything else to web-core.
    [[nodiscard]] fs::path at(const std::string& rel) const
    {
        return rel.rfind("platform/", 0) == 0 ? fs::path(m_root) / rel : fs::path(m_root) / "web" / rel;
    }
    void write(const std::string& rel, const std::string& text) const
    {
        fs::path p = at(rel);
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
    }
    void remove(const std::string& rel) const { fs::remove(at(rel)); }

    Report check(bool platform = false, std::vector<std::string> apps = {}) const
    {
        CheckOptions o;
        o.dir = m_root + "/web";
        o.platform = platform ? m_root + "/platform" : "";
        o.apps = std::move(apps);
        o.jobs = 2;
        auto r = run_check(o);
        EXPECT_TRUE(r) << r.error().describe();
        return r ? *r : Report{};
    }

    static std::string dump(const Report& r)
    {
        std::string s;
        for (const auto& f : r.findings) {
            s += f.file + ":" + std::to_string(f.line) + ":" + std::to_string(f.column) + " " + f.rule + " " +
                 f.message + "\n";
        }
        return s;
    }

    // Exactly one finding of `rule`, at file:line.
    static void expect_one(const Report& r, const std::string& rule, const std::string& file, std::size_t line)
    {
        std::size_t n = 0;
        for (const auto& f : r.findings) {
            if (f.rule == rule) {
                ++n;
                bool same = f.file == file ||
                            (f.file.size() > file.size() &&
                             f.file.compare(f.file.size() - file.size() - 1, std::string::npos, "/" + file) == 0);
                EXPECT_TRUE(same) << f.file << " is not " << file << "\n" << dump(r);
                EXPECT_EQ(f.line, line) << dump(r);
                EXPECT_FALSE(f.message.empty());
            }
        }
        EXPECT_EQ(n, 1U) << rule << "\n" << dump(r);
    }
    static void expect_clean(const Report& r) { EXPECT_TRUE(r.findings.empty()) << dump(r); }
    static bool has(const Report& r, const std::string& rule)
    {
        for (const auto& f : r.findings) {
            if (f.rule == rule) {
                return true;
            }
        }
        return false;
    }

    std::string m_root;
};

TEST_F(CheckTest, CanonPairIsClean)
{
    auto r = check(true);
    expect_clean(r);
    EXPECT_EQ(r.apps, std::vector<std::string>{"shop"});
}

TEST_F(CheckTest, LayoutMissingFileNamesThePathThatShouldExist)
{
    remove(k_env_dev);
    auto r = check();
    expect_one(r, "layout/missing-file", k_env_dev, 0);
    EXPECT_TRUE(has(r, "argocd/value-file-missing"));  // the dev Application points at it
}

TEST_F(CheckTest, LayoutNearMissOtherFilesAreNotApps)
{
    write("deploy/env/staging/shop.yaml", "a: 1\n");          // not a configured stage
    write("deploy/env/dev/Not_An_App.yaml", "a: 1\n");        // not a DNS label
    write("deploy/env/release-dev/notes.txt", "anything\n");  // not YAML
    auto r = check();
    expect_clean(r);
    EXPECT_EQ(r.apps, std::vector<std::string>{"shop"});
}

TEST_F(CheckTest, ReleaseExtraKey)
{
    write(k_release_dev, release() + "  pullPolicy: Always\nreplicas: 2\n");
    auto r = check();
    ASSERT_EQ(r.findings.size(), 2U) << dump(r);
    EXPECT_EQ(r.findings[0].rule, "release/extra-key");
    EXPECT_EQ(r.findings[0].line, 4U);
    EXPECT_EQ(r.findings[1].line, 5U);
}

TEST_F(CheckTest, ReleaseExtraKeyNearMissCommentsAndDocumentStart)
{
    write(k_release_dev,
          "---\n# promoted by kanon\nimage:\n  repository: registry.example.com/web/shop  # same\n"
          "  tag: \"c3e8b0f4\"\n");
    expect_clean(check());
}

TEST_F(CheckTest, ReleaseMissingKey)
{
    write(k_release_dev, "image:\n  repository: registry.example.com/web/shop\n  tag: \"\"\n");
    expect_one(check(), "release/missing-key", k_release_dev, 3);
    write(k_release_dev, "image:\n  tag: \"c3e8b0f4\"\n");
    auto r = check();
    expect_one(r, "release/missing-key", k_release_dev, 1);  // at `image:`, where it belongs
}

TEST_F(CheckTest, ReleaseRepositoryMismatch)
{
    write(k_release_prod, release("\"c3e8b0f4\"", "other.example.com/web/shop"));
    expect_one(check(), "release/repository-mismatch", k_release_prod, 2);
}

TEST_F(CheckTest, ReleaseRepositoryNearMissQuotingDiffers)
{
    write(k_release_prod, release("\"c3e8b0f4\"", "'registry.example.com/web/shop'"));
    write(k_release_dev, release("c3e8b0f4", "\"registry.example.com/web/shop\""));
    expect_clean(check());
}

TEST_F(CheckTest, ReleaseInvalidTag)
{
    write(k_release_dev, release("\"v1+build.7\""));
    expect_one(check(), "release/invalid-tag", k_release_dev, 3);
    write(k_release_dev, release(std::string("\"") + std::string(129, 'a') + "\""));
    expect_one(check(), "release/invalid-tag", k_release_dev, 3);
}

TEST_F(CheckTest, ReleaseLatestIsAWarningOnly)
{
    write(k_release_dev, release("latest"));
    auto r = check();
    ASSERT_EQ(r.findings.size(), 1U) << dump(r);
    EXPECT_EQ(r.findings[0].rule, "release/invalid-tag");
    EXPECT_EQ(r.findings[0].severity, Severity::warning);
    EXPECT_EQ(r.count(Severity::error), 0U);
}

TEST_F(CheckTest, ReleaseTagNotString)
{
    for (const char* tag : {"1.10", "0123", "true", "1e10", "~", "12345e67"}) {
        write(k_release_dev, release(tag));
        auto r = check();
        bool null = std::string(tag) == "~";
        expect_one(r, null ? "release/missing-key" : "release/tag-not-string", k_release_dev, 3);
    }
}

TEST_F(CheckTest, ReleaseTagNearMissStringsStayStrings)
{
    for (const char* tag :
         {"\"1.10\"", "'0123'", "!!str 1e10", "v1.2.3_rc-1", "c3e8b0f", "3f2a9c1e0b7d4e6f8a1b2c3d4e5f6a7b8c9d0e1f"}) {
        write(k_release_dev, release(tag));
        expect_clean(check());
    }
}

TEST_F(CheckTest, EnvOverridesImage)
{
    write(k_env_prod, env_layer("prod", "shop.example") + "image:\n  pullPolicy: Always\n  tag: \"pinned\"\n");
    expect_one(check(), "env/overrides-image", k_env_prod, 13);
    write(k_env_prod, env_layer("prod", "shop.example") + "image: nginx:1.25\n");
    expect_one(check(), "env/overrides-image", k_env_prod, 11);
}

TEST_F(CheckTest, EnvOverridesNearMissOtherImageKeys)
{
    write(k_env_prod, env_layer("prod", "shop.example") + "image:\n  pullPolicy: Always\n");
    expect_clean(check());
}

TEST_F(CheckTest, EnvDomain)
{
    write(k_env_dev, env_layer("dev", "dev.other.example"));
    expect_one(check(), "env/domain", k_env_dev, 3);
    write(k_env_dev, env_layer("dev", "Dev_Shop.example"));
    expect_one(check(), "env/domain", k_env_dev, 3);
}

TEST_F(CheckTest, EnvDomainNearMissConfiguredDomain)
{
    // The app's domain is configured: both hosts follow it, whatever prod's layer would suggest.
    write("kanon.yaml", "apps:\n  shop:\n    domain: shop.example\n");
    expect_clean(check());
    write("kanon.yaml", "apps:\n  shop:\n    domain: boutique.example\n");
    auto r = check();
    EXPECT_EQ(r.findings.size(), 2U) << dump(r);  // both stages now differ from the configured domain
}

TEST_F(CheckTest, EnvStageVar)
{
    write(k_env_prod,
          "ingress:\n  host: shop.example\nenv:\n  SYNESTRA_ENV: dev\nenvFrom:\n  - secretRef:\n"
          "      name: web-shop-prod-env\n");
    expect_one(check(), "env/stage-var", k_env_prod, 4);
    write(k_env_prod,
          "ingress:\n  host: shop.example\nenv:\n  OTHER: x\nenvFrom:\n  - secretRef:\n"
          "      name: web-shop-prod-env\n");
    expect_one(check(), "env/stage-var", k_env_prod, 3);  // at `env:`
}

TEST_F(CheckTest, EnvStageVarNearMissQuoted)
{
    write(k_env_prod,
          "ingress:\n  host: shop.example\nenv:\n  SYNESTRA_ENV: \"prod\"\nenvFrom:\n  - secretRef:\n"
          "      name: web-shop-prod-env\n");
    expect_clean(check());
}

TEST_F(CheckTest, EnvSecretRef)
{
    std::string text = env_layer("dev", "dev.shop.example");
    text.replace(text.find("web-shop-dev-env"), 16, "web-shop-prod-env");
    write(k_env_dev, text);
    expect_one(check(), "env/secret-ref", k_env_dev, 8);
    write(k_env_dev, "ingress:\n  host: dev.shop.example\nenv:\n  SYNESTRA_ENV: dev\n");
    expect_one(check(), "env/secret-ref", k_env_dev, 1);
}

TEST_F(CheckTest, EnvSecretRefNearMissSecondItem)
{
    write(k_env_dev,
          "ingress:\n  host: dev.shop.example\nenv:\n  SYNESTRA_ENV: dev\nenvFrom:\n  - configMapRef:\n"
          "      name: shared\n  - secretRef:\n      name: web-shop-dev-env\n");
    expect_clean(check());
}

TEST_F(CheckTest, ArgocdName)
{
    std::string text = application("dev", "false");
    text.replace(text.find("name: web-shop-dev"), 18, "name: shop-dev");
    write(k_app_dev, text);
    expect_one(check(), "argocd/name", k_app_dev, 4);
    text = application("dev", "false");
    text.replace(text.find("kind: Application"), 17, "kind: Deployment");
    write(k_app_dev, text);
    expect_one(check(), "argocd/name", k_app_dev, 2);
}

TEST_F(CheckTest, ArgocdValueFilesOrder)
{
    std::string text = application("dev", "false");
    auto a = text.find("        - ../../env/release-dev/shop.yaml\n");
    text.erase(a, std::string("        - ../../env/release-dev/shop.yaml\n").size());
    text.insert(text.find("  destination:"), "        - ../../env/release-dev/shop.yaml\n");
    write(k_app_dev, text);
    expect_one(check(), "argocd/value-files", k_app_dev, 14);
}

TEST_F(CheckTest, ArgocdValueFilesNearMissEquivalentSpelling)
{
    std::string text = application("dev", "false");
    text.replace(text.find("../../env/release-dev"), 21, "./../../env/./release-dev");
    write(k_app_dev, text);
    expect_clean(check());
}

TEST_F(CheckTest, ArgocdValueFileMissing)
{
    std::string text = application("prod", "true");
    text.replace(text.find("../../env/prod/shop.yaml"), 24, "../../env/prod/shop.yml");
    write(k_app_prod, text);
    auto r = check();
    expect_one(r, "argocd/value-file-missing", k_app_prod, 15);
    expect_one(r, "argocd/value-files", k_app_prod, 14);
    text = application("prod", "true");
    text.replace(text.find("../../env/prod/shop.yaml"), 24, "../../../../../etc/passwd");
    write(k_app_prod, text);
    expect_one(check(), "argocd/value-file-missing", k_app_prod, 15);
}

TEST_F(CheckTest, ArgocdSelfHeal)
{
    write(k_app_dev, application("dev", "true"));
    expect_one(check(), "argocd/self-heal", k_app_dev, 22);
    write(k_app_dev, application("dev", "false"));
    std::string text = application("prod", "true");
    text.erase(text.find("      selfHeal: true\n"));
    write(k_app_prod, text);
    expect_one(check(), "argocd/self-heal", k_app_prod, 20);
    write(k_app_prod, application("prod", "\"true\""));
    expect_one(check(), "argocd/self-heal", k_app_prod, 22);
}

TEST_F(CheckTest, ArgocdSelfHealNearMissDevWithoutTheKey)
{
    std::string text = application("dev", "false");
    text.erase(text.find("      selfHeal: false\n"));
    write(k_app_dev, text);
    expect_clean(check());
}

TEST_F(CheckTest, ArgocdNamespace)
{
    std::string text = application("prod", "true");
    text.replace(text.find("namespace: web-shop-prod"), 24, "namespace: default");
    write(k_app_prod, text);
    expect_one(check(), "argocd/namespace", k_app_prod, 18);
}

TEST_F(CheckTest, YamlSyntaxIsAFindingAndTheRestIsStillChecked)
{
    write(k_env_dev, "ingress:\n  host: [dev.shop.example\n");
    write(k_release_prod, release("1.10"));
    auto r = check();
    expect_one(r, "yaml/syntax", k_env_dev, 3);
    expect_one(r, "release/tag-not-string", k_release_prod, 3);
}

TEST_F(CheckTest, YamlSyntaxNearMissChartTemplatesAreNotParsed)
{
    write("deploy/charts/web/templates/deployment.yaml",
          "spec:\n  replicas: {{ .Values.replicaCount }}\n{{- if x }}\n");
    expect_clean(check());
    write("deploy/other/broken.yaml", "a: [\n");
    expect_one(check(), "yaml/syntax", "deploy/other/broken.yaml", 2);
}

TEST_F(CheckTest, OnlyTheAppsAsked)
{
    write("deploy/env/release-dev/blog.yaml", release("1.10"));
    auto r = check(false, {"shop"});
    expect_clean(r);
    EXPECT_EQ(r.apps, std::vector<std::string>{"shop"});
    CheckOptions o;
    o.dir = m_root + "/web";
    o.apps = {"shpo"};
    auto bad = run_check(o);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ExitCode::usage);
    EXPECT_NE(bad.error().hint.find("shop"), std::string::npos);
}

// A directory without a single app file checks nothing: that is a usage
// error naming the layout it looked for, never "no problems".
TEST_F(CheckTest, NoAppIsAnError)
{
    CheckOptions o;
    o.dir = m_root + "/empty";
    fs::create_directories(o.dir + "/deploy");
    std::ofstream(o.dir + "/deploy/other.yaml") << "a: 1\n";
    auto r = run_check(o);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ExitCode::usage);
    EXPECT_NE(r.error().message.find("no app in "), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("deploy/env/release-{stage}/{app}.yaml"), std::string::npos);
}

TEST_F(CheckTest, ConfiguredLayoutAndKeys)
{
    write("kanon.yaml", "paths:\n  release: apps/{app}/{stage}/release.yaml\n");
    auto r = check();
    // The deploy/env/release-* files are no longer the release files: every app's are missing.
    EXPECT_TRUE(has(r, "layout/missing-file")) << dump(r);
    write("apps/shop/dev/release.yaml", release());
    write("apps/shop/prod/release.yaml", release());
    r = check();
    // The Applications still point at the old release files.
    EXPECT_FALSE(has(r, "layout/missing-file")) << dump(r);
    EXPECT_TRUE(has(r, "argocd/value-files")) << dump(r);
}

TEST_F(CheckTest, SecretsPlaintextInALayoutFileAndElsewhere)
{
    write(k_env_dev, env_layer("dev", "dev.shop.example") + "extraEnv:\n  DB_PASSWORD: Zq8#vL2!pR9@xK4m\n");
    write("deploy/secrets/shop.yaml",
          "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-shop-dev-env\n"
          "stringData:\n  KEY: value\n");
    // A token in a file that is not YAML at all is still found.
    write("deploy/notes.yaml", "# deploy with glpat-AbCdEfGhIjKlMnOpQrSt12\nkey: [\n");
    auto r = check();
    expect_one(r, "yaml/syntax", "deploy/notes.yaml", 3);
    std::vector<std::pair<std::string, std::size_t>> found;
    for (const auto& f : r.findings) {
        if (f.rule == "secrets/plaintext") {
            found.emplace_back(f.file, f.line);
            EXPECT_EQ(f.message.find("Zq8#vL2!pR9@xK4m"), std::string::npos) << f.message;
            EXPECT_EQ(f.message.find("AbCdEfGhIjKlMnOpQrSt12"), std::string::npos) << f.message;
        }
    }
    std::vector<std::pair<std::string, std::size_t>> want = {
        {"deploy/env/dev/shop.yaml", 12}, {"deploy/notes.yaml", 1}, {"deploy/secrets/shop.yaml", 5}};
    EXPECT_EQ(found, want) << dump(r);
}

TEST_F(CheckTest, SecretsNearMissShasDigestsReferencesAndAllow)
{
    write(k_release_dev, release("\"3f2a9c1e0b7d4e6f8a1b2c3d4e5f6a7b8c9d0e1f\""));
    write(k_release_prod, release("\"3f2a9c1e0b7d4e6f8a1b2c3d4e5f6a7b8c9d0e1f\""));
    write(k_env_prod, env_layer("prod", "shop.example") +
                          "podAnnotations:\n  checksum/config: "
                          "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
                          "digest: sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
                          "existingSecret: shop-db-credentials\n"
                          "apiToken: 8Hq2LmZx0Pw7Rt5Ys3Kv  # kanon:allow (a public demo token)\n");
    expect_clean(check());
}

// ---------------------------------------------------------------- platform

TEST_F(CheckTest, PlatformSecretMissing)
{
    remove("platform/web-shop-prod/env.sops.yaml");
    expect_one(check(true), "platform/secret-missing", k_env_prod, 8);  // where web-core names it
}

TEST_F(CheckTest, PlatformSecretInTheWrongNamespaceIsMissing)
{
    write("platform/web-shop-prod/regcred.sops.yaml", secret("default", "gitlab-regcred"));
    expect_one(check(true), "platform/secret-missing", k_env_prod, 10);
}

TEST_F(CheckTest, PlatformNearMissNamespaceFromKustomization)
{
    std::string text = secret("x", "web-shop-prod-env");
    text.erase(text.find("  namespace: x\n"), 15);
    write("platform/web-shop-prod/env.sops.yaml", text);
    write("platform/web-shop-prod/kustomization.yaml", "namespace: web-shop-prod\nresources:\n  - env.sops.yaml\n");
    expect_clean(check(true));
}

TEST_F(CheckTest, PlatformNotEncrypted)
{
    write("platform/web-shop-dev/env.sops.yaml",
          "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-shop-dev-env\n  namespace: web-shop-dev\n"
          "stringData:\n  KEY: value\n");
    expect_one(check(true), "platform/not-encrypted", "platform/web-shop-dev/env.sops.yaml", 1);
    write("platform/web-shop-dev/env.sops.yaml",
          secret("web-shop-dev", "web-shop-dev-env",
                 "  A: ENC[AES256_GCM,data:AbCd,iv:MTIz,tag:NDU2,type:str]\n  B: added-later\n"));
    expect_one(check(true), "platform/not-encrypted", "platform/web-shop-dev/env.sops.yaml", 9);
}

TEST_F(CheckTest, PlatformNotEncryptedNearMissEmptyValues)
{
    write("platform/web-shop-dev/env.sops.yaml", secret("web-shop-dev", "web-shop-dev-env", "  A: \"\"\n  B:\n"));
    expect_clean(check(true));
}

TEST_F(CheckTest, PlatformCnpgMissingAndInitdb)
{
    write("platform/databases/shop-dev.yaml", cluster("shop-dev-cnpg"));
    write("platform/databases/shop-initdb.sops.yaml", secret("databases", "shop-initdb-secret"));
    auto r = check(true);
    expect_one(r, "platform/cnpg-missing", "platform/databases/shop-dev.yaml", 1);
    write("platform/databases/shop.yaml", cluster("shop-cnpg", "other-secret"));
    r = check(true);
    EXPECT_FALSE(has(r, "platform/cnpg-missing")) << dump(r);
    expect_one(r, "platform/cnpg-initdb", "platform/databases/shop.yaml", 13);
}

TEST_F(CheckTest, PlatformInitdbSecretMissing)
{
    write("platform/databases/shop-dev.yaml", cluster("shop-dev-cnpg"));
    write("platform/databases/shop.yaml", cluster("shop-cnpg"));
    expect_one(check(true), "platform/secret-missing", "platform/databases/shop-dev.yaml", 1);
}

// kanon.yaml says the app has a database: an empty platform repository is
// missing both clusters and the initdb Secret, found at kanon.yaml's line.
TEST_F(CheckTest, PlatformDatabaseDeclaredInKanonYaml)
{
    write("kanon.yaml", "apps:\n  shop:\n    database: true\n");
    auto r = check(true);
    std::size_t missing = 0;
    for (const auto& f : r.findings) {
        if (f.rule == "platform/cnpg-missing") {
            ++missing;
            EXPECT_EQ(f.line, 3U) << dump(r);
            EXPECT_NE(f.message.find("apps.shop.database"), std::string::npos) << f.message;
        }
    }
    EXPECT_EQ(missing, 2U) << dump(r);
    expect_one(r, "platform/secret-missing", "kanon.yaml", 3);
    write("platform/databases/shop-dev.yaml", cluster("shop-dev-cnpg"));
    write("platform/databases/shop.yaml", cluster("shop-cnpg"));
    write("platform/databases/shop-initdb.sops.yaml", secret("databases", "shop-initdb-secret"));
    expect_clean(check(true));
}

// The pull Secret is the configured one (gitlab-regcred): another name is
// a Secret the platform does not keep.
TEST_F(CheckTest, PullSecretOtherThanTheConfiguredOne)
{
    write(k_env_dev, env_layer("dev", "dev.shop.example") + "  - name: regcred-old\n");
    auto r = check();
    expect_one(r, "env/secret-ref", k_env_dev, 11);
}

TEST_F(CheckTest, PlatformNearMissAppWithoutDatabase)
{
    write("platform/databases/blog.yaml", cluster("blog-cnpg", "blog-initdb-secret"));  // another app's
    expect_clean(check(true));
}

}  // namespace
}  // namespace kanon::check
