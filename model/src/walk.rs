//! VMSAv8-64 translation table walks: stage 1, stage 2, and the pieces nesting needs.
//!
//! IHI0070 3.3 (translation), 3.4 (address sizes), 3.10.2 / 13.4.2 (Secure NS and
//! NSTable), and the Arm ARM VMSAv8-64 chapter (D8) that the SMMU defers to for the
//! table format: granules, levels, descriptor types, block legality, AP/S2AP/XN
//! permissions and the Access flag.
//!
//! Walks are bounded by construction: a walk visits at most four levels (start level
//! to 3) and each level reads one descriptor, so garbage tables end in an architected
//! fault, never a loop.

use crate::event::FaultClass;
use crate::memory::{GuestMemory, Pas};

/// A translation granule (IHI0070 3.3.1; Arm ARM D8.2).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Granule {
    /// 4 KB.
    K4,
    /// 16 KB.
    K16,
    /// 64 KB.
    K64,
}

impl Granule {
    /// log2 of the granule size (12, 14, 16).
    pub const fn shift(self) -> u32 {
        match self {
            Granule::K4 => 12,
            Granule::K16 => 14,
            Granule::K64 => 16,
        }
    }

    /// The granule size in bytes.
    pub const fn size(self) -> u64 {
        1 << self.shift()
    }

    /// Address bits resolved per level (9, 11, 13).
    pub const fn stride(self) -> u32 {
        self.shift() - 3
    }

    /// The lowest address bit resolved at `level` (0-3): the log2 of the size that a
    /// block or page at that level maps.
    pub const fn level_shift(self, level: u8) -> u32 {
        self.shift() + (3 - level as u32) * self.stride()
    }

    /// CD.TG0 and STE.S2TG/S_S2TG encoding: 0b00 4 KB, 0b01 64 KB, 0b10 16 KB,
    /// 0b11 reserved.
    pub const fn from_tg0(tg: u8) -> Option<Granule> {
        match tg & 0b11 {
            0b00 => Some(Granule::K4),
            0b01 => Some(Granule::K64),
            0b10 => Some(Granule::K16),
            _ => None,
        }
    }

    /// CD.TG1 encoding: 0b01 16 KB, 0b10 4 KB, 0b11 64 KB, 0b00 reserved.
    pub const fn from_tg1(tg: u8) -> Option<Granule> {
        match tg & 0b11 {
            0b01 => Some(Granule::K16),
            0b10 => Some(Granule::K4),
            0b11 => Some(Granule::K64),
            _ => None,
        }
    }

    /// The TLBI command TG encoding (0b01 4 KB, 0b10 16 KB, 0b11 64 KB; IHI0070 4.4).
    pub const fn from_tlbi_tg(tg: u8) -> Option<Granule> {
        match tg & 0b11 {
            0b01 => Some(Granule::K4),
            0b10 => Some(Granule::K16),
            0b11 => Some(Granule::K64),
            _ => None,
        }
    }

    /// Whether a block descriptor is legal at `level` (0-2) with a 48-bit OA.
    ///
    /// Arm ARM D8.3: 4 KB has level-1 and level-2 blocks (level-0 blocks need
    /// FEAT_LPA2); 16 KB and 64 KB have level-2 blocks only (their level-1 blocks need
    /// 52-bit addresses, not modelled). An illegal block is a Translation fault.
    /// QEMU accepts blocks at every level (behaviour.md 8.2 #24); this model does not.
    pub const fn block_allowed(self, level: u8) -> bool {
        match self {
            Granule::K4 => level == 1 || level == 2,
            Granule::K16 | Granule::K64 => level == 2,
        }
    }
}

/// The shape of one walk: granule, input size and start level.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct WalkGeometry {
    /// Translation granule.
    pub granule: Granule,
    /// Input address size in bits (64 - TxSZ).
    pub input_bits: u32,
    /// The level of the first table (0-3).
    pub start_level: u8,
}

