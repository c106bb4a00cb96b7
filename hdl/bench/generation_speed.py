#!/usr/bin/env python3
"""Whole-process generation time: `twinreg generate` (every bus, C header, docs) against
`peakrdl regblock` (one bus, RTL only) on one map, each into a fresh directory,
median and minimum of N runs. A benchmark, not a test: record in docs/performance.md.

Usage: hdl/bench/generation_speed.py TWINREG_BIN FILE.rdl [-I DIR]... [--runs N]
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def timed(cmd, out, runs):
    times = []
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        times.append(time.perf_counter() - t)
        if p.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{p.stdout}{p.stderr}")
    return statistics.median(times), min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("twinreg")
    ap.add_argument("rdl")
    ap.add_argument("-I", action="append", default=[])
    ap.add_argument("--runs", type=int, default=10)
    a = ap.parse_args()
    inc = [x for d in a.I for x in ("-I", d)]
    work = tempfile.mkdtemp()
    try:
        tw = timed([a.twinreg, "generate", a.rdl, "--bus", "all", "--out", f"{work}/tw"] + inc, f"{work}/tw", a.runs)
        pr = timed([os.path.join(ROOT, ".venv/bin/peakrdl"), "regblock", a.rdl, "-o", f"{work}/pr",
                    "--cpuif", "apb4-flat"] + inc, f"{work}/pr", a.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"map: {a.rdl}")
    print(f"twinreg generate --bus all (RTL x5 buses, C header, C test, Markdown, HTML): median {tw[0]*1e3:.1f} ms, min {tw[1]*1e3:.1f} ms")
    print(f"peakrdl regblock --cpuif apb4-flat (RTL, one bus):                         median {pr[0]*1e3:.1f} ms, min {pr[1]*1e3:.1f} ms")
    print(f"PeakRDL / twinreg: {pr[0]/tw[0]:.1f}x (median), {pr[1]/tw[1]:.1f}x (min)")


if __name__ == "__main__":
    main()
