//! The syntax tree of the supported SystemRDL subset, as written (nothing resolved).

use super::lexer::Kw;
use super::source::Span;

/// A name and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Ident {
    pub name: String,
    pub span: Span,
}

/// The component kinds the grammar knows. `mem` and `signal` are parsed so that
/// they can be refused with a precise message.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kind {
    Addrmap,
    Regfile,
    Reg,
    Field,
    Mem,
    Signal,
}

impl Kind {
    pub fn from_kw(kw: Kw) -> Option<Kind> {
        Some(match kw {
            Kw::Addrmap => Kind::Addrmap,
            Kw::Regfile => Kind::Regfile,
            Kw::Reg => Kind::Reg,
            Kw::Field => Kind::Field,
            Kw::Mem => Kind::Mem,
            Kw::Signal => Kind::Signal,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Addrmap => "addrmap",
            Kind::Regfile => "regfile",
            Kind::Reg => "reg",
            Kind::Field => "field",
            Kind::Mem => "mem",
            Kind::Signal => "signal",
        }
    }

    pub fn to_ir(self) -> crate::ir::ComponentKind {
        use crate::ir::ComponentKind as C;
        match self {
            Kind::Addrmap => C::Addrmap,
            Kind::Regfile => C::Regfile,
            Kind::Reg => C::Reg,
            Kind::Field => C::Field,
            Kind::Mem => C::Mem,
            Kind::Signal => C::Signal,
        }
    }
}

/// A statement of the root or of a component body.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Item {
    Component(ComponentDef),
    Enum(EnumDef),
    Struct(StructDef),
    Constraint(ConstraintDef),
    Property(UdpDef),
    /// `type_name inst, inst;`
    Inst(ExplicitInst),
    /// `[default] prop [= value];`
    Assign(PropAssign),
    /// `a.b[2]->prop [= value];`
    DynAssign(DynAssign),
}

/// `addrmap name { ... } insts;` or the anonymous `reg { ... } insts;`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ComponentDef {
    pub kind: Kind,
    /// The keyword (`reg`), for diagnostics about anonymous definitions.
    pub kind_span: Span,
    pub name: Option<Ident>,
    pub body: Vec<Item>,
    /// Instances made right after the body; empty if none.
    pub insts: Vec<Inst>,
    /// `external`/`internal` written before the definition or its instances.
    pub inst_type: Option<InstType>,
    /// `#(longint W = 8, ...)`: the parameters the definition declares.
    pub params: Vec<ParamDef>,
    /// `} #(.W(4)) inst;`: parameter values of the instances made after the body.
    pub inst_params: Vec<ParamAssign>,
}

/// One parameter of a definition: `longint unsigned W = 8` (SystemRDL 2.0 5.1.1.1).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ParamDef {
    pub ty: UdpTypeAst,
    pub ty_span: Span,
    pub name: Ident,
    pub default: Option<Expr>,
}

/// One parameter value of an instantiation: `.W(4)` (SystemRDL 2.0 5.1.1.2).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ParamAssign {
    pub name: Ident,
    pub value: Expr,
}

/// `external` or `internal` on an instance statement (SystemRDL 2.0 10.1).
#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) struct InstType {
    pub external: bool,
    /// The keyword.
    pub span: Span,
}

/// `cr0 cr0 @ 0x20, cr0 cr0b;`
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ExplicitInst {
    pub type_name: Ident,
    pub insts: Vec<Inst>,
    pub inst_type: Option<InstType>,
    /// `#(.W(4))` before the instances.
    pub params: Vec<ParamAssign>,
    /// `alias primary` (SystemRDL 2.0 10.5): the primary register's name.
    pub alias: Option<Ident>,
}

/// One instance: `name[4] @ 0x10 += 4`, `f[3:0] = 0`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Inst {
    pub name: Ident,
    pub suffix: InstSuffix,
    /// `= expr` (a field's reset).
    pub reset: Option<Expr>,
    /// `@ expr`
    pub at: Option<Expr>,
    /// `+= expr`
    pub stride: Option<Expr>,
    /// `%= expr`
    pub align: Option<Expr>,
    /// The whole instance, for diagnostics.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum InstSuffix {
    None,
    /// `[a][b]...`: array dimensions, or for a field its width.
    Dims(Vec<Expr>),
    /// `[msb:lsb]`
    Range(Expr, Expr),
}

/// `[default] name [= value];` inside a body or at the root.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PropAssign {
    pub default: bool,
    /// An interrupt modifier before the name (`posedge intr;`, SystemRDL 2.0 9.9).
    pub modifier: Option<(Kw, Span)>,
    pub prop: Ident,
    pub value: Option<Expr>,
    pub span: Span,
}

