//! Bad input gives clear errors, never a panic: trace files, steps that name what the
//! map or the RTL does not have, configurations, model traces.

use hdl::verilog::Bus;
use regdef::ir::SecSid::Secure as S;
use smmu::trace::{HwInput as MHw, TraceRecord};
use verif::trace::{from_model, Header, Hex, Step, Trace};
use verif::{check, Error, Options, Simulator};

fn err(trace: Trace) -> String {
    // The twin runs before any simulator is needed: these fail without one.
    check(&trace, &Options::new(Simulator::Icarus, Bus::Apb4))
        .map(|r| format!("unexpectedly ran: {r}"))
        .unwrap_or_else(|e| e.to_string())
}

#[test]
fn steps_naming_what_does_not_exist() {
    let e = err(Trace::new(vec![
        Step::read(0x20, 4, S),
        Step::hw_write("smmuv3.ns.cr0.nope", 1),
    ]));
    assert_eq!(e, "step 1: no field smmuv3.ns.cr0.nope");
    let e = err(Trace::new(vec![Step::hw_pulse(
        "smmuv3.ns.cr0.smmuen",
        true,
    )]));
    assert_eq!(
        e,
        "step 0: the RTL has no hardware input for smmuv3.ns.cr0.smmuen"
    );
    let e = err(Trace::new(vec![Step::hw_pulse(
        "smmuv3.ns.cmdq_cons.rd",
        true,
    )]));
    assert!(e.starts_with("step 0: ") && e.contains("hwset"), "{e}");
    let e = err(Trace::new(vec![Step::hw_write(
        "smmuv3.ns.cmdq_cons.err",
        0x80,
    )]));
    assert!(
        e.starts_with("step 0: ") && e.contains("does not fit"),
        "{e}"
    );
    let e = err(Trace::new(vec![Step::Hw {
        field: "smmuv3.ns.cmdq_cons.rd".into(),
        input: verif::trace::HwInput::Write,
        value: None,
    }]));
    assert!(e.contains("without a value"), "{e}");
    let e = err(Trace::new(vec![Step::write(0x2_0020, 4, 1, S)]));
    assert!(e.contains("beyond the 17 address bits"), "{e}");
    let e = err(Trace::new(vec![Step::Restore {
        values: [("smmuv3.ns.cr0".to_string(), Hex(1))]
            .into_iter()
            .collect(),
    }]));
    assert!(
        e.starts_with("step 0: restore: no value for smmuv3.ns.idr0"),
        "{e}"
    );
}

#[test]
fn bad_configurations() {
    let mut t = Trace::new(vec![]);
    t.header
        .impl_defined
        .insert("smmuv3.ns.cr0.smmuen".into(), Hex(1));
    assert_eq!(
        err(t),
        "configuration: smmuv3.ns.cr0.smmuen is not implementation defined"
    );
    let mut t = Trace::new(vec![]);
    t.header
        .impl_defined
        .insert("smmuv3.ns.idr5.oas".into(), Hex(9));
    assert!(err(t).contains("does not fit its 3 bits"));
    let mut t = Trace::new(vec![]);
    t.header
        .impl_defined
        .insert("smmuv3.ns.idr9.x".into(), Hex(0));
    assert_eq!(err(t), "configuration: no field smmuv3.ns.idr9.x");
}

#[test]
fn bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.jsonl");
    std::fs::write(&p, "{\"op\":\"reset\"}\n{\"op\":\"write\",\"offset\":\"0x20\",\"size\":4,\"sec\":\"secure\"}\n").unwrap();
    let e = Trace::load(&p).unwrap_err();
    assert!(matches!(e, Error::Trace { line: 2, .. }), "{e}");
    assert!(e.to_string().contains("missing field `data`"), "{e}");
    let e = Trace::load(&dir.path().join("missing.jsonl")).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
    std::fs::write(
        &p,
        "{\"op\":\"write\",\"offset\":\"0xZZ\",\"size\":4,\"data\":1,\"sec\":\"secure\"}\n",
    )
    .unwrap();
    assert!(Trace::load(&p)
        .unwrap_err()
        .to_string()
        .contains("not a number"));
}

#[test]
fn model_traces_that_do_not_fit_the_map() {
    let map = verif::regs::map().unwrap();
    let hw = |reg, path: &'static str, field, name: &'static str| TraceRecord::Hw {
        reg,
        path: path.into(),
        field,
        name: name.into(),
        input: MHw::Write,
        value: 1,
    };
    let ok = from_model(
        map,
        Header::default(),
        &[hw(26, "smmuv3.ns.cmdq_cons", 0, "rd")],
    )
    .unwrap();
    assert_eq!(ok.steps, [Step::hw_write("smmuv3.ns.cmdq_cons.rd", 1)]);
    let e = from_model(
        map,
        Header::default(),
        &[hw(25, "smmuv3.ns.cmdq_cons", 0, "rd")],
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("register 25 is smmuv3.ns.cmdq_prod in the map"),
        "{e}"
    );
    let e = from_model(
        map,
        Header::default(),
        &[hw(26, "smmuv3.ns.cmdq_cons", 5, "rd")],
    )
    .unwrap_err();
    assert!(e.to_string().contains("has no field 5"), "{e}");
    let e = from_model(map, Header::default(), &[hw(999, "x", 0, "rd")]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "model trace record 0: no register with index 999"
    );
    let e = from_model(
        map,
        Header::default(),
        &[TraceRecord::Restore { values: vec![1] }],
    )
    .unwrap_err();
    assert!(e.to_string().contains("restore lists 1 registers"), "{e}");
}