/// Smallest legal TxSZ for VMSAv8-64 with 48-bit VAs (IHI0070 5.4.1 CD.T0SZ;
/// SMMU_IDR5.VAX = 0).
pub const MIN_TXSZ: u32 = 16;
/// Largest legal TxSZ without small translation tables (SMMU_IDR3.STT = 0).
pub const MAX_TXSZ: u32 = 39;

/// Largest legal TxSZ / S2T0SZ (IHI0070 5.4.1 CD.T0SZ, 5.2 STE.S2T0SZ): 39 without
/// small translation tables; with SMMU_IDR3.STT = 1 (FEAT_TTST) 48 for 4 KB and
/// 16 KB granules, 47 for 64 KB.
pub const fn max_txsz(granule: Granule, small_tables: bool) -> u32 {
    match (small_tables, granule) {
        (false, _) => MAX_TXSZ,
        (true, Granule::K64) => 47,
        (true, Granule::K4 | Granule::K16) => 48,
    }
}

impl WalkGeometry {
    /// A stage 1 walk for `granule` and TxSZ without small translation tables
    /// ([`stage1_with`](WalkGeometry::stage1_with) with `small_tables = false`).
    pub fn stage1(granule: Granule, txsz: u32) -> Option<WalkGeometry> {
        Self::stage1_with(granule, txsz, false)
    }

    /// A stage 1 walk for `granule` and TxSZ, with SMMU_IDR3.STT = `small_tables`.
    /// The start level follows from the input size: 4 - ceil((inputsize -
    /// granule_shift) / stride) (Arm ARM D8.2.6). `None` if TxSZ is out of range.
    pub fn stage1_with(granule: Granule, txsz: u32, small_tables: bool) -> Option<WalkGeometry> {
        if txsz < MIN_TXSZ || txsz > max_txsz(granule, small_tables) {
            return None;
        }
        let input_bits = 64 - txsz;
        let stride = granule.stride();
        let levels = (input_bits - granule.shift()).div_ceil(stride);
        Some(WalkGeometry {
            granule,
            input_bits,
            start_level: (4 - levels) as u8,
        })
    }

    /// A stage 2 walk without small translation tables
    /// ([`stage2_with`](WalkGeometry::stage2_with) with `small_tables = false`).
    pub fn stage2(granule: Granule, t0sz: u32, sl0: u8, ias_bits: u32) -> Option<WalkGeometry> {
        Self::stage2_with(granule, t0sz, sl0, ias_bits, false)
    }

    /// A stage 2 walk from S2T0SZ and S2SL0 (VTCR_EL2 semantics without LPA2), with
    /// SMMU_IDR3.STT = `small_tables`: then S2T0SZ may reach 48 (47 for 64 KB) and
    /// S2SL0 = 0b11 with a 4 KB granule starts at level 3 (FEAT_TTST).
    ///
    /// `None` when SL0 is reserved, when the start level needs a larger PA size than
    /// `pa_bits` (Arm ARM AArch64.S2InvalidSL), when T0SZ is outside
    /// [MAX(16, 64 - IAS), max], or when T0SZ and SL0 are inconsistent, i.e. the
    /// input would need fewer than one entry's worth of bits at the start level, or
    /// more than 16 concatenated tables (Arm ARM AArch64.S2InconsistentSL).
    pub fn stage2_with(
        granule: Granule,
        t0sz: u32,
        sl0: u8,
        ias_bits: u32,
        small_tables: bool,
    ) -> Option<WalkGeometry> {
        let min_t0sz = MIN_TXSZ.max(64 - ias_bits.min(48));
        if t0sz < min_t0sz || t0sz > max_txsz(granule, small_tables) {
            return None;
        }
        let (start_level, min_pa_bits) = match (granule, sl0 & 0b11) {
            (Granule::K4, 0) => (2, 0),
            (Granule::K4, 1) => (1, 0),
            (Granule::K4, 2) => (0, 44),
            (Granule::K4, 3) if small_tables => (3, 0),
            (Granule::K16 | Granule::K64, 0) => (3, 0),
            (Granule::K16 | Granule::K64, 1) => (2, 0),
            (Granule::K16, 2) => (1, 42),
            (Granule::K64, 2) => (1, 44),
            _ => return None,
        };
        if ias_bits < min_pa_bits {
            return None;
        }
        let input_bits = 64 - t0sz;
        let stride = granule.stride();
        let levels = 3 - start_level as u32;
        let sl_min = levels * stride + granule.shift() + 1;
        let sl_max = sl_min + (stride - 1) + 4;
        if input_bits < sl_min || input_bits > sl_max {
            return None;
        }
        Some(WalkGeometry {
            granule,
            input_bits,
            start_level,
        })
    }

