//! Signals and the hardware side of fields: reference-valued properties (SystemRDL
//! 2.0 9.5, 9.6), counters (9.8), interrupts (9.9), reductions (9.10) and
//! `paritycheck` (9.11), with systemrdl-compiler 1.33's checks.
//!
//! A reference names a signal, a field's value, a property of a field (`f->anded`,
//! `f->overflow`, `f->reset`, ...) or an output of a register (`r->intr`). It becomes a
//! [`Source`]; nothing here follows a chain of references, so a cycle cannot hang the
//! front end (a cycle of value references is reported, as systemrdl-compiler does).

use super::*;
use crate::access::{FieldOutput, HwMaskKind, InterruptType, RegisterOutput};
use crate::frontend::elaborate::FieldBits;
use crate::ir::{
    Counter, CounterDirection, CounterLimit, HwMask, Interrupt, Polarity, RefProperty, Signal,
    SignalId, SignalScope, Source, SwWriteEnable, ValueOrRef,
};

/// What a property reference (`f->prop`) names and how wide it is (`None`: not
/// knowable, a value such as `incrvalue`).
struct PropTarget {
    source: Source,
    width: Option<u32>,
}

/// How a reference-valued property constrains the width of what it names.
#[derive(Copy, Clone, PartialEq, Eq)]
enum WidthRule {
    /// A 1-bit value (`we`, `hwset`, `incr`, `resetsignal`, ...).
    One,
    /// As wide as the field (`next`, `reset`, `enable`, `hwmask`, ...).
    Same,
    /// At most as wide as the field (`incrvalue`, `decrvalue`).
    AtMost,
}

impl Lowerer<'_, '_> {
    // ---- signals ---------------------------------------------------------------

    /// Numbers the present signals: the root scope's first, then the top's in
    /// declaration order (systemrdl-compiler's walk).
    pub(super) fn index_signals(&mut self) {
        let nodes = &self.tree.nodes;
        let (root, inner): (Vec<NodeId>, Vec<NodeId>) =
            (0..nodes.len()).partition(|&n| nodes[n].parent.is_none());
        for n in root.into_iter().chain(inner) {
            let node = &nodes[n];
            if node.kind == Kind::Signal && node.present {
                self.signal_of[n] = Some(SignalId(self.signal_nodes.len()));
                self.signal_nodes.push(n);
            }
        }
    }

    /// A signal's width: its instance's `[n]` / `[msb:lsb]`, else `signalwidth`, else 1
    /// (SystemRDL 2.0 8.2).
    fn signal_width(&self, n: NodeId) -> u32 {
        let node = &self.tree.nodes[n];
        let from_decl = node
            .decl
            .and_then(|(p, i)| match self.defs.defs[p].insts[i].bits {
                FieldBits::Implied => None,
                FieldBits::Width(w) => Some(w),
                FieldBits::Range { msb, lsb } => Some(msb.abs_diff(lsb).saturating_add(1)),
            });
        let w = from_decl.or(match self.tree.builtin(n, Builtin::Signalwidth) {
            Some(Value::Int { v, .. }) => Some(*v),
            _ => None,
        });
        w.unwrap_or(1).clamp(1, u64::from(u32::MAX)) as u32
    }

    /// The IR of every present signal, with the checks of SystemRDL 2.0 8.2.1.
    pub(super) fn signals(&mut self) -> Vec<Signal> {
        let tree = self.tree;
        let mut out = Vec::with_capacity(self.signal_nodes.len());
        // 8.2.1-f/g: one `cpuif_reset` and one `field_reset` signal per scope.
        let mut first_reset: FxMap<(Option<NodeId>, Builtin), NodeId> = FxMap::default();
        for &n in &self.signal_nodes.clone() {
            let node = &tree.nodes[n];
            let width = self.signal_width(n);
            if let Some((Value::Int { v, .. }, span)) = tree.nodes[n]
                .props
                .get(&PropKey::Builtin(Builtin::Signalwidth))
                .map(|p| (&p.value, p.vspan))
            {
                if *v != u64::from(width) || *v == 0 {
                    self.rep
                        .error(
                            codes::FIELD_WIDTH,
                            span,
                            format!(
                                "signal `{}` is {width} bits wide, but its `signalwidth` is {v}",
                                node.name
                            ),
                        )
                        .hint("give no width on the instance to take the `signalwidth`, or make them agree");
                }
            }
            let polarity = if tree.flag(n, Builtin::Activehigh) {
                Some(Polarity::High)
            } else if tree.flag(n, Builtin::Activelow) {
                Some(Polarity::Low)
            } else {
                None
            };
            for b in [Builtin::CpuifReset, Builtin::FieldReset] {
                if !tree.flag(n, b) {
                    continue;
                }
                if polarity.is_none() {
                    self.rep
                        .error(
                            codes::PROPERTY_CONFLICT,
                            tree.prop_span(n, b),
                            format!(
                                "signal `{}` sets `{}` but not whether it is active high or low",
                                node.name,
                                b.name()
                            ),
                        )
                        .hint("add `activehigh;` or `activelow;` to the signal");
                }
                match first_reset.get(&(node.parent, b)) {
                    Some(&other) => {
                        self.rep
                            .error(
                                codes::DUPLICATE,
                                node.span,
                                format!(
                                    "only one `{}` signal is allowed per scope; `{}` is redundant",
                                    b.name(),
                                    node.name
                                ),
                            )
                            .also(tree.nodes[other].span, "the first one").hint(format!("keep `{}` on one signal of each scope; a nested scope may have its own", b.name()));
                    }
                    None => {
                        first_reset.insert((node.parent, b), n);
                    }
                }
            }
            let scope = match node.parent {
                None => SignalScope::Root,
                Some(p) => match (self.field_of[p], self.reg_of[p], self.block_of_node[p]) {
                    (Some(f), _, _) => SignalScope::Field(f),
                    (None, Some(r), _) => SignalScope::Reg(r),
                    (None, None, Some(b)) => SignalScope::Block(b),
                    (None, None, None) => SignalScope::Root,
                },
            };
            out.push(Signal {
                inst_name: node.name.clone(),
                path: tree.path(n),
                display_name: self.string(n, Builtin::Name),
                desc: self.string(n, Builtin::Desc),
                scope,
                width,
                sync: !tree.flag(n, Builtin::Async),
                polarity,
                cpuif_reset: tree.flag(n, Builtin::CpuifReset),
                field_reset: tree.flag(n, Builtin::FieldReset),
                array_index: tree.array_index(n),
                udps: Vec::new(),
                location: self.rep.location(node.span),
            });
        }
        out
    }

