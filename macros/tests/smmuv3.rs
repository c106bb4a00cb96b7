//! Every access rule of the real SMMUv3 definition, on the generated register file.
//! Offsets are IHI0070 6.2's; values are exact.

mod smmu {
    twinreg_macros::register_file!("../regdef/smmuv3.rdl");
}

use smmu::*;
use twinreg_runtime::{
    AccessError, Completion, FieldRef, GuardTerm, HwError, HwInput, Mirror, Outcome, RegId,
    Rejection, WriteGate,
};

const NS: SecSid = SecSid::NonSecure;
const S: SecSid = SecSid::Secure;

const CR0: u64 = 0x20;
const CR0ACK: u64 = 0x24;
const CR1: u64 = 0x28;
const CR2: u64 = 0x2C;
const GBPA: u64 = 0x44;
const GERROR: u64 = 0x60;
const GERRORN: u64 = 0x64;
const STRTAB_BASE: u64 = 0x80;
const CMDQ_BASE: u64 = 0x90;
const CMDQ_PROD: u64 = 0x98;
const CMDQ_CONS: u64 = 0x9C;
const SECURE: u64 = 0x8000;
const S_IDR1: u64 = 0x8004;
const S_INIT: u64 = 0x803C;

fn regs() -> RegisterFile {
    RegisterFile::new(&ImplDefined::default())
}

fn handshake() -> RegisterFile {
    RegisterFile::with_completion(&ImplDefined::default(), Completion::Handshake)
}

/// The guard term "field `field` of register `reg` reads 0".
fn zero(reg: Reg, field: usize) -> GuardTerm {
    GuardTerm {
        field: FieldRef {
            reg: RegId(reg.index()),
            field,
        },
        when_set: false,
    }
}

#[test]
fn id_registers_read_their_reset_values() {
    let mut r = regs();
    assert_eq!(r.read(0x00, 4, NS), 0x0D4E_331B, "IDR0");
    assert_eq!(r.read(0x1C, 4, NS), 0x02, "AIDR: SMMUv3.2");
    assert_eq!(r.read(S_IDR1, 4, S), 0xA000_0010, "S_IDR1");
    assert_eq!(r.idr0().bits(), 0x0D4E_331B);
    assert_eq!(r.idr0().st_level(), Some(StLevel::LinearAnd2lvl));
    assert_eq!(r.idr5().oas(), Some(Oas::Pa48));
    // ID registers ignore writes.
    let e = r.write(0x00, 4, 0, S);
    assert_eq!(
        (e.outcome, e.old, e.new),
        (Outcome::Applied, 0x0D4E_331B, 0x0D4E_331B)
    );
    assert_eq!(r.read(0x00, 4, NS), 0x0D4E_331B);
}

#[test]
fn cmdq_base_is_guarded_by_cmdqen_and_its_ack() {
    let mut r = regs();
    let cmdq_base = Reg::CmdqBase(NS);
    // Both 0: accepted, both halves.
    r.write(CMDQ_BASE, 4, 0x1234_5678, NS);
    r.write(CMDQ_BASE + 4, 4, 0xFFFF_FFFF, NS);
    assert_eq!(r.read(CMDQ_BASE, 8, NS), 0x40FF_FFFF_1234_5678);

    // CR0.CMDQEN = 1 (and CR0ACK.CMDQEN = 1 at once): ignored.
    r.write(CR0, 4, 0b1000, NS);
    let e = r.write(CMDQ_BASE, 4, 0, NS);
    assert_eq!(e.outcome, Outcome::Applied);
    assert_eq!(
        e.guarded().bits(),
        0b011,
        "LOG2SIZE and ADDR: RA is in the other half"
    );
    assert_eq!(
        e.guard(),
        Some(&zero(Reg::Cr0(NS), 2)),
        "CR0.CMDQEN is field 2"
    );
    assert_eq!(e.rejection(), Some(Rejection::Guard(zero(Reg::Cr0(NS), 2))));
    assert!(!e.changed());
    assert_eq!(r.value(cmdq_base), 0x40FF_FFFF_1234_5678);

    // With handshake completion the two terms can differ: the ACK alone blocks.
    let mut h = handshake();
    h.write(CR0, 4, 0b1000, NS);
    assert!(!h.bank(NS).cr0ack().cmdqen(), "no immediate ACK");
    assert_eq!(
        h.write(CMDQ_BASE, 4, 1, NS).guard(),
        Some(&zero(Reg::Cr0(NS), 2))
    );
    let cr0ack = Reg::Cr0ack(NS).index();
    h.hw_write_field(cr0ack, 2, 1).unwrap();
    h.write(CR0, 4, 0, NS);
    let e = h.write(CMDQ_BASE, 4, 1, NS);
    assert_eq!(e.guard(), Some(&zero(Reg::Cr0ack(NS), 2)), "CR0ACK.CMDQEN");
    assert_eq!(h.value(cmdq_base), 0);
    // Both 0 again: accepted.
    h.hw_write_field(cr0ack, 2, 0).unwrap();
    let e = h.write(CMDQ_BASE, 4, 0x25, NS);
    assert_eq!((e.guard(), e.old, e.new), (None, 0, 0x25));
}

