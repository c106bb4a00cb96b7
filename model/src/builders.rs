//! Small builders for the in-memory structures an SMMU reads: STEs, CDs and
//! translation tables. They double as documentation of the formats; tests,
//! examples, benchmarks and the fuzz target use them.
//!
//! ```
//! use smmu::builders::{desc, CdBuilder, PageTable, SteBuilder};
//! use smmu::walk::{Granule, WalkGeometry};
//! use smmu::{InMemoryGuest, Pas};
//!
//! let mut mem = InMemoryGuest::new().with_region(Pas::NonSecure, 0x4000_0000, 0x100_0000);
//! let geometry = WalkGeometry::stage1(Granule::K4, 16).unwrap();
//! let mut tables = PageTable::new(Pas::NonSecure, 0x4010_0000, 0x10_0000, geometry).unwrap();
//! tables
//!     .map(&mut mem, 0x8000_0000, 0x4080_0000, 3, desc::S1_PAGE_RW)
//!     .unwrap();
//! let cd = CdBuilder::new(tables.root()).asid(1).build();
//! let ste = SteBuilder::stage1(0x4000_1000).build();
//! # let _ = (cd, ste);
//! ```

use crate::context_descriptor::ContextDescriptor;
use crate::memory::{GuestMemory, MemoryFault, Pas};
use crate::stream_table::StreamTableEntry;
use crate::walk::{Granule, WalkGeometry};

/// Translation table descriptor bits (Arm ARM D8.3).
pub mod desc {
    /// Valid.
    pub const VALID: u64 = 1 << 0;
    /// Table (levels 0-2) or page (level 3), with VALID.
    pub const TABLE_OR_PAGE: u64 = 1 << 1;
    /// Stage 1 leaf: NS (Secure walks only).
    pub const S1_NS: u64 = 1 << 5;
    /// Stage 1 leaf: `AP[1]` = 1, unprivileged access.
    pub const S1_AP_USER: u64 = 1 << 6;
    /// Stage 1 leaf: `AP[2]` = 1, read-only.
    pub const S1_AP_RO: u64 = 1 << 7;
    /// Leaf: Inner Shareable.
    pub const SH_INNER: u64 = 0b11 << 8;
    /// Leaf: Access flag.
    pub const AF: u64 = 1 << 10;
    /// Stage 1 leaf: not global.
    pub const S1_NG: u64 = 1 << 11;
    /// Stage 1 leaf: privileged execute-never.
    pub const S1_PXN: u64 = 1 << 53;
    /// Stage 1 leaf: unprivileged execute-never (XN in single-privilege regimes).
    pub const S1_UXN: u64 = 1 << 54;
    /// Stage 1 table: PXNTable.
    pub const PXN_TABLE: u64 = 1 << 59;
    /// Stage 1 table: UXNTable / XNTable.
    pub const UXN_TABLE: u64 = 1 << 60;
    /// Stage 1 table: `APTable[0]`, no unprivileged access below.
    pub const AP_TABLE_NO_USER: u64 = 1 << 61;
    /// Stage 1 table: `APTable[1]`, no write access below.
    pub const AP_TABLE_RO: u64 = 1 << 62;
    /// Stage 1 table: NSTable (Secure walks only).
    pub const NS_TABLE: u64 = 1 << 63;
    /// Stage 1 leaf, read/write for both privilege levels, inner shareable, AF set
    /// (the leaf attributes of the QEMU qtest: AP = 0b01, SH = 0b11, AF).
    pub const S1_PAGE_RW: u64 = AF | SH_INNER | S1_AP_USER;
    /// Stage 2 leaf: `S2AP[0]`, read.
    pub const S2_READ: u64 = 1 << 6;
    /// Stage 2 leaf: `S2AP[1]`, write.
    pub const S2_WRITE: u64 = 1 << 7;
    /// Stage 2 leaf: MemAttr = 0b1111, Normal Write-Back.
    pub const S2_NORMAL_WB: u64 = 0b1111 << 2;
    /// Stage 2 leaf: `XN[1:0]` = 0b10, never executable.
    pub const S2_XN: u64 = 0b10 << 53;
    /// Stage 2 leaf, read/write, Normal WB memory, AF set.
    pub const S2_PAGE_RW: u64 = AF | SH_INNER | S2_NORMAL_WB | S2_READ | S2_WRITE;
}

