//! The SMMU device: the embedding API (design.md 2).
//!
//! [`Smmu`] owns the generated register file, the [`Translator`] with its caches,
//! the guest memory and the interrupt sink. MMIO accesses go through the register
//! file, which applies every software-visible rule; the device reacts to the
//! [`WriteEffect`] of each write:
//!
//! | Register written | Reaction |
//! |---|---|
//! | CR0 | CR0ACK follows at once (the register file's ACK mirror, IHI0070 6.3.10). CMDQEN taking effect starts command consumption (6.3.9.3). SMMUEN and EVENTQEN changes need nothing more: no cache invalidation is implied (6.3.9.6) and events are written synchronously, so none is in flight (6.3.9.4). |
//! | GBPA | The update completes at once (the register file clears UPDATE); the next transaction uses it (6.3.14). |
//! | STRTAB_BASE(_CFG) | Nothing: read when used, and their guards keep them stable while in use. |
//! | CMDQ_BASE, EVENTQ_BASE, CMDQ_CONS, EVENTQ_PROD | CMDQ_CONS.RD and EVENTQ_PROD.WR lose the bits above the wrap flag, which are RAZ (6.3.28, 6.3.76): a hardware update, so the trace carries it. |
//! | CMDQ_PROD | Command consumption ([`crate::cmdq`]). |
//! | GERRORN | Acknowledging CMDQ_ERR resumes consumption (7.1). |
//! | IRQ_CTRL | IRQ_CTRLACK follows at once; MSIs are synchronous, so none is outstanding (6.3.16). |
//! | EVENTQ_CONS | Nothing to do: free space, the overflow acknowledge (OVACKFLG) and the empty state that arms the next interrupt are all read from the registers when the next event is written ([`crate::evtq`]). |
//! | S_INIT | INV_ALL (only set while every SMMUEN and ACK is 0, by its write guard): invalidate everything, then clear INV_ALL. |
//!
//! Transactions come in through [`Smmu::translate`] (and [`Smmu::dma_read`] /
//! [`Smmu::dma_write`], which also move the data), with the two banks' registers
//! handed to the translator as [`BankRegisters`]. A fault's event goes to the Event
//! queue of the stream's Security state if its `record` flag is set.
//!
//! STATUSR.DORMANT (IDR0.DORMHINT = 1, IHI0070 6.3.13) is driven so that it only
//! reads 1 when nothing can be cached: it is set after reset and after
//! S_INIT.INV_ALL, and cleared by the first transaction looked up through an enabled
//! bank (only such a lookup fills the caches). It never depends on the cache
//! contents, so it is fully determined by architectural inputs and a restored
//! snapshot continues exactly like the original.

use regdef::SecSid;
use thiserror::Error;

use crate::config::{ConfigError, SmmuConfig};
use crate::event::Event;
use crate::invalidation::{Invalidation, InvalidationListener};
use crate::irq::InterruptSink;
use crate::memory::{GuestMemory, MemoryFault};
use crate::regfile::{
    self, Cr0ack, Gerrorn, HwEffect, ImplDefined, Reg, RegisterFile, Unrepresentable, WriteEffect,
};
use crate::registers::{BankRegisters, Gbpa};
use crate::trace::{HwInput, NoTrace, TraceRecord, TraceSink};
use crate::translate::{Outcome, RequestError, TranslationRequest, Translator};
use crate::walk::AccessKind;

/// Why an [`Smmu`] cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DeviceError {
    /// The configuration describes no real SMMU ([`SmmuConfig::validate`]).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The register definition cannot advertise the configuration.
    #[error(transparent)]
    Unrepresentable(#[from] Unrepresentable),
}

/// Counters of what the device did (diagnostics; not architectural state).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DeviceStats {
    /// Commands consumed (both queues).
    pub commands: u64,
    /// Command errors (CERROR_ILL, CERROR_ABT).
    pub command_errors: u64,
    /// Transactions translated.
    pub translations: u64,
    /// Event records written.
    pub events_written: u64,
    /// Events discarded (queue disabled, abort pending, full, or write aborted).
    pub events_discarded: u64,
    /// Events discarded because the queue was full.
    pub overflows: u64,
    /// MSIs sent.
    pub msis: u64,
    /// Invalidations performed.
    pub invalidations: u64,
}

