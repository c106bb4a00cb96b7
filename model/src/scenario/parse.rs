//! Scenario JSON -> [`Scenario`], with errors that name the step and the field.
//!
//! Parsing goes through `serde_json::Value` by hand rather than derived
//! deserializers, so that numbers may be JSON integers or strings (`"0x4E17_9000"`,
//! `"4096"`), and so that every error says where it is.

use serde_json::{Map, Value};

use super::{Dir, MemoryRegion, Op, Scenario, ScenarioError, Step, StreamDecl};
use crate::config::{parse_uint, KnobValue, SmmuConfig};
use crate::event::EventType;
use crate::memory::Pas;
use crate::walk::AccessKind;
use regdef::SecSid;

/// Where an error is: the step (index and op) or the scenario header.
#[derive(Clone, Debug)]
struct Place {
    step: Option<(usize, String)>,
}

impl Place {
    fn header() -> Place {
        Place { step: None }
    }

    fn error(&self, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            step: self.step.as_ref().map(|(i, _)| *i),
            op: self.step.as_ref().map(|(_, op)| op.clone()),
            message: message.into(),
        }
    }
}

/// The fields of one JSON object, consumed one by one so that leftovers (unknown
/// fields) can be reported.
struct Fields<'a> {
    map: Map<String, Value>,
    place: &'a Place,
}

impl<'a> Fields<'a> {
    fn new(value: Value, place: &'a Place, what: &str) -> Result<Fields<'a>, ScenarioError> {
        match value {
            Value::Object(map) => Ok(Fields { map, place }),
            other => Err(place.error(format!("{what} must be a JSON object, not {other}"))),
        }
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key).filter(|v| !v.is_null())
    }

    fn field_error(&self, key: &str, message: impl std::fmt::Display) -> ScenarioError {
        self.place.error(format!("field `{key}`: {message}"))
    }

    fn required(&mut self, key: &str) -> Result<Value, ScenarioError> {
        self.take(key)
            .ok_or_else(|| self.place.error(format!("missing field `{key}`")))
    }

    fn u64(&mut self, key: &str) -> Result<Option<u64>, ScenarioError> {
        match self.take(key) {
            None => Ok(None),
            Some(v) => number(&v).map(Some).map_err(|e| self.field_error(key, e)),
        }
    }

    fn req_u64(&mut self, key: &str) -> Result<u64, ScenarioError> {
        let v = self.required(key)?;
        number(&v).map_err(|e| self.field_error(key, e))
    }

    fn u32(&mut self, key: &str) -> Result<Option<u32>, ScenarioError> {
        match self.u64(key)? {
            None => Ok(None),
            Some(v) => u32::try_from(v)
                .map(Some)
                .map_err(|_| self.field_error(key, format!("{v:#x} does not fit 32 bits"))),
        }
    }

    fn req_u32(&mut self, key: &str) -> Result<u32, ScenarioError> {
        self.u32(key)?
            .ok_or_else(|| self.place.error(format!("missing field `{key}`")))
    }

    fn bool(&mut self, key: &str) -> Result<Option<bool>, ScenarioError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => {
                Err(self.field_error(key, format!("expected true or false, not {other}")))
            }
        }
    }

    fn string(&mut self, key: &str) -> Result<Option<String>, ScenarioError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.field_error(key, format!("expected a string, not {other}"))),
        }
    }

    fn req_string(&mut self, key: &str) -> Result<String, ScenarioError> {
        self.string(key)?
            .ok_or_else(|| self.place.error(format!("missing field `{key}`")))
    }

    fn bytes(&mut self, key: &str) -> Result<Option<Vec<u8>>, ScenarioError> {
        match self.string(key)? {
            None => Ok(None),
            Some(s) => hex_bytes(&s)
                .map(Some)
                .map_err(|e| self.field_error(key, e)),
        }
    }

    fn space(&mut self, key: &str) -> Result<Pas, ScenarioError> {
        let s = self.req_string(key)?;
        match s.as_str() {
            "nonsecure" => Ok(Pas::NonSecure),
            "secure" => Ok(Pas::Secure),
            other => Err(self.field_error(
                key,
                format!("`{other}` is not a PA space (nonsecure or secure)"),
            )),
        }
    }

    fn sec_sid(&mut self, key: &str) -> Result<Option<SecSid>, ScenarioError> {
        match self.string(key)? {
            None => Ok(None),
            Some(s) => match s.as_str() {
                "nonsecure" => Ok(Some(SecSid::NonSecure)),
                "secure" => Ok(Some(SecSid::Secure)),
                other => Err(self.field_error(
                    key,
                    format!("`{other}` is not a Security state (nonsecure or secure)"),
                )),
            },
        }
    }

    /// Ends the object: any field left over is unknown.
    fn finish(self) -> Result<(), ScenarioError> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(k) => Err(self.place.error(format!("unknown field `{k}`"))),
        }
    }
}

