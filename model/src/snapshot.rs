//! Migration: the architectural state of both banks, versioned and validated.
//!
//! A [`Snapshot`] is the register file of both banks (by register path, as the
//! generated serde form writes it). That is the whole architectural state: every
//! command, event, interrupt and MSI completes within the MMIO access or
//! transaction that caused it, so nothing is pending between two accesses (no
//! CMD_SYNC waits for completion, no event is committed but unwritten, no update
//! handshake is in progress). Caches are not state: a restored SMMU starts with
//! empty caches, which software cannot tell apart from a cache that evicted
//! everything.
//!
//! [`Smmu::restore`] refuses anything the device could not have produced itself:
//! another format or version, registers the register file rejects (unknown,
//! missing, RES0 bits set, constants changed), ID registers of another
//! configuration, and states that are unreachable here: an ACK that differs from
//! its control register, GBPA.UPDATE or S_INIT.INV_ALL left set, a CMDQ_CONS.ERR
//! code this SMMU never reports, SFM_ERR, an enabled
//! Command queue holding commands it would already have consumed, or a Secure bank
//! that changed although Secure state is not implemented. Odd but reachable values
//! (queue indices with high bits set, LOG2SIZE above the IDR1 limit, inconsistent
//! PROD/CONS written by software) are accepted: the queues already handle them.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use regdef::SecSid;

use crate::cmdq::command_queue;
use crate::device::Smmu;
use crate::gerror::GlobalError;
use crate::invalidation::Invalidation;
use crate::irq::InterruptSink;
use crate::memory::GuestMemory;
use crate::regfile::{Reg, RegisterFile};
use crate::trace::{TraceRecord, TraceSink};

/// The `format` of a snapshot of this model.
pub const SNAPSHOT_FORMAT: &str = "twinreg-smmuv3";

/// The snapshot version this model writes and reads.
pub const SNAPSHOT_VERSION: u32 = 1;

/// The architectural state of an SMMU (both banks), for migration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Always [`SNAPSHOT_FORMAT`].
    pub format: String,
    /// [`SNAPSHOT_VERSION`] when written.
    pub version: u32,
    /// Every register of both banks.
    pub registers: RegisterFile,
}

/// Why a snapshot was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum RestoreError {
    /// Not a snapshot of this model.
    #[error("not a twinreg SMMUv3 snapshot (format {0:?})")]
    Format(String),
    /// A version this model does not read.
    #[error("snapshot version {found} is not supported (this model reads version {supported})")]
    Version {
        /// The snapshot's version.
        found: u32,
        /// The version this model reads.
        supported: u32,
    },
    /// It does not parse, or the register file rejects it.
    #[error("malformed snapshot: {0}")]
    Malformed(String),
    /// An ID register differs: the snapshot is of an SMMU with another
    /// configuration.
    #[error(
        "the snapshot is of another SMMU configuration: {register} is {snapshot:#x} in the \
         snapshot and {device:#x} here"
    )]
    Mismatch {
        /// Register path.
        register: &'static str,
        /// Its value in the snapshot.
        snapshot: u64,
        /// Its value in this device.
        device: u64,
    },
    /// A state this SMMU never reaches.
    #[error("the snapshot holds a state this SMMU cannot reach: {register}: {reason}")]
    Unreachable {
        /// Register path.
        register: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
}

impl Snapshot {
    /// The snapshot as JSON.
    pub fn to_json(&self) -> String {
        // A struct of strings, integers and maps always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a JSON snapshot, checking format and version before anything else
    /// so that a snapshot of another version gets a clear error.
    pub fn from_json(text: &str) -> Result<Snapshot, RestoreError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| RestoreError::Malformed(e.to_string()))?;
        let format = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
        if format != SNAPSHOT_FORMAT {
            return Err(RestoreError::Format(format.to_string()));
        }
        let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
        if version != u64::from(SNAPSHOT_VERSION) {
            return Err(RestoreError::Version {
                found: u32::try_from(version).unwrap_or(u32::MAX),
                supported: SNAPSHOT_VERSION,
            });
        }
        serde_json::from_value(value).map_err(|e| RestoreError::Malformed(e.to_string()))
    }
}

fn unreachable(reg: Reg, reason: &'static str) -> RestoreError {
    RestoreError::Unreachable {
        register: reg.path(),
        reason,
    }
}

