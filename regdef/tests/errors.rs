//! One test per semantic error: the code, the `line:col` of the offending token,
//! the message and, where there is one, the hint.

use regdef::{Diagnostics, Severity};

fn diags(src: &str) -> Diagnostics {
    match regdef::compile_source("t.rdl", src) {
        Ok(_) => panic!("expected errors from:\n{src}"),
        Err(d) => d,
    }
}

/// The one error `src` produces: (code, line, column, message, hint).
fn only_error(src: &str) -> (&'static str, u32, u32, String, Option<String>) {
    let d = diags(src);
    assert_eq!(d.len(), 1, "expected exactly one diagnostic:\n{d}");
    let e = d.iter().next().expect("one");
    assert_eq!(e.severity, Severity::Error);
    (
        e.code,
        e.location.line,
        e.location.column,
        e.message.clone(),
        e.hint.clone(),
    )
}

/// Wraps register `body` text in a top addrmap, on line 2.
fn in_reg(body: &str) -> String {
    format!("addrmap top {{\nreg {{ {body} }} r0 @ 0x0;\n}};")
}

#[test]
fn field_overlap() {
    let (code, line, col, msg, _) = only_error(&in_reg("field {} a[3:0]; field {} b[4:3];"));
    assert_eq!((code, line, col), ("rdl::field-overlap", 2, 33));
    assert_eq!(msg, "field `b` [4:3] overlaps field `a` [3:0]");
}

#[test]
fn register_overlap() {
    let (code, line, col, msg, _) = only_error(
        "addrmap top {\n reg { regwidth = 64; field {} v[63:0]; } a @ 0x0;\n reg { field {} v[31:0]; } b @ 0x4;\n};",
    );
    assert_eq!((code, line, col), ("rdl::register-overlap", 3, 28));
    assert_eq!(msg, "`top.b` at 0x4..0x8 overlaps `top.a` at 0x0..0x8");
}

#[test]
fn registers_overlap_through_regfiles_too() {
    let d = diags(
        "addrmap top { regfile { reg { field {} f[31:0]; } x @ 0x0; reg { field {} f[31:0]; } y @ 0x10; } rf @ 0x0;\n reg { field {} f[31:0]; } z @ 0x8; };",
    );
    assert_eq!(
        d.iter().map(|e| e.code).collect::<Vec<_>>(),
        ["rdl::register-overlap"]
    );
}

#[test]
fn field_outside_the_register() {
    let (code, line, col, msg, hint) = only_error(&in_reg("regwidth = 8; field {} f[8:1];"));
    assert_eq!((code, line, col), ("rdl::field-bounds", 2, 30));
    assert_eq!(
        msg,
        "field `f` [8:1] does not fit in the 8-bit register `top.r0`"
    );
    assert!(hint.expect("hint").contains("0 to 7"));
}

#[test]
fn hw_write_once_is_meaningless() {
    let (code, line, col, msg, _) = only_error(&in_reg("field { hw = rw1; } f;"));
    assert_eq!((code, line, col), ("rdl::access", 2, 15));
    assert_eq!(msg, "field `f`: hw access `rw1` is meaningless");
}

#[test]
fn sw_w_with_hw_w_is_meaningless() {
    let (code, line, col, _, _) = only_error(&in_reg("field { sw = w; hw = w; } f;"));
    assert_eq!((code, line, col), ("rdl::access", 2, 33));
}

#[test]
fn sw_na_is_refused() {
    let (code, line, col, msg, _) = only_error(&in_reg("field { sw = na; } f;"));
    assert_eq!((code, line, col), ("rdl::access", 2, 15));
    assert_eq!(msg, "field `f` has sw = na: software cannot access it");
}

#[test]
fn side_effects_need_the_access_they_act_on() {
    let (code, _, col, msg, _) = only_error(&in_reg("field { sw = w; hw = r; onread = rclr; } f;"));
    assert_eq!((code, col), ("rdl::access", 31));
    assert!(msg.contains("`rclr` needs software read access"));
    let (code, _, col, msg, _) = only_error(&in_reg("field { sw = r; hw = w; woset; } f;"));
    assert_eq!((code, col), ("rdl::access", 31));
    assert!(msg.contains("`woset` needs software write access"));
    let (code, _, _, msg, _) = only_error(&in_reg("field { hw = r; we; } f;"));
    assert_eq!(code, "rdl::access");
    assert!(msg.contains("hardware cannot write it"));
    let (code, _, _, msg, _) = only_error(&in_reg("field { singlepulse; } f[1:0];"));
    assert_eq!(code, "rdl::access");
    assert_eq!(
        msg,
        "singlepulse field `f` must be 1 bit wide and have `reset = 0`"
    );
}

