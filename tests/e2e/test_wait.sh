# shellcheck shell=bash
# End-to-end tests of `kanon wait` and `kanon sync`: the real binary against
# the Argo CD simulator (kanon-argocd-sim, built beside kanon) on loopback,
# playing the fixture timelines of ../shared/argocd, and against a real
# web-core repository for the revision rules (a descendant that keeps our tag
# counts, another tag for the stage means superseded). Skipped when the
# fixtures or the simulator are absent.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

step() { echo "--- $*" >&2; }

SIM="$(dirname "$KANON")/kanon-argocd-sim"
FIX="${KANON_SHARED_DIR:-}/argocd"
SCEN="${KANON_SOURCE_DIR:?}/tests/support/argocd"
[[ -x "$SIM" ]] || { echo "SKIP: $SIM is not built" >&2; exit 77; }
[[ -f "$FIX/app-synced-healthy.json" ]] || { echo "SKIP: ../shared/argocd is absent" >&2; exit 77; }

R2=96081487e974057da401ac93c2bccca6f78b0892
R3=ad3c59132fecb1bfafc858b683a57824a477c334
IMAGE=registry.gitlab.example.com/synestra/web-synestra-io
TOKEN="eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwcm9qOnN5bmVzdHJhOmNpIn0.e2e-secret-signature"

# start_sim SCENARIO: the simulator on a free port, killed on exit; sets
# ARGOCD_SERVER and SIM_LOG (one line per request).
start_sim() {
    local scenario="$1" pf="$E2E_TMP/.sim-port.$RANDOM"
    SIM_LOG="$E2E_TMP/sim.$RANDOM.log"
    "$SIM" --scenario "$scenario" --fixtures "$FIX" --port-file "$pf" --token "$TOKEN" --log "$SIM_LOG" \
        >>"$E2E_TMP/sim.stderr" 2>&1 &
    await_server $! "$pf" "$E2E_TMP/sim.stderr" "the Argo CD simulator"
    export ARGOCD_SERVER="127.0.0.1:$(cat "$pf")"
}

export ARGOCD_AUTH_TOKEN="$TOKEN"
plain=(--plaintext)

step "no web-core, --revision: the old revision is not success; refresh, then the stream to SUCCESS"
start_sim "$SCEN/dev-refresh-to-healthy.json"
expect_exit 0 "$KANON" wait synestra-io --stage dev --revision "$R2" --tag c3e8b0f4 --project synestra "${plain[@]}" --timeout 30s
expect_contains "$OUT" "deployed: web-synestra-io-dev (dev) at 9608148, tag c3e8b0f4"
expect_contains "$ERR" "Synced @1563496 · Healthy · sync Succeeded  WAIT_REVISION"
expect_contains "$ERR" "WAIT_STALE"
expect_contains "$ERR" "Synced @9608148 · Healthy · sync Succeeded  SUCCESS"
expect_not_contains "$OUT$ERR" "$TOKEN" "output"
expect_contains "$(cat "$SIM_LOG")" "refresh=normal"

step "-o json: one document with ok, reason and the steps"
start_sim "$SCEN/dev-refresh-to-healthy.json"
expect_exit 0 "$KANON" -o json wait synestra-io --stage dev --revision "$R2" --project synestra "${plain[@]}"
expect_json "$OUT" 'd["ok"] is True and d["outcome"] == "deployed" and d["revision"] == "'$R2'"'
expect_json "$OUT" 'd["steps"][0]["verdict"] == "WAIT_REVISION" and d["steps"][-1]["verdict"] == "SUCCESS"'
expect_json "$OUT" 'd["last"]["sync"]["revision"] == "'$R2'" and d["last"]["health"]["status"] == "Healthy"'

step "a failed sync: exit 4 at once, with Argo CD's message and the failing resource"
start_sim "$SCEN/prod-sync-fails.json"
expect_exit 4 "$KANON" wait synestra-io --stage prod --revision "$R3" --project synestra --sync "${plain[@]}"
expect_contains "$OUT" "sync failed"
expect_contains "$OUT" "must be less than or equal to cpu limit"
expect_eq "$(grep -c 'POST /api/v1/applications/web-synestra-io-prod/sync' "$SIM_LOG")" 1 "sync requests"

step "Degraded past the grace period: exit 4"
start_sim "$SCEN/dev-degraded.json"
expect_exit 4 "$KANON" wait synestra-io --stage dev --revision "$R2" --project synestra --degraded-grace 1s "${plain[@]}"
expect_contains "$OUT" "degraded"
expect_contains "$OUT" "progress deadline"

