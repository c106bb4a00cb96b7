//! The elaborated register map: plain, fully resolved data.
//!
//! Every back end (Rust register file, Verilog, C header, docs, JSON dump) is a pass
//! over [`RegisterMap`]. Elaboration has already decided everything a back end needs:
//! absolute addresses, bit ranges, resolved access types and resets, the security bank
//! of each register, guards expanded to concrete fields (control bit *and* its ACK),
//! ACK-mirror pairs, and which registers share one definition across banks. A back end
//! that finds itself computing one of these is a bug in the IR, not in the back end.
//!
//! The map holds the whole SystemRDL 2.0 hierarchy: [`Block`]s (the top addrmap, nested
//! addrmaps, regfiles and mems), [`Register`]s (virtual registers of a mem and aliases
//! included) and [`Signal`]s, every array unrolled. What a back end must implement is
//! summed up by [`RegisterMap::features`]: a back end refuses a map that uses a
//! [`Feature`] it does not implement ([`RegisterMap::require`]), never emits something
//! approximate. `docs/access-units.md` describes every fact and unit.
//!
//! Values: a field is at most 64 bits wide (wider fields are refused by the front end,
//! a documented limit), so field values, resets and masks are `u64` right-aligned to
//! the field. A register may be wider than 64 bits (`regwidth` 128, 256, ...): its
//! fields keep their bit positions (`lsb` up to `regwidth - 1`); register-wide values
//! are then [`Bits`], whose 64-bit words are little-endian ([`Register::bits_where`]). The
//! `u64` helpers of [`Register`] are for registers of at most 64 bits.

use serde::{Deserialize, Serialize};

use crate::access::{
    AccessType, Completion, FieldOutput, HwEnable, HwMaskKind, InterruptType, NextValue, OnRead,
    OnWrite, Precedence, ReadRule, RegisterOutput, WriteGate, WriteRule,
};

/// Security state of a stream, of a bus access, or of the bank that owns a register
/// (IHI0070 3.10.1, SEC_SID).
///
/// This is the one security type of the whole workspace. Realm is reserved for later
/// (RME); adding it will be a deliberate, compiler-checked change everywhere.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecSid {
    /// Non-secure state: page 0 0x0000-0x7FFF and page 1.
    NonSecure,
    /// Secure state: page 0 0x8000-0xFFFF.
    Secure,
}

impl SecSid {
    /// Both states, Non-secure first (the order of bank indices).
    pub const ALL: [SecSid; 2] = [SecSid::NonSecure, SecSid::Secure];

    /// Dense index, for per-bank arrays: Non-secure 0, Secure 1.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Whether an access made in state `self` may reach a register owned by `bank`.
    ///
    /// IHI0070 3.10: a Secure access reaches both banks; a Non-secure access to a
    /// Secure register is RAZ/WI.
    pub const fn may_access(self, bank: SecSid) -> bool {
        matches!(
            (self, bank),
            (SecSid::Secure, _) | (SecSid::NonSecure, SecSid::NonSecure)
        )
    }

    /// The name used in the `.rdl` UDP enum and in JSON: `nonsecure` / `secure`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SecSid::NonSecure => "nonsecure",
            SecSid::Secure => "secure",
        }
    }
}

impl std::fmt::Display for SecSid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SecSid::NonSecure => "Non-secure",
            SecSid::Secure => "Secure",
        })
    }
}

/// Index of a register in [`RegisterMap::registers`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RegId(pub usize);

/// Index of a layout (shared register definition) in [`RegisterMap::layouts`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LayoutId(pub usize);

/// Index of an enumeration in [`RegisterMap::enums`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EnumId(pub usize);

/// Index of an addrmap, regfile or mem instance in [`RegisterMap::blocks`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BlockId(pub usize);

/// Index of a signal instance in [`RegisterMap::signals`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SignalId(pub usize);

/// A field of a register: `registers[reg].fields[field]`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FieldRef {
    /// The register.
    pub reg: RegId,
    /// Index into that register's `fields`.
    pub field: usize,
}

/// Where something was written in the `.rdl`, for traceability in generated output.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLocation {
    /// The file as it was named to the front end.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// The whole elaborated map of one top-level `addrmap`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegisterMap {
    /// Type name of the top `addrmap` (`smmuv3`).
    pub top: String,
    /// Its `name` property, if any.
    pub name: Option<String>,
    /// Its `desc` property, if any.
    pub desc: Option<String>,
    /// Every register instance (arrays unrolled), sorted by absolute address.
    pub registers: Vec<Register>,
    /// Register definitions, each with the instances made from it.
    pub layouts: Vec<Layout>,
    /// Enumerations referenced by `encode` or by UDP values.
    pub enums: Vec<EnumType>,
    /// Declared user-defined properties.
    pub properties: Vec<PropertyDecl>,
    /// Every addrmap, regfile and mem instance (arrays unrolled): the top addrmap is
    /// `blocks[0]`, a parent always comes before its children, siblings in address
    /// order.
    pub blocks: Vec<Block>,
    /// Every signal instance (arrays unrolled), in declaration order.
    pub signals: Vec<Signal>,
}

/// The kind of a [`Block`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockKind {
    /// `addrmap`.
    Addrmap,
    /// `regfile`.
    Regfile,
    /// `mem`: a memory, always external, whose registers are virtual.
    Mem,
}

impl BlockKind {
    /// The SystemRDL keyword.
    pub const fn as_str(self) -> &'static str {
        match self {
            BlockKind::Addrmap => "addrmap",
            BlockKind::Regfile => "regfile",
            BlockKind::Mem => "mem",
        }
    }
}

/// SystemRDL `addressingtype` (13.4): how an addrmap places children without `@`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Addressing {
    /// `regalign` (the default): each child aligned to its own size.
    Regalign,
    /// `compact`: registers packed at their access width.
    Compact,
    /// `fullalign`: each child (array as a whole) aligned to its total size.
    Fullalign,
}

impl Addressing {
    /// The SystemRDL spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Addressing::Regalign => "regalign",
            Addressing::Compact => "compact",
            Addressing::Fullalign => "fullalign",
        }
    }
}

/// Byte order of an addrmap's bus (SystemRDL 2.0 13.4 `bigendian` / `littleendian`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Endianness {
    /// `littleendian`.
    Little,
    /// `bigendian`.
    Big,
}

