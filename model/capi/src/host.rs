//! The host's callbacks, as the model's embedding traits: guest memory per PA space
//! ([`GuestMemory`]), wired interrupts and MSIs ([`InterruptSink`]) and
//! invalidation notifications ([`InvalidationListener`]).

use std::ffi::c_void;

use smmu::irq::{IrqLine, IrqSource, MsiOutcome};
use smmu::{
    GuestMemory, InterruptSink, Invalidation, InvalidationListener, MemoryFault, Pas, SecSid,
};

use crate::handle::Failure;
use crate::types::{TwinregInvalidation, TwinregPas};

/// Reads `len` bytes at `addr` of PA space `pas` into `buf`. Returns true on
/// success, false for an external abort (no memory there, a bus error): the SMMU
/// then reports the architected fault (F_WALK_EABT, F_STE_FETCH, ...).
pub type TwinregMemReadFn = Option<
    unsafe extern "C" fn(
        opaque: *mut c_void,
        pas: TwinregPas,
        addr: u64,
        buf: *mut u8,
        len: usize,
    ) -> bool,
>;

/// Writes `len` bytes from `data` at `addr` of PA space `pas` (Event queue
/// records, CMD_SYNC and MSI writes). Returns true on success, false for an
/// external abort.
pub type TwinregMemWriteFn = Option<
    unsafe extern "C" fn(
        opaque: *mut c_void,
        pas: TwinregPas,
        addr: u64,
        data: *const u8,
        len: usize,
    ) -> bool,
>;

/// A wired interrupt output (edge-triggered: one call per edge).
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TwinregIrqLine {
    /// Non-secure Event queue (QEMU `virt`'s SMMU interrupt 0).
    NsEventq = 0,
    /// Non-secure CMD_SYNC completion (interrupt 2; 1 is the PRI queue, which this
    /// SMMU does not implement).
    NsCmdSync = 2,
    /// Non-secure global error (interrupt 3).
    NsGerror = 3,
    /// Secure Event queue.
    SEventq = 4,
    /// Secure CMD_SYNC completion.
    SCmdSync = 6,
    /// Secure global error.
    SGerror = 7,
}

impl From<IrqLine> for TwinregIrqLine {
    fn from(line: IrqLine) -> TwinregIrqLine {
        match (line.bank, line.source) {
            (SecSid::NonSecure, IrqSource::EventQueue) => TwinregIrqLine::NsEventq,
            (SecSid::NonSecure, IrqSource::CmdSync) => TwinregIrqLine::NsCmdSync,
            (SecSid::NonSecure, IrqSource::GlobalError) => TwinregIrqLine::NsGerror,
            (SecSid::Secure, IrqSource::EventQueue) => TwinregIrqLine::SEventq,
            (SecSid::Secure, IrqSource::CmdSync) => TwinregIrqLine::SCmdSync,
            (SecSid::Secure, IrqSource::GlobalError) => TwinregIrqLine::SGerror,
        }
    }
}

/// A pulse on a wired interrupt output.
pub type TwinregIrqPulseFn =
    Option<unsafe extern "C" fn(opaque: *mut c_void, line: TwinregIrqLine)>;

/// What became of an MSI (the return value of `TwinregMsiWriteFn`).
pub type TwinregMsiResult = u32;
/// The host delivered it (an interrupt controller's doorbell took the write).
pub const TWINREG_MSI_DELIVERED: TwinregMsiResult = 0;
/// Not claimed: the SMMU performs it as a 32-bit little-endian `mem_write` to
/// `addr` of `pas` (Linux aims CMD_SYNC MSIs at the Command queue itself); a
/// failed write is an abort.
pub const TWINREG_MSI_MEMORY: TwinregMsiResult = 1;
/// The write was aborted: the SMMU records GERROR.MSI_*_ABT_ERR (IHI0070 7.5).
/// Any value other than the three is taken as aborted.
pub const TWINREG_MSI_ABORTED: TwinregMsiResult = 2;

/// An MSI: a 32-bit write of `data` to `addr` in PA space `pas` (Secure for the
/// Secure programming interface's MSIs).
pub type TwinregMsiWriteFn = Option<
    unsafe extern "C" fn(
        opaque: *mut c_void,
        pas: TwinregPas,
        addr: u64,
        data: u32,
    ) -> TwinregMsiResult,
>;

/// An invalidation the SMMU performed; `invalidation` is valid for the call only.
pub type TwinregInvalidatedFn =
    Option<unsafe extern "C" fn(opaque: *mut c_void, invalidation: *const TwinregInvalidation)>;

