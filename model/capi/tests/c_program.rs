//! The C ABI from C: `tests/c/bringup.c` is compiled with `include/twinreg.h` and the
//! register header generated from `regdef/smmuv3.rdl`, linked against the static
//! library and against the shared one, and run. The program brings the SMMU up
//! through MMIO, translates Non-secure and Secure stage 1 transactions, takes a
//! fault, MSIs and interrupts, snapshots and restores, and checks the ABI's errors,
//! all against exact values (see the program).

use std::path::{Path, PathBuf};
use std::process::Command;

const CFLAGS: [&str; 5] = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"];

/// What the static library needs from the system (`rustc --print
/// native-static-libs` on Linux with glibc).
const NATIVE_LIBS: [&str; 6] = ["-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl"];

/// The directory cargo put `libtwinreg.a` and `libtwinreg.so` in when it built the
/// library for this test: this test's own `target/<profile>/deps/` (only `cargo
/// build` copies them up to `target/<profile>/`).
fn library_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .expect("target/<profile>/deps/<test>")
        .to_path_buf()
}

/// A directory with the generated `smmuv3.h`.
fn register_header() -> tempfile::TempDir {
    let rdl = testkit::workspace_root().join("regdef/smmuv3.rdl");
    let map = regdef::compile_file(&rdl).unwrap_or_else(|d| panic!("smmuv3.rdl: {d:?}"));
    let header = hdl::c_header::header(&map, &hdl::c_header::CHeaderOptions::default())
        .expect("the SMMUv3 register header");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(hdl::c_header::header_name(&map)), header)
        .expect("write smmuv3.h");
    dir
}

/// Compiles `tests/c/bringup.c` with `link` arguments, runs it and returns its
/// standard output. `LD_LIBRARY_PATH` is the library directory alone: cargo's own
/// value for tests also names `target/<profile>/`, where `cargo build` leaves an
/// older `libtwinreg.so`.
fn build_and_run(cc: &Path, gen: &Path, exe: &Path, link: &[&str]) -> String {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(cc)
        .args(CFLAGS)
        .arg("-I")
        .arg(crate_dir.join("include"))
        .arg("-I")
        .arg(gen)
        .arg(crate_dir.join("tests/c/bringup.c"))
        .args(link)
        .arg("-o")
        .arg(exe)
        .output()
        .expect("run cc");
    let diagnostics = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && diagnostics.trim().is_empty(),
        "bringup.c does not compile cleanly:\n{diagnostics}"
    );
    let run = Command::new(exe)
        .env("LD_LIBRARY_PATH", library_dir())
        .output()
        .expect("run the C program");
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        run.status.success(),
        "the C program failed:\n{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    stdout
}

fn check_output(stdout: &str) {
    let checks: usize = stdout
        .trim()
        .strip_suffix(" checks passed")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected output {stdout:?}"));
    // The program's own count: a check dropped by mistake shows here.
    assert!(checks >= 180, "only {checks} checks ran");
}

#[test]
fn c_program_drives_the_smmu_through_the_static_library() {
    let test = "c_program_drives_the_smmu_through_the_static_library";
    let Some(cc) = testkit::tool(test, "cc", "--version") else {
        return;
    };
    let gen = register_header();
    let lib = library_dir().join("libtwinreg.a");
    assert!(lib.exists(), "{} was not built", lib.display());
    let lib = lib.to_string_lossy().into_owned();
    let mut link = vec![lib.as_str()];
    link.extend(NATIVE_LIBS);
    let exe = gen.path().join("bringup_static");
    check_output(&build_and_run(&cc, gen.path(), &exe, &link));
}

#[test]
fn c_program_drives_the_smmu_through_the_shared_library() {
    let test = "c_program_drives_the_smmu_through_the_shared_library";
    let Some(cc) = testkit::tool(test, "cc", "--version") else {
        return;
    };
    let gen = register_header();
    let dir = library_dir();
    assert!(
        dir.join("libtwinreg.so").exists(),
        "libtwinreg.so was not built"
    );
    let search = format!("-L{}", dir.display());
    let rpath = format!("-Wl,-rpath,{}", dir.display());
    let exe = gen.path().join("bringup_shared");
    let stdout = build_and_run(&cc, gen.path(), &exe, &[&search, &rpath, "-ltwinreg"]);
    check_output(&stdout);
    // It really used the shared library.
    let ldd = Command::new("ldd").arg(&exe).output();
    if let Ok(ldd) = ldd {
        let text = String::from_utf8_lossy(&ldd.stdout);
        assert!(text.contains("libtwinreg.so"), "{text}");
    }
}

#[test]
fn the_header_is_valid_cplusplus() {
    let test = "the_header_is_valid_cplusplus";
    let Some(cxx) = testkit::tool(test, "c++", "--version") else {
        return;
    };
    let header = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/twinreg.h");
    let out = Command::new(cxx)
        .args([
            "-std=c++11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-fsyntax-only",
            "-x",
            "c++",
        ])
        .arg(&header)
        .output()
        .expect("run c++");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
