//! Phase 2: the instance tree, dynamic assignments, field packing and address
//! allocation.

use super::eval::{Addressing, Value};
use super::{assign, DefId, Defs, Dpa, FieldBits, PropKey, Props, MAX_NODES, MAX_TREE_DEPTH};
use crate::frontend::ast::Kind;
use crate::frontend::diagnostics::{codes, Reporter};
use crate::frontend::properties::Builtin;
use crate::frontend::source::Span;

pub(crate) type NodeId = usize;

/// Widest `memwidth` accepted: far above real memories, and an entry size that
/// cannot overflow.
pub(crate) const MAX_MEM_WIDTH: u32 = 4096;

/// Widest register accepted (`regwidth`); its fields are still at most 64 bits.
pub(crate) const MAX_REG_WIDTH: u32 = 1024;

/// One instance (one element of an array).
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub kind: Kind,
    pub name: String,
    pub def: DefId,
    /// The instance statement: (definition holding it, index in its `insts`);
    /// `None` for the top.
    pub decl: Option<(DefId, usize)>,
    pub parent: Option<NodeId>,
    /// In declaration order, array elements consecutive.
    pub children: Vec<NodeId>,
    pub props: Props,
    /// This element's index in each of its own array dimensions.
    pub index: Vec<u64>,
    /// The instance name token.
    pub span: Span,
    /// Byte offset from the parent.
    pub offset: u64,
    /// Absolute byte address.
    pub address: u64,
    /// Size in bytes of one element (a register's width, a group's extent).
    pub size: u64,
    /// Register width and access width in bits.
    pub width: u32,
    pub access_width: u32,
    /// A field's bits.
    pub lsb: u32,
    pub msb: u32,
    /// `ispresent`, and every ancestor present.
    pub present: bool,
    /// A field numbered from the top (written `[low:high]`, or packed in an `msb0`
    /// addrmap): SystemRDL's `lsb` of it is `msb` here.
    pub msb0: bool,
}

pub(crate) struct Tree {
    pub nodes: Vec<Node>,
}

impl Tree {
    pub fn prop(&self, id: NodeId, key: PropKey) -> Option<&Value> {
        self.nodes[id].props.get(&key).map(|p| &p.value)
    }

    pub fn builtin(&self, id: NodeId, b: Builtin) -> Option<&Value> {
        self.prop(id, PropKey::Builtin(b))
    }

    pub fn flag(&self, id: NodeId, b: Builtin) -> bool {
        matches!(self.builtin(id, b), Some(Value::Bool(true)))
    }

    /// Where a property of the node was assigned, or the node's name.
    pub fn prop_span(&self, id: NodeId, b: Builtin) -> Span {
        self.nodes[id]
            .props
            .get(&PropKey::Builtin(b))
            .map_or(self.nodes[id].span, |p| p.span)
    }

    /// `top.ns.cr0`, `top.arr[2]`, as systemrdl-compiler's `get_path()`.
    pub fn path(&self, id: NodeId) -> String {
        let mut segs = Vec::new();
        let mut cur = Some(id);
        while let Some(n) = cur {
            let node = &self.nodes[n];
            let mut s = node.name.clone();
            for i in &node.index {
                s.push_str(&format!("[{i}]"));
            }
            segs.push(s);
            cur = node.parent;
        }
        segs.reverse();
        segs.join(".")
    }

    /// The node and its ancestors, innermost first.
    pub fn ancestry(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        std::iter::successors(Some(id), move |&n| self.nodes[n].parent)
    }

    /// The array indices of the node and its ancestors, outermost first.
    pub fn array_index(&self, id: NodeId) -> Vec<u64> {
        let chain: Vec<NodeId> = self.ancestry(id).collect();
        chain
            .into_iter()
            .rev()
            .flat_map(|a| self.nodes[a].index.iter().copied())
            .collect()
    }
}

