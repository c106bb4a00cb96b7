//! The check can fail: a flipped access rule in the RTL is reported at the step and
//! register where it first shows.

use hdl::verilog::Bus;
use regdef::access::Completion;
use regdef::ir::SecSid::{NonSecure as NS, Secure as S};
use verif::cosim::MismatchKind;
use verif::mutate::Mutation;
use verif::trace::{Header, Step, Trace};
use verif::{check, Options, Simulator};

fn have(test: &str, sim: Simulator) -> bool {
    let (p, v) = sim.program();
    testkit::tool(test, p, v).is_some()
}

/// A Non-secure write to S_CR0 must be ignored; with the mutation it is taken, and
/// the harness names step 2 and the S_CR0 outputs.
fn secure_gate(sim: Simulator, bus: Bus) {
    let trace = Trace {
        header: Header {
            name: Some("secure_gate".into()),
            ..Header::default()
        },
        steps: vec![
            Step::write(0x20, 4, 0x1, NS),   // 0: CR0.SMMUEN (NS bank), legal
            Step::read(0x8020, 4, S),        // 1: S_CR0 reads 0
            Step::write(0x8020, 4, 0xD, NS), // 2: NS write to S_CR0: RAZ/WI
            Step::read(0x8020, 4, S),        // 3
        ],
    };
    let opts = Options::new(sim, bus);
    check(&trace, &opts).unwrap().assert_passed();
    let mutated = opts.with_mutation(Mutation::secure_write_reaches("s_cr0"));
    let report = check(&trace, &mutated).unwrap();
    let m = report.mismatch().expect("the mutation must be caught");
    println!("{report}");
    assert_eq!(m.step, 2);
    let MismatchKind::Outputs { diffs } = &m.kind else {
        panic!("expected an output mismatch, got {:?}", m.kind)
    };
    let names: Vec<&str> = diffs.iter().map(|d| d.what.as_str()).collect();
    assert_eq!(
        names,
        ["s.s_cr0.smmuen", "s.s_cr0.eventqen", "s.s_cr0.cmdqen"]
    );
    assert!(diffs.iter().all(|d| d.rust == 0 && d.rtl == 1));
    assert!(m.vcd.as_ref().is_some_and(|v| v.exists()), "{m}");
    assert!(m.to_string().contains("> "), "{m}");
}

#[test]
fn non_secure_write_reaching_s_cr0_is_caught_iverilog() {
    if have(
        "non_secure_write_reaching_s_cr0_is_caught_iverilog",
        Simulator::Icarus,
    ) {
        secure_gate(Simulator::Icarus, Bus::Apb4);
    }
}

#[test]
fn non_secure_write_reaching_s_cr0_is_caught_verilator_axi() {
    if have(
        "non_secure_write_reaching_s_cr0_is_caught_verilator_axi",
        Simulator::Verilator,
    ) {
        secure_gate(Simulator::Verilator, Bus::Axi4Lite);
    }
}

/// STRTAB_BASE_CFG is writable only while CR0.SMMUEN and CR0ACK.SMMUEN are both 0.
/// With handshake completion hardware sets the ACK bit alone; a write must then be
/// refused. Dropping the ACK term from the guard lets it through, at step 2.
fn guard_ack_term(sim: Simulator, bus: Bus) {
    let cfg = 0x88;
    let trace = Trace {
        header: Header {
            name: Some("guard_ack_term".into()),
            completion: Completion::Handshake,
            ..Header::default()
        },
        steps: vec![
            Step::write(cfg, 4, 0x15, NS),                // 0: taken (both bits 0)
            Step::hw_write("smmuv3.ns.cr0ack.smmuen", 1), // 1: ACK = 1, CR0 = 0
            Step::write(cfg, 4, 0x3F, NS),                // 2: refused by the ACK term
            Step::read(cfg, 4, NS),                       // 3
        ],
    };
    let opts = Options::new(sim, bus);
    check(&trace, &opts).unwrap().assert_passed();
    let m = Mutation::drop_guard_term("strtab_base_cfg_log2size", "cr0ack_smmuen");
    let report = check(&trace, &opts.with_mutation(m)).unwrap();
    println!("{report}");
    let m = report.mismatch().expect("the mutation must be caught");
    assert_eq!(m.step, 2);
    let MismatchKind::Outputs { diffs } = &m.kind else {
        panic!("expected an output mismatch, got {:?}", m.kind)
    };
    assert_eq!(diffs.len(), 1, "{m}");
    assert_eq!(diffs[0].what, "ns.strtab_base_cfg.log2size");
    assert_eq!(diffs[0].port.as_deref(), Some("strtab_base_cfg_log2size"));
    assert_eq!((diffs[0].rust, diffs[0].rtl), (0x15, 0x3F));
}

