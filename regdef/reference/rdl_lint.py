#!/usr/bin/env python3
"""Compile and elaborate SystemRDL files with the reference compiler; fail on any message.

    .venv/bin/python regdef/reference/rdl_lint.py FILE...            # each file on its own
    .venv/bin/python regdef/reference/rdl_lint.py --strict FILE...   # also the optional checks

Every file is compiled and elaborated on its own (its last addrmap is the top). Any
error or warning from systemrdl-compiler makes the exit status 1. `--strict` turns on
all of the compiler's optional checks (systemrdl.warnings.ALL: missing resets, implicit
positions and addresses, alignment, strides); they are reported, not fatal, because a
missing reset is how twinreg files spell an architecturally UNKNOWN reset.
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional, Tuple

from systemrdl import RDLCompileError, RDLCompiler, warnings
from systemrdl.messages import MessagePrinter, Severity


class CountingPrinter(MessagePrinter):
    """Prints like the default printer and remembers every message."""

    def __init__(self) -> None:
        self.messages: List[Tuple[Severity, str]] = []

    def print_message(self, severity, text, src_ref) -> None:  # type: ignore[override]
        self.messages.append((severity, text))
        super().print_message(severity, text, src_ref)


def lint(path: str, warning_flags: int = 0) -> Tuple[bool, List[Tuple[Severity, str]]]:
    printer = CountingPrinter()
    rdlc = RDLCompiler(message_printer=printer, warning_flags=warning_flags)
    ok = True
    try:
        rdlc.compile_file(path)
        rdlc.elaborate()
    except RDLCompileError:
        ok = False
    msgs = [(s, t) for s, t in printer.messages if s >= Severity.WARNING]
    return ok and not msgs, msgs


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--strict", action="store_true", help="also run every optional check (informational)")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args(argv)

    status = 0
    for path in args.files:
        ok, msgs = lint(path)
        print(f"{'ok  ' if ok else 'FAIL'} {path}: {len(msgs)} warning(s)/error(s)")
        if not ok:
            status = 1
        if args.strict:
            _, extra = lint(path, warnings.ALL)
            kinds: dict = {}
            for _, text in extra:
                key = text.split("'")[0].strip()
                kinds[key] = kinds.get(key, 0) + 1
            for key, n in sorted(kinds.items()):
                print(f"     strict: {n} x {key}")
    return status


if __name__ == "__main__":
    sys.exit(main())
