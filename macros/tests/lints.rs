//! The generated code is documented and lint-clean: every public item has rustdoc
//! (`missing_docs` is denied here), and `cargo clippy --all-targets -- -D warnings`
//! checks this file like any other.

#![deny(missing_docs)]

/// The SMMUv3 register file.
pub mod smmu {
    twinreg_macros::register_file!("../regdef/smmuv3.rdl");
}

/// The rules test register file.
pub mod rules {
    twinreg_macros::register_file!("tests/rdl/rules.rdl");
}

#[test]
fn generated_items_are_documented() {
    // Compiling this crate is the test; touch both files so they are not dead code.
    assert_eq!(smmu::Reg::COUNT, 72);
    assert_eq!(rules::Reg::COUNT, 15);
}

#[test]
fn field_access_is_const() {
    // Evaluated at compile time: a getter is arithmetic on the value, nothing else.
    const VMW: u8 = smmu::Cr0::from_bits(0x1C0).vmw_raw();
    const FMT: Option<smmu::StrtabFmt> = smmu::StrtabBaseCfg::from_bits(0x1_0000).fmt();
    const CFG: smmu::Cr0 = smmu::Cr0::from_bits(0).with_cmdqen(true);
    assert_eq!(
        (VMW, FMT, CFG.bits()),
        (7, Some(smmu::StrtabFmt::TwoLevel), 0x8)
    );
}
