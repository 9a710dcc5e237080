#include "sandbox/sandbox.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <random>

#include <fmt/format.h>

#include "gitops/git.hpp"
#include "sandbox/argocd_sim.hpp"
#include "sandbox/git_http.hpp"
#include "sandbox/site.hpp"
#include "util/files.hpp"

namespace kanon::sandbox {

namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

constexpr const char* k_repo_name = "web-core";
constexpr const char* k_initial_tag = "2026.11.0";
const std::vector<std::string> k_stages = {"dev", "prod"};

std::string repository_of(const std::string& app)
{
    return "registry.sandbox.kanon.test/web/" + app;
}

std::string release_yaml(const std::string& app)
{
    return fmt::format("image:\n  repository: {}\n  tag: \"{}\"\n", repository_of(app), k_initial_tag);
}

std::string env_yaml(const std::string& app, const std::string& stage, const std::string& domain)
{
    std::string host = stage == "dev" ? "dev." + domain : domain;
    return fmt::format(
        "ingress:\n  host: {}\nenv:\n  SYNESTRA_ENV: {}\nenvFrom:\n  - secretRef:\n      name: web-{}-{}-env\n", host,
        stage, app, stage);
}

std::string application_yaml(const std::string& app, const std::string& stage, const std::string& repo_url)
{
    return fmt::format(R"(apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web-{0}-{1}
  namespace: argocd
spec:
  project: web
  source:
    repoURL: {2}
    path: deploy/charts/web
    targetRevision: main
    helm:
      valueFiles:
        - ../../env/release-{1}/{0}.yaml
        - ../../env/{1}/{0}.yaml
  destination:
    server: https://kubernetes.default.svc
    namespace: web-{0}-{1}
  syncPolicy:
    automated:
      prune: true
      selfHeal: {3}
    syncOptions:
      - CreateNamespace=true
)",
                       app, stage, repo_url, stage == "prod" ? "true" : "false");
}

constexpr const char* k_chart_values = R"(# Defaults of the web chart; each app's release and env layers override them.
replicaCount: 2
image:
  repository: ""
  tag: ""
  pullPolicy: IfNotPresent
ingress:
  host: ""
env: {}
envFrom: []
)";

constexpr const char* k_chart = R"(apiVersion: v2
name: web
description: The web chart every app of web-core deploys with
version: 1.4.2
)";

// git in the sandbox's repository, with no system config.
Status git(const fs::path& git_dir, std::vector<std::string> args, std::map<std::string, std::string> env = {})
{
    gitops::GitCall call;
    call.args = std::move(args);
    call.git_dir = git_dir.string();
    call.env = std::move(env);
    call.env["GIT_CONFIG_NOSYSTEM"] = "1";
    auto r = gitops::git(call);
    if (!r) {
        return r.take_error();
    }
    return ok_status();
}

std::string random_hex(std::size_t bytes)
{
    std::random_device device;
    std::string out;
    for (std::size_t i = 0; i < bytes; ++i) {
        out += fmt::format("{:02x}", device() & 0xffU);
    }
    return out;
}

// A JWT-shaped token (argocd-server checks the shape before the signature).
std::string new_token()
{
    // base64url of {"alg":"HS256","typ":"JWT"} and of a small claim set.
    return "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJrYW5vbi1zYW5kYm94Iiwic3ViIjoicHJvajp3ZWI6Y2kifQ." +
           random_hex(32);
}

Result<std::string> load_token(const fs::path& file)
{
    if (fs::exists(file)) {
        auto text = read_file(file.string());
        if (!text) {
            return text.take_error();
        }
        std::string t = *text;
        t.erase(t.find_last_not_of(" \r\n") + 1);
        return t;
    }
    std::string token = new_token();
    if (auto st = write_file_atomic(file.string(), token + "\n"); !st) {
        return st.take_error();
    }
    ::chmod(file.c_str(), 0600);
    return token;
}