/// The array an instance is an element of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArrayShape {
    /// Dimensions, outermost first.
    pub dims: Vec<u64>,
    /// Bytes from one element to the next (of the innermost dimension).
    pub stride: u64,
}

/// A memory (SystemRDL 2.0 11): `mementries` entries of `memwidth` bits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memory {
    /// `mementries`.
    pub entries: u64,
    /// `memwidth` in bits.
    pub width: u32,
    /// `sw`: software access to the entries.
    pub sw: AccessType,
}

/// Test and verification hints of SystemRDL 2.0 5.2.2 (`dontcompare`, `donttest`):
/// what the source wrote, a flag or (on a field) a bit mask.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestHint {
    /// Not set (or set to false).
    #[default]
    No,
    /// Set to true: every bit.
    All,
    /// A bit mask of the field (fields only).
    Bits(u64),
}

impl TestHint {
    /// Whether any bit is covered.
    pub const fn any(self) -> bool {
        !matches!(self, TestHint::No | TestHint::Bits(0))
    }
}

/// HDL paths of SystemRDL 2.0 5.2.3 (for back-door access in verification).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HdlPaths {
    /// `hdl_path` (addrmap, regfile, reg).
    pub path: Option<String>,
    /// `hdl_path_gate`.
    pub gate: Option<String>,
    /// `hdl_path_slice` (field, mem).
    pub slice: Vec<String>,
    /// `hdl_path_gate_slice`.
    pub gate_slice: Vec<String>,
}

/// An addrmap, regfile or mem instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Block {
    /// What it is.
    pub kind: BlockKind,
    /// Instance name (the type name for the top).
    pub inst_name: String,
    /// Hierarchical path as `get_path()` prints it (`top.rf[1]`).
    pub path: String,
    /// The elaborated type name, if the definition has one (parameterised
    /// definitions get systemrdl-compiler's mangled name).
    pub type_name: Option<String>,
    /// `name` property, if any.
    pub display_name: Option<String>,
    /// `desc` property, if any.
    pub desc: Option<String>,
    /// The enclosing block; `None` for the top.
    pub parent: Option<BlockId>,
    /// Absolute byte address.
    pub address: u64,
    /// Size in bytes of this element.
    pub size: u64,
    /// Index of this element in each array dimension of it and its ancestors,
    /// outermost first.
    pub array_index: Vec<u64>,
    /// The array this instance is an element of, if any.
    pub array: Option<ArrayShape>,
    /// External (SystemRDL 2.0 5.1.1.3): the generated block forwards accesses to it
    /// instead of implementing it. As systemrdl-compiler reports it: a mem is always
    /// external, and so is every addrmap instance (13.1); twinreg's back ends implement
    /// a nested addrmap in place unless `external` was written
    /// ([`Block::declared_external`]).
    pub external: bool,
    /// The instance was written with the `external` keyword.
    pub declared_external: bool,
    /// `alignment` (addrmap, regfile).
    pub alignment: Option<u64>,
    /// `addressing` (addrmap).
    pub addressing: Addressing,
    /// `bigendian` / `littleendian` (addrmap); `None` if neither is set.
    pub endianness: Option<Endianness>,
    /// `msb0` (addrmap): fields without explicit bits pack from the top bit down.
    pub msb0: bool,
    /// `rsvdset` (addrmap): unused bits read as 1.
    pub rsvdset: bool,
    /// `rsvdsetX` (addrmap): unused bits read as unknown.
    pub rsvdset_x: bool,
    /// `bridge` (addrmap): children are separate address spaces and may overlap.
    pub bridge: bool,
    /// `sharedextbus` (addrmap, regfile).
    pub sharedextbus: bool,
    /// `errextbus` (addrmap, regfile).
    pub errextbus: bool,
    /// `dontcompare`.
    pub dontcompare: TestHint,
    /// `donttest`.
    pub donttest: TestHint,
    /// `hdl_path`, `hdl_path_gate` (and for a mem the slices).
    pub hdl_paths: HdlPaths,
    /// For a mem: its size and access.
    pub memory: Option<Memory>,
    /// User-defined property values set on this instance.
    pub udps: Vec<UdpAssignment>,
    /// Where the instance was written.
    pub location: SourceLocation,
}

/// Where a signal is instantiated.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignalScope {
    /// The root scope, outside every addrmap.
    Root,
    /// A block's body.
    Block(BlockId),
    /// A register's body.
    Reg(RegId),
    /// A field's body (SystemRDL 2.0 8.1 allows a signal there too).
    Field(FieldRef),
}

/// Polarity of a signal (`activehigh` / `activelow`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Polarity {
    /// `activehigh`.
    High,
    /// `activelow`.
    Low,
}

/// A `signal` instance (SystemRDL 2.0 8): an input of the generated block that
/// properties reference (`resetsignal`, `we = sig`, `incr = sig`, ...).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// Instance name.
    pub inst_name: String,
    /// Hierarchical path (`top.rst_n`, or just `rst_n` in the root scope).
    pub path: String,
    /// `name` property, if any.
    pub display_name: Option<String>,
    /// `desc` property, if any.
    pub desc: Option<String>,
    /// Where it is instantiated.
    pub scope: SignalScope,
    /// `signalwidth` (or the instance's `[n]`), in bits.
    pub width: u32,
    /// `sync` (true) or `async` (false).
    pub sync: bool,
    /// `activehigh` / `activelow`, if either is set.
    pub polarity: Option<Polarity>,
    /// `cpuif_reset`: resets the bus interface.
    pub cpuif_reset: bool,
    /// `field_reset`: the default reset of the fields in its scope.
    pub field_reset: bool,
    /// Index of this element in each array dimension, outermost first.
    pub array_index: Vec<u64>,
    /// User-defined property values set on this instance.
    pub udps: Vec<UdpAssignment>,
    /// Where the instance was written.
    pub location: SourceLocation,
}

/// A reference to a 1-bit (or field-wide) hardware value, as a property may name it
/// instead of getting its own input (SystemRDL 2.0 9: `we = sig;`, `hwset = f;`,
/// `incr = f->overflow;`, `enable = r.f;`, `next = r->intr;`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A signal (an input of the block).
    Signal(SignalId),
    /// The value of a field.
    Field(FieldRef),
    /// A property of a field (`f->anded`, `f->swmod`, `f->overflow`, ...; for the
    /// value-like ones, `f->reset`, `f->incrvalue`, ..., the value that property has).
    FieldProperty(FieldRef, RefProperty),
    /// An output of a register (`r->intr`, `r->halt`).
    RegisterOutput(RegId, RegisterOutput),
}

