//! Every event the translation core produces, and every C_BAD_STE / C_BAD_CD rule,
//! with the exact record fields and encoded double words.

mod common;

use common::*;
use smmu::builders::{desc, CdBuilder, PageTable, SteBuilder};
use smmu::config::SmmuConfig;
use smmu::context_descriptor::InvalidCd;
use smmu::event::{Event, EventDetail, EventType, FaultClass};
use smmu::stream_table::InvalidSte;
use smmu::translate::{Outcome, TranslationRequest};
use smmu::walk::{AccessKind, Granule, WalkGeometry};
use smmu::{Pas, SecSid};

const NS: SecSid = SecSid::NonSecure;
const S: SecSid = SecSid::Secure;

fn sid_word(sid: u32, code: u64) -> u64 {
    u64::from(sid) << 32 | code
}

// ---------------------------------------------------------------- stream table

#[test]
fn bad_streamid_recorded_only_with_recinvsid() {
    let mut f = Fixture::full();
    let e = fault(f.read(NS, 256, 0x1000));
    assert_eq!(e, Event::new(EventType::BadStreamId, NS, 256, None));
    assert!(e.record);
    assert_eq!(e.encode(), [sid_word(256, 0x02), 0, 0, 0]);
    f.bank_mut(NS).cr2 = 0;
    let e = fault(f.read(NS, 256, 0x1000));
    assert!(!e.record);
    // The Secure bank has its own size: StreamID 256 is out of range there too,
    // and the event belongs to the Secure queue.
    let e = fault(f.read(S, 300, 0x1000));
    assert_eq!((e.sec_sid, e.event_type), (S, EventType::BadStreamId));
}

#[test]
fn ste_fetch_abort() {
    let mut f = Fixture::full();
    f.bank_mut(NS).strtab_base = 0x2000_0000; // no memory there
    let e = fault(f.read(NS, 3, 0x1000));
    assert_eq!(
        e,
        Event {
            fetch_addr: 0x2000_00C0,
            ..Event::new(EventType::SteFetch, NS, 3, None)
        }
    );
    assert_eq!(e.encode(), [sid_word(3, 0x03), 0, 0, 0x2000_00C0]);
    // A Secure stream table is read from Secure PA space: the same address in
    // Non-secure RAM does not help.
    f.bank_mut(S).strtab_base = NS_RAM;
    let e = fault(f.read(S, 1, 0x1000));
    assert_eq!(
        (e.event_type, e.fetch_addr),
        (EventType::SteFetch, NS_RAM + 64)
    );
}

fn assert_bad_ste(f: &mut Fixture, state: SecSid, sid: u32, rule: InvalidSte) {
    let e = fault(f.read(state, sid, 0x1000));
    assert_eq!(
        e,
        Event {
            detail: EventDetail::Ste(rule),
            ..Event::new(EventType::BadSte, state, sid, None)
        },
        "{rule:?}"
    );
    assert_eq!(e.encode(), [sid_word(sid, 0x04), 0, 0, 0]);
}

fn s2_ste() -> SteBuilder {
    SteBuilder::stage2().s2(1, 0x14, 2, Granule::K4, 5, NS_RAM + 0x80_0000)
}

#[test]
fn every_bad_ste_rule() {
    let mut f = Fixture::full();
    let cd = Fixture::cd_addr(NS, 0);
    let cases: Vec<(SecSid, SteBuilder, InvalidSte)> = vec![
        (
            NS,
            SteBuilder::stage1(cd).valid(false),
            InvalidSte::NotValid,
        ),
        (NS, s2_ste().set(179, 179, 0), InvalidSte::Stage2Aarch32),
        (
            NS,
            SteBuilder::stage1(cd).set(91, 91, 1),
            InvalidSte::StallDisableIllegal,
        ),
        (
            NS,
            SteBuilder::stage1(cd).strw(0b01),
            InvalidSte::StreamWorldIllegal,
        ),
        (
            NS,
            SteBuilder::stage1(cd).strw(0b11),
            InvalidSte::StreamWorldIllegal,
        ),
        (
            S,
            SteBuilder::stage1(cd).strw(0b11),
            InvalidSte::StreamWorldIllegal,
        ),
        (
            NS,
            s2_ste().set(175, 174, 0b11),
            InvalidSte::Stage2GranuleInvalid { secure_ipa: false },
        ),
        (
            NS,
            s2_ste().set(167, 166, 0b11),
            InvalidSte::Stage2GeometryInvalid { secure_ipa: false },
        ),
        (
            NS,
            s2_ste().set(165, 160, 40),
            InvalidSte::Stage2GeometryInvalid { secure_ipa: false },
        ),
        (
            NS,
            // 44-bit IPA cannot start at level 1 (more than 16 concatenated tables).
            s2_ste().set(167, 166, 1),
            InvalidSte::Stage2GeometryInvalid { secure_ipa: false },
        ),
        (
            NS,
            s2_ste().set(178, 176, 4).set(247, 196, (1u64 << 44) >> 4),
            InvalidSte::Stage2TtbOutOfRange { secure_ipa: false },
        ),
        (NS, s2_ste().set(180, 180, 1), InvalidSte::Stage2BigEndian),
        (
            NS,
            s2_ste().set(184, 184, 1),
            InvalidSte::Stage2HttuUnsupported,
        ),
        (
            NS,
            s2_ste().set(183, 183, 1),
            InvalidSte::Stage2HttuUnsupported,
        ),
        (
            NS,
            s2_ste().set(185, 185, 1),
            InvalidSte::Stage2StallUnsupported,
        ),
        (
            S,
            s2_ste()
                .secure_s2(0x14, 2, Granule::K4, S_RAM)
                .set(303, 302, 0b11),
            InvalidSte::Stage2GranuleInvalid { secure_ipa: true },
        ),
        (
            S,
            s2_ste().secure_s2(0x14, 3, Granule::K4, S_RAM),
            InvalidSte::Stage2GeometryInvalid { secure_ipa: true },
        ),
        (
            S,
            s2_ste().secure_s2(0x14, 2, Granule::K4, 1 << 50),
            InvalidSte::Stage2TtbOutOfRange { secure_ipa: true },
        ),
    ];
    for (i, (state, ste, rule)) in cases.into_iter().enumerate() {
        let sid = i as u32;
        f.write_ste(state, sid, ste);
        assert_bad_ste(&mut f, state, sid, rule);
    }
}

