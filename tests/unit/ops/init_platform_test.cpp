// init, platform side: no Secret file without sops (the commands instead),
// Secrets encrypted by a fake sops (tests/support/fake-sops) that writes
// real-looking ENC[...] values and a sops block, the plaintext removed when
// sops fails, CNPG clusters, and paths modelled on another app's objects.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "init_test_support.hpp"

namespace kanon::ops::test {
namespace {

using State = InitFile::State;

const char* k_sops_yaml =
    "creation_rules:\n  - path_regex: (secrets|tenants)/.*\\.sops\\.yaml$\n"
    "    encrypted_regex: ^(data|stringData)$\n    age: "
    "age1h3f0ms4v4fjdv6rrl6xzd7e2kuxm5dnc5e7ayl8hv3dz8wfsmgsqzqkr2x\n";

std::string expected_cluster(const std::string& name, const std::string& stage)
{
    return fmt::format(R"(# The {1} database of my-shop (CloudNativePG), created from my-shop-initdb-secret.
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: {0}
  namespace: databases
spec:
  instances: 1
  bootstrap:
    initdb:
      database: my_shop
      owner: my_shop
      secret:
        name: my-shop-initdb-secret
  storage:
    size: 1Gi
)",
                       name, stage);
}

// web-core and platform checkouts, the app my-shop with a database.
class InitPlatform : public ::testing::Test {
protected:
    InitPlatform()
    {
        web.write("deploy/charts/web/values.yaml", k_chart_values);
        opts = demo_options(web);
        opts.app = "my-shop";
        opts.platform = platform.root();
        opts.database = true;
    }

    // PATH with the fake sops first (python3 and git stay reachable).
    [[nodiscard]] std::string path_with_sops() const
    {
        std::string bin = web.path(".bin");
        fs::create_directories(bin);
        fs::copy_file(std::string(KANON_SOURCE_DIR) + "/tests/support/fake-sops", bin + "/sops",
                      fs::copy_options::overwrite_existing);
        return bin + ":" + env_or_empty("PATH");
    }

