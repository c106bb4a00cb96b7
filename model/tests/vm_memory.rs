//! The `vm-memory` adapter: translation over rust-vmm guest memories, one per PAS.

use smmu::builders::{desc, CdBuilder, PageTable, SteBuilder};
use smmu::memory::VmMemoryGuest;
use smmu::translate::Outcome;
use smmu::walk::{AccessKind, Granule, WalkGeometry};
use smmu::{
    BankRegisters, EventType, GuestMemory, Pas, SecSid, SmmuConfig, TranslationRequest, Translator,
};
use vm_memory::{GuestAddress, GuestMemoryMmap};

const RAM: u64 = 0x4000_0000;

fn memory() -> GuestMemoryMmap {
    GuestMemoryMmap::from_ranges(&[(GuestAddress(RAM), 0x100_0000)]).unwrap()
}

fn setup(mem: &mut impl GuestMemory, space: Pas) {
    let geometry = WalkGeometry::stage1(Granule::K4, 16).unwrap();
    let mut tables = PageTable::new(space, RAM + 0x10_0000, 0x10_0000, geometry).unwrap();
    tables
        .map(mem, 0x8000, RAM + 0x80_0000, 3, desc::S1_PAGE_RW)
        .unwrap();
    CdBuilder::new(tables.root())
        .asid(1)
        .write(mem, space, RAM + 0x1_0000)
        .unwrap();
    SteBuilder::stage1(RAM + 0x1_0000)
        .write_linear(mem, space, RAM, 2)
        .unwrap();
}

fn banks() -> [BankRegisters; 2] {
    let bank = BankRegisters {
        smmuen: true,
        strtab_base: RAM,
        strtab_base_cfg: 8,
        ..BankRegisters::default()
    };
    [bank, bank]
}

#[test]
fn translates_over_vm_memory_per_pas() {
    let mut guest = VmMemoryGuest::new(memory(), memory());
    setup(&mut guest, Pas::NonSecure);
    setup(&mut guest, Pas::Secure);
    let mut translator = Translator::new(SmmuConfig::default()).unwrap();
    for state in SecSid::ALL {
        let r = TranslationRequest::new(state, 2, 0x8010, AccessKind::Read);
        match translator.translate(&guest, &banks(), &r).unwrap() {
            Outcome::Translated(t) => {
                assert_eq!(t.output_addr, RAM + 0x80_0010);
                assert_eq!(t.pas == Pas::Secure, state == SecSid::Secure);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn missing_secure_memory_is_an_abort_not_a_non_secure_access() {
    let mut guest = VmMemoryGuest::non_secure_only(memory());
    setup(&mut guest, Pas::NonSecure);
    assert!(guest.read_u64(Pas::Secure, RAM).is_err());
    let mut translator = Translator::new(SmmuConfig::default()).unwrap();
    let r = TranslationRequest::new(SecSid::Secure, 2, 0x8010, AccessKind::Read);
    match translator.translate(&guest, &banks(), &r).unwrap() {
        Outcome::Fault(e) => {
            assert_eq!(
                (e.event_type, e.fetch_addr),
                (EventType::SteFetch, RAM + 128)
            )
        }
        other => panic!("{other:?}"),
    }
}
