//! The access behaviours, each defined once.
//!
//! Every software- or hardware-visible rule a register obeys is one small named unit
//! here: its meaning (a pure function on bits where it has one), its one-line
//! documentation, and its place in a fixed priority order. Elaboration attaches the
//! units that apply to each register and field ([`crate::ir::Register::write_gates`],
//! [`crate::ir::Field::read_rule`], [`crate::ir::Field::write_rule`],
//! [`crate::ir::Field::next_value`]); the Rust register file, the Verilog generator
//! and the docs each implement exactly these units, so they cannot drift apart.
//! `docs/access-units.md` lists them all with the SystemRDL properties they come from.
//!
//! Order of a software write (first rejection wins, nothing changes):
//! 1. [`WriteGate::Absent`] - the register's bank is not implemented;
//! 2. [`WriteGate::SecurityState`] - Non-secure access to a Secure register;
//! 3. [`WriteGate::UpdateHandshake`] - GBPA-style "Update=1 or ignored";
//! 4. per field: the [`crate::ir::GuardTerm`]s (control bit and its ACK bit, and
//!    `swwe`/`swwel` naming a field), then the field's
//!    [`crate::ir::Field::sw_write_enable`] (`swwe`/`swwel` as an input, a signal or
//!    a property reference; SystemRDL 2.0 9.6);
//! 5. per field: [`WriteRule`] (from `sw` and `onwrite`), then `singlepulse`;
//! 6. completions: [`NextValue::AckMirror`] and [`NextValue::UpdateComplete`].
//!
//! A software read: [`WriteGate::Absent`] and [`WriteGate::SecurityState`] make it
//! read as zero with no side effect; otherwise each field answers by its
//! [`ReadRule`], and RES0 bits read 0.
//!
//! An external register or block ([`crate::ir::Register::external`],
//! [`crate::ir::Block::external`]) holds no state in the generated block: the access is
//! forwarded as it is (request, write data and strobes out; read data and
//! acknowledgement in) and none of the field units below apply to it; the back end
//! only decodes its address range (SystemRDL 2.0 5.1.1.3 and 12.2).
//!
//! # The next value of a field
//!
//! Every cycle (RTL) or event (Rust register file), a field's stored value comes from
//! the first unit of [`crate::ir::Field::next_value`] whose condition holds; the list is
//! in priority order (SystemRDL 2.0 9.4.3, `precedence`), as PeakRDL-regblock orders its
//! field logic:
//!
//! 1. the side named by `precedence` first (software by default):
//!    software: [`NextValue::SwWrite`], [`NextValue::SwRead`];
//!    hardware: [`NextValue::AckMirror`], then the one hardware-write unit
//!    ([`NextValue::Sticky`], [`NextValue::StickyBits`] or [`NextValue::HwWrite`]),
//!    [`NextValue::HwSet`], [`NextValue::HwClr`], [`NextValue::UpdateComplete`];
//! 2. then the other side;
//! 3. [`NextValue::PulseEnd`] (a `singlepulse` field returns to 0);
//! 4. [`NextValue::CounterStep`] last: a counter's increment and decrement events apply
//!    to the value chosen above ([`counter_step`]), so a software write and an
//!    increment in one cycle both take effect.
//!
//! [`HwMaskKind`] (`hwenable` / `hwmask`) restricts [`NextValue::HwWrite`],
//! [`NextValue::HwSet`] and [`NextValue::HwClr`] to the enabled bits.
//!
//! # Hardware-facing outputs
//!
//! Besides its value, a field may drive [`FieldOutput`]s (strobes, reductions, counter
//! events, parity error) and a register with interrupt fields drives the
//! [`RegisterOutput`]s `intr` and `halt` ([`interrupt_pending`]).
//!
//! # Resets
//!
//! A field with a reset takes it when its reset signal is asserted: the field's
//! `resetsignal` (a [`crate::ir::Signal`], synchronous or asynchronous, active high or
//! low), else the map's default reset. The value is the constant
//! [`crate::ir::Field::reset`], or the value of [`crate::ir::Field::reset_from`] (a field
//! or a signal) at that moment.
//!
//! # Bit order of a field
//!
//! A field's value is a number; its bit `i` is register bit
//! [`crate::ir::Field::value_bit`]`(i)`. For a field written `[high:low]` (lsb0, the
//! usual case) that is `lsb + i`. For a field whose most significant bit has the
//! lower index ([`crate::ir::Field::reversed`]: written `[low:high]` or packed in an
//! `msb0` addrmap, SystemRDL 2.0 10.7) the order is the other way round: value bit 0
//! is register bit `msb`, value bit `width - 1` is register bit `lsb` (the reference
//! compiler reports such a field with `msb` below `lsb`). [`field_value`] and
//! [`field_bits`] convert between the right-aligned register bits of a field and its
//! value. Everything that names a field value uses the value order: its reset, a
//! hardware write or output, a counter, an encoding, a typed getter or setter. Only
//! the bus sees register bits: software write data and read data, and whole
//! register words.
//!
//! # Field presence
//!
//! A field may exist only while implementation-defined features are present
//! ([`crate::ir::Field::present_when`]): IHI0070 6.3.9 makes SMMU_CR0.VMW RES0 unless
//! SMMU_IDR0.VMW == 1, 6.3.12 makes SMMU_CR2.E2H RES0 unless SMMU_IDR0.HYP == 1, and
//! 6.3.19 makes the SMMU_GERROR.MSI_*_ABT_ERR bits RES0 unless SMMU_IDR0.MSI == 1.
//! [`presence_holds`] decides it; every back end then treats an absent field exactly
//! like RES0 bits: it reads 0, ignores software writes (no guard, write-once or
//! `swmod` effect either), takes no hardware update, and drives 0 on its RTL output.
//! The condition is conjunctive with the register's own ([`WriteGate::Absent`]).
//!
//! The terms are implementation-defined constants, fixed once a register file is
//! constructed (Rust) or elaborated (Verilog parameters), so a back end computes the
//! effective masks once ([`effective_mask`]) and its per-access paths are unchanged.

