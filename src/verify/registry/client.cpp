#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "canon/names.hpp"
#include "util/files.hpp"
#include "util/json.hpp"
#include "util/redact.hpp"
#include "util/suggest.hpp"
#include "util/text.hpp"
#include "verify/registry/registry.hpp"

namespace kanon::verify::registry {

const char* const k_manifest_accept =
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";

namespace {

bool names_a_host(std::string_view component)
{
    return component.find('.') != std::string_view::npos || component.find(':') != std::string_view::npos ||
           component == "localhost";
}

// `<URL>; rel="next"` of a Link header, or "".
std::string next_link(const std::string& link)
{
    std::size_t at = 0;
    while (at < link.size()) {
        auto open = link.find('<', at);
        auto close = link.find('>', open == std::string::npos ? at : open);
        if (open == std::string::npos || close == std::string::npos) {
            return {};
        }
        auto end = link.find(',', close);
        std::string params = link.substr(close + 1, end == std::string::npos ? std::string::npos : end - close - 1);
        std::string compact;
        for (char c : params) {
            if (c != ' ' && c != '"') {
                compact += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
        }
        if (compact.find("rel=next") != std::string::npos) {
            return link.substr(open + 1, close - open - 1);
        }
        if (end == std::string::npos) {
            return {};
        }
        at = end + 1;
    }
    return {};
}

// algorithm:encoded as the OCI image spec defines a digest; sha256 and
// sha512 with their exact lengths of lower-case hex.
bool is_digest(const std::string& d)
{
    auto colon = d.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == d.size() || d.size() > 200) {
        return false;
    }
    std::string_view alg = std::string_view(d).substr(0, colon);
    std::string_view enc = std::string_view(d).substr(colon + 1);
    for (char c : alg) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '_' || c == '-')) {
            return false;
        }
    }
    for (char c : enc) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '=' || c == '_' ||
              c == '-')) {
            return false;
        }
    }
    bool lower_hex = enc.find_first_not_of("0123456789abcdef") == std::string_view::npos;
    if (alg == "sha256") {
        return enc.size() == 64 && lower_hex;
    }
    if (alg == "sha512") {
        return enc.size() == 128 && lower_hex;
    }
    return true;
}

// scheme://host[:port] of a URL.
std::string origin_of(const std::string& url)
{
    auto scheme = url.find("://");
    if (scheme == std::string::npos) {
        return {};
    }
    auto path = url.find('/', scheme + 3);
    return url.substr(0, path);
}

}  // namespace

std::string ImageRef::api_host() const
{
    return host == "docker.io" ? "registry-1.docker.io" : host;
}

Result<ImageRef> parse_repository(std::string_view repository)
{
    if (!canon::is_image_repository(repository)) {
        return usage_error(fmt::format("'{}' is not an image repository", printable(repository, 200)),
                           "e.g. registry.example.com/web/web-APP");
    }
    ImageRef r;
    auto slash = repository.find('/');
    if (slash != std::string_view::npos && names_a_host(repository.substr(0, slash))) {
        r.host = std::string(repository.substr(0, slash));
        r.name = std::string(repository.substr(slash + 1));
    } else {
        r.host = "docker.io";
        r.name = slash == std::string_view::npos ? "library/" + std::string(repository) : std::string(repository);
    }
    if (r.host == "index.docker.io" || r.host == "registry-1.docker.io") {
        r.host = "docker.io";
    }
    if (r.host == "docker.io" && r.name.find('/') == std::string::npos) {
        r.name = "library/" + r.name;  // docker.io/nginx is Docker Hub's library/nginx
    }
    return r;
}

