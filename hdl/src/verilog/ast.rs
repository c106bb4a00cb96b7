//! A small Verilog-2005 syntax tree.
//!
//! Only what a register block and its bus adapters need, and nothing that could make
//! the output non-synthesisable: there is no `initial`, no delay, no `integer`, no
//! latch-prone construct beyond what [`super::check`] verifies. Widths are concrete
//! numbers everywhere (no parametric ranges), so [`super::check`] can verify every
//! assignment, comparison and port connection before anything is printed.
//!
//! Identifiers are stored as the generator chose them; the printer legalises names
//! that clash with Verilog or SystemVerilog keywords ([`super::keywords`]).
//!
//! Expressions are built with the free functions ([`id`], [`lit`], ...) and the
//! operator overloads (`&`, `|`, `^`, `!` for bitwise NOT):
//!
//! ```
//! use hdl::verilog::ast::{id, lit};
//! let e = (id("a") & !id("b")) | lit(1, 0);
//! assert_eq!(hdl::verilog::print::expr(&e), "(a & ~b) | 1'b0");
//! ```

use std::ops::{BitAnd, BitOr, BitXor, Not};

/// One `module ... endmodule`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    /// Module name.
    pub name: String,
    /// Comment lines printed above `module` (without `//`).
    pub header: Vec<String>,
    /// `parameter`s of the `#( ... )` list.
    pub params: Vec<Param>,
    /// Ports, in order (ANSI style).
    pub ports: Vec<Port>,
    /// Body items, in order.
    pub items: Vec<Item>,
}

/// A `parameter` or `localparam` with an explicit range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    /// Name.
    pub name: String,
    /// Width in bits (the range is `[width-1:0]`).
    pub width: u32,
    /// Value (default value for a `parameter`).
    pub value: Expr,
    /// Comment printed on the line above.
    pub comment: Option<String>,
}

/// Port direction.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `input`
    Input,
    /// `output`
    Output,
}

/// Net kind of a port or declaration.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum NetKind {
    /// `wire`: driven by `assign` or an instance output.
    Wire,
    /// `reg`: driven by one `always` block.
    Reg,
}

/// A port of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    /// Direction.
    pub dir: Direction,
    /// `wire` or `reg` (inputs are always wires).
    pub kind: NetKind,
    /// Name.
    pub name: String,
    /// Width in bits (at least 1).
    pub width: u32,
    /// Comment printed on the line above.
    pub comment: Option<String>,
}

impl Port {
    /// An input wire.
    pub fn input(name: impl Into<String>, width: u32) -> Port {
        Port {
            dir: Direction::Input,
            kind: NetKind::Wire,
            name: name.into(),
            width,
            comment: None,
        }
    }

    /// An output wire (driven by `assign` or an instance).
    pub fn output(name: impl Into<String>, width: u32) -> Port {
        Port {
            dir: Direction::Output,
            kind: NetKind::Wire,
            name: name.into(),
            width,
            comment: None,
        }
    }

    /// Adds a comment line above the port.
    pub fn with_comment(mut self, comment: impl Into<String>) -> Port {
        self.comment = Some(comment.into());
        self
    }
}

/// A `wire` or `reg` declaration in the module body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decl {
    /// `wire` or `reg`.
    pub kind: NetKind,
    /// Name.
    pub name: String,
    /// Width in bits.
    pub width: u32,
    /// Trailing comment.
    pub comment: Option<String>,
}

/// An item of a module body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// `// text`, one line per entry.
    Comment(Vec<String>),
    /// An empty line.
    Blank,
    /// `localparam [w-1:0] NAME = value;`
    LocalParam(Param),
    /// `wire` / `reg` declaration.
    Decl(Decl),
    /// `assign lhs = rhs;`
    Assign {
        /// Target (an lvalue: identifier, select or concatenation of those).
        lhs: Expr,
        /// Value.
        rhs: Expr,
    },
    /// A priority chain as one continuous assignment:
    /// `assign lhs = c1 ? v1 : c2 ? v2 : ... : otherwise;`, one arm a line with its
    /// comment. The first arm whose condition holds gives the value.
    Chain(Chain),
    /// An `always` block.
    Always(Always),
    /// A module instance.
    Instance(Instance),
}