#[test]
fn dropped_guard_ack_term_is_caught_iverilog() {
    if have(
        "dropped_guard_ack_term_is_caught_iverilog",
        Simulator::Icarus,
    ) {
        guard_ack_term(Simulator::Icarus, Bus::Axi4Lite);
    }
}

#[test]
fn dropped_guard_ack_term_is_caught_verilator() {
    if have(
        "dropped_guard_ack_term_is_caught_verilator",
        Simulator::Verilator,
    ) {
        guard_ack_term(Simulator::Verilator, Bus::Apb4);
    }
}

/// A read mismatch names the register and the fields whose bits differ: a
/// Non-secure read of S_CR2 returns the Secure value when the gate is dropped.
#[test]
fn read_mismatches_name_the_fields() {
    if !have("read_mismatches_name_the_fields", Simulator::Icarus) {
        return;
    }
    let trace = Trace::new(vec![
        Step::write(0x802C, 4, 0x3, S), // 0: S_CR2 = E2H | RECINVSID (Secure: taken)
        Step::read(0x802C, 4, NS),      // 1: Non-secure read: RAZ
    ]);
    let opts = Options::new(Simulator::Icarus, Bus::Apb4)
        .with_mutation(Mutation::secure_write_reaches("s_cr2"));
    let report = check(&trace, &opts).unwrap();
    let m = report.mismatch().expect("caught");
    assert_eq!(m.step, 1);
    let MismatchKind::Read {
        register,
        rust,
        rtl,
        fields,
        ..
    } = &m.kind
    else {
        panic!("expected a read mismatch: {m}")
    };
    assert_eq!(register.as_deref(), Some("s.s_cr2"));
    assert_eq!((*rust, *rtl), (0, 3));
    let names: Vec<(&str, u64, u64)> = fields
        .iter()
        .map(|f| (f.what.as_str(), f.rust, f.rtl))
        .collect();
    assert_eq!(names, [("s.s_cr2.e2h", 0, 1), ("s.s_cr2.recinvsid", 0, 1)]);
}

/// Strobes are compared too: a `swmod` output stuck at 1 shows in the first step,
/// named as the strobe, although no field value differs.
#[test]
fn stuck_swmod_strobe_is_caught() {
    if !have("stuck_swmod_strobe_is_caught", Simulator::Verilator) {
        return;
    }
    let trace = Trace::new(vec![Step::read(0x98, 4, NS), Step::write(0x98, 4, 5, NS)]);
    let opts = Options::new(Simulator::Verilator, Bus::Apb4);
    check(&trace, &opts).unwrap().assert_passed();
    let report = check(
        &trace,
        &opts.with_mutation(Mutation::stuck_swmod("cmdq_prod_wr")),
    )
    .unwrap();
    let m = report.mismatch().expect("caught");
    assert_eq!(m.step, 0);
    let MismatchKind::Outputs { diffs } = &m.kind else {
        panic!("expected an output mismatch: {m}")
    };
    assert_eq!(diffs.len(), 1, "{m}");
    assert_eq!(diffs[0].what, "ns.cmdq_prod.wr:swmod");
    assert_eq!((diffs[0].rust, diffs[0].rtl), (0, 1));
}
