//! The `twinreg` binary given hostile files a user could write: each ends in a clean
//! exit with the expected diagnostic, never a panic, and stderr stays small.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs `twinreg` on `text` saved as `name` in a fresh directory; `args` come before
/// the file, `generate` output goes to the directory.
fn run(args: &[&str], name: &str, text: &str) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join(name);
    std::fs::write(&file, text).expect("the input is written");
    let out = Command::new(env!("CARGO_BIN_EXE_twinreg"))
        .args(args)
        .arg(&file)
        .args(if args[0] == "generate" {
            vec![PathBuf::from("--out"), dir.path().join("out")]
        } else {
            vec![]
        })
        .current_dir(dir.path())
        .output()
        .expect("the twinreg binary runs");
    (out, dir)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit status 1 (errors in the definition), no panic, the code on stderr, and
/// stderr at most `max_bytes` long.
fn assert_refused(o: &Output, code: &str, max_bytes: usize) {
    let err = stderr(o);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(code), "no {code} in:\n{err}");
    assert!(
        o.stderr.len() <= max_bytes,
        "{} bytes on stderr",
        o.stderr.len()
    );
}

#[test]
fn a_span_past_column_65535_is_reported_not_a_panic() {
    let text = format!("{}}}\n", "\t".repeat(16_384));
    let (o, _dir) = run(&["check"], "tabs.rdl", &text);
    assert_refused(&o, "rdl::syntax", 4_096);
    assert!(stderr(&o).contains("tabs.rdl:1:16385]"), "{}", stderr(&o));
}

#[test]
fn deep_nesting_on_one_line_gives_the_limit_error() {
    let text = format!(
        "{}{}\n",
        "addrmap a { ".repeat(100_000),
        "}; ".repeat(100_000)
    );
    let (o, _dir) = run(&["check"], "nest.rdl", &text);
    assert_refused(&o, "rdl::limit", 64 * 1024);
    assert!(stderr(&o).contains("nested deeper than 32 levels"));
}

#[test]
fn a_warning_past_column_65535_is_shown_and_the_file_compiles() {
    let pad = " ".repeat(70_000);
    let text = format!(
        "addrmap t {{\n{pad}regfile f1 {{ reg rr {{ field {{}} a; }}; rr x; }};\n\
         {pad}regfile f2 {{ reg rr {{ field {{}} b; }}; rr y; }};\n  f1 p; f2 q;\n}};\n"
    );
    let (o, _dir) = run(&["check"], "warn.rdl", &text);
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("rdl::layout-name") && err.contains("warn.rdl:3:70018]"),
        "{err}"
    );
    assert!(err.len() < 4_096, "{} bytes", err.len());
}

#[test]
fn a_16_mib_line_of_errors_prints_a_bounded_report() {
    let text = format!("{}\n", "x; ".repeat(16 * 1024 * 1024 / 3 - 1));
    let (o, _dir) = run(&["check"], "flood.rdl", &text);
    assert_refused(&o, "rdl::too-many-errors", 256 * 1024);
}

#[test]
fn a_65k_character_identifier_is_refused_by_every_command() {
    let name = "a".repeat(65_600);
    let text = format!("addrmap top {{ reg {{ field {{}} {name}; }} {name}; }};\n");
    for cmd in ["check", "dump", "generate"] {
        let (o, dir) = run(&[cmd], "long.rdl", &text);
        assert_refused(&o, "rdl::limit", 8 * 1024);
        assert!(stderr(&o).contains("identifier is 65600 characters long"));
        assert!(
            o.stdout.len() < 1_024,
            "{cmd} printed {} bytes",
            o.stdout.len()
        );
        assert!(!dir.path().join("out").exists(), "{cmd} wrote output");
    }
}

/// Names of the longest length allowed go through every back end, aligned.
#[test]
fn identifiers_of_the_maximum_length_dump_and_generate() {
    let long = |c: char| c.to_string().repeat(255);
    let (reg, field, short) = (long('r'), long('f'), "s");
    let text = format!(
        "addrmap top {{ reg {{ field {{}} {field}; field {{}} g; }} {reg}; \
         reg {{ field {{}} h; }} {short}; }};\n"
    );
    let (o, _dir) = run(&["dump"], "max.rdl", &text);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let table = String::from_utf8_lossy(&o.stdout);
    // The short path is padded to the long one's column.
    let short_line = table
        .lines()
        .find(|l| l.contains("top.s "))
        .expect("a line for top.s");
    assert!(
        short_line.contains(&format!("top.s{}", " ".repeat(250))),
        "{short_line}"
    );
    let (o, dir) = run(&["generate"], "max.rdl", &text);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = dir.path().join("out");
    let c = std::fs::read_to_string(out.join("include/top.h")).expect("the C header");
    assert!(
        c.contains(&field.to_uppercase()),
        "the field's macros are in the header"
    );
    let v = std::fs::read_to_string(out.join("rtl/top_regs.v")).expect("the register block");
    assert!(
        v.contains(&format!("{reg}_{field}_q")),
        "the field's flop is in the RTL"
    );
}
