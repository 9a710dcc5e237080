#include "yaml/document.hpp"

#include <yaml.h>

#include <algorithm>
#include <map>
#include <memory>

#include <fmt/format.h>

namespace kanon::yaml {
namespace {

bool has_bom(std::string_view t)
{
    return t.size() >= 3 && t.substr(0, 3) == "\xEF\xBB\xBF";
}

// Maps libyaml's character index to a byte offset. Pure-ASCII text (the
// common case) needs no table.
class CharIndex {
public:
    explicit CharIndex(std::string_view text) : m_base(has_bom(text) ? 3 : 0)
    {
        bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
        if (ascii) {
            return;
        }
        m_table.reserve(text.size() + 1);
        for (std::size_t i = m_base; i < text.size(); ++i) {
            if ((static_cast<unsigned char>(text[i]) & 0xC0U) != 0x80U) {
                m_table.push_back(i);
            }
        }
        m_table.push_back(text.size());
    }
    [[nodiscard]] std::size_t byte(std::size_t char_index) const
    {
        if (m_table.empty()) {
            return m_base + char_index;
        }
        return char_index < m_table.size() ? m_table[char_index] : m_table.back();
    }

private:
    std::size_t m_base;
    std::vector<std::size_t> m_table;
};

struct Event {
    yaml_event_t ev{};
    Event() = default;
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;
    ~Event() { yaml_event_delete(&ev); }
};

std::string str_or_empty(const yaml_char_t* s)
{
    return s != nullptr ? reinterpret_cast<const char*>(s) : "";
}

Style scalar_style(yaml_scalar_style_t s)
{
    switch (s) {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE:
            return Style::single_quoted;
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
            return Style::double_quoted;
        case YAML_LITERAL_SCALAR_STYLE:
            return Style::literal;
        case YAML_FOLDED_SCALAR_STYLE:
            return Style::folded;
        default:
            return Style::plain;
    }
}

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Skips a node's properties (`&anchor`, `!tag`, `!<verbatim>`) and the
// whitespace and comments between them and the scalar.
std::size_t skip_properties(std::string_view t, std::size_t p, std::size_t limit)
{
    for (;;) {
        while (p < limit && (is_space(t[p]) || t[p] == '#')) {
            if (t[p] == '#') {
                while (p < limit && t[p] != '\n') {
                    ++p;
                }
            } else {
                ++p;
            }
        }
        if (p >= limit || (t[p] != '&' && t[p] != '!')) {
            return p;
        }
        if (t.substr(p, 2) == "!<") {
            auto close = t.find('>', p);
            p = close == std::string_view::npos ? limit : close + 1;
        } else {
            while (p < limit && !is_space(t[p])) {
                ++p;
            }
        }
    }
}

}  // namespace

class StreamBuilder {
public:
    StreamBuilder(Stream& s) : m_s(s), m_index(s.m_text) {}  // NOLINT(google-explicit-constructor)

    Status run()
    {
        yaml_parser_t parser;
        if (yaml_parser_initialize(&parser) == 0) {
            return Error{"cannot initialise the YAML parser (out of memory)"};
        }
        std::unique_ptr<yaml_parser_t, void (*)(yaml_parser_t*)> guard(&parser, yaml_parser_delete);
        yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(m_s.m_text.data()),
                                     m_s.m_text.size());
        for (;;) {
            Event e;
            if (yaml_parser_parse(&parser, &e.ev) == 0) {
                return parse_error(parser);
            }
            if (e.ev.type == YAML_STREAM_END_EVENT) {
                return ok_status();
            }
            if (auto st = handle(e.ev); !st) {
                return st;
            }
        }
    }

private:
    Status parse_error(const yaml_parser_t& p)
    {
        std::size_t offset = m_index.byte(p.problem_mark.index);
        std::string what = p.problem != nullptr ? p.problem : "invalid YAML";
        if (p.context != nullptr) {
            what = fmt::format("{} {}", p.context, what);
        }
        if (p.error == YAML_READER_ERROR) {
            offset = std::min(m_s.m_text.size(), p.problem_offset);
            what = fmt::format("{} (byte {})", what, p.problem_offset);
            if (p.problem_value != -1) {
                what = fmt::format("{}: 0x{:02X}", what, p.problem_value);
            }
        }
        return file_error(m_s.locate(offset), "invalid YAML: " + what);
    }

