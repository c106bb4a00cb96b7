//! Every SystemRDL property of a node, named and printed as systemrdl-compiler's
//! `get_property` reports it (`list_properties(list_all=True)`: every property valid
//! for the node's kind, defaults included, then every user-defined property bound to
//! it). The reference side is `regdef/reference/rdl_dump.py`; the differential test
//! compares the two name by name.
//!
//! Printing: booleans and numbers as JSON, strings as strings, an unset value as
//! `null`, built-in enums by name (`rw`, `woclr`, `regalign`, `sw`, `level`), a user
//! enum member by its name and an enum type (`encode`) by its type name, a reference
//! to a component by its path, a property reference as `path->property`, a struct as
//! an object, an array as a list.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use crate::access::{
    FieldOutput, HwEnable, HwMaskKind, InterruptType, OnRead, OnWrite, Precedence,
};
use crate::ir::{
    Block, BlockKind, ComponentKind, ComponentRef, CounterDirection, CounterLimit, Endianness,
    Field, FieldRef, HdlPaths, HwMask, Polarity, Register, RegisterMap, Signal, Source, TestHint,
    UdpAssignment, UdpValue, ValueOrRef,
};

/// One property value as the reference prints it.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Pv {
    Null,
    Bool(bool),
    Int(u64),
    Str(String),
    Static(&'static str),
    List(Vec<Pv>),
    Obj(Vec<(String, Pv)>),
}

impl Serialize for Pv {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Pv::Null => s.serialize_unit(),
            Pv::Bool(b) => s.serialize_bool(*b),
            Pv::Int(v) => s.serialize_u64(*v),
            Pv::Str(v) => s.serialize_str(v),
            Pv::Static(v) => s.serialize_str(v),
            Pv::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Pv::Obj(members) => {
                let mut m = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
    }
}

/// The properties of one node, in the reference's order.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Props(Vec<(&'static str, Pv)>);

/// UDP values of a node: names are the declarations' (owned), so they go after the
/// native properties in a second list.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct NodeProps {
    native: Props,
    udps: Vec<(String, Pv)>,
}

