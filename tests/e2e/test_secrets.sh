# shellcheck shell=bash
# Secrets hygiene, end to end: no token, password or URL userinfo ever shows
# in anything kanon writes, and TLS is verified by default everywhere.
#
# The test plants distinctive secrets: the sandbox's Argo CD token
# (ARGOCD_AUTH_TOKEN, and --argocd-token), wrong Argo CD tokens (env and
# flag), git tokens (KANON_GIT_TOKEN, CI_JOB_TOKEN, and GITHUB_TOKEN /
# GITLAB_TOKEN which kanon does not read), passwords in URL userinfo (--repo,
# --argocd-server, --url; one with characters that must be percent-encoded),
# and plaintext secrets in web-core's values and the platform repo (which
# `check` must report without repeating). Then it runs every command —
# status, history, release, promote, reset, rollback, freeze, unfreeze, wait,
# sync, smoke, pipeline, verify-build, ci, check, explain, init, yaml,
# sandbox, demo — on success paths and on failure paths (a wrong password, a
# port where nothing listens, a missing repository, a declined push, a wrong
# Argo CD token, TLS to a plain-HTTP port, usage errors), with -v and with
# -o json and every report file (--junit, --dotenv, --codeclimate, a
# --cache-dir), over the sandbox's git behind HTTP basic auth.
#
# After every run, everything it left is scanned: stdout, stderr, its report
# files, the files it wrote, $TMPDIR, and the command lines kanon gave git
# (visible to every local user in ps). A scan looks for each secret, its
# percent-encoded and base64 forms (at any alignment), and any
# scheme://user:password@ pattern. At the end the same scan covers web-core's
# whole history (messages, trailers, patches), the sandbox's and the demo's
# logs, the clone cache, HOME and TMPDIR. Every hit is listed (run, command
# with the secrets masked, file, text around it), then the test fails.
#
# The scan is only worth something if the secrets were used: each failure
# path asserts its documented exit code (CLI.md) and its message (git's
# "Authentication failed", a 401, the closed port, the server's refusal), and
# the git server's log shows the pushes made with each credential.
#
# TLS: a self-signed certificate (openssl; that part is skipped without it)
# on python TLS proxies in front of the sandbox's Argo CD, git server and a
# site. smoke, wait --http, wait/sync/release --wait/pipeline through Argo
# CD, and git fetch/push over https must all fail with a certificate error;
# with the documented trust flags (--ca, --argocd-ca, --insecure; git's own
# GIT_SSL_CAINFO) they pass, so the failures were about trust only; a
# trusted certificate for the wrong name still fails.
#
# Set E2E_KEEP=1 to keep the run directories ($E2E_TMP/runs/NNN/).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

T0="$(date +%s)"
step() { echo "--- [$(($(date +%s) - T0))s] $*" >&2; }

HAVE_OPENSSL=1
command -v openssl >/dev/null 2>&1 || HAVE_OPENSSL=0

# --- the secrets ------------------------------------------------------------------
SECRETS="$E2E_TMP/.secrets"   # NAME<TAB>VALUE, one a line
LEAKS="$E2E_TMP/leaks"         # one line per hit
: >"$SECRETS"
: >"$LEAKS"
add_secret() { printf '%s\t%s\n' "$1" "$2" >>"$SECRETS"; }

ARGO_WRONG="argoWrongTok.Zt5nW8yB3cH6kQ"     # ARGOCD_AUTH_TOKEN that Argo CD refuses
ARGO_FLAG="argoFlagTok.Qm7xK2pL9vR4sD"       # --argocd-token that Argo CD refuses
GIT_TOKEN="glpat-kGitTok4fJ8qL2mX9wE"         # KANON_GIT_TOKEN (user oauth2)
GIT_TOKEN_WRONG="glpat-kWrongTok7Hc3Vb5Nm"    # a KANON_GIT_TOKEN the git server refuses
CI_TOKEN="ciJobTok-8sD3kP6wQ1zNvB"            # CI_JOB_TOKEN (user gitlab-ci-token)
GH_TOKEN="ghp_kanonGhTok7Yv2Lm5Nq8Rt0"        # GITHUB_TOKEN: kanon does not read it
GL_TOKEN="glpat-kanonGlTok3Hx6Jw9Kc"          # GITLAB_TOKEN: kanon does not read it
URL_PASS="S3cretPass-Url7Hq2Wz"               # http://bot:URL_PASS@ (web-core)
URL_PASS2='S3cret+Pass/2@q:Zx'                # bot2's, percent-encoded in the URL
WRONG_PASS="WrongPass-9Lk4TzYp"               # a password the git server refuses
ARGO_URL_PASS="ArgoUrlPass-6Rb3FxNm"          # userinfo in --argocd-server
SITE_PASS="SitePass-2Gm8VqTy"                 # userinfo in --url (smoke, wait --http)
VALUES_PASS="ValuesPw-9fK2mQzRx7"             # plaintext in web-core's values (check finds it)
VALUES_TOKEN="glpat-ValuesTok1234567890ab"    # plaintext token in web-core's values
VALUES_URL_PASS="PgLeakPw-77xQvT"             # postgres://app:VALUES_URL_PASS@ in the values
PLATFORM_PASS="PlatformPw-3Jd8Kq2Wn"          # an unencrypted Secret of the platform repo
for name in ARGO_WRONG ARGO_FLAG GIT_TOKEN GIT_TOKEN_WRONG CI_TOKEN GH_TOKEN GL_TOKEN URL_PASS URL_PASS2 \
    WRONG_PASS ARGO_URL_PASS SITE_PASS VALUES_PASS VALUES_TOKEN VALUES_URL_PASS PLATFORM_PASS; do
    add_secret "$name" "${!name}"
done
URL_PASS2_ENC="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$URL_PASS2")"

# The tokens a CI job has in its environment, for every run.
export KANON_GIT_TOKEN="$GIT_TOKEN" CI_JOB_TOKEN="$CI_TOKEN" GITHUB_TOKEN="$GH_TOKEN" GITLAB_TOKEN="$GL_TOKEN"

# --- the scanner --------------------------------------------------------------------
SCAN="$E2E_TMP/scan.py"
cat >"$SCAN" <<'EOF'
"""scan.py SECRETS LEAKS: a server, one request a line on stdin (see serve()).

scan PATH...: every regular file under each PATH (a run directory's dot files are
its bookkeeping, not kanon's output) is searched for each secret, as is, its
percent-encodings, its base64 (standard and URL-safe, at each of the three
alignments it can have inside a longer text) and for a URL with a password
(scheme://user:password@). Each hit is appended to LEAKS as one line."""
import base64, os, re, sys, urllib.parse

def load(path):
    out = []
    for line in open(path, encoding="utf-8"):
        name, _, value = line.rstrip("\n").partition("\t")
        if value:
            out.append((name, value))
    return out

