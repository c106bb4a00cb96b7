//! Translation benchmarks.
//!
//! - `iotlb_hit`: an IOTLB lookup that hits, next to a bare `hashbrown` lookup of a
//!   two-word key (the IOTLB's key is two words too) in a map of the same size (the baseline the target is
//!   relative to), and the whole `translate` call on an IOTLB hit.
//! - `stage1_miss_4level_4k`: a stage 1 walk of four levels (4 KB granule,
//!   48-bit VA) on every call: the pages cycle through more than the IOTLB holds.
//! - `nested_cold_miss`: stage 1 + stage 2 with every cache empty: STE, CD through
//!   stage 2, four stage 1 levels each translated by a four-level stage 2 walk,
//!   and the final stage 2 walk.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use smmu::builders::{desc, CdBuilder, PageTable, SteBuilder};
use smmu::tlb::{Iotlb, Stages, TlbEntry, TlbTag};
use smmu::walk::{AccessKind, Granule, Permissions, WalkGeometry};
use smmu::{
    stream_table::StreamWorld, BankRegisters, InMemoryGuest, Pas, SecSid, SmmuConfig,
    TranslationRequest, Translator,
};

const RAM: u64 = 0x4000_0000;

fn bank() -> BankRegisters {
    BankRegisters {
        smmuen: true,
        strtab_base: RAM,
        strtab_base_cfg: 8,
        ..BankRegisters::default()
    }
}

fn iotlb_hit(c: &mut Criterion) {
    let mut group = c.benchmark_group("iotlb_hit");
    let tag = TlbTag {
        sec_sid: SecSid::NonSecure,
        world: StreamWorld::NsEl1,
        stages: Stages::Stage1,
        vmid: 0,
    };
    let mut tlb = Iotlb::new(4096);
    let mut baseline: hashbrown::HashMap<(u64, u64), u64> = hashbrown::HashMap::with_capacity(4096);
    for page in 0..4000u64 {
        let entry = TlbEntry {
            input_base: page << 12,
            size_shift: 12,
            output_base: RAM + (page << 12),
            pas: Pas::NonSecure,
            permissions: Permissions::ALL,
            granule: Granule::K4,
            level: 3,
            ipa_base: None,
            ipa_size_shift: 0,
            global: false,
            asid: 7,
        };
        tlb.insert(tag, page << 12, entry);
        baseline.insert((7, page), RAM + (page << 12));
    }
    let mut i = 0u64;
    group.bench_function("iotlb_lookup", |b| {
        b.iter(|| {
            i = (i + 1) % 4000;
            let e = tlb.lookup(black_box(&tag), Some(7), black_box(i << 12 | 0x123));
            black_box(e.map(|e| e.output_for(i << 12 | 0x123)))
        })
    });
    let mut j = 0u64;
    group.bench_function("hashbrown_get", |b| {
        b.iter(|| {
            j = (j + 1) % 4000;
            black_box(baseline.get(&(black_box(7u64), black_box(j))).copied())
        })
    });

    // The whole pipeline on an IOTLB hit (bank check, config cache, IOTLB).
    let (mem, mut translator) = stage1_setup(16);
    let banks = [bank(), BankRegisters::default()];
    let r = TranslationRequest::new(SecSid::NonSecure, 1, 0x80_0000_0000, AccessKind::Read);
    let _ = translator.translate(&mem, &banks, &r);
    group.bench_function("translate_on_hit", |b| {
        b.iter(|| black_box(translator.translate(&mem, &banks, black_box(&r))))
    });
    group.finish();
}

