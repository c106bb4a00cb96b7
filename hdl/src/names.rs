//! The names of registers and fields in every output: one rule, decided here once, so
//! the Verilog, the C header, the Markdown and the HTML agree (`docs/architecture.md`,
//! "Names").
//!
//! * a **register** is named after its instance (`s_cr0` -> `S_CR0`), array elements
//!   with their indices appended (`q[2]` -> `Q_2`). If two registers would get the same
//!   name (instances of the same name in different regfiles), both use their flattened
//!   path below the top instead ([`flat_path`]: `ns.cr0` -> `NS_CR0`); if that still
//!   clashes, it is an error ([`NameClash`]).
//! * a **field** is `<register>_<field>` where one identifier is needed (Verilog, C
//!   macros) and `<REGISTER>.<FIELD>` in prose (docs, comments).
//! * the **case** is the output's: upper case in C (`SMMUV3_S_CR0_SMMUEN`), the docs
//!   (`S_CR0.SMMUEN`) and Verilog parameters (`S_IDR1_SECURE_IMPL`); lower case for
//!   Verilog signals and ports (`s_cr0_smmuen`, [`Names::rtl_field`]).
//! * a **definition** (layout) is named after the definition, upper case (`cr0` ->
//!   `CR0`): a banked register's definition is its banked name. A definition with a
//!   single instance takes that instance's name; a definition whose name is the name
//!   of some *other* register, or of another definition, takes its first instance's
//!   name, so a definition name never means two things.
//!
//! The text helpers spell conditions the way the docs and header comments show them:
//! `CR0.CMDQEN = 0`, `S_IDR1.SECURE_IMPL = 1`, and guards as "writable only while
//! CR0.CMDQEN = 0 and CR0ACK.CMDQEN = 0".

use std::collections::{BTreeMap, BTreeSet};

use regdef::access::{HwEnable, NextValue};
use regdef::ir::{Field, FieldRef, GuardTerm, LayoutId, RegId, Register, RegisterMap, SecSid};

/// Two registers (or definitions) that would get the same name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameClash {
    /// The name both would get.
    pub name: String,
    /// The paths of the registers involved.
    pub paths: Vec<String>,
}

impl std::fmt::Display for NameClash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "registers {} would all be named `{}`",
            self.paths.join(", "),
            self.name
        )
    }
}

impl std::error::Error for NameClash {}

/// The software names of every register and definition of a map.
#[derive(Clone, Debug)]
pub struct Names {
    regs: Vec<String>,
    layouts: Vec<String>,
}

/// The flattened path of a register below the top `addrmap`, with `.` and array
/// brackets turned into `_` (`smmuv3.ns.cr0` -> `ns_cr0`, `top.arr[2]` -> `arr_2`): the
/// name of registers whose instance names clash.
pub fn flat_path(map: &RegisterMap, reg: &Register) -> String {
    let path = reg
        .path
        .strip_prefix(&map.top)
        .and_then(|p| p.strip_prefix('.'))
        .unwrap_or(&reg.path);
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    out.trim_end_matches('_').to_string()
}

fn upper(s: &str) -> String {
    s.to_ascii_uppercase()
}

/// `inst_name` plus `_<i>` per array dimension.
fn instance_name(reg: &Register) -> String {
    let mut n = reg.inst_name.clone();
    for i in &reg.array_index {
        n.push_str(&format!("_{i}"));
    }
    upper(&n)
}

impl Names {
    /// Names every register and definition of `map`.
    pub fn new(map: &RegisterMap) -> Result<Names, NameClash> {
        let first: Vec<String> = map.registers.iter().map(instance_name).collect();
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for n in &first {
            *count.entry(n.as_str()).or_default() += 1;
        }
        let regs: Vec<String> = map
            .registers
            .iter()
            .zip(&first)
            .map(|(r, n)| {
                if count[n.as_str()] > 1 {
                    upper(&flat_path(map, r))
                } else {
                    n.clone()
                }
            })
            .collect();
        let mut by_name: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (r, n) in map.registers.iter().zip(&regs) {
            by_name.entry(n).or_default().push(r.path.clone());
        }
        if let Some((name, paths)) = by_name.into_iter().find(|(_, p)| p.len() > 1) {
            return Err(NameClash {
                name: name.to_string(),
                paths,
            });
        }

        let reg_names: BTreeSet<&str> = regs.iter().map(String::as_str).collect();
        let mut layout_count: BTreeMap<String, usize> = BTreeMap::new();
        for l in &map.layouts {
            *layout_count.entry(upper(&l.name)).or_default() += 1;
        }
        let layouts = map
            .layouts
            .iter()
            .map(|l| {
                let own = upper(&l.name);
                let first = l.instances.first().map(|id| regs[id.0].clone());
                let names_other_register = reg_names.contains(own.as_str())
                    && !l.instances.iter().any(|id| regs[id.0] == own);
                match first {
                    Some(f) if l.instances.len() == 1 => f,
                    Some(f) if names_other_register || layout_count[&own] > 1 => f,
                    _ => own,
                }
            })
            .collect();
        Ok(Names { regs, layouts })
    }

