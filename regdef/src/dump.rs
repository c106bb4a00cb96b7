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

use std::fmt::{self, Write as _};

use serde::Serialize;
use serde_json::Value;

use crate::access::{HwEnable, NextValue, Precedence, ReadRule, WriteGate, WriteRule};
use crate::ir::{
    Block, EnumType, Field, PropertyDecl, Register, RegisterMap, Signal, UdpAssignment,
};

mod props;
use props::NodeProps;

/// The map as a JSON value (for tests and tools that post-process it in memory).
pub fn to_json(map: &RegisterMap) -> Value {
    // A view of borrowed data cannot fail to serialise: every key is a string and
    // every number fits JSON.
    serde_json::to_value(MapView::new(map)).unwrap_or(Value::Null)
}

/// Writes the map as compact JSON to `out` (pipe it through `jq` to read it).
///
/// The same text as serialising [`to_json`]'s view with `serde_json` (a test holds
/// them equal), written by hand for the map, register, field and layout objects:
/// their keys are constants, and going through `serde` for every key and value cost
/// as much as elaborating the file. Values of the IR's own types still go through
/// `serde_json`.
pub fn write_json(map: &RegisterMap, mut out: impl std::io::Write) -> serde_json::Result<()> {
    let buf = to_json_bytes(map)?;
    out.write_all(&buf).map_err(serde_json::Error::io)
}

/// [`write_json`] into a new buffer.
pub fn to_json_bytes(map: &RegisterMap) -> serde_json::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(64 * 1024 + map.registers.len() * 2048);
    json::map(&mut buf, map)?;
    Ok(buf)
}

/// The hand-written half of [`write_json`]: compact JSON exactly as `serde_json`
/// writes the derived views below.
mod json {
    use serde::Serialize;

    use crate::ir::{Field, FieldRef, Layout, Register, RegisterMap};

    type Out = Vec<u8>;

