//! Scenarios from behaviour.md section 7: the QEMU qtest vectors (7.3) and the
//! further scenarios (7.4), plus the Secure-state behaviours of sections 3.3 and 6.

mod common;

use common::*;
use smmu::builders::{desc, write_structure, CdBuilder, PageTable, SteBuilder};
use smmu::config::SmmuConfig;
use smmu::registers::Gbpa;
use smmu::stream_table::StreamAttributes;
use smmu::translate::{Bypass, Outcome, RequestError, Translation, TranslationRequest};
use smmu::walk::{AccessKind, Granule, PagePermissions, WalkGeometry};
use smmu::{GuestMemory, Pas, SecSid};

const IOVA: u64 = 0x0000_0080_8060_4567;
const RWX: PagePermissions = PagePermissions {
    read: true,
    write: true,
    execute: true,
};

/// Writes the qtest's tables and structures for one bank (behaviour.md 7.3).
/// `base` is 0x4000_0000 for Non-secure and 0 for Secure.
fn qtest_tables(mem: &mut smmu::InMemoryGuest, space: Pas, base: u64, sid: u32) {
    let ns = space == Pas::NonSecure;
    let strtab = 0x0E17_9000 + base;
    let cd = 0x0E17_8FC0 + base;
    let ttb = 0x0E4D_0000 + base;
    let ns_table = if ns { 0x8000_0000_0000_0000 } else { 0 };
    // STE: V | Config 0b101 | S1ContextPtr.
    let mut ste = [0u64; 8];
    ste[0] = cd | 0b1011;
    write_structure(mem, space, strtab + u64::from(sid) * 64, &ste).unwrap();
    // CD: w0 = V | EPD1 | T0SZ 16; w1 = ASID 0x1E20 | A | R | AA64 | IPS 4;
    // w2/w3 = TTB0 | NSCFG0; w4 = NSCFG1.
    let mut cdw = [0u64; 8];
    cdw[0] = 0x1E20_6204_C000_0010;
    cdw[1] = ttb | u64::from(ns);
    cdw[2] = u64::from(ns);
    write_structure(mem, space, cd, &cdw).unwrap();
    let w = |mem: &mut smmu::InMemoryGuest, addr: u64, v: u64| {
        mem.write(space, addr, &v.to_le_bytes()).unwrap()
    };
    w(mem, ttb + 8, ns_table | (0x0E4D_1003 + base));
    w(
        mem,
        0x0E4D_1000 + base + 0x10,
        ns_table | (0x0E4D_2003 + base),
    );
    w(
        mem,
        0x0E4D_2000 + base + 0x18,
        ns_table | (0x0E4D_3003 + base),
    );
    let leaf = if ns {
        0x0400_0000_4ECB_A763
    } else {
        0x0400_0000_0ECB_A743
    };
    w(mem, 0x0E4D_3000 + base + 0x20, leaf);
}

#[test]
fn qtest_vector_non_secure_stage1() {
    let mut f = Fixture::full();
    f.mem = smmu::InMemoryGuest::new()
        .with_region(Pas::NonSecure, 0x4000_0000, 0x2000_0000)
        .with_region(Pas::Secure, 0x0E00_0000, 0x100_0000);
    qtest_tables(&mut f.mem, Pas::NonSecure, 0x4000_0000, 8);
    f.banks[0].strtab_base = 0x4E17_9000;
    f.banks[0].strtab_base_cfg = 5;
    let out = f.read(SecSid::NonSecure, 8, IOVA);
    assert_eq!(
        translated(out),
        Translation {
            output_addr: 0x4ECB_A567,
            pas: Pas::NonSecure,
            permissions: RWX,
            page_size: 4096,
            len: 1,
        }
    );
}

