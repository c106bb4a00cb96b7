//! Stream tables and Stream Table Entries (IHI0070 3.3.2, 5.2, 6.3.24-6.3.25).
//!
//! [`fetch_ste`] locates the STE of a StreamID in one bank's table (linear or
//! 2-level) and reads it from that bank's PA space; [`StreamTableEntry::decode`]
//! applies every validity rule this model's configuration makes relevant
//! (IHI0070 5.2 field descriptions, behaviour.md 1.4) and produces a
//! [`StreamConfig`].

use regdef::SecSid;

use crate::config::{AddressSize, SmmuConfig};
use crate::memory::{GuestMemory, Pas};
use crate::registers::BankRegisters;
use crate::walk::{Granule, Stage2Params, Stage2Table, WalkGeometry};

/// A 64-byte STE as eight little-endian double words.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct StreamTableEntry {
    /// Double words 0-7 (STE bits `[63:0] .. [511:448]`).
    pub dwords: [u64; 8],
}

/// The StreamWorld: translation regime and Exception level that own a stream's
/// translations (IHI0070 3.3.3, STE.STRW in 5.2).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StreamWorld {
    /// Non-secure EL1&0.
    NsEl1,
    /// Non-secure EL2 (single range, no ASID).
    NsEl2,
    /// Non-secure EL2&0 (E2H).
    NsEl2E2h,
    /// Secure EL1&0 ("Secure").
    Secure,
    /// Secure EL2 (single range, no ASID).
    SecureEl2,
    /// Secure EL2&0 (E2H).
    SecureEl2E2h,
    /// EL3 (single range, no ASID).
    El3,
}

impl StreamWorld {
    /// Entries are tagged with an ASID (EL1&0 and E2H regimes).
    pub const fn has_asid(self) -> bool {
        matches!(
            self,
            StreamWorld::NsEl1
                | StreamWorld::NsEl2E2h
                | StreamWorld::Secure
                | StreamWorld::SecureEl2E2h
        )
    }

    /// Two VA ranges (TTB0 and TTB1) and two privilege levels.
    pub const fn two_ranges(self) -> bool {
        self.has_asid()
    }

    /// The Security state of the regime.
    pub const fn security(self) -> SecSid {
        match self {
            StreamWorld::NsEl1 | StreamWorld::NsEl2 | StreamWorld::NsEl2E2h => SecSid::NonSecure,
            _ => SecSid::Secure,
        }
    }
}

/// CD table layout (STE.S1Fmt).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum CdTableFormat {
    /// One CD, or a linear table indexed by SubstreamID.
    Linear,
    /// 2-level with 4 KB leaf tables (64 CDs each).
    TwoLevel4K,
    /// 2-level with 64 KB leaf tables (1024 CDs each).
    TwoLevel64K,
}

/// Behaviour of transactions without a SubstreamID when substreams are enabled
/// (STE.S1DSS).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum DefaultSubstream {
    /// 0b00 (and reserved 0b11): terminate with F_STREAM_DISABLED.
    Terminate,
    /// 0b01: bypass stage 1.
    BypassStage1,
    /// 0b10: use CD 0; SubstreamID 0 traffic is then terminated.
    Substream0,
}

/// Where stage 1's CDs are (from an STE with stage 1 enabled).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Stage1Source {
    /// STE.S1ContextPtr (an IPA when stage 2 is enabled).
    pub context_ptr: u64,
    /// Effective S1Fmt (Linear when substreams are disabled).
    pub format: CdTableFormat,
    /// Effective S1CDMax: 0 when substreams are disabled or unsupported.
    pub cd_max: u8,
    /// S1DSS (meaningful when `cd_max > 0`).
    pub default_substream: DefaultSubstream,
}

/// Stage 2 configuration of a stream (STE.S2* and, for Secure streams, S_S2*).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Stage2Config {
    /// Shared walk parameters.
    pub params: Stage2Params,
    /// STE.S2R: record stage 2 faults.
    pub record: bool,
    /// The table translating the Non-secure IPA space (STE.S2TTB).
    pub ns_ipa: Stage2Table,
    /// The table translating the Secure IPA space (STE.S_S2TTB): Secure streams with
    /// SEL2 only.
    pub secure_ipa: Option<Stage2Table>,
}

