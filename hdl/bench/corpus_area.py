#!/usr/bin/env python3
"""twinreg's RTL against PeakRDL-regblock's, in area, on every map of the shared
SystemRDL corpus that both generate.

For each corpus entry the reference compiler accepts: `twinreg generate` (APB4) and
`peakrdl regblock --cpuif apb4-flat`; both synthesised by the same yosys script as
hdl/bench/compare_peakrdl.sh (read as SystemVerilog, `synth -flatten`, no latch), and
the cells and flip-flops compared. Prints one row per map, the geometric mean of the
cell ratio twinreg / PeakRDL and the worst map. A benchmark, not a test: record its
summary in docs/performance.md.

Usage: hdl/bench/corpus_area.py TWINREG_BIN [CORPUS_DIR] [--jobs N] [--json OUT]
       (CORPUS_DIR default ../shared/rdl-corpus; PeakRDL from .venv/bin/peakrdl)
"""
import argparse, json, math, os, re, shutil, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEAKRDL = os.path.join(ROOT, ".venv/bin/peakrdl")


def run(cmd, cwd=None, timeout=300):
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        return -1, "timeout"


STRUCT_MEMBER = re.compile(r"^(\s*)(\w+(?:::\w+)?)((?:\s*\[[^\]]+\])*)\s+(\w+)\s*((?:\[\s*\d+\s*\])+)\s*;")


def packed(path):
    """PeakRDL-regblock's structs made packed (yosys 0.23 and Verilator 5.006 read only
    packed ones): `typedef struct {` -> `typedef struct packed {`, and an unpacked
    array member `T [w] x[n][m];` -> `T [n-1:0][m-1:0][w] x;` (same indexing); and
    `automatic` dropped from the variables declared in its `always_comb` blocks, which
    yosys 0.23 does not parse (each is assigned at the top of its block before any use,
    so a static variable computes the same logic)."""
    out, inside = [], False
    for line in open(path):
        line = re.sub(r"^(\s*)automatic\s+", r"\1", line)
        if re.search(r"\bstruct\s*\{", line):
            line = re.sub(r"\bstruct\s*\{", "struct packed {", line)
            inside = True
        elif inside and "}" in line:
            inside = False
        elif inside:
            m = STRUCT_MEMBER.match(line)
            if m:
                dims = "".join(f"[{int(n) - 1}:0]" for n in re.findall(r"\d+", m.group(5)))
                line = f"{m.group(1)}{m.group(2)} {dims}{m.group(3).strip()} {m.group(4)};\n"
        out.append(line)
    with open(path, "w") as f:
        f.writelines(out)


def synth(files, top, work, key):
    stat = os.path.join(work, key + ".stat")
    reads = " ".join(f"read_verilog -sv {f};" for f in files)
    script = (f"{reads} synth -flatten -top {top}; check -assert; "
              "select -assert-none t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH_* t:$_DLATCHSR_*; "
              f"tee -q -o {stat} stat")
    rc, out = run(["yosys", "-q", "-p", script])
    if rc != 0:
        return None, (re.findall(r"ERROR.*", out) or [out[-200:]])[0]
    text = open(stat).read()
    cells = int(re.findall(r"Number of cells:\s+(\d+)", text)[-1])
    ffs = sum(int(n) for n in re.findall(r"\$_\S*DFF\S*\s+(\d+)", text))
    return (cells, ffs), None


