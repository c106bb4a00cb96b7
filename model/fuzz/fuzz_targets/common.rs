//! What both model fuzz targets share: a structure-aware description of an SMMU's
//! configuration and of the in-memory structures it reads (stream tables, STEs, CDs,
//! stage 1 and stage 2 translation tables), decoded from the fuzzer's bytes with
//! `arbitrary`, and the code that lays them out in guest memory with the model's own
//! builders (`smmu::builders`).
//!
//! Every type is built so that all-zero bytes (and bytes that run out, which
//! `arbitrary` reads as zeros and empty lists) describe the canonical working set-up:
//! the full default configuration, a stage 1 stream whose CD points at a 4 KB, 48-bit
//! table tree with one page mapped, an identity stage 2 under nested streams. A
//! mutation then moves one field away from a set-up that translates, so the decoders
//! and both walks are reached from the first input on.
#![allow(dead_code)]

use arbitrary::Arbitrary;
use smmu::builders::{desc, write_structure, CdBuilder, PageTable, SteBuilder};
use smmu::config::AddressSize;
use smmu::registers::Gbpa;
use smmu::walk::{AccessKind, Granule, WalkGeometry};
use smmu::{
    BankRegisters, GuestMemory, InMemoryGuest, Pas, SecSid, SmmuConfig, TranslationRequest,
};

/// Base of the Non-secure RAM.
pub const NS_RAM: u64 = 0x4000_0000;
/// Base of the Secure RAM.
pub const S_RAM: u64 = 0x0E00_0000;
/// Size of each RAM. [`InMemoryGuest`] is sparse: only written pages cost memory.
pub const RAM_SIZE: u64 = 0x200_0000;

/// Layout inside each bank's RAM (offsets from its base).
pub mod layout {
    /// The stream table (linear, or the L1 table of a 2-level one).
    pub const STRTAB: u64 = 0;
    /// The L2 stream table arrays of a 2-level table (4 KB each, 64 STEs).
    pub const STRTAB_L2: u64 = 0x8000;
    /// The CD tables: one 32 KB area per STE of the image.
    pub const CD_AREA: u64 = 0x1_0000;
    /// Bytes of each STE's CD area.
    pub const CD_AREA_STRIDE: u64 = 0x8000;
    /// The command queue.
    pub const CMDQ: u64 = 0x8_0000;
    /// The event queue.
    pub const EVENTQ: u64 = 0xA_0000;
    /// MSI targets.
    pub const MSI: u64 = 0xC_0000;
    /// Translation table pools, one slot per tree.
    pub const POOLS: u64 = 0x10_0000;
    /// Bytes of each pool slot.
    pub const POOL_SLOT: u64 = 0x4_0000;
    /// How many pool slots fit before the data area.
    pub const POOL_SLOTS: u64 = 0x30;
    /// Where leaves point: output pages for DMA.
    pub const DATA: u64 = 0x100_0000;
    /// Bytes of the data area.
    pub const DATA_SIZE: u64 = 0x100_0000;
}

/// At most this many STEs per bank, CDs per STE and mappings per tree are built,
/// whatever the input says, so one execution stays short.
pub const MAX_STES: usize = 4;
pub const MAX_CDS: usize = 4;
pub const MAX_MAPPINGS: usize = 6;
pub const MAX_POKES: usize = 4;

pub fn ram(bank: SecSid) -> u64 {
    match bank {
        SecSid::NonSecure => NS_RAM,
        SecSid::Secure => S_RAM,
    }
}

pub fn pas(bank: SecSid) -> Pas {
    match bank {
        SecSid::NonSecure => Pas::NonSecure,
        SecSid::Secure => Pas::Secure,
    }
}

pub fn guest() -> InMemoryGuest {
    InMemoryGuest::new()
        .with_region(Pas::NonSecure, NS_RAM, RAM_SIZE)
        .with_region(Pas::Secure, S_RAM, RAM_SIZE)
}

// ------------------------------------------------------------------ configuration

