//! The register-level trace: the one stimulus both twins consume.
//!
//! A trace is a sequence of [`Step`]s, each a bus access or a hardware-side update,
//! plus a [`Header`] naming the implementation-defined values of the instance under
//! test (the Rust register file's `ImplDefined`, the RTL's parameters). It is stored as
//! JSON Lines: an optional header line, then one step per line.
//!
//! ```text
//! {"op":"header","version":1,"name":"demo","completion":"immediate","impl_defined":{"smmuv3.s.s_idr1.secure_impl":"0x1"}}
//! {"op":"write","offset":"0x8020","size":4,"data":"0xd","sec":"secure"}
//! {"op":"read","offset":"0x8024","size":4,"sec":"nonsecure"}
//! {"op":"hw","field":"smmuv3.ns.cmdq_cons.rd","input":"write","value":"0x4"}
//! {"op":"hw","field":"smmuv3.s.s_init.inv_all","input":"clear"}
//! {"op":"reset"}
//! {"op":"restore","values":{"smmuv3.ns.cr0":"0x9"}}
//! ```
//!
//! Numbers are written as `"0x..."` strings and read from such strings, decimal
//! strings or JSON integers. Fields are named by path (`<register path>.<field>`), so a
//! trace reads without the map at hand and survives a reordering of the map. Unknown
//! keys and unknown ops are errors, reported with their line number.
//!
//! Model traces ([`smmu::trace::TraceRecord`]) convert with [`from_model`]: every MMIO
//! access and hardware-side update becomes one step, and a recorded read value becomes
//! the read's `expect`. [`Trace::load_any`] reads a file in either format, so the file
//! `twinreg run --trace` writes replays as it is (`cosim FILE`).

use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufRead, Write};
use std::path::Path;

use regdef::ir::{FieldRef, RegisterMap, SecSid};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// Version of the trace format written in [`Header::version`].
pub const FORMAT_VERSION: u32 = 1;

/// A number written as a `"0x..."` string (read from a string or an integer).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hex(pub u64);

impl Serialize for Hex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:#x}", self.0))
    }
}

impl<'de> Deserialize<'de> for Hex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => Ok(Hex(n)),
            Raw::S(s) => parse_number(&s).map(Hex).map_err(serde::de::Error::custom),
        }
    }
}

/// Parses `0x`-prefixed hex or decimal, with optional `_` separators.
pub fn parse_number(s: &str) -> Result<u64, String> {
    let t: String = s.trim().chars().filter(|&c| c != '_').collect();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16),
        None => t.parse(),
    };
    parsed.map_err(|e| format!("`{s}` is not a number: {e}"))
}

/// Which hardware input of a field a [`Step::Hw`] drives: the model's own type, so a
/// model trace's updates carry over as they are (`Write`: `<field>_next` with
/// `_we`/`_wel`, or `<field>_in`; `Set`: `<field>_hwset`; `Clear`: `<field>_hwclr`).
pub use smmu::trace::HwInput;

/// One step of a trace. After every step both twins are compared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// A software write of the low `size` bytes of `data` at byte `offset`.
    Write {
        /// Byte offset in the register block.
        offset: Hex,
        /// 1, 2, 4 or 8 (anything else is refused by both twins: RAZ/WI).
        size: u32,
        /// The data, right-aligned.
        data: Hex,
        /// Security state of the access (APB `PPROT[1]`, AXI `AxPROT[1]`).
        sec: SecSid,
    },
    /// A software read of `size` bytes at `offset`.
    Read {
        /// Byte offset.
        offset: Hex,
        /// Size in bytes.
        size: u32,
        /// Security state of the access.
        sec: SecSid,
        /// The value a third party recorded (the SMMU model): checked too.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expect: Option<Hex>,
    },
    /// A hardware-side update of one field.
    Hw {
        /// `<register path>.<field name>` (`smmuv3.ns.cmdq_cons.rd`).
        field: String,
        /// The input driven.
        input: HwInput,
        /// The value, for [`HwInput::Write`] (absent otherwise).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<Hex>,
    },
    /// Both twins return to reset (the implementation-defined values stay).
    Reset,
    /// The whole state is replaced: every register's value, by path (a migration).
    Restore {
        /// Register path -> value. Every register of the map must be listed.
        values: BTreeMap<String, Hex>,
    },
}

