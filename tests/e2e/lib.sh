# shellcheck shell=bash
# Shared helpers for the end-to-end tests (tests/e2e/test_*.sh).
#
# A test script does `source "$(dirname "$0")/lib.sh"` and then drives the
# real binary ("$KANON") against git repositories it builds itself. Sourcing
# this file:
#   * skips the test (exit 77) when KANON is not an executable;
#   * makes a private temporary directory, $E2E_TMP, removed on exit (after the
#     commands registered with `on_exit`, e.g. killing a server);
#   * gives the test a clean environment: its own empty HOME and TMPDIR, no
#     system git config, fixed git identity, no proxies, NO_COLOR, LC_ALL=C,
#     none of the Argo CD, kanon or CI variables of the calling shell (a CI
#     runner sets CI=true, which changes kanon's fallbacks), and no git
#     repository above $E2E_TMP (GIT_CEILING_DIRECTORIES); the test starts in
#     $E2E_TMP.
#
# Assertions print what differs and end the test with exit 1:
#   fail MSG...
#   expect_eq ACTUAL EXPECTED [WHAT]
#   expect_contains TEXT NEEDLE [WHAT]      expect_not_contains TEXT NEEDLE [WHAT]
#   expect_exit CODE CMD...                 (runs CMD; its stdout is in $OUT,
#                                            stderr in $ERR, both also in the files
#                                            $OUT_FILE / $ERR_FILE, byte-exact)
#   expect_json FILE_OR_TEXT PYTHON_EXPR    (a python3 expression over `d`, the
#                                            parsed document, must be true)
#
# web-core repositories (bare, built with git plumbing, no working tree):
#   make_webcore OUT.git N                  apps app1..appN
#   make_webcore_apps OUT.git APP...        apps with the given names
#   webcore_write REPO BRANCH MSG PATH CONTENT [PATH CONTENT]...
#   webcore_rm REPO BRANCH MSG PATH...
#   webcore_release REPO BRANCH APP STAGE TAG [REPOSITORY]
#   webcore_branch REPO NEW FROM            webcore_default_branch REPO BRANCH
#   webcore_cat REPO REV PATH               (prints a file at a revision)
#   release_yaml REPOSITORY TAG             (prints a release file)
#   expect_commit_count REPO BRANCH N       expect_file_line REPO BRANCH PATH LINE
# Servers on loopback:
#   start_git_http ROOT                     serves the bare repositories under ROOT
#                                           over smart HTTP at $GIT_HTTP_URL/NAME.git
#   free_port                               prints a free TCP port on 127.0.0.1
#   await_server PID PORT_FILE STDERR WHAT  waits for a background server to write its port
#   start_sandbox DIR FLAGS...              `kanon sandbox up` (down on exit), its env
#                                           exported, $REPO and $BARE set
#   release_tag APP STAGE                   the tag in APP's release file on $BARE's main
# Parts:
#   part NAME...                            true when E2E_PART is unset or one of NAME
#
# Everything here uses bash, git and python3 only.

set -euo pipefail

if [[ -z "${KANON:-}" || ! -x "${KANON}" ]]; then
    echo "SKIP: KANON is not set to the kanon binary" >&2
    exit 77
fi
KANON="$(cd "$(dirname "$KANON")" && pwd)/$(basename "$KANON")"
export KANON
for tool in git python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool is not installed" >&2
        exit 77
    fi
done

E2E_NAME="$(basename "${0%.sh}")"
E2E_TMP="$(mktemp -d "${TMPDIR:-/tmp}/kanon-e2e-${E2E_NAME}.XXXXXX")"
E2E_ON_EXIT=()

on_exit() { E2E_ON_EXIT+=("$*"); }

