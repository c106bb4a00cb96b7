//! The Markdown rendering (GitHub-flavoured: tables, heading anchors).

use std::fmt::Write as _;

use super::{intro, Doc, FieldDoc, Note, RegDoc, Row};
use crate::names;

/// Text safe in a Markdown paragraph or table cell: one line, with the characters
/// that would start markup or end a cell escaped.
fn esc(s: &str) -> String {
    let plain = |b: u8| {
        !matches!(
            b,
            b'\\' | b'|' | b'*' | b'`' | b'[' | b']' | b'<' | b'>' | b'\n' | b'\r' | b'\t'
        )
    };
    if s.bytes().all(plain) && !s.contains("  ") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    // Runs of white space (line breaks included) become one space; a space at either
    // end is kept, so pieces can be joined.
    let mut one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.starts_with(char::is_whitespace) && !one_line.is_empty() {
        one_line.insert(0, ' ');
    }
    if s.ends_with(char::is_whitespace) && !one_line.is_empty() {
        one_line.push(' ');
    }
    for c in one_line.chars() {
        match c {
            '\\' | '|' | '*' | '`' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

fn note(out: &mut String, n: &Note) {
    let sep = if n.text.is_empty() { " " } else { ": " };
    let _ = write!(out, "- **{}**{sep}{}", n.label, esc(&n.text));
    if let Some(l) = &n.link {
        let _ = write!(out, "[{}](#{})", l.name, l.anchor);
    }
    let _ = writeln!(out, "{}", esc(&n.after));
}

fn register(out: &mut String, doc: &Doc, r: &RegDoc) {
    let _ = writeln!(out, "### {}\n", r.name);
    let mut head = Vec::new();
    if let Some(t) = &r.title {
        head.push(format!("**{}**", esc(t)));
    }
    head.push(format!("offset `{}`", doc.offset(r.address)));
    head.push(format!("{} bank", r.bank));
    head.push(super::Doc::width_text(r));
    head.push(format!("reset `{}`", doc.reset(r)));
    let _ = writeln!(out, "{}\n", head.join(" · "));
    if let Some(d) = &r.desc {
        let _ = writeln!(out, "{}\n", esc(d));
    }
    if !r.notes.is_empty() {
        for n in &r.notes {
            note(out, n);
        }
        out.push('\n');
    }
    out.push_str("| Bits | Field | Access | Reset | Hardware | Guard | Description |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for row in &r.rows {
        match row {
            Row::Field(f) => {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    row.bits(),
                    f.name,
                    f.access,
                    esc(&f.reset),
                    esc(&f.hardware),
                    f.guard.as_deref().map(esc).unwrap_or_else(|| "—".into()),
                    f.desc.as_deref().map(esc).unwrap_or_default()
                );
            }
            Row::Res0 { .. } => {
                let _ = writeln!(
                    out,
                    "| {} | — | RES0 | 0 | — | — | Reserved: reads as zero, writes are ignored. |",
                    row.bits()
                );
            }
        }
    }
    out.push('\n');
    // Encoded values, once per enumeration: fields sharing one are listed together.
    let fields: Vec<&FieldDoc> = r
        .rows
        .iter()
        .filter_map(|row| match row {
            Row::Field(f) if f.encode.is_some() => Some(&**f),
            _ => None,
        })
        .collect();
    let mut done: Vec<usize> = Vec::new();
    for f in &fields {
        let Some(e) = f.encode else { continue };
        if done.contains(&e) {
            continue;
        }
        done.push(e);
        let users: Vec<String> = fields
            .iter()
            .filter(|g| g.encode == Some(e))
            .map(|g| g.name.clone())
            .collect();
        let _ = writeln!(out, "{} values:\n", names::join_and(users));
        for (v, name, desc) in &f.values {
            let _ = writeln!(
                out,
                "- `{v}` {name}{}",
                desc.as_deref()
                    .map(|d| format!(": {}", esc(d)))
                    .unwrap_or_default()
            );
        }
        out.push('\n');
    }
}

pub(super) fn render(doc: &Doc) -> String {
    let regs: usize = doc.banks.iter().map(|b| b.regs.len()).sum();
    let mut out = String::with_capacity(4 * 1024 + regs * 2 * 1024);
    let _ = writeln!(out, "# {}: register reference\n", esc(&doc.title));
    if let Some(d) = &doc.desc {
        let _ = writeln!(out, "{}\n", esc(d));
    }
    for p in intro(doc) {
        // The intro's code spans are meant as code: keep its backticks.
        let _ = writeln!(out, "{p}\n");
    }
    out.push_str("## Register banks\n\n");
    for b in &doc.banks {
        let _ = writeln!(
            out,
            "- [{}](#{}): {} registers",
            b.title,
            b.anchor,
            b.regs.len()
        );
    }
    out.push_str("\n## Access types\n\n| Access | Read | Write |\n|---|---|---|\n");
    for (k, r, w) in &doc.access_legend {
        let _ = writeln!(out, "| {k} | {} | {} |", esc(r), esc(w));
    }
    out.push_str(
        "\nHardware: what the register block's hardware side does with the field (\
         `reads`: the value is an output; `writes (we)`: a write port with enable; \
         `mirrors X`: an ACK field following control field X). \
         Guard: a software write to the field is ignored unless every condition holds.\n\n",
    );
    for b in &doc.banks {
        let _ = writeln!(out, "## {}\n", b.title);
        out.push_str("| Offset | Register | Name | Width | Reset |\n|---|---|---|---|---|\n");
        for r in &b.regs {
            let _ = writeln!(
                out,
                "| `{}` | [{}](#{}) | {} | {} | `{}` |",
                doc.offset(r.address),
                r.name,
                r.anchor,
                r.title.as_deref().map(esc).unwrap_or_default(),
                r.width,
                doc.reset(r)
            );
        }
        out.push('\n');
        for r in &b.regs {
            register(&mut out, doc, r);
        }
    }
    // Exactly one trailing newline.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_tables_or_start_markup() {
        assert_eq!(esc("a | b *c* <d>\n e"), "a \\| b \\*c\\* &lt;d&gt; e");
        assert_eq!(esc(" is "), " is ");
    }
}