impl Step {
    /// A write.
    pub fn write(offset: u64, size: u32, data: u64, sec: SecSid) -> Step {
        Step::Write {
            offset: Hex(offset),
            size,
            data: Hex(data),
            sec,
        }
    }

    /// A read with nothing recorded.
    pub fn read(offset: u64, size: u32, sec: SecSid) -> Step {
        Step::Read {
            offset: Hex(offset),
            size,
            sec,
            expect: None,
        }
    }

    /// A hardware write of `value` to the field at `path`.
    pub fn hw_write(path: impl Into<String>, value: u64) -> Step {
        Step::Hw {
            field: path.into(),
            input: HwInput::Write,
            value: Some(Hex(value)),
        }
    }

    /// The `hwset` (`set == true`) or `hwclr` input of the field at `path`.
    pub fn hw_pulse(path: impl Into<String>, set: bool) -> Step {
        Step::Hw {
            field: path.into(),
            input: if set { HwInput::Set } else { HwInput::Clear },
            value: None,
        }
    }

    /// The bus transactions the step drives on the 32-bit bus (the records
    /// [`crate::check`] counts): one per write or aligned read of 1, 2 or 4 bytes,
    /// two for an aligned 64-bit access to a 64-bit register; a write of another
    /// size or alignment is one refused transaction, such a read none; other steps
    /// none.
    pub fn bus_transactions(&self, map: &RegisterMap) -> u32 {
        let words = |offset: u64, size: u32| match size {
            1 | 2 | 4 if offset.is_multiple_of(u64::from(size)) => Some(1),
            8 if offset.is_multiple_of(8) => map
                .at(offset)
                .map(|id| map.reg(id))
                .filter(|r| r.width == 64 && r.address == offset)
                .map(|_| 2),
            _ => None,
        };
        match self {
            Step::Write { offset, size, .. } => words(offset.0, *size).unwrap_or(1),
            Step::Read { offset, size, .. } => words(offset.0, *size).unwrap_or(0),
            _ => 0,
        }
    }

    /// Whether the step is a bus access.
    pub const fn is_bus(&self) -> bool {
        matches!(self, Step::Write { .. } | Step::Read { .. })
    }
}

/// The first line of a trace file: what the steps run on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Format version ([`FORMAT_VERSION`]).
    pub version: u32,
    /// A name for reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How ACK mirrors and update handshakes complete (a generator option of the RTL).
    #[serde(default = "default_completion")]
    pub completion: regdef::access::Completion,
    /// Implementation-defined field values that differ from the map's defaults, by
    /// field path (the RTL's parameters).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub impl_defined: BTreeMap<String, Hex>,
}

fn default_completion() -> regdef::access::Completion {
    regdef::ir::DEFAULT_COMPLETION
}

impl Default for Header {
    fn default() -> Self {
        Header {
            version: FORMAT_VERSION,
            name: None,
            completion: default_completion(),
            impl_defined: BTreeMap::new(),
        }
    }
}

/// A header and its steps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// What the steps run on.
    pub header: Header,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// One line of a file: the header or a step.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Line {
    Header(HeaderLine),
    Step(Step),
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum HeaderLine {
    Header(Header),
}

impl Trace {
    /// A trace of `steps` on the default instance.
    pub fn new(steps: Vec<Step>) -> Trace {
        Trace {
            header: Header::default(),
            steps,
        }
    }

    /// Parses JSON Lines. Blank lines are skipped; the header may only come first.
    pub fn from_json_lines(text: &str) -> Result<Trace, Error> {
        Self::read_from(text.as_bytes(), "<text>")
    }

