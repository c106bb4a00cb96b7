#!/usr/bin/env python3
"""RTL area, twinreg against peakrdl-regblock, for every map of ../shared/rdl-corpus
that both generate on APB4 (a benchmark: record its output in docs/performance.md).

Both designs go through the one yosys script of hdl/bench/compare_peakrdl.sh
(`read_verilog -sv ...; synth -flatten -top T; check -assert`, no latch; generic cells),
twinreg's as `<top>_apb4` (APB4 adapter + core), PeakRDL's as `--cpuif apb4-flat` with its
hwif structs made packed (yosys 0.23 reads packed structs only; see corpus.packed_package).

Usage: verif/peakrdl/area.py [--work DIR] [--only TEXT ...] [--jobs N]
Env:   TWINREG_BIN (default: cargo's release build), TWINREG_RDL_CORPUS
"""
import argparse
import math
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402


def synth(files, top, log):
    """(cells, flip-flops) or (None, error); reuses the log of an earlier run in the same
    work directory (the generated files are cached there too)."""
    if Path(log).exists() and "Number of cells" in Path(log).read_text():
        text = Path(log).read_text()
        stat = text[text.rfind("Printing statistics"):]
        return (int(re.findall(r"Number of cells:\s+(\d+)", stat)[-1]),
                sum(int(n) for n in re.findall(r"\$_\w*DFF\w*\s+(\d+)", stat))), None
    reads = " ".join(f"read_verilog -sv {f};" for f in files)
    script = (f"{reads} synth -flatten -top {top}; check -assert; "
              "select -assert-none t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH_* t:$_DLATCHSR_*; stat")
    r = subprocess.run(["yosys", "-q", "-p", script, "-l", str(log)], capture_output=True, text=True, timeout=600)
    text = Path(log).read_text() if Path(log).exists() else ""
    if r.returncode != 0:
        err = next((l for l in (r.stderr + text).splitlines() if "ERROR" in l), "yosys failed")
        return None, err.strip()[:160]
    stat = text[text.rfind("Printing statistics"):]
    cells = int(re.findall(r"Number of cells:\s+(\d+)", stat)[-1])
    ffs = sum(int(n) for n in re.findall(r"\$_\w*DFF\w*\s+(\d+)", stat))
    return (cells, ffs), None


def one(r, work):
    d = Path(work) / "area"
    d.mkdir(exist_ok=True)
    key = re.sub(r"\W", "_", r["id"])
    tw, te = synth(corpus.twinreg_files(r), f"{r['top']}_apb4", d / f"{key}.tw.log")
    pr, pe = synth(corpus.prepared_peakrdl(r), "pr_top", d / f"{key}.pr.log")
    return r["id"], tw, te, pr, pe, not_like_for_like(r)


def not_like_for_like(r):
    """Why PeakRDL's block for this map is not the same design, or None."""
    text = (Path(r["pr_dir"]) / "pr_top.sv").read_text()
    if re.search(r"\bexternal_pending\b", text):
        # regblock turns every nested addrmap (and `external` part) into a bus interface:
        # those registers are not in its block at all
        return "external interface"
    w = re.search(r"input wire \[(\d+):0\] s_apb_pwdata", text)
    if w and int(w.group(1)) + 1 != 32:
        return f"{int(w.group(1)) + 1}-bit bus"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", default=None, help="work directory (kept; generation is cached there)")
    ap.add_argument("--only", nargs="*", help="only entries whose id contains one of these")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="peakrdl-area-")
    print(f"work directory: {work}")
    print(f"yosys: {subprocess.run(['yosys', '-V'], capture_output=True, text=True).stdout.strip()}")
    gens = corpus.generate_all(work, a.only, a.jobs)
    both = [r for r in gens if r["ok"]]
    print(f"{len(gens)} corpus entries the reference accepts; both generate APB4: {len(both)}")
    with ThreadPoolExecutor(a.jobs) as ex:
        rows = list(ex.map(lambda r: one(r, work), both))
    print(f"{'map':64} {'tw cells':>8} {'pr cells':>8} {'tw FF':>6} {'pr FF':>6} {'ratio':>6}")
    ratios, failed = [], []
    excluded = []
    for mid, tw, te, pr, pe, why in rows:
        if tw is None or pr is None:
            failed.append((mid, te, pe))
            print(f"{mid:64} synthesis failed: twinreg: {te or 'ok'}; PeakRDL: {pe or 'ok'}")
            continue
        ratio = tw[0] / pr[0] if pr[0] else float("inf")
        if why == "external interface":
            excluded.append((mid, ratio))
        elif pr[0] and tw[0]:
            ratios.append((ratio, mid, tw, pr))
        print(f"{mid:64} {tw[0]:8} {pr[0]:8} {tw[1]:6} {pr[1]:6} {ratio:6.2f}  {why or ''}")
    if ratios:
        g = math.exp(sum(math.log(x[0]) for x in ratios) / len(ratios))
        worst = max(ratios)
        tot_tw = sum(x[2][0] for x in ratios)
        tot_pr = sum(x[3][0] for x in ratios)
        ff = math.exp(sum(math.log(max(x[2][1], 1) / max(x[3][1], 1)) for x in ratios) / len(ratios))
        print(f"\nmaps compared: {len(ratios)}; synthesis failed: {len(failed)}; left out (PeakRDL's block has an "
              f"external interface instead of the registers): {', '.join(f'{m} ({x:.2f})' for m, x in excluded) or 'none'}")
        print(f"cells twinreg/PeakRDL: geometric mean {g:.3f}; total {tot_tw}/{tot_pr} = {tot_tw / tot_pr:.3f}; "
              f"worst {worst[0]:.2f} ({worst[1]}: {worst[2][0]} vs {worst[3][0]} cells)")
        print(f"flip-flops twinreg/PeakRDL: geometric mean {ff:.3f}")
        print(f"maps above 1.2: {sum(1 for x in ratios if x[0] > 1.2)}; above 1.0: {sum(1 for x in ratios if x[0] > 1.0)}")


if __name__ == "__main__":
    main()
