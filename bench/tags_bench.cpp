// `release --latest` over a large repository: 10,000 tags ranked by semver
// (and a constraint), against a baseline in the same process: the same tags
// sorted as plain strings, which is what any ordering has to beat at least.
// Prints the times and their ratio; the bound is 1 s for 10,000.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "verify/registry/policy.hpp"

using kanon::verify::registry::parse_policy;
using kanon::verify::registry::rank_tags;

namespace {

double best_ms(int runs, const std::function<void()>& f)
{
    double best = 1e18;
    for (int i = 0; i < runs; ++i) {
        auto a = std::chrono::steady_clock::now();
        f();
        best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
    }
    return best;
}

}  // namespace

int main()
{
    std::mt19937 rng(42);
    std::vector<std::string> tags;
    for (int i = 0; tags.size() < 10000; ++i) {
        int major = static_cast<int>(rng() % 20);
        int minor = static_cast<int>(rng() % 50);
        int patch = static_cast<int>(rng() % 100);
        std::string t = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
        if (i % 7 == 0) {
            t += "-rc." + std::to_string(rng() % 5);
        } else if (i % 11 == 0) {
            t = "main-" + std::to_string(i);
        }
        tags.push_back(t);
    }
    auto semver = parse_policy("semver");
    auto constrained = parse_policy("semver:>=3.0.0 <15.0.0 || ^17.2");
    if (!semver || !constrained) {
        std::fprintf(stderr, "bad policy\n");
        return 1;
    }
    std::string winner;
    double baseline = best_ms(20, [&] {
        std::vector<std::string> copy = tags;
        std::sort(copy.begin(), copy.end(), std::greater<>());
        winner = copy.front();
    });
    double plain = best_ms(20, [&] { winner = rank_tags(*semver, tags).front(); });
    double ranged = best_ms(20, [&] { winner = rank_tags(*constrained, tags).front(); });
    std::printf("tags: %zu\n", tags.size());
    std::printf("%-34s %9.2f ms  (baseline)\n", "string sort (baseline)", baseline);
    std::printf("%-34s %9.2f ms  %5.1fx baseline  winner %s\n", "semver", plain, plain / baseline,
                rank_tags(*semver, tags).front().c_str());
    std::printf("%-34s %9.2f ms  %5.1fx baseline  winner %s\n", "semver:>=3.0.0 <15.0.0 || ^17.2", ranged,
                ranged / baseline, winner.c_str());
    return plain < 1000.0 ? 0 : 1;
}