step "a refresh that never completes: exit 5 in time, saying what it waited for"
start_sim "$SCEN/dev-refresh-hangs.json"
start=$(date +%s)
expect_exit 5 "$KANON" wait synestra-io --stage dev --revision "$R2" --project synestra --timeout 3s "${plain[@]}"
(($(date +%s) - start < 15)) || fail "a hanging refresh held the wait past its timeout"
expect_contains "$OUT" "timed out"
expect_contains "$OUT" "WAIT_REVISION"

step "SIGTERM mid-wait: stops at once, says so, exit 130"
"$KANON" wait synestra-io --stage dev --revision "$R2" --project synestra --timeout 60s "${plain[@]}" \
    >"$E2E_TMP/term.out" 2>"$E2E_TMP/term.err" &
waiter=$!
sleep 1.5
start=$(date +%s)
kill -TERM "$waiter"
rc=0
wait "$waiter" || rc=$?
expect_eq "$rc" 130 "exit code after SIGTERM"
(($(date +%s) - start < 3)) || fail "the wait took more than 2 s to stop after SIGTERM"
expect_contains "$(cat "$E2E_TMP/term.out")" "interrupted"

step "API errors and a stream cut mid-way: retried, then SUCCESS"
start_sim "$SCEN/dev-flaky-api.json"
expect_exit 0 "$KANON" wait synestra-io --stage dev --revision "$R2" --project synestra "${plain[@]}"
expect_contains "$ERR" "watch ended"

step "401: exit 1, a hint, and never the token"
start_sim "$SCEN/dev-degraded.json"
expect_exit 1 env ARGOCD_AUTH_TOKEN="aaaa.bbbb.wrong-token-value" "$KANON" wait synestra-io --stage dev --revision "$R2" --project synestra "${plain[@]}"
expect_contains "$ERR" "not authenticated"
expect_contains "$ERR" "kanon: hint: set ARGOCD_AUTH_TOKEN"
expect_not_contains "$OUT$ERR" "wrong-token-value"
expect_exit 1 "$KANON" wait synestra-io --stage dev --revision "$R2" --project synestra --argocd-token "aaaa.bbbb.flag-token-value" "${plain[@]}" -v
expect_not_contains "$OUT$ERR" "flag-token-value"

step "404 with the project, 403 without"
expect_exit 1 "$KANON" wait nope --stage dev --revision "$R2" --project synestra "${plain[@]}"
expect_contains "$ERR" "no Application web-nope-dev in project synestra"
expect_exit 1 "$KANON" wait nope --stage dev --revision "$R2" "${plain[@]}"
expect_contains "$ERR" "permission denied"

step "usage: no server, a short SHA, a bad duration"
expect_exit 2 env -u ARGOCD_SERVER "$KANON" wait synestra-io --stage dev --revision "$R2"
expect_contains "$ERR" "ARGOCD_SERVER"
expect_exit 2 "$KANON" wait synestra-io --stage dev --revision 9608148 "${plain[@]}"
expect_contains "$ERR" "full 40-hex"
expect_exit 2 "$KANON" wait synestra-io --stage dev --revision "$R2" --timeout 5x "${plain[@]}"
expect_contains "$ERR" "not a duration"

# --- with a real web-core: which revisions count ----------------------------
srv="$E2E_TMP/srv"
mkdir -p "$srv"
make_webcore_apps "$srv/web.git" synestra-io other
repo="file://$srv/web.git"
expect_exit 0 "$KANON" release synestra-io --tag c3e8b0f4 --repository "$IMAGE" --repo "$repo"
ours="$(branch_tip "$srv/web.git" main)"

# scenario_at REVISION: dev idles on an unknown old revision, then after a
# refresh is Synced and Healthy at REVISION running c3e8b0f4.
scenario_at() {
    cat >"$E2E_TMP/at.json" <<JSON
{"apps": [{"timeline": [
  {"fixture": "app-synced-old-revision.json", "patch": {"spec": {"project": "default"}}},
  {"fixture": "app-synced-healthy.json", "on": "refresh", "after_ms": 200,
   "patch": {"spec": {"project": "default"},
             "status": {"sync": {"revision": "$1"},
                        "operationState": {"syncResult": {"revision": "$1"}, "operation": {"sync": {"revision": "$1"}}}}}}
]}]}
JSON
    start_sim "$E2E_TMP/at.json"
}

step "with --repo: R is the commit that last changed the release file, T its tag"
scenario_at "$ours"
expect_exit 0 "$KANON" wait synestra-io --stage dev --repo "$repo" "${plain[@]}"
expect_contains "$OUT" "at ${ours:0:7}, tag c3e8b0f4"

