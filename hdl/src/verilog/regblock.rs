//! The register core: [`RegisterMap`] -> one [`Module`] behind the internal request
//! interface ([`super::bus`]).
//!
//! Every access behaviour is one of the IR's units ([`regdef::access`]), and each unit
//! has exactly one emitter here:
//!
//! | IR unit | Emitter (private) | RTL |
//! |---|---|---|
//! | [`WriteGate::Absent`] | `Gen::gate_absent` | `present_<reg>`: every `present_when` field non-zero |
//! | Field presence ([`regdef::access::presence_holds`]) | `Gen::field_presence` | `<field>_present` gates the field's writes, strobes, storage and value |
//! | [`WriteGate::SecurityState`] | `Gen::gate_security` | `req_secure` |
//! | [`WriteGate::UpdateHandshake`] | `Gen::gate_update` | update field reads 0 and the write sets it |
//! | [`GuardTerm`] | `Gen::guard` | one tested field (the ACK bit is its own term) |
//! | [`ReadRule`] | `Gen::read_pieces`, `Gen::emit_read_mux`, `Gen::unit_sw_read` | read mux; `rclr`/`rset` side effect |
//! | [`WriteRule`] | [`write_rule_value`] | the stored value after a write |
//! | [`NextValue`] | `Gen::unit_arm`, one arm per unit | one branch of the field's priority chain |
//!
//! A field's next value is a priority chain in [`Field::next_value`] order, one
//! continuous assignment ([`Chain`]); the flop takes it at every clock edge. See `hdl/README.md` for naming and timing.

use std::collections::BTreeSet;

use regdef::access::{Completion, HwEnable, NextValue, ReadRule, WriteGate, WriteRule};
use regdef::ir::{Field, FieldRef, GuardTerm, RegId, Register, RegisterMap, SecSid};

use super::ast::{
    all, any, concat, eq, id, index, lit, ones, reduce_or, reduce_xor, slice, ternary, undef,
    Chain, ChainArm, Expr, Item, Module, Param, Port, Stmt,
};
use super::bus::{core_ports, sig, DATA_WIDTH};
use super::fxhash::{FxHashMap, FxHashSet};
use super::{BusErrors, Clocking, GenerateError};
use crate::names::Names;

/// Words per group of the read multiplexer: a read data bit goes through at most this
/// many multiplexers before the OR of the groups (see `hdl/README.md`).
pub const READ_GROUP: usize = 8;

/// Word-address bits a register's own comparator decodes; the bits above select a
/// decode group (`Gen::emit_decode_groups`).
pub const DECODE_GROUP_BITS: u32 = 4;

/// Runs of one bits `(lsb, msb)` of the low `width` bits of `value`, lsb first.
fn ones_runs(value: u64, width: u32) -> Vec<(u32, u32)> {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for b in 0..width {
        if value >> b & 1 == 1 {
            match runs.last_mut() {
                Some(r) if r.1 + 1 == b => r.1 = b,
                _ => runs.push((b, b)),
            }
        }
    }
    runs
}

/// Address bits the core decodes: enough for the last byte of the last register
/// (at least 3, so that the word address `req_addr[AW-1:2]` has a bit).
pub fn addr_width(map: &RegisterMap) -> u32 {
    let end = map
        .registers
        .iter()
        .map(|r| r.address.saturating_add(r.size_bytes()))
        .max()
        .unwrap_or(0);
    // Bits needed to address byte `end - 1`.
    let bits = 64 - end.saturating_sub(1).leading_zeros();
    bits.max(3)
}

/// How a field's value exists in hardware.
#[derive(Clone, Debug, PartialEq)]
enum Storage {
    /// Nothing changes it: a literal or an implementation-defined parameter.
    Constant,
    /// Hardware drives it every cycle and nothing else has priority: the input itself.
    Wire,
    /// A flip-flop `<f>_q` with next value `<f>_d`.
    Flop,
}

/// A [`NextValue`] unit as realised under the chosen [`Completion`].
#[derive(Copy, Clone, Debug, PartialEq)]
enum Unit {
    SwWrite,
    SwRead,
    HwWrite(HwEnable),
    HwSet,
    HwClr,
    /// [`NextValue::AckMirror`] with immediate completion: follow the control field.
    Mirror(FieldRef),
    PulseEnd,
}

/// The plan for one field.
struct Plan {
    name: String,
    storage: Storage,
    units: Vec<(NextValue, Unit)>,
    /// [`NextValue::UpdateComplete`] with immediate completion: the update completes
    /// in the cycle the write is taken, so the field is cleared after the chain.
    complete_now: bool,
}

/// A field's software strobes, shared by its chain and its `swmod`/`swacc` outputs.
struct FieldStrobes {
    /// `(write enable, value written)`, when the field has a [`Unit::SwWrite`].
    write: Option<(Expr, Expr)>,
    /// The read enable, and per bus slice `(lsb, msb, strobe)` when the field spans
    /// several words.
    read: (Expr, Vec<(u32, u32, Expr)>),
}

/// One arm of a field's priority chain.
struct UnitArm {
    /// When the unit applies; `None`: always (it ends the chain).
    cond: Option<Expr>,
    /// The field's next value when it applies.
    value: Expr,
    /// What the unit is, for the comment.
    what: String,
}

/// Bits `(bus lsb, bus msb)` of the read data and their value.
type Piece = (u32, u32, Expr);

/// One 32-bit word of a register.
#[derive(Copy, Clone, Debug)]
struct Slice {
    /// Index within the register (0 low word).
    index: u32,
    /// Word address (`byte address >> 2`).
    word: u64,
}

/// Builds the register core module `name` for `map`.
pub fn build(
    map: &RegisterMap,
    name: &str,
    clocking: Clocking,
    completion: Completion,
    errors: BusErrors,
) -> Result<Module, GenerateError> {
    // A clash of names is one of flattened paths, which no output can name apart.
    let names = Names::new(map)
        .map_err(|e| unsupported(e.paths.join(", "), format!("{e}; rename one of them")))?;
    let mut g = Gen {
        map,
        names,
        clocking,
        completion,
        errors,
        mapped: Vec::new(),
        aw: addr_width(map),
        plans: Vec::new(),
        params: Vec::new(),
        ports: Vec::new(),
        items: Vec::new(),
        referenced: BTreeSet::new(),
        flops: Vec::new(),
        gated: Vec::new(),
        gated_set: FxHashSet::default(),
    };
    g.plan()?;
    g.emit()?;
    let mut ports = clocking.ports();
    ports.extend(core_ports(g.aw, errors));
    ports.extend(g.ports);
    let mut m = Module {
        name: name.to_string(),
        header: vec![
            format!(
                "Register core of `{}`{}.",
                map.top,
                map.name
                    .as_ref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            ),
            format!(
                "Completion of ACK mirrors and update handshakes: {}.",
                match completion {
                    Completion::Immediate => "immediate (in the cycle the write is taken)",
                    Completion::Handshake => "handshake (through hardware inputs)",
                }
            ),
        ],
        params: g.params,
        ports,
        items: g.items,
    };
    m.prune_unread_wires();
    let sinks = unused_gated_bits(&m.items, &g.gated);
    m.items.extend(sinks);
    m.hoist_forward_declarations();
    Ok(m)
}

