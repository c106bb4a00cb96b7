//! The internal request/response interface, the APB4 and AXI4-Lite adapters onto it,
//! and the top-level wrapper that joins an adapter to the register core.
//!
//! # The internal interface
//!
//! | Signal | Dir (core) | Width | Meaning |
//! |---|---|---|---|
//! | `req_valid`  | in  | 1  | A request this cycle; at most one per cycle |
//! | `req_write`  | in  | 1  | 1 write, 0 read |
//! | `req_addr`   | in  | AW | Byte address; bits `[1:0]` are ignored (word access) |
//! | `req_wdata`  | in  | 32 | Write data |
//! | `req_wstrb`  | in  | 4  | Byte enables of a write (ignored for reads) |
//! | `req_secure` | in  | 1  | 1 Secure access, 0 Non-secure (IHI0070 3.10) |
//! | `rsp_rdata`  | out | 32 | Read data, combinational in the request cycle; 0 when no read |
//! | `rsp_error`  | out | 1  | Only with [`BusErrors::Error`]: the request is unmapped or forbidden |
//!
//! A request is complete in its own cycle: the core returns read data (and
//! `rsp_error`) combinationally, and the write and any read side effect (`rclr`,
//! `rset`) take effect at the clock edge that ends the request cycle. Undefined,
//! absent and Secure-only-from-Non-secure locations are RAZ/WI (IHI0070 6.2; Arm
//! recommends not aborting); with [`BusErrors::Error`] the same accesses still
//! have no effect, and `rsp_error` tells the adapter to answer with its bus's error
//! response. The decision is the core's, which knows the map; each adapter only
//! translates it.

use super::ast::{
    concat, eq, id, index, lit, ones, reduce_xor, slice, ternary, Expr, Instance, Item, Module,
    Param, Port, Stmt,
};
use super::{Bus, BusErrors, Clocking};

/// Internal interface signal names.
pub mod sig {
    /// A request this cycle.
    pub const REQ_VALID: &str = "req_valid";
    /// 1 write, 0 read.
    pub const REQ_WRITE: &str = "req_write";
    /// Byte address.
    pub const REQ_ADDR: &str = "req_addr";
    /// Write data.
    pub const REQ_WDATA: &str = "req_wdata";
    /// Write byte enables.
    pub const REQ_WSTRB: &str = "req_wstrb";
    /// Secure access.
    pub const REQ_SECURE: &str = "req_secure";
    /// Read data.
    pub const RSP_RDATA: &str = "rsp_rdata";
    /// Unmapped or forbidden request ([`super::BusErrors::Error`] only).
    pub const RSP_ERROR: &str = "rsp_error";
}

/// Data bus width of every adapter and of the core.
pub const DATA_WIDTH: u32 = 32;

/// The internal-interface ports as the register core declares them.
pub fn core_ports(addr_width: u32, errors: BusErrors) -> Vec<Port> {
    let mut ports = vec![
        Port::input(sig::REQ_VALID, 1).with_comment("Internal request interface (see README)."),
        Port::input(sig::REQ_WRITE, 1),
        Port::input(sig::REQ_ADDR, addr_width),
        Port::input(sig::REQ_WDATA, DATA_WIDTH),
        Port::input(sig::REQ_WSTRB, DATA_WIDTH / 8),
        Port::input(sig::REQ_SECURE, 1),
        Port::output(sig::RSP_RDATA, DATA_WIDTH),
    ];
    if errors == BusErrors::Error {
        ports.push(Port::output(sig::RSP_ERROR, 1));
    }
    ports
}

/// The request of an APB access (APB3 and APB4 alike): the access phase, one cycle,
/// as PREADY is always 1.
fn apb_request() -> Vec<Item> {
    vec![
        Item::comment("The access phase is the request: one cycle, as PREADY is always 1."),
        Item::assign(id(sig::REQ_VALID), id("psel") & id("penable")),
        Item::assign(id(sig::REQ_WRITE), id("pwrite")),
        Item::assign(id(sig::REQ_ADDR), id("paddr")),
        Item::assign(id(sig::REQ_WDATA), id("pwdata")),
    ]
}