/// A priority chain ([`Item::Chain`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    /// Target wire.
    pub lhs: String,
    /// Arms, highest priority first.
    pub arms: Vec<ChainArm>,
    /// The value when no arm's condition holds.
    pub otherwise: Expr,
    /// Comment of the `otherwise` value.
    pub otherwise_comment: Option<String>,
}

/// One arm of a [`Chain`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainArm {
    /// Comment printed above the arm.
    pub comment: Option<String>,
    /// 1-bit condition.
    pub cond: Expr,
    /// The value when `cond` holds (as wide as the target).
    pub value: Expr,
}

impl Chain {
    /// The chain as one expression: nested `?:`, the first arm outermost.
    pub fn expr(&self) -> Expr {
        self.arms
            .iter()
            .rev()
            .fold(self.otherwise.clone(), |rest, a| {
                Expr::Ternary(
                    Box::new(a.cond.clone()),
                    Box::new(a.value.clone()),
                    Box::new(rest),
                )
            })
    }

    /// Calls `f` with every expression of the chain (conditions and values).
    pub fn exprs(&self) -> impl Iterator<Item = &Expr> {
        self.arms
            .iter()
            .flat_map(|a| [&a.cond, &a.value])
            .chain(std::iter::once(&self.otherwise))
    }
}

/// Edge of an asynchronous reset.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Edge {
    /// `posedge` (active-high reset).
    Pos,
    /// `negedge` (active-low reset).
    Neg,
}

/// What an `always` block waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sensitivity {
    /// `always @*`: combinational; blocking assignments only.
    Comb,
    /// `always @(posedge clock [or <edge> reset])`: sequential; non-blocking only.
    Clocked {
        /// Clock signal.
        clock: String,
        /// Asynchronous reset and its active edge, if any.
        async_reset: Option<(String, Edge)>,
    },
}

/// An `always` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Always {
    /// Sensitivity.
    pub sens: Sensitivity,
    /// Body (printed inside `begin ... end`).
    pub body: Vec<Stmt>,
}

/// A procedural statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stmt {
    /// `// text`
    Comment(String),
    /// `lhs = rhs;` (in `always @*`).
    Blocking {
        /// Target.
        lhs: Expr,
        /// Value.
        rhs: Expr,
    },
    /// `lhs <= rhs;` (in a clocked `always`).
    NonBlocking {
        /// Target.
        lhs: Expr,
        /// Value.
        rhs: Expr,
    },
    /// `if (cond) begin ... end else begin ... end` (no `else` when empty).
    If {
        /// 1-bit condition.
        cond: Expr,
        /// Taken when `cond` is 1.
        then: Vec<Stmt>,
        /// Taken otherwise.
        els: Vec<Stmt>,
    },
    /// `case (sel) ... default: ... endcase`; the default arm is always printed.
    Case {
        /// Selector.
        sel: Expr,
        /// Arms, in order.
        arms: Vec<CaseArm>,
        /// Body of the `default` arm.
        default: Vec<Stmt>,
    },
}

/// One arm of a `case`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseArm {
    /// Labels (each as wide as the selector).
    pub labels: Vec<Expr>,
    /// Body.
    pub body: Vec<Stmt>,
    /// Trailing comment on the label line.
    pub comment: Option<String>,
}

/// A module instance with named connections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    /// Instantiated module.
    pub module: String,
    /// Instance name.
    pub name: String,
    /// Parameter overrides `.NAME(value)`.
    pub params: Vec<(String, Expr)>,
    /// Port connections `.port(expr)`; every port of the module must be connected.
    pub conns: Vec<(String, Expr)>,
}

