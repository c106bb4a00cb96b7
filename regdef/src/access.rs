//! The access behaviours, each defined once.
//!
//! Every software- or hardware-visible rule a register obeys is one small named unit
//! here: its meaning (a pure function on bits where it has one), its one-line
//! documentation, and its place in a fixed priority order. Elaboration attaches the
//! units that apply to each register and field ([`crate::ir::Register::write_gates`],
//! [`crate::ir::Field::read_rule`], [`crate::ir::Field::write_rule`],
//! [`crate::ir::Field::next_value`]); the Rust register file, the Verilog generator
//! and the docs each implement exactly these units, so they cannot drift apart.
//!
//! Order of a software write (first rejection wins, nothing changes):
//! 1. [`WriteGate::Absent`] - the register's bank is not implemented;
//! 2. [`WriteGate::SecurityState`] - Non-secure access to a Secure register;
//! 3. [`WriteGate::UpdateHandshake`] - GBPA-style "Update=1 or ignored";
//! 4. per field: the [`crate::ir::GuardTerm`]s (control bit and its ACK bit);
//! 5. per field: [`WriteRule`] (from `sw` and `onwrite`), then `singlepulse`;
//! 6. completions: [`NextValue::AckMirror`] and [`NextValue::UpdateComplete`].
//!
//! A software read: [`WriteGate::Absent`] and [`WriteGate::SecurityState`] make it
//! read as zero with no side effect; otherwise each field answers by its
//! [`ReadRule`], and RES0 bits read 0.
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
/// ones that apply to a field, highest priority first: the group of the side named by
/// `precedence` comes first, then the other side's group, then [`NextValue::PulseEnd`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextValue {
    /// A software write that passed every gate and guard, through the field's
    /// [`WriteRule`].
    SwWrite,
    /// The side effect of a software read (`rclr`, `rset`).
    SwRead,
    /// A hardware write (`hw = w/rw`), with its enable if it has one.
    HwWrite,
    /// The `hwset` input sets every bit.
    HwSet,
    /// The `hwclr` input clears every bit.
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
}

impl NextValue {
    /// Whether this source is on the hardware side.
    pub const fn is_hardware(self) -> bool {
        matches!(
            self,
            NextValue::HwWrite
                | NextValue::HwSet
                | NextValue::HwClr
                | NextValue::AckMirror
                | NextValue::UpdateComplete
        )
    }

    /// The ordered sources for a field with these properties.
    #[allow(clippy::too_many_arguments)]
    pub fn order(
        precedence: Precedence,
        sw_write: bool,
        sw_read_effect: bool,
        hw_write: bool,
        hwset: bool,
        hwclr: bool,
        ack_mirror: bool,
        update_complete: bool,
        singlepulse: bool,
    ) -> Vec<NextValue> {
        let software = [
            (sw_write, NextValue::SwWrite),
            (sw_read_effect, NextValue::SwRead),
        ];
        // An ACK mirror replaces the plain hardware write: with handshake completion
        // the back end realises it through the field's write inputs.
        let hardware = [
            (ack_mirror, NextValue::AckMirror),
            (hw_write && !ack_mirror, NextValue::HwWrite),
            (hwset, NextValue::HwSet),
            (hwclr && !update_complete, NextValue::HwClr),
            (update_complete, NextValue::UpdateComplete),
        ];
        let (first, second): (&[_], &[_]) = match precedence {
            Precedence::Sw => (&software, &hardware),
            Precedence::Hw => (&hardware, &software),
        };
        first
            .iter()
            .chain(second)
            .chain(&[(singlepulse, NextValue::PulseEnd)])
            .filter(|(applies, _)| *applies)
            .map(|&(_, n)| n)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            true,
            false,
            true,
            false,
            true,
            false,
            false,
            false,
        );
        assert_eq!(
            sw,
            [NextValue::SwWrite, NextValue::HwWrite, NextValue::HwClr]
        );
        let hw = NextValue::order(
            Precedence::Hw,
            true,
            true,
            true,
            false,
            false,
            false,
            false,
            true,
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
            false,
            false,
            true,
            false,
            false,
            true,
            false,
            false,
        );
        assert_eq!(ack, [NextValue::AckMirror]);
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
