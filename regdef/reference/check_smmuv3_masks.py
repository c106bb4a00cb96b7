#!/usr/bin/env python3
"""Check regdef/smmuv3.rdl against the compact mask table of the register fact sheet.

    .venv/bin/python regdef/reference/check_smmuv3_masks.py [regdef/smmuv3.rdl]

For every register in /work/shared/smmuv3/registers.md section 4.12 ("v3.2, all
optional v3.2 features present, Secure implemented") that this model implements, the
address, width and defined mask (OR of the present fields) must equal the table's, minus
the bits of the fields the .rdl deliberately leaves out (listed in DROPPED with the
reason). Rows for features the model does not implement must have no register. The
reset values of the ID registers are checked against the configuration the model
advertises. Exit status 0 when everything matches.
"""

from __future__ import annotations

import os
import sys
from typing import Dict, List, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rdl_dump  # noqa: E402

# (name, absolute address, width, defined mask) transcribed from registers.md 4.12.
# Names are the .rdl instance names; the bank prefix comes from the path.
TABLE: List[Tuple[str, int, int, int]] = [
    ("ns.idr0", 0x0000, 32, 0x1F7FFFFF),
    ("ns.idr1", 0x0004, 32, 0x7FFFFFFF),
    ("ns.idr2", 0x0008, 32, 0x000003FF),
    ("ns.idr3", 0x000C, 32, 0x00001FBC),
    ("ns.idr5", 0x0014, 32, 0xFFFF0C77),
    ("ns.iidr", 0x0018, 32, 0xFFFFFFFF),
    ("ns.aidr", 0x001C, 32, 0x000000FF),
    ("ns.cr0", 0x0020, 32, 0x000001DF),
    ("ns.cr0ack", 0x0024, 32, 0x000001DF),
    ("ns.cr1", 0x0028, 32, 0x00000FFF),
    ("ns.cr2", 0x002C, 32, 0x00000007),
    ("ns.statusr", 0x0040, 32, 0x00000001),
    ("ns.gbpa", 0x0044, 32, 0x801F3F1F),
    ("ns.irq_ctrl", 0x0050, 32, 0x00000007),
    ("ns.irq_ctrlack", 0x0054, 32, 0x00000007),
    ("ns.gerror", 0x0060, 32, 0x000001FD),
    ("ns.gerrorn", 0x0064, 32, 0x000001FD),
    ("ns.gerror_irq_cfg0", 0x0068, 64, 0x00FFFFFFFFFFFFFC),
    ("ns.gerror_irq_cfg1", 0x0070, 32, 0xFFFFFFFF),
    ("ns.gerror_irq_cfg2", 0x0074, 32, 0x0000003F),
    ("ns.strtab_base", 0x0080, 64, 0x40FFFFFFFFFFFFC0),
    ("ns.strtab_base_cfg", 0x0088, 32, 0x000307FF),
    ("ns.cmdq_base", 0x0090, 64, 0x40FFFFFFFFFFFFFF),
    ("ns.cmdq_prod", 0x0098, 32, 0x000FFFFF),
    ("ns.cmdq_cons", 0x009C, 32, 0x7F0FFFFF),
    ("ns.eventq_base", 0x00A0, 64, 0x40FFFFFFFFFFFFFF),
    ("ns.eventq_irq_cfg0", 0x00B0, 64, 0x00FFFFFFFFFFFFFC),
    ("ns.eventq_irq_cfg1", 0x00B8, 32, 0xFFFFFFFF),
    ("ns.eventq_irq_cfg2", 0x00BC, 32, 0x0000003F),
    ("ns_page1.eventq_prod", 0x100A8, 32, 0x800FFFFF),
    ("ns_page1.eventq_cons", 0x100AC, 32, 0x800FFFFF),
    ("s.s_idr0", 0x8000, 32, 0x03002000),
    ("s.s_idr1", 0x8004, 32, 0xA000003F),
    ("s.s_idr2", 0x8008, 32, 0x000003FF),
    ("s.s_idr3", 0x800C, 32, 0x00000040),
    ("s.s_cr0", 0x8020, 32, 0x000003ED),
    ("s.s_cr0ack", 0x8024, 32, 0x000003ED),
    ("s.s_cr1", 0x8028, 32, 0x00000FFF),
    ("s.s_cr2", 0x802C, 32, 0x00000007),
    ("s.s_init", 0x803C, 32, 0x00000001),
    ("s.s_gbpa", 0x8044, 32, 0x801FFF1F),
    ("s.s_irq_ctrl", 0x8050, 32, 0x00000005),
    ("s.s_irq_ctrlack", 0x8054, 32, 0x00000005),
    ("s.s_gerror", 0x8060, 32, 0x000001B5),
    ("s.s_gerrorn", 0x8064, 32, 0x000001B5),
    ("s.s_gerror_irq_cfg0", 0x8068, 64, 0x00FFFFFFFFFFFFFC),
    ("s.s_gerror_irq_cfg1", 0x8070, 32, 0xFFFFFFFF),
    ("s.s_gerror_irq_cfg2", 0x8074, 32, 0x0000003F),
    ("s.s_strtab_base", 0x8080, 64, 0x40FFFFFFFFFFFFC0),
    ("s.s_strtab_base_cfg", 0x8088, 32, 0x000307FF),
    ("s.s_cmdq_base", 0x8090, 64, 0x40FFFFFFFFFFFFFF),
    ("s.s_cmdq_prod", 0x8098, 32, 0x000FFFFF),
    ("s.s_cmdq_cons", 0x809C, 32, 0x7F0FFFFF),
    ("s.s_eventq_base", 0x80A0, 64, 0x40FFFFFFFFFFFFFF),
    ("s.s_eventq_prod", 0x80A8, 32, 0x800FFFFF),
    ("s.s_eventq_cons", 0x80AC, 32, 0x800FFFFF),
    ("s.s_eventq_irq_cfg0", 0x80B0, 64, 0x00FFFFFFFFFFFFFC),
    ("s.s_eventq_irq_cfg1", 0x80B8, 32, 0xFFFFFFFF),
    ("s.s_eventq_irq_cfg2", 0x80BC, 32, 0x0000003F),
]

