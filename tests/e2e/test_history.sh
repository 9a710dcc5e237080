# shellcheck shell=bash
# End-to-end tests of `kanon history` and of the rollbacks it drives: the
# history of an app is its release files' git history, newest first: kanon's
# commits read from their Kanon-* trailers, any other commit that changed a
# release file listed as an "edit" with the image the file then held; a
# rollback goes only to a tag the stage ran according to that history, which
# includes what ran before kanon's first release.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

step() { echo "--- $*" >&2; }

repo="$E2E_TMP/srv/web-core.git"
mkdir -p "$E2E_TMP/srv"
make_webcore "$repo" 2
url="file://$repo"
src_ref=0123456789abcdef0123456789abcdef01234567
img=registry.example.com/web/web-app1
dev=deploy/env/release-dev/app1.yaml
prod=deploy/env/release-prod/app1.yaml

w() {  # a write that must change something; prints its commit
    "$KANON" -o json "$@" --repo "$url" >"$OUT_FILE" 2>"$ERR_FILE" || { cat "$ERR_FILE" >&2; fail "kanon $* failed"; }
    expect_json "$OUT_FILE" 'd["changed"] is True'
    json_get "$OUT_FILE" 'd["commit"]'
}

step "a sequence of releases, promotions, a reset, another app and a commit made without kanon"
c0="$(branch_tip "$repo" main)"  # made without kanon: both stages run 1.0.0
c1="$(w release app1 --tag 1.1.0 --source-ref "$src_ref")"
c2="$(w promote app1)"
other="$(w release app2 --tag 9.0.0)"
c3="$(w release app1 --tag 1.2.0 --author 'Dev One <one@example.com>')"
c4="$(w promote app1 --tag 1.2.0)"
webcore_release "$repo" main app1 dev 1.2.5  # by hand: no trailers
by_hand="$(branch_tip "$repo" main)"
c5="$(w release app1 --tag 1.3.0)"
c6="$(w reset app1)"
c7="$(w release app1 --stage prod --tag 1.3.0 --hotfix "e2e: a fix that cannot wait for dev")"
expect_commit_count "$repo" main 10

step "history -o json: every change of the app's release files, newest first, with its fields"
expect_exit 0 "$KANON" -o json history app1 --repo "$url"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$OUT_FILE" || fail "stdout is not exactly one JSON document"
expect_json "$OUT_FILE" 'd["branch"] == "main" and d["repo"] == "'"$url"'"'
expect_json "$OUT_FILE" 'all(set(e) >= {"commit", "time", "author", "action", "tag", "repository", "from", "source_ref", "by_kanon", "hotfix", "unverified"} for e in d["entries"])'
# The first commit changed both stages' files: one entry for each.
expect_eq "$(json_get "$OUT_FILE" '" ".join(e["commit"] for e in d["entries"])')" "$c7 $c6 $c5 $by_hand $c4 $c3 $c2 $c1 $c0 $c0" "commits, newest first"
expect_eq "$(json_get "$OUT_FILE" '" ".join(e["action"] for e in d["entries"])')" \
    "release reset release edit promote release promote release edit edit" "actions"
expect_eq "$(json_get "$OUT_FILE" '" ".join(e["stage"] for e in d["entries"])')" \
    "prod dev dev dev prod dev prod dev dev prod" "stages"
expect_eq "$(json_get "$OUT_FILE" '" ".join(e["tag"] for e in d["entries"])')" \
    "1.3.0 1.2.0 1.3.0 1.2.5 1.2.0 1.2.0 1.1.0 1.1.0 1.0.0 1.0.0" "tags"
expect_eq "$(json_get "$OUT_FILE" '" ".join(e["from"] or "-" for e in d["entries"])')" "- prod - - dev - dev - - -" "from"
expect_eq "$(json_get "$OUT_FILE" '" ".join(str(e["by_kanon"]) for e in d["entries"])')" \
    "True True True False True True True True False False" "by_kanon"
