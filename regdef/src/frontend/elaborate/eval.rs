//! Constant expressions and property values.
//!
//! Integers follow systemrdl-compiler's self-determined evaluation: every value
//! carries a width (64 for unsized literals, 1 for booleans), an operation is done
//! in the widest operand's width and truncated to it (`4'hF + 4'h1` is 0).
//! References to instances are kept symbolic ([`InstRef`]) and resolved per
//! instance once the instance tree exists.

use crate::frontend::FxMap;
use std::rc::Rc;

use super::{DefId, EnumIdx, EnumInfo, TypeEntry};
use crate::access::{ones, AccessType, OnRead, OnWrite, Precedence};
use crate::frontend::ast::{BinOp, Expr, ExprKind, RefElem, UnOp};
use crate::frontend::diagnostics::{codes, Reporter};
use crate::frontend::lexer::Kw;
use crate::frontend::source::Span;
use crate::frontend::suggest::did_you_mean;

/// SystemRDL `addressingtype`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Addressing {
    Regalign,
    Compact,
    Fullalign,
}

/// An evaluated property value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Int {
        v: u64,
        w: u32,
    },
    Bool(bool),
    Str(Rc<str>),
    Access(AccessType),
    OnRead(OnRead),
    OnWrite(OnWrite),
    Addressing(Addressing),
    Precedence(Precedence),
    /// `E::entry`
    Enum {
        ty: EnumIdx,
        entry: usize,
    },
    /// The enum type itself (`encode = E`).
    EnumType(EnumIdx),
    Ref(Rc<InstRef>),
    Array(Vec<Value>),
    /// An interrupt modifier (`posedge intr;`), the value of `intr type`.
    Intr(crate::access::InterruptType),
}

impl Value {
    pub fn int(v: u64) -> Value {
        Value::Int { v, w: 64 }
    }

    /// What kind of value this is, for "expected X, found Y".
    pub fn describe(&self) -> &'static str {
        match self {
            Value::Int { .. } => "a number",
            Value::Bool(_) => "a boolean",
            Value::Str(_) => "a string",
            Value::Access(_) => "an access type",
            Value::OnRead(_) => "an onread type",
            Value::OnWrite(_) => "an onwrite type",
            Value::Addressing(_) => "an addressing type",
            Value::Precedence(_) => "a precedence",
            Value::Enum { .. } => "an enum entry",
            Value::EnumType(_) => "an enum type",
            Value::Ref(_) => "a reference",
            Value::Array(_) => "an array",
            Value::Intr(_) => "an interrupt modifier",
        }
    }
}

/// A reference to an instance, relative to the definition whose body wrote it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct InstRef {
    /// The definition in whose body the reference was written; resolution starts at
    /// the nearest enclosing instance of it.
    pub root: DefId,
    pub steps: Vec<RefStep>,
    pub span: Span,
    /// `inst->prop` (SystemRDL 2.0 6.3.2.2): the property named, and where.
    pub prop: Option<(String, Span)>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RefStep {
    pub name: String,
    pub span: Span,
    pub indices: Vec<(u64, Span)>,
}

impl InstRef {
    /// The reference as written (`cr0.cmdqen`).
    pub fn text(&self) -> String {
        let mut s = String::new();
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                s.push('.');
            }
            s.push_str(&step.name);
            for (ix, _) in &step.indices {
                s.push_str(&format!("[{ix}]"));
            }
        }
        if let Some((p, _)) = &self.prop {
            s.push_str("->");
            s.push_str(p);
        }
        s
    }
}

/// What an expression may name while it is evaluated.
pub(crate) struct EvalEnv<'a> {
    pub enums: &'a [EnumInfo],
    /// Type lookup through the lexical scopes, innermost first.
    pub types: &'a dyn Fn(&str) -> Option<TypeEntry>,
    /// The body being defined and the instances declared in it so far; `None` at
    /// the root and in enum and property declarations.
    pub body: Option<(DefId, &'a FxMap<String, usize>)>,
}

