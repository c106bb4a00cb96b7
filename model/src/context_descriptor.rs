//! Context descriptors and CD tables (IHI0070 3.3.2, 5.3, 5.4).
//!
//! [`select_cd`] applies the SubstreamID rules of the STE (S1CDMax, S1DSS);
//! `fetch_cd` walks a linear or 2-level CD table, resolving each address through
//! a caller-supplied function (stage 2 when the CD pointers are IPAs);
//! [`ContextDescriptor::decode`] applies the C_BAD_CD rules.

use crate::config::{AddressSize, SmmuConfig};
use crate::memory::{GuestMemory, Pas};
use crate::stream_table::{
    read_dwords, set_descriptor_field, CdTableFormat, DefaultSubstream, Stage1Source, StreamWorld,
};
use crate::walk::{Granule, Stage1Regime, WalkFault, WalkGeometry};

/// A 64-byte CD as eight little-endian double words.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ContextDescriptor {
    /// Double words 0-7 (CD bits `[63:0] .. [511:448]`).
    pub dwords: [u64; 8],
}

/// Why a CD is ILLEGAL (each maps to C_BAD_CD; IHI0070 5.4.2 and 5.4 fields).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum InvalidCd {
    /// V == 0.
    NotValid,
    /// AA64 == 0: VMSAv8-32 tables are not implemented (IDR0.TTF = 0b10).
    Aarch32,
    /// ENDI == 1: big-endian tables are not implemented.
    BigEndian,
    /// HA, HD or HAFT set without HTTU (IDR0.HTTU = 0).
    HttuUnsupported,
    /// `ASID[15:8]` != 0 with 8-bit ASIDs.
    AsidTooWide,
    /// S == 1 without a stall model.
    StallUnsupported,
    /// A == 0 while IDR0.TERM_MODEL == 1 (terminated transactions must abort).
    AbortRequired,
    /// T0SZ/T1SZ out of [16, 39] (with IDR3.STT: [16, 48], [16, 47] for 64 KB) for an
    /// enabled TTBx.
    TxszOutOfRange {
        /// Which TTB (0 or 1).
        ttb: u8,
    },
    /// TG0/TG1 reserved or not implemented for an enabled TTBx.
    GranuleInvalid {
        /// Which TTB (0 or 1).
        ttb: u8,
    },
    /// TTBx outside the effective IPS for an enabled TTBx.
    TtbOutOfRange {
        /// Which TTB (0 or 1).
        ttb: u8,
    },
}

/// One usable translation table base of a CD.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct TranslationTableBase {
    /// TTBx, aligned to the start table.
    pub ttb: u64,
    /// Geometry from TxSZ/TGx.
    pub geometry: WalkGeometry,
    /// The walk starts in Non-secure space (NSCFGx; always for Non-secure streams).
    pub start_ns: bool,
    /// HADx: hierarchical attributes disabled.
    pub hierarchical_disable: bool,
    /// TBIx: top byte ignored for addresses in this range.
    pub tbi: bool,
}

/// A valid CD's stage 1 configuration.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Stage1Config {
    /// The ASID that tags entries (0 for StreamWorlds without ASIDs).
    pub asid: u16,
    /// TTB0 and TTB1: `None` when disabled by EPDx or unused by the StreamWorld.
    pub ttb: [Option<TranslationTableBase>; 2],
    /// TBI0/TBI1 (needed for range selection even when a TTB is disabled).
    pub tbi: [bool; 2],
    /// The regime has two VA ranges (TTB1 covers the upper range).
    pub two_ranges: bool,
    /// Effective IPS in bits: MIN(IPS, OAS).
    pub oa_bits: u32,
    /// AFFD.
    pub affd: bool,
    /// Permission model.
    pub regime: Stage1Regime,
    /// R: record stage 1 faults.
    pub record: bool,
    /// A: terminated transactions abort (else RAZ/WI).
    pub abort: bool,
    /// MAIR0/MAIR1 (attribute indices; reported, not interpreted).
    pub mair: u64,
}

/// Which CD a transaction uses.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum CdChoice {
    /// The CD at this index of the table (0 for a single CD).
    Index(u32),
    /// S1DSS == 0b01: no CD, stage 1 bypassed.
    BypassStage1,
}

/// Why no CD could be used.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum CdLookupError {
    /// C_BAD_SUBSTREAMID (IHI0070 7.3.9).
    BadSubstreamId,
    /// F_STREAM_DISABLED (IHI0070 7.3.7).
    StreamDisabled,
    /// Stage 2 fault translating a CD or L1CD IPA (CLASS = CD).
    Stage2(WalkFault),
    /// F_CD_FETCH: the L1CD or CD fetch aborted.
    FetchAbort {
        /// PA of the L1CD or CD.
        fetch_addr: u64,
    },
}

