# shellcheck shell=bash
# End-to-end tests of the write commands `release`, `promote`, `reset` and
# `rollback`: the real binary pushing to bare web-core repositories over
# file:// and over smart HTTP on loopback (git http-backend, with
# uploadpack.allowFilter on). Every write is checked in the repository itself:
# the exact bytes of the release file, a one-line diff, the commit message
# (subject and trailers), author and committer, the commit count (idempotent
# re-runs add nothing), and that the JSON report's commit is the branch tip.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

step() { echo "--- $*" >&2; }

srv="$E2E_TMP/srv"
mkdir -p "$srv"
src_ref=0123456789abcdef0123456789abcdef01234567
img() { printf 'registry.example.com/web/web-%s' "$1"; }

# expect_one_line_diff REPO COMMIT PATH OLD_LINE NEW_LINE: COMMIT changes
# exactly one file, PATH, and in it exactly one line.
expect_one_line_diff() {
    local repo="$1" c="$2" path="$3" old="$4" new="$5"
    expect_eq "$(git --git-dir="$repo" diff-tree --no-commit-id --numstat -r "$c")" $'1\t1\t'"$path" "files and lines changed by ${c:0:12}"
    expect_eq "$(git --git-dir="$repo" diff -U0 "$c^" "$c" -- "$path" | grep '^[-+][^-+]')" "-$old
+$new" "the changed line of $path"
}

# expect_message REPO COMMIT TEXT: the commit message, exactly.
expect_message() {
    expect_eq "$(git --git-dir="$1" log -1 --format=%B "$2")" "$3" "message of ${2:0:12}"
    # git itself reads the last paragraph as trailers.
    local t
    t="$(git --git-dir="$1" log -1 --format='%(trailers:only,unfold)' "$2")"
    expect_contains "$t" "Kanon-Action: " "trailers of ${2:0:12} as git parses them"
}

expect_who() {  # REPO COMMIT AUTHOR COMMITTER
    expect_eq "$(git --git-dir="$1" log -1 --format='%an <%ae>' "$2")" "$3" "author of ${2:0:12}"
    expect_eq "$(git --git-dir="$1" log -1 --format='%cn <%ce>' "$2")" "$4" "committer of ${2:0:12}"
}

# write_ok: the JSON report in $OUT_FILE is a change whose commit is the new
# tip, a child of the old tip ($1), one commit more ($2 before).
expect_write() {
    local repo="$1" old_tip="$2" old_count="$3" c
    python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$OUT_FILE" || fail "stdout is not exactly one JSON document"
    expect_json "$OUT_FILE" 'set(d) >= {"app", "stage", "tag", "changed", "commit", "attempts"}'
    expect_json "$OUT_FILE" 'd["changed"] is True and d["attempts"] == 1 and len(d["commit"]) == 40'
    c="$(json_get "$OUT_FILE" 'd["commit"]')"
    expect_eq "$c" "$(branch_tip "$repo" main)" "the JSON commit and the branch tip"
    expect_eq "$(git --git-dir="$repo" rev-parse "$c^")" "$old_tip" "parent of the new commit"
    expect_commit_count "$repo" main $((old_count + 1))
    LAST_COMMIT="$c"
}

# expect_unchanged REPO TIP COUNT: the JSON report says nothing changed and
# the branch is where it was.
expect_unchanged() {
    expect_json "$OUT_FILE" 'd["changed"] is False and d["commit"] is None and d["attempts"] == 1'
    expect_eq "$(branch_tip "$1" main)" "$2" "tip after a write that changes nothing"
    expect_commit_count "$1" main "$3"
}

