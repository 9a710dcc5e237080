// Writing new YAML files (never rewriting a user's: edit.hpp does that) in
// the layout of files that already exist beside them.
//
// A file kanon creates (`kanon init`) is a Value tree emitted in block style.
// Its layout — indentation width, whether a sequence's `-` is indented under
// its key, the line break, a leading `---` — is read off a sibling file with
// detect_layout, so the new file looks like the repository's own. Strings
// are written with render_string: plain where that reads back as the same
// string, quoted where Helm would read a number, a bool or null.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "yaml/document.hpp"
#include "yaml/path.hpp"
#include "yaml/value.hpp"

namespace kanon::yaml {

struct Layout {
    std::size_t indent = 2;           // columns per nested mapping
    std::size_t sequence_offset = 2;  // columns from a key to its items' '-' (0: not indented)
    std::string line_break = "\n";
    bool document_start = false;  // a leading `---`
};

// The layout of the first document of `s`: each property as the file's first
// instance of it shows it, else as in `fallback`.
Layout detect_layout(const Stream& s, const Layout& fallback = {});

// Leaves of a tree to emit. A string is written plain when that is safe (or
// in `style`, single or double quotes, where that is safe); `raw` text such
// as `true` or `1` is written as it is, and typed the way Helm reads it.
Value string_value(std::string_view text, Style style = Style::plain);
Value raw_value(std::string_view text);
Value mapping_value();
Value sequence_value();

// Puts `leaf` at `path` under `root` (a mapping), creating the mappings on
// the way. `[]` and `[0]` mean a sequence's single item (created if absent);
// other indexes, and a path through a scalar, are errors.
Status put(Value& root, const Path& path, Value leaf);

// The text of a document holding `root` (a mapping), after `comment` (each
// line of it written as a `# ` line).
std::string emit(const Value& root, const Layout& layout, std::string_view comment = {});

}  // namespace kanon::yaml
