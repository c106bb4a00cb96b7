//! The hit path allocates nothing: a counting global allocator watches repeated
//! translations that hit the configuration cache and the IOTLB.

use smmu::builders::{desc, CdBuilder, PageTable, SteBuilder};
use smmu::translate::Outcome;
use smmu::walk::{AccessKind, Granule, WalkGeometry};
use smmu::{BankRegisters, InMemoryGuest, Pas, SecSid, SmmuConfig, TranslationRequest, Translator};
use testkit::CountingAllocator;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

#[test]
fn translation_hits_do_not_allocate() {
    const RAM: u64 = 0x4000_0000;
    let mut mem = InMemoryGuest::new().with_region(Pas::NonSecure, RAM, 0x100_0000);
    let geometry = WalkGeometry::stage1(Granule::K4, 16).unwrap();
    let mut tables = PageTable::new(Pas::NonSecure, RAM + 0x10_0000, 0x10_0000, geometry).unwrap();
    for page in 0..16u64 {
        tables
            .map(
                &mut mem,
                page << 12,
                RAM + 0x80_0000 + (page << 12),
                3,
                desc::S1_PAGE_RW,
            )
            .unwrap();
    }
    CdBuilder::new(tables.root())
        .asid(1)
        .write(&mut mem, Pas::NonSecure, RAM + 0x1_0000)
        .unwrap();
    SteBuilder::stage1(RAM + 0x1_0000)
        .write_linear(&mut mem, Pas::NonSecure, RAM, 3)
        .unwrap();
    let banks = [
        BankRegisters {
            smmuen: true,
            strtab_base: RAM,
            strtab_base_cfg: 8,
            ..BankRegisters::default()
        },
        BankRegisters::default(),
    ];
    let mut translator = Translator::new(SmmuConfig::default()).unwrap();
    let requests: Vec<TranslationRequest> = (0..16u64)
        .map(|p| TranslationRequest::new(SecSid::NonSecure, 3, p << 12 | 8, AccessKind::Read))
        .collect();
    for r in &requests {
        assert!(matches!(
            translator.translate(&mem, &banks, r),
            Ok(Outcome::Translated(_))
        ));
    }
    let before = CountingAllocator::allocations();
    let hits_before = translator.stats().tlb_hits;
    for _ in 0..100 {
        for r in &requests {
            let _ = std::hint::black_box(translator.translate(&mem, &banks, r));
        }
    }
    assert_eq!(translator.stats().tlb_hits - hits_before, 1600);
    assert_eq!(CountingAllocator::allocations(), before);
}
