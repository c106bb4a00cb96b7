//! The Event queues (IHI0070 3.5, 7.2, 7.4): one per programming interface, each
//! receiving the events of streams of its Security state (IHI0070 7.2.3).
//!
//! An event is written if the queue is writable: enabled (CR0ACK.EVENTQEN), not
//! full and without an unacknowledged EVENTQ_ABT_ERR (IHI0070 7.2.1). Otherwise it
//! is discarded; a discard because the queue is full is an overflow, which toggles
//! EVENTQ_PROD.OVFLG only if no overflow is pending (OVFLG == EVENTQ_CONS.OVACKFLG,
//! IHI0070 7.4). The record is written, then PROD advances, then the Event queue
//! interrupt fires if the queue went from empty to non-empty (IHI0070 3.5.2, 3.18).
//!
//! Choices:
//! * A write abort is synchronous: PROD does not move and EVENTQ_ABT_ERR activates
//!   (IHI0070 7.2.2 permits either). A queue entry beyond the OAS is such an abort
//!   (IHI0070 3.4.3).
//! * PROD/CONS in an inconsistent state count as a full queue (one of the options
//!   of IHI0070 3.5.1), so the event overflows.

use regdef::SecSid;

use crate::device::Smmu;
use crate::event::Event;
use crate::gerror::GlobalError;
use crate::irq::{InterruptSink, IrqSource};
use crate::memory::GuestMemory;
use crate::queue::QueueGeometry;
use crate::secure::interface_pas;
use crate::trace::TraceSink;

/// What happened to one event offered to an Event queue.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum EventDelivery {
    /// The record is in the queue and PROD covers it.
    Written,
    /// Discarded: the record's `record` flag was clear (CD.R, STE.S2R,
    /// CR2.RECINVSID).
    NotRecorded,
    /// Discarded: EVENTQEN is 0 (no overflow).
    QueueDisabled,
    /// Discarded: EVENTQ_ABT_ERR is active (no overflow).
    AbortPending,
    /// Discarded because the queue is full: an overflow.
    Overflow,
    /// The write was aborted: EVENTQ_ABT_ERR was activated.
    WriteAborted,
}

impl<M: GuestMemory, I: InterruptSink, T: TraceSink> Smmu<M, I, T> {
    /// The Event queue geometry of `bank` (EVENTQ_BASE, capped by IDR1.EVENTQS).
    pub(crate) fn event_queue(&self, bank: SecSid) -> QueueGeometry {
        let base = self.regs.bank(bank).eventq_base();
        QueueGeometry::new(
            base.addr() << 5,
            u32::from(base.log2size()),
            u32::from(self.regs.idr1().eventqs()),
            QueueGeometry::EVENT_SHIFT,
        )
    }

    /// Offers `event` to the Event queue of its stream's Security state
    /// (`event.sec_sid`), honouring its `record` flag.
    ///
    /// [`translate`](Smmu::translate) does this for every fault; it is public for
    /// embedders that raise events of their own and for tests.
    pub fn record_event(&mut self, event: &Event) -> EventDelivery {
        if !event.record {
            return EventDelivery::NotRecorded;
        }
        let bank = event.sec_sid;
        let b = self.regs.bank(bank);
        if !b.cr0ack().eventqen() {
            self.stats.events_discarded += 1;
            return EventDelivery::QueueDisabled;
        }
        if GlobalError::EventQueueAbort.is_active(b.gerror(), b.gerrorn()) {
            self.stats.events_discarded += 1;
            return EventDelivery::AbortPending;
        }
        let queue = self.event_queue(bank);
        let prod_reg = b.eventq_prod();
        let cons_reg = b.eventq_cons();
        let prod = queue.pointer(prod_reg.wr());
        let cons = queue.pointer(cons_reg.rd());
        let used = match queue.used(prod, cons) {
            Some(n) if n < queue.entries() => n,
            // Full, or inconsistent (treated as full).
            _ => {
                self.stats.events_discarded += 1;
                self.stats.overflows += 1;
                if prod_reg.ovflg() == cons_reg.ovackflg() {
                    self.hw_update(|regs| {
                        regs.bank_hw(bank).eventq_prod(|p| p.with_ovflg(!p.ovflg()))
                    });
                }
                return EventDelivery::Overflow;
            }
        };
        let addr = queue.entry_address(prod);
        let words = event.encode();
        let mut bytes = [0u8; 32];
        for (chunk, dw) in bytes.chunks_exact_mut(8).zip(words) {
            chunk.copy_from_slice(&dw.to_le_bytes());
        }
        let in_range = addr >> self.translator.config().oas.bits() == 0;
        if !in_range
            || self
                .memory
                .write(interface_pas(bank), addr, &bytes)
                .is_err()
        {
            self.stats.events_discarded += 1;
            self.activate_global_error(bank, GlobalError::EventQueueAbort);
            return EventDelivery::WriteAborted;
        }
        let next = queue.next(prod);
        self.hw_update(|regs| regs.bank_hw(bank).eventq_prod(|p| p.with_wr(next)));
        self.stats.events_written += 1;
        if used == 0 {
            self.raise(bank, IrqSource::EventQueue);
        }
        EventDelivery::Written
    }
}