/// Evaluates `e`; `None` after reporting why it has no value.
pub(crate) fn eval(e: &Expr, env: &EvalEnv<'_>, rep: &mut Reporter) -> Option<Value> {
    match &e.kind {
        ExprKind::Number { value, width } => Some(Value::Int {
            v: *value,
            w: width.unwrap_or(64),
        }),
        ExprKind::Str(s) => Some(Value::Str(s.as_str().into())),
        ExprKind::Bool(b) => Some(Value::Bool(*b)),
        ExprKind::Keyword(kw) => keyword_value(*kw).or_else(|| {
            rep.error(
                codes::EXPR,
                e.span,
                format!("`{}` is not a value", kw.as_str()),
            );
            None
        }),
        ExprKind::EnumLit { ty, entry } => {
            let Some(TypeEntry::Enum(idx)) = (env.types)(&ty.name) else {
                rep.error(
                    codes::UNKNOWN_TYPE,
                    ty.span,
                    format!("`{}` is not an enum type", ty.name),
                );
                return None;
            };
            let info = &env.enums[idx];
            match info.entries.iter().position(|x| x.name == entry.name) {
                Some(i) => Some(Value::Enum { ty: idx, entry: i }),
                None => {
                    let d = rep.error(
                        codes::UNKNOWN_REF,
                        entry.span,
                        format!("enum `{}` has no entry `{}`", info.name, entry.name),
                    );
                    if let Some(s) =
                        did_you_mean(&entry.name, info.entries.iter().map(|x| x.name.as_str()))
                    {
                        d.hint(s);
                    }
                    None
                }
            }
        }
        ExprKind::Ref(path) => reference(path, e.span, env, rep),
        ExprKind::PropRef { target, prop } => {
            // A property reference: the instance, resolved like any reference, and
            // the property, checked against the instance once it is resolved.
            let Value::Ref(r) = reference(target, e.span, env, rep)? else {
                rep.error(
                    codes::UNKNOWN_REF,
                    e.span,
                    "`->` must follow an instance reference",
                );
                return None;
            };
            let mut r = (*r).clone();
            r.prop = Some((prop.name.clone(), prop.span));
            r.span = e.span;
            Some(Value::Ref(Rc::new(r)))
        }
        ExprKind::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            let mut ok = true;
            for item in items {
                match eval(item, env, rep) {
                    Some(Value::Array(_)) => {
                        rep.error(codes::EXPR, item.span, "arrays of arrays are not supported");
                        ok = false;
                    }
                    Some(v) => out.push(v),
                    None => ok = false,
                }
            }
            ok.then_some(Value::Array(out))
        }
        ExprKind::Unary(op, operand) => {
            let v = eval(operand, env, rep)?;
            unary(*op, v, operand.span, rep)
        }
        ExprKind::Binary(op, l, r) => {
            let lv = eval(l, env, rep);
            let rv = eval(r, env, rep);
            binary(*op, lv?, l.span, rv?, r.span, rep)
        }
        ExprKind::Ternary(c, t, f) => {
            let cv = eval(c, env, rep)?;
            let cond = truthy(&cv).or_else(|| {
                rep.error(
                    codes::EXPR,
                    c.span,
                    format!(
                        "a condition must be a number or boolean, not {}",
                        cv.describe()
                    ),
                );
                None
            })?;
            eval(if cond { t } else { f }, env, rep)
        }
    }
}

fn keyword_value(kw: Kw) -> Option<Value> {
    Some(match kw {
        Kw::Rw | Kw::Wr => Value::Access(AccessType::Rw),
        Kw::R => Value::Access(AccessType::R),
        Kw::W => Value::Access(AccessType::W),
        Kw::Rw1 => Value::Access(AccessType::Rw1),
        Kw::W1 => Value::Access(AccessType::W1),
        Kw::Na => Value::Access(AccessType::Na),
        Kw::Rclr => Value::OnRead(OnRead::Rclr),
        Kw::Rset => Value::OnRead(OnRead::Rset),
        Kw::Ruser => Value::OnRead(OnRead::Ruser),
        Kw::Woset => Value::OnWrite(OnWrite::Woset),
        Kw::Woclr => Value::OnWrite(OnWrite::Woclr),
        Kw::Wot => Value::OnWrite(OnWrite::Wot),
        Kw::Wzs => Value::OnWrite(OnWrite::Wzs),
        Kw::Wzc => Value::OnWrite(OnWrite::Wzc),
        Kw::Wzt => Value::OnWrite(OnWrite::Wzt),
        Kw::Wclr => Value::OnWrite(OnWrite::Wclr),
        Kw::Wset => Value::OnWrite(OnWrite::Wset),
        Kw::Wuser => Value::OnWrite(OnWrite::Wuser),
        Kw::Compact => Value::Addressing(Addressing::Compact),
        Kw::Regalign => Value::Addressing(Addressing::Regalign),
        Kw::Fullalign => Value::Addressing(Addressing::Fullalign),
        Kw::Hw => Value::Precedence(Precedence::Hw),
        Kw::Sw => Value::Precedence(Precedence::Sw),
        _ => return None,
    })
}

