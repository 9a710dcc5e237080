// Table-driven tests of `yaml get` / `yaml set` on the span-preserving engine.
//
// Every set case names the exact bytes the file must have afterwards (so a
// test fails on any byte the edit touched that it should not have), or the
// refusal it must give and the FILE:LINE:COL that refusal points at.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "yaml/edit.hpp"
#include "yaml/scalar.hpp"

namespace kanon::yaml {
namespace {

constexpr const char* k_file = "values.yaml";

struct SetCase {
    std::string name;
    std::string input;
    std::string key;
    std::string value;
    std::string expected;    // the whole file afterwards (ignored when `error` is set)
    std::string error = {};  // a substring of the refusal
    std::size_t line = 0;    // errors: where the refusal points (0: no line, the whole file or usage);
    std::size_t col = 0;     // successes: where the value is (0: not checked)
    bool created = false;
    bool raw = false;
    bool create = true;
    Limits limits = {};
};

// The refusal of a case, from parsing or from setting.
Result<SetResult> run_set(const SetCase& c)
{
    auto s = Stream::parse(c.input, k_file, c.limits);
    if (!s) {
        return s.take_error();
    }
    auto p = parse_path(c.key);
    if (!p) {
        return p.take_error();
    }
    SetOptions opts;
    opts.raw = c.raw;
    opts.create = c.create;
    return set_scalar(*s, *p, c.value, opts);
}

std::string deep_block(std::size_t levels)
{
    std::string out;
    for (std::size_t i = 0; i < levels; ++i) {
        out += std::string(i * 2, ' ') + "k:\n";
    }
    return out + std::string(levels * 2, ' ') + "tag: v1\n";
}

std::string merge_chain(std::size_t n)
{
    std::string out = "a0: &a0 {x: 1}\n";
    for (std::size_t i = 1; i < n; ++i) {
        out += fmt::format("a{}: &a{} {{<<: *a{}}}\n", i, i, i - 1);
    }
    return out;
}

Limits small_files()
{
    Limits l;
    l.max_bytes = 64;
    return l;
}

const std::string k_release = "image:\n  repository: registry.example.com/web/shop\n  tag: v1.2.3\n";

// clang-format off
const std::vector<SetCase> k_set_cases = {
    // ---- replacing exactly the value's bytes -------------------------------
    {.name = "plain_replaced", .input = k_release, .key = "image.tag", .value = "v1.2.4",
     .expected = "image:\n  repository: registry.example.com/web/shop\n  tag: v1.2.4\n", .line = 3, .col = 8},
    {.name = "comment_after_value_kept", .input = "image:\n  tag: v1 # pinned by CI\n", .key = "image.tag", .value = "v22",
     .expected = "image:\n  tag: v22 # pinned by CI\n"},
    {.name = "tab_before_comment_kept", .input = "image:\n  tag: v1\t# c\n", .key = "image.tag", .value = "v2",
     .expected = "image:\n  tag: v2\t# c\n"},
    {.name = "comments_and_blank_lines_kept",
     .input = "# Default values.\n\n# The image.\nimage:\n\n  # the repo\n  repository: r # r\n\n  tag: v1\n\n# end\n",
     .key = "image.tag", .value = "v2",
     .expected = "# Default values.\n\n# The image.\nimage:\n\n  # the repo\n  repository: r # r\n\n  tag: v2\n\n# end\n",
     .line = 9, .col = 8},
    {.name = "four_space_indent_kept", .input = "image:\n    repository: r\n    tag: v1\n", .key = "image.tag", .value = "v2",
     .expected = "image:\n    repository: r\n    tag: v2\n"},
    {.name = "key_order_kept", .input = "image:\n  tag: v1\n  repository: r\nname: x\n", .key = "image.tag", .value = "v2",
     .expected = "image:\n  tag: v2\n  repository: r\nname: x\n"},
    {.name = "other_values_quoting_kept",
     .input = "image:\n  repository: \"r\"\n  pullPolicy: 'IfNotPresent'\n  tag: v1\n  digest: ''\n",
     .key = "image.tag", .value = "v2",
     .expected = "image:\n  repository: \"r\"\n  pullPolicy: 'IfNotPresent'\n  tag: v2\n  digest: ''\n"},
    {.name = "crlf_kept", .input = "image:\r\n  repository: r\r\n  tag: v1\r\n", .key = "image.tag", .value = "v2",
     .expected = "image:\r\n  repository: r\r\n  tag: v2\r\n"},
    {.name = "mixed_line_endings_kept", .input = "image:\r\n  repository: r\n  tag: v1\r\nx: 1\n", .key = "image.tag", .value = "v2",
     .expected = "image:\r\n  repository: r\n  tag: v2\r\nx: 1\n"},
    {.name = "bom_kept", .input = "\xEF\xBB\xBFimage:\n  tag: v1\n", .key = "image.tag", .value = "v2",
     .expected = "\xEF\xBB\xBFimage:\n  tag: v2\n", .line = 2, .col = 8},
    {.name = "bom_first_line_value", .input = "\xEF\xBB\xBFtag: v1\n", .key = "tag", .value = "v2",
     .expected = "\xEF\xBB\xBFtag: v2\n", .line = 1, .col = 6},
    {.name = "no_final_newline_kept", .input = "image:\n  tag: v1", .key = "image.tag", .value = "v2",
     .expected = "image:\n  tag: v2"},
    {.name = "document_markers_kept", .input = "---\nimage:\n  tag: v1\n...\n", .key = "image.tag", .value = "v2",
     .expected = "---\nimage:\n  tag: v2\n...\n"},
    {.name = "anchors_elsewhere_kept",
     .input = "defaults: &d {a: 1}\nother: *d\nimage:\n  tag: v1\n", .key = "image.tag", .value = "v2",
     .expected = "defaults: &d {a: 1}\nother: *d\nimage:\n  tag: v2\n"},
    {.name = "non_ascii_comments_before_value",
     .input = "# Значения по умолчанию — ü\nimage: # 日本語\n  tag: v1 # ✓\n", .key = "image.tag", .value = "v2",
     .expected = "# Значения по умолчанию — ü\nimage: # 日本語\n  tag: v2 # ✓\n", .line = 3, .col = 8},
    {.name = "non_ascii_before_value_on_its_line",
     .input = "image: {name: Ünïcödé, tag: v1} # é\n", .key = "image.tag", .value = "v2",
     .expected = "image: {name: Ünïcödé, tag: v2} # é\n", .line = 1, .col = 29},
    {.name = "non_ascii_value", .input = "image:\n  tag: v1\n", .key = "image.tag", .value = "версия-1",
     .expected = "image:\n  tag: версия-1\n"},
    {.name = "deep_nested_path", .input = "a:\n  b:\n    c:\n      d: 1x\n    e: 2\n", .key = "a.b.c.d", .value = "2x",
     .expected = "a:\n  b:\n    c:\n      d: 2x\n    e: 2\n"},
    {.name = "list_item_path",
     .input = "containers:\n- name: a\n  image:\n    tag: v1\n- name: b\n  image:\n    tag: v1\n",
     .key = "containers[1].image.tag", .value = "v2",
     .expected = "containers:\n- name: a\n  image:\n    tag: v1\n- name: b\n  image:\n    tag: v2\n"},
    {.name = "list_scalar_item", .input = "tags:\n  - a\n  - b\n", .key = "tags[1]", .value = "c",
     .expected = "tags:\n  - a\n  - c\n"},
    {.name = "quoted_keys_in_file", .input = "\"image\":\n  'tag': v1\n", .key = "image.tag", .value = "v2",
     .expected = "\"image\":\n  'tag': v2\n"},
    {.name = "key_with_dots_in_brackets",
     .input = "annotations:\n  app.kubernetes.io/version: \"1.0\"\n", .key = "annotations[\"app.kubernetes.io/version\"]",
     .value = "1.1", .expected = "annotations:\n  app.kubernetes.io/version: \"1.1\"\n"},
    {.name = "tagged_str_kept", .input = "tag: !!str 1.0\n", .key = "tag", .value = "1.10",
     .expected = "tag: !!str \"1.10\"\n"},
    {.name = "unshared_anchor_on_value_kept", .input = "tag: &t v1\n", .key = "tag", .value = "v2",
     .expected = "tag: &t v2\n"},

    // ---- quote style ------------------------------------------------------
    {.name = "single_stays_single", .input = "tag: 'v1'\n", .key = "tag", .value = "v2", .expected = "tag: 'v2'\n"},
    {.name = "double_stays_double", .input = "tag: \"v1\"\n", .key = "tag", .value = "v2", .expected = "tag: \"v2\"\n"},
    {.name = "single_doubles_its_quote", .input = "tag: 'v1'\n", .key = "tag", .value = "it's",
     .expected = "tag: 'it''s'\n"},
    {.name = "single_with_newline_becomes_double", .input = "tag: 'v1'\n", .key = "tag", .value = "a\nb",
     .expected = "tag: \"a\\nb\"\n"},
    {.name = "single_keeps_trap_quoted", .input = "tag: 'v1'\n", .key = "tag", .value = "1e10",
     .expected = "tag: '1e10'\n"},
    {.name = "plain_trap_exponent", .input = "tag: v1\n", .key = "tag", .value = "1e10", .expected = "tag: \"1e10\"\n"},
    {.name = "plain_trap_octal", .input = "tag: v1\n", .key = "tag", .value = "0123", .expected = "tag: \"0123\"\n"},
    {.name = "plain_trap_float", .input = "tag: v1\n", .key = "tag", .value = "1.10", .expected = "tag: \"1.10\"\n"},
    {.name = "plain_trap_hex", .input = "tag: v1\n", .key = "tag", .value = "0x1F", .expected = "tag: \"0x1F\"\n"},
    {.name = "plain_trap_upper_hex", .input = "tag: v1\n", .key = "tag", .value = "0X1F", .expected = "tag: \"0X1F\"\n"},
    {.name = "plain_trap_underscore", .input = "tag: v1\n", .key = "tag", .value = "1_000", .expected = "tag: \"1_000\"\n"},
    {.name = "plain_trap_sexagesimal", .input = "tag: v1\n", .key = "tag", .value = "1:20", .expected = "tag: \"1:20\"\n"},
    {.name = "plain_trap_true", .input = "tag: v1\n", .key = "tag", .value = "true", .expected = "tag: \"true\"\n"},
    {.name = "plain_trap_on", .input = "tag: v1\n", .key = "tag", .value = "on", .expected = "tag: \"on\"\n"},
    {.name = "plain_trap_yes", .input = "tag: v1\n", .key = "tag", .value = "yes", .expected = "tag: \"yes\"\n"},
    {.name = "plain_trap_no", .input = "tag: v1\n", .key = "tag", .value = "no", .expected = "tag: \"no\"\n"},
    {.name = "plain_trap_off", .input = "tag: v1\n", .key = "tag", .value = "off", .expected = "tag: \"off\"\n"},
    {.name = "plain_trap_null", .input = "tag: v1\n", .key = "tag", .value = "null", .expected = "tag: \"null\"\n"},
    {.name = "plain_trap_tilde", .input = "tag: v1\n", .key = "tag", .value = "~", .expected = "tag: \"~\"\n"},
    {.name = "plain_trap_empty", .input = "tag: v1\n", .key = "tag", .value = "", .expected = "tag: \"\"\n"},
    {.name = "plain_trap_timestamp", .input = "tag: v1\n", .key = "tag", .value = "2024-01-31",
     .expected = "tag: \"2024-01-31\"\n"},
    {.name = "plain_hash_after_space_quoted", .input = "tag: v1\n", .key = "tag", .value = "a #b",
     .expected = "tag: \"a #b\"\n"},
    {.name = "plain_colon_space_quoted", .input = "tag: v1\n", .key = "tag", .value = "a: b",
     .expected = "tag: \"a: b\"\n"},
    {.name = "plain_indicator_start_quoted", .input = "tag: v1\n", .key = "tag", .value = "*x",
     .expected = "tag: \"*x\"\n"},
    {.name = "plain_stays_plain_with_dots", .input = "tag: v1\n", .key = "tag", .value = "1.2.3",
     .expected = "tag: 1.2.3\n"},
    {.name = "plain_stays_plain_with_inner_quote", .input = "tag: v1\n", .key = "tag", .value = "it's",
     .expected = "tag: it's\n"},
    {.name = "double_escapes_backslash", .input = "tag: \"v1\"\n", .key = "tag", .value = "a\\b",
     .expected = "tag: \"a\\\\b\"\n"},
    {.name = "double_escapes_quote", .input = "tag: \"v1\"\n", .key = "tag", .value = "say \"hi\"",
     .expected = "tag: \"say \\\"hi\\\"\"\n"},
    {.name = "double_escapes_newline", .input = "tag: \"v1\"\n", .key = "tag", .value = "a\nb",
     .expected = "tag: \"a\\nb\"\n"},
    {.name = "double_escapes_tab", .input = "tag: \"v1\"\n", .key = "tag", .value = "a\tb",
     .expected = "tag: \"a\\tb\"\n"},
    {.name = "double_escapes_control", .input = "tag: \"v1\"\n", .key = "tag", .value = std::string("a\x01\x7F" "b"),
     .expected = "tag: \"a\\x01\\x7Fb\"\n"},
    {.name = "long_number_value_quoted", .input = "tag: v1\n", .key = "tag", .value = std::string(100'000, '7'),
     .expected = "tag: \"" + std::string(100'000, '7') + "\"\n"},
    {.name = "long_value_replaced", .input = "tag: " + std::string(100'000, '7') + " # c\n", .key = "tag",
     .value = "v1", .expected = "tag: v1 # c\n"},
    {.name = "c1_control_escaped", .input = "tag: 'v1'\n", .key = "tag", .value = "a\xC2\x80\xC2\x9F" "b",
     .expected = "tag: \"a\\x80\\x9Fb\"\n"},
    {.name = "noncharacter_escaped", .input = "tag: v1\n", .key = "tag", .value = "a\xEF\xBF\xBE\xEF\xBF\xBF",
     .expected = "tag: \"a\\uFFFE\\uFFFF\"\n"},
    {.name = "nul_in_value_escaped", .input = "tag: v1\n", .key = "tag", .value = std::string("a\0b", 3),
     .expected = "tag: \"a\\0b\"\n"},
    {.name = "emoji_stays_plain", .input = "tag: v1\n", .key = "tag", .value = "v1-\xF0\x9F\x9A\x80",
     .expected = "tag: v1-\xF0\x9F\x9A\x80\n"},
    {.name = "plain_with_control_becomes_double", .input = "tag: v1\n", .key = "tag", .value = "a\rb",
     .expected = "tag: \"a\\rb\"\n"},

    // ---- flow collections -------------------------------------------------
    {.name = "flow_map_value", .input = "image: {repository: r, tag: t}\n", .key = "image.tag", .value = "v2",
     .expected = "image: {repository: r, tag: v2}\n", .line = 1, .col = 29},
    {.name = "flow_value_with_comma_quoted", .input = "image: {repository: r, tag: t}\n", .key = "image.tag",
     .value = "a,b", .expected = "image: {repository: r, tag: \"a,b\"}\n"},
    {.name = "flow_value_with_brackets_quoted", .input = "image: {tag: t}\n", .key = "image.tag", .value = "x]{y}",
     .expected = "image: {tag: \"x]{y}\"}\n"},
    {.name = "flow_value_with_colon_quoted", .input = "tags: [a, b]\n", .key = "tags[1]", .value = "x:y",
     .expected = "tags: [a, \"x:y\"]\n"},
    {.name = "block_value_with_comma_stays_plain", .input = "tag: v1\n", .key = "tag", .value = "a,b[c]",
     .expected = "tag: a,b[c]\n"},
    {.name = "nested_flow_in_block", .input = "a:\n  b: {c: {d: 1x}, e: 2}\n", .key = "a.b.c.d", .value = "2x",
     .expected = "a:\n  b: {c: {d: 2x}, e: 2}\n"},
    {.name = "multi_line_flow_map", .input = "image: {\n  repository: r,\n  tag: 't'\n}\n", .key = "image.tag",
     .value = "v2", .expected = "image: {\n  repository: r,\n  tag: 'v2'\n}\n"},
    {.name = "flow_key_without_value", .input = "image: {tag}\n", .key = "image.tag", .value = "v2",
     .expected = "image: {tag: v2}\n"},

    // ---- empty values -----------------------------------------------------
    {.name = "empty_value_set", .input = "image:\n  tag:\n  repository: r\n", .key = "image.tag", .value = "v2",
     .expected = "image:\n  tag: v2\n  repository: r\n", .line = 2, .col = 8},
    {.name = "empty_value_with_comment", .input = "image:\n  tag: # set by CI\n", .key = "image.tag", .value = "v2",
     .expected = "image:\n  tag: v2 # set by CI\n"},
    {.name = "empty_value_with_str_tag", .input = "image:\n  tag: !!str\n", .key = "image.tag", .value = "v2",
     .expected = "image:\n  tag: !!str v2\n"},
    {.name = "empty_value_with_anchor", .input = "tag: &t\nx: 1\n", .key = "tag", .value = "v2",
     .expected = "tag: &t v2\nx: 1\n"},
    {.name = "null_tilde_replaced", .input = "image:\n  tag: ~\n", .key = "image.tag", .value = "v2",
     .expected = "image:\n  tag: v2\n"},
    {.name = "empty_list_item_set", .input = "tags:\n- a\n-\n", .key = "tags[1]", .value = "b",
     .expected = "tags:\n- a\n- b\n"},

    // ---- idempotence ------------------------------------------------------
    {.name = "same_plain_value_unchanged", .input = "image:\n  tag: v1 # c\n", .key = "image.tag", .value = "v1",
     .expected = "image:\n  tag: v1 # c\n"},
    {.name = "same_quoted_value_unchanged", .input = "tag: \"1.10\"\n", .key = "tag", .value = "1.10",
     .expected = "tag: \"1.10\"\n"},
    {.name = "same_single_value_unchanged", .input = "tag: '0123'\n", .key = "tag", .value = "0123",
     .expected = "tag: '0123'\n"},
    {.name = "plain_float_becomes_string", .input = "tag: 1.10\n", .key = "tag", .value = "1.10",
     .expected = "tag: \"1.10\"\n"},
    {.name = "plain_int_becomes_string", .input = "replicas: 3\n", .key = "replicas", .value = "3",
     .expected = "replicas: \"3\"\n"},
    {.name = "plain_bool_becomes_string", .input = "tag: yes\n", .key = "tag", .value = "yes",
     .expected = "tag: \"yes\"\n"},
    {.name = "raw_writes_plain", .input = "replicas: 2 # n\n", .key = "replicas", .value = "3", .expected = "replicas: 3 # n\n",
     .raw = true},
    {.name = "raw_replaces_quotes", .input = "replicas: \"2\"\n", .key = "replicas", .value = "3",
     .expected = "replicas: 3\n", .raw = true},
    {.name = "raw_negative_number", .input = "x: {n: 1}\n", .key = "x.n", .value = "-1", .expected = "x: {n: -1}\n",
     .raw = true},
    {.name = "raw_sexagesimal_in_block", .input = "t: 1\n", .key = "t", .value = "1:20", .expected = "t: 1:20\n",
     .raw = true},
    {.name = "raw_same_value_unchanged", .input = "replicas: 3\n", .key = "replicas", .value = "3",
     .expected = "replicas: 3\n", .raw = true},

    // ---- creating a missing key -------------------------------------------
    {.name = "create_two_spaces", .input = "image:\n  repository: r\n", .key = "image.tag", .value = "v1",
     .expected = "image:\n  repository: r\n  tag: v1\n", .line = 3, .col = 8, .created = true},
    {.name = "create_four_spaces", .input = "image:\n    repository: r\n", .key = "image.tag", .value = "v1",
     .expected = "image:\n    repository: r\n    tag: v1\n", .line = 3, .col = 10, .created = true},
    {.name = "create_after_trailing_comment", .input = "image:\n  repository: r # the repo\nx: 1\n", .key = "image.tag",
     .value = "v1", .expected = "image:\n  repository: r # the repo\n  tag: v1\nx: 1\n", .created = true},
    {.name = "create_nested_parents_two_spaces", .input = "name: web\nservice:\n  port: 80\n", .key = "image.tag",
     .value = "v1", .expected = "name: web\nservice:\n  port: 80\nimage:\n  tag: v1\n", .line = 5, .col = 8, .created = true},
    {.name = "create_nested_parents_four_spaces", .input = "name: web\nservice:\n    port: 80\n", .key = "app.image.tag",
     .value = "v1", .expected = "name: web\nservice:\n    port: 80\napp:\n    image:\n        tag: v1\n", .created = true},
    {.name = "create_nested_under_existing", .input = "app:\n  name: web\nz: 1\n", .key = "app.image.tag", .value = "v1",
     .expected = "app:\n  name: web\n  image:\n    tag: v1\nz: 1\n", .created = true},
    {.name = "create_into_empty_value", .input = "image:\nname: web\n", .key = "image.tag", .value = "v1",
     .expected = "image:\n  tag: v1\nname: web\n", .line = 2, .col = 8, .created = true},
    {.name = "create_into_empty_value_with_comment", .input = "image: # filled by CI\nname: web\n", .key = "image.tag",
     .value = "v1", .expected = "image: # filled by CI\n  tag: v1\nname: web\n", .created = true},
    {.name = "create_into_empty_value_four_spaces", .input = "a:\n    b: 1\nimage:\n", .key = "image.tag", .value = "v1",
     .expected = "a:\n    b: 1\nimage:\n    tag: v1\n", .created = true},
    {.name = "create_into_flow_map", .input = "image: {repository: r}\n", .key = "image.tag", .value = "v1",
     .expected = "image: {repository: r, tag: v1}\n", .line = 1, .col = 29, .created = true},
    {.name = "create_into_empty_flow_map", .input = "image: {}\n", .key = "image.tag", .value = "v1",
     .expected = "image: {tag: v1}\n", .created = true},
    {.name = "create_nested_into_flow_map", .input = "app: {name: web}\n", .key = "app.image.tag", .value = "a,b",
     .expected = "app: {name: web, image: {tag: \"a,b\"}}\n", .created = true},
    {.name = "create_into_empty_file", .input = "", .key = "image.tag", .value = "v1",
     .expected = "image:\n  tag: v1\n", .line = 2, .col = 8, .created = true},
    {.name = "create_into_bom_only_file", .input = "\xEF\xBB\xBF", .key = "image.tag", .value = "v1",
     .expected = "\xEF\xBB\xBFimage:\n  tag: v1\n", .line = 2, .col = 8, .created = true},
    {.name = "create_into_comment_only_file", .input = "# release file\n", .key = "image.tag", .value = "v1",
     .expected = "# release file\nimage:\n  tag: v1\n", .created = true},
    {.name = "create_into_comment_only_file_no_final_newline", .input = "# release file", .key = "image.tag",
     .value = "v1", .expected = "# release file\nimage:\n  tag: v1", .created = true},
    {.name = "create_no_final_newline_kept", .input = "image:\n  repository: r", .key = "image.tag", .value = "v1",
     .expected = "image:\n  repository: r\n  tag: v1", .created = true},
    {.name = "create_crlf_lines", .input = "name: web\r\nimage:\r\n  repository: r\r\n", .key = "image.tag", .value = "v1",
     .expected = "name: web\r\nimage:\r\n  repository: r\r\n  tag: v1\r\n", .created = true},
    {.name = "create_crlf_nested_parents", .input = "name: web\r\n", .key = "image.tag", .value = "v1",
     .expected = "name: web\r\nimage:\r\n  tag: v1\r\n", .created = true},
    {.name = "create_mixed_line_endings_keeps_each_line", .input = "a: 1\nimage:\r\n  repository: r\r\n",
     .key = "image.tag", .value = "v1", .expected = "a: 1\nimage:\r\n  repository: r\r\n  tag: v1\r\n", .created = true},
    {.name = "create_in_bom_file", .input = "\xEF\xBB\xBFname: web", .key = "image.tag", .value = "v1",
     .expected = "\xEF\xBB\xBFname: web\nimage:\n  tag: v1", .created = true},
    {.name = "create_in_bom_file_indent_step", .input = "\xEF\xBB\xBF" "a:\n    b: 1\n", .key = "a.c", .value = "v1",
     .expected = "\xEF\xBB\xBF" "a:\n    b: 1\n    c: v1\n", .created = true},
    {.name = "create_after_block_scalar", .input = "a:\n  s: |\n    text\nb: 1\n", .key = "a.t", .value = "v1",
     .expected = "a:\n  s: |\n    text\n  t: v1\nb: 1\n", .created = true},
    {.name = "create_quotes_trap_value", .input = "image:\n  repository: r\n", .key = "image.tag", .value = "1.10",
     .expected = "image:\n  repository: r\n  tag: \"1.10\"\n", .created = true},
    {.name = "create_in_list_item_mapping", .input = "list:\n- name: a\n- name: b\n", .key = "list[1].tag", .value = "v1",
     .expected = "list:\n- name: a\n- name: b\n  tag: v1\n", .created = true},
    {.name = "create_after_strip_block_scalar_at_end_of_file", .input = "a:\n  s: |-\n    text", .key = "a.t",
     .value = "v1", .expected = "a:\n  s: |-\n    text\n  t: v1", .created = true},
    {.name = "create_empty_document_before_end_marker", .input = "---\n...\n", .key = "image.tag", .value = "v1",
     .expected = "---\nimage:\n  tag: v1\n...\n", .created = true},
    {.name = "create_empty_document_no_final_newline", .input = "---", .key = "tag", .value = "v1",
     .expected = "---\ntag: v1", .created = true},
    {.name = "create_before_document_end_marker", .input = "a: 1\n...\n", .key = "b", .value = "v1",
     .expected = "a: 1\nb: v1\n...\n", .created = true},
    {.name = "create_key_that_needs_quotes", .input = "a: 1\n", .key = "on", .value = "v1",
     .expected = "a: 1\n\"on\": v1\n", .created = true},
    {.name = "create_beside_merge", .input = "base: &b {x: 1}\nc:\n  <<: *b\n", .key = "c.z", .value = "v1",
     .expected = "base: &b {x: 1}\nc:\n  <<: *b\n  z: v1\n", .created = true},
    {.name = "create_yaml11_bool_key_quoted", .input = "a: 1\n", .key = "y", .value = "v1",
     .expected = "a: 1\n\"y\": v1\n", .created = true},
    {.name = "create_in_the_one_document_that_has_the_key_path",
     .input = "kind: A\n---\nimage:\n  repository: r\n", .key = "kind", .value = "B",
     .expected = "kind: B\n---\nimage:\n  repository: r\n"},

    // ---- refusals -----------------------------------------------------------
    {.name = "refuse_missing_without_create", .input = "a: 1\n", .key = "b", .value = "v", .error = "no key 'b'",
     .create = false},
    {.name = "refuse_invalid_yaml", .input = "image:\n  tag: [v1\n", .key = "image.tag", .value = "v2",
     .error = "invalid YAML", .line = 3, .col = 1},
    {.name = "refuse_invalid_yaml_bad_indent", .input = "a: 1\n  b: 2\n", .key = "a", .value = "v2",
     .error = "invalid YAML: mapping values are not allowed", .line = 2, .col = 4},
    {.name = "refuse_invalid_yaml_after_non_ascii", .input = "# ü日本\nname: Ünï: x\n", .key = "name", .value = "v",
     .error = "invalid YAML", .line = 2, .col = 10},
    {.name = "refuse_invalid_yaml_tab_indent", .input = "image:\n\ttag: v1\n", .key = "image.tag", .value = "v2",
     .error = "invalid YAML", .line = 2, .col = 1},
    {.name = "refuse_undefined_alias", .input = "a: *nope\n", .key = "a", .value = "v", .error = "refers to no anchor",
     .line = 1, .col = 4},
    {.name = "refuse_alias_target", .input = "a: &x v1\nb: *x\n", .key = "b", .value = "v2", .error = "is the alias *x",
     .line = 2, .col = 4},
    {.name = "refuse_path_through_alias", .input = "base: &b\n  tag: v1\nother: *b\n", .key = "other.tag", .value = "v2",
     .error = "'other' is the alias *b", .line = 3, .col = 8},
    {.name = "refuse_shared_anchor_scalar", .input = "a: &x v1\nb: *x\n", .key = "a", .value = "v2",
     .error = "carries the anchor &x", .line = 1, .col = 4},
    {.name = "refuse_path_into_shared_anchor", .input = "base: &b\n  tag: v1\nother: *b\n", .key = "base.tag",
     .value = "v2", .error = "'base' carries the anchor &b", .line = 1, .col = 7},
    {.name = "refuse_duplicate_key", .input = "image:\n  tag: v1\n  tag: v2\n", .key = "image.tag", .value = "v3",
     .error = "duplicate key 'image.tag' (first at line 2)", .line = 3, .col = 3},
    {.name = "refuse_duplicate_parent_key", .input = "image:\n  tag: v1\nimage:\n  tag: v2\n", .key = "image.tag",
     .value = "v3", .error = "duplicate key 'image'", .line = 3, .col = 1},
    {.name = "refuse_duplicate_key_quoted_and_plain", .input = "tag: v1\n\"tag\": v2\n", .key = "tag", .value = "v3",
     .error = "duplicate key", .line = 2, .col = 1},
    {.name = "refuse_mapping_target", .input = "image:\n  tag: v1\n", .key = "image", .value = "v2",
     .error = "'image' is a mapping, not a scalar", .line = 2, .col = 3},
    {.name = "refuse_list_target", .input = "tags:\n- a\n", .key = "tags", .value = "v2",
     .error = "'tags' is a list, not a scalar", .line = 2, .col = 1},
    {.name = "refuse_path_below_scalar", .input = "image:\n  tag: v1\n", .key = "image.tag.x", .value = "v2",
     .error = "'image.tag' is a scalar, not a mapping", .line = 2, .col = 8},
    {.name = "refuse_index_out_of_range", .input = "tags: [a, b]\n", .key = "tags[2]", .value = "c",
     .error = "has 2 items, so there is no item [2]", .line = 1, .col = 7},
    {.name = "refuse_key_in_several_documents", .input = "image:\n  tag: v1\n---\nimage:\n  tag: v2\n",
     .key = "image.tag", .value = "v3", .error = "present in several documents of this file (lines 2 and 5)",
     .line = 5, .col = 8},
    {.name = "refuse_create_in_multi_document_file", .input = "kind: A\n---\nimage:\n  repository: r\n",
     .key = "image.tag", .value = "v1", .error = "'image.tag' is in none of the 2 documents of this file"},
    {.name = "refuse_missing_in_several_documents", .input = "a: 1\n---\nb: 2\n", .key = "c", .value = "v",
     .error = "is in none of the 2 documents"},
    {.name = "refuse_key_only_through_merge", .input = "base: &b\n  tag: v1\nimage:\n  <<: *b\n", .key = "image.tag",
     .value = "v2", .error = "comes from the `<<` merge", .line = 4, .col = 3},
    // go-yaml v2 (Helm) applies a mapping in document order: a `<<` after the
    // key overrides it, so an edit of the key would be silently lost.
    {.name = "refuse_key_a_later_merge_overrides", .input = "b: &b {x: 1}\nd: {x: 2, <<: *b}\n", .key = "d.x",
     .value = "3", .error = "this `<<` merge comes after it and sets it too", .line = 2, .col = 11},
    {.name = "set_key_after_the_merge", .input = "b: &b {x: a}\nd: {<<: *b, x: b}\n", .key = "d.x", .value = "c",
     .expected = "b: &b {x: a}\nd: {<<: *b, x: c}\n"},
    {.name = "refuse_literal_block_scalar", .input = "cfg: |\n  line\n", .key = "cfg", .value = "v",
     .error = "block scalar (| or >)", .line = 1, .col = 6},
    {.name = "refuse_folded_block_scalar", .input = "a:\n  cfg: >-\n    line\n", .key = "a.cfg", .value = "v",
     .error = "block scalar (| or >)", .line = 2, .col = 8},
    {.name = "refuse_typing_tag", .input = "replicas: !!int 3\n", .key = "replicas", .value = "4",
     .error = "explicit tag !!int", .line = 1, .col = 11},
    {.name = "refuse_wildcard", .input = "a: [1]\n", .key = "a[]", .value = "v", .error = "cannot be set"},
    {.name = "refuse_document_root", .input = "a: 1\n", .key = "", .value = "v", .error = "cannot set the document root"},
    {.name = "refuse_raw_unsafe", .input = "a: 1\n", .key = "a", .value = "x: y", .error = "cannot be written as a plain",
     .raw = true},
    {.name = "refuse_value_not_utf8", .input = "a: 1\n", .key = "a", .value = std::string("x\0y\xFF", 4),
     .error = "the value is not UTF-8 text (byte 4)"},
    {.name = "refuse_raw_in_flow", .input = "a: {b: 1}\n", .key = "a.b", .value = "x,y",
     .error = "cannot be written as a plain scalar inside a flow collection", .raw = true},
    {.name = "refuse_raw_sexagesimal_in_flow", .input = "a: {b: 1}\n", .key = "a.c", .value = "1:20",
     .error = "inside a flow collection", .raw = true},
    {.name = "refuse_raw_timestamp_with_comment", .input = "a: 1\n", .key = "a", .value = "2024-01-01 # x",
     .error = "cannot be written as a plain scalar", .raw = true},
    {.name = "refuse_append_after_clipped_block_scalar_at_end_of_file", .input = "a:\n  s: |\n    text", .key = "a.t",
     .value = "v1", .error = "would also change other values of this file", .line = 3, .col = 9},
    {.name = "refuse_create_list_item", .input = "a: 1\n", .key = "list[0]", .value = "v",
     .error = "kanon creates mapping keys, not list items"},
    {.name = "refuse_create_in_empty_flow_value", .input = "a: {x: }\n", .key = "a.x.y", .value = "v",
     .error = "empty inside a flow collection", .line = 1, .col = 8},
    {.name = "refuse_file_too_large", .input = "image:\n  tag: " + std::string(100, 'x') + "\n", .key = "image.tag",
     .value = "v", .error = "larger than the limit of 64 bytes", .limits = small_files()},
    {.name = "refuse_deep_flow_nesting", .input = std::string(200'000, '['), .key = "a", .value = "v",
     .error = "nesting deeper than the limit of 256 levels", .line = 1, .col = 257},
    {.name = "refuse_deep_block_nesting", .input = deep_block(300), .key = "k", .value = "v",
     .error = "nesting deeper than the limit of 256 levels", .line = 256, .col = 511},
    {.name = "refuse_deep_merge_chain", .input = merge_chain(2000), .key = "a1999.x", .value = "v",
     .error = "too many nested `<<` merges", .line = 1744, .col = 20},
    {.name = "refuse_nul_byte", .input = std::string("a: 1\nb: \0\n", 10), .key = "a", .value = "v",
     .error = "not UTF-8 text (a binary file?)", .line = 2, .col = 4},
    {.name = "refuse_invalid_utf8", .input = "# caf\xE9\na: 1\n", .key = "a", .value = "v",
     .error = "not UTF-8 text", .line = 1, .col = 6},
    {.name = "refuse_overlong_utf8", .input = "a: \xC0\xAF\n", .key = "a", .value = "v", .error = "not UTF-8 text",
     .line = 1, .col = 4},
    {.name = "refuse_binary_file", .input = std::string("\x89PNG\r\n\x1A\n\0\0\0\rIHDR", 16), .key = "a", .value = "v",
     .error = "not UTF-8 text", .line = 1, .col = 1},
    {.name = "refuse_utf16_file", .input = std::string("\xFF\xFE" "a\0:\0 \0" "1\0", 10), .key = "a", .value = "v",
     .error = "not UTF-8 text", .line = 1, .col = 1},
    {.name = "refuse_control_character", .input = "a: x\x01y\n", .key = "a", .value = "v",
     .error = "control characters are not allowed", .line = 1, .col = 5},
};
// clang-format on

// Test names, not byte dumps, in failure messages.
void PrintTo(const SetCase& c, std::ostream* os)
{
    *os << c.name;
}

class SetTable : public ::testing::TestWithParam<SetCase> {};

TEST_P(SetTable, ExactBytesOrRefusal)
{
    const SetCase& c = GetParam();
    auto r = run_set(c);
    if (!c.error.empty()) {
        ASSERT_FALSE(r.ok()) << "expected a refusal, got:\n" << r->text;
        const Error& e = r.error();
        std::string d = e.describe();
        EXPECT_NE(d.find(c.error), std::string::npos) << d;
        if (c.line != 0) {
            EXPECT_EQ(d.rfind(fmt::format("{}:{}:{}: ", k_file, c.line, c.col), 0), 0U) << d;
        } else {
            EXPECT_EQ(e.where.line, 0U) << d;
        }
        return;
    }
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(r->text, c.expected);
    EXPECT_EQ(r->changed, c.expected != c.input);
    EXPECT_EQ(r->created, c.created);
    if (c.line != 0) {
        EXPECT_EQ(r->where.file, k_file);
        EXPECT_EQ(r->where.line, c.line);
        EXPECT_EQ(r->where.column, c.col);
    }
    // The new file reads back as the new value, as a string; setting it
    // again changes nothing.
    auto again = Stream::parse(r->text, k_file);
    ASSERT_TRUE(again.ok()) << again.error().describe();
    auto p = parse_path(c.key);
    auto id = find(*again, *p);
    ASSERT_TRUE(id.ok()) << id.error().describe();
    EXPECT_EQ(again->node(*id).value, c.value);
    if (!c.raw) {
        EXPECT_EQ(resolve_node(again->node(*id)), PlainType::string);
    }
    SetOptions opts;
    opts.raw = c.raw;
    auto twice = set_scalar(*again, *p, c.value, opts);
    ASSERT_TRUE(twice.ok()) << twice.error().describe();
    EXPECT_FALSE(twice->changed);
    EXPECT_EQ(twice->text, r->text);
}

std::string case_name(const ::testing::TestParamInfo<SetCase>& info)
{
    return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Yaml, SetTable, ::testing::ValuesIn(k_set_cases), case_name);

// ---- get ------------------------------------------------------------------

struct GetCase {
    std::string name;
    std::string input;
    std::string key;
    std::string expected;
    std::string error = {};
    std::size_t line = 0;
    std::size_t col = 0;
};

// clang-format off
const std::vector<GetCase> k_get_cases = {
    {.name = "plain", .input = k_release, .key = "image.tag", .expected = "v1.2.3"},
    {.name = "double_quoted_unescaped", .input = "tag: \"a\\tb\\\"\"\n", .key = "tag", .expected = "a\tb\""},
    {.name = "single_quoted", .input = "tag: 'it''s'\n", .key = "tag", .expected = "it's"},
    {.name = "trap_value_as_written", .input = "tag: 1.10\n", .key = "tag", .expected = "1.10"},
    {.name = "list_item", .input = "c:\n- image: {tag: a}\n- image: {tag: b}\n", .key = "c[1].image.tag", .expected = "b"},
    {.name = "follows_alias", .input = "base: &b {tag: v1}\nimage: *b\n", .key = "image.tag", .expected = "v1"},
    {.name = "follows_merge", .input = "base: &b {tag: v1}\nimage:\n  <<: *b\n", .key = "image.tag", .expected = "v1"},
    {.name = "own_key_beats_merge", .input = "base: &b {tag: v1}\nimage:\n  <<: *b\n  tag: v2\n", .key = "image.tag",
     .expected = "v2"},
    {.name = "earlier_merge_wins", .input = "a: &a {t: 1}\nb: &b {t: 2}\nc:\n  <<: [*a, *b]\n", .key = "c.t", .expected = "1"},
    {.name = "later_merge_beats_own_key", .input = "b: &b {x: 1}\nd: {x: 2, <<: *b}\n", .key = "d.x", .expected = "1"},
    {.name = "merge_then_another_merge", .input = "a: &a {t: 1}\nb: &b {t: 2}\nc:\n  <<: *a\n  <<: *b\n", .key = "c.t",
     .expected = "2"},
    {.name = "key_in_one_of_several_documents", .input = "kind: A\n---\nimage:\n  tag: v1\n", .key = "image.tag",
     .expected = "v1"},
    {.name = "bom_and_crlf", .input = "\xEF\xBB\xBFimage:\r\n  tag: v1\r\n", .key = "image.tag", .expected = "v1"},
    {.name = "non_ascii", .input = "# ü\nname: Ünï # é\n", .key = "name", .expected = "Ünï"},
    {.name = "dotted_key", .input = "a:\n  b.c: v\n", .key = "a[\"b.c\"]", .expected = "v"},
    {.name = "empty_value", .input = "tag:\n", .key = "tag", .expected = ""},
    {.name = "tilde_as_written", .input = "tag: ~\n", .key = "tag", .expected = "~"},
    {.name = "block_scalar_content", .input = "cfg: |\n  a\n  b\n", .key = "cfg", .expected = "a\nb\n"},
    {.name = "error_missing", .input = "a: 1\n", .key = "b", .error = "values.yaml: no key 'b'"},
    {.name = "error_mapping", .input = "image:\n  tag: v1\n", .key = "image", .error = "'image' is a mapping, not a scalar",
     .line = 2, .col = 3},
    {.name = "error_several_documents", .input = "tag: a\n---\ntag: b\n", .key = "tag",
     .error = "present in several documents", .line = 3, .col = 6},
    {.name = "error_duplicate", .input = "tag: a\ntag: b\n", .key = "tag", .error = "duplicate key 'tag'", .line = 2, .col = 1},
    {.name = "error_wildcard", .input = "a: [1]\n", .key = "a[]", .error = "cannot be used here"},
    {.name = "error_not_a_list", .input = "a: 1\n", .key = "a[0]", .error = "'a' is a scalar, not a list", .line = 1, .col = 4},
};
// clang-format on

void PrintTo(const GetCase& c, std::ostream* os)
{
    *os << c.name;
}

class GetTable : public ::testing::TestWithParam<GetCase> {};

TEST_P(GetTable, ValueOrError)
{
    const GetCase& c = GetParam();
    auto s = Stream::parse(c.input, k_file);
    ASSERT_TRUE(s.ok()) << s.error().describe();
    auto p = parse_path(c.key);
    ASSERT_TRUE(p.ok()) << p.error().describe();
    auto r = get_scalar(*s, *p);
    if (!c.error.empty()) {
        ASSERT_FALSE(r.ok()) << *r;
        std::string d = r.error().describe();
        EXPECT_NE(d.find(c.error), std::string::npos) << d;
        if (c.line != 0) {
            EXPECT_EQ(d.rfind(fmt::format("{}:{}:{}: ", k_file, c.line, c.col), 0), 0U) << d;
        }
        return;
    }
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(*r, c.expected);
}

std::string get_case_name(const ::testing::TestParamInfo<GetCase>& info)
{
    return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Yaml, GetTable, ::testing::ValuesIn(k_get_cases), get_case_name);

// ---- the rest of the edit API -----------------------------------------------

TEST(YamlFindAll, WildcardVisitsEveryItemAndSkipsMissingKeys)
{
    auto s =
        Stream::parse("envFrom:\n- secretRef: {name: a}\n- configMapRef: {name: b}\n- secretRef: {name: c}\n", k_file);
    ASSERT_TRUE(s.ok());
    auto p = parse_path("envFrom[].secretRef.name");
    ASSERT_TRUE(p.ok());
    std::vector<std::string> names;
    for (NodeId id : find_all(*s, *p)) {
        names.push_back(s->node(id).value);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"a", "c"}));
}

TEST(YamlFindAll, FollowsAliasesAndDocuments)
{
    auto s = Stream::parse("base: &b [x, y]\nlist: *b\n---\nlist: [z]\n", k_file);
    ASSERT_TRUE(s.ok());
    auto p = parse_path("list[]");
    ASSERT_TRUE(p.ok());
    std::vector<std::string> items;
    for (NodeId id : find_all(*s, *p)) {
        items.push_back(s->node(id).value);
    }
    EXPECT_EQ(items, (std::vector<std::string>{"x", "y", "z"}));
}

TEST(YamlFindAll, EachNodeOnceEvenThroughAnAliasBomb)
{
    std::string bomb = "a: &a [x, y, z, w, v, u, t, s, r]\n";
    char prev = 'a';
    for (char c = 'b'; c <= 'j'; ++c) {
        bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" +
                prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
        prev = c;
    }
    auto s = Stream::parse(bomb, k_file);
    ASSERT_TRUE(s.ok());
    auto p = parse_path("j[][][][][][][][][][]");
    ASSERT_TRUE(p.ok());
    auto found = find_all(*s, *p);  // 9^10 paths, 9 nodes
    EXPECT_EQ(found.size(), 9U);
}

TEST(YamlInFlow, TrueOnlyInsideFlowCollections)
{
    auto s = Stream::parse("a: {b: [c]}\nd: e\n", k_file);
    ASSERT_TRUE(s.ok());
    auto c = find(*s, *parse_path("a.b[0]"));
    auto e = find(*s, *parse_path("d"));
    ASSERT_TRUE(c.ok() && e.ok());
    EXPECT_TRUE(in_flow(*s, *c));
    EXPECT_FALSE(in_flow(*s, *e));
}

TEST(YamlLocate, CountsCharactersNotBytesAndSkipsTheBom)
{
    auto s = Stream::parse(
        "\xEF\xBB\xBF"
        "a: ü\nb: ü日x\n",
        k_file);
    ASSERT_TRUE(s.ok());
    auto x = s->text().find('x');
    Location l = s->locate(x);
    EXPECT_EQ(l.line, 2U);
    EXPECT_EQ(l.column, 6U);
    Location a = s->locate(std::size_t{3});
    EXPECT_EQ(a.line, 1U);
    EXPECT_EQ(a.column, 1U);
}

TEST(YamlLimits, DefaultSizeLimitIsSixteenMebibytes)
{
    auto big = Stream::parse(std::string(16U * 1024U * 1024U + 1U, '#'), k_file);
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(big.error().describe(), "values.yaml: file is larger than the limit of 16777216 bytes");
    EXPECT_TRUE(Stream::parse("# " + std::string(16U * 1024U * 1024U - 3U, '#') + "\n", k_file).ok());
}

TEST(YamlLineBreak, FirstBreakOfTheFile)
{
    EXPECT_EQ(Stream::parse("a: 1\r\nb: 2\n", k_file)->line_break(), "\r\n");
    EXPECT_EQ(Stream::parse("a: 1\nb: 2\r\n", k_file)->line_break(), "\n");
    EXPECT_EQ(Stream::parse("a: 1", k_file)->line_break(), "\n");
}

}  // namespace
}  // namespace kanon::yaml
