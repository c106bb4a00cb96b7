//! The C header: architectural values in the SMMUv3 header, the generated checking
//! program compiled with `cc -std=c11 -Wall -Wextra -Werror` and run (for SMMUv3 and
//! the RTL test maps), the header alone as C99, the checker catching a wrong mask,
//! and a snapshot of the header.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use hdl::c_header::{self, CHeaderOptions};
use regdef::ir::RegisterMap;

const CFLAGS: [&str; 5] = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"];

fn cc(test: &str) -> Option<PathBuf> {
    testkit::tool(test, "cc", "--version")
}

/// Writes the header and the test program into a fresh directory.
fn write(dir: &Path, map: &RegisterMap, header: &str, program: &str) -> (PathBuf, PathBuf) {
    let h = dir.join(c_header::header_name(map));
    let t = dir.join(c_header::test_name(map));
    std::fs::write(&h, header).expect("write header");
    std::fs::write(&t, program).expect("write test");
    (h, t)
}

/// Compiles the program; on success runs it and returns its output.
fn compile_and_run(cc: &Path, dir: &Path, program: &Path) -> Result<String, String> {
    let exe = dir.join("header_test");
    let out = Command::new(cc)
        .args(CFLAGS)
        .arg("-I")
        .arg(dir)
        .arg(program)
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("run cc");
    let diag = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() || !diag.trim().is_empty() {
        return Err(diag);
    }
    let run = Command::new(&exe).output().expect("run the test program");
    assert!(run.status.success(), "the C test program failed: {run:?}");
    Ok(String::from_utf8_lossy(&run.stdout).into_owned())
}

fn check_map(test: &str, map: &RegisterMap) {
    let Some(cc) = cc(test) else { return };
    let [(_, header), (_, program)] =
        c_header::generate(map, &CHeaderOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, t) = write(dir.path(), map, &header, &program);
    let out = compile_and_run(&cc, dir.path(), &t)
        .unwrap_or_else(|e| panic!("{test}: the C test does not compile cleanly:\n{e}"));
    let fields: usize = map.registers.iter().map(|r| r.fields.len()).sum();
    let expected = format!(
        "{}: {} registers, {} fields, ",
        c_header::header_name(map),
        map.registers.len(),
        fields
    );
    assert!(
        out.starts_with(&expected) && out.trim_end().ends_with("checks passed"),
        "{test}: unexpected output {out:?}, wanted {expected:?}..."
    );
}

#[test]
fn smmuv3_header_compiles_and_agrees_with_the_map() {
    check_map(
        "smmuv3_header_compiles_and_agrees_with_the_map",
        &common::smmuv3(),
    );
}

#[test]
fn rules_and_banks_headers_compile_and_agree() {
    // 8- and 64-bit registers, every access kind, parameters, two banks.
    for name in ["rules.rdl", "banks.rdl"] {
        check_map(
            "rules_and_banks_headers_compile_and_agree",
            &common::test_map(name),
        );
    }
}

/// The header alone is C99 (firmware built with older standards includes it).
#[test]
fn header_is_c99() {
    let Some(cc) = cc("header_is_c99") else {
        return;
    };
    let map = common::smmuv3();
    let header = c_header::header(&map, &CHeaderOptions::default()).expect("header");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("smmuv3.h"), &header).expect("write");
    let src = dir.path().join("use.c");
    std::fs::write(
        &src,
        "#include \"smmuv3.h\"\n#include \"smmuv3.h\" /* the include guard holds */\n\
         unsigned long long cr0_s(void) { return SMMUV3_CR0_OFFSET_IN(SMMUV3_BANK_S); }\n",
    )
    .expect("write");
    let out = Command::new(&cc)
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c"])
        .arg(&src)
        .arg("-o")
        .arg(dir.path().join("use.o"))
        .output()
        .expect("run cc");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Break one thing: a header whose CR0.SMMUEN mask is wrong must fail the check.
