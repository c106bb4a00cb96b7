//! The device through its MMIO interface: bring-up of both banks, translation,
//! the GBPA handshake, S_INIT, STATUSR.DORMANT, Secure-bank gating, interrupts and
//! MSIs, and the register-level trace.

mod common;

use common::device::*;
use common::*;
use smmu::builders::command;
use smmu::evtq::EventDelivery;
use smmu::gerror::GlobalError;
use smmu::irq::{Interrupt, IrqLine, IrqSource, MsiOutcome};
use smmu::regfile::{Gbpa, GerrorIrqCfg0, IrqCtrl, Reg, SInit};
use smmu::trace::TraceRecord;
use smmu::translate::{Bypass, Outcome};
use smmu::{Event, EventType, Invalidation, Pas, SecSid, SmmuConfig};

const NS: SecSid = SecSid::NonSecure;
const S: SecSid = SecSid::Secure;
const IOVA: u64 = 0x0000_0080_8060_4567;

fn f_translation_read(sid: u32, iova: u64) -> [u64; 4] {
    // Type 0x10, StreamID in [63:32]; RnW (bit 99) and CLASS = IN (0b10 at 105:104);
    // InputAddr.
    [0x10 | u64::from(sid) << 32, 1 << 35 | 0b10 << 40, iova, 0]
}

#[test]
fn non_secure_bring_up_translation_and_fault() {
    let mut smmu = full();
    bring_up(&mut smmu, NS, true);
    assert_eq!(r32(&mut smmu, Reg::Cr0ack(NS)), cr0(true, true, true));
    assert_eq!(r32(&mut smmu, Reg::CmdqCons(NS)), 3);
    stage1_stream(&mut smmu, NS, 8, 1, IOVA, 0x4ECB_A000, RW);
    match smmu.translate(&read(NS, 8, IOVA)).unwrap() {
        Outcome::Translated(t) => assert_eq!((t.output_addr, t.pas), (0x4ECB_A567, Pas::NonSecure)),
        other => panic!("{other:?}"),
    }
    smmu.interrupts_mut().take();
    // An unmapped page: F_TRANSLATION in the Non-secure queue, interrupt on the
    // empty -> non-empty transition only.
    let bad = 0x0000_0080_9000_0010;
    assert!(matches!(
        smmu.translate(&read(NS, 8, bad)).unwrap(),
        Outcome::Fault(_)
    ));
    assert!(matches!(
        smmu.translate(&read(NS, 8, bad)).unwrap(),
        Outcome::Fault(_)
    ));
    assert_eq!(r32(&mut smmu, Reg::EventqProd(NS)), 2);
    assert_eq!(
        smmu.interrupts().log,
        [Interrupt::Wired(IrqLine {
            bank: NS,
            source: IrqSource::EventQueue
        })]
    );
    assert_eq!(take_events(&mut smmu, NS), [f_translation_read(8, bad); 2]);
    // The Secure queue saw nothing.
    assert_eq!(r32(&mut smmu, Reg::EventqProd(S)), 0);
}