use serde::{Deserialize, Serialize};

/// `n` low bits set (`n` may be 64).
pub const fn ones(n: u32) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

/// `value` with its low `width` bits in the opposite order (bit 0 becomes bit
/// `width - 1`); bits above `width` are dropped.
pub const fn reverse_bits(value: u64, width: u32) -> u64 {
    if width == 0 {
        0
    } else if width >= 64 {
        value.reverse_bits()
    } else {
        (value & ones(width)).reverse_bits() >> (64 - width)
    }
}

/// The value of a field from its register bits, right-aligned (`raw`: the register
/// shifted down by the field's `lsb`): the bits as they are, or for a
/// [`crate::ir::Field::reversed`] field in the opposite order ("Bit order of a field"
/// above). Bits above `width` are dropped.
pub const fn field_value(raw: u64, width: u32, reversed: bool) -> u64 {
    if reversed {
        reverse_bits(raw, width)
    } else {
        raw & ones(width)
    }
}

/// The inverse of [`field_value`]: a field value as its register bits, right-aligned
/// (to be shifted up by the field's `lsb`).
pub const fn field_bits(value: u64, width: u32, reversed: bool) -> u64 {
    // Bit reversal is its own inverse.
    field_value(value, width, reversed)
}

/// The value of the field at register bits `lsb..lsb + width` of `word`
/// ([`field_value`] of those bits).
pub const fn field_value_in(word: u64, lsb: u32, width: u32, reversed: bool) -> u64 {
    let raw = match word.checked_shr(lsb) {
        Some(r) => r,
        None => 0,
    };
    field_value(raw, width, reversed)
}

/// Field value `value` placed at register bits `lsb..lsb + width` ([`field_bits`]
/// shifted up); bits above the width, or past bit 63, are dropped.
pub const fn field_bits_at(value: u64, lsb: u32, width: u32, reversed: bool) -> u64 {
    match field_bits(value, width, reversed).checked_shl(lsb) {
        Some(b) => b,
        None => 0,
    }
}

/// Whether a presence condition holds, given the values of its terms: every term
/// (an implementation-defined constant field) is non-zero.
///
/// One rule for both levels: a register's [`WriteGate::Absent`] (IHI0070 6.3.52-6.3.82,
/// the Secure bank "is present only when SMMU_S_IDR1.SECURE_IMPL == 1") and a field's
/// presence (see "Field presence" above). No term at all: present.
pub fn presence_holds(terms: impl IntoIterator<Item = u64>) -> bool {
    terms.into_iter().all(|v| v != 0)
}

/// The bits a field contributes to its register's effective masks (readable,
/// writable, hardware-updatable): its `mask` while present, nothing while absent,
/// so that an absent field is indistinguishable from RES0 bits.
pub const fn effective_mask(mask: u64, present: bool) -> u64 {
    if present {
        mask
    } else {
        0
    }
}

/// SystemRDL `accesstype` of the `sw` and `hw` properties.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessType {
    /// Read and write.
    Rw,
    /// Read only.
    R,
    /// Write only.
    W,
    /// Read, and write once after reset.
    Rw1,
    /// Write once after reset.
    W1,
    /// No access.
    Na,
}

impl AccessType {
    /// The SystemRDL spelling (`rw`, `r`, `w`, `rw1`, `w1`, `na`).
    pub const fn as_str(self) -> &'static str {
        match self {
            AccessType::Rw => "rw",
            AccessType::R => "r",
            AccessType::W => "w",
            AccessType::Rw1 => "rw1",
            AccessType::W1 => "w1",
            AccessType::Na => "na",
        }
    }

    /// Whether this side can read.
    pub const fn can_read(self) -> bool {
        matches!(self, AccessType::Rw | AccessType::R | AccessType::Rw1)
    }

    /// Whether this side can write (possibly only once).
    pub const fn can_write(self) -> bool {
        matches!(
            self,
            AccessType::Rw | AccessType::W | AccessType::Rw1 | AccessType::W1
        )
    }

    /// Whether writes are taken only once after reset (`w1`, `rw1`).
    ///
    /// Every back end keeps a hidden "written since reset" flag per such field. The
    /// flag is set by the first software write that *reaches* the field: every
    /// [`WriteGate`] and guard term passed and at least one of the field's bytes is
    /// covered by the access, whatever the value written. Later writes leave the field
    /// unchanged; reset clears the flag.
    pub const fn write_once(self) -> bool {
        matches!(self, AccessType::Rw1 | AccessType::W1)
    }
}

/// SystemRDL `onreadtype`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnRead {
    /// Clear on read (`rclr`).
    Rclr,
    /// Set on read (`rset`).
    Rset,
    /// User-defined read side effect (`ruser`): hardware sees `swacc`.
    Ruser,
}

