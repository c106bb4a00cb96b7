//! The accesses of `benches/mmio.rs`, one case at a time, for instruction counts
//! (deterministic, unlike timings on a shared machine):
//!
//! ```sh
//! cargo build --release -p twinreg-runtime --example count
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/count write-cr0 100000
//! ```
//!
//! `count CASE N` runs N accesses of CASE exactly as the bench does (arguments and
//! result through `black_box`, the full effect returned); `count all N` prints,
//! per case, nothing but the checksum. Instructions per access are the difference
//! between two runs with different N, divided by the difference of N (the setup
//! cancels out); `macros/runtime/count.sh` does that for every case.
//!
//! `count time [BATCHES]` times every case as the bench does and prints the fastest
//! batch: stable to a few percent on a loaded machine, where criterion's medians
//! are not.

use std::hint::black_box;

mod smmu {
    twinreg_macros::register_file!("../../regdef/smmuv3.rdl");
}

use smmu::{RegisterFile, SecSid};

const NS: SecSid = SecSid::NonSecure;
const S: SecSid = SecSid::Secure;

/// The cases of `benches/mmio.rs`, in its order.
const CASES: [&str; 7] = [
    "read-cr0",
    "read-s-cr0",
    "write-cmdq-prod",
    "write-cr0",
    "write-cmdq-base",
    "read-undefined",
    "write-undefined",
];

#[inline(never)]
fn run(regs: &mut RegisterFile, case: &str, n: u64) -> u64 {
    let mut acc = 0u64;
    match case {
        "read-cr0" => {
            for _ in 0..n {
                acc ^= black_box(regs.read(black_box(0x20), black_box(4), black_box(NS)));
            }
        }
        "read-s-cr0" => {
            for _ in 0..n {
                acc ^= black_box(regs.read(black_box(0x8020), black_box(4), black_box(S)));
            }
        }
        "write-cmdq-prod" => {
            let mut v = 0u64;
            for _ in 0..n {
                v = v.wrapping_add(1);
                let e = regs.write(black_box(0x98), black_box(4), black_box(v), black_box(NS));
                acc ^= black_box(e).new;
            }
        }
        "write-cr0" => {
            let mut v = 0u64;
            for _ in 0..n {
                v ^= 0b1100;
                let e = regs.write(black_box(0x20), black_box(4), black_box(v), black_box(NS));
                acc ^= black_box(e).new;
            }
        }
        "write-cmdq-base" => {
            for _ in 0..n {
                let e = regs.write(
                    black_box(0x90),
                    black_box(4),
                    black_box(0x1000),
                    black_box(NS),
                );
                acc ^= black_box(e).new;
            }
        }
        "read-undefined" => {
            for _ in 0..n {
                acc ^= black_box(regs.read(black_box(0x30), black_box(4), black_box(NS)));
            }
        }
        "write-undefined" => {
            for _ in 0..n {
                let e = regs.write(black_box(0x30), black_box(4), black_box(1), black_box(NS));
                acc ^= black_box(e).new;
            }
        }
        _ => panic!("unknown case {case}; one of {CASES:?} or `all`"),
    }
    acc
}

/// Like criterion's `Bencher::iter`: `routine` called `n` times, each result through
/// `black_box` (a generic function, so the closure is inlined if it is small enough,
/// exactly as in the bench).
#[inline(never)]
fn iter<O, F: FnMut() -> O>(n: u64, mut routine: F) -> f64 {
    let start = std::time::Instant::now();
    for _ in 0..n {
        black_box(routine());
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

/// `count time [BATCHES]`: per case, the fastest of BATCHES batches of 10 000
/// accesses, in ns, timed as the bench does. The minimum is robust to other load on
/// the machine (a batch that was not preempted), not a median.
fn time(regs: &mut RegisterFile, batches: u32) {
    const N: u64 = 10_000;
    let mut best = [f64::INFINITY; CASES.len()];
    for _ in 0..batches {
        let (mut v, mut w) = (0u64, 0u64);
        let t = [
            iter(N, || {
                regs.read(black_box(0x20), black_box(4), black_box(NS))
            }),
            iter(N, || {
                regs.read(black_box(0x8020), black_box(4), black_box(S))
            }),
            iter(N, || {
                v = v.wrapping_add(1);
                regs.write(black_box(0x98), black_box(4), black_box(v), black_box(NS))
            }),
            iter(N, || {
                w ^= 0b1100;
                regs.write(black_box(0x20), black_box(4), black_box(w), black_box(NS))
            }),
            iter(N, || {
                regs.write(
                    black_box(0x90),
                    black_box(4),
                    black_box(0x1000),
                    black_box(NS),
                )
            }),
            iter(N, || {
                regs.read(black_box(0x30), black_box(4), black_box(NS))
            }),
            iter(N, || {
                regs.write(black_box(0x30), black_box(4), black_box(1), black_box(NS))
            }),
        ];
        for (b, t) in best.iter_mut().zip(t) {
            *b = b.min(t);
        }
    }
    for (c, b) in CASES.iter().zip(best) {
        println!("{c} {b:.2} ns");
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "all".into());
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let mut regs = RegisterFile::default();
    if case == "time" {
        time(&mut regs, n.try_into().unwrap_or(u32::MAX));
    } else if case == "all" {
        for c in CASES {
            println!("{c}: {}", run(&mut regs, c, n));
        }
    } else {
        println!("{case}: {}", run(&mut regs, &case, n));
    }
}
