//! A small "driver" for device tests: register accesses by generated register
//! identity (never by hand-written offset), queue bring-up like Linux and TF-A, and
//! command submission.

use smmu::builders::command;
use smmu::regfile::{Cr0, EventqCons, IrqCtrl, Reg, StrtabBaseCfg, WriteEffect};
use smmu::trace::TraceRecord;
use smmu::{InMemoryGuest, Pas, RecordingInterruptSink, SecSid, Smmu, SmmuConfig};

use super::{guest, pas, ram, CD_OFFSET};

/// The device under test: memory of `guest()`, a recording sink and a trace.
pub type TestSmmu = Smmu<InMemoryGuest, RecordingInterruptSink, Vec<TraceRecord>>;

/// Command queue: 256 entries at RAM + 0x4_0000.
pub const CMDQ_OFFSET: u64 = 0x4_0000;
/// Command queue LOG2SIZE.
pub const CMDQ_LOG2: u32 = 8;
/// Event queue: 64 entries at RAM + 0x6_0000.
pub const EVENTQ_OFFSET: u64 = 0x6_0000;
/// Event queue LOG2SIZE.
pub const EVENTQ_LOG2: u32 = 6;
/// Stream table LOG2SIZE (linear, 256 STEs at the RAM base).
pub const STRTAB_LOG2: u32 = 8;

pub fn new_smmu(config: SmmuConfig) -> TestSmmu {
    Smmu::with_trace(config, guest(), RecordingInterruptSink::new(), Vec::new())
        .expect("representable config")
}

pub fn full() -> TestSmmu {
    new_smmu(SmmuConfig::default())
}

/// Accesses go in the register's own Security state.
pub fn w32(smmu: &mut TestSmmu, reg: Reg, value: u32) -> WriteEffect {
    smmu.mmio_write(reg.address(), 4, u64::from(value), reg.bank())
}

pub fn w64(smmu: &mut TestSmmu, reg: Reg, value: u64) -> WriteEffect {
    smmu.mmio_write(reg.address(), 8, value, reg.bank())
}

pub fn r32(smmu: &mut TestSmmu, reg: Reg) -> u32 {
    smmu.mmio_read(reg.address(), 4, reg.bank()) as u32
}

pub fn r64(smmu: &mut TestSmmu, reg: Reg) -> u64 {
    smmu.mmio_read(reg.address(), 8, reg.bank())
}

pub fn cmdq_base(bank: SecSid) -> u64 {
    ram(bank) + CMDQ_OFFSET
}

pub fn eventq_base(bank: SecSid) -> u64 {
    ram(bank) + EVENTQ_OFFSET
}

pub fn cr0(smmuen: bool, eventqen: bool, cmdqen: bool) -> u32 {
    Cr0::from_bits(0)
        .with_smmuen(smmuen)
        .with_eventqen(eventqen)
        .with_cmdqen(cmdqen)
        .bits()
}

/// Programs the stream table, both queues and IRQ_CTRL of `bank`, then enables the
/// queues (CR0 = CMDQEN | EVENTQEN) and, with `smmuen`, translation.
pub fn bring_up(smmu: &mut TestSmmu, bank: SecSid, smmuen: bool) {
    w32(smmu, Reg::Cr0(bank), 0);
    w64(smmu, Reg::StrtabBase(bank), ram(bank));
    let cfg = StrtabBaseCfg::from_bits(0).with_log2size(STRTAB_LOG2 as u8);
    w32(smmu, Reg::StrtabBaseCfg(bank), cfg.bits());
    w64(
        smmu,
        Reg::CmdqBase(bank),
        cmdq_base(bank) | u64::from(CMDQ_LOG2),
    );
    w32(smmu, Reg::CmdqProd(bank), 0);
    w32(smmu, Reg::CmdqCons(bank), 0);
    w64(
        smmu,
        Reg::EventqBase(bank),
        eventq_base(bank) | u64::from(EVENTQ_LOG2),
    );
    w32(smmu, Reg::EventqProd(bank), 0);
    w32(smmu, Reg::EventqCons(bank), 0);
    let irq = IrqCtrl::from_bits(0)
        .with_gerror_irqen(true)
        .with_eventq_irqen(true);
    w32(smmu, Reg::IrqCtrl(bank), irq.bits());
    w32(smmu, Reg::Cr0(bank), cr0(false, true, true));
    submit(
        smmu,
        bank,
        &[
            command::cfgi_all(bank == SecSid::Secure),
            command::tlbi_nh_all(0),
            command::sync_none(),
        ],
    );
    if smmuen {
        w32(smmu, Reg::Cr0(bank), cr0(true, true, true));
    }
}

/// Writes `commands` at CMDQ_PROD and advances PROD past them.
pub fn submit(smmu: &mut TestSmmu, bank: SecSid, commands: &[[u64; 2]]) -> WriteEffect {
    let mut prod = r32(smmu, Reg::CmdqProd(bank));
    let mask = (1u32 << (CMDQ_LOG2 + 1)) - 1;
    for cmd in commands {
        write_command(smmu, bank, prod, *cmd);
        prod = (prod + 1) & mask;
    }
    w32(smmu, Reg::CmdqProd(bank), prod)
}

/// Writes one command at queue position `pointer` (index and wrap).
pub fn write_command(smmu: &mut TestSmmu, bank: SecSid, pointer: u32, cmd: [u64; 2]) {
    let index = u64::from(pointer & ((1 << CMDQ_LOG2) - 1));
    let addr = cmdq_base(bank) + index * 16;
    let mem = smmu.memory_mut();
    mem.write_u64(pas(bank), addr, cmd[0]).unwrap();
    mem.write_u64(pas(bank), addr + 8, cmd[1]).unwrap();
}

