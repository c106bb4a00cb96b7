//! IR -> Verilog-2005 register blocks, C header and register docs.
