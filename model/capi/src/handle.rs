//! The handle, its error reporting and panic containment, and the entry points that
//! operate on a live SMMU: lifecycle, MMIO, translation and statistics.

use std::cell::{Cell, RefCell, UnsafeCell};
use std::ffi::{c_char, c_void, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use smmu::{SecSid, Smmu};

use crate::config::config_from_c;
use crate::host::{HostCallbacks, HostInterrupts, HostMemory, TwinregHostCallbacks};
use crate::types::{
    request_from_c, store_translation, TwinregStats, TwinregTranslation, TwinregTranslationRequest,
};

/// What a call did.
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TwinregStatus {
    /// Success.
    Ok = 0,
    /// A required pointer was NULL.
    NullPointer = 1,
    /// An argument is out of range or malformed (an unknown enum value, a string
    /// that is not UTF-8, a request the model refuses such as a Secure stream on an
    /// SMMU without Secure state or a zero-sized access).
    InvalidArgument = 2,
    /// The configuration was refused: an unknown preset or knob, a value a knob
    /// cannot take, or a combination no SMMU has.
    Config = 3,
    /// A snapshot was refused (corrupt, truncated, another version or
    /// configuration, or a state this SMMU cannot reach). The SMMU is unchanged.
    Snapshot = 4,
    /// The output buffer is too small; the size needed was stored.
    BufferTooSmall = 5,
    /// The handle is already in a call on this thread: a callback called back into
    /// the SMMU that called it. Nothing was done.
    Busy = 6,
    /// An earlier call panicked inside the model; the handle refuses further use.
    Poisoned = 7,
    /// This call panicked inside the model (a bug: please report the message). The
    /// handle is now poisoned.
    Panic = 8,
}

/// An error of one call: its status and what to tell the caller.
pub(crate) struct Failure {
    pub status: TwinregStatus,
    pub message: String,
}

impl Failure {
    pub fn new(status: TwinregStatus, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
        }
    }

    pub fn null(what: &str) -> Failure {
        Failure::new(TwinregStatus::NullPointer, format!("`{what}` is NULL"))
    }

    pub fn invalid(message: impl Into<String>) -> Failure {
        Failure::new(TwinregStatus::InvalidArgument, message)
    }
}

/// Text for C: a `CString`, with any interior NUL (impossible in our messages, but
/// cheap to rule out) replaced.
pub(crate) fn c_string(text: &str) -> CString {
    CString::new(text.replace('\0', "\\0")).unwrap_or_default()
}

thread_local! {
    /// The error of the last failed call on this thread that had no handle to
    /// report it in (creation, or a NULL handle).
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

pub(crate) fn set_thread_error(message: &str) {
    // `try_`: never panic outside the panic guard (a thread being torn down, or a
    // borrow that cannot exist but costs nothing to rule out).
    let _ = LAST_ERROR.try_with(|e| {
        if let Ok(mut e) = e.try_borrow_mut() {
            *e = c_string(message);
        }
    });
}

/// The text of a caught panic.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    format!("internal error in the SMMU model (a bug; the handle is now unusable): {text}")
}

/// Runs `f` with a panic caught: a panic becomes [`TwinregStatus::Panic`].
pub(crate) fn contain<R>(f: impl FnOnce() -> Result<R, Failure>) -> Result<R, Failure> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => Err(Failure::new(
            TwinregStatus::Panic,
            panic_message(payload.as_ref()),
        )),
    }
}

/// The device as this ABI instantiates it.
pub(crate) type Device = Smmu<HostMemory, HostInterrupts>;

/// An SMMU (opaque): created by `twinreg_smmu_new`, destroyed by
/// `twinreg_smmu_free`.
// The device sits in an `UnsafeCell` and is only reached through `with_device`,
// which hands out the one `&mut` for the length of a call after checking `busy`, so
// a callback calling back into the same handle is refused before a second
// reference exists.
pub struct TwinregSmmu {
    device: UnsafeCell<Device>,
    busy: Cell<bool>,
    poisoned: Cell<bool>,
    last_error: RefCell<CString>,
}

// SAFETY: the device's only non-Send parts are the host's opaque pointer and
// function pointers, which the host gave us knowing the handle may move between
// threads (documented on `twinreg_smmu_new`). `TwinregSmmu` is not `Sync`: calls on
// one handle are serialised by the caller.
unsafe impl Send for TwinregSmmu {}