#[test]
fn bad_ste_rules_that_depend_on_the_implementation() {
    let cd = Fixture::cd_addr(NS, 0);
    // No stage 1 (so no substreams, no EL2 StreamWorlds and no Secure state).
    let mut f = Fixture::new(SmmuConfig {
        stage1: false,
        ssid_bits: 0,
        hyp: false,
        secure_impl: false,
        secure_stage2: false,
        ..SmmuConfig::default()
    });
    f.write_ste(NS, 1, SteBuilder::stage1(cd));
    assert_bad_ste(&mut f, NS, 1, InvalidSte::Stage1NotImplemented);
    // No stage 2 (QEMU 7.2).
    let mut f = Fixture::new(SmmuConfig::qemu_7_2());
    f.write_ste(NS, 1, s2_ste());
    assert_bad_ste(&mut f, NS, 1, InvalidSte::Stage2NotImplemented);
    // Stage 2 but no Secure stage 2 (the QEMU series: SEL2 = 0).
    let no_sel2 = SmmuConfig {
        secure_stage2: false,
        ..SmmuConfig::default()
    };
    let mut f = Fixture::new(no_sel2.clone());
    f.write_ste(S, 1, s2_ste());
    assert_bad_ste(&mut f, S, 1, InvalidSte::SecureStage2NotImplemented);
    f.write_ste(
        S,
        2,
        SteBuilder::nested(cd).s2(1, 0x14, 2, Granule::K4, 5, S_RAM),
    );
    assert_bad_ste(&mut f, S, 2, InvalidSte::SecureStage2NotImplemented);
    // Secure STRW = 0b10 (S-EL2) needs SEL2.
    f.write_ste(S, 3, SteBuilder::stage1(cd).strw(0b10));
    assert_bad_ste(&mut f, S, 3, InvalidSte::StreamWorldIllegal);
    // The same STE passes the STE checks with SEL2 (and then needs a CD).
    let mut g = Fixture::full();
    g.write_ste(S, 3, SteBuilder::stage1(Fixture::cd_addr(S, 0)).strw(0b10));
    assert_eq!(fault(g.read(S, 3, 0x1000)).event_type, EventType::BadCd);
    // S1CDMax beyond SSIDSIZE; S1Fmt 2-level without CD2L.
    let mut f = Fixture::new(SmmuConfig {
        ssid_bits: 4,
        two_level_cd: false,
        ..SmmuConfig::default()
    });
    f.write_ste(NS, 1, SteBuilder::stage1(cd).substreams(5, 0, 0));
    assert_bad_ste(&mut f, NS, 1, InvalidSte::S1CdMaxTooLarge);
    f.write_ste(NS, 2, SteBuilder::stage1(cd).substreams(2, 0b01, 0));
    assert_bad_ste(&mut f, NS, 2, InvalidSte::TwoLevelCdUnsupported);
    // 8-bit VMIDs.
    let mut f = Fixture::new(SmmuConfig {
        vmid16: false,
        ..SmmuConfig::default()
    });
    f.write_ste(NS, 1, s2_ste().set(143, 128, 0x100));
    assert_bad_ste(&mut f, NS, 1, InvalidSte::VmidTooWide);
    // Unimplemented granule.
    let mut f = Fixture::new(SmmuConfig {
        granules: smmu::config::GranuleSupport {
            k4: true,
            k16: false,
            k64: true,
        },
        ..SmmuConfig::default()
    });
    f.write_ste(NS, 1, s2_ste().set(175, 174, 0b10));
    assert_bad_ste(
        &mut f,
        NS,
        1,
        InvalidSte::Stage2GranuleInvalid { secure_ipa: false },
    );
    // With SSIDSIZE = 0, S1CDMax is IGNORED (QEMU would say C_BAD_STE).
    let mut f = Fixture::new(SmmuConfig::qemu_7_2());
    f.stage1_stream(NS, 1, 1, 0x1000, 0x4800_0000, RW);
    f.write_ste(
        NS,
        1,
        SteBuilder::stage1(Fixture::cd_addr(NS, 1)).substreams(3, 0, 0),
    );
    assert_eq!(translated(f.read(NS, 1, 0x1000)).output_addr, 0x4800_0000);
}

#[test]
fn config_zero_aborts_without_event() {
    let mut f = Fixture::full();
    for config in 0..4u8 {
        f.write_ste(NS, 1, SteBuilder::new(config));
        f.translator.config_cache_mut().invalidate_all();
        assert_eq!(f.read(NS, 1, 0x1000), Outcome::Abort, "Config {config:#b}");
    }
}

// ----------------------------------------------------------- substreams and CDs

#[test]
fn cd_fetch_abort() {
    let mut f = Fixture::full();
    f.write_ste(NS, 1, SteBuilder::stage1(0x2000_0040));
    let e = fault(f.read(NS, 1, 0x1000));
    assert_eq!(
        e,
        Event {
            fetch_addr: 0x2000_0040,
            ..Event::new(EventType::CdFetch, NS, 1, None)
        }
    );
    assert_eq!(e.encode(), [sid_word(1, 0x09), 0, 0, 0x2000_0040]);
    // A Secure stream's CD is read from Secure PA space.
    f.write_ste(S, 1, SteBuilder::stage1(NS_RAM + 0x1_0000));
    let e = fault(f.read(S, 1, 0x1000));
    assert_eq!(
        (e.event_type, e.fetch_addr),
        (EventType::CdFetch, NS_RAM + 0x1_0000)
    );
}

fn assert_bad_cd(f: &mut Fixture, sid: u32, cd: CdBuilder, rule: InvalidCd) {
    let addr = Fixture::cd_addr(NS, u64::from(sid));
    f.write_cd(NS, addr, cd);
    f.write_ste(NS, sid, SteBuilder::stage1(addr));
    let e = fault(f.read(NS, sid, 0x1000));
    assert_eq!(
        e,
        Event {
            detail: EventDetail::Cd(rule),
            ..Event::new(EventType::BadCd, NS, sid, None)
        },
        "{rule:?}"
    );
    assert_eq!(e.encode(), [sid_word(sid, 0x0A), 0, 0, 0]);
}

