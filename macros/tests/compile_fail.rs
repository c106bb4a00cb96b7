//! A definition that cannot become a register file fails `cargo build` with the
//! front end's diagnostics (`file:line:col`, the source line, the hint) in a
//! `compile_error!`, never a panic.

use std::path::Path;

#[test]
fn bad_definitions_fail_the_build() {
    // trybuild builds the cases in its own project, `<target>/tests/trybuild/<crate>`,
    // and that is the CARGO_MANIFEST_DIR `register_file!` resolves paths against.
    // Put the cases' .rdl files there, so the expected output names them as written.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target directory");
    let project = target.join("tests/trybuild/twinreg-macros/rdl");
    std::fs::create_dir_all(&project).expect("create the trybuild project directory");
    for entry in std::fs::read_dir(manifest.join("tests/ui/rdl")).expect("tests/ui/rdl") {
        let path = entry.expect("directory entry").path();
        if let Some(name) = path.file_name() {
            std::fs::copy(&path, project.join(name)).expect("copy a .rdl case");
        }
    }
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
