//! Parameterised components (SystemRDL 2.0 5.1.1) and the constant expressions of
//! 6.3 (concatenation, replication, casts, enum entries in arithmetic), asserted on
//! the elaborated IR. The expected values are systemrdl-compiler 1.33's.

use regdef::ir::{RegisterMap, UdpValue};
use regdef::Compiler;

fn map(src: &str) -> RegisterMap {
    regdef::compile_source("test.rdl", src).unwrap_or_else(|d| panic!("unexpected errors:\n{d}"))
}

/// `path.field` as (lsb, msb, reset).
fn bits(m: &RegisterMap, path: &str, field: &str) -> (u32, u32, Option<u64>) {
    let r = m.find(path).unwrap_or_else(|| panic!("no register {path}"));
    let (_, f) = m
        .reg(r)
        .field_named(field)
        .unwrap_or_else(|| panic!("{path} has no field {field}"));
    (f.lsb, f.msb, f.reset)
}

fn udp_number(m: &RegisterMap, path: &str, name: &str) -> u64 {
    let r = m.find(path).expect("register");
    match m
        .reg(r)
        .udps
        .iter()
        .find(|u| u.name == name)
        .map(|u| &u.value)
    {
        Some(UdpValue::Number(n)) => *n,
        other => panic!("{path}->{name}: {other:?}"),
    }
}

const PARAMETERISED: &str = r#"
addrmap top #(longint P1 = 4, longint P2 = P1 * 2, bit B = 3) {
    reg r_t #(longint unsigned W = 8) { field {} f[W] = W; };
    r_t #(.W(P2)) r0;
    r_t r1;
    r_t #(.W(B + 1)) r2;
    reg { field {} f[P1]; } r3;
};
"#;

#[test]
fn parameter_defaults_overrides_and_outer_parameters() {
    let m = map(PARAMETERISED);
    assert_eq!(bits(&m, "top.r0", "f"), (0, 7, Some(8)));
    assert_eq!(bits(&m, "top.r1", "f"), (0, 7, Some(8)));
    // `bit` parameters keep the value they are given (systemrdl-compiler: 3 + 1).
    assert_eq!(bits(&m, "top.r2", "f"), (0, 3, Some(4)));
    assert_eq!(bits(&m, "top.r3", "f"), (0, 3, None));
}

#[test]
fn top_parameters_are_overridden_from_outside() {
    let c = Compiler::new()
        .source("test.rdl", PARAMETERISED)
        .parameter("P1", "2")
        .compile();
    let m = c
        .map
        .unwrap_or_else(|| panic!("errors:\n{}", c.diagnostics));
    // P2's default follows the overridden P1.
    assert_eq!(bits(&m, "top.r0", "f"), (0, 3, Some(4)));
    assert_eq!(bits(&m, "top.r3", "f"), (0, 1, None));

    let c = Compiler::new()
        .source("test.rdl", PARAMETERISED)
        .parameter("P9", "2")
        .compile();
    assert!(c.map.is_none());
    let text = c.diagnostics.to_string();
    assert!(
        text.contains("has no parameter `P9`") && text.contains("did you mean `P1`?"),
        "{text}"
    );

    let c = Compiler::new()
        .source("test.rdl", PARAMETERISED)
        .parameter("P1", "(")
        .compile();
    assert!(c
        .diagnostics
        .to_string()
        .contains("invalid value `(` for parameter `P1`"));
}

#[test]
fn nested_parameterised_definitions_see_the_instantiating_values() {
    // systemrdl-compiler's test/rdl_src/nested_params.rdl
    let m = map(r#"
addrmap nested_params {
    reg r1 #(longint unsigned WIDTH = 1) { field {} f[WIDTH], f2[WIDTH + 1]; };
    regfile rf1 #(longint unsigned WIDTH = 2) {
        reg r2 #(longint unsigned WIDTH = 3) { field {} f[WIDTH]; } #(.WIDTH(WIDTH)) r_inst1;
        r1 #(.WIDTH(WIDTH)) r_inst2;
    };
    rf1 #(.WIDTH(4)) rf_inst;
    r1 #(.WIDTH(5)) r1_inst, r1_inst2;
};
"#);
    assert_eq!(bits(&m, "nested_params.rf_inst.r_inst1", "f"), (0, 3, None));
    assert_eq!(bits(&m, "nested_params.rf_inst.r_inst2", "f"), (0, 3, None));
    assert_eq!(
        bits(&m, "nested_params.rf_inst.r_inst2", "f2"),
        (4, 8, None)
    );
    assert_eq!(bits(&m, "nested_params.r1_inst2", "f2"), (5, 10, None));
}

