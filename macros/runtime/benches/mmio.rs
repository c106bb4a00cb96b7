//! Decoded MMIO accesses on the SMMUv3 register file (target: under 10 ns median).
//!
//! `cargo bench -p twinreg-runtime --bench mmio -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};

mod smmu {
    twinreg_macros::register_file!("../../regdef/smmuv3.rdl");
}

use smmu::{RegisterFile, SecSid};

const NS: SecSid = SecSid::NonSecure;
const S: SecSid = SecSid::Secure;

fn mmio(c: &mut Criterion) {
    let mut regs = RegisterFile::default();
    let mut g = c.benchmark_group("mmio32");
    g.bench_function("read CR0", |b| {
        b.iter(|| regs.read(black_box(0x20), black_box(4), black_box(NS)))
    });
    g.bench_function("read S_CR0 (Secure, gated by SECURE_IMPL)", |b| {
        b.iter(|| regs.read(black_box(0x8020), black_box(4), black_box(S)))
    });
    g.bench_function("write CMDQ_PROD", |b| {
        let mut v = 0u64;
        b.iter(|| {
            v = v.wrapping_add(1);
            regs.write(black_box(0x98), black_box(4), black_box(v), black_box(NS))
        })
    });
    g.bench_function("write CR0 (ACK mirror)", |b| {
        let mut v = 0u64;
        b.iter(|| {
            v ^= 0b1100;
            regs.write(black_box(0x20), black_box(4), black_box(v), black_box(NS))
        })
    });
    g.bench_function("write CMDQ_BASE (guarded)", |b| {
        b.iter(|| {
            regs.write(
                black_box(0x90),
                black_box(4),
                black_box(0x1000),
                black_box(NS),
            )
        })
    });
    // The floor: decode, policy and the effect, with no register behind them.
    g.bench_function("read undefined offset", |b| {
        b.iter(|| regs.read(black_box(0x30), black_box(4), black_box(NS)))
    });
    g.bench_function("write undefined offset", |b| {
        b.iter(|| regs.write(black_box(0x30), black_box(4), black_box(1), black_box(NS)))
    });
    g.finish();
}

criterion_group!(benches, mmio);
criterion_main!(benches);
