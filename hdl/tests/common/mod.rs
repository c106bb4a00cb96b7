//! Simulation harness shared by the integration tests.
//!
//! A [`Scenario`] is a bus-agnostic list of register accesses and hardware-port
//! operations, each read or port sample carrying its expected value. [`simulate`]
//! renders it as a Verilog testbench for the chosen bus, runs it with iverilog, and
//! compares every sampled value in Rust, so a failure names the step that failed.
//! The testbench also runs protocol monitors (AXI response stability, one
//! outstanding transaction per direction, APB PREADY/PSLVERR) whose complaints fail
//! the test.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use hdl::verilog::ast::{Direction, Module};
use hdl::verilog::keywords::legalize;
use hdl::verilog::{Bus, GeneratedFile, ResetStyle};

/// Timing of one AXI transaction, in clock cycles.
#[derive(Copy, Clone, Debug, Default)]
pub struct AxiTiming {
    /// Cycles before AWVALID (writes) or ARVALID (reads) rises.
    pub addr_delay: u32,
    /// Cycles before WVALID rises.
    pub data_delay: u32,
    /// Cycles BREADY/RREADY stay low once BVALID/RVALID is up (0: ready already).
    pub resp_delay: u32,
}

/// One step.
#[derive(Clone, Debug)]
pub enum Op {
    /// A bus write.
    Write {
        addr: u64,
        data: u32,
        strb: u8,
        prot: u8,
        axi: AxiTiming,
    },
    /// A bus read whose data is checked.
    Read {
        addr: u64,
        prot: u8,
        axi: AxiTiming,
        expect: u64,
        label: String,
    },
    /// AXI only: a write and a read issued in the same cycle.
    Concurrent { write: Box<Op>, read: Box<Op> },
    /// Drive a hardware input (from the next falling edge on).
    Set { port: String, value: u64 },
    /// Idle cycles.
    Idle(u32),
    /// Sample a hardware output at the next falling edge.
    Expect {
        port: String,
        expect: u64,
        label: String,
    },
    /// The number of rising clock edges so far at which a 1-bit output was 1.
    ExpectCount {
        port: String,
        expect: u64,
        label: String,
    },
    /// The error flag of the last bus response (PSLVERR, SLVERR, HRESP, Avalon
    /// response), sampled as 0 or 1.
    ExpectError { expect: bool, label: String },
    /// APB only: a write whose access phase also drives hardware inputs, so the
    /// software and hardware updates meet at the same clock edge.
    ApbWriteWithHw {
        addr: u64,
        data: u32,
        hw: Vec<(String, u64)>,
    },
}

/// PROT for a Secure (`pprot[1] = 0`) or Non-secure access.
pub const fn prot(secure: bool) -> u8 {
    if secure {
        0b000
    } else {
        0b010
    }
}

/// A list of steps.
#[derive(Clone, Debug, Default)]
pub struct Scenario {
    pub ops: Vec<Op>,
    /// Parameter overrides of the top level.
    pub params: Vec<(String, u64)>,
    /// The design answers unmapped and forbidden accesses with an error
    /// ([`hdl::verilog::BusErrors::Error`]); otherwise an error response is a
    /// protocol problem.
    pub errors: bool,
}

impl Scenario {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn write(&mut self, addr: u64, data: u32, secure: bool) -> &mut Self {
        self.write_strb(addr, data, 0xF, secure)
    }

    pub fn write_strb(&mut self, addr: u64, data: u32, strb: u8, secure: bool) -> &mut Self {
        self.ops.push(Op::Write {
            addr,
            data,
            strb,
            prot: prot(secure),
            axi: AxiTiming::default(),
        });
        self
    }

    pub fn write_timed(&mut self, addr: u64, data: u32, prot: u8, axi: AxiTiming) -> &mut Self {
        self.ops.push(Op::Write {
            addr,
            data,
            strb: 0xF,
            prot,
            axi,
        });
        self
    }

    pub fn read(&mut self, addr: u64, secure: bool, expect: u64, label: &str) -> &mut Self {
        self.read_timed(addr, prot(secure), AxiTiming::default(), expect, label)
    }

