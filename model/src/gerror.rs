//! Global errors: SMMU_(S_)GERROR and SMMU_(S_)GERRORN (IHI0070 7.5).
//!
//! Error `x` is active while `GERROR[x] != GERRORN[x]`. The SMMU activates an error
//! by toggling `GERROR[x]`, only if it is not already active (later occurrences
//! are not logged); software acknowledges by toggling `GERRORN[x]` to match. Each
//! activation raises the bank's GERROR interrupt if `IRQ_CTRL.GERROR_IRQEN` is in
//! effect, except MSI_GERROR_ABT_ERR, which reports that a GERROR MSI itself
//! aborted (IHI0070 7.5.1).
//!
//! The errors of this SMMU: CMDQ_ERR, EVENTQ_ABT_ERR, MSI_CMDQ_ABT_ERR,
//! MSI_EVENTQ_ABT_ERR and MSI_GERROR_ABT_ERR. It has no PRI queue, no ECMDQ, no DPT
//! and never enters Service Failure Mode, so SFM_ERR stays 0.

use regdef::SecSid;

use crate::device::Smmu;
use crate::irq::{InterruptSink, IrqSource};
use crate::memory::GuestMemory;
use crate::regfile::{Gerror, Gerrorn};
use crate::trace::TraceSink;

/// A global error this SMMU can activate.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GlobalError {
    /// CMDQ_ERR: a command error; CMDQ_CONS.ERR has the reason.
    CommandQueue,
    /// EVENTQ_ABT_ERR: an Event queue write was aborted.
    EventQueueAbort,
    /// MSI_CMDQ_ABT_ERR: a CMD_SYNC completion MSI was aborted.
    MsiCommandQueueAbort,
    /// MSI_EVENTQ_ABT_ERR: an Event queue MSI was aborted.
    MsiEventQueueAbort,
    /// MSI_GERROR_ABT_ERR: a GERROR MSI was aborted (raises no interrupt).
    MsiGlobalErrorAbort,
}

impl GlobalError {
    /// Every error, in GERROR bit order.
    pub const ALL: [GlobalError; 5] = [
        GlobalError::CommandQueue,
        GlobalError::EventQueueAbort,
        GlobalError::MsiCommandQueueAbort,
        GlobalError::MsiEventQueueAbort,
        GlobalError::MsiGlobalErrorAbort,
    ];

    /// The spec's name of the GERROR field.
    pub const fn name(self) -> &'static str {
        match self {
            GlobalError::CommandQueue => "CMDQ_ERR",
            GlobalError::EventQueueAbort => "EVENTQ_ABT_ERR",
            GlobalError::MsiCommandQueueAbort => "MSI_CMDQ_ABT_ERR",
            GlobalError::MsiEventQueueAbort => "MSI_EVENTQ_ABT_ERR",
            GlobalError::MsiGlobalErrorAbort => "MSI_GERROR_ABT_ERR",
        }
    }

    /// Its bit in GERROR.
    pub const fn in_gerror(self, g: Gerror) -> bool {
        match self {
            GlobalError::CommandQueue => g.cmdq_err(),
            GlobalError::EventQueueAbort => g.eventq_abt_err(),
            GlobalError::MsiCommandQueueAbort => g.msi_cmdq_abt_err(),
            GlobalError::MsiEventQueueAbort => g.msi_eventq_abt_err(),
            GlobalError::MsiGlobalErrorAbort => g.msi_gerror_abt_err(),
        }
    }

    /// Its bit in GERRORN.
    pub const fn in_gerrorn(self, n: Gerrorn) -> bool {
        match self {
            GlobalError::CommandQueue => n.cmdq_err(),
            GlobalError::EventQueueAbort => n.eventq_abt_err(),
            GlobalError::MsiCommandQueueAbort => n.msi_cmdq_abt_err(),
            GlobalError::MsiEventQueueAbort => n.msi_eventq_abt_err(),
            GlobalError::MsiGlobalErrorAbort => n.msi_gerror_abt_err(),
        }
    }

    /// GERROR with this error's bit toggled.
    pub const fn toggled(self, g: Gerror) -> Gerror {
        match self {
            GlobalError::CommandQueue => g.with_cmdq_err(!g.cmdq_err()),
            GlobalError::EventQueueAbort => g.with_eventq_abt_err(!g.eventq_abt_err()),
            GlobalError::MsiCommandQueueAbort => g.with_msi_cmdq_abt_err(!g.msi_cmdq_abt_err()),
            GlobalError::MsiEventQueueAbort => g.with_msi_eventq_abt_err(!g.msi_eventq_abt_err()),
            GlobalError::MsiGlobalErrorAbort => g.with_msi_gerror_abt_err(!g.msi_gerror_abt_err()),
        }
    }

    /// Whether the error is active: `GERROR[x] != GERRORN[x]` (IHI0070 7.5).
    pub const fn is_active(self, g: Gerror, n: Gerrorn) -> bool {
        self.in_gerror(g) != self.in_gerrorn(n)
    }

    /// Whether activating it raises the GERROR interrupt (IHI0070 7.5.1).
    pub const fn raises_interrupt(self) -> bool {
        !matches!(self, GlobalError::MsiGlobalErrorAbort)
    }
}

impl<M: GuestMemory, I: InterruptSink, T: TraceSink> Smmu<M, I, T> {
    /// Whether `error` is active in `bank`.
    pub fn global_error_active(&self, bank: SecSid, error: GlobalError) -> bool {
        let b = self.regs.bank(bank);
        error.is_active(b.gerror(), b.gerrorn())
    }

    /// Activates `error` in `bank`: toggles its GERROR bit unless it is already
    /// active, then raises the GERROR interrupt (IHI0070 7.5). A GERROR MSI that
    /// aborts activates MSI_GERROR_ABT_ERR, which raises nothing, so this recurses
    /// at most once.
    pub(crate) fn activate_global_error(&mut self, bank: SecSid, error: GlobalError) {
        if self.global_error_active(bank, error) {
            return;
        }
        self.hw_update(|regs| regs.bank_hw(bank).gerror(|g| error.toggled(g)));
        if error.raises_interrupt() {
            self.raise(bank, IrqSource::GlobalError);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_is_the_difference_of_the_two_registers() {
        let g = Gerror::from_bits(0);
        let n = Gerrorn::from_bits(0);
        for e in GlobalError::ALL {
            assert!(!e.is_active(g, n), "{}", e.name());
            let raised = e.toggled(g);
            assert!(e.is_active(raised, n));
            assert!(e.in_gerror(raised));
            // Acknowledged once GERRORN matches; raised again by a second toggle.
            assert!(!e.is_active(raised, Gerrorn::from_bits(raised.bits())));
            assert!(!e.in_gerror(e.toggled(raised)));
        }
        // GERROR bit positions (IHI0070 6.3.19).
        let all = GlobalError::ALL.iter().fold(g, |acc, e| e.toggled(acc));
        assert_eq!(all.bits(), 0b1011_0101);
        assert!(!GlobalError::MsiGlobalErrorAbort.raises_interrupt());
        assert!(GlobalError::CommandQueue.raises_interrupt());
    }
}
