//! The IOTLB: cached final translations, tagged as the architecture tags them
//! (IHI0070 3.17: Security state, StreamWorld, VMID, ASID, global/nG).
//!
//! An entry is the combined result of all enabled stages for one input page: like
//! QEMU, the model caches the stage 1 + stage 2 result as one entry whose size is the
//! smaller of the two mappings. Entries are indexed by (tag, ASID or global, 4 KB
//! input page), so a lookup is one or two hash probes; an entry remembers the size,
//! level and granule of the mapping it came from, and range invalidations match that
//! mapping, not the index.

use regdef::SecSid;

use crate::cache::ClockCache;
use crate::memory::Pas;
use crate::stream_table::StreamWorld;
use crate::walk::{Granule, Permissions};

/// Which stages produced an entry.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stages {
    /// Stage 1 only.
    Stage1,
    /// Stage 2 only.
    Stage2,
    /// Stage 1 and stage 2.
    Nested,
}

/// The translation regime an entry belongs to (everything but ASID and address).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TlbTag {
    /// The stream's Security state. Entries of one SEC_SID are never hit by another.
    pub sec_sid: SecSid,
    /// StreamWorld.
    pub world: StreamWorld,
    /// Which stages the entry combines.
    pub stages: Stages,
    /// VMID (0 when the regime is not VMID-tagged).
    pub vmid: u16,
}

/// One cached translation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct TlbEntry {
    /// Input address of the mapping, aligned to `1 << size_shift`. For stage 1 this
    /// is the VA with the top byte canonicalised when TBI applies.
    pub input_base: u64,
    /// log2 of the mapping size (the smaller of the stages' block sizes).
    pub size_shift: u32,
    /// Output PA of the mapping, aligned likewise.
    pub output_base: u64,
    /// Output PA space.
    pub pas: Pas,
    /// Combined permissions of all stages.
    pub permissions: Permissions,
    /// Granule of the stage that defined the leaf (stage 1 if enabled).
    pub granule: Granule,
    /// Level of that leaf.
    pub level: u8,
    /// For stage 2 and nested entries: the IPA of the mapping (aligned to
    /// `1 << ipa_size_shift`), for IPA-based invalidation.
    pub ipa_base: Option<u64>,
    /// log2 of the stage 2 mapping size.
    pub ipa_size_shift: u32,
    /// nG == 0: the entry matches every ASID of its regime.
    pub global: bool,
    /// The ASID of a non-global entry.
    pub asid: u16,
}

impl TlbEntry {
    /// Whether `input` lies inside the mapping.
    pub const fn covers(&self, input: u64) -> bool {
        input >> self.size_shift == self.input_base >> self.size_shift
    }

    /// The output address for `input` (assumes [`covers`](TlbEntry::covers)).
    pub const fn output_for(&self, input: u64) -> u64 {
        self.output_base | (input & ((1u64 << self.size_shift) - 1))
    }
}

/// Where [`Iotlb::find`] found an entry.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct TlbHit {
    /// The slot.
    pub slot: u32,
    /// The stamp of the entry's occupancy of the slot.
    pub stamp: u64,
    /// True when the hit came from the first probe the lookup makes (the ASID's
    /// own entries, or the global ones in a regime without ASIDs): no entry
    /// inserted later can take precedence over it. A global entry found after the
    /// ASID's probe missed is not final: a later non-global entry of that ASID for
    /// the same page would be found first.
    pub final_probe: bool,
}

const GLOBAL: u32 = 0x1_0000;
const INDEX_SHIFT: u32 = 12;

/// The hash key: the tag and ASID packed into one word, and the 4 KB page. Two
/// machine words hash as fast as the bare map lookup the IOTLB is measured against.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
struct TlbKey {
    meta: u64,
    page: u64,
}

impl TlbKey {
    /// Bits `[16:0]` ASID or GLOBAL (0x1_0000), `[32:17]` VMID, `[34:33]` stages,
    /// `[37:35]` StreamWorld, bit 38 SEC_SID.
    const fn new(tag: &TlbTag, asid: u32, page: u64) -> TlbKey {
        let stages = match tag.stages {
            Stages::Stage1 => 0u64,
            Stages::Stage2 => 1,
            Stages::Nested => 2,
        };
        TlbKey {
            meta: asid as u64
                | (tag.vmid as u64) << 17
                | stages << 33
                | (tag.world as u64) << 35
                | (tag.sec_sid as u64) << 38,
            page,
        }
    }

