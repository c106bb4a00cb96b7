//! The HTML rendering: one file, inline CSS, SVG and one small script, no external
//! assets. A fixed sidebar lists the banks and their registers (collapsible with
//! `<details>`); on narrow screens and in print it moves out of the way.
//!
//! The sidebar follows the page: [`SCRIPT`] marks the link of the register at the top
//! of the view, and its bank, with the class `current` and `aria-current`, and scrolls
//! the sidebar to keep that link in sight. Each sidebar link carries `data-target`,
//! the id of the section it points to. Without JavaScript the page works the same,
//! without the highlight.

use std::fmt::Write as _;

use super::{intro, svg, Doc, Note, RegDoc, Row};

/// Escapes text for HTML content and attribute values.
pub(super) fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out.into()
}

/// Escapes text and turns `` `code` `` spans into `<code>`.
fn with_code(s: &str) -> String {
    s.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", esc(part))
            } else {
                esc(part).into_owned()
            }
        })
        .collect()
}

const STYLE: &str = r#"
:root { --line: #d0d7de; --soft: #f6f8fa; --ink: #1f2328; --muted: #59636e; --link: #0550ae; }
* { box-sizing: border-box; }
html { scroll-padding-top: 8px; }
body { margin: 0; color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
nav { position: fixed; top: 0; bottom: 0; left: 0; width: 240px; overflow-y: auto; padding: 14px 12px 24px; background: var(--soft); border-right: 1px solid var(--line); font-size: 13px; }
nav .brand { font-weight: 600; font-size: 15px; margin: 0 0 8px; }
nav summary { cursor: pointer; font-weight: 600; margin: 10px 0 4px; }
nav ul { list-style: none; margin: 0; padding: 0 0 0 6px; }
nav li { display: flex; justify-content: space-between; gap: 8px; padding: 1px 0; }
nav a.current { font-weight: 600; color: var(--ink); background: #ddf4ff; border-radius: 3px; padding: 0 4px; margin: 0 -4px; }
nav li span { color: var(--muted); font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 11.5px; }
main { margin-left: 240px; padding: 18px 36px 80px; max-width: 1180px; }
h1 { font-size: 26px; margin: 6px 0 10px; }
h2 { font-size: 21px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 17px; margin: 0 0 4px; }
h3 .title { font-weight: 400; color: var(--muted); margin-left: 8px; }
section.reg { margin-top: 26px; padding-top: 12px; border-top: 1px solid var(--line); }
.meta { margin: 2px 0 8px; color: var(--muted); }
.meta b { color: var(--ink); font-weight: 600; }
.bank { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.bank-nonsecure { background: #dafbe1; color: #116329; }
.bank-secure { background: #ffebe9; color: #a40e26; }
ul.notes { margin: 6px 0 10px; padding-left: 20px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
td.bits, td.acc, td.reset { white-space: nowrap; }
tr.res0 td { color: var(--muted); background: #fafbfc; }
tr:target td { background: #fff8c5; }
.acc span { display: inline-block; min-width: 34px; text-align: center; padding: 0 5px; border-radius: 4px; font-size: 12px; font-weight: 600; background: #eef1f4; }
.acc .RW { background: #dbeafe; } .acc .WO { background: #dcfce7; }
.acc .W1C, .acc .W1S, .acc .W1T, .acc .W0C, .acc .W0S, .acc .W0T, .acc .WC, .acc .WS, .acc .RC, .acc .RS, .acc .WRC { background: #fde9c8; }
ul.values { margin: 4px 0 0; padding-left: 18px; }
svg.bitfield { display: block; max-width: 100%; height: auto; margin: 8px 0 6px; }
svg.bitfield text { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
svg.bitfield .bn { font-size: 9px; fill: #6e7781; text-anchor: middle; }
svg.bitfield .fn { font-size: 11px; fill: #1f2328; text-anchor: middle; }
svg.bitfield .fv { font-size: 11px; fill: #1f2328; }
svg.bitfield .r0 { font-size: 10px; fill: #6e7781; text-anchor: middle; }
svg.bitfield .fld { stroke: #57606a; stroke-width: 1; }
svg.bitfield .res0 { stroke: #8c959f; stroke-width: 1; }
svg.bitfield .tick { stroke: #8c959f; stroke-width: 1; }
svg.bitfield a:hover .fld { stroke-width: 2; }
@media (max-width: 900px) { nav { position: static; width: auto; border-right: 0; border-bottom: 1px solid var(--line); } main { margin-left: 0; padding: 12px 16px; } }
@media print { nav { display: none; } main { margin-left: 0; max-width: none; } section.reg { break-inside: avoid; } }
"#;

/// Marks the sidebar links of the register at the top of the view and of its bank.
/// A scroll handler (one update per animation frame) finds that register by binary
/// search over the register sections, which are in document order; the bank is the
/// section around it.
pub(super) const SCRIPT: &str = r#"
(function () {
  var nav = document.querySelector("nav");
  var regs = Array.prototype.slice.call(document.querySelectorAll("main section.reg"));
  if (!nav || !regs.length) return;
  var links = {};
  Array.prototype.forEach.call(nav.querySelectorAll("a[data-target]"), function (a) {
    links[a.getAttribute("data-target")] = a;
  });
  var marked = [];
  function mark(ids) {
    marked.forEach(function (a) { a.classList.remove("current"); a.removeAttribute("aria-current"); });
    marked = ids.map(function (id) { return links[id]; }).filter(Boolean);
    marked.forEach(function (a) { a.classList.add("current"); a.setAttribute("aria-current", "location"); });
    var a = marked[marked.length - 1];
    if (a && a.offsetParent === nav) {
      var top = a.offsetTop, bottom = top + a.offsetHeight;
      if (top < nav.scrollTop || bottom > nav.scrollTop + nav.clientHeight) {
        nav.scrollTop = top - nav.clientHeight / 3;
      }
    }
  }
  var shown = null;
  function update() {
    // The last register section whose top is above a quarter of the view.
    var line = window.innerHeight / 4, lo = 0, hi = regs.length - 1, at = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (regs[mid].getBoundingClientRect().top <= line) { at = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    var reg = at < 0 ? null : regs[at];
    if (reg === shown) return;
    shown = reg;
    var bank = reg && reg.parentElement && reg.parentElement.closest("section[id]");
    mark(reg ? [bank ? bank.id : "", reg.id] : []);
  }
  var pending = false;
  window.addEventListener("scroll", function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; update(); });
  }, { passive: true });
  window.addEventListener("resize", update);
  window.addEventListener("hashchange", update);
  update();
})();
"#;

fn note(out: &mut String, n: &Note) {
    let sep = if n.text.is_empty() { " " } else { ": " };
    let _ = write!(out, "<li><b>{}</b>{sep}{}", esc(n.label), esc(&n.text));
    if let Some(l) = &n.link {
        let _ = write!(out, "<a href=\"#{}\">{}</a>", esc(&l.anchor), esc(&l.name));
    }
    let _ = writeln!(out, "{}</li>", esc(&n.after));
}

fn bank_class(r: &RegDoc) -> &'static str {
    match r.bank {
        regdef::ir::SecSid::NonSecure => "bank-nonsecure",
        regdef::ir::SecSid::Secure => "bank-secure",
    }
}

fn register(out: &mut String, doc: &Doc, r: &RegDoc) {
    let _ = writeln!(out, "<section class=\"reg\" id=\"{}\">", esc(&r.anchor));
    let _ = writeln!(
        out,
        "<h3><a href=\"#{a}\">{n}</a>{t}</h3>",
        a = esc(&r.anchor),
        n = esc(&r.name),
        t = r
            .title
            .as_deref()
            .map(|t| format!("<span class=\"title\">{}</span>", esc(t)))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "<p class=\"meta\">Offset <b class=\"mono\">{}</b> · <span class=\"bank {}\">{} bank</span> · {} · reset <b class=\"mono\">{}</b></p>",
        doc.offset(r.address),
        bank_class(r),
        r.bank,
        esc(&Doc::width_text(r)),
        doc.reset(r)
    );
    if let Some(d) = &r.desc {
        let _ = writeln!(out, "<p>{}</p>", esc(d));
    }
    svg::bitfield(out, r);
    if !r.notes.is_empty() {
        out.push_str("<ul class=\"notes\">\n");
        for n in &r.notes {
            note(out, n);
        }
        out.push_str("</ul>\n");
    }
    out.push_str(
        "<table class=\"fields\">\n<thead><tr><th>Bits</th><th>Field</th><th>Access</th><th>Reset</th><th>Hardware</th><th>Guard</th><th>Description</th></tr></thead>\n<tbody>\n",
    );
    for row in &r.rows {
        match row {
            Row::Field(f) => {
                let _ = write!(
                    out,
                    "<tr id=\"{}\"><td class=\"bits mono\">{}</td><td class=\"mono\"><b>{}</b></td><td class=\"acc\"><span class=\"{a}\">{a}</span></td><td class=\"reset mono\">{}</td><td>{}</td><td>{}</td><td>{}",
                    esc(&f.anchor),
                    row.bits(),
                    esc(&f.name),
                    esc(&f.reset),
                    esc(&f.hardware),
                    f.guard.as_deref().map(esc).unwrap_or_else(|| "—".into()),
                    f.desc.as_deref().map(esc).unwrap_or_default(),
                    a = f.access,
                );
                if !f.values.is_empty() {
                    out.push_str("<ul class=\"values\">");
                    for (v, name, desc) in &f.values {
                        let _ = write!(
                            out,
                            "<li><code>{v}</code> {}{}</li>",
                            esc(name),
                            desc.as_deref()
                                .map(|d| format!(": {}", esc(d)))
                                .unwrap_or_default()
                        );
                    }
                    out.push_str("</ul>");
                }
                out.push_str("</td></tr>\n");
            }
            Row::Res0 { .. } => {
                let _ = writeln!(
                    out,
                    "<tr class=\"res0\"><td class=\"bits mono\">{}</td><td>—</td><td class=\"acc\"><span>RES0</span></td><td class=\"reset mono\">0</td><td>—</td><td>—</td><td>Reserved: reads as zero, writes are ignored.</td></tr>",
                    row.bits()
                );
            }
        }
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

pub(super) fn render(doc: &Doc) -> String {
    let regs: usize = doc.banks.iter().map(|b| b.regs.len()).sum();
    let mut out = String::with_capacity(16 * 1024 + regs * 8 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"twinreg\">\n<title>{}: register reference</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&doc.title)
    );
    // The RES0 hatch, defined once and used by every drawing.
    let _ = writeln!(
        out,
        "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\" focusable=\"false\"><defs><pattern id=\"{}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f3f4f6\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#c4c9cf\" stroke-width=\"2\"/></pattern></defs></svg>",
        svg::HATCH_ID
    );
    // Sidebar.
    let _ = writeln!(
        out,
        "<nav aria-label=\"Registers\">\n<p class=\"brand\"><a href=\"#top\">{}</a></p>\n<ul><li><a href=\"#access-types\">Access types</a></li></ul>",
        esc(&doc.top)
    );
    for b in &doc.banks {
        let _ = writeln!(
            out,
            "<details open><summary><a href=\"#{a}\" data-target=\"{a}\">{}</a></summary>\n<ul>",
            esc(&b.title),
            a = esc(&b.anchor),
        );
        for r in &b.regs {
            let _ = writeln!(
                out,
                "<li><a href=\"#{a}\" data-target=\"{a}\">{}</a><span>{}</span></li>",
                esc(&r.name),
                doc.offset(r.address),
                a = esc(&r.anchor),
            );
        }
        out.push_str("</ul></details>\n");
    }
    out.push_str("</nav>\n");

    // Main.
    let _ = writeln!(
        out,
        "<main id=\"top\">\n<h1>{}: register reference</h1>",
        esc(&doc.title)
    );
    if let Some(d) = &doc.desc {
        let _ = writeln!(out, "<p>{}</p>", esc(d));
    }
    for p in intro(doc) {
        let _ = writeln!(out, "<p>{}</p>", with_code(&p));
    }
    out.push_str("<p>Banks: ");
    let banks: Vec<String> = doc
        .banks
        .iter()
        .map(|b| {
            format!(
                "<a href=\"#{}\">{}</a> ({} registers)",
                esc(&b.anchor),
                esc(&b.title),
                b.regs.len()
            )
        })
        .collect();
    out.push_str(&banks.join(", "));
    out.push_str(".</p>\n");
    out.push_str(
        "<h2 id=\"access-types\">Access types</h2>\n<table class=\"legend\"><thead><tr><th>Access</th><th>Read</th><th>Write</th></tr></thead><tbody>\n",
    );
    for (k, r, w) in &doc.access_legend {
        let _ = writeln!(
            out,
            "<tr><td class=\"acc\"><span class=\"{k}\">{k}</span></td><td>{}</td><td>{}</td></tr>",
            esc(r),
            esc(w)
        );
    }
    out.push_str(
        "</tbody></table>\n<p><b>Hardware</b>: what the register block's hardware side does with the field (<i>reads</i>: the value is an output; <i>writes (we)</i>: a write port with enable; <i>mirrors X</i>: an ACK field following control field X). <b>Guard</b>: a software write to the field is ignored unless every condition holds.</p>\n",
    );
    for b in &doc.banks {
        let _ = writeln!(
            out,
            "<section id=\"{}\">\n<h2>{}</h2>",
            esc(&b.anchor),
            esc(&b.title)
        );
        out.push_str("<table class=\"index\"><thead><tr><th>Offset</th><th>Register</th><th>Name</th><th>Width</th><th>Reset</th></tr></thead><tbody>\n");
        for r in &b.regs {
            let _ = writeln!(
                out,
                "<tr><td class=\"mono\">{}</td><td class=\"mono\"><a href=\"#{}\">{}</a></td><td>{}</td><td>{}</td><td class=\"mono\">{}</td></tr>",
                doc.offset(r.address),
                esc(&r.anchor),
                esc(&r.name),
                r.title.as_deref().map(esc).unwrap_or_default(),
                r.width,
                doc.reset(r)
            );
        }
        out.push_str("</tbody></table>\n");
        for r in &b.regs {
            register(&mut out, doc, r);
        }
        out.push_str("</section>\n");
    }
    let _ = write!(
        out,
        "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            esc(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            with_code("use `A<B>` here"),
            "use <code>A&lt;B&gt;</code> here"
        );
    }
}
