//! Property tests: garbage never panics or hangs, Non-secure streams never reach
//! Secure memory, cache hits agree with fresh walks, caches stay bounded.

use proptest::prelude::*;
use smmu::builders::{desc, CdBuilder, PageTable, SteBuilder};
use smmu::config::SmmuConfig;
use smmu::translate::{Outcome, TranslationRequest};
use smmu::walk::{AccessKind, Granule, WalkGeometry};
use smmu::{BankRegisters, GuestMemory, InMemoryGuest, Pas, SecSid, Translator};

/// Small memories so that random pointers often land inside them.
/// A case that runs this long is a hang, reported as a failure of that case rather
/// than a stalled test run (generous: debug build, two shared cores).
const HANG_MS: u32 = 20_000;

const NS_BASE: u64 = 0x4000_0000;
const S_BASE: u64 = 0x0E00_0000;
const SIZE: u64 = 0x4_0000;

fn word_strategy(base: u64) -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        // Pointer-like: inside one of the memories, with descriptor-ish low bits
        // and random attribute bits on top.
        (0..SIZE, any::<u16>(), 0u64..16, any::<bool>()).prop_map(move |(off, low, top, other)| {
            let b = if other { NS_BASE + S_BASE - base } else { base };
            (b + off) & !0xFFF | u64::from(low) & 0xFFF | top << 59
        }),
        Just(0u64),
    ]
}

/// (word index, value) writes into the Non-secure and the Secure memory.
type MemoryWrites = (Vec<(u64, u64)>, Vec<(u64, u64)>);

fn memory_strategy() -> impl Strategy<Value = MemoryWrites> {
    let ns = prop::collection::vec((0..SIZE / 8, word_strategy(NS_BASE)), 0..400);
    let s = prop::collection::vec((0..SIZE / 8, word_strategy(S_BASE)), 0..200);
    (ns, s)
}

fn bank_strategy(base: u64) -> impl Strategy<Value = BankRegisters> {
    (
        any::<bool>(),
        any::<u32>(),
        0..SIZE,
        any::<u32>(),
        any::<u32>(),
        any::<bool>(),
    )
        .prop_map(move |(smmuen, gbpa, off, cfg, cr2, sif)| BankRegisters {
            smmuen: smmuen || off & 1 == 0,
            gbpa: smmu::registers::Gbpa(gbpa),
            strtab_base: base + off,
            strtab_base_cfg: cfg & 0x3_07FF,
            cr2,
            sif,
        })
}

fn request_strategy() -> impl Strategy<Value = TranslationRequest> {
    (
        any::<bool>(),
        0u32..64,
        prop::option::of(0u32..(1 << 20)),
        prop_oneof![any::<u64>(), 0u64..(1 << 40)],
        1u64..9000,
        prop_oneof![
            Just(AccessKind::Read),
            Just(AccessKind::Write),
            Just(AccessKind::Execute)
        ],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(secure, sid, ssid, iova, size, access, privileged, ns)| {
            TranslationRequest {
                stream_id: sid,
                substream_id: ssid,
                sec_sid: if secure {
                    SecSid::Secure
                } else {
                    SecSid::NonSecure
                },
                iova,
                size,
                access,
                privileged,
                ns,
            }
        })
}