/// Instantiates `top` and lays it out. `None` only when a limit was hit.
/// How many nodes instantiating `top` makes (capped at [`MAX_NODES`]), to size the
/// node vector once: a node is large, and growing the vector copied them all again
/// and again.
fn node_count(defs: &Defs, top: DefId) -> usize {
    fn count(defs: &Defs, def: DefId, depth: usize, memo: &mut [Option<u64>]) -> u64 {
        if let Some(n) = memo.get(def).copied().flatten() {
            return n;
        }
        let Some(d) = defs.defs.get(def) else {
            return 1;
        };
        let mut n = 1u64;
        if depth <= MAX_TREE_DEPTH {
            for inst in &d.insts {
                let elements = inst
                    .dims
                    .iter()
                    .fold(1u64, |a, &d| a.saturating_mul(d))
                    .min(MAX_NODES as u64);
                let each = count(defs, inst.def, depth + 1, memo);
                n = n
                    .saturating_add(elements.saturating_mul(each))
                    .min(MAX_NODES as u64);
            }
        }
        if let Some(slot) = memo.get_mut(def) {
            *slot = Some(n);
        }
        n
    }
    let mut memo = vec![None; defs.defs.len()];
    count(defs, top, 0, &mut memo).min(MAX_NODES as u64) as usize
}

pub(super) fn build(defs: &Defs, top: DefId, rep: &mut Reporter) -> Option<Tree> {
    let mut b = Builder {
        defs,
        rep,
        nodes: Vec::with_capacity(node_count(defs, top)),
        overflow: false,
    };
    let name = defs.defs[top].name.clone().unwrap_or_default();
    let root = b.instantiate(top, name, None, None, Vec::new(), defs.defs[top].span, 0)?;
    // Root-scope signals (SystemRDL 2.0 8.1): nodes of their own, outside the top,
    // with no parent (their path is their name).
    if let Some(rs) = defs.root_signals {
        for (i, inst) in defs.defs[rs].insts.iter().enumerate() {
            b.instantiate(
                inst.def,
                inst.name.clone(),
                Some((rs, i)),
                None,
                Vec::new(),
                inst.name_span,
                1,
            )?;
        }
    }
    if b.overflow {
        return None;
    }
    b.place(root, Addressing::Regalign, None);
    b.absolute(root, 0);
    let mut tree = Tree { nodes: b.nodes };
    mark_presence(&mut tree);
    Some(tree)
}

struct Builder<'a, 'r> {
    defs: &'a Defs,
    rep: &'r mut Reporter,
    nodes: Vec<Node>,
    overflow: bool,
}

impl Builder<'_, '_> {
    #[allow(clippy::too_many_arguments)]
    fn instantiate(
        &mut self,
        def: DefId,
        name: String,
        decl: Option<(DefId, usize)>,
        parent: Option<NodeId>,
        index: Vec<u64>,
        span: Span,
        depth: usize,
    ) -> Option<NodeId> {
        if self.nodes.len() >= MAX_NODES {
            if !self.overflow {
                self.rep
                    .error(
                        codes::LIMIT,
                        span,
                        format!("the map unrolls to more than {MAX_NODES} instances"),
                    )
                    .hint("reduce the array sizes");
            }
            self.overflow = true;
            return None;
        }
        if depth > MAX_TREE_DEPTH {
            self.rep.error(
                codes::LIMIT,
                span,
                format!("instances nested deeper than {MAX_TREE_DEPTH} levels"),
            );
            self.overflow = true;
            return None;
        }
        let d = &self.defs.defs[def];
        let mut props = d.props.clone();
        if let Some(reset) = decl.and_then(|(p, i)| self.defs.defs[p].insts[i].reset.clone()) {
            assign(&mut props, PropKey::Builtin(Builtin::Reset), reset);
        }
        let id = self.nodes.len();
        self.nodes.push(Node {
            kind: d.kind,
            name,
            def,
            decl,
            parent,
            children: Vec::new(),
            props,
            index,
            span,
            offset: 0,
            address: 0,
            size: 0,
            width: 0,
            access_width: 0,
            lsb: 0,
            msb: 0,
            present: true,
            msb0: false,
        });
        for (i, inst) in d.insts.iter().enumerate() {
            let count = inst
                .dims
                .iter()
                .try_fold(1u64, |n, &d| n.checked_mul(d))
                .filter(|&n| n <= MAX_NODES as u64);
            let Some(count) = count else {
                self.rep
                    .error(
                        codes::LIMIT,
                        inst.name_span,
                        format!("array `{}` has more than {MAX_NODES} elements", inst.name),
                    )
                    .hint("reduce the array size");
                self.overflow = true;
                return None;
            };
            for flat in 0..count {
                let element = unflatten(flat, &inst.dims);
                let child = self.instantiate(
                    inst.def,
                    inst.name.clone(),
                    Some((def, i)),
                    Some(id),
                    element,
                    inst.name_span,
                    depth + 1,
                )?;
                self.nodes[id].children.push(child);
            }
        }
        for dpa in &d.dpas {
            self.apply(id, dpa);
        }
        Some(id)
    }

