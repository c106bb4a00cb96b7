//! Stimulus: directed traces for every access rule, and random traces.
//!
//! [`directed`] returns one named trace per rule of `regdef::access` as SMMUv3 uses it
//! (and the access-size policy), each on both banks where the rule has both.
//!
//! [`step_strategy`] is a proptest strategy for one step, weighted toward the parts of
//! the map where the rules interact: the enable bits of CR0/IRQ_CTRL (which open and
//! close the write guards, and whose ACK registers follow them), the guarded
//! registers (both 32-bit halves of the 64-bit ones), GBPA's update handshake,
//! S_INIT, Secure and Non-secure accesses to both banks, undefined offsets, sub-word
//! and refused accesses, and hardware updates of every hardware-writable field
//! interleaved with all of that. [`trace_strategy`] makes traces of it (proptest
//! shrinks a failing one); [`sample`] draws a trace from a seed for volume runs.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use regdef::access::{Completion, NextValue};
use regdef::ir::{RegisterMap, SecSid};

use crate::trace::{Header, Hex, HwInput, Step, Trace};

const S: SecSid = SecSid::Secure;
const NS: SecSid = SecSid::NonSecure;

fn off(map: &RegisterMap, path: &str) -> u64 {
    // The paths below are SMMUv3's; a renamed register fails the directed tests
    // loudly (offset u64::MAX is refused by the harness as out of range).
    map.find(path)
        .map(|id| map.reg(id).address)
        .unwrap_or(u64::MAX)
}

/// A named directed trace.
pub struct Directed {
    /// The rule it exercises.
    pub name: &'static str,
    /// The trace.
    pub trace: Trace,
}

fn named(name: &'static str, header: Header, steps: Vec<Step>) -> Directed {
    Directed {
        name,
        trace: Trace {
            header: Header {
                name: Some(name.to_string()),
                ..header
            },
            steps,
        },
    }
}

/// Reads of every register of both banks (Secure accesses reach both).
fn read_all(map: &RegisterMap) -> Vec<Step> {
    map.registers
        .iter()
        .map(|r| Step::read(r.address, r.width / 8, S))
        .collect()
}