fn garbage_guest(ns: &[(u64, u64)], s: &[(u64, u64)]) -> InMemoryGuest {
    let mut mem = InMemoryGuest::new()
        .with_region(Pas::NonSecure, NS_BASE, SIZE)
        .with_region(Pas::Secure, S_BASE, SIZE);
    for &(i, w) in ns {
        mem.write_u64(Pas::NonSecure, NS_BASE + i * 8, w).unwrap();
    }
    for &(i, w) in s {
        mem.write_u64(Pas::Secure, S_BASE + i * 8, w).unwrap();
    }
    mem
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, timeout: HANG_MS, ..ProptestConfig::default() })]

    /// Garbage stream tables, CDs and page tables give a result or an architected
    /// fault: no panic, no hang. Non-secure streams never produce Secure output.
    #[test]
    fn garbage_is_handled((ns, s) in memory_strategy(),
                          banks in (bank_strategy(NS_BASE), bank_strategy(S_BASE)),
                          requests in prop::collection::vec(request_strategy(), 1..24)) {
        let mem = garbage_guest(&ns, &s);
        let banks = [banks.0, banks.1];
        let mut translator = Translator::new(SmmuConfig {
            config_cache_capacity: 8,
            tlb_capacity: 16,
            ..SmmuConfig::default()
        }).unwrap();
        for r in &requests {
            let out = translator.translate(&mem, &banks, r);
            prop_assert!(translator.config_cache().len() <= 8);
            prop_assert!(translator.tlb().len() <= 16);
            if r.sec_sid == SecSid::NonSecure {
                match out {
                    Ok(Outcome::Translated(t)) => prop_assert_eq!(t.pas, Pas::NonSecure),
                    Ok(Outcome::Bypass(b)) => prop_assert_eq!(b.pas, Pas::NonSecure),
                    Ok(Outcome::Fault(e)) | Ok(Outcome::FaultRazWi(e)) => {
                        prop_assert_eq!(e.sec_sid, SecSid::NonSecure)
                    }
                    _ => {}
                }
            }
        }
    }
}

/// One stream of the structured generator.
#[derive(Clone, Debug)]
struct StreamSpec {
    secure: bool,
    kind: u8, // 0 stage 1, 1 stage 2, 2 nested, 3 bypass
    granule: u8,
    pages: Vec<(u64, u64, u64)>, // (input page index, output page index, attribute choice)
    /// Random Secure-only controls (STE S2SW/S2SA/S2NSW/S2NSA/NSCFG, CD NSCFG0,
    /// NSTable) that a Non-secure stream must ignore.
    noise: u8,
}

fn stream_strategy() -> impl Strategy<Value = StreamSpec> {
    (
        any::<bool>(),
        0u8..4,
        0u8..3,
        prop::collection::vec((0u64..16, 0u64..16, any::<u64>()), 1..6),
        any::<u8>(),
    )
        .prop_map(|(secure, kind, granule, pages, noise)| StreamSpec {
            secure,
            kind,
            granule,
            pages,
            noise,
        })
}

fn s1_attrs(choice: u64) -> u64 {
    let mut a = desc::SH_INNER | desc::S1_NG;
    for (bit, value) in [
        (0, desc::AF),
        (1, desc::S1_AP_USER),
        (2, desc::S1_AP_RO),
        (3, desc::S1_UXN),
        (4, desc::S1_PXN),
        (5, desc::S1_NS),
    ] {
        if choice >> bit & 1 != 0 {
            a |= value;
        }
    }
    if choice & 0b1100_0000 != 0 {
        a |= desc::AF;
    }
    a
}

fn s2_attrs(choice: u64) -> u64 {
    let mut a = desc::SH_INNER | desc::S2_NORMAL_WB;
    for (bit, value) in [
        (8, desc::AF),
        (9, desc::S2_READ),
        (10, desc::S2_WRITE),
        (11, desc::S2_XN),
    ] {
        if choice >> bit & 1 != 0 {
            a |= value;
        }
    }
    if choice & 0b11 << 12 != 0 {
        a |= desc::AF | desc::S2_READ;
    }
    a
}

const NS_RAM: u64 = 0x4000_0000;
const S_RAM: u64 = 0x0E00_0000;