#[test]
fn reset_wider_than_the_field() {
    let (code, line, col, msg, _) = only_error(&in_reg("field {} f[1:0] = 4;"));
    assert_eq!((code, line, col), ("rdl::reset", 2, 25));
    assert_eq!(msg, "reset value 0x4 does not fit in the 2-bit field `f`");
    let (code, _, col, _, _) = only_error(&in_reg("field { reset = 0x100; } f[7:0];"));
    assert_eq!((code, col), ("rdl::reset", 23));
}

#[test]
fn unknown_type_with_a_suggestion() {
    let (code, line, col, msg, hint) =
        only_error("reg ctrl_t { field {} f; };\naddrmap top {\n  ctlr_t c;\n};");
    assert_eq!((code, line, col), ("rdl::unknown-type", 3, 3));
    assert_eq!(msg, "no component type named `ctlr_t`");
    assert_eq!(hint.as_deref(), Some("did you mean `ctrl_t`?"));
}

#[test]
fn unknown_property_with_a_suggestion() {
    let (code, _, col, msg, hint) = only_error(&in_reg("field { singlpulse; } f;"));
    assert_eq!((code, col), ("rdl::unknown-property", 15));
    assert_eq!(msg, "unknown property `singlpulse`");
    assert_eq!(hint.as_deref(), Some("did you mean `singlepulse`?"));
}

#[test]
fn property_on_the_wrong_component_kind() {
    let (code, _, col, msg, hint) = only_error(&in_reg("sw = r; field {} f;"));
    assert_eq!((code, col), ("rdl::property-component", 7));
    assert_eq!(msg, "property `sw` cannot be set on a reg");
    assert_eq!(hint.as_deref(), Some("`sw` applies to: field, mem"));
}

#[test]
fn property_of_the_wrong_type() {
    let (code, _, col, msg, _) = only_error(&in_reg("field { onwrite = rclr; } f;"));
    assert_eq!((code, col), ("rdl::property-type", 25));
    assert!(msg.starts_with("property `onwrite` expects an onwrite type"));
    let (code, _, _, msg, _) = only_error(&in_reg("field { name = 3; } f;"));
    assert_eq!(code, "rdl::property-type");
    assert_eq!(msg, "property `name` expects a string, found a number");
}

#[test]
fn duplicate_names_in_one_scope() {
    let d = diags("enum e { a; a; };\naddrmap top { reg { field {} f; field {} f; } x; reg { field {} g; } x;\n name = \"a\"; name = \"b\"; };");
    let got: Vec<_> = d
        .iter()
        .map(|e| (e.code, e.location.line, e.location.column))
        .collect();
    assert_eq!(
        got,
        [
            ("rdl::duplicate", 1, 13),
            ("rdl::duplicate", 2, 42),
            ("rdl::duplicate", 2, 70),
            ("rdl::duplicate", 3, 14),
        ]
    );
}

#[test]
fn misaligned_register_is_valid_but_named_as_a_feature() {
    // systemrdl-compiler accepts a register off its access width; back ends that
    // cannot reach it refuse the map by this feature.
    let m = regdef::compile_source("t.rdl", "addrmap top {\n  reg { field {} f; } a @ 0x2;\n};")
        .expect("valid");
    assert_eq!(
        m.features()
            .get(&regdef::ir::Feature::UnalignedRegister)
            .map(String::as_str),
        Some("top.a")
    );
    // A 64-bit register with 32-bit access needs only 4-byte alignment.
    let m = regdef::compile_source(
        "t.rdl",
        "addrmap top { reg { regwidth = 64; accesswidth = 32; field {} f; } a @ 0x4; };",
    )
    .expect("valid");
    assert!(!m
        .features()
        .contains_key(&regdef::ir::Feature::UnalignedRegister));
}

