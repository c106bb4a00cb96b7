#!/usr/bin/python3
"""The real client: Debian's arm64 Linux drives twinreg's SMMUv3 inside QEMU's `virt`.

Host half of the Linux test (the guest half is init.sh next to this file). It fetches
Debian's arm64 kernel and busybox-static by package name (cached outside the checkout),
builds an initramfs, boots QEMU with each SMMU under test (twinreg's device in its default
and qemu-7.2 configurations, and QEMU's own SMMUv3 as the baseline), and fails unless
arm-smmu-v3 probed, both disks sit in IOMMU DMA domains, every byte moved by DMA matches
in the guest and in the disk images, and no SMMU event was raised. It also faults for
real (an unmapped DMA from the edu test device must raise an event that Linux logs and
the SMMU counts), migrates a running guest to a file and back between two DMA phases,
and (`bench`) measures DMA throughput of each SMMU.

Standard library only; never reads stdin; every QEMU run has a timeout. Exit status:
0 pass (or SKIP when a tool is missing and TWINREG_REQUIRE_TOOLS is unset), 1 FAIL.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MIB = 1 << 20

# Modules the guest loads (with their dependencies): the disks' drivers, and pci-stub,
# which the fault test binds to the edu device to give it a DMA domain.
GUEST_MODULES = ["virtio_pci", "virtio_blk", "nvme", "pci_stub"]

# Where the disks' PCI functions sit on `virt`'s root bus: slot 1 and 2 give
# StreamIDs 0x8 and 0x10 (RID = bus << 8 | devfn); the edu device gets slot 3.
DISK_SLOTS = {"vda": 1, "nvme0n1": 2}
EDU_SLOT = 3


class Skip(Exception):
    """A tool the test needs is missing."""


class Fail(Exception):
    """The test ran and something was wrong."""


def log(msg: str) -> None:
    print(f"linux-boot: {msg}", flush=True)


def run(cmd: list[str], timeout: float = 600, **kw) -> subprocess.CompletedProcess:
    """Runs a host command with no stdin and a timeout; its failure is a Fail with its output."""
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired as e:
        raise Fail(f"`{' '.join(cmd)}` timed out after {timeout:.0f} s") from e
    except FileNotFoundError as e:
        raise Skip(f"`{cmd[0]}` not found") from e
    if p.returncode != 0:
        raise Fail(f"`{' '.join(cmd)}` exited {p.returncode}:\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
    return p


def cache_root() -> Path:
    env = os.environ.get("TWINREG_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "twinreg"


# ---------------------------------------------------------------- Debian packages


def apt_prefix() -> list[str]:
    timeout = os.environ.get("TWINREG_APT_LOCK_TIMEOUT", "300")
    cmd = ["apt-get", "-y", "-q", "-o", f"DPkg::Lock::Timeout={timeout}"]
    if os.geteuid() != 0:
        cmd = ["sudo", "-n"] + cmd
    return cmd


def ensure_arm64_arch() -> None:
    """Adds arm64 to dpkg's architectures (and refreshes the index) when it is missing."""
    foreign = run(["dpkg", "--print-foreign-architectures"]).stdout.split()
    if "arm64" in foreign:
        return
    if os.geteuid() != 0 and subprocess.run(["sudo", "-n", "true"], stdin=subprocess.DEVNULL,
                                            capture_output=True).returncode != 0:
        raise Skip("dpkg lacks the arm64 architecture and adding it needs root or passwordless sudo: "
                   "run `sudo dpkg --add-architecture arm64 && sudo apt-get update` once")
    log("adding the arm64 architecture to dpkg (for the guest's kernel and busybox)")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    run(sudo + ["dpkg", "--add-architecture", "arm64"])
    run(apt_prefix() + ["update"], timeout=900)


def kernel_package() -> str:
    """The versioned kernel package Debian's `linux-image-arm64` metapackage points at."""
    out = run(["apt-cache", "depends", "linux-image-arm64:arm64"]).stdout
    m = re.search(r"Depends: (linux-image-[0-9][^\s:]*-arm64)", out)
    if not m:
        raise Fail(f"`apt-cache depends linux-image-arm64:arm64` names no kernel package:\n{out}")
    return m.group(1)


def download(pkg: str, dest: Path) -> Path:
    """`apt-get download` of one package into dest; returns the .deb (reused when cached)."""
    dest.mkdir(parents=True, exist_ok=True)
    stem = pkg.split(":")[0]
    debs = sorted(dest.glob(f"{stem}_*.deb"))
    if debs:
        return debs[-1]
    log(f"downloading {pkg}")
    try:
        run(["apt-get", "download", pkg], cwd=dest, timeout=900)
    except Fail:
        # A stale index is the usual cause: refresh once and retry; a second failure
        # (no network, no such package) means the guest cannot be had here.
        try:
            run(apt_prefix() + ["update"], timeout=900)
            run(["apt-get", "download", pkg], cwd=dest, timeout=900)
        except Fail as e:
            raise Skip(f"cannot download {pkg}: {e}") from e
    debs = sorted(dest.glob(f"{stem}_*.deb"))
    if not debs:
        raise Fail(f"apt-get download {pkg} left no .deb in {dest}")
    return debs[-1]


