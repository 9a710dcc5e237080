# shellcheck shell=bash
# End-to-end tests of `kanon sandbox up|status|env|down`: real servers in a
# background process, on 127.0.0.1 only, stopped by pid and nothing else,
# resumed with their state; and what its Argo CD and sites do for each kind
# of tag (a good one, broken-, loop-) as kanon's own wait and smoke see it.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

step() { echo "--- $*" >&2; }
# site_release URL: the X-Release header of URL/.
# running PID: the process exists and is not a zombie (an orphan whose
# reaper has not reaped it yet has stopped all the same).
running() { [[ -r "/proc/$1/stat" ]] && [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]]; }
site_release() {
    python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1] + "/").headers["X-Release"])' "$1"
}

SB="$E2E_TMP/sb"
on_exit '"$KANON" sandbox down --dir "$SB" >/dev/null 2>&1'
# Fast rollouts: the behaviour is the same, only shorter.
FAST=(--poll 1s --sync-time 200ms --rollout 300ms --progress-deadline 1s)

step "up starts the servers and describes them in sandbox.json"
expect_exit 0 "$KANON" sandbox up --dir "$SB" --apps 3 "${FAST[@]}"
expect_contains "$OUT" "sandbox up"
expect_contains "$OUT" "synestra-io"
[[ -f "$SB/sandbox.json" ]] || fail "no sandbox.json"
expect_json "$SB/sandbox.json" 'd["repo"].startswith("http://127.0.0.1:") and d["repo"].endswith("/web-core.git")'
expect_json "$SB/sandbox.json" 'd["argocd"]["server"].startswith("127.0.0.1:") and d["argocd"]["plaintext"] is True'
expect_json "$SB/sandbox.json" 'len(d["argocd"]["token"].split(".")) == 3'
expect_json "$SB/sandbox.json" 'list(d["sites"]) == ["synestra-io", "nordwind-shop", "kite-blog"]'
expect_json "$SB/sandbox.json" 'all(set(s) == {"dev", "prod"} for s in d["sites"].values())'
TOKEN="$(json_get "$SB/sandbox.json" 'd["argocd"]["token"]')"
expect_not_contains "$OUT$ERR" "$TOKEN" "up's output"
PID="$(cat "$SB/sandbox.pid")"
expect_eq "$(json_get "$SB/sandbox.json" 'd["pid"]')" "$PID" "pid in sandbox.json"
expect_eq "$(stat -c %a "$SB/sandbox.json")" "600" "sandbox.json mode"

step "every listening socket of the sandbox is on 127.0.0.1"
python3 - "$PID" <<'EOF' || fail "a sandbox socket listens beyond 127.0.0.1"
import os, sys
pid = sys.argv[1]
inodes = set()
for fd in os.listdir(f"/proc/{pid}/fd"):
    try:
        t = os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:
        continue
    if t.startswith("socket:["):
        inodes.add(t[8:-1])
listening = []
for table in ("tcp", "tcp6"):
    with open(f"/proc/{pid}/net/{table}") as f:
        next(f)
        for line in f:
            p = line.split()
            if p[3] == "0A" and p[9] in inodes:  # LISTEN
                listening.append((table, p[1]))
assert len(listening) >= 8, listening  # git, argocd, 6 sites
bad = [l for l in listening if not (l[0] == "tcp" and l[1].startswith("0100007F:"))]
assert not bad, bad
EOF

step "up again refuses while it runs"
expect_exit 1 "$KANON" sandbox up --dir "$SB"
expect_contains "$ERR" "already runs"

step "env exports the server and reads the token from its file"
expect_exit 0 "$KANON" sandbox env --dir "$SB"
expect_not_contains "$OUT" "$TOKEN" "env output"
eval "$OUT"
expect_eq "$ARGOCD_AUTH_TOKEN" "$TOKEN" "token through env"
REPO="$KANON_SANDBOX_REPO"

step "web-core is in the canon and kanon reads it over smart HTTP"
expect_exit 0 "$KANON" status --repo "$REPO" -o json
expect_json "$OUT" '[a["app"] for a in d["apps"]] == sorted(["synestra-io", "nordwind-shop", "kite-blog"])'
expect_json "$OUT" 'all(a["stages"]["dev"]["tag"] == "2026.11.0" for a in d["apps"])'
git clone -q "$REPO" "$E2E_TMP/sb-web-core" || fail "cannot clone the sandbox's web-core"
expect_eq "$(git -C "$E2E_TMP/sb-web-core" ls-files | grep -c -e '^\.index' -e '\.lock$' || true)" 0 "git's own files in web-core"