/// Reads the records between EVENTQ_CONS and EVENTQ_PROD and consumes them.
pub fn take_events(smmu: &mut TestSmmu, bank: SecSid) -> Vec<[u64; 4]> {
    let prod = r32(smmu, Reg::EventqProd(bank));
    let mut cons = r32(smmu, Reg::EventqCons(bank));
    let mask = (1u32 << (EVENTQ_LOG2 + 1)) - 1;
    let mut out = Vec::new();
    while (cons & mask) != (prod & mask) {
        let index = u64::from(cons & ((1 << EVENTQ_LOG2) - 1));
        let addr = eventq_base(bank) + index * 32;
        let mut rec = [0u64; 4];
        for (i, w) in rec.iter_mut().enumerate() {
            *w = smmu.memory().read_u64_at(pas(bank), addr + 8 * i as u64);
        }
        out.push(rec);
        cons = (cons + 1) & mask;
    }
    // Keep OVACKFLG: acknowledge no overflow.
    let old = EventqCons::from_bits(r32(smmu, Reg::EventqCons(bank)));
    w32(smmu, Reg::EventqCons(bank), old.with_rd(cons).bits());
    out
}

pub trait ReadU64 {
    fn read_u64_at(&self, pas: Pas, addr: u64) -> u64;
}

impl ReadU64 for InMemoryGuest {
    fn read_u64_at(&self, pas: Pas, addr: u64) -> u64 {
        use smmu::GuestMemory;
        self.read_u64(pas, addr).expect("in RAM")
    }
}

/// The CD address of stream `sid` of `bank`.
pub fn cd_addr(bank: SecSid, sid: u32) -> u64 {
    ram(bank) + CD_OFFSET + u64::from(sid) * 64
}

/// Stream `sid` of `bank` with stage 1 only: STE -> CD(asid) -> fresh 4 KB tables
/// mapping the page of `iova` to `pa` with `attrs`.
pub fn stage1_stream(
    smmu: &mut TestSmmu,
    bank: SecSid,
    sid: u32,
    asid: u16,
    iova: u64,
    pa: u64,
    attrs: u64,
) -> smmu::builders::PageTable {
    use smmu::builders::{CdBuilder, PageTable, SteBuilder};
    use smmu::walk::{Granule, WalkGeometry};
    let geometry = WalkGeometry::stage1(Granule::K4, 16).expect("48-bit VA");
    let pool = ram(bank) + super::POOL_OFFSET + u64::from(sid) * 0x4_0000;
    let mut tables = PageTable::new(pas(bank), pool, 0x4_0000, geometry).expect("pool");
    tables
        .map(smmu.memory_mut(), iova, pa, 3, attrs)
        .expect("map");
    let cd = cd_addr(bank, sid);
    CdBuilder::new(tables.root())
        .asid(asid)
        .write(smmu.memory_mut(), pas(bank), cd)
        .expect("CD");
    SteBuilder::stage1(cd)
        .write_linear(smmu.memory_mut(), pas(bank), ram(bank), sid)
        .expect("STE");
    tables
}

/// A read transaction of stream `sid` of `bank`.
pub fn read(bank: SecSid, sid: u32, iova: u64) -> smmu::TranslationRequest {
    smmu::TranslationRequest::new(bank, sid, iova, smmu::walk::AccessKind::Read)
}

/// Every invalidation the listener saw, shared with the test.
pub fn listen(smmu: &mut TestSmmu) -> std::sync::Arc<std::sync::Mutex<Vec<smmu::Invalidation>>> {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    smmu.set_invalidation_listener(Box::new(move |i: &smmu::Invalidation| {
        log.lock().expect("not poisoned").push(*i)
    }));
    seen
}

/// Replays a trace on a fresh register file, as the verification harness does on
/// the RTL: software accesses through the software path (checking every read),
/// hardware records through the hardware inputs. Returns the final register file.
pub fn replay(config: &SmmuConfig, trace: &[TraceRecord]) -> smmu::regfile::RegisterFile {
    use smmu::trace::HwInput;
    let mut regs = smmu::regfile::RegisterFile::new(&smmu::regfile::impl_defined(config));
    for (i, record) in trace.iter().enumerate() {
        match record {
            TraceRecord::MmioWrite {
                offset,
                size,
                security,
                value,
            } => {
                regs.write(*offset, *size, *value, *security);
            }
            TraceRecord::MmioRead {
                offset,
                size,
                security,
                value,
            } => {
                assert_eq!(regs.read(*offset, *size, *security), *value, "record {i}");
            }
            TraceRecord::Hw {
                reg,
                field,
                input,
                value,
                ..
            } => {
                let result = match input {
                    HwInput::Write => regs.hw_write_field(*reg, *field, *value).map(|_| ()),
                    HwInput::Set => regs.hw_set(*reg, *field).map(|_| ()),
                    HwInput::Clear => regs.hw_clr(*reg, *field).map(|_| ()),
                };
                assert_eq!(result, Ok(()), "record {i}: {record:?}");
            }
            TraceRecord::Reset => {
                regs = smmu::regfile::RegisterFile::new(&smmu::regfile::impl_defined(config))
            }
            TraceRecord::Restore { .. } => panic!("record {i}: restores are not replayed here"),
        }
    }
    regs
}