/// How a DMA transfer ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum DmaStatus {
    /// Every byte was transferred.
    Complete,
    /// A piece faulted: the transfer stops there (the event, recorded or not).
    Fault(Event),
    /// A piece faulted under RAZ/WI termination (TERM_MODEL == 0, CD.A == 0): reads
    /// of it and what follows return zero, writes are ignored.
    RazWi(Event),
    /// A piece was terminated without an event (STE.Config abort, GBPA.ABORT).
    Abort,
    /// The memory access of a piece aborted.
    ExternalAbort(MemoryFault),
}

/// The data of a DMA transfer.
enum DmaBuffer<'a> {
    Read(&'a mut [u8]),
    Write(&'a [u8]),
}

impl DmaBuffer<'_> {
    fn len(&self) -> usize {
        match self {
            DmaBuffer::Read(b) => b.len(),
            DmaBuffer::Write(b) => b.len(),
        }
    }
}

/// An Arm SMMUv3.2 with Secure state: register file, translation, Command and
/// Event queues, global errors and interrupts.
///
/// `M` is the guest memory, `I` the interrupt sink, `T` the register-level trace
/// recorder ([`NoTrace`] by default, which costs nothing).
pub struct Smmu<M, I, T = NoTrace> {
    pub(crate) regs: RegisterFile,
    /// The register file at reset (for [`Smmu::reset`] and snapshot validation).
    pub(crate) reset_regs: RegisterFile,
    pub(crate) translator: Translator,
    pub(crate) memory: M,
    pub(crate) irq: I,
    pub(crate) trace: T,
    pub(crate) listener: Option<Box<dyn InvalidationListener + Send>>,
    pub(crate) stats: DeviceStats,
}

impl<M, I, T> std::fmt::Debug for Smmu<M, I, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smmu")
            .field("config", self.translator.config())
            .field("registers", &self.regs)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<M: GuestMemory, I: InterruptSink> Smmu<M, I, NoTrace> {
    /// An SMMU at reset for `config`, with its guest memory and interrupt sink.
    ///
    /// The ID registers are generated from `config` ([`regfile::impl_defined`]);
    /// a configuration they cannot advertise is refused.
    pub fn new(config: SmmuConfig, memory: M, irq: I) -> Result<Self, DeviceError> {
        Smmu::with_trace(config, memory, irq, NoTrace)
    }
}

impl<M: GuestMemory, I: InterruptSink, T: TraceSink> Smmu<M, I, T> {
    /// Like [`new`](Smmu::new), recording a register-level trace into `trace`
    /// from the start (the first record is DORMANT becoming 1, with DORMHINT).
    pub fn with_trace(
        config: SmmuConfig,
        memory: M,
        irq: I,
        trace: T,
    ) -> Result<Self, DeviceError> {
        let translator = Translator::new(config)?;
        let regs = RegisterFile::new(&Self::impl_defined_of(translator.config()));
        regfile::check_config(&regs, translator.config())?;
        let mut smmu = Smmu {
            reset_regs: regs.clone(),
            regs,
            translator,
            memory,
            irq,
            trace,
            listener: None,
            stats: DeviceStats::default(),
        };
        smmu.set_dormant(true);
        Ok(smmu)
    }

    fn impl_defined_of(config: &SmmuConfig) -> ImplDefined {
        regfile::impl_defined(config)
    }

    /// The configuration.
    pub fn config(&self) -> &SmmuConfig {
        self.translator.config()
    }

    /// The register file (typed reads: `registers().bank(SecSid::Secure).cr0()`).
    pub fn registers(&self) -> &RegisterFile {
        &self.regs
    }

    /// The translator and its caches.
    pub fn translator(&self) -> &Translator {
        &self.translator
    }

    /// The guest memory.
    pub fn memory(&self) -> &M {
        &self.memory
    }

    /// The guest memory, mutably (to set up tables and queues).
    pub fn memory_mut(&mut self) -> &mut M {
        &mut self.memory
    }

    /// The interrupt sink.
    pub fn interrupts(&self) -> &I {
        &self.irq
    }

    /// The interrupt sink, mutably.
    pub fn interrupts_mut(&mut self) -> &mut I {
        &mut self.irq
    }

    /// The trace recorder.
    pub fn trace(&self) -> &T {
        &self.trace
    }

    /// The trace recorder, mutably.
    pub fn trace_mut(&mut self) -> &mut T {
        &mut self.trace
    }

    /// Counters.
    pub fn stats(&self) -> DeviceStats {
        self.stats
    }