    /// Bytes of the start-level table (including concatenated tables at stage 2).
    pub const fn start_table_bytes(&self) -> u64 {
        8u64 << (self.input_bits - self.granule.level_shift(self.start_level))
    }

    /// Aligns a table base to the start table: address bits below the table size
    /// (and below 64 bytes) are taken as zero (Arm ARM: misaligned TTBR is CONSTRAINED
    /// UNPREDICTABLE; this model ignores the low bits).
    pub const fn align_table_base(&self, base: u64) -> u64 {
        let align = if self.start_table_bytes() > 64 {
            self.start_table_bytes()
        } else {
            64
        };
        base & !(align - 1)
    }

    /// The descriptor index of `addr` at `level`.
    const fn index(&self, level: u8, addr: u64) -> u64 {
        let shift = self.granule.level_shift(level);
        let bits = if level == self.start_level {
            self.input_bits - shift
        } else {
            self.granule.stride()
        };
        (addr >> shift) & ((1u64 << bits) - 1)
    }
}

/// What a transaction does (IHI0070 13.1.1: RnW, InD).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum AccessKind {
    /// A data read.
    Read,
    /// A data write.
    Write,
    /// An instruction fetch (a read with InD = 1).
    Execute,
}

/// A transaction's access, after the STE PRIVCFG/INSTCFG overrides.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Access {
    /// Read, write or instruction fetch.
    pub kind: AccessKind,
    /// Privileged (PnU = 1) or unprivileged.
    pub privileged: bool,
}

impl Access {
    /// A privileged data read: the access the SMMU makes for its own structure and
    /// table fetches at stage 2 (IHI0070 7.3.16: CLASS CD/TT accesses are data reads).
    pub const WALK_READ: Access = Access {
        kind: AccessKind::Read,
        privileged: true,
    };

    /// RnW: 1 for reads and instruction fetches.
    pub const fn rnw(self) -> bool {
        !matches!(self.kind, AccessKind::Write)
    }

    /// InD: 1 for instruction fetches (always 0 for writes).
    pub const fn ind(self) -> bool {
        matches!(self.kind, AccessKind::Execute)
    }
}

/// Read/write/execute permissions for privileged and unprivileged accesses.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Permissions(u8);

/// Read/write/execute for one privilege level.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct PagePermissions {
    /// Data reads allowed.
    pub read: bool,
    /// Data writes allowed.
    pub write: bool,
    /// Instruction fetches allowed.
    pub execute: bool,
}

impl Permissions {
    /// Nothing allowed.
    pub const NONE: Permissions = Permissions(0);
    /// Everything allowed.
    pub const ALL: Permissions = Permissions(0b11_1111);

    const fn bit(kind: AccessKind, privileged: bool) -> u8 {
        let k = match kind {
            AccessKind::Read => 0,
            AccessKind::Write => 1,
            AccessKind::Execute => 2,
        };
        1 << (k + if privileged { 0 } else { 3 })
    }

    /// Builds from per-privilege sets.
    pub const fn new(privileged: PagePermissions, unprivileged: PagePermissions) -> Permissions {
        let p =
            privileged.read as u8 | (privileged.write as u8) << 1 | (privileged.execute as u8) << 2;
        let u = unprivileged.read as u8
            | (unprivileged.write as u8) << 1
            | (unprivileged.execute as u8) << 2;
        Permissions(p | u << 3)
    }

