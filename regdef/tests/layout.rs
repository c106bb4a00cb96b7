//! The layout constructs of SystemRDL 2.0 as elaborated into the IR: memories (11),
//! bus and addrmap properties (13.4), test hints and HDL paths (5.2.2, 5.2.3), bit
//! ordering (10.7), overlaps (10.1), aliases (10.5), wide registers (10.6), and the
//! errors the standard asks for, each at its place.

use regdef::access::AccessType;
use regdef::ir::{BlockKind, RegisterMap};
use regdef::Diagnostics;

fn map(src: &str) -> RegisterMap {
    regdef::compile_source("t.rdl", src).unwrap_or_else(|d| panic!("unexpected errors:\n{d}"))
}

fn diags(src: &str) -> Diagnostics {
    match regdef::compile_source("t.rdl", src) {
        Ok(_) => panic!("expected errors from:\n{src}"),
        Err(d) => d,
    }
}

/// Every error as (code, line, column, message).
fn errors(src: &str) -> Vec<(&'static str, u32, u32, String)> {
    diags(src)
        .iter()
        .map(|e| {
            (
                e.code,
                e.location.line,
                e.location.column,
                e.message.clone(),
            )
        })
        .collect()
}

fn addresses(m: &RegisterMap) -> Vec<(&str, u64)> {
    m.registers
        .iter()
        .map(|r| (r.path.as_str(), r.address))
        .collect()
}

// ---- mem (SystemRDL 2.0 11) ----------------------------------------------------

#[test]
fn a_memory_is_a_block_with_its_virtual_registers() {
    let m = map("addrmap top {
        reg { field {} a; } r0;
        external mem { mementries = 16; memwidth = 32; sw = r;
            reg { field {} x[16]; } vr[2];
        } ram @ 0x40;
        external mem { mementries = 3; memwidth = 12; } narrow;
        reg { field {} a; } r1;
    };");
    let ram = m.blocks.iter().find(|b| b.path == "top.ram").expect("ram");
    assert_eq!(ram.kind, BlockKind::Mem);
    assert_eq!((ram.address, ram.size), (0x40, 64));
    assert!(ram.external && ram.declared_external);
    let mem = ram.memory.as_ref().expect("memory facts");
    assert_eq!((mem.entries, mem.width, mem.sw), (16, 32, AccessType::R));
    // 12-bit entries take 2 bytes each; regalign places the 6-byte mem at 8.
    let narrow = m
        .blocks
        .iter()
        .find(|b| b.path == "top.narrow")
        .expect("narrow");
    assert_eq!((narrow.address, narrow.size), (0x80, 6));
    assert_eq!(
        addresses(&m),
        [
            ("top.r0", 0),
            ("top.ram.vr[0]", 0x40),
            ("top.ram.vr[1]", 0x44),
            ("top.r1", 0x88)
        ]
    );
    let vr = &m.registers[1];
    assert!(
        !vr.external,
        "a virtual register is not itself external (its memory is), as the reference reports"
    );
    assert_eq!(m.blocks[vr.block.0].path, "top.ram");
}

#[test]
fn memwidth_defaults_to_the_widest_virtual_register() {
    let m = map("addrmap top { external mem { mementries = 4;
        reg { regwidth = 64; field {} word[64]; } e[4]; } ram; };");
    let ram = &m.blocks[1];
    assert_eq!(ram.memory.as_ref().map(|x| x.width), Some(64));
    assert_eq!(ram.size, 32);
}

#[test]
fn memory_errors_are_placed() {
    assert_eq!(
        errors("addrmap top {\n mem { mementries = 2; memwidth = 8; } m;\n};"),
        [(
            "rdl::nesting",
            2,
            40,
            "a mem must be instantiated `external`".to_owned()
        )]
    );
    assert_eq!(
        errors("addrmap top {\n external mem { mementries = 0; memwidth = 8; } m;\n};"),
        [(
            "rdl::memory",
            2,
            30,
            "`mementries` must be greater than zero".to_owned()
        )]
    );
    assert_eq!(
        errors("addrmap top {\n external mem { mementries = 2; } m;\n};"),
        [(
            "rdl::memory",
            2,
            35,
            "the width of this mem is unknown".to_owned()
        )]
    );
    assert_eq!(
        errors("addrmap top {\n external mem { mementries = 2; memwidth = 32;\n reg { field {} a[32]; } v[3]; } m;\n};"),
        [(
            "rdl::memory",
            3,
            34,
            "the virtual registers occupy 0xc bytes, more than the 0x8 bytes of mem `m`"
                .to_owned()
        )]
    );
    let e = errors("addrmap top {\n external mem { mementries = 2; memwidth = 16;\n reg { field {} a[32]; } v; } m;\n};");
    assert!(
        e.contains(&(
            "rdl::memory",
            3,
            26,
            "virtual register `top.m.v` is 32 bits wide, wider than the 16 bits an entry of mem `top.m` allows".to_owned()
        )),
        "{e:?}"
    );
    // 11.1: a mem holds registers only.
    assert_eq!(
        errors("addrmap top {\n external mem { mementries = 2; memwidth = 32;\n regfile { reg { field {} a; } r; } rf; } m;\n};")[0].0,
        "rdl::nesting"
    );
}

