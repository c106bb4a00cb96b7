//! The Verilog-style preprocessor of SystemRDL 2.0 16.2, as systemrdl-compiler
//! implements it.
//!
//! - Directives stand at the start of a line (blanks before them are fine) and
//!   nothing but comments may follow `` `ifdef X ``, `` `else ``, `` `endif ``,
//!   `` `undef X `` on their line.
//! - `` `define NAME body `` runs to the end of the line (`\` continues it) or to a
//!   comment; `` `define NAME(a, b) body `` takes arguments, substituted as whole
//!   words outside strings. In a body, `` `" `` is `"`, `` `\`" `` is `\"` and
//!   ` `` ` pastes tokens.
//! - A use `` `NAME `` or `` `NAME(x, y) `` is replaced by the body, itself
//!   preprocessed again (macros in it expand; a macro may not expand to itself).
//! - Comments and strings are copied as they are: nothing in them expands.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use super::map::Piece;
use super::{find, trailing_junk, At, PpError};
use crate::frontend::diagnostics::codes;
use crate::frontend::source::{find_byte, Span};
use crate::frontend::suggest::did_you_mean;
use crate::frontend::MAX_SOURCE_BYTES;

/// Deepest nesting of macro expansions (a macro whose body uses a macro whose
/// body uses ...): each level is a recursion of the scanner.
pub const MAX_EXPANSION_DEPTH: usize = 64;

/// Directive names a macro may not take.
const RESERVED: &[&str] = &[
    "include", "ifdef", "ifndef", "elsif", "else", "endif", "define", "undef", "line", "__LINE__",
    "__FILE__",
];

/// A `` `define ``d macro: its parameters and its body, cut at the parameters.
#[derive(Debug)]
struct Macro {
    params: Vec<String>,
    body: Vec<Part>,
}

#[derive(Debug)]
enum Part {
    Text(String),
    Param(usize),
}

/// Preprocesses `text` (one input's stage-1 text, which starts at `base` in the
/// whole stage-1 text), appending to `out` and recording pieces in `pieces`.
pub(super) fn run(
    text: &str,
    base: u32,
    defines: &[(String, String)],
    pieces: &mut Vec<Piece>,
    out: &mut String,
) -> Result<(), PpError> {
    let mut macros = HashMap::new();
    for (name, body) in defines {
        macros.insert(
            name.clone(),
            Rc::new(Macro {
                params: Vec::new(),
                body: prepare(body, &[]),
            }),
        );
    }
    let mut pp = Vpp {
        macros,
        active: Vec::new(),
    };
    let mut sink = Sink {
        out,
        pieces: Some(pieces),
        base,
    };
    pp.scan(text, base, None, &mut sink)
}

/// Where a scan writes: the output, and the source record at the top level
/// (nested scans of macro bodies record nothing: their text maps to the use).
struct Sink<'a> {
    out: &'a mut String,
    pieces: Option<&'a mut Vec<Piece>>,
    base: u32,
}

impl Sink<'_> {
    fn copy(&mut self, text: &str, from: usize, to: usize) {
        if from >= to {
            return;
        }
        if let Some(p) = self.pieces.as_deref_mut() {
            p.push(Piece {
                out: self.out.len() as u32,
                len: (to - from) as u32,
                src: Span::new(self.base + from as u32, self.base + to as u32),
                origin: 0,
                expansion: None,
            });
        }
        self.out.push_str(&text[from..to]);
    }

    fn expansion(&mut self, text: &str, src: Span, name: &str) {
        if text.is_empty() {
            return;
        }
        if let Some(p) = self.pieces.as_deref_mut() {
            p.push(Piece {
                out: self.out.len() as u32,
                len: text.len() as u32,
                src,
                origin: 0,
                expansion: Some(Arc::from(format!("the expansion of macro `{name}`"))),
            });
        }
        self.out.push_str(text);
    }
}

/// The state of one `` `ifdef `` ... `` `endif `` (systemrdl-compiler's model).
#[derive(Clone, Copy, Debug)]
struct Cond {
    in_if: bool,
    in_else: bool,
    /// Text here is kept.
    active: bool,
    /// A branch was taken already.
    done: bool,
    parent_active: bool,
    /// The opening directive, for an unclosed conditional.
    opened: Span,
}

impl Cond {
    fn new(parent_active: bool) -> Cond {
        Cond {
            in_if: false,
            in_else: false,
            active: parent_active,
            done: false,
            parent_active,
            opened: Span::default(),
        }
    }