#[test]
fn qtest_vector_secure_stage1() {
    let mut f = Fixture::full();
    f.mem = smmu::InMemoryGuest::new()
        .with_region(Pas::NonSecure, 0x4000_0000, 0x2000_0000)
        .with_region(Pas::Secure, 0x0E00_0000, 0x100_0000);
    qtest_tables(&mut f.mem, Pas::Secure, 0, 8);
    f.banks[1].strtab_base = 0x0E17_9000;
    f.banks[1].strtab_base_cfg = 5;
    let out = f.read(SecSid::Secure, 8, IOVA);
    assert_eq!(
        translated(out),
        Translation {
            output_addr: 0x0ECB_A567,
            pas: Pas::Secure,
            permissions: RWX,
            page_size: 4096,
            len: 1,
        }
    );
    // The same StreamID as a Non-secure stream uses the (empty) NS table: V = 0.
    let e = fault(f.read(SecSid::NonSecure, 8, IOVA));
    assert_eq!(e.encode(), [0x0000_0008_0000_0004, 0, 0, 0]);
}

#[test]
fn builders_reproduce_the_qtest_encodings() {
    // behaviour.md 7.3: STE w0 = 0x4E17_8FCB, w5 = 0x000D_0094, w6 = 0x4E4D_0000;
    // CD w0 = 0xC000_0010, w1 = 0x1E20_6204, w2 = 0x4E4D_0001, w4 = 0x0000_0001.
    let ste = SteBuilder::stage1(0x4E17_8FC0).build();
    assert_eq!(ste.dwords[0] as u32, 0x4E17_8FCB);
    let s2 = SteBuilder::stage2()
        .s2r(false)
        .s2(0, 0x14, 2, Granule::K4, 5, 0x4E4D_0000)
        .build();
    assert_eq!((s2.dwords[2] >> 32) as u32, 0x000D_0094);
    assert_eq!(s2.dwords[3] as u32, 0x4E4D_0000);
    let cd = CdBuilder::new(0x4E4D_0000)
        .ips(4)
        .asid(0x1E20)
        .nscfg(true, true)
        .build();
    assert_eq!(cd.dwords[0], 0x1E20_6204_C000_0010);
    assert_eq!(cd.dwords[1] as u32, 0x4E4D_0001);
    assert_eq!(cd.dwords[2] as u32, 0x0000_0001);
}

/// Stage 2 tables of the qtest geometry: S2T0SZ = 0x14 (44-bit IPA), SL0 = 2
/// (level 0), 4 KB.
fn s2_tables(state: SecSid, slot: u64) -> PageTable {
    let geometry = WalkGeometry::stage2(Granule::K4, 0x14, 2, 48).unwrap();
    PageTable::new(
        pas(state),
        ram(state) + POOL_OFFSET + 0x10_0000 + slot * 0x4_0000,
        0x4_0000,
        geometry,
    )
    .unwrap()
}

#[test]
fn non_secure_stage2_only() {
    let mut f = Fixture::full();
    let mut s2 = s2_tables(SecSid::NonSecure, 0);
    s2.map(&mut f.mem, IOVA, 0x4ECB_A000, 3, desc::S2_PAGE_RW)
        .unwrap();
    f.write_ste(
        SecSid::NonSecure,
        3,
        SteBuilder::stage2().s2(7, 0x14, 2, Granule::K4, 5, s2.root()),
    );
    let t = translated(f.write(SecSid::NonSecure, 3, IOVA));
    assert_eq!(
        (t.output_addr, t.pas, t.page_size),
        (0x4ECB_A567, Pas::NonSecure, 4096)
    );
    // A SubstreamID without stage 1: C_BAD_SUBSTREAMID.
    let e = fault(f.translate(
        TranslationRequest::new(SecSid::NonSecure, 3, IOVA, AccessKind::Read).with_substream(5),
    ));
    assert_eq!(e.encode(), [0x0000_0003_0000_5008, 0, 0, 0]);
}

/// Identity stage 2 over the Non-secure RAM (2 MB blocks), plus `ipa -> pa`.
fn identity_s2(f: &mut Fixture, slot: u64) -> PageTable {
    let mut s2 = s2_tables(SecSid::NonSecure, slot);
    let mut a = NS_RAM;
    while a < NS_RAM + 0x80_0000 {
        s2.map(&mut f.mem, a, a, 2, desc::S2_PAGE_RW).unwrap();
        a += 0x20_0000;
    }
    s2
}

