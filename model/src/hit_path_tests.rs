//! The hit path (`crate::hit_cache`, `Translator::translate_hit`) held to the full
//! pipeline: two translators over the same guest memory, one with hit lines and
//! one without, take the same operations - transactions, page table and STE
//! changes made without invalidation (so stale entries are used, as IHI0070 16.2
//! allows until software invalidates), every kind of invalidation the command queue
//! performs, SMMUEN toggles, and small caches that evict constantly - and must
//! agree on every outcome, every statistic and the final contents of both caches.
//! A hit line used after its sources were invalidated, evicted or replaced makes
//! them disagree.

use proptest::prelude::*;
use regdef::SecSid;

use crate::builders::{desc, CdBuilder, PageTable, SteBuilder};
use crate::config::SmmuConfig;
use crate::invalidation::{ConfigScope, Invalidation};
use crate::memory::{InMemoryGuest, Pas};
use crate::registers::BankRegisters;
use crate::tlb::{AddressRange, TlbScope, VmidMatch, WorldSet};
use crate::translate::{Outcome, TranslationRequest, Translator};
use crate::walk::{AccessKind, Granule, WalkGeometry};

const RAM: u64 = 0x4000_0000;
const STRTAB: u64 = RAM;
/// CD A (ASID 1) and CD B (ASID 2); streams 1 and 2 start on A, stream 3 on B.
const CD: [u64; 2] = [RAM + 0x1_0000, RAM + 0x1_0040];
const ASID: [u16; 2] = [1, 2];
const VA: u64 = 0x80_0000_0000;
const PAGES: u64 = 8;
const OUT: u64 = RAM + 0x100_0000;

struct World {
    mem: InMemoryGuest,
    tables: [PageTable; 2],
}

fn ste_for_cd(mem: &mut InMemoryGuest, stream: u32, cd: usize) {
    SteBuilder::stage1(CD[cd])
        .write_linear(mem, Pas::NonSecure, STRTAB, stream)
        .expect("in RAM");
}

/// Leaf attributes by choice: RW non-global, RO non-global, RW global, no execute
/// for the unprivileged, RO global, and invalid.
fn attributes(choice: u8) -> Option<u64> {
    match choice % 6 {
        0 => Some(desc::S1_PAGE_RW | desc::S1_NG),
        1 => Some(desc::S1_PAGE_RW | desc::S1_NG | desc::S1_AP_RO),
        2 => Some(desc::S1_PAGE_RW),
        3 => Some(desc::S1_PAGE_RW | desc::S1_NG | desc::S1_UXN),
        4 => Some(desc::S1_PAGE_RW | desc::S1_AP_RO),
        _ => None,
    }
}

fn remap(world: &mut World, table: usize, page: u64, target: u64, choice: u8) {
    let va = VA + (page << 12);
    let out = OUT + (target << 12);
    let t = &mut world.tables[table];
    match attributes(choice) {
        Some(attr) => t.map(&mut world.mem, va, out, 3, attr).map(|_| ()),
        None => t.write_descriptor(&mut world.mem, va, 3, 0).map(|_| ()),
    }
    .expect("pool large enough");
}

/// Register state with the Non-secure bank enabled on the linear stream table at
/// `STRTAB`, and the Secure bank off.
fn enabled_banks() -> [BankRegisters; 2] {
    [
        BankRegisters {
            smmuen: true,
            strtab_base: STRTAB,
            strtab_base_cfg: 8,
            ..BankRegisters::default()
        },
        BankRegisters::default(),
    ]
}

fn world() -> World {
    let mut mem = InMemoryGuest::new().with_region(Pas::NonSecure, RAM, 0x200_0000);
    let geometry = WalkGeometry::stage1(Granule::K4, 16).expect("valid");
    let tables = [
        PageTable::new(Pas::NonSecure, RAM + 0x10_0000, 0x40_0000, geometry).expect("pool"),
        PageTable::new(Pas::NonSecure, RAM + 0x50_0000, 0x40_0000, geometry).expect("pool"),
    ];
    for (i, t) in tables.iter().enumerate() {
        CdBuilder::new(t.root())
            .asid(ASID[i])
            .write(&mut mem, Pas::NonSecure, CD[i])
            .expect("in RAM");
    }
    SteBuilder::bypass()
        .write_linear(&mut mem, Pas::NonSecure, STRTAB, 0)
        .expect("in RAM");
    ste_for_cd(&mut mem, 1, 0);
    ste_for_cd(&mut mem, 2, 0);
    ste_for_cd(&mut mem, 3, 1);
    // Stream 4 stays an invalid STE (C_BAD_STE).
    let mut world = World { mem, tables };
    for page in 0..PAGES {
        remap(&mut world, 0, page, page, (page % 4) as u8);
        remap(&mut world, 1, page, PAGES + page, (page % 3) as u8);
    }
    world
}