    // ---- references ------------------------------------------------------------

    /// Width of a field node.
    fn node_width(&self, n: NodeId) -> u32 {
        let node = &self.tree.nodes[n];
        node.msb.saturating_sub(node.lsb).saturating_add(1)
    }

    /// Resolves a reference used as a hardware value: a signal, a field, or a
    /// property of either (`f->anded`, `r->intr`). `what` names the property it is
    /// the value of, for messages. Returns the source and its width, if knowable.
    pub(super) fn source_of(
        &mut self,
        assignee: NodeId,
        r: &InstRef,
        what: &str,
    ) -> Option<(Source, Option<u32>)> {
        let target = self.resolve(assignee, r)?;
        let node = &self.tree.nodes[target];
        if !node.present {
            // 5.3.1-i: what a present instance references must be present.
            self.rep
                .error(
                    codes::UNKNOWN_REF,
                    r.span,
                    format!(
                        "{what} references `{}`, which is not present (ispresent = false)",
                        self.tree.path(target)
                    ),
                )
                .hint("make it present, or reference another instance");
            return None;
        }
        if let Some((prop, pspan)) = &r.prop {
            let t = self.prop_target(target, prop, *pspan, r)?;
            return Some((t.source, t.width));
        }
        match node.kind {
            Kind::Signal => {
                let id = self.signal_of[target]?;
                Some((Source::Signal(id), Some(self.signal_width(target))))
            }
            Kind::Field => {
                let fr = self.field_of[target]?;
                Some((Source::Field(fr), Some(self.node_width(target))))
            }
            kind => {
                self.rep
                    .error(
                        codes::PROPERTY_TYPE,
                        r.span,
                        format!(
                            "{what} must reference a field, a signal or a property, but `{}` is a {}",
                            r.text(),
                            kind.as_str()
                        ),
                    )
                    .hint(format!(
                        "name one of its fields (`{}.<field>`) or a property (`{}->intr`)",
                        r.text(),
                        r.text()
                    ));
                None
            }
        }
    }

