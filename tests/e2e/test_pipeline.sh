# shellcheck shell=bash
# End-to-end tests of `kanon pipeline` over the sandbox: a real git server
# (smart HTTP), the Argo CD simulator deploying from it, and the sites. The
# good path with its JSON, JUnit and dotenv reports; idempotent re-runs; each
# fault (broken- never healthy, loop- /admin loops); the manual gate and the
# command it prints; SIGINT mid-wait; two pipelines for different apps at
# once.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

step() { echo "--- $*" >&2; }

SB="$E2E_TMP/sb"
start_sandbox "$SB" --apps 2 --poll 1s --sync-time 200ms --rollout 300ms --progress-deadline 1s
TOKEN="$ARGOCD_AUTH_TOKEN"
site_release() {
    python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1] + "/").headers["X-Release"])' \
        "$(json_get "$SB/sandbox.json" "d['sites']['$1']['$2']")"
}
P=(--repo "$REPO" --plaintext --timeout 60s)

step "the good path: build contract, dev, prod; JSON, JUnit and dotenv"
REF="$(branch_tip "$BARE" main)"
expect_exit 0 "$KANON" pipeline synestra-io --tag 2026.11.1 --ref "$REF" "${P[@]}" \
    --junit "$E2E_TMP/junit.xml" --dotenv "$E2E_TMP/deploy.env" -o json
expect_json "$OUT" 'd["ok"] is True and d["exit_code"] == 0 and d["app"] == "synestra-io" and d["tag"] == "2026.11.1"'
expect_json "$OUT" '[(s["name"], s["stage"] or "", s["status"]) for s in d["steps"]] == [("build-contract", "", "passed"), ("release", "dev", "passed"), ("wait", "dev", "passed"), ("smoke", "dev", "passed"), ("promote", "prod", "passed"), ("wait", "prod", "passed"), ("smoke", "prod", "passed")]'
expect_json "$OUT" 'all(len(d["commits"][s]) == 40 for s in ("dev", "prod"))'
expect_json "$OUT" '[s for s in d["steps"] if s["name"] == "wait"][0]["wait"]["outcome"] in ("success", "deployed")'
expect_json "$OUT" 'all(s["elapsed_ms"] >= 0 for s in d["steps"])'
expect_not_contains "$OUT$ERR" "$TOKEN" "pipeline output"
DEV_COMMIT="$(json_get "$OUT" 'd["commits"]["dev"]')"
PROD_COMMIT="$(json_get "$OUT" 'd["commits"]["prod"]')"
expect_eq "$(release_tag synestra-io dev)" "2026.11.1" "dev release file"
expect_eq "$(release_tag synestra-io prod)" "2026.11.1" "prod release file"
expect_eq "$(site_release synestra-io prod)" "2026.11.1" "prod site"
expect_eq "$(git --git-dir="$BARE" log -1 --format=%B "$DEV_COMMIT" | sed -n 's/^Kanon-Source-Ref: //p')" "$REF" \
    "source ref trailer"
python3 - "$E2E_TMP/deploy.env" "$DEV_COMMIT" "$PROD_COMMIT" <<'EOF' || fail "dotenv is wrong: $(cat "$E2E_TMP/deploy.env")"
import sys
env = dict(line.split("=", 1) for line in open(sys.argv[1]).read().splitlines() if line)
assert env["KANON_TAG"] == "2026.11.1", env
assert env["KANON_DEV_COMMIT"] == sys.argv[2], env
assert env["KANON_PROD_COMMIT"] == sys.argv[3], env
assert all(" " not in v and "\"" not in v for v in env.values()), env
EOF
python3 - "$E2E_TMP/junit.xml" "$TOKEN" <<'EOF' || fail "JUnit is wrong: $(cat "$E2E_TMP/junit.xml")"
import sys, xml.etree.ElementTree as ET
text = open(sys.argv[1]).read()
assert sys.argv[2] not in text
root = ET.fromstring(text)
suite = root if root.tag == "testsuite" else root.find("testsuite")
assert int(suite.get("tests")) == 7 and int(suite.get("failures")) == 0, suite.attrib
cases = suite.findall("testcase")
assert len(cases) == 7 and all(c.find("failure") is None and c.find("skipped") is None for c in cases)
assert all(float(c.get("time")) >= 0 for c in cases)
EOF

step "history shows the release and the promotion"
expect_exit 0 "$KANON" history synestra-io --repo "$REPO" -o json
expect_json "$OUT" 'any(e.get("tag") == "2026.11.1" for e in d["entries"])'