impl Stage2Config {
    /// The table for an IPA in the Non-secure (`true`) or Secure IPA space. A Secure
    /// IPA without a Secure table cannot arise: Secure streams without SEL2 have no
    /// stage 2, and Non-secure streams only produce Non-secure IPAs.
    pub fn table(&self, ipa_ns: bool) -> &Stage2Table {
        match (ipa_ns, &self.secure_ipa) {
            (false, Some(secure)) => secure,
            _ => &self.ns_ipa,
        }
    }
}

/// The attribute overrides an STE applies (IHI0070 5.2, 13.1). Fields whose
/// override is not implemented (IDR1.ATTR_*_OVR = 0) read as "use incoming".
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct StreamAttributes {
    /// SHCFG: 0b00 NSH, 0b01 incoming, 0b10 OSH, 0b11 ISH.
    pub shcfg: u8,
    /// MTCFG: replace the memory type with `mem_attr`.
    pub mtcfg: bool,
    /// MemAttr.
    pub mem_attr: u8,
    /// ALLOCCFG.
    pub alloccfg: u8,
    /// PRIVCFG: 0b0x incoming, 0b10 unprivileged, 0b11 privileged.
    pub privcfg: u8,
    /// INSTCFG: 0b0x incoming, 0b10 data, 0b11 instruction (reads only).
    pub instcfg: u8,
    /// NSCFG (Secure STEs, stage 1 bypassed): 0b0x incoming, 0b10 Secure,
    /// 0b11 Non-secure.
    pub nscfg: u8,
}

impl StreamAttributes {
    /// The NS attribute that leaves stage 1 when it is bypassed: from NSCFG, or the
    /// incoming one (IHI0070 5.2 NSCFG).
    pub const fn ns_after_bypass(&self, incoming_ns: bool) -> bool {
        match self.nscfg {
            0b10 => false,
            0b11 => true,
            _ => incoming_ns,
        }
    }
}

/// A translating STE's configuration.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct TranslateConfig {
    /// Attribute overrides.
    pub attributes: StreamAttributes,
    /// Stage 1, when enabled.
    pub stage1: Option<Stage1Source>,
    /// Stage 2, when enabled.
    pub stage2: Option<Stage2Config>,
    /// Effective StreamWorld.
    pub world: StreamWorld,
    /// The VMID that tags this stream's TLB entries (0 when not VMID-tagged).
    pub vmid: u16,
}

/// What a valid STE says to do with a stream's traffic.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum StreamConfig {
    /// Config 0b000 (and reserved 0b0xx): abort, no event.
    Abort,
    /// Config 0b100: bypass both stages.
    Bypass(StreamAttributes),
    /// Config 0b101/0b110/0b111.
    Translate(TranslateConfig),
}

/// Why an STE is ILLEGAL (each maps to C_BAD_STE).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum InvalidSte {
    /// V == 0.
    NotValid,
    /// Config 0b1x1 without stage 1 (IDR0.S1P == 0).
    Stage1NotImplemented,
    /// Config 0b11x without stage 2 (IDR0.S2P == 0).
    Stage2NotImplemented,
    /// Config 0b11x in the Secure table without Secure stage 2 (S_IDR1.SEL2 == 0).
    SecureStage2NotImplemented,
    /// S2AA64 == 0: VMSAv8-32 LPAE stage 2 (not implemented; always ILLEGAL for a
    /// Secure STE).
    Stage2Aarch32,
    /// S1CDMax > SSIDSIZE.
    S1CdMaxTooLarge,
    /// S1Fmt != 0b00 with substreams enabled and IDR0.CD2L == 0.
    TwoLevelCdUnsupported,
    /// S1STALLD == 1 while STALL_MODEL != 0b00.
    StallDisableIllegal,
    /// STRW reserved, or selecting an EL2 world the bank does not implement.
    StreamWorldIllegal,
    /// S2TG/S_S2TG reserved or not implemented.
    Stage2GranuleInvalid {
        /// The Secure IPA space's S_S2TG.
        secure_ipa: bool,
    },
    /// S2T0SZ/S2SL0 (or S_S2T0SZ/S_S2SL0) out of range or inconsistent.
    Stage2GeometryInvalid {
        /// The Secure IPA space's fields.
        secure_ipa: bool,
    },
    /// S2TTB/S_S2TTB outside the effective S2PS.
    Stage2TtbOutOfRange {
        /// The Secure IPA space's S_S2TTB.
        secure_ipa: bool,
    },
    /// S2ENDI == 1: big-endian tables are not implemented (IDR0.TTENDIAN = 0b10).
    Stage2BigEndian,
    /// S2HA/S2HD without HTTU (IDR0.HTTU = 0).
    Stage2HttuUnsupported,
    /// S2S == 1 without a stall model.
    Stage2StallUnsupported,
    /// `S2VMID[15:8]` != 0 with 8-bit VMIDs.
    VmidTooWide,
}

