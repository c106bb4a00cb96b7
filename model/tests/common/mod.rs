//! Shared fixture for the integration tests: guest memory with Non-secure and Secure
//! RAM, both banks enabled with linear stream tables, and helpers to build tables.
#![allow(dead_code)]

use smmu::builders::{desc, CdBuilder, PageTable, SteBuilder};
use smmu::translate::{Outcome, Translation};
use smmu::walk::{AccessKind, Granule, WalkGeometry};
use smmu::{
    BankRegisters, Event, InMemoryGuest, Pas, SecSid, SmmuConfig, TranslationRequest, Translator,
};

/// Non-secure RAM: 256 MB at 1 GB.
pub const NS_RAM: u64 = 0x4000_0000;
/// Secure RAM: 16 MB at 0x0E00_0000 (the QEMU virt Secure RAM).
pub const S_RAM: u64 = 0x0E00_0000;
/// Stream tables (256 STEs each).
pub const NS_STRTAB: u64 = NS_RAM;
/// Secure stream table.
pub const S_STRTAB: u64 = S_RAM;
/// CD area offset from the RAM base.
pub const CD_OFFSET: u64 = 0x1_0000;
/// Table pool offset and size.
pub const POOL_OFFSET: u64 = 0x10_0000;
/// Table pool size.
pub const POOL_SIZE: u64 = 0x20_0000;

pub fn ram(state: SecSid) -> u64 {
    match state {
        SecSid::NonSecure => NS_RAM,
        SecSid::Secure => S_RAM,
    }
}

pub fn pas(state: SecSid) -> Pas {
    match state {
        SecSid::NonSecure => Pas::NonSecure,
        SecSid::Secure => Pas::Secure,
    }
}

pub fn guest() -> InMemoryGuest {
    InMemoryGuest::new()
        .with_region(Pas::NonSecure, NS_RAM, 0x1000_0000)
        .with_region(Pas::Secure, S_RAM, 0x100_0000)
}

/// An enabled bank with a linear 256-entry stream table and CR2.RECINVSID.
pub fn bank(strtab: u64) -> BankRegisters {
    BankRegisters {
        smmuen: true,
        strtab_base: strtab,
        strtab_base_cfg: 8,
        cr2: 0b10,
        ..BankRegisters::default()
    }
}

pub struct Fixture {
    pub mem: InMemoryGuest,
    pub translator: Translator,
    pub banks: [BankRegisters; 2],
}

impl Fixture {
    pub fn new(config: SmmuConfig) -> Fixture {
        Fixture {
            mem: guest(),
            translator: Translator::new(config).expect("valid config"),
            banks: [bank(NS_STRTAB), bank(S_STRTAB)],
        }
    }

    pub fn full() -> Fixture {
        Fixture::new(SmmuConfig::default())
    }

    pub fn bank_mut(&mut self, state: SecSid) -> &mut BankRegisters {
        &mut self.banks[state.index()]
    }

    pub fn write_ste(&mut self, state: SecSid, sid: u32, ste: SteBuilder) {
        let table = self.banks[state.index()].strtab_addr();
        ste.write_linear(&mut self.mem, pas(state), table, sid)
            .expect("STE in RAM");
    }

    pub fn cd_addr(state: SecSid, n: u64) -> u64 {
        ram(state) + CD_OFFSET + n * 64
    }

    pub fn write_cd(&mut self, state: SecSid, addr: u64, cd: CdBuilder) {
        cd.write(&mut self.mem, pas(state), addr)
            .expect("CD in RAM");
    }

    /// A 4 KB, 48-bit stage 1 table tree in the pool of `state` (offset `slot` MB
    /// into it, so several trees can coexist).
    pub fn s1_tables(&self, state: SecSid, slot: u64) -> PageTable {
        let geometry = WalkGeometry::stage1(Granule::K4, 16).unwrap();
        PageTable::new(
            pas(state),
            ram(state) + POOL_OFFSET + slot * 0x4_0000,
            0x4_0000,
            geometry,
        )
        .unwrap()
    }

    /// Stream `sid` of `state` translating with stage 1 only: STE -> CD(asid) ->
    /// fresh tables mapping `iova` to `pa` with a 4 KB page of `attrs`.
    pub fn stage1_stream(
        &mut self,
        state: SecSid,
        sid: u32,
        asid: u16,
        iova: u64,
        pa: u64,
        attrs: u64,
    ) -> PageTable {
        let mut tables = self.s1_tables(state, u64::from(sid));
        tables.map(&mut self.mem, iova, pa, 3, attrs).unwrap();
        let cd_addr = Fixture::cd_addr(state, u64::from(sid));
        self.write_cd(state, cd_addr, CdBuilder::new(tables.root()).asid(asid));
        self.write_ste(state, sid, SteBuilder::stage1(cd_addr));
        tables
    }

    pub fn translate(&mut self, request: TranslationRequest) -> Outcome {
        self.translator
            .translate(&self.mem, &self.banks, &request)
            .expect("valid request")
    }

    pub fn read(&mut self, state: SecSid, sid: u32, iova: u64) -> Outcome {
        self.translate(TranslationRequest::new(state, sid, iova, AccessKind::Read))
    }

    pub fn write(&mut self, state: SecSid, sid: u32, iova: u64) -> Outcome {
        self.translate(TranslationRequest::new(state, sid, iova, AccessKind::Write))
    }
}

pub fn translated(outcome: Outcome) -> Translation {
    match outcome {
        Outcome::Translated(t) => t,
        other => panic!("expected a translation, got {other:?}"),
    }
}

pub fn fault(outcome: Outcome) -> Event {
    match outcome {
        Outcome::Fault(e) => e,
        other => panic!("expected a fault, got {other:?}"),
    }
}

/// Stage 1 leaf attributes used throughout: RW for all, AF, inner shareable.
pub const RW: u64 = desc::S1_PAGE_RW;

pub mod device;
