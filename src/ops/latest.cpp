#include "ops/latest.hpp"

#include <optional>
#include <utility>

#include <fmt/format.h>

#include "util/text.hpp"
#include "verify/registry/policy.hpp"

namespace kanon::ops {

namespace {
// newest-build reads one image config per candidate: at most this many.
constexpr std::size_t k_max_build_candidates = 200;

// An RFC 3339 time (Go writes fractions without trailing zeros, and any
// offset) as UTC seconds and nanoseconds, to compare; nullopt when it is not one.
std::optional<std::pair<long long, long long>> utc_of(std::string_view t)
{
    auto digits = [&t](std::size_t at, std::size_t n) -> std::optional<long long> {
        if (at + n > t.size()) {
            return std::nullopt;
        }
        long long v = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (t[i] < '0' || t[i] > '9') {
                return std::nullopt;
            }
            v = v * 10 + (t[i] - '0');
        }
        return v;
    };
    auto y = digits(0, 4);
    auto mo = digits(5, 2);
    auto d = digits(8, 2);
    auto h = digits(11, 2);
    auto mi = digits(14, 2);
    auto sec = digits(17, 2);
    if (!y || !mo || !d || !h || !mi || !sec || t.size() < 20 || t[4] != '-' || t[7] != '-' ||
        (t[10] != 'T' && t[10] != 't' && t[10] != ' ') || t[13] != ':' || t[16] != ':' || *mo < 1 || *mo > 12) {
        return std::nullopt;
    }
    std::size_t i = 19;
    long long nanos = 0;
    if (t[i] == '.') {
        long long scale = 100000000;
        for (++i; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
            nanos += (t[i] - '0') * scale;
            scale /= 10;
        }
    }
    long long offset = 0;
    if (i < t.size() && (t[i] == 'Z' || t[i] == 'z') && i + 1 == t.size()) {
        offset = 0;
    } else if (i + 6 == t.size() && (t[i] == '+' || t[i] == '-') && t[i + 3] == ':') {
        auto oh = digits(i + 1, 2);
        auto om = digits(i + 4, 2);
        if (!oh || !om) {
            return std::nullopt;
        }
        offset = (t[i] == '+' ? 1 : -1) * (*oh * 3600 + *om * 60);
    } else {
        return std::nullopt;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    long long yy = *y - (*mo <= 2 ? 1 : 0);
    long long era = (yy >= 0 ? yy : yy - 399) / 400;
    long long yoe = yy - era * 400;
    long long doy = (153 * (*mo + (*mo > 2 ? -3 : 9)) + 2) / 5 + *d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long long days = era * 146097 + doe - 719468;
    return std::make_pair(days * 86400 + *h * 3600 + *mi * 60 + *sec - offset, nanos);
}
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
        std::pair<long long, long long> best_at{};
        for (const auto& t : ranked) {
            auto created = client.created(t);
            if (!created) {
                return created.take_error();
            }
            auto at = utc_of(*created);  // the latest wins, the first listed on a tie
            if (at && (best.empty() || *at > best_at)) {
                best = t;
                best_at = *at;
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