/// The host's side of an SMMU. Every callback gets the `opaque` pointer given to
/// `twinreg_smmu_new`, runs on the thread of the call that caused it, and must not
/// call into the same SMMU (other SMMUs are fine).
#[repr(C)]
#[derive(Copy, Clone, Debug, Default)]
pub struct TwinregHostCallbacks {
    /// Guest memory reads (required).
    pub mem_read: TwinregMemReadFn,
    /// Guest memory writes (required).
    pub mem_write: TwinregMemWriteFn,
    /// Wired interrupt pulses; NULL: not wired.
    pub irq_pulse: TwinregIrqPulseFn,
    /// MSIs; NULL: every MSI is a plain `mem_write` (as `TWINREG_MSI_MEMORY`).
    pub msi_write: TwinregMsiWriteFn,
    /// Invalidation notifications; NULL: not told.
    pub invalidated: TwinregInvalidatedFn,
}

/// The callbacks, checked, with the host's pointer.
#[derive(Copy, Clone)]
pub(crate) struct HostCallbacks {
    c: TwinregHostCallbacks,
    opaque: *mut c_void,
}

impl HostCallbacks {
    pub fn new(c: &TwinregHostCallbacks, opaque: *mut c_void) -> Result<HostCallbacks, Failure> {
        if c.mem_read.is_none() {
            return Err(Failure::null("callbacks->mem_read"));
        }
        if c.mem_write.is_none() {
            return Err(Failure::null("callbacks->mem_write"));
        }
        Ok(HostCallbacks { c: *c, opaque })
    }

    /// The invalidation listener, if the host asked to be told.
    pub fn listener(&self) -> Option<HostListener> {
        self.c.invalidated.map(|f| HostListener {
            f,
            opaque: self.opaque,
        })
    }
}

/// Guest memory through `mem_read` / `mem_write`.
pub(crate) struct HostMemory(pub HostCallbacks);

impl GuestMemory for HostMemory {
    fn read(&self, pas: Pas, addr: u64, buf: &mut [u8]) -> Result<(), MemoryFault> {
        let fault = MemoryFault {
            pas,
            addr,
            len: buf.len(),
        };
        // Checked at creation; a missing one would only mean "no memory".
        let Some(read) = self.0.c.mem_read else {
            return Err(fault);
        };
        // SAFETY: the host's function with its own pointer; `buf` is valid for
        // `buf.len()` bytes of writes for the call.
        let ok = unsafe { read(self.0.opaque, pas.into(), addr, buf.as_mut_ptr(), buf.len()) };
        ok.then_some(()).ok_or(fault)
    }

    fn write(&mut self, pas: Pas, addr: u64, data: &[u8]) -> Result<(), MemoryFault> {
        let fault = MemoryFault {
            pas,
            addr,
            len: data.len(),
        };
        let Some(write) = self.0.c.mem_write else {
            return Err(fault);
        };
        // SAFETY: as for `read`; `data` is valid for `data.len()` bytes of reads.
        let ok = unsafe { write(self.0.opaque, pas.into(), addr, data.as_ptr(), data.len()) };
        ok.then_some(()).ok_or(fault)
    }
}

/// Interrupts through `irq_pulse` / `msi_write`.
pub(crate) struct HostInterrupts(pub HostCallbacks);

impl InterruptSink for HostInterrupts {
    fn pulse(&mut self, line: IrqLine) {
        if let Some(pulse) = self.0.c.irq_pulse {
            // SAFETY: the host's function with its own pointer.
            unsafe { pulse(self.0.opaque, line.into()) };
        }
    }

    fn msi_write(&mut self, pas: Pas, addr: u64, data: u32) -> MsiOutcome {
        let Some(msi) = self.0.c.msi_write else {
            return MsiOutcome::Memory;
        };
        // SAFETY: the host's function with its own pointer.
        match unsafe { msi(self.0.opaque, pas.into(), addr, data) } {
            TWINREG_MSI_DELIVERED => MsiOutcome::Delivered,
            TWINREG_MSI_MEMORY => MsiOutcome::Memory,
            _ => MsiOutcome::Aborted,
        }
    }
}

/// Invalidations through `invalidated`.
pub(crate) struct HostListener {
    f: unsafe extern "C" fn(*mut c_void, *const TwinregInvalidation),
    opaque: *mut c_void,
}

// SAFETY: see `TwinregSmmu`'s `Send`: the host's pointer goes wherever the handle
// goes, as `twinreg_smmu_new` documents.
unsafe impl Send for HostListener {}

impl InvalidationListener for HostListener {
    fn invalidated(&mut self, invalidation: &Invalidation) {
        let c = TwinregInvalidation::from(invalidation);
        // SAFETY: the host's function with its own pointer; `c` outlives the call.
        unsafe { (self.f)(self.opaque, &c) };
    }
}
