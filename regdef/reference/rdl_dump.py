#!/usr/bin/env python3
"""Reference dump of a SystemRDL register map, in the shape of `twinreg dump --json`.

    .venv/bin/python regdef/reference/rdl_dump.py [-I DIR]... [-D NAME[=VALUE]]... FILE...
    .venv/bin/python regdef/reference/rdl_dump.py --batch JOBS.json

The files are compiled together, in order, by systemrdl-compiler (the reference
implementation of SystemRDL 2.0) and the last addrmap defined is elaborated as the top,
as the compiler does by default. The output is one JSON object:

    {"top": "<addrmap type name>",
     "registers": [{"path": str, "address": int, "width": int,
                    "security": "nonsecure" | "secure", "external": bool,
                    "properties": {PROPERTY: VALUE, ...},
                    "fields": [{"name": str, "lsb": int, "msb": int,
                                "sw": str, "hw": str, "reset": int | null,
                                "onread": str | null, "onwrite": str | null,
                                "singlepulse": bool,
                                "properties": {PROPERTY: VALUE, ...}}]}],
     "blocks": [{"path": str, "kind": "addrmap" | "regfile" | "mem",
                 "address": int, "size": int, "external": bool,
                 "properties": {...}}],
     "signals": [{"path": str, "properties": {...}}]}

* Registers are sorted by absolute address; arrays are unrolled and each element is
  named as `get_path()` prints it (`top.rf[1].r[0]`). Blocks are the top addrmap and
  every addrmap, regfile and mem below it; signals are those of the root scope and of
  the top's hierarchy.
* Only present fields are listed (`ispresent = false` drops a field), sorted by lsb.
* `sw`/`hw` are SystemRDL access types (`rw`, `r`, `w`, `rw1`, `w1`, `na`);
  `onread`/`onwrite` are onreadtype/onwritetype names, with the `rclr`/`rset`/
  `woclr`/`woset` shorthands folded in (systemrdl-compiler already folds them).
* `reset` is the field's reset value, or null when it has none (or it is a reference).
* `security` follows twinreg's rule: the `security` UDP of the register or of its
  nearest enclosing component that sets it; `nonsecure` when none does.
* `properties` holds every property systemrdl-compiler lists for the node
  (`list_properties(list_all=True)`: every native property valid for its kind and
  every user-defined property bound to it), with `get_property`'s value, defaults
  included: booleans and numbers as JSON, strings as strings, `None` as null, built-in
  enums (`rw`, `woclr`, `regalign`, `sw`, `level`...) by name, a user enum member
  by its name, a user enum type by its type name, a reference to a component by its
  `get_path()`, a property reference as `path->property`, a struct as an object of
  its members, an array as a list; `<NoValue>` for a UDP assigned without a value
  and without a default (the compiler's `NoValue` marker).

`--batch JOBS.json` runs several compiles in one process (what the differential test
does): JOBS is a list of `{"files": [...], "incdirs": [...], "defines": {...},
"params": {...}}`, and the output is a list with, for each job, `{"ok": true, "dump":
DUMP}` or `{"ok": false, "error": TEXT}`.

This is a second opinion for twinreg's own front end (regdef/tests/differential.rs);
it never feeds anything twinreg builds.
"""

from __future__ import annotations

import enum
import json
import sys
from typing import Any, Dict, List, Optional

from systemrdl import RDLCompileError, RDLCompiler
from systemrdl.messages import MessagePrinter, Severity
from systemrdl.node import (
    AddressableNode,
    AddrmapNode,
    FieldNode,
    MemNode,
    Node,
    RegfileNode,
    RegNode,
    RootNode,
    SignalNode,
)
from systemrdl.rdltypes import NoValue, PropertyReference, UserEnum, UserStruct


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


def value_json(v: Any) -> Any:
    """A property value as the dump prints it (see the module doc)."""
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if v is NoValue or isinstance(v, NoValue):
        # A UDP assigned without a value and without a default.
        return "<NoValue>"
    if isinstance(v, Node):
        return v.get_path()
    if isinstance(v, PropertyReference):
        return f"{v.node.get_path()}->{v.name}"
    if isinstance(v, (list, tuple)):
        return [value_json(x) for x in v]
    if isinstance(v, UserStruct):
        return {k: value_json(x) for k, x in v.members.items()}
    if isinstance(v, type) and issubclass(v, UserEnum):
        return v.type_name
    if isinstance(v, (UserEnum, enum.Enum)):
        return v.name
    return repr(v)


def properties_json(node: Node) -> Dict[str, Any]:
    """Every property the reference lists for `node`, with its value."""
    return {p: value_json(node.get_property(p)) for p in node.list_properties(list_all=True)}


