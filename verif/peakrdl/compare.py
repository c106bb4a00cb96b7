#!/usr/bin/env python3
"""Side-by-side simulation, twinreg's APB4 RTL against peakrdl-regblock's, for every map
of ../shared/rdl-corpus that both generate: the same random, weighted APB4 traffic
(45 % writes, 10 % of accesses anywhere in the map, the rest on register words; random
write data, now and then partial strobes) into both blocks in one Verilator model,
comparing every read. Hardware-side inputs are held at 0 (bus-only comparison; see
docs/peakrdl-comparison.md for what is not compared yet).

Usage: verif/peakrdl/compare.py [--work DIR] [--only TEXT ...] [--transactions N]
                                [--budget-seconds S] [--seed N] [--jobs N]
Exit: 0 no mismatch; 1 a mismatch; 77 SKIP (a tool is missing; exit 1 instead with
TWINREG_REQUIRE_TOOLS=1).
Env:  TWINREG_BIN (default: cargo's release build), TWINREG_RDL_CORPUS
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

HERE = Path(__file__).resolve().parent


def ports(verilog, module):
    """[(direction, width, name)] of `module`'s ANSI port list."""
    text = Path(verilog).read_text()
    m = re.search(r"\bmodule\s+" + re.escape(module) + r"\s*(?:#\s*\(.*?\))?\s*\((.*?)\);", text, re.S)
    out = []
    for d, rng, name in re.findall(r"\b(input|output)\s+(?:wire|logic|reg)?\s*(\[[^\]]+\])?\s*(\w+)", m.group(1)):
        w = 1
        if rng:
            hi, lo = rng[1:-1].split(":")
            w = abs(int(hi) - int(lo)) + 1
        out.append((d, w, name))
    return out


OUTPUT_MEMBERS = {"swmod", "swacc", "anded", "ored", "xored", "overflow", "underflow",
                  "incrthreshold", "decrthreshold", "incrsaturate", "decrsaturate"}


def hw_ports(verilog, top):
    """Hardware-side ports of twinreg's top with PeakRDL's hwif name of each:
    [(direction, width, port, peakrdl_member)]. The register path comes from the comment
    twinreg writes above every register's ports (`// top.a[1].r @ 0x..`), the field from the
    field comment (`//   r.f [..]`); the port suffix says which member it is."""
    out = []
    reg = field = None
    for line in Path(verilog).read_text().splitlines():
        m = re.match(r"\s*//\s+(\S+)\s+@\s+0x", line)
        if m:
            reg = m.group(1).split(".", 1)[1] if "." in m.group(1) else None
            continue
        m = re.match(r"\s*//\s+\S+\.(\w+)\s+\[", line)
        if m:
            field = m.group(1)
            continue
        m = re.match(r"\s*(input|output)\s+wire\s*(\[(\d+):(\d+)\])?\s*(\w+)", line)
        if not m or reg is None or field is None:
            continue
        d, w, name = m.group(1), (int(m.group(3)) - int(m.group(4)) + 1) if m.group(2) else 1, m.group(5)
        base = f"{reg}.{field}"
        suffix = name.rsplit("_", 1)[-1]
        if d == "output":
            # the field's strobes and flags carry their property's name on both sides
            member = f"hwif_out.{base}." + (suffix if suffix in OUTPUT_MEMBERS and name.endswith(f"{field}_{suffix}") else "value")
        else:
            member = {"in": f"hwif_in.{base}.next", "next": f"hwif_in.{base}.next",
                      "we": f"hwif_in.{base}.we", "wel": f"hwif_in.{base}.wel",
                      "hwset": f"hwif_in.{base}.hwset", "hwclr": f"hwif_in.{base}.hwclr"}.get(suffix)
        out.append((d, w, name, member))
    return out