    /// Installs the listener told about every invalidation (replacing any).
    pub fn set_invalidation_listener(&mut self, listener: Box<dyn InvalidationListener + Send>) {
        self.listener = Some(listener);
    }

    /// Removes the invalidation listener.
    pub fn clear_invalidation_listener(&mut self) {
        self.listener = None;
    }

    /// Takes the device apart.
    pub fn into_parts(self) -> (M, I, T) {
        (self.memory, self.irq, self.trace)
    }

    /// Drops every cached configuration and translation, as an SMMU may at any time
    /// (caching is never required, IHI0070 16.2). Not an invalidation: the listener
    /// is not told, and no register changes.
    pub fn evict_caches(&mut self) {
        self.translator.invalidate_all();
    }

    /// Resets the SMMU: every register to its reset value, caches emptied.
    pub fn reset(&mut self) {
        if T::ENABLED {
            self.trace.record(TraceRecord::Reset);
        }
        self.regs = self.reset_regs.clone();
        self.translator.invalidate_all();
        self.set_dormant(true);
    }

    // ------------------------------------------------------------------ MMIO

    /// A software read of `size` bytes at `offset` of the SMMU's MMIO window, in
    /// Security state `access`: the bytes covered, right-aligned. Undefined
    /// offsets, unsupported sizes, Non-secure accesses to the Secure bank and the
    /// Secure bank without Secure state read as zero (the register file's rules).
    pub fn mmio_read(&mut self, offset: u64, size: u32, access: SecSid) -> u64 {
        let value = self.regs.read(offset, size, access);
        if T::ENABLED {
            self.trace.record(TraceRecord::MmioRead {
                offset,
                size,
                security: access,
                value,
            });
        }
        value
    }

    /// A software write of the low `size` bytes of `value` at `offset`, in
    /// Security state `access`. Returns what the register file did; the device's
    /// reaction (command consumption, S_INIT, ...) has happened when it returns.
    pub fn mmio_write(
        &mut self,
        offset: u64,
        size: u32,
        value: u64,
        access: SecSid,
    ) -> WriteEffect {
        if T::ENABLED {
            self.trace.record(TraceRecord::MmioWrite {
                offset,
                size,
                security: access,
                value,
            });
        }
        let effect = self.regs.write(offset, size, value, access);
        if let Some(reg) = effect.applied_to() {
            self.written(reg, &effect);
        }
        effect
    }

    /// The behaviour of a write that reached register `reg`.
    fn written(&mut self, reg: Reg, effect: &WriteEffect) {
        match reg {
            Reg::Cr0(bank) => {
                // IHI0070 6.3.9.3: "When CMDQEN has completed Update to 1, the SMMU
                // begins processing commands".
                if let Some(ack) = effect.ack {
                    let old = Cr0ack::from_bits(ack.old as u32);
                    let new = Cr0ack::from_bits(ack.new as u32);
                    if !old.cmdqen() && new.cmdqen() {
                        self.consume_commands(bank);
                    }
                }
            }
            // IHI0070 6.3.27: a write causes the SMMU to consider the queue.
            Reg::CmdqProd(bank) => {
                self.consume_commands(bank);
            }
            // IHI0070 7.1: acknowledging CMDQ_ERR restarts processing at CONS.
            Reg::Gerrorn(bank) => {
                let old = Gerrorn::from_bits(effect.old as u32);
                let new = Gerrorn::from_bits(effect.new as u32);
                if old.cmdq_err() != new.cmdq_err() {
                    self.consume_commands(bank);
                }
            }
            Reg::SInit => self.s_init_written(),
            // IHI0070 6.3.28, 6.3.76 (and EVENTQ_PROD): bits [19:QS+1] of the
            // SMMU-written index registers are RAZ, and a smaller LOG2SIZE truncates
            // the stored value to its new wrap flag.
            Reg::CmdqCons(bank) | Reg::CmdqBase(bank) => self.clear_command_cons_high(bank),
            Reg::EventqProd(bank) | Reg::EventqBase(bank) => self.clear_event_prod_high(bank),
            _ => {}
        }
    }

    /// CMDQ_CONS.RD reduced to index and wrap flag.
    fn clear_command_cons_high(&mut self, bank: SecSid) {
        let queue = crate::cmdq::command_queue(&self.regs, bank);
        let rd = self.regs.bank(bank).cmdq_cons().rd();
        if queue.pointer(rd) != rd {
            self.hw_update(|regs| {
                regs.bank_hw(bank)
                    .cmdq_cons(|c| c.with_rd(queue.pointer(rd)))
            });
        }
    }

