//! Random traces: proptest (seeded, shrinking) on iverilog, and seeded volume runs on
//! both simulators and buses. The budget keeps this file to about a minute in a
//! debug build on 2 cores; `soak` is the long run.

use hdl::verilog::Bus;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use regdef::access::{Completion, WriteGate};
use twinreg_runtime::{Outcome, Rejection};
use verif::gen::{sample, trace_strategy, without_secure_state};
use verif::regs::{ImplDefined, RegisterFile};
use verif::trace::{Header, Hex, HwInput, Step};
use verif::{check, Options, Simulator};

fn have(test: &str, sim: Simulator) -> bool {
    let (p, v) = sim.program();
    testkit::tool(test, p, v).is_some()
}

/// proptest over short random traces; a failure is shrunk to a minimal trace, and
/// the report of the minimal one is the panic message.
fn property(test: &str, sim: Simulator, bus: Bus, completion: Completion, cases: u32) {
    if !have(test, sim) {
        return;
    }
    let map = verif::regs::map().unwrap();
    let header = Header {
        name: Some(test.to_string()),
        completion,
        ..Header::default()
    };
    let mut seed = [0u8; 32];
    seed[..test.len().min(32)].copy_from_slice(&test.as_bytes()[..test.len().min(32)]);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let opts = Options::new(sim, bus).with_axi_delays(1);
    let result = runner.run(&trace_strategy(map, header, 20..400), |trace| {
        let report = check(&trace, &opts).map_err(|e| TestCaseError::fail(e.to_string()))?;
        match report.mismatch() {
            None => Ok(()),
            Some(m) => Err(TestCaseError::fail(format!("{report}\n{m}"))),
        }
    });
    if let Err(e) = result {
        panic!("{test}: {e}");
    }
}

#[test]
fn proptest_iverilog_apb4() {
    property(
        "proptest_iverilog_apb4",
        Simulator::Icarus,
        Bus::Apb4,
        Completion::Immediate,
        24,
    );
}

#[test]
fn proptest_iverilog_axi4lite_handshake() {
    property(
        "proptest_iverilog_axi4lite_handshake",
        Simulator::Icarus,
        Bus::Axi4Lite,
        Completion::Handshake,
        32,
    );
}

fn volume(test: &str, sim: Simulator, bus: Bus, completion: Completion, seed: u64, steps: usize) {
    volume_with(
        test,
        sim,
        bus,
        Header {
            completion,
            ..Header::default()
        },
        seed,
        steps,
    );
}

fn volume_with(test: &str, sim: Simulator, bus: Bus, header: Header, seed: u64, steps: usize) {
    if !have(test, sim) {
        return;
    }
    let map = verif::regs::map().unwrap();
    let header = Header {
        name: Some(format!("{test} (seed {seed:#x})")),
        ..header
    };
    let trace = sample(map, header, seed, steps);
    let report = check(&trace, &Options::new(sim, bus).with_axi_delays(seed)).unwrap();
    println!("{report}");
    report.assert_passed();
    assert_eq!(report.steps, steps);
    assert!(report.transactions > steps / 2);
}

#[test]
fn volume_iverilog_apb4() {
    volume(
        "volume_iverilog_apb4",
        Simulator::Icarus,
        Bus::Apb4,
        Completion::Immediate,
        0x1CA4,
        60_000,
    );
}

#[test]
fn volume_iverilog_axi4lite_backpressure() {
    volume(
        "volume_iverilog_axi4lite_backpressure",
        Simulator::Icarus,
        Bus::Axi4Lite,
        Completion::Immediate,
        0xA41,
        30_000,
    );
}

#[test]
fn volume_verilator_apb4() {
    volume(
        "volume_verilator_apb4",
        Simulator::Verilator,
        Bus::Apb4,
        Completion::Immediate,
        0xF00D,
        500_000,
    );
}

#[test]
fn volume_verilator_axi4lite_backpressure() {
    volume(
        "volume_verilator_axi4lite_backpressure",
        Simulator::Verilator,
        Bus::Axi4Lite,
        Completion::Immediate,
        0xBEEF,
        300_000,
    );
}

#[test]
fn volume_verilator_handshake() {
    volume(
        "volume_verilator_handshake",
        Simulator::Verilator,
        Bus::Apb4,
        Completion::Handshake,
        0x4A5,
        200_000,
    );
}

/// An SMMU without Secure state and without MSIs: the Secure bank and the IRQ_CFG
/// registers are absent (RAZ/WI), whatever the random steps do.
#[test]
fn volume_no_secure_state() {
    let header = without_secure_state();
    volume_with(
        "volume_no_secure_state_iverilog",
        Simulator::Icarus,
        Bus::Apb4,
        header.clone(),
        0x5EC0,
        20_000,
    );
    volume_with(
        "volume_no_secure_state_verilator",
        Simulator::Verilator,
        Bus::Axi4Lite,
        header,
        0x5EC1,
        200_000,
    );
}