/// Why no STE could be read for a StreamID.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum SteLookupError {
    /// C_BAD_STREAMID: out of range, or an invalid/too-short L1STD (IHI0070 7.3.3).
    BadStreamId,
    /// F_STE_FETCH: the L1STD or STE fetch aborted, or its address is beyond the OAS
    /// (IHI0070 3.4.3).
    FetchAbort {
        /// PA of the L1STD or STE.
        fetch_addr: u64,
    },
}

/// The PA space of a bank's own structures (IHI0070 3.10.2: the Secure stream table
/// is in Secure PA space).
pub const fn bank_pas(state: SecSid) -> Pas {
    match state {
        SecSid::NonSecure => Pas::NonSecure,
        SecSid::Secure => Pas::Secure,
    }
}

/// Sets bits `[hi:lo]` of a 512-bit descriptor (STE or CD) to `value`, truncated to
/// the field; a range that is reversed, beyond bit 511 or crossing a double word is
/// ignored, so a test or tool building descriptors cannot panic the model.
pub(crate) fn set_descriptor_field(dwords: &mut [u64; 8], hi: u32, lo: u32, value: u64) {
    if hi < lo || hi >= 512 || hi / 64 != lo / 64 {
        return;
    }
    let dw = &mut dwords[(lo / 64) as usize];
    let shift = lo % 64;
    let width = hi - lo + 1;
    let mask = if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    };
    *dw = (*dw & !(mask << shift)) | ((value & mask) << shift);
}

/// Reads a 64-byte structure (STE or CD) as double words; `Err(addr)` on abort or
/// an address beyond the OAS (IHI0070 3.4.3: an out-of-range structure address is
/// reported as a fetch abort).
pub(crate) fn read_dwords<M: GuestMemory + ?Sized>(
    mem: &M,
    pas: Pas,
    addr: u64,
    oas: AddressSize,
) -> Result<[u64; 8], u64> {
    let mut bytes = [0u8; 64];
    if addr
        .checked_add(63)
        .is_none_or(|end| end >> oas.bits() != 0)
    {
        return Err(addr);
    }
    mem.read(pas, addr, &mut bytes).map_err(|_| addr)?;
    let mut dwords = [0u64; 8];
    for (i, chunk) in bytes.chunks_exact(8).enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        dwords[i] = u64::from_le_bytes(b);
    }
    Ok(dwords)
}

/// `addr` with bits `[shift-1:0]` cleared (all of them from a shift of 64).
const fn align_down(addr: u64, shift: u32) -> u64 {
    if shift >= 64 {
        0
    } else {
        addr & !((1u64 << shift) - 1)
    }
}