impl TwinregSmmu {
    fn set_error(&self, message: &str) {
        if let Ok(mut e) = self.last_error.try_borrow_mut() {
            *e = c_string(message);
        }
    }

    /// Runs `f` on the device: refuses a poisoned or busy handle, contains a panic
    /// (and poisons the handle), and records a failure's message.
    pub(crate) fn with_device<R>(
        &self,
        f: impl FnOnce(&mut Device) -> Result<R, Failure>,
    ) -> Result<R, TwinregStatus> {
        if self.poisoned.get() {
            return Err(TwinregStatus::Poisoned);
        }
        if self.busy.replace(true) {
            self.set_error("the SMMU was called from one of its own callbacks");
            return Err(TwinregStatus::Busy);
        }
        // SAFETY: `busy` guarantees this is the only live reference to the device
        // (it is set for the whole call, and nothing else dereferences the cell).
        let result = contain(|| f(unsafe { &mut *self.device.get() }));
        self.busy.set(false);
        result.map_err(|failure| {
            if failure.status == TwinregStatus::Panic {
                self.poisoned.set(true);
            }
            self.set_error(&failure.message);
            failure.status
        })
    }
}

/// Resolves a handle pointer; a NULL handle is reported per thread.
///
/// # Safety
/// `smmu` is NULL or a live handle from [`twinreg_smmu_new`].
pub(crate) unsafe fn handle<'a>(
    smmu: *const TwinregSmmu,
) -> Result<&'a TwinregSmmu, TwinregStatus> {
    // SAFETY: the caller's contract.
    match unsafe { smmu.as_ref() } {
        Some(handle) => Ok(handle),
        None => {
            set_thread_error("`smmu` is NULL");
            Err(TwinregStatus::NullPointer)
        }
    }
}

/// A status from a unit result.
pub(crate) fn status(result: Result<(), TwinregStatus>) -> TwinregStatus {
    result.err().unwrap_or(TwinregStatus::Ok)
}

/// Runs `f` on the device of `smmu` (see [`TwinregSmmu::with_device`]).
///
/// # Safety
/// `smmu` is NULL or a live handle.
pub(crate) unsafe fn on_device(
    smmu: *const TwinregSmmu,
    f: impl FnOnce(&mut Device) -> Result<(), Failure>,
) -> TwinregStatus {
    // SAFETY: the caller's contract.
    status(unsafe { handle(smmu) }.and_then(|h| h.with_device(f)))
}

/// Writes `value` through an out-pointer checked for NULL.
///
/// # Safety
/// `out` is NULL or valid for a write of `T`.
pub(crate) unsafe fn store<T>(out: *mut T, what: &str, value: T) -> Result<(), Failure> {
    if out.is_null() {
        return Err(Failure::null(what));
    }
    // SAFETY: non-NULL, and valid for writes by the caller's contract. `write`
    // does not read (or drop) what C left there.
    unsafe { out.write(value) };
    Ok(())
}

// ---------------------------------------------------------------------- lifecycle

/// Creates an SMMU at reset.
///
/// * `preset`: the configuration to start from (`"default"`, `"smmuv3.2"`,
///   `"qemu-7.2"`; see `twinreg_preset_name`), or NULL for `"default"`.
/// * `knobs`, `knob_count`: knobs overriding the preset, by name and as text
///   (`{"stage2", "false"}`, `{"oas", "44"}`); see `twinreg_knob_name`. Knobs
///   that depend on others and are not named follow them (no SEL2 without Secure
///   state and stage 2, no Hyp without both stages, no substreams without stage 1).
///   `knobs` may be NULL when `knob_count` is 0.
/// * `callbacks`: the host's functions (copied; `mem_read` and `mem_write` are
///   required). `opaque` is passed to every callback; it and the callbacks must
///   stay usable, from whichever thread uses the handle, until
///   `twinreg_smmu_free`.
///
/// Returns NULL on failure; `twinreg_last_error()` says why.
///
/// # Safety
/// `preset` and every key and value are NULL or NUL-terminated strings; `knobs`
/// points to `knob_count` entries; `callbacks` is NULL or points to a
/// `TwinregHostCallbacks`.
#[no_mangle]
pub unsafe extern "C" fn twinreg_smmu_new(
    preset: *const c_char,
    knobs: *const crate::config::TwinregKnob,
    knob_count: usize,
    callbacks: *const TwinregHostCallbacks,
    opaque: *mut c_void,
) -> *mut TwinregSmmu {
    let created = contain(|| {
        // SAFETY: the caller's contract, passed on.
        let config = unsafe { config_from_c(preset, knobs, knob_count) }?;
        // SAFETY: NULL-checked; valid by the caller's contract.
        let callbacks = unsafe { callbacks.as_ref() }.ok_or_else(|| Failure::null("callbacks"))?;
        let host = HostCallbacks::new(callbacks, opaque)?;
        let mut device = Smmu::new(config, HostMemory(host), HostInterrupts(host))
            .map_err(|e| Failure::new(TwinregStatus::Config, e.to_string()))?;
        if let Some(listener) = host.listener() {
            device.set_invalidation_listener(Box::new(listener));
        }
        Ok(Box::new(TwinregSmmu {
            device: UnsafeCell::new(device),
            busy: Cell::new(false),
            poisoned: Cell::new(false),
            last_error: RefCell::new(CString::default()),
        }))
    });
    match created {
        Ok(handle) => Box::into_raw(handle),
        Err(failure) => {
            set_thread_error(&failure.message);
            std::ptr::null_mut()
        }
    }
}

