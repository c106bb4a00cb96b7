//! The ABI's hit path allocates nothing: a counting global allocator watches
//! repeated `twinreg_smmu_translate` calls that hit the configuration cache and the
//! IOTLB (the model's own hit path is checked the same way in `model/tests`).

mod common;

use common::*;
use testkit::CountingAllocator;
use twinreg::*;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

#[test]
fn translation_hits_through_the_abi_do_not_allocate() {
    let mut host = Host::new();
    let smmu = stage1_abi(&mut host, 16);
    let mut result = std::mem::MaybeUninit::<TwinregTranslation>::uninit();
    let translate = |page: u64, result: &mut std::mem::MaybeUninit<TwinregTranslation>| {
        // SAFETY: a live handle, a request, room for the result.
        let status =
            unsafe { twinreg_smmu_translate(smmu, &stage1_request(page), result.as_mut_ptr()) };
        assert_eq!(status, TwinregStatus::Ok);
    };
    // Fill the caches.
    for page in 0..16 {
        translate(page, &mut result);
    }
    let before = CountingAllocator::allocations();
    for round in 0..1000 {
        translate(round % 16, &mut result);
    }
    let allocations = CountingAllocator::allocations() - before;
    // SAFETY: written by the last call.
    let t = unsafe { result.assume_init() };
    assert_eq!(t.outcome, TwinregOutcome::Translated);
    assert_eq!(t.output_addr, NS_RAM + 0x80_0000 + (7 << 12) + 0x10);
    let mut stats = TwinregStats::default();
    // SAFETY: a live handle.
    assert_eq!(
        unsafe { twinreg_smmu_stats(smmu, &mut stats) },
        TwinregStatus::Ok
    );
    assert_eq!((stats.iotlb_misses, stats.iotlb_hits), (16, 1000));
    assert_eq!(allocations, 0, "{allocations} allocations in 1000 hits");
    // SAFETY: a live handle.
    unsafe { twinreg_smmu_free(smmu) };
}