step "another app's commit after ours: the descendant still holds our tag, so it counts"
webcore_release "$srv/web.git" main other dev 9.9.9
later="$(branch_tip "$srv/web.git" main)"
scenario_at "$later"
expect_exit 0 "$KANON" wait synestra-io --stage dev --repo "$repo" --revision "$ours" "${plain[@]}"
expect_contains "$OUT" "Synced at ${later:0:7} and Healthy"

step "R found past the first 64 commits: the clone deepens until the release file's last change"
for ((i = 0; i < 70; i++)); do
    printf 'commit refs/heads/main\ncommitter E2E <e@e.invalid> %d +0000\ndata 5\nother\nfrom refs/heads/main^0\nM 100644 inline deploy/env/release-dev/other.yaml\ndata %d\n%s\n' \
        "$(date +%s)" "$(release_yaml registry.example.com/web/web-other "9.$i.0" | wc -c)" "$(release_yaml registry.example.com/web/web-other "9.$i.0")"
done | _fast_import "$srv/web.git"
deep="$(branch_tip "$srv/web.git" main)"
scenario_at "$deep"
expect_exit 0 "$KANON" wait synestra-io --stage dev --repo "$repo" "${plain[@]}"
expect_contains "$OUT" "at ${ours:0:7}, tag c3e8b0f4: Synced at ${deep:0:7} and Healthy"

step "a newer release of this stage: superseded, exit 4, naming the commit and its tag"
expect_exit 0 "$KANON" release synestra-io --tag d00dfeed --repo "$repo"
newer="$(branch_tip "$srv/web.git" main)"
scenario_at "$newer"
expect_exit 4 "$KANON" wait synestra-io --stage dev --repo "$repo" --revision "$ours" "${plain[@]}"
expect_contains "$OUT" "superseded"
expect_contains "$OUT" "${newer:0:7}"
expect_contains "$OUT" "d00dfeed"

step "--tag must be what the release file holds at --revision"
expect_exit 4 "$KANON" wait synestra-io --stage dev --repo "$repo" --revision "$ours" --tag 1.0.0 "${plain[@]}"
expect_contains "$ERR" "holds tag c3e8b0f4, not 1.0.0"

step "release --wait: the commit, then the wait for exactly that commit (one JSON document)"
# Fixed dates make the commit predictable: release once into a copy to learn it.
export GIT_AUTHOR_DATE="2026-11-26T10:00:00Z" GIT_COMMITTER_DATE="2026-11-26T10:00:00Z"
cp -r "$srv/web.git" "$srv/copy.git"
expect_exit 0 "$KANON" release synestra-io --tag c3e8b0f4 --repo "file://$srv/copy.git"
next="$(branch_tip "$srv/copy.git" main)"
scenario_at "$next"
expect_exit 0 "$KANON" -o json release synestra-io --tag c3e8b0f4 --repo "$repo" --wait "${plain[@]}" --timeout 30s
expect_eq "$(branch_tip "$srv/web.git" main)" "$next" "the pushed commit"
expect_json "$OUT" 'd["changed"] and d["commit"] == "'$next'" and d["ok"] and d["wait"]["outcome"] == "deployed"'

step "release --wait that never deploys: the commit stays, exit 5, both reported"
expect_exit 0 "$KANON" release synestra-io --tag feedbeef --repo "file://$srv/copy.git"
scenario_at "$next"  # Argo CD keeps running the previous commit
expect_exit 5 "$KANON" release synestra-io --tag feedbeef --repo "$repo" --wait --timeout 2s "${plain[@]}"
expect_contains "$OUT" "feedbeef"
expect_contains "$OUT" "timed out"
expect_eq "$(branch_tip "$srv/web.git" main)" "$(branch_tip "$srv/copy.git" main)" "the pushed commit"
unset GIT_AUTHOR_DATE GIT_COMMITTER_DATE

step "kanon sync: a POST; with an operation running, it waits for the end first"
cat >"$E2E_TMP/sync.json" <<JSON
{"apps": [{"timeline": [
  {"fixture": "app-outofsync.json"},
  {"fixture": "app-syncing-progressing.json", "on": "sync", "after_ms": 100}
]}]}
JSON
start_sim "$E2E_TMP/sync.json"
expect_exit 0 "$KANON" sync synestra-io --stage prod --project synestra "${plain[@]}"
expect_contains "$OUT" "sync started: web-synestra-io-prod at ad3c591"
expect_exit 5 "$KANON" sync synestra-io --stage prod --project synestra --timeout 3s "${plain[@]}"
expect_contains "$ERR" "waiting for it to end"
expect_contains "$ERR" "still running after 3s"
expect_eq "$(grep -c 'POST .*/sync' "$SIM_LOG")" 1 "sync requests"
cat >"$E2E_TMP/sync2.json" <<JSON
{"apps": [{"timeline": [
  {"fixture": "app-syncing-progressing.json"},
  {"fixture": "app-sync-failed.json", "after_ms": 2500},
  {"fixture": "app-syncing-progressing.json", "on": "sync", "after_ms": 100}
]}]}
JSON
start_sim "$E2E_TMP/sync2.json"
expect_exit 0 "$KANON" sync synestra-io --stage prod --project synestra --timeout 30s "${plain[@]}"
expect_contains "$ERR" "waiting for it to end"
expect_contains "$OUT" "sync started"
expect_eq "$(grep -c 'POST .*/sync' "$SIM_LOG")" 1 "sync requests"

