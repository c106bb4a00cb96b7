//! The few register values translation reads, per bank.
//!
//! The generated register file owns every register; the later device integration
//! copies these values out of it (one [`BankRegisters`] per Security state) and hands
//! them to [`Translator::translate`](crate::translate::Translator::translate). Raw
//! register values are kept raw, with typed accessors, so that filling the struct is
//! a plain copy.

/// What translation reads from one bank's registers.
///
/// For the Non-secure bank: SMMU_CR0ACK.SMMUEN, SMMU_GBPA, SMMU_STRTAB_BASE(_CFG),
/// SMMU_CR2. For the Secure bank: the SMMU_S_ twins plus SMMU_S_CR0.SIF.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct BankRegisters {
    /// The *effective* translation enable: SMMU_(S_)CR0ACK.SMMUEN (IHI0070 6.3.10:
    /// the ACK reflects the state the SMMU is in, CR0 is only the request).
    pub smmuen: bool,
    /// SMMU_(S_)GBPA, used while `smmuen` is 0 (IHI0070 6.3.14, 6.3.48).
    pub gbpa: Gbpa,
    /// SMMU_(S_)STRTAB_BASE (`RA[62]`, `ADDR[55:6]`).
    pub strtab_base: u64,
    /// SMMU_(S_)STRTAB_BASE_CFG (`FMT[17:16]`, `SPLIT[10:6]`, `LOG2SIZE[5:0]`).
    pub strtab_base_cfg: u32,
    /// SMMU_(S_)CR2 (`E2H[0]`, `RECINVSID[1]`, `PTM[2]`).
    pub cr2: u32,
    /// SMMU_S_CR0.SIF (Secure bank only; ignored for the Non-secure bank): a Secure
    /// stream's instruction fetch that would target Non-secure memory is a
    /// permission fault (IHI0070 6.3.43).
    pub sif: bool,
}

impl BankRegisters {
    /// The decoded SMMU_(S_)STRTAB_BASE_CFG.
    pub const fn strtab_cfg(&self) -> StrtabBaseCfg {
        StrtabBaseCfg(self.strtab_base_cfg)
    }

    /// `STRTAB_BASE.ADDR[55:6]`, as a byte address.
    pub const fn strtab_addr(&self) -> u64 {
        self.strtab_base & 0x00FF_FFFF_FFFF_FFC0
    }

    /// CR2.E2H: EL2 StreamWorlds use the E2H (EL2&0) regime.
    pub const fn e2h(&self) -> bool {
        self.cr2 & 1 != 0
    }

    /// CR2.RECINVSID: record C_BAD_STREAMID for out-of-range StreamIDs.
    pub const fn recinvsid(&self) -> bool {
        self.cr2 & 0b10 != 0
    }
}

/// SMMU_(S_)STRTAB_BASE_CFG (IHI0070 6.3.25).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct StrtabBaseCfg(pub u32);

impl StrtabBaseCfg {
    /// `LOG2SIZE[5:0]`.
    pub const fn log2size(self) -> u32 {
        self.0 & 0x3F
    }

    /// `SPLIT[10:6]`.
    pub const fn split(self) -> u32 {
        (self.0 >> 6) & 0x1F
    }

    /// `FMT[17:16]`: 0b01 selects the 2-level table; 0b00 and the reserved values are
    /// linear (IHI0070 6.3.25: reserved FMT values behave as 0b00).
    pub const fn two_level(self) -> bool {
        (self.0 >> 16) & 0b11 == 0b01
    }
}

/// SMMU_(S_)GBPA: attributes of transactions that bypass a disabled SMMU
/// (IHI0070 6.3.14, 6.3.48).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Gbpa(pub u32);

impl Default for Gbpa {
    /// The reset value 0x1000: SHCFG = use incoming, ABORT = 0.
    fn default() -> Self {
        Gbpa(0x1000)
    }
}

impl Gbpa {
    /// `MemAttr[3:0]`.
    pub const fn mem_attr(self) -> u8 {
        (self.0 & 0xF) as u8
    }

    /// `MTCFG[4]`.
    pub const fn mtcfg(self) -> bool {
        self.0 & (1 << 4) != 0
    }

    /// `ALLOCCFG[11:8]`.
    pub const fn alloccfg(self) -> u8 {
        ((self.0 >> 8) & 0xF) as u8
    }

    /// `SHCFG[13:12]`.
    pub const fn shcfg(self) -> u8 {
        ((self.0 >> 12) & 0b11) as u8
    }

    /// `NSCFG[15:14]` (S_GBPA only): 0b00 use incoming, 0b01 reserved (as 0b00),
    /// 0b10 Secure, 0b11 Non-secure.
    pub const fn nscfg(self) -> u8 {
        ((self.0 >> 14) & 0b11) as u8
    }

    /// `PRIVCFG[17:16]`.
    pub const fn privcfg(self) -> u8 {
        ((self.0 >> 16) & 0b11) as u8
    }

    /// `INSTCFG[19:18]`.
    pub const fn instcfg(self) -> u8 {
        ((self.0 >> 18) & 0b11) as u8
    }

    /// `ABORT[20]`: terminate all incoming transactions while the SMMU is disabled.
    pub const fn abort(self) -> bool {
        self.0 & (1 << 20) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_decode() {
        let bank = BankRegisters {
            strtab_base: 0x4000_0000_4E17_903F,
            strtab_base_cfg: 0x0001_0285,
            cr2: 0b11,
            ..BankRegisters::default()
        };
        assert_eq!(bank.strtab_addr(), 0x4E17_9000);
        assert_eq!(bank.strtab_cfg().log2size(), 5);
        assert_eq!(bank.strtab_cfg().split(), 10);
        assert!(bank.strtab_cfg().two_level());
        assert!(bank.e2h() && bank.recinvsid());
        let g = Gbpa(0x001F_FFFF);
        assert!(g.abort());
        assert_eq!(
            (
                g.mem_attr(),
                g.mtcfg(),
                g.alloccfg(),
                g.shcfg(),
                g.nscfg(),
                g.privcfg(),
                g.instcfg()
            ),
            (0xF, true, 0xF, 3, 3, 3, 3)
        );
        assert_eq!(Gbpa::default().shcfg(), 1);
        assert!(!Gbpa::default().abort());
    }
}