#[test]
fn non_secure_nested() {
    let mut f = Fixture::full();
    let mut s2 = identity_s2(&mut f, 0);
    // Stage 1 maps IOVA -> IPA 0x1_0000_0000 + page; stage 2 maps that IPA to a
    // 2 MB block at 0x4E00_0000.
    let mut s1 = f.s1_tables(SecSid::NonSecure, 2);
    s1.map(&mut f.mem, IOVA, 0x1_0060_4000, 3, RW).unwrap();
    s2.map(&mut f.mem, 0x1_0060_0000, 0x4E00_0000, 2, desc::S2_PAGE_RW)
        .unwrap();
    let cd = Fixture::cd_addr(SecSid::NonSecure, 2);
    f.write_cd(SecSid::NonSecure, cd, CdBuilder::new(s1.root()).asid(9));
    f.write_ste(
        SecSid::NonSecure,
        2,
        SteBuilder::nested(cd).s2(1, 0x14, 2, Granule::K4, 5, s2.root()),
    );
    let t = translated(f.read(SecSid::NonSecure, 2, IOVA));
    // IPA 0x1_0060_4567 -> 0x4E00_0000 + 0x4567; the entry size is the smaller
    // of 4 KB (stage 1) and 2 MB (stage 2).
    assert_eq!(
        (t.output_addr, t.pas, t.page_size),
        (0x4E00_4567, Pas::NonSecure, 4096)
    );
    // Second access hits the IOTLB.
    let before = f.translator.stats();
    assert_eq!(translated(f.read(SecSid::NonSecure, 2, IOVA)), t);
    assert_eq!(f.translator.stats().tlb_hits, before.tlb_hits + 1);
}

#[test]
fn secure_stage2_selects_ipa_space_and_output() {
    // Secure stream, stage 2 only (SEL2), incoming NS attribute through STE.NSCFG.
    let mut f = Fixture::full();
    let geometry = WalkGeometry::stage2(Granule::K4, 0x14, 2, 48).unwrap();
    let mut secure_s2 = PageTable::new(Pas::Secure, S_RAM + 0x80_0000, 0x4_0000, geometry).unwrap();
    secure_s2
        .map(&mut f.mem, 0x1000, S_RAM + 0x40_0000, 3, desc::S2_PAGE_RW)
        .unwrap();
    let mut ns_s2 = PageTable::new(Pas::NonSecure, NS_RAM + 0x80_0000, 0x4_0000, geometry).unwrap();
    ns_s2
        .map(&mut f.mem, 0x1000, NS_RAM + 0x40_0000, 3, desc::S2_PAGE_RW)
        .unwrap();
    // Distinct VMIDs: streams sharing a VMID share their stage 2 TLB entries.
    let ste = |nscfg: u8, s2sa: bool, vmid: u16| {
        SteBuilder::stage2()
            .nscfg(nscfg)
            .s2(vmid, 0x14, 2, Granule::K4, 5, ns_s2.root())
            .secure_s2(0x14, 2, Granule::K4, secure_s2.root())
            .set(192, 192, 1) // S2NSW: NS-IPA tables are in Non-secure memory
            .set(385, 385, u64::from(s2sa))
    };
    // NSCFG = Secure: Secure IPA space, S2SA = 0 -> Secure output.
    f.write_ste(SecSid::Secure, 1, ste(0b10, false, 1));
    let t = translated(f.read(SecSid::Secure, 1, 0x1234));
    assert_eq!((t.output_addr, t.pas), (S_RAM + 0x40_0234, Pas::Secure));
    // S2SA = 1: the Secure IPA space outputs Non-secure.
    f.write_ste(SecSid::Secure, 2, ste(0b10, true, 2));
    let t = translated(f.read(SecSid::Secure, 2, 0x1234));
    assert_eq!((t.output_addr, t.pas), (S_RAM + 0x40_0234, Pas::NonSecure));
    // NSCFG = Non-secure: Non-secure IPA space (S2TTB), Non-secure output.
    f.write_ste(SecSid::Secure, 3, ste(0b11, false, 3));
    let t = translated(f.read(SecSid::Secure, 3, 0x1234));
    assert_eq!((t.output_addr, t.pas), (NS_RAM + 0x40_0234, Pas::NonSecure));
}

