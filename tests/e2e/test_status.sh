# shellcheck shell=bash
# End-to-end tests of `kanon status`: the real binary against bare web-core
# repositories built on the fly, over file:// and over smart HTTP on loopback
# (git http-backend), with and without uploadpack.allowFilter.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

step() { echo "--- $*" >&2; }

wc_repo="$E2E_TMP/srv/web-core.git"
mkdir -p "$E2E_TMP/srv"
make_webcore "$wc_repo" 2
webcore_release "$wc_repo" main app2 dev 1.1.0
wc_url="file://$wc_repo"
tip="$(git --git-dir="$wc_repo" rev-parse main)"

expected_table='APP   DEV    PROD   PENDING
app1  1.0.0  1.0.0  no
app2  1.1.0  1.0.0  yes'

step "table output, exact text; the branch, commit and repo go to stderr"
expect_exit 0 "$KANON" status --repo "$wc_url"
expect_eq "$OUT" "$expected_table" "status table"
expect_eq "$(tail -c1 "$OUT_FILE" | od -An -c | tr -d ' ')" '\n' "last byte of the table"
expect_eq "$ERR" "main @ ${tip:0:12}  $wc_url" "status stderr"

step "a plain path is the same repository as its file:// URL; -q silences stderr"
expect_exit 0 "$KANON" -q status --repo "$wc_repo"
expect_eq "$OUT" "$expected_table" "status table (path)"
expect_eq "$ERR" "" "stderr with -q"

step "-o json: exactly one JSON document with the keys of CLI.md"
expect_exit 0 "$KANON" -o json status --repo "$wc_url"
expect_json "$OUT_FILE" 'isinstance(d, dict) and isinstance(d["apps"], list) and len(d["apps"]) == 2'
expect_json "$OUT_FILE" '[a["app"] for a in d["apps"]] == ["app1", "app2"]'
expect_json "$OUT_FILE" 'all(set(a) >= {"app", "stages", "pending"} and set(a["stages"]) == {"dev", "prod"} for a in d["apps"])'
expect_json "$OUT_FILE" 'all(set(s) >= {"repository", "tag"} for a in d["apps"] for s in a["stages"].values())'
expect_json "$OUT_FILE" 'd["apps"][0]["pending"] is False and d["apps"][1]["pending"] is True'
expect_json "$OUT_FILE" 'd["apps"][1]["stages"]["dev"] == {**d["apps"][1]["stages"]["dev"], "repository": "registry.example.com/web/web-app2", "tag": "1.1.0"}'
expect_json "$OUT_FILE" 'd["apps"][1]["stages"]["prod"]["tag"] == "1.0.0"'
expect_json "$OUT_FILE" 'd["branch"] == "main" and d["commit"] == "'"$tip"'"'
# One document: python's json.load rejects anything after it; stdout holds nothing else.
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$OUT_FILE" || fail "stdout is not exactly one JSON document"

step "pending follows promotion: prod catches up, then dev moves again"
webcore_release "$wc_repo" main app2 prod 1.1.0
expect_exit 0 "$KANON" -o json status --repo "$wc_url"
expect_json "$OUT_FILE" '[a["pending"] for a in d["apps"]] == [False, False]'
webcore_release "$wc_repo" main app1 dev 2.0.0
expect_exit 0 "$KANON" -o json status --repo "$wc_url"
expect_json "$OUT_FILE" '[a["pending"] for a in d["apps"]] == [True, False]'
step "a different repository in dev is pending too, even with the same tag"
webcore_release "$wc_repo" main app2 dev 1.1.0 registry.example.com/other/web-app2
expect_exit 0 "$KANON" -o json status --repo "$wc_url" app2
expect_json "$OUT_FILE" 'd["apps"][0]["pending"] is True'
# Back to the state of the exact table above.
webcore_release "$wc_repo" main app1 dev 1.0.0
webcore_release "$wc_repo" main app2 dev 1.1.0
webcore_release "$wc_repo" main app2 prod 1.0.0
expect_exit 0 "$KANON" status --repo "$wc_url"
expect_eq "$OUT" "$expected_table" "status table after the round trip"
tip="$(git --git-dir="$wc_repo" rev-parse main)"

step "APP filter: only the named apps, each once, in the order given"
expect_exit 0 "$KANON" status --repo "$wc_url" app2
expect_eq "$OUT" 'APP   DEV    PROD   PENDING
app2  1.1.0  1.0.0  yes' "filtered table"
expect_exit 0 "$KANON" -o json status --repo "$wc_url" app2 app1 app2
expect_json "$OUT_FILE" '[a["app"] for a in d["apps"]] == ["app2", "app1"]'