#[test]
fn a_huge_memory_is_refused_not_allocated() {
    let e = errors(
        "addrmap top { external mem { mementries = 0x4000000000000000; memwidth = 64; } m; };",
    );
    assert_eq!(e[0].0, "rdl::limit", "{e:?}");
    assert_eq!(e[0].3, "the memory's size overflows 64 bits");
}

// ---- addrmap and bus properties (SystemRDL 2.0 13.4, 5.2.2, 5.2.3, 10.6) ----------

#[test]
fn bus_and_test_properties_reach_the_ir() {
    let m = map(r#"addrmap top {
        bigendian; rsvdset; errextbus; sharedextbus; alignment = 16; addressing = compact;
        dontcompare; hdl_path = "u_top";
        reg { shared; errextbus; donttest; hdl_path_gate = "g";
              field { dontcompare = 0x5; hdl_path_slice = '{"a", "b"}; } f[4];
              field { donttest = true; } g; } rg;
        addrmap { littleendian; rsvdsetX; reg { field {} a; } x; } sub;
    };"#);
    let top = &m.blocks[0];
    assert_eq!(top.endianness, Some(regdef::ir::Endianness::Big));
    assert!(top.rsvdset && !top.rsvdset_x && top.errextbus && top.sharedextbus);
    assert_eq!(top.alignment, Some(16));
    assert_eq!(top.addressing, regdef::ir::Addressing::Compact);
    assert_eq!(top.dontcompare, regdef::ir::TestHint::All);
    assert_eq!(top.hdl_paths.path.as_deref(), Some("u_top"));
    let sub = &m.blocks[1];
    assert_eq!(sub.endianness, Some(regdef::ir::Endianness::Little));
    assert!(sub.rsvdset_x && !sub.rsvdset);
    let r = &m.registers[0];
    assert!(r.shared && r.errextbus);
    assert_eq!(r.donttest, regdef::ir::TestHint::All);
    assert_eq!(r.hdl_paths.gate.as_deref(), Some("g"));
    let f = &r.fields[0];
    assert_eq!(f.dontcompare, regdef::ir::TestHint::Bits(5));
    assert_eq!(f.hdl_paths.slice, ["a", "b"]);
    assert_eq!(r.fields[1].donttest, regdef::ir::TestHint::All);
    // Back ends that do not implement them refuse the map by name.
    let features = m.features();
    assert!(features.contains_key(&regdef::ir::Feature::BigEndian));
    assert!(features.contains_key(&regdef::ir::Feature::ReservedSet));
    assert!(features.contains_key(&regdef::ir::Feature::SharedRegister));
}

#[test]
fn bigendian_and_littleendian_replace_each_other() {
    let m = map("addrmap top { bigendian; reg { field {} a; } rg; };");
    assert_eq!(m.blocks[0].endianness, Some(regdef::ir::Endianness::Big));
    let e = errors("addrmap top {\n bigendian; littleendian;\n reg { field {} a; } rg; };");
    assert_eq!(e[0].0, "rdl::property-conflict", "{e:?}");
}

#[test]
fn a_bridge_places_each_child_map_from_zero() {
    let m = map("addrmap top { bridge;
        addrmap { reg { field {} a; } x; reg { field {} a; } y; } a;
        addrmap { reg { field {} a; } z; } b;
    };");
    assert_eq!(
        addresses(&m),
        [("top.a.x", 0), ("top.b.z", 0), ("top.a.y", 4)]
    );
    assert!(m.blocks[0].bridge);
    assert!(m.features().contains_key(&regdef::ir::Feature::Overlap));
}

#[test]
fn bridge_errors() {
    let e = errors("addrmap top {\n bridge;\n addrmap { reg { field {} a; } x; } a;\n reg { field {} a; } rg;\n};");
    assert_eq!(
        e,
        [
            (
                "rdl::bridge",
                2,
                2,
                "bridge addrmap `top` must contain 2 or more addrmaps".to_owned()
            ),
            (
                "rdl::bridge",
                4,
                22,
                "bridge addrmap `top` can only contain addrmaps, but `rg` is a reg".to_owned()
            ),
        ]
    );
}

// ---- bit order (SystemRDL 2.0 10.7, 13.4 msb0/lsb0) --------------------------------

/// (name, lsb, msb, msb0) of every field of `path`.
fn bits(m: &RegisterMap, path: &str) -> Vec<(String, u32, u32, bool)> {
    let r = m.find(path).expect("register");
    m.reg(r)
        .fields
        .iter()
        .map(|f| (f.name.clone(), f.lsb, f.msb, f.msb0))
        .collect()
}

fn b(name: &str, lsb: u32, msb: u32, msb0: bool) -> (String, u32, u32, bool) {
    (name.to_owned(), lsb, msb, msb0)
}

#[test]
fn msb0_packs_implied_fields_from_the_top() {
    let m = map("addrmap top { msb0;
        reg { field {} a[4]; field {} b; field {} c[3]; } r0;
        reg { regwidth = 8; field {} a[2]; field {} b[6]; } r1;
        addrmap { reg { field {} a[4]; } x; } sub;
    };");
    assert_eq!(
        bits(&m, "top.r0"),
        [
            b("c", 24, 26, true),
            b("b", 27, 27, true),
            b("a", 28, 31, true)
        ]
    );
    assert_eq!(bits(&m, "top.r1"), [b("b", 0, 5, true), b("a", 6, 7, true)]);
    // The property belongs to its addrmap: a nested one without it is lsb0.
    assert_eq!(bits(&m, "top.sub.x"), [b("a", 0, 3, false)]);
    assert!(m.blocks[0].msb0 && !m.blocks[1].msb0);
}

#[test]
fn a_low_high_range_numbers_the_register_from_the_top() {
    let m = map("addrmap top {
        reg { field {} a[4:7]; field {} b[3:3]; field {} c[3]; } r0;
        reg { field {} a[7:4]; field {} b; } r1;
        lsb0;
    };");
    assert_eq!(
        bits(&m, "top.r0"),
        [b("c", 0, 2, true), b("b", 3, 3, true), b("a", 4, 7, true)]
    );
    assert_eq!(
        bits(&m, "top.r1"),
        [b("a", 4, 7, false), b("b", 8, 8, false)]
    );
}

#[test]
fn bit_order_errors() {
    assert_eq!(
        errors("addrmap top {\n msb0;\n reg { regwidth = 8; field {} a[6]; field {} b[4]; } r0;\n};"),
        [(
            "rdl::field-bounds",
            3,
            46,
            "field `b` of 4 bits, packed in msb0 order after the previous field, would extend below bit 0".to_owned()
        )]
    );
    assert_eq!(
        errors("addrmap top {\n reg { field {} a[0:3]; field {} b[7:4]; } r1;\n};"),
        [(
            "rdl::field-bounds",
            2,
            17,
            "register `r1` numbers field `a` [low:high] and field `b` [high:low]".to_owned()
        )]
    );
    let e = errors("addrmap top {\n msb0; lsb0;\n reg { field {} a; } r1;\n};");
    assert_eq!(e[0].0, "rdl::property-conflict", "{e:?}");
}

// ---- overlaps (SystemRDL 2.0 10.1) --------------------------------------------------

#[test]
fn read_only_and_write_only_may_overlap() {
    let m = map("addrmap top {
        reg { field { sw = r; hw = w; } rx[8]; } rx @ 0x0;
        reg { field { sw = w; hw = r; } tx[8]; } tx @ 0x0;
        reg { field { sw = r; hw = w; } s[7:0]; field { sw = w1; hw = r; } c[11:4]; } f @ 0x4;
    };");
    assert_eq!(addresses(&m), [("top.rx", 0), ("top.tx", 0), ("top.f", 4)]);
    assert_eq!(
        m.features()
            .get(&regdef::ir::Feature::Overlap)
            .map(String::as_str),
        Some("top.tx")
    );
}

#[test]
fn other_overlaps_stay_errors() {
    // Both read: a read could not tell them apart.
    let e = errors("addrmap top {\n reg { field { sw = r; hw = w; } a[8]; } x @ 0x0;\n reg { field { sw = rw; } b[8]; } y @ 0x0;\n};");
    assert_eq!(
        e,
        [(
            "rdl::register-overlap",
            3,
            35,
            "`top.y` at 0x0..0x4 overlaps `top.x` at 0x0..0x4".to_owned()
        )]
    );
    let e = errors("addrmap top {\n reg { field { sw = r; hw = w; } a[7:0]; field { sw = rw; } b[4:4]; } x;\n};");
    assert_eq!(
        e,
        [(
            "rdl::field-overlap",
            2,
            61,
            "field `b` [4:4] overlaps field `a` [7:0]".to_owned()
        )]
    );
}

// ---- alias registers (SystemRDL 2.0 10.5) ------------------------------------------

#[test]
fn an_alias_is_its_own_register_over_the_primary() {
    let m = map("addrmap top {
        reg r_t { field { hw = r; } x = 0; field {} y = 0; };
        reg ro_t { field { hw = r; } x = 0; };
        r_t primary @ 0x4;
        alias primary ro_t a1 @ 0x0;
        a1.x->sw = r;
        r_t arr[2] @ 0x10;
        alias arr r_t arr_alias[2] @ 0x20;
    };");
    let id = |p: &str| m.find(p).expect(p);
    let (primary, a1) = (id("top.primary"), id("top.a1"));
    assert_eq!(m.reg(a1).alias_of, Some(primary));
    assert_eq!(m.reg(primary).aliases, [a1]);
    assert_eq!(m.reg(a1).fields[0].sw, AccessType::R);
    assert_eq!(m.reg(primary).fields[0].sw, AccessType::Rw);
    assert_eq!(
        m.reg(id("top.arr_alias[1]")).alias_of,
        Some(id("top.arr[1]"))
    );
    assert_eq!(
        m.features()
            .get(&regdef::ir::Feature::AliasRegister)
            .map(String::as_str),
        Some("top.a1")
    );
}

#[test]
fn alias_errors() {
    let e = errors("addrmap top {\n reg r_t { field {} x; };\n reg q_t { field { hw = r; } x; field {} z; };\n r_t p;\n alias p q_t a;\n alias nope r_t b;\n r_t arr[2];\n alias arr r_t c;\n};");
    let msgs: Vec<(u32, u32, &str)> = e.iter().map(|x| (x.1, x.2, x.3.as_str())).collect();
    assert_eq!(
        msgs,
        [
            (3, 30, "alias field `x` differs from its primary in: hw"),
            (3, 42, "alias field `z` has no field of that name in the primary `top.p`"),
            (6, 8, "no register named `nope` to alias in this scope"),
            (8, 8, "alias `top.c` names the register array `arr`: which element is its primary is ambiguous"),
        ]
    );
    assert!(e.iter().all(|x| x.0 == "rdl::alias"));
    let e = errors("addrmap top {\n reg { regwidth = 64; field {} x; } wd;\n reg r_t { field {} x; };\n alias wd r_t a;\n};");
    assert_eq!(
        e,
        [(
            "rdl::alias",
            4,
            15,
            "alias `top.a` is 32 bits wide, its primary `top.wd` 64".to_owned()
        )]
    );
}

// ---- wide registers (SystemRDL 2.0 10.6) -------------------------------------------

#[test]
fn registers_wider_than_64_bits() {
    let m = map("addrmap top {
        reg { regwidth = 128; accesswidth = 32; field {} lo[32]; field {} hi[96:64] = 128'h5; } wide;
        reg { field {} a; } after;
    };");
    assert_eq!(addresses(&m), [("top.wide", 0), ("top.after", 0x10)]);
    let w = &m.registers[0];
    assert_eq!((w.width, w.access_width), (128, 32));
    assert_eq!(
        (w.fields[1].lsb, w.fields[1].msb, w.fields[1].reset),
        (64, 96, Some(5))
    );
    assert_eq!(w.reset_bits().0, [0, 5]);
    assert_eq!(
        m.features()
            .get(&regdef::ir::Feature::WideRegister)
            .map(String::as_str),
        Some("top.wide")
    );
}

#[test]
fn wide_register_limits() {
    assert_eq!(
        errors("addrmap top {\n reg { regwidth = 128; field {} f[100]; } x;\n};"),
        [(
            "rdl::limit",
            2,
            33,
            "field `f` [99:0] is 100 bits wide; twinreg's fields are at most 64 bits".to_owned()
        )]
    );
    assert_eq!(
        errors("addrmap top {\n reg { regwidth = 2048; field {} f; } x;\n};"),
        [(
            "rdl::limit",
            2,
            19,
            "regwidth 2048 is wider than twinreg's limit of 1024 bits".to_owned()
        )]
    );
    let e = errors("addrmap top {\n reg { regwidth = 128; field {} f[64] = 128'h1_0000_0000_0000_0000; } x;\n};");
    assert_eq!(e[0].0, "rdl::number", "{e:?}");
    let e = errors("addrmap top {\n reg { field {} f = 2000'h0; } x;\n};");
    assert_eq!(e[0].3, "numbers wider than 1024 bits are not supported");
}
