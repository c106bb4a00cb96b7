//! IR -> Verilog-2005 register blocks with APB4 and AXI4-Lite front ends.
//!
//! The only entry point most users need is [`verilog::generate`]. The C header and
//! the register documentation will live here too (a later task).

#![warn(missing_docs)]

pub mod verilog;