std::optional<Challenge> parse_challenge(std::string_view header)
{
    std::size_t i = 0;
    while (i < header.size() && header[i] == ' ') {
        ++i;
    }
    std::size_t start = i;
    while (i < header.size() && header[i] != ' ') {
        ++i;
    }
    if (i == start) {
        return std::nullopt;
    }
    Challenge c;
    c.scheme = lower(header.substr(start, i - start));
    while (i < header.size()) {
        while (i < header.size() && (header[i] == ' ' || header[i] == ',')) {
            ++i;
        }
        std::size_t key_start = i;
        while (i < header.size() && header[i] != '=' && header[i] != ',') {
            ++i;
        }
        std::string key = lower(trim_right(std::string(header.substr(key_start, i - key_start))));
        if (i >= header.size() || header[i] != '=') {
            continue;
        }
        ++i;
        std::string value;
        if (i < header.size() && header[i] == '"') {
            ++i;
            while (i < header.size() && header[i] != '"') {
                if (header[i] == '\\' && i + 1 < header.size()) {
                    ++i;
                }
                value += header[i++];
            }
            ++i;  // the closing quote
        } else {
            while (i < header.size() && header[i] != ',') {
                value += header[i++];
            }
            value = trim_right(value);
        }
        if (!key.empty()) {
            c.params[key] = value;
        }
    }
    return c;
}

Result<Credentials> credentials_for(const std::string& host, const Getenv& getenv)
{
    std::string user = getenv("KANON_REGISTRY_USER");
    std::string password = getenv("KANON_REGISTRY_PASSWORD");
    if (!user.empty() || !password.empty()) {
        if (user.empty() || password.empty()) {
            return usage_error(
                fmt::format("{} is set without {}", user.empty() ? "KANON_REGISTRY_PASSWORD" : "KANON_REGISTRY_USER",
                            user.empty() ? "KANON_REGISTRY_USER" : "KANON_REGISTRY_PASSWORD"),
                "set both, or neither to read docker's config.json");
        }
        register_secret(password);
        // They go to the hosts KANON_REGISTRY_HOST names, never to one a
        // release file names: whoever can edit web-core must not be able to
        // send CI's registry password to a server of theirs.
        std::string hosts = getenv("KANON_REGISTRY_HOST");
        if (hosts.empty()) {
            return usage_error("KANON_REGISTRY_USER/KANON_REGISTRY_PASSWORD are set without KANON_REGISTRY_HOST",
                               "name the registry they are for (HOST[:PORT], several separated by commas), e.g. "
                               "KANON_REGISTRY_HOST=$CI_REGISTRY in GitLab CI");
        }
        std::size_t start = 0;
        while (start <= hosts.size()) {
            auto comma = hosts.find(',', start);
            std::string one = hosts.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            one.erase(0, one.find_first_not_of(' '));
            one = trim_right(one);
            if (one == host || (host == "docker.io" && (one == "index.docker.io" || one == "registry-1.docker.io"))) {
                return Credentials{user, password, "KANON_REGISTRY_USER/KANON_REGISTRY_PASSWORD"};
            }
            if (comma == std::string::npos) {
                break;
            }
            start = comma + 1;
        }
    }
    std::string dir = getenv("DOCKER_CONFIG");
    if (dir.empty()) {
        std::string home = getenv("HOME");
        if (home.empty()) {
            return Credentials{};
        }
        dir = home + "/.docker";
    }
    std::string path = dir + "/config.json";
    if (!file_exists(path)) {
        return Credentials{};
    }
    auto text = read_file(path);
    if (!text) {
        return text.take_error();
    }
    std::string why;
    nlohmann::json doc = parse_json_bounded(*text, &why);
    if (doc.is_discarded() || !doc.is_object()) {
        return Error{fmt::format("{}: not a docker config.json ({})", path, why.empty() ? "not a JSON object" : why)};
    }
    const auto auths = doc.find("auths");
    if (auths == doc.end() || !auths->is_object()) {
        return Credentials{};
    }
    std::vector<std::string> keys = {host, "https://" + host, "http://" + host, "https://" + host + "/v1/",
                                     "https://" + host + "/v2/"};
    if (host == "docker.io") {
        keys.emplace_back("https://index.docker.io/v1/");
    }
    for (const auto& key : keys) {
        auto entry = auths->find(key);
        if (entry == auths->end() || !entry->is_object()) {
            continue;
        }
        std::string pair;
        if (auto a = entry->find("auth"); a != entry->end() && a->is_string()) {
            auto decoded = base64_decode(a->get<std::string>());
            if (!decoded || decoded->find(':') == std::string::npos) {
                return Error{fmt::format("{}: auths.\"{}\".auth is not base64 of USER:PASSWORD", path, key)};
            }
            pair = *decoded;
        } else if (entry->contains("username") && entry->contains("password") && (*entry)["username"].is_string() &&
                   (*entry)["password"].is_string()) {
            pair = (*entry)["username"].get<std::string>() + ":" + (*entry)["password"].get<std::string>();
        } else {
            continue;
        }
        auto colon = pair.find(':');
        Credentials c{pair.substr(0, colon), pair.substr(colon + 1), path};
        register_secret(c.password);
        register_secret(base64_encode(pair));
        return c;
    }
    return Credentials{};
}

