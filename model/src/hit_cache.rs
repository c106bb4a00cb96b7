//! The hit lines: where a stream's page was last found in the configuration cache
//! and the IOTLB, so that a repeated hit costs one probe instead of two hash
//! lookups and the range checks that precede the IOTLB.
//!
//! This is not a third cache of architectural state: a line holds no
//! configuration and no translation, only the slots of a configuration-cache
//! entry and an IOTLB entry with the stamps of their occupancies
//! (`crate::cache`). A line is used only while both entries are the very ones it
//! was made from, so whatever removes or replaces either - CMD_CFGI_*, CMD_TLBI_*,
//! SMMU_S_INIT.INV_ALL, eviction, reset, restore - makes the line miss with no
//! invalidation of its own to forget. What the line adds is the outcome of the
//! checks the slow path makes before the IOTLB, which depend only on the cached
//! configuration and the input page: the stage 1 TTB range and EPDx check
//! (IHI0070 3.4.1), the IAS check of a bypassed stage 1, and the TBI
//! canonicalisation of the input; and which IOTLB key the lookup hits. The
//! checks that depend on the transaction itself (permissions after
//! PRIVCFG/INSTCFG, S_CR0.SIF, the access size) are made on every hit.
//!
//! Direct-mapped, allocated once at construction: a hit and an insertion never
//! allocate, and a colliding insertion simply replaces the line.

use regdef::SecSid;

use crate::translate::TranslationRequest;

/// What the hit path needs besides the two slots: the IOTLB input page (the input
/// after TBI) and, for each of the six (access kind, privilege) pairs a
/// transaction can present, the outcome of the checks that depend only on the
/// STE's PRIVCFG/INSTCFG and the IOTLB entry (see [`grant`]).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct HitLine {
    /// [`stream_key`] of the request; 0 for an empty line (a key is never 0).
    pub stream: u64,
    /// The request's input address >> 12.
    pub page: u64,
    /// The IOTLB's input address >> 12 for that page (the VA with TBI applied).
    pub input_page: u64,
    pub config_stamp: u64,
    pub tlb_stamp: u64,
    pub config_slot: u32,
    pub tlb_slot: u32,
    /// By [`grant::index`]: [`grant`] bits.
    pub grants: [u8; 6],
}

/// The bits of [`HitLine::grants`], for one (access kind, privilege) pair as the
/// transaction presents it.
pub(crate) mod grant {
    use crate::walk::AccessKind;

    /// The entry's permissions, at the effective privilege, allow the effective
    /// access (after STE.PRIVCFG/INSTCFG, IHI0070 13.1.2).
    pub const ALLOWED: u8 = 1 << 7;
    /// A Secure stream's effective instruction fetch to a Non-secure output: a
    /// permission fault when S_CR0.SIF is set (IHI0070 6.3.57).
    pub const SIF_FORBIDS: u8 = 1 << 6;
    /// `PagePermissions` at the effective privilege: read, write, execute.
    pub const READ: u8 = 1;
    /// See [`READ`].
    pub const WRITE: u8 = 1 << 1;
    /// See [`READ`].
    pub const EXECUTE: u8 = 1 << 2;

    /// The index of a pair in [`HitLine::grants`](super::HitLine::grants).
    #[inline]
    pub const fn index(kind: AccessKind, privileged: bool) -> usize {
        let k = match kind {
            AccessKind::Read => 0,
            AccessKind::Write => 2,
            AccessKind::Execute => 4,
        };
        k + privileged as usize
    }
}

impl HitLine {
    /// A line for `request` (valid SubstreamID) found at these slots.
    pub(crate) fn new(request: &TranslationRequest, input: u64) -> HitLine {
        HitLine {
            stream: stream_key(request),
            page: request.iova >> PAGE_SHIFT,
            input_page: input >> PAGE_SHIFT,
            ..HitLine::default()
        }
    }
}

const PAGE_SHIFT: u32 = 12;