#[test]
fn secure_bring_up_with_s_gbpa_and_s_init() {
    let mut smmu = full();
    let seen = listen(&mut smmu);
    // TF-A: default-deny on both banks through the GBPA update handshake.
    let abort = Gbpa::from_bits(0x1000).with_abort_raw(1).with_update(true);
    for bank in [NS, S] {
        assert!(!Gbpa::from_bits(r32(&mut smmu, Reg::Gbpa(bank))).update());
        w32(&mut smmu, Reg::Gbpa(bank), abort.bits());
        assert_eq!(r32(&mut smmu, Reg::Gbpa(bank)), 0x0010_1000);
    }
    assert_eq!(smmu.translate(&read(S, 3, IOVA)).unwrap(), Outcome::Abort);
    // S_INIT with every SMMUEN 0: taken, and INV_ALL reads 0 when done.
    w32(
        &mut smmu,
        Reg::SInit,
        SInit::from_bits(0).with_inv_all(true).bits(),
    );
    assert_eq!(r32(&mut smmu, Reg::SInit), 0);
    assert_eq!(*seen.lock().unwrap(), [Invalidation::All]);
    assert!(smmu.registers().statusr().dormant());
    bring_up(&mut smmu, S, true);
    stage1_stream(&mut smmu, S, 3, 7, IOVA, 0x0ECB_A000, RW);
    match smmu.translate(&read(S, 3, IOVA)).unwrap() {
        Outcome::Translated(t) => assert_eq!((t.output_addr, t.pas), (0x0ECB_A567, Pas::Secure)),
        other => panic!("{other:?}"),
    }
    assert!(!smmu.registers().statusr().dormant());
    // The NS bank is still disabled and aborting.
    assert_eq!(smmu.translate(&read(NS, 3, IOVA)).unwrap(), Outcome::Abort);
    // A Secure fault goes to the Secure queue only.
    let bad = 0x1000;
    assert!(matches!(
        smmu.translate(&read(S, 3, bad)).unwrap(),
        Outcome::Fault(_)
    ));
    assert_eq!(take_events(&mut smmu, S), [f_translation_read(3, bad)]);
    assert_eq!(r32(&mut smmu, Reg::EventqProd(NS)), 0);
    // CFGI_ALL(SSec = 1) + TLBI_NH_ALL of bring_up reached the Secure state only.
    let log = seen.lock().unwrap();
    assert_eq!(log[1].sec_sid(), Some(S));
    assert_eq!(log[2].sec_sid(), Some(S));
}

#[test]
fn s_init_is_ignored_while_any_smmuen_is_set() {
    let mut smmu = full();
    bring_up(&mut smmu, NS, true);
    stage1_stream(&mut smmu, NS, 8, 1, IOVA, 0x4ECB_A000, RW);
    smmu.translate(&read(NS, 8, IOVA)).unwrap();
    let seen = listen(&mut smmu);
    smmu.trace_mut().clear();
    let e = w32(&mut smmu, Reg::SInit, 1);
    // Ignored by S_INIT's write guard: INV_ALL never reads 1, nothing is invalidated,
    // and the model has nothing to clear.
    assert!(e.guarded().contains(0));
    assert_eq!(r32(&mut smmu, Reg::SInit), 0);
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(smmu.translator().tlb().len(), 1);
    assert!(!smmu
        .trace()
        .iter()
        .any(|t| matches!(t, TraceRecord::Hw { .. })));
    // A Non-secure access cannot reach S_INIT at all.
    let traced = smmu.trace().len();
    smmu.mmio_write(Reg::SInit.address(), 4, 1, NS);
    assert_eq!(smmu.trace().len(), traced + 1);
    assert_eq!(r32(&mut smmu, Reg::SInit), 0);
    // With every SMMUEN and ACK 0: taken.
    w32(&mut smmu, Reg::Cr0(NS), cr0(false, true, true));
    w32(&mut smmu, Reg::SInit, 1);
    assert_eq!(*seen.lock().unwrap(), [Invalidation::All]);
    assert!(smmu.translator().tlb().is_empty());
}

