//! The embedded Perl preprocessor (SystemRDL 2.0 16.1): `<% code %>` and
//! `<%= expression %>`, run by the system `perl`.
//!
//! As in systemrdl-compiler, the file becomes one Perl program: each text segment
//! becomes a call that emits it (by number), each `<% %>` its code, each `<%= %>` a
//! call that emits the expression's value. The program runs in a `Safe`
//! compartment that allows systemrdl-compiler's default opcode set, with a time
//! limit; its output (the emitted segments, in order) becomes the stage-1 text.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::map::Piece;
use super::{At, PpError, Segment, SegmentKind, SourceMap};
use crate::frontend::diagnostics::codes;
use crate::frontend::source::Span;

/// Opcode tags the Perl may use: systemrdl-compiler's default `perl_safe_opcodes`.
const SAFE_OPCODES: &str = ":base_core,:base_mem,:base_loop,:base_orig,:base_math,\
:base_thread,:filesys_read,:sys_db,:load,sort,tied,pack,unpack,reset";

/// Longest a file's Perl may run.
const TIME_LIMIT: Duration = Duration::from_secs(10);

/// The driver: reads the program on stdin, runs it in the compartment, prints the
/// emitted segments as `R <n>` (text segment n) or `V <n> <bytes>` + the bytes.
const DRIVER: &str = r#"
use strict;
use Safe;
my @twinreg_out;
sub twinreg_pp::text { push @twinreg_out, ['R', $_[0]]; }
sub twinreg_pp::value { push @twinreg_out, ['V', $_[0], $_[1]]; }
my $program = do { local $/; <STDIN> };
my $safe = Safe->new;
$safe->permit(split /,/, $ARGV[0]);
$safe->share_from('main', ['%ENV', '&twinreg_pp::text', '&twinreg_pp::value']);
$safe->reval($program);
if ($@) { print STDERR $@; exit 1; }
binmode STDOUT;
for my $e (@twinreg_out) {
    if ($e->[0] eq 'R') { print "R $e->[1]\n"; next; }
    my $v = defined $e->[2] ? "$e->[2]" : '';
    utf8::encode($v) if utf8::is_utf8($v);
    print "V $e->[1] ", length($v), "\n", $v;
}
"#;

/// Runs the Perl of one input's segments and appends its output to `stage1`.
pub(super) fn run(
    perl: &OsString,
    segs: &[Segment],
    map: &mut SourceMap,
    stage1: &mut String,
) -> Result<(), PpError> {
    let first_tag = segs
        .iter()
        .find(|s| s.kind != SegmentKind::Text)
        .map_or(At::Stage1(Span::default()), |s| {
            At::Origin(s.origin, s.span)
        });
    let (program, lines) = program(segs, map)?;
    let output = execute(perl, &program).map_err(|f| match f {
        Failure::Missing => PpError::new(
            first_tag,
            codes::PERL,
            format!(
                "this file uses embedded Perl (`<% %>`), and `{}` was not found",
                perl.to_string_lossy()
            ),
        )
        .hint("install Perl (the `perl` package) or set TWINREG_PERL to its path"),
        Failure::TimedOut => PpError::new(
            first_tag,
            codes::PERL,
            format!(
                "the embedded Perl ran longer than {} s and was stopped",
                TIME_LIMIT.as_secs()
            ),
        ),
        Failure::Io(e) => PpError::new(first_tag, codes::PERL, format!("cannot run Perl: {e}")),
        Failure::Perl(message) => perl_error(&message, segs, &lines, map),
    })?;
    emit(&output, segs, map, stage1)
        .map_err(|m| PpError::new(At::Stage1(Span::default()), codes::PERL, m))
}

/// The program, and the first line (1-based) of each segment in it.
fn program(segs: &[Segment], map: &SourceMap) -> Result<(String, Vec<u32>), PpError> {
    let mut out = String::new();
    let mut lines = Vec::with_capacity(segs.len());
    let mut line = 1;
    for (n, s) in segs.iter().enumerate() {
        lines.push(line);
        let text = tag_text(s, map);
        let stmt = match s.kind {
            SegmentKind::Text => format!("twinreg_pp::text({n});"),
            SegmentKind::Perl => text[2..text.len() - 2].to_owned(),
            SegmentKind::PerlValue => {
                let expr = &text[3..text.len() - 2];
                // systemrdl-compiler rejects `<%= %>` that starts with a blank or `;`.
                if expr.starts_with(|c: char| c.is_whitespace() || c == ';') || expr.is_empty() {
                    return Err(PpError::new(
                        At::Origin(s.origin, s.span),
                        codes::PERL,
                        "`<%=` must be followed directly by the Perl expression",
                    )
                    .hint("write `<%=$name%>`, without blanks after `<%=`"));
                }
                format!("twinreg_pp::value({n}, {expr});")
            }
        };
        line += stmt.matches('\n').count() as u32 + 1;
        out.push_str(&stmt);
        out.push('\n');
    }
    Ok((out, lines))
}

