//! Phase 3: whole-map checks and the IR.

mod hardware;

use crate::frontend::FxMap;

use super::eval::{InstRef, Value};
use super::tree::{NodeId, Tree};
use super::{DefId, Defs, EnumIdx, PropKey, PropVal, UdpTy};
use crate::access::{
    AccessType, Capture, HwEnable, NextSources, NextValue, OnRead, OnWrite, Precedence, ReadRule,
    WriteGate, WriteRule,
};
use crate::frontend::ast::Kind;
use crate::frontend::diagnostics::{codes, Reporter};
use crate::frontend::properties::{Builtin, TwinUdp};
use crate::frontend::source::Span;
use crate::ir::{
    Addressing, Block, BlockId, BlockKind, ComponentRef, Endianness, EnumEntry, EnumId, EnumType,
    Field, FieldRef, GuardTerm, HdlPaths, Layout, LayoutField, LayoutId, Memory, PropertyDecl,
    RegId, Register, RegisterMap, SecSid, TestHint, UdpAssignment, UdpType, UdpValue,
};

/// Checks the elaborated tree and turns it into the IR. `None` only if the tree
/// has nothing to lower; errors are reported and otherwise lowered around.
pub(super) fn lower(defs: &Defs, tree: &Tree, rep: &mut Reporter) -> Option<RegisterMap> {
    let mut l = Lowerer {
        defs,
        tree,
        rep,
        reg_of: vec![None; tree.nodes.len()],
        field_of: vec![None; tree.nodes.len()],
        reg_nodes: Vec::new(),
        field_nodes: Vec::new(),
        enum_ids: vec![None; defs.enums.len()],
        block_nodes: Vec::new(),
        block_of_node: vec![None; tree.nodes.len()],
        signal_nodes: Vec::new(),
        signal_of: vec![None; tree.nodes.len()],
    };
    l.structure();
    l.index_blocks();
    l.index();
    l.index_signals();
    l.number_enums();
    let mut regs: Vec<Register> = (0..l.reg_nodes.len())
        .map(|r| l.register(RegId(r)))
        .collect();
    l.ack_relations(&mut regs);
    l.update_handshakes(&mut regs);
    l.presence_and_gates(&mut regs);
    l.guards(&mut regs);
    l.aliases(&mut regs);
    l.hardware(&mut regs);
    for reg in &mut regs {
        let update = reg.update_field;
        for (i, f) in reg.fields.iter_mut().enumerate() {
            f.next_value = NextValue::order(
                f.precedence,
                NextSources {
                    sw_write: f.sw.can_write(),
                    sw_read_effect: f.read_rule.has_side_effect(),
                    hw_write: f.hw.can_write(),
                    // SystemRDL 2.0 9.9: how a sticky field captures its input.
                    capture: if f.sticky {
                        Capture::Sticky
                    } else if f.stickybit {
                        Capture::StickyBits
                    } else {
                        Capture::Plain
                    },
                    hwset: f.hwset,
                    hwclr: f.hwclr,
                    ack_mirror: f.acknowledges.is_some(),
                    update_complete: update == Some(i),
                    singlepulse: f.singlepulse,
                    counter: f
                        .counter
                        .is_some_and(|c| c.up.is_some() || c.down.is_some()),
                },
            );
        }
    }
    let mut blocks = l.blocks();
    l.udps(&mut regs, &mut blocks);
    let layouts = l.layouts(&mut regs);
    let top = &tree.nodes[0];
    let signals = l.signals();
    Some(RegisterMap {
        top: top.name.clone(),
        name: l.string(0, Builtin::Name),
        desc: l.string(0, Builtin::Desc),
        registers: regs,
        layouts,
        enums: l.enums(),
        properties: l.properties(),
        blocks,
        signals,
    })
}

struct Lowerer<'a, 'r> {
    defs: &'a Defs,
    tree: &'a Tree,
    rep: &'r mut Reporter,
    /// Node of each register, by `RegId`.
    reg_nodes: Vec<NodeId>,
    /// Present field nodes of each register, sorted by `lsb`.
    field_nodes: Vec<Vec<NodeId>>,
    reg_of: Vec<Option<RegId>>,
    field_of: Vec<Option<FieldRef>>,
    enum_ids: Vec<Option<EnumId>>,
    /// Node of each block, by `BlockId`: parents first, siblings by address.
    block_nodes: Vec<NodeId>,
    block_of_node: Vec<Option<BlockId>>,
    /// Node of each present signal, by `SignalId`, in declaration order.
    signal_nodes: Vec<NodeId>,
    signal_of: Vec<Option<crate::ir::SignalId>>,
}

/// A field that is an implementation-defined constant (what `present_when` needs).
fn is_constant(f: &Field) -> bool {
    f.sw == AccessType::R && !f.hw.can_write() && !f.hwset && !f.hwclr && f.onread.is_none()
}

impl Lowerer<'_, '_> {
    fn string(&self, id: NodeId, b: Builtin) -> Option<String> {
        match self.tree.builtin(id, b) {
            Some(Value::Str(s)) if b == Builtin::Desc => Some(super::defs::dedent(s)),
            Some(Value::Str(s)) => Some(s.to_string()),
            _ => None,
        }
    }

    fn udp_val(&self, id: NodeId, t: TwinUdp) -> Option<&PropVal> {
        let key = self.defs.twin(t)?;
        self.tree.nodes[id].props.get(&key)
    }

    fn udp_true(&self, id: NodeId, t: TwinUdp) -> Option<Span> {
        self.udp_val(id, t)
            .filter(|p| matches!(p.value, Value::Bool(true)))
            .map(|p| p.span)
    }

    // ---- structure -----------------------------------------------------------

    /// Empty components and overlapping siblings.
    fn structure(&mut self) {
        let tree = self.tree;
        // After an error, a component may be empty only because a broken statement
        // was dropped; saying so would be noise.
        let report_empty = self.rep.error_count() == 0;
        for (id, node) in tree.nodes.iter().enumerate() {
            if !node.present {
                continue;
            }
            // Signals take neither bits nor addresses.
            let present: Vec<NodeId> = node
                .children
                .iter()
                .copied()
                .filter(|&c| tree.nodes[c].present && tree.nodes[c].kind != Kind::Signal)
                .collect();
            match node.kind {
                Kind::Reg if present.is_empty() && report_empty => {
                    self.rep.error(
                        codes::EMPTY,
                        node.span,
                        format!("register `{}` has no fields", tree.path(id)),
                    );
                }
                Kind::Regfile | Kind::Addrmap if present.is_empty() && report_empty => {
                    self.rep.error(
                        codes::EMPTY,
                        node.span,
                        format!(
                            "{} `{}` contains no registers",
                            node.kind.as_str(),
                            tree.path(id)
                        ),
                    );
                }
                Kind::Addrmap if tree.flag(id, Builtin::Bridge) => self.bridge_checks(id),
                Kind::Regfile | Kind::Addrmap | Kind::Mem if !present.is_empty() => {
                    self.sibling_overlaps(&present)
                }
                _ => {}
            }
        }
    }

    /// SystemRDL 2.0 13.4: a bridge holds only addrmaps, at least two, which may
    /// overlap (each is its own address space).
    fn bridge_checks(&mut self, id: NodeId) {
        let tree = self.tree;
        let node = &tree.nodes[id];
        let mut maps = 0;
        for &c in &node.children {
            let child = &tree.nodes[c];
            if child.kind == Kind::Addrmap {
                maps += 1;
            } else if child.kind != Kind::Signal {
                self.rep
                    .error(
                        codes::BRIDGE,
                        child.span,
                        format!(
                            "bridge addrmap `{}` can only contain addrmaps, but `{}` is a {}",
                            tree.path(id),
                            child.name,
                            child.kind.as_str()
                        ),
                    )
                    .hint("wrap the registers in an addrmap of their own");
            }
        }
        if maps < 2 {
            self.rep
                .error(
                    codes::BRIDGE,
                    tree.prop_span(id, Builtin::Bridge),
                    format!(
                        "bridge addrmap `{}` must contain 2 or more addrmaps",
                        tree.path(id)
                    ),
                )
                .hint("a bridge joins several address spaces; without them, drop `bridge`");
        }
    }

    /// Software access of a register's present fields: (any readable, any writable).
    fn reg_sw(&self, reg: NodeId) -> (bool, bool) {
        let tree = self.tree;
        tree.nodes[reg]
            .children
            .iter()
            .filter(|&&f| tree.nodes[f].present && tree.nodes[f].kind == Kind::Field)
            .fold((false, false), |(r, w), &f| {
                let sw = self.access(f, Builtin::Sw);
                (r || sw.can_read(), w || sw.can_write())
            })
    }

