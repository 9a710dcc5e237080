#!/usr/bin/env bash
# e2e: the command-line frame from outside the process: exit codes, error
# lines, --version, --help for every command, colour rules.
set -u
. "$(dirname "$0")/lib.sh"

expect_exit 0 "$KANON" --version
expect_contains "$OUT" "kanon 0."
# The version, the commit it was built from, and how it was built.
[[ "$OUT" =~ ^kanon\ [0-9]+\.[0-9]+\.[0-9]+\ \(commit\ ([0-9a-f]{12}(-dirty)?|unknown),\ [A-Za-z]+.*\)$ ]] ||
    fail "kanon --version says '$OUT', not 'kanon X.Y.Z (commit SHA, BUILD TYPE)'"
version="$OUT"

# cmake --install (what 'make install PREFIX=...' runs) puts the same binary in PREFIX/bin.
build_dir="$(dirname "$KANON")"
if command -v cmake >/dev/null && [[ -f "$build_dir/cmake_install.cmake" ]]; then
    cmake --install "$build_dir" --prefix "$E2E_TMP/prefix" >/dev/null || fail "cmake --install failed"
    expect_exit 0 "$E2E_TMP/prefix/bin/kanon" --version
    expect_eq "$OUT" "$version" "the installed kanon's --version"
    # ... and the man pages and completions where man and each shell look under a prefix.
    for f in share/man/man1/kanon.1 share/man/man1/kanon-release.1 share/bash-completion/completions/kanon \
        share/zsh/site-functions/_kanon share/fish/vendor_completions.d/kanon.fish; do
        [[ -s "$E2E_TMP/prefix/$f" ]] || fail "cmake --install did not install $f"
    done
else
    echo "SKIP (part): no cmake or no build tree beside $KANON: cmake --install not tried" >&2
fi

expect_exit 0 "$KANON" --help
for c in status explain yaml; do expect_contains "$OUT" "  $c "; done

for args in "status --help" "explain --help" "yaml --help" "yaml get --help" "yaml set --help"; do
  # shellcheck disable=SC2086
  expect_exit 0 "$KANON" $args
  expect_contains "$OUT" "Usage:"
done

expect_exit 2 "$KANON" stauts
expect_eq "$ERR" "$(printf "kanon: error: unknown command 'stauts'\nkanon: hint: did you mean 'kanon status'?")"

expect_exit 2 "$KANON"

expect_exit 2 "$KANON" status --brnach x
expect_contains "$ERR" "did you mean '--branch'?"

expect_exit 2 "$KANON" -o yaml status

# No colour when not a TTY (here: a pipe), whatever TERM says.
expect_exit 2 env TERM=xterm "$KANON" stauts
case "$ERR" in *$'\033'*) fail "colour on a pipe" ;; esac

# -o json: stdout is exactly one JSON document, also on errors.
expect_exit 1 "$KANON" -o json yaml get /nonexistent.yaml a
expect_json "$OUT" 'd["ok"] is False and d["exit_code"] == 1'

echo "PASS: $E2E_NAME"