/// Builds well-formed configurations for `streams` (unique ASID and VMID per
/// stream, non-global leaves) in fresh memory.
fn build(streams: &[StreamSpec]) -> (InMemoryGuest, [BankRegisters; 2]) {
    // Secure memory also exists at the Non-secure RAM's addresses: a decoy copy
    // of the Non-secure structures (see `mirror`), so that a Non-secure stream
    // that wrongly used Secure PA space would still translate, visibly.
    let mut mem = InMemoryGuest::new()
        .with_region(Pas::NonSecure, NS_RAM, 0x400_0000)
        .with_region(Pas::Secure, S_RAM, 0x100_0000)
        .with_region(Pas::Secure, NS_RAM, 0x400_0000);
    let bank = |strtab| BankRegisters {
        smmuen: true,
        strtab_base: strtab,
        strtab_base_cfg: 4,
        cr2: 2,
        ..BankRegisters::default()
    };
    let banks = [bank(NS_RAM), bank(S_RAM)];
    for (i, s) in streams.iter().enumerate() {
        let sid = i as u32;
        let (space, ram) = if s.secure {
            (Pas::Secure, S_RAM)
        } else {
            (Pas::NonSecure, NS_RAM)
        };
        let granule = [Granule::K4, Granule::K16, Granule::K64][usize::from(s.granule)];
        let page = granule.size();
        let pool = ram + 0x10_0000 + i as u64 * 0x8_0000;
        let s1_geom = WalkGeometry::stage1(granule, 25).unwrap();
        let s2_geom = WalkGeometry::stage2(granule, 25, 1, 48)
            .or_else(|| WalkGeometry::stage2(granule, 25, 2, 48))
            .or_else(|| WalkGeometry::stage2(granule, 25, 0, 48))
            .unwrap();
        let mut s1 = PageTable::new(space, pool, 0x4_0000, s1_geom).unwrap();
        if !s.secure && s.noise & 0x40 != 0 {
            s1.set_table_attributes(desc::NS_TABLE);
        }
        // Stage 2 tables are always Non-secure: Secure streams use the Non-secure
        // IPA space here (STE.NSCFG = Non-secure, S2NSW = 1).
        let mut s2 = PageTable::new(
            Pas::NonSecure,
            NS_RAM + 0x200_0000 + i as u64 * 0x4_0000,
            0x4_0000,
            s2_geom,
        )
        .unwrap();
        let data = ram + 0x80_0000;
        for &(input, output, choice) in &s.pages {
            let va = 0x10_0000 + input * page;
            let pa = data + output * page;
            match s.kind {
                0 => {
                    s1.map(&mut mem, va, pa, 3, s1_attrs(choice)).unwrap();
                }
                1 => {
                    s2.map(
                        &mut mem,
                        va,
                        NS_RAM + 0x80_0000 + output * page,
                        3,
                        s2_attrs(choice),
                    )
                    .unwrap();
                }
                _ => {
                    // Stage 1 maps into IPA space; stage 2 maps IPAs to Non-secure data.
                    let ipa = 0x20_0000 + output * page;
                    s1.map(&mut mem, va, ipa, 3, s1_attrs(choice)).unwrap();
                    s2.map(
                        &mut mem,
                        ipa,
                        NS_RAM + 0x80_0000 + input * page,
                        3,
                        s2_attrs(choice),
                    )
                    .unwrap();
                }
            }
        }
        let cd_addr = ram + 0x1_0000 + i as u64 * 64;
        let cd = CdBuilder::new(s1.root())
            .tt0(25, granule)
            .asid(i as u16 + 1);
        let tg_s2 = (25u8, s2_geom.start_level);
        let sl0 = match (granule, tg_s2.1) {
            (Granule::K4, 2) => 0,
            (Granule::K4, 1) => 1,
            (Granule::K4, _) => 2,
            (_, 3) => 0,
            (_, 2) => 1,
            _ => 2,
        };
        let ste = match s.kind {
            0 => SteBuilder::stage1(cd_addr),
            1 => SteBuilder::stage2().s2(i as u16 + 1, 25, sl0, granule, 5, s2.root()),
            2 => {
                // The CD and stage 1 tables must be reachable as IPAs: map the
                // stream's pool and CD area identically (Non-secure streams only;
                // Secure nested streams would need Secure IPA tables).
                SteBuilder::nested(cd_addr).s2(i as u16 + 1, 25, sl0, granule, 5, s2.root())
            }
            _ => SteBuilder::bypass(),
        };
        let ste = if s.secure {
            ste.nscfg(0b11)
                .set(192, 192, 1)
                .set(193, 193, 1)
                .secure_s2(25, sl0, granule, s2.root())
        } else {
            ste
        };
        if s.kind == 2 {
            // Identity-map CD and table pages at stage 2.
            for a in [cd_addr & !(page - 1)]
                .into_iter()
                .chain((0..0x4_0000 / page).map(|k| pool + k * page))
            {
                if a >> 39 == 0 && a < (1 << 39) {
                    let _ = s2.map(&mut mem, a, a, 3, desc::S2_PAGE_RW);
                }
            }
        }
        cd.write(&mut mem, space, cd_addr).unwrap();
        ste.write_linear(&mut mem, space, ram, sid).unwrap();
    }
    mirror(&mut mem, NS_RAM, 0x2_0000); // stream table and CDs
    mirror(&mut mem, NS_RAM + 0x10_0000, 0x20_0000); // stage 1 pools
    mirror(&mut mem, NS_RAM + 0x200_0000, 0x10_0000); // stage 2 pools
    (mem, banks)
}

