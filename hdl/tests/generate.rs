//! The one entry point of the command-line tool: `generate_all` / `generate_from_file`.
//! What it returns, that it is deterministic, and that a definition with errors (the
//! front end's bad-input corpus) never produces output.

mod common;

use std::path::Path;

use hdl::verilog::{self, Bus, VerilogOptions};
use hdl::{generate_all, generate_from_file, GenerateError, GenerateOptions};

#[test]
fn generate_all_returns_every_output_with_relative_paths() {
    let map = common::smmuv3();
    let files = generate_all(&map, &GenerateOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "rtl/smmuv3_regs.v",
            "rtl/smmuv3_apb4_slave.v",
            "rtl/smmuv3_apb4.v",
            "rtl/smmuv3_axi4lite_slave.v",
            "rtl/smmuv3_axi4lite.v",
            "include/smmuv3.h",
            "test/smmuv3_header_test.c",
            "docs/registers.md",
            "docs/registers.html",
        ]
    );
    // The RTL is exactly the Verilog back end's.
    let rtl = verilog::generate(&map, &VerilogOptions::default()).expect("rtl");
    for (f, v) in files.iter().zip(&rtl) {
        assert_eq!(f.path, format!("rtl/{}", v.name));
        assert_eq!(f.contents, v.contents, "{}", f.path);
    }
    assert!(files.iter().all(|f| !f.contents.is_empty()));
    // Deterministic.
    let again = generate_all(&common::smmuv3(), &GenerateOptions::default()).expect("again");
    assert_eq!(files, again);
}

#[test]
fn options_reach_the_back_ends() {
    let map = common::smmuv3();
    let opts = GenerateOptions {
        verilog: VerilogOptions {
            buses: vec![Bus::Apb4],
            ..VerilogOptions::default()
        },
        c_header: hdl::c_header::CHeaderOptions {
            prefix: Some("SMMU".into()),
        },
    };
    let files = generate_all(&map, &opts).expect("generate");
    assert!(!files.iter().any(|f| f.path.contains("axi4lite")));
    let h = files
        .iter()
        .find(|f| f.path == "include/smmuv3.h")
        .expect("header");
    assert!(h.contents.contains("#define SMMU_S_CR0_OFFSET 0x08020U"));
}

#[test]
fn write_under_creates_the_tree() {
    let map = common::smmuv3();
    let files = generate_all(&map, &GenerateOptions::default()).expect("generate");
    let dir = tempfile::tempdir().expect("temp dir");
    for f in &files {
        let p = f.write_under(dir.path()).expect("write");
        assert!(p.starts_with(dir.path()));
        assert_eq!(std::fs::read_to_string(&p).expect("read back"), f.contents);
    }
    assert!(dir.path().join("docs/registers.html").is_file());
}

/// Every file of the front end's bad-input corpus is refused with the front end's own
/// diagnostics, and nothing is generated.
#[test]
fn bad_definitions_never_produce_output() {
    let paths = testkit::rdl_corpus("bad");
    assert!(paths.len() >= 10, "the corpus is missing ({})", paths.len());
    for p in &paths {
        let expected = regdef::compile_file(p).expect_err("a bad file compiled");
        match generate_from_file(p, &GenerateOptions::default()) {
            Ok(files) => panic!(
                "{} produced {} files instead of an error",
                p.display(),
                files.len()
            ),
            Err(GenerateError::Frontend(d)) => {
                assert!(d.has_errors(), "{}", p.display());
                let codes = |d: &regdef::Diagnostics| -> Vec<&'static str> {
                    d.iter().map(|x| x.code).collect()
                };
                assert_eq!(codes(&d), codes(&expected), "{}", p.display());
                // What the CLI prints names the problem.
                let first = d.iter().next().expect("a diagnostic");
                assert!(
                    GenerateError::Frontend(d.clone())
                        .to_string()
                        .contains(&first.message),
                    "{}",
                    p.display()
                );
            }
            Err(e) => panic!("{}: not a front-end error: {e}", p.display()),
        }
    }
}

#[test]
fn a_missing_file_is_a_frontend_error() {
    let err = generate_from_file(Path::new("/nonexistent/x.rdl"), &GenerateOptions::default())
        .expect_err("no file");
    assert!(
        matches!(&err, GenerateError::Frontend(d) if d.iter().any(|x| x.code == "rdl::io")),
        "{err}"
    );
}

/// A definition the front end accepts but the RTL cannot implement yields an error and
/// no partial output.
#[test]
fn back_end_errors_are_reported_whole() {
    let map = regdef::compile_source(
        "w1.rdl",
        "addrmap top { reg { field { sw = rw1; hw = r; } f[0:0] = 0; } q @ 0x0; };",
    )
    .expect("compiles");
    let err = generate_all(&map, &GenerateOptions::default()).expect_err("write-once");
    assert!(
        matches!(&err, GenerateError::Verilog(verilog::GenerateError::Unsupported { path, .. }) if path == "top.q.f"),
        "{err}"
    );
    assert!(
        err.to_string().starts_with("Verilog: top.q.f: write-once"),
        "{err}"
    );
}

/// Every valid definition of the front end's corpus (arrays, strides, wide registers,
/// enums, banks, every access kind) either generates completely or is refused with a
/// back-end error; nothing panics, and what is generated passes the Verilog checks.
#[test]
fn the_good_corpus_generates_or_is_refused_cleanly() {
    let paths = testkit::rdl_corpus("good");
    assert!(!paths.is_empty());
    let mut generated = 0;
    for p in &paths {
        match generate_from_file(p, &GenerateOptions::default()) {
            Ok(files) => {
                assert_eq!(files.len(), 9, "{}", p.display());
                generated += 1;
            }
            Err(GenerateError::Frontend(d)) => panic!("{}: {d}", p.display()),
            // Write-once fields and the like: reported, not generated.
            Err(e) => println!("{}: refused: {e}", p.display()),
        }
    }
    assert!(
        generated * 2 >= paths.len(),
        "most of the corpus must generate"
    );
}
