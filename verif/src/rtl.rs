//! The RTL of one configuration and its hardware interface.
//!
//! [`Design::generate`] runs `hdl::verilog::modules` for one bus and completion mode,
//! and reads from the syntax trees (not from the printed text) what the testbenches
//! need: every output of the top level and the field it shows, every hardware input
//! and the field it drives, the parameters of implementation-defined fields, and the
//! flip-flop of each stored field (for restores). A port the harness cannot place, or
//! a field the map says has an input the RTL lacks, is an error: the harness never
//! silently ignores part of the interface.

use std::collections::BTreeMap;

use hdl::names::Names;
use hdl::verilog::ast::{Direction, Expr, Item, Module, NetKind};
use hdl::verilog::{Bus, GeneratedFile, ResetStyle, VerilogOptions};
use regdef::access::{Completion, HwEnable, NextValue};
use regdef::ir::{FieldRef, RegisterMap};

use crate::mutate::Mutation;
use crate::Error;

/// What an observed output port shows.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ObsKind {
    /// The field's value (`<field>`).
    Value(FieldRef),
    /// `<field>_swmod`: 1 in a cycle software modifies the field.
    Swmod(FieldRef),
    /// `<field>_swacc`: 1 in a cycle software reads the field's word.
    Swacc(FieldRef),
    /// A `singlepulse` field's value output, seen high during the step.
    Pulse(FieldRef),
}

impl ObsKind {
    /// The field.
    pub const fn field(self) -> FieldRef {
        match self {
            ObsKind::Value(f) | ObsKind::Swmod(f) | ObsKind::Swacc(f) | ObsKind::Pulse(f) => f,
        }
    }

    /// Whether the bit is accumulated over the step (a strobe) rather than sampled
    /// at its end.
    pub const fn is_strobe(self) -> bool {
        !matches!(self, ObsKind::Value(_))
    }
}

/// One observed signal: a slice of the observation vector.
#[derive(Clone, Debug)]
pub struct ObsPort {
    /// Port name in the syntax tree (not legalised).
    pub name: String,
    /// Width in bits.
    pub width: u32,
    /// Bit offset in the observation vector.
    pub offset: u32,
    /// What it shows.
    pub kind: ObsKind,
}

/// The hardware inputs of one field.
#[derive(Clone, Debug)]
pub struct HwPort {
    /// The field.
    pub field: FieldRef,
    /// Its flat name (`cmdq_cons_rd`).
    pub name: String,
    /// Width in bits.
    pub width: u32,
    /// How a hardware write reaches it, if it can.
    pub write: Option<HwWrite>,
    /// `<field>_hwset`.
    pub set: Option<String>,
    /// `<field>_hwclr`.
    pub clr: Option<String>,
}

/// The ports of a hardware write.
#[derive(Clone, Debug)]
pub enum HwWrite {
    /// `<field>_next` with `<field>_we` (active high) or `<field>_wel` (active low):
    /// driven for one cycle.
    Enabled {
        /// The data input.
        next: String,
        /// The enable input.
        enable: String,
        /// Whether the enable is active low.
        active_low: bool,
    },
    /// `<field>_in`: the value every cycle; the testbench holds it.
    Continuous {
        /// The input.
        input: String,
    },
}

/// How a restore reaches a field's state.
#[derive(Clone, Debug)]
pub enum Deposit {
    /// The field's flip-flops in the core: bits `lsb..lsb + width` of the reg `flop`
    /// (`store_q`, which `<field>_q` selects; or a reg `<field>_q` of its own).
    Flop {
        /// The field.
        field: FieldRef,
        /// The reg's name in the core.
        flop: String,
        /// The field's lowest bit in it.
        lsb: u32,
        /// Width.
        width: u32,
        /// Width of the whole reg.
        reg_width: u32,
    },
    /// A field that is its `_in` input: the held input.
    Wire {
        /// The field.
        field: FieldRef,
        /// Index into [`Design::hw`].
        hw: usize,
    },
}

