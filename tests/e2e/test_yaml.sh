#!/usr/bin/env bash
# e2e: `kanon yaml get/set` on real files: exact bytes, in-place writes that
# keep the mode, exit codes and error lines.
set -u
. "$(dirname "$0")/lib.sh"

cd "$E2E_TMP"

# A file with everything that must survive an edit: BOM, CRLF, comments in
# Cyrillic before and after the value, single quotes elsewhere, an anchor
# elsewhere, no final newline.
printf '\xEF\xBB\xBF# релиз\r\nimage:\r\n  repository: '"'"'reg/web'"'"'  # ü\r\n  tag: "1.0"   # тег\r\nbase: &b {x: 1}\r\nother: *b' > v.yaml
chmod 0640 v.yaml

expect_exit 0 "$KANON" yaml get v.yaml image.tag
expect_eq "$OUT" "1.0"

expect_exit 0 "$KANON" yaml set -i v.yaml image.tag 1.10
expected=$(printf '\xEF\xBB\xBF# релиз\r\nimage:\r\n  repository: '"'"'reg/web'"'"'  # ü\r\n  tag: "1.10"   # тег\r\nbase: &b {x: 1}\r\nother: *b')
expect_eq "$(cat v.yaml)" "$expected"
expect_eq "$(stat -c %a v.yaml)" "640"
expect_contains "$ERR" "v.yaml:4:8: set image.tag"

# Same value again: nothing changes, exit 0, the file is not rewritten.
before=$(stat -c %i v.yaml)
expect_exit 0 "$KANON" yaml set -i v.yaml image.tag 1.10
expect_contains "$ERR" "nothing changed"
expect_eq "$(stat -c %i v.yaml)" "$before"

# Plain tags Helm would misread are quoted; safe ones stay plain.
printf 'image:\n  tag: v1   # plain\n' > p.yaml
expect_exit 0 "$KANON" yaml set p.yaml image.tag 1e10
expect_eq "$OUT" "$(printf 'image:\n  tag: "1e10"   # plain')"
expect_exit 0 "$KANON" yaml set p.yaml image.tag v2
expect_eq "$OUT" "$(printf 'image:\n  tag: v2   # plain')"

# A missing key is created in the file's own indentation.
printf 'image:\n    repository: r\n' > four.yaml
expect_exit 0 "$KANON" yaml set four.yaml image.tag abc
expect_eq "$OUT" "$(printf 'image:\n    repository: r\n    tag: abc')"
expect_eq "$ERR" "four.yaml:3:10: created image.tag (it did not exist; --no-create refuses that)" "the note of a created key"
expect_exit 0 "$KANON" yaml set -i four.yaml image.tga abc
expect_eq "$ERR" "four.yaml:3:10: created image.tga (it did not exist; --no-create refuses that)" "in place, a typo is said"

# JSON output.
expect_exit 0 "$KANON" -o json yaml get v.yaml image
expect_json "$OUT" 'd["value"] == {"repository": "reg/web", "tag": "1.10"} and d["type"] == "mapping"'
expect_exit 0 "$KANON" -o json yaml set -i p.yaml image.tag "2.0"
expect_json "$OUT" 'd["changed"] is True and d["old"] == "v1" and d["line"] == 2'

# Refusals: exit 1 with FILE:LINE:COL, the file untouched.
printf 'a: &x 1\nb: *x\n' > alias.yaml
expect_exit 1 "$KANON" yaml set -i alias.yaml b 2
expect_contains "$ERR" "kanon: error: alias.yaml:2:4:"
expect_eq "$(cat alias.yaml)" "$(printf 'a: &x 1\nb: *x')"

printf 'a: 1\na: 2\n' > dup.yaml
expect_exit 1 "$KANON" yaml set dup.yaml a 3
expect_contains "$ERR" "dup.yaml:2:1: duplicate key 'a'"

printf 'a: [1, 2\n' > bad.yaml
expect_exit 1 "$KANON" yaml get bad.yaml a
expect_contains "$ERR" "kanon: error: bad.yaml:2:1: invalid YAML"

head -c 512 /dev/urandom > bin.yaml
printf '\x00' >> bin.yaml
expect_exit 1 "$KANON" yaml get bin.yaml a
expect_contains "$ERR" "not UTF-8 text"

expect_exit 1 "$KANON" yaml get v.yaml image.digest
expect_contains "$ERR" "no key 'image.digest'"

expect_exit 1 "$KANON" yaml get nope.yaml a
expect_contains "$ERR" "nope.yaml: cannot open"

# Usage errors: exit 2.
expect_exit 2 "$KANON" yaml get v.yaml 'a..b'
expect_contains "$ERR" "bad key path 'a..b'"
expect_exit 2 "$KANON" yaml set v.yaml
expect_exit 2 "$KANON" yaml frob v.yaml

# Deep nesting is an error, not a crash.
python3 -c 'print("a: " + "[" * 200000)' > deep.yaml
expect_exit 1 "$KANON" yaml get deep.yaml a
expect_contains "$ERR" "nesting deeper than the limit"

echo "PASS: $E2E_NAME"