#[test]
fn gbpa_handshake_and_bypass() {
    let mut smmu = full();
    // Reset: bypass, SHCFG = use incoming.
    assert_eq!(r32(&mut smmu, Reg::Gbpa(NS)), 0x1000);
    let bypass = smmu.translate(&read(NS, 5, 0x1234)).unwrap();
    assert!(matches!(
        bypass,
        Outcome::Bypass(Bypass {
            output_addr: 0x1234,
            pas: Pas::NonSecure,
            ..
        })
    ));
    // A write without UPDATE is ignored (IHI0070 6.3.14.1).
    w32(
        &mut smmu,
        Reg::Gbpa(NS),
        Gbpa::from_bits(0x1000).with_abort_raw(1).bits(),
    );
    assert_eq!(r32(&mut smmu, Reg::Gbpa(NS)), 0x1000);
    // With UPDATE: taken at once, UPDATE reads 0.
    let secure_out = Gbpa::from_bits(0x1000)
        .with_nscfg_raw(0b10)
        .with_update(true);
    w32(&mut smmu, Reg::Gbpa(S), secure_out.bits());
    assert_eq!(r32(&mut smmu, Reg::Gbpa(S)), 0x9000);
    let mut request = read(S, 5, 0x2345);
    request.ns = true;
    // S_GBPA.NSCFG = Secure overrides the incoming NS attribute.
    assert!(matches!(
        smmu.translate(&request).unwrap(),
        Outcome::Bypass(Bypass {
            pas: Pas::Secure,
            ..
        })
    ));
    // No event while disabled, even for an abort.
    w32(
        &mut smmu,
        Reg::Gbpa(NS),
        Gbpa::from_bits(0x1000)
            .with_abort_raw(1)
            .with_update(true)
            .bits(),
    );
    assert_eq!(
        smmu.translate(&read(NS, 5, 0x1234)).unwrap(),
        Outcome::Abort
    );
    assert_eq!(
        smmu.stats().events_written + smmu.stats().events_discarded,
        0
    );
}

#[test]
fn secure_bank_is_gated() {
    let mut smmu = full();
    // Non-secure accesses to the Secure bank: RAZ/WI.
    assert_eq!(smmu.mmio_read(Reg::SIdr1.address(), 4, NS), 0);
    smmu.mmio_write(Reg::Cr0(S).address(), 4, 0xD, NS);
    assert_eq!(r32(&mut smmu, Reg::Cr0(S)), 0);
    assert_ne!(r32(&mut smmu, Reg::SIdr1), 0);
    // Without Secure state the bank reads as zero even for Secure accesses, and
    // Secure streams cannot exist.
    let mut smmu = new_smmu(SmmuConfig {
        secure_impl: false,
        secure_stage2: false,
        ..SmmuConfig::default()
    });
    assert_eq!(r32(&mut smmu, Reg::SIdr1), 0);
    w32(&mut smmu, Reg::Cr0(S), 0xD);
    assert_eq!(r32(&mut smmu, Reg::Cr0ack(S)), 0);
    assert_eq!(
        smmu.translate(&read(S, 1, 0)),
        Err(smmu::RequestError::SecureStateNotImplemented)
    );
}

#[test]
fn dormant_follows_what_may_be_cached() {
    let mut smmu = full();
    assert!(
        smmu.registers().statusr().dormant(),
        "nothing cached at reset"
    );
    // Bypass through a disabled bank caches nothing.
    smmu.translate(&read(NS, 1, 0)).unwrap();
    assert!(smmu.registers().statusr().dormant());
    bring_up(&mut smmu, NS, true);
    smmu.translate(&read(NS, 1, 0)).unwrap();
    assert_eq!(r32(&mut smmu, Reg::Statusr), 0);
    w32(&mut smmu, Reg::Cr0(NS), 0);
    w32(&mut smmu, Reg::SInit, 1);
    assert_eq!(r32(&mut smmu, Reg::Statusr), 1);
}

