//! The check: one trace through both twins, and the report.
//!
//! [`check`] runs the trace on the Rust register file ([`Twin`]), which yields the
//! records and expectations; builds (or takes from the cache) the simulation of the
//! RTL for the options' bus and simulator; and runs it. On a disagreement it runs the
//! simulation again with a dump window around the first mismatching step, to name the
//! outputs that differ and to write a VCD, and keeps the work directory.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use hdl::verilog::Bus;
use regdef::access::Completion;
use regdef::ir::RegisterMap;

use crate::mutate::Mutation;
use crate::record::{get_bits, Kind, Record};
use crate::rtl::{Design, ObsKind};
pub use crate::sim::Simulator;
use crate::sim::{Features, Params, RunOptions, SimMismatch};
use crate::trace::{short_path, Compact, Step, Trace};
use crate::twin::{impl_values, StepResult, Twin};
use crate::Error;

/// How to run a check.
#[derive(Clone, Debug)]
pub struct Options {
    /// The simulator.
    pub sim: Simulator,
    /// The bus front end.
    pub bus: Bus,
    /// AXI4-Lite only: random VALID and READY delays (0 to 15 cycles) from this seed;
    /// `None` drives every channel without delay.
    pub axi_delays: Option<u64>,
    /// Flip a rule in the RTL first (mutation tests).
    pub mutation: Option<Mutation>,
    /// Steps of context shown before a mismatch.
    pub context: usize,
    /// Keep the work directory even when the check passes.
    pub keep_work: bool,
}

impl Options {
    /// `sim` on `bus`, no delays, no mutation, 5 steps of context.
    pub fn new(sim: Simulator, bus: Bus) -> Options {
        Options {
            sim,
            bus,
            axi_delays: None,
            mutation: None,
            context: 5,
            keep_work: false,
        }
    }

    /// With random AXI delays from `seed`.
    pub fn with_axi_delays(mut self, seed: u64) -> Options {
        self.axi_delays = Some(seed);
        self
    }

    /// With a mutation of the RTL.
    pub fn with_mutation(mut self, m: Mutation) -> Options {
        self.mutation = Some(m);
        self
    }
}

/// The result of a check.
#[derive(Debug)]
pub struct Report {
    /// The trace's name.
    pub name: String,
    /// Simulator.
    pub sim: Simulator,
    /// Bus.
    pub bus: Bus,
    /// Trace steps.
    pub steps: usize,
    /// Bus transactions driven (a 64-bit access is two).
    pub transactions: usize,
    /// Clock cycles simulated.
    pub cycles: u64,
    /// Seconds spent building the simulation (0 if cached).
    pub build_seconds: f64,
    /// Whether the build came from the cache.
    pub build_cached: bool,
    /// Wall time of the simulator process.
    pub sim_seconds: f64,
    /// Time spent in the Rust twin and writing the records.
    pub twin_seconds: f64,
    /// Pass or the first disagreement.
    pub outcome: Outcome,
    /// The work directory, if kept.
    pub work_dir: Option<PathBuf>,
}

impl Report {
    /// Whether both twins agreed everywhere.
    pub fn passed(&self) -> bool {
        matches!(self.outcome, Outcome::Pass)
    }

    /// The mismatch, if any.
    pub fn mismatch(&self) -> Option<&Mismatch> {
        match &self.outcome {
            Outcome::Pass => None,
            Outcome::Mismatch(m) => Some(m),
        }
    }

    /// Panics with the report unless the check passed (for tests).
    #[track_caller]
    pub fn assert_passed(&self) {
        if let Outcome::Mismatch(m) = &self.outcome {
            panic!("{}: {} on {:?}\n{m}", self.name, self.sim.name(), self.bus);
        }
    }

    /// Bus transactions per second of simulator time.
    pub fn transactions_per_second(&self) -> f64 {
        self.transactions as f64 / self.sim_seconds.max(1e-9)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} steps, {} bus transactions, {} cycles on {} / {:?}: {} (build {:.2} s{}, sim {:.3} s, {:.0} transactions/s; twin {:.3} s)",
            self.name,
            self.steps,
            self.transactions,
            self.cycles,
            self.sim.name(),
            self.bus,
            if self.passed() { "pass" } else { "MISMATCH" },
            self.build_seconds,
            if self.build_cached { ", cached" } else { "" },
            self.sim_seconds,
            self.transactions_per_second(),
            self.twin_seconds
        )?;
        if let Outcome::Mismatch(m) = &self.outcome {
            write!(f, "\n{m}")?;
        }
        Ok(())
    }
}

