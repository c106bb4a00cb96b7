//! Errors and warnings of the front end, and how they are shown.
//!
//! Every problem is a [`Diagnostic`] that points at the offending token
//! (`file:line:col`), says what is wrong in one sentence, and where it helps adds a
//! one-line `help:` hint. The front end keeps going after an error, so one run
//! reports as many independent problems as it can; [`Diagnostics`] collects them.
//!
//! Rendering uses miette's graphical report handler: [`Diagnostics::render`] with or
//! without ANSI colour, and `Display` for the plain form (which the proc-macro crate
//! embeds in `compile_error!`).

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, OnceLock};

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use super::preprocess::SourceMap;
use super::snippet::{Excerpt, Mark, CONTEXT_LINES};
use super::source::{SourceFile, Span};
use crate::ir::SourceLocation;

/// How serious a [`Diagnostic`] is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The input is wrong; no register map is produced.
    Error,
    /// The input is accepted, but probably not what was meant.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One error or warning, pointing at the source.
#[derive(Clone)]
#[non_exhaustive]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable identifier of the kind of problem (`rdl::field-overlap`), listed in
    /// `regdef/README.md`.
    pub code: &'static str,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where: file, line and column of the offending token.
    pub location: SourceLocation,
    /// How to fix it, in one line, where a hint helps.
    pub hint: Option<String>,
    /// The offending token; `None` for problems that are not in the text (an
    /// unreadable file).
    span: Option<Span>,
    /// Text under the primary underline.
    label: Option<String>,
    /// Further places that explain the problem (`first defined here`).
    related: Vec<(Span, String)>,
    source: Option<Arc<SourceFile>>,
    /// The lines shown under the message, cut out of `source` at the first rendering.
    excerpt: OnceLock<Option<Excerpt>>,
    /// Where the offending text came from when it is not plainly in its file: the
    /// macro it was expanded from, the files that included it (innermost first).
    notes: Vec<Note>,
    /// Position in the compiled (preprocessed) text, for sorting.
    order: (u32, u32),
}

/// A note shown after a [`Diagnostic`]: `in file included from a.rdl:3:1`, with
/// that line, or a related place that lies in another file than the diagnostic.
///
/// Its line goes through the same clipped [`Excerpt`] as the diagnostic's own: an
/// `include` or a definition on a line of 70 000 columns must not panic miette either.
#[derive(Clone)]
pub(crate) struct Note {
    pub message: String,
    place: Option<(Arc<SourceFile>, Span)>,
    /// The line of `place`, cut out at the first rendering.
    excerpt: OnceLock<Option<Excerpt>>,
}

impl Note {
    /// A note; `place`, when given, is shown under it.
    pub fn new(message: impl Into<String>, place: Option<(Arc<SourceFile>, Span)>) -> Note {
        Note {
            message: clip(message.into()),
            place,
            excerpt: OnceLock::new(),
        }
    }

    fn excerpt(&self) -> Option<&Excerpt> {
        self.excerpt
            .get_or_init(|| {
                let (file, span) = self.place.as_ref()?;
                let mark = Mark {
                    span: *span,
                    text: None,
                    primary: false,
                };
                Some(Excerpt::new(file, &[mark]))
            })
            .as_ref()
    }
}

impl fmt::Debug for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Note")
            .field("message", &self.message)
            .field(
                "place",
                &self.place.as_ref().map(|(file, span)| (&file.name, span)),
            )
            .finish()
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Note {}

impl miette::Diagnostic for Note {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    /// Like [`Diagnostic`]'s: only the clipped lines (`snippet.rs`).
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.excerpt().map(|e| e as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.excerpt()?.labels()))
    }
}