/// `target->prop [= value];`
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DynAssign {
    pub target: Vec<RefElem>,
    pub prop: Ident,
    pub value: Option<Expr>,
    pub span: Span,
}

/// One step of an instance reference: `name[1][2]`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RefElem {
    pub name: Ident,
    pub indices: Vec<Expr>,
}

/// `enum name { entry [= value] [{ name = ...; desc = ...; }]; ... };`
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct EnumDef {
    pub name: Ident,
    pub entries: Vec<EnumEntryDef>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct EnumEntryDef {
    pub name: Ident,
    pub value: Option<Expr>,
    pub props: Vec<(Ident, Expr)>,
}

/// `[abstract] struct name [: base] { type member; ... };` (SystemRDL 2.0 6.3.2.2).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StructDef {
    pub name: Ident,
    pub base: Option<Ident>,
    pub is_abstract: bool,
    /// Member type (with `[]` if an array), its span, and name.
    pub members: Vec<(UdpTypeAst, Span, Ident)>,
}

/// `constraint [name] { ... } [insts];` (SystemRDL 2.0 12), syntax-checked only.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ConstraintDef {
    pub name: Option<Ident>,
    /// How many elements the body holds.
    pub elements: usize,
    pub insts: Vec<Ident>,
}

/// `property name { type = ...; component = ...; default = ...; };`
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct UdpDef {
    pub name: Ident,
    pub ty: Option<(UdpTypeAst, Span)>,
    pub components: Option<(Vec<(Kind, Span)>, Span)>,
    pub default: Option<Expr>,
    /// `constraint = componentwidth;`, refused at elaboration.
    pub constraint: Option<Span>,
}

/// The `type =` of a property declaration, before enum names are resolved.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct UdpTypeAst {
    pub base: UdpBaseType,
    pub array: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum UdpBaseType {
    Boolean,
    String,
    Number,
    AccessType,
    AddressingType,
    OnReadType,
    OnWriteType,
    Ref,
    Component(Kind),
    /// A user type (an enum, or an unsupported struct).
    Named(Ident),
}

/// Binary operators, in the standard's precedence groups.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Pow,
    Mul,
    Div,
    Rem,
    Add,
    Sub,
    Shl,
    Shr,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    BitAnd,
    BitXor,
    BitXnor,
    BitOr,
    LogAnd,
    LogOr,
}

impl BinOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Pow => "**",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::BitAnd => "&",
            BinOp::BitXor => "^",
            BinOp::BitXnor => "~^",
            BinOp::BitOr => "|",
            BinOp::LogAnd => "&&",
            BinOp::LogOr => "||",
        }
    }
}

/// Unary operators, including the reductions (`&x`, `~|x`, ...).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum UnOp {
    Plus,
    Neg,
    Not,
    BitNot,
    RedAnd,
    RedNand,
    RedOr,
    RedNor,
    RedXor,
    RedXnor,
}

impl UnOp {
    pub fn as_str(self) -> &'static str {
        match self {
            UnOp::Plus => "+",
            UnOp::Neg => "-",
            UnOp::Not => "!",
            UnOp::BitNot => "~",
            UnOp::RedAnd => "&",
            UnOp::RedNand => "~&",
            UnOp::RedOr => "|",
            UnOp::RedNor => "~|",
            UnOp::RedXor => "^",
            UnOp::RedXnor => "~^",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ExprKind {
    Number {
        value: u64,
        width: Option<u32>,
    },
    Str(String),
    Bool(bool),
    /// A keyword literal: access type, onread/onwrite type, addressing type or
    /// precedence (`rw`, `woclr`, `compact`, `hw`).
    Keyword(Kw),
    /// `E::entry`
    EnumLit {
        ty: Ident,
        entry: Ident,
    },
    /// A reference to an instance (or, alone, the name of an enum for `encode`).
    Ref(Vec<RefElem>),
    /// `inst->prop` on the right-hand side; refused at elaboration.
    PropRef {
        target: Vec<RefElem>,
        prop: Ident,
    },
    /// `'{a, b}`
    Array(Vec<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `{a, b}` (SystemRDL 2.0 6.3.3).
    Concat(Vec<Expr>),
    /// `{n{a, b}}`: the count, then the concatenated items.
    Replicate(Box<Expr>, Vec<Expr>),
    /// `8'(x)`, `(W)'(x)`: the width, then the value.
    WidthCast(Box<Expr>, Box<Expr>),
    /// `boolean'(x)`, `longint'(x)`, `bit'(x)`.
    TypeCast(CastType, Box<Expr>),
    /// `S'{a: 1, b: "x"}` (SystemRDL 2.0 6.3.2.3).
    StructLit {
        ty: Ident,
        members: Vec<(Ident, Expr)>,
    },
}

/// The target of a type cast.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum CastType {
    Boolean,
    Longint,
    Bit,
}
