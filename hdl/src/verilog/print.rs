//! The printer: syntax tree -> Verilog-2005 text.
//!
//! Output is deterministic (no hash-map order anywhere), indented by four spaces,
//! with `begin`/`end` around every `if` and `else` body so that adding a statement
//! never changes the meaning of its neighbours. Port and declaration columns are
//! aligned so a reviewer can scan a port list. Every identifier goes through
//! [`legalize`], and every literal is sized.

use std::fmt::Write as _;

use regdef::dump::Padded;

use super::ast::{
    Always, BinaryOp, CaseArm, Decl, Direction, Edge, Expr, Instance, Item, Module, NetKind, Param,
    Port, Sensitivity, Stmt, UnaryOp,
};
use super::keywords::legalize;

const INDENT: &str = "    ";

/// A line longer than this with a concatenation on the right is broken, one part a line.
const WRAP: usize = 100;

/// Prints one module, ending with a newline.
pub fn module(m: &Module) -> String {
    let mut out = String::with_capacity(1024 + 96 * (m.items.len() + m.ports.len()));
    for line in &m.header {
        push_comment(&mut out, "", line);
    }
    let name = legalize(&m.name);
    if m.params.is_empty() {
        let _ = writeln!(out, "module {name} (");
    } else {
        let _ = writeln!(out, "module {name} #(");
        print_params(&mut out, &m.params);
        out.push_str(") (\n");
    }
    print_ports(&mut out, &m.ports);
    out.push_str(");\n");
    if !m.items.is_empty() {
        out.push('\n');
    }
    print_items(&mut out, &m.items);
    if !m.items.is_empty() {
        out.push('\n');
    }
    out.push_str("endmodule\n");
    out
}

/// Prints one expression.
pub fn expr(e: &Expr) -> String {
    let mut s = String::new();
    print_expr(&mut s, e);
    s
}

/// The range of a parameter: always explicit, `[0:0]` included, so an override
/// keeps the declared width (an untyped parameter would take the override's width).
fn param_range(width: u32) -> String {
    format!("[{}:0]", width.saturating_sub(1))
}

/// The `[msb:lsb]` range of a `width`-bit vector, or nothing for one bit.
fn range(width: u32) -> String {
    if width == 1 {
        String::new()
    } else {
        format!("[{}:0]", width - 1)
    }
}

/// [`column`] of the range of a `width`-bit vector, written into `out`.
fn push_column(out: &mut String, width: u32, w: usize) {
    if w == 0 {
        return;
    }
    let start = out.len();
    if width > 1 {
        let _ = write!(out, "[{}:0]", width - 1);
    }
    while out.len() - start < w + 1 {
        out.push(' ');
    }
}

/// Ends a line, dropping trailing spaces.
fn end_line(out: &mut String) {
    let trimmed = out.trim_end_matches(' ').len();
    out.truncate(trimmed);
    out.push('\n');
}

/// A range padded to a column of width `w` plus a separating space; nothing at all
/// when no entry of the column has a range.
fn column(r: &str, w: usize) -> String {
    if w == 0 {
        String::new()
    } else {
        format!("{} ", Padded(r, w))
    }
}

fn push_comment(out: &mut String, indent: &str, text: &str) {
    for line in text.lines() {
        if line.is_empty() {
            let _ = writeln!(out, "{indent}//");
        } else {
            let _ = writeln!(out, "{indent}// {line}");
        }
    }
    if text.is_empty() {
        let _ = writeln!(out, "{indent}//");
    }
}

fn print_params(out: &mut String, params: &[Param]) {
    let rw = params
        .iter()
        .map(|p| param_range(p.width).len())
        .max()
        .unwrap_or(0);
    let nw = params
        .iter()
        .map(|p| legalize(&p.name).len())
        .max()
        .unwrap_or(0);
    for (i, p) in params.iter().enumerate() {
        if let Some(c) = &p.comment {
            push_comment(out, INDENT, c);
        }
        let sep = if i + 1 < params.len() { "," } else { "" };
        let _ = writeln!(
            out,
            "{INDENT}parameter {}{} = {}{sep}",
            column(&param_range(p.width), rw),
            Padded(&legalize(&p.name), nw),
            expr(&p.value),
        );
    }
}