    /// EVENTQ_PROD.WR reduced to index and wrap flag.
    fn clear_event_prod_high(&mut self, bank: SecSid) {
        let queue = self.event_queue(bank);
        let wr = self.regs.bank(bank).eventq_prod().wr();
        if queue.pointer(wr) != wr {
            self.hw_update(|regs| {
                regs.bank_hw(bank)
                    .eventq_prod(|p| p.with_wr(queue.pointer(wr)))
            });
        }
    }

    /// SMMU_S_INIT.INV_ALL (IHI0070 6.3.62, 3.11): invalidate every cache of every
    /// Security state, then clear INV_ALL through its `hwclr` input. The register
    /// file takes the write only while every SMMUEN and its ACK is 0 (S_INIT's write
    /// guard in the `.rdl`, the CONSTRAINED UNPREDICTABLE choice documented there), so
    /// a write made while enabled never sets INV_ALL and never gets here with it set.
    fn s_init_written(&mut self) {
        if !self.regs.s_init().inv_all() {
            return; // Writing 0, or a write the guard ignored.
        }
        self.invalidate(&Invalidation::All);
        self.set_dormant(true);
        self.hw_update(|regs| regs.hw().s_init(|s| s.with_inv_all(false)));
    }

    // ------------------------------------------------------------------ hardware path

    /// A hardware update of the register file, recorded in the trace field by field.
    pub(crate) fn hw_update(&mut self, update: impl FnOnce(&mut RegisterFile) -> HwEffect) {
        let effect = update(&mut self.regs);
        if T::ENABLED {
            record_hw(&mut self.trace, &effect);
        }
    }

    /// STATUSR.DORMANT, which is RES0 without IDR0.DORMHINT (IHI0070 6.3.13).
    fn set_dormant(&mut self, dormant: bool) {
        if self.config().dormant_hint && self.regs.statusr().dormant() != dormant {
            self.hw_update(|regs| regs.hw().statusr(|s| s.with_dormant(dormant)));
        }
    }

    /// Applies an invalidation to the caches, then tells the listener.
    pub(crate) fn invalidate(&mut self, invalidation: &Invalidation) {
        self.stats.invalidations += 1;
        invalidation.apply(&mut self.translator);
        if let Some(listener) = self.listener.as_mut() {
            listener.invalidated(invalidation);
        }
    }

    // ------------------------------------------------------------------ transactions

    /// What translation reads from one bank: the effective SMMUEN (CR0ACK), GBPA,
    /// STRTAB_BASE(_CFG), CR2 and, for the Secure bank, the effective SIF.
    pub fn bank_registers(&self, bank: SecSid) -> BankRegisters {
        let b = self.regs.bank(bank);
        let ack = b.cr0ack();
        BankRegisters {
            smmuen: ack.smmuen(),
            gbpa: Gbpa(b.gbpa().bits()),
            strtab_base: b.strtab_base().bits(),
            strtab_base_cfg: b.strtab_base_cfg().bits(),
            cr2: b.cr2().bits(),
            sif: bank == SecSid::Secure && ack.sif(),
        }
    }

    /// Translates one transaction (IHI0070 3.3). A fault's event is offered to the
    /// Event queue of the stream's Security state.
    // Inlined so that a hit costs the caller (the C ABI, an emulator's DMA path)
    // no call into the whole pipeline, which stays out of line.
    #[inline]
    pub fn translate(&mut self, request: &TranslationRequest) -> Result<Outcome, RequestError> {
        // The hit path reads only the two bits a hit depends on, CR0ACK.SMMUEN and
        // S_CR0ACK.SIF of the stream's bank; everything else the full pipeline
        // reads (GBPA, STRTAB_BASE(_CFG), CR2) matters only on a miss or while the
        // bank is disabled.
        self.translator.check_request(request)?;
        let ack = self.regs.bank(request.sec_sid).cr0ack();
        if ack.smmuen() {
            let sif = request.sec_sid == SecSid::Secure && ack.sif();
            if let Some(translation) = self.translator.translate_hit(request, sif) {
                self.stats.translations += 1;
                // DORMANT is already 0: it is set only with every cache emptied
                // (reset, S_INIT.INV_ALL, creation; restore empties them too), so a
                // hit follows a lookup through an enabled bank that cleared it.
                debug_assert!(!self.config().dormant_hint || !self.regs.statusr().dormant());
                return Ok(Outcome::Translated(translation));
            }
        }
        Ok(self.translate_full(request))
    }