step "an unknown app: exit 1, naming it"
expect_exit 1 "$KANON" status --repo "$wc_url" app1 nosuchapp
expect_contains "$ERR" "kanon: error:"
expect_contains "$ERR" "nosuchapp"
expect_eq "$OUT" "" "stdout of a failed status"

step "a bad app name is a usage error (exit 2), before any fetch"
for bad in ../x Foo 'a/b' '-x-' ''; do
    expect_exit 2 "$KANON" status --repo "$E2E_TMP/does-not-exist.git" -- "$bad"
    expect_contains "$ERR" "kanon: error:" "stderr for app name '$bad'"
    expect_contains "$ERR" "not a valid app name" "stderr for app name '$bad'"
    expect_eq "$OUT" "" "stdout for app name '$bad'"
done

step "--branch: another branch than the default"
webcore_branch "$wc_repo" hotfix main
webcore_release "$wc_repo" hotfix app1 prod 0.9.9
hotfix_tip="$(git --git-dir="$wc_repo" rev-parse hotfix)"
expect_exit 0 "$KANON" status --repo "$wc_url" --branch hotfix
expect_eq "$OUT" 'APP   DEV    PROD   PENDING
app1  1.0.0  0.9.9  yes
app2  1.1.0  1.0.0  yes' "table of branch hotfix"
expect_eq "$ERR" "hotfix @ ${hotfix_tip:0:12}  $wc_url" "stderr for branch hotfix"
expect_exit 0 "$KANON" status --repo "$wc_url"
expect_eq "$OUT" "$expected_table" "the default branch is untouched"

step "a missing branch: exit 1 with a clear message"
expect_exit 1 "$KANON" status --repo "$wc_url" --branch no-such-branch
expect_eq "$ERR" "kanon: error: branch 'no-such-branch' does not exist in $wc_url" "missing branch message"
git --git-dir="$wc_repo" tag v1.0 main
expect_exit 1 "$KANON" status --repo "$wc_url" --branch v1.0
expect_eq "$ERR" "kanon: error: branch 'v1.0' does not exist in $wc_url" "a tag is not a branch"

step "the default branch is the remote's HEAD"
webcore_default_branch "$wc_repo" hotfix
expect_exit 0 "$KANON" -o json status --repo "$wc_url"
expect_json "$OUT_FILE" 'd["branch"] == "hotfix" and d["apps"][0]["stages"]["prod"]["tag"] == "0.9.9"'
webcore_default_branch "$wc_repo" main

step "a HEAD naming no branch, an empty repository: exit 1, asking for --branch"
git --git-dir="$wc_repo" symbolic-ref HEAD refs/heads/gone
expect_exit 1 "$KANON" status --repo "$wc_url"
expect_contains "$ERR" "--branch"
webcore_default_branch "$wc_repo" main
git init -q --bare "$E2E_TMP/srv/empty.git"
expect_exit 1 "$KANON" status --repo "$E2E_TMP/srv/empty.git"
expect_contains "$ERR" "kanon: error: cannot tell the default branch"
expect_exit 1 "$KANON" status --repo "$E2E_TMP/srv/empty.git" --branch main
expect_contains "$ERR" "branch 'main' does not exist"

step "not a repository: exit 1, one line"
expect_exit 1 "$KANON" status --repo "$E2E_TMP/srv/nothing-here.git"
expect_eq "$(wc -l <"$ERR_FILE" | tr -d ' ')" 1 "lines of the error"
expect_contains "$ERR" "does not appear to be a git repository"

step "default --repo: the origin of the checkout in the current directory"
git clone -q "$wc_repo" "$E2E_TMP/checkout"
mkdir -p "$E2E_TMP/checkout/deploy/deeper"
(cd "$E2E_TMP/checkout" && expect_exit 0 "$KANON" status && expect_eq "$OUT" "$expected_table" "status in a checkout")
(cd "$E2E_TMP/checkout/deploy/deeper" && expect_exit 0 "$KANON" status && expect_eq "$OUT" "$expected_table" "status in a subdirectory")
step "a relative origin is read from the top of the checkout, as git reads it"
git -C "$E2E_TMP/checkout" remote set-url origin ../srv/web-core.git
(cd "$E2E_TMP/checkout/deploy/deeper" && expect_exit 0 "$KANON" status && expect_eq "$OUT" "$expected_table" "status with a relative origin")
step "outside a checkout: a usage error with a hint"
mkdir -p "$E2E_TMP/not-a-checkout"
(cd "$E2E_TMP/not-a-checkout" && expect_exit 2 "$KANON" status && expect_contains "$ERR" "kanon: hint:")