fn print_ports(out: &mut String, ports: &[Port]) {
    let rw = ports
        .iter()
        .map(|p| range(p.width).len())
        .max()
        .unwrap_or(0);
    for (i, p) in ports.iter().enumerate() {
        if let Some(c) = &p.comment {
            push_comment(out, INDENT, c);
        }
        let dir = match p.dir {
            Direction::Input => "input ",
            Direction::Output => "output",
        };
        let kind = match p.kind {
            NetKind::Wire => "wire",
            NetKind::Reg => "reg ",
        };
        let sep = if i + 1 < ports.len() { "," } else { "" };
        out.push_str(INDENT);
        out.push_str(dir);
        out.push(' ');
        out.push_str(kind);
        out.push(' ');
        push_column(out, p.width, rw);
        out.push_str(&legalize(&p.name));
        out.push_str(sep);
        end_line(out);
    }
}

fn print_items(out: &mut String, items: &[Item]) {
    let mut i = 0;
    while i < items.len() {
        // Consecutive declarations share one column layout.
        if let Item::Decl(_) = items[i] {
            let run: Vec<&Decl> = items[i..]
                .iter()
                .map_while(|it| match it {
                    Item::Decl(d) => Some(d),
                    _ => None,
                })
                .collect();
            print_decls(out, &run);
            i += run.len();
            continue;
        }
        print_item(out, &items[i]);
        i += 1;
    }
}

fn print_decls(out: &mut String, decls: &[&Decl]) {
    let rw = decls
        .iter()
        .map(|d| range(d.width).len())
        .max()
        .unwrap_or(0);
    let nw = decls
        .iter()
        .filter(|d| d.comment.is_some())
        .map(|d| legalize(&d.name).len() + 1)
        .max()
        .unwrap_or(0);
    for d in decls {
        let kind = match d.kind {
            NetKind::Wire => "wire",
            NetKind::Reg => "reg ",
        };
        out.push_str(INDENT);
        out.push_str(kind);
        out.push(' ');
        push_column(out, d.width, rw);
        let name = legalize(&d.name);
        out.push_str(&name);
        out.push(';');
        if let Some(c) = &d.comment {
            for _ in name.len() + 1..nw {
                out.push(' ');
            }
            out.push_str("  // ");
            out.push_str(c);
        }
        end_line(out);
    }
}

fn print_item(out: &mut String, item: &Item) {
    match item {
        Item::Comment(lines) => {
            for l in lines {
                push_comment(out, INDENT, l);
            }
        }
        Item::Blank => out.push('\n'),
        Item::LocalParam(p) => {
            if let Some(c) = &p.comment {
                push_comment(out, INDENT, c);
            }
            let r = param_range(p.width);
            let _ = writeln!(
                out,
                "{INDENT}localparam {r} {} = {};",
                legalize(&p.name),
                expr(&p.value)
            );
        }
        Item::Decl(d) => print_decls(out, &[d]),
        Item::Assign { lhs, rhs } => {
            print_assignment(out, INDENT, "assign ", lhs, "=", rhs);
        }
        Item::Chain(c) => print_chain(out, c),
        Item::Always(a) => print_always(out, a),
        Item::Instance(inst) => print_instance(out, inst),
    }
}

/// An [`Item::Chain`]: `assign lhs =` then one arm a line, each under its comment,
/// `cond ? value :`, and the `otherwise` value last; with no arm, one `assign`.
fn print_chain(out: &mut String, c: &super::ast::Chain) {
    let lhs = Expr::Ident(c.lhs.clone());
    if c.arms.is_empty() {
        if let Some(t) = &c.otherwise_comment {
            push_comment(out, INDENT, t);
        }
        print_assignment(out, INDENT, "assign ", &lhs, "=", &c.otherwise);
        return;
    }
    let inner = format!("{INDENT}{INDENT}");
    out.push_str(INDENT);
    out.push_str("assign ");
    out.push_str(&legalize(&c.lhs));
    out.push_str(" =\n");
    for a in &c.arms {
        if let Some(t) = &a.comment {
            push_comment(out, &inner, t);
        }
        let start = out.len();
        out.push_str(&inner);
        print_operand(out, &a.cond);
        out.push_str(" ? ");
        let head_end = out.len();
        print_operand(out, &a.value);
        out.push_str(" :");
        if let Expr::Concat(parts) = &a.value {
            if out.len() - start > WRAP {
                out.truncate(head_end);
                out.push_str("{\n");
                for (i, p) in parts.iter().enumerate() {
                    out.push_str(&inner);
                    out.push_str(INDENT);
                    print_expr(out, p);
                    if i + 1 < parts.len() {
                        out.push(',');
                    }
                    out.push('\n');
                }
                out.push_str(&inner);
                out.push_str("} :");
            }
        }
        out.push('\n');
    }
    if let Some(t) = &c.otherwise_comment {
        push_comment(out, &inner, t);
    }
    out.push_str(&inner);
    print_operand(out, &c.otherwise);
    out.push_str(";\n");
}

