//! The register docs: the committed `docs/registers.md` and `docs/registers.html` are
//! what the generator makes of `regdef/smmuv3.rdl`; the output is deterministic; it
//! says what the IR says (guards, banks, presence, ACK and update relations, RES0);
//! and the HTML is self-contained with every internal link resolving.
//!
//! Regenerate the committed docs with
//! `TWINREG_UPDATE_DOCS=1 cargo test -p twinreg-hdl --test docs`.

mod common;

use std::collections::BTreeSet;

use hdl::docs::{self, DocsOptions};
use regdef::access::Completion;

const UPDATE: &str = "TWINREG_UPDATE_DOCS";

fn committed(rel: &str, generated: &str) {
    testkit::check_committed(
        rel,
        generated,
        UPDATE,
        "cargo test -p twinreg-hdl --test docs",
    );
}

#[test]
fn committed_docs_are_up_to_date() {
    let map = common::smmuv3();
    let opts = DocsOptions::default();
    committed(
        "docs/registers.md",
        &docs::markdown(&map, &opts).expect("md"),
    );
    committed(
        "docs/registers.html",
        &docs::html(&map, &opts).expect("html"),
    );
}

#[test]
fn output_is_deterministic() {
    let (a, b) = (common::smmuv3(), common::smmuv3());
    let opts = DocsOptions::default();
    assert_eq!(
        docs::markdown(&a, &opts).ok(),
        docs::markdown(&b, &opts).ok()
    );
    assert_eq!(docs::html(&a, &opts).ok(), docs::html(&b, &opts).ok());
}

