//! Runtime support shared by every register file that
//! `twinreg_macros::register_file!` generates.
//!
//! The generated code is boring on purpose: typed register values, a `Reg` enum, an
//! offset decoder (`match`), per-register `static` descriptors ([`desc`]) and thin
//! methods. Everything that decides what an access does lives here, once:
//!
//! * [`Core`] stores the registers and applies the IR's access units
//!   ([`regdef::access`]) from the descriptors: gates, guards, write and read rules,
//!   write-once, singlepulse, ACK mirrors and update completion, hardware inputs.
//! * [`policy`] is the access-size policy (byte lanes, 64-bit halves, RAZ/WI).
//! * [`effect`] holds what an access did ([`WriteEffect`], [`ReadEffect`],
//!   [`HwEffect`]): small `Copy` values the behaviour layer reacts to.
//! * [`snapshot`] is the serde form (by register path, validated on restore) and
//!   [`debug`] the decoded `Debug` output.
//!
//! A user depends on `twinreg-runtime` and `twinreg-macros` only: the types that
//! generated code and its users need are re-exported here ([`SecSid`] is the one
//! security type of the workspace).
//!
//! # Access-size policy
//!
//! See [`policy`]: aligned 1-, 2- and 4-byte accesses act on the bytes they cover,
//! an aligned 8-byte access to a 64-bit register acts on the whole register, and
//! anything else is RAZ/WI and reported ([`Outcome::Refused`]). Undefined offsets
//! are RAZ/WI ([`Outcome::Unmapped`]).

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod core;
pub mod debug;
pub mod desc;
pub mod effect;
pub mod policy;
pub mod snapshot;

pub use crate::core::Core;
pub use crate::effect::{
    FieldSet, HwEffect, HwError, HwInput, Mirror, Outcome, ReadEffect, RegisterId, Rejection,
    WriteEffect, WriteExtras,
};
pub use crate::policy::AccessError;
pub use regdef::access::{Completion, ReadRule, WriteGate, WriteRule};
pub use regdef::ir::{FieldRef, GuardTerm, RegId, SecSid};

/// The IR crate, for generated code and tools (`regdef::ir`, `regdef::access`).
pub use regdef;
/// The serde version generated `Serialize`/`Deserialize` impls are written against.
pub use serde;