/// `<indent><prefix><lhs> <op> <rhs>;`, breaking a long concatenation one part a line.
/// Written straight into `out` (the printer's hot path: no intermediate strings).
fn print_assignment(
    out: &mut String,
    indent: &str,
    prefix: &str,
    lhs: &Expr,
    op: &str,
    rhs: &Expr,
) {
    let start = out.len();
    out.push_str(indent);
    out.push_str(prefix);
    print_expr(out, lhs);
    out.push(' ');
    out.push_str(op);
    out.push(' ');
    let head_end = out.len();
    print_expr(out, rhs);
    out.push(';');
    if let Expr::Concat(parts) = rhs {
        if out.len() - start > WRAP {
            out.truncate(head_end);
            out.push_str("{\n");
            for (i, p) in parts.iter().enumerate() {
                out.push_str(indent);
                out.push_str(INDENT);
                print_expr(out, p);
                if i + 1 < parts.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(indent);
            out.push_str("};");
        }
    }
    out.push('\n');
}

fn print_always(out: &mut String, a: &Always) {
    let head = match &a.sens {
        Sensitivity::Comb => "always @*".to_string(),
        Sensitivity::Clocked {
            clock,
            async_reset: None,
        } => format!("always @(posedge {})", legalize(clock)),
        Sensitivity::Clocked {
            clock,
            async_reset: Some((rst, edge)),
        } => format!(
            "always @(posedge {} or {} {})",
            legalize(clock),
            match edge {
                Edge::Pos => "posedge",
                Edge::Neg => "negedge",
            },
            legalize(rst)
        ),
    };
    let _ = writeln!(out, "{INDENT}{head} begin");
    let inner = format!("{INDENT}{INDENT}");
    for s in &a.body {
        print_stmt(out, &inner, s);
    }
    let _ = writeln!(out, "{INDENT}end");
}

fn print_stmt(out: &mut String, indent: &str, s: &Stmt) {
    let deeper = format!("{indent}{INDENT}");
    match s {
        Stmt::Comment(c) => push_comment(out, indent, c),
        Stmt::Blocking { lhs, rhs } => print_assignment(out, indent, "", lhs, "=", rhs),
        Stmt::NonBlocking { lhs, rhs } => print_assignment(out, indent, "", lhs, "<=", rhs),
        Stmt::If { cond, then, els } => {
            let _ = writeln!(out, "{indent}if ({}) begin", expr(cond));
            for t in then {
                print_stmt(out, &deeper, t);
            }
            print_else(out, indent, els);
        }
        Stmt::Case { sel, arms, default } => {
            let _ = writeln!(out, "{indent}case ({})", expr(sel));
            for arm in arms {
                print_case_arm(out, &deeper, arm);
            }
            print_case_arm(
                out,
                &deeper,
                &CaseArm {
                    labels: Vec::new(),
                    body: default.clone(),
                    comment: None,
                },
            );
            let _ = writeln!(out, "{indent}endcase");
        }
    }
}

/// The `else` part of an `if`: `end`, `end else begin ... end` or an `else if` chain.
fn print_else(out: &mut String, indent: &str, els: &[Stmt]) {
    let deeper = format!("{indent}{INDENT}");
    match els {
        [] => {
            let _ = writeln!(out, "{indent}end");
        }
        [Stmt::If { cond, then, els }] => {
            let _ = writeln!(out, "{indent}end else if ({}) begin", expr(cond));
            for t in then {
                print_stmt(out, &deeper, t);
            }
            print_else(out, indent, els);
        }
        _ => {
            let _ = writeln!(out, "{indent}end else begin");
            for t in els {
                print_stmt(out, &deeper, t);
            }
            let _ = writeln!(out, "{indent}end");
        }
    }
}

fn print_case_arm(out: &mut String, indent: &str, arm: &CaseArm) {
    let label = if arm.labels.is_empty() {
        "default".to_string()
    } else {
        arm.labels.iter().map(expr).collect::<Vec<_>>().join(", ")
    };
    let comment = arm
        .comment
        .as_ref()
        .map(|c| format!("  // {c}"))
        .unwrap_or_default();
    match arm.body.as_slice() {
        [Stmt::Blocking { lhs, rhs }] => {
            let _ = writeln!(
                out,
                "{indent}{label}: {} = {};{comment}",
                expr(lhs),
                expr(rhs)
            );
        }
        body => {
            let _ = writeln!(out, "{indent}{label}: begin{comment}");
            let deeper = format!("{indent}{INDENT}");
            for s in body {
                print_stmt(out, &deeper, s);
            }
            let _ = writeln!(out, "{indent}end");
        }
    }
}

fn print_instance(out: &mut String, inst: &Instance) {
    let module = legalize(&inst.module);
    let name = legalize(&inst.name);
    if inst.params.is_empty() {
        let _ = writeln!(out, "{INDENT}{module} {name} (");
    } else {
        let _ = writeln!(out, "{INDENT}{module} #(");
        print_connections(out, &inst.params);
        let _ = writeln!(out, "{INDENT}) {name} (");
    }
    print_connections(out, &inst.conns);
    let _ = writeln!(out, "{INDENT});");
}

fn print_connections(out: &mut String, conns: &[(String, Expr)]) {
    let w = conns
        .iter()
        .map(|(n, _)| legalize(n).len())
        .max()
        .unwrap_or(0);
    for (i, (n, e)) in conns.iter().enumerate() {
        let sep = if i + 1 < conns.len() { "," } else { "" };
        let _ = writeln!(
            out,
            "{INDENT}{INDENT}.{} ({}){sep}",
            Padded(&legalize(n), w),
            expr(e)
        );
    }
}

/// Binding strength, loosest first; operands of a looser kind are parenthesised.
fn is_atomic(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Ident(_)
            | Expr::Literal { .. }
            | Expr::Undef(_)
            | Expr::Concat(_)
            | Expr::Repeat(..)
            | Expr::Index(..)
            | Expr::Slice(..)
    )
}

