//! Guest memory as the SMMU sees it: one memory per physical address space.
//!
//! Every SMMU-originated access (stream table, CD, translation table fetches) names
//! the physical address space (PAS) it targets (IHI0070 3.10.2, 3.25.3). A Secure
//! access on a system without Secure memory is an external abort: it is never turned
//! into a Non-secure access.

use thiserror::Error;

/// A physical address space (IHI0070 3.10, 3.25; Realm/Root are not modelled).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pas {
    /// Non-secure PA space.
    NonSecure,
    /// Secure PA space.
    Secure,
}

impl Pas {
    /// The space selected by an NS attribute bit (1 = Non-secure).
    pub const fn from_ns(ns: bool) -> Pas {
        if ns {
            Pas::NonSecure
        } else {
            Pas::Secure
        }
    }

    /// The NS attribute of this space.
    pub const fn is_non_secure(self) -> bool {
        matches!(self, Pas::NonSecure)
    }

    /// Dense index (Non-secure 0, Secure 1).
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// An access that the memory system did not complete (external abort, or no memory
/// at that address in that space).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Error)]
#[error("external abort: {len} bytes at {addr:#x} in {pas:?} PA space")]
pub struct MemoryFault {
    /// The address space of the access.
    pub pas: Pas,
    /// The first byte address of the access.
    pub addr: u64,
    /// The access length in bytes.
    pub len: usize,
}

/// Guest physical memory, per physical address space.
///
/// Reads are what translation needs; writes are for later users (event and command
/// queues, and test setup).
pub trait GuestMemory {
    /// Reads `buf.len()` bytes at `addr` of `pas`.
    fn read(&self, pas: Pas, addr: u64, buf: &mut [u8]) -> Result<(), MemoryFault>;

    /// Writes `data` at `addr` of `pas`.
    fn write(&mut self, pas: Pas, addr: u64, data: &[u8]) -> Result<(), MemoryFault>;

    /// Reads a little-endian 64-bit value (translation table descriptors, L1STD, L1CD
    /// and STE/CD double words are little-endian: IDR0.TTENDIAN and the structure
    /// formats of IHI0070 5.1).
    fn read_u64(&self, pas: Pas, addr: u64) -> Result<u64, MemoryFault> {
        let mut bytes = [0u8; 8];
        self.read(pas, addr, &mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }
}

impl<T: GuestMemory + ?Sized> GuestMemory for &mut T {
    fn read(&self, pas: Pas, addr: u64, buf: &mut [u8]) -> Result<(), MemoryFault> {
        (**self).read(pas, addr, buf)
    }

    fn write(&mut self, pas: Pas, addr: u64, data: &[u8]) -> Result<(), MemoryFault> {
        (**self).write(pas, addr, data)
    }

    fn read_u64(&self, pas: Pas, addr: u64) -> Result<u64, MemoryFault> {
        (**self).read_u64(pas, addr)
    }
}

const PAGE_SHIFT: u32 = 12;
const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;

/// One physical address space of an [`InMemoryGuest`].
#[derive(Clone, Debug, Default)]
struct AddressSpace {
    /// Populated ranges as `[first, last]`, inclusive so that a range may end at
    /// the top of the 64-bit space; an access outside all of them aborts.
    regions: Vec<(u64, u64)>,
    /// Page frame number -> contents. Pages inside a region that were never written
    /// read as zero.
    pages: hashbrown::HashMap<u64, Box<[u8; PAGE_SIZE as usize]>>,
}

impl AddressSpace {
    fn contains(&self, addr: u64, len: usize) -> bool {
        // The last byte accessed (the first one for an empty access).
        let Some(last) = addr.checked_add((len as u64).saturating_sub(1)) else {
            return false;
        };
        self.regions
            .iter()
            .any(|&(first, end)| addr >= first && last <= end)
    }
}

/// Sparse, page-based guest memory with explicit regions per PAS, for tests, examples
/// and benchmarks.
///
/// A new `InMemoryGuest` has no memory at all: add regions with
/// [`add_region`](InMemoryGuest::add_region). Accesses outside every region of the
/// named space abort, so "no Secure memory" is simply a guest with no Secure region.
#[derive(Clone, Debug, Default)]
pub struct InMemoryGuest {
    spaces: [AddressSpace; 2],
}

impl InMemoryGuest {
    /// A guest with no memory in either space.
    pub fn new() -> InMemoryGuest {
        InMemoryGuest::default()
    }

