#include "yaml/emit.hpp"

#include <fmt/format.h>

#include "yaml/helm.hpp"
#include "yaml/scalar.hpp"

namespace kanon::yaml {
namespace {

// The byte offset of the `-` that introduces a sequence item starting at
// `item` (only spaces between them), or npos.
std::size_t dash_before(const std::string& text, std::size_t item)
{
    std::size_t i = item;
    while (i > 0 && text[i - 1] == ' ') {
        --i;
    }
    return i > 0 && text[i - 1] == '-' ? i - 1 : std::string::npos;
}

// Where the content of a collection's first entry starts: its first key
// (mappings) or item (sequences), followed down to a scalar.
std::size_t content_start(const Stream& s, NodeId id)
{
    const Node& n = s.node(id);
    if (n.kind == Kind::scalar) {
        return n.value_span.begin;
    }
    if (n.children.empty()) {
        return n.span.begin;
    }
    return content_start(s, n.children.front());
}

bool is_block(const Node& n, Kind kind)
{
    return n.kind == kind && n.style == Style::block && !n.children.empty();
}

class Emitter {
public:
    explicit Emitter(const Layout& layout) : m_layout(layout) {}

    [[nodiscard]] std::string take() { return std::move(m_out); }

    // Entries at column `col`; the first line starts with `lead` (a sequence
    // item's "- ") instead of its indentation when `lead` is not empty.
    void mapping(const Value& m, std::size_t col, const std::string& lead)
    {
        for (std::size_t i = 0; i < m.entries.size(); ++i) {
            m_out += i == 0 && !lead.empty() ? lead : std::string(col, ' ');
            m_out += render_string(m.entries[i].first, Style::plain, false) + ":";
            after_key(m.entries[i].second, col);
        }
    }

    // Items whose `-` is at column `col`.
    void sequence(const Value& seq, std::size_t col, const std::string& lead)
    {
        for (std::size_t i = 0; i < seq.items.size(); ++i) {
            const Value& item = seq.items[i];
            std::string prefix = (i == 0 && !lead.empty() ? lead : std::string(col, ' ')) + "- ";
            if (item.is_map() && !item.entries.empty()) {
                mapping(item, col + 2, prefix);
            } else if (item.type == Value::Type::sequence && !item.items.empty()) {
                sequence(item, col + 2, prefix);
            } else {
                m_out += prefix + inline_text(item) + "\n";
            }
        }
    }

private:
    void after_key(const Value& v, std::size_t key_col)
    {
        if (v.is_map() && !v.entries.empty()) {
            m_out += "\n";
            mapping(v, key_col + m_layout.indent, {});
        } else if (v.type == Value::Type::sequence && !v.items.empty()) {
            m_out += "\n";
            sequence(v, key_col + m_layout.sequence_offset, {});
        } else {
            m_out += " " + inline_text(v) + "\n";
        }
    }

    // A scalar, or an empty collection, on the line of its key or dash.
    static std::string inline_text(const Value& v)
    {
        switch (v.type) {
            case Value::Type::mapping:
                return "{}";
            case Value::Type::sequence:
                return "[]";
            case Value::Type::null:
                return v.text.empty() ? "null" : v.text;
            case Value::Type::scalar:
                break;
        }
        return v.scalar_type == PlainType::string ? render_string(v.text, v.style, false) : v.text;
    }

    const Layout& m_layout;
    std::string m_out;
};

}  // namespace

Layout detect_layout(const Stream& s, const Layout& fallback)
{
    Layout out = fallback;
    if (s.text().find('\n') != std::string::npos) {
        out.line_break = std::string(s.line_break());
    }
    if (s.documents().empty()) {
        return out;
    }
    out.document_start = s.documents().front().explicit_start;
    bool indent_seen = false;
    bool offset_seen = false;
    for (NodeId id = 0; id < s.node_count() && !(indent_seen && offset_seen); ++id) {
        const Node& m = s.node(id);
        if (m.document != 0 || !is_block(m, Kind::mapping)) {
            continue;
        }
        for (std::size_t k = 0; k + 1 < m.children.size(); k += 2) {
            std::size_t key_col = s.locate(s.node(m.children[k]).value_span.begin).column;
            NodeId value = m.children[k + 1];
            if (!indent_seen && is_block(s.node(value), Kind::mapping)) {
                std::size_t col = s.locate(content_start(s, value)).column;
                if (col > key_col) {
                    out.indent = col - key_col;
                    indent_seen = true;
                }
            }
            if (!offset_seen && is_block(s.node(value), Kind::sequence)) {
                std::size_t dash = dash_before(s.text(), content_start(s, value));
                std::size_t col = dash == std::string::npos ? 0 : s.locate(dash).column;
                if (col >= key_col) {
                    out.sequence_offset = col - key_col;
                    offset_seen = true;
                }
            }
        }
    }
    return out;
}

Value string_value(std::string_view text, Style style)
{
    Value v;
    v.type = Value::Type::scalar;
    v.scalar_type = PlainType::string;
    v.text = std::string(text);
    v.style = style;
    return v;
}

Value raw_value(std::string_view text)
{
    Value v;
    v.scalar_type = resolve_plain(text);
    v.type = v.scalar_type == PlainType::null ? Value::Type::null : Value::Type::scalar;
    v.text = std::string(text);
    v.helm = helm_plain(text);
    return v;
}

Value mapping_value()
{
    Value v;
    v.type = Value::Type::mapping;
    return v;
}

Value sequence_value()
{
    Value v;
    v.type = Value::Type::sequence;
    return v;
}

Status put(Value& root, const Path& path, Value leaf)
{
    auto refuse = [&](const std::string& why) -> Status {
        return Error{fmt::format("cannot write the key path '{}': {}", path.text, why)};
    };
    Value* at = &root;
    for (const Segment& seg : path.segments) {
        if (seg.type == Segment::Type::key) {
            if (at->type == Value::Type::null) {
                *at = mapping_value();
            }
            if (!at->is_map()) {
                return refuse(fmt::format("'{}' is under a value that is not a mapping", seg.key));
            }
            Value* child = at->get(seg.key);
            if (child == nullptr) {
                child = &at->entries.emplace_back(seg.key, Value{}).second;
            }
            at = child;
            continue;
        }
        if (seg.type == Segment::Type::index && seg.index != 0) {
            return refuse("a new file has one list item, [0] or []");
        }
        if (at->type == Value::Type::null) {
            *at = sequence_value();
        }
        if (at->type != Value::Type::sequence) {
            return refuse("a list index under a value that is not a list");
        }
        if (at->items.empty()) {
            at->items.emplace_back();
        }
        at = &at->items.front();
    }
    if (at->type != Value::Type::null || !at->text.empty()) {
        return refuse("another key path already sets it");
    }
    *at = std::move(leaf);
    return ok_status();
}

std::string emit(const Value& root, const Layout& layout, std::string_view comment)
{
    std::string head = layout.document_start ? "---\n" : "";
    std::size_t from = 0;
    while (from < comment.size()) {
        auto nl = comment.find('\n', from);
        auto line = comment.substr(from, nl == std::string_view::npos ? std::string_view::npos : nl - from);
        head += line.empty() ? "#\n" : fmt::format("# {}\n", line);
        from = nl == std::string_view::npos ? comment.size() : nl + 1;
    }
    Emitter e(layout);
    e.mapping(root, 0, {});
    std::string text = head + e.take();
    if (layout.line_break == "\n") {
        return text;
    }
    std::string out;
    out.reserve(text.size() + text.size() / 16);
    for (char c : text) {
        if (c == '\n') {
            out += layout.line_break;
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace kanon::yaml