/// A JSON integer, or a string in hex (`0x...`) or decimal; `_` separators are
/// allowed in strings.
pub(super) fn number(v: &Value) -> Result<u64, String> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| format!("{n} is not an unsigned 64-bit integer")),
        Value::String(s) => {
            parse_uint(s).ok_or_else(|| format!("`{s}` is not a number (decimal, or hex with 0x)"))
        }
        other => Err(format!("expected a number, not {other}")),
    }
}

/// Hex digits, two per byte; `0x`, `_` and whitespace are ignored.
pub(super) fn hex_bytes(s: &str) -> Result<Vec<u8>, String> {
    let body = s.strip_prefix("0x").unwrap_or(s);
    let digits: Vec<u8> = body
        .bytes()
        .filter(|b| !(b.is_ascii_whitespace() || *b == b'_'))
        .collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!("`{s}` has an odd number of hex digits"));
    }
    digits
        .chunks_exact(2)
        .map(|pair| {
            let hi = (pair[0] as char).to_digit(16);
            let lo = (pair[1] as char).to_digit(16);
            match (hi, lo) {
                (Some(h), Some(l)) => Ok((h << 4 | l) as u8),
                _ => Err(format!("`{s}` is not hex data")),
            }
        })
        .collect()
}

/// The largest `len` of a read (16 MB): a scenario cannot make the runner allocate
/// without bound.
const MAX_LEN: u64 = 1 << 24;

fn checked_len(len: u64, place: &Place) -> Result<usize, ScenarioError> {
    if len > MAX_LEN {
        return Err(place.error(format!("`len` {len:#x} exceeds {MAX_LEN:#x} bytes")));
    }
    usize::try_from(len).map_err(|_| place.error("`len` is too large"))
}

/// Refuses memory regions that are empty, that wrap past 2^64 or that overlap
/// another region of their space: each would make the memory differ from what the
/// file says.
fn check_regions(regions: &[MemoryRegion], place: &Place) -> Result<(), ScenarioError> {
    let name = |i: usize, r: &MemoryRegion| {
        let space = match r.space {
            Pas::NonSecure => "nonsecure",
            Pas::Secure => "secure",
        };
        format!("memory region {i} ({space}, base {:#x})", r.base)
    };
    // Inclusive last bytes: a region may end exactly at 2^64.
    let mut spans = Vec::with_capacity(regions.len());
    for (i, r) in regions.iter().enumerate() {
        if r.size == 0 {
            return Err(place.error(format!("{}: its size is zero", name(i, r))));
        }
        let Some(last) = r.base.checked_add(r.size - 1) else {
            return Err(place.error(format!(
                "{}: it ends past 2^64 (size {:#x})",
                name(i, r),
                r.size
            )));
        };
        spans.push((r.base, last));
    }
    for (i, r) in regions.iter().enumerate() {
        let (first, last) = spans[i];
        let earlier = regions[..i]
            .iter()
            .zip(&spans)
            .enumerate()
            .find(|(_, (o, &(f, l)))| o.space == r.space && first <= l && f <= last);
        if let Some((j, (other, _))) = earlier {
            return Err(place.error(format!("{} overlaps {}", name(i, r), name(j, other))));
        }
    }
    Ok(())
}