/// Why a table could not be built.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum BuildError {
    /// The memory write failed (outside every region).
    Memory(MemoryFault),
    /// The table pool has no room for another table.
    PoolExhausted,
    /// A leaf at this level is not a legal block/page for the granule.
    BadLeafLevel(u8),
}

impl From<MemoryFault> for BuildError {
    fn from(fault: MemoryFault) -> BuildError {
        BuildError::Memory(fault)
    }
}

/// Writes a 64-byte structure (STE or CD) at `addr`.
pub fn write_structure<M: GuestMemory + ?Sized>(
    mem: &mut M,
    pas: Pas,
    addr: u64,
    dwords: &[u64; 8],
) -> Result<(), MemoryFault> {
    let mut bytes = [0u8; 64];
    for (chunk, dw) in bytes.chunks_exact_mut(8).zip(dwords) {
        chunk.copy_from_slice(&dw.to_le_bytes());
    }
    mem.write(pas, addr, &bytes)
}

/// A VMSAv8-64 translation table tree being built in guest memory, with its tables
/// allocated from a pool.
#[derive(Clone, Debug)]
pub struct PageTable {
    geometry: WalkGeometry,
    pas: Pas,
    root: u64,
    next: u64,
    end: u64,
    table_attributes: u64,
}

impl PageTable {
    /// An empty tree whose tables come from `[pool_base, pool_base + pool_size)` of
    /// `pas` (fresh, zeroed memory). The root table is allocated first.
    pub fn new(
        pas: Pas,
        pool_base: u64,
        pool_size: u64,
        geometry: WalkGeometry,
    ) -> Result<PageTable, BuildError> {
        let mut table = PageTable {
            geometry,
            pas,
            root: 0,
            next: pool_base,
            end: pool_base.saturating_add(pool_size),
            table_attributes: 0,
        };
        let root_bytes = geometry.start_table_bytes().max(64);
        table.root = table.allocate(root_bytes)?;
        Ok(table)
    }

    /// The root table address (TTB / S2TTB).
    pub fn root(&self) -> u64 {
        self.root
    }

    /// The walk geometry.
    pub fn geometry(&self) -> WalkGeometry {
        self.geometry
    }

    /// Attribute bits ORed into table descriptors created from now on (for example
    /// [`desc::NS_TABLE`]).
    pub fn set_table_attributes(&mut self, attributes: u64) {
        self.table_attributes = attributes;
    }

    fn allocate(&mut self, bytes: u64) -> Result<u64, BuildError> {
        let base = self.next.next_multiple_of(bytes);
        let end = base.checked_add(bytes).ok_or(BuildError::PoolExhausted)?;
        if end > self.end {
            return Err(BuildError::PoolExhausted);
        }
        self.next = end;
        Ok(base)
    }

    fn index(&self, level: u8, input: u64) -> u64 {
        let g = self.geometry.granule;
        let shift = g.level_shift(level);
        let bits = if level == self.geometry.start_level {
            self.geometry.input_bits - shift
        } else {
            g.stride()
        };
        (input >> shift) & ((1u64 << bits) - 1)
    }

    /// The address of the descriptor for `input` at `level`, creating the tables
    /// above it.
    pub fn descriptor_address(
        &mut self,
        mem: &mut impl GuestMemory,
        input: u64,
        level: u8,
    ) -> Result<u64, BuildError> {
        let granule: Granule = self.geometry.granule;
        let mut table = self.root;
        for l in self.geometry.start_level..level {
            let addr = table + self.index(l, input) * 8;
            let current = mem.read_u64(self.pas, addr)?;
            table = if current & 0b11 == 0b11 {
                current & 0x000F_FFFF_FFFF_F000 & !(granule.size() - 1)
            } else {
                let next = self.allocate(granule.size())?;
                let d = next | desc::VALID | desc::TABLE_OR_PAGE | self.table_attributes;
                mem.write(self.pas, addr, &d.to_le_bytes())?;
                next
            };
        }
        Ok(table + self.index(level, input) * 8)
    }

