"""Shared by area.py and compare.py: the corpus maps that both twinreg and
peakrdl-regblock generate on APB4, generated once into a work directory.

The corpus (../shared/rdl-corpus, see its README) is read in place, never copied.
"""
import json
import re
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("TWINREG_RDL_CORPUS", ROOT.parent / "shared" / "rdl-corpus"))
PEAKRDL = ROOT / ".venv" / "bin" / "peakrdl"


def twinreg_bin():
    """The twinreg binary: $TWINREG_BIN, else the release build of this checkout."""
    env = os.environ.get("TWINREG_BIN")
    if env:
        return Path(env)
    subprocess.run(["cargo", "build", "--quiet", "--release", "--bin", "twinreg"], cwd=ROOT, check=True)
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "twinreg"


def entries(only=None):
    """Manifest entries the reference compiler accepts (error tests excluded)."""
    man = json.loads((CORPUS / "manifest.json").read_text())
    out = [e for e in man["entries"] if e["reference_accepts"] and e["class"] != "error-test"]
    if only:
        out = [e for e in out if any(o in e["id"] for o in only)]
    return out


def _args(e, inc_flag, def_flag):
    a = []
    for d in e.get("incdirs", []):
        a += [inc_flag, str(CORPUS / d)]
    for k, v in (e.get("defines") or {}).items():
        a += [def_flag, f"{k}={v}" if v not in (None, "") else k]
    return a


def generate(e, work, tw):
    """Generate both sides of entry `e` under work/<id>; return a dict describing them.

    Keys: id, ok (both generated), tw_error / pr_error (first line of a refusal),
    tw_dir, pr_dir, top (twinreg's name prefix), pr_module.
    """
    # ids hold ':' and '/'; make (under Verilator) cannot take ':' in a path
    d = Path(work) / "gen" / re.sub(r"\W", "_", e["id"])
    src = str(CORPUS / e["file"])
    res = {"id": e["id"], "file": e["file"], "ok": False, "tw_error": None, "pr_error": None}
    stamp = d / "done.json"
    if stamp.exists():
        return json.loads(stamp.read_text())
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    tw_dir, pr_dir = d / "tw", d / "pr"
    r = subprocess.run([str(tw), "generate", src, "--out", str(tw_dir), "--bus", "apb4"] + _args(e, "-I", "-D"),
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        res["tw_error"] = _first_error(r.stderr)
    if r.returncode != 0:
        # PeakRDL's side is only wanted where twinreg's exists (and PeakRDL can take
        # minutes on a map twinreg refuses)
        res["pr_error"] = "not run: twinreg refuses the map"
        stamp.write_text(json.dumps(res))
        return res
    try:
        r2 = subprocess.run([str(PEAKRDL), "regblock", src, "-o", str(pr_dir), "--cpuif", "apb4-flat",
                             "--module-name", "pr_top", "--package-name", "pr_top_pkg"] + _args(e, "-I", "-D"),
                            capture_output=True, text=True, timeout=120)
        if r2.returncode != 0:
            res["pr_error"] = _first_error(r2.stderr + r2.stdout)
    except subprocess.TimeoutExpired:
        res["pr_error"] = "peakrdl regblock did not finish in 120 s"
    if r.returncode == 0:
        regs = sorted((tw_dir / "rtl").glob("*_regs.v"))
        res["top"] = regs[0].name[: -len("_regs.v")] if regs else None
    res["tw_dir"], res["pr_dir"] = str(tw_dir), str(pr_dir)
    res["ok"] = res["tw_error"] is None and res["pr_error"] is None and res.get("top") is not None
    stamp.write_text(json.dumps(res))
    return res


def _first_error(text):
    for line in text.splitlines():
        if "error" in line.lower():
            return line.strip()[:200]
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[0][:200] if lines else "failed"


def generate_all(work, only=None, jobs=2):
    tw = twinreg_bin()
    es = entries(only)
    with ThreadPoolExecutor(jobs) as ex:
        return list(ex.map(lambda e: generate(e, work, tw), es))


if __name__ == "__main__":
    work = sys.argv[1] if len(sys.argv) > 1 else "/tmp/peakrdl-work"
    rs = generate_all(work)
    both = [r for r in rs if r["ok"]]
    print(f"{len(rs)} accepted entries; both generate: {len(both)}; "
          f"twinreg refuses {sum(1 for r in rs if r['tw_error'])}; PeakRDL refuses {sum(1 for r in rs if r['pr_error'])}")


def packed_package(pkg_text):
    """PeakRDL-regblock's hwif structs made packed (a textual rewrite, same meaning for
    synthesis and simulation): yosys 0.23 and Verilator 5.006 read only packed structs.
    An unpacked array member `T name [N];` becomes the packed `T [0:N-1] name;`."""
    import re
    s = re.sub(r"\bstruct\s*\{", "struct packed {", pkg_text)

    def packed_dims(m):
        dims = "".join(f"[0:{int(n) - 1}]" for n in re.findall(r"\d+", m.group(4)))
        return f"{m.group(1)}{m.group(2)} {dims} {m.group(3)};"
    s = re.sub(r"^(\s+)(\w+)\s+(\w+)((?:\[\d+\])+);", packed_dims, s, flags=re.M)
    # yosys 0.23 takes block-local variables only in named blocks and without `automatic`
    counter = iter(range(1 << 30))
    s = re.sub(r"\b(always_comb|always_ff\s*@\([^)]*\))\s+begin\b(?!\s*:)",
               lambda m: f"{m.group(1)} begin : pr_blk_{next(counter)}", s)
    s = re.sub(r"\bautomatic\s+", "", s)
    # an anonymous struct member: `} name[4];`
    return re.sub(r"^(\s+\})\s*(\w+)((?:\[\d+\])+);",
                  lambda m: m.group(1) + " " + "".join(f"[0:{int(n) - 1}]" for n in re.findall(r"\d+", m.group(3)))
                  + f" {m.group(2)};", s, flags=re.M)


def prepared_peakrdl(r):
    """Paths of PeakRDL's package (packed) and module for generated entry `r`."""
    pr = Path(r["pr_dir"])
    out = []
    for name in ("pr_top_pkg", "pr_top"):
        packed = pr / f"{name}_packed.sv"
        if not (pr / f"{name}.sv").exists():
            continue
        if not packed.exists():
            packed.write_text(packed_package((pr / f"{name}.sv").read_text()))
        out.append(packed)
    return out


def twinreg_files(r):
    rtl = Path(r["tw_dir"]) / "rtl"
    t = r["top"]
    return [rtl / f"{t}_regs.v", rtl / f"{t}_apb4_slave.v", rtl / f"{t}_apb4.v"]
