//! The front end never panics, whatever it is given: arbitrary bytes, token soup,
//! and valid files with bytes flipped and tokens deleted or duplicated. Whatever it
//! accepts satisfies the IR's basic invariants, and whatever it rejects renders.
//!
//! Inputs are bounded (a few KiB of noise; mutations of the real files), and the
//! front end bounds its own recursion, so every case finishes quickly.

use std::path::PathBuf;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::select;

/// `regdef/smmuv3.rdl` and both corpora.
fn sources() -> &'static [String] {
    static SOURCES: OnceLock<Vec<String>> = OnceLock::new();
    SOURCES.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut paths = vec![root.join("smmuv3.rdl")];
        for kind in ["good", "bad"] {
            paths.extend(testkit::rdl_corpus(kind));
        }
        paths
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .collect()
    })
}

/// Compiles `text` and checks what comes out; a panic inside fails the property.
fn check(text: &str) {
    let c = regdef::frontend::compile("fuzz.rdl", text);
    match c.map {
        Some(map) => {
            assert!(!c.diagnostics.has_errors());
            // Read-only/write-only pairs and aliases may share addresses or bits
            // (SystemRDL 2.0 10.1); the map then names the feature.
            let overlap = map.features().contains_key(&regdef::ir::Feature::Overlap);
            for pair in map.registers.windows(2) {
                assert!(
                    overlap
                        || pair[1].alias_of.is_some()
                        || pair[0].address + pair[0].size_bytes() <= pair[1].address
                );
            }
            for r in &map.registers {
                assert!(r.width >= 8 && r.width.is_power_of_two() && r.width <= 1024);
                for w in r.fields.windows(2) {
                    assert!(overlap || w[0].msb < w[1].lsb);
                }
                for f in &r.fields {
                    assert!(f.lsb <= f.msb && f.msb < r.width);
                    assert_eq!(f.reset.unwrap_or(0) & !f.value_mask(), 0);
                }
            }
            let _ = regdef::dump::to_json(&map);
            let _ = regdef::dump::to_table(&map);
        }
        None => {
            assert!(c.diagnostics.has_errors());
            assert!(!c.diagnostics.to_string().is_empty());
            for d in c.diagnostics.iter() {
                if let Some((offset, len)) = d.byte_range() {
                    assert!(offset + len <= text.len(), "span past the end: {d:?}");
                    assert!(d.location.line >= 1);
                }
            }
        }
    }
}

/// Pieces of a file: identifiers/numbers, single punctuation characters, and
/// whitespace runs (kept so that a file rejoins exactly).
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let len = if c.is_alphanumeric() || c == '_' {
            rest.find(|x: char| !(x.is_alphanumeric() || x == '_'))
                .unwrap_or(rest.len())
        } else if c.is_whitespace() {
            rest.find(|x: char| !x.is_whitespace())
                .unwrap_or(rest.len())
        } else {
            c.len_utf8()
        };
        out.push(&rest[..len]);
        rest = &rest[len..];
    }
    out
}