fn tag_text<'m>(s: &Segment, map: &'m SourceMap) -> &'m str {
    let file = map.origins[s.origin as usize].file as usize;
    map.files[file]
        .file
        .text
        .get(s.span.start as usize..s.span.end as usize)
        .unwrap_or("")
}

enum Failure {
    Missing,
    TimedOut,
    Io(std::io::Error),
    Perl(String),
}

fn execute(perl: &OsString, program: &str) -> Result<Vec<u8>, Failure> {
    let mut child = Command::new(perl)
        .arg("-e")
        .arg(DRIVER)
        .arg(SAFE_OPCODES)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Failure::Missing,
            _ => Failure::Io(e),
        })?;
    // Feed and drain on threads: a large program or output must not dead-lock
    // on full pipes.
    let mut stdin = child.stdin.take();
    let program = program.as_bytes().to_vec();
    let feeder = std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            // perl stopping early (a syntax error) closes the pipe: not our error.
            let _ = s.write_all(&program);
        }
    });
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + TIME_LIMIT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Failure::TimedOut);
            }
            Err(e) => return Err(Failure::Io(e)),
        }
    };
    let _ = feeder.join();
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if status.success() {
        Ok(stdout)
    } else {
        Err(Failure::Perl(
            String::from_utf8_lossy(&stderr).trim_end().to_owned(),
        ))
    }
}

/// Perl's message, placed at the tag its `line N` falls in.
fn perl_error(message: &str, segs: &[Segment], lines: &[u32], map: &SourceMap) -> PpError {
    let line = message
        .split(" line ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse::<u32>().ok());
    let at = line
        .and_then(|l| {
            let i = lines.partition_point(|&s| s <= l).checked_sub(1)?;
            let s = segs.get(i).filter(|s| s.kind != SegmentKind::Text)?;
            // Narrow to the line of the tag Perl names.
            let text = tag_text(s, map);
            let skip = (l - lines[i]) as usize;
            let start = text
                .match_indices('\n')
                .nth(skip.wrapping_sub(1))
                .map_or(0, |(p, _)| if skip == 0 { 0 } else { p + 1 });
            let end = text[start..].find('\n').map_or(text.len(), |e| start + e);
            let span = Span::new(s.span.start + start as u32, s.span.start + end as u32);
            Some(At::Origin(s.origin, span))
        })
        .or_else(|| {
            segs.iter()
                .find(|s| s.kind != SegmentKind::Text)
                .map(|s| At::Origin(s.origin, s.span))
        })
        .unwrap_or(At::Stage1(Span::default()));
    // Perl's first lines name the problem; later ones repeat it for the driver.
    let said: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(3)
        .collect();
    PpError::new(
        at,
        codes::PERL,
        format!("embedded Perl failed: {}", said.join(" ")),
    )
}

/// Appends the driver's output to the stage-1 text.
fn emit(
    output: &[u8],
    segs: &[Segment],
    map: &mut SourceMap,
    stage1: &mut String,
) -> Result<(), String> {
    let bad = || "unexpected output from the Perl driver".to_owned();
    let mut at = 0;
    while at < output.len() {
        let nl = output[at..]
            .iter()
            .position(|&c| c == b'\n')
            .ok_or_else(bad)?
            + at;
        let head = std::str::from_utf8(&output[at..nl]).map_err(|_| bad())?;
        at = nl + 1;
        let mut parts = head.split(' ');
        let kind = parts.next();
        let n: usize = parts.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
        let seg = *segs.get(n).ok_or_else(bad)?;
        match kind {
            Some("R") => super::copy_segment(map, &seg, stage1),
            Some("V") => {
                let len: usize = parts.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
                let bytes = output.get(at..at + len).ok_or_else(bad)?;
                at += len;
                if bytes.is_empty() {
                    continue;
                }
                let value = String::from_utf8_lossy(bytes);
                map.stage1.push(Piece {
                    out: stage1.len() as u32,
                    len: value.len() as u32,
                    src: seg.span,
                    origin: seg.origin,
                    expansion: Some(Arc::from("the output of embedded Perl")),
                });
                stage1.push_str(&value);
            }
            _ => return Err(bad()),
        }
        if stage1.len() > crate::frontend::MAX_SOURCE_BYTES {
            return Err(format!(
                "the embedded Perl made more than {} bytes of text",
                crate::frontend::MAX_SOURCE_BYTES
            ));
        }
    }
    Ok(())
}