#[test]
fn bad_register_widths() {
    let (code, _, _, msg, _) = only_error(&in_reg("regwidth = 12; field {} f;"));
    assert_eq!(
        (code, msg.as_str()),
        ("rdl::register-width", "regwidth 12 is not supported")
    );
    let (code, _, _, msg, _) = only_error(&in_reg("regwidth = 16; accesswidth = 32; field {} f;"));
    assert_eq!(
        (code, msg.as_str()),
        (
            "rdl::register-width",
            "accesswidth 32 exceeds the regwidth of 16"
        )
    );
}

#[test]
fn dynamic_assignment_of_a_fixed_property() {
    let (code, line, col, msg, _) =
        only_error("reg r_t { field {} f; };\naddrmap top { r_t a; a.f->hw = r; };");
    assert_eq!((code, line, col), ("rdl::property-component", 2, 27));
    assert_eq!(msg, "property `hw` cannot be assigned dynamically");
}

#[test]
fn mutually_exclusive_properties() {
    let (code, _, col, msg, _) = only_error(&in_reg("field { rclr; rset; } f;"));
    assert_eq!((code, col), ("rdl::property-conflict", 21));
    assert_eq!(
        msg,
        "properties `rset` and `rclr` cannot both be assigned in one component"
    );
}

#[test]
fn unknown_reference_with_a_suggestion() {
    let (code, line, col, msg, hint) = only_error(
        "addrmap top {\n reg { field {} cmdqen; } cr0;\n reg { field {} v[31:0]; } base;\n base.v->swwel = cr0.cmdqn;\n};",
    );
    assert_eq!((code, line, col), ("rdl::unknown-reference", 4, 22));
    assert_eq!(msg, "`top.cr0` has no instance named `cmdqn`");
    assert_eq!(hint.as_deref(), Some("did you mean `cmdqen`?"));
}

#[test]
fn swwe_on_a_read_only_field() {
    // systemrdl-compiler: "Field's software access is 'sw=r' but property 'swwe'
    // implies it can be written".
    let (code, _, col, msg, hint) = only_error(&in_reg("field { sw = r; swwe; } f;"));
    assert_eq!((code, col), ("rdl::access", 23));
    assert_eq!(
        msg,
        "field `f` has sw = r, but `swwe` implies software can write it"
    );
    assert!(hint.expect("hint").contains("sw = rw"));
}

#[test]
fn a_counter_property_needs_a_counter() {
    let (code, line, col, msg, hint) = only_error(&in_reg("field { incrvalue = 2; } f[4];"));
    assert_eq!((code, line, col), ("rdl::property-conflict", 2, 15));
    assert_eq!(
        msg,
        "field `f` uses `incrvalue`, which is for counters, but it is not a `counter`"
    );
    assert_eq!(hint.as_deref(), Some("add `counter;` to the field"));
    // `decrthreshold` is the one systemrdl-compiler does not check.
    assert!(regdef::compile_source("t.rdl", &in_reg("field { decrthreshold = 2; } f[4];")).is_ok());
}

#[test]
fn counter_and_intr_exclude_each_other() {
    let (code, _, col, msg, _) = only_error(&in_reg("field { counter; intr; } f;"));
    assert_eq!((code, col), ("rdl::property-conflict", 24));
    assert_eq!(
        msg,
        "properties `intr` and `counter` cannot both be assigned in one component"
    );
}

#[test]
fn an_interrupt_modifier_applies_only_to_intr() {
    let (code, _, col, msg, hint) = only_error(&in_reg("field { posedge sticky; } f;"));
    assert_eq!((code, col), ("rdl::property-type", 15));
    assert_eq!(
        msg,
        "the modifier `posedge` applies only to `intr`, not to `sticky`"
    );
    assert_eq!(hint.as_deref(), Some("write `posedge intr;`"));
}

#[test]
fn nonsticky_intr_excludes_sticky() {
    // systemrdl-compiler: `nonsticky intr` is `stickybit = false`, so `sticky` in the
    // same body is a second assignment of the group.
    let (code, _, col, msg, _) = only_error(&in_reg("field { nonsticky intr; sticky; } f;"));
    assert_eq!((code, col), ("rdl::property-conflict", 31));
    assert_eq!(
        msg,
        "properties `sticky` and `stickybit` cannot both be assigned in one component"
    );
}

#[test]
fn sticky_fields_must_be_hardware_writable() {
    let (code, _, col, msg, hint) = only_error(&in_reg("field { hw = r; stickybit; } f;"));
    assert_eq!((code, col), ("rdl::access", 23));
    assert_eq!(
        msg,
        "`stickybit` field `f` must be hardware-writable, but hw = r"
    );
    assert_eq!(hint.as_deref(), Some("use `hw = w` or `hw = rw`"));
}

