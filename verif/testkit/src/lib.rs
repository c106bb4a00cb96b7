//! Test helpers shared by twinreg's crates.
//!
//! Tests that need an external tool (iverilog, Verilator, yosys, a C compiler, the
//! Python venv with `systemrdl-compiler`) ask for it here. When the tool is missing
//! the test prints a visible `SKIP` line and returns early - unless
//! `TWINREG_REQUIRE_TOOLS=1` is set (as `.ci/run` does), in which case it fails.

#![warn(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Environment variable that turns a missing tool from a SKIP into a failure.
pub const REQUIRE_TOOLS: &str = "TWINREG_REQUIRE_TOOLS";

/// Environment variable naming the Python interpreter of the venv.
pub const PYTHON: &str = "TWINREG_PYTHON";

/// The workspace root (the directory holding the top `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    // This crate lives at <root>/verif/testkit.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("testkit sits two levels below the workspace root")
        .to_path_buf()
}

/// The `.rdl` files of the front end's test corpus `regdef/tests/corpus/<kind>`
/// (`"good"` or `"bad"`), in name order. Panics (a test set-up error) if the directory
/// cannot be read.
pub fn rdl_corpus(kind: &str) -> Vec<PathBuf> {
    let dir = workspace_root().join("regdef/tests/corpus").join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rdl"))
        .collect();
    files.sort();
    files
}

/// Whether missing tools must fail the test run.
pub fn tools_required() -> bool {
    std::env::var(REQUIRE_TOOLS).is_ok_and(|v| v == "1")
}

/// Reports a missing tool: panics if tools are required, otherwise prints `SKIP`.
pub fn missing(test: &str, what: &str) {
    let msg = format!(
        "{what} not found (run `make tools`, or see README); {REQUIRE_TOOLS}=1 makes this fatal"
    );
    if tools_required() {
        panic!("FAIL {test}: {msg}");
    }
    // Printed to stderr too so it shows without --nocapture under nextest and libtest.
    println!("SKIP {test}: {msg}");
    eprintln!("SKIP {test}: {msg}");
}

/// Finds `program` on `PATH` (it must run with `version_arg` and exit 0).
///
/// Returns `None` after reporting a SKIP when it is missing and tools are optional.
pub fn tool(test: &str, program: &str, version_arg: &str) -> Option<PathBuf> {
    let ok = Command::new(program)
        .arg(version_arg)
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        Some(PathBuf::from(program))
    } else {
        missing(test, program);
        None
    }
}

/// The Python interpreter of twinreg's venv, checked to import every module in
/// `modules`. Looks at `$TWINREG_PYTHON`, then `<workspace>/.venv/bin/python`.
pub fn python(test: &str, modules: &[&str]) -> Option<PathBuf> {
    let candidate = std::env::var_os(PYTHON)
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"));
    let script = modules
        .iter()
        .map(|m| format!("import {m}"))
        .collect::<Vec<_>>()
        .join("; ");
    let ok = Command::new(&candidate)
        .args(["-c", &script])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        Some(candidate)
    } else {
        missing(
            test,
            &format!(
                "python with {} ({})",
                modules.join(", "),
                candidate.display()
            ),
        );
        None
    }
}

/// Checks that the committed generated file `rel` (relative to the workspace root)
/// is `generated`; with `<update_var>=1` in the environment, writes it instead.
/// Panics with the first differing line and the command that regenerates it
/// (`<update_var>=1 <regenerate>`).
pub fn check_committed(rel: &str, generated: &str, update_var: &str, regenerate: &str) {
    let path = workspace_root().join(rel);
    if std::env::var(update_var).is_ok_and(|v| v == "1") {
        std::fs::write(&path, generated).unwrap_or_else(|e| panic!("write {rel}: {e}"));
        println!("wrote {rel}");
        return;
    }
    let Ok(on_disk) = std::fs::read_to_string(&path) else {
        panic!("{rel} does not exist. Generate it with:\n\n    {update_var}=1 {regenerate}\n");
    };
    if on_disk != generated {
        let line = on_disk
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || on_disk.lines().count().min(generated.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "{rel} is out of date with its source (first difference at line {line}).\n\
             Regenerate it with:\n\n    {update_var}=1 {regenerate}\n"
        );
    }
}