expect_json "$OUT_FILE" 'd["entries"][0]["hotfix"] == "e2e: a fix that cannot wait for dev" and all(e["hotfix"] == "" for e in d["entries"][1:])'
expect_json "$OUT_FILE" 'all(e["repository"] == "'"$img"'" for e in d["entries"])'
expect_json "$OUT_FILE" '[e["source_ref"] for e in d["entries"]] == [""] * 7 + ["'"$src_ref"'", "", ""]'
expect_json "$OUT_FILE" '[e["author"] for i, e in enumerate(d["entries"]) if i not in (3, 8, 9)] == ["E2E Author <author@e2e.invalid>"] * 4 + ["Dev One <one@example.com>"] + ["E2E Author <author@e2e.invalid>"] * 2'
expect_eq "$(json_get "$OUT_FILE" 'd["entries"][3]["author"]')" "$(git --git-dir="$repo" log -1 --format='%an <%ae>' "$by_hand")" "author of the edit"
for i in 0 6; do
    c="$(json_get "$OUT_FILE" "d['entries'][$i]['commit']")"
    expect_eq "$(json_get "$OUT_FILE" "d['entries'][$i]['time']")" "$(git --git-dir="$repo" log -1 --format=%cI "$c")" "time of entry $i"
done
expect_json "$OUT_FILE" '__import__("re").fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)", d["entries"][0]["time"]) is not None'

step "other apps' commits are not listed"
expect_json "$OUT_FILE" '"'"$other"'" not in [e["commit"] for e in d["entries"]]'
expect_exit 0 "$KANON" -o json history app2 --repo "$url"
expect_eq "$(json_get "$OUT_FILE" '" ".join(e["commit"] for e in d["entries"])')" "$other $c0 $c0" "history of app2"

step "status shows the hotfix prod runs (its upstream runs another tag), and nothing for app2"
expect_exit 0 "$KANON" -o json status --repo "$url"
expect_json "$OUT_FILE" '[a for a in d["apps"] if a["app"] == "app1"][0]["stages"]["prod"]["hotfix"] == "e2e: a fix that cannot wait for dev"'
expect_json "$OUT_FILE" 'all(s["hotfix"] == "" for a in d["apps"] for n, s in a["stages"].items() if (a["app"], n) != ("app1", "prod"))'
expect_exit 0 "$KANON" status --repo "$url"
expect_contains "$OUT" "1.3.0 (hotfix)"
expect_contains "$OUT" "note: app1 prod runs a hotfix: e2e: a fix that cannot wait for dev"

step "--stage filters, -n limits (after the filter)"
expect_exit 0 "$KANON" -o json history app1 --stage prod --repo "$url"
expect_eq "$(json_get "$OUT_FILE" '" ".join(e["commit"] for e in d["entries"])')" "$c7 $c4 $c2 $c0" "prod history"
expect_exit 0 "$KANON" -o json history app1 --stage dev --repo "$url"
expect_eq "$(json_get "$OUT_FILE" '" ".join(e["commit"] for e in d["entries"])')" "$c6 $c5 $by_hand $c3 $c1 $c0" "dev history"
expect_exit 0 "$KANON" -o json history app1 -n 2 --repo "$url"
expect_eq "$(json_get "$OUT_FILE" '" ".join(e["commit"] for e in d["entries"])')" "$c7 $c6" "history -n 2"
expect_exit 0 "$KANON" -o json history app1 --stage dev -n 1 --repo "$url"
expect_eq "$(json_get "$OUT_FILE" '" ".join(e["commit"] for e in d["entries"])')" "$c6" "dev history -n 1"

step "text output: a header and one row per entry, newest first; the hotfix and the edit noted"
expect_exit 0 "$KANON" history app1 --stage prod --repo "$url"
expect_eq "$(wc -l <"$OUT_FILE")" 5 "lines of the prod history table"
expect_eq "$(head -1 "$OUT_FILE" | tr -s ' ')" "WHEN STAGE ACTION TAG FROM BY COMMIT NOTE" "header"
row="$(sed -n 2p "$OUT_FILE" | tr -s ' ')"
expect_contains "$row" " prod release 1.3.0 - E2E Author <author@e2e.invalid> ${c7:0:12} hotfix: e2e: a fix that cannot wait for dev" "newest row"
expect_contains "$(sed -n 3p "$OUT_FILE" | tr -s ' ')" " prod promote 1.2.0 dev E2E Author <author@e2e.invalid> ${c4:0:12} -" "second row"
expect_contains "$(sed -n 5p "$OUT_FILE" | tr -s ' ')" " prod edit 1.0.0 - " "the release from before kanon"
expect_contains "$(sed -n 5p "$OUT_FILE")" "${c0:0:12}  not by kanon" "its note"
expect_exit 0 "$KANON" history app3 --repo "$url"
expect_eq "$OUT" "no releases in the history of main" "an empty history"