    /// Siblings that share addresses. SystemRDL 2.0 10.1-h allows two registers to
    /// overlap when one has only read-only fields and the other only write-only ones
    /// (as systemrdl-compiler checks it: neither writes what the other reads).
    fn sibling_overlaps(&mut self, children: &[NodeId]) {
        /// Earlier siblings kept to compare against: enough for any real overlap of
        /// read-only and write-only registers, bounded for hostile input.
        const MAX_PENDING: usize = 64;
        let tree = self.tree;
        let mut spans: Vec<(u64, u64, NodeId)> = children
            .iter()
            .map(|&c| {
                let n = &tree.nodes[c];
                (n.offset, n.offset.saturating_add(n.size), c)
            })
            .collect();
        spans.sort();
        // Earlier siblings that reach past the current start.
        let mut pending: Vec<(u64, NodeId)> = Vec::new();
        for &(start, end, c) in &spans {
            pending.retain(|&(far, _)| far > start);
            for &(far, other) in &pending {
                let same_array =
                    tree.nodes[c].decl == tree.nodes[other].decl && !tree.nodes[c].index.is_empty();
                if same_array || self.overlap_allowed(other, c) {
                    continue;
                }
                let o = &tree.nodes[other];
                self.rep
                    .error(
                        codes::REG_OVERLAP,
                        tree.nodes[c].span,
                        format!(
                            "`{}` at {:#x}..{:#x} overlaps `{}` at {:#x}..{:#x}",
                            tree.path(c),
                            tree.nodes[c].address,
                            tree.nodes[c].address.saturating_add(end - start),
                            tree.path(other),
                            o.address,
                            o.address.saturating_add(o.size),
                        ),
                    )
                    .label("overlaps")
                    .also(o.span, "this one")
                    .hint(register_overlap_hint(
                        &tree.path(c),
                        tree.nodes[c]
                            .address
                            .saturating_sub(start)
                            .saturating_add(far),
                        end - start,
                    ));
                break;
            }
            if pending.len() >= MAX_PENDING {
                // Keep the one that reaches furthest, drop the oldest others.
                let far = pending.iter().copied().max_by_key(|p| p.0);
                pending.drain(..MAX_PENDING / 2);
                pending.extend(far);
            }
            pending.push((end, c));
        }
    }

    /// 10.1-h: a read-only register may share addresses with a write-only one.
    fn overlap_allowed(&self, a: NodeId, b: NodeId) -> bool {
        let tree = self.tree;
        if tree.nodes[a].kind != Kind::Reg || tree.nodes[b].kind != Kind::Reg {
            return false;
        }
        let (a_reads, a_writes) = self.reg_sw(a);
        let (b_reads, b_writes) = self.reg_sw(b);
        (!a_writes && !b_reads) || (!a_reads && !b_writes)
    }

    /// Register and field numbering: registers by address, fields by `lsb`.
    fn index(&mut self) {
        let tree = self.tree;
        let mut regs: Vec<NodeId> = (0..tree.nodes.len())
            .filter(|&n| tree.nodes[n].kind == Kind::Reg && tree.nodes[n].present)
            .collect();
        regs.sort_by_key(|&n| (tree.nodes[n].address, n));
        for (r, &n) in regs.iter().enumerate() {
            self.reg_of[n] = Some(RegId(r));
            let mut fields: Vec<NodeId> = tree.nodes[n]
                .children
                .iter()
                .copied()
                .filter(|&c| tree.nodes[c].present && tree.nodes[c].kind == Kind::Field)
                .collect();
            fields.sort_by_key(|&c| (tree.nodes[c].lsb, tree.nodes[c].msb, c));
            for (i, &f) in fields.iter().enumerate() {
                self.field_of[f] = Some(FieldRef {
                    reg: RegId(r),
                    field: i,
                });
            }
            self.field_nodes.push(fields);
        }
        self.reg_nodes = regs;
    }

    /// Gives an `EnumId` to every enum a field encodes, a UDP is declared with, or a
    /// UDP value names, in declaration order.
    fn number_enums(&mut self) {
        let mut used = vec![false; self.defs.enums.len()];
        fn mark_ty(ty: &UdpTy, used: &mut [bool]) {
            match ty {
                UdpTy::Enum(e) => used[*e] = true,
                UdpTy::Array(inner) => mark_ty(inner, used),
                _ => {}
            }
        }
        fn mark_value(v: &Value, used: &mut [bool]) {
            match v {
                Value::Enum { ty, .. } | Value::EnumType(ty) => used[*ty] = true,
                Value::Array(items) => items.iter().for_each(|x| mark_value(x, used)),
                Value::Struct { members, .. } => {
                    members.iter().for_each(|(_, x)| mark_value(x, used))
                }
                _ => {}
            }
        }
        for udp in &self.defs.udps {
            mark_ty(&udp.ty, &mut used);
        }
        for node in self.tree.nodes.iter().filter(|n| n.present) {
            for p in node.props.values() {
                mark_value(&p.value, &mut used);
            }
        }
        let mut next = 0;
        for (i, u) in used.into_iter().enumerate() {
            if u {
                self.enum_ids[i] = Some(EnumId(next));
                next += 1;
            }
        }
    }

    /// Block numbering: the top first, then depth first with siblings by address.
    fn index_blocks(&mut self) {
        let tree = self.tree;
        let mut stack = vec![0];
        while let Some(n) = stack.pop() {
            self.block_of_node[n] = Some(BlockId(self.block_nodes.len()));
            self.block_nodes.push(n);
            let mut kids: Vec<NodeId> = tree.nodes[n]
                .children
                .iter()
                .copied()
                .filter(|&c| {
                    let c = &tree.nodes[c];
                    c.present && matches!(c.kind, Kind::Addrmap | Kind::Regfile | Kind::Mem)
                })
                .collect();
            kids.sort_by_key(|&c| (tree.nodes[c].address, c));
            stack.extend(kids.into_iter().rev());
        }
    }

    /// The block whose body holds `n`.
    fn block_of(&self, n: NodeId) -> BlockId {
        self.tree
            .ancestry(n)
            .skip(1)
            .find_map(|a| self.block_of_node[a])
            .unwrap_or(BlockId(0))
    }

    fn blocks(&self) -> Vec<Block> {
        let tree = self.tree;
        self.block_nodes
            .iter()
            .map(|&n| {
                let node = &tree.nodes[n];
                let kind = match node.kind {
                    Kind::Regfile => BlockKind::Regfile,
                    Kind::Mem => BlockKind::Mem,
                    _ => BlockKind::Addrmap,
                };
                let parent = (n != 0).then(|| self.block_of(n));
                Block {
                    kind,
                    inst_name: node.name.clone(),
                    path: tree.path(n),
                    type_name: self.defs.defs[node.def].name.clone(),
                    display_name: self.string(n, Builtin::Name),
                    desc: self.string(n, Builtin::Desc),
                    parent,
                    address: node.address,
                    size: node.size,
                    array_index: tree.array_index(n),
                    array: None,
                    // systemrdl-compiler reports every addrmap as external, the top
                    // included (SystemRDL 2.0 13.1), and a mem always (11.1).
                    external: match kind {
                        BlockKind::Regfile => self.external(n),
                        BlockKind::Addrmap | BlockKind::Mem => true,
                    },
                    declared_external: self.declared_external(n),
                    alignment: match tree.builtin(n, Builtin::Alignment) {
                        Some(Value::Int { v, .. }) => Some(*v),
                        _ => None,
                    },
                    addressing: match tree.builtin(n, Builtin::Addressing) {
                        Some(Value::Addressing(a)) => a.to_ir(),
                        _ => Addressing::Regalign,
                    },
                    endianness: if tree.flag(n, Builtin::Bigendian) {
                        Some(Endianness::Big)
                    } else if tree.flag(n, Builtin::Littleendian) {
                        Some(Endianness::Little)
                    } else {
                        None
                    },
                    msb0: tree.flag(n, Builtin::Msb0),
                    rsvdset: tree.flag(n, Builtin::Rsvdset),
                    rsvdset_x: tree.flag(n, Builtin::RsvdsetX),
                    bridge: tree.flag(n, Builtin::Bridge),
                    sharedextbus: tree.flag(n, Builtin::Sharedextbus),
                    errextbus: tree.flag(n, Builtin::Errextbus),
                    dontcompare: self.test_hint(n, Builtin::Dontcompare),
                    donttest: self.test_hint(n, Builtin::Donttest),
                    hdl_paths: self.hdl_paths(n),
                    memory: (kind == BlockKind::Mem).then(|| Memory {
                        entries: match tree.builtin(n, Builtin::Mementries) {
                            Some(Value::Int { v, .. }) => *v,
                            _ => 1,
                        },
                        width: node.width,
                        sw: self.access(n, Builtin::Sw),
                    }),
                    udps: Vec::new(),
                    location: self.rep.location(node.span),
                }
            })
            .collect()
    }

