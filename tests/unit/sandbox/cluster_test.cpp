// The sandbox's cluster against a real bare web-core: what it resolves from
// the Application's valueFiles, and the states it walks an app through after
// a commit, seen through the simulator's REST API as kanon sees them.
#include "sandbox/cluster.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "sandbox/argocd_sim.hpp"
#include "sandbox/sandbox.hpp"
#include "sim_test_support.hpp"
#include "util/files.hpp"
#include "util/process.hpp"

namespace kanon::sandbox {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::http;

class ClusterTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_dir = fs::temp_directory_path() / fs::path("kanon-cluster-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(m_dir);
        fs::create_directories(m_dir);
        m_git = m_dir / "web-core.git";
        auto made = create_webcore(m_git, "http://git.test/web-core.git", sandbox_apps(2),
                                   {{"synestra-io/dev", "http://127.0.0.1:1"},
                                    {"synestra-io/prod", "http://127.0.0.1:2"},
                                    {"nordwind-shop/dev", "http://127.0.0.1:3"},
                                    {"nordwind-shop/prod", "http://127.0.0.1:4"}});
        ASSERT_TRUE(made.ok()) << made.error().describe();
    }
    void TearDown() override
    {
        if (m_sim) {
            m_sim->stop();
        }
        if (m_cluster) {
            m_cluster->stop();
        }
        fs::remove_all(m_dir);
    }

    // Commits `files` on main with git plumbing (no work tree); the new SHA.
    std::string commit(const std::map<std::string, std::string>& files, const std::string& message = "change")
    {
        fs::path work = m_dir / "work";
        fs::remove_all(work);
        std::map<std::string, std::string> env = {{"GIT_DIR", m_git.string()},
                                                  {"GIT_WORK_TREE", work.string()},
                                                  {"GIT_INDEX_FILE", (m_dir / "index").string()},
                                                  {"GIT_AUTHOR_NAME", "t"},
                                                  {"GIT_AUTHOR_EMAIL", "t@t"},
                                                  {"GIT_COMMITTER_NAME", "t"},
                                                  {"GIT_COMMITTER_EMAIL", "t@t"}};
        auto run = [&](std::vector<std::string> argv) {
            ProcessSpec spec{std::move(argv), "", "", env};
            auto r = run_process(spec);
            EXPECT_TRUE(r && r->ok()) << (r ? r->err : r.error().describe());
            return r ? r->out : std::string{};
        };
        run({"git", "read-tree", "main"});
        for (const auto& [path, content] : files) {
            fs::create_directories((work / path).parent_path());
            EXPECT_TRUE(write_file_atomic((work / path).string(), content).ok());
            run({"git", "add", "--", path});
        }
        run({"git", "commit", "-q", "-m", message});
        std::string sha = run({"git", "rev-parse", "main"});
        return sha.substr(0, 40);
    }

    std::vector<ClusterApp> apps() const
    {
        std::vector<ClusterApp> out;
        for (const auto& [app, domain] : sandbox_apps(2)) {
            for (const char* stage : {"dev", "prod"}) {
                out.push_back({app, stage, "web-" + app + "-" + stage,
                               "deploy/argocd/apps/" + std::string(stage) + "/" + app + ".yaml", "http://x"});
            }
        }
        return out;
    }

    void start(Millis reassess = Millis{20})
    {
        ClusterTimings t;
        t.poll = 150ms;
        t.compare = 20ms;
        t.operation_start = 20ms;
        t.sync = 50ms;
        t.reassess = reassess;
        t.rollout = 150ms;
        t.progress_deadline = 300ms;
        auto c = Cluster::open({m_git, "main", apps(), t});
        ASSERT_TRUE(c.ok()) << c.error().describe();
        m_cluster = std::move(*c);
        Cluster* cluster = m_cluster.get();
        m_sim = std::make_unique<ArgoSim>(m_cluster->scenario(), SimOptions{0, "", {}, [cluster] { cluster->wake(); }});
        ASSERT_TRUE(m_sim->start().ok());
        m_cluster->start(*m_sim);
    }

    Json get(const std::string& app, bool refresh = false)
    {
        auto r = http(fmt::format("http://127.0.0.1:{}/api/v1/applications/{}{}", m_sim->port(), app,
                                  refresh ? "?refresh=normal" : ""));
        EXPECT_EQ(r.status, 200) << r.body;
        return Json::parse(r.body);
    }

