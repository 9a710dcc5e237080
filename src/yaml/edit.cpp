#include "yaml/edit.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "yaml/lookup.hpp"
#include "yaml/scalar.hpp"

namespace kanon::yaml {
namespace {

using namespace detail;  // NOLINT(google-build-using-namespace)

// ---- writing ---------------------------------------------------------------

struct Splice {
    std::size_t begin = 0;
    std::size_t end = 0;
    std::string text;
};

std::string spliced(const std::string& text, const Splice& sp)
{
    std::string out;
    out.reserve(text.size() + sp.text.size());
    out.append(text, 0, sp.begin);
    out += sp.text;
    out.append(text, sp.end, std::string::npos);
    return out;
}

// Where the last byte of a node's content is: block collections end at their
// last item, not at the next token libyaml peeked at.
std::size_t content_end(const Stream& s, NodeId id)
{
    for (;;) {
        const Node& n = s.node(id);
        if ((n.kind == Kind::mapping || n.kind == Kind::sequence) && n.style == Style::block && !n.children.empty()) {
            id = n.children.back();
            continue;
        }
        return n.kind == Kind::scalar ? n.value_span.end : n.span.end;
    }
}

std::size_t line_start(const std::string& t, std::size_t pos)
{
    while (pos > 0 && t[pos - 1] != '\n' && t[pos - 1] != '\r') {
        --pos;
    }
    return pos;
}

// The indentation (in characters) of the line up to `pos`, as spaces.
std::size_t column_of(const std::string& t, std::size_t pos)
{
    std::size_t start = line_start(t, pos);
    // A leading BOM is not indentation: libyaml skips it, and counting it
    // would indent every key inserted into a BOM file by one space too many.
    if (start == 0 && t.compare(0, 3, "\xEF\xBB\xBF") == 0) {
        start = std::min<std::size_t>(3, pos);
    }
    std::size_t col = 0;
    for (std::size_t i = start; i < pos; ++i) {
        if ((static_cast<unsigned char>(t[i]) & 0xC0U) != 0x80U) {
            ++col;
        }
    }
    return col;
}

// The file's indentation step: the first nested block mapping's offset from
// its parent's keys. Two spaces when the file has no nesting.
std::size_t indent_step(const Stream& s)
{
    for (NodeId id = 0; id < s.node_count(); ++id) {
        const Node& n = s.node(id);
        if (n.kind != Kind::mapping || n.style != Style::block || n.children.empty() || n.parent == k_no_node) {
            continue;
        }
        const Node& parent = s.node(n.parent);
        if (parent.kind != Kind::mapping || parent.style != Style::block || parent.children.empty()) {
            continue;
        }
        std::size_t child = column_of(s.text(), s.node(n.children[0]).span.begin);
        std::size_t base = column_of(s.text(), s.node(parent.children[0]).span.begin);
        if (child > base) {
            return child - base;
        }
    }
    return 2;
}

std::string render_key(const std::string& key)
{
    return plain_is_safe(key, true) ? key : double_quoted(key);
}

// `k1:\n  k2: value` for the missing segments, each line at `indent` plus steps.
Result<std::string> nested_block(const Path& p, std::size_t from, std::size_t indent, std::size_t step,
                                 std::string_view eol, const std::string& value)
{
    std::string out;
    for (std::size_t i = from; i < p.segments.size(); ++i) {
        const Segment& seg = p.segments[i];
        if (seg.type != Segment::Type::key) {
            return usage_error(
                fmt::format("cannot create '{}': kanon creates mapping keys, not list items", p.prefix(i + 1)));
        }
        if (i > from) {
            out += eol;
        }
        out += std::string(indent + (i - from) * step, ' ');
        out += render_key(seg.key);
        out += ':';
    }
    out += ' ';
    out += value;
    return out;
}

Result<std::string> nested_flow(const Path& p, std::size_t from, const std::string& value)
{
    std::string out;
    std::size_t open = 0;
    for (std::size_t i = from; i < p.segments.size(); ++i) {
        if (p.segments[i].type != Segment::Type::key) {
            return usage_error(
                fmt::format("cannot create '{}': kanon creates mapping keys, not list items", p.prefix(i + 1)));
        }
        if (i > from) {
            out += '{';
            ++open;
        }
        out += render_key(p.segments[i].key) + ": ";
    }
    out += value;
    out += std::string(open, '}');
    return out;
}

// Text after `pos` up to the end of its line (a trailing comment included).
std::size_t end_of_line(const std::string& t, std::size_t pos)
{
    while (pos < t.size() && t[pos] != '\n' && t[pos] != '\r') {
        ++pos;
    }
    return pos;
}

// Inserted lines use the line break of the line they are inserted next to,
// so that a file mixing CRLF and LF keeps every existing line's own break.
// The nearest break that ends at or before `pos`; `fallback` if there is none.
std::string break_before(const std::string& t, std::size_t pos, std::string_view fallback)
{
    for (std::size_t i = std::min(pos, t.size()); i > 0; --i) {
        if (t[i - 1] == '\n') {
            return i >= 2 && t[i - 2] == '\r' ? "\r\n" : "\n";
        }
        if (t[i - 1] == '\r') {
            return "\r";
        }
    }
    return std::string(fallback);
}

// The break that ends the line at `pos` (`pos` is an end_of_line()), else
// the one before it (the last line of a file without a final newline).
std::string break_at(const std::string& t, std::size_t pos, std::string_view fallback)
{
    if (pos < t.size() && t[pos] == '\r') {
        return pos + 1 < t.size() && t[pos + 1] == '\n' ? "\r\n" : "\r";
    }
    if (pos < t.size() && t[pos] == '\n') {
        return "\n";
    }
    return break_before(t, pos, fallback);
}

// New lines at the end of the file. A file that does not end with a line
// break keeps not ending with one (its own convention); an empty file gets
// ordinary newline-terminated lines.
Result<Splice> append_at_end(const Stream& s, const Path& p, std::size_t from, std::size_t step,
                             const std::string& value)
{
    const std::string& t = s.text();
    std::string eol = break_before(t, t.size(), s.line_break());
    auto body = nested_block(p, from, 0, step, eol, value);
    if (!body) {
        return body.take_error();
    }
    bool at_line_start = t.empty() || t == "\xEF\xBB\xBF" || t.back() == '\n' || t.back() == '\r';
    return Splice{t.size(), t.size(), at_line_start ? *body + eol : eol + *body};
}

// An empty value (`image:`), or an empty document, becomes a mapping.
Result<Splice> insertion_into_empty(const Stream& s, const Path& p, const Walk& w, const std::string& value)
{
    const std::string& t = s.text();
    std::string_view fallback = s.line_break();
    std::size_t step = indent_step(s);
    const Node& c = s.node(w.node);
    if (in_flow(s, w.node)) {
        return file_error(s.locate(w.node), fmt::format("'{}' is empty inside a flow collection; write it by hand",
                                                        p.prefix(w.missing_from)));
    }
    if (c.parent == k_no_node) {
        // The document itself is empty (`---` alone). libyaml places the
        // empty scalar at the next token: when that is a `...` (or the next
        // `---`) on a line of its own, the keys go before it, not after it
        // into no document at all.
        std::size_t at = c.value_span.begin;
        if (at < t.size() && line_start(t, at) == at) {
            std::string eol = break_before(t, at, fallback);
            auto body = nested_block(p, w.missing_from, 0, step, eol, value);
            if (!body) {
                return body.take_error();
            }
            return Splice{at, at, *body + eol};
        }
        return append_at_end(s, p, w.missing_from, step, value);
    }
    const Node& parent = s.node(c.parent);
    if (parent.kind != Kind::mapping) {
        return file_error(s.locate(w.node),
                          fmt::format("'{}' is an empty list item; write it by hand", p.prefix(w.missing_from)));
    }
    std::size_t parent_indent = column_of(t, s.node(parent.children[0]).span.begin);
    std::size_t end = end_of_line(t, c.value_span.end);
    std::string eol = break_at(t, end, fallback);
    auto body = nested_block(p, w.missing_from, parent_indent + step, step, eol, value);
    if (!body) {
        return body.take_error();
    }
    return Splice{end, end, eol + *body};
}

Result<Splice> insertion(const Stream& s, const Path& p, const Walk& w, const std::string& value)
{
    const std::string& t = s.text();
    std::string_view fallback = s.line_break();
    std::size_t step = indent_step(s);
    if (w.node == k_no_node) {  // an empty file, or only comments
        return append_at_end(s, p, w.missing_from, step, value);
    }
    const Node& c = s.node(w.node);
    if (c.kind == Kind::mapping && c.style == Style::flow) {
        auto body = nested_flow(p, w.missing_from, value);
        if (!body) {
            return body.take_error();
        }
        if (c.children.empty()) {
            std::size_t brace = t.find('{', c.span.begin);
            return Splice{brace + 1, brace + 1, *body};
        }
        std::size_t end = content_end(s, c.children.back());
        return Splice{end, end, ", " + *body};
    }
    if (c.kind == Kind::mapping) {
        std::size_t indent = column_of(t, s.node(c.children[0]).span.begin);
        std::size_t end = content_end(s, c.children.back());
        bool at_line_start = end > 0 && (t[end - 1] == '\n' || t[end - 1] == '\r');  // after a block scalar
        if (!at_line_start) {
            end = end_of_line(t, end);
        }
        std::string eol = at_line_start ? break_before(t, end, fallback) : break_at(t, end, fallback);
        auto body = nested_block(p, w.missing_from, indent, step, eol, value);
        if (!body) {
            return body.take_error();
        }
        return Splice{end, end, at_line_start ? *body + eol : eol + *body};
    }
    return insertion_into_empty(s, p, w, value);
}

// An empty value has no bytes of its own, so what goes before the new one
// depends on what is there: `key:` and `key: !!str` / `key: &a` need a space
// (else the value would run into the indicator or the property), and a flow
// `{key}` that has no `:` at all needs ": ".
std::string empty_value_prefix(const Stream& s, NodeId id)
{
    const Node& n = s.node(id);
    const std::string& t = s.text();
    std::size_t at = n.value_span.begin;
    if (n.parent != k_no_node && s.node(n.parent).kind == Kind::mapping) {
        const auto& kids = s.node(n.parent).children;
        for (std::size_t k = 1; k < kids.size(); k += 2) {
            if (kids[k] == id && s.node(kids[k - 1]).span.end == at) {
                return ": ";
            }
        }
    }
    if (at > 0 && at <= t.size() && t[at - 1] != ' ' && t[at - 1] != '\t' && t[at - 1] != '\n' && t[at - 1] != '\r') {
        return " ";
    }
    return "";
}

// `!!int 3`, `!!bool`, `!!binary ...`: the explicit tag decides the type,
// so no quoting can make the value a string there.
bool has_typing_tag(const Node& n)
{
    static constexpr std::string_view k_core = "tag:yaml.org,2002:";
    return n.tag.size() > k_core.size() && n.tag.compare(0, k_core.size(), k_core) == 0 &&
           n.tag != "tag:yaml.org,2002:str";
}

// --raw writes VALUE as it is, so it must be one plain scalar where it goes:
// a string that is safe as plain, or a number, boolean, null ... whose text
// would be safe as a plain string (no `: `, ` #`, line break, and in a flow
// collection no flow indicator or `:`).
bool raw_fits(std::string_view value, bool flow)
{
    if (value.empty() || plain_is_safe(value, flow)) {
        return true;
    }
    return resolve_plain(value) != PlainType::string && plain_is_safe("x" + std::string(value), flow);
}

Result<std::string> render_value(std::string_view value, Style old, bool flow, const SetOptions& opts)
{
    if (opts.raw) {
        if (!raw_fits(value, flow)) {
            return usage_error(fmt::format("'{}' cannot be written as a plain scalar{}", value,
                                           flow ? " inside a flow collection" : ""));
        }
        return std::string(value);
    }
    return render_string(value, old, flow);
}

// Every node in document order, as what it holds: what "every other value
// stays" is checked against after an edit.
using Token = std::pair<Kind, std::string_view>;

std::vector<Token> tokens(const Stream& s, NodeId skip)
{
    std::vector<Token> out;
    out.reserve(s.node_count());
    for (NodeId id = 0; id < s.node_count(); ++id) {
        const Node& n = s.node(id);
        if (id != skip) {
            bool collection = n.kind == Kind::mapping || n.kind == Kind::sequence;
            out.emplace_back(n.kind, collection ? std::string_view{} : std::string_view{n.value});
        }
    }
    return out;
}

// True when `after` is `before` with one run of nodes inserted (the new
// value, or the created keys): the edit changed nothing else. It catches,
// for one, a key appended after a block scalar that ends the file without a
// line break, which would give that scalar a final newline.
bool only_inserted(const std::vector<Token>& before, const std::vector<Token>& after)
{
    if (after.size() < before.size()) {
        return false;
    }
    std::size_t head = 0;
    while (head < before.size() && before[head] == after[head]) {
        ++head;
    }
    std::size_t tail = 0;
    while (tail < before.size() - head && before[before.size() - 1 - tail] == after[after.size() - 1 - tail]) {
        ++tail;
    }
    return head + tail == before.size();
}

}  // namespace

bool in_flow(const Stream& s, NodeId id)
{
    for (NodeId p = s.node(id).parent; p != k_no_node; p = s.node(p).parent) {
        if (s.node(p).style == Style::flow) {
            return true;
        }
    }
    return false;
}

namespace {

// What a value must be before kanon looks for where it goes.
Status check_value(std::string_view value, const SetOptions& opts)
{
    // A value that is not UTF-8 can be in no YAML file (a NUL can: as "\0").
    for (std::size_t from = 0; from < value.size();) {
        std::size_t bad = first_invalid_utf8(value.substr(from));
        if (bad == std::string_view::npos) {
            break;
        }
        if (value[from + bad] != '\0') {
            return usage_error(fmt::format("the value is not UTF-8 text (byte {})", from + bad + 1));
        }
        from += bad + 1;
    }
    if (opts.raw && !raw_fits(value, false)) {
        return usage_error(fmt::format("'{}' cannot be written as a plain scalar", value));
    }
    return ok_status();
}

// The new bytes for the existing scalar `id`; none when it already holds
// the value (as a string, or as it is with --raw).
Result<std::optional<Splice>> replacement(const Stream& s, const Path& path, NodeId id, std::string_view value,
                                          const SetOptions& opts)
{
    const Node& n = s.node(id);
    if (n.kind != Kind::scalar) {
        return file_error(s.locate(id), fmt::format("'{}' is {}, not a scalar", path.text, kind_name(n)));
    }
    if (n.style == Style::literal || n.style == Style::folded) {
        return file_error(s.locate(id), fmt::format("'{}' is a block scalar (| or >); kanon does not rewrite "
                                                    "block scalars",
                                                    path.text));
    }
    if (!opts.raw && has_typing_tag(n)) {
        return file_error(s.locate(id), fmt::format("'{}' has the explicit tag !!{}: a string cannot be written "
                                                    "there; remove the tag by hand first",
                                                    path.text, n.tag.substr(n.tag.rfind(':') + 1)));
    }
    bool same_type = opts.raw ? (n.style == Style::plain && n.tag.empty()) : resolve_node(n) == PlainType::string;
    if (n.value == value && same_type) {
        return std::optional<Splice>{};
    }
    auto rendered = render_value(value, n.style, in_flow(s, id), opts);
    if (!rendered) {
        return rendered.take_error();
    }
    if (n.value_span.begin == n.value_span.end) {
        rendered->insert(0, empty_value_prefix(s, id));
    }
    return std::optional<Splice>{Splice{n.value_span.begin, n.value_span.end, *rendered}};
}

// Reads the edit back: a value that does not come back exactly, or an edit
// that changes anything else, is never returned, and the user's file is
// never written with it. Gives the new value's node.
Result<NodeId> verify(const Stream& s, const Stream& again, const Path& path, std::string_view value,
                      const SetOptions& opts, NodeId replaced, std::size_t at)
{
    auto back = find(again, path);
    if (!back || again.node(*back).kind != Kind::scalar || again.node(*back).value != value ||
        (!opts.raw && resolve_node(again.node(*back)) != PlainType::string)) {
        return Error{
            fmt::format("internal error: the edit of '{}' does not read back as the new value; nothing was "
                        "written, please report this",
                        path.text)};
    }
    if (again.documents().size() != std::max<std::size_t>(1, s.documents().size()) ||
        !only_inserted(tokens(s, replaced), tokens(again, k_no_node))) {
        return file_error(s.locate(at),
                          fmt::format("the edit of '{}' would also change other values of this file (a block scalar "
                                      "at the end of a file without a final line break?); nothing was written",
                                      path.text));
    }
    return *back;
}

}  // namespace

Result<SetResult> set_scalar(const Stream& s, const Path& path, std::string_view value, const SetOptions& opts)
{
    if (path.segments.empty()) {
        return usage_error("cannot set the document root; name a key");
    }
    if (path.has_wildcard()) {
        return usage_error(
            fmt::format("key path '{}': [] (every item) cannot be set; name one item as [N]", path.text));
    }
    if (auto st = check_value(value, opts); !st) {
        return st.take_error();
    }
    auto located = locate_path(s, path, Mode::write);
    if (!located) {
        return located.take_error();
    }
    const Walk& w = located->walk;
    SetResult out;
    Splice sp;
    if (w.outcome == Walk::Outcome::found) {
        auto r = replacement(s, path, w.node, value, opts);
        if (!r) {
            return r.take_error();
        }
        out.old_value = s.node(w.node).value;
        out.where = s.locate(s.node(w.node).value_span.begin);
        if (!*r) {
            out.text = s.text();
            return out;
        }
        sp = std::move(**r);
    } else {
        if (!opts.create) {
            return file_error({s.name()}, fmt::format("no key '{}'", path.text));
        }
        bool flow = w.node != k_no_node && (s.node(w.node).style == Style::flow || in_flow(s, w.node));
        auto rendered = render_value(value, Style::plain, flow, opts);
        if (!rendered) {
            return rendered.take_error();
        }
        auto ins = insertion(s, path, w, *rendered);
        if (!ins) {
            return ins.take_error();
        }
        sp = std::move(*ins);
        out.created = true;
    }
    out.text = spliced(s.text(), sp);
    out.changed = out.text != s.text();
    auto again = Stream::parse(out.text, s.name(), s.limits());
    if (!again) {
        return Error{
            fmt::format("internal error: the edit of '{}' would make the file invalid ({}); nothing was "
                        "written, please report this",
                        path.text, again.error().message)};
    }
    // The node the edit replaces: the old value, or the empty value (or
    // empty document) that becomes a mapping.
    NodeId replaced = w.node != k_no_node && s.node(w.node).kind == Kind::scalar ? w.node : k_no_node;
    auto back = verify(s, *again, path, value, opts, replaced, sp.begin);
    if (!back) {
        return back.take_error();
    }
    // Where the new value is: for a created key not where the splice began
    // (the end of the line before it), for `key:` after the added space.
    out.where = again->locate(again->node(*back).value_span.begin);
    return out;
}

Result<SetResult> delete_key(const Stream& s, const Path& path)
{
    if (path.segments.empty() || path.segments.back().type != Segment::Type::key || path.has_wildcard()) {
        return usage_error(fmt::format("key path '{}': only a mapping key can be deleted", path.text));
    }
    auto located = locate_path(s, path, Mode::write);
    if (!located) {
        return located.take_error();  // through an alias, a shared anchor, a duplicate key...
    }
    SetResult out;
    out.text = s.text();
    if (located->walk.outcome != Walk::Outcome::found) {
        return out;  // nothing to delete: not an error, like `rm -f`
    }
    NodeId value = located->walk.node;
    NodeId map = s.node(value).parent;
    // A mapping left empty would turn its key's value into null: remove the
    // outermost entry that would be left empty instead (`freeze:` goes with
    // its last hold).
    while (s.node(map).children.size() == 2 && s.node(map).style == Style::block && s.node(map).parent != k_no_node &&
           s.node(s.node(map).parent).kind == Kind::mapping && s.node(s.node(map).parent).style == Style::block) {
        value = map;
        map = s.node(map).parent;
    }
    const Node& m = s.node(map);
    if (m.kind != Kind::mapping || m.style != Style::block) {
        return file_error(s.locate(value), fmt::format("'{}' is not in a block mapping; delete it by hand", path.text));
    }
    NodeId key = k_no_node;
    for (std::size_t k = 0; k + 1 < m.children.size(); k += 2) {
        if (m.children[k + 1] == value) {
            key = m.children[k];
        }
    }
    const std::string& t = s.text();
    std::size_t begin = line_start(t, s.node(key).span.begin);
    for (std::size_t i = begin; i < s.node(key).span.begin; ++i) {
        if (t[i] != ' ') {  // `- key: v` or `a: {key: v}`: not a line of its own
            return file_error(s.locate(key), fmt::format("'{}' does not start its line; delete it by hand", path.text));
        }
    }
    std::size_t end = content_end(s, value);
    if (end == 0 || (t[end - 1] != '\n' && t[end - 1] != '\r')) {
        end = end_of_line(t, end);
        if (end < t.size() && t[end] == '\r') {
            ++end;
        }
        if (end < t.size() && t[end] == '\n') {
            ++end;
        }
    }
    out.old_value = s.node(value).kind == Kind::scalar ? s.node(value).value : std::string();
    out.where = s.locate(s.node(key).span.begin);
    out.text = t.substr(0, begin) + t.substr(end);
    out.changed = true;
    auto again = Stream::parse(out.text, s.name(), s.limits());
    if (!again || find(*again, path) || !only_inserted(tokens(*again, k_no_node), tokens(s, k_no_node))) {
        return Error{
            fmt::format("internal error: deleting '{}' would change more than that key; nothing was "
                        "written, please report this",
                        path.text)};
    }
    return out;
}

}  // namespace kanon::yaml
