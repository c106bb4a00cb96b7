//! twinreg's single source of truth: a SystemRDL 2.0 subset front end and the
//! elaborated register-map IR every back end is generated from.
//!
//! ```text
//! .rdl --lex--> tokens --parse--> AST --elaborate--> ir::RegisterMap
//! ```
//!
//! Without the default `frontend` feature the crate is only [`ir`] and [`access`]
//! (plain data, serde only), which is what generated register files link against.

#![warn(missing_docs)]

pub mod access;
pub mod ir;

pub use ir::SecSid;