    /// Makes `[base, base + size)` of `pas` populated (zero-filled). A region may
    /// end exactly at 2^64; one reaching beyond is cut there, and an empty one adds
    /// nothing.
    pub fn add_region(&mut self, pas: Pas, base: u64, size: u64) -> &mut InMemoryGuest {
        if size != 0 {
            let last = base.saturating_add(size - 1);
            self.spaces[pas.index()].regions.push((base, last));
        }
        self
    }

    /// Builder form of [`add_region`](InMemoryGuest::add_region).
    pub fn with_region(mut self, pas: Pas, base: u64, size: u64) -> InMemoryGuest {
        self.add_region(pas, base, size);
        self
    }

    /// Writes a little-endian 64-bit value.
    pub fn write_u64(&mut self, pas: Pas, addr: u64, value: u64) -> Result<(), MemoryFault> {
        self.write(pas, addr, &value.to_le_bytes())
    }

    /// Writes little-endian 64-bit values at consecutive addresses (an STE or a CD).
    pub fn write_u64s(&mut self, pas: Pas, addr: u64, values: &[u64]) -> Result<(), MemoryFault> {
        for (i, &value) in values.iter().enumerate() {
            self.write_u64(pas, addr.wrapping_add(8 * i as u64), value)?;
        }
        Ok(())
    }
}

impl GuestMemory for InMemoryGuest {
    fn read(&self, pas: Pas, addr: u64, buf: &mut [u8]) -> Result<(), MemoryFault> {
        let space = &self.spaces[pas.index()];
        if !space.contains(addr, buf.len()) {
            return Err(MemoryFault {
                pas,
                addr,
                len: buf.len(),
            });
        }
        let mut done = 0usize;
        // Bounded by buf.len(): each step consumes at least one byte.
        while done < buf.len() {
            let a = addr + done as u64;
            let offset = (a & (PAGE_SIZE - 1)) as usize;
            let chunk = (PAGE_SIZE as usize - offset).min(buf.len() - done);
            let out = &mut buf[done..done + chunk];
            match space.pages.get(&(a >> PAGE_SHIFT)) {
                Some(page) => out.copy_from_slice(&page[offset..offset + chunk]),
                None => out.fill(0),
            }
            done += chunk;
        }
        Ok(())
    }

    fn write(&mut self, pas: Pas, addr: u64, data: &[u8]) -> Result<(), MemoryFault> {
        let space = &mut self.spaces[pas.index()];
        if !space.contains(addr, data.len()) {
            return Err(MemoryFault {
                pas,
                addr,
                len: data.len(),
            });
        }
        let mut done = 0usize;
        while done < data.len() {
            let a = addr + done as u64;
            let offset = (a & (PAGE_SIZE - 1)) as usize;
            let chunk = (PAGE_SIZE as usize - offset).min(data.len() - done);
            let page = space
                .pages
                .entry(a >> PAGE_SHIFT)
                .or_insert_with(|| Box::new([0u8; PAGE_SIZE as usize]));
            page[offset..offset + chunk].copy_from_slice(&data[done..done + chunk]);
            done += chunk;
        }
        Ok(())
    }
}

#[cfg(feature = "vm-memory")]
pub use vm::VmMemoryGuest;

#[cfg(feature = "vm-memory")]
mod vm {
    use super::{GuestMemory, MemoryFault, Pas};
    use vm_memory::{Bytes, GuestAddress};

    /// [`GuestMemory`] over rust-vmm memories (`vm_memory::Bytes<GuestAddress>`), one
    /// per PAS.
    ///
    /// `S` is the Secure memory; with `None` every Secure access aborts
    /// ([`VmMemoryGuest::non_secure_only`]).
    #[derive(Clone, Debug)]
    pub struct VmMemoryGuest<N, S = N> {
        non_secure: N,
        secure: Option<S>,
    }

