//! The plain-data types of the ABI and their conversions to and from the model's.
//!
//! Values C hands to Rust are plain integers with named constants (`TwinregSecSid`,
//! `TwinregAccess`), so that an out-of-range value is an error rather than undefined
//! behaviour; values Rust hands to C are C enums.

use smmu::event::Event;
use smmu::invalidation::{ConfigScope, Invalidation};
use smmu::stream_table::StreamWorld;
use smmu::tlb::{RangeSpace, TlbScope};
use smmu::translate::{Outcome, TranslatorStats};
use smmu::walk::{AccessKind, PagePermissions};
use smmu::{DeviceStats, Pas, SecSid, TranslationRequest};

use crate::handle::Failure;

/// A Security state (SEC_SID): `TWINREG_SEC_SID_NON_SECURE` or
/// `TWINREG_SEC_SID_SECURE`.
pub type TwinregSecSid = u32;
/// Non-secure.
pub const TWINREG_SEC_SID_NON_SECURE: TwinregSecSid = 0;
/// Secure.
pub const TWINREG_SEC_SID_SECURE: TwinregSecSid = 1;

/// The kind of a transaction: `TWINREG_ACCESS_READ`, `_WRITE` or `_EXEC`.
pub type TwinregAccess = u32;
/// A data read.
pub const TWINREG_ACCESS_READ: TwinregAccess = 0;
/// A data write.
pub const TWINREG_ACCESS_WRITE: TwinregAccess = 1;
/// An instruction fetch (a read with InD = 1).
pub const TWINREG_ACCESS_EXEC: TwinregAccess = 2;

/// Permission bits: `TWINREG_PERM_READ | TWINREG_PERM_WRITE | TWINREG_PERM_EXEC`.
pub type TwinregPerms = u32;
/// Data reads allowed.
pub const TWINREG_PERM_READ: TwinregPerms = 1;
/// Data writes allowed.
pub const TWINREG_PERM_WRITE: TwinregPerms = 2;
/// Instruction fetches allowed.
pub const TWINREG_PERM_EXEC: TwinregPerms = 4;

/// A physical address space.
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TwinregPas {
    /// The Non-secure PA space.
    NonSecure = 0,
    /// The Secure PA space.
    Secure = 1,
}

impl From<Pas> for TwinregPas {
    fn from(pas: Pas) -> TwinregPas {
        match pas {
            Pas::NonSecure => TwinregPas::NonSecure,
            Pas::Secure => TwinregPas::Secure,
        }
    }
}

pub(crate) fn sec_sid_to_c(sec_sid: SecSid) -> TwinregSecSid {
    match sec_sid {
        SecSid::NonSecure => TWINREG_SEC_SID_NON_SECURE,
        SecSid::Secure => TWINREG_SEC_SID_SECURE,
    }
}

/// One transaction presented to the SMMU.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default)]
pub struct TwinregTranslationRequest {
    /// StreamID.
    pub stream_id: u32,
    /// SubstreamID (PASID), used when `substream_valid`.
    pub substream_id: u32,
    /// The transaction carries a SubstreamID (SSV).
    pub substream_valid: bool,
    /// The stream's Security state, a `TwinregSecSid`: a property of the device
    /// issuing it (like QEMU's PCI `sec-sid`), not of the address.
    pub sec_sid: TwinregSecSid,
    /// Input address (IOVA).
    pub iova: u64,
    /// Access size in bytes (at least 1).
    pub size: u64,
    /// A `TwinregAccess`.
    pub access: TwinregAccess,
    /// Privileged (PnU = 1).
    pub privileged: bool,
    /// The incoming NS attribute of a Secure stream's transaction, used when no
    /// translation stage decides the output PA space (STE bypass with NSCFG "use
    /// incoming"). Ignored for Non-secure streams.
    pub ns: bool,
}

#[inline]
pub(crate) fn request_from_c(r: &TwinregTranslationRequest) -> Result<TranslationRequest, Failure> {
    let sec_sid = match r.sec_sid {
        TWINREG_SEC_SID_NON_SECURE => SecSid::NonSecure,
        TWINREG_SEC_SID_SECURE => SecSid::Secure,
        other => {
            return Err(Failure::invalid(format!(
                "sec_sid {other} is not a TwinregSecSid"
            )))
        }
    };
    let access = match r.access {
        TWINREG_ACCESS_READ => AccessKind::Read,
        TWINREG_ACCESS_WRITE => AccessKind::Write,
        TWINREG_ACCESS_EXEC => AccessKind::Execute,
        other => {
            return Err(Failure::invalid(format!(
                "access {other} is not a TwinregAccess"
            )))
        }
    };
    Ok(TranslationRequest {
        stream_id: r.stream_id,
        substream_id: r.substream_valid.then_some(r.substream_id),
        sec_sid,
        iova: r.iova,
        size: r.size,
        access,
        privileged: r.privileged,
        ns: r.ns,
    })
}

