//! The translation pipeline (IHI0070 3.3): bank enable and GBPA, StreamID check,
//! STE, SubstreamID and CD, IOTLB, stage 1 and stage 2 walks, and the event of a
//! terminated transaction.

use regdef::SecSid;
use thiserror::Error;

use crate::config::{ConfigError, SmmuConfig};
use crate::config_cache::{ConfigCache, ConfigKey, StreamContext, TranslationContext};
use crate::context_descriptor::{
    fetch_cd, select_cd, CdChoice, CdLookupError, ContextDescriptor, Stage1Config,
    TranslationTableBase,
};
use crate::event::{Event, EventDetail, EventType, FaultClass};
use crate::hit_cache::{grant, HitCache, HitLine};
use crate::memory::{GuestMemory, Pas};
use crate::registers::BankRegisters;
use crate::stream_table::{
    fetch_ste, Stage1Source, Stage2Config, SteLookupError, StreamAttributes, StreamConfig,
};
use crate::tlb::{Iotlb, Stages, TlbEntry, TlbTag};
use crate::walk::{
    walk_stage1, walk_stage2, Access, AccessKind, Granule, PagePermissions, Permissions,
    Stage1Leaf, Stage1Walk, Stage2Leaf, WalkFault, WalkFaultKind,
};

/// One transaction (or translation request) presented to the SMMU.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct TranslationRequest {
    /// StreamID.
    pub stream_id: u32,
    /// SubstreamID (PASID), if the transaction carries one (SSV = 1).
    pub substream_id: Option<u32>,
    /// The stream's Security state: a per-stream system property supplied by the
    /// embedder (like QEMU's PCI `sec-sid`), not derived from the address.
    pub sec_sid: SecSid,
    /// Input address (IOVA).
    pub iova: u64,
    /// Access size in bytes (at least 1).
    pub size: u64,
    /// Read, write or instruction fetch.
    pub access: AccessKind,
    /// Privileged (PnU = 1).
    pub privileged: bool,
    /// The incoming NS attribute of a Secure stream, used when no translation stage
    /// decides the output space (bypass with NSCFG = "use incoming"). Ignored for
    /// Non-secure streams, which are always Non-secure.
    pub ns: bool,
}

impl TranslationRequest {
    /// An unprivileged, 1-byte access without SubstreamID. A Secure stream's
    /// incoming NS attribute defaults to Secure.
    pub const fn new(sec_sid: SecSid, stream_id: u32, iova: u64, access: AccessKind) -> Self {
        TranslationRequest {
            stream_id,
            substream_id: None,
            sec_sid,
            iova,
            size: 1,
            access,
            privileged: false,
            ns: matches!(sec_sid, SecSid::NonSecure),
        }
    }

    /// With a SubstreamID.
    pub const fn with_substream(mut self, substream_id: u32) -> Self {
        self.substream_id = Some(substream_id);
        self
    }

    /// With an access size.
    pub const fn with_size(mut self, size: u64) -> Self {
        self.size = size;
        self
    }

    /// Privileged.
    pub const fn privileged(mut self) -> Self {
        self.privileged = true;
        self
    }
}

/// A request the model cannot present to this SMMU (an embedder error, not an
/// architected event).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Error)]
pub enum RequestError {
    /// A Secure stream on an SMMU without Secure state (S_IDR1.SECURE_IMPL == 0):
    /// every stream of such an SMMU is Non-secure (IHI0070 3.10.1).
    #[error("Secure stream on an SMMU without Secure state")]
    SecureStateNotImplemented,
    /// A SubstreamID wider than the 20-bit architected maximum.
    #[error("SubstreamID {0:#x} exceeds 20 bits")]
    SubstreamIdTooWide(u32),
    /// A zero-byte access.
    #[error("zero-sized access")]
    ZeroSize,
}

/// A successful translation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Translation {
    /// The output address of `iova`.
    pub output_addr: u64,
    /// Its physical address space.
    pub pas: Pas,
    /// What the mapping permits at the request's (post-override) privilege.
    pub permissions: PagePermissions,
    /// Size of the page or block `iova` lies in (the smaller of the stages' sizes).
    pub page_size: u64,
    /// Bytes of the access covered by this translation, from `iova` to at most the
    /// end of the page: an access crossing it continues at the next page.
    pub len: u64,
}

/// A transaction that passes untranslated.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Bypass {
    /// The output address (the input address).
    pub output_addr: u64,
    /// Its physical address space.
    pub pas: Pas,
    /// Attribute overrides (from SMMU_(S_)GBPA when the bank is disabled, else from
    /// the STE).
    pub attributes: StreamAttributes,
    /// Bytes of the access (all of it).
    pub len: u64,
}

/// The outcome of one transaction.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Translated.
    Translated(Translation),
    /// Bypassed: GBPA bypass with the bank disabled, STE.Config 0b100, or stage 1
    /// bypassed by S1DSS with stage 2 off.
    Bypass(Bypass),
    /// Terminated with an abort and no event: STE.Config 0b000 or GBPA.ABORT.
    Abort,
    /// Terminated with an abort; `Event::record` says whether it is recorded.
    Fault(Event),
    /// A stage 1 fault under CD.A == 0 (only when IDR0.TERM_MODEL == 0): the
    /// transaction completes as RAZ/WI (reads return zero, writes are ignored).
    FaultRazWi(Event),
}