#[derive(Clone, Debug)]
enum Mutation {
    FlipBit { at: usize, bit: u8 },
    DeleteToken(usize),
    DuplicateToken(usize),
    SwapTokens(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        any::<usize>().prop_map(Mutation::DeleteToken),
        any::<usize>().prop_map(Mutation::DuplicateToken),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapTokens(a, b)),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for m in mutations {
        if bytes.is_empty() {
            break;
        }
        if let Mutation::FlipBit { at, bit } = m {
            let i = at % bytes.len();
            bytes[i] ^= 1 << bit;
            continue;
        }
        let current = String::from_utf8_lossy(&bytes).into_owned();
        let mut p: Vec<&str> = pieces(&current);
        let n = p.len();
        match *m {
            Mutation::DeleteToken(i) => {
                p.remove(i % n);
            }
            Mutation::DuplicateToken(i) => {
                let t = p[i % n];
                p.insert(i % n, t);
            }
            Mutation::SwapTokens(a, b) => p.swap(a % n, b % n),
            Mutation::FlipBit { .. } => {}
        }
        bytes = p.concat().into_bytes();
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Tokens of the language, for soup that gets past the lexer.
const TOKENS: &[&str] = &[
    "addrmap",
    "regfile",
    "reg",
    "field",
    "enum",
    "property",
    "default",
    "encode",
    "type",
    "component",
    "ref",
    "boolean",
    "number",
    "string",
    "true",
    "false",
    "rw",
    "r",
    "w",
    "na",
    "woclr",
    "rclr",
    "sw",
    "hw",
    "reset",
    "regwidth",
    "ispresent",
    "name",
    "desc",
    "x",
    "y",
    "top",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    ";",
    ",",
    ".",
    ":",
    "::",
    "'",
    "=",
    "@",
    "+=",
    "%=",
    "->",
    "?",
    "+",
    "-",
    "*",
    "**",
    "<<",
    "|",
    "&&",
    "!",
    "~",
    "0",
    "1",
    "32",
    "0x10",
    "4'hF",
    "'h3",
    "\"s\"",
    "'{",
    "security_e",
    "secure",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn token_soup(tokens in proptest::collection::vec(select(TOKENS), 0..300)) {
        check(&tokens.join(" "));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_valid_files(
        which in any::<prop::sample::Index>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let files = sources();
        prop_assume!(!files.is_empty());
        check(&mutate(which.get::<String>(files), &mutations));
    }
}

#[test]
fn pieces_rejoin_to_the_original() {
    for text in sources() {
        assert_eq!(pieces(text).concat(), *text);
    }
    assert_eq!(
        pieces("reg r_t { f[3:0]; }"),
        ["reg", " ", "r_t", " ", "{", " ", "f", "[", "3", ":", "0", "]", ";", " ", "}"]
    );
}

#[test]
fn pathological_inputs_end_in_diagnostics() {
    let cases = [
        "(".repeat(100_000),
        format!(
            "addrmap a {{ reg {{ field {{}} f = {}; }} x; }};",
            "~".repeat(100_000)
        ),
        "addrmap a { ".repeat(10_000),
        format!(
            "addrmap a {{ reg {{ field {{}} f; }} x; x->name = {}\"s\"{}; }};",
            "'{".repeat(10_000),
            "}".repeat(10_000)
        ),
        "\"".repeat(3) + &"\\".repeat(10_001),
        "/*".to_owned() + &"*".repeat(100_000),
        "addrmap a { reg { field {} f; } x[4294967296][4294967296]; };".to_owned(),
        "addrmap a { reg { field {} f[0xFFFFFFFFFFFFFFFF:0]; } x @ 0xFFFFFFFFFFFFFFFF; };"
            .to_owned(),
        "addrmap a { reg { field {} f; } x[2] @ 0xFFFFFFFFFFFFFFF0 += 0x8000000000000000; };"
            .to_owned(),
        "addrmap a { reg { field {} f; } x @ 0xFFFFFFFFFFFFFFFC; };".to_owned(),
        "addrmap a { reg { field {} f; } x[8] @ 0xFFFFFFFFFFFFFFF0; };".to_owned(),
        "addrmap a { regfile { reg { field {} f; } x @ 0x100; } rf @ 0xFFFFFFFFFFFFFF00; };"
            .to_owned(),
        "property update_handshake { type = boolean; component = field; };\n\
         addrmap a { reg { field { hwclr; update_handshake; } f[0xFFFFFFFFFF:0]; } x; };"
            .to_owned(),
    ];
    for text in &cases {
        let c = regdef::frontend::compile("p.rdl", text);
        assert!(
            c.diagnostics.has_errors(),
            "accepted: {}",
            &text[..text.len().min(80)]
        );
        check(text);
    }
}
