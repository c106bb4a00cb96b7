//! The register map as JSON, for tools and cross-checks.
//!
//! The shape is stable and documented in `regdef/README.md`:
//!
//! ```text
//! {"top": "smmuv3", "registers": [{"path": "smmuv3.ns.cr0", "address": 32, "width": 32,
//!   "security": "nonsecure", "fields": [{"name": "smmuen", "lsb": 0, "msb": 0,
//!   "sw": "rw", "hw": "r", "reset": 0, "onread": null, "onwrite": null,
//!   "singlepulse": false, ...}], ...}], ...}
//! ```
//!
//! The keys every consumer may rely on are those above (the ones
//! systemrdl-compiler can produce too, for differential checks); the rest (layout,
//! guards, gates, UDPs, enums) is twinreg's own.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use crate::access::{HwEnable, NextValue, Precedence, ReadRule, WriteGate, WriteRule};
use crate::ir::{EnumType, Field, PropertyDecl, Register, RegisterMap, UdpAssignment};

/// The map as a JSON value (for tests and tools that post-process it in memory).
pub fn to_json(map: &RegisterMap) -> Value {
    // A view of borrowed data cannot fail to serialise: every key is a string and
    // every number fits JSON.
    serde_json::to_value(MapView::new(map)).unwrap_or(Value::Null)
}

/// Writes the map as compact JSON to `out` (pipe it through `jq` to read it).
///
/// Serialises straight from the IR through a borrowed view: building a
/// [`serde_json::Value`] first cost as much as parsing and elaborating the file.
pub fn write_json(map: &RegisterMap, out: impl std::io::Write) -> serde_json::Result<()> {
    serde_json::to_writer(out, &MapView::new(map))
}

#[derive(Serialize)]
struct MapView<'a> {
    top: &'a str,
    name: &'a Option<String>,
    desc: &'a Option<String>,
    registers: Vec<RegisterView<'a>>,
    layouts: Vec<LayoutView<'a>>,
    enums: &'a [EnumType],
    properties: &'a [PropertyDecl],
}

#[derive(Serialize)]
struct RegisterView<'a> {
    path: &'a str,
    address: u64,
    width: u32,
    access_width: u32,
    security: &'static str,
    layout: &'a str,
    array_index: &'a [u64],
    present_when: Vec<String>,
    update_field: Option<&'a str>,
    ack_of: Option<&'a str>,
    acked_by: Option<&'a str>,
    write_gates: &'a [WriteGate],
    udps: &'a [UdpAssignment],
    fields: Vec<FieldView<'a>>,
}

#[derive(Serialize)]
struct FieldView<'a> {
    name: &'a str,
    lsb: u32,
    msb: u32,
    sw: &'static str,
    hw: &'static str,
    reset: Option<u64>,
    onread: Option<&'static str>,
    onwrite: Option<&'static str>,
    singlepulse: bool,
    swmod: bool,
    swacc: bool,
    hwset: bool,
    hwclr: bool,
    hw_enable: HwEnable,
    precedence: Precedence,
    encode: Option<&'a str>,
    impl_defined: bool,
    present_when: Vec<String>,
    guard: Vec<GuardView>,
    acknowledges: Option<String>,
    read_rule: ReadRule,
    write_rule: WriteRule,
    next_value: &'a [NextValue],
    udps: &'a [UdpAssignment],
}

#[derive(Serialize)]
struct GuardView {
    field: String,
    when_set: bool,
}

#[derive(Serialize)]
struct LayoutView<'a> {
    name: &'a str,
    width: u32,
    banked: bool,
    instances: Vec<&'a str>,
    fields: Vec<LayoutFieldView<'a>>,
}

#[derive(Serialize)]
struct LayoutFieldView<'a> {
    name: &'a str,
    lsb: u32,
    msb: u32,
}

impl<'a> MapView<'a> {
    fn new(map: &'a RegisterMap) -> Self {
        MapView {
            top: &map.top,
            name: &map.name,
            desc: &map.desc,
            registers: map
                .registers
                .iter()
                .map(|r| RegisterView::new(map, r))
                .collect(),
            layouts: map
                .layouts
                .iter()
                .map(|l| LayoutView {
                    name: &l.name,
                    width: l.width,
                    banked: l.banked,
                    instances: l
                        .instances
                        .iter()
                        .map(|r| map.reg(*r).path.as_str())
                        .collect(),
                    fields: l
                        .fields
                        .iter()
                        .map(|f| LayoutFieldView {
                            name: &f.name,
                            lsb: f.lsb,
                            msb: f.msb,
                        })
                        .collect(),
                })
                .collect(),
            enums: &map.enums,
            properties: &map.properties,
        }
    }
}

impl<'a> RegisterView<'a> {
    fn new(map: &'a RegisterMap, r: &'a Register) -> Self {
        RegisterView {
            path: &r.path,
            address: r.address,
            width: r.width,
            access_width: r.access_width,
            security: r.security.as_str(),
            layout: &map.layout(r.layout).name,
            array_index: &r.array_index,
            present_when: r.present_when.iter().map(|f| map.field_path(*f)).collect(),
            update_field: r.update_field.map(|i| r.fields[i].name.as_str()),
            ack_of: r.ack_of.map(|a| map.reg(a).path.as_str()),
            acked_by: r.acked_by.map(|a| map.reg(a).path.as_str()),
            write_gates: &r.write_gates,
            udps: &r.udps,
            fields: r.fields.iter().map(|f| FieldView::new(map, f)).collect(),
        }
    }
}