/// Destroys an SMMU (NULL is ignored). No callback is called.
///
/// # Safety
/// `smmu` is NULL or a live handle, not in use by any call; it is invalid after.
#[no_mangle]
pub unsafe extern "C" fn twinreg_smmu_free(smmu: *mut TwinregSmmu) {
    // SAFETY: NULL or a live handle by the caller's contract.
    let Some(handle) = (unsafe { smmu.as_ref() }) else {
        return;
    };
    if handle.busy.get() {
        // Freed from inside one of its own callbacks: leak it rather than pull the
        // device out from under the call that is running.
        set_thread_error("twinreg_smmu_free called from a callback of the same SMMU");
        return;
    }
    // SAFETY: a live handle from `Box::into_raw`, not in a call, given back exactly
    // once.
    drop(unsafe { Box::from_raw(smmu) });
}

/// Resets the SMMU (a system reset): every register to its reset value, caches
/// emptied. The invalidation callback is not called (nothing was invalidated by
/// software; an embedder caching translations drops them on reset itself).
///
/// # Safety
/// `smmu` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn twinreg_smmu_reset(smmu: *mut TwinregSmmu) -> TwinregStatus {
    let body = |device: &mut Device| {
        device.reset();
        Ok(())
    };
    // SAFETY: `smmu` is NULL or a live handle (the caller's contract).
    unsafe { on_device(smmu, body) }
}

/// The message of the last failed call on `smmu`: a NUL-terminated string owned
/// by the handle, valid until the next call on it; "" if no call has failed. With
/// a NULL `smmu`, the same as `twinreg_last_error()`.
///
/// # Safety
/// `smmu` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn twinreg_smmu_last_error(smmu: *const TwinregSmmu) -> *const c_char {
    // SAFETY: the caller's contract.
    match unsafe { smmu.as_ref() } {
        // `try_borrow`: a callback asking while the handle is reporting an error
        // cannot happen (reports are made after the device call), but a failed
        // borrow must not panic.
        Some(handle) => handle
            .last_error
            .try_borrow()
            .map_or(c"".as_ptr(), |e| e.as_ptr()),
        None => twinreg_last_error(),
    }
}

/// The message of the last failure on this thread that had no handle to report it
/// in: a failed `twinreg_smmu_new`, or a call with a NULL handle. Valid until the
/// next such failure on this thread.
#[no_mangle]
pub extern "C" fn twinreg_last_error() -> *const c_char {
    LAST_ERROR
        .try_with(|e| e.try_borrow().map_or(c"".as_ptr(), |e| e.as_ptr()))
        .unwrap_or(c"".as_ptr())
}

// ---------------------------------------------------------------------- MMIO

/// A software read of `size` bytes (4 or 8) at `offset` of the SMMU's MMIO window
/// (`twinreg_smmu_mmio_size()` bytes), by a Secure (`secure`) or Non-secure
/// access. The value read is stored in `*value`. As in hardware, undefined offsets,
/// unsupported sizes and Non-secure reads of Secure registers read as zero: that
/// is not an error.
///
/// # Safety
/// `smmu` is NULL or a live handle; `value` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn twinreg_smmu_mmio_read(
    smmu: *mut TwinregSmmu,
    offset: u64,
    size: u32,
    secure: bool,
    value: *mut u64,
) -> TwinregStatus {
    let body = |device: &mut Device| {
        let read = device.mmio_read(offset, size, security(secure));
        // SAFETY: `value` is NULL or valid for a write (the caller's contract).
        unsafe { store(value, "value", read) }
    };
    // SAFETY: `smmu` is NULL or a live handle (the caller's contract).
    unsafe { on_device(smmu, body) }
}

