//! Preprocessing and multi-file compiles through the public API, on the files in
//! `corpus/preprocess/`: includes through include directories and relative to the
//! including file, their order, cycles, missing and too-deep includes, defines,
//! file lists with a chosen top, and diagnostics that point through includes and
//! macro expansions (snapshots).
//!
//! Paths are relative to the crate (cargo runs tests there), which keeps the
//! locations in messages and snapshots independent of the checkout.

use regdef::ir::RegisterMap;
use regdef::{Compiler, Diagnostics};

const DIR: &str = "tests/corpus/preprocess";

fn at(file: &str) -> String {
    format!("{DIR}/{file}")
}

fn ok(c: Compiler) -> RegisterMap {
    let c = c.compile();
    match c.map {
        Some(map) => map,
        None => panic!("compilation failed:\n{}", c.diagnostics),
    }
}

fn fails(c: Compiler) -> Diagnostics {
    let c = c.compile();
    assert!(c.map.is_none(), "compiled, but should not have");
    c.diagnostics
}

fn paths(map: &RegisterMap) -> Vec<&str> {
    map.registers.iter().map(|r| r.path.as_str()).collect()
}

fn field_names(map: &RegisterMap, path: &str) -> Vec<String> {
    map.registers
        .iter()
        .find(|r| r.path == path)
        .unwrap_or_else(|| panic!("no register {path}"))
        .fields
        .iter()
        .map(|f| f.name.clone())
        .collect()
}

#[test]
fn includes_come_from_include_dirs_and_the_including_files_folder() {
    let map = ok(Compiler::new().include_dir(at("inc")).file(at("main.rdl")));
    assert_eq!(
        paths(&map),
        [
            "main.ch0.ctrl",
            "main.ch0.status",
            "main.ch1.ctrl",
            "main.ch1.status",
            "main.leaf",
            "main.pick"
        ]
    );
    let ch1 = map
        .registers
        .iter()
        .find(|r| r.path == "main.ch1.ctrl")
        .expect("ch1");
    assert_eq!((ch1.address, ch1.width), (0x100, 32));
    // A register's location is its instance, here in an included file.
    assert_eq!(ch1.location.file, at("inc/common.rdl"));
    assert_eq!((ch1.location.line, ch1.location.column), (5, 72));
}

#[test]
fn defines_select_conditional_text() {
    let map = ok(Compiler::new()
        .include_dir(at("inc"))
        .define("WITH_DEBUG", "")
        .file(at("main.rdl")));
    let dbg = map
        .registers
        .iter()
        .find(|r| r.path == "main.dbg")
        .expect("dbg");
    assert_eq!(dbg.address, 0x800);
}

#[test]
fn include_dirs_are_searched_in_the_order_given() {
    let first = ok(Compiler::new()
        .include_dir(at("inc"))
        .include_dir(at("inc2"))
        .file(at("main.rdl")));
    assert_eq!(field_names(&first, "main.pick"), ["from_inc"]);
    // common.rdl is only in inc: found there after inc2.
    let second = ok(Compiler::new()
        .include_dir(at("inc2"))
        .include_dir(at("inc"))
        .file(at("main.rdl")));
    assert_eq!(field_names(&second, "main.pick"), ["from_inc2"]);
}

#[test]
fn a_missing_include_names_the_file_line_and_the_places_searched() {
    let d = fails(
        Compiler::new()
            .include_dir(at("inc"))
            .file(at("missing.rdl")),
    );
    let e = d.iter().next().expect("one error");
    assert_eq!(e.code, "rdl::include");
    assert_eq!(e.message, "cannot find `no_such_file.rdl` to include");
    assert_eq!(
        (e.location.file.as_str(), e.location.line, e.location.column),
        (at("missing.rdl").as_str(), 4, 10)
    );
    let hint = e.hint.as_deref().expect("a hint");
    assert!(hint.contains(&at("inc")) && hint.contains(DIR), "{hint}");
}

#[test]
fn an_include_cycle_is_an_error_not_a_hang() {
    let d = fails(Compiler::new().file(at("cycle_a.rdl")));
    let e = d.iter().next().expect("one error");
    assert_eq!(e.code, "rdl::include");
    assert_eq!(
        e.message,
        format!(
            "`cycle_a.rdl` includes itself: {0}/cycle_a.rdl -> {0}/cycle_b.rdl -> {0}/cycle_a.rdl",
            DIR
        )
    );
    assert_eq!(
        (e.location.file.as_str(), e.location.line),
        (at("cycle_b.rdl").as_str(), 2)
    );
    assert!(
        d.to_string()
            .contains(&format!("in file included from {DIR}/cycle_a.rdl:1:1")),
        "{d}"
    );
}