/// How a transaction ended.
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TwinregOutcome {
    /// Translated: `output_addr`, `pas`, `perms`, `page_size` are set.
    Translated = 0,
    /// Passed untranslated (SMMU disabled with GBPA bypass, STE bypass): the output
    /// address is the input address.
    Bypass = 1,
    /// Terminated with an abort and no event (STE.Config abort, GBPA.ABORT).
    Abort = 2,
    /// Terminated with an abort; `event` is the fault.
    Fault = 3,
    /// A stage 1 fault completing as RAZ/WI (TERM_MODEL 0, CD.A 0): reads return
    /// zero, writes are ignored; `event` is the fault.
    FaultRazWi = 4,
}

/// An event (IHI0070 7.3): what a fault recorded, or would have recorded.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct TwinregEvent {
    /// The event number (0x10 for F_TRANSLATION, ...); `twinreg_event_name` gives
    /// its name. 0 when there is no event.
    pub code: u8,
    /// The event was offered to the Event queue of the stream's Security state (it
    /// is written there if that queue is enabled and not full). False when CD.R,
    /// STE.S2R or CR2.RECINVSID suppress it.
    pub recorded: bool,
    /// The stream's Security state (`TwinregSecSid`).
    pub sec_sid: TwinregSecSid,
    /// StreamID.
    pub stream_id: u32,
    /// The record carries a SubstreamID.
    pub substream_valid: bool,
    /// SubstreamID.
    pub substream_id: u32,
    /// The transaction's input address.
    pub input_addr: u64,
    /// A stage 2 fault (S2).
    pub stage2: bool,
    /// The faulting IPA of a stage 2 fault.
    pub ipa: u64,
    /// The fetch address of F_STE_FETCH, F_CD_FETCH and F_WALK_EABT.
    pub fetch_addr: u64,
    /// The 32-byte record as the SMMU writes it to the Event queue, as four
    /// 64-bit words (word 0 first).
    pub words: [u64; 4],
}

impl From<&Event> for TwinregEvent {
    fn from(e: &Event) -> TwinregEvent {
        TwinregEvent {
            code: e.event_type.code(),
            recorded: e.record,
            sec_sid: sec_sid_to_c(e.sec_sid),
            stream_id: e.stream_id,
            substream_valid: e.substream_id.is_some(),
            substream_id: e.substream_id.unwrap_or(0),
            input_addr: e.input_addr,
            stage2: e.stage2,
            ipa: e.ipa,
            fetch_addr: e.fetch_addr,
            words: e.encode(),
        }
    }
}

/// The result of `twinreg_smmu_translate`.
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TwinregTranslation {
    /// How the transaction ended.
    pub outcome: TwinregOutcome,
    /// Output address of `iova` (Translated, Bypass; else 0).
    pub output_addr: u64,
    /// Its PA space (Translated, Bypass).
    pub pas: TwinregPas,
    /// What the mapping permits at the request's privilege (after the STE's
    /// PRIVCFG override): `TWINREG_PERM_*` bits. Everything for a bypass; 0 for a
    /// terminated transaction.
    pub perms: TwinregPerms,
    /// Size of the page or block `iova` lies in (the smaller of the stages'). A
    /// bypass is the same for every address; it reports 4096, the smallest
    /// granule, as the unit an embedder may cache it in. 0 when terminated.
    pub page_size: u64,
    /// `page_size - 1`: the in-page offset bits (QEMU's `IOMMUTLBEntry.addr_mask`).
    pub addr_mask: u64,
    /// Bytes of the access covered, from `iova` to at most the end of the page (a
    /// larger access continues at the next page); the whole access for a bypass.
    pub len: u64,
    /// The fault (Fault, FaultRazWi); all zero otherwise.
    pub event: TwinregEvent,
}

/// The granule a bypass reports as its page size (see `TwinregTranslation`).
const BYPASS_PAGE: u64 = 4096;

