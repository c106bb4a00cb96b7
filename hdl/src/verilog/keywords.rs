//! Reserved words, and the renaming of identifiers that clash with them.
//!
//! The output is Verilog-2005, but it is routinely read by SystemVerilog tools
//! (Verilator parses `.v` files with the SystemVerilog keyword set unless told
//! otherwise), so a name must avoid both sets: a field called `type` or `priority`
//! is legal Verilog-2005 and still breaks a SystemVerilog flow.

/// IEEE 1800-2017 Annex B reserved keywords, which include every IEEE 1364-2005
/// keyword. Sorted (so a reviewer can find one); looked up through a hash set.
const KEYWORDS: &[&str] = &[
    "accept_on",
    "alias",
    "always",
    "always_comb",
    "always_ff",
    "always_latch",
    "and",
    "assert",
    "assign",
    "assume",
    "automatic",
    "before",
    "begin",
    "bind",
    "bins",
    "binsof",
    "bit",
    "break",
    "buf",
    "bufif0",
    "bufif1",
    "byte",
    "case",
    "casex",
    "casez",
    "cell",
    "chandle",
    "checker",
    "class",
    "clocking",
    "cmos",
    "config",
    "const",
    "constraint",
    "context",
    "continue",
    "cover",
    "covergroup",
    "coverpoint",
    "cross",
    "deassign",
    "default",
    "defparam",
    "design",
    "disable",
    "dist",
    "do",
    "edge",
    "else",
    "end",
    "endcase",
    "endchecker",
    "endclass",
    "endclocking",
    "endconfig",
    "endfunction",
    "endgenerate",
    "endgroup",
    "endinterface",
    "endmodule",
    "endpackage",
    "endprimitive",
    "endprogram",
    "endproperty",
    "endsequence",
    "endspecify",
    "endtable",
    "endtask",
    "enum",
    "event",
    "eventually",
    "expect",
    "export",
    "extends",
    "extern",
    "final",
    "first_match",
    "for",
    "force",
    "foreach",
    "forever",
    "fork",
    "forkjoin",
    "function",
    "generate",
    "genvar",
    "global",
    "highz0",
    "highz1",
    "if",
    "iff",
    "ifnone",
    "ignore_bins",
    "illegal_bins",
    "implements",
    "implies",
    "import",
    "incdir",
    "include",
    "initial",
    "inout",
    "input",
    "inside",
    "instance",
    "int",
    "integer",
    "interconnect",
    "interface",
    "intersect",
    "join",
    "join_any",
    "join_none",
    "large",
    "let",
    "liblist",
    "library",
    "local",
    "localparam",
    "logic",
    "longint",
    "macromodule",
    "matches",
    "medium",
    "modport",
    "module",
    "nand",
    "negedge",
    "nettype",
    "new",
    "nexttime",
    "nmos",
    "nor",
    "noshowcancelled",
    "not",
    "notif0",
    "notif1",
    "null",
    "or",
    "output",
    "package",
    "packed",
    "parameter",
    "pmos",
    "posedge",
    "primitive",
    "priority",
    "program",
    "property",
    "protected",
    "pull0",
    "pull1",
    "pulldown",
    "pullup",
    "pulsestyle_ondetect",
    "pulsestyle_onevent",
    "pure",
    "rand",
    "randc",
    "randcase",
    "randsequence",
    "rcmos",
    "real",
    "realtime",
    "ref",
    "reg",
    "reject_on",
    "release",
    "repeat",
    "restrict",
    "return",
    "rnmos",
    "rpmos",
    "rtran",
    "rtranif0",
    "rtranif1",
    "s_always",
    "s_eventually",
    "s_nexttime",
    "s_until",
    "s_until_with",
    "scalared",
    "sequence",
    "shortint",
    "shortreal",
    "showcancelled",
    "signed",
    "small",
    "soft",
    "solve",
    "specify",
    "specparam",
    "static",
    "string",
    "strong",
    "strong0",
    "strong1",
    "struct",
    "super",
    "supply0",
    "supply1",
    "sync_accept_on",
    "sync_reject_on",
    "table",
    "tagged",
    "task",
    "this",
    "throughout",
    "time",
    "timeprecision",
    "timeunit",
    "tran",
    "tranif0",
    "tranif1",
    "tri",
    "tri0",
    "tri1",
    "triand",
    "trior",
    "trireg",
    "type",
    "typedef",
    "union",
    "unique",
    "unique0",
    "unsigned",
    "until",
    "until_with",
    "untyped",
    "use",
    "uwire",
    "var",
    "vectored",
    "virtual",
    "void",
    "wait",
    "wait_order",
    "wand",
    "weak",
    "weak0",
    "weak1",
    "while",
    "wildcard",
    "wire",
    "with",
    "within",
    "wor",
    "xnor",
    "xor",
];

/// Whether `name` is a Verilog or SystemVerilog reserved word.
pub fn is_keyword(name: &str) -> bool {
    // Every keyword is short and lower case: most generated names (parameters, long
    // flattened paths) are rejected without a search.
    name.len() <= MAX_KEYWORD_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && keyword_set().contains(name)
}

fn keyword_set() -> &'static super::fxhash::FxHashSet<&'static str> {
    static SET: std::sync::OnceLock<super::fxhash::FxHashSet<&'static str>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| KEYWORDS.iter().copied().collect())
}

/// Length of the longest keyword.
const MAX_KEYWORD_LEN: usize = 19;

/// Whether `name` is a simple identifier: `[A-Za-z_][A-Za-z0-9_$]*`.
pub fn is_simple_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// The name as printed: a reserved word gets a `_` suffix (`type` -> `type_`).
///
/// Uniqueness after renaming is checked per module by [`super::check`], so a
/// definition holding both `type` and `type_` is reported, never miscompiled.
pub fn legalize(name: &str) -> std::borrow::Cow<'_, str> {
    if is_keyword(name) {
        format!("{name}_").into()
    } else {
        name.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_sorted_and_fast_path_holds() {
        assert!(KEYWORDS.windows(2).all(|w| w[0] < w[1]));
        // The fast path of `is_keyword` holds for every keyword.
        assert_eq!(
            KEYWORDS.iter().map(|k| k.len()).max(),
            Some(MAX_KEYWORD_LEN)
        );
        assert!(KEYWORDS.iter().all(|k| is_keyword(k)));
    }

    #[test]
    fn renames_both_languages() {
        assert_eq!(legalize("reg"), "reg_");
        assert_eq!(legalize("type"), "type_");
        assert_eq!(legalize("priority"), "priority_");
        assert_eq!(legalize("smmuen"), "smmuen");
    }

    #[test]
    fn identifier_syntax() {
        assert!(is_simple_identifier("ns_cr0_smmuen"));
        assert!(is_simple_identifier("_x$1"));
        assert!(!is_simple_identifier("1abc"));
        assert!(!is_simple_identifier("a.b"));
        assert!(!is_simple_identifier(""));
    }
}
