//! `twinreg`: one register definition -> emulator register file, RTL, C header, docs.
fn main() {}
