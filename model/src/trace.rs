//! Register-level trace recording: every MMIO access and every hardware-side
//! register update the model makes, in order.
//!
//! The verification harness replays a trace on the generated RTL and on the Rust
//! register file and compares them access by access (design.md 4), so a trace is
//! complete (nothing the model does to a register is missing) and deterministic
//! (the same inputs give the same records, in the same order).
//!
//! * [`TraceRecord::MmioRead`] / [`TraceRecord::MmioWrite`]: the bus access as the
//!   embedder made it, including accesses the register file refused or found
//!   unmapped (they are RAZ/WI on both sides). A read carries the value returned.
//! * [`TraceRecord::Hw`]: one field of one register changed through the hardware
//!   path (the RTL's hardware input of that field): register by IR index and path,
//!   field by index (into the register's present fields, as
//!   `RegisterFile::hw_write_field` takes it) and name, the input used and the
//!   field's new value. A hardware update that changes several fields gives one
//!   record per field, in field order. The ACK mirrors and the GBPA update
//!   completion are not hardware updates: the register block performs them itself
//!   as part of the software write.
//! * [`TraceRecord::Reset`] and [`TraceRecord::Restore`]: the whole register file
//!   was reset, or replaced by a snapshot (its values by IR index).
//!
//! A trace file may start with a [`TraceHeader`] line (`"kind":"header"`): the
//! reset value of every register under the configuration the model ran with, so
//! that a replay builds the RTL with the same IMPLEMENTATION DEFINED values.
//! `twinreg run --trace` writes one; [`parse_json_lines_with_header`] reads it.
//!
//! Recording is zero-cost when off: the device is generic over its [`TraceSink`],
//! and with [`NoTrace`] (`ENABLED == false`) every recording site compiles away.

use std::borrow::Cow;
use std::io::{self, Write};

use regdef::SecSid;
use serde::{Deserialize, Serialize};

/// Which hardware input of a field an update used (the RTL port it drives).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HwInput {
    /// A hardware write of the value (`hw = w / rw`): `hw_write_field`.
    Write,
    /// The `hwset` input (all ones): `hw_set`.
    Set,
    /// The `hwclr` input (all zeros): `hw_clr`.
    Clear,
}

/// One step of a register-level trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TraceRecord {
    /// A software read.
    MmioRead {
        /// Byte offset in the SMMU's MMIO window.
        offset: u64,
        /// Access size in bytes.
        size: u32,
        /// Security state of the access.
        security: SecSid,
        /// The value returned.
        value: u64,
    },
    /// A software write.
    MmioWrite {
        /// Byte offset in the SMMU's MMIO window.
        offset: u64,
        /// Access size in bytes.
        size: u32,
        /// Security state of the access.
        security: SecSid,
        /// The value written (its low `size` bytes are the data).
        value: u64,
    },
    /// A hardware-side update of one field.
    Hw {
        /// IR index of the register (`Reg::index`).
        reg: usize,
        /// Its path (`smmuv3.s.s_cmdq_cons`).
        path: Cow<'static, str>,
        /// Index of the field among the register's present fields.
        field: usize,
        /// The field's name.
        name: Cow<'static, str>,
        /// The hardware input used.
        input: HwInput,
        /// The field's new value, right-aligned.
        value: u64,
    },
    /// Every register returned to its reset value.
    Reset,
    /// The register file was replaced by a snapshot: every register's value, by IR
    /// index.
    Restore {
        /// Register values, by IR index.
        values: Vec<u64>,
    },
}

/// Version of the trace file format, written in [`TraceHeader::version`].
pub const TRACE_FORMAT_VERSION: u32 = 1;

/// The first line of a trace file: what the records ran on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceHeader {
    /// [`TRACE_FORMAT_VERSION`].
    pub version: u32,
    /// The reset value of every register, by IR index, under the model's
    /// configuration: its IMPLEMENTATION DEFINED fields are the ID registers the
    /// model advertises.
    pub reset: Vec<u64>,
}

impl TraceHeader {
    /// The header of a model built with `config`.
    pub fn new(config: &crate::SmmuConfig) -> TraceHeader {
        use crate::regfile::{impl_defined, Reg, RegisterFile};
        let regs = RegisterFile::new(&impl_defined(config));
        TraceHeader {
            version: TRACE_FORMAT_VERSION,
            reset: Reg::ALL.iter().map(|&r| regs.value(r)).collect(),
        }
    }
}

/// The header line as it is written: `{"kind":"header",...}`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum HeaderLine {
    Header(TraceHeader),
}

/// Where trace records go.
pub trait TraceSink {
    /// Whether recording is on. With `false` the device never builds a record, so a
    /// sink that ignores everything costs nothing.
    const ENABLED: bool = true;

    /// Takes one record, in order.
    fn record(&mut self, record: TraceRecord);
}

/// No recording: the default, zero-cost.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct NoTrace;

impl TraceSink for NoTrace {
    const ENABLED: bool = false;

    fn record(&mut self, _record: TraceRecord) {}
}

/// Records into memory.
impl TraceSink for Vec<TraceRecord> {
    fn record(&mut self, record: TraceRecord) {
        self.push(record);
    }
}

impl<T: TraceSink + ?Sized> TraceSink for &mut T {
    const ENABLED: bool = T::ENABLED;

    fn record(&mut self, record: TraceRecord) {
        (**self).record(record);
    }
}

/// Writes each record as one line of JSON (JSON Lines) to a writer.
///
/// A write error does not stop the model: the first error is kept, later records
/// are dropped, and [`finish`](JsonLinesTrace::finish) reports it.
#[derive(Debug)]
pub struct JsonLinesTrace<W: Write> {
    out: W,
    error: Option<io::Error>,
    records: u64,
}

