//! The SMMUv3 register block from `regdef/smmuv3.rdl`: directed simulation on both
//! buses, and a snapshot of the generated Verilog. (Lint and synthesis: `gates.rs`.)

mod common;

use common::{AxiTiming, Scenario};
use hdl::verilog::{generate, Bus, ResetStyle, VerilogOptions};
use regdef::access::Completion;

const NS: bool = false;
const S: bool = true;

const AIDR: u64 = 0x001C;
const CR0: u64 = 0x0020;
const CR0ACK: u64 = 0x0024;
const GBPA: u64 = 0x0044;
const GERROR: u64 = 0x0060;
const GERRORN: u64 = 0x0064;
const CMDQ_BASE: u64 = 0x0090;
const CMDQ_PROD: u64 = 0x0098;
const EVENTQ_PROD_PAGE1: u64 = 0x1_00A8;
const S_IDR1: u64 = 0x8004;
const S_CR0: u64 = 0x8020;
const S_CR0ACK: u64 = 0x8024;

fn scenario(map: &regdef::ir::RegisterMap) -> Scenario {
    // The identification values are the IR's (they are implementation defined);
    // everything else below is an architectural fact of IHI0070.
    let s_idr1 = map
        .reg(map.find("smmuv3.s.s_idr1").expect("S_IDR1"))
        .reset_value();
    assert_ne!(s_idr1 & (1 << 31), 0, "SECURE_IMPL is 1 by default");

    let mut sc = Scenario::new();
    // IHI0070 6.3.8: AIDR of an SMMUv3.2.
    sc.read(AIDR, NS, 0x2, "AIDR: SMMUv3.2")
        // 6.2, 3.10: the Secure bank is RAZ/WI to Non-secure accesses.
        .read(S_IDR1, NS, 0, "S_IDR1 from Non-secure")
        .read(S_IDR1, S, s_idr1, "S_IDR1 from Secure")
        // 6.3.9/6.3.10: CR0 and its ACK (immediate completion).
        .write(CR0, 0x0000_000D, NS)
        .read(CR0, NS, 0xD, "CR0 SMMUEN|EVENTQEN|CMDQEN")
        .read(CR0ACK, NS, 0xD, "CR0ACK follows")
        .expect("cr0_smmuen", 1, "SMMUEN output")
        // CMDQ_BASE is guarded by CMDQEN and its ACK (6.3.26).
        .write(CMDQ_BASE, 0x1234_5005, NS)
        .read(CMDQ_BASE, NS, 0, "CMDQ_BASE ignored while CMDQEN=1")
        .write(CR0, 0x0, NS)
        .write(CMDQ_BASE, 0x1234_5005, NS)
        .write(CMDQ_BASE + 4, 0xFFFF_FFFF, NS)
        .read(CMDQ_BASE, NS, 0x1234_5005, "CMDQ_BASE low half")
        .read(
            CMDQ_BASE + 4,
            NS,
            0x40FF_FFFF,
            "CMDQ_BASE high half: RA, ADDR[55:32]",
        )
        .expect(
            "cmdq_base_addr",
            (0xFF_FFFF << 27) | (0x1234_5005 >> 5),
            "CMDQ_BASE.ADDR output",
        )
        // GBPA update handshake (6.3.14); reset SHCFG = 0b01 (use incoming).
        .read(GBPA, NS, 0x0000_1000, "GBPA reset")
        .write(GBPA, 0x0010_0000, NS)
        .read(GBPA, NS, 0x0000_1000, "GBPA write without Update ignored")
        .write(GBPA, 0x8010_0000, NS)
        .read(GBPA, NS, 0x0010_0000, "GBPA ABORT set, Update complete")
        // Secure bank.
        .write(S_CR0, 0x1, NS)
        .read(S_CR0, S, 0, "S_CR0 ignores Non-secure writes")
        .write(S_CR0, 0x1, S)
        .read(S_CR0ACK, S, 0x1, "S_CR0ACK follows")
        .read(S_CR0, NS, 0, "S_CR0 reads 0 to Non-secure")
        .expect("s_cr0_smmuen", 1, "S_CR0.SMMUEN output")
        .expect("cr0_smmuen", 0, "NS SMMUEN independent")
        // Undefined and reserved offsets are RAZ/WI (6.2).
        .write(0x0030, 0xFFFF_FFFF, S)
        .read(0x0030, S, 0, "undefined offset")
        .read(0x8014, S, 0, "Secure reserved offset")
        .read(0x00A8, NS, 0, "page-0 twin of EVENTQ_PROD")
        // Page 1 EVENTQ_PROD (6.3.95), writable while EVENTQEN = 0.
        .write(EVENTQ_PROD_PAGE1, 0x0000_0005, NS)
        .read(EVENTQ_PROD_PAGE1, NS, 0x5, "EVENTQ_PROD in page 1")
        // CMDQ_PROD writes wake the command engine (swmod; 6.3.27).
        .write(CMDQ_PROD, 0x0000_0003, NS)
        .expect_count("cmdq_prod_wr_swmod", 1, "CMDQ_PROD swmod")
        // GERROR is written by hardware; GERRORN by software (6.3.19, 6.3.20).
        .set("gerror_cmdq_err_next", 1)
        .pulse("gerror_cmdq_err_we")
        .read(GERROR, NS, 0x1, "GERROR.CMDQ_ERR raised")
        .write(GERRORN, 0x1, NS)
        .read(GERRORN, NS, 0x1, "GERRORN acknowledges");
    sc
}

