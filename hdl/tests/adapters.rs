//! Directed simulations of the APB4 and AXI4-Lite adapters against a small register
//! core written here by hand, so the adapters are tested independently of the
//! register generator.

mod common;

use common::{prot, AxiTiming, Op, Scenario};
use hdl::verilog::ast::{Module, Port};
use hdl::verilog::bus::{self, core_ports};
use hdl::verilog::{check, print, Bus, BusErrors, Clocking, GeneratedFile, ResetStyle};

const AW: u32 = 8;
const SCRATCH: u64 = 0x0;
const SECURE: u64 = 0x4;
const READS: u64 = 0x8;
const LAST: u64 = 0xC;

/// The test core: SCRATCH (RW), SECURE (Secure-only RW), READS (counts its own
/// reads: a read side effect), LAST ({write count, 3'b0, secure, wstrb} of the last
/// write).
fn test_core(reset: ResetStyle, errors: BusErrors) -> String {
    // Unmapped: words 4 and up; forbidden: SECURE from Non-secure.
    let (err_port, err_assign) = match errors {
        BusErrors::RazWi => ("", ""),
        BusErrors::Error => (
            "\n    output wire        rsp_error,",
            "\n    assign rsp_error = req_valid & (word > 6'd3 || (word == 6'd1 && !req_secure));",
        ),
    };
    let (rst_port, sens, cond) = match reset {
        ResetStyle::SyncHigh => ("rst", "posedge clk", "rst"),
        ResetStyle::AsyncLow => ("rst_n", "posedge clk or negedge rst_n", "!rst_n"),
    };
    format!(
        r#"module test_core (
    input  wire        clk,
    input  wire        {rst_port},
    input  wire        req_valid,
    input  wire        req_write,
    input  wire [7:0]  req_addr,
    input  wire [31:0] req_wdata,
    input  wire [3:0]  req_wstrb,
    input  wire        req_secure,
    output reg  [31:0] rsp_rdata,{err_port}
    output wire [31:0] scratch
);
    reg [31:0] scratch_q, secure_q, reads_q;
    reg [23:0] writes_q;
    reg [4:0]  last_q;
    wire [5:0] word = req_addr[7:2];
    wire wr = req_valid & req_write;
    wire rd = req_valid & ~req_write;
    wire [31:0] mask = {{{{8{{req_wstrb[3]}}}}, {{8{{req_wstrb[2]}}}}, {{8{{req_wstrb[1]}}}}, {{8{{req_wstrb[0]}}}}}};
    assign scratch = scratch_q;{err_assign}
    always @* begin
        rsp_rdata = 32'h0;
        if (rd) begin
            case (word)
                6'd0: rsp_rdata = scratch_q;
                6'd1: rsp_rdata = req_secure ? secure_q : 32'h0;
                6'd2: rsp_rdata = reads_q;
                6'd3: rsp_rdata = {{writes_q, 3'b000, last_q}};
                default: rsp_rdata = 32'h0;
            endcase
        end
    end
    always @({sens}) begin
        if ({cond}) begin
            scratch_q <= 32'h0; secure_q <= 32'h0; reads_q <= 32'h0;
            writes_q <= 24'h0; last_q <= 5'h0;
        end else begin
            if (wr && word == 6'd0) scratch_q <= (scratch_q & ~mask) | (req_wdata & mask);
            if (wr && word == 6'd1 && req_secure) secure_q <= (secure_q & ~mask) | (req_wdata & mask);
            if (rd && word == 6'd2) reads_q <= reads_q + 32'd1;
            if (wr) begin
                writes_q <= writes_q + 24'd1;
                last_q <= {{req_secure, req_wstrb}};
            end
        end
    end
endmodule
"#
    )
}

/// The test core's ports, for the top-level wrapper.
fn test_core_stub(reset: ResetStyle, errors: BusErrors) -> Module {
    let mut ports = Clocking { reset }.ports();
    ports.extend(core_ports(AW, errors));
    ports.push(Port::output("scratch", 32));
    Module {
        name: "test_core".into(),
        header: vec![],
        params: vec![],
        ports,
        items: vec![],
    }
}

/// The files of one bus variant and its top module.
fn design(bus: Bus, reset: ResetStyle, errors: BusErrors) -> (Vec<GeneratedFile>, Module) {
    let clocking = Clocking { reset };
    let adapter = bus::adapter(
        bus,
        &format!("t_{}_slave", bus.suffix()),
        AW,
        clocking,
        errors,
    );
    check::check_module(&adapter).expect("adapter passes its checks");
    let core = test_core_stub(reset, errors);
    let top = bus::top("t_top", &adapter, &core, clocking);
    let files = vec![
        GeneratedFile {
            name: "test_core.v".into(),
            contents: test_core(reset, errors),
        },
        GeneratedFile {
            name: format!("{}.v", adapter.name),
            contents: print::module(&adapter),
        },
        GeneratedFile {
            name: "t_top.v".into(),
            contents: print::module(&top),
        },
    ];
    (files, top)
}

fn run(test: &str, bus: Bus, reset: ResetStyle, sc: &Scenario) {
    let errors = if sc.errors {
        BusErrors::Error
    } else {
        BusErrors::RazWi
    };
    let (files, top) = design(bus, reset, errors);
    common::simulate(test, bus, reset, &files, &top, sc);
}

/// Read/write, byte strobes, PROT-based Secure gating and the read side effect: the
/// same scenario on both buses and both reset styles.
fn basic() -> Scenario {
    let mut sc = Scenario::new();
    sc.read(SCRATCH, false, 0, "scratch after reset")
        .write(SCRATCH, 0x1122_3344, false)
        .read(SCRATCH, false, 0x1122_3344, "scratch written")
        .expect("scratch", 0x1122_3344, "scratch hardware output")
        // Byte strobes: only bytes 0 and 2 are written.
        .write_strb(SCRATCH, 0xAABB_CCDD, 0b0101, false)
        .read(SCRATCH, false, 0x11BB_33DD, "strobes 0101")
        .read(
            LAST,
            false,
            (2 << 8) | 0b0_0101,
            "last write: NS, strobe 0101",
        )
        .write_strb(SCRATCH, 0x0000_0000, 0b1000, true)
        .read(SCRATCH, true, 0x00BB_33DD, "strobe 1000")
        .read(
            LAST,
            false,
            (3 << 8) | 0b1_1000,
            "last write: Secure, strobe 1000",
        )
        // PROT[1] = 1 is Non-secure: the Secure register ignores it and reads 0.
        .write(SECURE, 0xDEAD_BEEF, false)
        .read(SECURE, true, 0, "NS write ignored")
        .write(SECURE, 0xCAFE_F00D, true)
        .read(SECURE, true, 0xCAFE_F00D, "Secure write taken")
        .read(SECURE, false, 0, "NS read of Secure register")
        // PROT[0] and PROT[2] do not matter.
        .read_timed(
            SECURE,
            0b101,
            AxiTiming::default(),
            0xCAFE_F00D,
            "prot 101 is Secure",
        )
        .read_timed(
            SECURE,
            0b111,
            AxiTiming::default(),
            0,
            "prot 111 is Non-secure",
        )
        // A read side effect happens once per read.
        .read(READS, false, 0, "first read of READS")
        .read(READS, false, 1, "second read of READS");
    sc
}

#[test]
fn apb4_sync_reset() {
    run("apb4_sync_reset", Bus::Apb4, ResetStyle::SyncHigh, &basic());
}

#[test]
fn apb4_async_reset() {
    run(
        "apb4_async_reset",
        Bus::Apb4,
        ResetStyle::AsyncLow,
        &basic(),
    );
}

#[test]
fn axi4lite_sync_reset() {
    run(
        "axi4lite_sync_reset",
        Bus::Axi4Lite,
        ResetStyle::SyncHigh,
        &basic(),
    );
}

#[test]
fn axi4lite_async_reset() {
    run(
        "axi4lite_async_reset",
        Bus::Axi4Lite,
        ResetStyle::AsyncLow,
        &basic(),
    );
}

/// AW and W in the same cycle, AW first, W first; B and R held under back-pressure,
/// with the monitors checking that responses stay valid and unchanged and that only
/// one transaction per direction is outstanding.
#[test]
fn axi4lite_channel_ordering_and_backpressure() {
    let t = |addr_delay, data_delay, resp_delay| AxiTiming {
        addr_delay,
        data_delay,
        resp_delay,
    };
    let ns = prot(false);
    let mut sc = Scenario::new();
    sc.write_timed(SCRATCH, 0x0000_0001, ns, t(0, 0, 0))
        .read(SCRATCH, false, 1, "AW and W together")
        .write_timed(SCRATCH, 0x0000_0002, ns, t(0, 4, 0))
        .read(SCRATCH, false, 2, "AW four cycles before W")
        .write_timed(SCRATCH, 0x0000_0003, ns, t(4, 0, 0))
        .read(SCRATCH, false, 3, "W four cycles before AW")
        .write_timed(SCRATCH, 0x0000_0004, ns, t(1, 2, 6))
        .read(SCRATCH, false, 4, "B held for six cycles")
        .read_timed(SCRATCH, ns, t(2, 0, 7), 4, "R held for seven cycles")
        // The read side effect happens once, however long R waits.
        .read_timed(READS, ns, t(0, 0, 5), 0, "READS under back-pressure")
        .read_timed(READS, ns, t(0, 0, 0), 1, "READS counted once")
        // Four writes so far, the last one Non-secure with all strobes.
        .read(
            LAST,
            false,
            (4 << 8) | 0b0_1111,
            "write count and last strobes",
        );
    run(
        "axi4lite_channel_ordering_and_backpressure",
        Bus::Axi4Lite,
        ResetStyle::SyncHigh,
        &sc,
    );
}

/// A write and a read arriving together share the core round robin: the direction
/// not granted last goes first.
#[test]
fn axi4lite_round_robin_arbitration() {
    let write = |data| {
        Box::new(Op::Write {
            addr: SCRATCH,
            data,
            strb: 0xF,
            prot: prot(true),
            axi: AxiTiming::default(),
        })
    };
    let read = |expect, label: &str| {
        Box::new(Op::Read {
            addr: SCRATCH,
            prot: prot(true),
            axi: AxiTiming::default(),
            expect,
            label: label.into(),
        })
    };
    let mut sc = Scenario::new();
    sc.write(SCRATCH, 10, true);
    // Last grant was a write: the read goes first and sees the old value.
    sc.ops.push(Op::Concurrent {
        write: write(11),
        read: read(10, "after a write, the read wins"),
    });
    // That pair ended with the write, so the read wins again.
    sc.ops.push(Op::Concurrent {
        write: write(12),
        read: read(11, "read wins again after the write went last"),
    });
    sc.read(SCRATCH, true, 12, "plain read");
    // Last grant was a read: the write goes first.
    sc.ops.push(Op::Concurrent {
        write: write(13),
        read: read(13, "after a read, the write wins"),
    });
    run(
        "axi4lite_round_robin_arbitration",
        Bus::Axi4Lite,
        ResetStyle::AsyncLow,
        &sc,
    );
}

#[test]
fn adapters_pass_the_structural_checks() {
    for reset in [ResetStyle::SyncHigh, ResetStyle::AsyncLow] {
        for errors in [BusErrors::RazWi, BusErrors::Error] {
            for b in Bus::ALL {
                check::check_module(&bus::adapter(b, "a", 17, Clocking { reset }, errors)).unwrap();
            }
        }
    }
}

/// The parts of [`basic`] every bus can do: whole-word writes, PROT/sideband
/// security, the read side effect.
fn whole_words() -> Scenario {
    let mut sc = Scenario::new();
    sc.read(SCRATCH, false, 0, "scratch after reset")
        .write(SCRATCH, 0x1122_3344, false)
        .read(SCRATCH, false, 0x1122_3344, "scratch written")
        .expect("scratch", 0x1122_3344, "scratch hardware output")
        .read(
            LAST,
            false,
            (1 << 8) | 0b0_1111,
            "last write: NS, all lanes",
        )
        .write(SECURE, 0xDEAD_BEEF, false)
        .read(SECURE, true, 0, "NS write ignored")
        .write(SECURE, 0xCAFE_F00D, true)
        .read(SECURE, true, 0xCAFE_F00D, "Secure write taken")
        .read(SECURE, false, 0, "NS read of Secure register")
        .read(
            LAST,
            false,
            (3 << 8) | 0b1_1111,
            "last write: Secure, all lanes",
        )
        .read(READS, false, 0, "first read of READS")
        .read(READS, false, 1, "second read of READS");
    sc
}

/// Byte and halfword writes as AHB-Lite's HSIZE makes them (aligned lanes only).
fn ahb_lanes() -> Scenario {
    let mut sc = whole_words();
    sc.write(SCRATCH, 0x1122_3344, false)
        .write_strb(SCRATCH, 0xAABB_CCDD, 0b1100, false)
        .read(SCRATCH, false, 0xAABB_3344, "halfword 1")
        .write_strb(SCRATCH, 0x0000_0000, 0b0010, true)
        .read(SCRATCH, false, 0xAABB_0044, "byte 1")
        .write_strb(SCRATCH, 0x0000_0099, 0b0001, false)
        .read(SCRATCH, false, 0xAABB_0099, "byte 0")
        .write_strb(SCRATCH, 0x5500_0000, 0b1000, false)
        .read(SCRATCH, false, 0x55BB_0099, "byte 3")
        .write_strb(SCRATCH, 0x0000_7766, 0b0011, false)
        .read(SCRATCH, false, 0x55BB_7766, "halfword 0")
        .read(
            LAST,
            false,
            (9 << 8) | 0b0_0011,
            "last write: halfword 0 strobes",
        );
    sc
}

/// Unmapped (word 5) and forbidden (SECURE from Non-secure) accesses: no effect
/// either way; an error response only with [`BusErrors::Error`].
fn unmapped_and_forbidden(errors: bool) -> Scenario {
    let mut sc = Scenario::new();
    sc.errors = errors;
    sc.write(SECURE, 0x0000_00A5, true)
        .expect_error(false, "mapped Secure write: OKAY")
        .write(0x14, 0xFFFF_FFFF, false)
        .expect_error(errors, "unmapped write")
        .read(0x14, true, 0, "unmapped read is zero")
        .expect_error(errors, "unmapped read")
        .write(SECURE, 0x1234_5678, false)
        .expect_error(errors, "forbidden write")
        .read(SECURE, false, 0, "forbidden read is zero")
        .expect_error(errors, "forbidden read")
        .read(SECURE, true, 0xA5, "forbidden write had no effect")
        .expect_error(false, "mapped Secure read: OKAY")
        // The test core counts every write it is given, mapped or not.
        .read(
            LAST,
            false,
            (3 << 8) | 0b0_1111,
            "every write reaches the core once",
        )
        .expect_error(false, "mapped read after errors: OKAY");
    sc
}

#[test]
fn apb3_whole_words() {
    run("apb3_sync", Bus::Apb3, ResetStyle::SyncHigh, &whole_words());
    run(
        "apb3_async",
        Bus::Apb3,
        ResetStyle::AsyncLow,
        &whole_words(),
    );
}

#[test]
fn ahblite_byte_lanes() {
    run(
        "ahblite_sync",
        Bus::AhbLite,
        ResetStyle::SyncHigh,
        &ahb_lanes(),
    );
    run(
        "ahblite_async",
        Bus::AhbLite,
        ResetStyle::AsyncLow,
        &ahb_lanes(),
    );
}

#[test]
fn avalon_byte_enables() {
    run("avalon_sync", Bus::Avalon, ResetStyle::SyncHigh, &basic());
    run("avalon_async", Bus::Avalon, ResetStyle::AsyncLow, &basic());
}

#[test]
fn unmapped_and_forbidden_accesses_on_every_bus() {
    for b in Bus::ALL {
        for errors in [false, true] {
            run(
                &format!("{}_errors_{errors}", b.suffix()),
                b,
                ResetStyle::SyncHigh,
                &unmapped_and_forbidden(errors),
            );
        }
    }
}
