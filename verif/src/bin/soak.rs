//! The long run: random traces through the RTL and the Rust register file until a
//! number of bus transactions has been checked, or the first mismatch.
//!
//! ```sh
//! cargo run -p twinreg-verif --release --bin soak -- --transactions 1000000 --sim verilator
//! ```
//!
//! Exit status 0: no mismatch; 1: a mismatch (the report names the step, the kept
//! work directory holds `trace.jsonl` to repeat it with `cosim`); 2: the harness
//! could not run. `--help` lists the options.

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use hdl::verilog::Bus;
use regdef::access::Completion;
use regdef::ir::RegisterMap;
use verif::gen::sample;
use verif::trace::Header;
use verif::{check, Options, Simulator, Trace};

/// Random register-level traces checked on the generated RTL and on the Rust register
/// file until `--transactions` bus transactions have been checked (a 64-bit access
/// is two), or the first mismatch.
///
/// The transactions are split into traces of at most `--chunk` each, every trace
/// starting from reset; with `--bus both` the traces alternate between the buses
/// and there are at least two, so every run drives both. AXI4-Lite runs with random
/// handshake delays. Exit status 0: no mismatch; 1: a mismatch (the report names the
/// step and keeps the work directory with `trace.jsonl`, to repeat with `cosim`);
/// 2: the harness could not run.
#[derive(Parser)]
#[command(name = "soak", version)]
struct Args {
    /// Bus transactions to check (the last 64-bit access may add one).
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    transactions: u64,
    /// The simulator.
    #[arg(long, default_value = "verilator", value_name = "verilator|iverilog")]
    sim: Simulator,
    /// The bus front end: one, or both in alternating traces.
    #[arg(long, value_enum, default_value_t = BusArg::Both)]
    bus: BusArg,
    /// Seed of the random traces (the same seed gives the same run).
    #[arg(long, default_value = "1", value_parser = verif::trace::parse_number)]
    seed: u64,
    /// At most this many bus transactions per trace.
    #[arg(long, default_value_t = 200_000, value_parser = clap::value_parser!(u64).range(1..))]
    chunk: u64,
    /// ACK mirrors and update handshakes complete through hardware inputs.
    #[arg(long)]
    handshake: bool,
}

/// `--bus`.
#[derive(Copy, Clone, clap::ValueEnum)]
enum BusArg {
    /// AMBA APB4.
    Apb4,
    /// AMBA AXI4-Lite.
    Axi4lite,
    /// Both, alternating per trace.
    Both,
}

impl BusArg {
    fn buses(self) -> &'static [Bus] {
        match self {
            BusArg::Apb4 => &[Bus::Apb4],
            BusArg::Axi4lite => &[Bus::Axi4Lite],
            BusArg::Both => &[Bus::Apb4, Bus::Axi4Lite],
        }
    }
}

/// The bus transactions of each trace: `total` split into traces of at most
/// `chunk`, at least one trace per bus (when `total` allows), as even as possible.
fn plan(total: u64, chunk: u64, buses: usize) -> Vec<u64> {
    let traces = total.div_ceil(chunk).max(buses as u64).min(total);
    let (each, extra) = (total / traces, total % traces);
    (0..traces).map(|i| each + u64::from(i < extra)).collect()
}

/// A random trace of `transactions` bus transactions (or one more, when the last
/// step is a 64-bit access): steps are drawn until the count is reached.
fn random_trace(map: &RegisterMap, header: Header, seed: u64, transactions: u64) -> Trace {
    // Most steps are one bus transaction: draw that many, then top up.
    let mut trace = sample(map, header.clone(), seed, transactions as usize);
    for batch in 1u64.. {
        let mut count = 0u64;
        let end = trace.steps.iter().position(|s| {
            count += u64::from(s.bus_transactions(map));
            count >= transactions
        });
        if let Some(end) = end {
            trace.steps.truncate(end + 1);
            break;
        }
        let more = sample(
            map,
            header.clone(),
            seed ^ (batch << 48),
            (transactions - count) as usize,
        );
        trace.steps.extend(more.steps);
    }
    trace
}

fn main() -> ExitCode {
    let args = Args::parse();
    let map = match verif::regs::map() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::from(2);
        }
    };
    let completion = if args.handshake {
        Completion::Handshake
    } else {
        Completion::Immediate
    };
    let buses = args.bus.buses();
    let t0 = Instant::now();
    let (mut done, mut steps, mut sim_seconds) = (0u64, 0u64, 0f64);
    let plan = plan(args.transactions, args.chunk, buses.len());
    for (chunk, &transactions) in plan.iter().enumerate() {
        let bus = buses[chunk % buses.len()];
        let seed = args.seed.wrapping_mul(0x1_0000).wrapping_add(chunk as u64);
        let header = Header {
            name: Some(format!("soak seed {seed:#x}")),
            completion,
            ..Header::default()
        };
        let trace = random_trace(map, header, seed, transactions);
        let opts = Options::new(args.sim, bus).with_axi_delays(seed);
        let report = match check(&trace, &opts) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("soak: trace {chunk}: {e}");
                return ExitCode::from(2);
            }
        };
        println!("trace {chunk:>3}: {report}");
        if !report.passed() {
            println!("soak: MISMATCH after {done} checked transactions");
            return ExitCode::from(1);
        }
        done += report.transactions as u64;
        steps += report.steps as u64;
        sim_seconds += report.sim_seconds;
    }
    let wall = t0.elapsed().as_secs_f64();
    let on: Vec<_> = buses.iter().map(|b| format!("{b:?}")).collect();
    println!(
        "soak: PASS, {done} bus transactions in {steps} steps ({} traces) on {} / {}, no mismatch; simulator {sim_seconds:.1} s ({:.0} transactions/s), wall {wall:.1} s",
        plan.len(),
        args.sim.name(),
        on.join(" + "),
        done as f64 / sim_seconds.max(1e-9)
    );
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::plan;

    #[test]
    fn the_plan_adds_up_and_gives_every_bus_a_trace() {
        assert_eq!(plan(1_000_000, 200_000, 2), vec![200_000; 5]);
        assert_eq!(plan(100, 200_000, 2), vec![50, 50]);
        assert_eq!(plan(101, 200_000, 1), vec![101]);
        assert_eq!(plan(7, 3, 2), vec![3, 2, 2]);
        assert_eq!(plan(1, 200_000, 2), vec![1]);
    }
}
