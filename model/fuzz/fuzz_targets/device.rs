//! Fuzzes the whole device with structure-aware programs: a configuration, a memory
//! image (stream tables, STEs, CDs and table trees built with the model's builders
//! from the fuzzer's bytes, see `common.rs`), the bring-up sequence of a Linux or
//! TF-A driver for each bank, then operations: command batches (every command of
//! IHI0070 chapter 4, valid or with any field, or raw), register writes and reads,
//! transactions, DMA, guest memory writes, event consumption, reset and migration.
//! Zero bytes are a complete bring-up followed by a translated read, so commands,
//! STEs, CDs and walks are decoded from the first input on.
//!
//! Every input must run without a panic or a hang, and:
//!
//! * each MMIO write consumes at most one queue's worth of commands;
//! * a Non-secure stream never reaches Secure memory;
//! * every reachable state snapshots and restores (restore validation never refuses
//!   what the device itself produced), and the restored register file is equal;
//! * the register-level trace replays onto a fresh register file.
#![no_main]

mod common;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use smmu::builders::command;
use smmu::regfile::{self, Reg, RegisterFile};
use smmu::trace::{HwInput, TraceRecord};
use smmu::translate::Outcome;
use smmu::{InMemoryGuest, Pas, RecordingInterruptSink, SecSid, Smmu, SmmuConfig};

use common::{
    build_bank, guest, layout, pas, ram, BankSpec, FuzzConfig, Pools, RequestSpec, Targets,
};

type Device = Smmu<InMemoryGuest, RecordingInterruptSink, Vec<TraceRecord>>;

/// A register-level bring-up of one bank, as a driver does it: zero bytes give the
/// Linux order with a 256-entry command queue, a 64-entry event queue, IRQs on,
/// CFGI_ALL + TLBI + SYNC, then SMMUEN.
#[derive(Arbitrary, Debug, Clone)]
struct BringUp {
    /// 0 = 8, else `n % 20` (LOG2SIZE may exceed CMDQS; the SMMU caps it).
    cmdq_log2: u8,
    eventq_log2: u8,
    no_irqs: bool,
    no_smmuen: bool,
    /// Leave the queues' PROD/CONS alone (a driver that trusts reset values).
    keep_pointers: bool,
    /// CR0 bits XORed into the final write (ATSCHK, PRIQEN, VMW, ...).
    cr0_flips: u8,
}

/// One command, built with `smmu::builders::command` from fuzzed fields.
#[derive(Arbitrary, Debug, Clone)]
enum Cmd {
    PrefetchConfig {
        sid: u8,
        ssec: bool,
        ssid: Option<u8>,
    },
    PrefetchAddr {
        sid: u8,
        ssec: bool,
        addr: u64,
    },
    CfgiSte {
        sid: u8,
        ssec: bool,
        leaf: bool,
    },
    CfgiSteRange {
        sid: u8,
        ssec: bool,
        range: u8,
    },
    CfgiAll {
        ssec: bool,
    },
    CfgiCd {
        sid: u8,
        ssec: bool,
        ssid: u32,
        leaf: bool,
    },
    CfgiCdAll {
        sid: u8,
        ssec: bool,
    },
    TlbiNhAll {
        vmid: u16,
    },
    TlbiNhAsid {
        vmid: u16,
        asid: u16,
    },
    TlbiNhVa {
        vmid: u16,
        asid: u16,
        addr: u64,
        leaf: bool,
        range: Option<Range>,
    },
    TlbiNhVaa {
        vmid: u16,
        addr: u64,
        leaf: bool,
        range: Option<Range>,
    },
    TlbiEl3All,
    TlbiEl3Va {
        addr: u64,
        leaf: bool,
        range: Option<Range>,
    },
    TlbiEl2All,
    TlbiEl2Asid {
        asid: u16,
    },
    TlbiEl2Va {
        asid: u16,
        addr: u64,
        leaf: bool,
        range: Option<Range>,
    },
    TlbiEl2Vaa {
        addr: u64,
        leaf: bool,
        range: Option<Range>,
    },
    TlbiSEl2All,
    TlbiSEl2Asid {
        asid: u16,
    },
    TlbiSEl2Va {
        asid: u16,
        addr: u64,
        leaf: bool,
        range: Option<Range>,
    },
    TlbiSEl2Vaa {
        addr: u64,
        leaf: bool,
    },
    TlbiS12Vmall {
        vmid: u16,
    },
    TlbiS2Ipa {
        vmid: u16,
        ipa: u64,
        leaf: bool,
        range: Option<Range>,
    },
    TlbiNsnhAll,
    TlbiSS12Vmall {
        vmid: u16,
    },
    TlbiSS2Ipa {
        vmid: u16,
        ipa: u64,
        leaf: bool,
    },
    TlbiSnhAll,
    /// CMD_SYNC: CS 0 none, 1 IRQ (an MSI to the MSI area or anywhere), 2 SEV.
    Sync {
        cs: u8,
        msi_anywhere: Option<u64>,
        data: u32,
    },
    /// Any opcode and fields.
    Raw([u64; 2]),
    /// A valid command with one double word XORed.
    Flipped {
        base: u8,
        dw: bool,
        bits: u64,
    },
}