impl OnRead {
    /// The SystemRDL spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            OnRead::Rclr => "rclr",
            OnRead::Rset => "rset",
            OnRead::Ruser => "ruser",
        }
    }
}

/// SystemRDL `onwritetype`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnWrite {
    /// Write 1 to set.
    Woset,
    /// Write 1 to clear.
    Woclr,
    /// Write 1 to toggle.
    Wot,
    /// Write 0 to set.
    Wzs,
    /// Write 0 to clear.
    Wzc,
    /// Write 0 to toggle.
    Wzt,
    /// Any write clears.
    Wclr,
    /// Any write sets.
    Wset,
    /// User-defined write behaviour: stored as written, hardware sees `swmod`.
    Wuser,
}

impl OnWrite {
    /// The SystemRDL spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            OnWrite::Woset => "woset",
            OnWrite::Woclr => "woclr",
            OnWrite::Wot => "wot",
            OnWrite::Wzs => "wzs",
            OnWrite::Wzc => "wzc",
            OnWrite::Wzt => "wzt",
            OnWrite::Wclr => "wclr",
            OnWrite::Wset => "wset",
            OnWrite::Wuser => "wuser",
        }
    }
}

/// SystemRDL `precedence`: who wins when software and hardware update a field in the
/// same cycle.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precedence {
    /// Software wins (the SystemRDL default).
    Sw,
    /// Hardware wins.
    Hw,
}

/// How hardware writes a field (SystemRDL `hw`, `we`, `wel`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HwEnable {
    /// Hardware does not write the value.
    None,
    /// Hardware drives the value every cycle (no enable): with `sw = r` the field is
    /// a wire, not storage.
    Continuous,
    /// Hardware writes when its write-enable input is 1 (`we`).
    We,
    /// Hardware writes when its write-enable input is 0 (`wel`).
    Wel,
}

/// When an ACK mirror or an update handshake completes. A back-end option: the Rust
/// register file and the RTL default to [`Completion::Immediate`] so that they agree
/// access by access; RTL can instead wait for a hardware handshake input.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Completion {
    /// The ACK equals the control value and an update bit clears as soon as the write
    /// is taken (what QEMU does; IHI0070 6.3.10 allows any finite delay).
    Immediate,
    /// Hardware completes them through the ACK field's write inputs and the update
    /// field's `hwclr` input.
    Handshake,
}

/// A register-level rule that can reject a software write (and, for the first two,
/// make a read return zero). Listed in [`crate::ir::Register::write_gates`] in
/// priority order.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteGate {
    /// The register exists only while its `present_when` field is non-zero
    /// (IHI0070 6.3.52-6.3.82: each SMMU_S_* register "is present only when
    /// SMMU_S_IDR1.SECURE_IMPL == 1", otherwise RES0).
    Absent,
    /// A Non-secure access to a Secure register is RAZ/WI (IHI0070 3.10, 6.2).
    SecurityState,
    /// The write is taken only while the update field reads 0 and only if it writes
    /// the update field to 1 (IHI0070 6.3.14, SMMU_GBPA; the only behaviour from
    /// SMMUv3.2).
    UpdateHandshake,
}

impl WriteGate {
    /// One line for documentation.
    pub const fn describe(self) -> &'static str {
        match self {
            WriteGate::Absent => {
                "RAZ/WI while the implementation-defined field that enables it is 0"
            }
            WriteGate::SecurityState => "Non-secure accesses read as zero and are ignored",
            WriteGate::UpdateHandshake => {
                "a write is taken only with Update=1 and while Update reads 0"
            }
        }
    }

    /// Whether this gate also makes a read return zero.
    pub const fn gates_reads(self) -> bool {
        matches!(self, WriteGate::Absent | WriteGate::SecurityState)
    }
}

/// What a software read of a field returns and does (after the register's gates).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadRule {
    /// Software cannot read the field (`sw` is `w`, `w1` or `na`): reads 0.
    Zero,
    /// Returns the value.
    Value,
    /// Returns the value, then clears the field (`rclr`).
    ValueThenClear,
    /// Returns the value, then sets every bit (`rset`).
    ValueThenSet,
}

impl ReadRule {
    /// The rule for a field with this `sw` access and `onread` behaviour.
    pub const fn for_field(sw: AccessType, onread: Option<OnRead>) -> ReadRule {
        if !sw.can_read() {
            return ReadRule::Zero;
        }
        match onread {
            Some(OnRead::Rclr) => ReadRule::ValueThenClear,
            Some(OnRead::Rset) => ReadRule::ValueThenSet,
            Some(OnRead::Ruser) | None => ReadRule::Value,
        }
    }

    /// The bits a read returns, given the field's stored bits (`mask` selects the
    /// field within the register).
    pub const fn returns(self, stored: u64, mask: u64) -> u64 {
        match self {
            ReadRule::Zero => 0,
            _ => stored & mask,
        }
    }

    /// The stored bits after the read.
    pub const fn after_read(self, stored: u64, mask: u64) -> u64 {
        match self {
            ReadRule::Zero | ReadRule::Value => stored,
            ReadRule::ValueThenClear => stored & !mask,
            ReadRule::ValueThenSet => stored | mask,
        }
    }

    /// Whether the read changes state.
    pub const fn has_side_effect(self) -> bool {
        matches!(self, ReadRule::ValueThenClear | ReadRule::ValueThenSet)
    }

