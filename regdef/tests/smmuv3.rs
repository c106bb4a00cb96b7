//! The SMMUv3 definition elaborates, obeys the IR's invariants, has the
//! architecture's landmarks, and its readable table is reviewed as a snapshot.

use std::path::PathBuf;

use regdef::access::WriteGate;
use regdef::ir::{RegisterMap, SecSid};

fn smmuv3() -> RegisterMap {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("smmuv3.rdl");
    regdef::compile_file(&path)
        .unwrap_or_else(|d| panic!("regdef/smmuv3.rdl does not elaborate:\n{d}"))
}

#[test]
fn the_map_as_a_table() {
    let map = smmuv3();
    insta::assert_snapshot!("smmuv3_table", regdef::dump::to_table(&map));
}

#[test]
fn architectural_landmarks() {
    let map = smmuv3();
    assert_eq!(map.top, "smmuv3");
    let at = |address: u64| map.at(address).map(|r| map.reg(r));
    let cr0 = at(0x20).expect("SMMU_CR0");
    let s_cr0 = at(0x8020).expect("SMMU_S_CR0");
    assert_eq!(
        (cr0.security, s_cr0.security),
        (SecSid::NonSecure, SecSid::Secure)
    );
    // One definition for both banks (IHI0070 6.3.9 / 6.3.35 layout rule).
    assert_eq!(cr0.layout, s_cr0.layout);
    assert!(map.layout(cr0.layout).banked);
    // CR0ACK acknowledges CR0 in each bank.
    assert_eq!(at(0x24).and_then(|r| r.ack_of), map.at(0x20));
    assert_eq!(at(0x8024).and_then(|r| r.ack_of), map.at(0x8020));
    // Secure registers exist only with SECURE_IMPL, and Non-secure accesses are RAZ/WI.
    assert!(s_cr0
        .write_gates
        .starts_with(&[WriteGate::Absent, WriteGate::SecurityState]));
    // GBPA takes writes only through its Update handshake.
    assert!(at(0x44)
        .expect("SMMU_GBPA")
        .write_gates
        .contains(&WriteGate::UpdateHandshake));
    // The Non-secure event queue indices live in page 1, the Secure ones in page 0.
    assert!(at(0x100A8).is_some() && at(0x80A8).is_some());
    assert!(at(0x00A8).is_none());
    // S_INIT is Secure-only.
    assert_eq!(at(0x803C).map(|r| r.security), Some(SecSid::Secure));
    assert!(at(0x003C).is_none());
}

#[test]
fn invariants_of_the_ir() {
    let map = smmuv3();
    for pair in map.registers.windows(2) {
        assert!(
            pair[0].address + pair[0].size_bytes() <= pair[1].address,
            "{} and {} overlap or are out of order",
            pair[0].path,
            pair[1].path
        );
    }
    for (id, r) in map.iter() {
        assert_eq!(
            r.address % u64::from(r.access_width / 8),
            0,
            "{} misaligned",
            r.path
        );
        assert_eq!(
            r.security == SecSid::Secure,
            r.write_gates.contains(&WriteGate::SecurityState)
        );
        assert_eq!(
            !r.present_when.is_empty(),
            r.write_gates.contains(&WriteGate::Absent)
        );
        assert!(map.layout(r.layout).instances.contains(&id));
        for w in r.fields.windows(2) {
            assert!(
                w[0].msb < w[1].lsb,
                "{}: fields {} and {} overlap",
                r.path,
                w[0].name,
                w[1].name
            );
        }
        if let Some(ack) = r.acked_by {
            assert_eq!(map.reg(ack).ack_of, Some(id));
        }
        for f in &r.fields {
            assert!(f.msb < r.width);
            for g in &f.guard {
                assert!(
                    map.field(g.field).width() == 1 || !g.when_set,
                    "{}.{}",
                    r.path,
                    f.name
                );
            }
            if let Some(a) = f.acknowledges {
                assert_eq!(map.field(a).name, f.name);
            }
        }
        for p in &r.present_when {
            let f = map.field(*p);
            assert!(
                f.impl_defined && f.reset.is_some(),
                "{} is present when {}",
                r.path,
                map.field_path(*p)
            );
        }
    }
}

/// The fields the architecture makes RES0 without their feature (IHI0070 6.3.9,
/// 6.3.10, 6.3.12, 6.3.19, 6.3.20 and the Secure copies), and nothing else.
#[test]
fn field_presence_follows_the_architecture() {
    let map = smmuv3();
    let mut got: Vec<(String, String)> = Vec::new();
    for r in &map.registers {
        for f in &r.fields {
            for p in &f.present_when {
                let t = map.field(*p);
                assert!(t.impl_defined && t.present_when.is_empty());
                got.push((format!("{}.{}", r.path, f.name), map.field_path(*p)));
            }
        }
    }
    let mut want: Vec<(String, String)> = Vec::new();
    let mut add = |f: &str, t: &str| want.push((format!("smmuv3.{f}"), format!("smmuv3.{t}")));
    for (bank, cr0, cr0ack, cr2, gerror, gerrorn, msi, e2h) in [
        (
            "ns",
            "cr0",
            "cr0ack",
            "cr2",
            "gerror",
            "gerrorn",
            "ns.idr0.msi",
            "ns.idr0.hyp",
        ),
        (
            "s",
            "s_cr0",
            "s_cr0ack",
            "s_cr2",
            "s_gerror",
            "s_gerrorn",
            "s.s_idr0.msi",
            "s.s_idr1.sel2",
        ),
    ] {
        add(&format!("{bank}.{cr0}.vmw"), "ns.idr0.vmw");
        add(&format!("{bank}.{cr0ack}.vmw"), "ns.idr0.vmw");
        add(&format!("{bank}.{cr2}.e2h"), e2h);
        for reg in [gerror, gerrorn] {
            for f in [
                "msi_cmdq_abt_err",
                "msi_eventq_abt_err",
                "msi_gerror_abt_err",
            ] {
                add(&format!("{bank}.{reg}.{f}"), msi);
            }
        }
    }
    // STATUSR.DORMANT exists only when IDR0.DORMHINT says the SMMU has the hint
    // (IHI0070 6.3.4); the Secure bank has no DORMANT of its own.
    add("ns.statusr.dormant", "ns.idr0.dormhint");
    got.sort();
    want.sort();
    assert_eq!(got, want);
}