def wrapper(r, hw=True):
    """cmp_top: both blocks on the same clock, reset and APB4 request wires."""
    tw_top = f"{r['top']}_apb4"
    tw_ports = ports(corpus.twinreg_files(r)[2], tw_top)
    pr_text = (Path(r["pr_dir"]) / "pr_top.sv").read_text()
    pr_aw = int(re.search(r"input wire \[(\d+):0\] s_apb_paddr", pr_text).group(1)) + 1 \
        if re.search(r"input wire \[(\d+):0\] s_apb_paddr", pr_text) else 1
    conns = []
    hw_map = {name: (d, w, member) for d, w, name, member in
              hw_ports(corpus.twinreg_files(r)[2], tw_top)} if hw else {}
    decls, checks, pr_extra = [], [], []
    n_in = 0
    for d, w, name in tw_ports:
        if name in hw_map and hw_map[name][2]:
            member = hw_map[name][2]
            if d == "input":
                # the same pseudo-random hardware input into both sides, new every cycle
                n_in += 1
                k = 2 * n_in + 1
                reps = (w + 31) // 32
                decls.append(f"    wire [{32 * reps - 1}:0] hw_{name} = {{{reps}{{hw_seed * 32'd{(k * 2654435761) & 0xffffffff} ^ (hw_seed >> {k % 13 + 3})}}}};")
                conns.append(f".{name}(hw_{name}[{w - 1}:0])")
                pr_extra.append(f"        hwif_in_v.{member[len('hwif_in.'):]} = hw_{name}[{w - 1}:0];")
            else:
                decls.append(f"    wire [{w - 1}:0] tw_{name};")
                conns.append(f".{name}(tw_{name})")
                checks.append((name, member, w))
            continue
        if name in ("clk", "rst"):
            conns.append(f".{name}({name})")
        elif name == "paddr":
            conns.append(f".paddr(paddr[{w - 1}:0])")
        elif name in ("psel", "penable", "pwrite", "pwdata", "pstrb"):
            conns.append(f".{name}({name})")
        elif name == "pprot":
            conns.append(".pprot(3'b000)")
        elif name == "prdata":
            conns.append(".prdata(tw_prdata)")
        elif name == "pready":
            conns.append(".pready(tw_pready)")
        elif d == "input":
            conns.append(f".{name}({w}'d0)")   # hardware-side inputs idle
        else:
            conns.append(f".{name}()")
    pr_conns = [".clk(clk)", ".rst(rst)", ".s_apb_psel(psel)", ".s_apb_penable(penable)",
                ".s_apb_pwrite(pwrite)", ".s_apb_pprot(3'b000)", f".s_apb_paddr(paddr[{pr_aw - 1}:0])",
                ".s_apb_pwdata(pwdata)", ".s_apb_pstrb(pstrb)", ".s_apb_pready(pr_pready)",
                ".s_apb_prdata(pr_prdata)", ".s_apb_pslverr()"]
    pkg = re.search(r"input\s+pr_top_pkg::(\w+)\s+hwif_in", pr_text)
    pkg_out = re.search(r"output\s+pr_top_pkg::(\w+)\s+hwif_out", pr_text)
    if pkg:
        decls.append(f"    pr_top_pkg::{pkg.group(1)} hwif_in_v;")
        decls.append("    always_comb begin\n        hwif_in_v = '0;\n" + "\n".join(pr_extra) + "\n    end")
        pr_conns.append(".hwif_in(hwif_in_v)")
    if pkg_out:
        decls.append(f"    pr_top_pkg::{pkg_out.group(1)} hwif_out_v;")
        pr_conns.append(".hwif_out(hwif_out_v)")
    else:
        checks = []
    # PeakRDL types every field's hwif member from the field's component definition, so
    # fields declared together (`field {} f[W], f2[W + 1];`) all get the first one's width
    # and the wider ones lose their top bits in PeakRDL's block. The harness reports every
    # member whose width is not the field's; such a map is not comparable (PeakRDL is
    # wrong: SystemRDL 2.0 9.2 gives each instance its own width; docs/peakrdl-comparison.md).
    sized = [(name, member.replace("hwif_in.", "hwif_in_v.").replace("hwif_out.", "hwif_out_v."), w)
             for name, (d, w, member) in hw_map.items() if member
             and (pkg if d == "input" else pkg_out)]
    if sized:
        decls.append("    initial begin\n" + "\n".join(
            f'        if ($bits({m}) != {w}) $display("PEAKRDL_WIDTH {n} %0d {w}", $bits({m}));'
            for n, m, w in sized) + "\n    end")
    # hw_diff: index (1-based) of the first hardware output that differs, 0 when all agree
    diff = "0"
    for i, (name, member, w) in reversed(list(enumerate(checks))):
        diff = f"(tw_{name} != {member.replace('hwif_out.', 'hwif_out_v.')}) ? 16'd{i + 1} : {diff}"
    decls.append(f"    assign hw_diff = {diff};")
    return [c[0] for c in checks], f"""// generated by verif/peakrdl/compare.py
module cmp_top (
    input wire clk, input wire rst,
    input wire psel, input wire penable, input wire pwrite,
    input wire [31:0] paddr, input wire [31:0] pwdata, input wire [3:0] pstrb,
    output wire [31:0] tw_prdata, output wire tw_pready,
    output logic [31:0] pr_prdata, output logic pr_pready,
    input wire [31:0] hw_seed, output wire [15:0] hw_diff
);
{chr(10).join(decls)}
    {tw_top} u_tw ({', '.join(conns)});
    pr_top u_pr ({', '.join(pr_conns)});
endmodule
"""