/// The field properties a reference may name (`f->prop`, SystemRDL 2.0 6.3.2.2).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefProperty {
    /// One of the field's outputs ([`FieldOutput`]): `anded`, `overflow`,
    /// `incrthreshold`, ...
    Output(FieldOutput),
    /// The `swmod` strobe.
    Swmod,
    /// The `swacc` strobe.
    Swacc,
    /// The increment event (`incr`).
    Incr,
    /// The decrement event (`decr`).
    Decr,
    /// `incrvalue`.
    Incrvalue,
    /// `decrvalue`.
    Decrvalue,
    /// `saturate` (alias of `incrsaturate`, kept as written).
    Saturate,
    /// `threshold` (alias of `incrthreshold`, kept as written).
    Threshold,
    /// The software write enable (`swwe`).
    Swwe,
    /// `swwel`.
    Swwel,
    /// The hardware write enable (`we`).
    We,
    /// `wel`.
    Wel,
    /// `hwset`.
    Hwset,
    /// `hwclr`.
    Hwclr,
    /// `hwenable`.
    Hwenable,
    /// `hwmask`.
    Hwmask,
    /// `enable`.
    Enable,
    /// `mask`.
    Mask,
    /// `haltenable`.
    Haltenable,
    /// `haltmask`.
    Haltmask,
    /// `next`.
    Next,
    /// `reset`.
    Reset,
    /// `resetsignal`.
    Resetsignal,
}

impl RefProperty {
    /// The SystemRDL property name (`f->name`).
    pub const fn as_str(self) -> &'static str {
        match self {
            RefProperty::Output(o) => o.as_str(),
            RefProperty::Swmod => "swmod",
            RefProperty::Swacc => "swacc",
            RefProperty::Incr => "incr",
            RefProperty::Decr => "decr",
            RefProperty::Incrvalue => "incrvalue",
            RefProperty::Decrvalue => "decrvalue",
            RefProperty::Saturate => "saturate",
            RefProperty::Threshold => "threshold",
            RefProperty::Swwe => "swwe",
            RefProperty::Swwel => "swwel",
            RefProperty::We => "we",
            RefProperty::Wel => "wel",
            RefProperty::Hwset => "hwset",
            RefProperty::Hwclr => "hwclr",
            RefProperty::Hwenable => "hwenable",
            RefProperty::Hwmask => "hwmask",
            RefProperty::Enable => "enable",
            RefProperty::Mask => "mask",
            RefProperty::Haltenable => "haltenable",
            RefProperty::Haltmask => "haltmask",
            RefProperty::Next => "next",
            RefProperty::Reset => "reset",
            RefProperty::Resetsignal => "resetsignal",
        }
    }
}

/// `swwe` / `swwel` (SystemRDL 2.0 9.6) in any form but a field reference (those are
/// [`GuardTerm`]s): software may write the field only while the enable is 1 (`swwe`)
/// or 0 (`swwel`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwWriteEnable {
    /// `None`: a dedicated input of the block (`swwe;`); else the referenced value.
    pub from: Option<Source>,
    /// `swwel`: writable while the enable is 0.
    pub active_low: bool,
}

/// `hwenable` / `hwmask` (SystemRDL 2.0 9.5): a field-wide qualifier of hardware
/// updates.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HwMask {
    /// Which of the two.
    pub kind: HwMaskKind,
    /// The qualifier's value.
    pub from: Source,
}

/// A number a property gives as a constant or as a reference.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueOrRef {
    /// A constant.
    Value(u64),
    /// The referenced value.
    Ref(Source),
}

/// A counter limit (`incrsaturate`, `incrthreshold`, ...; SystemRDL 2.0 9.8): `true`
/// means the counter's extreme (all ones going up, zero going down).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CounterLimit {
    /// Set to `true`: the extreme value.
    Extreme,
    /// A constant.
    Value(u64),
    /// The referenced value.
    Ref(Source),
}

impl CounterLimit {
    /// The constant limit of a `width`-bit counter going `up` (or down), if it is one.
    pub const fn constant(self, width: u32, up: bool) -> Option<u64> {
        match self {
            CounterLimit::Extreme if up => Some(crate::access::ones(width)),
            CounterLimit::Extreme => Some(0),
            CounterLimit::Value(v) => Some(v),
            CounterLimit::Ref(_) => None,
        }
    }
}

/// How a counter steps in one direction (SystemRDL 2.0 9.8).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterDirection {
    /// The event that steps it: `None` is a dedicated input (`<field>_incr`), else the
    /// referenced value (`incr = sig;`).
    pub event: Option<Source>,
    /// The amount of one step: `incrvalue` (a constant, 1 by default, or a reference).
    /// `None` when `incrwidth` gives the amount as an input instead.
    pub value: Option<ValueOrRef>,
    /// `incrwidth`: the amount is an input of this many bits.
    pub value_width: Option<u32>,
    /// `incrsaturate` / `decrsaturate`.
    pub saturate: Option<CounterLimit>,
    /// `incrthreshold` / `decrthreshold`.
    pub threshold: Option<CounterLimit>,
    /// `overflow` / `underflow`: a wrap strobe is an output.
    pub wrap_output: bool,
}

/// A `counter` field (SystemRDL 2.0 9.8): an up counter, a down counter, or both.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter {
    /// Counting up (any `incr*` property, `overflow`, or no direction at all).
    pub up: Option<CounterDirection>,
    /// Counting down (any `decr*` property or `underflow`).
    pub down: Option<CounterDirection>,
}

/// An interrupt field (SystemRDL 2.0 9.9: `intr`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interrupt {
    /// The interrupt type (`level` unless a modifier says otherwise).
    pub kind: InterruptType,
    /// `enable` (bits contribute while 1) or `mask` (while 0) for `intr`.
    pub enable: Option<HwMask>,
    /// `haltenable` / `haltmask` for `halt`.
    pub halt: Option<HwMask>,
}