/// Directed traces, one per access rule.
pub fn directed(map: &RegisterMap) -> Vec<Directed> {
    let o = |p: &str| off(map, p);
    let w = Step::write;
    let r = Step::read;
    let mut out = Vec::new();

    // Store, byte lanes, RES0 bits: CR1 and GERRORN with every access size.
    let mut steps = Vec::new();
    for (cr1, sec) in [(o("smmuv3.ns.cr1"), NS), (o("smmuv3.s.s_cr1"), S)] {
        steps.extend([
            w(cr1, 4, 0xFFFF_FFFF, sec),
            r(cr1, 4, sec),
            w(cr1, 1, 0x00, sec),
            r(cr1, 4, sec),
            w(cr1 + 1, 1, 0x5A, sec),
            r(cr1 + 1, 1, sec),
            w(cr1 + 2, 2, 0xFFFF, sec),
            r(cr1 + 2, 2, sec),
            r(cr1, 2, sec),
            r(cr1 + 3, 1, sec),
        ]);
    }
    let gerrorn = o("smmuv3.ns.gerrorn");
    steps.extend([
        w(gerrorn, 4, 0x1B5, NS),
        r(gerrorn, 4, NS),
        w(gerrorn, 2, 0, S),
        r(gerrorn, 4, S),
    ]);
    out.push(named("store_lanes_res0", Header::default(), steps));

    // Read-only registers and fields ignore writes (WriteRule::Ignore).
    let mut steps = Vec::new();
    for p in [
        "smmuv3.ns.idr0",
        "smmuv3.ns.idr5",
        "smmuv3.ns.cr0ack",
        "smmuv3.ns.gerror",
        "smmuv3.ns.agbpa",
        "smmuv3.ns.cidr1",
        "smmuv3.s.s_idr1",
        "smmuv3.s.s_cr0ack",
        "smmuv3.s.s_gerror",
    ] {
        let a = o(p);
        steps.extend([
            r(a, 4, S),
            w(a, 4, 0xFFFF_FFFF, S),
            r(a, 4, S),
            w(a, 4, 0, NS),
            r(a, 4, NS),
        ]);
    }
    let cons = o("smmuv3.ns.cmdq_cons");
    steps.extend([w(cons, 4, 0x7F00_0003, NS), r(cons, 4, NS)]);
    out.push(named("read_only_ignored", Header::default(), steps));

    // WriteGate::SecurityState: Non-secure accesses to the Secure bank are RAZ/WI;
    // Secure accesses reach both banks.
    let mut steps = Vec::new();
    for p in [
        "smmuv3.s.s_cr0",
        "smmuv3.s.s_cr1",
        "smmuv3.s.s_gbpa",
        "smmuv3.s.s_init",
        "smmuv3.s.s_cmdq_prod",
        "smmuv3.s.s_strtab_base",
        "smmuv3.s.s_eventq_cons",
        "smmuv3.s.s_idr1",
    ] {
        let a = o(p);
        steps.extend([
            w(a, 4, 0x8000_0001, NS),
            r(a, 4, NS),
            r(a, 4, S),
            w(a, 4, 0x8000_0001, S),
            r(a, 4, NS),
            r(a, 4, S),
        ]);
    }
    let base = o("smmuv3.s.s_strtab_base");
    steps.extend([w(base, 8, 0x4000_0000_1234_5640, NS), r(base, 8, S)]);
    let cr1 = o("smmuv3.ns.cr1");
    steps.extend([w(cr1, 4, 0x3F, S), r(cr1, 4, NS)]);
    out.push(named("security_gating", Header::default(), steps));

    // NextValue::AckMirror (immediate): CR0ACK / IRQ_CTRLACK follow, both banks.
    let mut steps = Vec::new();
    for (cr0, ack, irq, irqack, sec) in [
        (
            "smmuv3.ns.cr0",
            "smmuv3.ns.cr0ack",
            "smmuv3.ns.irq_ctrl",
            "smmuv3.ns.irq_ctrlack",
            NS,
        ),
        (
            "smmuv3.s.s_cr0",
            "smmuv3.s.s_cr0ack",
            "smmuv3.s.s_irq_ctrl",
            "smmuv3.s.s_irq_ctrlack",
            S,
        ),
    ] {
        for v in [0x1ED, 0x001, 0x1C8, 0x000, 0xFFFF_FFFF] {
            steps.extend([w(o(cr0), 4, v, sec), r(o(cr0), 4, sec), r(o(ack), 4, sec)]);
        }
        steps.extend([w(o(cr0) + 1, 1, 0x01, sec), r(o(ack), 4, sec)]);
        for v in [5, 1, 4, 0] {
            steps.extend([w(o(irq), 4, v, sec), r(o(irqack), 4, sec)]);
        }
    }
    out.push(named("ack_mirror", Header::default(), steps));

    // GuardTerm: registers writable only while their enable (and its ACK) is 0,
    // including both halves of the 64-bit ones and the IRQ_CFG registers.
    let mut steps = Vec::new();
    for (bank, sec) in [("smmuv3.ns.", NS), ("smmuv3.s.s_", S)] {
        let p = |n: &str| o(&format!("{bank}{n}"));
        let guarded = [
            ("cr1", 4),
            ("cr2", 4),
            ("strtab_base", 8),
            ("strtab_base_cfg", 4),
            ("cmdq_base", 8),
            ("cmdq_cons", 4),
            ("eventq_base", 8),
            ("gerror_irq_cfg0", 8),
            ("gerror_irq_cfg1", 4),
            ("gerror_irq_cfg2", 4),
            ("eventq_irq_cfg0", 8),
            ("eventq_irq_cfg1", 4),
            ("eventq_irq_cfg2", 4),
        ];
        for (enables, irq) in [
            (0x0, 0x0),
            (0x1, 0x0),
            (0x4, 0x1),
            (0x8, 0x4),
            (0xD, 0x5),
            (0x0, 0x0),
        ] {
            steps.push(w(p("cr0"), 4, enables, sec));
            steps.push(w(p("irq_ctrl"), 4, irq, sec));
            for (n, size) in guarded {
                let a = p(n);
                let v = 0xA5A5_5A5A_0000_0000 ^ (a << 8) ^ enables;
                steps.push(w(a, size, v, sec));
                if size == 8 {
                    steps.push(w(a + 4, 4, !v >> 40, sec));
                    steps.push(w(a, 4, v >> 3, sec));
                }
                steps.push(r(a, size, sec));
            }
        }
    }
    let prod = o("smmuv3.s.s_eventq_prod");
    let page1_prod = o("smmuv3.ns_page1.eventq_prod");
    for en in [0u64, 4, 0] {
        steps.extend([
            w(o("smmuv3.ns.cr0"), 4, en, NS),
            w(o("smmuv3.s.s_cr0"), 4, en, S),
            w(page1_prod, 4, 0x8000_0011 + en, NS),
            w(prod, 4, 0x8000_0022 + en, S),
            r(page1_prod, 4, NS),
            r(prod, 4, S),
        ]);
    }
    out.push(named("write_guards", Header::default(), steps));

    // WriteGate::UpdateHandshake (GBPA): taken only with Update = 1, which completes
    // at once; a write not covering bit 31 cannot set it.
    let mut steps = Vec::new();
    for (p, sec) in [("smmuv3.ns.gbpa", NS), ("smmuv3.s.s_gbpa", S)] {
        let a = o(p);
        steps.extend([
            r(a, 4, sec),
            w(a, 4, 0x0010_0000, sec),
            r(a, 4, sec),
            w(a, 4, 0x8010_F00F, sec),
            r(a, 4, sec),
            w(a, 2, 0xFFFF, sec),
            r(a, 4, sec),
            w(a + 3, 1, 0x80, sec),
            r(a, 4, sec),
            w(a, 4, 0x8000_0000, sec),
            r(a, 4, sec),
            w(a, 4, 0xFFFF_FFFF, sec),
            r(a, 4, sec),
        ]);
    }
    out.push(named("gbpa_update", Header::default(), steps));

    // S_INIT.INV_ALL: woset (written 1 sets, 0 does nothing), cleared by hwclr.
    let init = o("smmuv3.s.s_init");
    let inv = "smmuv3.s.s_init.inv_all";
    let steps = vec![
        r(init, 4, S),
        w(init, 4, 0, S),
        r(init, 4, S),
        w(init, 4, 1, S),
        r(init, 4, S),
        w(init, 4, 0, S),
        r(init, 4, S),
        Step::hw_pulse(inv, false),
        r(init, 4, S),
        Step::hw_pulse(inv, false),
        w(init, 1, 0xFF, S),
        w(init, 4, 1, NS),
        r(init, 4, S),
    ];
    out.push(named("s_init_woset_hwclr", Header::default(), steps));

    // Hardware inputs: every hardware-writable field of SMMUv3, with reads; the
    // software write of a field hardware also writes; STATUSR.DORMANT's input wire.
    let mut steps = Vec::new();
    for (reg, field, v) in [
        ("smmuv3.ns.cmdq_cons", "rd", 0x4),
        ("smmuv3.ns.cmdq_cons", "err", 0x7F),
        ("smmuv3.s.s_cmdq_cons", "rd", 0xF_FFFF),
        ("smmuv3.s.s_cmdq_cons", "err", 0x1),
        ("smmuv3.ns_page1.eventq_prod", "wr", 0x12345),
        ("smmuv3.ns_page1.eventq_prod", "ovflg", 1),
        ("smmuv3.s.s_eventq_prod", "wr", 0x3),
        ("smmuv3.s.s_eventq_prod", "ovflg", 1),
        ("smmuv3.ns.gerror", "sfm_err", 1),
        ("smmuv3.ns.gerror", "cmdq_err", 1),
        ("smmuv3.s.s_gerror", "msi_gerror_abt_err", 1),
        ("smmuv3.ns.statusr", "dormant", 1),
    ] {
        let a = o(reg);
        steps.extend([Step::hw_write(format!("{reg}.{field}"), v), r(a, 4, S)]);
    }
    steps.extend([
        w(o("smmuv3.ns.cmdq_cons"), 4, 0x0000_0010, NS),
        r(o("smmuv3.ns.cmdq_cons"), 4, NS),
        Step::hw_write("smmuv3.ns.cmdq_cons.rd", 0x20),
        Step::hw_write("smmuv3.ns.gerror.sfm_err", 0),
        Step::hw_write("smmuv3.ns.statusr.dormant", 0),
        r(o("smmuv3.ns.statusr"), 4, NS),
        r(o("smmuv3.ns.gerror"), 4, NS),
    ]);
    out.push(named("hw_inputs", Header::default(), steps));

    // swmod strobes: CMDQ_PROD.WR and EVENTQ_CONS, per byte lane and gate.
    let mut steps = Vec::new();
    for (p, sec) in [
        ("smmuv3.ns.cmdq_prod", NS),
        ("smmuv3.s.s_cmdq_prod", S),
        ("smmuv3.ns_page1.eventq_cons", NS),
        ("smmuv3.s.s_eventq_cons", S),
    ] {
        let a = o(p);
        steps.extend([
            w(a, 4, 0x8000_0001, sec),
            w(a, 4, 0x8000_0001, sec),
            w(a + 3, 1, 0x80, sec),
            w(a + 2, 1, 0x0F, sec),
            w(a, 4, 7, NS),
            r(a, 4, sec),
        ]);
    }
    out.push(named("swmod_strobes", Header::default(), steps));

    // 64-bit registers: 8-byte accesses, each half, sub-words of the high half.
    let mut steps = Vec::new();
    for (p, sec) in [
        ("smmuv3.ns.strtab_base", NS),
        ("smmuv3.ns.cmdq_base", NS),
        ("smmuv3.s.s_eventq_base", S),
        ("smmuv3.ns.gerror_irq_cfg0", NS),
    ] {
        let a = o(p);
        steps.extend([
            w(a, 8, 0xFFFF_FFFF_FFFF_FFFF, sec),
            r(a, 8, sec),
            r(a + 4, 4, sec),
            w(a + 4, 4, 0x0012_3456, sec),
            r(a, 8, sec),
            w(a + 6, 2, 0xBEEF, sec),
            w(a + 1, 1, 0x77, sec),
            r(a, 4, sec),
            r(a + 4, 2, sec),
            r(a, 8, sec),
        ]);
    }
    out.push(named("sixty_four_bit", Header::default(), steps));

    // Undefined offsets and refused accesses (policy): RAZ/WI on both twins.
    let cr0 = o("smmuv3.ns.cr0");
    let steps = vec![
        w(0x30, 4, 0xFFFF_FFFF, NS),
        r(0x30, 4, NS),
        r(0x7FFC, 4, S),
        w(0x8030, 4, 1, S),
        r(0x1_0000, 4, NS),
        r(0x1_FFFC, 4, S),
        w(cr0 + 1, 2, 0xFFFF, NS),
        r(cr0 + 1, 2, NS),
        w(cr0, 3, 0xFFFF, NS),
        w(cr0, 8, 0xFFFF_FFFF, NS),
        r(cr0, 8, NS),
        w(o("smmuv3.ns.strtab_base") + 4, 8, 0xFFFF, NS),
        w(0x38, 8, 0xFFFF_FFFF_FFFF_FFFF, S),
        r(0x8038, 8, S),
        r(cr0, 4, NS),
        r(o("smmuv3.s.s_init"), 4, S),
    ];
    out.push(named("undefined_and_refused", Header::default(), steps));

    // WriteGate::Absent: no Secure state (S_IDR1.SECURE_IMPL = 0), no MSIs
    // (IDR0.MSI = 0): the registers read 0 and ignore writes even from Secure.
    let mut header = without_secure_state();
    header
        .impl_defined
        .insert("smmuv3.ns.iidr.productid".into(), Hex(0x4B2));
    let mut steps = Vec::new();
    for p in [
        "smmuv3.s.s_cr0",
        "smmuv3.s.s_idr1",
        "smmuv3.s.s_gbpa",
        "smmuv3.ns.gerror_irq_cfg1",
        "smmuv3.ns.eventq_irq_cfg2",
    ] {
        let a = o(p);
        steps.extend([w(a, 4, 0x8000_0001, S), r(a, 4, S)]);
    }
    steps.push(Step::hw_pulse(inv, false));
    steps.extend(read_all(map));
    out.push(named("absent_banks", header, steps));

    // Reset in the middle of a trace.
    let mut steps = vec![
        w(o("smmuv3.ns.cr0"), 4, 0xD, NS),
        w(o("smmuv3.s.s_cr0"), 4, 0x2D, S),
        Step::hw_write("smmuv3.ns.statusr.dormant", 1),
        Step::hw_write("smmuv3.s.s_cmdq_cons.err", 3),
        Step::Reset,
    ];
    steps.extend(read_all(map));
    out.push(named("reset", Header::default(), steps));

    // A restore (migration): every register at once.
    let mut values: std::collections::BTreeMap<String, Hex> = Default::default();
    let defaults = crate::regs::RegisterFile::new(&crate::regs::ImplDefined::DEFAULT);
    for (i, reg) in map.registers.iter().enumerate() {
        values.insert(reg.path.clone(), Hex(defaults.value_at(i).unwrap_or(0)));
    }
    for (p, v) in [
        ("smmuv3.ns.cr0", 0xD),
        ("smmuv3.ns.cr0ack", 0xD),
        ("smmuv3.s.s_cr1", 0x3F),
        ("smmuv3.ns.strtab_base", 0x4000_0000_1234_5640),
        ("smmuv3.ns.cmdq_cons", 0x7F00_0042),
        ("smmuv3.ns.statusr", 1),
        ("smmuv3.s.s_gerror", 0x1),
        ("smmuv3.ns_page1.eventq_prod", 0x8000_0009),
    ] {
        values.insert(p.to_string(), Hex(v));
    }
    let mut steps = vec![w(o("smmuv3.ns.cr1"), 4, 0x15, NS), Step::Restore { values }];
    steps.extend(read_all(map));
    steps.extend([
        w(o("smmuv3.ns.strtab_base"), 4, 0, NS),
        r(o("smmuv3.ns.strtab_base"), 8, NS),
    ]);
    out.push(named("restore", Header::default(), steps));

    // Handshake completion: the ACK fields and GBPA.Update are completed by
    // hardware; guards test the ACK bit, which software cannot clear.
    let header = Header {
        completion: Completion::Handshake,
        ..Header::default()
    };
    let mut steps = Vec::new();
    for (bank, sec) in [("smmuv3.ns.", NS), ("smmuv3.s.s_", S)] {
        let p = |n: &str| format!("{bank}{n}");
        steps.extend([
            w(o(&p("cr0")), 4, 1, sec),
            r(o(&p("cr0ack")), 4, sec),
            w(o(&p("strtab_base_cfg")), 4, 0x3F, sec),
            Step::hw_write(p("cr0ack.smmuen"), 1),
            w(o(&p("cr0")), 4, 0, sec),
            w(o(&p("strtab_base_cfg")), 4, 0x3F, sec),
            r(o(&p("strtab_base_cfg")), 4, sec),
            Step::hw_write(p("cr0ack.smmuen"), 0),
            w(o(&p("strtab_base_cfg")), 4, 0x2A, sec),
            r(o(&p("strtab_base_cfg")), 4, sec),
            w(o(&p("gbpa")), 4, 0x8000_000F, sec),
            r(o(&p("gbpa")), 4, sec),
            w(o(&p("gbpa")), 4, 0x8000_0001, sec),
            Step::hw_pulse(p("gbpa.update"), false),
            r(o(&p("gbpa")), 4, sec),
            w(o(&p("gbpa")), 4, 0x8000_0001, sec),
            r(o(&p("gbpa")), 4, sec),
            Step::hw_write(p("irq_ctrlack.eventq_irqen"), 1),
            r(o(&p("irq_ctrlack")), 4, sec),
        ]);
    }
    out.push(named("handshake_completion", header, steps));

    // The qemu-7.2 preset: the RTL with the parameters the model derives from it
    // (DORMHINT 0 drops STATUSR.DORMANT, no stage 2 drops CR0.VMW, AIDR 1, ...).
    let mut steps = vec![
        Step::hw_write("smmuv3.ns.statusr.dormant", 1),
        w(o("smmuv3.ns.cr0"), 4, 0x1C0, NS),
        w(o("smmuv3.ns.cr2"), 4, 0x3, NS),
    ];
    steps.extend(read_all(map));
    let header = Header {
        impl_defined: crate::scenarios::impl_defined(map, &smmu::SmmuConfig::qemu_7_2()),
        ..Header::default()
    };
    out.push(named("qemu_7_2_preset", header, steps));
    out
}

