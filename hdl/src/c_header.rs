//! IR -> C header for firmware: register offsets, resets and banks, field shifts,
//! widths and masks, and the encoded values of enumerated fields; plus a C program
//! that checks the header against the IR at compile time.
//!
//! # Naming
//!
//! `P` is the prefix, the top `addrmap`'s name in upper case (`SMMUV3`), or
//! [`CHeaderOptions::prefix`]. Register and definition names are those of
//! [`crate::names`] (`CR0`, `S_CR0`, `EVENTQ_PROD`).
//!
//! | Macro | Meaning |
//! |---|---|
//! | `P_BANK_NS`, `P_BANK_S` | the security banks (0 Non-secure, 1 Secure) |
//! | `P_<REG>_OFFSET` | byte offset of the register from the block's base |
//! | `P_<REG>_RESET` | its value after reset (implementation-defined fields: their default) |
//! | `P_<REG>_BANK` | the bank that owns it |
//! | `P_<DEF>_OFFSET_IN(bank)` | a banked register's offset in `bank` (`P_CR0_OFFSET_IN(P_BANK_S)` is `P_S_CR0_OFFSET`) |
//! | `P_<DEF>_<FIELD>_SHIFT`, `_WIDTH`, `_MASK` | a field: lsb, width, mask in the register |
//! | `P_<DEF>_<FIELD>_<VALUE>` | an encoded value of the field (`encode`), not shifted |
//! | `P_<DEF>_<FIELD>_GET(reg)`, `_SET(reg, value)` | only for a bit-reversed field (below): its value from a register value, and a register value with the field set |
//!
//! A field written `[low:high]` (or packed in an `msb0` addrmap) holds its value
//! bit-reversed (SystemRDL 2.0 10.7, [`regdef::ir::Field::reversed`]): value bit 0 is
//! register bit `msb`. `(reg & MASK) >> SHIFT` gives its bits, not its value, so the
//! header adds `_GET` and `_SET` for such a field, through one `static inline`
//! `P_reverse_bits`, and the checking program runs them on the field's reset and on
//! single bits.
//!
//! Field macros belong to the register *definition*: a banked register shares them,
//! so S_CR0.SMMUEN is `SMMUV3_CR0_SMMUEN_MASK`. A field that only some instances have
//! (S_CR0.SIF) says so in its comment. Values that do not fit in 32 bits (and every
//! mask and reset of a 64-bit register) are written `UINT64_C(...)`, so the header
//! includes `<stdint.h>`; the others are unsigned (`0x20U`).
//!
//! Every name is checked: two macros with the same name are an error, never a
//! silent redefinition.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use regdef::dump::Padded;
use regdef::ir::{FieldRef, LayoutId, RegId, RegisterMap, SecSid};

use crate::names::{self, NameClash, Names};

/// Options of the C back end.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CHeaderOptions {
    /// Macro prefix; default: the top `addrmap`'s name in upper case.
    pub prefix: Option<String>,
}

/// Why the header could not be generated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CHeaderError {
    /// Two registers would get the same name.
    Names(NameClash),
    /// Two macros would get the same name.
    DuplicateMacro {
        /// The macro.
        name: String,
        /// What the second one was for.
        what: String,
    },
    /// The prefix is not a C identifier, or is reserved (starts with `_`).
    BadPrefix(String),
    /// The map uses a construct the C back end does not implement.
    Unsupported(regdef::ir::Unsupported),
}

impl std::fmt::Display for CHeaderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CHeaderError::Names(c) => write!(f, "C header: {c}"),
            CHeaderError::DuplicateMacro { name, what } => {
                write!(f, "C header: macro `{name}` ({what}) is defined twice")
            }
            CHeaderError::BadPrefix(p) => write!(
                f,
                "C header: prefix `{p}` is not a C identifier that may start a macro name"
            ),
            CHeaderError::Unsupported(u) => write!(f, "{u}"),
        }
    }
}

impl std::error::Error for CHeaderError {}

impl From<NameClash> for CHeaderError {
    fn from(c: NameClash) -> Self {
        CHeaderError::Names(c)
    }
}

/// File name of the header: `<top>.h`.
pub fn header_name(map: &RegisterMap) -> String {
    format!("{}.h", map.top)
}

/// File name of the checking program: `<top>_header_test.c`.
pub fn test_name(map: &RegisterMap) -> String {
    format!("{}_header_test.c", map.top)
}

/// One `#define` with its value and a short label for error messages.
struct Define {
    name: String,
    value: String,
    comment: Option<String>,
}

/// Everything the header says, decided once; the header and the test print it.
struct Plan<'a> {
    map: &'a RegisterMap,
    names: Names,
    prefix: String,
    guard_macro: String,
}

