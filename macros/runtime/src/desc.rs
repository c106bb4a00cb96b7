//! Static descriptors: the IR's rules, flattened into `const` data.
//!
//! `register_file!` emits one [`MapDesc`] (`MAP`) per register file. Every rule of
//! the IR that the engine applies is here, already resolved: masks instead of bit
//! ranges, register indices instead of paths, the [`regdef::access`] units
//! themselves instead of the SystemRDL properties they came from. The engine
//! ([`crate::Core`]) never looks anything up by name and never allocates.
//!
//! The generator guarantees the invariants the engine relies on (indices in range,
//! masks inside the register width, field masks disjoint); these types are data,
//! not a validated API, and are public so that tools can walk a generated map.

use regdef::access::{ReadRule, WriteGate, WriteRule};
use regdef::ir::{FieldRef, GuardTerm, SecSid};

/// A whole register map, as generated.
#[derive(Debug)]
pub struct MapDesc {
    /// Type name of the top `addrmap` (`smmuv3`).
    pub top: &'static str,
    /// Every register instance, indexed like `RegisterMap::registers` (the IR's
    /// `RegId`).
    pub registers: &'static [RegDesc],
}

/// One register instance.
#[derive(Debug)]
pub struct RegDesc {
    /// Hierarchical path (`smmuv3.s.s_cr0`): the register's name in snapshots.
    pub path: &'static str,
    /// The generated type of its layout (`Cr0`), for `Debug` output.
    pub type_name: &'static str,
    /// Absolute byte address.
    pub address: u64,
    /// Width in bits: 32 or 64.
    pub width: u32,
    /// The bank that owns it.
    pub bank: SecSid,
    /// Register-level gates of a software access, in the IR's priority order.
    pub gates: &'static [WriteGate],
    /// Fields that must all be non-zero for the register to exist
    /// ([`WriteGate::Absent`]).
    pub present_when: &'static [FieldLoc],
    /// Index of the update-handshake field ([`WriteGate::UpdateHandshake`]).
    pub update_field: Option<usize>,
    /// Index of the register that acknowledges this one (CR0 -> CR0ACK).
    pub acked_by: Option<usize>,
    /// Bits of the acknowledging register that follow the same bits of this one
    /// (every CR0ACK field: the mirror is then one masked copy).
    pub ack_same_bits: u64,
    /// Whether the acknowledging register has a field that mirrors something other
    /// than the same bits of this register (its `mirrored` bits outside
    /// `ack_same_bits`): the mirror then copies those fields one by one.
    pub ack_elsewhere: bool,
    /// For an ACK register: the bits of its fields that mirror a control field.
    pub mirrored: u64,
    /// Present fields, in IR order (field indices are IR field indices).
    pub fields: &'static [FieldDesc],
    /// Indices of the fields a write cannot handle with the plain-store fast path
    /// (guards, write-once, singlepulse, or a rule other than `Store`).
    pub special: &'static [usize],
    /// When every `special` field is a `Store` with a guard and nothing else (no
    /// write-once, singlepulse or `swmod`; CMDQ_BASE, STRTAB_BASE): its fields grouped
    /// by guard. A write whose reached groups all pass their guard is then a masked
    /// store; otherwise the engine applies the fields one by one. Empty if not.
    pub guarded_stores: &'static [GuardGroup],
    /// Indices of the plain-store fields with a `swmod` strobe (CMDQ_PROD.WR: the
    /// command engine wakes on a write).
    pub plain_swmod: &'static [usize],
    /// The bits of the `plain_swmod` fields.
    pub plain_swmod_mask: u64,
    /// The `plain_swmod` fields as a field set (bit `i` for field `i`).
    pub plain_swmod_set: u64,
    /// Value after reset (impl-defined fields at their IR default).
    pub reset: u64,
    /// Bits covered by a field; every other bit is RES0.
    pub defined: u64,
    /// Bits a software read returns ([`ReadRule`] other than `Zero`).
    pub readable: u64,
    /// Fields whose software write is a plain store: `Store`, no guard, not
    /// write-once, no singlepulse (a `swmod` strobe does not change the value).
    pub plain: u64,
    /// Whether a read has a side effect or a strobe (`rclr`, `rset`, `swacc`).
    pub read_effects: bool,
    /// Bits of `impl_defined` fields.
    pub impl_defined: u64,
    /// Bits of fields nothing can change (no software write, read side effect,
    /// hardware input or completion): a snapshot must carry their value.
    pub constant: u64,
}

/// A field elsewhere in the map, with its mask for fast tests.
#[derive(Copy, Clone, Debug)]
pub struct FieldLoc {
    /// The field in IR terms.
    pub field: FieldRef,
    /// Its bits within its register.
    pub mask: u64,
}

impl FieldLoc {
    /// Index of the register holding the field.
    pub const fn reg(&self) -> usize {
        self.field.reg.0
    }
}

