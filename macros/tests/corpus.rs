//! `register_file!` on every map of the shared SystemRDL corpus (public test suites,
//! read in place from `../shared/rdl-corpus`) that the front end accepts and the Rust
//! register file can represent (registers of 32 or 64 bits, word aligned): every
//! expansion compiles, one module per map in one crate, and its `main` checks each
//! generated identity (`Reg::COUNT`, every register's path and address) and every
//! reset value against the IR, which this test writes into the case as literals.

use std::fmt::Write as _;
use std::path::Path;

use regdef::ir::RegisterMap;

/// Whether the Rust register file represents `map` (the limits `register_file!`
/// reports otherwise; the token generator's own corpus test checks that those are
/// the only refusals).
fn representable(map: &RegisterMap) -> bool {
    // The Rust register file implements none of the IR's `Feature`s yet (counters,
    // interrupts, references, ...): `register_file!` refuses such maps by name.
    map.features().is_empty()
        && map
            .registers
            .iter()
            .all(|r| matches!(r.width, 32 | 64) && r.address % 4 == 0)
}

/// A Rust string literal.
fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// One module per map, `m<index>`, with the expansion and the IR's (path, address,
/// reset value) of every register, and the function checking one against the other.
fn module(index: usize, map: &RegisterMap, e: &testkit::CorpusEntry) -> String {
    let dirs: Vec<String> = e
        .include_dirs
        .iter()
        .map(|d| lit(&d.display().to_string()))
        .collect();
    let defines: Vec<String> = e
        .defines
        .iter()
        .map(|(k, v)| lit(&format!("{k}={v}")))
        .collect();
    let mut expect = String::new();
    for r in &map.registers {
        let _ = writeln!(
            expect,
            "        ({}, {:#x}, {:#x}),",
            lit(&r.path),
            r.address,
            r.reset_value()
        );
    }
    format!(
        "/// {id}\nmod m{index} {{\n\
         \x20   twinreg_macros::register_file!({file}, include_dirs = [{dirs}], defines = [{defines}]);\n\n\
         \x20   /// (path, address, reset value) of every register, from the IR.\n\
         \x20   const EXPECT: &[(&str, u64, u64)] = &[\n{expect}    ];\n\n\
         \x20   pub fn check() {{\n\
         \x20       assert_eq!(Reg::COUNT, EXPECT.len());\n\
         \x20       let file = RegisterFile::default();\n\
         \x20       for (i, (reg, (path, address, reset))) in Reg::ALL.iter().zip(EXPECT).enumerate() {{\n\
         \x20           assert_eq!(reg.index(), i);\n\
         \x20           assert_eq!(reg.path(), *path);\n\
         \x20           assert_eq!(reg.address(), *address, \"{{path}}\");\n\
         \x20           assert_eq!(file.value_at(i), Some(*reset), \"{{path}}\");\n\
         \x20       }}\n\
         \x20   }}\n\
         }}\n\n",
        id = e.id,
        file = lit(&e.file.display().to_string()),
        dirs = dirs.join(", "),
        defines = defines.join(", "),
    )
}

#[test]
fn corpus_register_files_compile_and_match_the_ir() {
    let test = "corpus_register_files_compile_and_match_the_ir";
    let Some(entries) = testkit::shared_corpus(test) else {
        return;
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus_register_files");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the cases' directory");
    // One crate for every map: one rustc run instead of one per map.
    let mut source = String::new();
    let mut checks = String::new();
    for (i, e) in entries.iter().enumerate() {
        let mut c = regdef::Compiler::new().file(&e.file);
        for d in &e.include_dirs {
            c = c.include_dir(d);
        }
        for (k, v) in &e.defines {
            c = c.define(k, v);
        }
        let Some(map) = c.compile().map else { continue };
        if testkit::RUST_REGISTER_FILE_GAPS.contains(&e.id.as_str()) {
            println!("{test}: known gap, skipped: {}", e.id);
            continue;
        }
        if !representable(&map) {
            continue;
        }
        source.push_str(&module(i, &map, e));
        let _ = writeln!(checks, "    m{i}::check();");
    }
    let cases = checks.lines().count();
    println!("{test}: {cases} corpus maps");
    assert!(cases > 0, "no corpus map to expand");
    let _ = write!(source, "fn main() {{\n{checks}}}\n");
    std::fs::write(dir.join("corpus_register_files.rs"), source).expect("write the case");
    trybuild::TestCases::new().pass(dir.join("corpus_register_files.rs"));
}
