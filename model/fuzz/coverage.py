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
"""

import re
import sys

LINE = re.compile(r"^(UN)?COVERED_FUNC: hits: (\d+) edges: (\d+)/(\d+) (.*?)(?: (/\S+:\d+))?$")


def main(patterns):
    functions = {}
    for line in sys.stdin:
        m = LINE.match(line.rstrip("\n"))
        if not m:
            continue
        _, _, covered, total, name, _ = m.groups()
        # Monomorphised copies of one function: keep the best-covered one.
        prev = functions.get(name)
        if prev is None or int(covered) > prev[0]:
            functions[name] = (int(covered), int(total))
    missing = []
    print(f"{'function':<70} {'edges':>9} {'%':>5}")
    for pattern in patterns:
        total_only = pattern.startswith("sum:")
        rx = re.compile(pattern[4:] if total_only else pattern)
        hits = sorted(n for n in functions if rx.search(n))
        if not hits:
            missing.append(pattern)
        if total_only and hits:
            covered = sum(functions[n][0] for n in hits)
            total = sum(functions[n][1] for n in hits)
            pct = 100.0 * covered / total if total else 0.0
            label = f"{pattern[4:]} ({len(hits)} functions)"
            print(f"{label[:70]:<70} {covered:>4}/{total:<4} {pct:5.1f}")
            continue
        for name in hits:
            covered, total = functions[name]
            pct = 100.0 * covered / total if total else 0.0
            short = re.sub(r"<smmu::memory::InMemoryGuest[^>]*>|::<[^<>]*(<[^<>]*>)*[^<>]*>", "", name)
            print(f"{short[:70]:<70} {covered:>4}/{total:<4} {pct:5.1f}")
    if missing:
        print("no function matched: " + ", ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
