# shellcheck shell=bash
# The limits of RELIABILITY.md, each hit with hostile input through the real
# binary: an alias bomb, 200k levels of nesting (flow and block), a binary
# file and a file past 16 MiB, as a file given to `kanon yaml`, as web-core's
# release file (release, status, check, explain) and as kanon.yaml; a site
# that answers 100 MB and one that redirects 11 times. Each must end in a
# clear `kanon: error: FILE:LINE:COL` (or a finding), the documented exit
# code, bounded time and memory, and nothing committed.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

step() { echo "--- $*" >&2; }

# run_bounded CODE CMD...: expect_exit, and the run took under 10 s and 300 MB.
run_bounded() {
    local code="$1"
    shift
    local t0
    t0=$(date +%s)
    expect_exit "$code" /usr/bin/time -f '%M' -o "$E2E_TMP/rss" "$@"
    (($(date +%s) - t0 < 10)) || fail "'$*' took $(($(date +%s) - t0)) s"
    (($(tail -1 "$E2E_TMP/rss") < 300000)) || fail "'$*' used $(tail -1 "$E2E_TMP/rss") KiB"
}

# The hostile files.
python3 - "$E2E_TMP" <<'EOF'
import os, sys
d = sys.argv[1]
def w(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
# Ten levels of nine aliases: 9^10 nodes if expanded.
bomb = 'image:\n  repository: registry.example.com/web/web-app1\n  tag: "1.0.0"\n'
bomb += 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
for i in range(1, 10):
    bomb += f'l{i}: &l{i} [' + ",".join([f"*l{i-1}"] * 9) + ']\n'
w("bomb.yaml", bomb)
w("deep-flow.yaml", "image:\n  tag: " + "[" * 200000 + "]" * 200000 + "\n")
w("deep-block.yaml", "image:\n  tag:\n    " + "- " * 200000 + "x\n")
w("binary.yaml", bytes(range(1, 256)) * 256)  # no NUL: a shell variable carries it
w("huge.yaml", "image:\n  tag: \"" + "x" * (17 * 1024 * 1024) + "\"\n")
EOF

step "kanon yaml: each hostile file is an error at FILE:LINE:COL, exit 1, fast and small"
run_bounded 1 "$KANON" yaml get "$E2E_TMP/bomb.yaml" l9
expect_contains "$ERR" "kanon: error: $E2E_TMP/bomb.yaml:"
expect_contains "$ERR" "aliases expand to more than the limit of 100000 nodes"
run_bounded 1 "$KANON" yaml get "$E2E_TMP/deep-flow.yaml" image.tag
expect_contains "$ERR" "kanon: error: $E2E_TMP/deep-flow.yaml:2:"
expect_contains "$ERR" "nesting deeper than the limit of 256 levels"
run_bounded 1 "$KANON" yaml get "$E2E_TMP/deep-block.yaml" image.tag
expect_contains "$ERR" "nesting deeper than the limit of 256 levels"
run_bounded 1 "$KANON" yaml get "$E2E_TMP/binary.yaml" image.tag
expect_contains "$ERR" "kanon: error: $E2E_TMP/binary.yaml:3:115: invalid YAML: not UTF-8 text"
run_bounded 1 "$KANON" yaml get "$E2E_TMP/huge.yaml" image.tag
expect_contains "$ERR" "file is larger than the limit of 16777216 bytes"
# set refuses too, and leaves the file as it was.
cp "$E2E_TMP/deep-flow.yaml" "$E2E_TMP/deep-copy.yaml"
run_bounded 1 "$KANON" yaml set "$E2E_TMP/deep-copy.yaml" image.tag 2.0.0
cmp -s "$E2E_TMP/deep-flow.yaml" "$E2E_TMP/deep-copy.yaml" || fail "yaml set changed a file it refused"

# --- as web-core's files ----------------------------------------------------------
BARE="$E2E_TMP/web-core.git"
make_webcore "$BARE" 2

# check_and_explain FINDING_EXPR ERR_NEEDLE: in a checkout of the tip, check
# exits 3 with a finding on app1's dev release file for which FINDING_EXPR
# (python, over `f`) holds; explain of app1 exits 1 saying ERR_NEEDLE.
check_and_explain() {
    rm -rf "$E2E_TMP/checkout"
    git clone -q "$BARE" "$E2E_TMP/checkout"
    run_bounded 3 "$KANON" -o json check --dir "$E2E_TMP/checkout"
    expect_json "$OUT" "any($1 and f['file'] == 'deploy/env/release-dev/app1.yaml' for f in d['findings'])"
    run_bounded 1 "$KANON" explain app1 --stage dev --dir "$E2E_TMP/checkout"
    expect_contains "$ERR" "$2"
}
step "an alias bomb as a release file: release edits the tag in place without expanding anything (bounded), check reports the file"
webcore_write "$BARE" main "hostile bomb" deploy/env/release-dev/app1.yaml "$(cat "$E2E_TMP/bomb.yaml")"
run_bounded 0 "$KANON" release app1 --tag 2.0.0 --repo "$BARE"
expect_eq "$(webcore_cat "$BARE" main deploy/env/release-dev/app1.yaml)" "$(sed 's/^  tag: "1.0.0"$/  tag: "2.0.0"/' "$E2E_TMP/bomb.yaml")" \
    "the release file after the edit (only the tag changed)"
check_and_explain 'f["severity"] == "error"' "aliases expand to more than the limit of 100000 nodes"

for kind in deep-flow binary huge; do
    step "a $kind release file in web-core: release refuses (exit 1, FILE:LINE:COL), nothing committed; status and check report it"
    webcore_write "$BARE" main "hostile $kind" deploy/env/release-dev/app1.yaml "$(cat "$E2E_TMP/$kind.yaml")"
    tip="$(branch_tip "$BARE" main)"
    run_bounded 1 "$KANON" release app1 --tag 2.0.0 --repo "$BARE"
    expect_contains "$ERR" "kanon: error: deploy/env/release-dev/app1.yaml"
    expect_eq "$(branch_tip "$BARE" main)" "$tip" "the branch after a refused release"
    # The other app still works, in status and in a release.
    run_bounded 0 "$KANON" -o json status --repo "$BARE"
    expect_json "$OUT" '[a for a in d["apps"] if a["app"] == "app1"][0]["stages"]["dev"].get("problem")'
    expect_json "$OUT" '[a for a in d["apps"] if a["app"] == "app2"][0]["stages"]["dev"]["tag"] == "1.0.0"'
    # check: a yaml/syntax finding for that file (exit 3), the rest checked.
    check_and_explain 'f["rule"] == "yaml/syntax"' "deploy/env/release-dev/app1.yaml"
done
step "a 100 MB release file: release refuses it and status reports it without ever holding it (under 100 MB)"
# Over smart HTTP, so that the server's git (which reads the blob whole
# even for a blob-less clone) is not one of kanon's processes, and git
# streams blobs past core.bigFileThreshold: what remains is kanon's memory.
git --git-dir="$BARE" config uploadpack.allowFilter true
start_git_http "$E2E_TMP"
export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.bigFileThreshold GIT_CONFIG_VALUE_0=1m
big_blob="$(python3 -c 'import sys; sys.stdout.buffer.write(b"image:\n  tag: \"" + b"x" * (100 << 20) + b"\"\n")' |
    git --git-dir="$BARE" hash-object -w --stdin)"
{
    _fi_commit_header "$BARE" main "hostile 100 MB"
    printf 'M 100644 %s deploy/env/release-dev/app1.yaml\n' "$big_blob"
} | _fast_import "$BARE"
tip="$(branch_tip "$BARE" main)"
for cmd in "release app1 --tag 2.0.0" "status"; do
    # shellcheck disable=SC2086  # word splitting wanted
    run_bounded "$([[ $cmd == status ]] && echo 0 || echo 1)" "$KANON" -o json $cmd --repo "$GIT_HTTP_URL/web-core.git"
    (($(tail -1 "$E2E_TMP/rss") < 100000)) || fail "'$cmd' with a 100 MB release file used $(tail -1 "$E2E_TMP/rss") KiB"
