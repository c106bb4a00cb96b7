//! Directed simulations of every field-level access rule (`tests/rdl/rules.rdl`) on
//! both buses: onwrite kinds, byte strobes, rclr/rset, singlepulse, swmod/swacc,
//! hardware writes (we, wel, continuous), hwset/hwclr, precedence, RES0 bits,
//! implementation-defined parameters, 64-bit halves, 8-bit registers sharing a word
//! and undefined addresses.

mod common;

use common::{AxiTiming, Scenario};
use hdl::verilog::{Bus, ResetStyle};
use regdef::access::Completion;

const ONWRITE: u64 = 0x00;
const ONREAD: u64 = 0x04;
const STROBES: u64 = 0x08;
const HWCTL: u64 = 0x0C;
const WIDE_LO: u64 = 0x10;
const WIDE_HI: u64 = 0x14;
const BYTES: u64 = 0x18;

fn scenario() -> Scenario {
    let mut sc = Scenario::new();
    // The map has no Secure registers: the security of an access does not matter.
    let ns = false;

    // onwrite kinds (SystemRDL 9.6). Reset: woclr=1, wzc=1, wclr=3, w1c_byte=FF.
    sc.read(ONWRITE, ns, 0x00FF_00D2, "onwrite reset")
        .write(ONWRITE, 0x0000_0000, ns)
        // wzs sets, wzt toggles, wclr clears, wset sets; the 1-rules do nothing.
        .read(ONWRITE, ns, 0x00FF_032A, "onwrite after writing 0s")
        .write(ONWRITE, 0x5A0F_003F, true)
        // woset/wot act, woclr clears; w1c_byte loses 0x0F; plain stores 0x5A.
        .read(ONWRITE, ns, 0x5AF0_032D, "onwrite after writing 1s")
        // Byte strobes: only byte 2 is written, so only w1c_byte changes.
        .write_strb(ONWRITE, 0xFFFF_FFFF, 0b0100, ns)
        .read(ONWRITE, ns, 0x5A00_032D, "w1c byte under strobe 0100")
        // Only byte 0: wset in byte 1 keeps its value although any write sets it.
        .write_strb(ONWRITE, 0x0000_0000, 0b0001, ns)
        .read(ONWRITE, ns, 0x5A00_030D, "byte 0 only");

    // Read side effects: rclr clears after the read, rset sets.
    sc.read(ONREAD, ns, 0x0000_5A00, "onread reset")
        .read(ONREAD, ns, 0x0000_00F0, "rclr cleared, rset set")
        .set("onread_f_rclr_next", 0x9)
        .pulse("onread_f_rclr_we")
        .set("onread_f_rclr_next", 0)
        .read(ONREAD, ns, 0x0000_00F9, "hardware wrote rclr field")
        .read(ONREAD, ns, 0x0000_00F0, "rclr field cleared by the read")
        .write(ONREAD, 0xFFFF_77FF, ns)
        .read(
            ONREAD,
            ns,
            0x0000_77F0,
            "rw+rclr stored; read-only fields ignore the write",
        )
        .read(ONREAD, ns, 0x0000_00F0, "rw+rclr cleared by the read");

    // Strobes, a single pulse, a hardware wire and a write-only field.
    sc.set("strobes_status_in", 0xC)
        .read(STROBES, ns, 0x0000_0C00, "status is the input wire")
        .write(STROBES, 0xABCD_0051, ns)
        .expect("strobes_doorbell", 0xABCD, "doorbell reaches hardware")
        .read(
            STROBES,
            ns,
            0x0000_0C50,
            "go pulsed and cleared; doorbell reads 0",
        )
        .expect_count("strobes_go", 1, "go high for one cycle")
        .write_strb(STROBES, 0x0000_0000, 0b0001, ns)
        .expect(
            "strobes_doorbell",
            0xABCD,
            "doorbell untouched by a byte-0 write",
        )
        .expect_count("strobes_cfg_swmod", 2, "cfg swmod: two writes")
        .expect_count(
            "strobes_doorbell_swmod",
            1,
            "doorbell swmod: one write covered it",
        )
        .expect_count("strobes_status_swacc", 2, "status swacc: two reads");

    // Hardware writes, set/clear and constants. Reset: const 9, preset 3, param A5.
    sc.set("hwctl_f_wel_wel", 1)
        .read(
            HWCTL,
            ns,
            0x93A5_0000,
            "hw reset with parameters at default",
        )
        .write(HWCTL, 0x0000_F1F7, ns)
        .read(
            HWCTL,
            ns,
            0x90A5_F1F7,
            "software writes; constants ignore it",
        )
        .set("hwctl_f_we_next", 2)
        .pulse("hwctl_f_we_we")
        .set("hwctl_f_wel_next", 3)
        .set("hwctl_f_wel_wel", 0)
        .set("hwctl_f_wel_wel", 1)
        .pulse("hwctl_f_sc_hwclr")
        .read(HWCTL, ns, 0x90A5_F032, "we, wel and hwclr")
        .pulse("hwctl_f_sc_hwset")
        .expect("hwctl_f_sc", 1, "hwset")
        .expect("hwctl_f_we", 2, "f_we output");

    // 64-bit register as two halves; `span` crosses them.
    sc.read(WIDE_LO, ns, 0x0000_1234, "wide lo reset")
        .read(WIDE_HI, ns, 0xF000_0000, "wide hi reset")
        .write(WIDE_LO, 0xAB00_5678, ns)
        .read(WIDE_LO, ns, 0xAB00_5678, "lo half written")
        .read(WIDE_HI, ns, 0xF000_0000, "hi half untouched")
        .write(WIDE_HI, 0x3000_CDEF, ns)
        .read(WIDE_HI, ns, 0xC000_CDEF, "hi half written, w1c cleared 3")
        .expect("wide_span", 0xCD_EFAB, "span joins both halves")
        .write_strb(WIDE_HI, 0x0000_0012, 0b0001, ns)
        .read(WIDE_HI, ns, 0xC000_CD12, "one byte of the hi half")
        .expect("wide_span", 0xCD_12AB, "span after the byte write");

    // Two 8-bit registers in one word (lanes 0 and 2).
    sc.write(BYTES, 0x0033_0011, ns)
        .read(BYTES, ns, 0x0033_0011, "both byte registers")
        .write_strb(BYTES + 2, 0x0044_0055, 0b0100, ns)
        .read(BYTES, ns, 0x0044_0011, "lane 2 only")
        .expect("byte0_b", 0x11, "byte0 output")
        .expect("byte2_b", 0x44, "byte2 output");

    // Undefined addresses read 0 and ignore writes.
    sc.write(0x1C, 0xFFFF_FFFF, ns)
        .read(0x1C, ns, 0, "undefined word")
        // The core decodes the low 5 address bits only (the block spans 0x00-0x1F);
        // selecting the block is the interconnect's job, so 0x40 is 0x00 again.
        .read(0x40, ns, 0x5A00_030D, "upper address bits are not decoded");
    sc
}