/// The SMMU's configuration: each flag turns one feature of the full default
/// configuration *off*, so that zero bytes give [`SmmuConfig::default`].
#[derive(Arbitrary, Debug, Clone)]
pub struct FuzzConfig {
    pub no_secure: bool,
    pub no_stage1: bool,
    pub no_stage2: bool,
    pub no_secure_stage2: bool,
    pub no_hyp: bool,
    pub no_msi: bool,
    pub no_two_level_st: bool,
    pub no_two_level_cd: bool,
    pub no_attr_perms_ovr: bool,
    pub term_model_raz_wi: bool,
    pub gbpa_abort_at_reset: bool,
    pub no_vmid16_asid16: bool,
    /// Granules removed: bit 0 4 KB, bit 1 16 KB, bit 2 64 KB.
    pub granules_removed: u8,
    /// 0 = 48 bits, else an OAS encoding below 48 bits.
    pub oas_smaller: u8,
    /// 0 = 20 SubstreamID bits, else `n % 21`.
    pub ssid_bits: u8,
    /// 0 = 16 StreamID bits, else `n % 17`.
    pub sid_bits: u8,
    /// Cache capacities: 0 = the default, else 1 to 16 (small caches evict).
    pub config_cache: u8,
    pub tlb: u8,
}

impl FuzzConfig {
    pub fn build(&self) -> SmmuConfig {
        let mut c = SmmuConfig::default();
        c.secure_impl = !self.no_secure;
        c.stage1 = !self.no_stage1;
        c.stage2 = !self.no_stage2;
        c.secure_stage2 = c.secure_impl && c.stage2 && !self.no_secure_stage2;
        c.hyp = c.stage1 && c.stage2 && !self.no_hyp;
        c.msi = !self.no_msi;
        c.two_level_stream_table = !self.no_two_level_st;
        c.two_level_cd = !self.no_two_level_cd;
        c.attr_perms_ovr = !self.no_attr_perms_ovr;
        c.term_model_abort_only = !self.term_model_raz_wi;
        c.gbpa_abort_at_reset = self.gbpa_abort_at_reset;
        c.vmid16 = !self.no_vmid16_asid16;
        c.asid16 = !self.no_vmid16_asid16;
        c.granules.k4 = self.granules_removed & 1 == 0;
        c.granules.k16 = self.granules_removed & 2 == 0;
        c.granules.k64 = self.granules_removed & 4 == 0;
        c.oas = match self.oas_smaller % 6 {
            0 => AddressSize::Bits48,
            1 => AddressSize::Bits32,
            2 => AddressSize::Bits36,
            3 => AddressSize::Bits40,
            4 => AddressSize::Bits42,
            _ => AddressSize::Bits44,
        };
        if self.ssid_bits != 0 {
            c.ssid_bits = if c.stage1 { self.ssid_bits % 21 } else { 0 };
        }
        if self.sid_bits != 0 {
            c.sid_bits = self.sid_bits % 17;
            c.secure_sid_bits = self.sid_bits % 17;
        }
        // One flag reaches each "not implemented" STE check: drop what the turned-off
        // stage would make an invalid configuration (SmmuConfig::validate).
        if !c.stage1 {
            c.stage2 = true;
            c.secure_impl = false;
            c.secure_stage2 = false;
            c.hyp = false;
            c.ssid_bits = 0;
        }
        if self.config_cache != 0 {
            c.config_cache_capacity = 1 + usize::from(self.config_cache % 16);
        }
        if self.tlb != 0 {
            c.tlb_capacity = 1 + usize::from(self.tlb % 16);
        }
        c
    }
}

// ------------------------------------------------------------------ tables

fn granule(selector: u8) -> Granule {
    match selector % 3 {
        0 => Granule::K4,
        1 => Granule::K16,
        _ => Granule::K64,
    }
}

