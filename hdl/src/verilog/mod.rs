//! IR -> Verilog-2005: the syntax tree, its printer and checker, the bus adapters and
//! the register-block generator.
//!
//! ```text
//! RegisterMap --regblock--> ast::Module (core) --+--> check --> print --> <top>_regs.v
//!                bus::adapter (APB3/4, AXI4-Lite, --+                    <top>_<bus>_slave.v
//!                  AHB-Lite, Avalon-MM)
//!                bus::top (adapter + core) ---------+                    <top>_<bus>.v
//! ```
//!
//! [`generate`] is the entry point for the command-line tool.

use regdef::access::Completion;
use regdef::ir::RegisterMap;

pub mod ast;
pub mod bus;
pub mod check;
mod fxhash;
pub mod keywords;
pub mod print;
pub mod regblock;

use ast::{id, Always, Edge, Expr, Item, Module, Port, Sensitivity, Stmt, UnaryOp};

/// A bus front end.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bus {
    /// AMBA APB3 completer (no PSTRB, no PPROT), zero wait states.
    Apb3,
    /// AMBA APB4 completer, zero wait states.
    Apb4,
    /// AMBA AXI4-Lite slave.
    Axi4Lite,
    /// AMBA AHB-Lite slave (AHB5's HNONSEC for security).
    AhbLite,
    /// Intel Avalon-MM agent with pipelined reads.
    Avalon,
}

impl Bus {
    /// Every bus.
    pub const ALL: [Bus; 5] = [
        Bus::Apb3,
        Bus::Apb4,
        Bus::Axi4Lite,
        Bus::AhbLite,
        Bus::Avalon,
    ];

    /// What `twinreg generate` writes when `--bus` is not given.
    pub const DEFAULT: [Bus; 2] = [Bus::Apb4, Bus::Axi4Lite];

    /// Suffix of the generated module names (`apb3`, `apb4`, `axi4lite`, `ahblite`,
    /// `avalon`), also the name `--bus` takes.
    pub const fn suffix(self) -> &'static str {
        match self {
            Bus::Apb3 => "apb3",
            Bus::Apb4 => "apb4",
            Bus::Axi4Lite => "axi4lite",
            Bus::AhbLite => "ahblite",
            Bus::Avalon => "avalon",
        }
    }

    /// Whether the bus can write any subset of a word's bytes (APB4, AXI4-Lite and
    /// Avalon-MM have per-byte strobes); AHB-Lite writes the aligned byte, halfword
    /// or word HSIZE names, and APB3 whole words only.
    pub const fn any_strobes(self) -> bool {
        matches!(self, Bus::Apb4 | Bus::Axi4Lite | Bus::Avalon)
    }
}

impl std::str::FromStr for Bus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Bus::ALL
            .into_iter()
            .find(|b| b.suffix() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Bus::ALL.iter().map(|b| b.suffix()).collect();
                format!("unknown bus `{s}` (one of {}, or all)", names.join(", "))
            })
    }
}

/// How the bus front ends answer an access to an unmapped address, to an absent
/// register or to a Secure register from Non-secure.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum BusErrors {
    /// Read as zero, writes ignored, OKAY response (IHI0070 6.2: Arm recommends not
    /// aborting). The core has no error output.
    #[default]
    RazWi,
    /// The same RAZ/WI effect, but the response is an error: PSLVERR, SLVERR,
    /// HRESP=ERROR, Avalon SLAVEERROR. The core gets an `rsp_error` output.
    Error,
}

/// Reset of every flip-flop.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum ResetStyle {
    /// Synchronous, active high: input `rst`.
    #[default]
    SyncHigh,
    /// Asynchronous assertion, active low: input `rst_n`. Deassertion must be
    /// synchronised to `clk` outside the block, as usual.
    AsyncLow,
}

/// Clock and reset of a generated module: port names and the flip-flop template.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Clocking {
    /// Reset style.
    pub reset: ResetStyle,
}

impl Clocking {
    /// Name of the clock input.
    pub const CLOCK: &'static str = "clk";

    /// Name of the reset input.
    pub const fn reset_name(self) -> &'static str {
        match self.reset {
            ResetStyle::SyncHigh => "rst",
            ResetStyle::AsyncLow => "rst_n",
        }
    }

    /// The clock and reset ports.
    pub fn ports(self) -> Vec<Port> {
        let comment = match self.reset {
            ResetStyle::SyncHigh => "Clock; synchronous active-high reset.",
            ResetStyle::AsyncLow => "Clock; asynchronous active-low reset.",
        };
        vec![
            Port::input(Self::CLOCK, 1).with_comment(comment),
            Port::input(self.reset_name(), 1),
        ]
    }

    /// `always @(posedge clk ...) if (<reset>) <resets> else <run>`.
    pub fn ff(self, resets: &[(&str, Expr)], run: Vec<Stmt>) -> Item {
        let reset_body: Vec<Stmt> = resets
            .iter()
            .map(|(n, v)| Stmt::nonblocking(id(*n), v.clone()))
            .collect();
        let (cond, async_reset) = match self.reset {
            ResetStyle::SyncHigh => (id("rst"), None),
            ResetStyle::AsyncLow => (
                Expr::Unary(UnaryOp::LogicNot, Box::new(id("rst_n"))),
                Some(("rst_n".to_string(), Edge::Neg)),
            ),
        };
        Item::Always(Always {
            sens: Sensitivity::Clocked {
                clock: Self::CLOCK.into(),
                async_reset,
            },
            body: vec![Stmt::if_else(cond, reset_body, run)],
        })
    }
}

