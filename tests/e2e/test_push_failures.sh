# shellcheck shell=bash
# End-to-end tests of writes that cannot push: a server hook that declines
# (exit 1 at once with the server's words, one push attempt, nothing changed),
# a branch that moves during the push (one retry, reusing the edit when our
# file did not change and re-applying it when it did; the other commit kept),
# a branch that moves on every attempt (the deadline bounds it, or
# --attempts), a host where
# nothing listens (exit 1, fast), HTTP basic auth answered by kanon itself as
# GIT_ASKPASS with KANON_GIT_TOKEN / CI_JOB_TOKEN, and secrets (a token, a
# password in a URL) that must never be printed, on success or failure, with
# -v or -o json.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

step() { echo "--- $*" >&2; }

srv="$E2E_TMP/srv"
mkdir -p "$srv"
token=glpat-e2eSECRETtoken123
password=s3cretpw
all_output="$E2E_TMP/all-output"  # every stdout and stderr of kanon, for the secret scan
: >"$all_output"
collect() { cat "$OUT_FILE" "$ERR_FILE" >>"$all_output"; }

# A hook body that declines every push, counting its runs in COUNT_FILE.
declining_hook() {
    printf '#!/bin/sh\necho run >>"%s"\necho "protected branch: releases need approval" >&2\nexit 1\n' "$1"
}

# A pre-receive hook that, on its first N runs, commits to the branch itself
# (someone else's release landing while our push is in flight) and accepts,
# so that our ref update fails as stale; later runs just accept. Its commit
# rewrites APP's dev release (default app2) with another repository and tag.
moving_hook() {  # REPO COUNT_FILE N [APP]
    cat <<EOF
#!/bin/bash
echo run >>"$2"
(( \$(wc -l <"$2") <= $3 )) || exit 0
unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_DIR
export GIT_INDEX_FILE="$E2E_TMP/hook.index.\$\$" GIT_AUTHOR_NAME=Other GIT_AUTHOR_EMAIL=other@e2e.invalid
export GIT_COMMITTER_NAME=Other GIT_COMMITTER_EMAIL=other@e2e.invalid
g() { git --git-dir="$1" "\$@"; }
tip=\$(g rev-parse refs/heads/main)
n=\$(wc -l <"$2")
blob=\$(printf 'image:\n  repository: registry.example.com/web/web-${4:-app2}-other\n  tag: "9.0.%s"\n' "\$n" | g hash-object -w --stdin)
g read-tree "\$tip"
g update-index --cacheinfo "100644,\$blob,deploy/env/release-dev/${4:-app2}.yaml"
c=\$(echo "someone else's release \$n" | g commit-tree "\$(g write-tree)" -p "\$tip")
rm -f "\$GIT_INDEX_FILE"
g update-ref refs/heads/main "\$c" "\$tip"
EOF
}

hook_runs() { if [[ -f "$1" ]]; then wc -l <"$1" | tr -d ' '; else echo 0; fi; }

# --- a hook declines: exit 1 at once, the server's message, one attempt ------------
declined() {  # NAME URL REPO
    local name="$1" url="$2" repo="$3" count="$E2E_TMP/declined-$1.count" tip t0
    install_hook "$repo" pre-receive "$(declining_hook "$count")"
    tip="$(branch_tip "$repo" main)"
    step "[$name] a pre-receive hook declines: exit 1, its message, branch unchanged, one push"
    t0="$(date +%s)"
    expect_exit 1 "$KANON" -v release app1 --tag 1.5.0 --attempts 50 --repo "$url"
    collect
    expect_contains "$ERR" "kanon: error: the push to $url was rejected"
    expect_contains "$ERR" "protected branch: releases need approval"
    expect_contains "$ERR" "pre-receive hook declined"
    expect_not_contains "$ERR" "moved while pushing" "stderr of a declined push"
    expect_eq "$OUT" "" "stdout of a declined push"
    expect_eq "$(hook_runs "$count")" 1 "push attempts (hook runs)"
    expect_eq "$(branch_tip "$repo" main)" "$tip" "tip after a declined push"
    (($(date +%s) - t0 < 10)) || fail "a declined push took $(($(date +%s) - t0)) s"
    expect_exit 1 "$KANON" -o json release app2 --stage prod --tag 1.5.1 --hotfix e2e --attempts 50 --repo "$url"
    collect
    expect_json "$OUT_FILE" 'd["ok"] is False and d["exit_code"] == 1 and "protected branch: releases need approval" in d["error"]["message"]'
    expect_eq "$(hook_runs "$count")" 2 "push attempts (hook runs) after the second release"
    expect_eq "$(branch_tip "$repo" main)" "$tip" "tip after the second declined release"
    step "[$name] nothing to change: no push at all, so the hook is not asked"
    expect_exit 0 "$KANON" -o json release app1 --tag 1.0.0 --repo "$url"
    expect_json "$OUT_FILE" 'd["changed"] is False'
    expect_eq "$(hook_runs "$count")" 2 "hook runs after a write that changes nothing"
    rm -f "$repo/hooks/pre-receive"
}

