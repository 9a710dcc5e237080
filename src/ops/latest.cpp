#include "ops/latest.hpp"

#include <fmt/format.h>

#include "util/text.hpp"
#include "verify/registry/policy.hpp"

namespace kanon::ops {

namespace {
// newest-build reads one image config per candidate: at most this many.
constexpr std::size_t k_max_build_candidates = 200;
}  // namespace

Result<LatestPick> pick_latest(const canon::Config& c, const std::string& repository, const std::string& policy,
                               const RegistryAccess& access)
{
    namespace reg = verify::registry;
    auto p = reg::parse_policy(policy);
    if (!p) {
        return p.take_error();
    }
    auto made = registry_client(c, repository, access);
    if (!made) {
        return made.take_error();
    }
    reg::Client& client = *made;
    const reg::ImageRef* ref = &client.ref();
    auto tags = client.tags();
    if (!tags) {
        return tags.take_error();
    }
    LatestPick pick;
    pick.tags = tags->size();
    std::vector<std::string> ranked = reg::rank_tags(*p, *tags);
    pick.candidates = ranked.size();
    if (ranked.empty()) {
        std::vector<std::string> some(
            tags->begin(), tags->begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(5, tags->size())));
        return Error{fmt::format("no tag of {} matches the policy {} ({} in the repository)", repository, p->text,
                                 counted(tags->size(), "tag")),
                     ExitCode::verify_failed,
                     {},
                     tags->empty() ? "the repository has no tags: was the image pushed?"
                                   : fmt::format("some of its tags: {}", fmt::join(some, ", "))};
    }
    if (p->kind == reg::Policy::Kind::newest_build) {
        if (ranked.size() > k_max_build_candidates) {
            return usage_error(fmt::format("newest-build would read {} image configs from {}; at most {}",
                                           ranked.size(), ref->host, k_max_build_candidates),
                               "narrow the tags first: --policy regex:... picks by name, or delete old tags");
        }
        std::string best;
        for (const auto& t : ranked) {
            auto created = client.created(t);
            if (!created) {
                return created.take_error();
            }
            // RFC 3339 times in UTC order as text; the latest one wins, the first listed on a tie.
            if (!created->empty() && (best.empty() || *created > pick.created)) {
                best = t;
                pick.created = *created;
            }
        }
        if (best.empty()) {
            return Error{fmt::format("no image of {} says when it was built (no 'created' in its config)", repository),
                         ExitCode::verify_failed,
                         {},
                         "use --policy semver, calver or regex:... instead"};
        }
        pick.tag = best;
        pick.note = fmt::format("{}: the newest build ({}) of {} in {}", best, pick.created,
                                counted(tags->size(), "tag"), repository);
        return pick;
    }
    pick.tag = ranked.front();
    pick.note = fmt::format("{}: the newest of {} by {} ({} in {})", pick.tag, counted(ranked.size(), "tag"), p->text,
                            counted(tags->size(), "tag"), repository);
    return pick;
}

}  // namespace kanon::ops