/// Stage 1 leaf attribute bits a mapping may flip from [`desc::S1_PAGE_RW`].
const S1_LEAF_FLIPS: [u64; 12] = [
    desc::AF,
    desc::S1_AP_RO,
    desc::S1_AP_USER,
    desc::S1_NS,
    desc::S1_NG,
    desc::S1_PXN,
    desc::S1_UXN,
    1 << 8,              // SH[0]
    0b111 << 2,          // AttrIndx
    desc::VALID,         // an invalid leaf
    desc::TABLE_OR_PAGE, // a page at a block level, a block at level 3
    1 << 51,             // a RES0 / upper attribute bit
];

/// Stage 2 leaf attribute bits a mapping may flip from [`desc::S2_PAGE_RW`].
const S2_LEAF_FLIPS: [u64; 10] = [
    desc::AF,
    desc::S2_READ,
    desc::S2_WRITE,
    desc::S2_XN,
    1 << 54,   // XN[1]
    0b11 << 4, // MemAttr[3:2]: Device memory
    1 << 8,    // SH[0]
    desc::VALID,
    desc::TABLE_OR_PAGE,
    1 << 51,
];

/// Table descriptor attributes a tree may set on the tables it creates.
const TABLE_ATTRIBUTES: [u64; 5] = [
    desc::NS_TABLE,
    desc::AP_TABLE_NO_USER,
    desc::AP_TABLE_RO,
    desc::PXN_TABLE,
    desc::UXN_TABLE,
];

fn flips(bits: u16, table: &[u64]) -> u64 {
    table
        .iter()
        .enumerate()
        .filter(|(i, _)| bits >> i & 1 != 0)
        .fold(0, |acc, (_, b)| acc | b)
}

/// One leaf of a tree.
#[derive(Arbitrary, Debug, Clone)]
pub struct Mapping {
    /// Input address (masked to the tree's input size; for a TTB1 tree the top bits
    /// are set).
    pub input: u64,
    /// Output page, as an offset in the data area (or anywhere with `raw_output`).
    pub output: u32,
    pub raw_output: Option<u64>,
    /// 0 = page (level 3); else a block at level `3 - n % 3` where the granule allows.
    pub level_up: u8,
    /// Attribute bits flipped from the default leaf.
    pub flips: u16,
    /// Replaces the leaf with any descriptor (table walks into garbage).
    pub raw: Option<u64>,
}

/// A translation table tree: zero bytes give a 4 KB, 48-bit (stage 1) tree.
#[derive(Arbitrary, Debug, Clone)]
pub struct TreeSpec {
    pub granule: u8,
    /// Stage 1: TxSZ = 16 + n % 24 (zero: 48 bits). Stage 2: T0SZ offset from the
    /// granule's default (see [`S2Spec`]).
    pub tsz: u8,
    /// Table attributes (NSTable, APTable, XNTable) set on created tables.
    pub table_attributes: u8,
    pub mappings: Vec<Mapping>,
}

/// What was mapped, for requests to aim at.
#[derive(Default, Debug)]
pub struct Targets {
    pub inputs: Vec<u64>,
}

impl Targets {
    /// An input address: one that was mapped (plus an offset inside the page) when
    /// `selector` picks one, else `raw`.
    pub fn pick(&self, selector: u8, raw: u64) -> u64 {
        match self.inputs.get(usize::from(selector)) {
            Some(&input) if !self.inputs.is_empty() => input | (raw & 0xFF8),
            _ => raw,
        }
    }
}

/// Allocates pool slots to trees, bank by bank.
pub struct Pools {
    next: [u64; 2],
}

impl Pools {
    pub fn new() -> Pools {
        Pools { next: [0; 2] }
    }

    fn slot(&mut self, bank: SecSid) -> Option<u64> {
        let n = &mut self.next[bank.index()];
        if *n >= layout::POOL_SLOTS {
            return None;
        }
        let base = ram(bank) + layout::POOLS + *n * layout::POOL_SLOT;
        *n += 1;
        Some(base)
    }
}

fn new_tree(pools: &mut Pools, bank: SecSid, geometry: WalkGeometry) -> Option<PageTable> {
    let base = pools.slot(bank)?;
    PageTable::new(pas(bank), base, layout::POOL_SLOT, geometry).ok()
}