/// The RTL of one configuration, with its interface.
#[derive(Clone, Debug)]
pub struct Design {
    /// Bus front end.
    pub bus: Bus,
    /// Completion of ACK mirrors and update handshakes.
    pub completion: Completion,
    /// The printed files.
    pub files: Vec<GeneratedFile>,
    /// The top-level module (adapter + core).
    pub top: Module,
    /// Instance name of the core in the top level.
    pub core_instance: String,
    /// Address bits the core decodes.
    pub addr_width: u32,
    /// Observed outputs, in observation-vector order (values first, then strobes).
    pub obs: Vec<ObsPort>,
    /// Bits of the observation vector.
    pub obs_bits: u32,
    /// Fields with hardware inputs.
    pub hw: Vec<HwPort>,
    /// Index into `hw` by field.
    pub hw_index: BTreeMap<FieldRef, usize>,
    /// How a restore reaches each stored field.
    pub deposits: Vec<Deposit>,
    /// Parameters of the top level: name and width.
    pub params: Vec<(String, u32)>,
    /// Parameter of each implementation-defined field.
    pub impl_params: BTreeMap<FieldRef, String>,
    /// A hash of every generated file (the build-cache key).
    pub hash: u64,
    /// The mutation applied, if any (for reports).
    pub mutation: Option<String>,
}

/// The bus ports of each front end (driven by the testbench, not observed).
pub fn bus_ports(bus: Bus) -> &'static [&'static str] {
    match bus {
        Bus::Apb4 => &[
            "psel", "penable", "pwrite", "paddr", "pwdata", "pstrb", "pprot", "prdata", "pready",
            "pslverr",
        ],
        Bus::Apb3 => &[
            "psel", "penable", "pwrite", "paddr", "pwdata", "psecure", "prdata", "pready",
            "pslverr",
        ],
        Bus::AhbLite => &[
            "hsel",
            "haddr",
            "htrans",
            "hwrite",
            "hsize",
            "hnonsec",
            "hwdata",
            "hready",
            "hreadyout",
            "hresp",
            "hrdata",
        ],
        Bus::Avalon => &[
            "avs_address",
            "avs_read",
            "avs_write",
            "avs_writedata",
            "avs_byteenable",
            "avs_secure",
            "avs_readdata",
            "avs_readdatavalid",
        ],
        Bus::Axi4Lite => &[
            "awvalid", "awready", "awaddr", "awprot", "wvalid", "wready", "wdata", "wstrb",
            "bvalid", "bready", "bresp", "arvalid", "arready", "araddr", "arprot", "rvalid",
            "rready", "rdata", "rresp",
        ],
    }
}