/// TLBI range and level hints: TG, TTL, NUM, SCALE.
#[derive(Arbitrary, Debug, Clone, Copy)]
struct Range {
    tg: u8,
    ttl: u8,
    num: u8,
    scale: u8,
}

fn ranged(cmd: [u64; 2], range: Option<Range>) -> [u64; 2] {
    match range {
        Some(r) => command::with_range(cmd, r.tg, r.ttl, r.num, r.scale),
        None => cmd,
    }
}

impl Cmd {
    fn encode(&self, bank: SecSid, msi: u64) -> [u64; 2] {
        use Cmd::*;
        let sid = |s: &u8| u32::from(*s);
        match self {
            PrefetchConfig { sid: s, ssec, ssid } => {
                command::prefetch_config(sid(s), *ssec, ssid.map(u32::from))
            }
            PrefetchAddr { sid: s, ssec, addr } => command::prefetch_addr(sid(s), *ssec, *addr),
            CfgiSte { sid: s, ssec, leaf } => command::cfgi_ste(sid(s), *ssec, *leaf),
            CfgiSteRange {
                sid: s,
                ssec,
                range,
            } => command::cfgi_ste_range(sid(s), *ssec, *range),
            CfgiAll { ssec } => command::cfgi_all(*ssec),
            CfgiCd {
                sid: s,
                ssec,
                ssid,
                leaf,
            } => command::cfgi_cd(sid(s), *ssec, *ssid, *leaf),
            CfgiCdAll { sid: s, ssec } => command::cfgi_cd_all(sid(s), *ssec),
            TlbiNhAll { vmid } => command::tlbi_nh_all(*vmid),
            TlbiNhAsid { vmid, asid } => command::tlbi_nh_asid(*vmid, *asid),
            TlbiNhVa {
                vmid,
                asid,
                addr,
                leaf,
                range,
            } => ranged(command::tlbi_nh_va(*vmid, *asid, *addr, *leaf), *range),
            TlbiNhVaa {
                vmid,
                addr,
                leaf,
                range,
            } => ranged(command::tlbi_nh_vaa(*vmid, *addr, *leaf), *range),
            TlbiEl3All => command::tlbi_el3_all(),
            TlbiEl3Va { addr, leaf, range } => ranged(command::tlbi_el3_va(*addr, *leaf), *range),
            TlbiEl2All => command::tlbi_el2_all(),
            TlbiEl2Asid { asid } => command::tlbi_el2_asid(*asid),
            TlbiEl2Va {
                asid,
                addr,
                leaf,
                range,
            } => ranged(command::tlbi_el2_va(*asid, *addr, *leaf), *range),
            TlbiEl2Vaa { addr, leaf, range } => ranged(command::tlbi_el2_vaa(*addr, *leaf), *range),
            TlbiSEl2All => command::tlbi_s_el2_all(),
            TlbiSEl2Asid { asid } => command::tlbi_s_el2_asid(*asid),
            TlbiSEl2Va {
                asid,
                addr,
                leaf,
                range,
            } => ranged(command::tlbi_s_el2_va(*asid, *addr, *leaf), *range),
            TlbiSEl2Vaa { addr, leaf } => command::tlbi_s_el2_vaa(*addr, *leaf),
            TlbiS12Vmall { vmid } => command::tlbi_s12_vmall(*vmid),
            TlbiS2Ipa {
                vmid,
                ipa,
                leaf,
                range,
            } => ranged(command::tlbi_s2_ipa(*vmid, *ipa, *leaf), *range),
            TlbiNsnhAll => command::tlbi_nsnh_all(),
            TlbiSS12Vmall { vmid } => command::tlbi_s_s12_vmall(*vmid),
            TlbiSS2Ipa { vmid, ipa, leaf } => command::tlbi_s_s2_ipa(*vmid, *ipa, *leaf),
            TlbiSnhAll => command::tlbi_snh_all(),
            Sync {
                cs,
                msi_anywhere,
                data,
            } => command::sync(*cs % 3, msi_anywhere.unwrap_or(msi), *data),
            Raw(words) => *words,
            Flipped { base, dw, bits } => {
                let mut cmd = BASES[usize::from(*base) % BASES.len()](bank);
                cmd[usize::from(*dw)] ^= bits;
                cmd
            }
        }
    }
}