/// Where random steps go, from the map.
#[derive(Clone, Debug)]
struct Targets {
    /// CR0 and IRQ_CTRL of both banks, with the bits that matter.
    enables: Vec<(u64, u64)>,
    /// Registers with write guards (both words of 64-bit ones), with their widths.
    guarded: Vec<(u64, u32)>,
    /// GBPA of both banks.
    gbpa: Vec<u64>,
    /// Every register: address and width.
    all: Vec<(u64, u32)>,
    /// S_INIT.
    s_init: u64,
    /// Hardware inputs: field path, width, inputs.
    hw: Vec<(String, u32, Vec<HwInput>)>,
}

impl Targets {
    fn new(map: &RegisterMap, completion: Completion) -> Targets {
        let mut t = Targets {
            enables: Vec::new(),
            guarded: Vec::new(),
            gbpa: Vec::new(),
            all: Vec::new(),
            s_init: off(map, "smmuv3.s.s_init"),
            hw: Vec::new(),
        };
        for (id, r) in map.iter() {
            t.all.push((r.address, r.width));
            if r.acked_by.is_some() {
                t.enables.push((r.address, r.defined_mask()));
            }
            if r.fields.iter().any(|f| !f.guard.is_empty()) {
                t.guarded.push((r.address, r.width));
            }
            if r.update_field.is_some() {
                t.gbpa.push(r.address);
            }
            for (i, f) in r.fields.iter().enumerate() {
                let handshake = completion == Completion::Handshake;
                let mut inputs = Vec::new();
                if f.next_value.contains(&NextValue::HwWrite)
                    || (handshake && f.next_value.contains(&NextValue::AckMirror))
                {
                    inputs.push(HwInput::Write);
                }
                if f.hwset {
                    inputs.push(HwInput::Set);
                }
                if f.next_value.contains(&NextValue::HwClr)
                    || (handshake && f.next_value.contains(&NextValue::UpdateComplete))
                {
                    inputs.push(HwInput::Clear);
                }
                if !inputs.is_empty() {
                    let _ = (id, i);
                    t.hw.push((format!("{}.{}", r.path, f.name), f.width(), inputs));
                }
            }
        }
        t
    }
}