#[test]
fn every_bad_cd_rule() {
    let mut f = Fixture::full();
    let ttb = NS_RAM + 0x20_0000;
    let cd = || CdBuilder::new(ttb);
    let cases = [
        (cd().set(31, 31, 0), InvalidCd::NotValid),
        (cd().set(41, 41, 0), InvalidCd::Aarch32),
        (cd().set(15, 15, 1), InvalidCd::BigEndian),
        (cd().set(43, 43, 1), InvalidCd::HttuUnsupported),
        (cd().set(42, 42, 1), InvalidCd::HttuUnsupported),
        (cd().set(67, 67, 1), InvalidCd::HttuUnsupported),
        (cd().set(44, 44, 1), InvalidCd::StallUnsupported),
        (cd().set(46, 46, 0), InvalidCd::AbortRequired),
        (cd().set(5, 0, 12), InvalidCd::TxszOutOfRange { ttb: 0 }),
        // IDR3.STT = 1: up to 48 with 4 KB and 16 KB granules, 47 with 64 KB.
        (cd().set(5, 0, 49), InvalidCd::TxszOutOfRange { ttb: 0 }),
        (
            cd().tt0(48, Granule::K64),
            InvalidCd::TxszOutOfRange { ttb: 0 },
        ),
        (cd().set(7, 6, 0b11), InvalidCd::GranuleInvalid { ttb: 0 }),
        (
            cd().ips(4).ttb0(1 << 44),
            InvalidCd::TtbOutOfRange { ttb: 0 },
        ),
        (
            cd().ttb1(ttb, 16, Granule::K4).set(23, 22, 0b00),
            InvalidCd::GranuleInvalid { ttb: 1 },
        ),
        (
            cd().ttb1(ttb, 50, Granule::K4),
            InvalidCd::TxszOutOfRange { ttb: 1 },
        ),
        (
            cd().ttb1(1 << 48, 16, Granule::K4),
            InvalidCd::TtbOutOfRange { ttb: 1 },
        ),
    ];
    for (i, (cd, rule)) in cases.into_iter().enumerate() {
        assert_bad_cd(&mut f, i as u32, cd, rule);
    }
    // EPD0 = 1 makes the TTB0 fields unchecked: T0SZ 0 is then fine, and an
    // access through TTB0 is a Translation fault.
    let addr = Fixture::cd_addr(NS, 30);
    f.write_cd(NS, addr, cd().set(5, 0, 0).set(14, 14, 1));
    f.write_ste(NS, 30, SteBuilder::stage1(addr));
    assert_eq!(
        fault(f.read(NS, 30, 0x1000)).event_type,
        EventType::Translation
    );
    // 8-bit ASIDs.
    let mut f = Fixture::new(SmmuConfig {
        asid16: false,
        ..SmmuConfig::default()
    });
    assert_bad_cd(&mut f, 1, cd().asid(0x100), InvalidCd::AsidTooWide);
}

#[test]
fn term_model_zero_allows_raz_wi_termination() {
    let mut f = Fixture::new(SmmuConfig {
        term_model_abort_only: false,
        ..SmmuConfig::default()
    });
    let ttb = f.s1_tables(NS, 1).root();
    let addr = Fixture::cd_addr(NS, 1);
    f.write_cd(NS, addr, CdBuilder::new(ttb).set(46, 46, 0));
    f.write_ste(NS, 1, SteBuilder::stage1(addr));
    match f.read(NS, 1, 0x1000) {
        Outcome::FaultRazWi(e) => assert_eq!(e.event_type, EventType::Translation),
        other => panic!("{other:?}"),
    }
}

// ------------------------------------------------------------------ stage 1

/// Stream 1 with an empty stage 1 table tree; returns the tree.
fn stage1_stream(f: &mut Fixture, record: bool) -> PageTable {
    let tables = f.s1_tables(NS, 1);
    let addr = Fixture::cd_addr(NS, 1);
    f.write_cd(
        NS,
        addr,
        CdBuilder::new(tables.root()).asid(1).ips(4).record(record),
    );
    f.write_ste(NS, 1, SteBuilder::stage1(addr));
    tables
}

fn s1_fault(event_type: EventType, iova: u64, rnw: bool) -> Event {
    Event {
        rnw,
        input_addr: iova,
        class: FaultClass::Input,
        ..Event::new(event_type, NS, 1, None)
    }
}

#[test]
fn f_translation_invalid_descriptor_and_recording() {
    let mut f = Fixture::full();
    let mut t = stage1_stream(&mut f, true);
    t.write_descriptor(&mut f.mem, 0x8000, 3, 0).unwrap();
    let e = fault(f.read(NS, 1, 0x8123));
    assert_eq!(e, s1_fault(EventType::Translation, 0x8123, true));
    assert_eq!(
        e.encode(),
        [sid_word(1, 0x10), (1 << 35) | (0b10 << 40), 0x8123, 0]
    );
    // CD.R = 0: same abort, not recorded.
    let mut f = Fixture::full();
    let mut t = stage1_stream(&mut f, false);
    t.write_descriptor(&mut f.mem, 0x8000, 3, 0).unwrap();
    let e = fault(f.read(NS, 1, 0x8123));
    assert_eq!(
        e,
        Event {
            record: false,
            ..s1_fault(EventType::Translation, 0x8123, true)
        }
    );
}

#[test]
fn f_translation_other_causes() {
    let mut f = Fixture::full();
    let mut t = stage1_stream(&mut f, true);
    // Level-3 descriptor with bit[1] == 0 is reserved.
    t.write_descriptor(&mut f.mem, 0x8000, 3, 0x4800_0000 | RW | 0b01)
        .unwrap();
    assert_eq!(
        fault(f.read(NS, 1, 0x8000)).event_type,
        EventType::Translation
    );
    // A level-0 block is not legal with a 4 KB granule.
    t.write_descriptor(&mut f.mem, 0x80_0000_0000, 0, RW | 0b01)
        .unwrap();
    let e = fault(f.read(NS, 1, 0x80_0000_0000));
    assert_eq!(e, s1_fault(EventType::Translation, 0x80_0000_0000, true));
    // Outside TTB0's range (and TTB1 disabled).
    let e = fault(f.write(NS, 1, 0xFFFF_0000_0000_0000));
    assert_eq!(
        e,
        s1_fault(EventType::Translation, 0xFFFF_0000_0000_0000, false)
    );
    assert_eq!(
        e.encode(),
        [sid_word(1, 0x10), 0b10 << 40, 0xFFFF_0000_0000_0000, 0]
    );
}