/// One register instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Register {
    /// Instance name (`s_cr0`); array elements share their array's name.
    pub inst_name: String,
    /// Hierarchical path as `systemrdl-compiler`'s `get_path()` prints it
    /// (`smmuv3.s.s_cr0`, `top.arr[2]`).
    pub path: String,
    /// `name` property (human title), if any.
    pub display_name: Option<String>,
    /// `desc` property, if any.
    pub desc: Option<String>,
    /// Absolute byte address.
    pub address: u64,
    /// `regwidth` in bits: a power of two of at least 8; above 64 the register is
    /// wide (see "Values" above).
    pub width: u32,
    /// `accesswidth` in bits; a 64-bit register with 32-bit access width is reached
    /// as two halves (IHI0070 6.2).
    pub access_width: u32,
    /// The bank that owns the register (from the `security` UDP of the register or
    /// its nearest enclosing component; Non-secure if none says otherwise).
    pub security: SecSid,
    /// The definition this instance was made from.
    pub layout: LayoutId,
    /// Index of this element in each array dimension, outermost first; empty if the
    /// register (and its parents) is not an array.
    pub array_index: Vec<u64>,
    /// Present fields, sorted by `lsb`. Bits not covered are RES0 (RAZ/WI).
    pub fields: Vec<Field>,
    /// The register exists only while every one of these implementation-defined
    /// fields is non-zero (`present_when` UDPs of the register and all its ancestors,
    /// e.g. the Secure bank and `S_IDR1.SECURE_IMPL`); otherwise it is RAZ/WI.
    pub present_when: Vec<FieldRef>,
    /// Index of the field whose handshake admits writes (`update_handshake` UDP,
    /// GBPA.Update): a write is taken only while the field reads 0 and the written
    /// value sets it; the field then reads 1 until the update completes.
    pub update_field: Option<usize>,
    /// This register acknowledges the referenced one (`ack_of` UDP: CR0ACK of CR0).
    pub ack_of: Option<RegId>,
    /// The register that acknowledges this one (inverse of `ack_of`).
    pub acked_by: Option<RegId>,
    /// Register-level gates of a software write, in priority order.
    pub write_gates: Vec<WriteGate>,
    /// User-defined property values set on this instance: its own, as
    /// systemrdl-compiler reports them (a UDP is not inherited; the inherited bank is
    /// [`Register::security`]).
    pub udps: Vec<UdpAssignment>,
    /// The block whose body instantiates the register (a mem for a virtual register).
    pub block: BlockId,
    /// The array this instance is an element of, if any.
    pub array: Option<ArrayShape>,
    /// External (SystemRDL 2.0 10.1, `external reg`, or inside an external regfile):
    /// accesses are forwarded, the block stores nothing.
    pub external: bool,
    /// For an alias register (`alias primary name;`, SystemRDL 2.0 10.5): its primary.
    /// The alias sits at its own address with its own field access (`sw`, `onread`,
    /// `onwrite`), over the primary's storage.
    pub alias_of: Option<RegId>,
    /// The aliases of this (primary) register.
    pub aliases: Vec<RegId>,
    /// `shared` (SystemRDL 2.0 10.6): one storage shared by the address maps that
    /// instantiate the register.
    pub shared: bool,
    /// `errextbus`: the external bus may answer with an error.
    pub errextbus: bool,
    /// `dontcompare`.
    pub dontcompare: TestHint,
    /// `donttest`.
    pub donttest: TestHint,
    /// `hdl_path` and `hdl_path_gate`.
    pub hdl_paths: HdlPaths,
    /// Hardware outputs of the register: `intr` if a field is an interrupt, `halt` if
    /// one has `haltenable`/`haltmask` ([`crate::access::interrupt_pending`]).
    pub outputs: Vec<RegisterOutput>,
    /// Where the instance was written.
    pub location: SourceLocation,
}