/// Valid commands for [`Cmd::Flipped`] to damage.
const BASES: [fn(SecSid) -> [u64; 2]; 6] = [
    |b| command::cfgi_ste(0, b == SecSid::Secure, true),
    |b| command::cfgi_cd(0, b == SecSid::Secure, 0, true),
    |_| command::tlbi_nh_va(0, 0, 0, true),
    |_| command::tlbi_s2_ipa(0, 0, true),
    |_| command::sync(1, NS_MSI, 0),
    |b| command::prefetch_config(0, b == SecSid::Secure, None),
];

const NS_MSI: u64 = common::NS_RAM + layout::MSI;

#[derive(Arbitrary, Debug, Clone)]
enum Op {
    /// A batch of commands written at CMDQ_PROD, then PROD advanced past them.
    Commands {
        secure: bool,
        cmds: Vec<Cmd>,
    },
    /// A register write by register (any bank, any value) or by raw offset.
    Write {
        reg: u16,
        value: u64,
        raw_offset: Option<u32>,
        size8: bool,
        ns: bool,
    },
    Read {
        reg: u16,
        raw_offset: Option<u32>,
        size8: bool,
        ns: bool,
    },
    Translate(RequestSpec),
    Dma {
        request: RequestSpec,
        len: u16,
        write: bool,
    },
    /// A guest memory write (an STE, CD or descriptor changed under the caches).
    Poke {
        secure: bool,
        offset: u32,
        value: u64,
    },
    /// Consume every event record (EVENTQ_CONS = EVENTQ_PROD).
    TakeEvents {
        secure: bool,
    },
    /// Acknowledge every global error (GERRORN = GERROR).
    AckErrors {
        secure: bool,
    },
    BringUp {
        secure: bool,
        steps: BringUp,
    },
    Migrate,
    Reset,
    EvictCaches,
}

#[derive(Arbitrary, Debug)]
struct Program {
    config: FuzzConfig,
    banks: [BankSpec; 2],
    bring_up: [BringUp; 2],
    ops: Vec<Op>,
}

fn w(smmu: &mut Device, reg: Reg, size: u32, value: u64) {
    smmu.mmio_write(reg.address(), size, value, reg.bank());
}

fn r(smmu: &mut Device, reg: Reg) -> u64 {
    smmu.mmio_read(reg.address(), 4, reg.bank())
}

fn bring_up(smmu: &mut Device, bank: SecSid, spec: &BankSpec, steps: &BringUp) {
    let base = ram(bank);
    let cmdq_log2 = if steps.cmdq_log2 == 0 {
        8
    } else {
        u64::from(steps.cmdq_log2 % 20)
    };
    let eventq_log2 = if steps.eventq_log2 == 0 {
        6
    } else {
        u64::from(steps.eventq_log2 % 20)
    };
    w(smmu, Reg::Cr0(bank), 4, 0);
    w(smmu, Reg::StrtabBase(bank), 8, spec.strtab_base(bank));
    w(
        smmu,
        Reg::StrtabBaseCfg(bank),
        4,
        u64::from(spec.strtab_base_cfg()),
    );
    w(smmu, Reg::Cr2(bank), 4, u64::from(spec.cr2 & 0b111));
    w(
        smmu,
        Reg::CmdqBase(bank),
        8,
        (base + layout::CMDQ) | cmdq_log2,
    );
    w(
        smmu,
        Reg::EventqBase(bank),
        8,
        (base + layout::EVENTQ) | eventq_log2,
    );
    if !steps.keep_pointers {
        for reg in [
            Reg::CmdqProd(bank),
            Reg::CmdqCons(bank),
            Reg::EventqProd(bank),
            Reg::EventqCons(bank),
        ] {
            w(smmu, reg, 4, 0);
        }
    }
    if !steps.no_irqs {
        // GERROR_IRQEN | EVENTQ_IRQEN, with the MSI targets in the MSI area.
        w(smmu, Reg::IrqCtrl(bank), 4, 0b101);
    }
    // CR0: CMDQEN (bit 3) | EVENTQEN (bit 2).
    w(smmu, Reg::Cr0(bank), 4, 0b1100);
    let secure = bank == SecSid::Secure;
    submit(
        smmu,
        bank,
        &[
            command::cfgi_all(secure),
            command::tlbi_nh_all(0),
            command::sync_none(),
        ],
    );
    let smmuen = u64::from(!steps.no_smmuen);
    w(
        smmu,
        Reg::Cr0(bank),
        4,
        (0b1100 | smmuen) ^ (u64::from(steps.cr0_flips) << 4),
    );
}