/// Applies the SubstreamID rules of an STE with stage 1 enabled (IHI0070 5.2 S1CDMax
/// and S1DSS, 7.3.7, 7.3.9). `ssid` is the transaction's SubstreamID, if any.
pub fn select_cd(source: &Stage1Source, ssid: Option<u32>) -> Result<CdChoice, CdLookupError> {
    match ssid {
        Some(ssid) => {
            // S1CDMax == 0 covers SSIDSIZE == 0 too (its effective value is then 0).
            if source.cd_max == 0 || u64::from(ssid) >> source.cd_max != 0 {
                Err(CdLookupError::BadSubstreamId)
            } else if ssid == 0 && source.default_substream == DefaultSubstream::Substream0 {
                Err(CdLookupError::StreamDisabled)
            } else {
                Ok(CdChoice::Index(ssid))
            }
        }
        None if source.cd_max == 0 => Ok(CdChoice::Index(0)),
        None => match source.default_substream {
            DefaultSubstream::Terminate => Err(CdLookupError::StreamDisabled),
            DefaultSubstream::BypassStage1 => Ok(CdChoice::BypassStage1),
            DefaultSubstream::Substream0 => Ok(CdChoice::Index(0)),
        },
    }
}

/// Fetches CD `index` of the table described by `source`.
///
/// `resolve` maps a structure address (an IPA when stage 2 is enabled, else a PA)
/// to the PA and PAS to read; `addr_bits` is the range of valid structure addresses
/// before resolution (IAS for IPAs, OAS for PAs). Returns the CD and its PA.
pub(crate) fn fetch_cd<M, F>(
    mem: &M,
    source: &Stage1Source,
    index: u32,
    oas: AddressSize,
    addr_bits: u32,
    resolve: &mut F,
) -> Result<(ContextDescriptor, u64), CdLookupError>
where
    M: GuestMemory + ?Sized,
    F: FnMut(u64) -> Result<(u64, Pas), WalkFault>,
{
    let index = u64::from(index);
    let cd_addr = match source.format {
        CdTableFormat::Linear => {
            // S1ContextPtr[S1CDMax + 5:6] are RES0: the table is size-aligned
            // (CONSTRAINED UNPREDICTABLE choice: the bits are treated as zero).
            let table_bytes = 64u64 << source.cd_max;
            (source.context_ptr & !(table_bytes - 1)) + index * 64
        }
        CdTableFormat::TwoLevel4K | CdTableFormat::TwoLevel64K => {
            let leaf_bits: u32 = if source.format == CdTableFormat::TwoLevel4K {
                6
            } else {
                10
            };
            let l1_entries = 1u64 << u32::from(source.cd_max).saturating_sub(leaf_bits);
            let l1_base = source.context_ptr & !((l1_entries * 8).max(64) - 1);
            let l1_addr = l1_base + (index >> leaf_bits) * 8;
            let (pa, pas) = resolve(l1_addr).map_err(CdLookupError::Stage2)?;
            if (pa + 7) >> oas.bits() != 0 {
                return Err(CdLookupError::FetchAbort { fetch_addr: pa });
            }
            let l1cd = mem
                .read_u64(pas, pa)
                .map_err(|_| CdLookupError::FetchAbort { fetch_addr: pa })?;
            if l1cd & 1 == 0 {
                return Err(CdLookupError::BadSubstreamId);
            }
            // L2Ptr[55:12]; a 64 KB leaf table is 64 KB-aligned (L2Ptr[15:12] RES0,
            // treated as zero).
            let l2_align = 64u64 << leaf_bits;
            let l2_ptr = l1cd & 0x00FF_FFFF_FFFF_F000 & !(l2_align - 1);
            if l2_ptr >> addr_bits != 0 {
                // An out-of-range L2Ptr is C_BAD_SUBSTREAMID (IHI0070 7.3.9).
                return Err(CdLookupError::BadSubstreamId);
            }
            l2_ptr + (index & ((1 << leaf_bits) - 1)) * 64
        }
    };
    let (pa, pas) = resolve(cd_addr).map_err(CdLookupError::Stage2)?;
    let dwords = read_dwords(mem, pas, pa, oas)
        .map_err(|fetch_addr| CdLookupError::FetchAbort { fetch_addr })?;
    Ok((ContextDescriptor { dwords }, pa))
}