/// For each register in `gated`, the bits of its gated write data and strobes that no
/// field reads (RES0 bits, read-only fields) go to one sink `unused_wr_<reg>` of its
/// own (the Verilator convention for "deliberately not read"), so that in simulation
/// only the written register's sink is re-evaluated.
fn unused_gated_bits(items: &[Item], gated: &[String]) -> Vec<Item> {
    let names = |r: &String| {
        [
            (format!("wdata_{r}"), DATA_WIDTH),
            (format!("wstrb_{r}"), DATA_WIDTH / 8),
        ]
    };
    // One walk over the module for every register's signals, not one per register.
    let mut used: FxHashMap<String, Vec<bool>> = gated
        .iter()
        .flat_map(names)
        .map(|(name, width)| (name, vec![false; width as usize]))
        .collect();
    bits_read(items, &mut used);
    let mut out = Vec::new();
    for r in gated {
        let mut parts = Vec::new();
        for (name, _) in names(r) {
            let Some(bits) = used.get(&name) else {
                continue;
            };
            if !bits.iter().any(|&b| b) {
                continue; // pruned (nothing reads it) or never emitted
            }
            for (lo, hi) in runs(bits, false) {
                parts.push(slice(name.clone(), hi, lo));
            }
        }
        if !parts.is_empty() {
            let sink = format!("unused_wr_{r}");
            out.push(Item::wire(sink.clone(), 1));
            out.push(Item::assign(id(sink), reduce_xor(concat(parts))));
        }
    }
    out
}

struct Gen<'a> {
    map: &'a RegisterMap,
    /// Register and field names (`crate::names`: the same rule as the C header's).
    names: Names,
    clocking: Clocking,
    completion: Completion,
    /// Whether the core has an `rsp_error` output.
    errors: BusErrors,
    /// With [`BusErrors::Error`]: per register word, "the request addresses it and
    /// every read gate passes" (`Gen::emit_error`).
    mapped: Vec<Expr>,
    aw: u32,
    /// Per register, per field.
    plans: Vec<Vec<Plan>>,
    params: Vec<Param>,
    ports: Vec<Port>,
    items: Vec<Item>,
    /// Fields another rule reads (guards, `present_when`, ACK mirrors).
    referenced: BTreeSet<FieldRef>,
    /// Every stored field's flop: `<f>_q`, reset value, `<f>_d` (`Gen::emit_storage`).
    flops: Vec<(String, Expr, String)>,
    /// Registers whose fields read the gated `wdata_<reg>` / `wstrb_<reg>`, in order.
    gated: Vec<String>,
    /// The same, to look up: a search of `gated` per field was quadratic.
    gated_set: FxHashSet<String>,
}

fn unsupported(path: String, what: impl Into<String>) -> GenerateError {
    GenerateError::Unsupported {
        path,
        what: what.into(),
    }
}