    const fn tag(&self) -> TlbTag {
        let m = self.meta;
        TlbTag {
            sec_sid: if (m >> 38) & 1 == 0 {
                SecSid::NonSecure
            } else {
                SecSid::Secure
            },
            world: match (m >> 35) & 0b111 {
                0 => StreamWorld::NsEl1,
                1 => StreamWorld::NsEl2,
                2 => StreamWorld::NsEl2E2h,
                3 => StreamWorld::Secure,
                4 => StreamWorld::SecureEl2,
                5 => StreamWorld::SecureEl2E2h,
                _ => StreamWorld::El3,
            },
            stages: match (m >> 33) & 0b11 {
                0 => Stages::Stage1,
                1 => Stages::Stage2,
                _ => Stages::Nested,
            },
            vmid: (m >> 17) as u16,
        }
    }
}

/// A VMID match with the SMMU_(S_)CR0.VMW wildcard (IHI0070 6.3.9): the low
/// `wildcard_bits` bits of the VMID are ignored.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct VmidMatch {
    /// The VMID from the command.
    pub vmid: u16,
    /// How many low bits to ignore (0-4).
    pub wildcard_bits: u8,
}

impl VmidMatch {
    /// Matches exactly one VMID.
    pub const fn exact(vmid: u16) -> VmidMatch {
        VmidMatch {
            vmid,
            wildcard_bits: 0,
        }
    }

    /// From CR0.VMW: 0b000 exact, 0b001-0b100 ignore `VMID[0]` .. `VMID[3:0]`; reserved
    /// values behave as exact.
    pub const fn with_vmw(vmid: u16, vmw: u8) -> VmidMatch {
        VmidMatch {
            vmid,
            wildcard_bits: if vmw <= 4 { vmw } else { 0 },
        }
    }

    /// Whether `vmid` matches.
    pub const fn matches(self, vmid: u16) -> bool {
        (self.vmid ^ vmid) >> self.wildcard_bits == 0
    }
}

/// A set of StreamWorlds, for invalidations that target some regimes only.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct WorldSet(u8);

impl WorldSet {
    /// Every StreamWorld.
    pub const ALL: WorldSet = WorldSet(0x7F);
    /// The EL1&0 worlds targeted by TLBI_NH_* (NS-EL1 and Secure).
    pub const EL1: WorldSet = WorldSet::of(&[StreamWorld::NsEl1, StreamWorld::Secure]);
    /// The Non-secure EL2 worlds targeted by TLBI_EL2_*.
    pub const NS_EL2: WorldSet = WorldSet::of(&[StreamWorld::NsEl2, StreamWorld::NsEl2E2h]);
    /// The Secure EL2 worlds targeted by TLBI_S_EL2_*.
    pub const SECURE_EL2: WorldSet =
        WorldSet::of(&[StreamWorld::SecureEl2, StreamWorld::SecureEl2E2h]);
    /// EL3, targeted by TLBI_EL3_*.
    pub const EL3: WorldSet = WorldSet::of(&[StreamWorld::El3]);

    /// The set of the listed worlds.
    pub const fn of(worlds: &[StreamWorld]) -> WorldSet {
        let mut bits = 0u8;
        let mut i = 0;
        while i < worlds.len() {
            bits |= 1 << worlds[i] as u8;
            i += 1;
        }
        WorldSet(bits)
    }

    /// Whether `world` is in the set.
    pub const fn contains(self, world: StreamWorld) -> bool {
        self.0 & (1 << world as u8) != 0
    }
}

/// Which entry kinds an invalidation reaches.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct StageSet {
    /// Stage-1-only entries.
    pub stage1: bool,
    /// Stage-2-only entries.
    pub stage2: bool,
    /// Combined stage 1 + stage 2 entries.
    pub nested: bool,
}