    fn idle(&self) -> bool {
        !(self.in_if || self.in_else)
    }

    fn ifdef(&mut self, taken: bool, at: Span) {
        self.in_if = true;
        self.in_else = false;
        self.done = false;
        self.active = taken && self.parent_active;
        self.opened = at;
    }

    fn elsif(&mut self, taken: bool) {
        if self.done {
            return;
        }
        if self.active {
            self.active = false;
            self.done = true;
        } else if taken {
            self.active = self.parent_active;
        }
    }

    fn else_(&mut self) {
        self.in_if = false;
        self.in_else = true;
        if self.done {
            return;
        }
        if self.active {
            self.active = false;
            self.done = true;
        } else {
            self.active = self.parent_active;
        }
    }

    fn endif(&mut self) {
        self.in_if = false;
        self.in_else = false;
        self.active = self.parent_active;
        self.done = false;
    }
}

struct Vpp {
    macros: HashMap<String, Rc<Macro>>,
    /// Macros being expanded, innermost last.
    active: Vec<String>,
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn word_end(b: &[u8], mut i: usize) -> usize {
    while b.get(i).copied().is_some_and(is_word) {
        i += 1;
    }
    i
}

/// After a directive: one or more blanks, then a name. `(start, end)` of the name.
fn name_after(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    while matches!(b.get(j), Some(b' ' | b'\t')) {
        j += 1;
    }
    let end = word_end(b, j);
    (j > i && end > j).then_some((j, end))
}

/// The end of a string literal starting at `i` (just past the closing quote), or
/// `None` when it does not close.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

impl Vpp {
    /// One pass over `text`. Errors point at `fixed` when set (inside a macro
    /// body), else at the offending text (`base` is `text`'s stage-1 offset).
    fn scan(
        &mut self,
        text: &str,
        base: u32,
        fixed: Option<Span>,
        sink: &mut Sink<'_>,
    ) -> Result<(), PpError> {
        let b = text.as_bytes();
        if !text.contains('`') {
            sink.copy(text, 0, b.len());
            return Ok(());
        }
        let at = |s: usize, e: usize| {
            At::Stage1(fixed.unwrap_or(Span::new(base + s as u32, base + e as u32)))
        };
        let mut cond = Cond::new(true);
        let mut stack: Vec<Cond> = Vec::new();
        let mut pending = 0;
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    i = find_byte(b, i, b'\n').unwrap_or(b.len());
                }
                b'/' if b.get(i + 1) == Some(&b'*') => {
                    i = find(b, i + 2, b"*/").map_or(i + 1, |e| e + 2);
                }
                b'"' => i = string_end(b, i).unwrap_or(i + 1),
                b'`' => {
                    let wend = word_end(b, i + 1);
                    if wend == i + 1 {
                        i += 1;
                        continue;
                    }
                    let word = &text[i + 1..wend];
                    let line_start = b[..i]
                        .iter()
                        .rposition(|&c| c == b'\n')
                        .map_or(0, |p| p + 1);
                    let first_on_line = b[line_start..i].iter().all(|&c| c == b' ' || c == b'\t');
                    let named = name_after(b, wend);
                    let directive = first_on_line
                        && match word {
                            "ifdef" | "ifndef" | "elsif" | "define" | "undef" => named.is_some(),
                            "else" | "endif" | "line" => true,
                            _ => false,
                        };
                    if !directive {
                        if !cond.active {
                            i = wend;
                            continue;
                        }
                        sink.copy(text, pending, i);
                        i = self.use_macro(text, base, fixed, i, wend, sink)?;
                        pending = i;
                        continue;
                    }
                    if cond.active {
                        sink.copy(text, pending, i);
                    }
                    let here = at(i, wend);
                    let mut check_trailing = true;
                    i = match word {
                        "ifdef" | "ifndef" => {
                            let (s, e) = named.unwrap_or((wend, wend));
                            let defined = self.macros.contains_key(&text[s..e]);
                            if !cond.idle() {
                                stack.push(cond);
                                cond = Cond::new(cond.active);
                            }
                            let span = fixed.unwrap_or(Span::new(base + i as u32, base + e as u32));
                            cond.ifdef(defined == (word == "ifdef"), span);
                            e
                        }
                        "elsif" => {
                            if !cond.in_if || cond.in_else {
                                return Err(PpError::new(
                                    here,
                                    codes::PREPROCESS,
                                    "`elsif without `ifdef",
                                ));
                            }
                            let (s, e) = named.unwrap_or((wend, wend));
                            cond.elsif(self.macros.contains_key(&text[s..e]));
                            e
                        }
                        "else" => {
                            if !cond.in_if || cond.in_else {
                                return Err(PpError::new(
                                    here,
                                    codes::PREPROCESS,
                                    "`else without `ifdef",
                                ));
                            }
                            cond.else_();
                            wend
                        }
                        "endif" => {
                            if cond.idle() && stack.is_empty() {
                                return Err(PpError::new(
                                    here,
                                    codes::PREPROCESS,
                                    "`endif without `ifdef",
                                ));
                            }
                            cond.endif();
                            if let Some(outer) = stack.pop() {
                                cond = outer;
                            }
                            wend
                        }
                        "undef" => {
                            let (s, e) = named.unwrap_or((wend, wend));
                            if cond.active {
                                self.macros.remove(&text[s..e]);
                            }
                            e
                        }
                        "line" => {
                            // `line only renumbers lines for other tools: dropped.
                            check_trailing = false;
                            find_byte(b, i, b'\n').unwrap_or(b.len())
                        }
                        _ => {
                            // `define
                            check_trailing = false;
                            let (s, e) = named.unwrap_or((wend, wend));
                            self.define(text, base, fixed, s, e, cond.active)?
                        }
                    };
                    if check_trailing {
                        if let Some(junk) = trailing_junk(b, i) {
                            return Err(PpError::new(
                                at(junk.start as usize, junk.end as usize),
                                codes::PREPROCESS,
                                format!("unexpected text after `{word}"),
                            )
                            .hint("a preprocessor directive stands alone on its line (comments may follow)"));
                        }
                    }
                    pending = i;
                }
                _ => i += 1,
            }
        }
        if cond.active {
            sink.copy(text, pending, b.len());
        }
        if !cond.idle() || !stack.is_empty() {
            let open = stack.first().map_or(cond.opened, |c| c.opened);
            return Err(
                PpError::new(At::Stage1(open), codes::PREPROCESS, "`ifdef without `endif")
                    .hint("close the conditional with `endif"),
            );
        }
        Ok(())
    }

    /// `` `define `` with its name at `s..e`: returns where scanning goes on.
    fn define(
        &mut self,
        text: &str,
        base: u32,
        fixed: Option<Span>,
        s: usize,
        e: usize,
        active: bool,
    ) -> Result<usize, PpError> {
        let b = text.as_bytes();
        let at = |s: usize, e: usize| {
            At::Stage1(fixed.unwrap_or(Span::new(base + s as u32, base + e as u32)))
        };
        let name = &text[s..e];
        if RESERVED.contains(&name) {
            return Err(PpError::new(
                at(s, e),
                codes::PREPROCESS,
                format!("`{name}` is a preprocessor directive and cannot be a macro name"),
            ));
        }
        let mut i = e;
        let mut params = Vec::new();
        if b.get(i) == Some(&b'(') {
            let close = b[i + 1..]
                .iter()
                .position(|&c| !(is_word(c) || matches!(c, b' ' | b'\t' | b',')))
                .map(|p| i + 1 + p);
            let close = match close {
                Some(c) if b[c] == b')' && c > i + 1 => c,
                _ => {
                    return Err(PpError::new(
                        at(i, i + 1),
                        codes::PREPROCESS,
                        format!("malformed parameter list of macro `{name}`"),
                    )
                    .hint("write `define NAME(a, b) body, with names separated by commas"));
                }
            };
            let mut p_at = i + 1;
            for raw in text[i + 1..close].split(',') {
                let p = raw.trim();
                if p.is_empty() || !p.bytes().all(is_word) {
                    return Err(PpError::new(
                        at(p_at, p_at + raw.len()),
                        codes::PREPROCESS,
                        format!("malformed parameter list of macro `{name}`"),
                    ));
                }
                params.push(p.to_owned());
                p_at += raw.len() + 1;
            }
            i = close + 1;
        }
        let end = body_end(b, i);
        let raw = &text[i..end];
        let body = raw.replace("\\\r\n", "\r\n").replace("\\\n", "\n");
        if active {
            let body = prepare(body.trim(), &params);
            self.macros
                .insert(name.to_owned(), Rc::new(Macro { params, body }));
        }
        Ok(end)
    }

    /// A macro use `` `word `` at `i..wend`: expands it into `sink`, returns where
    /// scanning goes on.
    fn use_macro(
        &mut self,
        text: &str,
        base: u32,
        fixed: Option<Span>,
        i: usize,
        wend: usize,
        sink: &mut Sink<'_>,
    ) -> Result<usize, PpError> {
        let at = |s: usize, e: usize| {
            At::Stage1(fixed.unwrap_or(Span::new(base + s as u32, base + e as u32)))
        };
        let name = &text[i + 1..wend];
        if matches!(
            name,
            "include" | "ifdef" | "ifndef" | "elsif" | "define" | "undef" | "else" | "endif"
        ) {
            return Err(PpError::new(
                at(i, wend),
                codes::PREPROCESS,
                format!("incomplete or misplaced `{name} directive"),
            )
            .hint("a directive starts its own line, and `ifdef/`ifndef/`elsif/`define/`undef need a name"));
        }
        let Some(m) = self.macros.get(name).cloned() else {
            let mut e = PpError::new(
                at(i + 1, wend),
                codes::PREPROCESS,
                format!("macro `{name}` is not defined"),
            );
            if let Some(s) = did_you_mean(name, self.macros.keys().map(String::as_str)) {
                e = e.hint(s);
            } else {
                e = e.hint("define it with `define, or on the command line with -D NAME=VALUE");
            }
            return Err(e);
        };
        let mut end = wend;
        let mut args = Vec::new();
        if !m.params.is_empty() {
            let (raw, after) = arguments(text, wend).map_err(|(s, e, msg)| {
                PpError::new(at(s, e), codes::PREPROCESS, msg.replace("{}", name))
            })?;
            end = after;
            for (s, e) in raw {
                let arg_at = fixed.or(Some(Span::new(base + s as u32, base + e as u32)));
                args.push(self.expand(text[s..e].trim(), arg_at)?);
            }
            if args.len() != m.params.len() {
                return Err(PpError::new(
                    at(i, end),
                    codes::PREPROCESS,
                    format!(
                        "macro `{name}` takes {} argument{}, {} given",
                        m.params.len(),
                        if m.params.len() == 1 { "" } else { "s" },
                        args.len()
                    ),
                ));
            }
        }
        if self.active.iter().any(|a| a == name) {
            return Err(PpError::new(
                at(i + 1, wend),
                codes::PREPROCESS,
                format!("macro `{name}` expands to itself"),
            ));
        }
        if self.active.len() >= MAX_EXPANSION_DEPTH {
            return Err(PpError::new(
                at(i, end),
                codes::LIMIT,
                format!("macro expansions nested more than {MAX_EXPANSION_DEPTH} deep"),
            ));
        }
        let mut body = String::new();
        for part in &m.body {
            match part {
                Part::Text(t) => body.push_str(t),
                Part::Param(n) => body.push_str(args.get(*n).map_or("", String::as_str)),
            }
        }
        let use_span = fixed.unwrap_or(Span::new(base + i as u32, base + end as u32));
        self.active.push(name.to_owned());
        let expanded = self.expand(&body, Some(use_span));
        self.active.pop();
        let expanded = expanded?;
        if sink.out.len() + expanded.len() > MAX_SOURCE_BYTES {
            return Err(PpError::new(
                at(i, end),
                codes::LIMIT,
                format!("macro expansion makes the source longer than {MAX_SOURCE_BYTES} bytes"),
            ));
        }
        sink.expansion(&expanded, use_span, name);
        Ok(end)
    }

    /// Preprocesses a macro body or argument on its own; errors point at `fixed`.
    fn expand(&mut self, text: &str, fixed: Option<Span>) -> Result<String, PpError> {
        let mut out = String::new();
        let mut sink = Sink {
            out: &mut out,
            pieces: None,
            base: 0,
        };
        self.scan(text, 0, fixed, &mut sink)?;
        Ok(out)
    }
}

