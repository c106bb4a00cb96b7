//! Configuration by name: presets and knobs (the model's one table,
//! [`SmmuConfig::knobs`]), their introspection, and event names.

use std::ffi::{c_char, CStr, CString};
use std::sync::OnceLock;

use smmu::config::KnobValue;
use smmu::{EventType, SmmuConfig};

use crate::handle::{c_string, handle, status, store, Failure, TwinregSmmu, TwinregStatus};

/// One knob setting: a knob's name and its value as text.
///
/// Values: booleans `true`/`false` (or `on`/`off`, `yes`/`no`, `1`/`0`); integers
/// in decimal or `0x` hex; `oas` in bits; `granules` as a list such as `4k,64k`;
/// `stall_model` by name. `twinreg_knob_name` lists the knobs.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct TwinregKnob {
    /// The knob's name (NUL-terminated).
    pub key: *const c_char,
    /// Its value as text (NUL-terminated).
    pub value: *const c_char,
}

/// A C string argument as UTF-8.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string.
unsafe fn text<'a>(ptr: *const c_char, what: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(what));
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    unsafe { CStr::from_ptr(ptr) }
        .to_str()
        .map_err(|_| Failure::invalid(format!("`{what}` is not UTF-8")))
}

fn config_error(e: impl std::fmt::Display) -> Failure {
    Failure::new(TwinregStatus::Config, e.to_string())
}

/// The configuration named by a preset (NULL: `default`) and knob overrides.
///
/// # Safety
/// As for [`twinreg_smmu_new`](crate::twinreg_smmu_new).
pub(crate) unsafe fn config_from_c(
    preset: *const c_char,
    knobs: *const TwinregKnob,
    count: usize,
) -> Result<SmmuConfig, Failure> {
    let base = if preset.is_null() {
        SmmuConfig::default()
    } else {
        // SAFETY: the caller's contract.
        SmmuConfig::preset(unsafe { text(preset, "preset") }?).map_err(config_error)?
    };
    let knobs: &[TwinregKnob] = match (knobs.is_null(), count) {
        (_, 0) => &[],
        (true, _) => return Err(Failure::null("knobs")),
        // SAFETY: `count` entries by the caller's contract.
        (false, _) => unsafe { std::slice::from_raw_parts(knobs, count) },
    };
    let mut overrides = Vec::with_capacity(knobs.len());
    for (i, knob) in knobs.iter().enumerate() {
        // SAFETY: the caller's contract.
        let key = unsafe { text(knob.key, &format!("knobs[{i}].key")) }?;
        // SAFETY: the caller's contract.
        let value = unsafe { text(knob.value, &format!("knobs[{i}].value")) }?;
        overrides.push((key, KnobValue::Text(value)));
    }
    let config = base.with_overrides(overrides).map_err(config_error)?;
    config.validate().map_err(config_error)?;
    Ok(config)
}

/// The names and documentation of the knobs and presets, and the event names, as
/// C strings that live as long as the library.
struct Names {
    knobs: Vec<[CString; 3]>,
    presets: Vec<[CString; 2]>,
    events: Vec<(u8, CString)>,
}

fn names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| Names {
        knobs: SmmuConfig::knobs()
            .iter()
            .map(|k| [c_string(k.name), c_string(k.doc), c_string(k.expected)])
            .collect(),
        presets: SmmuConfig::presets()
            .iter()
            .map(|p| [c_string(p.name), c_string(p.doc)])
            .collect(),
        events: EventType::ALL
            .iter()
            .map(|t| (t.code(), c_string(t.name())))
            .collect(),
    })
}

fn listed<const N: usize>(list: &[[CString; N]], index: usize, column: usize) -> *const c_char {
    list.get(index)
        .map_or(std::ptr::null(), |row| row[column].as_ptr())
}

/// The number of configuration knobs.
#[no_mangle]
pub extern "C" fn twinreg_knob_count() -> usize {
    SmmuConfig::knobs().len()
}