    Status too_deep(const yaml_event_t& ev)
    {
        return file_error(m_s.locate(m_index.byte(ev.start_mark.index)),
                          fmt::format("nesting deeper than the limit of {} levels", m_s.m_limits.max_depth));
    }

    Result<NodeId> add(Kind kind, const yaml_event_t& ev)
    {
        if (m_s.m_nodes.size() >= m_s.m_limits.max_nodes) {
            return file_error(m_s.locate(m_index.byte(ev.start_mark.index)),
                              fmt::format("more than the limit of {} YAML nodes", m_s.m_limits.max_nodes));
        }
        Node n;
        n.kind = kind;
        n.span = {m_index.byte(ev.start_mark.index), m_index.byte(ev.end_mark.index)};
        n.document = static_cast<std::uint32_t>(m_s.m_docs.size() - 1);
        n.parent = m_stack.empty() ? k_no_node : m_stack.back();
        auto id = static_cast<NodeId>(m_s.m_nodes.size());
        m_s.m_nodes.push_back(std::move(n));
        if (m_stack.empty()) {
            m_s.m_docs.back().root = id;
        } else {
            m_s.m_nodes[m_stack.back()].children.push_back(id);
        }
        return id;
    }

    void define_anchor(NodeId id, const yaml_char_t* anchor)
    {
        if (anchor != nullptr) {
            m_s.m_nodes[id].anchor = str_or_empty(anchor);
            m_anchors[m_s.m_nodes[id].anchor] = id;
        }
    }

    Status handle(const yaml_event_t& ev)
    {
        switch (ev.type) {
            case YAML_DOCUMENT_START_EVENT: {
                DocumentInfo d;
                d.span.begin = m_index.byte(ev.start_mark.index);
                d.explicit_start = ev.data.document_start.implicit == 0;
                m_s.m_docs.push_back(d);
                m_anchors.clear();
                return ok_status();
            }
            case YAML_DOCUMENT_END_EVENT:
                m_s.m_docs.back().span.end = m_index.byte(ev.end_mark.index);
                return ok_status();
            case YAML_MAPPING_START_EVENT:
            case YAML_SEQUENCE_START_EVENT: {
                if (m_stack.size() >= m_s.m_limits.max_depth) {
                    return too_deep(ev);
                }
                bool map = ev.type == YAML_MAPPING_START_EVENT;
                auto id = add(map ? Kind::mapping : Kind::sequence, ev);
                if (!id) {
                    return id.take_error();
                }
                Node& n = m_s.m_nodes[*id];
                bool flow = map ? ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                                : ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
                n.style = flow ? Style::flow : Style::block;
                n.tag = str_or_empty(map ? ev.data.mapping_start.tag : ev.data.sequence_start.tag);
                define_anchor(*id, map ? ev.data.mapping_start.anchor : ev.data.sequence_start.anchor);
                m_stack.push_back(*id);
                return ok_status();
            }
            case YAML_MAPPING_END_EVENT:
            case YAML_SEQUENCE_END_EVENT:
                m_s.m_nodes[m_stack.back()].span.end = m_index.byte(ev.end_mark.index);
                m_stack.pop_back();
                return ok_status();
            case YAML_SCALAR_EVENT: {
                if (m_stack.size() >= m_s.m_limits.max_depth) {
                    return too_deep(ev);
                }
                auto id = add(Kind::scalar, ev);
                if (!id) {
                    return id.take_error();
                }
                Node& n = m_s.m_nodes[*id];
                n.style = scalar_style(ev.data.scalar.style);
                n.tag = str_or_empty(ev.data.scalar.tag);
                n.value.assign(reinterpret_cast<const char*>(ev.data.scalar.value), ev.data.scalar.length);
                n.value_span = n.span;
                if (ev.data.scalar.anchor != nullptr || ev.data.scalar.tag != nullptr) {
                    n.value_span.begin = skip_properties(m_s.m_text, n.span.begin, n.span.end);
                }
                define_anchor(*id, ev.data.scalar.anchor);
                return ok_status();
            }
            case YAML_ALIAS_EVENT: {
                auto id = add(Kind::alias, ev);
                if (!id) {
                    return id.take_error();
                }
                Node& n = m_s.m_nodes[*id];
                n.value = str_or_empty(ev.data.alias.anchor);
                auto it = m_anchors.find(n.value);
                if (it == m_anchors.end()) {
                    return file_error(m_s.locate(n.span.begin), fmt::format("alias *{} refers to no anchor", n.value));
                }
                n.alias_of = it->second;
                m_s.m_nodes[it->second].shared = true;
                return ok_status();
            }
            default:
                return ok_status();
        }
    }

