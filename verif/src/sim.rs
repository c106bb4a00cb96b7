//! Simulators: the testbench of each, cached builds, running and parsing.
//!
//! Both simulators read the same [`Record`]s and do the same thing with them:
//!
//! * drive each bus transaction on the chosen front end (APB3/APB4: setup and access
//!   phases; AXI4-Lite: AW/W/AR valid delays and B/R ready delays from the record,
//!   with a protocol timeout; AHB-Lite: address then data phase, the record's lanes as
//!   HSIZE and `HADDR[1:0]`; Avalon-MM: one command cycle, read data when
//!   `readdatavalid`), each hardware drive for one cycle (`_in` inputs are
//!   held), a reset for one cycle, or a deposit;
//! * OR every strobe output (`swmod`, `swacc`, `singlepulse` values) into an
//!   accumulator in every cycle, sampled before the rising edge;
//! * compare read data (in the record's lanes) at once, and at the end of each trace
//!   step fold the observation vector (every field-value output, then the
//!   accumulated strobes) into the signature of [`crate::record::signature`] and
//!   compare it with the expected one;
//! * print only mismatches (`MISMATCH READ|OBS <record> <step> <got> <expected>`),
//!   protocol problems (`PROTO ...`) and a final `DONE <records> <steps> <cycles>`;
//!   with a dump window, also `OBS <step> <vector>` for each step in it, and a VCD.
//!
//! iverilog runs a generated Verilog testbench (`tb.v`) that loads the records with
//! `$readmemh`, in chunks of [`CHUNK`]; Verilator runs a generated C++ harness compiled
//! with `-O2` against the `-O3` model, which streams them from a binary file. Builds
//! are cached under [`cache_root`] by a hash of the RTL, the testbench, the parameters
//! and the tool's version, so a test run compiles each configuration once.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

use hdl::verilog::ast::Direction;
use hdl::verilog::keywords::legalize;
use hdl::verilog::Bus;

use crate::record::Record;
use crate::rtl::{fnv1a, Deposit, Design, HwWrite};
use crate::Error;

/// Records per `$readmemh` chunk file.
pub const CHUNK: usize = 1 << 16;

/// Cycles a bus transaction may take before the testbench reports a timeout.
const TIMEOUT_CYCLES: u32 = 256;

/// A simulator.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Simulator {
    /// Icarus Verilog (`iverilog` + `vvp`).
    Icarus,
    /// Verilator, with a C++ harness.
    Verilator,
}

impl Simulator {
    /// The program the tests ask `testkit::tool` for, and its version argument.
    pub const fn program(self) -> (&'static str, &'static str) {
        match self {
            Simulator::Icarus => ("iverilog", "-V"),
            Simulator::Verilator => ("verilator", "--version"),
        }
    }

    /// Short name for reports.
    pub const fn name(self) -> &'static str {
        match self {
            Simulator::Icarus => "iverilog",
            Simulator::Verilator => "verilator",
        }
    }
}

impl std::str::FromStr for Simulator {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "iverilog" | "icarus" => Ok(Simulator::Icarus),
            "verilator" => Ok(Simulator::Verilator),
            _ => Err(format!("unknown simulator `{s}` (iverilog or verilator)")),
        }
    }
}

/// What a build must support besides the plain check.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Features {
    /// Restores (Verilator: the flops are made public, which costs speed).
    pub deposit: bool,
    /// VCD output (Verilator: `--trace`).
    pub vcd: bool,
}

/// A built simulation, ready to run.
#[derive(Clone, Debug)]
pub struct Build {
    /// The simulator.
    pub sim: Simulator,
    /// Its directory in the cache.
    pub dir: PathBuf,
    /// Seconds spent building (0 when it came from the cache).
    pub seconds: f64,
    /// Whether it came from the cache.
    pub cached: bool,
    /// Steps that fold the observation vector (its 64-bit chunks).
    pub chunks: usize,
}

/// Where builds are kept: `$TWINREG_VERIF_CACHE`, or `twinreg-verif-cache` in the
/// system's temporary directory.
pub fn cache_root() -> PathBuf {
    std::env::var_os("TWINREG_VERIF_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("twinreg-verif-cache"))
}

fn tool_version(program: &str, arg: &str) -> Result<String, Error> {
    let out = Command::new(program)
        .arg(arg)
        .output()
        .map_err(|e| Error::tool(program, format!("cannot run it: {e} (is it installed?)")))?;
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    Ok(text.lines().next().unwrap_or("").to_string())
}

/// Parameters that differ from the RTL's defaults: name, width, value.
pub type Params = Vec<(String, u32, u64)>;

/// Builds (or finds in the cache) the simulation of `design` with `params`.
pub fn build(
    design: &Design,
    params: &Params,
    sim: Simulator,
    features: Features,
) -> Result<Build, Error> {
    // One build at a time in this process: builds use both cores anyway, and two
    // threads must not build the same configuration twice.
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let (program, arg) = sim.program();
    let version = tool_version(program, arg)?;
    let (bench, name) = match sim {
        Simulator::Icarus => (verilog_testbench(design, params), "tb.v"),
        Simulator::Verilator => (cpp_harness(design, features), "harness.cpp"),
    };
    let param_text = format!("{params:?}");
    let key = fnv1a(&[
        sim.name().as_bytes(),
        version.as_bytes(),
        &design.hash.to_le_bytes(),
        bench.as_bytes(),
        param_text.as_bytes(),
        format!("{features:?}").as_bytes(),
    ]);
    let root = cache_root();
    let dir = root.join(format!("{}-{}-{key:016x}", sim.name(), design.top_name()));
    let chunks = design.obs_bits.div_ceil(64).max(1) as usize;
    if dir.join("ok").exists() {
        return Ok(Build {
            sim,
            dir,
            seconds: 0.0,
            cached: true,
            chunks,
        });
    }
    std::fs::create_dir_all(&root).map_err(|e| Error::io(&root, e))?;
    let tmp = tempfile::Builder::new()
        .prefix("build-")
        .tempdir_in(&root)
        .map_err(|e| Error::io(&root, e))?;
    let t0 = Instant::now();
    let mut sources = Vec::new();
    for f in &design.files {
        let p = tmp.path().join(&f.name);
        std::fs::write(&p, &f.contents).map_err(|e| Error::io(&p, e))?;
        sources.push(p);
    }
    let bench_path = tmp.path().join(name);
    std::fs::write(&bench_path, &bench).map_err(|e| Error::io(&bench_path, e))?;
    match sim {
        Simulator::Icarus => {
            let out = Command::new("iverilog")
                .args(["-g2005", "-o", "sim.vvp", "-s", "tb"])
                .arg(&bench_path)
                .args(&sources)
                .current_dir(tmp.path())
                .output()
                .map_err(|e| Error::tool("iverilog", e.to_string()))?;
            if !out.status.success() {
                return Err(Error::tool(
                    "iverilog",
                    format!(
                        "the testbench did not compile (kept in {}):\n{}{}",
                        tmp.keep().display(),
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    ),
                ));
            }
        }
        Simulator::Verilator => {
            let mut cmd = Command::new("verilator");
            cmd.args([
                "--cc",
                "--exe",
                "--build",
                "-j",
                "2",
                "-O3",
                "--x-assign",
                "fast",
                "--x-initial",
                "fast",
                "--noassert",
                "-Wno-fatal",
                // The model's hot code is built with OPT_FAST (-Os by default).
                "-MAKEFLAGS",
                "OPT_FAST=-O3 OPT_SLOW=-O1",
                "-CFLAGS",
                "-O2 -march=native",
                "--Mdir",
                "obj",
                "-o",
                "sim",
                "--top-module",
            ])
            .arg(design.top_name());
            for (n, w, v) in params {
                cmd.arg(format!("-G{}={w}'h{v:x}", legalize(n)));
            }
            if features.vcd {
                cmd.arg("--trace");
            }
            if features.deposit {
                let vlt = tmp.path().join("public.vlt");
                let mut text = String::from("`verilator_config\n");
                let core = hdl::verilog::core_name(crate::regs::map()?);
                let mut flops: Vec<&str> = design
                    .deposits
                    .iter()
                    .filter_map(|d| match d {
                        Deposit::Flop { flop, .. } => Some(flop.as_str()),
                        Deposit::Wire { .. } => None,
                    })
                    .collect();
                flops.sort_unstable();
                flops.dedup();
                for flop in flops {
                    let _ = writeln!(
                        text,
                        "public_flat_rw -module \"{core}\" -var \"{}\"",
                        legalize(flop)
                    );
                }
                std::fs::write(&vlt, text).map_err(|e| Error::io(&vlt, e))?;
                cmd.arg(&vlt);
            }
            cmd.args(&sources).arg(&bench_path).current_dir(tmp.path());
            let out = cmd
                .output()
                .map_err(|e| Error::tool("verilator", e.to_string()))?;
            if !out.status.success() || !tmp.path().join("obj/sim").exists() {
                let log = String::from_utf8_lossy(&out.stdout).to_string()
                    + &String::from_utf8_lossy(&out.stderr);
                let tail: Vec<&str> = log.lines().rev().take(40).collect();
                return Err(Error::tool(
                    "verilator",
                    format!(
                        "the harness did not build (kept in {}):\n{}",
                        tmp.keep().display(),
                        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                    ),
                ));
            }
        }
    }
    let seconds = t0.elapsed().as_secs_f64();
    let ok = tmp.path().join("ok");
    std::fs::write(&ok, format!("{seconds:.3}\n")).map_err(|e| Error::io(&ok, e))?;
    // Publish atomically; another process may have won the race.
    let tmp_path = tmp.keep();
    if std::fs::rename(&tmp_path, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&tmp_path);
        if !dir.join("ok").exists() {
            return Err(Error::tool(
                sim.name(),
                format!("cannot publish the build to {}", dir.display()),
            ));
        }
    }
    Ok(Build {
        sim,
        dir,
        seconds,
        cached: false,
        chunks,
    })
}