fn print_operand(out: &mut String, e: &Expr) {
    // `~a` stays bare; a reduction is parenthesised so `(|a) & b` reads unambiguously.
    if is_atomic(e) || matches!(e, Expr::Unary(UnaryOp::Not | UnaryOp::LogicNot, _)) {
        print_expr(out, e);
    } else {
        out.push('(');
        print_expr(out, e);
        out.push(')');
    }
}

fn binary_symbol(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::And => "&",
        BinaryOp::Or => "|",
        BinaryOp::Xor => "^",
        BinaryOp::LogicAnd => "&&",
        BinaryOp::LogicOr => "||",
        BinaryOp::Eq => "==",
        BinaryOp::Ne => "!=",
    }
}

fn is_associative(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::And | BinaryOp::Or | BinaryOp::Xor | BinaryOp::LogicAnd | BinaryOp::LogicOr
    )
}

fn print_expr(out: &mut String, e: &Expr) {
    match e {
        Expr::Ident(n) => out.push_str(&legalize(n)),
        Expr::Literal { width, value } => out.push_str(&literal(*width, *value)),
        Expr::Undef(width) => {
            let _ = write!(out, "{width}'bx");
        }
        Expr::Unary(op, a) => {
            out.push_str(match op {
                UnaryOp::Not => "~",
                UnaryOp::LogicNot => "!",
                UnaryOp::RedAnd => "&",
                UnaryOp::RedOr => "|",
                UnaryOp::RedXor => "^",
            });
            // `~|x` is legal but `~~x` and `~-x` read badly; parenthesise any unary
            // operand that is not atomic.
            if is_atomic(a) {
                print_expr(out, a);
            } else {
                out.push('(');
                print_expr(out, a);
                out.push(')');
            }
        }
        Expr::Binary(op, a, b) => {
            // Verilog groups `a | b | c` as `(a | b) | c`: a left operand with the same
            // associative operator needs no parentheses, a right one keeps them, so the
            // printed text has exactly the tree's shape (synthesis keeps that shape).
            match &**a {
                Expr::Binary(inner, ..) if *inner == *op && is_associative(*op) => {
                    print_expr(out, a)
                }
                _ => print_operand(out, a),
            }
            let _ = write!(out, " {} ", binary_symbol(*op));
            print_operand(out, b);
        }
        Expr::Ternary(c, a, b) => {
            print_operand(out, c);
            out.push_str(" ? ");
            print_operand(out, a);
            out.push_str(" : ");
            // `c1 ? a : c2 ? b : c` is the idiomatic priority chain.
            if matches!(**b, Expr::Ternary(..)) {
                print_expr(out, b);
            } else {
                print_operand(out, b);
            }
        }
        Expr::Concat(parts) => {
            out.push('{');
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                print_expr(out, p);
            }
            out.push('}');
        }
        Expr::Repeat(n, a) => {
            let _ = write!(out, "{{{n}{{");
            print_expr(out, a);
            out.push_str("}}");
        }
        Expr::Index(n, i) => {
            let _ = write!(out, "{}[{i}]", legalize(n));
        }
        Expr::Slice(n, m, l) => {
            let _ = write!(out, "{}[{m}:{l}]", legalize(n));
        }
    }
}