#[test]
fn secure_registers_are_raz_wi_to_non_secure_accesses() {
    let mut r = regs();
    let e = r.write(SECURE + CR0, 4, 0b1, NS);
    assert_eq!(e.reg, Some(Reg::Cr0(S)));
    assert_eq!(e.outcome, Outcome::Gated(WriteGate::SecurityState));
    assert_eq!(e.applied_to(), None);
    assert!(!r.bank(S).cr0().smmuen());

    // A Secure access works; a Non-secure read still returns 0.
    let e = r.write(SECURE + CR0, 4, 0x1FF, S);
    assert_eq!((e.outcome, e.new), (Outcome::Applied, 0x1ED));
    assert_eq!(r.read(SECURE + CR0, 4, S), 0x1ED);
    let re = r.read_with_effect(SECURE + CR0, 4, NS);
    assert_eq!(
        (re.outcome, re.value),
        (Outcome::Gated(WriteGate::SecurityState), 0)
    );
    assert_eq!(r.read(S_IDR1, 4, NS), 0);
    // The Non-secure bank is untouched, and Secure accesses reach it.
    assert_eq!(r.read(CR0, 4, S), 0);
    r.write(CR0, 4, 0b1, S);
    assert_eq!(r.read(CR0, 4, NS), 1);
    assert_eq!(r.value(Reg::Cr0(S)), 0x1ED);
}

#[test]
fn gerrorn_is_read_write_and_gerror_read_only() {
    let mut r = regs();
    let e = r.write(GERRORN, 4, 0xFFFF_FFFF, NS);
    assert_eq!(e.new, 0x1B5);
    assert_eq!(r.read(GERRORN, 4, NS), 0x1B5);
    let e = r.write(GERROR, 4, 0xFFFF_FFFF, NS);
    assert_eq!((e.outcome, e.changed()), (Outcome::Applied, false));
    assert_eq!(r.read(GERROR, 4, NS), 0);
    // Hardware toggles GERROR.CMDQ_ERR (IHI0070 6.3.19); the error is active while
    // GERROR and GERRORN differ.
    let h = r.bank_hw(NS).gerror(|g| g.with_cmdq_err(true));
    assert_eq!((h.reg, h.old, h.new), (Reg::Gerror(NS), 0, 1));
    assert_eq!(r.read(GERROR, 4, NS), 1);
    assert_eq!(
        r.bank(NS).gerror().bits() ^ r.bank(NS).gerrorn().bits(),
        0x1B4
    );
}

#[test]
fn strtab_base_halves_and_64_bit_accesses() {
    let mut r = regs();
    r.write(STRTAB_BASE, 4, 0xFFFF_FFFF, NS);
    assert_eq!(r.read(STRTAB_BASE, 4, NS), 0xFFFF_FFC0);
    assert_eq!(r.read(STRTAB_BASE + 4, 4, NS), 0);
    r.write(STRTAB_BASE + 4, 4, 0xFFFF_FFFF, NS);
    assert_eq!(r.read(STRTAB_BASE + 4, 4, NS), 0x40FF_FFFF);
    assert_eq!(r.read(STRTAB_BASE, 8, NS), 0x40FF_FFFF_FFFF_FFC0);
    assert_eq!(r.bank(NS).strtab_base().addr(), 0x3_FFFF_FFFF_FFFF);

    let e = r.write(STRTAB_BASE, 8, 0x0000_1234_5678_9AC0, NS);
    assert_eq!(
        (e.old, e.new),
        (0x40FF_FFFF_FFFF_FFC0, 0x0000_1234_5678_9AC0)
    );
    assert_eq!(r.read(STRTAB_BASE, 8, NS), 0x0000_1234_5678_9AC0);
    assert_eq!(r.read(STRTAB_BASE + 4, 4, NS), 0x1234);
    // A 16-bit access to the upper half.
    r.write(STRTAB_BASE + 6, 2, 0x4000, NS);
    assert_eq!(r.read(STRTAB_BASE, 8, NS), 0x4000_1234_5678_9AC0);

    // Guarded by SMMUEN and its ACK, per half and as a whole.
    r.write(CR0, 4, 1, NS);
    assert_eq!(r.write(STRTAB_BASE + 4, 4, 0, NS).guarded().bits(), 0b11);
    assert_eq!(r.write(STRTAB_BASE, 8, 0, NS).guarded().bits(), 0b11);
    assert_eq!(r.read(STRTAB_BASE, 8, NS), 0x4000_1234_5678_9AC0);
}

