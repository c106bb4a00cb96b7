//! The engine: storage and every access rule, applied from the descriptors.
//!
//! Each IR unit of [`regdef::access`] is applied at exactly one place here, through
//! the unit's own function where it has one ([`WriteRule::apply`],
//! [`ReadRule::returns`], [`ReadRule::after_read`], [`SecSid::may_access`]):
//!
//! | Unit | Where |
//! |---|---|
//! | [`WriteGate::Absent`], [`WriteGate::SecurityState`], [`WriteGate::UpdateHandshake`] | [`Core::gate_open`] |
//! | Field presence ([`regdef::access::presence_holds`]) | [`Core::present`], computed once by [`Core::new`]; a mask on the write and hardware paths |
//! | [`regdef::ir::GuardTerm`] | [`Core::guards_hold`] |
//! | [`WriteRule`], write-once, `singlepulse` ([`NextValue::PulseEnd`]) | [`Core::write`] |
//! | [`ReadRule`] | [`Core::read`] |
//! | [`NextValue::AckMirror`], [`NextValue::UpdateComplete`] | [`Core::mirror`], [`Core::write`] |
//! | [`NextValue::HwWrite`], [`NextValue::HwSet`], [`NextValue::HwClr`] | [`Core::hw_write_field`], [`Core::hw_set`], [`Core::hw_clr`], [`Core::hw_update`] |
//!
//! Events are handled one at a time (a software access, or one hardware update), so
//! the `precedence` of simultaneous software and hardware updates never arises.
//!
//! [`NextValue::PulseEnd`]: regdef::access::NextValue::PulseEnd
//! [`NextValue::AckMirror`]: regdef::access::NextValue::AckMirror
//! [`NextValue::UpdateComplete`]: regdef::access::NextValue::UpdateComplete
//! [`NextValue::HwWrite`]: regdef::access::NextValue::HwWrite
//! [`NextValue::HwSet`]: regdef::access::NextValue::HwSet
//! [`NextValue::HwClr`]: regdef::access::NextValue::HwClr

use regdef::access::{
    effective_mask, ones, presence_holds, Completion, ReadRule, WriteGate, WriteRule,
};
use regdef::ir::{GuardTerm, SecSid};

use crate::desc::{FieldDesc, Guard, MapDesc, RegDesc};
use crate::effect::{
    FieldSet, HwEffect, HwError, HwInput, Mirror, Outcome, ReadEffect, RegisterId, WriteEffect,
    WriteExtras,
};
use crate::policy::{self, Span};

/// The state of a register file of `N` registers: stored values, write-once flags
/// and the completion mode. Generated register files wrap one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Core<const N: usize> {
    /// Stored value of each register, by IR index.
    values: [u64; N],
    /// Per register, the bits of write-once fields that have been written.
    once: [u64; N],
    /// Per register, the bits of its fields whose presence conditions hold (every
    /// field of most registers). Derived from the implementation-defined values, which
    /// are constant after construction, so computed once: the access paths AND it into
    /// their masks, and absent fields are stored as 0, so reads need nothing more.
    present: [u64; N],
    /// Per register, whether its own presence conditions hold ([`WriteGate::Absent`]
    /// admits the access). Like `present`, a function of the implementation-defined
    /// values (elaboration accepts only such constants in `present_when`), so
    /// evaluated once.
    exists: [bool; N],
    /// How ACK mirrors and update handshakes complete.
    completion: Completion,
}

impl<const N: usize> Core<N> {
    /// Every register at its reset value, the implementation-defined bits of each
    /// `(register index, bits)` of `impl_defined` taken from `bits` (others at their IR
    /// default; unknown indices are ignored), and field presence evaluated on the
    /// result. These values are constant from here on.
    pub fn new(
        map: &'static MapDesc,
        completion: Completion,
        impl_defined: &[(usize, u64)],
    ) -> Self {
        debug_assert_eq!(map.registers.len(), N, "descriptor count");
        let mut values = [0; N];
        for (v, r) in values.iter_mut().zip(map.registers) {
            *v = r.reset;
        }
        for &(reg, bits) in impl_defined {
            if let (Some(v), Some(r)) = (values.get_mut(reg), map.registers.get(reg)) {
                *v = (*v & !r.impl_defined) | (bits & r.impl_defined);
            }
        }
        let mut core = Core {
            values,
            once: [0; N],
            present: [u64::MAX; N],
            exists: [true; N],
            completion,
        };
        core.apply_presence(map);
        core
    }

