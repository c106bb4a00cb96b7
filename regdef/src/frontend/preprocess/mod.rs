//! The SystemRDL preprocessor (SystemRDL 2.0 16), run the way systemrdl-compiler
//! runs it so that a file means the same to both:
//!
//! 1. `` `include `` is expanded and the embedded Perl (`<% %>`, 16.1) is run, in
//!    one pass over the file and everything it includes: includes are expanded even
//!    inside `` `ifdef `` blocks, which only the next stage sees. The Perl runs in the
//!    system `perl`, in a `Safe` compartment (`perl.rs`).
//! 2. The Verilog-style directives (16.2): `` `define `` (with
//!    arguments), `` `undef ``, `` `ifdef ``/`` `ifndef ``/`` `elsif ``/`` `else ``/
//!    `` `endif ``, macro uses, `` `line `` (dropped) (`verilog.rs`).
//!
//! Each file given to the compiler is preprocessed on its own (a macro defined in
//! one is not defined in the next, as with systemrdl-compiler's `compile_file`); the
//! outputs are compiled in order into one root scope. A [`SourceMap`] records where
//! every byte of the compiled text came from, so diagnostics point into the files
//! the user wrote. A preprocessing error stops the preprocessing of that file.

mod map;
mod perl;
mod verilog;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) use self::map::SourceMap;
use self::map::{OrigFile, Origin, Piece};
pub use self::verilog::MAX_EXPANSION_DEPTH;
use super::diagnostics::{codes, Diagnostic, Severity};
use super::source::{find_byte, SourceFile, Span};
use super::MAX_SOURCE_BYTES;

/// Deepest chain of `` `include `` accepted (a file including a file including ...).
/// Real maps nest a handful deep; the bound turns a runaway chain (a generated
/// include of itself under another name) into an error instead of a stack overflow.
pub const MAX_INCLUDE_DEPTH: usize = 64;

/// What the preprocessor needs besides the files.
pub(crate) struct Options<'a> {
    /// Searched in order for `` `include "x" `` before the including file's folder.
    pub include_dirs: &'a [PathBuf],
    /// `` `define ``s in force at the start of every file: `(name, body)`.
    pub defines: &'a [(String, String)],
    /// The Perl interpreter for `<% %>`.
    pub perl: &'a OsString,
    /// What relative paths (files, include directories) are relative to, when not
    /// the current directory. Messages show paths as given, not joined to it.
    pub base: Option<&'a Path>,
}

impl Options<'_> {
    /// The path to open for a path as given.
    fn real(&self, path: &Path) -> PathBuf {
        match self.base {
            Some(base) if path.is_relative() => base.join(path),
            _ => path.to_path_buf(),
        }
    }
}

/// One file to compile: a path to read, or text with the name it goes by.
pub(crate) enum Input {
    Path(PathBuf),
    Text { name: String, text: String },
}

/// The compiled text and how it maps back.
pub(crate) struct Preprocessed {
    pub text: String,
    /// Every file read, inputs and includes, as opened (for build tools to track).
    pub read: Vec<PathBuf>,
    /// Where each input's compiled text starts (`text[starts[i]..starts[i + 1]]`).
    pub starts: Vec<u32>,
    pub map: SourceMap,
}

/// Whether `text` needs the preprocessor at all: no directive, no macro, no Perl.
pub(crate) fn needed(text: &str) -> bool {
    text.contains('`') || text.contains("<%")
}

/// A preprocessing error, not yet placed in a file.
pub(super) struct PpError {
    at: At,
    code: &'static str,
    message: String,
    hint: Option<String>,
}

enum At {
    /// In a file (read as origin `.0`).
    Origin(u32, Span),
    /// In the stage-1 text.
    Stage1(Span),
    /// Nowhere in particular: a file that cannot be read.
    Nowhere(String),
}