fn sec() -> impl Strategy<Value = SecSid> {
    prop_oneof![Just(S), Just(NS)]
}

/// Interesting data: random, all ones, zero, one bit, a few bits.
fn data() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => any::<u64>(),
        1 => Just(u64::MAX),
        1 => Just(0u64),
        1 => (0u32..64).prop_map(|b| 1u64 << b),
        1 => any::<u8>().prop_map(u64::from),
    ]
}

/// One random step for `map` (hardware inputs as in `completion`).
pub fn step_strategy(map: &RegisterMap, completion: Completion) -> BoxedStrategy<Step> {
    let t = Targets::new(map, completion);
    let enables = t.enables.clone();
    let enable_write = (prop::sample::select(enables), any::<u64>(), sec())
        .prop_map(|((a, mask), d, s)| Step::write(a, 4, d & mask, s));
    let guarded = t.guarded.clone();
    let guarded_write = (prop::sample::select(guarded), data(), sec(), 0u8..8).prop_map(
        |((a, w), d, s, k)| match (w, k) {
            (64, 0..=2) => Step::write(a, 8, d, s),
            (64, 3) => Step::write(a + 4, 4, d, s),
            (_, 4) => Step::write(a + u64::from(k & 3), 1, d, s),
            _ => Step::write(a, 4, d, s),
        },
    );
    let gbpa = (
        prop::sample::select(t.gbpa.clone()),
        any::<u32>(),
        any::<bool>(),
        sec(),
        0u8..6,
    )
        .prop_map(|(a, d, update, s, k)| {
            let d = if update {
                d | 0x8000_0000
            } else {
                d & 0x7FFF_FFFF
            };
            match k {
                0 => Step::write(a, 2, u64::from(d), s),
                1 => Step::write(a + 3, 1, u64::from(d >> 24), s),
                _ => Step::write(a, 4, u64::from(d), s),
            }
        });
    let s_init = t.s_init;
    let init = (0u64..3, sec()).prop_map(move |(d, s)| Step::write(s_init, 4, d, s));
    let all = t.all.clone();
    let read =
        (prop::sample::select(all.clone()), sec(), 0u8..10).prop_map(|((a, w), s, k)| {
            match (w, k) {
                (64, 0..=3) => Step::read(a, 8, s),
                (64, 4..=5) => Step::read(a + 4, 4, s),
                (_, 6) => Step::read(a + 2, 2, s),
                (_, 7) => Step::read(a + 1, 1, s),
                _ => Step::read(a, 4, s),
            }
        });
    let any_write = (prop::sample::select(all.clone()), data(), sec())
        .prop_map(|((a, _), d, s)| Step::write(a, 4, d, s));
    let undefined = (0u64..0x2_0000, data(), sec(), any::<bool>()).prop_map(|(a, d, s, wr)| {
        let a = a & !3;
        if wr {
            Step::write(a, 4, d, s)
        } else {
            Step::read(a, 4, s)
        }
    });
    let refused = (
        prop::sample::select(all),
        data(),
        sec(),
        0u8..4,
        any::<bool>(),
    )
        .prop_map(|((a, _), d, s, k, wr)| {
            let (a, size) = match k {
                0 => (a + 1, 2),
                1 => (a, 3),
                2 => (a + 4, 8),
                _ => (a + 2, 4),
            };
            if wr {
                Step::write(a, size, d, s)
            } else {
                Step::read(a, size, s)
            }
        });
    let hw_fields = t.hw.clone();
    let hw = (
        prop::sample::select(hw_fields),
        any::<u64>(),
        any::<prop::sample::Index>(),
    )
        .prop_map(|((path, width, inputs), v, k)| match *k.get(&inputs) {
            HwInput::Write => Step::hw_write(path, v & regdef::access::ones(width)),
            HwInput::Set => Step::hw_pulse(path, true),
            HwInput::Clear => Step::hw_pulse(path, false),
        });
    prop_oneof![
        14 => enable_write,
        22 => guarded_write,
        6 => gbpa,
        3 => init,
        22 => read,
        6 => any_write,
        5 => undefined,
        4 => refused,
        16 => hw,
        1 => Just(Step::Reset),
    ]
    .boxed()
}

