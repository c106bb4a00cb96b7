//! Migration: snapshots round-trip through serde, a restored SMMU continues exactly
//! like the original (whose caches were evicted at the same point: caches are not
//! state), and restore refuses every corrupted or mismatched snapshot.

mod common;

use common::device::*;
use common::*;
use proptest::prelude::*;
use serde_json::Value;
use smmu::builders::command;
use smmu::regfile::Reg;
use smmu::snapshot::{RestoreError, Snapshot, SNAPSHOT_VERSION};
use smmu::{Invalidation, SecSid, Smmu, SmmuConfig};

const NS: SecSid = SecSid::NonSecure;
const S: SecSid = SecSid::Secure;
const IOVA: u64 = 0x0000_0080_8060_4567;

/// A populated SMMU: both banks up, streams translating, events in the queues,
/// a command error pending in the Secure bank.
fn populated() -> TestSmmu {
    let mut smmu = full();
    bring_up(&mut smmu, NS, true);
    bring_up(&mut smmu, S, true);
    stage1_stream(&mut smmu, NS, 8, 1, IOVA, NS_RAM + 0x80_0000, RW);
    stage1_stream(&mut smmu, S, 8, 1, IOVA, S_RAM + 0x80_0000, RW);
    for bank in [NS, S] {
        smmu.translate(&read(bank, 8, IOVA)).unwrap();
        smmu.translate(&read(bank, 8, 0x1000)).unwrap();
    }
    submit(&mut smmu, S, &[command::op(0x09)]);
    smmu
}

/// Another SMMU of the same configuration on a copy of the memory: a migration
/// target.
fn target(from: &TestSmmu) -> TestSmmu {
    Smmu::with_trace(
        from.config().clone(),
        from.memory().clone(),
        from.interrupts().clone(),
        Vec::new(),
    )
    .unwrap()
}

fn all_registers(smmu: &mut TestSmmu) -> Vec<u64> {
    Reg::ALL
        .iter()
        .map(|r| smmu.mmio_read(r.address(), r.width() / 8, SecSid::Secure))
        .collect()
}