    /// One line for documentation.
    pub const fn describe(self) -> &'static str {
        match self {
            ReadRule::Zero => "reads as zero",
            ReadRule::Value => "reads the value",
            ReadRule::ValueThenClear => "reads the value, then clears it",
            ReadRule::ValueThenSet => "reads the value, then sets it",
        }
    }
}

/// What a software write that passed every gate does to a field's stored bits.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteRule {
    /// Software cannot write (`sw = r` or `na`): the write is ignored.
    Ignore,
    /// The written value is stored.
    Store,
    /// Written 1s set bits (`woset`).
    SetOnes,
    /// Written 1s clear bits (`woclr`).
    ClearOnes,
    /// Written 1s toggle bits (`wot`).
    ToggleOnes,
    /// Written 0s set bits (`wzs`).
    SetZeros,
    /// Written 0s clear bits (`wzc`).
    ClearZeros,
    /// Written 0s toggle bits (`wzt`).
    ToggleZeros,
    /// Any write clears the field (`wclr`).
    ClearAll,
    /// Any write sets the field (`wset`).
    SetAll,
}

impl WriteRule {
    /// The rule for a field with this `sw` access and `onwrite` behaviour.
    pub const fn for_field(sw: AccessType, onwrite: Option<OnWrite>) -> WriteRule {
        if !sw.can_write() {
            return WriteRule::Ignore;
        }
        match onwrite {
            None | Some(OnWrite::Wuser) => WriteRule::Store,
            Some(OnWrite::Woset) => WriteRule::SetOnes,
            Some(OnWrite::Woclr) => WriteRule::ClearOnes,
            Some(OnWrite::Wot) => WriteRule::ToggleOnes,
            Some(OnWrite::Wzs) => WriteRule::SetZeros,
            Some(OnWrite::Wzc) => WriteRule::ClearZeros,
            Some(OnWrite::Wzt) => WriteRule::ToggleZeros,
            Some(OnWrite::Wclr) => WriteRule::ClearAll,
            Some(OnWrite::Wset) => WriteRule::SetAll,
        }
    }

    /// The stored bits after a write of `data`, for the bits selected by `mask`
    /// (the field, intersected with the bytes the access covers). Bits outside
    /// `mask` are returned unchanged.
    pub const fn apply(self, old: u64, data: u64, mask: u64) -> u64 {
        let new = match self {
            WriteRule::Ignore => old,
            WriteRule::Store => data,
            WriteRule::SetOnes => old | data,
            WriteRule::ClearOnes => old & !data,
            WriteRule::ToggleOnes => old ^ data,
            WriteRule::SetZeros => old | !data,
            WriteRule::ClearZeros => old & data,
            WriteRule::ToggleZeros => old ^ !data,
            WriteRule::ClearAll => 0,
            WriteRule::SetAll => u64::MAX,
        };
        (old & !mask) | (new & mask)
    }

    /// One line for documentation.
    pub const fn describe(self) -> &'static str {
        match self {
            WriteRule::Ignore => "writes are ignored",
            WriteRule::Store => "writes store the value",
            WriteRule::SetOnes => "writing 1 sets a bit",
            WriteRule::ClearOnes => "writing 1 clears a bit",
            WriteRule::ToggleOnes => "writing 1 toggles a bit",
            WriteRule::SetZeros => "writing 0 sets a bit",
            WriteRule::ClearZeros => "writing 0 clears a bit",
            WriteRule::ToggleZeros => "writing 0 toggles a bit",
            WriteRule::ClearAll => "any write clears the field",
            WriteRule::SetAll => "any write sets the field",
        }
    }

    /// Short access name used in tables (`RW`, `RO`, `W1C`, ...), given the read rule.
    pub const fn short_name(self, read: ReadRule) -> &'static str {
        match (self, read) {
            (WriteRule::Ignore, ReadRule::Zero) => "NA",
            (WriteRule::Ignore, ReadRule::ValueThenClear) => "RC",
            (WriteRule::Ignore, ReadRule::ValueThenSet) => "RS",
            (WriteRule::Ignore, _) => "RO",
            (WriteRule::Store, ReadRule::Zero) => "WO",
            (WriteRule::Store, ReadRule::ValueThenClear) => "WRC",
            (WriteRule::Store, _) => "RW",
            (WriteRule::SetOnes, _) => "W1S",
            (WriteRule::ClearOnes, _) => "W1C",
            (WriteRule::ToggleOnes, _) => "W1T",
            (WriteRule::SetZeros, _) => "W0S",
            (WriteRule::ClearZeros, _) => "W0C",
            (WriteRule::ToggleZeros, _) => "W0T",
            (WriteRule::ClearAll, _) => "WC",
            (WriteRule::SetAll, _) => "WS",
        }
    }
}