#[test]
fn f_addr_size_for_leaf_table_and_bypass() {
    let mut f = Fixture::full();
    let mut t = stage1_stream(&mut f, true); // IPS 44 bits
    t.map(&mut f.mem, 0x8000, 1 << 44, 3, RW).unwrap();
    let e = fault(f.read(NS, 1, 0x8000));
    assert_eq!(e, s1_fault(EventType::AddressSize, 0x8000, true));
    assert_eq!(
        e.encode(),
        [sid_word(1, 0x11), (1 << 35) | (0b10 << 40), 0x8000, 0]
    );
    // A table address beyond IPS (QEMU does not check these).
    t.write_descriptor(&mut f.mem, 0x40_0000_0000, 1, (1 << 45) | 0b11)
        .unwrap();
    let e = fault(f.read(NS, 1, 0x40_0000_0000));
    assert_eq!(e.event_type, EventType::AddressSize);
    // Descriptor bits [51:48] set: beyond a 48-bit OA.
    let mut f = Fixture::full();
    let mut t = stage1_stream(&mut f, true);
    t.map(&mut f.mem, 0x8000, 0x4800_0000 | 1 << 49, 3, RW)
        .unwrap();
    assert_eq!(
        fault(f.read(NS, 1, 0x8000)).event_type,
        EventType::AddressSize
    );
    // Stage 1 bypassed (STE bypass) with an input above the IAS: CLASS = IN, S2 = 0.
    f.write_ste(NS, 2, SteBuilder::bypass());
    let e = fault(f.read(NS, 2, 1 << 48));
    assert_eq!(
        e,
        Event {
            rnw: true,
            input_addr: 1 << 48,
            ..Event::new(EventType::AddressSize, NS, 2, None)
        }
    );
}

#[test]
fn f_access_flag() {
    let mut f = Fixture::full();
    let mut t = stage1_stream(&mut f, true);
    t.map(&mut f.mem, 0x8000, 0x4800_0000, 3, RW & !desc::AF)
        .unwrap();
    let e = fault(f.write(NS, 1, 0x8000));
    assert_eq!(e, s1_fault(EventType::AccessFlag, 0x8000, false));
    assert_eq!(e.encode(), [sid_word(1, 0x12), 0b10 << 40, 0x8000, 0]);
    // CD.AFFD = 1: no Access flag fault.
    let addr = Fixture::cd_addr(NS, 1);
    f.write_cd(NS, addr, CdBuilder::new(t.root()).asid(1).set(35, 35, 1));
    f.translator.config_cache_mut().invalidate_all();
    assert_eq!(translated(f.write(NS, 1, 0x8000)).output_addr, 0x4800_0000);
}

#[test]
fn f_permission_stage1() {
    let mut f = Fixture::full();
    let mut t = stage1_stream(&mut f, true);
    t.map(&mut f.mem, 0x8000, 0x4800_0000, 3, RW | desc::S1_AP_RO)
        .unwrap();
    t.map(&mut f.mem, 0x9000, 0x4800_1000, 3, desc::AF).unwrap(); // AP = 00: privileged only
    t.map(&mut f.mem, 0xA000, 0x4800_2000, 3, RW | desc::S1_UXN)
        .unwrap();
    assert_eq!(translated(f.read(NS, 1, 0x8000)).output_addr, 0x4800_0000);
    let e = fault(f.write(NS, 1, 0x8000));
    assert_eq!(e, s1_fault(EventType::Permission, 0x8000, false));
    assert_eq!(e.encode(), [sid_word(1, 0x13), 0b10 << 40, 0x8000, 0]);
    // Unprivileged read of a privileged-only page; a privileged one passes.
    let e = fault(f.read(NS, 1, 0x9000));
    assert_eq!(e, s1_fault(EventType::Permission, 0x9000, true));
    let r = TranslationRequest::new(NS, 1, 0x9000, AccessKind::Read).privileged();
    assert_eq!(translated(f.translate(r)).output_addr, 0x4800_1000);
    // Instruction fetch from a UXN page: InD = 1, RnW = 1.
    let e = fault(f.translate(TranslationRequest::new(NS, 1, 0xA000, AccessKind::Execute)));
    assert_eq!(
        e,
        Event {
            ind: true,
            ..s1_fault(EventType::Permission, 0xA000, true)
        }
    );
    assert_eq!(e.encode()[1], (0b10 << 40) | (1 << 35) | (1 << 34));
    // APTable[1] removes write below a table; the leaf is checked first for
    // validity (QEMU faults at the table level, behaviour.md 8.2 #12).
    let mut f = Fixture::full();
    let mut t = stage1_stream(&mut f, true);
    t.set_table_attributes(desc::AP_TABLE_RO);
    t.map(&mut f.mem, 0x20_0000_0000, 0x4800_0000, 3, RW)
        .unwrap();
    assert_eq!(
        fault(f.write(NS, 1, 0x20_0000_0000)).event_type,
        EventType::Permission
    );
    t.write_descriptor(&mut f.mem, 0x20_0000_1000, 3, 0)
        .unwrap();
    assert_eq!(
        fault(f.write(NS, 1, 0x20_0000_1000)).event_type,
        EventType::Translation
    );
}

#[test]
fn f_walk_eabt_stage1() {
    let mut f = Fixture::full();
    let addr = Fixture::cd_addr(NS, 1);
    f.write_cd(NS, addr, CdBuilder::new(0x2000_0000).asid(1).record(false));
    f.write_ste(NS, 1, SteBuilder::stage1(addr));
    let e = fault(f.write(NS, 1, 0x80_0000_1000));
    // Always recorded, even with CD.R = 0; FetchAddr is the level-0 descriptor.
    assert_eq!(
        e,
        Event {
            rnw: false,
            input_addr: 0x80_0000_1000,
            class: FaultClass::TranslationTable,
            fetch_addr: 0x2000_0008,
            ..Event::new(EventType::WalkExternalAbort, NS, 1, None)
        }
    );
    assert_eq!(
        e.encode(),
        [sid_word(1, 0x0B), 0b01 << 40, 0x80_0000_1000, 0x2000_0008]
    );
}

// ------------------------------------------------------------------ stage 2

/// Stream 2: stage 2 only with an empty table tree (S2T0SZ 0x14, SL0 2).
fn stage2_stream(f: &mut Fixture, sid: u32, nested_cd: Option<u64>) -> PageTable {
    let geometry = WalkGeometry::stage2(Granule::K4, 0x14, 2, 48).unwrap();
    let s2 = PageTable::new(Pas::NonSecure, NS_RAM + 0x80_0000, 0x10_0000, geometry).unwrap();
    let ste = match nested_cd {
        Some(cd) => SteBuilder::nested(cd),
        None => SteBuilder::stage2(),
    };
    f.write_ste(NS, sid, ste.s2(5, 0x14, 2, Granule::K4, 5, s2.root()));
    s2
}

fn s2_fault(event_type: EventType, sid: u32, iova: u64, class: FaultClass, ipa: u64) -> Event {
    Event {
        rnw: true,
        input_addr: iova,
        stage2: true,
        class,
        ipa,
        nsipa: true,
        ttrnw: class == FaultClass::TranslationTable && event_type == EventType::Permission,
        ..Event::new(event_type, NS, sid, None)
    }
}