    pub fn read_timed(
        &mut self,
        addr: u64,
        prot: u8,
        axi: AxiTiming,
        expect: u64,
        label: &str,
    ) -> &mut Self {
        self.ops.push(Op::Read {
            addr,
            prot,
            axi,
            expect,
            label: label.to_string(),
        });
        self
    }

    pub fn set(&mut self, port: &str, value: u64) -> &mut Self {
        self.ops.push(Op::Set {
            port: port.to_string(),
            value,
        });
        self
    }

    /// Drives `port` to 1 for one cycle.
    pub fn pulse(&mut self, port: &str) -> &mut Self {
        self.set(port, 1).set(port, 0)
    }

    pub fn idle(&mut self, cycles: u32) -> &mut Self {
        self.ops.push(Op::Idle(cycles));
        self
    }

    pub fn param(&mut self, name: &str, value: u64) -> &mut Self {
        self.params.push((name.to_string(), value));
        self
    }

    pub fn expect_count(&mut self, port: &str, expect: u64, label: &str) -> &mut Self {
        self.ops.push(Op::ExpectCount {
            port: port.to_string(),
            expect,
            label: label.to_string(),
        });
        self
    }

    pub fn apb_write_with_hw(&mut self, addr: u64, data: u32, hw: &[(&str, u64)]) -> &mut Self {
        self.ops.push(Op::ApbWriteWithHw {
            addr,
            data,
            hw: hw.iter().map(|(p, v)| (p.to_string(), *v)).collect(),
        });
        self
    }

    /// The same scenario with every AXI transaction given `t` (ignored on APB).
    pub fn with_axi_timing(&self, t: AxiTiming) -> Scenario {
        let mut sc = self.clone();
        for op in &mut sc.ops {
            match op {
                Op::Write { axi, .. } | Op::Read { axi, .. } => *axi = t,
                _ => {}
            }
        }
        sc
    }

    pub fn expect_error(&mut self, expect: bool, label: &str) -> &mut Self {
        self.ops.push(Op::ExpectError {
            expect,
            label: label.to_string(),
        });
        self
    }

    pub fn expect(&mut self, port: &str, expect: u64, label: &str) -> &mut Self {
        self.ops.push(Op::Expect {
            port: port.to_string(),
            expect,
            label: label.to_string(),
        });
        self
    }
}

/// Expected samples, in testbench order.
fn checks(ops: &[Op], out: &mut Vec<(u64, String)>) {
    for op in ops {
        match op {
            Op::Read { expect, label, .. }
            | Op::Expect { expect, label, .. }
            | Op::ExpectCount { expect, label, .. } => out.push((*expect, label.clone())),
            Op::ExpectError { expect, label } => out.push((u64::from(*expect), label.clone())),
            Op::Concurrent { write, read } => {
                checks(std::slice::from_ref(write), out);
                checks(std::slice::from_ref(read), out);
            }
            _ => {}
        }
    }
}

fn bus_port(bus: Bus, name: &str) -> bool {
    const APB: &[&str] = &[
        "psel", "penable", "pwrite", "paddr", "pwdata", "pstrb", "pprot", "prdata", "pready",
        "pslverr",
    ];
    const AXI: &[&str] = &[
        "awvalid", "awready", "awaddr", "awprot", "wvalid", "wready", "wdata", "wstrb", "bvalid",
        "bready", "bresp", "arvalid", "arready", "araddr", "arprot", "rvalid", "rready", "rdata",
        "rresp",
    ];
    match bus {
        Bus::Apb4 | Bus::Apb3 => APB.contains(&name) || name == "psecure",
        Bus::Axi4Lite => AXI.contains(&name),
        Bus::AhbLite => name.starts_with('h'),
        Bus::Avalon => name.starts_with("avs_"),
    }
}

fn decl(w: u32) -> String {
    if w == 1 {
        String::new()
    } else {
        format!("[{}:0] ", w - 1)
    }
}

