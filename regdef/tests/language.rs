//! One test per supported language feature, asserting on the elaborated IR.

use regdef::access::{
    AccessType, HwEnable, NextValue, OnRead, OnWrite, Precedence, ReadRule, WriteGate, WriteRule,
};
use regdef::ir::{
    ComponentKind, ComponentRef, FieldRef, GuardTerm, RegId, RegisterMap, SecSid, UdpType, UdpValue,
};

/// Compiles `src`, failing the test with the rendered diagnostics on error.
fn map(src: &str) -> RegisterMap {
    regdef::compile_source("test.rdl", src).unwrap_or_else(|d| panic!("unexpected errors:\n{d}"))
}

/// The register at `path`.
fn reg<'m>(m: &'m RegisterMap, path: &str) -> &'m regdef::ir::Register {
    let id = m.find(path).unwrap_or_else(|| {
        let paths: Vec<&str> = m.registers.iter().map(|r| r.path.as_str()).collect();
        panic!("no register {path}; have {paths:?}")
    });
    m.reg(id)
}

fn field<'m>(m: &'m RegisterMap, path: &str, name: &str) -> &'m regdef::ir::Field {
    reg(m, path)
        .field_named(name)
        .unwrap_or_else(|| panic!("{path} has no field {name}"))
        .1
}

fn fref(m: &RegisterMap, path: &str, name: &str) -> FieldRef {
    let r = m.find(path).expect("register");
    let (i, _) = m.reg(r).field_named(name).expect("field");
    FieldRef { reg: r, field: i }
}

fn addresses(m: &RegisterMap) -> Vec<(String, u64)> {
    m.registers
        .iter()
        .map(|r| (r.path.clone(), r.address))
        .collect()
}

/// The twinreg UDP declarations of docs/rdl-conventions.md.
const UDPS: &str = r#"
enum security_e {
    nonsecure = 0 { desc = "Owned by the Non-secure state."; };
    secure    = 1 { desc = "Owned by the Secure state."; };
};
property security         { type = security_e; component = addrmap | regfile | reg; };
property present_when     { type = ref;        component = addrmap | regfile | reg | field; };
property write_guard      { type = ref[];      component = reg | field; };
property ack_of           { type = ref;        component = reg; };
property update_handshake { type = boolean;    component = field; };
property impl_defined     { type = boolean;    component = reg | field; };
"#;