#[test]
fn next_needs_a_hardware_writable_field() {
    let (code, line, col, msg, _) = only_error(
        "addrmap top {\nreg { field {} a; field { hw = r; } b; } r0;\nr0.b->next = r0.a;\n};",
    );
    assert_eq!((code, line, col), ("rdl::access", 3, 7));
    assert_eq!(
        msg,
        "field `b` has `next`, but hardware cannot write it (hw = r)"
    );
}

#[test]
fn resetsignal_needs_a_signal_with_a_polarity() {
    let (code, line, col, msg, hint) = only_error(
        "addrmap top {\nsignal {} rst;\nreg { field {} a; } r0;\nr0.a->resetsignal = rst;\n};",
    );
    assert_eq!((code, line, col), ("rdl::property-conflict", 4, 21));
    assert_eq!(
        msg,
        "signal `rst` is a `resetsignal` but does not say whether it is active high or low"
    );
    assert_eq!(
        hint.as_deref(),
        Some("add `activehigh;` or `activelow;` to the signal")
    );
    let (code, _, _, msg, _) = only_error(
        "addrmap top {\nreg { field {} a; field {} b; } r0;\nr0.b->resetsignal = r0.a;\n};",
    );
    assert_eq!(code, "rdl::property-type");
    assert_eq!(
        msg,
        "`resetsignal` must reference a signal, but `r0.a` is a field"
    );
}

#[test]
fn one_field_reset_signal_per_scope() {
    let (code, line, col, msg, _) = only_error(
        "addrmap top {\nsignal { field_reset; activehigh; } a;\nsignal { field_reset; activelow; } b;\nreg { field {} f; } r0;\n};",
    );
    assert_eq!((code, line, col), ("rdl::duplicate", 3, 36));
    assert_eq!(
        msg,
        "only one `field_reset` signal is allowed per scope; `b` is redundant"
    );
}

#[test]
fn references_are_checked_against_what_they_name() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "r0.b->we = r0.a;",
            "rdl::field-width",
            "`we` of field `b` references `r0.a`, which is 2 bits wide",
        ),
        (
            "r0.b->hwset = r0.c->overflow;",
            "rdl::property-conflict",
            "`r0.c->overflow` is illegal: `top.r0.c` is not a counter",
        ),
        (
            "r0.b->hwset = r0.b->hwclr;",
            "rdl::property-conflict",
            "`r0.b->hwclr` is illegal: `top.r0.b` never sets `hwclr`",
        ),
        (
            "r0.b->hwset = r0->halt;",
            "rdl::property-conflict",
            "`r0->halt` has no halt: no field of register `top.r0` sets `haltenable` or `haltmask`",
        ),
        (
            "r0.b->hwset = r0.c->sw;",
            "rdl::property-type",
            "`sw` of a field cannot be referenced as a value",
        ),
        (
            "r0.c->next = r0.c->anded;",
            "rdl::property-conflict",
            "field `c` cannot reference itself in `next`",
        ),
        (
            "r0.b->next = r0.c->next;",
            "rdl::property-conflict",
            "`r0.c->next` references the value of `next`, which `top.r0.c` never sets",
        ),
    ];
    for (assign, want_code, want_msg) in cases {
        let src = format!(
            "addrmap top {{\nreg {{ field {{}} a[2]; field {{}} b; field {{}} c; }} r0;\n{assign}\n}};"
        );
        let (code, line, _, msg, hint) = only_error(&src);
        assert_eq!(
            (code, line, msg.as_str()),
            (*want_code, 3, *want_msg),
            "{assign}"
        );
        assert!(hint.is_some(), "{assign}: no hint");
    }
}

#[test]
fn circular_value_references_are_reported_not_followed_forever() {
    let src = "addrmap top {\nreg { field {} a; field {} b; field {} c; } r0;\nr0.a->next = r0.b->next;\nr0.b->next = r0.c->next;\nr0.c->next = r0.a->next;\n};";
    let d = diags(src);
    let msgs: Vec<String> = d.iter().map(|e| e.message.clone()).collect();
    assert_eq!(
        msgs,
        [
            "`next` of `top.r0.a` is a circular reference",
            "`next` of `top.r0.b` is a circular reference",
            "`next` of `top.r0.c` is a circular reference",
        ]
    );
}