/// Renders the testbench module `tb` for `top`.
pub fn testbench(bus: Bus, reset: ResetStyle, top: &Module, sc: &Scenario) -> String {
    let aw = top
        .ports
        .iter()
        .find(|p| ["paddr", "awaddr", "haddr", "avs_address"].contains(&p.name.as_str()))
        .map(|p| p.width)
        .expect("top has a bus address");
    let mut t = String::new();
    let _ = writeln!(t, "`timescale 1ns/1ps\nmodule tb;");
    let _ = writeln!(t, "  reg clk = 1'b0;\n  always #5 clk = ~clk;");
    let (rst, active, inactive) = match reset {
        ResetStyle::SyncHigh => ("rst", "1'b1", "1'b0"),
        ResetStyle::AsyncLow => ("rst_n", "1'b0", "1'b1"),
    };
    let _ = writeln!(t, "  reg {rst} = {active};");
    for p in &top.ports {
        if p.name == "clk" || p.name == rst {
            continue;
        }
        let n = legalize(&p.name);
        match p.dir {
            Direction::Input => {
                let _ = writeln!(t, "  reg {}{n} = 0;", decl(p.width));
            }
            Direction::Output => {
                let _ = writeln!(t, "  wire {}{n};", decl(p.width));
            }
        }
    }
    let params = sc
        .params
        .iter()
        .map(|(n, v)| {
            let w = top
                .params
                .iter()
                .find(|p| &p.name == n)
                .unwrap_or_else(|| panic!("no parameter {n}"))
                .width;
            format!(".{}({w}'h{v:x})", legalize(n))
        })
        .collect::<Vec<_>>();
    let _ = write!(t, "  {} ", legalize(&top.name));
    if !params.is_empty() {
        let _ = write!(t, "#({}) ", params.join(", "));
    }
    let _ = write!(t, "dut (");
    let conns = top
        .ports
        .iter()
        .map(|p| format!(".{0}({0})", legalize(&p.name)))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(t, "{conns});");
    // Edge counters of the outputs the scenario counts.
    let mut counted: Vec<&str> = sc
        .ops
        .iter()
        .filter_map(|op| match op {
            Op::ExpectCount { port, .. } => Some(port.as_str()),
            _ => None,
        })
        .collect();
    counted.sort();
    counted.dedup();
    for port in counted {
        let n = legalize(port);
        let _ = writeln!(
            t,
            "  integer cnt_{n} = 0;\n  always @(posedge clk) if ({rst} === {inactive} && {n}) cnt_{n} = cnt_{n} + 1;"
        );
    }

    let _ = writeln!(
        t,
        "  task check(input integer idx, input [63:0] v);\n    $display(\"CHK %0d %0h\", idx, v);\n  endtask"
    );
    let _ = writeln!(
        t,
        "  localparam ERRORS = {};\n  reg last_err = 0;",
        u8::from(sc.errors)
    );
    match bus {
        Bus::Apb4 => apb_tasks(&mut t, aw),
        Bus::Axi4Lite => axi_tasks(&mut t, aw, rst, inactive),
        Bus::Apb3 => apb3_tasks(&mut t, aw),
        Bus::AhbLite => ahb_tasks(&mut t, aw),
        Bus::Avalon => avalon_tasks(
            &mut t,
            aw,
            top.ports.iter().any(|p| p.name == "avs_response"),
        ),
    }

    // Stimulus.
    let _ = writeln!(t, "  reg [31:0] rd_data;\n  reg [31:0] rd_data2;");
    let _ = writeln!(t, "  initial begin");
    let _ = writeln!(
        t,
        "    repeat (3) @(negedge clk);\n    {rst} = {inactive};\n    @(negedge clk);"
    );
    let mut idx = 0usize;
    for op in &sc.ops {
        render_op(&mut t, bus, op, &mut idx, top);
    }
    let _ = writeln!(
        t,
        "    repeat (3) @(negedge clk);\n    $display(\"DONE\");\n    $finish;\n  end"
    );
    let _ = writeln!(
        t,
        "  initial begin\n    #2000000;\n    $display(\"TIMEOUT\");\n    $finish;\n  end"
    );
    let _ = writeln!(t, "endmodule");
    t
}

