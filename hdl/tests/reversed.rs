//! Bit-reversed fields (`tests/rdl/reversed.rdl`, SystemRDL 2.0 10.7) simulated: the
//! bus sees register bits, the hardware ports, resets and hardware writes see the
//! field value, in which bit 0 is the field's highest register bit.

mod common;

use common::Scenario;
use hdl::verilog::{Bus, ResetStyle};
use regdef::access::Completion;

const CTRL: u64 = 0x00;
const PACKED: u64 = 0x04;
const WIDE_LO: u64 = 0x08;
const WIDE_HI: u64 = 0x0C;
const RC_LO: u64 = 0x10;
const RC_HI: u64 = 0x14;

fn scenario() -> Scenario {
    let mut sc = Scenario::new();
    let ns = false;
    // Resets are field values: a = 1 is register bit 3, b = 0b000101 bits 13 and 11,
    // d = 1 bit 31.
    sc.read(CTRL, ns, 0x8000_2808, "ctrl reset")
        .expect("ctrl_a", 0x1, "a reset value")
        .expect("ctrl_b", 0x5, "b reset value")
        .expect("ctrl_d", 0x1, "d reset value")
        // Register bit 0 is a's value bit 3, bit 8 b's bit 5, bit 30 d's bit 1.
        .write(CTRL, 0x4000_0101, ns)
        .expect("ctrl_a", 0x8, "a written")
        .expect("ctrl_b", 0x20, "b written")
        .expect("ctrl_d", 0x2, "d written")
        .read(CTRL, ns, 0x4000_0101, "ctrl read back")
        // Hardware writes values: b = 3 is register bits 13 and 12; c = 1 bit 23.
        .set("ctrl_b_next", 0x3)
        .pulse("ctrl_b_we")
        .set("ctrl_c_in", 0x01)
        .expect("ctrl_b", 0x3, "b hardware write")
        .read(CTRL, ns, 0x4080_3001, "hardware values on the bus");

    // msb0 packing: p is [29:31], q [24:28], both reversed; p = 6 is bits 29 and 30.
    sc.read(PACKED, ns, 0x6000_0000, "packed reset")
        .expect("packed_p", 0x6, "p reset value")
        .set("packed_q_next", 0x01)
        .pulse("packed_q_we")
        .read(PACKED, ns, 0x7000_0000, "q = 1 is register bit 28")
        .write(PACKED, 0x0100_0000, ns)
        .expect("packed_q", 0x10, "register bit 24 is q's value bit 4")
        .expect("packed_p", 0x0, "p cleared");

    // Across 64-bit halves: v = 1 is register bit 35 (bit 3 of the high word).
    sc.read(WIDE_LO, ns, 0x0000_0000, "wide lo reset")
        .read(WIDE_HI, ns, 0x0000_0008, "wide hi reset")
        .write(WIDE_LO, 0x1000_0000, ns)
        .expect(
            "wide_v",
            0x81,
            "register bit 28 is value bit 7; high half kept",
        )
        .write(WIDE_HI, 0x0000_0001, ns)
        .expect("wide_v", 0x88, "register bit 32 is value bit 3")
        .read(WIDE_LO, ns, 0x1000_0000, "wide lo")
        .read(WIDE_HI, ns, 0x0000_0001, "wide hi");

    // Read-clear per half: the low word carries value bits 15..8, the high word 7..0.
    sc.read(RC_LO, ns, 0x8000_0000, "rc lo reset (value bit 8)")
        .expect(
            "rc_f",
            0x0003,
            "reading the low word clears value bits 15..8",
        )
        .read(RC_HI, ns, 0x0000_00C0, "rc hi reset (value bits 1 and 0)")
        .expect(
            "rc_f",
            0x0000,
            "reading the high word clears value bits 7..0",
        )
        .set("rc_f_next", 0x8001)
        .pulse("rc_f_we")
        .read(RC_HI, ns, 0x0000_0080, "value bit 0 is register bit 39")
        .expect("rc_f", 0x8000, "high word read clears bit 0 only")
        .read(RC_LO, ns, 0x0100_0000, "value bit 15 is register bit 24");
    sc
}

fn run(test: &str, bus: Bus, reset: ResetStyle) {
    let map = common::test_map("reversed.rdl");
    common::run_map(test, &map, bus, reset, Completion::Immediate, &scenario());
}

#[test]
fn reversed_fields_apb4() {
    run("reversed_fields_apb4", Bus::Apb4, ResetStyle::SyncHigh);
}

#[test]
fn reversed_fields_axi4lite() {
    run(
        "reversed_fields_axi4lite",
        Bus::Axi4Lite,
        ResetStyle::AsyncLow,
    );
}

/// The register reference shows the bit order and the reset as a value.
#[test]
fn reversed_fields_in_the_docs() {
    let map = common::test_map("reversed.rdl");
    let md = hdl::docs::markdown(&map, &hdl::docs::DocsOptions::default()).expect("docs");
    assert!(
        md.contains("| [0:3], bit-reversed: value bit 0 is register bit 3 | A | RW | 0x1 |"),
        "{md}"
    );
    assert!(
        md.contains("| [24:39], bit-reversed: value bit 0 is register bit 39 | F |"),
        "{md}"
    );
    // The register's reset is in register bits: ctrl.a = 1 is bit 3.
    assert!(md.contains("`0x80002808`"), "{md}");
    let html = hdl::docs::html(&map, &hdl::docs::DocsOptions::default()).expect("docs");
    assert!(
        html.contains("[8:13], bit-reversed: value bit 0 is register bit 13"),
        "bit order in the HTML"
    );
}
