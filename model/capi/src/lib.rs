//! The C ABI of twinreg's SMMUv3 model (`libtwinreg.a`, `libtwinreg.so`,
//! `include/twinreg.h`), for emulators written in C: QEMU, gem5, platform models.
//!
//! The ABI is thin: every function converts its arguments, calls the Rust model
//! ([`smmu::Smmu`]) and converts the result. No SMMU behaviour lives here.
//!
//! # The contract (also in the header)
//!
//! * **Handles.** A `TwinregSmmu *` from [`twinreg_smmu_new`] is opaque and owned by
//!   the caller until [`twinreg_smmu_free`].
//! * **Errors.** Functions return a [`TwinregStatus`]; on failure
//!   [`twinreg_smmu_last_error`] describes it (until the next failing call on that
//!   handle). A failed [`twinreg_smmu_new`] returns NULL and
//!   [`twinreg_last_error`] (per thread) says why.
//! * **No panic crosses the ABI.** Every entry point that runs the model catches a
//!   panic, returns [`TwinregStatus::Panic`] with the message, and *poisons* the handle:
//!   from then on it refuses every call but `twinreg_smmu_last_error` and
//!   `twinreg_smmu_free`, since its state may be half-updated. The others (tables,
//!   error strings, sizes) have no path that panics. Pointers are checked
//!   for NULL; values C hands to Rust are plain integers, so an out-of-range value
//!   is an error ([`TwinregStatus::InvalidArgument`]), never undefined behaviour.
//! * **Threads.** A handle may move between threads (it is `Send`) but must not be
//!   used by two threads at once: the caller serialises calls on one handle (QEMU's
//!   global lock does). Different handles are independent. Callbacks run on the
//!   calling thread, inside the call that caused them.
//! * **Callbacks** must not call back into the *same* handle (such a call returns
//!   [`TwinregStatus::Busy`] and does nothing); they may use other handles.
//! * **Versioning.** [`TWINREG_ABI_VERSION`] changes whenever a struct layout or a
//!   function signature changes; check [`twinreg_abi_version`] against the header's
//!   value. Configuration knobs are passed by name, so new knobs never change the ABI.

#![warn(missing_docs)]
// Every `extern "C"` entry point takes raw pointers from C and checks them for NULL
// before use; the remaining obligations (valid, aligned, live for the call) are the
// caller's, as documented on each function.
#![allow(clippy::missing_safety_doc)]

mod config;
mod handle;
mod host;
mod snapshot;
mod types;

pub use config::*;
pub use handle::*;
pub use host::*;
pub use snapshot::*;
pub use types::*;

/// The ABI version this library implements: the value of `TWINREG_ABI_VERSION` in
/// the `twinreg.h` it was built with. It changes whenever a struct layout or a
/// function signature changes (new functions and new knobs do not change it).
pub const TWINREG_ABI_VERSION: u32 = 1;

/// The ABI version of the library actually linked; compare it with
/// `TWINREG_ABI_VERSION` from the header.
#[no_mangle]
pub extern "C" fn twinreg_abi_version() -> u32 {
    TWINREG_ABI_VERSION
}