impl ContextDescriptor {
    /// Sets bits `[hi:lo]` of the 512-bit descriptor (a field never crosses a double
    /// word) to `value`, truncated to the field.
    /// A range that is reversed, beyond bit 511 or crossing a double word is
    /// ignored.
    pub fn set_field(&mut self, hi: u32, lo: u32, value: u64) {
        set_descriptor_field(&mut self.dwords, hi, lo, value);
    }

    const fn bits(&self, dw: usize, hi: u32, lo: u32) -> u64 {
        (self.dwords[dw] >> lo) & (u64::MAX >> (63 - (hi - lo)))
    }

    const fn flag(&self, dw: usize, bit: u32) -> bool {
        (self.dwords[dw] >> bit) & 1 != 0
    }

    /// T0SZ `[5:0]`.
    pub const fn t0sz(&self) -> u8 {
        self.bits(0, 5, 0) as u8
    }
    /// TG0 `[7:6]`.
    pub const fn tg0(&self) -> u8 {
        self.bits(0, 7, 6) as u8
    }
    /// EPD0, bit 14.
    pub const fn epd0(&self) -> bool {
        self.flag(0, 14)
    }
    /// ENDI, bit 15.
    pub const fn endi(&self) -> bool {
        self.flag(0, 15)
    }
    /// T1SZ `[21:16]`.
    pub const fn t1sz(&self) -> u8 {
        self.bits(0, 21, 16) as u8
    }
    /// TG1 `[23:22]`.
    pub const fn tg1(&self) -> u8 {
        self.bits(0, 23, 22) as u8
    }
    /// EPD1, bit 30.
    pub const fn epd1(&self) -> bool {
        self.flag(0, 30)
    }
    /// V, bit 31.
    pub const fn valid(&self) -> bool {
        self.flag(0, 31)
    }
    /// IPS `[34:32]`.
    pub const fn ips(&self) -> u8 {
        self.bits(0, 34, 32) as u8
    }
    /// AFFD, bit 35.
    pub const fn affd(&self) -> bool {
        self.flag(0, 35)
    }
    /// WXN, bit 36.
    pub const fn wxn(&self) -> bool {
        self.flag(0, 36)
    }
    /// TBI0, bit 38.
    pub const fn tbi0(&self) -> bool {
        self.flag(0, 38)
    }
    /// TBI1, bit 39.
    pub const fn tbi1(&self) -> bool {
        self.flag(0, 39)
    }
    /// PAN, bit 40.
    pub const fn pan(&self) -> bool {
        self.flag(0, 40)
    }
    /// AA64, bit 41.
    pub const fn aa64(&self) -> bool {
        self.flag(0, 41)
    }
    /// HD, bit 42.
    pub const fn hd(&self) -> bool {
        self.flag(0, 42)
    }
    /// HA, bit 43.
    pub const fn ha(&self) -> bool {
        self.flag(0, 43)
    }
    /// S, bit 44.
    pub const fn stall(&self) -> bool {
        self.flag(0, 44)
    }
    /// R, bit 45.
    pub const fn record(&self) -> bool {
        self.flag(0, 45)
    }
    /// A, bit 46.
    pub const fn abort(&self) -> bool {
        self.flag(0, 46)
    }
    /// ASID `[63:48]`.
    pub const fn asid(&self) -> u16 {
        self.bits(0, 63, 48) as u16
    }
    /// NSCFG0, bit 64.
    pub const fn nscfg0(&self) -> bool {
        self.flag(1, 0)
    }
    /// HAD0, bit 65.
    pub const fn had0(&self) -> bool {
        self.flag(1, 1)
    }
    /// HAFT, bit 67.
    pub const fn haft(&self) -> bool {
        self.flag(1, 3)
    }
    /// TTB0 `[119:68]`, as a byte address.
    pub const fn ttb0(&self) -> u64 {
        self.bits(1, 55, 4) << 4
    }
    /// NSCFG1, bit 128.
    pub const fn nscfg1(&self) -> bool {
        self.flag(2, 0)
    }
    /// HAD1, bit 129.
    pub const fn had1(&self) -> bool {
        self.flag(2, 1)
    }
    /// TTB1 `[183:132]`, as a byte address.
    pub const fn ttb1(&self) -> u64 {
        self.bits(2, 55, 4) << 4
    }
    /// MAIR0 `[223:192]` and MAIR1 `[255:224]`.
    pub const fn mair(&self) -> u64 {
        self.dwords[3]
    }