/// The end of a `` `define ``'s body starting at `i`: the end of the line, past
/// lines continued with `\`, or an earlier comment.
fn body_end(b: &[u8], i: usize) -> usize {
    let mut max = b.len();
    let mut k = i;
    while let Some(nl) = find_byte(b, k, b'\n') {
        let mut p = nl;
        if p > 0 && b[p - 1] == b'\r' {
            p -= 1;
        }
        if p > 0 && b[p - 1] == b'\\' && p > i {
            k = nl + 1;
            continue;
        }
        max = nl;
        break;
    }
    let mut j = i;
    while j < max {
        if b[j..max].starts_with(b"`\"") {
            j += 2;
        } else if b[j..max].starts_with(b"`\\`\"") {
            j += 4;
        } else if b[j] == b'"' {
            j = string_end(&b[..max], j).unwrap_or(j + 1);
        } else if b[j..max].starts_with(b"//") {
            return j;
        } else if b[j..max].starts_with(b"/*") {
            let line_end = find_byte(b, j, b'\n').unwrap_or(max).min(max);
            match find(&b[..line_end], j + 2, b"*/") {
                Some(e) => j = e + 2,
                None => return j,
            }
        } else {
            j += 1;
        }
    }
    max.min(b.len())
}

/// Cuts a body at its parameters: `` `" `` -> `"`, `` `\`" `` -> `\"`, ` `` `
/// and one-line comments dropped, parameter names (whole words outside strings)
/// marked.
fn prepare(body: &str, params: &[String]) -> Vec<Part> {
    let b = body.as_bytes();
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"`\"") {
            cur.push('"');
            i += 2;
        } else if b[i..].starts_with(b"`\\`\"") {
            cur.push_str("\\\"");
            i += 4;
        } else if b[i..].starts_with(b"``") {
            i += 2;
        } else if b[i] == b'"' {
            let e = string_end(b, i).unwrap_or(i + 1);
            cur.push_str(&body[i..e]);
            i = e;
        } else if b[i..].starts_with(b"/*") {
            let line_end = find_byte(b, i, b'\n').unwrap_or(b.len());
            match find(&b[..line_end], i + 2, b"*/") {
                Some(e) => i = e + 2,
                None => {
                    cur.push_str("/*");
                    i += 2;
                }
            }
        } else if is_word(b[i]) {
            let e = word_end(b, i);
            let w = &body[i..e];
            match params.iter().position(|p| p == w) {
                Some(n) => {
                    parts.push(Part::Text(std::mem::take(&mut cur)));
                    parts.push(Part::Param(n));
                }
                None => cur.push_str(w),
            }
            i = e;
        } else {
            let ch = body[i..].chars().next().map_or(1, char::len_utf8);
            cur.push_str(&body[i..i + ch]);
            i += ch;
        }
    }
    parts.push(Part::Text(cur));
    parts
}