/// The row of `field` in the Markdown table of `reg`.
fn md_row<'a>(md: &'a str, reg: &str, field: &str) -> &'a str {
    let section = md
        .split(&format!("\n### {reg}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("no section {reg}"));
    let section = section.split("\n### ").next().unwrap_or(section);
    section
        .lines()
        .find(|l| l.starts_with('|') && l.split('|').nth(2).map(str::trim) == Some(field))
        .unwrap_or_else(|| panic!("no row {reg}.{field}"))
}

fn md_section<'a>(md: &'a str, reg: &str) -> &'a str {
    let s = md
        .split(&format!("\n### {reg}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("no section {reg}"));
    s.split("\n### ").next().unwrap_or(s)
}

#[test]
fn markdown_says_what_the_ir_says() {
    let map = common::smmuv3();
    let md = docs::markdown(&map, &DocsOptions::default()).expect("md");
    // Guards, with both terms of the expansion (IHI0070 6.3.26).
    let row = md_row(&md, "CMDQ_BASE", "ADDR");
    assert!(
        row.contains("| writable only while CR0.CMDQEN = 0 and CR0ACK.CMDQEN = 0 |"),
        "{row}"
    );
    assert!(
        row.starts_with("| [55:5] | ADDR | RW | unspecified (0) | reads |"),
        "{row}"
    );
    // The Secure copy is guarded by the Secure controls.
    let row = md_row(&md, "S_CR1", "QUEUE_IC");
    assert!(
        row.contains(
            "S_CR0.EVENTQEN = 0, S_CR0ACK.EVENTQEN = 0, S_CR0.CMDQEN = 0 and S_CR0ACK.CMDQEN = 0"
        ),
        "{row}"
    );
    // Access from the IR units, resets, hardware side.
    assert!(md_row(&md, "S_INIT", "INV_ALL")
        .starts_with("| [0] | INV_ALL | W1S | 0 | reads; clears (hwclr) |"));
    assert!(md_row(&md, "CR0ACK", "SMMUEN").contains("| RO | 0 | mirrors CR0.SMMUEN |"));
    assert!(md_row(&md, "GBPA", "ABORT").contains("| RW | 0 (impl. defined) |"));
    assert!(md_row(&md, "CMDQ_CONS", "ERR").contains("| reads; writes (we) |"));
    // RES0 gaps.
    assert!(md_section(&md, "CR0").contains("| [31:9] | — | RES0 | 0 |"));
    assert!(md_section(&md, "CR0").contains("| [5:4] | — | RES0 | 0 |"));
    assert!(md_section(&md, "CR0").contains("| [1] | — | RES0 | 0 |"));
    // S_CR0 has SIF [5], which CR0 lacks.
    assert!(md_section(&md, "S_CR0").contains("| [4] | — | RES0 | 0 |"));
    assert!(md_row(&md, "S_CR0", "SIF").starts_with("| [5] | SIF | RW | 0 |"));
    // Register-level notes: bank, presence, banking, ACK, update handshake.
    let s_cr0 = md_section(&md, "S_CR0");
    assert!(s_cr0.contains("offset `0x08020` · Secure bank · 32 bits · reset `0x00000000`"));
    assert!(s_cr0.contains("- **Present**: only while S_IDR1.SECURE_IMPL = 1;"));
    assert!(s_cr0.contains("- **Secure bank**: Non-secure accesses read as zero and are ignored."));
    assert!(s_cr0.contains("the Non-secure instance is [CR0](#cr0) at 0x00020."));
    assert!(s_cr0.contains("- **Acknowledged by** [S_CR0ACK](#s_cr0ack):"));
    assert!(md_section(&md, "S_GERROR_IRQ_CFG0")
        .contains("only while S_IDR1.SECURE_IMPL = 1 and S_IDR0.MSI = 1;"));
    assert!(md_section(&md, "GBPA").contains(
        "- **Update handshake**: a write is taken only with Update=1 and while Update reads 0; write every field at once with GBPA.UPDATE = 1"
    ));
    assert!(md_section(&md, "CR0ACK").contains("- **Acknowledges** [CR0](#cr0):"));
    // 64-bit registers are described as two words.
    assert!(md_section(&md, "STRTAB_BASE").contains("64 bits, as 2 32-bit words"));
    // Encoded values.
    assert!(md_section(&md, "STRTAB_BASE_CFG").contains("- `1` TWO_LEVEL: 2-level table"));
    // An index per bank, with links.
    let secure = md.split("\n## Secure bank\n").nth(1).expect("Secure index");
    assert!(secure.contains("| `0x08020` | [S_CR0](#s_cr0) | Control 0 | 32 | `0x00000000` |"));
    assert!(md.contains("| `0x100A8` | [EVENTQ_PROD](#eventq_prod) |"));
    // Every register has exactly one section.
    for r in &map.registers {
        let heading = format!("\n### {}\n", r.inst_name.to_ascii_uppercase());
        assert_eq!(md.matches(&heading).count(), 1, "{heading}");
    }
}

#[test]
fn completion_mode_is_described() {
    let map = common::smmuv3();
    let immediate = docs::markdown(&map, &DocsOptions::default()).expect("md");
    let handshake = docs::markdown(
        &map,
        &DocsOptions {
            completion: Completion::Handshake,
        },
    )
    .expect("md");
    assert!(md_section(&immediate, "CR0")
        .contains("this build acknowledges in the cycle the write is taken"));
    assert!(md_section(&handshake, "CR0").contains("this build acknowledges when hardware does"));
}

/// Values of `attr="..."` in `html`.
fn attrs(html: &str, attr: &str) -> Vec<String> {
    let key = format!("{attr}=\"");
    html.split(&key)
        .skip(1)
        .filter_map(|s| s.split('"').next().map(str::to_string))
        .collect()
}

/// One inline script and no external asset, unique ids, no dangling link, one drawing
/// per register, balanced elements.
fn check_html(what: &str, map: &regdef::ir::RegisterMap, html: &str) {
    for banned in ["<link", "<img", "<iframe", "src=", "@import", "url(http"] {
        assert!(!html.contains(banned), "{what}: {banned}");
    }
    assert_eq!(html.matches("<script").count(), 1, "{what}: one script");
    assert!(html.contains("<script>\n(function () {"), "{what}: inline");
    for href in attrs(html, "href") {
        assert!(href.starts_with('#'), "{what}: external link {href}");
    }
    let ids = attrs(html, "id");
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{what}: duplicate ids");
    for href in attrs(html, "href") {
        let target = &href[1..];
        assert!(
            unique.iter().any(|i| *i == target),
            "{what}: dangling link {href}"
        );
    }
    assert_eq!(
        html.matches("<svg class=\"bitfield\"").count(),
        map.registers.len(),
        "{what}"
    );
    for tag in ["section", "table", "svg", "ul", "details", "a", "tr", "td"] {
        let open =
            html.matches(&format!("<{tag} ")).count() + html.matches(&format!("<{tag}>")).count();
        let close = html.matches(&format!("</{tag}>")).count();
        assert_eq!(open, close, "{what}: <{tag}> is not balanced");
    }
}

#[test]
fn corpus_html_is_well_formed() {
    let paths = testkit::rdl_corpus("good");
    assert!(!paths.is_empty());
    for p in paths {
        let map = regdef::compile_file(&p).unwrap_or_else(|d| panic!("{}: {d}", p.display()));
        // A construct the docs do not describe yet is refused by name.
        if let Err(expected) = map.require("the docs", docs::IMPLEMENTS) {
            match docs::generate(&map, &DocsOptions::default()) {
                Err(docs::DocsError::Unsupported(u)) => assert_eq!(u, expected),
                other => panic!("{}: not refused: {other:?}", p.display()),
            }
            continue;
        }
        let [md, html] = docs::generate(&map, &DocsOptions::default()).expect("docs");
        check_html(&p.display().to_string(), &map, &html);
        assert_eq!(
            md,
            docs::markdown(&map, &DocsOptions::default()).expect("md")
        );
    }
}

#[test]
fn html_is_self_contained_and_its_links_resolve() {
    let map = common::smmuv3();
    let html = docs::html(&map, &DocsOptions::default()).expect("html");
    check_html("smmuv3", &map, &html);
    // The sidebar lists both banks; the Secure one includes S_INIT.
    let nav = html
        .split("<nav")
        .nth(1)
        .and_then(|s| s.split("</nav>").next())
        .expect("nav");
    assert!(nav.contains(
        "<a href=\"#non-secure-bank\" data-target=\"non-secure-bank\">Non-secure bank</a>"
    ));
    assert!(
        nav.contains("<a href=\"#s_init\" data-target=\"s_init\">S_INIT</a><span>0x0803C</span>")
    );
    // RES0 gaps are drawn (CR0 has two), and fields link to their table rows.
    let cr0 = html
        .split("<section class=\"reg\" id=\"cr0\">")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("CR0 section");
    // CR0's gaps: [31:9], [5:4] (no SIF in the Non-secure bank) and [1].
    assert_eq!(cr0.matches("class=\"res0\" fill=").count(), 3, "gaps drawn");
    assert_eq!(cr0.matches("<tr class=\"res0\">").count(), 3, "gaps listed");
    assert!(cr0.contains("<a href=\"#f-cr0-smmuen\">"));
    assert!(cr0.contains("<tr id=\"f-cr0-smmuen\">"));
}

/// The sidebar follows the page: every register and bank has a sidebar link that names
/// its section (`data-target`), in the order of the page, and the page carries the
/// script that marks the current ones and the style that shows them.
#[test]
fn the_sidebar_follows_and_highlights_the_current_register_and_bank() {
    let map = common::smmuv3();
    let html = docs::html(&map, &DocsOptions::default()).expect("html");
    let (nav, main) = html
        .split_once("<nav")
        .and_then(|(_, rest)| rest.split_once("</nav>"))
        .expect("nav");
    let targets = attrs(nav, "data-target");
    let sections: Vec<String> = main
        .split("<section ")
        .skip(1)
        .filter_map(|s| attrs(&format!(" {s}"), "id").into_iter().next())
        .collect();
    // Every bank and register section has its link, in page order, and nothing else.
    assert_eq!(targets, sections);
    assert_eq!(
        sections.len(),
        map.registers.len() + 2,
        "every register and both banks"
    );
    let names = hdl::names::Names::new(&map).expect("names");
    for (id, r) in map.iter() {
        // The anchor is the register's name in lower case (`hdl::names`).
        let anchor = names.rtl_reg(id);
        assert!(
            nav.contains(&format!("href=\"#{anchor}\" data-target=\"{anchor}\"")),
            "{} has no sidebar link",
            r.path
        );
    }
    // Register sections sit inside their bank's section, which the script relies on.
    for bank in ["non-secure-bank", "secure-bank"] {
        assert!(main.contains(&format!("<section id=\"{bank}\">")), "{bank}");
    }
    let script = html
        .split_once("<script>")
        .and_then(|(_, s)| s.split_once("</script>"))
        .expect("script")
        .0;
    for needle in [
        "main section.reg",
        "a[data-target]",
        "classList.add(\"current\")",
        "setAttribute(\"aria-current\", \"location\")",
        "closest(\"section[id]\")",
        "addEventListener(\"scroll\"",
        "requestAnimationFrame",
        "nav.scrollTop",
    ] {
        assert!(script.contains(needle), "the script lacks {needle}");
    }
    assert!(
        html.contains("nav a.current {"),
        "the style of the current link"
    );
}