    /// Whether `access` is allowed.
    pub const fn allows(self, access: Access) -> bool {
        self.0 & Permissions::bit(access.kind, access.privileged) != 0
    }

    /// The permissions both `self` and `other` grant (stage 1 combined with stage 2).
    pub const fn intersect(self, other: Permissions) -> Permissions {
        Permissions(self.0 & other.0)
    }

    /// The set for one privilege level.
    pub const fn for_privilege(self, privileged: bool) -> PagePermissions {
        let v = if privileged { self.0 } else { self.0 >> 3 };
        PagePermissions {
            read: v & 1 != 0,
            write: v & 2 != 0,
            execute: v & 4 != 0,
        }
    }
}

/// The kind of a translation-related fault (IHI0070 3.12, 7.3.12-7.3.16).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum WalkFaultKind {
    /// F_TRANSLATION: input out of range, disabled TTB, or invalid descriptor.
    Translation,
    /// F_ADDR_SIZE: a table or output address beyond the stage's output size.
    AddressSize,
    /// F_ACCESS: Access flag is 0 in the leaf (no HTTU).
    AccessFlag,
    /// F_PERMISSION.
    Permission,
    /// F_WALK_EABT: a descriptor fetch aborted.
    ExternalAbort,
}

/// A fault of one stage of translation, with what its event record needs.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct WalkFault {
    /// What went wrong.
    pub kind: WalkFaultKind,
    /// S2: the fault is at stage 2.
    pub stage2: bool,
    /// CLASS: what the faulting stage was translating for.
    pub class: FaultClass,
    /// For stage 2 faults: the IPA being translated (the CD address, the stage 1
    /// descriptor address, or the transaction's IPA). 0 otherwise.
    pub ipa: u64,
    /// For stage 2 faults of Secure streams: the faulting IPA is Non-secure.
    pub nsipa: bool,
    /// For F_WALK_EABT: the PA of the descriptor whose fetch aborted.
    pub fetch_addr: u64,
    /// The level at which the fault was found (informational).
    pub level: u8,
}

impl WalkFault {
    /// A stage 1 fault of `kind` at `level`, with no IPA or fetch address.
    pub(crate) fn stage1(kind: WalkFaultKind, level: u8) -> WalkFault {
        WalkFault {
            kind,
            stage2: false,
            // IHI0070 7.3.13: stage 1 faults other than F_WALK_EABT are CLASS = IN.
            class: if matches!(kind, WalkFaultKind::ExternalAbort) {
                FaultClass::TranslationTable
            } else {
                FaultClass::Input
            },
            ipa: 0,
            nsipa: false,
            fetch_addr: 0,
            level,
        }
    }
}

/// How stage 1 evaluates AP/XN bits: depends on the StreamWorld's regime.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Stage1Regime {
    /// EL1&0-style regime with EL0 and EL1 (NS-EL1, Secure, any-EL2-E2H): `AP[1]`
    /// grants unprivileged access and UXN/PXN are separate. Otherwise a single
    /// privilege level (any-EL2, EL3): `AP[1]` is ignored (RES1) and XN is bit 54.
    pub two_privilege: bool,
    /// CD.WXN: writable implies execute-never.
    pub wxn: bool,
    /// CD.PAN: privileged data accesses to unprivileged-accessible pages fault.
    pub pan: bool,
}

/// A stage 1 walk's parameters (from the CD and the StreamWorld).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Stage1Walk {
    /// TTBx, aligned.
    pub ttb: u64,
    /// Geometry from TxSZ/TGx.
    pub geometry: WalkGeometry,
    /// The start table is Non-secure (CD.NSCFGx for Secure streams; always true for
    /// Non-secure streams, IHI0070 3.10.2).
    pub start_ns: bool,
    /// The stream is Secure, so NSTable/NS are meaningful.
    pub secure_stream: bool,
    /// Effective IPS in bits: table and output addresses must be below 2^oa_bits.
    pub oa_bits: u32,
    /// CD.HADx: APTable/XNTable/PXNTable are ignored (NSTable still applies).
    pub hierarchical_disable: bool,
    /// CD.AFFD: no Access flag faults.
    pub affd: bool,
    /// Permission model.
    pub regime: Stage1Regime,
}