fn leaf_level(geometry: WalkGeometry, level_up: u8) -> u8 {
    let level = 3 - level_up % 3;
    if level >= geometry.start_level && (level == 3 || geometry.granule.block_allowed(level)) {
        level
    } else {
        3
    }
}

fn data_page(bank: SecSid, offset: u32) -> u64 {
    ram(bank) + layout::DATA + (u64::from(offset) & (layout::DATA_SIZE - 1))
}

/// Adds the mappings of `spec` to `tables`. `high` makes the inputs TTB1 addresses.
fn map_all(
    mem: &mut InMemoryGuest,
    tables: &mut PageTable,
    bank: SecSid,
    spec: &TreeSpec,
    stage2: bool,
    high: bool,
    targets: &mut Targets,
) {
    let geometry = tables.geometry();
    let input_mask = if geometry.input_bits >= 64 {
        u64::MAX
    } else {
        (1u64 << geometry.input_bits) - 1
    };
    for m in spec.mappings.iter().take(MAX_MAPPINGS) {
        let mut input = m.input & input_mask & !0xFFF;
        if high {
            input |= !input_mask;
        }
        let level = leaf_level(geometry, m.level_up);
        let result = match m.raw {
            Some(raw) => tables.write_descriptor(mem, input, level, raw),
            None => {
                let output = m.raw_output.unwrap_or_else(|| data_page(bank, m.output));
                let attributes = if stage2 {
                    desc::S2_PAGE_RW ^ flips(m.flips, &S2_LEAF_FLIPS)
                } else {
                    desc::S1_PAGE_RW ^ flips(m.flips, &S1_LEAF_FLIPS)
                };
                // `map` sets VALID and the page/block bit; flipping them needs a raw write.
                let kind_flips = attributes & (desc::VALID | desc::TABLE_OR_PAGE);
                let attributes = attributes & !(desc::VALID | desc::TABLE_OR_PAGE);
                tables
                    .map(mem, input, output, level, attributes)
                    .and_then(|addr| {
                        if kind_flips != 0 {
                            let leaf = mem.read_u64(pas(bank), addr)? ^ kind_flips;
                            mem.write_u64(pas(bank), addr, leaf)?;
                        }
                        Ok(addr)
                    })
            }
        };
        if result.is_ok() {
            targets.inputs.push(input);
        }
    }
}

/// Builds a stage 1 tree; `None` when the pool is exhausted.
fn stage1_tree(
    mem: &mut InMemoryGuest,
    pools: &mut Pools,
    bank: SecSid,
    spec: &TreeSpec,
    high: bool,
    targets: &mut Targets,
) -> Option<(PageTable, u8)> {
    let tsz = 16 + spec.tsz % 24;
    let geometry = WalkGeometry::stage1(granule(spec.granule), u32::from(tsz))?;
    let mut tables = new_tree(pools, bank, geometry)?;
    tables.set_table_attributes(flips(u16::from(spec.table_attributes), &TABLE_ATTRIBUTES));
    map_all(mem, &mut tables, bank, spec, false, high, targets);
    Some((tables, tsz))
}

// ------------------------------------------------------------------ CDs

/// A field of a 512-bit structure set to any value: `[lo + width - 1 : lo]`.
#[derive(Arbitrary, Debug, Clone)]
pub struct FieldPoke {
    pub lo: u16,
    pub width: u8,
    pub value: u64,
}

impl FieldPoke {
    fn range(&self) -> (u32, u32) {
        let lo = u32::from(self.lo) % 512;
        let width = 1 + u32::from(self.width) % 64;
        // Fields never cross a double word.
        let hi = (lo + width - 1).min(lo | 63);
        (hi, lo)
    }
}

/// A context descriptor: zero bytes give the builder's default CD (AArch64, 4 KB,
/// T0SZ 16, IPS 48, A = R = 1) over a tree with the mappings of `tt0`.
#[derive(Arbitrary, Debug, Clone)]
pub struct CdSpec {
    /// The CD's SubstreamID (index in its table).
    pub ssid: u8,
    pub tt0: TreeSpec,
    pub tt1: Option<TreeSpec>,
    pub epd0: bool,
    pub asid: u16,
    /// 0 = IPS 48, else `n % 8`.
    pub ips: u8,
    pub nscfg0: bool,
    pub nscfg1: bool,
    pub no_record: bool,
    pub a_off: bool,
    pub invalid: bool,
    pub pokes: Vec<FieldPoke>,
}

