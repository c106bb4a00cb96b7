//! `twinreg`: one register definition -> emulator register file, RTL, C header, docs.
//!
//! ```text
//! twinreg check [FILE]...       parse and elaborate; diagnostics and a summary
//! twinreg dump  [FILE]... [--json] the elaborated register map
//! twinreg generate [FILE]... [--out DIR] [--bus apb3,apb4,axi4lite,ahblite,avalon|all]
//!                  [--bus-errors raz-wi|error]
//!                               RTL (default APB4, AXI4-Lite), C header + self-test, docs
//! twinreg run   SCENARIO.json [--trace OUT.jsonl]
//!                               run a scenario on the SMMUv3 model (JSON Lines out)
//! ```
//!
//! `FILE` defaults to `regdef/smmuv3.rdl`; several files compile in order into one
//! root scope, with `-I DIR`, `-D NAME[=VALUE]`, `--top NAME` and `-P NAME=VALUE`
//! as in peakrdl. Each subcommand is one variant of
//! [`Command`] with its own function; shared arguments live in [`Input`].

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use regdef::ir::{RegisterMap, SecSid};

#[global_allocator]
static ALLOC: arena::Arena = arena::Arena;

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
    /// Generate the RTL (APB4 and AXI4-Lite unless --bus says otherwise), the C header and its self-test, and the
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
        /// Bus front ends to write, comma separated: apb3, apb4, axi4lite, ahblite,
        /// avalon, or all (one adapter and one top level each).
        #[arg(long, value_name = "BUS,...", value_delimiter = ',', value_parser = parse_bus,
              default_value = "apb4,axi4lite")]
        bus: Vec<Vec<hdl::verilog::Bus>>,
        /// Response to unmapped and forbidden (Secure-only from Non-secure) accesses:
        /// RAZ/WI with an OKAY response, or RAZ/WI with the bus's error response
        /// (PSLVERR, SLVERR, HRESP=ERROR, Avalon SLVERROR).
        #[arg(long, value_enum, default_value_t = BusErrorsArg::RazWi)]
        bus_errors: BusErrorsArg,
    },
    /// Run a scenario on the SMMUv3 model, one JSON object per step on stdout and
    /// a one-line summary (steps, checks, mismatches) on stderr (format:
    /// docs/scenarios.md). Exit status 0: every expectation held;
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

/// `--bus-errors` of `generate`.
#[derive(Copy, Clone, clap::ValueEnum)]
enum BusErrorsArg {
    /// Read as zero, writes ignored, OKAY response.
    RazWi,
    /// Read as zero, writes ignored, error response.
    Error,
}

/// One `--bus` name: a bus, or `all`.
fn parse_bus(s: &str) -> Result<Vec<hdl::verilog::Bus>, String> {
    if s == "all" {
        return Ok(hdl::verilog::Bus::ALL.to_vec());
    }
    s.parse().map(|b| vec![b])
}

/// `--completion` of `generate`.
#[derive(Copy, Clone, clap::ValueEnum)]
enum CompletionArg {
    /// ACKs follow their control fields and update bits clear in the same cycle.
    Immediate,
    /// Hardware completes them through the ACK fields' and update fields' inputs.
    Handshake,
}

/// The definition files a subcommand reads, and how to compile them.
#[derive(Args, Default)]
struct Input {
    /// The .rdl files, compiled in order into one root scope [default:
    /// regdef/smmuv3.rdl, from the current directory or else from the twinreg
    /// source tree]
    files: Vec<PathBuf>,
    /// A directory to search for `include files, before the including file's folder
    /// (repeatable; searched in order).
    #[arg(short = 'I', long = "include-dir", value_name = "DIR")]
    include_dirs: Vec<PathBuf>,
    /// Define a preprocessor macro for every file, as `define NAME VALUE would
    /// (repeatable; VALUE defaults to empty).
    #[arg(short = 'D', long = "define", value_name = "NAME[=VALUE]", value_parser = parse_define)]
    defines: Vec<(String, String)>,
    /// The addrmap definition to elaborate [default: the last addrmap defined].
    #[arg(short = 't', long, value_name = "NAME")]
    top: Option<String>,
    /// Override a parameter of the top addrmap (repeatable).
    #[arg(short = 'P', long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    params: Vec<(String, String)>,
}

