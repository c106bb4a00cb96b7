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

/// Parses a JSON Lines trace (blank lines are skipped). The error names the line.
pub fn parse_json_lines(text: &str) -> Result<Vec<TraceRecord>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
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
}