    /// Maps `input` to `output` with a leaf at `level` (3 = page, else block) and
    /// leaf attribute bits `attributes` (see [`desc`]). Returns the leaf's address.
    pub fn map(
        &mut self,
        mem: &mut impl GuestMemory,
        input: u64,
        output: u64,
        level: u8,
        attributes: u64,
    ) -> Result<u64, BuildError> {
        let granule = self.geometry.granule;
        if level > 3
            || level < self.geometry.start_level
            || level < 3 && !granule.block_allowed(level)
        {
            return Err(BuildError::BadLeafLevel(level));
        }
        let addr = self.descriptor_address(mem, input, level)?;
        let size = 1u64 << granule.level_shift(level);
        let kind = if level == 3 {
            desc::VALID | desc::TABLE_OR_PAGE
        } else {
            desc::VALID
        };
        let leaf = (output & !(size - 1)) | attributes | kind;
        mem.write(self.pas, addr, &leaf.to_le_bytes())?;
        Ok(addr)
    }

    /// Writes a raw descriptor (for tests that need invalid or unusual entries).
    pub fn write_descriptor(
        &mut self,
        mem: &mut impl GuestMemory,
        input: u64,
        level: u8,
        descriptor: u64,
    ) -> Result<u64, BuildError> {
        let addr = self.descriptor_address(mem, input, level)?;
        mem.write(self.pas, addr, &descriptor.to_le_bytes())?;
        Ok(addr)
    }
}

/// Builds an STE field by field. Starts valid, with the given Config; every other
/// field is 0.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SteBuilder {
    ste: StreamTableEntry,
}

impl SteBuilder {
    /// V = 1 with `config` (`Config[3:1]`).
    pub fn new(config: u8) -> SteBuilder {
        let mut ste = StreamTableEntry::default();
        ste.set_field(0, 0, 1);
        ste.set_field(3, 1, u64::from(config));
        SteBuilder { ste }
    }

    /// Config 0b000: abort without an event.
    pub fn abort() -> SteBuilder {
        SteBuilder::new(0b000)
    }

    /// Config 0b100: bypass.
    pub fn bypass() -> SteBuilder {
        SteBuilder::new(0b100)
    }

    /// Config 0b101: stage 1 with the CD (table) at `context_ptr`.
    pub fn stage1(context_ptr: u64) -> SteBuilder {
        SteBuilder::new(0b101).context_ptr(context_ptr)
    }

    /// Config 0b110: stage 2 (S2AA64 = 1, S2R = 1). Set the tables with
    /// [`s2`](SteBuilder::s2).
    pub fn stage2() -> SteBuilder {
        SteBuilder::new(0b110).set(179, 179, 1).set(186, 186, 1)
    }

    /// Config 0b111: nested (S2AA64 = 1, S2R = 1).
    pub fn nested(context_ptr: u64) -> SteBuilder {
        SteBuilder::new(0b111)
            .context_ptr(context_ptr)
            .set(179, 179, 1)
            .set(186, 186, 1)
    }

    /// Any field: bits `[hi:lo]` = value.
    pub fn set(mut self, hi: u32, lo: u32, value: u64) -> SteBuilder {
        self.ste.set_field(hi, lo, value);
        self
    }

    /// V.
    pub fn valid(self, v: bool) -> SteBuilder {
        self.set(0, 0, u64::from(v))
    }

    /// S1ContextPtr.
    pub fn context_ptr(self, addr: u64) -> SteBuilder {
        self.set(55, 6, addr >> 6)
    }

    /// S1CDMax, S1Fmt and S1DSS.
    pub fn substreams(self, cd_max: u8, fmt: u8, dss: u8) -> SteBuilder {
        self.set(63, 59, u64::from(cd_max))
            .set(5, 4, u64::from(fmt))
            .set(65, 64, u64::from(dss))
    }

