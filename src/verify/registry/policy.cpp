#include "verify/registry/policy.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace kanon::verify::registry {
namespace {

bool semver_digits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<long long> semver_number(std::string_view s)
{
    if (!semver_digits(s) || (s.size() > 1 && s[0] == '0') || s.size() > 18) {
        return std::nullopt;
    }
    long long n = 0;
    std::from_chars(s.data(), s.data() + s.size(), n);
    return n;
}

std::vector<std::string_view> split_on(std::string_view s, char sep)
{
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        auto at = s.find(sep, start);
        out.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos) {
            return out;
        }
        start = at + 1;
    }
}

Error policy_error(std::size_t column, const std::string& what)
{
    return usage_error(fmt::format("--policy:1:{}: {}", column, what),
                       "e.g. semver, semver:^1.4, semver:>=1.2.0 <2.0.0, calver, regex:^main-[0-9]+$, newest-build");
}

using Comparator = Policy::Comparator;
using Op = Comparator::Op;

SemVer semver_bump(SemVer v, int part)  // the next major (0), minor (1) or patch (2)
{
    v.pre.clear();
    if (part == 0) {
        return SemVer{v.major + 1, 0, 0, {}};
    }
    if (part == 1) {
        return SemVer{v.major, v.minor + 1, 0, {}};
    }
    return SemVer{v.major, v.minor, v.patch + 1, {}};
}

// An exclusive upper bound below every pre-release of `v` too (v-0), as
// npm reads ranges: ^1.2.0-rc.1 never reaches 2.0.0-beta.
SemVer below(SemVer v)
{
    v.pre = {"0"};
    return v;
}

// One comparator token ("^1.2", ">=1.0.0-rc.1", "1.x", "*") as comparators.
Result<std::vector<Comparator>> parse_comparator(std::string_view token, std::size_t column, bool& pre)
{
    std::string_view op;
    for (std::string_view candidate : {">=", "<=", ">", "<", "=", "^", "~"}) {
        if (token.substr(0, candidate.size()) == candidate) {
            op = candidate;
            break;
        }
    }
    std::string_view rest = token.substr(op.size());
    if (!rest.empty() && (rest[0] == 'v' || rest[0] == 'V')) {
        rest.remove_prefix(1);
    }
    if (rest.empty()) {
        return policy_error(column, fmt::format("'{}' names no version", token));
    }
    std::string_view core = rest.substr(0, rest.find_first_of("-+"));
    std::string_view tail = rest.substr(core.size());
    auto parts = split_on(core, '.');
    if (parts.size() > 3) {
        return policy_error(column, fmt::format("'{}' is not a version (MAJOR[.MINOR[.PATCH]])", token));
    }
    SemVer v;
    int given = 0;  // how many leading parts are numbers, the rest wildcards or absent
    for (std::size_t i = 0; i < parts.size(); ++i) {
        auto p = parts[i];
        if (p == "x" || p == "X" || p == "*") {
            break;
        }
        auto n = semver_number(p);
        if (!n || given != static_cast<int>(i)) {
            return policy_error(column, fmt::format("'{}' is not a version (MAJOR[.MINOR[.PATCH]])", token));
        }
        (i == 0 ? v.major : i == 1 ? v.minor : v.patch) = *n;
        ++given;
    }
    if (!tail.empty()) {
        auto full = parse_semver(rest);
        if (!full || given != 3) {
            return policy_error(column, fmt::format("'{}' is not a version", token));
        }
        v = *full;
        pre = pre || !v.pre.empty();
    }
    std::vector<Comparator> out;
    if (given == 0) {
        if (!op.empty() && op != "=") {
            return policy_error(column, fmt::format("'{}' compares with no version", token));
        }
        return out;  // any version
    }
    if (op == "^") {
        int part = v.major != 0 || given == 1 ? 0 : (v.minor != 0 || given == 2 ? 1 : 2);
        out = {{Op::ge, v}, {Op::lt, below(semver_bump(v, part))}};
    } else if (op == "~") {
        out = {{Op::ge, v}, {Op::lt, below(semver_bump(v, given == 1 ? 0 : 1))}};
    } else if (given < 3) {  // a partial version is a range: 1.2 = [1.2.0, 1.3.0)
        SemVer next = semver_bump(v, given - 1);
        if (op.empty() || op == "=") {
            out = {{Op::ge, v}, {Op::lt, below(next)}};
        } else if (op == ">") {
            out = {{Op::ge, next}};
        } else if (op == ">=") {
            out = {{Op::ge, v}};
        } else if (op == "<") {
            out = {{Op::lt, below(v)}};
        } else {
            out = {{Op::lt, below(next)}};
        }
    } else {
        Op o = op == ">=" ? Op::ge : op == "<=" ? Op::le : op == ">" ? Op::gt : op == "<" ? Op::lt : Op::eq;
        out = {{o, v}};
    }
    return out;
}

