//! Fuzzes the SystemRDL front end, preprocessor included, with two kinds of input, told apart by the first
//! byte (see [`text`]):
//!
//! * SystemRDL text generated from an `arbitrary` syntax tree (components, instances
//!   with arrays and addresses, properties with real names and values, default and
//!   dynamic assignments, enums, parameters, expressions), laid out with fuzzed
//!   whitespace, including runs long enough to push a column past 65,535 or an
//!   identifier past 64 K characters from a few input bytes;
//! * raw bytes (as UTF-8, lossily), for the lexer.
//!
//! The front end must never panic, overflow its stack or run away; everything it
//! reports (errors and warnings alike) must render, and a map it accepts must dump.
//! Per execution there is no set-up beyond the input itself.

#![no_main]

use std::fmt::Write;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;

/// Names drawn from a small pool, so that references resolve (or nearly do).
#[derive(Arbitrary, Debug)]
enum Ident {
    Pool(u8),
    Keyword(u8),
    /// `n` repetitions of a letter: long identifiers from two bytes.
    Long(u16),
    Text(String),
}

const POOL: [&str; 12] = [
    "a", "b", "r0", "r1", "f", "g", "ctrl", "status", "blk", "top", "E", "P",
];
const KEYWORDS: [&str; 16] = [
    "reg", "field", "addrmap", "regfile", "mem", "signal", "enum", "default", "sw", "hw", "rw",
    "true", "this", "external", "encode", "property",
];

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Kind {
    Reg,
    Field,
    Regfile,
    Addrmap,
    Mem,
    Signal,
}

impl Kind {
    fn keyword(self) -> &'static str {
        match self {
            Kind::Reg => "reg",
            Kind::Field => "field",
            Kind::Regfile => "regfile",
            Kind::Addrmap => "addrmap",
            Kind::Mem => "mem",
            Kind::Signal => "signal",
        }
    }
}

/// Property names of SystemRDL 2.0 chapter 5 onwards (and user-defined ones).
const PROPERTIES: [&str; 40] = [
    "sw",
    "hw",
    "reset",
    "desc",
    "name",
    "regwidth",
    "fieldwidth",
    "accesswidth",
    "onread",
    "onwrite",
    "singlepulse",
    "counter",
    "incrvalue",
    "incrwidth",
    "rclr",
    "woclr",
    "woset",
    "hwclr",
    "hwset",
    "we",
    "wel",
    "swmod",
    "swacc",
    "sharedextbus",
    "littleendian",
    "bigendian",
    "addressing",
    "alignment",
    "ispresent",
    "mementries",
    "memwidth",
    "intr",
    "sticky",
    "stickybit",
    "precedence",
    "resetsignal",
    "next",
    "encode",
    "mask",
    "threshold",
];
/// Values that are keywords or enumerations in some property's type.
const WORDS: [&str; 20] = [
    "rw",
    "r",
    "w",
    "na",
    "wr",
    "rw1",
    "w1",
    "rclr",
    "rset",
    "ruser",
    "woclr",
    "woset",
    "wot",
    "wzs",
    "wzc",
    "wclr",
    "compact",
    "regalign",
    "fullalign",
    "posedge",
];
const UNARY: [&str; 6] = ["!", "~", "-", "+", "&", "|"];
const BINARY: [&str; 18] = [
    "+", "-", "*", "/", "%", "**", "<<", ">>", "&", "|", "^", "&&", "||", "==", "!=", "<", ">=",
    "~^",
];

#[derive(Arbitrary, Debug)]
enum Expr {
    Num(u64),
    /// A sized literal `w'hV` / `w'bV` / `w'dV`.
    Sized {
        width: u8,
        base: u8,
        value: u64,
    },
    Bool(bool),
    Str(String),
    Word(u8),
    Ref(Vec<Ident>),
    EnumRef(Ident, Ident),
    Unary(u8, Box<Expr>),
    Binary(u8, Box<Expr>, Box<Expr>),
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    Concat(Vec<Expr>),
    Replicate(Box<Expr>, Vec<Expr>),
    Cast(u8, Box<Expr>),
}

#[derive(Arbitrary, Debug)]
struct Prop {
    name: u8,
    user: Option<Ident>,
    value: Option<Expr>,
}

