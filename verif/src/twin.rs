//! The Rust twin: runs a trace on the generated register file and turns each step into
//! the records the RTL testbench replays, with what the RTL must show.
//!
//! For every step the twin applies the access or update to its [`RegisterFile`]
//! (through the same calls the SMMU model makes: `write`, `read_with_effect`,
//! `hw_write_field`, `hw_set`, `hw_clr`) and emits:
//!
//! * the bus transactions of the step ([`Kind::Write`], [`Kind::Read`]) with their byte
//!   strobes and, for reads, the expected data in its byte lanes;
//! * the hardware-port drive ([`Kind::HwWrite`], [`Kind::HwSet`], [`Kind::HwClr`]), a
//!   [`Kind::Reset`], or the deposits of a restore;
//! * on the step's last record, the signature of the observation vector: every
//!   field-value output after the step, and every strobe (`swmod`, `swacc`,
//!   `singlepulse`) the step fired.
//!
//! The 32-bit bus cannot express every access the policy of the Rust register file
//! judges (`twinreg_runtime::policy`): a 64-bit access to a 64-bit register becomes two
//! 32-bit ones (low word first), and an access the policy refuses (bad size, unaligned,
//! 8 bytes to a 32-bit register or to no register) becomes a write with no byte
//! strobes, or no read at all, so both sides must show no change.

use std::collections::BTreeMap;

use regdef::access::{ones, Completion};
use regdef::ir::{FieldRef, RegisterMap, SecSid};

use crate::record::{put_bits, signature, Kind, Record};
use crate::regs::{ImplDefined, RegisterFile};
use crate::rtl::{Deposit, Design, ObsKind};
use crate::trace::{Header, HwInput, Names, Step};
use crate::Error;

/// The Rust register file at the start of a trace, for a header.
pub fn initial_state(map: &RegisterMap, header: &Header) -> Result<RegisterFile, Error> {
    let names = Names::new(map);
    let base = RegisterFile::with_completion(&ImplDefined::DEFAULT, header.completion);
    if header.impl_defined.is_empty() {
        return Ok(base);
    }
    let mut values: Vec<u64> = (0..map.registers.len())
        .map(|i| base.value_at(i).unwrap_or(0))
        .collect();
    for (path, v) in &header.impl_defined {
        let f = names
            .field(path)
            .ok_or_else(|| Error::Config(format!("no field {path}")))?;
        let field = map.field(f);
        if !field.impl_defined {
            return Err(Error::Config(format!(
                "{path} is not implementation defined"
            )));
        }
        if v.0 & !field.value_mask() != 0 {
            return Err(Error::Config(format!(
                "{path} = {:#x} does not fit its {} bits",
                v.0,
                field.width()
            )));
        }
        let r = &mut values[f.reg.0];
        *r = (*r & !field.mask()) | field.bits_of(v.0);
    }
    restore(map, header.completion, &values)
}

/// A register file holding `values` (by IR index), through the validated snapshot
/// form, so nothing is set that a snapshot could not carry.
pub fn restore(
    map: &RegisterMap,
    completion: Completion,
    values: &[u64],
) -> Result<RegisterFile, Error> {
    let registers: serde_json::Map<String, serde_json::Value> = map
        .registers
        .iter()
        .zip(values)
        .map(|(r, v)| (r.path.clone(), (*v).into()))
        .collect();
    let snapshot = serde_json::json!({
        "completion": completion,
        "registers": registers,
        "written_once": [],
    });
    serde_json::from_value(snapshot).map_err(|e| Error::Config(format!("restore: {e}")))
}

/// The value of every implementation-defined field under `header` (the RTL's
/// parameter values), by field.
pub fn impl_values(map: &RegisterMap, header: &Header) -> Result<BTreeMap<FieldRef, u64>, Error> {
    let regs = initial_state(map, header)?;
    Ok(map
        .impl_defined_fields()
        .map(|f| (f, regs.field_value(f.reg.0, f.field).unwrap_or(0)))
        .collect())
}