/// A name on the right-hand side: an instance reference, or (alone) an enum type.
fn reference(path: &[RefElem], span: Span, env: &EvalEnv<'_>, rep: &mut Reporter) -> Option<Value> {
    let first = path.first()?;
    let local = env.body.and_then(|(_, names)| names.get(&first.name.name));
    if local.is_none() && path.len() == 1 && first.indices.is_empty() {
        if let Some(TypeEntry::Enum(idx)) = (env.types)(&first.name.name) {
            return Some(Value::EnumType(idx));
        }
    }
    let Some((root, names)) = env.body else {
        rep.error(
            codes::UNKNOWN_REF,
            first.name.span,
            format!(
                "reference to `{}` outside of a component body",
                first.name.name
            ),
        )
        .hint("references name instances of the component whose body holds the assignment");
        return None;
    };
    if local.is_none() {
        let d = rep.error(
            codes::UNKNOWN_REF,
            first.name.span,
            format!("no instance named `{}` in this scope", first.name.name),
        );
        match did_you_mean(&first.name.name, names.keys().map(String::as_str)) {
            Some(s) => d.hint(s),
            None => d.hint(
                "references are relative to the component whose body holds the assignment, \
                 and the instance must be declared before it",
            ),
        };
        return None;
    }
    let mut steps = Vec::with_capacity(path.len());
    for elem in path {
        let mut indices = Vec::with_capacity(elem.indices.len());
        for ix in &elem.indices {
            indices.push((expect_int(ix, env, rep)?, ix.span));
        }
        steps.push(RefStep {
            name: elem.name.name.clone(),
            span: elem.name.span,
            indices,
        });
    }
    Some(Value::Ref(Rc::new(InstRef {
        root,
        steps,
        span,
        prop: None,
    })))
}

/// Evaluates an expression that must be a number (array sizes, addresses, ...).
pub(crate) fn expect_int(e: &Expr, env: &EvalEnv<'_>, rep: &mut Reporter) -> Option<u64> {
    as_number(eval(e, env, rep)?, e.span, rep)
}

/// The number a value stands for (a boolean is 0 or 1); reports anything else.
pub(crate) fn as_number(v: Value, span: Span, rep: &mut Reporter) -> Option<u64> {
    match v {
        Value::Int { v, .. } => Some(v),
        Value::Bool(b) => Some(u64::from(b)),
        other => {
            rep.error(
                codes::EXPR,
                span,
                format!("expected a number, found {}", other.describe()),
            );
            None
        }
    }
}

fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Int { v, .. } => Some(*v != 0),
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

fn as_int(v: &Value) -> Option<(u64, u32)> {
    match v {
        Value::Int { v, w } => Some((*v, *w)),
        Value::Bool(b) => Some((*b as u64, 1)),
        _ => None,
    }
}

fn unary(op: UnOp, v: Value, span: Span, rep: &mut Reporter) -> Option<Value> {
    if op == UnOp::Not {
        return match truthy(&v) {
            Some(b) => Some(Value::Bool(!b)),
            None => {
                rep.error(
                    codes::EXPR,
                    span,
                    format!(
                        "operand of `!` must be a number or boolean, not {}",
                        v.describe()
                    ),
                );
                None
            }
        };
    }
    let Some((x, w)) = as_int(&v) else {
        rep.error(
            codes::EXPR,
            span,
            format!(
                "operand of `{}` must be a number, not {}",
                op.as_str(),
                v.describe()
            ),
        );
        return None;
    };
    let mask = ones(w);
    let bit = |b: bool| Value::Int { v: b as u64, w: 1 };
    let parity = (x & mask).count_ones() % 2 == 1;
    Some(match op {
        UnOp::Plus => Value::Int { v: x, w },
        UnOp::Neg => Value::Int {
            v: x.wrapping_neg() & mask,
            w,
        },
        UnOp::BitNot => Value::Int { v: !x & mask, w },
        UnOp::RedAnd => bit(x & mask == mask),
        UnOp::RedNand => bit(x & mask != mask),
        UnOp::RedOr => bit(x & mask != 0),
        UnOp::RedNor => bit(x & mask == 0),
        UnOp::RedXor => bit(parity),
        UnOp::RedXnor => bit(!parity),
        UnOp::Not => return None,
    })
}

