#include "util/suggest.hpp"

#include <algorithm>

namespace kanon {

std::size_t edit_distance(const std::string& a, const std::string& b)
{
    std::vector<std::size_t> prev(b.size() + 1);
    std::vector<std::size_t> cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        prev[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& names)
{
    std::string best;
    std::size_t best_d = 3;
    for (const auto& n : names) {
        std::size_t d = edit_distance(word, n);
        if (d < best_d) {
            best_d = d;
            best = n;
        }
    }
    if (!best.empty()) {
        return best;
    }
    std::string prefixed;
    for (const auto& n : names) {
        if (word.size() >= 2 && n.rfind(word, 0) == 0) {
            if (!prefixed.empty()) {
                return {};
            }
            prefixed = n;
        }
    }
    return prefixed;
}

}  // namespace kanon
