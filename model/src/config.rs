//! What one SMMU instance implements: the choices its ID registers advertise.
//!
//! [`SmmuConfig`] is the model's equivalent of SMMU_IDR0-5 and SMMU_S_IDR0-1
//! (IHI0070 6.3.1-6.3.6, 6.3.40-6.3.41). It is plain data, validated once by
//! [`SmmuConfig::validate`]; translation then trusts it.
//!
//! Every field is also a named *knob* in one table ([`SmmuConfig::knobs`]), which
//! is what scenario files, the C ABI and the QEMU device set by name
//! ([`SmmuConfig::set`], [`SmmuConfig::with_overrides`]), starting from a named
//! preset ([`SmmuConfig::preset`]). A knob's name, documentation, value syntax and
//! the rule by which it follows other knobs live only there.

use thiserror::Error;

use crate::walk::Granule;
use regdef::SecSid;

/// An address size as encoded by SMMU_IDR5.OAS, CD.IPS and STE.S2PS
/// (IHI0070 6.3.6, 5.4.1, 5.2).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddressSize {
    /// 32 bits (4 GB), encoding 0b000.
    Bits32,
    /// 36 bits (64 GB), encoding 0b001.
    Bits36,
    /// 40 bits (1 TB), encoding 0b010.
    Bits40,
    /// 42 bits (4 TB), encoding 0b011.
    Bits42,
    /// 44 bits (16 TB), encoding 0b100.
    Bits44,
    /// 48 bits (256 TB), encoding 0b101.
    Bits48,
    /// 52 bits (4 PB), encoding 0b110 (SMMUv3.1 and later).
    Bits52,
}

impl AddressSize {
    /// The number of address bits.
    pub const fn bits(self) -> u32 {
        match self {
            AddressSize::Bits32 => 32,
            AddressSize::Bits36 => 36,
            AddressSize::Bits40 => 40,
            AddressSize::Bits42 => 42,
            AddressSize::Bits44 => 44,
            AddressSize::Bits48 => 48,
            AddressSize::Bits52 => 52,
        }
    }

    /// The 3-bit field encoding.
    pub const fn encoding(self) -> u8 {
        self as u8
    }

    /// Decodes a 3-bit IPS/S2PS/OAS field.
    ///
    /// 0b111 is reserved; this model treats it like 0b110 (52 bits), which is then
    /// capped to the OAS like every other value (IHI0070 5.4.1 CD.IPS: "the effective
    /// size is the smaller of IPS and OAS"). QEMU asserts on 6 and 7 (behaviour.md 8.2 #7).
    pub const fn from_encoding(encoding: u8) -> AddressSize {
        match encoding & 0b111 {
            0 => AddressSize::Bits32,
            1 => AddressSize::Bits36,
            2 => AddressSize::Bits40,
            3 => AddressSize::Bits42,
            4 => AddressSize::Bits44,
            5 => AddressSize::Bits48,
            _ => AddressSize::Bits52,
        }
    }

    /// The smaller of two sizes (effective IPS = MIN(CD.IPS, OAS) and alike).
    pub fn min(self, other: AddressSize) -> AddressSize {
        if self <= other {
            self
        } else {
            other
        }
    }
}

/// Which translation granules are implemented (SMMU_IDR5.GRAN4K/GRAN16K/GRAN64K).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct GranuleSupport {
    /// 4 KB granule.
    pub k4: bool,
    /// 16 KB granule.
    pub k16: bool,
    /// 64 KB granule.
    pub k64: bool,
}

impl GranuleSupport {
    /// All three granules.
    pub const ALL: GranuleSupport = GranuleSupport {
        k4: true,
        k16: true,
        k64: true,
    };

    /// Whether `granule` is implemented.
    pub const fn supports(self, granule: Granule) -> bool {
        match granule {
            Granule::K4 => self.k4,
            Granule::K16 => self.k16,
            Granule::K64 => self.k64,
        }
    }
}

/// SMMU_(S_)IDR0.STALL_MODEL (IHI0070 6.3.1).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum StallModel {
    /// 0b00: stall and terminate models supported.
    StallAndTerminate,
    /// 0b01: only the terminate model (no stalling).
    TerminateOnly,
    /// 0b10: only the stall model.
    StallForced,
}

impl StallModel {
    /// The IDR0.STALL_MODEL encoding.
    pub const fn encoding(self) -> u8 {
        match self {
            StallModel::StallAndTerminate => 0b00,
            StallModel::TerminateOnly => 0b01,
            StallModel::StallForced => 0b10,
        }
    }
}

/// The SMMU architecture version, SMMU_AIDR.ArchMinorRev (IHI0070 6.3.8).
///
/// The version decides which features are mandatory (SMMUv3.2: FWB, RIL, BBML >= 1,
/// Hyp with both stages; SMMUv3.1: XNX with stage 2, HAD with stage 1). A v3.1
/// configuration has the v3.2 features off unless they are named: an SMMUv3.x may
/// implement any subset of the features of SMMUv3.(x+1) (IHI0070 2.9).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ArchVersion {
    /// SMMUv3.1 (AIDR = 0x01), as QEMU 7.2 reports.
    V3_1,
    /// SMMUv3.2 (AIDR = 0x02).
    V3_2,
}

impl ArchVersion {
    /// The AIDR.ArchMinorRev encoding.
    pub const fn minor(self) -> u8 {
        match self {
            ArchVersion::V3_1 => 1,
            ArchVersion::V3_2 => 2,
        }
    }
}

/// SMMU_IDR3.BBML: the break-before-make level (IHI0070 6.3.4, 3.21.1).
///
/// The model never reports a TLB conflict and always uses either the old or the new
/// translation when a block size changes, which meets every level; the value is what
/// software is told it may rely on.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BbmLevel {
    /// 0b00: level 0.
    Level0,
    /// 0b01: level 1.
    Level1,
    /// 0b10: level 2.
    Level2,
}

impl BbmLevel {
    /// The IDR3.BBML encoding.
    pub const fn encoding(self) -> u8 {
        self as u8
    }
}