/// The leaf of a successful stage 1 walk.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Stage1Leaf {
    /// Output address of the block/page (aligned to its size).
    pub output: u64,
    /// log2 of the block/page size.
    pub block_shift: u32,
    /// The level of the leaf.
    pub level: u8,
    /// The output targets the Non-secure PA (or IPA) space.
    pub ns: bool,
    /// Permissions granted by the leaf and the table attributes above it.
    pub permissions: Permissions,
    /// nG == 0, and not fetched from Non-secure memory for a Secure stream
    /// (IHI0070 3.17.1: such entries are treated as non-global).
    pub global: bool,
}

/// Valid bit 0 and table/page bit 1 of a descriptor.
const DESC_VALID: u64 = 1 << 0;
const DESC_TABLE_OR_PAGE: u64 = 1 << 1;
/// Output/next-level address bits `[51:12]` of a descriptor. Bits `[51:48]` are RES0 with
/// a 48-bit OA; keeping them in the address makes a descriptor that sets them fail
/// the address size check, as the Arm ARM requires.
const DESC_ADDR_MASK: u64 = 0x000F_FFFF_FFFF_F000;

const fn addr_field(desc: u64, shift: u32) -> u64 {
    desc & DESC_ADDR_MASK & !((1u64 << shift) - 1)
}

const fn bit(value: u64, n: u32) -> bool {
    (value >> n) & 1 != 0
}

fn stage1_permissions(
    desc: u64,
    regime: Stage1Regime,
    no_write: bool,
    no_user: bool,
    uxn_table: bool,
    pxn_table: bool,
) -> Permissions {
    // AP[2] (bit 7): read-only. AP[1] (bit 6): EL0 access (two-privilege regimes).
    let read_only = bit(desc, 7) || no_write;
    if regime.two_privilege {
        let user = bit(desc, 6) && !no_user;
        let mut p = PagePermissions {
            read: true,
            write: !read_only,
            execute: !(bit(desc, 53) || pxn_table),
        };
        let mut u = PagePermissions {
            read: user,
            write: user && !read_only,
            execute: !(bit(desc, 54) || uxn_table),
        };
        // Privileged execution from memory writable at EL0 is never permitted
        // (Arm ARM D8.4.1.2).
        if u.write {
            p.execute = false;
        }
        if regime.wxn {
            p.execute &= !p.write;
            u.execute &= !u.write;
        }
        if regime.pan && bit(desc, 6) {
            p.read = false;
            p.write = false;
        }
        Permissions::new(p, u)
    } else {
        // One privilege level: AP[1] is RES1, XN is bit 54, XNTable is bit 60.
        let mut p = PagePermissions {
            read: true,
            write: !read_only,
            execute: !(bit(desc, 54) || uxn_table),
        };
        if regime.wxn {
            p.execute &= !p.write;
        }
        Permissions::new(p, p)
    }
}

