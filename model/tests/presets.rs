//! Presets and ID-register knobs, read back the way a driver reads them: through
//! MMIO, at the offsets of IHI0070 6.2 (written here as literals, not taken from the
//! register definition, so that a wrong offset or field in `regdef/smmuv3.rdl` fails).

mod common;

use common::device::*;
use common::guest;
use smmu::builders::command::{self, with_range};
use smmu::cmdq::{decode, IllegalCommand};
use smmu::config::{ArchVersion, ConfigError, KnobValue};
use smmu::device::DeviceError;
use smmu::{RecordingInterruptSink, SecSid, Smmu, SmmuConfig, TraceRecord};

const NS: SecSid = SecSid::NonSecure;
const S: SecSid = SecSid::Secure;

/// IDR0-5, IIDR and AIDR at 0x00-0x1C (IHI0070 6.2.1).
fn id_registers(smmu: &mut TestSmmu) -> [u32; 8] {
    std::array::from_fn(|i| smmu.mmio_read(4 * i as u64, 4, NS) as u32)
}

/// S_IDR0-4 at 0x8000-0x8010, read by Secure software.
fn secure_id_registers(smmu: &mut TestSmmu) -> [u32; 5] {
    std::array::from_fn(|i| smmu.mmio_read(0x8000 + 4 * i as u64, 4, S) as u32)
}

const STATUSR: u64 = 0x40;

#[test]
fn qemu_7_2_id_registers_bit_for_bit() {
    // QEMU 7.2's arm-smmuv3 (behaviour.md 0.3): IDR0 0x0d40101a, IDR1 0x02730010,
    // IDR2 0, IDR3 0x1404, IDR4 0, IDR5 0x74, IIDR 0, AIDR 1.
    const QEMU_7_2: [u32; 8] = [0x0d40_101a, 0x0273_0010, 0, 0x1404, 0, 0x74, 0, 0x01];
    let config = SmmuConfig::preset("qemu-7.2").unwrap();
    let mut smmu = new_smmu(config.clone());
    assert_eq!(id_registers(&mut smmu), QEMU_7_2);
    // No Secure state: the whole Secure bank, S_IDR* included, reads as zero.
    assert_eq!(secure_id_registers(&mut smmu), [0; 5]);
    // An SMMUv3.1 without STATUSR.DORMANT: RES0, although the SMMU is idle.
    assert_eq!(smmu.mmio_read(STATUSR, 4, NS), 0);
    // ID registers ignore writes.
    for offset in (0..0x20).step_by(4) {
        smmu.mmio_write(offset, 4, 0xffff_ffff, NS);
    }
    assert_eq!(id_registers(&mut smmu), QEMU_7_2);
    // The scenario/C-ABI path (a preset and no overrides) gives the same SMMU.
    let by_name = SmmuConfig::preset("qemu-7.2")
        .and_then(|c| c.with_overrides([]))
        .unwrap();
    assert_eq!(by_name, config);
}

#[test]
fn the_default_is_an_smmuv3_2() {
    let mut smmu = new_smmu(SmmuConfig::default());
    let ids = id_registers(&mut smmu);
    // IDR3: HAD, XNX, FWB, STT, RIL, BBML level 1.
    assert_eq!(
        ids[3],
        1 << 2 | 1 << 4 | 1 << 8 | 1 << 9 | 1 << 10 | 1 << 11
    );
    assert_eq!(ids[7], 0x02, "AIDR");
    assert_eq!(ids[0] >> 8 & 1, 1, "IDR0.DORMHINT");
    // S_IDR1: SECURE_IMPL, SEL2, S_SIDSIZE 16.
    assert_eq!(secure_id_registers(&mut smmu)[1], 1 << 31 | 1 << 29 | 16);
    assert_eq!(smmu.mmio_read(STATUSR, 4, NS), 1, "dormant at reset");
}

#[test]
fn v3_2_fields_read_as_res0_in_a_v3_1_configuration() {
    let mut v32 = new_smmu(SmmuConfig::default());
    let config = SmmuConfig::default()
        .with_overrides([("arch_version", KnobValue::Text("3.1"))])
        .unwrap();
    assert_eq!(config.arch_version, ArchVersion::V3_1);
    let mut v31 = new_smmu(config);
    let (ids32, ids31) = (id_registers(&mut v32), id_registers(&mut v31));
    assert_eq!(ids31[7], 0x01, "AIDR");
    // IDR3.FWB [8], STT [9], RIL [10] and BBML [12:11] are v3.2 features; HAD and
    // XNX (v3.1) stay.
    assert_eq!(ids31[3], 1 << 2 | 1 << 4);
    assert_eq!(ids32[3] & !0x1F00, ids31[3]);
    // S_IDR1.SEL2 [29] is optional only from v3.2 (IHI0070 6.3.53).
    let (s32, s31) = (secure_id_registers(&mut v32), secure_id_registers(&mut v31));
    assert_eq!(s31[1], s32[1] & !(1 << 29));
    assert_eq!(s31[1] >> 29 & 1, 0);
    // Everything else is the same SMMU.
    for i in [0, 1, 2, 4, 5, 6] {
        assert_eq!(ids31[i], ids32[i], "IDR{i}");
    }
    assert_eq!(
        [s31[0], s31[2], s31[3], s31[4]],
        [s32[0], s32[2], s32[3], s32[4]]
    );
    // Without SEL2, S_CR2.E2H is RES0 in the Secure bank (a field SEL2 governs).
    let s_cr2 = 0x802C;
    v32.mmio_write(s_cr2, 4, 0b11, S);
    v31.mmio_write(s_cr2, 4, 0b11, S);
    assert_eq!(v32.mmio_read(s_cr2, 4, S), 0b11);
    assert_eq!(v31.mmio_read(s_cr2, 4, S), 0b10);
}