/// FNV-1a, 64 bits: a stable hash for cache keys (std's hasher may change).
pub fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in *p {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // Separate the parts, so ("ab", "c") and ("a", "bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Design {
    /// Generates the RTL of `map` for `bus` and `completion` (synchronous active-high
    /// reset), applies `mutation` to the syntax trees if given, and reads its
    /// interface.
    pub fn generate(
        map: &RegisterMap,
        bus: Bus,
        completion: Completion,
        mutation: Option<&Mutation>,
    ) -> Result<Design, Error> {
        let opts = VerilogOptions {
            buses: vec![bus],
            reset: ResetStyle::SyncHigh,
            completion,
            errors: hdl::verilog::BusErrors::RazWi,
        };
        let mut modules =
            hdl::verilog::modules(map, &opts).map_err(|e| Error::Rtl(e.to_string()))?;
        let core_name = hdl::verilog::core_name(map);
        if let Some(m) = mutation {
            m.apply(&mut modules, &core_name)?;
        }
        // Print what was (possibly) mutated, exactly as `generate` prints.
        let files: Vec<GeneratedFile> = modules
            .iter()
            .map(|m| GeneratedFile {
                name: format!("{}.v", m.name),
                contents: hdl::verilog::print::module(m),
            })
            .collect();
        let top_name = format!("{}_{}", map.top, bus.suffix());
        let top = modules
            .iter()
            .find(|m| m.name == top_name)
            .cloned()
            .ok_or_else(|| Error::Rtl(format!("no top-level module {top_name}")))?;
        let core = modules
            .iter()
            .find(|m| m.name == core_name)
            .ok_or_else(|| Error::Rtl(format!("no core module {core_name}")))?;
        let core_instance = top
            .items
            .iter()
            .find_map(|i| match i {
                Item::Instance(inst) if inst.module == core_name => Some(inst.name.clone()),
                _ => None,
            })
            .ok_or_else(|| Error::Rtl(format!("{top_name} does not instantiate {core_name}")))?;
        let addr_width = hdl::verilog::regblock::addr_width(map);
        let parts: Vec<&[u8]> = files.iter().map(|f| f.contents.as_bytes()).collect();
        let hash = fnv1a(&parts);
        let mut d = Design {
            bus,
            completion,
            files,
            top,
            core_instance,
            addr_width,
            obs: Vec::new(),
            obs_bits: 0,
            hw: Vec::new(),
            hw_index: BTreeMap::new(),
            deposits: Vec::new(),
            params: Vec::new(),
            impl_params: BTreeMap::new(),
            hash,
            mutation: mutation.map(|m| m.to_string()),
        };
        d.read_interface(map, core)?;
        Ok(d)
    }

    /// Top-level module name.
    pub fn top_name(&self) -> &str {
        &self.top.name
    }

    fn read_interface(&mut self, map: &RegisterMap, core: &Module) -> Result<(), Error> {
        // The generator's names (`hdl::names`), so ports bind by the same rule.
        let names = Names::new(map).map_err(|e| Error::Rtl(e.to_string()))?;
        let field_name = |map: &RegisterMap, f: FieldRef| names.rtl_field(map, f);
        // Every field by flat name.
        let mut fields: BTreeMap<String, FieldRef> = BTreeMap::new();
        for (id, r) in map.iter() {
            for i in 0..r.fields.len() {
                let f = FieldRef { reg: id, field: i };
                fields.insert(field_name(map, f), f);
            }
        }
        let bus = bus_ports(self.bus);
        let mut values = Vec::new();
        let mut strobes = Vec::new();
        // A field's hardware inputs, collected port by port.
        let new_port = |f: FieldRef| HwPort {
            field: f,
            name: field_name(map, f),
            width: map.field(f).width(),
            write: None,
            set: None,
            clr: None,
        };
        let mut pending_we: BTreeMap<FieldRef, (String, bool)> = BTreeMap::new();
        let mut pending_next: BTreeMap<FieldRef, String> = BTreeMap::new();
        let mut hw_done: BTreeMap<FieldRef, HwPort> = BTreeMap::new();
        for p in &self.top.ports {
            if p.name == "clk" || p.name == "rst" || bus.contains(&p.name.as_str()) {
                continue;
            }
            let unknown = || {
                Error::Rtl(format!(
                    "port {} of {}: no field of the map",
                    p.name, self.top.name
                ))
            };
            // The longest field name that prefixes the port wins (`a_b` before `a`).
            let split = |suffix: &str| -> Option<FieldRef> {
                p.name
                    .strip_suffix(suffix)
                    .and_then(|f| fields.get(f).copied())
            };
            match p.dir {
                Direction::Output => {
                    if let Some(f) = fields.get(&p.name).copied() {
                        let field = map.field(f);
                        if field.width() != p.width {
                            return Err(Error::Rtl(format!(
                                "output {} is {} bits, the field {} bits",
                                p.name,
                                p.width,
                                field.width()
                            )));
                        }
                        values.push((p.name.clone(), p.width, ObsKind::Value(f)));
                        if field.singlepulse {
                            strobes.push((p.name.clone(), p.width, ObsKind::Pulse(f)));
                        }
                    } else if let Some(f) = split("_swmod") {
                        strobes.push((p.name.clone(), 1, ObsKind::Swmod(f)));
                    } else if let Some(f) = split("_swacc") {
                        strobes.push((p.name.clone(), 1, ObsKind::Swacc(f)));
                    } else {
                        return Err(unknown());
                    }
                }
                Direction::Input => {
                    if let Some(f) = split("_next") {
                        pending_next.insert(f, p.name.clone());
                    } else if let Some(f) = split("_we") {
                        pending_we.insert(f, (p.name.clone(), false));
                    } else if let Some(f) = split("_wel") {
                        pending_we.insert(f, (p.name.clone(), true));
                    } else if let Some(f) = split("_in") {
                        let mut h = hw_done.remove(&f).unwrap_or_else(|| new_port(f));
                        h.write = Some(HwWrite::Continuous {
                            input: p.name.clone(),
                        });
                        hw_done.insert(f, h);
                    } else if let Some(f) = split("_hwset") {
                        let mut h = hw_done.remove(&f).unwrap_or_else(|| new_port(f));
                        h.set = Some(p.name.clone());
                        hw_done.insert(f, h);
                    } else if let Some(f) = split("_hwclr") {
                        let mut h = hw_done.remove(&f).unwrap_or_else(|| new_port(f));
                        h.clr = Some(p.name.clone());
                        hw_done.insert(f, h);
                    } else {
                        return Err(unknown());
                    }
                }
            }
        }
        for (f, next) in pending_next {
            let (enable, active_low) = pending_we
                .remove(&f)
                .ok_or_else(|| Error::Rtl(format!("{next} has no write-enable input")))?;
            let mut h = hw_done.remove(&f).unwrap_or_else(|| new_port(f));
            h.write = Some(HwWrite::Enabled {
                next,
                enable,
                active_low,
            });
            hw_done.insert(f, h);
        }
        if let Some((_, (name, _))) = pending_we.into_iter().next() {
            return Err(Error::Rtl(format!("{name} has no data input")));
        }
        // Every hardware input the map gives a field in this completion mode must
        // be there, and nothing more.
        for (id, r) in map.iter() {
            for (i, field) in r.fields.iter().enumerate() {
                let f = FieldRef { reg: id, field: i };
                let handshake = self.completion == Completion::Handshake;
                let wants_write = field.next_value.contains(&NextValue::HwWrite)
                    || (handshake && field.next_value.contains(&NextValue::AckMirror));
                let wants_set = field.hwset;
                let wants_clr = field.next_value.contains(&NextValue::HwClr)
                    || (handshake && field.next_value.contains(&NextValue::UpdateComplete));
                let h = hw_done.get(&f);
                let has = (
                    h.is_some_and(|h| h.write.is_some()),
                    h.is_some_and(|h| h.set.is_some()),
                    h.is_some_and(|h| h.clr.is_some()),
                );
                if has != (wants_write, wants_set, wants_clr) {
                    return Err(Error::Rtl(format!(
                        "{}: the map gives (write, hwset, hwclr) = {:?}, the RTL has {:?}",
                        map.field_path(f),
                        (wants_write, wants_set, wants_clr),
                        has
                    )));
                }
                if let (Some(h), true) = (h, field.hw_enable == HwEnable::Continuous) {
                    if !matches!(h.write, Some(HwWrite::Continuous { .. })) {
                        return Err(Error::Rtl(format!(
                            "{}: a continuous hardware write without an _in port",
                            map.field_path(f)
                        )));
                    }
                }
            }
        }
        let mut offset = 0;
        for (name, width, kind) in values.into_iter().chain(strobes) {
            self.obs.push(ObsPort {
                name,
                width,
                offset,
                kind,
            });
            offset += width;
        }
        self.obs_bits = offset;
        self.hw = hw_done.into_values().collect();
        self.hw_index = self
            .hw
            .iter()
            .enumerate()
            .map(|(i, h)| (h.field, i))
            .collect();

        // Restores: every field that is neither a constant nor an input wire has
        // flip-flops: a reg `<field>_q`, or `<field>_q` a select of a reg.
        let regs: BTreeMap<&str, u32> = core
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Decl(d) if d.kind == NetKind::Reg => Some((d.name.as_str(), d.width)),
                _ => None,
            })
            .collect();
        let selects: BTreeMap<&str, (&str, u32, u32)> = core
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Assign {
                    lhs: Expr::Ident(n),
                    rhs,
                } => match rhs {
                    Expr::Slice(v, m, l) => Some((n.as_str(), (v.as_str(), *l, m - l + 1))),
                    Expr::Index(v, b) => Some((n.as_str(), (v.as_str(), *b, 1))),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        for (id, r) in map.iter() {
            for (i, field) in r.fields.iter().enumerate() {
                let f = FieldRef { reg: id, field: i };
                if field.next_value.is_empty() {
                    continue; // a constant: a literal or a parameter
                }
                if let Some(&hw) = self.hw_index.get(&f) {
                    if matches!(self.hw[hw].write, Some(HwWrite::Continuous { .. }))
                        && field.next_value.first() == Some(&NextValue::HwWrite)
                    {
                        self.deposits.push(Deposit::Wire { field: f, hw });
                        continue;
                    }
                }
                let q = format!("{}_q", field_name(map, f));
                let found = match (regs.get(q.as_str()), selects.get(q.as_str())) {
                    (Some(&w), _) => Some((q.clone(), 0, w, w)),
                    (None, Some(&(v, lsb, w))) => {
                        regs.get(v).map(|&rw| (v.to_string(), lsb, w, rw))
                    }
                    _ => None,
                };
                match found {
                    Some((flop, lsb, width, reg_width)) if width == field.width() => {
                        self.deposits.push(Deposit::Flop {
                            field: f,
                            flop,
                            lsb,
                            width,
                            reg_width,
                        })
                    }
                    _ => {
                        return Err(Error::Rtl(format!(
                            "{}: no {}-bit flip-flop {q} in the core (restores deposit there)",
                            map.field_path(f),
                            field.width()
                        )))
                    }
                }
            }
        }

        // Parameters: one per implementation-defined field (its value, or its
        // reset for a stored field).
        self.params = self
            .top
            .params
            .iter()
            .map(|p| (p.name.clone(), p.width))
            .collect();
        for f in map.impl_defined_fields() {
            let base = field_name(map, f).to_uppercase();
            let name = [base.clone(), format!("{base}_RESET")]
                .into_iter()
                .find(|n| self.params.iter().any(|(p, _)| p == n))
                .ok_or_else(|| Error::Rtl(format!("{}: no parameter {base}", map.field_path(f))))?;
            self.impl_params.insert(f, name);
        }
        Ok(())
    }

    /// The observation port showing `kind`, if any.
    pub fn obs_port(&self, kind: ObsKind) -> Option<&ObsPort> {
        self.obs.iter().find(|p| p.kind == kind)
    }

    /// Width of a parameter.
    pub fn param_width(&self, name: &str) -> Option<u32> {
        self.params.iter().find(|(n, _)| n == name).map(|&(_, w)| w)
    }
}