#[test]
fn gbpa_update_handshake_completes_immediately() {
    let mut r = regs();
    assert_eq!(r.read(GBPA, 4, NS), 0x1000, "SHCFG = use incoming");
    // Without Update: ignored (IHI0070 6.3.14, v3.2).
    let e = r.write(GBPA, 4, 0x0010_0000, NS);
    assert_eq!(e.outcome, Outcome::Gated(WriteGate::UpdateHandshake));
    assert_eq!(
        e.rejection(),
        Some(Rejection::Gate(WriteGate::UpdateHandshake))
    );
    // With Update: taken, and Update reads 0 at once.
    let e = r.write(GBPA, 4, 0x8010_0000, NS);
    assert_eq!((e.outcome, e.new), (Outcome::Applied, 0x0010_0000));
    assert!(e.update_completed);
    assert_eq!(r.read(GBPA, 4, NS), 0x0010_0000);
    assert_eq!(r.bank(NS).gbpa().abort(), Some(Abort::Abort));
    // A byte write cannot cover Update; a 16-bit write to the upper half can.
    assert_eq!(
        r.write(GBPA, 1, 0xFF, NS).outcome,
        Outcome::Gated(WriteGate::UpdateHandshake)
    );
    let e = r.write(GBPA + 2, 2, 0x8000, NS);
    assert_eq!(
        (e.outcome, e.old, e.new),
        (Outcome::Applied, 0x0010_0000, 0)
    );
}

#[test]
fn gbpa_update_handshake_with_hardware_completion() {
    let mut h = handshake();
    let e = h.write(SECURE + GBPA, 4, 0x8010_0000, S);
    assert_eq!((e.new, e.update_completed), (0x8010_0000, false));
    // Update reads 1: further writes are ignored until hardware completes.
    let e = h.write(SECURE + GBPA, 4, 0x8000_0000, S);
    assert_eq!(e.outcome, Outcome::Gated(WriteGate::UpdateHandshake));
    let gbpa = Reg::Gbpa(S).index();
    let update = 8; // S_GBPA has NSCFG, so Update is its ninth field.
    let c = h.hw_clr(gbpa, update).unwrap();
    assert_eq!((c.old, c.new), (0x8010_0000, 0x0010_0000));
    // With immediate completion the update bit has no hwclr input.
    assert_eq!(
        regs().hw_clr(gbpa, update),
        Err(HwError::NoInput {
            reg: gbpa,
            field: update,
            input: HwInput::Clear
        })
    );
}

#[test]
fn cr0_is_mirrored_into_cr0ack() {
    let mut r = regs();
    let e = r.write(CR0, 4, 0xFFFF_FFFF, NS);
    assert_eq!(e.new, 0x1CD, "RES0 bits 1, 4, 5 and 9-31");
    assert_eq!(
        e.ack,
        Some(Mirror {
            reg: Reg::Cr0ack(NS),
            old: 0,
            new: 0x1CD
        })
    );
    assert_eq!(r.read(CR0ACK, 4, NS), 0x1CD);
    // CR0ACK is read-only to software.
    r.write(CR0ACK, 4, 0, NS);
    assert_eq!(r.read(CR0ACK, 4, NS), 0x1CD);
    // Changing one field changes only its ACK.
    let e = r.write(CR0, 4, 0x1C5, NS);
    assert_eq!(e.ack.map(|m| (m.old, m.new)), Some((0x1CD, 0x1C5)));
    // The same for IRQ_CTRL -> IRQ_CTRLACK, and the Secure pair.
    r.write(0x50, 4, 0b101, NS);
    assert_eq!(r.read(0x54, 4, NS), 0b101);
    r.write(SECURE + CR0, 4, 0b10_0000, S);
    assert!(r.bank(S).cr0ack().sif());
    // Immediate completion: the ACK has no hardware write input.
    assert_eq!(
        r.hw_write_field(Reg::Cr0ack(NS).index(), 0, 0),
        Err(HwError::NoInput {
            reg: 9,
            field: 0,
            input: HwInput::Write
        })
    );
}

#[test]
fn cr1_fields_have_their_own_guards() {
    let mut r = regs();
    // SMMUEN = 1 closes the TABLE_* fields only.
    r.write(CR0, 4, 0b1, NS);
    let e = r.write(CR1, 4, 0xFFF, NS);
    assert_eq!(e.new, 0x03F);
    assert_eq!(e.guarded().bits(), 0b111_000);
    assert_eq!(e.guard(), Some(&zero(Reg::Cr0(NS), 0)));
    // CMDQEN = 1 closes the QUEUE_* fields only; the first failing term is CMDQEN.
    r.write(CR0, 4, 0b1000, NS);
    let e = r.write(CR1, 4, 0xFC0, NS);
    assert_eq!((e.old, e.new), (0x03F, 0xFFF));
    assert_eq!(e.guarded().bits(), 0b000_111);
    assert_eq!(e.guard(), Some(&zero(Reg::Cr0(NS), 2)));
    // EVENTQEN closes them too.
    assert_eq!(r.bank(NS).cr1().table_sh(), Some(Shareability::Inner));
    r.write(CR0, 4, 0b100, NS);
    let e = r.write(CR1, 4, 0, NS);
    assert_eq!((e.new, e.guard()), (0x03F, Some(&zero(Reg::Cr0(NS), 1))));
    assert_eq!(
        r.bank(NS).cr1().table_sh(),
        Some(Shareability::NonShareable)
    );
    assert_eq!(r.bank(NS).cr1().queue_ic(), None, "0b11 is reserved");
    assert_eq!(r.bank(NS).cr1().queue_ic_raw(), 3);
}