/// Walks stage 1 for `va` (already range-checked against the selected TTB) and
/// checks `access` against the leaf.
///
/// `resolve` maps each descriptor address (an IPA when nested, else a PA) in the
/// given space (`true` = Non-secure) to the PA and PAS to fetch from; for nested
/// walks it is stage 2 (its faults are returned as they are).
pub(crate) fn walk_stage1<M, F>(
    mem: &M,
    walk: &Stage1Walk,
    va: u64,
    access: Access,
    resolve: &mut F,
) -> Result<Stage1Leaf, WalkFault>
where
    M: GuestMemory + ?Sized,
    F: FnMut(u64, bool) -> Result<(u64, Pas), WalkFault>,
{
    let geometry = walk.geometry;
    let granule = geometry.granule;
    let mut table = walk.ttb;
    // NSTable is sticky: once the walk is Non-secure it never returns to Secure
    // (IHI0070 3.10.2, Arm ARM D8.6.1). Non-secure streams are Non-secure throughout.
    let mut ns = walk.start_ns || !walk.secure_stream;
    let (mut no_write, mut no_user, mut uxn_table, mut pxn_table) = (false, false, false, false);
    for level in geometry.start_level..=3 {
        let desc_addr = table + geometry.index(level, va) * 8;
        let (pa, pas) = resolve(desc_addr, ns)?;
        let desc = mem.read_u64(pas, pa).map_err(|_| WalkFault {
            fetch_addr: pa,
            ..WalkFault::stage1(WalkFaultKind::ExternalAbort, level)
        })?;
        if desc & DESC_VALID == 0 {
            return Err(WalkFault::stage1(WalkFaultKind::Translation, level));
        }
        let table_or_page = desc & DESC_TABLE_OR_PAGE != 0;
        if level < 3 && table_or_page {
            let next = addr_field(desc, granule.shift());
            if next >> walk.oa_bits != 0 {
                return Err(WalkFault::stage1(WalkFaultKind::AddressSize, level));
            }
            if walk.secure_stream && bit(desc, 63) {
                ns = true;
            }
            if !walk.hierarchical_disable {
                no_write |= bit(desc, 62);
                no_user |= bit(desc, 61);
                uxn_table |= bit(desc, 60);
                pxn_table |= bit(desc, 59);
            }
            table = next;
            continue;
        }
        // A block (levels 0-2) or a page (level 3). Level 3 with bit[1] == 0 is
        // reserved and faults like an invalid descriptor.
        if level == 3 && !table_or_page || level < 3 && !granule.block_allowed(level) {
            return Err(WalkFault::stage1(WalkFaultKind::Translation, level));
        }
        let block_shift = granule.level_shift(level);
        let output = addr_field(desc, block_shift);
        if output >> walk.oa_bits != 0 {
            return Err(WalkFault::stage1(WalkFaultKind::AddressSize, level));
        }
        if !bit(desc, 10) && !walk.affd {
            return Err(WalkFault::stage1(WalkFaultKind::AccessFlag, level));
        }
        let permissions =
            stage1_permissions(desc, walk.regime, no_write, no_user, uxn_table, pxn_table);
        if !permissions.allows(access) {
            return Err(WalkFault::stage1(WalkFaultKind::Permission, level));
        }
        return Ok(Stage1Leaf {
            output,
            block_shift,
            level,
            // Leaf NS decides only while the walk is still Secure (IHI0070 3.10.2).
            ns: ns || bit(desc, 5) && walk.secure_stream,
            permissions,
            global: !(bit(desc, 11) || walk.secure_stream && ns),
        });
    }
    // Unreachable: level 3 always returns. Kept as an architected fault, not a panic.
    Err(WalkFault::stage1(WalkFaultKind::Translation, 3))
}

/// One stage 2 translation table (STE.S2TTB for the Non-secure IPA space, or
/// STE.S_S2TTB for the Secure IPA space of a Secure stream).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Stage2Table {
    /// The table base, aligned.
    pub ttb: u64,
    /// Geometry from S2T0SZ/S2SL0/S2TG.
    pub geometry: WalkGeometry,
    /// The walk fetches from Non-secure PA space (S2NSW/S2SW; always for
    /// Non-secure streams).
    pub walk_ns: bool,
    /// The output targets Non-secure PA space (S2NSA/S2SA; always for Non-secure
    /// streams). IHI0070 3.10.2.2.
    pub output_ns: bool,
    /// This table translates the Non-secure IPA space (reported as NSIPA).
    pub ipa_ns: bool,
}