/// A chain `d0.rdl` -> `d1.rdl` -> ... of `len` files in a fresh folder.
fn chain(tag: &str, len: usize) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("twinreg-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for i in 0..len {
        let body = if i + 1 < len {
            format!("`include \"d{}.rdl\"\n", i + 1)
        } else {
            "addrmap deep { reg { field {} f; } x; };\n".to_owned()
        };
        std::fs::write(dir.join(format!("d{i}.rdl")), body).expect("write");
    }
    dir
}

#[test]
fn include_chains_are_bounded() {
    let fine = chain("deep-ok", regdef::frontend::MAX_INCLUDE_DEPTH);
    let map = ok(Compiler::new().file(fine.join("d0.rdl")));
    assert_eq!(paths(&map), ["deep.x"]);
    let deep = chain("deep-bad", regdef::frontend::MAX_INCLUDE_DEPTH + 1);
    let d = fails(Compiler::new().file(deep.join("d0.rdl")));
    let e = d.iter().next().expect("one error");
    assert_eq!(e.message, "`include nested more than 64 files deep");
    let _ = std::fs::remove_dir_all(fine);
    let _ = std::fs::remove_dir_all(deep);
}

#[test]
fn files_compile_in_order_into_one_root_scope() {
    let list = || Compiler::new().file(at("udps.rdl")).file(at("soc.rdl"));
    // Default top: the last addrmap defined, as systemrdl-compiler.
    assert_eq!(paths(&ok(list())), ["lonely.x"]);
    let soc = ok(list().top("soc"));
    assert_eq!(paths(&soc), ["soc.p0.a", "soc.p1.a"]);
    assert_eq!(soc.registers[1].address, 0x1000);
    assert_eq!(paths(&ok(list().top("periph"))), ["periph.a"]);
    // The order matters: soc.rdl uses what udps.rdl defines.
    let d = fails(Compiler::new().file(at("soc.rdl")).file(at("udps.rdl")));
    assert!(d.iter().any(|e| e.code == "rdl::unknown-type"), "{d}");
}

#[test]
fn a_top_that_is_not_a_root_addrmap_is_an_error() {
    let list = || Compiler::new().file(at("udps.rdl")).file(at("soc.rdl"));
    let d = fails(list().top("socc"));
    let e = d.iter().next().expect("error");
    assert_eq!(e.code, "rdl::no-top");
    assert_eq!(e.message, "no `addrmap` named `socc` at the top level");
    assert_eq!(e.hint.as_deref(), Some("did you mean `soc`?"));
    let d = fails(list().top("shared_t"));
    assert_eq!(
        d.iter().next().expect("error").message,
        "the top `shared_t` is not an `addrmap` definition"
    );
}

#[test]
fn parameter_overrides_are_refused_clearly() {
    let d = fails(
        Compiler::new()
            .file(at("udps.rdl"))
            .file(at("soc.rdl"))
            .top("soc")
            .parameter("N", "4"),
    );
    let e = d.iter().next().expect("error");
    assert_eq!(e.code, "rdl::parameter");
    assert_eq!(e.message, "the top `soc` has no parameter `N` to override");
}

#[test]
fn each_file_has_its_own_macros() {
    // As systemrdl-compiler's compile_file: a `define ends with its file.
    let d = fails(
        Compiler::new()
            .source("one.rdl", "`define W 8\n")
            .source("two.rdl", "addrmap t { reg { field {} f[`W]; } x; };\n"),
    );
    let e = d.iter().next().expect("error");
    assert_eq!(e.message, "macro `W` is not defined");
    assert_eq!(e.location.file, "two.rdl");
}

#[test]
fn an_unclosed_body_in_one_file_does_not_swallow_the_next() {
    let d = fails(
        Compiler::new()
            .source("one.rdl", "addrmap a { reg { field {} f; } x;\n")
            .source("two.rdl", "addrmap b { reg { field {} f; } x; };\n"),
    );
    assert!(d.iter().all(|e| e.location.file == "one.rdl"), "{d}");
}

#[test]
fn an_error_in_an_included_file_shows_where_it_was_included() {
    let d = fails(
        Compiler::new()
            .include_dir(at("inc"))
            .file(at("bad_in_include.rdl")),
    );
    let e = d.iter().next().expect("error");
    assert_eq!(
        (e.location.file.as_str(), e.location.line),
        (at("inc/bad_field.rdl").as_str(), 2)
    );
    insta::assert_snapshot!("error_in_included_file", d.to_string());
}

#[test]
fn an_error_in_a_macro_expansion_points_at_the_use() {
    let d = fails(Compiler::new().file(at("bad_in_macro.rdl")));
    let e = d.iter().next().expect("error");
    assert_eq!((e.location.line, e.location.column), (6, 9));
    insta::assert_snapshot!("error_in_macro_expansion", d.to_string());
}
