//! Throughput of the check, in bus transactions per second, through iverilog and
//! Verilator on both buses; build times reported separately (a benchmark, not a test).
//!
//! ```sh
//! cargo run -p twinreg-verif --release --bin throughput -- [--steps N] [--sim iverilog|verilator|both]
//! ```
//!
//! Each configuration is built in a fresh cache directory (so the build time is a real
//! build), then one random trace of `--steps` steps (default: 100 000 for iverilog,
//! 1 000 000 for Verilator) is checked. "sim" is the simulator process alone (reading
//! the records, driving the bus, comparing); "end to end" adds the Rust twin and
//! writing the records. For Verilator a second figure runs two traces at once, one
//! per core.

use std::time::Instant;

use clap::Parser;
use hdl::verilog::Bus;
use verif::gen::sample;
use verif::trace::Header;
use verif::{check, Options, Simulator};

/// Bus transactions per second of the RTL check, through iverilog and Verilator on
/// both buses, with build times reported separately; prints a Markdown table (the
/// figures of docs/performance.md).
#[derive(Parser)]
#[command(name = "throughput", version)]
struct Args {
    /// Steps of each random trace [default: 100000 for iverilog, 1000000 for Verilator].
    #[arg(long, value_name = "N")]
    steps: Option<usize>,
    /// The simulators to measure.
    #[arg(long, value_enum, default_value_t = SimArg::Both)]
    sim: SimArg,
}

/// `--sim`.
#[derive(Copy, Clone, clap::ValueEnum)]
enum SimArg {
    /// Icarus Verilog.
    Iverilog,
    /// Verilator.
    Verilator,
    /// Both.
    Both,
}

fn main() {
    let args = Args::parse();
    let steps = args.steps;
    let sims = match args.sim {
        SimArg::Iverilog => vec![Simulator::Icarus],
        SimArg::Verilator => vec![Simulator::Verilator],
        SimArg::Both => vec![Simulator::Icarus, Simulator::Verilator],
    };
    // A fresh cache, so that build times are real builds.
    let cache = tempfile::tempdir().expect("temporary directory");
    std::env::set_var("TWINREG_VERIF_CACHE", cache.path());
    let map = verif::regs::map().expect("smmuv3.rdl");
    println!("| Simulator | Bus | Build (s) | Steps | Bus transactions | Cycles | Sim (s) | Transactions/s (sim) | Transactions/s (end to end) |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for sim in sims {
        let n = steps.unwrap_or(match sim {
            Simulator::Icarus => 100_000,
            Simulator::Verilator => 1_000_000,
        });
        for bus in [Bus::Apb4, Bus::Axi4Lite] {
            let trace = sample(map, Header::default(), 0x7407 + bus as u64, n);
            // Build first (timed on its own), on a short trace of the same configuration.
            let warm = sample(map, Header::default(), 1, 10);
            let built = check(&warm, &Options::new(sim, bus)).expect("build");
            let t0 = Instant::now();
            let r = check(&trace, &Options::new(sim, bus)).expect("check");
            let wall = t0.elapsed().as_secs_f64();
            assert!(r.passed(), "{r}");
            println!(
                "| {} | {:?} | {:.1} | {} | {} | {} | {:.2} | {:.0} | {:.0} |",
                sim.name(),
                bus,
                built.build_seconds,
                r.steps,
                r.transactions,
                r.cycles,
                r.sim_seconds,
                r.transactions_per_second(),
                r.transactions as f64 / wall
            );
        }
        if sim == Simulator::Verilator {
            // Two traces at once, one per core.
            let traces: Vec<_> = (0..2u64)
                .map(|i| sample(map, Header::default(), 0x2C0 + i, n))
                .collect();
            let t0 = Instant::now();
            let reports: Vec<_> = std::thread::scope(|s| {
                let handles: Vec<_> = traces
                    .iter()
                    .map(|t| {
                        s.spawn(move || check(t, &Options::new(sim, Bus::Apb4)).expect("check"))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("thread"))
                    .collect()
            });
            let wall = t0.elapsed().as_secs_f64();
            let tx: usize = reports.iter().map(|r| r.transactions).sum();
            let sim_max = reports.iter().map(|r| r.sim_seconds).fold(0.0, f64::max);
            println!(
                "| {} x2 (two processes) | Apb4 | | {} | {tx} | | {sim_max:.2} | {:.0} | {:.0} |",
                sim.name(),
                2 * n,
                tx as f64 / sim_max,
                tx as f64 / wall
            );
        }
    }
}
