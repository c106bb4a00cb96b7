//! What one SMMU instance implements: the choices its ID registers advertise.
//!
//! [`SmmuConfig`] is the model's equivalent of SMMU_IDR0-5 and SMMU_S_IDR0-1
//! (IHI0070 6.3.1-6.3.6, 6.3.40-6.3.41). It is plain data, validated once by
//! [`SmmuConfig::validate`]; translation then trusts it.

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

/// The implementation choices of one SMMU: ID register contents plus the model's
/// cache capacities.
///
/// Field names follow the ID register fields they stand for. Build one with struct
/// update syntax from [`SmmuConfig::default`] or [`SmmuConfig::qemu_7_2`], then
/// [`validate`](SmmuConfig::validate) it (the [`Translator`](crate::translate::Translator)
/// constructor does this for you).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SmmuConfig {
    /// SMMU_S_IDR1.SECURE_IMPL: the Secure programming interface and Secure streams
    /// exist. Without it every stream is Non-secure (IHI0070 3.10.1).
    pub secure_impl: bool,
    /// SMMU_IDR0.S1P: stage 1 translation.
    pub stage1: bool,
    /// SMMU_IDR0.S2P: stage 2 translation.
    pub stage2: bool,
    /// SMMU_S_IDR1.SEL2: Secure stage 2 and Secure EL2 StreamWorlds (IHI0070 3.10.2.2).
    pub secure_stage2: bool,
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
    /// ATTR_PERMS_OVR and ATTR_TYPES_OVR.
    fn default() -> Self {
        SmmuConfig {
            secure_impl: true,
            stage1: true,
            stage2: true,
            secure_stage2: true,
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
            gbpa_abort_at_reset: false,
            config_cache_capacity: 1024,
            tlb_capacity: 4096,
        }
    }
}

/// Why a [`SmmuConfig`] cannot describe a real SMMU (or one this model implements).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Error)]
pub enum ConfigError {
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
}

impl SmmuConfig {
    /// The largest configuration cache or IOTLB the model accepts: 2^20 entries, far
    /// more than any SMMU caches, small enough that allocating it cannot fail.
    pub const MAX_CACHE_CAPACITY: usize = 1 << 20;

    /// QEMU 7.2's `arm-smmuv3`: stage 1 only, no Secure state, 44-bit OAS, all granules,
    /// SIDSIZE 16, no substreams, CMDQS/EVENTQS 19, ASID16, 2-level stream tables, no
    /// CD2L/MSI/Hyp, terminate model (behaviour.md 0.3 with `stage=1`).
    pub fn qemu_7_2() -> SmmuConfig {
        SmmuConfig {
            secure_impl: false,
            stage1: true,
            stage2: false,
            secure_stage2: false,
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
            gbpa_abort_at_reset: false,
            config_cache_capacity: 256,
            tlb_capacity: 2048,
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
        Ok(())
    }

    /// The input (IPA) address size. Equal to the OAS because only VMSAv8-64 tables
    /// are implemented (IHI0070 3.4: IAS = MAX(OAS, 40) only with AArch32 LPAE).
    pub const fn ias(&self) -> AddressSize {
        self.oas
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
        ];
        for (config, error) in cases {
            assert_eq!(config.validate(), Err(error), "{config:?}");
        }
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
