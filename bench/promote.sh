#!/usr/bin/env bash
# Benchmark of one promotion (`kanon release APP --tag T`, a dev release) on
# the reference web-core repository (bench/make_webcore.py: 2000 apps, 20000
# promotion commits), against two baselines measured in the same run:
#   naive  what CI scripts do today: a full `git clone` with a checkout,
#          `sed -i` on the tag line, `git commit -a`, `git push`;
#   floor  the git plumbing of a promotion as a plain shell script: a depth-1
#          blobless clone, a fetch of the one blob, hash-object, a new tree (a
#          temporary index, or mktree from the file up), commit-tree, push.
# Then: the same on a history ten times longer (200000 commits); both sizes
# again with a reverse index (.rev) beside the server's pack; N concurrent
# kanon promotions of different apps against one bare repository (default
# N = 8 and 32), each with its own clone and with a shared --cache-dir; and
# kanon over smart HTTP (peak memory of the client alone); and what one retry
# costs: a promotion whose first push finds the branch moved by another app's
# release (a pre-receive hook moves it once), the backoff wait subtracted.
# With KANON_BASE set to another kanon binary (e.g. a build of the previous
# commit), it runs the one-promotion, retry and own-clone concurrency rows
# too, in the same rounds, for a before/after comparison.
#
#   bench/promote.sh [RUNS]
#
# Every run of every row releases a different app with a new tag, so that
# every run really commits and pushes; after each run the server's branch is
# checked: exactly one new commit on top of the previous tip, with the new tag
# line. Rows are interleaved (run 1 of every row, then run 2, ...) so that other
# load on the machine falls on all of them alike; the first round is a warm-up.
#
# Environment:
#   KANON              the binary (default: build-bench/kanon, build/kanon, or
#                      kanon on PATH)
#   KANON_BASE         optional: a baseline kanon binary measured alongside
#   KANON_BENCH_DATA   cache directory for the reference repositories (default:
#                      ./bench-data, or ~/.cache/kanon-bench when ./ is in the
#                      source tree; never inside the source tree)
#   KANON_BENCH_RUNS   measured runs per row (default 5; the first argument wins)
#   KANON_BENCH_BIG    0 to skip the 10x-history repository (its generation
#                      takes ~6 min of CPU, once; ~650 MB of cache with its
#                      .rev copy)
#   KANON_BENCH_BIG_NAIVE_RUNS  runs of the naive script on the big repository
#                      (default 1, no warm-up: one run takes minutes; 0 skips)
#   KANON_BENCH_REV    0 to skip the rows on servers with a reverse index
#   KANON_BENCH_HTTP   0 to skip the smart-HTTP rows
#   KANON_BENCH_CONCURRENCY  the concurrent batch sizes (default "8 32"; "" skips)
#   KANON_BENCH_APPS, KANON_BENCH_COMMITS  the reference repository's size
#                      (default 2000 and 20000; the big one has 10x the commits)
#
# The generated repositories are cached pristine in $KANON_BENCH_DATA as
# make_webcore-<apps>x<commits>.git (and -rev.git: the same with a .rev file,
# made by `git index-pack --rev-index`); each run of this script works on
# copies in its temporary directory (uploadpack.allowFilter=true), removed on
# exit, so the cache never changes.
#
# Times are wall-clock seconds of the whole command (git children included);
# peak RSS is the largest resident set of any single process of the command's
# tree (what GNU time's %M reports): with file:// URLs the "server" side
# (upload-pack, pack-objects, receive-pack) runs on this machine as a child of
# the client and is counted; the HTTP rows count the client only.
#
# Exits 1 if a target is missed: kanon >= 10x faster than naive, within 1.5x
# of the floor, its median growing < 1.5x from 20k to 200k commits (on the
# servers as generated), every concurrent promotion landing, peak RSS < 64 MB.
# shellcheck disable=SC2016  # the baseline scripts expand their own arguments
set -euo pipefail

src_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-${KANON_BENCH_RUNS:-5}}"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/promote.sh [RUNS]" >&2; exit 2; }
app_count="${KANON_BENCH_APPS:-2000}"
commits="${KANON_BENCH_COMMITS:-20000}"
big_commits=$((commits * 10))
big_naive_runs="${KANON_BENCH_BIG_NAIVE_RUNS:-1}"
concurrency="${KANON_BENCH_CONCURRENCY-8 32}"
generator="$src_dir/bench/make_webcore.py"