/// The [`regdef::ir::Feature`]s the C header implements; a map using any other is
/// refused by name.
pub const IMPLEMENTS: &[regdef::ir::Feature] = &[];

impl<'a> Plan<'a> {
    fn new(map: &'a RegisterMap, opts: &CHeaderOptions) -> Result<Plan<'a>, CHeaderError> {
        map.require("the C header", IMPLEMENTS)
            .map_err(CHeaderError::Unsupported)?;
        let prefix = opts
            .prefix
            .clone()
            .unwrap_or_else(|| map.top.to_ascii_uppercase());
        let ok = prefix
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            return Err(CHeaderError::BadPrefix(prefix));
        }
        let guard_macro = format!("{}_H", map.top.to_ascii_uppercase());
        Ok(Plan {
            map,
            names: Names::new(map)?,
            prefix,
            guard_macro,
        })
    }

    fn reg_macro(&self, id: RegId, what: &str) -> String {
        format!("{}_{}_{what}", self.prefix, self.names.reg(id))
    }

    fn field_macro(&self, l: LayoutId, field: &str, what: &str) -> String {
        format!(
            "{}_{}_{}_{what}",
            self.prefix,
            self.names.layout(l),
            field.to_ascii_uppercase()
        )
    }

    fn bank_macro(&self, bank: SecSid) -> String {
        format!("{}_BANK_{}", self.prefix, names::bank_short(bank))
    }

    /// Layouts in the order of their first instance's address.
    fn layouts_in_order(&self) -> Vec<LayoutId> {
        let mut ids: Vec<LayoutId> = (0..self.map.layouts.len()).map(LayoutId).collect();
        ids.sort_by_key(|l| {
            self.map
                .layout(*l)
                .instances
                .first()
                .map_or(u64::MAX, |r| self.map.reg(*r).address)
        });
        ids.retain(|l| !self.map.layout(*l).instances.is_empty());
        ids
    }

    /// Whether some field of the map is bit-reversed ([`regdef::ir::Field::reversed`]).
    fn any_reversed(&self) -> bool {
        self.map
            .registers
            .iter()
            .any(|r| r.fields.iter().any(|f| f.reversed()))
    }

    /// `P_reverse_bits`, the C twin of [`regdef::access::reverse_bits`].
    fn reverse_fn(&self) -> String {
        format!("{}_reverse_bits", self.prefix)
    }

    /// The fields of the definition that some instance has, with the instances
    /// that have each (by layout-field index).
    fn field_instances(&self, l: LayoutId) -> Vec<Vec<FieldRef>> {
        let layout = self.map.layout(l);
        layout
            .fields
            .iter()
            .map(|lf| {
                layout
                    .instances
                    .iter()
                    .filter_map(|&rid| {
                        self.map
                            .reg(rid)
                            .field_named(&lf.name)
                            .map(|(field, _)| FieldRef { reg: rid, field })
                    })
                    .collect()
            })
            .collect()
    }
}

/// An unsigned constant of a register of `width` bits: `0x...U` up to 32 bits,
/// `UINT64_C(0x...)` above.
fn c_value(value: u64, width: u32) -> String {
    if width > 32 || value > u64::from(u32::MAX) {
        format!("UINT64_C(0x{value:016X})")
    } else if width > 16 {
        format!("0x{value:08X}U")
    } else if width > 8 {
        format!("0x{value:04X}U")
    } else {
        format!("0x{value:02X}U")
    }
}

/// A small unsigned number (`6U`), or `UINT64_C(...)` when it needs 64 bits.
fn c_number(value: u64) -> String {
    if value > u64::from(u32::MAX) {
        format!("UINT64_C({value})")
    } else {
        format!("{value}U")
    }
}

/// Text safe inside a `/* */` comment, on one line.
fn comment_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.contains("*/") || out.contains("/*") {
        out = out.replace("*/", "* /").replace("/*", "/ *");
    }
    out
}