# suite NAME URL REPO: every write command against one served repository.
suite() {
    local name="$1" url="$2" repo="$3" tip n c
    local dev1=deploy/env/release-dev/app1.yaml prod1=deploy/env/release-prod/app1.yaml
    step "[$name] release: -o json report, byte-exact file, one-line diff, message, author"
    tip="$(branch_tip "$repo" main)" n="$(commit_count "$repo" main)"
    expect_exit 0 "$KANON" -o json release app1 --tag 1.2.3 --repo "$url"
    expect_write "$repo" "$tip" "$n"
    c="$LAST_COMMIT"
    expect_json "$OUT_FILE" 'd["app"] == "app1" and d["stage"] == "dev" and d["tag"] == "1.2.3" and d["action"] == "release"'
    expect_json "$OUT_FILE" 'd["previous_tag"] == "1.0.0" and d["repository"] == "'"$(img app1)"'" and d["branch"] == "main"'
    expect_json "$OUT_FILE" 'd["base"] == "'"$tip"'"'
    expect_blob "$repo" main "$dev1" "$(release_yaml "$(img app1)" 1.2.3)"$'\n'
    expect_one_line_diff "$repo" "$c" "$dev1" '  tag: "1.0.0"' '  tag: "1.2.3"'
    expect_message "$repo" "$c" "release(dev): app1 1.2.3 [skip ci]

Kanon-Action: release
Kanon-App: app1
Kanon-Stage: dev
Kanon-Tag: 1.2.3
Kanon-Repository: $(img app1)"
    # The author comes from GIT_AUTHOR_* (lib.sh sets them), the committer from GIT_COMMITTER_*.
    expect_who "$repo" "$c" "E2E Author <author@e2e.invalid>" "E2E Committer <committer@e2e.invalid>"

    step "[$name] release again: exit 0, nothing changed, no commit (json and text)"
    tip="$(branch_tip "$repo" main)" n="$(commit_count "$repo" main)"
    expect_exit 0 "$KANON" -o json release app1 --tag 1.2.3 --repo "$url"
    expect_unchanged "$repo" "$tip" "$n"
    expect_json "$OUT_FILE" 'd["tag"] == "1.2.3" and d["base"] == "'"$tip"'"'
    expect_exit 0 "$KANON" release app1 --tag 1.2.3 --repo "$url"
    expect_eq "$OUT" "release(dev): app1 1.2.3: dev already runs 1.2.3; nothing to change" "text of an unchanged release"
    expect_eq "$(branch_tip "$repo" main)" "$tip" "tip after the text re-run"

    step "[$name] text output of a change names the commit"
    expect_exit 0 "$KANON" release app2 --tag 1.1.0 --repo "$url"
    c="$(branch_tip "$repo" main)"
    expect_eq "$OUT" "release(dev): app2 1.1.0 (was 1.0.0)
committed $c on main" "text of a release"

    step "[$name] promote dev -> prod: the same tag, Kanon-From: dev; again: nothing"
    tip="$(branch_tip "$repo" main)" n="$(commit_count "$repo" main)"
    expect_exit 0 "$KANON" -o json promote app1 --repo "$url"
    expect_write "$repo" "$tip" "$n"
    c="$LAST_COMMIT"
    expect_json "$OUT_FILE" 'd["stage"] == "prod" and d["tag"] == "1.2.3" and d["from"] == "dev" and d["action"] == "promote"'
    expect_blob "$repo" main "$prod1" "$(release_yaml "$(img app1)" 1.2.3)"$'\n'
    expect_one_line_diff "$repo" "$c" "$prod1" '  tag: "1.0.0"' '  tag: "1.2.3"'
    expect_message "$repo" "$c" "promote(prod): app1 1.2.3 from dev [skip ci]

Kanon-Action: promote
Kanon-App: app1
Kanon-Stage: prod
Kanon-Tag: 1.2.3
Kanon-Repository: $(img app1)
Kanon-From: dev"
    tip="$c" n="$(commit_count "$repo" main)"
    expect_exit 0 "$KANON" -o json promote app1 --repo "$url"
    expect_unchanged "$repo" "$tip" "$n"
    expect_exit 0 "$KANON" -o json promote app1 --tag 1.2.3 --repo "$url"
    expect_unchanged "$repo" "$tip" "$n"

    step "[$name] promote --tag T that dev does not run: exit 4, branch unchanged"
    expect_exit 4 "$KANON" promote app1 --tag 9.9.9 --repo "$url"
    expect_contains "$ERR" "kanon: error: app1 runs 1.2.3 in dev, not 9.9.9"
    expect_contains "$ERR" "kanon: hint: release 9.9.9 to dev first"
    expect_eq "$OUT" "" "stdout of a refused promote"
    expect_eq "$(branch_tip "$repo" main)" "$tip" "tip after a refused promote"
    expect_blob "$repo" main "$prod1" "$(release_yaml "$(img app1)" 1.2.3)"$'\n'

    step "[$name] --author, --no-skip-ci, --source-ref"
    tip="$(branch_tip "$repo" main)" n="$(commit_count "$repo" main)"
    expect_exit 0 "$KANON" -o json release app1 --tag 2.0.0 --repo "$url" \
        --author 'Release Bot <bot@example.com>' --no-skip-ci --source-ref "$src_ref"
    expect_write "$repo" "$tip" "$n"
    c="$LAST_COMMIT"
    expect_message "$repo" "$c" "release(dev): app1 2.0.0

Kanon-Action: release
Kanon-App: app1
Kanon-Stage: dev
Kanon-Tag: 2.0.0
Kanon-Repository: $(img app1)
Kanon-Source-Ref: $src_ref"
    expect_who "$repo" "$c" "Release Bot <bot@example.com>" "E2E Committer <committer@e2e.invalid>"

    step "[$name] a 40-hex tag is shortened in the subject only"
    local sha_tag=89abcdef0123456789abcdef0123456789abcdef
    expect_exit 0 "$KANON" -o json release app2 --tag "$sha_tag" --repo "$url"
    c="$(json_get "$OUT_FILE" 'd["commit"]')"
    expect_eq "$(git --git-dir="$repo" log -1 --format=%s "$c")" "release(dev): app2 ${sha_tag:0:12} [skip ci]" "subject with a SHA tag"
    expect_contains "$(git --git-dir="$repo" log -1 --format=%B "$c")" "Kanon-Tag: $sha_tag"
    expect_file_line "$repo" main deploy/env/release-dev/app2.yaml "  tag: \"$sha_tag\""

    step "[$name] reset: dev gets what prod runs, Kanon-From: prod; again: nothing"
    tip="$(branch_tip "$repo" main)" n="$(commit_count "$repo" main)"
    expect_exit 0 "$KANON" -o json reset app1 --repo "$url"
    expect_write "$repo" "$tip" "$n"
    c="$LAST_COMMIT"
    expect_json "$OUT_FILE" 'd["stage"] == "dev" and d["tag"] == "1.2.3" and d["from"] == "prod" and d["previous_tag"] == "2.0.0"'
    expect_blob "$repo" main "$dev1" "$(release_yaml "$(img app1)" 1.2.3)"$'\n'
    expect_one_line_diff "$repo" "$c" "$dev1" '  tag: "2.0.0"' '  tag: "1.2.3"'
    expect_message "$repo" "$c" "reset(dev): app1 1.2.3 from prod [skip ci]

Kanon-Action: reset
Kanon-App: app1
Kanon-Stage: dev
Kanon-Tag: 1.2.3
Kanon-Repository: $(img app1)
Kanon-From: prod"
    tip="$c" n="$(commit_count "$repo" main)"
    expect_exit 0 "$KANON" -o json reset app1 --repo "$url"
    expect_unchanged "$repo" "$tip" "$n"

    step "[$name] --repository moves with the tag: release sets both, reset restores the file byte for byte"
    local dev3=deploy/env/release-dev/app3.yaml before
    before="$(release_yaml "$(img app3)" 1.0.0)"$'\n'
    expect_exit 0 "$KANON" -o json release app3 --tag 4.0.0 --repository registry.example.com/other/web-app3 --repo "$url"
    expect_json "$OUT_FILE" 'd["repository"] == "registry.example.com/other/web-app3" and d["changed"] is True'
    c="$(json_get "$OUT_FILE" 'd["commit"]')"
    expect_blob "$repo" main "$dev3" "$(release_yaml registry.example.com/other/web-app3 4.0.0)"$'\n'
    expect_eq "$(git --git-dir="$repo" diff-tree --no-commit-id --numstat -r "$c")" $'2\t2\t'"$dev3" "a release with --repository changes two lines"
    expect_contains "$(git --git-dir="$repo" log -1 --format=%B "$c")" "Kanon-Repository: registry.example.com/other/web-app3"
    expect_exit 0 "$KANON" -o json reset app3 --repo "$url"
    expect_json "$OUT_FILE" 'd["repository"] == "'"$(img app3)"'" and d["tag"] == "1.0.0" and d["changed"] is True'
    expect_blob "$repo" main "$dev3" "$before"

    step "[$name] release into prod (it takes dev's releases): refused (exit 4) without --hotfix, a trailer with it"
    tip="$(branch_tip "$repo" main)" n="$(commit_count "$repo" main)"
    expect_exit 4 "$KANON" release app2 --stage prod --tag 1.3.9 --repo "$url"
    expect_contains "$ERR" "kanon: error: prod takes its releases from dev: a release straight into prod goes around the flow"
    expect_contains "$ERR" "kanon: hint: release to dev and promote (kanon promote app2 --to prod), or give --hotfix REASON"
    expect_exit 4 "$KANON" release app2 --stage prod --tag 1.3.9 --repository registry.example.com/web/other --repo "$url"
    expect_contains "$ERR" "would run registry.example.com/web/other where dev runs $(img app2)"
    expect_eq "$(branch_tip "$repo" main)" "$tip" "tip after refused releases into prod"
    expect_exit 2 "$KANON" release app2 --stage prod --tag 1.3.9 --hotfix $'two\nlines' --repo "$url"
    expect_contains "$ERR" "must be one line"
    expect_exit 2 "$KANON" release app2 --tag 1.3.9 --hotfix "dev takes releases anyway" --repo "$url"
    expect_contains "$ERR" "--hotfix is for a stage that takes its releases from another"
    expect_exit 0 "$KANON" -o json release app2 --stage prod --tag 1.3.9 --hotfix "CVE fix, dev is broken" --repo "$url"
    expect_write "$repo" "$tip" "$n"
    expect_eq "$(git --git-dir="$repo" log -1 --format='%(trailers:key=Kanon-Hotfix,valueonly)' main | sed '/^$/d')" \
        "CVE fix, dev is broken" "the Kanon-Hotfix trailer"

    step "[$name] rollback --to a tag prod ran before; again: nothing; --to a tag it never ran: exit 4"
    expect_exit 0 "$KANON" -o json release app1 --stage prod --tag 1.3.0 --hotfix "e2e: prod first" --repo "$url"
    tip="$(branch_tip "$repo" main)" n="$(commit_count "$repo" main)"
    expect_exit 0 "$KANON" -o json rollback app1 --to 1.2.3 --repo "$url"
    expect_write "$repo" "$tip" "$n"
    c="$LAST_COMMIT"
    expect_json "$OUT_FILE" 'd["stage"] == "prod" and d["tag"] == "1.2.3" and d["previous_tag"] == "1.3.0" and d["action"] == "rollback"'
    expect_blob "$repo" main "$prod1" "$(release_yaml "$(img app1)" 1.2.3)"$'\n'
    expect_one_line_diff "$repo" "$c" "$prod1" '  tag: "1.3.0"' '  tag: "1.2.3"'
    expect_message "$repo" "$c" "rollback(prod): app1 1.2.3 [skip ci]

Kanon-Action: rollback
Kanon-App: app1
Kanon-Stage: prod
Kanon-Tag: 1.2.3
Kanon-Repository: $(img app1)"
    tip="$c" n="$(commit_count "$repo" main)"
    expect_exit 0 "$KANON" -o json rollback app1 --to 1.2.3 --repo "$url"
    expect_unchanged "$repo" "$tip" "$n"
    expect_exit 4 "$KANON" rollback app1 --to 7.7.7 --repo "$url"
    expect_contains "$ERR" "never ran 7.7.7"
    expect_eq "$(branch_tip "$repo" main)" "$tip" "tip after a refused rollback"

    step "[$name] an unknown (well-formed) app: exit 1 with 'did you mean'; nothing pushed"
    for cmd in "release apq1 --tag 1.0.1" "promote apq1" "reset apq1" "rollback apq1 --to 1.0.0"; do
        # shellcheck disable=SC2086  # word splitting wanted
        expect_exit 1 "$KANON" $cmd --repo "$url"
        expect_contains "$ERR" "kanon: error: app 'apq1' has no deploy/env/release-" "stderr of '$cmd'"
        expect_contains "$ERR" "kanon: hint: did you mean 'app1'?" "stderr of '$cmd'"
        expect_eq "$OUT" "" "stdout of '$cmd'"
    done
    expect_exit 1 "$KANON" -o json release apq1 --tag 1.0.1 --repo "$url"
    expect_json "$OUT_FILE" 'd["ok"] is False and d["exit_code"] == 1'
    expect_eq "$(branch_tip "$repo" main)" "$tip" "tip after unknown apps"

    step "[$name] an unknown stage: exit 2, nothing pushed"
    expect_exit 2 "$KANON" release app1 --tag 1.0.1 --stage qa --repo "$url"
    expect_contains "$ERR" "unknown stage 'qa'"
    expect_exit 2 "$KANON" promote app1 --to qa --repo "$url"
    expect_exit 2 "$KANON" reset app1 --to qa --repo "$url"
    expect_exit 2 "$KANON" rollback app1 --stage qa --to 1.0.0 --repo "$url"
    expect_eq "$(branch_tip "$repo" main)" "$tip" "tip after unknown stages"
}