    // Polls until `done(app)` or 5 s; the last object.
    Json until(const std::string& app, const std::function<bool(const Json&)>& done)
    {
        auto deadline = std::chrono::steady_clock::now() + 5s;
        Json last;
        while (std::chrono::steady_clock::now() < deadline) {
            last = get(app);
            if (done(last)) {
                return last;
            }
            std::this_thread::sleep_for(20ms);
        }
        ADD_FAILURE() << "timed out; last: " << last.dump();
        return last;
    }

    static std::string release(const std::string& app, const std::string& tag)
    {
        return "image:\n  repository: registry.sandbox.kanon.test/web/" + app + "\n  tag: \"" + tag + "\"\n";
    }

    fs::path m_dir;
    fs::path m_git;
    std::unique_ptr<Cluster> m_cluster;
    std::unique_ptr<ArgoSim> m_sim;
};

TEST_F(ClusterTest, ResolvesTheImageFromChartThenValueFilesInOrder)
{
    auto d = resolve_apps(m_git, "main", apps());
    ASSERT_TRUE(d.ok()) << d.error().describe();
    ASSERT_EQ(d->size(), 4U);
    EXPECT_EQ((*d)[0].image, "registry.sandbox.kanon.test/web/synestra-io:2026.11.0");
    EXPECT_EQ((*d)[0].spec["destination"]["namespace"], "web-synestra-io-dev");
    EXPECT_TRUE((*d)[0].error.empty());

    // The override trap: an env layer that sets image.tag wins, as in Helm.
    commit({{"deploy/env/dev/synestra-io.yaml", "image:\n  tag: sneaky\ningress:\n  host: dev.synestra.io\n"}});
    d = resolve_apps(m_git, "main", apps());
    ASSERT_TRUE(d.ok());
    EXPECT_EQ((*d)[0].tag, "sneaky");
    EXPECT_EQ((*d)[1].tag, "2026.11.0");
}

TEST_F(ClusterTest, AMissingValueFileIsAComparisonErrorNotACrash)
{
    std::string manifest = R"(spec:
  source:
    path: deploy/charts/web
    helm:
      valueFiles: [../../env/release-dev/nope.yaml]
)";
    commit({{"deploy/argocd/apps/dev/synestra-io.yaml", manifest}});
    auto d = resolve_apps(m_git, "main", apps());
    ASSERT_TRUE(d.ok());
    EXPECT_NE((*d)[0].error.find("deploy/env/release-dev/nope.yaml"), std::string::npos) << (*d)[0].error;
    EXPECT_TRUE((*d)[2].error.empty());
}

TEST_F(ClusterTest, StartsSyncedAndHealthyAtTheTip)
{
    start();
    auto app = get("web-synestra-io-dev");
    EXPECT_EQ(app["status"]["sync"]["status"], "Synced");
    EXPECT_EQ(app["status"]["health"]["status"], "Healthy");
    EXPECT_EQ(app["status"]["summary"]["images"],
              Json::array({"registry.sandbox.kanon.test/web/synestra-io:2026.11.0"}));
    EXPECT_EQ(m_cluster->serving("web-synestra-io-dev").tag, "2026.11.0");
}

TEST_F(ClusterTest, ACommitIsRefreshedSyncedRolledOutAndServed)
{
    start();
    std::string before = get("web-synestra-io-dev")["status"]["sync"]["revision"];
    auto sha = commit({{"deploy/env/release-dev/synestra-io.yaml", release("synestra-io", "2026.11.1")}});
    // A refresh returns once the comparison with the new tip is persisted.
    auto refreshed = get("web-synestra-io-dev", true);
    EXPECT_EQ(refreshed["status"]["sync"]["revision"], sha);
    EXPECT_FALSE(refreshed["metadata"]["annotations"].contains("argocd.argoproj.io/refresh"));
    auto done = until("web-synestra-io-dev", [](const Json& a) {
        return a["status"]["health"]["status"] == "Healthy" && !a.contains("operation") &&
               a["status"]["operationState"]["phase"] == "Succeeded" && a["status"]["summary"]["images"].size() == 1 &&
               a["status"]["summary"]["images"][0] == "registry.sandbox.kanon.test/web/synestra-io:2026.11.1";
    });
    EXPECT_EQ(done["status"]["operationState"]["syncResult"]["revision"], sha);
    EXPECT_EQ(done["status"]["history"].back()["revision"], sha);
    EXPECT_EQ(done["status"]["operationState"]["operation"]["initiatedBy"]["automated"], true);
    EXPECT_GE(done["status"]["reconciledAt"].get<std::string>(),
              done["status"]["operationState"]["finishedAt"].get<std::string>());
    EXPECT_EQ(m_cluster->serving("web-synestra-io-dev").tag, "2026.11.1");
    // prod did not move: it compares against the new tip and stays Synced.
    auto prod = get("web-synestra-io-prod", true);
    EXPECT_EQ(prod["status"]["sync"]["status"], "Synced");
    EXPECT_EQ(prod["status"]["sync"]["revision"], sha);
    EXPECT_EQ(prod["status"]["history"].size(), 1U);
    EXPECT_NE(before, sha);
}