type ArgSpans = Vec<(usize, usize)>;

/// The arguments of a macro use, `(a, f(b, c), {d, e})`, after `i`: the span of
/// each and where the use ends. Errors: `(start, end, message)` with `{}` for the
/// macro's name.
fn arguments(text: &str, i: usize) -> Result<(ArgSpans, usize), (usize, usize, String)> {
    let b = text.as_bytes();
    let mut j = i;
    while b.get(j).is_some_and(u8::is_ascii_whitespace) {
        j += 1;
    }
    if b.get(j) != Some(&b'(') {
        return Err((i, i, "macro `{}` takes arguments: expected `(`".to_owned()));
    }
    let open = j;
    j += 1;
    let mut args = Vec::new();
    let mut start = j;
    let mut nest: Vec<u8> = Vec::new();
    while j < b.len() {
        match b[j] {
            b'/' if b.get(j + 1) == Some(&b'/') => {
                j = find_byte(b, j, b'\n').unwrap_or(b.len());
                continue;
            }
            b'/' if b.get(j + 1) == Some(&b'*') => {
                j = find(b, j + 2, b"*/").map_or(j + 1, |e| e + 2);
                continue;
            }
            b'"' => {
                j = string_end(b, j).unwrap_or(j + 1);
                continue;
            }
            b',' if nest.is_empty() => {
                args.push((start, j));
                start = j + 1;
            }
            b')' if nest.is_empty() => {
                args.push((start, j));
                return Ok((args, j + 1));
            }
            c @ (b'(' | b'[' | b'{') => nest.push(c),
            c @ (b')' | b']' | b'}') => {
                let want = match nest.pop() {
                    Some(b'(') => b')',
                    Some(b'[') => b']',
                    Some(_) => b'}',
                    None => 0,
                };
                if want != c {
                    return Err((
                        j,
                        j + 1,
                        format!(
                            "unbalanced `{}` in the arguments of macro `{{}}`",
                            c as char
                        ),
                    ));
                }
            }
            _ => {}
        }
        j += 1;
    }
    Err((
        open,
        open + 1,
        "the arguments of macro `{}` have no closing `)`".to_owned(),
    ))
}