# --- wait --http: no Argo CD, the site itself ----------------------------
# A site that answers 503 twice, then 200 with X-Release: the tag in a file.
cat >"$E2E_TMP/site.py" <<'PY'
import http.server, sys
state = {"n": 0}
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        state["n"] += 1
        code = 503 if state["n"] <= 2 else 200
        self.send_response(code)
        self.send_header("X-Release", open(sys.argv[2]).read().strip())
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
echo old >"$E2E_TMP/release"
python3 "$E2E_TMP/site.py" "$E2E_TMP/site.port" "$E2E_TMP/release" 2>"$E2E_TMP/site.stderr" &
await_server $! "$E2E_TMP/site.port" "$E2E_TMP/site.stderr" "the test site"
site="http://127.0.0.1:$(cat "$E2E_TMP/site.port")"

step "wait --http without web-core: past the 5xx answers, any answer will do"
expect_exit 0 "$KANON" wait synestra-io --stage dev --http --url "$site" --timeout 20s
expect_contains "$OUT" "deployed: $site"
expect_contains "$ERR" "503"

step "wait --http with site_version: the header must name the tag (and does, later)"
webcore_write "$srv/web.git" main "kanon.yaml: the site says its release" kanon.yaml $'version: 1\nsite_version:\n  header: X-Release\n'
(sleep 2; echo c3e8b0f4 >"$E2E_TMP/release") &
expect_exit 0 "$KANON" -o json wait synestra-io --stage dev --http --url "$site" --repo "$repo" --revision "$ours" --timeout 20s
expect_json "$OUT" 'd["ok"] and d["tag"] == "c3e8b0f4" and d["version"] == "c3e8b0f4"'

step "wait --http that never sees the tag: exit 5, saying what it saw"
echo old >"$E2E_TMP/release"
expect_exit 5 "$KANON" wait synestra-io --stage dev --http --url "$site" --repo "$repo" --revision "$ours" --timeout 2s
expect_contains "$OUT" "timed out"
expect_exit 2 "$KANON" wait synestra-io --stage dev --http --tag 1.0.0

step "release --smoke: commit, wait, then the stage's site checked (one JSON document)"
webcore_write "$srv/web.git" main "kanon.yaml: the stage URL is the local site" kanon.yaml \
    "$(printf 'version: 1\nurls:\n  stage: "%s"\nsmoke:\n  paths: [/, /health]\n' "$site")"$'\n'
export GIT_AUTHOR_DATE="2026-11-26T11:00:00Z" GIT_COMMITTER_DATE="2026-11-26T11:00:00Z"
rm -rf "$srv/copy.git" && cp -r "$srv/web.git" "$srv/copy.git"
expect_exit 0 "$KANON" release synestra-io --tag 5ca1ab1e --repository "$IMAGE" --repo "file://$srv/copy.git"
smoked="$(branch_tip "$srv/copy.git" main)"
cat >"$E2E_TMP/at.json" <<JSON
{"apps": [{"timeline": [
  {"fixture": "app-synced-healthy.json",
   "patch": {"spec": {"project": "default"},
             "status": {"sync": {"revision": "$smoked"}, "summary": {"images": ["$IMAGE:5ca1ab1e"]},
                        "operationState": {"syncResult": {"revision": "$smoked"}}}}}
]}]}
JSON
start_sim "$E2E_TMP/at.json"
expect_exit 0 "$KANON" -o json release synestra-io --tag 5ca1ab1e --repository "$IMAGE" --repo "$repo" --smoke "${plain[@]}"
expect_json "$OUT" 'd["ok"] and d["commit"] == "'$smoked'" and d["wait"]["ok"] and d["smoke"]["ok"]'
expect_json "$OUT" '[s["path"] for s in d["smoke"]["steps"]] == ["/", "/health"]'
unset GIT_AUTHOR_DATE GIT_COMMITTER_DATE

echo "PASS" >&2