impl<M: GuestMemory, I: InterruptSink, T: TraceSink> Smmu<M, I, T> {
    /// The architectural state, for migration.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            format: SNAPSHOT_FORMAT.to_string(),
            version: SNAPSHOT_VERSION,
            registers: self.regs.clone(),
        }
    }

    /// Replaces the state with `snapshot` after validating it (see the module
    /// documentation). The caches are emptied and the invalidation listener told
    /// so; guest memory, the interrupt sink and the trace are the embedder's and are
    /// left alone (the trace gets a [`TraceRecord::Restore`]).
    pub fn restore(&mut self, snapshot: &Snapshot) -> Result<(), RestoreError> {
        self.validate_snapshot(snapshot)?;
        self.regs = snapshot.registers.clone();
        if T::ENABLED {
            self.trace.record(TraceRecord::Restore {
                values: Reg::ALL.iter().map(|&r| self.regs.value(r)).collect(),
            });
        }
        self.invalidate(&Invalidation::All);
        Ok(())
    }

    fn validate_snapshot(&self, snapshot: &Snapshot) -> Result<(), RestoreError> {
        if snapshot.format != SNAPSHOT_FORMAT {
            return Err(RestoreError::Format(snapshot.format.clone()));
        }
        if snapshot.version != SNAPSHOT_VERSION {
            return Err(RestoreError::Version {
                found: snapshot.version,
                supported: SNAPSHOT_VERSION,
            });
        }
        let regs = &snapshot.registers;
        if regs.completion() != self.regs.completion() {
            return Err(RestoreError::Malformed(format!(
                "completion mode {:?}, this device uses {:?}",
                regs.completion(),
                self.regs.completion()
            )));
        }
        // Constants (ID registers, implementation defined or not) must be this
        // device's: they are the configuration.
        for reg in Reg::ALL {
            let desc = reg.desc();
            let (snap, dev) = (regs.value(reg), self.reset_regs.value(reg));
            if (snap ^ dev) & desc.constant != 0 {
                return Err(RestoreError::Mismatch {
                    register: desc.path,
                    snapshot: snap,
                    device: dev,
                });
            }
            // Without Secure state nothing can change a Secure register.
            if !self.config().secure_impl && reg.bank() == SecSid::Secure && snap != dev {
                return Err(unreachable(reg, "Secure state is not implemented"));
            }
        }
        if regs.s_init().inv_all() {
            return Err(unreachable(Reg::SInit, "INV_ALL completes at once"));
        }
        let banks: &[SecSid] = if self.config().secure_impl {
            &SecSid::ALL
        } else {
            &[SecSid::NonSecure]
        };
        for &bank in banks {
            Self::validate_bank(regs, bank)?;
        }
        Ok(())
    }

    fn validate_bank(regs: &RegisterFile, bank: SecSid) -> Result<(), RestoreError> {
        let queue = command_queue(regs, bank);
        let b = regs.bank(bank);
        let (cr0, ack) = (b.cr0(), b.cr0ack());
        let mirrored = cr0.smmuen() == ack.smmuen()
            && cr0.eventqen() == ack.eventqen()
            && cr0.cmdqen() == ack.cmdqen()
            && cr0.sif() == ack.sif()
            && cr0.vmw_raw() == ack.vmw_raw();
        if !mirrored {
            return Err(unreachable(
                Reg::Cr0ack(bank),
                "differs from CR0 (updates complete at once)",
            ));
        }
        let (irq, irq_ack) = (b.irq_ctrl(), b.irq_ctrlack());
        if irq.gerror_irqen() != irq_ack.gerror_irqen()
            || irq.eventq_irqen() != irq_ack.eventq_irqen()
        {
            return Err(unreachable(
                Reg::IrqCtrlack(bank),
                "differs from IRQ_CTRL (updates complete at once)",
            ));
        }
        if b.gbpa().update() {
            return Err(unreachable(Reg::Gbpa(bank), "UPDATE completes at once"));
        }
        if b.gerror().sfm_err() {
            return Err(unreachable(
                Reg::Gerror(bank),
                "SFM_ERR: this SMMU never enters Service Failure Mode",
            ));
        }
        let err = b.cmdq_cons().err_raw();
        if err > 2 {
            return Err(unreachable(
                Reg::CmdqCons(bank),
                "ERR holds a code this SMMU never reports",
            ));
        }
        // IHI0070 6.3.28, 6.3.76: the SMMU-written indices never hold bits above
        // their wrap flag.
        if queue.pointer(b.cmdq_cons().rd()) != b.cmdq_cons().rd() {
            return Err(unreachable(
                Reg::CmdqCons(bank),
                "RD has bits above the wrap flag, which are RAZ",
            ));
        }
        let events = crate::queue::QueueGeometry::new(
            b.eventq_base().addr() << 5,
            u32::from(b.eventq_base().log2size()),
            u32::from(regs.idr1().eventqs()),
            crate::queue::QueueGeometry::EVENT_SHIFT,
        );
        if events.pointer(b.eventq_prod().wr()) != b.eventq_prod().wr() {
            return Err(unreachable(
                Reg::EventqProd(bank),
                "WR has bits above the wrap flag, which are RAZ",
            ));
        }
        // CMDQ_ERR may be active with ERR == 0: software can toggle GERRORN by
        // itself, which this model counts as activating the error.
        let cmdq_err = GlobalError::CommandQueue.is_active(b.gerror(), b.gerrorn());
        let prod = queue.pointer(b.cmdq_prod().wr());
        let cons = queue.pointer(b.cmdq_cons().rd());
        let pending = queue.used(prod, cons).unwrap_or(0);
        if ack.cmdqen() && !cmdq_err && pending != 0 {
            return Err(unreachable(
                Reg::CmdqProd(bank),
                "an enabled Command queue without error holds unconsumed commands",
            ));
        }
        // The Event queue has no such check: software writes EVENTQ_CONS freely, so
        // every PROD/CONS pair (even one claiming more entries than the queue holds)
        // is a state a guest can reach; the next event treats an inconsistent queue
        // as full (IHI0070 3.5; docs/spec-choices.md Q-04).
        Ok(())
    }
}
