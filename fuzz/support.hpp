// Helpers shared by the YAML targets: key paths derived from a parsed
// stream's own keys, so that lookups and edits hit what is there.
#pragma once

#include <optional>
#include <vector>

#include "yaml/document.hpp"
#include "yaml/path.hpp"

namespace kanon::fuzz {

// The key path from the document root to `id` (mapping keys that are
// scalars, sequence indexes); none when a key on the way is a collection or
// an alias, or when `id` is itself a mapping key.
std::optional<std::vector<yaml::Segment>> path_to(const yaml::Stream& s, yaml::NodeId id);

// Builds the Path for `segments` the way a user would: its text written by
// format_path, parsed back by parse_path. Checks that the round trip keeps
// every segment.
yaml::Path round_trip_path(const std::vector<yaml::Segment>& segments);

}  // namespace kanon::fuzz