#[derive(Arbitrary, Debug)]
struct InstName {
    name: Ident,
    /// `[n]` / `[hi:lo]` dimensions.
    dims: Vec<(Expr, Option<Expr>)>,
    reset: Option<Expr>,
    at: Option<Expr>,
    stride: Option<Expr>,
    align: Option<Expr>,
}

#[derive(Arbitrary, Debug)]
enum Item {
    Prop(Prop),
    Component(Component),
    Instance {
        external: Option<bool>,
        type_name: Ident,
        params: Vec<(Ident, Expr)>,
        names: Vec<InstName>,
    },
    Default(Prop),
    Dynamic(Vec<Ident>, Prop),
    Enum(Ident, Vec<(Ident, Option<Expr>, Vec<Prop>)>),
    /// A long run of whitespace on the current line.
    Pad {
        tabs: bool,
        count: u16,
    },
    /// Any text spliced in.
    Raw(String),
}

#[derive(Arbitrary, Debug)]
struct Component {
    kind: Kind,
    name: Option<Ident>,
    params: Vec<(Ident, Option<Expr>)>,
    body: Vec<Item>,
    /// Instances of an anonymous or definitive component.
    instances: Vec<InstName>,
}

/// How the text is laid out: one item per line (and indented), or everything on one
/// line.
#[derive(Arbitrary, Debug)]
struct Layout {
    one_line: bool,
    tab_indent: bool,
    indent: u8,
}

#[derive(Arbitrary, Debug)]
struct Source {
    layout: Layout,
    items: Vec<Item>,
    /// The canonical top: an addrmap instantiating what came before.
    no_top: bool,
}

/// Beyond this depth nesting is cut: the front end's own limits (64 expression
/// levels, 32 bodies) are tested by the pathological inputs of `regdef/tests`.
const MAX_DEPTH: usize = 40;
/// Longest generated identifier and whitespace run: past 65,535 columns and 64 K
/// characters, the bounds where format widths and diagnostic spans once panicked.
const MAX_RUN: usize = 70_000;

struct Printer<'a> {
    out: String,
    layout: &'a Layout,
    depth: usize,
}