fn submit(smmu: &mut Device, bank: SecSid, cmds: &[[u64; 2]]) {
    // The queue's geometry as the device holds it (the input may have changed it).
    let base_reg = smmu.mmio_read(Reg::CmdqBase(bank).address(), 8, bank);
    let log2 = (base_reg & 0x1F).min(19) as u32;
    let addr = base_reg & 0x00FF_FFFF_FFFF_FFE0;
    let mut prod = r(smmu, Reg::CmdqProd(bank)) as u32;
    let mask = (1u32 << (log2 + 1)) - 1;
    for cmd in cmds.iter().take(32) {
        let slot = addr.wrapping_add(u64::from(prod & ((1 << log2) - 1)) * 16);
        let mem = smmu.memory_mut();
        let _ = mem.write_u64(pas(bank), slot, cmd[0]);
        let _ = mem.write_u64(pas(bank), slot.wrapping_add(8), cmd[1]);
        prod = (prod & !mask) | (prod.wrapping_add(1) & mask);
    }
    let before = smmu.stats().commands + smmu.stats().command_errors;
    w(smmu, Reg::CmdqProd(bank), 4, u64::from(prod));
    let work = smmu.stats().commands + smmu.stats().command_errors - before;
    assert!(work <= (1 << 19) + 1);
}

fn register(reg: u16, raw_offset: Option<u32>, size8: bool, ns: bool) -> (u64, u32, SecSid) {
    let security = if ns {
        SecSid::NonSecure
    } else {
        SecSid::Secure
    };
    let size = if size8 { 8 } else { 4 };
    match raw_offset {
        Some(offset) => (u64::from(offset & 0x1_FFFC), size, security),
        None => {
            let reg = Reg::ALL[usize::from(reg) % Reg::ALL.len()];
            (reg.address(), size, security)
        }
    }
}

fn replay(config: &SmmuConfig, trace: &[TraceRecord]) -> RegisterFile {
    let mut regs = RegisterFile::new(&regfile::impl_defined(config));
    for record in trace {
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
                assert_eq!(regs.read(*offset, *size, *security), *value);
            }
            TraceRecord::Hw {
                reg,
                field,
                input,
                value,
                ..
            } => {
                let ok = match input {
                    HwInput::Write => regs.hw_write_field(*reg, *field, *value).is_ok(),
                    HwInput::Set => regs.hw_set(*reg, *field).is_ok(),
                    HwInput::Clear => regs.hw_clr(*reg, *field).is_ok(),
                };
                assert!(ok, "{record:?}");
            }
            TraceRecord::Reset => regs = RegisterFile::new(&regfile::impl_defined(config)),
            TraceRecord::Restore { .. } => unreachable!("no restores are traced here"),
        }
    }
    regs
}

fn check_ns_isolation(request: &smmu::TranslationRequest, outcome: &Outcome) {
    if request.sec_sid == SecSid::NonSecure {
        match outcome {
            Outcome::Translated(t) => assert_eq!(t.pas, Pas::NonSecure),
            Outcome::Bypass(b) => assert_eq!(b.pas, Pas::NonSecure),
            _ => {}
        }
    }
}