/// Parses a scenario.
pub(super) fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| ScenarioError::Json(e.to_string()))?;
    let header = Place::header();
    let mut top = Fields::new(value, &header, "a scenario")?;
    let name = top.req_string("name")?;
    let description = top.string("description")?;
    let config = match top.take("config") {
        None => SmmuConfig::default(),
        Some(v) => parse_config(v, &header)?,
    };
    let memory = match top.take("memory") {
        None => MemoryRegion::defaults(),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| {
                let mut f = Fields::new(item, &header, "a memory region")?;
                let region = MemoryRegion {
                    space: f.space("space")?,
                    base: f.req_u64("base")?,
                    size: f.req_u64("size")?,
                };
                f.finish()?;
                Ok(region)
            })
            .collect::<Result<_, ScenarioError>>()?,
        Some(other) => return Err(header.error(format!("`memory` must be an array, not {other}"))),
    };
    check_regions(&memory, &header)?;
    let streams = match top.take("streams") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| {
                let mut f = Fields::new(item, &header, "a stream")?;
                let sid = f.req_u32("sid")?;
                let sec_sid = f.sec_sid("sec_sid")?.ok_or_else(|| {
                    header.error(format!("stream {sid}: missing field `sec_sid`"))
                })?;
                f.finish()?;
                Ok(StreamDecl { sid, sec_sid })
            })
            .collect::<Result<_, ScenarioError>>()?,
        Some(other) => return Err(header.error(format!("`streams` must be an array, not {other}"))),
    };
    let steps = match top.required("steps")? {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| parse_step(i, item))
            .collect::<Result<_, ScenarioError>>()?,
        other => return Err(header.error(format!("`steps` must be an array, not {other}"))),
    };
    top.finish()?;
    Ok(Scenario {
        name,
        description,
        config,
        memory,
        streams,
        steps,
    })
}

/// `config`: an optional `preset` (default `default`), then knobs overriding it,
/// named as [`SmmuConfig::knobs`] names them. Knobs that follow others do so unless
/// given ([`SmmuConfig::with_overrides`]).
fn parse_config(value: Value, place: &Place) -> Result<SmmuConfig, ScenarioError> {
    /// A JSON value as a knob value, owned.
    enum Given {
        Bool(bool),
        Uint(u64),
        Text(String),
    }
    let mut f = Fields::new(value, place, "`config`")?;
    let base = match f.string("preset")? {
        None => SmmuConfig::default(),
        Some(name) => SmmuConfig::preset(&name).map_err(|e| f.field_error("preset", e))?,
    };
    let mut given = Vec::new();
    for (key, value) in std::mem::take(&mut f.map) {
        let value = match value {
            Value::Null => continue,
            Value::Bool(b) => Given::Bool(b),
            Value::Number(n) => n.as_u64().map_or(Given::Text(n.to_string()), Given::Uint),
            Value::String(s) => Given::Text(s),
            // The object form of `granules`: `{"k4": bool, "k16": bool, "k64": bool}`,
            // a missing granule being absent.
            value @ Value::Object(_) if key == "granules" => {
                let mut g = Fields::new(value, place, "`config.granules`")?;
                let mut names = Vec::new();
                for (field, name) in [("k4", "4k"), ("k16", "16k"), ("k64", "64k")] {
                    if g.bool(field)? == Some(true) {
                        names.push(name);
                    }
                }
                g.finish()?;
                Given::Text(if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(",")
                })
            }
            other => return Err(f.field_error(&key, format!("expected a value, not {other}"))),
        };
        given.push((key, value));
    }
    let overrides = given.iter().map(|(key, value)| {
        let value = match value {
            Given::Bool(b) => KnobValue::Bool(*b),
            Given::Uint(n) => KnobValue::Uint(*n),
            Given::Text(s) => KnobValue::Text(s),
        };
        (key.as_str(), value)
    });
    base.with_overrides(overrides)
        .map_err(|e| place.error(e.to_string()))
}

