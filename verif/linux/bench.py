#!/usr/bin/python3
"""DMA throughput through each SMMU in the booted Linux guest (a benchmark, not a test).

Boots the same guest as linux_boot.py with only the NVMe disk, and in the guest reads
`--mib` MiB with O_DIRECT (busybox dd) in 4 KiB and in 1 MiB blocks. The SMMUs take
turns (twinreg's, QEMU's own, twinreg's, ...) so that machine load drifts hit both
alike; each figure is the median of `--rounds` runs, timed by the guest's clock
(/proc/uptime around dd). A last, untimed run per SMMU counts the work: translations,
IOTLB hits/misses and commands (twinreg's from its stats file, QEMU's own from its
trace events, which would slow the timed runs). Prints a table and the ratio
twinreg / QEMU (>= 1.0: twinreg's device is at least as fast).

    verif/linux/bench.py [--qemu PATH] [--rounds 3] [--mib 256]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import linux_boot as lb  # noqa: E402


def one_run(qemu: str, smmu: lb.Smmu, guest: lb.Guest, work: Path, mib: int, mib4k: int, tag: str, trace: bool,
            timeout: float) -> tuple[dict[str, float], float | None, float | None, dict[str, int]]:
    disks = lb.make_disks(work, ["nvme0n1"], max(mib, mib4k) + 16)
    vm = lb.Vm(qemu, smmu, guest, work, tag,
               f"twinreg.mode=bench twinreg.disks=nvme0n1 twinreg.benchmib={mib} twinreg.bench4kmib={mib4k}",
               disks, trace=trace)
    try:
        console = vm.wait_for("TWINREG-DONE", timeout)
        vm.wait_exit(30)
    finally:
        vm.kill()
    fails = lb.markers(console, "TWINREG-FAIL")
    if fails:
        raise lb.Fail(f"{smmu.name}: {fails}")
    if lb.kernel_events(console):
        raise lb.Fail(f"{smmu.name}: SMMU events during the benchmark: {lb.kernel_events(console)[:3]}")
    rates = {}
    for m in re.finditer(r"TWINREG-BENCH nvme0n1 bs=(\S+) mib=(\d+) t0=([0-9.]+) t1=([0-9.]+)", console):
        secs = float(m.group(4)) - float(m.group(3))
        rates[m.group(1)] = int(m.group(2)) / secs if secs > 0 else float("inf")
    if set(rates) != {"4k", "1M"}:
        raise lb.Fail(f"{smmu.name}: benchmark markers missing\n{vm.tail()}")
    up = re.search(r"TWINREG-INIT uptime=([0-9.]+)", console)
    if vm.cpu_at_init is not None and vm.cpu_last is not None:
        rates["cpu"] = vm.cpu_last - vm.cpu_at_init
    return rates, vm.init_seen, float(up.group(1)) if up else None, vm.stats()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--qemu")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--mib", type=int, default=256, help="MiB read in 1 MiB blocks per timed run")
    ap.add_argument("--mib-4k", type=int, default=256, help="MiB read in 4 KiB blocks per timed run")
    ap.add_argument("--count-mib", type=int, default=64,
                    help="MiB read by the untimed counting run (QEMU's trace log grows with it)")
    ap.add_argument("--only", help="comma-separated SMMU names")
    ap.add_argument("--timeout", type=float, default=900)
    args = ap.parse_args()
    args.work = None
    try:
        guest = lb.prepare_guest()
        qemu = lb.find_qemu(args)
    except (lb.Skip, lb.Fail) as e:
        print(f"bench: cannot run: {e}")
        return 1
    sm = lb.smmus()
    if args.only:
        sm = [s for s in sm if s.name in args.only.split(",")]
    work = Path(tempfile.mkdtemp(prefix="twinreg-linux-bench-"))
    rates: dict[str, dict[str, list[float]]] = {s.name: {"4k": [], "1M": [], "cpu": []} for s in sm}
    init_wall: dict[str, list[float]] = {s.name: [] for s in sm}
    init_guest: dict[str, list[float]] = {s.name: [] for s in sm}
    counts: dict[str, dict[str, int]] = {}
    lb.log(f"QEMU {qemu}; {args.rounds} rounds, alternating {[s.name for s in sm]}")
    try:
        for r in range(args.rounds):
            for s in sm:
                rt, iw, ig, _ = one_run(qemu, s, guest, work, args.mib, args.mib_4k, f"{s.name}-bench{r}", False,
                                        args.timeout)
                for k, v in rt.items():
                    rates[s.name][k].append(v)
                if iw is not None:
                    init_wall[s.name].append(iw)
                if ig is not None:
                    init_guest[s.name].append(ig)
                lb.log(f"round {r + 1}: {s.name}: 4 KiB {rt['4k']:.1f} MiB/s, 1 MiB {rt['1M']:.1f} MiB/s, "
                       f"QEMU CPU from /init to the end {rt.get('cpu', float('nan')):.2f} s")
        for s in sm:
            _, _, _, st = one_run(qemu, s, guest, work, args.count_mib, args.count_mib, f"{s.name}-count", True,
                                  args.timeout)
            counts[s.name] = st
    except lb.Fail as e:
        print(f"bench: FAIL: {e}")
        return 1
    names = [s.name for s in sm]
    med = {n: {k: statistics.median(v) for k, v in rates[n].items()} for n in names}
    print(f"\nO_DIRECT reads from the NVMe disk ({args.mib_4k} MiB in 4 KiB blocks, {args.mib} MiB in 1 MiB blocks), "
          f"median of {args.rounds} alternating runs (MiB/s)")
    print(f"{'':32}" + "".join(f"{n:>18}" for n in names))
    for k, label in (("4k", "4 KiB blocks"), ("1M", "1 MiB blocks")):
        print(f"{label:32}" + "".join(f"{med[n][k]:>18.1f}" for n in names))
    if all(rates[n]["cpu"] for n in names):
        print(f"{'QEMU CPU s, /init to end':32}" + "".join(f"{med[n]['cpu']:>18.2f}" for n in names))
    print(f"{'wall to /init (s, median)':32}" + "".join(f"{statistics.median(init_wall[n]) if init_wall[n] else 0:>18.2f}" for n in names))
    print(f"{'guest uptime at /init (s)':32}" + "".join(f"{statistics.median(init_guest[n]) if init_guest[n] else 0:>18.2f}" for n in names))
    print(f"work counted in one boot reading {args.count_mib} MiB in 4 KiB and {args.count_mib} MiB in 1 MiB blocks:")
    keys: list[str] = []
    for n in names:
        keys += [k for k in counts[n] if k not in keys]
    for k in keys:
        print(f"{'count: ' + k:32}" + "".join(f"{counts[n].get(k, '-'):>18}" for n in names))
    base = next((s.name for s in sm if s.baseline), None)
    if base:
        for s in sm:
            if not s.baseline:
                print(f"ratio {s.name} / {base}: 4 KiB {med[s.name]['4k'] / med[base]['4k']:.3f}, "
                      f"1 MiB {med[s.name]['1M'] / med[base]['1M']:.3f}"
                      + (f", QEMU CPU time {base} / {s.name} {med[base]['cpu'] / med[s.name]['cpu']:.3f}"
                         if med[s.name].get("cpu") and med[base].get("cpu") else ""))
    for p in work.iterdir():
        p.unlink()
    work.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
