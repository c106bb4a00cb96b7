//! The ABI's own promises, from Rust: NULL and malformed arguments are errors, never
//! crashes; configuration by name agrees with the model's knob table; snapshots
//! refuse every corrupted or truncated byte string; and random MMIO, memory and
//! transactions through the ABI never make it fail (no panic, no poisoned handle),
//! with every state reached snapshotting and restoring exactly.

mod common;

use std::ffi::{c_char, CStr, CString};
use std::ptr::{null, null_mut};

use common::*;
use proptest::prelude::*;
use smmu::regfile::Reg;
use smmu::{EventType, GuestMemory, Pas, SmmuConfig};
use twinreg::*;

fn text(ptr: *const c_char) -> Option<String> {
    // SAFETY: the ABI returns NULL or a NUL-terminated string.
    (!ptr.is_null()).then(|| {
        unsafe { CStr::from_ptr(ptr) }
            .to_string_lossy()
            .into_owned()
    })
}

fn thread_error() -> String {
    text(twinreg_last_error()).unwrap_or_default()
}

#[test]
fn a_null_handle_is_an_error_in_every_entry_point() {
    let mut value = 0u64;
    let mut length = 0usize;
    let request = TwinregTranslationRequest::default();
    let mut result = std::mem::MaybeUninit::<TwinregTranslation>::uninit();
    let mut stats = TwinregStats::default();
    // SAFETY: every pointer argument but the handle is valid; the handle is NULL.
    let statuses = unsafe {
        [
            twinreg_smmu_reset(null_mut()),
            twinreg_smmu_mmio_read(null_mut(), 0, 4, false, &mut value),
            twinreg_smmu_mmio_write(null_mut(), 0, 4, 0, false),
            twinreg_smmu_translate(null_mut(), &request, result.as_mut_ptr()),
            twinreg_smmu_stats(null_mut(), &mut stats),
            twinreg_smmu_snapshot(null_mut(), null_mut(), 0, &mut length),
            twinreg_smmu_restore(null_mut(), [0u8].as_ptr(), 1),
            twinreg_smmu_config_get(null_mut(), c"oas".as_ptr(), null_mut(), 0, &mut length),
        ]
    };
    for status in statuses {
        assert_eq!(status, TwinregStatus::NullPointer);
        assert_eq!(thread_error(), "`smmu` is NULL");
    }
    // SAFETY: NULL is allowed.
    unsafe { twinreg_smmu_free(null_mut()) };
    assert_eq!(last_error(null()), "`smmu` is NULL");
}