/// The implementation choices of one SMMU: ID register contents plus the model's
/// cache capacities.
///
/// Field names follow the ID register fields they stand for. Build one with struct
/// update syntax from [`SmmuConfig::default`] or [`SmmuConfig::qemu_7_2`], then
/// [`validate`](SmmuConfig::validate) it (the [`Translator`](crate::translate::Translator)
/// constructor does this for you).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SmmuConfig {
    /// SMMU_AIDR.ArchMinorRev: SMMUv3.1 or SMMUv3.2.
    pub arch_version: ArchVersion,
    /// SMMU_S_IDR1.SECURE_IMPL: the Secure programming interface and Secure streams
    /// exist. Without it every stream is Non-secure (IHI0070 3.10.1).
    pub secure_impl: bool,
    /// SMMU_IDR0.S1P: stage 1 translation.
    pub stage1: bool,
    /// SMMU_IDR0.S2P: stage 2 translation.
    pub stage2: bool,
    /// SMMU_S_IDR1.SEL2: Secure stage 2 and Secure EL2 StreamWorlds (IHI0070 3.10.2.2).
    /// Requires [`small_translation_tables`](SmmuConfig::small_translation_tables).
    pub secure_stage2: bool,
    /// SMMU_IDR3.STT: small translation tables (FEAT_TTST: TxSZ above 39).
    pub small_translation_tables: bool,
    /// SMMU_IDR3.FWB: STE.S2FWB (stage 2 forced write-back). Mandatory from v3.2.
    pub forced_write_back: bool,
    /// SMMU_IDR3.RIL: range invalidation and TTL hints in TLBI commands. Mandatory
    /// from v3.2.
    pub range_invalidation: bool,
    /// SMMU_IDR3.BBML: break-before-make level; 1 or 2 from v3.2.
    pub bbml: BbmLevel,
    /// SMMU_IDR5.GRAN4K/16K/64K.
    pub granules: GranuleSupport,
    /// SMMU_IDR5.OAS: the output (physical) address size. Also the IAS, because only
    /// VMSAv8-64 tables are implemented (IHI0070 3.4: IAS = OAS without AArch32 LPAE).
    pub oas: AddressSize,
    /// SMMU_IDR1.SIDSIZE: Non-secure StreamID bits.
    pub sid_bits: u8,
    /// SMMU_S_IDR1.S_SIDSIZE: Secure StreamID bits.
    pub secure_sid_bits: u8,
    /// SMMU_IDR1.SSIDSIZE: SubstreamID bits (0 = no substreams).
    pub ssid_bits: u8,
    /// SMMU_IDR1.CMDQS: log2 of the largest command queue.
    pub cmdq_log2_max: u8,
    /// SMMU_IDR1.EVENTQS: log2 of the largest event queue.
    pub eventq_log2_max: u8,
    /// SMMU_IDR0.MSI.
    pub msi: bool,
    /// SMMU_IDR0.Hyp: EL2 StreamWorlds for Non-secure streams.
    pub hyp: bool,
    /// SMMU_IDR0.VMID16.
    pub vmid16: bool,
    /// SMMU_IDR0.ASID16.
    pub asid16: bool,
    /// SMMU_(S_)IDR0.STALL_MODEL (the model implements the terminate model only).
    pub stall_model: StallModel,
    /// SMMU_IDR0.TERM_MODEL: 1 = a terminated transaction always aborts, so CD.A must
    /// be 1; 0 = CD.A = 0 may select RAZ/WI termination.
    pub term_model_abort_only: bool,
    /// SMMU_IDR0.ST_LEVEL = 0b01: 2-level stream tables.
    pub two_level_stream_table: bool,
    /// SMMU_IDR0.CD2L: 2-level CD tables.
    pub two_level_cd: bool,
    /// SMMU_IDR1.ATTR_PERMS_OVR: STE.PRIVCFG/INSTCFG/NSCFG overrides are honoured.
    pub attr_perms_ovr: bool,
    /// SMMU_IDR1.ATTR_TYPES_OVR: STE.MemAttr/MTCFG/ALLOCCFG/SHCFG overrides are honoured.
    pub attr_types_ovr: bool,
    /// SMMU_IDR0.COHACC: the SMMU's own accesses (walks, structures, queues, MSIs) are
    /// IO-coherent. Identification only: guest memory is coherent in the model.
    pub coherent_access: bool,
    /// SMMU_IDR0.DORMHINT: STATUSR.DORMANT is implemented (RES0 otherwise).
    pub dormant_hint: bool,
    /// SMMU_IIDR (IHI0070 6.3.7), also shown by PIDR0-4: ProductID `[31:20]`,
    /// Variant `[19:16]`, Revision `[15:12]`, JEP106 Implementer `[11:0]` (bit 7 is 0).
    pub iidr: u32,
    /// SMMU_IDR4: IMPLEMENTATION DEFINED identification (IHI0070 6.3.5).
    pub idr4: u32,
    /// SMMU_S_IDR4: IMPLEMENTATION DEFINED Secure identification (IHI0070 6.3.56).
    pub s_idr4: u32,
    /// The reset value of SMMU_GBPA.ABORT and SMMU_S_GBPA.ABORT (IMPLEMENTATION DEFINED,
    /// IHI0070 6.3.14): `true` gives a default-deny SMMU that aborts every transaction
    /// until software enables translation or clears ABORT.
    pub gbpa_abort_at_reset: bool,
    /// Entries in the configuration cache (STE + CD per stream/substream), 1 to
    /// [`SmmuConfig::MAX_CACHE_CAPACITY`].
    pub config_cache_capacity: usize,
    /// Entries in the IOTLB, 1 to [`SmmuConfig::MAX_CACHE_CAPACITY`].
    pub tlb_capacity: usize,
}

impl Default for SmmuConfig {
    /// A full SMMUv3.2 with Secure state: S1P, S2P, SEL2, all granules, 48-bit OAS,
    /// SIDSIZE 16, S_SIDSIZE 16, SSIDSIZE 20, CMDQS/EVENTQS 19, MSI, Hyp, VMID16, ASID16,
    /// AArch64 tables, STALL_MODEL 0b01, TERM_MODEL 1, 2-level stream tables, CD2L,
    /// ATTR_PERMS_OVR and ATTR_TYPES_OVR, STT, FWB, RIL, BBML level 1, COHACC and
    /// DORMHINT; IIDR, IDR4 and S_IDR4 0.
    fn default() -> Self {
        SmmuConfig {
            arch_version: ArchVersion::V3_2,
            secure_impl: true,
            stage1: true,
            stage2: true,
            secure_stage2: true,
            small_translation_tables: true,
            forced_write_back: true,
            range_invalidation: true,
            bbml: BbmLevel::Level1,
            granules: GranuleSupport::ALL,
            oas: AddressSize::Bits48,
            sid_bits: 16,
            secure_sid_bits: 16,
            ssid_bits: 20,
            cmdq_log2_max: 19,
            eventq_log2_max: 19,
            msi: true,
            hyp: true,
            vmid16: true,
            asid16: true,
            stall_model: StallModel::TerminateOnly,
            term_model_abort_only: true,
            two_level_stream_table: true,
            two_level_cd: true,
            attr_perms_ovr: true,
            attr_types_ovr: true,
            coherent_access: true,
            dormant_hint: true,
            iidr: 0,
            idr4: 0,
            s_idr4: 0,
            gbpa_abort_at_reset: false,
            config_cache_capacity: 1024,
            tlb_capacity: 4096,
        }
    }
}

/// Why a [`SmmuConfig`] cannot describe a real SMMU (or one this model implements),
/// or why a knob or preset given by name was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// No knob has this name ([`SmmuConfig::knobs`]).
    #[error("unknown configuration key `{0}`")]
    UnknownKnob(String),
    /// A knob was given a value it cannot take.
    #[error("configuration key `{key}`: `{value}` is not {expected}")]
    BadKnobValue {
        /// The knob.
        key: &'static str,
        /// The value given, as text.
        value: String,
        /// What the knob takes.
        expected: &'static str,
    },
    /// No preset has this name ([`SmmuConfig::presets`]).
    #[error("unknown configuration preset `{name}` (presets: {known})", known = preset_names())]
    UnknownPreset {
        /// The name given.
        name: String,
    },
    /// Neither stage 1 nor stage 2: an SMMUv3 implements at least one (IHI0070 6.3.1).
    #[error("neither stage 1 nor stage 2 translation is implemented")]
    NoTranslationStage,
    /// SEL2 without Secure state.
    #[error("Secure stage 2 (S_IDR1.SEL2) requires Secure state (S_IDR1.SECURE_IMPL)")]
    SecureStage2WithoutSecureState,
    /// SEL2 without stage 2.
    #[error("Secure stage 2 (S_IDR1.SEL2) requires stage 2 (IDR0.S2P)")]
    SecureStage2WithoutStage2,
    /// No translation granule.
    #[error("no translation granule is implemented")]
    NoGranule,
    /// 52-bit physical addresses (FEAT_LPA / LPA2) are not modelled.
    #[error("a 52-bit OAS is not supported by this model")]
    Oas52Unsupported,
    /// A StreamID size above 32 bits.
    #[error("{state} StreamID size {bits} exceeds 32 bits")]
    StreamIdBits {
        /// Which bank's size.
        state: SecSid,
        /// The size given.
        bits: u8,
    },
    /// A SubstreamID size above 20 bits (IHI0070 6.3.2).
    #[error("SubstreamID size {0} exceeds 20 bits")]
    SubstreamIdBits(u8),
    /// Substreams need stage 1: a SubstreamID selects a CD.
    #[error("substreams (SSIDSIZE > 0) require stage 1")]
    SubstreamsWithoutStage1,
    /// Queue sizes are at most 2^19 entries (IHI0070 6.3.2 CMDQS/EVENTQS).
    #[error("{queue} log2 size {log2} exceeds 19")]
    QueueSize {
        /// "CMDQS" or "EVENTQS".
        queue: &'static str,
        /// The size given.
        log2: u8,
    },
    /// Only the terminate stall model is modelled (no stalled transactions).
    #[error("STALL_MODEL {0:?} is not supported by this model (terminate only)")]
    StallModelUnsupported(StallModel),
    /// A cache needs room for at least one entry.
    #[error("{0} capacity must be at least 1")]
    ZeroCapacity(&'static str),
    /// A cache capacity above [`SmmuConfig::MAX_CACHE_CAPACITY`].
    #[error("{cache} capacity {capacity} is above the limit of {max} entries", max = SmmuConfig::MAX_CACHE_CAPACITY)]
    CapacityTooLarge {
        /// Which cache.
        cache: &'static str,
        /// The capacity asked for.
        capacity: usize,
    },
    /// IDR0.Hyp is RES0 unless both stages are implemented (IHI0070 6.3.1).
    #[error("EL2 StreamWorlds (IDR0.Hyp) require stage 1 and stage 2")]
    HypWithoutBothStages,
    /// Secure state needs stage 1: Secure streams are translated by Secure stage 1
    /// (IHI0070 3.10.2; IDR0.S1P must be 1 while S_IDR1.SECURE_IMPL is 1).
    #[error("Secure state (S_IDR1.SECURE_IMPL) requires stage 1 (IDR0.S1P)")]
    SecureStateWithoutStage1,
    /// SEL2 without small translation tables: "STT is 1 in implementations where
    /// SMMU_S_IDR1.SEL2 == 1" (IHI0070 6.3.4).
    #[error(
        "Secure stage 2 (S_IDR1.SEL2) requires small translation tables (IDR3.STT, \
         knob `small_translation_tables`)"
    )]
    SecureStage2WithoutSmallTables,
    /// A feature the configured architecture version makes mandatory is off
    /// (IHI0070 6.3.1 Hyp, 6.3.4 FWB, RIL and BBML).
    #[error("{feature} is mandatory in {version} (knob `{knob}`)")]
    MandatoryFeature {
        /// The version that requires it.
        version: ArchVersion,
        /// The ID register field and the value required.
        feature: &'static str,
        /// The knob that sets it.
        knob: &'static str,
    },
    /// IIDR.Implementer bit 7 is 0: JEP106 codes are 7 bits plus a continuation
    /// count (IHI0070 6.3.7).
    #[error("IIDR {0:#010x}: Implementer bit [7] must be 0 (a JEP106 identity code has 7 bits)")]
    IidrImplementer(u32),
}

