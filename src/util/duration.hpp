// Durations as people write them on a command line: "90s", "10m", "1h30m",
// "500ms", or a bare number of seconds.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace kanon {

// A usage error (exit 2) naming `flag` when the text is not a duration.
Result<std::chrono::milliseconds> parse_duration(std::string_view text, std::string_view flag);

// "0.4s", "12.3s", "2m05s": how long something took, for people.
std::string format_elapsed(std::chrono::milliseconds d);

}  // namespace kanon