    /// `target->prop` as a value, with systemrdl-compiler's checks of each kind of
    /// property reference.
    fn prop_target(
        &mut self,
        target: NodeId,
        prop: &str,
        pspan: Span,
        r: &InstRef,
    ) -> Option<PropTarget> {
        let tree = self.tree;
        let node = &tree.nodes[target];
        if node.kind == Kind::Reg {
            // SystemRDL 2.0 10.8: a register's `intr` and `halt` outputs.
            let (out, needs): (RegisterOutput, &[Builtin]) = match prop {
                "intr" => (RegisterOutput::Intr, &[Builtin::Intr]),
                "halt" => (
                    RegisterOutput::Halt,
                    &[Builtin::Haltenable, Builtin::Haltmask],
                ),
                _ => return self.bad_prop_ref(node.kind, prop, pspan),
            };
            let has = node.children.iter().any(|&c| {
                tree.nodes[c].kind == Kind::Field
                    && needs.iter().any(|&b| match tree.builtin(c, b) {
                        Some(Value::Bool(v)) => *v,
                        Some(_) => true,
                        None => false,
                    })
            });
            if !has {
                self.rep.error(
                    codes::PROPERTY_CONFLICT,
                    r.span,
                    match out {
                        RegisterOutput::Intr => format!(
                            "`{}` has no interrupt: register `{}` contains no `intr` field",
                            r.text(),
                            tree.path(target)
                        ),
                        RegisterOutput::Halt => format!(
                            "`{}` has no halt: no field of register `{}` sets `haltenable` or `haltmask`",
                            r.text(),
                            tree.path(target)
                        ),
                    },
                ).hint("`->intr` is the OR of a register's interrupt fields: reference a register with an `intr` field");
                return None;
            }
            let reg = self.reg_of[target]?;
            return Some(PropTarget {
                source: Source::RegisterOutput(reg, out),
                width: Some(1),
            });
        }
        if node.kind != Kind::Field {
            return self.bad_prop_ref(node.kind, prop, pspan);
        }
        let fr = self.field_of[target]?;
        let width = self.node_width(target);
        let counter = tree.flag(target, Builtin::Counter);
        let set = |b: Builtin| tree.builtin(target, b).cloned();
        let (rp, w) = match prop {
            "anded" => (RefProperty::Output(FieldOutput::Anded), Some(1)),
            "ored" => (RefProperty::Output(FieldOutput::Ored), Some(1)),
            "xored" => (RefProperty::Output(FieldOutput::Xored), Some(1)),
            "swmod" => (RefProperty::Swmod, Some(1)),
            "swacc" => (RefProperty::Swacc, Some(1)),
            "incr" | "decr" | "overflow" | "underflow" | "incrsaturate" | "saturate"
            | "decrsaturate" | "incrthreshold" | "threshold" | "decrthreshold" => {
                if !counter {
                    self.rep
                        .error(
                            codes::PROPERTY_CONFLICT,
                            r.span,
                            format!(
                                "`{}` is illegal: `{}` is not a counter",
                                r.text(),
                                tree.path(target)
                            ),
                        )
                        .hint("only a `counter` field has this property");
                    return None;
                }
                let saturates = |b: &[Builtin]| {
                    b.iter()
                        .any(|&b| !matches!(set(b), None | Some(Value::Bool(false))))
                };
                let never = match prop {
                    "overflow" => saturates(&[Builtin::Incrsaturate, Builtin::Saturate]),
                    "underflow" => saturates(&[Builtin::Decrsaturate]),
                    _ => false,
                };
                if never {
                    self.rep.error(
                        codes::PROPERTY_CONFLICT,
                        r.span,
                        format!(
                            "`{}` is illegal: the counter saturates, so it never {}s",
                            r.text(),
                            prop
                        ),
                    ).hint("drop the counter's saturation, or reference its saturation output (`->incrsaturate`)");
                    return None;
                }
                let threshold = match prop {
                    "incrthreshold" | "threshold" => {
                        Some([Builtin::Incrthreshold, Builtin::Threshold])
                    }
                    "decrthreshold" => Some([Builtin::Decrthreshold, Builtin::Decrthreshold]),
                    _ => None,
                };
                if let Some(bs) = threshold {
                    if !saturates(&bs) {
                        self.rep
                            .error(
                                codes::PROPERTY_CONFLICT,
                                r.span,
                                format!(
                                    "`{}` is illegal: `{}` defines no threshold",
                                    r.text(),
                                    tree.path(target)
                                ),
                            )
                            .hint("give the counter a threshold (`incrthreshold = ...;`)");
                        return None;
                    }
                }
                let rp = match prop {
                    "incr" => RefProperty::Incr,
                    "decr" => RefProperty::Decr,
                    "overflow" => RefProperty::Output(FieldOutput::Overflow),
                    "underflow" => RefProperty::Output(FieldOutput::Underflow),
                    "incrsaturate" => RefProperty::Output(FieldOutput::IncrSaturate),
                    "saturate" => RefProperty::Saturate,
                    "decrsaturate" => RefProperty::Output(FieldOutput::DecrSaturate),
                    "incrthreshold" => RefProperty::Output(FieldOutput::IncrThreshold),
                    "threshold" => RefProperty::Threshold,
                    _ => RefProperty::Output(FieldOutput::DecrThreshold),
                };
                (rp, Some(1))
            }
            "incrvalue" | "decrvalue" => {
                // The value the property has, which an up (down) counter without
                // `incrwidth` (`decrwidth`) has by default.
                let (b, wb, rp) = if prop == "incrvalue" {
                    (
                        Builtin::Incrvalue,
                        Builtin::Incrwidth,
                        RefProperty::Incrvalue,
                    )
                } else {
                    (
                        Builtin::Decrvalue,
                        Builtin::Decrwidth,
                        RefProperty::Decrvalue,
                    )
                };
                let up = prop == "incrvalue";
                let implied = counter
                    && set(wb).is_none()
                    && (if up {
                        self.is_up_counter(target)
                    } else {
                        self.is_down_counter(target)
                    });
                if set(b).is_none() && !implied {
                    return self.value_never_set(r, prop, target);
                }
                (rp, None)
            }
            "swwe" | "swwel" | "we" | "wel" | "hwset" | "hwclr" => {
                // The enable or input the property stands for; `we` and `wel` (and
                // `swwe`/`swwel`) stand in for each other.
                let (b, partner, rp) = match prop {
                    "swwe" => (Builtin::Swwe, Some(Builtin::Swwel), RefProperty::Swwe),
                    "swwel" => (Builtin::Swwel, Some(Builtin::Swwe), RefProperty::Swwel),
                    "we" => (Builtin::We, Some(Builtin::Wel), RefProperty::We),
                    "wel" => (Builtin::Wel, Some(Builtin::We), RefProperty::Wel),
                    "hwset" => (Builtin::Hwset, None, RefProperty::Hwset),
                    _ => (Builtin::Hwclr, None, RefProperty::Hwclr),
                };
                let enabled = |b: Builtin| !matches!(set(b), None | Some(Value::Bool(false)));
                if !enabled(b) && !partner.is_some_and(enabled) {
                    self.rep
                        .error(
                            codes::PROPERTY_CONFLICT,
                            r.span,
                            format!(
                                "`{}` is illegal: `{}` never sets `{prop}`",
                                r.text(),
                                tree.path(target)
                            ),
                        )
                        .hint(format!(
                            "set `{prop}` on the field, or reference another property"
                        ));
                    return None;
                }
                (rp, Some(1))
            }
            "enable" | "mask" | "haltenable" | "haltmask" | "hwenable" | "hwmask" | "next"
            | "reset" | "resetsignal" => {
                let (b, rp) = match prop {
                    "enable" => (Builtin::Enable, RefProperty::Enable),
                    "mask" => (Builtin::Mask, RefProperty::Mask),
                    "haltenable" => (Builtin::Haltenable, RefProperty::Haltenable),
                    "haltmask" => (Builtin::Haltmask, RefProperty::Haltmask),
                    "hwenable" => (Builtin::Hwenable, RefProperty::Hwenable),
                    "hwmask" => (Builtin::Hwmask, RefProperty::Hwmask),
                    "next" => (Builtin::Next, RefProperty::Next),
                    "reset" => (Builtin::Reset, RefProperty::Reset),
                    _ => (Builtin::Resetsignal, RefProperty::Resetsignal),
                };
                let has = set(b).is_some()
                    || (b == Builtin::Resetsignal && self.field_reset_signal(target).is_some());
                if !has {
                    return self.value_never_set(r, prop, target);
                }
                let w = if b == Builtin::Resetsignal { 1 } else { width };
                (rp, Some(w))
            }
            _ => return self.bad_prop_ref(node.kind, prop, pspan),
        };
        Some(PropTarget {
            source: Source::FieldProperty(fr, rp),
            width: w,
        })
    }