/// One field of a register instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Instance name.
    pub name: String,
    /// `name` property, if any.
    pub display_name: Option<String>,
    /// `desc` property, if any.
    pub desc: Option<String>,
    /// Least significant bit within the register.
    pub lsb: u32,
    /// Most significant bit within the register (inclusive).
    pub msb: u32,
    /// Software access.
    pub sw: AccessType,
    /// Hardware access.
    pub hw: AccessType,
    /// Reset value, right-aligned to the field; `None` if the field has no reset.
    pub reset: Option<u64>,
    /// `onread` side effect (`rclr` and `rset` are folded in here).
    pub onread: Option<OnRead>,
    /// `onwrite` behaviour (`woclr` and `woset` are folded in here).
    pub onwrite: Option<OnWrite>,
    /// `singlepulse`: a written 1 lasts one cycle, then the field reads 0.
    pub singlepulse: bool,
    /// `swmod`: hardware gets a strobe when software modifies the field.
    pub swmod: bool,
    /// `swacc`: hardware gets a strobe when software reads the field.
    pub swacc: bool,
    /// `hwset`: a hardware input sets every bit.
    pub hwset: bool,
    /// `hwclr`: a hardware input clears every bit.
    pub hwclr: bool,
    /// How a hardware write is enabled (`we` / `wel`), if hardware writes the field.
    pub hw_enable: HwEnable,
    /// Which side wins when software and hardware update the field in one cycle.
    pub precedence: Precedence,
    /// Enumeration of the field's values (`encode`), if any.
    pub encode: Option<EnumId>,
    /// Conditions under which a software write reaches the field; all must hold
    /// (`write_guard` UDP expanded with ACK mirrors, `swwe`/`swwel` references).
    pub guard: Vec<GuardTerm>,
    /// The field exists only while every one of these implementation-defined
    /// constants is non-zero (`present_when` UDP on the field), on top of the
    /// register's own [`Register::present_when`]. An absent field is RES0: see
    /// "Field presence" in [`crate::access`] for the rule every back end applies.
    pub present_when: Vec<FieldRef>,
    /// The reset value is implementation defined and may be overridden per instance
    /// (`impl_defined` UDP): a constructor argument in Rust, a Verilog parameter. For
    /// a constant field (`sw = r`, `hw = na`) that is the value itself.
    pub impl_defined: bool,
    /// For a field of an ACK register: the control field it acknowledges.
    pub acknowledges: Option<FieldRef>,
    /// What a software read returns and does.
    pub read_rule: ReadRule,
    /// What a software write that passed every gate does to the stored bits.
    pub write_rule: WriteRule,
    /// The sources of the field's next value, highest priority first (RTL evaluates
    /// them in this order every cycle; the Rust register file applies the ones that
    /// belong to each event it handles).
    pub next_value: Vec<NextValue>,
    /// User-defined property values set on this field.
    pub udps: Vec<UdpAssignment>,
    /// The bits were written `[low:high]`, or packed in an `msb0` addrmap: the
    /// SystemRDL view numbers them from the top (its `lsb` is this field's `msb`,
    /// SystemRDL 2.0 10.7), so the field's value is bit-reversed relative to the
    /// register bits `lsb..=msb` ([`Field::reversed`], [`Field::value_bit`], "Bit
    /// order of a field" in [`crate::access`]). `lsb`/`msb` stay the low and high
    /// register bits; every back end converts at the bus with
    /// [`crate::access::field_value`] / [`crate::access::field_bits`].
    pub msb0: bool,
    /// `we`/`wel` given as a reference instead of a dedicated enable input
    /// ([`HwEnable::We`] or [`HwEnable::Wel`] says which).
    pub hw_enable_from: Option<Source>,
    /// `hwset` given as a reference instead of a dedicated input.
    pub hwset_from: Option<Source>,
    /// `hwclr` given as a reference instead of a dedicated input.
    pub hwclr_from: Option<Source>,
    /// `swwe`/`swwel` as an input, a signal or a property reference.
    pub sw_write_enable: Option<SwWriteEnable>,
    /// `hwenable` / `hwmask`.
    pub hw_mask: Option<HwMask>,
    /// `next`: the data of a hardware write comes from this value instead of an
    /// input (SystemRDL 2.0 9.5).
    pub next: Option<Source>,
    /// `reset` given as a reference: the value loaded at reset ([`Field::reset`] is
    /// `None` then).
    pub reset_from: Option<Source>,
    /// The signal that resets the field: its `resetsignal`, else a `field_reset`
    /// signal of an enclosing scope; `None`: the block's default reset.
    pub resetsignal: Option<SignalId>,
    /// `sticky`: a multi-bit sticky field ([`NextValue::Sticky`]).
    pub sticky: bool,
    /// `stickybit`: per-bit sticky ([`NextValue::StickyBits`]); the default of an
    /// interrupt field that is not `sticky`.
    pub stickybit: bool,
    /// `intr` and its qualifiers.
    pub interrupt: Option<Interrupt>,
    /// `counter` and its directions.
    pub counter: Option<Counter>,
    /// Hardware outputs besides the value and `swmod`/`swacc` (`anded`, `overflow`,
    /// ...), sorted.
    pub outputs: Vec<FieldOutput>,
    /// `paritycheck`: a parity bit is stored with the value and checked.
    pub paritycheck: bool,
    /// `dontcompare` (a flag or a bit mask of the field).
    pub dontcompare: TestHint,
    /// `donttest`.
    pub donttest: TestHint,
    /// `hdl_path_slice` and `hdl_path_gate_slice`.
    pub hdl_paths: HdlPaths,
    /// Where the field was written.
    pub location: SourceLocation,
}

/// One condition of a field's write guard.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardTerm {
    /// The field that is tested.
    pub field: FieldRef,
    /// `false`: writable only while the field is 0 (SMMU guards, `swwel`);
    /// `true`: writable only while it is non-zero (`swwe`).
    pub when_set: bool,
}

/// A register definition and every instance made from it.
///
/// A layout whose instances sit in different banks, one per bank, is *banked*: back
/// ends give it one typed accessor reached through the bank (`bank(Secure).cr0()`).
/// Fields may be absent in some instances (`ispresent = false`, e.g. S_CR0 has no
/// PRIQEN); the layout holds the union.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// Definition (type) name; for anonymous definitions, the instance name.
    pub name: String,
    /// `name` property of the definition, if any.
    pub display_name: Option<String>,
    /// `desc` property of the definition, if any.
    pub desc: Option<String>,
    /// `regwidth` in bits.
    pub width: u32,
    /// Union of the fields of all instances, sorted by `lsb`.
    pub fields: Vec<LayoutField>,
    /// Instances, in address order.
    pub instances: Vec<RegId>,
    /// One instance per bank, in more than one bank.
    pub banked: bool,
}

/// A field of a [`Layout`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayoutField {
    /// Instance name of the field.
    pub name: String,
    /// `name` property, if any.
    pub display_name: Option<String>,
    /// `desc` property, if any.
    pub desc: Option<String>,
    /// Least significant bit.
    pub lsb: u32,
    /// Most significant bit (inclusive).
    pub msb: u32,
    /// Enumeration, if any.
    pub encode: Option<EnumId>,
}

/// An `enum` definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnumType {
    /// Type name.
    pub name: String,
    /// Entries in declaration order.
    pub entries: Vec<EnumEntry>,
}

/// One entry of an [`EnumType`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnumEntry {
    /// Entry name.
    pub name: String,
    /// Encoded value.
    pub value: u64,
    /// `name` property, if any.
    pub display_name: Option<String>,
    /// `desc` property, if any.
    pub desc: Option<String>,
}

/// A `property NAME { type = ...; component = ...; default = ...; };` declaration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PropertyDecl {
    /// Property name.
    pub name: String,
    /// Value type.
    pub ty: UdpType,
    /// Component kinds it may be assigned to.
    pub components: Vec<ComponentKind>,
    /// Default value, if declared.
    pub default: Option<UdpValue>,
    /// Whether it may only be set in the definition (`constraint = componentwidth`
    /// is not supported; this is always false today and kept for the schema).
    pub constrained: bool,
}

/// Component kinds of SystemRDL.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ComponentKind {
    /// `addrmap`
    Addrmap,
    /// `regfile`
    Regfile,
    /// `reg`
    Reg,
    /// `field`
    Field,
    /// `mem`
    Mem,
    /// `signal`
    Signal,
}

/// Type of a user-defined property value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UdpType {
    /// `boolean`
    Boolean,
    /// `string`
    String,
    /// `number` / `longint unsigned` / `bit`
    Number,
    /// `accesstype`
    AccessType,
    /// `onreadtype`
    OnReadType,
    /// `onwritetype`
    OnWriteType,
    /// `addressingtype`
    AddressingType,
    /// A user `struct`, by its name.
    Struct(String),
    /// `ref` or a component-kind reference type (`reg`, `field`, ...).
    Ref(Option<ComponentKind>),
    /// A user `enum`.
    Enum(EnumId),
    /// `T[]`
    Array(Box<UdpType>),
}