# --- the branch moves while we push: one retry, both commits kept ------------------
moved_once() {  # NAME URL REPO
    local name="$1" url="$2" repo="$3" count="$E2E_TMP/moved-$1.count" tip n c
    install_hook "$repo" pre-receive "$(moving_hook "$repo" "$count" 1)"
    tip="$(branch_tip "$repo" main)" n="$(commit_count "$repo" main)"
    step "[$name] the branch moves during the push: refetch, re-apply, push again"
    expect_exit 0 "$KANON" -v -o json release app1 --tag 1.6.0 --repo "$url"
    collect
    expect_json "$OUT_FILE" 'd["changed"] is True and d["attempts"] == 2'
    expect_contains "$ERR" "main moved while pushing (attempt 1)"
    # The other commit changed app2 only: app1's file has the same blob, so
    # the retry reuses the edit and its blob (no re-read, no re-apply).
    expect_contains "$ERR" "the files it reads are unchanged at"
    expect_eq "$(hook_runs "$count")" 2 "hook runs"
    c="$(json_get "$OUT_FILE" 'd["commit"]')"
    expect_eq "$c" "$(branch_tip "$repo" main)" "the JSON commit is the tip"
    expect_commit_count "$repo" main $((n + 2))
    expect_eq "$(git --git-dir="$repo" log -1 --format=%s "$c^")" "someone else's release 1" "the other commit, kept under ours"
    expect_eq "$(git --git-dir="$repo" rev-parse "$c^^")" "$tip" "the base"
    expect_file_line "$repo" main deploy/env/release-dev/app2.yaml '  tag: "9.0.1"'
    expect_file_line "$repo" main deploy/env/release-dev/app1.yaml '  tag: "1.6.0"'
    expect_eq "$(git --git-dir="$repo" diff-tree --no-commit-id --name-only -r "$c")" deploy/env/release-dev/app1.yaml "files of our commit"
    rm -f "$repo/hooks/pre-receive"

    step "[$name] the branch moves by a change to the file we edit: the retry re-reads it and keeps that change"
    count="$E2E_TMP/moved-same-$1.count"
    install_hook "$repo" pre-receive "$(moving_hook "$repo" "$count" 1 app1)"
    tip="$(branch_tip "$repo" main)" n="$(commit_count "$repo" main)"
    expect_exit 0 "$KANON" -v -o json release app1 --tag 1.6.1 --repo "$url"
    collect
    expect_json "$OUT_FILE" 'd["changed"] is True and d["attempts"] == 2 and d["previous_tag"] == "9.0.1"'
    expect_not_contains "$ERR" "the files it reads are unchanged" "stderr of a retry whose file changed"
    c="$(json_get "$OUT_FILE" 'd["commit"]')"
    expect_eq "$c" "$(branch_tip "$repo" main)" "the JSON commit is the tip"
    expect_commit_count "$repo" main $((n + 2))
    expect_eq "$(git --git-dir="$repo" rev-parse "$c^^")" "$tip" "the base"
    expect_eq "$(git --git-dir="$repo" log -1 --format=%s "$c^")" "someone else's release 1" "the other commit, under ours"
    expect_file_line "$repo" main deploy/env/release-dev/app1.yaml '  repository: registry.example.com/web/web-app1-other'
    expect_file_line "$repo" main deploy/env/release-dev/app1.yaml '  tag: "1.6.1"'
    rm -f "$repo/hooks/pre-receive"

    step "[$name] the branch moves on every attempt: the deadline (--push-timeout 3) bounds it, not a count"
    count="$E2E_TMP/moved-deadline-$1.count"
    install_hook "$repo" pre-receive "$(moving_hook "$repo" "$count" 1000)"
    n="$(commit_count "$repo" main)"
    local t0 took runs
    t0="$(date +%s%N)"
    expect_exit 1 "$KANON" -v release app1 --tag 1.6.2 --push-timeout 3 --repo "$url"
    took=$((($(date +%s%N) - t0) / 1000000))
    collect
    runs="$(hook_runs "$count")"
    echo "[$name] gave up after $runs attempts in $took ms" >&2
    expect_contains "$ERR" "moved under every one of $runs attempts"
    expect_contains "$ERR" "the deadline is 3s"
    ((took >= 3000 && took < 12000)) || fail "--push-timeout 3 gave up after $took ms"
    # At least one retry; how many fit in 3 s depends on the machine's load.
    ((runs >= 2)) || fail "no retry within the 3 s deadline ($runs attempt)"
    expect_commit_count "$repo" main $((n + runs))  # the others', not ours
    expect_file_line "$repo" main deploy/env/release-dev/app1.yaml '  tag: "1.6.1"'
    rm -f "$repo/hooks/pre-receive"

    step "[$name] the branch moves on every attempt: --attempts 3 bounds it, exit 1, ours never lands"
    count="$E2E_TMP/moved-always-$1.count"
    install_hook "$repo" pre-receive "$(moving_hook "$repo" "$count" 1000)"
    n="$(commit_count "$repo" main)"
    expect_exit 1 "$KANON" release app1 --tag 1.7.0 --attempts 3 --repo "$url"
    collect
    expect_contains "$ERR" "moved under every one of 3 attempts"
    expect_eq "$(hook_runs "$count")" 3 "push attempts"
    expect_commit_count "$repo" main $((n + 3))  # the three others, not ours
    expect_file_line "$repo" main deploy/env/release-dev/app1.yaml '  tag: "1.6.1"'
    rm -f "$repo/hooks/pre-receive"
}