#[test]
fn a_reserved_word_as_a_name_gets_the_escape_hint() {
    let (code, _, col, msg, hint) = only_error(&in_reg("field {} level;"));
    assert_eq!((code, col), ("rdl::syntax", 16));
    assert_eq!(
        msg,
        "expected a name for the instance, or `;`, found keyword `level`"
    );
    assert_eq!(
        hint.as_deref(),
        Some("`level` is a reserved word; write `\\level` to use it as a name")
    );
    // Escaped, it is an ordinary name.
    let m = regdef::compile_source("t.rdl", &in_reg("field {} \\level;")).expect("escaped name");
    assert_eq!(m.registers[0].fields[0].name, "level");
}

#[test]
fn many_errors_are_reported_in_one_run() {
    let d = diags(
        "addrmap top {\n reg { field { sw = rw } a; } x;\n reg { field {} b[2:0] = 9; } y @ 0x4;\n reg { field { sw = na; } c; } z @ 0x8;\n reg { field {} d; } q @ 0x9;\n nope t;\n};",
    );
    let got: Vec<_> = d.iter().map(|e| (e.code, e.location.line)).collect();
    assert_eq!(
        got,
        [
            ("rdl::syntax", 2),
            ("rdl::reset", 3),
            ("rdl::access", 4),
            ("rdl::register-overlap", 5),
            ("rdl::unknown-type", 6),
        ]
    );
}

