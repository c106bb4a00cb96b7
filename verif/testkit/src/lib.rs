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