#[test]
fn the_check_catches_a_wrong_mask() {
    let test = "the_check_catches_a_wrong_mask";
    let Some(cc) = cc(test) else { return };
    let map = common::smmuv3();
    let [(_, header), (_, program)] =
        c_header::generate(&map, &CHeaderOptions::default()).expect("header");
    let good = "#define SMMUV3_CR0_SMMUEN_MASK  0x00000001U";
    assert!(header.contains(good), "the header changed its layout");
    let broken = header.replace(good, "#define SMMUV3_CR0_SMMUEN_MASK  0x00000003U");
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, t) = write(dir.path(), &map, &broken, &program);
    let err = compile_and_run(&cc, dir.path(), &t).expect_err("a wrong mask compiled");
    assert!(err.contains("CR0.SMMUEN mask"), "{err}");
}

/// The values a firmware writer checks against IHI0070, read from the header text.
#[test]
fn smmuv3_architectural_values() {
    let map = common::smmuv3();
    let h = c_header::header(&map, &CHeaderOptions::default()).expect("header");
    let define = |name: &str| -> String {
        h.lines()
            .find_map(|l| {
                let rest = l.strip_prefix("#define ")?;
                let (n, v) = rest.split_once(' ')?;
                (n == name).then(|| v.split("/*").next().unwrap_or("").trim().to_string())
            })
            .unwrap_or_else(|| panic!("{name} is not defined"))
    };
    // IHI0070 6.2: register offsets of page 0, the Secure bank at +0x8000, page 1.
    assert_eq!(define("SMMUV3_CR0_OFFSET"), "0x00020U");
    assert_eq!(define("SMMUV3_S_CR0_OFFSET"), "0x08020U");
    assert_eq!(define("SMMUV3_S_INIT_OFFSET"), "0x0803CU");
    assert_eq!(define("SMMUV3_EVENTQ_PROD_OFFSET"), "0x100A8U");
    assert_eq!(define("SMMUV3_S_EVENTQ_PROD_OFFSET"), "0x080A8U");
    assert_eq!(define("SMMUV3_S_CR0_BANK"), "SMMUV3_BANK_S");
    assert_eq!(define("SMMUV3_CR0_BANK"), "SMMUV3_BANK_NS");
    // 6.3.9 CR0; 6.3.14 GBPA (reset 0x00001000: SHCFG = use incoming), UPDATE [31].
    assert_eq!(define("SMMUV3_CR0_SMMUEN_MASK"), "0x00000001U");
    assert_eq!(define("SMMUV3_CR0_CMDQEN_SHIFT"), "3U");
    assert_eq!(define("SMMUV3_CR0_VMW_MASK"), "0x000001C0U");
    assert_eq!(define("SMMUV3_GBPA_RESET"), "0x00001000U");
    assert_eq!(define("SMMUV3_GBPA_UPDATE_MASK"), "0x80000000U");
    assert_eq!(define("SMMUV3_GBPA_SHCFG_USE_INCOMING"), "1U");
    // 6.3.26 CMDQ_BASE: a 64-bit register, ADDR [55:5].
    assert_eq!(
        define("SMMUV3_CMDQ_BASE_ADDR_MASK"),
        "UINT64_C(0x00FFFFFFFFFFFFE0)"
    );
    assert_eq!(define("SMMUV3_CMDQ_BASE_ADDR_WIDTH"), "51U");
    // 6.3.25 STRTAB_BASE_CFG.FMT encodings.
    assert_eq!(define("SMMUV3_STRTAB_BASE_CFG_FMT_TWO_LEVEL"), "1U");
    // Banked offsets (the macro is checked by value in the C test).
    assert!(h.contains(
        "#define SMMUV3_CR0_OFFSET_IN(bank) ((bank) == SMMUV3_BANK_NS ? SMMUV3_CR0_OFFSET : SMMUV3_S_CR0_OFFSET)"
    ));
    // Every register of the IR has its offset, as the IR says.
    for r in &map.registers {
        let name = format!("SMMUV3_{}_OFFSET", r.inst_name.to_ascii_uppercase());
        assert_eq!(define(&name), format!("0x{:05X}U", r.address), "{name}");
    }
}