impl StageSet {
    /// Every entry kind.
    pub const ALL: StageSet = StageSet {
        stage1: true,
        stage2: true,
        nested: true,
    };
    /// Entries that contain stage 1 information (TLBI_NH_*, TLBI_EL2_*).
    pub const STAGE1: StageSet = StageSet {
        stage1: true,
        stage2: false,
        nested: true,
    };
    /// Entries that contain stage 2 information (TLBI_S2_IPA).
    pub const STAGE2: StageSet = StageSet {
        stage1: false,
        stage2: true,
        nested: true,
    };
}

/// The address space an invalidation range is in.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum RangeSpace {
    /// The entry's input address (a VA for stage 1 and nested entries, an IPA for
    /// stage-2-only entries): TLBI_*_VA / VAA.
    Input,
    /// The stage 2 input (IPA) of stage 2 and nested entries: TLBI_S2_IPA.
    Ipa,
}

/// An address range to invalidate, with the command's hints (IHI0070 4.4.1).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct AddressRange {
    /// Which address of an entry is compared.
    pub space: RangeSpace,
    /// First byte.
    pub start: u64,
    /// One past the last byte (saturating at `u64::MAX`).
    pub end: u64,
    /// Leaf: only last-level entries need invalidating. Every IOTLB entry is a leaf
    /// (walk caches are not modelled), so this never narrows the match.
    pub leaf_only: bool,
    /// TG and TTL hint: the entries to invalidate were created by a leaf at this
    /// level with this granule. Entries of the same granule at another level are
    /// not invalidated (the hint promises there are none); entries of another
    /// granule are (the hint does not describe them).
    pub ttl: Option<(Granule, u8)>,
}

impl AddressRange {
    /// `[start, start + len)` of the input address space, without hints.
    pub const fn input(start: u64, len: u64) -> AddressRange {
        AddressRange {
            space: RangeSpace::Input,
            start,
            end: start.saturating_add(len),
            leaf_only: false,
            ttl: None,
        }
    }

    /// `[start, start + len)` of the IPA space, without hints.
    pub const fn ipa(start: u64, len: u64) -> AddressRange {
        AddressRange {
            space: RangeSpace::Ipa,
            ..AddressRange::input(start, len)
        }
    }

    fn matches(&self, e: &TlbEntry) -> bool {
        let (base, shift) = match self.space {
            RangeSpace::Input => (e.input_base, e.size_shift),
            RangeSpace::Ipa => match e.ipa_base {
                Some(ipa) => (ipa, e.ipa_size_shift),
                None => return false,
            },
        };
        let end = base.saturating_add(1u64 << shift);
        if base >= self.end || end <= self.start {
            return false;
        }
        match self.ttl {
            Some((granule, level)) => e.granule != granule || e.level == level,
            None => true,
        }
    }
}

/// What an invalidation targets. `None` fields match everything.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct TlbScope {
    /// Security state of the entries.
    pub sec_sid: Option<SecSid>,
    /// StreamWorlds.
    pub worlds: WorldSet,
    /// Entry kinds.
    pub stages: StageSet,
    /// VMID (with wildcard).
    pub vmid: Option<VmidMatch>,
    /// ASID: non-global entries with this ASID.
    pub asid: Option<u16>,
    /// With `asid`: also global entries (address-based invalidations by ASID
    /// reach global entries; TLBI_NH_ASID does not).
    pub include_global: bool,
    /// Address range.
    pub range: Option<AddressRange>,
}

impl TlbScope {
    /// Everything (S_INIT.INV_ALL).
    pub const ALL: TlbScope = TlbScope {
        sec_sid: None,
        worlds: WorldSet::ALL,
        stages: StageSet::ALL,
        vmid: None,
        asid: None,
        include_global: true,
        range: None,
    };

    /// Every entry of one Security state.
    pub const fn sec_sid(sec_sid: SecSid) -> TlbScope {
        TlbScope {
            sec_sid: Some(sec_sid),
            ..TlbScope::ALL
        }
    }

    /// Whether the entry's own fields (ASID, global, address) are in scope; the
    /// tag is checked by [`TagFilter`].
    fn matches_entry(&self, e: &TlbEntry) -> bool {
        if let Some(asid) = self.asid {
            let hit = if e.global {
                self.include_global
            } else {
                e.asid == asid
            };
            if !hit {
                return false;
            }
        }
        self.range.is_none_or(|r| r.matches(e))
    }
}