impl<W: Write> JsonLinesTrace<W> {
    /// A trace writing to `out`.
    pub fn new(out: W) -> JsonLinesTrace<W> {
        JsonLinesTrace {
            out,
            error: None,
            records: 0,
        }
    }

    /// A trace writing to `out`, starting with `header`.
    pub fn with_header(out: W, header: TraceHeader) -> JsonLinesTrace<W> {
        let mut trace = JsonLinesTrace::new(out);
        let line = HeaderLine::Header(header);
        if let Err(e) = serde_json::to_writer(&mut trace.out, &line)
            .map_err(io::Error::from)
            .and_then(|()| trace.out.write_all(b"\n"))
        {
            trace.error = Some(e);
        }
        trace
    }

    /// Records written so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Flushes and returns the writer, or the first error.
    pub fn finish(mut self) -> io::Result<W> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> TraceSink for JsonLinesTrace<W> {
    fn record(&mut self, record: TraceRecord) {
        if self.error.is_some() {
            return;
        }
        let result = serde_json::to_writer(&mut self.out, &record)
            .map_err(io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"));
        match result {
            Ok(()) => self.records += 1,
            Err(e) => self.error = Some(e),
        }
    }
}

/// Parses a JSON Lines trace (blank lines are skipped, a header is dropped). The
/// error names the line.
pub fn parse_json_lines(text: &str) -> Result<Vec<TraceRecord>, String> {
    parse_json_lines_with_header(text).map(|(_, records)| records)
}

/// Parses a JSON Lines trace and its header, which may only be the first line.
/// Blank lines are skipped; the error names the line.
pub fn parse_json_lines_with_header(
    text: &str,
) -> Result<(Option<TraceHeader>, Vec<TraceRecord>), String> {
    let mut header = None;
    let mut records = Vec::new();
    let lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    for (n, (i, line)) in lines.enumerate() {
        let bad = |e: String| format!("line {}: {e}", i + 1);
        // Recognised by its kind, so that a malformed header reports its own error.
        if line.contains("\"header\"") {
            let value: serde_json::Value =
                serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
            if value.get("kind").and_then(|k| k.as_str()) == Some("header") {
                if n != 0 {
                    return Err(bad("the header must be the first line".into()));
                }
                let HeaderLine::Header(h) =
                    serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
                if h.version != TRACE_FORMAT_VERSION {
                    return Err(bad(format!(
                        "trace format version {} (this model writes {TRACE_FORMAT_VERSION})",
                        h.version
                    )));
                }
                header = Some(h);
                continue;
            }
        }
        records.push(serde_json::from_str(line).map_err(|e| bad(e.to_string()))?);
    }
    Ok((header, records))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_as_json_lines() {
        let records = vec![
            TraceRecord::MmioWrite {
                offset: 0x8098,
                size: 4,
                security: SecSid::Secure,
                value: 3,
            },
            TraceRecord::Hw {
                reg: 71,
                path: "smmuv3.s.s_cmdq_cons".into(),
                field: 0,
                name: "rd".into(),
                input: HwInput::Write,
                value: 3,
            },
            TraceRecord::MmioRead {
                offset: 0x809C,
                size: 4,
                security: SecSid::Secure,
                value: 3,
            },
            TraceRecord::Reset,
            TraceRecord::Restore { values: vec![1, 2] },
        ];
        let mut sink = JsonLinesTrace::new(Vec::new());
        for r in &records {
            sink.record(r.clone());
        }
        assert_eq!(sink.records(), 5);
        let text = String::from_utf8(sink.finish().unwrap()).unwrap();
        assert_eq!(
            text.lines().next(),
            Some(r#"{"kind":"mmio_write","offset":32920,"size":4,"security":"secure","value":3}"#)
        );
        assert_eq!(
            text.lines().nth(1),
            Some(
                r#"{"kind":"hw","reg":71,"path":"smmuv3.s.s_cmdq_cons","field":0,"name":"rd","input":"write","value":3}"#
            )
        );
        assert_eq!(parse_json_lines(&text), Ok(records));
        assert!(parse_json_lines("{\"kind\":\"bogus\"}")
            .unwrap_err()
            .starts_with("line 1:"));
    }

    #[test]
    fn a_header_comes_first_and_carries_the_configured_reset_values() {
        let config = crate::SmmuConfig {
            sid_bits: 8,
            ..crate::SmmuConfig::default()
        };
        let header = TraceHeader::new(&config);
        let idr1 = crate::regfile::Reg::Idr1.index();
        // IDR1.SIDSIZE is bits [5:0] (IHI0070 6.3.2).
        assert_eq!(header.reset[idr1] & 0x3f, 8);
        let mut sink = JsonLinesTrace::with_header(Vec::new(), header.clone());
        sink.record(TraceRecord::Reset);
        let text = String::from_utf8(sink.finish().unwrap()).unwrap();
        assert!(text.starts_with("{\"kind\":\"header\",\"version\":1,\"reset\":["));
        let (h, records) = parse_json_lines_with_header(&text).unwrap();
        assert_eq!(h, Some(header));
        assert_eq!(records, vec![TraceRecord::Reset]);
        assert_eq!(parse_json_lines(&text), Ok(vec![TraceRecord::Reset]));
        let late = format!("{{\"kind\":\"reset\"}}\n{}", text.lines().next().unwrap());
        let e = parse_json_lines_with_header(&late).unwrap_err();
        assert_eq!(e, "line 2: the header must be the first line");
    }
}