    /// Reads a trace file in either format: this module's (`"op"` lines), or the
    /// SMMU model's register-level trace (`"kind"` lines, as `twinreg run --trace`
    /// writes it), told apart by the first line. A model trace becomes
    /// [`from_model_file`]'s trace.
    pub fn load_any(map: &RegisterMap, path: &Path) -> Result<Trace, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let name = path.display().to_string();
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let is_model = serde_json::from_str::<serde_json::Value>(first)
            .is_ok_and(|v| v.get("kind").is_some() && v.get("op").is_none());
        if is_model {
            from_model_file(map, &text, &name)
        } else {
            Self::read_from(text.as_bytes(), &name)
        }
    }

    /// Reads a JSON Lines trace file.
    pub fn load(path: &Path) -> Result<Trace, Error> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        Self::read_from(std::io::BufReader::new(file), &path.display().to_string())
    }

    fn read_from(reader: impl BufRead, name: &str) -> Result<Trace, Error> {
        let mut trace = Trace::default();
        let mut seen_content = false;
        for (i, line) in reader.lines().enumerate() {
            let bad = |message: String| Error::Trace {
                file: name.to_string(),
                line: i + 1,
                message,
            };
            let line = line.map_err(|e| bad(e.to_string()))?;
            if line.trim().is_empty() {
                continue;
            }
            // A header is recognised by its op, so that a malformed header reports
            // the header's own error instead of "not a step".
            let value: serde_json::Value =
                serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
            if value.get("op").and_then(|o| o.as_str()) == Some("header") {
                if seen_content {
                    return Err(bad("the header must be the first line".into()));
                }
                let HeaderLine::Header(h) =
                    serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
                if h.version != FORMAT_VERSION {
                    return Err(bad(format!(
                        "trace format version {} (this harness reads {FORMAT_VERSION})",
                        h.version
                    )));
                }
                trace.header = h;
            } else {
                trace
                    .steps
                    .push(serde_json::from_value(value).map_err(|e| bad(e.to_string()))?);
            }
            seen_content = true;
        }
        Ok(trace)
    }

    /// Writes the trace as JSON Lines: the header, then one step per line.
    pub fn write_json_lines(&self, out: &mut impl Write) -> std::io::Result<()> {
        let header = Line::Header(HeaderLine::Header(self.header.clone()));
        serde_json::to_writer(&mut *out, &header)?;
        out.write_all(b"\n")?;
        for s in &self.steps {
            serde_json::to_writer(&mut *out, s)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// The trace as JSON Lines text.
    pub fn to_json_lines(&self) -> String {
        let mut out = Vec::new();
        // Writing to a Vec cannot fail, and every value serialises.
        let _ = self.write_json_lines(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Writes the trace to a file.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let mut f =
            std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| Error::io(path, e))?);
        self.write_json_lines(&mut f)
            .and_then(|()| f.flush())
            .map_err(|e| Error::io(path, e))
    }

    /// Number of bus accesses (a 64-bit access counts as one).
    pub fn bus_accesses(&self) -> usize {
        self.steps.iter().filter(|s| s.is_bus()).count()
    }
}

/// Converts a model trace (`smmu::trace::TraceRecord`s, e.g. from `twinreg run
/// --trace`) into a trace: MMIO accesses and hardware updates one to one, recorded
/// read values as `expect`, `Reset` and `Restore` (values by path) as they are.
///
/// The model names each hardware update by IR index and path; both must agree with
/// `map`, or the model and the harness are looking at different maps.
pub fn from_model(
    map: &RegisterMap,
    header: Header,
    records: &[smmu::trace::TraceRecord],
) -> Result<Trace, Error> {
    use smmu::trace::TraceRecord as R;
    let mut steps = Vec::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        let bad = |message: String| Error::Model { record: i, message };
        steps.push(match r {
            R::MmioRead {
                offset,
                size,
                security,
                value,
            } => Step::Read {
                offset: Hex(*offset),
                size: *size,
                sec: *security,
                expect: Some(Hex(*value)),
            },
            R::MmioWrite {
                offset,
                size,
                security,
                value,
            } => Step::write(*offset, *size, *value, *security),
            R::Hw {
                reg,
                path,
                field,
                name,
                input,
                value,
            } => {
                let reg_ir = map
                    .registers
                    .get(*reg)
                    .ok_or_else(|| bad(format!("no register with index {reg}")))?;
                if reg_ir.path != *path {
                    return Err(bad(format!(
                        "register {reg} is {} in the map, {path} in the trace",
                        reg_ir.path
                    )));
                }
                let f = reg_ir
                    .fields
                    .get(*field)
                    .ok_or_else(|| bad(format!("{path} has no field {field}")))?;
                if f.name != *name {
                    return Err(bad(format!(
                        "field {field} of {path} is {} in the map, {name} in the trace",
                        f.name
                    )));
                }
                let path = format!("{path}.{name}");
                match input {
                    HwInput::Write => Step::hw_write(path, *value),
                    HwInput::Set => Step::hw_pulse(path, true),
                    HwInput::Clear => Step::hw_pulse(path, false),
                }
            }
            R::Reset => Step::Reset,
            R::Restore { values } => {
                if values.len() != map.registers.len() {
                    return Err(bad(format!(
                        "restore lists {} registers, the map has {}",
                        values.len(),
                        map.registers.len()
                    )));
                }
                Step::Restore {
                    values: map
                        .registers
                        .iter()
                        .zip(values)
                        .map(|(r, v)| (r.path.clone(), Hex(*v)))
                        .collect(),
                }
            }
        });
    }
    Ok(Trace { header, steps })
}