impl<'a> FieldView<'a> {
    fn new(map: &'a RegisterMap, f: &'a Field) -> Self {
        FieldView {
            name: &f.name,
            lsb: f.lsb,
            msb: f.msb,
            sw: f.sw.as_str(),
            hw: f.hw.as_str(),
            reset: f.reset,
            onread: f.onread.map(|o| o.as_str()),
            onwrite: f.onwrite.map(|o| o.as_str()),
            singlepulse: f.singlepulse,
            swmod: f.swmod,
            swacc: f.swacc,
            hwset: f.hwset,
            hwclr: f.hwclr,
            hw_enable: f.hw_enable,
            precedence: f.precedence,
            encode: f.encode.map(|e| map.enums[e.0].name.as_str()),
            impl_defined: f.impl_defined,
            present_when: f.present_when.iter().map(|p| map.field_path(*p)).collect(),
            guard: f
                .guard
                .iter()
                .map(|g| GuardView {
                    field: map.field_path(g.field),
                    when_set: g.when_set,
                })
                .collect(),
            acknowledges: f.acknowledges.map(|a| map.field_path(a)),
            read_rule: f.read_rule,
            write_rule: f.write_rule,
            next_value: &f.next_value,
            udps: &f.udps,
        }
    }
}

/// The map as a readable table: one line per register (address, path, width,
/// bank, then what elaboration attached to it), one indented line per field.
///
/// ```text
/// 0x00020  smmuv3.ns.cr0  32  nonsecure  layout=cr0 (banked)
///     [0]        smmuen  RW  sw=rw hw=r  reset=0x0
/// ```
pub fn to_table(map: &RegisterMap) -> String {
    let mut out = String::new();
    let addr_digits = map
        .registers
        .last()
        .map_or(4, |r| format!("{:x}", r.address).len().max(4));
    let path_width = map
        .registers
        .iter()
        .map(|r| r.path.len())
        .max()
        .unwrap_or(0);
    for r in &map.registers {
        let layout = map.layout(r.layout);
        let mut extras = vec![format!(
            "layout={}{}",
            layout.name,
            if layout.banked { " (banked)" } else { "" }
        )];
        if r.access_width != r.width {
            extras.push(format!("access={}", r.access_width));
        }
        if !r.write_gates.is_empty() {
            let gates: Vec<&str> = r
                .write_gates
                .iter()
                .map(|g| match g {
                    WriteGate::Absent => "absent",
                    WriteGate::SecurityState => "security",
                    WriteGate::UpdateHandshake => "update",
                })
                .collect();
            extras.push(format!("gates={}", gates.join(",")));
        }
        if !r.present_when.is_empty() {
            let terms: Vec<String> = r.present_when.iter().map(|f| map.field_path(*f)).collect();
            extras.push(format!("present_when={}", terms.join("&")));
        }
        if let Some(a) = r.ack_of {
            extras.push(format!("ack_of={}", map.reg(a).path));
        }
        // Writing into a String cannot fail.
        let _ = writeln!(
            out,
            "0x{:0digits$x}  {:<pw$}  {:>2}  {:<9}  {}",
            r.address,
            r.path,
            r.width,
            r.security.as_str(),
            extras.join("  "),
            digits = addr_digits,
            pw = path_width,
        );
        let name_width = r.fields.iter().map(|f| f.name.len()).max().unwrap_or(0);
        for f in &r.fields {
            let bits = if f.msb == f.lsb {
                format!("[{}]", f.lsb)
            } else {
                format!("[{}:{}]", f.msb, f.lsb)
            };
            let mut extras = Vec::new();
            if let Some(v) = f.reset {
                extras.push(format!("reset={v:#x}"));
            }
            if f.impl_defined {
                extras.push("impl".to_owned());
            }
            if f.singlepulse {
                extras.push("singlepulse".to_owned());
            }
            if f.hwset {
                extras.push("hwset".to_owned());
            }
            if f.hwclr {
                extras.push("hwclr".to_owned());
            }
            if let Some(a) = f.acknowledges {
                extras.push(format!("acks={}", map.field_path(a)));
            }
            if r.update_field.is_some_and(|u| r.fields[u].name == f.name) {
                extras.push("update".to_owned());
            }
            if !f.guard.is_empty() {
                let terms: Vec<String> = f
                    .guard
                    .iter()
                    .map(|g| {
                        format!(
                            "{}{}",
                            map.field_path(g.field),
                            if g.when_set { "!=0" } else { "==0" }
                        )
                    })
                    .collect();
                extras.push(format!("guard={}", terms.join("&")));
            }
            if !f.present_when.is_empty() {
                let terms: Vec<String> =
                    f.present_when.iter().map(|p| map.field_path(*p)).collect();
                extras.push(format!("present_when={}", terms.join("&")));
            }
            if let Some(e) = f.encode {
                extras.push(format!("enum={}", map.enums[e.0].name));
            }
            let _ = writeln!(
                out,
                "    {:<9} {:<nw$}  {:<3}  sw={:<3} hw={:<3} {}",
                bits,
                f.name,
                f.write_rule.short_name(f.read_rule),
                f.sw.as_str(),
                f.hw.as_str(),
                extras.join("  "),
                nw = name_width,
            );
        }
    }
    out.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}