#[test]
fn null_and_malformed_arguments_are_errors() {
    let mut host = Host::new();
    let smmu = smmu(&mut host);
    let request = TwinregTranslationRequest {
        stream_id: 1,
        size: 4,
        ..Default::default()
    };
    let mut result = std::mem::MaybeUninit::<TwinregTranslation>::uninit();
    let mut length = 0usize;
    // SAFETY: a live handle; the NULL pointers are the point.
    unsafe {
        assert_eq!(
            twinreg_smmu_mmio_read(smmu, 0, 4, false, null_mut()),
            TwinregStatus::NullPointer
        );
        assert_eq!(last_error(smmu), "`value` is NULL");
        assert_eq!(
            twinreg_smmu_translate(smmu, null(), result.as_mut_ptr()),
            TwinregStatus::NullPointer
        );
        assert_eq!(last_error(smmu), "`request` is NULL");
        assert_eq!(
            twinreg_smmu_translate(smmu, &request, null_mut()),
            TwinregStatus::NullPointer
        );
        assert_eq!(
            twinreg_smmu_stats(smmu, null_mut()),
            TwinregStatus::NullPointer
        );
        assert_eq!(
            twinreg_smmu_snapshot(smmu, null_mut(), 0, null_mut()),
            TwinregStatus::NullPointer
        );
        assert_eq!(
            twinreg_smmu_restore(smmu, null(), 4),
            TwinregStatus::NullPointer
        );
        assert_eq!(
            twinreg_smmu_config_get(smmu, null(), null_mut(), 0, &mut length),
            TwinregStatus::NullPointer
        );
        // A big enough size with a NULL buffer.
        assert_eq!(
            twinreg_smmu_config_get(smmu, c"oas".as_ptr(), null_mut(), 100, &mut length),
            TwinregStatus::NullPointer
        );
        assert_eq!(last_error(smmu), "`buf` is NULL");
        // Unknown enum values and requests the model refuses.
        for (bad, message) in [
            (
                TwinregTranslationRequest {
                    sec_sid: 2,
                    ..request
                },
                "sec_sid 2 is not a TwinregSecSid",
            ),
            (
                TwinregTranslationRequest {
                    access: 3,
                    ..request
                },
                "access 3 is not a TwinregAccess",
            ),
            (
                TwinregTranslationRequest {
                    substream_valid: true,
                    substream_id: 1 << 20,
                    ..request
                },
                "SubstreamID 0x100000 exceeds 20 bits",
            ),
            (
                TwinregTranslationRequest { size: 0, ..request },
                "zero-sized access",
            ),
        ] {
            assert_eq!(
                twinreg_smmu_translate(smmu, &bad, result.as_mut_ptr()),
                TwinregStatus::InvalidArgument
            );
            assert_eq!(last_error(smmu), message);
        }
        // The handle still works.
        assert_eq!(
            twinreg_smmu_translate(smmu, &request, result.as_mut_ptr()),
            TwinregStatus::Ok
        );
        // SMMUEN = 0 and GBPA bypass at reset.
        let t = result.assume_init();
        assert_eq!((t.outcome, t.output_addr), (TwinregOutcome::Bypass, 0));
        twinreg_smmu_free(smmu);
    }
}

/// An SMMU created by name, with the host it uses (NULL and the thread's error if
/// refused).
fn new_with(preset: Option<&CStr>, knobs: &[(&CStr, &CStr)]) -> (*mut TwinregSmmu, Box<Host>) {
    let knobs: Vec<TwinregKnob> = knobs
        .iter()
        .map(|(k, v)| TwinregKnob {
            key: k.as_ptr(),
            value: v.as_ptr(),
        })
        .collect();
    let mut host = Host::new();
    // SAFETY: valid strings, knobs and callbacks; the host is returned with the
    // handle and outlives it.
    let smmu = unsafe {
        twinreg_smmu_new(
            preset.map_or(null(), CStr::as_ptr),
            knobs.as_ptr(),
            knobs.len(),
            &CALLBACKS,
            host.opaque(),
        )
    };
    (smmu, host)
}

fn config_get(smmu: *mut TwinregSmmu, key: &str) -> String {
    let key = CString::new(key).expect("no NUL");
    let mut buf = [0 as c_char; 64];
    let mut length = 0;
    // SAFETY: a live handle, a 64-byte buffer.
    let status =
        unsafe { twinreg_smmu_config_get(smmu, key.as_ptr(), buf.as_mut_ptr(), 64, &mut length) };
    assert_eq!(status, TwinregStatus::Ok, "{}", last_error(smmu));
    let value = text(buf.as_ptr()).expect("text");
    assert_eq!(value.len(), length);
    value
}