/// One term of a field's write guard, with the tested field's mask.
#[derive(Copy, Clone, Debug)]
pub struct Guard {
    /// The IR term (reported in effects).
    pub term: GuardTerm,
    /// The tested field's bits within its register.
    pub mask: u64,
}

impl Guard {
    /// Index of the register holding the tested field.
    pub const fn reg(&self) -> usize {
        self.term.field.reg.0
    }

    /// Whether the term admits a write, given the tested register's value.
    #[inline]
    pub const fn holds(&self, value: u64) -> bool {
        let set = value & self.mask != 0;
        set == self.term.when_set
    }
}

/// Fields of one register that share a guard and are plain stores once it holds
/// ([`RegDesc::guarded_stores`]).
#[derive(Copy, Clone, Debug)]
pub struct GuardGroup {
    /// The shared guard terms.
    pub guard: &'static [Guard],
    /// The bits of those fields.
    pub mask: u64,
}

/// One field of a register instance.
#[derive(Debug)]
pub struct FieldDesc {
    /// Instance name.
    pub name: &'static str,
    /// Least significant bit.
    pub lsb: u32,
    /// Width in bits.
    pub width: u32,
    /// The value is bit-reversed relative to the register bits (an msb0 field,
    /// `regdef::ir::Field::reversed`): convert with
    /// [`regdef::access::field_value`] / [`regdef::access::field_bits`].
    pub reversed: bool,
    /// Bits within the register.
    pub mask: u64,
    /// What a software read returns and does.
    pub read_rule: ReadRule,
    /// What a software write does to the stored bits.
    pub write_rule: WriteRule,
    /// Terms that must all hold for a software write to reach the field. Fields
    /// with the same terms share one slice (usually one allocation, which the engine
    /// then evaluates once).
    pub guard: &'static [Guard],
    /// `sw = w1 / rw1`: only the first software write after reset is taken.
    pub write_once: bool,
    /// `singlepulse`: a written 1 is a pulse; the field reads 0 afterwards.
    pub singlepulse: bool,
    /// `swmod`: hardware gets a strobe when software writes (or read-modifies) it.
    pub swmod: bool,
    /// `swacc`: hardware gets a strobe when software reads its word.
    pub swacc: bool,
    /// A hardware write input ([`regdef::access::NextValue::HwWrite`]).
    pub hw_write: bool,
    /// `hwset` input.
    pub hwset: bool,
    /// `hwclr` input.
    pub hwclr: bool,
    /// For an ACK field ([`regdef::access::NextValue::AckMirror`]): the control field
    /// it follows.
    pub acknowledges: Option<FieldLoc>,
    /// The update field of an update handshake
    /// ([`regdef::access::NextValue::UpdateComplete`]).
    pub update_complete: bool,
    /// `impl_defined`: its reset comes from the `ImplDefined` configuration.
    pub impl_defined: bool,
    /// Implementation-defined constants that must all be non-zero for the field to
    /// exist (the IR's `Field::present_when`); otherwise it is RES0. The engine
    /// evaluates them once per configuration ([`crate::Core::present`]).
    pub present_when: &'static [FieldLoc],
    /// Enumeration of its values, for `Debug` output.
    pub encode: Option<&'static EnumDesc>,
}

impl FieldDesc {
    /// The field's value in register word `word`, right-aligned (bit-reversed for a
    /// [`FieldDesc::reversed`] field, SystemRDL 2.0 10.7).
    pub const fn value_in(&self, word: u64) -> u64 {
        regdef::access::field_value_in(word, self.lsb, self.width, self.reversed)
    }

    /// Field value `value` at the field's bits of a register word (bits above its
    /// width dropped).
    pub const fn bits_of(&self, value: u64) -> u64 {
        regdef::access::field_bits_at(value, self.lsb, self.width, self.reversed)
    }
}

/// An enumeration, for `Debug` output.
#[derive(Debug)]
pub struct EnumDesc {
    /// The generated Rust type name.
    pub name: &'static str,
    /// `(value, variant name)` in declaration order.
    pub entries: &'static [(u64, &'static str)],
}

impl EnumDesc {
    /// The variant name of `value`, if it is an entry.
    pub fn name_of(&self, value: u64) -> Option<&'static str> {
        self.entries
            .iter()
            .find(|(v, _)| *v == value)
            .map(|&(_, n)| n)
    }
}

/// A field of a layout (the union over its instances), for `Debug` of typed values.
#[derive(Debug)]
pub struct LayoutField {
    /// Instance name.
    pub name: &'static str,
    /// Least significant bit.
    pub lsb: u32,
    /// Width in bits.
    pub width: u32,
    /// The value is bit-reversed relative to the register bits.
    pub reversed: bool,
    /// Enumeration, if any.
    pub encode: Option<&'static EnumDesc>,
}