int previous_port(const ojson& previous, const std::string& key)
{
    if (!previous.is_object() || !previous.contains("ports") || !previous["ports"].contains(key)) {
        return 0;
    }
    return previous["ports"][key].get<int>();
}

}  // namespace

std::vector<std::pair<std::string, std::string>> sandbox_apps(int count)
{
    static const std::vector<std::pair<std::string, std::string>> k_names = {
        {"synestra-io", "synestra.io"},   {"nordwind-shop", "nordwind.shop"}, {"kite-blog", "kite.blog"},
        {"lumen-studio", "lumen.studio"}, {"orbit-news", "orbit.news"},
    };
    std::vector<std::pair<std::string, std::string>> out;
    for (int i = 0; i < count; ++i) {
        if (static_cast<std::size_t>(i) < k_names.size()) {
            out.push_back(k_names[static_cast<std::size_t>(i)]);
        } else {
            std::string name = fmt::format("app-{}", i + 1);
            out.emplace_back(name, name + ".example");
        }
    }
    return out;
}

Status create_webcore(const fs::path& git_dir, const std::string& repo_url,
                      const std::vector<std::pair<std::string, std::string>>& apps,
                      const std::vector<std::pair<std::string, std::string>>& site_urls)
{
    std::error_code ec;
    fs::create_directories(git_dir.parent_path(), ec);
    gitops::GitCall init;
    init.args = {"init", "-q", "--bare", "-b", "main", git_dir.string()};
    init.env["GIT_CONFIG_NOSYSTEM"] = "1";
    if (auto made = gitops::git(init); !made) {
        return Error{"cannot create " + git_dir.string() + ": " + made.error().message};
    }
    fs::path work = git_dir.string() + ".init";
    fs::remove_all(work, ec);
    std::map<std::string, std::string> files;
    std::string kanon_yaml =
        "# kanon.yaml of the sandbox's web-core (kanon sandbox up). Its sites run on\n"
        "# 127.0.0.1, so each app names its stages' URLs, and they state their\n"
        "# release in an X-Release header.\nversion: 1\nsite_version:\n  header: X-Release\napps:\n";
    for (const auto& [app, domain] : apps) {
        kanon_yaml += fmt::format("  {}:\n    domain: {}\n    urls:\n", app, domain);
        for (const auto& stage : k_stages) {
            files[fmt::format("deploy/env/release-{}/{}.yaml", stage, app)] = release_yaml(app);
            files[fmt::format("deploy/env/{}/{}.yaml", stage, app)] = env_yaml(app, stage, domain);
            files[fmt::format("deploy/argocd/apps/{}/{}.yaml", stage, app)] = application_yaml(app, stage, repo_url);
            for (const auto& [key, url] : site_urls) {
                if (key == fmt::format("{}/{}", app, stage)) {
                    kanon_yaml += fmt::format("      {}: {}\n", stage, url);
                }
            }
        }
    }
    files["kanon.yaml"] = kanon_yaml;
    files["deploy/charts/web/Chart.yaml"] = k_chart;
    files["deploy/charts/web/values.yaml"] = k_chart_values;
    files["README.md"] =
        "# web-core (sandbox)\n\nMade by `kanon sandbox up`: the canon's six files per app under deploy/.\n";
    for (const auto& [path, content] : files) {
        fs::create_directories((work / path).parent_path(), ec);
        if (auto st = write_file_atomic((work / path).string(), content); !st) {
            return st;
        }
    }
    // The index beside the work tree, not in it: `add -A` would take the
    // index's own .lock into the commit.
    fs::path index = git_dir.string() + ".init-index";
    std::map<std::string, std::string> env = {
        {"GIT_INDEX_FILE", index.string()},      {"GIT_WORK_TREE", work.string()},
        {"GIT_AUTHOR_NAME", "kanon sandbox"},    {"GIT_AUTHOR_EMAIL", "sandbox@kanon.test"},
        {"GIT_COMMITTER_NAME", "kanon sandbox"}, {"GIT_COMMITTER_EMAIL", "sandbox@kanon.test"},
    };
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"add", "-A", "--", "."},
             {"commit", "-q", "-m", fmt::format("web-core: {} apps in the canon", apps.size())},
         }) {
        if (auto r = git(git_dir, args, env); !r) {
            fs::remove_all(work, ec);
            fs::remove(index, ec);
            return r.take_error();
        }
    }
    fs::remove_all(work, ec);
    fs::remove(index, ec);
    if (auto r = git(git_dir, {"config", "http.receivepack", "true"}); !r) {
        return r.take_error();
    }
    return ok_status();
}