/// Pass, or what differed first.
#[derive(Debug)]
pub enum Outcome {
    /// Every read and every observation agreed.
    Pass,
    /// The first disagreement.
    Mismatch(Box<Mismatch>),
}

/// The first disagreement, located.
#[derive(Debug)]
pub struct Mismatch {
    /// Trace step.
    pub step: usize,
    /// What differed.
    pub kind: MismatchKind,
    /// The step and the ones before it, in compact form.
    pub context: Vec<String>,
    /// How many mismatches the simulator reported before it stopped.
    pub reported: usize,
    /// The VCD of the RTL around the step.
    pub vcd: Option<PathBuf>,
    /// The work directory (stimulus, VCD), kept.
    pub work_dir: Option<PathBuf>,
    /// The mutation the RTL carried, if any.
    pub mutation: Option<String>,
}

/// One field that differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDiff {
    /// `<register path>.<field>` and, for strobes, `:swmod` / `:swacc` / `:pulse`.
    pub what: String,
    /// The RTL port, if it is an output.
    pub port: Option<String>,
    /// The Rust register file's value.
    pub rust: u64,
    /// The RTL's value.
    pub rtl: u64,
}

/// What differed.
#[derive(Debug)]
pub enum MismatchKind {
    /// Read data.
    Read {
        /// The register read, if any.
        register: Option<String>,
        /// Byte address of the bus word.
        addr: u32,
        /// What the Rust register file returned (in the word's lanes).
        rust: u32,
        /// What the RTL returned.
        rtl: u32,
        /// The fields whose bits differ.
        fields: Vec<FieldDiff>,
    },
    /// Field-value outputs or strobes after the step.
    Outputs {
        /// The outputs that differ.
        diffs: Vec<FieldDiff>,
    },
    /// A read whose recorded value (the SMMU model's) differs from the Rust register
    /// file's.
    Model {
        /// The recorded value.
        recorded: u64,
        /// The Rust register file's.
        rust: u64,
    },
    /// The testbench saw a bus-protocol problem.
    Protocol(Vec<String>),
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "twin mismatch at step {}:", self.step)?;
        if let Some(m) = &self.mutation {
            writeln!(f, "  (RTL mutated: {m})")?;
        }
        let row = |f: &mut fmt::Formatter<'_>, d: &FieldDiff| {
            writeln!(
                f,
                "    {:<40} rust {:#x}  rtl {:#x}{}",
                d.what,
                d.rust,
                d.rtl,
                d.port
                    .as_ref()
                    .map(|p| format!("  (port {p})"))
                    .unwrap_or_default()
            )
        };
        match &self.kind {
            MismatchKind::Read {
                register,
                addr,
                rust,
                rtl,
                fields,
            } => {
                writeln!(
                    f,
                    "  read of {} (word {addr:#x}): rust {rust:#010x}, rtl {rtl:#010x}",
                    register.as_deref().unwrap_or("an undefined offset")
                )?;
                for d in fields {
                    row(f, d)?;
                }
            }
            MismatchKind::Outputs { diffs } => {
                if diffs.is_empty() {
                    writeln!(
                        f,
                        "  the output signature differs, but the dump re-run showed no differing port"
                    )?;
                } else {
                    writeln!(f, "  outputs after the step:")?;
                    for d in diffs {
                        row(f, d)?;
                    }
                }
            }
            MismatchKind::Model { recorded, rust } => writeln!(
                f,
                "  the SMMU model recorded {recorded:#x} for this read; the Rust register file returns {rust:#x}"
            )?,
            MismatchKind::Protocol(lines) => {
                writeln!(f, "  bus protocol:")?;
                for l in lines {
                    writeln!(f, "    {l}")?;
                }
            }
        }
        writeln!(f, "  context:")?;
        for c in &self.context {
            writeln!(f, "    {c}")?;
        }
        if self.reported > 1 {
            writeln!(
                f,
                "  ({} mismatches reported before the simulator stopped)",
                self.reported
            )?;
        }
        if let Some(v) = &self.vcd {
            writeln!(f, "  VCD of the RTL run: {}", v.display())?;
        }
        if let Some(w) = &self.work_dir {
            writeln!(f, "  work directory (kept): {}", w.display())?;
        }
        Ok(())
    }
}

/// A small deterministic generator for AXI delays (xorshift64*).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// From a seed (0 is replaced).
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// AXI delays: half of them 0, most short, some the maximum of 15.
    pub fn delays(&mut self) -> [u8; 3] {
        let mut d = [0; 3];
        for x in &mut d {
            let r = self.next_u64() >> 60;
            *x = match r {
                0..=7 => 0,
                8..=13 => (r - 7) as u8,
                _ => 15,
            };
        }
        d
    }
}

