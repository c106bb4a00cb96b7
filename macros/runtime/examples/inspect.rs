//! Functions to inspect in the optimised machine code (see `macros/README.md`):
//!
//! ```sh
//! cargo build --release -p twinreg-runtime --example inspect
//! objdump -d --no-show-raw-insn -C target/release/examples/inspect | grep -A12 'inspect::cr0_vmw_raw>:'
//! ```
//!
//! A field getter is a shift and a mask; the typed enum getter adds a range check.

pub mod smmu {
    twinreg_macros::register_file!("../../regdef/smmuv3.rdl");
}

use smmu::{Cr0, RegisterFile, SecSid, StrtabBaseCfg, StrtabFmt, Vmw, WriteEffect};

/// `Cr0::vmw_raw`: bits `[8:6]`.
#[inline(never)]
pub fn cr0_vmw_raw(c: Cr0) -> u8 {
    c.vmw_raw()
}

/// `Cr0::cmdqen`: bit `[3]`.
#[inline(never)]
pub fn cr0_cmdqen(c: Cr0) -> bool {
    c.cmdqen()
}

/// `Cr0::vmw`: bits `[8:6]` as an enum.
#[inline(never)]
pub fn cr0_vmw(c: Cr0) -> Option<Vmw> {
    c.vmw()
}

/// `StrtabBaseCfg::with_fmt`: clear bits `[17:16]`, or in the value.
#[inline(never)]
pub fn with_fmt(c: StrtabBaseCfg, f: StrtabFmt) -> StrtabBaseCfg {
    c.with_fmt(f)
}

/// A decoded 32-bit MMIO read.
#[inline(never)]
pub fn read32(r: &mut RegisterFile, offset: u64) -> u64 {
    r.read(offset, 4, SecSid::NonSecure)
}

/// A decoded 32-bit MMIO write, keeping only the new value (the effect is dead).
#[inline(never)]
pub fn write32_new(r: &mut RegisterFile, offset: u64, value: u64) -> u64 {
    r.write(offset, 4, value, SecSid::NonSecure).new
}

/// A decoded 32-bit MMIO write.
#[inline(never)]
pub fn write32(r: &mut RegisterFile, offset: u64, value: u64) -> WriteEffect {
    r.write(offset, 4, value, SecSid::NonSecure)
}

fn main() {
    let mut r = RegisterFile::default();
    if let Some(n) = std::env::args().nth(1).and_then(|a| a.parse::<u64>().ok()) {
        // `inspect N`: N decoded writes and reads of CMDQ_PROD / CR0, timed.
        let start = std::time::Instant::now();
        let mut acc = 0u64;
        for i in 0..n {
            let e = write32(&mut r, std::hint::black_box(0x98), i);
            acc = acc.wrapping_add(e.new);
        }
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        let start = std::time::Instant::now();
        for i in 0..n {
            acc = acc.wrapping_add(write32_new(&mut r, std::hint::black_box(0x98), i));
        }
        let dead = start.elapsed().as_nanos() as f64 / n as f64;
        let start = std::time::Instant::now();
        for _ in 0..n {
            acc = acc.wrapping_add(read32(&mut r, std::hint::black_box(0x20)));
        }
        let read = start.elapsed().as_nanos() as f64 / n as f64;
        println!(
            "{ns:.2} ns per write, {dead:.2} ns without its effect, {read:.2} ns per read ({acc})"
        );
        return;
    }
    let e = write32(&mut r, std::hint::black_box(0x20), 0x1C8);
    let c = r.bank(SecSid::NonSecure).cr0();
    println!(
        "{:?} {} {} {:?} {:?} {:#x}",
        e.applied_to(),
        cr0_vmw_raw(c),
        cr0_cmdqen(c),
        cr0_vmw(c),
        with_fmt(StrtabBaseCfg::default(), StrtabFmt::TwoLevel),
        read32(&mut r, std::hint::black_box(0x24)),
    );
}