/// Random traces of `len` steps (proptest shrinks them by dropping and simplifying
/// steps).
pub fn trace_strategy(
    map: &RegisterMap,
    header: Header,
    len: std::ops::Range<usize>,
) -> BoxedStrategy<Trace> {
    prop::collection::vec(step_strategy(map, header.completion), len)
        .prop_map(move |steps| Trace {
            header: header.clone(),
            steps,
        })
        .boxed()
}

/// A random trace of `len` steps drawn from `seed` (the same seed gives the same
/// trace): for volume runs and the soak, where shrinking is not wanted.
pub fn sample(map: &RegisterMap, header: Header, seed: u64, len: usize) -> Trace {
    // Steps are drawn in blocks: each `new_tree` clones the runner's state, which
    // costs more than the step itself when done per step.
    const BLOCK: usize = 1024;
    let block = prop::collection::vec(step_strategy(map, header.completion), BLOCK);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let mut steps = Vec::with_capacity(len + BLOCK);
    while steps.len() < len {
        // `new_tree` only fails for filtered strategies, which this one is not.
        if let Ok(tree) = block.new_tree(&mut runner) {
            steps.extend(tree.current());
        }
    }
    steps.truncate(len);
    let name = header
        .name
        .clone()
        .unwrap_or_else(|| format!("random-{seed:#x}"));
    Trace {
        header: Header {
            name: Some(name),
            ..header
        },
        steps,
    }
}

/// A header for an SMMUv3 without Secure state (S_IDR1.SECURE_IMPL = 0) or MSIs
/// (IDR0.MSI = 0), and with GBPA.ABORT resetting to 1: the Secure bank and the
/// IRQ_CFG registers are absent (RAZ/WI, even from Secure).
pub fn without_secure_state() -> Header {
    let mut header = Header::default();
    for (field, value) in [
        ("smmuv3.s.s_idr1.secure_impl", 0),
        ("smmuv3.ns.idr0.msi", 0),
        ("smmuv3.ns.gbpa.abort", 1),
    ] {
        header.impl_defined.insert(field.into(), Hex(value));
    }
    header
}