# Two parts (E2E_PART): file (the push failures over file://) and http (the
# same over smart HTTP, then the rest).
if part file; then
file_repo="$srv/file.git"
make_webcore "$file_repo" 2
declined file "file://$file_repo" "$file_repo"
moved_once file "file://$file_repo" "$file_repo"

# --- nothing listens: exit 1, quickly -------------------------------------------
step "a loopback port where nothing listens: exit 1 within 20 s, naming the host"
port="$(free_port)"
for cmd in "release app1 --tag 1.8.0" "promote app1" "reset app1" "rollback app1 --to 1.0.0" "history app1" "status"; do
    t0="$(date +%s)"
    # shellcheck disable=SC2086  # word splitting wanted
    expect_exit 1 "$KANON" -v $cmd --repo "http://127.0.0.1:$port/x.git"
    collect
    (($(date +%s) - t0 < 20)) || fail "'$cmd' against a closed port took $(($(date +%s) - t0)) s"
    expect_contains "$ERR" "127.0.0.1:$port" "stderr of '$cmd'"
    expect_eq "$OUT" "" "stdout of '$cmd'"
done
fi

part http || { echo "PASS: $E2E_NAME ($E2E_PART)" >&2; exit 0; }
http_repo="$srv/http.git"
make_webcore "$http_repo" 2
git --git-dir="$http_repo" config uploadpack.allowFilter true
start_git_http "$srv"
declined http "$GIT_HTTP_URL/http.git" "$http_repo"
moved_once http "$GIT_HTTP_URL/http.git" "$http_repo"

# --- HTTP basic auth through kanon as GIT_ASKPASS -------------------------------
auth_repo="$srv/auth.git"
make_webcore "$auth_repo" 2
start_git_http_auth "$srv" "e2e-bot:$token" "gitlab-ci-token:ci-$token"
auth_url="$GIT_HTTP_AUTH_URL/auth.git"

step "auth: no token: exit 1 at once (never a prompt), the server saw no credentials"
t0="$(date +%s)"
expect_exit 1 "$KANON" -v release app1 --tag 2.0.0 --repo "$auth_url" </dev/null
collect
(($(date +%s) - t0 < 20)) || fail "a release without credentials took $(($(date +%s) - t0)) s"
expect_contains "$ERR" "kanon: error: git clone of $auth_url failed"
grep -q ' 200 ' "$E2E_TMP/http-auth.log" && fail "the auth server answered 200 without credentials"

step "auth: KANON_GIT_TOKEN (and KANON_GIT_USER) reach the server through askpass; the write lands"
expect_exit 0 env KANON_GIT_TOKEN="$token" KANON_GIT_USER=e2e-bot "$KANON" -v -o json release app1 --tag 2.0.0 --repo "$auth_url"
collect
expect_json "$OUT_FILE" 'd["changed"] is True'
expect_file_line "$auth_repo" main deploy/env/release-dev/app1.yaml '  tag: "2.0.0"'
grep -q 'git-receive-pack 200 e2e-bot$' "$E2E_TMP/http-auth.log" || { cat "$E2E_TMP/http-auth.log" >&2; fail "no authenticated push reached the server"; }
expect_exit 0 env KANON_GIT_TOKEN="$token" KANON_GIT_USER=e2e-bot "$KANON" -v history app1 --repo "$auth_url"
collect
expect_contains "$(tr -s " " <<<"$OUT")" "release 2.0.0"
expect_exit 0 env KANON_GIT_TOKEN="$token" KANON_GIT_USER=e2e-bot "$KANON" -v -o json status --repo "$auth_url"
collect