fn build_cd(
    mem: &mut InMemoryGuest,
    pools: &mut Pools,
    bank: SecSid,
    spec: &CdSpec,
    targets: &mut Targets,
) -> CdBuilder {
    let (root, tsz, g) = match stage1_tree(mem, pools, bank, &spec.tt0, false, targets) {
        Some((tables, tsz)) => (tables.root(), tsz, tables.geometry().granule),
        None => (ram(bank) + layout::POOLS, 16, Granule::K4),
    };
    let mut cd = CdBuilder::new(root)
        .tt0(tsz, g)
        .asid(spec.asid)
        .nscfg(spec.nscfg0, spec.nscfg1)
        .record(!spec.no_record);
    if spec.ips != 0 {
        cd = cd.ips(spec.ips % 8);
    }
    if let Some(tt1) = &spec.tt1 {
        if let Some((tables, tsz)) = stage1_tree(mem, pools, bank, tt1, true, targets) {
            cd = cd.ttb1(tables.root(), tsz, tables.geometry().granule);
        }
    }
    if spec.epd0 {
        cd = cd.set(14, 14, 1);
    }
    if spec.a_off {
        cd = cd.set(46, 46, 0);
    }
    if spec.invalid {
        cd = cd.set(31, 31, 0);
    }
    for poke in spec.pokes.iter().take(MAX_POKES) {
        let (hi, lo) = poke.range();
        cd = cd.set(hi, lo, poke.value);
    }
    cd
}

// ------------------------------------------------------------------ stage 2

/// A stage 2 configuration: zero bytes give a 4 KB, 39-bit IPA (S2T0SZ 25, S2SL0 1)
/// tree that maps both RAMs 1:1 (so nested CD and table fetches resolve) plus the
/// fuzzer's mappings.
#[derive(Arbitrary, Debug, Clone)]
pub struct S2Spec {
    pub tree: TreeSpec,
    /// XORed into the granule's default S2SL0.
    pub sl0: u8,
    pub vmid: u16,
    /// 0 = S2PS 48 bits, else `n % 8`.
    pub ps: u8,
    pub no_identity: bool,
}

fn s2_geometry(spec: &S2Spec, ias_bits: u32) -> (Granule, u8, u8, Option<WalkGeometry>) {
    let g = granule(spec.tree.granule);
    let default_t0sz: u8 = if g == Granule::K4 { 25 } else { 24 };
    let t0sz = if spec.tree.tsz == 0 {
        default_t0sz
    } else {
        16 + spec.tree.tsz % 24
    };
    let sl0 = 1 ^ (spec.sl0 & 0b11);
    (
        g,
        t0sz,
        sl0,
        WalkGeometry::stage2(g, u32::from(t0sz), sl0, ias_bits),
    )
}

/// Maps `[ram, ram + RAM_SIZE)` of both banks 1:1 with the largest blocks the
/// geometry allows.
fn identity(mem: &mut InMemoryGuest, tables: &mut PageTable) {
    let geometry = tables.geometry();
    let level = (geometry.start_level..=3)
        .find(|&l| l == 3 || geometry.granule.block_allowed(l))
        .unwrap_or(3);
    let block = 1u64 << geometry.granule.level_shift(level);
    let attributes = desc::S2_PAGE_RW;
    for base in [S_RAM, NS_RAM] {
        let mut at = base & !(block - 1);
        while at < base + RAM_SIZE {
            if tables.map(mem, at, at, level, attributes).is_err() {
                return;
            }
            at += block;
        }
    }
}

