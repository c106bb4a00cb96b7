//! The preprocessor on text: each directive, macro arguments, conditionals, the
//! source map, Perl. Include files are in `tests/corpus/preprocess` (see
//! `tests/preprocess.rs`).

use std::ffi::OsString;

use super::*;

fn run_with(text: &str, defines: &[(&str, &str)], perl: &str) -> Result<Preprocessed, String> {
    let defines: Vec<(String, String)> = defines
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    let perl = OsString::from(perl);
    let opts = Options {
        include_dirs: &[],
        defines: &defines,
        perl: &perl,
        base: None,
    };
    let input = Input::Text {
        name: "t.rdl".to_owned(),
        text: text.to_owned(),
    };
    preprocess(vec![input], &opts).map_err(|ds| {
        ds.iter()
            .map(|d| {
                format!(
                    "{}:{}:{}: {}",
                    d.location.file, d.location.line, d.location.column, d.message
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// The preprocessed text, without the newline that ends every file.
fn pp(text: &str) -> String {
    pp_with(text, &[])
}

fn pp_with(text: &str, defines: &[(&str, &str)]) -> String {
    match run_with(text, defines, "perl") {
        Ok(p) => p.text.strip_suffix('\n').unwrap_or(&p.text).to_owned(),
        Err(e) => panic!("preprocessing failed:\n{e}\n--- input:\n{text}"),
    }
}

fn err(text: &str) -> String {
    match run_with(text, &[], "perl") {
        Ok(p) => panic!("expected an error, got:\n{}", p.text),
        Err(e) => e,
    }
}

/// Whether `perl` runs here; tests of embedded Perl skip (visibly) without it,
/// and fail under `TWINREG_REQUIRE_TOOLS=1`.
fn have_perl(test: &str) -> bool {
    let ok = std::process::Command::new("perl")
        .arg("-MSafe")
        .arg("-e1")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("TWINREG_REQUIRE_TOOLS").is_none(),
            "{test}: perl (with Safe) is required but missing"
        );
        eprintln!("SKIP {test}: perl is not installed");
    }
    ok
}

#[test]
fn text_without_directives_passes_unchanged() {
    let t = "addrmap a { reg { field {} f; } r; }; // `not a macro\n/* `nor <% this */";
    assert_eq!(pp(t), t);
    assert!(!needed("addrmap a {};"));
    assert!(needed("`define X"));
    assert!(needed("<% %>"));
}

#[test]
fn define_and_use_without_arguments() {
    assert_eq!(pp("`define W 8\nf[`W];"), "\nf[8];");
    // The body ends at a comment, and runs on over escaped newlines.
    assert_eq!(pp("`define W 8 // eight\n`W"), "// eight\n8");
    assert_eq!(pp("`define W 1 + \\\n 2\n`W"), "\n1 + \n 2");
    // Redefinition replaces; undef removes.
    assert_eq!(pp("`define W 1\n`define W 2\n`W"), "\n\n2");
    assert!(err("`define W 1\n`undef W\n`W").contains("macro `W` is not defined"));
}

#[test]
fn macro_arguments_are_substituted_as_whole_words() {
    let t = "`define R(name, at) reg_t name @ at; // name\n`R(ctrl, 0x10)";
    assert_eq!(pp(t), "// name\nreg_t ctrl @ 0x10;");
    // Arguments with nested brackets and commas inside them; names inside words
    // and strings stay.
    let t = "`define P(a, b) x_a a \"a\" b\n`P(f(1, 2), {3, [4, 5]})";
    assert_eq!(pp(t), "\nx_a f(1, 2) \"a\" {3, [4, 5]}");
    // Blanks before the `(` of a use are skipped.
    assert_eq!(pp("`define I(x) x\n`I  (7)"), "\n7");
}

#[test]
fn macros_expand_inside_bodies_and_arguments() {
    let t = "`define A 1\n`define B(x) (x + `A)\n`B(`A)";
    assert_eq!(pp(t), "\n\n(1 + 1)");
    // Token pasting and escaped quotes in bodies.
    assert_eq!(pp("`define N(x) reg_``x\n`N(ctl)"), "\nreg_ctl");
    assert_eq!(pp("`define S(x) `\"x`\"\n`S(hi)"), "\n\"hi\"");
}

#[test]
fn nothing_expands_in_comments_or_strings() {
    let t = "`define W 8\n// `W\n/* `W */\n\"`W\"";
    assert_eq!(pp(t), "\n// `W\n/* `W */\n\"`W\"");
}

#[test]
fn ifdef_ifndef_elsif_else_choose_one_branch() {
    let t = "`ifdef A\na\n`elsif B\nb\n`else\nc\n`endif\n";
    assert_eq!(pp_with(t, &[("A", "")]).trim(), "a");
    assert_eq!(pp_with(t, &[("B", "")]).trim(), "b");
    assert_eq!(pp_with(t, &[("A", ""), ("B", "")]).trim(), "a");
    assert_eq!(pp(t).trim(), "c");
    let t = "`ifndef A\nnot_a\n`endif";
    assert_eq!(pp(t).trim(), "not_a");
    assert_eq!(pp_with(t, &[("A", "1")]).trim(), "");
}

#[test]
fn nested_conditionals_follow_their_parents() {
    let t =
        "`ifdef A\n`ifdef B\nab\n`else\na_only\n`endif\n`else\n`ifdef B\nb_only\n`endif\n`endif";
    let words = |d: &[(&str, &str)]| {
        pp_with(t, d)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(words(&[("A", ""), ("B", "")]), "ab");
    assert_eq!(words(&[("A", "")]), "a_only");
    assert_eq!(words(&[("B", "")]), "b_only");
    assert_eq!(words(&[]), "");
    // A define in a branch not taken does not happen; one in a taken branch does.
    let t = "`ifdef NO\n`define X 1\n`else\n`define X 2\n`endif\n`X";
    assert_eq!(pp(t).trim(), "2");
}

#[test]
fn command_line_defines_hold_in_the_file() {
    assert_eq!(pp_with("f[`W];", &[("W", "16")]), "f[16];");
}

#[test]
fn directive_errors_point_at_the_directive() {
    assert_eq!(err("a\n`endif\n"), "t.rdl:2:1: `endif without `ifdef");
    assert_eq!(err("`else\n"), "t.rdl:1:1: `else without `ifdef");
    assert_eq!(err("x\n`ifdef A\ny\n"), "t.rdl:2:1: `ifdef without `endif");
    assert_eq!(
        err("`ifdef A junk\n`endif"),
        "t.rdl:1:10: unexpected text after `ifdef"
    );
    assert_eq!(
        err("reg r;\n  `NOPE\n"),
        "t.rdl:2:4: macro `NOPE` is not defined"
    );
    assert_eq!(
        err("`define F(a, b) a b\n`F(1)"),
        "t.rdl:2:1: macro `F` takes 2 arguments, 1 given"
    );
    assert_eq!(
        err("`define F(a) a\n`F(1"),
        "t.rdl:2:3: the arguments of macro `F` have no closing `)`"
    );
    assert_eq!(
        err("`define F(a) a\n`F(1])"),
        "t.rdl:2:5: unbalanced `]` in the arguments of macro `F`"
    );
    assert_eq!(
        err("`define A `B\n`define B `A\n`A"),
        "t.rdl:3:1: macro `A` expands to itself"
    );
    assert_eq!(
        err("`define ifdef 1"),
        "t.rdl:1:9: `ifdef` is a preprocessor directive and cannot be a macro name"
    );
    assert_eq!(
        err("`define F(a b) a"),
        "t.rdl:1:11: malformed parameter list of macro `F`"
    );
    assert_eq!(
        err("x `ifdef A\n"),
        "t.rdl:1:3: incomplete or misplaced `ifdef directive"
    );
}

#[test]
fn macro_nesting_is_bounded() {
    // M0 uses M1 uses ... M99: deeper than the limit, and not a recursion.
    let mut t = String::new();
    for i in 0..100 {
        t.push_str(&format!("`define M{i} `M{}\n", i + 1));
    }
    t.push_str("`define M100 x\n`M0\n");
    let e = err(&t);
    assert!(e.contains("nested more than 64 deep"), "{e}");
}

#[test]
fn exponential_expansion_stops_at_the_size_limit() {
    let mut t = format!("`define M0 {}\n", "x".repeat(8192));
    for i in 1..40 {
        t.push_str(&format!("`define M{i} `M{0} `M{0}\n", i - 1));
    }
    t.push_str("`M39\n");
    let e = err(&t);
    assert!(e.contains("longer than"), "{e}");
}

#[test]
fn the_source_map_leads_back_to_lines_and_expansions() {
    let text = "`define W 8\n\n`ifdef NO\nskipped\n`endif\nreg r { f[`W]; };\n";
    let p = run_with(text, &[], "perl").expect("preprocesses");
    let at = p.text.find("reg r").expect("kept") as u32;
    let (_, loc, span, notes) = p.map.place(Span::new(at, at + 3));
    assert_eq!((loc.line, loc.column), (6, 1));
    assert_eq!(span.len(), 3);
    assert!(notes.is_empty());
    let eight = p.text.find('8').expect("expanded") as u32;
    let (_, loc, span, notes) = p.map.place(Span::new(eight, eight + 1));
    assert_eq!((loc.line, loc.column), (6, 11));
    assert_eq!(span.len(), 2, "the whole use `W");
    assert_eq!(notes[0].message, "in the expansion of macro `W`");
}

#[test]
fn perl_segments_emit_text_and_values() {
    if !have_perl("perl_segments_emit_text_and_values") {
        return;
    }
    let t = "a <% for my $i (0..2) { %>r<%=$i%> <% } %>b";
    assert_eq!(pp(t), "a r0 r1 r2 b");
    // Perl runs before the Verilog-style directives, which see its output.
    let t = "`define W 4\n<% my $n = 2; %>f[<%=$n%>*`W];";
    assert_eq!(pp(t), "\nf[2*4];");
    // A value's place is its tag.
    let p = run_with("x\n  <%=40+2%>\n", &[], "perl").expect("runs");
    let at = p.text.find("42").expect("value") as u32;
    let (_, loc, _, notes) = p.map.place(Span::new(at, at + 2));
    assert_eq!((loc.line, loc.column), (2, 3));
    assert_eq!(notes[0].message, "in the output of embedded Perl");
}

#[test]
fn perl_errors_point_at_the_tag() {
    if !have_perl("perl_errors_point_at_the_tag") {
        return;
    }
    let e = err("addrmap a {\n<% my $x = ; %>\n};\n");
    assert!(
        e.starts_with("t.rdl:2:1: embedded Perl failed: syntax error"),
        "{e}"
    );
    let e = err("<%= $x %>");
    assert_eq!(
        e,
        "t.rdl:1:1: `<%=` must be followed directly by the Perl expression"
    );
    // The Safe compartment refuses what systemrdl-compiler's refuses: running programs.
    let e = err("<% system('true'); %>");
    assert!(e.contains("embedded Perl failed"), "{e}");
}

#[test]
fn missing_perl_is_a_clear_error_at_the_first_tag() {
    let e = run_with(
        "addrmap a {\n  <%=1%>\n};",
        &[],
        "/nonexistent/twinreg-perl",
    )
    .err()
    .expect("fails");
    assert_eq!(
        e,
        "t.rdl:2:3: this file uses embedded Perl (`<% %>`), and `/nonexistent/twinreg-perl` was not found"
    );
}

mod never_panics {
    use proptest::prelude::*;

    use super::*;

    /// Pieces that exercise every directive, macro form and their malformed kin.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "`define A 1\n",
            "`define F(x, y) x``y `\"x`\" \\\n y\n",
            "`define G(",
            "`undef A\n",
            "`ifdef A\n",
            "`ifndef B\n",
            "`elsif A\n",
            "`else\n",
            "`endif\n",
            "`line 3 \"f\" 1\n",
            "`A",
            "`F(1, (2, 3))",
            "`F(",
            "`G",
            "`",
            "``",
            "`\"",
            "`include \"x.rdl\"\n",
            "`include",
            " ",
            "\n",
            "\r\n",
            "\\",
            "\"",
            "/*",
            "*/",
            "//",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            ",",
            "é",
            "日",
            "reg r_t { field {} f; };",
            "addrmap m { r_t x; };",
            "<%",
            "%>",
            "<%=",
            "`define ifdef 1\n",
            "`define H `H\n",
            "`H",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_mix_of_directives_preprocesses_or_reports(pieces in prop::collection::vec(piece(), 0..40)) {
            let text: String = pieces.concat();
            // No Perl: the error path, fast and deterministic.
            match run_with(&text, &[("B", "2")], "/nonexistent/twinreg-perl") {
                Ok(p) => {
                    // Every byte of the output maps back somewhere in the input.
                    for at in [0, p.text.len() / 2, p.text.len()] {
                        let (_, loc, _, _) = p.map.place(Span::new(at as u32, at as u32));
                        prop_assert!(loc.line >= 1);
                    }
                }
                Err(e) => prop_assert!(!e.is_empty()),
            }
            let c = crate::frontend::Compiler::new()
                .perl("/nonexistent/twinreg-perl")
                .source("t.rdl", text)
                .compile();
            let _ = c.diagnostics.to_string();
        }
    }
}