impl Serialize for NodeProps {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.native.0.len() + self.udps.len()))?;
        for (k, v) in &self.native.0 {
            m.serialize_entry(k, v)?;
        }
        for (k, v) in &self.udps {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Props {
    fn put(&mut self, k: &'static str, v: Pv) {
        self.0.push((k, v));
    }
    fn flag(&mut self, k: &'static str, b: bool) {
        self.0.push((k, Pv::Bool(b)));
    }
}

fn opt_str(s: Option<&str>) -> Pv {
    s.map_or(Pv::Null, |s| Pv::Str(s.to_owned()))
}

fn hint(h: TestHint) -> Pv {
    match h {
        TestHint::No => Pv::Bool(false),
        TestHint::All => Pv::Bool(true),
        TestHint::Bits(m) => Pv::Int(m),
    }
}

fn slices(v: &[String]) -> Pv {
    if v.is_empty() {
        Pv::Null
    } else {
        Pv::List(v.iter().map(|s| Pv::Str(s.clone())).collect())
    }
}

/// `path.field`.
fn field_path(map: &RegisterMap, f: FieldRef) -> String {
    map.field_path(f)
}

/// A referenced value: `path` or `path->property`.
pub(super) fn source(map: &RegisterMap, s: Source) -> String {
    match s {
        Source::Signal(id) => map.signal(id).path.clone(),
        Source::Field(f) => field_path(map, f),
        Source::FieldProperty(f, p) => format!("{}->{}", field_path(map, f), p.as_str()),
        Source::RegisterOutput(r, o) => format!("{}->{}", map.reg(r).path, o.as_str()),
    }
}

fn udp_value(map: &RegisterMap, v: &UdpValue) -> Pv {
    match v {
        UdpValue::Bool(b) => Pv::Bool(*b),
        UdpValue::Number(n) => Pv::Int(*n),
        UdpValue::String(s) => Pv::Str(s.clone()),
        UdpValue::AccessType(a) => Pv::Static(a.as_str()),
        UdpValue::OnRead(o) => Pv::Static(o.as_str()),
        UdpValue::OnWrite(o) => Pv::Static(o.as_str()),
        UdpValue::Enum { ty, entry } => map
            .enums
            .get(ty.0)
            .and_then(|e| e.entries.get(*entry))
            .map_or(Pv::Null, |e| Pv::Str(e.name.clone())),
        UdpValue::Addressing(a) => Pv::Static(a.as_str()),
        UdpValue::Ref(r) => Pv::Str(match r {
            ComponentRef::Reg(id) => map.reg(*id).path.clone(),
            ComponentRef::Field(f) => field_path(map, *f),
            ComponentRef::Block(b) => map.block(*b).path.clone(),
            ComponentRef::Signal(s) => map.signal(*s).path.clone(),
            ComponentRef::Property(s) => source(map, *s),
        }),
        UdpValue::Array(items) => Pv::List(items.iter().map(|x| udp_value(map, x)).collect()),
        UdpValue::Struct { members, .. } => Pv::Obj(
            members
                .iter()
                .map(|(k, v)| (k.clone(), udp_value(map, v)))
                .collect(),
        ),
    }
}

/// Every UDP declared for `kind`: the value assigned on the node, else `null`.
fn udps(map: &RegisterMap, kind: ComponentKind, set: &[UdpAssignment]) -> Vec<(String, Pv)> {
    map.properties
        .iter()
        .filter(|d| d.components.contains(&kind))
        .map(|d| {
            let v = set
                .iter()
                .find(|a| a.name == d.name)
                .map_or(Pv::Null, |a| udp_value(map, &a.value));
            (d.name.clone(), v)
        })
        .collect()
}

/// `name`, `desc`, and the test hints every addressable component has.
fn general(p: &mut Props, name: &str, display: Option<&str>, desc: Option<&str>) {
    p.put("name", Pv::Str(display.unwrap_or(name).to_owned()));
    p.put("desc", opt_str(desc));
}

fn hdl(p: &mut Props, h: &HdlPaths) {
    p.put("hdl_path", opt_str(h.path.as_deref()));
    p.put("hdl_path_gate", opt_str(h.gate.as_deref()));
}

/// The properties of a register.
pub(super) fn register(map: &RegisterMap, r: &Register) -> NodeProps {
    let mut p = Props::default();
    general(
        &mut p,
        &r.inst_name,
        r.display_name.as_deref(),
        r.desc.as_deref(),
    );
    p.put("dontcompare", hint(r.dontcompare));
    p.put("donttest", hint(r.donttest));
    p.flag("ispresent", true);
    p.flag("errextbus", r.errextbus);
    hdl(&mut p, &r.hdl_paths);
    p.put("regwidth", Pv::Int(r.width.into()));
    p.put("accesswidth", Pv::Int(r.access_width.into()));
    p.flag("shared", r.shared);
    NodeProps {
        native: p,
        udps: udps(map, ComponentKind::Reg, &r.udps),
    }
}

/// The properties of an addrmap, regfile or mem.
pub(super) fn block(map: &RegisterMap, b: &Block) -> NodeProps {
    let mut p = Props::default();
    general(
        &mut p,
        &b.inst_name,
        b.display_name.as_deref(),
        b.desc.as_deref(),
    );
    let kind = match b.kind {
        BlockKind::Mem => {
            p.flag("ispresent", true);
            p.put("hdl_path_gate_slice", slices(&b.hdl_paths.gate_slice));
            p.put("hdl_path_slice", slices(&b.hdl_paths.slice));
            let m = b.memory.as_ref();
            p.put("sw", Pv::Static(m.map_or("rw", |m| m.sw.as_str())));
            p.put("mementries", m.map_or(Pv::Null, |m| Pv::Int(m.entries)));
            p.put("memwidth", m.map_or(Pv::Null, |m| Pv::Int(m.width.into())));
            ComponentKind::Mem
        }
        BlockKind::Addrmap | BlockKind::Regfile => {
            p.put("dontcompare", hint(b.dontcompare));
            p.put("donttest", hint(b.donttest));
            p.flag("ispresent", true);
            p.flag("errextbus", b.errextbus);
            hdl(&mut p, &b.hdl_paths);
            p.put("alignment", b.alignment.map_or(Pv::Null, Pv::Int));
            p.flag("sharedextbus", b.sharedextbus);
            if b.kind == BlockKind::Regfile {
                ComponentKind::Regfile
            } else {
                p.put("addressing", Pv::Static(b.addressing.as_str()));
                p.flag("rsvdset", b.rsvdset);
                p.flag("rsvdsetX", b.rsvdset_x);
                p.flag("bridge", b.bridge);
                p.flag("bigendian", b.endianness == Some(Endianness::Big));
                p.flag("littleendian", b.endianness == Some(Endianness::Little));
                p.flag("msb0", b.msb0);
                p.flag("lsb0", !b.msb0);
                ComponentKind::Addrmap
            }
        }
    };
    NodeProps {
        native: p,
        udps: udps(map, kind, &b.udps),
    }
}

/// The properties of a signal.
pub(super) fn signal(map: &RegisterMap, s: &Signal) -> NodeProps {
    let mut p = Props::default();
    general(
        &mut p,
        &s.inst_name,
        s.display_name.as_deref(),
        s.desc.as_deref(),
    );
    p.flag("ispresent", true);
    p.put("signalwidth", Pv::Int(s.width.into()));
    p.flag("cpuif_reset", s.cpuif_reset);
    p.flag("field_reset", s.field_reset);
    p.flag("activelow", s.polarity == Some(Polarity::Low));
    p.flag("activehigh", s.polarity == Some(Polarity::High));
    p.flag("sync", s.sync);
    p.flag("async", !s.sync);
    NodeProps {
        native: p,
        udps: udps(map, ComponentKind::Signal, &s.udps),
    }
}

/// `true`, or the reference a boolean-or-reference property was given.
fn bool_or_ref(map: &RegisterMap, set: bool, from: Option<Source>) -> Pv {
    match from {
        Some(s) => Pv::Str(source(map, s)),
        None => Pv::Bool(set),
    }
}

fn limit(map: &RegisterMap, l: Option<CounterLimit>) -> Pv {
    match l {
        None => Pv::Bool(false),
        Some(CounterLimit::Extreme) => Pv::Bool(true),
        Some(CounterLimit::Value(v)) => Pv::Int(v),
        Some(CounterLimit::Ref(s)) => Pv::Str(source(map, s)),
    }
}

fn qualifier(map: &RegisterMap, m: Option<HwMask>, kind: HwMaskKind) -> Pv {
    match m {
        Some(m) if m.kind == kind => Pv::Str(source(map, m.from)),
        _ => Pv::Null,
    }
}

/// `swwe`/`swwel` given as a field reference: the IR holds them as guard terms
/// ([`Field::guard`]) next to those of the `write_guard` UDP. A `true` term is
/// `swwe` (`write_guard` terms are all `false`); a `false` term is `swwel` unless the
/// `write_guard` of the field or its register names that field or the field it
/// acknowledges (the guard's ACK mirror).
fn guard_enable(map: &RegisterMap, r: &Register, f: &Field, when_set: bool) -> Option<String> {
    let guarded: Vec<FieldRef> = [&f.udps, &r.udps]
        .into_iter()
        .flatten()
        .filter(|u| u.name == "write_guard")
        .flat_map(|u| match &u.value {
            UdpValue::Array(items) => items.iter().collect(),
            v => vec![v],
        })
        .filter_map(|v| match v {
            UdpValue::Ref(ComponentRef::Field(fr)) => Some(*fr),
            _ => None,
        })
        .collect();
    f.guard
        .iter()
        .filter(|g| g.when_set == when_set)
        .find(|g| {
            when_set
                || !(guarded.contains(&g.field)
                    || map
                        .field(g.field)
                        .acknowledges
                        .is_some_and(|a| guarded.contains(&a)))
        })
        .map(|g| field_path(map, g.field))
}

/// The properties of field `f` of register `r`.
pub(super) fn field(map: &RegisterMap, r: &Register, f: &Field) -> NodeProps {
    let mut p = Props::default();
    general(
        &mut p,
        &f.name,
        f.display_name.as_deref(),
        f.desc.as_deref(),
    );
    p.put("dontcompare", hint(f.dontcompare));
    p.put("donttest", hint(f.donttest));
    p.flag("ispresent", true);
    p.put("hdl_path_gate_slice", slices(&f.hdl_paths.gate_slice));
    p.put("hdl_path_slice", slices(&f.hdl_paths.slice));
    p.put("hw", Pv::Static(f.hw.as_str()));
    p.put("sw", Pv::Static(f.sw.as_str()));
    p.put("next", f.next.map_or(Pv::Null, |s| Pv::Str(source(map, s))));
    p.put(
        "reset",
        match (f.reset, f.reset_from) {
            (Some(v), _) => Pv::Int(v),
            (None, Some(s)) => Pv::Str(source(map, s)),
            (None, None) => Pv::Null,
        },
    );
    p.put(
        "resetsignal",
        f.resetsignal
            .map_or(Pv::Null, |s| Pv::Str(map.signal(s).path.clone())),
    );
    p.flag("rclr", f.onread == Some(OnRead::Rclr));
    p.flag("rset", f.onread == Some(OnRead::Rset));
    p.put(
        "onread",
        f.onread.map_or(Pv::Null, |o| Pv::Static(o.as_str())),
    );
    p.flag("woclr", f.onwrite == Some(OnWrite::Woclr));
    p.flag("woset", f.onwrite == Some(OnWrite::Woset));
    p.put(
        "onwrite",
        f.onwrite.map_or(Pv::Null, |o| Pv::Static(o.as_str())),
    );
    let swe = f.sw_write_enable;
    let swe_of = |low: bool| match swe {
        Some(s) if s.active_low == low => bool_or_ref(map, true, s.from),
        _ => guard_enable(map, r, f, !low).map_or(Pv::Bool(false), Pv::Str),
    };
    p.put("swwe", swe_of(false));
    p.put("swwel", swe_of(true));
    p.flag("swmod", f.swmod);
    p.flag("swacc", f.swacc);
    p.flag("singlepulse", f.singlepulse);
    let we_of = |which: HwEnable| {
        if f.hw_enable == which {
            bool_or_ref(map, true, f.hw_enable_from)
        } else {
            Pv::Bool(false)
        }
    };
    p.put("we", we_of(HwEnable::We));
    p.put("wel", we_of(HwEnable::Wel));
    let out = |o: FieldOutput| f.outputs.contains(&o);
    p.flag("anded", out(FieldOutput::Anded));
    p.flag("ored", out(FieldOutput::Ored));
    p.flag("xored", out(FieldOutput::Xored));
    p.put("fieldwidth", Pv::Int(f.width().into()));
    p.put("hwclr", bool_or_ref(map, f.hwclr, f.hwclr_from));
    p.put("hwset", bool_or_ref(map, f.hwset, f.hwset_from));
    p.put("hwenable", qualifier(map, f.hw_mask, HwMaskKind::Enable));
    p.put("hwmask", qualifier(map, f.hw_mask, HwMaskKind::Mask));
    let up = f.counter.and_then(|c| c.up);
    let down = f.counter.and_then(|c| c.down);
    p.flag("counter", f.counter.is_some());
    p.put("decrthreshold", limit(map, down.and_then(|d| d.threshold)));
    let intr = f.interrupt;
    p.flag("intr", intr.is_some());
    // `nonsticky intr` is a level interrupt without `stickybit` to the reference
    // (its `intr type` has only the four edge/level values, SystemRDL 2.0 9.9).
    p.put(
        "intr type",
        intr.map_or(Pv::Null, |i| {
            Pv::Static(match i.kind {
                InterruptType::Nonsticky => "level",
                k => k.as_str(),
            })
        }),
    );
    let en = intr.and_then(|i| i.enable);
    let halt = intr.and_then(|i| i.halt);
    p.put("enable", qualifier(map, en, HwMaskKind::Enable));
    p.put("mask", qualifier(map, en, HwMaskKind::Mask));
    p.put("haltenable", qualifier(map, halt, HwMaskKind::Enable));
    p.put("haltmask", qualifier(map, halt, HwMaskKind::Mask));
    p.flag("sticky", f.sticky);
    p.flag("stickybit", f.stickybit);
    p.put(
        "encode",
        f.encode
            .and_then(|e| map.enums.get(e.0))
            .map_or(Pv::Null, |e| Pv::Str(e.name.clone())),
    );
    p.put(
        "precedence",
        Pv::Static(match f.precedence {
            Precedence::Sw => "sw",
            Precedence::Hw => "hw",
        }),
    );
    p.flag("paritycheck", f.paritycheck);
    // `threshold` and `saturate` are the reference's aliases of the `incr` forms.
    let up_threshold = limit(map, up.and_then(|u| u.threshold));
    let up_saturate = limit(map, up.and_then(|u| u.saturate));
    p.put("threshold", up_threshold.clone());
    p.put("saturate", up_saturate.clone());
    p.put("incrthreshold", up_threshold);
    p.put("incrsaturate", up_saturate);
    p.flag("overflow", up.is_some_and(|u| u.wrap_output));
    p.flag("underflow", down.is_some_and(|d| d.wrap_output));
    direction(map, &mut p, up, ["incr", "incrvalue", "incrwidth"]);
    direction(map, &mut p, down, ["decrvalue", "decr", "decrwidth"]);
    p.put("decrsaturate", limit(map, down.and_then(|d| d.saturate)));
    NodeProps {
        native: p,
        udps: udps(map, ComponentKind::Field, &f.udps),
    }
}

/// `incr`/`incrvalue`/`incrwidth` (or the `decr` ones, in the reference's order:
/// `decrvalue`, `decr`, `decrwidth`).
fn direction(
    map: &RegisterMap,
    p: &mut Props,
    d: Option<CounterDirection>,
    names: [&'static str; 3],
) {
    for name in names {
        let v = match d {
            None => Pv::Null,
            Some(d) if name.ends_with("value") => match d.value {
                Some(ValueOrRef::Value(v)) => Pv::Int(v),
                Some(ValueOrRef::Ref(s)) => Pv::Str(source(map, s)),
                None => Pv::Null,
            },
            Some(d) if name.ends_with("width") => {
                d.value_width.map_or(Pv::Null, |w| Pv::Int(w.into()))
            }
            Some(d) => d.event.map_or(Pv::Null, |s| Pv::Str(source(map, s))),
        };
        p.put(name, v);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::access::{FieldOutput, HwEnable, HwMaskKind, InterruptType, OnRead};
    use crate::ir::{
        Counter, CounterDirection, CounterLimit, FieldRef, HwMask, Interrupt, Polarity,
        RefProperty, RegId, Signal, SignalId, SignalScope, Source, SwWriteEnable, TestHint,
        ValueOrRef,
    };

    fn map() -> crate::ir::RegisterMap {
        crate::compile_source(
            "t.rdl",
            "addrmap t { reg { field { sw = rw; hw = rw; we; } a[3:0] = 0; \
             field { sw = rw; hw = r; } b[4:4] = 0; } rg; };",
        )
        .expect("compiles")
    }

    fn props_of(v: &Value, path: &str) -> Value {
        let (reg, field) = path.rsplit_once('.').expect("reg.field");
        let r = v["registers"]
            .as_array()
            .and_then(|a| a.iter().find(|r| r["path"] == reg))
            .expect("register");
        r["fields"]
            .as_array()
            .and_then(|a| a.iter().find(|f| f["name"] == field))
            .expect("field")["properties"]
            .clone()
    }

    /// The IR facts the front end does not produce yet (counters, interrupts,
    /// references, signals) print as systemrdl-compiler reports them.
    #[test]
    fn every_ir_fact_prints_as_the_reference_does() {
        let mut m = map();
        m.signals.push(Signal {
            inst_name: "go".into(),
            path: "t.go".into(),
            display_name: None,
            desc: Some("Go.".into()),
            scope: SignalScope::Root,
            width: 1,
            sync: false,
            polarity: Some(Polarity::Low),
            cpuif_reset: false,
            field_reset: true,
            array_index: vec![],
            udps: vec![],
            location: Default::default(),
        });
        let b = FieldRef {
            reg: RegId(0),
            field: 1,
        };
        let f = &mut m.registers[0].fields[0];
        f.counter = Some(Counter {
            up: Some(CounterDirection {
                event: Some(Source::Signal(SignalId(0))),
                value: Some(ValueOrRef::Value(2)),
                value_width: None,
                saturate: Some(CounterLimit::Extreme),
                threshold: Some(CounterLimit::Value(9)),
                wrap_output: true,
            }),
            down: None,
        });
        f.interrupt = Some(Interrupt {
            kind: InterruptType::Nonsticky,
            enable: Some(HwMask {
                kind: HwMaskKind::Mask,
                from: Source::Field(b),
            }),
            halt: None,
        });
        f.hw_enable = HwEnable::Wel;
        f.hw_enable_from = Some(Source::FieldProperty(b, RefProperty::Swmod));
        f.hwset_from = Some(Source::Signal(SignalId(0)));
        f.resetsignal = Some(SignalId(0));
        f.onread = Some(OnRead::Rclr);
        f.outputs = vec![FieldOutput::Anded, FieldOutput::Overflow];
        f.dontcompare = TestHint::Bits(0b11);
        f.hdl_paths.slice = vec!["x".into(), "y".into()];
        f.sw_write_enable = Some(SwWriteEnable {
            from: Some(Source::RegisterOutput(
                RegId(0),
                crate::access::RegisterOutput::Intr,
            )),
            active_low: true,
        });
        let v = super::super::to_json(&m);
        // The hand-written writer prints the same (signals and blocks included).
        let fast = super::super::to_json_bytes(&m).expect("writes");
        assert_eq!(
            serde_json::from_slice::<Value>(&fast).expect("valid JSON"),
            v
        );
        let p = props_of(&v, "t.rg.a");
        for (k, want) in [
            ("counter", json!(true)),
            ("incr", json!("t.go")),
            ("incrvalue", json!(2)),
            ("incrsaturate", json!(true)),
            ("saturate", json!(true)),
            ("incrthreshold", json!(9)),
            ("threshold", json!(9)),
            ("overflow", json!(true)),
            ("underflow", json!(false)),
            ("decrvalue", Value::Null),
            ("intr", json!(true)),
            ("intr type", json!("level")),
            ("mask", json!("t.rg.b")),
            ("enable", Value::Null),
            ("we", json!(false)),
            ("wel", json!("t.rg.b->swmod")),
            ("hwset", json!("t.go")),
            ("hwclr", json!(false)),
            ("resetsignal", json!("t.go")),
            ("rclr", json!(true)),
            ("onread", json!("rclr")),
            ("anded", json!(true)),
            ("ored", json!(false)),
            ("dontcompare", json!(3)),
            ("hdl_path_slice", json!(["x", "y"])),
            ("swwel", json!("t.rg->intr")),
            ("swwe", json!(false)),
            ("fieldwidth", json!(4)),
            ("name", json!("a")),
            ("desc", Value::Null),
        ] {
            assert_eq!(p[k], want, "property {k}");
        }
        let s = &v["signals"][0];
        assert_eq!(s["path"], "t.go");
        assert_eq!(
            s["properties"],
            json!({"name": "go", "desc": "Go.", "ispresent": true, "signalwidth": 1,
                   "cpuif_reset": false, "field_reset": true, "activelow": true,
                   "activehigh": false, "sync": false, "async": true})
        );
        let top = &v["blocks"][0];
        assert_eq!(top["external"], true);
        assert_eq!(top["properties"]["lsb0"], true);
        assert_eq!(top["properties"]["addressing"], "regalign");
        // The untouched field: defaults.
        let p = props_of(&v, "t.rg.b");
        assert_eq!(p["counter"], false);
        assert_eq!(p["intr type"], Value::Null);
        assert_eq!(p["incrthreshold"], false);
        assert_eq!(p["resetsignal"], Value::Null);
    }
}
