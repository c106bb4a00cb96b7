//! Fuzzes the translation pipeline over arbitrary guest memory contents, bank
//! registers and requests: every input must give a result or an architected
//! fault, never a panic or a hang, and a Non-secure stream never reaches Secure
//! memory.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use smmu::registers::Gbpa;
use smmu::translate::{Outcome, TranslationRequest};
use smmu::walk::AccessKind;
use smmu::{BankRegisters, InMemoryGuest, Pas, SecSid, SmmuConfig, Translator};

use common::{Input, NS_BASE, SIZE, S_BASE};

/// Points a word into one of the memories when its top bits ask for it, so that
/// table pointers often land on other fuzzed words.
fn pointerish(w: u64) -> u64 {
    match w >> 62 {
        0 => w,
        1 => NS_BASE + (w & (SIZE - 1)) | (w & 0x0FF0_0000_0000_0000),
        2 => S_BASE + (w & (SIZE - 1)) | (w & 0x0FF0_0000_0000_0000),
        _ => NS_BASE + (w & (SIZE - 1) & !0xFFF) | (w & 0xE000_0000_0000_0FFF),
    }
}

fn bank(w: u64, base: u64) -> BankRegisters {
    BankRegisters {
        smmuen: w & 1 != 0,
        gbpa: Gbpa((w >> 1) as u32 & 0x001F_FFFF),
        strtab_base: base + ((w >> 24) & (SIZE - 1)),
        strtab_base_cfg: ((w >> 40) as u32) & 0x3_07FF,
        cr2: (w >> 60) as u32,
        sif: w >> 63 != 0,
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let Some(header) = input.u64() else { return };
    let config = SmmuConfig {
        ssid_bits: (header & 0xF) as u8,
        secure_stage2: header & 0x10 != 0,
        term_model_abort_only: header & 0x20 != 0,
        hyp: header & 0x40 != 0,
        config_cache_capacity: 1 + (header >> 8 & 7) as usize,
        tlb_capacity: 1 + (header >> 11 & 15) as usize,
        ..SmmuConfig::default()
    };
    let Ok(mut translator) = Translator::new(config) else {
        return;
    };
    let (Some(b0), Some(b1)) = (input.u64(), input.u64()) else {
        return;
    };
    let banks = [bank(b0 | 1, NS_BASE), bank(b1 | 1, S_BASE)];
    let mut mem = InMemoryGuest::new()
        .with_region(Pas::NonSecure, NS_BASE, SIZE)
        .with_region(Pas::Secure, S_BASE, SIZE);
    // Memory words: (offset, value) pairs until the request section.
    let words = (header >> 16 & 0xFF) as usize;
    for _ in 0..words {
        let (Some(at), Some(value)) = (input.u64(), input.u64()) else {
            return;
        };
        let pas = if at >> 63 != 0 {
            Pas::Secure
        } else {
            Pas::NonSecure
        };
        let base = if pas == Pas::Secure { S_BASE } else { NS_BASE };
        let _ = mem.write_u64(pas, base + (at & (SIZE - 1) & !7), pointerish(value));
    }
    // Then requests.
    for _ in 0..64 {
        let (Some(a), Some(iova)) = (input.u64(), input.u64()) else {
            return;
        };
        let sec_sid = if a & 1 != 0 {
            SecSid::Secure
        } else {
            SecSid::NonSecure
        };
        let request = TranslationRequest {
            stream_id: (a >> 8) as u32 & 0x3F,
            substream_id: (a & 2 != 0).then_some((a >> 16) as u32 & 0xF_FFFF),
            sec_sid,
            iova: if a & 4 != 0 { pointerish(iova) } else { iova },
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
        let outcome = translator.translate(&mem, &banks, &request);
        assert!(translator.tlb().len() <= translator.tlb().capacity());
        assert!(translator.config_cache().len() <= translator.config_cache().capacity());
        if sec_sid == SecSid::NonSecure {
            match outcome {
                Ok(Outcome::Translated(t)) => assert_eq!(t.pas, Pas::NonSecure),
                Ok(Outcome::Bypass(b)) => assert_eq!(b.pas, Pas::NonSecure),
                _ => {}
            }
        }
    }
});