impl std::fmt::Display for ArchVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SMMUv3.{}", self.minor())
    }
}

impl SmmuConfig {
    /// The largest configuration cache or IOTLB the model accepts: 2^20 entries, far
    /// more than any SMMU caches, small enough that allocating it cannot fail.
    pub const MAX_CACHE_CAPACITY: usize = 1 << 20;

    /// QEMU 7.2's `arm-smmuv3`, ID register for ID register: an SMMUv3.1 with stage 1
    /// only, no Secure state, 44-bit OAS, all granules, SIDSIZE 16, no substreams,
    /// CMDQS/EVENTQS 19, ASID16, 2-level stream tables, no CD2L/MSI/Hyp, terminate
    /// model, COHACC, RIL and BBML level 2 (v3.2 features a v3.1 SMMU may have,
    /// IHI0070 2.9), no FWB/STT and no STATUSR.DORMANT (DORMHINT 0); IIDR, IDR2 and
    /// IDR4 0 (behaviour.md 0.3 with `stage=1`). IDR0 = 0x0d40101a, IDR1 = 0x02730010,
    /// IDR3 = 0x1404, IDR5 = 0x74, AIDR = 0x01.
    pub fn qemu_7_2() -> SmmuConfig {
        SmmuConfig {
            arch_version: ArchVersion::V3_1,
            secure_impl: false,
            stage1: true,
            stage2: false,
            secure_stage2: false,
            small_translation_tables: false,
            forced_write_back: false,
            range_invalidation: true,
            bbml: BbmLevel::Level2,
            granules: GranuleSupport::ALL,
            oas: AddressSize::Bits44,
            sid_bits: 16,
            secure_sid_bits: 0,
            ssid_bits: 0,
            cmdq_log2_max: 19,
            eventq_log2_max: 19,
            msi: false,
            hyp: false,
            vmid16: false,
            asid16: true,
            stall_model: StallModel::TerminateOnly,
            term_model_abort_only: true,
            two_level_stream_table: true,
            two_level_cd: false,
            attr_perms_ovr: false,
            attr_types_ovr: false,
            coherent_access: true,
            dormant_hint: false,
            iidr: 0,
            idr4: 0,
            s_idr4: 0,
            gbpa_abort_at_reset: false,
            config_cache_capacity: 256,
            tlb_capacity: 2048,
        }
    }

    /// The default SMMU as an SMMUv3.1: what `arch_version = 3.1` does to
    /// [`SmmuConfig::default`] (no SEL2, STT, FWB or RIL, BBML level 0, AIDR 0x01).
    pub fn smmuv3_1() -> SmmuConfig {
        SmmuConfig {
            arch_version: ArchVersion::V3_1,
            secure_stage2: false,
            small_translation_tables: false,
            forced_write_back: false,
            range_invalidation: false,
            bbml: BbmLevel::Level0,
            ..SmmuConfig::default()
        }
    }

    /// Checks that the combination can exist (and that this model implements it).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.stage1 && !self.stage2 {
            return Err(ConfigError::NoTranslationStage);
        }
        if self.secure_stage2 && !self.secure_impl {
            return Err(ConfigError::SecureStage2WithoutSecureState);
        }
        if self.secure_stage2 && !self.stage2 {
            return Err(ConfigError::SecureStage2WithoutStage2);
        }
        if !(self.granules.k4 || self.granules.k16 || self.granules.k64) {
            return Err(ConfigError::NoGranule);
        }
        if self.oas == AddressSize::Bits52 {
            return Err(ConfigError::Oas52Unsupported);
        }
        if self.sid_bits > 32 {
            return Err(ConfigError::StreamIdBits {
                state: SecSid::NonSecure,
                bits: self.sid_bits,
            });
        }
        if self.secure_impl && self.secure_sid_bits > 32 {
            return Err(ConfigError::StreamIdBits {
                state: SecSid::Secure,
                bits: self.secure_sid_bits,
            });
        }
        if self.ssid_bits > 20 {
            return Err(ConfigError::SubstreamIdBits(self.ssid_bits));
        }
        if self.ssid_bits > 0 && !self.stage1 {
            return Err(ConfigError::SubstreamsWithoutStage1);
        }
        if self.cmdq_log2_max > 19 {
            return Err(ConfigError::QueueSize {
                queue: "CMDQS",
                log2: self.cmdq_log2_max,
            });
        }
        if self.eventq_log2_max > 19 {
            return Err(ConfigError::QueueSize {
                queue: "EVENTQS",
                log2: self.eventq_log2_max,
            });
        }
        if self.stall_model != StallModel::TerminateOnly {
            return Err(ConfigError::StallModelUnsupported(self.stall_model));
        }
        for (cache, capacity) in [
            ("configuration cache", self.config_cache_capacity),
            ("IOTLB", self.tlb_capacity),
        ] {
            if capacity == 0 {
                return Err(ConfigError::ZeroCapacity(cache));
            }
            // The caches allocate their slots up front, so an absurd capacity from a
            // scenario file must be refused here rather than abort the process.
            if capacity > Self::MAX_CACHE_CAPACITY {
                return Err(ConfigError::CapacityTooLarge { cache, capacity });
            }
        }
        if self.hyp && !(self.stage1 && self.stage2) {
            return Err(ConfigError::HypWithoutBothStages);
        }
        if self.secure_impl && !self.stage1 {
            return Err(ConfigError::SecureStateWithoutStage1);
        }
        if self.secure_stage2 && !self.small_translation_tables {
            return Err(ConfigError::SecureStage2WithoutSmallTables);
        }
        if self.iidr & 0x80 != 0 {
            return Err(ConfigError::IidrImplementer(self.iidr));
        }
        self.validate_version()
    }

    /// The features the architecture version makes mandatory. The v3.1 ones (HAD
    /// with stage 1, XNX with stage 2) are not knobs: the ID registers derive them
    /// from the stages.
    fn validate_version(&self) -> Result<(), ConfigError> {
        if self.arch_version < ArchVersion::V3_2 {
            return Ok(());
        }
        let mandatory = |on: bool, feature, knob| {
            if on {
                Ok(())
            } else {
                Err(ConfigError::MandatoryFeature {
                    version: self.arch_version,
                    feature,
                    knob,
                })
            }
        };
        // IHI0070 6.3.4: "FWB is 1", "RIL is 1", "BBML is 0b01 or 0b10" in v3.2.
        mandatory(self.forced_write_back, "IDR3.FWB = 1", "forced_write_back")?;
        mandatory(
            self.range_invalidation,
            "IDR3.RIL = 1",
            "range_invalidation",
        )?;
        mandatory(self.bbml != BbmLevel::Level0, "IDR3.BBML = 1 or 2", "bbml")?;
        // IHI0070 6.3.1: "Hyp == 1 is mandatory in implementations of SMMUv3.2 or
        // later, if S1P == 1 and S2P == 1".
        mandatory(
            self.hyp || !(self.stage1 && self.stage2),
            "IDR0.Hyp = 1 with both stages",
            "hyp",
        )
    }

    /// The input (IPA) address size. Equal to the OAS because only VMSAv8-64 tables
    /// are implemented (IHI0070 3.4: IAS = MAX(OAS, 40) only with AArch32 LPAE).
    pub const fn ias(&self) -> AddressSize {
        self.oas
    }

    /// SMMU_IDR3.STT, small translation tables (FEAT_TTST): TxSZ and S2T0SZ up to
    /// 48 (47 with 64 KB granules), S2SL0 = 0b11 with 4 KB; the
    /// [`small_translation_tables`](SmmuConfig::small_translation_tables) knob
    /// (Secure stage 2 requires it, IHI0070 3.10.2.2).
    pub const fn small_tables_implemented(&self) -> bool {
        self.small_translation_tables
    }

    /// StreamID bits of the bank for `state` (IDR1.SIDSIZE or S_IDR1.S_SIDSIZE).
    pub const fn sid_bits_for(&self, state: SecSid) -> u8 {
        match state {
            SecSid::NonSecure => self.sid_bits,
            SecSid::Secure => self.secure_sid_bits,
        }
    }

    /// Whether stage 2 exists for streams of `state`: S2P for Non-secure, S2P and SEL2
    /// for Secure (IHI0070 3.10.2.2).
    pub const fn stage2_for(&self, state: SecSid) -> bool {
        match state {
            SecSid::NonSecure => self.stage2,
            SecSid::Secure => self.stage2 && self.secure_stage2,
        }
    }
}

