// The registry client against a scripted registry (a fake transport): the
// references, the challenge grammar, credentials from the environment and
// docker's config.json, the Bearer and Basic flows, the tag pages, and the
// answers a registry should not give.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "util/redact.hpp"
#include "util/text.hpp"
#include "verify/registry/registry.hpp"

namespace kanon::verify::registry {
namespace {

// Answers by "METHOD URL"; records every request.
struct FakeRegistry {
    std::map<std::string, std::function<kanon::http::Response(const kanon::http::Request&)>> routes;
    std::vector<kanon::http::Request> seen;
    Transport transport()
    {
        return [this](const kanon::http::Request& r) {
            seen.push_back(r);
            auto it = routes.find(r.method + " " + r.url);
            if (it == routes.end()) {
                kanon::http::Response resp;
                resp.status = 404;
                return resp;
            }
            return it->second(r);
        };
    }
};

http::Response answer(long status, kanon::http::Headers headers = {}, std::string body = {})
{
    kanon::http::Response r;
    r.status = status;
    r.headers = std::move(headers);
    r.body = std::move(body);
    return r;
}

std::string header_of(const kanon::http::Request& r, const std::string& name)
{
    for (const auto& [k, v] : r.headers) {
        if (iequals(k, name)) {
            return v;
        }
    }
    return {};
}

TEST(RegistryRef, HostsAndDockerHub)
{
    auto r = parse_repository("registry.example.com:5000/web/web-app");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->host, "registry.example.com:5000");
    EXPECT_EQ(r->name, "web/web-app");
    r = parse_repository("nginx");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->host, "docker.io");
    EXPECT_EQ(r->name, "library/nginx");
    EXPECT_EQ(r->api_host(), "registry-1.docker.io");
    r = parse_repository("bitnami/nginx");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->name, "bitnami/nginx");
    EXPECT_EQ(parse_repository("docker.io/nginx")->name, "library/nginx");
    EXPECT_EQ(parse_repository("index.docker.io/bitnami/nginx")->name, "bitnami/nginx");
    EXPECT_TRUE(parse_repository("localhost/app"));
    EXPECT_EQ(parse_repository("localhost/app")->host, "localhost");
    EXPECT_FALSE(parse_repository("Not A Repo"));
}

TEST(RegistryChallenge, Grammar)
{
    auto c = parse_challenge(
        R"(Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:web/app:pull,push")");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->scheme, "bearer");
    EXPECT_EQ(c->params["realm"], "https://auth.example.com/token");
    EXPECT_EQ(c->params["scope"], "repository:web/app:pull,push");  // the comma is inside quotes
    c = parse_challenge(R"(Basic realm="Registry Realm")");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->scheme, "basic");
    EXPECT_EQ(c->params["realm"], "Registry Realm");
    EXPECT_FALSE(parse_challenge(""));
    c = parse_challenge(R"(Bearer realm="unterminated)");  // never reads past the end
    ASSERT_TRUE(c);
    EXPECT_EQ(c->params["realm"], "unterminated");
}