#[test]
fn configuration_by_name_is_the_models_knob_table() {
    for (preset, config) in [
        (None, SmmuConfig::default()),
        (Some(c"qemu-7.2"), SmmuConfig::qemu_7_2()),
        (Some(c"smmuv3.2"), SmmuConfig::default()),
        (Some(c"smmuv3.1"), SmmuConfig::smmuv3_1()),
    ] {
        let (smmu, _host) = new_with(preset, &[]);
        assert!(!smmu.is_null(), "{preset:?}: {}", thread_error());
        for knob in SmmuConfig::knobs() {
            assert_eq!(
                config_get(smmu, knob.name),
                config.get(knob.name).expect("a knob"),
                "{preset:?} {}",
                knob.name
            );
        }
        // SAFETY: a live handle.
        unsafe { twinreg_smmu_free(smmu) };
    }
    // Overrides, with dependent knobs following.
    let (smmu, _host) = new_with(
        None,
        &[(c"stage2", c"off"), (c"oas", c"0x2c"), (c"granules", c"4k")],
    );
    assert!(!smmu.is_null(), "{}", thread_error());
    assert_eq!(config_get(smmu, "oas"), "44");
    assert_eq!(config_get(smmu, "secure_stage2"), "false");
    assert_eq!(config_get(smmu, "hyp"), "false");
    assert_eq!(config_get(smmu, "granules"), "4k");
    // The ID registers say so too (IDR5.OAS 0b100, only GRAN4K).
    assert_eq!(mmio_read(smmu, 0x14, 4, false) & 0x7F, 0b001_0100);
    // SAFETY: a live handle.
    unsafe { twinreg_smmu_free(smmu) };

    // The tables as C sees them.
    assert_eq!(twinreg_knob_count(), SmmuConfig::knobs().len());
    for (i, knob) in SmmuConfig::knobs().iter().enumerate() {
        assert_eq!(text(twinreg_knob_name(i)).as_deref(), Some(knob.name));
        assert_eq!(text(twinreg_knob_doc(i)).as_deref(), Some(knob.doc));
        assert_eq!(text(twinreg_knob_values(i)).as_deref(), Some(knob.expected));
    }
    assert!(twinreg_knob_name(twinreg_knob_count()).is_null());
    for (i, preset) in SmmuConfig::presets().iter().enumerate() {
        assert_eq!(text(twinreg_preset_name(i)).as_deref(), Some(preset.name));
        assert_eq!(text(twinreg_preset_doc(i)).as_deref(), Some(preset.doc));
    }
    assert!(twinreg_preset_doc(twinreg_preset_count()).is_null());
    for event in EventType::ALL {
        assert_eq!(
            text(twinreg_event_name(event.code())).as_deref(),
            Some(event.name())
        );
    }
    assert!(twinreg_event_name(0).is_null());
}

#[test]
fn the_qemu_7_2_preset_reads_as_qemu_7_2_through_the_abi() {
    // IDR0-5, IIDR, AIDR of QEMU 7.2's arm-smmuv3, at 0x00-0x1C.
    const QEMU_7_2: [u64; 8] = [0x0d40_101a, 0x0273_0010, 0, 0x1404, 0, 0x74, 0, 0x01];
    let (smmu, _host) = new_with(Some(c"qemu-7.2"), &[]);
    assert!(!smmu.is_null(), "{}", thread_error());
    let ids: Vec<u64> = (0..8).map(|i| mmio_read(smmu, 4 * i, 4, false)).collect();
    assert_eq!(ids, QEMU_7_2);
    // No Secure state: S_IDR0-4 read 0 to Secure software; no STATUSR.DORMANT.
    for offset in (0x8000..0x8014).step_by(4) {
        assert_eq!(mmio_read(smmu, offset, 4, true), 0, "{offset:#x}");
    }
    assert_eq!(mmio_read(smmu, 0x40, 4, false), 0, "STATUSR");
    // SAFETY: a live handle.
    unsafe { twinreg_smmu_free(smmu) };
    // The version by knob: the default as an SMMUv3.1 reports AIDR 1 and none of
    // IDR3.FWB/STT/RIL/BBML.
    let (smmu, _host) = new_with(None, &[(c"arch_version", c"3.1")]);
    assert!(!smmu.is_null(), "{}", thread_error());
    assert_eq!(mmio_read(smmu, 0x1C, 4, false), 0x01);
    assert_eq!(mmio_read(smmu, 0x0C, 4, false) & 0x1F00, 0);
    assert_eq!(config_get(smmu, "arch_version"), "3.1");
    // SAFETY: a live handle.
    unsafe { twinreg_smmu_free(smmu) };
}