#[test]
fn stage2_faults_carry_the_ipa() {
    let mut f = Fixture::full();
    let mut s2 = stage2_stream(&mut f, 2, None);
    s2.map(
        &mut f.mem,
        0x1000,
        0x4800_0000,
        3,
        desc::AF | desc::S2_READ | desc::S2_NORMAL_WB,
    )
    .unwrap();
    // Write to a read-only stage 2 page: F_PERMISSION, S2 = 1, CLASS = IN.
    let e = fault(f.write(NS, 2, 0x1234));
    assert_eq!(
        e,
        Event {
            rnw: false,
            ..s2_fault(EventType::Permission, 2, 0x1234, FaultClass::Input, 0x1234)
        }
    );
    // NSIPA is only meaningful on the Secure queue: not encoded here.
    assert_eq!(
        e.encode(),
        [sid_word(2, 0x13), (1 << 39) | (0b10 << 40), 0x1234, 0x1000]
    );
    // Unmapped IPA: F_TRANSLATION at stage 2.
    let e = fault(f.read(NS, 2, 0x5_4321));
    assert_eq!(
        e,
        s2_fault(
            EventType::Translation,
            2,
            0x5_4321,
            FaultClass::Input,
            0x5_4321
        )
    );
    assert_eq!(
        e.encode(),
        [
            sid_word(2, 0x10),
            (1 << 35) | (1 << 39) | (0b10 << 40),
            0x5_4321,
            0x5_4000
        ]
    );
    // IPA beyond S2T0SZ (44 bits).
    let e = fault(f.read(NS, 2, 1 << 44));
    assert_eq!((e.event_type, e.stage2), (EventType::Translation, true));
    // Access flag at stage 2.
    s2.map(&mut f.mem, 0x2000, 0x4800_1000, 3, desc::S2_READ)
        .unwrap();
    assert_eq!(
        fault(f.read(NS, 2, 0x2000)).event_type,
        EventType::AccessFlag
    );
    // Output beyond S2PS (48 bits).
    s2.write_descriptor(&mut f.mem, 0x3000, 3, (1 << 48) | desc::S2_PAGE_RW | 0b11)
        .unwrap();
    assert_eq!(
        fault(f.read(NS, 2, 0x3000)).event_type,
        EventType::AddressSize
    );
    // S2R = 0: not recorded.
    f.write_ste(NS, 2, stage2_ste_norecord(&s2));
    f.translator.config_cache_mut().invalidate_all();
    assert!(!fault(f.read(NS, 2, 0x5_4321)).record);
}

fn stage2_ste_norecord(s2: &PageTable) -> SteBuilder {
    SteBuilder::stage2()
        .s2(5, 0x14, 2, Granule::K4, 5, s2.root())
        .s2r(false)
}

#[test]
fn stage2_fault_on_cd_fetch_and_table_walk() {
    let mut f = Fixture::full();
    // Nested stream whose CD IPA is not mapped at stage 2: CLASS = CD, IPA = CD.
    let cd_ipa = 0x7000_0040;
    let mut s2 = stage2_stream(&mut f, 3, Some(cd_ipa));
    let e = fault(f.read(NS, 3, 0x1000));
    assert_eq!(
        e,
        s2_fault(EventType::Translation, 3, 0x1000, FaultClass::Cd, cd_ipa)
    );
    assert_eq!(
        e.encode(),
        [
            sid_word(3, 0x10),
            (1 << 35) | (1 << 39),
            0x1000,
            0x7000_0000
        ]
    );
    // Map the CD page, whose CD points at stage 1 tables in an unmapped IPA.
    s2.map(&mut f.mem, cd_ipa, NS_RAM + 0x5_0000, 3, desc::S2_PAGE_RW)
        .unwrap();
    f.write_cd(NS, NS_RAM + 0x5_0040, CdBuilder::new(0x6000_0000).asid(3));
    f.translator.config_cache_mut().invalidate_all();
    let e = fault(f.read(NS, 3, 0x1000));
    // The level-0 descriptor IPA 0x6000_0000 faults at stage 2: CLASS = TT.
    assert_eq!(
        e,
        s2_fault(
            EventType::Translation,
            3,
            0x1000,
            FaultClass::TranslationTable,
            0x6000_0000
        )
    );
    // Map it read-only but as Device memory with S2PTW: permission fault.
    s2.map(
        &mut f.mem,
        0x6000_0000,
        NS_RAM + 0x6_0000,
        3,
        desc::AF | desc::S2_READ,
    )
    .unwrap();
    let ste = SteBuilder::nested(cd_ipa)
        .s2(5, 0x14, 2, Granule::K4, 5, s2.root())
        .set(182, 182, 1);
    f.write_ste(NS, 3, ste);
    f.translator.config_cache_mut().invalidate_all();
    let e = fault(f.read(NS, 3, 0x1000));
    assert_eq!(
        e,
        s2_fault(
            EventType::Permission,
            3,
            0x1000,
            FaultClass::TranslationTable,
            0x6000_0000
        )
    );
    // TTRnW = 1 (a table read) is encoded for CLASS = TT permission faults.
    assert_eq!(
        e.encode()[1],
        (1 << 35) | (1 << 39) | (0b01 << 40) | (1 << 44)
    );
    // Stage 2 walk abort: F_WALK_EABT with S2 = 1 and the CD class.
    let mut g = Fixture::full();
    g.write_ste(
        NS,
        4,
        SteBuilder::nested(0x40).s2(5, 0x14, 2, Granule::K4, 5, 0x2000_0000),
    );
    let e = fault(g.read(NS, 4, 0x1000));
    assert_eq!(
        e,
        Event {
            rnw: true,
            input_addr: 0x1000,
            stage2: true,
            class: FaultClass::Cd,
            ipa: 0x40,
            nsipa: true,
            fetch_addr: 0x2000_0000,
            ..Event::new(EventType::WalkExternalAbort, NS, 4, None)
        }
    );
    assert_eq!(
        e.encode(),
        [
            sid_word(4, 0x0B),
            (1 << 35) | (1 << 39),
            0x1000,
            0x2000_0000
        ]
    );
}