/// A comment: `/* line */` when it is one line that fits in `width` columns,
/// otherwise a block with each entry of `lines` wrapped at `width` columns. An entry
/// starting with two spaces is kept as it is (aligned tables); an empty entry is an
/// empty comment line.
fn block_comment(out: &mut String, lines: &[String], width: usize) {
    if let [only] = lines {
        let one = comment_text(only);
        if 6 + one.len() <= width {
            let _ = writeln!(out, "/* {one} */");
            return;
        }
    }
    out.push_str("/*\n");
    for l in lines {
        if l.is_empty() {
            out.push_str(" *\n");
            continue;
        }
        if l.starts_with("  ") {
            let _ = writeln!(out, " * {}", l.replace("*/", "* /").trim_end());
            continue;
        }
        let mut line = String::new();
        for word in comment_text(l).split(' ') {
            if !line.is_empty() && 3 + line.len() + 1 + word.len() > width {
                let _ = writeln!(out, " * {line}");
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        let _ = writeln!(out, " * {line}");
    }
    out.push_str(" */\n");
}

/// Prints `#define`s with values aligned in one column, comments after.
fn print_defines(out: &mut String, defs: &[Define]) {
    let w = defs.iter().map(|d| d.name.len()).max().unwrap_or(0);
    let vw = defs
        .iter()
        .filter(|d| d.comment.is_some())
        .map(|d| d.value.len())
        .max()
        .unwrap_or(0);
    for d in defs {
        match &d.comment {
            Some(c) => {
                let _ = writeln!(
                    out,
                    "#define {} {} /* {} */",
                    Padded(&d.name, w),
                    Padded(&d.value, vw),
                    comment_text(c)
                );
            }
            None => {
                let _ = writeln!(out, "#define {} {}", Padded(&d.name, w), d.value);
            }
        }
    }
}

/// Collects macro names and rejects duplicates.
struct Registry(BTreeSet<String>);

impl Registry {
    fn add(&mut self, name: &str, what: impl FnOnce() -> String) -> Result<(), CHeaderError> {
        if self.0.insert(name.to_string()) {
            Ok(())
        } else {
            Err(CHeaderError::DuplicateMacro {
                name: name.to_string(),
                what: what(),
            })
        }
    }
}

const WRAP: usize = 88;

/// How banked registers use the field macros, with an example from the map itself.
fn banked_example(p: &Plan) -> String {
    let example = p.layouts_in_order().into_iter().find_map(|lid| {
        let l = p.map.layout(lid);
        let (&other, field) = (l.instances.get(1)?, l.fields.first()?);
        Some((lid, other, field))
    });
    match example {
        Some((lid, other, field)) => {
            let def = p.names.layout(lid);
            let bank = p.bank_macro(p.map.reg(other).security);
            format!(
                "A banked register (one definition in several banks) uses its definition's field macros: {}.{} is {}, and {}_{def}_OFFSET_IN({bank}) is {}.",
                p.names.reg(other),
                field.name.to_ascii_uppercase(),
                p.field_macro(lid, &field.name, "MASK"),
                p.prefix,
                p.reg_macro(other, "OFFSET"),
            )
        }
        None => "No register of this map is banked.".into(),
    }
}

/// Generates the header `<top>.h`.
pub fn header(map: &RegisterMap, opts: &CHeaderOptions) -> Result<String, CHeaderError> {
    header_of(&Plan::new(map, opts)?)
}

fn header_of(p: &Plan) -> Result<String, CHeaderError> {
    let map = p.map;
    let mut reg = Registry(BTreeSet::new());
    let mut out = String::with_capacity(4096 + map.registers.len() * 1536);
    let title = map.name.clone().unwrap_or_else(|| map.top.clone());
    let pf = &p.prefix;
    let mut intro = vec![
            format!("{}: {title}: register offsets and fields.", header_name(map)),
            String::new(),
            format!(
                "Generated by twinreg from the `{}` register map: do not edit; change the .rdl and regenerate.",
                map.top
            ),
            map.desc.clone().unwrap_or_default(),
            String::new(),
            "Naming (<REG> a register, <DEF> a register definition, <FIELD> one of its fields):".into(),
            format!("  {pf}_<REG>_OFFSET               byte offset from the block's base"),
            format!("  {pf}_<REG>_RESET                value after reset (implementation-defined fields: the default)"),
            format!("  {pf}_<REG>_BANK                 owning security bank: {pf}_BANK_NS or {pf}_BANK_S"),
            format!("  {pf}_<DEF>_<FIELD>_SHIFT        lsb of the field"),
            format!("  {pf}_<DEF>_<FIELD>_WIDTH        width of the field in bits"),
            format!("  {pf}_<DEF>_<FIELD>_MASK         mask of the field in the register"),
            format!("  {pf}_<DEF>_<FIELD>_<VALUE>      an encoded value of the field (not shifted)"),
            format!("  {pf}_<DEF>_OFFSET_IN(bank)      offset of banked register <DEF> in a bank"),
            String::new(),
            banked_example(p),
            String::new(),
    ];
    intro.extend(reversed_note(p));
    intro.push("Bits without a field are RES0 and undefined offsets read as zero and ignore writes. A Non-secure access to a Secure-bank register reads as zero and is ignored.".into());
    block_comment(&mut out, &intro, WRAP);
    let _ = writeln!(out, "#ifndef {}", p.guard_macro);
    let _ = writeln!(out, "#define {}\n", p.guard_macro);
    out.push_str("#include <stdint.h>\n\n");

    // Banks.
    out.push_str("/* Security banks (SEC_SID of the state that owns a register). */\n");
    let mut defs = Vec::new();
    for bank in SecSid::ALL {
        let name = p.bank_macro(bank);
        reg.add(&name, || "bank".into())?;
        defs.push(Define {
            name,
            value: c_number(bank.index() as u64),
            comment: Some(match bank {
                SecSid::NonSecure => "Non-secure".to_string(),
                SecSid::Secure => format!(
                    "Secure: {}",
                    regdef::access::WriteGate::SecurityState.describe()
                ),
            }),
        });
    }
    print_defines(&mut out, &defs);

    // Registers, per bank in address order.
    let digits = names::address_digits(map);
    for bank in SecSid::ALL {
        let regs: Vec<RegId> = map
            .iter()
            .filter(|(_, r)| r.security == bank)
            .map(|(id, _)| id)
            .collect();
        if regs.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n/* ---------------------------------------------------------------------------------\n * {bank} bank: offsets, resets\n * ------------------------------------------------------------------------------- */"
        );
        for id in regs {
            let r = map.reg(id);
            let l = map.layout(r.layout);
            let mut lines = vec![format!(
                "{}{}: {bank} bank, {} bits{}.",
                p.names.reg(id),
                r.display_name
                    .as_ref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default(),
                r.width,
                if r.slices() > 1 {
                    format!(", accessed as {} {}-bit words", r.slices(), r.access_width)
                } else {
                    String::new()
                }
            )];
            if l.banked {
                lines.push(format!(
                    "Banked: fields are {pf}_{}_*; instances {}.",
                    p.names.layout(r.layout),
                    l.instances
                        .iter()
                        .map(|&i| format!("{} ({})", p.names.reg(i), map.reg(i).security))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            } else if p.names.layout(r.layout) != p.names.reg(id) {
                lines.push(format!("Fields: {pf}_{}_*.", p.names.layout(r.layout)));
            }
            if let Some(pres) = p.names.presence(map, r) {
                lines.push(format!("{}{}.", &pres[..1].to_uppercase(), &pres[1..]));
            }
            if let Some(a) = r.acked_by {
                lines.push(format!(
                    "Acknowledged by {}: a field has taken effect once the ACK field reads the written value.",
                    p.names.reg(a)
                ));
            }
            if let Some(c) = r.ack_of {
                lines.push(format!(
                    "Acknowledges {}: each field mirrors the {} field of the same name once it is in effect.",
                    p.names.reg(c),
                    p.names.reg(c)
                ));
            }
            if let Some(u) = r.update_field {
                lines.push(format!(
                    "Update handshake on {}: {}.",
                    p.names.field(map, FieldRef { reg: id, field: u }),
                    regdef::access::WriteGate::UpdateHandshake.describe()
                ));
            }
            out.push('\n');
            block_comment(&mut out, &lines, WRAP);
            let defs = [
                Define {
                    name: p.reg_macro(id, "OFFSET"),
                    value: format!("0x{:0digits$X}U", r.address),
                    comment: None,
                },
                Define {
                    name: p.reg_macro(id, "RESET"),
                    value: c_value(r.reset_value(), r.width),
                    comment: None,
                },
                Define {
                    name: p.reg_macro(id, "BANK"),
                    value: p.bank_macro(r.security),
                    comment: None,
                },
            ];
            for d in &defs {
                reg.add(&d.name, || format!("register {}", r.path))?;
            }
            print_defines(&mut out, &defs);
        }
    }

    if p.any_reversed() {
        let name = p.reverse_fn();
        reg.add(&name, || "bit reversal".into())?;
        let _ = writeln!(
            out,
            "\n/* The low `width` bits of `value` in the opposite order (bit 0 becomes bit\n * width - 1): the value of a bit-reversed field from its bits, and back. */\nstatic inline uint64_t {name}(uint64_t value, unsigned width)\n{{\n    uint64_t out = 0;\n    unsigned i;\n    for (i = 0; i < width && i < 64U; i++) {{\n        out = (out << 1) | ((value >> i) & 1U);\n    }}\n    return out;\n}}"
        );
    }

    // Fields, per definition.
    let _ = writeln!(
        out,
        "\n/* ---------------------------------------------------------------------------------\n * Fields, per register definition (shared by the banked instances)\n * ------------------------------------------------------------------------------- */"
    );
    for lid in p.layouts_in_order() {
        let l = map.layout(lid);
        let lname = p.names.layout(lid);
        let inst_names: Vec<&str> = l.instances.iter().map(|&i| p.names.reg(i)).collect();
        let mut head = vec![format!(
            "{lname}{}{}",
            l.display_name
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default(),
            if l.instances.len() > 1 || inst_names.first() != Some(&lname) {
                format!(": {}", inst_names.join(", "))
            } else {
                String::new()
            }
        )];
        if let Some(d) = &l.desc {
            head.push(d.clone());
        }
        out.push('\n');
        block_comment(&mut out, &head, WRAP);
        let inst: Vec<(SecSid, RegId)> = l
            .instances
            .iter()
            .map(|&i| (map.reg(i).security, i))
            .collect();
        if let (true, Some(((_, last), rest))) = (l.banked, inst.split_last()) {
            // `(bank) == NS ? NS_OFFSET : S_OFFSET`, evaluating `bank` once.
            let mut expr = p.reg_macro(*last, "OFFSET");
            for &(bank, id) in rest.iter().rev() {
                expr = format!(
                    "(bank) == {} ? {} : {expr}",
                    p.bank_macro(bank),
                    p.reg_macro(id, "OFFSET")
                );
            }
            let name = format!("{pf}_{lname}_OFFSET_IN");
            reg.add(&name, || format!("banked offset of {lname}"))?;
            let _ = writeln!(out, "#define {name}(bank) ({expr})");
        }
        for (lf, present) in l.fields.iter().zip(p.field_instances(lid)) {
            let Some(&first) = present.first() else {
                continue;
            };
            let f = map.field(first);
            let reg_width = map.reg(first.reg).width;
            let mut text = format!(
                "{} {}: {}",
                names::bits(f),
                lf.name.to_ascii_uppercase(),
                f.write_rule.short_name(f.read_rule)
            );
            let reset = |v: u64| {
                if v < 10 {
                    v.to_string()
                } else {
                    format!("{v:#x}")
                }
            };
            match (f.reset, f.impl_defined) {
                (Some(v), true) => {
                    let _ = write!(text, ", reset {} (implementation defined)", reset(v));
                }
                (Some(v), false) => {
                    let _ = write!(text, ", reset {}", reset(v));
                }
                (None, _) => text.push_str(", no reset value (resets to 0 here)"),
            }
            if present.len() < l.instances.len() {
                let names_present: Vec<&str> = present.iter().map(|f| p.names.reg(f.reg)).collect();
                let _ = write!(text, "; only in {}", names_present.join(", "));
            }
            text.push('.');
            if let Some(d) = lf.desc.as_ref().or(f.desc.as_ref()) {
                let _ = write!(text, " {d}");
            }
            let guards: Vec<String> = present
                .iter()
                .filter_map(|&fr| {
                    p.names
                        .guard(map, &map.field(fr).guard)
                        .map(|g| (p.names.reg(fr.reg).to_string(), g))
                })
                .map(|(r, g)| {
                    if present.len() > 1 {
                        format!("{r}: {g}")
                    } else {
                        g
                    }
                })
                .collect();
            let presence: Vec<String> = present
                .iter()
                .filter_map(|&fr| {
                    p.names
                        .field_presence(map, map.field(fr))
                        .map(|c| (p.names.reg(fr.reg).to_string(), c))
                })
                .map(|(r, c)| {
                    if present.len() > 1 {
                        format!("{r}: {c}")
                    } else {
                        c
                    }
                })
                .collect();
            let mut lines = vec![text];
            if !guards.is_empty() {
                lines.push(format!("Guard: {}.", guards.join("; ")));
            }
            if !presence.is_empty() {
                lines.push(format!("Presence: {}.", presence.join("; ")));
            }
            out.push('\n');
            block_comment(&mut out, &lines, WRAP);
            let mut defs = vec![
                Define {
                    name: p.field_macro(lid, &lf.name, "SHIFT"),
                    value: c_number(u64::from(lf.lsb)),
                    comment: None,
                },
                Define {
                    name: p.field_macro(lid, &lf.name, "WIDTH"),
                    value: c_number(u64::from(lf.msb - lf.lsb + 1)),
                    comment: None,
                },
                Define {
                    name: p.field_macro(lid, &lf.name, "MASK"),
                    value: c_value(f.mask(), reg_width.max(l.width)),
                    comment: None,
                },
            ];
            if let Some(e) = lf.encode {
                for entry in &map.enums[e.0].entries {
                    defs.push(Define {
                        name: p.field_macro(lid, &lf.name, &entry.name.to_ascii_uppercase()),
                        value: c_number(entry.value),
                        comment: entry.desc.clone().or_else(|| entry.display_name.clone()),
                    });
                }
            }
            if f.reversed() {
                // SystemRDL 2.0 10.7: the value is the field's bits in the opposite order.
                let (shift, width, mask) = (
                    p.field_macro(lid, &lf.name, "SHIFT"),
                    p.field_macro(lid, &lf.name, "WIDTH"),
                    p.field_macro(lid, &lf.name, "MASK"),
                );
                let rev = p.reverse_fn();
                defs.push(Define {
                    name: format!("{}(reg)", p.field_macro(lid, &lf.name, "GET")),
                    value: format!("{rev}(((uint64_t)(reg) & {mask}) >> {shift}, {width})"),
                    comment: Some("the field's value".into()),
                });
                defs.push(Define {
                    name: format!("{}(reg, value)", p.field_macro(lid, &lf.name, "SET")),
                    value: format!(
                        "(((uint64_t)(reg) & ~(uint64_t){mask}) | ({rev}((uint64_t)(value), {width}) << {shift}))"
                    ),
                    comment: Some("`reg` with the field set to `value`".into()),
                });
            }
            for d in &defs {
                let macro_name = d.name.split('(').next().unwrap_or(&d.name);
                reg.add(macro_name, || format!("field {}.{}", lname, lf.name))?;
            }
            print_defines(&mut out, &defs);
        }
    }
    let _ = writeln!(out, "\n#endif /* {} */", p.guard_macro);
    Ok(out)
}

/// Generates the checking program `<top>_header_test.c`.
///
/// It includes the header and states, with `_Static_assert`, every fact of the IR the
/// header encodes, recomputed here from the IR's numbers (bit positions, widths,
/// field resets) rather than copied from the header's literals: offsets, banks, the
/// banked offset macros, shifts, widths, masks (from lsb and width), encoded values
/// (that they fit their field), that the fields of a definition do not overlap and fit
/// its width, and reset values (composed from each field's reset). Compiled with
/// `-std=c11 -Wall -Wextra -Werror` and run, it prints what it checked.
pub fn test_program(map: &RegisterMap, opts: &CHeaderOptions) -> Result<String, CHeaderError> {
    Ok(test_program_of(&Plan::new(map, opts)?))
}

fn test_program_of(p: &Plan) -> String {
    let map = p.map;
    let pf = &p.prefix;
    let mut out = String::with_capacity(4096 + map.registers.len() * 2048);
    let _ = writeln!(
        out,
        "/*\n * {}: checks {} against the `{}` register map.\n *\n * Generated by twinreg: do not edit. Every value below comes from the register map\n * (bit positions, widths, resets), not from the header; the header must agree.\n *\n *   cc -std=c11 -Wall -Wextra -Werror -I <dir of {}> {} && ./a.out\n */",
        test_name(map),
        header_name(map),
        map.top,
        header_name(map),
        test_name(map)
    );
    let _ = writeln!(out, "#include <stdint.h>\n#include <stdio.h>\n");
    let _ = writeln!(out, "#include \"{}\"\n", header_name(map));
    out.push_str(
        "/* A mask of `width` bits (1..64) starting at `lsb`, computed from positions\n\
         \x20* (`2 << (width - 1)` wraps to 0 for 64 bits, so no shift reaches 64). */\n\
         #define TEST_MASK(lsb, width) (((UINT64_C(2) << ((width) - 1U)) - 1U) << (lsb))\n\
         #define TEST_EQ(a, b, what) _Static_assert((uint64_t)(a) == (uint64_t)(b), what)\n\n",
    );
    let mut checks = 0usize;
    // Checks of `_GET`/`_SET` (static inline, so run in `main`, not `_Static_assert`).
    let mut runtime: Vec<String> = Vec::new();
    let mut eq = |out: &mut String, a: String, b: String, what: String| {
        let _ = writeln!(out, "TEST_EQ({a}, {b}, \"{what}\");");
        checks += 1;
    };
    for bank in SecSid::ALL {
        eq(
            &mut out,
            p.bank_macro(bank),
            bank.index().to_string(),
            format!("bank {}", names::bank_short(bank)),
        );
    }
    out.push_str("\n/* Registers: offset, bank, reset (composed from the field resets). */\n");
    for (id, r) in map.iter() {
        let n = p.names.reg(id);
        eq(
            &mut out,
            p.reg_macro(id, "OFFSET"),
            format!("0x{:X}", r.address),
            format!("{n} offset"),
        );
        eq(
            &mut out,
            p.reg_macro(id, "BANK"),
            p.bank_macro(r.security),
            format!("{n} bank"),
        );
        let parts: Vec<String> = r
            .fields
            .iter()
            .filter(|f| f.reset.unwrap_or(0) != 0)
            // A reset is a field value; a reversed field's bits are its reset reversed.
            .map(|f| {
                let bits =
                    regdef::access::field_bits(f.reset.unwrap_or(0), f.width(), f.reversed());
                format!("(UINT64_C({bits}) << {})", f.lsb)
            })
            .collect();
        let composed = if parts.is_empty() {
            "0".to_string()
        } else {
            parts.join(" | ")
        };
        eq(
            &mut out,
            p.reg_macro(id, "RESET"),
            format!("({composed})"),
            format!("{n} reset"),
        );
    }
    out.push_str(
        "\n/* Fields: shift, width, mask from the bit positions; encoded values fit. */\n",
    );
    for lid in p.layouts_in_order() {
        let l = map.layout(lid);
        let lname = p.names.layout(lid);
        if l.banked {
            for &i in &l.instances {
                let r = map.reg(i);
                eq(
                    &mut out,
                    format!("{pf}_{lname}_OFFSET_IN({})", p.bank_macro(r.security)),
                    format!("0x{:X}", r.address),
                    format!("{lname} in the {} bank", r.security),
                );
            }
        }
        let present = p.field_instances(lid);
        let mut masks = Vec::new();
        for (lf, inst) in l.fields.iter().zip(&present) {
            if inst.is_empty() {
                continue;
            }
            let w = lf.msb - lf.lsb + 1;
            let what = format!("{lname}.{}", lf.name.to_ascii_uppercase());
            let mask = p.field_macro(lid, &lf.name, "MASK");
            eq(
                &mut out,
                p.field_macro(lid, &lf.name, "SHIFT"),
                lf.lsb.to_string(),
                format!("{what} shift"),
            );
            eq(
                &mut out,
                p.field_macro(lid, &lf.name, "WIDTH"),
                w.to_string(),
                format!("{what} width"),
            );
            eq(
                &mut out,
                mask.clone(),
                format!("TEST_MASK({}, {w})", lf.lsb),
                format!("{what} mask"),
            );
            if let Some(e) = lf.encode {
                for entry in &map.enums[e.0].entries {
                    let v = p.field_macro(lid, &lf.name, &entry.name.to_ascii_uppercase());
                    eq(
                        &mut out,
                        v.clone(),
                        format!("UINT64_C({})", entry.value),
                        format!("{what} value {}", entry.name),
                    );
                    eq(
                        &mut out,
                        format!(
                            "((uint64_t)({v}) << {lf_lsb}) & ~(uint64_t)({mask})",
                            lf_lsb = lf.lsb
                        ),
                        "0".into(),
                        format!("{what} value {} fits", entry.name),
                    );
                }
            }
            // Reading a field back out of its register's reset value gives the field's
            // reset (for a reversed field: its bits, the reset reversed).
            for &fr in inst {
                let f = map.field(fr);
                let reset = f.reset.unwrap_or(0);
                eq(
                    &mut out,
                    format!(
                        "(({} & {mask}) >> {})",
                        p.reg_macro(fr.reg, "RESET"),
                        p.field_macro(lid, &lf.name, "SHIFT")
                    ),
                    format!(
                        "UINT64_C({})",
                        regdef::access::field_bits(reset, f.width(), f.reversed())
                    ),
                    format!("{} reset of {what}", p.names.reg(fr.reg)),
                );
                if f.reversed() {
                    runtime.extend(reversed_checks(p, lid, &lf.name, fr, &what));
                }
            }
            masks.push(mask);
        }
        if !masks.is_empty() {
            let sum = masks
                .iter()
                .map(|m| format!("(uint64_t)({m})"))
                .collect::<Vec<_>>()
                .join(" + ");
            let or = masks
                .iter()
                .map(|m| format!("(uint64_t)({m})"))
                .collect::<Vec<_>>()
                .join(" | ");
            eq(
                &mut out,
                format!("({sum})"),
                format!("({or})"),
                format!("{lname}: fields do not overlap"),
            );
            eq(
                &mut out,
                format!("({or}) & ~TEST_MASK(0, {})", l.width),
                "0".into(),
                format!("{lname}: fields fit in {} bits", l.width),
            );
        }
    }
    let fields: usize = map.registers.iter().map(|r| r.fields.len()).sum();
    let mut body = String::new();
    if !runtime.is_empty() {
        out.push_str(
            "\n#define TEST_RUN(a, b, what) \\\n    do { \\\n        if ((uint64_t)(a) != (uint64_t)(b)) { \\\n            printf(\"FAILED: %s\\n\", what); \\\n            failed++; \\\n        } \\\n    } while (0)\n",
        );
        body.push_str("    int failed = 0;\n");
        for r in &runtime {
            let _ = writeln!(body, "    {r}");
        }
        body.push_str("    if (failed) {\n        return 1;\n    }\n");
    }
    let _ = writeln!(
        out,
        "\nint main(void)\n{{\n{body}    printf(\"{}: {} registers, {} fields, {} checks passed\\n\");\n    return 0;\n}}",
        header_name(map),
        map.registers.len(),
        fields,
        checks + runtime.len()
    );
    out
}

/// The paragraph of the header's opening comment on `_GET`/`_SET`, when some field
/// is bit-reversed (nothing otherwise).
fn reversed_note(p: &Plan) -> Vec<String> {
    if !p.any_reversed() {
        return Vec::new();
    }
    let note = format!(
        "Bit-reversed fields (written [low:high], SystemRDL 2.0 10.7): value bit 0 is the field's highest register bit. (reg & MASK) >> SHIFT gives their bits, not their value: use {pf}_<DEF>_<FIELD>_GET(reg) and {pf}_<DEF>_<FIELD>_SET(reg, value) ({}).",
        p.reverse_fn(),
        pf = p.prefix
    );
    vec![note, String::new()]
}

/// Run-time checks of a reversed field's `_GET`/`_SET` in instance `fr`, from the
/// IR's numbers: the reset read back as the field's reset, value bit 0 at register
/// bit `msb` and value bit `width - 1` at `lsb`, and `_SET` keeping the other bits.
fn reversed_checks(p: &Plan, lid: LayoutId, field: &str, fr: FieldRef, what: &str) -> Vec<String> {
    let f = p.map.field(fr);
    let (get, set) = (
        p.field_macro(lid, field, "GET"),
        p.field_macro(lid, field, "SET"),
    );
    let reset = p.reg_macro(fr.reg, "RESET");
    let reg = p.names.reg(fr.reg);
    let top = f.width() - 1;
    let bit = |b: u32| format!("(UINT64_C(1) << {b})");
    let others = !f.mask();
    vec![
        format!(
            "TEST_RUN({get}({reset}), UINT64_C({}), \"{reg} {what} reset by _GET\");",
            f.reset.unwrap_or(0)
        ),
        format!(
            "TEST_RUN({set}(0, 1), {}, \"{what} value bit 0 at register bit {}\");",
            bit(f.value_bit(0)),
            f.value_bit(0)
        ),
        format!(
            "TEST_RUN({set}(0, UINT64_C(1) << {top}), {}, \"{what} value bit {top} at register bit {}\");",
            bit(f.value_bit(top)),
            f.value_bit(top)
        ),
        format!(
            "TEST_RUN({get}({}), 1, \"{what} register bit {} is value bit 0\");",
            bit(f.value_bit(0)),
            f.value_bit(0)
        ),
        format!(
            "TEST_RUN({set}(UINT64_C({others:#x}), 0), UINT64_C({others:#x}), \"{what} _SET keeps the other bits\");"
        ),
    ]
}

/// The header and its checking program, as `(file name, contents)`.
pub fn generate(
    map: &RegisterMap,
    opts: &CHeaderOptions,
) -> Result<[(String, String); 2], CHeaderError> {
    let plan = Plan::new(map, opts)?;
    Ok([
        (header_name(map), header_of(&plan)?),
        (test_name(map), test_program_of(&plan)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(src: &str) -> RegisterMap {
        regdef::compile_source("t.rdl", src).unwrap_or_else(|d| panic!("{d}"))
    }

    #[test]
    fn values_are_sized_for_their_register() {
        assert_eq!(c_value(0x1000, 32), "0x00001000U");
        assert_eq!(c_value(0x3, 8), "0x03U");
        assert_eq!(c_value(0x40, 64), "UINT64_C(0x0000000000000040)");
        assert_eq!(c_number(6), "6U");
        assert_eq!(c_number(1 << 40), "UINT64_C(1099511627776)");
    }

    /// `#define`s are aligned to the longest name, however long: a runtime format
    /// width above 65 535 panics.
    #[test]
    fn defines_past_65535_characters_are_aligned_without_a_panic() {
        let long = "N".repeat(70_000);
        let defs = [
            Define {
                name: long.clone(),
                value: "1U".into(),
                comment: Some("long".into()),
            },
            Define {
                name: "S".into(),
                value: "2U".into(),
                comment: None,
            },
        ];
        let mut out = String::new();
        print_defines(&mut out, &defs);
        assert!(out.starts_with(&format!("#define {long} 1U /* long */\n")));
        assert!(out.ends_with(&format!("#define S{} 2U\n", " ".repeat(69_999))));
    }

    #[test]
    fn comments_cannot_be_closed_by_descriptions() {
        assert_eq!(comment_text("a */ b\n  c /* d"), "a * / b c / * d");
    }

    #[test]
    fn duplicate_macros_are_errors() {
        // Value `shift` of field `a` would be TOP_Q_A_SHIFT, like the field's shift.
        let m = map("addrmap top {
            enum e { shift = 1; };
            reg { field { sw = rw; encode = e; } a[1:0] = 0; } q @ 0;
        };");
        let err = header(&m, &CHeaderOptions::default()).unwrap_err();
        assert_eq!(
            err,
            CHeaderError::DuplicateMacro {
                name: "TOP_Q_A_SHIFT".into(),
                what: "field Q.a".into()
            }
        );
    }

    #[test]
    fn bad_prefix_is_refused() {
        let m = map("addrmap top { reg { field { sw = rw; } a[0:0] = 0; } q @ 0; };");
        let opts = CHeaderOptions {
            prefix: Some("_X".into()),
        };
        assert!(matches!(
            header(&m, &opts),
            Err(CHeaderError::BadPrefix(p)) if p == "_X"
        ));
    }
}