    /// Applies a dynamic assignment of the definition instantiated at `scope`.
    fn apply(&mut self, scope: NodeId, dpa: &Dpa) {
        let mut targets = vec![scope];
        for step in &dpa.steps {
            targets = targets
                .iter()
                .flat_map(|&t| self.nodes[t].children.iter().copied())
                .filter(|&c| {
                    let n = &self.nodes[c];
                    n.name == step.name && step.index.as_ref().is_none_or(|ix| *ix == n.index)
                })
                .collect();
        }
        for t in targets {
            assign(&mut self.nodes[t].props, dpa.key, dpa.val.clone());
        }
    }

    fn int_prop(&self, id: NodeId, b: Builtin) -> Option<(u64, Span)> {
        let p = self.nodes[id].props.get(&PropKey::Builtin(b))?;
        match p.value {
            Value::Int { v, .. } => Some((v, p.vspan)),
            _ => None,
        }
    }

    /// Computes sizes, field bits and offsets below `id`, bottom-up.
    fn place(&mut self, id: NodeId, mode: Addressing, inherited_align: Option<u64>) {
        match self.nodes[id].kind {
            Kind::Reg => self.place_reg(id),
            Kind::Regfile | Kind::Addrmap => {
                let is_map = self.nodes[id].kind == Kind::Addrmap;
                let mode = if is_map {
                    match self.nodes[id]
                        .props
                        .get(&PropKey::Builtin(Builtin::Addressing))
                    {
                        Some(p) => match p.value {
                            Value::Addressing(a) => a,
                            _ => Addressing::Regalign,
                        },
                        None => Addressing::Regalign,
                    }
                } else {
                    mode
                };
                let own = self.int_prop(id, Builtin::Alignment).and_then(|(a, span)| {
                    if a == 0 || !a.is_power_of_two() {
                        self.rep
                            .error(
                                codes::ALIGNMENT,
                                span,
                                format!("alignment {a} is not a power of two"),
                            )
                            .hint("use 1, 2, 4, 8, ...");
                        None
                    } else {
                        Some(a)
                    }
                });
                // A regfile inherits its parent's alignment; an addrmap starts afresh.
                let align = if is_map { own } else { own.or(inherited_align) };
                let children = self.nodes[id].children.clone();
                for &c in &children {
                    self.place(c, mode, align);
                }
                self.allocate(id, &children, mode, align.unwrap_or(1));
            }
            Kind::Mem => self.place_mem(id, mode, inherited_align),
            Kind::Field | Kind::Signal => {}
        }
    }