/// What to record besides the check.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Print the observation vector of every step in this range (inclusive).
    pub dump: Option<(u64, u64)>,
    /// Write a VCD of the dump window to this file.
    pub vcd: Option<PathBuf>,
    /// Stop after this many mismatches (0: 8).
    pub max_mismatches: u32,
}

/// A disagreement the simulator reported.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SimMismatch {
    /// A read (`true`) or the step's observation signature.
    pub read: bool,
    /// Record index.
    pub record: u64,
    /// Trace step.
    pub step: u64,
    /// What the RTL showed (read data in lanes, or the signature).
    pub got: u64,
    /// What the Rust register file expected.
    pub expected: u64,
}

/// What a run printed.
#[derive(Clone, Debug, Default)]
pub struct SimOutput {
    /// Mismatches, in order.
    pub mismatches: Vec<SimMismatch>,
    /// Protocol problems.
    pub proto: Vec<String>,
    /// `DONE` counts: records, steps, cycles.
    pub done: Option<(u64, u64, u64)>,
    /// Observation vectors of the dump window, by step.
    pub dumps: BTreeMap<u64, Vec<u64>>,
    /// Wall time of the simulator process.
    pub seconds: f64,
}

/// Writes `records` (followed by an end record) into `work` and runs `build` on them.
pub fn run(
    build: &Build,
    records: &[Record],
    work: &Path,
    opts: &RunOptions,
) -> Result<SimOutput, Error> {
    let end = Record::new(crate::record::Kind::End);
    // The Verilog testbench reads it as a (signed) integer.
    let max = match opts.max_mismatches {
        0 => 8,
        n => n.min(i32::MAX as u32),
    };
    let mut cmd;
    match build.sim {
        Simulator::Icarus => {
            let all: Vec<&Record> = records.iter().chain(std::iter::once(&end)).collect();
            for (i, chunk) in all.chunks(CHUNK).enumerate() {
                let mut text = String::with_capacity(chunk.len() * 81);
                for r in chunk {
                    r.hex_line(&mut text);
                }
                let p = work.join(format!("stim_{i}.hex"));
                std::fs::write(&p, text).map_err(|e| Error::io(&p, e))?;
            }
            cmd = Command::new("vvp");
            cmd.arg("-n").arg(build.dir.join("sim.vvp"));
            cmd.arg(format!("+stim={}/stim_", work.display()));
            cmd.arg(format!("+max={max}"));
            cmd.arg(format!("+records={}", records.len() + 1));
            if let Some((a, b)) = opts.dump {
                cmd.arg(format!("+dump_from={a}"))
                    .arg(format!("+dump_to={b}"));
            }
            if let Some(v) = &opts.vcd {
                cmd.arg(format!("+vcd={}", v.display()));
            }
        }
        Simulator::Verilator => {
            let mut bytes = Vec::with_capacity((records.len() + 1) * 40);
            for r in records.iter().chain(std::iter::once(&end)) {
                r.binary(&mut bytes);
            }
            let p = work.join("stim.bin");
            std::fs::write(&p, bytes).map_err(|e| Error::io(&p, e))?;
            cmd = Command::new(build.dir.join("obj/sim"));
            cmd.arg(&p).arg("--max").arg(max.to_string());
            if let Some((a, b)) = opts.dump {
                cmd.arg("--dump").arg(a.to_string()).arg(b.to_string());
            }
            if let Some(v) = &opts.vcd {
                cmd.arg("--vcd").arg(v);
            }
        }
    }
    let t0 = Instant::now();
    let out = cmd
        .current_dir(work)
        .output()
        .map_err(|e| Error::tool(build.sim.name(), format!("cannot run the simulation: {e}")))?;
    let seconds = t0.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut parsed = parse(&stdout, build.chunks).map_err(|m| {
        Error::tool(
            build.sim.name(),
            format!(
                "{m}\n--- stdout ---\n{stdout}\n--- stderr ---\n{}",
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    })?;
    parsed.seconds = seconds;
    if parsed.done.is_none() {
        return Err(Error::tool(
            build.sim.name(),
            format!(
                "the simulation did not finish (status {}):\n{}{}",
                out.status,
                tail(&stdout, 30),
                tail(&String::from_utf8_lossy(&out.stderr), 30)
            ),
        ));
    }
    Ok(parsed)
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n") + "\n"
}

fn hex(s: &str) -> Result<u64, String> {
    u64::from_str_radix(s, 16).map_err(|_| format!("`{s}` is not hex (an X or Z in the RTL?)"))
}

/// Parses a simulator's output.
pub fn parse(stdout: &str, chunks: usize) -> Result<SimOutput, String> {
    let mut o = SimOutput::default();
    for line in stdout.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.as_slice() {
            ["MISMATCH", kind @ ("READ" | "OBS"), rec, step, got, exp] => {
                o.mismatches.push(SimMismatch {
                    read: *kind == "READ",
                    record: rec.parse().map_err(|_| format!("bad line: {line}"))?,
                    step: step.parse().map_err(|_| format!("bad line: {line}"))?,
                    // An X in the RTL's output prints as `x`: it is a mismatch too.
                    got: hex(got).unwrap_or(u64::MAX),
                    expected: hex(exp)?,
                });
            }
            ["PROTO", ..] => o.proto.push(line.to_string()),
            ["DONE", r, s, c] => {
                let n = |x: &str| x.parse::<u64>().map_err(|_| format!("bad line: {line}"));
                o.done = Some((n(r)?, n(s)?, n(c)?));
            }
            ["OBS", step, vector] => {
                let step: u64 = step.parse().map_err(|_| format!("bad line: {line}"))?;
                // Most significant chunk first, 16 digits each.
                let digits = vector.trim_start_matches("0x");
                if digits.len() != chunks * 16 {
                    return Err(format!(
                        "OBS line of {} digits, expected {}",
                        digits.len(),
                        chunks * 16
                    ));
                }
                let mut v = vec![0u64; chunks];
                for (i, c) in digits.as_bytes().chunks(16).enumerate() {
                    let s = std::str::from_utf8(c).map_err(|e| e.to_string())?;
                    // X bits show as `x`; keep them visible as all-ones.
                    v[chunks - 1 - i] = hex(s).unwrap_or(u64::MAX);
                }
                o.dumps.insert(step, v);
            }
            _ => {}
        }
    }
    Ok(o)
}

// ---------------------------------------------------------------- testbenches

fn range(w: u32) -> String {
    if w == 1 {
        String::new()
    } else {
        format!("[{}:0] ", w - 1)
    }
}

/// The observed value ports and strobe ports, in vector order.
fn obs_split(design: &Design) -> (Vec<&crate::rtl::ObsPort>, Vec<&crate::rtl::ObsPort>) {
    design.obs.iter().partition(|p| !p.kind.is_strobe())
}

/// The Verilog testbench `tb` for iverilog.
pub fn verilog_testbench(design: &Design, params: &Params) -> String {
    let top = &design.top;
    let aw = design.addr_width;
    let (values, strobes) = obs_split(design);
    let value_bits: u32 = values.iter().map(|p| p.width).sum();
    let strobe_bits: u32 = strobes.iter().map(|p| p.width).sum();
    let chunks = design.obs_bits.div_ceil(64).max(1);
    let map = crate::regs::map().ok();
    let mut t = String::new();
    let _ = writeln!(
        t,
        "// Co-simulation testbench generated by twinreg-verif: records in, mismatches out.\n\
         `timescale 1ns/1ps\nmodule tb;\n  localparam CHUNK = {CHUNK};\n  reg clk = 1'b0;\n  reg rst = 1'b1;"
    );
    // Ports: inputs as regs at their idle value, outputs as wires.
    for p in &top.ports {
        if p.name == "clk" || p.name == "rst" {
            continue;
        }
        let n = legalize(&p.name);
        match p.dir {
            Direction::Input => {
                let idle = idle_value(design, &p.name, map);
                let _ = writeln!(t, "  reg {}{n} = {}'h{idle:x};", range(p.width), p.width);
            }
            Direction::Output => {
                let _ = writeln!(t, "  wire {}{n};", range(p.width));
            }
        }
    }
    let ps: Vec<String> = params
        .iter()
        .map(|(n, w, v)| format!(".{}({w}'h{v:x})", legalize(n)))
        .collect();
    let _ = write!(t, "  {} ", legalize(&top.name));
    if !ps.is_empty() {
        let _ = write!(t, "#({}) ", ps.join(", "));
    }
    let conns: Vec<String> = top
        .ports
        .iter()
        .map(|p| format!(".{0}({0})", legalize(&p.name)))
        .collect();
    let _ = writeln!(t, "dut ({});", conns.join(", "));

    // The observation vector: value outputs (first port at bit 0), then the
    // accumulated strobes, padded to whole chunks. It exists only as an expression
    // printed when dumping (`obs_full` below): as a net, every output change would
    // copy the whole vector.
    let cat = |ports: &[&crate::rtl::ObsPort]| -> String {
        ports
            .iter()
            .rev()
            .map(|p| legalize(&p.name).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if strobe_bits > 0 {
        let _ = writeln!(
            t,
            "  wire [{}:0] strobes_now = {{{}}};",
            strobe_bits - 1,
            cat(&strobes)
        );
        let _ = writeln!(
            t,
            "  reg [{}:0] strobe_acc = {strobe_bits}'h0;",
            strobe_bits - 1
        );
    } else {
        let _ = writeln!(
            t,
            "  wire [0:0] strobes_now = 1'b0;\n  reg [0:0] strobe_acc = 1'b0;"
        );
    }
    let pad = chunks * 64 - value_bits - strobe_bits;
    let mut parts = Vec::new();
    if pad > 0 {
        parts.push(format!("{pad}'h0"));
    }
    if strobe_bits > 0 {
        parts.push("strobe_acc".to_string());
    }
    if value_bits > 0 {
        parts.push(cat(&values));
    }
    let obs_full = format!("{{{}}}", parts.join(", "));
    // The observation vector's segments from bit 0: (name, width); `None` is padding.
    let mut segments: Vec<(Option<String>, u32)> = values
        .iter()
        .map(|p| (Some(legalize(&p.name).into_owned()), p.width))
        .collect();
    if strobe_bits > 0 {
        segments.push((Some("strobe_acc".into()), strobe_bits));
    }
    if pad > 0 {
        segments.push((None, pad));
    }
    // Bits [lo, hi] of the observation vector as expressions, least significant first.
    let bits = |lo: u32, hi: u32| -> Vec<String> {
        let mut out = Vec::new();
        let mut at = 0;
        for (name, w) in &segments {
            let (a, b) = (at.max(lo), (at + w - 1).min(hi));
            if a <= b {
                out.push(match name {
                    None => format!("{}'h0", b - a + 1),
                    Some(n) if a == at && b == at + w - 1 => n.clone(),
                    Some(n) if a == b => format!("{n}[{}]", a - at),
                    Some(n) => format!("{n}[{}:{}]", b - at, a - at),
                });
            }
            at += w;
        }
        out
    };
    // The signature as nets, not a function: fold(h, c) = rotl(h, 7) ^ c over the
    // chunks gives XOR over k of rotl(chunk k, 7 * (chunks - 1 - k)); a rotation is
    // wiring, so each rotated chunk is a concatenation of the outputs' bits, and the
    // chunks are XORed as a balanced tree. vvp then re-evaluates, for an output that
    // changed, one 64-bit concatenation and log2(chunks) XORs.
    let mut level: Vec<String> = Vec::new();
    for k in 0..chunks {
        let r = (7 * (chunks - 1 - k)) % 64;
        let lo = k * 64;
        // rotl(c, r) = {c[63-r:0], c[63:64-r]}: least significant first, the top r
        // bits then the rest.
        let mut lsb_first = if r == 0 {
            Vec::new()
        } else {
            bits(lo + 64 - r, lo + 63)
        };
        lsb_first.extend(bits(lo, lo + 63 - r));
        lsb_first.reverse();
        let name = format!("sig_c{k}");
        let _ = writeln!(t, "  wire [63:0] {name} = {{{}}};", lsb_first.join(", "));
        level.push(name);
    }
    let mut depth = 0;
    while level.len() > 1 {
        let mut next = Vec::new();
        for (i, pair) in level.chunks(2).enumerate() {
            match pair {
                [a, b] => {
                    let name = format!("sig_x{depth}_{i}");
                    let _ = writeln!(t, "  wire [63:0] {name} = {a} ^ {b};");
                    next.push(name);
                }
                [a] => next.push(a.clone()),
                _ => unreachable!(),
            }
        }
        level = next;
        depth += 1;
    }
    let _ = writeln!(t, "  wire [63:0] obs_sig = {};", level[0]);
    // Hardware drives.
    let _ = writeln!(t, "  task hw_drive(input [7:0] k, input [15:0] idx, input [63:0] v);\n    begin\n      case (idx)");
    for (i, h) in design.hw.iter().enumerate() {
        let mut arms = Vec::new();
        match &h.write {
            Some(HwWrite::Enabled {
                next,
                enable,
                active_low,
            }) => arms.push(format!(
                "if (k == 8'd3) begin {} = v[{}:0]; {} = 1'b{}; end",
                legalize(next),
                h.width - 1,
                legalize(enable),
                u8::from(!active_low)
            )),
            Some(HwWrite::Continuous { input }) => arms.push(format!(
                "if (k == 8'd3) {} = v[{}:0];",
                legalize(input),
                h.width - 1
            )),
            None => {}
        }
        if let Some(s) = &h.set {
            arms.push(format!("if (k == 8'd4) {} = 1'b1;", legalize(s)));
        }
        if let Some(c) = &h.clr {
            arms.push(format!("if (k == 8'd5) {} = 1'b1;", legalize(c)));
        }
        let _ = writeln!(t, "        16'd{i}: begin {} end", arms.join(" "));
    }
    let _ = writeln!(t, "        default: $display(\"PROTO no hardware input %0d\", idx);\n      endcase\n    end\n  endtask");
    let _ = writeln!(t, "  task hw_release;\n    begin");
    for h in &design.hw {
        if let Some(HwWrite::Enabled {
            enable, active_low, ..
        }) = &h.write
        {
            let _ = writeln!(
                t,
                "      {} = 1'b{};",
                legalize(enable),
                u8::from(*active_low)
            );
        }
        for p in h.set.iter().chain(&h.clr) {
            let _ = writeln!(t, "      {} = 1'b0;", legalize(p));
        }
    }
    let _ = writeln!(t, "    end\n  endtask");
    let _ = writeln!(t, "  task held_reset;\n    begin");
    for h in &design.hw {
        if let Some(HwWrite::Continuous { input }) = &h.write {
            let v = map
                .map(|m| m.field(h.field).reset.unwrap_or(0))
                .unwrap_or(0);
            let _ = writeln!(t, "      {} = {}'h{v:x};", legalize(input), h.width);
        }
    }
    let _ = writeln!(t, "    end\n  endtask");
    let _ = writeln!(
        t,
        "  task deposit(input [15:0] idx, input [63:0] v);\n    begin\n      case (idx)"
    );
    for (i, d) in design.deposits.iter().enumerate() {
        match d {
            Deposit::Flop {
                flop,
                lsb,
                width,
                reg_width,
                ..
            } => {
                // The whole reg, or its bits (a scalar reg takes no select).
                let select = if *lsb == 0 && width == reg_width {
                    String::new()
                } else {
                    format!("[{}:{lsb}]", lsb + width - 1)
                };
                let _ = writeln!(
                    t,
                    "        16'd{i}: dut.{}.{}{select} = v[{}:0];",
                    legalize(&design.core_instance),
                    legalize(flop),
                    width - 1
                );
            }
            Deposit::Wire { hw, .. } => {
                if let Some(HwWrite::Continuous { input }) = &design.hw[*hw].write {
                    let _ = writeln!(
                        t,
                        "        16'd{i}: {} = v[{}:0];",
                        legalize(input),
                        design.hw[*hw].width - 1
                    );
                }
            }
        }
    }
    let _ = writeln!(t, "        default: $display(\"PROTO no deposit %0d\", idx);\n      endcase\n    end\n  endtask");

    // Records and the main loop.
    let _ = writeln!(
        t,
        r#"  reg [319:0] mem [0:CHUNK-1];
  reg [319:0] rec;
  reg [8*1024-1:0] stim, fname, vcd;
  integer chunk, j, nrec, nstep, ncyc, nmis, maxmis, dump_from, dump_to, n, hs, cnt, total, last_word;
  reg [31:0] rd;
  reg [7:0] kind;
  reg done_flag, use_vcd, watch, full;
  task settle; begin #1; strobe_acc = strobe_acc | strobes_now; end endtask
  task tick; begin clk = 1'b1; #1; clk = 1'b0; ncyc = ncyc + 1; end endtask
  task proto(input [8*40-1:0] what); begin $display("PROTO %0d %0d %0s", nrec, nstep, what); end endtask
  task mismatch_read; begin
    if ((rd & rec[191:160]) !== rec[159:128]) begin
      $display("MISMATCH READ %0d %0d %h %h", nrec, nstep, rd & rec[191:160], rec[159:128]);
      nmis = nmis + 1; if (nmis >= maxmis) full = 1;
    end
  end endtask"#
    );
    match design.bus {
        Bus::Apb4 => {
            let _ = writeln!(
                t,
                r#"  task bus_write; begin
    psel = 1'b1; penable = 1'b0; pwrite = 1'b1; paddr = rec[{a}:224]; pwdata = rec[223:192];
    pstrb = rec[251:248]; pprot = {{1'b0, ~rec[252], 1'b0}};
    settle; tick;
    penable = 1'b1; settle; n = 0;
    while (pready !== 1'b1 && n < {to}) begin tick; settle; n = n + 1; end
    if (pready !== 1'b1 || pslverr !== 1'b0) proto("apb write: pready/pslverr");
    tick;
    psel = 1'b0; penable = 1'b0; pwrite = 1'b0;
  end endtask
  task bus_read; begin
    psel = 1'b1; penable = 1'b0; pwrite = 1'b0; paddr = rec[{a}:224]; pstrb = 4'h0;
    pprot = {{1'b0, ~rec[252], 1'b0}};
    settle; tick;
    penable = 1'b1; settle; n = 0;
    while (pready !== 1'b1 && n < {to}) begin tick; settle; n = n + 1; end
    if (pready !== 1'b1 || pslverr !== 1'b0) proto("apb read: pready/pslverr");
    rd = prdata;
    tick;
    psel = 1'b0; penable = 1'b0;
    mismatch_read;
  end endtask
  task bus_idle; begin psel = 1'b0; penable = 1'b0; pwrite = 1'b0; end endtask"#,
                a = 224 + aw - 1,
                to = TIMEOUT_CYCLES
            );
        }
        Bus::Apb3 => {
            let _ = writeln!(
                t,
                r#"  // A write with no byte lanes (refused: undefined size or unaligned) changes nothing
  // on a bus with strobes; APB3 cannot express it, so it is an idle cycle.
  task bus_write; begin
    if (rec[251:248] == 4'h0) begin settle; tick; end else begin
    if (rec[251:248] !== 4'hf) proto("apb3: narrow write");
    psel = 1'b1; penable = 1'b0; pwrite = 1'b1; paddr = rec[{a}:224]; pwdata = rec[223:192];
    psecure = rec[252];
    settle; tick;
    penable = 1'b1; settle;
    if (pready !== 1'b1 || pslverr !== 1'b0) proto("apb3 write: pready/pslverr");
    tick;
    psel = 1'b0; penable = 1'b0; pwrite = 1'b0;
    end
  end endtask
  task bus_read; begin
    psel = 1'b1; penable = 1'b0; pwrite = 1'b0; paddr = rec[{a}:224]; psecure = rec[252];
    settle; tick;
    penable = 1'b1; settle;
    if (pready !== 1'b1 || pslverr !== 1'b0) proto("apb3 read: pready/pslverr");
    rd = prdata;
    tick;
    psel = 1'b0; penable = 1'b0;
    mismatch_read;
  end endtask
  task bus_idle; begin psel = 1'b0; penable = 1'b0; pwrite = 1'b0; end endtask"#,
                a = 224 + aw - 1
            );
        }
        Bus::AhbLite => {
            let _ = writeln!(
                t,
                r#"  reg [2:0] hs_size; reg [1:0] hs_lo;
  // One transfer: address phase, then the data phase until HREADYOUT. One slave, so
  // HREADY is HREADYOUT. The record's byte lanes become HSIZE and HADDR[1:0].
  task ahb_xfer(input wr); begin
    case (wr ? rec[251:248] : 4'hf)
      4'b0001: begin hs_size = 3'd0; hs_lo = 2'd0; end
      4'b0010: begin hs_size = 3'd0; hs_lo = 2'd1; end
      4'b0100: begin hs_size = 3'd0; hs_lo = 2'd2; end
      4'b1000: begin hs_size = 3'd0; hs_lo = 2'd3; end
      4'b0011: begin hs_size = 3'd1; hs_lo = 2'd0; end
      4'b1100: begin hs_size = 3'd1; hs_lo = 2'd2; end
      4'b1111: begin hs_size = 3'd2; hs_lo = 2'd0; end
      default: begin hs_size = 3'd2; hs_lo = 2'd0; proto("ahb: strobes HSIZE cannot make"); end
    endcase
    hsel = 1'b1; htrans = 2'b10; hwrite = wr; haddr = {{rec[{a}:226], hs_lo}}; hsize = hs_size;
    hnonsec = ~rec[252]; hready = 1'b1;
    settle; tick;
    hsel = 1'b0; htrans = 2'b00; hwrite = 1'b0; hwdata = rec[223:192];
    settle; n = 0;
    while (hreadyout !== 1'b1 && n < {to}) begin hready = hreadyout; tick; settle; n = n + 1; end
    hready = hreadyout;
    if (hreadyout !== 1'b1 || hresp !== 1'b0) proto("ahb: hreadyout/hresp");
    rd = hrdata;
    tick;
    hwdata = 32'h0;
  end endtask
  // A write with no byte lanes (refused: undefined size or unaligned) changes nothing
  // on a bus with strobes; HSIZE cannot express it, so it is an idle cycle.
  task bus_write; begin if (rec[251:248] == 4'h0) begin settle; tick; end else ahb_xfer(1'b1); end endtask
  task bus_read; begin ahb_xfer(1'b0); mismatch_read; end endtask
  task bus_idle; begin hsel = 1'b0; htrans = 2'b00; hwrite = 1'b0; hready = 1'b1; end endtask"#,
                a = 224 + aw - 1,
                to = TIMEOUT_CYCLES
            );
        }
        Bus::Avalon => {
            let _ = writeln!(
                t,
                r#"  task bus_write; begin
    avs_write = 1'b1; avs_address = rec[{a}:224]; avs_writedata = rec[223:192];
    avs_byteenable = rec[251:248]; avs_secure = rec[252];
    settle; tick;
    avs_write = 1'b0; avs_byteenable = 4'h0;
  end endtask
  // Pipelined read: READDATAVALID one cycle after the read.
  task bus_read; begin
    avs_read = 1'b1; avs_address = rec[{a}:224]; avs_secure = rec[252];
    settle; tick;
    avs_read = 1'b0; settle;
    if (avs_readdatavalid !== 1'b1) proto("avalon: no readdatavalid");
    rd = avs_readdata;
    mismatch_read;
  end endtask
  task bus_idle; begin avs_read = 1'b0; avs_write = 1'b0; end endtask"#,
                a = 224 + aw - 1
            );
        }
        Bus::Axi4Lite => {
            let _ = writeln!(
                t,
                r#"  integer da, dw, db;
  reg a_done, w_done, b_done, hs_a, hs_w, hs_b;
  task bus_write; begin
    awaddr = rec[{a}:224]; awprot = {{1'b0, ~rec[252], 1'b0}}; wdata = rec[223:192]; wstrb = rec[251:248];
    b_done = 0; n = 0;
    if (rec[291:280] == 12'h0) begin
      // No delays (the common case, kept short): VALIDs up until their handshake,
      // BREADY up throughout.
      awvalid = 1'b1; wvalid = 1'b1; bready = 1'b1;
      while (!b_done) begin
        settle;
        hs_a = awready; hs_w = wready; b_done = bvalid;
        if (b_done && bresp !== 2'b00) proto("axi bresp");
        tick;
        if (hs_a) awvalid = 1'b0; if (hs_w) wvalid = 1'b0;
        n = n + 1; if (n > {to}) begin proto("axi write timeout"); b_done = 1; end
      end
    end else begin
    da = rec[283:280]; dw = rec[287:284]; db = rec[291:288];
    a_done = 0; w_done = 0; cnt = 0;
    while (!b_done) begin
      awvalid = !a_done && da == 0; wvalid = !w_done && dw == 0; bready = (db == 0) || (cnt >= db);
      settle;
      hs_a = awvalid & awready; hs_w = wvalid & wready; hs_b = bvalid & bready;
      if (bvalid && !hs_b) cnt = cnt + 1;
      if (hs_b && bresp !== 2'b00) proto("axi bresp");
      tick;
      if (hs_a) a_done = 1; if (hs_w) w_done = 1; if (hs_b) b_done = 1;
      if (da > 0) da = da - 1; if (dw > 0) dw = dw - 1;
      n = n + 1; if (n > {to}) begin proto("axi write timeout"); b_done = 1; end
    end
    end
    awvalid = 1'b0; wvalid = 1'b0; bready = 1'b0;
  end endtask
  task bus_read; begin
    araddr = rec[{a}:224]; arprot = {{1'b0, ~rec[252], 1'b0}};
    b_done = 0; n = 0;
    if (rec[291:280] == 12'h0) begin
      arvalid = 1'b1; rready = 1'b1;
      while (!b_done) begin
        settle;
        hs_a = arready; b_done = rvalid;
        if (b_done) begin rd = rdata; if (rresp !== 2'b00) proto("axi rresp"); end
        tick;
        if (hs_a) arvalid = 1'b0;
        n = n + 1; if (n > {to}) begin proto("axi read timeout"); b_done = 1; rd = 32'hx; end
      end
    end else begin
    da = rec[283:280]; db = rec[291:288];
    a_done = 0; cnt = 0;
    while (!b_done) begin
      arvalid = !a_done && da == 0; rready = (db == 0) || (cnt >= db);
      settle;
      hs_a = arvalid & arready; hs_b = rvalid & rready;
      if (rvalid && !hs_b) cnt = cnt + 1;
      if (hs_b) begin rd = rdata; if (rresp !== 2'b00) proto("axi rresp"); end
      tick;
      if (hs_a) a_done = 1; if (hs_b) b_done = 1;
      if (da > 0) da = da - 1;
      n = n + 1; if (n > {to}) begin proto("axi read timeout"); b_done = 1; rd = 32'hx; end
    end
    end
    arvalid = 1'b0; rready = 1'b0;
    mismatch_read;
  end endtask
  task bus_idle; begin awvalid = 1'b0; wvalid = 1'b0; bready = 1'b0; arvalid = 1'b0; rready = 1'b0; end endtask"#,
                a = 224 + aw - 1,
                to = TIMEOUT_CYCLES
            );
        }
    }
    let _ = writeln!(
        t,
        r#"  initial begin
    nrec = 0; nstep = 0; ncyc = 0; nmis = 0; done_flag = 0; full = 0;
    if (!$value$plusargs("stim=%s", stim)) begin $display("PROTO no +stim"); $finish; end
    if (!$value$plusargs("max=%d", maxmis)) maxmis = 8;
    if (!$value$plusargs("records=%d", total)) begin $display("PROTO no +records"); $finish; end
    if (!$value$plusargs("dump_from=%d", dump_from)) dump_from = -1;
    if (!$value$plusargs("dump_to=%d", dump_to)) dump_to = -2;
    use_vcd = $value$plusargs("vcd=%s", vcd);
    if (use_vcd) begin $dumpfile(vcd); $dumpvars(0, tb); $dumpoff; end
    // Per step, the dump window is looked at only if there is one.
    watch = use_vcd || dump_from >= 0;
    rst = 1'b1; settle; tick; settle; tick; rst = 1'b0; strobe_acc = 0;
    chunk = 0; j = 0;
    $sformat(fname, "%0s%0d.hex", stim, chunk);
    last_word = total > CHUNK ? CHUNK - 1 : total - 1;
    $readmemh(fname, mem, 0, last_word);
    while (!done_flag) begin
      rec = mem[j];
      kind = rec[263:256];
      if (watch) begin if (use_vcd && nstep == dump_from) $dumpon; end
      case (kind)
        8'd0: done_flag = 1;
        8'd1: bus_write;
        8'd2: bus_read;
        8'd3, 8'd4, 8'd5: begin hw_drive(kind, rec[279:264], rec[127:64]); settle; tick; hw_release; end
        8'd6: begin rst = 1'b1; bus_idle; hw_release; held_reset; settle; tick; rst = 1'b0; end
        // Outputs settle after a clock edge; a deposit or a no-op needs time.
        8'd7: begin deposit(rec[279:264], rec[127:64]); #1; end
        8'd8: #1;
        default: begin proto("bad record"); done_flag = 1; end
      endcase
      if (!done_flag && rec[253]) begin
        if (obs_sig !== rec[63:0]) begin
          $display("MISMATCH OBS %0d %0d %h %h", nrec, nstep, obs_sig, rec[63:0]);
          nmis = nmis + 1; if (nmis >= maxmis) full = 1;
        end
        if (watch) begin
          if (nstep >= dump_from && nstep <= dump_to) $display("OBS %0d %h", nstep, {obs_full});
          if (use_vcd && nstep == dump_to) $dumpoff;
        end
        strobe_acc = 0;
        nstep = nstep + 1;
      end
      if (full) done_flag = 1;
      if (!done_flag) begin
        nrec = nrec + 1; j = j + 1;
        if (j == CHUNK) begin
          chunk = chunk + 1; j = 0;
          $sformat(fname, "%0s%0d.hex", stim, chunk);
          last_word = total - chunk * CHUNK > CHUNK ? CHUNK - 1 : total - chunk * CHUNK - 1;
          $readmemh(fname, mem, 0, last_word);
        end
      end
    end
    $display("DONE %0d %0d %0d", nrec, nstep, ncyc);
    $finish;
  end
endmodule"#
    );
    t
}

/// The idle value of a testbench input: 1 for an active-low enable, the reset value
/// for a held `_in` input, 0 otherwise.
fn idle_value(design: &Design, port: &str, map: Option<&regdef::ir::RegisterMap>) -> u64 {
    for h in &design.hw {
        match &h.write {
            Some(HwWrite::Enabled {
                enable,
                active_low: true,
                ..
            }) if enable == port => return 1,
            Some(HwWrite::Continuous { input }) if input == port => {
                return map
                    .map(|m| m.field(h.field).reset.unwrap_or(0))
                    .unwrap_or(0)
            }
            _ => {}
        }
    }
    0
}

/// The C++ harness for Verilator.
pub fn cpp_harness(design: &Design, features: Features) -> String {
    let top = legalize(&design.top.name).into_owned();
    let (values, strobes) = obs_split(design);
    let strobe_bits: u32 = strobes.iter().map(|p| p.width).sum();
    let chunks = design.obs_bits.div_ceil(64).max(1);
    let strobe_words = strobe_bits.div_ceil(64).max(1);
    let map = crate::regs::map().ok();
    let mut t = String::new();
    let _ = writeln!(
        t,
        "// Co-simulation harness generated by twinreg-verif: records in, mismatches out."
    );
    let _ = writeln!(t, "#include \"V{top}.h\"");
    if features.deposit {
        let _ = writeln!(t, "#include \"V{top}___024root.h\"");
    }
    if features.vcd {
        let _ = writeln!(t, "#include \"verilated_vcd_c.h\"");
    }
    let _ = writeln!(
        t,
        r#"#include "verilated.h"
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

static const int CHUNKS = {chunks};
static const int SW = {strobe_words};
static const unsigned TIMEOUT = {TIMEOUT_CYCLES};
static V{top}* T;
static uint64_t acc[SW];
static uint64_t nrec = 0, nstep = 0, ncyc = 0, nmis = 0, maxmis = 8;
static uint64_t ts = 0;"#
    );
    if features.vcd {
        let _ = writeln!(
            t,
            "static VerilatedVcdC* tfp = nullptr;\nstatic bool dumping = false;"
        );
    }
    let _ = writeln!(
        t,
        r#"static inline void put(uint64_t* v, unsigned off, unsigned w, uint64_t x) {{
  unsigned done = 0;
  while (done < w) {{
    unsigned bit = off + done, i = bit / 64, b = bit % 64;
    unsigned n = 64 - b < w - done ? 64 - b : w - done;
    uint64_t m = n == 64 ? ~0ull : ((1ull << n) - 1);
    v[i] = (v[i] & ~(m << b)) | (((x >> done) & m) << b);
    done += n;
  }}
}}"#
    );
    // Value outputs, packed by straight-line code: offsets are constants, so each
    // port is one or two shifts and ORs into a zeroed vector.
    let pack = |t: &mut String, var: &str, base: u32, port: &str, width: u32| {
        let mut done = 0;
        while done < width {
            let bit = base + done;
            let (i, b) = (bit / 64, bit % 64);
            let n = (64 - b).min(width - done);
            let mask = regdef::access::ones(n);
            let _ = writeln!(
                t,
                "  {var}[{i}] |= (((uint64_t)T->{port} >> {done}) & {mask:#x}ull) << {b};"
            );
            done += n;
        }
    };
    let _ = writeln!(t, "static void obs_values(uint64_t* v) {{");
    for p in &values {
        pack(&mut t, "v", p.offset, &legalize(&p.name), p.width);
    }
    let _ = writeln!(t, "}}");
    let _ = writeln!(t, "static inline void strobes_now(uint64_t* s) {{");
    let _ = writeln!(t, "  for (int i = 0; i < SW; i++) s[i] = 0;");
    let mut off = 0;
    for p in &strobes {
        pack(&mut t, "s", off, &legalize(&p.name), p.width);
        off += p.width;
    }
    let _ = writeln!(t, "}}");
    let value_bits: u32 = values.iter().map(|p| p.width).sum();
    let _ = writeln!(
        t,
        r#"static void observation(uint64_t* v) {{
  memset(v, 0, sizeof(uint64_t) * CHUNKS);
  obs_values(v);
  for (unsigned i = 0; i < {strobe_bits}; i++)
    if ((acc[i / 64] >> (i % 64)) & 1) put(v, {value_bits} + i, 1, 1);
}}
static uint64_t fold(const uint64_t* v) {{
  uint64_t h = 0;
  for (int k = 0; k < CHUNKS; k++) h = ((h << 7) | (h >> 57)) ^ v[k];
  return h;
}}"#
    );
    // Hardware drives.
    let _ = writeln!(
        t,
        "static void hw_drive(unsigned k, unsigned idx, uint64_t v) {{\n  switch (idx) {{"
    );
    for (i, h) in design.hw.iter().enumerate() {
        let mut arms = Vec::new();
        let m = regdef::access::ones(h.width);
        match &h.write {
            Some(HwWrite::Enabled {
                next,
                enable,
                active_low,
            }) => arms.push(format!(
                "if (k == 3) {{ T->{} = v & {m:#x}ull; T->{} = {}; }}",
                legalize(next),
                legalize(enable),
                u8::from(!active_low)
            )),
            Some(HwWrite::Continuous { input }) => arms.push(format!(
                "if (k == 3) T->{} = v & {m:#x}ull;",
                legalize(input)
            )),
            None => {}
        }
        if let Some(s) = &h.set {
            arms.push(format!("if (k == 4) T->{} = 1;", legalize(s)));
        }
        if let Some(c) = &h.clr {
            arms.push(format!("if (k == 5) T->{} = 1;", legalize(c)));
        }
        let _ = writeln!(t, "  case {i}: {} break;", arms.join(" "));
    }
    let _ = writeln!(
        t,
        "  default: printf(\"PROTO no hardware input %u\\n\", idx);\n  }}\n}}"
    );
    let _ = writeln!(t, "static void hw_release() {{");
    for h in &design.hw {
        if let Some(HwWrite::Enabled {
            enable, active_low, ..
        }) = &h.write
        {
            let _ = writeln!(t, "  T->{} = {};", legalize(enable), u8::from(*active_low));
        }
        for p in h.set.iter().chain(&h.clr) {
            let _ = writeln!(t, "  T->{} = 0;", legalize(p));
        }
    }
    let _ = writeln!(t, "}}\nstatic void held_reset() {{");
    for h in &design.hw {
        if let Some(HwWrite::Continuous { input }) = &h.write {
            let v = map
                .map(|m| m.field(h.field).reset.unwrap_or(0))
                .unwrap_or(0);
            let _ = writeln!(t, "  T->{} = {v:#x}ull;", legalize(input));
        }
    }
    let _ = writeln!(
        t,
        "}}\nstatic void deposit(unsigned idx, uint64_t v) {{\n  switch (idx) {{"
    );
    for (i, d) in design.deposits.iter().enumerate() {
        match d {
            Deposit::Flop {
                flop,
                lsb,
                width,
                reg_width,
                ..
            } if features.deposit => {
                let var = format!(
                    "T->rootp->{top}__DOT__{}__DOT__{}",
                    legalize(&design.core_instance),
                    legalize(flop)
                );
                if *reg_width > 64 {
                    // A VlWide: 32-bit words.
                    let _ = writeln!(
                        t,
                        "  case {i}: for (unsigned k = 0; k < {width}; ++k) {{ const unsigned b = {lsb} + k; \
                         const uint32_t m = 1u << (b % 32); if ((v >> k) & 1) {var}[b / 32] |= m; \
                         else {var}[b / 32] &= ~m; }} break;"
                    );
                } else {
                    let mask = regdef::access::ones(*width);
                    let _ = writeln!(
                        t,
                        "  case {i}: {var} = ({var} & ~({mask:#x}ull << {lsb})) | ((v & {mask:#x}ull) << {lsb}); break;"
                    );
                }
            }
            Deposit::Wire { hw, .. } => {
                if let Some(HwWrite::Continuous { input }) = &design.hw[*hw].write {
                    let _ = writeln!(
                        t,
                        "  case {i}: T->{} = v & {:#x}ull; break;",
                        legalize(input),
                        regdef::access::ones(design.hw[*hw].width)
                    );
                }
            }
            Deposit::Flop { .. } => {}
        }
    }
    let _ = writeln!(
        t,
        "  default: printf(\"PROTO %lu %lu deposit %u needs a build with deposits\\n\", (unsigned long)nrec, (unsigned long)nstep, idx);\n  }}\n}}"
    );
    let vcd_dump = if features.vcd {
        "if (tfp && dumping) tfp->dump(ts);"
    } else {
        ""
    };
    let _ = writeln!(
        t,
        r#"static uint64_t snow[SW];
static inline void settle() {{
  T->eval(); {vcd_dump} ts++;
  strobes_now(snow);
  for (int i = 0; i < SW; i++) acc[i] |= snow[i];
}}
static inline void tick() {{
  T->clk = 1; T->eval(); {vcd_dump} ts++;
  T->clk = 0; ncyc++;
}}
// The APB setup phase: PENABLE is low, so no request reaches the core and nothing
// changes at its clock edge. One evaluation then does both the phase and its edge, and
// the strobes sampled after it are the phase's (same inputs, same state). Builds with a
// VCD keep the two evaluations, so the waves show the phase before its edge.
static inline void setup_phase() {{
#if {vcd}
  settle(); tick();
#else
  T->clk = 1; T->eval(); ts++;
  strobes_now(snow);
  for (int i = 0; i < SW; i++) acc[i] |= snow[i];
  T->clk = 0; ncyc++;
#endif
}}
static void proto(const char* what) {{
  printf("PROTO %lu %lu %s\n", (unsigned long)nrec, (unsigned long)nstep, what);
}}
struct Rec {{ uint64_t w[5]; }};
static inline unsigned addr_of(const Rec& r) {{ return (unsigned)((r.w[3] >> 32) & 0xFFFFFF); }}
static inline unsigned prot_of(const Rec& r) {{ return ((r.w[3] >> 60) & 1) ? 0 : 2; }}
static void check_read(const Rec& r, uint32_t rd) {{
  uint32_t mask = (uint32_t)(r.w[2] >> 32), exp = (uint32_t)r.w[2];
  if ((rd & mask) != exp) {{
    printf("MISMATCH READ %lu %lu %08x %08x\n", (unsigned long)nrec, (unsigned long)nstep, rd & mask, exp);
    nmis++;
  }}
}}"#,
        vcd = u8::from(features.vcd)
    );
    match design.bus {
        Bus::Apb4 => {
            let _ = writeln!(
                t,
                r#"static void bus_write(const Rec& r) {{
  T->psel = 1; T->penable = 0; T->pwrite = 1; T->paddr = addr_of(r); T->pwdata = (uint32_t)r.w[3];
  T->pstrb = (r.w[3] >> 56) & 0xF; T->pprot = prot_of(r);
  setup_phase();
  T->penable = 1; settle();
  unsigned n = 0;
  while (T->pready != 1 && n < TIMEOUT) {{ tick(); settle(); n++; }}
  if (T->pready != 1 || T->pslverr != 0) proto("apb write: pready/pslverr");
  tick();
  T->psel = 0; T->penable = 0; T->pwrite = 0;
}}
static void bus_read(const Rec& r) {{
  T->psel = 1; T->penable = 0; T->pwrite = 0; T->paddr = addr_of(r); T->pstrb = 0; T->pprot = prot_of(r);
  setup_phase();
  T->penable = 1; settle();
  unsigned n = 0;
  while (T->pready != 1 && n < TIMEOUT) {{ tick(); settle(); n++; }}
  if (T->pready != 1 || T->pslverr != 0) proto("apb read: pready/pslverr");
  uint32_t rd = T->prdata;
  tick();
  T->psel = 0; T->penable = 0;
  check_read(r, rd);
}}
static void bus_idle() {{ T->psel = 0; T->penable = 0; T->pwrite = 0; }}"#
            );
        }
        Bus::Apb3 => {
            let _ = writeln!(
                t,
                r#"// A write with no byte lanes (refused: undefined size or unaligned) changes nothing
// on a bus with strobes; APB3 cannot express it, so it is an idle cycle.
static void bus_write(const Rec& r) {{
  unsigned strb = (r.w[3] >> 56) & 0xF;
  if (strb == 0) {{ settle(); tick(); return; }}
  if (strb != 0xF) proto("apb3: narrow write");
  T->psel = 1; T->penable = 0; T->pwrite = 1; T->paddr = addr_of(r); T->pwdata = (uint32_t)r.w[3];
  T->psecure = prot_of(r) == 0;
  setup_phase();
  T->penable = 1; settle();
  if (T->pready != 1 || T->pslverr != 0) proto("apb3 write: pready/pslverr");
  tick();
  T->psel = 0; T->penable = 0; T->pwrite = 0;
}}
static void bus_read(const Rec& r) {{
  T->psel = 1; T->penable = 0; T->pwrite = 0; T->paddr = addr_of(r); T->psecure = prot_of(r) == 0;
  setup_phase();
  T->penable = 1; settle();
  if (T->pready != 1 || T->pslverr != 0) proto("apb3 read: pready/pslverr");
  uint32_t rd = T->prdata;
  tick();
  T->psel = 0; T->penable = 0;
  check_read(r, rd);
}}
static void bus_idle() {{ T->psel = 0; T->penable = 0; T->pwrite = 0; }}"#
            );
        }
        Bus::AhbLite => {
            let _ = writeln!(
                t,
                r#"// One transfer: address phase, then the data phase until HREADYOUT (one slave, so
// HREADY is HREADYOUT). The record's byte lanes become HSIZE and HADDR[1:0].
static uint32_t ahb_xfer(const Rec& r, bool wr) {{
  unsigned strb = wr ? (unsigned)((r.w[3] >> 56) & 0xF) : 0xF, size = 2, lo = 0;
  switch (strb) {{
    case 0x1: size = 0; lo = 0; break;
    case 0x2: size = 0; lo = 1; break;
    case 0x4: size = 0; lo = 2; break;
    case 0x8: size = 0; lo = 3; break;
    case 0x3: size = 1; lo = 0; break;
    case 0xC: size = 1; lo = 2; break;
    case 0xF: break;
    default: proto("ahb: strobes HSIZE cannot make");
  }}
  T->hsel = 1; T->htrans = 2; T->hwrite = wr; T->haddr = (addr_of(r) & ~3u) | lo; T->hsize = size;
  T->hnonsec = prot_of(r) != 0; T->hready = 1;
  settle(); tick();
  T->hsel = 0; T->htrans = 0; T->hwrite = 0; T->hwdata = (uint32_t)r.w[3];
  settle();
  unsigned n = 0;
  while (T->hreadyout != 1 && n < TIMEOUT) {{ T->hready = T->hreadyout; tick(); settle(); n++; }}
  T->hready = T->hreadyout;
  if (T->hreadyout != 1 || T->hresp != 0) proto("ahb: hreadyout/hresp");
  uint32_t rd = T->hrdata;
  tick();
  T->hwdata = 0;
  return rd;
}}
// A write with no byte lanes (refused: undefined size or unaligned) changes nothing
// on a bus with strobes; HSIZE cannot express it, so it is an idle cycle.
static void bus_write(const Rec& r) {{
  if (((r.w[3] >> 56) & 0xF) == 0) {{ settle(); tick(); return; }}
  ahb_xfer(r, true);
}}
static void bus_read(const Rec& r) {{ uint32_t rd = ahb_xfer(r, false); check_read(r, rd); }}
static void bus_idle() {{ T->hsel = 0; T->htrans = 0; T->hwrite = 0; T->hready = 1; }}"#
            );
        }
        Bus::Avalon => {
            let _ = writeln!(
                t,
                r#"static void bus_write(const Rec& r) {{
  T->avs_write = 1; T->avs_address = addr_of(r); T->avs_writedata = (uint32_t)r.w[3];
  T->avs_byteenable = (r.w[3] >> 56) & 0xF; T->avs_secure = prot_of(r) == 0;
  settle(); tick();
  T->avs_write = 0; T->avs_byteenable = 0;
}}
// Pipelined read: READDATAVALID one cycle after the read.
static void bus_read(const Rec& r) {{
  T->avs_read = 1; T->avs_address = addr_of(r); T->avs_secure = prot_of(r) == 0;
  settle(); tick();
  T->avs_read = 0; settle();
  if (T->avs_readdatavalid != 1) proto("avalon: no readdatavalid");
  check_read(r, T->avs_readdata);
}}
static void bus_idle() {{ T->avs_read = 0; T->avs_write = 0; }}"#
            );
        }
        Bus::Axi4Lite => {
            let _ = writeln!(
                t,
                r#"static void bus_write(const Rec& r) {{
  unsigned da = (r.w[4] >> 24) & 0xF, dw = (r.w[4] >> 28) & 0xF, db = (r.w[4] >> 32) & 0xF;
  bool a_done = false, w_done = false, b_done = false;
  unsigned n = 0, cnt = 0;
  T->awaddr = addr_of(r); T->awprot = prot_of(r); T->wdata = (uint32_t)r.w[3]; T->wstrb = (r.w[3] >> 56) & 0xF;
  while (!b_done) {{
    T->awvalid = !a_done && da == 0; T->wvalid = !w_done && dw == 0; T->bready = db == 0 || cnt >= db;
    settle();
    bool hs_a = T->awvalid && T->awready, hs_w = T->wvalid && T->wready, hs_b = T->bvalid && T->bready;
    if (T->bvalid && !hs_b) cnt++;
    if (hs_b && T->bresp != 0) proto("axi bresp");
    tick();
    if (hs_a) a_done = true;
    if (hs_w) w_done = true;
    if (hs_b) b_done = true;
    if (da) da--;
    if (dw) dw--;
    if (++n > TIMEOUT) {{ proto("axi write timeout"); b_done = true; }}
  }}
  T->awvalid = 0; T->wvalid = 0; T->bready = 0;
}}
static void bus_read(const Rec& r) {{
  unsigned da = (r.w[4] >> 24) & 0xF, db = (r.w[4] >> 32) & 0xF;
  bool a_done = false, b_done = false;
  unsigned n = 0, cnt = 0;
  uint32_t rd = 0;
  T->araddr = addr_of(r); T->arprot = prot_of(r);
  while (!b_done) {{
    T->arvalid = !a_done && da == 0; T->rready = db == 0 || cnt >= db;
    settle();
    bool hs_a = T->arvalid && T->arready, hs_b = T->rvalid && T->rready;
    if (T->rvalid && !hs_b) cnt++;
    if (hs_b) {{ rd = T->rdata; if (T->rresp != 0) proto("axi rresp"); }}
    tick();
    if (hs_a) a_done = true;
    if (hs_b) b_done = true;
    if (da) da--;
    if (++n > TIMEOUT) {{ proto("axi read timeout"); b_done = true; }}
  }}
  T->arvalid = 0; T->rready = 0;
  check_read(r, rd);
}}
static void bus_idle() {{ T->awvalid = 0; T->wvalid = 0; T->bready = 0; T->arvalid = 0; T->rready = 0; }}"#
            );
        }
    }
    let vcd_open = if features.vcd {
        "if (vcd) { Verilated::traceEverOn(true); tfp = new VerilatedVcdC; T->trace(tfp, 99); tfp->open(vcd); }"
    } else {
        "if (vcd) { printf(\"PROTO this build has no VCD support\\n\"); }"
    };
    let (vcd_on, vcd_off, vcd_close) = if features.vcd {
        (
            "dumping = true;",
            "dumping = false;",
            "if (tfp) tfp->close();",
        )
    } else {
        ("", "", "")
    };
    let _ = writeln!(
        t,
        r#"int main(int argc, char** argv) {{
  if (argc < 2) {{ printf("PROTO usage: sim STIM.bin [--max N] [--dump FROM TO] [--vcd FILE]\n"); return 2; }}
  long long dump_from = -1, dump_to = -2;
  const char* vcd = nullptr;
  for (int i = 2; i < argc; i++) {{
    if (!strcmp(argv[i], "--max") && i + 1 < argc) maxmis = strtoull(argv[++i], nullptr, 10);
    else if (!strcmp(argv[i], "--dump") && i + 2 < argc) {{ dump_from = atoll(argv[++i]); dump_to = atoll(argv[++i]); }}
    else if (!strcmp(argv[i], "--vcd") && i + 1 < argc) vcd = argv[++i];
  }}
  FILE* f = fopen(argv[1], "rb");
  if (!f) {{ printf("PROTO cannot open %s\n", argv[1]); return 2; }}
  const char* empty[] = {{"sim"}};
  Verilated::commandArgs(1, empty);
  T = new V{top};
  {vcd_open}
  T->clk = 0; T->rst = 1;
  hw_release(); held_reset();
  settle(); tick(); settle(); tick();
  T->rst = 0;
  memset(acc, 0, sizeof acc);
  static Rec buf[4096];
  static uint64_t obs[CHUNKS];
  bool done = false;
  while (!done) {{
    size_t got = fread(buf, sizeof(Rec), 4096, f);
    if (got == 0) {{ proto("stimulus ended without an end record"); break; }}
    for (size_t i = 0; i < got && !done; i++) {{
      const Rec& r = buf[i];
      unsigned kind = r.w[4] & 0xFF;
      if ((long long)nstep == dump_from) {{ {vcd_on} }}
      switch (kind) {{
        case 0: done = true; break;
        case 1: bus_write(r); break;
        case 2: bus_read(r); break;
        case 3: case 4: case 5:
          hw_drive(kind, (r.w[4] >> 8) & 0xFFFF, r.w[1]); settle(); tick(); hw_release(); break;
        case 6: T->rst = 1; bus_idle(); hw_release(); held_reset(); settle(); tick(); T->rst = 0; break;
        case 7: deposit((r.w[4] >> 8) & 0xFFFF, r.w[1]); break;
        case 8: break;
        default: proto("bad record"); done = true;
      }}
      if (!done && ((r.w[3] >> 61) & 1)) {{
        // After a clock edge the outputs are current; a deposit needs an evaluation.
        if (kind == 7) T->eval();
        observation(obs);
        uint64_t h = fold(obs);
        if (h != r.w[0]) {{
          printf("MISMATCH OBS %lu %lu %016llx %016llx\n", (unsigned long)nrec, (unsigned long)nstep,
                 (unsigned long long)h, (unsigned long long)r.w[0]);
          nmis++;
        }}
        if ((long long)nstep >= dump_from && (long long)nstep <= dump_to) {{
          printf("OBS %lu ", (unsigned long)nstep);
          for (int k = CHUNKS - 1; k >= 0; k--) printf("%016llx", (unsigned long long)obs[k]);
          printf("\n");
        }}
        if ((long long)nstep == dump_to) {{ {vcd_off} }}
        memset(acc, 0, sizeof acc);
        nstep++;
      }}
      if (nmis >= maxmis) done = true;
      if (!done) nrec++;
    }}
  }}
  printf("DONE %lu %lu %lu\n", (unsigned long)nrec, (unsigned long)nstep, (unsigned long)ncyc);
  {vcd_close}
  T->final();
  delete T;
  fclose(f);
  return 0;
}}"#
    );
    t
}