/// Converts the text of a model trace file (`twinreg run --trace`) into a trace
/// named `name`: its header's reset values give the IMPLEMENTATION DEFINED values
/// (a file without a header runs on the map's defaults), the records convert with
/// [`from_model`], and a final Secure read of every register compares the whole
/// state the run left.
pub fn from_model_file(map: &RegisterMap, text: &str, name: &str) -> Result<Trace, Error> {
    let (model_header, records) =
        smmu::trace::parse_json_lines_with_header(text).map_err(|message| {
            // The model's errors start with `line N: `.
            let (line, message) = message
                .strip_prefix("line ")
                .and_then(|m| m.split_once(": "))
                .and_then(|(n, m)| Some((n.parse().ok()?, m.to_string())))
                .unwrap_or((0, message));
            Error::Trace {
                file: name.to_string(),
                line,
                message,
            }
        })?;
    let mut header = Header {
        name: Some(name.to_string()),
        ..Header::default()
    };
    if let Some(h) = model_header {
        header.impl_defined =
            impl_defined_from_reset(map, &h.reset).map_err(|message| Error::Trace {
                file: name.to_string(),
                line: 1,
                message,
            })?;
    }
    let mut trace = from_model(map, header, &records)?;
    for r in &map.registers {
        trace
            .steps
            .push(Step::read(r.address, r.width / 8, SecSid::Secure));
    }
    Ok(trace)
}

/// The IMPLEMENTATION DEFINED field values in `reset` (every register's reset value,
/// by IR index) that differ from the map's defaults, by field path.
pub fn impl_defined_from_reset(
    map: &RegisterMap,
    reset: &[u64],
) -> Result<BTreeMap<String, Hex>, String> {
    if reset.len() != map.registers.len() {
        return Err(format!(
            "the header lists {} reset values, the map has {} registers",
            reset.len(),
            map.registers.len()
        ));
    }
    Ok(map
        .impl_defined_fields()
        .filter_map(|f| {
            let field = map.field(f);
            let v = field.value_in(reset[f.reg.0]);
            (v != field.reset.unwrap_or(0)).then(|| (map.field_path(f), Hex(v)))
        })
        .collect())
}

/// Looks fields up by path (`smmuv3.ns.cr0.smmuen`) and registers by path.
#[derive(Debug)]
pub struct Names {
    fields: std::collections::HashMap<String, FieldRef>,
    regs: std::collections::HashMap<String, usize>,
}

impl Names {
    /// The index of every field and register of `map`.
    pub fn new(map: &RegisterMap) -> Names {
        let mut fields = std::collections::HashMap::new();
        let mut regs = std::collections::HashMap::new();
        for (id, r) in map.iter() {
            regs.insert(r.path.clone(), id.0);
            for (i, f) in r.fields.iter().enumerate() {
                fields.insert(
                    format!("{}.{}", r.path, f.name),
                    FieldRef { reg: id, field: i },
                );
            }
        }
        Names { fields, regs }
    }

    /// The field at `path`.
    pub fn field(&self, path: &str) -> Option<FieldRef> {
        self.fields.get(path).copied()
    }

    /// The register at `path` (IR index).
    pub fn reg(&self, path: &str) -> Option<usize> {
        self.regs.get(path).copied()
    }
}

/// A step in the compact, readable form of reports and snapshots:
///
/// ```text
/// W  S  0x08020/4 s.s_cr0                = 0x0000000d
/// R  NS 0x00024/4 ns.cr0ack              -> 0x0000000d
/// HW ns.cmdq_cons.rd := 0x4
/// ```
pub struct Compact<'a> {
    /// The map, for register names.
    pub map: &'a RegisterMap,
    /// The step.
    pub step: &'a Step,
    /// The value the step read, if it is a read and it is known.
    pub read: Option<u64>,
}

