//! Signals and the hardware side of fields, asserted on the elaborated IR:
//! references (SystemRDL 2.0 9.5, 9.6), counters (9.8), interrupts (9.9),
//! reductions (9.10) and `paritycheck` (9.11). Each expectation was checked against
//! systemrdl-compiler 1.33 where it reports the fact.

use regdef::access::{FieldOutput, HwEnable, HwMaskKind, InterruptType, NextValue, RegisterOutput};
use regdef::ir::{
    CounterLimit, Feature, FieldRef, GuardTerm, Polarity, RefProperty, RegisterMap, SignalId,
    SignalScope, Source, SwWriteEnable, ValueOrRef,
};

fn map(src: &str) -> RegisterMap {
    regdef::compile_source("test.rdl", src).unwrap_or_else(|d| panic!("unexpected errors:\n{d}"))
}

fn fref(m: &RegisterMap, path: &str, name: &str) -> FieldRef {
    let r = m.find(path).unwrap_or_else(|| panic!("no register {path}"));
    let (i, _) = m.reg(r).field_named(name).expect("field");
    FieldRef { reg: r, field: i }
}

fn field<'m>(m: &'m RegisterMap, path: &str, name: &str) -> &'m regdef::ir::Field {
    m.field(fref(m, path, name))
}

fn signal(m: &RegisterMap, path: &str) -> SignalId {
    SignalId(
        m.signals
            .iter()
            .position(|s| s.path == path)
            .unwrap_or_else(|| panic!("no signal {path}")),
    )
}