Client::Client(ImageRef ref, HostSettings settings, Credentials creds, Transport transport)
    : m_ref(std::move(ref)),
      m_settings(std::move(settings)),
      m_creds(std::move(creds)),
      m_transport(std::move(transport))
{
}

std::string Client::base_url() const
{
    return fmt::format("{}://{}/v2/{}", m_settings.plain_http ? "http" : "https", m_ref.api_host(), m_ref.name);
}

kanon::http::Request Client::request(const std::string& method, const std::string& url) const
{
    kanon::http::Request r;
    r.method = method;
    r.url = url;
    r.connect_timeout = std::chrono::seconds(10);
    r.timeout = std::chrono::seconds(30);
    r.max_body = std::size_t{16} << 20;
    r.tls.verify = !m_settings.insecure;
    r.tls.ca_file = m_settings.ca_file;
    r.headers.emplace_back("User-Agent", "kanon");
    return r;
}

Error Client::refusal(const kanon::http::Response& r, const std::string& what) const
{
    std::string tried = m_creds.anonymous() ? "anonymously (no KANON_REGISTRY_USER/KANON_REGISTRY_PASSWORD, and no "
                                              "entry for " +
                                                  m_ref.host + " in docker's config.json)"
                                            : "with the credentials from " + m_creds.source;
    if (r.status == 401 || r.status == 403) {
        return Error{fmt::format("registry {} refused {} ({} {}), asked {}", m_ref.host, what, r.status,
                                 r.status == 401 ? "Unauthorized" : "Forbidden", tried),
                     ExitCode::failed,
                     {},
                     m_creds.anonymous() ? "set KANON_REGISTRY_USER and KANON_REGISTRY_PASSWORD (a read-only token "
                                           "will do), or log in with docker login"
                                         : "check that these credentials may pull " + m_ref.name};
    }
    return Error{fmt::format("registry {}: {} answered {}", m_ref.host, what, r.status)};
}

Result<std::string> Client::fetch_token(const Challenge& c)
{
    auto realm = c.params.find("realm");
    if (realm == c.params.end() ||
        (realm->second.rfind("https://", 0) != 0 && realm->second.rfind("http://", 0) != 0)) {
        return Error{fmt::format("registry {} asked for a token without a realm URL", m_ref.host)};
    }
    if (realm->second.rfind("http://", 0) == 0 && !m_settings.plain_http && !m_creds.anonymous()) {
        return Error{fmt::format("registry {} asked for credentials over plain HTTP ({}): refused", m_ref.host,
                                 redact_urls(realm->second)),
                     ExitCode::failed,
                     {},
                     "registry.hosts.HOST.plain_http in kanon.yaml allows it for that host"};
    }
    kanon::http::Headers query;
    if (auto s = c.params.find("service"); s != c.params.end()) {
        query.emplace_back("service", s->second);
    }
    auto scope = c.params.find("scope");
    query.emplace_back("scope", scope != c.params.end() ? scope->second : "repository:" + m_ref.name + ":pull");
    kanon::http::Request req = request("GET", kanon::http::url_with_query(realm->second, "", query));
    if (!m_creds.anonymous()) {
        std::string basic = base64_encode(m_creds.user + ":" + m_creds.password);
        register_secret(basic);
        req.headers.emplace_back("Authorization", "Basic " + basic);
    }
    kanon::http::Response r = m_transport(req);
    if (r.failure != kanon::http::Failure::none) {
        return Error{
            fmt::format("registry {}: the token service at {}: {}", m_ref.host, redact_urls(realm->second), r.error)};
    }
    if (r.status != 200) {
        return refusal(r, "a token (" + redact_urls(realm->second) + ")");
    }
    nlohmann::json doc = parse_json_bounded(r.body);
    std::string token;
    for (const char* key : {"token", "access_token"}) {
        if (doc.is_object() && doc.contains(key) && doc[key].is_string() && !doc[key].get<std::string>().empty()) {
            token = doc[key].get<std::string>();
            break;
        }
    }
    if (token.empty()) {
        return Error{fmt::format("registry {}: the token service at {} answered no token", m_ref.host,
                                 redact_urls(realm->second))};
    }
    register_secret(token);
    return token;
}

