//! Constant expressions and property values.
//!
//! Integers follow systemrdl-compiler's self-determined evaluation: every value
//! carries a width (64 for unsized literals, 1 for booleans), an operation is done
//! in the widest operand's width and truncated to it (`4'hF + 4'h1` is 0).
//! References to instances are kept symbolic ([`InstRef`]) and resolved per
//! instance once the instance tree exists.

use crate::frontend::FxMap;
use std::rc::Rc;

use super::{DefId, EnumIdx, EnumInfo, StructIdx, StructInfo, TypeEntry};
use crate::access::{ones, AccessType, OnRead, OnWrite, Precedence};
use crate::frontend::ast::{BinOp, CastType, Expr, ExprKind, RefElem, UnOp};
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

impl Addressing {
    /// The IR's spelling of the same mode.
    pub fn to_ir(self) -> crate::ir::Addressing {
        match self {
            Addressing::Regalign => crate::ir::Addressing::Regalign,
            Addressing::Compact => crate::ir::Addressing::Compact,
            Addressing::Fullalign => crate::ir::Addressing::Fullalign,
        }
    }
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
    /// `S'{a: 1}`: the type's ancestry (itself first) and the members given, in
    /// declaration order.
    Struct {
        ancestry: Rc<[StructIdx]>,
        members: Rc<Vec<(String, Value)>>,
    },
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
            Value::Struct { .. } => "a struct",
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
    pub structs: &'a [StructInfo],
    /// Type lookup through the lexical scopes, innermost first.
    pub types: &'a dyn Fn(&str) -> Option<TypeEntry>,
    /// The body being defined and the instances declared in it so far; `None` at
    /// the root and in enum and property declarations.
    pub body: Option<(DefId, &'a FxMap<String, usize>)>,
    /// Parameter lookup through the lexical scopes, innermost first
    /// (SystemRDL 2.0 5.1.1.1).
    pub params: &'a dyn Fn(&str) -> Option<Value>,
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
            let v = enum_as_int(eval(operand, env, rep)?, env);
            unary(*op, v, operand.span, rep)
        }
        ExprKind::Binary(op, l, r) => {
            let lv = eval(l, env, rep);
            let rv = eval(r, env, rep);
            let (lv, rv) = match (lv?, rv?) {
                // `E::a == E::b` compares entries; anything else takes their values.
                (a @ Value::Enum { .. }, b @ Value::Enum { .. })
                    if matches!(op, BinOp::Eq | BinOp::Ne) =>
                {
                    (a, b)
                }
                (a, b) => (enum_as_int(a, env), enum_as_int(b, env)),
            };
            binary(*op, lv, l.span, rv, r.span, rep)
        }
        ExprKind::Concat(items) => concat(items, 1, env, rep),
        ExprKind::Replicate(count, items) => {
            let n = expect_int(count, env, rep)?;
            concat(items, n, env, rep)
        }
        ExprKind::WidthCast(width, value) => {
            let w = expect_int(width, env, rep)?;
            if w == 0 || w > 64 {
                rep.error(
                    codes::EXPR,
                    width.span,
                    format!("cast width {w} is out of range"),
                )
                .hint("a width cast takes 1 to 64 bits");
                return None;
            }
            let v = enum_as_int(eval(value, env, rep)?, env);
            let v = as_number(v, value.span, rep)?;
            let w = w as u32;
            Some(Value::Int { v: v & ones(w), w })
        }
        ExprKind::TypeCast(ty, value) => {
            let v = eval(value, env, rep)?;
            let v = enum_as_int(v, env);
            let Some((x, w)) = as_int(&v) else {
                rep.error(
                    codes::EXPR,
                    value.span,
                    format!("cannot cast {} to a number", v.describe()),
                )
                .hint("casts convert numbers, booleans and enum entries");
                return None;
            };
            Some(match ty {
                CastType::Boolean => Value::Bool(x & ones(w) != 0),
                CastType::Bit => Value::Int { v: x & 1, w: 1 },
                CastType::Longint => Value::Int { v: x, w: 64 },
            })
        }
        ExprKind::StructLit { ty, members } => struct_literal(ty, members, env, rep),
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

/// `S'{a: 1, b: "x"}` (SystemRDL 2.0 6.3.2.3): every member given once, with a
/// value of its type; `S'{}` leaves them all unset, as systemrdl-compiler allows.
fn struct_literal(
    ty: &crate::frontend::ast::Ident,
    given: &[(crate::frontend::ast::Ident, Expr)],
    env: &EvalEnv<'_>,
    rep: &mut Reporter,
) -> Option<Value> {
    let Some(TypeEntry::Struct(idx)) = (env.types)(&ty.name) else {
        rep.error(
            codes::UNKNOWN_TYPE,
            ty.span,
            format!("`{}` is not a struct type", ty.name),
        )
        .hint("a struct must be defined (`struct name { ... };`) before its literals");
        return None;
    };
    let info = env.structs.get(idx)?;
    if info.is_abstract {
        rep.error(
            codes::EXPR,
            ty.span,
            format!("`{}` is an abstract struct and has no values", ty.name),
        )
        .hint("write a literal of a struct derived from it");
        return None;
    }
    let mut values: Vec<Option<Value>> = vec![None; info.members.len()];
    let mut ok = true;
    for (name, e) in given {
        let Some(i) = info.members.iter().position(|(m, _)| *m == name.name) else {
            let d = rep.error(
                codes::EXPR,
                name.span,
                format!("struct `{}` has no member `{}`", ty.name, name.name),
            );
            match did_you_mean(&name.name, info.members.iter().map(|(m, _)| m.as_str())) {
                Some(h) => d.hint(h),
                None => d.hint(format!(
                    "its members are: {}",
                    info.members
                        .iter()
                        .map(|(m, _)| m.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            ok = false;
            continue;
        };
        if values[i].is_some() {
            rep.error(
                codes::EXPR,
                name.span,
                format!("member `{}` is given twice", name.name),
            )
            .hint("give each member once");
            ok = false;
            continue;
        }
        let Some(v) = eval(e, env, rep) else {
            ok = false;
            continue;
        };
        let mty = &info.members[i].1;
        let described = v.describe();
        match super::defs::coerce_udp(mty, enum_as_int_for(mty, v, env)) {
            Some(v) => values[i] = Some(v),
            None => {
                rep.error(
                    codes::EXPR,
                    e.span,
                    format!(
                        "member `{}` of struct `{}` cannot take {described}",
                        name.name, ty.name
                    ),
                )
                .hint("give the member a value of its declared type");
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    // SystemRDL 2.0 6.3.2.3.2-b/c: a member not given takes its type's default
    // (false, "", rw, regalign, an empty array); one without is an error.
    let mut undefined = Vec::new();
    for (slot, (name, mty)) in values.iter_mut().zip(&info.members) {
        if slot.is_none() {
            *slot = match mty {
                super::UdpTy::Boolean => Some(Value::Bool(false)),
                super::UdpTy::String => Some(Value::Str("".into())),
                super::UdpTy::AccessType => Some(Value::Access(AccessType::Rw)),
                super::UdpTy::Addressing => Some(Value::Addressing(Addressing::Regalign)),
                super::UdpTy::Array(_) => Some(Value::Array(Vec::new())),
                _ => {
                    undefined.push(name.as_str());
                    None
                }
            };
        }
    }
    if !undefined.is_empty() {
        rep.error(
            codes::EXPR,
            ty.span,
            format!(
                "incomplete `{}` literal: no value for {}",
                ty.name,
                undefined
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .hint("give every member without a default (numbers, enums, references, structs) a value");
        return None;
    }
    let members = info
        .members
        .iter()
        .zip(values)
        .filter_map(|((m, _), v)| v.map(|v| (m.clone(), v)))
        .collect();
    Some(Value::Struct {
        ancestry: info.ancestry.clone(),
        members: Rc::new(members),
    })
}

/// An enum entry given where a number or boolean is expected stands for its value.
fn enum_as_int_for(ty: &super::UdpTy, v: Value, env: &EvalEnv<'_>) -> Value {
    match ty {
        super::UdpTy::Number | super::UdpTy::Boolean => enum_as_int(v, env),
        _ => v,
    }
}

/// An enum entry stands for its value in arithmetic (SystemRDL 2.0 6.3.4.2).
fn enum_as_int(v: Value, env: &EvalEnv<'_>) -> Value {
    match v {
        Value::Enum { ty, entry } => env
            .enums
            .get(ty)
            .and_then(|e| e.entries.get(entry))
            .map_or(Value::Enum { ty, entry }, |x| Value::int(x.value)),
        v => v,
    }
}

/// `{a, b}` repeated `times` times (SystemRDL 2.0 6.3.3): the first item in the
/// most significant bits, each item in its own width (64 for an unsized number or
/// an enum entry). Widths add up past 64 as systemrdl-compiler's do, but the value
/// must fit in 64 bits (RDL-EXPR-02); the work is bounded whatever the count.
fn concat(items: &[Expr], times: u64, env: &EvalEnv<'_>, rep: &mut Reporter) -> Option<Value> {
    let mut parts = Vec::with_capacity(items.len());
    let mut width = 0u64;
    for item in items {
        let v = enum_as_int(eval(item, env, rep)?, env);
        let Some((x, w)) = as_int(&v) else {
            rep.error(
                codes::EXPR,
                item.span,
                format!("cannot concatenate {}", v.describe()),
            )
            .hint("concatenation joins numbers, booleans and enum entries");
            return None;
        };
        parts.push((x & ones(w), w));
        width += u64::from(w);
    }
    let span = match (items.first(), items.last()) {
        (Some(a), Some(b)) => a.span.to(b.span),
        _ => return None,
    };
    let total = width.saturating_mul(times);
    if total == 0 {
        rep.error(codes::EXPR, span, "the replication is empty (count 0)")
            .hint("a replication count is at least 1");
        return None;
    }
    // Only the low 64 bits can be kept; anything set above them is an error. Past
    // 128 bits a non-zero item necessarily lands above bit 64.
    let any_set = parts.iter().any(|&(x, _)| x != 0);
    let mut v = 0u128;
    if any_set {
        if total > 128 {
            return too_wide(span, rep);
        }
        for _ in 0..times {
            for &(x, w) in &parts {
                v = (v << w) | u128::from(x);
            }
        }
    }
    if v > u128::from(u64::MAX) {
        return too_wide(span, rep);
    }
    Some(Value::Int {
        v: v as u64,
        w: total.min(64) as u32,
    })
}

fn too_wide(span: Span, rep: &mut Reporter) -> Option<Value> {
    rep.error(
        codes::EXPR,
        span,
        "the concatenation's value does not fit in 64 bits",
    )
    .hint("twinreg's constant values are at most 64 bits wide; size the operands (`4'hA`)");
    None
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
    if local.is_none() {
        if let Some(v) = (env.params)(&first.name.name) {
            return param_value(v, path, env, rep);
        }
    }
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

/// The value of a parameter reference: `P`, `ARR[1]` (SystemRDL 2.0 5.1.1.1).
fn param_value(
    mut v: Value,
    path: &[RefElem],
    env: &EvalEnv<'_>,
    rep: &mut Reporter,
) -> Option<Value> {
    let first = path.first()?;
    for ix in &first.indices {
        let i = expect_int(ix, env, rep)?;
        v = match v {
            Value::Array(mut items) => {
                let len = items.len();
                if i as usize >= len || i > usize::MAX as u64 {
                    rep.error(
                        codes::ARRAY,
                        ix.span,
                        format!(
                            "index {i} is out of range for `{}` ({len} elements)",
                            first.name.name
                        ),
                    )
                    .hint("indices count from 0");
                    return None;
                }
                items.swap_remove(i as usize)
            }
            other => {
                rep.error(
                    codes::ARRAY,
                    ix.span,
                    format!(
                        "`{}` is {}, not an array",
                        first.name.name,
                        other.describe()
                    ),
                )
                .hint(format!("refer to `{}` without an index", first.name.name));
                return None;
            }
        };
    }
    // `S.nest.str`, `S.arr[1].x`: members of a struct-typed parameter.
    for (k, step) in path.iter().enumerate().skip(1) {
        let Value::Struct { members, .. } = &v else {
            rep.error(
                codes::UNKNOWN_REF,
                step.name.span,
                format!(
                    "`{}` is {}, which has no member `{}`",
                    path[k - 1].name.name,
                    v.describe(),
                    step.name.name
                ),
            )
            .hint("only struct values have members");
            return None;
        };
        let Some(m) = members.iter().find(|(n, _)| *n == step.name.name) else {
            rep.error(
                codes::UNKNOWN_REF,
                step.name.span,
                format!(
                    "`{}` has no member `{}`",
                    path[k - 1].name.name,
                    step.name.name
                ),
            )
            .hint("the member is not declared, or the literal left it unset");
            return None;
        };
        v = m.1.clone();
        for ix in &step.indices {
            let i = expect_int(ix, env, rep)?;
            let Value::Array(items) = &v else {
                rep.error(
                    codes::ARRAY,
                    ix.span,
                    format!("`{}` is not an array", step.name.name),
                )
                .hint(format!("refer to `{}` without an index", step.name.name));
                return None;
            };
            let Some(item) = usize::try_from(i).ok().and_then(|i| items.get(i)) else {
                rep.error(
                    codes::ARRAY,
                    ix.span,
                    format!(
                        "index {i} is out of range for `{}` ({} elements)",
                        step.name.name,
                        items.len()
                    ),
                )
                .hint("indices count from 0");
                return None;
            };
            v = item.clone();
        }
    }
    Some(v)
}

/// Evaluates an expression that must be a number (array sizes, addresses, ...).
pub(crate) fn expect_int(e: &Expr, env: &EvalEnv<'_>, rep: &mut Reporter) -> Option<u64> {
    as_number(enum_as_int(eval(e, env, rep)?, env), e.span, rep)
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
        let no_params = |_: &str| None;
        let env = EvalEnv {
            enums: &[],
            structs: &[],
            types: &no_types,
            body: None,
            params: &no_params,
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
