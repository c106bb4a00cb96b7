//! Fuzzes the translation pipeline (`Translator`) over structure-aware memory images:
//! stream tables, STEs, CDs and stage 1 / stage 2 table trees built with the model's
//! builders from the fuzzer's bytes (see `common.rs`), then requests aimed at the
//! mapped addresses. Every input must give a result or an architected fault, never a
//! panic or a hang; a Non-secure stream never reaches Secure memory; the caches stay
//! within their capacity, and translating the same request twice (the second time
//! from the caches) gives the same outcome.
#![no_main]

mod common;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use smmu::translate::Outcome;
use smmu::{Pas, SecSid, Translator};

use common::{build_bank, guest, BankSpec, FuzzConfig, Pools, RequestSpec, Targets};

#[derive(Arbitrary, Debug)]
struct Program {
    config: FuzzConfig,
    banks: [BankSpec; 2],
    /// Translation disabled in a bank (GBPA decides).
    smmuen_off: [bool; 2],
    first: RequestSpec,
    more: Vec<RequestSpec>,
}

fuzz_target!(|program: Program| {
    let config = program.config.build();
    let Ok(mut translator) = Translator::new(config.clone()) else {
        return;
    };
    let mut mem = guest();
    let mut pools = Pools::new();
    let mut targets = Targets::default();
    for (bank, spec) in [SecSid::NonSecure, SecSid::Secure]
        .into_iter()
        .zip(&program.banks)
    {
        build_bank(&mut mem, &mut pools, bank, &config, spec, &mut targets);
    }
    let mut banks = [
        program.banks[0].bank_registers(SecSid::NonSecure),
        program.banks[1].bank_registers(SecSid::Secure),
    ];
    for (bank, off) in banks.iter_mut().zip(program.smmuen_off) {
        bank.smmuen = !off;
    }
    for spec in std::iter::once(&program.first).chain(program.more.iter().take(16)) {
        let request = spec.build(&program.banks, &targets, config.secure_impl);
        let outcome = translator.translate(&mem, &banks, &request);
        assert!(translator.tlb().len() <= translator.tlb().capacity());
        assert!(translator.config_cache().len() <= translator.config_cache().capacity());
        if request.sec_sid == SecSid::NonSecure {
            match &outcome {
                Ok(Outcome::Translated(t)) => assert_eq!(t.pas, Pas::NonSecure),
                Ok(Outcome::Bypass(b)) => assert_eq!(b.pas, Pas::NonSecure),
                _ => {}
            }
        }
        // The caches hold what the walk found: a second lookup agrees.
        let again = translator.translate(&mem, &banks, &request);
        assert_eq!(outcome, again, "{request:?}");
    }
});