/// Unary operators.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `~` bitwise NOT.
    Not,
    /// `!` logical NOT (1-bit operand).
    LogicNot,
    /// `&` reduction AND.
    RedAnd,
    /// `|` reduction OR.
    RedOr,
    /// `^` reduction XOR.
    RedXor,
}

/// Binary operators.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `&` (operands of equal width).
    And,
    /// `|` (operands of equal width).
    Or,
    /// `^` (operands of equal width).
    Xor,
    /// `&&` (1-bit operands).
    LogicAnd,
    /// `||` (1-bit operands).
    LogicOr,
    /// `==` (operands of equal width, 1-bit result).
    Eq,
    /// `!=` (operands of equal width, 1-bit result).
    Ne,
}

/// An expression. Selects apply to identifiers only, as Verilog-2005 requires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// A signal or parameter.
    Ident(String),
    /// A sized literal `width'h...` (`width` 1..=64, `value` fits in it).
    Literal {
        /// Width in bits.
        width: u32,
        /// Value.
        value: u64,
    },
    /// A unary operation.
    Unary(UnaryOp, Box<Expr>),
    /// A binary operation.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `cond ? then : else`.
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `{a, b, ...}`, most significant first.
    Concat(Vec<Expr>),
    /// `{n{e}}`.
    Repeat(u32, Box<Expr>),
    /// `name[bit]`.
    Index(String, u32),
    /// `name[msb:lsb]`.
    Slice(String, u32, u32),
    /// `width'bx`: a don't-care value (1..=64 bits). Synthesis may pick any value, so
    /// it is only for values nothing observes (a multiplexer input no select reaches).
    Undef(u32),
}

/// An identifier.
pub fn id(name: impl Into<String>) -> Expr {
    Expr::Ident(name.into())
}

/// A sized literal.
pub fn lit(width: u32, value: u64) -> Expr {
    Expr::Literal { width, value }
}

/// A don't-care value `width'bx` ([`Expr::Undef`]).
pub fn undef(width: u32) -> Expr {
    Expr::Undef(width)
}

/// A literal of `width` ones.
pub fn ones(width: u32) -> Expr {
    lit(width, regdef::access::ones(width))
}

/// `name[bit]`.
pub fn index(name: impl Into<String>, bit: u32) -> Expr {
    Expr::Index(name.into(), bit)
}

/// `name[msb:lsb]`; a 1-bit range prints as `name[bit]`.
pub fn slice(name: impl Into<String>, msb: u32, lsb: u32) -> Expr {
    if msb == lsb {
        Expr::Index(name.into(), msb)
    } else {
        Expr::Slice(name.into(), msb, lsb)
    }
}

/// `{parts}`, most significant first; a single part is returned as it is.
pub fn concat(mut parts: Vec<Expr>) -> Expr {
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        Expr::Concat(parts)
    }
}

/// `{n{e}}`; `n == 1` returns `e`.
pub fn repeat(n: u32, e: Expr) -> Expr {
    if n == 1 {
        e
    } else {
        Expr::Repeat(n, Box::new(e))
    }
}

/// `cond ? a : b`.
pub fn ternary(cond: Expr, a: Expr, b: Expr) -> Expr {
    Expr::Ternary(Box::new(cond), Box::new(a), Box::new(b))
}

/// `|e`.
pub fn reduce_or(e: Expr) -> Expr {
    Expr::Unary(UnaryOp::RedOr, Box::new(e))
}

/// `&e`.
pub fn reduce_and(e: Expr) -> Expr {
    Expr::Unary(UnaryOp::RedAnd, Box::new(e))
}

/// `^e`.
pub fn reduce_xor(e: Expr) -> Expr {
    Expr::Unary(UnaryOp::RedXor, Box::new(e))
}

/// `a == b`.
pub fn eq(a: Expr, b: Expr) -> Expr {
    Expr::Binary(BinaryOp::Eq, Box::new(a), Box::new(b))
}