/// A sized literal: `1'b0`, `3'b101` up to four bits, `32'h0000_8044` above, with an
/// underscore every four hex digits.
pub fn literal(width: u32, value: u64) -> String {
    if width <= 4 {
        let digits: String = (0..width)
            .rev()
            .map(|b| if (value >> b) & 1 == 1 { '1' } else { '0' })
            .collect();
        return format!("{width}'b{digits}");
    }
    let n = width.div_ceil(4) as usize;
    let hex = format!("{value:0n$X}");
    let mut grouped = String::new();
    for (i, c) in hex.chars().enumerate() {
        if i > 0 && (hex.len() - i) % 4 == 0 {
            grouped.push('_');
        }
        grouped.push(c);
    }
    format!("{width}'h{grouped}")
}

#[cfg(test)]
mod tests {
    use super::super::ast::*;
    use super::*;

    #[test]
    fn literals_are_sized() {
        assert_eq!(literal(1, 0), "1'b0");
        assert_eq!(literal(1, 1), "1'b1");
        assert_eq!(literal(3, 5), "3'b101");
        assert_eq!(literal(15, 8), "15'h0008");
        assert_eq!(literal(17, 0x100A8), "17'h1_00A8");
        assert_eq!(literal(32, 0xDEAD_BEEF), "32'hDEAD_BEEF");
        assert_eq!(literal(64, u64::MAX), "64'hFFFF_FFFF_FFFF_FFFF");
    }

    #[test]
    fn expressions_parenthesise_mixed_operators() {
        let e = (id("a") & id("b") & id("c")) | !id("d");
        assert_eq!(expr(&e), "(a & b & c) | ~d");
        let e = reduce_or(id("a") & id("b"));
        assert_eq!(expr(&e), "|(a & b)");
        let e = ternary(
            id("s"),
            slice("x", 7, 0),
            ternary(eq(id("t"), lit(2, 1)), index("y", 3), lit(1, 0)),
        );
        assert_eq!(expr(&e), "s ? x[7:0] : (t == 2'b01) ? y[3] : 1'b0");
        let e = concat(vec![repeat(8, index("s", 0)), lit(4, 0)]);
        assert_eq!(expr(&e), "{{8{s[0]}}, 4'b0000}");
        // Selects of one bit print as an index.
        assert_eq!(expr(&slice("v", 4, 4)), "v[4]");
        // AND with 1'b1 folds away.
        assert_eq!(expr(&(lit(1, 1) & id("a"))), "a");
    }

    /// Columns are aligned to the longest name, however long: a runtime format
    /// width above 65 535 panics.
    #[test]
    fn names_past_65535_characters_are_aligned_without_a_panic() {
        let long = "n".repeat(70_000);
        let m = Module {
            name: "m".into(),
            header: vec![],
            params: vec![
                Param {
                    name: long.to_uppercase(),
                    width: 4,
                    value: lit(4, 3),
                    comment: None,
                },
                Param {
                    name: "P".into(),
                    width: 70_000,
                    value: lit(4, 3),
                    comment: None,
                },
            ],
            ports: vec![Port::input(&long, 1), Port::output("o", 70_000)],
            items: vec![Item::Instance(Instance {
                module: "sub".into(),
                name: "u".into(),
                params: vec![],
                conns: vec![(long.clone(), id("o")), ("x".into(), id(&long))],
            })],
        };
        let v = module(&m);
        let pad = " ".repeat(69_999);
        assert!(
            v.contains(&format!("parameter [69999:0] P{pad} = ")),
            "{}",
            &v[..300]
        );
        assert!(v.contains(&format!(".x{pad} ({long})")));
    }