/// Locates and reads the STE for `stream_id` in the table of bank `state`.
///
/// Returns the STE and its PA. IHI0070 3.3.2 (linear and 2-level layout), 6.3.25
/// (effective LOG2SIZE = MIN(LOG2SIZE, SIDSIZE) for the StreamID range, the literal
/// LOG2SIZE for the base alignment (6.3.24); SPLIT other than 6/8/10 behaves
/// as 6), 5.1 (L1STD Span rules, following the spec rather than QEMU: a StreamID
/// beyond the Span is C_BAD_STREAMID; behaviour.md 8.2 #1).
pub fn fetch_ste<M: GuestMemory + ?Sized>(
    mem: &M,
    config: &SmmuConfig,
    bank: &BankRegisters,
    state: SecSid,
    stream_id: u32,
) -> Result<(StreamTableEntry, u64), SteLookupError> {
    let pas = bank_pas(state);
    let cfg = bank.strtab_cfg();
    let log2size = cfg.log2size().min(u32::from(config.sid_bits_for(state)));
    let sid = u64::from(stream_id);
    if sid >> log2size != 0 {
        return Err(SteLookupError::BadStreamId);
    }
    let ste_addr = if cfg.two_level() && config.two_level_stream_table {
        let split = match cfg.split() {
            8 => 8,
            10 => 10,
            _ => 6,
        };
        // The base is aligned to MAX(64 bytes, the L1 table size) for the literal
        // LOG2SIZE, not the one capped by SIDSIZE (IHI0070 6.3.24):
        // ADDR[MAX(5, LOG2SIZE - SPLIT - 1 + 3):0] = 0.
        let base = align_down(
            bank.strtab_addr(),
            (cfg.log2size().saturating_sub(split) + 3).max(6),
        );
        let l1_addr = base + (sid >> split) * 8;
        if (l1_addr + 7) >> config.oas.bits() != 0 {
            return Err(SteLookupError::FetchAbort {
                fetch_addr: l1_addr,
            });
        }
        let l1std = mem
            .read_u64(pas, l1_addr)
            .map_err(|_| SteLookupError::FetchAbort {
                fetch_addr: l1_addr,
            })?;
        let span = (l1std & 0x1F) as u32;
        let l2_index = sid & ((1u64 << split) - 1);
        if span == 0 || span > 11 || span > split + 1 || l2_index >> (span - 1) != 0 {
            return Err(SteLookupError::BadStreamId);
        }
        // L2Ptr[5 + Span - 1:0] are taken as zero: the L2 array is size-aligned.
        let l2_bytes = 64u64 << (span - 1);
        let l2_ptr = l1std & 0x00FF_FFFF_FFFF_FFC0 & !(l2_bytes - 1);
        l2_ptr + l2_index * 64
    } else {
        // ADDR[LOG2SIZE + 5:0] are taken as zero, for the literal LOG2SIZE
        // (IHI0070 6.3.24): the table is aligned to its configured size.
        align_down(bank.strtab_addr(), cfg.log2size() + 6) + sid * 64
    };
    let dwords = read_dwords(mem, pas, ste_addr, config.oas)
        .map_err(|fetch_addr| SteLookupError::FetchAbort { fetch_addr })?;
    Ok((StreamTableEntry { dwords }, ste_addr))
}

impl StreamTableEntry {
    /// Bits `[hi:lo]` of the 512-bit entry (a field never crosses a double word).
    /// A range that is reversed, beyond bit 511 or crossing a double word reads 0.
    pub const fn field(&self, hi: u32, lo: u32) -> u64 {
        if hi < lo || hi >= 512 || hi / 64 != lo / 64 {
            return 0;
        }
        let dw = self.dwords[(lo / 64) as usize];
        let shift = lo % 64;
        let width = hi - lo + 1;
        let v = dw >> shift;
        if width >= 64 {
            v
        } else {
            v & ((1u64 << width) - 1)
        }
    }

    const fn flag(&self, bit: u32) -> bool {
        self.field(bit, bit) != 0
    }

    /// Sets bits `[hi:lo]` of the 512-bit entry to `value` (truncated to the field).
    /// A range that is reversed, beyond bit 511 or crossing a double word is
    /// ignored.
    pub fn set_field(&mut self, hi: u32, lo: u32, value: u64) {
        set_descriptor_field(&mut self.dwords, hi, lo, value);
    }

