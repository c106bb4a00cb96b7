#!/bin/sh
# Instructions per access of each case of benches/mmio.rs, under callgrind
# (deterministic: unaffected by the load of the machine).
#
#   macros/runtime/count.sh [path/to/examples/count]
#
# Each case runs twice, with N1 and N2 accesses; the difference of the two totals,
# divided by N2 - N1, is the count of one access (setup cancels out). It includes
# the bench loop's own few instructions (counter, black_box of the arguments).
set -eu
bin=${1:-${CARGO_TARGET_DIR:-target}/release/examples/count}
N1=${N1:-20000}
N2=${N2:-120000}
ir() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 \
        | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
for c in read-cr0 read-s-cr0 write-cmdq-prod write-cr0 write-cmdq-base read-undefined write-undefined; do
    a=$(ir "$c" "$N1")
    b=$(ir "$c" "$N2")
    echo "$c $(( (b - a) / (N2 - N1) ))"
done
