//! Recursive-descent parser for the supported SystemRDL subset.
//!
//! Errors are reported where they are found; the parser then skips to the end of
//! the statement (the next `;` at the same brace depth, or the `}` closing the
//! current body) and goes on, so one run reports every broken statement.
//! Expression and body nesting are bounded ([`MAX_EXPR_DEPTH`],
//! [`MAX_BODY_DEPTH`]) so that no input can exhaust the stack.

use super::ast::*;
use super::diagnostics::{codes, Reporter};
use super::lexer::{Kw, Punct, Tok, Token};
use super::source::Span;

/// Deepest expression nesting accepted (parentheses, unary operators, `?:` chains,
/// array literals).
pub(crate) const MAX_EXPR_DEPTH: usize = 64;

/// Deepest nesting of component bodies accepted.
pub(crate) const MAX_BODY_DEPTH: usize = 32;

/// Parses a whole file. Never fails: what cannot be parsed is reported and left out.
pub(crate) fn parse(tokens: &[Token], rep: &mut Reporter) -> Vec<Item> {
    let mut p = Parser {
        toks: tokens,
        pos: 0,
        rep,
        expr_depth: 0,
        body_depth: 0,
    };
    p.items(false)
}

/// A parse error that has been reported; the caller recovers.
struct Abort;

type PResult<T> = Result<T, Abort>;

struct Parser<'t, 'r> {
    toks: &'t [Token],
    pos: usize,
    rep: &'r mut Reporter,
    expr_depth: usize,
    body_depth: usize,
}

const EOF_TOKEN: Token = Token {
    tok: Tok::Eof,
    span: Span::new(0, 0),
};

