//! Directed simulations of the register-level rules (`tests/rdl/banks.rdl`): Secure
//! gating by PPROT/AxPROT, absent registers, ACK mirrors, write guards on a control
//! bit *and* its ACK bit, the GBPA-style update handshake, with both completion
//! modes, and field presence.

mod common;

use common::{AxiTiming, Scenario};
use hdl::verilog::{Bus, ResetStyle};
use regdef::access::Completion;

const CTRL: u64 = 0x000;
const CTRLACK: u64 = 0x004;
const BASE: u64 = 0x008;
const BOTH: u64 = 0x00C;
const GBPA: u64 = 0x010;
const OPT: u64 = 0x018;
const S_IDR: u64 = 0x100;
const S_CTRL: u64 = 0x120;
const S_CTRLACK: u64 = 0x124;
const S_BASE: u64 = 0x128;
const S_GBPA: u64 = 0x130;

const NS: bool = false;
const S: bool = true;

/// Immediate completion: ACKs follow at once, Update never reads 1.
fn immediate() -> Scenario {
    let mut sc = Scenario::new();
    // GBPA: reset ABORT=1 (implementation defined), Update=0.
    sc.read(GBPA, NS, 0x0010_0000, "gbpa reset")
        .write(GBPA, 0x0000_0005, NS)
        .read(GBPA, NS, 0x0010_0000, "write without Update=1 ignored")
        .write(GBPA, 0x8000_0005, NS)
        .read(
            GBPA,
            NS,
            0x0000_0005,
            "write with Update=1 taken and completed",
        )
        .write_strb(GBPA, 0x8010_0003, 0b0111, NS)
        .read(GBPA, NS, 0x0000_0005, "Update byte not written: ignored")
        .expect("gbpa_attr", 5, "gbpa attr output")
        .expect("gbpa_update", 0, "update output");

    // Guards: BASE needs CTRL.QEN == 0 and CTRLACK.QEN == 0; BOTH needs EN and QEN.
    sc.write(BASE, 0x1111_1111, NS)
        .read(BASE, NS, 0x1111_1111, "base writable while QEN=0")
        .write(CTRL, 0x2, NS)
        .read(CTRLACK, NS, 0x2, "ACK mirrors CTRL at once")
        .write(BASE, 0x2222_2222, NS)
        .read(BASE, NS, 0x1111_1111, "base guarded while QEN=1")
        .write(BOTH, 0x3333_3333, NS)
        .read(BOTH, NS, 0, "both guarded while QEN=1")
        .write(CTRL, 0x1, NS)
        .write(BASE, 0x4444_4444, NS)
        .read(BASE, NS, 0x4444_4444, "base writable: only EN is set")
        .write(BOTH, 0x5555_5555, NS)
        .read(BOTH, NS, 0, "both guarded while EN=1")
        .write(CTRLACK, 0x3, NS)
        .read(CTRLACK, NS, 0x1, "ACK is read-only")
        .write(CTRL, 0x0, NS)
        .write(BOTH, 0x6666_6666, NS)
        .read(BOTH, NS, 0x6666_6666, "both writable again")
        .expect("ctrl_en", 0, "ctrl.en output");

    // Secure bank: Non-secure accesses read 0 and are ignored; Secure ones reach it.
    sc.read(S_IDR, NS, 0, "S_IDR from Non-secure")
        .read(S_IDR, S, 0x8000_0000, "S_IDR from Secure")
        .write(S_CTRL, 0x1, S)
        .read(S_CTRL, S, 0x1, "Secure write taken")
        .read(S_CTRL, NS, 0, "Non-secure read of a Secure register")
        .write(S_CTRL, 0x0, NS)
        .read(S_CTRL, S, 0x1, "Non-secure write ignored")
        .read(S_CTRLACK, S, 0x1, "Secure ACK mirrors")
        .write(S_BASE, 0x7777_7777, S)
        .read(
            S_BASE,
            S,
            0x7777_7777,
            "Secure guarded register, guard open",
        )
        .write(S_CTRL, 0x2, S)
        .write(S_BASE, 0x8888_8888, S)
        .read(S_BASE, S, 0x7777_7777, "Secure guard closed")
        .read(S_GBPA, NS, 0, "S_GBPA from Non-secure")
        .read(S_GBPA, S, 0x0010_0000, "S_GBPA from Secure")
        // A Secure access reaches the Non-secure bank too.
        .write(BASE, 0x9999_9999, S)
        .read(
            BASE,
            NS,
            0x9999_9999,
            "Secure write to a Non-secure register",
        )
        .expect("s_ctrl_qen", 1, "Secure ctrl output");
    sc
}

fn run(test: &str, bus: Bus, reset: ResetStyle, completion: Completion, sc: &Scenario) {
    let map = common::test_map("banks.rdl");
    common::run_map(test, &map, bus, reset, completion, sc);
}

#[test]
fn banks_apb4() {
    run(
        "banks_apb4",
        Bus::Apb4,
        ResetStyle::AsyncLow,
        Completion::Immediate,
        &immediate(),
    );
}

#[test]
fn banks_axi4lite() {
    run(
        "banks_axi4lite",
        Bus::Axi4Lite,
        ResetStyle::SyncHigh,
        Completion::Immediate,
        &immediate(),
    );
}