def one(e, tw, corpus, work):
    key = re.sub(r"[^\w]", "_", e["id"])
    d = os.path.join(work, key)
    os.makedirs(d, exist_ok=True)
    inc = []
    for i in e.get("incdirs") or []:
        inc += ["-I", os.path.join(corpus, i)]
    f = os.path.join(corpus, e["file"])
    rc, out = run([tw, "generate", f, "--out", d + "/tw", "--bus", "apb4"] + inc)
    if rc != 0:
        return {"id": e["id"], "skip": "twinreg: " + out.strip().splitlines()[0][:100] if out.strip() else "twinreg failed"}
    rc, out = run([PEAKRDL, "regblock", f, "-o", d + "/pr", "--cpuif", "apb4-flat"] + inc)
    if rc != 0:
        lines = [l for l in out.splitlines() if "error" in l.lower()] or out.splitlines() or ["?"]
        return {"id": e["id"], "skip": "PeakRDL: " + lines[0][:100]}
    rtl = sorted(os.listdir(d + "/tw/rtl"))
    top = next(n[:-len("_regs.v")] for n in rtl if n.endswith("_regs.v"))
    tw_files = [os.path.join(d, "tw/rtl", n) for n in (f"{top}_regs.v", f"{top}_apb4_slave.v", f"{top}_apb4.v")]
    pr = sorted(os.listdir(d + "/pr"))
    pr_files = [os.path.join(d, "pr", n) for n in pr if n.endswith("_pkg.sv")] + \
               [os.path.join(d, "pr", n) for n in pr if n.endswith(".sv") and not n.endswith("_pkg.sv")]
    for f in pr_files:
        packed(f)
    pr_top = next(n[:-3] for n in pr if n.endswith(".sv") and not n.endswith("_pkg.sv"))
    a, err = synth(tw_files, f"{top}_apb4", d, "tw")
    if a is None:
        return {"id": e["id"], "skip": "yosys on twinreg: " + err}
    b, err = synth(pr_files, pr_top, d, "pr")
    if b is None:
        return {"id": e["id"], "skip": "yosys on PeakRDL: " + err}
    shutil.rmtree(d, ignore_errors=True)
    return {"id": e["id"], "tw": a, "pr": b}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("twinreg")
    ap.add_argument("corpus", nargs="?", default=os.path.join(ROOT, "../shared/rdl-corpus"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json")
    a = ap.parse_args()
    tw = os.path.abspath(a.twinreg)
    corpus = os.path.abspath(a.corpus)
    entries = [e for e in json.load(open(os.path.join(corpus, "manifest.json")))["entries"]
               if e.get("reference_accepts")]
    work = tempfile.mkdtemp()
    try:
        with ThreadPoolExecutor(a.jobs) as ex:
            rows = list(ex.map(lambda e: one(e, tw, corpus, work), entries))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    both = [r for r in rows if "tw" in r]
    print(f"{'map':70} {'tw cells':>8} {'pr cells':>8} {'ratio':>6} {'tw FFs':>6} {'pr FFs':>6}")
    for r in sorted(both, key=lambda r: r["tw"][0] / r["pr"][0]):
        print(f"{r['id'][-70:]:70} {r['tw'][0]:8} {r['pr'][0]:8} {r['tw'][0] / r['pr'][0]:6.2f} {r['tw'][1]:6} {r['pr'][1]:6}")
    skipped = [r for r in rows if "skip" in r]
    twinreg_ok = [r for r in skipped if r["skip"].startswith("PeakRDL")]
    print(f"\n{len(both)} maps both generate and synthesise; {len(twinreg_ok)} twinreg generates but PeakRDL-regblock refuses; "
          f"{len(skipped) - len(twinreg_ok)} twinreg does not generate (or yosys failed)")
    for r in skipped:
        if not r["skip"].startswith("twinreg"):
            print(f"  skipped {r['id']}: {r['skip']}")
    if both:
        cr = [r["tw"][0] / r["pr"][0] for r in both]
        fr = [r["tw"][1] / r["pr"][1] for r in both if r["pr"][1] and r["tw"][1]]
        gm = math.exp(sum(map(math.log, cr)) / len(cr))
        gf = math.exp(sum(map(math.log, fr)) / len(fr)) if fr else float("nan")
        worst = max(both, key=lambda r: r["tw"][0] / r["pr"][0])
        print(f"cells twinreg/PeakRDL: geometric mean {gm:.3f}, worst {worst['tw'][0] / worst['pr'][0]:.2f} ({worst['id']}); "
              f"flip-flops: geometric mean {gf:.3f} (maps with flip-flops on both sides)")
    if a.json:
        json.dump(rows, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    sys.exit(main())
