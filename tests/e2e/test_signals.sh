# shellcheck shell=bash
# End-to-end tests of `kanon pipeline` stopped by SIGINT or SIGTERM at each
# of its steps, over the sandbox (a real git server, the Argo CD simulator,
# the sites): as it starts to commit to dev (release) and to prod (promote),
# while its git push is in flight (a pre-receive hook holds it; once more with
# SIGINT sent to the whole process group, as a terminal's Ctrl-C does), while
# it waits for each deploy, while it smoke-checks each site (a proxy in front
# of the site holds the request), and while it retries a push because the
# branch keeps moving under it (the hook lands someone else's commit first,
# every time). For each, the promise of a failed or interrupted run:
#   * exit 130 within a few seconds (SIGTERM as well: kanon treats both as
#     "interrupted", the one code CLI.md documents for them), an error line
#     that says it was interrupted, each stage's state, the command to run next;
#   * the JSON, dotenv and JUnit reports written and consistent with each
#     other and with web-core (the interrupted step is never "passed" unless
#     its commit landed, the later ones never ran);
#   * web-core (the bare repository on the server) either has the stage's
#     release commit, complete and reported, or not at all: no other ref, no
#     lock, no quarantine left by a push, `git fsck` clean, prod untouched
#     when the run stopped before promote;
#   * nothing left in kanon's temporary or cache directories (--cache-dir)
#     that would break the next run: the same pipeline run again completes
#     (exit 0) with exactly the commits still missing — none empty, none twice.
# Each step is detected, never guessed with a fixed sleep: a progress line on
# stderr, a file the hook or the proxy touches when the request arrives.
# SIGNALS_CASES="wait-dev smoke-prod ..." runs only those steps (both signals);
# E2E_PART=dev or prod runs the cases of that stage.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

step() { echo "--- $*" >&2; }

APP=synestra-io OTHER=nordwind-shop
SB="$E2E_TMP/sb"
# Each wait lasts about 1.5 s (compare, sync, re-assess, rollout): long enough to
# be hit after its first line, short enough for 19 runs and their re-runs.
start_sandbox "$SB" --apps 2 --poll 1s --sync-time 300ms --rollout 500ms --progress-deadline 30s
CACHE="$E2E_TMP/cache"
STATE="$E2E_TMP/state"  # the hold / hit / go files of the hook and the proxy
mkdir -p "$STATE"

# --- a proxy in front of the app's two sites ---------------------------------------
# It forwards every GET to the real site; while $STATE/smoke.hold names its
# stage it first touches $STATE/smoke.hit and holds the request until
# $STATE/smoke.go exists (15 s at most).
cat >"$E2E_TMP/proxy.py" <<'EOF'
import http.client, http.server, os, sys, threading, time, urllib.parse
port_file, state = sys.argv[1], sys.argv[2]
targets = dict(a.split("=", 1) for a in sys.argv[3:])

def handler(stage, target):
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass
        def do_GET(self):
            try:
                with open(os.path.join(state, "smoke.hold")) as f:
                    held = f.read().strip() == stage
            except OSError:
                held = False
            if held:
                open(os.path.join(state, "smoke.hit"), "w").close()
                deadline = time.time() + 15
                while time.time() < deadline and not os.path.exists(os.path.join(state, "smoke.go")):
                    time.sleep(0.02)
            u = urllib.parse.urlsplit(target)
            try:
                c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
                c.request("GET", self.path)
                r = c.getresponse()
                body = r.read()
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() not in ("connection", "transfer-encoding", "content-length", "server", "date"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (interrupted)
    return H

ports = []
for stage, target in sorted(targets.items()):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler(stage, target))
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    ports.append(f"{stage}={srv.server_address[1]}")
with open(port_file + ".tmp", "w") as f:
    f.write("\n".join(ports) + "\n")
os.rename(port_file + ".tmp", port_file)
threading.Event().wait()
EOF
site() { json_get "$SB/sandbox.json" "d['sites']['$APP']['$1']"; }
python3 "$E2E_TMP/proxy.py" "$E2E_TMP/proxy.ports" "$STATE" "dev=$(site dev)" "prod=$(site prod)" \
    2>"$E2E_TMP/proxy.stderr" &
