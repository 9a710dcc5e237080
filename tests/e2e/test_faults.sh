# shellcheck shell=bash
# The fault matrix of RELIABILITY.md, the rows not covered elsewhere: a git
# remote that is slow, hangs, or drops the connection mid-push (before and
# after the server applied it); a full disk and an unwritable cache
# directory; Argo CD down, answering 5xx for good, revoking the token
# mid-wait, or answering with a body past the size limit; a site that is
# down, speaks no TLS, or hangs. The rule in every row: nothing half-done in
# web-core (no commit, or exactly the one commit, never two), a message that
# says what happened and what to do, the documented exit code.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

step() { echo "--- $*" >&2; }

srv="$E2E_TMP/srv"
mkdir -p "$srv"
BARE="$srv/web-core.git"
make_webcore "$BARE" 2

# start_git_fault FAULT COUNT [DELAY]: the git server with a push fault
# (tests/e2e/git_http_server.py) for the first COUNT pushes (-1: all).
start_git_fault() {
    rm -f "$E2E_TMP/http.log.faults"
    E2E_GIT_PUSH_FAULT="$1" E2E_GIT_PUSH_FAULT_COUNT="$2" E2E_GIT_DELAY="${3:-0}" start_git_http "$srv"
    REPO="$GIT_HTTP_URL/web-core.git"
}
stop_git() { kill "$GIT_HTTP_PID" 2>/dev/null || true; wait "$GIT_HTTP_PID" 2>/dev/null || true; }
# git's own limit on a stalled transfer, shortened from kanon's 60 s so the
# test is quick (kanon keeps the user's GIT_CONFIG_* as they are).
short_stall() {
    env GIT_CONFIG_COUNT=2 GIT_CONFIG_KEY_0=http.lowSpeedLimit GIT_CONFIG_VALUE_0=1000 \
        GIT_CONFIG_KEY_1=http.lowSpeedTime GIT_CONFIG_VALUE_1=2 "$@"
}
tag_of() { webcore_cat "$BARE" main "deploy/env/release-dev/$1.yaml" | sed -n 's/^  tag: "*\([^"]*\)"*$/\1/p'; }
faults_used() { wc -l <"$E2E_TMP/http.log.faults" 2>/dev/null || echo 0; }

# --- git ----------------------------------------------------------------------
step "a slow remote (every answer 0.3 s late): the release lands, once"
start_git_fault "" 0 0.3
n="$(commit_count "$BARE" main)"
expect_exit 0 "$KANON" release app1 --tag 1.1.0 --repo "$REPO"
expect_eq "$(commit_count "$BARE" main)" "$((n + 1))" "commits after a slow push"
expect_eq "$(tag_of app1)" "1.1.0" "dev tag"
stop_git

step "the connection drops before the server sees the push (twice): retried, one commit"
start_git_fault drop-before 2
n="$(commit_count "$BARE" main)"
expect_exit 0 "$KANON" -v release app1 --tag 1.2.0 --repo "$REPO"
expect_eq "$(faults_used)" "2" "pushes dropped"
expect_contains "$ERR" "the connection failed while pushing"
expect_contains "$ERR" "the commit is not at main's tip; retrying"
expect_eq "$(commit_count "$BARE" main)" "$((n + 1))" "commits after a dropped push"
expect_eq "$(tag_of app1)" "1.2.0" "dev tag"
stop_git

step "the connection drops after the server applied the push: kanon finds its commit, reports it, no second one"
start_git_fault drop-after 2
n="$(commit_count "$BARE" main)"
expect_exit 0 "$KANON" -o json -v release app1 --tag 1.3.0 --repo "$REPO"
expect_contains "$ERR" "the push landed, only its answer was lost"
expect_eq "$(commit_count "$BARE" main)" "$((n + 1))" "commits after a push whose answer was lost"
expect_json "$OUT" 'd["changed"] is True and d["commit"] == "'"$(branch_tip "$BARE" main)"'"'
# The same command again is a no-op: no empty commit, no duplicate.
expect_exit 0 "$KANON" release app1 --tag 1.3.0 --repo "$REPO"
expect_contains "$OUT" "nothing to change"
expect_eq "$(commit_count "$BARE" main)" "$((n + 1))" "commits after the retry"
stop_git

