# shellcheck shell=bash
# Shared by the benchmark scripts (status.sh, promote.sh), sourced after they
# set src_dir (the source tree) and KANON.
#   bench_data_dir      sets $data: KANON_BENCH_DATA, else ./bench-data, never
#                       inside the source tree (generated data is not committed)
#   reference_repo      sets $server: the cached reference repository, built
#                       on first use (KANON_BENCH_REPO: copy this one instead)
#   measure KEY LABEL CMD...  one warm-up run, then $runs runs of CMD: median
#                       seconds, range and median peak RSS, kept as a row
#   table TITLE REF_KEY print the rows measured since the last table, with
#                       each median divided by REF_KEY's

[[ -n "${KANON:-}" && -x "$KANON" ]] || { echo "bench: set KANON to the kanon binary" >&2; exit 2; }
KANON="$(cd "$(dirname "$KANON")" && pwd)/$(basename "$KANON")"

inside_source() {  # is $1 in the source tree?
    local real
    real="$(realpath -m -- "$1")"
    case "$real/" in "$(realpath -m -- "$src_dir")"/*) return 0 ;; *) return 1 ;; esac
}

bench_data_dir() {
    if [[ -n "${KANON_BENCH_DATA:-}" ]]; then
        data="$KANON_BENCH_DATA"
        if inside_source "$data"; then
            echo "bench: KANON_BENCH_DATA=$data is inside the source tree; choose a directory outside it" >&2
            exit 2
        fi
    else
        data="$PWD/bench-data"
        if inside_source "$data"; then
            data="${XDG_CACHE_HOME:-$HOME/.cache}/kanon-bench"
            echo "bench: ./bench-data would be inside the source tree; caching in $data" >&2
        fi
    fi
    mkdir -p "$data"
    data="$(cd "$data" && pwd -P)"
}

# The reference repository ($data/webcore.git, 2000 apps, 20000 commits), built
# once with make-webcore.py and cached; sets $server.
reference_repo() {
    server="$data/webcore.git"
    local make_webcore="${KANON_SHARED_DIR:-$src_dir/../shared}/bench/make-webcore.py"
    if [[ ! -f "$server/HEAD" ]]; then
        rm -rf "$server.tmp"
        if [[ -n "${KANON_BENCH_REPO:-}" ]]; then
            echo "bench: copying $KANON_BENCH_REPO to $server" >&2
            cp -a "$KANON_BENCH_REPO" "$server.tmp"
        else
            [[ -f "$make_webcore" ]] || { echo "bench: $make_webcore not found; set KANON_SHARED_DIR" >&2; exit 2; }
            echo "bench: building the reference repository in $server (2000 apps, 20000 commits, ~35 s)" >&2
            python3 "$make_webcore" "$server.tmp"
        fi
        mv "$server.tmp" "$server"
    fi
}

# measure.py CMD...: "SECONDS MAXRSS_KB EXIT" of one run.
timer='
import resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
e = time.perf_counter() - t
print(f"{e:.4f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss} {rc}")
'

declare -A median_s median_mb
rows=()
# measure KEY LABEL CMD...: one warm-up run, then $runs measured runs.
measure() {
    local key="$1" label="$2"
    shift 2
    local i line times=() rss=()
    python3 -c "$timer" "$@" >/dev/null
    for ((i = 0; i < runs; i++)); do
        line="$(python3 -c "$timer" "$@")"
        read -r s kb rc <<<"$line"
        if [[ "$rc" != 0 ]]; then
            echo "bench: '$label' failed (exit $rc): $*" >&2
            "$@" >&2
            exit 1
        fi
        times+=("$s")
        rss+=("$kb")
    done
    median_s[$key]="$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')"
    median_mb[$key]="$(printf '%s\n' "${rss[@]}" | sort -g | awk '{a[NR]=$1} END {m=(NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2); printf "%.1f", m/1024}')"
    local spread
    spread="$(printf '%s\n' "${times[@]}" | sort -g | awk 'NR==1{lo=$1} {hi=$1} END {printf "%.2f-%.2f", lo, hi}')"
    rows+=("$key|$label|$spread")
}


table() {  # TITLE REF_KEY: the rows measured since the last table
    local title="$1" ref="$2" r key label spread
    echo
    echo "$title"
    printf '  %-46s %8s %11s %9s %9s\n' "" "median s" "range s" "x $ref" "peak MB"
    for r in "${rows[@]}"; do
        IFS='|' read -r key label spread <<<"$r"
        printf '  %-46s %8.3f %11s %9s %9s\n' "$label" "${median_s[$key]}" "$spread" \
            "$(awk -v a="${median_s[$key]}" -v b="${median_s[$ref]}" 'BEGIN {printf "%.2f", a/b}')" "${median_mb[$key]}"
    done
    rows=()
}
