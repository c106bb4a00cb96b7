//! The elaborated register map: plain, fully resolved data.
//!
//! Every back end (Rust register file, Verilog, C header, docs, JSON dump) is a pass
//! over [`RegisterMap`]. Elaboration has already decided everything a back end needs:
//! absolute addresses, bit ranges, resolved access types and resets, the security bank
//! of each register, guards expanded to concrete fields (control bit *and* its ACK),
//! ACK-mirror pairs, and which registers share one definition across banks. A back end
//! that finds itself computing one of these is a bug in the IR, not in the back end.

use serde::{Deserialize, Serialize};

use crate::access::{
    AccessType, Completion, HwEnable, NextValue, OnRead, OnWrite, Precedence, ReadRule, WriteGate,
    WriteRule,
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
    /// `regwidth` in bits (8, 16, 32 or 64).
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
    /// User-defined property values set on this instance (after inheritance).
    pub udps: Vec<UdpAssignment>,
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
    /// Reference to a component instance.
    Ref(ComponentRef),
    /// Array value.
    Array(Vec<UdpValue>),
}

/// A resolved reference to an instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ComponentRef {
    /// A register.
    Reg(RegId),
    /// A field.
    Field(FieldRef),
    /// Any other component (addrmap, regfile), by hierarchical path.
    Path(String),
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

    /// The register containing byte `address`, if any.
    pub fn at(&self, address: u64) -> Option<RegId> {
        // Registers are sorted and never overlap, so the candidate is the last one
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
        self.fields
            .iter()
            .fold(0, |v, f| v | (f.reset.unwrap_or(0) << f.lsb) & f.mask())
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

    /// Mask of the field's bits within its register.
    pub const fn mask(&self) -> u64 {
        self.value_mask() << self.lsb
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