#[test]
fn signals_in_every_scope_with_their_properties() {
    let m = map("signal { activelow; async; field_reset; } por;
addrmap top {
  signal { activehigh; sync; cpuif_reset; } rst;
  signal { } bus[4];
  signal { signalwidth = 3; } sel;
  reg { signal { activehigh; } lrst; field { signal { } fs; } f; } r0;
};");
    let paths: Vec<&str> = m.signals.iter().map(|s| s.path.as_str()).collect();
    // systemrdl-compiler's walk: the root scope first, then declaration order.
    assert_eq!(
        paths,
        [
            "por",
            "top.rst",
            "top.bus",
            "top.sel",
            "top.r0.lrst",
            "top.r0.f.fs"
        ]
    );
    let por = &m.signals[0];
    assert_eq!(
        (
            por.scope,
            por.width,
            por.sync,
            por.polarity,
            por.field_reset
        ),
        (SignalScope::Root, 1, false, Some(Polarity::Low), true)
    );
    let rst = &m.signals[1];
    assert_eq!(
        (rst.sync, rst.polarity, rst.cpuif_reset, rst.field_reset),
        (true, Some(Polarity::High), true, false)
    );
    // `[4]` on a signal is its width, not an array.
    assert_eq!((m.signals[2].width, m.signals[2].array_index.len()), (4, 0));
    assert_eq!((m.signals[3].width, m.signals[3].polarity), (3, None));
    let r0 = m.find("top.r0").expect("r0");
    assert_eq!(m.signals[4].scope, SignalScope::Reg(r0));
    // A field may hold a signal too (8.1).
    assert_eq!(
        m.signals[5].scope,
        SignalScope::Field(FieldRef { reg: r0, field: 0 })
    );
    // Signals take no bits and no addresses.
    assert_eq!(m.reg(r0).address, 0);
    assert_eq!(m.reg(r0).fields.len(), 1);
}

#[test]
fn resetsignal_or_the_nearest_field_reset_signal() {
    let m = map("signal { activelow; field_reset; } por;
addrmap top {
  regfile {
    signal { activehigh; field_reset; } rf_rst;
    reg { field {} a; } r1;
  } rf;
  signal { activehigh; } other;
  reg { field {} b; field {} c; } r0;
  r0.c->resetsignal = other;
};");
    // The regfile's field_reset signal, then the root scope's.
    assert_eq!(
        field(&m, "top.rf.r1", "a").resetsignal,
        Some(signal(&m, "top.rf.rf_rst"))
    );
    assert_eq!(
        field(&m, "top.r0", "b").resetsignal,
        Some(signal(&m, "por"))
    );
    assert_eq!(
        field(&m, "top.r0", "c").resetsignal,
        Some(signal(&m, "top.other"))
    );
    assert!(m.features().contains_key(&Feature::ResetSignal));
    // Without any, the block's default reset.
    let plain = map("addrmap top { reg { field {} f; } rr; };");
    assert_eq!(field(&plain, "top.rr", "f").resetsignal, None);
}

#[test]
fn reference_valued_controls() {
    let m = map("addrmap top {
  signal { activehigh; } en;
  signal { } bus[4];
  reg { field {} go; field {} clr; field {} d[4]; } ctl;
  reg {
    field { hw = rw; we; } x[4];
    field { hw = rw; wel; } y;
    field {} s;
    field { hw = rw; } n[4];
    field { hw = rw; } m[4];
  } r0;
  r0.x->we = en;
  r0.x->reset = bus;
  r0.y->wel = ctl.go;
  r0.s->hwset = ctl.go;
  r0.s->hwclr = ctl.clr->swmod;
  r0.n->next = ctl.d;
  r0.m->hwmask = ctl.d;
};");
    let ctl = |n: &str| fref(&m, "top.ctl", n);
    let x = field(&m, "top.r0", "x");
    assert_eq!(
        (x.hw_enable, x.hw_enable_from),
        (HwEnable::We, Some(Source::Signal(signal(&m, "top.en"))))
    );
    assert_eq!(
        (x.reset, x.reset_from),
        (None, Some(Source::Signal(signal(&m, "top.bus"))))
    );
    let y = field(&m, "top.r0", "y");
    assert_eq!(
        (y.hw_enable, y.hw_enable_from),
        (HwEnable::Wel, Some(Source::Field(ctl("go"))))
    );
    let s = field(&m, "top.r0", "s");
    assert_eq!(
        (s.hwset, s.hwset_from),
        (true, Some(Source::Field(ctl("go"))))
    );
    assert_eq!(
        (s.hwclr, s.hwclr_from),
        (
            true,
            Some(Source::FieldProperty(ctl("clr"), RefProperty::Swmod))
        )
    );
    assert_eq!(field(&m, "top.r0", "n").next, Some(Source::Field(ctl("d"))));
    let hm = field(&m, "top.r0", "m").hw_mask.expect("hw_mask");
    assert_eq!(
        (hm.kind, hm.from),
        (HwMaskKind::Mask, Source::Field(ctl("d")))
    );
    let features = m.features();
    assert!(features.contains_key(&Feature::ReferencedControl));
    assert!(features.contains_key(&Feature::HwMask));
}

#[test]
fn swwe_forms() {
    let m = map("addrmap top {
  signal { } lock;
  reg { field {} en; field {} f1; field {} f2; field {} f3; field { swwel; } f4; } r0;
  r0.f1->swwe = r0.en;
  r0.f2->swwel = lock;
  r0.f3->swwe = r0.en->anded;
};");
    let en = fref(&m, "top.r0", "en");
    // A field reference is a write guard (docs/rdl-conventions.md).
    assert_eq!(
        field(&m, "top.r0", "f1").guard,
        [GuardTerm {
            field: en,
            when_set: true
        }]
    );
    assert_eq!(field(&m, "top.r0", "f1").sw_write_enable, None);
    assert_eq!(
        field(&m, "top.r0", "f2").sw_write_enable,
        Some(SwWriteEnable {
            from: Some(Source::Signal(signal(&m, "top.lock"))),
            active_low: true
        })
    );
    assert_eq!(
        field(&m, "top.r0", "f3").sw_write_enable,
        Some(SwWriteEnable {
            from: Some(Source::FieldProperty(
                en,
                RefProperty::Output(FieldOutput::Anded)
            )),
            active_low: false
        })
    );
    assert_eq!(
        field(&m, "top.r0", "f4").sw_write_enable,
        Some(SwWriteEnable {
            from: None,
            active_low: true
        })
    );
    assert!(m.features().contains_key(&Feature::SwWriteEnable));
}

#[test]
fn counters_up_down_and_their_limits() {
    let m = map("addrmap top {
  signal { } tick;
  reg {
    regwidth = 64;
    field { counter; } plain[8];
    field { counter; incrvalue = 3; threshold = 200; overflow; } up[8];
    field { counter; saturate = 9; } sat[8];
    field { counter; decrwidth = 2; decrthreshold = 4; underflow; } down[8];
    field { counter; incrwidth = 3; decrsaturate; } both[8];
    field {} wrapped;
  } r0;
  r0.plain->incr = tick;
  r0.wrapped->hwset = r0.plain->overflow;
};");
    let plain = field(&m, "top.r0", "plain").counter.expect("counter");
    let up = plain.up.expect("up");
    assert_eq!(plain.down, None);
    assert_eq!(up.event, Some(Source::Signal(signal(&m, "top.tick"))));
    // 9.8: a step of 1 unless given.
    assert_eq!(
        (up.value, up.value_width, up.saturate, up.threshold),
        (Some(ValueOrRef::Value(1)), None, None, None)
    );
    let f = field(&m, "top.r0", "up");
    // `saturate` and `threshold` are aliases of the `incr` forms.
    let c = f.counter.expect("counter").up.expect("up");
    assert_eq!(
        (c.value, c.saturate, c.threshold, c.wrap_output),
        (
            Some(ValueOrRef::Value(3)),
            None,
            Some(CounterLimit::Value(200)),
            true
        )
    );
    assert_eq!(
        f.outputs,
        [FieldOutput::Overflow, FieldOutput::IncrThreshold]
    );
    let sat = field(&m, "top.r0", "sat");
    assert_eq!(
        sat.counter.and_then(|c| c.up).and_then(|u| u.saturate),
        Some(CounterLimit::Value(9))
    );
    assert_eq!(sat.outputs, [FieldOutput::IncrSaturate]);
    assert_eq!(f.next_value.last(), Some(&NextValue::CounterStep));
    let down = field(&m, "top.r0", "down").counter.expect("counter");
    assert_eq!(down.up, None);
    let d = down.down.expect("down");
    assert_eq!(
        (d.value, d.value_width, d.threshold, d.wrap_output),
        (None, Some(2), Some(CounterLimit::Value(4)), true)
    );
    let both = field(&m, "top.r0", "both").counter.expect("counter");
    assert_eq!(
        both.up.map(|u| (u.value, u.value_width)),
        Some((None, Some(3)))
    );
    assert_eq!(
        both.down.map(|d| (d.value, d.saturate)),
        Some((Some(ValueOrRef::Value(1)), Some(CounterLimit::Extreme)))
    );
    assert_eq!(
        field(&m, "top.r0", "wrapped").hwset_from,
        Some(Source::FieldProperty(
            fref(&m, "top.r0", "plain"),
            RefProperty::Output(FieldOutput::Overflow)
        ))
    );
    assert!(m.features().contains_key(&Feature::Counter));
}

#[test]
fn interrupts_their_types_qualifiers_and_register_outputs() {
    let m = map("addrmap top {
  reg {
    field { sw = rw; hw = w; intr; } lvl;
    field { sw = rw; hw = w; posedge intr; } edge;
    field { sw = rw; hw = w; nonsticky intr; } follow;
    field { sw = rw; hw = w; intr; sticky; } word[4];
    field { hw = r; } en[4];
  } r0;
  r0.word->enable = r0.en;
  r0.lvl->haltmask = r0.en->anded;
  reg { field {} f; } r1;
  r1.f->hwset = r0->intr;
};");
    let lvl = field(&m, "top.r0", "lvl");
    assert_eq!(lvl.interrupt.map(|i| i.kind), Some(InterruptType::Level));
    // An interrupt field is `stickybit` unless it says otherwise.
    assert!(lvl.stickybit && !lvl.sticky);
    assert_eq!(lvl.next_value, [NextValue::SwWrite, NextValue::StickyBits]);
    assert_eq!(
        field(&m, "top.r0", "edge").interrupt.map(|i| i.kind),
        Some(InterruptType::Posedge)
    );
    let follow = field(&m, "top.r0", "follow");
    assert_eq!(
        follow.interrupt.map(|i| i.kind),
        Some(InterruptType::Nonsticky)
    );
    assert!(!follow.stickybit && !follow.sticky);
    assert_eq!(follow.next_value, [NextValue::SwWrite, NextValue::HwWrite]);
    let word = field(&m, "top.r0", "word");
    assert!(word.sticky && !word.stickybit);
    assert_eq!(word.next_value, [NextValue::SwWrite, NextValue::Sticky]);
    let q = word.interrupt.and_then(|i| i.enable).expect("enable");
    assert_eq!(
        (q.kind, q.from),
        (HwMaskKind::Enable, Source::Field(fref(&m, "top.r0", "en")))
    );
    let r0 = m.find("top.r0").expect("r0");
    assert_eq!(
        m.reg(r0).outputs,
        [RegisterOutput::Intr, RegisterOutput::Halt]
    );
    assert_eq!(
        field(&m, "top.r1", "f").hwset_from,
        Some(Source::RegisterOutput(r0, RegisterOutput::Intr))
    );
    assert!(m.features().contains_key(&Feature::Interrupt));
}

#[test]
fn halt_outputs_reductions_and_parity() {
    let m = map("addrmap top {
  reg {
    field { sw = rw; hw = w; intr; } a;
    field { hw = r; } he;
    field { anded; ored; xored; paritycheck; } v[4];
  } r0;
  r0.a->haltenable = r0.he;
};");
    let r0 = m.find("top.r0").expect("r0");
    assert_eq!(
        m.reg(r0).outputs,
        [RegisterOutput::Intr, RegisterOutput::Halt]
    );
    let v = field(&m, "top.r0", "v");
    assert_eq!(
        v.outputs,
        [
            FieldOutput::Anded,
            FieldOutput::Ored,
            FieldOutput::Xored,
            FieldOutput::ParityError
        ]
    );
    assert!(v.paritycheck);
    let features = m.features();
    assert!(features.contains_key(&Feature::Reduction));
    assert!(features.contains_key(&Feature::ParityCheck));
}

#[test]
fn references_resolve_through_enclosing_scopes_and_defaults() {
    // systemrdl-compiler resolves a name of a register's body in the enclosing
    // addrmap's body too; a `default` interrupt modifier reaches every field.
    let m = map("addrmap top {
  signal { activehigh; } s;
  default posedge intr;
  reg r_t { default sw = rw; default hw = w; field { } f; f->resetsignal = s; };
  r_t r1;
};");
    let f = field(&m, "top.r1", "f");
    assert_eq!(f.resetsignal, Some(signal(&m, "top.s")));
    assert_eq!(f.interrupt.map(|i| i.kind), Some(InterruptType::Posedge));
}

#[test]
fn long_chains_of_value_references_are_checked_in_linear_time() {
    // Each `next` is the next register's `next`, down to a plain field: the cycle check
    // visits each reference once (a walk per start would be quadratic).
    const N: usize = 1000;
    let mut src =
        format!("addrmap top {{ reg {{ field {{}} f; }} rg[{N}]; reg {{ field {{}} d; }} src;\n");
    for i in 0..N - 1 {
        src.push_str(&format!("rg[{i}].f->next = rg[{}].f->next;\n", i + 1));
    }
    src.push_str(&format!("rg[{}].f->next = src.d;\n}};", N - 1));
    let t = std::time::Instant::now();
    let m = map(&src);
    assert!(t.elapsed().as_secs() < 20, "took {:?}", t.elapsed());
    let r0 = m.find("top.rg[0]").expect("rg[0]");
    let r1 = m.find("top.rg[1]").expect("rg[1]");
    assert_eq!(
        m.field(FieldRef { reg: r0, field: 0 }).next,
        Some(Source::FieldProperty(
            FieldRef { reg: r1, field: 0 },
            RefProperty::Next
        ))
    );
    // Closing the chain into a loop is reported (an error per reference of the loop,
    // up to the diagnostics cap).
    let looped = src.replace("src.d;", "rg[0].f->next;");
    let d = regdef::compile_source("t.rdl", &looped).expect_err("a cycle");
    let first = d.iter().next().expect("an error");
    assert!(
        first.message.ends_with("is a circular reference"),
        "{first:?}"
    );
}