step "a re-run changes nothing and still verifies"
COUNT="$(commit_count "$BARE" main)"
expect_exit 0 "$KANON" pipeline synestra-io --tag 2026.11.1 "${P[@]}" -o json
expect_json "$OUT" 'd["ok"] is True and [s for s in d["steps"] if s["name"] == "release"][0].get("changed") is False'
expect_eq "$(commit_count "$BARE" main)" "$COUNT" "commits after a re-run"

step "broken-: stops at dev with exit 4, prod untouched, says how to bring dev back"
COUNT="$(commit_count "$BARE" main)"
expect_exit 4 "$KANON" pipeline synestra-io --tag broken-2 "${P[@]}" --degraded-grace 1s \
    --junit "$E2E_TMP/junit-broken.xml" --dotenv "$E2E_TMP/broken.env"
expect_contains "$OUT$ERR" "kanon reset synestra-io"
expect_contains "$OUT$ERR" "Degraded"
expect_eq "$(release_tag synestra-io prod)" "2026.11.1" "prod after a broken dev"
expect_eq "$(commit_count "$BARE" main)" "$((COUNT + 1))" "only the dev commit"
expect_eq "$(site_release synestra-io prod)" "2026.11.1" "prod site after a broken dev"
python3 - "$E2E_TMP/junit-broken.xml" <<'EOF' || fail "JUnit of a failure is wrong: $(cat "$E2E_TMP/junit-broken.xml")"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suite = root if root.tag == "testsuite" else root.find("testsuite")
cases = suite.findall("testcase")
failed = [c for c in cases if c.find("failure") is not None]
assert len(failed) == 1 and "wait" in failed[0].get("name") and "dev" in failed[0].get("name"), [c.attrib for c in cases]
assert int(suite.get("failures")) == 1
later = cases[cases.index(failed[0]) + 1:]
assert later and all(c.find("skipped") is not None for c in later)
EOF
grep -q '^KANON_TAG=broken-2$' "$E2E_TMP/broken.env" || fail "dotenv of a failure: $(cat "$E2E_TMP/broken.env")"
expect_exit 0 "$KANON" reset synestra-io --repo "$REPO" --sync --plaintext --timeout 60s

step "loop-: deploys, but the dev smoke check fails (exit 4); prod untouched"
expect_exit 4 "$KANON" pipeline synestra-io --tag loop-3 "${P[@]}" -o json
expect_json "$OUT" '[(s["name"], s["stage"]) for s in d["steps"] if s["status"] == "failed"] == [("smoke", "dev")]'
expect_json "$OUT" 'all(s["status"] in ("skipped", "not-run") for s in d["steps"] if s["stage"] == "prod")'
expect_contains "$OUT" "redirect loop"
expect_eq "$(release_tag synestra-io prod)" "2026.11.1" "prod after a failed smoke"
expect_exit 0 "$KANON" reset synestra-io --repo "$REPO" --sync --plaintext --timeout 60s

step "--gate manual: stops after dev, prints the command that completes it"
expect_exit 0 "$KANON" pipeline synestra-io --tag 2026.11.4 --gate manual "${P[@]}" -o json
expect_json "$OUT" 'd["ok"] is True and d["next"].startswith("kanon promote synestra-io")'
expect_json "$OUT" 'all(s["status"] != "passed" for s in d["steps"] if s["stage"] == "prod")'
NEXT="$(json_get "$OUT" 'd["next"]')"
expect_not_contains "$NEXT" "$TOKEN" "the gate's command"
expect_eq "$(release_tag synestra-io prod)" "2026.11.1" "prod behind the gate"
expect_exit 0 "$KANON" pipeline synestra-io --tag 2026.11.4 --gate manual "${P[@]}"
expect_contains "$OUT" "kanon promote synestra-io"
# The printed command, run as a manual CI job would run it.
read -r -a NEXT_ARGV <<<"${NEXT#kanon }"
expect_exit 0 "$KANON" "${NEXT_ARGV[@]}" --plaintext
expect_eq "$(release_tag synestra-io prod)" "2026.11.4" "prod after the gate's command"
expect_eq "$(site_release synestra-io prod)" "2026.11.4" "prod site after the gate's command"

step "SIGINT mid-wait: exit 130, says what happened; prod untouched"
# A wrapper gives the child a default SIGINT (bash ignores it in background jobs).
python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
    "$KANON" pipeline synestra-io --tag broken-5 "${P[@]}" --degraded-grace 60s \
    --dotenv "$E2E_TMP/int.env" >"$E2E_TMP/int.out" 2>"$E2E_TMP/int.err" &
PID=$!
for _ in $(seq 1 200); do
    grep -q "Degraded\|Progressing" "$E2E_TMP/int.err" && break
    sleep 0.05
