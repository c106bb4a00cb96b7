//! twinreg's single source of truth: a SystemRDL 2.0 subset front end and the
//! elaborated register-map IR every back end is generated from.
//!
//! ```text
//! .rdl --lex--> tokens --parse--> AST --elaborate--> ir::RegisterMap --> back ends
//! ```
//!
//! With the default `frontend` feature:
//!
//! ```
//! let map = regdef::compile_source(
//!     "demo.rdl",
//!     "addrmap demo { reg { field { sw = rw; } en[0:0] = 0; } ctrl @ 0x4; };",
//! )?;
//! assert_eq!(map.registers[0].path, "demo.ctrl");
//! assert_eq!(map.registers[0].address, 0x4);
//! # Ok::<(), regdef::Diagnostics>(())
//! ```
//!
//! Without it the crate is only [`ir`] and [`access`] (plain data, serde only),
//! which is what generated register files link against; the `dump` feature adds
//! the JSON view of the IR.

#![warn(missing_docs)]

pub mod access;
#[cfg(feature = "dump")]
pub mod dump;
#[cfg(feature = "frontend")]
pub mod frontend;
pub mod ir;

#[cfg(feature = "frontend")]
pub use frontend::{compile_file, compile_source, Compiler, Diagnostic, Diagnostics, Severity};
pub use ir::SecSid;