step "the push lands, another writer pushes on top, then the connection drops: kanon still finds its commit below the tip"
# found_below_tip DROPS TAG SAYS: the fault for the first DROPS pushes (the
# other writer commits under each), a release of TAG, and kanon reports the
# commit DROPS below the tip (saying SAYS on the way) as its own.
found_below_tip() {
    start_git_fault drop-after-moved "$1"
    n="$(commit_count "$BARE" main)"
    expect_exit 0 "$KANON" -o json -v release app1 --tag "$2" --repo "$REPO"
    expect_contains "$ERR" "$3"
    expect_contains "$ERR" "below its tip"
    expect_contains "$ERR" "an earlier try of this push landed, only its answer was lost"
    expect_eq "$(commit_count "$BARE" main)" "$((n + 1 + $1))" "commits: ours and the other writer's"
    expect_json "$OUT" 'd["changed"] is True and d["commit"] == "'"$(git --git-dir="$BARE" rev-parse "main~$1")"'"'
    expect_eq "$(tag_of app1)" "$2" "dev tag"
    stop_git
}
# git's transport tries the POST again, and the branch has moved: a stale push.
found_below_tip 1 1.3.1 "main moved while pushing"
# Both tries dropped: the push is lost, and the same search finds it.
found_below_tip 2 1.3.2 "the connection failed while pushing"
# The stale try was the last one allowed: before "gave up without pushing"
# kanon reads the branch again and finds its commit there.
start_git_fault drop-after-moved 1
n="$(commit_count "$BARE" main)"
expect_exit 0 "$KANON" -o json -v release app1 --tag 1.3.3 --repo "$REPO" --attempts 1
expect_contains "$ERR" "an earlier try of this push landed"
expect_not_contains "$ERR" "gave up"
expect_json "$OUT" 'd["changed"] is True and d["commit"] == "'"$(git --git-dir="$BARE" rev-parse main~1)"'"'
stop_git

step "the remote hangs mid-push once: git gives up on the stalled transfer, kanon retries, one commit"
start_git_fault hang 1
n="$(commit_count "$BARE" main)"
expect_exit 0 short_stall "$KANON" -v release app1 --tag 1.4.0 --repo "$REPO"
expect_contains "$ERR" "Operation too slow"
expect_eq "$(commit_count "$BARE" main)" "$((n + 1))" "commits after a hung push"
stop_git

step "the remote drops every push: exit 1 after 3 tries, says nothing changed, web-core as it was"
start_git_fault drop-before -1
tip="$(branch_tip "$BARE" main)"
expect_exit 1 "$KANON" release app1 --tag 1.5.0 --repo "$REPO"
expect_contains "$ERR" "kanon: error: the push to $REPO failed 3 times"
expect_contains "$ERR" "nothing was changed (main does not have the commit)"
expect_eq "$(branch_tip "$BARE" main)" "$tip" "the branch after pushes that never landed"
expect_eq "$(git --git-dir="$BARE" for-each-ref --format='%(refname)' | sort | tr '\n' ' ')" "refs/heads/main " "refs"
stop_git

step "a remote that is down: exit 1 quickly, 'could not be reached'"
expect_exit 1 "$KANON" release app1 --tag 1.5.0 --repo "http://127.0.0.1:$(free_port)/web-core.git"
expect_contains "$ERR" "kanon: error:"
expect_contains "$ERR" "127.0.0.1"

# --- the local disk -----------------------------------------------------------
# A tmpfs of 64 KiB as TMPDIR, in a mount namespace of its own (so nothing
# is left mounted); skipped where mounts are not allowed.
if unshare -m true 2>/dev/null && unshare -m sh -c "mount -t tmpfs -o size=64k tmpfs '$E2E_TMP/home'" 2>/dev/null; then
    step "a full disk (TMPDIR on a full tmpfs): exit 1 naming the problem, web-core untouched, nothing left in TMPDIR"
    start_git_fault "" 0
    tip="$(branch_tip "$BARE" main)"
    full="$E2E_TMP/full"
    mkdir -p "$full"
    # The inner script fills the disk, runs kanon with TMPDIR there, and
    # lists what kanon left behind (the filler excepted).
    cat >"$E2E_TMP/full.sh" <<'EOF'
