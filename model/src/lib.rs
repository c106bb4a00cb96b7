//! The translation core of an Arm SMMUv3.2 with Secure state (IHI0070).
//!
//! What an emulator or VMM embeds to translate device DMA exactly as the
//! architecture says: stream tables and STEs, context descriptors, VMSAv8-64 stage 1,
//! stage 2 and nested walks with Secure NS/NSTable handling, the event record of
//! every terminated transaction, and bounded, SEC_SID-tagged configuration and
//! translation caches.
//!
//! Entry point: [`Translator::translate`](translate::Translator::translate), given
//! guest memory ([`memory::GuestMemory`]), the register values of both banks
//! ([`registers::BankRegisters`]) and a [`translate::TranslationRequest`].
//!
//! Modules mirror the architecture: [`stream_table`], [`context_descriptor`],
//! [`walk`], [`event`], [`tlb`] and [`config_cache`]. [`builders`] makes the
//! in-memory structures for tests, examples and fuzzing.
#![warn(missing_docs)]

pub mod builders;
mod cache;
pub mod config;
pub mod config_cache;
pub mod context_descriptor;
pub mod event;
pub mod memory;
pub mod registers;
pub mod stream_table;
pub mod tlb;
pub mod translate;
pub mod walk;

pub use config::SmmuConfig;
pub use event::{Event, EventType};
pub use memory::{GuestMemory, InMemoryGuest, MemoryFault, Pas};
pub use regdef::SecSid;
pub use registers::BankRegisters;
pub use translate::{Outcome, RequestError, TranslationRequest, Translator};
