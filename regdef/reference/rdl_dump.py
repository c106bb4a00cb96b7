#!/usr/bin/env python3
"""Reference dump of a SystemRDL register map, in the shape of `twinreg dump --json`.

    .venv/bin/python regdef/reference/rdl_dump.py FILE...

The files are compiled together, in order, by systemrdl-compiler (the reference
implementation of SystemRDL 2.0) and the last addrmap defined is elaborated as the top,
as the compiler does by default. The output is one JSON object:

    {"top": "<addrmap type name>",
     "registers": [{"path": str, "address": int, "width": int,
                    "security": "nonsecure" | "secure",
                    "fields": [{"name": str, "lsb": int, "msb": int,
                                "sw": str, "hw": str, "reset": int | null,
                                "onread": str | null, "onwrite": str | null,
                                "singlepulse": bool}]}]}

* Registers are sorted by absolute address; arrays are unrolled and each element is
  named as `get_path()` prints it (`top.rf[1].r[0]`).
* Only present fields are listed (`ispresent = false` drops a field), sorted by lsb.
* `sw`/`hw` are SystemRDL access types (`rw`, `r`, `w`, `rw1`, `w1`, `na`);
  `onread`/`onwrite` are onreadtype/onwritetype names, with the `rclr`/`rset`/
  `woclr`/`woset` shorthands folded in (systemrdl-compiler already folds them).
* `reset` is the field's reset value, or null when it has none (or it is a reference).
* `security` follows twinreg's rule: the `security` UDP of the register or of its
  nearest enclosing component that sets it; `nonsecure` when none does.

This is a second opinion for twinreg's own front end (regdef/tests/differential.rs);
it never feeds anything twinreg builds.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Dict, List, Optional

from systemrdl import RDLCompileError, RDLCompiler
from systemrdl.node import AddressableNode, FieldNode, Node, RegNode, RootNode


def _udp(node: Node, name: str) -> Any:
    """Value of a UDP on `node`, or None when it is not set (or not declared)."""
    try:
        return node.get_property(name, default=None)
    except LookupError:
        return None


def security_of(node: Node) -> str:
    """twinreg's inheritance rule for the `security` UDP."""
    cur: Optional[Node] = node
    while cur is not None and not isinstance(cur, RootNode):
        value = _udp(cur, "security")
        if value is not None:
            # A user-enum member: its entry name is the state.
            return getattr(value, "name", str(value))
        cur = cur.parent
    return "nonsecure"


def _enum_name(value: Any) -> Optional[str]:
    if value is None:
        return None
    return getattr(value, "name", str(value))


def field_json(f: FieldNode) -> Dict[str, Any]:
    reset = f.get_property("reset")
    return {
        "name": f.inst_name,
        "lsb": f.lsb,
        "msb": f.msb,
        "sw": _enum_name(f.get_property("sw")),
        "hw": _enum_name(f.get_property("hw")),
        "reset": reset if isinstance(reset, int) else None,
        "onread": _enum_name(f.get_property("onread")),
        "onwrite": _enum_name(f.get_property("onwrite")),
        "singlepulse": bool(f.get_property("singlepulse")),
    }


def register_json(r: RegNode) -> Dict[str, Any]:
    fields = sorted(r.fields(), key=lambda f: f.lsb)
    return {
        "path": r.get_path(),
        "address": r.absolute_address,
        "width": r.get_property("regwidth"),
        "security": security_of(r),
        "fields": [field_json(f) for f in fields],
    }


def registers(node: Node) -> List[RegNode]:
    out: List[RegNode] = []
    for child in node.children(unroll=True):
        if isinstance(child, RegNode):
            out.append(child)
        elif isinstance(child, AddressableNode):
            out.extend(registers(child))
    return out


def dump(files: List[str]) -> Dict[str, Any]:
    rdlc = RDLCompiler()
    for path in files:
        rdlc.compile_file(path)
    root = rdlc.elaborate()
    top = root.top
    regs = sorted(registers(top), key=lambda r: (r.absolute_address, r.get_path()))
    return {
        "top": top.type_name or top.inst_name,
        "registers": [register_json(r) for r in regs],
    }


def main(argv: List[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    try:
        result = dump(argv)
    except RDLCompileError:
        # The compiler has already printed its diagnostics to stderr.
        return 1
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
