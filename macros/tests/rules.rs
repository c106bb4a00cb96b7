//! The access rules SMMUv3 does not use, on `tests/rdl/rules.rdl`: every `onwrite`
//! kind, `rclr`/`rset`, singlepulse, swmod/swacc, hwset/hwclr, write-once,
//! `swwe`/`swwel` guards, a field across 64-bit halves, a generic ACK pair and
//! update handshake, and a definition used twice in one bank.

mod rules {
    twinreg_macros::register_file!("tests/rdl/rules.rdl");
}

use rules::*;
use twinreg_runtime::{
    FieldRef, GuardTerm, HwError, HwInput, Outcome, RegId, Rejection, WriteGate,
};

const NS: SecSid = SecSid::NonSecure;

const ONWRITE: u64 = 0x00;
const ONREAD: u64 = 0x04;
const STROBES: u64 = 0x08;
const HWCTL: u64 = 0x0C;
const WIDE: u64 = 0x10;
const ONCE: u64 = 0x18;
const ENABLES: u64 = 0x1C;
const GUARDED: u64 = 0x20;
const CTL: u64 = 0x24;
const CTLACK: u64 = 0x28;
const UPD: u64 = 0x2C;
const COND: u64 = 0x3C;

fn regs() -> RegisterFile {
    RegisterFile::default()
}

#[test]
fn every_onwrite_kind() {
    let mut r = regs();
    assert_eq!(r.read(ONWRITE, 4, NS), 0x00FF_00D2);
    // All ones: woset 1, woclr 0, wot 1, wzs -, wzc -, wzt -, wclr 0, wset 3,
    // the byte-wide woclr cleared, plain stored.
    r.write(ONWRITE, 4, 0xFFFF_FFFF, NS);
    assert_eq!(r.read(ONWRITE, 4, NS), 0xFF00_0315);

    let mut r = regs();
    // All zeros: woset -, woclr -, wot -, wzs 1, wzc 0, wzt 1, wclr 0, wset 3.
    r.write(ONWRITE, 4, 0, NS);
    assert_eq!(r.read(ONWRITE, 4, NS), 0x00FF_032A);

    let mut r = regs();
    // A byte write reaches only its byte: wclr/wset in byte 0 do not fire.
    r.write(ONWRITE + 2, 1, 0x0F, NS);
    assert_eq!(r.read(ONWRITE, 4, NS), 0x00F0_00D2);
}

#[test]
fn read_side_effects() {
    let mut r = regs();
    let onread = Reg::OnreadR.index();
    r.hw_write_field(onread, 0, 0x5).unwrap();
    r.hw_write_field(onread, 1, 0x3).unwrap();
    let e = r.read_with_effect(ONREAD, 4, NS);
    assert_eq!((e.value, e.old, e.new), (0x5A35, 0x5A35, 0x00F0));
    assert_eq!(e.side_effects.bits(), 0b111);
    assert_eq!(r.read(ONREAD, 4, NS), 0x00F0);
    // Reads carry no byte enables on the bus: a byte read of an empty byte still
    // clears every rclr field of the word, as the RTL does.
    r.hw_write_field(onread, 0, 0x9).unwrap();
    let e = r.read_with_effect(ONREAD + 3, 1, NS);
    assert_eq!((e.value, e.new), (0, 0x00F0));
    // `read` without effect is the same access.
    r.write(ONREAD, 4, 0x7700, NS);
    assert_eq!(r.read(ONREAD + 1, 1, NS), 0x77);
    assert_eq!(r.read(ONREAD, 4, NS), 0x00F0);
}

#[test]
fn singlepulse_swmod_swacc_and_write_only() {
    let mut r = regs();
    let e = r.write(STROBES, 4, 0x1, NS);
    assert_eq!(
        (e.pulses().bits(), e.new),
        (0b1, 0),
        "the pulse is reported, then 0"
    );
    assert_eq!(r.read(STROBES, 4, NS), 0);
    let e = r.write(STROBES, 4, 0x0, NS);
    assert_eq!(e.pulses().bits(), 0, "writing 0 does not pulse");
    // swmod fires on every write that reaches the field, not only on a change.
    let e = r.write(STROBES, 4, 0xABCD_0050, NS);
    assert_eq!(e.swmod.bits(), 0b1010, "cfg and doorbell");
    assert_eq!(r.write(STROBES, 4, 0xABCD_0050, NS).swmod.bits(), 0b1010);
    assert_eq!(
        r.write(STROBES, 1, 0, NS).swmod.bits(),
        0b0010,
        "byte 0: cfg only"
    );
    // The write-only doorbell is stored but reads 0.
    let strobes = Reg::StrobesR.index();
    assert_eq!(r.field_value(strobes, 3), Some(0xABCD));
    assert_eq!(r.read(STROBES, 4, NS), 0);
    // swacc: a read of the word.
    r.hw_write_field(strobes, 2, 0x6).unwrap();
    let e = r.read_with_effect(STROBES, 4, NS);
    assert_eq!(
        (e.value, e.swacc.bits(), e.changed()),
        (0x600, 0b100, false)
    );
}