#[test]
fn event_queue_overflow_toggles_ovflg_only_without_pending_overflow() {
    let mut smmu = full();
    bring_up(&mut smmu, NS, true);
    let event = Event::new(EventType::BadSte, NS, 9, None);
    for _ in 0..64 {
        assert_eq!(smmu.record_event(&event), EventDelivery::Written);
    }
    // PROD = index 0, wrap 1: full.
    assert_eq!(r32(&mut smmu, Reg::EventqProd(NS)), 64);
    assert_eq!(smmu.record_event(&event), EventDelivery::Overflow);
    assert_eq!(r32(&mut smmu, Reg::EventqProd(NS)), 0x8000_0040);
    // A second overflow while the first is unacknowledged is not reported.
    assert_eq!(smmu.record_event(&event), EventDelivery::Overflow);
    assert_eq!(r32(&mut smmu, Reg::EventqProd(NS)), 0x8000_0040);
    // Consume everything and acknowledge: OVACKFLG = OVFLG.
    assert_eq!(take_events(&mut smmu, NS).len(), 64);
    w32(&mut smmu, Reg::EventqCons(NS), 0x8000_0040);
    for _ in 0..64 {
        smmu.record_event(&event);
    }
    assert_eq!(smmu.record_event(&event), EventDelivery::Overflow);
    assert_eq!(r32(&mut smmu, Reg::EventqProd(NS)), 0x0000_0000);
    assert_eq!(smmu.stats().overflows, 3);
    // Every record is exact: C_BAD_STE for StreamID 9.
    assert_eq!(
        take_events(&mut smmu, NS)[63],
        [0x0000_0009_0000_0004, 0, 0, 0]
    );
}

#[test]
fn events_are_discarded_while_the_queue_is_disabled() {
    let mut smmu = full();
    bring_up(&mut smmu, NS, true);
    w32(&mut smmu, Reg::Cr0(NS), cr0(true, false, true));
    let event = Event::new(EventType::BadSte, NS, 1, None);
    assert_eq!(smmu.record_event(&event), EventDelivery::QueueDisabled);
    assert_eq!(r32(&mut smmu, Reg::EventqProd(NS)), 0);
    // Not recorded (CD.R = 0 and alike): never offered.
    let quiet = Event {
        record: false,
        ..event
    };
    w32(&mut smmu, Reg::Cr0(NS), cr0(true, true, true));
    assert_eq!(smmu.record_event(&quiet), EventDelivery::NotRecorded);
    assert_eq!(smmu.record_event(&event), EventDelivery::Written);
}

#[test]
fn event_queue_write_abort_is_eventq_abt_err() {
    let mut smmu = full();
    bring_up(&mut smmu, S, true);
    // Point the Secure event queue outside Secure memory.
    w32(&mut smmu, Reg::Cr0(S), cr0(true, false, true));
    w64(&mut smmu, Reg::EventqBase(S), 0x7000_0000 | 6);
    w32(&mut smmu, Reg::Cr0(S), cr0(true, true, true));
    smmu.interrupts_mut().take();
    let event = Event::new(EventType::BadSte, S, 1, None);
    assert_eq!(smmu.record_event(&event), EventDelivery::WriteAborted);
    assert!(smmu.global_error_active(S, GlobalError::EventQueueAbort));
    assert_eq!(r32(&mut smmu, Reg::Gerror(S)), 0b100);
    assert_eq!(r32(&mut smmu, Reg::EventqProd(S)), 0, "synchronous abort");
    assert_eq!(
        smmu.interrupts().pulses(),
        [IrqLine {
            bank: S,
            source: IrqSource::GlobalError
        }]
    );
    // Not writable while the error is active.
    assert_eq!(smmu.record_event(&event), EventDelivery::AbortPending);
    // Acknowledge, fix the queue: writable again.
    w32(&mut smmu, Reg::Gerrorn(S), 0b100);
    w32(&mut smmu, Reg::Cr0(S), cr0(true, false, true));
    w64(&mut smmu, Reg::EventqBase(S), eventq_base(S) | 6);
    w32(&mut smmu, Reg::Cr0(S), cr0(true, true, true));
    assert_eq!(smmu.record_event(&event), EventDelivery::Written);
    // The Non-secure GERROR never moved.
    assert_eq!(r32(&mut smmu, Reg::Gerror(NS)), 0);
}