# Rows of 4.12 for features this model does not implement: no register may exist there.
ABSENT: List[Tuple[str, int, str]] = [
    ("PRIQ_BASE", 0x00C0, "no PRI"),
    ("PRIQ_IRQ_CFG0", 0x00D0, "no PRI"),
    ("PRIQ_IRQ_CFG1", 0x00D8, "no PRI"),
    ("PRIQ_IRQ_CFG2", 0x00DC, "no PRI"),
    ("GATOS_CTRL", 0x0100, "no ATOS"),
    ("GATOS_SID", 0x0108, "no ATOS"),
    ("GATOS_ADDR", 0x0110, "no ATOS"),
    ("GATOS_PAR", 0x0118, "no ATOS"),
    ("MPAMIDR", 0x0130, "no MPAM"),
    ("GMPAM", 0x0138, "no MPAM"),
    ("GBPMPAM", 0x013C, "no MPAM"),
    ("VATOS_SEL", 0x0180, "no VATOS"),
    ("PRIQ_PROD", 0x100C8, "no PRI"),
    ("PRIQ_CONS", 0x100CC, "no PRI"),
    ("S_GATOS_CTRL", 0x8100, "no ATOS"),
    ("S_GATOS_SID", 0x8108, "no ATOS"),
    ("S_GATOS_ADDR", 0x8110, "no ATOS"),
    ("S_GATOS_PAR", 0x8118, "no ATOS"),
    ("S_MPAMIDR", 0x8130, "no MPAM"),
    ("S_GMPAM", 0x8138, "no MPAM"),
    ("S_GBPMPAM", 0x813C, "no MPAM"),
    ("S_VATOS_SEL", 0x8180, "no VATOS"),
    ("(page 0 alias of EVENTQ_PROD)", 0x00A8, "RAZ/WI by choice"),
    ("(page 0 alias of EVENTQ_CONS)", 0x00AC, "RAZ/WI by choice"),
]