#[test]
fn secure_walk_nstable_is_sticky_and_forces_non_secure_output() {
    // The walk starts Secure (NSCFG0 = 0). The level 0 table descriptor sets
    // NSTable, so levels 1-3 are fetched from Non-secure memory. Their NSTable = 0
    // and the leaf's NS = 0 cannot bring the walk back: the output is Non-secure.
    let mut f = Fixture::full();
    let ttb = S_RAM + 0x20_0000;
    let (l1, l2, l3) = (0x4120_0000u64, 0x4120_1000u64, 0x4120_2000u64);
    let put = |f: &mut Fixture, space: Pas, addr: u64, v: u64| {
        f.mem.write(space, addr, &v.to_le_bytes()).unwrap()
    };
    put(&mut f, Pas::Secure, ttb + 8, desc::NS_TABLE | l1 | 0b11);
    put(&mut f, Pas::NonSecure, l1 + 0x10, l2 | 0b11);
    put(&mut f, Pas::NonSecure, l2 + 0x18, l3 | 0b11);
    put(&mut f, Pas::NonSecure, l3 + 0x20, 0x4ECB_A000 | RW | 0b11);
    // Decoys in Secure memory at the same addresses would give another answer.
    let cd = Fixture::cd_addr(SecSid::Secure, 0);
    f.write_cd(SecSid::Secure, cd, CdBuilder::new(ttb).asid(1));
    f.write_ste(SecSid::Secure, 0, SteBuilder::stage1(cd));
    let t = translated(f.read(SecSid::Secure, 0, IOVA));
    assert_eq!((t.output_addr, t.pas), (0x4ECB_A567, Pas::NonSecure));
    // Entries read from Non-secure memory for a Secure stream are non-global.
    let (_, entry) = f.translator.tlb().entries().next().unwrap();
    assert!(!entry.global);
}

#[test]
fn secure_walk_started_non_secure_by_nscfg0() {
    let mut f = Fixture::full();
    let mut tables = f.s1_tables(SecSid::NonSecure, 5);
    // The leaf says NS = 0, but the walk is Non-secure from the start.
    tables.map(&mut f.mem, IOVA, 0x4ECB_A000, 3, RW).unwrap();
    let cd = Fixture::cd_addr(SecSid::Secure, 1);
    f.write_cd(
        SecSid::Secure,
        cd,
        CdBuilder::new(tables.root()).asid(2).nscfg(true, true),
    );
    f.write_ste(SecSid::Secure, 1, SteBuilder::stage1(cd));
    let t = translated(f.read(SecSid::Secure, 1, IOVA));
    assert_eq!((t.output_addr, t.pas), (0x4ECB_A567, Pas::NonSecure));
}

#[test]
fn secure_leaf_ns_selects_non_secure_output() {
    let mut f = Fixture::full();
    f.stage1_stream(SecSid::Secure, 4, 3, IOVA, 0x4ECB_A000, RW | desc::S1_NS);
    let t = translated(f.read(SecSid::Secure, 4, IOVA));
    assert_eq!((t.output_addr, t.pas), (0x4ECB_A567, Pas::NonSecure));
}