set -u
mount -t tmpfs -o size=64k tmpfs "$FULL"
head -c 60000 /dev/zero >"$FULL/filler" 2>/dev/null
TMPDIR="$FULL" "$KANON" release app1 --tag 1.6.0 --repo "$REPO" >"$OUT_FILE" 2>"$ERR_FILE"
echo $? >"$RC_FILE"
ls -A "$FULL" | grep -v "^filler$" >"$LEFT_FILE" || true
EOF
    FULL="$full" REPO="$REPO" OUT_FILE="$E2E_TMP/full.out" ERR_FILE="$E2E_TMP/full.err" RC_FILE="$E2E_TMP/full.rc" \
        LEFT_FILE="$E2E_TMP/full.left" unshare -m bash "$E2E_TMP/full.sh"
    expect_eq "$(cat "$E2E_TMP/full.rc")" "1" "exit code on a full disk"
    expect_contains "$(cat "$E2E_TMP/full.err")" "kanon: error:"
    expect_contains "$(cat "$E2E_TMP/full.err")" "is full: "
    expect_eq "$(cat "$E2E_TMP/full.left")" "" "what kanon left in TMPDIR"
    expect_eq "$(branch_tip "$BARE" main)" "$tip" "the branch after a full disk"
    stop_git
else
    echo "SKIP (part): mounting a tmpfs is not allowed here; the full-disk row is untested" >&2
fi

step "an unwritable cache directory: exit 1 naming it, web-core untouched"
start_git_fault "" 0
tip="$(branch_tip "$BARE" main)"
printf 'a file, not a directory\n' >"$E2E_TMP/not-a-dir"
expect_exit 1 "$KANON" release app1 --tag 1.7.0 --repo "$REPO" --cache-dir "$E2E_TMP/not-a-dir/cache"
expect_contains "$ERR" "kanon: error: cannot create the cache directory $E2E_TMP/not-a-dir/cache"
expect_eq "$(branch_tip "$BARE" main)" "$tip" "the branch after an unwritable cache"
# A cache that works, then a release with it.
expect_exit 0 "$KANON" release app1 --tag 1.7.0 --repo "$REPO" --cache-dir "$E2E_TMP/cache"
expect_eq "$(tag_of app1)" "1.7.0" "dev tag with a cache"
stop_git