    /// STRW.
    pub fn strw(self, strw: u8) -> SteBuilder {
        self.set(95, 94, u64::from(strw))
    }

    /// NSCFG (Secure STEs).
    pub fn nscfg(self, nscfg: u8) -> SteBuilder {
        self.set(111, 110, u64::from(nscfg))
    }

    /// PRIVCFG and INSTCFG.
    pub fn priv_inst_cfg(self, privcfg: u8, instcfg: u8) -> SteBuilder {
        self.set(113, 112, u64::from(privcfg))
            .set(115, 114, u64::from(instcfg))
    }

    /// The Non-secure IPA space stage 2: S2VMID, S2T0SZ, S2SL0, S2TG (granule),
    /// S2PS (encoding) and S2TTB.
    pub fn s2(
        self,
        vmid: u16,
        t0sz: u8,
        sl0: u8,
        granule: Granule,
        ps: u8,
        ttb: u64,
    ) -> SteBuilder {
        self.set(143, 128, u64::from(vmid))
            .set(165, 160, u64::from(t0sz))
            .set(167, 166, u64::from(sl0))
            .set(175, 174, tg0_encoding(granule))
            .set(178, 176, u64::from(ps))
            .set(247, 196, ttb >> 4)
    }

    /// The Secure IPA space stage 2 (SEL2): S_S2T0SZ, S_S2SL0, S_S2TG, S_S2TTB.
    pub fn secure_s2(self, t0sz: u8, sl0: u8, granule: Granule, ttb: u64) -> SteBuilder {
        self.set(293, 288, u64::from(t0sz))
            .set(295, 294, u64::from(sl0))
            .set(303, 302, tg0_encoding(granule))
            .set(439, 388, ttb >> 4)
    }

    /// S2R.
    pub fn s2r(self, record: bool) -> SteBuilder {
        self.set(186, 186, u64::from(record))
    }

    /// The STE.
    pub fn build(self) -> StreamTableEntry {
        self.ste
    }

    /// Writes the STE for `stream_id` into a linear table at `table`.
    pub fn write_linear<M: GuestMemory + ?Sized>(
        self,
        mem: &mut M,
        pas: Pas,
        table: u64,
        stream_id: u32,
    ) -> Result<(), MemoryFault> {
        write_structure(
            mem,
            pas,
            table + u64::from(stream_id) * 64,
            &self.ste.dwords,
        )
    }
}

fn tg0_encoding(granule: Granule) -> u64 {
    match granule {
        Granule::K4 => 0b00,
        Granule::K64 => 0b01,
        Granule::K16 => 0b10,
    }
}

/// Builds a CD. Starts as V = 1, AA64 = 1, A = 1, R = 1, TTB0 with T0SZ = 16 and a
/// 4 KB granule, EPD1 = 1, IPS = 48 bits, ASID 0.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CdBuilder {
    cd: ContextDescriptor,
}

impl CdBuilder {
    /// A CD walking TTB0 = `ttb0`.
    pub fn new(ttb0: u64) -> CdBuilder {
        let mut cd = ContextDescriptor::default();
        cd.set_field(5, 0, 16); // T0SZ
        cd.set_field(30, 30, 1); // EPD1
        cd.set_field(31, 31, 1); // V
        cd.set_field(34, 32, 0b101); // IPS 48
        cd.set_field(41, 41, 1); // AA64
        cd.set_field(45, 45, 1); // R
        cd.set_field(46, 46, 1); // A
        CdBuilder { cd }.ttb0(ttb0)
    }

    /// Any field: bits `[hi:lo]` = value.
    pub fn set(mut self, hi: u32, lo: u32, value: u64) -> CdBuilder {
        self.cd.set_field(hi, lo, value);
        self
    }

    /// TTB0.
    pub fn ttb0(self, addr: u64) -> CdBuilder {
        self.set(119, 68, addr >> 4)
    }