fn parse_step(index: usize, value: Value) -> Result<Step, ScenarioError> {
    let op_name = value
        .get("op")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string();
    let place = Place {
        step: Some((index, op_name.clone())),
    };
    let mut f = Fields::new(value, &place, "a step")?;
    f.required("op")?;
    let note = f.string("note")?;
    let expect_irqs = match f.take("expect_irqs") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s),
                    other => {
                        Err(place.error(format!("field `expect_irqs`: {other} is not a string")))
                    }
                })
                .collect::<Result<Vec<String>, ScenarioError>>()?,
        ),
        Some(other) => {
            return Err(place.error(format!(
                "field `expect_irqs`: expected an array, not {other}"
            )))
        }
    };
    let op = match op_name.as_str() {
        "mmio_write" => {
            let offset = f.req_u64("offset")?;
            let size = f.req_u32("size")?;
            let value = f.req_u64("value")?;
            // The access writes the low `size` bytes only: a wider value would be
            // echoed on the output line as if written.
            if size < 8 && value >> (8 * size) != 0 {
                let unit = if size == 1 { "byte" } else { "bytes" };
                return Err(
                    f.field_error("value", format!("{value:#x} does not fit in {size} {unit}"))
                );
            }
            Op::MmioWrite {
                offset,
                size,
                value,
                secure: f.bool("secure")?.unwrap_or(false),
            }
        }
        "mmio_read" => Op::MmioRead {
            offset: f.req_u64("offset")?,
            size: f.req_u32("size")?,
            secure: f.bool("secure")?.unwrap_or(false),
            expect: f.u64("expect")?,
        },
        "mem_write" => Op::MemWrite {
            space: f.space("space")?,
            addr: f.req_u64("addr")?,
            data: f
                .bytes("data")?
                .ok_or_else(|| place.error("missing field `data`"))?,
        },
        "mem_write64" => {
            let space = f.space("space")?;
            let addr = f.req_u64("addr")?;
            let values = match f.required("values")? {
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        number(v).map_err(|e| f.field_error("values", format!("[{i}]: {e}")))
                    })
                    .collect::<Result<Vec<u64>, ScenarioError>>()?,
                other => {
                    return Err(f.field_error("values", format!("expected an array, not {other}")))
                }
            };
            Op::MemWrite64 {
                space,
                addr,
                values,
            }
        }
        "mem_read" => {
            let space = f.space("space")?;
            let addr = f.req_u64("addr")?;
            let len = f.req_u64("len")?;
            let expect = f.bytes("expect")?;
            if let Some(e) = &expect {
                if e.len() as u64 != len {
                    return Err(
                        place.error(format!("`expect` has {} bytes but `len` is {len}", e.len()))
                    );
                }
            }
            Op::MemRead {
                space,
                addr,
                len: checked_len(len, &place)?,
                expect,
            }
        }
        "dma" => {
            let sid = f.req_u32("sid")?;
            let ssid = f.u32("ssid")?;
            let sec_sid = f.sec_sid("sec_sid")?;
            let iova = f.req_u64("iova")?;
            let len = f.u64("len")?;
            let dir = f.req_string("dir")?;
            let data = f.bytes("data")?;
            let privileged = f.bool("privileged")?.unwrap_or(false);
            let expect_status = f.string("expect_status")?;
            let expect = f.bytes("expect")?;
            let dir = match (dir.as_str(), data) {
                ("read", None) => {
                    let len = len.ok_or_else(|| place.error("a read needs `len`"))?;
                    Dir::Read(checked_len(len, &place)?)
                }
                ("read", Some(_)) => return Err(place.error("`data` is for writes")),
                ("write", Some(data)) => {
                    if len.is_some_and(|l| l != data.len() as u64) {
                        return Err(place.error(format!(
                            "`data` has {} bytes but `len` is {}",
                            data.len(),
                            len.unwrap_or(0)
                        )));
                    }
                    Dir::Write(data)
                }
                ("write", None) => return Err(place.error("a write needs `data`")),
                (other, _) => {
                    return Err(f.field_error("dir", format!("`{other}` is not read or write")))
                }
            };
            if let Some(status) = &expect_status {
                if !["ok", "fault", "abort"].contains(&status.as_str()) {
                    return Err(f.field_error(
                        "expect_status",
                        format!("`{status}` is not ok, fault or abort"),
                    ));
                }
            }
            if let (Some(e), Dir::Read(n)) = (&expect, &dir) {
                if e.len() != *n {
                    return Err(
                        place.error(format!("`expect` has {} bytes but `len` is {n}", e.len()))
                    );
                }
            }
            Op::Dma {
                sid,
                ssid,
                sec_sid,
                iova,
                dir,
                privileged,
                expect_status,
                expect,
            }
        }
        "translate" => {
            let access = match f.string("access")?.as_deref() {
                None | Some("read") => AccessKind::Read,
                Some("write") => AccessKind::Write,
                Some("exec") => AccessKind::Execute,
                Some(other) => {
                    return Err(
                        f.field_error("access", format!("`{other}` is not read, write or exec"))
                    )
                }
            };
            let expect_status = f.string("expect_status")?;
            if let Some(status) = &expect_status {
                let known = ["translated", "bypass", "abort", "fault", "fault_razwi"];
                if !known.contains(&status.as_str()) {
                    return Err(f.field_error(
                        "expect_status",
                        format!("`{status}` is not one of {}", known.join(", ")),
                    ));
                }
            }
            let expect_event = match f.string("expect_event")? {
                None => None,
                Some(name) => Some(event_type(&name).ok_or_else(|| {
                    f.field_error("expect_event", format!("`{name}` is not an event name"))
                })?),
            };
            Op::Translate {
                sid: f.req_u32("sid")?,
                ssid: f.u32("ssid")?,
                sec_sid: f.sec_sid("sec_sid")?,
                iova: f.req_u64("iova")?,
                access,
                privileged: f.bool("privileged")?.unwrap_or(false),
                expect_status,
                expect_pa: f.u64("expect_pa")?,
                expect_pas: match f.take("expect_pas") {
                    None => None,
                    Some(v) => {
                        let mut one = Map::new();
                        one.insert("expect_pas".into(), v);
                        let mut g = Fields {
                            map: one,
                            place: &place,
                        };
                        Some(g.space("expect_pas")?)
                    }
                },
                expect_event,
            }
        }
        "migrate" => Op::Migrate,
        "evict" => Op::Evict,
        other => return Err(place.error(format!("unknown op `{other}`"))),
    };
    f.finish()?;
    Ok(Step {
        op,
        note,
        expect_irqs,
    })
}