fn render_op(t: &mut String, bus: Bus, op: &Op, idx: &mut usize, top: &Module) {
    match op {
        Op::Write {
            addr,
            data,
            strb,
            prot,
            axi,
        } => match bus {
            Bus::Apb4 | Bus::Apb3 | Bus::AhbLite | Bus::Avalon => {
                let _ = writeln!(
                    t,
                    "    {}_write('h{addr:x}, 32'h{data:08x}, 4'h{strb:x}, 3'd{prot});",
                    task_prefix(bus)
                );
            }
            Bus::Axi4Lite => {
                let _ = writeln!(
                    t,
                    "    axi_write('h{addr:x}, 32'h{data:08x}, 4'h{strb:x}, 3'd{prot}, {}, {}, {});",
                    axi.addr_delay, axi.data_delay, axi.resp_delay
                );
            }
        },
        Op::Read {
            addr, prot, axi, ..
        } => {
            match bus {
                Bus::Apb4 | Bus::Apb3 | Bus::AhbLite | Bus::Avalon => {
                    let _ = writeln!(
                        t,
                        "    {}_read('h{addr:x}, 3'd{prot}, rd_data);",
                        task_prefix(bus)
                    );
                }
                Bus::Axi4Lite => {
                    let _ = writeln!(
                        t,
                        "    axi_read('h{addr:x}, 3'd{prot}, {}, {}, rd_data);",
                        axi.addr_delay, axi.resp_delay
                    );
                }
            }
            let _ = writeln!(t, "    check({idx}, {{32'h0, rd_data}});");
            *idx += 1;
        }
        Op::Concurrent { write, read } => {
            assert_eq!(bus, Bus::Axi4Lite, "concurrent accesses need AXI");
            let (
                Op::Write {
                    addr: wa,
                    data,
                    strb,
                    prot: wp,
                    axi: wt,
                },
                Op::Read {
                    addr: ra,
                    prot: rp,
                    axi: rt,
                    ..
                },
            ) = (&**write, &**read)
            else {
                panic!("Concurrent takes a write and a read");
            };
            let _ = writeln!(
                t,
                "    fork\n      axi_write('h{wa:x}, 32'h{data:08x}, 4'h{strb:x}, 3'd{wp}, {}, {}, {});\n      axi_read('h{ra:x}, 3'd{rp}, {}, {}, rd_data2);\n    join",
                wt.addr_delay, wt.data_delay, wt.resp_delay, rt.addr_delay, rt.resp_delay
            );
            let _ = writeln!(t, "    check({idx}, {{32'h0, rd_data2}});");
            *idx += 1;
        }
        Op::Set { port, value } => {
            let w = top
                .ports
                .iter()
                .find(|p| &p.name == port)
                .unwrap_or_else(|| panic!("no port {port}"))
                .width;
            let _ = writeln!(
                t,
                "    @(negedge clk);\n    {} = {w}'h{value:x};",
                legalize(port)
            );
        }
        Op::ExpectCount { port, .. } => {
            let _ = writeln!(
                t,
                "    @(negedge clk);\n    check({idx}, cnt_{});",
                legalize(port)
            );
            *idx += 1;
        }
        Op::ApbWriteWithHw { addr, data, hw } => {
            assert_eq!(bus, Bus::Apb4, "ApbWriteWithHw needs APB");
            let sets: String = hw
                .iter()
                .map(|(p, v)| format!(" {} = 'h{v:x};", legalize(p)))
                .collect();
            let clears: String = hw
                .iter()
                .map(|(p, _)| format!(" {} = 0;", legalize(p)))
                .collect();
            let _ = writeln!(
                t,
                "    @(negedge clk); psel = 1; penable = 0; pwrite = 1; paddr = 'h{addr:x}; pwdata = 32'h{data:08x}; pstrb = 4'hf; pprot = 3'd0;\n    @(negedge clk); penable = 1;{sets}\n    @(posedge clk); #1 psel = 0; penable = 0; pwrite = 0;{clears}"
            );
        }
        Op::ExpectError { .. } => {
            let _ = writeln!(t, "    check({idx}, {{63'h0, last_err}});");
            *idx += 1;
        }
        Op::Idle(n) => {
            let _ = writeln!(t, "    repeat ({n}) @(negedge clk);");
        }
        Op::Expect { port, .. } => {
            assert!(top.ports.iter().any(|p| &p.name == port), "no port {port}");
            let _ = writeln!(
                t,
                "    @(negedge clk);\n    check({idx}, {});",
                legalize(port)
            );
            *idx += 1;
        }
    }
}

