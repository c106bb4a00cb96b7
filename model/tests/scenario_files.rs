//! The shipped scenarios (`verif/scenarios/*.json`) pass; their register traces
//! replay onto a fresh register file; a migration inserted anywhere changes no
//! output; and the runner reports invalid scenarios and failed expectations.

mod common;

use std::path::PathBuf;

use common::device::replay;
use smmu::regfile::Reg;
use smmu::scenario::{self, Op, Scenario, ScenarioError, Step};
use smmu::trace::{parse_json_lines, TraceRecord};

fn scenario_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../verif/scenarios")
}

fn shipped() -> Vec<(String, Scenario)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scenario_dir())
        .expect("verif/scenarios")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let s = Scenario::load(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, s)
        })
        .collect()
}

fn run(s: &Scenario) -> (scenario::Summary, Vec<String>) {
    let mut out = Vec::new();
    let summary = scenario::run(s, &mut out).unwrap_or_else(|e| panic!("{}: {e}", s.name));
    let text = String::from_utf8(out).unwrap();
    (summary, text.lines().map(str::to_owned).collect())
}

#[test]
fn every_shipped_scenario_passes() {
    let files = shipped();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["isolation.json", "ns_bringup.json", "secure_bringup.json"]
    );
    for (name, s) in &files {
        let (summary, lines) = run(s);
        let failed: Vec<&String> = summary.mismatches.iter().map(|&i| &lines[i]).collect();
        assert!(summary.passed(), "{name}: mismatches:\n{failed:#?}");
        assert_eq!(lines.len(), s.steps.len(), "{name}: one line per step");
        assert!(summary.expectations >= 35, "{name}: self-checking");
        assert_eq!(summary.exit_code(), 0);
    }
}

#[test]
fn shipped_traces_replay_onto_the_register_file() {
    for (name, mut s) in shipped() {
        // A restore is not a register-level event: replay the plain scenario.
        s.steps.retain(|st| st.op != Op::Migrate);
        // End by reading every register (Secure reads reach both banks), so the
        // replay compares the whole final state, not only what the steps read.
        for reg in Reg::ALL {
            s.steps.push(Step {
                op: Op::MmioRead {
                    offset: reg.address(),
                    size: reg.width() / 8,
                    secure: true,
                    expect: None,
                },
                note: None,
                expect_irqs: None,
            });
        }
        let mut out = Vec::new();
        let mut trace = Vec::new();
        scenario::run_traced(&s, &mut out, &mut trace).unwrap();
        let records = parse_json_lines(std::str::from_utf8(&trace).unwrap()).unwrap();
        assert!(
            records.iter().any(|r| matches!(r, TraceRecord::Hw { .. })),
            "{name}"
        );
        // `replay` checks every read against the recorded value.
        replay(&s.config, &records);
        // Deterministic: a second run gives the same trace and output.
        let mut again = Vec::new();
        let mut trace2 = Vec::new();
        scenario::run_traced(&s, &mut again, &mut trace2).unwrap();
        assert_eq!(trace, trace2, "{name}");
        assert_eq!(out, again, "{name}");
    }
}

/// `scenario` with `op` inserted after every 7th step (from step 3), and which
/// lines are the original steps'.
fn with_inserted(s: &Scenario, op: &Op) -> (Scenario, Vec<bool>) {
    let mut steps = Vec::new();
    let mut original = Vec::new();
    for (i, st) in s.steps.iter().filter(|st| st.op != Op::Migrate).enumerate() {
        steps.push(st.clone());
        original.push(true);
        if i % 7 == 3 {
            steps.push(Step {
                op: op.clone(),
                note: None,
                expect_irqs: None,
            });
            original.push(false);
        }
    }
    (Scenario { steps, ..s.clone() }, original)
}

/// The output lines of the original steps, without their step numbers.
fn original_lines(s: &Scenario, original: &[bool]) -> Vec<serde_json::Value> {
    let (_, lines) = run(s);
    lines
        .iter()
        .zip(original)
        .filter(|(_, keep)| **keep)
        .map(|(l, _)| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("step");
            v
        })
        .collect()
}