# Bits the .rdl leaves out on purpose: the architecture makes them RES0 without the feature.
DROPPED: Dict[str, List[Tuple[int, str]]] = {
    "ns.cr0": [(1 << 1, "PRIQEN: no PRI"), (1 << 4, "ATSCHK: no ATS")],
    "ns.cr0ack": [(1 << 1, "PRIQEN: no PRI"), (1 << 4, "ATSCHK: no ATS")],
    "ns.cr2": [(1 << 2, "PTM: no BTM")],
    "ns.irq_ctrl": [(1 << 1, "PRIQ_IRQEN: no PRI")],
    "ns.irq_ctrlack": [(1 << 1, "PRIQ_IRQEN: no PRI")],
    "ns.gerror": [(1 << 3, "PRIQ_ABT_ERR: no PRI"), (1 << 6, "MSI_PRIQ_ABT_ERR: no PRI")],
    "ns.gerrorn": [(1 << 3, "PRIQ_ABT_ERR: no PRI"), (1 << 6, "MSI_PRIQ_ABT_ERR: no PRI")],
    "s.s_cr0": [(1 << 9, "NSSTALLD: needs S_IDR0.STALL_MODEL == 00")],
    "s.s_cr0ack": [(1 << 9, "NSSTALLD: needs S_IDR0.STALL_MODEL == 00")],
    "s.s_cr2": [(1 << 2, "PTM: no BTM")],
}

# Registers of the model that 4.12 does not list: (name, address, width, mask, source).
EXTRA: List[Tuple[str, int, int, int, str]] = [
    ("ns.idr4", 0x0010, 32, 0xFFFFFFFF, "6.3.5: one IMPDEF field [31:0]"),
    ("ns.agbpa", 0x0048, 32, 0xFFFFFFFF, "6.3.15: one IMPDEF field [31:0]"),
    ("ns.pidr4", 0x0FD0, 32, 0xFF, "6.3.170"),
    ("ns.pidr0", 0x0FE0, 32, 0xFF, "6.3.170"),
    ("ns.pidr1", 0x0FE4, 32, 0xFF, "6.3.170"),
    ("ns.pidr2", 0x0FE8, 32, 0xFF, "6.3.170"),
    ("ns.pidr3", 0x0FEC, 32, 0xFF, "6.3.170"),
    ("ns.cidr0", 0x0FF0, 32, 0xFF, "6.3.170"),
    ("ns.cidr1", 0x0FF4, 32, 0xFF, "6.3.170"),
    ("ns.cidr2", 0x0FF8, 32, 0xFF, "6.3.170"),
    ("ns.cidr3", 0x0FFC, 32, 0xFF, "6.3.170"),
    ("s.s_idr4", 0x8010, 32, 0xFFFFFFFF, "6.3.56: one IMPDEF field [31:0]"),
    ("s.s_agbpa", 0x8048, 32, 0xFFFFFFFF, "6.3.64: one IMPDEF field [31:0]"),
]

# Reset values of constant registers, from the configuration the model advertises.
RESETS: Dict[str, int] = {
    # S2P S1P TTF=2 COHACC DORMHINT HYP ASID16 MSI VMW VMID16 CD2L TTENDIAN=2
    # STALL_MODEL=1 TERM_MODEL ST_LEVEL=1
    "ns.idr0": (1 << 0) | (1 << 1) | (2 << 2) | (1 << 4) | (1 << 8) | (1 << 9) | (1 << 12)
    | (1 << 13) | (1 << 17) | (1 << 18) | (1 << 19) | (2 << 21) | (1 << 24) | (1 << 26)
    | (1 << 27),
    # SIDSIZE=16 SSIDSIZE=20 EVENTQS=19 CMDQS=19 ATTR_PERMS_OVR ATTR_TYPES_OVR
    "ns.idr1": 16 | (20 << 6) | (19 << 16) | (19 << 21) | (1 << 26) | (1 << 27),
    "ns.idr2": 0,
    # HAD XNX FWB STT RIL BBML=1
    "ns.idr3": (1 << 2) | (1 << 4) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11),
    "ns.idr4": 0,
    # OAS=5 GRAN4K GRAN16K GRAN64K
    "ns.idr5": 5 | (1 << 4) | (1 << 5) | (1 << 6),
    "ns.iidr": 0,
    "ns.aidr": 0x02,
    "ns.gbpa": 0x00001000,
    "s.s_gbpa": 0x00001000,
    "ns.agbpa": 0,
    "s.s_agbpa": 0,
    "s.s_idr0": (1 << 13) | (1 << 24),
    "s.s_idr1": 16 | (1 << 29) | (1 << 31),
    "s.s_idr2": 0,
    "s.s_idr3": 0,
    "s.s_idr4": 0,
    "ns.pidr4": 0x00,
    "ns.pidr0": 0x00,
    "ns.pidr1": 0x00,
    "ns.pidr2": 0x08,
    "ns.pidr3": 0x00,
    "ns.cidr0": 0x0D,
    "ns.cidr1": 0xF0,
    "ns.cidr2": 0x05,
    "ns.cidr3": 0xB1,
}