    /// A string with `serde_json`'s escapes: `"`, `\\`, and the control characters
    /// (short forms where JSON has them, else `\u00xx`).
    pub(super) fn string(out: &mut Out, s: &str) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        let bytes = s.as_bytes();
        let mut start = 0;
        // Skip eight bytes at a time while none needs an escape (the common case).
        let mut clean = 0;
        while let Some(chunk) = bytes.get(clean..clean + 8) {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            if needs_escape(u64::from_le_bytes(word)) {
                break;
            }
            clean += 8;
        }
        for (i, &b) in bytes.iter().enumerate().skip(clean) {
            if b >= 0x20 && b != b'"' && b != b'\\' {
                continue;
            }
            out.extend_from_slice(&bytes[start..i]);
            start = i + 1;
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0c => out.extend_from_slice(b"\\f"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                _ => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[usize::from(b >> 4)]);
                    out.push(HEX[usize::from(b & 0xf)]);
                }
            }
        }
        out.extend_from_slice(&bytes[start..]);
        out.push(b'"');
    }

    /// Whether any byte of `w` is a control character, `"` or `\\` (exact: a byte
    /// at or above 0x80 never matches).
    fn needs_escape(w: u64) -> bool {
        const LO: u64 = 0x0101_0101_0101_0101;
        const HI: u64 = 0x8080_8080_8080_8080;
        let below_space = w.wrapping_sub(LO * 0x20) & !w & HI;
        let zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
        below_space | zero(w ^ (LO * u64::from(b'"'))) | zero(w ^ (LO * u64::from(b'\\'))) != 0
    }

    fn uint(out: &mut Out, v: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut v = v;
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        out.extend_from_slice(&digits[i..]);
    }

    fn boolean(out: &mut Out, b: bool) {
        out.extend_from_slice(if b { b"true" } else { b"false" });
    }

    fn opt_str(out: &mut Out, s: Option<&str>) {
        match s {
            Some(s) => string(out, s),
            None => out.extend_from_slice(b"null"),
        }
    }

    /// `,"key":` (or `{"key":` with `open`) as one constant.
    macro_rules! key {
        ($out:expr, $k:literal) => {
            $out.extend_from_slice(concat!(",\"", $k, "\":").as_bytes())
        };
        ($out:expr, open $k:literal) => {
            $out.extend_from_slice(concat!("{\"", $k, "\":").as_bytes())
        };
    }

    fn serde(out: &mut Out, v: &(impl Serialize + ?Sized)) -> serde_json::Result<()> {
        serde_json::to_writer(out, v)
    }

    /// `[item,item]`.
    fn array<T>(
        out: &mut Out,
        items: impl IntoIterator<Item = T>,
        mut each: impl FnMut(&mut Out, T) -> serde_json::Result<()>,
    ) -> serde_json::Result<()> {
        out.push(b'[');
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            each(out, item)?;
        }
        out.push(b']');
        Ok(())
    }

    /// [`RegisterMap::field_path`], written in place.
    fn field_path(out: &mut Out, map: &RegisterMap, f: FieldRef) {
        let path = &map.reg(f.reg).path;
        let name = &map.field(f).name;
        let mut s = String::with_capacity(path.len() + 1 + name.len());
        s.push_str(path);
        s.push('.');
        s.push_str(name);
        string(out, &s);
    }

    pub(super) fn map(out: &mut Out, map: &RegisterMap) -> serde_json::Result<()> {
        key!(out, open "top");
        string(out, &map.top);
        key!(out, "name");
        opt_str(out, map.name.as_deref());
        key!(out, "desc");
        opt_str(out, map.desc.as_deref());
        key!(out, "registers");
        array(out, &map.registers, |out, r| register(out, map, r))?;
        key!(out, "layouts");
        array(out, &map.layouts, |out, l| {
            layout(out, map, l);
            Ok(())
        })?;
        key!(out, "enums");
        serde(out, &map.enums)?;
        key!(out, "properties");
        serde(out, &map.properties)?;
        key!(out, "blocks");
        array(out, &map.blocks, |out, b| {
            serde(out, &super::BlockView::new(map, b))
        })?;
        key!(out, "signals");
        array(out, &map.signals, |out, s| {
            serde(out, &super::SignalView::new(map, s))
        })?;
        out.push(b'}');
        Ok(())
    }

    fn register(out: &mut Out, map: &RegisterMap, r: &Register) -> serde_json::Result<()> {
        key!(out, open "path");
        string(out, &r.path);
        key!(out, "address");
        uint(out, r.address);
        key!(out, "width");
        uint(out, r.width.into());
        key!(out, "access_width");
        uint(out, r.access_width.into());
        key!(out, "security");
        string(out, r.security.as_str());
        key!(out, "layout");
        string(out, &map.layout(r.layout).name);
        key!(out, "array_index");
        array(out, &r.array_index, |out, &i| {
            uint(out, i);
            Ok(())
        })?;
        key!(out, "present_when");
        array(out, &r.present_when, |out, &f| {
            field_path(out, map, f);
            Ok(())
        })?;
        key!(out, "update_field");
        opt_str(out, r.update_field.map(|i| r.fields[i].name.as_str()));
        key!(out, "ack_of");
        opt_str(out, r.ack_of.map(|a| map.reg(a).path.as_str()));
        key!(out, "acked_by");
        opt_str(out, r.acked_by.map(|a| map.reg(a).path.as_str()));
        key!(out, "write_gates");
        serde(out, &r.write_gates)?;
        key!(out, "udps");
        serde(out, &r.udps)?;
        key!(out, "fields");
        array(out, &r.fields, |out, f| field(out, map, r, f))?;
        key!(out, "external");
        boolean(out, r.external);
        key!(out, "properties");
        serde(out, &super::props::register(map, r))?;
        out.push(b'}');
        Ok(())
    }

    fn field(out: &mut Out, map: &RegisterMap, r: &Register, f: &Field) -> serde_json::Result<()> {
        key!(out, open "name");
        string(out, &f.name);
        let (lsb, msb) = super::systemrdl_bits(f);
        key!(out, "lsb");
        uint(out, lsb.into());
        key!(out, "msb");
        uint(out, msb.into());
        key!(out, "sw");
        string(out, f.sw.as_str());
        key!(out, "hw");
        string(out, f.hw.as_str());
        key!(out, "reset");
        match f.reset {
            Some(v) => uint(out, v),
            None => out.extend_from_slice(b"null"),
        }
        key!(out, "onread");
        opt_str(out, f.onread.map(|o| o.as_str()));
        key!(out, "onwrite");
        opt_str(out, f.onwrite.map(|o| o.as_str()));
        key!(out, "singlepulse");
        boolean(out, f.singlepulse);
        key!(out, "swmod");
        boolean(out, f.swmod);
        key!(out, "swacc");
        boolean(out, f.swacc);
        key!(out, "hwset");
        boolean(out, f.hwset);
        key!(out, "hwclr");
        boolean(out, f.hwclr);
        key!(out, "hw_enable");
        serde(out, &f.hw_enable)?;
        key!(out, "precedence");
        serde(out, &f.precedence)?;
        key!(out, "encode");
        opt_str(out, f.encode.map(|e| map.enums[e.0].name.as_str()));
        key!(out, "impl_defined");
        boolean(out, f.impl_defined);
        key!(out, "present_when");
        array(out, &f.present_when, |out, &p| {
            field_path(out, map, p);
            Ok(())
        })?;
        key!(out, "guard");
        array(out, &f.guard, |out, g| {
            key!(out, open "field");
            field_path(out, map, g.field);
            key!(out, "when_set");
            boolean(out, g.when_set);
            out.push(b'}');
            Ok(())
        })?;
        key!(out, "acknowledges");
        match f.acknowledges {
            Some(a) => field_path(out, map, a),
            None => out.extend_from_slice(b"null"),
        }
        key!(out, "read_rule");
        serde(out, &f.read_rule)?;
        key!(out, "write_rule");
        serde(out, &f.write_rule)?;
        key!(out, "next_value");
        serde(out, &f.next_value)?;
        key!(out, "udps");
        serde(out, &f.udps)?;
        key!(out, "properties");
        serde(out, &super::props::field(map, r, f))?;
        out.push(b'}');
        Ok(())
    }

    fn layout(out: &mut Out, map: &RegisterMap, l: &Layout) {
        key!(out, open "name");
        string(out, &l.name);
        key!(out, "width");
        uint(out, l.width.into());
        key!(out, "banked");
        boolean(out, l.banked);
        key!(out, "instances");
        let _ = array(out, &l.instances, |out, &r| {
            string(out, &map.reg(r).path);
            Ok(())
        });
        key!(out, "fields");
        let _ = array(out, &l.fields, |out, f| {
            key!(out, open "name");
            string(out, &f.name);
            key!(out, "lsb");
            uint(out, f.lsb.into());
            key!(out, "msb");
            uint(out, f.msb.into());
            out.push(b'}');
            Ok(())
        });
        out.push(b'}');
    }
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
    blocks: Vec<BlockView<'a>>,
    signals: Vec<SignalView<'a>>,
}

