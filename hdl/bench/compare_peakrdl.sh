#!/usr/bin/env bash
# twinreg vs PeakRDL on the same SystemRDL definition:
#   1. RTL size: every design synthesised by the same yosys script (generic gates),
#      cells, flip-flops and the longest combinational path, side by side;
#   2. generation time of the whole process, with hyperfine.
#
# A benchmark, not a test: run it by hand (it takes a minute or two) and record the
# results in docs/performance.md, section "RTL vs PeakRDL".
#
# Usage:  hdl/bench/compare_peakrdl.sh [FILE.rdl]        (default: regdef/smmuv3.rdl)
# Env:    TWINREG_BIN  twinreg binary with a `generate FILE --out DIR` subcommand
#                      (default: the release `twinreg`, built here through cargo)
#         RUNS         hyperfine runs per command (default 30)
#         KEEP=1       keep the work directory (its path is printed)
#
# Needs: yosys, hyperfine, python3, and PeakRDL (peakrdl-regblock, peakrdl-etana) in
# .venv (`make tools`).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RDL=$(realpath "${1:-$ROOT/regdef/smmuv3.rdl}")
RUNS=${RUNS:-30}
PEAKRDL=$ROOT/.venv/bin/peakrdl

for tool in yosys hyperfine python3 "$PEAKRDL"; do
    command -v "$tool" >/dev/null || { echo "error: $tool not found (make tools)" >&2; exit 1; }
done

WORK=$(mktemp -d)
if [[ "${KEEP:-0}" == 1 ]]; then
    echo "work directory: $WORK"
else
    trap 'rm -rf "$WORK"' EXIT
fi

# ---------------------------------------------------------------------------- twinreg
if [[ -n "${TWINREG_BIN:-}" ]]; then
    TW=("$TWINREG_BIN" generate)
else
    # Always through cargo, so the binary timed is the one the sources make.
    echo "building twinreg (release) ..."
    (cd "$ROOT" && cargo build --quiet --release --bin twinreg)
    TW=("${CARGO_TARGET_DIR:-$ROOT/target}/release/twinreg" generate)
fi
echo "twinreg:  ${TW[*]}"
echo "PeakRDL:  $("$PEAKRDL" --version 2>&1 | head -1); $("$ROOT/.venv/bin/pip" list 2>/dev/null | grep -iE '^peakrdl-(regblock|etana) ' | tr -s ' ' | paste -sd ',' -)"
echo "yosys:    $(yosys -V)"
echo "input:    $RDL"
echo

"${TW[@]}" "$RDL" --out "$WORK/tw" >/dev/null
TOP=$(basename "$(ls "$WORK"/tw/rtl/*_regs.v)" _regs.v)

# ---------------------------------------------------------------------------- PeakRDL
# regblock refuses the map as it is: a software-writable field may not span the two
# 32-bit words of a 64-bit register unless its writes are buffered. Record why, then
# build a variant with `buffer_writes` on those registers (a different design: a
# write to the low word is held until the high word is written).
REGBLOCK_NOTE=""
if ! "$PEAKRDL" regblock "$RDL" -o "$WORK/regblock" --cpuif apb4-flat >"$WORK/regblock.log" 2>&1; then
    REGBLOCK_NOTE="refuses the map: $(grep -m1 -o 'shall not span multiple software-accessible subwords' "$WORK/regblock.log" || head -1 "$WORK/regblock.log")"
fi
BW_RDL="$WORK/$(basename "$RDL" .rdl)_buffered.rdl"
{
    echo 'property buffer_writes { type = boolean; component = reg; };'
    sed 's/accesswidth = 32;/accesswidth = 32; buffer_writes = true;/' "$RDL"
} >"$BW_RDL"
PR_REGBLOCK=("$PEAKRDL" regblock "$BW_RDL" -o "$WORK/regblock_bw" --cpuif apb4-flat)
PR_ETANA_APB=("$PEAKRDL" etana "$RDL" -o "$WORK/etana_apb4" --cpuif apb4-flat --allow-wide-field-subwords)
PR_ETANA_AXI=("$PEAKRDL" etana "$RDL" -o "$WORK/etana_axi" --cpuif axi4-lite-flat --allow-wide-field-subwords)
"${PR_REGBLOCK[@]}" >/dev/null
"${PR_ETANA_APB[@]}" >/dev/null
"${PR_ETANA_AXI[@]}" >/dev/null