#[test]
fn every_overridable_id_field_reaches_its_register() {
    let config = SmmuConfig {
        coherent_access: false,
        dormant_hint: false,
        bbml: smmu::config::BbmLevel::Level2,
        // Arm's JEP106 code 0x43B, part 0x432, r1p2.
        iidr: 0x4321_243b,
        idr4: 0xdead_beef,
        s_idr4: 0x1234_5678,
        ..SmmuConfig::default()
    };
    let mut smmu = new_smmu(config);
    let ids = id_registers(&mut smmu);
    assert_eq!(ids[0] >> 4 & 1, 0, "IDR0.COHACC");
    assert_eq!(ids[0] >> 8 & 1, 0, "IDR0.DORMHINT");
    assert_eq!(ids[3] >> 11 & 0b11, 2, "IDR3.BBML");
    assert_eq!(ids[4], 0xdead_beef, "IDR4");
    assert_eq!(ids[6], 0x4321_243b, "IIDR");
    assert_eq!(secure_id_registers(&mut smmu)[4], 0x1234_5678, "S_IDR4");
    // PIDR0-4 show the same identity (IHI0070 6.3.170): PART_0 = 0x32; PART_1 = 0x4
    // and DES_0 = 0xB; DES_1 = 0x3, JEDEC = 1 and REVISION (the variant) = 1;
    // REVAND (the revision) = 2; DES_2 (the continuation code) = 4.
    let pidr = |smmu: &mut TestSmmu, offset| smmu.mmio_read(offset, 4, NS) as u32;
    assert_eq!(pidr(&mut smmu, 0xFE0), 0x32, "PIDR0");
    assert_eq!(pidr(&mut smmu, 0xFE4), 0xB4, "PIDR1");
    assert_eq!(pidr(&mut smmu, 0xFE8), 0x1B, "PIDR2");
    assert_eq!(pidr(&mut smmu, 0xFEC), 0x20, "PIDR3");
    assert_eq!(pidr(&mut smmu, 0xFD0), 0x04, "PIDR4");
    // Without DORMHINT, STATUSR.DORMANT is RES0 and never traced.
    assert_eq!(smmu.mmio_read(STATUSR, 4, NS), 0);
    let traced = |smmu: &TestSmmu| {
        smmu.trace()
            .iter()
            .any(|r| matches!(r, TraceRecord::Hw { path, .. } if path.ends_with(".statusr")))
    };
    assert!(!traced(&smmu), "{:?}", smmu.trace());
    // With it, DORMANT is driven and traced from reset.
    assert!(traced(&new_smmu(SmmuConfig::default())));
}

#[test]
fn inconsistent_id_fields_are_refused_at_construction() {
    let new =
        |config: SmmuConfig| Smmu::new(config, guest(), RecordingInterruptSink::new()).map(|_| ());
    for (overrides, error) in [
        (
            vec![
                ("small_translation_tables", KnobValue::Bool(false)),
                ("secure_stage2", KnobValue::Bool(true)),
            ],
            "Secure stage 2 (S_IDR1.SEL2) requires small translation tables (IDR3.STT, \
             knob `small_translation_tables`)",
        ),
        (
            vec![("forced_write_back", KnobValue::Bool(false))],
            "IDR3.FWB = 1 is mandatory in SMMUv3.2 (knob `forced_write_back`)",
        ),
        (
            vec![("bbml", KnobValue::Uint(0))],
            "IDR3.BBML = 1 or 2 is mandatory in SMMUv3.2 (knob `bbml`)",
        ),
        (
            vec![("iidr", KnobValue::Uint(0xC0))],
            "IIDR 0x000000c0: Implementer bit [7] must be 0 (a JEP106 identity code has \
             7 bits)",
        ),
    ] {
        let config = SmmuConfig::default().with_overrides(overrides).unwrap();
        let err = new(config).unwrap_err();
        assert!(matches!(err, DeviceError::Config(_)), "{err:?}");
        assert_eq!(err.to_string(), error);
    }
    // QEMU 7.2 raised to v3.2 by name gets the mandatory features and is accepted;
    // given as a struct it is refused.
    let raised = SmmuConfig::qemu_7_2()
        .with_overrides([("arch_version", KnobValue::Text("3.2"))])
        .unwrap();
    assert_eq!(new(raised), Ok(()));
    let claimed = SmmuConfig {
        arch_version: ArchVersion::V3_2,
        ..SmmuConfig::qemu_7_2()
    };
    assert_eq!(
        new(claimed),
        Err(DeviceError::Config(ConfigError::MandatoryFeature {
            version: ArchVersion::V3_2,
            feature: "IDR3.FWB = 1",
            knob: "forced_write_back",
        }))
    );
}