#[test]
fn interrupts_and_msis() {
    let mut smmu = full();
    bring_up(&mut smmu, NS, true);
    bring_up(&mut smmu, S, true);
    // Program the Event queue and GERROR MSIs (IRQEN must be 0 to write them).
    for bank in [NS, S] {
        w32(&mut smmu, Reg::IrqCtrl(bank), 0);
        w64(&mut smmu, Reg::EventqIrqCfg0(bank), ram(bank) + 0x7_0000);
        w32(
            &mut smmu,
            Reg::EventqIrqCfg1(bank),
            0xE0 + bank.index() as u32,
        );
        w64(
            &mut smmu,
            Reg::GerrorIrqCfg0(bank),
            GerrorIrqCfg0::from_bits(0)
                .with_addr((ram(bank) + 0x7_0010) >> 2)
                .bits(),
        );
        w32(&mut smmu, Reg::GerrorIrqCfg1(bank), 0x6E);
        let enable = IrqCtrl::from_bits(0)
            .with_gerror_irqen(true)
            .with_eventq_irqen(true);
        w32(&mut smmu, Reg::IrqCtrl(bank), enable.bits());
    }
    smmu.interrupts_mut().take();
    // A Secure event: wired pulse, then a Secure MSI written to Secure memory.
    smmu.record_event(&Event::new(EventType::BadSte, S, 1, None));
    let s_msi = S_RAM + 0x7_0000;
    assert_eq!(
        smmu.interrupts_mut().take(),
        [
            Interrupt::Wired(IrqLine {
                bank: S,
                source: IrqSource::EventQueue
            }),
            Interrupt::Msi {
                pas: Pas::Secure,
                addr: s_msi,
                data: 0xE1,
                outcome: MsiOutcome::Memory
            }
        ]
    );
    assert_eq!(smmu.memory().read_u64_at(Pas::Secure, s_msi), 0xE1);
    // An aborted event MSI: MSI_EVENTQ_ABT_ERR, whose GERROR interrupt MSI aborts
    // too: MSI_GERROR_ABT_ERR, which raises nothing more.
    let ns_msi = NS_RAM + 0x7_0000;
    smmu.interrupts_mut().aborting =
        vec![(Pas::NonSecure, ns_msi), (Pas::NonSecure, ns_msi + 0x10)];
    smmu.record_event(&Event::new(EventType::BadSte, NS, 1, None));
    assert_eq!(r32(&mut smmu, Reg::Gerror(NS)), 0b1010_0000);
    assert_eq!(
        smmu.interrupts().pulses(),
        [
            IrqLine {
                bank: NS,
                source: IrqSource::EventQueue
            },
            IrqLine {
                bank: NS,
                source: IrqSource::GlobalError
            }
        ]
    );
    assert_eq!(smmu.interrupts().log.len(), 4);
    smmu.interrupts_mut().take();
    // CMD_SYNC with SIG_IRQ on the Secure queue: CONS past the sync first, then the
    // CMD_SYNC line and a Secure MSI.
    let sync_msi = S_RAM + 0x7_0100;
    submit(&mut smmu, S, &[command::sync(1, sync_msi, 0x5EC)]);
    assert_eq!(
        smmu.interrupts_mut().take(),
        [
            Interrupt::Wired(IrqLine {
                bank: S,
                source: IrqSource::CmdSync
            }),
            Interrupt::Msi {
                pas: Pas::Secure,
                addr: sync_msi,
                data: 0x5EC,
                outcome: MsiOutcome::Memory
            }
        ]
    );
    assert_eq!(smmu.memory().read_u64_at(Pas::Secure, sync_msi), 0x5EC);
    // A CMD_SYNC MSI that aborts: MSI_CMDQ_ABT_ERR and a GERROR interrupt.
    smmu.interrupts_mut().aborting = vec![(Pas::Secure, sync_msi)];
    submit(&mut smmu, S, &[command::sync(1, sync_msi, 1)]);
    assert_eq!(r32(&mut smmu, Reg::Gerror(S)), 0b1_0000);
    assert_eq!(
        smmu.interrupts().pulses().last().map(|l| l.source),
        Some(IrqSource::GlobalError)
    );
    // SIG_NONE and SIG_SEV (no SEV here) signal nothing; MSIAddress 0 sends no MSI.
    smmu.interrupts_mut().take();
    submit(
        &mut smmu,
        NS,
        &[command::sync(0, 0x1000, 1), command::sync(2, 0x1000, 1)],
    );
    assert!(smmu.interrupts().log.is_empty());
    submit(&mut smmu, NS, &[command::sync(1, 0, 1)]);
    assert_eq!(smmu.interrupts().log.len(), 1);
    assert_eq!(r32(&mut smmu, Reg::CmdqCons(NS)), 6);
}