fn build_s2(
    mem: &mut InMemoryGuest,
    pools: &mut Pools,
    bank: SecSid,
    spec: &S2Spec,
    ias_bits: u32,
    targets: &mut Targets,
) -> (Granule, u8, u8, u64) {
    let (g, t0sz, sl0, geometry) = s2_geometry(spec, ias_bits);
    // An illegal combination still gets a table (at a legal geometry) so that the
    // STE check, not a missing table, decides.
    let geometry = geometry
        .or_else(|| WalkGeometry::stage2(Granule::K4, 25, 1, 48))
        .expect("4 KB, S2T0SZ 25, S2SL0 1 is a legal stage 2 geometry");
    let Some(mut tables) = new_tree(pools, bank, geometry) else {
        return (g, t0sz, sl0, ram(bank) + layout::POOLS);
    };
    map_all(mem, &mut tables, bank, &spec.tree, true, false, targets);
    if !spec.no_identity {
        identity(mem, &mut tables);
    }
    (g, t0sz, sl0, tables.root())
}

// ------------------------------------------------------------------ STEs

/// STE.Config, ordered so that zero is stage 1.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum SteKind {
    Stage1,
    Nested,
    Stage2,
    Bypass,
    Abort,
    /// A reserved Config value (0b001 to 0b011).
    Reserved(u8),
}

/// A stream table entry with its CD table and its stage 2 tree.
#[derive(Arbitrary, Debug, Clone)]
pub struct SteSpec {
    /// StreamID (`% 64`, or `% 256` for a 2-level table).
    pub sid: u8,
    pub kind: SteKind,
    pub cds: Vec<CdSpec>,
    /// S1Fmt: 0 linear, 1 2-level with 4 KB leaves, else raw `n % 4`.
    pub cd_fmt: u8,
    /// S1CDMax (`% 9`); 0 with several CDs means "enough for them".
    pub cd_max: u8,
    pub s1dss: u8,
    pub strw: u8,
    pub nscfg: u8,
    pub privcfg: u8,
    pub instcfg: u8,
    pub s2: S2Spec,
    /// Secure stage 2 (Secure STEs): S_S2 fields from the same spec.
    pub secure_s2: bool,
    pub no_s2r: bool,
    /// S2AA64 = 0: a VMSAv8-32 stage 2, which the model does not implement.
    pub s2_aarch32: bool,
    /// S1STALLD = 1, illegal without the stall model.
    pub s1_stall_disable: bool,
    pub invalid: bool,
    pub pokes: Vec<FieldPoke>,
}

/// A bank's stream table and its STEs. Zero bytes give a linear 64-entry table
/// with one stage 1 STE (StreamID 0).
#[derive(Arbitrary, Debug, Clone)]
pub struct BankSpec {
    pub two_level: bool,
    /// 0 = the layout's size (64 linear, 256 2-level), else raw `n % 64`.
    pub log2size: u8,
    /// 0 = SPLIT 6 for 2-level tables, else raw `n % 32`.
    pub split: u8,
    pub first: SteSpec,
    pub more: Vec<SteSpec>,
    pub cr2: u8,
    pub gbpa: u32,
    pub sif: bool,
}

impl BankSpec {
    pub fn stes(&self) -> impl Iterator<Item = &SteSpec> {
        std::iter::once(&self.first).chain(self.more.iter().take(MAX_STES - 1))
    }

    pub fn sid(&self, ste: &SteSpec) -> u32 {
        if self.two_level {
            u32::from(ste.sid)
        } else {
            u32::from(ste.sid % 64)
        }
    }

    /// STRTAB_BASE_CFG: FMT[17:16], SPLIT[10:6], LOG2SIZE[5:0].
    pub fn strtab_base_cfg(&self) -> u32 {
        let (fmt, default_log2) = if self.two_level { (1, 8) } else { (0, 6) };
        let log2size = if self.log2size == 0 {
            default_log2
        } else {
            u32::from(self.log2size % 64)
        };
        let split = if self.split == 0 {
            6
        } else {
            u32::from(self.split % 32)
        };
        fmt << 16 | split << 6 | log2size
    }