/// The part of a path below the top (`ns.cr0` for `smmuv3.ns.cr0`).
pub fn short_path<'p>(map: &RegisterMap, path: &'p str) -> &'p str {
    path.strip_prefix(&map.top)
        .and_then(|p| p.strip_prefix('.'))
        .unwrap_or(path)
}

impl fmt::Display for Compact<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sec = |s: &SecSid| match s {
            SecSid::Secure => "S ",
            SecSid::NonSecure => "NS",
        };
        let name = |offset: u64| match self.map.at(offset) {
            Some(id) => short_path(self.map, &self.map.reg(id).path).to_string(),
            None => "(undefined)".to_string(),
        };
        let digits = |size: u32| (size.clamp(1, 8) * 2) as usize;
        match self.step {
            Step::Write {
                offset,
                size,
                data,
                sec: s,
            } => write!(
                f,
                "W  {} {:#07x}/{size} {:<24} = {:#0w$x}",
                sec(s),
                offset.0,
                name(offset.0),
                data.0,
                w = digits(*size) + 2
            ),
            Step::Read {
                offset,
                size,
                sec: s,
                expect,
            } => {
                write!(
                    f,
                    "R  {} {:#07x}/{size} {:<24}",
                    sec(s),
                    offset.0,
                    name(offset.0)
                )?;
                if let Some(v) = self.read.or(expect.map(|e| e.0)) {
                    write!(f, " -> {v:#0w$x}", w = digits(*size) + 2)?;
                }
                Ok(())
            }
            Step::Hw {
                field,
                input,
                value,
            } => {
                let field = short_path(self.map, field);
                match (input, value) {
                    (HwInput::Write, Some(v)) => write!(f, "HW {field} := {:#x}", v.0),
                    (HwInput::Write, None) => write!(f, "HW {field} := ?"),
                    (HwInput::Set, _) => write!(f, "HW {field} hwset"),
                    (HwInput::Clear, _) => write!(f, "HW {field} hwclr"),
                }
            }
            Step::Reset => write!(f, "RESET"),
            Step::Restore { values } => write!(f, "RESTORE {} registers", values.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_in_every_spelling() {
        assert_eq!(parse_number("0x8_020"), Ok(0x8020));
        assert_eq!(parse_number("4096"), Ok(4096));
        assert!(parse_number("0xg").is_err());
        let h: Hex = serde_json::from_str("17").unwrap();
        assert_eq!(h, Hex(17));
        let h: Hex = serde_json::from_str("\"0x11\"").unwrap();
        assert_eq!(h, Hex(17));
        assert_eq!(serde_json::to_string(&Hex(255)).unwrap(), "\"0xff\"");
    }

    #[test]
    fn json_lines_round_trip() {
        let mut t = Trace::new(vec![
            Step::write(0x8020, 4, 0xd, SecSid::Secure),
            Step::read(0x24, 4, SecSid::NonSecure),
            Step::hw_write("smmuv3.ns.cmdq_cons.rd", 4),
            Step::hw_pulse("smmuv3.s.s_init.inv_all", false),
            Step::Reset,
        ]);
        t.header.name = Some("demo".into());
        let text = t.to_json_lines();
        assert_eq!(
            text.lines().nth(1),
            Some(r#"{"op":"write","offset":"0x8020","size":4,"data":"0xd","sec":"secure"}"#)
        );
        assert!(text.starts_with(r#"{"op":"header","version":1,"name":"demo""#));
        assert_eq!(Trace::from_json_lines(&text).unwrap(), t);
    }

    #[test]
    fn bad_lines_name_their_line() {
        let e = Trace::from_json_lines("\n{\"op\":\"reset\"}\n{\"op\":\"jump\"}\n").unwrap_err();
        assert!(e.to_string().contains("line 3"), "{e}");
        let e = Trace::from_json_lines("{\"op\":\"reset\"}\n{\"op\":\"header\",\"version\":1}\n")
            .unwrap_err();
        assert!(e.to_string().contains("first line"), "{e}");
        let e = Trace::from_json_lines("{\"op\":\"header\",\"version\":9}").unwrap_err();
        assert!(e.to_string().contains("version 9"), "{e}");
        let e = Trace::from_json_lines(
            "{\"op\":\"read\",\"offset\":\"0x20\",\"size\":4,\"sec\":\"secure\",\"extra\":1}",
        )
        .unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        let e = Trace::from_json_lines("not json").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }
}
