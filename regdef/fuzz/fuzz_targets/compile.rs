//! Feeds arbitrary bytes to the SystemRDL front end. It must never panic, overflow
//! its stack or run away; whatever it reports must render.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let c = regdef::frontend::compile("fuzz.rdl", &text);
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