# ---------------------------------------------------------------------------- synthesis
# One script for every design: read (as SystemVerilog, which also reads Verilog-2005),
# flatten, generic synthesis, no latch, then the statistics and the longest path.
synth() { # name top files...
    local name=$1 top=$2; shift 2
    local key=${name//[^A-Za-z0-9]/_}
    local reads=""
    for f in "$@"; do reads+="read_verilog -sv $f; "; done
    if ! yosys -p "$reads synth -flatten -top $top; check -assert; \
        select -assert-none t:\$dlatch t:\$adlatch t:\$dlatchsr t:\$_DLATCH_* t:\$_DLATCHSR_*; \
        tee -q -o $WORK/$key.stat stat; ltp -noff" >"$WORK/$key.log" 2>&1; then
        printf '%-36s %s\n' "$name" "yosys failed: $(grep -m1 ERROR "$WORK/$key.log")"
        return 0
    fi
    local cells ffs depth warn
    cells=$(awk '/Number of cells/{c=$4} END{print c}' "$WORK/$key.stat")
    ffs=$(awk '/\$_.*DFF/{n+=$2} END{print n+0}' "$WORK/$key.stat")
    depth=$(grep -o 'length=[0-9]*' "$WORK/$key.log" | tail -1 | cut -d= -f2)
    warn=$(grep -c 'select out of bounds' "$WORK/$key.log" || true)
    printf '%-36s %7s %7s %9s %9s\n' "$name" "$cells" "$ffs" "$depth" "$warn"
    echo "$name $cells $ffs" >>"$WORK/sizes.txt"
}

echo "RTL size (yosys: synth -flatten; generic cells)"
printf '%-36s %7s %7s %9s %9s\n' design cells FFs "longest" "warnings*"
T="$WORK/tw/rtl/${TOP}"
synth "twinreg APB4 (${TOP}_apb4)" "${TOP}_apb4" "${T}_regs.v" "${T}_apb4_slave.v" "${T}_apb4.v"
synth "PeakRDL-etana APB4" "$TOP" "$WORK"/etana_apb4/*.sv
synth "twinreg AXI4-Lite (${TOP}_axi4lite)" "${TOP}_axi4lite" "${T}_regs.v" "${T}_axi4lite_slave.v" "${T}_axi4lite.v"
synth "PeakRDL-etana AXI4-Lite" "$TOP" "$WORK"/etana_axi/*.sv
synth "PeakRDL-regblock APB4 (buffered)" "$TOP" "$WORK"/regblock_bw/*_pkg.sv "$WORK/regblock_bw/$TOP.sv"
echo "* yosys 'select out of bounds' warnings while reading the design"
[[ -n "$REGBLOCK_NOTE" ]] && echo "PeakRDL-regblock on the unmodified map $REGBLOCK_NOTE"
python3 - "$WORK/sizes.txt" <<'EOF'
import sys
rows = dict()
for line in open(sys.argv[1]):
    *name, cells, ffs = line.split()
    rows[" ".join(name)] = (int(cells), int(ffs))
for bus in ("APB4", "AXI4-Lite"):
    tw = next((v for k, v in rows.items() if k.startswith("twinreg " + bus)), None)
    pr = rows.get("PeakRDL-etana " + bus)
    if tw and pr:
        print(f"{bus}: twinreg / etana = {tw[0] / pr[0]:.2f} in cells, {tw[1] / pr[1]:.2f} in flip-flops")
EOF
echo

# ---------------------------------------------------------------------------- time
# Every run writes into a directory that does not exist yet (removed by --prepare), so
# no side pays for truncating and rewriting the files of the previous run (on ext4 that
# forces a write-back on close).
echo "Generation time (whole process, fresh output directory, hyperfine, $RUNS runs)"
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$WORK/times.json" \
    --prepare "rm -rf $WORK/tw_t" \
    -n "twinreg: RTL (2 buses) + C header + C test + Markdown + HTML" "${TW[*]} $RDL --out $WORK/tw_t" \
    --prepare "rm -rf $WORK/etana_apb4" \
    -n "PeakRDL-etana: RTL (APB4)" "${PR_ETANA_APB[*]}" \
    --prepare "rm -rf $WORK/regblock_bw" \
    -n "PeakRDL-regblock: RTL (APB4, buffered)" "${PR_REGBLOCK[*]}" >"$WORK/hyperfine.log"
python3 - "$WORK/times.json" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
tw = res[0]
cpu = lambda r: r["user"] + r["system"]
print(f"{'command':62} {'mean':>9} {'min':>9} {'CPU':>9}   x twinreg (mean, min, CPU)")
for r in res:
    print(
        f"{r['command']:62} {r['mean'] * 1e3:7.1f}ms {r['min'] * 1e3:7.1f}ms {cpu(r) * 1e3:7.1f}ms"
        f"   {r['mean'] / tw['mean']:5.1f} {r['min'] / tw['min']:5.1f} {cpu(r) / cpu(tw):5.1f}"
    )
EOF