fn apb_tasks(t: &mut String, aw: u32) {
    let _ = writeln!(
        t,
        r#"  task apb_write(input [{a}:0] a, input [31:0] d, input [3:0] s, input [2:0] p);
    begin
      @(negedge clk); psel = 1; penable = 0; pwrite = 1; paddr = a; pwdata = d; pstrb = s; pprot = p;
      @(negedge clk); penable = 1;
      #1 if (pready !== 1'b1 || (!ERRORS && pslverr !== 1'b0)) $display("PROTO apb write: pready=%b pslverr=%b", pready, pslverr);
      last_err = pslverr;
      @(posedge clk); #1 psel = 0; penable = 0; pwrite = 0; pstrb = 0;
    end
  endtask
  task apb_read(input [{a}:0] a, input [2:0] p, output [31:0] d);
    begin
      @(negedge clk); psel = 1; penable = 0; pwrite = 0; paddr = a; pstrb = 0; pprot = p;
      @(negedge clk); penable = 1;
      #1 d = prdata;
      if (pready !== 1'b1 || (!ERRORS && pslverr !== 1'b0)) $display("PROTO apb read: pready=%b pslverr=%b", pready, pslverr);
      last_err = pslverr;
      @(posedge clk); #1 psel = 0; penable = 0;
    end
  endtask"#,
        a = aw - 1
    );
}

/// Prefix of the single-transaction tasks of `bus`.
fn task_prefix(bus: Bus) -> &'static str {
    match bus {
        Bus::Apb3 => "apb3",
        Bus::Apb4 => "apb",
        Bus::Axi4Lite => "axi",
        Bus::AhbLite => "ahb",
        Bus::Avalon => "avl",
    }
}

fn apb3_tasks(t: &mut String, aw: u32) {
    let _ = writeln!(
        t,
        r#"  task apb3_write(input [{a}:0] a, input [31:0] d, input [3:0] s, input [2:0] p);
    begin
      if (s !== 4'hf) $display("PROTO apb3 cannot write strobes %b", s);
      @(negedge clk); psel = 1; penable = 0; pwrite = 1; paddr = a; pwdata = d; psecure = ~p[1];
      @(negedge clk); penable = 1;
      #1 if (pready !== 1'b1 || (!ERRORS && pslverr !== 1'b0)) $display("PROTO apb3 write: pready=%b pslverr=%b", pready, pslverr);
      last_err = pslverr;
      @(posedge clk); #1 psel = 0; penable = 0; pwrite = 0;
    end
  endtask
  task apb3_read(input [{a}:0] a, input [2:0] p, output [31:0] d);
    begin
      @(negedge clk); psel = 1; penable = 0; pwrite = 0; paddr = a; psecure = ~p[1];
      @(negedge clk); penable = 1;
      #1 d = prdata;
      if (pready !== 1'b1 || (!ERRORS && pslverr !== 1'b0)) $display("PROTO apb3 read: pready=%b pslverr=%b", pready, pslverr);
      last_err = pslverr;
      @(posedge clk); #1 psel = 0; penable = 0;
    end
  endtask"#,
        a = aw - 1
    );
}