/// A source of a field's next stored value. [`crate::ir::Field::next_value`] lists the
/// ones that apply to a field, highest priority first (see "The next value of a field"
/// above, and [`NextValue::order`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextValue {
    /// A software write that passed every gate and guard, through the field's
    /// [`WriteRule`].
    SwWrite,
    /// The side effect of a software read (`rclr`, `rset`).
    SwRead,
    /// A hardware write (`hw = w/rw`), with its enable if it has one (`we`/`wel`: an
    /// input, or [`crate::ir::Field::hw_enable_from`]); the data is the field's input
    /// or [`crate::ir::Field::next`]; [`HwMaskKind`] limits the bits it changes.
    HwWrite,
    /// A multi-bit `sticky` field (SystemRDL 2.0 9.9): while the field is zero, a
    /// non-zero input is loaded whole; the field then holds until software clears it
    /// ([`sticky_word`]).
    Sticky,
    /// A `stickybit` field (SystemRDL 2.0 9.9, the default of an interrupt field):
    /// each input bit that is set (`level`) or has the field's [`Edge`] sets its bit,
    /// which holds until software clears it ([`sticky_bits`]).
    StickyBits,
    /// The `hwset` input (or [`crate::ir::Field::hwset_from`]) sets every bit.
    HwSet,
    /// The `hwclr` input (or [`crate::ir::Field::hwclr_from`]) clears every bit.
    HwClr,
    /// An ACK field follows the control field it acknowledges: at once with
    /// [`Completion::Immediate`], through [`NextValue::HwWrite`] with
    /// [`Completion::Handshake`] (IHI0070 6.3.10 CR0/CR0ACK).
    AckMirror,
    /// The update field of an update handshake clears when the update completes: at
    /// once with [`Completion::Immediate`], through `hwclr` with
    /// [`Completion::Handshake`].
    UpdateComplete,
    /// A `singlepulse` field returns to 0 one cycle after a written 1.
    PulseEnd,
    /// A counter's increment and decrement events (SystemRDL 2.0 9.8), applied last,
    /// to the value the units before it chose ([`counter_step`]).
    CounterStep,
}

/// Which sources of a next value a field has: the input of [`NextValue::order`].
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct NextSources {
    /// Software can write the field.
    pub sw_write: bool,
    /// A software read changes it (`rclr`, `rset`).
    pub sw_read_effect: bool,
    /// Hardware writes it (`hw = w/rw`).
    pub hw_write: bool,
    /// How a hardware write is captured: plainly, or sticky.
    pub capture: Capture,
    /// `hwset`.
    pub hwset: bool,
    /// `hwclr`.
    pub hwclr: bool,
    /// The field mirrors a control field (twinreg's `ack_of`).
    pub ack_mirror: bool,
    /// The field is the update bit of an update handshake (twinreg's
    /// `update_handshake`).
    pub update_complete: bool,
    /// `singlepulse`.
    pub singlepulse: bool,
    /// `counter` with at least one direction.
    pub counter: bool,
}

/// How a hardware write reaches a field's storage (SystemRDL 2.0 9.9 `sticky` and
/// `stickybit`, which interrupt fields default to).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capture {
    /// The input is stored as it is ([`NextValue::HwWrite`]).
    #[default]
    Plain,
    /// [`NextValue::Sticky`].
    Sticky,
    /// [`NextValue::StickyBits`].
    StickyBits,
}

impl NextValue {
    /// Whether this source is on the hardware side.
    pub const fn is_hardware(self) -> bool {
        matches!(
            self,
            NextValue::HwWrite
                | NextValue::Sticky
                | NextValue::StickyBits
                | NextValue::HwSet
                | NextValue::HwClr
                | NextValue::AckMirror
                | NextValue::UpdateComplete
                | NextValue::CounterStep
        )
    }

    /// One line for documentation.
    pub const fn describe(self) -> &'static str {
        match self {
            NextValue::SwWrite => "a software write",
            NextValue::SwRead => "the side effect of a software read",
            NextValue::HwWrite => "a hardware write",
            NextValue::Sticky => "a non-zero hardware input, loaded while the field is zero",
            NextValue::StickyBits => "hardware input bits (or edges), which stick",
            NextValue::HwSet => "hardware set (hwset)",
            NextValue::HwClr => "hardware clear (hwclr)",
            NextValue::AckMirror => "the control field it acknowledges",
            NextValue::UpdateComplete => "completion of the update",
            NextValue::PulseEnd => "end of a single pulse",
            NextValue::CounterStep => "counter increment and decrement",
        }
    }

    /// The ordered sources for a field with these properties.
    pub fn order(precedence: Precedence, s: NextSources) -> Vec<NextValue> {
        let software = [
            (s.sw_write, NextValue::SwWrite),
            (s.sw_read_effect, NextValue::SwRead),
        ];
        // An ACK mirror replaces the plain hardware write: with handshake completion
        // the back end realises it through the field's write inputs.
        let plain = s.hw_write && !s.ack_mirror;
        let hardware = [
            (s.ack_mirror, NextValue::AckMirror),
            (plain && s.capture == Capture::Plain, NextValue::HwWrite),
            (plain && s.capture == Capture::Sticky, NextValue::Sticky),
            (
                plain && s.capture == Capture::StickyBits,
                NextValue::StickyBits,
            ),
            (s.hwset, NextValue::HwSet),
            (s.hwclr && !s.update_complete, NextValue::HwClr),
            (s.update_complete, NextValue::UpdateComplete),
        ];
        let (first, second): (&[_], &[_]) = match precedence {
            Precedence::Sw => (&software, &hardware),
            Precedence::Hw => (&hardware, &software),
        };
        first
            .iter()
            .chain(second)
            .chain(&[
                (s.singlepulse, NextValue::PulseEnd),
                (s.counter, NextValue::CounterStep),
            ])
            .filter(|(applies, _)| *applies)
            .map(|&(_, n)| n)
            .collect()
    }
}

/// SystemRDL `hwenable` / `hwmask` (9.5): which bits a hardware update may change.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HwMaskKind {
    /// `hwenable`: bits whose enable bit is 1 are updated.
    Enable,
    /// `hwmask`: bits whose mask bit is 1 are left alone.
    Mask,
}