    /// T0SZ and TG0.
    pub fn tt0(self, t0sz: u8, granule: Granule) -> CdBuilder {
        self.set(5, 0, u64::from(t0sz))
            .set(7, 6, tg0_encoding(granule))
    }

    /// Enables TTB1 with T1SZ and TG1.
    pub fn ttb1(self, addr: u64, t1sz: u8, granule: Granule) -> CdBuilder {
        let tg1 = match granule {
            Granule::K16 => 0b01,
            Granule::K4 => 0b10,
            Granule::K64 => 0b11,
        };
        self.set(183, 132, addr >> 4)
            .set(21, 16, u64::from(t1sz))
            .set(23, 22, tg1)
            .set(30, 30, 0)
    }

    /// ASID.
    pub fn asid(self, asid: u16) -> CdBuilder {
        self.set(63, 48, u64::from(asid))
    }

    /// IPS (encoding).
    pub fn ips(self, ips: u8) -> CdBuilder {
        self.set(34, 32, u64::from(ips))
    }

    /// NSCFG0 and NSCFG1 (Secure streams: the walks start Non-secure).
    pub fn nscfg(self, nscfg0: bool, nscfg1: bool) -> CdBuilder {
        self.set(64, 64, u64::from(nscfg0))
            .set(128, 128, u64::from(nscfg1))
    }

    /// R (record faults).
    pub fn record(self, record: bool) -> CdBuilder {
        self.set(45, 45, u64::from(record))
    }

    /// MAIR0/MAIR1.
    pub fn mair(self, mair: u64) -> CdBuilder {
        self.set(255, 192, mair)
    }

    /// The CD.
    pub fn build(self) -> ContextDescriptor {
        self.cd
    }

    /// Writes the CD at `addr`.
    pub fn write<M: GuestMemory + ?Sized>(
        self,
        mem: &mut M,
        pas: Pas,
        addr: u64,
    ) -> Result<(), MemoryFault> {
        write_structure(mem, pas, addr, &self.cd.dwords)
    }
}

/// Command encodings (IHI0070 chapter 4): each command is two little-endian double
/// words, as [`crate::cmdq::decode`] takes them. Field positions are those of
/// IHI0070 4.1.6 and the command figures; `ssec` selects a Secure StreamID (legal on
/// the Secure queue only).
pub mod command {
    use crate::cmdq::opcode;

    /// A command with only its opcode.
    pub const fn op(opcode: u8) -> [u64; 2] {
        [opcode as u64, 0]
    }

    const fn stream(opcode: u8, stream_id: u32, ssec: bool) -> u64 {
        opcode as u64 | (ssec as u64) << 10 | (stream_id as u64) << 32
    }

    /// CMD_PREFETCH_CONFIG(StreamID, SSec, SubstreamID, SSV).
    pub const fn prefetch_config(stream_id: u32, ssec: bool, substream: Option<u32>) -> [u64; 2] {
        let ss = match substream {
            Some(s) => 1 << 11 | ((s & 0xF_FFFF) as u64) << 12,
            None => 0,
        };
        [stream(opcode::PREFETCH_CONFIG, stream_id, ssec) | ss, 0]
    }

    /// CMD_PREFETCH_ADDR(StreamID, SSec, Addr), without SubstreamID, Size 0.
    pub const fn prefetch_addr(stream_id: u32, ssec: bool, addr: u64) -> [u64; 2] {
        [
            stream(opcode::PREFETCH_ADDR, stream_id, ssec),
            addr & !0xFFF,
        ]
    }

    /// CMD_CFGI_STE(StreamID, SSec, Leaf).
    pub const fn cfgi_ste(stream_id: u32, ssec: bool, leaf: bool) -> [u64; 2] {
        [stream(opcode::CFGI_STE, stream_id, ssec), leaf as u64]
    }

    /// CMD_CFGI_STE_RANGE(StreamID, SSec, Range): 2^(Range+1) StreamIDs.
    pub const fn cfgi_ste_range(stream_id: u32, ssec: bool, range: u8) -> [u64; 2] {
        [
            stream(opcode::CFGI_STE_RANGE, stream_id, ssec),
            (range & 0x1F) as u64,
        ]
    }