# A served repository: the canon for app1..app4, app4's release files in a
# hand-written style (CRLF, comments, odd spacing, single quotes, no final
# newline) that every edit must keep byte for byte.
crlf_dev=$'# app4: dev release\r\n# edited by kanon, reviewed by people\r\nimage:   # the image\r\n  # where it lives\r\n  repository: \'registry.example.com/web/web-app4\'    # keep me\r\n\r\n  tag:    "1.0.0"     # the tag\r\n# the end, no newline'
crlf_prod=$'image:\r\n    repository: registry.example.com/web/web-app4\r\n    # pinned by the release train\r\n    tag: 1.0.0 # unquoted\r\n'
make_repo() {
    make_webcore "$1" 4
    webcore_write "$1" main "app4 in its own style" \
        deploy/env/release-dev/app4.yaml "$crlf_dev" deploy/env/release-prod/app4.yaml "$crlf_prod"
}

hand_written_style() {  # NAME URL REPO
    local name="$1" url="$2" repo="$3" c
    step "[$name] a CRLF, comment-rich release file keeps every other byte (release, promote)"
    expect_exit 0 "$KANON" -o json release app4 --tag 5.5.5 --repo "$url"
    c="$(json_get "$OUT_FILE" 'd["commit"]')"
    expect_blob "$repo" main deploy/env/release-dev/app4.yaml "${crlf_dev/\"1.0.0\"/\"5.5.5\"}"
    expect_eq "$(git --git-dir="$repo" diff-tree --no-commit-id --numstat -r "$c")" $'1\t1\tdeploy/env/release-dev/app4.yaml' "lines changed in app4's dev file"
    expect_exit 0 "$KANON" -o json promote app4 --repo "$url"
    c="$(json_get "$OUT_FILE" 'd["commit"]')"
    expect_blob "$repo" main deploy/env/release-prod/app4.yaml "${crlf_prod/tag: 1.0.0/tag: 5.5.5}"
    expect_eq "$(git --git-dir="$repo" diff-tree --no-commit-id --numstat -r "$c")" $'1\t1\tdeploy/env/release-prod/app4.yaml' "lines changed in app4's prod file"
    step "[$name] a tag YAML would read as a number is written quoted, in the file's own style otherwise"
    expect_exit 0 "$KANON" -o json release app4 --stage prod --tag 1e10 --hotfix e2e --repo "$url"
    expect_blob "$repo" main deploy/env/release-prod/app4.yaml "${crlf_prod/tag: 1.0.0/tag: \"1e10\"}"
}

