//! Interrupts and MSIs (IHI0070 3.18).
//!
//! Every interrupt source of a programming interface pulses its own wired,
//! edge-triggered output and, if MSIs are implemented for that interface
//! (SMMU_IDR0.MSI / SMMU_S_IDR0.MSI) and the source's MSI address is not zero, sends
//! an MSI: a 32-bit write of the configured data (IHI0070 3.18.2). Secure sources
//! make Secure writes to the Secure PA space, Non-secure ones Non-secure writes.
//!
//! | Source | Trigger | Enable | MSI configuration |
//! |---|---|---|---|
//! | [`IrqSource::EventQueue`] | Event queue empty -> non-empty | `IRQ_CTRL.EVENTQ_IRQEN` | `EVENTQ_IRQ_CFG0/1/2` |
//! | [`IrqSource::CmdSync`] | CMD_SYNC with CS = SIG_IRQ completes | always | in the command |
//! | [`IrqSource::GlobalError`] | a GERROR error activates (not MSI_GERROR_ABT_ERR) | `IRQ_CTRL.GERROR_IRQEN` | `GERROR_IRQ_CFG0/1/2` |
//!
//! The embedder's [`InterruptSink`] receives the wired pulses and decides where an
//! MSI goes: an interrupt controller takes it ([`MsiOutcome::Delivered`]), it is a
//! plain memory write the SMMU performs through guest memory
//! ([`MsiOutcome::Memory`], e.g. Linux's CMD_SYNC MSI aimed at the queue itself),
//! or it aborts ([`MsiOutcome::Aborted`]), which the SMMU reports as
//! GERROR.MSI_*_ABT_ERR.

use regdef::SecSid;

use crate::device::Smmu;
use crate::gerror::GlobalError;
use crate::memory::{GuestMemory, Pas};
use crate::secure::interface_pas;
use crate::trace::TraceSink;

/// An interrupt source of one programming interface.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IrqSource {
    /// The Event queue became non-empty.
    EventQueue,
    /// A CMD_SYNC with CS = SIG_IRQ completed.
    CmdSync,
    /// A global error was activated in GERROR.
    GlobalError,
}

impl IrqSource {
    /// A short name (`eventq`, `cmd_sync`, `gerror`).
    pub const fn name(self) -> &'static str {
        match self {
            IrqSource::EventQueue => "eventq",
            IrqSource::CmdSync => "cmd_sync",
            IrqSource::GlobalError => "gerror",
        }
    }
}

/// One wired interrupt output: a source of a programming interface.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IrqLine {
    /// The programming interface (bank).
    pub bank: SecSid,
    /// The source.
    pub source: IrqSource,
}

impl std::fmt::Display for IrqLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bank = match self.bank {
            SecSid::NonSecure => "ns",
            SecSid::Secure => "s",
        };
        write!(f, "{bank}.{}", self.source.name())
    }
}

/// What became of an MSI write.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum MsiOutcome {
    /// The sink took it (an interrupt controller doorbell).
    Delivered,
    /// Not claimed by the sink: the SMMU performs it as a 32-bit little-endian write
    /// to guest memory in the MSI's PA space. A failed write is an abort.
    Memory,
    /// The write was aborted.
    Aborted,
}

/// Where the SMMU's interrupts go.
pub trait InterruptSink {
    /// A pulse on the wired, edge-triggered output `line` (IHI0070 3.18.2).
    fn pulse(&mut self, line: IrqLine);

    /// An MSI: a 32-bit write of `data` to `addr` in `pas` (Secure sources use the
    /// Secure PA space). By default it is a plain memory write.
    fn msi_write(&mut self, pas: Pas, addr: u64, data: u32) -> MsiOutcome {
        let _ = (pas, addr, data);
        MsiOutcome::Memory
    }

    /// The memory write of the MSI just answered [`MsiOutcome::Memory`] aborted:
    /// the SMMU reports it as an aborted MSI (GERROR.MSI_*_ABT_ERR). Nothing to do
    /// by default; a sink that logs MSIs corrects its record.
    fn msi_memory_aborted(&mut self, pas: Pas, addr: u64, data: u32) {
        let _ = (pas, addr, data);
    }
}

