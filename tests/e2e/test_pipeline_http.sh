# shellcheck shell=bash
# End-to-end tests of `kanon pipeline` without Argo CD: the real binary
# against a web-core served over file:// and smart HTTP, and one small python
# site per stage on loopback that "deploys" what the stage's release file
# holds at the tip of the bare repository, a moment after it changes, and
# states it in an X-Release header (kanon.yaml site_version). The good path,
# idempotent re-runs, the manual gate (and the command it prints, run as
# printed), a failed smoke check in dev, the build contract (--ref) over both
# transports and protocol versions, a timeout, an interruption, the JUnit,
# dotenv and JSON reports, and no password in any output.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

step() { echo "--- $*" >&2; }

srv="$E2E_TMP/srv"
wc="$srv/web.git"
ctl="$E2E_TMP/ctl"  # fail-STAGE: /admin/login answers 500; stuck-STAGE: the site never deploys a new tag
mkdir -p "$srv" "$ctl"
make_webcore_apps "$wc" app1

# --- the sites ----------------------------------------------------------------------
cat >"$E2E_TMP/site.py" <<'PY'
import http.server, os, subprocess, sys, time

repo, stage, port_file, ctl = sys.argv[1:5]
DELAY = 0.7  # seconds between a new release at the tip and the site running it