await_server $! "$E2E_TMP/proxy.ports" "$E2E_TMP/proxy.stderr" "the site proxy"
proxy_port() { sed -n "s/^$1=//p" "$E2E_TMP/proxy.ports"; }
# kanon.yaml names the proxy as the app's site in both stages (smoke only:
# the waits ask Argo CD).
webcore_write "$BARE" main "sandbox: $APP's sites behind a proxy that can hold a request" kanon.yaml \
    "$(webcore_cat "$BARE" main kanon.yaml |
        sed -e "s|^      dev: $(site dev)\$|      dev: http://127.0.0.1:$(proxy_port dev)|" \
            -e "s|^      prod: $(site prod)\$|      prod: http://127.0.0.1:$(proxy_port prod)|")"$'\n'
expect_contains "$(webcore_cat "$BARE" main kanon.yaml)" "dev: http://127.0.0.1:$(proxy_port dev)" "kanon.yaml"
expect_contains "$(webcore_cat "$BARE" main kanon.yaml)" "prod: http://127.0.0.1:$(proxy_port prod)" "kanon.yaml"

# --- a pre-receive hook that holds a push, or makes it stale --------------------------
# Only for a push that changes the release file of the stage named in
# $STATE/push.hold or $STATE/move.hold:
#   push.hold: it touches $STATE/push.hit and waits for $STATE/push.go (15 s at
#   most) before the push is accepted;
#   move.hold: someone else's commit (the other app's dev release, by "Other")
#   lands first, so that the push's ref update fails as stale and kanon
#   retries, again and again; each run adds a line to $STATE/move.runs.
install_hook "$BARE" pre-receive "#!/bin/bash
mode=
for m in push move; do [[ -f '$STATE/'\$m.hold ]] && mode=\$m; done
[[ -n \$mode ]] || exit 0
stage=\$(cat '$STATE/'\$mode.hold)
hit=0
while read -r old new ref; do
    git diff-tree -r --name-only \"\$old\" \"\$new\" | grep -q \"^deploy/env/release-\$stage/\" && hit=1
done
(( hit )) || exit 0
if [[ \$mode == push ]]; then
    touch '$STATE/push.hit'
    for _ in \$(seq 1 300); do [[ -f '$STATE/push.go' ]] && break; sleep 0.05; done
    exit 0