/// An addrmap, regfile or mem instance: where it is, and every property.
#[derive(Serialize)]
struct BlockView<'a> {
    path: &'a str,
    kind: &'static str,
    address: u64,
    size: u64,
    external: bool,
    properties: NodeProps,
}

impl<'a> BlockView<'a> {
    fn new(map: &'a RegisterMap, b: &'a Block) -> Self {
        BlockView {
            path: &b.path,
            kind: b.kind.as_str(),
            address: b.address,
            size: b.size,
            external: b.external,
            properties: props::block(map, b),
        }
    }
}

/// A signal instance and every property.
#[derive(Serialize)]
struct SignalView<'a> {
    path: &'a str,
    properties: NodeProps,
}

impl<'a> SignalView<'a> {
    fn new(map: &'a RegisterMap, s: &'a Signal) -> Self {
        SignalView {
            path: &s.path,
            properties: props::signal(map, s),
        }
    }
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
    external: bool,
    properties: NodeProps,
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
    properties: NodeProps,
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
            blocks: map.blocks.iter().map(|b| BlockView::new(map, b)).collect(),
            signals: map
                .signals
                .iter()
                .map(|s| SignalView::new(map, s))
                .collect(),
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
            fields: r.fields.iter().map(|f| FieldView::new(map, r, f)).collect(),
            external: r.external,
            properties: props::register(map, r),
        }
    }
}

