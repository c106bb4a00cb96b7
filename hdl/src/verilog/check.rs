//! Structural checks that make printed Verilog lint-clean by construction.
//!
//! Run on every module before it is printed ([`super::generate`] does), they reject
//! what `verilator -Wall` or a synthesis tool would flag:
//!
//! * names: legal identifiers, unique after keyword renaming;
//! * references: every identifier is declared; every input, wire, reg and parameter
//!   is read somewhere (names containing `unused` are exempt, as in Verilator's
//!   default `--unused-regexp`);
//! * widths: both sides of every assignment, both operands of `&`/`|`/`^`/`==`, both
//!   branches of `?:`, case labels and port connections have equal widths; logical
//!   operators and conditions are 1 bit; selects are in range; literals fit;
//! * drivers: inputs are never driven; every wire and output has exactly one driver
//!   (`assign` or instance output), every reg exactly one `always` block; `assign`
//!   drives wires only and procedures drive regs only;
//! * procedures: `always @*` uses blocking assignments and assigns every reg it
//!   drives on every path (no latch); clocked blocks use non-blocking assignments;
//!   an asynchronous reset is tested by the block's outer `if`;
//! * instances: the module exists, every port is connected once, parameters exist.

use std::collections::{BTreeMap, BTreeSet};

use super::fxhash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::ast::{
    BinaryOp, Direction, Expr, Instance, Item, Module, NetKind, Param, Port, Sensitivity, Stmt,
    UnaryOp,
};
use super::keywords::{is_simple_identifier, legalize};

/// A problem found in a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckError {
    /// The module.
    pub module: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "module `{}`: {}", self.module, self.message)
    }
}

impl std::error::Error for CheckError {}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum SymKind {
    Input,
    Output(NetKind),
    Net(NetKind),
    Param,
}

#[derive(Copy, Clone, Debug)]
struct Sym {
    kind: SymKind,
    width: u32,
}

impl Sym {
    fn net(self) -> Option<NetKind> {
        match self.kind {
            SymKind::Output(k) | SymKind::Net(k) => Some(k),
            SymKind::Input | SymKind::Param => None,
        }
    }
}