def release_tag():
    out = subprocess.run(["git", "--git-dir=" + repo, "show", "main:deploy/env/release-%s/app1.yaml" % stage],
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.strip().startswith("tag:"):
            return line.split(":", 1)[1].strip().strip('"')
    return ""

state = {"live": release_tag(), "pending": None, "since": 0.0}

def live_tag():
    tag, now = release_tag(), time.time()
    if tag != state["live"]:
        if state["pending"] != tag:
            state["pending"], state["since"] = tag, now
        elif now - state["since"] >= DELAY and not os.path.exists(os.path.join(ctl, "stuck-" + stage)):
            state["live"] = tag
    return state["live"]

class Site(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        live = live_tag()
        status, headers, body = 404, {}, b"not found"
        if self.path == "/":
            status, body = 200, ("<h1>app1 %s runs %s</h1>" % (stage, live)).encode()
        elif self.path == "/admin":
            status, headers, body = 302, {"Location": "/admin/login"}, b""
        elif self.path == "/admin/login":
            failing = os.path.exists(os.path.join(ctl, "fail-" + stage))
            status, body = (500, b"internal error") if failing else (200, b"<form>login</form>")
        self.send_response(status)
        self.send_header("X-Release", live)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Site)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
PY
declare -A port
for stage in dev prod; do
    python3 "$E2E_TMP/site.py" "$wc" "$stage" "$E2E_TMP/site-$stage.port" "$ctl" 2>"$E2E_TMP/site-$stage.stderr" &
    await_server $! "$E2E_TMP/site-$stage.port" "$E2E_TMP/site-$stage.stderr" "the $stage site"
    port[$stage]="$(cat "$E2E_TMP/site-$stage.port")"
done

env_layer() {  # STAGE: the canon's env layer with the stage's site as its host
    printf 'ingress:\n  host: "127.0.0.1:%s"\nenv:\n  SYNESTRA_ENV: %s\nenvFrom:\n  - secretRef:\n      name: web-app1-%s-env\n' \
        "${port[$1]}" "$1" "$1"
}
webcore_write "$wc" main "the stages of app1 are served on loopback" \
    kanon.yaml $'version: 1\nurls:\n  stage: "http://{host}"\nsite_version:\n  header: X-Release\nsmoke:\n  timeout: 5s\n' \
    deploy/env/dev/app1.yaml "$(env_layer dev)"$'\n' \
    deploy/env/prod/app1.yaml "$(env_layer prod)"$'\n'

release_of() {  # STAGE [REPO]: the tag in the stage's release file at the tip
    webcore_cat "${2:-$wc}" refs/heads/main "deploy/env/release-$1/app1.yaml" | sed -n 's/^  tag: "\(.*\)"$/\1/p'
}
last_change() {  # STAGE [REPO]: the commit that last changed the stage's release file
    git --git-dir="${2:-$wc}" log -1 --format=%H main -- "deploy/env/release-$1/app1.yaml"
}
check_junit() {  # FILE TESTS FAILURES SKIPPED: well-formed, counted right, one testcase per step (TESTS 4: dev's only)
    python3 - "$@" <<'PY' || fail "JUnit check of $1 failed"
import sys, xml.etree.ElementTree as ET
path, tests, failures, skipped = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
root = ET.parse(path).getroot()
suites = root.findall("testsuite") if root.tag == "testsuites" else [root]
assert len(suites) == 1, suites
s = suites[0]
assert s.get("name") == "kanon pipeline app1", s.get("name")
cases = s.findall("testcase")
names = [c.get("name") for c in cases]
every = ["build-contract", "dev: release", "dev: wait", "dev: smoke", "prod: promote", "prod: wait", "prod: smoke"]
assert names == (every if tests == 7 else every[:tests]), names
assert all(c.get("classname") == "kanon.pipeline.app1" for c in cases)
assert all(float(c.get("time")) >= 0 for c in cases)
got = (len(cases), len([c for c in cases if c.find("failure") is not None]),
       len([c for c in cases if c.find("skipped") is not None]))
assert got == (tests, failures, skipped), got
assert (int(s.get("tests")), int(s.get("failures")), int(s.get("skipped"))) == got, s.attrib
assert s.get("timestamp", "").endswith("Z"), s.get("timestamp")
for c in cases:
    f = c.find("failure")
    if f is not None:
        assert f.get("message") and f.get("type") and f.text, c.attrib
print("junit ok", got, file=sys.stderr)
PY
}
# dotenv_get FILE NAME: the value, checking every line is NAME=VALUE with no quoting needed.
dotenv_get() {
    python3 - "$1" "$2" <<'PY' || fail "dotenv check of $1 failed"
import re, sys
env = {}
for line in open(sys.argv[1]).read().splitlines():
    m = re.fullmatch(r"([A-Z_][A-Z0-9_]*)=([A-Za-z0-9._:/@+-]*)", line)
    assert m, "not a plain NAME=VALUE line: %r" % line
    env[m.group(1)] = m.group(2)
assert set(env) == {"KANON_APP", "KANON_TAG", "KANON_REF", "KANON_DEV_COMMIT", "KANON_PROD_COMMIT",
                    "KANON_DEV_URL", "KANON_PROD_URL", "KANON_RESULT", "KANON_EXIT_CODE"}, sorted(env)
print(env[sys.argv[2]])
PY
}

base="$(branch_tip "$wc" main)"
commits0="$(commit_count "$wc" main)"

# --- the good path ------------------------------------------------------------------
step "good path over file:// with --ref: release dev, wait, smoke, promote prod, wait, smoke; exit 0"
expect_exit 0 "$KANON" pipeline app1 --tag 1.4.0 --ref "$base" --repo "$wc" --timeout 20s \
    --junit "$E2E_TMP/good.xml" --dotenv "$E2E_TMP/good.env"
expect_eq "$(release_of dev)" 1.4.0 "dev's release"
expect_eq "$(release_of prod)" 1.4.0 "prod's release"
expect_commit_count "$wc" main $((commits0 + 2))
dev1="$(last_change dev)"
prod1="$(last_change prod)"
expect_contains "$(git --git-dir="$wc" log -1 --format=%B "$dev1")" "Kanon-Source-Ref: $base"
expect_contains "$OUT" "passed: app1 1.4.0 is deployed and smoke-checked in dev, prod"
expect_contains "$OUT" "commits: dev $dev1, prod $prod1"
expect_contains "$OUT" "dev    release         passed"
expect_contains "$OUT" "prod   smoke           passed"
expect_contains "$ERR" "] release dev: committing tag 1.4.0"
expect_contains "$ERR" "] release dev passed ("
expect_contains "$ERR" "${dev1:0:12} tag 1.4.0, was 1.0.0 (1 attempt)"
expect_contains "$ERR" "] promote prod: committing tag 1.4.0 from dev"
expect_contains "$ERR" "] build-contract passed ("
expect_contains "$ERR" "kanon: waiting for http://127.0.0.1:${port[dev]} to answer with tag 1.4.0"
expect_not_contains "$OUT" "kanon: waiting" "stdout"
check_junit "$E2E_TMP/good.xml" 7 0 0
expect_eq "$(dotenv_get "$E2E_TMP/good.env" KANON_DEV_COMMIT)" "$dev1" KANON_DEV_COMMIT
expect_eq "$(dotenv_get "$E2E_TMP/good.env" KANON_PROD_COMMIT)" "$prod1" KANON_PROD_COMMIT
expect_eq "$(dotenv_get "$E2E_TMP/good.env" KANON_TAG)" 1.4.0 KANON_TAG
expect_eq "$(dotenv_get "$E2E_TMP/good.env" KANON_APP)" app1 KANON_APP
expect_eq "$(dotenv_get "$E2E_TMP/good.env" KANON_REF)" "$base" KANON_REF
expect_eq "$(dotenv_get "$E2E_TMP/good.env" KANON_RESULT)" passed KANON_RESULT
expect_eq "$(dotenv_get "$E2E_TMP/good.env" KANON_DEV_URL)" "http://127.0.0.1:${port[dev]}" KANON_DEV_URL

step "-q: nothing on stderr, the summary on stdout"
expect_exit 0 "$KANON" -q pipeline app1 --tag 1.4.0 --repo "$wc" --timeout 20s
expect_eq "$ERR" "" "stderr with -q"
expect_contains "$OUT" "passed: app1 1.4.0"

step "re-running for a tag already released changes nothing and waits for the commits that released it"
expect_exit 0 "$KANON" -o json pipeline app1 --tag 1.4.0 --repo "$wc" --timeout 20s --dotenv "$E2E_TMP/again.env"
expect_commit_count "$wc" main $((commits0 + 2))
expect_json "$OUT_FILE" 'd["ok"] is True and d["result"] == "passed" and d["exit_code"] == 0 and d["gate"] == "auto"'
expect_json "$OUT_FILE" 'd["app"] == "app1" and d["tag"] == "1.4.0" and d["ref"] is None'
expect_json "$OUT_FILE" "d[\"commits\"] == {\"dev\": \"$dev1\", \"prod\": \"$prod1\"}"
expect_json "$OUT_FILE" '[(s["name"], s["stage"], s["status"]) for s in d["steps"]] == [("build-contract", None, "skipped"), ("release", "dev", "passed"), ("wait", "dev", "passed"), ("smoke", "dev", "passed"), ("promote", "prod", "passed"), ("wait", "prod", "passed"), ("smoke", "prod", "passed")]'
expect_json "$OUT_FILE" 'd["steps"][1]["changed"] is False and "commit" not in d["steps"][1] and d["steps"][1]["outcome"] == "unchanged"'
expect_json "$OUT_FILE" "d[\"steps\"][2][\"commit\"] == \"$dev1\" and d[\"steps\"][2][\"via\"] == \"http\" and d[\"steps\"][2][\"wait\"][\"ok\"] is True"
expect_json "$OUT_FILE" 'd["steps"][3]["smoke"]["ok"] is True and len(d["steps"][3]["smoke"]["steps"]) == 2'
expect_json "$OUT_FILE" 'all(isinstance(s["elapsed_ms"], int) and isinstance(s["reason"], str) for s in d["steps"]) and "next" not in d'
expect_eq "$(dotenv_get "$E2E_TMP/again.env" KANON_DEV_COMMIT)" "$dev1" "KANON_DEV_COMMIT of the re-run"

# --- the manual gate ----------------------------------------------------------------------
step "--gate manual: dev released and validated, prod untouched, exit 0, the exact promote command printed"
expect_exit 0 "$KANON" pipeline app1 --tag 1.5.0 --gate manual --repo "$wc" --timeout 20s --junit "$E2E_TMP/gate.xml"
expect_eq "$(release_of dev)" 1.5.0 "dev's release"
expect_eq "$(release_of prod)" 1.4.0 "prod's release (untouched)"
next_cmd="kanon promote app1 --from dev --to prod --tag 1.5.0 --wait --smoke --repo $wc --timeout 20s --http"
expect_contains "$OUT" "next: $next_cmd"
expect_contains "$OUT" "gated: app1 1.5.0 is validated in dev; prod waits for the manual gate"
expect_contains "$OUT" "prod   promote         skipped"
check_junit "$E2E_TMP/gate.xml" 7 0 4
expect_exit 0 "$KANON" -o json pipeline app1 --tag 1.5.0 --gate manual --repo "$wc" --timeout 20s
expect_json "$OUT_FILE" "d[\"ok\"] is True and d[\"result\"] == \"gated\" and d[\"next\"] == \"$next_cmd\""
expect_json "$OUT_FILE" 'd["commits"]["prod"] is None and [s["status"] for s in d["steps"][4:]] == ["skipped"] * 3'

step "the printed command completes the promotion as it is"
expect_exit 0 env PATH="$(dirname "$KANON"):$PATH" bash -c "$next_cmd"
expect_eq "$(release_of prod)" 1.5.0 "prod's release after the printed command"
expect_contains "$OUT" "deployed: http://127.0.0.1:${port[prod]}, tag 1.5.0"
expect_contains "$OUT" "smoke passed: 2 of 2 paths passed"

# --- failures ---------------------------------------------------------------------------
step "a failed smoke check in dev: exit 4, prod untouched, says where and 'kanon reset'"
touch "$ctl/fail-dev"
before="$(commit_count "$wc" main)"
expect_exit 4 "$KANON" pipeline app1 --tag 1.6.0 --repo "$wc" --timeout 20s \
    --junit "$E2E_TMP/fail.xml" --dotenv "$E2E_TMP/fail.env"
dev3="$(last_change dev)"
expect_eq "$(release_of dev)" 1.6.0 "dev's release"
expect_eq "$(release_of prod)" 1.5.0 "prod's release (untouched)"
expect_commit_count "$wc" main $((before + 1))
expect_contains "$OUT" "FAILED (exit 4): smoke in dev failed at ${dev3:0:12} (tag 1.6.0): 1 of 2 paths failed: /admin"
expect_contains "$OUT" "note: dev: 1.6.0 committed as $dev3; deployed, but its smoke check failed"
expect_contains "$OUT" "note: prod: not touched"
expect_contains "$OUT" "next: kanon reset app1 --repo $wc"
expect_contains "$OUT" "(brings dev back to prod's release)"
expect_contains "$OUT" "prod   promote         not run"
expect_contains "$ERR" "kanon: error: smoke in dev failed"
check_junit "$E2E_TMP/fail.xml" 7 1 4
expect_eq "$(dotenv_get "$E2E_TMP/fail.env" KANON_DEV_COMMIT)" "$dev3" KANON_DEV_COMMIT
expect_eq "$(dotenv_get "$E2E_TMP/fail.env" KANON_PROD_COMMIT)" "" KANON_PROD_COMMIT
expect_eq "$(dotenv_get "$E2E_TMP/fail.env" KANON_RESULT)" failed KANON_RESULT
expect_eq "$(dotenv_get "$E2E_TMP/fail.env" KANON_EXIT_CODE)" 4 KANON_EXIT_CODE
expect_exit 4 "$KANON" -o json pipeline app1 --tag 1.6.0 --repo "$wc" --timeout 20s
expect_json "$OUT_FILE" 'd["ok"] is False and d["exit_code"] == 4 and d["failed"]["stage"] == "dev" and d["failed"]["step"] == "smoke"'
expect_json "$OUT_FILE" "d[\"failed\"][\"commit\"] == \"$dev3\" and d[\"next\"] == \"kanon reset app1 --repo $wc\""
expect_json "$OUT_FILE" 'd["steps"][3]["smoke"]["ok"] is False and d["steps"][3]["outcome"] == "failed"'
rm "$ctl/fail-dev"

step "the suggested reset brings dev back to prod's release"
expect_exit 0 "$KANON" reset app1 --repo "$wc"
expect_eq "$(release_of dev)" 1.5.0 "dev's release after the reset"

step "a failed smoke check in prod: exit 4, says 'kanon rollback APP --stage prod --steps 1'"
touch "$ctl/fail-prod"
expect_exit 4 "$KANON" pipeline app1 --tag 1.7.0 --repo "$wc" --timeout 20s
expect_eq "$(release_of prod)" 1.7.0 "prod's release"
expect_contains "$OUT" "FAILED (exit 4): smoke in prod failed at $(last_change prod | cut -c1-12) (tag 1.7.0)"
expect_contains "$OUT" "next: kanon rollback app1 --stage prod --steps 1 --repo $wc"
expect_contains "$OUT" "note: dev: 1.7.0 committed as $(last_change dev); deployed and smoke-checked"
rm "$ctl/fail-prod"

step "a site that never runs the tag: exit 5 after --timeout, dev may be mid-deploy, prod untouched"
touch "$ctl/stuck-dev"
expect_exit 5 "$KANON" pipeline app1 --tag 1.8.0 --repo "$wc" --timeout 2s --dotenv "$E2E_TMP/timeout.env"
expect_eq "$(release_of prod)" 1.7.0 "prod's release (untouched)"
expect_contains "$OUT" "FAILED (exit 5): wait in dev failed"
expect_contains "$OUT" "may be mid-deploy"
expect_contains "$OUT" "next: kanon reset app1"
expect_eq "$(dotenv_get "$E2E_TMP/timeout.env" KANON_EXIT_CODE)" 5 KANON_EXIT_CODE

step "SIGTERM while dev is waited for: exit 130, says what landed, reports written, prod untouched"
"$KANON" -o json pipeline app1 --tag 1.9.0 --repo "$wc" --timeout 60s \
    --junit "$E2E_TMP/int.xml" --dotenv "$E2E_TMP/int.env" >"$E2E_TMP/int.out" 2>"$E2E_TMP/int.err" &
pid=$!
for _ in $(seq 100); do grep -q "waiting for" "$E2E_TMP/int.err" 2>/dev/null && break; sleep 0.1; done
sleep 0.3
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
expect_eq "$rc" 130 "exit code after SIGTERM"
expect_eq "$(release_of dev)" 1.9.0 "dev's release"
expect_eq "$(release_of prod)" 1.7.0 "prod's release (untouched)"
expect_json "$E2E_TMP/int.out" 'd["exit_code"] == 130 and d["result"] == "interrupted" and d["steps"][2]["outcome"] == "interrupted"'
expect_json "$E2E_TMP/int.out" "d[\"commits\"][\"dev\"] == \"$(last_change dev)\" and d[\"commits\"][\"prod\"] is None"
expect_json "$E2E_TMP/int.out" 'any("may be mid-deploy" in n for n in d["notes"]) and "prod: not touched" in d["notes"]'
expect_json "$E2E_TMP/int.out" 'd["next"].startswith("kanon pipeline app1 --tag 1.9.0")'
check_junit "$E2E_TMP/int.xml" 7 1 5
expect_eq "$(dotenv_get "$E2E_TMP/int.env" KANON_RESULT)" interrupted KANON_RESULT
rm "$ctl/stuck-dev"

# --- the build contract -------------------------------------------------------------------
step "--ref must be a full SHA: a short one is exit 2 saying why, before anything is written"
before="$(commit_count "$wc" main)"
expect_exit 2 "$KANON" pipeline app1 --tag 2.0.0 --ref "${base:0:7}" --repo "$wc" --junit "$E2E_TMP/short.xml"
expect_contains "$ERR" "is a short SHA"
expect_contains "$ERR" "ambiguous"
expect_contains "$OUT" "-      build-contract  FAILED"
check_junit "$E2E_TMP/short.xml" 7 1 6
expect_exit 2 "$KANON" pipeline app1 --tag 2.0.0 --ref main --repo "$wc"
expect_commit_count "$wc" main "$before"

step "an unknown full SHA is exit 1: the commit is not in web-core"
unknown=0123456789abcdef0123456789abcdef01234567
expect_exit 1 "$KANON" pipeline app1 --tag 2.0.0 --ref "$unknown" --repo "$wc"
expect_contains "$OUT" "commit $unknown is not in web-core"
expect_contains "$ERR" "kanon: error: build-contract failed: commit $unknown is not in web-core"
expect_commit_count "$wc" main "$before"

# A commit that is on no branch tip and not on main at all: a feature branch.
webcore_branch "$wc" feature main
webcore_write "$wc" feature "feature work" README.md $'feature\n'
feature="$(branch_tip "$wc" feature)"
webcore_write "$wc" feature "more feature work" README.md $'feature 2\n'
start_git_http "$srv"
http_repo="$GIT_HTTP_URL/web.git"
# 3.0.0 is released to dev as built from $feature: the runs below commit nothing.
tag_now=3.0.0
expect_exit 0 "$KANON" release app1 --tag "$tag_now" --source-ref "$feature" --repo "$wc"
before="$(commit_count "$wc" main)"

step "pipeline --ref holds verify-build's contract: a tag released from another ref is exit 4, nothing written"
expect_exit 4 "$KANON" pipeline app1 --tag "$tag_now" --ref "$base" --repo "$wc"
expect_contains "$ERR" "tag 3.0.0 was already released from another commit: $feature"
expect_commit_count "$wc" main "$before"

step "a mutable tag (latest, or kanon.yaml's mutable_tags): exit 2, nothing written"
expect_exit 2 "$KANON" pipeline app1 --tag latest --ref "$base" --repo "$wc"
expect_contains "$ERR" "'latest' is a mutable tag"
expect_exit 2 "$KANON" pipeline app1 --tag latest --repo "$wc"
expect_contains "$ERR" "'latest' is a mutable tag"
expect_exit 2 "$KANON" release app1 --tag latest --repo "$wc"
expect_exit 2 "$KANON" verify-build --ref "$base" --tag latest --repo "$wc"
expect_contains "$ERR" "'latest' is a mutable tag"
expect_commit_count "$wc" main "$before"

for transport in file http; do
    repo="$wc"
    [[ "$transport" == file ]] || repo="$http_repo"
    for proto in 2 0; do
        step "build contract over $transport, protocol v$proto: a commit inside a branch passes, an unknown one is exit 1"
        export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=protocol.version GIT_CONFIG_VALUE_0=$proto
        expect_exit 0 "$KANON" -o json pipeline app1 --tag "$tag_now" --gate manual --ref "$feature" --repo "$repo" \
            --timeout 20s
        expect_json "$OUT_FILE" "d[\"steps\"][0][\"status\"] == \"passed\" and d[\"steps\"][0][\"commit\"] == \"$feature\""
        how="fetched by SHA"
        [[ "$proto" == 2 ]] || how="in the history of its branches and tags"
        expect_json "$OUT_FILE" "d[\"steps\"][0][\"reason\"] == \"$feature is in web-core ($how); $tag_now was not built from another ref\""
        expect_exit 1 "$KANON" pipeline app1 --tag 2.0.0 --ref "$unknown" --repo "$repo"
        expect_contains "$OUT" "commit $unknown is not in web-core"
        unset GIT_CONFIG_COUNT GIT_CONFIG_KEY_0 GIT_CONFIG_VALUE_0
    done
done
expect_commit_count "$wc" main "$before"
grep -q 'git-upload-pack' "$E2E_TMP/http.log" || fail "the contract was not checked over HTTP"

step "a remote that cannot be reached is exit 1 (not 'not in web-core'), reports still written"
dead="http://127.0.0.1:$(free_port)/web.git"
expect_exit 1 "$KANON" pipeline app1 --tag 2.0.0 --ref "$unknown" --repo "$dead" --dotenv "$E2E_TMP/dead.env"
expect_not_contains "$OUT" "is not in web-core"
expect_contains "$OUT" "cannot read web-core"
expect_eq "$(dotenv_get "$E2E_TMP/dead.env" KANON_RESULT)" failed KANON_RESULT

# --- secrets -----------------------------------------------------------------------------------
step "a password in the repository URL and an Argo CD token appear in no output, JUnit or dotenv"
start_git_http_auth "$srv" "ci:s3cret-pass-1234"
auth_repo="${GIT_HTTP_AUTH_URL/http:\/\//http://ci:s3cret-pass-1234@}/web.git"
touch "$ctl/fail-dev"
expect_exit 4 env ARGOCD_AUTH_TOKEN=argo-token-5678 "$KANON" pipeline app1 --tag 2.1.0 --repo "$auth_repo" \
    --timeout 20s --http --junit "$E2E_TMP/auth.xml" --dotenv "$E2E_TMP/auth.env"
for text in "$OUT" "$ERR" "$(cat "$E2E_TMP/auth.xml")" "$(cat "$E2E_TMP/auth.env")"; do
    expect_not_contains "$text" "s3cret-pass-1234" "an output"
    expect_not_contains "$text" "argo-token-5678" "an output"
done
expect_contains "$OUT" "next: kanon reset app1 --repo $GIT_HTTP_AUTH_URL/web.git"
expect_exit 4 "$KANON" -o json pipeline app1 --tag 2.1.0 --repo "$auth_repo" --timeout 20s --argocd-token argo-token-5678 --http
expect_not_contains "$OUT" "s3cret-pass-1234" "JSON"
expect_not_contains "$OUT" "argo-token-5678" "JSON"
rm "$ctl/fail-dev"

# --- one stage per CI job ------------------------------------------------------------------------
step "--stage dev --no-smoke, then --stage prod: the pieces of the CI template, one job each"
prod_before="$(release_of prod)"
expect_exit 0 "$KANON" -o json pipeline app1 --tag 1.6.0 --ref "$base" --stage dev --no-smoke --repo "$wc" \
    --timeout 20s --junit "$E2E_TMP/dev.xml" --dotenv "$E2E_TMP/dev.env"
expect_eq "$(release_of dev)" 1.6.0 "dev's release"
expect_eq "$(release_of prod)" "$prod_before" "prod's release (untouched)"
expect_json "$OUT_FILE" '[(s["name"], s["stage"], s["status"]) for s in d["steps"]] == [("build-contract", None, "passed"), ("release", "dev", "passed"), ("wait", "dev", "passed"), ("smoke", "dev", "skipped")] and d["stage"] == "dev"'
check_junit "$E2E_TMP/dev.xml" 4 0 1
expect_eq "$(dotenv_get "$E2E_TMP/dev.env" KANON_DEV_URL)" "http://127.0.0.1:${port[dev]}" KANON_DEV_URL
expect_eq "$(dotenv_get "$E2E_TMP/dev.env" KANON_PROD_COMMIT)" "" "KANON_PROD_COMMIT of the dev job"
expect_exit 0 "$KANON" smoke app1 --stage dev --repo "$wc"
expect_exit 0 "$KANON" pipeline app1 --tag 1.6.0 --stage prod --repo "$wc" --timeout 20s --dotenv "$E2E_TMP/prod.env"
expect_eq "$(release_of prod)" 1.6.0 "prod's release"
expect_contains "$OUT" "passed: app1 1.6.0 is deployed and smoke-checked in prod"
expect_eq "$(dotenv_get "$E2E_TMP/prod.env" KANON_PROD_URL)" "http://127.0.0.1:${port[prod]}" KANON_PROD_URL
step "--stage prod for a tag dev does not run: refused (exit 4), nothing committed"
before="$(commit_count "$wc" main)"
expect_exit 4 "$KANON" pipeline app1 --tag 9.9.9 --stage prod --repo "$wc" --timeout 20s
expect_commit_count "$wc" main "$before"
expect_exit 2 "$KANON" pipeline app1 --tag 1.6.0 --stage qa --repo "$wc"
expect_contains "$ERR" "unknown stage 'qa'"
expect_exit 2 "$KANON" pipeline app1 --tag 1.6.0 --stage prod --gate manual --repo "$wc"

# --- usage -------------------------------------------------------------------------------------
step "a site that does not state its release (no site_version): exit 4 before prod, saying what would verify it"
nv="$srv/nover.git"
make_webcore_apps "$nv" app1
webcore_write "$nv" main "the stages of app1, no site_version" \
    kanon.yaml $'version: 1\nurls:\n  stage: "http://{host}"\nsmoke:\n  timeout: 5s\n' \
    deploy/env/dev/app1.yaml "$(env_layer dev)"$'\n' \
    deploy/env/prod/app1.yaml "$(env_layer prod)"$'\n'
expect_exit 4 "$KANON" -o json pipeline app1 --tag 4.0.0 --repo "file://$nv" --timeout 20s
expect_json "$OUT_FILE" 'd["ok"] is False and d["exit_code"] == 4 and d["failed"]["step"] == "wait" and d["failed"]["stage"] == "dev" and d["failed"]["outcome"] == "unverified"'
expect_json "$OUT_FILE" '"site_version" in d["hint"] and "ARGOCD_SERVER" in d["hint"] and "--unverified" in d["hint"]'
expect_contains "$ERR" "no Argo CD server (ARGOCD_SERVER is not set): waiting on the sites instead"
expect_eq "$(release_of dev "$nv")" "4.0.0" "dev after an unverifiable wait"
expect_eq "$(release_of prod "$nv")" "1.0.0" "prod after an unverifiable dev"
expect_exit 4 "$KANON" wait app1 --stage dev --http --repo "file://$nv" --timeout 20s
expect_contains "$OUT" "unverified"
expect_contains "$ERR" "kanon: hint: to verify a release kanon needs Argo CD access"

step "--unverified: the flow goes on, reported UNVERIFIED (never passed), recorded in the promotion's commit"
expect_exit 0 "$KANON" wait app1 --stage dev --http --unverified --repo "file://$nv" --timeout 20s
expect_contains "$OUT" "UNVERIFIED (accepted)"
expect_exit 0 "$KANON" -o json pipeline app1 --tag 4.0.0 --unverified --repo "file://$nv" --timeout 20s
expect_json "$OUT_FILE" 'd["ok"] is True and d["result"] == "unverified" and [s["status"] for s in d["steps"] if s["name"] == "wait"] == ["unverified", "unverified"]'
expect_eq "$(release_of prod "$nv")" "4.0.0" "prod after --unverified"
expect_eq "$(git --git-dir="$nv" log -1 --format='%(trailers:key=Kanon-Unverified,valueonly)' main -- deploy/env/release-prod/app1.yaml | sed '/^$/d')" \
    "dev was not verified: its site does not state the release it runs" "the promotion's Kanon-Unverified trailer"
expect_exit 0 "$KANON" pipeline app1 --tag 4.0.0 --unverified --repo "file://$nv" --timeout 20s
expect_contains "$OUT" "UNVERIFIED: app1 4.0.0 was released and smoke-checked in dev, prod, but NOT verified"
expect_not_contains "$OUT" "passed:"

step "CI=true without an Argo CD server: exit 2 unless --http is asked for"
expect_exit 2 env CI=true "$KANON" pipeline app1 --tag 4.0.1 --repo "file://$nv"
expect_contains "$ERR" "in CI kanon does not fall back to waiting on the sites on its own"
expect_eq "$(release_of dev "$nv")" "4.0.0" "dev after the refused CI run"
expect_exit 4 env CI=true "$KANON" pipeline app1 --tag 4.0.1 --http --repo "file://$nv" --timeout 20s
expect_not_contains "$ERR" "no Argo CD server"

step "usage errors: exit 2"
expect_exit 2 "$KANON" pipeline app1 --repo "$wc"
expect_exit 2 "$KANON" pipeline app1 --tag 1.0.0 --gate later --repo "$wc"
expect_exit 2 "$KANON" pipeline Bad_App --tag 1.0.0 --repo "$wc"
expect_exit 2 "$KANON" pipeline app1 --tag 'no spaces' --repo "$wc"
expect_exit 2 "$KANON" pipeline app1 --tag 1.0.0 --junit "$E2E_TMP/x" --dotenv "$E2E_TMP/x" --repo "$wc"
expect_exit 0 "$KANON" pipeline --help
for flag in --tag --ref --gate --stage --no-smoke --http --junit --dotenv --repo --branch --timeout --degraded-grace --argocd-server \
    --insecure --attempts --push-timeout --author --no-skip-ci --cache-dir; do
    expect_contains "$OUT" "$flag" "pipeline --help"
done

echo "ok: test_pipeline_http" >&2
