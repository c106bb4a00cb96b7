//! Phase 1: definitions, scopes, property assignments.

use crate::frontend::FxMap;

use super::eval::{as_number, eval, EvalEnv, Value};
use super::{
    assign, CompDef, DefId, Defs, Dpa, DpaStep, EnumEntryInfo, EnumInfo, FieldBits, InstDecl,
    PropKey, PropVal, Props, TypeEntry, Udp, UdpTy,
};
use crate::access::InterruptType;
use crate::frontend::ast::*;
use crate::frontend::diagnostics::{codes, Reporter};
use crate::frontend::lexer::Kw;
use crate::frontend::properties::{
    builtin_named, known_names, Builtin, PropType, TwinType, TwinUdp,
};
use crate::frontend::source::Span;
use crate::frontend::suggest::did_you_mean;

/// Walks the file and collects every definition. The top is `top` when given,
/// else the last `addrmap` defined at the root (systemrdl-compiler's default).
pub(super) fn collect(
    items: &[Item],
    top: Option<&str>,
    overrides: &[(String, String)],
    rep: &mut Reporter,
) -> Defs {
    let mut c = Collector {
        rep,
        out: Defs {
            defs: Vec::new(),
            enums: Vec::new(),
            structs: Vec::new(),
            udps: Vec::new(),
            top: None,
            twins: Default::default(),
            root_signals: None,
        },
        scopes: vec![Scope::default()],
        udp_names: FxMap::default(),
        root_addrmaps: Vec::new(),
        templates: FxMap::default(),
        specialised: Vec::new(),
        root_insts: Vec::new(),
        specialisation_limit_hit: false,
        root_names: FxMap::default(),
    };
    for item in items {
        c.item(item);
    }
    c.out.top = match top {
        Some(name) => c.named_top(name),
        None => c.root_addrmaps.last().copied(),
    };
    let found = c.out.top.is_some();
    if let (Some(t), false) = (c.out.top, overrides.is_empty()) {
        c.out.top = c.override_top(t, overrides);
    }
    c.out.index_twins();
    if !found && top.is_none() {
        let end = c.rep.file().text.len() as u32;
        c.rep
            .error(
                codes::NO_TOP,
                Span::new(end, end),
                "no `addrmap` definition at the top level",
            )
            .hint("define the register map as `addrmap name { ... };`");
    }
    c.out
}

#[derive(Default)]
struct Scope {
    types: FxMap<String, (TypeEntry, Span)>,
    /// `default` assignments of this scope, in order.
    defaults: Vec<(PropKey, PropVal)>,
    body: Option<Body>,
    /// Parameters of the component whose body this is, by name.
    params: FxMap<String, Value>,
}

/// Most distinct parameterisations one file may elaborate: each is a copy of a
/// definition, and nested parameterised definitions multiply.
pub(crate) const MAX_SPECIALISATIONS: usize = 10_000;

/// A parameterised definition, kept so that it can be elaborated again for each
/// set of parameter values an instance gives (SystemRDL 2.0 5.1.1.2).
#[derive(Clone)]
struct Template<'a> {
    cd: &'a ComponentDef,
    /// How many scopes were open where it was defined, and how many `default`s
    /// each held then: a new elaboration sees the same defaults as the first.
    depth: usize,
    defaults_len: Vec<usize>,
    /// The parameter values of the first elaboration (`None` for a parameter
    /// without a default, which every instance must then give).
    values: Vec<Option<Value>>,
}

/// The component body being defined.
struct Body {
    def: DefId,
    kind: Kind,
    /// Instances declared so far, by name.
    names: FxMap<String, usize>,
    /// The body's own (non-default) assignments, in order.
    locals: Vec<(PropKey, PropVal)>,
    /// Dynamic assignments per target path, for duplicate checks.
    dyn_assigned: FxMap<String, Vec<(PropKey, Span)>>,
}

struct Collector<'r, 'a> {
    rep: &'r mut Reporter,
    out: Defs,
    scopes: Vec<Scope>,
    udp_names: FxMap<String, usize>,
    root_addrmaps: Vec<DefId>,
    /// Parameterised definitions, by the id of their first elaboration.
    templates: FxMap<DefId, Template<'a>>,
    /// Elaborations for given parameter values: (template, values, definition).
    specialised: Vec<(DefId, Vec<Value>, DefId)>,
    /// Instances in the root scope (SystemRDL 2.0 5.1.3): checked and open to
    /// dynamic assignments there, but not part of the elaborated top.
    root_insts: Vec<InstDecl>,
    /// [`MAX_SPECIALISATIONS`] was reached and reported.
    specialisation_limit_hit: bool,
    /// Names of the root-scope signal instances ([`Defs::root_signals`]).
    root_names: FxMap<String, usize>,
}

fn lookup(scopes: &[Scope], name: &str) -> Option<TypeEntry> {
    scopes
        .iter()
        .rev()
        .find_map(|s| s.types.get(name).map(|(t, _)| *t))
}

/// What a body of `parent` may instantiate.
fn may_instantiate(parent: Kind, child: Kind) -> bool {
    matches!(
        (parent, child),
        (
            Kind::Addrmap,
            Kind::Addrmap | Kind::Regfile | Kind::Reg | Kind::Mem | Kind::Signal
        ) | (Kind::Regfile, Kind::Regfile | Kind::Reg | Kind::Signal)
            | (Kind::Reg, Kind::Field | Kind::Signal)
            | (Kind::Field, Kind::Signal)
            // SystemRDL 2.0 11.1: a mem holds virtual registers only.
            | (Kind::Mem, Kind::Reg)
    )
}

/// What a body of `parent` may define (`None`: the root).
fn may_define(parent: Option<Kind>, child: Kind) -> bool {
    match parent {
        None | Some(Kind::Addrmap) => true,
        Some(Kind::Regfile) => matches!(
            child,
            Kind::Regfile | Kind::Reg | Kind::Field | Kind::Signal
        ),
        Some(Kind::Reg) => matches!(child, Kind::Field | Kind::Signal),
        Some(Kind::Field) => child == Kind::Signal,
        // SystemRDL 2.0 11.1: definitions in a mem are limited to field and reg.
        Some(Kind::Mem) => matches!(child, Kind::Reg | Kind::Field),
        Some(_) => false,
    }
}

/// systemrdl-compiler's `desc` clean-up: trim, and remove the indentation common to
/// every line after the first.
pub(crate) fn dedent(s: &str) -> String {
    let s = s.trim();
    let mut lines = s.lines();
    let Some(first) = lines.next() else {
        return String::new();
    };
    let rest: Vec<&str> = lines.collect();
    if rest.is_empty() {
        return first.to_owned();
    }
    let indent = rest
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = first.to_owned();
    for line in rest {
        out.push('\n');
        if line.trim().is_empty() {
            continue;
        }
        // Common indentation is made of whitespace bytes only, so the cut is on a
        // char boundary.
        out.push_str(line.get(indent..).unwrap_or(line.trim_start()));
    }
    out
}