impl PpError {
    fn new(at: At, code: &'static str, message: impl Into<String>) -> PpError {
        PpError {
            at,
            code,
            message: message.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> PpError {
        self.hint = Some(hint.into());
        self
    }

    fn into_diagnostic(self, map: &SourceMap) -> Diagnostic {
        let (source, location, span, notes) = match self.at {
            At::Origin(o, span) => map.place_in_origin(o, span, Vec::new()),
            At::Stage1(span) => map.place_stage1(span),
            At::Nowhere(name) => {
                let mut d = Diagnostic::detached(Severity::Error, self.code, &name, self.message);
                if let Some(h) = self.hint {
                    d.hint(h);
                }
                return d;
            }
        };
        let mut d = Diagnostic::in_source(
            Severity::Error,
            self.code,
            source,
            location,
            span,
            self.message,
        );
        for n in notes {
            d.note(n);
        }
        if let Some(h) = self.hint {
            d.hint(h);
        }
        d
    }
}

/// Preprocesses the inputs in order. On error, the diagnostics (one per file
/// that failed; the other files are still preprocessed, to report them too).
pub(crate) fn preprocess(
    inputs: Vec<Input>,
    opts: &Options<'_>,
) -> Result<Preprocessed, Vec<Diagnostic>> {
    let mut map = SourceMap::default();
    let mut stage1 = String::new();
    let mut text = String::new();
    let mut starts = Vec::new();
    let mut errors = Vec::new();
    let mut read = Vec::new();
    for input in inputs {
        starts.push(text.len() as u32);
        let result = one_input(input, opts, &mut map, &mut stage1, &mut text, &mut read);
        if let Err(e) = result {
            errors.push(e.into_diagnostic(&map));
        }
        // Files are separate: a line comment at the end of one must not swallow
        // the start of the next.
        text.push('\n');
        stage1.push('\n');
        if text.len() > MAX_SOURCE_BYTES {
            errors.push(Diagnostic::detached(
                Severity::Error,
                codes::LIMIT,
                "",
                format!("the preprocessed source is longer than {MAX_SOURCE_BYTES} bytes"),
            ));
            break;
        }
    }
    if errors.is_empty() {
        Ok(Preprocessed {
            text,
            read,
            starts,
            map,
        })
    } else {
        Err(errors)
    }
}

fn one_input(
    input: Input,
    opts: &Options<'_>,
    map: &mut SourceMap,
    stage1: &mut String,
    out: &mut String,
    read: &mut Vec<PathBuf>,
) -> Result<(), PpError> {
    let (name, text, path) = match input {
        Input::Path(path) => {
            let name = path.display().to_string();
            let real = opts.real(&path);
            read.push(real.clone());
            let text = read_source(&real)
                .map_err(|m| PpError::new(At::Nowhere(name.clone()), codes::IO, m))?;
            (name, text, path)
        }
        Input::Text { name, text } => {
            let path = PathBuf::from(&name);
            (name, text, path)
        }
    };
    let file = map.files.len() as u32;
    map.files.push(OrigFile::new(
        Arc::new(SourceFile::from_string(&name, text)),
        canonical(&opts.real(&path)),
    ));
    let origin = map.origins.len() as u32;
    map.origins.push(Origin { file, from: None });

    // Stage 1: includes and Perl.
    let mut walk = Includer {
        opts,
        map,
        segs: Vec::new(),
        has_perl: false,
        paths: vec![path],
        read,
    };
    walk.walk(origin, 1)?;
    let Includer { segs, has_perl, .. } = walk;
    let base1 = stage1.len() as u32;
    if has_perl {
        perl::run(opts.perl, &segs, map, stage1)?;
    } else {
        for s in &segs {
            copy_segment(map, s, stage1);
        }
    }

    // Stage 2: the Verilog-style directives, over this input's stage-1 text.
    let end1 = stage1.len();
    verilog::run(
        &stage1[base1 as usize..end1],
        base1,
        opts.defines,
        &mut map.stage2,
        out,
    )
}

/// Reads a source file, within [`MAX_SOURCE_BYTES`]: reading stops past the limit
/// even where the size is not known ahead (`/proc` files, devices).
pub(crate) fn read_source(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let shown = path.display();
    let too_long = |n: u64| format!("`{shown}` is {n} bytes long; the limit is {MAX_SOURCE_BYTES}");
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    if let Ok(meta) = file.metadata() {
        if meta.len() > MAX_SOURCE_BYTES as u64 {
            return Err(too_long(meta.len()));
        }
    }
    let mut bytes = Vec::new();
    file.take(MAX_SOURCE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(format!(
            "`{shown}` is longer than {MAX_SOURCE_BYTES} bytes, the limit"
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "cannot read `{shown}`: it is not UTF-8 text (bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Appends a text segment to the stage-1 text, recording where it came from.
fn copy_segment(map: &mut SourceMap, s: &Segment, stage1: &mut String) {
    let file = map.origins[s.origin as usize].file as usize;
    let text = &map.files[file].file.text;
    let Some(slice) = text.get(s.span.start as usize..s.span.end as usize) else {
        return;
    };
    if slice.is_empty() {
        return;
    }
    map.stage1.push(Piece {
        out: stage1.len() as u32,
        len: slice.len() as u32,
        src: s.span,
        origin: s.origin,
        expansion: None,
    });
    stage1.push_str(slice);
}

/// What stage 1 cut a file into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SegmentKind {
    /// Plain text, copied (or emitted by the Perl, in order).
    Text,
    /// `<% code %>`
    Perl,
    /// `<%= expression %>`
    PerlValue,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Segment {
    pub origin: u32,
    /// The whole text or tag (`<%` to `%>`), in the origin's file.
    pub span: Span,
    pub kind: SegmentKind,
}

/// Stage 1 over one input: follows `` `include ``s and cuts every file into text
/// and Perl segments.
struct Includer<'a, 'o> {
    opts: &'a Options<'o>,
    map: &'a mut SourceMap,
    segs: Vec<Segment>,
    has_perl: bool,
    /// Paths of the include chain being walked, as spelled (for the cycle message).
    paths: Vec<PathBuf>,
    read: &'a mut Vec<PathBuf>,
}

impl Includer<'_, '_> {
    fn walk(&mut self, origin: u32, depth: usize) -> Result<(), PpError> {
        let file = self.map.origins[origin as usize].file as usize;
        let source = self.map.files[file].file.clone();
        let text = source.text.as_str();
        let b = text.as_bytes();
        let mut pending = 0;
        let mut i = 0;
        // SystemRDL 2.0 16.1: tags and includes are found outside comments only
        // (inside strings too: systemrdl-compiler does not skip strings here).
        while i < b.len() {
            match b[i] {
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    i = find_byte(b, i, b'\n').unwrap_or(b.len());
                }
                b'/' if b.get(i + 1) == Some(&b'*') => {
                    i = find(b, i + 2, b"*/").map_or(i + 1, |e| e + 2);
                }
                b'<' if b.get(i + 1) == Some(&b'%') => {
                    let Some(close) = find(b, i + 2, b"%>") else {
                        i += 1;
                        continue;
                    };
                    self.text(origin, pending, i);
                    let kind = if b.get(i + 2) == Some(&b'=') {
                        SegmentKind::PerlValue
                    } else {
                        SegmentKind::Perl
                    };
                    self.segs.push(Segment {
                        origin,
                        span: Span::new(i as u32, close as u32 + 2),
                        kind,
                    });
                    self.has_perl = true;
                    i = close + 2;
                    pending = i;
                }
                b'`' if b[i..].starts_with(b"`include") => {
                    self.text(origin, pending, i);
                    let inc = parse_include(text, i).map_err(|(span, m)| {
                        PpError::new(At::Origin(origin, span), codes::PREPROCESS, m)
                    })?;
                    self.include(origin, &inc, depth)?;
                    i = inc.end;
                    pending = i;
                }
                _ => i += 1,
            }
        }
        self.text(origin, pending, b.len());
        Ok(())
    }

    fn text(&mut self, origin: u32, start: usize, end: usize) {
        if start < end {
            self.segs.push(Segment {
                origin,
                span: Span::new(start as u32, end as u32),
                kind: SegmentKind::Text,
            });
        }
    }

    fn include(&mut self, origin: u32, inc: &Include, depth: usize) -> Result<(), PpError> {
        let at = At::Origin(origin, inc.path_span);
        let err = |m: String| PpError::new(At::Origin(origin, inc.path_span), codes::INCLUDE, m);
        let including = self.paths.last().cloned().unwrap_or_default();
        let Some(found) = resolve(&inc.path, &including, self.opts) else {
            let mut searched: Vec<String> = self
                .opts
                .include_dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect();
            let here = including.parent().unwrap_or(Path::new(""));
            searched.push(if here.as_os_str().is_empty() {
                ".".to_owned()
            } else {
                here.display().to_string()
            });
            return Err(
                err(format!("cannot find `{}` to include", inc.path)).hint(format!(
                    "searched {}; add the folder that holds it with -I DIR",
                    searched.join(", ")
                )),
            );
        };
        // SystemRDL 2.0 16.2 leaves cycles to the tool; systemrdl-compiler rejects them.
        let real = self.opts.real(&found);
        let canon = canonical(&real);
        let mut o = Some(origin);
        while let Some(cur) = o {
            let og = self.map.origins[cur as usize];
            if self.map.files[og.file as usize].path == canon {
                let mut chain: Vec<String> =
                    self.paths.iter().map(|p| p.display().to_string()).collect();
                chain.push(found.display().to_string());
                return Err(PpError::new(
                    at,
                    codes::INCLUDE,
                    format!("`{}` includes itself: {}", inc.path, chain.join(" -> ")),
                )
                .hint(
                    "remove the `include that closes the cycle, or guard the file with `ifndef",
                ));
            }
            o = og.from.map(|(p, _)| p);
        }
        if depth >= MAX_INCLUDE_DEPTH {
            return Err(err(format!(
                "`include nested more than {MAX_INCLUDE_DEPTH} files deep"
            ))
            .hint("twinreg's limit on include chains; a chain this deep is usually a cycle through differently spelled paths"));
        }
        let text = read_source(&real).map_err(err)?;
        self.read.push(real);
        let file = self.map.files.len() as u32;
        self.map.files.push(OrigFile::new(
            Arc::new(SourceFile::from_string(&found.display().to_string(), text)),
            canon,
        ));
        let child = self.map.origins.len() as u32;
        self.map.origins.push(Origin {
            file,
            from: Some((origin, inc.directive)),
        });
        self.paths.push(found);
        let r = self.walk(child, depth + 1);
        self.paths.pop();
        r
    }
}

/// A parsed `` `include "path" ``.
#[derive(Debug)]
struct Include {
    path: String,
    /// The whole directive.
    directive: Span,
    /// The quoted path.
    path_span: Span,
    /// Where scanning goes on.
    end: usize,
}

/// Parses the `` `include `` at `start`: alone on its line but for comments,
/// `"path"` or `<path>`.
fn parse_include(text: &str, start: usize) -> Result<Include, (Span, String)> {
    let b = text.as_bytes();
    let line_start = b[..start]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    if !b[line_start..start].iter().all(u8::is_ascii_whitespace) {
        return Err((
            Span::new(line_start as u32, start as u32),
            "unexpected text before `include on its line".to_owned(),
        ));
    }
    let kw_end = start + "`include".len();
    let invalid = || {
        (
            Span::new(start as u32, kw_end as u32),
            "malformed `include: expected `include \"file.rdl\" or `include <file.rdl>".to_owned(),
        )
    };
    let mut j = kw_end;
    while b.get(j).is_some_and(u8::is_ascii_whitespace) {
        j += 1;
    }
    let close = match b.get(j) {
        Some(b'"') if j > kw_end => b'"',
        Some(b'<') if j > kw_end => b'>',
        _ => return Err(invalid()),
    };
    let eol = b[j + 1..]
        .iter()
        .position(|&c| c == b'\n' || c == b'\r')
        .map_or(b.len(), |p| j + 1 + p);
    // The path runs to the last closing quote of the line (at least one character).
    let Some(q) = b[j + 1..eol].iter().rposition(|&c| c == close) else {
        return Err(invalid());
    };
    if q == 0 {
        return Err(invalid());
    }
    let path = text[j + 1..j + 1 + q].to_owned();
    let end = j + 1 + q + 1;
    if let Some(junk) = trailing_junk(b, end) {
        return Err((
            junk,
            "unexpected text after `include on its line".to_owned(),
        ));
    }
    Ok(Include {
        path,
        directive: Span::new(start as u32, end as u32),
        path_span: Span::new(j as u32, end as u32),
        end,
    })
}

/// Where to read an included file from: an absolute path as is; otherwise the
/// first include directory that has it, else the including file's folder (the
/// order of systemrdl-compiler).
fn resolve(spelled: &str, including: &Path, opts: &Options<'_>) -> Option<PathBuf> {
    let p = Path::new(spelled);
    if p.is_absolute() {
        return p.is_file().then(|| p.to_path_buf());
    }
    for d in opts.include_dirs {
        let c = d.join(p);
        if opts.real(&c).is_file() {
            return Some(c);
        }
    }
    let c = including.parent().unwrap_or(Path::new("")).join(p);
    opts.real(&c).is_file().then_some(c)
}

/// Text after a directive that is not a comment: `None` when the rest of the line
/// is blank or comments.
pub(super) fn trailing_junk(b: &[u8], mut i: usize) -> Option<Span> {
    let eol = find_byte(b, i, b'\n').unwrap_or(b.len());
    loop {
        while matches!(b.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        if b[i.min(b.len())..].starts_with(b"/*") {
            match find(&b[..eol], i + 2, b"*/") {
                Some(e) => i = e + 2,
                // A block comment that runs on to the next lines.
                None => return None,
            }
        } else {
            break;
        }
    }
    let rest = &b[i.min(eol)..eol];
    if rest.is_empty() || rest == b"\r" || rest.starts_with(b"//") {
        None
    } else {
        let end = if rest.ends_with(b"\r") { eol - 1 } else { eol };
        Some(Span::new(i as u32, end as u32))
    }
}

/// The index of the first `needle` in `b[from..]`.
pub(super) fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut at = from;
    while let Some(p) = find_byte(b, at, first) {
        if b[p..].starts_with(needle) {
            return Some(p);
        }
        at = p + 1;
    }
    None
}

#[cfg(test)]
mod tests;
