// argocd_app: the Argo CD Application reader on arbitrary bytes, as the body
// of a GET, once as it is and once per repoURL of its own spec.sources (so
// the multi-source index paths are taken), plus parse_time on every string
// the body holds at a time field's place.
//
// Invariants: no crash, no exception; a body that is not a JSON object is
// an error; a multi-source app reads the same with its repoURL in another
// case or with a trailing slash / `.git` (canonical_repo's promise).
#include <string>

#include <nlohmann/json.hpp>

#include "targets.hpp"
#include "verify/argocd/application.hpp"

namespace kanon::fuzz {

using namespace verify::argocd;  // NOLINT(google-build-using-namespace)

namespace {

void use(const Application& app)
{
    for (const auto& r : app.op_failed_resources) {
        (void)r.id();
    }
    for (const auto& r : app.unhealthy_resources) {
        (void)r.id();
    }
    (void)normalize_sha(app.sync_revision);
}

}  // namespace

int argocd_app(const std::uint8_t* data, std::size_t size)
{
    std::string text(reinterpret_cast<const char*>(data), size);
    auto app = parse_application(text);
    auto body = nlohmann::json::parse(text, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        check(!app.ok(), "a body that is not a JSON object reads as an Application");
    }
    (void)parse_time(text);
    if (!app) {
        return 0;
    }
    use(*app);
    const auto* spec = body.contains("spec") ? &body["spec"] : nullptr;
    if (spec == nullptr || !spec->is_object() || !spec->contains("sources") || !(*spec)["sources"].is_array()) {
        return 0;
    }
    std::size_t n = 0;
    for (const auto& src : (*spec)["sources"]) {
        if (++n > 8) {
            break;
        }
        if (!src.is_object() || !src.contains("repoURL") || !src["repoURL"].is_string()) {
            continue;
        }
        auto url = src["repoURL"].get<std::string>();
        auto by_url = read_application(body, url);
        check(by_url.ok(), "an Application that reads does not read with its own repoURL");
        use(*by_url);
        std::string upper = url;
        for (auto& c : upper) {
            c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
        }
        auto again = read_application(body, upper + "/");
        check(again.ok() && again->target_revision == by_url->target_revision &&
                  again->sync_revision == by_url->sync_revision &&
                  again->operation_revision == by_url->operation_revision,
              "a repoURL in upper case with a trailing slash picks another source");
    }
    return 0;
}

}  // namespace kanon::fuzz
