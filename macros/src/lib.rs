//! Proc-macros that turn the elaborated register map into a typed, banked Rust register file.