def field_json(f: FieldNode) -> Dict[str, Any]:
    reset = f.get_property("reset")
    return {
        "name": f.inst_name,
        "lsb": f.lsb,
        "msb": f.msb,
        "sw": _enum_name(f.get_property("sw")),
        "hw": _enum_name(f.get_property("hw")),
        "reset": reset if isinstance(reset, int) and not isinstance(reset, bool) else None,
        "onread": _enum_name(f.get_property("onread")),
        "onwrite": _enum_name(f.get_property("onwrite")),
        "singlepulse": bool(f.get_property("singlepulse")),
        "properties": properties_json(f),
    }


def register_json(r: RegNode) -> Dict[str, Any]:
    fields = sorted(r.fields(), key=lambda f: f.lsb)
    return {
        "path": r.get_path(),
        "address": r.absolute_address,
        "width": r.get_property("regwidth"),
        "security": security_of(r),
        "external": bool(r.external),
        "properties": properties_json(r),
        "fields": [field_json(f) for f in fields],
    }


def block_json(b: AddressableNode) -> Dict[str, Any]:
    kind = {AddrmapNode: "addrmap", RegfileNode: "regfile", MemNode: "mem"}[type(b)]
    return {
        "path": b.get_path(),
        "kind": kind,
        "address": b.absolute_address,
        "size": b.size,
        "external": bool(b.external),
        "properties": properties_json(b),
    }


def signal_json(s: SignalNode) -> Dict[str, Any]:
    return {"path": s.get_path(), "properties": properties_json(s)}


def walk(node: Node, regs: List[RegNode], blocks: List[AddressableNode], sigs: List[SignalNode]) -> None:
    for child in node.children(unroll=True):
        if isinstance(child, RegNode):
            regs.append(child)
            # Signals may be instantiated in a register's and a field's body too.
            for sub in child.children(unroll=True):
                if isinstance(sub, SignalNode):
                    sigs.append(sub)
                else:
                    sigs.extend(s for s in sub.children(unroll=True) if isinstance(s, SignalNode))
        elif isinstance(child, SignalNode):
            sigs.append(child)
        elif isinstance(child, (AddrmapNode, RegfileNode, MemNode)):
            blocks.append(child)
            walk(child, regs, blocks, sigs)


def dump_root(root: RootNode) -> Dict[str, Any]:
    top = root.top
    regs: List[RegNode] = []
    blocks: List[AddressableNode] = [top]
    sigs: List[SignalNode] = [s for s in root.children() if isinstance(s, SignalNode)]
    walk(top, regs, blocks, sigs)
    regs.sort(key=lambda r: (r.absolute_address, r.get_path()))
    return {
        "top": top.type_name or top.inst_name,
        "registers": [register_json(r) for r in regs],
        "blocks": [block_json(b) for b in blocks],
        "signals": [signal_json(s) for s in sigs],
    }


def dump(files: List[str], incdirs: Optional[List[str]] = None,
         defines: Optional[Dict[str, str]] = None, params: Optional[Dict[str, Any]] = None,
         rdlc: Optional[RDLCompiler] = None) -> Dict[str, Any]:
    rdlc = rdlc or RDLCompiler()
    for path in files:
        rdlc.compile_file(path, incl_search_paths=incdirs or [], defines=defines or None)
    return dump_root(rdlc.elaborate(parameters=params or None))


class _Collect(MessagePrinter):
    """Keeps the compiler's errors instead of printing them (batch mode)."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: List[str] = []

    def print_message(self, severity: Severity, text: str, src_ref: Any) -> None:
        if severity >= Severity.ERROR:
            where = ""
            try:
                where = f"{src_ref.filename}:{src_ref.line}: "
            except AttributeError:
                pass
            self.errors.append(where + text)


def batch(jobs_file: str) -> int:
    with open(jobs_file, encoding="utf-8") as f:
        jobs = json.load(f)
    out = []
    for job in jobs:
        printer = _Collect()
        try:
            d = dump(job["files"], job.get("incdirs"), job.get("defines"), job.get("params"),
                     RDLCompiler(message_printer=printer))
            out.append({"ok": True, "dump": d})
        except RDLCompileError as e:
            out.append({"ok": False, "error": "\n".join(printer.errors[:8]) or str(e)})
        except Exception as e:  # pylint: disable=broad-except
            # A crash of the reference on one file must not hide the others.
            out.append({"ok": False, "error": f"reference crashed: {type(e).__name__}: {e}"})
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


def main(argv: List[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    if argv[0] == "--batch" and len(argv) == 2:
        return batch(argv[1])
    incdirs: List[str] = []
    defines: Dict[str, str] = {}
    files: List[str] = []
    it = iter(argv)
    for a in it:
        if a == "-I":
            incdirs.append(next(it, ""))
        elif a == "-D":
            name, _, value = next(it, "").partition("=")
            defines[name] = value
        else:
            files.append(a)
    try:
        result = dump(files, incdirs, defines)
    except RDLCompileError:
        # The compiler has already printed its diagnostics to stderr.
        return 1
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