#[test]
fn secure_stage2_fault_records_nsipa() {
    let mut f = Fixture::full();
    let geometry = WalkGeometry::stage2(Granule::K4, 0x14, 2, 48).unwrap();
    let s_s2 = PageTable::new(Pas::Secure, S_RAM + 0x80_0000, 0x1_0000, geometry).unwrap();
    let ns_s2 = PageTable::new(Pas::NonSecure, NS_RAM + 0x80_0000, 0x1_0000, geometry).unwrap();
    let ste = |nscfg| {
        SteBuilder::stage2()
            .nscfg(nscfg)
            .s2(1, 0x14, 2, Granule::K4, 5, ns_s2.root())
            .secure_s2(0x14, 2, Granule::K4, s_s2.root())
            .set(192, 192, 1)
    };
    f.write_ste(S, 1, ste(0b11));
    let e = fault(f.read(S, 1, 0x1000));
    assert_eq!((e.sec_sid, e.nsipa), (S, true));
    assert_eq!(
        e.encode()[1],
        (1 << 35) | (1 << 36) | (1 << 39) | (0b10 << 40)
    );
    f.write_ste(S, 2, ste(0b10));
    let e = fault(f.read(S, 2, 0x1000));
    assert_eq!((e.sec_sid, e.nsipa), (S, false));
    assert_eq!(e.encode()[1], (1 << 35) | (1 << 39) | (0b10 << 40));
}

#[test]
fn secure_instruction_fetch_to_non_secure_memory_with_sif() {
    let mut f = Fixture::full();
    f.stage1_stream(S, 1, 1, 0x1000, NS_RAM + 0x1000, RW | desc::S1_NS);
    let exec = TranslationRequest::new(S, 1, 0x1000, AccessKind::Execute);
    assert_eq!(translated(f.translate(exec)).pas, Pas::NonSecure);
    f.bank_mut(S).sif = true;
    // The cached entry is not used for the now-forbidden fetch.
    let e = fault(f.translate(exec));
    assert_eq!(
        e,
        Event {
            rnw: true,
            ind: true,
            input_addr: 0x1000,
            ..Event::new(EventType::Permission, S, 1, None)
        }
    );
    // SIF only concerns instruction fetches.
    assert_eq!(translated(f.read(S, 1, 0x1000)).pas, Pas::NonSecure);
}

#[test]
fn privcfg_and_instcfg_overrides_reach_the_event() {
    let mut f = Fixture::full();
    let mut t = f.s1_tables(NS, 2);
    t.map(&mut f.mem, 0x1000, 0x4800_0000, 3, RW | desc::S1_UXN)
        .unwrap();
    let addr = Fixture::cd_addr(NS, 2);
    f.write_cd(NS, addr, CdBuilder::new(t.root()).asid(2));
    // PRIVCFG = privileged, INSTCFG = instruction: a plain read becomes a
    // privileged instruction fetch (allowed: PXN = 0, not writable by EL0? no,
    // AP = 01 makes it EL0-writable, so privileged execution is forbidden).
    f.write_ste(NS, 2, SteBuilder::stage1(addr).priv_inst_cfg(0b11, 0b11));
    let e = fault(f.read(NS, 2, 0x1000));
    assert_eq!((e.pnu, e.ind, e.rnw), (true, true, true));
    assert_eq!(
        e.encode()[1],
        (1 << 33) | (1 << 34) | (1 << 35) | (0b10 << 40)
    );
}

// ---------------------------------------------------------------- S_CR0.SIF

/// The stage 1 F_PERMISSION that S_CR0.SIF gives a Secure instruction fetch
/// whose stage 1 output is Non-secure (IHI0070 6.3.57: CLASS = IN, S2 = 0).
fn sif_fault(sid: u32, iova: u64) -> Event {
    Event {
        rnw: true,
        ind: true,
        input_addr: iova,
        ..Event::new(EventType::Permission, S, sid, None)
    }
}

fn secure_exec(sid: u32, iova: u64, ns: bool) -> TranslationRequest {
    TranslationRequest {
        ns,
        ..TranslationRequest::new(S, sid, iova, AccessKind::Execute)
    }
}

#[test]
fn sif_aborts_a_bypassing_ste_with_a_recorded_stage1_permission_fault() {
    let mut f = Fixture::full();
    f.bank_mut(S).sif = true;
    // Config 0b100 with NSCFG = "use incoming": the incoming NS attribute decides.
    f.write_ste(S, 1, SteBuilder::bypass());
    let e = fault(f.translate(secure_exec(1, 0x1000, true)));
    assert_eq!(e, sif_fault(1, 0x1000));
    assert!(e.record && !e.stage2);
    assert_eq!(e.encode()[1], (1 << 35) | (1 << 34) | (0b10 << 40));
    // A Secure output, or a data access, passes.
    assert!(matches!(
        f.translate(secure_exec(1, 0x1000, false)),
        Outcome::Bypass(b) if b.pas == Pas::Secure
    ));
    let read = TranslationRequest {
        ns: true,
        ..TranslationRequest::new(S, 1, 0x1000, AccessKind::Read)
    };
    assert!(matches!(f.translate(read), Outcome::Bypass(b) if b.pas == Pas::NonSecure));
    // STE.NSCFG = Non-secure makes even a Secure-attributed fetch Non-secure.
    f.write_ste(S, 2, SteBuilder::bypass().nscfg(0b11));
    assert_eq!(
        fault(f.translate(secure_exec(2, 0x2000, false))),
        sif_fault(2, 0x2000)
    );
    // INSTCFG = instruction turns a read into a fetch (IHI0070 6.3.57: "after
    // INSTCFG fields are applied").
    f.write_ste(
        S,
        3,
        SteBuilder::bypass().nscfg(0b11).priv_inst_cfg(0, 0b11),
    );
    let e = fault(f.read(S, 3, 0x3000));
    assert_eq!(
        (e.event_type, e.ind, e.stage2),
        (EventType::Permission, true, false)
    );
    // Without SIF the fetch leaves the SMMU Non-secure.
    f.bank_mut(S).sif = false;
    assert!(matches!(
        f.translate(secure_exec(2, 0x2000, false)),
        Outcome::Bypass(b) if b.pas == Pas::NonSecure
    ));
}

#[test]
fn sif_applies_when_s1dss_skips_stage1() {
    let mut f = Fixture::full();
    f.bank_mut(S).sif = true;
    let cd = Fixture::cd_addr(S, 4);
    // Config 0b101, S1DSS = 0b01: a transaction without SubstreamID bypasses
    // stage 1, as though Config were 0b100.
    f.write_ste(
        S,
        4,
        SteBuilder::stage1(cd).substreams(4, 0, 0b01).nscfg(0b11),
    );
    let e = fault(f.translate(secure_exec(4, 0x4000, false)));
    assert_eq!(e, sif_fault(4, 0x4000));
    assert!(e.record);
}