    /// The whole pipeline for a checked request.
    #[inline(never)]
    fn translate_full(&mut self, request: &TranslationRequest) -> Outcome {
        let bank = self.bank_registers(request.sec_sid);
        let outcome = self
            .translator
            .translate_checked(&self.memory, &bank, request);
        self.stats.translations += 1;
        if bank.smmuen {
            // Only a lookup through an enabled bank can fill a cache.
            self.set_dormant(false);
        }
        if let Outcome::Fault(event) | Outcome::FaultRazWi(event) = &outcome {
            self.record_event(event);
        }
        outcome
    }

    /// A device read of `buf.len()` bytes from `request.iova` by the stream of
    /// `request` (its `access` and `size` are ignored), through the SMMU in pieces
    /// that never cross a 4 KB (or translation page) boundary.
    pub fn dma_read(
        &mut self,
        request: &TranslationRequest,
        buf: &mut [u8],
    ) -> Result<DmaStatus, RequestError> {
        self.dma(request, DmaBuffer::Read(buf))
    }

    /// A device write of `data` to `request.iova`, like [`dma_read`](Smmu::dma_read).
    pub fn dma_write(
        &mut self,
        request: &TranslationRequest,
        data: &[u8],
    ) -> Result<DmaStatus, RequestError> {
        self.dma(request, DmaBuffer::Write(data))
    }

    fn dma(
        &mut self,
        request: &TranslationRequest,
        mut buffer: DmaBuffer<'_>,
    ) -> Result<DmaStatus, RequestError> {
        let len = buffer.len();
        let access = match buffer {
            DmaBuffer::Read(_) => AccessKind::Read,
            DmaBuffer::Write(_) => AccessKind::Write,
        };
        let mut done = 0usize;
        // Every piece moves at least one byte, so this ends after `len` pieces at
        // most (in practice one per page).
        while done < len {
            let iova = request.iova.wrapping_add(done as u64);
            let remaining = len - done;
            let piece = TranslationRequest {
                iova,
                size: remaining as u64,
                access,
                ..*request
            };
            let to_page_end = 0x1000 - (iova & 0xFFF);
            let (pas, addr, n) = match self.translate(&piece)? {
                Outcome::Translated(t) => (t.pas, t.output_addr, t.len),
                Outcome::Bypass(b) => (b.pas, b.output_addr, b.len.min(to_page_end)),
                Outcome::Abort => return Ok(DmaStatus::Abort),
                Outcome::Fault(e) => return Ok(DmaStatus::Fault(e)),
                Outcome::FaultRazWi(e) => {
                    if let DmaBuffer::Read(buf) = &mut buffer {
                        buf.iter_mut().skip(done).for_each(|b| *b = 0);
                    }
                    return Ok(DmaStatus::RazWi(e));
                }
            };
            let n = usize::try_from(n).unwrap_or(remaining).clamp(1, remaining);
            let range = done..done + n;
            let result = match &mut buffer {
                DmaBuffer::Read(buf) => match buf.get_mut(range) {
                    Some(chunk) => self.memory.read(pas, addr, chunk),
                    None => Ok(()),
                },
                DmaBuffer::Write(data) => match data.get(range) {
                    Some(chunk) => self.memory.write(pas, addr, chunk),
                    None => Ok(()),
                },
            };
            if let Err(fault) = result {
                return Ok(DmaStatus::ExternalAbort(fault));
            }
            done += n;
        }
        Ok(DmaStatus::Complete)
    }
}

/// Records the fields a hardware update changed, in field order.
fn record_hw<T: TraceSink>(trace: &mut T, effect: &HwEffect) {
    let changed = effect.old ^ effect.new;
    if changed == 0 {
        return;
    }
    let desc = effect.reg.desc();
    for (field, f) in desc.fields.iter().enumerate() {
        if changed & f.mask == 0 {
            continue;
        }
        let value = f.value_in(effect.new);
        let input = if f.hw_write {
            HwInput::Write
        } else if value != 0 && f.hwset {
            HwInput::Set
        } else {
            HwInput::Clear
        };
        trace.record(TraceRecord::Hw {
            reg: effect.reg.index(),
            path: desc.path.into(),
            field,
            name: f.name.into(),
            input,
            value,
        });
    }
}
