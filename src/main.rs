//! `twinreg`: one register definition -> emulator register file, RTL, C header, docs.
//!
//! ```text
//! twinreg check [FILE]          parse and elaborate; diagnostics and a summary
//! twinreg dump  [FILE] [--json] the elaborated register map
//! twinreg generate [FILE] [--out DIR]
//!                               RTL (APB4, AXI4-Lite), C header + self-test, docs
//! twinreg run   SCENARIO.json [--trace OUT.jsonl]
//!                               run a scenario on the SMMUv3 model (JSON Lines out)
//! ```
//!
//! `FILE` defaults to `regdef/smmuv3.rdl`. Each subcommand is one variant of
//! [`Command`] with its own function; shared arguments live in [`Input`].

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use regdef::ir::{RegisterMap, SecSid};

/// The definition used when no file is given, relative to the workspace root.
const DEFAULT_RDL: &str = "regdef/smmuv3.rdl";

#[derive(Parser)]
#[command(
    name = "twinreg",
    version,
    about = "One SystemRDL definition of an Arm SMMUv3 -> emulator register file, RTL, C header and docs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and elaborate a definition; print its diagnostics and a summary.
    Check(Input),
    /// Print the elaborated register map: a table, or JSON with --json.
    Dump {
        #[command(flatten)]
        input: Input,
        /// Print JSON (the shape is documented in regdef/README.md).
        #[arg(long)]
        json: bool,
    },
    /// Generate the RTL (APB4 and AXI4-Lite), the C header and its self-test, and the
    /// register reference (Markdown and HTML). Writes nothing if the definition has
    /// errors.
    Generate {
        #[command(flatten)]
        input: Input,
        /// Directory to write into (created if needed).
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Reset of every flip-flop: synchronous active-high `rst`, or asynchronous
        /// active-low `rst_n`.
        #[arg(long, value_enum, default_value_t = ResetArg::Sync)]
        reset: ResetArg,
        /// When ACK mirrors and update handshakes complete: at once (what the Rust
        /// register file does), or on a hardware handshake input.
        #[arg(long, value_enum, default_value_t = CompletionArg::Immediate)]
        completion: CompletionArg,
        /// Prefix of the C macros [default: the top addrmap's name in upper case].
        #[arg(long)]
        c_prefix: Option<String>,
    },
    /// Run a scenario on the SMMUv3 model, one JSON object per step on stdout
    /// (format: docs/scenarios.md). Exit status 0: every expectation held;
    /// 1: a mismatch; 2: the scenario is invalid or could not run.
    Run {
        /// The scenario file.
        scenario: PathBuf,
        /// Also write the register-level trace (every MMIO access and every
        /// hardware-side register update the model made) as JSON Lines.
        #[arg(long, value_name = "OUT.jsonl")]
        trace: Option<PathBuf>,
    },
}

/// `--reset` of `generate`.
#[derive(Copy, Clone, clap::ValueEnum)]
enum ResetArg {
    /// Synchronous, active high (`rst`).
    Sync,
    /// Asynchronous, active low (`rst_n`).
    Async,
}

/// `--completion` of `generate`.
#[derive(Copy, Clone, clap::ValueEnum)]
enum CompletionArg {
    /// ACKs follow their control fields and update bits clear in the same cycle.
    Immediate,
    /// Hardware completes them through the ACK fields' and update fields' inputs.
    Handshake,
}

/// The definition file a subcommand reads.
#[derive(Args)]
struct Input {
    /// The .rdl file [default: regdef/smmuv3.rdl, from the current directory or else
    /// from the twinreg source tree]
    file: Option<PathBuf>,
}

impl Input {
    /// The file to read: as given, or the default definition.
    fn path(&self) -> PathBuf {
        match &self.file {
            Some(f) => f.clone(),
            None => {
                let here = Path::new(DEFAULT_RDL);
                if here.exists() {
                    here.to_path_buf()
                } else {
                    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/regdef/smmuv3.rdl"))
                        .to_path_buf()
                }
            }
        }
    }