impl<S: InterruptSink + ?Sized> InterruptSink for &mut S {
    fn pulse(&mut self, line: IrqLine) {
        (**self).pulse(line);
    }

    fn msi_write(&mut self, pas: Pas, addr: u64, data: u32) -> MsiOutcome {
        (**self).msi_write(pas, addr, data)
    }

    fn msi_memory_aborted(&mut self, pas: Pas, addr: u64, data: u32) {
        (**self).msi_memory_aborted(pas, addr, data);
    }
}

impl<S: InterruptSink + ?Sized> InterruptSink for Box<S> {
    fn pulse(&mut self, line: IrqLine) {
        (**self).pulse(line);
    }

    fn msi_write(&mut self, pas: Pas, addr: u64, data: u32) -> MsiOutcome {
        (**self).msi_write(pas, addr, data)
    }

    fn msi_memory_aborted(&mut self, pas: Pas, addr: u64, data: u32) {
        (**self).msi_memory_aborted(pas, addr, data);
    }
}

/// A system with no interrupt wiring: pulses are dropped, MSIs are memory writes.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct NoInterrupts;

impl InterruptSink for NoInterrupts {
    fn pulse(&mut self, _line: IrqLine) {}
}

/// One interrupt a [`RecordingInterruptSink`] saw.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Interrupt {
    /// A wired pulse.
    Wired(IrqLine),
    /// An MSI, with what the sink answered.
    Msi {
        /// PA space of the write.
        pas: Pas,
        /// Address.
        addr: u64,
        /// Data.
        data: u32,
        /// The answer given.
        outcome: MsiOutcome,
    },
}

/// Records every interrupt, for tests and scenarios.
///
/// MSIs are answered [`MsiOutcome::Memory`] (or [`MsiOutcome::Delivered`] with
/// `to_memory == false`), except those aimed at an address in `aborting`, which
/// abort. A memory MSI whose write then aborts is logged as
/// [`MsiOutcome::Aborted`], what the SMMU made of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordingInterruptSink {
    /// Everything seen, in order.
    pub log: Vec<Interrupt>,
    /// Whether MSIs become memory writes (else they are delivered).
    pub to_memory: bool,
    /// MSI targets that abort.
    pub aborting: Vec<(Pas, u64)>,
}

impl Default for RecordingInterruptSink {
    fn default() -> Self {
        RecordingInterruptSink {
            log: Vec::new(),
            to_memory: true,
            aborting: Vec::new(),
        }
    }
}

impl RecordingInterruptSink {
    /// An empty log; MSIs become memory writes.
    pub fn new() -> RecordingInterruptSink {
        RecordingInterruptSink::default()
    }

    /// Takes the log, leaving it empty.
    pub fn take(&mut self) -> Vec<Interrupt> {
        std::mem::take(&mut self.log)
    }

    /// The wired pulses in the log.
    pub fn pulses(&self) -> Vec<IrqLine> {
        self.log
            .iter()
            .filter_map(|i| match i {
                Interrupt::Wired(line) => Some(*line),
                Interrupt::Msi { .. } => None,
            })
            .collect()
    }
}

impl InterruptSink for RecordingInterruptSink {
    fn pulse(&mut self, line: IrqLine) {
        self.log.push(Interrupt::Wired(line));
    }

    fn msi_write(&mut self, pas: Pas, addr: u64, data: u32) -> MsiOutcome {
        let outcome = if self.aborting.contains(&(pas, addr)) {
            MsiOutcome::Aborted
        } else if self.to_memory {
            MsiOutcome::Memory
        } else {
            MsiOutcome::Delivered
        };
        self.log.push(Interrupt::Msi {
            pas,
            addr,
            data,
            outcome,
        });
        outcome
    }

    fn msi_memory_aborted(&mut self, pas: Pas, addr: u64, data: u32) {
        let written = Interrupt::Msi {
            pas,
            addr,
            data,
            outcome: MsiOutcome::Memory,
        };
        if let Some(entry) = self.log.iter_mut().rev().find(|i| **i == written) {
            *entry = Interrupt::Msi {
                pas,
                addr,
                data,
                outcome: MsiOutcome::Aborted,
            };
        }
    }
}