if [[ -z "${KANON:-}" ]]; then
    for k in "$src_dir/build-bench/kanon" "$src_dir/build/kanon" "$(command -v kanon || true)"; do
        if [[ -n "$k" && -x "$k" ]]; then KANON="$k"; break; fi
    done
fi
# shellcheck source=bench/lib.sh
source "$src_dir/bench/lib.sh"
if [[ -n "${KANON_BASE:-}" ]]; then
    [[ -x "$KANON_BASE" ]] || { echo "bench: KANON_BASE=$KANON_BASE is not executable" >&2; exit 2; }
    KANON_BASE="$(cd "$(dirname "$KANON_BASE")" && pwd)/$(basename "$KANON_BASE")"
fi

bench_data_dir

# reference COMMITS: the pristine repository, generated once and cached.
reference() {
    local out="$data/make_webcore-${app_count}x$1.git"
    if [[ ! -f "$out/HEAD" ]]; then
        rm -rf "$out.tmp"
        echo "bench: generating $out ($app_count apps, $1 commits; ~$(($1 / 500 + 5)) s of CPU)" >&2
        python3 "$generator" "$out.tmp" --apps "$app_count" --commits "$1" >&2
        mv "$out.tmp" "$out"
    fi
    # The shape: 6 files per app + 3 at the tip, the initial commit + $1.
    local files count
    files="$(git --git-dir="$out" ls-tree -r --name-only main | wc -l)"
    count="$(git --git-dir="$out" rev-list --count main)"
    if [[ "$files" != $((app_count * 6 + 3)) || "$count" != $(($1 + 1)) ]]; then
        echo "bench: $out has $files files and $count commits; expected $((app_count * 6 + 3)) and $(($1 + 1)) (remove it to regenerate)" >&2
        exit 1
    fi
    printf '%s\n' "$out"
}
# with_rev REPO: a cached copy of REPO with a reverse index (.rev) beside each
# pack, which git >= 2.41 writes by default when it repacks (git 2.39 and
# fast-import do not): without one, every pack-objects run on the server
# builds the pack's reverse index in memory, O(objects in the pack).
with_rev() {
    local out="${1%.git}-rev.git" pack
    if [[ ! -f "$out/HEAD" ]]; then
        rm -rf "$out.tmp"
        echo "bench: writing $out (a copy with a reverse index)" >&2
        cp -a "$1" "$out.tmp"
        for pack in "$out.tmp"/objects/pack/*.pack; do
            git --git-dir="$out.tmp" index-pack --rev-index "$pack" >/dev/null
        done
        mv "$out.tmp" "$out"
    fi
    printf '%s\n' "$out"
}
small_ref="$(reference "$commits")"
big_ref="" small_rev_ref="" big_rev_ref=""
[[ "${KANON_BENCH_BIG:-1}" == 0 ]] || big_ref="$(reference "$big_commits")"
if [[ "${KANON_BENCH_REV:-1}" != 0 ]]; then
    small_rev_ref="$(with_rev "$small_ref")"
    [[ -z "$big_ref" ]] || big_rev_ref="$(with_rev "$big_ref")"
fi

# A clean environment (own HOME and TMPDIR, no system git config, fixed git
# identity, no proxies) and the loopback git HTTP server: the e2e helpers.
# shellcheck source=tests/e2e/lib.sh
source "$src_dir/tests/e2e/lib.sh"

# serve REF NAME: a working copy of the pristine repository REF in
# $E2E_TMP/NAME/webcore.git (promotions land there), filters allowed.
serve() {
    [[ -n "$1" ]] || return 0
    mkdir -p "$E2E_TMP/$2"
    cp -a "$1" "$E2E_TMP/$2/webcore.git"
    git --git-dir="$E2E_TMP/$2/webcore.git" config uploadpack.allowFilter true
    printf '%s\n' "$E2E_TMP/$2/webcore.git"
}
small_srv="$(serve "$small_ref" small)"
retry_srv="$(serve "$small_ref" retry)"
# The retry rows' server: when kanon-bench-move holds "OLD NEW", the next push
# finds main moved from OLD to NEW (someone else's release, made beforehand
# by move_once), so that kanon's ref update fails as stale, once.
mkdir -p "$retry_srv/hooks"
cat >"$retry_srv/hooks/pre-receive" <<'EOF'
#!/bin/sh
[ -f kanon-bench-move ] || exit 0
read -r old new <kanon-bench-move
rm -f kanon-bench-move
unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
git update-ref refs/heads/main "$new" "$old"
EOF
chmod +x "$retry_srv/hooks/pre-receive"
big_srv="$(serve "$big_ref" big)"
small_rev_srv="$(serve "$small_rev_ref" small-rev)"
big_rev_srv="$(serve "$big_rev_ref" big-rev)"
cache_dir="$E2E_TMP/kanon-cache"

pack_mb() { du -sm "$1/objects" | cut -f1; }
echo "kanon:  $KANON ($("$KANON" --version 2>/dev/null | head -1))"
echo "git:    $(git --version)"
echo "repos:  $small_ref ($app_count apps, $((commits + 1)) commits, $(pack_mb "$small_ref") MB)"
[[ -z "$big_ref" ]] || echo "        $big_ref ($app_count apps, $((big_commits + 1)) commits, $(pack_mb "$big_ref") MB)"
echo "host:   $(nproc) cores; TMPDIR=$TMPDIR on $(stat -f -c %T "$TMPDIR")"
echo "        $runs measured runs per row (+1 warm-up), medians"
echo "load:   $(cut -d' ' -f1-3 /proc/loadavg) at the start"
# The yardstick ($KANON_SHARED_DIR/bench/make-webcore.py), when status.sh has cached it.
if [[ -f "$data/webcore.git/HEAD" && "$app_count" == 2000 && "$commits" == 20000 ]]; then
    same="a different"
    if cmp -s <(git --git-dir="$data/webcore.git" ls-tree -r --name-only main) \
              <(git --git-dir="$small_ref" ls-tree -r --name-only main); then same="the same"; fi
    echo "yardstick: $data/webcore.git: $same file list at the tip," \
         "$(git --git-dir="$data/webcore.git" rev-list --count main) commits, $(pack_mb "$data/webcore.git") MB"
fi

# The baselines, as scripts so that every process they start is measured.
# Each takes URL APP TAG.
naive_sh='set -e; d="$(mktemp -d)"; trap "rm -rf \"$d\"" EXIT
git clone -q "$1" "$d/w"; cd "$d/w"
sed -i "s/^  tag: .*/  tag: \"$3\"/" "deploy/env/release-dev/$2.yaml"
git commit -q -a -m "release(dev): $2 $3 [skip ci]"
git push -q origin HEAD'
# The floor's common start: clone, the one blob, the edited blob.
floor_head='set -e; d="$(mktemp -d)"; trap "rm -rf \"$d\"" EXIT
git clone -q --bare --template= --no-tags --depth=1 --single-branch --filter=blob:none -- "$1" "$d/r"
cd "$d/r"; p="deploy/env/release-dev/$2.yaml"
old="$(git rev-parse "HEAD:$p")"
echo "$old" | git -c fetch.negotiationAlgorithm=noop fetch -q --no-tags --no-write-fetch-head --filter=blob:none --stdin origin
new="$(git cat-file blob "$old" | sed "s/^  tag: .*/  tag: \"$3\"/" | git hash-object -w --stdin)"
'
floor_tail='commit="$(echo "release(dev): $2 $3 [skip ci]" | git commit-tree "$tree" -p HEAD)"
git push -q origin "$commit:refs/heads/$(git symbolic-ref --short HEAD)"'
# the new tree through a temporary index (what kanon does)
floor_index_sh="$floor_head"'export GIT_INDEX_FILE="$d/index"
git read-tree HEAD
git update-index --cacheinfo "100644,$new,$p"
tree="$(git write-tree --missing-ok)"
'"$floor_tail"
# the new tree with mktree, from the file's directory up to the root
floor_mktree_sh="$floor_head"'tree="$new" path="$p"
while [ "$path" != . ]; do
  dir="${path%/*}" name="${path##*/}"; [ "$dir" != "$path" ] || dir=.
  if [ "$dir" = . ]; then t="HEAD^{tree}"; else t="HEAD:$dir"; fi
  tree="$(git ls-tree "$t" | awk -F "\t" -v n="$name" -v o="$tree" \
    "\$2 == n { split(\$1, a, \" \"); \$0 = a[1] \" \" a[2] \" \" o \"\\t\" n } { print }" | git mktree --missing)"
  path="$dir"
done
'"$floor_tail"

# timer CMD...: "SECONDS MAXRSS_KB EXIT" of one run (stderr appended to
# $BENCH_STDERR when set).
timer='
import os, resource, subprocess, sys, time
err = open(os.environ["BENCH_STDERR"], "ab") if os.environ.get("BENCH_STDERR") else subprocess.DEVNULL
t = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=err).returncode
e = time.perf_counter() - t
print(f"{e:.4f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss} {rc}")
'