/// `a != b`.
pub fn ne(a: Expr, b: Expr) -> Expr {
    Expr::Binary(BinaryOp::Ne, Box::new(a), Box::new(b))
}

/// AND of 1-bit terms with `&`; the empty AND is `1'b1`.
pub fn all(terms: impl IntoIterator<Item = Expr>) -> Expr {
    terms.into_iter().reduce(|a, b| a & b).unwrap_or(lit(1, 1))
}

/// OR of terms of one width with `|`; the empty OR is `None`.
pub fn any(terms: impl IntoIterator<Item = Expr>) -> Option<Expr> {
    terms.into_iter().reduce(|a, b| a | b)
}

/// OR of terms of one width as a balanced tree (`(a | b) | (c | d)`), so the logic
/// depth grows with the logarithm of the number of terms; the empty OR is `None`.
/// Synthesis keeps the structure it is given, so wide ORs (read multiplexers) use this
/// rather than [`any`], whose left-nested chain would be as deep as it is long.
pub fn any_balanced(mut terms: Vec<Expr>) -> Option<Expr> {
    while terms.len() > 1 {
        let mut next = Vec::with_capacity(terms.len().div_ceil(2));
        let mut it = terms.into_iter();
        while let Some(a) = it.next() {
            next.push(match it.next() {
                Some(b) => a | b,
                None => a,
            });
        }
        terms = next;
    }
    terms.pop()
}

impl Expr {
    /// Whether this is the literal `1'b1`.
    pub fn is_true(&self) -> bool {
        matches!(self, Expr::Literal { width: 1, value: 1 })
    }
}

impl BitAnd for Expr {
    type Output = Expr;
    /// `a & b`; AND with `1'b1` folds away so generated conditions stay short.
    fn bitand(self, rhs: Expr) -> Expr {
        if self.is_true() {
            rhs
        } else if rhs.is_true() {
            self
        } else {
            Expr::Binary(BinaryOp::And, Box::new(self), Box::new(rhs))
        }
    }
}

impl BitOr for Expr {
    type Output = Expr;
    /// `a | b`.
    fn bitor(self, rhs: Expr) -> Expr {
        Expr::Binary(BinaryOp::Or, Box::new(self), Box::new(rhs))
    }
}

impl BitXor for Expr {
    type Output = Expr;
    /// `a ^ b`.
    fn bitxor(self, rhs: Expr) -> Expr {
        Expr::Binary(BinaryOp::Xor, Box::new(self), Box::new(rhs))
    }
}

impl Not for Expr {
    type Output = Expr;
    /// `~a` (bitwise).
    fn not(self) -> Expr {
        Expr::Unary(UnaryOp::Not, Box::new(self))
    }
}

/// Builders for statements and items, so generators read like the Verilog they make.
impl Stmt {
    /// `lhs = rhs;`
    pub fn blocking(lhs: Expr, rhs: Expr) -> Stmt {
        Stmt::Blocking { lhs, rhs }
    }

    /// `lhs <= rhs;`
    pub fn nonblocking(lhs: Expr, rhs: Expr) -> Stmt {
        Stmt::NonBlocking { lhs, rhs }
    }

    /// `if (cond) then else els`.
    pub fn if_else(cond: Expr, then: Vec<Stmt>, els: Vec<Stmt>) -> Stmt {
        Stmt::If { cond, then, els }
    }
}

impl Item {
    /// A one-line comment.
    pub fn comment(text: impl Into<String>) -> Item {
        Item::Comment(vec![text.into()])
    }

    /// `wire [width-1:0] name;`
    pub fn wire(name: impl Into<String>, width: u32) -> Item {
        Item::Decl(Decl {
            kind: NetKind::Wire,
            name: name.into(),
            width,
            comment: None,
        })
    }

    /// `reg [width-1:0] name;`
    pub fn reg(name: impl Into<String>, width: u32) -> Item {
        Item::Decl(Decl {
            kind: NetKind::Reg,
            name: name.into(),
            width,
            comment: None,
        })
    }