#[test]
fn s_init_inv_all_is_set_by_software_and_cleared_by_hardware() {
    let mut r = regs();
    let e = r.write(S_INIT, 4, 1, S);
    assert_eq!((e.old, e.new), (0, 1));
    // woset: writing 0 does not clear it; it stays 1 until hardware clears it.
    r.write(S_INIT, 4, 0, S);
    assert_eq!(r.read(S_INIT, 4, S), 1);
    assert!(r.s_init().inv_all());
    let h = r.hw().s_init(|s| s.with_inv_all(false));
    assert_eq!((h.old, h.new, h.refused.bits()), (1, 0, 0));
    assert_eq!(r.read(S_INIT, 4, S), 0);
    // Hardware cannot set it (no hwset input) ...
    let h = r.hw().s_init(|s| s.with_inv_all(true));
    assert_eq!((h.new, h.refused.bits()), (0, 1));
    let s_init = Reg::SInit.index();
    assert!(matches!(
        r.hw_set(s_init, 0),
        Err(HwError::NoInput {
            input: HwInput::Set,
            ..
        })
    ));
    // ... and through the index-based path it clears it too.
    r.write(S_INIT, 4, 1, S);
    assert_eq!(r.hw_clr(s_init, 0).map(|h| h.new), Ok(0));
    // Non-secure software cannot reach it.
    assert_eq!(
        r.write(S_INIT, 4, 1, NS).outcome,
        Outcome::Gated(WriteGate::SecurityState)
    );
}

#[test]
fn without_secure_impl_the_secure_bank_is_raz_wi() {
    let cfg = ImplDefined {
        s_idr1: ImplDefined::DEFAULT.s_idr1.with_secure_impl(false),
        ..ImplDefined::DEFAULT
    };
    let mut r = RegisterFile::new(&cfg);
    assert_eq!(
        r.value(Reg::SIdr1),
        0x2000_0010,
        "stored, without SECURE_IMPL"
    );
    assert_eq!(r.read(S_IDR1, 4, S), 0, "S_IDR1 reads 0 (IHI0070 6.3.53)");
    let e = r.write(SECURE + CR0, 4, 1, S);
    assert_eq!(e.outcome, Outcome::Gated(WriteGate::Absent));
    assert_eq!(r.read(SECURE + CR0, 4, S), 0);
    assert_eq!(r.value(Reg::Cr0(S)), 0);
    // Absent comes first, even for a Non-secure access.
    assert_eq!(
        r.write(S_INIT, 4, 1, NS).outcome,
        Outcome::Gated(WriteGate::Absent)
    );
    // Every Secure register reads 0; Non-secure ones are unaffected.
    for reg in Reg::ALL.iter().filter(|g| g.bank() == S) {
        for half in 0..u64::from(reg.width() / 32) {
            assert_eq!(r.read(reg.address() + 4 * half, 4, S), 0, "{reg:?}");
        }
    }
    assert_eq!(r.read(0x00, 4, S), 0x0D4E_331B);
    // S_IDR0.MSI = 0 removes only the Secure MSI registers.
    let cfg = ImplDefined {
        s_idr0: ImplDefined::DEFAULT.s_idr0.with_msi(false),
        ..ImplDefined::DEFAULT
    };
    let mut r = RegisterFile::new(&cfg);
    assert_eq!(
        r.write(SECURE + 0x70, 4, 5, S).outcome,
        Outcome::Gated(WriteGate::Absent)
    );
    assert_eq!(r.write(SECURE + CR0, 4, 1, S).new, 1);
}

#[test]
fn impl_defined_values_reach_only_impl_defined_bits() {
    let cfg = ImplDefined {
        // OAS is impl-defined; VAX (bits 11:10) and STALL_MAX are not.
        idr5: Idr5::from_bits(0xFFFF_FFFF).with_oas(Oas::Pa44),
        gbpa: Gbpa::default().with_abort(Abort::Abort),
        ..ImplDefined::DEFAULT
    };
    let mut r = RegisterFile::new(&cfg);
    assert_eq!(r.read(0x14, 4, NS), 0x74, "OAS=44 bits, three granules");
    assert_eq!(r.read(GBPA, 4, NS), 0x0010_1000, "ABORT resets to 1");
    assert_eq!(r.read(SECURE + GBPA, 4, S), 0x1000, "S_GBPA keeps its own");
}