/// Whether `e` mentions identifier `name` (used by mutations and tests).
pub fn mentions(e: &Expr, name: &str) -> bool {
    let mut found = false;
    e.for_each_ident(&mut |n| found |= n == name);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smmuv3_interface_is_complete() {
        let map = crate::regs::map().unwrap();
        let d = Design::generate(map, Bus::Apb4, Completion::Immediate, None).unwrap();
        let cr0 = map.find("smmuv3.ns.cr0").unwrap();
        let en = d
            .obs_port(ObsKind::Value(FieldRef { reg: cr0, field: 0 }))
            .unwrap();
        assert_eq!((en.name.as_str(), en.width), ("cr0_smmuen", 1));
        let prod = map.find("smmuv3.ns.cmdq_prod").unwrap();
        assert!(d
            .obs_port(ObsKind::Swmod(FieldRef {
                reg: prod,
                field: 0
            }))
            .is_some());
        // STATUSR.DORMANT is an input wire; CMDQ_CONS.RD a next/we pair.
        let dormant = map.find("smmuv3.ns.statusr").unwrap();
        let h = &d.hw[d.hw_index[&FieldRef {
            reg: dormant,
            field: 0,
        }]];
        assert!(matches!(h.write, Some(HwWrite::Continuous { .. })));
        let cons = map.find("smmuv3.ns.cmdq_cons").unwrap();
        let h = &d.hw[d.hw_index[&FieldRef {
            reg: cons,
            field: 0,
        }]];
        assert!(matches!(
            &h.write,
            Some(HwWrite::Enabled { next, active_low: false, .. }) if next == "cmdq_cons_rd_next"
        ));
        let init = map.find("smmuv3.s.s_init").unwrap();
        assert!(d.hw[d.hw_index[&FieldRef {
            reg: init,
            field: 0
        }]]
            .clr
            .is_some());
        assert_eq!(d.addr_width, 17);
        assert_eq!(d.impl_params.len(), map.impl_defined_fields().count());
        // Handshake completion adds the ACK write inputs.
        let h = Design::generate(map, Bus::Axi4Lite, Completion::Handshake, None).unwrap();
        let ack = map.find("smmuv3.ns.cr0ack").unwrap();
        assert!(h.hw_index.contains_key(&FieldRef { reg: ack, field: 0 }));
        assert!(!d.hw_index.contains_key(&FieldRef { reg: ack, field: 0 }));
    }
}