    pub fn strtab_base(&self, bank: SecSid) -> u64 {
        ram(bank) + layout::STRTAB
    }

    /// The bank registers a translator reads, with translation enabled.
    pub fn bank_registers(&self, bank: SecSid) -> BankRegisters {
        BankRegisters {
            smmuen: true,
            gbpa: Gbpa(self.gbpa & 0x001F_FFFF),
            strtab_base: self.strtab_base(bank),
            strtab_base_cfg: self.strtab_base_cfg(),
            cr2: u32::from(self.cr2 & 0b111),
            sif: self.sif,
        }
    }
}

/// Where the STE for `sid` goes (writing the L1STD of a 2-level table).
fn ste_address(mem: &mut InMemoryGuest, bank: SecSid, spec: &BankSpec, sid: u32) -> u64 {
    let base = ram(bank) + layout::STRTAB;
    if spec.two_level {
        // SPLIT 6: L1 entry sid >> 6 points at a 64-STE array (Span 7).
        let l2 = ram(bank) + layout::STRTAB_L2 + u64::from(sid >> 6) * 0x1000;
        let _ = mem.write_u64(pas(bank), base + u64::from(sid >> 6) * 8, l2 | 7);
        l2 + u64::from(sid & 63) * 64
    } else {
        base + u64::from(sid) * 64
    }
}

fn build_ste(
    mem: &mut InMemoryGuest,
    pools: &mut Pools,
    bank: SecSid,
    config: &SmmuConfig,
    index: usize,
    spec: &SteSpec,
    targets: &mut Targets,
) -> SteBuilder {
    let cd_area = ram(bank) + layout::CD_AREA + index as u64 * layout::CD_AREA_STRIDE;
    let cds: Vec<&CdSpec> = spec.cds.iter().take(MAX_CDS).collect();
    let cd_max = match spec.cd_max % 9 {
        0 if cds.len() > 1 => 2,
        n => n,
    };
    let two_level_cd = spec.cd_fmt % 4 == 1;
    // The CDs: CD 0 always exists (from zero bytes if the input has none).
    let default_cd;
    let cds = if cds.is_empty() {
        default_cd = CdSpec::default_from_zeros();
        vec![&default_cd]
    } else {
        cds
    };
    for (i, cd_spec) in cds.iter().enumerate() {
        let ssid = if i == 0 {
            0
        } else {
            u32::from(cd_spec.ssid) & ((1u32 << cd_max) - 1)
        };
        let cd = build_cd(mem, pools, bank, cd_spec, targets);
        let addr = if two_level_cd {
            // L1 at the area base, 4 KB leaf tables after it.
            let l2 = cd_area + 0x1000 + u64::from(ssid >> 6) * 0x1000;
            let _ = mem.write_u64(pas(bank), cd_area + u64::from(ssid >> 6) * 8, l2 | 1);
            l2 + u64::from(ssid & 63) * 64
        } else {
            cd_area + u64::from(ssid) * 64
        };
        let _ = cd.write(mem, pas(bank), addr);
    }
    let mut ste = match spec.kind {
        SteKind::Stage1 => SteBuilder::stage1(cd_area),
        SteKind::Nested => SteBuilder::nested(cd_area),
        SteKind::Stage2 => SteBuilder::stage2(),
        SteKind::Bypass => SteBuilder::bypass(),
        SteKind::Abort => SteBuilder::abort(),
        SteKind::Reserved(n) => SteBuilder::new(1 + n % 3).context_ptr(cd_area),
    };
    if matches!(spec.kind, SteKind::Nested | SteKind::Stage2) {
        let ias = config.ias().bits();
        let (g, t0sz, sl0, root) = build_s2(mem, pools, bank, &spec.s2, ias, targets);
        let ps = if spec.s2.ps == 0 {
            0b101
        } else {
            spec.s2.ps % 8
        };
        ste = ste.s2(spec.s2.vmid, t0sz, sl0, g, ps, root);
        if bank == SecSid::Secure && spec.secure_s2 {
            ste = ste.secure_s2(t0sz, sl0, g, root);
        }
        if spec.no_s2r {
            ste = ste.s2r(false);
        }
    }
    let fmt = if spec.cd_fmt % 4 == 1 {
        1
    } else {
        spec.cd_fmt % 4
    };
    ste = ste
        .substreams(cd_max, fmt, spec.s1dss % 4)
        .strw(spec.strw % 4)
        .nscfg(spec.nscfg % 4)
        .priv_inst_cfg(spec.privcfg % 4, spec.instcfg % 4);
    if spec.s2_aarch32 {
        ste = ste.set(179, 179, 0);
    }
    if spec.s1_stall_disable {
        ste = ste.set(91, 91, 1);
    }
    if spec.invalid {
        ste = ste.valid(false);
    }
    for poke in spec.pokes.iter().take(MAX_POKES) {
        let (hi, lo) = poke.range();
        ste = ste.set(hi, lo, poke.value);
    }
    ste
}