#[test]
fn smmuv3_apb4() {
    let map = common::smmuv3();
    common::run_map(
        "smmuv3_apb4",
        &map,
        Bus::Apb4,
        ResetStyle::SyncHigh,
        Completion::Immediate,
        &scenario(&map),
    );
}

#[test]
fn smmuv3_axi4lite_backpressure() {
    let map = common::smmuv3();
    let sc = scenario(&map).with_axi_timing(AxiTiming {
        addr_delay: 1,
        data_delay: 2,
        resp_delay: 2,
    });
    common::run_map(
        "smmuv3_axi4lite_backpressure",
        &map,
        Bus::Axi4Lite,
        ResetStyle::AsyncLow,
        Completion::Immediate,
        &sc,
    );
}

/// Without Secure state (S_IDR1.SECURE_IMPL = 0) the whole Secure bank is RES0.
#[test]
fn smmuv3_without_secure_state() {
    let map = common::smmuv3();
    let mut sc = Scenario::new();
    sc.param("S_IDR1_SECURE_IMPL", 0)
        .read(S_IDR1, S, 0, "S_IDR1 reads 0")
        .write(S_CR0, 0x1, S)
        .read(S_CR0, S, 0, "S_CR0 absent")
        .expect("s_cr0_smmuen", 0, "absent S_CR0 keeps its reset value")
        .write(CR0, 0x1, S)
        .read(CR0, NS, 0x1, "Non-secure bank works");
    common::run_map(
        "smmuv3_without_secure_state",
        &map,
        Bus::Axi4Lite,
        ResetStyle::SyncHigh,
        Completion::Immediate,
        &sc,
    );
}

/// The generated register core, reviewed through a snapshot: any change to the IR
/// or the generator shows up here as a diff.
#[test]
fn smmuv3_verilog_snapshot() {
    let map = common::smmuv3();
    let files = generate(&map, &VerilogOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "smmuv3_regs.v",
            "smmuv3_apb4_slave.v",
            "smmuv3_apb4.v",
            "smmuv3_axi4lite_slave.v",
            "smmuv3_axi4lite.v"
        ]
    );
    for f in &files {
        insta::assert_snapshot!(f.name.clone(), f.contents);
    }
}

const CR2: u64 = 0x002C;
const S_CR2: u64 = 0x802C;
const S_GERRORN: u64 = 0x8064;
const S_INIT: u64 = 0x803C;

/// Fields that exist only with a feature (IHI0070 6.3.9, 6.3.10, 6.3.12, 6.3.19,
/// 6.3.20 and the Secure copies): with the feature (the defaults) they work; without
/// it (parameters at 0) they are RES0, next to fields of the same registers that still
/// work.
fn field_presence(absent: bool) -> Scenario {
    let pick = |with: u64, without: u64| if absent { without } else { with };
    let mut sc = Scenario::new();
    if absent {
        sc.param("IDR0_VMW", 0)
            .param("IDR0_HYP", 0)
            .param("IDR0_MSI", 0)
            .param("S_IDR0_MSI", 0)
            .param("S_IDR1_SEL2", 0);
    }
    sc.write(CR2, 0b11, NS)
        .read(CR2, NS, pick(0b11, 0b10), "CR2.E2H needs IDR0.HYP")
        .write(S_CR2, 0b11, S)
        .read(S_CR2, S, pick(0b11, 0b10), "S_CR2.E2H needs S_IDR1.SEL2")
        .write(CR0, 0x1C1, NS)
        .read(CR0, NS, pick(0x1C1, 0x1), "CR0.VMW needs IDR0.VMW")
        .read(CR0ACK, NS, pick(0x1C1, 0x1), "so does CR0ACK.VMW")
        .expect("cr0_vmw", pick(7, 0), "CR0.VMW output")
        .write(S_CR0, 0x1C0, S)
        .read(S_CR0, S, pick(0x1C0, 0), "S_CR0.VMW needs IDR0.VMW")
        .read(S_CR0ACK, S, pick(0x1C0, 0), "so does S_CR0ACK.VMW")
        .write(GERRORN, 0x1FF, NS)
        .read(
            GERRORN,
            NS,
            pick(0x1B5, 0x105),
            "GERRORN.MSI_* need IDR0.MSI",
        )
        .write(S_GERRORN, 0x1FF, S)
        .read(
            S_GERRORN,
            S,
            pick(0x1B5, 0x105),
            "S_GERRORN.MSI_* need S_IDR0.MSI",
        )
        .set("gerror_msi_gerror_abt_err_next", 1)
        .set("gerror_cmdq_err_next", 1)
        .pulse("gerror_msi_gerror_abt_err_we")
        .pulse("gerror_cmdq_err_we")
        .read(
            GERROR,
            NS,
            pick(0x81, 0x1),
            "hardware sets GERROR.MSI_* only with MSIs",
        )
        .expect(
            "gerror_msi_gerror_abt_err",
            pick(1, 0),
            "GERROR.MSI_GERROR_ABT_ERR output",
        );
    sc
}