step "history errors: a bad app name (exit 2, before any fetch), an unknown stage (exit 2)"
expect_exit 2 "$KANON" history App1 --repo "$E2E_TMP/nowhere.git"
expect_contains "$ERR" "not a valid app name"
expect_exit 2 "$KANON" history app1 --stage qa --repo "$url"
expect_contains "$ERR" "unknown stage 'qa'"
expect_exit 1 "$KANON" history app1 --repo "$E2E_TMP/nowhere.git"
expect_eq "$ERR" "kanon: error: git clone of file://$E2E_TMP/nowhere.git failed: '$E2E_TMP/nowhere.git' does not appear to be a git repository" "history of a missing repository"
expect_exit 1 "$KANON" history app1 --branch no-such-branch --repo "$url"
expect_eq "$ERR" "kanon: error: branch 'no-such-branch' does not exist in $url" "history of a missing branch"
git --git-dir="$repo" tag v1 main
expect_exit 1 "$KANON" history app1 --branch v1 --repo "$url"
expect_eq "$ERR" "kanon: error: branch 'v1' does not exist in $url" "history of a tag"
git init -q --bare "$E2E_TMP/srv/empty.git"
expect_exit 1 "$KANON" history app1 --repo "$E2E_TMP/srv/empty.git"
expect_contains "$ERR" "kanon: error: cannot tell the default branch of file://$E2E_TMP/srv/empty.git"

step "history --branch: another branch's history"
webcore_branch "$repo" hotfix main
hotfix="$(git --git-dir="$repo" rev-parse hotfix)"
expect_exit 0 "$KANON" -o json release app1 --stage prod --tag 1.3.1 --hotfix "e2e: on the hotfix branch" --branch hotfix --repo "$url"
h1="$(json_get "$OUT_FILE" 'd["commit"]')"
expect_eq "$(git --git-dir="$repo" rev-parse "$h1^")" "$hotfix" "parent of the release to hotfix"
expect_exit 0 "$KANON" -o json history app1 --stage prod --branch hotfix --repo "$url"
expect_json "$OUT_FILE" 'd["branch"] == "hotfix"'
expect_eq "$(json_get "$OUT_FILE" '" ".join(e["commit"] for e in d["entries"])')" "$h1 $c7 $c4 $c2 $c0" "prod history of hotfix"
expect_eq "$(branch_tip "$repo" main)" "$c7" "main after a release to hotfix"

step "over smart HTTP (commits only, uploadpack.allowFilter on): the same entries"
git --git-dir="$repo" config uploadpack.allowFilter true
start_git_http "$E2E_TMP/srv"
expect_exit 0 "$KANON" -o json history app1 --repo "$GIT_HTTP_URL/web-core.git"
expect_eq "$(json_get "$OUT_FILE" '" ".join(e["commit"] for e in d["entries"])')" "$c7 $c6 $c5 $by_hand $c4 $c3 $c2 $c1 $c0 $c0" "commits over HTTP"
grep -q 'git-upload-pack' "$E2E_TMP/http.log" || fail "history did not fetch over HTTP"

# prod ran 1.0.0 (c0, before kanon), 1.1.0 (c2), 1.2.0 (c4), 1.3.0 (c7, now);
# dev ran 1.0.0, 1.1.0, 1.2.0, 1.2.5 (by hand), 1.3.0, 1.2.0 (reset, now).
step "rollback --steps 1: the previous distinct tag (prod: 1.3.0 -> 1.2.0)"
tip="$(branch_tip "$repo" main)"
expect_exit 0 "$KANON" -o json rollback app1 --steps 1 --repo "$url"
expect_json "$OUT_FILE" 'd["changed"] is True and d["stage"] == "prod" and d["tag"] == "1.2.0" and d["previous_tag"] == "1.3.0"'
r1="$(json_get "$OUT_FILE" 'd["commit"]')"
expect_eq "$(git --git-dir="$repo" rev-parse "$r1^")" "$tip" "parent of the rollback"
expect_blob "$repo" main "$prod" "$(release_yaml "$img" 1.2.0)"$'\n'
expect_contains "$ERR" "kanon freeze app1 --stage prod" "rollback's hint"
expect_exit 0 "$KANON" -o json history app1 --stage prod -n 1 --repo "$url"
expect_json "$OUT_FILE" 'd["entries"][0]["action"] == "rollback" and d["entries"][0]["tag"] == "1.2.0" and d["entries"][0]["commit"] == "'"$r1"'"'