/// Counters of cache behaviour.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TranslatorStats {
    /// Configuration cache hits.
    pub config_hits: u64,
    /// Configuration cache misses (STE/CD fetched).
    pub config_misses: u64,
    /// IOTLB hits.
    pub tlb_hits: u64,
    /// IOTLB misses (tables walked).
    pub tlb_misses: u64,
}

/// The translation engine of one SMMU: configuration, caches and the pipeline.
#[derive(Clone, Debug)]
pub struct Translator {
    config: SmmuConfig,
    config_cache: ConfigCache,
    tlb: Iotlb,
    /// Where recent hits were found in the two caches (`crate::hit_cache`).
    hits: HitCache,
    /// Whether `hits` is consulted and filled (always, except in the tests that
    /// compare the two paths).
    hit_lines: bool,
    stats: TranslatorStats,
}

/// The most hit lines a translator keeps: a line is 56 bytes, and an emulator's
/// working set of recently hit pages is far smaller than the IOTLB.
const MAX_HIT_LINES: usize = 1024;

/// The configuration-cache entry a slow-path lookup used, for the hit line it
/// may leave behind.
#[derive(Copy, Clone)]
struct ConfigSlot {
    index: u32,
    stamp: u64,
}

/// Why a transaction ends without a translation or bypass.
enum Stop {
    Event(Event),
    RazWi(Event),
}

/// The stage 1 configuration and the translation table base its TTB selection
/// chose for the input address.
type SelectedTtb<'t> = (&'t Stage1Config, TranslationTableBase);

/// Stage 1's part of a walk: its output (the IPA, or the PA when stage 2 does not
/// apply), that output's space (`true` = Non-secure), and the leaf with the stage 1
/// configuration it came from (`None`: stage 1 bypassed).
struct Stage1Output<'t> {
    ipa: u64,
    ns: bool,
    leaf: Option<(&'t Stage1Config, Stage1Leaf)>,
}

/// Stage 2's part: the output address and space, and what the IOTLB entry records
/// (the two stages' permissions and page size; the IPA page and stage 2 leaf).
struct Stage2Output {
    pa: u64,
    pas: Pas,
    permissions: Permissions,
    size_shift: u32,
    ipa: Option<(u64, u32, Stage2Leaf)>,
}

impl From<Stop> for Outcome {
    fn from(stop: Stop) -> Outcome {
        match stop {
            Stop::Event(e) => Outcome::Fault(e),
            Stop::RazWi(e) => Outcome::FaultRazWi(e),
        }
    }
}

/// The pieces of a request an event needs.
#[derive(Copy, Clone)]
struct EventSource {
    sec_sid: SecSid,
    stream_id: u32,
    substream_id: Option<u32>,
    iova: u64,
}

impl EventSource {
    /// An event with the stream identification (configuration events carry
    /// nothing else).
    fn event(&self, event_type: EventType) -> Event {
        Event::new(event_type, self.sec_sid, self.stream_id, self.substream_id)
    }

    fn fault(&self, fault: &WalkFault, access: Access, record: bool) -> Event {
        let event_type = match fault.kind {
            WalkFaultKind::Translation => EventType::Translation,
            WalkFaultKind::AddressSize => EventType::AddressSize,
            WalkFaultKind::AccessFlag => EventType::AccessFlag,
            WalkFaultKind::Permission => EventType::Permission,
            WalkFaultKind::ExternalAbort => EventType::WalkExternalAbort,
        };
        Event {
            rnw: access.rnw(),
            ind: access.ind(),
            pnu: access.privileged,
            input_addr: self.iova,
            stage2: fault.stage2,
            class: fault.class,
            ipa: fault.ipa,
            fetch_addr: fault.fetch_addr,
            nsipa: fault.nsipa,
            // TTRnW qualifies stage 2 permission faults on stage 1 table accesses,
            // which are always reads here (no HTTU updates).
            ttrnw: fault.class == FaultClass::TranslationTable
                && fault.kind == WalkFaultKind::Permission,
            // F_WALK_EABT is always recorded (IHI0070 5.5, behaviour.md 3.6).
            record: record || fault.kind == WalkFaultKind::ExternalAbort,
            ..self.event(event_type)
        }
    }
}

/// Stage 2 translation of a structure or table address; returns (PA, PAS).
fn stage2_resolve<M: GuestMemory + ?Sized>(
    mem: &M,
    s2: &Stage2Config,
    ipa: u64,
    ipa_ns: bool,
    class: FaultClass,
) -> Result<(u64, Pas), WalkFault> {
    let leaf = walk_stage2(
        mem,
        s2.table(ipa_ns),
        &s2.params,
        ipa,
        Access::WALK_READ,
        class,
    )?;
    let offset = ipa & ((1u64 << leaf.block_shift) - 1);
    Ok((leaf.output | offset, Pas::from_ns(leaf.ns)))
}

/// Canonical stage 1 input used for IOTLB indexing: with TBI the top byte is
/// replaced by the sign extension of bit 55 (IHI0070 3.4.1: TBI ignores `[63:56]`).
const fn canonical_va(va: u64, tbi: bool) -> u64 {
    if tbi {
        (((va << 8) as i64) >> 8) as u64
    } else {
        va
    }
}

