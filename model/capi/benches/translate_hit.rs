//! What an emulator pays per DMA on an IOTLB hit through the C ABI, against the
//! Rust API it wraps, in one run (`cargo bench -p twinreg-capi --bench
//! translate_hit`), group `abi_translate_hit`:
//!
//! - `hashbrown_get`: a bare `hashbrown` lookup of a two-word key in a 4096-entry
//!   map, the baseline the model's own targets are relative to;
//! - `translator_translate`: `Translator::translate` on a hit (the model's core);
//! - `smmu_translate`: `Smmu::translate` on a hit (the device: bank registers read
//!   from the register file, statistics, events);
//! - `c_abi_translate`: `twinreg_smmu_translate` on a hit, called through a function
//!   pointer the optimiser cannot see through, as C calls it: the device plus the
//!   ABI (handle checks, re-entrancy flag, panic guard, request and result
//!   conversion);
//! - `c_abi_entry`: `twinreg_smmu_stats` the same way, an entry point doing almost
//!   nothing: the fixed cost of crossing the ABI.
//!
//! Every translation is of the same 16 pages of one stage 1 stream, all cached.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;

use common::*;
use criterion::{criterion_group, criterion_main, Criterion};
use smmu::translate::TranslationRequest;
use smmu::{SmmuConfig, Translator};
use twinreg::*;

const PAGES: u64 = 16;

fn translate_hit(c: &mut Criterion) {
    let mut group = c.benchmark_group("abi_translate_hit");

    let mut baseline: hashbrown::HashMap<(u64, u64), u64> = hashbrown::HashMap::with_capacity(4096);
    for page in 0..4000u64 {
        baseline.insert((7, page), NS_RAM + (page << 12));
    }
    let mut j = 0u64;
    group.bench_function("hashbrown_get", |b| {
        b.iter(|| {
            j = (j + 1) % 4000;
            black_box(baseline.get(&(black_box(7u64), black_box(j))).copied())
        })
    });

    // The model's core.
    let mem = stage1_memory(PAGES);
    let mut translator = Translator::new(SmmuConfig::default()).expect("valid");
    let banks = stage1_banks();
    let requests: Vec<TranslationRequest> = (0..PAGES).map(stage1_rust_request).collect();
    for r in &requests {
        translator.translate(&mem, &banks, r).expect("valid");
    }
    let mut i = 0usize;
    group.bench_function("translator_translate", |b| {
        b.iter(|| {
            i = (i + 1) % requests.len();
            black_box(translator.translate(&mem, &banks, black_box(&requests[i])))
        })
    });
    assert_eq!(translator.stats().tlb_misses, PAGES);

    // The device, from Rust.
    let mut device = stage1_device(PAGES);
    for r in &requests {
        device.translate(r).expect("valid");
    }
    group.bench_function("smmu_translate", |b| {
        b.iter(|| {
            i = (i + 1) % requests.len();
            black_box(device.translate(black_box(&requests[i])))
        })
    });
    assert_eq!(device.translator().stats().tlb_misses, PAGES);

    // The same device through the C ABI, called through opaque function pointers.
    let mut host = Host::new();
    let smmu = stage1_abi(&mut host, PAGES);
    let c_requests: Vec<TwinregTranslationRequest> = (0..PAGES).map(stage1_request).collect();
    let translate: unsafe extern "C" fn(
        *mut TwinregSmmu,
        *const TwinregTranslationRequest,
        *mut TwinregTranslation,
    ) -> TwinregStatus = black_box(twinreg_smmu_translate);
    let stats: unsafe extern "C" fn(*mut TwinregSmmu, *mut TwinregStats) -> TwinregStatus =
        black_box(twinreg_smmu_stats);
    let mut result = std::mem::MaybeUninit::<TwinregTranslation>::uninit();
    for r in &c_requests {
        // SAFETY: a live handle, a request, room for the result.
        let status = unsafe { translate(smmu, r, result.as_mut_ptr()) };
        assert_eq!(status, TwinregStatus::Ok);
    }
    group.bench_function("c_abi_translate", |b| {
        b.iter(|| {
            i = (i + 1) % c_requests.len();
            // SAFETY: as above.
            black_box(unsafe { translate(smmu, black_box(&c_requests[i]), result.as_mut_ptr()) })
        })
    });
    let mut counters = TwinregStats::default();
    group.bench_function("c_abi_entry", |b| {
        // SAFETY: a live handle and room for the counters.
        b.iter(|| black_box(unsafe { stats(black_box(smmu), &mut counters) }))
    });
    // Every translation above was a hit.
    // SAFETY: as above.
    assert_eq!(unsafe { stats(smmu, &mut counters) }, TwinregStatus::Ok);
    assert_eq!(counters.iotlb_misses, PAGES);
    assert_eq!(counters.iotlb_hits + PAGES, counters.translations);
    group.finish();
    // SAFETY: a live handle, not used after.
    unsafe { twinreg_smmu_free(smmu) };
}

criterion_group!(benches, translate_hit);
criterion_main!(benches);