/// A global allocator that counts allocations, for tests that a path allocates
/// nothing: install it with `#[global_allocator] static A: CountingAllocator =
/// CountingAllocator;` and compare [`CountingAllocator::allocations`] around the path.
pub struct CountingAllocator;

static ALLOCATIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl CountingAllocator {
    /// Allocations made so far by the whole process (every thread).
    pub fn allocations() -> usize {
        ALLOCATIONS.load(std::sync::atomic::Ordering::Relaxed)
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl std::alloc::GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { std::alloc::System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

/// Environment variable naming the shared SystemRDL corpus (a folder with
/// `manifest.json`); default `<workspace>/../shared/rdl-corpus`.
pub const RDL_CORPUS: &str = "TWINREG_RDL_CORPUS";

/// Shared-corpus entries the Rust register file cannot represent yet, a known gap
/// (docs/back-ends.md): register definitions of one name in different scopes or
/// parameterisations clash as Rust type names, and an enum entry named `self`.
/// The corpus tests of `register_file!` skip them by name and print that they do.
pub const RUST_REGISTER_FILE_GAPS: &[&str] = &[
    "systemrdl-compiler:test/rdl_src/global_type_names.rdl",
    "systemrdl-compiler:test/rdl_src/nested_params_dpa.rdl",
    "systemrdl-compiler:test/rdl_src/nested_params_local_decl.rdl",
    "systemrdl-compiler:test/rdl_src/param_scope.rdl",
    "PeakRDL-cheader:tests/testcases/global_type_names.rdl",
    "PeakRDL-rust:tests/rdl_src/enums.rdl",
];

/// One compilable entry of the shared SystemRDL corpus (public test suites twinreg's
/// authors did not write, read in place, never copied into the project).
#[derive(Clone, Debug)]
pub struct CorpusEntry {
    /// The manifest's id, unique.
    pub id: String,
    /// The file to compile (absolute).
    pub file: PathBuf,
    /// Include directories (absolute).
    pub include_dirs: Vec<PathBuf>,
    /// `-D` defines, `(name, value)`.
    pub defines: Vec<(String, String)>,
}

/// The shared corpus's entries that the reference compiler accepts (including the
/// exporters' validation tests it accepts), in manifest order; `None` after a SKIP (a FAIL with
/// `TWINREG_REQUIRE_TOOLS=1`) when the corpus is not there. Whether twinreg's front
/// end accepts each is the caller's to find out. Panics (a set-up error) on a
/// manifest that does not parse.
pub fn shared_corpus(test: &str) -> Option<Vec<CorpusEntry>> {
    let dir = std::env::var_os(RDL_CORPUS)
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/rdl-corpus"));
    let manifest = dir.join("manifest.json");
    let Ok(text) = std::fs::read_to_string(&manifest) else {
        missing(
            test,
            &format!(
                "the shared SystemRDL corpus ({}; ${RDL_CORPUS})",
                manifest.display()
            ),
        );
        return None;
    };
    let json: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
    let entries = json["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: no entries[]", manifest.display()));
    let str_of = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let out = entries
        .iter()
        .filter(|e| e["reference_accepts"] == true)
        .map(|e| CorpusEntry {
            id: str_of(&e["id"]),
            file: dir.join(str_of(&e["file"])),
            include_dirs: e["incdirs"]
                .as_array()
                .map(|a| a.iter().map(|d| dir.join(str_of(d))).collect())
                .unwrap_or_default(),
            defines: e["defines"]
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                v.as_str().map_or_else(|| v.to_string(), String::from),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    Some(out)
}