    /// `dontcompare` / `donttest` (SystemRDL 2.0 5.2.2): a flag, or on a field a bit
    /// mask (on other components a number is a flag, as systemrdl-compiler casts it).
    fn test_hint(&self, id: NodeId, b: Builtin) -> TestHint {
        match self.tree.builtin(id, b) {
            Some(Value::Bool(true)) => TestHint::All,
            Some(Value::Int { v: 0, .. }) => TestHint::No,
            Some(Value::Int { v, .. }) if self.tree.nodes[id].kind == Kind::Field => {
                TestHint::Bits(*v)
            }
            Some(Value::Int { .. }) => TestHint::All,
            _ => TestHint::No,
        }
    }

    /// The `hdl_path*` properties (SystemRDL 2.0 5.2.3).
    fn hdl_paths(&self, id: NodeId) -> HdlPaths {
        let strings = |b: Builtin| -> Vec<String> {
            match self.tree.builtin(id, b) {
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(|x| match x {
                        Value::Str(s) => Some(s.to_string()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            }
        };
        HdlPaths {
            path: self.string(id, Builtin::HdlPath),
            gate: self.string(id, Builtin::HdlPathGate),
            slice: strings(Builtin::HdlPathSlice),
            gate_slice: strings(Builtin::HdlPathGateSlice),
        }
    }

    /// The instance was written `external`.
    fn declared_external(&self, n: NodeId) -> bool {
        self.tree.nodes[n]
            .decl
            .is_some_and(|(p, i)| self.defs.defs[p].insts[i].external)
    }

    /// A register or regfile is external as the outermost `external`/`internal`
    /// written on it or on the regfiles around it, up to the nearest addrmap, says
    /// (SystemRDL 2.0 10.1, as systemrdl-compiler reports it: `internal` inside an
    /// external regfile does not make it internal, and an `internal` regfile makes
    /// the `external` registers in it internal); internal if none is written.
    fn external(&self, n: NodeId) -> bool {
        let tree = self.tree;
        let written = |a: NodeId| {
            tree.nodes[a]
                .decl
                .map(|(p, i)| &self.defs.defs[p].insts[i])
                .and_then(|d| (d.external || d.internal).then_some(d.external))
        };
        tree.ancestry(n)
            .take_while(|&a| a == n || tree.nodes[a].kind == Kind::Regfile)
            .filter_map(written)
            .last()
            .unwrap_or(false)
    }

    // ---- registers and fields ------------------------------------------------

    fn register(&mut self, r: RegId) -> Register {
        let tree = self.tree;
        let n = self.reg_nodes[r.0];
        let node = &tree.nodes[n];
        let fields: Vec<Field> = self.field_nodes[r.0]
            .clone()
            .into_iter()
            .map(|f| self.field(f, n))
            .collect();
        self.field_layout_checks(n, &fields);
        let mem = node.parent.filter(|&p| tree.nodes[p].kind == Kind::Mem);
        if let Some(mem) = mem {
            self.virtual_register_checks(n, mem, &fields);
        }
        // A register not aligned to its access width is valid SystemRDL (as in
        // systemrdl-compiler); back ends that cannot reach it refuse the map
        // (`Feature::UnalignedRegister`).
        let security = tree
            .ancestry(n)
            .find_map(|a| self.udp_val(a, TwinUdp::Security))
            .map_or(SecSid::NonSecure, |p| match &p.value {
                Value::Enum { ty, entry }
                    if self.defs.enums[*ty].entries[*entry].name == "secure" =>
                {
                    SecSid::Secure
                }
                _ => SecSid::NonSecure,
            });
        Register {
            inst_name: node.name.clone(),
            path: tree.path(n),
            display_name: self.string(n, Builtin::Name),
            desc: self.string(n, Builtin::Desc),
            address: node.address,
            width: node.width,
            access_width: node.access_width,
            security,
            layout: LayoutId(0),
            array_index: tree.array_index(n),
            fields,
            present_when: Vec::new(),
            update_field: None,
            ack_of: None,
            acked_by: None,
            write_gates: Vec::new(),
            udps: Vec::new(),
            block: self.block_of(n),
            array: None,
            // A virtual register is not itself external (the reference reports `external`
            // false); its memory is (SystemRDL 2.0 11.1-c).
            external: self.external(n),
            alias_of: None,
            aliases: Vec::new(),
            shared: tree.flag(n, Builtin::Shared),
            errextbus: tree.flag(n, Builtin::Errextbus),
            dontcompare: self.test_hint(n, Builtin::Dontcompare),
            donttest: self.test_hint(n, Builtin::Donttest),
            hdl_paths: self.hdl_paths(n),
            outputs: Vec::new(),
            location: self.rep.location(node.span),
        }
    }

    /// Links every alias register to its primary (SystemRDL 2.0 10.5) and checks
    /// the pair as 10.5.1 asks: same width, both internal or both external, matching
    /// arrays, and alias fields that are primary fields at the same bits, differing
    /// only in `name`, `desc`, software access and side effects (and UDPs).
    fn aliases(&mut self, regs: &mut [Register]) {
        let tree = self.tree;
        for r in 0..regs.len() {
            let n = self.reg_nodes[r];
            let node = &tree.nodes[n];
            let Some((p, i)) = node.decl else { continue };
            let Some((j, pspan)) = self.defs.defs[p].insts[i].alias_of else {
                continue;
            };
            let Some(parent) = node.parent else { continue };
            let alias_dims = &self.defs.defs[p].insts[i].dims;
            let primary_dims = &self.defs.defs[p].insts[j].dims;
            if !primary_dims.is_empty() && alias_dims.is_empty() {
                self.rep
                    .error(
                        codes::ALIAS,
                        pspan,
                        format!(
                            "alias `{}` names the register array `{}`: which element is its primary is ambiguous",
                            tree.path(n),
                            self.defs.defs[p].insts[j].name
                        ),
                    )
                    .hint("make the alias an array of the same dimensions, one alias per element");
                continue;
            }
            if !primary_dims.is_empty() && alias_dims != primary_dims {
                self.rep.error(
                    codes::ALIAS,
                    node.span,
                    format!(
                        "the alias array `{}` and its primary array `{}` have different dimensions",
                        node.name, self.defs.defs[p].insts[j].name
                    ),
                );
                continue;
            }
            let primary = tree.nodes[parent].children.iter().copied().find(|&c| {
                tree.nodes[c].decl == Some((p, j))
                    && (primary_dims.is_empty() || tree.nodes[c].index == node.index)
            });
            let Some(pr) = primary.and_then(|c| self.reg_of[c]) else {
                self.rep.error(
                    codes::ALIAS,
                    node.span,
                    format!(
                        "`{}` is an alias of `{}`, which is not present (`ispresent = false`)",
                        tree.path(n),
                        self.defs.defs[p].insts[j].name
                    ),
                );
                continue;
            };
            let pn = self.reg_nodes[pr.0];
            if self.defs.defs[p].insts[j].alias_of.is_some() {
                self.rep.error(
                    codes::ALIAS,
                    pspan,
                    format!("the primary `{}` is itself an alias", tree.path(pn)),
                );
                continue;
            }
            if regs[pr.0].width != regs[r].width {
                self.rep.error(
                    codes::ALIAS,
                    node.span,
                    format!(
                        "alias `{}` is {} bits wide, its primary `{}` {}",
                        tree.path(n),
                        regs[r].width,
                        tree.path(pn),
                        regs[pr.0].width
                    ),
                );
            }
            if regs[pr.0].external != regs[r].external {
                self.rep
                    .error(
                        codes::ALIAS,
                        node.span,
                        format!(
                            "alias `{}` and its primary `{}` must both be internal or both external",
                            tree.path(n),
                            tree.path(pn)
                        ),
                    )
                    .hint("write `external` on both instances, or on neither");
            }
            self.alias_fields(r, pr.0, regs);
            regs[r].alias_of = Some(pr);
            regs[pr.0].aliases.push(RegId(r));
        }
    }

    /// 10.5.1-b and -e: the fields of alias register `a` against primary `p`.
    fn alias_fields(&mut self, a: usize, p: usize, regs: &[Register]) {
        const MAY_DIFFER: &[Builtin] = &[
            Builtin::Name,
            Builtin::Desc,
            Builtin::Onread,
            Builtin::Onwrite,
            Builtin::Rclr,
            Builtin::Rset,
            Builtin::Sw,
            Builtin::Woclr,
            Builtin::Woset,
        ];
        let tree = self.tree;
        for (k, f) in regs[a].fields.iter().enumerate() {
            let fnode = self.field_nodes[a][k];
            let Some((pk, pf)) = regs[p].field_named(&f.name) else {
                self.rep.error(
                    codes::ALIAS,
                    tree.nodes[fnode].span,
                    format!(
                        "alias field `{}` has no field of that name in the primary `{}`",
                        f.name, regs[p].path
                    ),
                );
                continue;
            };
            if pf.lsb != f.lsb || pf.msb != f.msb {
                self.rep.error(
                    codes::ALIAS,
                    tree.nodes[fnode].span,
                    format!(
                        "alias field `{}` [{}:{}] is not at the bits of its primary [{}:{}]",
                        f.name, f.msb, f.lsb, pf.msb, pf.lsb
                    ),
                );
                continue;
            }
            let pnode = self.field_nodes[p][pk];
            let compared = |id: NodeId| -> Vec<(Builtin, &Value)> {
                tree.nodes[id]
                    .props
                    .iter()
                    .filter_map(|(key, v)| match key {
                        PropKey::Builtin(b) if !MAY_DIFFER.contains(b) => Some((*b, &v.value)),
                        _ => None,
                    })
                    .collect()
            };
            let (mine, theirs) = (compared(fnode), compared(pnode));
            let differing: Vec<&str> = mine
                .iter()
                .filter(|(b, v)| !theirs.iter().any(|(c, w)| c == b && w == v))
                .chain(
                    theirs
                        .iter()
                        .filter(|(b, _)| !mine.iter().any(|(c, _)| c == b)),
                )
                .map(|(b, _)| b.name())
                .collect();
            if !differing.is_empty() {
                self.rep
                    .error(
                        codes::ALIAS,
                        tree.nodes[fnode].span,
                        format!(
                            "alias field `{}` differs from its primary in: {}",
                            f.name,
                            differing.join(", ")
                        ),
                    )
                    .hint("an alias may change only name, desc, sw, onread/onwrite (rclr, rset, woclr, woset) and user-defined properties");
            }
        }
    }

    /// SystemRDL 2.0 11.2-e: a virtual register is at most the smallest power of two
    /// of bytes that holds an entry, and its fields fit in the entry.
    fn virtual_register_checks(&mut self, reg: NodeId, mem: NodeId, fields: &[Field]) {
        let tree = self.tree;
        let memwidth = tree.nodes[mem].width;
        let max_width = memwidth.div_ceil(8).max(1).next_power_of_two() * 8;
        let width = tree.nodes[reg].width;
        if width > max_width {
            self.rep
                .error(
                    codes::MEMORY,
                    tree.nodes[reg].span,
                    format!(
                        "virtual register `{}` is {width} bits wide, wider than the {max_width} bits an entry of mem `{}` allows",
                        tree.path(reg),
                        tree.path(mem)
                    ),
                )
                .hint(format!(
                    "the memory's entries are {memwidth} bits (`memwidth`): use `regwidth = {max_width};` or less"
                ));
        }
        for (i, f) in fields.iter().enumerate() {
            if f.msb >= memwidth {
                let span =
                    tree.nodes[self.field_nodes[self.reg_of[reg].map_or(0, |r| r.0)][i]].span;
                self.rep
                    .error(
                        codes::MEMORY,
                        span,
                        format!(
                            "virtual field `{}` [{}:{}] does not fit in the {memwidth}-bit entries of mem `{}`",
                            f.name,
                            f.msb,
                            f.lsb,
                            tree.path(mem)
                        ),
                    )
                    .hint(format!("bits run from 0 to {}", memwidth.saturating_sub(1)));
            }
        }
    }

    /// Bits inside the register, and no two fields sharing a bit.
    fn field_layout_checks(&mut self, reg: NodeId, fields: &[Field]) {
        let tree = self.tree;
        let width = tree.nodes[reg].width;
        let nodes = &self.field_nodes[self.reg_of[reg].map_or(0, |r| r.0)];
        // Earlier fields that reach the current one (a register has at most a few
        // hundred fields).
        let mut pending: Vec<(u32, usize)> = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            let span = tree.nodes[nodes[i]].span;
            if f.msb - f.lsb >= 64 {
                // The IR holds field values as u64 (ir.rs "Values"); the register
                // may be wider.
                self.rep
                    .error(
                        codes::LIMIT,
                        span,
                        format!(
                            "field `{}` [{}:{}] is {} bits wide; twinreg's fields are at most 64 bits",
                            f.name,
                            f.msb,
                            f.lsb,
                            u64::from(f.msb - f.lsb) + 1
                        ),
                    )
                    .hint("split it into fields of at most 64 bits");
            }
            if f.msb >= width {
                self.rep
                    .error(
                        codes::FIELD_BOUNDS,
                        span,
                        format!(
                            "field `{}` [{}:{}] does not fit in the {width}-bit register `{}`",
                            f.name,
                            f.msb,
                            f.lsb,
                            tree.path(reg)
                        ),
                    )
                    .hint(format!(
                        "bits run from 0 to {}; widen the register with `regwidth`",
                        width - 1
                    ));
            }
            // SystemRDL 2.0 10.1-d: fields may share bits only when one is read-only
            // and the other write-only.
            pending.retain(|&(far, _)| far >= f.lsb);
            let clash = pending.iter().copied().find(|&(_, j)| {
                let o: &Field = &fields[j];
                let ro_wo = |x: AccessType, y: AccessType| {
                    x == AccessType::R && matches!(y, AccessType::W | AccessType::W1)
                };
                !(ro_wo(o.sw, f.sw) || ro_wo(f.sw, o.sw))
            });
            if let Some((_, j)) = clash {
                let far = pending.iter().map(|p| p.0).max().unwrap_or(f.lsb);
                let o = &fields[j];
                self.rep
                    .error(
                        codes::FIELD_OVERLAP,
                        span,
                        format!(
                            "field `{}` [{}:{}] overlaps field `{}` [{}:{}]",
                            f.name, f.msb, f.lsb, o.name, o.msb, o.lsb
                        ),
                    )
                    .label(format!("bits [{}:{}]", f.msb, f.lsb))
                    .also(
                        tree.nodes[nodes[j]].span,
                        format!("bits [{}:{}]", o.msb, o.lsb),
                    )
                    .hint(field_overlap_hint(&f.name, f.msb - f.lsb + 1, far, width));
            }
            pending.push((f.msb, i));
        }
    }

    fn access(&self, id: NodeId, b: Builtin) -> AccessType {
        match self.tree.builtin(id, b) {
            Some(Value::Access(a)) => *a,
            _ => AccessType::Rw,
        }
    }

    /// A `BoolOrRef` property: set to `true` or to a reference (which
    /// [`Lowerer::hardware`] resolves).
    fn bool_or_ref(&self, id: NodeId, b: Builtin) -> bool {
        match self.tree.builtin(id, b) {
            Some(Value::Bool(v)) => *v,
            Some(Value::Ref(_)) => true,
            _ => false,
        }
    }

    fn field(&mut self, f: NodeId, reg: NodeId) -> Field {
        let tree = self.tree;
        let node = &tree.nodes[f];
        let width = node.msb.saturating_sub(node.lsb).saturating_add(1);
        let (sw, hw) = self.field_access(f);
        let (onread, onwrite) = self.side_effects(f, sw);
        let reset = self.reset_value(f, width);
        let singlepulse = tree.flag(f, Builtin::Singlepulse);
        if singlepulse {
            self.check_singlepulse(f, width, sw, reset, onwrite);
        }
        let (hwset, hwclr, hw_enable) = self.hw_inputs(f, hw);
        self.check_sw_write_enable(f, sw);
        let precedence = match tree.builtin(f, Builtin::Precedence) {
            Some(Value::Precedence(p)) => *p,
            _ => Precedence::Sw,
        };
        let encode = self.encode(f, width);
        let impl_defined = self.impl_defined(f, reg, reset);
        Field {
            name: node.name.clone(),
            display_name: self.string(f, Builtin::Name),
            desc: self.string(f, Builtin::Desc),
            lsb: node.lsb,
            msb: node.msb.max(node.lsb),
            sw,
            hw,
            reset,
            onread,
            onwrite,
            singlepulse,
            swmod: tree.flag(f, Builtin::Swmod),
            swacc: tree.flag(f, Builtin::Swacc),
            hwset,
            hwclr,
            hw_enable,
            precedence,
            encode,
            guard: Vec::new(),
            present_when: Vec::new(),
            impl_defined,
            acknowledges: None,
            read_rule: ReadRule::for_field(sw, onread),
            write_rule: WriteRule::for_field(sw, onwrite),
            next_value: Vec::new(),
            udps: Vec::new(),
            msb0: node.msb0,
            hw_enable_from: None,
            hwset_from: None,
            hwclr_from: None,
            sw_write_enable: None,
            hw_mask: None,
            next: None,
            reset_from: None,
            resetsignal: None,
            sticky: false,
            stickybit: false,
            interrupt: None,
            counter: None,
            outputs: Vec::new(),
            paritycheck: false,
            dontcompare: self.test_hint(f, Builtin::Dontcompare),
            donttest: self.test_hint(f, Builtin::Donttest),
            hdl_paths: self.hdl_paths(f),
            location: self.rep.location(node.span),
        }
    }

    /// `sw` and `hw`, and the combinations that make no sense.
    fn field_access(&mut self, f: NodeId) -> (AccessType, AccessType) {
        let tree = self.tree;
        let node = &tree.nodes[f];
        let sw = self.access(f, Builtin::Sw);
        let hw = self.access(f, Builtin::Hw);
        if matches!(hw, AccessType::W1 | AccessType::Rw1) {
            self.rep
                .error(
                    codes::ACCESS,
                    tree.prop_span(f, Builtin::Hw),
                    format!(
                        "field `{}`: hw access `{}` is meaningless",
                        node.name,
                        hw.as_str()
                    ),
                )
                .hint("write-once applies to software; use `hw = w` or `hw = rw`");
        }
        if sw == AccessType::W && hw == AccessType::W {
            self.rep
                .error(
                    codes::ACCESS,
                    node.span,
                    format!(
                        "field `{}`: sw = w with hw = w is meaningless (nobody can read it)",
                        node.name
                    ),
                )
                .hint("make one side able to read: `sw = rw` or `hw = r`");
        } else if sw == AccessType::Na {
            self.rep
                .error(
                    codes::ACCESS,
                    tree.prop_span(f, Builtin::Sw),
                    format!("field `{}` has sw = na: software cannot access it", node.name),
                )
                .hint("a register map describes what software sees; leave such bits out (they read as 0)");
        }
        (sw, hw)
    }

    /// The read and write side effects (`onread`/`rclr`/`rset`,
    /// `onwrite`/`woclr`/`woset`), checked against software access.
    fn side_effects(&mut self, f: NodeId, sw: AccessType) -> (Option<OnRead>, Option<OnWrite>) {
        let tree = self.tree;
        let name = &tree.nodes[f].name;
        let span_of = |b: Builtin| tree.prop_span(f, b);
        let onread = match tree.builtin(f, Builtin::Onread) {
            Some(Value::OnRead(o)) => Some((*o, span_of(Builtin::Onread))),
            _ if tree.flag(f, Builtin::Rclr) => Some((OnRead::Rclr, span_of(Builtin::Rclr))),
            _ if tree.flag(f, Builtin::Rset) => Some((OnRead::Rset, span_of(Builtin::Rset))),
            _ => None,
        };
        let onwrite = match tree.builtin(f, Builtin::Onwrite) {
            Some(Value::OnWrite(o)) => Some((*o, span_of(Builtin::Onwrite))),
            _ if tree.flag(f, Builtin::Woclr) => Some((OnWrite::Woclr, span_of(Builtin::Woclr))),
            _ if tree.flag(f, Builtin::Woset) => Some((OnWrite::Woset, span_of(Builtin::Woset))),
            _ => None,
        };
        if let Some((o, span)) = onread {
            if !sw.can_read() {
                self.rep
                    .error(
                        codes::ACCESS,
                        span,
                        format!(
                            "field `{name}`: `{}` needs software read access, but sw = {}",
                            o.as_str(),
                            sw.as_str()
                        ),
                    )
                    .hint("use `sw = r` or `sw = rw`");
            }
            if o == OnRead::Ruser {
                self.rep
                    .error(
                        codes::UNSUPPORTED,
                        span,
                        "`onread = ruser` needs an external field, which is not supported",
                    )
                    .hint(codes::UNSUPPORTED_HINT);
            }
        }
        if let Some((o, span)) = onwrite {
            if !sw.can_write() {
                self.rep
                    .error(
                        codes::ACCESS,
                        span,
                        format!(
                            "field `{name}`: `{}` needs software write access, but sw = {}",
                            o.as_str(),
                            sw.as_str()
                        ),
                    )
                    .hint("use `sw = w` or `sw = rw`");
            }
            if o == OnWrite::Wuser {
                self.rep
                    .error(
                        codes::UNSUPPORTED,
                        span,
                        "`onwrite = wuser` needs an external field, which is not supported",
                    )
                    .hint(codes::UNSUPPORTED_HINT);
            }
        }
        (onread.map(|(o, _)| o), onwrite.map(|(o, _)| o))
    }

    /// A constant `reset`, which must fit in the field.
    fn reset_value(&mut self, f: NodeId, width: u32) -> Option<u64> {
        let tree = self.tree;
        let node = &tree.nodes[f];
        match tree.builtin(f, Builtin::Reset) {
            Some(Value::Int { v, .. }) => {
                let v = *v;
                if width < 64 && v >> width != 0 {
                    self.rep
                        .error(
                            codes::RESET,
                            node.props
                                .get(&PropKey::Builtin(Builtin::Reset))
                                .map_or(node.span, |p| p.vspan),
                            format!(
                                "reset value {v:#x} does not fit in the {width}-bit field `{}`",
                                node.name
                            ),
                        )
                        .hint(format!(
                            "the largest value of {width} bits is {:#x}",
                            crate::access::ones(width)
                        ));
                }
                Some(v & crate::access::ones(width))
            }
            // A reference: `Field::reset_from`, filled by `Lowerer::hardware`.
            _ => None,
        }
    }

    /// What `singlepulse` needs of its field.
    fn check_singlepulse(
        &mut self,
        f: NodeId,
        width: u32,
        sw: AccessType,
        reset: Option<u64>,
        onwrite: Option<OnWrite>,
    ) {
        let mut problems = Vec::new();
        if width != 1 {
            problems.push("be 1 bit wide");
        }
        if reset != Some(0) {
            problems.push("have `reset = 0`");
        }
        if !sw.can_write() {
            problems.push("be software-writable");
        }
        if matches!(onwrite, Some(OnWrite::Woclr | OnWrite::Wclr)) {
            problems.push("not clear on write");
        }
        if !problems.is_empty() {
            self.rep.error(
                codes::ACCESS,
                self.tree.prop_span(f, Builtin::Singlepulse),
                format!(
                    "singlepulse field `{}` must {}",
                    self.tree.nodes[f].name,
                    problems.join(" and ")
                ),
            )
            .hint("a pulse is one software-written bit that resets to 0: `field { sw = rw; singlepulse; reset = 0; } go[0:0];`");
        }
    }

    /// The hardware inputs: `hwset`, `hwclr` and the write enable (`we`/`wel`).
    fn hw_inputs(&mut self, f: NodeId, hw: AccessType) -> (bool, bool, HwEnable) {
        let hwset = self.bool_or_ref(f, Builtin::Hwset);
        let hwclr = self.bool_or_ref(f, Builtin::Hwclr);
        let we = self.bool_or_ref(f, Builtin::We);
        let wel = self.bool_or_ref(f, Builtin::Wel);
        for (on, b) in [(we, Builtin::We), (wel, Builtin::Wel)] {
            if on && !matches!(hw, AccessType::Rw | AccessType::W) {
                self.rep
                    .error(
                        codes::ACCESS,
                        self.tree.prop_span(f, b),
                        format!(
                            "field `{}` has `{}`, but hardware cannot write it (hw = {})",
                            self.tree.nodes[f].name,
                            b.name(),
                            hw.as_str()
                        ),
                    )
                    .hint("use `hw = w` or `hw = rw`");
            }
        }
        let hw_enable = if !hw.can_write() {
            HwEnable::None
        } else if we {
            HwEnable::We
        } else if wel {
            HwEnable::Wel
        } else {
            HwEnable::Continuous
        };
        (hwset, hwclr, hw_enable)
    }

    /// `swwe`/`swwel` imply software can write the field (SystemRDL 2.0 9.6).
    fn check_sw_write_enable(&mut self, f: NodeId, sw: AccessType) {
        let tree = self.tree;
        for b in [Builtin::Swwe, Builtin::Swwel] {
            if self.bool_or_ref(f, b) && matches!(sw, AccessType::R | AccessType::Na) {
                self.rep
                    .error(
                        codes::ACCESS,
                        tree.prop_span(f, b),
                        format!(
                            "field `{}` has sw = {}, but `{}` implies software can write it",
                            tree.nodes[f].name,
                            sw.as_str(),
                            b.name()
                        ),
                    )
                    .hint("make the field software-writable (`sw = rw`), or drop the enable");
            }
        }
    }

    /// `encode`: the enum, whose values must fit in the field.
    fn encode(&mut self, f: NodeId, width: u32) -> Option<EnumId> {
        let Some(Value::EnumType(e)) = self.tree.builtin(f, Builtin::Encode) else {
            return None;
        };
        let info = &self.defs.enums[*e];
        let max = info.entries.iter().map(|x| x.value).max().unwrap_or(0);
        if width < 64 && max >> width != 0 {
            self.rep
                .error(
                    codes::ENCODE,
                    self.tree.prop_span(f, Builtin::Encode),
                    format!(
                    "field `{}` ({width} bits) is too narrow for enum `{}` (values up to {max})",
                    self.tree.nodes[f].name, info.name
                ),
                )
                .hint(format!(
                    "widen `{}` to {} bits, or give the enum's entries values up to {}",
                    self.tree.nodes[f].name,
                    u64::BITS - max.leading_zeros(),
                    (1u64 << width) - 1
                ));
        }
        self.enum_ids[*e]
    }

    /// `impl_defined` on the field or its register; such a field needs a reset.
    fn impl_defined(&mut self, f: NodeId, reg: NodeId, reset: Option<u64>) -> bool {
        let impl_defined = self
            .udp_true(f, TwinUdp::ImplDefined)
            .or_else(|| self.udp_true(reg, TwinUdp::ImplDefined));
        if let (Some(span), None) = (impl_defined, reset) {
            self.rep
                .error(
                    codes::UDP_USE,
                    self.tree.nodes[f].span,
                    format!(
                        "implementation-defined field `{}` has no reset value",
                        self.tree.nodes[f].name
                    ),
                )
                .also(span, "made implementation defined here")
                .hint("give it the value an implementation has by default: `reset = ...;`");
        }
        impl_defined.is_some()
    }
    // ---- references ----------------------------------------------------------

    /// Resolves a reference assigned to `assignee`: from the nearest instance of
    /// the definition whose body wrote it, down the named path.
    fn resolve(&mut self, assignee: NodeId, r: &InstRef) -> Option<NodeId> {
        let tree = self.tree;
        if Some(r.root) == self.defs.root_signals {
            return self.resolve_root_signal(r);
        }
        let Some(mut cur) = tree
            .ancestry(assignee)
            .find(|&a| tree.nodes[a].def == r.root)
        else {
            self.rep.error(
                codes::UNKNOWN_REF,
                r.span,
                format!(
                    "`{}` cannot be resolved from `{}`",
                    r.text(),
                    tree.path(assignee)
                ),
            );
            return None;
        };
        for step in &r.steps {
            let matches: Vec<NodeId> = tree.nodes[cur]
                .children
                .iter()
                .copied()
                .filter(|&c| tree.nodes[c].name == step.name)
                .collect();
            let Some(&first) = matches.first() else {
                let names: Vec<&str> = tree.nodes[cur]
                    .children
                    .iter()
                    .map(|&c| tree.nodes[c].name.as_str())
                    .collect();
                let hint = crate::frontend::suggest::did_you_mean(&step.name, names);
                let d = self.rep.error(
                    codes::UNKNOWN_REF,
                    step.span,
                    format!("`{}` has no instance named `{}`", tree.path(cur), step.name),
                );
                if let Some(h) = hint {
                    d.hint(h);
                }
                return None;
            };
            let dims = match tree.nodes[first].decl {
                Some((p, i)) => self.defs.defs[p].insts[i].dims.clone(),
                None => Vec::new(),
            };
            if dims.is_empty() && step.indices.is_empty() {
                cur = first;
                continue;
            }
            if !super::defs::check_indices(self.rep, &step.name, &dims, &step.indices, step.span) {
                return None;
            }
            let want: Vec<u64> = step.indices.iter().map(|(v, _)| *v).collect();
            cur = matches.into_iter().find(|&c| tree.nodes[c].index == want)?;
        }
        Some(cur)
    }

    /// Resolves a reference that must name a present field.
    fn resolve_field(&mut self, assignee: NodeId, r: &InstRef, what: &str) -> Option<FieldRef> {
        if let Some((prop, span)) = &r.prop {
            self.rep
                .error(
                    codes::UDP_USE,
                    *span,
                    format!("{what} must reference a field, not its property `{prop}`"),
                )
                .hint("drop the `->` and the property name");
            return None;
        }
        let target = self.resolve(assignee, r)?;
        let node = &self.tree.nodes[target];
        if node.kind != Kind::Field {
            self.rep
                .error(
                    codes::UDP_USE,
                    r.span,
                    format!(
                        "{what} must reference a field, but `{}` is a {}",
                        r.text(),
                        node.kind.as_str()
                    ),
                )
                .hint(format!("name one of its fields: `{}.<field>`", r.text()));
            return None;
        }
        match self.field_of[target] {
            Some(fr) => Some(fr),
            None => {
                self.rep.error(
                    codes::UDP_USE,
                    r.span,
                    format!(
                        "{what} references `{}`, which is not present (ispresent = false)",
                        self.tree.path(target)
                    ),
                );
                None
            }
        }
    }

    // ---- twinreg conventions -------------------------------------------------

    /// `ack_of`: pairs, field matching, ACK field access.
    fn ack_relations(&mut self, regs: &mut [Register]) {
        for r in 0..regs.len() {
            let n = self.reg_nodes[r];
            let Some(pv) = self.udp_val(n, TwinUdp::AckOf).cloned() else {
                continue;
            };
            let Value::Ref(rf) = &pv.value else {
                continue;
            };
            let Some(target) = self.resolve(n, rf) else {
                continue;
            };
            let Some(ctrl) = self.reg_of[target] else {
                let node = &self.tree.nodes[target];
                let why = if node.kind == Kind::Reg {
                    "is not present".to_owned()
                } else {
                    format!("is a {}", node.kind.as_str())
                };
                self.rep.error(
                    codes::UDP_USE,
                    rf.span,
                    format!(
                        "`ack_of` must reference a register, but `{}` {why}",
                        rf.text()
                    ),
                );
                continue;
            };
            if ctrl.0 == r {
                self.rep.error(
                    codes::UDP_USE,
                    rf.span,
                    "a register cannot acknowledge itself",
                );
                continue;
            }
            if let Some(other) = regs[ctrl.0].acked_by {
                let other_path = regs[other.0].path.clone();
                self.rep.error(
                    codes::UDP_USE,
                    rf.span,
                    format!(
                        "`{}` is already acknowledged by `{other_path}`",
                        regs[ctrl.0].path
                    ),
                );
                continue;
            }
            regs[r].ack_of = Some(ctrl);
            regs[ctrl.0].acked_by = Some(RegId(r));
            for i in 0..regs[r].fields.len() {
                let ack = &regs[r].fields[i];
                let span = self.tree.nodes[self.field_nodes[r][i]].span;
                let mirrored = regs[ctrl.0]
                    .fields
                    .iter()
                    .position(|c| c.name == ack.name && c.lsb == ack.lsb && c.msb == ack.msb);
                let Some(ci) = mirrored else {
                    self.rep
                        .error(
                            codes::UDP_USE,
                            span,
                            format!(
                                "ACK field `{}` [{}:{}] has no field of the same name and bits in `{}`",
                                ack.name, ack.msb, ack.lsb, regs[ctrl.0].path
                            ),
                        )
                        .also(pv.span, "acknowledgement declared here")
                        .hint("every field of an ACK register mirrors the same-named field of the register it acknowledges");
                    continue;
                };
                if ack.sw != AccessType::R || !matches!(ack.hw, AccessType::W | AccessType::Rw) {
                    self.rep
                        .error(
                            codes::UDP_USE,
                            span,
                            format!(
                                "ACK field `{}` must be sw = r and hardware-writable, but is sw = {}, hw = {}",
                                ack.name,
                                ack.sw.as_str(),
                                ack.hw.as_str()
                            ),
                        )
                        .hint("declare it `sw = r; hw = w; we;`");
                }
                regs[r].fields[i].acknowledges = Some(FieldRef {
                    reg: ctrl,
                    field: ci,
                });
            }
        }
    }

    /// `update_handshake`: the one update field of a register.
    fn update_handshakes(&mut self, regs: &mut [Register]) {
        for (r, reg) in regs.iter_mut().enumerate() {
            for i in 0..reg.fields.len() {
                let n = self.field_nodes[r][i];
                let Some(span) = self.udp_true(n, TwinUdp::UpdateHandshake) else {
                    continue;
                };
                let f = &reg.fields[i];
                let mut problems = Vec::new();
                if f.width() != 1 {
                    problems.push("be 1 bit wide");
                }
                if !f.sw.can_write() {
                    problems.push("be software-writable");
                }
                if !f.hwclr {
                    problems.push("have `hwclr` (the completion input)");
                }
                if !problems.is_empty() {
                    self.rep
                        .error(
                            codes::UDP_USE,
                            span,
                            format!(
                                "update_handshake field `{}` must {}",
                                f.name,
                                problems.join(" and ")
                            ),
                        )
                        .hint(format!(
                            "software sets the update bit and hardware clears it on completion: `field {{ update_handshake = true; hwclr = true; }} {}[{}:{}] = 0;`",
                            f.name, f.lsb, f.lsb
                        ));
                    continue;
                }
                if let Some(first) = reg.update_field {
                    let first_name = reg.fields[first].name.clone();
                    self.rep.error(
                        codes::UDP_USE,
                        span,
                        format!(
                            "register `{}` already has the update_handshake field `{first_name}`",
                            reg.path
                        ),
                    );
                    continue;
                }
                reg.update_field = Some(i);
            }
        }
    }

    /// `present_when` terms (conjunctive down the hierarchy) and the write gates of
    /// registers; then the `present_when` terms of fields.
    fn presence_and_gates(&mut self, regs: &mut [Register]) {
        for r in 0..regs.len() {
            let n = self.reg_nodes[r];
            let chain: Vec<NodeId> = self.tree.ancestry(n).collect();
            let mut terms = Vec::new();
            for &a in chain.iter().rev() {
                if let Some(fr) = self.presence_term(a, regs) {
                    if !terms.contains(&fr) {
                        terms.push(fr);
                    }
                }
            }
            let reg = &mut regs[r];
            reg.present_when = terms;
            if !reg.present_when.is_empty() {
                reg.write_gates.push(WriteGate::Absent);
            }
            if reg.security == SecSid::Secure {
                reg.write_gates.push(WriteGate::SecurityState);
            }
            if reg.update_field.is_some() {
                reg.write_gates.push(WriteGate::UpdateHandshake);
            }
        }
        for r in 0..regs.len() {
            for i in 0..regs[r].fields.len() {
                let f = self.field_nodes[r][i];
                if let Some(fr) = self.presence_term(f, regs) {
                    regs[r].fields[i].present_when = vec![fr];
                }
            }
        }
        // A term is read as the constant it is declared to be, so it may not be
        // conditional itself: back ends evaluate every condition once, in any order.
        for r in 0..regs.len() {
            for i in 0..regs[r].fields.len() {
                let Some(&term) = regs[r].fields[i].present_when.first() else {
                    continue;
                };
                if regs[term.reg.0].fields[term.field].present_when.is_empty() {
                    continue;
                }
                let span = self
                    .udp_val(self.field_nodes[r][i], TwinUdp::PresentWhen)
                    .map_or(Span::default(), |p| p.vspan);
                let path = format!(
                    "{}.{}",
                    regs[term.reg.0].path, regs[term.reg.0].fields[term.field].name
                );
                self.rep
                    .error(
                        codes::UDP_USE,
                        span,
                        format!("`present_when` term `{path}` has a presence condition of its own"),
                    )
                    .hint("reference the feature's ID field directly");
                regs[r].fields[i].present_when.clear();
            }
        }
        // An ACK field mirrors its control field, so it exists exactly when that does
        // (CR0ACK.VMW with CR0.VMW, IHI0070 6.3.10): back ends copy the control bits
        // without a presence test of their own.
        for r in 0..regs.len() {
            for i in 0..regs[r].fields.len() {
                let Some(c) = regs[r].fields[i].acknowledges else {
                    continue;
                };
                let ctrl = &regs[c.reg.0].fields[c.field];
                if ctrl.present_when == regs[r].fields[i].present_when {
                    continue;
                }
                let path = format!("{}.{}", regs[c.reg.0].path, ctrl.name);
                let span = self.tree.nodes[self.field_nodes[r][i]].span;
                self.rep
                    .error(
                        codes::UDP_USE,
                        span,
                        format!(
                            "ACK field `{}` must have the same `present_when` as `{path}`, which it acknowledges",
                            regs[r].fields[i].name
                        ),
                    )
                    .hint("give both fields the same condition");
            }
        }
    }

    /// The field named by the `present_when` set on `node` (a component or a field),
    /// which must be an implementation-defined constant.
    fn presence_term(&mut self, node: NodeId, regs: &[Register]) -> Option<FieldRef> {
        let pv = self.udp_val(node, TwinUdp::PresentWhen).cloned()?;
        let Value::Ref(rf) = &pv.value else {
            return None;
        };
        let fr = self.resolve_field(node, rf, "`present_when`")?;
        let target = &regs[fr.reg.0].fields[fr.field];
        if !target.impl_defined || !is_constant(target) {
            let path = format!("{}.{}", regs[fr.reg.0].path, target.name);
            self.rep
                .error(
                    codes::UDP_USE,
                    rf.span,
                    format!("`present_when` needs an implementation-defined constant, but `{path}` is not one"),
                )
                .hint("the field must be `sw = r; hw = na;` with `impl_defined` and a reset");
            return None;
        }
        Some(fr)
    }

    /// `write_guard` (expanded with ACK mirrors) and `swwe`/`swwel` references.
    fn guards(&mut self, regs: &mut [Register]) {
        for r in 0..regs.len() {
            let n = self.reg_nodes[r];
            let reg_terms = self.write_guard_terms(n, regs);
            for i in 0..regs[r].fields.len() {
                let f = self.field_nodes[r][i];
                let mut terms = Vec::new();
                if regs[r].fields[i].sw.can_write() {
                    terms.extend(reg_terms.iter().copied());
                }
                let own = self.write_guard_terms(f, regs);
                if !own.is_empty() && !regs[r].fields[i].sw.can_write() {
                    let span = self
                        .udp_val(f, TwinUdp::WriteGuard)
                        .map_or(self.tree.nodes[f].span, |p| p.span);
                    self.rep.error(
                        codes::UDP_USE,
                        span,
                        format!(
                            "`write_guard` on field `{}`, which software cannot write",
                            regs[r].fields[i].name
                        ),
                    );
                }
                terms.extend(own);
                let mut unique: Vec<GuardTerm> = Vec::with_capacity(terms.len());
                for t in terms {
                    if !unique.contains(&t) {
                        unique.push(t);
                    }
                }
                regs[r].fields[i].guard = unique;
            }
        }
    }

    /// The guard terms of the `write_guard` set on `node` (a reg or a field).
    fn write_guard_terms(&mut self, node: NodeId, regs: &[Register]) -> Vec<GuardTerm> {
        let Some(pv) = self.udp_val(node, TwinUdp::WriteGuard).cloned() else {
            return Vec::new();
        };
        let Value::Array(items) = &pv.value else {
            return Vec::new();
        };
        let mut terms = Vec::new();
        for item in items {
            let Value::Ref(rf) = item else {
                continue;
            };
            let Some(fr) = self.resolve_field(node, rf, "`write_guard`") else {
                continue;
            };
            terms.push(GuardTerm {
                field: fr,
                when_set: false,
            });
            let ctrl = &regs[fr.reg.0];
            if let Some(ack) = ctrl.acked_by {
                let name = &ctrl.fields[fr.field].name;
                if let Some(i) = regs[ack.0].fields.iter().position(|a| &a.name == name) {
                    terms.push(GuardTerm {
                        field: FieldRef { reg: ack, field: i },
                        when_set: false,
                    });
                }
            }
        }
        terms
    }

    // ---- user-defined property values ------------------------------------------

    /// User-defined property values of every register, field and block: each node's
    /// own, as systemrdl-compiler reports them (SystemRDL 2.0 15: a UDP is not
    /// inherited; `default` assignments already reached the node in elaboration).
    /// twinreg's own inherited UDP, `security`, is resolved into
    /// [`Register::security`] instead.
    fn udps(&mut self, regs: &mut [Register], blocks: &mut [Block]) {
        for (r, reg) in regs.iter_mut().enumerate() {
            reg.udps = self.own_udps(self.reg_nodes[r]);
            for i in 0..reg.fields.len() {
                reg.fields[i].udps = self.own_udps(self.field_nodes[r][i]);
            }
        }
        for (b, block) in blocks.iter_mut().enumerate() {
            block.udps = self.own_udps(self.block_nodes[b]);
        }
    }

    /// The UDP values set on `n`, in declaration order.
    fn own_udps(&mut self, n: NodeId) -> Vec<UdpAssignment> {
        let mut props: Vec<(usize, PropVal)> = self.tree.nodes[n]
            .props
            .iter()
            .filter_map(|(k, v)| match k {
                PropKey::Udp(i) => Some((*i, v.clone())),
                PropKey::Builtin(_) => None,
            })
            .collect();
        props.sort_by_key(|(i, _)| *i);
        let mut out = Vec::with_capacity(props.len());
        for (u, pv) in props {
            let udp = &self.defs.udps[u];
            let (name, ty) = (udp.name.clone(), udp.ty.clone());
            if let Some(value) = self.udp_value(n, &pv.value, &ty, pv.vspan) {
                out.push(UdpAssignment { name, value });
            }
        }
        out
    }

    fn udp_value(
        &mut self,
        assignee: NodeId,
        v: &Value,
        ty: &UdpTy,
        span: Span,
    ) -> Option<UdpValue> {
        Some(match v {
            Value::Bool(b) => UdpValue::Bool(*b),
            Value::Int { v, .. } => UdpValue::Number(*v),
            Value::Str(s) => UdpValue::String(s.to_string()),
            Value::Access(a) => UdpValue::AccessType(*a),
            Value::OnRead(o) => UdpValue::OnRead(*o),
            Value::OnWrite(o) => UdpValue::OnWrite(*o),
            Value::Enum { ty, entry } => UdpValue::Enum {
                ty: self.enum_ids[*ty]?,
                entry: *entry,
            },
            Value::Ref(rf) if rf.prop.is_some() => {
                let (src, _) = self.source_of(assignee, rf, "the property")?;
                UdpValue::Ref(ComponentRef::Property(src))
            }
            Value::Ref(rf) => {
                let target = self.resolve(assignee, rf)?;
                let node = &self.tree.nodes[target];
                if let UdpTy::Ref(Some(k)) = ty {
                    if node.kind != *k {
                        self.rep.error(
                            codes::PROPERTY_TYPE,
                            rf.span,
                            format!(
                                "expected a reference to a {}, but `{}` is a {}",
                                k.as_str(),
                                rf.text(),
                                node.kind.as_str()
                            ),
                        );
                        return None;
                    }
                }
                if !node.present {
                    self.rep.error(
                        codes::UDP_USE,
                        rf.span,
                        format!(
                            "`{}` is referenced but not present (ispresent = false)",
                            self.tree.path(target)
                        ),
                    );
                    return None;
                }
                UdpValue::Ref(match node.kind {
                    Kind::Reg => ComponentRef::Reg(self.reg_of[target]?),
                    Kind::Field => ComponentRef::Field(self.field_of[target]?),
                    Kind::Signal => ComponentRef::Signal(self.signal_of[target]?),
                    _ => ComponentRef::Block(self.block_of_node[target].unwrap_or(BlockId(0))),
                })
            }
            Value::Array(items) => {
                let inner = match ty {
                    UdpTy::Array(t) => (**t).clone(),
                    other => other.clone(),
                };
                UdpValue::Array(
                    items
                        .iter()
                        .map(|x| self.udp_value(assignee, x, &inner, span))
                        .collect::<Option<Vec<_>>>()?,
                )
            }
            Value::Addressing(a) => UdpValue::Addressing(match a {
                super::eval::Addressing::Regalign => Addressing::Regalign,
                super::eval::Addressing::Compact => Addressing::Compact,
                super::eval::Addressing::Fullalign => Addressing::Fullalign,
            }),
            Value::Struct { ancestry, members } => {
                let s = ancestry.first().and_then(|&s| self.defs.structs.get(s))?;
                let mut out = Vec::with_capacity(members.len());
                for (name, mv) in members.iter() {
                    let mty = s.members.iter().find(|(n, _)| n == name)?.1.clone();
                    out.push((name.clone(), self.udp_value(assignee, mv, &mty, span)?));
                }
                UdpValue::Struct {
                    ty: s.name.clone(),
                    members: out,
                }
            }
            Value::Precedence(_) | Value::EnumType(_) | Value::Intr(_) => {
                self.rep.error(
                    codes::PROPERTY_TYPE,
                    span,
                    format!("{} is not a property value", v.describe()),
                );
                return None;
            }
        })
    }

    // ---- layouts, enums, declarations ------------------------------------------

    fn layouts(&mut self, regs: &mut [Register]) -> Vec<Layout> {
        let mut by_def: Vec<(DefId, Vec<RegId>)> = Vec::new();
        let mut slot: FxMap<DefId, usize> = FxMap::default();
        for (r, reg) in regs.iter_mut().enumerate() {
            let def = self.tree.nodes[self.reg_nodes[r]].def;
            let i = *slot.entry(def).or_insert_with(|| {
                by_def.push((def, Vec::new()));
                by_def.len() - 1
            });
            by_def[i].1.push(RegId(r));
            reg.layout = LayoutId(i);
        }
        let mut layouts = Vec::with_capacity(by_def.len());
        let mut names: FxMap<String, DefId> = FxMap::default();
        for (def, instances) in by_def {
            let d = &self.defs.defs[def];
            let first = &regs[instances[0].0];
            let name = d.name.clone().unwrap_or_else(|| first.inst_name.clone());
            if let Some(&other) = names.get(&name) {
                if other != def {
                    self.rep
                        .warning(
                            codes::LAYOUT_NAME,
                            d.span,
                            format!("two register definitions are named `{name}`; back ends will see two layouts of that name"),
                        )
                        .also(self.defs.defs[other].span, "the other definition")
                        .hint("give the definitions distinct names");
                }
            } else {
                names.insert(name.clone(), def);
            }
            let mut fields: Vec<LayoutField> = Vec::new();
            for decl in &d.insts {
                let found = instances
                    .iter()
                    .find_map(|r| regs[r.0].fields.iter().find(|f| f.name == decl.name));
                if let Some(f) = found {
                    fields.push(LayoutField {
                        name: f.name.clone(),
                        display_name: f.display_name.clone(),
                        desc: f.desc.clone(),
                        lsb: f.lsb,
                        msb: f.msb,
                        encode: f.encode,
                    });
                }
            }
            fields.sort_by_key(|f| (f.lsb, f.msb));
            let mut banks: Vec<SecSid> = instances.iter().map(|r| regs[r.0].security).collect();
            banks.sort();
            banks.dedup();
            let banked = banks.len() > 1 && banks.len() == instances.len();
            let string = |b: Builtin| match d.props.get(&PropKey::Builtin(b)).map(|p| &p.value) {
                Some(Value::Str(s)) if b == Builtin::Desc => Some(super::defs::dedent(s)),
                Some(Value::Str(s)) => Some(s.to_string()),
                _ => None,
            };
            layouts.push(Layout {
                name,
                display_name: string(Builtin::Name),
                desc: string(Builtin::Desc),
                width: first.width,
                fields,
                instances,
                banked,
            });
        }
        layouts
    }

    fn enums(&self) -> Vec<EnumType> {
        let mut out = Vec::new();
        for (idx, id) in self.enum_ids.iter().enumerate() {
            if id.is_some() {
                out.push(self.enum_type(idx));
            }
        }
        out
    }

    fn enum_type(&self, idx: EnumIdx) -> EnumType {
        let info = &self.defs.enums[idx];
        EnumType {
            name: info.name.clone(),
            entries: info
                .entries
                .iter()
                .map(|e| EnumEntry {
                    name: e.name.clone(),
                    value: e.value,
                    display_name: e.display_name.clone(),
                    desc: e.desc.clone(),
                })
                .collect(),
        }
    }

    fn udp_type(&self, ty: &UdpTy) -> UdpType {
        match ty {
            UdpTy::Boolean => UdpType::Boolean,
            UdpTy::String => UdpType::String,
            UdpTy::Number => UdpType::Number,
            UdpTy::AccessType => UdpType::AccessType,
            UdpTy::OnReadType => UdpType::OnReadType,
            UdpTy::OnWriteType => UdpType::OnWriteType,
            UdpTy::Ref(k) => UdpType::Ref(k.map(Kind::to_ir)),
            UdpTy::Enum(e) => UdpType::Enum(self.enum_ids[*e].unwrap_or(EnumId(0))),
            UdpTy::Array(t) => UdpType::Array(Box::new(self.udp_type(t))),
            UdpTy::Addressing => UdpType::AddressingType,
            UdpTy::Struct(s) => UdpType::Struct(
                self.defs
                    .structs
                    .get(*s)
                    .map_or_else(String::new, |i| i.name.clone()),
            ),
        }
    }

    fn properties(&mut self) -> Vec<PropertyDecl> {
        let defs = self.defs;
        defs.udps
            .iter()
            .map(|u| PropertyDecl {
                name: u.name.clone(),
                ty: self.udp_type(&u.ty),
                components: u.kinds.iter().map(|k| k.to_ir()).collect(),
                default: u
                    .default
                    .as_ref()
                    .and_then(|v| self.udp_value(0, v, &u.ty, Span::default())),
                constrained: false,
            })
            .collect()
    }
}

/// The hint of a field overlap: the first free bits above the fields before it, if
/// the field fits there.
fn field_overlap_hint(name: &str, width: u32, taken_to: u32, reg_width: u32) -> String {
    let lsb = taken_to + 1;
    match lsb.checked_add(width - 1).filter(|&msb| msb < reg_width) {
        Some(msb) => format!(
            "a bit belongs to one field: move `{name}` above bit {taken_to}, e.g. `{name}[{msb}:{lsb}]`, or narrow the fields"
        ),
        None => format!(
            "a bit belongs to one field: narrow the fields, or widen the register with `regwidth` to place `{name}` above bit {taken_to}"
        ),
    }
}

/// The hint of a register overlap: the first address after the registers before it,
/// aligned to the register's size.
fn register_overlap_hint(path: &str, free: u64, size: u64) -> String {
    let align = if size.is_power_of_two() { size } else { 1 };
    let at = free.div_ceil(align).saturating_mul(align);
    format!("registers do not share bytes: place `{path}` at {at:#x} or above (`@ {at:#x}`), or leave out its `@` to let it follow the others")
}