impl Diagnostic {
    /// A diagnostic that has no place in any source text.
    pub(crate) fn detached(
        severity: Severity,
        code: &'static str,
        file: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity,
            code,
            message: clip(message.into()),
            location: SourceLocation {
                file: file.to_owned(),
                line: 0,
                column: 0,
            },
            hint: None,
            span: None,
            label: None,
            related: Vec::new(),
            source: None,
            excerpt: OnceLock::new(),
            notes: Vec::new(),
            order: (0, 0),
        }
    }

    /// A diagnostic at `span` of `source` (an original file, after preprocessing
    /// has been undone).
    pub(crate) fn in_source(
        severity: Severity,
        code: &'static str,
        source: Arc<SourceFile>,
        location: SourceLocation,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        let mut d = Diagnostic::detached(severity, code, &location.file, message);
        d.location = location;
        d.span = Some(span);
        d.source = Some(source);
        d
    }

    /// Adds a note shown after the diagnostic.
    pub(crate) fn note(&mut self, note: Note) -> &mut Self {
        self.notes.push(note);
        self
    }

    /// Moves the diagnostic from the compiled text into the original files:
    /// `place` maps a span of the compiled text to its file (source, location,
    /// span there) and the notes explaining how it got into the compiled text.
    pub(crate) fn relocate(
        &mut self,
        place: impl Fn(Span) -> Option<(Arc<SourceFile>, SourceLocation, Span, Vec<Note>)>,
    ) {
        let Some(span) = self.span else { return };
        let Some((source, location, at, notes)) = place(span) else {
            return;
        };
        let related = std::mem::take(&mut self.related);
        for (s, label) in related {
            match place(s) {
                Some((src, _, rs, _)) if Arc::ptr_eq(&src, &source) => {
                    self.related.push((rs, label));
                }
                Some((src, loc, rs, _)) => self.notes.push(Note::new(
                    format!("{label} ({}:{}:{})", loc.file, loc.line, loc.column),
                    Some((src, rs)),
                )),
                None => {}
            }
        }
        self.notes.splice(0..0, notes);
        self.location = location;
        self.span = Some(at);
        self.source = Some(source);
        // An excerpt cut before the move would show the compiled text.
        self.excerpt = OnceLock::new();
    }

    /// Adds the one-line `help:` hint.
    pub(crate) fn hint(&mut self, hint: impl Into<String>) -> &mut Self {
        self.hint = Some(clip(hint.into()));
        self
    }

    /// Sets the text under the primary underline.
    pub(crate) fn label(&mut self, label: impl Into<String>) -> &mut Self {
        self.label = Some(clip(label.into()));
        self
    }

    /// Points at a second place that explains the problem.
    pub(crate) fn also(&mut self, span: Span, label: impl Into<String>) -> &mut Self {
        self.related.push((span, clip(label.into())));
        self
    }

    /// Byte range `(offset, length)` of the offending token in the source text.
    pub fn byte_range(&self) -> Option<(usize, usize)> {
        self.span.map(|s| (s.start as usize, s.len() as usize))
    }

    fn sort_key(&self) -> (u32, u32) {
        self.order
    }

    /// The source lines around the spans, cut to a window each.
    fn excerpt(&self) -> Option<&Excerpt> {
        self.excerpt
            .get_or_init(|| {
                let file = self.source.as_deref()?;
                let span = self.span?;
                let mut marks = vec![Mark {
                    span,
                    text: self.label.as_deref(),
                    primary: true,
                }];
                marks.extend(self.related.iter().map(|(span, text)| Mark {
                    span: *span,
                    text: Some(text),
                    primary: false,
                }));
                Some(Excerpt::new(file, &marks))
            })
            .as_ref()
    }
}

/// Most bytes of a message, hint or label: they quote names and values from the
/// source, and a diagnostic must stay a few lines whatever the source holds.
const MAX_TEXT_BYTES: usize = 512;

/// `text` cut to [`MAX_TEXT_BYTES`] on a character boundary, with `…` where it was cut.
fn clip(mut text: String) -> String {
    if text.len() > MAX_TEXT_BYTES {
        let mut at = MAX_TEXT_BYTES;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.truncate(at);
        text.push('…');
    }
    text
}

impl fmt::Debug for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Diagnostic")
            .field("severity", &self.severity)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("location", &self.location)
            .field("hint", &self.hint)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.hint
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    /// Only the lines the snippet shows, each cut to a window around the spans
    /// (`snippet.rs`): miette panics on a column past 65 535 and would print a long
    /// line whole.
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.excerpt().map(|e| e as &dyn SourceCode)
    }

    /// Spans into the excerpt that `source_code` returns, not into the whole source.
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.excerpt()?.labels()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.notes.is_empty() {
            return None;
        }
        Some(Box::new(
            self.notes.iter().map(|n| n as &dyn miette::Diagnostic),
        ))
    }
}