    /// Compiles the file, printing every diagnostic (warnings too) to stderr.
    /// `None` when there were errors.
    fn compile(&self) -> Option<RegisterMap> {
        let path = self.path();
        let name = path.display().to_string();
        let compilation = match std::fs::read_to_string(&path) {
            Ok(text) => regdef::frontend::compile(&name, &text),
            Err(e) => {
                eprintln!("error: cannot read `{name}`: {e}");
                return None;
            }
        };
        if !compilation.diagnostics.is_empty() {
            let color = std::io::stderr().is_terminal();
            eprint!("{}", compilation.diagnostics.render(color));
        }
        compilation.map
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(input) => check(&input),
        Command::Dump { input, json } => dump(&input, json),
        Command::Generate {
            input,
            out,
            reset,
            completion,
            c_prefix,
        } => generate(&input, &out, reset, completion, c_prefix),
        Command::Run { scenario, trace } => return run(&scenario, trace.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn generate(
    input: &Input,
    out: &Path,
    reset: ResetArg,
    completion: CompletionArg,
    c_prefix: Option<String>,
) -> anyhow::Result<ExitCode> {
    let Some(map) = input.compile() else {
        return Ok(ExitCode::FAILURE);
    };
    let options = hdl::GenerateOptions {
        verilog: hdl::verilog::VerilogOptions {
            reset: match reset {
                ResetArg::Sync => hdl::verilog::ResetStyle::SyncHigh,
                ResetArg::Async => hdl::verilog::ResetStyle::AsyncLow,
            },
            completion: match completion {
                CompletionArg::Immediate => regdef::access::Completion::Immediate,
                CompletionArg::Handshake => regdef::access::Completion::Handshake,
            },
            ..Default::default()
        },
        c_header: hdl::c_header::CHeaderOptions { prefix: c_prefix },
    };
    // Every file is generated before any is written, so an error leaves `out` as it was.
    let files = hdl::generate_all(&map, &options).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut report = String::new();
    for file in &files {
        let path = file
            .write_under(out)
            .with_context(|| format!("writing {} under {}", file.path, out.display()))?;
        report.push_str(&format!("{:>9}  {}\n", file.contents.len(), path.display()));
    }
    report.push_str(&format!(
        "{} files from {} ({} registers)\n",
        files.len(),
        input.path().display(),
        map.registers.len()
    ));
    emit(&report)?;
    Ok(ExitCode::SUCCESS)
}

fn run(scenario: &Path, trace: Option<&Path>) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let result = smmu::scenario::run_file(scenario, trace, &mut out);
    if let Err(e) = &result {
        eprintln!("error: {}: {e}", scenario.display());
    }
    // The contract of smmu::scenario::exit_code (0, 1 or 2) fits a u8.
    ExitCode::from(u8::try_from(smmu::scenario::exit_code(&result)).unwrap_or(2))
}

fn check(input: &Input) -> anyhow::Result<ExitCode> {
    let Some(map) = input.compile() else {
        return Ok(ExitCode::FAILURE);
    };
    emit(&summary(&input.path(), &map))?;
    Ok(ExitCode::SUCCESS)
}

fn dump(input: &Input, json: bool) -> anyhow::Result<ExitCode> {
    let Some(map) = input.compile() else {
        return Ok(ExitCode::FAILURE);
    };
    if json {
        let mut text = Vec::with_capacity(1 << 18);
        regdef::dump::write_json(&map, &mut text).context("serialising the map")?;
        text.push(b'\n');
        emit_bytes(&text)?;
    } else {
        emit(&regdef::dump::to_table(&map))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `smmuv3.rdl: ok`, then registers per bank, fields and the address range.
fn summary(path: &Path, map: &RegisterMap) -> String {
    let per_bank: Vec<String> = SecSid::ALL
        .iter()
        .map(|&bank| {
            let n = map.registers.iter().filter(|r| r.security == bank).count();
            format!("{bank} {n}")
        })
        .collect();
    let fields: usize = map.registers.iter().map(|r| r.fields.len()).sum();
    let range = match (map.registers.first(), map.registers.last()) {
        (Some(first), Some(last)) => format!(
            "{:#x}..={:#x}",
            first.address,
            last.address + last.size_bytes() - 1
        ),
        _ => "empty".to_owned(),
    };
    format!(
        "{}: ok\n  top        {}\n  registers  {} ({})\n  layouts    {} ({} banked)\n  fields     {fields}\n  addresses  {range}\n",
        path.display(),
        map.top,
        map.registers.len(),
        per_bank.join(", "),
        map.layouts.len(),
        map.layouts.iter().filter(|l| l.banked).count(),
    )
}

/// Writes to stdout; a closed pipe (`twinreg dump | head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    emit_bytes(text.as_bytes())
}

/// [`emit`] for bytes that are already UTF-8 (serialised JSON).
fn emit_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("writing to stdout"),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = r#"
        enum security_e { nonsecure; secure; };
        property security { type = security_e; component = addrmap | regfile | reg; };
        addrmap demo {
            reg { field {} a; field {} b; } x @ 0x0;
            reg { field {} c; security = security_e::secure; } y @ 0x104;
        };
    "#;

    #[test]
    fn summary_counts_banks_fields_and_the_address_range() {
        let map = regdef::compile_source("demo.rdl", DEMO).expect("demo compiles");
        let s = summary(Path::new("demo.rdl"), &map);
        assert!(s.starts_with("demo.rdl: ok\n"), "{s}");
        assert!(s.contains("registers  2 (Non-secure 1, Secure 1)"), "{s}");
        assert!(s.contains("fields     3"), "{s}");
        assert!(s.contains("addresses  0x0..=0x107"), "{s}");
    }

    #[test]
    fn the_default_definition_is_found_from_anywhere() {
        let input = Input { file: None };
        assert!(input.path().ends_with("regdef/smmuv3.rdl"));
        assert!(input.path().exists());
        let given = Input {
            file: Some(PathBuf::from("x.rdl")),
        };
        assert_eq!(given.path(), PathBuf::from("x.rdl"));
    }

    #[test]
    fn the_command_line_parses() {
        let cli = Cli::try_parse_from(["twinreg", "dump", "a.rdl", "--json"]).expect("parses");
        assert!(
            matches!(cli.command, Command::Dump { json: true, input } if input.file == Some(PathBuf::from("a.rdl")))
        );
        let cli = Cli::try_parse_from(["twinreg", "check"]).expect("parses");
        assert!(matches!(cli.command, Command::Check(Input { file: None })));
        assert!(Cli::try_parse_from(["twinreg", "frobnicate"]).is_err());
    }
}
