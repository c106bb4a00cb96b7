//! Elaboration: from the syntax tree to the [`RegisterMap`].
//!
//! 1. [`defs`] walks the syntax tree with SystemRDL's lexical scoping: it registers
//!    types, enums and user-defined properties, evaluates and type-checks every
//!    property assignment, applies `default` assignments of the enclosing scopes to
//!    each definition, and records instances and dynamic assignments.
//! 2. [`tree`] instantiates the top `addrmap`: one node per instance (arrays
//!    unrolled), dynamic assignments applied innermost scope first, then fields
//!    packed and addresses allocated as systemrdl-compiler does.
//! 3. [`lower`] checks what only the whole tree can tell (overlaps, access rules,
//!    references) and produces the IR, including the twinreg UDP semantics of
//!    `docs/rdl-conventions.md`.
//!
//! Each phase reports what it finds and carries on with what is sound, so one run
//! reports as many independent errors as it can; an error in one definition does not
//! hide errors in the next.

mod defs;
pub(crate) mod eval;
mod lower;
mod tree;

use self::eval::Value;
use super::ast::{Item, Kind};
use super::diagnostics::Reporter;
use super::properties::{Builtin, TwinUdp};
use super::source::Span;
use crate::ir::RegisterMap;

/// Most instances one map may unroll to: far above any real register map, low
/// enough that `reg r[1 << 40];` is refused instead of exhausting memory.
pub(crate) const MAX_NODES: usize = 200_000;

/// Deepest instance hierarchy accepted.
pub(crate) const MAX_TREE_DEPTH: usize = 64;

/// Index of a component definition.
pub(crate) type DefId = usize;
/// Index of an enum definition.
pub(crate) type EnumIdx = usize;
/// Index of a user-defined property declaration.
pub(crate) type UdpIdx = usize;

/// A property: standard or user-defined.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum PropKey {
    Builtin(Builtin),
    Udp(UdpIdx),
}

/// A property value and where it was assigned.
#[derive(Clone, Debug)]
pub(crate) struct PropVal {
    pub value: Value,
    /// The property name in the assignment.
    pub span: Span,
    /// The value expression (the name again for `prop;`).
    pub vspan: Span,
}

impl PropKey {
    /// A number ordered as the keys are (every builtin, by declaration, before every
    /// UDP, by index): one integer comparison instead of the derived two-level one.
    fn code(self) -> u64 {
        match self {
            PropKey::Builtin(b) => b as u64,
            PropKey::Udp(i) => (1 << 32) | i as u64,
        }
    }
}

/// The properties of a definition or an instance: a map ordered by key, kept as a
/// sorted vector. A node has a dozen or two properties, every node starts as a copy
/// of its definition's, and lowering looks each one up many times; a `BTreeMap`
/// spent a quarter of lowering searching its nodes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Props {
    /// `(key.code(), key, value)`, sorted by code.
    entries: Vec<(u64, PropKey, PropVal)>,
}

impl Props {
    pub fn new() -> Props {
        Props::default()
    }

    fn find(&self, key: PropKey) -> Result<usize, usize> {
        let code = key.code();
        self.entries.binary_search_by_key(&code, |e| e.0)
    }

    pub fn get(&self, key: &PropKey) -> Option<&PropVal> {
        self.find(*key).ok().map(|i| &self.entries[i].2)
    }

    /// Sets `key`, returning the value it replaces.
    pub fn insert(&mut self, key: PropKey, val: PropVal) -> Option<PropVal> {
        match self.find(key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].2, val)),
            Err(i) => {
                self.entries.insert(i, (key.code(), key, val));
                None
            }
        }
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&PropKey, &mut PropVal) -> bool) {
        self.entries.retain_mut(|(_, k, v)| keep(k, v));
    }

    /// In key order.
    pub fn iter(&self) -> impl Iterator<Item = (&PropKey, &PropVal)> {
        self.entries.iter().map(|(_, k, v)| (k, v))
    }

    /// In key order.
    pub fn values(&self) -> impl Iterator<Item = &PropVal> {
        self.entries.iter().map(|(_, _, v)| v)
    }
}

/// What a type name stands for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum TypeEntry {
    Comp(DefId),
    Enum(EnumIdx),
    Struct(StructIdx),
}

/// Index of a struct type.
pub(crate) type StructIdx = usize;

/// A `struct` type (SystemRDL 2.0 6.3.2.2).
#[derive(Clone, Debug)]
pub(crate) struct StructInfo {
    pub name: String,
    pub is_abstract: bool,
    /// This type, then its base, its base's base, ...: a value of this type may
    /// be given wherever any of them is expected (6.3.2.2.2).
    pub ancestry: std::rc::Rc<[StructIdx]>,
    /// The base's members first, then its own, with their types.
    pub members: Vec<(String, UdpTy)>,
}

#[derive(Clone, Debug)]
pub(crate) struct EnumInfo {
    pub name: String,
    pub entries: Vec<EnumEntryInfo>,
}

#[derive(Clone, Debug)]
pub(crate) struct EnumEntryInfo {
    pub name: String,
    pub value: u64,
    pub display_name: Option<String>,
    pub desc: Option<String>,
}

/// The value type of a user-defined property.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum UdpTy {
    Boolean,
    String,
    Number,
    AccessType,
    OnReadType,
    OnWriteType,
    /// A reference, to a component of this kind if given.
    Ref(Option<Kind>),
    Enum(EnumIdx),
    Array(Box<UdpTy>),
    Addressing,
    Struct(StructIdx),
}

