//! Scenarios: a JSON description of memory contents, MMIO accesses and device
//! transactions, run against the model, with one JSON line of results per step.
//!
//! The format is documented in `docs/scenarios.md`; the CLI command
//! `twinreg run SCENARIO.json [--trace OUT.jsonl]` is [`run_file`]. A scenario runs
//! on an [`Smmu`] over an [`InMemoryGuest`] (by default 1 GB of Non-secure RAM at
//! 0x4000_0000 and 16 MB of Secure RAM at 0x0E00_0000, the QEMU `virt` layout)
//! with a [`RecordingInterruptSink`] whose MSIs are memory writes, so every
//! interrupt of a step is reported on its line.
//!
//! A failed `expect` is reported on its line (`"mismatch": true`) and counted in
//! the [`Summary`]; the run goes on. A scenario that cannot run (bad JSON, an
//! unknown op or field, a stream without a Security state, a memory write outside
//! memory, a refused configuration) is a [`ScenarioError`] naming the step.

mod parse;

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;
use thiserror::Error;

use crate::config::SmmuConfig;
use crate::device::{DeviceError, DmaStatus, Smmu};
use crate::event::{Event, EventType};
use crate::irq::{Interrupt, MsiOutcome, RecordingInterruptSink};
use crate::memory::{GuestMemory, InMemoryGuest, Pas};
use crate::snapshot::{RestoreError, Snapshot};
use crate::trace::{JsonLinesTrace, NoTrace, TraceHeader, TraceSink};
use crate::translate::{Outcome, TranslationRequest};
use crate::walk::AccessKind;
use regdef::SecSid;

/// A parsed scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// Its name.
    pub name: String,
    /// What it shows.
    pub description: Option<String>,
    /// The SMMU configuration (the default with the scenario's overrides).
    pub config: SmmuConfig,
    /// Guest memory regions.
    pub memory: Vec<MemoryRegion>,
    /// The Security state of each stream.
    pub streams: Vec<StreamDecl>,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// A region of guest memory.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct MemoryRegion {
    /// PA space.
    pub space: Pas,
    /// First byte.
    pub base: u64,
    /// Size in bytes.
    pub size: u64,
}

impl MemoryRegion {
    /// 1 GB of Non-secure RAM at 0x4000_0000 and 16 MB of Secure RAM at
    /// 0x0E00_0000 (QEMU `virt` with `secure=on`).
    pub fn defaults() -> Vec<MemoryRegion> {
        vec![
            MemoryRegion {
                space: Pas::NonSecure,
                base: 0x4000_0000,
                size: 0x4000_0000,
            },
            MemoryRegion {
                space: Pas::Secure,
                base: 0x0E00_0000,
                size: 0x0100_0000,
            },
        ]
    }
}

/// A stream's Security state (SEC_SID, a property of the system).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct StreamDecl {
    /// StreamID.
    pub sid: u32,
    /// Its SEC_SID.
    pub sec_sid: SecSid,
}

/// One step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// What it does.
    pub op: Op,
    /// A free comment, echoed in the output.
    pub note: Option<String>,
    /// The interrupts the step must raise, in order (`ns.eventq`,
    /// `msi secure 0xe070000 0x1 memory`), if checked.
    pub expect_irqs: Option<Vec<String>>,
}

/// The direction and data of a DMA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dir {
    /// Read this many bytes.
    Read(usize),
    /// Write these bytes.
    Write(Vec<u8>),
}

/// The operations (see `docs/scenarios.md`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // Fields are documented in docs/scenarios.md.
pub enum Op {
    /// An MMIO write.
    MmioWrite {
        offset: u64,
        size: u32,
        value: u64,
        secure: bool,
    },
    /// An MMIO read, optionally checked.
    MmioRead {
        offset: u64,
        size: u32,
        secure: bool,
        expect: Option<u64>,
    },
    /// Bytes into guest memory.
    MemWrite {
        space: Pas,
        addr: u64,
        data: Vec<u8>,
    },
    /// Little-endian 64-bit values into guest memory.
    MemWrite64 {
        space: Pas,
        addr: u64,
        values: Vec<u64>,
    },
    /// Bytes from guest memory, optionally checked.
    MemRead {
        space: Pas,
        addr: u64,
        len: usize,
        expect: Option<Vec<u8>>,
    },
    /// A device DMA through the SMMU.
    Dma {
        sid: u32,
        ssid: Option<u32>,
        sec_sid: Option<SecSid>,
        iova: u64,
        dir: Dir,
        privileged: bool,
        expect_status: Option<String>,
        expect: Option<Vec<u8>>,
    },
    /// One translation, without data.
    Translate {
        sid: u32,
        ssid: Option<u32>,
        sec_sid: Option<SecSid>,
        iova: u64,
        access: AccessKind,
        privileged: bool,
        expect_status: Option<String>,
        expect_pa: Option<u64>,
        expect_pas: Option<Pas>,
        expect_event: Option<EventType>,
    },
    /// Snapshot the SMMU to JSON and continue on a new SMMU restored from it.
    Migrate,
    /// Drop every cached configuration and translation (an eviction).
    Evict,
}