Result<kanon::http::Response> Client::send(const kanon::http::Request& req)
{
    for (int attempt = 0; attempt < 2; ++attempt) {
        kanon::http::Request r = req;
        if (!m_authorization.empty()) {
            r.headers.emplace_back("Authorization", m_authorization);
        }
        kanon::http::Response resp = m_transport(r);
        if (resp.failure != kanon::http::Failure::none) {
            return Error{fmt::format("registry {}: {}", m_ref.host, resp.error),
                         ExitCode::failed,
                         {},
                         resp.failure == kanon::http::Failure::tls
                             ? "a private CA: registry.hosts.HOST.ca_file in kanon.yaml"
                             : "is the registry up, and is the host right (kanon.yaml registry.hosts for plain HTTP)?"};
        }
        if (resp.status != 401 || attempt == 1) {
            return resp;
        }
        auto challenge = parse_challenge(resp.header("www-authenticate"));
        if (!challenge) {
            return resp;
        }
        if (challenge->scheme == "bearer") {
            auto token = fetch_token(*challenge);
            if (!token) {
                return token.take_error();
            }
            m_authorization = "Bearer " + *token;
        } else if (challenge->scheme == "basic" && !m_creds.anonymous()) {
            std::string basic = base64_encode(m_creds.user + ":" + m_creds.password);
            register_secret(basic);
            m_authorization = "Basic " + basic;
        } else {
            return resp;
        }
    }
    return Error{"unreachable"};
}

Result<Manifest> Client::manifest(const std::string& tag)
{
    kanon::http::Request req = request("HEAD", base_url() + "/manifests/" + tag);
    req.headers.emplace_back("Accept", k_manifest_accept);
    auto r = send(req);
    if (!r) {
        return r.take_error();
    }
    if (r->status == 404) {
        return Manifest{};
    }
    if (r->status != 200) {
        return refusal(*r, fmt::format("the manifest of {}:{}", m_ref.name, tag));
    }
    // Only a digest in the OCI grammar (algorithm:encoded) is recorded: it
    // goes into a commit trailer and a release file.
    std::string digest = r->header("docker-content-digest");
    if (!is_digest(digest)) {
        digest.clear();
    }
    return Manifest{true, digest, printable(r->header("content-type"), 200)};
}

Result<std::vector<std::string>> Client::tags()
{
    std::vector<std::string> all;
    std::set<std::string> seen;
    std::string url = base_url() + "/tags/list?n=1000";
    const std::string origin = origin_of(url);
    for (int page = 0; !url.empty(); ++page) {
        if (page >= k_max_tag_pages) {
            return Error{fmt::format("registry {}: more than {} pages of tags for {}: stopped", m_ref.host,
                                     k_max_tag_pages, m_ref.name)};
        }
        if (!seen.insert(url).second) {
            return Error{fmt::format("registry {}: the tag list of {} links back to a page already read ({})",
                                     m_ref.host, m_ref.name, redact_urls(url))};
        }
        auto r = send(request("GET", url));
        if (!r) {
            return r.take_error();
        }
        if (r->status == 404 && page == 0) {
            return all;  // no such repository: no tags
        }
        if (r->status != 200) {
            return refusal(*r, fmt::format("the tags of {}", m_ref.name));
        }
        std::string why;
        nlohmann::json doc = parse_json_bounded(r->body, &why);
        if (doc.is_discarded() || !doc.is_object() || !doc.contains("tags") ||
            !(doc["tags"].is_array() || doc["tags"].is_null())) {
            return Error{fmt::format("registry {}: the tag list of {} is not the documented JSON ({})", m_ref.host,
                                     m_ref.name, why.empty() ? "no \"tags\" array" : why)};
        }
        if (doc["tags"].is_array()) {
            for (const auto& t : doc["tags"]) {
                if (!t.is_string()) {
                    return Error{fmt::format("registry {}: a tag of {} is not a string", m_ref.host, m_ref.name)};
                }
                all.push_back(t.get<std::string>());
            }
        }
        std::string next = next_link(r->header("link"));
        if (next.empty()) {
            break;
        }
        if (next[0] == '/') {
            next.insert(0, origin);
        }
        if (origin_of(next) != origin) {
            return Error{fmt::format("registry {}: the tag list's next page is on another server ({}): refused",
                                     m_ref.host, redact_urls(next))};
        }
        url = next;
    }
    return all;
}