#[test]
fn sif_faults_a_non_secure_ipa_at_stage1_whatever_s2r() {
    let mut f = Fixture::full();
    f.bank_mut(S).sif = true;
    let geometry = WalkGeometry::stage2(Granule::K4, 0x14, 2, 48).unwrap();
    let mut s_s2 = PageTable::new(Pas::Secure, S_RAM + 0x80_0000, 0x1_0000, geometry).unwrap();
    let mut ns_s2 = PageTable::new(Pas::NonSecure, NS_RAM + 0x80_0000, 0x1_0000, geometry).unwrap();
    ns_s2
        .map(&mut f.mem, 0x1000, NS_RAM + 0x5000, 3, desc::S2_PAGE_RW)
        .unwrap();
    s_s2.map(&mut f.mem, 0x1000, S_RAM + 0x5000, 3, desc::S2_PAGE_RW)
        .unwrap();
    let ste = |nscfg| {
        SteBuilder::stage2()
            .nscfg(nscfg)
            .s2(1, 0x14, 2, Granule::K4, 5, ns_s2.root())
            .secure_s2(0x14, 2, Granule::K4, s_s2.root())
            .set(192, 192, 1)
            .s2r(false)
    };
    // Config 0b110: stage 1 bypassed, its output (the IPA) Non-secure by NSCFG.
    f.write_ste(S, 5, ste(0b11));
    let e = fault(f.translate(secure_exec(5, 0x1000, false)));
    assert_eq!(e, sif_fault(5, 0x1000));
    // A stage 1 fault: S2R does not suppress it.
    assert!(e.record);
    // A Secure IPA passes.
    f.write_ste(S, 6, ste(0b10));
    assert_eq!(
        translated(f.translate(secure_exec(6, 0x1000, false))).output_addr,
        S_RAM + 0x5000
    );
}

#[test]
fn sif_aborts_without_event_while_the_secure_bank_is_disabled() {
    let mut f = Fixture::full();
    let bank = f.bank_mut(S);
    bank.smmuen = false;
    bank.sif = true;
    // S_GBPA: bypass, NSCFG = Non-secure.
    bank.gbpa = smmu::registers::Gbpa(0x1000 | 0b11 << 14);
    assert_eq!(f.translate(secure_exec(1, 0x1000, false)), Outcome::Abort);
    let read = TranslationRequest::new(S, 1, 0x1000, AccessKind::Read);
    assert!(matches!(f.translate(read), Outcome::Bypass(b) if b.pas == Pas::NonSecure));
    // NSCFG = "use incoming": only a Non-secure fetch is aborted.
    f.bank_mut(S).gbpa = smmu::registers::Gbpa(0x1000);
    assert_eq!(f.translate(secure_exec(1, 0x1000, true)), Outcome::Abort);
    assert!(matches!(
        f.translate(secure_exec(1, 0x1000, false)),
        Outcome::Bypass(b) if b.pas == Pas::Secure
    ));
    // INSTCFG = instruction in S_GBPA makes a read a fetch.
    f.bank_mut(S).gbpa = smmu::registers::Gbpa(0x1000 | 0b11 << 14 | 0b11 << 18);
    assert_eq!(f.translate(read), Outcome::Abort);
}

#[test]
fn disabled_bank_aborts_an_input_beyond_the_oas_without_event() {
    let mut f = Fixture::full();
    let oas = SmmuConfig::default().oas.bits();
    for state in [NS, S] {
        f.bank_mut(state).smmuen = false;
        // IHI0070 3.4: the input is presented as the PA; beyond the OAS the
        // transaction is terminated with an abort and no event.
        assert_eq!(f.read(state, 1, 1 << oas), Outcome::Abort);
        assert_eq!(f.read(state, 1, u64::MAX), Outcome::Abort);
        assert!(matches!(
            f.read(state, 1, (1 << oas) - 1),
            Outcome::Bypass(b) if b.output_addr == (1 << oas) - 1
        ));
    }
}

#[test]
fn stream_table_base_is_aligned_by_the_literal_log2size() {
    // SIDSIZE 8, but STRTAB_BASE_CFG.LOG2SIZE = 10: the table holds 256 reachable
    // STEs and is still aligned to 2^10 STEs = 64 KB (IHI0070 6.3.24).
    let mut f = Fixture::new(SmmuConfig {
        sid_bits: 8,
        secure_sid_bits: 8,
        ..SmmuConfig::default()
    });
    SteBuilder::bypass()
        .write_linear(&mut f.mem, Pas::NonSecure, NS_RAM, 1)
        .unwrap();
    let bank = f.bank_mut(NS);
    bank.strtab_base = NS_RAM + 0x4000;
    bank.strtab_base_cfg = 10;
    assert!(matches!(f.read(NS, 1, 0x1000), Outcome::Bypass(_)));
    // StreamIDs beyond SIDSIZE stay out of range.
    assert_eq!(fault(f.read(NS, 256, 0)).event_type, EventType::BadStreamId);

    // 2-level, SPLIT 8, LOG2SIZE 16: the L1 table has 2^8 entries (2 KB) and is
    // aligned to 2 KB, although only its first entry is reachable.
    let l2 = NS_RAM + 0x1_0000;
    f.mem
        .write_u64(Pas::NonSecure, NS_RAM + 0x2_0000, l2 | 9)
        .unwrap();
    SteBuilder::bypass()
        .write_linear(&mut f.mem, Pas::NonSecure, l2, 1)
        .unwrap();
    let bank = f.bank_mut(NS);
    bank.strtab_base = NS_RAM + 0x2_0440;
    bank.strtab_base_cfg = 1 << 16 | 8 << 6 | 16;
    assert!(matches!(f.read(NS, 1, 0x1000), Outcome::Bypass(_)));
}

#[test]
fn s2ptw_also_protects_cd_fetches() {
    let mut f = Fixture::full();
    let cd_ipa = 0x7000_0040;
    let mut s2 = stage2_stream(&mut f, 3, Some(cd_ipa));
    // The CD's IPA is readable Device memory at stage 2 (MemAttr 0b0000).
    s2.map(
        &mut f.mem,
        cd_ipa,
        NS_RAM + 0x5_0000,
        3,
        desc::AF | desc::S2_READ,
    )
    .unwrap();
    f.write_cd(NS, NS_RAM + 0x5_0040, CdBuilder::new(0x6000_0000).asid(3));
    // Without S2PTW the CD is fetched; the walk then faults on its unmapped table.
    let e = fault(f.read(NS, 3, 0x1000));
    assert_eq!(
        (e.class, e.ipa),
        (FaultClass::TranslationTable, 0x6000_0000)
    );
    // With S2PTW the CD fetch itself is a stage 2 permission fault (IHI0070 5.2:
    // S2PTW covers stage 1 table walks and CD fetches).
    let ste = SteBuilder::nested(cd_ipa)
        .s2(5, 0x14, 2, Granule::K4, 5, s2.root())
        .set(182, 182, 1);
    f.write_ste(NS, 3, ste);
    f.translator.config_cache_mut().invalidate_all();
    let e = fault(f.read(NS, 3, 0x1000));
    assert_eq!(
        e,
        s2_fault(EventType::Permission, 3, 0x1000, FaultClass::Cd, cd_ipa)
    );
}