/// The OR of the bits whose flag is set.
fn bits(flags: &[(bool, u32)]) -> u32 {
    flags
        .iter()
        .filter(|(set, _)| *set)
        .fold(0, |acc, (_, bit)| acc | bit)
}

// On the hit path: plain arithmetic rather than `bits`' iterator.
fn perms_to_c(p: PagePermissions) -> TwinregPerms {
    (u32::from(p.read) * TWINREG_PERM_READ)
        | (u32::from(p.write) * TWINREG_PERM_WRITE)
        | (u32::from(p.execute) * TWINREG_PERM_EXEC)
}

impl From<Outcome> for TwinregTranslation {
    // Inlined into `twinreg_smmu_translate`, the result is built in the caller's
    // buffer rather than copied there (the hit path's largest cost in the ABI).
    #[inline]
    fn from(outcome: Outcome) -> TwinregTranslation {
        let terminated = |outcome, event: Option<&Event>| TwinregTranslation {
            outcome,
            output_addr: 0,
            pas: TwinregPas::NonSecure,
            perms: 0,
            page_size: 0,
            addr_mask: 0,
            len: 0,
            event: event.map(TwinregEvent::from).unwrap_or_default(),
        };
        match outcome {
            Outcome::Translated(t) => TwinregTranslation {
                outcome: TwinregOutcome::Translated,
                output_addr: t.output_addr,
                pas: t.pas.into(),
                perms: perms_to_c(t.permissions),
                page_size: t.page_size,
                addr_mask: t.page_size.wrapping_sub(1),
                len: t.len,
                event: TwinregEvent::default(),
            },
            Outcome::Bypass(b) => TwinregTranslation {
                outcome: TwinregOutcome::Bypass,
                output_addr: b.output_addr,
                pas: b.pas.into(),
                perms: TWINREG_PERM_READ | TWINREG_PERM_WRITE | TWINREG_PERM_EXEC,
                page_size: BYPASS_PAGE,
                addr_mask: BYPASS_PAGE - 1,
                len: b.len,
                event: TwinregEvent::default(),
            },
            Outcome::Abort => terminated(TwinregOutcome::Abort, None),
            Outcome::Fault(e) => terminated(TwinregOutcome::Fault, Some(&e)),
            Outcome::FaultRazWi(e) => terminated(TwinregOutcome::FaultRazWi, Some(&e)),
        }
    }
}

/// Stores `outcome` in `*out`. A translation (the hit path) is stored field by
/// field and its event part zeroed in place, so nothing is built on the stack and
/// copied; the rest go through [`From`].
///
/// # Safety
/// `out` is valid for a write of a `TwinregTranslation`.
#[inline]
pub(crate) unsafe fn store_translation(out: *mut TwinregTranslation, outcome: Outcome) {
    use std::ptr::addr_of_mut;
    match outcome {
        // SAFETY: every field of `*out` is written (the event as all-zero bytes,
        // which is `TwinregEvent::default()`: zero integers, false, SEC_SID 0).
        Outcome::Translated(t) => unsafe {
            addr_of_mut!((*out).outcome).write(TwinregOutcome::Translated);
            addr_of_mut!((*out).output_addr).write(t.output_addr);
            addr_of_mut!((*out).pas).write(t.pas.into());
            addr_of_mut!((*out).perms).write(perms_to_c(t.permissions));
            addr_of_mut!((*out).page_size).write(t.page_size);
            addr_of_mut!((*out).addr_mask).write(t.page_size.wrapping_sub(1));
            addr_of_mut!((*out).len).write(t.len);
            addr_of_mut!((*out).event).write_bytes(0, 1);
        },
        // SAFETY: the caller's contract.
        other => unsafe { out.write(TwinregTranslation::from(other)) },
    }
}

/// Counters of what the SMMU did since it was created.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct TwinregStats {
    /// Transactions translated (every `twinreg_smmu_translate` that returned OK).
    pub translations: u64,
    /// IOTLB hits.
    pub iotlb_hits: u64,
    /// IOTLB misses (translation tables walked).
    pub iotlb_misses: u64,
    /// Configuration cache hits.
    pub config_cache_hits: u64,
    /// Configuration cache misses (STE and CD fetched).
    pub config_cache_misses: u64,
    /// Commands consumed (both Command queues).
    pub commands: u64,
    /// Command errors (CERROR_ILL, CERROR_ABT).
    pub command_errors: u64,
    /// Event records written.
    pub events_written: u64,
    /// Events discarded (queue disabled, full, or its write aborted).
    pub events_discarded: u64,
    /// Events discarded because the queue was full.
    pub event_queue_overflows: u64,
    /// MSIs sent.
    pub msis: u64,
    /// Invalidations performed (each one a call of the invalidation callback).
    pub invalidations: u64,
}

