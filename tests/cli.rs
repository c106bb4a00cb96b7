//! The `twinreg` command line, run as a process: exit statuses and output contracts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn twinreg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_twinreg"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the twinreg binary runs")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_defaults_to_the_smmuv3_definition() {
    let o = twinreg(&["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("regdef/smmuv3.rdl: ok"), "{out}");
    assert!(
        out.contains("registers  72 (Non-secure 42, Secure 30)"),
        "{out}"
    );
}

#[test]
fn check_reports_a_bad_file_with_its_location_and_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.rdl");
    std::fs::write(
        &bad,
        "addrmap top {\n    reg { field { sw = rw; } a[7:0]; field { sw = rw; } b[3:0]; } regx @ 0x0;\n};\n",
    )
    .expect("write");
    let o = twinreg(&["check", bad.to_str().expect("utf-8 path")]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("bad.rdl:2:"), "no file:line:col in:\n{err}");
    assert!(err.contains("overlap"), "{err}");
    assert!(stdout(&o).is_empty());
}

#[test]
fn dump_json_has_the_documented_shape() {
    let o = twinreg(&["dump", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["top"], "smmuv3");
    let regs = v["registers"].as_array().expect("registers");
    let s_cr0 = regs
        .iter()
        .find(|r| r["path"] == "smmuv3.s.s_cr0")
        .expect("S_CR0 is dumped");
    assert_eq!(s_cr0["address"], 0x8020);
    assert_eq!(s_cr0["width"], 32);
    assert_eq!(s_cr0["security"], "secure");
    let smmuen = &s_cr0["fields"][0];
    assert_eq!(smmuen["name"], "smmuen");
    assert_eq!(
        (smmuen["lsb"].as_u64(), smmuen["msb"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(
        (smmuen["sw"].as_str(), smmuen["hw"].as_str()),
        (Some("rw"), Some("r"))
    );
    assert_eq!(smmuen["reset"], 0);
    assert!(smmuen["onread"].is_null() && smmuen["onwrite"].is_null());
    assert_eq!(smmuen["singlepulse"], false);
}

fn scenario(dir: &Path, name: &str, steps: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(r#"{{ "name": "{name}", "streams": [], "steps": [ {steps} ] }}"#),
    )
    .expect("write scenario");
    path
}

#[test]
fn run_exit_status_follows_expectations() {
    let dir = tempfile::tempdir().expect("temp dir");
    // CR0 is written then read back through CR0ACK (immediate completion).
    let good = scenario(
        dir.path(),
        "good.json",
        r#"{ "op": "mmio_write", "offset": "0x20", "size": 4, "value": "0xc", "secure": false },
           { "op": "mmio_read", "offset": "0x24", "size": 4, "secure": false, "expect": "0xc" }"#,
    );
    let o = twinreg(&["run", good.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["value"], "0xc");
    assert_eq!(lines[1]["mismatch"], false);
    // One summary line on stderr (stdout stays pure JSON Lines).
    assert_eq!(
        stderr(&o).trim_end(),
        "good.json: 2 steps, 1 check, 0 mismatches"
    );

    // A Non-secure read of S_CR0 is RAZ: expecting the written value is a mismatch.
    let bad = scenario(
        dir.path(),
        "mismatch.json",
        r#"{ "op": "mmio_write", "offset": "0x8020", "size": 4, "value": "0x1", "secure": true },
           { "op": "mmio_read", "offset": "0x8020", "size": 4, "secure": false, "expect": "0x1" }"#,
    );
    let o = twinreg(&["run", bad.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1));
    let last = stdout(&o)
        .lines()
        .last()
        .map(str::to_owned)
        .unwrap_or_default();
    let last: serde_json::Value = serde_json::from_str(&last).expect("JSON line");
    assert_eq!(
        (last["value"].as_str(), last["mismatch"].as_bool()),
        (Some("0x0"), Some(true))
    );
    assert_eq!(
        stderr(&o).trim_end(),
        "mismatch.json: 2 steps, 1 check, 1 mismatch (step 1)"
    );

    // An invalid step is named in the error and gives status 2.
    let invalid = scenario(
        dir.path(),
        "invalid.json",
        r#"{ "op": "mmio_read", "offset": "0x24", "size": 4, "secure": false },
           { "op": "teleport", "offset": "0x0" }"#,
    );
    let o = twinreg(&["run", invalid.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("step 1"), "{}", stderr(&o));
}

#[test]
fn shipped_scenarios_pass() {
    for name in ["ns_bringup", "secure_bringup", "isolation"] {
        let path = format!("verif/scenarios/{name}.json");
        let o = twinreg(&["run", &path]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        assert!(!stdout(&o).contains(r#""mismatch":true"#), "{name}");
    }
}

#[test]
fn run_trace_writes_every_mmio_access_and_hardware_update() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = dir.path().join("trace.jsonl");
    let o = twinreg(&[
        "run",
        "verif/scenarios/secure_bringup.json",
        "--trace",
        trace.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let steps = stdout(&o);
    let text = std::fs::read_to_string(&trace).expect("the trace was written");
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each trace line is JSON"))
        .collect();
    let kind = |r: &serde_json::Value| r["kind"].as_str().unwrap_or("").to_owned();
    // One trace record per MMIO step the scenario ran, in the same order.
    let mmio_steps = steps
        .lines()
        .filter(|l| l.contains(r#""op":"mmio_read""#) || l.contains(r#""op":"mmio_write""#))
        .count();
    let mmio_records: Vec<_> = records
        .iter()
        .filter(|r| kind(r).starts_with("mmio_"))
        .collect();
    assert_eq!(mmio_records.len(), mmio_steps);
    // The Secure bring-up writes S_INIT (0x803c) Securely, and the SMMU clears
    // INV_ALL from the hardware side.
    assert!(mmio_records
        .iter()
        .any(|r| r["offset"] == 0x803c && r["security"] == "secure" && kind(r) == "mmio_write"));
    assert!(records
        .iter()
        .any(|r| kind(r) == "hw" && r["path"] == "smmuv3.s.s_init" && r["name"] == "inv_all"));
}

#[test]
fn generate_writes_every_artefact_and_matches_the_committed_docs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let o = twinreg(&["generate", "--out", dir.path().to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for file in [
        "rtl/smmuv3_regs.v",
        "rtl/smmuv3_apb4.v",
        "rtl/smmuv3_apb4_slave.v",
        "rtl/smmuv3_axi4lite.v",
        "rtl/smmuv3_axi4lite_slave.v",
        "include/smmuv3.h",
        "test/smmuv3_header_test.c",
        "docs/registers.md",
        "docs/registers.html",
    ] {
        let written = dir.path().join(file);
        let len = std::fs::metadata(&written).map(|m| m.len()).unwrap_or(0);
        assert!(len > 0, "{file} missing or empty");
        assert!(stdout(&o).contains(file), "{file} not reported");
    }
    // The committed reference is what the default options generate.
    let generated = std::fs::read_to_string(dir.path().join("docs/registers.md")).expect("read");
    let committed = std::fs::read_to_string(root().join("docs/registers.md")).expect("read");
    assert!(generated == committed, "docs/registers.md is stale");
    let rtl = std::fs::read_to_string(dir.path().join("rtl/smmuv3_regs.v")).expect("read");
    assert!(rtl.contains(" cr0_smmuen"), "CR0.SMMUEN port");
    assert!(!rtl.contains("s_s_cr0"), "one naming rule: S_CR0 is s_cr0");
}

#[test]
fn generate_refuses_a_bad_definition_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.rdl");
    std::fs::write(
        &bad,
        "addrmap top { reg { field { sw = w; hw = w; } f[0:0]; } x @ 0x0; };\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    let o = twinreg(&[
        "generate",
        bad.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad.rdl:1:"), "{}", stderr(&o));
    assert!(!out.exists(), "nothing may be written");
}

/// The multi-file fixtures of the front end's preprocessor tests.
const PP: &str = "regdef/tests/corpus/preprocess";

#[test]
fn several_files_with_include_dirs_defines_and_a_top() {
    let (udps, soc, main) = (
        format!("{PP}/udps.rdl"),
        format!("{PP}/soc.rdl"),
        format!("{PP}/main.rdl"),
    );
    let inc = format!("{PP}/inc");
    // Without --top: the last addrmap defined (`lonely`).
    let o = twinreg(&["dump", &udps, &soc, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["top"], "lonely");
    let o = twinreg(&["dump", &udps, &soc, "--top", "soc", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["top"], "soc");
    let regs: Vec<&str> = v["registers"]
        .as_array()
        .expect("registers")
        .iter()
        .filter_map(|r| r["path"].as_str())
        .collect();
    assert_eq!(regs, ["soc.p0.a", "soc.p1.a"]);
    // -I and -D: the debug register exists only with WITH_DEBUG.
    let o = twinreg(&["check", &main, "-I", &inc, "-D", "WITH_DEBUG"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("registers  7 "), "{}", stdout(&o));
    let o = twinreg(&["check", &main, "-I", &inc]);
    assert!(stdout(&o).contains("registers  6 "), "{}", stdout(&o));
    // Without -I the include is not found, and the message says where it looked.
    let o = twinreg(&["check", &main]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("cannot find `common.rdl` to include"), "{err}");
    assert!(err.contains(&format!("{PP}/main.rdl:3:10")), "{err}");
}

#[test]
fn a_wrong_top_or_a_parameter_override_is_a_clear_error() {
    let (udps, soc) = (format!("{PP}/udps.rdl"), format!("{PP}/soc.rdl"));
    let o = twinreg(&["check", &udps, &soc, "--top", "socc"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("no `addrmap` named `socc` at the top level"),
        "{err}"
    );
    assert!(err.contains("did you mean `soc`?"), "{err}");
    let o = twinreg(&["check", &udps, &soc, "-P", "N=4"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("the top `lonely` has no parameter `N` to override"),
        "{}",
        stderr(&o)
    );
    let o = twinreg(&["check", &udps, "-P", "N"]);
    assert_eq!(o.status.code(), Some(2), "clap's usage error");
}

#[test]
fn generate_takes_the_same_inputs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8 path");
    let (udps, soc) = (format!("{PP}/udps.rdl"), format!("{PP}/soc.rdl"));
    let o = twinreg(&["generate", &udps, &soc, "--top", "soc", "--out", out]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = stdout(&o);
    assert!(
        report.contains(&format!("from {udps} + {soc} (2 registers)")),
        "{report}"
    );
    let doc = std::fs::read_to_string(dir.path().join("docs/registers.md")).expect("docs written");
    assert!(doc.contains("| `0x1000` | [P1_A](#p1_a)"), "{doc}");
    assert!(dir.path().join("test/soc_header_test.c").exists());
}

/// `--bus` picks the tops (`all` is every bus, names may repeat); `--bus-errors
/// error` gives the core its error output; an unknown bus is a clear error.
#[test]
fn generate_bus_picks_the_front_ends() {
    let rtl_files = |dir: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir.join("rtl"))
            .expect("rtl dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8");
    let o = twinreg(&[
        "generate",
        "--out",
        out,
        "--bus",
        "ahblite,apb3",
        "--bus",
        "apb3",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        rtl_files(dir.path()),
        [
            "smmuv3_ahblite.v",
            "smmuv3_ahblite_slave.v",
            "smmuv3_apb3.v",
            "smmuv3_apb3_slave.v",
            "smmuv3_regs.v"
        ]
    );
    let core = std::fs::read_to_string(dir.path().join("rtl/smmuv3_regs.v")).expect("read");
    assert!(!core.contains("rsp_error"), "RAZ/WI is the default");

    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8");
    let o = twinreg(&[
        "generate",
        "--out",
        out,
        "--bus",
        "all",
        "--bus-errors",
        "error",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(rtl_files(dir.path()).len(), 11);
    let core = std::fs::read_to_string(dir.path().join("rtl/smmuv3_regs.v")).expect("read");
    assert!(
        core.contains("output wire        rsp_error"),
        "error output"
    );

    let o = twinreg(&["generate", "--out", out, "--bus", "wishbone"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains(
            "unknown bus `wishbone` (one of apb3, apb4, axi4lite, ahblite, avalon, or all)"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_parameter_override_reaches_the_top() {
    // `-P NAME=VALUE`: the value is a SystemRDL expression; the top's other
    // parameters' defaults follow it (SystemRDL 2.0 5.1.1).
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("p.rdl");
    std::fs::write(
        &file,
        "addrmap top #(longint unsigned N = 2, longint unsigned M = N * 2) {\n    reg { field {} f; } regs[M];\n};\n",
    )
    .expect("write");
    let file = file.to_str().expect("utf-8 path");
    let o = twinreg(&["check", file]);
    assert!(stdout(&o).contains("registers  4 "), "{}", stdout(&o));
    let o = twinreg(&["check", file, "-P", "N=3"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("registers  6 "), "{}", stdout(&o));
    let o = twinreg(&["check", file, "-P", "N=\"x\""]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("parameter `N` expects a number, found a string"),
        "{}",
        stderr(&o)
    );
}
