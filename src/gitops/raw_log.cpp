#include "gitops/raw_log.hpp"

#include "util/text.hpp"

namespace kanon::gitops {

std::optional<Change> parse_raw_line(const std::string& line)
{
    auto tab = line.find('\t');
    if (line.empty() || line.front() != ':' || tab == std::string::npos) {
        return std::nullopt;
    }
    std::vector<std::string> f;
    for (std::size_t p = 1; p < tab;) {
        auto sp = line.find(' ', p);
        sp = sp == std::string::npos || sp > tab ? tab : sp;
        f.push_back(line.substr(p, sp - p));
        p = sp + 1;
    }
    if (f.size() != 5) {
        return std::nullopt;
    }
    bool deleted = f[4] == "D" || f[3].find_first_not_of('0') == std::string::npos;
    return Change{line.substr(tab + 1), deleted ? std::string() : f[3]};
}

std::vector<LoggedCommit> parse_raw_log(const std::string& log)
{
    std::vector<LoggedCommit> out;
    std::size_t pos = log.find('\x1d');
    while (pos != std::string::npos) {
        auto next = log.find('\x1d', pos + 1);
        std::string rec = log.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
        pos = next;
        auto end = rec.find('\x1e');
        std::vector<std::string> f;
        std::size_t p = 0;
        for (int i = 0; i < 3 && end != std::string::npos; ++i) {
            auto us = rec.find('\x1f', p);
            if (us == std::string::npos || us > end) {
                break;
            }
            f.push_back(rec.substr(p, us - p));
            p = us + 1;
        }
        if (f.size() != 3) {
            continue;
        }
        LoggedCommit c{f[0], f[1], f[2], rec.substr(p, end - p), {}};
        for (const auto& line : lines(rec.substr(end + 1))) {
            if (auto change = parse_raw_line(line)) {
                c.changes.push_back(std::move(*change));
            }
        }
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace kanon::gitops
