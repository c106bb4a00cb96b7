//! Feeds arbitrary bytes to the SystemRDL front end, preprocessor included. It must
//! never panic, overflow its stack or run away; whatever it reports must render.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Through the preprocessor, as the CLI compiles; an absent Perl keeps the
    // fuzzer's `<% %>` from running (the error path is what is fuzzed).
    let c = regdef::Compiler::new()
        .perl("twinreg-fuzz-has-no-perl")
        .source("fuzz.rdl", text.into_owned())
        .compile();
    match c.map {
        Some(map) => {
            let _ = regdef::dump::to_json(&map);
            let _ = regdef::dump::to_table(&map);
        }
        None => {
            let _ = c.diagnostics.to_string();
        }
    }
});
