//! Directed traces, one per access rule, on both buses and both simulators.

use hdl::verilog::Bus;
use verif::gen::directed;
use verif::{check, Options, Simulator};

fn have(test: &str, sim: Simulator) -> bool {
    let (p, v) = sim.program();
    testkit::tool(test, p, v).is_some()
}

fn run_all(test: &str, opts: &Options) {
    if !have(test, opts.sim) {
        return;
    }
    let map = verif::regs::map().unwrap();
    for d in directed(map) {
        let report = check(&d.trace, opts).unwrap_or_else(|e| panic!("{}: {e}", d.name));
        println!("{report}");
        report.assert_passed();
        assert_eq!(report.steps, d.trace.steps.len());
    }
}

#[test]
fn directed_iverilog_apb4() {
    run_all(
        "directed_iverilog_apb4",
        &Options::new(Simulator::Icarus, Bus::Apb4),
    );
}

#[test]
fn directed_iverilog_axi4lite_with_backpressure() {
    run_all(
        "directed_iverilog_axi4lite_with_backpressure",
        &Options::new(Simulator::Icarus, Bus::Axi4Lite).with_axi_delays(0xA11CE),
    );
}

#[test]
fn directed_verilator_apb4() {
    run_all(
        "directed_verilator_apb4",
        &Options::new(Simulator::Verilator, Bus::Apb4),
    );
}

#[test]
fn directed_verilator_axi4lite() {
    run_all(
        "directed_verilator_axi4lite",
        &Options::new(Simulator::Verilator, Bus::Axi4Lite).with_axi_delays(7),
    );
}

/// A configuration is built once: the second build comes from the cache, and a
/// different parameter value is a different build.
#[test]
fn builds_are_cached_by_configuration() {
    if !have("builds_are_cached_by_configuration", Simulator::Icarus) {
        return;
    }
    let map = verif::regs::map().unwrap();
    let design =
        verif::rtl::Design::generate(map, Bus::Apb4, regdef::access::Completion::Immediate, None)
            .unwrap();
    let f = verif::sim::Features::default();
    let a = verif::sim::build(&design, &vec![], Simulator::Icarus, f).unwrap();
    let b = verif::sim::build(&design, &vec![], Simulator::Icarus, f).unwrap();
    assert!(b.cached);
    assert_eq!(a.dir, b.dir);
    let p = vec![("S_IDR1_SECURE_IMPL".to_string(), 1, 0)];
    let c = verif::sim::build(&design, &p, Simulator::Icarus, f).unwrap();
    assert_ne!(c.dir, a.dir);
}

#[test]
fn directed_iverilog_ahblite() {
    run_all(
        "directed_iverilog_ahblite",
        &Options::new(Simulator::Icarus, Bus::AhbLite),
    );
}

#[test]
fn directed_verilator_ahblite() {
    run_all(
        "directed_verilator_ahblite",
        &Options::new(Simulator::Verilator, Bus::AhbLite),
    );
}

#[test]
fn directed_iverilog_avalon() {
    run_all(
        "directed_iverilog_avalon",
        &Options::new(Simulator::Icarus, Bus::Avalon),
    );
}

#[test]
fn directed_verilator_avalon() {
    run_all(
        "directed_verilator_avalon",
        &Options::new(Simulator::Verilator, Bus::Avalon),
    );
}

/// APB3 writes whole words: the traces' narrow writes are widened on both twins.
#[test]
fn directed_iverilog_apb3() {
    run_all(
        "directed_iverilog_apb3",
        &Options::new(Simulator::Icarus, Bus::Apb3),
    );
}

#[test]
fn directed_verilator_apb3() {
    run_all(
        "directed_verilator_apb3",
        &Options::new(Simulator::Verilator, Bus::Apb3),
    );
}