fn binary(op: BinOp, l: Value, ls: Span, r: Value, rs: Span, rep: &mut Reporter) -> Option<Value> {
    match op {
        BinOp::LogAnd | BinOp::LogOr => {
            let (Some(a), Some(b)) = (truthy(&l), truthy(&r)) else {
                let bad = if truthy(&l).is_none() { ls } else { rs };
                rep.error(
                    codes::EXPR,
                    bad,
                    format!("operands of `{}` must be numbers or booleans", op.as_str()),
                );
                return None;
            };
            return Some(Value::Bool(if op == BinOp::LogAnd {
                a && b
            } else {
                a || b
            }));
        }
        BinOp::Eq | BinOp::Ne if as_int(&l).is_none() || as_int(&r).is_none() => {
            if std::mem::discriminant(&l) != std::mem::discriminant(&r) {
                rep.error(
                    codes::EXPR,
                    ls.to(rs),
                    format!("cannot compare {} with {}", l.describe(), r.describe()),
                );
                return None;
            }
            return Some(Value::Bool((l == r) == (op == BinOp::Eq)));
        }
        _ => {}
    }
    let (Some((a, wa)), Some((b, wb))) = (as_int(&l), as_int(&r)) else {
        let (bad, v) = if as_int(&l).is_none() {
            (ls, &l)
        } else {
            (rs, &r)
        };
        rep.error(
            codes::EXPR,
            bad,
            format!(
                "operands of `{}` must be numbers, not {}",
                op.as_str(),
                v.describe()
            ),
        );
        return None;
    };
    let w = wa.max(wb);
    let mask = ones(w);
    let int = |v: u64, w: u32| Some(Value::Int { v: v & ones(w), w });
    match op {
        BinOp::Add => int(a.wrapping_add(b), w),
        BinOp::Sub => int(a.wrapping_sub(b), w),
        BinOp::Mul => int(a.wrapping_mul(b), w),
        BinOp::Div | BinOp::Rem => {
            if b == 0 {
                rep.error(codes::EXPR, rs, "division by zero");
                return None;
            }
            int(if op == BinOp::Div { a / b } else { a % b }, w)
        }
        BinOp::Pow => int(wrapping_pow(a, b), wa),
        BinOp::Shl => int(if b >= 64 { 0 } else { a << b }, wa),
        BinOp::Shr => int(if b >= 64 { 0 } else { (a & ones(wa)) >> b }, wa),
        BinOp::BitAnd => int(a & b, w),
        BinOp::BitOr => int(a | b, w),
        BinOp::BitXor => int(a ^ b, w),
        BinOp::BitXnor => int(!(a ^ b), w),
        BinOp::Lt => Some(Value::Bool(a & mask < b & mask)),
        BinOp::Le => Some(Value::Bool(a & mask <= b & mask)),
        BinOp::Gt => Some(Value::Bool(a & mask > b & mask)),
        BinOp::Ge => Some(Value::Bool(a & mask >= b & mask)),
        BinOp::Eq => Some(Value::Bool(a & mask == b & mask)),
        BinOp::Ne => Some(Value::Bool(a & mask != b & mask)),
        BinOp::LogAnd | BinOp::LogOr => None,
    }
}