def forms(value):
    raw = value.encode()
    found = {raw: "as is"}
    for safe in ("", "/", ":@"):
        for q in (urllib.parse.quote(value, safe=safe), urllib.parse.quote_plus(value, safe=safe)):
            q = q.encode()
            for v in (q, re.sub(rb"%[0-9A-F]{2}", lambda m: m.group(0).lower(), q)):
                found.setdefault(v, "percent-encoded")
    for k in range(3):
        for enc, what in ((base64.b64encode, "base64"), (base64.urlsafe_b64encode, "base64url")):
            e = enc(b"\0" * k + raw)
            inner = e[4 if k else 0:((k + len(raw)) // 3) * 4]
            if len(inner) >= 8:
                found.setdefault(inner, what)
    return found

USERINFO = re.compile(rb"[A-Za-z][A-Za-z0-9+.-]*://([^\s/?#@'\"<>()\[\]{}]*):([^\s/?#@'\"<>()\[\]{}]+)@")

def masked(text, secrets):
    for name, value in secrets:
        for f in forms(value):
            text = text.replace(f, b"<" + name.encode() + b">")
    return text

def label(rundir, secrets):
    try:
        argv = open(os.path.join(rundir, ".argv"), "rb").read().strip()
    except OSError:
        return os.path.basename(rundir)
    kanon = os.environ.get("KANON", "")
    if kanon:
        argv = argv.replace(kanon.encode(), b"kanon")
    return "run %s: %s" % (os.path.basename(rundir), masked(argv, secrets).decode(errors="replace"))

def context(data, start, end, secrets):
    a, b = max(0, start - 70), min(len(data), end + 70)
    text = masked(data[a:b], secrets).decode(errors="replace")
    return text.replace("\n", "\u23ce")

def files(path):
    if os.path.isfile(path):
        yield path
        return
    for root, dirs, names in os.walk(path):
        dirs.sort()
        for n in sorted(names):
            if root == path and n.startswith(".") and os.path.exists(os.path.join(path, ".argv")):
                continue
            p = os.path.join(root, n)
            if os.path.isfile(p) and not os.path.islink(p):
                yield p

def scan(secrets, leaks, paths, echo=True):
    run = label(paths[0], secrets) if paths and os.path.isdir(paths[0]) else "final scan"
    table = [(name, f, how) for name, value in secrets for f, how in forms(value).items()]
    hits = []
    for path in paths:
        if not os.path.exists(path):
            continue
        for p in files(path):
            try:
                data = open(p, "rb").read()
            except OSError:
                continue
            where = os.path.relpath(p, os.path.dirname(path.rstrip("/")))
            seen = set()
            for name, f, how in table:
                i = data.find(f)
                if i >= 0 and (name, i) not in seen:
                    seen.add((name, i))
                    hits.append("LEAK [%s] %s: %s (%s) at byte %d: ...%s..." % (
                        run, where, name, how, i, context(data, i, i + len(f), secrets)))
            for m in USERINFO.finditer(data):
                password = m.group(2)
                if not re.search(rb"[A-Za-z0-9]", password) or password[:1] in (b"$", b"{", b"%", b"<"):
                    continue  # '...:...@' in a message, ${VAR}, <SECRET>: no password
                if masked(m.group(0), secrets) != m.group(0):
                    continue  # already reported as the secret it is
                hits.append("LEAK [%s] %s: a password in a URL at byte %d: ...%s..." % (
                    run, where, m.start(), context(data, m.start(), m.end(), secrets)))
    with open(leaks, "a") as out:
        for h in hits:
            out.write(h + "\n")
            if echo:
                print(h, file=sys.stderr)

def serve(secrets_file, leaks):
    """One request a line on stdin, fields split by \x1f; one answer a line."""
    import json
    for line in sys.stdin:
        req = line.rstrip("\n").split("\x1f")
        secrets = load(secrets_file)
        answer = "ok"
        try:
            if req[0] == "scan":        # scan LEAKS PATH...
                scan(secrets, req[1] or leaks, req[2:], echo=not req[1])
            elif req[0] == "mask":      # mask FILE OUT
                with open(req[2], "wb") as out:
                    out.write(masked(open(req[1], "rb").read(), secrets))
            elif req[0] == "label":     # label RUNDIR OUT
                with open(req[2], "w") as out:
                    out.write(label(req[1], secrets))
            elif req[0] in ("json", "get"):  # json FILE EXPR | get FILE EXPR OUT
                v = eval(req[2], {"d": json.load(open(req[1]))})
                if req[0] == "json" and not v:
                    answer = "fail\x1ffalse"
                elif req[0] == "get":
                    with open(req[3], "w") as out:
                        out.write(v if isinstance(v, str) else json.dumps(v))
            else:
                answer = "fail\x1funknown request " + req[0]
        except Exception as e:
            answer = "fail\x1f" + (type(e).__name__ + ": " + str(e)).replace("\n", " ")
        print(answer, flush=True)

serve(sys.argv[1], sys.argv[2])
EOF

# --- git's command lines --------------------------------------------------------------
# kanon's runs find this git first: it notes its arguments (what ps shows to
# every user of the machine) in $KANON_E2E_ARGV_LOG, then runs the real git.
REAL_GIT="$(command -v git)"
mkdir -p "$E2E_TMP/shim"
cat >"$E2E_TMP/shim/git" <<EOF
#!/bin/sh
if [ -n "\${KANON_E2E_ARGV_LOG:-}" ]; then printf 'git %s\n' "\$*" >>"\$KANON_E2E_ARGV_LOG"; fi
exec "$REAL_GIT" "\$@"
EOF
chmod +x "$E2E_TMP/shim/git"
export PATH="$E2E_TMP/shim:$PATH"

# --- runs ------------------------------------------------------------------------------
# newrun: a fresh run directory $R (for the report files of the next krun);
# krun CODE CMD...: runs CMD (kanon, or env ... kanon) as run $R: stdout and
# stderr in $R (and $OUT, $ERR), git's command lines in $R/git-command-lines;
# scans $R, $TMPDIR and the paths in SCAN_EXTRA; then the exit code must be
# CODE. RUNS counts the runs per command for the summary.
RUN_N=0
SCAN_EXTRA=()
declare -A RUNS=()
newrun() {
    RUN_N=$((RUN_N + 1))
    R="$E2E_TMP/runs/$(printf %03d "$RUN_N")"
    mkdir -p "$R"
}
newrun

# caller_line: the line of the test that called the helpers below.
caller_line() {
    local i
    for ((i = 1; i < ${#FUNCNAME[@]}; i++)); do
        case "${FUNCNAME[$i]}" in
        jcheck | jget | json_failed | krun | tls_error | tls_refused | show | run_label) ;;
        *) echo "${BASH_LINENO[$((i - 1))]}" && return ;;
        esac
    done
}

# The scanner answers every run's requests in one process (a python start
# per run would cost more than the runs). Not from a $(...): a subshell has
# no coproc descriptors.
coproc SCANNER { exec python3 -S -u "$SCAN" "$SECRETS" "$LEAKS"; }
on_exit "kill $SCANNER_PID 2>/dev/null; wait $SCANNER_PID 2>/dev/null"
ask() {  # FIELD...: one request; the answer in $ANSWER
    local IFS=$'\x1f'
    printf '%s\n' "$*" >&"${SCANNER[1]}"
    IFS= read -r ANSWER <&"${SCANNER[0]}" || fail "the scanner died"
}
scan() {  # PATH...: hits go to $LEAKS (and stderr)
    ask scan "" "$@"
    [[ "$ANSWER" == ok ]] || fail "scan: ${ANSWER#fail?}"
}
show() {  # FILE: prints FILE to stderr, the secrets masked
    ask mask "$1" "$E2E_TMP/.masked"
    cat "$E2E_TMP/.masked" >&2
}
run_label() {  # sets LABEL: the run $R's command line, masked
    ask label "$R" "$E2E_TMP/.label"
    LABEL="$(cat "$E2E_TMP/.label")"
}
jcheck() {  # FILE EXPR: EXPR (python, over the parsed JSON `d`) is true
    ask json "$1" "$2"
    if [[ "$ANSWER" != ok ]]; then
        local why="${ANSWER#fail?}"
        echo "--- $1:" >&2
        show "$1"
        fail "line $(caller_line): JSON check failed: $2 ($why)"
    fi
}
jget() {  # FILE EXPR: the value in $JVAL (strings as they are, the rest as JSON)
    ask get "$1" "$2" "$E2E_TMP/.jget"
    [[ "$ANSWER" == ok ]] || fail "cannot evaluate $2 over $1: ${ANSWER#fail?}"
    JVAL="$(cat "$E2E_TMP/.jget")"
}

krun() {
    local want="$1" rc=0 a sub=""
    shift
    [[ -e "$R/.argv" ]] && newrun
    printf '%q ' "$@" >"$R/.argv"
    local t0=$EPOCHREALTIME
    KANON_E2E_ARGV_LOG="$R/git-command-lines" "$@" >"$R/stdout" 2>"$R/stderr" </dev/null || rc=$?
    echo "$t0 $EPOCHREALTIME" >"$R/.time"
    OUT="$(cat "$R/stdout")" ERR="$(cat "$R/stderr")"
    scan "$R" "$TMPDIR" "${SCAN_EXTRA[@]}"
    SCAN_EXTRA=()
    for a in "$@"; do  # the subcommand: the first word after kanon that is not a flag or its value
        if [[ -n "$sub" ]]; then
            [[ "$a" == -* || "$a" == json || "$a" == text ]] && continue
            sub="$a"
            break
        fi
        [[ "$a" == "$KANON" ]] && sub=" "
    done
    RUNS[$sub]=$((${RUNS[$sub]:-0} + 1))
    if [[ "$rc" != "$want" ]]; then
        echo "--- stdout:" >&2
        show "$R/stdout"
        echo "--- stderr:" >&2
        show "$R/stderr"
        run_label
        fail "line $(caller_line): $LABEL: exited $rc, expected $want"
    fi
}

# json_failed CODE: the run's stdout is the JSON document of a failure (with
# exit_code CODE where it has one) that says why.
json_failed() {
    jcheck "$R/stdout" "d[\"ok\"] is False and d.get(\"exit_code\", $1) == $1 and bool((d.get(\"error\") or {}).get(\"message\") or d.get(\"reason\"))"
}

# The scanner itself: it finds a secret in Basic auth, percent-encoded, and a
# password in a URL; it does not flag the redacted forms or ${VARIABLES}.
mkdir -p "$E2E_TMP/canary"
printf 'Authorization: Basic %s\n' "$(printf 'bot:%s' "$URL_PASS" | base64)" >"$E2E_TMP/canary/basic-auth"
printf 'remote: http://bot2:%s@example.com/x.git\n' "$URL_PASS2_ENC" >"$E2E_TMP/canary/encoded"
printf '{"url": "postgres://app:hunter2xyz@db/app"}\n' >"$E2E_TMP/canary/userinfo"
# shellcheck disable=SC2016  # a literal ${CI_JOB_TOKEN}, as a CI file has it
printf '%s\n' 'http://***@127.0.0.1:1/x.git https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.example.com/x.git' \
    'a password in a URL (postgres://…:…@…) in plain text' >"$E2E_TMP/canary/clean"
ask scan "$E2E_TMP/canary.leaks" "$E2E_TMP/canary"
[[ "$ANSWER" == ok ]] || fail "the scanner failed: $ANSWER"
for want in "canary/basic-auth: URL_PASS (base64)" "canary/encoded: URL_PASS2 (percent-encoded)" \
    "canary/userinfo: a password in a URL"; do
    grep -qF "$want" "$E2E_TMP/canary.leaks" || { cat "$E2E_TMP/canary.leaks" >&2; fail "the scanner missed '$want'"; }
done
if grep -F "canary/clean" "$E2E_TMP/canary.leaks" >&2; then fail "the scanner flags text without a secret"; fi

# ==========================================================================================
step "sandbox up / env / status (the sandbox's git behind HTTP basic auth for kanon)"
SB="$E2E_TMP/sb"
# shellcheck disable=SC2016  # expanded when it runs
on_exit '"$KANON" sandbox down --dir "$SB" >/dev/null 2>&1'
krun 0 "$KANON" -v sandbox up --dir "$SB" --apps 2 --poll 1s --sync-time 200ms --rollout 300ms --progress-deadline 1s
krun 0 "$KANON" sandbox env --dir "$SB"
eval "$OUT"
ARGO_TOKEN="$ARGOCD_AUTH_TOKEN"
[[ ${#ARGO_TOKEN} -ge 20 ]] || fail "the sandbox's token is too short to scan for: '$ARGO_TOKEN'"
add_secret ARGO_TOKEN "$ARGO_TOKEN"
ARGO_PLAIN="$ARGOCD_SERVER"   # HOST:PORT, plain HTTP
krun 0 "$KANON" -v sandbox status --dir "$SB"
expect_contains "$OUT" "synestra-io"
krun 0 "$KANON" -o json sandbox status --dir "$SB"
jget "$SB/sandbox.json" "d['sites']['synestra-io']['dev']"
SITE_DEV="$JVAL"
BARE="$SB/git/web-core.git"
[[ -d "$BARE" ]] || fail "no $BARE"

start_git_http_auth "$SB/git" "bot:$URL_PASS" "bot2:$URL_PASS2" "oauth2:$GIT_TOKEN" "gitlab-ci-token:$CI_TOKEN"
AUTH="${GIT_HTTP_AUTH_URL#http://}"
AUTH_LOG="$E2E_TMP/http-auth.log"
REPO_PW="http://bot:$URL_PASS@$AUTH/web-core.git"              # the password in the URL
REPO_PW2="http://bot2:$URL_PASS2_ENC@$AUTH/web-core.git"       # a percent-encoded one
REPO_TOK="$GIT_HTTP_AUTH_URL/web-core.git"                     # KANON_GIT_TOKEN / CI_JOB_TOKEN
DEAD="$(free_port)"                                             # nothing listens there
tip() { branch_tip "$BARE" main; }
pushes_by() { grep -c "^POST /web-core.git/git-receive-pack 200 $1\$" "$AUTH_LOG" 2>/dev/null || true; }

# Two parts (E2E_PART): a (every command on its success paths, usage errors,
# the directory commands and the demo) and b (the git, Argo CD and site
# failure matrices and TLS); both scan everything at the end.
CACHE="$E2E_TMP/cache"
BASE="$(tip)"
if part a; then
# The demo runs meanwhile (about half a minute, mostly waiting), with every
# secret in its environment (also this sandbox's ARGOCD_*: it must use its own).
DEMO_R="$R.demo"
mkdir -p "$DEMO_R" "$E2E_TMP/demo-tmp"
printf '%q ' "$KANON" -v demo --dir "$E2E_TMP/demo" >"$DEMO_R/.argv"
TMPDIR="$E2E_TMP/demo-tmp" KANON_E2E_ARGV_LOG="$DEMO_R/git-command-lines" \
    "$KANON" -v demo --dir "$E2E_TMP/demo" >"$DEMO_R/stdout" 2>"$DEMO_R/stderr" </dev/null &
DEMO_PID=$!
on_exit "kill $DEMO_PID 2>/dev/null; wait $DEMO_PID 2>/dev/null; \"\$KANON\" sandbox down --dir \"\$E2E_TMP/demo/sandbox\" >/dev/null 2>&1"

# ==========================================================================================
fi

if part a; then
step "branch commands with the password in --repo: status, release, history, promote, rollback, reset"
krun 0 "$KANON" -v status --repo "$REPO_PW"
expect_contains "$OUT" "synestra-io"
krun 0 "$KANON" -v -o json status --repo "$REPO_PW"
jcheck "$R/stdout" 'sorted(a["app"] for a in d["apps"]) == ["nordwind-shop", "synestra-io"]'
BASE="$(tip)"
krun 0 "$KANON" -v -o json release synestra-io --tag 2026.12.1 --source-ref "$BASE" --repo "$REPO_PW"
jcheck "$R/stdout" 'd["changed"] is True and d["tag"] == "2026.12.1"'
jget "$R/stdout" 'd["commit"]'
expect_eq "$JVAL" "$(tip)" "the release's commit is the tip (it landed)"
expect_eq "$(pushes_by bot)" 1 "pushes as bot (the URL's password)"
expect_eq "$(release_tag synestra-io dev)" "2026.12.1" "dev release file"
krun 0 "$KANON" -v history synestra-io --repo "$REPO_PW"
expect_contains "$OUT" "2026.12.1"
krun 0 "$KANON" -v -o json history synestra-io --repo "$REPO_PW"
jcheck "$R/stdout" 'any(e.get("tag") == "2026.12.1" for e in d["entries"])'
krun 0 "$KANON" -v -o json promote synestra-io --repo "$REPO_PW"
jcheck "$R/stdout" 'd["changed"] is True and d["tag"] == "2026.12.1" and d["stage"] == "prod"'
krun 0 "$KANON" -v promote synestra-io --repo "$REPO_PW"   # nothing to change
krun 0 "$KANON" -v release synestra-io --tag 2026.12.11 --repo "$REPO_PW"
krun 0 "$KANON" -v promote synestra-io --repo "$REPO_PW"
krun 0 "$KANON" -v -o json rollback synestra-io --steps 1 --repo "$REPO_PW"
jcheck "$R/stdout" 'd["changed"] is True and d["tag"] == "2026.12.1"'
krun 0 "$KANON" -v -o json reset synestra-io --repo "$REPO_PW"
jcheck "$R/stdout" 'd["changed"] is True'
expect_eq "$(release_tag synestra-io dev)" "$(release_tag synestra-io prod)" "dev after reset"
expect_eq "$(pushes_by bot)" 6 "pushes as bot"

step "freeze / unfreeze with the password in --repo; a frozen stage refuses (exit 4)"
krun 0 "$KANON" -v -o json freeze nordwind-shop --stage prod --reason "change freeze until Monday" --repo "$REPO_PW"
jcheck "$R/stdout" 'd["changed"] is True'
krun 4 "$KANON" -v promote nordwind-shop --repo "$REPO_PW"
expect_contains "$ERR" "frozen"
krun 4 "$KANON" -v -o json release nordwind-shop --stage prod --tag 2026.12.0 --hotfix e2e --repo "$REPO_PW"
json_failed 4
krun 0 "$KANON" -v unfreeze nordwind-shop --stage prod --repo "$REPO_PW"
krun 0 "$KANON" -v -o json unfreeze nordwind-shop --stage prod --repo "$REPO_PW"   # already lifted

step "a percent-encoded password, KANON_GIT_TOKEN, CI_JOB_TOKEN: each one pushes"
krun 0 "$KANON" -v -o json release nordwind-shop --tag 2026.12.2 --repo "$REPO_PW2"
jcheck "$R/stdout" 'd["changed"] is True'
expect_eq "$(pushes_by bot2)" 1 "pushes as bot2 (the percent-encoded password)"
krun 0 "$KANON" -v -o json release nordwind-shop --tag 2026.12.3 --repo "$REPO_TOK"
jcheck "$R/stdout" 'd["changed"] is True'
expect_eq "$(pushes_by oauth2)" 1 "pushes as oauth2 (KANON_GIT_TOKEN)"
krun 0 env -u KANON_GIT_TOKEN "$KANON" -v -o json promote nordwind-shop --repo "$REPO_TOK"
jcheck "$R/stdout" 'd["changed"] is True and d["tag"] == "2026.12.3"'
expect_eq "$(pushes_by gitlab-ci-token)" 1 "pushes as gitlab-ci-token (CI_JOB_TOKEN)"
krun 0 env -u KANON_GIT_TOKEN "$KANON" -v history nordwind-shop --repo "$REPO_TOK"

step "--cache-dir with the password in --repo: the kept clone holds no secret"
CACHE="$E2E_TMP/cache"
SCAN_EXTRA=("$CACHE")
krun 0 "$KANON" -v -o json release synestra-io --tag 2026.12.4 --repo "$REPO_PW" --cache-dir "$CACHE"
jcheck "$R/stdout" 'd["changed"] is True'
SCAN_EXTRA=("$CACHE")
krun 0 "$KANON" -v history synestra-io --repo "$REPO_PW" --cache-dir "$CACHE"
SCAN_EXTRA=("$CACHE")
krun 0 "$KANON" -v -o json reset synestra-io --repo "$REPO_PW" --cache-dir "$CACHE"
SCAN_EXTRA=("$CACHE")
krun 0 env KANON_CACHE_DIR="$CACHE" "$KANON" -v verify-build --ref "$BASE" --tag 2026.12.80 --repo "$REPO_PW"
compgen -G "$CACHE/web-core-*.git" >/dev/null || fail "nothing was kept in $CACHE"

step "verify-build with the password in --repo: the contract holds (dotenv), a short ref (2), an absent ref (1)"
newrun
krun 0 "$KANON" -v -o json verify-build --ref "$BASE" --tag 2026.12.81 --app synestra-io --dotenv "$R/build.env" --repo "$REPO_PW"
grep -q '^KANON_TAG=2026.12.81$' "$R/build.env" || fail "verify-build wrote no dotenv: $(cat "$R/build.env" 2>&1)"
krun 2 "$KANON" -v verify-build --ref "${BASE:0:12}" --tag 2026.12.82 --repo "$REPO_PW"
krun 1 "$KANON" -v -o json verify-build --ref "$(printf 'ab%.0s' {1..20})" --tag 2026.12.83 --repo "$REPO_PW"
json_failed 1

# ==========================================================================================
step "Argo CD and the sites with the token in the environment: release --smoke, wait, sync, smoke"
krun 0 "$KANON" -v -o json wait synestra-io --stage dev --repo "$REPO_PW" --timeout 60s
jcheck "$R/stdout" 'd["ok"] is True'
krun 0 "$KANON" -v -o json release synestra-io --tag 2026.12.5 --repo "$REPO_PW" --smoke --timeout 60s
jcheck "$R/stdout" 'd["changed"] is True'
krun 0 "$KANON" -v -o json sync synestra-io --stage dev --wait --repo "$REPO_PW" --timeout 60s
krun 0 "$KANON" -v sync synestra-io --stage prod --repo "$REPO_PW" --timeout 60s
krun 0 "$KANON" -v -o json smoke synestra-io --stage dev --repo "$REPO_PW"
jcheck "$R/stdout" 'd["ok"] is True'
krun 0 "$KANON" -v smoke synestra-io --stage dev --repo "$REPO_PW"
SITE_PW="http://site:$SITE_PASS@${SITE_DEV#http://}"
krun 0 "$KANON" -v -o json smoke synestra-io --stage dev --url "$SITE_PW"
jcheck "$R/stdout" 'd["ok"] is True'
krun 0 "$KANON" -v -o json wait synestra-io --stage dev --http --url "$SITE_PW" --repo "$REPO_PW" --timeout 30s
jcheck "$R/stdout" 'd["ok"] is True'

step "the token as --argocd-token (not in the environment); a password in --argocd-server"
krun 0 env -u ARGOCD_AUTH_TOKEN "$KANON" -v wait synestra-io --stage dev --repo "$REPO_PW" --argocd-token "$ARGO_TOKEN" --timeout 60s
krun 0 env -u ARGOCD_AUTH_TOKEN "$KANON" -v -o json sync synestra-io --stage dev --wait --repo "$REPO_PW" --argocd-token "$ARGO_TOKEN" --timeout 60s
krun 0 "$KANON" -v -o json wait synestra-io --stage dev --repo "$REPO_PW" --argocd-server "http://admin:$ARGO_URL_PASS@$ARGO_PLAIN" --timeout 60s
jcheck "$R/stdout" 'd["ok"] is True'

step "pipeline with the password in --repo: JSON, JUnit, dotenv; the manual gate's command; a failed deploy (4)"
newrun
krun 0 "$KANON" -v -o json pipeline synestra-io --tag 2026.12.6 --ref "$BASE" --repo "$REPO_PW" --timeout 60s \
    --junit "$R/junit.xml" --dotenv "$R/deploy.env"
jcheck "$R/stdout" 'd["ok"] is True'
[[ -s "$R/junit.xml" && -s "$R/deploy.env" ]] || fail "the pipeline wrote no JUnit or dotenv"
expect_eq "$(release_tag synestra-io prod)" "2026.12.6" "prod after the pipeline"
newrun
krun 0 "$KANON" -v -o json pipeline nordwind-shop --tag 2026.12.7 --gate manual --repo "$REPO_PW" --timeout 60s \
    --junit "$R/junit.xml" --dotenv "$R/deploy.env"
[[ -s "$R/junit.xml" && -s "$R/deploy.env" ]] || fail "the pipeline wrote no JUnit or dotenv at the gate"
jget "$R/stdout" 'd["next"]'
NEXT="$JVAL"
expect_contains "$NEXT" "--repo $GIT_HTTP_AUTH_URL/web-core.git" "the gate's command (the URL without its password)"
newrun
krun 4 "$KANON" -v pipeline synestra-io --tag broken-8 --repo "$REPO_PW" --timeout 60s --degraded-grace 1s \
    --junit "$R/junit.xml" --dotenv "$R/deploy.env"
expect_contains "$OUT$ERR" "kanon reset synestra-io"
[[ -s "$R/junit.xml" && -s "$R/deploy.env" ]] || fail "a failed pipeline wrote no JUnit or dotenv"
newrun
krun 0 "$KANON" -v -o json reset synestra-io --sync --repo "$REPO_PW" --timeout 60s
BUILT="$(tip)"

step "verify-build: the tag was built from another ref (4)"
newrun
krun 4 "$KANON" -v -o json verify-build --ref "$BUILT" --tag 2026.12.6 --dotenv "$R/build.env" --repo "$REPO_PW"
json_failed 4

# ==========================================================================================
fi

if part b; then
step "git failures with secrets: a wrong password, a closed port, a missing repository, a wrong KANON_GIT_TOKEN"
# Every command that reads web-core, with -v and with -v -o json (all: the
# failures git words with the URL; some: the others).
ALL_GIT_CMDS=(
    "status" "history synestra-io" "release synestra-io --tag 9.9.1" "promote synestra-io"
    "reset synestra-io" "rollback synestra-io --steps 1" "freeze synestra-io --stage prod --reason x"
    "unfreeze synestra-io --stage prod" "verify-build --ref $BASE --tag 9.9.2"
    "pipeline synestra-io --tag 9.9.3 --timeout 10s" "smoke synestra-io --stage dev"
    "wait synestra-io --stage dev --timeout 10s" "release synestra-io --tag 9.9.4 --wait --timeout 10s")
SOME_GIT_CMDS=("status" "history synestra-io" "release synestra-io --tag 9.9.1" "verify-build --ref $BASE --tag 9.9.2"
    "pipeline synestra-io --tag 9.9.3 --timeout 10s")
git_failure_matrix() {  # all|some WHAT REPO EXPECTED-TEXT [env ...]
    local which="$1" what="$2" repo="$3" expected="$4" cmd
    shift 4
    local -a pre=("$@") cmds=("${ALL_GIT_CMDS[@]}")
    [[ "$which" == all ]] || cmds=("${SOME_GIT_CMDS[@]}")
    for cmd in "${cmds[@]}"; do
        local -a words
        read -r -a words <<<"$cmd"
        newrun
        local -a reports=()
        [[ "$cmd" == pipeline* ]] && reports=(--junit "$R/junit.xml" --dotenv "$R/deploy.env")
        krun 1 "${pre[@]}" "$KANON" -v "${words[@]}" --repo "$repo" "${reports[@]}"
        expect_contains "$ERR" "$expected" "stderr of '$cmd' ($what)"
        if [[ "$cmd" == pipeline* ]]; then
            [[ -s "$R/junit.xml" && -s "$R/deploy.env" ]] || fail "pipeline ($what) wrote no JUnit or dotenv"
        fi
        newrun
        [[ "$cmd" == pipeline* ]] && reports=(--junit "$R/junit.xml" --dotenv "$R/deploy.env")
        krun 1 "${pre[@]}" "$KANON" -v -o json "${words[@]}" --repo "$repo" "${reports[@]}"
        json_failed 1
    done
}
TIP_BEFORE="$(tip)"
git_failure_matrix all "wrong password" "http://bot:$WRONG_PASS@$AUTH/web-core.git" "Authentication failed"
grep -q "^GET /web-core.git/info/refs?service=git-upload-pack 401 bot\$" "$AUTH_LOG" ||
    fail "the git server never refused bot's wrong password"
git_failure_matrix all "closed port" "http://bot:$URL_PASS@127.0.0.1:$DEAD/web-core.git" "127.0.0.1:$DEAD"
git_failure_matrix some "missing repository" "http://bot:$URL_PASS@$AUTH/missing.git" "not found"
git_failure_matrix some "wrong KANON_GIT_TOKEN" "$REPO_TOK" "Authentication failed" env KANON_GIT_TOKEN="$GIT_TOKEN_WRONG"
grep -q " 401 oauth2\$" "$AUTH_LOG" || fail "the git server never refused the wrong KANON_GIT_TOKEN"
expect_eq "$(tip)" "$TIP_BEFORE" "web-core after the failures"

fi

if part a; then
step "a declined push with the password in --repo: exit 1 with the server's words, nothing changed"
TIP_BEFORE="$(tip)"
install_hook "$BARE" pre-receive $'#!/bin/sh\necho "protected branch: releases need approval" >&2\nexit 1'
for cmd in "-v release synestra-io --tag 9.9.5" "-v -o json release synestra-io --tag 9.9.5" \
    "-v -o json promote nordwind-shop --tag 2026.12.7" "-v rollback synestra-io --steps 1" \
    "-v -o json freeze synestra-io --stage prod --reason x"; do
    read -r -a words <<<"$cmd"
    krun 1 "$KANON" "${words[@]}" --repo "$REPO_PW"
    expect_contains "$ERR" "protected branch: releases need approval" "stderr of a declined '$cmd'"
    [[ "$cmd" != *json* ]] || json_failed 1
done
newrun
krun 1 "$KANON" -v -o json pipeline synestra-io --tag 9.9.6 --repo "$REPO_PW" --timeout 10s \
    --junit "$R/junit.xml" --dotenv "$R/deploy.env"
expect_contains "$OUT" "protected branch: releases need approval" "the pipeline's JSON"
rm -f "$BARE/hooks/pre-receive"
expect_eq "$(tip)" "$TIP_BEFORE" "web-core after the declined pushes"

# ==========================================================================================
fi

if part b; then
step "Argo CD failures with secrets: a wrong token (env, flag), a closed port (with a password in it)"
WRONG_ENV=(env ARGOCD_AUTH_TOKEN="$ARGO_WRONG")
krun 1 "${WRONG_ENV[@]}" "$KANON" -v wait synestra-io --stage dev --repo "$REPO_PW" --timeout 20s
expect_contains "$ERR" "not authenticated"
krun 1 "${WRONG_ENV[@]}" "$KANON" -v -o json sync synestra-io --stage dev --wait --repo "$REPO_PW" --timeout 20s
json_failed 1
krun 1 "${WRONG_ENV[@]}" "$KANON" -v -o json reset synestra-io --sync --repo "$REPO_PW" --timeout 20s
newrun
krun 1 "${WRONG_ENV[@]}" "$KANON" -v pipeline nordwind-shop --tag 2026.12.7 --repo "$REPO_PW" --timeout 20s \
    --junit "$R/junit.xml" --dotenv "$R/deploy.env"
expect_contains "$OUT$ERR" "not authenticated"
FLAG_ONLY=(env -u ARGOCD_AUTH_TOKEN)
krun 1 "${FLAG_ONLY[@]}" "$KANON" -v -o json wait synestra-io --stage dev --repo "$REPO_PW" --timeout 20s --argocd-token "$ARGO_FLAG"
json_failed 1
expect_contains "$OUT" "not authenticated"
krun 1 "${FLAG_ONLY[@]}" "$KANON" -v sync synestra-io --stage dev --repo "$REPO_PW" --timeout 20s --argocd-token "$ARGO_FLAG"
expect_contains "$ERR" "not authenticated"
newrun
krun 1 "${FLAG_ONLY[@]}" "$KANON" -v -o json pipeline nordwind-shop --tag 2026.12.7 --repo "$REPO_PW" --timeout 20s \
    --junit "$R/junit.xml" --dotenv "$R/deploy.env" --argocd-token "$ARGO_FLAG"
json_failed 1
grep -q ' 401' "$SB/argocd.log" || fail "the sandbox's Argo CD never answered 401"
# Nothing listens: kanon retries until --timeout (5), as for any network error.
ARGO_DEAD_PW="http://admin:$ARGO_URL_PASS@127.0.0.1:$DEAD"
krun 5 "$KANON" -v wait synestra-io --stage dev --repo "$REPO_PW" --argocd-server "$ARGO_DEAD_PW" --timeout 2s
expect_contains "$OUT$ERR" "127.0.0.1 port $DEAD"
krun 5 "$KANON" -v -o json sync synestra-io --stage dev --repo "$REPO_PW" --argocd-server "$ARGO_DEAD_PW" --timeout 2s
json_failed 5
krun 5 "$KANON" -v -o json promote synestra-io --wait --repo "$REPO_PW" --argocd-server "127.0.0.1:$DEAD" --timeout 2s
jcheck "$R/stdout" 'd["ok"] is False and d["wait"]["outcome"] == "timed out"'

step "site failures with a password in --url: a closed port"
krun 4 "$KANON" -v -o json smoke synestra-io --stage dev --url "http://site:$SITE_PASS@127.0.0.1:$DEAD"
expect_contains "$OUT" "Couldn't connect to server"
krun 5 "$KANON" -v -o json wait synestra-io --stage dev --http --url "http://site:$SITE_PASS@127.0.0.1:$DEAD" \
    --repo "$REPO_PW" --timeout 2s
jcheck "$R/stdout" 'd["ok"] is False and d["outcome"] == "timed out"'

fi

if part a; then
step "usage errors (exit 2) with secrets on the command line"
krun 2 env -u ARGOCD_AUTH_TOKEN "$KANON" history synestra-io --repo "$REPO_PW" --argocd-token "$ARGO_FLAG"
krun 2 env -u ARGOCD_AUTH_TOKEN "$KANON" -o json status --repo "$REPO_PW" --argocd-token "$ARGO_FLAG"
krun 2 env -u ARGOCD_AUTH_TOKEN "$KANON" -v wait synestra-io --stage dev --repo "$REPO_PW" --argocd-token "$ARGO_FLAG" --timeout 5x
krun 2 env -u ARGOCD_AUTH_TOKEN "$KANON" -v wait synestra-io --stage dev --repo "$REPO_PW" --argcd-token "$ARGO_FLAG"
krun 2 "$KANON" -v release --tag 1.0.0 --repo "$REPO_PW"
krun 2 "$KANON" -v -o json releas synestra-io --tag 1.0.0 --repo "$REPO_PW"
krun 2 "$KANON" -v status --repo "$REPO_PW" --bogus-flag
krun 2 "$KANON" -v rollback synestra-io --to 1.0.0 --steps 1 --repo "$REPO_PW"
krun 2 "$KANON" -v pipeline synestra-io --tag 9.9.7 --ref "${BASE:0:12}" --repo "$REPO_PW"

# ==========================================================================================
step "directory commands: check (text, json, codeclimate), explain, init, yaml, ci"
CO="$E2E_TMP/checkout"
git clone -q "$KANON_SANDBOX_REPO" "$CO"
git -C "$CO" remote set-url origin "$REPO_PW"   # as a CI job clones: the credentials in origin
krun 0 "$KANON" -v check --dir "$CO"
newrun
krun 0 "$KANON" -v -o json check --dir "$CO" --codeclimate "$R/codequality.json"
krun 0 "$KANON" -v explain synestra-io --stage dev --dir "$CO"
krun 0 "$KANON" -o json explain synestra-io --stage prod --dir "$CO" image.tag
krun 1 "$KANON" -v explain nope --stage dev --dir "$CO"

# Plaintext secrets in web-core's values and in the platform repo: check
# reports them by rule, file and line, never by value.
DIRTY="$E2E_TMP/dirty"
cp -r "$CO" "$DIRTY"
sed -i "s|^  SYNESTRA_ENV: dev\$|&\n  DB_PASSWORD: \"$VALUES_PASS\"\n  API_TOKEN: $VALUES_TOKEN\n  DATABASE_URL: postgres://app:$VALUES_URL_PASS@db:5432/app|" \
    "$DIRTY/deploy/env/dev/synestra-io.yaml"
grep -q "DB_PASSWORD" "$DIRTY/deploy/env/dev/synestra-io.yaml" || fail "could not plant the values' secrets"
PLATFORM="$E2E_TMP/platform"
mkdir -p "$PLATFORM/secrets"
printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-synestra-io-dev-env\n  namespace: web-synestra-io-dev\nstringData:\n  PASSWORD: %s\n' \
    "$PLATFORM_PASS" >"$PLATFORM/secrets/plain.yaml"
newrun
krun 3 "$KANON" -v check --dir "$DIRTY" --platform "$PLATFORM" --codeclimate "$R/codequality.json"
expect_contains "$OUT" "secrets/plaintext"
expect_contains "$OUT" "platform/not-encrypted"
jcheck "$R/codequality.json" 'len([i for i in d if i["check_name"] == "secrets/plaintext"]) == 3'
krun 3 "$KANON" -v -o json check --dir "$DIRTY" --platform "$PLATFORM"
jcheck "$R/stdout" 'len([f for f in d["findings"] if f["rule"] == "secrets/plaintext"]) == 3'
krun 3 "$KANON" check --dir "$DIRTY" --format codeclimate --strict
# explain shows what Helm will see: a secret check reports must not be shown either.
krun 0 "$KANON" -v explain synestra-io --stage dev --dir "$DIRTY"
expect_contains "$OUT" "env.DB_PASSWORD"
krun 0 "$KANON" -o json explain synestra-io --stage dev --dir "$DIRTY" env

# init: the Applications' repoURL comes from --repo-url or the origin remote,
# both with credentials here; what it writes must not keep them.
INIT="$E2E_TMP/init"
cp -r "$CO" "$INIT"
rm -f "$INIT"/deploy/argocd/apps/*/*.yaml   # no Application to copy repoURL from: origin is used
git -C "$INIT" remote set-url origin "http://gitlab-ci-token:$CI_TOKEN@$AUTH/web-core.git"
SCAN_EXTRA=("$INIT/deploy")
krun 0 "$KANON" -v init newapp --domain newapp.example --image registry.example.com/web/newapp --tag 1.0.0 --dir "$INIT"
expect_contains "$(cat "$INIT/deploy/argocd/apps/dev/newapp.yaml")" "repoURL: $GIT_HTTP_AUTH_URL/web-core.git"
SCAN_EXTRA=("$INIT/deploy")
krun 0 "$KANON" -v -o json init newapp2 --domain newapp2.example --image registry.example.com/web/newapp2 --tag 1.0.0 --dir "$INIT" \
    --repo-url "https://bot:$URL_PASS@git.example.com/web-core.git"
SCAN_EXTRA=("$INIT/deploy")
krun 0 "$KANON" -v init newapp3 --domain newapp3.example --image registry.example.com/web/newapp3 --tag 1.0.0 --dir "$INIT" --dry-run \
    --repo-url "https://bot:$URL_PASS@git.example.com/web-core.git"
krun 2 "$KANON" -v init Bad_App --domain x.example --image registry.example.com/web/x --dir "$INIT"

# yaml
YF="$E2E_TMP/values.yaml"
cp "$CO/deploy/env/release-dev/synestra-io.yaml" "$YF"
krun 0 "$KANON" -v yaml get "$YF" image.tag
krun 0 "$KANON" -o json yaml get "$YF" image
krun 0 "$KANON" -v yaml set "$YF" image.tag 2027.1.1 -i
krun 1 "$KANON" -v yaml get "$E2E_TMP/no-such.yaml" image.tag
krun 1 "$KANON" -o json yaml set "$YF" image.nope 1 --no-create

# ci: the secrets are named, never given values, and nothing turns TLS verification off.
for args in "gitlab synestra-io" "github synestra-io" "gitlab synestra-io --gate manual --http" \
    "github synestra-io --gate manual --http" "gitlab --include synestra-io" "gitlab --trigger group/platform"; do
    read -r -a words <<<"$args"
    krun 0 "$KANON" -v ci "${words[@]}"
    for off in "--insecure" "GIT_SSL_NO_VERIFY" "sslVerify" "curl -k" "--no-check-certificate" "verify=False"; do
        expect_not_contains "$OUT" "$off" "kanon ci $args"
    done
done
expect_contains "$OUT" "web-core" "kanon ci gitlab --trigger"
krun 0 "$KANON" ci gitlab synestra-io
expect_contains "$OUT" "KANON_GIT_TOKEN"
expect_contains "$OUT" "ARGOCD_AUTH_TOKEN"
krun 2 "$KANON" -v ci bitbucket synestra-io
fi

# ==========================================================================================
if part b && ((HAVE_OPENSSL)); then
    step "TLS is verified by default: a self-signed certificate in front of Argo CD, git and a site"
    CERT="$E2E_TMP/tls/cert.pem" KEY="$E2E_TMP/tls/key.pem"
    mkdir -p "$E2E_TMP/tls"
    openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -days 1 \
        -keyout "$KEY" -out "$CERT" >"$E2E_TMP/tls/openssl.log" 2>&1 ||
        openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 \
            -keyout "$KEY" -out "$CERT" >"$E2E_TMP/tls/openssl.log" 2>&1 ||
        fail "openssl could not make a certificate: $(cat "$E2E_TMP/tls/openssl.log")"
    cat >"$E2E_TMP/tls/proxy.py" <<'EOF'
"""proxy.py CERT KEY PORT_FILE LOG UPSTREAM_HOST:PORT: TLS on a free port of
127.0.0.1 in front of a plain-HTTP server. LOG gets one line per connection
("accepted"), per TLS handshake that failed (with the client's alert) and per
request relayed ("METHOD PATH STATUS")."""
import http.client, http.server, ssl, sys

sys.path.insert(0, sys.argv[6])  # tests/e2e
from e2e_http import Server as ThreadedServer, read_body, serve

cert, key, port_file, log, upstream = sys.argv[1:6]
host, _, port = upstream.rpartition(":")
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length"}

def note(text):
    with open(log, "a") as f:
        f.write(text + "\n")

class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def body(self):
        return read_body(self)

    def relay(self):
        data = self.body()
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        headers["Host"] = upstream
        if data or self.command in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = str(len(data))
        conn = http.client.HTTPConnection(host, int(port), timeout=300)
        conn.request(self.command, self.path, body=data or None, headers=headers)
        r = conn.getresponse()
        note(f"{self.command} {self.path.split('?')[0]} {r.status}")
        self.send_response_only(r.status, r.reason)
        for k, v in r.getheaders():
            if k.lower() not in HOP or k.lower() == "content-length":
                self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()
        while True:
            chunk = r.read1(65536)
            if not chunk:
                break
            self.wfile.write(chunk)
            self.wfile.flush()
        conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = relay

    def log_message(self, *args):
        pass

class Server(ThreadedServer):
    def finish_request(self, request, client_address):
        note("accepted")
        try:
            tls = ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            note(f"handshake failed: {e}")
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        except OSError:
            pass

    def handle_error(self, request, client_address):
        pass

serve(Proxy, port_file, Server)
EOF
    start_tls_proxy() {  # NAME UPSTREAM: sets TLS_PORT
        local pf="$E2E_TMP/tls/$1.port"
        python3 "$E2E_TMP/tls/proxy.py" "$CERT" "$KEY" "$pf" "$E2E_TMP/tls/$1.log" "$2" "$E2E_LIB_DIR" >>"$E2E_TMP/tls/$1.stderr" 2>&1 &
        await_server $! "$pf" "$E2E_TMP/tls/$1.stderr" "TLS proxy ($1)"
        TLS_PORT="$(cat "$pf")"
    }
    start_tls_proxy argocd "$ARGO_PLAIN"
    TLS_ARGO="127.0.0.1:$TLS_PORT"
    start_tls_proxy git "$AUTH"
    TLS_GIT="127.0.0.1:$TLS_PORT"
    start_tls_proxy site "${SITE_DEV#http://}"
    TLS_SITE="127.0.0.1:$TLS_PORT"
    # tls_seen NAME: "CONNECTIONS REQUESTS" the proxy NAME has seen so far;
    # tls_refused NAME BEFORE: since BEFORE, kanon connected, but not one
    # request (with its token or password) went through.
    tls_seen() {
        local log="$E2E_TMP/tls/$1.log" c=0 q=0
        if [[ -f "$log" ]]; then
            c="$(grep -c '^accepted$' "$log" || true)"
            q="$(grep -c '^[A-Z]* /' "$log" || true)"
        fi
        echo "$c $q"
    }
    tls_refused() {
        local before="$2" now
        now="$(tls_seen "$1")"
        ((${now% *} > ${before% *})) || fail "nothing connected to the TLS proxy $1"
        expect_eq "${now#* }" "${before#* }" "requests through the TLS proxy $1 (an untrusted certificate)"
    }
    tls_error() {  # the message names TLS or the certificate
        if ! grep -qiE 'certificate|SSL|TLS' <<<"$OUT$ERR"; then
            show "$R/stderr"
            run_label
            fail "line $(caller_line): no TLS error in $LABEL"
        fi
    }

    step "TLS: smoke --url https:// fails on an untrusted certificate; --ca and --insecure pass; the wrong name fails"
    seen="$(tls_seen site)"
    krun 4 "$KANON" -v smoke synestra-io --stage dev --url "https://site:$SITE_PASS@$TLS_SITE"
    tls_error
    krun 4 "$KANON" -v -o json smoke synestra-io --stage dev --url "https://$TLS_SITE"
    tls_error
    tls_refused site "$seen"
    krun 0 "$KANON" -v -o json smoke synestra-io --stage dev --url "https://site:$SITE_PASS@$TLS_SITE" --ca "$CERT"
    jcheck "$R/stdout" 'd["ok"] is True'
    krun 0 "$KANON" -v smoke synestra-io --stage dev --url "https://$TLS_SITE" --insecure
    krun 4 "$KANON" -v smoke synestra-io --stage dev --url "https://localhost:${TLS_SITE#*:}" --ca "$CERT"
    tls_error
    krun 4 "$KANON" -v smoke synestra-io --stage dev --url "https://${SITE_DEV#http://}"   # TLS to a plain-HTTP port
    tls_error

    step "TLS: wait --http --url https:// fails; --ca passes"
    # A certificate kanon does not trust is waited on like a site that is not up yet: exit 5.
    seen="$(tls_seen site)"
    krun 5 "$KANON" -v wait synestra-io --stage dev --http --url "https://site:$SITE_PASS@$TLS_SITE" --repo "$REPO_PW" --timeout 2s
    tls_error
    krun 5 "$KANON" -v -o json wait synestra-io --stage dev --http --url "https://$TLS_SITE" --repo "$REPO_PW" --timeout 2s
    tls_error
    tls_refused site "$seen"
    krun 0 "$KANON" -v -o json wait synestra-io --stage dev --http --url "https://site:$SITE_PASS@$TLS_SITE" --repo "$REPO_PW" \
        --ca "$CERT" --timeout 30s
    jcheck "$R/stdout" 'd["ok"] is True'

    step "TLS: Argo CD at HOST:PORT without --plaintext fails on the certificate; --argocd-ca and --insecure pass"
    NOPLAIN=(env -u KANON_ARGOCD_PLAINTEXT)
    seen="$(tls_seen argocd)"
    krun 1 "${NOPLAIN[@]}" ARGOCD_SERVER="$TLS_ARGO" "$KANON" -v wait synestra-io --stage dev --repo "$REPO_PW" --timeout 10s
    tls_error
    expect_contains "$ERR" "--argocd-ca"
    krun 1 "${NOPLAIN[@]}" ARGOCD_SERVER="$TLS_ARGO" "$KANON" -v -o json sync synestra-io --stage dev --repo "$REPO_PW" --timeout 10s
    json_failed 1
    tls_error
    krun 1 "${NOPLAIN[@]}" "$KANON" -v wait synestra-io --stage dev --repo "$REPO_PW" --timeout 10s \
        --argocd-server "https://admin:$ARGO_URL_PASS@$TLS_ARGO" --argocd-token "$ARGO_FLAG"
    tls_error
    newrun
    krun 1 "${NOPLAIN[@]}" ARGOCD_SERVER="$TLS_ARGO" "$KANON" -v pipeline nordwind-shop --tag 2026.12.7 --repo "$REPO_PW" \
        --timeout 10s --junit "$R/junit.xml" --dotenv "$R/deploy.env"
    tls_error
    krun 1 "${NOPLAIN[@]}" ARGOCD_SERVER="$TLS_ARGO" "$KANON" -v -o json release synestra-io --tag 2026.12.9 --wait \
        --repo "$REPO_PW" --timeout 10s
    tls_refused argocd "$seen"
    krun 0 "${NOPLAIN[@]}" ARGOCD_SERVER="$TLS_ARGO" "$KANON" -v -o json wait synestra-io --stage dev --repo "$REPO_PW" \
        --argocd-ca "$CERT" --timeout 60s
    jcheck "$R/stdout" 'd["ok"] is True'
    krun 0 "${NOPLAIN[@]}" ARGOCD_SERVER="$TLS_ARGO" "$KANON" -v sync synestra-io --stage dev --wait --repo "$REPO_PW" \
        --insecure --timeout 60s
    krun 1 "${NOPLAIN[@]}" ARGOCD_SERVER="$ARGO_PLAIN" "$KANON" -v wait synestra-io --stage dev --repo "$REPO_PW" --timeout 10s
    expect_contains "$ERR" "--plaintext"   # TLS to the plain-HTTP Argo CD: the hint says so

    step "TLS: git over https fails on the certificate (nothing pushed); with git's GIT_SSL_CAINFO it passes"
    REPO_TLS="https://bot:$URL_PASS@$TLS_GIT/web-core.git"
    seen="$(tls_seen git)" before="$(tip)"
    for cmd in "status" "history synestra-io" "release synestra-io --tag 2026.12.10" "promote synestra-io" \
        "verify-build --ref $BASE --tag 2026.12.11"; do
        read -r -a words <<<"$cmd"
        krun 1 "$KANON" -v "${words[@]}" --repo "$REPO_TLS"
        tls_error
        krun 1 "$KANON" -v -o json "${words[@]}" --repo "$REPO_TLS"
        json_failed 1
    done
    tls_refused git "$seen"
    expect_eq "$(tip)" "$before" "web-core after the https failures"
    krun 1 "$KANON" -v status --repo "https://bot:$URL_PASS@$AUTH/web-core.git"   # TLS to a plain-HTTP port
    tls_error
    krun 0 env GIT_SSL_CAINFO="$CERT" "$KANON" -v -o json release synestra-io --tag 2026.12.10 --repo "$REPO_TLS"
    jcheck "$R/stdout" 'd["changed"] is True'
    jget "$R/stdout" 'd["commit"]'
    expect_eq "$JVAL" "$(tip)" "the https release's commit is the tip"
elif part b; then
    echo "SKIP (part): openssl is not installed: the TLS checks did not run" >&2
fi

# ==========================================================================================
if part a; then
step "the demo (started at the beginning) ends well and says nothing secret"
DEMO_RC=0
wait "$DEMO_PID" || DEMO_RC=$?
scan "$DEMO_R" "$E2E_TMP/demo" "$E2E_TMP/demo-tmp"
RUNS[demo]=1
if [[ "$DEMO_RC" != 0 ]]; then
    show "$DEMO_R/stderr"
    fail "kanon demo exited $DEMO_RC"
fi
expect_contains "$(cat "$DEMO_R/stdout" "$DEMO_R/stderr")" "demo done"
fi

step "sandbox down; status of a stopped sandbox (1)"
krun 0 "$KANON" -v sandbox down --dir "$SB"
krun 1 "$KANON" -v sandbox status --dir "$SB"
krun 1 "$KANON" -o json sandbox status --dir "$SB"

# ==========================================================================================
step "web-core's history, the sandbox's logs, the cache, HOME and TMPDIR hold no secret"
FINAL="$E2E_TMP/final"
mkdir -p "$FINAL"
git --git-dir="$BARE" log --all -p --format='commit %H%nauthor %an <%ae>%ncommitter %cn <%ce>%n%B' >"$FINAL/web-core-history"
git --git-dir="$BARE" for-each-ref >"$FINAL/web-core-refs"
if part a || ((HAVE_OPENSSL)); then  # part b without openssl commits nothing
    grep -q '^Kanon-' "$FINAL/web-core-history" || fail "web-core's history has no kanon trailers: the scan would be vacuous"
fi
mkdir -p "$FINAL/sandbox"
for f in "$SB"/*; do
    case "$(basename "$f")" in
    sandbox.json | argocd.token) grep -v -F "$ARGO_TOKEN" "$f" >"$FINAL/sandbox/$(basename "$f")" || true ;;  # its token, by design
    git) ;;
    *) cp -r "$f" "$FINAL/sandbox/" ;;
    esac
done
scan "$FINAL" "$CACHE" "$HOME" "$TMPDIR"

# ==========================================================================================
ELAPSED=$(($(date +%s) - T0))
{
    echo "runs per command ($RUN_N runs in ${ELAPSED}s):"
    for c in $(printf '%s\n' "${!RUNS[@]}" | sort); do printf '  %-13s %s\n' "$c" "${RUNS[$c]}"; done
} >&2
if part a; then
for c in status history release promote reset rollback freeze unfreeze wait sync smoke pipeline verify-build ci check \
    explain init yaml sandbox demo; do
    [[ -n "${RUNS[$c]:-}" ]] || fail "no run of kanon $c"
done
fi
if [[ -s "$LEAKS" ]]; then
    echo "--- $(wc -l <"$LEAKS") secret(s) found in kanon's output (the secret itself shown as <NAME>):" >&2
    cat "$LEAKS" >&2
    fail "secrets leaked (above)"
fi
echo "PASS: $E2E_NAME" >&2