/// Stream 1: stage 1, 4 KB, T0SZ 16 (start level 0), `pages` pages mapped from
/// VA 0x80_0000_0000.
fn stage1_setup(pages: u64) -> (InMemoryGuest, Translator) {
    let mut mem = InMemoryGuest::new().with_region(Pas::NonSecure, RAM, 0x1000_0000);
    let geometry = WalkGeometry::stage1(Granule::K4, 16).unwrap();
    let mut tables = PageTable::new(Pas::NonSecure, RAM + 0x10_0000, 0x80_0000, geometry).unwrap();
    for p in 0..pages {
        tables
            .map(
                &mut mem,
                0x80_0000_0000 + (p << 12),
                RAM + 0x100_0000 + (p << 12),
                3,
                desc::S1_PAGE_RW | desc::S1_NG,
            )
            .unwrap();
    }
    CdBuilder::new(tables.root())
        .asid(1)
        .write(&mut mem, Pas::NonSecure, RAM + 0x1_0000)
        .unwrap();
    SteBuilder::stage1(RAM + 0x1_0000)
        .write_linear(&mut mem, Pas::NonSecure, RAM, 1)
        .unwrap();
    let translator = Translator::new(SmmuConfig {
        tlb_capacity: 1024,
        ..SmmuConfig::default()
    })
    .unwrap();
    (mem, translator)
}

fn stage1_miss(c: &mut Criterion) {
    let pages = 8192u64;
    let (mem, mut translator) = stage1_setup(pages);
    let banks = [bank(), BankRegisters::default()];
    let mut p = 0u64;
    c.bench_function("stage1_miss_4level_4k", |b| {
        b.iter(|| {
            // 8192 pages through a 1024-entry IOTLB: every lookup misses.
            p = (p + 1) % pages;
            let r = TranslationRequest::new(
                SecSid::NonSecure,
                1,
                0x80_0000_0000 + (p << 12),
                AccessKind::Read,
            );
            black_box(translator.translate(&mem, &banks, &r))
        })
    });
    assert!(translator.stats().tlb_hits == 0);
}

fn nested_cold_miss(c: &mut Criterion) {
    let mut mem = InMemoryGuest::new().with_region(Pas::NonSecure, RAM, 0x1000_0000);
    // Stage 2: 4 KB, 48-bit IPA, start level 0; identity over the structures with
    // 4 KB pages so that every stage 1 fetch needs a full stage 2 walk.
    let s2_geometry = WalkGeometry::stage2(Granule::K4, 16, 2, 48).unwrap();
    let mut s2 = PageTable::new(Pas::NonSecure, RAM + 0x40_0000, 0x40_0000, s2_geometry).unwrap();
    let s1_geometry = WalkGeometry::stage1(Granule::K4, 16).unwrap();
    let mut s1 = PageTable::new(Pas::NonSecure, RAM + 0x10_0000, 0x10_0000, s1_geometry).unwrap();
    s1.map(&mut mem, 0x80_0000_0000, 0x2_0000_0000, 3, desc::S1_PAGE_RW)
        .unwrap();
    for page in (RAM..RAM + 0x20_0000).step_by(0x1000) {
        s2.map(&mut mem, page, page, 3, desc::S2_PAGE_RW).unwrap();
    }
    s2.map(
        &mut mem,
        0x2_0000_0000,
        RAM + 0x100_0000,
        3,
        desc::S2_PAGE_RW,
    )
    .unwrap();
    CdBuilder::new(s1.root())
        .asid(1)
        .write(&mut mem, Pas::NonSecure, RAM + 0x1_0000)
        .unwrap();
    SteBuilder::nested(RAM + 0x1_0000)
        .s2(1, 16, 2, Granule::K4, 5, s2.root())
        .write_linear(&mut mem, Pas::NonSecure, RAM, 1)
        .unwrap();
    let banks = [bank(), BankRegisters::default()];
    let template = Translator::new(SmmuConfig {
        config_cache_capacity: 16,
        tlb_capacity: 16,
        ..SmmuConfig::default()
    })
    .unwrap();
    let r = TranslationRequest::new(SecSid::NonSecure, 1, 0x80_0000_0123, AccessKind::Read);
    c.bench_function("nested_cold_miss", |b| {
        b.iter_batched(
            || template.clone(),
            |mut translator| {
                let out = translator.translate(&mem, &banks, &r);
                (translator, out)
            },
            BatchSize::SmallInput,
        )
    });
    let mut t = template.clone();
    match t.translate(&mem, &banks, &r) {
        Ok(smmu::Outcome::Translated(tr)) => assert_eq!(tr.output_addr, RAM + 0x100_0123),
        other => panic!("nested setup does not translate: {other:?}"),
    }
}

criterion_group!(benches, iotlb_hit, stage1_miss, nested_cold_miss);
criterion_main!(benches);
