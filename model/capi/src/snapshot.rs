//! Migration: the model's snapshot in a checked envelope.
//!
//! The bytes are a 20-byte header and the model's snapshot
//! ([`smmu::Snapshot::to_json`], which carries its own format name and version):
//!
//! | Offset | Size | Content |
//! |---|---|---|
//! | 0 | 8 | magic `TWRGSMMU` |
//! | 8 | 4 | envelope version ([`TWINREG_SNAPSHOT_VERSION`]), little-endian |
//! | 12 | 4 | payload length in bytes, little-endian |
//! | 16 | 4 | CRC-32 (IEEE 802.3) of the payload, little-endian |
//! | 20 | n | payload: the model's snapshot, JSON |
//!
//! The checksum is what makes a corrupted byte an error: the model validates the
//! state it is given (ID registers of the same configuration, reachable states),
//! but a flipped bit in a queue base is a state as valid as any other.

use smmu::Snapshot;

use crate::config::copy_out;
use crate::handle::{on_device, Device, Failure, TwinregSmmu, TwinregStatus};

/// The first 8 bytes of every snapshot.
const MAGIC: [u8; 8] = *b"TWRGSMMU";

/// The version of the snapshot envelope this library writes and reads.
pub const TWINREG_SNAPSHOT_VERSION: u32 = 1;

const HEADER: usize = 20;

fn snapshot_error(message: impl Into<String>) -> Failure {
    Failure::new(TwinregStatus::Snapshot, message)
}

/// The envelope around a model snapshot.
pub(crate) fn seal(snapshot: &Snapshot) -> Vec<u8> {
    let payload = snapshot.to_json().into_bytes();
    let mut bytes = Vec::with_capacity(HEADER + payload.len());
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&TWINREG_SNAPSHOT_VERSION.to_le_bytes());
    // A snapshot is a few kilobytes of register values; it cannot reach 4 GB.
    bytes.extend_from_slice(
        &u32::try_from(payload.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes(),
    );
    bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    bytes.extend_from_slice(&payload);
    bytes
}

fn le32(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

/// The model snapshot inside an envelope, checked.
pub(crate) fn open(bytes: &[u8]) -> Result<Snapshot, Failure> {
    if bytes.len() < HEADER {
        return Err(snapshot_error(format!(
            "truncated snapshot: {} bytes, shorter than its {HEADER}-byte header",
            bytes.len()
        )));
    }
    if bytes[..8] != MAGIC {
        return Err(snapshot_error("not a twinreg SMMU snapshot (bad magic)"));
    }
    let version = le32(bytes, 8);
    if version != TWINREG_SNAPSHOT_VERSION {
        return Err(snapshot_error(format!(
            "snapshot envelope version {version} is not supported (this library reads version \
             {TWINREG_SNAPSHOT_VERSION})"
        )));
    }
    let payload = &bytes[HEADER..];
    let length = le32(bytes, 12) as usize;
    if payload.len() != length {
        return Err(snapshot_error(format!(
            "snapshot payload is {} bytes, its header says {length} (truncated or padded)",
            payload.len()
        )));
    }
    if crc32fast::hash(payload) != le32(bytes, 16) {
        return Err(snapshot_error(
            "corrupt snapshot: the payload checksum does not match",
        ));
    }
    let text = std::str::from_utf8(payload)
        .map_err(|_| snapshot_error("malformed snapshot: the payload is not UTF-8"))?;
    Snapshot::from_json(text).map_err(|e| snapshot_error(e.to_string()))
}

/// Writes the SMMU's architectural state (both banks' registers) to `buf` of
/// `capacity` bytes and its size to `*length`. With a too-small buffer (or
/// `capacity` 0 and a NULL `buf`, to ask for the size) nothing is written and
/// `TWINREG_STATUS_BUFFER_TOO_SMALL` is returned with the size in `*length`.
///
/// Nothing is pending between two calls (every command, event and MSI completes
/// within the call that caused it), so the registers are the whole state; caches
/// are not state. The bytes are versioned and checksummed (see
/// `twinreg_smmu_restore`).
///
/// # Safety
/// `smmu` is NULL or a live handle; `buf` NULL or valid for `capacity` bytes;
/// `length` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn twinreg_smmu_snapshot(
    smmu: *mut TwinregSmmu,
    buf: *mut u8,
    capacity: usize,
    length: *mut usize,
) -> TwinregStatus {
    let body = |device: &mut Device| {
        let bytes = seal(&device.snapshot());
        // SAFETY: the caller's contract.
        unsafe { copy_out(&bytes, buf, capacity, length, false) }
    };
    // SAFETY: `smmu` is NULL or a live handle (the caller's contract).
    unsafe { on_device(smmu, body) }
}

/// Replaces the SMMU's state with a snapshot from `twinreg_smmu_snapshot` of an
/// SMMU with the same configuration. Refused with `TWINREG_STATUS_SNAPSHOT`, the
/// SMMU unchanged: truncated or corrupted bytes (checksum), another envelope or
/// model snapshot version, another configuration (ID registers), or a state this
/// SMMU cannot reach. On success the caches are empty and the invalidation
/// callback is told (`TWINREG_INVALIDATION_KIND_ALL`).
///
/// # Safety
/// `smmu` is NULL or a live handle; `data` NULL or valid for `length` bytes.
#[no_mangle]
pub unsafe extern "C" fn twinreg_smmu_restore(
    smmu: *mut TwinregSmmu,
    data: *const u8,
    length: usize,
) -> TwinregStatus {
    let body = |device: &mut Device| {
        if data.is_null() {
            return Err(Failure::null("data"));
        }
        // SAFETY: non-NULL and valid for `length` bytes by the caller's contract.
        let bytes = unsafe { std::slice::from_raw_parts(data, length) };
        let snapshot = open(bytes)?;
        device
            .restore(&snapshot)
            .map_err(|e| snapshot_error(e.to_string()))
    };
    // SAFETY: `smmu` is NULL or a live handle (the caller's contract).
    unsafe { on_device(smmu, body) }
}