/// The tag part of a [`TlbScope`], tested on the packed key without unpacking it:
/// invalidation commands scan every entry, so this is their inner loop.
#[derive(Copy, Clone, Debug)]
struct TagFilter {
    /// `Some(bit 38)` to match.
    sec_sid: Option<u64>,
    /// Bit `w` set: StreamWorld `w` (key bits `[37:35]`) matches.
    worlds: u8,
    /// Bit `s` set: stages encoding `s` (key bits `[34:33]`) matches.
    stages: u8,
    vmid: Option<VmidMatch>,
}

impl TagFilter {
    fn new(scope: &TlbScope) -> TagFilter {
        let stages = u8::from(scope.stages.stage1)
            | u8::from(scope.stages.stage2) << 1
            | u8::from(scope.stages.nested) << 2;
        TagFilter {
            sec_sid: scope.sec_sid.map(|s| s as u64),
            worlds: scope.worlds.0,
            stages,
            vmid: scope.vmid,
        }
    }

    #[inline]
    fn matches(&self, key: &TlbKey) -> bool {
        let m = key.meta;
        self.sec_sid.is_none_or(|s| (m >> 38) & 1 == s)
            && (self.worlds >> ((m >> 35) & 0b111)) & 1 != 0
            && (self.stages >> ((m >> 33) & 0b11)) & 1 != 0
            && self.vmid.is_none_or(|v| v.matches((m >> 17) as u16))
    }
}

/// The IOTLB.
#[derive(Clone, Debug)]
pub struct Iotlb {
    entries: ClockCache<TlbKey, TlbEntry>,
}

impl Iotlb {
    /// An empty IOTLB for `capacity` entries.
    pub fn new(capacity: usize) -> Iotlb {
        Iotlb {
            entries: ClockCache::new(capacity),
        }
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.entries.len() == 0
    }

    /// The capacity.
    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    /// Every entry with its tag (for inspection and tests).
    pub fn entries(&self) -> impl Iterator<Item = (TlbTag, &TlbEntry)> {
        self.entries.iter().map(|(k, e)| (k.tag(), e))
    }

    /// Looks up `input` for `tag` and, in ASID-tagged regimes, `asid`: first a
    /// non-global entry of that ASID, then a global entry. Does not allocate.
    pub fn lookup(&mut self, tag: &TlbTag, asid: Option<u16>, input: u64) -> Option<&TlbEntry> {
        let hit = self.find(tag, asid, input)?;
        self.entries.value(hit.slot)
    }

    /// [`lookup`](Iotlb::lookup), returning where the entry is: its slot, the stamp
    /// of its occupancy, and whether no other entry could ever take precedence
    /// over it for this lookup (see [`TlbHit::final_probe`]).
    pub(crate) fn find(&mut self, tag: &TlbTag, asid: Option<u16>, input: u64) -> Option<TlbHit> {
        let page = input >> INDEX_SHIFT;
        if let Some(asid) = asid {
            let key = TlbKey::new(tag, u32::from(asid), page);
            if let Some(slot) = self.covering(&key, input) {
                return Some(TlbHit {
                    slot,
                    stamp: self.entries.stamp(slot),
                    final_probe: true,
                });
            }
        }
        let key = TlbKey::new(tag, GLOBAL, page);
        let slot = self.covering(&key, input)?;
        Some(TlbHit {
            slot,
            stamp: self.entries.stamp(slot),
            final_probe: asid.is_none(),
        })
    }

    /// The slot of `key` if its entry covers `input` (marked referenced either way,
    /// as every probe marks it).
    fn covering(&mut self, key: &TlbKey, input: u64) -> Option<u32> {
        let slot = self.entries.find(key)?;
        self.entries
            .value(slot)
            .is_some_and(|e| e.covers(input))
            .then_some(slot)
    }

    /// The entry of a [`TlbHit`] if that very entry is still cached, marked
    /// referenced like a lookup marks it.
    #[inline]
    pub(crate) fn revisit(&mut self, slot: u32, stamp: u64) -> Option<&TlbEntry> {
        self.entries.revisit(slot, stamp)
    }

