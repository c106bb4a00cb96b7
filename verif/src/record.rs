//! The records a testbench reads: one bus transaction, hardware drive, reset or
//! deposit each, with what the Rust register file expects.
//!
//! A record is five 64-bit words (320 bits), the same for both simulators: hex lines
//! for iverilog's `$readmemh` (most significant word first), little-endian binary for
//! the Verilator harness.
//!
//! | Word | Bits | Field |
//! |---|---|---|
//! | 0 | 63:0 | expected observation signature after the step (`last` records) |
//! | 1 | 63:0 | hardware value / deposit value |
//! | 2 | 31:0 | expected read data (in its byte lanes) |
//! | 2 | 63:32 | read compare mask (the lanes the access covers) |
//! | 3 | 31:0 | write data (in its byte lanes) |
//! | 3 | 55:32 | byte address (word aligned) |
//! | 3 | 59:56 | write strobes |
//! | 3 | 60 | Secure access |
//! | 3 | 61 | `last`: the record ends a trace step: compare the outputs |
//! | 4 | 7:0 | [`Kind`] |
//! | 4 | 23:8 | hardware-port or deposit index |
//! | 4 | 27:24, 31:28, 35:32 | AXI delays: AW/AR valid, W valid, B/R ready (cycles) |

/// What a record does.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Kind {
    /// End of the stimulus.
    End = 0,
    /// A bus write.
    Write = 1,
    /// A bus read; its data is compared.
    Read = 2,
    /// A hardware write (`_next`/`_we`, or the held `_in`).
    HwWrite = 3,
    /// A `_hwset` pulse.
    HwSet = 4,
    /// A `_hwclr` pulse.
    HwClr = 5,
    /// Reset for one cycle (held `_in` inputs return to their reset value).
    Reset = 6,
    /// Deposit a value into a field's flip-flop or held input (restores).
    Deposit = 7,
    /// Nothing on the RTL (an access the bus cannot express); the step is still
    /// compared.
    Nop = 8,
}

/// One record.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// What it does.
    pub kind: Kind,
    /// Ends a trace step: compare the observation signature.
    pub last: bool,
    /// Secure access.
    pub secure: bool,
    /// Write strobes.
    pub strb: u8,
    /// Word-aligned byte address.
    pub addr: u32,
    /// Write data.
    pub wdata: u32,
    /// Lanes of the read data compared.
    pub rmask: u32,
    /// Expected read data (in its lanes).
    pub rexp: u32,
    /// Hardware-port or deposit index.
    pub index: u16,
    /// Hardware or deposit value.
    pub value: u64,
    /// AXI delays (AW/AR valid, W valid, B/R ready), each 0..=15 cycles.
    pub delays: [u8; 3],
    /// Expected observation signature (meaningful with `last`).
    pub sig: u64,
}

impl Record {
    /// A record of `kind` with everything else zero.
    pub const fn new(kind: Kind) -> Record {
        Record {
            kind,
            last: false,
            secure: false,
            strb: 0,
            addr: 0,
            wdata: 0,
            rmask: 0,
            rexp: 0,
            index: 0,
            value: 0,
            delays: [0; 3],
            sig: 0,
        }
    }

    /// The five words.
    pub fn words(&self) -> [u64; 5] {
        let w2 = u64::from(self.rexp) | u64::from(self.rmask) << 32;
        let w3 = u64::from(self.wdata)
            | u64::from(self.addr & 0xFF_FFFF) << 32
            | u64::from(self.strb & 0xF) << 56
            | u64::from(self.secure) << 60
            | u64::from(self.last) << 61;
        let w4 = self.kind as u64
            | u64::from(self.index) << 8
            | u64::from(self.delays[0] & 0xF) << 24
            | u64::from(self.delays[1] & 0xF) << 28
            | u64::from(self.delays[2] & 0xF) << 32;
        [self.sig, self.value, w2, w3, w4]
    }

    /// One `$readmemh` line (80 hex digits, most significant word first).
    pub fn hex_line(&self, out: &mut String) {
        use std::fmt::Write as _;
        let w = self.words();
        let _ = writeln!(
            out,
            "{:016x}{:016x}{:016x}{:016x}{:016x}",
            w[4], w[3], w[2], w[1], w[0]
        );
    }

    /// 40 little-endian bytes.
    pub fn binary(&self, out: &mut Vec<u8>) {
        for w in self.words() {
            out.extend_from_slice(&w.to_le_bytes());
        }
    }
}

/// The observation signature: the vector in 64-bit chunks, least significant first,
/// folded as `h = rotl(h, 7) ^ chunk`. Any single differing bit changes it; the
/// testbenches compute the same fold.
pub fn signature(chunks: &[u64]) -> u64 {
    chunks.iter().fold(0, |h, &c| h.rotate_left(7) ^ c)
}

/// Sets `width` bits at bit `offset` of a chunked vector to `value`.
pub fn put_bits(v: &mut [u64], offset: u32, width: u32, value: u64) {
    let mut done = 0;
    while done < width {
        let bit = offset + done;
        let (i, b) = ((bit / 64) as usize, bit % 64);
        let n = (64 - b).min(width - done);
        let mask = regdef::access::ones(n);
        let part = (value >> done) & mask;
        v[i] = (v[i] & !(mask << b)) | (part << b);
        done += n;
    }
}

/// Reads `width` bits at `offset`.
pub fn get_bits(v: &[u64], offset: u32, width: u32) -> u64 {
    let mut out = 0;
    let mut done = 0;
    while done < width {
        let bit = offset + done;
        let (i, b) = ((bit / 64) as usize, bit % 64);
        let n = (64 - b).min(width - done);
        out |= ((v[i] >> b) & regdef::access::ones(n)) << done;
        done += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_of_a_write() {
        let mut r = Record::new(Kind::Write);
        r.addr = 0x8020;
        r.wdata = 0xd;
        r.strb = 0xF;
        r.secure = true;
        r.last = true;
        r.sig = 0x1234;
        r.delays = [1, 2, 15];
        let mut s = String::new();
        r.hex_line(&mut s);
        assert_eq!(
            s,
            "0000000f21000001\
             3f0080200000000d\
             0000000000000000\
             0000000000000000\
             0000000000001234\n"
        );
        let mut b = Vec::new();
        r.binary(&mut b);
        assert_eq!(b.len(), 40);
        assert_eq!(b[0..8], 0x1234u64.to_le_bytes());
    }

    #[test]
    fn bit_vectors_and_signatures() {
        let mut v = vec![0u64; 2];
        put_bits(&mut v, 60, 8, 0xAB);
        assert_eq!(v, [0xB << 60, 0xA]);
        assert_eq!(get_bits(&v, 60, 8), 0xAB);
        put_bits(&mut v, 60, 8, 0);
        assert_eq!(v, [0, 0]);
        assert_eq!(signature(&[1, 0]), 1 << 7);
        assert_ne!(signature(&[1, 1]), signature(&[0, 0]));
    }
}