    /// A memory (SystemRDL 2.0 11): its virtual registers are placed as the
    /// enclosing addrmap places registers; its size is `mementries` entries of
    /// `memwidth` bits, each entry a power of two of bytes (as systemrdl-compiler).
    fn place_mem(&mut self, id: NodeId, mode: Addressing, align: Option<u64>) {
        let children = self.nodes[id].children.clone();
        for &c in &children {
            self.place(c, mode, align);
        }
        self.allocate(id, &children, mode, align.unwrap_or(1));
        let used = self.nodes[id].size;
        let entries = match self.int_prop(id, Builtin::Mementries) {
            None => 1,
            Some((0, span)) => {
                // 11.3.1-a
                self.rep
                    .error(
                        codes::MEMORY,
                        span,
                        "`mementries` must be greater than zero",
                    )
                    .hint("a memory has at least one entry");
                1
            }
            Some((n, _)) => n,
        };
        let width = match self.int_prop(id, Builtin::Memwidth) {
            Some((0, span)) => {
                // 11.3.1-a
                self.rep
                    .error(codes::MEMORY, span, "`memwidth` must be greater than zero")
                    .hint("give the width of one entry in bits, such as `memwidth = 32;`");
                32
            }
            Some((w, _)) => w,
            // 11.3.1-d: the widest virtual register gives the width.
            None => {
                let widest = children
                    .iter()
                    .filter(|&&c| self.nodes[c].kind == Kind::Reg)
                    .map(|&c| u64::from(self.nodes[c].width))
                    .max();
                match widest {
                    Some(w) => w,
                    None => {
                        self.rep
                            .error(
                                codes::MEMORY,
                                self.nodes[id].span,
                                "the width of this mem is unknown",
                            )
                            .hint("assign `memwidth`, or instantiate a virtual register in it");
                        32
                    }
                }
            }
        };
        let Some(width32) = u32::try_from(width).ok().filter(|&w| w <= MAX_MEM_WIDTH) else {
            self.rep
                .error(
                    codes::LIMIT,
                    self.prop_span(id, Builtin::Memwidth),
                    format!("`memwidth` {width} is wider than {MAX_MEM_WIDTH} bits"),
                )
                .hint("twinreg's memories are at most 4096 bits wide");
            return;
        };
        let entry_bytes = u64::from(width32.max(8).next_power_of_two() / 8);
        let Some(size) = entries.checked_mul(entry_bytes) else {
            self.rep.error(
                codes::LIMIT,
                self.prop_span(id, Builtin::Mementries),
                "the memory's size overflows 64 bits",
            );
            return;
        };
        let n = &mut self.nodes[id];
        n.size = size;
        n.width = width32;
        if used > size {
            // 11.2-i: the virtual registers fit in the memory.
            self.rep
                .error(
                    codes::MEMORY,
                    self.nodes[id].span,
                    format!(
                        "the virtual registers occupy {used:#x} bytes, more than the {size:#x} bytes of mem `{}`",
                        self.nodes[id].name
                    ),
                )
                .hint("raise `mementries`, or place fewer registers in the memory");
        }
    }

    /// Where a property of the node was assigned, or the node's name.
    fn prop_span(&self, id: NodeId, b: Builtin) -> Span {
        self.nodes[id]
            .props
            .get(&PropKey::Builtin(b))
            .map_or(self.nodes[id].span, |p| p.span)
    }