/// A software write of the low `size` bytes (4 or 8) of `value` at `offset`, by a
/// Secure or Non-secure access. Writes the register file ignores (read-only,
/// undefined, a Non-secure write to a Secure register, a guarded field) are not
/// errors. The SMMU's reaction (command consumption, with its callbacks) has
/// happened when this returns.
///
/// # Safety
/// `smmu` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn twinreg_smmu_mmio_write(
    smmu: *mut TwinregSmmu,
    offset: u64,
    size: u32,
    value: u64,
    secure: bool,
) -> TwinregStatus {
    let body = |device: &mut Device| {
        device.mmio_write(offset, size, value, security(secure));
        Ok(())
    };
    // SAFETY: `smmu` is NULL or a live handle (the caller's contract).
    unsafe { on_device(smmu, body) }
}

fn security(secure: bool) -> SecSid {
    if secure {
        SecSid::Secure
    } else {
        SecSid::NonSecure
    }
}

// ---------------------------------------------------------------------- translation

/// Translates one transaction (IHI0070 3.3) and stores the outcome in `*result`:
/// translated (output address, PAS, permissions, page size), bypassed, aborted
/// without an event, or faulted with the event (which went to the Event queue of
/// the stream's Security state if `event.recorded`). A fault is a successful call.
///
/// Errors (`TWINREG_STATUS_INVALID_ARGUMENT`) are requests the model cannot present
/// to this SMMU: unknown enum values, a Secure stream without Secure state, a
/// SubstreamID above 20 bits, a zero-sized access.
///
/// # Safety
/// `smmu` is NULL or a live handle; `request` is NULL or points to a request;
/// `result` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn twinreg_smmu_translate(
    smmu: *mut TwinregSmmu,
    request: *const TwinregTranslationRequest,
    result: *mut TwinregTranslation,
) -> TwinregStatus {
    let body = |device: &mut Device| {
        // SAFETY: NULL-checked; valid by the caller's contract.
        let request = unsafe { request.as_ref() }.ok_or_else(|| Failure::null("request"))?;
        if result.is_null() {
            return Err(Failure::null("result"));
        }
        let request = request_from_c(request)?;
        let outcome = device
            .translate(&request)
            .map_err(|e| Failure::invalid(e.to_string()))?;
        // SAFETY: `result` is non-NULL and valid for writes.
        unsafe { store_translation(result, outcome) };
        Ok(())
    };
    // SAFETY: `smmu` is NULL or a live handle (the caller's contract).
    unsafe { on_device(smmu, body) }
}

/// Stores the SMMU's counters in `*stats` (they count from creation; reset and
/// restore do not clear them).
///
/// # Safety
/// `smmu` is NULL or a live handle; `stats` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn twinreg_smmu_stats(
    smmu: *mut TwinregSmmu,
    stats: *mut TwinregStats,
) -> TwinregStatus {
    let body = |device: &mut Device| {
        let value = TwinregStats::new(device.stats(), device.translator().stats());
        // SAFETY: `stats` is NULL or valid for a write (the caller's contract).
        unsafe { store(stats, "stats", value) }
    };
    // SAFETY: `smmu` is NULL or a live handle (the caller's contract).
    unsafe { on_device(smmu, body) }
}