# --- Argo CD --------------------------------------------------------------------
SIM="$(dirname "$KANON")/kanon-argocd-sim"
FIX="${KANON_SHARED_DIR:-}/argocd"
if [[ -x "$SIM" && -f "$FIX/app-synced-old-revision.json" ]]; then
    R2=96081487e974057da401ac93c2bccca6f78b0892
    TOKEN="eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwcm9qOnN5bmVzdHJhOmNpIn0.faults-secret-signature"
    export ARGOCD_AUTH_TOKEN="$TOKEN"
    start_sim() {
        local pf="$E2E_TMP/.sim-port.$RANDOM"
        SIM_LOG="$E2E_TMP/sim.$RANDOM.log"
        printf '%s\n' "$1" >"$E2E_TMP/scenario.json"
        "$SIM" --scenario "$E2E_TMP/scenario.json" --fixtures "$FIX" --port-file "$pf" --token "$TOKEN" \
            --log "$SIM_LOG" >>"$E2E_TMP/sim.stderr" 2>&1 &
        SIM_PID=$!
        on_exit "kill $SIM_PID 2>/dev/null"
        await_server "$SIM_PID" "$pf" "$E2E_TMP/sim.stderr" "the Argo CD simulator"
        export ARGOCD_SERVER="127.0.0.1:$(cat "$pf")"
    }
    W=(wait synestra-io --stage dev --revision "$R2" --project synestra --plaintext)

    step "no Argo CD at the address (connection refused): 4 tries, then exit 1 naming the server, not the 60 s timeout"
    t0=$(date +%s)
    nowhere="127.0.0.1:$(free_port)"
    expect_exit 1 env ARGOCD_SERVER="$nowhere" "$KANON" "${W[@]}" --timeout 60s
    (($(date +%s) - t0 < 20)) || fail "the wait took $(($(date +%s) - t0)) s to give up on a closed port"
    expect_contains "$ERR" "kanon: error: Argo CD at http://$nowhere cannot be reached"
    expect_contains "$ERR" "(4 tries in"
    expect_contains "$ERR" "will retry"

    step "Argo CD down with a short timeout: the timeout comes first, exit 5 naming what did not answer"
    expect_exit 5 env ARGOCD_SERVER="127.0.0.1:$(free_port)" "$KANON" "${W[@]}" --timeout 2s
    expect_contains "$OUT" "Argo CD did not answer"
    expect_contains "$OUT" "Couldn't connect to server"

    step "Argo CD accepts and never answers: the request is cut at --timeout, exit 5 (not after the 30 s request limit)"
    pf="$E2E_TMP/.argo-hang-port"
    python3 "$E2E_LIB_DIR/fault_server.py" "$pf" hang 2>>"$E2E_TMP/argo-hang.log" &
    on_exit "kill $! 2>/dev/null"
    await_server $! "$pf" "$E2E_TMP/argo-hang.log" "the hanging Argo CD"
    t0=$(date +%s)
    expect_exit 5 env ARGOCD_SERVER="127.0.0.1:$(cat "$pf")" "$KANON" "${W[@]}" --timeout 3s
    (($(date +%s) - t0 < 6)) || fail "the wait took $(($(date +%s) - t0)) s against a 3 s timeout"
    expect_contains "$OUT" "Argo CD did not answer web-synestra-io-dev within the timeout"

    step "Argo CD never answers, sync: the GET is cut at --timeout, exit 5, no sync started"
    t0=$(date +%s)
    expect_exit 5 env ARGOCD_SERVER="127.0.0.1:$(cat "$pf")" "$KANON" sync synestra-io --stage dev --project synestra \
        --plaintext --timeout 3s
    (($(date +%s) - t0 < 6)) || fail "the sync took $(($(date +%s) - t0)) s against a 3 s timeout"
    expect_contains "$ERR" "Argo CD did not answer for 3s; no sync started"
    expect_eq "$(grep -c '^POST' "$E2E_TMP/argo-hang.log" || true)" "0" "sync requests sent"

    step "Argo CD takes the sync request and never answers: cut at --timeout, exit 5, says the sync may have started"
    pf2="$E2E_TMP/.argo-sync-hang-port"
    python3 "$E2E_LIB_DIR/fault_server.py" "$pf2" argocd-sync-hangs "$FIX/app-outofsync.json" \
        2>>"$E2E_TMP/argo-sync-hang.log" &
    on_exit "kill $! 2>/dev/null"
    await_server $! "$pf2" "$E2E_TMP/argo-sync-hang.log" "the Argo CD whose sync hangs"
    t0=$(date +%s)
    expect_exit 5 env ARGOCD_SERVER="127.0.0.1:$(cat "$pf2")" "$KANON" sync synestra-io --stage dev \
        --project synestra --plaintext --timeout 3s
    (($(date +%s) - t0 < 6)) || fail "the sync took $(($(date +%s) - t0)) s against a 3 s timeout"
    expect_contains "$ERR" "Argo CD did not answer the sync of web-synestra-io-dev within 3s"
    expect_contains "$ERR" "the sync may have started"
    expect_eq "$(grep -c '^POST /api/v1/applications/web-synestra-io-dev/sync' "$E2E_TMP/argo-sync-hang.log")" "1" \
        "sync requests sent"

    step "a proxy answers 502 to every sync request: exit 5 at --timeout, says the sync may have started"
    pf3="$E2E_TMP/.argo-sync-502-port"
    python3 "$E2E_LIB_DIR/fault_server.py" "$pf3" argocd-sync-502 "$FIX/app-outofsync.json" \
        2>>"$E2E_TMP/argo-sync-502.log" &
    on_exit "kill $! 2>/dev/null"
    await_server $! "$pf3" "$E2E_TMP/argo-sync-502.log" "the Argo CD behind a failing proxy"
    expect_exit 5 env ARGOCD_SERVER="127.0.0.1:$(cat "$pf3")" "$KANON" sync synestra-io --stage dev \
        --project synestra --plaintext --timeout 3s
    expect_contains "$ERR" "Argo CD gave no clear answer to the sync of web-synestra-io-dev within 3s"
    expect_contains "$ERR" "the sync may have started"
    expect_not_contains "$ERR" "no sync started"

    step "Argo CD answers a sync 200 with a body cut short: the sync started, and is never sent again"
    pf4="$E2E_TMP/.argo-sync-cut-port"
    python3 "$E2E_LIB_DIR/fault_server.py" "$pf4" argocd-sync-cut "$FIX/app-outofsync.json" \
        2>>"$E2E_TMP/argo-sync-cut.log" &
    on_exit "kill $! 2>/dev/null"
    await_server $! "$pf4" "$E2E_TMP/argo-sync-cut.log" "the Argo CD whose sync answer is cut short"
    expect_exit 0 env ARGOCD_SERVER="127.0.0.1:$(cat "$pf4")" "$KANON" sync synestra-io --stage dev \
        --project synestra --plaintext --timeout 5s
    expect_contains "$OUT" "sync started: web-synestra-io-dev"
    expect_contains "$ERR" "Argo CD accepted the sync of web-synestra-io-dev (200) but its answer could not be read"
    expect_eq "$(grep -c '^POST /api/v1/applications/web-synestra-io-dev/sync' "$E2E_TMP/argo-sync-cut.log")" "1" \
        "sync requests sent"

    step "Argo CD answers 503 for good: exit 5 at the timeout, the status in the message"
    start_sim '{"faults": {"http_status": {"status": 503}}, "apps": [{"timeline": [{"fixture": "app-synced-old-revision.json"}]}]}'
    expect_exit 5 "$KANON" "${W[@]}" --timeout 4s
    expect_contains "$OUT" "Argo CD did not answer: Service Unavailable"
    (($(grep -c ' 503' "$SIM_LOG") >= 2)) || fail "the 503 was not retried: $(cat "$SIM_LOG")"
    kill "$SIM_PID"

    step "a proxy's 502 HTML page twice, then Argo CD: retried, success"
    start_sim '{"faults": {"http_status": {"status": 502, "body": "<html><body>502 Bad Gateway</body></html>", "content_type": "text/html", "count": 2}}, "apps": [{"timeline": [{"ndjson": "watch-stream.ndjson", "to_line": 1}, {"ndjson": "watch-stream.ndjson", "from_line": 2, "on": "refresh", "every_ms": 100}]}]}'
    expect_exit 0 "$KANON" "${W[@]}" --timeout 30s
    expect_contains "$ERR" "will retry"
    kill "$SIM_PID"

    step "the token is revoked mid-wait (401 on the stream, then on GET): exit 1 at once, a hint, no token"
    start_sim '{"faults": {"http_status": {"status": 401, "message": "invalid session: token signature is invalid", "after": 1}, "stream_error_after": {"after": 1, "code": 16, "message": "invalid session: token signature is invalid"}}, "apps": [{"timeline": [{"ndjson": "watch-stream.ndjson", "to_line": 1}, {"ndjson": "watch-stream.ndjson", "from_line": 2, "on": "refresh", "every_ms": 2000}]}]}'
    t0=$(date +%s)
    expect_exit 1 "$KANON" "${W[@]}" --timeout 30s -v
    (($(date +%s) - t0 < 10)) || fail "a revoked token was retried for $(($(date +%s) - t0)) s"
    expect_contains "$ERR" "kanon: error: Argo CD: GET application web-synestra-io-dev: not authenticated"
    expect_contains "$ERR" "kanon: hint: set ARGOCD_AUTH_TOKEN"
    expect_not_contains "$OUT$ERR" "faults-secret-signature" "output with a revoked token"
    grep -q ' 200$' "$SIM_LOG" || fail "the token worked before it was revoked: $(cat "$SIM_LOG")"
    kill "$SIM_PID"

    step "Argo CD answers 100 MB for an Application: refused at the response limit (16 MiB), exit 1, memory bounded"
    pf="$E2E_TMP/.big-port"
    python3 "$E2E_LIB_DIR/fault_server.py" "$pf" big-json $((100 * 1024 * 1024)) 2>>"$E2E_TMP/big.log" &
    on_exit "kill $! 2>/dev/null"
    await_server $! "$pf" "$E2E_TMP/big.log" "the big-body server"
    expect_exit 1 /usr/bin/time -f '%M' -o "$E2E_TMP/big.rss" env ARGOCD_SERVER="127.0.0.1:$(cat "$pf")" \
        "$KANON" "${W[@]}" --timeout 3s
    expect_contains "$ERR" "kanon: error: Argo CD: GET application web-synestra-io-dev failed"
    expect_contains "$ERR" "the response is larger than 16777216 bytes"
    (($(tail -1 "$E2E_TMP/big.rss") < 200000)) || fail "kanon used $(tail -1 "$E2E_TMP/big.rss") KiB for a 100 MB answer"

    step "a watch message that never ends (64 MB, no newline): refused at the stream limit, the wait goes on by GET"
    pf="$E2E_TMP/.stream-port"
    python3 "$E2E_LIB_DIR/fault_server.py" "$pf" argocd-stream "$FIX/app-synced-old-revision.json" $((64 * 1024 * 1024)) \
        2>>"$E2E_TMP/stream.log" &
    on_exit "kill $! 2>/dev/null"
    await_server $! "$pf" "$E2E_TMP/stream.log" "the endless-stream server"
    expect_exit 5 /usr/bin/time -f '%M' -o "$E2E_TMP/stream.rss" env ARGOCD_SERVER="127.0.0.1:$(cat "$pf")" \
        "$KANON" "${W[@]}" --timeout 4s --no-refresh -v
    expect_contains "$ERR" "watch ended"
    expect_contains "$ERR" "message"
    (($(tail -1 "$E2E_TMP/stream.rss") < 200000)) || fail "kanon used $(tail -1 "$E2E_TMP/stream.rss") KiB on an endless message"