    fn place_reg(&mut self, id: NodeId) {
        let width = match self.int_prop(id, Builtin::Regwidth) {
            None => 32,
            // SystemRDL 2.0 10.6.1-a: a power of two of at least 8.
            Some((w, _)) if w >= 8 && w.is_power_of_two() && w <= u64::from(MAX_REG_WIDTH) => {
                w as u32
            }
            Some((w, span)) if w >= 8 && w.is_power_of_two() => {
                self.rep
                    .error(
                        codes::LIMIT,
                        span,
                        format!(
                            "regwidth {w} is wider than twinreg's limit of {MAX_REG_WIDTH} bits"
                        ),
                    )
                    .hint("split the register");
                32
            }
            Some((w, span)) => {
                self.rep
                    .error(
                        codes::REG_WIDTH,
                        span,
                        format!("regwidth {w} is not supported"),
                    )
                    .hint("regwidth must be a power of two of at least 8: 8, 16, 32, 64, 128, ...");
                32
            }
        };
        let access_width = match self.int_prop(id, Builtin::Accesswidth) {
            None => width,
            Some((w, span)) => {
                if w < 8 || !w.is_power_of_two() {
                    self.rep.error(
                        codes::REG_WIDTH,
                        span,
                        format!("accesswidth {w} is not a power of two of at least 8"),
                    );
                    width
                } else if w > u64::from(width) {
                    self.rep.error(
                        codes::REG_WIDTH,
                        span,
                        format!("accesswidth {w} exceeds the regwidth of {width}"),
                    );
                    width
                } else {
                    w as u32
                }
            }
        };
        let n = &mut self.nodes[id];
        n.width = width;
        n.access_width = access_width;
        n.size = u64::from(width / 8);
        let children = n.children.clone();
        let msb0 = self.msb0_order(id, &children);
        // Fields without explicit bits pack from the previous field, in declaration
        // order, present or not (as systemrdl-compiler does): upwards from bit 0, or
        // in msb0 order downwards from the top bit (SystemRDL 2.0 10.7).
        // `next` is the first free bit: the next low bit going up, the next high bit
        // going down (`None` once below bit 0).
        let mut next: Option<u64> = Some(if msb0 { u64::from(width) - 1 } else { 0 });
        for c in children {
            let Some((p, i)) = self.nodes[c].decl else {
                continue;
            };
            // A signal in a register body takes no bits (SystemRDL 2.0 8.1).
            if self.nodes[c].kind != Kind::Field {
                continue;
            }
            let inst = &self.defs.defs[p].insts[i];
            let fieldwidth = self.fieldwidth(c);
            let implied = |w: u64| -> Option<(u64, u64)> {
                let from = next?;
                if msb0 {
                    Some((from, from.checked_sub(w - 1)?))
                } else {
                    Some((from.saturating_add(w - 1), from))
                }
            };
            let bits = match inst.bits {
                FieldBits::Implied => implied(fieldwidth.unwrap_or(1)),
                FieldBits::Range { msb, lsb } => Some((msb.max(lsb), msb.min(lsb))),
                FieldBits::Width(0) => {
                    self.rep.error(
                        codes::FIELD_WIDTH,
                        inst.name_span,
                        "a field must be at least 1 bit wide",
                    );
                    Some((next.unwrap_or(0), next.unwrap_or(0)))
                }
                FieldBits::Width(w) => implied(w),
            };
            let Some((high, low)) = bits else {
                let w = match inst.bits {
                    FieldBits::Width(w) => w,
                    _ => fieldwidth.unwrap_or(1),
                };
                self.rep
                    .error(
                        codes::FIELD_BOUNDS,
                        inst.name_span,
                        format!(
                            "field `{}` of {w} bits, packed in msb0 order after the previous field, would extend below bit 0",
                            inst.name
                        ),
                    )
                    .hint("give it explicit bits `[low:high]`, or make the fields above it narrower");
                continue;
            };
            let width = (high - low).saturating_add(1);
            if let Some(fw) = fieldwidth.filter(|&fw| fw != width) {
                // SystemRDL 2.0 9.4.1: an instance's explicit width must agree.
                self.rep
                    .error(
                        codes::FIELD_WIDTH,
                        inst.name_span,
                        format!(
                            "the field instance is {width} bits wide, but its `fieldwidth` is {fw}"
                        ),
                    )
                    .hint(format!(
                        "give no width (`{};`) to take the `fieldwidth`, or make them agree",
                        inst.name
                    ));
            }
            next = if msb0 {
                low.checked_sub(1)
            } else {
                Some(high.saturating_add(1))
            };
            // Out-of-range bits are reported against the register width later;
            // clamping here keeps the arithmetic sound meanwhile.
            let n = &mut self.nodes[c];
            n.lsb = low.min(u64::from(u32::MAX - 1)) as u32;
            n.msb = high.min(u64::from(u32::MAX - 1)) as u32;
            n.msb0 = msb0;
        }
    }