/// Designs are generated once per process and configuration.
fn design(
    map: &RegisterMap,
    bus: Bus,
    completion: Completion,
    mutation: Option<&Mutation>,
) -> Result<Arc<Design>, Error> {
    type Key = (Bus, String, Option<String>);
    static DESIGNS: Mutex<Option<HashMap<Key, Arc<Design>>>> = Mutex::new(None);
    let key = (
        bus,
        format!("{completion:?}"),
        mutation.map(|m| m.to_string()),
    );
    if let Some(d) = DESIGNS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashMap::new)
        .get(&key)
    {
        return Ok(d.clone());
    }
    let d = Arc::new(Design::generate(map, bus, completion, mutation)?);
    DESIGNS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashMap::new)
        .insert(key, d.clone());
    Ok(d)
}

/// Parameters of `trace`'s instance that differ from the RTL's defaults.
pub fn params(map: &RegisterMap, design: &Design, trace: &Trace) -> Result<Params, Error> {
    let mut out = Vec::new();
    for (f, v) in impl_values(map, &trace.header)? {
        if map.field(f).reset.unwrap_or(0) == v {
            continue;
        }
        let name = design
            .impl_params
            .get(&f)
            .ok_or_else(|| Error::Rtl(format!("no parameter for {}", map.field_path(f))))?;
        let width = design.param_width(name).unwrap_or(map.field(f).width());
        out.push((name.clone(), width, v));
    }
    Ok(out)
}

/// A trace as the Rust twin ran it.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The records for the testbench.
    pub records: Vec<Record>,
    /// What each step did on the Rust side.
    pub results: Vec<StepResult>,
    /// Index of the first record of each step.
    pub starts: Vec<usize>,
}

/// The records and step results of `trace` on the Rust twin.
pub fn plan(
    map: &'static RegisterMap,
    design: &Design,
    trace: &Trace,
    axi_delays: Option<u64>,
) -> Result<Plan, Error> {
    let mut twin = Twin::new(map, design, &trace.header)?;
    let mut records = Vec::with_capacity(trace.steps.len() + trace.steps.len() / 8);
    let mut results = Vec::with_capacity(trace.steps.len());
    // First record of each step.
    let mut starts = Vec::with_capacity(trace.steps.len());
    let mut rng = axi_delays.map(Rng::new);
    let mut delays = || rng.as_mut().map(Rng::delays).unwrap_or([0; 3]);
    for (i, s) in trace.steps.iter().enumerate() {
        starts.push(records.len());
        results.push(twin.step(i, s, &mut records, &mut delays)?);
    }
    Ok(Plan {
        records,
        results,
        starts,
    })
}

/// The value each read step of `trace` returns on the Rust register file (`None`
/// for other steps): what snapshots record.
pub fn twin_reads(trace: &Trace) -> Result<Vec<Option<u64>>, Error> {
    let map = crate::regs::map()?;
    let design = design(map, Bus::Apb4, trace.header.completion, None)?;
    let p = plan(map, &design, trace, None)?;
    Ok(p.results.into_iter().map(|r| r.read).collect())
}

/// `trace` with every aligned byte or halfword write (the narrow writes both twins
/// take; an unaligned one stays, refused) made a write of the whole word, the other
/// bytes 0: APB3 has no PSTRB, so a narrow write cannot be driven, and both twins
/// then run the widened write.
pub fn widen_narrow_writes(trace: &Trace) -> Trace {
    let mut t = trace.clone();
    for step in &mut t.steps {
        if let Step::Write {
            offset, size, data, ..
        } = step
        {
            let lane = offset.0 & 3;
            if matches!(*size, 1 | 2) && offset.0.is_multiple_of(u64::from(*size)) {
                let bits = 8 * *size;
                data.0 = (data.0 & ((1u64 << bits) - 1)) << (8 * lane);
                offset.0 -= lane;
                *size = 4;
            }
        }
    }
    t
}