/// The size in bytes of the SMMU's MMIO window: the register map's extent rounded
/// up to whole 64 KB pages (IHI0070 6.1: the programming interface is made of 64 KB
/// pages; 0x20000 for this SMMU's two pages).
#[no_mangle]
pub extern "C" fn twinreg_smmu_mmio_size() -> u64 {
    const PAGE: u64 = 64 * 1024;
    let end = smmu::regfile::Reg::ALL
        .iter()
        .map(|r| r.address() + u64::from(r.width() / 8))
        .max()
        .unwrap_or(0);
    end.div_ceil(PAGE) * PAGE
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" fn no_memory(
        _: *mut c_void,
        _: crate::TwinregPas,
        _: u64,
        _: *mut u8,
        _: usize,
    ) -> bool {
        false
    }

    unsafe extern "C" fn no_memory_write(
        _: *mut c_void,
        _: crate::TwinregPas,
        _: u64,
        _: *const u8,
        _: usize,
    ) -> bool {
        false
    }

    fn new() -> *mut TwinregSmmu {
        let callbacks = TwinregHostCallbacks {
            mem_read: Some(no_memory),
            mem_write: Some(no_memory_write),
            ..TwinregHostCallbacks::default()
        };
        // SAFETY: valid callbacks; they ignore `opaque`.
        let smmu = unsafe {
            twinreg_smmu_new(
                std::ptr::null(),
                std::ptr::null(),
                0,
                &callbacks,
                std::ptr::null_mut(),
            )
        };
        assert!(!smmu.is_null());
        smmu
    }

    fn message(smmu: *const TwinregSmmu) -> String {
        // SAFETY: a live handle; a NUL-terminated string back.
        unsafe { std::ffi::CStr::from_ptr(twinreg_smmu_last_error(smmu)) }
            .to_string_lossy()
            .into_owned()
    }

    /// Every entry point runs the model through `with_device`; a panic there (a
    /// model bug: none is known, so one is made here) is reported, not unwound
    /// into C, and the handle refuses further use.
    #[test]
    fn a_panic_in_the_model_is_contained_and_poisons_the_handle() {
        let smmu = new();
        // SAFETY: a live handle.
        let handle = unsafe { &*smmu };
        let result = handle.with_device(|device| -> Result<(), Failure> {
            device.mmio_write(0x20, 4, 1, SecSid::NonSecure);
            panic!("the model broke an invariant");
        });
        assert_eq!(result, Err(TwinregStatus::Panic));
        assert_eq!(
            message(smmu),
            "internal error in the SMMU model (a bug; the handle is now unusable): the model \
             broke an invariant"
        );
        let mut value = 0;
        // SAFETY: a live (poisoned) handle.
        unsafe {
            assert_eq!(
                twinreg_smmu_mmio_read(smmu, 0, 4, false, &mut value),
                TwinregStatus::Poisoned
            );
            assert_eq!(twinreg_smmu_reset(smmu), TwinregStatus::Poisoned);
            // The message stays, and the handle can still be freed.
            assert!(message(smmu).contains("broke an invariant"));
            twinreg_smmu_free(smmu);
        }
        // A formatted panic message is reported too, and creation contains panics.
        let failure = contain(|| -> Result<(), Failure> { panic!("index {} out of range", 7) })
            .err()
            .map(|f| (f.status, f.message));
        assert_eq!(
            failure,
            Some((
                TwinregStatus::Panic,
                "internal error in the SMMU model (a bug; the handle is now unusable): index 7 \
                 out of range"
                    .to_string()
            ))
        );
    }

    #[test]
    fn a_call_from_inside_a_call_is_refused_without_touching_the_device() {
        let smmu = new();
        // SAFETY: a live handle.
        let handle = unsafe { &*smmu };
        let inner = handle.with_device(|_| {
            // What a callback calling back into its SMMU amounts to.
            let mut value = 0;
            // SAFETY: a live handle.
            let status = unsafe { twinreg_smmu_mmio_read(smmu, 0, 4, false, &mut value) };
            Ok((status, value))
        });
        assert_eq!(inner, Ok((TwinregStatus::Busy, 0)));
        // Freeing it from inside is refused too (and reported per thread).
        let freed = handle.with_device(|_| {
            // SAFETY: a live handle, in a call: the free must not happen.
            unsafe { twinreg_smmu_free(smmu) };
            Ok(())
        });
        assert_eq!(freed, Ok(()));
        // SAFETY: a NUL-terminated string.
        let thread = unsafe { std::ffi::CStr::from_ptr(twinreg_last_error()) };
        assert_eq!(
            thread.to_str(),
            Ok("twinreg_smmu_free called from a callback of the same SMMU")
        );
        let mut value = 0;
        // SAFETY: still live: the call after the calls works.
        unsafe {
            assert_eq!(
                twinreg_smmu_mmio_read(smmu, 0, 4, false, &mut value),
                TwinregStatus::Ok
            );
            assert_ne!(value, 0, "IDR0 of the default SMMU");
            twinreg_smmu_free(smmu);
        }
    }
}