impl Translator {
    /// A translator for a validated configuration, with empty caches.
    pub fn new(config: SmmuConfig) -> Result<Translator, ConfigError> {
        config.validate()?;
        Ok(Translator {
            config_cache: ConfigCache::new(config.config_cache_capacity),
            tlb: Iotlb::new(config.tlb_capacity),
            hits: HitCache::new(config.tlb_capacity.min(MAX_HIT_LINES)),
            hit_lines: true,
            config,
            stats: TranslatorStats::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SmmuConfig {
        &self.config
    }

    /// Cache counters.
    pub fn stats(&self) -> TranslatorStats {
        self.stats
    }

    /// The configuration cache.
    pub fn config_cache(&self) -> &ConfigCache {
        &self.config_cache
    }

    /// The configuration cache, for CMD_CFGI_* invalidation.
    pub fn config_cache_mut(&mut self) -> &mut ConfigCache {
        &mut self.config_cache
    }

    /// The IOTLB.
    pub fn tlb(&self) -> &Iotlb {
        &self.tlb
    }

    /// The IOTLB, for CMD_TLBI_* invalidation.
    pub fn tlb_mut(&mut self) -> &mut Iotlb {
        &mut self.tlb
    }

    /// Invalidates every cache of every Security state (SMMU_S_INIT.INV_ALL).
    pub fn invalidate_all(&mut self) {
        self.config_cache.invalidate_all();
        self.tlb.invalidate_all();
    }

    /// Translates one transaction.
    ///
    /// `banks` holds the register values of the Non-secure and the Secure bank, in
    /// [`SecSid::index`] order; the Secure bank is only read for Secure streams.
    // Inlined so that a hit costs the caller no call into the whole pipeline; the
    // rest is out of line.
    #[inline]
    pub fn translate<M: GuestMemory + ?Sized>(
        &mut self,
        mem: &M,
        banks: &[BankRegisters; 2],
        request: &TranslationRequest,
    ) -> Result<Outcome, RequestError> {
        self.check_request(request)?;
        let bank = &banks[request.sec_sid.index()];
        if bank.smmuen {
            if let Some(translation) = self.translate_hit(request, bank.sif) {
                return Ok(Outcome::Translated(translation));
            }
        }
        Ok(self.translate_checked(mem, bank, request))
    }

    /// The whole pipeline for a checked request (`bank`: the stream's bank).
    #[inline(never)]
    pub(crate) fn translate_checked<M: GuestMemory + ?Sized>(
        &mut self,
        mem: &M,
        bank: &BankRegisters,
        request: &TranslationRequest,
    ) -> Outcome {
        if !bank.smmuen {
            return Self::global_bypass(&self.config, bank, request);
        }
        self.translate_enabled(mem, bank, request)
    }

    /// The requests the model refuses before any architectural check.
    #[inline]
    pub(crate) fn check_request(&self, request: &TranslationRequest) -> Result<(), RequestError> {
        if request.sec_sid == SecSid::Secure && !self.config.secure_impl {
            return Err(RequestError::SecureStateNotImplemented);
        }
        if let Some(ssid) = request.substream_id {
            if ssid >> 20 != 0 {
                return Err(RequestError::SubstreamIdTooWide(ssid));
            }
        }
        if request.size == 0 {
            return Err(RequestError::ZeroSize);
        }
        Ok(())
    }

    /// The hit path: a checked request ([`check_request`](Translator::check_request))
    /// of an enabled bank, answered from a hit line (`crate::hit_cache`) whose
    /// configuration-cache and IOTLB entries are both still the ones it was made
    /// from, when the access passes the permission and S_CR0.SIF checks
    /// (`sif`: the effective SIF of the stream's bank). `None` means the full
    /// pipeline must run; nothing has changed then but the reference bits the full
    /// pipeline sets too, so the outcome, statistics and cache state are exactly
    /// those of the full pipeline.
    #[inline(always)]
    pub(crate) fn translate_hit(
        &mut self,
        request: &TranslationRequest,
        sif: bool,
    ) -> Option<Translation> {
        let Translator {
            config_cache,
            tlb,
            hits,
            hit_lines,
            stats,
            ..
        } = self;
        if !*hit_lines {
            return None;
        }
        let line = hits.get(request)?;
        if !config_cache.touch(line.config_slot, line.config_stamp) {
            return None;
        }
        let entry = tlb.revisit(line.tlb_slot, line.tlb_stamp)?;
        // The permission and SIF checks, made when the line was, for this
        // transaction's access kind and privilege.
        let g = line
            .grants
            .get(grant::index(request.access, request.privileged))
            .copied()
            .unwrap_or(0);
        if g & grant::ALLOWED == 0 || (sif && g & grant::SIF_FORBIDS != 0) {
            // Re-walked by the full pipeline, which reports the fault.
            return None;
        }
        let input = line.input_page << 12 | (request.iova & 0xFFF);
        let page_size = 1u64 << entry.size_shift;
        let to_end = page_size - (input & (page_size - 1));
        let translation = Translation {
            output_addr: entry.output_for(input),
            pas: entry.pas,
            permissions: PagePermissions {
                read: g & grant::READ != 0,
                write: g & grant::WRITE != 0,
                execute: g & grant::EXECUTE != 0,
            },
            page_size,
            len: request.size.min(to_end),
        };
        stats.config_hits += 1;
        stats.tlb_hits += 1;
        Some(translation)
    }

    /// [`HitLine::grants`]: for each access kind and privilege a transaction may
    /// present, what the full pipeline's checks after an IOTLB hit decide with
    /// this entry and these STE attributes.
    fn grants(entry: &TlbEntry, attributes: &StreamAttributes, secure: bool) -> [u8; 6] {
        let mut grants = [0u8; 6];
        for kind in [AccessKind::Read, AccessKind::Write, AccessKind::Execute] {
            for privileged in [false, true] {
                let access =
                    Self::access_of(attributes.privcfg, attributes.instcfg, kind, privileged);
                let p = entry.permissions.for_privilege(access.privileged);
                let mut g = (u8::from(p.read) * grant::READ)
                    | (u8::from(p.write) * grant::WRITE)
                    | (u8::from(p.execute) * grant::EXECUTE);
                if entry.permissions.allows(access) {
                    g |= grant::ALLOWED;
                }
                if secure && access.kind == AccessKind::Execute && entry.pas == Pas::NonSecure {
                    g |= grant::SIF_FORBIDS;
                }
                if let Some(slot) = grants.get_mut(grant::index(kind, privileged)) {
                    *slot = g;
                }
            }
        }
        grants
    }

    /// An enabled bank's pipeline from the configuration cache on.
    fn translate_enabled<M: GuestMemory + ?Sized>(
        &mut self,
        mem: &M,
        bank: &BankRegisters,
        request: &TranslationRequest,
    ) -> Outcome {
        let key = ConfigKey {
            sec_sid: request.sec_sid,
            stream_id: request.stream_id,
            substream_id: request.substream_id,
        };
        let index = match self.config_cache.find(&key) {
            Some(index) => {
                self.stats.config_hits += 1;
                index
            }
            None => {
                self.stats.config_misses += 1;
                match self.resolve_stream(mem, bank, request) {
                    Ok(context) => self.config_cache.insert_slot(key, context),
                    Err(stop) => return stop.into(),
                }
            }
        };
        let slot = ConfigSlot {
            index,
            stamp: self.config_cache.stamp(index),
        };
        // Split borrows: the cached context is used in place, never copied.
        let Translator {
            config,
            config_cache,
            tlb,
            hits,
            hit_lines,
            stats,
        } = self;
        let Some(context) = config_cache.slot(index) else {
            return Outcome::Abort;
        };
        match context {
            StreamContext::Abort => Outcome::Abort,
            StreamContext::Bypass(attributes) => {
                Self::stream_bypass(config, bank, attributes, request)
            }
            StreamContext::Translate(t) => {
                let hits = if *hit_lines { Some(hits) } else { None };
                match Self::translate_address(config, tlb, stats, hits, slot, mem, bank, t, request)
                {
                    Ok(translation) => Outcome::Translated(translation),
                    Err(stop) => stop.into(),
                }
            }
        }
    }

    /// Turns the hit lines off (`false`) or on: the tests that hold the hit path
    /// to the full pipeline run both side by side.
    #[cfg(test)]
    pub(crate) fn set_hit_lines(&mut self, on: bool) {
        self.hit_lines = on;
    }

    /// SMMUEN == 0: abort or bypass with SMMU_(S_)GBPA (IHI0070 3.11, 6.3.14,
    /// behaviour.md 6.8). No event is generated while the bank is disabled.
    fn global_bypass(
        config: &SmmuConfig,
        bank: &BankRegisters,
        request: &TranslationRequest,
    ) -> Outcome {
        let gbpa = bank.gbpa;
        // IHI0070 3.4: the input address is presented as the PA, and one beyond
        // the OAS is terminated with an abort and no event.
        if gbpa.abort() || request.iova >> config.oas.bits() != 0 {
            return Outcome::Abort;
        }
        let pas = match request.sec_sid {
            SecSid::NonSecure => Pas::NonSecure,
            // S_GBPA.NSCFG: 0b10 Secure, 0b11 Non-secure, else the incoming NS.
            SecSid::Secure => match gbpa.nscfg() {
                0b10 => Pas::Secure,
                0b11 => Pas::NonSecure,
                _ => Pas::from_ns(request.ns),
            },
        };
        let attributes = StreamAttributes {
            shcfg: gbpa.shcfg(),
            mtcfg: gbpa.mtcfg(),
            mem_attr: gbpa.mem_attr(),
            alloccfg: gbpa.alloccfg(),
            privcfg: gbpa.privcfg(),
            instcfg: gbpa.instcfg(),
            nscfg: if request.sec_sid == SecSid::Secure {
                gbpa.nscfg()
            } else {
                0
            },
        };
        // IHI0070 6.3.57: with translation disabled, a fetch SIF forbids is
        // terminated with abort and no F_PERMISSION is recorded.
        let access = Self::effective_access(&attributes, request);
        if Self::sif_forbids(bank, request, access, pas == Pas::NonSecure) {
            return Outcome::Abort;
        }
        Outcome::Bypass(Bypass {
            output_addr: request.iova,
            pas,
            attributes,
            len: request.size,
        })
    }

    /// S_CR0.SIF (IHI0070 6.3.57, 3.26.1): a Secure stream's instruction fetch
    /// (after INSTCFG) whose effective stage 1 output is Non-secure - the PA of a
    /// stage-1-only or bypassed stream, or the IPA space stage 2 translates.
    fn sif_forbids(
        bank: &BankRegisters,
        request: &TranslationRequest,
        access: Access,
        stage1_output_ns: bool,
    ) -> bool {
        request.sec_sid == SecSid::Secure
            && bank.sif
            && access.kind == AccessKind::Execute
            && stage1_output_ns
    }

    /// The stage 1 F_PERMISSION of a fetch SIF forbids: CLASS = IN, S2 = 0
    /// (IHI0070 6.3.57), recorded unless `record` (CD.R) says otherwise.
    fn sif_event(request: &TranslationRequest, access: Access, record: bool) -> Event {
        let fault = WalkFault::stage1(WalkFaultKind::Permission, 0);
        Self::event_source(request).fault(&fault, access, record)
    }

    /// STE bypass (Config 0b100, or no stage enabled after S1DSS).
    fn stream_bypass(
        config: &SmmuConfig,
        bank: &BankRegisters,
        attributes: &StreamAttributes,
        request: &TranslationRequest,
    ) -> Outcome {
        if request.iova >> config.ias().bits() != 0 {
            // Stage 1 bypass with an input beyond the IAS: stage 1 Address Size
            // fault, CLASS = IN (IHI0070 3.4.1, 7.3.14). There is no CD, so CD.R
            // cannot suppress it: recorded.
            return Outcome::Fault(Self::bypass_address_size_event(request, attributes));
        }
        let pas = match request.sec_sid {
            SecSid::NonSecure => Pas::NonSecure,
            SecSid::Secure => Pas::from_ns(attributes.ns_after_bypass(request.ns)),
        };
        // IHI0070 6.3.57: stage 1 bypassed, so the fetch is terminated with abort
        // and the stage 1 F_PERMISSION recorded (no CD.R to suppress it).
        let access = Self::effective_access(attributes, request);
        if Self::sif_forbids(bank, request, access, pas == Pas::NonSecure) {
            return Outcome::Fault(Self::sif_event(request, access, true));
        }
        Outcome::Bypass(Bypass {
            output_addr: request.iova,
            pas,
            attributes: *attributes,
            len: request.size,
        })
    }

    fn bypass_address_size_event(
        request: &TranslationRequest,
        attributes: &StreamAttributes,
    ) -> Event {
        let source = Self::event_source(request);
        let fault = WalkFault::stage1(WalkFaultKind::AddressSize, 0);
        source.fault(&fault, Self::effective_access(attributes, request), true)
    }

    fn event_source(request: &TranslationRequest) -> EventSource {
        EventSource {
            sec_sid: request.sec_sid,
            stream_id: request.stream_id,
            substream_id: request.substream_id,
            iova: request.iova,
        }
    }

    /// The access after STE.PRIVCFG/INSTCFG (IHI0070 13.1.2; INSTCFG applies to
    /// reads only).
    fn effective_access(attributes: &StreamAttributes, request: &TranslationRequest) -> Access {
        Self::access_of(
            attributes.privcfg,
            attributes.instcfg,
            request.access,
            request.privileged,
        )
    }

    /// [`effective_access`](Translator::effective_access) from the two fields and
    /// the access as presented.
    fn access_of(privcfg: u8, instcfg: u8, access: AccessKind, privileged: bool) -> Access {
        let privileged = match privcfg {
            0b10 => false,
            0b11 => true,
            _ => privileged,
        };
        let kind = match (access, instcfg) {
            (AccessKind::Write, _) => AccessKind::Write,
            (_, 0b10) => AccessKind::Read,
            (_, 0b11) => AccessKind::Execute,
            (kind, _) => kind,
        };
        Access { kind, privileged }
    }

    /// Stream table, STE, SubstreamID and CD: everything the configuration cache
    /// holds (IHI0070 3.3.2; event priority of behaviour.md 5.2).
    fn resolve_stream<M: GuestMemory + ?Sized>(
        &self,
        mem: &M,
        bank: &BankRegisters,
        request: &TranslationRequest,
    ) -> Result<StreamContext, Stop> {
        let config = &self.config;
        let state = request.sec_sid;
        let source = Self::event_source(request);
        let (ste, _) =
            fetch_ste(mem, config, bank, state, request.stream_id).map_err(|e| match e {
                SteLookupError::BadStreamId => Stop::Event(Event {
                    // C_BAD_STREAMID is recorded only with CR2.RECINVSID (IHI0070
                    // 7.3.3); QEMU always records it (behaviour.md 8.2 #2).
                    record: bank.recinvsid(),
                    ..source.event(EventType::BadStreamId)
                }),
                SteLookupError::FetchAbort { fetch_addr } => Stop::Event(Event {
                    fetch_addr,
                    ..source.event(EventType::SteFetch)
                }),
            })?;
        let ste_config = ste.decode(state, config, bank.e2h()).map_err(|rule| {
            Stop::Event(Event {
                detail: EventDetail::Ste(rule),
                ..source.event(EventType::BadSte)
            })
        })?;
        let t = match ste_config {
            StreamConfig::Abort => return Ok(StreamContext::Abort),
            StreamConfig::Bypass(attributes) => {
                if request.substream_id.is_some() {
                    return Err(Self::bad_substream(&source));
                }
                return Ok(StreamContext::Bypass(attributes));
            }
            StreamConfig::Translate(t) => t,
        };
        let Some(s1) = t.stage1 else {
            // Stage 1 disabled: a SubstreamID is an error (IHI0070 7.3.9).
            if request.substream_id.is_some() {
                return Err(Self::bad_substream(&source));
            }
            return Ok(StreamContext::Translate(TranslationContext {
                attributes: t.attributes,
                world: t.world,
                vmid: t.vmid,
                stage1: None,
                stage2: t.stage2,
                cd_index: None,
            }));
        };
        let index = match select_cd(&s1, request.substream_id) {
            Ok(CdChoice::Index(index)) => index,
            Ok(CdChoice::BypassStage1) => {
                if t.stage2.is_none() {
                    return Ok(StreamContext::Bypass(t.attributes));
                }
                return Ok(StreamContext::Translate(TranslationContext {
                    attributes: t.attributes,
                    world: t.world,
                    vmid: t.vmid,
                    stage1: None,
                    stage2: t.stage2,
                    cd_index: None,
                }));
            }
            Err(e) => return Err(self.cd_error(e, &source, &t.attributes, request, &t.stage2)),
        };
        let cd = self
            .fetch_cd(mem, &s1, index, &t.stage2, state)
            .map_err(|e| self.cd_error(e, &source, &t.attributes, request, &t.stage2))?;
        let stage1 = cd
            .decode(config, t.world, state == SecSid::Secure)
            .map_err(|rule| {
                Stop::Event(Event {
                    detail: EventDetail::Cd(rule),
                    ..source.event(EventType::BadCd)
                })
            })?;
        Ok(StreamContext::Translate(TranslationContext {
            attributes: t.attributes,
            world: t.world,
            vmid: t.vmid,
            stage1: Some(stage1),
            stage2: t.stage2,
            cd_index: Some(index),
        }))
    }

    fn bad_substream(source: &EventSource) -> Stop {
        Stop::Event(Event {
            // C_BAD_SUBSTREAMID always carries a SubstreamID: 0 when the
            // transaction had none (IHI0070 7.3.9).
            substream_id: Some(source.substream_id.unwrap_or(0)),
            input_addr: 0,
            ..source.event(EventType::BadSubstreamId)
        })
    }

    fn cd_error(
        &self,
        error: CdLookupError,
        source: &EventSource,
        attributes: &StreamAttributes,
        request: &TranslationRequest,
        stage2: &Option<Stage2Config>,
    ) -> Stop {
        match error {
            CdLookupError::BadSubstreamId => Self::bad_substream(source),
            CdLookupError::StreamDisabled => Stop::Event(Event {
                ..source.event(EventType::StreamDisabled)
            }),
            CdLookupError::FetchAbort { fetch_addr } => Stop::Event(Event {
                fetch_addr,
                ..source.event(EventType::CdFetch)
            }),
            CdLookupError::Stage2(fault) => {
                let record = stage2.as_ref().is_some_and(|s2| s2.record);
                Stop::Event(source.fault(
                    &fault,
                    Self::effective_access(attributes, request),
                    record,
                ))
            }
        }
    }

    /// Fetches a CD, through stage 2 when enabled (IHI0070 3.3.2: S1ContextPtr and
    /// L1CD.L2Ptr are IPAs then, translated with CLASS = CD).
    fn fetch_cd<M: GuestMemory + ?Sized>(
        &self,
        mem: &M,
        s1: &Stage1Source,
        index: u32,
        stage2: &Option<Stage2Config>,
        state: SecSid,
    ) -> Result<ContextDescriptor, CdLookupError> {
        let oas = self.config.oas;
        // A Secure stream's CDs are Secure (PA, or Secure IPA with Secure stage 2);
        // a Non-secure stream's are Non-secure (IHI0070 3.10.2).
        let ns = state == SecSid::NonSecure;
        let result = match stage2 {
            Some(s2) => fetch_cd(mem, s1, index, oas, self.config.ias().bits(), &mut |ipa| {
                stage2_resolve(mem, s2, ipa, ns, FaultClass::Cd)
            }),
            None => fetch_cd(mem, s1, index, oas, oas.bits(), &mut |pa| {
                Ok((pa, Pas::from_ns(ns)))
            }),
        };
        result.map(|(cd, _)| cd)
    }

    /// IOTLB lookup, then the walks (IHI0070 3.3.4-3.3.5, nested order of
    /// behaviour.md 3.5): the input range check, the IOTLB, stage 1, SIF, stage 2,
    /// and the new IOTLB entry, each its own step below.
    #[allow(clippy::too_many_arguments)]
    fn translate_address<M: GuestMemory + ?Sized>(
        config: &SmmuConfig,
        tlb: &mut Iotlb,
        stats: &mut TranslatorStats,
        hits: Option<&mut HitCache>,
        config_slot: ConfigSlot,
        mem: &M,
        bank: &BankRegisters,
        t: &TranslationContext,
        request: &TranslationRequest,
    ) -> Result<Translation, Stop> {
        let access = Self::effective_access(&t.attributes, request);
        let source = Self::event_source(request);
        let (input, ttb) = Self::select_input(config, t, request, access, &source)?;
        let (tag, asid) = Self::tlb_tag(t, request);
        if let Some(done) = Self::iotlb_hit(
            tlb,
            hits,
            config_slot,
            bank,
            t,
            request,
            access,
            (&tag, asid, input),
        ) {
            stats.tlb_hits += 1;
            return Ok(done);
        }
        stats.tlb_misses += 1;
        let s1 = Self::stage1(mem, t, request, access, &source, input, ttb)?;
        // S_CR0.SIF (IHI0070 6.3.57) judges the stage 1 output, before stage 2
        // translates it: with stage 1 applied CD.{A,R} govern the fault, with
        // stage 1 bypassed it is terminated and recorded.
        if Self::sif_forbids(bank, request, access, s1.ns) {
            return Err(match &s1.leaf {
                Some((s1, _)) => Self::stage1_stop(s1, Self::sif_event(request, access, s1.record)),
                None => Stop::Event(Self::sif_event(request, access, true)),
            });
        }
        let s2 = Self::stage2(mem, t, access, &source, &s1)?;
        // A Non-secure stream never reaches Secure memory (IHI0070 3.10.1). This
        // holds by construction, not by an override here that would hide a bug:
        // its walks start and stay Non-secure (`start_ns`, `Stage1Walk`), its
        // stage 2 tables are Non-secure (`StreamTableEntry::decode` applies
        // S2SW/S2SA/S2NSW/S2NSA to Secure STEs only), and its bypass is
        // Non-secure. The property tests and the fuzz target check it.
        let entry = Self::iotlb_entry(t, input, ttb.map(|(_, base)| base), &s1, &s2);
        tlb.insert(tag, input, entry);
        Ok(Self::translation(&entry, input, request, access))
    }

    /// The range checks that precede any cache: stage 1's TTB selection (the input
    /// then canonical for that TTB), or the IAS check of a bypassed stage 1.
    fn select_input<'t>(
        config: &SmmuConfig,
        t: &'t TranslationContext,
        request: &TranslationRequest,
        access: Access,
        source: &EventSource,
    ) -> Result<(u64, Option<SelectedTtb<'t>>), Stop> {
        match &t.stage1 {
            Some(s1) => match s1.select_ttb(request.iova) {
                Some(base) => Ok((canonical_va(request.iova, base.tbi), Some((s1, *base)))),
                None => {
                    let fault = WalkFault {
                        kind: WalkFaultKind::Translation,
                        stage2: false,
                        class: FaultClass::Input,
                        ipa: 0,
                        nsipa: false,
                        fetch_addr: 0,
                        level: 0,
                    };
                    Err(Self::stage1_stop(
                        s1,
                        source.fault(&fault, access, s1.record),
                    ))
                }
            },
            None if request.iova >> config.ias().bits() != 0 => Err(Stop::Event(
                Self::bypass_address_size_event(request, &t.attributes),
            )),
            None => Ok((request.iova, None)),
        }
    }

    /// The IOTLB tag of a context's translations, and the ASID its stage 1 matches on.
    fn tlb_tag(t: &TranslationContext, request: &TranslationRequest) -> (TlbTag, Option<u16>) {
        let stages = match (t.stage1.is_some(), t.stage2.is_some()) {
            (true, false) => Stages::Stage1,
            (false, _) => Stages::Stage2,
            (true, true) => Stages::Nested,
        };
        let tag = TlbTag {
            sec_sid: request.sec_sid,
            world: t.world,
            stages,
            vmid: t.vmid,
        };
        let asid = t
            .stage1
            .as_ref()
            .filter(|_| t.world.has_asid())
            .map(|s1| s1.asid);
        (tag, asid)
    }

    /// An IOTLB hit that permits the access (IHI0070 3.3.4): its translation, and a
    /// hit line for the next access to the page. A denied access is re-walked so
    /// that the fault is reported exactly as a fresh walk reports it.
    #[allow(clippy::too_many_arguments)]
    fn iotlb_hit(
        tlb: &mut Iotlb,
        hits: Option<&mut HitCache>,
        config_slot: ConfigSlot,
        bank: &BankRegisters,
        t: &TranslationContext,
        request: &TranslationRequest,
        access: Access,
        (tag, asid, input): (&TlbTag, Option<u16>, u64),
    ) -> Option<Translation> {
        let hit = tlb.find(tag, asid, input)?;
        let entry = tlb.entry(hit.slot)?;
        // A Non-secure stage 1 output always gives a Non-secure PA, so this
        // re-walks at least every fetch SIF forbids.
        let sif_violation = Self::sif_forbids(bank, request, access, entry.pas == Pas::NonSecure);
        if !entry.permissions.allows(access) || sif_violation {
            return None;
        }
        // Remember where this page was found, unless a later IOTLB insertion could
        // make the lookup find another entry first.
        if let (Some(hits), true) = (hits, hit.final_probe) {
            hits.insert(HitLine {
                config_slot: config_slot.index,
                config_stamp: config_slot.stamp,
                tlb_slot: hit.slot,
                tlb_stamp: hit.stamp,
                grants: Self::grants(entry, &t.attributes, request.sec_sid == SecSid::Secure),
                ..HitLine::new(request, input)
            });
        }
        Some(Self::translation(entry, input, request, access))
    }

    /// Stage 1 (IHI0070 3.3.4): the walk, nested through stage 2 when both stages
    /// apply, or the bypass. Its faults are stage 1's, or stage 2's for a nested
    /// table fetch.
    fn stage1<'t, M: GuestMemory + ?Sized>(
        mem: &M,
        t: &'t TranslationContext,
        request: &TranslationRequest,
        access: Access,
        source: &EventSource,
        input: u64,
        ttb: Option<SelectedTtb<'t>>,
    ) -> Result<Stage1Output<'t>, Stop> {
        let Some((s1, base)) = ttb else {
            let ns =
                request.sec_sid == SecSid::NonSecure || t.attributes.ns_after_bypass(request.ns);
            return Ok(Stage1Output {
                ipa: request.iova,
                ns,
                leaf: None,
            });
        };
        let walk = Stage1Walk {
            ttb: base.ttb,
            geometry: base.geometry,
            start_ns: base.start_ns,
            secure_stream: request.sec_sid == SecSid::Secure,
            oa_bits: s1.oa_bits,
            hierarchical_disable: base.hierarchical_disable,
            affd: s1.affd,
            regime: s1.regime,
        };
        let leaf = match &t.stage2 {
            Some(s2) => walk_stage1(mem, &walk, input, access, &mut |ipa, ns| {
                stage2_resolve(mem, s2, ipa, ns, FaultClass::TranslationTable)
            }),
            None => walk_stage1(mem, &walk, input, access, &mut |pa, ns| {
                Ok((pa, Pas::from_ns(ns)))
            }),
        };
        let leaf = leaf.map_err(|fault| {
            let record = if fault.stage2 {
                t.stage2.as_ref().is_some_and(|s2| s2.record)
            } else {
                s1.record
            };
            let event = source.fault(&fault, access, record);
            if fault.stage2 {
                Stop::Event(event)
            } else {
                Self::stage1_stop(s1, event)
            }
        })?;
        let offset = input & ((1u64 << leaf.block_shift) - 1);
        Ok(Stage1Output {
            ipa: leaf.output | offset,
            ns: leaf.ns,
            leaf: Some((s1, leaf)),
        })
    }