/// `-D NAME` or `-D NAME=VALUE`.
fn parse_define(s: &str) -> Result<(String, String), String> {
    let (name, value) = s.split_once('=').unwrap_or((s, ""));
    if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
        return Err(format!(
            "`{name}` is not a macro name (letters, digits and _)"
        ));
    }
    Ok((name.to_owned(), value.to_owned()))
}

/// `-P NAME=VALUE`.
fn parse_param(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, value))
            if !name.is_empty()
                && !value.is_empty()
                && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') =>
        {
            Ok((name.to_owned(), value.to_owned()))
        }
        _ => Err(format!("expected NAME=VALUE, got `{s}`")),
    }
}

impl Input {
    /// The files to read: as given, or the default definition.
    fn paths(&self) -> Vec<PathBuf> {
        if !self.files.is_empty() {
            return self.files.clone();
        }
        let here = Path::new(DEFAULT_RDL);
        vec![if here.exists() {
            here.to_path_buf()
        } else {
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/regdef/smmuv3.rdl")).to_path_buf()
        }]
    }

    /// The files, as a summary names them.
    fn shown(&self) -> String {
        let paths: Vec<String> = self
            .paths()
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        paths.join(" + ")
    }

    /// Compiles the files, printing every diagnostic (warnings too) to stderr.
    /// `None` when there were errors.
    fn compile(&self) -> Option<RegisterMap> {
        let paths = self.paths();
        let plain = paths.len() == 1
            && self.include_dirs.is_empty()
            && self.defines.is_empty()
            && self.top.is_none()
            && self.params.is_empty();
        let compilation = if plain {
            // One file and no options: the text is read here so that the arena can
            // be sized for it.
            let name = paths[0].display().to_string();
            match std::fs::read_to_string(&paths[0]) {
                Ok(text) => {
                    // Compiling takes about 40 bytes of memory per byte of source.
                    arena::prefault(text.len().saturating_mul(40));
                    regdef::frontend::compile_string(&name, text)
                }
                Err(e) => {
                    eprintln!("error: cannot read `{name}`: {e}");
                    return None;
                }
            }
        } else {
            let mut c = regdef::Compiler::new();
            for p in paths {
                c = c.file(p);
            }
            for d in &self.include_dirs {
                c = c.include_dir(d);
            }
            for (name, value) in &self.defines {
                c = c.define(name, value);
            }
            if let Some(top) = &self.top {
                c = c.top(top);
            }
            for (name, value) in &self.params {
                c = c.parameter(name, value);
            }
            c.compile()
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
    if !matches!(cli.command, Command::Check(_) | Command::Dump { .. }) {
        // The arena pays off for the short compile-and-print commands only: `generate`
        // builds and drops megabytes of text (the arena never reuses memory, so every
        // byte would be a fresh page) and `run` may run for long.
        arena::disable();
    }
    let result = match cli.command {
        Command::Check(input) => check(&input),
        Command::Dump { input, json } => dump(&input, json),
        Command::Generate {
            input,
            out,
            reset,
            completion,
            c_prefix,
            bus,
            bus_errors,
        } => generate(
            &input,
            &out,
            GenerateArgs {
                reset,
                completion,
                c_prefix,
                buses: bus.into_iter().flatten().collect(),
                errors: bus_errors,
            },
        ),
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

/// The options of `generate` beyond its input and output.
struct GenerateArgs {
    reset: ResetArg,
    completion: CompletionArg,
    c_prefix: Option<String>,
    buses: Vec<hdl::verilog::Bus>,
    errors: BusErrorsArg,
}

fn generate(input: &Input, out: &Path, args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let GenerateArgs {
        reset,
        completion,
        c_prefix,
        buses,
        errors,
    } = args;
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
            buses,
            errors: match errors {
                BusErrorsArg::RazWi => hdl::verilog::BusErrors::RazWi,
                BusErrorsArg::Error => hdl::verilog::BusErrors::Error,
            },
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
        input.shown(),
        map.registers.len()
    ));
    emit(&report)?;
    Ok(ExitCode::SUCCESS)
}

fn run(scenario: &Path, trace: Option<&Path>) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let result = smmu::scenario::run_file(scenario, trace, &mut out);
    match &result {
        // stdout stays pure JSON Lines; the summary goes to stderr.
        Ok(summary) => eprintln!("{summary}"),
        Err(e) => eprintln!("error: {}: {e}", scenario.display()),
    }
    // The contract of smmu::scenario::exit_code (0, 1 or 2) fits a u8.
    ExitCode::from(u8::try_from(smmu::scenario::exit_code(&result)).unwrap_or(2))
}

fn check(input: &Input) -> anyhow::Result<ExitCode> {
    let Some(map) = input.compile() else {
        return Ok(ExitCode::FAILURE);
    };
    emit(&summary(Path::new(&input.shown()), &map))?;
    exit_without_drop(map);
    Ok(ExitCode::SUCCESS)
}

fn dump(input: &Input, json: bool) -> anyhow::Result<ExitCode> {
    let Some(map) = input.compile() else {
        return Ok(ExitCode::FAILURE);
    };
    if json {
        let mut text = regdef::dump::to_json_bytes(&map).context("serialising the map")?;
        text.push(b'\n');
        emit_bytes(&text)?;
    } else {
        emit(&regdef::dump::to_table(&map))?;
    }
    exit_without_drop(map);
    Ok(ExitCode::SUCCESS)
}

/// Leaves the map to the end of the process, which is next: freeing it block by
/// block is work nobody needs (and with the arena allocator frees nothing).
fn exit_without_drop(map: RegisterMap) {
    std::mem::forget(map);
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

/// The process allocator: a bump arena for the short compile-and-print commands.
///
/// `check` and `dump` allocate a few megabytes in tens of thousands of small blocks
/// and exit; with the system allocator, `malloc` and `free` were a
/// quarter of the instructions of `twinreg dump --json`. Here an allocation takes
/// the next aligned bytes of one static block (zero pages, mapped only when touched)
/// and freeing does nothing, except that the most recent block can shrink, grow or
/// be taken back in place. Once the block is used up, or after `disable` (every
/// other command), allocations go to the system allocator; blocks are freed by
/// whichever allocator made them. Thread-safe: the bump is one atomic
/// compare-and-swap.
mod arena {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::UnsafeCell;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// Bytes of the block: `dump --json` of the SMMUv3 map uses about 2.7 MiB.
    const SIZE: usize = 64 << 20;

    #[repr(C, align(4096))]
    struct Block(UnsafeCell<[u8; SIZE]>);

    // SAFETY: the bytes are only reached through pointers handed out by `Arena`, each
    // range to one owner at a time (the bump is atomic).
    unsafe impl Sync for Block {}

    static BLOCK: Block = Block(UnsafeCell::new([0; SIZE]));
    /// Offset of the first free byte of `BLOCK`.
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    static ENABLED: AtomicBool = AtomicBool::new(true);

    /// Maps in the next `bytes` of the block ahead of use, with one
    /// `madvise(MADV_POPULATE_WRITE)`: compiling a file touches a few hundred fresh
    /// pages, and taking a page fault for each one cost more time than the
    /// compile's instructions. Best effort: a kernel without the advice (before
    /// Linux 5.14) refuses it, and the pages fault in as they are touched.
    pub fn prefault(bytes: usize) {
        #[cfg(target_os = "linux")]
        {
            extern "C" {
                fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: i32) -> i32;
            }
            const MADV_POPULATE_WRITE: i32 = 23;
            const PAGE: usize = 4096;
            let from = NEXT.load(Ordering::Relaxed) / PAGE * PAGE;
            let to = from.saturating_add(bytes).min(SIZE);
            if ENABLED.load(Ordering::Relaxed) && to > from {
                // SAFETY: the range lies within the static block; the advice maps
                // its pages in and never changes their contents.
                unsafe {
                    madvise(
                        (base() + from) as *mut std::ffi::c_void,
                        to - from,
                        MADV_POPULATE_WRITE,
                    )
                };
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = bytes;
    }

    /// From now on, new allocations come from the system allocator.
    pub fn disable() {
        ENABLED.store(false, Ordering::Relaxed);
    }

    fn base() -> usize {
        BLOCK.0.get() as usize
    }

    /// The offset of `ptr` in the block, if it is in it.
    fn offset_of(ptr: *mut u8) -> Option<usize> {
        (ptr as usize).checked_sub(base()).filter(|&o| o < SIZE)
    }

    pub struct Arena;

    impl Arena {
        /// `size` bytes aligned to `align` from the block, or null when it is full.
        fn bump(size: usize, align: usize) -> *mut u8 {
            let base = base();
            let mut next = NEXT.load(Ordering::Relaxed);
            loop {
                // `align` is a power of two; `base` is page aligned. The end stays
                // below `SIZE`, so that every pointer handed out (even for zero
                // bytes) is recognised as the block's by `offset_of`.
                let start = (next + align - 1) & !(align - 1);
                let Some(end) = start.checked_add(size).filter(|&e| e < SIZE) else {
                    return std::ptr::null_mut();
                };
                match NEXT.compare_exchange_weak(next, end, Ordering::Relaxed, Ordering::Relaxed) {
                    // The block is a static array: `start..end` lies within it.
                    Ok(_) => return (base + start) as *mut u8,
                    Err(now) => next = now,
                }
            }
        }
    }

    // SAFETY: every pointer returned is either a fresh, suitably aligned range of the
    // block that no other allocation overlaps (the atomic bump), or comes from
    // `System`; deallocation and reallocation tell the two apart by address.
    unsafe impl GlobalAlloc for Arena {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            if layout.align() <= 4096 && ENABLED.load(Ordering::Relaxed) {
                let p = Self::bump(layout.size(), layout.align());
                if !p.is_null() {
                    return p;
                }
            }
            // SAFETY: the caller's contract, passed on.
            unsafe { System.alloc(layout) }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            if layout.align() <= 4096 && ENABLED.load(Ordering::Relaxed) {
                let p = Self::bump(layout.size(), layout.align());
                if !p.is_null() {
                    // The range may have been handed out and taken back before.
                    // SAFETY: `p` is valid for `layout.size()` bytes.
                    unsafe { std::ptr::write_bytes(p, 0, layout.size()) };
                    return p;
                }
            }
            // SAFETY: the caller's contract, passed on.
            unsafe { System.alloc_zeroed(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            match offset_of(ptr) {
                // The most recent block is taken back; others stay until exit.
                Some(o) => {
                    let _ = NEXT.compare_exchange(
                        o + layout.size(),
                        o,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    );
                }
                // SAFETY: it came from `System.alloc` with this layout.
                None => unsafe { System.dealloc(ptr, layout) },
            }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let Some(o) = offset_of(ptr) else {
                // SAFETY: it came from `System` with this layout.
                return unsafe { System.realloc(ptr, layout, new_size) };
            };
            // The most recent block grows or shrinks where it is.
            if o + new_size <= SIZE
                && NEXT
                    .compare_exchange(
                        o + layout.size(),
                        o + new_size,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    )
                    .is_ok()
            {
                return ptr;
            }
            if new_size <= layout.size() {
                return ptr;
            }
            // SAFETY: `new_size` is non-zero and, rounded up to the alignment, does not
            // overflow (the caller's contract).
            let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
            let p = unsafe { self.alloc(new_layout) };
            if !p.is_null() {
                // SAFETY: both ranges are valid for `layout.size()` bytes and distinct.
                unsafe { std::ptr::copy_nonoverlapping(ptr, p, layout.size()) };
            }
            p
        }
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
        let input = Input::default();
        assert!(input.paths()[0].ends_with("regdef/smmuv3.rdl"));
        assert!(input.paths()[0].exists());
        let given = Input {
            files: vec![PathBuf::from("x.rdl"), PathBuf::from("y.rdl")],
            ..Input::default()
        };
        assert_eq!(
            given.paths(),
            [PathBuf::from("x.rdl"), PathBuf::from("y.rdl")]
        );
        assert_eq!(given.shown(), "x.rdl + y.rdl");
    }

    #[test]
    fn the_arena_allocator_keeps_contents_through_growth_and_frees() {
        // Interleaved vectors: growth in place (the most recent block) and by copy.
        let mut a: Vec<u64> = Vec::new();
        let mut b: Vec<u8> = Vec::new();
        for i in 0..10_000u64 {
            a.push(i);
            b.push(i as u8);
            if i % 1000 == 0 {
                b.shrink_to_fit();
                drop(vec![0u8; 0]);
                let z = vec![0u32; 100];
                assert!(z.iter().all(|&x| x == 0));
            }
        }
        assert!(a.iter().enumerate().all(|(i, &v)| v == i as u64));
        assert!(b.iter().enumerate().all(|(i, &v)| v == i as u8));
        let big = vec![7u8; 1 << 20];
        assert_eq!(big.iter().map(|&x| usize::from(x)).sum::<usize>(), 7 << 20);
        // From several threads at once.
        std::thread::scope(|s| {
            for t in 0..4u32 {
                s.spawn(move || {
                    let v: Vec<String> = (0..2000).map(|i| format!("{t}-{i}")).collect();
                    assert!(v.iter().enumerate().all(|(i, x)| *x == format!("{t}-{i}")));
                });
            }
        });
    }

    #[test]
    fn the_command_line_parses() {
        let cli = Cli::try_parse_from(["twinreg", "dump", "a.rdl", "--json"]).expect("parses");
        assert!(
            matches!(cli.command, Command::Dump { json: true, input } if input.files == [PathBuf::from("a.rdl")])
        );
        let cli = Cli::try_parse_from(["twinreg", "check"]).expect("parses");
        assert!(matches!(cli.command, Command::Check(Input { files, .. }) if files.is_empty()));
        let cli = Cli::try_parse_from([
            "twinreg", "check", "a.rdl", "b.rdl", "-I", "inc", "-I", "inc2", "-D", "W=8", "-D",
            "FAST", "--top", "soc", "-P", "N=4",
        ])
        .expect("parses");
        let Command::Check(input) = cli.command else {
            panic!("not check");
        };
        assert_eq!(
            input.files,
            [PathBuf::from("a.rdl"), PathBuf::from("b.rdl")]
        );
        assert_eq!(
            input.include_dirs,
            [PathBuf::from("inc"), PathBuf::from("inc2")]
        );
        assert_eq!(
            input.defines,
            [
                ("W".to_owned(), "8".to_owned()),
                ("FAST".to_owned(), String::new())
            ]
        );
        assert_eq!(input.top.as_deref(), Some("soc"));
        assert_eq!(input.params, [("N".to_owned(), "4".to_owned())]);
        assert!(Cli::try_parse_from(["twinreg", "check", "-P", "N"]).is_err());
        assert!(Cli::try_parse_from(["twinreg", "check", "-D", "a-b=1"]).is_err());
        assert!(Cli::try_parse_from(["twinreg", "frobnicate"]).is_err());
    }
}