struct Sandbox::Impl {
    SandboxOptions options;
    std::unique_ptr<GitHttpServer> git;
    std::vector<std::unique_ptr<Site>> sites;
    std::unique_ptr<Cluster> cluster;
    std::unique_ptr<ArgoSim> sim;
    ojson info;
};

Sandbox::Sandbox(std::unique_ptr<Impl> impl) : m_impl(std::move(impl))
{
}

Sandbox::~Sandbox()
{
    stop();
}

namespace {

// sandbox.json of an earlier run of this directory (null when none).
ojson previous_info(const fs::path& dir)
{
    if (!fs::exists(dir / "sandbox.json")) {
        return {};
    }
    auto text = read_file((dir / "sandbox.json").string());
    return text ? ojson::parse(*text, nullptr, false) : ojson{};
}

// The apps: those of an earlier run of this directory, else --apps.
std::vector<std::pair<std::string, std::string>> apps_of(const ojson& previous, bool fresh, int count)
{
    std::vector<std::pair<std::string, std::string>> apps;
    if (fresh || !previous.is_object() || !previous.contains("apps")) {
        return sandbox_apps(count);
    }
    for (const auto& a : previous["apps"]) {
        apps.emplace_back(a["app"].get<std::string>(), a["domain"].get<std::string>());
    }
    return apps;
}

// Every app's site in every stage, started on its earlier port if it had one.
struct Sites {
    std::vector<std::unique_ptr<Site>> servers;
    ojson urls = ojson::object();                             // app -> stage -> URL
    std::vector<std::pair<std::string, std::string>> by_key;  // "app/stage" -> URL
    std::vector<ClusterApp> cluster_apps;                     // in the order of `servers`
};

Result<Sites> start_sites(const std::vector<std::pair<std::string, std::string>>& apps, const ojson& previous,
                          ojson& ports)
{
    Sites out;
    for (const auto& [app, domain] : apps) {
        for (const auto& stage : k_stages) {
            std::string key = fmt::format("{}/{}", app, stage);
            auto site = std::make_unique<Site>(SiteOptions{app, stage, previous_port(previous, key), {}});
            if (auto st = site->start(); !st) {
                return st.take_error();
            }
            out.urls[app][stage] = site->url();
            ports[key] = site->port();
            out.by_key.emplace_back(key, site->url());
            out.cluster_apps.push_back({app, stage, fmt::format("web-{}-{}", app, stage),
                                        fmt::format("deploy/argocd/apps/{}/{}.yaml", stage, app), site->url()});
            out.servers.push_back(std::move(site));
        }
    }
    return out;
}

// sandbox.json: where everything answers, and the token (mode 0600).
ojson describe(const fs::path& dir, const std::string& repo_url, int argocd_port, const std::string& token,
               const ojson& sites, const std::vector<std::pair<std::string, std::string>>& apps, const ojson& ports,
               const ClusterTimings& t)
{
    ojson info;
    info["repo"] = repo_url;
    info["argocd"] = {{"server", fmt::format("127.0.0.1:{}", argocd_port)}, {"token", token}, {"plaintext", true}};
    info["sites"] = sites;
    info["pid"] = static_cast<long>(::getpid());
    info["dir"] = dir.string();
    ojson app_list = ojson::array();
    for (const auto& [app, domain] : apps) {
        app_list.push_back({{"app", app}, {"domain", domain}});
    }
    info["apps"] = app_list;
    info["ports"] = ports;
    info["timings_ms"] = {{"poll", t.poll.count()},
                          {"compare", t.compare.count()},
                          {"operation_start", t.operation_start.count()},
                          {"sync", t.sync.count()},
                          {"reassess", t.reassess.count()},
                          {"rollout", t.rollout.count()},
                          {"progress_deadline", t.progress_deadline.count()}};
    info["logs"] = {{"sandbox", (dir / "sandbox.log").string()},
                    {"argocd", (dir / "argocd.log").string()},
                    {"git", (dir / "git.log").string()}};
    return info;
}

}  // namespace