_e2e_cleanup() {
    local rc=$?
    set +e
    local i
    for ((i = ${#E2E_ON_EXIT[@]} - 1; i >= 0; i--)); do
        eval "${E2E_ON_EXIT[$i]}"
    done
    if [[ -n "${E2E_KEEP:-}" ]]; then
        echo "kept $E2E_TMP" >&2
    else
        rm -rf "$E2E_TMP"
    fi
    return "$rc"
}
trap _e2e_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Debian's python3 first: scripts/install-deps gives it yaml and jsonschema,
# and a python3 found earlier on PATH may be a version manager's shim
# (pyenv's costs 0.35 s a start where Debian's costs 0.03 s, and the tests
# start python hundreds of times, also from hooks and servers).
if [[ -x /usr/bin/python3 ]]; then
    mkdir -p "$E2E_TMP/bin"
    ln -s /usr/bin/python3 "$E2E_TMP/bin/python3"
    export PATH="$E2E_TMP/bin:$PATH"
fi

# A test split into parts (KANON_E2E_PARTS in tests/CMakeLists.txt, so that
# its halves run at once) is run one part at a time with E2E_PART set;
# `part NAME...` is true when E2E_PART is one of them, or unset (all parts).
part() { [[ -z "${E2E_PART:-}" || " $* " == *" $E2E_PART "* ]]; }

# --- a clean environment --------------------------------------------------
mkdir -p "$E2E_TMP/home" "$E2E_TMP/tmp"
export HOME="$E2E_TMP/home"
export TMPDIR="$E2E_TMP/tmp"
export XDG_CONFIG_HOME="$HOME/.config"
export GIT_CONFIG_NOSYSTEM=1
unset GIT_CONFIG_GLOBAL GIT_CONFIG GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT \
      GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES \
      GIT_NAMESPACE GIT_TRACE GIT_TRACE2 GIT_TRACE2_EVENT GIT_TRACE2_PERF \
      GIT_SSH GIT_SSH_COMMAND GIT_ASKPASS SSH_ASKPASS GIT_PROTOCOL \
      ARGOCD_SERVER ARGOCD_AUTH_TOKEN ARGOCD_OPTS KANON_REPO KANON_CACHE_DIR \
      KANON_GIT_TOKEN KANON_GIT_USER KANON_ASKPASS KANON_ARGOCD_TOKEN KANON_ARGOCD_PLAINTEXT \
      KANON_TAG KANON_REF KANON_APP KANON_SANDBOX_REPO KANON_RESULT KANON_EXIT_CODE \
      CI GITLAB_CI GITHUB_ACTIONS CI_JOB_TOKEN \
      http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy || true
# git never looks for a repository above the test's directory.
export GIT_CEILING_DIRECTORIES="$E2E_TMP"
export no_proxy="127.0.0.1,localhost" NO_PROXY="127.0.0.1,localhost"
export GIT_AUTHOR_NAME="E2E Author" GIT_AUTHOR_EMAIL="author@e2e.invalid"
export GIT_COMMITTER_NAME="E2E Committer" GIT_COMMITTER_EMAIL="committer@e2e.invalid"
export GIT_TERMINAL_PROMPT=0
export NO_COLOR=1 LC_ALL=C TZ=UTC
# Ensure the empty HOME gets a config that newer git versions would otherwise nag about.
git config --global init.defaultBranch main
E2E_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$E2E_TMP"

# --- assertions -----------------------------------------------------------
fail() {
    local where="${BASH_SOURCE[1]##*/}:${BASH_LINENO[0]}"
    if [[ "${FUNCNAME[1]:-}" == expect_* ]]; then
        where="${BASH_SOURCE[2]##*/}:${BASH_LINENO[1]}"
    fi
    echo "FAIL ($where): $*" >&2
    exit 1
}

expect_eq() {
    local actual="$1" expected="$2" what="${3:-value}"
    if [[ "$actual" != "$expected" ]]; then
        {
            echo "--- $what: expected"
            printf '%s\n' "$expected"
            echo "--- $what: actual"
            printf '%s\n' "$actual"
            echo "--- diff (expected -> actual)"
            diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") || true
        } >&2
        fail "$what differs"
    fi
}

expect_contains() {
    local text="$1" needle="$2" what="${3:-output}"
    if [[ "$text" != *"$needle"* ]]; then
        printf -- '--- %s:\n%s\n---\n' "$what" "$text" >&2
        fail "$what does not contain '$needle'"
    fi
}

expect_not_contains() {
    local text="$1" needle="$2" what="${3:-output}"
    if [[ "$text" == *"$needle"* ]]; then
        printf -- '--- %s:\n%s\n---\n' "$what" "$text" >&2
        fail "$what contains '$needle'"
    fi
}

OUT="" ERR="" OUT_FILE="$E2E_TMP/.out" ERR_FILE="$E2E_TMP/.err"
expect_exit() {
    local want="$1"
    shift
    local rc=0
    "$@" >"$OUT_FILE" 2>"$ERR_FILE" || rc=$?
    OUT="$(cat "$OUT_FILE")"
    ERR="$(cat "$ERR_FILE")"
    if [[ "$rc" != "$want" ]]; then
        printf -- '--- stdout:\n%s\n--- stderr:\n%s\n---\n' "$OUT" "$ERR" >&2
        fail "'$*' exited $rc, expected $want"
    fi
}

# expect_json FILE|TEXT EXPR: EXPR (python, over the parsed document `d`) must be true.
expect_json() {
    local src="$1" expr="$2" text
    if [[ -f "$src" ]]; then text="$(cat "$src")"; else text="$src"; fi
    local msg
    if ! msg="$(printf '%s' "$text" | python3 -c '
import json, sys
d = json.load(sys.stdin)
ok = eval(sys.argv[1], {"d": d})
sys.exit(0 if ok else 3)
' "$expr" 2>&1)"; then
        printf -- '--- document:\n%s\n--- python:\n%s\n---\n' "$text" "$msg" >&2
        fail "JSON check failed: $expr"
    fi
}

# --- web-core repositories --------------------------------------------------
release_yaml() {
    printf 'image:\n  repository: %s\n  tag: "%s"\n' "$1" "$2"
}

_webcore_env_layer() {  # APP STAGE
    local app="$1" stage="$2" host="$1.example.com"
    [[ "$stage" == prod ]] || host="$stage.$host"
    printf 'ingress:\n  host: %s\nenv:\n  SYNESTRA_ENV: %s\nenvFrom:\n  - secretRef:\n      name: web-%s-%s-env\n' \
        "$host" "$stage" "$app" "$stage"
}

_webcore_application() {  # APP STAGE
    local app="$1" stage="$2" heal=false
    [[ "$stage" != prod ]] || heal=true
    printf '%s\n' \
        "apiVersion: argoproj.io/v1alpha1" "kind: Application" "metadata:" "  name: web-$app-$stage" \
        "  namespace: argocd" "spec:" "  project: default" "  source:" \
        "    repoURL: https://git.example.com/web-core.git" "    targetRevision: main" \
        "    path: deploy/charts/web" "    helm:" "      valueFiles:" \
        "        - ../../env/release-$stage/$app.yaml" "        - ../../env/$stage/$app.yaml" \
        "  destination:" "    server: https://kubernetes.default.svc" "    namespace: web-$app-$stage" \
        "  syncPolicy:" "    automated:" "      prune: true" "      selfHeal: $heal"
}

# Emits a fast-import "M" command with inline data (byte-exact; LC_ALL=C).
_fi_file() {
    local path="$1" content="$2"
    printf 'M 100644 inline %s\ndata %d\n%s\n' "$path" "${#content}" "$content"
}

_fi_commit_header() {  # BRANCH MESSAGE (from the branch's tip when it exists)
    local repo="$1" branch="$2" msg="$3"
    printf 'commit refs/heads/%s\ncommitter %s <%s> %d +0000\ndata %d\n%s\n' \
        "$branch" "$GIT_COMMITTER_NAME" "$GIT_COMMITTER_EMAIL" "$(date +%s)" "${#msg}" "$msg"
    if git --git-dir="$repo" rev-parse -q --verify "refs/heads/$branch^{commit}" >/dev/null; then
        printf 'from refs/heads/%s^0\n' "$branch"
    fi
}

_fast_import() {  # REPO < stream
    git --git-dir="$1" fast-import --quiet --force >/dev/null || fail "git fast-import into $1 failed"
}

# make_webcore_apps OUT.git APP...: a bare repository, default branch main, one
# commit holding the canon's six files per app; dev and prod release the
# same image (registry.example.com/web/web-APP, tag 1.0.0): nothing pending.
make_webcore_apps() {
    local out="$1"
    shift
    git init -q --bare -b main "$out"
    {
        _fi_commit_header "$out" main "web-core: canon layout for $# apps"
        _fi_file deploy/charts/web/Chart.yaml $'apiVersion: v2\nname: web\nversion: 0.1.0\n'
        _fi_file deploy/charts/web/values.yaml $'replicaCount: 1\nimage:\n  repository: placeholder\n  tag: "0"\n'
        local app stage
        for app in "$@"; do
            for stage in dev prod; do
                _fi_file "deploy/env/release-$stage/$app.yaml" "$(release_yaml "registry.example.com/web/web-$app" 1.0.0)"$'\n'
                _fi_file "deploy/env/$stage/$app.yaml" "$(_webcore_env_layer "$app" "$stage")"$'\n'
                _fi_file "deploy/argocd/apps/$stage/$app.yaml" "$(_webcore_application "$app" "$stage")"$'\n'
            done
        done
    } | _fast_import "$out"
}

# make_webcore OUT.git N: apps app1..appN.
make_webcore() {
    local out="$1" n="$2" i apps=()
    for ((i = 1; i <= n; i++)); do apps+=("app$i"); done
    make_webcore_apps "$out" "${apps[@]}"
}

# webcore_write REPO BRANCH MSG PATH CONTENT [PATH CONTENT]...: one commit on
# BRANCH (a new root commit when BRANCH does not exist yet). CONTENT is written
# exactly as given (add the trailing newline yourself).
webcore_write() {
    local repo="$1" branch="$2" msg="$3"
    shift 3
    (($# % 2 == 0)) || fail "webcore_write: PATH CONTENT pairs expected"
    {
        _fi_commit_header "$repo" "$branch" "$msg"
        while (($#)); do
            _fi_file "$1" "$2"
            shift 2
        done
    } | _fast_import "$repo"
}

webcore_rm() {
    local repo="$1" branch="$2" msg="$3"
    shift 3
    {
        _fi_commit_header "$repo" "$branch" "$msg"
        local p
        for p in "$@"; do printf 'D %s\n' "$p"; done
    } | _fast_import "$repo"
}

webcore_release() {
    local repo="$1" branch="$2" app="$3" stage="$4" tag="$5"
    local repository="${6:-registry.example.com/web/web-$app}"
    webcore_write "$repo" "$branch" "release($stage): $app -> $tag [skip ci]" \
        "deploy/env/release-$stage/$app.yaml" "$(release_yaml "$repository" "$tag")"$'\n'
}

webcore_cat() { git --git-dir="$1" show "$2:$3"; }

expect_commit_count() {
    local n
    n="$(git --git-dir="$1" rev-list --count "refs/heads/$2")" || fail "no branch $2 in $1"
    expect_eq "$n" "$3" "commits on $2"
}

# expect_file_line REPO BRANCH PATH LINE: the file at the tip has exactly that line.
expect_file_line() {
    local text
    text="$(webcore_cat "$1" "refs/heads/$2" "$3")" || fail "no $3 at $2 of $1"
    if ! grep -qxF -- "$4" <<<"$text"; then
        printf -- '--- %s at %s:\n%s\n---\n' "$3" "$2" "$text" >&2
        fail "$3 at $2 has no line '$4'"
    fi
}

webcore_branch() { git --git-dir="$1" update-ref "refs/heads/$2" "refs/heads/$3"; }
webcore_default_branch() { git --git-dir="$1" symbolic-ref HEAD "refs/heads/$2"; }

# --- loopback servers -------------------------------------------------------
# await_server PID PORT_FILE STDERR_FILE WHAT: waits (5 s at most) until the
# server started in the background as PID has written its port, failing with
# its stderr if it dies first; kills it on exit.
await_server() {
    local pid="$1" port_file="$2" stderr="$3" what="$4" i
    on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
    for ((i = 0; i < 100; i++)); do
        [[ -s "$port_file" ]] && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$stderr" >&2; fail "$what died"; }
        sleep 0.05
    done
    fail "$what did not start"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_git_http ROOT: git smart HTTP (git http-backend behind a small python
# server) on a free port of 127.0.0.1, killed on exit. Sets GIT_HTTP_URL and
# GIT_HTTP_PID. Pushes are allowed (REMOTE_USER is set). Each request is
# appended to $E2E_TMP/http.log ("METHOD PATH?QUERY STATUS").
# _start_git_http_server LOG_NAME ROOT [USER:PASSWORD...]: starts
# git_http_server.py, killed on exit; sets _HTTP_PID and _HTTP_URL.
_start_git_http_server() {
    local name="$1" root="$2" port_file="$E2E_TMP/.$1-port.$RANDOM"
    shift 2
    local backend
    backend="$(git --exec-path)/git-http-backend"
    [[ -x "$backend" ]] || { echo "SKIP: git-http-backend not found" >&2; exit 77; }
    python3 "$E2E_LIB_DIR/git_http_server.py" "$root" "$backend" "$port_file" \
        "$E2E_TMP/$name.log" "$@" >>"$E2E_TMP/$name.stderr" 2>&1 &
    _HTTP_PID=$!
    await_server "$_HTTP_PID" "$port_file" "$E2E_TMP/$name.stderr" "git http server ($name)"
    _HTTP_URL="http://127.0.0.1:$(cat "$port_file")"
}

start_git_http() {
    _start_git_http_server http "$1"
    # shellcheck disable=SC2034  # for the test that sources this file
    GIT_HTTP_PID=$_HTTP_PID GIT_HTTP_URL=$_HTTP_URL
}

# --- helpers of the write-command tests (release, promote, history, ...) -----
#   commit_count REPO BRANCH                prints the number of commits on BRANCH
#   branch_tip REPO BRANCH                  prints the commit BRANCH points at
#   expect_blob REPO REV PATH CONTENT       the file at REV is exactly CONTENT
#                                           (byte for byte, trailing newline too)
#   json_get FILE_OR_TEXT PYTHON_EXPR       prints the value of EXPR over `d`
#                                           (strings as they are, the rest as JSON)
#   install_hook REPO NAME SCRIPT           writes an executable server-side hook
#   start_git_http_auth ROOT USER:PASSWORD...
#                                           like start_git_http, but every request
#                                           needs HTTP basic auth with one of the
#                                           given pairs (else 401). Sets
#                                           GIT_HTTP_AUTH_URL and GIT_HTTP_AUTH_PID;
#                                           logs "METHOD PATH STATUS USER" per request
#                                           to $E2E_TMP/http-auth.log (never a password).

commit_count() { git --git-dir="$1" rev-list --count "refs/heads/$2"; }

branch_tip() { git --git-dir="$1" rev-parse --verify -q "refs/heads/$2^{commit}"; }

expect_blob() {
    local repo="$1" rev="$2" path="$3" want="$4" got_file="$E2E_TMP/.blob.$RANDOM"
    git --git-dir="$repo" cat-file blob "$rev:$path" >"$got_file" 2>/dev/null || fail "no $path at $rev of $repo"
    if ! printf '%s' "$want" | cmp -s - "$got_file"; then
        {
            echo "--- $path at $rev: expected (od -c)"
            printf '%s' "$want" | od -c
            echo "--- actual (od -c)"
            od -c "$got_file"
        } >&2
        rm -f "$got_file"
        fail "$path at $rev is not byte-exact"
    fi
    rm -f "$got_file"
}

json_get() {
    local src="$1" expr="$2" text
    if [[ -f "$src" ]]; then text="$(cat "$src")"; else text="$src"; fi
    printf '%s' "$text" | python3 -c '
import json, sys
v = eval(sys.argv[1], {"d": json.load(sys.stdin)})
print(v if isinstance(v, str) else json.dumps(v))
' "$expr" || fail "json_get: cannot evaluate $expr"
}

install_hook() {
    local repo="$1" name="$2" script="$3"
    printf '%s\n' "$script" >"$repo/hooks/$name"
    chmod +x "$repo/hooks/$name"
}

start_git_http_auth() {
    local root="$1"
    shift
    _start_git_http_server http-auth "$root" "$@"
    # shellcheck disable=SC2034  # for the test that sources this file
    GIT_HTTP_AUTH_PID=$_HTTP_PID GIT_HTTP_AUTH_URL=$_HTTP_URL
}

# start_sandbox DIR FLAGS...: `kanon sandbox up --dir DIR FLAGS...` (brought
# down on exit), its environment (ARGOCD_*, KANON_SANDBOX_*) exported; sets
# REPO, the sandbox's web-core URL, and BARE, its bare repository.
start_sandbox() {
    local dir="$1"
    shift
    on_exit "\"\$KANON\" sandbox down --dir $(printf %q "$dir") >/dev/null 2>&1"
    "$KANON" sandbox up --dir "$dir" "$@" >/dev/null || fail "sandbox up failed"
    eval "$("$KANON" sandbox env --dir "$dir")"
    REPO="$KANON_SANDBOX_REPO"
    BARE="$dir/git/web-core.git"
}

# release_tag APP STAGE: the tag in APP's release-STAGE file on $BARE's main.
release_tag() { webcore_cat "$BARE" main "deploy/env/release-$2/$1.yaml" | sed -n 's/^  tag: "*\([^"]*\)"*$/\1/p'; }
