//! Bit-reversed fields (`hdl/tests/rdl/reversed.rdl`, shared with the RTL and C
//! tests; SystemRDL 2.0 10.7): typed getters and setters, resets, hardware writes and
//! `field_value` speak field values; raw register words stay in register bit order.

mod reversed {
    twinreg_macros::register_file!("../hdl/tests/rdl/reversed.rdl");
}

use reversed::*;

const NS: SecSid = SecSid::NonSecure;

const CTRL: u64 = 0x00;
const PACKED: u64 = 0x04;
const WIDE_LO: u64 = 0x08;
const WIDE_HI: u64 = 0x0C;
const RC_LO: u64 = 0x10;
const RC_HI: u64 = 0x14;

#[test]
fn typed_values_are_field_values() {
    // a = 1 is register bit 3, b = 0b000101 bits 13 and 11, d = 1 bit 31.
    let c = Ctrl::from_bits(0x8000_2808);
    assert_eq!((c.a(), c.b(), c.c(), c.d()), (0x1, 0x5, 0x0, 0x1));
    // Register bit 0 is a's value bit 3; bit 30 is d's value bit 1.
    let c = Ctrl::from_bits(0x4000_0001);
    assert_eq!((c.a(), c.d()), (0x8, 0x2));
    // Setters place values reversed and keep the other fields.
    assert_eq!(Ctrl::from_bits(0).with_a(0x1).bits(), 0x0000_0008);
    assert_eq!(Ctrl::from_bits(0).with_b(0x20).bits(), 0x0000_0100);
    assert_eq!(Ctrl::from_bits(0).with_c(0x01).bits(), 0x0080_0000);
    assert_eq!(
        Ctrl::from_bits(0xFFFF_FFFF).with_a(0x3).bits(),
        0xFFFF_FFFC,
        "a = 0b0011 is register bits 3 and 2"
    );
    // Bits above the width are dropped before the reversal.
    assert_eq!(Ctrl::from_bits(0).with_a(0x11).bits(), 0x0000_0008);
    for v in 0..16 {
        assert_eq!(Ctrl::from_bits(0).with_a(v).a(), v, "a round trip {v}");
    }
    // In a 64-bit type, across the halves: v = 1 is register bit 35.
    assert_eq!(Wide::from_bits(0).with_v(0x01).bits(), 1 << 35);
    assert_eq!(Wide::from_bits(1 << 28).v(), 0x80);
    assert_eq!(Rc::from_bits(0).with_f(0x0103).bits(), 0xC0_8000_0000);
    // Debug decodes values too.
    let dbg = format!("{:?}", Ctrl::from_bits(0x8000_2808));
    assert!(dbg.contains("a: 0x1") && dbg.contains("b: 0x5"), "{dbg}");
}

#[test]
fn resets_software_and_hardware_access() {
    let mut r = RegisterFile::default();
    assert_eq!(r.read(CTRL, 4, NS), 0x8000_2808);
    assert_eq!(r.ctrl().a(), 1);
    assert_eq!(
        r.read(PACKED, 4, NS),
        0x6000_0000,
        "p = 6 is bits 29 and 30"
    );
    assert_eq!(r.packed().p(), 6);
    assert_eq!((r.read(WIDE_LO, 4, NS), r.read(WIDE_HI, 4, NS)), (0, 0x8));

    // Software writes register bits; the field values are reversed.
    r.write(CTRL, 4, 0x4000_0101, NS);
    let c = r.ctrl();
    assert_eq!((c.a(), c.b(), c.d()), (0x8, 0x20, 0x2));
    let ctrl = Reg::Ctrl.index();
    assert_eq!(r.field_value(ctrl, 0), Some(0x8));

    // Hardware writes values: b = 3 is register bits 13 and 12; c = 1 bit 23.
    assert_eq!(
        r.hw_write_field(ctrl, 1, 0x3).map(|h| h.new),
        Ok(0x4000_3001)
    );
    let h = r.hw().ctrl(|c| c.with_c(0x01));
    assert_eq!(h.new, 0x4080_3001);
    assert_eq!(r.read(CTRL, 4, NS), 0x4080_3001);

    // Across halves: register bit 28 is value bit 7.
    r.write(WIDE_LO, 4, 0x1000_0000, NS);
    assert_eq!(r.wide().v(), 0x81);

    // Read-clear per half: the low word carries value bits 15..8.
    assert_eq!(r.read_with_effect(RC_LO, 4, NS).value, 0x8000_0000);
    assert_eq!(r.rc().f(), 0x0003);
    assert_eq!(r.read_with_effect(RC_HI, 4, NS).value, 0xC0);
    assert_eq!(r.rc().f(), 0);
}