    Stream& m_s;
    CharIndex m_index;
    std::vector<NodeId> m_stack;
    std::map<std::string, NodeId, std::less<>> m_anchors;
};

Result<Stream> Stream::parse(std::string text, std::string name, const Limits& limits)
{
    Stream s;
    s.m_text = std::move(text);
    s.m_name = std::move(name);
    s.m_limits = limits;
    if (s.m_text.size() > limits.max_bytes) {  // before any work proportional to the size
        return file_error({s.m_name}, fmt::format("file is larger than the limit of {} bytes", limits.max_bytes));
    }
    s.m_line_starts.push_back(0);
    for (std::size_t i = 0; i < s.m_text.size(); ++i) {
        char c = s.m_text[i];
        if (c == '\n' || (c == '\r' && (i + 1 == s.m_text.size() || s.m_text[i + 1] != '\n'))) {
            s.m_line_starts.push_back(i + 1);
        }
    }
    if (auto bad = first_invalid_utf8(s.m_text); bad != std::string_view::npos) {
        return file_error(s.locate(bad), "invalid YAML: not UTF-8 text (a binary file?)");
    }
    StreamBuilder b(s);
    if (auto st = b.run(); !st) {
        return st.take_error();
    }
    return s;
}

Location Stream::locate(std::size_t offset) const
{
    offset = std::min(offset, m_text.size());
    auto it = std::upper_bound(m_line_starts.begin(), m_line_starts.end(), offset);
    std::size_t line = static_cast<std::size_t>(it - m_line_starts.begin());
    std::size_t start = m_line_starts[line - 1];
    if (start == 0 && has_bom(m_text)) {
        start = std::min<std::size_t>(3, offset);
    }
    std::size_t col = 1;
    for (std::size_t i = start; i < offset; ++i) {
        if ((static_cast<unsigned char>(m_text[i]) & 0xC0U) != 0x80U) {
            ++col;
        }
    }
    return Location{m_name, line, col};
}

std::string_view Stream::line_break() const
{
    auto nl = m_text.find('\n');
    if (nl == std::string::npos) {
        return "\n";
    }
    return nl > 0 && m_text[nl - 1] == '\r' ? "\r\n" : "\n";
}

bool Stream::key_equals(NodeId key, std::string_view text) const
{
    const Node& k = m_nodes[key];
    return k.kind == Kind::scalar && k.value == text;
}

std::size_t first_invalid_utf8(std::string_view s)
{
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if (c == 0) {
                return i;
            }
            ++i;
            continue;
        }
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if ((c & 0xE0U) == 0xC0U) {
            n = 1;
            cp = c & 0x1FU;
        } else if ((c & 0xF0U) == 0xE0U) {
            n = 2;
            cp = c & 0x0FU;
        } else if ((c & 0xF8U) == 0xF0U) {
            n = 3;
            cp = c & 0x07U;
        } else {
            return i;
        }
        for (std::size_t k = 1; k <= n; ++k) {
            if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) & 0xC0U) != 0x80U) {
                return i;
            }
            cp = (cp << 6U) | (static_cast<unsigned char>(s[i + k]) & 0x3FU);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
            return i;
        }
        i += n + 1;
    }
    return std::string_view::npos;
}

}  // namespace kanon::yaml