#[derive(Clone, Debug)]
enum Op {
    Translate {
        stream: u32,
        page: u64,
        offset: u64,
        access: u8,
        privileged: bool,
        size: u64,
    },
    /// A page table change without invalidation.
    Remap {
        table: usize,
        page: u64,
        target: u64,
        choice: u8,
    },
    /// An STE change without invalidation: the stream's CD.
    Repoint {
        stream: u32,
        cd: usize,
    },
    Invalidate(Invalidation),
    /// SMMU_CR0.SMMUEN of the Non-secure bank.
    Enable(bool),
}

fn invalidation() -> impl Strategy<Value = Invalidation> {
    let ns = SecSid::NonSecure;
    prop_oneof![
        Just(Invalidation::All),
        Just(Invalidation::Tlb(TlbScope::sec_sid(ns))),
        (0..2usize).prop_map(move |a| Invalidation::Tlb(TlbScope {
            worlds: WorldSet::EL1,
            stages: crate::tlb::StageSet::STAGE1,
            vmid: Some(VmidMatch::exact(0)),
            asid: Some(ASID[a]),
            include_global: false,
            ..TlbScope::sec_sid(ns)
        })),
        (0..PAGES, proptest::option::of(0..2usize)).prop_map(move |(p, a)| {
            Invalidation::Tlb(TlbScope {
                worlds: WorldSet::EL1,
                stages: crate::tlb::StageSet::STAGE1,
                asid: a.map(|a| ASID[a]),
                include_global: true,
                range: Some(AddressRange::input(VA + (p << 12), 0x1000)),
                ..TlbScope::sec_sid(ns)
            })
        }),
        (0..5u32, 0..5u32).prop_map(move |(a, b)| Invalidation::Config(ConfigScope::Streams {
            sec_sid: ns,
            first: a.min(b),
            last: a.max(b),
        })),
        Just(Invalidation::Config(ConfigScope::AllStreams {
            sec_sid: ns
        })),
        (0..5u32).prop_map(move |s| Invalidation::Config(ConfigScope::Substream {
            sec_sid: ns,
            stream_id: s,
            substream_id: 0,
        })),
        // The other Security state's scopes reach nothing here.
        Just(Invalidation::Tlb(TlbScope::sec_sid(SecSid::Secure))),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0..5u32, 0..PAGES + 1, 0..0x1000u64, 0..3u8, any::<bool>(), 1..0x1800u64).prop_map(
            |(stream, page, offset, access, privileged, size)| Op::Translate {
                stream,
                page,
                offset,
                access,
                privileged,
                size,
            }
        ),
        1 => (0..2usize, 0..PAGES, 0..2 * PAGES, any::<u8>()).prop_map(
            |(table, page, target, choice)| Op::Remap {
                table,
                page,
                target,
                choice,
            }
        ),
        1 => (1..4u32, 0..2usize).prop_map(|(stream, cd)| Op::Repoint { stream, cd }),
        2 => invalidation().prop_map(Op::Invalidate),
        1 => prop::bool::weighted(0.9).prop_map(Op::Enable),
    ]
}

fn request(
    stream: u32,
    page: u64,
    offset: u64,
    access: u8,
    privileged: bool,
    size: u64,
) -> TranslationRequest {
    let kind = match access {
        0 => AccessKind::Read,
        1 => AccessKind::Write,
        _ => AccessKind::Execute,
    };
    TranslationRequest {
        privileged,
        ..TranslationRequest::new(SecSid::NonSecure, stream, VA + (page << 12) + offset, kind)
            .with_size(size)
    }
}