    /// Stage 2 (IHI0070 3.3.5) of stage 1's output, or stage 1's output as it is;
    /// the permissions and page size are the two stages' intersection.
    fn stage2<M: GuestMemory + ?Sized>(
        mem: &M,
        t: &TranslationContext,
        access: Access,
        source: &EventSource,
        s1: &Stage1Output<'_>,
    ) -> Result<Stage2Output, Stop> {
        let (s1_perm, s1_shift) = match &s1.leaf {
            Some((_, l)) => (l.permissions, Some(l.block_shift)),
            None => (Permissions::ALL, None),
        };
        let Some(s2) = &t.stage2 else {
            return Ok(Stage2Output {
                pa: s1.ipa,
                pas: Pas::from_ns(s1.ns),
                permissions: s1_perm,
                size_shift: s1_shift.unwrap_or(63),
                ipa: None,
            });
        };
        let leaf = walk_stage2(
            mem,
            s2.table(s1.ns),
            &s2.params,
            s1.ipa,
            access,
            FaultClass::Input,
        )
        .map_err(|fault| Stop::Event(source.fault(&fault, access, s2.record)))?;
        let offset = s1.ipa & ((1u64 << leaf.block_shift) - 1);
        Ok(Stage2Output {
            pa: leaf.output | offset,
            pas: Pas::from_ns(leaf.ns),
            permissions: s1_perm.intersect(leaf.permissions),
            size_shift: s1_shift.unwrap_or(u32::MAX).min(leaf.block_shift),
            ipa: Some((
                s1.ipa & !((1u64 << leaf.block_shift) - 1),
                leaf.block_shift,
                leaf,
            )),
        })
    }