/// Options of the Verilog back end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerilogOptions {
    /// Bus front ends to generate (an adapter and a top level each). The register
    /// core is generated once whatever this holds.
    pub buses: Vec<Bus>,
    /// Reset style of every flip-flop.
    pub reset: ResetStyle,
    /// Completion of ACK mirrors and update handshakes; see `hdl/README.md`.
    pub completion: Completion,
    /// Responses to unmapped and forbidden accesses.
    pub errors: BusErrors,
}

impl Default for VerilogOptions {
    fn default() -> Self {
        VerilogOptions {
            buses: Bus::DEFAULT.to_vec(),
            reset: ResetStyle::default(),
            completion: regdef::ir::DEFAULT_COMPLETION,
            errors: BusErrors::default(),
        }
    }
}

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// File name (no directory), e.g. `smmuv3_regs.v`.
    pub name: String,
    /// Contents.
    pub contents: String,
}

/// Why Verilog could not be generated.
#[derive(Debug)]
pub enum GenerateError {
    /// The map uses something the RTL back end does not implement.
    Unsupported {
        /// Where (a register or field path).
        path: String,
        /// What.
        what: String,
    },
    /// Generated modules failed the structural check: names that clash after
    /// flattening or keyword renaming, or a generator bug.
    Check(Vec<check::CheckError>),
}

impl std::fmt::Display for GenerateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GenerateError::Unsupported { path, what } => write!(f, "{path}: {what}"),
            GenerateError::Check(errors) => {
                write!(f, "generated Verilog failed its checks:")?;
                for e in errors {
                    write!(f, "\n  {e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for GenerateError {}

/// Name of the register core module of `map`: `<top>_regs`.
pub fn core_name(map: &RegisterMap) -> String {
    format!("{}_regs", map.top)
}

/// The [`regdef::ir::Feature`]s the RTL implements; a map using any other is refused
/// by name before anything is generated.
pub const IMPLEMENTS: &[regdef::ir::Feature] = &[];

/// Every module, checked: the core first, then per bus its adapter and top level.
pub fn modules(map: &RegisterMap, opts: &VerilogOptions) -> Result<Vec<Module>, GenerateError> {
    map.require("the Verilog generator", IMPLEMENTS)
        .map_err(|u| GenerateError::Unsupported {
            path: u.path.clone(),
            what: u.to_string(),
        })?;
    let clocking = Clocking { reset: opts.reset };
    let core = regblock::build(map, &core_name(map), clocking, opts.completion, opts.errors)?;
    let addr_width = regblock::addr_width(map);
    let mut out = vec![core];
    let mut buses = opts.buses.clone();
    buses.sort();
    buses.dedup();
    for bus in buses {
        let adapter_name = format!("{}_{}_slave", map.top, bus.suffix());
        let adapter = bus::adapter(bus, &adapter_name, addr_width, clocking, opts.errors);
        let top = bus::top(
            &format!("{}_{}", map.top, bus.suffix()),
            &adapter,
            &out[0],
            clocking,
        );
        out.push(adapter);
        out.push(top);
    }
    check::check_design(&out).map_err(GenerateError::Check)?;
    Ok(out)
}

/// Generates the Verilog files of `map`: `<top>_regs.v`, and per bus
/// `<top>_<bus>_slave.v` and `<top>_<bus>.v` (one module per file, named after it).
pub fn generate(
    map: &RegisterMap,
    opts: &VerilogOptions,
) -> Result<Vec<GeneratedFile>, GenerateError> {
    let banner = format!(
        "// Generated by twinreg from the `{}` register map: do not edit; change the\n\
         // .rdl and regenerate. Reset: {}. Completion: {}.\n\n",
        map.top,
        match opts.reset {
            ResetStyle::SyncHigh => "synchronous, active high (rst)",
            ResetStyle::AsyncLow => "asynchronous, active low (rst_n)",
        },
        match opts.completion {
            Completion::Immediate => "immediate",
            Completion::Handshake => "handshake",
        },
    );
    Ok(modules(map, opts)?
        .iter()
        .map(|m| GeneratedFile {
            name: format!("{}.v", m.name),
            contents: format!("{banner}{}", print::module(m)),
        })
        .collect())
}