fi
echo run >>'$STATE/move.runs'
n=\$(wc -l <'$STATE/move.runs')
unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_DIR
export GIT_INDEX_FILE='$E2E_TMP/hook.index' GIT_AUTHOR_NAME=Other GIT_AUTHOR_EMAIL=other@e2e.invalid
export GIT_COMMITTER_NAME=Other GIT_COMMITTER_EMAIL=other@e2e.invalid
g() { git --git-dir='$BARE' \"\$@\"; }
tip=\$(g rev-parse refs/heads/main)
blob=\$(printf 'image:\\n  repository: registry.example.com/web/other\\n  tag: \"9.0.%s\"\\n' \"\$n\" | g hash-object -w --stdin)
g read-tree \"\$tip\"
g update-index --cacheinfo \"100644,\$blob,deploy/env/release-dev/$OTHER.yaml\"
c=\$(echo \"someone else's release \$n\" | g commit-tree \"\$(g write-tree)\" -p \"\$tip\")
rm -f \"\$GIT_INDEX_FILE\"
g update-ref refs/heads/main \"\$c\" \"\$tip\"
exit 0"

P=(--repo "$REPO" --plaintext --timeout 60s --cache-dir "$CACHE")

# No run before the first case: its interrupted run is the one that makes the
# cache (--cache-dir), and the next must still be able to use it.

# check_interrupted WHAT SIG TAG BASE RC DIR: the reports and web-core after an
# interrupted run (python, so the reports are read as what they are).
check_interrupted() {
    python3 - "$@" "$BARE" "$APP" <<'EOF'
import json, os, subprocess, sys, xml.etree.ElementTree as ET
what, sig, tag, base, rc, took_ms, d_dir, bare, app = sys.argv[1:]
problems = []
def check(cond, msg):
    if not cond:
        problems.append(msg)
def git(*args):
    return subprocess.run(["git", "--git-dir=" + bare, *args], check=True, capture_output=True, text=True).stdout

kind, stage = what.split("-", 1)
target = {"release": ("release", "dev"), "promote": ("promote", "prod"), "push": ("release" if stage == "dev" else "promote", stage),
          "retry": ("release" if stage == "dev" else "promote", stage), "wait": ("wait", stage), "smoke": ("smoke", stage)}[kind]
write_step = target[0] in ("release", "promote")
order = [("build-contract", None), ("release", "dev"), ("wait", "dev"), ("smoke", "dev"),
         ("promote", "prod"), ("wait", "prod"), ("smoke", "prod")]
err = open(os.path.join(d_dir, "err")).read()
out = open(os.path.join(d_dir, "out")).read()

check(rc == "130", f"exit code {rc}, expected 130 after SIG{sig}")
check(int(took_ms) <= 5000, f"kanon went on for {int(took_ms) / 1000:.1f} s after SIG{sig} (at most 5 s expected)")
try:
    d = json.loads(out)
except ValueError as e:
    print(f"--- stdout is not JSON ({e}):\n{out}\n--- stderr:\n{err}", file=sys.stderr)
    sys.exit(1)
check(d.get("ok") is False and d.get("exit_code") == 130 and d.get("result") == "interrupted",
      f"JSON verdict: ok={d.get('ok')} exit_code={d.get('exit_code')} result={d.get('result')}")
check(str(d.get("reason", "")).startswith("interrupted"), f"JSON reason: {d.get('reason')!r}")
steps = {(s["name"], s["stage"]): s for s in d["steps"]}
check([(s["name"], s["stage"]) for s in d["steps"]] == order, f"steps: {list(steps)}")
t = steps.get(target, {})
i = order.index(target)
# The step the signal came in: failed as "interrupted", or (a commit and push,
# which kanon lets finish) passed, the run stopping right after it.
if t.get("status") == "failed":
    check(t.get("outcome") == "interrupted", f"{target}: outcome {t.get('outcome')!r}, expected 'interrupted'")
    check("interrupted" in t.get("reason", ""), f"{target}: reason {t.get('reason')!r}")
    check(d.get("failed", {}).get("step") == target[0] and d["failed"].get("stage") == target[1],
          f"JSON failed: {d.get('failed')}")
elif t.get("status") == "passed" and write_step:
    check(d["reason"].startswith(f"interrupted after {target[0]} in {target[1]}"), f"JSON reason: {d['reason']!r}")
else:
    problems.append(f"{target}: status {t.get('status')!r} (outcome {t.get('outcome')!r}); an interrupted "
                    f"{'write' if write_step else 'wait or smoke check'} must be failed/interrupted"
                    f"{' or passed with its commit' if write_step else ''}")
for k in order[1:i]:
    check(steps[k]["status"] == "passed", f"{k} before the signal: {steps[k]['status']}")
for k in order[i + 1:]:
    check(steps[k]["status"] == "not-run" and steps[k].get("reason") == "interrupted",
          f"{k} after the signal: {steps[k]['status']} ({steps[k].get('reason')!r})")

# What landed in web-core is exactly what the report says was committed
# (besides, in the "retry" case, someone else's commits).
new = []
for line in git("log", "--reverse", "--format=%H %an", f"{base}..refs/heads/main").splitlines():
    c, author = line.split(" ", 1)
    if author == "Other":
        check(kind == "retry", f"a commit by Other ({c}) outside the retry case")
    else:
        new.append(c)
reported = []
for st, w in (("dev", "release"), ("prod", "promote")):
    s = steps[(w, st)]
    if s["status"] == "passed" and s.get("changed"):
        reported.append((st, s.get("commit")))
        check(d["commits"].get(st) == s.get("commit"), f"commits.{st} {d['commits'].get(st)} vs step {s.get('commit')}")
    elif s["status"] != "passed":
        check(d["commits"].get(st) is None, f"commits.{st} is {d['commits'].get(st)} though {w} did not pass")
check(new == [c for _, c in reported],
      f"new commits on main {new} but the report says {reported} (a commit landed that was not reported, or the reverse)")
for st, c in reported:
    if c not in new:
        continue
    files = git("diff-tree", "--no-commit-id", "--name-only", "-r", c).split()
    check(files == [f"deploy/env/release-{st}/{app}.yaml"], f"{c} changes {files}")
    check(f'tag: "{tag}"' in git("show", f"{c}:deploy/env/release-{st}/{app}.yaml"), f"{c}: not tag {tag}")
    check(len(git("cat-file", "-p", c).split("\nparent ")) == 2, f"{c} is not a one-parent commit")
expected = {"release": [], "retry": [] if stage == "dev" else ["dev"], "push": None, "promote": ["dev"], "wait": ["dev"] if stage == "dev" else ["dev", "prod"]}
expected["smoke"] = expected["wait"]
want = expected[kind]
if want is None:  # the push was in flight: it lands, and kanon says so
    want = ["dev"] if stage == "dev" else ["dev", "prod"]
    check(t.get("status") == "passed", f"{target}: a push in flight when SIG{sig} came must finish and be reported; "
          f"it is {t.get('status')!r} ({t.get('reason')!r}) and main has {len(new)} new commit(s)")
elif kind in ("release", "promote"):  # at the step's start: its commit may or may not land
    want = want + ([stage] if t.get("status") == "passed" else [])
check([st for st, _ in reported] == want, f"reported commits {[st for st, _ in reported]}, expected {want}")

# What it says: interrupted, each stage's state, what to run next.
check(f"kanon: error: interrupted" in err, "stderr has no 'kanon: error: interrupted'")
check(f"kanon: hint: next: kanon pipeline {app} --tag {tag} " in err, "stderr has no 'next: kanon pipeline ...'")
check(str(d.get("next", "")).startswith(f"kanon pipeline {app} --tag {tag} "), f"JSON next: {d.get('next')!r}")
notes = d.get("notes", [])
for st, w in (("dev", "release"), ("prod", "promote")):
    c = d["commits"].get(st)
    if steps[(w, st)]["status"] != "passed":
        check(f"{st}: not touched" in notes or f"{st}: nothing committed" in notes, f"notes say nothing of {st}: {notes}")
    elif c:
        check(any(n.startswith(f"{st}: {tag} committed as {c}") for n in notes), f"notes miss {st}'s commit: {notes}")

# dotenv
env = dict(l.split("=", 1) for l in open(os.path.join(d_dir, "env")).read().splitlines() if l)
check(env.get("KANON_RESULT") == "interrupted" and env.get("KANON_EXIT_CODE") == "130" and env.get("KANON_TAG") == tag,
      f"dotenv: {env}")
for st in ("dev", "prod"):
    check(env.get(f"KANON_{st.upper()}_COMMIT") == (d["commits"].get(st) or ""),
          f"dotenv KANON_{st.upper()}_COMMIT={env.get(f'KANON_{st.upper()}_COMMIT')} vs JSON {d['commits'].get(st)}")

# JUnit: the same steps, the same statuses.
root = ET.parse(os.path.join(d_dir, "junit.xml")).getroot()
suite = root if root.tag == "testsuite" else root.find("testsuite")
props = {p.get("name"): p.get("value") for p in suite.iter("property")}
check(props.get("result") == "interrupted" and props.get("exit_code") == "130", f"JUnit properties: {props}")
cases = suite.findall("testcase")
check(len(cases) == 7, f"JUnit has {len(cases)} testcases")
for (name, st), c in zip(order, cases):
    s = steps[(name, st)]["status"]
    got = "failed" if c.find("failure") is not None else "skipped" if c.find("skipped") is not None else "passed"
    check(got == {"not-run": "skipped"}.get(s, s), f"JUnit {c.get('name')}: {got}, JSON: {s}")
    if got == "failed":
        check(c.find("failure").get("type") == "interrupted", f"JUnit {c.get('name')}: type {c.find('failure').get('type')}")
check(int(suite.get("failures")) == sum(s["status"] == "failed" for s in d["steps"]), f"JUnit failures={suite.get('failures')}")

if problems:
    print(f"--- {what} SIG{sig}: stderr:\n{err}--- notes: {d.get('notes')}", file=sys.stderr)
    for p in problems:
        print(f"PROBLEM ({what}, SIG{sig}): {p}", file=sys.stderr)
    sys.exit(1)
EOF
}

# expect_clean_state: web-core and kanon's own directories, as a next run needs them.
REFS="$(git --git-dir="$BARE" for-each-ref --format='%(refname)')"
expect_clean_state() {
    local what="$1"
    expect_eq "$(git --git-dir="$BARE" for-each-ref --format='%(refname)')" "$REFS" "refs of web-core after $what"
    local fsck
    fsck="$(git --git-dir="$BARE" fsck --no-progress --no-dangling 2>&1)" || fail "git fsck after $what: $fsck"
    expect_eq "$fsck" "" "git fsck after $what"
    expect_eq "$(cd "$BARE" && find . -name '*.lock' -o -name 'incoming-*' -o -name 'tmp_*' | sort)" "" \
        "locks and leftovers of a push in web-core after $what"
    expect_eq "$(ls -A "$TMPDIR")" "" "kanon's temporary directories after $what"
    [[ -d "$CACHE" ]] || fail "no cache after $what"
    # A clone that was there before the run stays. Without one (the first
    # run makes it), a signal during that clone stops it and nothing is
    # written: the lock file alone is what is left, and the next run clones.
    local cached
    cached="$(cd "$CACHE" && find . -mindepth 1 -maxdepth 1 | sed 's/-[0-9a-f]\{16\}\./-HASH./' | sort)"
    if [[ -n "${CLONE_BEFORE:-}" || "$cached" != "./web-core-HASH.lock" ]]; then
        expect_eq "$cached" $'./web-core-HASH.git\n./web-core-HASH.lock' "the cache after $what"
    fi
    expect_eq "$(cd "$CACHE" && find . -mindepth 2 -name '*.lock' | sort)" "" "locks inside the cached clone after $what"
    if command -v flock >/dev/null; then
        flock -n "$CACHE"/web-core-*.lock true || fail "the cache's lock is still held after $what"
    fi
}

# marker_reached WHAT DIR: has the run reached the step?
marker_reached() {
    local err="$2/err"
    case "$1" in
    release-dev) grep -q "release dev: committing tag" "$err" ;;
    promote-prod) grep -q "promote prod: committing tag" "$err" ;;
    wait-*) grep -q "kanon: waiting for web-$APP-${1#wait-} to run" "$err" ;;
    push-*) [[ -f "$STATE/push.hit" ]] ;;
    retry-*) [[ -f "$STATE/move.runs" && $(wc -l <"$STATE/move.runs") -ge 2 ]] ;;
    smoke-*) [[ -f "$STATE/smoke.hit" ]] ;;
    esac
}