/// (SEC_SID, StreamID, SubstreamID) in one word: StreamID `[31:0]`, SubstreamID
/// `[51:32]`, SSV bit 52, SEC_SID bit 53, bit 63 set so that no key is 0. The
/// caller has checked that the SubstreamID fits in 20 bits (IHI0070 3.3.2), so
/// distinct requests never share a key.
#[inline]
fn stream_key(request: &TranslationRequest) -> u64 {
    let (ssv, ssid) = match request.substream_id {
        Some(ssid) => (1u64, u64::from(ssid)),
        None => (0, 0),
    };
    let secure = u64::from(request.sec_sid == SecSid::Secure);
    u64::from(request.stream_id) | ssid << 32 | ssv << 52 | secure << 53 | 1 << 63
}

/// The direct-mapped table of hit lines.
#[derive(Clone)]
pub(crate) struct HitCache {
    lines: Box<[HitLine]>,
    /// `lines.len() - 1` (a power of two minus one).
    mask: u64,
}

impl std::fmt::Debug for HitCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The lines are slot numbers, meaningless outside the caches: say how many.
        f.debug_struct("HitCache")
            .field("lines", &self.lines.len())
            .finish_non_exhaustive()
    }
}

impl HitCache {
    /// A table of `lines` lines rounded up to a power of two (at least 1).
    pub(crate) fn new(lines: usize) -> HitCache {
        let n = lines.clamp(1, 1 << 20).next_power_of_two();
        HitCache {
            lines: vec![HitLine::default(); n].into_boxed_slice(),
            mask: n as u64 - 1,
        }
    }

    #[inline]
    fn index(&self, stream: u64, page: u64) -> usize {
        // One multiply spreads both the consecutive pages of one stream and the
        // same page of consecutive streams over the table (Fibonacci hashing).
        let h = (stream ^ page.rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((h >> 40) & self.mask) as usize
    }

    /// The line of `request`'s page, if one was made for it.
    #[inline]
    pub(crate) fn get(&self, request: &TranslationRequest) -> Option<&HitLine> {
        let stream = stream_key(request);
        let page = request.iova >> PAGE_SHIFT;
        let line = self.lines.get(self.index(stream, page))?;
        (line.stream == stream && line.page == page).then_some(line)
    }

    /// Stores a line, replacing whatever shared its place.
    pub(crate) fn insert(&mut self, line: HitLine) {
        let index = self.index(line.stream, line.page);
        if let Some(place) = self.lines.get_mut(index) {
            *place = line;
        }
    }

    /// Number of lines (for tests).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lines.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walk::AccessKind;

    #[test]
    fn keys_distinguish_every_part_of_the_stream() {
        let base = TranslationRequest::new(SecSid::NonSecure, 5, 0x1234_5000, AccessKind::Read);
        let keys = [
            stream_key(&base),
            stream_key(&TranslationRequest {
                sec_sid: SecSid::Secure,
                ..base
            }),
            stream_key(&TranslationRequest {
                stream_id: 6,
                ..base
            }),
            stream_key(&base.with_substream(0)),
            stream_key(&base.with_substream(0xF_FFFF)),
            stream_key(&TranslationRequest {
                stream_id: u32::MAX,
                ..base
            }),
        ];
        for (i, a) in keys.iter().enumerate() {
            assert_ne!(*a, 0);
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn a_line_is_found_only_for_its_stream_and_page() {
        let mut cache = HitCache::new(100);
        assert_eq!(cache.len(), 128);
        let r = TranslationRequest::new(SecSid::NonSecure, 1, 0x8000_0123, AccessKind::Read);
        assert!(cache.get(&r).is_none(), "an empty line matches nothing");
        let mut line = HitLine::new(&r, 0x8000_0123);
        line.tlb_slot = 9;
        cache.insert(line);
        assert_eq!(cache.get(&r).map(|l| l.tlb_slot), Some(9));
        // Same page, another offset or access: the same line.
        let other_offset = TranslationRequest {
            iova: 0x8000_0FFF,
            access: AccessKind::Write,
            ..r
        };
        assert_eq!(
            cache.get(&other_offset).map(|l| l.input_page),
            Some(0x8_0000)
        );
        // Another page, stream, SubstreamID or Security state: none.
        for miss in [
            TranslationRequest {
                iova: 0x8000_1000,
                ..r
            },
            TranslationRequest { stream_id: 2, ..r },
            r.with_substream(0),
            TranslationRequest {
                sec_sid: SecSid::Secure,
                ..r
            },
        ] {
            assert!(cache.get(&miss).is_none(), "{miss:?}");
        }
    }
}
