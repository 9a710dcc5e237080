#include "util/json.hpp"

#include <fmt/format.h>

namespace kanon {

std::string json_refusal(std::string_view text)
{
    std::size_t depth = 0;
    std::size_t deepest = 0;
    std::size_t values = 1;
    bool in_string = false;
    bool escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        switch (c) {
            case '"':
                in_string = true;
                break;
            case '[':
            case '{':
                ++values;
                if (++depth > deepest) {
                    deepest = depth;
                }
                if (depth > k_json_max_depth) {
                    return fmt::format("it nests arrays and objects more than {} levels deep", k_json_max_depth);
                }
                break;
            case ']':
            case '}':
                depth = depth == 0 ? 0 : depth - 1;
                break;
            case ',':
            case ':':
                if (++values > k_json_max_values) {
                    return fmt::format("it holds more than {} values", k_json_max_values);
                }
                break;
            default:
                break;
        }
    }
    return {};
}

nlohmann::json parse_json_bounded(std::string_view text, std::string* why)
{
    if (std::string refused = json_refusal(text); !refused.empty()) {
        if (why != nullptr) {
            *why = std::move(refused);
        }
        return nlohmann::json(nlohmann::json::value_t::discarded);
    }
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() && why != nullptr) {
        *why = "it is not JSON";
    }
    return j;
}

}  // namespace kanon