def extract(deb: Path, into: Path) -> Path:
    stamp = into / ".extracted"
    if not stamp.exists():
        if into.exists():
            shutil.rmtree(into)
        into.mkdir(parents=True)
        run(["dpkg-deb", "-x", str(deb), str(into)])
        stamp.write_text(deb.name)
    return into


# ---------------------------------------------------------------- kernel modules


def modinfo(ko: Path) -> dict[str, str]:
    """The key=value strings of a module's ELF `.modinfo` section (ELF64 little-endian)."""
    data = ko.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise Fail(f"{ko}: not an ELF64 little-endian module")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize) for i in range(shnum)]
    strtab_off = sections[shstrndx][4]
    for name_off, _type, _flags, _addr, off, size in sections:
        end = data.index(b"\0", strtab_off + name_off)
        if data[strtab_off + name_off:end] == b".modinfo":
            info = {}
            for item in data[off:off + size].split(b"\0"):
                k, sep, v = item.decode("utf-8", "replace").partition("=")
                if sep:
                    info.setdefault(k, v)
            return info
    raise Fail(f"{ko}: no .modinfo section")


def resolve_modules(moddir: Path, wanted: list[str]) -> list[tuple[str, Path]]:
    """The modules to insmod, dependencies first, from each module's `depends=`.

    Debian's kernel package has no modules.dep (depmod runs at install time), so the
    order comes from the modules themselves. Built-in dependencies are skipped."""
    def norm(s: str) -> str:
        return s.replace("-", "_")

    index = {norm(p.name[:-3]): p for p in moddir.rglob("*.ko")}
    builtin = set()
    bfile = moddir / "modules.builtin"
    if bfile.exists():
        builtin = {norm(Path(line).name.removesuffix(".ko")) for line in bfile.read_text().split()}
    order: list[tuple[str, Path]] = []
    state: dict[str, str] = {}

    def visit(name: str, chain: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise Fail(f"module dependency cycle: {' -> '.join(chain + [name])}")
        if name not in index:
            if name in builtin:
                state[name] = "done"
                return
            raise Fail(f"module {name} not found under {moddir} (needed by {' -> '.join(chain) or 'the test'})")
        state[name] = "visiting"
        deps = [norm(d) for d in modinfo(index[name]).get("depends", "").split(",") if d]
        for d in deps:
            visit(d, chain + [name])
        state[name] = "done"
        order.append((name, index[name]))

    for w in wanted:
        visit(norm(w), [])
    return order


# ---------------------------------------------------------------- initramfs


class Cpio:
    """A writer of the `newc` cpio format the kernel unpacks as initramfs."""

    def __init__(self) -> None:
        self.buf = io.BytesIO()
        self.ino = 1

    def _entry(self, name: str, mode: int, data: bytes = b"", rdev: tuple[int, int] = (0, 0)) -> None:
        nameb = name.encode() + b"\0"
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(nameb), 0]
        self.ino += 1
        self.buf.write(b"070701" + b"".join(b"%08X" % f for f in fields))
        self.buf.write(nameb)
        self.buf.write(b"\0" * (-(110 + len(nameb)) % 4))
        self.buf.write(data)
        self.buf.write(b"\0" * (-len(data) % 4))

    def dir(self, name: str) -> None:
        self._entry(name, stat.S_IFDIR | 0o755)

    def file(self, name: str, data: bytes, mode: int = 0o644) -> None:
        self._entry(name, stat.S_IFREG | mode, data)

    def symlink(self, name: str, target: str) -> None:
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name: str, major: int, minor: int) -> None:
        self._entry(name, stat.S_IFCHR | 0o600, rdev=(major, minor))

    def finish(self) -> bytes:
        self._entry("TRAILER!!!", 0)
        return self.buf.getvalue()


def pattern(name: str, size: int = MIB) -> bytes:
    """Deterministic, incompressible test data named by `name` (SHA-256 in counter mode)."""
    out = bytearray()
    i = 0
    while len(out) < size:
        out += hashlib.sha256(f"twinreg-linux:{name}:{i}".encode()).digest()
        i += 1
    return bytes(out[:size])


PATTERN_NAMES = [f"{kind}-{d}" for kind in ("host", "guest", "second") for d in DISK_SLOTS]


@dataclass
class Guest:
    kernel: Path
    initrd: Path
    kver: str
    description: str