else
    echo "SKIP (part): the simulator or ../shared/argocd is absent; the Argo CD rows are untested here" >&2
fi

# --- the site ---------------------------------------------------------------------
step "a site that is down: exit 4, the connection error per path"
expect_exit 4 "$KANON" smoke app1 --stage dev --url "http://127.0.0.1:$(free_port)"
expect_contains "$OUT" "Couldn't connect to server"

pf="$E2E_TMP/.hang-port"
python3 "$E2E_LIB_DIR/fault_server.py" "$pf" hang 2>>"$E2E_TMP/hang.log" &
on_exit "kill $! 2>/dev/null"
await_server $! "$pf" "$E2E_TMP/hang.log" "the hanging server"
HANG="127.0.0.1:$(cat "$pf")"

step "a site that speaks no TLS on an https URL: exit 4, a TLS error"
# The hanging server never answers; TLS fails on the first bytes it does not send.
pf="$E2E_TMP/.plain-port"
python3 "$E2E_LIB_DIR/fault_server.py" "$pf" big 10 2>>"$E2E_TMP/plain.log" &
on_exit "kill $! 2>/dev/null"
await_server $! "$pf" "$E2E_TMP/plain.log" "the plain server"
expect_exit 4 "$KANON" smoke app1 --stage dev --url "https://127.0.0.1:$(cat "$pf")" --timeout 5s
expect_contains "$OUT" "SSL"

step "a site that hangs: each path fails at --timeout, exit 4, in bounded time"
t0=$(date +%s)
expect_exit 4 "$KANON" smoke app1 --stage dev --url "http://$HANG" --timeout 1s
(($(date +%s) - t0 < 8)) || fail "smoke against a hanging site took $(($(date +%s) - t0)) s"
expect_contains "$OUT" "timed out"

echo "PASS" >&2