// ---------------------------------------------------------------------- knobs

/// A value given to a knob by name ([`SmmuConfig::set`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum KnobValue<'a> {
    /// A boolean (a JSON `true` / `false`).
    Bool(bool),
    /// An unsigned integer (a JSON number).
    Uint(u64),
    /// Text, as the C ABI and command lines pass every value: booleans as `true` /
    /// `false` (or `on`/`off`, `yes`/`no`, `1`/`0`), integers in decimal or `0x` hex
    /// (`_` separators allowed), address sizes in bits, granules as a list such as
    /// `4k,64k`. [`SmmuConfig::get`] writes this form.
    Text(&'a str),
}

impl std::fmt::Display for KnobValue<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KnobValue::Bool(b) => write!(f, "{b}"),
            KnobValue::Uint(n) => write!(f, "{n}"),
            KnobValue::Text(t) => f.write_str(t),
        }
    }
}

/// An unsigned integer in decimal or `0x`/`0X` hex, with optional `_` separators
/// (the number syntax of knobs and scenario files).
pub fn parse_uint(text: &str) -> Option<u64> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    match clean
        .strip_prefix("0x")
        .or_else(|| clean.strip_prefix("0X"))
    {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => clean.parse::<u64>().ok(),
    }
}

/// A type a knob can hold: how a [`KnobValue`] becomes one, and its text form.
trait KnobType: Sized {
    /// What the knob takes, for error messages and documentation ("... is not
    /// {EXPECTED}").
    const EXPECTED: &'static str;
    fn from_value(value: KnobValue<'_>) -> Option<Self>;
    fn to_text(&self) -> String;
}

impl KnobType for bool {
    const EXPECTED: &'static str = "a boolean (true or false)";
    fn from_value(value: KnobValue<'_>) -> Option<bool> {
        match value {
            KnobValue::Bool(b) => Some(b),
            KnobValue::Uint(_) => None,
            KnobValue::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
                "true" | "on" | "yes" | "1" => Some(true),
                "false" | "off" | "no" | "0" => Some(false),
                _ => None,
            },
        }
    }
    fn to_text(&self) -> String {
        self.to_string()
    }
}

/// Integers: a JSON number or text in [`parse_uint`] syntax, refused when it does
/// not fit the field (the range the architecture allows is [`SmmuConfig::validate`]'s
/// business, so that a knob and a struct literal are checked alike).
fn uint_from_value(value: KnobValue<'_>) -> Option<u64> {
    match value {
        KnobValue::Uint(n) => Some(n),
        KnobValue::Text(t) => parse_uint(t.trim()),
        KnobValue::Bool(_) => None,
    }
}

impl KnobType for u8 {
    const EXPECTED: &'static str = "an integer from 0 to 255";
    fn from_value(value: KnobValue<'_>) -> Option<u8> {
        uint_from_value(value).and_then(|n| u8::try_from(n).ok())
    }
    fn to_text(&self) -> String {
        self.to_string()
    }
}

/// 32-bit ID register values, written back in hex.
impl KnobType for u32 {
    const EXPECTED: &'static str = "an integer from 0 to 0xffffffff";
    fn from_value(value: KnobValue<'_>) -> Option<u32> {
        uint_from_value(value).and_then(|n| u32::try_from(n).ok())
    }
    fn to_text(&self) -> String {
        format!("{self:#x}")
    }
}

impl KnobType for ArchVersion {
    const EXPECTED: &'static str = "an SMMU architecture version (3.1 or 3.2)";
    fn from_value(value: KnobValue<'_>) -> Option<ArchVersion> {
        let KnobValue::Text(text) = value else {
            return None;
        };
        let text = text.trim().to_ascii_lowercase();
        let number = text
            .strip_prefix("smmuv")
            .or_else(|| text.strip_prefix('v'))
            .unwrap_or(&text);
        match number {
            "3.1" => Some(ArchVersion::V3_1),
            "3.2" => Some(ArchVersion::V3_2),
            _ => None,
        }
    }
    fn to_text(&self) -> String {
        format!("3.{}", self.minor())
    }
}

impl KnobType for BbmLevel {
    const EXPECTED: &'static str = "a break-before-make level (0, 1 or 2)";
    fn from_value(value: KnobValue<'_>) -> Option<BbmLevel> {
        match uint_from_value(value)? {
            0 => Some(BbmLevel::Level0),
            1 => Some(BbmLevel::Level1),
            2 => Some(BbmLevel::Level2),
            _ => None,
        }
    }
    fn to_text(&self) -> String {
        self.encoding().to_string()
    }
}

impl KnobType for usize {
    const EXPECTED: &'static str = "an unsigned integer";
    fn from_value(value: KnobValue<'_>) -> Option<usize> {
        uint_from_value(value).and_then(|n| usize::try_from(n).ok())
    }
    fn to_text(&self) -> String {
        self.to_string()
    }
}

impl KnobType for AddressSize {
    const EXPECTED: &'static str = "an address size in bits (32, 36, 40, 42, 44, 48 or 52)";
    fn from_value(value: KnobValue<'_>) -> Option<AddressSize> {
        (0..=6)
            .map(AddressSize::from_encoding)
            .find(|size| Some(u64::from(size.bits())) == uint_from_value(value))
    }
    fn to_text(&self) -> String {
        self.bits().to_string()
    }
}

impl KnobType for GranuleSupport {
    const EXPECTED: &'static str =
        "a list of translation granules from 4k, 16k and 64k (such as `4k,64k`), or `none`";
    fn from_value(value: KnobValue<'_>) -> Option<GranuleSupport> {
        let KnobValue::Text(text) = value else {
            return None;
        };
        let mut granules = GranuleSupport {
            k4: false,
            k16: false,
            k64: false,
        };
        let text = text.trim();
        if text.eq_ignore_ascii_case("none") || text.is_empty() {
            return Some(granules);
        }
        for item in text.split([',', '+', ' ']).filter(|i| !i.is_empty()) {
            let slot = match item.to_ascii_lowercase().as_str() {
                "4k" => &mut granules.k4,
                "16k" => &mut granules.k16,
                "64k" => &mut granules.k64,
                _ => return None,
            };
            *slot = true;
        }
        Some(granules)
    }
    fn to_text(&self) -> String {
        let names: Vec<&str> = [(self.k4, "4k"), (self.k16, "16k"), (self.k64, "64k")]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect();
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(",")
        }
    }
}