    fn bad_prop_ref(&mut self, kind: Kind, prop: &str, span: Span) -> Option<PropTarget> {
        let hint = match kind {
            Kind::Reg => "a register offers `->intr` and `->halt`",
            Kind::Field => "a field offers `->anded`, `->ored`, `->xored`, `->swmod`, `->swacc`, its counter's and its inputs' properties, and the values of `next`, `reset`, `enable`, ...",
            _ => "only fields and registers have properties that are values",
        };
        self.rep
            .error(
                codes::PROPERTY_TYPE,
                span,
                format!(
                    "`{prop}` of a {} cannot be referenced as a value",
                    kind.as_str()
                ),
            )
            .hint(hint);
        None
    }

    fn value_never_set(&mut self, r: &InstRef, prop: &str, target: NodeId) -> Option<PropTarget> {
        self.rep
            .error(
                codes::PROPERTY_CONFLICT,
                r.span,
                format!(
                    "`{}` references the value of `{prop}`, which `{}` never sets",
                    r.text(),
                    self.tree.path(target)
                ),
            )
            .hint(format!(
                "set `{prop}` on the field, or reference another value"
            ));
        None
    }

    /// systemrdl-compiler's `is_up_counter`: a counter with an `incr*`, `overflow`,
    /// `saturate` or `threshold` property, or with no down-counting property at all.
    fn is_up_counter(&self, f: NodeId) -> bool {
        const UP: &[Builtin] = &[
            Builtin::Incr,
            Builtin::Incrvalue,
            Builtin::Incrwidth,
            Builtin::Incrsaturate,
            Builtin::Incrthreshold,
            Builtin::Saturate,
            Builtin::Threshold,
            Builtin::Overflow,
        ];
        let tree = self.tree;
        tree.flag(f, Builtin::Counter)
            && (UP.iter().any(|&b| tree.builtin(f, b).is_some()) || !self.is_down_counter(f))
    }

    /// `is_down_counter`: a counter with a `decr*` or `underflow` property.
    fn is_down_counter(&self, f: NodeId) -> bool {
        const DOWN: &[Builtin] = &[
            Builtin::Decr,
            Builtin::Decrvalue,
            Builtin::Decrwidth,
            Builtin::Decrsaturate,
            Builtin::Decrthreshold,
            Builtin::Underflow,
        ];
        let tree = self.tree;
        tree.flag(f, Builtin::Counter) && DOWN.iter().any(|&b| tree.builtin(f, b).is_some())
    }

    /// The `field_reset` signal of the nearest enclosing scope that has one
    /// (SystemRDL 2.0 8.2: the default reset of the fields in its scope).
    fn field_reset_signal(&self, f: NodeId) -> Option<SignalId> {
        let tree = self.tree;
        let in_tree = tree.ancestry(f).find_map(|a| {
            tree.nodes[a].children.iter().copied().find(|&c| {
                tree.nodes[c].kind == Kind::Signal
                    && tree.nodes[c].present
                    && tree.flag(c, Builtin::FieldReset)
            })
        });
        in_tree
            .or_else(|| {
                // Signals of the root scope are roots of their own.
                self.signal_nodes
                    .iter()
                    .copied()
                    .find(|&s| tree.nodes[s].parent.is_none() && tree.flag(s, Builtin::FieldReset))
            })
            .and_then(|s| self.signal_of[s])
    }

    /// A reference-valued property of field `f`, resolved and width-checked.
    fn field_source(&mut self, f: NodeId, b: Builtin, rule: WidthRule) -> Option<Source> {
        let Some(Value::Ref(r)) = self.tree.builtin(f, b).cloned() else {
            return None;
        };
        let what = format!("`{}`", b.name());
        let (src, w) = self.source_of(f, &r, &what)?;
        self.check_source(f, b, &r, &src, w, rule);
        Some(src)
    }

