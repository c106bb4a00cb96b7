#!/usr/bin/env python3
"""Edge coverage per function from libFuzzer's `-print_coverage=1` report.

Run a fuzz target over its corpus with `-runs=0 -print_coverage=1` (see
docs/fuzzing.md) and pipe the output here, naming the functions of interest as
regular expressions over libFuzzer's demangled names:

    ./device corpus/device -runs=0 -print_coverage=1 2>&1 \\
        | python3 model/fuzz/coverage.py 'smmu::cmdq::decode$' 'walk_stage2'

Prints, for each pattern, every matching function with its covered/total edges (a
pattern written `sum:REGEX` prints one line: the total over all matching functions), and
exits non-zero if a pattern matched no function at all (a rename in the model must
not silently drop a row of the coverage table). Functions libFuzzer reports as
uncovered count as 0 covered edges.

The last column leaves out the uncovered edges that libFuzzer places at line 0: code
the compiler generated with no source line (the panic paths of overflow and bounds
checks, sanitizer checks), which no input should reach.
"""

import re
import sys

LINE = re.compile(r"^(UN)?COVERED_FUNC: hits: (\d+) edges: (\d+)/(\d+) (.*?)(?: (/\S+:\d+))?$")


def row(label, covered, total, generated):
    pct = 100.0 * covered / total if total else 0.0
    source = total - generated
    src_pct = 100.0 * covered / source if source else 0.0
    return f"{label[:70]:<70} {covered:>4}/{total:<4} {pct:5.1f} {src_pct:5.1f}"


def main(patterns):
    functions = {}
    current = None
    for line in sys.stdin:
        line = line.rstrip("\n")
        if line.startswith("  UNCOVERED_PC:") and current is not None:
            if line.endswith(":0"):
                current[2] += 1
            continue
        m = LINE.match(line)
        if not m:
            current = None
            continue
        _, _, covered, total, name, _ = m.groups()
        current = [int(covered), int(total), 0]
        # Monomorphised copies of one function: keep the best-covered one.
        prev = functions.get(name)
        if prev is None or current[0] > prev[0]:
            functions[name] = current
    missing = []
    print(f"{'function':<70} {'edges':>9} {'%':>5} {'src %':>5}")
    for pattern in patterns:
        total_only = pattern.startswith("sum:")
        rx = re.compile(pattern[4:] if total_only else pattern)
        hits = sorted(n for n in functions if rx.search(n))
        if not hits:
            missing.append(pattern)
        if total_only and hits:
            covered = sum(functions[n][0] for n in hits)
            total = sum(functions[n][1] for n in hits)
            generated = sum(functions[n][2] for n in hits)
            label = f"{pattern[4:]} ({len(hits)} functions)"
            print(row(label, covered, total, generated))
            continue
        for name in hits:
            covered, total, generated = functions[name]
            short = re.sub(r"<smmu::memory::InMemoryGuest[^>]*>|::<[^<>]*(<[^<>]*>)*[^<>]*>", "", name)
            print(row(short, covered, total, generated))
    if missing:
        print("no function matched: " + ", ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
