//! Property tests of the device: arbitrary command queue contents, pointers, queue
//! sizes and register writes never panic or loop, every MMIO write does work
//! bounded by the queue size, and the trace always replays.

mod common;

use common::device::*;
use common::*;
use proptest::prelude::*;
use smmu::regfile::{CmdqBase, Reg};
use smmu::{SecSid, SmmuConfig};

const NS: SecSid = SecSid::NonSecure;
const S: SecSid = SecSid::Secure;

/// A 16-byte command: a real opcode with random operands, or random bytes.
fn raw_command() -> impl Strategy<Value = [u64; 2]> {
    let opcodes = prop_oneof![
        Just(0x01u64),
        Just(0x02),
        Just(0x03),
        Just(0x04),
        Just(0x05),
        Just(0x06),
        Just(0x10),
        Just(0x11),
        Just(0x12),
        Just(0x13),
        Just(0x18),
        Just(0x1A),
        Just(0x20),
        Just(0x21),
        Just(0x22),
        Just(0x23),
        Just(0x28),
        Just(0x2A),
        Just(0x30),
        Just(0x46),
        Just(0x50),
        Just(0x58),
        Just(0x5A),
        Just(0x60),
        0u64..0x100,
    ];
    (opcodes, any::<u64>(), any::<u64>()).prop_map(|(op, hi, d1)| [op | (hi & !0xFF), d1])
}

#[derive(Clone, Debug)]
enum Poke {
    /// CMDQ_PROD := value.
    Prod(SecSid, u32),
    /// CMDQ_CONS := value (taken only while CMDQEN is 0).
    Cons(SecSid, u32),
    /// CR0 := value.
    Cr0(SecSid, u32),
    /// GERRORN := value.
    Gerrorn(SecSid, u32),
    /// CMDQ_BASE := queue base | LOG2SIZE.
    Log2size(SecSid, u8),
    /// A transaction (may record an event).
    Dma(SecSid, u32, u64),
}

fn poke() -> impl Strategy<Value = Poke> {
    let bank = prop_oneof![Just(NS), Just(S)];
    prop_oneof![
        4 => (bank.clone(), any::<u32>()).prop_map(|(b, v)| Poke::Prod(b, v)),
        1 => (bank.clone(), any::<u32>()).prop_map(|(b, v)| Poke::Cons(b, v)),
        1 => (bank.clone(), 0u32..0x200).prop_map(|(b, v)| Poke::Cr0(b, v)),
        2 => (bank.clone(), any::<u32>()).prop_map(|(b, v)| Poke::Gerrorn(b, v)),
        1 => (bank.clone(), 0u8..32).prop_map(|(b, v)| Poke::Log2size(b, v)),
        1 => (bank, 0u32..600, any::<u64>()).prop_map(|(b, s, a)| Poke::Dma(b, s, a)),
    ]
}

/// A case that runs this long is a hang, reported as a failure of that case rather
/// than a stalled test run (generous: debug build, two shared cores).
const HANG_MS: u32 = 20_000;

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, timeout: HANG_MS, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_queues_and_pointers_do_bounded_work(
        cmdq_log2_max in 0u8..10,
        commands in proptest::collection::vec(raw_command(), 1..64),
        pokes in proptest::collection::vec(poke(), 1..48),
    ) {
        let config = SmmuConfig { cmdq_log2_max, eventq_log2_max: 3, ..SmmuConfig::default() };
        let mut smmu = new_smmu(config.clone());
        for bank in [NS, S] {
            bring_up(&mut smmu, bank, true);
            // Fill the first entries of the (up to 512-entry) queue region.
            for (i, cmd) in commands.iter().enumerate() {
                let addr = cmdq_base(bank) + 16 * i as u64;
                smmu.memory_mut().write_u64s(pas(bank), addr, cmd).unwrap();
            }
        }
        for p in &pokes {
            let before = smmu.stats().commands + smmu.stats().command_errors;
            let bank = match p {
                Poke::Prod(b, v) => { w32(&mut smmu, Reg::CmdqProd(*b), *v); *b }
                Poke::Cons(b, v) => { w32(&mut smmu, Reg::CmdqCons(*b), *v); *b }
                Poke::Cr0(b, v) => { w32(&mut smmu, Reg::Cr0(*b), *v); *b }
                Poke::Gerrorn(b, v) => { w32(&mut smmu, Reg::Gerrorn(*b), *v); *b }
                Poke::Log2size(b, l) => {
                    let base = CmdqBase::from_bits(cmdq_base(*b)).with_log2size(*l);
                    w64(&mut smmu, Reg::CmdqBase(*b), base.bits());
                    *b
                }
                Poke::Dma(b, sid, iova) => {
                    let mut buf = [0u8; 64];
                    let _ = smmu.dma_read(&read(*b, *sid, *iova), &mut buf);
                    *b
                }
            };
            // At most one queue's worth of commands (plus the one that errs) per
            // write: 2^MIN(LOG2SIZE, CMDQS).
            let log2 = smmu.registers().bank(bank).cmdq_base().log2size().min(cmdq_log2_max);
            let work = smmu.stats().commands + smmu.stats().command_errors - before;
            prop_assert!(work <= (1u64 << log2) + 1, "{p:?}: {work} commands");
            let stats = smmu.stats();
            prop_assert!(stats.events_written <= stats.translations);
        }
        // The whole run replays on a fresh register file.
        let regs = replay(&config, smmu.trace());
        prop_assert_eq!(&regs, smmu.registers());
    }

    /// Garbage event queue pointers and sizes: an event never loops and is written,
    /// overflows or is discarded, and PROD stays inside index + wrap.
    #[test]
    fn arbitrary_event_queue_pointers(
        prod in any::<u32>(),
        cons in any::<u32>(),
        log2 in 0u64..32,
        events in 1usize..80,
    ) {
        let mut smmu = full();
        bring_up(&mut smmu, S, true);
        w32(&mut smmu, Reg::Cr0(S), cr0(true, false, true));
        w64(&mut smmu, Reg::EventqBase(S), eventq_base(S) | log2);
        w32(&mut smmu, Reg::EventqProd(S), prod);
        w32(&mut smmu, Reg::Cr0(S), cr0(true, true, true));
        w32(&mut smmu, Reg::EventqCons(S), cons);
        for i in 0..events {
            let e = smmu::Event::new(smmu::EventType::BadSte, S, i as u32, None);
            smmu.record_event(&e);
        }
        let stats = smmu.stats();
        prop_assert_eq!(stats.events_written + stats.events_discarded, events as u64);
        // Once the SMMU has written PROD, it holds only index and wrap bits.
        if stats.events_written > 0 {
            let qs = log2.min(19);
            let wr = smmu.registers().bank(S).eventq_prod().wr();
            prop_assert!(u64::from(wr) < 1 << (qs + 1), "PROD {wr:#x}, QS {qs}");
        }
    }
}