TEST(RegistryCredentials, EnvironmentThenDockerConfig)
{
    std::map<std::string, std::string> env;
    Getenv getenv = [&env](const char* n) { return env.count(n) != 0 ? env[n] : std::string(); };
    auto none = credentials_for("r.example.com", getenv);
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->anonymous());

    env["KANON_REGISTRY_USER"] = "ci";
    auto half = credentials_for("r.example.com", getenv);
    ASSERT_FALSE(half);
    EXPECT_EQ(half.error().code, ExitCode::usage);
    env["KANON_REGISTRY_PASSWORD"] = "s3cret-from-env";
    auto unbound = credentials_for("r.example.com", getenv);  // for which host?
    ASSERT_FALSE(unbound);
    EXPECT_NE(unbound.error().message.find("without KANON_REGISTRY_HOST"), std::string::npos);
    env["KANON_REGISTRY_HOST"] = "other.example.com, r.example.com";
    auto elsewhere = credentials_for("evil.example.com", getenv);  // a host a release file names: anonymous
    ASSERT_TRUE(elsewhere);
    EXPECT_TRUE(elsewhere->anonymous());
    auto both = credentials_for("r.example.com", getenv);
    ASSERT_TRUE(both);
    EXPECT_EQ(both->user, "ci");
    EXPECT_EQ(both->source, "KANON_REGISTRY_USER/KANON_REGISTRY_PASSWORD");
    EXPECT_EQ(redact("pw s3cret-from-env"), "pw ***");

    env.clear();
    auto dir = std::filesystem::temp_directory_path() / ("kanon-docker-config-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    env["DOCKER_CONFIG"] = dir.string();
    std::ofstream(dir / "config.json") << R"({"auths": {"https://r.example.com": {"auth": ")"
                                       << base64_encode("robot:pa:ss-in-config") << R"("}}})";
    auto file = credentials_for("r.example.com", getenv);
    ASSERT_TRUE(file);
    EXPECT_EQ(file->user, "robot");
    EXPECT_EQ(file->password, "pa:ss-in-config");  // split at the first colon
    EXPECT_EQ(file->source, (dir / "config.json").string());
    auto other = credentials_for("other.example.com", getenv);
    ASSERT_TRUE(other);
    EXPECT_TRUE(other->anonymous());
    std::ofstream(dir / "config.json") << R"({"auths": {"r.example.com": {"auth": "not base64!"}}})";
    auto bad = credentials_for("r.example.com", getenv);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("not base64 of USER:PASSWORD"), std::string::npos);
    std::ofstream(dir / "config.json") << "{not json";
    EXPECT_FALSE(credentials_for("r.example.com", getenv));
    std::filesystem::remove_all(dir);
}

