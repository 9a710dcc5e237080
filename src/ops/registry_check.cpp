#include "ops/registry_check.hpp"

#include <fmt/format.h>

#include "util/text.hpp"

namespace kanon::ops {

Result<verify::registry::Client> registry_client(const canon::Config& c, const std::string& repository,
                                                 const RegistryAccess& access)
{
    namespace reg = verify::registry;
    auto ref = reg::parse_repository(repository);
    if (!ref) {
        return ref.take_error();
    }
    reg::Getenv getenv = access.getenv ? access.getenv : [](const char* name) { return env_or_empty(name); };
    auto creds = reg::credentials_for(ref->host, getenv);
    if (!creds) {
        return creds.take_error();
    }
    canon::RegistryHost host = c.registry.host(ref->host);
    return reg::Client(*ref, reg::HostSettings{host.plain_http, host.ca_file, false}, *creds, access.transport);
}

Result<ImageVerdict> check_image(const canon::Config& c, const std::string& repository, const std::string& tag,
                                 const RegistryAccess& access)
{
    namespace reg = verify::registry;
    ImageVerdict v;
    if (!c.registry.check) {
        v.note = "registry check off (kanon.yaml has no registry: section)";
        return v;
    }
    if (access.skip) {
        v.state = ImageVerdict::State::skipped;
        v.note = fmt::format("registry check SKIPPED (--no-registry-check): {}:{} was not looked for", repository, tag);
        return v;
    }
    auto made = registry_client(c, repository, access);
    if (!made) {
        return made.take_error();
    }
    reg::Client& client = *made;
    const reg::ImageRef* ref = &client.ref();
    auto m = client.manifest(tag);
    if (!m) {
        return m.take_error();
    }
    if (!m->found) {
        std::string hint;
        auto tags = client.tags();
        if (tags && tags->empty()) {
            hint = fmt::format("{} has no tags in {}: was the image pushed?", ref->name, ref->host);
        } else if (tags) {
            hint = fmt::format("the nearest tags there: {} (of {})", fmt::join(reg::nearest_tags(tag, *tags), ", "),
                               counted(tags->size(), "tag"));
        }
        return Error{fmt::format("{}:{} is not in the registry ({} has no tag '{}' for {}): nothing committed",
                                 repository, tag, ref->host, tag, ref->name),
                     ExitCode::verify_failed,
                     {},
                     hint};
    }
    v.state = ImageVerdict::State::found;
    v.digest = m->digest;
    v.note = fmt::format("registry {} has {}:{}{}", ref->host, ref->name, tag,
                         m->digest.empty() ? " (it gave no digest)" : " at " + m->digest);
    return v;
}

}  // namespace kanon::ops