/// AHB-Lite: one slave, so HREADY is its HREADYOUT. The byte lanes of a write become
/// HSIZE and HADDR[1:0]; a data phase lasts until HREADYOUT.
fn ahb_tasks(t: &mut String, aw: u32) {
    let _ = writeln!(
        t,
        r#"  always @* hready = hreadyout;
  task ahb_transfer(input [{a}:0] a, input wr, input [31:0] d, input [3:0] s, input [2:0] p, output [31:0] q);
    reg [2:0] size; reg [1:0] lo; integer n;
    begin
      case (s)
        4'b0001: begin size = 0; lo = 0; end
        4'b0010: begin size = 0; lo = 1; end
        4'b0100: begin size = 0; lo = 2; end
        4'b1000: begin size = 0; lo = 3; end
        4'b0011: begin size = 1; lo = 0; end
        4'b1100: begin size = 1; lo = 2; end
        4'b1111: begin size = 2; lo = 0; end
        default: begin size = 2; lo = 0; $display("PROTO ahb cannot write strobes %b", s); end
      endcase
      @(negedge clk); hsel = 1; htrans = 2'b10; hwrite = wr; haddr = {{a[{a}:2], lo}}; hsize = size; hnonsec = p[1];
      @(negedge clk); hsel = 0; htrans = 2'b00; hwrite = 0; hwdata = d;
      n = 0;
      while (hreadyout !== 1'b1 && n < 16) begin
        if (hresp !== 1'b1) $display("PROTO ahb wait state without ERROR");
        @(negedge clk); n = n + 1;
      end
      if (n > 1) $display("PROTO ahb too many wait states");
      if (!ERRORS && hresp !== 1'b0) $display("PROTO ahb hresp=%b", hresp);
      if (n == 1 && hresp !== 1'b1) $display("PROTO ahb ERROR not held for two cycles");
      last_err = hresp;
      q = hrdata;
      @(posedge clk); #1 hwdata = 0;
    end
  endtask
  task ahb_write(input [{a}:0] a, input [31:0] d, input [3:0] s, input [2:0] p);
    reg [31:0] q;
    begin ahb_transfer(a, 1'b1, d, s, p, q); end
  endtask
  task ahb_read(input [{a}:0] a, input [2:0] p, output [31:0] d);
    begin ahb_transfer(a, 1'b0, 32'h0, 4'hf, p, d); end
  endtask"#,
        a = aw - 1
    );
}

/// Avalon-MM: no waitrequest; read data and (with errors) write responses one
/// cycle later.
fn avalon_tasks(t: &mut String, aw: u32, response: bool) {
    let (wr_err, rd_err) = if response {
        (
            r#"if (avs_writeresponsevalid !== 1'b1) $display("PROTO avalon no writeresponsevalid");
      last_err = avs_response[1];"#,
            "last_err = avs_response[1];",
        )
    } else {
        ("last_err = 0;", "last_err = 0;")
    };
    let _ = writeln!(
        t,
        r#"  task avl_write(input [{a}:0] a, input [31:0] d, input [3:0] s, input [2:0] p);
    begin
      @(negedge clk); avs_write = 1; avs_address = a; avs_writedata = d; avs_byteenable = s; avs_secure = ~p[1];
      @(posedge clk); #1 avs_write = 0; avs_byteenable = 0;
      @(negedge clk);
      {wr_err}
    end
  endtask
  task avl_read(input [{a}:0] a, input [2:0] p, output [31:0] d);
    begin
      @(negedge clk); avs_read = 1; avs_address = a; avs_secure = ~p[1];
      @(posedge clk); #1 avs_read = 0;
      @(negedge clk);
      if (avs_readdatavalid !== 1'b1) $display("PROTO avalon no readdatavalid");
      d = avs_readdata;
      {rd_err}
    end
  endtask"#,
        a = aw - 1
    );
}

fn axi_tasks(t: &mut String, aw: u32, rst: &str, inactive: &str) {
    let _ = writeln!(
        t,
        r#"  task axi_write(input [{a}:0] a, input [31:0] d, input [3:0] s, input [2:0] p,
                 input integer awd, input integer wd, input integer bd);
    begin
      @(negedge clk);
      fork
        begin : aw_ch
          reg hs;
          repeat (awd) @(negedge clk);
          awvalid = 1; awaddr = a; awprot = p;
          hs = 0; while (!hs) begin @(posedge clk); hs = awready; end
          #1 awvalid = 0; awaddr = 0; awprot = 0;
        end
        begin : w_ch
          reg hs;
          repeat (wd) @(negedge clk);
          wvalid = 1; wdata = d; wstrb = s;
          hs = 0; while (!hs) begin @(posedge clk); hs = wready; end
          #1 wvalid = 0; wdata = 0; wstrb = 0;
        end
        begin : b_ch
          reg hs;
          if (bd == 0) bready = 1;
          hs = 0; while (!hs) begin @(posedge clk); hs = bvalid; end
          if (bd != 0) begin
            repeat (bd) @(negedge clk);
            bready = 1;
            @(posedge clk);
          end
          if (bresp !== 2'b00 && !(ERRORS && bresp === 2'b10)) $display("PROTO bresp=%b", bresp);
          last_err = bresp[1];
          #1 bready = 0;
        end
      join
    end
  endtask
  task axi_read(input [{a}:0] a, input [2:0] p, input integer ard, input integer rd,
                output [31:0] d);
    begin
      @(negedge clk);
      fork
        begin : ar_ch
          reg hs;
          repeat (ard) @(negedge clk);
          arvalid = 1; araddr = a; arprot = p;
          hs = 0; while (!hs) begin @(posedge clk); hs = arready; end
          #1 arvalid = 0; araddr = 0; arprot = 0;
        end
        begin : r_ch
          reg hs;
          if (rd == 0) rready = 1;
          hs = 0; while (!hs) begin @(posedge clk); hs = rvalid; end
          if (rd != 0) begin
            repeat (rd) @(negedge clk);
            rready = 1;
            @(posedge clk);
          end
          d = rdata;
          if (rresp !== 2'b00 && !(ERRORS && rresp === 2'b10)) $display("PROTO rresp=%b", rresp);
          last_err = rresp[1];
          #1 rready = 0;
        end
      join
    end
  endtask
  // Protocol monitors: a response is held, unchanged, until it is taken; at most one
  // transaction per direction is outstanding.
  reg bvalid_p = 0, bready_p = 0, rvalid_p = 0, rready_p = 0;
  reg [31:0] rdata_p = 0;
  integer aw_out = 0, w_out = 0, ar_out = 0;
  always @(posedge clk) begin
    if ({rst} === {inactive}) begin
      if (bvalid_p && !bready_p && !bvalid) $display("PROTO bvalid dropped before bready");
      if (rvalid_p && !rready_p && !rvalid) $display("PROTO rvalid dropped before rready");
      if (rvalid_p && !rready_p && rdata !== rdata_p) $display("PROTO rdata changed before rready");
      if (bvalid && (aw_out < 1 || w_out < 1)) $display("PROTO bvalid before both AW and W");
      if (rvalid && ar_out < 1) $display("PROTO rvalid before AR");
      if (awvalid && awready) aw_out = aw_out + 1;
      if (wvalid && wready) w_out = w_out + 1;
      if (arvalid && arready) ar_out = ar_out + 1;
      if (aw_out > 1 || w_out > 1) $display("PROTO more than one write outstanding");
      if (ar_out > 1) $display("PROTO more than one read outstanding");
      if (bvalid && bready) begin aw_out = aw_out - 1; w_out = w_out - 1; end
      if (rvalid && rready) ar_out = ar_out - 1;
    end
    bvalid_p <= bvalid; bready_p <= bready; rvalid_p <= rvalid; rready_p <= rready;
    rdata_p <= rdata;
  end"#,
        a = aw - 1
    );
}

/// Writes the files and the testbench to a temporary directory, simulates with
/// iverilog, and checks every sample. Returns `false` (after a SKIP line) when
/// iverilog is missing and tools are optional.
pub fn simulate(
    test: &str,
    bus: Bus,
    reset: ResetStyle,
    files: &[GeneratedFile],
    top: &Module,
    sc: &Scenario,
) -> bool {
    let Some(iverilog) = testkit::tool(test, "iverilog", "-V") else {
        return false;
    };
    let Some(vvp) = testkit::tool(test, "vvp", "-V") else {
        return false;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut paths = Vec::new();
    for f in files {
        let p = dir.path().join(&f.name);
        std::fs::write(&p, &f.contents).expect("write");
        paths.push(p);
    }
    let tb = dir.path().join("tb.v");
    std::fs::write(&tb, testbench(bus, reset, top, sc)).expect("write tb");
    paths.push(tb);
    let out = dir.path().join("sim.vvp");
    let compile = Command::new(iverilog)
        .args(["-g2005", "-Wall", "-Wno-timescale", "-s", "tb", "-o"])
        .arg(&out)
        .args(&paths)
        .output()
        .expect("run iverilog");
    assert!(
        compile.status.success(),
        "{test}: iverilog failed:\n{}{}",
        String::from_utf8_lossy(&compile.stdout),
        String::from_utf8_lossy(&compile.stderr)
    );
    let run = Command::new(vvp)
        .arg("-n")
        .arg(&out)
        .current_dir(dir.path())
        .output()
        .expect("run vvp");
    let stdout = String::from_utf8_lossy(&run.stdout).to_string();
    compare(test, &stdout, sc, dir.path());
    true
}

fn compare(test: &str, stdout: &str, sc: &Scenario, dir: &Path) {
    let mut expected = Vec::new();
    checks(&sc.ops, &mut expected);
    let mut got = Vec::new();
    let mut problems = Vec::new();
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("CHK ") {
            let mut it = rest.split_whitespace();
            let i: usize = it.next().and_then(|s| s.parse().ok()).expect("index");
            let v = it
                .next()
                .and_then(|s| u64::from_str_radix(s, 16).ok())
                .unwrap_or(u64::MAX);
            got.push((i, v));
        } else if line.starts_with("PROTO") || line.starts_with("TIMEOUT") {
            problems.push(line.to_string());
        }
    }
    if !stdout.lines().any(|l| l == "DONE") {
        problems.push("simulation did not finish".into());
    }
    for (i, (want, label)) in expected.iter().enumerate() {
        match got.iter().find(|(j, _)| *j == i) {
            Some((_, v)) if v == want => {}
            Some((_, v)) => problems.push(format!("{label}: got {v:#x}, want {want:#x}")),
            None => problems.push(format!("{label}: no sample")),
        }
    }
    assert!(
        problems.is_empty(),
        "{test} ({}):\n  {}\n--- simulation output ---\n{stdout}",
        dir.display(),
        problems.join("\n  ")
    );
    assert_eq!(got.len(), expected.len(), "{test}: sample count");
}

/// The SMMUv3 map from `regdef/smmuv3.rdl`.
pub fn smmuv3() -> regdef::ir::RegisterMap {
    let path = testkit::workspace_root().join("regdef/smmuv3.rdl");
    regdef::compile_file(&path).unwrap_or_else(|d| panic!("smmuv3.rdl: {d:?}"))
}

/// A map from a test `.rdl` under `hdl/tests/rdl/`.
pub fn test_map(name: &str) -> regdef::ir::RegisterMap {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/rdl")
        .join(name);
    regdef::compile_file(&path).unwrap_or_else(|d| panic!("{name}: {d:?}"))
}

/// Generates `map` for one bus, reset style and completion, and simulates `sc` on it.
pub fn run_map(
    test: &str,
    map: &regdef::ir::RegisterMap,
    bus: Bus,
    reset: ResetStyle,
    completion: regdef::access::Completion,
    sc: &Scenario,
) -> bool {
    let opts = hdl::verilog::VerilogOptions {
        buses: vec![bus],
        reset,
        completion,
        errors: if sc.errors {
            hdl::verilog::BusErrors::Error
        } else {
            hdl::verilog::BusErrors::RazWi
        },
    };
    let modules = hdl::verilog::modules(map, &opts).unwrap_or_else(|e| panic!("{e}"));
    let files = hdl::verilog::generate(map, &opts).unwrap_or_else(|e| panic!("{e}"));
    let top_name = format!("{}_{}", map.top, bus.suffix());
    let top = modules
        .iter()
        .find(|m| m.name == top_name)
        .expect("top module");
    simulate(test, bus, reset, &files, top, sc)
}