/// A `property` declaration.
#[derive(Clone, Debug)]
pub(crate) struct Udp {
    pub name: String,
    pub ty: UdpTy,
    pub kinds: Vec<Kind>,
    pub default: Option<Value>,
    /// Set when this is one of twinreg's UDPs, declared as the conventions say.
    pub twin: Option<TwinUdp>,
}

/// A component definition, named or anonymous.
#[derive(Clone, Debug)]
pub(crate) struct CompDef {
    pub kind: Kind,
    /// The type name; `None` for an anonymous definition.
    pub name: Option<String>,
    /// The name, or the keyword of an anonymous definition.
    pub span: Span,
    /// `default`s of the enclosing scopes, then the body's own assignments.
    pub props: Props,
    pub insts: Vec<InstDecl>,
    /// Dynamic assignments in the body, in order.
    pub dpas: Vec<Dpa>,
}

/// One instance statement in a body.
#[derive(Clone, Debug)]
pub(crate) struct InstDecl {
    pub name: String,
    pub name_span: Span,
    pub def: DefId,
    /// Array dimensions, outermost first; empty if not an array.
    pub dims: Vec<u64>,
    /// A field's bits.
    pub bits: FieldBits,
    /// A field's `= value` reset.
    pub reset: Option<PropVal>,
    pub at: Option<(u64, Span)>,
    pub stride: Option<(u64, Span)>,
    pub align: Option<(u64, Span)>,
    /// Written `external` (SystemRDL 2.0 10.1).
    pub external: bool,
    /// `alias primary` (SystemRDL 2.0 10.5): the primary's index in the same
    /// definition's `insts`, and where it was named.
    pub alias_of: Option<(usize, Span)>,
    /// Written `internal`.
    pub internal: bool,
}

/// How a field instance gives its position.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum FieldBits {
    /// `f;`: `fieldwidth` bits (1 by default), packed after the previous field.
    Implied,
    /// `f[w]`: packed after the previous field.
    Width(u64),
    /// `f[msb:lsb]`
    Range { msb: u64, lsb: u64 },
}

/// `a.b[1]->prop = value;`
#[derive(Clone, Debug)]
pub(crate) struct Dpa {
    pub steps: Vec<DpaStep>,
    pub key: PropKey,
    pub val: PropVal,
}

#[derive(Clone, Debug)]
pub(crate) struct DpaStep {
    pub name: String,
    /// The element, or `None` for every element of an array.
    pub index: Option<Vec<u64>>,
}

/// Everything the definition phase collected.
pub(crate) struct Defs {
    pub defs: Vec<CompDef>,
    pub enums: Vec<EnumInfo>,
    pub structs: Vec<StructInfo>,
    pub udps: Vec<Udp>,
    /// The top `addrmap`: the last one defined at the root.
    pub top: Option<DefId>,
    /// [`Defs::twin`] of each [`TwinUdp`], by `TwinUdp as usize`; set once the
    /// properties are all declared (lowering asks for every field).
    pub twins: [Option<PropKey>; TwinUdp::ALL.len()],
    /// The signals instantiated in the root scope (SystemRDL 2.0 8.1), as the
    /// instances of a definition of their own; `None` if there are none.
    pub root_signals: Option<DefId>,
}

impl Defs {
    pub fn udp_name(&self, key: PropKey) -> &str {
        match key {
            PropKey::Builtin(b) => b.name(),
            PropKey::Udp(i) => self.udps.get(i).map_or("?", |u| u.name.as_str()),
        }
    }

    /// The UDP that implements a twinreg convention, if declared correctly.
    pub fn twin(&self, t: TwinUdp) -> Option<PropKey> {
        self.twins[t as usize]
    }

    /// Fills [`Defs::twins`] from the declared properties.
    pub fn index_twins(&mut self) {
        for t in TwinUdp::ALL {
            self.twins[t as usize] = self
                .udps
                .iter()
                .position(|u| u.twin == Some(t))
                .map(PropKey::Udp);
        }
    }
}

/// Assigns `key`, first removing the properties it excludes (`onwrite` replaces
/// `woclr`), as systemrdl-compiler does.
pub(crate) fn assign(props: &mut Props, key: PropKey, val: PropVal) {
    if let PropKey::Builtin(b) = key {
        if let Some(group) = b.rule().mutex {
            props.retain(|k, _| match k {
                PropKey::Builtin(o) => o.rule().mutex != Some(group),
                PropKey::Udp(_) => true,
            });
        }
    }
    props.insert(key, val);
}

/// What to elaborate: the top and its parameter values.
#[derive(Clone, Debug, Default)]
pub(crate) struct Target {
    /// The root `addrmap` definition to elaborate; `None`: the last one defined.
    pub top: Option<String>,
    /// Parameter overrides of the top, `(name, value as written)`.
    pub parameters: Vec<(String, String)>,
}

/// Elaborates a parsed file. `None` when errors were reported.
pub(crate) fn elaborate(
    items: &[Item],
    target: &Target,
    rep: &mut Reporter,
) -> Option<RegisterMap> {
    let defs = defs::collect(items, target.top.as_deref(), &target.parameters, rep);
    let top = defs.top?;
    let tree = tree::build(&defs, top, rep)?;
    let map = lower::lower(&defs, &tree, rep);
    (rep.error_count() == 0).then_some(map).flatten()
}
