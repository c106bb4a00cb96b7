//! The command-line tools as a user meets them: `--help`, `cosim` on the file
//! `twinreg run --trace` writes, and `soak`'s transaction count and buses.

use std::path::Path;
use std::process::{Command, Output};

use verif::trace::Trace;

fn run(bin: &str, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .current_dir(testkit::workspace_root())
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn every_tool_has_a_help() {
    for (bin, options) in [
        (
            env!("CARGO_BIN_EXE_cosim"),
            &["--scenario", "--sim", "--bus", "--axi-delays", "--save"][..],
        ),
        (
            env!("CARGO_BIN_EXE_soak"),
            &[
                "--transactions",
                "--sim",
                "--bus",
                "--seed",
                "--chunk",
                "--handshake",
            ][..],
        ),
        (env!("CARGO_BIN_EXE_throughput"), &["--steps", "--sim"][..]),
    ] {
        let o = run(bin, &["--help"]);
        let help = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{bin} --help: {}", text(&o));
        assert!(help.contains("Usage:"), "{bin}: {help}");
        for option in options {
            assert!(help.contains(option), "{bin} --help lacks {option}: {help}");
        }
        let o = run(bin, &["--no-such-option"]);
        assert_eq!(o.status.code(), Some(2), "{bin}: {}", text(&o));
    }
}

/// The model trace of a scenario, exactly as `twinreg run SCENARIO --trace FILE`
/// writes it.
fn model_trace(scenario: &Path, file: &Path) -> smmu::scenario::Summary {
    let mut steps = Vec::new();
    smmu::scenario::run_file(scenario, Some(file), &mut steps).expect("runs")
}

#[test]
fn a_model_trace_loads_with_its_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("small.json");
    let base = std::fs::read_to_string(verif::scenarios::dir().join("ns_bringup.json")).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&base).unwrap();
    json["config"] = serde_json::json!({ "sid_bits": 12 });
    std::fs::write(&scenario, json.to_string()).unwrap();
    let file = dir.path().join("small.jsonl");
    model_trace(&scenario, &file);
    let map = verif::regs::map().unwrap();
    let t = Trace::load_any(map, &file).expect("a model trace loads");
    assert_eq!(
        t.header.impl_defined.get("smmuv3.ns.idr1.sidsize"),
        Some(&verif::trace::Hex(12))
    );
    // The model's reads keep their values as expectations, and a Secure read of
    // every register ends the trace.
    let records = smmu::trace::parse_json_lines(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(t.steps.len(), records.len() + map.registers.len());
    assert!(t.steps.iter().any(|s| matches!(
        s,
        verif::Step::Read {
            expect: Some(_),
            ..
        }
    )));
    // The harness's own format still loads through the same door.
    let saved = dir.path().join("saved.jsonl");
    t.save(&saved).unwrap();
    assert_eq!(Trace::load_any(map, &saved).unwrap(), t);
    // A model trace with a bad line names the file and the line.
    std::fs::write(&saved, "{\"kind\":\"reset\"}\n{\"kind\":\"jump\"}\n").unwrap();
    let e = Trace::load_any(map, &saved).unwrap_err().to_string();
    assert!(e.contains("saved.jsonl, line 2: "), "{e}");
}

#[test]
fn cosim_replays_the_file_twinreg_run_traces() {
    if testkit::tool(
        "cosim_replays_the_file_twinreg_run_traces",
        "iverilog",
        "-V",
    )
    .is_none()
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secure.jsonl");
    assert!(model_trace(&verif::scenarios::dir().join("secure_bringup.json"), &file).passed());
    let o = run(
        env!("CARGO_BIN_EXE_cosim"),
        &[file.to_str().unwrap(), "--sim", "iverilog"],
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("secure.jsonl: ") && out.contains(": pass "),
        "{out}"
    );
}

#[test]
fn soak_checks_the_transactions_asked_for_on_both_buses() {
    if testkit::tool(
        "soak_checks_the_transactions_asked_for_on_both_buses",
        "iverilog",
        "-V",
    )
    .is_none()
    {
        return;
    }
    let o = run(
        env!("CARGO_BIN_EXE_soak"),
        &[
            "--transactions",
            "300",
            "--sim",
            "iverilog",
            "--bus",
            "both",
            "--seed",
            "5",
        ],
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    let pass = out
        .lines()
        .find(|l| l.starts_with("soak: PASS, "))
        .expect(&out);
    let n: u64 = pass["soak: PASS, ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect(pass);
    assert!((300..=301).contains(&n), "{pass}");
    assert!(
        out.contains("iverilog / Apb4") && out.contains("iverilog / Axi4Lite"),
        "{out}"
    );
}

/// Following the docs leaves no untracked file in the checkout: every `--trace FILE`
/// they show writes where git ignores it.
#[test]
fn documented_trace_files_are_ignored_by_git() {
    let root = testkit::workspace_root();
    let git = Command::new("git")
        .args(["rev-parse", "--is-inside-work-tree"])
        .current_dir(&root)
        .output();
    if !git.is_ok_and(|o| o.status.success()) {
        println!("SKIP documented_trace_files_are_ignored_by_git: not a git checkout");
        return;
    }
    let mut files = Vec::new();
    for doc in ["README.md", "docs/scenarios.md", "verif/README.md"] {
        let text = std::fs::read_to_string(root.join(doc)).unwrap();
        for (before, _) in text.match_indices("--trace ") {
            let file = text[before + "--trace ".len()..]
                .split(|c: char| c.is_whitespace() || c == '`')
                .next()
                .unwrap();
            if !file.is_empty() && file.ends_with(".jsonl") {
                files.push((doc, file.to_string()));
            }
        }
    }
    assert!(files.iter().any(|(d, _)| *d == "README.md"), "{files:?}");
    for (doc, file) in files {
        let o = Command::new("git")
            .args(["check-ignore", "-q", "--no-index", &file])
            .current_dir(&root)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{doc}: `--trace {file}` is not ignored by git"
        );
    }
}