#[test]
fn msis_are_not_sent_without_msi_support() {
    let mut smmu = new_smmu(SmmuConfig {
        msi: false,
        ..SmmuConfig::default()
    });
    bring_up(&mut smmu, NS, true);
    // The MSI configuration registers do not exist: RAZ/WI.
    w64(&mut smmu, Reg::EventqIrqCfg0(NS), 0x4007_0000);
    assert_eq!(r64(&mut smmu, Reg::EventqIrqCfg0(NS)), 0);
    smmu.interrupts_mut().take();
    submit(&mut smmu, NS, &[command::sync(1, 0x4007_0000, 1)]);
    smmu.record_event(&Event::new(EventType::BadSte, NS, 1, None));
    assert_eq!(
        smmu.interrupts()
            .pulses()
            .iter()
            .map(|l| l.source)
            .collect::<Vec<_>>(),
        [IrqSource::CmdSync, IrqSource::EventQueue]
    );
    assert_eq!(smmu.interrupts().log.len(), 2);
}

#[test]
fn the_trace_replays_onto_a_fresh_register_file() {
    let mut smmu = full();
    let config = smmu.config().clone();
    w32(&mut smmu, Reg::SInit, 1);
    bring_up(&mut smmu, NS, true);
    bring_up(&mut smmu, S, true);
    stage1_stream(&mut smmu, S, 3, 7, IOVA, 0x0ECB_A000, RW);
    smmu.translate(&read(S, 3, IOVA)).unwrap();
    smmu.translate(&read(S, 3, 0x1000)).unwrap();
    smmu.translate(&read(NS, 300, 0)).unwrap();
    // A reserved opcode: CERROR_ILL. Fixed in place and acknowledged: resumes.
    submit(&mut smmu, NS, &[command::op(0x09), command::sync(1, 0, 0)]);
    write_command(&mut smmu, NS, 3, command::cfgi_all(false));
    w32(&mut smmu, Reg::Gerrorn(NS), 1);
    assert_eq!(r32(&mut smmu, Reg::CmdqCons(NS)), 0x0100_0005);
    let regs = replay(&config, smmu.trace());
    assert_eq!(&regs, smmu.registers());
    // The hardware records are the fields the model drives.
    let hw: Vec<&str> = smmu
        .trace()
        .iter()
        .filter_map(|r| match r {
            TraceRecord::Hw { name, .. } => Some(name.as_ref()),
            _ => None,
        })
        .collect();
    assert_eq!(
        hw,
        ["dormant", "inv_all", "rd", "rd", "dormant", "wr", "err", "cmdq_err", "rd"]
    );
}