/// The errors and warnings of one compilation, in source order.
///
/// `Display` renders them as plain text (no colour): for each, the message, then
/// `file:line:col`, the source line with the offending token underlined, and the
/// `help:` hint.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The diagnostics, in source order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// Number of errors (as opposed to warnings).
    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// Whether any of them is an error.
    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    /// Renders every diagnostic with miette's graphical handler: with ANSI colours
    /// when `color` is set, otherwise as plain text (what `Display` prints).
    pub fn render(&self, color: bool) -> String {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_links(false)
            .with_width(100)
            .with_context_lines(CONTEXT_LINES);
        let mut out = String::new();
        for (i, d) in self.items.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            // Writing into a String cannot fail, and a diagnostic whose spans do not
            // fit its source still shows its message.
            if handler.render_report(&mut out, d).is_err() {
                out.push_str(&format!("{}: {}\n", d.severity, d.message));
            }
        }
        out
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl std::error::Error for Diagnostics {}

/// The collection as one miette diagnostic.
///
/// Its message (`Display`) is already the full rendering, so it adds no labels or
/// related diagnostics of its own that a miette report would print a second time.
/// For miette's own layout, report each [`Diagnostic`] of [`Diagnostics::iter`].
impl miette::Diagnostic for Diagnostics {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("twinreg::rdl"))
    }
}

/// Upper bound on recorded errors: past it a file is hopeless, and the cap keeps a
/// fuzzer's garbage from producing megabytes of output.
pub(crate) const MAX_ERRORS: usize = 100;

/// Collects the diagnostics of one compilation.
pub(crate) struct Reporter {
    file: Arc<SourceFile>,
    items: Vec<Diagnostic>,
    /// One report per (place, kind): a definition shared by several instances must
    /// not report its one mistake once per instance.
    seen: HashSet<(Span, &'static str), crate::frontend::BuildFxHasher>,
    errors: usize,
    /// Where suppressed diagnostics are written so callers can chain builders.
    scratch: Diagnostic,
    /// How the compiled text maps back to the original files, when it was
    /// preprocessed or assembled from several files.
    map: Option<Arc<SourceMap>>,
}

impl Reporter {
    pub fn new(file: Arc<SourceFile>) -> Reporter {
        let scratch = Diagnostic::detached(Severity::Error, "", &file.name, "");
        Reporter {
            file,
            items: Vec::new(),
            seen: HashSet::default(),
            errors: 0,
            scratch,
            map: None,
        }
    }

    /// A reporter for text that preprocessing made: diagnostics point through
    /// `map` into the original files.
    pub fn with_map(file: Arc<SourceFile>, map: Arc<SourceMap>) -> Reporter {
        let mut rep = Reporter::new(file);
        rep.map = Some(map);
        rep
    }

    /// The original `file:line:col` of a span of the compiled text.
    pub fn location(&self, span: Span) -> SourceLocation {
        match &self.map {
            Some(map) => map.location(span),
            None => self.file.location(span),
        }
    }

    pub fn file(&self) -> &SourceFile {
        &self.file
    }

    pub fn error_count(&self) -> usize {
        self.errors
    }

    /// Reports an error at `span` and returns it for adding a hint or labels.
    pub fn error(
        &mut self,
        code: &'static str,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.push(Severity::Error, code, span, message.into())
    }

    /// Reports an error about the compilation as a whole (a `--top` that names
    /// nothing), with no place in the text; it sorts after the others.
    pub fn error_nowhere(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.errors += 1;
        let mut d = Diagnostic::detached(Severity::Error, code, &self.file.name, message);
        d.order = (u32::MAX, u32::MAX);
        self.items.push(d);
        let last = self.items.len() - 1;
        &mut self.items[last]
    }

    /// Reports a warning at `span`.
    pub fn warning(
        &mut self,
        code: &'static str,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.push(Severity::Warning, code, span, message.into())
    }

    fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        span: Span,
        message: String,
    ) -> &mut Diagnostic {
        let room = self.errors < MAX_ERRORS;
        // Past the cap nothing more is shown, so repeats are no longer told apart:
        // remembering millions of spans of a garbage file cost most of its run time.
        let fresh = !room || self.seen.insert((span, code));
        if !fresh || !room {
            if severity == Severity::Error && fresh {
                self.errors += 1;
            }
            self.scratch = Diagnostic::detached(severity, code, "", "");
            return &mut self.scratch;
        }
        if severity == Severity::Error {
            self.errors += 1;
        }
        let d = Diagnostic {
            severity,
            code,
            message: clip(message),
            location: self.file.location(span),
            hint: None,
            span: Some(span),
            label: None,
            related: Vec::new(),
            source: Some(self.file.clone()),
            excerpt: OnceLock::new(),
            notes: Vec::new(),
            order: (span.start, span.end),
        };
        self.items.push(d);
        let last = self.items.len() - 1;
        &mut self.items[last]
    }