/// An MSI to send: address (already truncated to the OAS) and data.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct MsiTarget {
    pub addr: u64,
    pub data: u32,
}

impl<M: GuestMemory, I: InterruptSink, T: TraceSink> Smmu<M, I, T> {
    /// Whether the programming interface `bank` implements MSIs (SMMU_IDR0.MSI,
    /// SMMU_S_IDR0.MSI).
    pub(crate) fn msi_implemented(&self, bank: SecSid) -> bool {
        match bank {
            SecSid::NonSecure => self.regs.idr0().msi(),
            SecSid::Secure => self.regs.s_idr0().msi(),
        }
    }

    /// An MSI address field (`ADDR[55:2]`, as stored right-aligned) as a byte
    /// address truncated to the OAS (IHI0070 4.7.3, 3.4.3).
    pub(crate) fn msi_address(&self, addr_field: u64) -> u64 {
        let oas = self.translator.config().oas.bits();
        (addr_field << 2) & ((1u64 << oas) - 1)
    }

    /// The MSI of a register-configured source (`*_IRQ_CFG0/1`), if any.
    pub(crate) fn configured_msi(&self, bank: SecSid, source: IrqSource) -> Option<MsiTarget> {
        if !self.msi_implemented(bank) {
            return None;
        }
        let b = self.regs.bank(bank);
        let (addr, data) = match source {
            IrqSource::EventQueue => (b.eventq_irq_cfg0().addr(), b.eventq_irq_cfg1().data()),
            IrqSource::GlobalError => (b.gerror_irq_cfg0().addr(), b.gerror_irq_cfg1().data()),
            IrqSource::CmdSync => return None,
        };
        // ADDR == 0 disables the MSI; the wired output still pulses (IHI0070 3.18.2).
        (addr != 0).then(|| MsiTarget {
            addr: self.msi_address(addr),
            data,
        })
    }

    /// Signals `source` of `bank`: the wired pulse, then the MSI if there is one.
    /// Returns `true` if the MSI was aborted (the caller records the matching
    /// MSI_*_ABT_ERR).
    pub(crate) fn signal(
        &mut self,
        bank: SecSid,
        source: IrqSource,
        msi: Option<MsiTarget>,
    ) -> bool {
        self.irq.pulse(IrqLine { bank, source });
        let Some(msi) = msi else { return false };
        let pas = interface_pas(bank);
        self.stats.msis += 1;
        match self.irq.msi_write(pas, msi.addr, msi.data) {
            MsiOutcome::Delivered => false,
            MsiOutcome::Aborted => true,
            MsiOutcome::Memory => {
                let aborted = self
                    .memory
                    .write(pas, msi.addr, &msi.data.to_le_bytes())
                    .is_err();
                if aborted {
                    self.irq.msi_memory_aborted(pas, msi.addr, msi.data);
                }
                aborted
            }
        }
    }

    /// Raises the Event queue or GERROR interrupt of `bank` if its IRQ_CTRL enable
    /// is in effect (IRQ_CTRLACK), and records an aborted MSI.
    pub(crate) fn raise(&mut self, bank: SecSid, source: IrqSource) {
        let ack = self.regs.bank(bank).irq_ctrlack();
        let enabled = match source {
            IrqSource::EventQueue => ack.eventq_irqen(),
            IrqSource::GlobalError => ack.gerror_irqen(),
            IrqSource::CmdSync => true,
        };
        if !enabled {
            return;
        }
        let msi = self.configured_msi(bank, source);
        if self.signal(bank, source, msi) {
            let error = match source {
                IrqSource::EventQueue => GlobalError::MsiEventQueueAbort,
                IrqSource::GlobalError => GlobalError::MsiGlobalErrorAbort,
                IrqSource::CmdSync => GlobalError::MsiCommandQueueAbort,
            };
            self.activate_global_error(bank, error);
        }
    }
}