#[test]
fn non_secure_stream_ignores_ns_bits() {
    // NSTable/NS bits in a Non-secure walk are ignored: always Non-secure.
    let mut f = Fixture::full();
    let mut tables = f.s1_tables(SecSid::NonSecure, 6);
    tables.set_table_attributes(desc::NS_TABLE);
    tables.map(&mut f.mem, IOVA, 0x4ECB_A000, 3, RW).unwrap();
    let cd = Fixture::cd_addr(SecSid::NonSecure, 6);
    f.write_cd(SecSid::NonSecure, cd, CdBuilder::new(tables.root()).asid(6));
    f.write_ste(SecSid::NonSecure, 6, SteBuilder::stage1(cd));
    let t = translated(f.read(SecSid::NonSecure, 6, IOVA));
    assert_eq!(t.pas, Pas::NonSecure);
}

#[test]
fn disabled_bank_uses_gbpa() {
    let mut f = Fixture::full();
    f.bank_mut(SecSid::NonSecure).smmuen = false;
    // Reset GBPA: bypass, SHCFG = use incoming.
    assert_eq!(
        f.read(SecSid::NonSecure, 1, 0x1234_5678),
        Outcome::Bypass(Bypass {
            output_addr: 0x1234_5678,
            pas: Pas::NonSecure,
            attributes: StreamAttributes {
                shcfg: 1,
                ..StreamAttributes::default()
            },
            len: 1,
        })
    );
    f.bank_mut(SecSid::NonSecure).gbpa = Gbpa(1 << 20);
    assert_eq!(f.read(SecSid::NonSecure, 1, 0x1234_5678), Outcome::Abort);
    // The Secure bank is independent; S_GBPA.NSCFG picks the output space.
    f.bank_mut(SecSid::Secure).smmuen = false;
    for (nscfg, incoming_ns, expected) in [
        (0b00, false, Pas::Secure),
        (0b00, true, Pas::NonSecure),
        (0b01, true, Pas::NonSecure),
        (0b10, true, Pas::Secure),
        (0b11, false, Pas::NonSecure),
    ] {
        f.bank_mut(SecSid::Secure).gbpa = Gbpa(0x1000 | nscfg << 14);
        let mut r = TranslationRequest::new(SecSid::Secure, 1, 0x5000, AccessKind::Read);
        r.ns = incoming_ns;
        match f.translate(r) {
            Outcome::Bypass(b) => assert_eq!(b.pas, expected, "NSCFG {nscfg:#b}"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn ste_abort_and_bypass() {
    let mut f = Fixture::full();
    f.write_ste(SecSid::NonSecure, 1, SteBuilder::abort());
    assert_eq!(f.read(SecSid::NonSecure, 1, 0x1000), Outcome::Abort);
    f.write_ste(SecSid::NonSecure, 2, SteBuilder::bypass());
    match f.read(SecSid::NonSecure, 2, 0x1000) {
        Outcome::Bypass(b) => assert_eq!((b.output_addr, b.pas), (0x1000, Pas::NonSecure)),
        other => panic!("{other:?}"),
    }
    // Secure bypass follows STE.NSCFG (IDR1.ATTR_PERMS_OVR = 1).
    f.write_ste(SecSid::Secure, 2, SteBuilder::bypass().nscfg(0b11));
    match f.read(SecSid::Secure, 2, 0x1000) {
        Outcome::Bypass(b) => assert_eq!(b.pas, Pas::NonSecure),
        other => panic!("{other:?}"),
    }
    f.write_ste(SecSid::Secure, 3, SteBuilder::bypass());
    match f.read(SecSid::Secure, 3, 0x1000) {
        Outcome::Bypass(b) => assert_eq!(b.pas, Pas::Secure),
        other => panic!("{other:?}"),
    }
}

#[test]
fn secure_stream_on_smmu_without_secure_state_is_rejected() {
    let mut f = Fixture::new(SmmuConfig::qemu_7_2());
    let r = TranslationRequest::new(SecSid::Secure, 0, 0, AccessKind::Read);
    assert_eq!(
        f.translator.translate(&f.mem, &f.banks, &r),
        Err(RequestError::SecureStateNotImplemented)
    );
    // QEMU 7.2: stage 1 works.
    f.stage1_stream(SecSid::NonSecure, 1, 1, 0x8000, 0x4800_0000, RW);
    assert_eq!(
        translated(f.read(SecSid::NonSecure, 1, 0x8010)).output_addr,
        0x4800_0010
    );
}

#[test]
fn two_level_stream_table() {
    let mut f = Fixture::full();
    let l1 = NS_RAM + 0x8000;
    let l2 = NS_RAM + 0xC000;
    // LOG2SIZE 16, SPLIT 8, 2-level.
    f.banks[0].strtab_base = l1;
    f.banks[0].strtab_base_cfg = 16 | 8 << 6 | 1 << 16;
    // StreamID 0x0305: L1 index 3, L2 index 5. Span 4 -> 8 STEs.
    f.mem.write_u64(Pas::NonSecure, l1 + 3 * 8, l2 | 4).unwrap();
    SteBuilder::bypass()
        .write_linear(&mut f.mem, Pas::NonSecure, l2, 5)
        .unwrap();
    assert!(matches!(
        f.read(SecSid::NonSecure, 0x0305, 0x10),
        Outcome::Bypass(_)
    ));
    // StreamID[SPLIT-1:0] >= 2^(Span-1): C_BAD_STREAMID (spec, not QEMU's C_BAD_STE).
    let e = fault(f.read(SecSid::NonSecure, 0x0308, 0x10));
    assert_eq!(e.encode(), [0x0000_0308_0000_0002, 0, 0, 0]);
    // Span 0: C_BAD_STREAMID.
    let e = fault(f.read(SecSid::NonSecure, 0x0405, 0x10));
    assert_eq!(e.encode()[0], 0x0000_0405_0000_0002);
}

#[test]
fn substreams_linear_and_two_level_cd_tables() {
    let mut f = Fixture::full();
    let mut tables = f.s1_tables(SecSid::NonSecure, 7);
    // Non-global, so each ASID gets its own IOTLB entry.
    tables
        .map(&mut f.mem, 0x1000, 0x4800_0000, 3, RW | desc::S1_NG)
        .unwrap();
    // Linear table of 4 CDs, S1DSS = 0b10 (CD 0 for traffic without SubstreamID).
    let table = NS_RAM + 0x2_0000;
    for i in 0..4u64 {
        let cd = CdBuilder::new(tables.root()).asid(0x100 + i as u16);
        f.write_cd(SecSid::NonSecure, table + i * 64, cd);
    }
    f.write_ste(
        SecSid::NonSecure,
        1,
        SteBuilder::stage1(table).substreams(2, 0, 0b10),
    );
    let ns = SecSid::NonSecure;
    let r = TranslationRequest::new(ns, 1, 0x1000, AccessKind::Read);
    assert_eq!(translated(f.translate(r)).output_addr, 0x4800_0000);
    assert_eq!(
        translated(f.translate(r.with_substream(3))).output_addr,
        0x4800_0000
    );
    // SubstreamID 0 is reserved for no-SubstreamID traffic: F_STREAM_DISABLED.
    let e = fault(f.translate(r.with_substream(0)));
    assert_eq!(e.encode(), [0x0000_0001_0000_0006, 0, 0, 0]);
    // Beyond S1CDMax: C_BAD_SUBSTREAMID.
    let e = fault(f.translate(r.with_substream(4)));
    assert_eq!(e.encode(), [0x0000_0001_0000_4008, 0, 0, 0]);
    // Both ASIDs are cached separately.
    let asids: std::collections::BTreeSet<u16> =
        f.translator.tlb().entries().map(|(_, e)| e.asid).collect();
    assert_eq!(asids, [0x100, 0x103].into_iter().collect());

    // 2-level, 4 KB leaves: S1CDMax 8 -> L1 index = SSID[7:6].
    let l1 = NS_RAM + 0x3_0000;
    let l2 = NS_RAM + 0x4_0000;
    f.mem.write_u64(Pas::NonSecure, l1 + 2 * 8, l2 | 1).unwrap();
    f.write_cd(ns, l2 + 5 * 64, CdBuilder::new(tables.root()).asid(0x200));
    f.write_ste(ns, 2, SteBuilder::stage1(l1).substreams(8, 0b01, 0b00));
    let r = TranslationRequest::new(ns, 2, 0x1000, AccessKind::Read);
    assert_eq!(
        translated(f.translate(r.with_substream(0x85))).output_addr,
        0x4800_0000
    );
    // L1CD.V == 0: C_BAD_SUBSTREAMID.
    let e = fault(f.translate(r.with_substream(0x45)));
    assert_eq!(e.encode()[0], 0x0000_0002_0004_5008);
    // No SubstreamID with S1DSS = 0b00: F_STREAM_DISABLED.
    assert_eq!(fault(f.translate(r)).encode()[0], 0x0000_0002_0000_0006);
}

#[test]
fn s1dss_bypass_without_stage2_is_a_bypass() {
    let mut f = Fixture::full();
    f.write_ste(
        SecSid::NonSecure,
        1,
        SteBuilder::stage1(NS_RAM + 0x2_0000).substreams(2, 0, 0b01),
    );
    match f.read(SecSid::NonSecure, 1, 0x4567) {
        Outcome::Bypass(b) => assert_eq!(b.output_addr, 0x4567),
        other => panic!("{other:?}"),
    }
}

#[test]
fn blocks_and_granules() {
    let mut f = Fixture::full();
    // 4 KB granule, 1 GB block at level 1 and 2 MB block at level 2.
    let mut tables = f.s1_tables(SecSid::NonSecure, 8);
    tables
        .map(&mut f.mem, 0x4000_0000, 0x8000_0000, 1, RW)
        .unwrap();
    tables
        .map(&mut f.mem, 0x20_0000, 0x4820_0000, 2, RW)
        .unwrap();
    let cd = Fixture::cd_addr(SecSid::NonSecure, 8);
    f.write_cd(SecSid::NonSecure, cd, CdBuilder::new(tables.root()).asid(8));
    f.write_ste(SecSid::NonSecure, 8, SteBuilder::stage1(cd));
    let t = translated(f.read(SecSid::NonSecure, 8, 0x7654_3210));
    assert_eq!((t.output_addr, t.page_size), (0xB654_3210, 1 << 30));
    let t = translated(f.read(SecSid::NonSecure, 8, 0x2F_FFFF));
    assert_eq!((t.output_addr, t.page_size), (0x482F_FFFF, 1 << 21));

    for (granule, tsz, n) in [(Granule::K16, 20u8, 9u64), (Granule::K64, 22, 10)] {
        let geometry = WalkGeometry::stage1(granule, u32::from(tsz)).unwrap();
        let mut tables = PageTable::new(
            Pas::NonSecure,
            NS_RAM + POOL_OFFSET + n * 0x4_0000,
            0x4_0000,
            geometry,
        )
        .unwrap();
        let page = granule.size();
        tables
            .map(&mut f.mem, 7 * page, 0x4900_0000, 3, RW)
            .unwrap();
        let cd = Fixture::cd_addr(SecSid::NonSecure, n);
        f.write_cd(
            SecSid::NonSecure,
            cd,
            CdBuilder::new(tables.root())
                .tt0(tsz, granule)
                .asid(n as u16),
        );
        f.write_ste(SecSid::NonSecure, n as u32, SteBuilder::stage1(cd));
        let t = translated(f.read(SecSid::NonSecure, n as u32, 7 * page + 0x123));
        assert_eq!(
            (t.output_addr, t.page_size),
            (0x4900_0123, page),
            "{granule:?}"
        );
    }
}

#[test]
fn top_byte_ignore() {
    let mut f = Fixture::full();
    let mut tables = f.s1_tables(SecSid::NonSecure, 11);
    tables.map(&mut f.mem, 0x1000, 0x4800_0000, 3, RW).unwrap();
    let cd = Fixture::cd_addr(SecSid::NonSecure, 11);
    let base = CdBuilder::new(tables.root()).asid(11);
    f.write_cd(SecSid::NonSecure, cd, base.set(38, 38, 1)); // TBI0
    f.write_ste(SecSid::NonSecure, 11, SteBuilder::stage1(cd));
    let t = translated(f.read(SecSid::NonSecure, 11, 0x5A00_0000_0000_1008));
    assert_eq!(t.output_addr, 0x4800_0008);
    // Without TBI the tagged address is outside TTB0's range: F_TRANSLATION.
    f.write_cd(SecSid::NonSecure, cd, base);
    f.translator
        .config_cache_mut()
        .invalidate_stream(SecSid::NonSecure, 11);
    let e = fault(f.read(SecSid::NonSecure, 11, 0x5A00_0000_0000_1008));
    assert_eq!(e.event_type, smmu::EventType::Translation);
}

#[test]
fn cached_translation_until_invalidated() {
    let mut f = Fixture::full();
    let nrw = RW | desc::S1_NG;
    let mut tables = f.stage1_stream(SecSid::NonSecure, 1, 0x42, 0x1000, 0x4800_0000, nrw);
    assert_eq!(
        translated(f.read(SecSid::NonSecure, 1, 0x1000)).output_addr,
        0x4800_0000
    );
    // Remap without invalidation: the IOTLB still answers with the old mapping.
    tables.map(&mut f.mem, 0x1000, 0x4900_0000, 3, nrw).unwrap();
    assert_eq!(
        translated(f.read(SecSid::NonSecure, 1, 0x1000)).output_addr,
        0x4800_0000
    );
    // TLBI by VA for another ASID leaves it; for this ASID removes it.
    use smmu::tlb::{AddressRange, WorldSet};
    let tlb = f.translator.tlb_mut();
    assert_eq!(
        tlb.invalidate_va_range(
            SecSid::NonSecure,
            WorldSet::EL1,
            None,
            Some(0x43),
            AddressRange::input(0x1000, 0x1000)
        ),
        0
    );
    // The other Security state's invalidation never touches it.
    assert_eq!(tlb.invalidate_sec_sid(SecSid::Secure), 0);
    assert_eq!(
        tlb.invalidate_va_range(
            SecSid::NonSecure,
            WorldSet::EL1,
            None,
            Some(0x42),
            AddressRange::input(0x1000, 0x1000)
        ),
        1
    );
    assert_eq!(
        translated(f.read(SecSid::NonSecure, 1, 0x1000)).output_addr,
        0x4900_0000
    );
}

#[test]
fn access_crossing_a_page_is_split() {
    let mut f = Fixture::full();
    f.stage1_stream(SecSid::NonSecure, 1, 1, 0x1000, 0x4800_0000, RW);
    let r = TranslationRequest::new(SecSid::NonSecure, 1, 0x1FF8, AccessKind::Read).with_size(16);
    let t = translated(f.translate(r));
    assert_eq!((t.output_addr, t.len), (0x4800_0FF8, 8));
}

#[test]
fn secure_and_non_secure_streams_with_equal_ids_are_separate() {
    let mut f = Fixture::full();
    f.stage1_stream(SecSid::NonSecure, 1, 1, 0x1000, 0x4800_0000, RW);
    f.stage1_stream(SecSid::Secure, 1, 1, 0x1000, S_RAM + 0x50_0000, RW);
    for _ in 0..2 {
        assert_eq!(
            translated(f.read(SecSid::NonSecure, 1, 0x1000)).output_addr,
            0x4800_0000
        );
        let t = translated(f.read(SecSid::Secure, 1, 0x1000));
        assert_eq!((t.output_addr, t.pas), (S_RAM + 0x50_0000, Pas::Secure));
    }
    assert_eq!(f.translator.config_cache().len(), 2);
    assert_eq!(f.translator.tlb().len(), 2);
    assert_eq!(
        f.translator
            .config_cache_mut()
            .invalidate_sec_sid(SecSid::Secure),
        1
    );
    assert_eq!(f.translator.tlb_mut().invalidate_sec_sid(SecSid::Secure), 1);
    assert_eq!(f.translator.tlb().len(), 1);
}