/// Copies Non-secure memory to the same addresses of Secure memory.
fn mirror(mem: &mut InMemoryGuest, base: u64, len: u64) {
    let mut page = [0u8; 4096];
    for addr in (base..base + len).step_by(4096) {
        mem.read(Pas::NonSecure, addr, &mut page).unwrap();
        if page.iter().any(|&b| b != 0) {
            mem.write(Pas::Secure, addr, &page).unwrap();
        }
    }
}

fn structured_request(streams: usize) -> impl Strategy<Value = (usize, usize, u64, u8, bool)> {
    // The page is an index into the stream's mapped pages (most requests hit a
    // mapping) or, past its end, a raw page number (likely unmapped).
    (0..streams, 0usize..8, 0u64..0x1_0000, 0u8..3, any::<bool>())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, timeout: HANG_MS, ..ProptestConfig::default() })]

    /// With memory unchanged, a translator that keeps its caches answers every
    /// request exactly as a fresh translator (empty caches) does.
    #[test]
    fn cache_hits_agree_with_fresh_walks(
        streams in prop::collection::vec(stream_strategy(), 1..5),
        requests in prop::collection::vec(structured_request(5), 1..40),
        small in any::<bool>(),
    ) {
        let (mem, banks) = build(&streams);
        let config = SmmuConfig {
            config_cache_capacity: if small { 2 } else { 64 },
            tlb_capacity: if small { 3 } else { 256 },
            ..SmmuConfig::default()
        };
        let mut cached = Translator::new(config.clone()).unwrap();
        for &(stream, page, offset, access, privileged) in &requests {
            let s = &streams[stream % streams.len()];
            let page_size = [0x1000u64, 0x4000, 0x1_0000][usize::from(s.granule)];
            let page = s.pages.get(page).map_or(page as u64 + 3, |p| p.0);
            let r = TranslationRequest {
                stream_id: (stream % streams.len()) as u32,
                substream_id: None,
                sec_sid: if s.secure { SecSid::Secure } else { SecSid::NonSecure },
                iova: 0x10_0000 + page * page_size + offset % page_size,
                size: 4,
                access: [AccessKind::Read, AccessKind::Write, AccessKind::Execute][usize::from(access)],
                privileged,
                ns: false,
            };
            // Twice through the caching translator: the second is likely a hit.
            let first = cached.translate(&mem, &banks, &r);
            let second = cached.translate(&mem, &banks, &r);
            let fresh = Translator::new(config.clone()).unwrap().translate(&mem, &banks, &r);
            if !s.secure {
                match &first {
                    Ok(Outcome::Translated(t)) => prop_assert_eq!(t.pas, Pas::NonSecure),
                    Ok(Outcome::Bypass(b)) => prop_assert_eq!(b.pas, Pas::NonSecure),
                    _ => {}
                }
            }
            prop_assert_eq!(first, fresh);
            prop_assert_eq!(second, fresh);
            prop_assert!(cached.config_cache().len() <= cached.config_cache().capacity());
            prop_assert!(cached.tlb().len() <= cached.tlb().capacity());
        }
    }
}

#[test]
fn structured_generator_produces_translations() {
    // Guard against a generator that only ever faults: a plain stage 1 stream.
    let spec = StreamSpec {
        secure: false,
        kind: 0,
        granule: 0,
        pages: vec![(1, 2, 0b11)],
        noise: 0,
    };
    let (mem, banks) = build(&[spec]);
    let mut t = Translator::new(SmmuConfig::default()).unwrap();
    let r = TranslationRequest::new(SecSid::NonSecure, 0, 0x10_1008, AccessKind::Read);
    match t.translate(&mem, &banks, &r).unwrap() {
        Outcome::Translated(tr) => assert_eq!(tr.output_addr, NS_RAM + 0x80_2008),
        other => panic!("{other:?}"),
    }
    assert!(mem.read_u64(Pas::NonSecure, NS_RAM).is_ok());
}