Result<Policy> semver_policy(std::string_view text, std::string_view constraint, std::size_t offset)
{
    Policy p;
    p.kind = Policy::Kind::semver;
    p.text = std::string(text);
    if (constraint.empty()) {
        return p;
    }
    std::size_t at = 0;
    for (auto alternative : split_on(constraint, '|')) {
        std::size_t alt_start = at;
        at += alternative.size() + 1;
        if (alternative.empty()) {
            continue;  // the second | of ||
        }
        std::vector<Comparator> all;
        std::size_t i = 0;
        while (i < alternative.size()) {
            while (i < alternative.size() && alternative[i] == ' ') {
                ++i;
            }
            std::size_t start = i;
            while (i < alternative.size() && alternative[i] != ' ') {
                ++i;
            }
            if (start == i) {
                continue;
            }
            auto c =
                parse_comparator(alternative.substr(start, i - start), offset + alt_start + start + 1, p.allow_pre);
            if (!c) {
                return c.take_error();
            }
            all.insert(all.end(), c->begin(), c->end());
        }
        p.any_of.push_back(std::move(all));
    }
    if (p.any_of.empty()) {
        return policy_error(offset + 1, "an empty constraint (leave out ':' for any version)");
    }
    return p;
}

// YYYY.MM[.DD][.N] with '.', '-' or '_' between: its numbers, or nothing.
std::optional<std::vector<long long>> calver_numbers(std::string_view tag)
{
    std::vector<long long> out;
    std::size_t i = 0;
    while (i <= tag.size()) {
        std::size_t start = i;
        while (i < tag.size() && std::isdigit(static_cast<unsigned char>(tag[i])) != 0) {
            ++i;
        }
        if (start == i || i - start > 9) {
            return std::nullopt;
        }
        long long n = 0;
        std::from_chars(tag.data() + start, tag.data() + i, n);
        out.push_back(n);
        if (i == tag.size()) {
            break;
        }
        if (tag[i] != '.' && tag[i] != '-' && tag[i] != '_') {
            return std::nullopt;
        }
        ++i;
    }
    if (out.size() < 2 || out.size() > 4 || out[0] < 1970 || out[0] > 9999 || out[1] < 1 || out[1] > 12 ||
        tag.substr(0, 4).find_first_not_of("0123456789") != std::string_view::npos) {
        return std::nullopt;
    }
    return out;
}

}  // namespace

int SemVer::compare(const SemVer& o) const
{
    for (auto [a, b] : {std::pair{major, o.major}, std::pair{minor, o.minor}, std::pair{patch, o.patch}}) {
        if (a != b) {
            return a < b ? -1 : 1;
        }
    }
    if (pre.empty() != o.pre.empty()) {
        return pre.empty() ? 1 : -1;  // a release is above its pre-releases
    }
    for (std::size_t i = 0; i < std::min(pre.size(), o.pre.size()); ++i) {
        auto a = semver_number(pre[i]);
        auto b = semver_number(o.pre[i]);
        if (a && b) {
            if (*a != *b) {
                return *a < *b ? -1 : 1;
            }
        } else if (a || b) {
            return a ? -1 : 1;  // numeric identifiers are below alphanumeric ones
        } else if (pre[i] != o.pre[i]) {
            return pre[i] < o.pre[i] ? -1 : 1;
        }
    }
    if (pre.size() != o.pre.size()) {
        return pre.size() < o.pre.size() ? -1 : 1;
    }
    return 0;
}

std::optional<SemVer> parse_semver(std::string_view tag)
{
    if (!tag.empty() && (tag[0] == 'v' || tag[0] == 'V')) {
        tag.remove_prefix(1);
    }
    tag = tag.substr(0, tag.find('+'));  // build metadata does not order
    std::string_view core = tag.substr(0, tag.find('-'));
    auto parts = split_on(core, '.');
    if (parts.size() != 3) {
        return std::nullopt;
    }
    SemVer v;
    auto a = semver_number(parts[0]);
    auto b = semver_number(parts[1]);
    auto c = semver_number(parts[2]);
    if (!a || !b || !c) {
        return std::nullopt;
    }
    v.major = *a;
    v.minor = *b;
    v.patch = *c;
    if (core.size() < tag.size()) {
        for (auto id : split_on(tag.substr(core.size() + 1), '.')) {
            if (id.empty() ||
                id.find_first_not_of("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-") !=
                    std::string_view::npos ||
                (semver_digits(id) && !semver_number(id))) {
                return std::nullopt;
            }
            v.pre.emplace_back(id);
        }
    }
    return v;
}