impl TwinregStats {
    pub(crate) fn new(device: DeviceStats, translator: TranslatorStats) -> TwinregStats {
        TwinregStats {
            translations: device.translations,
            iotlb_hits: translator.tlb_hits,
            iotlb_misses: translator.tlb_misses,
            config_cache_hits: translator.config_hits,
            config_cache_misses: translator.config_misses,
            commands: device.commands,
            command_errors: device.command_errors,
            events_written: device.events_written,
            events_discarded: device.events_discarded,
            event_queue_overflows: device.overflows,
            msis: device.msis,
            invalidations: device.invalidations,
        }
    }
}

// ---------------------------------------------------------------------- invalidations

/// What an invalidation covers.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum TwinregInvalidationKind {
    /// Every cached configuration and translation of every Security state
    /// (SMMU_S_INIT.INV_ALL, or a restored snapshot).
    #[default]
    All = 0,
    /// Configuration of streams `first_stream..=last_stream` of `sec_sid`, with
    /// every translation made through them (CMD_CFGI_STE, _STE_RANGE, _CD_ALL).
    Streams = 1,
    /// Configuration of every stream of `sec_sid` (CMD_CFGI_ALL).
    AllStreams = 2,
    /// The CD of `substream_id` of stream `first_stream` (CMD_CFGI_CD).
    Substream = 3,
    /// Translations (CMD_TLBI_*): of `sec_sid` unless `all_sec_sids`, narrowed by
    /// the `worlds`, `stages`, ASID, VMID and address range fields.
    Tlb = 4,
}

/// StreamWorld bits of `TwinregInvalidation.worlds` (IHI0070 3.3.3).
pub type TwinregWorlds = u32;
/// Non-secure EL1&0.
pub const TWINREG_WORLD_NS_EL1: TwinregWorlds = 1 << 0;
/// Non-secure EL2.
pub const TWINREG_WORLD_NS_EL2: TwinregWorlds = 1 << 1;
/// Non-secure EL2&0 (E2H).
pub const TWINREG_WORLD_NS_EL2_E2H: TwinregWorlds = 1 << 2;
/// Secure EL1&0.
pub const TWINREG_WORLD_SECURE: TwinregWorlds = 1 << 3;
/// Secure EL2.
pub const TWINREG_WORLD_SECURE_EL2: TwinregWorlds = 1 << 4;
/// Secure EL2&0 (E2H).
pub const TWINREG_WORLD_SECURE_EL2_E2H: TwinregWorlds = 1 << 5;
/// EL3.
pub const TWINREG_WORLD_EL3: TwinregWorlds = 1 << 6;

const WORLDS: [(StreamWorld, TwinregWorlds); 7] = [
    (StreamWorld::NsEl1, TWINREG_WORLD_NS_EL1),
    (StreamWorld::NsEl2, TWINREG_WORLD_NS_EL2),
    (StreamWorld::NsEl2E2h, TWINREG_WORLD_NS_EL2_E2H),
    (StreamWorld::Secure, TWINREG_WORLD_SECURE),
    (StreamWorld::SecureEl2, TWINREG_WORLD_SECURE_EL2),
    (StreamWorld::SecureEl2E2h, TWINREG_WORLD_SECURE_EL2_E2H),
    (StreamWorld::El3, TWINREG_WORLD_EL3),
];

/// Entry kinds of `TwinregInvalidation.stages`.
pub type TwinregStages = u32;
/// Stage-1-only translations.
pub const TWINREG_STAGES_STAGE1: TwinregStages = 1;
/// Stage-2-only translations.
pub const TWINREG_STAGES_STAGE2: TwinregStages = 2;
/// Combined stage 1 + stage 2 translations.
pub const TWINREG_STAGES_NESTED: TwinregStages = 4;