    /// Decodes and validates the CD for a stream of StreamWorld `world`
    /// (`secure_stream`: the stream is Secure, so NSCFGx apply).
    pub fn decode(
        &self,
        config: &SmmuConfig,
        world: StreamWorld,
        secure_stream: bool,
    ) -> Result<Stage1Config, InvalidCd> {
        if !self.valid() {
            return Err(InvalidCd::NotValid);
        }
        if !self.aa64() {
            return Err(InvalidCd::Aarch32);
        }
        if self.endi() {
            return Err(InvalidCd::BigEndian);
        }
        if self.ha() || self.hd() || self.haft() {
            return Err(InvalidCd::HttuUnsupported);
        }
        if self.stall() {
            return Err(InvalidCd::StallUnsupported);
        }
        if !self.abort() && config.term_model_abort_only {
            return Err(InvalidCd::AbortRequired);
        }
        if world.has_asid() && !config.asid16 && self.asid() >> 8 != 0 {
            return Err(InvalidCd::AsidTooWide);
        }
        let oa_bits = AddressSize::from_encoding(self.ips())
            .min(config.oas)
            .bits();
        let two_ranges = world.two_ranges();
        let table = |ttb_index: u8,
                     epd: bool,
                     granule: Option<Granule>,
                     txsz: u8,
                     ttb: u64,
                     nscfg: bool,
                     had: bool,
                     tbi: bool|
         -> Result<Option<TranslationTableBase>, InvalidCd> {
            // EPDx == 1 makes the TTBx fields IGNORED (IHI0070 5.4.1).
            if epd {
                return Ok(None);
            }
            let granule = granule
                .filter(|g| config.granules.supports(*g))
                .ok_or(InvalidCd::GranuleInvalid { ttb: ttb_index })?;
            let geometry = WalkGeometry::stage1_with(
                granule,
                u32::from(txsz),
                config.small_tables_implemented(),
            )
            .ok_or(InvalidCd::TxszOutOfRange { ttb: ttb_index })?;
            if ttb >> oa_bits != 0 {
                return Err(InvalidCd::TtbOutOfRange { ttb: ttb_index });
            }
            Ok(Some(TranslationTableBase {
                ttb: geometry.align_table_base(ttb),
                geometry,
                // NSCFGx only matter for Secure streams (IHI0070 5.4.1, 13.4.2).
                start_ns: !secure_stream || nscfg,
                hierarchical_disable: had,
                tbi,
            }))
        };
        let ttb0 = table(
            0,
            self.epd0(),
            Granule::from_tg0(self.tg0()),
            self.t0sz(),
            self.ttb0(),
            self.nscfg0(),
            self.had0(),
            self.tbi0(),
        )?;
        // Single-range StreamWorlds (any-EL2 without E2H, EL3) ignore TTB1.
        let ttb1 = if two_ranges {
            table(
                1,
                self.epd1(),
                Granule::from_tg1(self.tg1()),
                self.t1sz(),
                self.ttb1(),
                self.nscfg1(),
                self.had1(),
                self.tbi1(),
            )?
        } else {
            None
        };
        Ok(Stage1Config {
            asid: if world.has_asid() { self.asid() } else { 0 },
            ttb: [ttb0, ttb1],
            tbi: [self.tbi0(), two_ranges && self.tbi1()],
            two_ranges,
            oa_bits,
            affd: self.affd(),
            regime: Stage1Regime {
                two_privilege: two_ranges,
                wxn: self.wxn(),
                pan: two_ranges && self.pan(),
            },
            record: self.record(),
            abort: self.abort(),
            mair: self.mair(),
        })
    }
}

impl Stage1Config {
    /// Selects the TTB for an input address and checks the range (Arm ARM D8.2.2;
    /// IHI0070 3.4.1). `None` is a Translation fault: the address is in neither
    /// range, or its TTB is disabled by EPDx.
    pub fn select_ttb(&self, va: u64) -> Option<&TranslationTableBase> {
        // Bit 55 selects the range in two-range regimes, whatever TBI says.
        let upper = self.two_ranges && (va >> 55) & 1 != 0;
        let index = usize::from(upper);
        let tbi = self.tbi[index];
        let table = self.ttb[index].as_ref()?;
        let top = if tbi { 55 } else { 63 };
        // Bits [top:inputsize] must all equal the range bit.
        let width = top + 1 - table.geometry.input_bits;
        let high = (va >> table.geometry.input_bits) & ((1u64 << width) - 1);
        let expected = if upper { (1u64 << width) - 1 } else { 0 };
        (high == expected).then_some(table)
    }
}