    /// The entry in `slot` (of a [`TlbHit`] just returned).
    pub(crate) fn entry(&self, slot: u32) -> Option<&TlbEntry> {
        self.entries.value(slot)
    }

    /// Caches `entry` for the 4 KB input page of `input`.
    pub fn insert(&mut self, tag: TlbTag, input: u64, entry: TlbEntry) {
        let asid = if entry.global {
            GLOBAL
        } else {
            u32::from(entry.asid)
        };
        self.entries
            .insert(TlbKey::new(&tag, asid, input >> INDEX_SHIFT), entry);
    }

    /// Removes every entry in `scope`; returns how many.
    pub fn invalidate(&mut self, scope: &TlbScope) -> usize {
        let tag = TagFilter::new(scope);
        self.entries
            .remove_where(|k, e| tag.matches(k) && scope.matches_entry(e))
    }

    /// Removes everything (S_INIT.INV_ALL, CMD_TLBI_*_ALL of every state).
    pub fn invalidate_all(&mut self) -> usize {
        let n = self.entries.len();
        self.entries.clear();
        n
    }

    /// Removes every entry of one Security state.
    pub fn invalidate_sec_sid(&mut self, sec_sid: SecSid) -> usize {
        self.invalidate(&TlbScope::sec_sid(sec_sid))
    }

    /// Removes every entry of `vmid` (CMD_TLBI_S12_VMALL; with `StageSet::STAGE1`
    /// and `WorldSet::EL1`, CMD_TLBI_NH_ALL).
    pub fn invalidate_vmid(&mut self, sec_sid: SecSid, vmid: VmidMatch, stages: StageSet) -> usize {
        self.invalidate(&TlbScope {
            stages,
            vmid: Some(vmid),
            ..TlbScope::sec_sid(sec_sid)
        })
    }

    /// Removes the non-global stage 1 entries of `asid` in `worlds` (and `vmid`,
    /// if given): CMD_TLBI_NH_ASID, CMD_TLBI_EL2_ASID.
    pub fn invalidate_asid(
        &mut self,
        sec_sid: SecSid,
        worlds: WorldSet,
        vmid: Option<VmidMatch>,
        asid: u16,
    ) -> usize {
        self.invalidate(&TlbScope {
            worlds,
            stages: StageSet::STAGE1,
            vmid,
            asid: Some(asid),
            include_global: false,
            ..TlbScope::sec_sid(sec_sid)
        })
    }

    /// Removes the stage 1 entries of `worlds` mapping any of `range` for `asid`
    /// (and global entries), or for every ASID when `asid` is `None`:
    /// CMD_TLBI_NH_VA / NH_VAA / EL2_VA / EL2_VAA / EL3_VA.
    pub fn invalidate_va_range(
        &mut self,
        sec_sid: SecSid,
        worlds: WorldSet,
        vmid: Option<VmidMatch>,
        asid: Option<u16>,
        range: AddressRange,
    ) -> usize {
        self.invalidate(&TlbScope {
            worlds,
            stages: StageSet::STAGE1,
            vmid,
            asid,
            include_global: true,
            range: Some(AddressRange {
                space: RangeSpace::Input,
                ..range
            }),
            ..TlbScope::sec_sid(sec_sid)
        })
    }