#[test]
fn res0_bits_read_zero_and_ignore_writes() {
    let mut r = regs();
    let e = r.write(CR2, 4, 0xFFFF_FFFF, NS);
    assert_eq!(e.new, 0b11, "E2H and RECINVSID; PTM is absent");
    assert_eq!(r.read(CR2, 4, NS), 0b11);
    r.write(CMDQ_PROD, 4, 0xFFFF_FFFF, NS);
    assert_eq!(r.read(CMDQ_PROD, 4, NS), 0x000F_FFFF);
    r.write(CMDQ_CONS, 4, 0xFFFF_FFFF, NS);
    assert_eq!(r.read(CMDQ_CONS, 4, NS), 0x000F_FFFF, "ERR is hardware's");
}

#[test]
fn undefined_offsets_are_raz_wi() {
    let mut r = regs();
    for offset in [
        0x30, 0x3C, 0xA8, 0xAC, 0xFD4, 0x1000, 0x8030, 0x80C0, 0x10000, 0x20000,
    ] {
        let e = r.write(offset, 4, 0xFFFF_FFFF, S);
        assert_eq!((e.outcome, e.reg), (Outcome::Unmapped, None), "{offset:#x}");
        assert_eq!(e.rejection(), Some(Rejection::Unmapped));
        let re = r.read_with_effect(offset, 4, S);
        assert_eq!(
            (re.outcome, re.value),
            (Outcome::Unmapped, 0),
            "{offset:#x}"
        );
    }
    assert_eq!(r.read(u64::MAX, 1, S), 0);
    assert_eq!(r.read(u64::MAX - 7, 8, S), 0);
    assert_eq!(r.write(u64::MAX - 3, 4, 1, S).outcome, Outcome::Unmapped);
    assert_eq!(RegisterFile::decode(0x100A8), Some(Reg::EventqProd(NS)));
    assert_eq!(RegisterFile::decode(0x80A8), Some(Reg::EventqProd(S)));
    assert_eq!(RegisterFile::decode(0x84), Some(Reg::StrtabBase(NS)));
    assert_eq!(RegisterFile::decode(0xA8), None);
    assert_eq!(r, regs(), "nothing changed");
}

#[test]
fn access_size_policy() {
    let mut r = regs();
    // Aligned 1-, 2- and 4-byte accesses act on the bytes they cover.
    r.write(CR0 + 1, 1, 0x01, NS);
    assert_eq!(r.read(CR0, 4, NS), 0x100, "VMW bit 2");
    assert_eq!(r.read(CR0 + 1, 1, NS), 0x01);
    assert_eq!(r.read(0x02, 2, NS), 0x0D4E);
    assert_eq!(r.read(0x03, 1, NS), 0x0D);
    r.write(CR0, 2, 0xFFFF, NS);
    assert_eq!(r.read(CR0, 4, NS), 0x1CD);
    // Anything else is RAZ/WI, and reported.
    let cases = [
        (CR0, 8, AccessError::TooWide),
        (CR0 + 1, 2, AccessError::Unaligned),
        (CR0 + 2, 4, AccessError::Unaligned),
        (STRTAB_BASE + 4, 8, AccessError::Unaligned),
        (CR0, 3, AccessError::Size),
        (CR0, 0, AccessError::Size),
        (CR0, 16, AccessError::Size),
    ];
    for (offset, size, err) in cases {
        let e = r.write(offset, size, 0, NS);
        assert_eq!(e.outcome, Outcome::Refused(err), "{offset:#x}/{size}");
        assert_eq!(e.rejection(), Some(Rejection::Access(err)));
        let re = r.read_with_effect(offset, size, NS);
        assert_eq!((re.outcome, re.value), (Outcome::Refused(err), 0));
    }
    assert_eq!(r.read(CR0, 4, NS), 0x1CD, "unchanged");
    assert_eq!(r.read(0x00, 8, NS), 0, "8 bytes over IDR0/IDR1");
}

