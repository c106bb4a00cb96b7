//! Every event type the device produces, from real transactions, read back from
//! the Event queue in memory with its exact double words (IHI0070 7.3), in the
//! queue of the stream's Security state.

mod common;

use common::device::*;
use common::*;
use smmu::builders::{desc, CdBuilder, SteBuilder};
use smmu::event::FaultClass;
use smmu::evtq::EventDelivery;
use smmu::regfile::{Cr2, Reg};
use smmu::{Event, EventType, Pas, SecSid, TranslationRequest};

const NS: SecSid = SecSid::NonSecure;
const S: SecSid = SecSid::Secure;

/// An SMMU with both banks up and CR2.RECINVSID set.
fn smmu() -> TestSmmu {
    let mut smmu = full();
    for bank in [NS, S] {
        let cr2 = Cr2::from_bits(0).with_recinvsid(true);
        w32(&mut smmu, Reg::Cr2(bank), cr2.bits());
        bring_up(&mut smmu, bank, true);
    }
    smmu
}

fn ste(smmu: &mut TestSmmu, bank: SecSid, sid: u32, ste: SteBuilder) {
    ste.write_linear(smmu.memory_mut(), pas(bank), ram(bank), sid)
        .unwrap();
}

fn cd(smmu: &mut TestSmmu, bank: SecSid, sid: u32, cd: CdBuilder) -> u64 {
    let addr = cd_addr(bank, sid);
    cd.write(smmu.memory_mut(), pas(bank), addr).unwrap();
    addr
}

/// Runs `request` and returns the one record it left in its queue.
fn record_of(smmu: &mut TestSmmu, request: TranslationRequest) -> [u64; 4] {
    smmu.translate(&request).unwrap();
    let records = take_events(smmu, request.sec_sid);
    assert_eq!(records.len(), 1, "{request:?}");
    let other = match request.sec_sid {
        NS => S,
        S => NS,
    };
    assert!(
        take_events(smmu, other).is_empty(),
        "the other queue stays empty"
    );
    records[0]
}

fn write(bank: SecSid, sid: u32, iova: u64) -> TranslationRequest {
    TranslationRequest::new(bank, sid, iova, smmu::walk::AccessKind::Write)
}

/// RnW (record bit 99) and CLASS (105:104) in double word 1.
const RNW: u64 = 1 << 35;
const CLASS_TT: u64 = 0b01 << 40;
const CLASS_IN: u64 = 0b10 << 40;

#[test]
fn configuration_events() {
    let mut smmu = smmu();
    // C_BAD_STREAMID (0x02): StreamID 300 beyond the 256-entry table.
    assert_eq!(
        record_of(&mut smmu, read(NS, 300, 0x1000)),
        [0x0000_012C_0000_0002, 0, 0, 0]
    );
    assert_eq!(
        record_of(&mut smmu, read(S, 0x1_0000, 0x1000)),
        [0x0001_0000_0000_0002, 0, 0, 0]
    );
    // C_BAD_STE (0x04): STE.V == 0.
    assert_eq!(
        record_of(&mut smmu, read(S, 1, 0x1000)),
        [0x0000_0001_0000_0004, 0, 0, 0]
    );
    // F_STREAM_DISABLED (0x06): substreams on, S1DSS = 0, no SubstreamID.
    let cd0 = cd(&mut smmu, NS, 2, CdBuilder::new(NS_RAM + 0x20_0000));
    ste(
        &mut smmu,
        NS,
        2,
        SteBuilder::stage1(cd0).substreams(1, 0, 0),
    );
    assert_eq!(
        record_of(&mut smmu, read(NS, 2, 0x1000)),
        [0x0000_0002_0000_0006, 0, 0, 0]
    );
    // C_BAD_SUBSTREAMID (0x08): a SubstreamID with S1CDMax == 0.
    ste(&mut smmu, NS, 3, SteBuilder::stage1(cd0));
    assert_eq!(
        record_of(&mut smmu, read(NS, 3, 0x1000).with_substream(5)),
        [0x0000_0003_0000_5008, 0, 0, 0]
    );
    // F_CD_FETCH (0x09): the CD is outside memory; FetchAddr in double word 3.
    ste(&mut smmu, S, 4, SteBuilder::stage1(0x0D00_0040));
    assert_eq!(
        record_of(&mut smmu, read(S, 4, 0x1000)),
        [0x0000_0004_0000_0009, 0, 0, 0x0D00_0040]
    );
    // C_BAD_CD (0x0A): CD.V == 0, with the SubstreamID of the transaction.
    let bad = cd(&mut smmu, NS, 5, CdBuilder::new(NS_RAM).set(31, 31, 0));
    ste(&mut smmu, NS, 5, SteBuilder::stage1(bad));
    assert_eq!(
        record_of(&mut smmu, read(NS, 5, 0x1000)),
        [0x0000_0005_0000_000A, 0, 0, 0]
    );
}