// Refreshes asked all along the deploy (kanon's refresh thread does) must
// never show a success before the rollout: once the operation is done, any
// comparison sees the new pods Progressing, never the old pods' Healthy.
TEST_F(ClusterTest, NoComparisonAfterTheSyncShowsTheOldHealth)
{
    // A slow re-assessment leaves room for refreshes between the operation's
    // end and it: each of those comparisons must see the rollout.
    start(Millis{400});
    auto sha = commit({{"deploy/env/release-dev/synestra-io.yaml", release("synestra-io", "2026.11.2")}});
    auto deadline = std::chrono::steady_clock::now() + 3s;
    bool done = false;
    while (!done && std::chrono::steady_clock::now() < deadline) {
        auto a = get("web-synestra-io-dev", true);
        const auto& st = a["status"];
        bool synced_ours = st["sync"]["status"] == "Synced" && st["sync"]["revision"] == sha &&
                           st.contains("operationState") && st["operationState"]["phase"] == "Succeeded" &&
                           st["operationState"]["syncResult"]["revision"] == sha && !a.contains("operation");
        if (synced_ours && st["health"]["status"] == "Healthy") {
            EXPECT_EQ(st["summary"]["images"], Json::array({"registry.sandbox.kanon.test/web/synestra-io:2026.11.2"}))
                << "Healthy while the old pods still run: " << a.dump();
            EXPECT_EQ(m_cluster->serving("web-synestra-io-dev").tag, "2026.11.2");
            done = true;
        }
    }
    EXPECT_TRUE(done) << "never deployed";
}

TEST_F(ClusterTest, ABrokenTagTurnsDegradedAndTheOldPodsKeepServing)
{
    start();
    commit({{"deploy/env/release-dev/synestra-io.yaml", release("synestra-io", "broken-7")}});
    get("web-synestra-io-dev", true);
    auto degraded =
        until("web-synestra-io-dev", [](const Json& a) { return a["status"]["health"]["status"] == "Degraded"; });
    EXPECT_EQ(degraded["status"]["sync"]["status"], "Synced");
    EXPECT_EQ(degraded["status"]["summary"]["images"].size(), 2U);  // old and new pods
    EXPECT_EQ(m_cluster->serving("web-synestra-io-dev").tag, "2026.11.0");
}

TEST_F(ClusterTest, AManualSyncIsTakenInAndRun)
{
    start();
    // Turn auto-sync off for prod, then commit a new prod tag: OutOfSync, no operation.
    std::string manifest = R"(spec:
  project: web
  source:
    path: deploy/charts/web
    targetRevision: main
    helm:
      valueFiles: [../../env/release-prod/synestra-io.yaml, ../../env/prod/synestra-io.yaml]
  destination: {namespace: web-synestra-io-prod}
  syncPolicy: {}
)";
    auto sha = commit({{"deploy/argocd/apps/prod/synestra-io.yaml", manifest},
                       {"deploy/env/release-prod/synestra-io.yaml", release("synestra-io", "2026.11.5")}});
    auto app = get("web-synestra-io-prod", true);
    EXPECT_EQ(app["status"]["sync"]["status"], "OutOfSync");
    std::this_thread::sleep_for(200ms);
    EXPECT_FALSE(get("web-synestra-io-prod").contains("operation"));
    auto posted = testing::http_post(
        fmt::format("http://127.0.0.1:{}/api/v1/applications/web-synestra-io-prod/sync", m_sim->port()), "{}");
    ASSERT_EQ(posted.status, 200) << posted.body;
    auto done = until("web-synestra-io-prod", [](const Json& a) {
        return a["status"]["health"]["status"] == "Healthy" && a["status"]["sync"]["status"] == "Synced" &&
               !a.contains("operation") && a["status"]["history"].size() == 2;
    });
    EXPECT_EQ(done["status"]["operationState"]["syncResult"]["revision"], sha);
    EXPECT_EQ(m_cluster->serving("web-synestra-io-prod").tag, "2026.11.5");
}

}  // namespace
}  // namespace kanon::sandbox
