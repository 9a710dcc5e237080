# shellcheck shell=bash
# End-to-end tests of concurrent writers: many kanon processes pushing to one
# branch at once, as parallel CI pipelines do. Every writer must succeed
# (rejected pushes are re-fetched, re-applied and retried), every commit must
# land exactly once, nothing may be lost, and no commit may be empty. Over
# file:// and over smart HTTP. The retries seen are printed (sum of the
# "attempts" of the JSON reports).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

step() { echo "--- $*" >&2; }

WRITERS="${E2E_WRITERS:-16}"
srv="$E2E_TMP/srv"
mkdir -p "$srv"

# writers DIR URL SPEC...: one kanon per SPEC ("APP TAG"), all at once, each
# bounded in time; waits for every one; fails unless all exit 0 with a JSON
# report of a change. Sets RETRIES (sum of attempts minus writers) and
# WRITER_COMMITS (the commits the reports name).
writers() {
    local dir="$1" url="$2"
    shift 2
    mkdir -p "$dir"
    local pids=() i=0 spec
    for spec in "$@"; do
        # shellcheck disable=SC2086  # "APP TAG"
        set -- $spec
        timeout -k 5 100 "$KANON" -o json release "$1" --tag "$2" --repo "$url" --attempts 50 --push-timeout 90 \
            >"$dir/out.$i" 2>"$dir/err.$i" &
        pids+=($!)
        i=$((i + 1))
    done
    local rc bad=0
    for ((i = 0; i < ${#pids[@]}; i++)); do
        rc=0
        wait "${pids[$i]}" || rc=$?
        if [[ "$rc" != 0 ]]; then
            echo "writer $i exited $rc:" >&2
            cat "$dir/err.$i" >&2
            bad=1
        fi
    done
    [[ "$bad" == 0 ]] || fail "not every writer succeeded"
    local attempts=0 max=0 a
    WRITER_COMMITS=()
    for ((i = 0; i < ${#pids[@]}; i++)); do
        expect_json "$dir/out.$i" 'd["changed"] is True and len(d["commit"]) == 40 and d["attempts"] >= 1'
        a="$(json_get "$dir/out.$i" 'd["attempts"]')"
        attempts=$((attempts + a))
        if ((a > max)); then max="$a"; fi
        WRITER_COMMITS+=("$(json_get "$dir/out.$i" 'd["commit"]')")
    done
    RETRIES=$((attempts - ${#pids[@]}))
    echo "retries: ${#pids[@]} writers, $attempts attempts in all ($RETRIES retries, at most $max attempts for one)" >&2
}

# expect_landed REPO BASE_TIP: the commits after BASE_TIP are exactly the
# writers' commits, once each, in one line of history, each changing one file.
expect_landed() {
    local repo="$1" base="$2" c
    local landed
    landed="$(git --git-dir="$repo" rev-list --first-parent "$base..main" | sort)"
    expect_eq "$landed" "$(printf '%s\n' "${WRITER_COMMITS[@]}" | sort)" "commits after the base vs the writers' commits"
    expect_eq "$(git --git-dir="$repo" rev-list --merges "$base..main" | wc -l)" 0 "merge commits"
    for c in "${WRITER_COMMITS[@]}"; do
        expect_eq "$(git --git-dir="$repo" diff-tree --no-commit-id --name-only -r "$c" | wc -l)" 1 "files changed by ${c:0:12}"
    done
}

round_distinct_apps() {  # NAME URL REPO TAG_PREFIX
    local name="$1" url="$2" repo="$3" prefix="$4" base n i specs=() t0
    step "[$name] $WRITERS writers at once, each releasing another app"
    base="$(branch_tip "$repo" main)" n="$(commit_count "$repo" main)"
    for ((i = 1; i <= WRITERS; i++)); do specs+=("app$i $prefix.$i"); done
    t0="$(date +%s)"
    writers "$E2E_TMP/$name-apps" "$url" "${specs[@]}"
    echo "[$name] $WRITERS writers took $(($(date +%s) - t0)) s" >&2
    expect_commit_count "$repo" main $((n + WRITERS))
    expect_landed "$repo" "$base"
    for ((i = 1; i <= WRITERS; i++)); do
        expect_file_line "$repo" main "deploy/env/release-dev/app$i.yaml" "  tag: \"$prefix.$i\""
        expect_file_line "$repo" main "deploy/env/release-prod/app$i.yaml" '  tag: "1.0.0"'
    done
}

round_same_app() {  # NAME URL REPO TAG_PREFIX COUNT
    local name="$1" url="$2" repo="$3" prefix="$4" count="$5" base n i specs=() last tags
    step "[$name] $count writers at once releasing the same app and stage, each another tag"
    base="$(branch_tip "$repo" main)" n="$(commit_count "$repo" main)"
    for ((i = 1; i <= count; i++)); do specs+=("app1 $prefix.$i"); done
    writers "$E2E_TMP/$name-same" "$url" "${specs[@]}"
    expect_commit_count "$repo" main $((n + count))
    expect_landed "$repo" "$base"
    # Every tag was committed exactly once, and the file holds the last one.
    tags="$(git --git-dir="$repo" log --format='%(trailers:key=Kanon-Tag,valueonly)' "$base..main" | sed '/^$/d' | sort)"
    expect_eq "$tags" "$(for ((i = 1; i <= count; i++)); do echo "$prefix.$i"; done | sort)" "tags committed"
    last="$(git --git-dir="$repo" log -1 --format='%(trailers:key=Kanon-Tag,valueonly)' main | sed '/^$/d')"
    expect_file_line "$repo" main deploy/env/release-dev/app1.yaml "  tag: \"$last\""
    # Each commit's parent held another tag: no commit re-wrote what was there.
    local c
    for c in "${WRITER_COMMITS[@]}"; do
        expect_eq "$(git --git-dir="$repo" diff -U0 "$c^" "$c" | grep -c '^+  tag:')" 1 "tag lines added by ${c:0:12}"
    done
}

# --- over file:// ----------------------------------------------------------------
file_repo="$srv/file.git"
make_webcore "$file_repo" "$WRITERS"
round_distinct_apps file "file://$file_repo" "$file_repo" 2.0
file_retries_apps="$RETRIES"
round_same_app file "file://$file_repo" "$file_repo" 3.0 8
file_retries_same="$RETRIES"

# --- over smart HTTP ---------------------------------------------------------------
http_repo="$srv/http.git"
make_webcore "$http_repo" "$WRITERS"
git --git-dir="$http_repo" config uploadpack.allowFilter true
start_git_http "$srv"
round_distinct_apps http "$GIT_HTTP_URL/http.git" "$http_repo" 4.0
http_retries_apps="$RETRIES"
round_same_app http "$GIT_HTTP_URL/http.git" "$http_repo" 5.0 6
http_retries_same="$RETRIES"

echo "retries seen: file:// $file_retries_apps ($WRITERS apps) + $file_retries_same (same app);" \
    "http $http_retries_apps ($WRITERS apps) + $http_retries_same (same app)" >&2
echo "PASS: $E2E_NAME" >&2