# Two parts (E2E_PART): file (the suite over file://, then what only file://
# shows) and http (the suite over smart HTTP, then the usage errors).
if part file; then
# --- over file:// -------------------------------------------------------------
file_repo="$srv/web-core-file.git"
make_repo "$file_repo"
suite file "file://$file_repo" "$file_repo"
hand_written_style file "file://$file_repo" "$file_repo"
fi

if part http; then
# --- over smart HTTP, partial clones allowed ------------------------------------
http_repo="$srv/web-core-http.git"
make_repo "$http_repo"
git --git-dir="$http_repo" config uploadpack.allowFilter true
start_git_http "$srv"
suite http "$GIT_HTTP_URL/web-core-http.git" "$http_repo"
hand_written_style http "$GIT_HTTP_URL/web-core-http.git" "$http_repo"
grep -q 'git-receive-pack' "$E2E_TMP/http.log" || fail "nothing was pushed over HTTP"

# --- usage errors, before anything is fetched ---------------------------------
step "bad tags and bad app names: exit 2 without fetching (the repository does not exist)"
nowhere="$GIT_HTTP_URL/does-not-exist.git"
requests_before="$(wc -l <"$E2E_TMP/http.log")"
for tag in .bad -bad 'a b' 'ü1' "$(printf 'x%.0s' {1..129})" 'v1:2' ''; do
    expect_exit 2 "$KANON" release app1 --tag "$tag" --repo "$nowhere"
    expect_contains "$ERR" "is not a valid image tag" "stderr for tag '$tag'"
    expect_eq "$OUT" "" "stdout for tag '$tag'"