impl KnobType for StallModel {
    const EXPECTED: &'static str =
        "a stall model (terminate_only, stall_and_terminate or stall_forced)";
    fn from_value(value: KnobValue<'_>) -> Option<StallModel> {
        let KnobValue::Text(text) = value else {
            return None;
        };
        [
            StallModel::StallAndTerminate,
            StallModel::TerminateOnly,
            StallModel::StallForced,
        ]
        .into_iter()
        .find(|m| m.to_text().eq_ignore_ascii_case(text.trim()))
    }
    fn to_text(&self) -> String {
        match self {
            StallModel::StallAndTerminate => "stall_and_terminate",
            StallModel::TerminateOnly => "terminate_only",
            StallModel::StallForced => "stall_forced",
        }
        .to_string()
    }
}

/// One configuration knob: a named [`SmmuConfig`] field.
#[derive(Clone, Copy)]
pub struct Knob {
    /// The key (a scenario `config` key, a C ABI key, a QEMU property).
    pub name: &'static str,
    /// What it is: the ID register field it stands for.
    pub doc: &'static str,
    /// The values it takes ("a boolean (true or false)", ...).
    pub expected: &'static str,
    set: fn(&mut SmmuConfig, KnobValue<'_>) -> Option<()>,
    get: fn(&SmmuConfig) -> String,
    /// How the knob follows others when a set of overrides does not name it
    /// ([`SmmuConfig::with_overrides`]): `(base, config)`.
    follows: Option<fn(&SmmuConfig, &mut SmmuConfig)>,
}

impl std::fmt::Debug for Knob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Knob")
            .field("name", &self.name)
            .field("expected", &self.expected)
            .finish_non_exhaustive()
    }
}

impl Knob {
    /// Whether the knob follows other knobs when not set explicitly.
    pub const fn is_dependent(&self) -> bool {
        self.follows.is_some()
    }
}

/// A knob for field `$field` (a path into [`SmmuConfig`]) of type `$ty`.
macro_rules! knob {
    ($name:literal, $($field:ident).+ : $ty:ty, $doc:literal $(, follows = $follows:expr)?) => {
        Knob {
            name: $name,
            doc: $doc,
            expected: <$ty as KnobType>::EXPECTED,
            set: |c, v| {
                c.$($field).+ = <$ty as KnobType>::from_value(v)?;
                Some(())
            },
            get: |c| KnobType::to_text(&c.$($field).+),
            follows: knob!(@follows $($follows)?),
        }
    };
    (@follows) => { None };
    (@follows $follows:expr) => { Some($follows) };
}

/// Every knob, in the order [`SmmuConfig::with_overrides`] resolves them: a
/// dependent knob comes after the knobs it follows.
static KNOBS: &[Knob] = &[
    knob!("arch_version", arch_version: ArchVersion,
        "AIDR.ArchMinorRev: the architecture version, which makes features mandatory \
         (v3.2: FWB, RIL, BBML 1 or 2, Hyp with both stages); naming a lower version \
         than the preset's turns the preset's v3.2 features off, a higher one turns the \
         mandatory ones on, unless they are named too"),
    knob!("secure_impl", secure_impl: bool,
        "S_IDR1.SECURE_IMPL: the Secure programming interface and Secure streams exist"),
    knob!("stage1", stage1: bool, "IDR0.S1P: stage 1 translation (also sets IDR3.HAD)"),
    knob!("stage2", stage2: bool, "IDR0.S2P: stage 2 translation (also sets IDR0.VMW and IDR3.XNX)"),
    knob!("small_translation_tables", small_translation_tables: bool,
    "IDR3.STT: small translation tables; unless given, off when arch_version is \
     lowered to 3.1",
    follows = |base, c| {
        if c.arch_version < base.arch_version {
            c.small_translation_tables = false;
        }
    }),
    knob!("secure_stage2", secure_stage2: bool,
        "S_IDR1.SEL2: Secure stage 2 and Secure EL2 StreamWorlds; unless given, on only \
         if on in the preset and Secure state, stage 2 and small translation tables are, \
         and arch_version is not lowered to 3.1",
        follows = |base, c| c.secure_stage2 = base.secure_stage2
            && c.secure_impl
            && c.stage2
            && c.small_translation_tables
            && c.arch_version >= base.arch_version),
    knob!("forced_write_back", forced_write_back: bool,
        "IDR3.FWB: stage 2 forced write-back (STE.S2FWB), mandatory in v3.2; unless \
         given, follows a change of arch_version",
        follows = |base, c| c.forced_write_back = follow_version(base, c, base.forced_write_back)),
    knob!("range_invalidation", range_invalidation: bool,
        "IDR3.RIL: range invalidation and TTL hints, mandatory in v3.2; unless given, \
         follows a change of arch_version",
        follows = |base, c| c.range_invalidation = follow_version(base, c, base.range_invalidation)),
    knob!("bbml", bbml: BbmLevel,
    "IDR3.BBML: break-before-make level, 1 or 2 in v3.2; unless given, 0 when \
     arch_version is lowered to 3.1 and at least 1 when raised to 3.2",
    follows = |base, c| {
        c.bbml = match c.arch_version.cmp(&base.arch_version) {
            std::cmp::Ordering::Less => BbmLevel::Level0,
            std::cmp::Ordering::Equal => base.bbml,
            std::cmp::Ordering::Greater => base.bbml.max(BbmLevel::Level1),
        }
    }),
    knob!("granules", granules: GranuleSupport, "IDR5.GRAN4K/GRAN16K/GRAN64K: translation granules"),
    knob!("oas", oas: AddressSize, "IDR5.OAS: output (and input) address size in bits"),
    knob!("sid_bits", sid_bits: u8, "IDR1.SIDSIZE: Non-secure StreamID bits"),
    knob!("secure_sid_bits", secure_sid_bits: u8, "S_IDR1.S_SIDSIZE: Secure StreamID bits"),
    knob!("ssid_bits", ssid_bits: u8,
    "IDR1.SSIDSIZE: SubstreamID bits (0: no substreams); unless given, 0 without stage 1",
    follows = |_, c| {
        if !c.stage1 {
            c.ssid_bits = 0;
        }
    }),
    knob!("cmdq_log2_max", cmdq_log2_max: u8, "IDR1.CMDQS: log2 of the largest Command queue"),
    knob!("eventq_log2_max", eventq_log2_max: u8, "IDR1.EVENTQS: log2 of the largest Event queue"),
    knob!("msi", msi: bool, "IDR0.MSI: message-signalled interrupts"),
    knob!("hyp", hyp: bool,
        "IDR0.Hyp: EL2 StreamWorlds for Non-secure streams; unless given, on only if on \
         in the preset (or mandatory: v3.2) and both stages are",
        follows = |base, c| c.hyp = (base.hyp || c.arch_version >= ArchVersion::V3_2)
            && c.stage1
            && c.stage2),
    knob!("vmid16", vmid16: bool, "IDR0.VMID16: 16-bit VMIDs"),
    knob!("asid16", asid16: bool, "IDR0.ASID16: 16-bit ASIDs"),
    knob!("stall_model", stall_model: StallModel,
        "IDR0.STALL_MODEL and S_IDR0.STALL_MODEL (this model implements terminate_only)"),
    knob!("term_model_abort_only", term_model_abort_only: bool,
        "IDR0.TERM_MODEL: a terminated transaction always aborts (CD.A must be 1)"),
    knob!("two_level_stream_table", two_level_stream_table: bool,
        "IDR0.ST_LEVEL = 0b01: 2-level Stream tables"),
    knob!("two_level_cd", two_level_cd: bool, "IDR0.CD2L: 2-level CD tables"),
    knob!("attr_perms_ovr", attr_perms_ovr: bool,
        "IDR1.ATTR_PERMS_OVR: STE PRIVCFG/INSTCFG/NSCFG overrides are honoured"),
    knob!("attr_types_ovr", attr_types_ovr: bool,
        "IDR1.ATTR_TYPES_OVR: STE MemAttr/MTCFG/ALLOCCFG/SHCFG overrides are honoured"),
    knob!("coherent_access", coherent_access: bool,
        "IDR0.COHACC: the SMMU's own accesses are IO-coherent (identification only)"),
    knob!("dormant_hint", dormant_hint: bool,
        "IDR0.DORMHINT: STATUSR.DORMANT is implemented (RES0 otherwise)"),
    knob!("iidr", iidr: u32,
        "IIDR: ProductID [31:20], Variant [19:16], Revision [15:12], JEP106 Implementer \
         [11:0] (bit 7 is 0); PIDR0-4 show the same identity"),
    knob!("idr4", idr4: u32, "IDR4: IMPLEMENTATION DEFINED identification"),
    knob!("s_idr4", s_idr4: u32, "S_IDR4: IMPLEMENTATION DEFINED Secure identification"),
    knob!("gbpa_abort_at_reset", gbpa_abort_at_reset: bool,
        "reset value of GBPA.ABORT and S_GBPA.ABORT (IMPLEMENTATION DEFINED)"),
    knob!("config_cache_capacity", config_cache_capacity: usize,
        "entries of the configuration cache (1 to 2^20)"),
    knob!("tlb_capacity", tlb_capacity: usize, "entries of the IOTLB (1 to 2^20)"),
];

