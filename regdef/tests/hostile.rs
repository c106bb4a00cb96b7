//! Hostile inputs a user's file can hold, each found to crash or flood once: spans past
//! column 65 535 (where a runtime format width panics), a 16 MiB line carrying a
//! hundred errors, and identifiers tens of kilobytes long. Each ends in diagnostics of
//! bounded size that still point at the right line and column.

use regdef::frontend::{compile, Compilation, Severity};

/// Renders both ways (plain and coloured) and returns the plain text.
fn rendered(c: &Compilation) -> String {
    let colour = c.diagnostics.render(true);
    let plain = c.diagnostics.render(false);
    assert!(colour.len() >= plain.len());
    plain
}

/// One line of the rendering that starts with `prefix` (after indentation).
fn line_with<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find(|l| l.trim_start().starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{text}"))
}

#[test]
fn a_span_past_column_65535_renders_a_window_with_the_real_location() {
    let text = format!("{}}}\n", "\t".repeat(16_384));
    let c = compile("tabs.rdl", &text);
    assert!(c.map.is_none());
    let first = c.diagnostics.iter().next().expect("a diagnostic");
    assert_eq!(first.code, "rdl::syntax");
    assert_eq!((first.location.line, first.location.column), (1, 16_385));
    let out = rendered(&c);
    assert!(out.contains("[tabs.rdl:1:16385]"), "{out}");
    // The snippet is the window around the `}`, not sixteen thousand tabs.
    let source_line = line_with(&out, "1 │");
    assert!(
        source_line.contains('…') && source_line.ends_with('}'),
        "{source_line:?}"
    );
    // At most 200 bytes of source, every tab shown as four spaces.
    assert!(source_line.len() < 1_000, "{} bytes", source_line.len());
    assert!(out.len() < 4_000, "{} bytes:\n{out}", out.len());
}

#[test]
fn deep_nesting_on_one_line_gives_the_limit_error_in_a_window() {
    let text = format!(
        "{}{}\n",
        "addrmap a { ".repeat(100_000),
        "}; ".repeat(100_000)
    );
    let c = compile("nest.rdl", &text);
    assert!(c.map.is_none());
    let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"rdl::limit"), "{codes:?}");
    let out = rendered(&c);
    assert!(
        out.contains("component definitions nested deeper than 32 levels"),
        "{out}"
    );
    // The 33rd body, 32 x 12 bytes in, opens at column 395.
    assert!(out.contains("[nest.rdl:1:395]"), "{out}");
    for d in c.diagnostics.iter() {
        let (line, column) = (d.location.line, d.location.column);
        if d.code != "rdl::too-many-errors" {
            assert!(
                out.contains(&format!("[nest.rdl:{line}:{column}]")),
                "{d:?}"
            );
        }
    }
    assert!(
        out.lines().all(|l| l.len() < 1_000),
        "a long line in the output"
    );
    assert!(out.len() < 64 * 1024, "{} bytes", out.len());
}

#[test]
fn a_warning_past_column_65535_on_a_file_that_compiles_renders() {
    // Two register definitions of one name: a warning, and the map is produced.
    let pad = " ".repeat(70_000);
    let text = format!(
        "addrmap t {{\n{pad}regfile f1 {{ reg rr {{ field {{}} a; }}; rr x; }};\n\
         {pad}regfile f2 {{ reg rr {{ field {{}} b; }}; rr y; }};\n  f1 p; f2 q;\n}};\n"
    );
    let c = compile("warn.rdl", &text);
    assert!(c.map.is_some(), "{}", c.diagnostics);
    let d = c.diagnostics.iter().next().expect("a warning");
    assert_eq!(
        (d.severity, d.code),
        (Severity::Warning, "rdl::layout-name")
    );
    assert_eq!(d.location.line, 3);
    assert!(d.location.column > 70_000);
    let out = rendered(&c);
    assert!(
        out.contains(&format!("[warn.rdl:3:{}]", d.location.column)),
        "{out}"
    );
    assert!(out.contains("the other definition"), "{out}");
    assert!(out.len() < 4_000, "{} bytes:\n{out}", out.len());
}

#[test]
fn a_16_mib_line_with_a_hundred_errors_renders_in_bounded_size() {
    // One line of stray `x;`s, every one an error, as long as a source may be.
    let mut text = "x; ".repeat(regdef::frontend::MAX_SOURCE_BYTES / 3 - 1);
    text.push('\n');
    let c = compile("flood.rdl", &text);
    assert!(c.map.is_none());
    assert_eq!(c.diagnostics.len(), 101, "100 errors and the note");
    let out = rendered(&c);
    assert!(
        out.contains("more errors not shown"),
        "{}",
        &out[out.len() - 500..]
    );
    assert!(
        out.lines().all(|l| l.len() < 1_000),
        "a long line in the output"
    );
    assert!(out.len() < 256 * 1024, "{} bytes", out.len());
}

#[test]
fn a_long_identifier_is_refused_with_the_limit() {
    let name = "n".repeat(65_600);
    let text = format!("addrmap top {{ reg {{ field {{}} {name}; }} rg; }};\n");
    let c = compile("long.rdl", &text);
    assert!(c.map.is_none());
    let d = c.diagnostics.iter().next().expect("an error");
    assert_eq!(d.code, "rdl::limit");
    assert!(d.message.contains("65600 characters"), "{}", d.message);
    assert_eq!((d.location.line, d.location.column), (1, 30));
    let out = rendered(&c);
    assert!(out.len() < 4_000, "{} bytes:\n{out}", out.len());
}