/// The random steps reach every rule: each register gate refuses some writes, guards
/// refuse and admit, GBPA updates complete, ACKs follow, hardware updates land,
/// and undefined and refused accesses occur, in both Security states.
#[test]
fn random_traces_reach_every_rule() {
    let map = verif::regs::map().unwrap();
    let trace = sample(map, Header::default(), 7, 20_000);
    let mut regs = RegisterFile::new(&ImplDefined::DEFAULT);
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    let mut hit = |k: &'static str| *seen.entry(k).or_default() += 1;
    for s in &trace.steps {
        match s {
            Step::Write {
                offset,
                size,
                data,
                sec,
            } => {
                let e = regs.write(offset.0, *size, data.0, *sec);
                match e.rejection() {
                    Some(Rejection::Gate(WriteGate::SecurityState)) => hit("gated: security"),
                    Some(Rejection::Gate(WriteGate::UpdateHandshake)) => {
                        hit("gated: update handshake")
                    }
                    Some(Rejection::Guard(_)) => hit("guarded"),
                    Some(Rejection::Unmapped) => hit("unmapped"),
                    Some(Rejection::Access(_)) => hit("refused"),
                    _ => {}
                }
                if e.update_completed {
                    hit("update completed");
                }
                if e.ack.is_some_and(|a| a.old != a.new) {
                    hit("ack followed");
                }
                if !e.swmod.is_empty() {
                    hit("swmod");
                }
                if e.outcome == Outcome::Applied
                    && e.guarded().is_empty()
                    && map
                        .reg(map.at(offset.0).unwrap())
                        .fields
                        .iter()
                        .any(|f| !f.guard.is_empty())
                {
                    hit("guarded register written");
                }
                if *size == 8 && e.outcome == Outcome::Applied {
                    hit("64-bit write");
                }
            }
            Step::Read {
                offset, size, sec, ..
            } => {
                let e = regs.read_with_effect(offset.0, *size, *sec);
                if matches!(e.outcome, Outcome::Gated(WriteGate::SecurityState)) {
                    hit("read gated");
                }
            }
            Step::Hw {
                field,
                input,
                value,
            } => {
                let f = verif::trace::Names::new(map).field(field).unwrap();
                let r = match input {
                    HwInput::Write => regs.hw_write_field(f.reg.0, f.field, value.unwrap().0),
                    HwInput::Set => regs.hw_set(f.reg.0, f.field),
                    HwInput::Clear => regs.hw_clr(f.reg.0, f.field),
                };
                assert!(r.is_ok(), "{s:?}");
                hit(if *input == HwInput::Clear {
                    "hwclr"
                } else {
                    "hw write"
                });
            }
            Step::Reset => {
                regs = RegisterFile::new(&ImplDefined::DEFAULT);
                hit("reset");
            }
            Step::Restore { .. } => {}
        }
    }
    for k in [
        "gated: security",
        "gated: update handshake",
        "guarded",
        "guarded register written",
        "unmapped",
        "refused",
        "update completed",
        "ack followed",
        "swmod",
        "64-bit write",
        "read gated",
        "hwclr",
        "hw write",
        "reset",
    ] {
        assert!(seen.get(k).copied().unwrap_or(0) >= 20, "{k}: {seen:?}");
    }
}

/// Random implementation-defined values (every ID field the `.rdl` lets an instance
/// override, and GBPA.ABORT's reset), each a separate RTL build with its parameters:
/// registers and fields that exist only with a feature come and go together on both
/// twins.
#[test]
fn random_configurations() {
    if !have("random_configurations", Simulator::Icarus) {
        return;
    }
    let map = verif::regs::map().unwrap();
    for seed in 0..6u64 {
        let mut rng = verif::cosim::Rng::new(seed);
        let mut header = Header::default();
        for f in map.impl_defined_fields() {
            let field = map.field(f);
            // Mostly the extremes (feature on/off, smallest/largest), sometimes any.
            let v = match rng.next_u64() % 4 {
                0 => 0,
                1 => field.value_mask(),
                2 => field.reset.unwrap_or(0),
                _ => rng.next_u64() & field.value_mask(),
            };
            header.impl_defined.insert(map.field_path(f), Hex(v));
        }
        header.name = Some(format!("random configuration {seed}"));
        let trace = sample(map, header, 0xC0F + seed, 4_000);
        let bus = if seed % 2 == 0 {
            Bus::Apb4
        } else {
            Bus::Axi4Lite
        };
        let report = check(
            &trace,
            &Options::new(Simulator::Icarus, bus).with_axi_delays(seed),
        )
        .unwrap();
        println!("{report}");
        report.assert_passed();
    }
}

/// The random traces on the other front ends: APB3 (narrow writes widened),
/// AHB-Lite (HSIZE lanes) and Avalon-MM (pipelined reads), on both simulators.
#[test]
fn volume_apb3_ahblite_avalon() {
    for (bus, seed) in [(Bus::Apb3, 0xA3), (Bus::AhbLite, 0xAB), (Bus::Avalon, 0xA7)] {
        volume(
            &format!("volume_iverilog_{}", bus.suffix()),
            Simulator::Icarus,
            bus,
            Completion::Immediate,
            seed,
            10_000,
        );
        volume(
            &format!("volume_verilator_{}", bus.suffix()),
            Simulator::Verilator,
            bus,
            Completion::Immediate,
            seed,
            100_000,
        );
    }
}
