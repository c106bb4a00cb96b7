//! One naming rule for every output (`hdl::names`): a register is named after its
//! instance in the Verilog, the C header and the docs alike, in the output's case.

mod common;

use hdl::c_header::{self, CHeaderOptions};
use hdl::names::Names;
use hdl::verilog::{generate, VerilogOptions};
use regdef::ir::FieldRef;

#[test]
fn verilog_and_c_name_every_register_and_field_alike() {
    let map = common::smmuv3();
    let names = Names::new(&map).expect("names");
    let header = c_header::header(&map, &CHeaderOptions::default()).expect("header");
    let rtl: String = generate(&map, &VerilogOptions::default())
        .expect("verilog")
        .into_iter()
        .map(|f| f.contents)
        .collect();
    // Every register's C name is the RTL's in upper case (C's field macros are per
    // definition: `SMMUV3_GBPA_ABORT_*` serves GBPA and S_GBPA).
    for (id, _) in map.iter() {
        let name = names.rtl_reg(id).to_uppercase();
        assert!(
            header.contains(&format!("#define SMMUV3_{name}_OFFSET ")),
            "C has no SMMUV3_{name}_OFFSET"
        );
    }
    // Every implementation-defined field is a Verilog parameter named
    // `<REGISTER>_<FIELD>`.
    let mut params = 0;
    for f in map.impl_defined_fields() {
        let name = names.rtl_field(&map, f).to_uppercase();
        assert_eq!(name, names.field(&map, f).replace('.', "_"));
        assert!(
            rtl.contains(&format!(" {name} ")) || rtl.contains(&format!(" {name}_RESET ")),
            "the RTL has no parameter {name}"
        );
        params += 1;
    }
    assert!(params > 20, "{params}");
    // The Secure bank's registers keep their architectural names: no doubled prefix.
    assert!(
        rtl.contains("output wire        s_cr0_smmuen,"),
        "S_CR0.SMMUEN port"
    );
    assert!(
        rtl.contains("output wire        cr0_smmuen,"),
        "CR0.SMMUEN port"
    );
    assert!(rtl.contains("S_IDR1_SECURE_IMPL"));
    for doubled in ["s_s_", "S_S_", "ns_cr0", "NS_IDR"] {
        assert!(!rtl.contains(doubled), "the RTL still says {doubled}");
    }
    let s_cr0 = map.find("smmuv3.s.s_cr0").expect("S_CR0");
    assert_eq!(names.reg(s_cr0), "S_CR0");
    assert_eq!(names.rtl_reg(s_cr0), "s_cr0");
    let smmuen = FieldRef {
        reg: s_cr0,
        field: map.reg(s_cr0).field_named("smmuen").expect("SMMUEN").0,
    };
    assert_eq!(names.rtl_field(&map, smmuen), "s_cr0_smmuen");
    assert_eq!(names.field(&map, smmuen), "S_CR0.SMMUEN");
}

#[test]
fn nested_and_clashing_instances() {
    let m = regdef::compile_source(
        "t.rdl",
        "addrmap top {
            regfile { reg { field {} f[0:0]; } q[2] @ 0x0 += 4; } rf @ 0x10;
            regfile { reg { field {} en[0:0]; } ctrl @ 0x0; } a @ 0x20;
            regfile { reg { field {} en[0:0]; } ctrl @ 0x0; } b @ 0x30;
        };",
    )
    .unwrap_or_else(|d| panic!("{d}"));
    let names = Names::new(&m).expect("names");
    let rtl: Vec<String> = m.iter().map(|(id, _)| names.rtl_reg(id)).collect();
    // Instance names where they are unique, flattened paths where they are not.
    assert_eq!(rtl, ["q_0", "q_1", "a_ctrl", "b_ctrl"]);
    let f = |reg: usize| FieldRef {
        reg: regdef::ir::RegId(reg),
        field: 0,
    };
    assert_eq!(names.rtl_field(&m, f(1)), "q_1_f");
    assert_eq!(names.rtl_field(&m, f(3)), "b_ctrl_en");
    assert_eq!(names.field(&m, f(3)), "B_CTRL.EN");
    assert_eq!(hdl::names::flat_path(&m, m.reg(f(1).reg)), "rf_q_1");
    let v: String = generate(&m, &VerilogOptions::default())
        .expect("verilog")
        .into_iter()
        .map(|f| f.contents)
        .collect();
    assert!(v.contains("q_1_f") && v.contains("b_ctrl_en") && !v.contains("rf_q_1"));
}
