// A span-preserving YAML document model.
//
// libyaml's parser gives every event a start and end mark; we keep them, as
// byte offsets into the original text, on a flat tree of nodes. Nothing is
// ever re-emitted: an edit (see edit.hpp) replaces exactly the bytes of one
// scalar, or inserts new lines, and every other byte of the file stays.
//
// libyaml's marks count characters, not bytes, and skip a leading BOM; we map
// them back to byte offsets so that non-ASCII text before a value is safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace kanon::yaml {

// Hostile-input limits; each is named in the docs (kanon.yaml is not needed:
// these guard every file kanon reads).
struct Limits {
    std::size_t max_bytes = std::size_t{16} * 1024U * 1024U;
    std::size_t max_depth = 256;
    std::size_t max_nodes = 2'000'000;
    std::size_t max_alias_expansion = 100'000;  // nodes produced by aliases when a value tree is built
};

enum class Kind : std::uint8_t { scalar, mapping, sequence, alias };
enum class Style : std::uint8_t { plain, single_quoted, double_quoted, literal, folded, block, flow };

using NodeId = std::uint32_t;
inline constexpr NodeId k_no_node = UINT32_MAX;

struct Span {
    std::size_t begin = 0;  // byte offsets into the text
    std::size_t end = 0;
};

struct Node {
    Kind kind = Kind::scalar;
    Style style = Style::plain;
    Span span;        // the whole node, with its anchor and tag
    Span value_span;  // scalars: the scalar itself (quotes included), after properties
    std::string anchor;
    std::string tag;
    std::string value;             // scalars: the content; aliases: the anchor named
    std::vector<NodeId> children;  // mappings: key0, value0, key1, value1 ...; sequences: items
    NodeId parent = k_no_node;
    NodeId alias_of = k_no_node;  // aliases: the anchored node they refer to
    std::uint32_t document = 0;
    bool shared = false;  // anchored nodes: some alias refers to this node
};

struct DocumentInfo {
    NodeId root = k_no_node;
    Span span;
    bool explicit_start = false;
};

class Stream {
public:
    // Parses `text` (the file's bytes). `name` is used in error locations.
    static Result<Stream> parse(std::string text, std::string name, const Limits& limits = {});

    [[nodiscard]] const std::string& text() const { return m_text; }
    [[nodiscard]] const std::string& name() const { return m_name; }
    [[nodiscard]] const Node& node(NodeId id) const { return m_nodes[id]; }
    [[nodiscard]] std::size_t node_count() const { return m_nodes.size(); }
    [[nodiscard]] const std::vector<DocumentInfo>& documents() const { return m_docs; }
    [[nodiscard]] const Limits& limits() const { return m_limits; }

    // 1-based line and column (in characters) of a byte offset.
    [[nodiscard]] Location locate(std::size_t offset) const;
    [[nodiscard]] Location locate(NodeId id) const { return locate(m_nodes[id].span.begin); }
    // The line break the file uses ("\n" or "\r\n"); "\n" if it has none.
    [[nodiscard]] std::string_view line_break() const;
    // True when the text is a plain scalar key whose content equals `key`.
    [[nodiscard]] bool key_equals(NodeId key, std::string_view text) const;

private:
    std::string m_text;
    std::string m_name;
    Limits m_limits;
    std::vector<Node> m_nodes;
    std::vector<DocumentInfo> m_docs;
    std::vector<std::size_t> m_line_starts;
    friend class StreamBuilder;
};

// The byte offset of the first byte that is not valid UTF-8 (or a NUL), npos if none.
std::size_t first_invalid_utf8(std::string_view s);

}  // namespace kanon::yaml