/// A user-defined property value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UdpValue {
    /// Boolean.
    Bool(bool),
    /// Number.
    Number(u64),
    /// String.
    String(String),
    /// Access type.
    AccessType(AccessType),
    /// `onread` type.
    OnRead(OnRead),
    /// `onwrite` type.
    OnWrite(OnWrite),
    /// Enum literal: the enum and the entry index.
    Enum {
        /// Enumeration.
        ty: EnumId,
        /// Entry index in [`EnumType::entries`].
        entry: usize,
    },
    /// Addressing type.
    Addressing(Addressing),
    /// Reference to a component instance.
    Ref(ComponentRef),
    /// Array value.
    Array(Vec<UdpValue>),
    /// A struct literal: its type name and the members in declaration order.
    Struct {
        /// The struct type.
        ty: String,
        /// Member names and values.
        members: Vec<(String, UdpValue)>,
    },
}

/// A resolved reference to an instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ComponentRef {
    /// A register.
    Reg(RegId),
    /// A field.
    Field(FieldRef),
    /// An addrmap, regfile or mem.
    Block(BlockId),
    /// A signal.
    Signal(SignalId),
    /// A property reference (`f->anded`, `r->intr`).
    Property(Source),
}

/// A UDP value set on a component.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UdpAssignment {
    /// Property name.
    pub name: String,
    /// Value.
    pub value: UdpValue,
}

impl RegisterMap {
    /// The register with this id.
    pub fn reg(&self, id: RegId) -> &Register {
        &self.registers[id.0]
    }

    /// The field this reference names.
    pub fn field(&self, r: FieldRef) -> &Field {
        &self.registers[r.reg.0].fields[r.field]
    }

    /// The layout with this id.
    pub fn layout(&self, id: LayoutId) -> &Layout {
        &self.layouts[id.0]
    }

    /// Registers with their ids, in address order.
    pub fn iter(&self) -> impl Iterator<Item = (RegId, &Register)> {
        self.registers
            .iter()
            .enumerate()
            .map(|(i, r)| (RegId(i), r))
    }

    /// The register whose path is `path`.
    pub fn find(&self, path: &str) -> Option<RegId> {
        self.registers
            .iter()
            .position(|r| r.path == path)
            .map(RegId)
    }

    /// The block with this id.
    pub fn block(&self, id: BlockId) -> &Block {
        &self.blocks[id.0]
    }

    /// The signal with this id.
    pub fn signal(&self, id: SignalId) -> &Signal {
        &self.signals[id.0]
    }

    /// Blocks with their ids, parents first.
    pub fn iter_blocks(&self) -> impl Iterator<Item = (BlockId, &Block)> {
        self.blocks.iter().enumerate().map(|(i, b)| (BlockId(i), b))
    }

    /// The register containing byte `address`, if any.
    pub fn at(&self, address: u64) -> Option<RegId> {
        // Registers are sorted by address; only the legal read-only/write-only pairs
        // (`Feature::Overlap`) share addresses, so the candidate is the last one
        // starting at or below the address.
        let i = self.registers.partition_point(|r| r.address <= address);
        let reg = self.registers.get(i.checked_sub(1)?)?;
        (address < reg.address + reg.size_bytes()).then_some(RegId(i - 1))
    }

    /// `path.field` spelled for humans, e.g. `smmuv3.ns.cr0.cmdqen`.
    pub fn field_path(&self, r: FieldRef) -> String {
        format!("{}.{}", self.reg(r.reg).path, self.field(r).name)
    }

    /// Every implementation-defined field, in address then bit order.
    pub fn impl_defined_fields(&self) -> impl Iterator<Item = FieldRef> + '_ {
        self.iter().flat_map(|(id, r)| {
            r.fields
                .iter()
                .enumerate()
                .filter(|(_, f)| f.impl_defined)
                .map(move |(field, _)| FieldRef { reg: id, field })
        })
    }
}

/// A SystemRDL behaviour or structure that not every back end implements yet.
///
/// [`RegisterMap::features`] lists the ones a map uses; a back end calls
/// [`RegisterMap::require`] with the ones it implements and refuses the map with the
/// first one missing (design.md 6: "a back end that meets a unit it does not implement
/// refuses with a diagnostic naming it, never emits something approximate"). Facts
/// that change no behaviour (names, `hdl_path`, `dontcompare`, signals nothing
/// references) are not features, nor is the bit order of a [`Field::reversed`] field,
/// which every back end implements.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// A register wider than 64 bits.
    WideRegister,
    /// An `external` register (or one inside an external regfile).
    ExternalRegister,
    /// An `external` regfile or addrmap.
    ExternalBlock,
    /// A `mem` and its virtual registers.
    Memory,
    /// An `alias` register.
    AliasRegister,
    /// Registers sharing addresses (a read-only and a write-only register, SystemRDL
    /// 2.0 10.1-h), fields sharing bits (10.1-d), or a `bridge` addrmap's children.
    Overlap,
    /// A `counter` field.
    Counter,
    /// An `intr` field and its register's `intr`/`halt` outputs.
    Interrupt,
    /// A `sticky` or `stickybit` field that is not an interrupt.
    Sticky,
    /// `hwenable` / `hwmask`.
    HwMask,
    /// `we`, `wel`, `hwset`, `hwclr`, `next` or `reset` given as a reference.
    ReferencedControl,
    /// `swwe`/`swwel` as an input, a signal or a property reference.
    SwWriteEnable,
    /// A field reset by a named signal (`resetsignal` or a `field_reset` signal).
    ResetSignal,
    /// `paritycheck`.
    ParityCheck,
    /// `anded`, `ored` or `xored` outputs.
    Reduction,
    /// `shared` registers.
    SharedRegister,
    /// `rsvdset` / `rsvdsetX`: unused bits do not read as 0.
    ReservedSet,
    /// `bigendian`.
    BigEndian,
    /// A register whose address is not a multiple of its access width (SystemRDL
    /// allows it; a bus access then straddles two words).
    UnalignedRegister,
}