#[test]
fn limits_produce_diagnostics_not_crashes() {
    let deep = format!(
        "addrmap top {{ reg {{ field {{}} f = {}1{}; }} r0; }};",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let d = diags(&deep);
    assert_eq!(d.iter().next().map(|e| e.code), Some("rdl::limit"));
    let unary = format!(
        "addrmap top {{ reg {{ field {{}} f = {}1; }} r0; }};",
        "-".repeat(5000)
    );
    assert_eq!(
        diags(&unary).iter().next().map(|e| e.code),
        Some("rdl::limit")
    );
    let bodies = format!("{}{}", "addrmap a { ".repeat(200), "};".repeat(200));
    assert!(diags(&bodies).iter().any(|e| e.code == "rdl::limit"));
    let (code, _, _, msg, _) = only_error("addrmap top { reg { field {} f; } big[1 << 40]; };");
    assert_eq!(code, "rdl::limit");
    assert!(msg.contains("more than 200000 elements"), "{msg}");
    let (code, _, _, _, _) =
        only_error("addrmap top { regfile { reg { field {} f; } x[1000]; } rf[1000]; };");
    assert_eq!(code, "rdl::limit");
}

#[test]
fn no_top_level_addrmap() {
    let (code, line, _, msg, _) = only_error("reg r_t { field {} f; };\n");
    assert_eq!((code, line), ("rdl::no-top", 2));
    assert_eq!(msg, "no `addrmap` definition at the top level");
}

#[test]
fn twinreg_udps_declared_differently_are_refused() {
    let (code, line, col, msg, hint) = only_error(
        "property impl_defined { type = number; component = field; };\naddrmap top { reg { field {} f; } r0; };",
    );
    assert_eq!((code, line, col), ("rdl::udp-declaration", 1, 10));
    assert_eq!(
        msg,
        "twinreg's `impl_defined` property is declared differently from the conventions"
    );
    assert_eq!(
        hint.as_deref(),
        Some("declare it as `property impl_defined { type = boolean; component = reg | field; };`")
    );
}

const GUARD_UDPS: &str = "property write_guard { type = ref[]; component = reg | field; };\n\
    property ack_of { type = ref; component = reg; };\n\
    property update_handshake { type = boolean; component = field; };\n\
    property impl_defined { type = boolean; component = reg | field; };\n\
    property present_when { type = ref; component = addrmap | regfile | reg | field; };\n";

#[test]
fn write_guard_must_name_fields() {
    let (code, line, col, msg, _) = only_error(&format!(
        "{GUARD_UDPS}addrmap top {{ reg {{ field {{}} en; }} cr0; reg {{ field {{}} v[31:0]; }} base;\n base->write_guard = '{{cr0}}; }};"
    ));
    assert_eq!((code, line, col), ("rdl::udp-use", 7, 24));
    assert_eq!(
        msg,
        "`write_guard` must reference a field, but `cr0` is a reg"
    );
}

#[test]
fn write_guard_must_name_fields_not_properties() {
    let (code, line, col, msg, hint) = only_error(&format!(
        "{GUARD_UDPS}addrmap top {{ reg {{ field {{}} en; }} cr0; reg {{ field {{}} v[31:0]; }} base;\n base->write_guard = '{{cr0.en->anded}}; }};"
    ));
    assert_eq!((code, line, col), ("rdl::udp-use", 7, 32));
    assert_eq!(
        msg,
        "`write_guard` must reference a field, not its property `anded`"
    );
    assert_eq!(hint.as_deref(), Some("drop the `->` and the property name"));
}

#[test]
fn ack_fields_must_mirror_and_be_read_only() {
    let d = diags(&format!(
        "{GUARD_UDPS}addrmap top {{ reg {{ field {{}} a[0:0]; field {{}} b[1:1]; }} ctl;\n\
         reg {{ field {{ sw = r; hw = w; }} a[0:0]; field {{ sw = rw; hw = w; }} b[1:1]; field {{ sw = r; hw = w; }} c[2:2]; }} ack;\n\
         ack->ack_of = ctl; }};"
    ));
    let got: Vec<_> = d.iter().map(|e| (e.code, e.message.as_str())).collect();
    assert_eq!(
        got,
        [
            (
                "rdl::udp-use",
                "ACK field `b` must be sw = r and hardware-writable, but is sw = rw, hw = w"
            ),
            (
                "rdl::udp-use",
                "ACK field `c` [2:2] has no field of the same name and bits in `top.ctl`"
            ),
        ]
    );
}

#[test]
fn a_register_is_acknowledged_once() {
    let (code, _, _, msg, _) = only_error(&format!(
        "{GUARD_UDPS}addrmap top {{ reg {{ field {{}} a; }} ctl; reg {{ field {{ sw = r; hw = w; }} a; }} ack1; reg {{ field {{ sw = r; hw = w; }} a; }} ack2;\n\
         ack1->ack_of = ctl; ack2->ack_of = ctl; }};"
    ));
    assert_eq!(
        (code, msg.as_str()),
        (
            "rdl::udp-use",
            "`top.ctl` is already acknowledged by `top.ack1`"
        )
    );
}

#[test]
fn update_handshake_field_requirements() {
    let (code, _, _, msg, _) =
        only_error(&format!("{GUARD_UDPS}addrmap top {{ reg {{ field {{ sw = r; hw = w; update_handshake; }} u; }} gbpa; }};"));
    assert_eq!(code, "rdl::udp-use");
    assert_eq!(msg, "update_handshake field `u` must be software-writable and have `hwclr` (the completion input)");
    let (code, _, _, msg, _) = only_error(&format!(
        "{GUARD_UDPS}addrmap top {{ reg {{ field {{ hwclr; update_handshake; }} u; field {{ hwclr; update_handshake; }} v; }} gbpa; }};"
    ));
    assert_eq!(
        (code, msg.as_str()),
        (
            "rdl::udp-use",
            "register `top.gbpa` already has the update_handshake field `u`"
        )
    );
}

#[test]
fn present_when_needs_an_implementation_defined_constant() {
    let (code, line, col, msg, _) = only_error(&format!(
        "{GUARD_UDPS}addrmap top {{ reg {{ field {{ sw = r; hw = w; impl_defined; }} msi = 1; }} idr0;\n reg {{ field {{}} v; }} cfg; cfg->present_when = idr0.msi; }};"
    ));
    assert_eq!((code, line, col), ("rdl::udp-use", 7, 47));
    assert!(msg.contains("`top.idr0.msi` is not one"), "{msg}");
}

#[test]
fn field_present_when_needs_an_implementation_defined_constant() {
    let (code, line, col, msg, hint) = only_error(&format!(
        "{GUARD_UDPS}addrmap top {{ reg {{ field {{ sw = r; hw = na; }} vmw = 1; }} idr0;\n reg {{ field {{}} vmw[8:6]; }} cr0; cr0.vmw->present_when = idr0.vmw; }};"
    ));
    assert_eq!((code, line, col), ("rdl::udp-use", 7, 58));
    assert_eq!(
        msg,
        "`present_when` needs an implementation-defined constant, but `top.idr0.vmw` is not one"
    );
    assert_eq!(
        hint.as_deref(),
        Some("the field must be `sw = r; hw = na;` with `impl_defined` and a reset")
    );
}

#[test]
fn field_present_when_must_name_a_field() {
    let (code, line, col, msg, _) = only_error(&format!(
        "{GUARD_UDPS}addrmap top {{ reg {{ field {{ sw = r; hw = na; impl_defined; }} vmw = 1; }} idr0;\n reg {{ field {{}} vmw[8:6]; }} cr0; cr0.vmw->present_when = idr0; }};"
    ));
    assert_eq!((code, line, col), ("rdl::udp-use", 7, 58));
    assert_eq!(
        msg,
        "`present_when` must reference a field, but `idr0` is a reg"
    );
}

#[test]
fn field_present_when_term_is_not_conditional_itself() {
    let (code, _, _, msg, _) = only_error(&format!(
        "{GUARD_UDPS}addrmap top {{ reg {{ field {{ sw = r; hw = na; impl_defined; }} a[0:0] = 1; field {{ sw = r; hw = na; impl_defined; }} b[1:1] = 1; }} idr0;\n reg {{ field {{}} v; }} cr0;\n idr0.b->present_when = idr0.a; cr0.v->present_when = idr0.b; }};"
    ));
    assert_eq!(
        (code, msg.as_str()),
        (
            "rdl::udp-use",
            "`present_when` term `top.idr0.b` has a presence condition of its own"
        )
    );
}

#[test]
fn ack_fields_share_the_presence_of_their_control_field() {
    let (code, _, _, msg, _) = only_error(&format!(
        "{GUARD_UDPS}addrmap top {{ reg {{ field {{ sw = r; hw = na; impl_defined; }} vmw = 1; }} idr0;\n\
         reg {{ field {{}} vmw; }} ctl; reg {{ field {{ sw = r; hw = w; we; }} vmw; }} ack;\n\
         ack->ack_of = ctl; ctl.vmw->present_when = idr0.vmw; }};"
    ));
    assert_eq!(
        (code, msg.as_str()),
        (
            "rdl::udp-use",
            "ACK field `vmw` must have the same `present_when` as `top.ctl.vmw`, which it acknowledges"
        )
    );
}

#[test]
fn legacy_present_when_declaration_cannot_reach_a_field() {
    // Declared before fields could be conditional: still accepted on registers.
    let legacy = GUARD_UDPS.replace("regfile | reg | field", "regfile | reg");
    let (code, _, _, msg, _) = only_error(&format!(
        "{legacy}addrmap top {{ reg {{ field {{ sw = r; hw = na; impl_defined; }} vmw = 1; }} idr0;\n reg {{ field {{}} vmw[8:6]; }} cr0; cr0->present_when = idr0.vmw; cr0.vmw->present_when = idr0.vmw; }};"
    ));
    assert_eq!(code, "rdl::property-component", "{msg}");
}

#[test]
fn implementation_defined_fields_need_a_reset() {
    let (code, line, col, msg, _) =
        only_error(&format!("{GUARD_UDPS}addrmap top {{ reg {{ field {{ sw = r; hw = na; impl_defined; }} id; }} idr0; }};"));
    assert_eq!((code, line, col), ("rdl::udp-use", 6, 62));
    assert_eq!(msg, "implementation-defined field `id` has no reset value");
}

#[test]
fn references_to_absent_fields_are_refused() {
    let (code, _, _, msg, _) = only_error(&format!(
        "{GUARD_UDPS}addrmap top {{ reg {{ field {{}} en; field {{}} x; }} cr0; reg {{ field {{}} v[31:0]; }} base;\n cr0.en->ispresent = false; base->write_guard = '{{cr0.en}}; }};"
    ));
    assert_eq!(code, "rdl::udp-use");
    assert_eq!(
        msg,
        "`write_guard` references `top.cr0.en`, which is not present (ispresent = false)"
    );
}

#[test]
fn udp_values_are_type_checked() {
    let (code, _, _, msg, hint) = only_error(
        "enum security_e { nonsecure; secure; };\nproperty security { type = security_e; component = addrmap | regfile | reg; };\naddrmap top { reg { field {} f; security = 1; } r0; };",
    );
    assert_eq!(code, "rdl::property-type");
    assert_eq!(
        msg,
        "property `security` expects an entry of enum `security_e`, found a number"
    );
    assert_eq!(
        hint.as_deref(),
        Some("write an entry of the enum, e.g. `security_e::nonsecure`")
    );
    let (code, _, _, msg, _) = only_error(
        "property tag { type = reg; component = field; };\naddrmap top { reg { field {} f; field {} g; } r0; r0.f->tag = r0.g; };",
    );
    assert_eq!(
        (code, msg.as_str()),
        (
            "rdl::property-type",
            "expected a reference to a reg, but `r0.g` is a field"
        )
    );
}

#[test]
fn diagnostics_render_as_plain_text_with_location_and_hint() {
    let d = diags("addrmap top {\n  reg { field { woclear; } f; } r0;\n};");
    let text = d.to_string();
    assert!(text.contains("unknown property `woclear`"), "{text}");
    assert!(text.contains("[t.rdl:2:17]"), "{text}");
    assert!(
        text.contains("  reg { field { woclear; } f; } r0;"),
        "{text}"
    );
    assert!(text.contains("help: did you mean `woclr`?"), "{text}");
    assert!(!text.contains('\u{1b}'), "plain text has no ANSI escapes");
    assert!(
        d.render(true).contains('\u{1b}'),
        "the colour rendering has escapes"
    );
    // miette sees each diagnostic with its label and help.
    let first: &dyn miette::Diagnostic = d.iter().next().expect("one");
    assert_eq!(
        first.help().map(|h| h.to_string()).as_deref(),
        Some("did you mean `woclr`?")
    );
    assert_eq!(first.labels().map(|l| l.count()), Some(1));
}

#[test]
fn unreadable_file() {
    let err = regdef::compile_file(std::path::Path::new("/nonexistent/x.rdl")).unwrap_err();
    assert_eq!(err.len(), 1);
    let e = err.iter().next().expect("one");
    assert_eq!(e.code, "rdl::io");
    assert!(e.message.starts_with("cannot read `/nonexistent/x.rdl`"));
}

#[test]
fn fieldwidth_disagrees_with_the_instance_width() {
    // systemrdl-compiler: "Width of field instance (3) must match field's
    // 'fieldwidth' property (4)" at the instance name; the same for [msb:lsb].
    let (code, line, col, msg, hint) = only_error(&in_reg("field { fieldwidth = 4; } b[3];"));
    assert_eq!((code, line, col), ("rdl::field-width", 2, 33));
    assert_eq!(
        msg,
        "the field instance is 3 bits wide, but its `fieldwidth` is 4"
    );
    assert_eq!(
        hint.as_deref(),
        Some("give no width (`b;`) to take the `fieldwidth`, or make them agree")
    );
    let (code, _, col, msg, _) = only_error(&in_reg("field { fieldwidth = 4; } a[11:4];"));
    assert_eq!((code, col), ("rdl::field-width", 33));
    assert_eq!(
        msg,
        "the field instance is 8 bits wide, but its `fieldwidth` is 4"
    );
}

#[test]
fn fieldwidth_zero_and_dynamic_fieldwidth() {
    let (code, line, col, msg, _) = only_error(&in_reg("field { fieldwidth = 0; } a;"));
    assert_eq!((code, line, col), ("rdl::field-width", 2, 15));
    assert_eq!(msg, "`fieldwidth` must be greater than zero");
    // Not dynamically assignable (systemrdl-compiler: "Dynamic assignment to
    // property 'fieldwidth' is not allowed").
    let (code, line, col, msg, _) =
        only_error("addrmap top {\nreg { field {} a; } r0;\nr0.a->fieldwidth = 3;\n};");
    assert_eq!((code, line, col), ("rdl::property-component", 3, 7));
    assert_eq!(msg, "property `fieldwidth` cannot be assigned dynamically");
}

#[test]
fn external_on_a_field_is_refused() {
    // systemrdl-compiler: "internal/external instance type is not valid for signal
    // or field components", at the keyword.
    let (code, line, col, msg, hint) = only_error(&in_reg("external field {} f;"));
    assert_eq!((code, line, col), ("rdl::nesting", 2, 7));
    assert_eq!(msg, "`external` is not valid on a field instance");
    assert_eq!(
        hint.as_deref(),
        Some("only reg, regfile, addrmap and mem instances are internal or external")
    );
    let (_, _, col, msg, _) = only_error(&in_reg("field ft {}; internal ft f;"));
    assert_eq!(col, 20);
    assert_eq!(msg, "`internal` is not valid on a field instance");
}
