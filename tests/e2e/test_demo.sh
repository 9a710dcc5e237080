# shellcheck shell=bash
# `kanon demo` (the README's `make demo`) runs the whole flow, stops its
# sandbox, removes its temporary directory, and never prints the token.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

step() { echo "--- $*" >&2; }

step "the demo runs from start to end"
export TMPDIR="$E2E_TMP/tmp"
mkdir -p "$TMPDIR"
# Its sandbox's token, seen from inside while it runs (the demo removes it after).
(
    for _ in $(seq 1 600); do
        f="$(find "$TMPDIR" -name argocd.token 2>/dev/null | head -1)"
        [[ -n "$f" && -s "$f" ]] && { cat "$f" >"$E2E_TMP/token"; break; }
        sleep 0.05
    done
) &
WATCHER=$!
expect_exit 0 "$KANON" demo
wait "$WATCHER" || true
ALL="$OUT$ERR"
for needle in "sandbox up" "kanon pipeline synestra-io" "passed: synestra-io" "kanon history" \
    "broken-" "prod: not touched" "kanon reset synestra-io" "sandbox down" "demo done"; do
    expect_contains "$ALL" "$needle"
done
[[ -s "$E2E_TMP/token" ]] || fail "never saw the sandbox's token file"
expect_not_contains "$ALL" "$(cat "$E2E_TMP/token")" "demo output"

step "its sandbox is stopped and its temporary directory removed"
PID="$(sed -n 's/^sandbox up in .* (pid \([0-9]*\)).*/\1/p' <<<"$OUT" | head -1)"
[[ -n "$PID" ]] || fail "no sandbox pid in the demo's output"
if [[ -r "/proc/$PID/stat" && "$(awk '{print $3}' "/proc/$PID/stat")" != "Z" ]]; then
    kill "$PID"
    fail "the demo's sandbox (pid $PID) still runs"
fi
expect_eq "$(find "$TMPDIR" -mindepth 1 -maxdepth 1 -name 'kanon-demo.*' | wc -l)" "0" "demo directories left"

echo "ok: demo" >&2
