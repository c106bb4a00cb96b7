//! The source lines a diagnostic shows, each cut to a window around its spans.
//!
//! miette copies whole lines into a snippet and pads its underlines to a span's column
//! with a runtime format width, which panics past column 65 535 (Rust 1.87 and later);
//! and a 16 MiB line would be printed in full for every diagnostic on it. An
//! [`Excerpt`] holds only what a diagnostic shows (each labelled line and
//! [`CONTEXT_LINES`] either side), each line cut to [`WINDOW_BYTES`] around its
//! labels with `…` where text was left out, and gives miette the real line numbers and
//! columns, so the header still reads `file:line:col` of the original.

use std::collections::BTreeMap;

use miette::{LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::source::{SourceFile, Span};

/// Lines of context shown above and below a labelled line; the renderer is set to the
/// same number, so that every line it asks for is in the excerpt.
pub(crate) const CONTEXT_LINES: usize = 1;

/// Most bytes of one source line shown (plus an ellipsis either side).
const WINDOW_BYTES: usize = 200;

/// Marks text left out at either end of a line.
const ELLIPSIS: &str = "…";

/// One labelled span of a diagnostic, as the diagnostic holds it.
pub(crate) struct Mark<'a> {
    pub span: Span,
    pub text: Option<&'a str>,
    pub primary: bool,
}

/// The clipped lines of one diagnostic and its labels translated into them.
#[derive(Clone)]
pub(crate) struct Excerpt {
    name: String,
    text: String,
    rows: Vec<Row>,
    labels: Vec<Label>,
}

/// One source line in the excerpt.
#[derive(Clone)]
struct Row {
    /// 0-based line number in the original.
    line: usize,
    /// Where the line starts in the excerpt text.
    start: usize,
}

#[derive(Clone)]
struct Label {
    span: LabeledSpan,
    /// 0-based line and character column of the label's start in the original.
    line: usize,
    column: usize,
}

/// The byte range of a line that is shown.
#[derive(Copy, Clone)]
struct Window {
    from: usize,
    to: usize,
}