/// One invalidation the SMMU performed, told to the host after its own caches
/// were invalidated and before any later CMD_SYNC completes (IHI0070 4.7.3). Fields
/// not used by `kind` are zero.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct TwinregInvalidation {
    /// What is covered.
    pub kind: TwinregInvalidationKind,
    /// Every Security state (All, and TLB invalidations of every state).
    pub all_sec_sids: bool,
    /// The Security state otherwise (`TwinregSecSid`).
    pub sec_sid: TwinregSecSid,
    /// Streams, Substream: the first (or only) StreamID.
    pub first_stream: u32,
    /// Streams: the last StreamID (inclusive).
    pub last_stream: u32,
    /// Substream: the SubstreamID.
    pub substream_id: u32,
    /// Tlb: the StreamWorlds reached (`TWINREG_WORLD_*` bits).
    pub worlds: TwinregWorlds,
    /// Tlb: the entry kinds reached (`TWINREG_STAGES_*` bits).
    pub stages: TwinregStages,
    /// Tlb: only non-global entries of `asid` (and global ones if
    /// `include_global`).
    pub asid_valid: bool,
    /// Tlb: the ASID.
    pub asid: u16,
    /// Tlb, with `asid_valid`: global entries too.
    pub include_global: bool,
    /// Tlb: only entries of `vmid`, ignoring its low `vmid_wildcard_bits` bits.
    pub vmid_valid: bool,
    /// Tlb: the VMID.
    pub vmid: u16,
    /// Tlb: low VMID bits ignored (SMMU_CR0.VMW).
    pub vmid_wildcard_bits: u8,
    /// Tlb: only entries overlapping `[range_start, range_end)`.
    pub range_valid: bool,
    /// Tlb: the range is of IPAs (TLBI_S2_IPA), else of input addresses.
    pub range_ipa: bool,
    /// Tlb: first byte.
    pub range_start: u64,
    /// Tlb: one past the last byte (saturating at 2^64 - 1).
    pub range_end: u64,
    /// Tlb: only last-level entries need invalidating (the command's Leaf hint).
    pub leaf_only: bool,
    /// Tlb: the TTL hint's granule in bytes (4096, 16384, 65536), 0 without one.
    pub ttl_granule: u64,
    /// Tlb: the TTL hint's level.
    pub ttl_level: u8,
}

impl From<&Invalidation> for TwinregInvalidation {
    fn from(invalidation: &Invalidation) -> TwinregInvalidation {
        let sec_sid = invalidation.sec_sid();
        let base = TwinregInvalidation {
            all_sec_sids: sec_sid.is_none(),
            sec_sid: sec_sid.map_or(0, sec_sid_to_c),
            ..TwinregInvalidation::default()
        };
        match *invalidation {
            Invalidation::All => TwinregInvalidation {
                kind: TwinregInvalidationKind::All,
                ..base
            },
            Invalidation::Config(ConfigScope::Streams { first, last, .. }) => TwinregInvalidation {
                kind: TwinregInvalidationKind::Streams,
                first_stream: first,
                last_stream: last,
                ..base
            },
            Invalidation::Config(ConfigScope::AllStreams { .. }) => TwinregInvalidation {
                kind: TwinregInvalidationKind::AllStreams,
                ..base
            },
            Invalidation::Config(ConfigScope::Substream {
                stream_id,
                substream_id,
                ..
            }) => TwinregInvalidation {
                kind: TwinregInvalidationKind::Substream,
                first_stream: stream_id,
                last_stream: stream_id,
                substream_id,
                ..base
            },
            Invalidation::Tlb(ref scope) => tlb_to_c(scope, base),
        }
    }
}