# Every measurement promotes the next app (a permutation of all apps) to a new
# tag: next_app sets $app and $serial.
serial=0 app=""
next_app() {
    serial=$((serial + 1))
    printf -v app 'site%05d-example-com' $(((serial * 37 + 11) % app_count))
}

# promotion KIND URL APP TAG: sets cmd to the command of one row.
cmd=()
promotion() {
    local kind="$1" url="$2" app="$3" tag="$4"
    case "$kind" in
        kanon) cmd=("$KANON" release "$app" --tag "$tag" --stage dev --repo "$url") ;;
        kanon_base) cmd=("$KANON_BASE" release "$app" --tag "$tag" --stage dev --repo "$url") ;;
        kanon_retry) cmd=("$KANON" -v release "$app" --tag "$tag" --stage dev --repo "$url") ;;
        kanon_base_retry) cmd=("$KANON_BASE" -v release "$app" --tag "$tag" --stage dev --repo "$url") ;;
        kanon_cache) cmd=("$KANON" release "$app" --tag "$tag" --stage dev --repo "$url" --cache-dir "$cache_dir") ;;
        floor_index) cmd=(bash -c "$floor_index_sh" floor "$url" "$app" "$tag") ;;
        floor_mktree) cmd=(bash -c "$floor_mktree_sh" floor "$url" "$app" "$tag") ;;
        naive) cmd=(bash -c "$naive_sh" naive "$url" "$app" "$tag") ;;
        *) echo "bench: unknown row kind $kind" >&2; exit 2 ;;
    esac
}