def prepare_guest() -> Guest:
    """Fetches (or reuses) the kernel and busybox and builds (or reuses) the initramfs."""
    for tool in ("apt-get", "apt-cache", "dpkg", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise Skip(f"`{tool}` not found (the guest comes from Debian's arm64 packages)")
    ensure_arm64_arch()
    kpkg = kernel_package()
    base = cache_root() / f"linux-{kpkg.removeprefix('linux-image-')}"
    kdeb = download(f"{kpkg}:arm64", base / "debs")
    bdeb = download("busybox-static:arm64", base / "debs")
    kroot = extract(kdeb, base / "kernel")
    broot = extract(bdeb, base / "busybox")
    kernels = sorted((kroot / "boot").glob("vmlinuz-*"))
    if not kernels:
        raise Fail(f"{kdeb.name} holds no /boot/vmlinuz-*")
    kernel = kernels[-1]
    kver = kernel.name.removeprefix("vmlinuz-")
    moddir = kroot / "lib" / "modules" / kver
    modules = resolve_modules(moddir, GUEST_MODULES)
    busybox = broot / "bin" / "busybox"
    init = (HERE / "init.sh").read_bytes()

    key = hashlib.sha256()
    for part in (kdeb.name, bdeb.name, init, " ".join(n for n, _ in modules)):
        key.update(part if isinstance(part, bytes) else part.encode())
    key.update(b"cpio-v1")
    initrd = base / f"initrd-{key.hexdigest()[:16]}.gz"
    if not initrd.exists():
        log(f"building the initramfs ({len(modules)} modules: {' '.join(n for n, _ in modules)})")
        c = Cpio()
        for d in ("bin", "dev", "proc", "sys", "tmp", "etc", "lib", "lib/modules", "pat"):
            c.dir(d)
        # The kernel opens /dev/console before /init runs; without it init has no stdout.
        c.chardev("dev/console", 5, 1)
        c.file("bin/busybox", busybox.read_bytes(), 0o755)
        c.symlink("bin/sh", "busybox")
        c.file("init", init, 0o755)
        c.file("etc/twinreg-modules", "".join(f"{n}\n" for n, _ in modules).encode())
        for n, p in modules:
            c.file(f"lib/modules/{n}.ko", p.read_bytes())
        for name in PATTERN_NAMES:
            c.file(f"pat/{name}.bin", pattern(name))
        tmp = initrd.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            f.write(gzip.compress(c.finish(), compresslevel=6, mtime=0))
        tmp.rename(initrd)
    return Guest(kernel, initrd, kver, f"{kdeb.name.split('_')[0]} {kdeb.name.split('_')[1]}, {bdeb.name.split('_')[0]}")


# ---------------------------------------------------------------- QEMU and the SMMUs


@dataclass
class Smmu:
    """One SMMU under test: how QEMU selects it and where its counters come from."""

    name: str
    machine: str  # the -machine value
    extra: list[str] = field(default_factory=list)  # further QEMU options
    stats_prop: str | None = None  # twinreg device: the property naming its stats file
    baseline: bool = False  # QEMU's own SMMUv3: counted through its trace events


# twinreg's device is selected as the QEMU device's documentation says: `virt`'s iommu
# option, with the model's configuration as device properties set by -global (the board
# creates the SMMU). Its counters come as JSON in the stats file, written at QEMU's exit.
TWINREG_DEVICE = "arm-smmuv3-twinreg"


def smmus() -> list[Smmu]:
    """The SMMUs to compare, all in the same QEMU binary."""
    stats = ["-global", f"{TWINREG_DEVICE}.stats-file={{STATS}}"]
    return [
        # The model's full default configuration: SMMUv3.2, stage 1 + 2, MSIs, Secure.
        Smmu("twinreg-default", "virt,iommu=smmuv3-twinreg", stats, "stats-file"),
        # QEMU 7.2's SMMUv3 as the model's preset: v3.1, stage 1 only, no MSIs.
        Smmu("twinreg-qemu72", "virt,iommu=smmuv3-twinreg",
             stats + ["-global", f"{TWINREG_DEVICE}.preset=qemu-7.2"], "stats-file"),
        Smmu("qemu-smmuv3", "virt,iommu=smmuv3", baseline=True),
    ]


# The negative control, only by `--only no-smmu`: the same boot without any SMMU must
# FAIL (no probe, no DMA domains, no counters), which shows the checks can fail.
NO_SMMU = Smmu("no-smmu", "virt", baseline=True)


# QEMU's own SMMUv3 counted through its trace events (log backend, -trace/-D).
BASELINE_TRACE = {
    "translations": "smmuv3_translate_success",
    "iotlb_hits": "smmu_iotlb_lookup_hit",
    "iotlb_misses": "smmu_iotlb_lookup_miss",
    "commands": "smmuv3_cmdq_opcode",
    "events": "smmuv3_record_event",
}


@dataclass
class RunResult:
    console: str
    wall_to_init: float | None
    guest_init_uptime: float | None
    wall_total: float
    stats: dict[str, int]
    markers: list[str]


class Qmp:
    """A minimal QMP client over QEMU's unix socket (for stop/migrate/cont/quit)."""

    def __init__(self, path: Path, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.settimeout(timeout)
                self.sock.connect(str(path))
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise Fail(f"QMP socket {path} did not open within {timeout:.0f} s")
                time.sleep(0.05)
        self.buf = b""
        self._read()  # greeting
        self.cmd("qmp_capabilities")

    def _read(self) -> dict:
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Fail("QMP connection closed")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def cmd(self, name: str, **args) -> dict:
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._read()
            if "return" in r:
                return r["return"]
            if "error" in r:
                raise Fail(f"QMP {name}: {r['error']}")

    def close(self) -> None:
        self.sock.close()


class Vm:
    """One QEMU process: console to a file, QMP on a socket, a hard timeout."""

    def __init__(self, qemu: str, smmu: Smmu, guest: Guest, work: Path, tag: str, append: str,
                 disks: dict[str, Path], edu: bool = False, incoming: Path | None = None,
                 trace: bool = False) -> None:
        self.work = work
        self.console = work / f"{tag}.console"
        self.stderr = work / f"{tag}.stderr"
        self.qmp_path = work / f"{tag}.qmp"
        self.stats_path = work / f"{tag}.stats"
        self.trace_path = work / f"{tag}.trace"
        self.smmu = smmu
        for p in (self.console, self.qmp_path, self.stats_path, self.trace_path):
            p.unlink(missing_ok=True)
        cmd = [qemu, "-machine", smmu.machine, "-cpu", "cortex-a57", "-smp", "1", "-m", "1G",
               "-display", "none", "-no-reboot", "-nic", "none", "-monitor", "none",
               "-serial", f"file:{self.console}", "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
               "-kernel", str(guest.kernel), "-initrd", str(guest.initrd),
               "-append", f"console=ttyAMA0 panic=-1 {append}"]
        for a in smmu.extra:
            cmd.append(a.replace("{STATS}", str(self.stats_path)))
        for name, img in disks.items():
            slot = DISK_SLOTS[name]
            cmd += ["-drive", f"file={img},if=none,id={name},format=raw"]
            if name == "vda":
                cmd += ["-device", f"virtio-blk-pci,drive={name},disable-legacy=on,iommu_platform=on,addr={slot}"]
            else:
                cmd += ["-device", f"nvme,drive={name},serial=twinreg,addr={slot}"]
        if edu:
            cmd += ["-device", f"edu,addr={EDU_SLOT}"]
        if trace and smmu.baseline:
            for ev in BASELINE_TRACE.values():
                cmd += ["-trace", ev]
            cmd += ["-D", str(self.trace_path)]
        if incoming:
            cmd += ["-incoming", f"exec:cat {incoming}"]
        self.cmd = cmd
        self.start = time.monotonic()
        with open(self.stderr, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        self.init_seen: float | None = None
        # QEMU's CPU time (all threads) when /init started and at the last poll: CPU time
        # is what a busy shared host disturbs least, so the benchmark compares it.
        self.cpu_at_init: float | None = None
        self.cpu_last: float | None = None

    def cpu_seconds(self) -> float | None:
        """utime + stime of the QEMU process (/proc/PID/stat), None once it has exited."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None

    def text(self) -> str:
        try:
            return self.console.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for(self, marker: str, timeout: float) -> str:
        """Waits until `marker` is on the console; Fail on timeout, panic or QEMU exit."""
        deadline = time.monotonic() + timeout
        while True:
            cpu = self.cpu_seconds() if self.proc.poll() is None else None
            t = self.text()
            if cpu is not None:
                self.cpu_last = cpu
            if self.init_seen is None and "TWINREG-INIT" in t:
                self.init_seen = time.monotonic() - self.start
                self.cpu_at_init = cpu
            if marker in t:
                return t
            if "Kernel panic" in t:
                time.sleep(0.5)
                raise Fail(f"{self.smmu.name}: kernel panic\n{self.tail()}")
            if self.proc.poll() is not None:
                raise Fail(f"{self.smmu.name}: QEMU exited ({self.proc.returncode}) before `{marker}`\n"
                           f"command: {' '.join(self.cmd)}\nstderr: {self.stderr.read_text(errors='replace')[-3000:]}\n{self.tail()}")
            if time.monotonic() > deadline:
                self.kill()
                raise Fail(f"{self.smmu.name}: no `{marker}` within {timeout:.0f} s\n{self.tail()}")
            time.sleep(0.05)

    def tail(self, n: int = 40) -> str:
        return "console (last lines):\n  " + "\n  ".join(self.text().splitlines()[-n:])

    def wait_exit(self, timeout: float) -> None:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Fail(f"{self.smmu.name}: QEMU did not exit within {timeout:.0f} s of the guest's poweroff")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stats(self) -> dict[str, int]:
        if self.smmu.baseline:
            return baseline_stats(self.trace_path)
        return twinreg_stats(self.stats_path)


def baseline_stats(path: Path) -> dict[str, int]:
    if not path.exists():
        return {}
    counts = {k: 0 for k in BASELINE_TRACE}
    names = {v: k for k, v in BASELINE_TRACE.items()}
    pat = re.compile(r"\b(" + "|".join(BASELINE_TRACE.values()) + r")\b")
    with open(path, errors="replace") as f:
        for line in f:
            m = pat.search(line)
            if m:
                counts[names[m.group(1)]] += 1
    return counts


def twinreg_stats(path: Path) -> dict[str, int]:
    """The device's counters: `key value` or `key=value` lines, or a JSON object."""
    if not path.exists():
        return {}
    text = path.read_text(errors="replace")
    try:
        obj = json.loads(text)
        if isinstance(obj, dict):
            return {k: int(v) for k, v in obj.items() if isinstance(v, (int, float))}
    except ValueError:
        pass
    out = {}
    for line in text.splitlines():
        m = re.match(r"\s*([A-Za-z_][\w.-]*)\s*[=: ]\s*(\d+)\s*$", line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def event_count(stats: dict[str, int]) -> int | None:
    """Events the SMMU raised: QEMU's own `events` (its record-event trace), twinreg's
    written plus discarded ones (an event lost to a full or disabled queue still counts)."""
    keys = [k for k in ("events", "events_written", "events_discarded") if k in stats]
    return sum(stats[k] for k in keys) if keys else None


def make_disks(work: Path, names: list[str], size_mib: int) -> dict[str, Path]:
    """Sparse raw images with the host's pattern at 1 MiB (the guest reads and checks it)."""
    disks = {}
    for n in names:
        img = work / f"{n}.img"
        with open(img, "wb") as f:
            f.truncate(size_mib * MIB)
            f.seek(1 * MIB)
            f.write(pattern(f"host-{n}"))
        disks[n] = img
    return disks


def read_image(img: Path, off_mib: int, size: int = MIB) -> bytes:
    with open(img, "rb") as f:
        f.seek(off_mib * MIB)
        return f.read(size)


# ---------------------------------------------------------------- the checks


@dataclass
class Outcome:
    name: str
    ok: bool = True
    problems: list[str] = field(default_factory=list)
    info: dict[str, str] = field(default_factory=dict)

    def need(self, cond: bool, what: str) -> None:
        if not cond:
            self.ok = False
            self.problems.append(what)


def markers(console: str, prefix: str) -> list[str]:
    return [line.strip() for line in console.splitlines() if line.strip().startswith(prefix)]


def kernel_events(console: str) -> list[str]:
    """`arm-smmu-v3 ...: event 0x.. received` lines of the guest's dmesg dump (the console
    shows them twice: as the kernel prints them, and in the dump)."""
    begin, end = console.rfind("TWINREG-DMESG-BEGIN"), console.rfind("TWINREG-DMESG-END")
    text = console[begin:end] if 0 <= begin < end else console
    return [line.strip() for line in text.splitlines() if re.search(r"event 0x[0-9a-f]+ received", line)]


def smmu_errors(console: str) -> list[str]:
    """The driver's complaints other than events: CMD_SYNC timeouts, command queue errors,
    global errors (`arm-smmu-v3 ...: CMD_SYNC timeout`, `CMDQ error`, `unexpected global
    error`). A restored SMMU whose queues came back wrong shows up here."""
    begin, end = console.rfind("TWINREG-DMESG-BEGIN"), console.rfind("TWINREG-DMESG-END")
    text = console[begin:end] if 0 <= begin < end else console
    return [line.strip() for line in text.splitlines()
            if "arm-smmu-v3" in line and re.search(r"timeout|error|GERROR|abort", line, re.IGNORECASE)]


def check_common(o: Outcome, console: str, disks: dict[str, Path], phases: dict[str, int]) -> None:
    """The facts every boot must show: probe, DMA domains, DMA verified in guest and host."""
    for f in markers(console, "TWINREG-FAIL"):
        o.need(False, f"guest: {f}")
    probe = markers(console, "TWINREG-PROBE")
    o.need(bool(probe), "arm-smmu-v3 did not probe")
    if probe:
        o.info["probe"] = re.sub(r"^TWINREG-PROBE\s*", "", probe[0])
    for d in disks:
        dom = [m for m in markers(console, "TWINREG-DOMAIN") if m.split()[1] == d]
        o.need(bool(dom) and re.search(r"type=DMA(-FQ)?$", dom[0]) is not None,
               f"{d} is not in an IOMMU DMA domain ({dom[0] if dom else 'no TWINREG-DOMAIN line'})")
        for phase, off in phases.items():
            o.need(f"TWINREG-DMA {d} phase={phase} ok" in console, f"{d}: DMA phase {phase} did not verify in the guest")
            want = pattern(("guest-" if off == 4 else "second-") + d)
            o.need(read_image(disks[d], off) == want, f"{d}: the image at {off} MiB does not hold the guest's {phase} data")
    o.need("TWINREG-DONE" in console, "the guest did not reach the end of /init")
    errs = smmu_errors(console)
    o.need(not errs, f"the SMMU driver reported errors: {errs[:3]}")


def first_float(s: str | None) -> float | None:
    try:
        return float(s) if s is not None else None
    except ValueError:
        return None


def run_to_done(vm: "Vm", o: Outcome, timeout: float) -> str | None:
    """The console of a guest run to its end marker and exit; None (recorded in `o`, the VM
    killed) when it did not get there."""
    try:
        console = vm.wait_for("TWINREG-DONE", timeout)
        vm.wait_exit(30)
        return console
    except Fail as e:
        vm.kill()
        o.need(False, str(e))
        return None


def boot_test(qemu: str, smmu: Smmu, guest: Guest, work: Path, timeout: float) -> Outcome:
    """The main boot: both disks, DMA verified, no SMMU event."""
    o = Outcome(smmu.name)
    names = list(DISK_SLOTS)
    disks = make_disks(work, names, 64)
    vm = Vm(qemu, smmu, guest, work, f"{smmu.name}-boot", f"twinreg.mode=test twinreg.disks={','.join(names)}",
            disks, trace=True)
    console = run_to_done(vm, o, timeout)
    if console is None:
        return o
    wall = time.monotonic() - vm.start
    check_common(o, console, disks, {"boot": 4})
    ev = kernel_events(console)
    o.need(not ev, f"the kernel logged SMMU events: {ev[:3]}")
    st = vm.stats()
    o.need(bool(st), f"no counters from the SMMU ({vm.trace_path if smmu.baseline else vm.stats_path})")
    n = event_count(st)
    o.need(n == 0, f"the SMMU counted {n} events (stats: {st})")
    o.need(st.get("translations", 0) > 0, f"the SMMU counted no translations (stats: {st})")
    o.need(st.get("command_errors", 0) == 0, f"the SMMU counted command errors (stats: {st})")
    m = re.search(r"TWINREG-INIT uptime=([0-9.]+)", console)
    o.info.update({"guest uptime at /init (s)": f"{first_float(m.group(1) if m else None) or 0:.2f}",
                   "wall to /init (s)": f"{vm.init_seen or 0:.2f}", "wall total (s)": f"{wall:.2f}",
                   "kernel events": str(len(ev))})
    for k, v in sorted(st.items()):
        o.info[f"smmu {k}"] = str(v)
    return o


def fault_test(qemu: str, smmu: Smmu, guest: Guest, work: Path, timeout: float) -> Outcome:
    """Unmapped DMA from the edu device: an event in the kernel log and the SMMU's counters,
    and the disks' DMA still verifies afterwards."""
    o = Outcome(smmu.name)
    names = list(DISK_SLOTS)
    disks = make_disks(work, names, 64)
    vm = Vm(qemu, smmu, guest, work, f"{smmu.name}-fault",
            f"twinreg.mode=test twinreg.fault=1 twinreg.disks={','.join(names)}", disks, edu=True, trace=True)
    console = run_to_done(vm, o, timeout)
    if console is None:
        return o
    check_common(o, console, disks, {"boot": 4, "after-fault": 12})
    faults = {f.split()[1]: f for f in markers(console, "TWINREG-FAULT") if len(f.split()) > 1}
    for label in ("unbound", "pci-stub"):
        m = re.search(r"event=(0x[0-9a-f]+)?", faults.get(label, ""))
        o.info[f"edu {label} event"] = (m.group(1) or "none") if m else "no marker"
    # Without a driver the edu device's STE is Linux's "abort" STE (Config 0b000): the
    # DMA is terminated without an event (IHI0070 5.2, STE.Config).
    o.need(o.info["edu unbound event"] == "none",
           f"edu DMA without a driver (abort STE): want no event, got {faults.get('unbound', 'no marker')}")
    # Bound to pci-stub it has a DMA domain, so the unmapped IOVA is a translation fault:
    # F_TRANSLATION = 0x10 (IHI0070 7.3.12).
    o.need(o.info["edu pci-stub event"] == "0x10",
           f"edu DMA through a DMA domain: want F_TRANSLATION (0x10), got {faults.get('pci-stub', 'no marker')}")
    ev = kernel_events(console)
    o.need(len([e for e in ev if "event 0x10 received" in e]) >= 1, "no `event 0x10 received` in the kernel log")
    st = vm.stats()
    n = event_count(st)
    o.need(n == 1, f"the SMMU's counters show {n} events, want exactly 1 (stats: {st})")
    o.info["smmu events"] = str(n)
    o.info["kernel events"] = " ".join(re.sub(r".*event (0x[0-9a-f]+).*", r"\1", e) for e in ev)
    return o


def migration_test(qemu: str, smmu: Smmu, guest: Guest, work: Path, timeout: float) -> Outcome:
    """Save the running guest to a file between two DMA phases, restore it in a new QEMU,
    and the second phase (reading a token the host wrote meanwhile) must verify.

    Only the virtio disk: QEMU's NVMe device refuses migration."""
    o = Outcome(smmu.name)
    names = ["vda"]
    disks = make_disks(work, names, 64)
    state = work / f"{smmu.name}.migration"
    state.unlink(missing_ok=True)
    append = "twinreg.mode=migrate twinreg.disks=vda"
    vm = Vm(qemu, smmu, guest, work, f"{smmu.name}-mig1", append, disks)
    try:
        vm.wait_for("TWINREG-MIGRATE-READY", timeout)
        q = Qmp(vm.qmp_path)
        q.cmd("stop")
        q.cmd("migrate", uri=f"exec:cat > {state}")
        deadline = time.monotonic() + 120
        while True:
            st = q.cmd("query-migrate").get("status")
            if st == "completed":
                break
            if st in ("failed", "cancelled") or time.monotonic() > deadline:
                raise Fail(f"migration to file: status {st}: {q.cmd('query-migrate')}")
            time.sleep(0.1)
        q.cmd("quit")
        q.close()
        vm.wait_exit(30)
        first_console = vm.text()
    except Fail as e:
        vm.kill()
        o.need(False, f"save: {e}")
        return o
    o.info["saved state (KiB)"] = str(state.stat().st_size // 1024)
    token = f"TWINREG-GO:{os.getpid():x}{int(time.time()) % 100000:x}"
    with open(disks["vda"], "r+b") as f:
        f.seek(8 * MIB)
        f.write(token.encode().ljust(4096, b"\0"))
    vm2 = Vm(qemu, smmu, guest, work, f"{smmu.name}-mig2", append, disks, incoming=state)
    try:
        q = Qmp(vm2.qmp_path)
        deadline = time.monotonic() + 120
        while True:
            st = q.cmd("query-status")["status"]
            if st != "inmigrate":
                break
            if time.monotonic() > deadline:
                raise Fail("restore from file did not finish within 120 s")
            time.sleep(0.1)
        if st != "running":
            q.cmd("cont")
        q.close()
        console = vm2.wait_for("TWINREG-DONE", timeout)
        vm2.wait_exit(30)
    except Fail as e:
        vm2.kill()
        o.need(False, f"restore: {e}")
        return o
    whole = first_console + console
    o.need("TWINREG-DMA vda phase=before-migration ok" in first_console, "vda: DMA before the migration did not verify")
    o.need(read_image(disks["vda"], 4) == pattern("guest-vda"), "vda: the image lacks the data written before the migration")
    o.need(f"TWINREG-RESUMED token={token}" in console,
           f"the restored guest did not read the host's token by DMA ({markers(console, 'TWINREG-RESUMED')})")
    o.need("TWINREG-DMA vda phase=after-migration ok" in console, "vda: DMA after the migration did not verify in the guest")
    o.need(read_image(disks["vda"], 12) == pattern("second-vda"), "vda: the image lacks the data written after the migration")
    for f in markers(whole, "TWINREG-FAIL"):
        o.need(False, f"guest: {f}")
    ev = kernel_events(console)
    o.need(not ev, f"the kernel logged SMMU events: {ev[:3]}")
    errs = smmu_errors(console)
    o.need(not errs, f"the SMMU driver reported errors after the restore: {errs[:3]}")
    return o


# ---------------------------------------------------------------- QEMU binary and config


def find_qemu(args: argparse.Namespace) -> str:
    if args.qemu:
        return args.qemu
    if os.environ.get("TWINREG_QEMU"):
        return os.environ["TWINREG_QEMU"]
    build = ROOT / "model" / "qemu" / "build.sh"
    if not build.exists():
        raise Skip("model/qemu/build.sh not found (the QEMU device is not in this checkout)")
    log("building or reusing QEMU (model/qemu/build.sh)")
    try:
        p = subprocess.run([str(build)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True, timeout=3600)
    except subprocess.TimeoutExpired as e:
        raise Fail("model/qemu/build.sh took more than an hour") from e
    lines = [line for line in p.stdout.splitlines() if line.strip()]
    if p.returncode == 77:  # build.sh's SKIP: its tools are missing
        raise Skip("model/qemu/build.sh: " + (lines[-1] if lines else "QEMU's build tools are missing"))
    if p.returncode != 0 or not lines:
        raise Fail(f"model/qemu/build.sh exited {p.returncode}:\n" + "\n".join(lines[-20:]))
    path = lines[-1].strip()
    if not os.access(path, os.X_OK):
        raise Fail(f"model/qemu/build.sh printed `{path}`, which is not an executable")
    return path


def table(outcomes: dict[str, dict[str, Outcome]], names: list[str]) -> str:
    rows: list[tuple[str, list[str]]] = []
    for test, per in outcomes.items():
        rows.append((f"[{test}] result", ["PASS" if per[n].ok else "FAIL" for n in names if n in per]))
        keys: list[str] = []
        for n in names:
            if n in per:
                keys += [k for k in per[n].info if k not in keys]
        for k in keys:
            rows.append((f"  {k}", [per[n].info.get(k, "-") if n in per else "-" for n in names]))
    w0 = max(len(r[0]) for r in rows)
    ws = [max([len(n)] + [len(r[1][i]) for r in rows if i < len(r[1])]) for i, n in enumerate(names)]
    lines = [" " * w0 + " | " + " | ".join(n.ljust(w) for n, w in zip(names, ws))]
    for label, vals in rows:
        lines.append(label.ljust(w0) + " | " + " | ".join(v.ljust(w) for v, w in zip(vals, ws)))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--qemu", help="qemu-system-aarch64 to use (default: model/qemu/build.sh's)")
    ap.add_argument("--only", help="comma-separated SMMU names to run (twinreg-default, twinreg-qemu72, qemu-smmuv3)")
    ap.add_argument("--tests", default="boot,fault,migration", help="comma-separated: boot, fault, migration")
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("TWINREG_LINUX_TIMEOUT", "240")),
                    help="seconds per guest run (default 240)")
    ap.add_argument("--work", help="directory for images, consoles and logs (default: a temporary one, kept on failure)")
    args = ap.parse_args()
    require = os.environ.get("TWINREG_REQUIRE_TOOLS") == "1"
    t0 = time.monotonic()
    try:
        guest = prepare_guest()
        qemu = find_qemu(args)
        if shutil.which(qemu) is None and not os.access(qemu, os.X_OK):
            raise Skip(f"{qemu} not found")
    except Skip as e:
        if require:
            print(f"linux-boot: FAIL (TWINREG_REQUIRE_TOOLS=1): {e}", flush=True)
            return 1
        print(f"linux-boot: SKIP: {e}", flush=True)
        return 0
    except Fail as e:
        print(f"linux-boot: FAIL: {e}", flush=True)
        return 1
    log(f"guest: {guest.description}; QEMU: {qemu}")
    sm = smmus()
    if args.only:
        want = args.only.split(",")
        if "no-smmu" in want:
            sm.append(NO_SMMU)
        unknown = set(want) - {s.name for s in sm}
        if unknown:
            print(f"linux-boot: FAIL: unknown SMMU name(s) {sorted(unknown)}; known: {[s.name for s in sm]}")
            return 1
        sm = [s for s in sm if s.name in want]
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="twinreg-linux-"))
    work.mkdir(parents=True, exist_ok=True)
    tests = args.tests.split(",")
    outcomes: dict[str, dict[str, Outcome]] = {}
    runners = {"boot": boot_test, "fault": fault_test, "migration": migration_test}
    for test in tests:
        if test not in runners:
            print(f"linux-boot: FAIL: unknown test {test}; known: {list(runners)}")
            return 1
        outcomes[test] = {}
        for s in sm:
            log(f"{test}: {s.name} ...")
            t = time.monotonic()
            o = runners[test](qemu, s, guest, work, args.timeout)
            log(f"{test}: {s.name}: {'PASS' if o.ok else 'FAIL'} ({time.monotonic() - t:.1f} s)")
            outcomes[test][s.name] = o
    names = [s.name for s in sm]
    print(table(outcomes, names), flush=True)
    failed = [(t, n, o) for t, per in outcomes.items() for n, o in per.items() if not o.ok]
    for t, n, o in failed:
        print(f"linux-boot: FAIL [{t}] {n}:", flush=True)
        for p in o.problems:
            print("  - " + p.replace("\n", "\n    "), flush=True)
    print(f"linux-boot: {'FAIL' if failed else 'PASS'} ({len(failed)} failed of "
          f"{sum(len(p) for p in outcomes.values())}; {time.monotonic() - t0:.0f} s; work dir {work})", flush=True)
    if not failed and not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