/// The internal-interface ports as an adapter declares them (directions flipped).
fn adapter_ports(addr_width: u32, errors: BusErrors) -> Vec<Port> {
    let mut ports = vec![
        Port::output(sig::REQ_VALID, 1).with_comment("Internal request interface."),
        Port::output(sig::REQ_WRITE, 1),
        Port::output(sig::REQ_ADDR, addr_width),
        Port::output(sig::REQ_WDATA, DATA_WIDTH),
        Port::output(sig::REQ_WSTRB, DATA_WIDTH / 8),
        Port::output(sig::REQ_SECURE, 1),
        Port::input(sig::RSP_RDATA, DATA_WIDTH),
    ];
    if errors == BusErrors::Error {
        ports.push(Port::input(sig::RSP_ERROR, 1));
    }
    ports
}

/// The adapter of `bus`, named `name`.
pub fn adapter(
    bus: Bus,
    name: &str,
    addr_width: u32,
    clocking: Clocking,
    errors: BusErrors,
) -> Module {
    match bus {
        Bus::Apb3 => apb3_slave(name, addr_width, errors),
        Bus::Apb4 => apb4_slave(name, addr_width, errors),
        Bus::Axi4Lite => axi4lite_slave(name, addr_width, clocking, errors),
        Bus::AhbLite => ahblite_slave(name, addr_width, clocking, errors),
        Bus::Avalon => avalon_slave(name, addr_width, clocking, errors),
    }
}

/// `rsp_error`, or `1'b0` in RAZ/WI mode.
fn error_or_zero(errors: BusErrors) -> Expr {
    match errors {
        BusErrors::RazWi => lit(1, 0),
        BusErrors::Error => id(sig::RSP_ERROR),
    }
}

/// The APB3 completer (AMBA 3 APB Protocol Specification v1.0).
///
/// As [`apb4_slave`], without PSTRB and PPROT, which APB3 does not have: every write
/// writes the whole word, and the security of the access comes from the `psecure`
/// sideband input (1 = Secure; tie it to a constant when one security state owns
/// the bus). PSLVERR (new in APB3) is `rsp_error` with [`BusErrors::Error`], else 0.
pub fn apb3_slave(name: &str, addr_width: u32, errors: BusErrors) -> Module {
    let mut ports = vec![
        Port::input("psel", 1).with_comment("APB3 completer."),
        Port::input("penable", 1),
        Port::input("pwrite", 1),
        Port::input("paddr", addr_width),
        Port::input("pwdata", DATA_WIDTH),
        Port::input("psecure", 1)
            .with_comment("Sideband: 1 for a Secure access (APB3 has no PPROT)."),
        Port::output("prdata", DATA_WIDTH),
        Port::output("pready", 1),
        Port::output("pslverr", 1),
    ];
    ports.extend(adapter_ports(addr_width, errors));
    let mut items = apb_request();
    items.extend([
        Item::comment("APB3 has no PSTRB: every write is a whole word."),
        Item::assign(id(sig::REQ_WSTRB), ones(DATA_WIDTH / 8)),
        Item::assign(id(sig::REQ_SECURE), id("psecure")),
        Item::assign(id("prdata"), id(sig::RSP_RDATA)),
        Item::assign(id("pready"), lit(1, 1)),
        Item::assign(id("pslverr"), error_or_zero(errors)),
    ]);
    Module {
        name: name.to_string(),
        header: vec![
            "APB3 completer onto the internal request interface.".into(),
            format!(
                "Zero wait states; whole-word writes; psecure=1 is Secure; {}.",
                slverr_text(errors, "PSLVERR")
            ),
        ],
        params: Vec::new(),
        ports,
        items,
    }
}

/// How a header describes the error signal `name`.
fn slverr_text(errors: BusErrors, name: &str) -> String {
    match errors {
        BusErrors::RazWi => format!("{name} tied low (RAZ/WI)"),
        BusErrors::Error => format!("{name} on unmapped and forbidden accesses"),
    }
}

fn is_internal(name: &str) -> bool {
    name.starts_with("req_") || name.starts_with("rsp_")
}