    /// `assign lhs = rhs;`
    pub fn assign(lhs: Expr, rhs: Expr) -> Item {
        Item::Assign { lhs, rhs }
    }

    /// `always @* begin body end`
    pub fn comb(body: Vec<Stmt>) -> Item {
        Item::Always(Always {
            sens: Sensitivity::Comb,
            body,
        })
    }
}

impl Expr {
    /// Calls `f` with every identifier the expression reads (selects included).
    pub fn for_each_ident(&self, f: &mut impl FnMut(&str)) {
        match self {
            Expr::Ident(n) | Expr::Index(n, _) | Expr::Slice(n, ..) => f(n),
            Expr::Literal { .. } | Expr::Undef(_) => {}
            Expr::Unary(_, a) | Expr::Repeat(_, a) => a.for_each_ident(f),
            Expr::Binary(_, a, b) => {
                a.for_each_ident(f);
                b.for_each_ident(f);
            }
            Expr::Ternary(c, a, b) => {
                c.for_each_ident(f);
                a.for_each_ident(f);
                b.for_each_ident(f);
            }
            Expr::Concat(parts) => parts.iter().for_each(|p| p.for_each_ident(f)),
        }
    }
}

impl Expr {
    /// [`Expr::for_each_ident`] with names borrowed from the tree.
    pub fn for_each_ident_ref<'a>(&'a self, f: &mut impl FnMut(&'a str)) {
        match self {
            Expr::Ident(n) | Expr::Index(n, _) | Expr::Slice(n, ..) => f(n),
            Expr::Literal { .. } | Expr::Undef(_) => {}
            Expr::Unary(_, a) | Expr::Repeat(_, a) => a.for_each_ident_ref(f),
            Expr::Binary(_, a, b) => {
                a.for_each_ident_ref(f);
                b.for_each_ident_ref(f);
            }
            Expr::Ternary(c, a, b) => {
                c.for_each_ident_ref(f);
                a.for_each_ident_ref(f);
                b.for_each_ident_ref(f);
            }
            Expr::Concat(parts) => parts.iter().for_each(|p| p.for_each_ident_ref(f)),
        }
    }
}

impl Stmt {
    /// [`Stmt::for_each_read`] with names borrowed from the tree.
    pub fn for_each_read_ref<'a>(&'a self, f: &mut impl FnMut(&'a str)) {
        match self {
            Stmt::Comment(_) => {}
            Stmt::Blocking { rhs, .. } | Stmt::NonBlocking { rhs, .. } => rhs.for_each_ident_ref(f),
            Stmt::If { cond, then, els } => {
                cond.for_each_ident_ref(f);
                then.iter().chain(els).for_each(|s| s.for_each_read_ref(f));
            }
            Stmt::Case { sel, arms, default } => {
                sel.for_each_ident_ref(f);
                for arm in arms {
                    arm.labels.iter().for_each(|l| l.for_each_ident_ref(f));
                    arm.body.iter().for_each(|s| s.for_each_read_ref(f));
                }
                default.iter().for_each(|s| s.for_each_read_ref(f));
            }
        }
    }
}

impl Stmt {
    /// Calls `f` with every identifier the statement reads (right-hand sides,
    /// conditions, case selectors and labels; not assignment targets).
    pub fn for_each_read(&self, f: &mut impl FnMut(&str)) {
        match self {
            Stmt::Comment(_) => {}
            Stmt::Blocking { rhs, .. } | Stmt::NonBlocking { rhs, .. } => rhs.for_each_ident(f),
            Stmt::If { cond, then, els } => {
                cond.for_each_ident(f);
                then.iter().chain(els).for_each(|s| s.for_each_read(f));
            }
            Stmt::Case { sel, arms, default } => {
                sel.for_each_ident(f);
                for arm in arms {
                    arm.labels.iter().for_each(|l| l.for_each_ident(f));
                    arm.body.iter().for_each(|s| s.for_each_read(f));
                }
                default.iter().for_each(|s| s.for_each_read(f));
            }
        }
    }
}