step "servers with and without uploadpack.allowFilter give the same answer"
for allow in true false; do
    git --git-dir="$wc_repo" config uploadpack.allowFilter "$allow"
    expect_exit 0 "$KANON" status --repo "$wc_url"
    expect_eq "$OUT" "$expected_table" "table, allowFilter=$allow"
    expect_exit 0 "$KANON" status --repo "$wc_url" app1
    expect_eq "$OUT" $'APP   DEV    PROD   PENDING\napp1  1.0.0  1.0.0  no' "filtered table, allowFilter=$allow"
done
step "a user's clone.defaultRemoteName does not break the batched blob fetch"
git --git-dir="$wc_repo" config uploadpack.allowFilter true
git config --global clone.defaultRemoteName upstream
expect_exit 0 "$KANON" status --repo "$wc_url"
expect_eq "$OUT" "$expected_table" "table with clone.defaultRemoteName=upstream"
git config --global --unset clone.defaultRemoteName
git --git-dir="$wc_repo" config --unset uploadpack.allowFilter

step "smart HTTP (git http-backend on 127.0.0.1), with and without filters"
start_git_http "$E2E_TMP/srv"
http_url="$GIT_HTTP_URL/web-core.git"
declare -A posts
for allow in false true; do
    git --git-dir="$wc_repo" config uploadpack.allowFilter "$allow"
    : >"$E2E_TMP/http.log"
    expect_exit 0 "$KANON" status --repo "$http_url"
    expect_eq "$OUT" "$expected_table" "table over HTTP, allowFilter=$allow"
    expect_eq "$ERR" "main @ ${tip:0:12}  $http_url" "stderr over HTTP"
    posts[$allow]="$(grep -c '^POST /web-core.git/git-upload-pack 200' "$E2E_TMP/http.log" || true)"
done
# Blobless: the release blobs of every app come in one more request, not one per file.
expect_eq "${posts[true]}" "$((posts[false] + 1))" "upload-pack requests with filters (without: ${posts[false]})"
expect_exit 0 "$KANON" -o json status --repo "$http_url" app2
expect_json "$OUT_FILE" 'd["apps"][0]["stages"]["dev"]["tag"] == "1.1.0"'
expect_exit 1 "$KANON" status --repo "$GIT_HTTP_URL/nothing-here.git"
expect_contains "$ERR" "kanon: error:"

step "credentials in a URL are never printed"
expect_exit 1 "$KANON" status --repo "https://user:s3cret@127.0.0.1:1/x.git"
expect_contains "$ERR" "kanon: error:"
expect_not_contains "$ERR" "s3cret" "stderr"
expect_exit 1 "$KANON" status --repo "https://user:s3cret@127.0.0.1:1/x.git" --branch main
expect_not_contains "$ERR" "s3cret" "stderr"
secret_url="http://user:s3cret@${GIT_HTTP_URL#http://}/web-core.git"
expect_exit 0 "$KANON" -v status --repo "$secret_url"
expect_eq "$OUT" "$expected_table" "table over HTTP with userinfo"
expect_not_contains "$ERR" "s3cret" "stderr"
expect_exit 0 "$KANON" -o json status --repo "$secret_url"
expect_not_contains "$OUT" "s3cret" "JSON"
expect_exit 1 "$KANON" status --repo "$secret_url" --branch no-such-branch
expect_not_contains "$ERR" "s3cret" "stderr"
expect_exit 1 "$KANON" status --repo "http://user:s3cret@${GIT_HTTP_URL#http://}/nothing-here.git"
expect_not_contains "$ERR" "s3cret" "stderr"

step "kanon.yaml at the tip: another release path template and three stages"
cfg_repo="$E2E_TMP/srv/custom.git"
git init -q --bare -b trunk "$cfg_repo"
webcore_write "$cfg_repo" trunk "custom layout" \
    kanon.yaml $'version: 1\npaths:\n  release: releases/{app}/{stage}.yaml\nstages:\n  - name: dev\n  - name: staging\n  - name: prod\n' \
    releases/shop/dev.yaml "$(release_yaml r.example.com/shop 3.1.0)"$'\n' \
    releases/shop/staging.yaml "$(release_yaml r.example.com/shop 3.0.0)"$'\n' \
    releases/shop/prod.yaml "$(release_yaml r.example.com/shop 3.0.0)"$'\n' \
    releases/blog/dev.yaml "$(release_yaml r.example.com/blog 1.2.0)"$'\n' \
    releases/blog/staging.yaml "$(release_yaml r.example.com/blog 1.2.0)"$'\n' \
    releases/blog/prod.yaml "$(release_yaml r.example.com/blog 1.2.0)"$'\n' \
    deploy/env/release-dev/ignored.yaml "$(release_yaml r.example.com/ignored 9.9.9)"$'\n'