done
expect_exit 2 "$KANON" promote app1 --tag .bad --repo "$nowhere"
expect_exit 2 "$KANON" rollback app1 --to .bad --repo "$nowhere"
for app in App1 ../x a_b -x- 'a/b' "$(printf 'a%.0s' {1..54})"; do
    for cmd in "release --tag 1.0.0" "promote" "reset" "rollback --to 1.0.0"; do
        # shellcheck disable=SC2086  # word splitting wanted
        expect_exit 2 "$KANON" $cmd --repo "$nowhere" -- "$app"
        expect_contains "$ERR" "not a valid app name" "stderr of '$cmd' for app '$app'"
    done
done
step "--repository and --source-ref that would not be an image or a commit: exit 2 (no trailer injection)"
for r in 'a b' $'evil\nKanon-Tag: 6.6.6' 'Registry/UPPER' 'x/' 'a..b'; do
    expect_exit 2 "$KANON" release app1 --tag 1.0.1 --repository "$r" --repo "$nowhere"
    expect_contains "$ERR" "is not a valid image repository" "stderr for --repository $(printf %q "$r")"
done
for ref in abc 0123456 $'0123456789abcdef0123456789abcdef01234567\nKanon-Tag: 6.6.6'; do
    expect_exit 2 "$KANON" release app1 --tag 1.0.1 --source-ref "$ref" --repo "$nowhere"
    expect_contains "$ERR" "is not a full commit SHA"
    expect_exit 2 "$KANON" promote app1 --source-ref "$ref" --repo "$nowhere"