impl CdSpec {
    /// The CD that zero bytes describe.
    pub fn default_from_zeros() -> CdSpec {
        CdSpec {
            ssid: 0,
            tt0: TreeSpec {
                granule: 0,
                tsz: 0,
                table_attributes: 0,
                mappings: vec![Mapping {
                    input: 0,
                    output: 0,
                    raw_output: None,
                    level_up: 0,
                    flips: 0,
                    raw: None,
                }],
            },
            tt1: None,
            epd0: false,
            asid: 0,
            ips: 0,
            nscfg0: false,
            nscfg1: false,
            no_record: false,
            a_off: false,
            invalid: false,
            pokes: Vec::new(),
        }
    }
}

/// Lays out the stream table, STEs, CDs and tables of `spec` for `bank` in `mem`.
pub fn build_bank(
    mem: &mut InMemoryGuest,
    pools: &mut Pools,
    bank: SecSid,
    config: &SmmuConfig,
    spec: &BankSpec,
    targets: &mut Targets,
) {
    for (index, ste_spec) in spec.stes().enumerate() {
        let ste = build_ste(mem, pools, bank, config, index, ste_spec, targets);
        let sid = spec.sid(ste_spec);
        let addr = ste_address(mem, bank, spec, sid);
        let _ = write_structure(mem, pas(bank), addr, &ste.build().dwords);
    }
}

// ------------------------------------------------------------------ requests

/// A transaction: zero bytes give a Non-secure read of the first mapped address by
/// StreamID 0 without a SubstreamID.
#[derive(Arbitrary, Debug, Clone)]
pub struct RequestSpec {
    pub secure: bool,
    /// Which STE of the bank (its StreamID), or a raw StreamID.
    pub ste: u8,
    pub raw_sid: Option<u32>,
    /// SubstreamID (small, so that it often names a CD of the table).
    pub ssid: Option<u8>,
    /// Which mapped input address (see [`Targets::pick`]); past the list, `iova`.
    pub target: u8,
    pub iova: u64,
    pub size: u16,
    pub access: u8,
    pub privileged: bool,
    pub ns: bool,
}

impl RequestSpec {
    pub fn build(
        &self,
        banks: &[BankSpec; 2],
        targets: &Targets,
        secure_impl: bool,
    ) -> TranslationRequest {
        let sec_sid = if self.secure && secure_impl {
            SecSid::Secure
        } else {
            SecSid::NonSecure
        };
        let spec = &banks[sec_sid.index()];
        let stream_id = match self.raw_sid {
            Some(sid) => sid,
            None => {
                let stes: Vec<&SteSpec> = spec.stes().collect();
                spec.sid(stes[usize::from(self.ste) % stes.len()])
            }
        };
        TranslationRequest {
            stream_id,
            substream_id: self.ssid.map(u32::from),
            sec_sid,
            iova: targets.pick(self.target, self.iova),
            size: 1 + u64::from(self.size & 0xFFF),
            access: match self.access % 3 {
                0 => AccessKind::Read,
                1 => AccessKind::Write,
                _ => AccessKind::Execute,
            },
            privileged: self.privileged,
            ns: self.ns,
        }
    }
}