    /// CMD_CFGI_ALL(SSec): CMD_CFGI_STE_RANGE with Range 31.
    pub const fn cfgi_all(ssec: bool) -> [u64; 2] {
        cfgi_ste_range(0, ssec, 31)
    }

    /// CMD_CFGI_CD(StreamID, SSec, SubstreamID, Leaf).
    pub const fn cfgi_cd(stream_id: u32, ssec: bool, substream_id: u32, leaf: bool) -> [u64; 2] {
        [
            stream(opcode::CFGI_CD, stream_id, ssec) | ((substream_id & 0xF_FFFF) as u64) << 12,
            leaf as u64,
        ]
    }

    /// CMD_CFGI_CD_ALL(StreamID, SSec).
    pub const fn cfgi_cd_all(stream_id: u32, ssec: bool) -> [u64; 2] {
        [stream(opcode::CFGI_CD_ALL, stream_id, ssec), 0]
    }

    const fn tlbi(opcode: u8, vmid: u16, asid: u16) -> u64 {
        opcode as u64 | (vmid as u64) << 32 | (asid as u64) << 48
    }

    const fn address(addr: u64, leaf: bool) -> u64 {
        addr & !0xFFF | leaf as u64
    }

    /// CMD_TLBI_NH_ALL(VMID).
    pub const fn tlbi_nh_all(vmid: u16) -> [u64; 2] {
        [tlbi(opcode::TLBI_NH_ALL, vmid, 0), 0]
    }

    /// CMD_TLBI_NH_ASID(VMID, ASID).
    pub const fn tlbi_nh_asid(vmid: u16, asid: u16) -> [u64; 2] {
        [tlbi(opcode::TLBI_NH_ASID, vmid, asid), 0]
    }

    /// CMD_TLBI_NH_VA(VMID, ASID, Addr, Leaf).
    pub const fn tlbi_nh_va(vmid: u16, asid: u16, addr: u64, leaf: bool) -> [u64; 2] {
        [tlbi(opcode::TLBI_NH_VA, vmid, asid), address(addr, leaf)]
    }

    /// CMD_TLBI_NH_VAA(VMID, Addr, Leaf).
    pub const fn tlbi_nh_vaa(vmid: u16, addr: u64, leaf: bool) -> [u64; 2] {
        [tlbi(opcode::TLBI_NH_VAA, vmid, 0), address(addr, leaf)]
    }

    /// CMD_TLBI_EL3_ALL.
    pub const fn tlbi_el3_all() -> [u64; 2] {
        op(opcode::TLBI_EL3_ALL)
    }

    /// CMD_TLBI_EL3_VA(Addr, Leaf).
    pub const fn tlbi_el3_va(addr: u64, leaf: bool) -> [u64; 2] {
        [opcode::TLBI_EL3_VA as u64, address(addr, leaf)]
    }

    /// CMD_TLBI_EL2_ALL.
    pub const fn tlbi_el2_all() -> [u64; 2] {
        op(opcode::TLBI_EL2_ALL)
    }

    /// CMD_TLBI_EL2_ASID(ASID).
    pub const fn tlbi_el2_asid(asid: u16) -> [u64; 2] {
        [tlbi(opcode::TLBI_EL2_ASID, 0, asid), 0]
    }

    /// CMD_TLBI_EL2_VA(ASID, Addr, Leaf).
    pub const fn tlbi_el2_va(asid: u16, addr: u64, leaf: bool) -> [u64; 2] {
        [tlbi(opcode::TLBI_EL2_VA, 0, asid), address(addr, leaf)]
    }

    /// CMD_TLBI_EL2_VAA(Addr, Leaf).
    pub const fn tlbi_el2_vaa(addr: u64, leaf: bool) -> [u64; 2] {
        [opcode::TLBI_EL2_VAA as u64, address(addr, leaf)]
    }