impl HwMaskKind {
    /// The bits an update may change, given the qualifier's value.
    pub const fn updatable(self, qualifier: u64) -> u64 {
        match self {
            HwMaskKind::Enable => qualifier,
            HwMaskKind::Mask => !qualifier,
        }
    }

    /// The stored bits after a hardware update to `new`, qualified by `qualifier`.
    pub const fn apply(self, old: u64, new: u64, qualifier: u64) -> u64 {
        let m = self.updatable(qualifier);
        (old & !m) | (new & m)
    }

    /// The SystemRDL property name.
    pub const fn as_str(self) -> &'static str {
        match self {
            HwMaskKind::Enable => "hwenable",
            HwMaskKind::Mask => "hwmask",
        }
    }
}

/// SystemRDL interrupt type (9.9): the modifier written before `intr`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InterruptType {
    /// `level intr` (the default): the input level sets the field.
    Level,
    /// `posedge intr`: a rising input sets it.
    Posedge,
    /// `negedge intr`: a falling input sets it.
    Negedge,
    /// `bothedge intr`: any input change sets it.
    Bothedge,
    /// `nonsticky intr`: the field follows the input.
    Nonsticky,
}

impl InterruptType {
    /// The SystemRDL spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            InterruptType::Level => "level",
            InterruptType::Posedge => "posedge",
            InterruptType::Negedge => "negedge",
            InterruptType::Bothedge => "bothedge",
            InterruptType::Nonsticky => "nonsticky",
        }
    }

    /// The input events that set a `stickybit` field of this type (a non-sticky or
    /// level field: the level).
    pub const fn edge(self) -> Edge {
        match self {
            InterruptType::Posedge => Edge::Posedge,
            InterruptType::Negedge => Edge::Negedge,
            InterruptType::Bothedge => Edge::Bothedge,
            InterruptType::Level | InterruptType::Nonsticky => Edge::Level,
        }
    }
}

/// The input events that set a [`NextValue::StickyBits`] field.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Edge {
    /// An input bit at 1.
    Level,
    /// An input bit going from 0 to 1 (the previous cycle's input is kept).
    Posedge,
    /// An input bit going from 1 to 0.
    Negedge,
    /// An input bit changing.
    Bothedge,
}

impl Edge {
    /// The bits that see an event, given this cycle's and the previous cycle's input.
    pub const fn events(self, input: u64, previous: u64) -> u64 {
        match self {
            Edge::Level => input,
            Edge::Posedge => input & !previous,
            Edge::Negedge => !input & previous,
            Edge::Bothedge => input ^ previous,
        }
    }
}

/// [`NextValue::Sticky`]: the stored value after a cycle with hardware input `input`
/// (`mask`: the field's bits, right-aligned).
pub const fn sticky_word(stored: u64, input: u64, mask: u64) -> u64 {
    if stored & mask == 0 && input & mask != 0 {
        input & mask
    } else {
        stored
    }
}

/// [`NextValue::StickyBits`]: the stored value after a cycle whose input `events`
/// ([`Edge::events`]) are set.
pub const fn sticky_bits(stored: u64, events: u64, mask: u64) -> u64 {
    stored | (events & mask)
}

/// What a counter does in one cycle: its increment and decrement amounts (0 when its
/// event is not asserted) and its saturation limits.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CounterCycle {
    /// Counter width in bits (1 to 64).
    pub width: u32,
    /// Amount added this cycle (`incrvalue`, or the `incrwidth` input), 0 without an
    /// increment event.
    pub incr: u64,
    /// Amount subtracted this cycle, 0 without a decrement event.
    pub decr: u64,
    /// `incrsaturate`: the value an increment may not exceed.
    pub incr_saturate: Option<u64>,
    /// `decrsaturate`: the value a decrement may not go below.
    pub decr_saturate: Option<u64>,
}

/// The result of [`counter_step`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CounterOutcome {
    /// The new value.
    pub value: u64,
    /// The increment wrapped past the maximum (`overflow`; never with saturation).
    pub overflow: bool,
    /// The decrement wrapped below zero (`underflow`; never with saturation).
    pub underflow: bool,
}

/// [`NextValue::CounterStep`]: `value` after one cycle of a counter (SystemRDL 2.0 9.8).
/// The increment applies first, then the decrement, each saturating at its limit or
/// wrapping modulo 2^width and reporting it, as PeakRDL-regblock's counters do.
pub const fn counter_step(value: u64, c: CounterCycle) -> CounterOutcome {
    let max = ones(c.width);
    let mut v = value & max;
    let mut overflow = false;
    let mut underflow = false;
    if c.incr != 0 {
        // u128 so that value + amount never wraps before the comparison.
        let sum = v as u128 + c.incr as u128;
        match c.incr_saturate {
            Some(limit) if sum > limit as u128 => v = limit,
            Some(_) => v = sum as u64,
            None => {
                overflow = sum > max as u128;
                v = (sum as u64) & max;
            }
        }
    }
    if c.decr != 0 {
        match c.decr_saturate {
            Some(limit) if (v as u128) < c.decr as u128 + limit as u128 => v = limit,
            Some(_) => v -= c.decr,
            None => {
                underflow = v < c.decr;
                v = v.wrapping_sub(c.decr) & max;
            }
        }
    }
    CounterOutcome {
        value: v,
        overflow,
        underflow,
    }
}

/// Whether a counter has reached its threshold: `incrthreshold` is reached at or above
/// the value, `decrthreshold` at or below it (SystemRDL 2.0 9.8.1).
pub const fn threshold_reached(value: u64, threshold: u64, up: bool) -> bool {
    if up {
        value >= threshold
    } else {
        value <= threshold
    }
}