# landed SERVER BEFORE APP TAG: one commit on BEFORE, with the tag line.
landed() {
    local server="$1" before="$2" app="$3" tag="$4" tip parent
    tip="$(git --git-dir="$server" rev-parse main)"
    parent="$(git --git-dir="$server" rev-parse "main^")"
    [[ "$parent" == "$before" ]] || { echo "bench: main is $tip, whose parent is not the previous tip $before" >&2; return 1; }
    git --git-dir="$server" show "main:deploy/env/release-dev/$app.yaml" | grep -qxF "  tag: \"$tag\"" ||
        { echo "bench: $app's dev release at $tip does not have tag $tag" >&2; return 1; }
}

# move_once SERVER APP: someone else's release of another app than APP,
# committed on SERVER's main but not yet on it: its next push moves main
# there (the hook above). Sets moved_to.
moved_to=""
move_once() {
    local server="$1" other tip blob tree idx="$E2E_TMP/move.index"
    printf -v other 'site%05d-example-com' $(((serial * 37 + 12) % app_count))
    [[ "$other" != "$2" ]] || printf -v other 'site%05d-example-com' $(((serial * 37 + 13) % app_count))
    tip="$(git --git-dir="$server" rev-parse main)"
    blob="$(printf 'image:\n  repository: registry.example.com/web/%s\n  tag: "moved.%s"\n' "$other" "$serial" |
        git --git-dir="$server" hash-object -w --stdin)"
    rm -f "$idx"
    GIT_INDEX_FILE="$idx" git --git-dir="$server" read-tree "$tip"
    GIT_INDEX_FILE="$idx" git --git-dir="$server" update-index --cacheinfo "100644,$blob,deploy/env/release-dev/$other.yaml"
    tree="$(GIT_INDEX_FILE="$idx" git --git-dir="$server" write-tree)"
    moved_to="$(echo "release(dev): $other moved.$serial" | git --git-dir="$server" commit-tree "$tree" -p "$tip")"
    echo "$tip $moved_to" >"$server/kanon-bench-move"
}