#[test]
fn hardware_inputs_and_impl_defined_values() {
    let cfg = ImplDefined {
        // f_const (bits 31:28) is not implementation defined: ignored.
        hwctl: HwR::from_bits(0xF000_0000)
            .with_f_param(0x42)
            .with_f_preset(7),
        ..ImplDefined::DEFAULT
    };
    let mut r = RegisterFile::new(&cfg);
    assert_eq!(r.read(HWCTL, 4, NS), 0x9742_0000);
    let hwctl = Reg::HwR.index();
    assert_eq!(r.hw_set(hwctl, 1).map(|h| h.new), Ok(0x9742_0100));
    assert_eq!(r.hw_clr(hwctl, 1).map(|h| h.new), Ok(0x9742_0000));
    assert_eq!(
        r.hw_write_field(hwctl, 0, 0xA).map(|h| h.new),
        Ok(0x9742_000A)
    );
    assert_eq!(
        r.hw_write_field(hwctl, 0, 0x10),
        Err(HwError::TooWide {
            reg: hwctl,
            field: 0,
            value: 0x10,
            width: 4
        })
    );
    assert_eq!(
        r.hw_write_field(hwctl, 2, 0),
        Err(HwError::NoInput {
            reg: hwctl,
            field: 2,
            input: HwInput::Write
        })
    );
    // Typed: hwset/hwclr are used for all-ones / zero.
    let h = r.hw().hw_r(|v| v.with_f_sc(true).with_f_param(0));
    assert_eq!((h.new, h.refused.bits()), (0x9742_010A, 0b100));
    // Software writes the stored impl-defined field, not the constants.
    r.write(HWCTL, 4, 0, NS);
    assert_eq!(r.read(HWCTL, 4, NS), 0x9042_0000);
}

#[test]
fn write_once_fields() {
    let mut r = regs();
    let once = Reg::OnceR.index();
    // Bytes 0-1: key and lock (a write of 0 would spend a field as well).
    let e = r.write(ONCE, 2, 0x0112, NS);
    assert_eq!((e.new, e.once_spent().bits()), (0x0000_0112, 0));
    assert_eq!(r.read(ONCE, 4, NS), 0x100, "key is w1: not readable");
    assert_eq!(r.field_value(once, 0), Some(0x12));
    // The second write is ignored, field by field.
    let e = r.write(ONCE, 2, 0x0034, NS);
    assert_eq!((e.changed(), e.once_spent().bits()), (false, 0b011));
    assert_eq!(e.rejection(), Some(Rejection::WriteOnce));
    // A field not written yet is still open; a partial write spends it.
    let e = r.write(ONCE + 2, 1, 0xAB, NS);
    assert_eq!(e.new, 0x00AB_0112);
    let e = r.write(ONCE + 3, 1, 0xCD, NS);
    assert_eq!((e.new, e.once_spent().bits()), (0x00AB_0112, 0b100));
    // The flags are state: they survive a snapshot, and reset clears them.
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json["written_once"],
        serde_json::json!(["rules.once.key", "rules.once.lock", "rules.once.wide_once"])
    );
    let mut back: RegisterFile = serde_json::from_value(json).unwrap();
    assert_eq!(back.write(ONCE, 4, 0, NS).once_spent().bits(), 0b111);
    assert!(format!("{back:?}").ends_with(
        "written_once: [\"rules.once.key\", \"rules.once.lock\", \"rules.once.wide_once\"] }"
    ));
    let mut fresh = regs();
    assert_eq!(fresh.write(ONCE, 4, 0x0001_0000, NS).new, 0x0001_0000);
}

#[test]
fn swwe_and_swwel_guards() {
    let mut r = regs();
    let term = |field, when_set| GuardTerm {
        field: FieldRef {
            reg: RegId(Reg::EnablesR.index()),
            field,
        },
        when_set,
    };
    // en = 0 closes the swwe field; lock = 0 leaves the swwel field open.
    let e = r.write(GUARDED, 4, 0xFFFF, NS);
    assert_eq!(
        (e.new, e.guarded().bits(), e.guard()),
        (0xFF00, 0b01, Some(&term(0, true)))
    );
    r.write(ENABLES, 4, 0b11, NS);
    let e = r.write(GUARDED, 4, 0x1234, NS);
    assert_eq!(
        (e.new, e.guarded().bits(), e.guard()),
        (0xFF34, 0b10, Some(&term(1, false)))
    );
}

#[test]
fn a_field_across_64_bit_halves() {
    let mut r = regs();
    assert_eq!(r.read(WIDE, 8, NS), 0xF000_0000_0000_1234);
    r.write(WIDE + 4, 4, 0x0000_FFFF, NS);
    assert_eq!(r.read(WIDE, 8, NS), 0xF000_FFFF_0000_1234, "span[47:32]");
    r.write(WIDE, 4, 0xFF00_0000, NS);
    assert_eq!(
        r.read(WIDE, 8, NS),
        0xF000_FFFF_FF00_0000,
        "span[31:24], lo = 0"
    );
    assert_eq!(r.wide_r().span(), 0xFF_FFFF);
    // One 8-byte write: every field at once (the woclr nibble cleared).
    let e = r.write(WIDE, 8, 0xF000_0000_0000_0000, NS);
    assert_eq!((e.old, e.new), (0xF000_FFFF_FF00_0000, 0));
}

