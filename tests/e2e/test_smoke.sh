# shellcheck shell=bash
# End-to-end tests of `kanon smoke`: the real binary against a small python
# site on loopback (a home page, /admin -> /admin/login, a 500, a redirect
# loop), with --url and with the stage URL read from a web-core repository
# (kanon.yaml's urls.stage, the env layer's ingress.host, apps.APP.urls,
# smoke.expect).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

step() { echo "--- $*" >&2; }

# --- the site ----------------------------------------------------------------
cat >"$E2E_TMP/site.py" <<'EOF'
import http.server, sys

ROUTES = {
    "/": (200, {"X-Release": "1.4.0"}, b"<h1>welcome</h1>"),
    "/admin": (302, {"Location": "/admin/login"}, b""),
    "/admin/login": (200, {}, b"<form>login</form>"),
    "/boom": (500, {}, b"internal error"),
    "/loop": (302, {"Location": "/loop2"}, b""),
    "/loop2": (302, {"Location": "/loop"}, b""),
}

class Site(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        status, headers, body = ROUTES.get(self.path, (404, {}, b"not found"))
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Site)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
EOF
python3 "$E2E_TMP/site.py" "$E2E_TMP/site.port" >"$E2E_TMP/site.log" 2>&1 &
site_pid=$!
on_exit "kill $site_pid 2>/dev/null; wait $site_pid 2>/dev/null"
for _ in $(seq 100); do [[ -s "$E2E_TMP/site.port" ]] && break; sleep 0.05; done
[[ -s "$E2E_TMP/site.port" ]] || fail "the site did not start: $(cat "$E2E_TMP/site.log")"
port="$(cat "$E2E_TMP/site.port")"
site="http://127.0.0.1:$port"

# --- --url ---------------------------------------------------------------------
step "--url outside any checkout: / and /admin (-> /admin/login) pass, exit 0"
expect_exit 0 "$KANON" smoke app1 --stage dev --url "$site"
expect_contains "$OUT" "/       ok      200"
expect_contains "$OUT" "/admin  ok      200"
expect_contains "$OUT" "/admin: $site/admin 302 -> $site/admin/login 200"
expect_contains "$OUT" "smoke passed: 2 of 2 paths passed at $site"
expect_contains "$ERR" "kanon: smoke app1 dev at $site (--url; 10 s per request)"
expect_contains "$ERR" "kanon: GET /admin ok (answered 200 after 1 redirect"

step "a 500 and a redirect loop fail the smoke: exit 4, each path says why"
expect_exit 4 "$KANON" smoke app1 --stage dev --url "$site" --path / --path /boom --path /loop
expect_contains "$OUT" "/boom: answered 500"
expect_contains "$OUT" "/loop: redirect loop: $site/loop -> $site/loop2 -> $site/loop"
expect_contains "$OUT" "smoke failed: 2 of 3 paths failed"

step "-o json: {ok, reason, steps} with one step per path"
expect_exit 0 "$KANON" -o json smoke app1 --stage dev --url "$site"
expect_json "$OUT_FILE" 'd["ok"] is True and isinstance(d["reason"], str) and len(d["steps"]) == 2'
expect_json "$OUT_FILE" '[s["path"] for s in d["steps"]] == ["/", "/admin"]'
expect_json "$OUT_FILE" 'all(set(s) >= {"path", "ok", "status", "final_url", "hops", "latency_ms", "reason"} for s in d["steps"])'
expect_json "$OUT_FILE" '[h["status"] for h in d["steps"][1]["hops"]] == [302, 200]'
expect_json "$OUT_FILE" "d[\"steps\"][1][\"final_url\"] == \"$site/admin/login\""
expect_exit 4 "$KANON" -o json smoke app1 --stage dev --url "$site" --path /boom
expect_json "$OUT_FILE" 'd["ok"] is False and d["steps"][0]["ok"] is False and d["steps"][0]["status"] == 500'
expect_json "$OUT_FILE" 'd["reason"] == "1 of 1 paths failed: /boom (answered 500)"'

step "a refused connection is retried, then fails (exit 4)"
dead="http://127.0.0.1:$(free_port)"
expect_exit 4 "$KANON" smoke app1 --stage dev --url "$dead" --path / --timeout 2s
expect_contains "$OUT" "(tried 3 times)"
expect_contains "$ERR" "trying again (3/3)"

step "usage errors: exit 2"
expect_exit 2 "$KANON" smoke app1 --stage dev --url "$site" --path admin
expect_contains "$ERR" "--path 'admin' must start with '/'"
expect_exit 2 "$KANON" smoke app1 --stage dev --url "$site" --timeout soon
expect_exit 2 "$KANON" smoke app1 --stage dev --url "ftp://$port"
expect_exit 2 "$KANON" smoke app1 --url "$site"
expect_exit 2 "$KANON" smoke Bad_App --stage dev --url "$site"
expect_exit 2 "$KANON" smoke app1 --stage dev --url "$site" --ca "$E2E_TMP/no-such-ca.pem"

