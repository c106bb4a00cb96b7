//! IR -> register documentation: Markdown ([`markdown`]) and one self-contained HTML
//! page ([`html`]) with an SVG bit-field drawing per register.
//!
//! Both render one model, built here from the IR, so they always say the same thing:
//!
//! * per bank: an index (offset, name, title, width, reset) and a section per
//!   register, in address order;
//! * per register: offset, bank, width (and 32-bit halves), reset value, the
//!   definition it shares with its banked twins, the register's gates in IR priority
//!   order ([`WriteGate`]: presence condition, Secure-bank gating, update handshake),
//!   and the ACK relation;
//! * per field, most significant first, RES0 gaps included: bits, name, access (the
//!   short name of its [`regdef::access::WriteRule`] and
//!   [`regdef::access::ReadRule`]), reset, what hardware does with it (its `hw` access
//!   and [`regdef::access::NextValue`] units), its guard with the expanded terms
//!   ("writable only while CR0.CMDQEN = 0 and CR0ACK.CMDQEN = 0"), the description,
//!   and the encoded values.
//!
//! Names are those of [`crate::names`] and of the C header. Output is deterministic:
//! no dates, no paths, no hash-map order.

use std::collections::BTreeMap;

use regdef::access::{Completion, ReadRule, WriteGate, WriteRule};
use regdef::ir::{FieldRef, RegId, RegisterMap, SecSid};

use crate::names::{self, NameClash, Names};

mod html;
mod markdown;
mod svg;

/// Options of the docs back end.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct DocsOptions {
    /// Completion of ACK mirrors and update handshakes in the generated RTL (and the
    /// Rust register file's default), described in the ACK and update notes.
    pub completion: Completion,
}

impl Default for DocsOptions {
    fn default() -> Self {
        DocsOptions {
            completion: regdef::ir::DEFAULT_COMPLETION,
        }
    }
}

/// Why the docs cannot be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocsError {
    /// Two registers would get the same name.
    Names(NameClash),
    /// The map uses a construct the docs do not describe yet.
    Unsupported(regdef::ir::Unsupported),
}

impl std::fmt::Display for DocsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocsError::Names(c) => write!(f, "{c}"),
            DocsError::Unsupported(u) => write!(f, "{u}"),
        }
    }
}

impl std::error::Error for DocsError {}

impl From<NameClash> for DocsError {
    fn from(c: NameClash) -> Self {
        DocsError::Names(c)
    }
}

/// The [`regdef::ir::Feature`]s the docs describe; a map using any other is refused by
/// name.
pub const IMPLEMENTS: &[regdef::ir::Feature] = &[];

/// The Markdown reference (`docs/registers.md`).
pub fn markdown(map: &RegisterMap, opts: &DocsOptions) -> Result<String, DocsError> {
    Ok(markdown::render(&Doc::new(map, opts)?))
}

/// The self-contained HTML reference (`docs/registers.html`): one file, no scripts,
/// no external assets.
pub fn html(map: &RegisterMap, opts: &DocsOptions) -> Result<String, DocsError> {
    Ok(html::render(&Doc::new(map, opts)?))
}

/// Both references, `[markdown, html]`, from one pass over the map.
pub fn generate(map: &RegisterMap, opts: &DocsOptions) -> Result<[String; 2], DocsError> {
    let doc = Doc::new(map, opts)?;
    Ok([markdown::render(&doc), html::render(&doc)])
}

/// A link to a register: its name and anchor.
#[derive(Clone, Debug)]
struct Link {
    name: String,
    anchor: String,
}

/// A note about a register, from one IR unit or relation.
#[derive(Clone, Debug)]
struct Note {
    /// Bold lead-in ("Banked", "Present", "Secure bank", ...).
    label: &'static str,
    /// Text before the link, the link, text after it.
    text: String,
    link: Option<Link>,
    after: String,
}

/// One row of a register's field table.
#[derive(Clone, Debug)]
enum Row {
    Field(Box<FieldDoc>),
    Res0 { lsb: u32, msb: u32 },
}

#[derive(Clone, Debug)]
struct FieldDoc {
    lsb: u32,
    msb: u32,
    /// The value runs the other way from the register bits (`Field::reversed`).
    reversed: bool,
    name: String,
    anchor: String,
    access: &'static str,
    reset: String,
    hardware: String,
    guard: Option<String>,
    desc: Option<String>,
    /// The enumeration of the field's values (an index of `RegisterMap::enums`) and
    /// its entries `(value, name, description)`.
    encode: Option<usize>,
    values: Vec<(u64, String, Option<String>)>,
}