#[test]
fn a_migration_anywhere_is_exactly_a_cache_eviction() {
    // Caches are not state: a restored SMMU starts with empty caches. So migrating
    // at any point must give exactly the run in which the caches were merely
    // evicted at that point: every register, queue, event, interrupt and memory
    // byte the same.
    for (name, s) in shipped() {
        let (migrated, original) = with_inserted(&s, &Op::Migrate);
        let (evicted, _) = with_inserted(&s, &Op::Evict);
        assert_eq!(
            original_lines(&migrated, &original),
            original_lines(&evicted, &original),
            "{name}"
        );
    }
    // The Secure bring-up does not depend on caching at all (the Non-secure one and
    // the isolation scenario observe stale TLB entries on purpose): there, migrating
    // anywhere changes nothing.
    let (name, s) = shipped().swap_remove(2);
    assert_eq!(name, "secure_bringup.json");
    let (migrated, original) = with_inserted(&s, &Op::Migrate);
    let reference = Scenario {
        steps: s
            .steps
            .iter()
            .filter(|st| st.op != Op::Migrate)
            .cloned()
            .collect(),
        ..s.clone()
    };
    let all = vec![true; reference.steps.len()];
    assert_eq!(
        original_lines(&migrated, &original),
        original_lines(&reference, &all)
    );
}

#[test]
fn the_format_as_specified_is_accepted() {
    // The example of the brief, verbatim apart from the choice of values.
    let text = r#"
    { "name": "example",
      "config": { "secure_impl": false, "stage2": false },
      "streams": [ { "sid": 8, "sec_sid": "nonsecure" } ],
      "steps": [
        { "op": "mmio_write", "offset": "0x20", "size": 4, "value": "0x1", "secure": false },
        { "op": "mmio_read",  "offset": "0x24", "size": 4, "secure": false, "expect": "0x1" },
        { "op": "mem_write",  "space": "nonsecure", "addr": "0x40000000", "data": "0011aabb" },
        { "op": "mem_write64","space": "nonsecure", "addr": "0x40001000", "values": ["0x1", "0x2"] },
        { "op": "mem_read",   "space": "nonsecure", "addr": "0x40000000", "len": 4, "expect": "0011aabb" },
        { "op": "dma", "sid": 8, "ssid": null, "iova": "0x1234000", "len": 256, "dir": "read", "privileged": false },
        { "op": "dma", "sid": 8, "ssid": null, "iova": "0x1234000", "dir": "write", "data": "00ff", "privileged": false },
        { "op": "translate", "sid": 8, "ssid": null, "iova": "0x1234000", "access": "read" },
        { "op": "mmio_read", "offset": 36, "size": 4, "secure": false, "expect": 1 }
      ] }"#;
    let s = Scenario::from_json(text).unwrap();
    assert!(!s.config.secure_impl && !s.config.stage2);
    // Dependent fields follow: no SEL2 without Secure state, no Hyp without stage 2.
    assert!(!s.config.secure_stage2 && !s.config.hyp);
    let (summary, lines) = run(&s);
    assert!(summary.passed());
    assert_eq!(summary.expectations, 3);
    // SMMUEN = 1 with no stream table: the DMA faults (C_BAD_STREAMID, not
    // recorded without RECINVSID).
    assert_eq!(
        lines[5],
        r#"{"step":5,"op":"dma","sid":8,"sec_sid":"nonsecure","iova":"0x1234000","dir":"read","len":256,"status":"fault","event":{"type":"C_BAD_STREAMID","recorded":false,"words":["0x800000002","0x0","0x0","0x0"]}}"#
    );
    assert_eq!(
        lines[1],
        r#"{"step":1,"op":"mmio_read","offset":"0x24","size":4,"secure":false,"value":"0x1","expect":"0x1","mismatch":false}"#
    );
}

#[test]
fn a_failed_expectation_is_reported_and_fails_the_run() {
    let s = Scenario::from_json(
        r#"{"name": "m", "steps": [
            {"op": "mmio_read", "offset": "0x24", "size": 4, "expect": "0x1"},
            {"op": "mmio_read", "offset": "0x24", "size": 4, "expect": "0x0"}
        ]}"#,
    )
    .unwrap();
    let (summary, lines) = run(&s);
    assert_eq!(summary.mismatches, [0]);
    assert_eq!(summary.exit_code(), 1);
    assert_eq!(scenario::exit_code(&Ok(summary)), 1);
    assert!(
        lines[0].ends_with(r#""expect":"0x1","mismatch":true}"#),
        "{}",
        lines[0]
    );
}