#[test]
fn smmuv3_header_snapshot() {
    let map = common::smmuv3();
    let h = c_header::header(&map, &CHeaderOptions::default()).expect("header");
    insta::assert_snapshot!("smmuv3.h", h);
}

/// The front end's valid corpus (arrays, strides, 8- to 64-bit registers, enums, banks):
/// every map gets a header whose checking program compiles cleanly and passes.
#[test]
fn corpus_headers_compile_and_agree() {
    let test = "corpus_headers_compile_and_agree";
    if cc(test).is_none() {
        return;
    }
    let paths = testkit::rdl_corpus("good");
    assert!(!paths.is_empty());
    for p in paths {
        let map = regdef::compile_file(&p).unwrap_or_else(|d| panic!("{}: {d}", p.display()));
        // A map with a construct the header does not implement yet is refused with
        // exactly that construct, never half-generated.
        if let Err(expected) = map.require("the C header", c_header::IMPLEMENTS) {
            match c_header::generate(&map, &CHeaderOptions::default()) {
                Err(c_header::CHeaderError::Unsupported(u)) => assert_eq!(u, expected),
                other => panic!("{}: not refused: {other:?}", p.display()),
            }
            continue;
        }
        check_map(&format!("{test} ({})", p.display()), &map);
    }
}

/// Bit-reversed fields (`tests/rdl/reversed.rdl`, SystemRDL 2.0 10.7): `_GET`/`_SET`
/// give the field value, the reset is composed from reversed bits, and the checking
/// program runs `_GET`/`_SET` on the resets and on single bits.
#[test]
fn reversed_fields_get_and_set_their_value() {
    let test = "reversed_fields_get_and_set_their_value";
    let map = common::test_map("reversed.rdl");
    let [(_, header), (_, program)] =
        c_header::generate(&map, &CHeaderOptions::default()).expect("header");
    // ctrl.a = 1 is register bit 3, b = 5 bits 13 and 11, d = 1 bit 31.
    assert!(
        header.contains("#define REVERSED_CTRL_RESET  0x80002808U"),
        "{header}"
    );
    assert!(
        header.contains("[0:3], bit-reversed: value bit 0 is register bit 3"),
        "{header}"
    );
    assert!(header.contains(
        "#define REVERSED_CTRL_A_GET(reg)        REVERSED_reverse_bits(((uint64_t)(reg) & REVERSED_CTRL_A_MASK) >> REVERSED_CTRL_A_SHIFT, REVERSED_CTRL_A_WIDTH)"
    ), "{header}");
    assert!(program.contains(
        "TEST_RUN(REVERSED_CTRL_A_SET(0, 1), (UINT64_C(1) << 3), \"CTRL.A value bit 0 at register bit 3\");"
    ), "{program}");
    check_map(test, &map);

    // Break the reversal: `_GET`/`_SET` of a plain field must fail the run.
    let Some(cc) = cc(test) else { return };
    let broken = header.replace(
        "out = (out << 1) | ((value >> i) & 1U);",
        "out |= ((value >> i) & 1U) << i;",
    );
    assert_ne!(broken, header, "the header changed its layout");
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, t) = write(dir.path(), &map, &broken, &program);
    let exe = dir.path().join("header_test");
    let built = Command::new(&cc)
        .args(CFLAGS)
        .arg("-I")
        .arg(dir.path())
        .arg(&t)
        .arg("-o")
        .arg(&exe)
        .status()
        .expect("run cc");
    assert!(built.success());
    let run = Command::new(&exe).output().expect("run the test program");
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(!run.status.success(), "an unreversed _GET passed: {out}");
    assert!(
        out.contains("FAILED: CTRL.A value bit 0 at register bit 3"),
        "{out}"
    );
}
