//! Co-simulation of twinreg's two register files: the generated Rust register file
//! (what the SMMUv3 emulator model runs on) and the generated Verilog RTL (what a
//! chip would use), checked against each other access by access.
//!
//! ```text
//!  directed / random (proptest) / SMMU model scenario
//!                     │
//!                  Trace (JSON Lines: bus accesses + hardware-side updates)
//!            ┌────────┴────────┐
//!   twin::Twin (Rust)      rtl::Design (Verilog) ── sim: iverilog / Verilator
//!   expected read data,    testbench or C++ harness reads the records,
//!   outputs, strobes  ───► drives APB3/4, AXI4-Lite, AHB-Lite or Avalon-MM, compares in the simulator
//!            └────────┬────────┘
//!              cosim::check -> Report (Pass, or Mismatch: step, register/field,
//!                              both values, context, VCD of the RTL run)
//! ```
//!
//! * [`trace`]: the trace format (serde, JSON Lines) and the conversion from the
//!   model's register-level trace.
//! * [`twin`]: runs a trace on the Rust register file and turns each step into
//!   [`record::Record`]s: the bus transactions, hardware-port drives and the expected
//!   read data and output signature.
//! * [`rtl`]: the generated RTL of a configuration and its hardware interface, found
//!   from the syntax trees of `hdl::verilog::modules` ([`mutate`] flips a rule in
//!   them to prove the check can fail).
//! * [`sim`]: testbenches (Verilog for iverilog, C++ for Verilator), cached builds,
//!   running and parsing.
//! * [`cosim`]: the check itself and the mismatch report.
//! * [`gen`]: directed traces for every access rule and random traces (proptest).
//! * [`scenarios`]: the shipped SMMU model scenarios as traces.
//!
//! See `verif/README.md` for the trace format, how to run and how to read a report.

#![warn(missing_docs)]

pub mod cosim;
pub mod gen;
pub mod mutate;
pub mod record;
pub mod regs;
pub mod rtl;
pub mod scenarios;
pub mod sim;
pub mod trace;
pub mod twin;

use std::path::Path;

pub use cosim::{check, Options, Report, Simulator};
pub use trace::{Step, Trace};

/// Why a check could not be carried out (a mismatch is not an error: it is a
/// [`cosim::Outcome`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A trace file line that cannot be read.
    #[error("{file}, line {line}: {message}")]
    Trace {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A step that names something the map or the RTL does not have.
    #[error("step {step}: {message}")]
    Step {
        /// Index of the step.
        step: usize,
        /// What is wrong.
        message: String,
    },
    /// A model trace record that does not fit the map.
    #[error("model trace record {record}: {message}")]
    Model {
        /// Index of the record.
        record: usize,
        /// What is wrong.
        message: String,
    },
    /// The header's configuration is not valid for the map.
    #[error("configuration: {0}")]
    Config(String),
    /// The RTL could not be generated, or its interface is not what the harness
    /// expects.
    #[error("RTL: {0}")]
    Rtl(String),
    /// A simulator is missing, failed to build the testbench or crashed.
    #[error("{tool}: {message}")]
    Tool {
        /// The tool.
        tool: String,
        /// What happened, with its output.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The SMMU model could not run a scenario.
    #[error("scenario {name}: {message}")]
    Scenario {
        /// The scenario.
        name: String,
        /// What happened.
        message: String,
    },
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }

    pub(crate) fn tool(tool: &str, message: impl Into<String>) -> Error {
        Error::Tool {
            tool: tool.to_string(),
            message: message.into(),
        }
    }
}