#[test]
fn banks_axi4lite_backpressure() {
    let sc = immediate().with_axi_timing(AxiTiming {
        addr_delay: 3,
        data_delay: 1,
        resp_delay: 2,
    });
    run(
        "banks_axi4lite_backpressure",
        Bus::Axi4Lite,
        ResetStyle::AsyncLow,
        Completion::Immediate,
        &sc,
    );
}

/// With SECURE_IMPL = 0 every register of the Secure bank is RAZ/WI, even to Secure
/// accesses, and its storage keeps its reset value.
#[test]
fn banks_absent_secure_bank() {
    let mut sc = Scenario::new();
    sc.param("S_IDR_SECURE_IMPL", 0)
        .read(S_IDR, S, 0, "S_IDR absent")
        .write(S_CTRL, 0x3, S)
        .read(S_CTRL, S, 0, "S_CTRL absent")
        .expect("s_ctrl_en", 0, "absent storage unchanged")
        .write(CTRL, 0x3, S)
        .read(CTRL, S, 0x3, "Non-secure bank unaffected");
    for bus in Bus::ALL {
        run(
            &format!("banks_absent_secure_bank_{}", bus.suffix()),
            bus,
            ResetStyle::SyncHigh,
            Completion::Immediate,
            &sc,
        );
    }
}

/// Handshake completion: hardware acknowledges through the ACK fields' write inputs
/// and completes the update through `hwclr`; until then the guards and the update
/// gate stay closed.
#[test]
fn banks_handshake_completion() {
    let mut sc = Scenario::new();
    sc.write(CTRL, 0x1, NS)
        .read(CTRL, NS, 0x1, "CTRL reads the written value")
        .read(CTRLACK, NS, 0x0, "ACK waits for hardware")
        .write(BOTH, 0x1111_1111, NS)
        .read(BOTH, NS, 0, "guarded by CTRL.EN")
        .set("ctrlack_en_next", 1)
        .pulse("ctrlack_en_we")
        .read(CTRLACK, NS, 0x1, "hardware acknowledged")
        .write(CTRL, 0x0, NS)
        .write(BOTH, 0x2222_2222, NS)
        .read(BOTH, NS, 0, "still guarded by CTRLACK.EN")
        .set("ctrlack_en_next", 0)
        .pulse("ctrlack_en_we")
        .write(BOTH, 0x3333_3333, NS)
        .read(BOTH, NS, 0x3333_3333, "guard and ACK both 0")
        // Update handshake.
        .write(GBPA, 0x8000_0007, NS)
        .read(GBPA, NS, 0x8000_0007, "update pending")
        .expect("gbpa_update", 1, "update output pending")
        .write(GBPA, 0x8000_0001, NS)
        .read(GBPA, NS, 0x8000_0007, "write while Update=1 ignored")
        .pulse("gbpa_update_hwclr")
        .read(GBPA, NS, 0x0000_0007, "hardware completed the update")
        .write(GBPA, 0x8000_0001, NS)
        .read(GBPA, NS, 0x8000_0001, "next update taken");
    for bus in Bus::ALL {
        run(
            &format!("banks_handshake_completion_{}", bus.suffix()),
            bus,
            ResetStyle::SyncHigh,
            Completion::Handshake,
            &sc,
        );
    }
}

/// Field presence, feature present (the default): every kind of conditional field
/// (flop written by software, flop written by hardware, write-1-to-clear, wire,
/// constant) works as without a condition.
#[test]
fn banks_present_fields() {
    let mut sc = Scenario::new();
    sc.set("opt_live_in", 0)
        .read(OPT, NS, 0x0010_1000, "reset: W1C and K are 1")
        .set("opt_live_in", 1)
        .write(OPT, 0xFFFF_FFFF, NS)
        .read(
            OPT,
            NS,
            0x0011_007F,
            "written; W1C cleared; LIVE follows its input",
        )
        .expect("opt_vmw", 7, "VMW output")
        .set("opt_err_next", 1)
        .pulse("opt_err_we")
        .read(OPT, NS, 0x0011_017F, "hardware set ERR")
        .expect_count("opt_w1c_swmod", 1, "W1C strobed by the write");
    for bus in Bus::ALL {
        run(
            &format!("banks_present_fields_{}", bus.suffix()),
            bus,
            ResetStyle::SyncHigh,
            Completion::Immediate,
            &sc,
        );
    }
}

/// Field presence, feature absent (`NIDR_FEAT = 0`): the conditional fields are
/// RES0. They read 0 from reset on, ignore writes and hardware inputs, drive 0 on
/// their outputs and strobes; the unconditional field of the register still works.
#[test]
fn banks_absent_fields() {
    let mut sc = Scenario::new();
    sc.param("NIDR_FEAT", 0)
        .read(OPT, NS, 0, "reset: W1C and K read 0")
        .set("opt_live_in", 1)
        .write(OPT, 0xFFFF_FFFF, NS)
        .read(OPT, NS, 0xF, "only ALWAYS is written")
        .expect("opt_vmw", 0, "VMW output is 0")
        .set("opt_err_next", 1)
        .pulse("opt_err_we")
        .read(OPT, NS, 0xF, "hardware write ignored")
        .expect_count("opt_w1c_swmod", 0, "no strobe");
    for bus in Bus::ALL {
        run(
            &format!("banks_absent_fields_{}", bus.suffix()),
            bus,
            ResetStyle::AsyncLow,
            Completion::Immediate,
            &sc,
        );
    }
}