#[test]
fn queue_registers_and_the_hardware_path() {
    let mut r = regs();
    let e = r.write(CMDQ_PROD, 4, 5, NS);
    assert_eq!(e.applied_to(), Some(Reg::CmdqProd(NS)));
    // The command engine consumes and reports an error.
    let h = r
        .bank_hw(NS)
        .cmdq_cons(|c| c.with_rd(5).with_err(Cerror::CerrorIll));
    assert_eq!((h.new, h.refused.bits()), (0x0100_0005, 0));
    assert_eq!(r.bank(NS).cmdq_cons().err(), Some(Cerror::CerrorIll));
    // Hardware cannot change a field without a hardware input.
    let h = r.bank_hw(NS).cmdq_prod(|p| p.with_wr(0));
    assert_eq!((h.new, h.refused.bits()), (5, 1));
    // The Event queue: hardware produces in page 1 (Non-secure) and page 0 (Secure).
    r.bank_hw(NS).eventq_prod(|p| p.with_wr(3).with_ovflg(true));
    assert_eq!(r.read(0x100A8, 4, NS), 0x8000_0003);
    r.bank_hw(S).eventq_prod(|p| p.with_wr(7));
    assert_eq!(r.read(SECURE + 0xA8, 4, S), 7);
    // STATUSR.DORMANT is hardware's.
    r.hw().statusr(|s| s.with_dormant(true));
    assert_eq!(r.read(0x40, 4, NS), 1);
    // Index-based: every field output, and refusals.
    let cons = Reg::CmdqCons(NS).index();
    assert_eq!(r.field_value(cons, 0), Some(5));
    assert_eq!(r.field_value(cons, 1), Some(1));
    assert_eq!(r.field_value(cons, 2), None);
    assert_eq!(r.field_value(999, 0), None);
    assert_eq!(r.hw_write_field(cons, 1, 2).map(|h| h.new), Ok(0x0200_0005));
    assert_eq!(
        r.hw_write_field(cons, 1, 0x80),
        Err(HwError::TooWide {
            reg: cons,
            field: 1,
            value: 0x80,
            width: 7
        })
    );
    assert_eq!(
        r.hw_write_field(Reg::Cr0(NS).index(), 0, 1),
        Err(HwError::NoInput {
            reg: 8,
            field: 0,
            input: HwInput::Write
        })
    );
    assert_eq!(
        r.hw_write_field(999, 0, 0),
        Err(HwError::NoSuchRegister(999))
    );
    assert_eq!(
        r.hw_set(cons, 7),
        Err(HwError::NoSuchField {
            reg: cons,
            field: 7
        })
    );
}

#[test]
fn register_and_field_indices_follow_the_ir() {
    let map =
        regdef::compile_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../regdef/smmuv3.rdl").as_ref())
            .unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(Reg::COUNT, map.registers.len());
    for (i, ir) in map.registers.iter().enumerate() {
        let reg = Reg::from_index(i).unwrap();
        assert_eq!(reg.index(), i);
        assert_eq!(Reg::ALL[i], reg);
        assert_eq!(RegId::from(reg), RegId(i));
        assert_eq!(Reg::try_from(RegId(i)), Ok(reg));
        assert_eq!(
            (reg.path(), reg.address(), reg.bank()),
            (ir.path.as_str(), ir.address, ir.security)
        );
        let names: Vec<&str> = reg.desc().fields.iter().map(|f| f.name).collect();
        let ir_names: Vec<&str> = ir.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ir_names, "{}", ir.path);
    }
    assert_eq!(Reg::from_index(map.registers.len()), None);
    assert_eq!(Reg::try_from(RegId(500)), Err(RegId(500)));
}

#[test]
fn typed_values() {
    let cfg = StrtabBaseCfg::default()
        .with_fmt(StrtabFmt::TwoLevel)
        .with_split(StrtabSplit::Split64kb)
        .with_log2size(16);
    assert_eq!(cfg.bits(), 0x0001_0290);
    assert_eq!(
        (cfg.fmt(), cfg.split(), cfg.log2size()),
        (Some(StrtabFmt::TwoLevel), Some(StrtabSplit::Split64kb), 16)
    );
    // Reserved encodings: `None`, with the raw value still there.
    let reserved = cfg.with_fmt_raw(3);
    assert_eq!((reserved.fmt(), reserved.fmt_raw()), (None, 3));
    // Setters drop bits above the field's width.
    let mut c = Cr0::default();
    c.set_vmw_raw(0xFF);
    assert_eq!(c.bits(), 0x1C0);
    c.set_smmuen(true);
    assert_eq!(u32::from(c), 0x1C1);
    assert_eq!(Cr0::from(0x1C1), c);
    assert_eq!(
        format!("{c:?}"),
        "Cr0(0x000001c1) { smmuen: true, eventqen: false, cmdqen: false, sif: false, vmw: 0x7 (not a Vmw value) }"
    );
    assert_eq!(
        format!("{:?}", StrtabBase::from_bits(0x4000_0000_0000_1000)),
        "StrtabBase(0x4000000000001000) { addr: 0x40, ra: true }"
    );
    assert_eq!(StrtabFmt::from_raw(1), Some(StrtabFmt::TwoLevel));
    assert_eq!(
        (StrtabFmt::TwoLevel.raw(), StrtabFmt::TwoLevel.rdl_name()),
        (1, "two_level")
    );
    assert_eq!(Vmw::ALL.len(), 5);
}

#[test]
fn debug_shows_every_register_decoded() {
    let mut r = regs();
    r.write(CR0, 4, 0b1001, NS);
    let text = format!("{r:?}");
    assert!(
        text.contains(
            "\"smmuv3.ns.cr0ack\": Cr0ack(0x00000009) { smmuen: true, eventqen: false, cmdqen: true, vmw: Exact }"
        ),
        "{text}"
    );
    assert!(text.starts_with("RegisterFile { completion: Immediate, registers: {"));
    assert!(text.ends_with("written_once: [] }"));
}