#[test]
fn a_second_error_while_active_is_not_logged() {
    let mut smmu = full();
    bring_up(&mut smmu, NS, true);
    w32(&mut smmu, Reg::IrqCtrl(NS), 0);
    w64(&mut smmu, Reg::EventqIrqCfg0(NS), 0x7000_0000); // no memory there: aborts
    w32(
        &mut smmu,
        Reg::IrqCtrl(NS),
        IrqCtrl::from_bits(0)
            .with_gerror_irqen(true)
            .with_eventq_irqen(true)
            .bits(),
    );
    smmu.interrupts_mut().take();
    let event = Event::new(EventType::BadSte, NS, 1, None);
    for _ in 0..2 {
        // Empty -> non-empty each time: two aborted MSIs.
        smmu.record_event(&event);
        take_events(&mut smmu, NS);
    }
    // MSI_EVENTQ_ABT_ERR was toggled once, not back by the second abort, and raised
    // one GERROR interrupt.
    assert_eq!(r32(&mut smmu, Reg::Gerror(NS)), 0b10_0000);
    let gerror_irqs = smmu
        .interrupts()
        .pulses()
        .iter()
        .filter(|l| l.source == IrqSource::GlobalError)
        .count();
    assert_eq!(gerror_irqs, 1);
    // After the acknowledge the next abort is logged again.
    w32(&mut smmu, Reg::Gerrorn(NS), 0b10_0000);
    smmu.record_event(&event);
    assert_eq!(r32(&mut smmu, Reg::Gerror(NS)), 0);
    assert!(smmu.global_error_active(NS, GlobalError::MsiEventQueueAbort));
}