impl Feature {
    /// What it is, for a refusal message.
    pub const fn describe(self) -> &'static str {
        match self {
            Feature::WideRegister => "registers wider than 64 bits",
            Feature::ExternalRegister => "external registers",
            Feature::ExternalBlock => "external regfiles and addrmaps",
            Feature::Memory => "memories (`mem`)",
            Feature::AliasRegister => "alias registers",
            Feature::Overlap => "overlapping registers or fields",
            Feature::Counter => "counter fields",
            Feature::Interrupt => "interrupt fields",
            Feature::Sticky => "sticky fields",
            Feature::HwMask => "`hwenable`/`hwmask`",
            Feature::ReferencedControl => {
                "`we`/`wel`/`hwset`/`hwclr`/`next`/`reset` given as references"
            }
            Feature::SwWriteEnable => "`swwe`/`swwel` as inputs, signals or property references",
            Feature::ResetSignal => "fields reset by a named signal",
            Feature::ParityCheck => "`paritycheck`",
            Feature::Reduction => "`anded`/`ored`/`xored` outputs",
            Feature::SharedRegister => "`shared` registers",
            Feature::ReservedSet => "`rsvdset`/`rsvdsetX`",
            Feature::BigEndian => "big-endian address maps",
            Feature::UnalignedRegister => "registers not aligned to their access width",
        }
    }
}

/// A back end's refusal of a map: the first [`Feature`] it does not implement, and
/// where the map uses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsupported {
    /// The back end (`Verilog`, `the Rust register file`, ...).
    pub back_end: String,
    /// What it lacks.
    pub feature: Feature,
    /// The first register, field or block that uses it.
    pub path: String,
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} does not implement {} yet (`{}` uses them)",
            self.back_end,
            self.feature.describe(),
            self.path
        )
    }
}

impl std::error::Error for Unsupported {}

impl RegisterMap {
    /// Every [`Feature`] the map uses, each with the path of its first user.
    pub fn features(&self) -> std::collections::BTreeMap<Feature, String> {
        let mut out = std::collections::BTreeMap::new();
        let mut note = |f: Feature, path: &dyn Fn() -> String| {
            out.entry(f).or_insert_with(path);
        };
        for (_, b) in self.iter_blocks() {
            let path = || b.path.clone();
            match b.kind {
                BlockKind::Mem => note(Feature::Memory, &path),
                _ if b.declared_external => note(Feature::ExternalBlock, &path),
                _ => {}
            }
            if b.bridge {
                note(Feature::Overlap, &path);
            }
            if b.rsvdset || b.rsvdset_x {
                note(Feature::ReservedSet, &path);
            }
            if b.endianness == Some(Endianness::Big) {
                note(Feature::BigEndian, &path);
            }
        }
        let mut reach: Option<(u64, u64)> = None;
        for r in &self.registers {
            let path = || r.path.clone();
            if r.width > 64 {
                note(Feature::WideRegister, &path);
            }
            if !r
                .address
                .is_multiple_of(u64::from(r.access_width / 8).max(1))
            {
                note(Feature::UnalignedRegister, &path);
            }
            if r.external {
                note(Feature::ExternalRegister, &path);
            }
            if r.alias_of.is_some() {
                note(Feature::AliasRegister, &path);
            }
            if r.shared {
                note(Feature::SharedRegister, &path);
            }
            // Registers are sorted by address: an overlap starts before the furthest
            // end seen so far.
            let end = r.address.saturating_add(r.size_bytes());
            if reach.is_some_and(|(_, far)| r.address < far) && r.alias_of.is_none() {
                note(Feature::Overlap, &path);
            }
            if reach.is_none_or(|(_, far)| end > far) {
                reach = Some((r.address, end));
            }
            let mut bits_reach: Option<u32> = None;
            for f in &r.fields {
                let path = || format!("{}.{}", r.path, f.name);
                if bits_reach.is_some_and(|far| f.lsb <= far) {
                    note(Feature::Overlap, &path);
                }
                bits_reach = Some(bits_reach.map_or(f.msb, |far| far.max(f.msb)));
                if f.counter.is_some() {
                    note(Feature::Counter, &path);
                }
                if f.interrupt.is_some() {
                    note(Feature::Interrupt, &path);
                } else if f.sticky || f.stickybit {
                    note(Feature::Sticky, &path);
                }
                if f.hw_mask.is_some() {
                    note(Feature::HwMask, &path);
                }
                if f.hw_enable_from.is_some()
                    || f.hwset_from.is_some()
                    || f.hwclr_from.is_some()
                    || f.next.is_some()
                    || f.reset_from.is_some()
                {
                    note(Feature::ReferencedControl, &path);
                }
                if f.sw_write_enable.is_some() {
                    note(Feature::SwWriteEnable, &path);
                }
                if f.resetsignal.is_some() {
                    note(Feature::ResetSignal, &path);
                }
                if f.paritycheck {
                    note(Feature::ParityCheck, &path);
                }
                if f.outputs.iter().any(|o| {
                    matches!(
                        o,
                        FieldOutput::Anded | FieldOutput::Ored | FieldOutput::Xored
                    )
                }) {
                    note(Feature::Reduction, &path);
                }
            }
        }
        out
    }

    /// `Ok` if `back_end` implements every feature the map uses (`supported`), else
    /// the first one it lacks.
    pub fn require(&self, back_end: &str, supported: &[Feature]) -> Result<(), Unsupported> {
        match self
            .features()
            .into_iter()
            .find(|(f, _)| !supported.contains(f))
        {
            None => Ok(()),
            Some((feature, path)) => Err(Unsupported {
                back_end: back_end.to_owned(),
                feature,
                path,
            }),
        }
    }
}

/// A value of a register of any width: 64-bit words, least significant first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Bits(pub Vec<u64>);

impl Bits {
    /// All zeros, `width` bits.
    pub fn zero(width: u32) -> Bits {
        Bits(vec![0; width.div_ceil(64).max(1) as usize])
    }

    /// ORs `value` (right-aligned, at most 64 bits wide) in at bit `lsb`.
    pub fn or_at(&mut self, lsb: u32, value: u64) {
        let (word, shift) = ((lsb / 64) as usize, lsb % 64);
        if let Some(w) = self.0.get_mut(word) {
            *w |= value << shift;
        }
        if shift != 0 {
            if let Some(w) = self.0.get_mut(word + 1) {
                *w |= value >> (64 - shift);
            }
        }
    }