done
grep -q "Degraded\|Progressing" "$E2E_TMP/int.err" || fail "the wait did not start: $(cat "$E2E_TMP/int.err")"
kill -INT "$PID"
set +e
wait "$PID"
RC=$?
set -e
expect_eq "$RC" "130" "exit code after SIGINT"
expect_contains "$(cat "$E2E_TMP/int.out" "$E2E_TMP/int.err")" "interrupted"
expect_contains "$(cat "$E2E_TMP/int.out" "$E2E_TMP/int.err")" "prod"
grep -q '^KANON_TAG=broken-5$' "$E2E_TMP/int.env" || fail "no dotenv after SIGINT"
expect_eq "$(release_tag synestra-io prod)" "2026.11.4" "prod after SIGINT"
expect_exit 0 "$KANON" reset synestra-io --repo "$REPO" --sync --plaintext --timeout 60s

step "two pipelines for different apps at once both land and verify"
COUNT="$(commit_count "$BARE" main)"
"$KANON" pipeline synestra-io --tag 2026.11.6 "${P[@]}" -o json >"$E2E_TMP/a.json" 2>"$E2E_TMP/a.err" &
A=$!
"$KANON" pipeline nordwind-shop --tag 2026.11.7 "${P[@]}" -o json >"$E2E_TMP/b.json" 2>"$E2E_TMP/b.err" &
B=$!
wait "$A" || fail "synestra-io's pipeline failed: $(cat "$E2E_TMP/a.err")"
wait "$B" || fail "nordwind-shop's pipeline failed: $(cat "$E2E_TMP/b.err")"
expect_json "$E2E_TMP/a.json" 'd["ok"] is True'
expect_json "$E2E_TMP/b.json" 'd["ok"] is True'
expect_eq "$(commit_count "$BARE" main)" "$((COUNT + 4))" "four commits"
for app_tag in synestra-io:2026.11.6 nordwind-shop:2026.11.7; do
    app="${app_tag%%:*}" tag="${app_tag#*:}"
    expect_eq "$(release_tag "$app" prod)" "$tag" "$app prod"
    expect_eq "$(site_release "$app" prod)" "$tag" "$app prod site"
done
for c in $(git --git-dir="$BARE" rev-list -4 main); do
    expect_eq "$(git --git-dir="$BARE" diff-tree --no-commit-id --name-only -r "$c" | wc -l)" "1" "files in $c"
done

step "the build contract refuses a short or unknown ref"
expect_exit 2 "$KANON" pipeline synestra-io --tag 2026.11.9 --ref "${REF:0:12}" "${P[@]}"
expect_exit 1 "$KANON" pipeline synestra-io --tag 2026.11.9 --ref "$(printf 'ab%.0s' {1..20})" "${P[@]}"
expect_eq "$(release_tag synestra-io dev)" "2026.11.6" "dev after a refused ref"

step "before writing: a wrong Argo CD token or server stops the pipeline with nothing committed"
tip="$(branch_tip "$BARE" main)"
expect_exit 1 env ARGOCD_AUTH_TOKEN=not-the-token "$KANON" pipeline synestra-io --tag 2026.11.10 "${P[@]}"
expect_contains "$ERR" "not authenticated"
expect_not_contains "$OUT$ERR" "not-the-token" "the wrong token"
expect_exit 1 env ARGOCD_SERVER="127.0.0.1:$(free_port)" "$KANON" pipeline synestra-io --tag 2026.11.10 "${P[@]}"
expect_contains "$ERR" "kanon: error: before committing: Argo CD: GET application web-synestra-io-dev failed"
expect_contains "$ERR" "Couldn't connect to server"
# TLS to an Argo CD that speaks plain HTTP: the hint to --plaintext, before anything is written.
expect_exit 1 env -u KANON_ARGOCD_PLAINTEXT "$KANON" pipeline synestra-io --tag 2026.11.10 --repo "$REPO" --timeout 60s
expect_contains "$ERR" "kanon: error: before committing: Argo CD: GET application web-synestra-io-dev failed"
expect_contains "$ERR" "--plaintext"
expect_eq "$(branch_tip "$BARE" main)" "$tip" "web-core after a pipeline stopped before writing"

step "before writing: an env layer that pins image.tag is exit 3 at its FILE:LINE:COL, nothing committed"
env_file=deploy/env/dev/nordwind-shop.yaml
webcore_write "$BARE" main "env layer pins the tag" "$env_file" "$(webcore_cat "$BARE" main "$env_file")"$'\nimage:\n  tag: pinned\n'
tip="$(branch_tip "$BARE" main)"
expect_exit 3 "$KANON" pipeline nordwind-shop --tag 2026.11.11 "${P[@]}"
expect_contains "$ERR" "kanon: error: $env_file:"
expect_contains "$ERR" "image.tag"
expect_eq "$(branch_tip "$BARE" main)" "$tip" "web-core after an env-override refusal"

echo "ok: pipeline" >&2
