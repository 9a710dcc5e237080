// Finding a value by key path, and setting a scalar by replacing exactly its
// bytes (or inserting a missing key in the file's own indentation style).
//
// A set is refused, with FILE:LINE:COL, wherever it could do something the
// user did not ask for: through an alias or into an anchor that aliases share
// (several values would change), on duplicate keys (which one does Helm
// read?), on a non-scalar, on a key present in several documents, on a key
// that only exists through a `<<` merge. After every edit the new text is
// parsed again and the value read back; an edit that does not read back is
// never returned.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "yaml/document.hpp"
#include "yaml/path.hpp"

namespace kanon::yaml {

// Reading: follows aliases and `<<` merges. Returns the node at the path.
Result<NodeId> find(const Stream& s, const Path& path);

// Every node that matches a path with `[]` wildcards (missing keys are
// skipped), each node once.
std::vector<NodeId> find_all(const Stream& s, const Path& path);

// The scalar at the path (an error names a collection found there).
Result<std::string> get_scalar(const Stream& s, const Path& path);

struct SetOptions {
    // Write VALUE as a plain scalar as it is (`replicas: 3`), not as a string.
    bool raw = false;
    // Create the key (and missing parent mappings) when it is absent.
    bool create = true;
};

struct SetResult {
    std::string text;  // the whole new file
    bool changed = false;
    Location where;  // where the value is (or was inserted)
    std::string old_value;
    bool created = false;
};

Result<SetResult> set_scalar(const Stream& s, const Path& path, std::string_view value, const SetOptions& opts = {});

// Removes a key and its value (whole lines) from a block mapping; comments
// on other lines stay. A missing key is no change, not an error.
Result<SetResult> delete_key(const Stream& s, const Path& path);

// True when some ancestor of the node is a flow collection.
bool in_flow(const Stream& s, NodeId id);

}  // namespace kanon::yaml
