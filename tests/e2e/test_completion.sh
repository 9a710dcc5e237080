#!/usr/bin/env bash
# Shell completions and man pages, all made from kanon's command table:
# bash driven through its completion function as bash itself calls it
# (COMP_WORDS/COMP_CWORD, then COMPREPLY), zsh through its driver with
# zsh's completion builtins replaced by recorders, fish by `complete -C`,
# the man pages by `man -l`. App and stage names come from a real
# repository over file://.
source "$(dirname "$0")/lib.sh"

build_share="$(dirname "$KANON")/share"
for f in completions/kanon.bash completions/_kanon completions/kanon.fish man/kanon.1 man/kanon-release.1; do
    [[ -s "$build_share/$f" ]] || fail "the build did not write $build_share/$f (cmake/kanon_docs.cmake)"
done
for shell in bash zsh fish; do
    expect_exit 0 "$KANON" completion "$shell"
done
expect_exit 0 "$KANON" completion bash
expect_eq "$OUT" "$(cat "$build_share/completions/kanon.bash")" "kanon completion bash against the built file"
expect_exit 2 "$KANON" completion tcsh
expect_contains "$ERR" "tcsh not in {bash,zsh,fish}"
# The hidden helpers are never suggested for a typo.
expect_exit 2 "$KANON" man
expect_not_contains "$ERR" "__man"

# A web-core whose kanon.yaml names three stages, served over file://.
make_webcore_apps "$E2E_TMP/web-core.git" synestra-io blog-synestra-io
webcore_write "$E2E_TMP/web-core.git" main "stages" kanon.yaml \
    $'stages:\n  - name: dev\n  - name: staging\n  - name: prod\n'
repo="file://$E2E_TMP/web-core.git"