N=0
SUMMARY=()
# interrupt_case WHAT SIG [group]: the pipeline of a new tag, SIG once it
# reaches WHAT (with "group": to its whole process group, as a terminal's
# Ctrl-C or a CI runner cancelling the job does); the checks above; the same
# pipeline again to the end.
interrupt_case() {
    local what="$1" sig="$2" group="${3:-}"
    N=$((N + 1))
    local tag="2026.12.$N" dir="$E2E_TMP/case-$N-$what-$sig" t0=$SECONDS
    step "SIG$sig${group:+ to the process group} during $what (tag $tag)"
    mkdir -p "$dir"
    : >"$dir/err"
    rm -f "$STATE"/*
    local base prod_before dev_before extra=()
    case "$what" in
    push-*) echo "${what#push-}" >"$STATE/push.hold" ;;
    smoke-*) echo "${what#smoke-}" >"$STATE/smoke.hold" ;;
    retry-*)
        echo "${what#retry-}" >"$STATE/move.hold"
        extra=(--push-timeout 10)  # without a signal, it would give up after 10 s
        ;;
    esac
    base="$(branch_tip "$BARE" main)"
    dev_before="$(release_tag "$APP" dev)" prod_before="$(release_tag "$APP" prod)"
    CLONE_BEFORE="$(find "$CACHE" -mindepth 1 -maxdepth 1 -name '*.git' 2>/dev/null || true)"
    # The wrapper gives kanon a default SIGINT (bash ignores it in background
    # jobs) and a process group of its own (its pid), as a shell job has.
    python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.setpgid(0, 0); os.execv(sys.argv[1], sys.argv[1:])' \
        "$KANON" pipeline "$APP" --tag "$tag" "${P[@]}" "${extra[@]}" -o json \
        --dotenv "$dir/env" --junit "$dir/junit.xml" >"$dir/out" 2>"$dir/err" &
    local pid=$! i
    for ((i = 0; i < 300; i++)); do
        marker_reached "$what" "$dir" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if ! marker_reached "$what" "$dir"; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        fail "the run never reached $what: $(cat "$dir/err")"
    fi
    local sent=$EPOCHREALTIME
    if [[ -n "$group" ]]; then kill "-$sig" -- "-$pid"; else kill "-$sig" "$pid"; fi
    touch "$STATE/push.go" "$STATE/smoke.go"  # let a held push or request go on
    for ((i = 0; i < 400; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid"
        wait "$pid" 2>/dev/null
        fail "kanon still runs 20 s after SIG$sig during $what (a hang): $(cat "$dir/err")"
    fi
    local took_ms=$(((${EPOCHREALTIME/./} - ${sent/./}) / 1000)) rc=0
    wait "$pid" || rc=$?
    check_interrupted "$what" "$sig" "$tag" "$base" "$rc" "$took_ms" "$dir" ||
        fail "SIG$sig${group:+ to the process group} during $what: see the problems above"
    local landed
    landed="$(commit_count "$BARE" main)"
    case "$what" in
    release-dev | push-dev | retry-dev | wait-dev | smoke-dev)
        expect_eq "$(release_tag "$APP" prod)" "$prod_before" "prod's release after SIG$sig during $what" ;;
    esac
    expect_clean_state "SIG$sig during $what"
    SUMMARY+=("$(printf '%-13s %-12s exit %s in %s ms, %s new commit(s), %s' "$what" "$sig${group:+ (group)}" \
        "$rc" "$took_ms" "$(git --git-dir="$BARE" rev-list --count "$base..main")" \
        "$(json_get "$dir/out" '" ".join(s["stage"] + ":" + s["name"] + "=" + s["status"] for s in d["steps"] if s["status"] in ("passed", "failed") and s["stage"]) + "; reason: " + d["reason"][:90]')")")

    # The same pipeline again: it completes, with the commits still missing only.
    rm -f "$STATE"/*
    expect_exit 0 "$KANON" pipeline "$APP" --tag "$tag" "${P[@]}" -o json
    local rerun_dev rerun_prod
    read -r rerun_dev rerun_prod < <(json_get "$OUT" \
        '" ".join(str(s.get("changed")).lower() for s in d["steps"] if s["name"] in ("release", "promote")) if d["ok"] is True and d["exit_code"] == 0 else "not-ok"')
    [[ "$rerun_dev" != not-ok ]] || fail "the re-run after SIG$sig during $what is not ok: $OUT"
    local ours
    ours="$(git --git-dir="$BARE" log --format=%H --perl-regexp --author='^(?!Other )' "$base..main")"
    expect_eq "$(grep -c . <<<"$ours")" 2 \
        "commits of tag $tag (the interrupted run and the re-run) after SIG$sig during $what"
    expect_eq "$((landed + $([[ $rerun_dev == true ]] && echo 1 || echo 0) + $([[ $rerun_prod == true ]] && echo 1 || echo 0)))" \
        "$(commit_count "$BARE" main)" "commits of the re-run against what it reports after SIG$sig during $what"
    local c st
    for c in $ours; do
        expect_eq "$(git --git-dir="$BARE" diff-tree --no-commit-id --name-only -r "$c" | wc -l)" 1 "files in $c"
    done
    for st in dev prod; do
        expect_eq "$(release_tag "$APP" "$st")" "$tag" "$st's release after the re-run ($what, SIG$sig)"
    done
    [[ "$dev_before" != "$tag" ]] || fail "tag $tag was already in dev"
    local added=""
    if [[ $rerun_dev == true ]]; then added+=" dev"; fi
    if [[ $rerun_prod == true ]]; then added+=" prod"; fi
    SUMMARY[-1]+="; re-run exit 0, committed:${added:- nothing}  [$((SECONDS - t0))s]"
    echo "    ${SUMMARY[-1]}" >&2
}

# SIGNALS_CASES, or the part (E2E_PART dev or prod: the cases of that stage),
# or every case.
case "${E2E_PART:-}" in
dev) cases="release-dev push-dev wait-dev smoke-dev push-dev-group retry-dev" ;;
prod) cases="promote-prod push-prod wait-prod smoke-prod retry-prod" ;;
*) cases="release-dev push-dev wait-dev smoke-dev promote-prod push-prod wait-prod smoke-prod push-dev-group retry-dev retry-prod" ;;
esac
cases=" ${SIGNALS_CASES:-$cases} "
for what in release-dev push-dev wait-dev smoke-dev promote-prod push-prod wait-prod smoke-prod; do
    [[ "$cases" == *" $what "* ]] || continue
    for sig in INT TERM; do
        interrupt_case "$what" "$sig"
    done
done
# A signal to the whole group reaches kanon's children too, unless they have
# a group of their own: a git push in flight must still land and be reported.
[[ "$cases" != *" push-dev-group "* ]] || interrupt_case push-dev INT group
# The branch moves under every push of the release (someone else's commits
# keep landing), so kanon retries; a signal then must stop the retries at
# once: nothing of ours committed in that stage, exit 130, "interrupted" —
# not more attempts until --push-timeout and then a "failed" exit 1.
for what_sig in retry-dev:INT retry-prod:TERM; do
    [[ "$cases" == *" ${what_sig%:*} "* ]] || continue
    interrupt_case "${what_sig%:*}" "${what_sig#*:}"
done

# A plain `kanon release` stopped while its push is in flight: the push is
# seen through and reported (its JSON says interrupted), then exit 130.
if [[ "$cases" == *" push-dev "* ]]; then
    step "SIGINT while a plain release's push is in flight: the commit lands, is reported, exit 130"
    rm -f "$STATE"/push.*
    echo dev >"$STATE/push.hold"
    "$KANON" -o json release "$APP" --tag 2026.12.99 --repo "$REPO" >"$E2E_TMP/plain.out" 2>"$E2E_TMP/plain.err" &
    plain=$!
    for _ in $(seq 1 300); do [[ -f "$STATE/push.hit" ]] && break; sleep 0.05; done
    [[ -f "$STATE/push.hit" ]] || fail "the plain release never pushed: $(cat "$E2E_TMP/plain.err")"
    kill -INT "$plain"
    touch "$STATE/push.go"
    rc=0
    wait "$plain" || rc=$?
    rm -f "$STATE"/push.*
    expect_eq "$rc" 130 "exit code of a release interrupted mid-push"
    expect_json "$E2E_TMP/plain.out" 'd["changed"] is True and d["interrupted"] is True'
    expect_eq "$(json_get "$E2E_TMP/plain.out" 'd["commit"]')" "$(branch_tip "$BARE" main)" "the reported commit"
fi

CLONE_BEFORE=yes  # every case re-ran to its end: the clone must be there
expect_clean_state "the last re-run"
printf '%s\n' "${SUMMARY[@]}" >&2
echo "ok: signals" >&2