    /// The IOTLB entry of a finished walk. It remembers the leaf that TTL hints
    /// describe: stage 1's when it translates, else stage 2's.
    fn iotlb_entry(
        t: &TranslationContext,
        input: u64,
        ttb: Option<TranslationTableBase>,
        s1: &Stage1Output<'_>,
        s2: &Stage2Output,
    ) -> TlbEntry {
        let (granule, level, global, asid) = match (&s1.leaf, ttb, &s2.ipa) {
            (Some((s1, leaf)), Some(base), _) => (
                base.geometry.granule,
                leaf.level,
                leaf.global || !t.world.has_asid(),
                s1.asid,
            ),
            (_, _, Some((_, _, leaf))) => {
                (s2_granule(t.stage2.as_ref(), s1.ns), leaf.level, true, 0)
            }
            _ => (Granule::K4, 3, true, 0),
        };
        let size_shift = s2.size_shift.min(63);
        let mask = (1u64 << size_shift) - 1;
        TlbEntry {
            input_base: input & !mask,
            size_shift,
            output_base: s2.pa & !mask,
            pas: s2.pas,
            permissions: s2.permissions,
            granule,
            level,
            ipa_base: s2.ipa.map(|(base, _, _)| base),
            ipa_size_shift: s2.ipa.map_or(0, |(_, shift, _)| shift),
            global,
            asid,
        }
    }

    fn stage1_stop(s1: &Stage1Config, event: Event) -> Stop {
        if s1.abort {
            Stop::Event(event)
        } else {
            Stop::RazWi(event)
        }
    }

    #[inline]
    fn translation(
        entry: &TlbEntry,
        input: u64,
        request: &TranslationRequest,
        access: Access,
    ) -> Translation {
        let page_size = 1u64 << entry.size_shift;
        let to_end = page_size - (input & (page_size - 1));
        Translation {
            output_addr: entry.output_for(input),
            pas: entry.pas,
            permissions: entry.permissions.for_privilege(access.privileged),
            page_size,
            len: request.size.min(to_end),
        }
    }
}

fn s2_granule(s2: Option<&Stage2Config>, ipa_ns: bool) -> Granule {
    s2.map_or(Granule::K4, |s2| s2.table(ipa_ns).geometry.granule)
}