/// What a step did on the Rust side.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepResult {
    /// For a read: the value the Rust register file returned.
    pub read: Option<u64>,
    /// For a read with a recorded `expect` that the Rust register file does not
    /// return: the recorded value.
    pub model_disagrees: Option<u64>,
}

/// Where a field's value sits in the observation vector.
#[derive(Copy, Clone, Debug)]
struct ValuePort {
    offset: u32,
    field: usize,
    width: u32,
}

/// The Rust side of a co-simulation.
pub struct Twin<'d> {
    map: &'static RegisterMap,
    design: &'d Design,
    names: Names,
    initial: RegisterFile,
    regs: RegisterFile,
    /// Per register, its value outputs.
    value_ports: Vec<Vec<ValuePort>>,
    /// Per register and field: bit of its swmod / swacc / pulse strobe.
    strobes: BTreeMap<(usize, usize, u8), u32>,
    /// The value part of the observation vector, kept up to date register by
    /// register.
    values: Vec<u64>,
    /// Register values when `values` was last updated.
    seen: Vec<u64>,
    /// Strobes of the current step.
    fired: Vec<u32>,
    chunks: usize,
}

const SWMOD: u8 = 0;
const SWACC: u8 = 1;
const PULSE: u8 = 2;

impl<'d> Twin<'d> {
    /// A twin at the start of a trace with `header`, for `design`.
    pub fn new(
        map: &'static RegisterMap,
        design: &'d Design,
        header: &Header,
    ) -> Result<Self, Error> {
        if header.completion != design.completion {
            return Err(Error::Config(format!(
                "the trace wants {:?} completion, the RTL was generated for {:?}",
                header.completion, design.completion
            )));
        }
        let initial = initial_state(map, header)?;
        let mut value_ports = vec![Vec::new(); map.registers.len()];
        let mut strobes = BTreeMap::new();
        for p in &design.obs {
            let f = p.kind.field();
            match p.kind {
                ObsKind::Value(_) => value_ports[f.reg.0].push(ValuePort {
                    offset: p.offset,
                    field: f.field,
                    width: p.width,
                }),
                ObsKind::Swmod(_) => {
                    strobes.insert((f.reg.0, f.field, SWMOD), p.offset);
                }
                ObsKind::Swacc(_) => {
                    strobes.insert((f.reg.0, f.field, SWACC), p.offset);
                }
                ObsKind::Pulse(_) => {
                    strobes.insert((f.reg.0, f.field, PULSE), p.offset);
                }
            }
        }
        let chunks = design.obs_bits.div_ceil(64).max(1) as usize;
        let mut t = Twin {
            map,
            design,
            names: Names::new(map),
            regs: initial.clone(),
            initial,
            value_ports,
            strobes,
            values: vec![0; chunks],
            seen: vec![0; map.registers.len()],
            fired: Vec::new(),
            chunks,
        };
        t.refresh(true);
        Ok(t)
    }

    /// The register file as it stands.
    pub fn regs(&self) -> &RegisterFile {
        &self.regs
    }

    /// Re-packs the value outputs of registers that changed (all with `all`).
    fn refresh(&mut self, all: bool) {
        for (ri, ports) in self.value_ports.iter().enumerate() {
            let v = self.regs.value_at(ri).unwrap_or(0);
            if !all && v == self.seen[ri] {
                continue;
            }
            self.seen[ri] = v;
            for p in ports {
                let value = self.regs.field_value(ri, p.field).unwrap_or(0);
                put_bits(&mut self.values, p.offset, p.width, value);
            }
        }
    }

    /// The observation vector after the last step: value outputs and the strobes it
    /// fired, in 64-bit chunks.
    pub fn observation(&self) -> Vec<u64> {
        let mut v = self.values.clone();
        v.resize(self.chunks, 0);
        for &bit in &self.fired {
            put_bits(&mut v, bit, 1, 1);
        }
        v
    }

    fn fire(&mut self, reg: usize, fields: twinreg_runtime::FieldSet, kind: u8) {
        for f in fields.iter() {
            if let Some(&bit) = self.strobes.get(&(reg, f, kind)) {
                self.fired.push(bit);
            }
        }
    }

