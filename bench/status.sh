#!/usr/bin/env bash
# Benchmark of `kanon status` on the reference web-core repository (2000 apps,
# 20000 promotion commits, made by $KANON_SHARED_DIR/bench/make-webcore.py),
# against two baselines measured in the same run:
#   naive  what CI scripts do today: a full `git clone` and reading the files;
#   floor  the git plumbing kanon drives, without kanon: a depth-1 blobless
#          fetch, one batched fetch of the release blobs, one cat-file --batch.
# Both server configurations are measured: uploadpack.allowFilter true (blobless
# fetches) and false (kanon falls back to a full depth-1 clone of the tip).
#
#   bench/status.sh [RUNS]
#
# Environment:
#   KANON              the binary (default: build-status/kanon, build/kanon, or
#                      kanon on PATH)
#   KANON_SHARED_DIR   where bench/make-webcore.py is (default: ../shared beside
#                      the source tree)
#   KANON_BENCH_DATA   cache directory for the reference repository (default:
#                      ./bench-data, or ~/.cache/kanon-bench when ./ is in the
#                      source tree; never inside the source tree)
#   KANON_BENCH_REPO   an already built reference repository to copy into the
#                      cache instead of generating one (~35 s)
#   KANON_BENCH_RUNS   runs per measurement (default 5; the first argument wins)
#   KANON_BENCH_HTTP   0 to skip the smart-HTTP row (default 1)
#
# Times are wall-clock seconds of the whole command (git children included);
# peak RSS is the largest resident set of any single process of the command's
# tree (what GNU time's %M reports): with file:// URLs the "server" side
# (upload-pack, pack-objects) runs on this machine and is counted; the HTTP row
# counts the client only. Exits 1 if `kanon status` misses its budget
# (median < 2 s and peak RSS < 64 MB on the file:// allowFilter=true server).
# shellcheck disable=SC2016  # the baseline scripts expand their own arguments
set -euo pipefail

src_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-${KANON_BENCH_RUNS:-5}}"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/status.sh [RUNS]" >&2; exit 2; }

if [[ -z "${KANON:-}" ]]; then
    for k in "$src_dir/build-status/kanon" "$src_dir/build/kanon" "$(command -v kanon || true)"; do
        if [[ -n "$k" && -x "$k" ]]; then KANON="$k"; break; fi
    done
fi
# shellcheck source=bench/lib.sh
source "$src_dir/bench/lib.sh"

bench_data_dir

reference_repo

# A clean environment (own HOME and TMPDIR, no system git config, no proxies)
# and the loopback git HTTP server: the e2e helpers.
# shellcheck source=tests/e2e/lib.sh
source "$src_dir/tests/e2e/lib.sh"
on_exit "git --git-dir='$server' config uploadpack.allowFilter true"

url="file://$server"
branch="$(git --git-dir="$server" symbolic-ref --short HEAD)"
app_count="$(git --git-dir="$server" ls-tree --name-only "$branch" deploy/env/release-dev/ | wc -l)"
one_app_line=$((app_count < 43 ? app_count : 43))
one_app="$(git --git-dir="$server" ls-tree --name-only "$branch" deploy/env/release-dev/ |
    sed -n "${one_app_line}{s#.*/##;s#\\.yaml\$##;p}")"
echo "kanon:  $KANON ($("$KANON" --version 2>/dev/null | head -1))"
echo "git:    $(git --version)"
echo "repo:   $server ($app_count apps, $(git --git-dir="$server" rev-list --count "$branch") commits," \
     "$(du -sh "$server" | cut -f1) on disk)"
echo "host:   $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $runs runs per row, medians"

# The baselines, as scripts so that every process they start is measured.
naive_sh='d="$(mktemp -d)"; git clone -q "$1" "$d/w" && grep -H "^  tag:" "$d"/w/deploy/env/release-*/*.yaml >/dev/null; rc=$?; rm -rf "$d"; exit $rc'
shallow_sh='d="$(mktemp -d)"; git clone -q --depth 1 "$1" "$d/w" && grep -H "^  tag:" "$d"/w/deploy/env/release-*/*.yaml >/dev/null; rc=$?; rm -rf "$d"; exit $rc'
# floor URL BRANCH filter|nofilter
floor_sh='set -e; d="$(mktemp -d)"; trap "rm -rf $d" EXIT
git init -q --bare "$d/r"; cd "$d/r"
if [ "$3" = filter ]; then
  git fetch -q --no-tags --depth 1 --filter=blob:none "$1" "+refs/heads/$2:refs/heads/$2"
  git config remote.origin.url "$1"; git config remote.origin.promisor true; git config remote.origin.partialclonefilter blob:none
else
  git fetch -q --no-tags --depth 1 "$1" "+refs/heads/$2:refs/heads/$2"
fi
git ls-tree -r "$2" -- deploy/env/release-dev deploy/env/release-prod | cut -d" " -f3 | cut -f1 | sort -u >oids
if [ "$3" = filter ]; then
  git -c fetch.negotiationAlgorithm=noop fetch -q --no-tags --no-write-fetch-head --filter=blob:none --stdin origin <oids
fi
git cat-file --batch --buffer <oids >/dev/null'


git --git-dir="$server" config uploadpack.allowFilter true
# Sanity: kanon sees every app before it is timed.
seen="$("$KANON" -o json status -q --repo "$url" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["apps"]))')"
[[ "$seen" == "$app_count" ]] || { echo "bench: kanon status shows $seen apps, the repository has $app_count" >&2; exit 1; }
measure kanon "kanon status" "$KANON" status -q --repo "$url"
measure kanon1 "kanon status $one_app" "$KANON" status -q --repo "$url" "$one_app"
measure floor "floor: fetch --filter + blob fetch + cat-file" bash -c "$floor_sh" floor "$url" "$branch" filter
measure shallow "git clone --depth 1 + read files" bash -c "$shallow_sh" shallow "$url"
measure naive "naive: git clone + read files" bash -c "$naive_sh" naive "$url"
if [[ "${KANON_BENCH_HTTP:-1}" != 0 ]]; then
    start_git_http "$data"
    measure http "kanon status over smart HTTP (client only)" "$KANON" status -q --repo "$GIT_HTTP_URL/webcore.git"
fi
table "server: uploadpack.allowFilter=true ($url)" kanon
filter_s="${median_s[kanon]}" filter_mb="${median_mb[kanon]}"

git --git-dir="$server" config uploadpack.allowFilter false
measure kanon_nf "kanon status (fallback: full depth-1 clone)" "$KANON" status -q --repo "$url"
measure kanon1_nf "kanon status $one_app" "$KANON" status -q --repo "$url" "$one_app"
measure floor_nf "floor: fetch --depth 1 + cat-file" bash -c "$floor_sh" floor "$url" "$branch" nofilter
rows+=("naive|naive: git clone + read files (as above)|-")
table "server: uploadpack.allowFilter=false (no filters)" kanon_nf
git --git-dir="$server" config uploadpack.allowFilter true

echo
verdict=0
if awk -v s="$filter_s" -v m="$filter_mb" 'BEGIN {exit !(s < 2 && m < 64)}'; then
    echo "requirement met: kanon status median ${filter_s} s < 2 s, peak RSS ${filter_mb} MB < 64 MB"
else
    echo "requirement NOT met: kanon status median ${filter_s} s (budget 2 s), peak RSS ${filter_mb} MB (budget 64 MB)"
    verdict=1
fi
exit "$verdict"