impl Printer<'_> {
    fn newline(&mut self) {
        if self.layout.one_line {
            self.out.push(' ');
            return;
        }
        self.out.push('\n');
        let unit = if self.layout.tab_indent { '\t' } else { ' ' };
        let n = self.depth * usize::from(self.layout.indent % 9);
        self.out.extend(std::iter::repeat_n(unit, n));
    }

    fn ident(&mut self, ident: &Ident) {
        match ident {
            Ident::Pool(n) => self.out.push_str(POOL[usize::from(*n) % POOL.len()]),
            Ident::Keyword(n) => self
                .out
                .push_str(KEYWORDS[usize::from(*n) % KEYWORDS.len()]),
            Ident::Long(n) => {
                // Mostly short; the top values reach past 64 K characters.
                let len = if *n > 0xFF00 {
                    MAX_RUN - usize::from(0xFFFF - *n)
                } else {
                    1 + usize::from(*n % 64)
                };
                self.out.push('x');
                self.out.extend(std::iter::repeat_n('y', len - 1));
            }
            Ident::Text(s) => self.out.push_str(s),
        }
    }

    fn path(&mut self, parts: &[Ident]) {
        if parts.is_empty() {
            self.out.push('a');
        }
        for (i, p) in parts.iter().take(4).enumerate() {
            if i > 0 {
                self.out.push('.');
            }
            self.ident(p);
        }
    }

    fn expr(&mut self, e: &Expr) {
        if self.depth > MAX_DEPTH {
            self.out.push('1');
            return;
        }
        self.depth += 1;
        match e {
            Expr::Num(n) => {
                if n & 1 == 0 {
                    let _ = write!(self.out, "{}", n >> 1);
                } else {
                    let _ = write!(self.out, "0x{:X}", n >> 1);
                }
            }
            Expr::Sized { width, base, value } => {
                let _ = match base % 3 {
                    0 => write!(self.out, "{width}'h{value:x}"),
                    1 => write!(self.out, "{width}'b{value:b}"),
                    _ => write!(self.out, "{width}'d{value}"),
                };
            }
            Expr::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Expr::Str(s) => {
                self.out.push('"');
                self.out
                    .extend(s.chars().take(256).map(|c| if c == '"' { '\'' } else { c }));
                self.out.push('"');
            }
            Expr::Word(n) => self.out.push_str(WORDS[usize::from(*n) % WORDS.len()]),
            Expr::Ref(parts) => self.path(parts),
            Expr::EnumRef(e, v) => {
                self.ident(e);
                self.out.push_str("::");
                self.ident(v);
            }
            Expr::Unary(op, x) => {
                self.out.push_str(UNARY[usize::from(*op) % UNARY.len()]);
                self.expr(x);
            }
            Expr::Binary(op, a, b) => {
                self.out.push('(');
                self.expr(a);
                self.out.push_str(BINARY[usize::from(*op) % BINARY.len()]);
                self.expr(b);
                self.out.push(')');
            }
            Expr::Ternary(c, a, b) => {
                self.expr(c);
                self.out.push_str(" ? ");
                self.expr(a);
                self.out.push_str(" : ");
                self.expr(b);
            }
            Expr::Concat(parts) => {
                self.out.push('{');
                self.list(parts);
                self.out.push('}');
            }
            Expr::Replicate(n, parts) => {
                self.out.push('{');
                self.expr(n);
                self.out.push('{');
                self.list(parts);
                self.out.push_str("}}");
            }
            Expr::Cast(t, x) => {
                let t = ["longint", "bit", "boolean", "32"][usize::from(*t) % 4];
                let _ = write!(self.out, "{t}'(");
                self.expr(x);
                self.out.push(')');
            }
        }
        self.depth -= 1;
    }

    fn list(&mut self, parts: &[Expr]) {
        for (i, p) in parts.iter().take(8).enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.expr(p);
        }
    }

    fn prop(&mut self, p: &Prop) {
        match &p.user {
            Some(name) => self.ident(name),
            None => self
                .out
                .push_str(PROPERTIES[usize::from(p.name) % PROPERTIES.len()]),
        }
        if let Some(v) = &p.value {
            self.out.push_str(" = ");
            self.expr(v);
        }
        self.out.push(';');
    }

    fn inst_name(&mut self, n: &InstName) {
        self.ident(&n.name);
        for (a, b) in n.dims.iter().take(3) {
            self.out.push('[');
            self.expr(a);
            if let Some(b) = b {
                self.out.push(':');
                self.expr(b);
            }
            self.out.push(']');
        }
        for (mark, e) in [
            (" = ", &n.reset),
            (" @ ", &n.at),
            (" += ", &n.stride),
            (" %= ", &n.align),
        ] {
            if let Some(e) = e {
                self.out.push_str(mark);
                self.expr(e);
            }
        }
    }

    fn inst_names(&mut self, names: &[InstName]) {
        for (i, n) in names.iter().take(4).enumerate() {
            self.out.push_str(if i > 0 { ", " } else { " " });
            self.inst_name(n);
        }
    }

    fn item(&mut self, item: &Item) {
        self.newline();
        match item {
            Item::Prop(p) => self.prop(p),
            Item::Component(c) => self.component(c),
            Item::Instance {
                external,
                type_name,
                params,
                names,
            } => {
                match external {
                    Some(true) => self.out.push_str("external "),
                    Some(false) => self.out.push_str("internal "),
                    None => {}
                }
                self.ident(type_name);
                if !params.is_empty() {
                    self.out.push_str(" #(");
                    for (i, (name, value)) in params.iter().take(4).enumerate() {
                        if i > 0 {
                            self.out.push(',');
                        }
                        self.out.push('.');
                        self.ident(name);
                        self.out.push('(');
                        self.expr(value);
                        self.out.push(')');
                    }
                    self.out.push(')');
                }
                if names.is_empty() {
                    self.out.push_str(" i");
                }
                self.inst_names(names);
                self.out.push(';');
            }
            Item::Default(p) => {
                self.out.push_str("default ");
                self.prop(p);
            }
            Item::Dynamic(path, p) => {
                self.path(path);
                self.out.push_str("->");
                self.prop(p);
            }
            Item::Enum(name, entries) => {
                self.out.push_str("enum ");
                self.ident(name);
                self.out.push_str(" {");
                for (entry, value, props) in entries.iter().take(8) {
                    self.out.push(' ');
                    self.ident(entry);
                    if let Some(v) = value {
                        self.out.push_str(" = ");
                        self.expr(v);
                    }
                    if !props.is_empty() {
                        self.out.push_str(" {");
                        for p in props.iter().take(2) {
                            self.prop(p);
                        }
                        self.out.push('}');
                    }
                    self.out.push(';');
                }
                self.out.push_str(" };");
            }
            Item::Pad { tabs, count } => {
                let n = if *count > 0xFF00 {
                    MAX_RUN - usize::from(0xFFFF - *count)
                } else {
                    usize::from(*count % 256)
                };
                self.out
                    .extend(std::iter::repeat_n(if *tabs { '\t' } else { ' ' }, n));
            }
            Item::Raw(s) => self.out.push_str(s),
        }
    }

    fn component(&mut self, c: &Component) {
        self.out.push_str(c.kind.keyword());
        if let Some(name) = &c.name {
            self.out.push(' ');
            self.ident(name);
        }
        if !c.params.is_empty() {
            self.out.push_str(" #(");
            for (i, (name, default)) in c.params.iter().take(4).enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                self.out.push_str("longint unsigned ");
                self.ident(name);
                if let Some(d) = default {
                    self.out.push_str(" = ");
                    self.expr(d);
                }
            }
            self.out.push(')');
        }
        self.out.push_str(" {");
        if self.depth <= MAX_DEPTH {
            self.depth += 1;
            for item in c.body.iter().take(16) {
                self.item(item);
            }
            self.depth -= 1;
        }
        self.newline();
        self.out.push('}');
        self.inst_names(&c.instances);
        self.out.push(';');
    }

    fn source(&mut self, s: &Source) {
        for item in s.items.iter().take(32) {
            self.item(item);
        }
        if !s.no_top {
            // Instantiate every named top-level component in an addrmap, so that a
            // generated file elaborates to a map more often than not.
            self.newline();
            self.out.push_str("addrmap fuzz_top {");
            for item in &s.items {
                if let Item::Component(Component {
                    kind,
                    name: Some(name),
                    ..
                }) = item
                {
                    if matches!(kind, Kind::Reg | Kind::Regfile | Kind::Addrmap | Kind::Mem) {
                        self.out.push(' ');
                        self.ident(name);
                        self.out.push_str(" i_");
                        self.ident(name);
                        self.out.push(';');
                    }
                }
            }
            self.out.push_str(" };");
        }
        self.out.push('\n');
    }
}