/// Stage 2 parameters shared by both IPA spaces.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Stage2Params {
    /// Effective S2PS in bits: MIN(S2PS, OAS).
    pub oa_bits: u32,
    /// STE.S2AFFD.
    pub affd: bool,
    /// STE.S2PTW: stage 1 table walks and CD fetches that land on Device memory at
    /// stage 2 fault.
    pub ptw: bool,
}

/// The leaf of a successful stage 2 walk.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Stage2Leaf {
    /// Output address of the block/page (aligned to its size).
    pub output: u64,
    /// log2 of the block/page size.
    pub block_shift: u32,
    /// The level of the leaf.
    pub level: u8,
    /// Permissions from S2AP and `XN[1:0]`.
    pub permissions: Permissions,
    /// The output is in Non-secure PA space.
    pub ns: bool,
}

fn stage2_permissions(desc: u64) -> Permissions {
    // S2AP[1:0] = bits [7:6]: bit 6 read, bit 7 write. XN[1:0] = bits [54:53] with
    // FEAT_XNX (SMMU_IDR3.XNX = 1): 00 both, 01 EL0 only, 10 none, 11 EL1 only.
    let read = bit(desc, 6);
    let write = bit(desc, 7);
    let (px, ux) = match (desc >> 53) & 0b11 {
        0b00 => (true, true),
        0b01 => (false, true),
        0b10 => (false, false),
        _ => (true, false),
    };
    Permissions::new(
        PagePermissions {
            read,
            write,
            execute: px,
        },
        PagePermissions {
            read,
            write,
            execute: ux,
        },
    )
}

