//! Runs a scenario file, like `twinreg run`: one JSON line per step on stdout,
//! the summary on stderr, exit status 0 (passed), 1 (a mismatch) or 2 (invalid).
//!
//! ```sh
//! cargo run -p twinreg-model --example run_scenario -- verif/scenarios/ns_bringup.json [trace.jsonl]
//! ```

use std::path::Path;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: run_scenario SCENARIO.json [TRACE.jsonl]");
        std::process::exit(2);
    };
    let trace = args.next();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result =
        smmu::scenario::run_file(Path::new(&path), trace.as_deref().map(Path::new), &mut out);
    match &result {
        Ok(summary) => eprintln!(
            "{}: {} steps, {} expectations, {} mismatches",
            summary.name,
            summary.steps,
            summary.expectations,
            summary.mismatches.len()
        ),
        Err(e) => eprintln!("error: {e}"),
    }
    std::process::exit(smmu::scenario::exit_code(&result));
}