    TempTree web;
    TempTree platform;
    InitOptions opts;
};

std::vector<const InitFile*> platform_files(const InitResult& r)
{
    std::vector<const InitFile*> out;
    for (const auto& f : r.files) {
        if (f.repo == "platform") {
            out.push_back(&f);
        }
    }
    return out;
}

TEST_F(InitPlatform, WithoutSopsNoSecretIsWrittenAndTheCommandsAreListed)
{
    auto r = init(opts);  // no .sops.yaml: whatever PATH holds, kanon cannot encrypt
    ASSERT_TRUE(r) << r.error().describe();
    auto files = platform_files(*r);
    std::vector<std::string> paths;
    for (const auto* f : files) {
        paths.push_back(f->path);
        EXPECT_EQ(f->state, f->secret ? State::skipped : State::created) << f->path;
    }
    EXPECT_EQ(paths, (std::vector<std::string>{
                         "secrets/web-my-shop-dev/web-my-shop-dev-env.sops.yaml",
                         "secrets/web-my-shop-dev/gitlab-regcred.sops.yaml",
                         "secrets/web-my-shop-prod/web-my-shop-prod-env.sops.yaml",
                         "secrets/web-my-shop-prod/gitlab-regcred.sops.yaml",
                         "secrets/databases/my-shop-initdb-secret.sops.yaml",
                         "databases/my-shop-dev-cnpg.yaml",
                         "databases/my-shop-cnpg.yaml",
                     }));
    EXPECT_EQ(files[0]->note, "not written (no .sops.yaml in the platform repository): its command is listed");
    EXPECT_FALSE(platform.exists("secrets"));
    EXPECT_EQ(platform.read("databases/my-shop-dev-cnpg.yaml"), expected_cluster("my-shop-dev-cnpg", "dev"));
    EXPECT_EQ(platform.read("databases/my-shop-cnpg.yaml"), expected_cluster("my-shop-cnpg", "prod"));

    const std::string& p = platform.root();
    ASSERT_EQ(r->commands.size(), 7U);  // five Secrets, then git for each repository
    EXPECT_EQ(r->commands[0],
              "(cd " + p +
                  " && mkdir -p secrets/web-my-shop-dev && kubectl create secret generic web-my-shop-dev-env "
                  "-n web-my-shop-dev --from-literal=KEY=... --dry-run=client -o yaml | sops --encrypt "
                  "--filename-override secrets/web-my-shop-dev/web-my-shop-dev-env.sops.yaml --input-type yaml "
                  "--output-type yaml /dev/stdin > secrets/web-my-shop-dev/web-my-shop-dev-env.sops.yaml.tmp && mv "
                  "secrets/web-my-shop-dev/web-my-shop-dev-env.sops.yaml.tmp "
                  "secrets/web-my-shop-dev/web-my-shop-dev-env.sops.yaml || rm -f "
                  "secrets/web-my-shop-dev/web-my-shop-dev-env.sops.yaml.tmp)");
    EXPECT_EQ(
        r->commands[1],
        "(cd " + p +
            " && mkdir -p secrets/web-my-shop-dev && kubectl create secret docker-registry "
            "gitlab-regcred -n web-my-shop-dev --docker-server=registry.example.org --docker-username=... "
            "--docker-password=... --dry-run=client -o yaml | sops --encrypt --filename-override "
            "secrets/web-my-shop-dev/gitlab-regcred.sops.yaml --input-type yaml --output-type yaml /dev/stdin > "
            "secrets/web-my-shop-dev/gitlab-regcred.sops.yaml.tmp && mv "
            "secrets/web-my-shop-dev/gitlab-regcred.sops.yaml.tmp secrets/web-my-shop-dev/gitlab-regcred.sops.yaml "
            "|| rm -f secrets/web-my-shop-dev/gitlab-regcred.sops.yaml.tmp)");
    EXPECT_EQ(
        r->commands[4],
        "(cd " + p +
            " && mkdir -p secrets/databases && kubectl create secret generic my-shop-initdb-secret "
            "-n databases --type=kubernetes.io/basic-auth --from-literal=username=my_shop "
            "--from-literal=password=... --dry-run=client -o yaml | sops --encrypt --filename-override "
            "secrets/databases/my-shop-initdb-secret.sops.yaml --input-type yaml --output-type yaml /dev/stdin > "
            "secrets/databases/my-shop-initdb-secret.sops.yaml.tmp && mv "
            "secrets/databases/my-shop-initdb-secret.sops.yaml.tmp secrets/databases/my-shop-initdb-secret.sops.yaml "
            "|| rm -f secrets/databases/my-shop-initdb-secret.sops.yaml.tmp)");
    EXPECT_EQ(r->commands[6].rfind("git -C " + p + " add -- secrets/web-my-shop-dev/web-my-shop-dev-env.sops.yaml ", 0),
              0U)
        << r->commands[6];

    // Re-run: the clusters are unchanged, the Secrets still to create.
    r = init(opts);
    ASSERT_TRUE(r) << r.error().describe();
    for (const auto* f : platform_files(*r)) {
        EXPECT_EQ(f->state, f->secret ? State::skipped : State::unchanged) << f->path;
    }
}

TEST_F(InitPlatform, SopsNotOnPathIsSaidSo)
{
    platform.write(".sops.yaml", k_sops_yaml);
    ScopedEnv path("PATH", platform.path("no-bin"));
    auto r = init(opts);
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(platform_files(*r)[0]->note, "not written (sops is not on PATH): its command is listed");
    EXPECT_FALSE(platform.exists("secrets"));
}

TEST_F(InitPlatform, WithSopsEverySecretIsWrittenEncrypted)
{
    platform.write(".sops.yaml", k_sops_yaml);
    ScopedEnv path("PATH", path_with_sops());
    auto r = init(opts);
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_TRUE(r->failures.empty());
    int secrets = 0;
    for (const auto* f : platform_files(*r)) {
        EXPECT_EQ(f->state, State::created) << f->path << ": " << f->note;
        if (!f->secret) {
            continue;
        }
        ++secrets;
        std::string text = platform.read(f->path);
        EXPECT_NE(text.find("\nsops:\n"), std::string::npos) << text;
        EXPECT_NE(text.find("    mac: ENC[AES256_GCM,data:"), std::string::npos) << text;
        EXPECT_NE(text.find("    version: "), std::string::npos) << text;
        EXPECT_EQ(text.find(": \"\""), std::string::npos) << "a plaintext value is left:\n" << text;
        EXPECT_EQ(text.find("username: my_shop"), std::string::npos) << text;
    }
    EXPECT_EQ(secrets, 5);
    std::string initdb = platform.read("secrets/databases/my-shop-initdb-secret.sops.yaml");
    EXPECT_EQ(initdb.rfind("apiVersion: v1\nkind: Secret\nmetadata:\n  name: my-shop-initdb-secret\n"
                           "  namespace: databases\ntype: kubernetes.io/basic-auth\nstringData:\n"
                           "  username: ENC[AES256_GCM,data:",
                           0),
              0U)
        << initdb;
    EXPECT_NE(initdb.find("\n  password: ENC[AES256_GCM,data:,iv:"), std::string::npos) << initdb;
    ASSERT_EQ(r->commands.size(), 2U);  // only git
    EXPECT_EQ(r->commands[1].rfind("git -C " + platform.root() + " add -- secrets/", 0), 0U);

    // Re-run: everything unchanged, no Secret rewritten (even with --force).
    std::string before = platform.read("secrets/web-my-shop-dev/web-my-shop-dev-env.sops.yaml");
    opts.force = true;
    r = init(opts);
    ASSERT_TRUE(r) << r.error().describe();
    for (const auto& f : r->files) {
        EXPECT_EQ(f.state, State::unchanged) << f.path << ": " << f.note;
    }
    EXPECT_EQ(platform.read("secrets/web-my-shop-dev/web-my-shop-dev-env.sops.yaml"), before);
    EXPECT_TRUE(r->commands.empty());
}

// The skeleton goes to sops on stdin: when sops fails, nothing was written.
TEST_F(InitPlatform, WhenSopsFailsNothingIsWritten)
{
    platform.write(".sops.yaml", k_sops_yaml);
    ScopedEnv path("PATH", path_with_sops());
    ScopedEnv fail("FAKE_SOPS_FAIL", "1");
    auto r = init(opts);
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(r->failures.size(), 5U);
    for (const auto* f : platform_files(*r)) {
        if (f->secret) {
            EXPECT_EQ(f->state, State::skipped);
            EXPECT_EQ(f->note.rfind("sops failed, nothing was written: sops exited with 128", 0), 0U) << f->note;
            EXPECT_FALSE(platform.exists(f->path)) << f->path;
        }
    }
    EXPECT_EQ(r->commands.size(), 7U);
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(platform.path("secrets"), ec)) {
        EXPECT_TRUE(e.is_directory()) << "left behind: " << e.path();
    }
}