done
expect_exit 2 "$KANON" rollback app1 --repo "$nowhere"
expect_contains "$ERR" "exactly one of --to TAG and --steps N"
expect_exit 2 "$KANON" release app1 --tag 1.0.1 --author 'no email' --repo "$nowhere"
expect_eq "$(wc -l <"$E2E_TMP/http.log")" "$requests_before" "HTTP requests made by usage errors"
fi

if part file; then
# --- only over file:// ----------------------------------------------------------
step "author and committer from CI variables when GIT_AUTHOR_* and GIT_COMMITTER_* are unset"
expect_exit 0 env -u GIT_AUTHOR_NAME -u GIT_AUTHOR_EMAIL -u GIT_COMMITTER_NAME -u GIT_COMMITTER_EMAIL \
    GITLAB_USER_NAME="Gitlab User" GITLAB_USER_EMAIL="gl@example.com" \
    "$KANON" -o json release app2 --tag 3.1.0 --repo "$file_repo"
expect_who "$file_repo" main "Gitlab User <gl@example.com>" "Gitlab User <gl@example.com>"

step "--repo defaults to the origin of the checkout in the current directory (also a relative one)"
git clone -q "$file_repo" "$E2E_TMP/checkout"
mkdir -p "$E2E_TMP/checkout/deploy/sub"
tip="$(branch_tip "$file_repo" main)"
(cd "$E2E_TMP/checkout/deploy/sub" && "$KANON" -o json release app1 --tag 6.0.0) >"$OUT_FILE" || fail "release from a checkout failed"
expect_json "$OUT_FILE" 'd["changed"] is True and d["repo"] == "file://'"$file_repo"'"'
expect_eq "$(json_get "$OUT_FILE" 'd["commit"]')" "$(branch_tip "$file_repo" main)" "commit pushed to the checkout's origin"
expect_eq "$(git --git-dir="$file_repo" rev-parse main^)" "$tip" "parent of the checkout's release"
git -C "$E2E_TMP/checkout" remote set-url origin ../srv/web-core-file.git
(cd "$E2E_TMP/checkout/deploy/sub" && "$KANON" -o json release app1 --tag 6.0.1) >"$OUT_FILE" || fail "release with a relative origin failed"
expect_json "$OUT_FILE" 'd["changed"] is True'
expect_file_line "$file_repo" main deploy/env/release-dev/app1.yaml '  tag: "6.0.1"'
(cd "$E2E_TMP/checkout" && git status --porcelain) >"$E2E_TMP/co-status"
expect_eq "$(cat "$E2E_TMP/co-status")" "" "the checkout's working tree is untouched"