    /// V.
    pub const fn valid(&self) -> bool {
        self.flag(0)
    }
    /// `Config[3:1]`.
    pub const fn config(&self) -> u8 {
        self.field(3, 1) as u8
    }
    /// `S1Fmt[5:4]`.
    pub const fn s1fmt(&self) -> u8 {
        self.field(5, 4) as u8
    }
    /// `S1ContextPtr[55:6]`, as a byte address.
    pub const fn s1_context_ptr(&self) -> u64 {
        self.field(55, 6) << 6
    }
    /// `S1CDMax[63:59]`.
    pub const fn s1cdmax(&self) -> u8 {
        self.field(63, 59) as u8
    }
    /// `S1DSS[65:64]`.
    pub const fn s1dss(&self) -> u8 {
        self.field(65, 64) as u8
    }
    /// `S1STALLD[91]`.
    pub const fn s1stalld(&self) -> bool {
        self.flag(91)
    }
    /// `STRW[95:94]`.
    pub const fn strw(&self) -> u8 {
        self.field(95, 94) as u8
    }
    /// `MemAttr[99:96]`.
    pub const fn mem_attr(&self) -> u8 {
        self.field(99, 96) as u8
    }
    /// `MTCFG[100]`.
    pub const fn mtcfg(&self) -> bool {
        self.flag(100)
    }
    /// `ALLOCCFG[104:101]`.
    pub const fn alloccfg(&self) -> u8 {
        self.field(104, 101) as u8
    }
    /// `SHCFG[109:108]`.
    pub const fn shcfg(&self) -> u8 {
        self.field(109, 108) as u8
    }
    /// `NSCFG[111:110]`.
    pub const fn nscfg(&self) -> u8 {
        self.field(111, 110) as u8
    }
    /// `PRIVCFG[113:112]`.
    pub const fn privcfg(&self) -> u8 {
        self.field(113, 112) as u8
    }
    /// `INSTCFG[115:114]`.
    pub const fn instcfg(&self) -> u8 {
        self.field(115, 114) as u8
    }
    /// `S2VMID[143:128]`.
    pub const fn s2vmid(&self) -> u16 {
        self.field(143, 128) as u16
    }
    /// `S2T0SZ[165:160]`.
    pub const fn s2t0sz(&self) -> u8 {
        self.field(165, 160) as u8
    }
    /// `S2SL0[167:166]`.
    pub const fn s2sl0(&self) -> u8 {
        self.field(167, 166) as u8
    }
    /// `S2TG[175:174]`.
    pub const fn s2tg(&self) -> u8 {
        self.field(175, 174) as u8
    }
    /// `S2PS[178:176]`.
    pub const fn s2ps(&self) -> u8 {
        self.field(178, 176) as u8
    }
    /// `S2AA64[179]`.
    pub const fn s2aa64(&self) -> bool {
        self.flag(179)
    }
    /// `S2ENDI[180]`.
    pub const fn s2endi(&self) -> bool {
        self.flag(180)
    }
    /// `S2AFFD[181]`.
    pub const fn s2affd(&self) -> bool {
        self.flag(181)
    }
    /// `S2PTW[182]`.
    pub const fn s2ptw(&self) -> bool {
        self.flag(182)
    }
    /// `S2HD[183]`.
    pub const fn s2hd(&self) -> bool {
        self.flag(183)
    }
    /// `S2HA[184]`.
    pub const fn s2ha(&self) -> bool {
        self.flag(184)
    }
    /// `S2S[185]`.
    pub const fn s2s(&self) -> bool {
        self.flag(185)
    }
    /// `S2R[186]`.
    pub const fn s2r(&self) -> bool {
        self.flag(186)
    }
    /// `S2NSW[192]`.
    pub const fn s2nsw(&self) -> bool {
        self.flag(192)
    }
    /// `S2NSA[193]`.
    pub const fn s2nsa(&self) -> bool {
        self.flag(193)
    }
    /// `S2TTB[247:196]`, as a byte address.
    pub const fn s2ttb(&self) -> u64 {
        self.field(247, 196) << 4
    }
    /// `S_S2T0SZ[293:288]`.
    pub const fn s_s2t0sz(&self) -> u8 {
        self.field(293, 288) as u8
    }
    /// `S_S2SL0[295:294]`.
    pub const fn s_s2sl0(&self) -> u8 {
        self.field(295, 294) as u8
    }
    /// `S_S2TG[303:302]`.
    pub const fn s_s2tg(&self) -> u8 {
        self.field(303, 302) as u8
    }
    /// `S2SW[384]`.
    pub const fn s2sw(&self) -> bool {
        self.flag(384)
    }
    /// `S2SA[385]`.
    pub const fn s2sa(&self) -> bool {
        self.flag(385)
    }
    /// `S_S2TTB[439:388]`, as a byte address.
    pub const fn s_s2ttb(&self) -> u64 {
        self.field(439, 388) << 4
    }