step "rollback --steps 1 once more goes further back, never to the release just rolled back"
expect_exit 0 "$KANON" -o json rollback app1 --steps 1 --repo "$url"
expect_json "$OUT_FILE" 'd["changed"] is True and d["tag"] == "1.1.0" and d["previous_tag"] == "1.2.0"'
expect_blob "$repo" main "$prod" "$(release_yaml "$img" 1.1.0)"$'\n'

step "rollback --steps 1 a third time: the release the first kanon release replaced (1.0.0)"
expect_exit 0 "$KANON" -o json rollback app1 --steps 1 --repo "$url"
expect_json "$OUT_FILE" 'd["changed"] is True and d["tag"] == "1.0.0" and d["previous_tag"] == "1.1.0"'
expect_blob "$repo" main "$prod" "$(release_yaml "$img" 1.0.0)"$'\n'

step "rollback further than the history goes, or --to a tag the stage never ran: exit 4, branch unchanged"
tip="$(branch_tip "$repo" main)"
expect_exit 4 "$KANON" rollback app1 --steps 1 --repo "$url"
expect_contains "$ERR" "1.0.0 is the oldest release in the stage's history"
expect_exit 4 "$KANON" rollback app1 --steps 5 --repo "$url"
expect_exit 4 "$KANON" rollback app1 --to 9.9.9 --repo "$url"
expect_contains "$ERR" "never ran 9.9.9"
expect_eq "$OUT" "" "stdout of a refused rollback"
expect_exit 4 "$KANON" rollback app1 --to 9.0.0 --repo "$url"  # app2's tag, not app1's
expect_eq "$(branch_tip "$repo" main)" "$tip" "tip after refused rollbacks"

step "rollback --to: any tag the stage ran, rolled back or not; again: nothing"
expect_exit 0 "$KANON" -o json rollback app1 --to 1.3.0 --repo "$url"
expect_json "$OUT_FILE" 'd["changed"] is True and d["tag"] == "1.3.0"'
tip="$(branch_tip "$repo" main)"
expect_exit 0 "$KANON" -o json rollback app1 --to 1.3.0 --repo "$url"
expect_json "$OUT_FILE" 'd["changed"] is False and d["commit"] is None'
expect_eq "$(branch_tip "$repo" main)" "$tip" "tip after an idempotent rollback"
expect_exit 0 "$KANON" -o json rollback app1 --stage dev --to 1.1.0 --repo "$url"
expect_json "$OUT_FILE" 'd["changed"] is True and d["stage"] == "dev" and d["tag"] == "1.1.0" and d["previous_tag"] == "1.2.0"'
expect_blob "$repo" main "$dev" "$(release_yaml "$img" 1.1.0)"$'\n'
# Dev ran 1.2.5 through a commit made without kanon: a tag it ran all the same.
expect_exit 0 "$KANON" -o json rollback app1 --stage dev --to 1.2.5 --repo "$url"
expect_json "$OUT_FILE" 'd["changed"] is True and d["tag"] == "1.2.5" and d["previous_tag"] == "1.1.0"'

step "a stage that kanon.yaml adds is a stage history accepts"
webcore_write "$repo" main "kanon.yaml: a qa stage" kanon.yaml $'stages:\n  - name: dev\n  - name: qa\n  - name: prod\n'
expect_exit 0 "$KANON" -o json history app1 --stage qa --repo "$url"
expect_json "$OUT_FILE" 'd["entries"] == []'
expect_exit 2 "$KANON" history app1 --stage staging --repo "$url"
expect_contains "$ERR" "unknown stage 'staging'"

echo "PASS: $E2E_NAME" >&2
