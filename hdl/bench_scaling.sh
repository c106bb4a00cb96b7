#!/usr/bin/env bash
# How `twinreg generate` scales with the number of registers: one map of N one-field
# registers (`reg { field {} f; } x[N];`) for N = 1k, 8k, 32k and 99k (near the
# front end's limit of 200 000 instances: 99 999 registers of one field), generated
# side by side in one run. Prints wall and CPU seconds, peak memory, and each time
# per register relative to the 1k map's: near 1.0 for every N means linear.
#
#   hdl/bench_scaling.sh                 # builds the release binary first
#   TWINREG=path/to/twinreg hdl/bench_scaling.sh 1000 8000    # a given binary and sizes
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TWINREG:-}" ]; then
    cargo build --release --quiet
    TWINREG=target/release/twinreg
fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 8000 32000 99000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%8s %9s %9s %9s %10s %12s\n' registers wall_s cpu_s peak_MiB out_MiB per_reg_vs_1st
base=""
for n in "${sizes[@]}"; do
    echo "addrmap top { reg { field {} f; } x[$n]; };" >"$work/r$n.rdl"
    start=$(date +%s.%N)
    # GNU time gives CPU time and peak RSS; without it, only the wall time.
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%U %S %M' -o "$work/t$n" \
            "$TWINREG" generate "$work/r$n.rdl" --out "$work/o$n" >/dev/null
        read -r user sys rss <"$work/t$n"
        cpu=$(echo "$user + $sys" | bc -l)
        peak=$(echo "$rss / 1024" | bc -l)
    else
        "$TWINREG" generate "$work/r$n.rdl" --out "$work/o$n" >/dev/null
        cpu=0 peak=0
    fi
    wall=$(echo "$(date +%s.%N) - $start" | bc -l)
    out=$(du -sm "$work/o$n" | cut -f1)
    rm -rf "$work/o$n"
    per=$(echo "$cpu / $n" | bc -l)
    [ -n "$base" ] || base=$per
    printf '%8d %9.2f %9.2f %9.0f %10d %12.2f\n' "$n" "$wall" "$cpu" "$peak" "$out" \
        "$(echo "$per / $base" | bc -l)"
done
