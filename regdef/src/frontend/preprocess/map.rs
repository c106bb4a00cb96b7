//! From the compiled text back to the files the user wrote.
//!
//! Preprocessing runs in two stages, as in systemrdl-compiler: `include and the
//! embedded Perl first (their output is the *stage-1 text*), then the Verilog-style
//! directives (their output is the compiled text). Each stage records, for every
//! stretch of its output, where it came from: copied verbatim from a place in its
//! input, or made by an expansion (a macro, a Perl tag) that stands at a place in
//! its input. A span of the compiled text goes back through both records to a file,
//! and the expansions and includes it went through become the notes of a diagnostic.

use std::path::PathBuf;
use std::sync::Arc;

use crate::frontend::diagnostics::Note;
use crate::frontend::source::{SourceFile, Span};
use crate::ir::SourceLocation;

/// One file as read from disk (or given as text).
pub(crate) struct OrigFile {
    pub file: Arc<SourceFile>,
    /// The path, canonical where the file system allows: what include cycles compare.
    pub path: PathBuf,
}

impl OrigFile {
    pub fn new(file: Arc<SourceFile>, path: PathBuf) -> OrigFile {
        OrigFile { file, path }
    }
}

/// One reading of a file: the file, and the `include that brought it in (a file
/// included twice is read into two origins with different include chains).
#[derive(Clone, Copy, Debug)]
pub(super) struct Origin {
    pub file: u32,
    /// The including origin and the `include directive's span in its file.
    pub from: Option<(u32, Span)>,
}

/// A stretch `out..out + len` of a stage's output.
#[derive(Clone, Debug)]
pub(super) struct Piece {
    pub out: u32,
    pub len: u32,
    /// Copied: the same bytes in the input (`src.len() == len`). Expanded: the
    /// directive or tag that made them.
    pub src: Span,
    /// The origin `src` lies in (stage 1 only: stage 2's input is the stage-1 text).
    pub origin: u32,
    /// What made the text (`the expansion of macro `W``), `None` when copied.
    pub expansion: Option<Arc<str>>,
}

/// How the compiled text maps back to the original files.
#[derive(Default)]
pub(crate) struct SourceMap {
    pub(crate) files: Vec<OrigFile>,
    pub(super) origins: Vec<Origin>,
    pub(super) stage1: Vec<Piece>,
    pub(super) stage2: Vec<Piece>,
}

impl SourceMap {
    /// Where a span of the compiled text is in the original files: the file's text
    /// for display, the location, the span in that text, and notes on the macro
    /// expansions and includes on the way (innermost first).
    pub(crate) fn place(&self, span: Span) -> (Arc<SourceFile>, SourceLocation, Span, Vec<Note>) {
        let mut notes = Vec::new();
        let (s1, _) = back(&self.stage2, span, &mut notes);
        let (s0, origin) = back(&self.stage1, s1, &mut notes);
        self.place_in_origin(origin, s0, notes)
    }

    /// Only the location of [`SourceMap::place`]: what the elaborated map records for
    /// every register, so no notes and no copy of the text.
    pub(crate) fn location(&self, span: Span) -> SourceLocation {
        let mut notes = Vec::new();
        let (s1, _) = back(&self.stage2, span, &mut notes);
        let (s0, origin) = back(&self.stage1, s1, &mut notes);
        let file = self
            .origins
            .get(origin as usize)
            .and_then(|o| self.files.get(o.file as usize))
            .or(self.files.last());
        match file {
            Some(f) => f.file.location(s0),
            None => SourceLocation {
                file: String::new(),
                line: 1,
                column: 1,
            },
        }
    }

    /// [`SourceMap::place`] for a span of the stage-1 text.
    pub(super) fn place_stage1(
        &self,
        span: Span,
    ) -> (Arc<SourceFile>, SourceLocation, Span, Vec<Note>) {
        let mut notes = Vec::new();
        let (s0, origin) = back(&self.stage1, span, &mut notes);
        self.place_in_origin(origin, s0, notes)
    }

    /// A span of an origin's file, with the include chain as notes.
    pub(super) fn place_in_origin(
        &self,
        origin: u32,
        span: Span,
        mut notes: Vec<Note>,
    ) -> (Arc<SourceFile>, SourceLocation, Span, Vec<Note>) {
        let o = self
            .origins
            .get(origin as usize)
            .copied()
            .unwrap_or(Origin {
                file: 0,
                from: None,
            });
        let mut from = o.from;
        // Origins only point at earlier origins, so this ends; the bound is belt
        // and braces against a corrupted map.
        let mut guard = self.origins.len();
        while let Some((parent, at)) = from {
            let Some(p) = self.origins.get(parent as usize) else {
                break;
            };
            let f = &self.files[p.file as usize];
            let loc = f.file.location(at);
            notes.push(Note::new(
                format!(
                    "in file included from {}:{}:{}",
                    loc.file, loc.line, loc.column
                ),
                Some((f.file.clone(), at)),
            ));
            from = p.from;
            guard = guard.saturating_sub(1);
            if guard == 0 {
                break;
            }
        }
        let Some(f) = self.files.get(o.file as usize).or(self.files.last()) else {
            let empty = Arc::new(SourceFile::from_string("", String::new()));
            let loc = SourceLocation {
                file: String::new(),
                line: 1,
                column: 1,
            };
            return (empty, loc, Span::default(), notes);
        };
        // Within the file: the end of an empty file, say, is its offset 0.
        let len = f.file.text.len() as u32;
        let span = Span::new(
            span.start.min(len),
            span.end.min(len).max(span.start.min(len)),
        );
        (f.file.clone(), f.file.location(span), span, notes)
    }
}

/// One stage back: the input span of an output span, and its origin.
fn back(pieces: &[Piece], span: Span, notes: &mut Vec<Note>) -> (Span, u32) {
    let i = pieces.partition_point(|p| p.out <= span.start);
    let Some(p) = pieces.get(i.saturating_sub(1)) else {
        return (span, 0);
    };
    match &p.expansion {
        Some(what) => {
            notes.push(Note::new(format!("in {what}"), None));
            (p.src, p.origin)
        }
        None => {
            let start = p.src.start + span.start.saturating_sub(p.out).min(p.len);
            let end = start.saturating_add(span.len()).min(p.src.end).max(start);
            (Span::new(start, end), p.origin)
        }
    }
}