def words(r, tw):
    """(map byte size, [(address, register path)]) from `twinreg dump --json`."""
    e = next(x for x in corpus.entries() if x["id"] == r["id"])
    out = subprocess.run([str(tw), "dump", str(corpus.CORPUS / e["file"]), "--json"] + corpus._args(e, "-I", "-D"),
                         capture_output=True, text=True, check=True).stdout
    regs = json.loads(out)["registers"]
    ws = []
    for g in regs:
        for k in range(max(1, g["width"] // 32)):
            ws.append((g["address"] + 4 * k, g["path"]))
    size = max((a + 4 for a, _ in ws), default=0)
    return size, ws


def build(r, d, hw=True):
    """Verilate cmp_top + the harness into d/obj/Vcmp_top; return (binary, hw outputs, error)."""
    d.mkdir(parents=True, exist_ok=True)
    checks, text = wrapper(r, hw)
    (d / "cmp_top.sv").write_text(text)
    # the package before every file that names it
    files = [str(f) for f in corpus.prepared_peakrdl(r)] + [str(f) for f in corpus.twinreg_files(r)]
    cmd = ["verilator", "--cc", "--exe", "--build", "-j", "1", "-Wno-fatal", "-Wno-lint", "-Wno-style",
           "--top-module", "cmp_top", "-Mdir", str(d / "obj"),
           # compile time dominates (a few thousand cycles per map): no C++ optimisation
           "-CFLAGS", "-O0", "-MAKEFLAGS", "OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0",
           str(HERE / "harness.cpp")] + files + [str(d / "cmp_top.sv")]
    b = subprocess.run(cmd, capture_output=True, text=True)
    if b.returncode != 0:
        err = next((l for l in b.stderr.splitlines() if "%Error" in l), b.stderr[-200:])
        return None, checks, err.strip()[:200]
    return d / "obj" / "Vcmp_top", checks, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", default=None)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--transactions", type=int, default=2000, help="APB transactions per map")
    ap.add_argument("--budget-seconds", type=float, default=None,
                    help="stop starting new maps after this many seconds (CI)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--full-strobes", action="store_true",
                    help="every write with all byte strobes (leaves out the known strobe/precedence difference)")
    a = ap.parse_args()
    require = os.environ.get("TWINREG_REQUIRE_TOOLS") == "1"
    missing = [t for t in ("verilator", str(corpus.PEAKRDL)) if not shutil.which(t)]
    if not corpus.CORPUS.joinpath("manifest.json").exists():
        missing.append(str(corpus.CORPUS))
    if missing:
        print(f"SKIP peakrdl-compare: missing {', '.join(missing)}")
        sys.exit(1 if require else 77)
    t0 = time.time()
    work = Path(a.work or tempfile.mkdtemp(prefix="peakrdl-cmp-"))
    print(f"work directory: {work}")
    tw = corpus.twinreg_bin()
    gens = corpus.generate_all(work, a.only, a.jobs)
    both = [r for r in gens if r["ok"]]
    print(f"{len(gens)} corpus entries the reference accepts; both generate APB4: {len(both)}")
    tot_reads = tot_mism = maps_done = 0
    build_fail = []
    bad_maps = []
    started = []

    def one(r):
        # the budget stops new maps, never the first (a run that compares nothing fails)
        if started and a.budget_seconds is not None and time.time() - t0 > a.budget_seconds:
            return r, "budget", None, None
        started.append(r["id"])
        d = work / "sim" / re.sub(r"\W", "_", r["id"])
        width = re.search(r"PR_TOP_DATA_WIDTH = (\d+)", (Path(r["pr_dir"]) / "pr_top_pkg.sv").read_text()) \
            if (Path(r["pr_dir"]) / "pr_top_pkg.sv").exists() else None
        if width and width.group(1) != "32":
            return r, "width", f"PeakRDL's bus is {width.group(1)} bits wide (the map's widest register)", None
        if re.search(r"\bexternal_pending\b", (Path(r["pr_dir"]) / "pr_top.sv").read_text()):
            # PeakRDL-regblock makes every `external` component and every nested addrmap an
            # external request/acknowledge interface; this harness does not answer it.
            return r, "width", "PeakRDL's block has an external interface (external component or nested addrmap)", None
        size, ws = words(r, tw)
        exe, checks, err = build(r, d)
        hw_note = ""
        if exe is None:
            # the hardware-side mapping did not fit PeakRDL's hwif: compare the bus side alone
            hw_note = f"hardware side not compared ({err})"
            exe, checks, err = build(r, d / "bus", hw=False)
        if exe is None:
            return r, "build", err, None
        (d / "words.txt").write_text(f"{size}\n" + "".join(f"{x}\n" for x, _ in ws))
        run = subprocess.run([str(exe), str(d / "words.txt"), str(a.seed), str(a.transactions),
                              "0" if a.full_strobes else "1"],
                             capture_output=True, text=True, timeout=600)
        narrow = re.findall(r"PEAKRDL_WIDTH (\w+) (\d+) (\d+)", run.stdout)
        if narrow:
            return r, "width", "PeakRDL's hwif gives " + ", ".join(
                f"{n} {pw} bits (the field has {w})" for n, pw, w in narrow[:3]) + \
                " (fields declared together share the first one's hwif type)", None
        return r, "run", run, (ws, checks, hw_note)

    skipped = 0
    not_comparable = []
    tot_hw = tot_hw_cycles = 0
    with ThreadPoolExecutor(a.jobs) as ex:
        for r, kind, run, ws in ex.map(one, both):
            if kind == "budget":
                skipped += 1
                continue
            if kind == "width":
                not_comparable.append((r["id"], run))
                continue
            if kind == "build":
                build_fail.append((r["id"], run))
                print(f"{r['id']}: does not build: {run}")
                continue
            ws, checks, hw_note = ws
            names = dict(ws)
            summ = re.search(r"SUMMARY reads=(\d+) writes=(\d+) mismatches=(\d+) protocol=(\d+)", run.stdout)
            if not summ:
                build_fail.append((r["id"], "harness crashed: " + run.stderr[-200:]))
                continue
            reads, mism, proto = int(summ.group(1)), int(summ.group(3)), int(summ.group(4))
            hw = int(re.search(r"hw_mismatches=(\d+)", run.stdout).group(1))
            cycles = int(re.search(r"cycles=(\d+)", run.stdout).group(1))
            tot_reads += reads
            tot_mism += mism + proto + hw
            tot_hw += hw
            if checks:
                tot_hw_cycles += cycles
            maps_done += 1
            print(f"{r['id']}: {len(names)} words, {reads} reads, {mism} read mismatches, {proto} protocol "
                  f"differences; {len(checks)} hardware outputs compared every cycle, {hw} cycles differ"
                  + (f"; {hw_note}" if hw_note else ""), flush=True)
            if mism or proto or hw:
                bad_maps.append(r["id"])
                for line in run.stdout.splitlines():
                    m = re.search(r"addr=0x([0-9a-f]+)", line)
                    if line.startswith(("MISMATCH", "PROTOCOL")) and m:
                        print(f"    {line} register={names.get(int(m.group(1), 16), '(unmapped)')}")
                    h = re.search(r"HW cycle=(\d+) index=(\d+)", line)
                    if h:
                        print(f"    hardware output {checks[int(h.group(2)) - 1]} differs at cycle {h.group(1)}")
    if skipped:
        print(f"budget of {a.budget_seconds:.0f} s spent: {skipped} maps not run")
    print(f"\npeakrdl-compare: {maps_done} maps simulated, {tot_reads} reads, {tot_hw_cycles} cycles with hardware "
          f"outputs compared, {tot_mism} mismatches ({tot_hw} of them hardware-side cycles; {len(bad_maps)} maps), "
          f"{len(build_fail)} maps do not build, {len(not_comparable)} not comparable; {time.time() - t0:.0f} s")
    for mid, why in not_comparable:
        print(f"  not comparable: {mid}: {why}")
    for mid, err in build_fail:
        print(f"  not built: {mid}: {err}")
    # A map PeakRDL's side cannot be built for is reported, not a failure (it says nothing
    # about twinreg); a run that compared nothing is one.
    sys.exit(1 if tot_mism or maps_done == 0 else 0)


if __name__ == "__main__":
    main()