#[test]
fn refused_configurations_say_why() {
    let not_utf8 = [0xFFu8, 0];
    let not_utf8 = CStr::from_bytes_with_nul(&not_utf8).expect("NUL-terminated");
    for (preset, knobs, message) in [
        (
            Some(c"qemu-9"),
            vec![],
            "unknown configuration preset `qemu-9`",
        ),
        (
            None,
            vec![(c"stage3", c"on")],
            "unknown configuration key `stage3`",
        ),
        (
            None,
            vec![(c"sid_bits", c"300")],
            "configuration key `sid_bits`: `300` is not an integer from 0 to 255",
        ),
        (
            None,
            vec![(c"secure_impl", c"false"), (c"secure_stage2", c"true")],
            "Secure stage 2 (S_IDR1.SEL2) requires Secure state",
        ),
        (
            None,
            vec![(c"two_level_stream_table", c"false")],
            "IDR0.ST_LEVEL",
        ),
        (
            None,
            vec![(c"range_invalidation", c"off")],
            "IDR3.RIL = 1 is mandatory in SMMUv3.2 (knob `range_invalidation`)",
        ),
        (
            None,
            vec![(c"arch_version", c"3.0")],
            "configuration key `arch_version`: `3.0` is not an SMMU architecture version",
        ),
        (None, vec![(not_utf8, c"1")], "`knobs[0].key` is not UTF-8"),
        (Some(not_utf8), vec![], "`preset` is not UTF-8"),
    ] {
        let (smmu, _host) = new_with(preset, &knobs);
        assert!(smmu.is_null());
        assert!(thread_error().contains(message), "{}", thread_error());
    }
    let mut host = Host::new();
    // SAFETY: NULL knobs with a count, and NULL callbacks, are the point.
    unsafe {
        assert!(twinreg_smmu_new(null(), null(), 1, &CALLBACKS, host.opaque()).is_null());
        assert_eq!(thread_error(), "`knobs` is NULL");
        assert!(twinreg_smmu_new(null(), null(), 0, null(), host.opaque()).is_null());
        assert_eq!(thread_error(), "`callbacks` is NULL");
        let no_write = TwinregHostCallbacks {
            mem_write: None,
            ..CALLBACKS
        };
        assert!(twinreg_smmu_new(null(), null(), 0, &no_write, host.opaque()).is_null());
        assert_eq!(thread_error(), "`callbacks->mem_write` is NULL");
    }
}

/// An SMMU with some state: queues and stream table programmed and enabled.
fn programmed(host: &mut Host) -> *mut TwinregSmmu {
    let smmu = smmu(host);
    let ns = |reg: Reg| reg.address();
    mmio_write(
        smmu,
        ns(Reg::StrtabBase(smmu::SecSid::NonSecure)),
        8,
        NS_RAM,
        false,
    );
    mmio_write(
        smmu,
        ns(Reg::StrtabBaseCfg(smmu::SecSid::NonSecure)),
        4,
        6,
        false,
    );
    mmio_write(
        smmu,
        ns(Reg::CmdqBase(smmu::SecSid::NonSecure)),
        8,
        (NS_RAM + 0x1_0000) | 5,
        false,
    );
    mmio_write(
        smmu,
        ns(Reg::EventqBase(smmu::SecSid::NonSecure)),
        8,
        (NS_RAM + 0x2_0000) | 5,
        false,
    );
    mmio_write(
        smmu,
        ns(Reg::Cr0(smmu::SecSid::NonSecure)),
        4,
        0b1101,
        false,
    );
    mmio_write(
        smmu,
        ns(Reg::StrtabBase(smmu::SecSid::Secure)),
        8,
        S_RAM,
        true,
    );
    mmio_write(smmu, ns(Reg::Cr0(smmu::SecSid::Secure)), 4, 0b1, true);
    smmu
}