impl Excerpt {
    /// Cuts the lines of `marks` out of `file`. A span that runs over several lines is
    /// shown on its first line only: the header and the underline still point at its
    /// start, and the snippet stays a few lines long.
    pub fn new(file: &SourceFile, marks: &[Mark<'_>]) -> Excerpt {
        let text = &file.text;
        let len = text.len();
        // Each mark as (line, start, end) in the original, clamped to its first line.
        let placed: Vec<(usize, usize, usize)> = marks
            .iter()
            .map(|m| {
                // Spans start and end on character boundaries (the lexer cuts only
                // there); rounding down keeps a stray one from splitting a character.
                let start = floor_boundary(text, (m.span.start as usize).min(len));
                let line = file.line_index(start);
                let (_, line_end) = file.line_bounds(line);
                let end = floor_boundary(
                    text,
                    (m.span.end as usize).clamp(start, line_end.max(start)),
                );
                (line, start, end)
            })
            .collect();
        let mut spans: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
        for &(line, start, end) in &placed {
            let s = spans.entry(line).or_insert((start, end));
            *s = (s.0.min(start), s.1.max(end));
        }
        let mut windows: BTreeMap<usize, Window> = spans
            .iter()
            .map(|(&line, &(start, end))| {
                let (from, to) = file.line_bounds(line);
                (line, window_around(text, from, to, start, end))
            })
            .collect();
        // A short context line is shown whole; a long one takes the window of the
        // labelled line it surrounds, at the same byte distance from the line start.
        let labelled: Vec<(usize, Window)> = windows.iter().map(|(&l, &w)| (l, w)).collect();
        // A final line break ends the last line; the empty "line" after it is shown
        // only when a label is on it (the end of the file), never as context.
        let last_context = if text.ends_with('\n') {
            file.line_count().saturating_sub(2)
        } else {
            file.line_count() - 1
        };
        for (line, w) in labelled {
            let (own_from, _) = file.line_bounds(line);
            let before = line.saturating_sub(CONTEXT_LINES);
            let after = (line + CONTEXT_LINES).min(last_context).max(line);
            for other in before..=after {
                windows.entry(other).or_insert_with(|| {
                    let (from, to) = file.line_bounds(other);
                    if to - from <= WINDOW_BYTES {
                        return Window { from, to };
                    }
                    let shift = |at: usize| floor_boundary(text, (from + (at - own_from)).min(to));
                    let start = shift(w.from);
                    Window {
                        from: start,
                        to: shift(w.from + WINDOW_BYTES).max(start),
                    }
                });
            }
        }
        let mut out = String::new();
        let mut rows = Vec::with_capacity(windows.len());
        // Where each line's shown text starts in the excerpt, for translating labels.
        let mut shown: BTreeMap<usize, (usize, Window)> = BTreeMap::new();
        for (&line, &w) in &windows {
            let (from, to) = file.line_bounds(line);
            rows.push(Row {
                line,
                start: out.len(),
            });
            if w.from > from {
                out.push_str(ELLIPSIS);
            }
            shown.insert(line, (out.len(), w));
            // A lone carriage return is a line break to miette but not to the lexer.
            out.extend(text[w.from..w.to].chars().map(|c| match c {
                '\r' => ' ',
                c => c,
            }));
            if w.to < to {
                out.push_str(ELLIPSIS);
            }
            out.push('\n');
        }
        let labels = marks
            .iter()
            .zip(&placed)
            .map(|(m, &(line, start, end))| {
                let (at, w) = shown[&line];
                let map = |x: usize| at + x.clamp(w.from, w.to) - w.from;
                let (offset, end) = (map(start), map(end));
                let span = (offset, end - offset);
                let label = m.text.map(str::to_owned);
                let span = if m.primary {
                    LabeledSpan::new_primary_with_span(label, span)
                } else {
                    LabeledSpan::new_with_span(label, span)
                };
                Label {
                    span,
                    line,
                    column: file.line_col(start as u32).1 as usize - 1,
                }
            })
            .collect();
        Excerpt {
            name: file.name.clone(),
            text: out,
            rows,
            labels,
        }
    }

    /// The labels, with spans into the excerpt.
    pub fn labels(&self) -> impl Iterator<Item = LabeledSpan> + '_ {
        self.labels.iter().map(|l| l.span.clone())
    }

    fn row_at(&self, offset: usize) -> usize {
        self.rows
            .partition_point(|r| r.start <= offset)
            .saturating_sub(1)
    }
}

/// At most [`WINDOW_BYTES`] of the line `from..to` around `start..end`, on character
/// boundaries: the whole line when it is short, else the span's start with as much
/// context before it as the window leaves.
fn window_around(text: &str, from: usize, to: usize, start: usize, end: usize) -> Window {
    if to - from <= WINDOW_BYTES {
        return Window { from, to };
    }
    let slack = WINDOW_BYTES.saturating_sub(end - start);
    let mut lo = start.saturating_sub(slack / 2).max(from);
    let hi = (lo + WINDOW_BYTES).min(to);
    lo = lo.min(hi.saturating_sub(WINDOW_BYTES)).max(from);
    let lo = floor_boundary(text, lo);
    Window {
        from: lo,
        to: floor_boundary(text, hi).max(lo),
    }
}

/// The nearest character boundary at or before `at`.
fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        let read = *inner.span();
        let first = self.row_at(read.offset());
        let last = self.row_at(read.offset() + read.len().saturating_sub(1));
        // miette asks for a label with no context to title the snippet
        // `file:line:col`: answer with the original's line and column.
        let (line, column) = match self.labels.iter().find(|l| {
            context_lines_before == 0
                && l.span.offset() == span.offset()
                && l.span.len() == span.len()
        }) {
            Some(l) => (l.line, l.column),
            None => (self.rows[first].line, inner.column()),
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            read,
            line,
            column,
            // miette joins two snippets when one's lines reach the other's: count the
            // lines shown, so only neighbours in the original are joined.
            last - first + 1,
        )))
    }
}
