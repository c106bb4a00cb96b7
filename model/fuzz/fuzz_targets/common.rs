//! What both fuzz targets share: the guest memory layout and a byte reader over the
//! fuzzer's input. Each target uses a part of it.
#![allow(dead_code)]

/// Base of the Non-secure guest memory.
pub const NS_BASE: u64 = 0x4000_0000;
/// Base of the Secure guest memory.
pub const S_BASE: u64 = 0x0E00_0000;
/// Size of each memory (a power of two: offsets are masked with `SIZE - 1`).
pub const SIZE: u64 = 0x2_0000;

/// The fuzzer's bytes, consumed from the front; `None` once they run out.
pub struct Input<'a>(pub &'a [u8]);

impl Input<'_> {
    pub fn u8(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    pub fn u64(&mut self) -> Option<u64> {
        let (head, rest) = self.0.split_at_checked(8)?;
        self.0 = rest;
        Some(u64::from_le_bytes(head.try_into().ok()?))
    }
}