/// The name of knob `index` (`"stage2"`, `"oas"`, ...), or NULL past the last. The
/// string lives as long as the library.
#[no_mangle]
pub extern "C" fn twinreg_knob_name(index: usize) -> *const c_char {
    listed(&names().knobs, index, 0)
}

/// What knob `index` stands for (its ID register field), or NULL past the last.
#[no_mangle]
pub extern "C" fn twinreg_knob_doc(index: usize) -> *const c_char {
    listed(&names().knobs, index, 1)
}

/// The values knob `index` takes, in words, or NULL past the last.
#[no_mangle]
pub extern "C" fn twinreg_knob_values(index: usize) -> *const c_char {
    listed(&names().knobs, index, 2)
}

/// The number of presets.
#[no_mangle]
pub extern "C" fn twinreg_preset_count() -> usize {
    SmmuConfig::presets().len()
}

/// The name of preset `index` (`"default"`, `"qemu-7.2"`, ...), or NULL past the
/// last.
#[no_mangle]
pub extern "C" fn twinreg_preset_name(index: usize) -> *const c_char {
    listed(&names().presets, index, 0)
}

/// What preset `index` models, or NULL past the last.
#[no_mangle]
pub extern "C" fn twinreg_preset_doc(index: usize) -> *const c_char {
    listed(&names().presets, index, 1)
}

/// The architecture's name of event number `code` (`"F_TRANSLATION"` for 0x10), or
/// NULL for a number this SMMU never records.
#[no_mangle]
pub extern "C" fn twinreg_event_name(code: u8) -> *const c_char {
    names()
        .events
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(std::ptr::null(), |(_, name)| name.as_ptr())
}

/// The value of knob `key` in this SMMU's configuration, as NUL-terminated text
/// (the form `TwinregKnob.value` takes) in `buf` of `capacity` bytes. `*length` gets
/// the text's length without the NUL; if it does not fit, nothing is written and
/// `TWINREG_STATUS_BUFFER_TOO_SMALL` is returned.
///
/// # Safety
/// `smmu` is NULL or a live handle; `key` NULL or a NUL-terminated string; `buf`
/// NULL or valid for `capacity` bytes; `length` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn twinreg_smmu_config_get(
    smmu: *mut TwinregSmmu,
    key: *const c_char,
    buf: *mut c_char,
    capacity: usize,
    length: *mut usize,
) -> TwinregStatus {
    // SAFETY: the caller's contract.
    status(unsafe { handle(smmu) }.and_then(|h| {
        h.with_device(|device| {
            // SAFETY: the caller's contract.
            let key = unsafe { text(key, "key") }?;
            let value = device.config().get(key).map_err(config_error)?;
            // SAFETY: the caller's contract.
            unsafe { copy_out(value.as_bytes(), buf.cast(), capacity, length, true) }
        })
    }))
}

/// Copies `bytes` (with a NUL after them if `nul`) to `buf`, storing the length
/// (without the NUL) in `*length`.
///
/// # Safety
/// `buf` NULL or valid for `capacity` bytes; `length` NULL or valid for a write.
pub(crate) unsafe fn copy_out(
    bytes: &[u8],
    buf: *mut u8,
    capacity: usize,
    length: *mut usize,
    nul: bool,
) -> Result<(), Failure> {
    // SAFETY: the caller's contract.
    unsafe { store(length, "length", bytes.len()) }?;
    let needed = bytes.len() + usize::from(nul);
    if capacity < needed {
        return Err(Failure::new(
            TwinregStatus::BufferTooSmall,
            format!("{needed} bytes are needed, the buffer has {capacity}"),
        ));
    }
    if buf.is_null() {
        return Err(Failure::null("buf"));
    }
    // SAFETY: `buf` is valid for `capacity >= needed` bytes; the source is ours.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf, bytes.len());
        if nul {
            buf.add(bytes.len()).write(0);
        }
    }
    Ok(())
}
