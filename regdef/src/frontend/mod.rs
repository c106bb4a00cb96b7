//! The SystemRDL front end: text to [`RegisterMap`], or diagnostics.
//!
//! ```text
//! lexer -> parser (AST) -> elaborate::defs -> elaborate::tree -> elaborate::lower (IR)
//! ```
//!
//! Every stage reports problems to one [`Diagnostics`] collection and goes on, so one
//! run shows every independent mistake. The front end never panics on its input,
//! bounds its recursion (expression and body nesting) and its output (instances,
//! errors), and has no I/O besides reading the file in [`compile_file`].
//!
//! `regdef/README.md` lists the supported subset of SystemRDL 2.0.

mod ast;
mod diagnostics;
mod elaborate;
mod lexer;
mod parser;
mod properties;
mod snippet;
mod source;
mod suggest;

use std::path::Path;
use std::sync::Arc;

use self::diagnostics::{codes, diagnostics_from, Reporter};
pub use self::diagnostics::{Diagnostic, Diagnostics, Severity};
use self::source::SourceFile;
use crate::ir::RegisterMap;

/// A `HashMap` with [`FxHasher`]: the front end hashes short names it wrote itself,
/// where SipHash's flooding resistance buys nothing and cost a tenth of elaboration.
pub(crate) type FxMap<K, V> = std::collections::HashMap<K, V, BuildFxHasher>;

pub(crate) type BuildFxHasher = std::hash::BuildHasherDefault<FxHasher>;

/// The multiply-rotate hash of rustc (`rustc-hash` 1.x), eight bytes at a time.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Largest source accepted, in bytes. Far beyond any register description; the
/// bound keeps byte offsets in 32 bits and a stray binary file from being chewed on.
pub const MAX_SOURCE_BYTES: usize = 16 * 1024 * 1024;

/// Longest identifier accepted, in characters. The longest name in 231 public
/// SystemRDL files has 39; four names of this length joined (a Verilog port names
/// block, register, field and more) stay within the 1 024 characters every Verilog
/// tool must accept (IEEE 1800-2017 5.6).
pub const MAX_IDENTIFIER_LEN: usize = 255;

/// The outcome of a compilation: the map if there was no error, and every
/// diagnostic (warnings included).
#[derive(Debug)]
pub struct Compilation {
    /// The elaborated map; `None` if any error was reported.
    pub map: Option<RegisterMap>,
    /// Errors and warnings, in source order.
    pub diagnostics: Diagnostics,
}

/// Compiles SystemRDL text. `file_name` is only used to name the source in
/// locations and messages.
pub fn compile(file_name: &str, text: &str) -> Compilation {
    compile_string(file_name, text.to_owned())
}

/// [`compile`] for text the caller owns (the diagnostics keep the source, so
/// [`compile`] has to copy it).
pub fn compile_string(file_name: &str, text: String) -> Compilation {
    if text.len() > MAX_SOURCE_BYTES {
        let d = Diagnostic::detached(
            Severity::Error,
            codes::LIMIT,
            file_name,
            format!(
                "the source is {} bytes long; the limit is {MAX_SOURCE_BYTES}",
                text.len()
            ),
        );
        return Compilation {
            map: None,
            diagnostics: diagnostics_from(vec![d]),
        };
    }
    let file = Arc::new(SourceFile::from_string(file_name, text));
    let mut rep = Reporter::new(file.clone());
    let tokens = lexer::lex(&file.text, &mut rep);
    let items = parser::parse(&tokens, &mut rep);
    let map = elaborate::elaborate(&items, &mut rep);
    let diagnostics = rep.finish();
    Compilation {
        map: if diagnostics.has_errors() { None } else { map },
        diagnostics,
    }
}

/// Compiles SystemRDL text to the register map, or the errors (and warnings) that
/// prevent it. Warnings of a successful compilation are dropped; use [`compile`] to
/// see them.
pub fn compile_source(file_name: &str, text: &str) -> Result<RegisterMap, Diagnostics> {
    let c = compile(file_name, text);
    match c.map {
        Some(map) => Ok(map),
        None => Err(c.diagnostics),
    }
}

/// Reads and compiles a `.rdl` file. Locations name the file as `path` spells it.
pub fn compile_file(path: &Path) -> Result<RegisterMap, Diagnostics> {
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let c = compile_string(&name, text);
            match c.map {
                Some(map) => Ok(map),
                None => Err(c.diagnostics),
            }
        }
        Err(e) => Err(diagnostics_from(vec![Diagnostic::detached(
            Severity::Error,
            codes::IO,
            &name,
            format!("cannot read `{name}`: {e}"),
        )])),
    }
}