/// Whether an interrupt field contributes to its register's `intr` (or, with the halt
/// qualifiers, `halt`) output (SystemRDL 2.0 9.9): some bit is set and, with `enable`,
/// enabled, or with `mask`, not masked.
pub const fn interrupt_pending(value: u64, qualifier: Option<(HwMaskKind, u64)>) -> bool {
    match qualifier {
        None => value != 0,
        Some((kind, q)) => value & kind.updatable(q) != 0,
    }
}

/// The even parity of a value: what `paritycheck` stores beside the field and
/// compares on every cycle (SystemRDL 2.0 9.10).
pub const fn parity(value: u64) -> bool {
    value.count_ones() % 2 == 1
}

/// A hardware-facing output of a field besides its value and its `swmod`/`swacc`
/// strobes ([`crate::ir::Field::swmod`], [`crate::ir::Field::swacc`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldOutput {
    /// `anded`: the AND of the field's bits.
    Anded,
    /// `ored`: the OR of the field's bits.
    Ored,
    /// `xored`: the XOR of the field's bits.
    Xored,
    /// `overflow`: a strobe when an increment wraps.
    Overflow,
    /// `underflow`: a strobe when a decrement wraps.
    Underflow,
    /// The counter is at or above its `incrthreshold`.
    IncrThreshold,
    /// The counter is at or below its `decrthreshold`.
    DecrThreshold,
    /// The counter is at or above its `incrsaturate` value.
    IncrSaturate,
    /// The counter is at or below its `decrsaturate` value.
    DecrSaturate,
    /// `paritycheck`: the stored parity does not match the value.
    ParityError,
}

impl FieldOutput {
    /// The SystemRDL property it comes from (`->name` references it).
    pub const fn as_str(self) -> &'static str {
        match self {
            FieldOutput::Anded => "anded",
            FieldOutput::Ored => "ored",
            FieldOutput::Xored => "xored",
            FieldOutput::Overflow => "overflow",
            FieldOutput::Underflow => "underflow",
            FieldOutput::IncrThreshold => "incrthreshold",
            FieldOutput::DecrThreshold => "decrthreshold",
            FieldOutput::IncrSaturate => "incrsaturate",
            FieldOutput::DecrSaturate => "decrsaturate",
            FieldOutput::ParityError => "paritycheck",
        }
    }
}

/// A hardware-facing output of a register (SystemRDL 2.0 10.8, the `intr` and `halt`
/// property references).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegisterOutput {
    /// The OR of the register's interrupt fields after `enable`/`mask`.
    Intr,
    /// The OR of the register's interrupt fields after `haltenable`/`haltmask`.
    Halt,
}

