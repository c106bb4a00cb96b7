//! The access-size policy: which bus accesses reach which bits.
//!
//! IHI0070 6.2 requires aligned 32-bit accesses to 32-bit registers and to each half
//! of a 64-bit register, and aligned 64-bit accesses to 64-bit registers; anything
//! else is CONSTRAINED UNPREDICTABLE (RAZ/WI, act on the spanned registers, or
//! abort; Arm recommends not aborting). twinreg picks, to match the RTL's byte
//! strobes exactly:
//!
//! | Access | Effect |
//! |---|---|
//! | aligned 1, 2 or 4 bytes | acts on the bytes it covers (byte strobes); a 64-bit register's half is one 32-bit word |
//! | aligned 8 bytes to a 64-bit register | acts on the whole register |
//! | 8 bytes to a 32-bit register | RAZ/WI, reported as [`AccessError::TooWide`] |
//! | unaligned (offset not a multiple of the size) | RAZ/WI, reported as [`AccessError::Unaligned`] |
//! | any other size (0, 3, 5-7, more than 8) | RAZ/WI, reported as [`AccessError::Size`] |
//!
//! Reads carry no byte enables on APB or AXI4-Lite: the RTL reads the whole 32-bit
//! word and the master picks its bytes. So a narrow read returns the bytes it covers
//! (right-aligned, the usual MMIO convention), but its side effects (`rclr`, `rset`)
//! and `swacc` strobes act on every field of each 32-bit word it touches, exactly as
//! in the RTL.

use std::fmt;

use crate::desc::RegDesc;

/// Why an access was refused (RAZ/WI).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum AccessError {
    /// The size is not 1, 2, 4 or 8 bytes.
    Size,
    /// The offset is not a multiple of the size.
    Unaligned,
    /// An 8-byte access to a register narrower than 64 bits.
    TooWide,
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AccessError::Size => "unsupported access size (1, 2, 4 or 8 bytes expected)",
            AccessError::Unaligned => "unaligned access",
            AccessError::TooWide => "8-byte access to a 32-bit register",
        })
    }
}

impl std::error::Error for AccessError {}

/// Checks the size and alignment of an access, before decoding.
#[inline]
pub const fn check(offset: u64, size: u32) -> Result<(), AccessError> {
    match size {
        // Sizes are powers of two: a mask, not a division, on the MMIO fast path.
        1 | 2 | 4 | 8 => {
            if offset & (size as u64 - 1) != 0 {
                Err(AccessError::Unaligned)
            } else {
                Ok(())
            }
        }
        _ => Err(AccessError::Size),
    }
}

/// The bits of one register an access reaches.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// Bit position of the access's first byte within the register.
    pub shift: u32,
    /// Bits the access covers (its byte lanes), within the register.
    pub bytes: u64,
    /// Bits of the 32-bit words the access touches: the reach of read side effects.
    pub words: u64,
}

impl Span {
    /// The span of an access of `size` bytes at `offset` (already [`check`]ed) to
    /// `reg`, which the offset's word decoded to.
    #[inline]
    pub const fn new(reg: &RegDesc, offset: u64, size: u32) -> Result<Span, AccessError> {
        if size == 8 && reg.width != 64 {
            return Err(AccessError::TooWide);
        }
        // The decoder matched the offset's word to this register, so the offset is
        // inside it; `wrapping_sub` keeps a (generator) bug from panicking.
        let byte = offset.wrapping_sub(reg.address) & 7;
        let shift = (byte * 8) as u32;
        let bytes = regdef::access::ones(size * 8) << shift;
        let words = if reg.width <= 32 {
            regdef::access::ones(reg.width)
        } else {
            let lo = if bytes & 0xFFFF_FFFF != 0 {
                0xFFFF_FFFF
            } else {
                0
            };
            let hi = if bytes >> 32 != 0 {
                0xFFFF_FFFF_0000_0000
            } else {
                0
            };
            lo | hi
        };
        Ok(Span {
            shift,
            bytes,
            words,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desc::RegDesc;
    use regdef::ir::SecSid;

    const fn reg(address: u64, width: u32) -> RegDesc {
        RegDesc {
            path: "t.r",
            type_name: "R",
            address,
            width,
            bank: SecSid::NonSecure,
            gates: &[],
            present_when: &[],
            update_field: None,
            acked_by: None,
            ack_same_bits: 0,
            ack_elsewhere: false,
            mirrored: 0,
            fields: &[],
            special: &[],
            guarded_stores: &[],
            plain_swmod: &[],
            plain_swmod_mask: 0,
            plain_swmod_set: 0,
            reset: 0,
            defined: 0,
            readable: 0,
            plain: 0,
            read_effects: false,
            impl_defined: 0,
            constant: 0,
        }
    }

    #[test]
    fn sizes_and_alignment() {
        assert_eq!(check(0x20, 4), Ok(()));
        assert_eq!(check(0x21, 1), Ok(()));
        assert_eq!(check(0x22, 2), Ok(()));
        assert_eq!(check(0x21, 2), Err(AccessError::Unaligned));
        assert_eq!(check(0x24, 8), Err(AccessError::Unaligned));
        assert_eq!(check(0x20, 3), Err(AccessError::Size));
        assert_eq!(check(0x20, 0), Err(AccessError::Size));
        assert_eq!(check(0x20, 16), Err(AccessError::Size));
        assert_eq!(check(u64::MAX, 1), Ok(()));
    }

    #[test]
    fn spans_of_a_32_bit_register() {
        let r = reg(0x20, 32);
        let s = Span::new(&r, 0x22, 2).unwrap();
        assert_eq!((s.shift, s.bytes, s.words), (16, 0xFFFF_0000, 0xFFFF_FFFF));
        let s = Span::new(&r, 0x23, 1).unwrap();
        assert_eq!((s.shift, s.bytes), (24, 0xFF00_0000));
        assert_eq!(Span::new(&r, 0x20, 8), Err(AccessError::TooWide));
    }

    #[test]
    fn spans_of_a_64_bit_register() {
        let r = reg(0x80, 64);
        let s = Span::new(&r, 0x84, 4).unwrap();
        assert_eq!(
            (s.shift, s.bytes, s.words),
            (32, 0xFFFF_FFFF_0000_0000, 0xFFFF_FFFF_0000_0000)
        );
        let s = Span::new(&r, 0x80, 8).unwrap();
        assert_eq!((s.shift, s.bytes, s.words), (0, u64::MAX, u64::MAX));
        let s = Span::new(&r, 0x81, 1).unwrap();
        assert_eq!((s.shift, s.bytes, s.words), (8, 0xFF00, 0xFFFF_FFFF));
    }
}