fuzz_target!(|program: Program| {
    let config = program.config.build();
    let Ok(mut smmu) = Smmu::with_trace(
        config.clone(),
        guest(),
        RecordingInterruptSink::new(),
        Vec::new(),
    ) else {
        return;
    };
    let mut pools = Pools::new();
    let mut targets = Targets::default();
    let banks: Vec<SecSid> = if config.secure_impl {
        vec![SecSid::NonSecure, SecSid::Secure]
    } else {
        vec![SecSid::NonSecure]
    };
    for &bank in &banks {
        let spec = &program.banks[bank.index()];
        build_bank(
            smmu.memory_mut(),
            &mut pools,
            bank,
            &config,
            spec,
            &mut targets,
        );
        bring_up(&mut smmu, bank, spec, &program.bring_up[bank.index()]);
    }
    // The first transaction, whatever the ops: the zero program translates.
    let first = RequestSpec {
        secure: false,
        ste: 0,
        raw_sid: None,
        ssid: None,
        target: 0,
        iova: 0,
        size: 0,
        access: 0,
        privileged: false,
        ns: false,
    };
    let ops = std::iter::once(Op::Translate(first)).chain(program.ops.iter().take(64).cloned());
    for op in ops {
        match op {
            Op::Commands { secure, cmds } => {
                let bank = if secure {
                    SecSid::Secure
                } else {
                    SecSid::NonSecure
                };
                let msi = ram(bank) + layout::MSI;
                let words: Vec<[u64; 2]> = cmds.iter().map(|c| c.encode(bank, msi)).collect();
                submit(&mut smmu, bank, &words);
            }
            Op::Write {
                reg,
                value,
                raw_offset,
                size8,
                ns,
            } => {
                let (offset, size, security) = register(reg, raw_offset, size8, ns);
                let before = smmu.stats().commands + smmu.stats().command_errors;
                smmu.mmio_write(offset, size, value, security);
                let work = smmu.stats().commands + smmu.stats().command_errors - before;
                assert!(work <= (1 << 19) + 1);
            }
            Op::Read {
                reg,
                raw_offset,
                size8,
                ns,
            } => {
                let (offset, size, security) = register(reg, raw_offset, size8, ns);
                smmu.mmio_read(offset, size, security);
            }
            Op::Translate(spec) => {
                let request = spec.build(&program.banks, &targets, config.secure_impl);
                if let Ok(outcome) = smmu.translate(&request) {
                    check_ns_isolation(&request, &outcome);
                }
            }
            Op::Dma {
                request,
                len,
                write,
            } => {
                let request = request.build(&program.banks, &targets, config.secure_impl);
                let mut buf = vec![0xA5u8; usize::from(len % 0x2000)];
                let _ = if write {
                    smmu.dma_write(&request, &buf)
                } else {
                    smmu.dma_read(&request, &mut buf)
                };
            }
            Op::Poke {
                secure,
                offset,
                value,
            } => {
                let bank = if secure {
                    SecSid::Secure
                } else {
                    SecSid::NonSecure
                };
                // Into the structures (first 16 MB of the RAM), 8-byte aligned.
                let at = ram(bank) + (u64::from(offset) & (layout::DATA - 1) & !7);
                let _ = smmu.memory_mut().write_u64(pas(bank), at, value);
            }
            Op::TakeEvents { secure } => {
                let bank = if secure {
                    SecSid::Secure
                } else {
                    SecSid::NonSecure
                };
                let prod = r(&mut smmu, Reg::EventqProd(bank));
                let cons = r(&mut smmu, Reg::EventqCons(bank));
                // RD and its wrap from PROD, OVACKFLG from PROD.OVFLG.
                let value = (cons & 0x7FF0_0000) | (prod & 0x800F_FFFF);
                w(&mut smmu, Reg::EventqCons(bank), 4, value);
            }
            Op::AckErrors { secure } => {
                let bank = if secure {
                    SecSid::Secure
                } else {
                    SecSid::NonSecure
                };
                let gerror = r(&mut smmu, Reg::Gerror(bank));
                w(&mut smmu, Reg::Gerrorn(bank), 4, gerror);
            }
            Op::BringUp { secure, steps } => {
                let bank = if secure && config.secure_impl {
                    SecSid::Secure
                } else {
                    SecSid::NonSecure
                };
                bring_up(&mut smmu, bank, &program.banks[bank.index()], &steps);
            }
            Op::Migrate => {
                let snapshot = smmu::Snapshot::from_json(&smmu.snapshot().to_json())
                    .expect("a snapshot of the device parses");
                let mut target = Smmu::new(
                    config.clone(),
                    smmu.memory().clone(),
                    RecordingInterruptSink::new(),
                )
                .expect("same config");
                target
                    .restore(&snapshot)
                    .expect("a reachable state restores");
                assert_eq!(target.registers(), smmu.registers());
            }
            Op::Reset => smmu.reset(),
            Op::EvictCaches => smmu.evict_caches(),
        }
    }
    assert_eq!(&replay(&config, smmu.trace()), smmu.registers());
});