/// A mandatory-from-v3.2 feature that a knob does not name: on when the overrides
/// raise the version to 3.2, off when they lower it to 3.1, else the preset's `value`.
fn follow_version(base: &SmmuConfig, c: &SmmuConfig, value: bool) -> bool {
    match c.arch_version.cmp(&base.arch_version) {
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => value,
        std::cmp::Ordering::Greater => true,
    }
}

/// A named configuration ([`SmmuConfig::preset`]).
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    /// The name (`default`, `qemu-7.2`, ...).
    pub name: &'static str,
    /// What it models.
    pub doc: &'static str,
    config: fn() -> SmmuConfig,
}

static PRESETS: &[Preset] = &[
    Preset {
        name: "default",
        doc: "a full SMMUv3.2 with Secure state (SmmuConfig::default)",
        config: <SmmuConfig as Default>::default,
    },
    Preset {
        name: "smmuv3.2",
        doc: "the same as `default`",
        config: <SmmuConfig as Default>::default,
    },
    Preset {
        name: "smmuv3.1",
        doc: "the default SMMU as an SMMUv3.1: AIDR 0x01, no SEL2, STT, FWB or RIL, \
              BBML level 0 (SmmuConfig::smmuv3_1)",
        config: SmmuConfig::smmuv3_1,
    },
    Preset {
        name: "qemu-7.2",
        doc: "QEMU 7.2's arm-smmuv3, ID register for ID register: an SMMUv3.1 with \
              stage 1 only, no Secure state, 44-bit OAS, no STATUSR.DORMANT \
              (SmmuConfig::qemu_7_2)",
        config: SmmuConfig::qemu_7_2,
    },
];