step "--cache-dir: a second run reuses the clone and sees what others pushed in between"
cache="$E2E_TMP/cache"
expect_exit 0 "$KANON" -o json release app2 --tag 7.0.0 --repo "$file_repo" --cache-dir "$cache"
clones=("$cache"/web-core-*.git)
expect_eq "${#clones[@]}" 1 "clones in the cache"
touch "${clones[0]}/e2e-marker"
webcore_release "$file_repo" main app3 dev 7.7.7  # someone else's commit, not through the cache
expect_exit 0 "$KANON" -o json release app2 --tag 7.0.1 --repo "$file_repo" --cache-dir "$cache"
expect_json "$OUT_FILE" 'd["changed"] is True and d["previous_tag"] == "7.0.0"'
[[ -e "${clones[0]}/e2e-marker" ]] || fail "the second run did not reuse the cached clone"
expect_eq "$(git --git-dir="$file_repo" log -1 --format=%s main^)" "release(dev): app3 -> 7.7.7 [skip ci]" "the other commit is kept"
expect_file_line "$file_repo" main deploy/env/release-dev/app3.yaml '  tag: "7.7.7"'
expect_exit 0 "$KANON" -o json release app3 --tag 7.7.7 --repo "$file_repo" --cache-dir "$cache"
expect_json "$OUT_FILE" 'd["changed"] is False'

step "--cache-dir in use: a second kanon waits for the lock, then works"
lock=("$cache"/web-core-*.lock)
python3 -c '
import fcntl, os, sys, time
f = open(sys.argv[1], "r+")
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(float(sys.argv[3]))
' "${lock[0]}" "$E2E_TMP/locked" 2 &
holder=$!
for ((i = 0; i < 100; i++)); do [[ -e "$E2E_TMP/locked" ]] && break; sleep 0.05; done
[[ -e "$E2E_TMP/locked" ]] || fail "could not take the cache lock"
"$KANON" -o json release app2 --tag 7.1.0 --repo "$file_repo" --cache-dir "$cache" >"$E2E_TMP/waiter.out" 2>&1 &
waiter=$!
sleep 1
kill -0 "$waiter" 2>/dev/null || { cat "$E2E_TMP/waiter.out" >&2; fail "kanon did not wait for the cache lock"; }
expect_file_line "$file_repo" main deploy/env/release-dev/app2.yaml '  tag: "7.0.1"'
wait "$holder"
wait "$waiter" || { cat "$E2E_TMP/waiter.out" >&2; fail "kanon waiting for the cache lock failed"; }
expect_file_line "$file_repo" main deploy/env/release-dev/app2.yaml '  tag: "7.1.0"'

