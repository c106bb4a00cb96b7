//! The embedding API end to end: an SMMU on guest memory with an interrupt sink,
//! brought up through MMIO the way a driver does it, then device DMA through it.
//!
//! Run with `cargo run -p twinreg-model --example embedding`.

use smmu::builders::{command, desc, CdBuilder, PageTable, SteBuilder};
use smmu::regfile::{Cr0, IrqCtrl, Reg, StrtabBaseCfg};
use smmu::translate::{Outcome, TranslationRequest};
use smmu::walk::{AccessKind, Granule, WalkGeometry};
use smmu::{
    DmaStatus, GuestMemory, InMemoryGuest, Invalidation, Pas, RecordingInterruptSink, SecSid, Smmu,
    SmmuConfig,
};

const RAM: u64 = 0x4000_0000;
const STRTAB: u64 = RAM; // 256 STEs
const CMDQ: u64 = RAM + 0x4_0000; // 256 commands
const EVENTQ: u64 = RAM + 0x8_0000; // 64 events
const IOVA: u64 = 0x8000_1234;

type Device = Smmu<InMemoryGuest, RecordingInterruptSink>;

/// A 32-bit register write in the register's own Security state.
fn write(smmu: &mut Device, reg: Reg, value: u64) {
    let size = reg.width() / 8;
    smmu.mmio_write(reg.address(), size, value, reg.bank());
}

fn read(smmu: &mut Device, reg: Reg) -> u64 {
    smmu.mmio_read(reg.address(), reg.width() / 8, reg.bank())
}

fn main() {
    const NS: SecSid = SecSid::NonSecure;
    // The embedder supplies guest memory and an interrupt sink.
    let memory = InMemoryGuest::new().with_region(Pas::NonSecure, RAM, 0x1000_0000);
    let mut smmu: Device = Smmu::new(SmmuConfig::default(), memory, RecordingInterruptSink::new())
        .expect("the default configuration is representable");
    smmu.set_invalidation_listener(Box::new(|i: &Invalidation| {
        println!("invalidated: {i:?}");
    }));

    // Probe, as a driver does.
    let idr0 = smmu.registers().idr0();
    println!(
        "IDR0 {:#010x}: S1P {} S2P {}, IDR1.SIDSIZE {}",
        read(&mut smmu, Reg::Idr0),
        idr0.s1p(),
        idr0.s2p(),
        smmu.registers().idr1().sidsize()
    );

    // Program the stream table and the queues, then enable the queues.
    write(&mut smmu, Reg::StrtabBase(NS), STRTAB);
    let cfg = StrtabBaseCfg::from_bits(0).with_log2size(8);
    write(&mut smmu, Reg::StrtabBaseCfg(NS), u64::from(cfg.bits()));
    write(&mut smmu, Reg::CmdqBase(NS), CMDQ | 8);
    write(&mut smmu, Reg::EventqBase(NS), EVENTQ | 6);
    let irqs = IrqCtrl::from_bits(0)
        .with_eventq_irqen(true)
        .with_gerror_irqen(true);
    write(&mut smmu, Reg::IrqCtrl(NS), u64::from(irqs.bits()));
    let queues = Cr0::from_bits(0).with_cmdqen(true).with_eventqen(true);
    write(&mut smmu, Reg::Cr0(NS), u64::from(queues.bits()));

    // Invalidate everything, with a CMD_SYNC that raises the CMD_SYNC interrupt.
    for (i, cmd) in [
        command::cfgi_all(false),
        command::tlbi_nsnh_all(),
        command::sync(1, 0, 0),
    ]
    .iter()
    .enumerate()
    {
        let mem = smmu.memory_mut();
        mem.write_u64s(Pas::NonSecure, CMDQ + 16 * i as u64, cmd)
            .expect("queue in RAM");
    }
    write(&mut smmu, Reg::CmdqProd(NS), 3);
    println!("CMDQ_CONS {:#x}", read(&mut smmu, Reg::CmdqCons(NS)));
    println!("interrupts: {:?}", smmu.interrupts_mut().take());

    // Enable translation.
    write(
        &mut smmu,
        Reg::Cr0(NS),
        u64::from(queues.with_smmuen(true).bits()),
    );
    assert_eq!(
        read(&mut smmu, Reg::Cr0ack(NS)),
        read(&mut smmu, Reg::Cr0(NS))
    );

    // A device (StreamID 3) gets stage 1 tables mapping IOVA to 0x4ECB_A000.
    let geometry = WalkGeometry::stage1(Granule::K4, 16).expect("48-bit VA");
    let mut tables =
        PageTable::new(Pas::NonSecure, RAM + 0x10_0000, 0x10_0000, geometry).expect("pool");
    let mem = smmu.memory_mut();
    tables
        .map(mem, IOVA, 0x4ECB_A000, 3, desc::S1_PAGE_RW)
        .expect("map");
    CdBuilder::new(tables.root())
        .asid(1)
        .write(mem, Pas::NonSecure, RAM + 0x1_0000)
        .expect("CD");
    SteBuilder::stage1(RAM + 0x1_0000)
        .write_linear(mem, Pas::NonSecure, STRTAB, 3)
        .expect("STE");

    // Translate, then DMA.
    let request = TranslationRequest::new(NS, 3, IOVA, AccessKind::Write).with_size(4);
    match smmu.translate(&request).expect("a valid request") {
        Outcome::Translated(t) => println!("{IOVA:#x} -> {:#x} ({:?})", t.output_addr, t.pas),
        other => println!("{other:?}"),
    }
    let status = smmu.dma_write(&request, b"DMA!").expect("a valid request");
    let mut back = [0u8; 4];
    smmu.memory()
        .read(Pas::NonSecure, 0x4ECB_A234, &mut back)
        .expect("RAM");
    println!(
        "DMA write: {status:?}, memory now {:?}",
        std::str::from_utf8(&back)
    );

    // A fault lands in the event queue and raises its interrupt.
    let fault = TranslationRequest::new(NS, 3, 0x1000, AccessKind::Read);
    let mut buf = [0u8; 4];
    if let Ok(DmaStatus::Fault(event)) = smmu.dma_read(&fault, &mut buf) {
        println!(
            "fault: {} recorded: {}",
            event.event_type.name(),
            event.record
        );
    }
    println!(
        "EVENTQ_PROD {:#x}, interrupts: {:?}",
        read(&mut smmu, Reg::EventqProd(NS)),
        smmu.interrupts().log
    );

    // Migration: the state is a serde-serialisable snapshot.
    let snapshot = smmu.snapshot().to_json();
    println!("snapshot: {} bytes of JSON", snapshot.len());
}
