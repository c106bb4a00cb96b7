//! Parse + elaborate of `regdef/smmuv3.rdl`, in process. Target: under 5 ms.
//!
//! `cargo bench -p twinreg-regdef --bench frontend`

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};

fn frontend(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("smmuv3.rdl");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("SKIP frontend bench: cannot read {}: {e}", path.display());
            return;
        }
    };
    // Measure only a file that elaborates: timing the error path would mislead.
    if let Err(d) = regdef::compile_source("smmuv3.rdl", &text) {
        eprintln!("SKIP frontend bench: smmuv3.rdl does not elaborate:\n{d}");
        return;
    }
    c.bench_function("compile smmuv3.rdl", |b| {
        b.iter(|| regdef::compile_source("smmuv3.rdl", black_box(&text)))
    });
}

criterion_group!(benches, frontend);
criterion_main!(benches);