    /// Decodes and validates the STE as found in the table of bank `state`.
    ///
    /// `e2h` is SMMU_(S_)CR2.E2H of that bank. Rules are checked in the order of
    /// behaviour.md 1.4; the first broken one is returned.
    pub fn decode(
        &self,
        state: SecSid,
        config: &SmmuConfig,
        e2h: bool,
    ) -> Result<StreamConfig, InvalidSte> {
        if !self.valid() {
            return Err(InvalidSte::NotValid);
        }
        let cfg = self.config();
        if cfg & 0b100 == 0 {
            return Ok(StreamConfig::Abort);
        }
        let attributes = self.attributes(state, config);
        let s1 = cfg & 0b001 != 0;
        let s2 = cfg & 0b010 != 0;
        if !s1 && !s2 {
            return Ok(StreamConfig::Bypass(attributes));
        }
        let secure = state == SecSid::Secure;
        if s1 && !config.stage1 {
            return Err(InvalidSte::Stage1NotImplemented);
        }
        if s2 && !config.stage2 {
            return Err(InvalidSte::Stage2NotImplemented);
        }
        if s2 && secure && !config.secure_stage2 {
            return Err(InvalidSte::SecureStage2NotImplemented);
        }
        if s2 && !self.s2aa64() {
            // Only VMSAv8-64 is implemented (IDR0.TTF = 0b10), and a Secure STE
            // with VMSAv8-32 stage 2 is ILLEGAL in any case (IHI0070 5.2 Config).
            return Err(InvalidSte::Stage2Aarch32);
        }
        let stage1 = if s1 {
            Some(self.stage1_source(config)?)
        } else {
            None
        };
        if s1
            && self.s1stalld()
            && config.stall_model != crate::config::StallModel::StallAndTerminate
        {
            return Err(InvalidSte::StallDisableIllegal);
        }
        let world = self.stream_world(state, config, e2h, s1, s2)?;
        let stage2 = if s2 {
            Some(self.stage2_config(secure, config)?)
        } else {
            None
        };
        // VMID tagging (IHI0070 5.2 S2VMID): Non-secure EL1 streams when S2P is
        // implemented; Secure streams only with SEL2, StreamWorld Secure and stage 2.
        let vmid_used = match state {
            SecSid::NonSecure => config.stage2 && world == StreamWorld::NsEl1,
            SecSid::Secure => s2 && world == StreamWorld::Secure,
        };
        if vmid_used && !config.vmid16 && self.s2vmid() >> 8 != 0 {
            return Err(InvalidSte::VmidTooWide);
        }
        Ok(StreamConfig::Translate(TranslateConfig {
            attributes,
            stage1,
            stage2,
            world,
            vmid: if vmid_used { self.s2vmid() } else { 0 },
        }))
    }

    fn attributes(&self, state: SecSid, config: &SmmuConfig) -> StreamAttributes {
        let mut a = StreamAttributes {
            shcfg: 0b01,
            ..StreamAttributes::default()
        };
        if config.attr_types_ovr {
            a.shcfg = self.shcfg();
            a.mtcfg = self.mtcfg();
            a.mem_attr = self.mem_attr();
            a.alloccfg = self.alloccfg();
        }
        if config.attr_perms_ovr {
            a.privcfg = self.privcfg();
            a.instcfg = self.instcfg();
            // NSCFG is IGNORED in the Non-secure table (IHI0070 5.2 NSCFG).
            if state == SecSid::Secure {
                a.nscfg = self.nscfg();
            }
        }
        a
    }

    fn stage1_source(&self, config: &SmmuConfig) -> Result<Stage1Source, InvalidSte> {
        // With SSIDSIZE == 0, S1CDMax and S1Fmt are IGNORED (IHI0070 5.2); QEMU
        // instead rejects any S1CDMax != 0 (behaviour.md 8.2 #5).
        let cd_max = if config.ssid_bits == 0 {
            0
        } else {
            self.s1cdmax()
        };
        if cd_max > config.ssid_bits {
            return Err(InvalidSte::S1CdMaxTooLarge);
        }
        let format = if cd_max == 0 {
            CdTableFormat::Linear
        } else {
            if self.s1fmt() != 0 && !config.two_level_cd {
                return Err(InvalidSte::TwoLevelCdUnsupported);
            }
            match self.s1fmt() {
                0b01 => CdTableFormat::TwoLevel4K,
                0b10 => CdTableFormat::TwoLevel64K,
                _ => CdTableFormat::Linear,
            }
        };
        let default_substream = match self.s1dss() {
            0b01 => DefaultSubstream::BypassStage1,
            0b10 => DefaultSubstream::Substream0,
            _ => DefaultSubstream::Terminate,
        };
        Ok(Stage1Source {
            context_ptr: self.s1_context_ptr(),
            format,
            cd_max,
            default_substream,
        })
    }