step "auth: CI_JOB_TOKEN is sent as user gitlab-ci-token"
expect_exit 0 env CI_JOB_TOKEN="ci-$token" "$KANON" -v -o json promote app1 --repo "$auth_url"
collect
expect_json "$OUT_FILE" 'd["changed"] is True and d["tag"] == "2.0.0"'
grep -q 'git-receive-pack 200 gitlab-ci-token$' "$E2E_TMP/http-auth.log" || fail "no push as gitlab-ci-token"

step "auth: a wrong token: exit 1 at once, no retry storm, nothing changed"
tip="$(branch_tip "$auth_repo" main)"
t0="$(date +%s)"
expect_exit 1 env KANON_GIT_TOKEN="wrong-$token" KANON_GIT_USER=e2e-bot "$KANON" -v release app1 --tag 2.1.0 --repo "$auth_url"
collect
(($(date +%s) - t0 < 20)) || fail "a wrong token took $(($(date +%s) - t0)) s"
expect_contains "$ERR" "kanon: error:"
expect_eq "$(branch_tip "$auth_repo" main)" "$tip" "tip after a wrong token"

step "auth: a password in the URL with --cache-dir: the write lands, the kept clone holds no password"
auth_cache="$E2E_TMP/auth-cache"
for tag in 2.2.0 2.2.1; do
    expect_exit 0 "$KANON" -v -o json release app1 --tag "$tag" --repo "http://e2e-bot:$token@${GIT_HTTP_AUTH_URL#http://}/auth.git" \
        --cache-dir "$auth_cache" </dev/null
    collect
    expect_json "$OUT_FILE" 'd["changed"] is True'
    expect_file_line "$auth_repo" main deploy/env/release-dev/app1.yaml "  tag: \"$tag\""
done
auth_clone=("$auth_cache"/web-core-*.git)
expect_eq "${#auth_clone[@]}" 1 "clones in the cache (the second run reused it)"
expect_eq "$(git --git-dir="${auth_clone[0]}" config remote.origin.url)" "$GIT_HTTP_AUTH_URL/auth.git" "the kept clone's URL"
if grep -r -l -e "$token" "$auth_cache" >&2; then
    fail "the password of the URL is in the cache (files above)"
fi

# --- secrets are never printed ----------------------------------------------------
step "secrets: a token in KANON_GIT_TOKEN and a password in the URL, on success and on every failure"
export KANON_GIT_TOKEN="$token"
port="$(free_port)"  # where nothing listens
userinfo_http="http://e2e-bot:$password@${GIT_HTTP_URL#http://}"
install_hook "$http_repo" pre-receive "$(declining_hook "$E2E_TMP/secret.count")"
scan_from="$(wc -c <"$all_output")"
make_webcore "$srv/ok.git" 2
for repo_url in "$userinfo_http/ok.git" "$userinfo_http/http.git" "$userinfo_http/missing.git" \
    "http://e2e-bot:$password@127.0.0.1:$port/x.git" \
    "http://e2e-bot:$password@${GIT_HTTP_AUTH_URL#http://}/auth.git"; do
    for cmd in "release app1 --tag 3.0.0" "promote app1" "reset app1" "rollback app1 --to 9.9.9" \
        "rollback app1 --steps 1" "history app1" "status" "release apq1 --tag 3.0.0"; do
        for out in json text; do
            # shellcheck disable=SC2086  # word splitting wanted
            "$KANON" -v -o "$out" $cmd --repo "$repo_url" >"$OUT_FILE" 2>"$ERR_FILE" || true
            collect
        done
    done
done
rm -f "$http_repo/hooks/pre-receive"
# The scan is only worth something if the failures it covers did happen.
tail -c +$((scan_from + 1)) "$all_output" >"$E2E_TMP/scan"
[[ "${E2E_SHOW_SCAN:-}" ]] && cat "$E2E_TMP/scan" >&2
for what in "protected branch: releases need approval" "did you mean 'app1'" "127.0.0.1:$port" \
    "never ran 9.9.9" "$GIT_HTTP_AUTH_URL" "not found" '"entries": [' '"apps": [' '"changed": true'; do
    grep -qF -- "$what" "$E2E_TMP/scan" || fail "the secret scan saw no output with '$what'"
done
if grep -n -e "$token" -e "$password" "$all_output" >&2; then
    fail "a secret was printed (lines above)"
fi
# Nor does it end up in a commit.
for r in ${file_repo:+"$file_repo"} "$http_repo" "$auth_repo" "$srv/ok.git"; do
    if git --git-dir="$r" log --all --format='%an %ae %cn %ce %B' | grep -q -e "$token" -e "$password"; then
        fail "a secret is in a commit of $r"
    fi
done

echo "PASS: $E2E_NAME" >&2