#[derive(Clone, Debug)]
struct RegDoc {
    name: String,
    anchor: String,
    title: Option<String>,
    desc: Option<String>,
    address: u64,
    width: u32,
    access_width: u32,
    bank: SecSid,
    reset: u64,
    notes: Vec<Note>,
    rows: Vec<Row>,
}

#[derive(Clone, Debug)]
struct BankDoc {
    title: String,
    anchor: String,
    regs: Vec<RegDoc>,
}

#[derive(Clone, Debug)]
struct Doc {
    top: String,
    title: String,
    desc: Option<String>,
    c_prefix: String,
    address_digits: usize,
    /// `(short name, read rule text, write rule text)`, sorted by short name.
    access_legend: Vec<(&'static str, &'static str, &'static str)>,
    banks: Vec<BankDoc>,
}

/// The anchor of a register (its name, lower case: what GitHub makes of a heading
/// that is just the name).
fn reg_anchor(name: &str) -> String {
    name.to_ascii_lowercase()
}

fn bank_title(bank: SecSid) -> String {
    format!("{bank} bank")
}

/// What GitHub makes of a heading text: lower case, spaces to `-`, punctuation other
/// than `-` and `_` dropped.
fn slug(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_ascii_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

fn hex(value: u64, width: u32) -> String {
    let digits = width.div_ceil(4).max(1) as usize;
    format!("0x{value:0digits$X}")
}

impl Doc {
    fn new(map: &RegisterMap, opts: &DocsOptions) -> Result<Doc, DocsError> {
        map.require("the docs", IMPLEMENTS)
            .map_err(DocsError::Unsupported)?;
        let names = Names::new(map)?;
        let link = |id: RegId| Link {
            name: names.reg(id).to_string(),
            anchor: reg_anchor(names.reg(id)),
        };
        let mut legend: BTreeMap<&'static str, (&'static str, &'static str)> = BTreeMap::new();
        let mut banks = Vec::new();
        for bank in SecSid::ALL {
            let mut regs = Vec::new();
            for (id, r) in map.iter().filter(|(_, r)| r.security == bank) {
                let layout = map.layout(r.layout);
                let mut notes = Vec::new();
                if layout.banked {
                    let others: Vec<RegId> = layout
                        .instances
                        .iter()
                        .copied()
                        .filter(|&i| i != id)
                        .collect();
                    for o in others {
                        let or = map.reg(o);
                        notes.push(Note {
                            label: "Banked",
                            text: format!(
                                "one definition ({}) in several banks; the {} instance is ",
                                names.layout(r.layout),
                                or.security
                            ),
                            link: Some(link(o)),
                            after: format!(
                                " at {}.",
                                hex(or.address, 4 * names::address_digits(map) as u32)
                            ),
                        });
                    }
                }
                for gate in &r.write_gates {
                    let note = match gate {
                        WriteGate::Absent => Note {
                            label: "Present",
                            text: names
                                .presence(map, r)
                                .map(|p| format!("{}.", p.trim_start_matches("present ")))
                                .unwrap_or_default(),
                            link: None,
                            after: String::new(),
                        },
                        WriteGate::SecurityState => Note {
                            label: "Secure bank",
                            text: format!("{}.", gate.describe()),
                            link: None,
                            after: String::new(),
                        },
                        WriteGate::UpdateHandshake => {
                            let u = r.update_field.map(|field| FieldRef { reg: id, field });
                            let fname = u.map(|u| names.field(map, u)).unwrap_or_default();
                            Note {
                                label: "Update handshake",
                                text: format!(
                                    "{}; write every field at once with {fname} = 1, then poll until {fname} reads 0 ({}).",
                                    gate.describe(),
                                    match opts.completion {
                                        Completion::Immediate => "this build completes the update in the cycle the write is taken, so it reads 0 at once",
                                        Completion::Handshake => "this build waits for hardware to complete it",
                                    }
                                ),
                                link: None,
                                after: String::new(),
                            }
                        }
                    };
                    notes.push(note);
                }
                if let Some(a) = r.acked_by {
                    notes.push(Note {
                        label: "Acknowledged by",
                        text: String::new(),
                        link: Some(link(a)),
                        after: format!(
                            ": a field has taken effect once the field of the same name there reads the value written ({}).",
                            match opts.completion {
                                Completion::Immediate => "this build acknowledges in the cycle the write is taken",
                                Completion::Handshake => "this build acknowledges when hardware does",
                            }
                        ),
                    });
                }
                if let Some(c) = r.ack_of {
                    notes.push(Note {
                        label: "Acknowledges",
                        text: String::new(),
                        link: Some(link(c)),
                        after: ": each field reports the value of the field of the same name that is in effect.".into(),
                    });
                }

                let mut rows: Vec<Row> = Vec::new();
                for f in &r.fields {
                    let access = f.write_rule.short_name(f.read_rule);
                    legend.insert(access, (f.read_rule.describe(), f.write_rule.describe()));
                    let reset = match (f.reset, f.impl_defined) {
                        (Some(v), imp) => format!(
                            "{}{}",
                            if f.width() == 1 {
                                v.to_string()
                            } else {
                                hex(v, f.width())
                            },
                            if imp { " (impl. defined)" } else { "" }
                        ),
                        (None, _) => "unspecified (0)".to_string(),
                    };
                    let values = f
                        .encode
                        .map(|e| {
                            map.enums[e.0]
                                .entries
                                .iter()
                                .map(|en| {
                                    (
                                        en.value,
                                        en.name.to_ascii_uppercase(),
                                        en.desc.clone().or_else(|| en.display_name.clone()),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let fname = f.name.to_ascii_uppercase();
                    rows.push(Row::Field(Box::new(FieldDoc {
                        lsb: f.lsb,
                        msb: f.msb,
                        reversed: f.reversed(),
                        anchor: format!(
                            "f-{}-{}",
                            reg_anchor(names.reg(id)),
                            f.name.to_ascii_lowercase()
                        ),
                        name: fname,
                        access,
                        reset,
                        hardware: names.hardware(map, f),
                        guard: names.guard(map, &f.guard),
                        desc: {
                            let desc = f.desc.clone().or_else(|| f.display_name.clone());
                            match (names.field_presence(map, f), desc) {
                                (Some(p), Some(d)) => Some(format!("{p}. {d}")),
                                (Some(p), None) => Some(format!("{p}.")),
                                (None, d) => d,
                            }
                        },
                        encode: f.encode.map(|e| e.0),
                        values,
                    })));
                }
                for (lsb, msb) in names::res0_runs(r) {
                    rows.push(Row::Res0 { lsb, msb });
                }
                rows.sort_by_key(|row| {
                    std::cmp::Reverse(match row {
                        Row::Field(f) => f.msb,
                        Row::Res0 { msb, .. } => *msb,
                    })
                });
                regs.push(RegDoc {
                    name: names.reg(id).to_string(),
                    anchor: reg_anchor(names.reg(id)),
                    title: r.display_name.clone(),
                    desc: r.desc.clone(),
                    address: r.address,
                    width: r.width,
                    access_width: r.access_width,
                    bank,
                    reset: r.reset_value(),
                    notes,
                    rows,
                });
            }
            if !regs.is_empty() {
                banks.push(BankDoc {
                    title: bank_title(bank),
                    anchor: slug(&bank_title(bank)),
                    regs,
                });
            }
        }
        legend.insert(
            "RES0",
            (ReadRule::Zero.describe(), WriteRule::Ignore.describe()),
        );
        Ok(Doc {
            top: map.top.clone(),
            title: map.name.clone().unwrap_or_else(|| map.top.clone()),
            desc: map.desc.clone(),
            c_prefix: map.top.to_ascii_uppercase(),
            address_digits: names::address_digits(map),
            access_legend: legend.into_iter().map(|(k, (r, w))| (k, r, w)).collect(),
            banks,
        })
    }

    fn offset(&self, address: u64) -> String {
        format!("0x{address:0w$X}", w = self.address_digits)
    }

    /// What the register's reset is, formatted for its width.
    fn reset(&self, r: &RegDoc) -> String {
        hex(r.reset, r.width)
    }

    fn width_text(r: &RegDoc) -> String {
        if r.width > r.access_width {
            format!(
                "{} bits, as {} {}-bit words",
                r.width,
                r.width / r.access_width,
                r.access_width
            )
        } else {
            format!("{} bits", r.width)
        }
    }
}

impl Row {
    fn bits(&self) -> String {
        match self {
            Row::Field(f) => names::bit_range(f.lsb, f.msb, f.reversed),
            Row::Res0 { lsb, msb } => names::bit_range(*lsb, *msb, false),
        }
    }
}

/// The introduction both renderings share, as paragraphs of plain text.
fn intro(doc: &Doc) -> Vec<String> {
    vec![
        format!(
            "Generated by twinreg from the `{}` register map: do not edit. Change the .rdl and regenerate.",
            doc.top
        ),
        "Offsets are from the block's base. Bits without a field are RES0, and undefined offsets read as zero and ignore writes. Fields are listed most significant first.".into(),
        format!(
            "C names: `{p}_<REG>_OFFSET`, `{p}_<DEF>_<FIELD>_MASK` (a banked register uses its definition's field macros), from `include/{top}.h`.",
            p = doc.c_prefix,
            top = doc.top
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_github() {
        assert_eq!(slug("Non-secure bank"), "non-secure-bank");
        assert_eq!(slug("S_CR0"), "s_cr0");
        assert_eq!(slug("Access types (legend)"), "access-types-legend");
    }
}