/// Runs `trace` on the Rust register file and on the RTL, and compares them after
/// every step (on APB3, after [`widen_narrow_writes`]).
pub fn check(trace: &Trace, opts: &Options) -> Result<Report, Error> {
    let widened;
    let trace = if opts.bus == Bus::Apb3 {
        widened = widen_narrow_writes(trace);
        &widened
    } else {
        trace
    };
    let map = crate::regs::map()?;
    let design = design(
        map,
        opts.bus,
        trace.header.completion,
        opts.mutation.as_ref(),
    )?;
    let params = params(map, &design, trace)?;
    let t0 = Instant::now();
    let delays = if opts.bus == Bus::Axi4Lite {
        opts.axi_delays
    } else {
        None
    };
    let Plan {
        records, results, ..
    } = plan(map, &design, trace, delays)?;
    let twin_seconds = t0.elapsed().as_secs_f64();
    let features = Features {
        deposit: trace
            .steps
            .iter()
            .any(|s| matches!(s, Step::Restore { .. })),
        vcd: false,
    };
    let build = crate::sim::build(&design, &params, opts.sim, features)?;
    let work = tempfile::Builder::new()
        .prefix("twinreg-verif-")
        .tempdir()
        .map_err(|e| Error::io(&std::env::temp_dir(), e))?;
    let t1 = Instant::now();
    let out = crate::sim::run(&build, &records, work.path(), &RunOptions::default())?;
    let twin_seconds = twin_seconds + (t1.elapsed().as_secs_f64() - out.seconds).max(0.0);
    let transactions = records
        .iter()
        .filter(|r| matches!(r.kind, Kind::Write | Kind::Read))
        .count();
    let mut report = Report {
        name: trace.header.name.clone().unwrap_or_else(|| "trace".into()),
        sim: opts.sim,
        bus: opts.bus,
        steps: trace.steps.len(),
        transactions,
        cycles: out.done.map(|d| d.2).unwrap_or(0),
        build_seconds: build.seconds,
        build_cached: build.cached,
        sim_seconds: out.seconds,
        twin_seconds,
        outcome: Outcome::Pass,
        work_dir: None,
    };
    let model = results.iter().position(|r| r.model_disagrees.is_some());
    let first_sim = out.mismatches.first().copied();
    let proto_step = out.proto.first().and_then(|l| {
        l.split_whitespace()
            .nth(2)
            .and_then(|s| s.parse::<usize>().ok())
    });
    // The earliest of: a model disagreement, a simulator mismatch, a protocol error.
    let sim_step = first_sim.map(|m| m.step as usize);
    let earliest = [
        model,
        sim_step,
        proto_step.or(if out.proto.is_empty() { None } else { Some(0) }),
    ]
    .into_iter()
    .flatten()
    .min();
    let Some(step) = earliest else {
        if opts.keep_work {
            report.work_dir = Some(work.keep());
        }
        return Ok(report);
    };
    let context = context_lines(map, trace, &results, step, opts.context);
    let kind = if model == Some(step) {
        let r = &results[step];
        MismatchKind::Model {
            recorded: r.model_disagrees.unwrap_or(0),
            rust: r.read.unwrap_or(0),
        }
    } else if !out.proto.is_empty() && proto_step.unwrap_or(0) <= sim_step.unwrap_or(usize::MAX) {
        MismatchKind::Protocol(out.proto.iter().take(5).cloned().collect())
    } else if let Some(m) = first_sim.filter(|m| m.read) {
        read_mismatch(map, &records, m)
    } else {
        MismatchKind::Outputs { diffs: Vec::new() }
    };
    // Re-run with a dump window and a VCD to name the outputs and show the waves.
    let from = step.saturating_sub(opts.context) as u64;
    let vcd = work.path().join("rtl.vcd");
    let mut vcd_ok = None;
    let mut kind = kind;
    let dump_build = match opts.sim {
        Simulator::Icarus => Ok(build.clone()),
        Simulator::Verilator => crate::sim::build(
            &design,
            &params,
            opts.sim,
            Features {
                vcd: true,
                ..features
            },
        ),
    };
    if let Ok(b) = dump_build {
        let rerun = crate::sim::run(
            &b,
            &records,
            work.path(),
            &RunOptions {
                dump: Some((from, step as u64)),
                vcd: Some(vcd.clone()),
                max_mismatches: u32::MAX,
            },
        );
        if let Ok(dumped) = rerun {
            if vcd.exists() {
                vcd_ok = Some(vcd.clone());
            }
            if let MismatchKind::Outputs { diffs } = &mut kind {
                if let Some(rtl) = dumped.dumps.get(&(step as u64)) {
                    let rust = twin_observation(map, &design, trace, step, delays)?;
                    *diffs = output_diffs(map, &design, &rust, rtl);
                }
            }
        }
    }
    // The trace itself, so the run can be repeated: `cosim <dir>/trace.jsonl`.
    let _ = trace.save(&work.path().join("trace.jsonl"));
    let work_dir = work.keep();
    report.work_dir = Some(work_dir.clone());
    report.outcome = Outcome::Mismatch(Box::new(Mismatch {
        step,
        kind,
        context,
        reported: out.mismatches.len(),
        vcd: vcd_ok,
        work_dir: Some(work_dir),
        mutation: design.mutation.clone(),
    }));
    Ok(report)
}

