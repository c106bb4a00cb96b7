//! An Arm SMMUv3.2 with Secure state (IHI0070), for an emulator or VMM to embed.
//!
//! * [`Smmu`] is the device: the banked register file generated from
//!   `regdef/smmuv3.rdl` ([`regfile`]), MMIO, the Command and Event queues of both
//!   Security states ([`cmdq`], [`evtq`]), global errors ([`gerror`]), interrupts and
//!   MSIs ([`irq`]), invalidation notifications ([`invalidation`]), migration
//!   ([`snapshot`]) and a register-level trace ([`trace`]). It is handed guest memory
//!   ([`memory::GuestMemory`]) and an interrupt sink ([`irq::InterruptSink`]).
//! * [`Translator`] is the translation core the device uses: stream tables and STEs,
//!   context descriptors, VMSAv8-64 stage 1, stage 2 and nested walks with Secure
//!   NS/NSTable handling, the event record of every terminated transaction, and
//!   bounded, SEC_SID-tagged configuration and translation caches. It can be used on
//!   its own with the register values of both banks ([`registers::BankRegisters`]).
//! * [`scenario`] runs JSON scenarios (`twinreg run`).
//!
//! Modules mirror the architecture: [`stream_table`], [`context_descriptor`],
//! [`walk`], [`event`], [`tlb`] and [`config_cache`] for translation; [`cmdq`],
//! [`evtq`], [`queue`], [`gerror`], [`irq`] and [`secure`] for the programming
//! interface. [`builders`] makes the in-memory structures and commands for tests,
//! examples and fuzzing.
#![warn(missing_docs)]

pub mod builders;
mod cache;
pub mod cmdq;
pub mod config;
pub mod config_cache;
pub mod context_descriptor;
pub mod device;
pub mod event;
pub mod evtq;
pub mod gerror;
mod hit_cache;
#[cfg(test)]
mod hit_path_tests;
pub mod invalidation;
pub mod irq;
pub mod memory;
pub mod queue;
pub mod regfile;
pub mod registers;
pub mod scenario;
pub mod secure;
pub mod snapshot;
pub mod stream_table;
pub mod tlb;
pub mod trace;
pub mod translate;
pub mod walk;

pub use config::SmmuConfig;
pub use device::{DeviceError, DeviceStats, DmaStatus, Smmu};
pub use event::{Event, EventType};
pub use invalidation::{ConfigScope, Invalidation, InvalidationListener};
pub use irq::{
    InterruptSink, IrqLine, IrqSource, MsiOutcome, NoInterrupts, RecordingInterruptSink,
};
pub use memory::{GuestMemory, InMemoryGuest, MemoryFault, Pas};
pub use regdef::SecSid;
pub use registers::BankRegisters;
pub use snapshot::{RestoreError, Snapshot};
pub use trace::{JsonLinesTrace, NoTrace, TraceRecord, TraceSink};
pub use translate::{Outcome, RequestError, TranslationRequest, Translator};
