//! Snapshots of the diagnostics for every file in `corpus/bad/`: the exact text a
//! user sees (plain rendering, as `Display` and `compile_error!` show it).
//!
//! Each file holds one class of error (every diagnostic has the same code), except
//! `multiple_errors.rdl`, which must report several classes in one run.
//! Review changes with `cargo insta review` or `INSTA_UPDATE=always cargo test`.

use std::collections::BTreeSet;
use std::path::PathBuf;

fn bad_files() -> Vec<PathBuf> {
    testkit::rdl_corpus("bad")
}

#[test]
fn every_bad_file_is_rejected_with_its_diagnostics() {
    let files = bad_files();
    assert!(files.len() >= 20, "the bad corpus is missing");
    let mut problems = Vec::new();
    for path in files {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("file name")
            .to_owned();
        let text = std::fs::read_to_string(&path).expect("readable");
        // A stable, relative name keeps the snapshots independent of the checkout.
        let name = format!("corpus/bad/{stem}.rdl");
        let diags = match regdef::compile_source(&name, &text) {
            Ok(_) => {
                problems.push(format!("{name} compiled without errors"));
                continue;
            }
            Err(d) => d,
        };
        let codes: BTreeSet<&str> = diags.iter().map(|d| d.code).collect();
        if stem == "multiple_errors" {
            if codes.len() < 5 {
                problems.push(format!(
                    "{name}: expected several kinds of error, got {codes:?}"
                ));
            }
        } else if codes.len() != 1 {
            problems.push(format!(
                "{name}: expected one class of error, got {codes:?}\n{diags}"
            ));
        }
        if let Some(d) = diags.iter().find(|d| d.location.line == 0) {
            problems.push(format!("{name}: diagnostic without a line: {d:?}"));
        }
        insta::assert_snapshot!(stem, diags.to_string());
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The README promises file:line:col, the source line and a hint: every diagnostic of
/// the bad corpus says how to fix what it reports.
#[test]
fn every_diagnostic_of_the_bad_corpus_has_a_hint() {
    let mut missing = Vec::new();
    for path in bad_files() {
        let text = std::fs::read_to_string(&path).expect("readable");
        let Err(diags) = regdef::compile_source(&path.display().to_string(), &text) else {
            continue;
        };
        for d in diags.iter().filter(|d| d.hint.is_none()) {
            missing.push(format!(
                "{}:{}: {} {}",
                path.display(),
                d.location.line,
                d.code,
                d.message
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "without a hint:\n{}",
        missing.join("\n")
    );
}