/// The APB4 slave adapter (AMBA APB Protocol Specification, issue C and later).
///
/// Zero wait states: `pready` is tied to 1, so every access phase is exactly one
/// request cycle, and `prdata` is the core's combinational read data. `pprot[1]` = 0
/// is a Secure access. `pstrb` is honoured on writes. `pslverr` is tied to 0 (every
/// location is RAZ/WI rather than an error, IHI0070 6.2), or with
/// [`BusErrors::Error`] is `rsp_error`. The adapter is purely combinational, so it
/// needs no clock.
pub fn apb4_slave(name: &str, addr_width: u32, errors: BusErrors) -> Module {
    let mut ports = vec![
        Port::input("psel", 1).with_comment("APB4 completer."),
        Port::input("penable", 1),
        Port::input("pwrite", 1),
        Port::input("paddr", addr_width),
        Port::input("pwdata", DATA_WIDTH),
        Port::input("pstrb", DATA_WIDTH / 8),
        Port::input("pprot", 3),
        Port::output("prdata", DATA_WIDTH),
        Port::output("pready", 1),
        Port::output("pslverr", 1),
    ];
    ports.extend(adapter_ports(addr_width, errors));
    let mut items = apb_request();
    items.extend([
        Item::assign(id(sig::REQ_WSTRB), id("pstrb")),
        Item::comment("PPROT[1] is 0 for a Secure access (AMBA APB4 protection; IHI0070 3.10)."),
        Item::assign(id(sig::REQ_SECURE), !index("pprot", 1)),
        Item::assign(id("prdata"), id(sig::RSP_RDATA)),
        Item::assign(id("pready"), lit(1, 1)),
        Item::assign(id("pslverr"), error_or_zero(errors)),
        Item::comment("PPROT[0] (privileged) and PPROT[2] (instruction) do not affect access."),
        Item::wire("unused_pprot", 1),
        Item::assign(
            id("unused_pprot"),
            reduce_xor(concat(vec![index("pprot", 2), index("pprot", 0)])),
        ),
    ]);
    Module {
        name: name.to_string(),
        header: vec![
            "APB4 completer onto the internal request interface.".into(),
            format!(
                "Zero wait states; PPROT[1]=0 is Secure; PSTRB honoured; {}.",
                slverr_text(errors, "PSLVERR")
            ),
        ],
        params: Vec::new(),
        ports,
        items,
    }
}