    /// CMD_TLBI_S_EL2_ALL.
    pub const fn tlbi_s_el2_all() -> [u64; 2] {
        op(opcode::TLBI_S_EL2_ALL)
    }

    /// CMD_TLBI_S_EL2_ASID(ASID).
    pub const fn tlbi_s_el2_asid(asid: u16) -> [u64; 2] {
        [tlbi(opcode::TLBI_S_EL2_ASID, 0, asid), 0]
    }

    /// CMD_TLBI_S_EL2_VA(ASID, Addr, Leaf).
    pub const fn tlbi_s_el2_va(asid: u16, addr: u64, leaf: bool) -> [u64; 2] {
        [tlbi(opcode::TLBI_S_EL2_VA, 0, asid), address(addr, leaf)]
    }

    /// CMD_TLBI_S_EL2_VAA(Addr, Leaf).
    pub const fn tlbi_s_el2_vaa(addr: u64, leaf: bool) -> [u64; 2] {
        [opcode::TLBI_S_EL2_VAA as u64, address(addr, leaf)]
    }

    /// CMD_TLBI_S12_VMALL(VMID).
    pub const fn tlbi_s12_vmall(vmid: u16) -> [u64; 2] {
        [tlbi(opcode::TLBI_S12_VMALL, vmid, 0), 0]
    }

    /// CMD_TLBI_S2_IPA(VMID, Addr, Leaf).
    pub const fn tlbi_s2_ipa(vmid: u16, ipa: u64, leaf: bool) -> [u64; 2] {
        [
            tlbi(opcode::TLBI_S2_IPA, vmid, 0),
            address(ipa & 0x00FF_FFFF_FFFF_FFFF, leaf),
        ]
    }

    /// CMD_TLBI_NSNH_ALL.
    pub const fn tlbi_nsnh_all() -> [u64; 2] {
        op(opcode::TLBI_NSNH_ALL)
    }

    /// CMD_TLBI_S_S12_VMALL(VMID).
    pub const fn tlbi_s_s12_vmall(vmid: u16) -> [u64; 2] {
        [tlbi(opcode::TLBI_S_S12_VMALL, vmid, 0), 0]
    }

    /// CMD_TLBI_S_S2_IPA(VMID, Addr, Leaf), NS = 0.
    pub const fn tlbi_s_s2_ipa(vmid: u16, ipa: u64, leaf: bool) -> [u64; 2] {
        [
            tlbi(opcode::TLBI_S_S2_IPA, vmid, 0),
            address(ipa & 0x00FF_FFFF_FFFF_FFFF, leaf),
        ]
    }

    /// CMD_TLBI_SNH_ALL.
    pub const fn tlbi_snh_all() -> [u64; 2] {
        op(opcode::TLBI_SNH_ALL)
    }

    /// A TLB invalidation with the range and level hints (IHI0070 4.4.1.1): TG
    /// (1 = 4 KB, 2 = 16 KB, 3 = 64 KB), TTL, NUM and SCALE.
    pub const fn with_range(cmd: [u64; 2], tg: u8, ttl: u8, num: u8, scale: u8) -> [u64; 2] {
        [
            cmd[0] | ((num & 0x1F) as u64) << 12 | ((scale & 0x1F) as u64) << 20,
            cmd[1] | ((tg & 0b11) as u64) << 10 | ((ttl & 0b11) as u64) << 8,
        ]
    }

    /// CMD_SYNC with completion signal `cs` (0 none, 1 IRQ, 2 SEV) and, for an MSI,
    /// its address and data (MSIAttr 0, MSH 0).
    pub const fn sync(cs: u8, msi_addr: u64, msi_data: u32) -> [u64; 2] {
        [
            opcode::SYNC as u64 | ((cs & 0b11) as u64) << 12 | (msi_data as u64) << 32,
            msi_addr & 0x00FF_FFFF_FFFF_FFFC,
        ]
    }

    /// CMD_SYNC without a completion signal.
    pub const fn sync_none() -> [u64; 2] {
        sync(0, 0, 0)
    }
}