#[test]
fn parameters_in_addresses_arrays_and_properties() {
    let m = map(r#"
property width_udp { type = longint unsigned; component = reg; };
addrmap top #(longint unsigned N = 3, longint unsigned ARR[] = '{0x10, 0x40}) {
    reg r_t #(longint unsigned W = 32) { regwidth = W; width_udp = W * 2; field {} f; };
    r_t #(.W(16)) a[N] @ ARR[0];
    r_t b @ ARR[1];
};
"#);
    let addrs: Vec<(String, u64, u32)> = m
        .registers
        .iter()
        .map(|r| (r.path.clone(), r.address, r.width))
        .collect();
    assert_eq!(
        addrs,
        [
            ("top.a[0]".to_owned(), 0x10, 16),
            ("top.a[1]".to_owned(), 0x12, 16),
            ("top.a[2]".to_owned(), 0x14, 16),
            ("top.b".to_owned(), 0x40, 32),
        ]
    );
    assert_eq!(udp_number(&m, "top.a[1]", "width_udp"), 32);
    assert_eq!(udp_number(&m, "top.b", "width_udp"), 64);
}

#[test]
fn concatenation_replication_casts_and_enum_arithmetic() {
    let m = map(r#"
property v { type = longint unsigned; component = reg; };
addrmap top {
    enum e_t { ten = 10; eleven = 11; twelve = 12; };
    reg r_t { field {} f; };
    r_t c1; c1->v = {e_t::twelve, 8'h10};
    r_t c2; c2->v = {8'h22, (8)'(e_t::eleven), 8'h10};
    r_t c3; c3->v = {3{4'hA}};
    r_t c4; c4->v = 8'(300);
    r_t c5; c5->v = e_t::twelve % 5 + (e_t::ten | 1);
    r_t c6; c6->v = ~e_t::twelve;
    r_t c7; c7->v = boolean'(2) + bit'(2);
    r_t c8; c8->v = {100000000000{1'b0}};
};
"#);
    let v = |p: &str| udp_number(&m, &format!("top.{p}"), "v");
    assert_eq!(v("c1"), 0xc10);
    assert_eq!(v("c2"), 0x220b10);
    assert_eq!(v("c3"), 0xaaa);
    assert_eq!(v("c4"), 0x2c);
    assert_eq!(v("c5"), 2 + 11);
    assert_eq!(v("c6"), !12u64);
    assert_eq!(v("c7"), 1);
    assert_eq!(v("c8"), 0);
}

#[test]
fn parameter_and_expression_errors_point_at_the_source() {
    let d = regdef::compile_source(
        "t.rdl",
        "reg a_t #(longint W = 8) { field {} f[W]; };\naddrmap top {\n    a_t #(.X(4)) a;\n};\n",
    )
    .expect_err("unknown parameter");
    let e = d.iter().next().expect("one error");
    assert_eq!(
        (e.location.line, e.location.column),
        (3, 12),
        "{}",
        e.message
    );
    assert_eq!(e.message, "`a_t` has no parameter `X`");

    let d = regdef::compile_source(
        "t.rdl",
        "addrmap top {\n    reg { field {} f[{1000000000000{1'b1}}]; } r0;\n};\n",
    )
    .expect_err("too wide");
    let e = d.iter().next().expect("one error");
    assert_eq!(
        e.message,
        "the concatenation's value does not fit in 64 bits"
    );
    assert_eq!(e.location.line, 2);
}

#[test]
fn root_scope_instances_dynamic_assignments_and_unset_udps() {
    // SystemRDL 2.0 5.1.3: the root scope may instantiate and assign dynamically;
    // 15.2.2: a UDP without a value or default is bound without a value.
    let m = map(r#"
property a_map_p { type = string; component = addrmap | regfile; };
reg r_t { field {} f; };
r_t glob[2];
glob[1].f->name = "x";
addrmap { r_t q; } anon;
addrmap top { a_map_p; r_t a; };
"#);
    assert_eq!(m.registers.len(), 1);
    assert_eq!(m.registers[0].path, "top.a");

    let d = regdef::compile_source(
        "t.rdl",
        "reg r_t { field {} f; };\nr_t glob;\nglob.g->name = \"x\";\naddrmap top { r_t a; };\n",
    )
    .expect_err("unknown member");
    let e = d.iter().next().expect("one error");
    assert_eq!(e.message, "`glob` has no instance named `g`");
    assert_eq!((e.location.line, e.location.column), (3, 6));
}

#[test]
fn structs_literals_inheritance_and_struct_parameters() {
    // SystemRDL 2.0 6.3.2: members given or defaulted, derived values accepted
    // where the base is expected, members read through a struct parameter.
    let m = map(r#"
struct base_s { boolean flag; longint unsigned n; };
struct derived_s : base_s { string text; longint unsigned arr[]; };
struct outer_s { accesstype access; derived_s inner; };
property p_base { type = base_s; component = reg; };
property p_n { type = longint unsigned; component = reg; };
reg r_t #(outer_s S) {
    field {} x;
    x->sw = S.access;
    p_base = S.inner;
    p_n = S.inner.n + S.inner.arr[1];
};
addrmap top {
    r_t #(.S(outer_s'{access: r, inner: derived_s'{n: 5, arr: '{1, 2}}})) a;
};
"#);
    let r = m.find("top.a").expect("register");
    let reg = m.reg(r);
    assert_eq!(reg.fields[0].sw, regdef::access::AccessType::R);
    assert_eq!(udp_number(&m, "top.a", "p_n"), 7);
    let base = reg
        .udps
        .iter()
        .find(|u| u.name == "p_base")
        .map(|u| &u.value);
    let Some(UdpValue::Struct { ty, members }) = base else {
        panic!("p_base: {base:?}");
    };
    assert_eq!(ty, "derived_s");
    let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["flag", "n", "text", "arr"]);
    // Defaults of 6.3.2.3.2-b for the members not given.
    assert_eq!(members[0].1, UdpValue::Bool(false));
    assert_eq!(members[2].1, UdpValue::String(String::new()));

    let d = regdef::compile_source(
        "t.rdl",
        "struct s_t { boolean a; longint b; };\nproperty p { type = s_t; component = reg; };\naddrmap top { reg { p = s_t'{a: true}; field {} f; } r0; };\n",
    )
    .expect_err("incomplete literal");
    let e = d.iter().next().expect("one error");
    assert_eq!(e.message, "incomplete `s_t` literal: no value for `b`");
    assert_eq!((e.location.line, e.location.column), (3, 25));
}

#[test]
fn constraints_are_parsed_and_set_aside() {
    // SystemRDL 2.0 12; systemrdl-compiler 1.33 parses constraints without applying
    // them, and so does twinreg (RDL-EXPR-06).
    let m = map(r#"
addrmap top {
    enum e_t { a = 0; b = 1; };
    reg { field {} f[4]; } r0;
    constraint c1 { r0.f < 3; r0.f inside { 1, [2:3] }; r0.f inside e_t; };
    reg { field { constraint { this inside {0, 1}; } lim; } g[2]; } r1;
};
"#);
    assert_eq!(m.registers.len(), 2);
    let d = regdef::compile_source(
        "t.rdl",
        "addrmap top {\n    reg { field {} f; } r0;\n    constraint { r0.f < 3; };\n};\n",
    )
    .expect_err("anonymous constraint without instance");
    let e = d.iter().next().expect("one error");
    assert_eq!(e.message, "anonymous constraint is never instantiated");
    assert_eq!((e.location.line, e.location.column), (3, 5));
}

#[test]
fn enum_entries_are_numbers_in_sizes_and_addresses() {
    let m =
        map("addrmap top { enum e_t { a = 3; }; reg { field {} f[e_t::a]; } r0 @ e_t::a + 1; };");
    assert_eq!(m.registers[0].address, 4);
    assert_eq!(bits(&m, "top.r0", "f"), (0, 2, None));
}

#[test]
fn nested_parameterisations_are_bounded_and_reported_once() {
    // Each level defines the next type and instantiates it with two values: the
    // elaborations multiply (3^depth with the defaults' own), so the limit is hit,
    // reported once, and nothing is silently dropped.
    fn body(k: usize, depth: usize) -> String {
        if k == depth {
            return "reg { field {} f[N]; } rr;".to_owned();
        }
        format!(
            "regfile rf{n} #(longint unsigned N = 1) {{ {} }};\n rf{n} #(.N(N)) a; rf{n} #(.N(N+1)) b;",
            body(k + 1, depth),
            n = k + 1
        )
    }
    let src = format!(
        "addrmap top {{\nregfile rf0 #(longint unsigned N = 1) {{ {} }};\n rf0 a;\n}};\n",
        body(0, 12)
    );
    let d = regdef::compile_source("t.rdl", &src).expect_err("limit");
    let errors: Vec<&str> = d
        .iter()
        .filter(|e| e.severity == regdef::Severity::Error)
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(
        errors,
        ["more than 10000 distinct parameter values elaborated"]
    );
    // Below the limit the same shape elaborates completely.
    let src = format!(
        "addrmap top {{\nregfile rf0 #(longint unsigned N = 1) {{ {} }};\n rf0 a;\n}};\n",
        body(0, 6)
    );
    assert_eq!(map(&src).registers.len(), 64);
}
