# shellcheck shell=bash
# Shared by the benchmark scripts (status.sh, promote.sh), sourced after they
# set src_dir (the source tree) and KANON.
#   bench_data_dir      sets $data: KANON_BENCH_DATA, else ./bench-data, never
#                       inside the source tree (generated data is not committed)

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
