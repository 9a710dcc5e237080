#!/usr/bin/env bash
# Benchmark of `kanon check` on the reference web-core repository (2000 apps,
# 12,000 files at the tip, made by $KANON_SHARED_DIR/bench/make-webcore.py)
# checked out as a directory, against the floor measured in the same run:
#   cat    reading every file of the checkout (find | xargs cat), which any
#          checker must do at least once.
# Rows: kanon check on all cores, on one core (-j 1), and one app.
#
#   bench/check.sh [RUNS]
#
# Environment: KANON, KANON_SHARED_DIR, KANON_BENCH_DATA, KANON_BENCH_REPO and
# KANON_BENCH_RUNS as for bench/status.sh (bench/README.md).
#
# Exits 1 if `kanon check` misses its budget: median under 3x the cat row and
# peak RSS under 128 MB. Page cache is warm for every row (one warm-up run each).
set -euo pipefail

src_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-${KANON_BENCH_RUNS:-5}}"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/check.sh [RUNS]" >&2; exit 2; }
if [[ -z "${KANON:-}" ]]; then
    for k in "$src_dir/build/kanon" "$(command -v kanon || true)"; do
        if [[ -n "$k" && -x "$k" ]]; then KANON="$k"; break; fi
    done
fi
# shellcheck source=bench/lib.sh
source "$src_dir/bench/lib.sh"
bench_data_dir
reference_repo

# The checkout, made once per reference repository (depth 1: only the tip matters).
checkout="$data/webcore-checkout"
tip="$(git --git-dir="$server" rev-parse HEAD)"
if [[ "$(git -C "$checkout" rev-parse HEAD 2>/dev/null || true)" != "$tip" ]]; then
    rm -rf "$checkout"
    git clone -q --depth 1 "file://$server" "$checkout"
fi
files="$(find "$checkout" -type f -not -path '*/.git/*' | wc -l)"
app_count="$(find "$checkout/deploy/env/release-dev" -name '*.yaml' | wc -l)"
one_app="$(find "$checkout/deploy/env/release-dev" -name '*.yaml' | sort | sed -n '43{s#.*/##;s#\.yaml$##;p}')"
echo "kanon:  $KANON ($("$KANON" --version 2>/dev/null | head -1))"
echo "repo:   $checkout ($app_count apps, $files files, $(du -sh --exclude=.git "$checkout" | cut -f1))"
echo "host:   $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $runs runs per row, medians"

# Sanity: the reference repository is in the canon, so the check is clean,
# and it sees every app.
seen="$("$KANON" -o json check --dir "$checkout" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["summary"]["apps"], len(d["findings"]))')"
[[ "$seen" == "$app_count 0" ]] || { echo "bench: kanon check saw '$seen' (apps, findings); expected '$app_count 0'" >&2; exit 1; }

cat_sh='find "$1" -type f -not -path "*/.git/*" -print0 | xargs -0 cat >/dev/null'
measure cat "floor: cat every file" bash -c "$cat_sh" cat "$checkout"
measure kanon "kanon check" "$KANON" check -q --dir "$checkout"
measure kanon1 "kanon check -j 1" "$KANON" check -q -j 1 --dir "$checkout"
measure one "kanon check $one_app" "$KANON" check -q --dir "$checkout" "$one_app"
table "kanon check on $app_count apps" cat

k="${median_s[kanon]}" c="${median_s[cat]}" mb="${median_mb[kanon]}"
echo
if awk -v k="$k" -v c="$c" -v m="$mb" 'BEGIN {exit !(k < 3 * c && m < 128)}'; then
    echo "requirement met: kanon check $k s = $(awk -v k="$k" -v c="$c" 'BEGIN {printf "%.2f", k/c}')x cat ($c s) < 3x, peak RSS $mb MB < 128 MB"
else
    echo "requirement NOT met: kanon check $k s vs cat $c s (budget 3x), peak RSS $mb MB (budget 128 MB)"
    exit 1
fi