def mask_of(reg: dict) -> int:
    m = 0
    for f in reg["fields"]:
        m |= ((1 << (f["msb"] - f["lsb"] + 1)) - 1) << f["lsb"]
    return m


def reset_of(reg: dict) -> int:
    v = 0
    for f in reg["fields"]:
        v |= (f["reset"] or 0) << f["lsb"]
    return v


def main(argv: List[str]) -> int:
    path = argv[0] if argv else os.path.join(os.path.dirname(__file__), "..", "smmuv3.rdl")
    data = rdl_dump.dump([path])
    top = data["top"]
    regs = {r["path"][len(top) + 1:]: r for r in data["registers"]}
    by_addr = {r["address"]: r for r in data["registers"]}
    problems: List[str] = []
    seen = set()

    print(f"{'register':24} {'address':>8} {'w':>2} {'table mask':>18} {'rdl mask':>18}  result")
    for name, addr, width, table_mask in TABLE:
        r = regs.get(name)
        seen.add(name)
        if r is None:
            problems.append(f"{name}: missing")
            print(f"{name:24} {addr:#8x} {width:2} {table_mask:#18x} {'-':>18}  MISSING")
            continue
        dropped = DROPPED.get(name, [])
        expect = table_mask
        for bits, _ in dropped:
            expect &= ~bits
        got = mask_of(r)
        ok = r["address"] == addr and r["width"] == width and got == expect
        note = "ok" if ok else "MISMATCH"
        if dropped:
            note += " (dropped: " + "; ".join(why for _, why in dropped) + ")"
        print(f"{name:24} {addr:#8x} {width:2} {table_mask:#18x} {got:#18x}  {note}")
        if r["address"] != addr:
            problems.append(f"{name}: address {r['address']:#x}, table {addr:#x}")
        if r["width"] != width:
            problems.append(f"{name}: width {r['width']}, table {width}")
        if got != expect:
            problems.append(f"{name}: mask {got:#x}, expected {expect:#x}")

    print()
    print("Not in 4.12 (checked against the spec section named):")
    for name, addr, width, mask, src in EXTRA:
        seen.add(name)
        r = regs.get(name)
        got = mask_of(r) if r else None
        ok = r is not None and r["address"] == addr and r["width"] == width and got == mask
        print(f"  {name:22} {addr:#8x} {width:2} {mask:#18x} {'ok' if ok else 'MISMATCH'}  IHI0070 {src}")
        if not ok:
            problems.append(f"{name}: expected {addr:#x}/{width}/{mask:#x}")

    print()
    print("Rows of 4.12 that this model leaves out:")
    for name, addr, why in ABSENT:
        present = addr in by_addr
        print(f"  {name:30} {addr:#8x}  {'PRESENT (unexpected)' if present else 'absent'}: {why}")
        if present:
            problems.append(f"{name} at {addr:#x} should not exist")

    unexpected = sorted(set(regs) - seen)
    for name in unexpected:
        problems.append(f"{name}: register not accounted for by this check")

    print()
    print("Reset values of constant registers:")
    for name, want in RESETS.items():
        r = regs.get(name)
        got = reset_of(r) if r else None
        ok = got == want
        print(f"  {name:22} {want:#010x} {'ok' if ok else f'MISMATCH (rdl {got:#010x})'}")
        if not ok:
            problems.append(f"{name}: reset {got}, expected {want:#x}")

    print()
    if problems:
        print(f"{len(problems)} problem(s):")
        for p in problems:
            print("  " + p)
        return 1
    print(f"All {len(regs)} registers match (differences above are the deliberate drops).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
