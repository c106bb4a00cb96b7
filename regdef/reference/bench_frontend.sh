#!/usr/bin/env bash
# Front-end speed: twinreg against the reference compiler, whole processes, on the
# SMMUv3 definition.
#
#   regdef/reference/bench_frontend.sh [FILE.rdl]     (default: regdef/smmuv3.rdl)
#
# Times `twinreg dump FILE --json` and `rdl_dump.py FILE` (systemrdl-compiler: parse
# and elaborate, then the same JSON) with hyperfine, without a shell in between, so
# process start-up is part of both times. Prints both mean times and the ratio, and
# fails when twinreg is not at least $TWINREG_BENCH_MIN_SPEEDUP (default 50) times
# faster. Builds the release binary first when it is missing.
#
# Environment: CARGO_TARGET_DIR (where the release binary lives, default ./target),
# TWINREG_PYTHON (default ./.venv/bin/python), TWINREG_BENCH_MIN_SPEEDUP,
# HYPERFINE_ARGS (run-count arguments, default "--min-runs 10"; e.g. "--runs 50").
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

file=${1:-regdef/smmuv3.rdl}
target=${CARGO_TARGET_DIR:-$root/target}
twinreg=$target/release/twinreg
python=${TWINREG_PYTHON:-$root/.venv/bin/python}
min_speedup=${TWINREG_BENCH_MIN_SPEEDUP:-50}

command -v hyperfine >/dev/null || { echo "bench_frontend: hyperfine not found" >&2; exit 2; }
command -v jq >/dev/null || { echo "bench_frontend: jq not found" >&2; exit 2; }
[ -x "$python" ] || { echo "bench_frontend: no Python venv at $python (run: make tools)" >&2; exit 2; }

if [ ! -x "$twinreg" ]; then
    echo "bench_frontend: building $twinreg"
    cargo build --release --bin twinreg
fi

# Both sides must work on the file before they are timed.
"$twinreg" dump "$file" --json >/dev/null
"$python" regdef/reference/rdl_dump.py "$file" >/dev/null

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# shellcheck disable=SC2086 # HYPERFINE_ARGS is a list of arguments on purpose
hyperfine --shell=none --warmup 3 ${HYPERFINE_ARGS:---min-runs 10} --style basic \
    --export-json "$out/result.json" \
    -n twinreg "'$twinreg' dump '$file' --json" \
    -n systemrdl-compiler "'$python' regdef/reference/rdl_dump.py '$file'"

stat() { jq -r --arg c "$1" ".results[] | select(.command == \$c) | .$2" "$out/result.json"; }

# Short processes suffer most from a busy machine; say so next to the numbers.
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
cpus=$(nproc 2>/dev/null || echo 1)

awk -v a="$(stat twinreg mean)" -v b="$(stat systemrdl-compiler mean)" \
    -v am="$(stat twinreg median)" -v bm="$(stat systemrdl-compiler median)" \
    -v min="$min_speedup" -v f="$file" -v load="$load" -v cpus="$cpus" 'BEGIN {
    ratio = b / a
    printf "\n%s\n", f
    printf "  twinreg             %10.3f ms mean  (median %.3f ms)\n", a * 1000, am * 1000
    printf "  systemrdl-compiler  %10.3f ms mean  (median %.3f ms)\n", b * 1000, bm * 1000
    printf "  ratio of means      %10.1fx   (target: at least %dx; ratio of medians %.1fx)\n", ratio, min, bm / am
    if (load + 0 > cpus + 0)
        printf "  note: load average %s on %d CPUs; rerun on a quiet machine before trusting this\n", load, cpus
    if (ratio < min) { print "  FAIL: below target"; exit 1 }
    print "  ok"
}'
