//! The long run: random traces through the RTL and the Rust register file until a
//! number of bus transactions has been checked, or the first mismatch.
//!
//! ```sh
//! cargo run -p twinreg-verif --release --bin soak -- --transactions 1000000 --sim verilator
//! ```
//!
//! Options: `--transactions N` (default 1 000 000), `--sim verilator|iverilog`,
//! `--bus apb4|axi4lite|both` (default both, alternating per chunk; AXI with random
//! delays), `--seed S` (default 1), `--chunk STEPS` (steps per trace, default 200 000;
//! each trace starts from reset), `--handshake` (handshake completion). Exit status 0:
//! no mismatch; 1: a mismatch (the report names the step, the kept work directory holds
//! `trace.jsonl` to repeat it with `cosim`); 2: the harness could not run.

use std::process::ExitCode;
use std::time::Instant;

use hdl::verilog::Bus;
use regdef::access::Completion;
use verif::gen::sample;
use verif::trace::Header;
use verif::{check, Options, Simulator};

struct Args {
    transactions: u64,
    sim: Simulator,
    buses: Vec<Bus>,
    seed: u64,
    chunk: usize,
    completion: Completion,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        transactions: 1_000_000,
        sim: Simulator::Verilator,
        buses: vec![Bus::Apb4, Bus::Axi4Lite],
        seed: 1,
        chunk: 200_000,
        completion: Completion::Immediate,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--transactions" => a.transactions = value()?.parse().map_err(|e| format!("--transactions: {e}"))?,
            "--sim" => a.sim = value()?.parse()?,
            "--bus" => {
                a.buses = match value()?.as_str() {
                    "apb4" => vec![Bus::Apb4],
                    "axi4lite" => vec![Bus::Axi4Lite],
                    "both" => vec![Bus::Apb4, Bus::Axi4Lite],
                    b => return Err(format!("unknown bus `{b}` (apb4, axi4lite or both)")),
                }
            }
            "--seed" => a.seed = verif::trace::parse_number(&value()?)?,
            "--chunk" => a.chunk = value()?.parse().map_err(|e| format!("--chunk: {e}"))?,
            "--handshake" => a.completion = Completion::Handshake,
            "-h" | "--help" => {
                return Err("usage: soak [--transactions N] [--sim verilator|iverilog] [--bus apb4|axi4lite|both] [--seed S] [--chunk STEPS] [--handshake]".into())
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if a.chunk == 0 {
        return Err("--chunk must be positive".into());
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::from(2);
        }
    };
    let map = match verif::regs::map() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::from(2);
        }
    };
    let t0 = Instant::now();
    let (mut done, mut steps, mut sim_seconds) = (0u64, 0u64, 0f64);
    let mut chunk = 0u64;
    while done < args.transactions {
        let bus = args.buses[chunk as usize % args.buses.len()];
        let seed = args.seed.wrapping_mul(0x1_0000).wrapping_add(chunk);
        let header = Header {
            name: Some(format!("soak seed {seed:#x}")),
            completion: args.completion,
            ..Header::default()
        };
        let trace = sample(map, header, seed, args.chunk);
        let opts = Options::new(args.sim, bus).with_axi_delays(seed);
        let report = match check(&trace, &opts) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("soak: chunk {chunk}: {e}");
                return ExitCode::from(2);
            }
        };
        println!("chunk {chunk:>3}: {report}");
        if !report.passed() {
            println!("soak: MISMATCH after {done} checked transactions");
            return ExitCode::from(1);
        }
        done += report.transactions as u64;
        steps += report.steps as u64;
        sim_seconds += report.sim_seconds;
        chunk += 1;
    }
    let wall = t0.elapsed().as_secs_f64();
    println!(
        "soak: PASS, {done} bus transactions in {steps} steps ({chunk} traces) on {}, no mismatch; simulator {sim_seconds:.1} s ({:.0} transactions/s), wall {wall:.1} s",
        args.sim.name(),
        done as f64 / sim_seconds.max(1e-9)
    );
    ExitCode::SUCCESS
}