    /// The register's name (`S_CR0`).
    pub fn reg(&self, id: RegId) -> &str {
        &self.regs[id.0]
    }

    /// The name of a register definition (`CR0`, shared by CR0 and S_CR0).
    pub fn layout(&self, id: LayoutId) -> &str {
        &self.layouts[id.0]
    }

    /// The register's name in Verilog signals (`s_cr0`): [`Names::reg`] in lower case.
    pub fn rtl_reg(&self, id: RegId) -> String {
        self.reg(id).to_ascii_lowercase()
    }

    /// A field's name in Verilog (`s_cr0_smmuen`: its ports add `_next`, `_we`, ...;
    /// in upper case it is the field's parameter, `S_IDR1_SECURE_IMPL`).
    pub fn rtl_field(&self, map: &RegisterMap, f: FieldRef) -> String {
        format!("{}_{}", self.rtl_reg(f.reg), map.field(f).name).to_ascii_lowercase()
    }

    /// `REGISTER.FIELD` (`S_CR0ACK.SMMUEN`).
    pub fn field(&self, map: &RegisterMap, f: FieldRef) -> String {
        format!("{}.{}", self.reg(f.reg), upper(&map.field(f).name))
    }

    /// A condition on a field: `X = 0`, `X = 1` (1 bit) or `X != 0` (wider).
    pub fn condition(&self, map: &RegisterMap, f: FieldRef, when_set: bool) -> String {
        let name = self.field(map, f);
        match (when_set, map.field(f).width()) {
            (false, _) => format!("{name} = 0"),
            (true, 1) => format!("{name} = 1"),
            (true, _) => format!("{name} != 0"),
        }
    }

    /// A field's write guard ([`Field::guard`]), e.g. "writable only while CR0.CMDQEN
    /// = 0 and CR0ACK.CMDQEN = 0"; `None` without a guard.
    pub fn guard(&self, map: &RegisterMap, guard: &[GuardTerm]) -> Option<String> {
        (!guard.is_empty()).then(|| {
            format!(
                "writable only while {}",
                join_and(
                    guard
                        .iter()
                        .map(|t| self.condition(map, t.field, t.when_set))
                        .collect()
                )
            )
        })
    }

    /// A register's presence condition ([`Register::present_when`]), e.g. "present
    /// only while S_IDR1.SECURE_IMPL = 1 and S_IDR0.MSI = 1"; `None` if always present.
    pub fn presence(&self, map: &RegisterMap, reg: &Register) -> Option<String> {
        (!reg.present_when.is_empty()).then(|| {
            format!(
                "present only while {}; otherwise reads as zero and ignores writes",
                join_and(
                    reg.present_when
                        .iter()
                        .map(|&f| self.condition(map, f, true))
                        .collect()
                )
            )
        })
    }

    /// A field's presence condition ([`Field::present_when`], "Field presence" in
    /// [`regdef::access`]), e.g. "RES0 unless IDR0.VMW = 1"; `None` if the field is
    /// there whenever its register is.
    pub fn field_presence(&self, map: &RegisterMap, f: &Field) -> Option<String> {
        (!f.present_when.is_empty()).then(|| {
            format!(
                "RES0 unless {}",
                join_and(
                    f.present_when
                        .iter()
                        .map(|&t| self.condition(map, t, true))
                        .collect()
                )
            )
        })
    }