#[test]
fn identifiers_up_to_the_limit_are_accepted() {
    let max = regdef::frontend::MAX_IDENTIFIER_LEN;
    let name = "n".repeat(max);
    let ok = compile(
        "max.rdl",
        &format!("addrmap top {{ reg {{ field {{}} {name}; }} rg; }};\n"),
    );
    let map = ok.map.expect("a name of the maximum length compiles");
    assert_eq!(map.registers[0].fields[0].name, name);
    let escaped = compile(
        "esc.rdl",
        &format!("addrmap top {{ reg {{ field {{}} \\{name}x; }} rg; }};\n"),
    );
    assert_eq!(
        escaped.diagnostics.iter().next().map(|d| d.code),
        Some("rdl::limit"),
        "an escaped identifier is bounded too"
    );
}

#[test]
fn long_messages_and_multi_line_spans_are_clipped() {
    // A string property value lands in messages; the 16 MiB bound is the only other.
    let long = "x".repeat(100_000);
    let text = format!("addrmap top {{ reg {{ field {{ sw = \"{long}\"; }} f; }} rg; }};\n");
    let c = compile("str.rdl", &text);
    assert!(c.map.is_none());
    for d in c.diagnostics.iter() {
        assert!(d.message.len() <= 1_024, "{} bytes", d.message.len());
        assert!(d.hint.as_ref().is_none_or(|h| h.len() <= 1_024));
    }
    let out = rendered(&c);
    assert!(out.len() < 8_000, "{} bytes:\n{out}", out.len());
}

#[test]
fn windows_cut_on_character_boundaries_and_lone_carriage_returns_stay_on_their_line() {
    // 300 two-byte characters in a comment, then a stray `}`; a lone CR before it.
    let text = format!("/* {} */ \r }}\nnext\n", "é".repeat(300));
    let c = compile("utf8.rdl", &text);
    let d = c.diagnostics.iter().next().expect("an error");
    assert_eq!((d.location.line, d.location.column), (1, 310));
    let out = rendered(&c);
    assert!(out.contains("[utf8.rdl:1:310]"), "{out}");
    let source_line = line_with(&out, "1 │");
    assert!(
        source_line.trim_start().starts_with("1 │ …é") && source_line.ends_with('}'),
        "{source_line:?}"
    );
    assert!(line_with(&out, "2 │").ends_with("next"), "{out}");
}

#[test]
fn an_error_past_column_65535_in_an_included_file_renders_with_its_notes_clipped() {
    // Both the error and the `include that brought its file in lie past column 65 535:
    // the notes under the diagnostic go through the same clipped window as its own line.
    let dir = std::env::temp_dir().join(format!("twinreg-hostile-inc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let pad = " ".repeat(70_000);
    let inner = dir.join("inner.rdl");
    let outer = dir.join("outer.rdl");
    std::fs::write(
        &inner,
        format!("// included\n{pad}reg wide_t {{ field {{ sw = rx; hw = r; }} f[3:0] = 0; }};\n"),
    )
    .expect("write");
    std::fs::write(
        &outer,
        format!(
            "{pad}`include \"inner.rdl\"\nreg wide_t {{ field {{}} g; }};\n\
             addrmap top {{ wide_t wide @ 0; }};\n"
        ),
    )
    .expect("write");
    let c = regdef::Compiler::new().file(&outer).compile();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(c.map.is_none());
    let (inner, outer) = (inner.display().to_string(), outer.display().to_string());

    let mut it = c.diagnostics.iter();
    let bad = it.next().expect("the error in the included file");
    assert_eq!(bad.code, "rdl::unknown-reference");
    assert_eq!(bad.location.file, inner);
    // `reg wide_t { field { sw = ` is 26 characters after the padding.
    assert_eq!((bad.location.line, bad.location.column), (2, 70_027));
    let dup = it.next().expect("the second definition");
    assert_eq!(dup.code, "rdl::duplicate");
    assert_eq!(dup.location.file, outer);
    assert_eq!((dup.location.line, dup.location.column), (2, 5));

    let out = rendered(&c);
    assert!(out.contains(&format!("[{inner}:2:70027]")), "{out}");
    // The include note: its message, and its own snippet titled with the directive's
    // place and showing a window of its line.
    let included_from = format!("in file included from {outer}:1:70001");
    assert!(out.contains(&included_from), "{out}");
    assert!(out.contains(&format!("[{outer}:1:70001]")), "{out}");
    let directive = out
        .lines()
        .find(|l| l.contains("`include"))
        .expect("the include line");
    assert!(
        directive.trim_start().starts_with("1 │ …")
            && directive.ends_with("`include \"inner.rdl\""),
        "{directive:?}"
    );
    // The duplicate's first definition is in the other file: a note with a window too.
    assert!(
        out.contains(&format!("first defined here ({inner}:2:70005)")),
        "{out}"
    );
    assert!(out.contains(&format!("[{inner}:2:70005]")), "{out}");
    assert!(
        out.lines().all(|l| l.len() < 1_000),
        "a long line in the output:\n{out}"
    );
    assert!(out.len() < 8_000, "{} bytes:\n{out}", out.len());
}