    fn stream_world(
        &self,
        state: SecSid,
        config: &SmmuConfig,
        e2h: bool,
        s1: bool,
        s2: bool,
    ) -> Result<StreamWorld, InvalidSte> {
        // STRW only matters for stage-1-only streams (IHI0070 5.2 STRW).
        let strw_used = s1 && !s2;
        match state {
            SecSid::NonSecure => {
                if !strw_used || !config.hyp {
                    return Ok(StreamWorld::NsEl1);
                }
                match self.strw() {
                    0b00 => Ok(StreamWorld::NsEl1),
                    0b10 if e2h => Ok(StreamWorld::NsEl2E2h),
                    0b10 => Ok(StreamWorld::NsEl2),
                    _ => Err(InvalidSte::StreamWorldIllegal),
                }
            }
            SecSid::Secure => {
                if !strw_used {
                    return Ok(StreamWorld::Secure);
                }
                match self.strw() {
                    0b00 => Ok(StreamWorld::Secure),
                    0b10 if !config.secure_stage2 => Err(InvalidSte::StreamWorldIllegal),
                    0b10 if e2h => Ok(StreamWorld::SecureEl2E2h),
                    0b10 => Ok(StreamWorld::SecureEl2),
                    // EL3 is ILLEGAL only with RME_IMPL, which is not modelled.
                    0b01 => Ok(StreamWorld::El3),
                    _ => Err(InvalidSte::StreamWorldIllegal),
                }
            }
        }
    }

    fn stage2_table(
        config: &SmmuConfig,
        tg: u8,
        t0sz: u8,
        sl0: u8,
        ttb: u64,
        oa_bits: u32,
        secure_ipa: bool,
    ) -> Result<Stage2Table, InvalidSte> {
        let granule = Granule::from_tg0(tg)
            .filter(|g| config.granules.supports(*g))
            .ok_or(InvalidSte::Stage2GranuleInvalid { secure_ipa })?;
        let geometry = WalkGeometry::stage2_with(
            granule,
            u32::from(t0sz),
            sl0,
            config.ias().bits(),
            config.small_tables_implemented(),
        )
        .ok_or(InvalidSte::Stage2GeometryInvalid { secure_ipa })?;
        if ttb >> oa_bits != 0 {
            return Err(InvalidSte::Stage2TtbOutOfRange { secure_ipa });
        }
        Ok(Stage2Table {
            ttb: geometry.align_table_base(ttb),
            geometry,
            walk_ns: true,
            output_ns: true,
            ipa_ns: !secure_ipa,
        })
    }

    fn stage2_config(&self, secure: bool, config: &SmmuConfig) -> Result<Stage2Config, InvalidSte> {
        if self.s2endi() {
            return Err(InvalidSte::Stage2BigEndian);
        }
        if self.s2ha() || self.s2hd() {
            return Err(InvalidSte::Stage2HttuUnsupported);
        }
        if self.s2s() {
            return Err(InvalidSte::Stage2StallUnsupported);
        }
        // Effective S2PS = MIN(S2PS, OAS); 48-bit cap for 4K/16K without DS is
        // implied because OAS <= 48 in this model.
        let oa_bits = AddressSize::from_encoding(self.s2ps())
            .min(config.oas)
            .bits();
        let mut ns_ipa = Self::stage2_table(
            config,
            self.s2tg(),
            self.s2t0sz(),
            self.s2sl0(),
            self.s2ttb(),
            oa_bits,
            false,
        )?;
        let mut secure_ipa = None;
        if secure {
            // IHI0070 3.10.2.2 / behaviour.md 6.9: S2SW/S2SA for the Secure IPA space,
            // S2NSW/S2NSA for the Non-secure IPA space. A Non-secure walk or output
            // can only be forced, never undone.
            let (sw, sa, nsw, nsa) = (self.s2sw(), self.s2sa(), self.s2nsw(), self.s2nsa());
            let mut s = Self::stage2_table(
                config,
                self.s_s2tg(),
                self.s_s2t0sz(),
                self.s_s2sl0(),
                self.s_s2ttb(),
                oa_bits,
                true,
            )?;
            s.walk_ns = sw;
            s.output_ns = sw || sa;
            ns_ipa.walk_ns = nsw;
            ns_ipa.output_ns = if !sw && !sa && !nsw { nsa } else { true };
            secure_ipa = Some(s);
        }
        Ok(Stage2Config {
            params: Stage2Params {
                oa_bits,
                affd: self.s2affd(),
                ptw: self.s2ptw(),
            },
            record: self.s2r(),
            ns_ipa,
            secure_ipa,
        })
    }
}