    impl<N> VmMemoryGuest<N, N> {
        /// A system without Secure memory.
        pub fn non_secure_only(non_secure: N) -> VmMemoryGuest<N, N> {
            VmMemoryGuest {
                non_secure,
                secure: None,
            }
        }
    }

    impl<N, S> VmMemoryGuest<N, S> {
        /// A system with both Non-secure and Secure memory.
        pub fn new(non_secure: N, secure: S) -> VmMemoryGuest<N, S> {
            VmMemoryGuest {
                non_secure,
                secure: Some(secure),
            }
        }

        /// The Non-secure memory.
        pub fn non_secure(&self) -> &N {
            &self.non_secure
        }

        /// The Secure memory, if any.
        pub fn secure(&self) -> Option<&S> {
            self.secure.as_ref()
        }
    }

    impl<N, S> GuestMemory for VmMemoryGuest<N, S>
    where
        N: Bytes<GuestAddress>,
        S: Bytes<GuestAddress>,
    {
        fn read(&self, pas: Pas, addr: u64, buf: &mut [u8]) -> Result<(), MemoryFault> {
            let fault = MemoryFault {
                pas,
                addr,
                len: buf.len(),
            };
            match pas {
                Pas::NonSecure => self
                    .non_secure
                    .read_slice(buf, GuestAddress(addr))
                    .map_err(|_| fault),
                Pas::Secure => match &self.secure {
                    Some(secure) => secure
                        .read_slice(buf, GuestAddress(addr))
                        .map_err(|_| fault),
                    None => Err(fault),
                },
            }
        }

        fn write(&mut self, pas: Pas, addr: u64, data: &[u8]) -> Result<(), MemoryFault> {
            let fault = MemoryFault {
                pas,
                addr,
                len: data.len(),
            };
            match pas {
                Pas::NonSecure => self
                    .non_secure
                    .write_slice(data, GuestAddress(addr))
                    .map_err(|_| fault),
                Pas::Secure => match &self.secure {
                    Some(secure) => secure
                        .write_slice(data, GuestAddress(addr))
                        .map_err(|_| fault),
                    None => Err(fault),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_per_space_and_sparse() {
        let mut m = InMemoryGuest::new().with_region(Pas::NonSecure, 0x1000, 0x3000);
        assert_eq!(m.read_u64(Pas::NonSecure, 0x1ff8), Ok(0));
        m.write_u64(Pas::NonSecure, 0x1ffc, 0x1122_3344_5566_7788)
            .unwrap();
        assert_eq!(
            m.read_u64(Pas::NonSecure, 0x1ffc),
            Ok(0x1122_3344_5566_7788)
        );
        // Same address, other space: no memory there.
        assert_eq!(
            m.read_u64(Pas::Secure, 0x1ffc),
            Err(MemoryFault {
                pas: Pas::Secure,
                addr: 0x1ffc,
                len: 8
            })
        );
        // Straddling the end of the region aborts.
        assert!(m.read_u64(Pas::NonSecure, 0x3ffc).is_err());
        assert!(m.read_u64(Pas::NonSecure, u64::MAX - 3).is_err());
    }

    #[test]
    fn a_region_may_end_at_the_top_of_the_address_space() {
        let mut m = InMemoryGuest::new().with_region(Pas::Secure, 0xFF00_0000_0000_0000, 1 << 56);
        m.write_u64(Pas::Secure, u64::MAX - 7, 0x0102_0304_0506_0708)
            .unwrap();
        let mut top = [0u8; 1];
        m.read(Pas::Secure, u64::MAX, &mut top).unwrap();
        assert_eq!(top, [0x01]);
        // Past the top wraps, which no access may.
        assert!(m.read_u64(Pas::Secure, u64::MAX - 3).is_err());
        // An empty region populates nothing; an oversized one stops at 2^64.
        let m = InMemoryGuest::new()
            .with_region(Pas::NonSecure, 0x1000, 0)
            .with_region(Pas::NonSecure, u64::MAX - 0xF, 0x100);
        assert!(m.read_u64(Pas::NonSecure, 0x1000).is_err());
        assert_eq!(m.read_u64(Pas::NonSecure, u64::MAX - 7), Ok(0));
    }
}