    /// What hardware sees and does to a field, from its `hw` access and its
    /// [`NextValue`] units: "reads; writes (we)", "mirrors CR0.SMMUEN", "—".
    pub fn hardware(&self, map: &RegisterMap, f: &Field) -> String {
        let mut parts: Vec<String> = Vec::new();
        if f.hw.can_read() {
            parts.push("reads".into());
        }
        for nv in &f.next_value {
            let p = match nv {
                NextValue::SwWrite | NextValue::SwRead => continue,
                NextValue::HwWrite => match f.hw_enable {
                    HwEnable::We => "writes (we)".to_string(),
                    HwEnable::Wel => "writes (wel)".to_string(),
                    HwEnable::Continuous | HwEnable::None => "drives".to_string(),
                },
                NextValue::HwSet => "sets (hwset)".into(),
                NextValue::HwClr => "clears (hwclr)".into(),
                NextValue::AckMirror => match f.acknowledges {
                    Some(c) => format!("mirrors {}", self.field(map, c)),
                    None => "mirrors its control field".into(),
                },
                NextValue::UpdateComplete => "clears on update completion".into(),
                NextValue::PulseEnd => "single pulse".into(),
                NextValue::Sticky | NextValue::StickyBits | NextValue::CounterStep => {
                    nv.describe().into()
                }
            };
            parts.push(p);
        }
        if f.swmod {
            parts.push("swmod strobe".into());
        }
        if f.swacc {
            parts.push("swacc strobe".into());
        }
        if parts.is_empty() {
            "—".into()
        } else {
            parts.join("; ")
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
pub fn join_and(mut items: Vec<String>) -> String {
    match items.len() {
        0 => String::new(),
        1 => items.remove(0),
        _ => {
            let last = items.pop().unwrap_or_default();
            format!("{} and {last}", items.join(", "))
        }
    }
}

/// Short name of a bank (`NS`, `S`), as the SMMU's register names use it.
pub const fn bank_short(bank: SecSid) -> &'static str {
    match bank {
        SecSid::NonSecure => "NS",
        SecSid::Secure => "S",
    }
}

/// A field's bit range: `[5]` or `[8:6]`; for a reversed field
/// (`[low:high]`, SystemRDL 2.0 10.7) `[6:9], bit-reversed: value bit 0 is register
/// bit 9`.
pub fn bits(f: &Field) -> String {
    bit_range(f.lsb, f.msb, f.reversed())
}

/// [`bits`] from the numbers: register bits `lsb..=msb`, `reversed` if the field's
/// value runs the other way ([`Field::reversed`]).
pub fn bit_range(lsb: u32, msb: u32, reversed: bool) -> String {
    if reversed {
        format!("[{lsb}:{msb}], bit-reversed: value bit 0 is register bit {msb}")
    } else if msb == lsb {
        format!("[{lsb}]")
    } else {
        format!("[{msb}:{lsb}]")
    }
}

/// Runs of bits of a register that no present field covers (RES0), `(lsb, msb)`,
/// least significant first.
pub fn res0_runs(reg: &Register) -> Vec<(u32, u32)> {
    let defined = reg.defined_mask();
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for b in 0..reg.width {
        if defined >> b & 1 == 0 {
            match runs.last_mut() {
                Some(r) if r.1 + 1 == b => r.1 = b,
                _ => runs.push((b, b)),
            }
        }
    }
    runs
}

/// Hex digits needed for the map's largest address (at least 4), for aligned offsets.
pub fn address_digits(map: &RegisterMap) -> usize {
    let max = map.registers.iter().map(|r| r.address).max().unwrap_or(0);
    let digits = (64 - max.leading_zeros()).div_ceil(4) as usize;
    digits.max(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(src: &str) -> RegisterMap {
        regdef::compile_source("t.rdl", src).unwrap_or_else(|d| panic!("{d}"))
    }

    #[test]
    fn instance_names_and_fallback_to_paths() {
        let m = map("addrmap top {
            regfile { reg r_t { field { sw = rw; } en[0:0] = 0; }; r_t ctrl @ 0; r_t q[2] @ 0x10 += 4; } a @ 0x0;
            regfile { reg { field { sw = rw; } en[0:0] = 0; } ctrl @ 0; } b @ 0x100;
        };");
        let n = Names::new(&m).unwrap();
        let names: Vec<&str> = m.iter().map(|(id, _)| n.reg(id)).collect();
        // Both `ctrl`s clash, so they take their paths; array elements get indices.
        assert_eq!(names, ["A_CTRL", "Q_0", "Q_1", "B_CTRL"]);
    }

    #[test]
    fn definition_names() {
        let m = map("addrmap top {
            reg cr_t { field { sw = rw; } en[0:0] = 0; };
            reg { field { sw = rw; } en[0:0] = 0; } solo @ 0x40;
            regfile { cr_t cr @ 0; } ns @ 0x0;
            regfile { cr_t s_cr @ 0; } s @ 0x100;
        };");
        let n = Names::new(&m).unwrap();
        let by_path = |p: &str| m.reg(m.find(p).unwrap()).layout;
        assert_eq!(n.layout(by_path("top.ns.cr")), "CR_T");
        assert_eq!(n.layout(by_path("top.solo")), "SOLO");
    }

    #[test]
    fn conditions_and_guards() {
        let m = map("property write_guard { type = ref[]; component = reg | field; };
            property ack_of { type = ref; component = reg; };
            addrmap top {
            reg { field { sw = rw; hw = r; } en[0:0] = 0; field { sw = rw; hw = r; } mode[3:2] = 0; } cr0 @ 0;
            reg { field { sw = r; hw = w; we; } en[0:0] = 0; field { sw = r; hw = w; we; } mode[3:2] = 0; } cr0ack @ 4;
            reg { field { sw = rw; hw = r; } base[31:0]; } base @ 8;
            cr0ack->ack_of = cr0;
            base->write_guard = '{cr0.en};
        };");
        let n = Names::new(&m).unwrap();
        let base = m.reg(m.find("top.base").unwrap());
        assert_eq!(
            n.guard(&m, &base.fields[0].guard).as_deref(),
            Some("writable only while CR0.EN = 0 and CR0ACK.EN = 0")
        );
        let cr0 = m.find("top.cr0").unwrap();
        let mode = FieldRef { reg: cr0, field: 1 };
        assert_eq!(n.condition(&m, mode, true), "CR0.MODE != 0");
        assert_eq!(n.condition(&m, mode, false), "CR0.MODE = 0");
        let ack = m.reg(m.find("top.cr0ack").unwrap());
        assert_eq!(n.hardware(&m, &ack.fields[1]), "mirrors CR0.MODE");
        assert_eq!(
            join_and(vec!["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
    }
}
