//! Device benchmarks: command consumption, event production, snapshot + restore.
//!
//! ```sh
//! cargo bench -p twinreg-model --bench device -- --warm-up-time 1 --measurement-time 3
//! ```

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use smmu::builders::{command, desc, CdBuilder, PageTable, SteBuilder};
use smmu::regfile::{Cr0, Reg, StrtabBaseCfg};
use smmu::translate::TranslationRequest;
use smmu::walk::{AccessKind, Granule, WalkGeometry};
use smmu::{Event, EventType, InMemoryGuest, NoInterrupts, Pas, SecSid, Smmu, SmmuConfig};

const NS: SecSid = SecSid::NonSecure;
const RAM: u64 = 0x4000_0000;
const CMDQ: u64 = RAM + 0x10_0000;
const EVENTQ: u64 = RAM + 0x20_0000;
const CMDQ_LOG2: u64 = 11;
const EVENTQ_LOG2: u64 = 12;

type Device = Smmu<InMemoryGuest, NoInterrupts>;

fn w(smmu: &mut Device, reg: Reg, size: u32, value: u64) {
    smmu.mmio_write(reg.address(), size, value, reg.bank());
}

fn cr0(cmdqen: bool) -> u64 {
    u64::from(
        Cr0::from_bits(0)
            .with_smmuen(true)
            .with_eventqen(true)
            .with_cmdqen(cmdqen)
            .bits(),
    )
}

/// The Non-secure bank up, with `streams` translating streams (one cached
/// configuration and one cached translation each once warmed).
fn device(streams: u32) -> Device {
    let mem = InMemoryGuest::new().with_region(Pas::NonSecure, RAM, 0x1000_0000);
    let mut smmu = Smmu::new(SmmuConfig::default(), mem, NoInterrupts).expect("config");
    w(&mut smmu, Reg::StrtabBase(NS), 8, RAM);
    let cfg = StrtabBaseCfg::from_bits(0).with_log2size(8);
    w(&mut smmu, Reg::StrtabBaseCfg(NS), 4, u64::from(cfg.bits()));
    w(&mut smmu, Reg::CmdqBase(NS), 8, CMDQ | CMDQ_LOG2);
    w(&mut smmu, Reg::EventqBase(NS), 8, EVENTQ | EVENTQ_LOG2);
    w(&mut smmu, Reg::Cr0(NS), 4, cr0(true));
    let geometry = WalkGeometry::stage1(Granule::K4, 16).expect("geometry");
    for sid in 0..streams {
        let pool = RAM + 0x100_0000 + u64::from(sid) * 0x1_0000;
        let mut tables = PageTable::new(Pas::NonSecure, pool, 0x1_0000, geometry).expect("pool");
        let iova = 0x8000_0000 + u64::from(sid) * 0x1000;
        tables
            .map(
                smmu.memory_mut(),
                iova,
                RAM + 0x80_0000,
                3,
                desc::S1_PAGE_RW,
            )
            .expect("map");
        let cd = RAM + 0x3_0000 + u64::from(sid) * 64;
        CdBuilder::new(tables.root())
            .asid(sid as u16)
            .write(smmu.memory_mut(), Pas::NonSecure, cd)
            .expect("cd");
        SteBuilder::stage1(cd)
            .write_linear(smmu.memory_mut(), Pas::NonSecure, RAM, sid)
            .expect("ste");
        let request = TranslationRequest::new(NS, sid, iova, AccessKind::Read);
        smmu.translate(&request).expect("translate");
    }
    smmu
}

/// 1024 invalidations (TLBI_NH_VA, CFGI_STE, TLBI_NH_ASID, CFGI_CD in turn)
/// followed by a CMD_SYNC, at the start of the queue.
fn fill_queue(smmu: &mut Device) {
    for i in 0..1024u64 {
        let sid = (i % 256) as u32;
        let cmd = match i % 4 {
            0 => command::tlbi_nh_va(0, i as u16, 0x1_0000_0000 + (i << 12), true),
            1 => command::cfgi_ste(sid, false, true),
            2 => command::tlbi_nh_asid(0, 0x4000 + i as u16),
            _ => command::cfgi_cd(sid, false, 0, true),
        };
        smmu.memory_mut()
            .write_u64s(Pas::NonSecure, CMDQ + i * 16, &cmd)
            .expect("queue");
    }
    smmu.memory_mut()
        .write_u64s(Pas::NonSecure, CMDQ + 1024 * 16, &command::sync_none())
        .expect("queue");
}

fn commands(c: &mut Criterion) {
    let mut group = c.benchmark_group("cmdq");
    group.throughput(Throughput::Elements(1025));
    for streams in [0u32, 64] {
        let mut smmu = device(streams);
        fill_queue(&mut smmu);
        group.bench_function(
            format!("1024_invalidations_and_sync/{streams}_cached_streams"),
            |b| {
                b.iter(|| {
                    // Rewind the queue (CONS is writable while CMDQEN is 0), then
                    // submit all 1025 commands with one PROD write.
                    w(&mut smmu, Reg::Cr0(NS), 4, cr0(false));
                    w(&mut smmu, Reg::CmdqCons(NS), 4, 0);
                    w(&mut smmu, Reg::CmdqProd(NS), 4, 0);
                    w(&mut smmu, Reg::Cr0(NS), 4, cr0(true));
                    w(&mut smmu, Reg::CmdqProd(NS), 4, 1025);
                });
            },
        );
        assert_eq!(smmu.registers().bank(NS).cmdq_cons().rd(), 1025);
    }
    group.finish();
}

fn events(c: &mut Criterion) {
    let mut group = c.benchmark_group("eventq");
    group.throughput(Throughput::Elements(1024));
    let mut smmu = device(0);
    let event = Event {
        rnw: true,
        input_addr: 0x8000_1000,
        ..Event::new(EventType::Translation, NS, 5, None)
    };
    group.bench_function("record_1024_events", |b| {
        b.iter(|| {
            for _ in 0..1024 {
                smmu.record_event(&event);
            }
            // Software consumes everything: CONS = PROD.
            let prod = smmu.registers().bank(NS).eventq_prod().wr();
            w(&mut smmu, Reg::EventqCons(NS), 4, u64::from(prod));
        });
    });
    assert_eq!(smmu.stats().overflows, 0);
    group.finish();
}

fn migration(c: &mut Criterion) {
    let mut group = c.benchmark_group("migration");
    let mut source = device(64);
    fill_queue(&mut source);
    w(&mut source, Reg::CmdqProd(NS), 4, 1025);
    for i in 0..100 {
        source.record_event(&Event::new(EventType::BadSte, NS, i, None));
    }
    let mut target = device(64);
    group.bench_function("snapshot_restore", |b| {
        b.iter(|| {
            let snapshot = source.snapshot();
            target.restore(&snapshot).expect("restore");
        });
    });
    group.bench_function("snapshot_json_restore", |b| {
        b.iter_batched(
            || (),
            |()| {
                let text = source.snapshot().to_json();
                let snapshot = smmu::Snapshot::from_json(&text).expect("json");
                target.restore(&snapshot).expect("restore");
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, commands, events, migration);
criterion_main!(benches);