fn preset_names() -> String {
    PRESETS
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl SmmuConfig {
    /// Every knob, in resolution order.
    pub fn knobs() -> &'static [Knob] {
        KNOBS
    }

    /// The knob called `key`.
    pub fn knob(key: &str) -> Result<&'static Knob, ConfigError> {
        KNOBS
            .iter()
            .find(|k| k.name == key)
            .ok_or_else(|| ConfigError::UnknownKnob(key.to_string()))
    }

    /// Every preset.
    pub fn presets() -> &'static [Preset] {
        PRESETS
    }

    /// The preset called `name`.
    pub fn preset(name: &str) -> Result<SmmuConfig, ConfigError> {
        PRESETS
            .iter()
            .find(|p| p.name == name)
            .map(|p| (p.config)())
            .ok_or_else(|| ConfigError::UnknownPreset {
                name: name.to_string(),
            })
    }

    /// Sets the knob `key` to `value`, alone: other knobs do not follow (see
    /// [`with_overrides`](SmmuConfig::with_overrides)). Whether the result describes a
    /// real SMMU is [`validate`](SmmuConfig::validate)'s business.
    pub fn set(&mut self, key: &str, value: KnobValue<'_>) -> Result<(), ConfigError> {
        let knob = Self::knob(key)?;
        (knob.set)(self, value).ok_or_else(|| ConfigError::BadKnobValue {
            key: knob.name,
            value: value.to_string(),
            expected: knob.expected,
        })
    }

    /// The value of knob `key` as text, in the form [`KnobValue::Text`] accepts.
    pub fn get(&self, key: &str) -> Result<String, ConfigError> {
        Ok((Self::knob(key)?.get)(self))
    }

    /// This configuration with `overrides` applied, the way scenario files, the C
    /// ABI and the QEMU device configure an SMMU: a preset, then the knobs named.
    /// Knobs that depend on others and are not named follow them (no SEL2 without
    /// Secure state and stage 2, no Hyp without both stages, no substreams without
    /// stage 1), so `stage2 = false` alone gives a consistent SMMU. A knob named
    /// twice takes the last value. Not validated.
    pub fn with_overrides<'a>(
        self,
        overrides: impl IntoIterator<Item = (&'a str, KnobValue<'a>)>,
    ) -> Result<SmmuConfig, ConfigError> {
        let base = self;
        let mut config = base.clone();
        let mut named = vec![false; KNOBS.len()];
        for (key, value) in overrides {
            config.set(key, value)?;
            if let Some(i) = KNOBS.iter().position(|k| k.name == key) {
                named[i] = true;
            }
        }
        for (knob, named) in KNOBS.iter().zip(named) {
            if let (Some(follows), false) = (knob.follows, named) {
                follows(&base, &mut config);
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_and_qemu_are_valid() {
        assert_eq!(SmmuConfig::default().validate(), Ok(()));
        assert_eq!(SmmuConfig::qemu_7_2().validate(), Ok(()));
        assert_eq!(SmmuConfig::default().ias(), AddressSize::Bits48);
        assert!(SmmuConfig::default().stage2_for(SecSid::Secure));
        assert!(!SmmuConfig::qemu_7_2().stage2_for(SecSid::NonSecure));
    }

    #[test]
    fn impossible_combinations_are_rejected() {
        let base = SmmuConfig::default();
        let cases = [
            (
                SmmuConfig {
                    stage1: false,
                    stage2: false,
                    ssid_bits: 0,
                    ..base.clone()
                },
                ConfigError::NoTranslationStage,
            ),
            (
                SmmuConfig {
                    secure_impl: false,
                    ..base.clone()
                },
                ConfigError::SecureStage2WithoutSecureState,
            ),
            (
                SmmuConfig {
                    stage2: false,
                    ..base.clone()
                },
                ConfigError::SecureStage2WithoutStage2,
            ),
            (
                SmmuConfig {
                    granules: GranuleSupport {
                        k4: false,
                        k16: false,
                        k64: false,
                    },
                    ..base.clone()
                },
                ConfigError::NoGranule,
            ),
            (
                SmmuConfig {
                    oas: AddressSize::Bits52,
                    ..base.clone()
                },
                ConfigError::Oas52Unsupported,
            ),
            (
                SmmuConfig {
                    sid_bits: 33,
                    ..base.clone()
                },
                ConfigError::StreamIdBits {
                    state: SecSid::NonSecure,
                    bits: 33,
                },
            ),
            (
                SmmuConfig {
                    secure_sid_bits: 40,
                    ..base.clone()
                },
                ConfigError::StreamIdBits {
                    state: SecSid::Secure,
                    bits: 40,
                },
            ),
            (
                SmmuConfig {
                    ssid_bits: 21,
                    ..base.clone()
                },
                ConfigError::SubstreamIdBits(21),
            ),
            (
                SmmuConfig {
                    stage1: false,
                    ..base.clone()
                },
                ConfigError::SubstreamsWithoutStage1,
            ),
            (
                SmmuConfig {
                    cmdq_log2_max: 20,
                    ..base.clone()
                },
                ConfigError::QueueSize {
                    queue: "CMDQS",
                    log2: 20,
                },
            ),
            (
                SmmuConfig {
                    eventq_log2_max: 20,
                    ..base.clone()
                },
                ConfigError::QueueSize {
                    queue: "EVENTQS",
                    log2: 20,
                },
            ),
            (
                SmmuConfig {
                    stall_model: StallModel::StallAndTerminate,
                    ..base.clone()
                },
                ConfigError::StallModelUnsupported(StallModel::StallAndTerminate),
            ),
            (
                SmmuConfig {
                    tlb_capacity: 0,
                    ..base.clone()
                },
                ConfigError::ZeroCapacity("IOTLB"),
            ),
            (
                SmmuConfig {
                    config_cache_capacity: 0,
                    ..base.clone()
                },
                ConfigError::ZeroCapacity("configuration cache"),
            ),
            (
                SmmuConfig {
                    tlb_capacity: 4_000_000_000,
                    ..base.clone()
                },
                ConfigError::CapacityTooLarge {
                    cache: "IOTLB",
                    capacity: 4_000_000_000,
                },
            ),
            (
                SmmuConfig {
                    stage2: false,
                    secure_stage2: false,
                    ..base.clone()
                },
                ConfigError::HypWithoutBothStages,
            ),
            (
                SmmuConfig {
                    stage1: false,
                    ssid_bits: 0,
                    hyp: false,
                    ..base.clone()
                },
                ConfigError::SecureStateWithoutStage1,
            ),
            (
                SmmuConfig {
                    small_translation_tables: false,
                    ..base.clone()
                },
                ConfigError::SecureStage2WithoutSmallTables,
            ),
            (
                SmmuConfig {
                    forced_write_back: false,
                    ..base.clone()
                },
                ConfigError::MandatoryFeature {
                    version: ArchVersion::V3_2,
                    feature: "IDR3.FWB = 1",
                    knob: "forced_write_back",
                },
            ),
            (
                SmmuConfig {
                    range_invalidation: false,
                    ..base.clone()
                },
                ConfigError::MandatoryFeature {
                    version: ArchVersion::V3_2,
                    feature: "IDR3.RIL = 1",
                    knob: "range_invalidation",
                },
            ),
            (
                SmmuConfig {
                    bbml: BbmLevel::Level0,
                    ..base.clone()
                },
                ConfigError::MandatoryFeature {
                    version: ArchVersion::V3_2,
                    feature: "IDR3.BBML = 1 or 2",
                    knob: "bbml",
                },
            ),
            (
                SmmuConfig {
                    hyp: false,
                    ..base.clone()
                },
                ConfigError::MandatoryFeature {
                    version: ArchVersion::V3_2,
                    feature: "IDR0.Hyp = 1 with both stages",
                    knob: "hyp",
                },
            ),
            (
                SmmuConfig {
                    iidr: 0x80,
                    ..base.clone()
                },
                ConfigError::IidrImplementer(0x80),
            ),
        ];
        for (config, error) in cases {
            assert_eq!(config.validate(), Err(error), "{config:?}");
        }
    }

    #[test]
    fn every_field_is_a_knob_and_every_knob_round_trips() {
        // Setting every knob of one preset to the other's text gives the other
        // exactly: a field without a knob (or a knob whose text loses information)
        // leaves a difference.
        let (full, qemu) = (SmmuConfig::default(), SmmuConfig::qemu_7_2());
        for (from, to) in [(&full, &qemu), (&qemu, &full)] {
            let mut c = from.clone();
            for knob in SmmuConfig::knobs() {
                let text = to.get(knob.name).unwrap();
                c.set(knob.name, KnobValue::Text(&text)).unwrap();
                assert_eq!(c.get(knob.name).unwrap(), text, "{}", knob.name);
            }
            assert_eq!(&c, to);
        }
        // A configuration unlike the default in every field (a struct literal without
        // `..`, so a new field must be added here, and a knob for it below).
        let unlike = SmmuConfig {
            arch_version: ArchVersion::V3_1,
            secure_impl: false,
            stage1: false,
            stage2: false,
            secure_stage2: false,
            small_translation_tables: false,
            forced_write_back: false,
            range_invalidation: false,
            bbml: BbmLevel::Level2,
            granules: GranuleSupport {
                k4: false,
                k16: true,
                k64: false,
            },
            oas: AddressSize::Bits36,
            sid_bits: 3,
            secure_sid_bits: 4,
            ssid_bits: 5,
            cmdq_log2_max: 6,
            eventq_log2_max: 7,
            msi: false,
            hyp: false,
            vmid16: false,
            asid16: false,
            stall_model: StallModel::StallForced,
            term_model_abort_only: false,
            two_level_stream_table: false,
            two_level_cd: false,
            attr_perms_ovr: false,
            attr_types_ovr: false,
            coherent_access: false,
            dormant_hint: false,
            iidr: 0x4321_143b,
            idr4: 0xffff_ffff,
            s_idr4: 1,
            gbpa_abort_at_reset: true,
            config_cache_capacity: 9,
            tlb_capacity: 10,
        };
        let mut c = SmmuConfig::default();
        for knob in SmmuConfig::knobs() {
            let text = unlike.get(knob.name).unwrap();
            c.set(knob.name, KnobValue::Text(&text)).unwrap();
        }
        assert_eq!(c, unlike);
        // Values that differ from both presets survive too.
        let mut c = SmmuConfig::default();
        for (key, value, text) in [
            ("oas", KnobValue::Uint(40), "40"),
            ("oas", KnobValue::Text("52"), "52"),
            ("granules", KnobValue::Text("64K + 4k"), "4k,64k"),
            ("granules", KnobValue::Text("none"), "none"),
            ("sid_bits", KnobValue::Text("0x0_8"), "8"),
            ("ssid_bits", KnobValue::Uint(5), "5"),
            ("msi", KnobValue::Text("off"), "false"),
            ("msi", KnobValue::Text("Yes"), "true"),
            ("hyp", KnobValue::Bool(false), "false"),
            ("tlb_capacity", KnobValue::Uint(7), "7"),
            ("arch_version", KnobValue::Text("SMMUv3.1"), "3.1"),
            ("arch_version", KnobValue::Text(" v3.2 "), "3.2"),
            ("bbml", KnobValue::Text("2"), "2"),
            ("bbml", KnobValue::Uint(0), "0"),
            ("iidr", KnobValue::Text("0x0_43b"), "0x43b"),
            ("idr4", KnobValue::Uint(0xffff_ffff), "0xffffffff"),
        ] {
            c.set(key, value).unwrap();
            assert_eq!(c.get(key).unwrap(), text, "{key} = {value}");
        }
        assert_eq!(c.oas, AddressSize::Bits52);
        assert_eq!(c.tlb_capacity, 7);
        assert!(!c.hyp && c.msi && c.sid_bits == 8 && c.ssid_bits == 5);
        let names: Vec<&str> = SmmuConfig::knobs().iter().map(|k| k.name).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "duplicate knob names");
    }

    #[test]
    fn bad_keys_and_values_are_named() {
        let mut c = SmmuConfig::default();
        let err = c.set("stage3", KnobValue::Bool(true)).unwrap_err();
        assert_eq!(err, ConfigError::UnknownKnob("stage3".into()));
        assert_eq!(err.to_string(), "unknown configuration key `stage3`");
        assert!(c.get("stage3").is_err());
        for knob in SmmuConfig::knobs() {
            let err = c.set(knob.name, KnobValue::Text("banana")).unwrap_err();
            assert_eq!(
                err,
                ConfigError::BadKnobValue {
                    key: knob.name,
                    value: "banana".into(),
                    expected: knob.expected,
                }
            );
            assert!(err.to_string().contains(knob.name), "{err}");
        }
        for (key, value) in [
            ("oas", KnobValue::Uint(47)),
            ("oas", KnobValue::Bool(true)),
            ("sid_bits", KnobValue::Uint(256)),
            ("sid_bits", KnobValue::Text("-1")),
            ("stage1", KnobValue::Uint(1)),
            ("granules", KnobValue::Text("4k,8k")),
            ("granules", KnobValue::Uint(4)),
            ("arch_version", KnobValue::Text("3.0")),
            ("arch_version", KnobValue::Text("3.3")),
            ("arch_version", KnobValue::Uint(3)),
            ("bbml", KnobValue::Uint(3)),
            ("iidr", KnobValue::Uint(1 << 32)),
        ] {
            assert!(
                matches!(c.set(key, value), Err(ConfigError::BadKnobValue { key: k, .. }) if k == key),
                "{key} = {value}"
            );
        }
        // A refused value changes nothing.
        assert_eq!(c, SmmuConfig::default());
        assert_eq!(
            c.set("oas", KnobValue::Uint(47)).unwrap_err().to_string(),
            "configuration key `oas`: `47` is not an address size in bits \
             (32, 36, 40, 42, 44, 48 or 52)"
        );
    }

    #[test]
    fn presets_are_the_named_configurations() {
        assert_eq!(SmmuConfig::preset("qemu-7.2"), Ok(SmmuConfig::qemu_7_2()));
        assert_eq!(SmmuConfig::preset("default"), Ok(SmmuConfig::default()));
        assert_eq!(SmmuConfig::preset("smmuv3.2"), Ok(SmmuConfig::default()));
        assert_eq!(SmmuConfig::preset("smmuv3.1"), Ok(SmmuConfig::smmuv3_1()));
        // `smmuv3.1` is exactly what naming the version does to the default.
        assert_eq!(
            SmmuConfig::default().with_overrides([("arch_version", KnobValue::Text("3.1"))]),
            Ok(SmmuConfig::smmuv3_1())
        );
        for preset in SmmuConfig::presets() {
            let config = SmmuConfig::preset(preset.name).unwrap();
            assert_eq!(config.validate(), Ok(()), "{}", preset.name);
        }
        let err = SmmuConfig::preset("qemu-9").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown configuration preset `qemu-9` (presets: default, smmuv3.2, smmuv3.1, \
             qemu-7.2)"
        );
    }

    #[test]
    fn unnamed_dependent_knobs_follow() {
        let full = SmmuConfig::default();
        // Without stage 2 there is no SEL2 and no Hyp, unless named.
        let c = full
            .clone()
            .with_overrides([("stage2", KnobValue::Bool(false))])
            .unwrap();
        assert!(!c.stage2 && !c.secure_stage2 && !c.hyp);
        assert_eq!(c.validate(), Ok(()));
        let c = full
            .clone()
            .with_overrides([
                ("stage2", KnobValue::Bool(false)),
                ("hyp", KnobValue::Text("on")),
            ])
            .unwrap();
        assert!(c.hyp && !c.secure_stage2);
        assert_eq!(c.validate(), Err(ConfigError::HypWithoutBothStages));
        // Without stage 1 no substreams, and no Secure state.
        let c = full
            .clone()
            .with_overrides([
                ("stage1", KnobValue::Bool(false)),
                ("secure_impl", KnobValue::Bool(false)),
            ])
            .unwrap();
        assert_eq!((c.ssid_bits, c.secure_stage2, c.hyp), (0, false, false));
        assert_eq!(c.validate(), Ok(()));
        // A dependent knob never turns on what the base had off.
        let c = SmmuConfig::qemu_7_2()
            .with_overrides([("stage2", KnobValue::Bool(true))])
            .unwrap();
        assert!(c.stage2 && !c.hyp && !c.secure_stage2);
        // The last value of a knob named twice wins; no overrides change nothing.
        let c = full
            .clone()
            .with_overrides([("oas", KnobValue::Uint(40)), ("oas", KnobValue::Uint(44))])
            .unwrap();
        assert_eq!(c.oas, AddressSize::Bits44);
        assert_eq!(full.clone().with_overrides([]), Ok(full));
        assert_eq!(
            SmmuConfig::default().with_overrides([("nope", KnobValue::Uint(1))]),
            Err(ConfigError::UnknownKnob("nope".into()))
        );
    }

    #[test]
    fn the_version_decides_what_is_mandatory() {
        // In v3.1 none of the v3.2 features is required, and any may be present
        // (IHI0070 2.9): QEMU 7.2 has RIL and BBML 2 without FWB, and Hyp is optional.
        let v31 = SmmuConfig {
            hyp: false,
            ..SmmuConfig::smmuv3_1()
        };
        assert_eq!(v31.validate(), Ok(()));
        let with_v32_features = SmmuConfig {
            forced_write_back: true,
            small_translation_tables: true,
            secure_stage2: true,
            ..v31.clone()
        };
        assert_eq!(with_v32_features.validate(), Ok(()));
        // The same SMMU claiming v3.2 lacks FWB, RIL, BBML and Hyp: the first is named.
        let claims_v32 = SmmuConfig {
            arch_version: ArchVersion::V3_2,
            ..v31
        };
        assert_eq!(
            claims_v32.validate().unwrap_err().to_string(),
            "IDR3.FWB = 1 is mandatory in SMMUv3.2 (knob `forced_write_back`)"
        );
        // Hyp is only mandatory with both stages.
        let s1_only = SmmuConfig {
            stage2: false,
            secure_stage2: false,
            hyp: false,
            ..SmmuConfig::default()
        };
        assert_eq!(s1_only.validate(), Ok(()));
    }

    #[test]
    fn naming_a_version_moves_the_features_it_governs() {
        // Lowering the default to v3.1 turns its v3.2 features off ...
        let c = SmmuConfig::default()
            .with_overrides([("arch_version", KnobValue::Text("3.1"))])
            .unwrap();
        assert_eq!(c.arch_version, ArchVersion::V3_1);
        assert!(!c.secure_stage2 && !c.small_translation_tables);
        assert!(!c.forced_write_back && !c.range_invalidation);
        assert_eq!(c.bbml, BbmLevel::Level0);
        assert!(c.hyp, "Hyp is a v3.0 feature: it stays");
        // ... unless they are named (IHI0070 2.9).
        let c = SmmuConfig::default()
            .with_overrides([
                ("arch_version", KnobValue::Text("3.1")),
                ("range_invalidation", KnobValue::Bool(true)),
                ("bbml", KnobValue::Uint(2)),
            ])
            .unwrap();
        assert!(c.range_invalidation && !c.forced_write_back);
        assert_eq!(c.bbml, BbmLevel::Level2);
        assert_eq!(c.validate(), Ok(()));
        // Raising QEMU 7.2 to v3.2 turns the mandatory features on, keeping its
        // BBML 2; with stage 2 added, Hyp comes too.
        let c = SmmuConfig::qemu_7_2()
            .with_overrides([
                ("arch_version", KnobValue::Text("3.2")),
                ("stage2", KnobValue::Bool(true)),
            ])
            .unwrap();
        assert!(c.forced_write_back && c.range_invalidation && c.hyp);
        assert_eq!(c.bbml, BbmLevel::Level2);
        assert!(!c.small_translation_tables, "STT stays optional");
        assert_eq!(c.validate(), Ok(()));
        // Without the version named, QEMU 7.2's choices stay as they are.
        let c = SmmuConfig::qemu_7_2()
            .with_overrides([("oas", KnobValue::Uint(48))])
            .unwrap();
        assert_eq!(
            c,
            SmmuConfig {
                oas: AddressSize::Bits48,
                ..SmmuConfig::qemu_7_2()
            }
        );
        // SEL2 follows STT.
        let c = SmmuConfig::default()
            .with_overrides([("small_translation_tables", KnobValue::Bool(false))])
            .unwrap();
        assert!(!c.secure_stage2);
        assert_eq!(c.validate(), Ok(()));
        let c = SmmuConfig::default()
            .with_overrides([
                ("small_translation_tables", KnobValue::Bool(false)),
                ("secure_stage2", KnobValue::Bool(true)),
            ])
            .unwrap();
        assert_eq!(
            c.validate(),
            Err(ConfigError::SecureStage2WithoutSmallTables)
        );
    }

    #[test]
    fn address_size_encoding_round_trips_and_caps() {
        for e in 0..7u8 {
            assert_eq!(AddressSize::from_encoding(e).encoding(), e);
        }
        assert_eq!(AddressSize::from_encoding(7), AddressSize::Bits52);
        assert_eq!(
            AddressSize::Bits52.min(AddressSize::Bits44),
            AddressSize::Bits44
        );
        assert_eq!(AddressSize::Bits44.bits(), 44);
    }
}