#[test]
fn named_and_anonymous_definitions() {
    let m = map(r#"
        reg named_r { field {} a[7:0] = 0x12; };
        addrmap top {
            named_r x @ 0x0;
            reg { field {} b[3:0]; } y @ 0x4;
        };
    "#);
    assert_eq!(m.top, "top");
    assert_eq!(addresses(&m), [("top.x".into(), 0), ("top.y".into(), 4)]);
    assert_eq!(m.layout(reg(&m, "top.x").layout).name, "named_r");
    // An anonymous definition's layout is named after its instance.
    assert_eq!(m.layout(reg(&m, "top.y").layout).name, "y");
    assert_eq!(field(&m, "top.x", "a").reset, Some(0x12));
}

#[test]
fn nested_definitions_are_scoped() {
    let m = map(r#"
        reg r0 { field {} outer[0:0]; };
        addrmap top {
            regfile rf_t {
                reg r0 { field {} inner[1:1]; };  // shadows the root `r0` in here
                r0 a @ 0x0;
            };
            rf_t rf @ 0x0;
            r0 b @ 0x10;                           // the root `r0` again
        };
    "#);
    assert_eq!(field(&m, "top.rf.a", "inner").lsb, 1);
    assert_eq!(field(&m, "top.b", "outer").lsb, 0);
    let err = regdef::compile_source(
        "t.rdl",
        "addrmap top { regfile { reg inner_t { field {} f; }; inner_t a; } rf; inner_t b; };",
    )
    .unwrap_err();
    assert_eq!(
        err.iter().map(|d| d.code).collect::<Vec<_>>(),
        ["rdl::unknown-type"]
    );
}

#[test]
fn arrays_are_unrolled_with_indices_and_paths() {
    let m = map(r#"
        addrmap top {
            reg r_t { field {} f[31:0]; };
            r_t arr[3] @ 0x100;
            regfile { r_t x; r_t y; } rf[2][2] @ 0x200;
        };
    "#);
    assert_eq!(
        addresses(&m)[..3],
        [
            ("top.arr[0]".into(), 0x100),
            ("top.arr[1]".into(), 0x104),
            ("top.arr[2]".into(), 0x108)
        ]
    );
    assert_eq!(reg(&m, "top.arr[2]").array_index, [2]);
    assert_eq!(reg(&m, "top.arr[2]").inst_name, "arr");
    // Row-major, element size 8 bytes: rf[1][0] is the third element.
    assert_eq!(reg(&m, "top.rf[1][0].y").address, 0x200 + 2 * 8 + 4);
    assert_eq!(reg(&m, "top.rf[1][0].y").array_index, [1, 0]);
    assert_eq!(m.registers.len(), 3 + 8);
    // One definition, five instances.
    assert_eq!(
        m.layout(reg(&m, "top.arr[0]").layout).instances.len(),
        3 + 8
    );
}

#[test]
fn explicit_addresses_strides_and_alignment() {
    let m = map(r#"
        addrmap top {
            reg r_t { field {} f[31:0]; };
            r_t a @ 0x10;
            r_t b;                 // next free, regalign: 0x14
            r_t c[2] @ 0x40 += 0x10;
            r_t d %= 0x100;        // after c (ends at 0x60), aligned to 0x100
            r_t e @ 0x8 + 4 * 2 * 0;
        };
    "#);
    assert_eq!(
        addresses(&m),
        [
            ("top.e".into(), 0x8),
            ("top.a".into(), 0x10),
            ("top.b".into(), 0x14),
            ("top.c[0]".into(), 0x40),
            ("top.c[1]".into(), 0x50),
            ("top.d".into(), 0x100),
        ]
    );
}

#[test]
fn addressing_modes_and_the_alignment_property() {
    let src = |mode: &str| {
        format!(
            r#"addrmap top {{
                addressing = {mode};
                reg r8 {{ regwidth = 8; field {{}} f[7:0]; }};
                reg r64 {{ regwidth = 64; accesswidth = 32; field {{}} f[63:0]; }};
                r8 a; r8 c[3]; r64 b; r8 d;
            }};"#
        )
    };
    let at = |m: &RegisterMap| m.registers.iter().map(|r| r.address).collect::<Vec<_>>();
    // regalign: each element aligned to its own size.
    assert_eq!(at(&map(&src("regalign"))), [0x0, 0x1, 0x2, 0x3, 0x8, 0x10]);
    // compact: registers aligned to their access width only.
    assert_eq!(at(&map(&src("compact"))), [0x0, 0x1, 0x2, 0x3, 0x4, 0xC]);
    // fullalign: an array aligned to its whole size, rounded up to a power of two.
    assert_eq!(at(&map(&src("fullalign"))), [0x0, 0x4, 0x5, 0x6, 0x8, 0x10]);
    let m = map(r#"
        addrmap top {
            alignment = 0x40;
            reg r_t { field {} f; };
            r_t a; r_t b;
            regfile { r_t x; r_t y; } rf;   // inherits alignment 0x40 inside
        };
    "#);
    assert_eq!(
        addresses(&m),
        [
            ("top.a".into(), 0x0),
            ("top.b".into(), 0x40),
            ("top.rf.x".into(), 0x80),
            ("top.rf.y".into(), 0xC0),
        ]
    );
}

#[test]
fn default_assignments_follow_lexical_scope() {
    let m = map(r#"
        reg before_t { field {} f; };       // defined before any default
        default sw = r;
        default hw = w;
        addrmap top {
            default hw = na;                  // overrides the root default below here
            default regwidth = 16;            // applies to regs only
            reg { field {} f; } inner;
            reg { field { sw = rw; } f; } local_wins @ 0x8;
            before_t before @ 0x10;
            // A body's defaults reach what it defines, not the component itself.
            reg { default regwidth = 64; default sw = rw; field {} f; } own @ 0x20;
        };
    "#);
    assert_eq!(reg(&m, "top.own").width, 16);
    assert_eq!(field(&m, "top.own", "f").sw, AccessType::Rw);
    let inner = field(&m, "top.inner", "f");
    assert_eq!((inner.sw, inner.hw), (AccessType::R, AccessType::Na));
    assert_eq!(reg(&m, "top.inner").width, 16);
    assert_eq!(field(&m, "top.local_wins", "f").sw, AccessType::Rw);
    let before = field(&m, "top.before", "f");
    assert_eq!((before.sw, before.hw), (AccessType::Rw, AccessType::Rw));
    assert_eq!(reg(&m, "top.before").width, 32);
}

#[test]
fn dynamic_assignments_reach_instances_hierarchies_and_elements() {
    let m = map(r#"
        reg r_t { field { sw = rw; } f[3:0] = 0; field {} g[4:4] = 0; };
        regfile rf_t {
            r_t a;
            a.f->reset = 1;                  // inner scope
            a->name = "A";
        };
        addrmap top {
            rf_t rf;
            r_t arr[3] @ 0x10;
            rf.a.f->reset = 2;               // outer scope wins over the inner one
            arr[1].g->reset = 1;             // one array element
            arr->desc = "every element";
            rf.a.g->ispresent = false;
        };
    "#);
    assert_eq!(field(&m, "top.rf.a", "f").reset, Some(2));
    assert_eq!(reg(&m, "top.rf.a").display_name.as_deref(), Some("A"));
    assert_eq!(field(&m, "top.arr[0]", "g").reset, Some(0));
    assert_eq!(field(&m, "top.arr[1]", "g").reset, Some(1));
    assert_eq!(field(&m, "top.arr[2]", "g").reset, Some(0));
    assert!(m
        .registers
        .iter()
        .filter(|r| r.inst_name == "arr")
        .all(|r| r.desc.as_deref() == Some("every element")));
    assert!(reg(&m, "top.rf.a").field_named("g").is_none());
}

#[test]
fn verilog_and_c_numbers_strings_and_booleans() {
    let m = map(r#"
        addrmap top {
            name = "The \"top\" map";
            desc = "Back\\slash";
            reg {
                field {} a[3:0] = 4'b1010;
                field {} b[11:4] = 'hA5;
                field {} c[15:12] = 'd9;
                field {} d[31:16] = 16'h1_2_3;
            } rg @ 0x1_0;
            reg { field { swmod = true; swacc; } e[0:0] = 17 - 17; } s @ 0x14;
        };
    "#);
    assert_eq!(m.name.as_deref(), Some("The \"top\" map"));
    assert_eq!(m.desc.as_deref(), Some("Back\\slash"));
    let r = reg(&m, "top.rg");
    assert_eq!(r.address, 0x10);
    assert_eq!(r.reset_value(), 0x0123_9A5A);
    let e = field(&m, "top.s", "e");
    assert!(e.swmod && e.swacc);
}

#[test]
fn constant_expressions() {
    let m = map(r#"
        addrmap top {
            reg {
                regwidth = 8 * 2 ** 2;
                field {} a[(4 + 4) - 1 : 2 * 2] = (1 << 3) | 1 ? 4'hF & ~4'h5 : 0;
                field {} b[8 > 7 ? 9 : 0 : 8] = !0 + 1;
            } rg @ 0x100 >> 4;
        };
    "#);
    let r = reg(&m, "top.rg");
    assert_eq!((r.address, r.width), (0x10, 32));
    let a = field(&m, "top.rg", "a");
    assert_eq!((a.msb, a.lsb, a.reset), (7, 4, Some(0xA)));
    assert_eq!(field(&m, "top.rg", "b").reset, Some(2));
}

#[test]
fn field_bit_ranges_widths_and_packing() {
    let m = map(r#"
        addrmap top {
            reg {
                field {} a;              // 1 bit at 0
                field {} b[4];           // 4 bits at 1..4
                field {} c[12:8] = 5'h3;
                field {} d[2];           // packed after c: 13..14
            } rg;
        };
    "#);
    let bits: Vec<_> = reg(&m, "top.rg")
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.msb, f.lsb))
        .collect();
    assert_eq!(
        bits,
        [("a", 0, 0), ("b", 4, 1), ("c", 12, 8), ("d", 14, 13)]
    );
    assert_eq!(field(&m, "top.rg", "c").reset, Some(3));
    assert_eq!(field(&m, "top.rg", "a").reset, None);
}

#[test]
fn access_properties_and_the_rules_they_select() {
    let m = map(r#"
        addrmap top {
            reg {
                field { sw = r; hw = w; rclr; } rc[0:0];
                field { woclr; hw = w; we; } w1c[1:1] = 0;
                field { onwrite = wot; } tog[2:2];
                field { sw = w; hw = r; } wo[3:3];
                field { singlepulse; hw = r; } go[4:4] = 0;
                field { hw = rw; wel; precedence = hw; hwset; } st[5:5];
                field { sw = rw1; hw = r; onread = rset; } once[6:6];
                field { hw = r; hwclr; woset; } s[7:7];
            } rg;
        };
    "#);
    let f = |n| field(&m, "top.rg", n);
    assert_eq!(f("rc").onread, Some(OnRead::Rclr));
    assert_eq!(
        (f("rc").read_rule, f("rc").write_rule),
        (ReadRule::ValueThenClear, WriteRule::Ignore)
    );
    assert_eq!(f("rc").hw_enable, HwEnable::Continuous);
    assert_eq!(f("w1c").write_rule, WriteRule::ClearOnes);
    assert_eq!(f("w1c").hw_enable, HwEnable::We);
    assert_eq!(
        f("w1c").next_value,
        [NextValue::SwWrite, NextValue::HwWrite]
    );
    assert_eq!(f("tog").write_rule, WriteRule::ToggleOnes);
    assert_eq!(
        (f("wo").read_rule, f("wo").write_rule),
        (ReadRule::Zero, WriteRule::Store)
    );
    assert_eq!(f("wo").hw_enable, HwEnable::None);
    assert_eq!(
        f("go").next_value,
        [NextValue::SwWrite, NextValue::PulseEnd]
    );
    assert_eq!(f("st").precedence, Precedence::Hw);
    assert_eq!(f("st").hw_enable, HwEnable::Wel);
    assert_eq!(
        f("st").next_value,
        [NextValue::HwWrite, NextValue::HwSet, NextValue::SwWrite]
    );
    assert_eq!(
        (f("once").sw, f("once").read_rule),
        (AccessType::Rw1, ReadRule::ValueThenSet)
    );
    assert_eq!(f("s").onwrite, Some(OnWrite::Woset));
    assert_eq!(f("s").next_value, [NextValue::SwWrite, NextValue::HwClr]);
    // SystemRDL defaults: sw = rw, hw = rw, precedence = sw.
    let d = map("addrmap top { reg { field {} f; } rg; };");
    let f = field(&d, "top.rg", "f");
    assert_eq!(
        (f.sw, f.hw, f.precedence),
        (AccessType::Rw, AccessType::Rw, Precedence::Sw)
    );
}

#[test]
fn a_later_mutually_exclusive_assignment_replaces_the_earlier_one() {
    let m = map(r#"
        reg r_t { field { woclr; } f[0:0]; };
        addrmap top { r_t rg; rg.f->onwrite = woset; };
    "#);
    assert_eq!(field(&m, "top.rg", "f").onwrite, Some(OnWrite::Woset));
}

#[test]
fn register_widths_and_access_widths() {
    let m = map(r#"
        addrmap top {
            reg { regwidth = 64; accesswidth = 32; field {} lo[31:0]; field {} hi[63:32]; } wide @ 0x8;
            reg { regwidth = 16; field {} f[15:0]; } half @ 0x2;
        };
    "#);
    let w = reg(&m, "top.wide");
    assert_eq!((w.width, w.access_width, w.slices()), (64, 32, 2));
    let h = reg(&m, "top.half");
    assert_eq!((h.width, h.access_width, h.address), (16, 16, 2));
}

#[test]
fn ispresent_false_removes_the_instance_but_keeps_its_space() {
    let m = map(r#"
        addrmap top {
            reg r_t { field {} a[0:0]; field {} b[1:1]; };
            r_t x;
            r_t gone;
            r_t y;
            gone->ispresent = false;
            x.b->ispresent = false;
        };
    "#);
    assert_eq!(addresses(&m), [("top.x".into(), 0), ("top.y".into(), 8)]);
    assert_eq!(reg(&m, "top.x").fields.len(), 1);
    // The layout keeps the union of the fields.
    let layout = m.layout(reg(&m, "top.x").layout);
    assert_eq!(
        layout
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
}

#[test]
fn enums_encode_fields_and_are_kept() {
    let m = map(r#"
        enum mode_e {
            off = 0 { name = "Off"; desc = "Disabled."; };
            on;                 // 1
            auto = 3;
        };
        addrmap top { reg { field { encode = mode_e; } m[1:0] = mode_e::auto; } rg; };
    "#);
    let f = field(&m, "top.rg", "m");
    assert_eq!(f.reset, Some(3));
    let e = &m.enums[f.encode.expect("encoded").0];
    assert_eq!(e.name, "mode_e");
    let entries: Vec<_> = e
        .entries
        .iter()
        .map(|x| (x.name.as_str(), x.value))
        .collect();
    assert_eq!(entries, [("off", 0), ("on", 1), ("auto", 3)]);
    assert_eq!(e.entries[0].display_name.as_deref(), Some("Off"));
}

#[test]
fn user_defined_properties_are_checked_and_kept() {
    let m = map(r#"
        enum color_e { red; green; };
        property note   { type = string;  component = reg | field; };
        property weight { type = number;  component = addrmap | reg; default = 7; };
        property tint   { type = color_e; component = field; };
        property links  { type = ref[];   component = reg; };
        property flag   { type = boolean; component = field; };
        property kinds  { type = accesstype[]; component = reg; };
        addrmap top {
            weight = 3;
            reg { field {} a; field {} b; note = "hello"; kinds = '{rw, r}; } x;
            reg { field { tint = color_e::green; flag; } c; weight; } y;
            y->links = '{x, x.b};
        };
    "#);
    let x = reg(&m, "top.x");
    let y = reg(&m, "top.y");
    let udp = |r: &regdef::ir::Register, n: &str| {
        r.udps.iter().find(|u| u.name == n).map(|u| u.value.clone())
    };
    assert_eq!(udp(x, "note"), Some(UdpValue::String("hello".into())));
    assert_eq!(
        udp(x, "kinds"),
        Some(UdpValue::Array(vec![
            UdpValue::AccessType(AccessType::Rw),
            UdpValue::AccessType(AccessType::R)
        ]))
    );
    // Each node's own value, as systemrdl-compiler reports it (a UDP is not
    // inherited, SystemRDL 2.0 15): the addrmap's `weight = 3` stays on the addrmap,
    // x has none, and `weight;` takes the default.
    assert_eq!(udp(x, "weight"), None);
    assert_eq!(udp(y, "weight"), Some(UdpValue::Number(7)));
    assert!(m.blocks[0]
        .udps
        .iter()
        .any(|u| u.name == "weight" && u.value == UdpValue::Number(3)));
    let xid = m.find("top.x").expect("x");
    assert_eq!(
        udp(y, "links"),
        Some(UdpValue::Array(vec![
            UdpValue::Ref(ComponentRef::Reg(xid)),
            UdpValue::Ref(ComponentRef::Field(FieldRef { reg: xid, field: 1 })),
        ]))
    );
    let c = field(&m, "top.y", "c");
    let color = m
        .enums
        .iter()
        .position(|e| e.name == "color_e")
        .expect("color_e kept");
    assert!(c.udps.iter().any(|u| u.name == "tint"
        && u.value
            == UdpValue::Enum {
                ty: regdef::ir::EnumId(color),
                entry: 1
            }));
    assert!(c
        .udps
        .iter()
        .any(|u| u.name == "flag" && u.value == UdpValue::Bool(true)));
    let decl = m
        .properties
        .iter()
        .find(|p| p.name == "weight")
        .expect("declared");
    assert_eq!(decl.ty, UdpType::Number);
    assert_eq!(
        decl.components,
        [ComponentKind::Addrmap, ComponentKind::Reg]
    );
    assert_eq!(decl.default, Some(UdpValue::Number(7)));
    assert_eq!(m.properties.len(), 6);
}

#[test]
fn swwe_and_swwel_references_become_guard_terms() {
    let m = map(r#"
        addrmap top {
            reg { field {} lock[0:0]; field {} en[1:1]; } ctl;
            reg { field {} a[7:0]; field {} b[15:8]; } data;
            data.a->swwel = ctl.lock;     // references are relative to this body
            data.b->swwe = ctl.en;
        };
    "#);
    let lock = fref(&m, "top.ctl", "lock");
    let en = fref(&m, "top.ctl", "en");
    assert_eq!(
        field(&m, "top.data", "a").guard,
        [GuardTerm {
            field: lock,
            when_set: false
        }]
    );
    assert_eq!(
        field(&m, "top.data", "b").guard,
        [GuardTerm {
            field: en,
            when_set: true
        }]
    );
}

#[test]
fn the_last_top_level_addrmap_is_the_top() {
    let m = map(r#"
        addrmap first { reg { field {} f; } rg; };
        addrmap second { first sub @ 0x100; reg { field {} g; } own; };
    "#);
    assert_eq!(m.top, "second");
    assert_eq!(
        addresses(&m),
        [
            ("second.sub.rg".into(), 0x100),
            ("second.own".into(), 0x104)
        ]
    );
}

#[test]
fn desc_is_dedented_like_systemrdl_compiler() {
    let m = map("addrmap top { reg { field {} f; desc = \"First line.\n            Second line\n              indented\"; } rg; };");
    assert_eq!(
        reg(&m, "top.rg").desc.as_deref(),
        Some("First line.\nSecond line\n  indented")
    );
}

#[test]
fn security_is_inherited_and_gates_writes() {
    let m = map(&format!(
        "{UDPS}{}",
        r#"
        reg r_t { field {} f[0:0] = 0; };
        addrmap top {
            regfile { r_t a; r_t b; b->security = security_e::nonsecure; } s @ 0x100;
            regfile { r_t a; } ns @ 0x0;
            s->security = security_e::secure;
        };
    "#
    ));
    assert_eq!(reg(&m, "top.s.a").security, SecSid::Secure);
    assert_eq!(reg(&m, "top.s.a").write_gates, [WriteGate::SecurityState]);
    // The register's own setting is the nearest.
    assert_eq!(reg(&m, "top.s.b").security, SecSid::NonSecure);
    assert_eq!(reg(&m, "top.ns.a").security, SecSid::NonSecure);
    assert!(reg(&m, "top.ns.a").write_gates.is_empty());
    // The UDP values are each node's own (the inherited bank is `security` above).
    assert!(reg(&m, "top.s.a").udps.is_empty());
    assert!(reg(&m, "top.s.b").udps.iter().any(|u| u.name == "security"));
    let s = m.blocks.iter().find(|b| b.path == "top.s").expect("top.s");
    assert!(s.udps.iter().any(|u| u.name == "security"));
}

/// A miniature SMMU with both banks, ACK registers, guards, GBPA and presence.
const MINI_SMMU: &str = r#"
    reg idr_t {
        field { sw = r; hw = na; impl_defined; } msi[0:0] = 1;
        field { sw = r; hw = na; impl_defined; } secure_impl[1:1] = 1;
    };
    reg cr0_t { field { hw = r; } smmuen[0:0] = 0; field { hw = r; } cmdqen[3:3] = 0; field { hw = r; } extra[4:4] = 0; };
    reg cr0ack_t {
        field { sw = r; hw = w; we; } smmuen[0:0] = 0;
        field { sw = r; hw = w; we; } cmdqen[3:3] = 0;
    };
    reg base_t { regwidth = 64; accesswidth = 32; field { hw = r; } addr[51:5]; field { sw = r; hw = na; } ro[63:63] = 0; };
    reg gbpa_t {
        field { hw = r; impl_defined; } abort[20:20] = 0;
        field { hw = r; hwclr; update_handshake; } update[31:31] = 0;
    };
    regfile bank_t {
        cr0_t    cr0    @ 0x20;
        cr0ack_t cr0ack @ 0x24;
        gbpa_t   gbpa   @ 0x44;
        base_t   cmdq_base @ 0x90;
        base_t   irq_cfg   @ 0x98;
        cr0ack->ack_of = cr0;
        cmdq_base->write_guard = '{cr0.cmdqen};
        irq_cfg.addr->write_guard = '{cr0.smmuen, cr0.extra};
    };
    addrmap mini {
        regfile { idr_t idr0 @ 0x0; bank_t b @ 0x100; b.irq_cfg->present_when = idr0.msi; } ns @ 0x0;
        regfile {
            idr_t s_idr1 @ 0x4;
            bank_t b @ 0x100;
            b.irq_cfg->present_when = s_idr1.msi;
        } s @ 0x8000;
        s->security = security_e::secure;
        s->present_when = s.s_idr1.secure_impl;
    };
"#;

#[test]
fn ack_of_pairs_registers_and_mirrors_fields() {
    let m = map(&format!("{UDPS}{MINI_SMMU}"));
    let cr0 = m.find("mini.ns.b.cr0").expect("cr0");
    let ack = m.find("mini.ns.b.cr0ack").expect("cr0ack");
    assert_eq!(m.reg(ack).ack_of, Some(cr0));
    assert_eq!(m.reg(cr0).acked_by, Some(ack));
    let a = field(&m, "mini.ns.b.cr0ack", "cmdqen");
    assert_eq!(a.acknowledges, Some(fref(&m, "mini.ns.b.cr0", "cmdqen")));
    assert_eq!(a.next_value, [NextValue::AckMirror]);
    // The Secure bank pairs its own instances.
    assert_eq!(
        m.reg(m.find("mini.s.b.cr0ack").expect("s ack")).ack_of,
        m.find("mini.s.b.cr0")
    );
}

#[test]
fn write_guards_expand_with_ack_mirrors() {
    let m = map(&format!("{UDPS}{MINI_SMMU}"));
    let g = |n: &str| GuardTerm {
        field: fref(&m, "mini.ns.b.cr0", n),
        when_set: false,
    };
    let ga = |n: &str| GuardTerm {
        field: fref(&m, "mini.ns.b.cr0ack", n),
        when_set: false,
    };
    // On a register: every writable field, control bit and its ACK.
    assert_eq!(
        field(&m, "mini.ns.b.cmdq_base", "addr").guard,
        [g("cmdqen"), ga("cmdqen")]
    );
    assert!(field(&m, "mini.ns.b.cmdq_base", "ro").guard.is_empty());
    // On a field; `extra` has no ACK mirror.
    assert_eq!(
        field(&m, "mini.ns.b.irq_cfg", "addr").guard,
        [g("smmuen"), ga("smmuen"), g("extra")]
    );
    let sg = field(&m, "mini.s.b.cmdq_base", "addr").guard.clone();
    assert_eq!(sg[0].field, fref(&m, "mini.s.b.cr0", "cmdqen"));
}

#[test]
fn update_handshake_and_impl_defined() {
    let m = map(&format!("{UDPS}{MINI_SMMU}"));
    let gbpa = reg(&m, "mini.ns.b.gbpa");
    assert_eq!(
        gbpa.update_field,
        gbpa.field_named("update").map(|(i, _)| i)
    );
    assert_eq!(gbpa.write_gates, [WriteGate::UpdateHandshake]);
    assert_eq!(
        field(&m, "mini.ns.b.gbpa", "update").next_value,
        [NextValue::SwWrite, NextValue::UpdateComplete]
    );
    assert!(field(&m, "mini.ns.b.gbpa", "abort").impl_defined);
    assert!(!field(&m, "mini.ns.b.cr0", "smmuen").impl_defined);
    let impl_fields: Vec<String> = m.impl_defined_fields().map(|f| m.field_path(f)).collect();
    assert!(impl_fields.contains(&"mini.s.s_idr1.secure_impl".to_owned()));
}

#[test]
fn present_when_on_a_field() {
    let m = map(&format!(
        "{UDPS}{}",
        r#"
        reg idr_t {
            field { sw = r; hw = na; impl_defined; } vmw[0:0] = 1;
            field { sw = r; hw = na; impl_defined; } secure_impl[1:1] = 0;
        };
        reg cr0_t { field { hw = r; } smmuen[0:0] = 0; field { hw = r; } vmw[8:6] = 0; };
        addrmap top {
            idr_t idr0 @ 0x0;
            cr0_t cr0 @ 0x20;
            regfile { cr0_t s_cr0 @ 0x20; } s @ 0x8000;
            cr0.vmw->present_when = idr0.vmw;
            s->present_when = idr0.secure_impl;
            s.s_cr0.vmw->present_when = idr0.vmw;
        };
    "#
    ));
    let vmw = fref(&m, "top.idr0", "vmw");
    assert_eq!(field(&m, "top.cr0", "vmw").present_when, [vmw]);
    assert!(field(&m, "top.cr0", "smmuen").present_when.is_empty());
    // A field condition is no register gate: the other fields still take writes.
    assert!(reg(&m, "top.cr0").present_when.is_empty());
    assert!(reg(&m, "top.cr0").write_gates.is_empty());
    // Conjunctive with the register's condition, which stays on the register.
    assert_eq!(
        reg(&m, "top.s.s_cr0").present_when,
        [fref(&m, "top.idr0", "secure_impl")]
    );
    assert_eq!(field(&m, "top.s.s_cr0", "vmw").present_when, [vmw]);
    // The JSON dump lists the condition with the field.
    let json = regdef::dump::to_json(&m);
    assert_eq!(
        json["registers"][1]["fields"][1]["present_when"],
        serde_json::json!(["top.idr0.vmw"])
    );
}

#[test]
fn present_when_is_conjunctive_down_the_hierarchy() {
    let m = map(&format!("{UDPS}{MINI_SMMU}"));
    let secure_impl = fref(&m, "mini.s.s_idr1", "secure_impl");
    let s_msi = fref(&m, "mini.s.s_idr1", "msi");
    assert_eq!(
        reg(&m, "mini.s.b.irq_cfg").present_when,
        [secure_impl, s_msi]
    );
    assert_eq!(
        reg(&m, "mini.s.b.irq_cfg").write_gates,
        [WriteGate::Absent, WriteGate::SecurityState]
    );
    // The register holding the condition is under it too.
    assert_eq!(reg(&m, "mini.s.s_idr1").present_when, [secure_impl]);
    assert_eq!(
        reg(&m, "mini.ns.b.irq_cfg").present_when,
        [fref(&m, "mini.ns.idr0", "msi")]
    );
    assert!(reg(&m, "mini.ns.b.cr0").present_when.is_empty());
    let gbpa = reg(&m, "mini.s.b.gbpa");
    assert_eq!(
        gbpa.write_gates,
        [
            WriteGate::Absent,
            WriteGate::SecurityState,
            WriteGate::UpdateHandshake
        ]
    );
}

#[test]
fn layouts_are_shared_across_banks() {
    let m = map(&format!("{UDPS}{MINI_SMMU}"));
    let cr0 = m.layout(reg(&m, "mini.ns.b.cr0").layout);
    assert_eq!(cr0.name, "cr0_t");
    assert!(cr0.banked);
    assert_eq!(
        cr0.instances
            .iter()
            .map(|r| m.reg(*r).path.as_str())
            .collect::<Vec<_>>(),
        ["mini.ns.b.cr0", "mini.s.b.cr0"]
    );
    assert_eq!(
        reg(&m, "mini.s.b.cr0").layout,
        reg(&m, "mini.ns.b.cr0").layout
    );
    // Two instances in one bank make a definition unbanked.
    let base = m.layout(reg(&m, "mini.ns.b.cmdq_base").layout);
    assert_eq!(base.instances.len(), 4);
    assert!(!base.banked);
    assert_eq!(
        m.registers
            .iter()
            .filter(|r| r.security == SecSid::Secure)
            .count(),
        6
    );
    assert_eq!(m.reg(RegId(0)).path, "mini.ns.idr0");
}

#[test]
fn fieldwidth_sizes_instances_without_bits() {
    let m = map(include_str!("corpus/good/fieldwidth.rdl"));
    let bits = |path: &str, f: &str| {
        let f = field(&m, path, f);
        (f.msb, f.lsb)
    };
    assert_eq!(bits("fieldwidth_top.own", "a"), (3, 0));
    assert_eq!(bits("fieldwidth_top.own", "b"), (7, 4));
    assert_eq!(bits("fieldwidth_top.own", "c"), (9, 8));
    assert_eq!(bits("fieldwidth_top.own", "d"), (10, 10));
    assert_eq!(bits("fieldwidth_top.rf.pair", "x"), (2, 0));
    assert_eq!(bits("fieldwidth_top.rf.pair", "y"), (5, 3));
}

#[test]
fn external_registers_regfiles_and_addrmaps() {
    let m = map(include_str!("corpus/good/external.rdl"));
    let external = |path: &str| reg(&m, path).external;
    assert!(external("external_top.a"));
    assert!(!external("external_top.b"));
    assert!(external("external_top.rf.x"));
    // `internal` inside an external regfile stays external (systemrdl-compiler).
    assert!(external("external_top.rf.y"));
    assert!(!external("external_top.rf2.z"));
    assert!(!external("external_top.sub.q"));
    assert!(!external("external_top.esub.q"));
    assert!(external("external_top.c"));
    assert!(external("external_top.arr[0]") && external("external_top.arr[1]"));
    let block = |path: &str| {
        let b = m
            .blocks
            .iter()
            .find(|b| b.path == path)
            .unwrap_or_else(|| panic!("no block {path}"));
        (b.external, b.declared_external)
    };
    assert_eq!(block("external_top.rf"), (true, true));
    assert_eq!(block("external_top.rf2"), (false, false));
    // Every nested addrmap is external, as systemrdl-compiler reports it.
    assert_eq!(block("external_top.sub"), (true, false));
    assert_eq!(block("external_top.esub"), (true, true));
    // A back end that does not implement external registers refuses the map.
    let features = m.features();
    assert_eq!(
        features
            .get(&regdef::ir::Feature::ExternalRegister)
            .map(String::as_str),
        Some("external_top.a")
    );
    assert_eq!(
        features
            .get(&regdef::ir::Feature::ExternalBlock)
            .map(String::as_str),
        Some("external_top.rf")
    );
}