fn run(test: &str, bus: Bus, reset: ResetStyle, sc: &Scenario) {
    let map = common::test_map("rules.rdl");
    common::run_map(test, &map, bus, reset, Completion::Immediate, sc);
}

#[test]
fn rules_apb4() {
    run("rules_apb4", Bus::Apb4, ResetStyle::SyncHigh, &scenario());
}

#[test]
fn rules_axi4lite() {
    run(
        "rules_axi4lite",
        Bus::Axi4Lite,
        ResetStyle::AsyncLow,
        &scenario(),
    );
}

/// The same accesses with AW/W skew and B/R back-pressure: read side effects still
/// happen once per read.
#[test]
fn rules_axi4lite_backpressure() {
    let sc = scenario().with_axi_timing(AxiTiming {
        addr_delay: 2,
        data_delay: 0,
        resp_delay: 3,
    });
    run(
        "rules_axi4lite_backpressure",
        Bus::Axi4Lite,
        ResetStyle::SyncHigh,
        &sc,
    );
}

/// Implementation-defined values are parameters: a constant and a reset value.
#[test]
fn rules_parameters_override() {
    let mut sc = Scenario::new();
    sc.param("HWCTL_F_PARAM", 0x3C)
        .param("HWCTL_F_PRESET_RESET", 0xE)
        .read(HWCTL, false, 0x9E3C_0000, "overridden parameters");
    run(
        "rules_parameters_override",
        Bus::Apb4,
        ResetStyle::AsyncLow,
        &sc,
    );
}

/// Precedence when software and hardware write in the same cycle: `f_we` has
/// software precedence (the default), `f_hwwins` hardware precedence.
#[test]
fn rules_precedence() {
    let mut sc = Scenario::new();
    sc.apb_write_with_hw(
        HWCTL,
        0x0300_A004,
        &[
            ("hwctl_f_we_next", 0x1),
            ("hwctl_f_we_we", 1),
            ("hwctl_f_hwwins_next", 0x6),
            ("hwctl_f_hwwins_we", 1),
            // wel is active low: keep f_wel out of it.
            ("hwctl_f_wel_wel", 1),
        ],
    )
    .set("hwctl_f_wel_wel", 1)
    .read(
        HWCTL,
        false,
        0x93A5_6004,
        "software wins f_we, hardware wins f_hwwins",
    );
    run("rules_precedence", Bus::Apb4, ResetStyle::SyncHigh, &sc);
}