    fn bus_addr(&self, index: usize, offset: u64) -> Result<u32, Error> {
        if offset >> self.design.addr_width != 0 {
            return Err(Error::Step {
                step: index,
                message: format!(
                    "offset {offset:#x} is beyond the {} address bits the RTL decodes",
                    self.design.addr_width
                ),
            });
        }
        Ok((offset & !3) as u32)
    }

    /// Whether an access of `size` bytes at `offset` goes to the bus as 32-bit word
    /// accesses: `Some(1)` for an aligned 1/2/4-byte access, `Some(2)` for an aligned
    /// 8-byte access to a 64-bit register, `None` for one the policy refuses.
    fn words(&self, offset: u64, size: u32) -> Option<u32> {
        match size {
            1 | 2 | 4 if offset.is_multiple_of(u64::from(size)) => Some(1),
            8 if offset.is_multiple_of(8) => self
                .map
                .at(offset)
                .map(|id| self.map.reg(id))
                .filter(|r| r.width == 64 && r.address == offset)
                .map(|_| 2),
            _ => None,
        }
    }

    /// Applies step `index` and appends its records to `out`. `delays` gives the
    /// AXI delays of each bus transaction.
    pub fn step(
        &mut self,
        index: usize,
        step: &Step,
        out: &mut Vec<Record>,
        delays: &mut dyn FnMut() -> [u8; 3],
    ) -> Result<StepResult, Error> {
        self.fired.clear();
        let first = out.len();
        let mut result = StepResult::default();
        match step {
            Step::Write {
                offset,
                size,
                data,
                sec,
            } => {
                let (offset, size, data) = (offset.0, *size, data.0);
                let e = self.regs.write(offset, size, data, *sec);
                if let Some(r) = e.reg {
                    let ri = twinreg_runtime::RegisterId::index(r);
                    self.fire(ri, e.swmod, SWMOD);
                    self.fire(ri, e.pulses(), PULSE);
                }
                let addr = self.bus_addr(index, offset)?;
                let secure = *sec == SecSid::Secure;
                match self.words(offset, size) {
                    Some(1) => {
                        let shift = (offset & 3) * 8;
                        let mut r = Record::new(Kind::Write);
                        r.addr = addr;
                        r.strb = (ones(size) << (offset & 3)) as u8;
                        r.wdata = ((data & ones(size * 8)) << shift) as u32;
                        r.secure = secure;
                        r.delays = delays();
                        out.push(r);
                    }
                    Some(_) => {
                        for half in 0..2u32 {
                            let mut r = Record::new(Kind::Write);
                            r.addr = addr + 4 * half;
                            r.strb = 0xF;
                            r.wdata = (data >> (32 * half)) as u32;
                            r.secure = secure;
                            r.delays = delays();
                            out.push(r);
                        }
                    }
                    None => {
                        let mut r = Record::new(Kind::Write);
                        r.addr = addr;
                        r.secure = secure;
                        r.delays = delays();
                        out.push(r);
                    }
                }
            }
            Step::Read {
                offset,
                size,
                sec,
                expect,
            } => {
                let (offset, size) = (offset.0, *size);
                let e = self.regs.read_with_effect(offset, size, *sec);
                if let Some(r) = e.reg {
                    let ri = twinreg_runtime::RegisterId::index(r);
                    self.fire(ri, e.swmod, SWMOD);
                    self.fire(ri, e.swacc, SWACC);
                }
                result.read = Some(e.value);
                if let Some(x) = expect {
                    if x.0 != e.value {
                        result.model_disagrees = Some(x.0);
                    }
                }
                let addr = self.bus_addr(index, offset)?;
                let secure = *sec == SecSid::Secure;
                match self.words(offset, size) {
                    Some(1) => {
                        let shift = (offset & 3) * 8;
                        let mut r = Record::new(Kind::Read);
                        r.addr = addr;
                        r.rmask = (ones(size * 8) << shift) as u32;
                        r.rexp = (e.value << shift) as u32 & r.rmask;
                        r.secure = secure;
                        r.delays = delays();
                        out.push(r);
                    }
                    Some(_) => {
                        for half in 0..2u32 {
                            let mut r = Record::new(Kind::Read);
                            r.addr = addr + 4 * half;
                            r.rmask = u32::MAX;
                            r.rexp = (e.value >> (32 * half)) as u32;
                            r.secure = secure;
                            r.delays = delays();
                            out.push(r);
                        }
                    }
                    None => out.push(Record::new(Kind::Nop)),
                }
            }
            Step::Hw {
                field,
                input,
                value,
            } => {
                let bad = |message: String| Error::Step {
                    step: index,
                    message,
                };
                let f = self
                    .names
                    .field(field)
                    .ok_or_else(|| bad(format!("no field {field}")))?;
                let (reg, fi) = (f.reg.0, f.field);
                let hw = self
                    .design
                    .hw_index
                    .get(&f)
                    .copied()
                    .ok_or_else(|| bad(format!("the RTL has no hardware input for {field}")))?;
                let port = &self.design.hw[hw];
                let mut r = match input {
                    HwInput::Write => {
                        let v = value
                            .ok_or_else(|| bad(format!("hw write of {field} without a value")))?;
                        self.regs
                            .hw_write_field(reg, fi, v.0)
                            .map_err(|e| bad(e.to_string()))?;
                        let mut r = Record::new(Kind::HwWrite);
                        r.value = v.0;
                        r
                    }
                    HwInput::Set => {
                        self.regs.hw_set(reg, fi).map_err(|e| bad(e.to_string()))?;
                        Record::new(Kind::HwSet)
                    }
                    HwInput::Clear => {
                        self.regs.hw_clr(reg, fi).map_err(|e| bad(e.to_string()))?;
                        Record::new(Kind::HwClr)
                    }
                };
                // The Rust register file accepted the input: the RTL must have it too.
                let present = match input {
                    HwInput::Write => port.write.is_some(),
                    HwInput::Set => port.set.is_some(),
                    HwInput::Clear => port.clr.is_some(),
                };
                if !present {
                    return Err(bad(format!("the RTL has no {input:?} input for {field}")));
                }
                r.index = hw as u16;
                out.push(r);
            }
            Step::Reset => {
                self.regs = self.initial.clone();
                out.push(Record::new(Kind::Reset));
            }
            Step::Restore { values } => {
                let bad = |message: String| Error::Step {
                    step: index,
                    message,
                };
                let mut v = vec![None; self.map.registers.len()];
                for (path, x) in values {
                    let i = self
                        .names
                        .reg(path)
                        .ok_or_else(|| bad(format!("restore: no register {path}")))?;
                    v[i] = Some(x.0);
                }
                let v: Vec<u64> = v
                    .into_iter()
                    .enumerate()
                    .map(|(i, x)| {
                        x.ok_or_else(|| {
                            bad(format!(
                                "restore: no value for {}",
                                self.map.registers[i].path
                            ))
                        })
                    })
                    .collect::<Result<_, _>>()?;
                self.regs = restore(self.map, self.design.completion, &v)
                    .map_err(|e| bad(e.to_string()))?;
                for (i, d) in self.design.deposits.iter().enumerate() {
                    let f = match d {
                        Deposit::Flop { field, .. } | Deposit::Wire { field, .. } => *field,
                    };
                    let mut r = Record::new(Kind::Deposit);
                    r.index = i as u16;
                    r.value = self.regs.field_value(f.reg.0, f.field).unwrap_or(0);
                    out.push(r);
                }
            }
        }
        if out.len() == first {
            out.push(Record::new(Kind::Nop));
        }
        self.refresh(matches!(step, Step::Reset | Step::Restore { .. }));
        let sig = signature(&self.observation());
        if let Some(last) = out.last_mut() {
            last.last = true;
            last.sig = sig;
        }
        Ok(result)
    }
}