#[test]
fn snapshots_round_trip_and_are_validated() {
    let mut r = regs();
    r.write(CR0, 4, 0b1001, NS);
    r.write(SECURE + CMDQ_BASE, 8, 0x4000_0000_1234_5000, S);
    r.write(S_INIT, 4, 1, S);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["completion"], "immediate");
    assert_eq!(json["registers"]["smmuv3.ns.cr0ack"], 9);
    assert_eq!(
        json["registers"]["smmuv3.s.s_cmdq_base"],
        0x4000_0000_1234_5000_u64
    );
    assert_eq!(
        json["registers"].as_object().map(|m| m.len()),
        Some(Reg::COUNT)
    );
    let back: RegisterFile = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, r);

    let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut j = json.clone();
        edit(&mut j);
        serde_json::from_value::<RegisterFile>(j)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        broken(&|j| j["registers"]["smmuv3.ns.nope"] = 0.into()),
        "unknown register `smmuv3.ns.nope`"
    );
    assert_eq!(
        broken(&|j| {
            j["registers"]
                .as_object_mut()
                .unwrap()
                .remove("smmuv3.ns.cr2");
        }),
        "register `smmuv3.ns.cr2` is missing (1 missing in all)"
    );
    assert_eq!(
        broken(&|j| j["registers"]["smmuv3.ns.cr0"] = 0x2.into()),
        "register `smmuv3.ns.cr0`: value 0x2 sets bits 0x2 outside its fields (defined mask 0x1cd)"
    );
    assert_eq!(
        broken(&|j| j["registers"]["smmuv3.ns.cidr0"] = 0xE.into()),
        "register `smmuv3.ns.cidr0`: field `prmbl_0` is a constant and must be 0xd"
    );
    assert_eq!(
        broken(&|j| j["written_once"] = serde_json::json!(["smmuv3.ns.cr0.smmuen"])),
        "`smmuv3.ns.cr0.smmuen` is not a write-once field"
    );
    assert!(broken(&|j| j["extra"] = 1.into()).starts_with("unknown field `extra`"));
    // Implementation-defined constants are state: SECURE_IMPL = 0 survives a restore.
    let mut j = json.clone();
    j["registers"]["smmuv3.s.s_idr1"] = 0x2000_0010.into();
    let mut off: RegisterFile = serde_json::from_value(j).unwrap();
    assert_eq!(off.read(SECURE + CR0, 4, S), 0);
}

/// The example of `macros/README.md`, kept compiling and true.
#[test]
fn readme_example() {
    let cfg = ImplDefined {
        s_idr1: ImplDefined::DEFAULT.s_idr1.with_secure_impl(true),
        ..ImplDefined::DEFAULT
    };
    let mut regs = RegisterFile::new(&cfg);
    let e = regs.write(0x8020, 4, 0b1001, SecSid::Secure);
    let Some(Reg::Cr0(bank)) = e.applied_to() else {
        panic!("{e:?}")
    };
    assert_eq!((bank, e.old, e.new), (SecSid::Secure, 0, 0b1001));
    assert_eq!(e.ack.map(|m| m.new), Some(0b1001));
    assert_eq!(regs.read(0x8020, 4, SecSid::NonSecure), 0);
    assert!(regs.bank(SecSid::Secure).cr0ack().cmdqen());
    assert_eq!(regs.idr5().oas(), Some(Oas::Pa48));
    let h = regs.bank_hw(SecSid::Secure).cmdq_cons(|c| c.with_rd(4));
    assert_eq!(h.new, 4);
    regs.hw().s_init(|s| s.with_inv_all(false));
}

/// A register file whose implementation-defined values are the defaults changed by `f`.
fn configured(f: impl FnOnce(&mut ImplDefined)) -> RegisterFile {
    let mut cfg = ImplDefined::DEFAULT;
    f(&mut cfg);
    RegisterFile::new(&cfg)
}

#[test]
fn cr0_vmw_is_res0_without_idr0_vmw() {
    // IHI0070 6.3.9, 6.3.57: CR0.VMW and S_CR0.VMW are RES0 unless IDR0.VMW; so are
    // their ACK copies (6.3.10, 6.3.58).
    let mut r = configured(|c| c.idr0 = c.idr0.with_vmw(false));
    assert_eq!(r.read(0x00, 4, NS) & (1 << 17), 0, "IDR0.VMW reads 0");
    for (base, bank) in [(0, NS), (SECURE, S)] {
        let e = r.write(base + CR0, 4, 0x1C0 | 1, bank);
        assert_eq!(
            (e.outcome, e.new),
            (Outcome::Applied, 1),
            "SMMUEN taken, VMW not"
        );
        assert_eq!(r.read(base + CR0, 4, bank), 1);
        assert_eq!(r.read(base + CR0ACK, 4, bank), 1);
        assert_eq!(r.bank(bank).cr0().vmw_raw(), 0);
        assert_eq!(r.bank(bank).cr0ack().vmw_raw(), 0);
    }
    // The default has VMW: the field is stored and acknowledged.
    let mut r = regs();
    for (base, bank) in [(0, NS), (SECURE, S)] {
        r.write(base + CR0, 4, 0x40, bank);
        assert_eq!(r.read(base + CR0, 4, bank), 0x40);
        assert_eq!(r.read(base + CR0ACK, 4, bank), 0x40);
    }
}

