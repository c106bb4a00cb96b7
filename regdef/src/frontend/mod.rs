//! The SystemRDL front end: text to [`RegisterMap`], or diagnostics.
//!
//! ```text
//! lexer -> parser (AST) -> elaborate::defs -> elaborate::tree -> elaborate::lower (IR)
//! ```
//!
//! Before the lexer, the preprocessor expands `` `include ``, runs the embedded Perl
//! and the `` `define ``/`` `ifdef `` directives, and keeps a map back to the files,
//! so diagnostics name the file and line the user wrote. [`Compiler`] compiles
//! several files in order into one root scope.
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
mod preprocess;
mod properties;
mod snippet;
mod source;
mod suggest;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use self::diagnostics::{codes, diagnostics_from, Reporter};
pub use self::diagnostics::{Diagnostic, Diagnostics, Severity};
pub use self::preprocess::{MAX_EXPANSION_DEPTH, MAX_INCLUDE_DEPTH};
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
    /// Every file read (the inputs and what they include), as opened: what a build
    /// script or proc-macro tracks to rebuild when one changes. Empty for text
    /// compiled without preprocessing.
    pub files_read: Vec<PathBuf>,
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
            files_read: Vec::new(),
        };
    }
    if preprocess::needed(&text) {
        return Compiler::new().source(file_name, text).compile();
    }
    compile_plain(file_name, text, &elaborate::Target::default())
}

/// Compiles one text that needs no preprocessing: no source map, the text is its
/// own source.
fn compile_plain(file_name: &str, text: String, target: &elaborate::Target) -> Compilation {
    let file = Arc::new(SourceFile::from_string(file_name, text));
    let mut rep = Reporter::new(file.clone());
    let tokens = lexer::lex(&file.text, &mut rep);
    let items = parser::parse(&tokens, &mut rep);
    finish(&items, target, rep)
}

fn finish(items: &[ast::Item], target: &elaborate::Target, mut rep: Reporter) -> Compilation {
    let map = elaborate::elaborate(items, target, &mut rep);
    let diagnostics = rep.finish();
    Compilation {
        map: if diagnostics.has_errors() { None } else { map },
        diagnostics,
        files_read: Vec::new(),
    }
}

/// Compiles several SystemRDL files into one register map, as systemrdl-compiler's
/// `compile_file` (once per file, in order) and `elaborate` do: each file is
/// preprocessed on its own (its `` `define ``s end with it), and their definitions
/// share one root scope, so a later file instantiates what an earlier one defined.
///
/// ```no_run
/// use regdef::frontend::Compiler;
///
/// let compilation = Compiler::new()
///     .include_dir("rdl/include")
///     .define("NUM_CHANNELS", "4")
///     .file("rdl/udps.rdl")
///     .file("rdl/soc.rdl")
///     .top("soc")
///     .compile();
/// if let Some(map) = compilation.map {
///     println!("{} registers", map.registers.len());
/// } else {
///     eprint!("{}", compilation.diagnostics);
/// }
/// ```
#[derive(Debug, Default)]
pub struct Compiler {
    inputs: Vec<Source>,
    include_dirs: Vec<PathBuf>,
    defines: Vec<(String, String)>,
    target: elaborate::Target,
    perl: Option<OsString>,
    base: Option<PathBuf>,
}

#[derive(Debug)]
enum Source {
    Path(PathBuf),
    Text { name: String, text: String },
}

impl Compiler {
    /// A compiler with no files, no include directories and no defines; the top
    /// is the last `addrmap` defined.
    pub fn new() -> Compiler {
        Compiler::default()
    }

    /// Adds a file to compile, after the ones added before.
    pub fn file(mut self, path: impl Into<PathBuf>) -> Compiler {
        self.inputs.push(Source::Path(path.into()));
        self
    }

    /// Adds SystemRDL text to compile, after the files added before. `name` names it
    /// in diagnostics; its `` `include ``s are looked up next to `name`.
    pub fn source(mut self, name: impl Into<String>, text: impl Into<String>) -> Compiler {
        self.inputs.push(Source::Text {
            name: name.into(),
            text: text.into(),
        });
        self
    }

    /// Adds a directory to search for `` `include ``d files. Directories are searched
    /// in the order added, before the including file's own folder.
    pub fn include_dir(mut self, dir: impl Into<PathBuf>) -> Compiler {
        self.include_dirs.push(dir.into());
        self
    }