    /// Rebuilds a state from parts a snapshot has validated (absent fields hold 0).
    pub(crate) fn from_parts(
        map: &MapDesc,
        values: [u64; N],
        once: [u64; N],
        completion: Completion,
    ) -> Self {
        let mut core = Core {
            values,
            once,
            present: [u64::MAX; N],
            exists: [true; N],
            completion,
        };
        core.apply_presence(map);
        core
    }

    /// Field presence ("Field presence" in [`regdef::access`]): evaluates every field's
    /// `present_when` on the current implementation-defined values, records the
    /// present bits of each register, and clears the absent ones, which then behave as
    /// RES0; and the register-level conditions ([`WriteGate::Absent`]). Terms are
    /// never conditional themselves, so one pass suffices.
    fn apply_presence(&mut self, map: &MapDesc) {
        for (ri, r) in map.registers.iter().enumerate().take(N) {
            let present = r.fields.iter().fold(!r.defined, |m, f| {
                let holds =
                    presence_holds(f.present_when.iter().map(|p| self.value(p.reg()) & p.mask));
                m | effective_mask(f.mask, holds)
            });
            self.present[ri] = present;
            self.values[ri] &= present;
        }
        for (ri, r) in map.registers.iter().enumerate().take(N) {
            self.exists[ri] =
                presence_holds(r.present_when.iter().map(|p| self.value(p.reg()) & p.mask));
        }
    }

    /// Per register, the bits of its fields that are present (RES0 bits included):
    /// an absent field's bits are clear.
    pub const fn present(&self) -> &[u64; N] {
        &self.present
    }

    /// The completion mode.
    pub const fn completion(&self) -> Completion {
        self.completion
    }

    /// Stored value of register `reg` (0 for an unknown index).
    #[inline]
    pub fn value(&self, reg: usize) -> u64 {
        self.values.get(reg).copied().unwrap_or(0)
    }

    /// All stored values, by IR index.
    pub const fn values(&self) -> &[u64; N] {
        &self.values
    }

    /// Per register, the bits of write-once fields that have been written.
    pub const fn written_once(&self) -> &[u64; N] {
        &self.once
    }

    /// Value of field `field` of register `reg`, right-aligned.
    pub fn field_value(&self, map: &'static MapDesc, reg: usize, field: usize) -> Option<u64> {
        let f = map.registers.get(reg)?.fields.get(field)?;
        Some(f.value_in(*self.values.get(reg)?))
    }

    // ------------------------------------------------------------------ gates

    /// Whether `gate` admits an access to register `ri` (for [`WriteGate::UpdateHandshake`],
    /// a write of `data` over the bits `span.bytes`).
    #[inline]
    fn gate_open(
        &self,
        r: &RegDesc,
        ri: usize,
        gate: WriteGate,
        access: SecSid,
        span: &Span,
        data: u64,
    ) -> bool {
        match gate {
            // IHI0070 6.3.52-6.3.82: each Secure register "is present only when
            // SMMU_S_IDR1.SECURE_IMPL == 1", otherwise RES0.
            // Evaluated by `apply_presence`: the terms are constants.
            WriteGate::Absent => self.exists[ri],
            // IHI0070 3.10, 6.2: Non-secure accesses to Secure registers are RAZ/WI.
            WriteGate::SecurityState => access.may_access(r.bank),
            // IHI0070 6.3.14 (GBPA): taken only while Update reads 0 and only if the
            // write sets Update. A write that does not cover the bit cannot set it.
            WriteGate::UpdateHandshake => match r.update_field.and_then(|u| r.fields.get(u)) {
                Some(u) => {
                    self.values[ri] & u.mask == 0
                        && span.bytes & u.mask == u.mask
                        && data & u.mask == u.mask
                }
                None => false,
            },
        }
    }