/// A trace and an interrupt sink writing into one log, to see their order.
#[derive(Clone, Default)]
struct SharedLog(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl smmu::TraceSink for SharedLog {
    fn record(&mut self, record: TraceRecord) {
        if let TraceRecord::Hw {
            path, name, value, ..
        } = record
        {
            self.0
                .lock()
                .unwrap()
                .push(format!("{path}.{name}={value:#x}"));
        }
    }
}

impl smmu::InterruptSink for SharedLog {
    fn pulse(&mut self, line: IrqLine) {
        self.0.lock().unwrap().push(format!("pulse {line}"));
    }

    fn msi_write(&mut self, _pas: Pas, addr: u64, data: u32) -> MsiOutcome {
        self.0
            .lock()
            .unwrap()
            .push(format!("msi {addr:#x}={data:#x}"));
        MsiOutcome::Delivered
    }
}

#[test]
fn consumption_is_visible_before_the_completion_signal() {
    let log = SharedLog::default();
    let mut smmu =
        smmu::Smmu::with_trace(SmmuConfig::default(), guest(), log.clone(), log.clone()).unwrap();
    let cmdq = NS_RAM + 0x4_0000;
    let reg = |r: Reg| r.address();
    smmu.mmio_write(reg(Reg::CmdqBase(NS)), 8, cmdq | 4, NS);
    smmu.mmio_write(reg(Reg::Cr0(NS)), 4, u64::from(cr0(false, false, true)), NS);
    smmu.memory_mut()
        .write_u64s(Pas::NonSecure, cmdq, &command::sync(1, NS_RAM + 0x100, 9))
        .unwrap();
    log.0.lock().unwrap().clear();
    smmu.mmio_write(reg(Reg::CmdqProd(NS)), 4, 1, NS);
    // IHI0070 4.7.3: CONS passes the CMD_SYNC before its interrupt and MSI.
    assert_eq!(
        *log.0.lock().unwrap(),
        [
            "smmuv3.ns.cmdq_cons.rd=0x1",
            "pulse ns.cmd_sync",
            "msi 0x40000100=0x9"
        ]
    );
}

#[test]
fn qemu_7_2_builds_and_translates_stage_1() {
    // The register file advertises exactly QEMU 7.2's configuration (stage 1 only,
    // no MSI, no Secure state, CD2L = VMID16 = ATTR_*_OVR = 0), so Smmu::new takes it.
    let config = SmmuConfig::qemu_7_2();
    let mut smmu = new_smmu(config);
    let idr0 = smmu.registers().idr0();
    assert!(idr0.s1p() && !idr0.s2p() && !idr0.msi() && !idr0.hyp());
    assert!(!idr0.vmw() && !idr0.vmid16() && !idr0.cd2l() && idr0.asid16());
    let idr1 = smmu.registers().idr1();
    assert!(!idr1.attr_perms_ovr() && !idr1.attr_types_ovr());
    assert_eq!(r32(&mut smmu, Reg::SIdr1), 0, "no Secure state");
    bring_up(&mut smmu, NS, true);
    stage1_stream(&mut smmu, NS, 8, 1, IOVA, 0x4ECB_A000, RW);
    match smmu.translate(&read(NS, 8, IOVA)).unwrap() {
        Outcome::Translated(t) => assert_eq!((t.output_addr, t.pas), (0x4ECB_A567, Pas::NonSecure)),
        other => panic!("{other:?}"),
    }
    // CR0.VMW is RES0 without stage 2.
    let e = w32(&mut smmu, Reg::Cr0(NS), cr0(true, true, true) | 0x1C0);
    assert_eq!(e.new, u64::from(cr0(true, true, true)));
}

#[test]
fn index_bits_above_the_wrap_flag_read_as_zero_in_smmu_written_registers() {
    let mut smmu = full();
    let config = smmu.config().clone();
    for bank in [NS, S] {
        // Queues disabled: CONS and EVENTQ_PROD are writable by software.
        w64(&mut smmu, Reg::CmdqBase(bank), cmdq_base(bank) | 8);
        w64(&mut smmu, Reg::EventqBase(bank), eventq_base(bank) | 6);
        // IHI0070 6.3.28, 6.3.76: with QS < 19, CMDQ_CONS[19:QS+1] are RAZ.
        w32(&mut smmu, Reg::CmdqCons(bank), 0xA_BCDE);
        assert_eq!(r32(&mut smmu, Reg::CmdqCons(bank)), 0x0DE);
        // The same for EVENTQ_PROD.WR; OVFLG (bit 31) is kept.
        w32(&mut smmu, Reg::EventqProd(bank), 0x8000_0000 | 0xA_BCDE);
        assert_eq!(r32(&mut smmu, Reg::EventqProd(bank)), 0x8000_005E);
        // A smaller queue truncates the stored value to its new wrap flag.
        w64(&mut smmu, Reg::CmdqBase(bank), cmdq_base(bank) | 2);
        assert_eq!(r32(&mut smmu, Reg::CmdqCons(bank)), 0x6);
        w64(&mut smmu, Reg::EventqBase(bank), eventq_base(bank) | 3);
        assert_eq!(r32(&mut smmu, Reg::EventqProd(bank)), 0x8000_000E);
        // The software-written twins may keep the bits (IHI0070 6.3.27: "might be
        // stored but has no other effect"): this model stores them.
        w32(&mut smmu, Reg::CmdqProd(bank), 0xA_BCDE);
        assert_eq!(r32(&mut smmu, Reg::CmdqProd(bank)), 0xA_BCDE);
    }
    // The masking is a hardware update in the trace, so a replay agrees.
    assert_eq!(&replay(&config, smmu.trace()), smmu.registers());
}

#[test]
fn a_memory_msi_whose_write_aborts_is_logged_as_aborted() {
    let mut smmu = full();
    bring_up(&mut smmu, NS, true);
    smmu.interrupts_mut().take();
    // The sink leaves the MSI to memory, but nothing is at its address.
    let nowhere = 0x10_0000_0000;
    submit(&mut smmu, NS, &[command::sync(1, nowhere, 0x77)]);
    let log = smmu.interrupts_mut().take();
    assert_eq!(
        log[1],
        Interrupt::Msi {
            pas: Pas::NonSecure,
            addr: nowhere,
            data: 0x77,
            outcome: MsiOutcome::Aborted
        }
    );
    // MSI_CMDQ_ABT_ERR, whose GERROR interrupt follows.
    assert_eq!(r32(&mut smmu, Reg::Gerror(NS)), 0b1_0000);
    assert_eq!(
        log.last(),
        Some(&Interrupt::Wired(IrqLine {
            bank: NS,
            source: IrqSource::GlobalError
        }))
    );
}