step "--cache-dir shared by concurrent runs: all land, the cache stays usable"
n="$(commit_count "$file_repo" main)"
pids=()
for app in app1 app2 app3; do
    "$KANON" -o json release "$app" --tag 8.0.0 --repo "$file_repo" --cache-dir "$cache" >"$E2E_TMP/c.$app" 2>&1 &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent run with a shared cache failed: $(cat "$E2E_TMP"/c.*)"; done
expect_commit_count "$file_repo" main $((n + 3))
for app in app1 app2 app3; do
    expect_file_line "$file_repo" main "deploy/env/release-dev/$app.yaml" '  tag: "8.0.0"'
done
expect_exit 0 "$KANON" -o json promote app1 --repo "$file_repo" --cache-dir "$cache"
expect_json "$OUT_FILE" 'd["changed"] is True and d["tag"] == "8.0.0"'
expect_eq "$(json_get "$OUT_FILE" 'd["commit"]')" "$(branch_tip "$file_repo" main)" "commit of a cached run"

step "--cache-dir keeps its packs bounded: past 20 packs it repacks, and the clone keeps working"
# Every cached run adds one or two packs (the tip's fetch and the blob fetch,
# kept as promisor packs in a blobless clone, however small); without a
# repack 26 runs leave 26 or more.
pack_repo="$srv/web-core-packs.git"
make_webcore "$pack_repo" 3
git --git-dir="$pack_repo" config uploadpack.allowFilter true
pack_cache="$E2E_TMP/pack-cache"
packs_seen=()
for ((i = 1; i <= 26; i++)); do
    expect_exit 0 "$KANON" -o json release "app$((i % 3 + 1))" --tag "9.0.$i" --repo "file://$pack_repo" \
        --cache-dir "$pack_cache"
    expect_json "$OUT_FILE" 'd["changed"] is True'
    packs_seen+=("$(find "$pack_cache" -path '*/objects/pack/*.pack' | wc -l)")
done
echo "packs in the cache after each run: ${packs_seen[*]}" >&2
most=0 dropped=0 prev=0
for p in "${packs_seen[@]}"; do
    ((p > most)) && most="$p"
    ((p < prev)) && dropped=1
    prev="$p"
done
((most <= 23)) || fail "the cache grew to $most packs (limit 20, ~2 a run)"
((dropped == 1)) || fail "the cache was never repacked: ${packs_seen[*]} packs"
pack_clone=("$pack_cache"/web-core-*.git)
git --git-dir="${pack_clone[0]}" fsck --connectivity-only --no-progress >/dev/null 2>"$E2E_TMP/fsck.err" ||
    { cat "$E2E_TMP/fsck.err" >&2; fail "the repacked cache does not pass git fsck"; }
for ((i = 24; i <= 26; i++)); do
    expect_file_line "$pack_repo" main "deploy/env/release-dev/app$((i % 3 + 1)).yaml" "  tag: \"9.0.$i\""
done
expect_commit_count "$pack_repo" main $(($(git --git-dir="$pack_repo" rev-list --count main~26) + 26))
expect_exit 0 "$KANON" -o json promote app2 --repo "file://$pack_repo" --cache-dir "$pack_cache"
expect_json "$OUT_FILE" 'd["changed"] is True and d["tag"] == "9.0.25"'
expect_file_line "$pack_repo" main deploy/env/release-prod/app2.yaml '  tag: "9.0.25"'
fi

echo "PASS: $E2E_NAME" >&2
