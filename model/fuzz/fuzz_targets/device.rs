//! Fuzzes the whole device: arbitrary MMIO sequences (any offset, size, value and
//! security, biased towards real registers and towards queue and table pointers
//! that land in memory) interleaved with arbitrary guest memory writes, DMA and
//! migrations. Every input must run without a panic or a hang, and:
//!
//! * each MMIO write consumes at most one queue's worth of commands;
//! * a Non-secure stream never reaches Secure memory;
//! * every reachable state snapshots and restores (restore validation never refuses
//!   what the device itself produced), and the restored register file is equal;
//! * the register-level trace replays onto a fresh register file.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use smmu::regfile::{self, Reg, RegisterFile};
use smmu::trace::{HwInput, TraceRecord};
use smmu::translate::{Outcome, TranslationRequest};
use smmu::walk::AccessKind;
use smmu::{InMemoryGuest, Pas, RecordingInterruptSink, SecSid, Smmu, SmmuConfig};

use common::{Input, NS_BASE, SIZE, S_BASE};

/// Makes a value point into one of the memories when its top bits ask for it.
fn pointerish(w: u64) -> u64 {
    match w >> 62 {
        0 => w,
        1 => NS_BASE + (w & (SIZE - 1)) | (w & 0x4000_0000_0000_001F),
        2 => S_BASE + (w & (SIZE - 1)) | (w & 0x4000_0000_0000_001F),
        _ => NS_BASE + (w & (SIZE - 1) & !0xFFF) | (w & 0x8000_0000_0000_0FFF),
    }
}

fn replay(config: &SmmuConfig, trace: &[TraceRecord]) -> RegisterFile {
    let mut regs = RegisterFile::new(&regfile::impl_defined(config));
    for record in trace {
        match record {
            TraceRecord::MmioWrite {
                offset,
                size,
                security,
                value,
            } => {
                regs.write(*offset, *size, *value, *security);
            }
            TraceRecord::MmioRead {
                offset,
                size,
                security,
                value,
            } => {
                assert_eq!(regs.read(*offset, *size, *security), *value);
            }
            TraceRecord::Hw {
                reg,
                field,
                input,
                value,
                ..
            } => {
                let ok = match input {
                    HwInput::Write => regs.hw_write_field(*reg, *field, *value).is_ok(),
                    HwInput::Set => regs.hw_set(*reg, *field).is_ok(),
                    HwInput::Clear => regs.hw_clr(*reg, *field).is_ok(),
                };
                assert!(ok, "{record:?}");
            }
            TraceRecord::Reset => regs = RegisterFile::new(&regfile::impl_defined(config)),
            TraceRecord::Restore { .. } => unreachable!("no restores are traced here"),
        }
    }
    regs
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let Some(header) = input.u64() else { return };
    let config = SmmuConfig {
        cmdq_log2_max: (header & 0xF) as u8,
        eventq_log2_max: (header >> 4 & 0xF) as u8,
        msi: header & 0x100 != 0,
        secure_impl: header & 0x200 != 0,
        secure_stage2: header & 0x600 == 0x600,
        gbpa_abort_at_reset: header & 0x800 != 0,
        config_cache_capacity: 1 + (header >> 12 & 7) as usize,
        tlb_capacity: 1 + (header >> 15 & 15) as usize,
        ..SmmuConfig::default()
    };
    let mem = InMemoryGuest::new()
        .with_region(Pas::NonSecure, NS_BASE, SIZE)
        .with_region(Pas::Secure, S_BASE, SIZE);
    let Ok(mut smmu) = Smmu::with_trace(
        config.clone(),
        mem,
        RecordingInterruptSink::new(),
        Vec::new(),
    ) else {
        return;
    };
    let mut restored_once = false;
    for _ in 0..256 {
        let Some(op) = input.u8() else { break };
        match op % 8 {
            // MMIO write: a real register (or any offset), size 4 or 8.
            0..=2 => {
                let (Some(sel), Some(value)) = (input.u64(), input.u64()) else {
                    break;
                };
                let offset = if sel & 1 == 0 {
                    Reg::ALL[(sel >> 8) as usize % Reg::ALL.len()].address() + (sel >> 4 & 4)
                } else {
                    (sel >> 8) & 0x1_FFFF
                };
                let size = if sel & 2 == 0 { 4 } else { 8 };
                let security = if sel & 4 == 0 {
                    SecSid::Secure
                } else {
                    SecSid::NonSecure
                };
                let before = smmu.stats().commands + smmu.stats().command_errors;
                smmu.mmio_write(offset, size, pointerish(value), security);
                let work = smmu.stats().commands + smmu.stats().command_errors - before;
                assert!(work <= (1 << 19) + 1);
            }
            3 => {
                let Some(sel) = input.u64() else { break };
                let security = if sel & 4 == 0 {
                    SecSid::Secure
                } else {
                    SecSid::NonSecure
                };
                smmu.mmio_read((sel >> 8) & 0x1_FFFF & !3, 4, security);
            }
            // Guest memory.
            4 | 5 => {
                let (Some(at), Some(value)) = (input.u64(), input.u64()) else {
                    break;
                };
                let (pas, base) = if at >> 63 != 0 {
                    (Pas::Secure, S_BASE)
                } else {
                    (Pas::NonSecure, NS_BASE)
                };
                let _ = smmu.memory_mut().write_u64(
                    pas,
                    base + (at & (SIZE - 1) & !7),
                    pointerish(value),
                );
            }
            // A transaction.
            6 => {
                let (Some(a), Some(iova)) = (input.u64(), input.u64()) else {
                    break;
                };
                let sec_sid = if a & 1 != 0 && config.secure_impl {
                    SecSid::Secure
                } else {
                    SecSid::NonSecure
                };
                let request = TranslationRequest {
                    stream_id: (a >> 8) as u32 & 0x3F,
                    substream_id: (a & 2 != 0).then_some((a >> 16) as u32 & 0xF_FFFF),
                    sec_sid,
                    iova: pointerish(iova),
                    size: 1 + (a >> 40 & 0xFFF),
                    access: [
                        AccessKind::Read,
                        AccessKind::Write,
                        AccessKind::Execute,
                        AccessKind::Read,
                    ][(a >> 3 & 3) as usize],
                    privileged: a & 0x20 != 0,
                    ns: a & 0x40 != 0,
                };
                if let Ok(outcome) = smmu.translate(&request) {
                    if sec_sid == SecSid::NonSecure {
                        match outcome {
                            Outcome::Translated(t) => assert_eq!(t.pas, Pas::NonSecure),
                            Outcome::Bypass(b) => assert_eq!(b.pas, Pas::NonSecure),
                            _ => {}
                        }
                    }
                }
            }
            // Migration: every reachable state is accepted and restored exactly.
            _ => {
                let snapshot = smmu::Snapshot::from_json(&smmu.snapshot().to_json())
                    .expect("a snapshot of the device parses");
                let mut target = Smmu::new(
                    config.clone(),
                    smmu.memory().clone(),
                    RecordingInterruptSink::new(),
                )
                .expect("same config");
                target
                    .restore(&snapshot)
                    .expect("a reachable state restores");
                assert_eq!(target.registers(), smmu.registers());
                restored_once = true;
            }
        }
    }
    let _ = restored_once;
    assert_eq!(&replay(&config, smmu.trace()), smmu.registers());
});