    /// The first gate that refuses the access, if any. Reads pass only the gates
    /// that gate reads.
    #[inline(always)]
    fn refusing_gate(
        &self,
        r: &RegDesc,
        ri: usize,
        access: SecSid,
        write: Option<(&Span, u64)>,
    ) -> Option<WriteGate> {
        if r.gates.is_empty() {
            // Most registers have no gate: skip the call and the loop.
            return None;
        }
        self.first_refusing_gate(r, ri, access, write)
    }

    /// [`Core::refusing_gate`] for a register with gates, in IR order.
    #[inline(always)]
    fn first_refusing_gate(
        &self,
        r: &RegDesc,
        ri: usize,
        access: SecSid,
        write: Option<(&Span, u64)>,
    ) -> Option<WriteGate> {
        // A plain loop, not an iterator adapter: in a generated decoder arm the
        // gates are constants and the loop unrolls away.
        for &g in r.gates {
            let refuses = match write {
                Some((span, data)) => !self.gate_open(r, ri, g, access, span, data),
                None => g.gates_reads() && !self.gate_open(r, ri, g, access, &NO_SPAN, 0),
            };
            if refuses {
                return Some(g);
            }
        }
        None
    }

    /// The first guard term of `f` that does not hold, if any (terms read the
    /// stored values before the write, as the RTL reads its flops).
    #[inline(always)]
    fn guards_hold(&self, f: &'static FieldDesc) -> Result<(), &'static GuardTerm> {
        match first_failing(self, f.guard) {
            Some(g) => Err(&g.term),
            None => Ok(()),
        }
    }

    // ------------------------------------------------------------------ software
    //
    // `read_raw` / `write_raw` apply the rules into plain scalars; the public
    // functions build the effect in one struct literal at the end. Built field by
    // field on the stack and then copied, the effect cost more than the access
    // itself (store-forwarding stalls); as scalars, `read_value` keeps none of it.
    //
    // Reads have two entry points: `read` / `read_value` take the decoder's
    // `(index, identity)` and look the descriptor up; `read_value_at` takes the
    // descriptor itself. The generated `RegisterFile::read` calls it once per decoder
    // arm with the register's descriptor as a constant, so the compiler resolves every
    // descriptor test (gates, read effects, masks) at compile time and each arm keeps
    // only the rules its register has. Both run the same code below. Writes have one
    // entry point: a write returns a 96-byte effect, and specialised per arm it is too
    // large to inline into its caller; the effect is then returned through memory and
    // copied, which costs more than the specialisation saves.

    /// A software read of `size` bytes at `offset`, which the generated decoder
    /// mapped to `reg`: the register's IR index and identity (`None`: no register
    /// there). The decoder's jump table yields both, so no lookup is needed here.
    #[inline(always)]
    pub fn read<R: RegisterId>(
        &mut self,
        map: &'static MapDesc,
        reg: Option<(usize, R)>,
        offset: u64,
        size: u32,
        access: SecSid,
    ) -> ReadEffect<R> {
        let raw = self.read_raw(map, reg, offset, size, access);
        ReadEffect {
            reg: raw.reg,
            outcome: raw.outcome,
            value: raw.value,
            old: raw.old,
            new: raw.new,
            side_effects: raw.side_effects,
            swmod: raw.swmod,
            swacc: raw.swacc,
            ack: raw.ack.and_then(|m| m.typed()),
        }
    }

    /// [`Core::read`], returning only the value.
    #[inline(always)]
    pub fn read_value<R: RegisterId>(
        &mut self,
        map: &'static MapDesc,
        reg: Option<(usize, R)>,
        offset: u64,
        size: u32,
        access: SecSid,
    ) -> u64 {
        self.read_raw(map, reg, offset, size, access).value
    }

    /// [`Core::read_value`] of the register `reg`: its IR index, identity and
    /// descriptor, which must be `map.registers[index]` (the generated decoder passes
    /// it as a constant, so that each decoder arm is specialised to its register).
    #[inline(always)]
    pub fn read_value_at<R: RegisterId>(
        &mut self,
        map: &'static MapDesc,
        reg: (usize, R, &'static RegDesc),
        offset: u64,
        size: u32,
        access: SecSid,
    ) -> u64 {
        let mut raw = RawRead::default();
        if let Err(e) = policy::check(offset, size) {
            raw.outcome = Outcome::Refused(e);
            return raw.value;
        }
        self.read_raw_at(map, reg, offset, size, access, &mut raw);
        raw.value
    }

    #[inline(always)]
    fn read_raw<R: RegisterId>(
        &mut self,
        map: &'static MapDesc,
        reg: Option<(usize, R)>,
        offset: u64,
        size: u32,
        access: SecSid,
    ) -> RawRead<R> {
        let mut raw = RawRead::default();
        if let Err(e) = policy::check(offset, size) {
            raw.outcome = Outcome::Refused(e);
            return raw;
        }
        let Some((ri, id, r)) = reg.and_then(|(i, id)| Some((i, id, map.registers.get(i)?))) else {
            raw.outcome = Outcome::Unmapped;
            return raw;
        };
        self.read_raw_at(map, (ri, id, r), offset, size, access, &mut raw);
        raw
    }

    /// A read of a mapped register, after the size/alignment policy.
    #[inline(always)]
    fn read_raw_at<R: RegisterId>(
        &mut self,
        map: &'static MapDesc,
        (ri, id, r): (usize, R, &'static RegDesc),
        offset: u64,
        size: u32,
        access: SecSid,
        raw: &mut RawRead<R>,
    ) {
        raw.reg = Some(id);
        let span = match Span::new(r, offset, size) {
            Ok(s) => s,
            Err(e) => {
                raw.outcome = Outcome::Refused(e);
                return;
            }
        };
        // WriteGate::Absent / SecurityState: read as zero, no side effect.
        if let Some(g) = self.refusing_gate(r, ri, access, None) {
            raw.outcome = Outcome::Gated(g);
            return;
        }
        let old = self.values[ri];
        raw.old = old;
        raw.new = old;
        // ReadRule::returns for every readable field at once; RES0 bits read 0.
        raw.value = (ReadRule::Value.returns(old, r.readable) & span.bytes) >> span.shift;
        if r.read_effects {
            self.read_side_effects(map, r, ri, &span, raw);
        }
    }

    /// `rclr` / `rset` and `swacc` on the words the read touched.
    #[cold]
    fn read_side_effects<R: RegisterId>(
        &mut self,
        map: &'static MapDesc,
        r: &RegDesc,
        ri: usize,
        span: &Span,
        raw: &mut RawRead<R>,
    ) {
        let mut v = self.values[ri];
        for (i, f) in r.fields.iter().enumerate() {
            // An absent field is RES0: no strobe and no side effect.
            let reach = f.mask & span.words & self.present[ri];
            if reach == 0 {
                continue;
            }
            if f.swacc {
                raw.swacc.insert(i);
            }
            if f.read_rule.has_side_effect() {
                v = f.read_rule.after_read(v, reach);
                raw.side_effects.insert(i);
                if f.swmod {
                    raw.swmod.insert(i);
                }
            }
        }
        self.values[ri] = v;
        raw.new = v;
        if raw.old != v {
            raw.ack = self.mirror(map, r, ri);
        }
    }

    /// A software write of the low `size` bytes of `value` at `offset`, which the
    /// generated decoder mapped to `reg` (IR index and identity, as for
    /// [`Core::read`]; `None`: no register there).
    #[inline(always)]
    pub fn write<R: RegisterId>(
        &mut self,
        map: &'static MapDesc,
        reg: Option<(usize, R)>,
        offset: u64,
        size: u32,
        value: u64,
        access: SecSid,
    ) -> WriteEffect<R> {
        let mut raw = RawWrite::default();
        if let Err(e) = policy::check(offset, size) {
            raw.outcome = Outcome::Refused(e);
            return raw.effect();
        }
        match reg.and_then(|(i, id)| Some((i, id, map.registers.get(i)?))) {
            Some(reg) => self.write_raw_at(map, reg, offset, size, value, access, &mut raw),
            None => raw.outcome = Outcome::Unmapped,
        }
        raw.effect()
    }

    /// A write to a mapped register, after the size/alignment policy.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn write_raw_at<R: RegisterId>(
        &mut self,
        map: &'static MapDesc,
        (ri, id, r): (usize, R, &'static RegDesc),
        offset: u64,
        size: u32,
        value: u64,
        access: SecSid,
        raw: &mut RawWrite<R>,
    ) {
        raw.reg = Some(id);
        let span = match Span::new(r, offset, size) {
            Ok(s) => s,
            Err(e) => {
                raw.outcome = Outcome::Refused(e);
                return;
            }
        };
        let old = self.values[ri];
        raw.old = old;
        raw.new = old;
        // The data lanes of the access, in register bit positions (`size` is at
        // most 8 bytes, so the shift stays below 64).
        let data = (value & ones(size * 8)) << span.shift;
        if let Some(g) = self.refusing_gate(r, ri, access, Some((&span, data))) {
            raw.outcome = Outcome::Gated(g);
            return;
        }
        // Plain stores of every covered byte at once; RES0 bits are never in a mask,
        // and absent fields are not in `present`.
        let reach = span.bytes & self.present[ri];
        let mut new = WriteRule::Store.apply(old, data, r.plain & reach);
        // `swmod` of the plain fields: every one if the access covers them all (a
        // whole-register write), else field by field.
        if r.plain_swmod_mask & reach != 0 {
            if r.plain_swmod_mask & !reach == 0 {
                raw.swmod = FieldSet::from_bits(r.plain_swmod_set);
            } else {
                for &i in r.plain_swmod {
                    if r.fields.get(i).is_some_and(|f| f.mask & reach != 0) {
                        raw.swmod.insert(i);
                    }
                }
            }
        }
        if !r.special.is_empty() {
            // Guarded plain stores whose guards hold are plain stores: one mask.
            // Otherwise (another rule, or a guard fails), field by field.
            let mut guarded_ok = !r.guarded_stores.is_empty();
            let mut mask = 0;
            for g in r.guarded_stores {
                mask |= g.mask;
                if g.mask & reach != 0 && first_failing(self, g.guard).is_some() {
                    guarded_ok = false;
                }
            }
            new = if guarded_ok {
                WriteRule::Store.apply(new, data, mask & reach)
            } else {
                self.write_special(r, ri, reach, data, new, raw)
            };
        }
        // NextValue::UpdateComplete, immediate: the gate admitted the write only if
        // it set Update, and the update completes at once (Update reads 0).
        if let Some(u) = r.update_field.and_then(|u| r.fields.get(u)) {
            if self.completion == Completion::Immediate && new & u.mask != 0 {
                new &= !u.mask;
                raw.update_completed = true;
            }
        }
        self.values[ri] = new;
        raw.new = new;
        if new != old && r.acked_by.is_some() {
            raw.ack = self.mirror(map, r, ri);
        }
    }

    /// The fields a plain store does not cover: guards, write rules other than
    /// `Store`, write-once, `singlepulse`. `reach` is the bytes written, less absent
    /// fields. Returns the new value.
    /// Inlined so that `raw` stays in registers.
    #[inline(always)]
    fn write_special<R: RegisterId>(
        &mut self,
        r: &'static RegDesc,
        ri: usize,
        reach: u64,
        data: u64,
        mut new: u64,
        raw: &mut RawWrite<R>,
    ) -> u64 {
        // Fields of one register usually share their guard (one slice in the map):
        // evaluate each slice once.
        let mut last_guard: *const Guard = std::ptr::null();
        let mut last_result = Ok(());
        for &i in r.special {
            let Some(f) = r.fields.get(i) else { continue };
            let reach = f.mask & reach;
            if reach == 0 || f.write_rule == WriteRule::Ignore {
                continue;
            }
            if !f.guard.is_empty() {
                if !std::ptr::eq(last_guard, f.guard.as_ptr()) {
                    last_guard = f.guard.as_ptr();
                    last_result = self.guards_hold(f);
                }
                if let Err(term) = last_result {
                    let x = raw.extras.get_or_insert_with(WriteExtras::default);
                    x.guarded.insert(i);
                    x.guard.get_or_insert(term);
                    continue;
                }
            }
            if f.write_once {
                if self.once[ri] & f.mask != 0 {
                    raw.extras
                        .get_or_insert_with(WriteExtras::default)
                        .once_spent
                        .insert(i);
                    continue;
                }
                // The first write after reset is taken, even if it covers only some
                // bytes of the field; later writes are ignored.
                self.once[ri] |= f.mask;
            }
            new = f.write_rule.apply(new, data, reach);
            if f.swmod {
                raw.swmod.insert(i);
            }
            if f.singlepulse {
                // NextValue::PulseEnd: the written 1 lasts one cycle in RTL; here
                // it is reported, and the field reads 0 again.
                if new & f.mask != 0 {
                    raw.extras
                        .get_or_insert_with(WriteExtras::default)
                        .pulses
                        .insert(i);
                }
                new &= !f.mask;
            }
        }
        new
    }

    /// [`regdef::access::NextValue::AckMirror`] with immediate completion: after a
    /// change of control register `r`, its ACK register's fields equal the control
    /// fields they acknowledge (IHI0070 6.3.10). `None` if there is nothing to do.
    /// Inlined: with the descriptor of a generated decoder arm, the common case (the
    /// ACK fields at the control fields' bits) is one masked copy.
    #[inline(always)]
    fn mirror(&mut self, map: &'static MapDesc, r: &RegDesc, ri: usize) -> Option<RawMirror> {
        if self.completion != Completion::Immediate {
            return None;
        }
        let ai = r.acked_by?;
        let old = *self.values.get(ai)?;
        // Fields at the same bits (all of CR0ACK's): one masked copy.
        let same = r.ack_same_bits;
        // An absent control field holds 0, and elaboration gives an ACK field the
        // presence of its control field, so the copy needs no presence mask.
        let mut new = (old & !same) | (self.value(ri) & same);
        if r.ack_elsewhere {
            new = self.mirror_fields(map, ai, same, new);
        }
        // An absent ACK field stays 0 (RES0) whatever its control field holds.

        self.values[ai] = new;
        Some(RawMirror { reg: ai, old, new })
    }

    /// The ACK fields of register `ai` that are not at the bits `same` of their
    /// control register, copied one by one into `new`.
    #[inline(never)]
    fn mirror_fields(&self, map: &'static MapDesc, ai: usize, same: u64, mut new: u64) -> u64 {
        let Some(ack) = map.registers.get(ai) else {
            return new;
        };
        for f in ack.fields.iter().filter(|f| f.mask & same == 0) {
            if let Some(src) = f.acknowledges {
                // The control field's value (not its bits: either field may be
                // reversed, SystemRDL 2.0 10.7).
                let v = map
                    .registers
                    .get(src.reg())
                    .and_then(|c| c.fields.get(src.field.field))
                    .map_or(0, |c| c.value_in(self.value(src.reg())));
                new = (new & !f.mask) | f.bits_of(v);
            }
        }
        new
    }

    // ------------------------------------------------------------------ hardware

    fn hw_field<'m>(
        &self,
        map: &'m MapDesc,
        reg: usize,
        field: usize,
    ) -> Result<(&'m RegDesc, &'m FieldDesc), HwError> {
        let r = map
            .registers
            .get(reg)
            .filter(|_| reg < N)
            .ok_or(HwError::NoSuchRegister(reg))?;
        let f = r
            .fields
            .get(field)
            .ok_or(HwError::NoSuchField { reg, field })?;
        Ok((r, f))
    }

    /// Whether `f` has hardware input `input` in this completion mode. With
    /// handshake completion an ACK field is written by hardware and the update
    /// field is cleared by hardware (IHI0070 6.3.10, 6.3.14).
    pub fn has_input(&self, f: &FieldDesc, input: HwInput) -> bool {
        let handshake = self.completion == Completion::Handshake;
        match input {
            HwInput::Write => f.hw_write || (handshake && f.acknowledges.is_some()),
            HwInput::Set => f.hwset,
            HwInput::Clear => f.hwclr || (handshake && f.update_complete),
        }
    }

    /// Stores `new` into register `reg` (already restricted to what hardware may
    /// change) and completes an ACK mirror.
    fn hw_commit<R: RegisterId>(
        &mut self,
        map: &'static MapDesc,
        reg: usize,
        new: u64,
        refused: FieldSet,
    ) -> Result<HwEffect<R>, HwError> {
        let r = map.registers.get(reg).ok_or(HwError::NoSuchRegister(reg))?;
        let id = R::from_index(reg).ok_or(HwError::NoSuchRegister(reg))?;
        let old = self.values[reg];
        // An absent field takes no hardware update: its input is ignored, as RES0.
        let new = new & self.present[reg];
        self.values[reg] = new;
        let ack = if new != old {
            self.mirror(map, r, reg).and_then(RawMirror::typed)
        } else {
            None
        };
        Ok(HwEffect {
            reg: id,
            old,
            new,
            refused,
            ack,
        })
    }

    /// Hardware writes `value` to field `field` of register `reg`
    /// ([`regdef::access::NextValue::HwWrite`]): no software rule applies.
    pub fn hw_write_field<R: RegisterId>(
        &mut self,
        map: &'static MapDesc,
        reg: usize,
        field: usize,
        value: u64,
    ) -> Result<HwEffect<R>, HwError> {
        let (_, f) = self.hw_field(map, reg, field)?;
        if !self.has_input(f, HwInput::Write) {
            return Err(HwError::NoInput {
                reg,
                field,
                input: HwInput::Write,
            });
        }
        if value & !ones(f.width) != 0 {
            return Err(HwError::TooWide {
                reg,
                field,
                value,
                width: f.width,
            });
        }
        let new = (self.values[reg] & !f.mask) | f.bits_of(value);
        self.hw_commit(map, reg, new, FieldSet::EMPTY)
    }

    /// The `hwset` input of field `field` of register `reg`: every bit set.
    pub fn hw_set<R: RegisterId>(
        &mut self,
        map: &'static MapDesc,
        reg: usize,
        field: usize,
    ) -> Result<HwEffect<R>, HwError> {
        let (_, f) = self.hw_field(map, reg, field)?;
        if !self.has_input(f, HwInput::Set) {
            return Err(HwError::NoInput {
                reg,
                field,
                input: HwInput::Set,
            });
        }
        let new = self.values[reg] | f.mask;
        self.hw_commit(map, reg, new, FieldSet::EMPTY)
    }

    /// The `hwclr` input of field `field` of register `reg`: every bit cleared
    /// (S_INIT.INV_ALL when the invalidation completes, IHI0070 6.3.62).
    pub fn hw_clr<R: RegisterId>(
        &mut self,
        map: &'static MapDesc,
        reg: usize,
        field: usize,
    ) -> Result<HwEffect<R>, HwError> {
        let (_, f) = self.hw_field(map, reg, field)?;
        if !self.has_input(f, HwInput::Clear) {
            return Err(HwError::NoInput {
                reg,
                field,
                input: HwInput::Clear,
            });
        }
        let new = self.values[reg] & !f.mask;
        self.hw_commit(map, reg, new, FieldSet::EMPTY)
    }

    /// [`Core::hw_update`] for a register named by its generated identity, which
    /// is always valid: the typed hardware accessors use it.
    pub fn hw_update_reg<R: RegisterId>(
        &mut self,
        map: &'static MapDesc,
        reg: R,
        desired: u64,
    ) -> HwEffect<R> {
        match self.hw_update(map, reg.index(), desired) {
            Ok(e) => e,
            // Unreachable with generated code (its `Reg` indexes its own map); a
            // no-op effect keeps the typed API panic-free.
            Err(_) => HwEffect {
                reg,
                old: 0,
                new: 0,
                refused: FieldSet::EMPTY,
                ack: None,
            },
        }
    }

    /// Hardware moves register `reg` towards `desired`: each field that differs takes
    /// its desired value if some hardware input of the field can produce it (a write:
    /// any value; `hwset`: all ones; `hwclr`: zero). Other fields keep their value and
    /// are reported as refused; RES0 bits and absent fields are dropped silently.
    pub fn hw_update<R: RegisterId>(
        &mut self,
        map: &'static MapDesc,
        reg: usize,
        desired: u64,
    ) -> Result<HwEffect<R>, HwError> {
        let r = map
            .registers
            .get(reg)
            .filter(|_| reg < N)
            .ok_or(HwError::NoSuchRegister(reg))?;
        let old = self.values[reg];
        let mut new = old;
        let mut refused = FieldSet::EMPTY;
        let desired = desired & self.present[reg];
        for (i, f) in r.fields.iter().enumerate() {
            let want = desired & f.mask;
            if want == old & f.mask {
                continue;
            }
            let ok = self.has_input(f, HwInput::Write)
                || (want == f.mask && self.has_input(f, HwInput::Set))
                || (want == 0 && self.has_input(f, HwInput::Clear));
            if ok {
                new = (new & !f.mask) | want;
            } else {
                refused.insert(i);
            }
        }
        self.hw_commit(map, reg, new, refused)
    }
}

/// The first term of `guard` that does not hold on the stored values of `core`.
/// A plain loop, so that it unrolls over a constant guard (`Iterator::find` was left
/// out of line, as a shared generic function).
#[inline(always)]
#[allow(clippy::manual_find)]
fn first_failing<const N: usize>(
    core: &Core<N>,
    guard: &'static [Guard],
) -> Option<&'static Guard> {
    for g in guard {
        if !g.holds(core.value(g.reg())) {
            return Some(g);
        }
    }
    None
}

/// The span a read gate check does not look at.
const NO_SPAN: Span = Span {
    shift: 0,
    bytes: 0,
    words: 0,
};

/// [`Mirror`] before the register index becomes the generated `Reg`.
#[derive(Copy, Clone)]
struct RawMirror {
    reg: usize,
    old: u64,
    new: u64,
}

impl RawMirror {
    // Inlined: a call returns the `Option` through memory, and copying it into the
    // effect then stalls on store forwarding (measured: a third of a write).
    #[inline(always)]
    fn typed<R: RegisterId>(self) -> Option<Mirror<R>> {
        Some(Mirror {
            reg: R::from_index(self.reg)?,
            old: self.old,
            new: self.new,
        })
    }
}

/// [`ReadEffect`] as scalars.
#[derive(Copy, Clone)]
struct RawRead<R> {
    reg: Option<R>,
    outcome: Outcome,
    value: u64,
    old: u64,
    new: u64,
    side_effects: FieldSet,
    swmod: FieldSet,
    swacc: FieldSet,
    ack: Option<RawMirror>,
}

impl<R> Default for RawRead<R> {
    fn default() -> Self {
        RawRead {
            reg: None,
            outcome: Outcome::Applied,
            value: 0,
            old: 0,
            new: 0,
            side_effects: FieldSet::EMPTY,
            swmod: FieldSet::EMPTY,
            swacc: FieldSet::EMPTY,
            ack: None,
        }
    }
}

/// [`WriteEffect`] as scalars.
#[derive(Copy, Clone)]
struct RawWrite<R> {
    reg: Option<R>,
    outcome: Outcome,
    old: u64,
    new: u64,
    swmod: FieldSet,
    extras: Option<WriteExtras>,
    ack: Option<RawMirror>,
    update_completed: bool,
}

impl<R: RegisterId> RawWrite<R> {
    /// The effect, in one struct literal.
    #[inline(always)]
    fn effect(self) -> WriteEffect<R> {
        WriteEffect {
            reg: self.reg,
            outcome: self.outcome,
            old: self.old,
            new: self.new,
            swmod: self.swmod,
            ack: self.ack.and_then(|m| m.typed()),
            update_completed: self.update_completed,
            extras: self.extras,
        }
    }
}

impl<R> Default for RawWrite<R> {
    fn default() -> Self {
        RawWrite {
            reg: None,
            outcome: Outcome::Applied,
            old: 0,
            new: 0,
            swmod: FieldSet::EMPTY,
            extras: None,
            ack: None,
            update_completed: false,
        }
    }
}