    /// systemrdl-compiler's reference checks: width, and no field referencing itself
    /// where that makes no sense (9.5.1-e).
    fn check_source(
        &mut self,
        f: NodeId,
        b: Builtin,
        r: &InstRef,
        src: &Source,
        w: Option<u32>,
        rule: WidthRule,
    ) {
        let tree = self.tree;
        let name = &tree.nodes[f].name;
        let width = self.node_width(f);
        // 9.5.1-e: `next` and `reset` cannot take the field's own value (`next` not
        // even a property of it).
        let own = self.field_of[f];
        let itself = match (b, src) {
            (Builtin::Next | Builtin::Reset, Source::Field(fr)) => Some(*fr) == own,
            (Builtin::Next, Source::FieldProperty(fr, _)) => Some(*fr) == own,
            _ => false,
        };
        if itself {
            self.rep
                .error(
                    codes::PROPERTY_CONFLICT,
                    r.span,
                    format!("field `{name}` cannot reference itself in `{}`", b.name()),
                )
                .hint("reference another field, a signal or a property");
            return;
        }
        let Some(w) = w else {
            return;
        };
        let bad = match rule {
            WidthRule::One => w != 1,
            WidthRule::Same => w != width,
            WidthRule::AtMost => w > width,
        };
        if bad {
            let need = match rule {
                WidthRule::One => "1 bit wide".to_owned(),
                WidthRule::Same => format!("{width} bits wide, as the field"),
                WidthRule::AtMost => format!("at most {width} bits wide, as the counter"),
            };
            self.rep
                .error(
                    codes::FIELD_WIDTH,
                    r.span,
                    format!(
                        "`{}` of field `{name}` references `{}`, which is {w} bits wide",
                        b.name(),
                        r.text()
                    ),
                )
                .hint(format!("the value of `{}` must be {need}", b.name()));
        }
    }

    // ---- fields -----------------------------------------------------------------

    /// Fills the hardware facts of every field (references, counter, interrupt,
    /// outputs) and the registers' `intr`/`halt` outputs.
    pub(super) fn hardware(&mut self, regs: &mut [Register]) {
        for (r, reg) in regs.iter_mut().enumerate() {
            for (i, field) in reg.fields.iter_mut().enumerate() {
                let f = self.field_nodes[r][i];
                self.field_hardware(f, field);
            }
            if reg.fields.iter().any(|f| f.interrupt.is_some()) {
                reg.outputs.push(RegisterOutput::Intr);
            }
            if reg
                .fields
                .iter()
                .any(|f| f.interrupt.is_some_and(|i| i.halt.is_some()))
            {
                reg.outputs.push(RegisterOutput::Halt);
            }
        }
        self.value_cycles();
    }

    fn field_hardware(&mut self, f: NodeId, field: &mut Field) {
        let tree = self.tree;
        // Hardware inputs given as references (9.5, 9.6).
        field.hw_enable_from = self
            .field_source(f, Builtin::We, WidthRule::One)
            .or_else(|| self.field_source(f, Builtin::Wel, WidthRule::One));
        field.hwset_from = self.field_source(f, Builtin::Hwset, WidthRule::One);
        field.hwclr_from = self.field_source(f, Builtin::Hwclr, WidthRule::One);
        field.next = self.field_source(f, Builtin::Next, WidthRule::Same);
        field.reset_from = self.field_source(f, Builtin::Reset, WidthRule::Same);
        if field.next.is_some() && !field.hw.can_write() {
            self.rep
                .error(
                    codes::ACCESS,
                    tree.prop_span(f, Builtin::Next),
                    format!(
                        "field `{}` has `next`, but hardware cannot write it (hw = {})",
                        field.name,
                        field.hw.as_str()
                    ),
                )
                .hint("`next` is the data of a hardware write: use `hw = w` or `hw = rw`");
        }
        field.hw_mask = [
            (Builtin::Hwenable, HwMaskKind::Enable),
            (Builtin::Hwmask, HwMaskKind::Mask),
        ]
        .into_iter()
        .find_map(|(b, kind)| {
            self.field_source(f, b, WidthRule::Same)
                .map(|from| HwMask { kind, from })
        });
        self.sw_write_enable(f, field);
        self.resetsignal(f, field);
        self.interrupt(f, field);
        self.counter(f, field);
        let mut outputs = Vec::new();
        for (b, o) in [
            (Builtin::Anded, FieldOutput::Anded),
            (Builtin::Ored, FieldOutput::Ored),
            (Builtin::Xored, FieldOutput::Xored),
        ] {
            if tree.flag(f, b) {
                outputs.push(o);
            }
        }
        if let Some(c) = &field.counter {
            for (dir, wrap, thr, sat) in [
                (
                    c.up,
                    FieldOutput::Overflow,
                    FieldOutput::IncrThreshold,
                    FieldOutput::IncrSaturate,
                ),
                (
                    c.down,
                    FieldOutput::Underflow,
                    FieldOutput::DecrThreshold,
                    FieldOutput::DecrSaturate,
                ),
            ] {
                let Some(d) = dir else { continue };
                if d.wrap_output {
                    outputs.push(wrap);
                }
                if d.threshold.is_some() {
                    outputs.push(thr);
                }
                if d.saturate.is_some() {
                    outputs.push(sat);
                }
            }
        }
        field.paritycheck = tree.flag(f, Builtin::Paritycheck);
        if field.paritycheck {
            outputs.push(FieldOutput::ParityError);
        }
        outputs.sort();
        outputs.dedup();
        field.outputs = outputs;
    }