/// The Rust twin's observation vector after step `step`.
fn twin_observation(
    map: &'static RegisterMap,
    design: &Design,
    trace: &Trace,
    step: usize,
    axi_delays: Option<u64>,
) -> Result<Vec<u64>, Error> {
    let mut twin = Twin::new(map, design, &trace.header)?;
    let mut rng = axi_delays.map(Rng::new);
    let mut delays = || rng.as_mut().map(Rng::delays).unwrap_or([0; 3]);
    let mut sink = Vec::new();
    for (i, s) in trace.steps.iter().enumerate().take(step + 1) {
        sink.clear();
        twin.step(i, s, &mut sink, &mut delays)?;
    }
    Ok(twin.observation())
}

/// Every observed port whose bits differ.
pub fn output_diffs(
    map: &RegisterMap,
    design: &Design,
    rust: &[u64],
    rtl: &[u64],
) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    for p in &design.obs {
        let (a, b) = (
            get_bits(rust, p.offset, p.width),
            get_bits(rtl, p.offset, p.width),
        );
        if a != b {
            let f = p.kind.field();
            let suffix = match p.kind {
                ObsKind::Value(_) => "",
                ObsKind::Swmod(_) => ":swmod",
                ObsKind::Swacc(_) => ":swacc",
                ObsKind::Pulse(_) => ":pulse",
            };
            out.push(FieldDiff {
                what: format!("{}{suffix}", short_path(map, &map.field_path(f))),
                port: Some(p.name.clone()),
                rust: a,
                rtl: b,
            });
        }
    }
    out
}

fn read_mismatch(map: &RegisterMap, records: &[Record], m: SimMismatch) -> MismatchKind {
    let r = records
        .get(m.record as usize)
        .copied()
        .unwrap_or(Record::new(Kind::Read));
    let addr = r.addr;
    let reg = map.at(u64::from(addr)).map(|id| map.reg(id));
    let mut fields = Vec::new();
    if let Some(reg) = reg {
        // The word's bit position within the register.
        let base = (u64::from(addr) - reg.address) * 8;
        for f in &reg.fields {
            let lo = u64::from(f.lsb).max(base);
            let hi = u64::from(f.msb).min(base + 31);
            if lo > hi {
                continue;
            }
            let w = (hi - lo + 1) as u32;
            let sh = (lo - base) as u32;
            let a = (u64::from(m.expected as u32) >> sh) & regdef::access::ones(w);
            let b = (u64::from(m.got as u32) >> sh) & regdef::access::ones(w);
            if a != b {
                fields.push(FieldDiff {
                    what: format!("{}.{}", short_path(map, &reg.path), f.name),
                    port: None,
                    rust: a,
                    rtl: b,
                });
            }
        }
    }
    MismatchKind::Read {
        register: reg.map(|r| short_path(map, &r.path).to_string()),
        addr,
        rust: m.expected as u32,
        rtl: m.got as u32,
        fields,
    }
}

fn context_lines(
    map: &RegisterMap,
    trace: &Trace,
    results: &[StepResult],
    step: usize,
    n: usize,
) -> Vec<String> {
    let from = step.saturating_sub(n);
    (from..=step.min(trace.steps.len().saturating_sub(1)))
        .map(|i| {
            let c = Compact {
                map,
                step: &trace.steps[i],
                read: results.get(i).and_then(|r| r.read),
            };
            format!("{}{i:>7}  {c}", if i == step { "> " } else { "  " })
        })
        .collect()
}

/// The trace in compact form with the Rust register file's read values: one line per
/// step (what the scenario snapshots hold).
pub fn compact(trace: &Trace) -> Result<String, Error> {
    let map = crate::regs::map()?;
    let reads = twin_reads(trace)?;
    let mut out = String::new();
    for (i, (s, r)) in trace.steps.iter().zip(reads).enumerate() {
        use std::fmt::Write as _;
        let _ = writeln!(
            out,
            "{i:>4}  {}",
            Compact {
                map,
                step: s,
                read: r
            }
        );
    }
    Ok(out)
}

/// Counts of each kind of step, for summaries.
pub fn step_mix(trace: &Trace) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for s in &trace.steps {
        let k = match s {
            Step::Write { .. } => "write",
            Step::Read { .. } => "read",
            Step::Hw { .. } => "hw",
            Step::Reset => "reset",
            Step::Restore { .. } => "restore",
        };
        *m.entry(k).or_insert(0) += 1;
    }
    m
}
