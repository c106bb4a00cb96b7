//! Checks one trace file, or one scenario, on the RTL and the Rust register file.
//!
//! ```sh
//! cargo run -p twinreg-verif --bin cosim -- TRACE.jsonl [--sim iverilog|verilator] [--bus apb4|axi4lite] [--axi-delays SEED]
//! cargo run -p twinreg-verif --bin cosim -- --scenario verif/scenarios/secure_bringup.json [--save OUT.jsonl]
//! ```
//!
//! Exit status 0: the twins agree; 1: a mismatch (the report says where); 2: the check
//! could not run (bad file, missing simulator).

use std::path::PathBuf;
use std::process::ExitCode;

use hdl::verilog::Bus;
use verif::{check, Options, Simulator, Trace};

fn run() -> Result<bool, String> {
    let mut input = None;
    let mut scenario = None;
    let mut save = None;
    let mut opts = Options::new(Simulator::Icarus, Bus::Apb4);
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--sim" => opts.sim = value()?.parse()?,
            "--bus" => {
                opts.bus = match value()?.as_str() {
                    "apb4" => Bus::Apb4,
                    "axi4lite" => Bus::Axi4Lite,
                    b => return Err(format!("unknown bus `{b}`")),
                }
            }
            "--axi-delays" => opts.axi_delays = Some(verif::trace::parse_number(&value()?)?),
            "--scenario" => scenario = Some(PathBuf::from(value()?)),
            "--save" => save = Some(PathBuf::from(value()?)),
            "--keep" => opts.keep_work = true,
            s if !s.starts_with('-') && input.is_none() => input = Some(PathBuf::from(s)),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let map = verif::regs::map().map_err(|e| e.to_string())?;
    let trace = match (input, scenario) {
        (Some(p), None) => Trace::load(&p).map_err(|e| e.to_string())?,
        (None, Some(s)) => verif::scenarios::trace(map, &s).map_err(|e| e.to_string())?,
        _ => return Err("give a trace file or --scenario FILE".into()),
    };
    if let Some(s) = save {
        trace.save(&s).map_err(|e| e.to_string())?;
    }
    let report = check(&trace, &opts).map_err(|e| e.to_string())?;
    println!("{report}");
    Ok(report.passed())
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("cosim: {e}");
            ExitCode::from(2)
        }
    }
}