/// `base ** exp` modulo 2^64, by squaring (any exponent, at most 64 steps).
fn wrapping_pow(mut base: u64, mut exp: u64) -> u64 {
    let mut acc = 1u64;
    while exp > 0 {
        if exp & 1 == 1 {
            acc = acc.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        exp >>= 1;
    }
    acc
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::frontend::lexer::lex;
    use crate::frontend::parser::parse;
    use crate::frontend::source::SourceFile;

    /// Evaluates the value of `x = <text>;`.
    fn value_of(text: &str) -> Result<Value, String> {
        let src = format!("x = {text};");
        let mut rep = Reporter::new(Arc::new(SourceFile::new("t.rdl", &src)));
        let toks = lex(&src, &mut rep);
        let items = parse(&toks, &mut rep);
        let no_types = |_: &str| None;
        let env = EvalEnv {
            enums: &[],
            types: &no_types,
            body: None,
        };
        let value = match items.first() {
            Some(crate::frontend::ast::Item::Assign(a)) => {
                a.value.as_ref().and_then(|e| eval(e, &env, &mut rep))
            }
            _ => None,
        };
        let diags = rep.finish();
        match value {
            Some(v) if diags.is_empty() => Ok(v),
            _ => Err(diags
                .iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
                .join("; ")),
        }
    }

    fn int(text: &str) -> u64 {
        match value_of(text) {
            Ok(Value::Int { v, .. }) => v,
            other => panic!("{text}: {other:?}"),
        }
    }

    fn boolean(text: &str) -> bool {
        match value_of(text) {
            Ok(Value::Bool(b)) => b,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn integer_operators_and_precedence() {
        assert_eq!(int("1 + 2 * 3"), 7);
        assert_eq!(int("(1 + 2) * 3"), 9);
        assert_eq!(int("2 ** 3 ** 2"), 64);
        assert_eq!(int("0x100 >> 4 << 1"), 0x20);
        assert_eq!(int("17 / 5 + 17 % 5"), 5);
        assert_eq!(int("6 & 3 | 8 ^ 1"), 11);
        assert_eq!(int("1 << 64"), 0);
        assert_eq!(int("2 ** 64"), 0);
    }

    #[test]
    fn widths_truncate_like_systemrdl_compiler() {
        assert_eq!(int("4'hF + 4'h1"), 0);
        assert_eq!(int("~4'h0"), 0xF);
        assert_eq!(int("~0"), u64::MAX);
        assert_eq!(int("-1"), u64::MAX);
        assert_eq!(int("-8'd1"), 0xFF);
        assert_eq!(int("4'hF + 5"), 20);
        assert_eq!(int("&4'hF"), 1);
        assert_eq!(int("&4'h7"), 0);
        assert_eq!(int("^3'b111"), 1);
        assert_eq!(int("~|0"), 1);
    }

    #[test]
    fn comparisons_logic_and_conditionals() {
        assert!(boolean("3 > 2 && 2 >= 2"));
        assert!(boolean("1 == 1 || 1 / 1 == 0"));
        assert!(!boolean("!5"));
        assert!(boolean("\"a\" == \"a\""));
        assert!(boolean("rw != r"));
        assert_eq!(int("1 ? 10 : 20"), 10);
        assert_eq!(int("0 ? 10 : 1 ? 30 : 40"), 30);
        assert_eq!(
            value_of("true ? woclr : woset"),
            Ok(Value::OnWrite(OnWrite::Woclr))
        );
    }

    #[test]
    fn keyword_literals_and_arrays() {
        assert_eq!(value_of("wr"), Ok(Value::Access(AccessType::Rw)));
        assert_eq!(value_of("hw"), Ok(Value::Precedence(Precedence::Hw)));
        assert_eq!(
            value_of("compact"),
            Ok(Value::Addressing(Addressing::Compact))
        );
        assert_eq!(
            value_of("'{1, \"x\"}"),
            Ok(Value::Array(vec![Value::int(1), Value::Str("x".into())]))
        );
        assert_eq!(value_of("'{}"), Ok(Value::Array(vec![])));
    }

    #[test]
    fn type_errors_and_division_by_zero_are_reported() {
        assert_eq!(value_of("1 / 0"), Err("division by zero".into()));
        assert_eq!(value_of("1 % (2 - 2)"), Err("division by zero".into()));
        assert!(value_of("\"a\" + 1")
            .unwrap_err()
            .contains("must be numbers, not a string"));
        assert!(value_of("rw == 1").unwrap_err().contains("cannot compare"));
        assert!(value_of("nothing")
            .unwrap_err()
            .contains("outside of a component body"));
        assert!(value_of("E::x").unwrap_err().contains("not an enum type"));
    }
}