fn tlb_to_c(scope: &TlbScope, base: TwinregInvalidation) -> TwinregInvalidation {
    let worlds = WORLDS.map(|(world, bit)| (scope.worlds.contains(world), bit));
    let stages = [
        (scope.stages.stage1, TWINREG_STAGES_STAGE1),
        (scope.stages.stage2, TWINREG_STAGES_STAGE2),
        (scope.stages.nested, TWINREG_STAGES_NESTED),
    ];
    let mut c = TwinregInvalidation {
        kind: TwinregInvalidationKind::Tlb,
        worlds: bits(&worlds),
        stages: bits(&stages),
        asid_valid: scope.asid.is_some(),
        asid: scope.asid.unwrap_or(0),
        include_global: scope.include_global,
        ..base
    };
    if let Some(vmid) = scope.vmid {
        c.vmid_valid = true;
        c.vmid = vmid.vmid;
        c.vmid_wildcard_bits = vmid.wildcard_bits;
    }
    if let Some(range) = scope.range {
        c.range_valid = true;
        c.range_ipa = range.space == RangeSpace::Ipa;
        c.range_start = range.start;
        c.range_end = range.end;
        c.leaf_only = range.leaf_only;
        if let Some((granule, level)) = range.ttl {
            c.ttl_granule = granule.size();
            c.ttl_level = level;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use smmu::invalidation::ConfigScope;
    use smmu::tlb::{AddressRange, StageSet, VmidMatch, WorldSet};
    use smmu::walk::Granule;
    use smmu::EventType;

    #[test]
    fn invalidations_keep_their_scope() {
        let substream = Invalidation::Config(ConfigScope::Substream {
            sec_sid: SecSid::Secure,
            stream_id: 9,
            substream_id: 3,
        });
        assert_eq!(
            TwinregInvalidation::from(&substream),
            TwinregInvalidation {
                kind: TwinregInvalidationKind::Substream,
                sec_sid: TWINREG_SEC_SID_SECURE,
                first_stream: 9,
                last_stream: 9,
                substream_id: 3,
                ..Default::default()
            }
        );
        let all = TwinregInvalidation::from(&Invalidation::Config(ConfigScope::AllStreams {
            sec_sid: SecSid::NonSecure,
        }));
        assert_eq!(
            (all.kind, all.all_sec_sids, all.sec_sid),
            (
                TwinregInvalidationKind::AllStreams,
                false,
                TWINREG_SEC_SID_NON_SECURE
            )
        );
        let s2_ipa = TlbScope {
            sec_sid: Some(SecSid::NonSecure),
            worlds: WorldSet::EL1,
            stages: StageSet::STAGE2,
            vmid: Some(VmidMatch::with_vmw(0x35, 2)),
            asid: None,
            include_global: true,
            range: Some(AddressRange {
                ttl: Some((Granule::K16, 2)),
                leaf_only: true,
                ..AddressRange::ipa(0x8000_0000, 0x4000)
            }),
        };
        assert_eq!(
            TwinregInvalidation::from(&Invalidation::Tlb(s2_ipa)),
            TwinregInvalidation {
                kind: TwinregInvalidationKind::Tlb,
                sec_sid: TWINREG_SEC_SID_NON_SECURE,
                worlds: TWINREG_WORLD_NS_EL1 | TWINREG_WORLD_SECURE,
                stages: TWINREG_STAGES_STAGE2 | TWINREG_STAGES_NESTED,
                include_global: true,
                vmid_valid: true,
                vmid: 0x35,
                vmid_wildcard_bits: 2,
                range_valid: true,
                range_ipa: true,
                range_start: 0x8000_0000,
                range_end: 0x8000_4000,
                leaf_only: true,
                ttl_granule: 16384,
                ttl_level: 2,
                ..Default::default()
            }
        );
        let everything = TwinregInvalidation::from(&Invalidation::Tlb(TlbScope::ALL));
        assert!(everything.all_sec_sids);
        assert_eq!(everything.worlds, 0x7F);
        assert_eq!(everything.stages, 7);
        assert!(!everything.asid_valid && !everything.vmid_valid && !everything.range_valid);
    }

    #[test]
    fn outcomes_and_events_convert_field_by_field() {
        let event = Event {
            input_addr: 0x1234_5000,
            stage2: true,
            ipa: 0x8_0000_1000,
            record: true,
            ..Event::new(EventType::Translation, SecSid::Secure, 7, Some(2))
        };
        let t = TwinregTranslation::from(Outcome::Fault(event));
        assert_eq!(t.outcome, TwinregOutcome::Fault);
        assert_eq!(
            (t.output_addr, t.perms, t.page_size, t.addr_mask, t.len),
            (0, 0, 0, 0, 0)
        );
        assert_eq!(
            t.event,
            TwinregEvent {
                code: 0x10,
                recorded: true,
                sec_sid: TWINREG_SEC_SID_SECURE,
                stream_id: 7,
                substream_valid: true,
                substream_id: 2,
                input_addr: 0x1234_5000,
                stage2: true,
                ipa: 0x8_0000_1000,
                fetch_addr: 0,
                words: event.encode(),
            }
        );
        let razwi = TwinregTranslation::from(Outcome::FaultRazWi(event));
        assert_eq!(
            (razwi.outcome, razwi.event.code),
            (TwinregOutcome::FaultRazWi, 0x10)
        );
        let abort = TwinregTranslation::from(Outcome::Abort);
        assert_eq!(
            (abort.outcome, abort.event),
            (TwinregOutcome::Abort, TwinregEvent::default())
        );
    }
}