impl Op {
    fn name(&self) -> &'static str {
        match self {
            Op::MmioWrite { .. } => "mmio_write",
            Op::MmioRead { .. } => "mmio_read",
            Op::MemWrite { .. } => "mem_write",
            Op::MemWrite64 { .. } => "mem_write64",
            Op::MemRead { .. } => "mem_read",
            Op::Dma { .. } => "dma",
            Op::Translate { .. } => "translate",
            Op::Migrate => "migrate",
            Op::Evict => "evict",
        }
    }
}

/// Why a scenario could not be run.
#[derive(Debug, Error)]
pub enum ScenarioError {
    /// Not JSON.
    #[error("the scenario is not valid JSON: {0}")]
    Json(String),
    /// Not a valid scenario.
    #[error("{}{message}", place(*step, op.as_deref()))]
    Invalid {
        /// The step, if the problem is in one.
        step: Option<usize>,
        /// Its op.
        op: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// The configuration is refused.
    #[error("the scenario's configuration is refused: {0}")]
    Config(#[from] DeviceError),
    /// A migration failed.
    #[error("step {step} (migrate): {error}")]
    Migration {
        /// The step.
        step: usize,
        /// Why.
        error: RestoreError,
    },
    /// Reading the scenario or writing output failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
}

fn place(step: Option<usize>, op: Option<&str>) -> String {
    match (step, op) {
        (Some(i), Some(op)) => format!("step {i} ({op}): "),
        (Some(i), None) => format!("step {i}: "),
        _ => String::new(),
    }
}

/// The result of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// The scenario's name.
    pub name: String,
    /// Steps run.
    pub steps: usize,
    /// Expectations checked.
    pub expectations: usize,
    /// Steps with a failed expectation.
    pub mismatches: Vec<usize>,
}

impl Summary {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }

    /// The CLI exit status: 0 if every expectation held, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        if self.passed() {
            0
        } else {
            1
        }
    }
}

/// The one-line summary `twinreg run` prints on stderr:
/// `NAME: 57 steps, 80 checks, 1 mismatch (step 12)`.
impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        write!(
            f,
            "{}: {}, {}, {}",
            self.name,
            plural(self.steps, "step", "steps"),
            plural(self.expectations, "check", "checks"),
            plural(self.mismatches.len(), "mismatch", "mismatches"),
        )?;
        if !self.mismatches.is_empty() {
            let steps: Vec<String> = self.mismatches.iter().map(usize::to_string).collect();
            let label = if steps.len() == 1 { "step" } else { "steps" };
            write!(f, " ({label} {})", steps.join(", "))?;
        }
        Ok(())
    }
}

/// The CLI exit status of a run: 0 passed, 1 an expectation failed, 2 the
/// scenario could not be run.
pub fn exit_code(result: &Result<Summary, ScenarioError>) -> i32 {
    match result {
        Ok(summary) => summary.exit_code(),
        Err(_) => 2,
    }
}

impl Scenario {
    /// Parses a scenario from JSON.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        parse::parse(text)
    }

    /// Reads and parses a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path)?;
        Scenario::from_json(&text)
    }
}

/// Runs `scenario`, writing one JSON line per step to `out`.
pub fn run(scenario: &Scenario, out: &mut impl Write) -> Result<Summary, ScenarioError> {
    Runner::new(scenario, NoTrace)?.run(out)
}

/// Runs `scenario` like [`run`], and writes the register-level trace
/// ([`crate::trace`]) as JSON Lines to `trace`.
pub fn run_traced(
    scenario: &Scenario,
    out: &mut impl Write,
    trace: &mut impl Write,
) -> Result<Summary, ScenarioError> {
    let header = TraceHeader::new(&scenario.config);
    let mut runner = Runner::new(scenario, JsonLinesTrace::with_header(trace, header))?;
    let summary = runner.run(out)?;
    let (_, _, trace) = runner.smmu.into_parts();
    trace.finish()?;
    Ok(summary)
}

