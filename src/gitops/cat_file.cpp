#include "gitops/cat_file.hpp"

#include <charconv>

#include <fmt/format.h>

#include "util/text.hpp"

namespace kanon::gitops {

Result<std::vector<BatchObject>> parse_cat_file_batch(std::string_view out, std::size_t count)
{
    std::vector<BatchObject> objects;
    objects.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        auto nl = out.find('\n');
        if (nl == std::string_view::npos) {
            return Error{"git cat-file --batch: truncated output"};
        }
        std::string_view header = out.substr(0, nl);
        out.remove_prefix(nl + 1);
        BatchObject o;
        if (header.ends_with(" missing") || header.ends_with(" ambiguous")) {
            objects.push_back(o);
            continue;
        }
        auto sp1 = header.find(' ');
        auto sp2 = header.rfind(' ');
        std::size_t size = 0;
        auto digits = sp2 == std::string_view::npos ? std::string_view() : header.substr(sp2 + 1);
        auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), size);
        if (sp1 == std::string_view::npos || sp2 == sp1 || digits.empty() || parsed.ec != std::errc{} ||
            parsed.ptr != digits.data() + digits.size()) {
            return Error{fmt::format("git cat-file: bad header '{}'", printable(header, 200))};
        }
        if (out.size() < size + 1) {
            return Error{"git cat-file --batch: truncated output"};
        }
        o.found = true;
        o.oid = header.substr(0, sp1);
        o.type = header.substr(sp1 + 1, sp2 - sp1 - 1);
        o.content = out.substr(0, size);
        out.remove_prefix(size + 1);
        objects.push_back(o);
    }
    return objects;
}

}  // namespace kanon::gitops