    /// The collected diagnostics, sorted by position (in the compiled text: in
    /// the order the files were given and included), each pointing into its
    /// original file.
    pub fn finish(mut self) -> Diagnostics {
        self.items.sort_by_key(Diagnostic::sort_key);
        if let Some(map) = &self.map {
            for d in &mut self.items {
                d.relocate(|span| Some(map.place(span)));
            }
        }
        if self.errors > MAX_ERRORS {
            let mut note = Diagnostic::detached(
                Severity::Error,
                codes::TOO_MANY_ERRORS,
                &self.file.name,
                format!(
                    "{} more errors not shown; fix the ones above first",
                    self.errors - MAX_ERRORS
                ),
            );
            note.location = self.file.location(Span::new(
                self.file.text.len() as u32,
                self.file.text.len() as u32,
            ));
            self.items.push(note);
        }
        Diagnostics { items: self.items }
    }
}

/// Builds a [`Diagnostics`] from diagnostics made outside a compilation.
pub(crate) fn diagnostics_from(items: Vec<Diagnostic>) -> Diagnostics {
    Diagnostics { items }
}

/// The stable codes of every kind of diagnostic.
pub(crate) mod codes {
    pub const IO: &str = "rdl::io";
    pub const TOO_MANY_ERRORS: &str = "rdl::too-many-errors";
    pub const LIMIT: &str = "rdl::limit";
    pub const PREPROCESS: &str = "rdl::preprocess";
    pub const INCLUDE: &str = "rdl::include";
    pub const PERL: &str = "rdl::perl";
    pub const PARAMETER: &str = "rdl::parameter";
    pub const LEX: &str = "rdl::lex";
    pub const NUMBER: &str = "rdl::number";
    pub const SYNTAX: &str = "rdl::syntax";
    pub const UNSUPPORTED: &str = "rdl::unsupported";
    /// The hint of every [`UNSUPPORTED`] diagnostic that has no more specific one.
    pub const UNSUPPORTED_HINT: &str =
        "this is outside the SystemRDL subset twinreg reads (regdef/README.md, \"Not supported\"); express it with the constructs listed there";
    pub const DUPLICATE: &str = "rdl::duplicate";
    pub const UNKNOWN_TYPE: &str = "rdl::unknown-type";
    pub const UNKNOWN_PROPERTY: &str = "rdl::unknown-property";
    pub const UNKNOWN_REF: &str = "rdl::unknown-reference";
    pub const PROPERTY_KIND: &str = "rdl::property-component";
    pub const PROPERTY_TYPE: &str = "rdl::property-type";
    pub const PROPERTY_CONFLICT: &str = "rdl::property-conflict";
    pub const EXPR: &str = "rdl::expression";
    pub const NESTING: &str = "rdl::nesting";
    pub const NO_TOP: &str = "rdl::no-top";
    pub const EMPTY: &str = "rdl::empty";
    pub const ARRAY: &str = "rdl::array";
    pub const FIELD_WIDTH: &str = "rdl::field-width";
    pub const FIELD_OVERLAP: &str = "rdl::field-overlap";
    pub const FIELD_BOUNDS: &str = "rdl::field-bounds";
    pub const REG_OVERLAP: &str = "rdl::register-overlap";
    pub const ALIGNMENT: &str = "rdl::alignment";
    pub const REG_WIDTH: &str = "rdl::register-width";
    pub const ACCESS: &str = "rdl::access";
    pub const RESET: &str = "rdl::reset";
    pub const ENCODE: &str = "rdl::encode";
    pub const UDP_DECL: &str = "rdl::udp-declaration";
    pub const UDP_USE: &str = "rdl::udp-use";
    pub const LAYOUT_NAME: &str = "rdl::layout-name";
    /// A `mem` or a virtual register in it (SystemRDL 2.0 11).
    pub const MEMORY: &str = "rdl::memory";
    /// An alias register and its primary (SystemRDL 2.0 10.5).
    pub const ALIAS: &str = "rdl::alias";
    /// A `bridge` addrmap (SystemRDL 2.0 13.4).
    pub const BRIDGE: &str = "rdl::bridge";
}