#[test]
fn snapshots_refuse_every_corrupted_or_truncated_byte_string() {
    let mut host = Host::new();
    let smmu = programmed(&mut host);
    let bytes = snapshot(smmu);
    assert_eq!(&bytes[..8], b"TWRGSMMU");
    let mut other = Host::new();
    let fresh = common::smmu(&mut other);
    // Every bit of every byte matters: the header by its checks, the payload by its
    // checksum.
    let mut corrupt = bytes.clone();
    for i in 0..bytes.len() {
        for bit in [0x01, 0x80] {
            corrupt[i] ^= bit;
            assert_eq!(
                restore(fresh, &corrupt),
                TwinregStatus::Snapshot,
                "byte {i}"
            );
            corrupt[i] ^= bit;
        }
    }
    for len in 0..bytes.len() {
        assert_eq!(
            restore(fresh, &bytes[..len]),
            TwinregStatus::Snapshot,
            "{len} bytes"
        );
    }
    let mut longer = bytes.clone();
    longer.push(b' ');
    assert_eq!(restore(fresh, &longer), TwinregStatus::Snapshot);
    assert!(
        last_error(fresh).contains("truncated or padded"),
        "{}",
        last_error(fresh)
    );
    let mut version = bytes.clone();
    version[8] = 2;
    assert_eq!(restore(fresh, &version), TwinregStatus::Snapshot);
    assert_eq!(
        last_error(fresh),
        "snapshot envelope version 2 is not supported (this library reads version 1)"
    );
    // None of that changed the SMMU; the real thing restores exactly.
    assert_eq!(
        mmio_read(fresh, Reg::Cr0(smmu::SecSid::NonSecure).address(), 4, false),
        0
    );
    assert_eq!(
        restore(fresh, &bytes),
        TwinregStatus::Ok,
        "{}",
        last_error(fresh)
    );
    assert_eq!(snapshot(fresh), bytes);
    assert_eq!(
        mmio_read(fresh, Reg::Cr0(smmu::SecSid::NonSecure).address(), 4, false),
        0b1101
    );
    // The invalidation callback heard of the restore.
    assert_eq!(other.invalidations.len(), 1);
    assert_eq!(other.invalidations[0].kind, TwinregInvalidationKind::All);
    // SAFETY: live handles.
    unsafe {
        twinreg_smmu_free(smmu);
        twinreg_smmu_free(fresh);
    }
}

/// One step of a random run.
#[derive(Clone, Debug)]
enum Step {
    /// A write to a register, in its own bank or the other one.
    Write {
        reg: usize,
        value: u64,
        other_bank: bool,
        wide: bool,
    },
    Read {
        reg: usize,
        other_bank: bool,
    },
    /// An access at any offset and size.
    Raw {
        offset: u64,
        size: u32,
        value: u64,
        secure: bool,
        write: bool,
    },
    /// A guest memory write (structures, queues, tables) near the RAM bases.
    Memory {
        secure: bool,
        offset: u64,
        value: u64,
    },
    Translate {
        sid: u32,
        ssid: Option<u32>,
        secure: bool,
        iova: u64,
        size: u64,
        access: u32,
    },
    Reset,
}

fn step() -> impl Strategy<Value = Step> {
    let reg = 0..Reg::ALL.len();
    // Register values: half of them point into guest memory, with random low bits
    // (sizes, formats, enables).
    let value = prop_oneof![
        any::<u64>(),
        (any::<bool>(), 0..0x4_0000u64).prop_map(|(s, v)| if s { S_RAM + v } else { NS_RAM + v }),
    ];
    prop_oneof![
        6 => (reg.clone(), value, any::<bool>(), any::<bool>())
            .prop_map(|(reg, value, other_bank, wide)| Step::Write { reg, value, other_bank, wide }),
        2 => (reg, any::<bool>()).prop_map(|(reg, other_bank)| Step::Read { reg, other_bank }),
        1 => (0..0x2_0000u64, 0..10u32, any::<u64>(), any::<bool>(), any::<bool>())
            .prop_map(|(offset, size, value, secure, write)| Step::Raw { offset, size, value, secure, write }),
        4 => (any::<bool>(), 0..0x4_0000u64, any::<u64>())
            .prop_map(|(secure, offset, value)| Step::Memory { secure, offset: offset & !7, value }),
        4 => (0..80u32, proptest::option::of(0..4u32), any::<bool>(), any::<u64>(), 1..0x3000u64, 0..3u32)
            .prop_map(|(sid, ssid, secure, iova, size, access)| Step::Translate { sid, ssid, secure, iova, size, access }),
        1 => Just(Step::Reset),
    ]
}

