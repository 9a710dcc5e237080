// Walking a key path through a Stream, shared by reading (edit.hpp's find,
// get_scalar) and writing (set_scalar): where the path leads in each
// document, and the refusals that make a write unsafe. Internal to yaml/.
#pragma once

#include <optional>

#include "yaml/document.hpp"
#include "yaml/path.hpp"

namespace kanon::yaml::detail {

enum class Mode { read, write };

const char* kind_name(const Node& n);
bool is_empty_plain(const Node& n);

// The outcome of walking one document.
struct Walk {
    enum class Outcome { found, missing, mismatch } outcome = Outcome::mismatch;
    NodeId node = k_no_node;       // found: the node; missing: the deepest existing node
    std::size_t missing_from = 0;  // missing: index of the first absent segment
    Error reason;                  // mismatch: why the path does not fit this document
};

// One walk over every document. Exactly one document may hold the path.
struct Located {
    Walk walk;
    std::size_t document = 0;
};

Result<Located> locate_path(const Stream& s, const Path& p, Mode mode);

}  // namespace kanon::yaml::detail