    /// Removes the stage 2 (and combined) entries of `vmid` whose IPA mapping
    /// overlaps `range`: CMD_TLBI_S2_IPA.
    pub fn invalidate_ipa_range(
        &mut self,
        sec_sid: SecSid,
        vmid: VmidMatch,
        range: AddressRange,
    ) -> usize {
        self.invalidate(&TlbScope {
            stages: StageSet::STAGE2,
            vmid: Some(vmid),
            range: Some(AddressRange {
                space: RangeSpace::Ipa,
                ..range
            }),
            ..TlbScope::sec_sid(sec_sid)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(vmid: u16, stages: Stages) -> TlbTag {
        TlbTag {
            sec_sid: SecSid::NonSecure,
            world: StreamWorld::NsEl1,
            stages,
            vmid,
        }
    }

    fn entry(input: u64, level: u8, global: bool, asid: u16, ipa: Option<u64>) -> TlbEntry {
        let size_shift = Granule::K4.level_shift(level);
        TlbEntry {
            input_base: input,
            size_shift,
            output_base: 0x4000_0000,
            pas: Pas::NonSecure,
            permissions: Permissions::ALL,
            granule: Granule::K4,
            level,
            ipa_base: ipa,
            ipa_size_shift: 12,
            global,
            asid,
        }
    }

    #[test]
    fn lookup_prefers_asid_then_global_and_checks_coverage() {
        let mut tlb = Iotlb::new(8);
        let t = tag(1, Stages::Stage1);
        tlb.insert(t, 0x20_0000, entry(0x20_0000, 2, false, 5, None));
        tlb.insert(t, 0x1000, entry(0x1000, 3, true, 0, None));
        assert!(tlb.lookup(&t, Some(5), 0x20_0123).is_some());
        assert!(tlb.lookup(&t, Some(6), 0x20_0123).is_none());
        // A global entry matches any ASID.
        assert!(tlb.lookup(&t, Some(9), 0x1FFF).is_some());
        // Another VMID or Security state never hits.
        assert!(tlb
            .lookup(&tag(2, Stages::Stage1), Some(9), 0x1FFF)
            .is_none());
        let secure = TlbTag {
            sec_sid: SecSid::Secure,
            world: StreamWorld::Secure,
            ..t
        };
        assert!(tlb.lookup(&secure, Some(9), 0x1FFF).is_none());
        assert_eq!(tlb.entries().map(|(tag, _)| tag).next(), Some(t));
    }

    #[test]
    fn scoped_invalidation() {
        let mut tlb = Iotlb::new(16);
        let (a, b) = (tag(0x12, Stages::Stage1), tag(0x13, Stages::Nested));
        tlb.insert(a, 0x1000, entry(0x1000, 3, false, 1, None));
        tlb.insert(a, 0x2000, entry(0x2000, 3, true, 0, None));
        tlb.insert(b, 0x20_0000, entry(0x20_0000, 2, false, 1, Some(0x8000)));
        // TLBI_NH_ASID leaves global entries.
        assert_eq!(
            tlb.invalidate_asid(SecSid::NonSecure, WorldSet::EL1, None, 1),
            2
        );
        assert_eq!(tlb.len(), 1);
        tlb.insert(a, 0x1000, entry(0x1000, 3, false, 1, None));
        tlb.insert(b, 0x20_0000, entry(0x20_0000, 2, false, 1, Some(0x8000)));
        // VMW = 0b001 ignores VMID[0]: 0x12 and 0x13 both match 0x13.
        assert_eq!(
            tlb.invalidate_vmid(
                SecSid::NonSecure,
                VmidMatch::with_vmw(0x13, 0b001),
                StageSet::ALL
            ),
            3
        );
        tlb.insert(b, 0x20_0000, entry(0x20_0000, 2, false, 1, Some(0x8000)));
        // A TTL hint for level 3 (4 KB) skips the level 2 entry; level 2 removes it.
        let mut range = AddressRange::input(0x20_1000, 0x1000);
        range.ttl = Some((Granule::K4, 3));
        assert_eq!(
            tlb.invalidate_va_range(SecSid::NonSecure, WorldSet::EL1, None, None, range),
            0
        );
        range.ttl = Some((Granule::K4, 2));
        assert_eq!(
            tlb.invalidate_va_range(SecSid::NonSecure, WorldSet::EL1, None, None, range),
            1
        );
        // IPA invalidation reaches nested entries by their IPA.
        tlb.insert(b, 0x20_0000, entry(0x20_0000, 2, false, 1, Some(0x8000)));
        assert_eq!(
            tlb.invalidate_ipa_range(
                SecSid::NonSecure,
                VmidMatch::exact(0x13),
                AddressRange::ipa(0x9000, 0x1000)
            ),
            0
        );
        assert_eq!(
            tlb.invalidate_ipa_range(
                SecSid::NonSecure,
                VmidMatch::exact(0x13),
                AddressRange::ipa(0x8000, 0x1000)
            ),
            1
        );
        assert!(tlb.is_empty());
        assert_eq!(tlb.invalidate_all(), 0);
    }
}