/// The AXI4-Lite slave adapter (AMBA AXI and ACE Protocol Specification, B1).
///
/// * Each of AW, W and AR is captured in a one-entry buffer; AW and W are accepted
///   independently, in either order or in the same cycle.
/// * One outstanding transaction per direction: `awready`/`wready` are low while a
///   write is buffered or its B response waits, `arready` while a read is buffered
///   or its R response waits.
/// * A write is issued to the core when both AW and W are buffered, a read when AR
///   is. When both are ready in the same cycle the one that did not go last wins
///   (round robin), so neither direction starves.
/// * Responses are registered and held until `bready`/`rready`: the read data is
///   captured in the cycle the core is read, so a read side effect happens exactly
///   once however long R is back-pressured.
/// * Every output is driven from a flip-flop or from flip-flops only (no
///   combinational path from an input to an output, as the AXI specification asks).
/// * `axprot[1]` = 0 is a Secure access; BRESP/RRESP are OKAY (RAZ/WI), or with
///   [`BusErrors::Error`] SLVERR for an unmapped or forbidden access, captured with
///   the response.
pub fn axi4lite_slave(
    name: &str,
    addr_width: u32,
    clocking: Clocking,
    errors: BusErrors,
) -> Module {
    let mut ports = clocking.ports();
    ports.extend([
        Port::input("awvalid", 1).with_comment("AXI4-Lite slave: write address."),
        Port::output("awready", 1),
        Port::input("awaddr", addr_width),
        Port::input("awprot", 3),
        Port::input("wvalid", 1).with_comment("Write data."),
        Port::output("wready", 1),
        Port::input("wdata", DATA_WIDTH),
        Port::input("wstrb", DATA_WIDTH / 8),
        Port::output("bvalid", 1).with_comment("Write response."),
        Port::input("bready", 1),
        Port::output("bresp", 2),
        Port::input("arvalid", 1).with_comment("Read address."),
        Port::output("arready", 1),
        Port::input("araddr", addr_width),
        Port::input("arprot", 3),
        Port::output("rvalid", 1).with_comment("Read data."),
        Port::input("rready", 1),
        Port::output("rdata", DATA_WIDTH),
        Port::output("rresp", 2),
    ]);
    ports.extend(adapter_ports(addr_width, errors));

    let nb = |n: &str, e| Stmt::nonblocking(id(n), e);
    let mut items = vec![
        Item::reg("aw_full_q", 1),
        Item::reg("aw_addr_q", addr_width),
        Item::reg("aw_secure_q", 1),
        Item::reg("w_full_q", 1),
        Item::reg("w_data_q", DATA_WIDTH),
        Item::reg("w_strb_q", DATA_WIDTH / 8),
        Item::reg("ar_full_q", 1),
        Item::reg("ar_addr_q", addr_width),
        Item::reg("ar_secure_q", 1),
        Item::reg("bvalid_q", 1),
        Item::reg("rvalid_q", 1),
        Item::reg("rdata_q", DATA_WIDTH),
        Item::reg("last_write_q", 1),
        Item::wire("grant_write", 1),
        Item::wire("grant_read", 1),
        Item::Blank,
        Item::comment("One outstanding transaction per direction: a channel is ready only"),
        Item::comment("while its buffer is empty and no response of its direction waits."),
        Item::assign(id("awready"), !id("aw_full_q") & !id("bvalid_q")),
        Item::assign(id("wready"), !id("w_full_q") & !id("bvalid_q")),
        Item::assign(id("arready"), !id("ar_full_q") & !id("rvalid_q")),
        Item::Blank,
        Item::comment("Arbitration: a complete write (AW and W buffered) and a buffered read"),
        Item::comment("share the core; when both wait, the direction not granted last wins."),
        Item::assign(
            id("grant_write"),
            id("aw_full_q") & id("w_full_q") & (!id("ar_full_q") | !id("last_write_q")),
        ),
        Item::assign(id("grant_read"), id("ar_full_q") & !id("grant_write")),
        Item::assign(id(sig::REQ_VALID), id("grant_write") | id("grant_read")),
        Item::assign(id(sig::REQ_WRITE), id("grant_write")),
        Item::assign(
            id(sig::REQ_ADDR),
            ternary(id("grant_write"), id("aw_addr_q"), id("ar_addr_q")),
        ),
        Item::assign(id(sig::REQ_WDATA), id("w_data_q")),
        Item::assign(id(sig::REQ_WSTRB), id("w_strb_q")),
        Item::assign(
            id(sig::REQ_SECURE),
            ternary(id("grant_write"), id("aw_secure_q"), id("ar_secure_q")),
        ),
        Item::Blank,
        Item::assign(id("bvalid"), id("bvalid_q")),
        Item::assign(id("bresp"), axi_resp(errors, "berr_q")),
        Item::assign(id("rvalid"), id("rvalid_q")),
        Item::assign(id("rdata"), id("rdata_q")),
        Item::assign(id("rresp"), axi_resp(errors, "rerr_q")),
        Item::comment("AxPROT[0] (privileged) and AxPROT[2] (instruction) do not affect access."),
        Item::wire("unused_axprot", 1),
        Item::assign(
            id("unused_axprot"),
            reduce_xor(concat(vec![
                index("awprot", 2),
                index("awprot", 0),
                index("arprot", 2),
                index("arprot", 0),
            ])),
        ),
        Item::Blank,
        Item::comment("Write address buffer. AxPROT[1] = 0 is Secure (IHI0070 3.10)."),
    ];
    items.push(clocking.ff(
        &[
            ("aw_full_q", lit(1, 0)),
            ("aw_addr_q", lit(addr_width, 0)),
            ("aw_secure_q", lit(1, 0)),
        ],
        vec![Stmt::if_else(
            id("awvalid") & id("awready"),
            vec![
                nb("aw_full_q", lit(1, 1)),
                nb("aw_addr_q", id("awaddr")),
                nb("aw_secure_q", !index("awprot", 1)),
            ],
            vec![Stmt::if_else(
                id("grant_write"),
                vec![nb("aw_full_q", lit(1, 0))],
                vec![],
            )],
        )],
    ));
    items.push(Item::comment("Write data buffer."));
    items.push(clocking.ff(
        &[
            ("w_full_q", lit(1, 0)),
            ("w_data_q", lit(DATA_WIDTH, 0)),
            ("w_strb_q", lit(DATA_WIDTH / 8, 0)),
        ],
        vec![Stmt::if_else(
            id("wvalid") & id("wready"),
            vec![
                nb("w_full_q", lit(1, 1)),
                nb("w_data_q", id("wdata")),
                nb("w_strb_q", id("wstrb")),
            ],
            vec![Stmt::if_else(
                id("grant_write"),
                vec![nb("w_full_q", lit(1, 0))],
                vec![],
            )],
        )],
    ));
    items.push(Item::comment("Write response: held until BREADY."));
    items.push(clocking.ff(
        &[("bvalid_q", lit(1, 0))],
        vec![Stmt::if_else(
            id("grant_write"),
            vec![nb("bvalid_q", lit(1, 1))],
            vec![Stmt::if_else(
                id("bready"),
                vec![nb("bvalid_q", lit(1, 0))],
                vec![],
            )],
        )],
    ));
    items.push(Item::comment("Read address buffer."));
    items.push(clocking.ff(
        &[
            ("ar_full_q", lit(1, 0)),
            ("ar_addr_q", lit(addr_width, 0)),
            ("ar_secure_q", lit(1, 0)),
        ],
        vec![Stmt::if_else(
            id("arvalid") & id("arready"),
            vec![
                nb("ar_full_q", lit(1, 1)),
                nb("ar_addr_q", id("araddr")),
                nb("ar_secure_q", !index("arprot", 1)),
            ],
            vec![Stmt::if_else(
                id("grant_read"),
                vec![nb("ar_full_q", lit(1, 0))],
                vec![],
            )],
        )],
    ));
    items.push(Item::comment(
        "Read response: the data is captured when the core is read, then held until RREADY.",
    ));
    items.push(clocking.ff(
        &[("rvalid_q", lit(1, 0)), ("rdata_q", lit(DATA_WIDTH, 0))],
        vec![Stmt::if_else(
            id("grant_read"),
            vec![nb("rvalid_q", lit(1, 1)), nb("rdata_q", id(sig::RSP_RDATA))],
            vec![Stmt::if_else(
                id("rready"),
                vec![nb("rvalid_q", lit(1, 0))],
                vec![],
            )],
        )],
    ));
    if errors == BusErrors::Error {
        items.push(Item::comment(
            "SLVERR, captured with the response (AMBA AXI B1.4: 0b10).",
        ));
        items.push(Item::reg("berr_q", 1));
        items.push(Item::reg("rerr_q", 1));
        items.push(clocking.ff(
            &[("berr_q", lit(1, 0)), ("rerr_q", lit(1, 0))],
            vec![
                Stmt::if_else(
                    id("grant_write"),
                    vec![nb("berr_q", id(sig::RSP_ERROR))],
                    vec![],
                ),
                Stmt::if_else(
                    id("grant_read"),
                    vec![nb("rerr_q", id(sig::RSP_ERROR))],
                    vec![],
                ),
            ],
        ));
    }
    items.push(Item::comment(
        "Round-robin state: the direction granted last.",
    ));
    items.push(clocking.ff(
        &[("last_write_q", lit(1, 0))],
        vec![Stmt::if_else(
            id(sig::REQ_VALID),
            vec![nb("last_write_q", id("grant_write"))],
            vec![],
        )],
    ));

    Module {
        name: name.to_string(),
        header: vec![
            "AXI4-Lite slave onto the internal request interface.".into(),
            "One outstanding transaction per direction; AW and W in any order;".into(),
            "responses held until ready; round-robin read/write arbitration;".into(),
            format!(
                "AxPROT[1]=0 is Secure; {}.",
                match errors {
                    BusErrors::RazWi => "BRESP/RRESP always OKAY (RAZ/WI)",
                    BusErrors::Error => "SLVERR on unmapped and forbidden accesses",
                }
            ),
        ],
        params: Vec::new(),
        ports,
        items,
    }
}