    /// Whether the fields of register `id` are numbered from the top (SystemRDL 2.0
    /// 10.7): a `[low:high]` range says so, a `[high:low]` range says not, else the
    /// `msb0` property of the nearest addrmap. Both forms in one register are an error.
    fn msb0_order(&mut self, id: NodeId, children: &[NodeId]) -> bool {
        let mut low_high: Option<&str> = None;
        let mut high_low: Option<&str> = None;
        let mut first_span = None;
        for &c in children {
            let Some((p, i)) = self.nodes[c].decl else {
                continue;
            };
            let inst = &self.defs.defs[p].insts[i];
            if let FieldBits::Range { msb, lsb } = inst.bits {
                if msb < lsb {
                    low_high = low_high.or(Some(&inst.name));
                    first_span = first_span.or(Some(inst.name_span));
                } else if msb > lsb {
                    high_low = high_low.or(Some(&inst.name));
                }
            }
        }
        match (low_high, high_low) {
            (Some(a), Some(b)) => {
                let (a, b) = (a.to_owned(), b.to_owned());
                self.rep
                    .error(
                        codes::FIELD_BOUNDS,
                        first_span.unwrap_or(self.nodes[id].span),
                        format!(
                            "register `{}` numbers field `{a}` [low:high] and field `{b}` [high:low]",
                            self.nodes[id].name
                        ),
                    )
                    .hint("SystemRDL 2.0 10.7: one register uses one bit order; write every range the same way");
                true
            }
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => {
                let mut cur = self.nodes[id].parent;
                while let Some(a) = cur {
                    if self.nodes[a].kind == Kind::Addrmap {
                        return matches!(
                            self.nodes[a]
                                .props
                                .get(&PropKey::Builtin(Builtin::Msb0))
                                .map(|p| &p.value),
                            Some(Value::Bool(true))
                        );
                    }
                    cur = self.nodes[a].parent;
                }
                false
            }
        }
    }

    /// A field's `fieldwidth`, which must be at least 1 (`None` when unset or 0).
    fn fieldwidth(&mut self, field: NodeId) -> Option<u64> {
        let p = self.nodes[field]
            .props
            .get(&PropKey::Builtin(Builtin::Fieldwidth))?;
        match p.value {
            Value::Int { v: 0, .. } => {
                self.rep.error(
                    codes::FIELD_WIDTH,
                    p.span,
                    "`fieldwidth` must be greater than zero",
                );
                None
            }
            Value::Int { v, .. } => Some(v),
            _ => None,
        }
    }