step "status shows each stage Synced, Healthy, serving its tag"
expect_exit 0 "$KANON" sandbox status --dir "$SB" -o json
expect_json "$OUT" 'd["running"] is True and len(d["stages"]) == 6'
expect_json "$OUT" 'all(s["sync"] == "Synced" and s["health"] == "Healthy" and s["serving"] == "2026.11.0" for s in d["stages"])'
expect_not_contains "$OUT" "$TOKEN" "status output"

step "a release is deployed by the simulator and served by the site"
expect_exit 0 "$KANON" release synestra-io --tag 2026.11.7 --repo "$REPO" --plaintext --smoke --timeout 60s -o json
expect_json "$OUT" 'd["ok"] is True and d["wait"]["outcome"] == "deployed" and d["smoke"]["ok"] is True'
DEV_URL="$(json_get "$SB/sandbox.json" 'd["sites"]["synestra-io"]["dev"]')"
expect_eq "$(site_release "$DEV_URL")" "2026.11.7" "dev site"

step "a broken- tag never becomes healthy: Degraded, exit 4, the old release keeps serving"
expect_exit 4 "$KANON" release synestra-io --tag broken-1 --repo "$REPO" --plaintext --wait --timeout 60s --degraded-grace 1s
expect_contains "$OUT" "degraded"
expect_contains "$OUT" "Deployment/web-synestra-io-dev"
expect_eq "$(site_release "$DEV_URL")" "2026.11.7" "dev site after broken"

step "a loop- tag deploys, but its /admin redirects in a loop: smoke fails with exit 4"
expect_exit 4 "$KANON" release nordwind-shop --tag loop-1 --repo "$REPO" --plaintext --smoke --timeout 60s
expect_contains "$OUT" "redirect loop"

step "wait --http: the site states its release in X-Release (kanon.yaml site_version)"
expect_exit 0 "$KANON" release kite-blog --tag 2026.11.8 --repo "$REPO"
expect_exit 0 "$KANON" wait kite-blog --stage dev --http --repo "$REPO" --timeout 60s
expect_contains "$OUT" "deployed"

step "down stops the process by its pid, and only it"
sleep 300 &
BYSTANDER=$!
on_exit "kill $BYSTANDER 2>/dev/null"
expect_exit 0 "$KANON" sandbox down --dir "$SB"
expect_contains "$OUT" "stopped pid $PID"
running "$PID" && fail "pid $PID still runs after down"
running "$BYSTANDER" || fail "down stopped a process it did not start"
[[ -f "$SB/sandbox.pid" ]] && fail "sandbox.pid left behind"
expect_exit 1 "$KANON" sandbox status --dir "$SB"
expect_contains "$OUT" "not running"
expect_exit 0 "$KANON" sandbox down --dir "$SB"
expect_contains "$OUT" "nothing to stop"

step "a stale pid file naming another process is not obeyed"
echo "$BYSTANDER" >"$SB/sandbox.pid"
expect_exit 0 "$KANON" sandbox down --dir "$SB"
running "$BYSTANDER" || fail "down killed an unrelated process named by a stale pid file"

step "up again resumes the same repository on the same ports"
OLD_REPO="$REPO"
expect_exit 0 "$KANON" sandbox up --dir "$SB" "${FAST[@]}"
expect_eq "$(json_get "$SB/sandbox.json" 'd["repo"]')" "$OLD_REPO" "repo URL after resume"
expect_exit 0 "$KANON" status --repo "$REPO" -o json
expect_json "$OUT" '[a for a in d["apps"] if a["app"] == "synestra-io"][0]["stages"]["dev"]["tag"] == "broken-1"'
expect_exit 0 "$KANON" sandbox status --dir "$SB" -o json
expect_json "$OUT" '[s for s in d["stages"] if s["app"] == "kite-blog" and s["stage"] == "dev"][0]["serving"] == "2026.11.8"'
expect_exit 0 "$KANON" sandbox down --dir "$SB"

step "bad input"
expect_exit 2 "$KANON" sandbox up --dir "$SB" --apps 0
expect_exit 2 "$KANON" sandbox
expect_exit 1 "$KANON" sandbox status --dir "$E2E_TMP/nowhere"
expect_contains "$ERR" "no sandbox in"

echo "ok: sandbox" >&2