# --- bash -------------------------------------------------------------------
# complete_bash WORD...: the words typed (the last is the one being
# completed); prints COMPREPLY, one per line, sorted.
complete_bash() {
    bash -c '
        source "$1"; shift
        # What bash gives: the line and the cursor, and the words split at
        # COMP_WORDBREAKS too (a URL in pieces), which the function must not trust.
        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        read -ra COMP_WORDS <<<"$(sed "s/\([:=]\)/ \1 /g" <<<"$COMP_LINE")"
        [[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
        _kanon
        printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort' _ "$build_share/completions/kanon.bash" "$@"
}
check_bash() {  # EXPECTED(space-separated) WORD...
    local want="$1"
    shift
    local got
    got="$(complete_bash "$@" | tr '\n' ' ' | sed 's/ $//')"
    expect_eq "$got" "$want" "bash completion of '$*'"
}
check_bash "release reset" "$KANON" re
check_bash "down env status up" "$KANON" sandbox ''
check_bash "github gitlab" "$KANON" ci ''
check_bash "auto manual" "$KANON" ci gitlab --gate ''
check_bash "json text" "$KANON" -o ''
check_bash "json" "$KANON" status --output=j
check_bash "--stage" "$KANON" release --stag
check_bash "--stage --steps" "$KANON" rollback --s
check_bash "get set" "$KANON" yaml ''
check_bash "" "$KANON" release ''  # no repository named: no app names guessed
check_bash "dev prod" "$KANON" release --stage ''
# Names from the repository: --repo (before or after), --repo=, $KANON_REPO.
check_bash "blog-synestra-io synestra-io" "$KANON" release --repo "$repo" ''
# A URL (bash splits it at ':' in COMP_WORDS) is one word for kanon.
http_repo="http://127.0.0.1:1/none.git"
check_bash "--stage" "$KANON" release --repo "$http_repo" --sta
check_bash "synestra-io" "$KANON" promote --repo="$repo" syn
check_bash "dev prod staging" "$KANON" --no-color promote --repo "$repo" synestra-io --to ''
got="$(KANON_REPO="$repo" complete_bash "$KANON" history --stage s | tr '\n' ' ')"
expect_eq "$got" "staging " "stage names from \$KANON_REPO"
# A global flag's value is skipped, not taken for the command.
check_bash "--tag --timeout" "$KANON" -o json wait --t
# Files and directories.
mkdir -p "$E2E_TMP/files/dir1"
: >"$E2E_TMP/files/kanon.yaml"
check_bash "$E2E_TMP/files/kanon.yaml" "$KANON" check --config "$E2E_TMP/files/kanon."
check_bash "$E2E_TMP/files/dir1" "$KANON" check --dir "$E2E_TMP/files/d"

# Every flag --help lists is completed, for every command (and none more).
mapfile -t commands < <(bash -c 'source "$1"; __kanon_commands ""' _ "$build_share/completions/kanon.bash" | cut -d: -f1)
((${#commands[@]} >= 20)) || fail "only ${#commands[@]} commands in the completion data"
for c in "${commands[@]}"; do
    "$KANON" "$c" --help >"$E2E_TMP/help.txt" 2>&1 || true
    help_flags="$({ grep -oE '^  (-[a-zA-Z],)?--[a-z][a-z0-9-]*' "$E2E_TMP/help.txt" || true; } | sed 's/.*,//; s/^ *//' |
        { grep -vxE -- '--help|--version|--output|--config|--no-color|--verbose|--quiet' || true; } |
        LC_ALL=C sort -u | tr '\n' ' ')"
    completed="$(bash -c 'source "$1"; __kanon_flags "$2"' _ "$build_share/completions/kanon.bash" "$c" |
        cut -d: -f1 | { grep -- '^--' || true; } | LC_ALL=C sort -u | tr '\n' ' ')"
    expect_eq "$completed" "$help_flags" "the flags completed for 'kanon $c' against its --help"
done

# --- zsh --------------------------------------------------------------------
if command -v zsh >/dev/null 2>&1; then
    # zsh's completion builtins replaced by recorders: what _kanon offers is printed.
    complete_zsh() {
        zsh -f -c '
            compdef() { : }
            _describe() { local -a got; got=("${(@P)${@[-1]}}"); print -lr -- ${got%%:*} }
            compadd() { print -lr -- "${(@P)2}" }
            compset() { return 0 }
            _files() { print FILES $@ }
            _message() { print "MESSAGE" }
            source "$1"; shift
            words=("$@"); CURRENT=$#
            _kanon' _ "$build_share/completions/_kanon" "$@" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
    }
    expect_eq "$(complete_zsh "$KANON" sandbox '')" "down env status up" "zsh: kanon sandbox"
    expect_eq "$(complete_zsh "$KANON" ci gitlab --loop-guard '')" "paths skip-ci" "zsh: --loop-guard"
    expect_eq "$(complete_zsh "$KANON" promote --repo "$repo" synestra-io --to '')" "dev prod staging" \
        "zsh: stage names from the repository"
    expect_eq "$(complete_zsh "$KANON" status --repo "$repo" '')" "blog-synestra-io synestra-io" \
        "zsh: app names from the repository"
    expect_eq "$(complete_zsh "$KANON" check --config '')" "FILES" "zsh: a file"
    expect_contains "$(complete_zsh "$KANON" release --)" "--tag"
else
    echo "SKIP (part): zsh is not installed (make test installs it): the zsh completion not run" >&2
fi

# --- fish -------------------------------------------------------------------
if command -v fish >/dev/null 2>&1; then
    complete_fish() {
        fish --no-config -c "source $build_share/completions/kanon.fish; complete -C '$*'" | cut -f1 |
            LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
    }
    expect_eq "$(complete_fish "$KANON ci ")" "github gitlab" "fish: kanon ci"
    expect_eq "$(complete_fish "$KANON sandbox ")" "down env status up" "fish: kanon sandbox"
    expect_eq "$(complete_fish "$KANON sandbox up --p")" "--poll --progress-deadline" "fish: sandbox up flags"
    expect_eq "$(complete_fish "$KANON release --repo $repo --stage ")" "dev prod staging" \
        "fish: stage names from the repository"
    expect_eq "$(complete_fish "$KANON status --repo $repo ")" "blog-synestra-io synestra-io" \
        "fish: app names from the repository"
else
    echo "SKIP (part): fish is not installed (make test installs it): the fish completion not run" >&2
fi

# --- man pages --------------------------------------------------------------
if command -v man >/dev/null 2>&1; then
    n=0
    for page in "$build_share"/man/*.1; do
        # groff's warnings (-ww) about the page itself are errors here.
        MANWIDTH=100 man --warnings=w -l "$page" >"$E2E_TMP/page.txt" 2>"$E2E_TMP/page.err" ||
            fail "man -l $page failed: $(cat "$E2E_TMP/page.err")"
        [[ ! -s "$E2E_TMP/page.err" ]] || fail "man -l $page warned: $(cat "$E2E_TMP/page.err")"
        n=$((n + 1))
    done
    ((n == ${#commands[@]} + 1)) || fail "$n man pages for ${#commands[@]} commands (kanon.1 and one per command)"
    MANWIDTH=100 man -l "$build_share/man/kanon-release.1" >"$E2E_TMP/page.txt"
    page="$(cat "$E2E_TMP/page.txt")"
    for needle in "kanon-release - commit a new image tag" "SYNOPSIS" "kanon release [OPTIONS] APP" "--tag TAG" \
        "--stage STAGE" "environment: KANON_REPO" "default: 10m" "kanon(1)"; do
        expect_contains "$page" "$needle" "man kanon-release"
    done
    MANWIDTH=100 man -l "$build_share/man/kanon.1" >"$E2E_TMP/page.txt"
    page="$(cat "$E2E_TMP/page.txt")"
    for needle in "GLOBAL OPTIONS" "-o, --output OUTPUT" "one of: text, json" "kanon-pipeline(1)" \
        "Exit codes: 0 done" "ARGOCD_SERVER"; do
        expect_contains "$page" "$needle" "man kanon"
    done
    MANWIDTH=100 man -l "$build_share/man/kanon-sandbox.1" >"$E2E_TMP/page.txt"
    expect_contains "$(cat "$E2E_TMP/page.txt")" "kanon sandbox up" "man kanon-sandbox: its subcommands"
else
    echo "SKIP (part): man is not installed (make test installs man-db): the man pages not read" >&2
fi
