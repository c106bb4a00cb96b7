//! No sequence of Non-secure accesses changes a Secure-bank register or reads a
//! non-zero value from one (IHI0070 3.10: Non-secure accesses to Secure registers
//! are RAZ/WI).

mod smmu {
    twinreg_macros::register_file!("../regdef/smmuv3.rdl");
}

use proptest::prelude::*;
use smmu::*;
use twinreg_runtime::Outcome;

#[derive(Clone, Debug)]
enum Op {
    Read { offset: u64, size: u32 },
    Write { offset: u64, size: u32, value: u64 },
}

/// Offsets weighted toward the Secure bank (0x8000-0x80FF), with the Non-secure
/// pages (whose writes change Non-secure state) and anything at all.
fn offset() -> impl Strategy<Value = u64> {
    prop_oneof![
        8 => 0x8000u64..0x8100,
        2 => 0x8100u64..0x1_0000,
        3 => 0u64..0x100,
        1 => 0x1_0000u64..0x1_0100,
        1 => any::<u64>(),
    ]
}

fn size() -> impl Strategy<Value = u32> {
    prop_oneof![
        4 => Just(4u32),
        2 => Just(8u32),
        1 => Just(1u32),
        1 => Just(2u32),
        1 => 0u32..17,
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (offset(), size()).prop_map(|(offset, size)| Op::Read { offset, size }),
        (offset(), size(), any::<u64>()).prop_map(|(offset, size, value)| Op::Write {
            offset,
            size,
            value
        }),
    ]
}

/// A register file whose Secure bank holds non-zero state.
fn secure_state() -> RegisterFile {
    const S: SecSid = SecSid::Secure;
    let mut r = RegisterFile::default();
    r.write(0x8090, 8, 0x4000_1234_5678_9ABF, S); // S_CMDQ_BASE
    r.write(0x8080, 8, 0x0000_00AB_CDEF_0040, S); // S_STRTAB_BASE
    r.write(0x8044, 4, 0x8010_0000, S); // S_GBPA: ABORT
    r.write(0x8064, 4, 0x1B5, S); // S_GERRORN
    r.write(0x8050, 4, 0b101, S); // S_IRQ_CTRL
    r.write(0x8020, 4, 0x1ED, S); // S_CR0, last: it closes the guards
    r.write(0x803C, 4, 1, S); // S_INIT.INV_ALL
    r
}

fn secure_values(r: &RegisterFile) -> Vec<(Reg, u64)> {
    Reg::ALL
        .iter()
        .filter(|g| g.bank() == SecSid::Secure)
        .map(|&g| (g, r.value(g)))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn non_secure_accesses_never_reach_the_secure_bank(
        ops in prop::collection::vec(op(), 1..64),
        start_secure in any::<bool>(),
    ) {
        let mut r = if start_secure { secure_state() } else { RegisterFile::default() };
        let before = secure_values(&r);
        for op in &ops {
            match *op {
                Op::Read { offset, size } => {
                    let e = r.read_with_effect(offset, size, SecSid::NonSecure);
                    if e.reg.is_some_and(|g| g.bank() == SecSid::Secure) {
                        prop_assert_eq!(e.value, 0, "{:?}", e);
                        // Stopped by a gate or the size policy, never applied.
                        prop_assert_ne!(e.outcome, Outcome::Applied, "{:?}", e);
                    }
                }
                Op::Write { offset, size, value } => {
                    let e = r.write(offset, size, value, SecSid::NonSecure);
                    if let Some(g) = e.applied_to() {
                        prop_assert_eq!(g.bank(), SecSid::NonSecure, "{:?}", e);
                    }
                }
            }
        }
        prop_assert_eq!(secure_values(&r), before);
    }
}