impl Module {
    /// Removes internal wires that nothing reads, and their `assign`s, until none is
    /// left. Generators build every helper signal a rule might need and let this
    /// drop the ones no rule used, so no unused (lint-warning) wire is ever printed.
    pub fn prune_unread_wires(&mut self) {
        use super::fxhash::{FxHashMap as HashMap, FxHashSet as HashSet};
        // How many places read each name, and which names each wire's `assign` reads.
        let mut readers: HashMap<&str, usize> = HashMap::default();
        let mut assigned: HashMap<&str, Vec<&str>> = HashMap::default();
        fn count<'a, 'm>(readers: &'m mut HashMap<&'a str, usize>) -> impl FnMut(&'a str) + 'm {
            move |n| *readers.entry(n).or_default() += 1
        }
        for item in &self.items {
            let mut note = count(&mut readers);
            match item {
                Item::Assign { lhs, rhs } => {
                    let mut reads = Vec::new();
                    rhs.for_each_ident_ref(&mut |n| reads.push(n));
                    for &n in &reads {
                        note(n);
                    }
                    if let Expr::Ident(n) = lhs {
                        assigned.insert(n, reads);
                    }
                }
                Item::Chain(c) => {
                    let mut reads = Vec::new();
                    c.exprs()
                        .for_each(|e| e.for_each_ident_ref(&mut |n| reads.push(n)));
                    for &n in &reads {
                        note(n);
                    }
                    assigned.insert(c.lhs.as_str(), reads);
                }
                Item::Always(a) => {
                    if let Sensitivity::Clocked { clock, async_reset } = &a.sens {
                        note(clock);
                        if let Some((r, _)) = async_reset {
                            note(r);
                        }
                    }
                    a.body.iter().for_each(|s| s.for_each_read_ref(&mut note));
                }
                Item::Instance(i) => {
                    // Conservative: every connected signal counts as read.
                    for (_, e) in i.params.iter().chain(&i.conns) {
                        e.for_each_ident_ref(&mut note);
                    }
                }
                Item::LocalParam(p) => p.value.for_each_ident_ref(&mut note),
                Item::Comment(_) | Item::Blank | Item::Decl(_) => {}
            }
        }
        let prunable = |d: &Decl| d.kind == NetKind::Wire && !d.name.contains("unused");
        let mut work: Vec<&str> = self
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Decl(d) if prunable(d) && !readers.contains_key(d.name.as_str()) => {
                    Some(d.name.as_str())
                }
                _ => None,
            })
            .collect();
        let wires: HashSet<&str> = self
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Decl(d) if prunable(d) => Some(d.name.as_str()),
                _ => None,
            })
            .collect();
        let mut dead: HashSet<String> = HashSet::default();
        // Removing a dead wire's `assign` may leave the wires it read unread too.
        while let Some(w) = work.pop() {
            if !dead.insert(w.to_string()) {
                continue;
            }
            for &n in assigned.get(w).map(Vec::as_slice).unwrap_or_default() {
                if let Some(c) = readers.get_mut(n) {
                    *c -= 1;
                    if *c == 0 && wires.contains(n) {
                        work.push(n);
                    }
                }
            }
        }
        if dead.is_empty() {
            return;
        }
        self.items.retain(|item| match item {
            Item::Decl(d) => !dead.contains(&d.name),
            Item::Assign {
                lhs: Expr::Ident(n),
                ..
            } => !dead.contains(n),
            Item::Chain(c) => !dead.contains(&c.lhs),
            _ => true,
        });
    }
}