    /// The value as one word, if it fits.
    pub fn to_u64(&self) -> Option<u64> {
        match self.0.as_slice() {
            [] => Some(0),
            [w, rest @ ..] if rest.iter().all(|&x| x == 0) => Some(*w),
            _ => None,
        }
    }
}

impl Register {
    /// Whether the register is wider than 64 bits (its `u64` helpers then cover
    /// bits 0 to 63 only; use [`Register::bits_where`] and [`Register::reset_bits`]).
    pub const fn is_wide(&self) -> bool {
        self.width > 64
    }

    /// [`Register::mask_where`] for a register of any width.
    pub fn bits_where(&self, pred: impl Fn(&Field) -> bool) -> Bits {
        let mut b = Bits::zero(self.width);
        for f in self.fields.iter().filter(|f| pred(f)) {
            b.or_at(f.lsb, f.value_mask());
        }
        b
    }

    /// [`Register::reset_value`] for a register of any width.
    pub fn reset_bits(&self) -> Bits {
        let mut b = Bits::zero(self.width);
        for f in &self.fields {
            b.or_at(f.lsb, f.reset.unwrap_or(0) & f.value_mask());
        }
        b
    }

    /// Whether the register has an interrupt output (`reg->intr`).
    pub fn has_output(&self, o: RegisterOutput) -> bool {
        self.outputs.contains(&o)
    }
}

impl Register {
    /// Size in bytes.
    pub const fn size_bytes(&self) -> u64 {
        (self.width / 8) as u64
    }

    /// Mask of all bits with `width` ones.
    pub const fn width_mask(&self) -> u64 {
        crate::access::ones(self.width)
    }

    /// OR of the in-register masks of the fields that satisfy `pred`.
    pub fn mask_where(&self, pred: impl Fn(&Field) -> bool) -> u64 {
        self.fields
            .iter()
            .filter(|f| pred(f))
            .fold(0, |m, f| m | f.mask())
    }

    /// Bits covered by a field; everything else is RES0.
    pub fn defined_mask(&self) -> u64 {
        self.mask_where(|_| true)
    }

    /// Value of the register after reset. Fields without a reset contribute 0
    /// (the architecture says UNKNOWN; twinreg picks 0 deterministically).
    pub fn reset_value(&self) -> u64 {
        // A reset is a field value (SystemRDL 2.0 9.5): placed in register bit order.
        self.fields
            .iter()
            .fold(0, |v, f| v | f.bits_of(f.reset.unwrap_or(0)))
    }

    /// The field named `name`.
    pub fn field_named(&self, name: &str) -> Option<(usize, &Field)> {
        self.fields.iter().enumerate().find(|(_, f)| f.name == name)
    }

    /// Number of `access_width` slices the register is made of (2 for a 64-bit
    /// register with 32-bit access width).
    pub const fn slices(&self) -> u32 {
        self.width / self.access_width
    }
}

impl Field {
    /// Width in bits.
    pub const fn width(&self) -> u32 {
        self.msb - self.lsb + 1
    }

    /// Right-aligned mask of the field's width.
    pub const fn value_mask(&self) -> u64 {
        crate::access::ones(self.width())
    }

    /// Mask of the field's bits within its register (bits 0 to 63 of a wide one).
    pub const fn mask(&self) -> u64 {
        match self.value_mask().checked_shl(self.lsb) {
            Some(m) => m,
            None => 0,
        }
    }

    /// Whether the field's value runs the other way round from its register bits
    /// (value bit 0 is register bit `msb`): [`Field::msb0`] and wider than one bit.
    pub const fn reversed(&self) -> bool {
        self.msb0 && self.msb > self.lsb
    }

    /// The register bit of value bit `i` (`i < width`): `lsb + i`, or `msb - i` for a
    /// [`Field::reversed`] field (SystemRDL 2.0 10.7).
    pub const fn value_bit(&self, i: u32) -> u32 {
        if self.reversed() {
            self.msb - i
        } else {
            self.lsb + i
        }
    }

    /// The field's value in register word `word` (bits 0 to 63), right-aligned.
    pub const fn value_in(&self, word: u64) -> u64 {
        crate::access::field_value_in(word, self.lsb, self.width(), self.reversed())
    }

    /// Field value `value` placed at the field's bits of a register word (bits above
    /// its width dropped).
    pub const fn bits_of(&self, value: u64) -> u64 {
        crate::access::field_bits_at(value, self.lsb, self.width(), self.reversed())
    }

    /// Whether hardware can change the stored value (hw write, hwset/hwclr, or an
    /// ACK mirror / update completion driven by the register file).
    pub fn hw_updates(&self) -> bool {
        self.next_value.iter().any(|n| n.is_hardware())
    }
}

/// Completion of ACK mirrors and update handshakes chosen for a generated artefact.
///
/// Not part of the map itself: it is a back-end option, recorded here so every back
/// end uses the same name and default.
pub const DEFAULT_COMPLETION: Completion = Completion::Immediate;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_span_words() {
        let mut b = Bits::zero(128);
        assert_eq!(b.0.len(), 2);
        b.or_at(60, 0xFF);
        assert_eq!(b.0, [0xF000_0000_0000_0000, 0xF]);
        b.or_at(64, 1);
        assert_eq!(b.0, [0xF000_0000_0000_0000, 0xF]);
        b.or_at(127, 1);
        assert_eq!(b.0[1], 0x8000_0000_0000_000F);
        assert_eq!(b.to_u64(), None);
        let mut small = Bits::zero(32);
        small.or_at(4, 0b101);
        assert_eq!(small.to_u64(), Some(0x50));
        // Beyond the last word: ignored, not a panic.
        small.or_at(200, 1);
        assert_eq!(small.to_u64(), Some(0x50));
    }

    #[test]
    fn limits_of_counters() {
        assert_eq!(CounterLimit::Extreme.constant(4, true), Some(15));
        assert_eq!(CounterLimit::Extreme.constant(4, false), Some(0));
        assert_eq!(CounterLimit::Value(9).constant(4, true), Some(9));
        let r = CounterLimit::Ref(Source::Signal(SignalId(0)));
        assert_eq!(r.constant(4, true), None);
    }
}