fn event_type(name: &str) -> Option<EventType> {
    EventType::ALL.into_iter().find(|t| t.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AddressSize;

    fn config(json: &str) -> Result<SmmuConfig, String> {
        let value: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        parse_config(value, &Place::header()).map_err(|e| e.to_string())
    }

    #[test]
    fn a_preset_is_the_base_and_later_keys_override_it() {
        assert_eq!(config(r#"{}"#), Ok(SmmuConfig::default()));
        assert_eq!(
            config(r#"{"preset": "qemu-7.2"}"#),
            Ok(SmmuConfig::qemu_7_2())
        );
        let c = config(
            r#"{"preset": "qemu-7.2", "stage2": true, "oas": 48, "sid_bits": "0x8",
                "granules": {"k4": true, "k64": false}, "tlb_capacity": null}"#,
        )
        .unwrap();
        assert_eq!(
            c,
            SmmuConfig {
                stage2: true,
                oas: AddressSize::Bits48,
                sid_bits: 8,
                granules: crate::config::GranuleSupport {
                    k4: true,
                    k16: false,
                    k64: false
                },
                ..SmmuConfig::qemu_7_2()
            }
        );
        // The text form of granules is accepted as well.
        let c = config(r#"{"granules": "16k"}"#).unwrap();
        assert!(!c.granules.k4 && c.granules.k16 && !c.granules.k64);
        // Dependent knobs follow the preset's own choice.
        let c = config(r#"{"secure_impl": false}"#).unwrap();
        assert!(!c.secure_stage2 && c.hyp);
    }

    #[test]
    fn bad_presets_keys_and_values_are_named() {
        for (json, message) in [
            (
                r#"{"preset": "qemu-9"}"#,
                "field `preset`: unknown configuration preset `qemu-9` (presets: default, \
                 smmuv3.2, smmuv3.1, qemu-7.2)",
            ),
            (
                r#"{"preset": 7}"#,
                "field `preset`: expected a string, not 7",
            ),
            (
                r#"{"oas": 47}"#,
                "configuration key `oas`: `47` is not an address size in bits",
            ),
            (
                r#"{"sid_bits": -1}"#,
                "configuration key `sid_bits`: `-1` is not an integer from 0 to 255",
            ),
            (
                r#"{"msi": 1}"#,
                "configuration key `msi`: `1` is not a boolean",
            ),
            (
                r#"{"oas": [48]}"#,
                "field `oas`: expected a value, not [48]",
            ),
            (r#"{"granules": {"k8": true}}"#, "unknown field `k8`"),
            (
                r#"{"granules": {"k4": 1}}"#,
                "field `k4`: expected true or false",
            ),
            (r#"{"stage3": true}"#, "unknown configuration key `stage3`"),
        ] {
            let err = config(json).unwrap_err();
            assert!(err.contains(message), "{json}: {err}");
        }
    }

    #[test]
    fn the_scenario_format_documents_every_knob_and_preset() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/scenarios.md");
        let doc = std::fs::read_to_string(path).unwrap();
        let names = SmmuConfig::knobs().iter().map(|k| k.name);
        for name in names.chain(SmmuConfig::presets().iter().map(|p| p.name)) {
            assert!(doc.contains(&format!("`{name}`")), "{path} lacks `{name}`");
        }
    }
}
