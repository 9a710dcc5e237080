// An OCI registry, read as the distribution API (v2) defines it: whether a
// tag exists and what its digest is (HEAD on the manifest), the tags of a
// repository (following the Link header's pages), and an image's creation
// time (its config blob). Authentication as registries do it: anonymous,
// Basic, and the Bearer-token flow a 401's WWW-Authenticate announces
// (GitLab's registry, Docker Hub), with credentials from
// KANON_REGISTRY_USER/KANON_REGISTRY_PASSWORD or docker's config.json.
// Credentials and tokens live only in requests; messages name where the
// credentials came from, never what they are.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"
#include "util/http.hpp"

namespace kanon::verify::registry {

// An image repository as the registry sees it: the host to ask and the
// repository's name there ("registry.example.com/web/app" -> host
// registry.example.com, name web/app; "nginx" -> Docker Hub's library/nginx).
struct ImageRef {
    std::string host;  // as written (with its port), "docker.io" for Docker Hub
    std::string name;
    [[nodiscard]] std::string api_host() const;  // Docker Hub's API is registry-1.docker.io
};
Result<ImageRef> parse_repository(std::string_view repository);

// Per-host settings (kanon.yaml registry.hosts).
struct HostSettings {
    bool plain_http = false;  // http:// (a test registry, an air-gapped mirror on a trusted network)
    std::string ca_file;      // extra trust anchors
    bool insecure = false;    // do not verify TLS (never written by kanon; --insecure-registry)
};

struct Credentials {
    std::string user;
    std::string password;
    std::string source;  // "KANON_REGISTRY_USER/KANON_REGISTRY_PASSWORD", a config.json path; "" anonymous
    [[nodiscard]] bool anonymous() const { return source.empty(); }
};

// Where credentials for `host` are: the environment (both variables set),
// else docker's config.json ($DOCKER_CONFIG/config.json, else
// $HOME/.docker/config.json: auths[host].auth, base64 "user:password"),
// else none. A config.json that cannot be read is an error naming it.
using Getenv = std::function<std::string(const char*)>;
Result<Credentials> credentials_for(const std::string& host, const Getenv& getenv);

// A WWW-Authenticate challenge: Bearer realm="...",service="...",scope="...".
struct Challenge {
    std::string scheme;  // lower-case: bearer, basic
    std::map<std::string, std::string> params;
};
std::optional<Challenge> parse_challenge(std::string_view header);

// The manifest a tag names, from HEAD: whether it exists, its digest.
struct Manifest {
    bool found = false;
    std::string digest;      // Docker-Content-Digest: sha256:...
    std::string media_type;  // an image manifest or an index (multi-arch)
};

// The Accept header of a manifest request: OCI and Docker, image and index.
extern const char* const k_manifest_accept;

// The most pages of tags read (with 1000 a page when the registry honours n,
// a million tags) and the longest a registry request may take.
inline constexpr int k_max_tag_pages = 1000;

using Transport = std::function<kanon::http::Response(const kanon::http::Request&)>;

class Client {
public:
    Client(ImageRef ref, HostSettings settings, Credentials creds, Transport transport = kanon::http::perform);

    // HEAD /v2/NAME/manifests/TAG. A 404 is `found = false`; any other
    // failure an error (exit 1) with the URL and, for 401/403, where the
    // credentials tried came from.
    Result<Manifest> manifest(const std::string& tag);
    // GET /v2/NAME/tags/list, every page (Link: <...>; rel="next"), in the
    // registry's order. A page that is not the documented JSON, a Link that
    // leaves the registry or comes back to a page already read, or more than
    // k_max_tag_pages pages: an error.
    Result<std::vector<std::string>> tags();
    // The image's `created` time (RFC 3339) from its config blob; for an
    // index, the linux/amd64 image's (else the first). "" when it has none.
    Result<std::string> created(const std::string& tag);

    // https://HOST/v2/NAME (http:// for a plain-HTTP host).
    [[nodiscard]] std::string base_url() const;
    [[nodiscard]] const ImageRef& ref() const { return m_ref; }

private:
    // Sends the request with what authorizes it; on a 401, follows the
    // challenge once (a token for Bearer, the credentials for Basic) and
    // sends it again.
    Result<kanon::http::Response> send(const kanon::http::Request& request);
    Result<std::string> fetch_token(const Challenge& c);
    kanon::http::Request request(const std::string& method, const std::string& url) const;
    Error refusal(const kanon::http::Response& r, const std::string& what) const;

    ImageRef m_ref;
    HostSettings m_settings;
    Credentials m_creds;
    Transport m_transport;
    std::string m_authorization;  // "Bearer ..." or "Basic ..." once a challenge asked for it
};

// The tags closest to `tag` by edit distance (for "did you mean"), at most `n`.
std::vector<std::string> nearest_tags(const std::string& tag, const std::vector<std::string>& tags, std::size_t n = 3);

}  // namespace kanon::verify::registry