TEST_F(InitPlatform, NewObjectsGoWhereAnotherAppKeepsItsOwn)
{
    web.write("deploy/env/release-dev/blog.yaml", "image:\n  repository: r\n  tag: \"1\"\n");
    platform.write("tenants/blog/dev/env.sops.yaml",
                   "apiVersion: v1\nkind: Secret\nmetadata:\n    name: web-blog-dev-env\n    namespace: web-blog-dev\n"
                   "stringData:\n    A: ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]\n"
                   "sops:\n    mac: ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]\n    version: 3.9.0\n");
    platform.write("cnpg/blog/dev-cluster.yaml",
                   "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n    name: blog-dev-cnpg\n"
                   "    namespace: databases\nspec:\n    instances: 3\n");
    auto r = init(opts);
    ASSERT_TRUE(r) << r.error().describe();
    auto files = platform_files(*r);
    ASSERT_EQ(files.size(), 7U);
    EXPECT_EQ(files[0]->path, "tenants/my-shop/dev/env.sops.yaml");
    EXPECT_EQ(files[2]->path, "secrets/web-my-shop-prod/web-my-shop-prod-env.sops.yaml");  // blog has no prod one
    EXPECT_EQ(files[5]->path, "cnpg/my-shop/dev-cluster.yaml");
    EXPECT_EQ(files[6]->path, "databases/my-shop-cnpg.yaml");
    std::string cluster = platform.read("cnpg/my-shop/dev-cluster.yaml");  // blog's 4-space layout
    EXPECT_NE(cluster.find("\nmetadata:\n    name: my-shop-dev-cnpg\n"), std::string::npos) << cluster;
    EXPECT_NE(cluster.find("\n        initdb:\n            database: my_shop\n"), std::string::npos) << cluster;
}

TEST_F(InitPlatform, ExistingObjectsAreLeftAlone)
{
    platform.write(
        "elsewhere/all.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-my-shop-dev-env\n  namespace: web-my-shop-dev\n"
        "stringData:\n  A: ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]\n"
        "sops:\n  mac: ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]\n  version: 3.9.0\n"
        "---\napiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: my-shop-cnpg\n"
        "  namespace: databases\nspec:\n  instances: 2\n");
    opts.pull_secret = false;
    auto r = init(opts);
    ASSERT_TRUE(r) << r.error().describe();
    auto files = platform_files(*r);
    ASSERT_EQ(files.size(), 5U);
    EXPECT_EQ(files[0]->path, "elsewhere/all.yaml");
    EXPECT_EQ(files[0]->state, State::unchanged);
    EXPECT_EQ(files[1]->path, "secrets/web-my-shop-prod/web-my-shop-prod-env.sops.yaml");
    EXPECT_EQ(files[4]->path, "elsewhere/all.yaml");
    EXPECT_EQ(files[4]->state, State::kept);
    EXPECT_FALSE(platform.exists("databases/my-shop-cnpg.yaml"));
}

}  // namespace
}  // namespace kanon::ops::test