impl<'a> Gen<'a> {
    fn reg(&self, id: RegId) -> &'a Register {
        self.map.reg(id)
    }

    fn field(&self, fr: FieldRef) -> &'a Field {
        self.map.field(fr)
    }

    fn plan_of(&self, fr: FieldRef) -> &Plan {
        &self.plans[fr.reg.0][fr.field]
    }

    fn rname(&self, id: RegId) -> String {
        self.names.rtl_reg(id)
    }

    // ---------------------------------------------------------------- planning

    fn plan(&mut self) -> Result<(), GenerateError> {
        for (rid, reg) in self.map.iter() {
            self.check_register(reg)?;
            let mut plans = Vec::new();
            for (i, f) in reg.fields.iter().enumerate() {
                let fr = FieldRef { reg: rid, field: i };
                plans.push(self.plan_field(fr, reg, f)?);
                for t in &f.guard {
                    self.referenced.insert(t.field);
                }
                self.referenced.extend(f.present_when.iter().copied());
            }
            self.referenced.extend(reg.present_when.iter().copied());
            self.plans.push(plans);
        }
        for (rid, reg) in self.map.iter() {
            for (i, f) in reg.fields.iter().enumerate() {
                let fr = FieldRef { reg: rid, field: i };
                for (_, u) in &self.plans[rid.0][i].units {
                    if let Unit::Mirror(c) = u {
                        self.referenced.insert(*c);
                        if self.field(*c).width() != f.width() {
                            return Err(unsupported(
                                self.map.field_path(fr),
                                "ACK field and its control field differ in width",
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn check_register(&self, reg: &Register) -> Result<(), GenerateError> {
        if !matches!(reg.width, 8 | 16 | 32 | 64) {
            return Err(unsupported(
                reg.path.clone(),
                format!("register width {} (8, 16, 32 or 64 expected)", reg.width),
            ));
        }
        let lane = (reg.address % 4) as u32;
        if (reg.width >= 32 && lane != 0) || lane * 8 + reg.width.min(32) > DATA_WIDTH {
            return Err(unsupported(
                reg.path.clone(),
                format!(
                    "register at {:#x} is not aligned to its width on a 32-bit bus",
                    reg.address
                ),
            ));
        }
        if reg
            .fields
            .iter()
            .any(|f| f.msb >= reg.width || f.lsb > f.msb)
        {
            return Err(unsupported(reg.path.clone(), "field outside the register"));
        }
        Ok(())
    }

    fn plan_field(&self, fr: FieldRef, reg: &Register, f: &Field) -> Result<Plan, GenerateError> {
        let path = || format!("{}.{}", reg.path, f.name);
        if f.sw.write_once() {
            return Err(unsupported(
                path(),
                "write-once access (rw1/w1) has no unit in regdef::access",
            ));
        }
        let mut units = Vec::new();
        let mut complete_now = false;
        let hw_write = |enable: HwEnable| {
            if enable == HwEnable::None {
                Err(unsupported(path(), "hardware write without an enable kind"))
            } else {
                Ok(Unit::HwWrite(enable))
            }
        };
        for &nv in &f.next_value {
            let unit = match nv {
                NextValue::SwWrite if f.write_rule == WriteRule::Ignore => continue,
                NextValue::SwWrite => Unit::SwWrite,
                NextValue::SwRead if !f.read_rule.has_side_effect() => continue,
                NextValue::SwRead => Unit::SwRead,
                NextValue::HwWrite => hw_write(f.hw_enable)?,
                NextValue::HwSet => Unit::HwSet,
                NextValue::HwClr => Unit::HwClr,
                NextValue::AckMirror => match self.completion {
                    Completion::Immediate => Unit::Mirror(f.acknowledges.ok_or_else(|| {
                        unsupported(path(), "ACK mirror without the field it acknowledges")
                    })?),
                    // IHI0070 6.3.10: hardware sets the ACK when the update completes.
                    Completion::Handshake => hw_write(f.hw_enable)?,
                },
                NextValue::UpdateComplete => match self.completion {
                    Completion::Immediate => {
                        complete_now = true;
                        continue;
                    }
                    // IHI0070 6.3.14: hardware clears Update when the update completes.
                    Completion::Handshake => Unit::HwClr,
                },
                NextValue::PulseEnd => Unit::PulseEnd,
                // Refused by `modules` (Feature::Counter, Interrupt, Sticky) before any
                // plan is made.
                NextValue::Sticky | NextValue::StickyBits | NextValue::CounterStep => {
                    return Err(unsupported(path(), nv.describe()))
                }
            };
            units.push((nv, unit));
        }
        let storage = match units.first() {
            None if !complete_now => Storage::Constant,
            Some((_, Unit::HwWrite(HwEnable::Continuous))) => Storage::Wire,
            _ => Storage::Flop,
        };
        Ok(Plan {
            name: self.names.rtl_field(self.map, fr),
            storage,
            units,
            complete_now,
        })
    }

    // ---------------------------------------------------------------- values

    /// The expression for a field's current value.
    fn value(&self, fr: FieldRef) -> Expr {
        let p = self.plan_of(fr);
        match p.storage {
            // A conditional constant or wire reads through its gated value
            // (`Gen::field_presence`); a conditional flop holds 0 while absent.
            Storage::Constant | Storage::Wire if !self.field(fr).present_when.is_empty() => {
                id(format!("{}_v", p.name))
            }
            Storage::Constant => self.constant(fr),
            Storage::Wire => id(format!("{}_in", p.name)),
            Storage::Flop => id(format!("{}_q", p.name)),
        }
    }

    /// A presence condition ([`regdef::access::presence_holds`]): every term, an
    /// implementation-defined constant (a parameter), non-zero.
    fn presence(&self, terms: &[FieldRef]) -> Expr {
        all(terms.iter().map(|&t| {
            let v = self.value(t);
            if self.field(t).width() == 1 {
                v
            } else {
                reduce_or(v)
            }
        }))
    }

    /// The value a field will hold after this cycle's edge.
    fn next(&self, fr: FieldRef) -> Expr {
        let p = self.plan_of(fr);
        match p.storage {
            Storage::Flop => id(format!("{}_d", p.name)),
            _ => self.value(fr),
        }
    }

    fn reset_literal(&self, f: &Field) -> Expr {
        lit(f.width(), f.reset.unwrap_or(0) & f.value_mask())
    }

    /// A constant field's value: its parameter if implementation defined.
    fn constant(&self, fr: FieldRef) -> Expr {
        let f = self.field(fr);
        if f.impl_defined {
            id(self.plan_of(fr).name.to_uppercase())
        } else {
            self.reset_literal(f)
        }
    }

    /// A flop's reset value: its parameter if implementation defined.
    fn reset_value(&self, fr: FieldRef) -> Expr {
        let f = self.field(fr);
        if f.impl_defined {
            id(format!("{}_RESET", self.plan_of(fr).name.to_uppercase()))
        } else {
            self.reset_literal(f)
        }
    }

    // ---------------------------------------------------------------- layout

    fn slices(&self, reg: &Register) -> Vec<Slice> {
        (0..reg.width.div_ceil(DATA_WIDTH))
            .map(|i| Slice {
                index: i,
                word: (reg.address >> 2) + u64::from(i),
            })
            .collect()
    }

    fn slice_suffix(reg: &Register, s: u32) -> &'static str {
        match (reg.width > DATA_WIDTH, s) {
            (false, _) => "",
            (true, 0) => "_lo",
            (true, _) => "_hi",
        }
    }

    /// Bus bit of register bit `pos`, and the slice it is in.
    fn bus_bit(&self, reg: &Register, pos: u32) -> (u32, u32) {
        let s = pos / DATA_WIDTH;
        let lane = if reg.width < DATA_WIDTH {
            (reg.address % 4) as u32 * 8
        } else {
            0
        };
        (s, pos % DATA_WIDTH + lane)
    }

    /// Runs of a field's bits that share a slice and, if `by_lane`, a byte lane:
    /// `(field lsb, field msb, slice, bus lsb)`, least significant first.
    fn segments(&self, reg: &Register, f: &Field, by_lane: bool) -> Vec<(u32, u32, u32, u32)> {
        let mut segs: Vec<(u32, u32, u32, u32)> = Vec::new();
        for pos in f.lsb..=f.msb {
            let (s, bus) = self.bus_bit(reg, pos);
            let bit = pos - f.lsb;
            match segs.last_mut() {
                Some(last)
                    if last.2 == s && (!by_lane || last.3 / 8 == bus / 8) && last.1 + 1 == bit =>
                {
                    last.1 = bit;
                }
                _ => segs.push((bit, bit, s, bus)),
            }
        }
        segs
    }

    /// The value bits `(lo, hi)` of a run `lo..=hi` of a field's register bits
    /// (relative to its `lsb`, as [`Gen::segments`] gives them): the same for an
    /// lsb0 field, mirrored for a reversed one ([`Field::reversed`]).
    fn value_run(f: &Field, lo: u32, hi: u32) -> (u32, u32) {
        if f.reversed() {
            (f.width() - 1 - hi, f.width() - 1 - lo)
        } else {
            (lo, hi)
        }
    }

    /// Bits `[lo + n - 1 : lo]` of `name` carried across the bus boundary (bus data
    /// bits into field value bits, or value bits out to bus data bits): the slice,
    /// or for a reversed field ([`Field::reversed`], SystemRDL 2.0 10.7) the slice
    /// bit-reversed, `{name[lo], ..., name[lo + n - 1]}` (the same both ways).
    ///
    /// Storage, reset, hardware ports and hardware updates are in value order (what
    /// the field's value means; a counter counts, an encoding decodes), and only the
    /// bus is in register bit order, so the reversal sits here at the bus boundary:
    /// software write data on the way in, read data on the way out
    /// ([`regdef::access::field_value`]). A reversal is wiring, it costs no logic.
    fn across_bus(f: &Field, name: &str, lo: u32, n: u32) -> Expr {
        if f.reversed() && n > 1 {
            concat((lo..lo + n).map(|b| index(name, b)).collect())
        } else {
            slice(name, lo + n - 1, lo)
        }
    }

    // ---------------------------------------------------------------- emission

    fn emit(&mut self) -> Result<(), GenerateError> {
        self.emit_params();
        let aw = self.aw;
        self.items.push(Item::comment(
            "Word address of the request; bits [1:0] select a byte and are ignored.",
        ));
        self.items.push(Item::wire("req_word", aw - 2));
        self.items.push(Item::assign(
            id("req_word"),
            slice(sig::REQ_ADDR, aw - 1, 2),
        ));
        self.items.push(Item::wire("req_rd", 1));
        self.items.push(Item::wire("req_wr", 1));
        self.items.push(Item::assign(
            id("req_rd"),
            id(sig::REQ_VALID) & !id(sig::REQ_WRITE),
        ));
        self.items.push(Item::assign(
            id("req_wr"),
            id(sig::REQ_VALID) & id(sig::REQ_WRITE),
        ));
        self.emit_decode_groups();
        for (rid, _) in self.map.iter() {
            self.emit_register(rid)?;
        }
        self.emit_storage();
        self.emit_read_mux();
        self.emit_error();
        self.emit_unused();
        Ok(())
    }

    /// The group of word address `word` (its bits above [`DECODE_GROUP_BITS`]), if
    /// the map's addresses are wide enough to have groups.
    fn decode_group(&self, word: u64) -> Option<u64> {
        (self.aw - 2 > DECODE_GROUP_BITS).then_some(word >> DECODE_GROUP_BITS)
    }

    /// The address decoder's first level: per group of 2^[`DECODE_GROUP_BITS`] words
    /// that holds a register, `hitg_<g>` (the request's word is in the group), the
    /// request's word within the group `wordg_<g>` (a don't-care outside it), and the
    /// group's read and write strobes `rdg_<g>`, `wrg_<g>`. A register's `hit_<reg>`
    /// then compares only the low word bits. Synthesis gets the same comparators;
    /// an event-driven simulator (iverilog) re-evaluates, for each request, one
    /// group's registers rather than all of them (see `docs/performance.md`).
    fn emit_decode_groups(&mut self) {
        let groups: BTreeSet<u64> = self
            .map
            .iter()
            .flat_map(|(_, reg)| self.slices(reg))
            .filter_map(|s| self.decode_group(s.word))
            .collect();
        if groups.is_empty() {
            return;
        }
        let (gb, hi) = (DECODE_GROUP_BITS, self.aw - 3);
        self.items.push(Item::Comment(vec![format!(
            "Address decode, first level: groups of {} words.",
            1u64 << gb
        )]));
        for g in groups {
            let (hitg, wordg) = (format!("hitg_{g:x}"), format!("wordg_{g:x}"));
            self.items.push(Item::wire(hitg.clone(), 1));
            self.items.push(Item::assign(
                id(hitg.clone()),
                eq(slice("req_word", hi, gb), lit(hi + 1 - gb, g)),
            ));
            self.items.push(Item::wire(wordg.clone(), gb));
            self.items.push(Item::assign(
                id(wordg),
                ternary(id(hitg.clone()), slice("req_word", gb - 1, 0), undef(gb)),
            ));
            for (strobe, req) in [("wrg", "req_wr"), ("rdg", "req_rd")] {
                let n = format!("{strobe}_{g:x}");
                self.items.push(Item::wire(n.clone(), 1));
                self.items
                    .push(Item::assign(id(n), id(req) & id(hitg.clone())));
            }
        }
    }

    fn emit_params(&mut self) {
        for fr in self.map.impl_defined_fields() {
            let f = self.field(fr);
            let p = self.plan_of(fr);
            let (name, comment) = match p.storage {
                Storage::Constant => {
                    let used = f.read_rule != ReadRule::Zero
                        || f.hw.can_read()
                        || self.referenced.contains(&fr);
                    if !used {
                        continue;
                    }
                    (p.name.to_uppercase(), "value (implementation defined)")
                }
                Storage::Flop => (
                    format!("{}_RESET", p.name.to_uppercase()),
                    "reset value (implementation defined)",
                ),
                // Hardware drives it: there is nothing to parameterise.
                Storage::Wire => continue,
            };
            self.params.push(Param {
                name,
                width: f.width(),
                value: self.reset_literal(f),
                comment: Some(format!("{}: {comment}", self.map.field_path(fr))),
            });
        }
    }

    fn emit_register(&mut self, rid: RegId) -> Result<(), GenerateError> {
        let reg = self.reg(rid);
        let r = self.rname(rid);
        self.items.push(Item::Blank);
        self.items.push(Item::Comment(vec![
            "-".repeat(76),
            format!(
                "{} @ 0x{:04X}, {} bits, {} bank{}",
                reg.path,
                reg.address,
                reg.width,
                reg.security,
                reg.display_name
                    .as_ref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default()
            ),
            "-".repeat(76),
        ]));

        // Storage first: gates, read data and other registers' rules may read it.
        for i in 0..reg.fields.len() {
            let fr = FieldRef { reg: rid, field: i };
            let p = self.plan_of(fr);
            if p.storage == Storage::Flop {
                let w = reg.fields[i].width();
                let n = p.name.clone();
                self.items.push(Item::reg(format!("{n}_q"), w));
                self.items.push(Item::wire(format!("{n}_d"), w));
            }
        }

        // Register-level gates, each from its own emitter, in IR priority order
        // (an AND: the first that rejects, rejects).
        let mut read_ok = Vec::new();
        let mut write_ok_extra = Vec::new();
        for gate in &reg.write_gates {
            match gate {
                WriteGate::Absent => read_ok.push(self.gate_absent(rid)),
                WriteGate::SecurityState => read_ok.push(self.gate_security(reg)),
                WriteGate::UpdateHandshake => write_ok_extra.push(*gate),
            }
        }
        let ok = if read_ok.is_empty() {
            lit(1, 1)
        } else {
            self.items.push(Item::wire(format!("ok_{r}"), 1));
            self.items.push(Item::assign(
                id(format!("ok_{r}")),
                super::ast::all(read_ok),
            ));
            id(format!("ok_{r}"))
        };
        for s in self.slices(reg) {
            let sfx = Self::slice_suffix(reg, s.index);
            let hit = format!("hit_{r}{sfx}");
            let (hit_value, req_wr, req_rd) = match self.decode_group(s.word) {
                Some(g) => (
                    eq(
                        id(format!("wordg_{g:x}")),
                        lit(DECODE_GROUP_BITS, s.word & ((1 << DECODE_GROUP_BITS) - 1)),
                    ),
                    id(format!("wrg_{g:x}")),
                    id(format!("rdg_{g:x}")),
                ),
                None => (
                    eq(id("req_word"), lit(self.aw - 2, s.word)),
                    id("req_wr"),
                    id("req_rd"),
                ),
            };
            self.items.push(Item::wire(hit.clone(), 1));
            self.items.push(Item::assign(id(hit.clone()), hit_value));
            if self.errors == BusErrors::Error {
                // The group's word is a don't-care outside the group, so the group
                // hit is part of the term.
                let group_hit = self.decode_group(s.word).map(|g| id(format!("hitg_{g:x}")));
                let term = group_hit.into_iter().chain([id(hit.clone()), ok.clone()]);
                self.mapped.push(all(term.filter(|e| !e.is_true())));
            }
            let mut wr = req_wr & id(hit.clone()) & ok.clone();
            for gate in &write_ok_extra {
                if *gate == WriteGate::UpdateHandshake {
                    wr = wr & self.gate_update(rid, s.index)?;
                }
            }
            self.items.push(Item::wire(format!("wr_{r}{sfx}"), 1));
            self.items
                .push(Item::assign(id(format!("wr_{r}{sfx}")), wr));
            self.items.push(Item::wire(format!("rd_{r}{sfx}"), 1));
            self.items.push(Item::assign(
                id(format!("rd_{r}{sfx}")),
                req_rd & id(hit) & ok.clone(),
            ));
        }
        // The write data and strobes as this register's fields see them: they change
        // only while a write to it is taken, so (in an event-driven simulator) a write
        // elsewhere wakes no logic here. The data is a don't-care otherwise (every
        // reader is under a write enable of this register), so synthesis drops the
        // multiplexer; the strobes read 0.
        let wr_any = any(self
            .slices(reg)
            .iter()
            .map(|s| id(format!("wr_{r}{}", Self::slice_suffix(reg, s.index)))))
        .unwrap_or(lit(1, 0));
        self.items
            .push(Item::wire(format!("wdata_{r}"), DATA_WIDTH));
        self.items.push(Item::assign(
            id(format!("wdata_{r}")),
            ternary(wr_any.clone(), id(sig::REQ_WDATA), undef(DATA_WIDTH)),
        ));
        self.items
            .push(Item::wire(format!("wstrb_{r}"), DATA_WIDTH / 8));
        self.items.push(Item::assign(
            id(format!("wstrb_{r}")),
            ternary(wr_any, id(sig::REQ_WSTRB), lit(DATA_WIDTH / 8, 0)),
        ));

        let mut first_port = true;
        let mut flops = Vec::new();
        for i in 0..reg.fields.len() {
            let fr = FieldRef { reg: rid, field: i };
            self.emit_field(fr, &mut first_port)?;
            if self.plan_of(fr).storage == Storage::Flop {
                flops.push(fr);
            }
        }
        if !flops.is_empty() {
            let names: Vec<(String, Expr, String)> = flops
                .iter()
                .map(|&fr| {
                    let n = &self.plan_of(fr).name;
                    let w = self.field(fr).width();
                    let reset = match self.field(fr).present_when.is_empty() {
                        true => self.reset_value(fr),
                        // Field presence: an absent field resets to 0, as RES0 (a reset
                        // of 0 needs no condition).
                        false => match self.reset_value(fr) {
                            v if v == lit(w, 0) => v,
                            v => ternary(id(format!("{n}_present")), v, lit(w, 0)),
                        },
                    };
                    (format!("{n}_q"), reset, format!("{n}_d"))
                })
                .collect();
            self.flops.extend(names);
        }
        Ok(())
    }

    /// The flip-flops of every stored field, in one clocked block: the same flops as a
    /// block per register, but an event-driven simulator (iverilog) wakes one process
    /// per clock edge instead of one per register (see `docs/performance.md`).
    fn emit_storage(&mut self) {
        if self.flops.is_empty() {
            return;
        }
        let resets: Vec<(&str, Expr)> = self
            .flops
            .iter()
            .map(|(q, v, _)| (q.as_str(), v.clone()))
            .collect();
        let run = self
            .flops
            .iter()
            .map(|(q, _, d)| Stmt::nonblocking(id(q.clone()), id(d.clone())))
            .collect();
        let ff = self.clocking.ff(&resets, run);
        self.items.push(Item::Blank);
        self.items.push(Item::comment(
            "Storage: the flip-flop of every stored field; <field>_d is its next value.",
        ));
        self.items.push(ff);
    }

    /// One field: its hardware ports, its software strobes, and (for a flop) its
    /// priority chain, one arm per [`NextValue`] unit.
    fn emit_field(&mut self, fr: FieldRef, first_port: &mut bool) -> Result<(), GenerateError> {
        let storage = self.plan_of(fr).storage.clone();
        let present = self.field_presence(fr, &storage);
        self.field_ports(fr, &storage, first_port);
        let strobes = self.field_strobes(fr, present.as_ref());
        if storage == Storage::Flop {
            self.field_chain(fr, &strobes, present)?;
        }
        Ok(())
    }

    /// The field's hardware ports: its value out (unless the field is the input
    /// itself), the inputs of its hardware units, and its `swmod`/`swacc` strobes.
    /// The first port of a register carries the register's comment.
    fn field_ports(&mut self, fr: FieldRef, storage: &Storage, first_port: &mut bool) {
        let reg = self.reg(fr.reg);
        let f = self.field(fr);
        let p = self.plan_of(fr);
        let n = p.name.clone();
        let units = p.units.clone();
        let w = f.width();
        let mut ports = Vec::new();
        if f.hw.can_read() && *storage != Storage::Wire {
            ports.push(Port::output(n.clone(), w));
            self.items.push(Item::assign(id(n.clone()), self.value(fr)));
        }
        for (_, u) in &units {
            match u {
                Unit::HwWrite(HwEnable::We) => {
                    ports.push(Port::input(format!("{n}_next"), w));
                    ports.push(Port::input(format!("{n}_we"), 1));
                }
                Unit::HwWrite(HwEnable::Wel) => {
                    ports.push(Port::input(format!("{n}_next"), w));
                    ports.push(Port::input(format!("{n}_wel"), 1));
                }
                Unit::HwWrite(_) => ports.push(Port::input(format!("{n}_in"), w)),
                Unit::HwSet => ports.push(Port::input(format!("{n}_hwset"), 1)),
                Unit::HwClr => ports.push(Port::input(format!("{n}_hwclr"), 1)),
                _ => {}
            }
        }
        if f.swmod {
            ports.push(Port::output(format!("{n}_swmod"), 1));
        }
        if f.swacc {
            ports.push(Port::output(format!("{n}_swacc"), 1));
        }
        if let Some(first) = ports.first_mut() {
            let mut c = String::new();
            if *first_port {
                c.push_str(&format!(
                    "{} @ 0x{:04X} ({} bank)\n",
                    reg.path, reg.address, reg.security
                ));
                *first_port = false;
            }
            c.push_str(&format!(
                "  {}.{} {}",
                reg.path.rsplit('.').next().unwrap_or(""),
                f.name,
                Self::bit_range(f)
            ));
            first.comment = Some(c);
        }
        self.ports.extend(ports);
    }

    /// `[lsb]` or `[msb:lsb]` (`[lsb:msb] (bit-reversed)` for a reversed field), as
    /// the comments show a field's bits.
    fn bit_range(f: &Field) -> String {
        if f.reversed() {
            // SystemRDL 2.0 10.7: written `[low:high]`, the value runs the other way.
            return format!("[{}:{}] (bit-reversed)", f.lsb, f.msb);
        }
        if f.width() == 1 {
            format!("[{}]", f.lsb)
        } else {
            format!("[{}:{}]", f.msb, f.lsb)
        }
    }

    /// The software strobes the chain and the `swmod`/`swacc` outputs use: the write
    /// enable and value when a [`Unit::SwWrite`] is planned, and the read enable.
    fn field_strobes(&mut self, fr: FieldRef, present: Option<&Expr>) -> FieldStrobes {
        let f = self.field(fr);
        let n = self.plan_of(fr).name.clone();
        let units = &self.plan_of(fr).units;
        let has = |unit: Unit| units.iter().any(|(_, u)| *u == unit);
        let (swmod, swacc) = (f.swmod, f.swacc);
        let (writes, reads_clear) = (has(Unit::SwWrite), has(Unit::SwRead));
        let write = writes.then(|| self.sw_write_enable(fr));
        let read = self.sw_read_enable(fr);
        let gated_read = || match present {
            Some(p) => read.0.clone() & p.clone(),
            None => read.0.clone(),
        };
        if swmod {
            // SystemRDL 2.0 9.6: swmod fires when software modifies the field, by a
            // write or by a read with a side effect.
            let mut srcs = Vec::new();
            if let Some((we, _)) = &write {
                srcs.push(we.clone());
            }
            if reads_clear {
                srcs.push(gated_read());
            }
            self.items.push(Item::assign(
                id(format!("{n}_swmod")),
                any(srcs).unwrap_or(lit(1, 0)),
            ));
        }
        if swacc {
            self.items
                .push(Item::assign(id(format!("{n}_swacc")), gated_read()));
        }
        FieldStrobes { write, read }
    }

    /// The field's next value `<field>_d`: one continuous assignment, the units in
    /// priority order, then "hold" unless a unit is unconditional; field presence
    /// (when absent, 0) outranks them all.
    fn field_chain(
        &mut self,
        fr: FieldRef,
        strobes: &FieldStrobes,
        present: Option<Expr>,
    ) -> Result<(), GenerateError> {
        let reg = self.reg(fr.reg);
        let f = self.field(fr);
        let p = self.plan_of(fr);
        let n = p.name.clone();
        let w = f.width();
        let complete_now = p.complete_now;
        let units = p.units.clone();
        let summary = format!(
            "{}.{} {} {}: {}",
            reg.path,
            f.name,
            Self::bit_range(f),
            f.write_rule.short_name(f.read_rule),
            f.write_rule.describe()
        );
        let mut arms = Vec::new();
        if let Some(p) = present {
            arms.push(ChainArm {
                comment: Some("Field presence: while absent the field is RES0 and holds 0".into()),
                cond: !p,
                value: lit(w, 0),
            });
        }
        let mut otherwise = None;
        for &(nv, u) in &units {
            let arm = self.unit_arm(fr, nv, u, strobes)?;
            let comment = format!("{nv:?}: {}", arm.what);
            match arm.cond {
                Some(cond) => arms.push(ChainArm {
                    comment: Some(comment),
                    cond,
                    value: arm.value,
                }),
                // An unconditional unit ends the chain: nothing below it is reached.
                None => {
                    otherwise = Some((arm.value, comment));
                    break;
                }
            }
        }
        let (otherwise, otherwise_comment) = otherwise.unwrap_or((
            id(format!("{n}_q")),
            "otherwise: holds its value".to_string(),
        ));
        let mut comment = vec![summary];
        let d = format!("{n}_d");
        let chain = if complete_now {
            // The update completes in the cycle the write is taken: whatever the units
            // do, the next value is 0 (their strobes, such as swmod, still fire).
            comment.extend(
                arms.iter()
                    .filter_map(|a| a.comment.as_ref())
                    .map(|c| format!("{c} (overridden: its strobes still fire)")),
            );
            Chain {
                lhs: d,
                arms: Vec::new(),
                otherwise: lit(w, 0),
                otherwise_comment: Some(
                    "UpdateComplete (immediate): the update completes in the cycle the write \
                     is taken, so the field never reads 1"
                        .into(),
                ),
            }
        } else {
            Chain {
                lhs: d,
                arms,
                otherwise,
                otherwise_comment: Some(otherwise_comment),
            }
        };
        self.items.push(Item::Comment(comment));
        self.items.push(Item::Chain(chain));
        Ok(())
    }

    /// One unit's arm of the priority chain: its condition (`None`: it always
    /// applies), the value it gives the field, and what it is, for the comment.
    fn unit_arm(
        &self,
        fr: FieldRef,
        nv: NextValue,
        unit: Unit,
        strobes: &FieldStrobes,
    ) -> Result<UnitArm, GenerateError> {
        let f = self.field(fr);
        let n = &self.plan_of(fr).name;
        let w = f.width();
        let arm = |cond: Option<Expr>, value: Expr, what: String| UnitArm { cond, value, what };
        Ok(match unit {
            Unit::SwWrite => {
                let (we, value) = strobes.write.clone().ok_or_else(|| {
                    unsupported(self.map.field_path(fr), "internal: no write enable")
                })?;
                arm(
                    Some(we),
                    value,
                    format!("software write: {}", f.write_rule.describe()),
                )
            }
            Unit::SwRead => {
                let (re, value) = self.unit_sw_read(fr, &strobes.read, &format!("{n}_q"));
                arm(
                    Some(re),
                    value,
                    format!("software read: {}", f.read_rule.describe()),
                )
            }
            Unit::HwWrite(e) => {
                let (c, v) = Self::unit_hw_write(n, e);
                arm(c, v, "hardware write".to_string())
            }
            Unit::HwSet => arm(
                Some(id(format!("{n}_hwset"))),
                ones(w),
                "hardware set".to_string(),
            ),
            Unit::HwClr => arm(
                Some(id(format!("{n}_hwclr"))),
                lit(w, 0),
                match nv {
                    NextValue::UpdateComplete => {
                        "update complete (handshake): hardware clears it".to_string()
                    }
                    _ => "hardware clear".to_string(),
                },
            ),
            Unit::Mirror(c) => arm(
                None,
                self.next(c),
                format!(
                    "ACK mirror (immediate): follows {} in the same cycle",
                    self.map.field_path(c)
                ),
            ),
            Unit::PulseEnd => arm(None, lit(w, 0), "single pulse: back to 0".to_string()),
        })
    }
    /// Field presence ("Field presence" in [`regdef::access`]): for a field with
    /// `present_when`, `<field>_present` = every term non-zero. Its terms are
    /// parameters, so synthesis folds the condition: an absent field costs nothing,
    /// a present one nothing more. The callers gate with it the field's software
    /// write enable and strobes, its flop (next value and reset), and for a constant
    /// or a wire its value `<field>_v`; everything that reads the field (read data,
    /// output port, guards of other fields) then sees 0 while it is absent.
    fn field_presence(&mut self, fr: FieldRef, storage: &Storage) -> Option<Expr> {
        let f = self.field(fr);
        if f.present_when.is_empty() {
            return None;
        }
        let n = self.plan_of(fr).name.clone();
        let present = format!("{n}_present");
        self.items.push(Item::wire(present.clone(), 1));
        self.items.push(Item::assign(
            id(present.clone()),
            self.presence(&f.present_when),
        ));
        let base = match storage {
            Storage::Constant => Some(self.constant(fr)),
            Storage::Wire => Some(id(format!("{n}_in"))),
            Storage::Flop => None,
        };
        if let Some(base) = base {
            self.items.push(Item::wire(format!("{n}_v"), f.width()));
            self.items.push(Item::assign(
                id(format!("{n}_v")),
                ternary(id(present.clone()), base, lit(f.width(), 0)),
            ));
        }
        Some(id(present))
    }

    // ---------------------------------------------------------------- gates

    /// [`WriteGate::Absent`]: the register exists only while every `present_when`
    /// field is non-zero (IHI0070 6.3.52-6.3.82 for the Secure bank).
    fn gate_absent(&mut self, rid: RegId) -> Expr {
        let reg = self.reg(rid);
        let n = format!("present_{}", self.rname(rid));
        let condition = self.presence(&reg.present_when);
        self.items.push(Item::wire(n.clone(), 1));
        self.items.push(Item::assign(id(n.clone()), condition));
        id(n)
    }

    /// [`WriteGate::SecurityState`]: only a Secure access reaches a Secure register
    /// (IHI0070 3.10, 6.2; [`SecSid::may_access`]).
    fn gate_security(&self, reg: &Register) -> Expr {
        debug_assert!(!SecSid::NonSecure.may_access(reg.security));
        id(sig::REQ_SECURE)
    }

    /// [`WriteGate::UpdateHandshake`]: the write is taken only while the update field
    /// reads 0 and only if it writes the field to 1 (IHI0070 6.3.14).
    fn gate_update(&self, rid: RegId, slice_index: u32) -> Result<Expr, GenerateError> {
        let reg = self.reg(rid);
        let ui = reg.update_field.ok_or_else(|| {
            unsupported(reg.path.clone(), "update handshake without an update field")
        })?;
        let fr = FieldRef {
            reg: rid,
            field: ui,
        };
        let f = self.field(fr);
        if f.width() != 1 {
            return Err(unsupported(
                self.map.field_path(fr),
                "update field wider than 1 bit",
            ));
        }
        let (s, bus) = self.bus_bit(reg, f.lsb);
        if s != slice_index {
            // A write to the other half cannot set Update, so it is never taken.
            return Ok(lit(1, 0));
        }
        Ok(!self.value(fr) & index(sig::REQ_WSTRB, bus / 8) & index(sig::REQ_WDATA, bus))
    }

    /// One [`GuardTerm`]: `when_set = false` needs the field to read 0 (SMMU guards,
    /// `swwel`), `true` non-zero (`swwe`). The IR lists the ACK bit as its own term.
    fn guard(&self, t: &GuardTerm) -> Expr {
        let v = self.value(t.field);
        let w = self.field(t.field).width();
        match (t.when_set, w) {
            (true, 1) => v,
            (false, 1) => !v,
            (true, _) => reduce_or(v),
            (false, _) => eq(v, lit(w, 0)),
        }
    }

    // ---------------------------------------------------------------- software side

    /// The write enable of a field (`<f>_sw_we`, after every gate and guard) and the
    /// value a write stores ([`write_rule_value`] under the byte strobes).
    ///
    /// A field inside one byte lane of one word stores the rule's value whenever the
    /// enable is set. A field over several lanes (or both halves of a 64-bit register)
    /// is merged lane by lane: `{lane_written ? rule(q, d) : q, ...}`. The rules are
    /// bitwise, so applying one per lane is [`WriteRule::apply`] under the mask of
    /// written bytes; and written as a multiplexer per lane, it lets synthesis turn
    /// each lane into a flip-flop enable instead of a multiplexer per bit.
    fn sw_write_enable(&mut self, fr: FieldRef) -> (Expr, Expr) {
        let reg = self.reg(fr.reg);
        let f = self.field(fr);
        let n = self.plan_of(fr).name.clone();
        let r = self.rname(fr.reg);
        let segs = self.segments(reg, f, true);
        // The register's gated write data and strobes (`emit_register`).
        let (wdata, wstrb) = (format!("wdata_{r}"), format!("wstrb_{r}"));
        if self.gated_set.insert(r.clone()) {
            self.gated.push(r.clone());
        }
        let enable = |s: u32, bus: u32| {
            id(format!("wr_{r}{}", Self::slice_suffix(reg, s))) & index(wstrb.clone(), bus / 8)
        };
        let q_name = format!("{n}_q");
        // Every guard term, and the field's presence: an absent field takes no write.
        let presence = (!f.present_when.is_empty()).then(|| id(format!("{n}_present")));
        let guard = super::ast::all(f.guard.iter().map(|t| self.guard(t)).chain(presence));
        let we_name = format!("{n}_sw_we");
        self.items.push(Item::wire(we_name.clone(), 1));
        // The write data of a run of register bits, in value order (`across_bus`), and
        // the value bits `(lo, hi)` it writes.
        let data = |lo: u32, hi: u32, bus: u32| {
            (
                Self::value_run(f, lo, hi),
                Self::across_bus(f, &wdata, bus, hi - lo + 1),
            )
        };
        let value = if let [(lo, hi, s, bus)] = segs.as_slice() {
            self.items
                .push(Item::assign(id(we_name.clone()), enable(*s, *bus) & guard));
            write_rule_value(
                f.write_rule,
                &id(q_name.clone()),
                &data(*lo, *hi, *bus).1,
                f.width(),
            )
        } else {
            let lanes = any(segs.iter().map(|&(_, _, s, bus)| enable(s, bus)));
            self.items.push(Item::assign(
                id(we_name.clone()),
                all(lanes.into_iter().chain([guard])),
            ));
            // One lane per run, most significant value bits first.
            let mut lanes: Vec<_> = segs
                .iter()
                .map(|&(lo, hi, s, bus)| {
                    let ((vlo, vhi), d) = data(lo, hi, bus);
                    let old = slice(q_name.clone(), vhi, vlo);
                    let new = write_rule_value(f.write_rule, &old, &d, vhi - vlo + 1);
                    (vlo, ternary(enable(s, bus), new, old))
                })
                .collect();
            lanes.sort_by_key(|l| std::cmp::Reverse(l.0));
            concat(lanes.into_iter().map(|l| l.1).collect())
        };
        (id(we_name), value)
    }

    /// The read strobe of a field: any read taken of a slice it occupies; and for a
    /// field across both halves of a 64-bit register, its runs per half
    /// `(value lsb, value msb, read strobe of that half)`.
    fn sw_read_enable(&self, fr: FieldRef) -> (Expr, Vec<(u32, u32, Expr)>) {
        let reg = self.reg(fr.reg);
        let f = self.field(fr);
        let r = self.rname(fr.reg);
        let segs = self.segments(reg, f, false);
        let rd = |s: u32| id(format!("rd_{r}{}", Self::slice_suffix(reg, s)));
        let strobe = any(segs.iter().map(|&(_, _, s, _)| rd(s))).unwrap_or(lit(1, 0));
        let mut halves: Vec<(u32, u32, Expr)> = if segs.len() > 1 {
            segs.iter()
                .map(|&(lo, hi, s, _)| {
                    let (vlo, vhi) = Self::value_run(f, lo, hi);
                    (vlo, vhi, rd(s))
                })
                .collect()
        } else {
            Vec::new()
        };
        // In value order, least significant first (`unit_sw_read` concatenates them).
        halves.sort_by_key(|h| h.0);
        (strobe, halves)
    }

    /// [`NextValue::SwRead`]: `rclr` / `rset` ([`ReadRule::after_read`]) on the bits
    /// of the slice that was read.
    fn unit_sw_read(
        &self,
        fr: FieldRef,
        re: &(Expr, Vec<(u32, u32, Expr)>),
        q: &str,
    ) -> (Expr, Expr) {
        let f = self.field(fr);
        let after = |w: u32, q: Expr| match f.read_rule {
            ReadRule::ValueThenClear => lit(w, 0),
            ReadRule::ValueThenSet => ones(w),
            ReadRule::Zero | ReadRule::Value => q,
        };
        let value = if re.1.is_empty() {
            after(f.width(), id(q))
        } else {
            concat(
                re.1.iter()
                    .rev()
                    .map(|(lo, hi, strobe)| {
                        let part = slice(q, *hi, *lo);
                        ternary(strobe.clone(), after(hi - lo + 1, part.clone()), part)
                    })
                    .collect(),
            )
        };
        (re.0.clone(), value)
    }

    /// [`NextValue::HwWrite`]: `we`, `wel` or every cycle.
    fn unit_hw_write(n: &str, enable: HwEnable) -> (Option<Expr>, Expr) {
        match enable {
            HwEnable::We => (Some(id(format!("{n}_we"))), id(format!("{n}_next"))),
            HwEnable::Wel => (Some(!id(format!("{n}_wel"))), id(format!("{n}_next"))),
            HwEnable::Continuous | HwEnable::None => (None, id(format!("{n}_in"))),
        }
    }

    /// [`ReadRule`]: the readable fields of slice `s` as `(bus lsb, bus msb, value)`, by
    /// bus bit, before the register's read gates; RES0 bits and unreadable (`Zero`)
    /// fields are absent, and read 0.
    fn read_pieces(&self, rid: RegId, s: Slice) -> Vec<Piece> {
        let reg = self.reg(rid);
        // (bus lsb, bus msb, expr) pieces.
        let mut pieces: Vec<(u32, u32, Expr)> = Vec::new();
        for (i, f) in reg.fields.iter().enumerate() {
            if f.read_rule == ReadRule::Zero {
                continue;
            }
            let fr = FieldRef { reg: rid, field: i };
            for (lo, hi, sl, bus) in self.segments(reg, f, false) {
                if sl != s.index {
                    continue;
                }
                let v = self.value(fr);
                // The value bits this run of register bits carries, turned into
                // register bit order at the bus (`across_bus`).
                let (vlo, _) = Self::value_run(f, lo, hi);
                let n = hi - lo + 1;
                let part = match v {
                    v if lo == 0 && hi == f.width() - 1 && !f.reversed() => v,
                    Expr::Ident(name) => Self::across_bus(f, &name, vlo, n),
                    // Literals are sliced (and reversed) by value.
                    Expr::Literal { value, .. } => {
                        lit(n, regdef::access::field_bits(value >> vlo, n, f.reversed()))
                    }
                    other => other,
                };
                pieces.push((bus, bus + hi - lo, part));
            }
        }
        pieces.sort_by_key(|p| p.0);
        pieces
    }

    /// The read multiplexer.
    ///
    /// `rd_<reg>` (the register's word is addressed by a read and every read gate
    /// passes) is one-hot over words. Readable words are taken in address order in
    /// groups of [`READ_GROUP`]; within a group, an `always @*` starts from 0 and each
    /// selected register overwrites only its readable field bits, so a data bit costs
    /// one multiplexer, and RES0 bits and constant-0 bits cost nothing. The groups are
    /// ORed as a balanced tree. Undefined addresses, absent registers and Non-secure
    /// reads of Secure registers select nothing and read 0.
    ///
    /// (A flat AND-OR of every word costs two gates per data bit; one priority chain
    /// over all words costs one but is as deep as the map is long. The groups keep
    /// both the size and the depth small: see `docs/performance.md`.)
    fn emit_read_mux(&mut self) {
        // (read select, label, readable pieces) per word.
        let mut words: Vec<(String, String, Vec<Piece>)> = Vec::new();
        for (rid, reg) in self.map.iter() {
            let r = self.rname(rid);
            for s in self.slices(reg) {
                let pieces: Vec<Piece> = self
                    .read_pieces(rid, s)
                    .into_iter()
                    .flat_map(|(lo, hi, e)| match e {
                        // A constant keeps only its runs of ones: 0 is the default.
                        Expr::Literal { value, .. } => ones_runs(value, hi - lo + 1)
                            .into_iter()
                            .map(|(a, b)| (lo + a, lo + b, ones(b - a + 1)))
                            .collect(),
                        e => vec![(lo, hi, e)],
                    })
                    .collect();
                if pieces.is_empty() {
                    continue;
                }
                let sfx = Self::slice_suffix(reg, s.index);
                let label = format!("{} 0x{:04X}", reg.path, s.word * 4);
                words.push((format!("rd_{r}{sfx}"), label, pieces));
            }
        }
        self.items.push(Item::Blank);
        self.items.push(Item::Comment(vec![
            "-".repeat(76),
            "Read data. rd_<reg> is one-hot: its word is read and its read gates pass.".into(),
            format!(
                "In groups of {READ_GROUP} words, the selected register sets its readable field bits;"
            ),
            "the groups are ORed. RES0 bits, undefined addresses, absent registers and".into(),
            "Non-secure reads of Secure registers read 0.".into(),
            "-".repeat(76),
        ]));
        let mut groups = Vec::new();
        for (gi, chunk) in words.chunks(READ_GROUP).enumerate() {
            let g = format!("rdata_g{gi}");
            self.items.push(Item::reg(g.clone(), DATA_WIDTH));
            let mut body = vec![Stmt::blocking(id(g.clone()), lit(DATA_WIDTH, 0))];
            for (rd, label, pieces) in chunk {
                body.push(Stmt::Comment(label.clone()));
                body.push(Stmt::if_else(
                    id(rd.clone()),
                    pieces
                        .iter()
                        .map(|(lo, hi, e)| Stmt::blocking(slice(g.clone(), *hi, *lo), e.clone()))
                        .collect(),
                    vec![],
                ));
            }
            self.items.push(Item::comb(body));
            groups.push(id(g));
        }
        self.items.push(Item::assign(
            id(sig::RSP_RDATA),
            super::ast::any_balanced(groups).unwrap_or(lit(DATA_WIDTH, 0)),
        ));
    }

    /// With [`BusErrors::Error`], `rsp_error`: a request that addresses no register
    /// word, an absent register or a Secure register from Non-secure. It is
    /// combinational in the request cycle, like the read data, and the access has no
    /// effect (its read and write strobes are already gated off).
    fn emit_error(&mut self) {
        if self.errors != BusErrors::Error {
            return;
        }
        let mapped = any_balanced_or_zero(std::mem::take(&mut self.mapped));
        self.items.push(Item::Blank);
        self.items.push(Item::comment(
            "Error response: the request reaches no register word, or a read gate refuses it.",
        ));
        self.items.push(Item::wire("req_mapped", 1));
        self.items.push(Item::assign(id("req_mapped"), mapped));
        self.items.push(Item::assign(
            id(sig::RSP_ERROR),
            id(sig::REQ_VALID) & !id("req_mapped"),
        ));
    }

    /// Request bits no rule needs (the byte offset, write data of RES0 bits, the
    /// security of a map without Secure registers) go to one `unused_*` sink, the
    /// Verilator convention for "deliberately not read".
    fn emit_unused(&mut self) {
        let mut parts = vec![
            slice(sig::REQ_ADDR, 1, 0),
            id(sig::REQ_WDATA),
            id(sig::REQ_WSTRB),
            id(sig::REQ_SECURE),
        ];
        if self
            .plans
            .iter()
            .flatten()
            .all(|p| p.storage != Storage::Flop)
        {
            parts.push(id(Clocking::CLOCK));
            parts.push(id(self.clocking.reset_name()));
        }
        self.items.push(Item::wire("unused_req", 1));
        self.items
            .push(Item::assign(id("unused_req"), reduce_xor(concat(parts))));
    }
}

/// The balanced OR of 1-bit `terms`, or `1'b0` when there are none.
fn any_balanced_or_zero(terms: Vec<Expr>) -> Expr {
    super::ast::any_balanced(terms).unwrap_or(lit(1, 0))
}

/// Marks, for every signal named in `used`, the bits the items' expressions read.
fn bits_read(items: &[Item], used: &mut FxHashMap<String, Vec<bool>>) {
    fn mark(used: &mut FxHashMap<String, Vec<bool>>, name: &str, lo: usize, hi: Option<usize>) {
        if let Some(bits) = used.get_mut(name) {
            let hi = hi.unwrap_or(bits.len().saturating_sub(1));
            if let Some(range) = bits.get_mut(lo..=hi) {
                range.fill(true);
            }
        }
    }
    fn walk(e: &Expr, used: &mut FxHashMap<String, Vec<bool>>) {
        match e {
            Expr::Ident(n) => mark(used, n, 0, None),
            Expr::Index(n, i) => mark(used, n, *i as usize, Some(*i as usize)),
            Expr::Slice(n, m, l) => mark(used, n, *l as usize, Some(*m as usize)),
            Expr::Literal { .. } | Expr::Undef(_) => {}
            Expr::Unary(_, a) | Expr::Repeat(_, a) => walk(a, used),
            Expr::Binary(_, a, b) => {
                walk(a, used);
                walk(b, used);
            }
            Expr::Ternary(c, a, b) => {
                walk(c, used);
                walk(a, used);
                walk(b, used);
            }
            Expr::Concat(p) => p.iter().for_each(|x| walk(x, used)),
        }
    }
    for item in items {
        match item {
            Item::Assign { rhs, .. } => walk(rhs, used),
            Item::Chain(c) => c.exprs().for_each(|e| walk(e, used)),
            _ => {}
        }
    }
}

/// Runs `(lo, hi)` of `bits` equal to `value`.
fn runs(bits: &[bool], value: bool) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &b) in bits.iter().chain([&!value]).enumerate() {
        match (b == value, start) {
            (true, None) => start = Some(i as u32),
            (false, Some(s)) => {
                out.push((s, i as u32 - 1));
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// [`WriteRule`]: the field's value after a write of `data` over `old`
/// (the RTL twin of [`WriteRule::apply`]; byte strobes are applied by the caller).
pub fn write_rule_value(rule: WriteRule, old: &Expr, data: &Expr, width: u32) -> Expr {
    let (q, d) = (old.clone(), data.clone());
    match rule {
        WriteRule::Ignore => q,
        WriteRule::Store => d,
        WriteRule::SetOnes => q | d,
        WriteRule::ClearOnes => q & !d,
        WriteRule::ToggleOnes => q ^ d,
        WriteRule::SetZeros => q | !d,
        WriteRule::ClearZeros => q & d,
        WriteRule::ToggleZeros => q ^ !d,
        WriteRule::ClearAll => lit(width, 0),
        WriteRule::SetAll => ones(width),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verilog::{generate, VerilogOptions};

    fn map(src: &str) -> RegisterMap {
        regdef::compile_source("test.rdl", src).unwrap_or_else(|d| panic!("{d:?}"))
    }

    #[test]
    fn the_address_width_covers_the_last_byte() {
        let m = map(
            "addrmap top { regfile { reg { field {} f[0:0]; } q[2] @ 0x0 += 4; } rf @ 0x10; };",
        );
        // The last byte is 0x17: five address bits.
        assert_eq!(addr_width(&m), 5);
    }

    #[test]
    fn write_once_is_reported_not_generated() {
        let m = map("addrmap top { reg { field { sw = rw1; hw = r; } f[0:0] = 0; } q @ 0x0; };");
        let err = generate(&m, &VerilogOptions::default()).unwrap_err();
        assert!(
            matches!(&err, GenerateError::Unsupported { path, what }
                if path == "top.q.f" && what.contains("write-once")),
            "{err}"
        );
    }

    #[test]
    fn flattened_name_clashes_are_reported() {
        // `a_b.c` and `a.b_c` both flatten to `a_b_c`.
        let m = map("addrmap top {
                reg { field { sw = rw; hw = r; } c[0:0] = 0; } a_b @ 0x0;
                reg { field { sw = rw; hw = r; } b_c[0:0] = 0; } a @ 0x10;
            };");
        let err = generate(&m, &VerilogOptions::default()).unwrap_err();
        let GenerateError::Check(errors) = err else {
            panic!("expected a check error, got {err}");
        };
        assert!(
            errors
                .iter()
                .any(|e| e.message.contains("`a_b_c` is declared twice")),
            "{errors:?}"
        );
    }
}