/// Checks a set of modules that instantiate only each other.
pub fn check_design(modules: &[Module]) -> Result<(), Vec<CheckError>> {
    let by_name: BTreeMap<&str, &Module> = modules.iter().map(|m| (m.name.as_str(), m)).collect();
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for m in modules {
        if !seen.insert(legalize(&m.name).into_owned()) {
            errors.push(CheckError {
                module: m.name.clone(),
                message: "module defined twice".into(),
            });
        }
        Checker::new(m, &by_name, &mut errors).run();
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Checks one module that instantiates nothing.
pub fn check_module(module: &Module) -> Result<(), Vec<CheckError>> {
    check_design(std::slice::from_ref(module))
}

struct Checker<'a> {
    m: &'a Module,
    modules: &'a BTreeMap<&'a str, &'a Module>,
    errors: &'a mut Vec<CheckError>,
    syms: HashMap<&'a str, Sym>,
    reads: HashSet<&'a str>,
    drivers: HashMap<&'a str, usize>,
}

impl<'a> Checker<'a> {
    fn new(
        m: &'a Module,
        modules: &'a BTreeMap<&'a str, &'a Module>,
        errors: &'a mut Vec<CheckError>,
    ) -> Self {
        Checker {
            m,
            modules,
            errors,
            syms: HashMap::default(),
            reads: HashSet::default(),
            drivers: HashMap::default(),
        }
    }

    fn err(&mut self, message: String) {
        self.errors.push(CheckError {
            module: self.m.name.clone(),
            message,
        });
    }

    fn run(mut self) {
        let m = self.m;
        self.declare_all();
        for p in &m.params {
            self.check_value(&p.name, p.width, &p.value);
        }
        for item in &m.items {
            self.item(item);
        }
        self.finish();
    }

    fn declare(
        &mut self,
        name: &'a str,
        kind: SymKind,
        width: u32,
        printed: &mut HashSet<std::borrow::Cow<'a, str>>,
    ) {
        if !is_simple_identifier(name) {
            self.err(format!("`{name}` is not a legal identifier"));
        }
        if width == 0 {
            self.err(format!("`{name}` has width 0"));
        }
        if !printed.insert(legalize(name)) {
            self.err(format!(
                "`{name}` is declared twice (after keyword renaming)"
            ));
        }
        self.syms.insert(name, Sym { kind, width });
    }

    fn declare_all(&mut self) {
        let m = self.m;
        let mut printed = HashSet::default();
        if !is_simple_identifier(&m.name) {
            self.err(format!("module name `{}` is not legal", m.name));
        }
        for p in &m.params {
            self.declare(&p.name, SymKind::Param, p.width, &mut printed);
        }
        for p in &m.ports {
            let kind = match p.dir {
                Direction::Input => {
                    if p.kind == NetKind::Reg {
                        self.err(format!("input `{}` declared as reg", p.name));
                    }
                    SymKind::Input
                }
                Direction::Output => SymKind::Output(p.kind),
            };
            self.declare(&p.name, kind, p.width, &mut printed);
        }
        for item in &m.items {
            match item {
                Item::Decl(d) => self.declare(&d.name, SymKind::Net(d.kind), d.width, &mut printed),
                Item::LocalParam(p) => self.declare(&p.name, SymKind::Param, p.width, &mut printed),
                Item::Instance(i) if !printed.insert(legalize(&i.name)) => {
                    self.err(format!("instance name `{}` clashes", i.name));
                }
                _ => {}
            }
        }
    }

    fn check_value(&mut self, name: &str, width: u32, value: &'a Expr) {
        if let Some(w) = self.width(value) {
            if w != width {
                self.err(format!("parameter `{name}` is {width} bits, value {w}"));
            }
        }
    }

    fn item(&mut self, item: &'a Item) {
        match item {
            Item::Comment(_) | Item::Blank | Item::Decl(_) => {}
            Item::LocalParam(p) => self.check_value(&p.name, p.width, &p.value),
            Item::Assign { lhs, rhs } => {
                let mut targets = BTreeSet::new();
                self.lvalue(lhs, NetKind::Wire, &mut targets);
                for t in targets {
                    *self.drivers.entry(t).or_default() += 1;
                }
                self.same_width("assign", lhs, rhs);
            }
            Item::Chain(c) => self.chain(c),
            Item::Always(a) => {
                let mut targets = BTreeSet::new();
                match &a.sens {
                    Sensitivity::Comb => {
                        self.stmts(&a.body, false, &mut targets);
                        let assigned = definitely_assigned(&a.body);
                        for t in &targets {
                            if !assigned.contains(*t) {
                                self.err(format!(
                                    "`{t}` is not assigned on every path of an always @* (latch)"
                                ));
                            }
                        }
                    }
                    Sensitivity::Clocked { clock, async_reset } => {
                        self.one_bit_signal(clock);
                        if let Some((rst, _)) = async_reset {
                            self.one_bit_signal(rst);
                            let ok = matches!(a.body.as_slice(),
                                [Stmt::If { cond, .. }] if mentions(cond, rst));
                            if !ok {
                                self.err(format!(
                                    "a block with asynchronous reset `{rst}` must be one `if` on it"
                                ));
                            }
                        }
                        self.stmts(&a.body, true, &mut targets);
                    }
                }
                for t in targets {
                    *self.drivers.entry(t).or_default() += 1;
                }
            }
            Item::Instance(inst) => self.instance(inst),
        }
    }

    /// [`Item::Chain`]: a wire driven once; 1-bit conditions; every value as wide as it.
    fn chain(&mut self, c: &'a super::ast::Chain) {
        let n = c.lhs.as_str();
        let width = match self.syms.get(n).copied() {
            None => {
                self.err(format!("`{n}` is not declared"));
                None
            }
            Some(sym) => match sym.net() {
                Some(NetKind::Wire) => {
                    *self.drivers.entry(n).or_default() += 1;
                    Some(sym.width)
                }
                Some(NetKind::Reg) => {
                    self.err(format!("`{n}` is a reg and cannot be driven by assign"));
                    None
                }
                None => {
                    self.err(format!("`{n}` is an input or parameter; not drivable"));
                    None
                }
            },
        };
        for a in &c.arms {
            if let Some(w) = self.width(&a.cond) {
                if w != 1 {
                    self.err(format!(
                        "chain {n}: condition {} is {w} bits",
                        super::print::expr(&a.cond)
                    ));
                }
            }
        }
        for v in c.arms.iter().map(|a| &a.value).chain([&c.otherwise]) {
            if let (Some(l), Some(r)) = (width, self.width(v)) {
                if l != r {
                    self.err(format!(
                        "chain {n} = {}: {l} bits <- {r} bits",
                        super::print::expr(v)
                    ));
                }
            }
        }
    }

    fn one_bit_signal(&mut self, name: &'a str) {
        match self.syms.get(name) {
            Some(s) if s.width == 1 && s.kind != SymKind::Param => {
                self.read(name);
            }
            Some(_) => self.err(format!("clock/reset `{name}` must be a 1-bit signal")),
            None => self.err(format!("`{name}` is not declared")),
        }
    }

    fn stmts(&mut self, body: &'a [Stmt], clocked: bool, targets: &mut BTreeSet<&'a str>) {
        for s in body {
            match s {
                Stmt::Comment(_) => {}
                Stmt::Blocking { lhs, rhs } | Stmt::NonBlocking { lhs, rhs } => {
                    let blocking = matches!(s, Stmt::Blocking { .. });
                    if blocking == clocked {
                        self.err(format!(
                            "{} assignment to `{}` in a {} block",
                            if blocking { "blocking" } else { "non-blocking" },
                            super::print::expr(lhs),
                            if clocked { "clocked" } else { "combinational" }
                        ));
                    }
                    self.lvalue(lhs, NetKind::Reg, targets);
                    self.same_width("procedural assignment", lhs, rhs);
                }
                Stmt::If { cond, then, els } => {
                    self.condition(cond);
                    self.stmts(then, clocked, targets);
                    self.stmts(els, clocked, targets);
                }
                Stmt::Case { sel, arms, default } => {
                    let w = self.width(sel);
                    for arm in arms {
                        if arm.labels.is_empty() {
                            self.err("case arm without a label".into());
                        }
                        for l in &arm.labels {
                            let lw = self.width(l);
                            if let (Some(a), Some(b)) = (w, lw) {
                                if a != b {
                                    self.err(format!(
                                        "case label {} is {b} bits, selector {a}",
                                        super::print::expr(l)
                                    ));
                                }
                            }
                        }
                        self.stmts(&arm.body, clocked, targets);
                    }
                    self.stmts(default, clocked, targets);
                }
            }
        }
    }

    fn condition(&mut self, cond: &'a Expr) {
        if let Some(w) = self.width(cond) {
            if w != 1 {
                self.err(format!(
                    "condition {} is {w} bits, not 1",
                    super::print::expr(cond)
                ));
            }
        }
    }

    fn same_width(&mut self, what: &str, lhs: &'a Expr, rhs: &'a Expr) {
        let l = self.lvalue_width(lhs);
        let r = self.width(rhs);
        if let (Some(l), Some(r)) = (l, r) {
            if l != r {
                self.err(format!(
                    "{what} {} = {}: {l} bits <- {r} bits",
                    super::print::expr(lhs),
                    super::print::expr(rhs)
                ));
            }
        }
    }

    /// Records the driven names of an lvalue and checks they may be driven that way.
    fn lvalue(&mut self, e: &'a Expr, want: NetKind, targets: &mut BTreeSet<&'a str>) {
        match e {
            Expr::Ident(n) | Expr::Index(n, _) | Expr::Slice(n, ..) => {
                match self.syms.get(n.as_str()).copied() {
                    None => self.err(format!("`{n}` is not declared")),
                    Some(sym) => match sym.net() {
                        Some(k) if k == want => {
                            targets.insert(n.as_str());
                        }
                        Some(k) => self.err(format!(
                            "`{n}` is a {} and cannot be driven by {}",
                            if k == NetKind::Reg { "reg" } else { "wire" },
                            if want == NetKind::Reg {
                                "a procedure"
                            } else {
                                "assign or an instance"
                            }
                        )),
                        None => self.err(format!("`{n}` is an input or parameter; not drivable")),
                    },
                }
            }
            Expr::Concat(parts) => {
                for p in parts {
                    self.lvalue(p, want, targets);
                }
            }
            other => self.err(format!("{} is not an lvalue", super::print::expr(other))),
        }
    }

    /// Width of an lvalue, without counting it as a read.
    fn lvalue_width(&mut self, e: &'a Expr) -> Option<u32> {
        match e {
            Expr::Ident(n) => self.syms.get(n.as_str()).map(|s| s.width),
            Expr::Index(n, i) => self.select(n, *i, *i, false),
            Expr::Slice(n, m, l) => self.select(n, *m, *l, false),
            Expr::Concat(parts) => parts.iter().map(|p| self.lvalue_width(p)).sum(),
            _ => None,
        }
    }

    fn select(&mut self, n: &'a str, msb: u32, lsb: u32, read: bool) -> Option<u32> {
        let Some(sym) = self.syms.get(n).copied() else {
            self.err(format!("`{n}` is not declared"));
            return None;
        };
        if read {
            self.read(n);
        }
        if msb < lsb || msb >= sym.width {
            self.err(format!(
                "select {n}[{msb}:{lsb}] is outside [{}:0]",
                sym.width - 1
            ));
            return None;
        }
        Some(msb - lsb + 1)
    }

    /// Self-determined width of an expression; records reads. `None` after an error.
    fn width(&mut self, e: &'a Expr) -> Option<u32> {
        match e {
            Expr::Ident(n) => match self.syms.get(n.as_str()) {
                Some(s) => {
                    let w = s.width;
                    self.read(n);
                    Some(w)
                }
                None => {
                    self.err(format!("`{n}` is not declared"));
                    None
                }
            },
            Expr::Literal { width, value } => {
                if *width == 0 || *width > 64 {
                    self.err(format!("literal width {width} is not 1..=64"));
                    return None;
                }
                if *width < 64 && value >> width != 0 {
                    self.err(format!("literal {value:#x} does not fit in {width} bits"));
                    return None;
                }
                Some(*width)
            }
            Expr::Undef(width) => {
                if *width == 0 || *width > 64 {
                    self.err(format!("don't-care width {width} is not 1..=64"));
                    return None;
                }
                Some(*width)
            }
            Expr::Unary(op, a) => {
                let w = self.width(a)?;
                match op {
                    UnaryOp::Not => Some(w),
                    UnaryOp::LogicNot => {
                        self.expect_one_bit(a, w);
                        Some(1)
                    }
                    UnaryOp::RedAnd | UnaryOp::RedOr | UnaryOp::RedXor => Some(1),
                }
            }
            Expr::Binary(op, a, b) => {
                let wa = self.width(a);
                let wb = self.width(b);
                let (wa, wb) = (wa?, wb?);
                match op {
                    BinaryOp::LogicAnd | BinaryOp::LogicOr => {
                        self.expect_one_bit(a, wa);
                        self.expect_one_bit(b, wb);
                        Some(1)
                    }
                    BinaryOp::And | BinaryOp::Or | BinaryOp::Xor | BinaryOp::Eq | BinaryOp::Ne => {
                        if wa != wb {
                            self.err(format!(
                                "operands of {} are {wa} and {wb} bits",
                                super::print::expr(e)
                            ));
                            return None;
                        }
                        Some(if matches!(op, BinaryOp::Eq | BinaryOp::Ne) {
                            1
                        } else {
                            wa
                        })
                    }
                }
            }
            Expr::Ternary(c, a, b) => {
                self.condition(c);
                let wa = self.width(a);
                let wb = self.width(b);
                let (wa, wb) = (wa?, wb?);
                if wa != wb {
                    self.err(format!(
                        "branches of {} are {wa} and {wb} bits",
                        super::print::expr(e)
                    ));
                    return None;
                }
                Some(wa)
            }
            Expr::Concat(parts) => {
                if parts.is_empty() {
                    self.err("empty concatenation".into());
                    return None;
                }
                let ws: Vec<Option<u32>> = parts.iter().map(|p| self.width(p)).collect();
                ws.into_iter().sum()
            }
            Expr::Repeat(n, a) => {
                let w = self.width(a)?;
                if *n == 0 {
                    self.err("replication count 0".into());
                    return None;
                }
                Some(n * w)
            }
            Expr::Index(n, i) => self.select(n, *i, *i, true),
            Expr::Slice(n, m, l) => self.select(n, *m, *l, true),
        }
    }

    fn expect_one_bit(&mut self, e: &Expr, w: u32) {
        if w != 1 {
            self.err(format!(
                "logical operand {} is {w} bits, not 1",
                super::print::expr(e)
            ));
        }
    }

    fn instance(&mut self, inst: &'a Instance) {
        let Some(&sub) = self.modules.get(inst.module.as_str()) else {
            self.err(format!(
                "instance `{}` of unknown module `{}`",
                inst.name, inst.module
            ));
            return;
        };
        let params: HashMap<&str, &Param> =
            sub.params.iter().map(|q| (q.name.as_str(), q)).collect();
        for (p, v) in &inst.params {
            match params.get(p.as_str()) {
                None => self.err(format!("`{}` has no parameter `{p}`", sub.name)),
                Some(q) => {
                    if let Some(w) = self.width(v) {
                        if w != q.width {
                            self.err(format!(
                                "parameter {}.{p} is {} bits, given {w}",
                                inst.name, q.width
                            ));
                        }
                    }
                }
            }
        }
        // By name: a register block has a port or two per field, and a search per
        // connection made checking quadratic in the number of registers.
        let ports: HashMap<&str, &Port> = sub.ports.iter().map(|q| (q.name.as_str(), q)).collect();
        let mut connected = HashSet::default();
        for (port, e) in &inst.conns {
            if !connected.insert(port.as_str()) {
                self.err(format!("port {}.{port} connected twice", inst.name));
            }
            let Some(&p) = ports.get(port.as_str()) else {
                self.err(format!("`{}` has no port `{port}`", sub.name));
                continue;
            };
            let w = match p.dir {
                Direction::Input => self.width(e),
                Direction::Output => {
                    let mut targets = BTreeSet::new();
                    self.lvalue(e, NetKind::Wire, &mut targets);
                    for t in targets {
                        *self.drivers.entry(t).or_default() += 1;
                    }
                    self.lvalue_width(e)
                }
            };
            if let Some(w) = w {
                if w != p.width {
                    self.err(format!(
                        "port {}.{port} is {} bits, connected to {w}",
                        inst.name, p.width
                    ));
                }
            }
        }
        for p in &sub.ports {
            if !connected.contains(p.name.as_str()) {
                self.err(format!("port {}.{} is not connected", inst.name, p.name));
            }
        }
    }

    /// Records that `name` is read.
    fn read(&mut self, name: &'a str) {
        self.reads.insert(name);
    }

    fn finish(&mut self) {
        // Sorted, so errors come out in a stable order.
        let mut syms: Vec<(&'a str, Sym)> = self.syms.iter().map(|(n, s)| (*n, *s)).collect();
        syms.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (name, sym) in syms {
            let drivers = self.drivers.get(&name).copied().unwrap_or(0);
            let exempt = name.contains("unused");
            match sym.kind {
                SymKind::Input | SymKind::Param => {
                    if !self.reads.contains(&name) && !exempt {
                        self.err(format!("`{name}` is never read"));
                    }
                }
                SymKind::Output(_) | SymKind::Net(_) => {
                    if drivers == 0 {
                        self.err(format!("`{name}` is never driven"));
                    }
                    if drivers > 1 {
                        self.err(format!("`{name}` has {drivers} drivers"));
                    }
                    if matches!(sym.kind, SymKind::Net(_)) && !self.reads.contains(&name) && !exempt
                    {
                        self.err(format!("`{name}` is never read"));
                    }
                }
            }
        }
    }
}

fn mentions(e: &Expr, name: &str) -> bool {
    match e {
        Expr::Ident(n) | Expr::Index(n, _) | Expr::Slice(n, ..) => n == name,
        Expr::Literal { .. } | Expr::Undef(_) => false,
        Expr::Unary(_, a) | Expr::Repeat(_, a) => mentions(a, name),
        Expr::Binary(_, a, b) => mentions(a, name) || mentions(b, name),
        Expr::Ternary(c, a, b) => mentions(c, name) || mentions(a, name) || mentions(b, name),
        Expr::Concat(p) => p.iter().any(|x| mentions(x, name)),
    }
}

/// Names assigned (as a whole) on every path through `body`.
fn definitely_assigned(body: &[Stmt]) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    for s in body {
        match s {
            Stmt::Blocking { lhs, .. } | Stmt::NonBlocking { lhs, .. } => {
                whole_targets(lhs, &mut set)
            }
            Stmt::If { then, els, .. } => {
                let a = definitely_assigned(then);
                let b = definitely_assigned(els);
                set.extend(a.intersection(&b).cloned());
            }
            Stmt::Case { arms, default, .. } => {
                let mut acc = definitely_assigned(default);
                for arm in arms {
                    let a = definitely_assigned(&arm.body);
                    acc = acc.intersection(&a).cloned().collect();
                }
                set.extend(acc);
            }
            Stmt::Comment(_) => {}
        }
    }
    set
}

/// Names an lvalue assigns completely (a select assigns only part of its name).
fn whole_targets(e: &Expr, set: &mut BTreeSet<String>) {
    match e {
        Expr::Ident(n) => {
            set.insert(n.clone());
        }
        Expr::Concat(parts) => parts.iter().for_each(|p| whole_targets(p, set)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::ast::*;
    use super::*;

    fn module(ports: Vec<Port>, items: Vec<Item>) -> Module {
        Module {
            name: "t".into(),
            header: vec![],
            params: vec![],
            ports,
            items,
        }
    }

    fn messages(m: &Module) -> Vec<String> {
        match check_module(m) {
            Ok(()) => vec![],
            Err(e) => e.into_iter().map(|e| e.message).collect(),
        }
    }

    #[test]
    fn clean_module_passes() {
        let m = module(
            vec![Port::input("a", 4), Port::output("y", 4)],
            vec![Item::assign(id("y"), !id("a"))],
        );
        assert_eq!(messages(&m), Vec::<String>::new());
    }

    #[test]
    fn width_mismatch_is_reported() {
        let m = module(
            vec![Port::input("a", 4), Port::output("y", 5)],
            vec![Item::assign(id("y"), id("a"))],
        );
        assert_eq!(messages(&m), ["assign y = a: 5 bits <- 4 bits"]);
    }

    #[test]
    fn undriven_unread_and_multiply_driven() {
        let m = module(
            vec![
                Port::input("a", 1),
                Port::output("y", 1),
                Port::output("z", 1),
            ],
            vec![
                Item::wire("w", 1),
                Item::assign(id("y"), lit(1, 0)),
                Item::assign(id("y"), lit(1, 1)),
            ],
        );
        let msgs = messages(&m);
        assert!(msgs.contains(&"`a` is never read".to_string()), "{msgs:?}");
        assert!(msgs.contains(&"`y` has 2 drivers".to_string()), "{msgs:?}");
        assert!(
            msgs.contains(&"`z` is never driven".to_string()),
            "{msgs:?}"
        );
        assert!(
            msgs.contains(&"`w` is never driven".to_string()),
            "{msgs:?}"
        );
    }

    #[test]
    fn latch_is_reported() {
        let m = module(
            vec![Port::input("a", 1), Port::output("y", 1)],
            vec![
                Item::reg("r", 1),
                Item::assign(id("y"), id("r")),
                Item::comb(vec![Stmt::if_else(
                    id("a"),
                    vec![Stmt::blocking(id("r"), lit(1, 1))],
                    vec![],
                )]),
            ],
        );
        assert_eq!(
            messages(&m),
            ["`r` is not assigned on every path of an always @* (latch)"]
        );
    }

    #[test]
    fn keyword_renaming_collision_is_reported() {
        let m = module(
            vec![
                Port::input("type", 1),
                Port::input("type_", 1),
                Port::output("y", 1),
            ],
            vec![Item::assign(id("y"), id("type") & id("type_"))],
        );
        assert_eq!(
            messages(&m),
            ["`type_` is declared twice (after keyword renaming)"]
        );
    }

    #[test]
    fn wire_and_reg_drivers_are_kept_apart() {
        let m = module(
            vec![Port::input("a", 1), Port::output("y", 1)],
            vec![
                Item::reg("r", 1),
                Item::assign(id("r"), id("a")),
                Item::assign(id("y"), id("r")),
            ],
        );
        assert!(messages(&m)[0].contains("is a reg and cannot be driven by assign"));
    }

    #[test]
    fn selects_and_literals_are_bounded() {
        let m = module(
            vec![Port::input("a", 4), Port::output("y", 2)],
            vec![Item::assign(id("y"), slice("a", 4, 3) | lit(2, 4))],
        );
        let msgs = messages(&m);
        assert!(
            msgs.contains(&"select a[4:3] is outside [3:0]".to_string()),
            "{msgs:?}"
        );
        assert!(
            msgs.contains(&"literal 0x4 does not fit in 2 bits".to_string()),
            "{msgs:?}"
        );
    }
}
