//! The instructions one IOTLB hit costs on each path, for a count that machine load
//! cannot disturb (the criterion benchmark `translate_hit` times the same paths).
//!
//! `hit_cost PATH N` sets up the stage 1 stream of the benchmark, caches its 16 pages,
//! then translates N times on PATH: `translator` (`Translator::translate`), `smmu`
//! (`Smmu::translate`), `c_abi` (`twinreg_smmu_translate` through a function pointer),
//! `c_abi_entry` (`twinreg_smmu_stats`, the fixed cost of an entry point) or
//! `hashbrown` (a bare map lookup). The instructions of one call are the difference
//! between two runs under callgrind, divided by the difference in N:
//!
//! ```sh
//! cargo build --release -p twinreg-capi --example hit_cost
//! for path in hashbrown translator smmu c_abi c_abi_entry; do
//!   for n in 100000 200000; do
//!     valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!       target/release/examples/hit_cost $path $n 2>&1 | grep -o 'Collected : [0-9]*'
//!   done
//! done
//! ```

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;

use common::*;
use smmu::translate::TranslationRequest;
use smmu::{SmmuConfig, Translator};
use twinreg::*;

const PAGES: u64 = 16;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse::<u64>().ok()))
    else {
        eprintln!("usage: hit_cost translator|smmu|c_abi|c_abi_entry|hashbrown ITERATIONS");
        std::process::exit(2);
    };
    let requests: Vec<TranslationRequest> = (0..PAGES).map(stage1_rust_request).collect();
    let pick = |i: u64| (i % PAGES) as usize;
    match path.as_str() {
        "hashbrown" => {
            let map: hashbrown::HashMap<(u64, u64), u64> =
                (0..4000u64).map(|p| ((7, p), NS_RAM + (p << 12))).collect();
            for i in 0..n {
                black_box(map.get(&(black_box(7u64), black_box(i % 4000))));
            }
        }
        "translator" => {
            let mem = stage1_memory(PAGES);
            let mut translator = Translator::new(SmmuConfig::default()).expect("valid");
            let banks = stage1_banks();
            for i in 0..PAGES + n {
                let r = black_box(&requests[pick(i)]);
                black_box(translator.translate(&mem, &banks, r)).expect("valid");
            }
            assert_eq!(translator.stats().tlb_misses, PAGES);
        }
        "smmu" => {
            let mut device = stage1_device(PAGES);
            for i in 0..PAGES + n {
                black_box(device.translate(black_box(&requests[pick(i)]))).expect("valid");
            }
            assert_eq!(device.translator().stats().tlb_misses, PAGES);
        }
        "c_abi" | "c_abi_entry" => {
            let mut host = Host::new();
            let smmu = stage1_abi(&mut host, PAGES);
            let c_requests: Vec<TwinregTranslationRequest> =
                (0..PAGES).map(stage1_request).collect();
            let translate: unsafe extern "C" fn(
                *mut TwinregSmmu,
                *const TwinregTranslationRequest,
                *mut TwinregTranslation,
            ) -> TwinregStatus = black_box(twinreg_smmu_translate);
            let stats: unsafe extern "C" fn(*mut TwinregSmmu, *mut TwinregStats) -> TwinregStatus =
                black_box(twinreg_smmu_stats);
            let mut result = std::mem::MaybeUninit::<TwinregTranslation>::uninit();
            let mut counters = TwinregStats::default();
            let entry_only = path == "c_abi_entry";
            for i in 0..PAGES + if entry_only { 0 } else { n } {
                // SAFETY: a live handle, a request, room for the result.
                let status = unsafe { translate(smmu, &c_requests[pick(i)], result.as_mut_ptr()) };
                assert_eq!(black_box(status), TwinregStatus::Ok);
            }
            if entry_only {
                for _ in 0..n {
                    // SAFETY: a live handle and room for the counters.
                    black_box(unsafe { stats(black_box(smmu), &mut counters) });
                }
            }
            // SAFETY: as above.
            assert_eq!(unsafe { stats(smmu, &mut counters) }, TwinregStatus::Ok);
            assert_eq!(counters.iotlb_misses, PAGES);
            // SAFETY: a live handle, not used after.
            unsafe { twinreg_smmu_free(smmu) };
        }
        other => {
            eprintln!("unknown path `{other}`");
            std::process::exit(2);
        }
    }
}