/// `{err, 1'b0}`: SLVERR (0b10) when the captured error flag is set, else OKAY.
fn axi_resp(errors: BusErrors, flag: &str) -> Expr {
    match errors {
        BusErrors::RazWi => lit(2, 0),
        BusErrors::Error => concat(vec![id(flag), lit(1, 0)]),
    }
}

/// The AHB-Lite slave (AMBA 3 AHB-Lite Protocol Specification; HNONSEC from AMBA 5
/// AHB).
///
/// * A transfer (HSEL and HTRANS NONSEQ or SEQ while HREADY) is captured in its
///   address phase; the request goes to the core in the data phase, where HWDATA
///   is valid and HRDATA is the core's combinational read data, so zero wait
///   states.
/// * Byte lanes from HSIZE and `HADDR[1:0]` (AHB-Lite 3.4): a byte or halfword write
///   writes its lanes only. HSIZE wider than the bus (illegal) writes the word.
/// * HNONSEC = 0 is a Secure access. HPROT, HBURST and HMASTLOCK are not ports: the
///   core has no privilege, cacheability or burst behaviour (a slave may ignore
///   them; AHB-Lite 3.5, 3.6).
/// * With [`BusErrors::Error`], an unmapped or forbidden access gets the two-cycle
///   ERROR response (AHB-Lite 5.1.3): HREADYOUT low with HRESP high, then both high.
///   The request goes to the core once, in the first of the two cycles.
pub fn ahblite_slave(name: &str, addr_width: u32, clocking: Clocking, errors: BusErrors) -> Module {
    let mut ports = clocking.ports();
    ports.extend([
        Port::input("hsel", 1).with_comment("AHB-Lite slave."),
        Port::input("haddr", addr_width),
        Port::input("htrans", 2),
        Port::input("hwrite", 1),
        Port::input("hsize", 3),
        Port::input("hnonsec", 1),
        Port::input("hwdata", DATA_WIDTH),
        Port::input("hready", 1),
        Port::output("hreadyout", 1),
        Port::output("hresp", 1),
        Port::output("hrdata", DATA_WIDTH),
    ]);
    ports.extend(adapter_ports(addr_width, errors));
    let nb = |n: &str, e| Stmt::nonblocking(id(n), e);
    let lanes = DATA_WIDTH / 8;
    let mut items = vec![
        Item::reg("dp_valid_q", 1),
        Item::reg("dp_write_q", 1),
        Item::reg("dp_addr_q", addr_width),
        Item::reg("dp_strb_q", lanes),
        Item::reg("dp_secure_q", 1),
        Item::wire("addr_phase", 1),
        Item::wire("strb", lanes),
        Item::Blank,
        Item::comment("A transfer's address phase: HTRANS[1] is NONSEQ or SEQ (BUSY and IDLE are"),
        Item::comment("not transfers) and HREADY says the previous data phase ends."),
        Item::assign(
            id("addr_phase"),
            id("hsel") & index("htrans", 1) & id("hready"),
        ),
        Item::comment("Byte lanes from HSIZE and HADDR[1:0] (little endian)."),
        Item::assign(
            id("strb"),
            ternary(
                eq(slice("hsize", 2, 1), lit(2, 0)),
                ternary(
                    index("hsize", 0),
                    ternary(index("haddr", 1), lit(lanes, 0b1100), lit(lanes, 0b0011)),
                    ternary(
                        index("haddr", 1),
                        ternary(index("haddr", 0), lit(lanes, 0b1000), lit(lanes, 0b0100)),
                        ternary(index("haddr", 0), lit(lanes, 0b0010), lit(lanes, 0b0001)),
                    ),
                ),
                ones(lanes),
            ),
        ),
        Item::Blank,
        Item::comment("The data phase is the request."),
    ];
    let err_q = errors == BusErrors::Error;
    if err_q {
        items.push(Item::reg("err_q", 1));
        items.push(Item::comment(
            "err_q: second cycle of an ERROR response; the core is not asked again.",
        ));
        items.push(Item::assign(
            id(sig::REQ_VALID),
            id("dp_valid_q") & !id("err_q"),
        ));
    } else {
        items.push(Item::assign(id(sig::REQ_VALID), id("dp_valid_q")));
    }
    items.extend([
        Item::assign(id(sig::REQ_WRITE), id("dp_write_q")),
        Item::assign(id(sig::REQ_ADDR), id("dp_addr_q")),
        Item::assign(id(sig::REQ_WDATA), id("hwdata")),
        Item::assign(id(sig::REQ_WSTRB), id("dp_strb_q")),
        Item::assign(id(sig::REQ_SECURE), id("dp_secure_q")),
        Item::assign(id("hrdata"), id(sig::RSP_RDATA)),
    ]);
    if err_q {
        items.extend([
            Item::assign(id("hreadyout"), !id(sig::RSP_ERROR)),
            Item::assign(id("hresp"), id(sig::RSP_ERROR) | id("err_q")),
        ]);
    } else {
        items.extend([
            Item::assign(id("hreadyout"), lit(1, 1)),
            Item::assign(id("hresp"), lit(1, 0)),
        ]);
    }
    items.push(Item::comment(
        "HTRANS[0] (SEQ vs NONSEQ) does not matter to a register slave.",
    ));
    items.push(Item::wire("unused_htrans", 1));
    items.push(Item::assign(id("unused_htrans"), index("htrans", 0)));
    items.push(Item::Blank);
    items.push(Item::comment("Address phase -> data phase, while HREADY."));
    items.push(clocking.ff(
        &[
            ("dp_valid_q", lit(1, 0)),
            ("dp_write_q", lit(1, 0)),
            ("dp_addr_q", lit(addr_width, 0)),
            ("dp_strb_q", lit(lanes, 0)),
            ("dp_secure_q", lit(1, 0)),
        ],
        vec![Stmt::if_else(
            id("hready"),
            vec![
                nb("dp_valid_q", id("addr_phase")),
                nb("dp_write_q", id("hwrite")),
                nb("dp_addr_q", id("haddr")),
                nb("dp_strb_q", id("strb")),
                nb("dp_secure_q", !id("hnonsec")),
            ],
            vec![],
        )],
    ));
    if err_q {
        items.push(Item::comment(
            "The first ERROR cycle (HREADYOUT low) leads to the second.",
        ));
        items.push(clocking.ff(
            &[("err_q", lit(1, 0))],
            vec![nb("err_q", id(sig::RSP_ERROR))],
        ));
    }
    Module {
        name: name.to_string(),
        header: vec![
            "AHB-Lite slave onto the internal request interface.".into(),
            format!(
                "Zero wait states; HSIZE byte lanes; HNONSEC=0 is Secure; {}.",
                match errors {
                    BusErrors::RazWi => "HRESP always OKAY (RAZ/WI)",
                    BusErrors::Error => "two-cycle ERROR on unmapped and forbidden accesses",
                }
            ),
        ],
        params: Vec::new(),
        ports,
        items,
    }
}

