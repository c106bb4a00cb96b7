//! The SMMU model's shipped scenarios, replayed on the RTL and on a fresh Rust
//! register file: every MMIO access and every hardware-side update the model made,
//! with the model's own read values checked too; and snapshots of each trace.

use hdl::verilog::Bus;
use verif::cosim::MismatchKind;
use verif::trace::{Hex, Step};
use verif::{check, scenarios, Options, Simulator};

fn have(test: &str, sim: Simulator) -> bool {
    let (p, v) = sim.program();
    testkit::tool(test, p, v).is_some()
}

fn traces() -> Vec<(String, verif::Trace)> {
    let map = verif::regs::map().unwrap();
    let files = scenarios::shipped().unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["isolation", "ns_bringup", "secure_bringup"]);
    files
        .iter()
        .zip(names)
        .map(|(p, n)| (n, scenarios::trace(map, p).unwrap()))
        .collect()
}

fn replay(test: &str, opts: &Options) {
    if !have(test, opts.sim) {
        return;
    }
    for (name, trace) in traces() {
        let report = check(&trace, opts).unwrap_or_else(|e| panic!("{name}: {e}"));
        println!("{report}");
        report.assert_passed();
        assert!(report.transactions > 100, "{name}: {report}");
    }
}

#[test]
fn scenarios_iverilog_apb4() {
    replay(
        "scenarios_iverilog_apb4",
        &Options::new(Simulator::Icarus, Bus::Apb4),
    );
}

#[test]
fn scenarios_iverilog_axi4lite_with_backpressure() {
    replay(
        "scenarios_iverilog_axi4lite_with_backpressure",
        &Options::new(Simulator::Icarus, Bus::Axi4Lite).with_axi_delays(0x5EC),
    );
}

#[test]
fn scenarios_verilator_apb4() {
    replay(
        "scenarios_verilator_apb4",
        &Options::new(Simulator::Verilator, Bus::Apb4),
    );
}

#[test]
fn scenarios_verilator_axi4lite_with_backpressure() {
    replay(
        "scenarios_verilator_axi4lite_with_backpressure",
        &Options::new(Simulator::Verilator, Bus::Axi4Lite).with_axi_delays(99),
    );
}

/// What the traces contain: the model's hardware-side updates, its migration, and
/// reads of both banks.
#[test]
fn scenario_traces_carry_the_model_behaviour() {
    let all = traces();
    let mix = |n: &str| verif::cosim::step_mix(&all.iter().find(|(x, _)| x == n).unwrap().1);
    for (name, t) in &all {
        let m = mix(name);
        assert!(m["hw"] >= 5, "{name}: {m:?}");
        assert!(m["write"] >= 15 && m["read"] >= 72, "{name}: {m:?}");
        assert!(t.steps.iter().any(|s| matches!(
            s,
            Step::Read {
                expect: Some(_),
                ..
            }
        )));
        assert!(
            t.header.impl_defined.is_empty(),
            "{name}: default SmmuConfig"
        );
    }
    assert_eq!(mix("secure_bringup").get("restore"), Some(&1));
    assert_eq!(mix("ns_bringup").get("restore"), None);
}

/// A read value the model recorded that the Rust register file does not return is
/// reported at its step, before any simulation result.
#[test]
fn a_wrong_model_read_is_reported() {
    if !have("a_wrong_model_read_is_reported", Simulator::Icarus) {
        return;
    }
    let (_, mut trace) = traces().remove(1);
    let i = trace
        .steps
        .iter()
        .position(|s| {
            matches!(
                s,
                Step::Read {
                    expect: Some(_),
                    ..
                }
            )
        })
        .unwrap();
    if let Step::Read { expect, .. } = &mut trace.steps[i] {
        *expect = Some(Hex(expect.unwrap().0 ^ 0x10));
    }
    let report = check(&trace, &Options::new(Simulator::Icarus, Bus::Apb4)).unwrap();
    let m = report.mismatch().expect("reported");
    assert_eq!(m.step, i);
    assert!(matches!(m.kind, MismatchKind::Model { recorded, rust } if recorded == rust ^ 0x10));
}

/// The trace and read values of each scenario, reviewed as snapshots: a change of
/// the model's register behaviour (or the register file's) shows as a diff here.
#[test]
fn scenario_snapshots() {
    for (name, trace) in traces() {
        let text = verif::cosim::compact(&trace).unwrap();
        insta::assert_snapshot!(name.clone(), text);
    }
}
