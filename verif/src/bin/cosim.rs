//! Checks one trace file, or one scenario, on the RTL and the Rust register file.
//!
//! ```sh
//! cargo run -- run verif/scenarios/secure_bringup.json --trace out/secure.jsonl
//! cargo run -p twinreg-verif --bin cosim -- out/secure.jsonl [--sim iverilog|verilator] [--bus apb4|axi4lite] [--axi-delays SEED]
//! cargo run -p twinreg-verif --bin cosim -- --scenario verif/scenarios/secure_bringup.json [--save OUT.jsonl]
//! ```
//!
//! Exit status 0: the twins agree; 1: a mismatch (the report says where); 2: the check
//! could not run (bad file, missing simulator).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use hdl::verilog::Bus;
use verif::{check, Options, Simulator, Trace};

/// Replays a register-level trace on the generated RTL (iverilog or Verilator) and on
/// the Rust register file, and compares them after every step.
///
/// TRACE is either the SMMU model's trace (`twinreg run SCENARIO --trace TRACE`) or
/// a harness trace (`--save`, a soak's kept `trace.jsonl`; format: verif/README.md).
/// Exit status 0: the twins agree; 1: a mismatch (the report says where); 2: the
/// check could not run.
#[derive(Parser)]
#[command(name = "cosim", version)]
struct Args {
    /// The trace file (JSON Lines).
    #[arg(
        value_name = "TRACE",
        required_unless_present = "scenario",
        conflicts_with = "scenario"
    )]
    trace: Option<PathBuf>,
    /// Run this scenario on the SMMU model and check its trace instead.
    #[arg(long, value_name = "SCENARIO.json")]
    scenario: Option<PathBuf>,
    /// Also write the checked trace here, in the harness's format.
    #[arg(long, value_name = "OUT.jsonl")]
    save: Option<PathBuf>,
    /// The simulator.
    #[arg(long, default_value = "iverilog", value_name = "iverilog|verilator")]
    sim: Simulator,
    /// The bus front end of the RTL.
    #[arg(long, value_enum, default_value_t = BusArg::Apb4)]
    bus: BusArg,
    /// Random AXI handshake delays drawn from this seed (AXI4-Lite only).
    #[arg(long, value_name = "SEED", value_parser = verif::trace::parse_number)]
    axi_delays: Option<u64>,
    /// Keep the simulator's work directory (records, VCD) even when the twins agree.
    #[arg(long)]
    keep: bool,
}

/// `--bus`.
#[derive(Copy, Clone, clap::ValueEnum)]
enum BusArg {
    /// AMBA APB4.
    Apb4,
    /// AMBA AXI4-Lite.
    Axi4lite,
}

fn run(args: Args) -> Result<bool, String> {
    let bus = match args.bus {
        BusArg::Apb4 => Bus::Apb4,
        BusArg::Axi4lite => Bus::Axi4Lite,
    };
    let mut opts = Options::new(args.sim, bus);
    opts.axi_delays = args.axi_delays;
    opts.keep_work = args.keep;
    let map = verif::regs::map().map_err(|e| e.to_string())?;
    let trace = match (args.trace, args.scenario) {
        (Some(p), _) => Trace::load_any(map, &p).map_err(|e| e.to_string())?,
        (None, Some(s)) => verif::scenarios::trace(map, &s).map_err(|e| e.to_string())?,
        (None, None) => return Err("give a trace file or --scenario FILE".into()),
    };
    if let Some(s) = args.save {
        trace.save(&s).map_err(|e| e.to_string())?;
    }
    let report = check(&trace, &opts).map_err(|e| e.to_string())?;
    println!("{report}");
    Ok(report.passed())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("cosim: {e}");
            ExitCode::from(2)
        }
    }
}