/// The Avalon-MM agent (Intel Avalon Interface Specifications, 3).
///
/// * Byte addresses (`addressUnits` SYMBOLS), `byteenable` honoured on writes.
/// * No `waitrequest`: every read and write is accepted in the cycle it is asserted.
///   Reads are pipelined with variable latency: `readdatavalid` and `readdata` are
///   registered, one cycle after the read (so a read side effect happens once).
/// * Avalon-MM has no security signal: `avs_secure` is a sideband input (1 = Secure),
///   as APB3's `psecure`.
/// * With [`BusErrors::Error`], `avs_response` (2'b10 SLVERROR) comes with
///   `readdatavalid` and, for writes, with `avs_writeresponsevalid` one cycle after
///   the write; without, neither port exists.
pub fn avalon_slave(name: &str, addr_width: u32, clocking: Clocking, errors: BusErrors) -> Module {
    let mut ports = clocking.ports();
    ports.extend([
        Port::input("avs_address", addr_width).with_comment("Avalon-MM agent."),
        Port::input("avs_read", 1),
        Port::input("avs_write", 1),
        Port::input("avs_writedata", DATA_WIDTH),
        Port::input("avs_byteenable", DATA_WIDTH / 8),
        Port::input("avs_secure", 1)
            .with_comment("Sideband: 1 for a Secure access (Avalon-MM has no protection)."),
        Port::output("avs_readdata", DATA_WIDTH),
        Port::output("avs_readdatavalid", 1),
    ]);
    let err = errors == BusErrors::Error;
    if err {
        ports.push(Port::output("avs_response", 2));
        ports.push(Port::output("avs_writeresponsevalid", 1));
    }
    ports.extend(adapter_ports(addr_width, errors));
    let nb = |n: &str, e| Stmt::nonblocking(id(n), e);
    let mut items = vec![
        Item::reg("rvalid_q", 1),
        Item::reg("rdata_q", DATA_WIDTH),
        Item::Blank,
        Item::comment(
            "A read or a write is the request (asserting both is illegal: the write wins).",
        ),
        Item::assign(id(sig::REQ_VALID), id("avs_read") | id("avs_write")),
        Item::assign(id(sig::REQ_WRITE), id("avs_write")),
        Item::assign(id(sig::REQ_ADDR), id("avs_address")),
        Item::assign(id(sig::REQ_WDATA), id("avs_writedata")),
        Item::assign(id(sig::REQ_WSTRB), id("avs_byteenable")),
        Item::assign(id(sig::REQ_SECURE), id("avs_secure")),
        Item::assign(id("avs_readdata"), id("rdata_q")),
        Item::assign(id("avs_readdatavalid"), id("rvalid_q")),
    ];
    let read = id("avs_read") & !id("avs_write");
    let mut resets = vec![("rvalid_q", lit(1, 0)), ("rdata_q", lit(DATA_WIDTH, 0))];
    let mut run = vec![
        nb("rvalid_q", read.clone()),
        nb("rdata_q", id(sig::RSP_RDATA)),
    ];
    if err {
        items.extend([
            Item::reg("wvalid_q", 1),
            Item::reg("err_q", 1),
            Item::comment("SLVERROR (2'b10) with the read data or the write response."),
            Item::assign(id("avs_response"), concat(vec![id("err_q"), lit(1, 0)])),
            Item::assign(id("avs_writeresponsevalid"), id("wvalid_q")),
        ]);
        resets.push(("wvalid_q", lit(1, 0)));
        resets.push(("err_q", lit(1, 0)));
        run.push(nb("wvalid_q", id("avs_write")));
        run.push(nb("err_q", id(sig::RSP_ERROR)));
    }
    items.push(Item::Blank);
    items.push(Item::comment("Responses, one cycle after the request."));
    items.push(clocking.ff(&resets, run));
    Module {
        name: name.to_string(),
        header: vec![
            "Avalon-MM agent onto the internal request interface.".into(),
            format!(
                "No waitrequest; reads pipelined by one cycle; byteenable honoured; avs_secure=1 is Secure; {}.",
                match errors {
                    BusErrors::RazWi => "no response port (RAZ/WI)",
                    BusErrors::Error => "SLVERROR on unmapped and forbidden accesses",
                }
            ),
        ],
        params: Vec::new(),
        ports,
        items,
    }
}