#[test]
fn invalid_scenarios_are_errors_naming_the_step() {
    let cases = [
        ("not json", "the scenario is not valid JSON"),
        (r#"{"steps": []}"#, "missing field `name`"),
        (
            r#"{"name": "x", "steps": [{"op": "mmio_write", "offset": "0x20", "size": 4}]}"#,
            "step 0 (mmio_write): missing field `value`",
        ),
        (
            r#"{"name": "x", "steps": [{"op": "mmio_read", "offset": "0x20", "size": 4}, {"op": "poke"}]}"#,
            "step 1 (poke): unknown op `poke`",
        ),
        (
            r#"{"name": "x", "steps": [{"op": "mmio_read", "offset": "0xZZ", "size": 4}]}"#,
            "step 0 (mmio_read): field `offset`: `0xZZ` is not a number",
        ),
        (
            r#"{"name": "x", "steps": [{"op": "mmio_read", "offset": "0x0", "size": 4, "expct": 1}]}"#,
            "step 0 (mmio_read): unknown field `expct`",
        ),
        (
            r#"{"name": "x", "steps": [{"op": "mem_write", "space": "realm", "addr": 0, "data": "00"}]}"#,
            "step 0 (mem_write): field `space`: `realm` is not a PA space",
        ),
        (
            r#"{"name": "x", "steps": [{"op": "mem_write", "space": "secure", "addr": 0, "data": "0"}]}"#,
            "odd number of hex digits",
        ),
        (
            r#"{"name": "x", "steps": [{"op": "dma", "sid": 1, "iova": 0, "dir": "read", "len": 4}]}"#,
            "step 0 (dma): stream 1 is not declared",
        ),
        (
            r#"{"name": "x", "config": {"stage3": true}, "steps": []}"#,
            "unknown configuration key `stage3`",
        ),
    ];
    for (text, message) in cases {
        let err = Scenario::from_json(text)
            .and_then(|s| scenario::run(&s, &mut Vec::new()))
            .map(|_| ())
            .unwrap_err();
        assert!(err.to_string().contains(message), "{text}: {err}");
        assert_eq!(scenario::exit_code(&Err(err)), 2);
    }
    // A memory write outside memory names the step.
    let s = Scenario::from_json(
        r#"{"name": "x", "steps": [{"op": "mem_write", "space": "secure", "addr": "0x40000000", "data": "00"}]}"#,
    )
    .unwrap();
    let err = scenario::run(&s, &mut Vec::new()).unwrap_err();
    assert!(
        matches!(err, ScenarioError::Invalid { step: Some(0), .. }),
        "{err}"
    );
    // A configuration the register file cannot advertise.
    let s = Scenario::from_json(
        r#"{"name": "x", "config": {"two_level_stream_table": false}, "steps": []}"#,
    )
    .unwrap();
    let err = scenario::run(&s, &mut Vec::new()).unwrap_err();
    assert!(err.to_string().contains("IDR0.ST_LEVEL"), "{err}");
    // A cache too large to allocate is refused, not an aborted process.
    let s = Scenario::from_json(
        r#"{"name": "x", "config": {"tlb_capacity": 4000000000}, "steps": []}"#,
    )
    .unwrap();
    let err = scenario::run(&s, &mut Vec::new()).unwrap_err();
    assert!(
        err.to_string()
            .contains("IOTLB capacity 4000000000 is above the limit of 1048576 entries"),
        "{err}"
    );
    assert_eq!(scenario::exit_code(&Err(err)), 2);
}

#[test]
fn huge_reads_are_refused_before_allocating() {
    let err = Scenario::from_json(
        r#"{"name": "x", "steps": [{"op": "mem_read", "space": "secure", "addr": 0, "len": "0x1000000000"}]}"#,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("step 0 (mem_read): `len` 0x1000000000 exceeds"),
        "{err}"
    );
}

#[test]
fn bad_memory_regions_and_wide_mmio_values_are_refused_naming_them() {
    let region = |regions: &str| format!(r#"{{"name": "x", "memory": [{regions}], "steps": []}}"#);
    let cases = [
        (
            region(r#"{"space": "nonsecure", "base": "0xffffffffffff0000", "size": "0x20000"}"#),
            "memory region 0 (nonsecure, base 0xffffffffffff0000): it ends past 2^64",
        ),
        (
            region(r#"{"space": "secure", "base": "0x1000", "size": 0}"#),
            "memory region 0 (secure, base 0x1000): its size is zero",
        ),
        (
            region(
                r#"{"space": "secure", "base": "0x1000", "size": "0x2000"},
                   {"space": "nonsecure", "base": "0x1000", "size": "0x2000"},
                   {"space": "secure", "base": "0x2fff", "size": "0x10"}"#,
            ),
            "memory region 2 (secure, base 0x2fff) overlaps memory region 0 (secure, base 0x1000)",
        ),
        (
            r#"{"name": "x", "steps": [{"op": "mmio_write", "offset": "0x20", "size": 4, "value": "0x100000000"}]}"#
                .to_string(),
            "step 0 (mmio_write): field `value`: 0x100000000 does not fit in 4 bytes",
        ),
        (
            r#"{"name": "x", "steps": [{"op": "mmio_write", "offset": "0x20", "size": 1, "value": "0x1ff"}]}"#
                .to_string(),
            "field `value`: 0x1ff does not fit in 1 byte",
        ),
    ];
    for (text, message) in cases {
        let err = Scenario::from_json(&text).unwrap_err();
        assert!(err.to_string().contains(message), "{text}: {err}");
        assert_eq!(scenario::exit_code(&Err(err)), 2);
    }
    // Adjacent regions, a region ending exactly at 2^64, and full-width values are
    // fine.
    let ok = region(
        r#"{"space": "nonsecure", "base": "0x1000", "size": "0x1000"},
           {"space": "nonsecure", "base": "0x2000", "size": "0x1000"},
           {"space": "nonsecure", "base": "0xff00000000000000", "size": "0x100000000000000"}"#,
    );
    Scenario::from_json(&ok).unwrap();
    Scenario::from_json(
        r#"{"name": "x", "steps": [{"op": "mmio_write", "offset": "0x20", "size": 8, "value": "0xffffffffffffffff"}]}"#,
    )
    .unwrap();
}

#[test]
fn the_top_of_the_address_space_is_reachable() {
    let s = Scenario::from_json(
        r#"{"name": "top", "memory": [{"space": "nonsecure", "base": "0xfffffffffffff000", "size": "0x1000"}],
            "steps": [
              {"op": "mem_write", "space": "nonsecure", "addr": "0xfffffffffffffff8", "data": "0102030405060708"},
              {"op": "mem_read", "space": "nonsecure", "addr": "0xffffffffffffffff", "len": 1, "expect": "08"}
            ]}"#,
    )
    .unwrap();
    let (summary, lines) = run(&s);
    assert!(summary.passed(), "{lines:#?}");
    assert_eq!(summary.expectations, 1);
}

#[test]
fn an_msi_that_aborts_is_reported_aborted() {
    // A CMD_SYNC whose MSI address lies outside memory (the default regions).
    let s = Scenario::from_json(
        r#"{"name": "msi", "steps": [
          {"op": "mem_write64", "space": "nonsecure", "addr": "0x40100000", "values": ["0x1046", "0x1000000000"]},
          {"op": "mmio_write", "offset": "0x90", "size": 8, "value": "0x40100000"},
          {"op": "mmio_write", "offset": "0x98", "size": 4, "value": "0"},
          {"op": "mmio_write", "offset": "0x9c", "size": 4, "value": "0"},
          {"op": "mmio_write", "offset": "0x20", "size": 4, "value": "0x8"},
          {"op": "mmio_write", "offset": "0x98", "size": 4, "value": "1",
           "expect_irqs": ["ns.cmd_sync", "msi nonsecure 0x1000000000 0x0 aborted"]}
        ]}"#,
    )
    .unwrap();
    let (summary, lines) = run(&s);
    assert!(summary.passed(), "{lines:#?}");
}
