//! What an access did: small `Copy` values, built without allocation.
//!
//! The behaviour layer reacts to these instead of decoding offsets: a
//! [`WriteEffect`] names the register (as the generated `Reg`), its value before
//! and after, what stopped the write if anything, the ACK mirror or update
//! completion it caused and the strobes it fired.

use std::fmt;

use regdef::access::WriteGate;
use regdef::ir::GuardTerm;

use crate::policy::AccessError;

/// The generated register identity (`Reg`), as the runtime sees it.
pub trait RegisterId: Copy + Eq + fmt::Debug + 'static {
    /// The register with IR index `index` (`RegId.0`), if there is one.
    fn from_index(index: usize) -> Option<Self>;
    /// Its IR index (`RegId.0`).
    fn index(self) -> usize;
}

/// A set of field indices of one register (IR field order); a register has at most
/// 64 fields.
#[derive(Copy, Clone, Default, PartialEq, Eq, Hash)]
pub struct FieldSet(u64);

impl FieldSet {
    /// No field.
    pub const EMPTY: FieldSet = FieldSet(0);

    /// The set whose bit `i` stands for field `i`.
    pub const fn from_bits(bits: u64) -> FieldSet {
        FieldSet(bits)
    }

    /// Bit `i` set for field `i`.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// Whether field `index` is in the set.
    pub const fn contains(self, index: usize) -> bool {
        index < 64 && self.0 >> index & 1 != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Number of fields in the set.
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Adds field `index` (ignored past 63).
    pub(crate) fn insert(&mut self, index: usize) {
        if index < 64 {
            self.0 |= 1 << index;
        }
    }

    /// The field indices, ascending.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..64).filter(move |&i| self.contains(i))
    }
}

impl fmt::Debug for FieldSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// What happened to an access at register level.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Every register gate passed. A write may still have been stopped, field by
    /// field, by guards or spent write-once fields (see the effect).
    Applied,
    /// No register at the offset: RAZ/WI (IHI0070 6.2, undefined locations are RES0).
    Unmapped,
    /// The size/alignment policy refused the access ([`crate::policy`]): RAZ/WI.
    Refused(AccessError),
    /// A register gate refused it: RAZ/WI. For reads only the gates that gate reads
    /// ([`WriteGate::gates_reads`]) apply.
    Gated(WriteGate),
}

/// Why (part of) a write was not taken.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// No register at the offset.
    Unmapped,
    /// The size/alignment policy.
    Access(AccessError),
    /// A register gate, for the whole register.
    Gate(WriteGate),
    /// A guard term that did not hold, for the fields in [`WriteEffect::guarded`].
    Guard(GuardTerm),
    /// The fields in [`WriteEffect::once_spent`] were already written since reset.
    WriteOnce,
}

/// An ACK register that followed its control register ([`regdef::access::NextValue::AckMirror`]
/// with immediate completion).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Mirror<R> {
    /// The ACK register.
    pub reg: R,
    /// Its value before.
    pub old: u64,
    /// Its value after.
    pub new: u64,
}

/// The rarer parts of a [`WriteEffect`]: fields a guard or a spent write-once flag
/// stopped, and `singlepulse` strobes. Most writes have none of them, and then the
/// effect holds no `WriteExtras` at all (fewer stores per write). Each set here is
/// non-empty or `guard` is set: an effect with nothing of this holds `None`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteExtras {
    /// Fields the access covered whose guard did not hold (nothing written to them).
    pub guarded: FieldSet,
    /// The first guard term that did not hold (lowest field, term order), as the
    /// generated map holds it.
    pub guard: Option<&'static GuardTerm>,
    /// Write-once fields the access covered that had already been written.
    pub once_spent: FieldSet,
    /// `singlepulse` fields the write set: each pulsed once and reads 0 again.
    pub pulses: FieldSet,
}

/// What a software write did.
///
/// The common parts are fields; guards, spent write-once fields and pulses, which
/// most writes do not meet, are read through [`WriteEffect::guarded`],
/// [`WriteEffect::guard`], [`WriteEffect::once_spent`] and [`WriteEffect::pulses`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct WriteEffect<R> {
    /// The register's stored value before the write (0 if unmapped).
    pub old: u64,
    /// Its stored value after the write, completions included.
    pub new: u64,
    /// The register the offset decodes to, if any.
    pub reg: Option<R>,
    /// Register-level outcome.
    pub outcome: Outcome,
    /// The write completed an update handshake (GBPA.Update reads 0 again).
    pub update_completed: bool,
    /// `swmod` strobes: fields with `swmod` the write reached.
    pub swmod: FieldSet,
    /// The ACK register that followed the write (immediate completion).
    pub ack: Option<Mirror<R>>,
    /// Guards, spent write-once fields and pulses, if the write met any.
    pub(crate) extras: Option<WriteExtras>,
}

impl<R: RegisterId> WriteEffect<R> {
    /// The register, if every register gate passed: the behaviour layer's cue
    /// (CR0 written -> check enable transitions; CMDQ_PROD written -> consume).
    pub fn applied_to(&self) -> Option<R> {
        match self.outcome {
            Outcome::Applied => self.reg,
            _ => None,
        }
    }

    /// Whether the stored value changed.
    pub const fn changed(&self) -> bool {
        self.old != self.new
    }

    /// Bits that changed.
    pub const fn changed_bits(&self) -> u64 {
        self.old ^ self.new
    }