#[test]
fn ack_mirror_and_update_handshake() {
    let mut r = regs();
    let e = r.write(CTL, 4, 0x31, NS);
    assert_eq!(
        e.ack.map(|m| (m.reg, m.old, m.new)),
        Some((Reg::CtlackR, 0, 0x31))
    );
    assert_eq!(r.read(CTLACK, 4, NS), 0x31);
    assert_eq!(
        r.write(UPD, 4, 0x22, NS).outcome,
        Outcome::Gated(WriteGate::UpdateHandshake)
    );
    let e = r.write(UPD, 4, 0x8000_0022, NS);
    assert_eq!((e.new, e.update_completed), (0x22, true));
}

#[test]
fn one_definition_for_two_registers() {
    let mut r = regs();
    r.write(0x30, 4, 7, NS);
    r.write(0x34, 4, 9, NS);
    assert_eq!((r.scratch_a().v(), r.scratch_b().v()), (7, 9));
    assert_eq!(RegisterFile::decode(0x34), Some(Reg::ScratchB));
    let h = r.hw().scratch_a(|s| s.with_v(1));
    assert_eq!(
        (h.reg, h.refused.bits()),
        (Reg::ScratchA, 1),
        "sw-only field"
    );
}

/// A file where `feat.has_y` is 1: `cond.y` and `cond.z` exist.
fn with_y() -> RegisterFile {
    RegisterFile::new(&ImplDefined {
        feat: ImplDefined::DEFAULT.feat.with_has_y(true),
        ..ImplDefined::DEFAULT
    })
}

#[test]
fn absent_fields_are_res0() {
    let mut r = regs();
    let cond = Reg::CondR.index();
    // y (reset 5) and z (reset 1) are absent: they read 0 from reset on.
    assert_eq!(r.read(COND, 4, NS), 0xA0);
    assert_eq!(r.field_value(cond, 2), Some(0));
    // A write reaches the present fields only. z is neither guarded (ENABLES.LOCK is
    // 1) nor strobed: it is not there.
    r.write(ENABLES, 4, 0b10, NS);
    let e = r.write(COND, 4, 0xFFFF_FFFF, NS);
    assert_eq!((e.outcome, e.old, e.new), (Outcome::Applied, 0xA0, 0xFF));
    assert!(e.guarded().is_empty() && e.guard().is_none() && e.swmod.is_empty());
    assert_eq!(r.read(COND, 4, NS), 0xFF);
    // No hardware update either, and no refusal: the bits are dropped, as RES0.
    let h = r.hw_write_field(cond, 2, 3).unwrap();
    assert_eq!((h.old, h.new), (0xFF, 0xFF));
    r.hw_set(cond, 3).unwrap();
    let h = r.hw().cond_r(|c| c.with_y(3).with_z(true));
    assert!(h.refused.is_empty());
    assert_eq!(r.read(COND, 4, NS), 0xFF);
}

#[test]
fn present_fields_follow_the_configuration() {
    let mut r = with_y();
    let cond = Reg::CondR.index();
    assert_eq!(r.read(COND, 4, NS), 0x15A0);
    // z is now guarded by ENABLES.LOCK and strobes when written.
    r.write(ENABLES, 4, 0b10, NS);
    let e = r.write(COND, 4, 0x1000, NS);
    assert!(e.guarded().contains(3) && e.guard().is_some());
    r.write(ENABLES, 4, 0, NS);
    let e = r.write(COND, 4, 0x1000, NS);
    assert!(e.swmod.contains(3));
    assert_eq!(r.read(COND, 4, NS), 0x0000);
    r.hw_write_field(cond, 2, 3).unwrap();
    r.hw_set(cond, 3).unwrap();
    assert_eq!(r.read(COND, 4, NS), 0x1300);
    // Clearing has_x removes x.
    let r = RegisterFile::new(&ImplDefined {
        feat: ImplDefined::DEFAULT.feat.with_has_x(false),
        ..ImplDefined::DEFAULT
    });
    assert_eq!(r.core().present()[cond] & 0xF0, 0);
}

#[test]
fn snapshots_keep_absent_fields_at_zero() {
    let mut r = with_y();
    r.write(COND, 4, 0x0F00, NS);
    let json = serde_json::to_value(&r).unwrap();
    let back: RegisterFile = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, r);
    // The same values with has_y = 0: y would be set although absent.
    let mut bad = json;
    bad["registers"]["rules.feat"] = serde_json::json!(1);
    let err = serde_json::from_value::<RegisterFile>(bad).unwrap_err();
    assert!(
        err.to_string().contains(
            "register `rules.cond`: field `y` is absent in this configuration and must be 0"
        ),
        "{err}"
    );
}