#[test]
fn small_translation_tables_walk_at_every_granule() {
    // IDR3.STT = 1 (the default): T0SZ up to 48 (4 KB, 16 KB) or 47 (64 KB); the
    // walk then starts at level 3 (IHI0070 5.4.1 CD.T0SZ).
    let mut f = Fixture::full();
    let cases = [(Granule::K4, 48u8), (Granule::K16, 48), (Granule::K64, 47)];
    for (i, (granule, t0sz)) in cases.into_iter().enumerate() {
        let sid = 40 + i as u32;
        let geometry = WalkGeometry::stage1_with(granule, u32::from(t0sz), true).unwrap();
        assert_eq!(geometry.start_level, 3);
        let pool = NS_RAM + POOL_OFFSET + (i as u64) * 0x4_0000;
        let mut t = PageTable::new(Pas::NonSecure, pool, 0x4_0000, geometry).unwrap();
        let page = granule.size();
        t.map(&mut f.mem, page, NS_RAM + 0x80_0000, 3, RW).unwrap();
        let addr = Fixture::cd_addr(NS, u64::from(sid));
        f.write_cd(NS, addr, CdBuilder::new(t.root()).tt0(t0sz, granule));
        f.write_ste(NS, sid, SteBuilder::stage1(addr));
        let out = translated(f.read(NS, sid, page + 0x18));
        assert_eq!(out.output_addr, NS_RAM + 0x80_0018, "{granule:?}");
        // The input range ends at 2^(64 - T0SZ).
        let e = fault(f.read(NS, sid, 1 << (64 - u32::from(t0sz))));
        assert_eq!(e.event_type, EventType::Translation);
    }
}

#[test]
fn without_small_translation_tables_t0sz_above_39_is_a_bad_cd() {
    // IDR3.STT = 0 (QEMU 7.2's preset): T0SZ above 39 is ILLEGAL (IHI0070 5.4.1
    // CD.T0SZ), so the same CD that walks with STT = 1 gives C_BAD_CD.
    let config = SmmuConfig {
        secure_stage2: false,
        small_translation_tables: false,
        ..SmmuConfig::default()
    };
    let mut f = Fixture::new(config);
    let geometry = WalkGeometry::stage1_with(Granule::K4, 40, true).unwrap();
    let pool = NS_RAM + POOL_OFFSET;
    let mut t = PageTable::new(Pas::NonSecure, pool, 0x4_0000, geometry).unwrap();
    t.map(&mut f.mem, 0x1000, NS_RAM + 0x80_0000, 3, RW)
        .unwrap();
    let addr = Fixture::cd_addr(NS, 40);
    f.write_cd(NS, addr, CdBuilder::new(t.root()).tt0(40, Granule::K4));
    f.write_ste(NS, 40, SteBuilder::stage1(addr));
    assert_eq!(fault(f.read(NS, 40, 0x1018)).event_type, EventType::BadCd);
}

#[test]
fn small_stage2_tables_start_at_level_3_with_s2sl0_3() {
    // 4 KB granule, S2SL0 = 0b11: start level 3 (FEAT_TTST), consistent with
    // S2T0SZ from 39 (a 25-bit IPA: 16 concatenated level-3 tables) up to 48.
    let mut f = Fixture::full();
    for (i, t0sz) in [48u8, 43, 39].into_iter().enumerate() {
        let sid = 50 + i as u32;
        let geometry =
            WalkGeometry::stage2_with(Granule::K4, u32::from(t0sz), 3, 48, true).unwrap();
        assert_eq!(geometry.start_level, 3);
        let pool = NS_RAM + 0x80_0000 + (i as u64) * 0x4_0000;
        let mut s2 = PageTable::new(Pas::NonSecure, pool, 0x4_0000, geometry).unwrap();
        s2.map(&mut f.mem, 0x2000, NS_RAM + 0x90_0000, 3, desc::S2_PAGE_RW)
            .unwrap();
        f.write_ste(
            NS,
            sid,
            SteBuilder::stage2().s2(5, t0sz, 0b11, Granule::K4, 5, s2.root()),
        );
        let out = translated(f.read(NS, sid, 0x2010));
        assert_eq!(out.output_addr, NS_RAM + 0x90_0010, "S2T0SZ {t0sz}");
    }
    // Inconsistent: a 26-bit IPA needs more than 16 level-3 tables.
    f.write_ste(
        NS,
        60,
        SteBuilder::stage2().s2(5, 38, 0b11, Granule::K4, 5, NS_RAM + 0x80_0000),
    );
    assert_eq!(fault(f.read(NS, 60, 0)).event_type, EventType::BadSte);
    // S2SL0 = 0b11 stays reserved for 16 KB (level 0 needs 52-bit addresses) and
    // 64 KB granules.
    f.write_ste(
        NS,
        61,
        SteBuilder::stage2().s2(5, 48, 0b11, Granule::K16, 5, NS_RAM + 0x80_0000),
    );
    assert_eq!(fault(f.read(NS, 61, 0)).event_type, EventType::BadSte);
    // The Secure IPA space follows the same rules.
    let geometry = WalkGeometry::stage2_with(Granule::K4, 44, 3, 48, true).unwrap();
    let mut s_s2 = PageTable::new(Pas::Secure, S_RAM + 0x80_0000, 0x4_0000, geometry).unwrap();
    s_s2.map(&mut f.mem, 0x3000, S_RAM + 0x90_0000, 3, desc::S2_PAGE_RW)
        .unwrap();
    let ns_geometry = WalkGeometry::stage2(Granule::K4, 0x14, 2, 48).unwrap();
    let ns_s2 = PageTable::new(Pas::NonSecure, NS_RAM + 0xA0_0000, 0x1_0000, ns_geometry).unwrap();
    f.write_ste(
        S,
        7,
        SteBuilder::stage2()
            .s2(1, 0x14, 2, Granule::K4, 5, ns_s2.root())
            .secure_s2(44, 0b11, Granule::K4, s_s2.root())
            .set(192, 192, 1),
    );
    let out = translated(f.read(S, 7, 0x3008));
    assert_eq!((out.output_addr, out.pas), (S_RAM + 0x90_0008, Pas::Secure));
}