/// Walks stage 2 for `ipa` and checks `access`. `class` says what the IPA is for
/// (CD, stage 1 table, or the transaction itself); it is copied into any fault.
pub(crate) fn walk_stage2<M>(
    mem: &M,
    table: &Stage2Table,
    params: &Stage2Params,
    ipa: u64,
    access: Access,
    class: FaultClass,
) -> Result<Stage2Leaf, WalkFault>
where
    M: GuestMemory + ?Sized,
{
    let geometry = table.geometry;
    let granule = geometry.granule;
    let fault = |kind, level, fetch_addr| WalkFault {
        kind,
        stage2: true,
        class,
        ipa,
        nsipa: table.ipa_ns,
        fetch_addr,
        level,
    };
    // An IPA beyond S2T0SZ faults before any fetch (Arm ARM D8.2.4).
    if ipa >> geometry.input_bits != 0 {
        return Err(fault(WalkFaultKind::Translation, geometry.start_level, 0));
    }
    let pas = Pas::from_ns(table.walk_ns);
    let mut base = table.ttb;
    for level in geometry.start_level..=3 {
        let desc_addr = base + geometry.index(level, ipa) * 8;
        let desc = mem
            .read_u64(pas, desc_addr)
            .map_err(|_| fault(WalkFaultKind::ExternalAbort, level, desc_addr))?;
        if desc & DESC_VALID == 0 {
            return Err(fault(WalkFaultKind::Translation, level, 0));
        }
        let table_or_page = desc & DESC_TABLE_OR_PAGE != 0;
        if level < 3 && table_or_page {
            let next = addr_field(desc, granule.shift());
            if next >> params.oa_bits != 0 {
                return Err(fault(WalkFaultKind::AddressSize, level, 0));
            }
            base = next;
            continue;
        }
        if level == 3 && !table_or_page || level < 3 && !granule.block_allowed(level) {
            return Err(fault(WalkFaultKind::Translation, level, 0));
        }
        let block_shift = granule.level_shift(level);
        let output = addr_field(desc, block_shift);
        if output >> params.oa_bits != 0 {
            return Err(fault(WalkFaultKind::AddressSize, level, 0));
        }
        if !bit(desc, 10) && !params.affd {
            return Err(fault(WalkFaultKind::AccessFlag, level, 0));
        }
        let permissions = stage2_permissions(desc);
        // MemAttr[3:2] == 0b00 is Device memory (S2FWB = 0). With S2PTW a stage 1
        // table walk or a CD fetch to Device memory is a stage 2 permission fault
        // (IHI0070 5.2, 3.26.2).
        let device = (desc >> 4) & 0b11 == 0;
        let protected_walk = matches!(class, FaultClass::TranslationTable | FaultClass::Cd);
        if !permissions.allows(access) || params.ptw && device && protected_walk {
            return Err(fault(WalkFaultKind::Permission, level, 0));
        }
        return Ok(Stage2Leaf {
            output,
            block_shift,
            level,
            permissions,
            ns: table.output_ns,
        });
    }
    Err(fault(WalkFaultKind::Translation, 3, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage1_start_levels() {
        let cases = [
            (Granule::K4, 16, 0),
            (Granule::K4, 25, 1),
            (Granule::K4, 33, 1),
            (Granule::K4, 34, 2),
            (Granule::K4, 39, 2),
            (Granule::K16, 16, 0),
            (Granule::K16, 17, 1),
            (Granule::K16, 27, 1),
            (Granule::K16, 28, 2),
            (Granule::K64, 16, 1),
            (Granule::K64, 21, 1),
            (Granule::K64, 22, 2),
            (Granule::K64, 34, 2),
            (Granule::K64, 35, 3),
        ];
        for (g, tsz, level) in cases {
            assert_eq!(
                WalkGeometry::stage1(g, tsz).map(|w| w.start_level),
                Some(level),
                "{g:?} TxSZ {tsz}"
            );
        }
        assert_eq!(WalkGeometry::stage1(Granule::K4, 15), None);
        assert_eq!(WalkGeometry::stage1(Granule::K4, 40), None);
    }

    #[test]
    fn stage2_start_levels_and_consistency() {
        // 4 KB, SL0 = 2 (level 0), 44-bit IPA: the QEMU qtest configuration.
        let g = WalkGeometry::stage2(Granule::K4, 20, 2, 48).unwrap();
        assert_eq!((g.start_level, g.input_bits), (0, 44));
        // Level 1 start with a 40-bit IPA: 2 concatenated tables (8 KB).
        let g = WalkGeometry::stage2(Granule::K4, 24, 1, 48).unwrap();
        assert_eq!((g.start_level, g.start_table_bytes()), (1, 8192));
        // Level 1 start needs at least 31 bits and at most 43 (16 tables).
        assert!(WalkGeometry::stage2(Granule::K4, 33, 1, 48).is_some());
        assert!(WalkGeometry::stage2(Granule::K4, 34, 1, 48).is_none());
        assert!(WalkGeometry::stage2(Granule::K4, 21, 1, 48).is_some());
        assert!(WalkGeometry::stage2(Granule::K4, 20, 1, 48).is_none());
        // Reserved SL0 and start levels needing a larger PA.
        assert!(WalkGeometry::stage2(Granule::K4, 24, 3, 48).is_none());
        assert!(WalkGeometry::stage2(Granule::K4, 24, 2, 42).is_none());
        assert!(WalkGeometry::stage2(Granule::K64, 16, 2, 48).is_some());
        assert!(WalkGeometry::stage2(Granule::K16, 24, 3, 48).is_none());
        // T0SZ below 64 - IAS.
        assert!(WalkGeometry::stage2(Granule::K4, 19, 2, 44).is_none());
    }

    #[test]
    fn permissions_bits() {
        let p = Permissions::new(
            PagePermissions {
                read: true,
                write: false,
                execute: true,
            },
            PagePermissions::default(),
        );
        assert!(p.allows(Access {
            kind: AccessKind::Read,
            privileged: true
        }));
        assert!(!p.allows(Access {
            kind: AccessKind::Write,
            privileged: true
        }));
        assert!(!p.allows(Access {
            kind: AccessKind::Read,
            privileged: false
        }));
        assert_eq!(p.for_privilege(false), PagePermissions::default());
        assert_eq!(Permissions::ALL.intersect(p), p);
    }
}