/// A field's `lsb` and `msb` as SystemRDL reports them: in msb0 order (SystemRDL 2.0
/// 10.7) `lsb` names the field's high bit, so the pair is swapped.
fn systemrdl_bits(f: &Field) -> (u32, u32) {
    if f.msb0 {
        (f.msb, f.lsb)
    } else {
        (f.lsb, f.msb)
    }
}

impl<'a> FieldView<'a> {
    fn new(map: &'a RegisterMap, r: &'a Register, f: &'a Field) -> Self {
        let (lsb, msb) = systemrdl_bits(f);
        FieldView {
            name: &f.name,
            lsb,
            msb,
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
            properties: props::field(map, r, f),
        }
    }
}

/// `text` left-aligned in a column `width` characters wide: what `{:<width$}` does,
/// without its limit. A runtime width above 65 535 panics (Rust 1.87 and later), and
/// a column is as wide as the longest name or path of a user's map.
///
/// ```
/// use regdef::dump::Padded;
/// assert_eq!(format!("[{}]", Padded("ab", 4)), "[ab  ]");
/// assert_eq!(format!("{}", Padded("abc", 70_000)).len(), 70_000);
/// ```
pub struct Padded<'a>(pub &'a str, pub usize);

impl fmt::Display for Padded<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SPACES: &str = "                                ";
        f.write_str(self.0)?;
        let mut rest = self.1.saturating_sub(self.0.chars().count());
        while rest > 0 {
            let n = rest.min(SPACES.len());
            f.write_str(&SPACES[..n])?;
            rest -= n;
        }
        Ok(())
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
            "0x{:0digits$x}  {}  {:>2}  {:<9}  {}",
            r.address,
            Padded(&r.path, path_width),
            r.width,
            r.security.as_str(),
            extras.join("  "),
            digits = addr_digits,
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
                "    {:<9} {}  {:<3}  sw={:<3} hw={:<3} {}",
                bits,
                Padded(&f.name, name_width),
                f.write_rule.short_name(f.read_rule),
                f.sw.as_str(),
                f.hw.as_str(),
                extras.join("  "),
            );
        }
    }
    out.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written writer and the derived view agree byte for byte.
    #[test]
    fn write_json_is_the_serde_view() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/smmuv3.rdl");
        let text = std::fs::read_to_string(path).expect("smmuv3.rdl is readable");
        let map = crate::compile_source("smmuv3.rdl", &text).expect("smmuv3.rdl compiles");
        let mut fast = Vec::new();
        write_json(&map, &mut fast).expect("writes");
        let slow = serde_json::to_vec(&MapView::new(&map)).expect("serialises");
        assert!(fast == slow, "write_json differs from the serde view");
    }

    #[test]
    fn strings_are_escaped_as_serde_json_does() {
        let all: String = (0u8..0x80)
            .map(char::from)
            .chain("é\u{2028}".chars())
            .collect();
        let mut cases = vec![
            String::new(),
            "plain".to_owned(),
            "a\"b\\c".to_owned(),
            "\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}".to_owned(),
            all,
        ];
        // Every special character at every position of a long clean run.
        for c in (0u8..0x20).chain([b'"', b'\\', b' ', b'!', b'#', b'[', b']', 0x7f]) {
            for at in 0..20 {
                let mut s = "abcdefghijklmnopqrstuvwxyz\u{e9}".to_owned();
                s.insert(at, char::from(c));
                cases.push(s);
            }
        }
        for s in &cases {
            let mut out = Vec::new();
            json::string(&mut out, s);
            assert_eq!(out, serde_json::to_vec(s).expect("serialises"), "{s:?}");
        }
    }
}