/// What `twinreg run SCENARIO.json [--trace OUT.jsonl]` does: loads the file,
/// runs it with the step lines on `out` and, with `trace_path`, the
/// register-level trace in that file. Pass the result to [`exit_code`].
pub fn run_file(
    path: &Path,
    trace_path: Option<&Path>,
    out: &mut impl Write,
) -> Result<Summary, ScenarioError> {
    let scenario = Scenario::load(path)?;
    match trace_path {
        None => run(&scenario, out),
        Some(p) => {
            let mut file = io::BufWriter::new(std::fs::File::create(p)?);
            let summary = run_traced(&scenario, out, &mut file)?;
            file.flush()?;
            Ok(summary)
        }
    }
}

/// One output line. Fields are omitted when they do not apply.
#[derive(Serialize, Default)]
struct Line {
    step: usize,
    op: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secure: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rejected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    space: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    addr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ssid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sec_sid: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iova: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dir: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    len: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pa: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pas: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    page_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<EventLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    irqs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expect: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mismatch: Option<bool>,
}

#[derive(Serialize)]
struct EventLine {
    #[serde(rename = "type")]
    event_type: &'static str,
    recorded: bool,
    words: [String; 4],
}

fn hex(v: u64) -> String {
    format!("{v:#x}")
}

fn hex_data(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn pas_name(pas: Pas) -> &'static str {
    match pas {
        Pas::NonSecure => "nonsecure",
        Pas::Secure => "secure",
    }
}

fn event_line(event: &Event) -> EventLine {
    EventLine {
        event_type: event.event_type.name(),
        recorded: event.record,
        words: event.encode().map(hex),
    }
}

type Device<T> = Smmu<InMemoryGuest, RecordingInterruptSink, T>;

struct Runner<'s, T: TraceSink> {
    scenario: &'s Scenario,
    smmu: Device<T>,
    summary: Summary,
}

impl<'s, T: TraceSink> Runner<'s, T> {
    fn new(scenario: &'s Scenario, trace: T) -> Result<Self, ScenarioError> {
        let mut memory = InMemoryGuest::new();
        for r in &scenario.memory {
            memory.add_region(r.space, r.base, r.size);
        }
        let smmu = Smmu::with_trace(
            scenario.config.clone(),
            memory,
            RecordingInterruptSink::new(),
            trace,
        )?;
        Ok(Runner {
            scenario,
            smmu,
            summary: Summary {
                name: scenario.name.clone(),
                ..Summary::default()
            },
        })
    }

    fn run(&mut self, out: &mut impl Write) -> Result<Summary, ScenarioError> {
        for (index, step) in self.scenario.steps.iter().enumerate() {
            let mut line = self.step(index, step)?;
            line.irqs = self
                .smmu
                .interrupts_mut()
                .take()
                .into_iter()
                .map(irq_name)
                .collect();
            if let Some(expected) = &step.expect_irqs {
                let ok = *expected == line.irqs;
                let mut expectation = match line.expect.take() {
                    Some(serde_json::Value::Object(map)) => map,
                    Some(other) => {
                        let mut map = serde_json::Map::new();
                        map.insert("value".into(), other);
                        map
                    }
                    None => serde_json::Map::new(),
                };
                expectation.insert("irqs".into(), expected.clone().into());
                line.expect = Some(expectation.into());
                self.check(&mut line, ok);
            }
            if line.mismatch == Some(true) {
                self.summary.mismatches.push(index);
            }
            serde_json::to_writer(&mut *out, &line).map_err(io::Error::from)?;
            out.write_all(b"\n")?;
            self.summary.steps += 1;
        }
        out.flush()?;
        Ok(self.summary.clone())
    }