declare -A times rss label
# measure_round KEY KIND SERVER URL WARMUP: one run of one row. The retry
# kinds move the branch once under the push and record the run's time less
# the backoff wait kanon -v reports.
measure_round() {
    local key="$1" kind="$2" server="$3" url="$4" warm="$5" tag before line s kb rc wait_ms errf=""
    next_app
    tag="bench.$key.$serial"
    before="$(git --git-dir="$server" rev-parse main)"
    promotion "$kind" "$url" "$app" "$tag"
    if [[ "$kind" == *_retry ]]; then
        move_once "$server" "$app"
        before="$moved_to"
        errf="$E2E_TMP/retry.err"
        : >"$errf"
    fi
    line="$(BENCH_STDERR="$errf" python3 -c "$timer" "${cmd[@]}")"
    read -r s kb rc <<<"$line"
    if [[ -n "$errf" && "$rc" == 0 ]]; then
        grep -q "(attempt 2)" "$errf" || { echo "bench: '$key' did not retry:" >&2; cat "$errf" >&2; exit 1; }
        wait_ms="$(sed -n 's/.*retrying in \([0-9]*\) ms.*/\1/p' "$errf" | head -1)"
        s="$(awk -v s="$s" -v w="${wait_ms:-0}" 'BEGIN {printf "%.4f", s - w / 1000}')"
    fi
    if [[ "$rc" != 0 ]]; then
        echo "bench: '$key' failed (exit $rc): ${cmd[*]}; again:" >&2
        "${cmd[@]}" >&2 || true
        exit 1
    fi
    landed "$server" "$before" "$app" "$tag" || exit 1
    if [[ "$warm" == 0 ]]; then
        times[$key]+="$s "
        rss[$key]+="$kb "
    fi
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
spread() { tr ' ' '\n' | grep . | sort -g | awk 'NR==1{lo=$1} {hi=$1} END {printf "%.3f-%.3f", lo, hi}'; }
declare -A med_s med_mb

# measure_rows ROUNDS WARMUP "KEY|KIND|SERVER|URL|LABEL"...: interleaved rounds
# (the first a warm-up when WARMUP is 1), then the medians.
measure_rows() {
    local rounds="$1" warmup="$2" r round key kind server url text
    shift 2
    for ((round = 1 - warmup; round <= rounds; round++)); do
        for r in "$@"; do
            IFS='|' read -r key kind server url text <<<"$r"
            [[ -n "$server" ]] || continue
            measure_round "$key" "$kind" "$server" "$url" $((round == 0))
        done
    done
    for r in "$@"; do
        IFS='|' read -r key kind server url text <<<"$r"
        [[ -n "$server" ]] || continue
        med_s[$key]="$(median <<<"${times[$key]}")"
        med_mb[$key]="$(median <<<"${rss[$key]}" | awk '{printf "%.1f", $1/1024}')"
        label[$key]="$text"
    done
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
has() { [[ -n "${med_s[$1]:-}" ]]; }

row() {  # SERVER KEY KIND LABEL: a row spec, empty server when that server is skipped
    printf '%s|%s|%s|%s|%s\n' "$2" "$3" "$1" "file://$1" "${4:-$2}"
}
rows=("$(row "$small_srv" kanon kanon "kanon release")"
      "$(row "$retry_srv" kanon_retry kanon_retry "kanon release, the branch moved once")"
      "$(row "$small_srv" floor_index floor_index "floor: plumbing, temporary index")"
      "$(row "$small_srv" floor_mktree floor_mktree "floor: plumbing, mktree")"
      "$(row "$small_srv" naive naive "naive: clone, sed -i, commit, push")"
      "$(row "$small_srv" kanon_cache kanon_cache "kanon release --cache-dir (warm)")"
      "$(row "$big_srv" kanon_big kanon)" "$(row "$big_srv" floor_big floor_index)"
      "$(row "$small_rev_srv" kanon_rev kanon)" "$(row "$small_rev_srv" floor_rev floor_index)"
      "$(row "$big_rev_srv" kanon_bigrev kanon)" "$(row "$big_rev_srv" floor_bigrev floor_index)")
if [[ -n "${KANON_BASE:-}" ]]; then
    rows+=("$(row "$small_srv" kanon_base kanon_base "kanon release, baseline build (KANON_BASE)")"
           "$(row "$retry_srv" kanon_base_retry kanon_base_retry "baseline build, the branch moved once")")
fi
if [[ "${KANON_BENCH_HTTP:-1}" != 0 ]]; then
    start_git_http "$E2E_TMP/small"
    rows+=("kanon_http|kanon|$small_srv|$GIT_HTTP_URL/webcore.git|kanon release over smart HTTP (client only)"
           "floor_http|floor_index|$small_srv|$GIT_HTTP_URL/webcore.git|floor (index) over smart HTTP (client only)")
fi
measure_rows "$runs" 1 "${rows[@]}"
if [[ -n "$big_srv" && "$big_naive_runs" != 0 ]]; then
    measure_rows "$big_naive_runs" 0 "$(row "$big_srv" naive_big naive)"
fi

echo
echo "one promotion, $((commits + 1)) commits, file:// (server side counted in peak MB)"
printf '  %-44s %8s %13s %8s %8s\n' "" "median s" "range s" "x kanon" "peak MB"
for key in kanon kanon_base floor_index floor_mktree naive kanon_cache kanon_http floor_http; do
    has "$key" || continue
    printf '  %-44s %8.3f %13s %8s %8s\n' "${label[$key]}" "${med_s[$key]}" "$(spread <<<"${times[$key]}")" \
        "$(ratio "${med_s[$key]}" "${med_s[kanon]}")" "${med_mb[$key]}"
done

echo
echo "one retry: the first push finds main moved by another app's release (backoff wait subtracted)"
printf '  %-44s %8s %13s %8s %14s\n' "" "median s" "range s" "x kanon" "retry cost s"
for pair in "kanon_retry kanon" "kanon_base_retry kanon_base"; do
    read -r key one <<<"$pair"
    if ! has "$key" || ! has "$one"; then continue; fi
    printf '  %-44s %8.3f %13s %8s %14.3f\n' "${label[$key]}" "${med_s[$key]}" "$(spread <<<"${times[$key]}")" \
        "$(ratio "${med_s[$key]}" "${med_s[kanon]}")" "$(awk -v a="${med_s[$key]}" -v b="${med_s[$one]}" 'BEGIN {print a - b}')"
done

if [[ -n "$big_srv" || -n "$small_rev_srv" ]]; then
    echo
    echo "history: $((commits + 1)) -> $((big_commits + 1)) commits (medians, s; peak MB)"
    printf '  %-36s %9s %9s %8s %9s %9s\n' "" "small" "big" "growth" "MB small" "MB big"
    growth_row() {  # LABEL SMALL_KEY BIG_KEY
        has "$2" && has "$3" || return 0
        printf '  %-36s %9.3f %9.3f %8s %9s %9s\n' "$1" "${med_s[$2]}" "${med_s[$3]}" \
            "$(ratio "${med_s[$3]}" "${med_s[$2]}")" "${med_mb[$2]}" "${med_mb[$3]}"
    }
    growth_row "kanon release" kanon kanon_big
    growth_row "floor (temporary index)" floor_index floor_big
    growth_row "naive ($big_naive_runs run on the big one)" naive naive_big
    growth_row "kanon release, servers with .rev" kanon_rev kanon_bigrev
    growth_row "floor, servers with .rev" floor_rev floor_bigrev
    growth_row "kanon: without -> with .rev (small)" kanon kanon_rev
    growth_row "kanon: without -> with .rev (big)" kanon_big kanon_bigrev
fi

# Concurrency: N kanon processes started at once, different apps, one server.
# Prints "WALL LANDED TOTAL_ATTEMPTS MAX_ATTEMPTS" and the failures on stderr.
burst='
import json, subprocess, sys, time
kanon, url, cache, pairs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
extra = ["--cache-dir", cache] if cache else []
t = time.perf_counter()
procs = []
for p in pairs:
    app, tag = p.split("=")
    procs.append((app, subprocess.Popen(
        [kanon, "-o", "json", "release", app, "--tag", tag, "--stage", "dev", "--repo", url] + extra,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
landed, attempts = 0, []
for app, p in procs:
    out, err = p.communicate()
    if p.returncode == 0 and json.loads(out).get("changed"):
        landed += 1
        attempts.append(json.loads(out)["attempts"])
    else:
        sys.stderr.write(f"bench: {app}: exit {p.returncode}: {err.decode().strip().splitlines()[0]}\n")
wall = time.perf_counter() - t
print(f"{wall:.3f} {landed} {sum(attempts)} {max(attempts, default=0)}")
'
all_landed=1
if [[ -n "$concurrency" ]]; then
    echo
    echo "N concurrent promotions of N different apps, file://, $runs runs each (N x one: N x kanon release's median)"
    printf '  %-34s %8s %13s %9s %7s %10s %11s\n' "" "median s" "range s" "N x one" "ratio" "attempts" "min landed"
    for n in $concurrency; do
        modes="own shared"
        [[ -z "${KANON_BASE:-}" ]] || modes="own shared base"
        for mode in $modes; do
            walls="" landed_min="$n" attempts_all="" landed_all=""
            cache="" binary="$KANON"
            [[ "$mode" != shared ]] || cache="$cache_dir"
            [[ "$mode" != base ]] || binary="$KANON_BASE"
            for ((round = 1; round <= runs; round++)); do
                before_count="$(git --git-dir="$small_srv" rev-list --count main)"
                pairs=() want=()
                for ((i = 0; i < n; i++)); do
                    next_app
                    pairs+=("$app=bench.burst$n.$serial")
                    want+=("$app" "bench.burst$n.$serial")
                done
                read -r wall got total_attempts max_attempts < <(python3 -c "$burst" "$binary" "file://$small_srv" "$cache" "${pairs[@]}")
                after_count="$(git --git-dir="$small_srv" rev-list --count main)"
                if [[ "$after_count" != $((before_count + got)) ]]; then
                    echo "bench: N=$n: $got promotions reported, $((after_count - before_count)) new commits" >&2
                    all_landed=0
                fi
                [[ "$got" == "$n" || "$mode" == base ]] || all_landed=0
                ((got >= landed_min)) || landed_min="$got"
                local_missing=0
                for ((i = 0; i < ${#want[@]}; i += 2)); do
                    git --git-dir="$small_srv" show "main:deploy/env/release-dev/${want[i]}.yaml" |
                        grep -qxF "  tag: \"${want[i + 1]}\"" || local_missing=$((local_missing + 1))
                done
                if ((local_missing != n - got)); then
                    echo "bench: N=$n: $local_missing files lack their tag, $((n - got)) promotions failed" >&2
                    all_landed=0
                fi
                walls+="$wall "
                landed_all+="$got "
                attempts_all+="$total_attempts/$max_attempts "
            done
            what="kanon, own clones"
            [[ "$mode" != shared ]] || what="kanon, one shared --cache-dir"
            [[ "$mode" != base ]] || what="baseline build, own clones"
            printf '  %-34s %8.3f %13s %9.3f %7s %10s %11s\n' "N=$n $what" "$(median <<<"$walls")" \
                "$(spread <<<"$walls")" "$(awk -v n="$n" -v s="${med_s[kanon]}" 'BEGIN {print n * s}')" \
                "$(ratio "$(median <<<"$walls")" "$(awk -v n="$n" -v s="${med_s[kanon]}" 'BEGIN {print n * s}')")" \
                "$(median <<<"$(tr ' ' '\n' <<<"$attempts_all" | cut -d/ -f1 | tr '\n' ' ')")" "$landed_min/$n"
            echo "      per run: landed ${landed_all% }; attempts, all/most of one: ${attempts_all% }"
        done
    done
fi

echo
echo "load:   $(cut -d' ' -f1-3 /proc/loadavg) at the end"
verdict=0
check() {  # TEXT AWK_CONDITION
    if awk "BEGIN {exit !($2)}"; then echo "  met:     $1"; else echo "  NOT MET: $1"; verdict=1; fi
}
floor_min="$(awk -v a="${med_s[floor_index]}" -v b="${med_s[floor_mktree]}" 'BEGIN {print (a < b ? a : b)}')"
echo "targets:"
check "kanon ${med_s[kanon]} s is >= 10x faster than naive ${med_s[naive]} s" "${med_s[naive]} >= 10 * ${med_s[kanon]}"
check "kanon ${med_s[kanon]} s is within 1.5x of the floor $floor_min s" "${med_s[kanon]} <= 1.5 * $floor_min"
if has kanon_big; then
    check "kanon at 10x history ${med_s[kanon_big]} s is < 1.5x ${med_s[kanon]} s" "${med_s[kanon_big]} < 1.5 * ${med_s[kanon]}"
fi
if has kanon_bigrev; then
    echo "  (servers with .rev: ${med_s[kanon_bigrev]} s against ${med_s[kanon_rev]} s," \
         "$(ratio "${med_s[kanon_bigrev]}" "${med_s[kanon_rev]}")x)"
fi
[[ -z "$concurrency" ]] || check "every concurrent promotion landed" "$all_landed == 1"
check "kanon peak RSS ${med_mb[kanon]} MB < 64 MB (file://, server side counted)" "${med_mb[kanon]} < 64"
has kanon_big && echo "  (at $((big_commits + 1)) commits: ${med_mb[kanon_big]} MB; client only over HTTP: ${med_mb[kanon_http]:-?} MB)"
exit "$verdict"