Result<std::string> Client::created(const std::string& tag)
{
    auto get_json = [this](const std::string& url, bool manifest) -> Result<nlohmann::json> {
        kanon::http::Request req = request("GET", url);
        if (manifest) {
            req.headers.emplace_back("Accept", k_manifest_accept);
        }
        auto r = send(req);
        if (!r) {
            return r.take_error();
        }
        if (r->status >= 300 && r->status < 400 && !r->redirect_url.empty()) {
            // Blobs are often served by a storage host: no registry credentials go there.
            kanon::http::Request hop = request("GET", r->redirect_url);
            kanon::http::Response h = m_transport(hop);
            if (h.failure != kanon::http::Failure::none) {
                return Error{fmt::format("registry {}: {}", m_ref.host, h.error)};
            }
            r = h;
        }
        if (r->status != 200) {
            return refusal(*r, redact_urls(url));
        }
        nlohmann::json doc = parse_json_bounded(r->body);
        if (doc.is_discarded() || !doc.is_object()) {
            return Error{fmt::format("registry {}: {} is not a JSON object", m_ref.host, redact_urls(url))};
        }
        return doc;
    };
    auto doc = get_json(base_url() + "/manifests/" + tag, true);
    if (!doc) {
        return doc.take_error();
    }
    if (doc->contains("manifests") && (*doc)["manifests"].is_array() && !(*doc)["manifests"].empty()) {
        const nlohmann::json* pick = &(*doc)["manifests"][0];
        for (const auto& m : (*doc)["manifests"]) {
            if (m.is_object() && m.contains("platform") && m["platform"].is_object() &&
                m["platform"].value("os", "") == "linux" && m["platform"].value("architecture", "") == "amd64") {
                pick = &m;
                break;
            }
        }
        if (!pick->is_object() || !pick->contains("digest") || !(*pick)["digest"].is_string()) {
            return Error{fmt::format("registry {}: the index of {}:{} names no digest", m_ref.host, m_ref.name, tag)};
        }
        doc = get_json(base_url() + "/manifests/" + (*pick)["digest"].get<std::string>(), true);
        if (!doc) {
            return doc.take_error();
        }
    }
    if (!doc->contains("config") || !(*doc)["config"].is_object() || !(*doc)["config"].contains("digest") ||
        !(*doc)["config"]["digest"].is_string()) {
        return Error{fmt::format("registry {}: the manifest of {}:{} has no config", m_ref.host, m_ref.name, tag)};
    }
    auto config = get_json(base_url() + "/blobs/" + (*doc)["config"]["digest"].get<std::string>(), false);
    if (!config) {
        return config.take_error();
    }
    return config->contains("created") && (*config)["created"].is_string() ? (*config)["created"].get<std::string>()
                                                                           : std::string();
}

std::vector<std::string> nearest_tags(const std::string& tag, const std::vector<std::string>& tags, std::size_t n)
{
    std::vector<std::pair<std::size_t, std::string>> scored;
    scored.reserve(tags.size());
    for (const auto& t : tags) {
        scored.emplace_back(edit_distance(tag, t), t);
    }
    std::size_t keep = std::min(n, scored.size());
    std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(keep), scored.end());
    std::vector<std::string> out;
    for (std::size_t i = 0; i < keep; ++i) {
        out.push_back(scored[i].second);
    }
    return out;
}

}  // namespace kanon::verify::registry