bool Policy::accepts(const SemVer& v) const
{
    if (!v.pre.empty() && !allow_pre) {
        return false;
    }
    if (any_of.empty()) {
        return true;
    }
    return std::any_of(any_of.begin(), any_of.end(), [&v](const std::vector<Comparator>& all) {
        return std::all_of(all.begin(), all.end(), [&v](const Comparator& c) {
            int r = v.compare(c.version);
            switch (c.op) {
                case Op::eq:
                    return r == 0;
                case Op::lt:
                    return r < 0;
                case Op::le:
                    return r <= 0;
                case Op::gt:
                    return r > 0;
                case Op::ge:
                    return r >= 0;
            }
            return false;
        });
    });
}

Result<Policy> parse_policy(std::string_view text)
{
    if (text == "semver") {
        return semver_policy(text, "", 0);
    }
    if (text.substr(0, 7) == "semver:") {
        if (text.size() == 7) {
            return policy_error(8, "an empty constraint (leave out ':' for any version)");
        }
        return semver_policy(text, text.substr(7), 7);
    }
    if (text == "calver" || text == "newest-build") {
        Policy p;
        p.kind = text == "calver" ? Policy::Kind::calver : Policy::Kind::newest_build;
        p.text = std::string(text);
        return p;
    }
    if (text.substr(0, 6) == "regex:") {
        std::string re(text.substr(6));
        if (re.empty()) {
            return policy_error(7, "an empty regular expression");
        }
        Policy p;
        p.kind = Policy::Kind::regex;
        p.text = std::string(text);
        try {
            p.regex.emplace(re, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
            return policy_error(7, fmt::format("'{}' is not a regular expression: {}", re, e.what()));
        }
        return p;
    }
    auto colon = text.find(':');
    return policy_error(1, fmt::format("unknown policy '{}'", text.substr(0, colon)));
}

bool natural_less(const std::string& a, const std::string& b)
{
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < a.size() && j < b.size()) {
        bool da = std::isdigit(static_cast<unsigned char>(a[i])) != 0;
        bool db = std::isdigit(static_cast<unsigned char>(b[j])) != 0;
        if (da && db) {
            std::size_t ei = a.find_first_not_of("0123456789", i);
            std::size_t ej = b.find_first_not_of("0123456789", j);
            std::string_view na = std::string_view(a).substr(i, ei == std::string::npos ? std::string::npos : ei - i);
            std::string_view nb = std::string_view(b).substr(j, ej == std::string::npos ? std::string::npos : ej - j);
            while (na.size() > 1 && na[0] == '0') {
                na.remove_prefix(1);
            }
            while (nb.size() > 1 && nb[0] == '0') {
                nb.remove_prefix(1);
            }
            if (na.size() != nb.size()) {
                return na.size() < nb.size();
            }
            if (na != nb) {
                return na < nb;
            }
            i = ei == std::string::npos ? a.size() : ei;
            j = ej == std::string::npos ? b.size() : ej;
        } else {
            if (a[i] != b[j]) {
                return a[i] < b[j];
            }
            ++i;
            ++j;
        }
    }
    if ((a.size() - i) != (b.size() - j)) {
        return a.size() - i < b.size() - j;
    }
    return a < b;
}

std::vector<std::string> rank_tags(const Policy& p, const std::vector<std::string>& tags)
{
    std::vector<std::string> out;
    switch (p.kind) {
        case Policy::Kind::semver: {
            std::vector<std::pair<SemVer, const std::string*>> ranked;
            for (const auto& t : tags) {
                auto v = parse_semver(t);
                if (v && p.accepts(*v)) {
                    ranked.emplace_back(std::move(*v), &t);
                }
            }
            std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
                int r = a.first.compare(b.first);
                return r != 0 ? r > 0 : *a.second > *b.second;
            });
            for (const auto& [v, t] : ranked) {
                out.push_back(*t);
            }
            break;
        }
        case Policy::Kind::calver: {
            std::vector<std::pair<std::vector<long long>, const std::string*>> ranked;
            for (const auto& t : tags) {
                if (auto v = calver_numbers(t)) {
                    ranked.emplace_back(std::move(*v), &t);
                }
            }
            std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
                return a.first != b.first ? a.first > b.first : *a.second > *b.second;
            });
            for (const auto& [v, t] : ranked) {
                out.push_back(*t);
            }
            break;
        }
        case Policy::Kind::regex:
            for (const auto& t : tags) {
                if (std::regex_match(t, *p.regex)) {
                    out.push_back(t);
                }
            }
            std::sort(out.begin(), out.end(),
                      [](const std::string& a, const std::string& b) { return natural_less(b, a); });
            break;
        case Policy::Kind::newest_build:
            out = tags;
            break;
    }
    return out;
}

}  // namespace kanon::verify::registry