done
expect_json "$OUT" '"larger than the limit" in [a for a in d["apps"] if a["app"] == "app1"][0]["stages"]["dev"]["problem"]'
expect_eq "$(branch_tip "$BARE" main)" "$tip" "the branch after a refused release"
unset GIT_CONFIG_COUNT GIT_CONFIG_KEY_0 GIT_CONFIG_VALUE_0
webcore_write "$BARE" main "heal" deploy/env/release-dev/app1.yaml "$(release_yaml registry.example.com/web/web-app1 1.0.0)"
expect_exit 0 "$KANON" release app2 --tag 2.0.0 --repo "$BARE"

step "kanon.yaml as an alias bomb: a bad file at FILE:LINE:COL (exit 1)"
run_bounded 1 "$KANON" --config "$E2E_TMP/bomb.yaml" status --repo "$BARE"
expect_contains "$ERR" "kanon: error: $E2E_TMP/bomb.yaml:"

# --- the network -----------------------------------------------------------------------
step "a site that answers 100 MB: smoke reads 1 MiB of it and passes, in bounded time and memory"
pf="$E2E_TMP/.big-port"
python3 "$E2E_LIB_DIR/fault_server.py" "$pf" big $((100 * 1024 * 1024)) 2>>"$E2E_TMP/big.log" &
on_exit "kill $! 2>/dev/null"
await_server $! "$pf" "$E2E_TMP/big.log" "the big-body server"
run_bounded 0 "$KANON" smoke app1 --stage dev --url "http://127.0.0.1:$(cat "$pf")"

step "redirects: 10 are followed, the 11th is an error naming the limit"
pf="$E2E_TMP/.redir-port"
python3 "$E2E_LIB_DIR/fault_server.py" "$pf" redirects 10 2>>"$E2E_TMP/redir.log" &
on_exit "kill $! 2>/dev/null"
await_server $! "$pf" "$E2E_TMP/redir.log" "the redirecting server"
run_bounded 0 "$KANON" smoke app1 --stage dev --url "http://127.0.0.1:$(cat "$pf")" --path /r/0
pf="$E2E_TMP/.redir11-port"
python3 "$E2E_LIB_DIR/fault_server.py" "$pf" redirects 11 2>>"$E2E_TMP/redir11.log" &
on_exit "kill $! 2>/dev/null"
await_server $! "$pf" "$E2E_TMP/redir11.log" "the redirecting server"
run_bounded 4 "$KANON" smoke app1 --stage dev --url "http://127.0.0.1:$(cat "$pf")" --path /r/0
expect_contains "$OUT" "redirects"

echo "PASS" >&2