    /// Defines a macro for every file, as `` `define name value `` at its start would
    /// (`-D name=value`).
    pub fn define(mut self, name: impl Into<String>, value: impl Into<String>) -> Compiler {
        self.defines.push((name.into(), value.into()));
        self
    }

    /// Elaborates the root `addrmap` definition `name` instead of the last one
    /// defined.
    pub fn top(mut self, name: impl Into<String>) -> Compiler {
        self.target.top = Some(name.into());
        self
    }

    /// Overrides a parameter of the top (`-P name=value`); `value` is a SystemRDL
    /// expression (`4`, `"text"`, `true`, `E::entry`).
    pub fn parameter(mut self, name: impl Into<String>, value: impl Into<String>) -> Compiler {
        self.target.parameters.push((name.into(), value.into()));
        self
    }

    /// The Perl interpreter for embedded Perl (`<% %>`); default: `$TWINREG_PERL`,
    /// else `perl` from the `PATH`.
    pub fn perl(mut self, program: impl Into<OsString>) -> Compiler {
        self.perl = Some(program.into());
        self
    }

    /// Resolves relative file paths and include directories against `dir` instead of
    /// the current directory, while messages show them as given (a proc-macro
    /// resolves against the crate's `CARGO_MANIFEST_DIR`).
    pub fn base_dir(mut self, dir: impl Into<PathBuf>) -> Compiler {
        self.base = Some(dir.into());
        self
    }

    /// Preprocesses, parses and elaborates the files.
    pub fn compile(self) -> Compilation {
        let mut texts = Vec::with_capacity(self.inputs.len());
        for input in self.inputs {
            texts.push(match input {
                Source::Path(p) => preprocess::Input::Path(p),
                Source::Text { name, text } => preprocess::Input::Text { name, text },
            });
        }
        if texts.is_empty() {
            let d = Diagnostic::detached(
                Severity::Error,
                codes::IO,
                "",
                "no SystemRDL file to compile",
            );
            return Compilation {
                map: None,
                diagnostics: diagnostics_from(vec![d]),
                files_read: Vec::new(),
            };
        }
        let perl = self
            .perl
            .or_else(|| std::env::var_os("TWINREG_PERL"))
            .unwrap_or_else(|| OsString::from("perl"));
        let opts = preprocess::Options {
            include_dirs: &self.include_dirs,
            defines: &self.defines,
            perl: &perl,
            base: self.base.as_deref(),
        };
        let pre = match preprocess::preprocess(texts, &opts) {
            Ok(pre) => pre,
            Err(errors) => {
                return Compilation {
                    map: None,
                    diagnostics: diagnostics_from(errors),
                    files_read: Vec::new(),
                }
            }
        };
        let first = pre
            .map
            .files
            .first()
            .map_or_else(String::new, |f| f.file.name.clone());
        let preprocess::Preprocessed {
            text,
            read,
            starts,
            map,
        } = pre;
        let file = Arc::new(SourceFile::from_string(&first, text));
        let mut rep = Reporter::with_map(file.clone(), Arc::new(map));
        let mut items = Vec::new();
        // Each file is parsed on its own: an unclosed brace in one does not swallow
        // the next.
        for (i, &start) in starts.iter().enumerate() {
            // Without the newline that ends each file, so that its end of file
            // maps to its last line, not to the next file.
            let end = starts
                .get(i + 1)
                .map_or(file.text.len(), |&e| e as usize)
                .saturating_sub(1)
                .max(start as usize);
            let tokens = lexer::lex_range(&file.text, start as usize, end, &mut rep);
            items.extend(parser::parse(&tokens, &mut rep));
        }
        let mut c = finish(&items, &self.target, rep);
        c.files_read = read;
        c
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

/// Reads and compiles a `.rdl` file (and what it includes, searched next to it).
/// Locations name the file as `path` spells it. [`Compiler`] takes include
/// directories, defines, several files and a top.
pub fn compile_file(path: &Path) -> Result<RegisterMap, Diagnostics> {
    let name = path.display().to_string();
    match preprocess::read_source(path) {
        Ok(text) => {
            let c = compile_string(&name, text);
            match c.map {
                Some(map) => Ok(map),
                None => Err(c.diagnostics),
            }
        }
        Err(message) => Err(diagnostics_from(vec![Diagnostic::detached(
            Severity::Error,
            codes::IO,
            &name,
            message,
        )])),
    }
}