impl RegisterOutput {
    /// The SystemRDL spelling (`reg->intr`).
    pub const fn as_str(self) -> &'static str {
        match self {
            RegisterOutput::Intr => "intr",
            RegisterOutput::Halt => "halt",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reversed_fields_read_their_bits_the_other_way_round() {
        // y[6:9] of field_packing.rdl: value 0b0001 is register bit 9 (raw bit 3).
        assert_eq!(field_value(0b1000, 4, true), 0b0001);
        assert_eq!(field_value(0b1000, 4, false), 0b1000);
        assert_eq!(field_value(0b1101, 4, true), 0b1011);
        assert_eq!(field_bits(0b1011, 4, true), 0b1101);
        assert_eq!(field_value(0x1_0000_0001, 64, true), 0x8000_0000_8000_0000);
        assert_eq!(reverse_bits(0b110, 3), 0b011);
        assert_eq!(reverse_bits(0xFF, 0), 0);
        // Above the width: dropped, either order.
        assert_eq!(field_value(0b1_0001, 4, true), 0b1000);
        assert_eq!(field_value(0b1_0001, 4, false), 0b0001);
        for v in 0..64 {
            assert_eq!(field_bits(field_value(v, 6, true), 6, true), v);
        }
    }

    #[test]
    fn write_rules_touch_only_masked_bits() {
        let old = 0b1010_1010;
        let mask = 0b0000_1111;
        assert_eq!(WriteRule::Store.apply(old, 0xFF, mask), 0b1010_1111);
        assert_eq!(WriteRule::ClearOnes.apply(old, 0xFF, mask), 0b1010_0000);
        assert_eq!(WriteRule::SetOnes.apply(old, 0b0101, mask), 0b1010_1111);
        assert_eq!(WriteRule::ToggleOnes.apply(old, 0b0011, mask), 0b1010_1001);
        assert_eq!(WriteRule::SetZeros.apply(old, 0b1110, mask), 0b1010_1011);
        assert_eq!(WriteRule::ClearZeros.apply(old, 0b0111, mask), 0b1010_0010);
        assert_eq!(WriteRule::ToggleZeros.apply(old, 0b1100, mask), 0b1010_1001);
        assert_eq!(WriteRule::ClearAll.apply(old, 0xFF, mask), 0b1010_0000);
        assert_eq!(WriteRule::SetAll.apply(old, 0, mask), 0b1010_1111);
        assert_eq!(WriteRule::Ignore.apply(old, 0xFF, mask), old);
    }

    #[test]
    fn read_rules() {
        assert_eq!(ReadRule::Zero.returns(0xF0, 0xF0), 0);
        assert_eq!(ReadRule::ValueThenClear.returns(0xF5, 0xF0), 0xF0);
        assert_eq!(ReadRule::ValueThenClear.after_read(0xF5, 0xF0), 0x05);
        assert_eq!(ReadRule::ValueThenSet.after_read(0x05, 0xF0), 0xF5);
    }

    #[test]
    fn precedence_orders_groups() {
        let sw = NextValue::order(
            Precedence::Sw,
            NextSources {
                sw_write: true,
                hw_write: true,
                hwclr: true,
                ..NextSources::default()
            },
        );
        assert_eq!(
            sw,
            [NextValue::SwWrite, NextValue::HwWrite, NextValue::HwClr]
        );
        let hw = NextValue::order(
            Precedence::Hw,
            NextSources {
                sw_write: true,
                sw_read_effect: true,
                hw_write: true,
                singlepulse: true,
                ..NextSources::default()
            },
        );
        assert_eq!(
            hw,
            [
                NextValue::HwWrite,
                NextValue::SwWrite,
                NextValue::SwRead,
                NextValue::PulseEnd
            ]
        );
        let ack = NextValue::order(
            Precedence::Sw,
            NextSources {
                hw_write: true,
                ack_mirror: true,
                ..NextSources::default()
            },
        );
        assert_eq!(ack, [NextValue::AckMirror]);
        // An interrupt field: stickybit capture replaces the plain write; a counter's
        // step comes after everything else.
        let intr = NextValue::order(
            Precedence::Sw,
            NextSources {
                sw_write: true,
                hw_write: true,
                capture: Capture::StickyBits,
                hwset: true,
                counter: true,
                ..NextSources::default()
            },
        );
        assert_eq!(
            intr,
            [
                NextValue::SwWrite,
                NextValue::StickyBits,
                NextValue::HwSet,
                NextValue::CounterStep
            ]
        );
    }

    #[test]
    fn counters_wrap_or_saturate() {
        let c = |incr, decr, incr_saturate, decr_saturate| CounterCycle {
            width: 4,
            incr,
            decr,
            incr_saturate,
            decr_saturate,
        };
        let step = |v, cy| counter_step(v, cy);
        assert_eq!(
            step(14, c(3, 0, None, None)),
            CounterOutcome {
                value: 1,
                overflow: true,
                underflow: false
            }
        );
        assert_eq!(step(14, c(3, 0, Some(15), None)).value, 15);
        assert_eq!(step(10, c(3, 0, Some(12), None)).value, 12);
        assert!(!step(10, c(3, 0, Some(12), None)).overflow);
        assert_eq!(
            step(1, c(0, 2, None, None)),
            CounterOutcome {
                value: 15,
                overflow: false,
                underflow: true
            }
        );
        assert_eq!(step(3, c(0, 2, None, Some(2))).value, 2);
        assert_eq!(step(5, c(0, 2, None, Some(2))).value, 3);
        // Both in one cycle: +3 then -1.
        assert_eq!(step(5, c(3, 1, None, None)).value, 7);
        // 64-bit counters do not overflow the arithmetic.
        let wide = CounterCycle {
            width: 64,
            incr: 2,
            decr: 0,
            incr_saturate: Some(u64::MAX),
            decr_saturate: None,
        };
        assert_eq!(counter_step(u64::MAX - 1, wide).value, u64::MAX);
        assert!(threshold_reached(8, 8, true));
        assert!(!threshold_reached(9, 8, false));
    }

    #[test]
    fn sticky_units_and_qualifiers() {
        assert_eq!(sticky_word(0, 0b0110, 0xF), 0b0110);
        assert_eq!(sticky_word(0b0010, 0b0101, 0xF), 0b0010);
        assert_eq!(sticky_bits(0b0010, 0b0101, 0xF), 0b0111);
        assert_eq!(Edge::Posedge.events(0b0110, 0b0011), 0b0100);
        assert_eq!(Edge::Negedge.events(0b0110, 0b0011), 0b0001);
        assert_eq!(Edge::Bothedge.events(0b0110, 0b0011), 0b0101);
        assert_eq!(Edge::Level.events(0b0110, 0b0011), 0b0110);
        assert_eq!(InterruptType::Nonsticky.edge(), Edge::Level);
        assert_eq!(HwMaskKind::Enable.apply(0b1100, 0b0011, 0b0101), 0b1001);
        assert_eq!(HwMaskKind::Mask.apply(0b1100, 0b0011, 0b0101), 0b0110);
        assert!(interrupt_pending(0b10, None));
        assert!(!interrupt_pending(0b10, Some((HwMaskKind::Enable, 0b01))));
        assert!(!interrupt_pending(0b10, Some((HwMaskKind::Mask, 0b10))));
        assert!(interrupt_pending(0b11, Some((HwMaskKind::Mask, 0b10))));
        assert!(parity(0b1011));
        assert!(!parity(0b1001));
    }

    #[test]
    fn presence() {
        assert!(presence_holds([]));
        assert!(presence_holds([1, 0b10]));
        assert!(!presence_holds([1, 0]));
        assert_eq!(effective_mask(0x1C0, true), 0x1C0);
        assert_eq!(effective_mask(0x1C0, false), 0);
    }

    #[test]
    fn security_reach() {
        use crate::ir::SecSid::*;
        assert!(Secure.may_access(NonSecure));
        assert!(Secure.may_access(Secure));
        assert!(NonSecure.may_access(NonSecure));
        assert!(!NonSecure.may_access(Secure));
    }
}