    #[test]
    fn keywords_are_renamed_everywhere() {
        let m = Module {
            name: "m".into(),
            header: vec![],
            params: vec![],
            ports: vec![Port::input("type", 1), Port::output("reg", 1)],
            items: vec![Item::assign(id("reg"), id("type"))],
        };
        let v = module(&m);
        assert!(v.contains("input  wire type_,"), "{v}");
        assert!(v.contains("output wire reg_"), "{v}");
        assert!(v.contains("assign reg_ = type_;"), "{v}");
    }

    #[test]
    fn whole_module_layout() {
        let m = Module {
            name: "counter".into(),
            header: vec!["A small counter.".into()],
            params: vec![Param {
                name: "INIT".into(),
                width: 4,
                value: lit(4, 3),
                comment: Some("Reset value.".into()),
            }],
            ports: vec![
                Port::input("clk", 1),
                Port::input("rst", 1),
                Port::input("en", 1),
                Port::output("q", 4).with_comment("Count."),
            ],
            items: vec![
                Item::reg("q_r", 4),
                Item::wire("unused_x", 1),
                Item::assign(id("q"), id("q_r")),
                Item::assign(id("unused_x"), lit(1, 0)),
                Item::Always(Always {
                    sens: Sensitivity::Clocked {
                        clock: "clk".into(),
                        async_reset: None,
                    },
                    body: vec![Stmt::if_else(
                        id("rst"),
                        vec![Stmt::nonblocking(id("q_r"), id("INIT"))],
                        vec![Stmt::if_else(
                            id("en"),
                            vec![Stmt::nonblocking(id("q_r"), !id("q_r"))],
                            vec![],
                        )],
                    )],
                }),
                Item::Always(Always {
                    sens: Sensitivity::Comb,
                    body: vec![Stmt::Case {
                        sel: id("q_r"),
                        arms: vec![CaseArm {
                            labels: vec![lit(4, 1), lit(4, 2)],
                            body: vec![Stmt::Comment("nothing".into())],
                            comment: Some("one or two".into()),
                        }],
                        default: vec![],
                    }],
                }),
            ],
        };
        let expected = "\
// A small counter.
module counter #(
    // Reset value.
    parameter [3:0] INIT = 4'b0011
) (
    input  wire       clk,
    input  wire       rst,
    input  wire       en,
    // Count.
    output wire [3:0] q
);

    reg  [3:0] q_r;
    wire       unused_x;
    assign q = q_r;
    assign unused_x = 1'b0;
    always @(posedge clk) begin
        if (rst) begin
            q_r <= INIT;
        end else if (en) begin
            q_r <= ~q_r;
        end
    end
    always @* begin
        case (q_r)
            4'b0001, 4'b0010: begin  // one or two
                // nothing
            end
            default: begin
            end
        endcase
    end

endmodule
";
        assert_eq!(module(&m), expected);
    }

    #[test]
    fn long_concatenations_wrap() {
        let parts: Vec<Expr> = (0..12)
            .map(|i| id(format!("a_rather_long_signal_{i}")))
            .collect();
        let m = Module {
            name: "w".into(),
            header: vec![],
            params: vec![],
            ports: vec![],
            items: vec![Item::assign(id("x"), concat(parts))],
        };
        let v = module(&m);
        assert!(
            v.contains("assign x = {\n        a_rather_long_signal_0,\n"),
            "{v}"
        );
        assert!(
            v.contains("        a_rather_long_signal_11\n    };\n"),
            "{v}"
        );
    }

    #[test]
    fn async_reset_and_instances() {
        let a = Always {
            sens: Sensitivity::Clocked {
                clock: "clk".into(),
                async_reset: Some(("rst_n".into(), Edge::Neg)),
            },
            body: vec![],
        };
        let mut s = String::new();
        print_always(&mut s, &a);
        assert!(s.starts_with("    always @(posedge clk or negedge rst_n) begin\n"));
        let inst = Instance {
            module: "sub".into(),
            name: "u_sub".into(),
            params: vec![("W".into(), lit(8, 1))],
            conns: vec![("a".into(), id("x")), ("long_name".into(), index("y", 0))],
        };
        let mut s = String::new();
        print_instance(&mut s, &inst);
        assert_eq!(
            s,
            "    sub #(\n        .W (8'h01)\n    ) u_sub (\n        .a         (x),\n        .long_name (y[0])\n    );\n"
        );
    }
}