fn run(smmu: *mut TwinregSmmu, host: *mut Host, step: &Step) {
    match *step {
        Step::Write {
            reg,
            value,
            other_bank,
            wide,
        } => {
            let reg = Reg::ALL[reg];
            let secure = (reg.bank() == smmu::SecSid::Secure) != other_bank;
            let size = if wide { 8 } else { 4 };
            mmio_write(smmu, reg.address(), size, value, secure);
        }
        Step::Read { reg, other_bank } => {
            let reg = Reg::ALL[reg];
            let secure = (reg.bank() == smmu::SecSid::Secure) != other_bank;
            mmio_read(smmu, reg.address(), reg.width() / 8, secure);
        }
        Step::Raw {
            offset,
            size,
            value,
            secure,
            write,
        } => {
            if write {
                mmio_write(smmu, offset, size, value, secure);
            } else {
                mmio_read(smmu, offset, size, secure);
            }
        }
        Step::Memory {
            secure,
            offset,
            value,
        } => {
            let (pas, base) = if secure {
                (Pas::Secure, S_RAM)
            } else {
                (Pas::NonSecure, NS_RAM)
            };
            // SAFETY: no ABI call is running, so nothing else uses the host.
            let host = unsafe { &mut *host };
            host.memory
                .write(pas, base + offset, &value.to_le_bytes())
                .expect("inside RAM");
        }
        Step::Translate {
            sid,
            ssid,
            secure,
            iova,
            size,
            access,
        } => {
            let request = TwinregTranslationRequest {
                stream_id: sid,
                substream_id: ssid.unwrap_or(0),
                substream_valid: ssid.is_some(),
                sec_sid: u32::from(secure),
                iova,
                size,
                access,
                privileged: sid % 2 == 0,
                ns: sid % 3 == 0,
            };
            let mut result = std::mem::MaybeUninit::<TwinregTranslation>::uninit();
            // SAFETY: a live handle, a request and room for the result.
            let status = unsafe { twinreg_smmu_translate(smmu, &request, result.as_mut_ptr()) };
            assert_eq!(status, TwinregStatus::Ok, "{}", last_error(smmu));
            // SAFETY: written on success.
            let t = unsafe { result.assume_init() };
            match t.outcome {
                TwinregOutcome::Translated => {
                    assert!(t.page_size.is_power_of_two() && t.addr_mask == t.page_size - 1);
                    assert!(t.len >= 1 && t.len <= size);
                }
                TwinregOutcome::Fault | TwinregOutcome::FaultRazWi => {
                    assert!(EventType::ALL.iter().any(|e| e.code() == t.event.code));
                }
                TwinregOutcome::Bypass | TwinregOutcome::Abort => {}
            }
        }
        Step::Reset => {
            // SAFETY: a live handle.
            assert_eq!(unsafe { twinreg_smmu_reset(smmu) }, TwinregStatus::Ok);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Whatever software and devices do, every call succeeds (the model answers
    /// garbage with the architected behaviour, never an internal error), and the
    /// state reached snapshots and restores into a new SMMU exactly.
    #[test]
    fn random_mmio_and_transactions_never_fail_the_abi(steps in proptest::collection::vec(step(), 1..120)) {
        let host = Box::into_raw(Host::new());
        // SAFETY: the host lives until the end of this test case.
        let smmu = common::smmu(unsafe { &mut *host });
        for step in &steps {
            run(smmu, host, step);
        }
        let bytes = snapshot(smmu);
        let mut other = Host::new();
        let copy = common::smmu(&mut other);
        prop_assert_eq!(restore(copy, &bytes), TwinregStatus::Ok, "{}", last_error(copy));
        prop_assert_eq!(snapshot(copy), bytes);
        // SAFETY: live handles, then the host they used.
        unsafe {
            twinreg_smmu_free(copy);
            twinreg_smmu_free(smmu);
            drop(Box::from_raw(host));
        }
    }
}