impl Item {
    /// Calls `f` with every identifier the item mentions (read or driven), borrowed
    /// from the tree.
    fn for_each_mention_ref<'a>(&'a self, f: &mut impl FnMut(&'a str)) {
        fn targets<'a>(s: &'a Stmt, f: &mut impl FnMut(&'a str)) {
            match s {
                Stmt::Blocking { lhs, .. } | Stmt::NonBlocking { lhs, .. } => {
                    lhs.for_each_ident_ref(f)
                }
                Stmt::If { then, els, .. } => then.iter().chain(els).for_each(|s| targets(s, f)),
                Stmt::Case { arms, default, .. } => {
                    arms.iter()
                        .flat_map(|a| &a.body)
                        .chain(default)
                        .for_each(|s| targets(s, f));
                }
                Stmt::Comment(_) => {}
            }
        }
        match self {
            Item::Assign { lhs, rhs } => {
                lhs.for_each_ident_ref(f);
                rhs.for_each_ident_ref(f);
            }
            Item::Chain(c) => {
                f(&c.lhs);
                c.exprs().for_each(|e| e.for_each_ident_ref(f));
            }
            Item::Always(a) => {
                a.body.iter().for_each(|s| {
                    s.for_each_read_ref(f);
                    targets(s, f);
                });
            }
            Item::Instance(i) => {
                for (_, e) in i.params.iter().chain(&i.conns) {
                    e.for_each_ident_ref(f);
                }
            }
            Item::LocalParam(p) => p.value.for_each_ident_ref(f),
            Item::Comment(_) | Item::Blank | Item::Decl(_) => {}
        }
    }
}

impl Module {
    /// Moves every declaration that an earlier item mentions to the top of the body,
    /// so nothing is used before it is declared (IEEE 1364-2005 12.3.3 ordering that
    /// some tools enforce). Declarations used only after their place stay there.
    pub fn hoist_forward_declarations(&mut self) {
        let mut first_use: super::fxhash::FxHashMap<&str, usize> = Default::default();
        for (i, item) in self.items.iter().enumerate() {
            item.for_each_mention_ref(&mut |n| {
                first_use.entry(n).or_insert(i);
            });
        }
        let hoist: Vec<bool> = self
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                matches!(item, Item::Decl(d) if first_use.get(d.name.as_str()).is_some_and(|&u| u < i))
            })
            .collect();
        let mut hoisted = Vec::new();
        let mut kept = Vec::new();
        for (item, h) in std::mem::take(&mut self.items).into_iter().zip(hoist) {
            if h {
                hoisted.push(item);
            } else {
                kept.push(item);
            }
        }
        if !hoisted.is_empty() {
            hoisted.insert(
                0,
                Item::comment("Declared here because earlier logic reads them."),
            );
            hoisted.push(Item::Blank);
        }
        hoisted.extend(kept);
        self.items = hoisted;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(items: Vec<Item>) -> Module {
        Module {
            name: "m".into(),
            header: vec![],
            params: vec![],
            ports: vec![Port::input("a", 1), Port::output("y", 1)],
            items,
        }
    }

    #[test]
    fn pruning_drops_chains_of_unread_wires() {
        let mut m = module(vec![
            Item::wire("w1", 1),
            Item::wire("w2", 1),
            Item::wire("unused_keep", 1),
            Item::assign(id("w1"), id("a")),
            Item::assign(id("w2"), id("w1")),
            Item::assign(id("unused_keep"), id("a")),
            Item::assign(id("y"), id("a")),
        ]);
        m.prune_unread_wires();
        assert_eq!(
            m.items,
            [
                Item::wire("unused_keep", 1),
                Item::assign(id("unused_keep"), id("a")),
                Item::assign(id("y"), id("a")),
            ]
        );
    }

    #[test]
    fn forward_references_are_hoisted() {
        let mut m = module(vec![
            Item::assign(id("y"), id("late")),
            Item::wire("late", 1),
            Item::assign(id("late"), id("a")),
            Item::wire("early", 1),
            Item::assign(id("early"), id("a")),
        ]);
        m.hoist_forward_declarations();
        assert_eq!(m.items[1], Item::wire("late", 1));
        assert_eq!(m.items[5], Item::wire("early", 1));
    }
}
