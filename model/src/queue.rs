//! Circular queue arithmetic shared by the Command and Event queues (IHI0070 3.5.1).
//!
//! A queue has `2^QS` entries, QS = MIN(BASE.LOG2SIZE, IDR1.CMDQS / EVENTQS)
//! (IHI0070 6.3.26: "any use of the value of this field is capped at the maximum").
//! A PROD or CONS value holds the index in bits `[QS-1:0]` and the wrap flag in bit
//! `[QS]`; bits above are ignored (IHI0070 6.3.27), and in the SMMU-written CONS/PROD
//! read as zero (6.3.28). Equal indices with equal wrap
//! flags mean empty, with different wrap flags full.

/// The geometry of one queue: where its entries are and how many there are.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct QueueGeometry {
    /// Effective base address: `BASE.ADDR` aligned down to the larger of the queue
    /// size in bytes and 32 bytes (IHI0070 6.3.26, 6.3.29).
    base: u64,
    /// QS, the effective log2 of the number of entries (0-19).
    log2size: u32,
    /// log2 of the entry size in bytes (4 for commands, 5 for events).
    entry_shift: u32,
}

impl QueueGeometry {
    /// Entry size of the Command queue (16 bytes, IHI0070 4.1.1).
    pub const COMMAND_SHIFT: u32 = 4;
    /// Entry size of the Event queue (32 bytes, IHI0070 7.3).
    pub const EVENT_SHIFT: u32 = 5;
    /// The largest QS (IHI0070 3.5.1: a queue has 2^n entries, 0 <= n <= 19).
    pub const MAX_LOG2SIZE: u32 = 19;

    /// The geometry from a `*_BASE` register: `addr` is the byte address of
    /// `ADDR[55:5]`, `log2size` the LOG2SIZE field and `cap` the IDR1 limit.
    pub const fn new(addr: u64, log2size: u32, cap: u32, entry_shift: u32) -> QueueGeometry {
        let log2size = if log2size < cap { log2size } else { cap };
        // Queues have at most 2^19 entries (IHI0070 3.5.1).
        let log2size = if log2size < Self::MAX_LOG2SIZE {
            log2size
        } else {
            Self::MAX_LOG2SIZE
        };
        // log2size <= 19 (the IDR1 fields are 5 bits, validated <= 19 by the
        // config), so the byte size fits easily.
        let bytes_shift = log2size + entry_shift;
        let align_shift = if bytes_shift > 5 { bytes_shift } else { 5 };
        QueueGeometry {
            base: addr & !((1u64 << align_shift) - 1),
            log2size,
            entry_shift,
        }
    }

    /// The effective base address.
    pub const fn base(&self) -> u64 {
        self.base
    }

    /// QS.
    pub const fn log2size(&self) -> u32 {
        self.log2size
    }

    /// Number of entries, `2^QS`.
    pub const fn entries(&self) -> u32 {
        1 << self.log2size
    }

    /// The bits of a PROD/CONS value that matter: index and wrap flag.
    pub const fn pointer_mask(&self) -> u32 {
        (1 << (self.log2size + 1)) - 1
    }

    /// `value` reduced to index and wrap flag (bits above are ignored).
    pub const fn pointer(&self, value: u32) -> u32 {
        value & self.pointer_mask()
    }

    /// The index part of a pointer.
    pub const fn index(&self, pointer: u32) -> u32 {
        pointer & (self.entries() - 1)
    }

    /// The pointer after `pointer`: the index incremented, wrapping into the wrap
    /// flag (IHI0070 3.5.1).
    pub const fn next(&self, pointer: u32) -> u32 {
        pointer.wrapping_add(1) & self.pointer_mask()
    }

    /// Byte address of the entry `pointer` designates.
    pub const fn entry_address(&self, pointer: u32) -> u64 {
        self.base + ((self.index(pointer) as u64) << self.entry_shift)
    }

    /// Entries between `cons` and `prod`, or `None` when the two are inconsistent
    /// (IHI0070 3.5.1: PROD.WR > CONS.RD with different wrap flags, or
    /// PROD.WR < CONS.RD with equal ones), which software must never create.
    pub const fn used(&self, prod: u32, cons: u32) -> Option<u32> {
        let distance = prod.wrapping_sub(cons) & self.pointer_mask();
        if distance > self.entries() {
            None
        } else {
            Some(distance)
        }
    }

    /// Whether the queue holds no entry.
    pub const fn is_empty(&self, prod: u32, cons: u32) -> bool {
        self.pointer(prod) == self.pointer(cons)
    }

    /// Whether every entry is in use (equal index, different wrap flag).
    pub const fn is_full(&self, prod: u32, cons: u32) -> bool {
        (prod ^ cons) & self.pointer_mask() == self.entries()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_caps_and_aligns() {
        // LOG2SIZE 10 of 16-byte commands: 16 KB, base aligned to 16 KB.
        let q = QueueGeometry::new(0x4E16_B000, 10, 19, QueueGeometry::COMMAND_SHIFT);
        assert_eq!((q.base(), q.entries()), (0x4E16_8000, 1024));
        // LOG2SIZE above the IDR1 cap is capped.
        let q = QueueGeometry::new(0x1000, 25, 8, QueueGeometry::EVENT_SHIFT);
        assert_eq!((q.log2size(), q.base()), (8, 0));
        // Never beyond 2^19 entries, whatever the cap.
        let q = QueueGeometry::new(0, 31, 31, QueueGeometry::EVENT_SHIFT);
        assert_eq!((q.log2size(), q.pointer_mask()), (19, 0xF_FFFF));
        // One-entry queues are still 32-byte aligned.
        let q = QueueGeometry::new(0x1030, 0, 19, QueueGeometry::COMMAND_SHIFT);
        assert_eq!((q.base(), q.entries(), q.pointer_mask()), (0x1020, 1, 1));
    }

    #[test]
    fn pointers_wrap_and_classify() {
        let q = QueueGeometry::new(0, 2, 19, QueueGeometry::COMMAND_SHIFT);
        assert_eq!(q.next(0b011), 0b100);
        assert_eq!(q.next(0b111), 0b000);
        assert_eq!(q.pointer(0xFFF8_0005), 0b101);
        assert_eq!(q.entry_address(0b110), 0x20);
        assert!(q.is_empty(0b101, 0xF0_0005));
        assert!(q.is_full(0b101, 0b001));
        assert_eq!(q.used(0b101, 0b001), Some(4));
        assert_eq!(q.used(0b010, 0b111), Some(3));
        // PROD.WR > CONS.RD with different wrap flags: inconsistent.
        assert_eq!(q.used(0b110, 0b001), None);
        // PROD.WR < CONS.RD with equal wrap flags: inconsistent.
        assert_eq!(q.used(0b001, 0b011), None);
    }
}