impl<'a> Collector<'_, 'a> {
    fn body(&self) -> Option<&Body> {
        self.scopes.last().and_then(|s| s.body.as_ref())
    }

    fn body_mut(&mut self) -> Option<&mut Body> {
        self.scopes.last_mut().and_then(|s| s.body.as_mut())
    }

    fn eval(&mut self, e: &Expr) -> Option<Value> {
        let scopes = &self.scopes;
        let types = |n: &str| lookup(scopes, n);
        // A reference's first name is an instance of the body that holds it or, as
        // systemrdl-compiler resolves it, of an enclosing body (a signal of the
        // addrmap named in a register's body).
        let first = match &e.kind {
            ExprKind::Ref(p) | ExprKind::PropRef { target: p, .. } => {
                p.first().map(|x| x.name.name.as_str())
            }
            _ => None,
        };
        let innermost = scopes.last().and_then(|s| s.body.as_ref());
        let body = first
            .and_then(|n| {
                scopes
                    .iter()
                    .rev()
                    .filter_map(|s| s.body.as_ref())
                    .find(|b| b.names.contains_key(n))
            })
            .map(|b| (b.def, &b.names))
            .or_else(|| {
                // A signal of the root scope.
                let root = self.out.root_signals?;
                first
                    .filter(|n| self.root_names.contains_key(*n))
                    .map(|_| (root, &self.root_names))
            })
            .or(innermost.map(|b| (b.def, &b.names)));
        let params = |n: &str| scopes.iter().rev().find_map(|s| s.params.get(n).cloned());
        let env = EvalEnv {
            enums: &self.out.enums,
            structs: &self.out.structs,
            types: &types,
            body,
            params: &params,
        };
        eval(e, &env, self.rep)
    }

    fn eval_int(&mut self, e: &Expr) -> Option<u64> {
        // An enum entry stands for its value here too (SystemRDL 2.0 6.3.4).
        let v = match self.eval(e)? {
            Value::Enum { ty, entry } => Value::int(self.out.enums[ty].entries[entry].value),
            v => v,
        };
        as_number(v, e.span, self.rep)
    }

    fn item(&mut self, item: &'a Item) {
        match item {
            Item::Component(cd) => self.component(cd),
            Item::Enum(ed) => self.enum_def(ed),
            Item::Struct(sd) => self.struct_def(sd),
            // Constraints do not shape the map; systemrdl-compiler 1.33 does not
            // apply them either (RDL-EXPR-06).
            Item::Constraint(_) => {}
            Item::Property(ud) => self.udp_def(ud),
            Item::Inst(ei) => self.explicit_inst(ei),
            Item::Assign(pa) => self.local_assign(pa),
            Item::DynAssign(da) => self.dyn_assign(da),
        }
    }

    // ---- types ---------------------------------------------------------------

    fn register_type(&mut self, name: &Ident, entry: TypeEntry) {
        let Some(scope) = self.scopes.last_mut() else {
            return;
        };
        if let Some((_, first)) = scope.types.get(&name.name) {
            let first = *first;
            self.rep
                .error(
                    codes::DUPLICATE,
                    name.span,
                    format!("type `{}` is already defined in this scope", name.name),
                )
                .also(first, "first defined here")
                .hint("rename one of the definitions, or instantiate the first one instead of defining it again");
            return;
        }
        scope.types.insert(name.name.clone(), (entry, name.span));
    }

    fn component(&mut self, cd: &'a ComponentDef) {
        let Some(def) = self.define(cd, None) else {
            return;
        };
        if !cd.insts.is_empty() {
            self.instances(def, &cd.insts, cd.inst_type, &cd.inst_params);
        }
    }

    /// Defines a component; `None` (reported) if it cannot be defined here.
    /// `values` are the parameter values of a new elaboration of a parameterised
    /// definition (then it is not registered as a type again).
    fn define(&mut self, cd: &'a ComponentDef, values: Option<Vec<Value>>) -> Option<DefId> {
        let again = values.is_some();
        let parent = self.body().map(|b| b.kind);
        if !may_define(parent, cd.kind) {
            self.rep.error(
                codes::NESTING,
                cd.kind_span,
                format!(
                    "a {} cannot be defined inside a {}",
                    cd.kind.as_str(),
                    parent.map_or("root", Kind::as_str)
                ),
            );
            return None;
        }
        if !again
            && parent.is_none()
            && cd.kind == Kind::Addrmap
            && cd.name.is_none()
            && cd.insts.is_empty()
        {
            self.rep
                .error(
                    codes::SYNTAX,
                    cd.kind_span,
                    "an addrmap at the top level must have a type name",
                )
                .hint("write `addrmap my_map { ... };`");
        }
        let def = self.out.defs.len();
        self.out.defs.push(CompDef {
            kind: cd.kind,
            name: cd.name.as_ref().map(|n| n.name.clone()),
            span: cd.name.as_ref().map_or(cd.kind_span, |n| n.span),
            props: Props::new(),
            insts: Vec::new(),
            dpas: Vec::new(),
        });
        let depth = self.scopes.len();
        let defaults_len = self.scopes.iter().map(|s| s.defaults.len()).collect();
        self.scopes.push(Scope {
            body: Some(Body {
                def,
                kind: cd.kind,
                names: FxMap::default(),
                locals: Vec::new(),
                dyn_assigned: FxMap::default(),
            }),
            ..Scope::default()
        });
        let (param_values, complete) = match values {
            Some(v) => (v.into_iter().map(Some).collect(), true),
            None => self.param_defaults(cd),
        };
        if let Some(scope) = self.scopes.last_mut() {
            for (p, v) in cd.params.iter().zip(&param_values) {
                if let Some(v) = v {
                    scope.params.insert(p.name.name.clone(), v.clone());
                }
            }
        }
        if !again && !cd.params.is_empty() {
            self.templates.insert(
                def,
                Template {
                    cd,
                    depth,
                    defaults_len,
                    values: param_values,
                },
            );
        }
        // A definition with a parameter that has no default has no meaning of its
        // own: only its instances, which give the value, are elaborated.
        if complete {
            for item in &cd.body {
                self.item(item);
            }
        }
        let scope = self.scopes.pop().unwrap_or_default();
        let mut props = Props::new();
        for outer in &self.scopes {
            for (key, val) in &outer.defaults {
                if self.bindable(*key, cd.kind) {
                    assign(&mut props, *key, val.clone());
                }
            }
        }
        for (key, val) in scope.body.map(|b| b.locals).unwrap_or_default() {
            assign(&mut props, key, val);
        }
        self.out.defs[def].props = props;
        if again {
            return Some(def);
        }
        if let Some(name) = &cd.name {
            self.register_type(name, TypeEntry::Comp(def));
        }
        // An anonymous root addrmap is a root instance, not a candidate top.
        if parent.is_none() && cd.kind == Kind::Addrmap && cd.name.is_some() {
            self.root_addrmaps.push(def);
        }
        Some(def)
    }

    /// The parameters' default values, evaluated in order in the new body's scope
    /// (a default may use the parameters before it), and whether every parameter
    /// has one.
    fn param_defaults(&mut self, cd: &ComponentDef) -> (Vec<Option<Value>>, bool) {
        let mut out = Vec::with_capacity(cd.params.len());
        let mut complete = true;
        for (i, p) in cd.params.iter().enumerate() {
            if let Some(first) = cd.params[..i].iter().find(|q| q.name.name == p.name.name) {
                self.rep
                    .error(
                        codes::DUPLICATE,
                        p.name.span,
                        format!("parameter `{}` is declared twice", p.name.name),
                    )
                    .also(first.name.span, "first declared here");
            }
            let v = p.default.as_ref().and_then(|e| {
                let v = self.eval(e)?;
                self.coerce_param(p, v, e.span)
            });
            complete &= v.is_some();
            if let (Some(v), Some(scope)) = (&v, self.scopes.last_mut()) {
                scope.params.insert(p.name.name.clone(), v.clone());
            }
            out.push(v);
        }
        (out, complete)
    }

    /// A value given to parameter `p`, converted to its type.
    fn coerce_param(&mut self, p: &ParamDef, v: Value, span: Span) -> Option<Value> {
        // Parameter values are constants: no instance references, also not inside
        // arrays or structs (as systemrdl-compiler checks).
        fn has_ref(v: &Value) -> bool {
            match v {
                Value::Ref(_) => true,
                Value::Array(items) => items.iter().any(has_ref),
                Value::Struct { members, .. } => members.iter().any(|(_, m)| has_ref(m)),
                _ => false,
            }
        }
        if has_ref(&v) {
            self.rep
                .error(
                    codes::PARAMETER,
                    span,
                    format!(
                        "the value of parameter `{}` contains a reference",
                        p.name.name
                    ),
                )
                .hint("parameter values are constants; assign the reference as a property instead");
            return None;
        }
        let ty = self.udp_type(&p.ty, p.ty_span)?;
        let v = match (v, &ty) {
            (Value::Enum { ty: e, entry }, UdpTy::Number | UdpTy::Boolean) => {
                Value::int(self.out.enums[e].entries[entry].value)
            }
            (v, _) => v,
        };
        let described = v.describe();
        let out = coerce_udp(&ty, v);
        if out.is_none() {
            let expected = self.describe_udp_ty(&ty);
            self.rep
                .error(
                    codes::PARAMETER,
                    span,
                    format!(
                        "parameter `{}` expects {expected}, found {described}",
                        p.name.name
                    ),
                )
                .also(p.ty_span, "declared here")
                .hint(format!(
                    "give `{}` a value of its declared type",
                    p.name.name
                ));
        }
        out
    }

    /// The definition to instantiate for `def` with parameter values `assigns`
    /// (SystemRDL 2.0 5.1.1.2): `def` itself when the values are its defaults, else
    /// a new elaboration of its template, shared by every instance with the same
    /// values.
    fn specialise(&mut self, def: DefId, assigns: &[ParamAssign], at: Span) -> Option<DefId> {
        let type_name = self.out.defs[def].name.clone().unwrap_or_default();
        let Some(t) = self.templates.get(&def).cloned() else {
            if let Some(a) = assigns.first() {
                self.rep
                    .error(
                        codes::PARAMETER,
                        a.name.span,
                        format!("`{type_name}` has no parameters"),
                    )
                    .hint("remove the `#(...)`, or declare the parameter: `#(longint NAME = 0)`");
            }
            return None;
        };
        // The values are evaluated where the instance is written.
        let mut given: Vec<Option<(Value, Span)>> = vec![None; t.cd.params.len()];
        let mut ok = true;
        for a in assigns {
            let Some(i) = t.cd.params.iter().position(|p| p.name.name == a.name.name) else {
                let d = self.rep.error(
                    codes::PARAMETER,
                    a.name.span,
                    format!("`{type_name}` has no parameter `{}`", a.name.name),
                );
                let names = t.cd.params.iter().map(|p| p.name.name.as_str());
                let all: Vec<&str> = t.cd.params.iter().map(|p| p.name.name.as_str()).collect();
                match did_you_mean(&a.name.name, names) {
                    Some(h) => d.hint(h),
                    None => d.hint(format!("its parameters are: {}", all.join(", "))),
                };
                ok = false;
                continue;
            };
            if given[i].is_some() {
                self.rep.error(
                    codes::DUPLICATE,
                    a.name.span,
                    format!("parameter `{}` is given twice", a.name.name),
                );
                ok = false;
                continue;
            }
            match self.eval(&a.value) {
                Some(v) => given[i] = Some((v, a.value.span)),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let values = self.in_definition_scopes(&t, |c| c.param_values(&t, &given, at))?;
        if t.values
            .iter()
            .zip(&values)
            .all(|(d, v)| d.as_ref() == Some(v))
        {
            return Some(def);
        }
        if let Some((_, _, d)) = self
            .specialised
            .iter()
            .find(|(tpl, vals, _)| *tpl == def && *vals == values)
        {
            return Some(*d);
        }
        if self.specialised.len() >= MAX_SPECIALISATIONS {
            // Reported once: every later instance would hit the same limit.
            if self.specialisation_limit_hit {
                return None;
            }
            self.specialisation_limit_hit = true;
            self.rep
                .error(
                    codes::LIMIT,
                    at,
                    format!("more than {MAX_SPECIALISATIONS} distinct parameter values elaborated"),
                )
                .hint("fewer distinct parameter values, or less nesting of parameterised types");
            return None;
        }
        let name = specialised_name(&type_name, t.cd, &t.values, &values);
        let new = self.in_definition_scopes(&t, |c| c.define(t.cd, Some(values.clone())))?;
        self.out.defs[new].name = Some(name);
        self.specialised.push((def, values, new));
        Some(new)
    }

    /// Every parameter's value: given, or its default evaluated with the values
    /// before it (as for the first elaboration).
    fn param_values(
        &mut self,
        t: &Template<'a>,
        given: &[Option<(Value, Span)>],
        at: Span,
    ) -> Option<Vec<Value>> {
        self.scopes.push(Scope::default());
        let mut out = Vec::with_capacity(given.len());
        let mut ok = true;
        for (p, g) in t.cd.params.iter().zip(given) {
            let v = match g {
                Some((v, span)) => self.coerce_param(p, v.clone(), *span),
                None => match &p.default {
                    Some(e) => self.eval(e).and_then(|v| self.coerce_param(p, v, e.span)),
                    None => {
                        self.rep
                            .error(
                                codes::PARAMETER,
                                at,
                                format!(
                                    "parameter `{}` has no default and is not given a value",
                                    p.name.name
                                ),
                            )
                            .also(p.name.span, "declared here")
                            .hint(format!("give it one: `#(.{}(value))`", p.name.name));
                        None
                    }
                },
            };
            match v {
                Some(v) => {
                    if let Some(scope) = self.scopes.last_mut() {
                        scope.params.insert(p.name.name.clone(), v.clone());
                    }
                    out.push(v);
                }
                None => ok = false,
            }
        }
        self.scopes.pop();
        ok.then_some(out)
    }

    /// Runs `f` with the scopes as they were where `t` was defined: the scopes
    /// opened since, and the `default`s assigned since, are set aside.
    fn in_definition_scopes<T>(
        &mut self,
        t: &Template<'a>,
        f: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<T> {
        let depth = t.depth.min(self.scopes.len());
        let inner = self.scopes.split_off(depth);
        let later: Vec<Vec<(PropKey, PropVal)>> = self
            .scopes
            .iter_mut()
            .zip(&t.defaults_len)
            .map(|(s, &n)| s.defaults.split_off(n.min(s.defaults.len())))
            .collect();
        let out = f(self);
        for (s, mut d) in self.scopes.iter_mut().zip(later) {
            s.defaults.append(&mut d);
        }
        self.scopes.extend(inner);
        out
    }

    /// `-P NAME=VALUE` / `parameters = [...]`: the top elaborated with these values.
    fn override_top(&mut self, top: DefId, overrides: &[(String, String)]) -> Option<DefId> {
        let mut assigns = Vec::with_capacity(overrides.len());
        for (name, text) in overrides {
            let value = self.override_value(name, text)?;
            assigns.push((name.clone(), value));
        }
        let type_name = self.out.defs[top].name.clone().unwrap_or_default();
        let Some(t) = self.templates.get(&top).cloned() else {
            let names: Vec<String> = assigns.iter().map(|(n, _)| format!("`{n}`")).collect();
            self.rep
                .error_nowhere(
                    codes::PARAMETER,
                    format!(
                        "the top `{type_name}` has no parameter {} to override",
                        names.join(", ")
                    ),
                )
                .hint("the top declares no parameters (`addrmap name #(longint N = 1) { ... }`)");
            return None;
        };
        let mut given: Vec<Option<(Value, Span)>> = vec![None; t.cd.params.len()];
        let at = self.out.defs[top].span;
        for (name, value) in assigns {
            let Some(i) = t.cd.params.iter().position(|p| p.name.name == name) else {
                let names = t.cd.params.iter().map(|p| p.name.name.as_str());
                let hint = did_you_mean(&name, names).unwrap_or_else(|| {
                    let all: Vec<&str> = t.cd.params.iter().map(|p| p.name.name.as_str()).collect();
                    format!("its parameters are: {}", all.join(", "))
                });
                self.rep
                    .error_nowhere(
                        codes::PARAMETER,
                        format!("the top `{type_name}` has no parameter `{name}` to override"),
                    )
                    .hint(hint);
                return None;
            };
            given[i] = Some((value, at));
        }
        let values = self.in_definition_scopes(&t, |c| c.param_values(&t, &given, at))?;
        if t.values
            .iter()
            .zip(&values)
            .all(|(d, v)| d.as_ref() == Some(v))
        {
            return Some(top);
        }
        self.in_definition_scopes(&t, |c| c.define(t.cd, Some(values)))
    }

    /// The value of one `-P NAME=VALUE`, written as a SystemRDL expression.
    fn override_value(&mut self, name: &str, text: &str) -> Option<Value> {
        use crate::frontend::source::SourceFile;
        let src = format!("{name} = {text};");
        let mut sub = Reporter::new(std::sync::Arc::new(SourceFile::from_string(
            &format!("<parameter {name}>"),
            src.clone(),
        )));
        let toks = crate::frontend::lexer::lex(&src, &mut sub);
        let items = crate::frontend::parser::parse(&toks, &mut sub);
        let expr = match items.as_slice() {
            [Item::Assign(PropAssign {
                value: Some(e),
                default: false,
                ..
            })] => Some(e),
            _ => None,
        };
        let value = expr.and_then(|e| {
            let root = &self.scopes[..1];
            let types = |n: &str| lookup(root, n);
            let no_params = |_: &str| None;
            let env = EvalEnv {
                enums: &self.out.enums,
                structs: &self.out.structs,
                types: &types,
                body: None,
                params: &no_params,
            };
            eval(e, &env, &mut sub)
        });
        let diags = sub.finish();
        match value {
            Some(v) if !diags.has_errors() => Some(v),
            _ => {
                let why: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
                self.rep
                    .error_nowhere(
                        codes::PARAMETER,
                        format!("invalid value `{text}` for parameter `{name}`: {}", why.join("; ")),
                    )
                    .hint("write the value as a SystemRDL expression: `-P N=4`, `-P S=\"text\"`, `-P B=true`");
                None
            }
        }
    }

    /// The root `addrmap` definition `name` (`--top`), or an error at the end.
    fn named_top(&mut self, name: &str) -> Option<DefId> {
        match self.scopes[0].types.get(name).map(|(e, _)| *e) {
            Some(TypeEntry::Comp(def)) if self.out.defs[def].kind == Kind::Addrmap => Some(def),
            Some(_) => {
                self.rep
                    .error_nowhere(
                        codes::NO_TOP,
                        format!("the top `{name}` is not an `addrmap` definition"),
                    )
                    .hint("--top names an addrmap type defined at the top level");
                None
            }
            None => {
                let names: Vec<&str> = self
                    .root_addrmaps
                    .iter()
                    .filter_map(|&d| self.out.defs[d].name.as_deref())
                    .collect();
                let hint = did_you_mean(name, names.iter().copied()).unwrap_or_else(|| {
                    if names.is_empty() {
                        "no addrmap is defined at the top level".to_owned()
                    } else {
                        format!("the top-level addrmaps are: {}", names.join(", "))
                    }
                });
                self.rep
                    .error_nowhere(
                        codes::NO_TOP,
                        format!("no `addrmap` named `{name}` at the top level"),
                    )
                    .hint(hint);
                None
            }
        }
    }

    fn explicit_inst(&mut self, ei: &'a ExplicitInst) {
        match lookup(&self.scopes, &ei.type_name.name) {
            Some(TypeEntry::Comp(def)) => {
                let before = self.body().map(|b| self.out.defs[b.def].insts.len());
                self.instances(def, &ei.insts, ei.inst_type, &ei.params);
                if let (Some(primary), Some(before)) = (&ei.alias, before) {
                    self.alias(def, primary, before);
                }
            }
            Some(TypeEntry::Enum(_) | TypeEntry::Struct(_)) => {
                self.rep
                    .error(
                        codes::UNKNOWN_TYPE,
                        ei.type_name.span,
                        format!(
                            "`{}` is a value type, not a component type",
                            ei.type_name.name
                        ),
                    )
                    .hint(
                        "only component types (addrmap, regfile, reg, field, ...) are instantiated",
                    );
            }
            None => {
                let candidates: Vec<String> = self
                    .scopes
                    .iter()
                    .flat_map(|s| s.types.keys().cloned())
                    .collect();
                let d = self.rep.error(
                    codes::UNKNOWN_TYPE,
                    ei.type_name.span,
                    format!("no component type named `{}`", ei.type_name.name),
                );
                match did_you_mean(&ei.type_name.name, candidates.iter().map(String::as_str)) {
                    Some(s) => d.hint(s),
                    None => d.hint("a type must be defined before it is instantiated, in this scope or an enclosing one"),
                };
            }
        }
    }

    /// Marks the instances from index `from` of the current body as aliases of the
    /// register instance `primary` of the same body (SystemRDL 2.0 10.5).
    fn alias(&mut self, def: DefId, primary: &Ident, from: usize) {
        let Some(owner) = self.body().map(|b| b.def) else {
            return;
        };
        if self.out.defs[def].kind != Kind::Reg {
            self.rep
                .error(
                    codes::ALIAS,
                    primary.span,
                    format!(
                        "only registers can be aliases, not a {}",
                        self.out.defs[def].kind.as_str()
                    ),
                )
                .hint("SystemRDL 2.0 10.5: `alias primary_reg reg_type name;`");
            return;
        }
        let found = self.out.defs[owner].insts[..from]
            .iter()
            .position(|d| d.name == primary.name);
        let Some(index) =
            found.filter(|&j| self.out.defs[self.out.defs[owner].insts[j].def].kind == Kind::Reg)
        else {
            let names: Vec<&str> = self.out.defs[owner].insts[..from]
                .iter()
                .filter(|d| self.out.defs[d.def].kind == Kind::Reg)
                .map(|d| d.name.as_str())
                .collect();
            let d = self.rep.error(
                codes::ALIAS,
                primary.span,
                format!(
                    "no register named `{}` to alias in this scope",
                    primary.name
                ),
            );
            match did_you_mean(&primary.name, names.iter().copied()) {
                Some(h) => d.hint(h),
                None => d.hint("the primary is a register instance declared before the alias, in the same component"),
            };
            return;
        };
        for decl in &mut self.out.defs[owner].insts[from..] {
            decl.alias_of = Some((index, primary.span));
        }
    }

    fn instances(
        &mut self,
        def: DefId,
        insts: &[Inst],
        inst_type: Option<InstType>,
        params: &[ParamAssign],
    ) {
        let at = insts
            .first()
            .map_or(self.out.defs[def].span, |i| i.name.span);
        let incomplete = self
            .templates
            .get(&def)
            .is_some_and(|t| t.values.iter().any(Option::is_none));
        let def = if params.is_empty() && !incomplete {
            def
        } else {
            match self.specialise(def, params, at) {
                Some(d) => d,
                None => return,
            }
        };
        let kind = self.out.defs[def].kind;
        if let (Some(t), Kind::Field | Kind::Signal) = (inst_type, kind) {
            // SystemRDL 2.0 10.1: only registers and groups of them can be external.
            self.rep
                .error(
                    codes::NESTING,
                    t.span,
                    format!(
                        "`{}` is not valid on a {} instance",
                        if t.external { "external" } else { "internal" },
                        kind.as_str()
                    ),
                )
                .hint("only reg, regfile, addrmap and mem instances are internal or external");
        }
        if kind == Kind::Mem && !inst_type.is_some_and(|t| t.external) {
            // SystemRDL 2.0 11.1-c: a memory is always external, and says so.
            if let Some(first) = insts.first() {
                self.rep
                    .error(
                        codes::NESTING,
                        inst_type.map_or(first.name.span, |t| t.span),
                        "a mem must be instantiated `external`",
                    )
                    .hint(format!("write `external {} ...;`", first.name.name));
            }
        }
        let external = inst_type.is_some_and(|t| t.external);
        if self.body().is_none() && kind == Kind::Signal {
            self.root_signal_instances(def, insts);
            return;
        }
        let Some(parent) = self.body().map(|b| b.kind) else {
            // The root scope may instantiate any component (SystemRDL 2.0 5.1.3).
            for inst in insts {
                if let Some(mut decl) = self.instance(def, kind, inst) {
                    decl.external = external;
                    self.root_insts.push(decl);
                }
            }
            return;
        };
        if !may_instantiate(parent, kind) {
            if let Some(first) = insts.first() {
                self.rep.error(
                    codes::NESTING,
                    first.name.span,
                    format!(
                        "a {} cannot be instantiated inside a {}",
                        kind.as_str(),
                        parent.as_str()
                    ),
                );
            }
            return;
        }
        for inst in insts {
            if let Some(mut decl) = self.instance(def, kind, inst) {
                decl.external = external;
                decl.internal = inst_type.is_some_and(|t| !t.external);
                let Some(body) = self.body_mut() else {
                    return;
                };
                let owner = body.def;
                let index = self.out.defs[owner].insts.len();
                if let Some(body) = self.body_mut() {
                    body.names.insert(decl.name.clone(), index);
                }
                self.out.defs[owner].insts.push(decl);
            }
        }
    }

    /// Signals instantiated in the root scope (SystemRDL 2.0 8.1): instances of
    /// [`Defs::root_signals`], declared through a body of their own so that they get
    /// the checks of any other instance.
    fn root_signal_instances(&mut self, def: DefId, insts: &[Inst]) {
        let root = match self.out.root_signals {
            Some(r) => r,
            None => {
                let r = self.out.defs.len();
                self.out.defs.push(CompDef {
                    kind: Kind::Addrmap,
                    name: None,
                    span: insts.first().map_or(Span::new(0, 0), |i| i.name.span),
                    props: Props::new(),
                    insts: Vec::new(),
                    dpas: Vec::new(),
                });
                self.out.root_signals = Some(r);
                r
            }
        };
        self.scopes.push(Scope {
            body: Some(Body {
                def: root,
                kind: Kind::Addrmap,
                names: std::mem::take(&mut self.root_names),
                locals: Vec::new(),
                dyn_assigned: FxMap::default(),
            }),
            ..Scope::default()
        });
        self.instances(def, insts, None, &[]);
        if let Some(body) = self.scopes.pop().and_then(|s| s.body) {
            self.root_names = body.names;
        }
    }

    fn instance(&mut self, def: DefId, kind: Kind, inst: &Inst) -> Option<InstDecl> {
        let first = match self.body() {
            Some(b) => b
                .names
                .get(&inst.name.name)
                .map(|&i| self.out.defs[b.def].insts[i].name_span),
            None => self
                .root_insts
                .iter()
                .find(|d| d.name == inst.name.name)
                .map(|d| d.name_span),
        };
        if let Some(first_span) = first {
            self.rep
                .error(
                    codes::DUPLICATE,
                    inst.name.span,
                    format!(
                        "an instance named `{}` already exists in this scope",
                        inst.name.name
                    ),
                )
                .also(first_span, "first declared here")
                .hint("instance names are unique within their component: rename one of them");
            return None;
        }
        // A signal's `[n]` or `[msb:lsb]` is its width, as a field's (SystemRDL 2.0 8.2).
        let is_field = matches!(kind, Kind::Field | Kind::Signal);
        let mut ok = true;
        let mut dims = Vec::new();
        let mut bits = FieldBits::Implied;
        match &inst.suffix {
            InstSuffix::None => {}
            InstSuffix::Dims(exprs) if is_field => {
                if exprs.len() > 1 {
                    self.rep
                        .error(
                            codes::ARRAY,
                            inst.name.span,
                            format!("a {} cannot be an array", kind.as_str()),
                        )
                        .hint("`field f[4]` gives a field 4 bits wide; use `f[msb:lsb]` for explicit bits");
                    ok = false;
                }
                match exprs.first().map(|e| self.eval_int(e)) {
                    Some(Some(w)) => bits = FieldBits::Width(w),
                    Some(None) => ok = false,
                    None => {}
                }
            }
            InstSuffix::Dims(exprs) => {
                for e in exprs {
                    match self.eval_int(e) {
                        Some(0) => {
                            self.rep.error(
                                codes::ARRAY,
                                e.span,
                                "array dimension must be at least 1",
                            );
                            ok = false;
                        }
                        Some(n) => dims.push(n),
                        None => ok = false,
                    }
                }
            }
            InstSuffix::Range(m, l) if is_field => match (self.eval_int(m), self.eval_int(l)) {
                (Some(msb), Some(lsb)) => bits = FieldBits::Range { msb, lsb },
                _ => ok = false,
            },
            InstSuffix::Range(m, _) => {
                self.rep
                    .error(
                        codes::SYNTAX,
                        m.span,
                        format!("a {} instance cannot take a bit range", kind.as_str()),
                    )
                    .hint("only fields take `[msb:lsb]`; an array is `name[count]`");
                ok = false;
            }
        }
        let reset = match &inst.reset {
            None => None,
            Some(e) if kind == Kind::Field => {
                let key = PropKey::Builtin(crate::frontend::properties::Builtin::Reset);
                let v = self.eval(e).and_then(|v| self.coerce(key, v, e.span));
                ok &= v.is_some();
                v.map(|value| PropVal {
                    value,
                    span: e.span,
                    vspan: e.span,
                })
            }
            Some(e) => {
                self.rep
                    .error(
                        codes::SYNTAX,
                        e.span,
                        format!("a {} instance cannot take `= value`", kind.as_str()),
                    )
                    .hint("only a field instance takes a reset value this way");
                ok = false;
                None
            }
        };
        let mut addr =
            |this: &mut Self, e: &Option<Expr>, what: &str, nonzero: bool| -> Option<(u64, Span)> {
                let e = e.as_ref()?;
                if is_field {
                    this.rep.error(
                        codes::SYNTAX,
                        e.span,
                        format!("a {} instance cannot take {what}", kind.as_str()),
                    );
                    ok = false;
                    return None;
                }
                let v = this.eval_int(e);
                if v == Some(0) && nonzero {
                    this.rep.error(
                        codes::ALIGNMENT,
                        e.span,
                        format!("{what} must be greater than zero"),
                    );
                    ok = false;
                    return None;
                }
                ok &= v.is_some();
                v.map(|v| (v, e.span))
            };
        let at = addr(self, &inst.at, "an address `@`", false);
        let stride = addr(self, &inst.stride, "a stride `+=`", true);
        let align = addr(self, &inst.align, "an alignment `%=`", true);
        if let (Some((_, span)), true) = (stride, dims.is_empty()) {
            self.rep
                .error(codes::ARRAY, span, "a stride `+=` needs an array instance")
                .hint("add the array size: `name[count] += stride`");
            ok = false;
        }
        ok.then(|| InstDecl {
            name: inst.name.name.clone(),
            name_span: inst.name.span,
            def,
            dims,
            bits,
            reset,
            at,
            stride,
            align,
            external: false,
            alias_of: None,
            internal: false,
        })
    }

    // ---- properties ----------------------------------------------------------

    /// The property a name denotes, or `None` after reporting it unknown.
    fn prop_key(&mut self, prop: &Ident) -> Option<PropKey> {
        if let Some(rule) = builtin_named(&prop.name) {
            return Some(PropKey::Builtin(rule.prop));
        }
        if let Some(&i) = self.udp_names.get(&prop.name) {
            return Some(PropKey::Udp(i));
        }
        let mut names: Vec<&str> = self.udp_names.keys().map(String::as_str).collect();
        for n in known_names() {
            names.push(n);
        }
        let d = self.rep.error(
            codes::UNKNOWN_PROPERTY,
            prop.span,
            format!("unknown property `{}`", prop.name),
        );
        match did_you_mean(&prop.name, names) {
            Some(s) => d.hint(s),
            None => {
                d.hint("a user-defined property must be declared with `property` before it is used")
            }
        };
        None
    }

    fn kinds_of(&self, key: PropKey) -> Vec<Kind> {
        match key {
            PropKey::Builtin(b) => b.rule().kinds.to_vec(),
            PropKey::Udp(i) => self
                .out
                .udps
                .get(i)
                .map(|u| u.kinds.clone())
                .unwrap_or_default(),
        }
    }

    fn bindable(&self, key: PropKey, kind: Kind) -> bool {
        self.kinds_of(key).contains(&kind)
    }

    fn check_bindable(&mut self, key: PropKey, kind: Kind, span: Span) -> bool {
        if self.bindable(key, kind) {
            return true;
        }
        let kinds: Vec<&str> = self.kinds_of(key).iter().map(|k| k.as_str()).collect();
        let name = self.out.udp_name(key).to_owned();
        self.rep
            .error(
                codes::PROPERTY_KIND,
                span,
                format!("property `{name}` cannot be set on a {}", kind.as_str()),
            )
            .hint(format!("`{name}` applies to: {}", kinds.join(", ")));
        false
    }

    /// The value of `prop = value` (or of `prop;`), type-checked.
    fn prop_value(&mut self, key: PropKey, name: &Ident, value: Option<&Expr>) -> Option<PropVal> {
        let Some(e) = value else {
            let implied = match key {
                PropKey::Builtin(b) => matches!(
                    b.rule().ty,
                    PropType::Bool
                        | PropType::BoolOrRef
                        | PropType::BoolOrInt
                        | PropType::IntBoolOrRef
                )
                .then_some(Value::Bool(true)),
                PropKey::Udp(i) => self.out.udps.get(i).and_then(|u| {
                    u.default
                        .clone()
                        .or_else(|| (u.ty == UdpTy::Boolean).then_some(Value::Bool(true)))
                }),
            };
            // A user-defined property with neither a value nor a default is bound
            // without a value (SystemRDL 2.0 15.2.2): nothing to record.
            let udp_unset = matches!(key, PropKey::Udp(_));
            if implied.is_none() && !udp_unset {
                self.rep
                    .error(
                        codes::PROPERTY_TYPE,
                        name.span,
                        format!("property `{}` needs a value", name.name),
                    )
                    .hint(format!("write `{} = <value>;`", name.name));
            }
            return implied.map(|value| PropVal {
                value,
                span: name.span,
                vspan: name.span,
            });
        };
        let v = self.eval(e)?;
        let value = self.coerce(key, v, e.span)?;
        Some(PropVal {
            value,
            span: name.span,
            vspan: e.span,
        })
    }

    /// Converts a value to what the property takes, as systemrdl-compiler's
    /// assignment casts do (numbers and booleans convert into each other).
    fn coerce(&mut self, key: PropKey, v: Value, span: Span) -> Option<Value> {
        // An enum entry is castable to a number or a boolean (SystemRDL 6.3.4).
        let numeric = match key {
            PropKey::Builtin(b) => matches!(
                b.rule().ty,
                PropType::Int
                    | PropType::IntOrRef
                    | PropType::Bool
                    | PropType::BoolOrRef
                    | PropType::BoolOrInt
            ),
            PropKey::Udp(i) => matches!(
                self.out.udps.get(i).map(|u| &u.ty),
                Some(UdpTy::Number | UdpTy::Boolean)
            ),
        };
        let v = match v {
            Value::Enum { ty, entry } if numeric => {
                Value::int(self.out.enums[ty].entries[entry].value)
            }
            v => v,
        };
        let out = match key {
            PropKey::Builtin(b) => coerce_builtin(b.rule().ty, v.clone()),
            PropKey::Udp(i) => {
                let ty = self.out.udps.get(i)?.ty.clone();
                coerce_udp(&ty, v.clone())
            }
        };
        if out.is_none() {
            let expected = match key {
                PropKey::Builtin(b) => b.rule().ty.describe().to_owned(),
                PropKey::Udp(i) => self
                    .out
                    .udps
                    .get(i)
                    .map_or(String::new(), |u| self.describe_udp_ty(&u.ty)),
            };
            let name = self.out.udp_name(key).to_owned();
            let d = self.rep.error(
                codes::PROPERTY_TYPE,
                span,
                format!(
                    "property `{name}` expects {expected}, found {}",
                    v.describe()
                ),
            );
            match (&v, key) {
                (Value::Str(s), _) => {
                    d.hint(format!("keyword values are written without quotes: `{s}`"));
                }
                (Value::Ref(_), PropKey::Udp(i))
                    if matches!(self.out.udps.get(i).map(|u| &u.ty), Some(UdpTy::Array(_))) =>
                {
                    d.hint("wrap the reference in an array literal: `'{ ... }`");
                }
                _ if example_of(&expected).is_some() => {
                    if let Some(example) = example_of(&expected) {
                        d.hint(format!("for example `{name} = {example};`"));
                    }
                }
                (Value::Int { .. }, PropKey::Udp(i)) => {
                    if let Some(UdpTy::Enum(e)) = self.out.udps.get(i).map(|u| &u.ty) {
                        let info = &self.out.enums[*e];
                        if let Some(first) = info.entries.first() {
                            d.hint(format!(
                                "write an entry of the enum, e.g. `{}::{}`",
                                info.name, first.name
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn describe_udp_ty(&self, ty: &UdpTy) -> String {
        match ty {
            UdpTy::Boolean => "a boolean".into(),
            UdpTy::String => "a string".into(),
            UdpTy::Number => "a number".into(),
            UdpTy::AccessType => "an access type".into(),
            UdpTy::OnReadType => "an onread type".into(),
            UdpTy::OnWriteType => "an onwrite type".into(),
            UdpTy::Ref(None) => "a reference".into(),
            UdpTy::Ref(Some(k)) => format!("a reference to a {}", k.as_str()),
            UdpTy::Enum(e) => format!("an entry of enum `{}`", self.out.enums[*e].name),
            UdpTy::Addressing => "an addressing type".into(),
            UdpTy::Struct(s) => format!("a `{}` struct", self.out.structs[*s].name),
            UdpTy::Array(t) => match &**t {
                UdpTy::Ref(None) => "an array of references (`'{a.b, c.d}`)".into(),
                inner => format!(
                    "an array (`'{{...}}`) whose elements are {}",
                    self.describe_udp_ty(inner)
                ),
            },
        }
    }

    fn local_assign(&mut self, pa: &PropAssign) {
        if self.body().is_none() && !pa.default {
            self.rep
                .error(
                    codes::SYNTAX,
                    pa.prop.span,
                    "only `default` property assignments are allowed at the top level",
                )
                .hint("move it into a component body, or make it `default`");
            return;
        }
        let Some(key) = self.prop_key(&pa.prop) else {
            return;
        };
        let Some(modifier) = self.intr_modifier(pa, key) else {
            return;
        };
        if pa.default {
            let Some(val) = self.prop_value(key, &pa.prop, pa.value.as_ref()) else {
                return;
            };
            let Some(scope) = self.scopes.last_mut() else {
                return;
            };
            scope.defaults.extend(modifier.clone());
            if let Some((_, first)) = scope.defaults.iter().find(|(k, _)| *k == key) {
                let first = first.span;
                self.rep
                    .error(
                        codes::DUPLICATE,
                        pa.prop.span,
                        format!(
                            "default for `{}` is already set in this scope",
                            pa.prop.name
                        ),
                    )
                    .also(first, "first set here");
                return;
            }
            scope.defaults.push((key, val));
            return;
        }
        let Some(kind) = self.body().map(|b| b.kind) else {
            return;
        };
        if !self.check_bindable(key, kind, pa.prop.span) {
            return;
        }
        let Some(val) = self.prop_value(key, &pa.prop, pa.value.as_ref()) else {
            return;
        };
        let Some(body) = self.body() else {
            return;
        };
        // An interrupt modifier assigns `intr` again (`intr; posedge intr;`), which
        // systemrdl-compiler allows.
        let repeated = body
            .locals
            .iter()
            .find(|(k, _)| *k == key && key != PropKey::Builtin(Builtin::Intr));
        if let Some((_, first)) = repeated {
            let first = first.span;
            self.rep
                .error(
                    codes::DUPLICATE,
                    pa.prop.span,
                    format!(
                        "property `{}` is already assigned in this scope",
                        pa.prop.name
                    ),
                )
                .also(first, "first assigned here");
            return;
        }
        let conflict = std::iter::once(key)
            .chain(modifier.iter().map(|(k, _)| *k))
            .find_map(|k| mutex_partner(&body.locals, k));
        if let Some((other, first)) = conflict {
            let other = self.out.udp_name(other).to_owned();
            self.rep
                .error(
                    codes::PROPERTY_CONFLICT,
                    pa.prop.span,
                    format!(
                        "properties `{}` and `{other}` cannot both be assigned in one component",
                        pa.prop.name
                    ),
                )
                .also(first, "assigned here")
                .hint("they set the same behaviour: keep one of the two assignments");
            return;
        }
        if let Some(body) = self.body_mut() {
            body.locals.push((key, val));
            body.locals.extend(modifier);
        }
    }

    /// The `intr type` assignment an interrupt modifier makes (`posedge intr;`,
    /// SystemRDL 2.0 9.9): `Some(None)` without a modifier, `None` after an error.
    fn intr_modifier(
        &mut self,
        pa: &PropAssign,
        key: PropKey,
    ) -> Option<Option<(PropKey, PropVal)>> {
        let Some((kw, span)) = pa.modifier else {
            return Some(None);
        };
        if key != PropKey::Builtin(Builtin::Intr) {
            self.rep
                .error(
                    codes::PROPERTY_TYPE,
                    span,
                    format!(
                        "the modifier `{}` applies only to `intr`, not to `{}`",
                        kw.as_str(),
                        pa.prop.name
                    ),
                )
                .hint(format!("write `{} intr;`", kw.as_str()));
            return None;
        }
        // As systemrdl-compiler: `nonsticky intr` is `intr; stickybit = false;`, the
        // others set the interrupt type.
        let (prop, value) = match kw {
            Kw::Nonsticky => (Builtin::Stickybit, Value::Bool(false)),
            Kw::Posedge => (Builtin::IntrType, Value::Intr(InterruptType::Posedge)),
            Kw::Negedge => (Builtin::IntrType, Value::Intr(InterruptType::Negedge)),
            Kw::Bothedge => (Builtin::IntrType, Value::Intr(InterruptType::Bothedge)),
            _ => (Builtin::IntrType, Value::Intr(InterruptType::Level)),
        };
        Some(Some((
            PropKey::Builtin(prop),
            PropVal {
                value,
                span,
                vspan: span,
            },
        )))
    }

    fn dyn_assign(&mut self, da: &DynAssign) {
        // In the root scope the targets are root instances (SystemRDL 2.0 5.1.3).
        let owner = self.body().map(|b| b.def);
        // Follow the path through the definitions. The owner's instances are exactly
        // those declared before this statement.
        let mut cur = owner.unwrap_or(0);
        let mut steps = Vec::with_capacity(da.target.len());
        for (i, elem) in da.target.iter().enumerate() {
            let insts = match (i, owner) {
                (0, None) => &self.root_insts,
                _ => &self.out.defs[cur].insts,
            };
            let Some(decl) = insts.iter().find(|d| d.name == elem.name.name) else {
                let names: Vec<&str> = insts.iter().map(|d| d.name.as_str()).collect();
                let hint = did_you_mean(&elem.name.name, names);
                let message = match i {
                    0 => format!("no instance named `{}` in this scope", elem.name.name),
                    _ => format!(
                        "`{}` has no instance named `{}`",
                        da.target[i - 1].name.name,
                        elem.name.name
                    ),
                };
                let d = self.rep.error(codes::UNKNOWN_REF, elem.name.span, message);
                match hint {
                    Some(h) => d.hint(h),
                    None if i == 0 => d.hint("a dynamic assignment must follow the instance it assigns to, in the same body"),
                    None => d,
                };
                return;
            };
            let (name, dims, child) = (decl.name.clone(), decl.dims.clone(), decl.def);
            let index = if elem.indices.is_empty() {
                None
            } else {
                let mut idx = Vec::with_capacity(elem.indices.len());
                for e in &elem.indices {
                    let Some(v) = self.eval_int(e) else {
                        return;
                    };
                    idx.push((v, e.span));
                }
                if !check_indices(self.rep, &name, &dims, &idx, elem.name.span) {
                    return;
                }
                Some(idx.into_iter().map(|(v, _)| v).collect())
            };
            steps.push(DpaStep { name, index });
            cur = child;
        }
        let target_kind = self.out.defs[cur].kind;
        let Some(key) = self.prop_key(&da.prop) else {
            return;
        };
        if let PropKey::Builtin(b) = key {
            if !b.rule().dynamic {
                self.rep
                    .error(
                        codes::PROPERTY_KIND,
                        da.prop.span,
                        format!("property `{}` cannot be assigned dynamically", da.prop.name),
                    )
                    .hint("set it in the component's definition");
                return;
            }
        }
        if !self.check_bindable(key, target_kind, da.prop.span) {
            return;
        }
        let Some(val) = self.prop_value(key, &da.prop, da.value.as_ref()) else {
            return;
        };
        let path = steps
            .iter()
            .map(|s| match &s.index {
                Some(ix) => format!(
                    "{}{}",
                    s.name,
                    ix.iter().map(|i| format!("[{i}]")).collect::<String>()
                ),
                None => s.name.clone(),
            })
            .collect::<Vec<_>>()
            .join(".");
        let Some(body) = self.body() else {
            return;
        };
        let earlier = body.dyn_assigned.get(&path).cloned().unwrap_or_default();
        if let Some((_, first)) = earlier.iter().find(|(k, _)| *k == key) {
            self.rep
                .error(
                    codes::DUPLICATE,
                    da.prop.span,
                    format!(
                        "property `{}` of `{path}` is already assigned in this scope",
                        da.prop.name
                    ),
                )
                .also(*first, "first assigned here");
            return;
        }
        let as_vals: Vec<(PropKey, PropVal)> = earlier
            .iter()
            .map(|(k, s)| {
                (
                    *k,
                    PropVal {
                        value: Value::Bool(true),
                        span: *s,
                        vspan: *s,
                    },
                )
            })
            .collect();
        if let Some((other, first)) = mutex_partner(&as_vals, key) {
            let other = self.out.udp_name(other).to_owned();
            self.rep
                .error(
                    codes::PROPERTY_CONFLICT,
                    da.prop.span,
                    format!("properties `{}` and `{other}` of `{path}` cannot both be assigned in one scope", da.prop.name),
                )
                .also(first, "assigned here")
                .hint("they set the same behaviour: keep one of the two assignments");
            return;
        }
        if let Some(body) = self.body_mut() {
            body.dyn_assigned
                .entry(path)
                .or_default()
                .push((key, da.prop.span));
        }
        if let Some(owner) = owner {
            self.out.defs[owner].dpas.push(Dpa { steps, key, val });
        }
    }

    // ---- enums and UDPs ------------------------------------------------------

    fn enum_def(&mut self, ed: &EnumDef) {
        let mut entries: Vec<EnumEntryInfo> = Vec::new();
        let mut spans: Vec<Span> = Vec::new();
        for entry in &ed.entries {
            let value = match &entry.value {
                Some(e) => self.eval_int(e),
                None => match entries.last() {
                    None => Some(0),
                    Some(prev) => prev.value.checked_add(1).or_else(|| {
                        self.rep.error(
                            codes::EXPR,
                            entry.name.span,
                            "enum value overflows 64 bits",
                        );
                        None
                    }),
                },
            };
            let Some(value) = value else {
                continue;
            };
            if let Some(i) = entries.iter().position(|x| x.name == entry.name.name) {
                self.rep
                    .error(
                        codes::DUPLICATE,
                        entry.name.span,
                        format!(
                            "enum `{}` already has an entry `{}`",
                            ed.name.name, entry.name.name
                        ),
                    )
                    .also(spans[i], "first defined here");
                continue;
            }
            if let Some(i) = entries.iter().position(|x| x.value == value) {
                self.rep
                    .error(
                        codes::DUPLICATE,
                        entry.name.span,
                        format!(
                            "enum value {value} is already used by `{}`",
                            entries[i].name
                        ),
                    )
                    .also(spans[i], "used here")
                    .hint("enum values must be unique");
                continue;
            }
            let mut display_name = None;
            let mut desc = None;
            for (prop, e) in &entry.props {
                let slot = match prop.name.as_str() {
                    "name" => &mut display_name,
                    "desc" => &mut desc,
                    _ => {
                        self.rep
                            .error(
                                codes::PROPERTY_KIND,
                                prop.span,
                                format!("an enum entry cannot have property `{}`", prop.name),
                            )
                            .hint("enum entries take only `name` and `desc`");
                        continue;
                    }
                };
                if slot.is_some() {
                    self.rep.error(
                        codes::DUPLICATE,
                        prop.span,
                        format!("property `{}` is already assigned in this scope", prop.name),
                    );
                    continue;
                }
                match self.eval(e) {
                    Some(Value::Str(s)) => {
                        *slot = Some(if prop.name == "desc" {
                            dedent(&s)
                        } else {
                            s.to_string()
                        });
                    }
                    Some(other) => {
                        self.rep
                            .error(
                                codes::PROPERTY_TYPE,
                                e.span,
                                format!(
                                    "property `{}` expects a string, found {}",
                                    prop.name,
                                    other.describe()
                                ),
                            )
                            .hint(format!(
                                "write the text in double quotes: `{} = \"...\";`",
                                prop.name
                            ));
                    }
                    None => {}
                }
            }
            entries.push(EnumEntryInfo {
                name: entry.name.name.clone(),
                value,
                display_name,
                desc,
            });
            spans.push(entry.name.span);
        }
        let idx = self.out.enums.len();
        self.out.enums.push(EnumInfo {
            name: ed.name.name.clone(),
            entries,
        });
        self.register_type(&ed.name, TypeEntry::Enum(idx));
    }

    /// `[abstract] struct name [: base] { ... }` (SystemRDL 2.0 6.3.2.2).
    fn struct_def(&mut self, sd: &StructDef) {
        let idx = self.out.structs.len();
        let (mut ancestry, mut members) = (vec![idx], Vec::new());
        if let Some(base) = &sd.base {
            match lookup(&self.scopes, &base.name) {
                Some(TypeEntry::Struct(b)) => {
                    let info = &self.out.structs[b];
                    ancestry.extend(info.ancestry.iter().copied());
                    members = info.members.clone();
                }
                _ => {
                    self.rep
                        .error(
                            codes::UNKNOWN_TYPE,
                            base.span,
                            format!("no struct type named `{}`", base.name),
                        )
                        .hint("the base struct must be defined before the struct that extends it");
                    return;
                }
            }
        }
        for (ty, span, name) in &sd.members {
            if members.iter().any(|(m, _)| *m == name.name) {
                self.rep
                    .error(
                        codes::DUPLICATE,
                        name.span,
                        format!("struct member `{}` is already declared", name.name),
                    )
                    .hint("member names are unique in a struct and its bases");
                return;
            }
            let Some(t) = self.udp_type(ty, *span) else {
                return;
            };
            members.push((name.name.clone(), t));
        }
        self.out.structs.push(super::StructInfo {
            name: sd.name.name.clone(),
            is_abstract: sd.is_abstract,
            ancestry: ancestry.into(),
            members,
        });
        self.register_type(&sd.name, TypeEntry::Struct(idx));
    }

    fn udp_def(&mut self, ud: &UdpDef) {
        let name = &ud.name;
        if self.body().is_some() {
            self.rep.error(
                codes::NESTING,
                name.span,
                "properties can only be declared at the top level",
            );
            return;
        }
        if builtin_named(&name.name).is_some() {
            self.rep.error(
                codes::UDP_DECL,
                name.span,
                format!(
                    "`{}` is a standard property and cannot be declared",
                    name.name
                ),
            );
            return;
        }
        if self.udp_names.contains_key(&name.name) {
            self.rep.error(
                codes::DUPLICATE,
                name.span,
                format!("property `{}` is already declared", name.name),
            );
            return;
        }
        let Some((ty_ast, ty_span)) = &ud.ty else {
            self.rep
                .error(
                    codes::UDP_DECL,
                    name.span,
                    format!("property `{}` has no `type`", name.name),
                )
                .hint("add `type = boolean;` (or number, string, ref, an enum, ...)");
            return;
        };
        let Some((kinds, _)) = &ud.components else {
            self.rep
                .error(
                    codes::UDP_DECL,
                    name.span,
                    format!("property `{}` has no `component`", name.name),
                )
                .hint("add `component = reg | field;` (the kinds it may be set on)");
            return;
        };
        if let Some(span) = ud.constraint {
            self.rep
                .error(
                    codes::UNSUPPORTED,
                    span,
                    "`constraint = componentwidth` is not supported",
                )
                .hint(codes::UNSUPPORTED_HINT);
        }
        let Some(ty) = self.udp_type(ty_ast, *ty_span) else {
            return;
        };
        let mut kind_list: Vec<Kind> = Vec::new();
        for (k, span) in kinds {
            if *k == Kind::Signal && !kinds.iter().any(|(o, _)| *o == Kind::Addrmap) {
                self.rep
                    .error(
                        codes::UNSUPPORTED,
                        *span,
                        format!("`{}` components are not supported", k.as_str()),
                    )
                    .hint(codes::UNSUPPORTED_HINT);
            }
            if !kind_list.contains(k) {
                kind_list.push(*k);
            }
        }
        let default = match &ud.default {
            None => None,
            Some(e) => match self.eval(e) {
                None => None,
                Some(v) => match coerce_udp(&ty, v) {
                    Some(v) => Some(v),
                    None => {
                        let expected = self.describe_udp_ty(&ty);
                        self.rep.error(
                            codes::UDP_DECL,
                            e.span,
                            format!("the default does not have the property's type ({expected})"),
                        );
                        None
                    }
                },
            },
        };
        let twin = TwinUdp::named(&name.name);
        let twin = match twin {
            Some(t) if self.matches_signature(t, &ty, &kind_list) => Some(t),
            Some(t) => {
                self.rep
                    .error(
                        codes::UDP_DECL,
                        name.span,
                        format!(
                            "twinreg's `{}` property is declared differently from the conventions",
                            t.name()
                        ),
                    )
                    .hint(format!("declare it as `{}`", t.declaration()));
                None
            }
            None => None,
        };
        self.udp_names
            .insert(name.name.clone(), self.out.udps.len());
        self.out.udps.push(Udp {
            name: name.name.clone(),
            ty,
            kinds: kind_list,
            default,
            twin,
        });
    }

    fn matches_signature(&self, t: TwinUdp, ty: &UdpTy, kinds: &[Kind]) -> bool {
        let (want_ty, want_kinds) = t.signature();
        let ty_ok = match (want_ty, ty) {
            (TwinType::Boolean, UdpTy::Boolean) | (TwinType::Ref, UdpTy::Ref(None)) => true,
            (TwinType::RefArray, UdpTy::Array(inner)) => **inner == UdpTy::Ref(None),
            (TwinType::SecurityEnum, UdpTy::Enum(e)) => {
                let mut names: Vec<&str> = self.out.enums[*e]
                    .entries
                    .iter()
                    .map(|x| x.name.as_str())
                    .collect();
                names.sort_unstable();
                names == ["nonsecure", "secure"]
            }
            _ => false,
        };
        let mut a = kinds.to_vec();
        let mut b = want_kinds.to_vec();
        a.sort();
        b.sort();
        // `present_when` was declared without `field` before fields could be
        // conditional; such a file still elaborates (a field assignment is then refused
        // as for any property on a kind it does not list).
        let exact = a == b;
        let legacy = t == TwinUdp::PresentWhen && {
            b.retain(|k| *k != Kind::Field);
            a == b
        };
        ty_ok && (exact || legacy)
    }

    fn udp_type(&mut self, t: &UdpTypeAst, _span: Span) -> Option<UdpTy> {
        let base = match &t.base {
            UdpBaseType::Boolean => UdpTy::Boolean,
            UdpBaseType::String => UdpTy::String,
            UdpBaseType::Number => UdpTy::Number,
            UdpBaseType::AccessType => UdpTy::AccessType,
            UdpBaseType::OnReadType => UdpTy::OnReadType,
            UdpBaseType::OnWriteType => UdpTy::OnWriteType,
            UdpBaseType::Ref => UdpTy::Ref(None),
            UdpBaseType::Component(k) => UdpTy::Ref(Some(*k)),
            UdpBaseType::AddressingType => UdpTy::Addressing,
            UdpBaseType::Named(id) => match lookup(&self.scopes, &id.name) {
                Some(TypeEntry::Enum(e)) => UdpTy::Enum(e),
                Some(TypeEntry::Struct(s)) => UdpTy::Struct(s),
                Some(TypeEntry::Comp(_)) => {
                    self.rep
                        .error(
                            codes::UDP_DECL,
                            id.span,
                            format!("`{}` is a component, not a value type", id.name),
                        )
                        .hint("for a reference to a component use `type = ref;` or `type = reg;`");
                    return None;
                }
                None => {
                    self.rep
                        .error(
                            codes::UNKNOWN_TYPE,
                            id.span,
                            format!("no type named `{}`", id.name),
                        )
                        .hint("an enum must be defined before the property that uses it");
                    return None;
                }
            },
        };
        Some(if t.array {
            UdpTy::Array(Box::new(base))
        } else {
            base
        })
    }
}

/// The type name of a new elaboration of a parameterised definition, as
/// systemrdl-compiler forms it: the name, then `_NAME_value` for each parameter
/// whose value differs from the first elaboration's (numbers in decimal, booleans
/// `t`/`f`, anything else a hash of the value: RDL-EXPR-01).
fn specialised_name(
    type_name: &str,
    cd: &ComponentDef,
    first: &[Option<Value>],
    values: &[Value],
) -> String {
    let mut name = type_name.to_owned();
    for ((p, d), v) in cd.params.iter().zip(first).zip(values) {
        if d.as_ref() == Some(v) {
            continue;
        }
        let text = match v {
            Value::Int { v, .. } => v.to_string(),
            Value::Bool(b) => if *b { "t" } else { "f" }.to_owned(),
            other => format!("{:08x}", fnv1a(format!("{other:?}").as_bytes()) as u32),
        };
        name.push_str(&format!("_{}_{text}", p.name.name));
    }
    name
}

/// FNV-1a, for short stable names of values.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Whether an index list selects an element of an array with `dims`; reports why
/// not.
pub(super) fn check_indices(
    rep: &mut Reporter,
    name: &str,
    dims: &[u64],
    idx: &[(u64, Span)],
    span: Span,
) -> bool {
    if dims.is_empty() {
        rep.error(codes::ARRAY, span, format!("`{name}` is not an array"))
            .hint(format!("refer to `{name}` without an index"));
        return false;
    }
    if idx.len() != dims.len() {
        rep.error(
            codes::ARRAY,
            span,
            format!(
                "`{name}` has {} array dimension(s), but {} index(es) are given",
                dims.len(),
                idx.len()
            ),
        )
        .hint(format!(
            "give one index per dimension: `{name}` is declared `{name}{}`",
            dims.iter().map(|d| format!("[{d}]")).collect::<String>()
        ));
        return false;
    }
    for ((i, s), d) in idx.iter().zip(dims) {
        if i >= d {
            rep.error(
                codes::ARRAY,
                *s,
                format!("index {i} is out of range for `{name}` (0..={})", d - 1),
            )
            .hint(format!(
                "indices count from 0: the last element of `{name}` is [{}]",
                d - 1
            ));
            return false;
        }
    }
    true
}

/// An earlier assignment of the same mutual-exclusion group as `key`.
fn mutex_partner(assigned: &[(PropKey, PropVal)], key: PropKey) -> Option<(PropKey, Span)> {
    let PropKey::Builtin(b) = key else {
        return None;
    };
    let group = b.rule().mutex?;
    assigned.iter().find_map(|(k, v)| match k {
        PropKey::Builtin(o) if *o != b && o.rule().mutex == Some(group) => Some((*k, v.span)),
        _ => None,
    })
}

fn coerce_builtin(ty: PropType, v: Value) -> Option<Value> {
    Some(match (ty, v) {
        (PropType::Str, v @ Value::Str(_)) => v,
        (PropType::Bool | PropType::BoolOrRef, Value::Int { v, .. }) => Value::Bool(v != 0),
        (PropType::Bool | PropType::BoolOrRef, v @ Value::Bool(_)) => v,
        (PropType::Int | PropType::IntOrRef, v @ Value::Int { .. }) => v,
        (PropType::Int | PropType::IntOrRef, Value::Bool(b)) => Value::Int { v: b as u64, w: 1 },
        (PropType::Access, v @ Value::Access(_)) => v,
        (PropType::OnRead, v @ Value::OnRead(_)) => v,
        (PropType::OnWrite, v @ Value::OnWrite(_)) => v,
        (PropType::Precedence, v @ Value::Precedence(_)) => v,
        (PropType::Addressing, v @ Value::Addressing(_)) => v,
        (PropType::EnumType, v @ Value::EnumType(_)) => v,
        (PropType::BoolOrInt, v @ (Value::Bool(_) | Value::Int { .. })) => v,
        (PropType::StrArray, Value::Array(items))
            if items.iter().all(|x| matches!(x, Value::Str(_))) =>
        {
            Value::Array(items)
        }
        (PropType::IntBoolOrRef, v @ (Value::Int { .. } | Value::Bool(_))) => v,
        (
            PropType::BoolOrRef
            | PropType::IntOrRef
            | PropType::IntBoolOrRef
            | PropType::Ref
            | PropType::SignalRef,
            v @ Value::Ref(_),
        ) => v,
        (PropType::IntrType, v @ Value::Intr(_)) => v,
        _ => return None,
    })
}

pub(super) fn coerce_udp(ty: &UdpTy, v: Value) -> Option<Value> {
    Some(match (ty, v) {
        (UdpTy::Boolean, Value::Int { v, .. }) => Value::Bool(v != 0),
        (UdpTy::Boolean, v @ Value::Bool(_)) => v,
        (UdpTy::Number, v @ Value::Int { .. }) => v,
        (UdpTy::Number, Value::Bool(b)) => Value::int(b as u64),
        (UdpTy::String, v @ Value::Str(_)) => v,
        (UdpTy::AccessType, v @ Value::Access(_)) => v,
        (UdpTy::OnReadType, v @ Value::OnRead(_)) => v,
        (UdpTy::OnWriteType, v @ Value::OnWrite(_)) => v,
        (UdpTy::Ref(_), v @ Value::Ref(_)) => v,
        (UdpTy::Enum(e), v @ Value::Enum { ty, .. }) if ty == *e => v,
        (UdpTy::Addressing, v @ Value::Addressing(_)) => v,
        (UdpTy::Struct(s), v @ Value::Struct { .. }) => match &v {
            Value::Struct { ancestry, .. } if ancestry.contains(s) => v,
            _ => return None,
        },
        (UdpTy::Array(inner), Value::Array(items)) => Value::Array(
            items
                .into_iter()
                .map(|x| coerce_udp(inner, x))
                .collect::<Option<Vec<_>>>()?,
        ),
        _ => return None,
    })
}

/// An example value of a property type, by its description (`Value::describe`,
/// `Rule::ty.describe`), for the hint of a type mismatch.
fn example_of(expected: &str) -> Option<&'static str> {
    let examples = [
        ("a number", "0x0"),
        ("a boolean", "true"),
        ("a string", "\"text\""),
        ("an access type", "rw"),
        ("an onread type", "rclr"),
        ("an onwrite type", "woclr"),
    ];
    examples
        .iter()
        .find(|(what, _)| expected.starts_with(what))
        .map(|&(_, example)| example)
}

#[cfg(test)]
mod tests {
    use super::dedent;

    #[test]
    fn dedent_keeps_the_first_line_and_removes_common_indentation() {
        assert_eq!(dedent("  one line  "), "one line");
        assert_eq!(
            dedent("First.\n      Second\n        third\n\n      fourth\n   "),
            "First.\nSecond\n  third\n\nfourth"
        );
    }
}