/// Runs `ops` on a translator with hit lines and one without; panics on the first
/// disagreement. Returns the number of hits the hit path answered.
fn run_both(config: SmmuConfig, ops: &[Op]) -> u64 {
    let mut world = world();
    let mut fast = Translator::new(config.clone()).expect("valid");
    let mut full = Translator::new(config).expect("valid");
    full.set_hit_lines(false);
    let mut banks = enabled_banks();
    let mut fast_hits = 0;
    for (step, op) in ops.iter().enumerate() {
        match op {
            &Op::Translate {
                stream,
                page,
                offset,
                access,
                privileged,
                size,
            } => {
                let r = request(stream, page, offset, access, privileged, size);
                let before = fast.stats().tlb_hits;
                // The hit path is only asked for an enabled bank (as `translate`
                // and the device ask it). Its answer is checked below by translating
                // again through `translate`, which must agree with the full pipeline.
                let answered = banks[0].smmuen && fast.translate_hit(&r, false).is_some();
                if answered {
                    fast_hits += 1;
                    assert_eq!(fast.stats().tlb_hits, before + 1);
                }
                let a = fast.translate(&world.mem, &banks, &r);
                let b = full.translate(&world.mem, &banks, &r);
                if answered {
                    // The direct call counted one more hit; the full pipeline saw the
                    // same transaction once more.
                    let again = full.translate(&world.mem, &banks, &r);
                    assert_eq!(again, b, "step {step}: {op:?}");
                }
                assert_eq!(a, b, "step {step}: {op:?}");
            }
            &Op::Remap {
                table,
                page,
                target,
                choice,
            } => remap(&mut world, table, page, target, choice),
            &Op::Repoint { stream, cd } => ste_for_cd(&mut world.mem, stream, cd),
            Op::Invalidate(inv) => {
                assert_eq!(inv.apply(&mut fast), inv.apply(&mut full), "step {step}");
            }
            &Op::Enable(on) => banks[0].smmuen = on,
        }
        assert_eq!(fast.stats(), full.stats(), "step {step}: {op:?}");
    }
    let entries = |t: &Translator| {
        (
            t.config_cache()
                .entries()
                .map(|(k, v)| (*k, *v))
                .collect::<Vec<_>>(),
            t.tlb()
                .entries()
                .map(|(tag, e)| (tag, *e))
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(entries(&fast), entries(&full));
    fast_hits
}

fn small(config_cache_capacity: usize, tlb_capacity: usize) -> SmmuConfig {
    SmmuConfig {
        config_cache_capacity,
        tlb_capacity,
        ..SmmuConfig::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn hit_path_agrees_with_the_full_pipeline(
        ops in prop::collection::vec(op(), 1..160),
        config_capacity in prop_oneof![Just(1usize), Just(2), Just(16)],
        tlb_capacity in prop_oneof![Just(1usize), Just(3), Just(64)],
    ) {
        run_both(small(config_capacity, tlb_capacity), &ops);
    }
}

fn read(stream: u32, page: u64) -> Op {
    Op::Translate {
        stream,
        page,
        offset: 0x10,
        access: 0,
        privileged: false,
        size: 4,
    }
}

/// Every source of a hit line, removed or replaced after the line was made, must
/// send the next transaction down the full pipeline (which sees the change).
#[test]
fn each_invalidation_reaches_the_hit_path() {
    let cases: Vec<(&str, Vec<Op>)> = vec![
        (
            "TLBI by VA",
            vec![Op::Invalidate(Invalidation::Tlb(TlbScope {
                range: Some(AddressRange::input(VA, 0x1000)),
                ..TlbScope::sec_sid(SecSid::NonSecure)
            }))],
        ),
        (
            "TLBI by ASID",
            vec![Op::Invalidate(Invalidation::Tlb(TlbScope {
                asid: Some(ASID[0]),
                ..TlbScope::sec_sid(SecSid::NonSecure)
            }))],
        ),
        (
            "CFGI_STE",
            vec![Op::Invalidate(Invalidation::Config(ConfigScope::Streams {
                sec_sid: SecSid::NonSecure,
                first: 1,
                last: 1,
            }))],
        ),
        (
            "CFGI_ALL",
            vec![Op::Invalidate(Invalidation::Config(
                ConfigScope::AllStreams {
                    sec_sid: SecSid::NonSecure,
                },
            ))],
        ),
        ("S_INIT.INV_ALL", vec![Op::Invalidate(Invalidation::All)]),
    ];
    for (name, invalidate) in cases {
        // Hit lines made for stream 1 page 0, then the table changed (page 0 now
        // maps elsewhere, CD switched to B), then the invalidation.
        let mut ops = vec![read(1, 0), read(1, 0), read(1, 0)];
        ops.push(Op::Remap {
            table: 0,
            page: 0,
            target: 5,
            choice: 0,
        });
        ops.push(Op::Repoint { stream: 1, cd: 1 });
        ops.extend(invalidate);
        // A walk (or a configuration fetch and a walk), a full-pipeline hit that
        // makes a new line, and a hit-path hit.
        ops.extend([read(1, 0), read(1, 0), read(1, 0)]);
        let hits = run_both(small(16, 64), &ops);
        assert_eq!(hits, 2, "{name}: the hit path answered {hits} times");
    }
}

/// A global entry found after the ASID's own probe missed is never remembered: a
/// later non-global entry of that ASID for the same page takes precedence over it
/// (IHI0070 3.17; the IOTLB's lookup order).
#[test]
fn a_later_asid_entry_shadows_a_global_one() {
    let write = Op::Translate {
        stream: 1,
        page: 0,
        offset: 0x10,
        access: 1,
        privileged: false,
        size: 4,
    };
    let ops = vec![
        // Page 0 read-only and global: cached as a global entry, hit twice.
        Op::Remap {
            table: 0,
            page: 0,
            target: 0,
            choice: 4,
        },
        read(1, 0),
        read(1, 0),
        read(1, 0),
        // Now writable and non-global elsewhere, without invalidation: the denied
        // write re-walks and caches a non-global entry beside the global one.
        Op::Remap {
            table: 0,
            page: 0,
            target: 5,
            choice: 0,
        },
        write,
        // Reads now find the ASID's entry first.
        read(1, 0),
        read(1, 0),
        read(1, 0),
    ];
    // Only the last two reads: the global entry never got a line.
    assert_eq!(run_both(small(16, 64), &ops), 2);
}

/// Eviction by a small IOTLB and configuration cache replaces the entries a line
/// names; a slot reused by another page must not be taken for the old one.
#[test]
fn eviction_and_slot_reuse_reach_the_hit_path() {
    let mut ops = Vec::new();
    for round in 0..4 {
        for page in 0..PAGES {
            ops.push(read(1 + (round % 3), page));
            ops.push(read(1 + (round % 3), page));
        }
    }
    run_both(small(2, 3), &ops);
    run_both(small(1, 1), &ops);
}

/// The figures the benchmark relies on: after one walk and one full-pipeline hit,
/// every further hit of the page is answered by the hit path, with the same result.
#[test]
fn repeated_hits_take_the_hit_path() {
    let world = world();
    let mut t = Translator::new(SmmuConfig::default()).expect("valid");
    let banks = enabled_banks();
    let r = request(1, 0, 0x123, 0, false, 4);
    assert!(t.translate_hit(&r, false).is_none(), "nothing cached yet");
    let first = t.translate(&world.mem, &banks, &r).expect("valid");
    assert!(
        t.translate_hit(&r, false).is_none(),
        "a walk leaves no line"
    );
    assert_eq!(t.translate(&world.mem, &banks, &r).expect("valid"), first);
    let Outcome::Translated(expected) = first else {
        panic!("page 0 is mapped: {first:?}");
    };
    assert_eq!(expected.output_addr, OUT + 0x123);
    assert_eq!(t.translate_hit(&r, false), Some(expected));
    // A write to the same page is checked against the entry's permissions on the hit
    // path too (page 0 is RW).
    let w = request(1, 0, 0x800, 1, false, 0x1000);
    let hit = t.translate_hit(&w, false).expect("same page, writable");
    assert_eq!((hit.output_addr, hit.len), (OUT + 0x800, 0x800));
    // Page 1 is read-only: a write is not answered by the hit path.
    let r1 = request(1, 1, 0, 0, false, 4);
    for _ in 0..2 {
        t.translate(&world.mem, &banks, &r1).expect("valid");
    }
    assert!(t.translate_hit(&r1, false).is_some());
    assert!(t
        .translate_hit(&request(1, 1, 0, 1, false, 4), false)
        .is_none());
    assert_eq!(t.stats().tlb_misses, 2);
}
