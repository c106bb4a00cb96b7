//! Builds a stream table, CDs and page tables in guest memory, then translates a
//! DMA address for a Non-secure and for a Secure stream.
//!
//! Run with `cargo run -p twinreg-model --example translate`.

use smmu::builders::{desc, CdBuilder, PageTable, SteBuilder};
use smmu::translate::{Outcome, TranslationRequest};
use smmu::walk::{AccessKind, Granule, WalkGeometry};
use smmu::{BankRegisters, InMemoryGuest, Pas, SecSid, SmmuConfig, Translator};

const NS_RAM: u64 = 0x4000_0000;
const SECURE_RAM: u64 = 0x0E00_0000;
const IOVA: u64 = 0x0000_0080_8060_4567;

/// One bank's stream table at `ram`, a CD at `ram + 0x1_0000`, and 4 KB, 48-bit
/// stage 1 tables at `ram + 0x10_0000` mapping IOVA's page to `ram + 0xCB_A000`.
fn build_bank(mem: &mut InMemoryGuest, space: Pas, ram: u64, stream_id: u32) -> BankRegisters {
    let geometry = WalkGeometry::stage1(Granule::K4, 16).expect("T0SZ 16 is legal");
    let mut tables =
        PageTable::new(space, ram + 0x10_0000, 0x10_0000, geometry).expect("pool fits");
    tables
        .map(mem, IOVA, ram + 0xCB_A000, 3, desc::S1_PAGE_RW)
        .expect("mapping fits");
    // For a Secure stream, NSCFG0 = 0: the walk starts in Secure PA space and the
    // leaf's NS = 0 keeps the output Secure.
    CdBuilder::new(tables.root())
        .asid(0x1E20)
        .write(mem, space, ram + 0x1_0000)
        .expect("CD in RAM");
    SteBuilder::stage1(ram + 0x1_0000)
        .write_linear(mem, space, ram, stream_id)
        .expect("STE in RAM");
    BankRegisters {
        smmuen: true,
        strtab_base: ram,
        strtab_base_cfg: 5, // linear, 32 STEs
        cr2: 0b10,          // RECINVSID
        ..BankRegisters::default()
    }
}

fn main() {
    let mut mem = InMemoryGuest::new()
        .with_region(Pas::NonSecure, NS_RAM, 0x100_0000)
        .with_region(Pas::Secure, SECURE_RAM, 0x100_0000);
    let banks = [
        build_bank(&mut mem, Pas::NonSecure, NS_RAM, 8),
        build_bank(&mut mem, Pas::Secure, SECURE_RAM, 8),
    ];
    let mut translator = Translator::new(SmmuConfig::default()).expect("valid configuration");

    for sec_sid in SecSid::ALL {
        let request = TranslationRequest::new(sec_sid, 8, IOVA, AccessKind::Write).with_size(4);
        match translator.translate(&mem, &banks, &request) {
            Ok(Outcome::Translated(t)) => println!(
                "{sec_sid} stream 8: {IOVA:#x} -> {:#x} in {:?} PA space ({} KB page, {:?})",
                t.output_addr,
                t.pas,
                t.page_size / 1024,
                t.permissions
            ),
            Ok(other) => println!("{sec_sid} stream 8: {other:?}"),
            Err(error) => println!("{sec_sid} stream 8: rejected: {error}"),
        }
    }

    // An unmapped address: the event record the event queue would receive.
    let request = TranslationRequest::new(SecSid::NonSecure, 8, 0x1000, AccessKind::Read);
    if let Ok(Outcome::Fault(event)) = translator.translate(&mem, &banks, &request) {
        println!(
            "fault: {} recorded={} record={:#018x?}",
            event.event_type.name(),
            event.record,
            event.encode()
        );
    }
}