impl<'t> Parser<'t, '_> {
    // ---- token access --------------------------------------------------------

    fn tok(&self, ahead: usize) -> &'t Token {
        // The lexer always ends with Eof; clamping keeps look-ahead past it there.
        let last = self.toks.len().saturating_sub(1);
        self.toks
            .get((self.pos + ahead).min(last))
            .unwrap_or(&EOF_TOKEN)
    }

    fn peek(&self) -> &'t Tok {
        &self.tok(0).tok
    }

    fn span(&self) -> Span {
        self.tok(0).span
    }

    fn prev_span(&self) -> Span {
        if self.pos == 0 {
            self.span()
        } else {
            self.toks.get(self.pos - 1).map_or(self.span(), |t| t.span)
        }
    }

    fn bump(&mut self) -> &'t Token {
        let t = self.tok(0);
        if self.pos < self.toks.len().saturating_sub(1) {
            self.pos += 1;
        }
        t
    }

    fn at_punct(&self, p: Punct) -> bool {
        *self.peek() == Tok::Punct(p)
    }

    fn at_punct_ahead(&self, ahead: usize, p: Punct) -> bool {
        self.tok(ahead).tok == Tok::Punct(p)
    }

    fn at_kw(&self, kw: Kw) -> bool {
        *self.peek() == Tok::Kw(kw)
    }

    fn eat_punct(&mut self, p: Punct) -> bool {
        let hit = self.at_punct(p);
        if hit {
            self.bump();
        }
        hit
    }

    fn expect_punct(&mut self, p: Punct, what: &str) -> PResult<Span> {
        if self.at_punct(p) {
            Ok(self.bump().span)
        } else {
            Err(self.unexpected(&format!("`{}` {what}", p.as_str())))
        }
    }

    /// Reports "expected X, found Y" at the current token.
    fn unexpected(&mut self, expected: &str) -> Abort {
        let found = self.peek().describe();
        let span = self.span();
        let keyword = match self.peek() {
            Tok::Kw(kw) => Some(*kw),
            _ => None,
        };
        let d = self.rep.error(
            codes::SYNTAX,
            span,
            format!("expected {expected}, found {found}"),
        );
        if expected == "an expression" {
            d.hint("a value goes here: a number (`0x10`), `true`/`false`, a keyword such as `rw`, a \"string\" or a reference");
        }
        if let Some(kw) = keyword {
            if expected.starts_with("a name") || expected.starts_with("a property") {
                d.hint(format!(
                    "`{0}` is a reserved word; write `\\{0}` to use it as a name",
                    kw.as_str()
                ));
            }
        }
        Abort
    }

    fn ident(&mut self, what: &str) -> PResult<Ident> {
        match *self.peek() {
            Tok::Ident(ref name) => {
                let span = self.bump().span;
                Ok(Ident {
                    name: name.clone(),
                    span,
                })
            }
            _ => Err(self.unexpected(what)),
        }
    }

    /// Skips the rest of a broken statement: up to and including the next `;` at
    /// this brace depth, or up to (not including) the `}` that closes the body.
    fn recover(&mut self) {
        let start = self.pos;
        let mut depth = 0usize;
        loop {
            match self.peek() {
                Tok::Eof => return,
                Tok::Punct(Punct::LBrace) => depth += 1,
                Tok::Punct(Punct::RBrace) => {
                    if depth == 0 {
                        if self.pos == start && self.body_depth == 0 {
                            // A stray `}` at the root: consume it or we would spin.
                            self.bump();
                        }
                        return;
                    }
                    depth -= 1;
                }
                Tok::Punct(Punct::Semi) if depth == 0 => {
                    self.bump();
                    return;
                }
                _ => {}
            }
            self.bump();
        }
    }

    // ---- statements ----------------------------------------------------------

    /// Statements up to the end of the file (root) or the closing `}` (body).
    fn items(&mut self, in_body: bool) -> Vec<Item> {
        let mut items = Vec::new();
        loop {
            match self.peek() {
                Tok::Eof => return items,
                Tok::Punct(Punct::RBrace) if in_body => return items,
                Tok::Punct(Punct::RBrace) => {
                    self.rep
                        .error(codes::SYNTAX, self.span(), "unmatched `}`")
                        .hint("remove it, or add the `{` it was meant to close");
                    self.bump();
                    continue;
                }
                Tok::Punct(Punct::Semi) => {
                    self.rep
                        .error(codes::SYNTAX, self.span(), "stray `;`")
                        .hint("SystemRDL has no empty statements; remove it");
                    self.bump();
                    continue;
                }
                _ => {}
            }
            let before = self.pos;
            match self.item() {
                Ok(item) => {
                    if self.eat_punct(Punct::Semi) {
                        items.push(item);
                    } else {
                        let at = self.prev_span();
                        self.rep
                            .error(
                                codes::SYNTAX,
                                Span::new(at.end, at.end),
                                format!("expected `;`, found {}", self.peek().describe()),
                            )
                            .hint("every statement, including a definition's closing `}`, ends with `;`");
                        items.push(item);
                        // A forgotten `;` at the end of a line: the next line is a
                        // statement of its own. Anything else on the same line
                        // belongs to this broken statement.
                        if !(self.starts_statement() && self.on_new_line()) {
                            self.recover();
                        }
                    }
                }
                Err(Abort) => {
                    self.recover();
                    if self.pos == before
                        && !matches!(self.peek(), Tok::Eof | Tok::Punct(Punct::RBrace))
                    {
                        self.bump();
                    }
                }
            }
        }
    }

    /// Whether a line break separates the current token from the previous one.
    fn on_new_line(&self) -> bool {
        let (from, to) = (self.prev_span().end as usize, self.span().start as usize);
        self.rep
            .file()
            .text
            .get(from..to)
            .is_some_and(|gap| gap.contains('\n'))
    }

    fn starts_statement(&self) -> bool {
        match self.peek() {
            Tok::Ident(_) | Tok::Punct(Punct::RBrace) | Tok::Eof => true,
            Tok::Kw(kw) => {
                Kind::from_kw(*kw).is_some()
                    || matches!(
                        kw,
                        Kw::Enum
                            | Kw::Property
                            | Kw::Default
                            | Kw::Struct
                            | Kw::Abstract
                            | Kw::Constraint
                    )
            }
            _ => false,
        }
    }

    fn item(&mut self) -> PResult<Item> {
        let span = self.span();
        match *self.peek() {
            Tok::Kw(Kw::Property) => self.udp_def().map(Item::Property),
            Tok::Kw(Kw::Enum) => self.enum_def().map(Item::Enum),
            Tok::Kw(Kw::Struct | Kw::Abstract) => self.struct_def().map(Item::Struct),
            Tok::Kw(Kw::Constraint) => self.constraint_def().map(Item::Constraint),
            // SystemRDL 2.0 10.5: `alias primary type_name inst;`.
            Tok::Kw(Kw::Alias) => self.alias_inst().map(Item::Inst),
            Tok::Kw(Kw::External | Kw::Internal) => {
                let inst_type = self.inst_type();
                match self.peek() {
                    Tok::Kw(Kw::Alias) => self.alias_inst().map(|mut ei| {
                        ei.inst_type = inst_type;
                        Item::Inst(ei)
                    }),
                    Tok::Ident(_) => self.explicit_inst().map(|mut ei| {
                        ei.inst_type = inst_type;
                        Item::Inst(ei)
                    }),
                    _ => self.component_def().map(|mut cd| {
                        cd.inst_type = cd.inst_type.or(inst_type);
                        Item::Component(cd)
                    }),
                }
            }
            Tok::Kw(kw) if Kind::from_kw(kw).is_some() => self.component_def().map(Item::Component),
            Tok::Kw(Kw::Default) => {
                self.bump();
                self.prop_assign(true, span).map(Item::Assign)
            }
            Tok::Kw(Kw::Posedge | Kw::Negedge | Kw::Bothedge | Kw::Level | Kw::Nonsticky) => {
                self.prop_assign(false, span).map(Item::Assign)
            }
            Tok::Kw(kw) if is_prop_keyword(kw) => self.prop_assign(false, span).map(Item::Assign),
            Tok::Ident(_) => match &self.tok(1).tok {
                Tok::Punct(Punct::Assign | Punct::Semi) => {
                    self.prop_assign(false, span).map(Item::Assign)
                }
                Tok::Punct(Punct::Dot | Punct::LBracket | Punct::Arrow) => {
                    self.dyn_assign().map(Item::DynAssign)
                }
                Tok::Ident(_) | Tok::Punct(Punct::Hash) => self.explicit_inst().map(Item::Inst),
                _ => {
                    self.bump();
                    Err(self.unexpected("`=`, `;`, `->` or an instance name"))
                }
            },
            _ => Err(self.unexpected("a definition, an instance or a property assignment")),
        }
    }

    /// `external` / `internal` (SystemRDL 2.0 10.1), if one is next.
    fn inst_type(&mut self) -> Option<InstType> {
        let external = match self.peek() {
            Tok::Kw(Kw::External) => true,
            Tok::Kw(Kw::Internal) => false,
            _ => return None,
        };
        let span = self.bump().span;
        Some(InstType { external, span })
    }

    fn component_def(&mut self) -> PResult<ComponentDef> {
        let kw = self.bump();
        let kind = match kw.tok {
            Tok::Kw(k) => Kind::from_kw(k),
            _ => None,
        }
        .ok_or(Abort)?;
        let name = match self.peek() {
            Tok::Ident(_) => Some(self.ident("a name")?),
            _ => None,
        };
        let params = if self.at_punct(Punct::Hash) {
            self.param_defs()?
        } else {
            Vec::new()
        };
        let open = self.expect_punct(Punct::LBrace, "to open the component body")?;
        if self.body_depth >= MAX_BODY_DEPTH {
            self.rep
                .error(
                    codes::LIMIT,
                    open,
                    format!("component definitions nested deeper than {MAX_BODY_DEPTH} levels"),
                )
                .hint("flatten the hierarchy");
            return Err(Abort);
        }
        self.body_depth += 1;
        let body = self.items(true);
        self.body_depth -= 1;
        if !self.eat_punct(Punct::RBrace) {
            self.rep
                .error(
                    codes::SYNTAX,
                    self.span(),
                    format!("expected `}}` to close the {} body", kind.as_str()),
                )
                .also(open, "opened here");
            return Err(Abort);
        }
        let inst_type = self.inst_type();
        let inst_params = if self.at_punct(Punct::Hash) {
            let ps = self.param_assigns()?;
            if !matches!(self.peek(), Tok::Ident(_)) {
                return Err(self.unexpected("an instance name after the parameter values"));
            }
            ps
        } else {
            Vec::new()
        };
        let insts = match self.peek() {
            Tok::Ident(_) => self.insts()?,
            // A keyword where the instance name belongs (`reg { ... } r;`).
            Tok::Kw(_) => return Err(self.unexpected("a name for the instance, or `;`")),
            _ => Vec::new(),
        };
        if name.is_none() && insts.is_empty() {
            self.rep
                .error(
                    codes::SYNTAX,
                    kw.span,
                    format!(
                        "anonymous {} definition is never instantiated",
                        kind.as_str()
                    ),
                )
                .hint("name the definition, or add an instance name before the `;`");
        }
        Ok(ComponentDef {
            kind,
            kind_span: kw.span,
            name,
            body,
            insts,
            inst_type,
            params,
            inst_params,
        })
    }

    /// `#(longint unsigned W = 8, string S[] = '{"a"})` (SystemRDL 2.0 5.1.1.1).
    fn param_defs(&mut self) -> PResult<Vec<ParamDef>> {
        self.bump();
        self.expect_punct(Punct::LParen, "after `#`")?;
        let mut params = Vec::new();
        if self.at_punct(Punct::Dot) {
            self.rep
                .error(
                    codes::SYNTAX,
                    self.span(),
                    "a definition declares its parameters; `.NAME(value)` gives one to an instance",
                )
                .hint("declare it with a type and a default: `#(longint W = 8)`, then instantiate `type_name #(.W(4)) inst;`");
            return Err(Abort);
        }
        loop {
            let ty_span = self.span();
            let mut ty = self.udp_type()?;
            let name = self.ident("a parameter name")?;
            if self.eat_punct(Punct::LBracket) {
                self.expect_punct(Punct::RBracket, "of the array type `[]`")?;
                ty.array = true;
            }
            let default = if self.eat_punct(Punct::Assign) {
                Some(self.expr()?)
            } else {
                None
            };
            params.push(ParamDef {
                ty,
                ty_span,
                name,
                default,
            });
            if !self.eat_punct(Punct::Comma) {
                break;
            }
        }
        self.expect_punct(Punct::RParen, "to close the parameter list")?;
        Ok(params)
    }

    /// `#(.W(4), .S("x"))` (SystemRDL 2.0 5.1.1.2).
    fn param_assigns(&mut self) -> PResult<Vec<ParamAssign>> {
        self.bump();
        self.expect_punct(Punct::LParen, "after `#`")?;
        let mut out = Vec::new();
        loop {
            self.expect_punct(Punct::Dot, "before the parameter name (`.NAME(value)`)")?;
            let name = self.ident("a parameter name")?;
            self.expect_punct(Punct::LParen, "before the parameter value")?;
            let value = self.expr()?;
            self.expect_punct(Punct::RParen, "after the parameter value")?;
            out.push(ParamAssign { name, value });
            if !self.eat_punct(Punct::Comma) {
                break;
            }
        }
        self.expect_punct(Punct::RParen, "to close the parameter values")?;
        Ok(out)
    }

    /// `alias primary type_name inst, ...;` (after any `external`/`internal`).
    fn alias_inst(&mut self) -> PResult<ExplicitInst> {
        self.bump();
        let primary = self.ident("the name of the primary register")?;
        let mut ei = self.explicit_inst()?;
        ei.alias = Some(primary);
        Ok(ei)
    }

    fn explicit_inst(&mut self) -> PResult<ExplicitInst> {
        let type_name = self.ident("a component type name")?;
        let params = if self.at_punct(Punct::Hash) {
            self.param_assigns()?
        } else {
            Vec::new()
        };
        let insts = self.insts()?;
        Ok(ExplicitInst {
            type_name,
            insts,
            inst_type: None,
            params,
            alias: None,
        })
    }

    fn insts(&mut self) -> PResult<Vec<Inst>> {
        let mut insts = vec![self.inst()?];
        while self.eat_punct(Punct::Comma) {
            insts.push(self.inst()?);
        }
        Ok(insts)
    }

    fn inst(&mut self) -> PResult<Inst> {
        let name = self.ident("a name for the instance")?;
        let mut suffix = InstSuffix::None;
        let mut dims = Vec::new();
        while self.at_punct(Punct::LBracket) {
            self.bump();
            let first = self.expr()?;
            if dims.is_empty() && matches!(suffix, InstSuffix::None) && self.eat_punct(Punct::Colon)
            {
                let second = self.expr()?;
                self.expect_punct(Punct::RBracket, "to close the bit range")?;
                suffix = InstSuffix::Range(first, second);
                break;
            }
            self.expect_punct(Punct::RBracket, "to close the array dimension")?;
            dims.push(first);
        }
        if !dims.is_empty() {
            suffix = InstSuffix::Dims(dims);
        }
        let opt = |p: &mut Self, punct| -> PResult<Option<Expr>> {
            if p.eat_punct(punct) {
                p.expr().map(Some)
            } else {
                Ok(None)
            }
        };
        let reset = opt(self, Punct::Assign)?;
        let at = opt(self, Punct::At)?;
        let stride = opt(self, Punct::PlusAssign)?;
        let align = opt(self, Punct::PercentAssign)?;
        let span = name.span.to(self.prev_span());
        Ok(Inst {
            name,
            suffix,
            reset,
            at,
            stride,
            align,
            span,
        })
    }

    fn prop_name(&mut self) -> PResult<Ident> {
        match *self.peek() {
            Tok::Ident(ref name) => {
                let span = self.bump().span;
                Ok(Ident {
                    name: name.clone(),
                    span,
                })
            }
            Tok::Kw(kw) if is_prop_keyword(kw) => {
                let span = self.bump().span;
                Ok(Ident {
                    name: kw.as_str().to_owned(),
                    span,
                })
            }
            _ => Err(self.unexpected("a property name")),
        }
    }

    fn prop_assign(&mut self, default: bool, start: Span) -> PResult<PropAssign> {
        // SystemRDL 2.0 9.9: `posedge intr;` (the modifier takes no `= value`).
        let modifier = match *self.peek() {
            Tok::Kw(
                kw @ (Kw::Posedge | Kw::Negedge | Kw::Bothedge | Kw::Level | Kw::Nonsticky),
            ) => Some((kw, self.bump().span)),
            _ => None,
        };
        let prop = self.prop_name()?;
        let value = if modifier.is_none() && self.eat_punct(Punct::Assign) {
            Some(self.expr()?)
        } else {
            None
        };
        Ok(PropAssign {
            default,
            modifier,
            prop,
            value,
            span: start.to(self.prev_span()),
        })
    }

    fn dyn_assign(&mut self) -> PResult<DynAssign> {
        let start = self.span();
        let target = self.ref_path()?;
        self.expect_punct(Punct::Arrow, "before the property name")?;
        let prop = self.prop_name()?;
        let value = if self.eat_punct(Punct::Assign) {
            Some(self.expr()?)
        } else {
            None
        };
        Ok(DynAssign {
            target,
            prop,
            value,
            span: start.to(self.prev_span()),
        })
    }

    /// `a[1].b.c[2][3]`
    fn ref_path(&mut self) -> PResult<Vec<RefElem>> {
        let mut elems = Vec::new();
        loop {
            let name = self.ident("a name")?;
            let mut indices = Vec::new();
            while self.eat_punct(Punct::LBracket) {
                indices.push(self.expr()?);
                self.expect_punct(Punct::RBracket, "to close the index")?;
            }
            elems.push(RefElem { name, indices });
            if !self.eat_punct(Punct::Dot) {
                return Ok(elems);
            }
        }
    }

    fn udp_def(&mut self) -> PResult<UdpDef> {
        self.bump();
        let name = self.ident("a name for the property")?;
        let open = self.expect_punct(Punct::LBrace, "to open the property declaration")?;
        let mut def = UdpDef {
            name,
            ty: None,
            components: None,
            default: None,
            constraint: None,
        };
        while !self.at_punct(Punct::RBrace) && *self.peek() != Tok::Eof {
            let attr = self.span();
            let duplicate = match self.peek() {
                Tok::Kw(Kw::Type) => {
                    self.bump();
                    self.expect_punct(Punct::Assign, "after `type`")?;
                    let ty = self.udp_type()?;
                    def.ty.replace((ty, attr)).is_some()
                }
                Tok::Kw(Kw::Component) => {
                    self.bump();
                    self.expect_punct(Punct::Assign, "after `component`")?;
                    let mut kinds = vec![self.udp_component()?];
                    while self.eat_punct(Punct::Pipe) {
                        kinds.push(self.udp_component()?);
                    }
                    let kinds = kinds.concat();
                    def.components.replace((kinds, attr)).is_some()
                }
                Tok::Kw(Kw::Default) => {
                    self.bump();
                    self.expect_punct(Punct::Assign, "after `default`")?;
                    let e = self.expr()?;
                    def.default.replace(e).is_some()
                }
                Tok::Kw(Kw::Constraint) => {
                    self.bump();
                    self.expect_punct(Punct::Assign, "after `constraint`")?;
                    if !self.at_kw(Kw::ComponentWidth) {
                        return Err(self.unexpected("`componentwidth`"));
                    }
                    self.bump();
                    def.constraint.replace(attr).is_some()
                }
                _ => return Err(self.unexpected("`type`, `component`, `default` or `constraint`")),
            };
            if duplicate {
                self.rep.error(
                    codes::DUPLICATE,
                    attr,
                    "attribute given twice in one property declaration",
                );
            }
            self.expect_punct(Punct::Semi, "after the attribute")?;
        }
        if !self.eat_punct(Punct::RBrace) {
            self.rep
                .error(
                    codes::SYNTAX,
                    self.span(),
                    "expected `}` to close the property declaration",
                )
                .also(open, "opened here");
            return Err(Abort);
        }
        Ok(def)
    }

    fn udp_type(&mut self) -> PResult<UdpTypeAst> {
        let base = match *self.peek() {
            Tok::Kw(Kw::Boolean) => UdpBaseType::Boolean,
            Tok::Kw(Kw::String) => UdpBaseType::String,
            Tok::Kw(Kw::Number | Kw::Bit) => UdpBaseType::Number,
            Tok::Kw(Kw::Longint) => {
                if self.tok(1).tok == Tok::Kw(Kw::Unsigned) {
                    self.bump();
                }
                UdpBaseType::Number
            }
            Tok::Kw(Kw::AccessType) => UdpBaseType::AccessType,
            Tok::Kw(Kw::AddressingType) => UdpBaseType::AddressingType,
            Tok::Kw(Kw::OnReadType) => UdpBaseType::OnReadType,
            Tok::Kw(Kw::OnWriteType) => UdpBaseType::OnWriteType,
            Tok::Kw(Kw::Ref) => UdpBaseType::Ref,
            Tok::Kw(kw) if Kind::from_kw(kw).is_some() => match Kind::from_kw(kw) {
                Some(k) => UdpBaseType::Component(k),
                None => return Err(self.unexpected("a property type")),
            },
            Tok::Ident(ref name) => UdpBaseType::Named(Ident {
                name: name.clone(),
                span: self.span(),
            }),
            _ => return Err(self.unexpected("a property type")),
        };
        self.bump();
        let array = if self.at_punct(Punct::LBracket) {
            self.bump();
            self.expect_punct(Punct::RBracket, "of the array type `[]`")?;
            true
        } else {
            false
        };
        Ok(UdpTypeAst { base, array })
    }

    /// One alternative of `component = a | b`: `all` stands for every kind, and
    /// `constraint` is reported and dropped.
    fn udp_component(&mut self) -> PResult<Vec<(Kind, Span)>> {
        let span = self.span();
        match *self.peek() {
            Tok::Kw(Kw::All) => {
                self.bump();
                Ok([
                    Kind::Addrmap,
                    Kind::Regfile,
                    Kind::Reg,
                    Kind::Field,
                    Kind::Mem,
                    Kind::Signal,
                ]
                .into_iter()
                .map(|k| (k, span))
                .collect())
            }
            Tok::Kw(Kw::Constraint) => {
                self.bump();
                self.rep
                    .error(
                        codes::UNSUPPORTED,
                        span,
                        "properties of constraints are not supported",
                    )
                    .hint(codes::UNSUPPORTED_HINT);
                Ok(Vec::new())
            }
            Tok::Kw(kw) => match Kind::from_kw(kw) {
                Some(k) => {
                    self.bump();
                    Ok(vec![(k, span)])
                }
                None => Err(self.unexpected("a component kind")),
            },
            _ => Err(self.unexpected("a component kind")),
        }
    }

    /// `constraint [name] { element; ... } [insts]` (SystemRDL 2.0 12): parsed
    /// and checked for syntax, then kept aside, as systemrdl-compiler does (RDL-EXPR-06).
    fn constraint_def(&mut self) -> PResult<ConstraintDef> {
        let kw = self.bump().span;
        let name = match self.peek() {
            Tok::Ident(_) => Some(self.ident("a name for the constraint")?),
            _ => None,
        };
        let open = self.expect_punct(Punct::LBrace, "to open the constraint")?;
        let mut elements = 0usize;
        while !self.at_punct(Punct::RBrace) && *self.peek() != Tok::Eof {
            self.constraint_elem()?;
            self.expect_punct(Punct::Semi, "after the constraint element")?;
            elements += 1;
        }
        if !self.eat_punct(Punct::RBrace) {
            self.rep
                .error(
                    codes::SYNTAX,
                    self.span(),
                    "expected `}` to close the constraint",
                )
                .also(open, "opened here");
            return Err(Abort);
        }
        let mut insts = Vec::new();
        while let Tok::Ident(_) = self.peek() {
            insts.push(self.ident("a constraint instance name")?);
            if !self.eat_punct(Punct::Comma) {
                break;
            }
        }
        if name.is_none() && insts.is_empty() {
            self.rep
                .error(
                    codes::SYNTAX,
                    kw,
                    "anonymous constraint is never instantiated",
                )
                .hint("name the constraint, or add an instance name before the `;`");
        }
        Ok(ConstraintDef {
            name,
            elements,
            insts,
        })
    }

    /// `prop = expr`, `lhs inside { v, [lo:hi] }`, `lhs inside Enum`, or an expression.
    fn constraint_elem(&mut self) -> PResult<()> {
        if matches!(self.peek(), Tok::Ident(_)) && self.at_punct_ahead(1, Punct::Assign) {
            self.bump();
            self.bump();
            self.expr()?;
            return Ok(());
        }
        if self.at_kw(Kw::This) {
            self.bump();
        } else {
            self.expr()?;
        }
        if !self.at_kw(Kw::Inside) {
            return Ok(());
        }
        self.bump();
        if let Tok::Ident(_) = self.peek() {
            self.ident("an enum name")?;
            return Ok(());
        }
        self.expect_punct(Punct::LBrace, "after `inside`")?;
        loop {
            if self.eat_punct(Punct::LBracket) {
                self.expr()?;
                self.expect_punct(Punct::Colon, "in the range `[lo:hi]`")?;
                self.expr()?;
                self.expect_punct(Punct::RBracket, "to close the range")?;
            } else {
                self.expr()?;
            }
            if !self.eat_punct(Punct::Comma) {
                break;
            }
        }
        self.expect_punct(Punct::RBrace, "to close the `inside` values")?;
        Ok(())
    }

    /// `[abstract] struct name [: base] { type member [[]]; ... }`.
    fn struct_def(&mut self) -> PResult<StructDef> {
        let is_abstract = self.at_kw(Kw::Abstract);
        if is_abstract {
            self.bump();
            if !self.at_kw(Kw::Struct) {
                return Err(self.unexpected("`struct` after `abstract`"));
            }
        }
        self.bump();
        let name = self.ident("a name for the struct")?;
        let base = if self.eat_punct(Punct::Colon) {
            Some(self.ident("the base struct's name")?)
        } else {
            None
        };
        let open = self.expect_punct(Punct::LBrace, "to open the struct")?;
        let mut members = Vec::new();
        while !self.at_punct(Punct::RBrace) && *self.peek() != Tok::Eof {
            let ty_span = self.span();
            let mut ty = self.udp_type()?;
            let member = self.ident("a member name")?;
            if self.eat_punct(Punct::LBracket) {
                self.expect_punct(Punct::RBracket, "of the array type `[]`")?;
                ty.array = true;
            }
            self.expect_punct(Punct::Semi, "after the struct member")?;
            members.push((ty, ty_span, member));
        }
        if !self.eat_punct(Punct::RBrace) {
            self.rep
                .error(
                    codes::SYNTAX,
                    self.span(),
                    "expected `}` to close the struct",
                )
                .also(open, "opened here");
            return Err(Abort);
        }
        Ok(StructDef {
            name,
            base,
            is_abstract,
            members,
        })
    }

    fn enum_def(&mut self) -> PResult<EnumDef> {
        self.bump();
        let name = self.ident("a name for the enum")?;
        let open = self.expect_punct(Punct::LBrace, "to open the enum")?;
        let mut entries = Vec::new();
        while !self.at_punct(Punct::RBrace) && *self.peek() != Tok::Eof {
            let entry_name = self.ident("a name for the enum entry")?;
            let value = if self.eat_punct(Punct::Assign) {
                Some(self.expr()?)
            } else {
                None
            };
            let mut props = Vec::new();
            if self.eat_punct(Punct::LBrace) {
                while !self.at_punct(Punct::RBrace) && *self.peek() != Tok::Eof {
                    let prop = self.ident("`name` or `desc`")?;
                    self.expect_punct(Punct::Assign, "after the property name")?;
                    props.push((prop, self.expr()?));
                    self.expect_punct(Punct::Semi, "after the property")?;
                }
                self.expect_punct(Punct::RBrace, "to close the entry's properties")?;
            }
            self.expect_punct(Punct::Semi, "after the enum entry")?;
            entries.push(EnumEntryDef {
                name: entry_name,
                value,
                props,
            });
        }
        if !self.eat_punct(Punct::RBrace) {
            self.rep
                .error(codes::SYNTAX, self.span(), "expected `}` to close the enum")
                .also(open, "opened here");
            return Err(Abort);
        }
        Ok(EnumDef { name, entries })
    }

    // ---- expressions ---------------------------------------------------------

    fn enter(&mut self) -> PResult<()> {
        self.expr_depth += 1;
        if self.expr_depth > MAX_EXPR_DEPTH {
            self.rep
                .error(
                    codes::LIMIT,
                    self.span(),
                    format!("expression nested deeper than {MAX_EXPR_DEPTH} levels"),
                )
                .hint("simplify the expression");
            self.expr_depth -= 1;
            return Err(Abort);
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.expr_depth -= 1;
    }

    fn expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let e = self.ternary();
        self.leave();
        e
    }

    fn ternary(&mut self) -> PResult<Expr> {
        let cond = self.binary(1)?;
        if !self.eat_punct(Punct::Question) {
            return Ok(cond);
        }
        let then = self.expr()?;
        self.expect_punct(Punct::Colon, "in the conditional expression")?;
        let otherwise = self.expr()?;
        let span = cond.span.to(otherwise.span);
        Ok(Expr {
            kind: ExprKind::Ternary(Box::new(cond), Box::new(then), Box::new(otherwise)),
            span,
        })
    }

    fn binary(&mut self, min_prec: u8) -> PResult<Expr> {
        let mut lhs = self.unary()?;
        while let Some((op, prec)) = self.peek_binop() {
            if prec < min_prec {
                break;
            }
            self.bump();
            let rhs = self.binary(prec + 1)?;
            let span = lhs.span.to(rhs.span);
            lhs = Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span,
            };
        }
        Ok(lhs)
    }

    fn peek_binop(&self) -> Option<(BinOp, u8)> {
        let Tok::Punct(p) = self.peek() else {
            return None;
        };
        Some(match p {
            Punct::PipePipe => (BinOp::LogOr, 1),
            Punct::AmpAmp => (BinOp::LogAnd, 2),
            Punct::Pipe => (BinOp::BitOr, 3),
            Punct::Caret => (BinOp::BitXor, 4),
            Punct::TildeCaret => (BinOp::BitXnor, 4),
            Punct::Amp => (BinOp::BitAnd, 5),
            Punct::Eq => (BinOp::Eq, 6),
            Punct::Ne => (BinOp::Ne, 6),
            Punct::Lt => (BinOp::Lt, 7),
            Punct::Le => (BinOp::Le, 7),
            Punct::Gt => (BinOp::Gt, 7),
            Punct::Ge => (BinOp::Ge, 7),
            Punct::Shl => (BinOp::Shl, 8),
            Punct::Shr => (BinOp::Shr, 8),
            Punct::Plus => (BinOp::Add, 9),
            Punct::Minus => (BinOp::Sub, 9),
            Punct::Star => (BinOp::Mul, 10),
            Punct::Slash => (BinOp::Div, 10),
            Punct::Percent => (BinOp::Rem, 10),
            Punct::StarStar => (BinOp::Pow, 11),
            _ => return None,
        })
    }

    fn unary(&mut self) -> PResult<Expr> {
        let op = match self.peek() {
            Tok::Punct(Punct::Plus) => UnOp::Plus,
            Tok::Punct(Punct::Minus) => UnOp::Neg,
            Tok::Punct(Punct::Bang) => UnOp::Not,
            Tok::Punct(Punct::Tilde) => UnOp::BitNot,
            Tok::Punct(Punct::Amp) => UnOp::RedAnd,
            Tok::Punct(Punct::TildeAmp) => UnOp::RedNand,
            Tok::Punct(Punct::Pipe) => UnOp::RedOr,
            Tok::Punct(Punct::TildePipe) => UnOp::RedNor,
            Tok::Punct(Punct::Caret) => UnOp::RedXor,
            Tok::Punct(Punct::TildeCaret) => UnOp::RedXnor,
            _ => return self.primary(),
        };
        let start = self.bump().span;
        self.enter()?;
        let operand = self.unary();
        self.leave();
        let operand = operand?;
        let span = start.to(operand.span);
        Ok(Expr {
            kind: ExprKind::Unary(op, Box::new(operand)),
            span,
        })
    }

    fn primary(&mut self) -> PResult<Expr> {
        let span = self.span();
        let kind = match *self.peek() {
            Tok::Number { value, width } => {
                self.bump();
                let number = Expr {
                    kind: ExprKind::Number { value, width },
                    span,
                };
                if self.at_punct(Punct::Apostrophe) {
                    return self.width_cast(number);
                }
                number.kind
            }
            Tok::Str(ref s) => {
                self.bump();
                ExprKind::Str(s.clone())
            }
            Tok::Kw(Kw::True) => {
                self.bump();
                ExprKind::Bool(true)
            }
            Tok::Kw(Kw::False) => {
                self.bump();
                ExprKind::Bool(false)
            }
            Tok::Kw(kw) if is_literal_keyword(kw) => {
                self.bump();
                ExprKind::Keyword(kw)
            }
            Tok::Kw(kw @ (Kw::Boolean | Kw::Bit | Kw::Longint))
                if self.at_punct_ahead(1, Punct::Apostrophe) =>
            {
                self.bump();
                self.bump();
                let ty = match kw {
                    Kw::Boolean => CastType::Boolean,
                    Kw::Bit => CastType::Bit,
                    _ => CastType::Longint,
                };
                let value = self.cast_operand()?;
                return Ok(Expr {
                    kind: ExprKind::TypeCast(ty, Box::new(value)),
                    span: span.to(self.prev_span()),
                });
            }
            Tok::Punct(Punct::LParen) => {
                self.bump();
                let inner = self.expr()?;
                self.expect_punct(Punct::RParen, "to close the parenthesis")?;
                let inner = Expr {
                    kind: inner.kind,
                    span: span.to(self.prev_span()),
                };
                if self.at_punct(Punct::Apostrophe) {
                    return self.width_cast(inner);
                }
                return Ok(inner);
            }
            Tok::Punct(Punct::Apostrophe) => {
                self.bump();
                self.expect_punct(Punct::LBrace, "after `'` to start an array literal")?;
                self.enter()?;
                let items = self.array_items();
                self.leave();
                ExprKind::Array(items?)
            }
            Tok::Punct(Punct::LBrace) => {
                self.bump();
                self.enter()?;
                let e = self.concat_rest(span);
                self.leave();
                return e;
            }
            Tok::Ident(_) => return self.ident_expr(),
            _ => return Err(self.unexpected("an expression")),
        };
        Ok(Expr {
            kind,
            span: span.to(self.prev_span()),
        })
    }

    /// After `{`: `a, b}` (concatenation) or `n{a, b}}` (replication),
    /// SystemRDL 2.0 6.3.3.
    fn concat_rest(&mut self, start: Span) -> PResult<Expr> {
        let first = self.expr()?;
        if self.eat_punct(Punct::LBrace) {
            let mut items = vec![self.expr()?];
            while self.eat_punct(Punct::Comma) {
                items.push(self.expr()?);
            }
            self.expect_punct(Punct::RBrace, "to close the replicated items")?;
            self.expect_punct(Punct::RBrace, "to close the replication")?;
            return Ok(Expr {
                kind: ExprKind::Replicate(Box::new(first), items),
                span: start.to(self.prev_span()),
            });
        }
        let mut items = vec![first];
        while self.eat_punct(Punct::Comma) {
            items.push(self.expr()?);
        }
        self.expect_punct(Punct::RBrace, "or `,` in the concatenation")?;
        Ok(Expr {
            kind: ExprKind::Concat(items),
            span: start.to(self.prev_span()),
        })
    }

    /// `'(value)` after a width: `8'(x)`, `(W)'(x)` (SystemRDL 2.0 6.3.1.2).
    fn width_cast(&mut self, width: Expr) -> PResult<Expr> {
        self.bump();
        let value = self.cast_operand()?;
        let span = width.span.to(self.prev_span());
        Ok(Expr {
            kind: ExprKind::WidthCast(Box::new(width), Box::new(value)),
            span,
        })
    }

    /// `(expr)` after a cast's `'`.
    fn cast_operand(&mut self) -> PResult<Expr> {
        self.expect_punct(Punct::LParen, "after `'` in the cast")?;
        let value = self.expr()?;
        self.expect_punct(Punct::RParen, "to close the cast")?;
        Ok(value)
    }

    /// `a: 1, b: "x"}` of a struct literal.
    fn struct_members(&mut self) -> PResult<Vec<(Ident, Expr)>> {
        let mut members = Vec::new();
        if !self.eat_punct(Punct::RBrace) {
            loop {
                let name = self.ident("a member name")?;
                self.expect_punct(Punct::Colon, "after the member name")?;
                members.push((name, self.expr()?));
                if self.eat_punct(Punct::RBrace) {
                    break;
                }
                self.expect_punct(Punct::Comma, "or `}` in the struct literal")?;
            }
        }
        Ok(members)
    }

    fn array_items(&mut self) -> PResult<Vec<Expr>> {
        let mut items = Vec::new();
        if !self.eat_punct(Punct::RBrace) {
            loop {
                items.push(self.expr()?);
                if self.eat_punct(Punct::RBrace) {
                    break;
                }
                self.expect_punct(Punct::Comma, "or `}` in the array literal")?;
            }
        }
        Ok(items)
    }

    /// `E::x`, `a.b[1]`, `a->prop`, `S'{...}`.
    fn ident_expr(&mut self) -> PResult<Expr> {
        let start = self.span();
        if self.at_punct_ahead(1, Punct::ColonColon) {
            let ty = self.ident("an enum name")?;
            self.bump();
            let entry = self.ident("an enum entry")?;
            return Ok(Expr {
                span: start.to(entry.span),
                kind: ExprKind::EnumLit { ty, entry },
            });
        }
        if self.at_punct_ahead(1, Punct::Apostrophe) {
            let ty = self.ident("a struct name")?;
            self.bump();
            self.expect_punct(Punct::LBrace, "after `'` to start the struct literal")?;
            self.enter()?;
            let members = self.struct_members();
            self.leave();
            return Ok(Expr {
                kind: ExprKind::StructLit {
                    ty,
                    members: members?,
                },
                span: start.to(self.prev_span()),
            });
        }
        let path = self.ref_path()?;
        if self.eat_punct(Punct::Arrow) {
            let prop = self.prop_name()?;
            return Ok(Expr {
                span: start.to(prop.span),
                kind: ExprKind::PropRef { target: path, prop },
            });
        }
        Ok(Expr {
            span: start.to(self.prev_span()),
            kind: ExprKind::Ref(path),
        })
    }
}

/// Keywords that may stand on the left of a property assignment.
fn is_prop_keyword(kw: Kw) -> bool {
    matches!(
        kw,
        Kw::Sw | Kw::Hw | Kw::Rclr | Kw::Rset | Kw::Woclr | Kw::Woset | Kw::Encode
    )
}

/// Keywords that are values: access, onread, onwrite, addressing and precedence
/// types.
fn is_literal_keyword(kw: Kw) -> bool {
    matches!(
        kw,
        Kw::Na
            | Kw::Rw
            | Kw::Wr
            | Kw::R
            | Kw::W
            | Kw::Rw1
            | Kw::W1
            | Kw::Rclr
            | Kw::Rset
            | Kw::Ruser
            | Kw::Woset
            | Kw::Woclr
            | Kw::Wot
            | Kw::Wzs
            | Kw::Wzc
            | Kw::Wzt
            | Kw::Wclr
            | Kw::Wset
            | Kw::Wuser
            | Kw::Compact
            | Kw::Regalign
            | Kw::Fullalign
            | Kw::Hw
            | Kw::Sw
    )
}