TEST(RegistryClient, BearerTokenFlowThenManifest)
{
    FakeRegistry f;
    const std::string manifest = "HEAD https://r.example.com/v2/web/app/manifests/1.2.3";
    f.routes[manifest] = [](const kanon::http::Request& r) {
        if (header_of(r, "Authorization") != "Bearer tok-123") {
            return answer(
                401,
                {{"www-authenticate",
                  R"(Bearer realm="https://auth.example.com/jwt",service="reg",scope="repository:web/app:pull")"}});
        }
        EXPECT_NE(header_of(r, "Accept").find("application/vnd.oci.image.index.v1+json"), std::string::npos);
        return answer(200, {{"docker-content-digest", "sha256:" + std::string(64, 'a')},
                            {"content-type", "application/vnd.oci.image.manifest.v1+json"}});
    };
    f.routes["GET https://auth.example.com/jwt?service=reg&scope=repository%3Aweb%2Fapp%3Apull"] =
        [](const kanon::http::Request& r) {
            EXPECT_EQ(header_of(r, "Authorization"), "Basic " + base64_encode("u:p"));
            return answer(200, {}, R"({"token": "tok-123"})");
        };
    Client c(*parse_repository("r.example.com/web/app"), {}, Credentials{"u", "p", "test"}, f.transport());
    auto m = c.manifest("1.2.3");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_TRUE(m->found);
    EXPECT_EQ(m->digest, "sha256:" + std::string(64, 'a'));
    EXPECT_EQ(f.seen.size(), 3U);  // 401, token, retry
    // The token is kept: the next request sends it at once.
    auto again = c.manifest("1.2.3");
    ASSERT_TRUE(again);
    EXPECT_EQ(f.seen.size(), 4U);
    EXPECT_EQ(redact("got tok-123"), "got ***");
}

TEST(RegistryClient, RefusalsNameTheCredentialSource)
{
    FakeRegistry f;
    f.routes["HEAD http://127.0.0.1:5000/v2/web/app/manifests/1"] = [](const kanon::http::Request&) {
        return answer(401, {{"www-authenticate", R"(Basic realm="Registry")"}});
    };
    Client anon(*parse_repository("127.0.0.1:5000/web/app"), HostSettings{true, "", false}, Credentials{},
                f.transport());
    auto m = anon.manifest("1");
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, ExitCode::failed);
    EXPECT_NE(m.error().message.find("(401 Unauthorized), asked anonymously"), std::string::npos) << m.error().message;
    Client with(*parse_repository("127.0.0.1:5000/web/app"), HostSettings{true, "", false},
                Credentials{"u", "wrong", "KANON_REGISTRY_USER/KANON_REGISTRY_PASSWORD"}, f.transport());
    m = with.manifest("1");
    ASSERT_FALSE(m);
    EXPECT_NE(m.error().message.find("with the credentials from KANON_REGISTRY_USER/KANON_REGISTRY_PASSWORD"),
              std::string::npos);
    EXPECT_EQ(header_of(f.seen.back(), "Authorization"), "Basic " + base64_encode("u:wrong"));
}

TEST(RegistryClient, MissingTagAndTransportFailures)
{
    FakeRegistry f;
    Client c(*parse_repository("r.example.com/web/app"), {}, {}, f.transport());
    auto m = c.manifest("nope");
    ASSERT_TRUE(m);
    EXPECT_FALSE(m->found);
    // A digest outside the OCI grammar is not recorded (it would reach a trailer).
    f.routes["HEAD https://r.example.com/v2/web/app/manifests/odd"] = [](const kanon::http::Request&) {
        return answer(200, {{"docker-content-digest", "sha256:abc\x1b[31m, x"}});
    };
    auto odd = c.manifest("odd");
    ASSERT_TRUE(odd);
    EXPECT_TRUE(odd->found);
    EXPECT_EQ(odd->digest, "");
    Client down(*parse_repository("r.example.com/web/app"), {}, {}, [](const kanon::http::Request&) {
        kanon::http::Response r;
        r.failure = kanon::http::Failure::connect;
        r.error = "connection refused (https://r.example.com/v2/web/app/manifests/1)";
        return r;
    });
    auto d = down.manifest("1");
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, ExitCode::failed);
    EXPECT_NE(d.error().message.find("connection refused"), std::string::npos);
}

TEST(RegistryClient, TagPagesFollowLinkAndStopOnLies)
{
    FakeRegistry f;
    const std::string base = "https://r.example.com/v2/web/app/tags/list";
    f.routes["GET " + base + "?n=1000"] = [](const kanon::http::Request&) {
        return answer(200, {{"link", R"(</v2/web/app/tags/list?n=1000&last=b>; rel="next")"}},
                      R"({"name":"web/app","tags":["a","b"]})");
    };
    f.routes["GET " + base + "?n=1000&last=b"] = [](const kanon::http::Request&) {
        return answer(200, {}, R"({"name":"web/app","tags":["c"]})");
    };
    Client c(*parse_repository("r.example.com/web/app"), {}, {}, f.transport());
    auto tags = c.tags();
    ASSERT_TRUE(tags) << tags.error().message;
    EXPECT_EQ(*tags, (std::vector<std::string>{"a", "b", "c"}));

    // A Link back to the first page: a loop, stopped.
    f.routes["GET " + base + "?n=1000&last=b"] = [](const kanon::http::Request&) {
        return answer(200, {{"link", R"(</v2/web/app/tags/list?n=1000>; rel="next")"}}, R"({"tags":["c"]})");
    };
    auto loop = c.tags();
    ASSERT_FALSE(loop);
    EXPECT_NE(loop.error().message.find("links back to a page already read"), std::string::npos);
    // A next page on another server: refused.
    f.routes["GET " + base + "?n=1000&last=b"] = [](const kanon::http::Request&) {
        return answer(200, {{"link", R"(<https://evil.example.com/x>; rel="next")"}}, R"({"tags":["c"]})");
    };
    auto away = c.tags();
    ASSERT_FALSE(away);
    EXPECT_NE(away.error().message.find("on another server"), std::string::npos);
    // Not the documented JSON.
    f.routes["GET " + base + "?n=1000"] = [](const kanon::http::Request&) { return answer(200, {}, "<html>"); };
    auto junk = c.tags();
    ASSERT_FALSE(junk);
    EXPECT_NE(junk.error().message.find("not the documented JSON"), std::string::npos);
    // An endless chain of new pages ends at the page limit.
    int n = 0;
    Client endless(*parse_repository("r.example.com/web/app"), {}, {}, [&n](const kanon::http::Request&) {
        ++n;
        return answer(200, {{"link", "</v2/web/app/tags/list?page=" + std::to_string(n) + ">; rel=\"next\""}},
                      R"({"tags":[]})");
    });
    auto many = endless.tags();
    ASSERT_FALSE(many);
    EXPECT_EQ(n, k_max_tag_pages);
}

TEST(RegistryClient, NearestTags)
{
    EXPECT_EQ(nearest_tags("1.2.l", {"1.2.1", "2.0.0", "1.2.0", "main"}, 2),
              (std::vector<std::string>{"1.2.0", "1.2.1"}));
    EXPECT_TRUE(nearest_tags("x", {}).empty());
}

}  // namespace
}  // namespace kanon::verify::registry