#[test]
fn cr2_e2h_is_res0_without_hyp_or_sel2() {
    // IHI0070 6.3.12: CR2.E2H is RES0 unless IDR0.HYP; 6.3.60: S_CR2.E2H unless
    // S_IDR1.SEL2. Each condition removes only its own bank's field.
    let mut r = configured(|c| c.idr0 = c.idr0.with_hyp(false));
    assert_eq!(r.write(CR2, 4, 0b11, NS).new, 0b10);
    assert_eq!(r.read(CR2, 4, NS), 0b10, "RECINVSID only");
    assert_eq!(r.write(SECURE + CR2, 4, 0b11, S).new, 0b11);
    let mut r = configured(|c| c.s_idr1 = c.s_idr1.with_sel2(false));
    assert_eq!(r.write(SECURE + CR2, 4, 0b11, S).new, 0b10);
    assert_eq!(r.read(SECURE + CR2, 4, S), 0b10);
    assert_eq!(r.write(CR2, 4, 0b11, NS).new, 0b11);
}

#[test]
fn msi_abort_errors_are_res0_without_msi() {
    // IHI0070 6.3.19, 6.3.20 (6.3.67, 6.3.68): GERROR/GERRORN.MSI_*_ABT_ERR are RES0
    // unless IDR0.MSI (S_IDR0.MSI for the Secure bank).
    const ALL: u64 = 0x1B5;
    const NO_MSI: u64 = 0x105;
    let mut r = configured(|c| c.idr0 = c.idr0.with_msi(false));
    assert_eq!(r.write(GERRORN, 4, 0x1FF, NS).new, NO_MSI);
    assert_eq!(r.write(SECURE + GERRORN, 4, 0x1FF, S).new, ALL);
    // Hardware cannot raise them either; the bits are dropped, not refused.
    let h = r
        .bank_hw(NS)
        .gerror(|g| g.with_cmdq_err(true).with_msi_cmdq_abt_err(true));
    assert_eq!((h.new, h.refused.bits()), (1, 0));
    let gerror = Reg::Gerror(NS).index();
    assert_eq!(r.hw_write_field(gerror, 2, 1).map(|h| h.new), Ok(1));
    assert_eq!(r.read(GERROR, 4, NS), 1);
    assert_eq!(r.field_value(gerror, 2), Some(0));
    let mut r = configured(|c| c.s_idr0 = c.s_idr0.with_msi(false));
    assert_eq!(r.write(SECURE + GERRORN, 4, 0x1FF, S).new, NO_MSI);
    assert_eq!(r.write(GERRORN, 4, 0x1FF, NS).new, ALL);
    // With MSIs (the default) they are there.
    let mut r = regs();
    let h = r.bank_hw(S).gerror(|g| g.with_msi_gerror_abt_err(true));
    assert_eq!(h.new, 0x80);
}

#[test]
fn s_init_is_ignored_while_any_smmuen_or_its_ack_is_1() {
    // IHI0070 6.3.62: S_INIT's write guard names both banks' SMMUEN and their ACKs.
    for (cr0, bank) in [(CR0, NS), (SECURE + CR0, S)] {
        let mut r = regs();
        r.write(cr0, 4, 1, bank);
        let e = r.write(S_INIT, 4, 1, S);
        assert_eq!((e.outcome, e.old, e.new), (Outcome::Applied, 0, 0));
        assert!(e.guarded().contains(0));
        assert_eq!(e.guard().copied(), Some(zero(Reg::Cr0(bank), 0)));
        r.write(cr0, 4, 0, bank);
        assert_eq!(r.write(S_INIT, 4, 1, S).new, 1, "taken once both are 0");
    }
    // With hardware completion an ACK still at 1 keeps it closed.
    let mut r = handshake();
    let ack = Reg::Cr0ack(S).index();
    r.hw_write_field(ack, 0, 1).unwrap();
    let e = r.write(S_INIT, 4, 1, S);
    assert_eq!(e.guard().copied(), Some(zero(Reg::Cr0ack(S), 0)));
    r.hw_write_field(ack, 0, 0).unwrap();
    assert_eq!(r.write(S_INIT, 4, 1, S).new, 1);
}