/// The text an input stands for. An input that starts like text (a printable ASCII
/// character, TAB, CR, LF or any byte of a UTF-8 sequence) is the text itself, so
/// real `.rdl` files seed the corpus as they are; one that starts with another
/// control byte (zero bytes included) is a syntax tree.
fn text(data: &[u8]) -> String {
    match data.split_first() {
        Some((&first, rest))
            if first < 0x20 && !matches!(first, b'\t' | b'\n' | b'\r') || first == 0x7F =>
        {
            let Ok(source) = Source::arbitrary_take_rest(Unstructured::new(rest)) else {
                return String::new();
            };
            let mut p = Printer {
                out: String::new(),
                layout: &source.layout,
                depth: 0,
            };
            p.source(&source);
            p.out
        }
        _ => String::from_utf8_lossy(data).into_owned(),
    }
}

fuzz_target!(|data: &[u8]| {
    // Through the preprocessor, as the CLI compiles; an absent Perl keeps the
    // fuzzer's `<% %>` from running (the error path is what is fuzzed).
    let c = regdef::Compiler::new()
        .perl("twinreg-fuzz-has-no-perl")
        .source("fuzz.rdl", text(data))
        .compile();
    // Warnings of a file that compiles render too.
    let _ = c.diagnostics.to_string();
    if let Some(map) = c.map {
        let _ = regdef::dump::to_json(&map);
        let _ = regdef::dump::to_table(&map);
    }
});