#[test]
fn smmuv3_fields_present_by_default() {
    let map = common::smmuv3();
    for bus in Bus::ALL {
        common::run_map(
            &format!("smmuv3_fields_present_{}", bus.suffix()),
            &map,
            bus,
            ResetStyle::SyncHigh,
            Completion::Immediate,
            &field_presence(false),
        );
    }
}

#[test]
fn smmuv3_fields_absent_without_their_feature() {
    let map = common::smmuv3();
    for bus in Bus::ALL {
        common::run_map(
            &format!("smmuv3_fields_absent_{}", bus.suffix()),
            &map,
            bus,
            ResetStyle::AsyncLow,
            Completion::Immediate,
            &field_presence(true),
        );
    }
}

/// IHI0070 6.3.62: S_INIT is ignored while any SMMUEN or its ACK is 1 (its write
/// guard, which names both banks).
#[test]
fn smmuv3_s_init_guard() {
    let map = common::smmuv3();
    let mut sc = Scenario::new();
    sc.write(CR0, 0x1, NS)
        .write(S_INIT, 0x1, S)
        .read(S_INIT, S, 0, "ignored while CR0.SMMUEN is 1")
        .write(CR0, 0x0, NS)
        .write(S_CR0, 0x1, S)
        .write(S_INIT, 0x1, S)
        .read(S_INIT, S, 0, "ignored while S_CR0.SMMUEN is 1")
        .write(S_CR0, 0x0, S)
        .write(S_INIT, 0x1, S)
        .read(S_INIT, S, 1, "taken once every SMMUEN and ACK is 0");
    for bus in Bus::ALL {
        common::run_map(
            &format!("smmuv3_s_init_guard_{}", bus.suffix()),
            &map,
            bus,
            ResetStyle::SyncHigh,
            Completion::Immediate,
            &sc,
        );
    }
}

/// `--bus-errors error`: the generated core flags an undefined offset and a
/// Non-secure access to the Secure bank, each still RAZ/WI, and every bus answers
/// with its error response; defined accesses answer OKAY.
#[test]
fn smmuv3_error_responses_on_every_bus() {
    let map = common::smmuv3();
    let mut sc = Scenario::new();
    sc.errors = true;
    sc.read(AIDR, NS, 0x2, "AIDR")
        .expect_error(false, "defined read: OKAY")
        .read(0x0030, NS, 0, "undefined offset reads 0")
        .expect_error(true, "undefined offset read: error")
        .write(0x0030, 0xFFFF_FFFF, NS)
        .expect_error(true, "undefined offset write: error")
        .write(S_CR0, 0x1, NS)
        .expect_error(true, "Non-secure write of S_CR0: error")
        .read(S_CR0, NS, 0, "Non-secure read of S_CR0 reads 0")
        .expect_error(true, "Non-secure read of S_CR0: error")
        .read(S_CR0, S, 0, "the Non-secure write was ignored")
        .expect_error(false, "Secure read of S_CR0: OKAY")
        .write(S_CR0, 0x1, S)
        .expect_error(false, "Secure write of S_CR0: OKAY")
        .read(S_CR0ACK, S, 1, "S_CR0ACK follows")
        .write(CR0, 0x1, NS)
        .expect_error(false, "defined write: OKAY")
        .read(CR0, NS, 1, "CR0 written");
    for bus in Bus::ALL {
        common::run_map(
            &format!("smmuv3_error_responses_{}", bus.suffix()),
            &map,
            bus,
            ResetStyle::SyncHigh,
            Completion::Immediate,
            &sc,
        );
    }
}