    /// `swwe`/`swwel` (9.6): a field reference is a write guard ([`GuardTerm`]); a
    /// boolean is an input of the block; a signal or a property reference is that
    /// value.
    fn sw_write_enable(&mut self, f: NodeId, field: &mut Field) {
        for (b, active_low) in [(Builtin::Swwe, false), (Builtin::Swwel, true)] {
            match self.tree.builtin(f, b).cloned() {
                Some(Value::Bool(true)) => {
                    field.sw_write_enable = Some(SwWriteEnable {
                        from: None,
                        active_low,
                    });
                }
                Some(Value::Ref(r)) => {
                    let what = format!("`{}`", b.name());
                    let Some((src, w)) = self.source_of(f, &r, &what) else {
                        continue;
                    };
                    self.check_source(f, b, &r, &src, w, WidthRule::One);
                    match src {
                        Source::Field(fr) => {
                            let term = GuardTerm {
                                field: fr,
                                when_set: !active_low,
                            };
                            if !field.guard.contains(&term) {
                                field.guard.push(term);
                            }
                        }
                        from => {
                            field.sw_write_enable = Some(SwWriteEnable {
                                from: Some(from),
                                active_low,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// `resetsignal` (9.5), else the nearest `field_reset` signal (8.2).
    fn resetsignal(&mut self, f: NodeId, field: &mut Field) {
        let tree = self.tree;
        field.resetsignal = match tree.builtin(f, Builtin::Resetsignal).cloned() {
            Some(Value::Ref(r)) => {
                let target = self.resolve(f, &r);
                match target.map(|t| (t, tree.nodes[t].kind)) {
                    Some((t, Kind::Signal)) => {
                        if !tree.nodes[t].present {
                            self.rep.error(
                                codes::UNKNOWN_REF,
                                r.span,
                                format!(
                                    "`resetsignal` references `{}`, which is not present (ispresent = false)",
                                    tree.path(t)
                                ),
                            ).hint("make the signal present, or reference another one");
                        } else if self.signal_width(t) != 1 {
                            self.rep.error(
                                codes::FIELD_WIDTH,
                                r.span,
                                format!(
                                    "`resetsignal` of field `{}` references `{}`, which is {} bits wide",
                                    field.name,
                                    r.text(),
                                    self.signal_width(t)
                                ),
                            ).hint("a reset signal is 1 bit wide");
                        } else if !tree.flag(t, Builtin::Activehigh)
                            && !tree.flag(t, Builtin::Activelow)
                        {
                            self.rep
                                .error(
                                    codes::PROPERTY_CONFLICT,
                                    r.span,
                                    format!(
                                        "signal `{}` is a `resetsignal` but does not say whether it is active high or low",
                                        tree.nodes[t].name
                                    ),
                                )
                                .hint("add `activehigh;` or `activelow;` to the signal");
                        }
                        if r.prop.is_some() {
                            self.rep
                                .error(
                                    codes::PROPERTY_TYPE,
                                    r.span,
                                    "`resetsignal` takes a signal, not a property reference",
                                )
                                .hint("write `resetsignal = <signal>;`");
                        }
                        self.signal_of[t]
                    }
                    Some((_, kind)) => {
                        self.rep
                            .error(
                                codes::PROPERTY_TYPE,
                                r.span,
                                format!(
                                    "`resetsignal` must reference a signal, but `{}` is a {}",
                                    r.text(),
                                    if r.prop.is_some() { "property" } else { kind.as_str() }
                                ),
                            )
                            .hint("declare the reset as `signal { activelow; } rst_n;` and reference it");
                        None
                    }
                    None => None,
                }
            }
            _ => self.field_reset_signal(f),
        };
    }

    /// `intr` and its modifiers, `enable`/`mask`, `haltenable`/`haltmask`,
    /// `sticky`/`stickybit` (9.9).
    fn interrupt(&mut self, f: NodeId, field: &mut Field) {
        let tree = self.tree;
        let intr = tree.flag(f, Builtin::Intr);
        let sticky = tree.flag(f, Builtin::Sticky);
        // An interrupt field is `stickybit` unless it is `sticky` or says otherwise
        // (`nonsticky intr` is `stickybit = false`, 9.9).
        let stickybit = match tree.builtin(f, Builtin::Stickybit) {
            Some(Value::Bool(v)) => *v,
            _ => intr && !sticky,
        };
        let kind = match tree.builtin(f, Builtin::IntrType) {
            Some(Value::Intr(t)) => *t,
            _ if !sticky && !stickybit => InterruptType::Nonsticky,
            _ => InterruptType::Level,
        };
        let qualifier = |this: &mut Self, pair: [(Builtin, HwMaskKind); 2]| {
            pair.into_iter().find_map(|(b, kind)| {
                tree.builtin(f, b)?;
                if !intr {
                    this.rep
                        .error(
                            codes::PROPERTY_CONFLICT,
                            tree.prop_span(f, b),
                            format!(
                                "`{}` applies only to interrupt fields, and `{}` is not one",
                                b.name(),
                                field.name
                            ),
                        )
                        .hint("add `intr;` to the field");
                }
                this.field_source(f, b, WidthRule::Same)
                    .map(|from| HwMask { kind, from })
            })
        };
        let enable = qualifier(
            self,
            [
                (Builtin::Enable, HwMaskKind::Enable),
                (Builtin::Mask, HwMaskKind::Mask),
            ],
        );
        let halt = qualifier(
            self,
            [
                (Builtin::Haltenable, HwMaskKind::Enable),
                (Builtin::Haltmask, HwMaskKind::Mask),
            ],
        );
        field.interrupt = intr.then_some(Interrupt { kind, enable, halt });
        field.sticky = sticky;
        field.stickybit = stickybit;
        for (b, what) in [
            (Builtin::Sticky, "sticky"),
            (Builtin::Stickybit, "stickybit"),
        ] {
            if !tree.flag(f, b) {
                continue;
            }
            if b == Builtin::Sticky
                && intr
                && matches!(
                    kind,
                    InterruptType::Posedge | InterruptType::Negedge | InterruptType::Bothedge
                )
            {
                self.rep
                    .error(
                        codes::PROPERTY_CONFLICT,
                        tree.prop_span(f, b),
                        format!(
                            "whole-field `sticky` applies to level interrupts, but `{}` is `{} intr`",
                            field.name,
                            kind.as_str()
                        ),
                    )
                    .hint("use `stickybit` for an edge interrupt");
            }
            for we in [Builtin::We, Builtin::Wel] {
                if !matches!(tree.builtin(f, we), None | Some(Value::Bool(false))) {
                    self.rep
                        .error(
                            codes::PROPERTY_CONFLICT,
                            tree.prop_span(f, we),
                            format!(
                                "field `{}` is `{what}`, so a hardware write enable (`{}`) makes no sense",
                                field.name,
                                we.name()
                            ),
                        )
                        .hint("a sticky field's input already decides when it is written");
                }
            }
            if !field.hw.can_write() {
                self.rep
                    .error(
                        codes::ACCESS,
                        tree.prop_span(f, b),
                        format!(
                            "`{what}` field `{}` must be hardware-writable, but hw = {}",
                            field.name,
                            field.hw.as_str()
                        ),
                    )
                    .hint("use `hw = w` or `hw = rw`");
            }
        }
    }

    /// `counter` and its properties (9.8).
    fn counter(&mut self, f: NodeId, field: &mut Field) {
        let tree = self.tree;
        let is_counter = tree.flag(f, Builtin::Counter);
        const COUNTER_ONLY: &[Builtin] = &[
            Builtin::Threshold,
            Builtin::Saturate,
            Builtin::Incrthreshold,
            Builtin::Incrsaturate,
            Builtin::Overflow,
            Builtin::Underflow,
            Builtin::Incr,
            Builtin::Incrvalue,
            Builtin::Incrwidth,
            Builtin::Decrvalue,
            Builtin::Decr,
            Builtin::Decrwidth,
            Builtin::Decrsaturate,
            Builtin::Decrthreshold,
        ];
        if !is_counter {
            for &b in COUNTER_ONLY {
                // systemrdl-compiler checks `decrthreshold` without it (its rule lacks
                // the counter check); a `false` limit says nothing either way.
                if b == Builtin::Decrthreshold {
                    continue;
                }
                if tree.builtin(f, b).is_some() {
                    self.rep
                        .error(
                            codes::PROPERTY_CONFLICT,
                            tree.prop_span(f, b),
                            format!(
                                "field `{}` uses `{}`, which is for counters, but it is not a `counter`",
                                field.name,
                                b.name()
                            ),
                        )
                        .hint("add `counter;` to the field");
                }
            }
            return;
        }
        let width = field.width();
        let up = self.is_up_counter(f);
        let down = self.is_down_counter(f);
        let direction = |this: &mut Self, up_dir: bool| -> CounterDirection {
            let (event, value, vwidth, sat, thr, wrap) = if up_dir {
                (
                    Builtin::Incr,
                    Builtin::Incrvalue,
                    Builtin::Incrwidth,
                    [Builtin::Incrsaturate, Builtin::Saturate],
                    [Builtin::Incrthreshold, Builtin::Threshold],
                    Builtin::Overflow,
                )
            } else {
                (
                    Builtin::Decr,
                    Builtin::Decrvalue,
                    Builtin::Decrwidth,
                    [Builtin::Decrsaturate, Builtin::Decrsaturate],
                    [Builtin::Decrthreshold, Builtin::Decrthreshold],
                    Builtin::Underflow,
                )
            };
            let event = this.field_source(f, event, WidthRule::One);
            let value_width = match tree.builtin(f, vwidth) {
                Some(Value::Int { v, .. }) => {
                    if *v < 1 || *v > u64::from(width) {
                        this.rep.error(
                            codes::FIELD_WIDTH,
                            tree.prop_span(f, vwidth),
                            format!(
                                "`{}` is {v}, but must be between 1 and the counter's width ({width})",
                                vwidth.name()
                            ),
                        ).hint("the amount input is at most as wide as the counter");
                    }
                    Some((*v).clamp(1, u64::from(width)) as u32)
                }
                _ => None,
            };
            let value = match tree.builtin(f, value).cloned() {
                Some(Value::Int { v, .. }) => {
                    if width < 64 && v >> width != 0 {
                        this.rep
                            .error(
                                codes::FIELD_WIDTH,
                                tree.prop_span(f, value),
                                format!(
                                    "`{}` {v:#x} is wider than the {width}-bit counter `{}`",
                                    value.name(),
                                    field.name
                                ),
                            )
                            .hint("a step is at most as wide as the counter");
                    }
                    Some(ValueOrRef::Value(v))
                }
                Some(Value::Ref(_)) => this
                    .field_source(f, value, WidthRule::AtMost)
                    .map(ValueOrRef::Ref),
                _ if value_width.is_some() => None,
                // 9.8: the step is 1 unless given.
                _ => Some(ValueOrRef::Value(1)),
            };
            let limit = |this: &mut Self, bs: [Builtin; 2]| -> Option<CounterLimit> {
                let b = bs.into_iter().find(|&b| tree.builtin(f, b).is_some())?;
                match tree.builtin(f, b).cloned()? {
                    Value::Bool(true) => Some(CounterLimit::Extreme),
                    Value::Bool(false) => None,
                    Value::Int { v, .. } => {
                        if width < 64 && v >> width != 0 {
                            this.rep
                                .error(
                                    codes::FIELD_WIDTH,
                                    tree.prop_span(f, b),
                                    format!(
                                        "`{}` {v:#x} does not fit in the {width}-bit counter `{}`",
                                        b.name(),
                                        field.name
                                    ),
                                )
                                .hint("a limit is a value of the counter's width");
                        }
                        Some(CounterLimit::Value(v))
                    }
                    Value::Ref(_) => this
                        .field_source(f, b, WidthRule::Same)
                        .map(CounterLimit::Ref),
                    _ => None,
                }
            };
            let saturate = limit(this, sat);
            let threshold = limit(this, thr);
            let wrap_output = tree.flag(f, wrap);
            if wrap_output && saturate.is_some() {
                this.rep
                    .error(
                        codes::PROPERTY_CONFLICT,
                        tree.prop_span(f, wrap),
                        format!(
                            "`{}` is meaningless: counter `{}` saturates, so it never wraps",
                            wrap.name(),
                            field.name
                        ),
                    )
                    .hint(format!("drop `{}` or the saturation", wrap.name()));
            }
            CounterDirection {
                event,
                value,
                value_width,
                saturate,
                threshold,
                wrap_output,
            }
        };
        let up_dir = up.then(|| direction(self, true));
        let down_dir = down.then(|| direction(self, false));
        field.counter = Some(Counter {
            up: up_dir,
            down: down_dir,
        });
    }

    /// systemrdl-compiler's circular value references: a property whose value is a
    /// reference to a property of a field whose value is a reference ..., back to an
    /// earlier one (`a->next = b->next; b->next = a->next;`). Each (field, property)
    /// has at most one successor, so one walk that marks what it has seen visits each
    /// at most once: linear in the number of value references, however long the
    /// chains.
    fn value_cycles(&mut self) {
        let tree = self.tree;
        let value_props = [
            Builtin::Next,
            Builtin::Reset,
            Builtin::Enable,
            Builtin::Mask,
            Builtin::Haltenable,
            Builtin::Haltmask,
            Builtin::Hwenable,
            Builtin::Hwmask,
            Builtin::Incrvalue,
            Builtin::Decrvalue,
        ];
        let by_name = |p: &str| value_props.iter().copied().find(|b| b.name() == p);
        // 1: on the walk in progress, 2: done.
        let mut state: FxMap<(NodeId, Builtin), u8> = FxMap::default();
        let starts: Vec<NodeId> = self.field_nodes.iter().flatten().copied().collect();
        for start in starts {
            for b in value_props {
                // The walk: (field, property, the reference that is its value).
                let mut path: Vec<(NodeId, Builtin, std::rc::Rc<InstRef>)> = Vec::new();
                let mut visited: Vec<(NodeId, Builtin)> = Vec::new();
                let (mut node, mut prop) = (start, b);
                loop {
                    match state.get(&(node, prop)) {
                        Some(2) => break,
                        Some(_) => {
                            // Back to a step of this walk: the steps from it on are a
                            // cycle.
                            let from = path
                                .iter()
                                .position(|(n, p, _)| (*n, *p) == (node, prop))
                                .unwrap_or(0);
                            let cycle = &path[from..];
                            for (i, (n, p, r)) in cycle.iter().enumerate() {
                                let back = &cycle[(i + cycle.len() - 1) % cycle.len()].2;
                                self.rep
                                    .error(
                                        codes::PROPERTY_CONFLICT,
                                        r.span,
                                        format!(
                                            "`{}` of `{}` is a circular reference",
                                            p.name(),
                                            tree.path(*n)
                                        ),
                                    )
                                    .also(back.span, "the chain comes back here")
                                    .hint(
                                        "make one value of the chain a field, a signal or a constant",
                                    );
                            }
                            break;
                        }
                        None => {}
                    }
                    state.insert((node, prop), 1);
                    visited.push((node, prop));
                    let Some(Value::Ref(rf)) = tree.builtin(node, prop).cloned() else {
                        break;
                    };
                    let Some(next_prop) = rf.prop.as_ref().and_then(|(p, _)| by_name(p)) else {
                        break;
                    };
                    let Some(target) = self.resolve_quiet(node, &rf) else {
                        break;
                    };
                    path.push((node, prop, rf));
                    (node, prop) = (target, next_prop);
                }
                for step in visited {
                    state.insert(step, 2);
                }
            }
        }
    }

    /// A reference to a root-scope signal: a single name (signals have no children).
    pub(super) fn resolve_root_signal(&mut self, r: &InstRef) -> Option<NodeId> {
        let tree = self.tree;
        let step = r.steps.first()?;
        let found = (0..tree.nodes.len()).find(|&n| {
            tree.nodes[n].parent.is_none()
                && tree.nodes[n].kind == Kind::Signal
                && tree.nodes[n].name == step.name
        });
        if r.steps.len() > 1 || !step.indices.is_empty() {
            self.rep
                .error(
                    codes::UNKNOWN_REF,
                    r.span,
                    format!("signal `{}` has no elements or children", step.name),
                )
                .hint("name the signal alone");
            return None;
        }
        found
    }

    /// [`Lowerer::resolve`] without diagnostics (the reference was checked already).
    fn resolve_quiet(&self, assignee: NodeId, r: &InstRef) -> Option<NodeId> {
        let tree = self.tree;
        if Some(r.root) == self.defs.root_signals {
            return None;
        }
        let mut cur = tree
            .ancestry(assignee)
            .find(|&a| tree.nodes[a].def == r.root)?;
        for step in &r.steps {
            let want: Vec<u64> = step.indices.iter().map(|(v, _)| *v).collect();
            cur = tree.nodes[cur]
                .children
                .iter()
                .copied()
                .find(|&c| tree.nodes[c].name == step.name && tree.nodes[c].index == want)?;
        }
        Some(cur)
    }
}