    /// Offsets of the children of a regfile or addrmap, then its size.
    fn allocate(&mut self, id: NodeId, children: &[NodeId], mode: Addressing, prop_align: u64) {
        let bridge = self.nodes[id].kind == Kind::Addrmap
            && matches!(
                self.nodes[id]
                    .props
                    .get(&PropKey::Builtin(Builtin::Bridge))
                    .map(|p| &p.value),
                Some(Value::Bool(true))
            );
        let mut prev_end: Option<u64> = None;
        let mut extent = 0u64;
        let mut start = 0;
        while start < children.len() {
            let decl = self.nodes[children[start]].decl;
            let len = children[start..]
                .iter()
                .take_while(|&&c| self.nodes[c].decl == decl)
                .count();
            let group = &children[start..start + len];
            start += len;
            let Some((p, i)) = decl else {
                continue;
            };
            let first = group[0];
            // Signals take no addresses (SystemRDL 2.0 8.1).
            if self.nodes[first].kind == Kind::Signal {
                continue;
            }
            let inst = &self.defs.defs[p].insts[i];
            let elem = self.nodes[first].size;
            let is_array = !inst.dims.is_empty();
            let stride = inst.stride.map_or(elem, |(s, _)| s);
            if let (true, Some((s, span))) = (is_array, inst.stride) {
                if s < elem {
                    self.rep.error(
                        codes::ARRAY,
                        span,
                        format!(
                            "array `{}` has stride {s:#x}, smaller than its element size {elem:#x}",
                            inst.name
                        ),
                    );
                }
            }
            let Some(total) = stride.checked_mul(group.len() as u64) else {
                self.rep.error(
                    codes::LIMIT,
                    inst.name_span,
                    "array extent overflows 64 bits",
                );
                continue;
            };
            let base = match inst.at {
                Some((at, span)) => {
                    if at % prop_align != 0 {
                        self.rep
                            .error(
                                codes::ALIGNMENT,
                                span,
                                format!(
                                    "address {at:#x} of `{}` is not aligned to {prop_align:#x}",
                                    inst.name
                                ),
                            )
                            .hint("the enclosing `alignment` property requires it");
                    }
                    at
                }
                None => {
                    let alloc = inst.align.map_or(1, |(a, _)| a);
                    let mode_align = match mode {
                        Addressing::Compact if self.nodes[first].kind == Kind::Reg => {
                            u64::from(self.nodes[first].access_width / 8)
                        }
                        Addressing::Compact => 1,
                        Addressing::Regalign => {
                            elem.max(1).checked_next_power_of_two().unwrap_or(0)
                        }
                        Addressing::Fullalign => {
                            total.max(1).checked_next_power_of_two().unwrap_or(0)
                        }
                    };
                    let align = prop_align.max(alloc).max(mode_align);
                    // SystemRDL 2.0 13.4: the children of a bridge are separate
                    // address spaces; each one starts at 0 (as systemrdl-compiler).
                    let from = if bridge { 0 } else { prev_end.unwrap_or(0) };
                    match round_up(from, align) {
                        Some(a) if mode_align != 0 => a,
                        _ => {
                            self.rep.error(
                                codes::LIMIT,
                                inst.name_span,
                                "address allocation overflows 64 bits",
                            );
                            continue;
                        }
                    }
                }
            };
            let Some(end) = base.checked_add(total) else {
                self.rep.error(
                    codes::LIMIT,
                    inst.name_span,
                    format!(
                        "`{}` extends past the end of the 64-bit address space",
                        inst.name
                    ),
                );
                continue;
            };
            // Cannot wrap: every element ends at or below `end`.
            for (k, &c) in group.iter().enumerate() {
                self.nodes[c].offset = base + stride * k as u64;
            }
            prev_end = Some(end);
            extent = extent.max(end);
        }
        self.nodes[id].size = extent;
    }

    fn absolute(&mut self, id: NodeId, base: u64) {
        let address = base.wrapping_add(self.nodes[id].offset);
        self.nodes[id].address = address;
        let children = self.nodes[id].children.clone();
        for c in children {
            if self.nodes[c].kind != Kind::Field {
                self.absolute(c, address);
            }
        }
    }
}

/// A node is present when it and every ancestor say `ispresent` (default true).
fn mark_presence(tree: &mut Tree) {
    // Parents come before their children in `nodes`.
    for id in 0..tree.nodes.len() {
        let own = !matches!(
            tree.builtin(id, Builtin::Ispresent),
            Some(Value::Bool(false))
        );
        let parent = tree.nodes[id].parent.is_none_or(|p| tree.nodes[p].present);
        tree.nodes[id].present = own && parent;
    }
}

fn round_up(x: u64, align: u64) -> Option<u64> {
    if align <= 1 {
        return Some(x);
    }
    x.checked_add(align - 1).map(|v| v / align * align)
}

/// The multi-dimensional index of element `flat` (row-major, last dimension
/// fastest).
fn unflatten(mut flat: u64, dims: &[u64]) -> Vec<u64> {
    let mut idx = vec![0; dims.len()];
    for (slot, &d) in idx.iter_mut().zip(dims).rev() {
        *slot = flat % d;
        flat /= d;
    }
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unflatten_is_row_major() {
        assert_eq!(unflatten(0, &[2, 3]), [0, 0]);
        assert_eq!(unflatten(4, &[2, 3]), [1, 1]);
        assert_eq!(unflatten(5, &[2, 3]), [1, 2]);
        assert_eq!(unflatten(3, &[]), Vec::<u64>::new());
    }

    #[test]
    fn round_up_to_alignment() {
        assert_eq!(round_up(5, 4), Some(8));
        assert_eq!(round_up(8, 4), Some(8));
        assert_eq!(round_up(5, 1), Some(5));
        assert_eq!(round_up(u64::MAX, 4), None);
    }
}