#[test]
fn without_ril_the_range_fields_of_a_tlbi_are_res0() {
    // IHI0070 4.4.1.1: with IDR3.RIL = 0, TG, TTL, NUM and SCALE are RES0, so a ranged
    // TLBI is the plain one: it neither narrows nor widens the invalidation.
    let va = 0x1234_5000;
    let plain = command::tlbi_nh_vaa(5, va, true);
    let ranged = with_range(plain, 1, 3, 1, 2);
    let (v32, v31) = (SmmuConfig::default(), SmmuConfig::smmuv3_1());
    assert!(!v31.range_invalidation);
    assert_ne!(decode(ranged, NS, &v32), decode(plain, NS, &v32));
    assert_eq!(decode(ranged, NS, &v31), decode(plain, NS, &v31));
    // TG != 0 with NUM = SCALE = TTL = 0 is illegal only where TG exists.
    let reserved = with_range(plain, 1, 0, 0, 0);
    assert!(matches!(
        decode(reserved, NS, &v32),
        Err(IllegalCommand::ReservedRange)
    ));
    assert_eq!(decode(reserved, NS, &v31), decode(plain, NS, &v31));
}

/// A scenario that reads IDR0, IDR3 and AIDR of the SMMU its `config` describes,
/// expecting the given values.
fn probe(config: &str, idr0: u32, idr3: u32, aidr: u32) -> String {
    let read = |offset: u32, expect: u32| {
        format!(
            r#"{{"op": "mmio_read", "offset": "{offset:#x}", "size": 4, "secure": false,
                "expect": "{expect:#x}"}}"#
        )
    };
    format!(
        r#"{{"name": "probe", "config": {config}, "steps": [{}, {}, {}]}}"#,
        read(0, idr0),
        read(0xC, idr3),
        read(0x1C, aidr)
    )
}

fn run_scenario(json: &str) -> Result<smmu::scenario::Summary, String> {
    let scenario = smmu::scenario::Scenario::from_json(json).map_err(|e| e.to_string())?;
    smmu::scenario::run(&scenario, &mut Vec::new()).map_err(|e| e.to_string())
}

#[test]
fn a_scenario_names_a_preset_and_overrides_it() {
    for (config, idr0, idr3, aidr) in [
        (r#"{"preset": "qemu-7.2"}"#, 0x0d40_101a, 0x1404, 1),
        // Later keys override the preset: v3.2 brings FWB, DORMHINT is asked for.
        (
            r#"{"preset": "qemu-7.2", "arch_version": 3.2, "dormant_hint": "on"}"#,
            0x0d40_111a,
            0x1504,
            2,
        ),
        // The default as an SMMUv3.1: IDR3 keeps HAD and XNX only.
        (r#"{"arch_version": "3.1"}"#, 0x0d4e_331b, 0x14, 1),
        (r#"{"preset": "smmuv3.1"}"#, 0x0d4e_331b, 0x14, 1),
    ] {
        let summary = run_scenario(&probe(config, idr0, idr3, aidr))
            .unwrap_or_else(|e| panic!("{config}: {e}"));
        assert_eq!(summary.expectations, 3, "{config}");
        assert!(summary.passed(), "{config}: {summary:?}");
    }
    // An inconsistent configuration is refused before the first step, naming the rule.
    let err = run_scenario(&probe(
        r#"{"preset": "qemu-7.2", "secure_impl": true, "stage2": true, "secure_stage2": true}"#,
        0,
        0,
        0,
    ))
    .unwrap_err();
    assert!(
        err.contains("Secure stage 2 (S_IDR1.SEL2) requires small translation tables"),
        "{err}"
    );
}

#[test]
fn had_follows_stage_1_and_xnx_stage_2() {
    // IHI0070 6.3.4: HAD is mandatory with stage 1 from v3.1 and 0 without it; XNX
    // likewise with stage 2 (RES0 without it).
    let config = SmmuConfig::default()
        .with_overrides([
            ("stage1", KnobValue::Bool(false)),
            ("secure_impl", KnobValue::Bool(false)),
        ])
        .unwrap();
    let ids = id_registers(&mut new_smmu(config));
    assert_eq!(ids[3] & 0b1_0100, 0b1_0000, "IDR3: XNX without HAD");
    let ids = id_registers(&mut new_smmu(SmmuConfig::qemu_7_2()));
    assert_eq!(ids[3] & 0b1_0100, 0b0_0100, "IDR3: HAD without XNX");
}