#[test]
fn f_ste_fetch_in_either_queue() {
    let mut smmu = smmu();
    // Move the Secure stream table outside Secure memory (SMMUEN must be 0).
    w32(&mut smmu, Reg::Cr0(S), cr0(false, true, true));
    w64(&mut smmu, Reg::StrtabBase(S), 0x0D00_0000);
    w32(&mut smmu, Reg::Cr0(S), cr0(true, true, true));
    // F_STE_FETCH (0x03): FetchAddr = base + 3 * 64.
    assert_eq!(
        record_of(&mut smmu, read(S, 3, 0x1000)),
        [0x0000_0003_0000_0003, 0, 0, 0x0D00_00C0]
    );
}

#[test]
fn translation_faults() {
    let mut smmu = smmu();
    let iova = 0x0000_0080_8060_4567;
    let page = NS_RAM + 0x80_0000;
    // F_TRANSLATION (0x10): no mapping.
    stage1_stream(&mut smmu, NS, 8, 1, iova, page, RW);
    assert_eq!(
        record_of(&mut smmu, read(NS, 8, 0x1000)),
        [0x0000_0008_0000_0010, RNW | CLASS_IN, 0x1000, 0]
    );
    // F_PERMISSION (0x13): a write to a read-only page; RnW = 0.
    stage1_stream(&mut smmu, NS, 9, 1, iova, page, RW | desc::S1_AP_RO);
    assert_eq!(
        record_of(&mut smmu, write(NS, 9, iova)),
        [0x0000_0009_0000_0013, CLASS_IN, iova, 0]
    );
    // F_ACCESS (0x12): AF == 0, privileged (PnU, record bit 97).
    stage1_stream(&mut smmu, S, 10, 1, iova, S_RAM + 0x80_0000, RW & !desc::AF);
    assert_eq!(
        record_of(&mut smmu, read(S, 10, iova).privileged()),
        [0x0000_000A_0000_0012, 1 << 33 | RNW | CLASS_IN, iova, 0]
    );
    // F_ADDR_SIZE (0x11): the output is beyond CD.IPS (32 bits).
    let tables = stage1_stream(&mut smmu, NS, 11, 1, iova, 0x1_0000_0000, RW);
    let cd11 = cd(
        &mut smmu,
        NS,
        11,
        CdBuilder::new(tables.root()).asid(1).ips(0),
    );
    ste(&mut smmu, NS, 11, SteBuilder::stage1(cd11));
    assert_eq!(
        record_of(&mut smmu, read(NS, 11, iova)),
        [0x0000_000B_0000_0011, RNW | CLASS_IN, iova, 0]
    );
    // F_WALK_EABT (0x0B): TTB0 outside memory; CLASS = TT, FetchAddr of the L0
    // descriptor (L0 index 1 of the IOVA).
    let cd12 = cd(&mut smmu, NS, 12, CdBuilder::new(0x2000_0000).asid(1));
    ste(&mut smmu, NS, 12, SteBuilder::stage1(cd12));
    assert_eq!(
        record_of(&mut smmu, read(NS, 12, iova)),
        [0x0000_000C_0000_000B, RNW | CLASS_TT, iova, 0x2000_0008]
    );
    // CD.R = 0 suppresses the stage 1 fault: nothing is recorded.
    let cd13 = cd(
        &mut smmu,
        NS,
        13,
        CdBuilder::new(tables.root()).record(false),
    );
    ste(&mut smmu, NS, 13, SteBuilder::stage1(cd13));
    smmu.translate(&read(NS, 13, 0x1000)).unwrap();
    assert!(take_events(&mut smmu, NS).is_empty());
}

#[test]
fn every_record_field_reaches_memory_little_endian() {
    let mut smmu = smmu();
    // A stage 2 permission fault on a stage 1 table access, Secure queue: every
    // field of the translation fault layout set.
    let event = Event {
        rnw: true,
        ind: true,
        pnu: true,
        input_addr: 0xFFFF_0000_1234_5678,
        stage2: true,
        class: FaultClass::TranslationTable,
        ipa: 0x0123_4567_89AB_CDEF,
        nsipa: true,
        ttrnw: true,
        ..Event::new(EventType::Permission, S, 3, Some(0xABCDE))
    };
    assert_eq!(smmu.record_event(&event), EventDelivery::Written);
    let addr = eventq_base(S);
    let mut bytes = [0u8; 32];
    smmu::GuestMemory::read(smmu.memory(), Pas::Secure, addr, &mut bytes).unwrap();
    assert_eq!(
        bytes,
        [
            0x13, 0xE8, 0xCD, 0xAB, 0x03, 0x00, 0x00,
            0x00, // type, SSV, SubstreamID, StreamID
            0x00, 0x00, 0x00, 0x00, 0x9E, 0x11, 0x00,
            0x00, // PnU InD RnW NSIPA S2 CLASS TTRnW
            0x78, 0x56, 0x34, 0x12, 0x00, 0x00, 0xFF, 0xFF, // InputAddr
            0x00, 0xC0, 0xAB, 0x89, 0x67, 0x45, 0x23, 0x00, // IPA[55:12]
        ]
    );
    // The same event from a Non-secure stream carries no NSIPA and goes to the
    // Non-secure queue.
    let ns = Event {
        sec_sid: NS,
        ..event
    };
    smmu.record_event(&ns);
    assert_eq!(take_events(&mut smmu, NS)[0][1], 0x0000_118E_0000_0000);
}