    /// Guards, spent write-once fields and pulses, if the write met any (`None`:
    /// every set below is empty and no guard failed).
    pub const fn extras(&self) -> Option<&WriteExtras> {
        self.extras.as_ref()
    }

    /// Fields the access covered whose guard did not hold (nothing written to them).
    pub fn guarded(&self) -> FieldSet {
        self.extras.map_or(FieldSet::EMPTY, |x| x.guarded)
    }

    /// The first guard term that did not hold (lowest field, term order), as the
    /// generated map holds it.
    pub fn guard(&self) -> Option<&'static GuardTerm> {
        self.extras.and_then(|x| x.guard)
    }

    /// Write-once fields the access covered that had already been written.
    pub fn once_spent(&self) -> FieldSet {
        self.extras.map_or(FieldSet::EMPTY, |x| x.once_spent)
    }

    /// `singlepulse` fields the write set: each pulsed once and reads 0 again.
    pub fn pulses(&self) -> FieldSet {
        self.extras.map_or(FieldSet::EMPTY, |x| x.pulses)
    }

    /// Why the write (or part of it) was not taken: the register-level reason,
    /// else the first guard term that failed, else spent write-once fields.
    pub fn rejection(&self) -> Option<Rejection> {
        match self.outcome {
            Outcome::Unmapped => Some(Rejection::Unmapped),
            Outcome::Refused(e) => Some(Rejection::Access(e)),
            Outcome::Gated(g) => Some(Rejection::Gate(g)),
            Outcome::Applied => match self.guard() {
                Some(&t) => Some(Rejection::Guard(t)),
                None if !self.once_spent().is_empty() => Some(Rejection::WriteOnce),
                None => None,
            },
        }
    }
}

/// What a software read did.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReadEffect<R> {
    /// The register the offset decodes to, if any.
    pub reg: Option<R>,
    /// Register-level outcome.
    pub outcome: Outcome,
    /// The value returned: the bytes the access covers, right-aligned.
    pub value: u64,
    /// The register's stored value before the read.
    pub old: u64,
    /// Its stored value after (differs only through `rclr` / `rset`).
    pub new: u64,
    /// Fields whose read side effect (`rclr`, `rset`) applied.
    pub side_effects: FieldSet,
    /// `swmod` strobes fired by those side effects.
    pub swmod: FieldSet,
    /// `swacc` strobes: fields with `swacc` in a word the read touched.
    pub swacc: FieldSet,
    /// The ACK register that followed a read side effect on a control field.
    pub ack: Option<Mirror<R>>,
}

impl<R: RegisterId> ReadEffect<R> {
    /// Whether the stored value changed.
    pub const fn changed(&self) -> bool {
        self.old != self.new
    }
}

/// What a hardware-side update did.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct HwEffect<R> {
    /// The register.
    pub reg: R,
    /// Its value before.
    pub old: u64,
    /// Its value after.
    pub new: u64,
    /// Fields a typed update asked to change that no hardware input can change that
    /// way (left as they were).
    pub refused: FieldSet,
    /// The ACK register that followed a change of a control field.
    pub ack: Option<Mirror<R>>,
}

impl<R> HwEffect<R> {
    /// Whether the stored value changed.
    pub fn changed(&self) -> bool {
        self.old != self.new
    }
}

/// A hardware input a field may lack.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum HwInput {
    /// A hardware write (`hw = w / rw`; an ACK field with handshake completion).
    Write,
    /// `hwset`.
    Set,
    /// `hwclr` (the update field with handshake completion).
    Clear,
}

impl fmt::Display for HwInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HwInput::Write => "a hardware write",
            HwInput::Set => "hwset",
            HwInput::Clear => "hwclr",
        })
    }
}

/// Why an index-based hardware update was refused.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum HwError {
    /// No register with this index.
    NoSuchRegister(usize),
    /// The register has no field with this index.
    NoSuchField {
        /// Register index.
        reg: usize,
        /// Field index.
        field: usize,
    },
    /// The field has no such hardware input (in this completion mode).
    NoInput {
        /// Register index.
        reg: usize,
        /// Field index.
        field: usize,
        /// The input that was asked for.
        input: HwInput,
    },
    /// The value does not fit the field.
    TooWide {
        /// Register index.
        reg: usize,
        /// Field index.
        field: usize,
        /// The value.
        value: u64,
        /// The field's width in bits.
        width: u32,
    },
}

impl fmt::Display for HwError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            HwError::NoSuchRegister(r) => write!(f, "no register with index {r}"),
            HwError::NoSuchField { reg, field } => {
                write!(f, "register {reg} has no field with index {field}")
            }
            HwError::NoInput { reg, field, input } => {
                write!(
                    f,
                    "field {field} of register {reg} has no input for {input}"
                )
            }
            HwError::TooWide {
                reg,
                field,
                value,
                width,
            } => write!(
                f,
                "value {value:#x} does not fit field {field} of register {reg} ({width} bits)"
            ),
        }
    }
}

impl std::error::Error for HwError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_sets() {
        let mut s = FieldSet::EMPTY;
        assert!(s.is_empty());
        s.insert(0);
        s.insert(5);
        s.insert(64);
        assert_eq!(s.bits(), 0b10_0001);
        assert_eq!(s.len(), 2);
        assert!(s.contains(5) && !s.contains(4) && !s.contains(64));
        assert_eq!(s.iter().collect::<Vec<_>>(), [0, 5]);
        assert_eq!(format!("{s:?}"), "{0, 5}");
    }
}