Result<std::unique_ptr<Sandbox>> Sandbox::start(const SandboxOptions& options)
{
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    fs::path dir = fs::absolute(options.dir);
    std::error_code ec;
    fs::create_directories(dir / "git", ec);
    if (ec) {
        return Error{fmt::format("cannot create {}: {}", (dir / "git").string(), ec.message())};
    }
    ojson previous = previous_info(dir);
    fs::path git_dir = dir / "git" / (std::string(k_repo_name) + ".git");
    bool fresh = !fs::exists(git_dir);
    auto apps = apps_of(previous, fresh, options.apps);

    impl->git =
        std::make_unique<GitHttpServer>(GitHttpOptions{dir / "git", previous_port(previous, "git"), dir / "git.log"});
    if (auto st = impl->git->start(); !st) {
        return st.take_error();
    }
    std::string repo_url = impl->git->url(k_repo_name);
    ojson ports = {{"git", impl->git->port()}};
    auto sites = start_sites(apps, previous, ports);
    if (!sites) {
        return sites.take_error();
    }
    impl->sites = std::move(sites->servers);
    if (fresh) {
        if (auto st = create_webcore(git_dir, repo_url, apps, sites->by_key); !st) {
            return st.take_error();
        }
    }
    auto cluster = Cluster::open({git_dir, "main", sites->cluster_apps, options.timings});
    if (!cluster) {
        return cluster.take_error();
    }
    impl->cluster = std::move(*cluster);
    auto token = load_token(dir / "argocd.token");
    if (!token) {
        return token.take_error();
    }
    Cluster* c = impl->cluster.get();
    SimOptions sim_options;
    sim_options.port = previous_port(previous, "argocd");
    sim_options.token = *token;
    sim_options.log = dir / "argocd.log";
    sim_options.on_request = [c] { c->wake(); };
    impl->sim = std::make_unique<ArgoSim>(impl->cluster->scenario(), sim_options);
    if (auto st = impl->sim->start(); !st) {
        return st.take_error();
    }
    ports["argocd"] = impl->sim->port();
    impl->cluster->start(*impl->sim);
    for (std::size_t i = 0; i < impl->sites.size(); ++i) {
        std::string name = sites->cluster_apps[i].name;
        impl->sites[i]->set_serving([c, name] { return c->serving(name); });
    }
    impl->info = describe(dir, repo_url, impl->sim->port(), *token, sites->urls, apps, ports, options.timings);
    std::string json_path = (dir / "sandbox.json").string();
    if (auto st = write_file_atomic(json_path, impl->info.dump(2) + "\n"); !st) {
        return st.take_error();
    }
    ::chmod(json_path.c_str(), 0600);  // it holds the Argo CD token
    return std::unique_ptr<Sandbox>(new Sandbox(std::move(impl)));
}

const nlohmann::ordered_json& Sandbox::info() const
{
    return m_impl->info;
}

void Sandbox::stop()
{
    if (m_impl->cluster) {
        m_impl->cluster->stop();
    }
    if (m_impl->sim) {
        m_impl->sim->stop();
    }
    for (auto& s : m_impl->sites) {
        s->stop();
    }
    if (m_impl->git) {
        m_impl->git->stop();
    }
}

}  // namespace kanon::sandbox