for allow in true false; do
    git --git-dir="$cfg_repo" config uploadpack.allowFilter "$allow"
    expect_exit 0 "$KANON" status --repo "$cfg_repo"
    expect_eq "$OUT" 'APP   DEV    STAGING  PROD   PENDING
blog  1.2.0  1.2.0    1.2.0  no
shop  3.1.0  3.0.0    3.0.0  yes' "table of the kanon.yaml layout, allowFilter=$allow"
done
expect_exit 0 "$KANON" -o json status --repo "$cfg_repo" shop
expect_json "$OUT_FILE" 'list(d["apps"][0]["stages"]) == ["dev", "staging", "prod"]'
expect_json "$OUT_FILE" 'd["apps"][0]["stages"]["staging"]["tag"] == "3.0.0" and d["branch"] == "trunk"'
step "a broken kanon.yaml at the tip: exit 1, naming the file and line"
webcore_write "$cfg_repo" trunk "break the config" kanon.yaml $'version: 1\nbogus: 1\n'
expect_exit 1 "$KANON" status --repo "$cfg_repo"
expect_contains "$ERR" "kanon: error: kanon.yaml:2:"

step "many apps named on the command line read the same as all apps"
# (more apps than kanon gives git as literal pathspecs: it lists their
# directories, or the whole tree when they are spread over many directories)
many_repo="$E2E_TMP/srv/many.git"
make_webcore "$many_repo" 70
git --git-dir="$many_repo" config uploadpack.allowFilter true
webcore_release "$many_repo" main app7 dev 7.0.0
mapfile -t many_apps < <(for i in $(seq 1 70); do echo "app$i"; done | sort)
expect_exit 0 "$KANON" status --repo "$many_repo"
all_table="$OUT"
expect_eq "$(grep -c '^app' <<<"$all_table")" 70 "apps listed"
expect_exit 0 "$KANON" status --repo "$many_repo" "${many_apps[@]}"
expect_eq "$OUT" "$all_table" "table of 70 named apps (default layout)"
spread=(kanon.yaml $'paths:\n  release: apps/{app}/release-{stage}.yaml\n')
for app in "${many_apps[@]}"; do
    spread+=("apps/$app/release-dev.yaml" "$(release_yaml r.example.com/"$app" "1.0.${app#app}")"$'\n')
    spread+=("apps/$app/release-prod.yaml" "$(release_yaml r.example.com/"$app" 1.0.0)"$'\n')
done
webcore_write "$many_repo" main "one directory per app" "${spread[@]}"
expect_exit 0 "$KANON" status --repo "$many_repo"
all_table="$OUT"
expect_contains "$all_table" $'app70  1.0.70  1.0.0  yes'
expect_exit 0 "$KANON" status --repo "$many_repo" "${many_apps[@]}"
expect_eq "$OUT" "$all_table" "table of 70 named apps (one directory per app)"

step "a release file with invalid YAML: shown as a problem, the other apps still show, exit 0"
bad_repo="$E2E_TMP/srv/bad.git"
make_webcore "$bad_repo" 3
webcore_write "$bad_repo" main "break app2" deploy/env/release-dev/app2.yaml $'image:\n  repository: [unclosed\n  tag: "2.0.0"\n'
webcore_rm "$bad_repo" main "drop app3 prod" deploy/env/release-prod/app3.yaml
expect_exit 0 "$KANON" status --repo "$bad_repo"
expect_eq "$(sed -n 1,4p "$OUT_FILE")" 'APP   DEV    PROD   PENDING
app1  1.0.0  1.0.0  no
app2  ?      1.0.0  no
app3  1.0.0  ?      yes' "table with problems"
expect_contains "$OUT" "note: app2 dev: deploy/env/release-dev/app2.yaml:3:"
expect_contains "$OUT" "note: app3 prod: no release file"
expect_exit 0 "$KANON" -o json status --repo "$bad_repo"
expect_json "$OUT_FILE" 'd["apps"][1]["stages"]["dev"]["tag"] is None and "release-dev/app2.yaml:3:" in d["apps"][1]["stages"]["dev"]["problem"]'
expect_json "$OUT_FILE" 'd["apps"][0]["stages"]["dev"]["tag"] == "1.0.0" and d["apps"][1]["stages"]["prod"]["tag"] == "1.0.0"'

step "kanon leaves no temporary repository behind"
leftovers="$(find "$TMPDIR" -mindepth 1 -maxdepth 1 -name 'kanon-*' | head -5)"
expect_eq "$leftovers" "" "temporary directories left in TMPDIR"

echo "ok: test_status" >&2