# --- the stage URL from web-core --------------------------------------------------
wc="$E2E_TMP/srv/web-core.git"
mkdir -p "$E2E_TMP/srv"
make_webcore_apps "$wc" app1
webcore_write "$wc" main "dev of app1 is served on loopback" \
    kanon.yaml "$(printf 'urls:\n  stage: "http://{host}:%s"\nsmoke:\n  timeout: 5s\n  expect:\n    /admin: {status: [200], body: login}\n' "$port")"$'\n' \
    deploy/env/dev/app1.yaml $'ingress:\n  host: 127.0.0.1\nenv:\n  SYNESTRA_ENV: dev\nenvFrom:\n  - secretRef:\n      name: web-app1-dev-env\n'
tip="$(branch_tip "$wc" main)"

step "the stage URL comes from kanon.yaml and the env layer at the tip of web-core"
expect_exit 0 "$KANON" smoke app1 --stage dev --repo "$wc"
expect_contains "$ERR" "kanon: smoke app1 dev at $site (main @ ${tip:0:12} of file://$wc; 5 s per request)"
expect_contains "$OUT" "smoke passed: 2 of 2 paths passed at $site"

step "smoke.expect from kanon.yaml is applied (a body that is not there: exit 4)"
webcore_write "$wc" main "expect a word the page does not hold" \
    kanon.yaml "$(printf 'urls:\n  stage: "http://{host}:%s"\nsmoke:\n  paths: [/]\n  expect:\n    /: {body: dashboard}\n' "$port")"$'\n'
expect_exit 4 "$KANON" -o json smoke app1 --stage dev --repo "$wc"
expect_json "$OUT_FILE" 'd["steps"][0]["reason"] == "the body does not contain \"dashboard\""'

step "--url replaces the stage's URL: prod (https://app1.example.com) is never asked"
expect_exit 0 "$KANON" smoke app1 --stage prod --repo "$wc" --url "$site" --path /
expect_contains "$ERR" "(--url;"

step "a stage kanon.yaml does not list is a usage error"
expect_exit 2 "$KANON" smoke app1 --stage qa --repo "$wc"
expect_contains "$ERR" "unknown stage 'qa'"

step "apps.APP.urls.STAGE is the stage's URL, before urls.stage; no host needed; --url still wins"
webcore_write "$wc" main "dev of app1 lives at a URL of its own" \
    kanon.yaml "$(printf 'urls:\n  stage: "http://{host}:%s"\napps:\n  app1:\n    urls:\n      dev: "%s"\nstages:\n  - name: dev\n  - name: prod\n' "$(free_port)" "$site")"$'\n' \
    deploy/env/dev/app1.yaml $'env:\n  SYNESTRA_ENV: dev\n'
tip="$(branch_tip "$wc" main)"
expect_exit 0 "$KANON" smoke app1 --stage dev --repo "$wc"
expect_contains "$ERR" "kanon: smoke app1 dev at $site (main @ ${tip:0:12} of file://$wc, kanon.yaml apps.app1.urls.dev;"
expect_contains "$OUT" "smoke passed: 2 of 2 paths passed at $site"
expect_exit 0 "$KANON" smoke app1 --stage dev --repo "$wc" --url "$site/admin" --path /login
expect_contains "$ERR" "kanon: smoke app1 dev at $site/admin (--url;"

step "apps.APP.urls.STAGE with a path prefix: smoke paths go below it"
webcore_write "$wc" main "dev of app1 behind /admin" \
    kanon.yaml "$(printf 'apps:\n  app1:\n    urls:\n      dev: "%s/admin"\n' "$site")"$'\n'
expect_exit 0 "$KANON" -o json smoke app1 --stage dev --repo "$wc" --path /login
expect_json "$OUT_FILE" "d[\"steps\"][0][\"final_url\"] == \"$site/admin/login\" and d[\"steps\"][0][\"status\"] == 200"

step "apps.APP.urls naming a stage that is not configured: exit 1 with its place in kanon.yaml"
webcore_write "$wc" main "a URL for a stage that does not exist" \
    kanon.yaml $'apps:\n  app1:\n    urls:\n      qa: http://127.0.0.1:1\n'
expect_exit 1 "$KANON" smoke app1 --stage dev --repo "$wc"
expect_contains "$ERR" "kanon.yaml:4:11: 'apps.app1.urls.qa': unknown stage 'qa' (stages: dev, prod)"

step "operation errors: a repository that does not exist is exit 1; a bad kanon.yaml names the spot"
expect_exit 1 "$KANON" smoke app1 --stage dev --repo "$E2E_TMP/srv/nope.git"
webcore_write "$wc" main "a broken smoke key" kanon.yaml $'smoke:\n  timeout: soon\n'
expect_exit 1 "$KANON" smoke app1 --stage dev --repo "$wc"
expect_contains "$ERR" "kanon.yaml:2:12: 'smoke.timeout' must be a duration"

echo "ok: test_smoke" >&2