/// The top level: `adapter` and `core` joined by the internal interface.
///
/// Its ports are the clock and reset, the adapter's bus ports and every core port
/// outside the internal interface (the register fields' hardware ports), in that
/// order; the core's parameters are passed through.
pub fn top(name: &str, adapter: &Module, core: &Module, clocking: Clocking) -> Module {
    let clock_names: Vec<String> = clocking.ports().into_iter().map(|p| p.name).collect();
    let mut ports = clocking.ports();
    ports.extend(
        adapter
            .ports
            .iter()
            .filter(|p| !is_internal(&p.name) && !clock_names.contains(&p.name))
            .cloned(),
    );
    ports.extend(
        core.ports
            .iter()
            .filter(|p| !is_internal(&p.name) && !clock_names.contains(&p.name))
            .cloned(),
    );
    let params: Vec<Param> = core.params.clone();

    let mut items = vec![Item::comment("Internal request interface.")];
    for p in core.ports.iter().filter(|p| is_internal(&p.name)) {
        items.push(Item::wire(p.name.clone(), p.width));
    }
    items.push(Item::Blank);
    let by_name = |m: &Module| -> Vec<(String, super::ast::Expr)> {
        m.ports
            .iter()
            .map(|p| (p.name.clone(), id(p.name.clone())))
            .collect()
    };
    items.push(Item::Instance(Instance {
        module: adapter.name.clone(),
        name: "u_bus".into(),
        params: Vec::new(),
        conns: by_name(adapter),
    }));
    items.push(Item::Blank);
    items.push(Item::Instance(Instance {
        module: core.name.clone(),
        name: "u_regs".into(),
        params: core
            .params
            .iter()
            .map(|p| (p.name.clone(), id(p.name.clone())))
            .collect(),
        conns: by_name(core),
    }));
    Module {
        name: name.to_string(),
        header: vec![format!(
            "Top level: `{}` (bus adapter) driving `{}` (register core).",
            adapter.name, core.name
        )],
        params,
        ports,
        items,
    }
}