#[test]
fn snapshot_round_trips_through_json() {
    let smmu = populated();
    let snapshot = smmu.snapshot();
    assert_eq!(snapshot.version, SNAPSHOT_VERSION);
    let text = snapshot.to_json();
    assert!(
        text.contains(r#""smmuv3.s.s_cmdq_cons":16777219"#),
        "{text}"
    );
    let back = Snapshot::from_json(&text).unwrap();
    assert_eq!(back, snapshot);
    let mut restored = target(&smmu);
    let seen = listen(&mut restored);
    restored.restore(&back).unwrap();
    assert_eq!(restored.registers(), smmu.registers());
    // Caches are not state; the listener hears that they were dropped.
    assert!(restored.translator().tlb().is_empty());
    assert_eq!(*seen.lock().unwrap(), [Invalidation::All]);
}

#[test]
fn restore_then_continue_is_like_never_stopping() {
    let mut original = populated();
    let snapshot = original.snapshot();
    let mut restored = target(&original);
    restored.restore(&snapshot).unwrap();
    original.evict_caches();
    original.interrupts_mut().take();
    restored.interrupts_mut().take();
    // Continue both: acknowledge the Secure error after fixing the command, more
    // DMA, faults, commands.
    for smmu in [&mut original, &mut restored] {
        write_command(smmu, S, 3, command::tlbi_nh_all(0));
        w32(smmu, Reg::Gerrorn(S), 1);
        submit(smmu, S, &[command::sync(1, S_RAM + 0x7_0000, 7)]);
        for bank in [NS, S] {
            let mut buf = [0u8; 8];
            smmu.dma_read(&read(bank, 8, IOVA), &mut buf).unwrap();
            smmu.translate(&read(bank, 8, 0x2000)).unwrap();
            smmu.translate(&read(bank, 9, 0x2000)).unwrap();
        }
        submit(smmu, NS, &[command::cfgi_all(false), command::sync_none()]);
    }
    assert_eq!(all_registers(&mut original), all_registers(&mut restored));
    assert_eq!(original.interrupts().log, restored.interrupts().log);
    for bank in [NS, S] {
        assert_eq!(
            take_events(&mut original, bank),
            take_events(&mut restored, bank)
        );
    }
    assert_eq!(
        original
            .memory()
            .read_u64_at(smmu::Pas::Secure, S_RAM + 0x7_0000),
        restored
            .memory()
            .read_u64_at(smmu::Pas::Secure, S_RAM + 0x7_0000)
    );
}

/// The snapshot JSON with register `path` set to `value`.
fn with_register(snapshot: &Snapshot, path: &str, value: u64) -> Result<Snapshot, RestoreError> {
    let mut v: Value = serde_json::from_str(&snapshot.to_json()).unwrap();
    v["registers"]["registers"][path] = value.into();
    Snapshot::from_json(&v.to_string())
}

fn refused(smmu: &mut TestSmmu, snapshot: Result<Snapshot, RestoreError>) -> String {
    let before = smmu.registers().clone();
    let err = match snapshot {
        Err(e) => e,
        Ok(s) => smmu.restore(&s).unwrap_err(),
    };
    assert_eq!(
        smmu.registers(),
        &before,
        "a refused restore changes nothing"
    );
    err.to_string()
}

#[test]
fn corrupted_or_mismatched_snapshots_are_refused() {
    let mut smmu = populated();
    let good = smmu.snapshot();
    let text = good.to_json();
    // Format and version.
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["version"] = 2.into();
    assert_eq!(
        Snapshot::from_json(&v.to_string()),
        Err(RestoreError::Version {
            found: 2,
            supported: SNAPSHOT_VERSION
        })
    );
    v["format"] = "qemu-smmuv3".into();
    assert!(matches!(
        Snapshot::from_json(&v.to_string()),
        Err(RestoreError::Format(_))
    ));
    let mut bad_version = good.clone();
    bad_version.version = 0;
    assert!(refused(&mut smmu, Ok(bad_version)).contains("version 0"));
    // Not JSON; truncated.
    assert!(matches!(
        Snapshot::from_json("{"),
        Err(RestoreError::Malformed(_))
    ));
    assert!(matches!(
        Snapshot::from_json(&text[..text.len() / 2]),
        Err(RestoreError::Malformed(_))
    ));
    // The register file's own validation: RES0 bits, unknown and missing registers,
    // constants.
    let cases: [(&str, u64, &str); 4] = [
        ("smmuv3.ns.cr0", 0x10, "outside its fields"),
        ("smmuv3.ns.bogus", 0, "unknown register"),
        ("smmuv3.ns.cidr0", 0x0E, "constant"),
        ("smmuv3.s.s_cmdq_prod", 0x10_0000, "outside its fields"),
    ];
    for (path, value, message) in cases {
        let err = refused(&mut smmu, with_register(&good, path, value));
        assert!(err.contains(message), "{path}: {err}");
    }
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["registers"]["registers"]
        .as_object_mut()
        .unwrap()
        .remove("smmuv3.ns.cr1");
    assert!(refused(&mut smmu, Snapshot::from_json(&v.to_string())).contains("missing"));
    // Another configuration: impl-defined ID values differ.
    let err = refused(
        &mut smmu,
        with_register(&good, "smmuv3.ns.idr1", 0x0E73_0508),
    );
    assert!(err.contains("smmuv3.ns.idr1"), "{err}");
    let mut other = new_smmu(SmmuConfig {
        sid_bits: 8,
        ..SmmuConfig::default()
    });
    let err = refused(&mut other, Ok(good.clone()));
    assert!(err.contains("another SMMU configuration"), "{err}");
    // States this SMMU never reaches.
    let unreachable: [(&str, u64, &str); 9] = [
        ("smmuv3.ns.cr0ack", 0x1, "differs from CR0"),
        ("smmuv3.s.s_irq_ctrlack", 0x0, "differs from IRQ_CTRL"),
        ("smmuv3.ns.gbpa", 0x8000_1000, "UPDATE"),
        ("smmuv3.s.s_init", 1, "INV_ALL"),
        ("smmuv3.ns.gerror", 0x100, "SFM_ERR"),
        ("smmuv3.s.s_cmdq_cons", 0x0300_0003, "never reports"),
        ("smmuv3.ns.cmdq_prod", 5, "unconsumed commands"),
        ("smmuv3.ns.cmdq_cons", 0x1000, "above the wrap flag"),
        ("smmuv3.s.s_eventq_prod", 0x8_0000, "above the wrap flag"),
    ];
    for (path, value, message) in unreachable {
        let err = refused(&mut smmu, with_register(&good, path, value));
        assert!(err.contains(message), "{path}: {err}");
    }
    // CMDQ_ERR active without a code is reachable (software toggling GERRORN).
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["registers"]["registers"]["smmuv3.ns.gerrorn"] = 1.into();
    let mut other = populated();
    other
        .restore(&Snapshot::from_json(&v.to_string()).unwrap())
        .unwrap();
    // Without Secure state the Secure bank cannot change.
    let mut ns_only = new_smmu(SmmuConfig {
        secure_impl: false,
        secure_stage2: false,
        ..SmmuConfig::default()
    });
    let snap = ns_only.snapshot();
    let mut v: Value = serde_json::from_str(&snap.to_json()).unwrap();
    v["registers"]["registers"]["smmuv3.s.s_cr1"] = 0x75.into();
    let err = refused(&mut ns_only, Snapshot::from_json(&v.to_string()));
    assert!(err.contains("Secure state is not implemented"), "{err}");
    // The good one is accepted.
    smmu.restore(&good).unwrap();
}

/// One random step of a driver that knows what it is doing, mostly.
#[derive(Clone, Debug)]
enum Action {
    Command(SecSid, [u64; 2]),
    Write(Reg, u64),
    Dma(SecSid, u32, u64),
    Ack(SecSid),
}

fn action() -> impl Strategy<Value = Action> {
    let bank = prop_oneof![Just(NS), Just(S)];
    let cmd = prop_oneof![
        Just(command::cfgi_all(false)),
        Just(command::tlbi_nsnh_all()),
        (0u32..16).prop_map(|s| command::cfgi_ste(s, false, true)),
        (0u8..0x70).prop_map(command::op),
        Just(command::sync(1, 0, 0)),
    ];
    prop_oneof![
        (bank.clone(), cmd).prop_map(|(b, c)| Action::Command(b, c)),
        (
            bank.clone(),
            0u32..12,
            prop_oneof![Just(IOVA), Just(0x1000u64), any::<u64>()]
        )
            .prop_map(|(b, s, a)| Action::Dma(b, s, a)),
        bank.clone().prop_map(Action::Ack),
        (
            prop_oneof![
                Just(Reg::IrqCtrl(NS)),
                Just(Reg::Cr0(S)),
                Just(Reg::EventqCons(NS)),
                Just(Reg::Gbpa(S)),
                Just(Reg::SInit),
            ],
            any::<u32>()
        )
            .prop_map(|(r, v)| Action::Write(r, u64::from(v))),
    ]
}

fn apply(smmu: &mut TestSmmu, a: &Action) {
    match a {
        Action::Command(bank, cmd) => {
            submit(smmu, *bank, &[*cmd]);
        }
        Action::Write(reg, v) => {
            smmu.mmio_write(reg.address(), 4, *v, reg.bank());
        }
        Action::Dma(bank, sid, iova) => {
            let mut buf = [0u8; 16];
            let _ = smmu.dma_read(&read(*bank, *sid, *iova), &mut buf);
        }
        Action::Ack(bank) => {
            let g = r32(smmu, Reg::Gerror(*bank));
            w32(smmu, Reg::Gerrorn(*bank), g);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random reachable states round-trip, and the restored SMMU continues exactly
    /// like the original.
    #[test]
    fn random_states_migrate(
        before in proptest::collection::vec(action(), 0..24),
        after in proptest::collection::vec(action(), 0..24),
    ) {
        let mut original = populated();
        for a in &before {
            apply(&mut original, a);
        }
        let snapshot = Snapshot::from_json(&original.snapshot().to_json()).unwrap();
        let mut restored = target(&original);
        restored.restore(&snapshot).unwrap();
        prop_assert_eq!(restored.registers(), original.registers());
        original.evict_caches();
        original.interrupts_mut().take();
        restored.interrupts_mut().take();
        for a in &after {
            apply(&mut original, a);
            apply(&mut restored, a);
        }
        prop_assert_eq!(all_registers(&mut original), all_registers(&mut restored));
        prop_assert_eq!(&original.interrupts().log, &restored.interrupts().log);
        prop_assert_eq!(original.registers(), restored.registers());
    }
}