    fn invalid(index: usize, step: &Step, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            step: Some(index),
            op: Some(step.op.name().to_string()),
            message: message.into(),
        }
    }

    /// The Security state of stream `sid`: the step's own, else the declaration.
    fn stream(
        &self,
        index: usize,
        step: &Step,
        sid: u32,
        explicit: Option<SecSid>,
    ) -> Result<SecSid, ScenarioError> {
        if let Some(s) = explicit {
            return Ok(s);
        }
        let mut states = self
            .scenario
            .streams
            .iter()
            .filter(|d| d.sid == sid)
            .map(|d| d.sec_sid);
        match (states.next(), states.next()) {
            (Some(s), None) => Ok(s),
            (Some(a), Some(b)) if a != b => Err(Self::invalid(
                index,
                step,
                format!("stream {sid} is declared in both Security states: give `sec_sid`"),
            )),
            (Some(s), Some(_)) => Ok(s),
            (None, _) => Err(Self::invalid(
                index,
                step,
                format!("stream {sid} is not declared in `streams` (or give `sec_sid`)"),
            )),
        }
    }

    fn check(&mut self, line: &mut Line, ok: bool) {
        self.summary.expectations += 1;
        if !ok {
            line.mismatch = Some(true);
        } else if line.mismatch.is_none() {
            line.mismatch = Some(false);
        }
    }

    fn step(&mut self, index: usize, step: &Step) -> Result<Line, ScenarioError> {
        let mut line = Line {
            step: index,
            op: step.op.name(),
            note: step.note.clone(),
            ..Line::default()
        };
        match &step.op {
            Op::MmioWrite {
                offset,
                size,
                value,
                secure,
            } => {
                let access = if *secure {
                    SecSid::Secure
                } else {
                    SecSid::NonSecure
                };
                let effect = self.smmu.mmio_write(*offset, *size, *value, access);
                line.offset = Some(hex(*offset));
                line.size = Some(*size);
                line.secure = Some(*secure);
                line.value = Some(hex(*value));
                line.rejected = effect.rejection().map(|r| format!("{r:?}"));
            }
            Op::MmioRead {
                offset,
                size,
                secure,
                expect,
            } => {
                let access = if *secure {
                    SecSid::Secure
                } else {
                    SecSid::NonSecure
                };
                let value = self.smmu.mmio_read(*offset, *size, access);
                line.offset = Some(hex(*offset));
                line.size = Some(*size);
                line.secure = Some(*secure);
                line.value = Some(hex(value));
                if let Some(e) = expect {
                    line.expect = Some(hex(*e).into());
                    self.check(&mut line, value == *e);
                }
            }
            Op::MemWrite { space, addr, data } => {
                self.smmu
                    .memory_mut()
                    .write(*space, *addr, data)
                    .map_err(|e| Self::invalid(index, step, e.to_string()))?;
                line.space = Some(pas_name(*space));
                line.addr = Some(hex(*addr));
                line.len = Some(data.len());
            }
            Op::MemWrite64 {
                space,
                addr,
                values,
            } => {
                self.smmu
                    .memory_mut()
                    .write_u64s(*space, *addr, values)
                    .map_err(|e| Self::invalid(index, step, e.to_string()))?;
                line.space = Some(pas_name(*space));
                line.addr = Some(hex(*addr));
                line.len = Some(values.len() * 8);
            }
            Op::MemRead {
                space,
                addr,
                len,
                expect,
            } => {
                let mut buf = vec![0u8; *len];
                self.smmu
                    .memory()
                    .read(*space, *addr, &mut buf)
                    .map_err(|e| Self::invalid(index, step, e.to_string()))?;
                line.space = Some(pas_name(*space));
                line.addr = Some(hex(*addr));
                line.len = Some(*len);
                line.data = Some(hex_data(&buf));
                if let Some(e) = expect {
                    line.expect = Some(hex_data(e).into());
                    self.check(&mut line, buf == *e);
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
            } => {
                let sec = self.stream(index, step, *sid, *sec_sid)?;
                let mut request = TranslationRequest::new(sec, *sid, *iova, AccessKind::Read);
                request.substream_id = *ssid;
                request.privileged = *privileged;
                line.sid = Some(*sid);
                line.ssid = *ssid;
                line.sec_sid = Some(sec.as_str());
                line.iova = Some(hex(*iova));
                let (status, data) = match dir {
                    Dir::Read(n) => {
                        let mut buf = vec![0u8; *n];
                        let status = self
                            .smmu
                            .dma_read(&request, &mut buf)
                            .map_err(|e| Self::invalid(index, step, e.to_string()))?;
                        line.dir = Some("read");
                        line.len = Some(*n);
                        (status, Some(buf))
                    }
                    Dir::Write(bytes) => {
                        let status = self
                            .smmu
                            .dma_write(&request, bytes)
                            .map_err(|e| Self::invalid(index, step, e.to_string()))?;
                        line.dir = Some("write");
                        line.len = Some(bytes.len());
                        (status, None)
                    }
                };
                let (name, event) = match status {
                    DmaStatus::Complete => ("ok", None),
                    DmaStatus::Fault(e) | DmaStatus::RazWi(e) => ("fault", Some(e)),
                    DmaStatus::Abort | DmaStatus::ExternalAbort(_) => ("abort", None),
                };
                line.status = Some(name);
                line.event = event.as_ref().map(event_line);
                if status == DmaStatus::Complete {
                    line.data = data.as_deref().map(hex_data);
                }
                let mut expectation = serde_json::Map::new();
                if let Some(s) = expect_status {
                    expectation.insert("status".into(), s.clone().into());
                    self.check(&mut line, s == name);
                }
                if let Some(e) = expect {
                    expectation.insert("data".into(), hex_data(e).into());
                    let ok = status == DmaStatus::Complete && data.as_deref() == Some(e);
                    self.check(&mut line, ok);
                }
                if !expectation.is_empty() {
                    line.expect = Some(expectation.into());
                }
            }
            Op::Translate {
                sid,
                ssid,
                sec_sid,
                iova,
                access,
                privileged,
                expect_status,
                expect_pa,
                expect_pas,
                expect_event,
            } => {
                let sec = self.stream(index, step, *sid, *sec_sid)?;
                let mut request = TranslationRequest::new(sec, *sid, *iova, *access);
                request.substream_id = *ssid;
                request.privileged = *privileged;
                let outcome = self
                    .smmu
                    .translate(&request)
                    .map_err(|e| Self::invalid(index, step, e.to_string()))?;
                line.sid = Some(*sid);
                line.ssid = *ssid;
                line.sec_sid = Some(sec.as_str());
                line.iova = Some(hex(*iova));
                let (status, out, event) = match outcome {
                    Outcome::Translated(t) => {
                        line.page_size = Some(hex(t.page_size));
                        ("translated", Some((t.output_addr, t.pas)), None)
                    }
                    Outcome::Bypass(b) => ("bypass", Some((b.output_addr, b.pas)), None),
                    Outcome::Abort => ("abort", None, None),
                    Outcome::Fault(e) => ("fault", None, Some(e)),
                    Outcome::FaultRazWi(e) => ("fault_razwi", None, Some(e)),
                };
                line.status = Some(status);
                line.pa = out.map(|(pa, _)| hex(pa));
                line.pas = out.map(|(_, pas)| pas_name(pas));
                line.event = event.as_ref().map(event_line);
                let mut expectation = serde_json::Map::new();
                if let Some(s) = expect_status {
                    expectation.insert("status".into(), s.clone().into());
                    self.check(&mut line, s == status);
                }
                if let Some(pa) = expect_pa {
                    expectation.insert("pa".into(), hex(*pa).into());
                    self.check(&mut line, out.map(|(p, _)| p) == Some(*pa));
                }
                if let Some(pas) = expect_pas {
                    expectation.insert("pas".into(), pas_name(*pas).into());
                    self.check(&mut line, out.map(|(_, p)| p) == Some(*pas));
                }
                if let Some(t) = expect_event {
                    expectation.insert("event".into(), t.name().into());
                    self.check(&mut line, event.is_some_and(|e| e.event_type == *t));
                }
                if !expectation.is_empty() {
                    line.expect = Some(expectation.into());
                }
            }
            Op::Evict => self.smmu.evict_caches(),
            Op::Migrate => {
                let text = self.smmu.snapshot().to_json();
                line.bytes = Some(text.len());
                let snapshot = Snapshot::from_json(&text)
                    .map_err(|error| ScenarioError::Migration { step: index, error })?;
                self.migrate(&snapshot)
                    .map_err(|error| ScenarioError::Migration { step: index, error })?;
            }
        }
        Ok(line)
    }

    /// Migrates: the SMMU returns to reset (registers at reset values, caches
    /// empty: a newly built SMMU on the same memory) and restores `snapshot`.
    fn migrate(&mut self, snapshot: &Snapshot) -> Result<(), RestoreError> {
        self.smmu.reset();
        self.smmu.restore(snapshot)
    }
}

/// An interrupt as a scenario names it: `ns.eventq` for a wired pulse,
/// `msi secure 0xe070000 0x1 memory` for an MSI (PA space, address, data, outcome).
fn irq_name(i: Interrupt) -> String {
    match i {
        Interrupt::Wired(line) => line.to_string(),
        Interrupt::Msi {
            pas,
            addr,
            data,
            outcome,
        } => {
            let outcome = match outcome {
                MsiOutcome::Delivered => "delivered",
                MsiOutcome::Memory => "memory",
                MsiOutcome::Aborted => "aborted",
            };
            format!("msi {} {addr:#x} {data:#x} {outcome}", pas_name(pas))
        }
    }
}
