//! Every command on both Command queues: the exact invalidation each performs
//! (scope and Security state, as the listener sees it), the illegal ones, the
//! CERROR_ILL / CERROR_ABT error path and its recovery, and the queue mechanics.

mod common;

use common::device::*;
use common::*;
use smmu::builders::command::{self, with_range};
use smmu::cmdq::{decode, Command, TlbiAddress};
use smmu::gerror::GlobalError;
use smmu::irq::{IrqLine, IrqSource};
use smmu::regfile::{CmdqCons, Cr0, Cr2, Reg};
use smmu::stream_table::StreamWorld;
use smmu::tlb::{AddressRange, StageSet, TlbScope, VmidMatch, WorldSet};
use smmu::translate::Outcome;
use smmu::walk::Granule;
use smmu::{ConfigScope, Invalidation, SecSid, SmmuConfig};

const NS: SecSid = SecSid::NonSecure;
const S: SecSid = SecSid::Secure;

/// Runs `cmd` on the `bank` queue of a fresh, brought-up SMMU and returns the
/// invalidations it performed (the CMD_SYNC that follows performs none).
fn run(config: SmmuConfig, bank: SecSid, cmd: [u64; 2]) -> Vec<Invalidation> {
    let mut smmu = new_smmu(config);
    bring_up(&mut smmu, bank, true);
    let seen = listen(&mut smmu);
    submit(&mut smmu, bank, &[cmd, command::sync_none()]);
    assert_eq!(
        r32(&mut smmu, Reg::CmdqCons(bank)),
        5,
        "consumed without error"
    );
    assert!(!smmu.global_error_active(bank, GlobalError::CommandQueue));
    let out = seen.lock().unwrap().clone();
    out
}

fn tlb(sec: SecSid, f: impl FnOnce(TlbScope) -> TlbScope) -> Vec<Invalidation> {
    vec![Invalidation::Tlb(f(TlbScope::sec_sid(sec)))]
}

fn worlds(w: &[StreamWorld]) -> WorldSet {
    WorldSet::of(w)
}

fn no_sel2() -> SmmuConfig {
    SmmuConfig {
        secure_stage2: false,
        ..SmmuConfig::default()
    }
}

const VA: u64 = 0x0000_7FFF_1234_5000;

fn va_range(len: u64) -> Option<AddressRange> {
    Some(AddressRange {
        leaf_only: true,
        ..AddressRange::input(VA, len)
    })
}

#[test]
fn configuration_invalidations_follow_ssec() {
    let full = SmmuConfig::default;
    let streams = |sec_sid, first, last| {
        vec![Invalidation::Config(ConfigScope::Streams {
            sec_sid,
            first,
            last,
        })]
    };
    assert_eq!(
        run(full(), NS, command::cfgi_ste(7, false, true)),
        streams(NS, 7, 7)
    );
    // On the Secure queue SSec selects the table: 0 Non-secure, 1 Secure.
    assert_eq!(
        run(full(), S, command::cfgi_ste(7, false, false)),
        streams(NS, 7, 7)
    );
    assert_eq!(
        run(full(), S, command::cfgi_ste(7, true, false)),
        streams(S, 7, 7)
    );
    // 2^(Range+1) StreamIDs, aligned.
    assert_eq!(
        run(full(), S, command::cfgi_ste_range(0x1234, true, 4)),
        streams(S, 0x1220, 0x123F)
    );
    assert_eq!(
        run(full(), NS, command::cfgi_all(false)),
        [Invalidation::Config(ConfigScope::AllStreams {
            sec_sid: NS
        })]
    );
    assert_eq!(
        run(full(), S, command::cfgi_all(false)),
        [Invalidation::Config(ConfigScope::AllStreams {
            sec_sid: NS
        })]
    );
    assert_eq!(
        run(full(), NS, command::cfgi_cd(9, false, 0x12345, true)),
        [Invalidation::Config(ConfigScope::Substream {
            sec_sid: NS,
            stream_id: 9,
            substream_id: 0x12345
        })]
    );
    assert_eq!(
        run(full(), S, command::cfgi_cd_all(9, true)),
        streams(S, 9, 9)
    );
    // Prefetches are consumed and do nothing.
    assert_eq!(
        run(full(), NS, command::prefetch_config(3, false, Some(1))),
        []
    );
    assert_eq!(run(full(), S, command::prefetch_addr(3, true, 0x1000)), []);
}

#[test]
fn stage1_tlb_invalidations_use_the_queue_security_state() {
    let full = SmmuConfig::default;
    let el1 = worlds(&[StreamWorld::NsEl1]);
    let sel1 = worlds(&[StreamWorld::Secure]);
    let vmid = |v| Some(VmidMatch::exact(v));
    assert_eq!(
        run(full(), NS, command::tlbi_nh_all(5)),
        tlb(NS, |s| TlbScope {
            worlds: el1,
            stages: StageSet::STAGE1,
            vmid: vmid(5),
            ..s
        })
    );
    // Secure queue, SEL2: Secure EL1 entries of the VMID.
    assert_eq!(
        run(full(), S, command::tlbi_nh_all(5)),
        tlb(S, |s| TlbScope {
            worlds: sel1,
            stages: StageSet::STAGE1,
            vmid: vmid(5),
            ..s
        })
    );
    // Secure queue without Secure stage 2: the VMID is RES0 and not matched.
    assert_eq!(
        run(no_sel2(), S, command::tlbi_nh_all(5)),
        tlb(S, |s| TlbScope {
            worlds: sel1,
            stages: StageSet::STAGE1,
            vmid: None,
            ..s
        })
    );
    assert_eq!(
        run(full(), NS, command::tlbi_nh_asid(5, 0x1E20)),
        tlb(NS, |s| TlbScope {
            worlds: el1,
            stages: StageSet::STAGE1,
            vmid: vmid(5),
            asid: Some(0x1E20),
            include_global: false,
            ..s
        })
    );
    assert_eq!(
        run(full(), S, command::tlbi_nh_va(5, 0x1E20, VA, true)),
        tlb(S, |s| TlbScope {
            worlds: sel1,
            stages: StageSet::STAGE1,
            vmid: vmid(5),
            asid: Some(0x1E20),
            range: va_range(1),
            ..s
        })
    );
    assert_eq!(
        run(full(), NS, command::tlbi_nh_vaa(5, VA, true)),
        tlb(NS, |s| TlbScope {
            worlds: el1,
            stages: StageSet::STAGE1,
            vmid: vmid(5),
            range: va_range(1),
            ..s
        })
    );
    // Range form: TG 4 KB, TTL 3, NUM 1, SCALE 2: 8 pages.
    let ranged = with_range(command::tlbi_nh_vaa(5, VA, true), 1, 3, 1, 2);
    assert_eq!(
        run(full(), NS, ranged),
        tlb(NS, |s| TlbScope {
            worlds: el1,
            stages: StageSet::STAGE1,
            vmid: vmid(5),
            range: Some(AddressRange {
                ttl: Some((Granule::K4, 3)),
                ..va_range(0x8000).unwrap()
            }),
            ..s
        })
    );
}

#[test]
fn el2_and_el3_invalidations() {
    let full = SmmuConfig::default;
    assert_eq!(
        run(full(), S, command::tlbi_el3_all()),
        tlb(S, |s| TlbScope {
            worlds: WorldSet::EL3,
            ..s
        })
    );
    assert_eq!(
        run(full(), S, command::tlbi_el3_va(VA, true)),
        tlb(S, |s| TlbScope {
            worlds: WorldSet::EL3,
            stages: StageSet::STAGE1,
            range: va_range(1),
            ..s
        })
    );
    // TLBI_EL2_* act on Non-secure EL2 from either queue.
    for queue in [NS, S] {
        assert_eq!(
            run(full(), queue, command::tlbi_el2_all()),
            tlb(NS, |s| TlbScope {
                worlds: WorldSet::NS_EL2,
                ..s
            })
        );
        assert_eq!(
            run(full(), queue, command::tlbi_el2_asid(3)),
            tlb(NS, |s| TlbScope {
                worlds: worlds(&[StreamWorld::NsEl2E2h]),
                stages: StageSet::STAGE1,
                asid: Some(3),
                include_global: false,
                ..s
            })
        );
    }
    // CR2.E2H = 0: NS-EL2 entries, the ASID ignored.
    assert_eq!(
        run(full(), NS, command::tlbi_el2_va(3, VA, true)),
        tlb(NS, |s| TlbScope {
            worlds: worlds(&[StreamWorld::NsEl2]),
            stages: StageSet::STAGE1,
            range: va_range(1),
            ..s
        })
    );
    // CR2.E2H = 1: NS-EL2-E2H entries of the ASID and global ones.
    let mut smmu = full_with_e2h();
    let seen = listen(&mut smmu);
    submit(
        &mut smmu,
        NS,
        &[
            command::tlbi_el2_va(3, VA, true),
            command::tlbi_el2_vaa(VA, true),
        ],
    );
    let e2h = worlds(&[StreamWorld::NsEl2E2h]);
    assert_eq!(
        *seen.lock().unwrap(),
        [
            tlb(NS, |s| TlbScope {
                worlds: e2h,
                stages: StageSet::STAGE1,
                asid: Some(3),
                range: va_range(1),
                ..s
            })[0],
            tlb(NS, |s| TlbScope {
                worlds: e2h,
                stages: StageSet::STAGE1,
                range: va_range(1),
                ..s
            })[0],
        ]
    );
    // Secure EL2 (SEL2).
    assert_eq!(
        run(full(), S, command::tlbi_s_el2_all()),
        tlb(S, |s| TlbScope {
            worlds: WorldSet::SECURE_EL2,
            ..s
        })
    );
    assert_eq!(
        run(full(), S, command::tlbi_s_el2_asid(4)),
        tlb(S, |s| TlbScope {
            worlds: worlds(&[StreamWorld::SecureEl2E2h]),
            stages: StageSet::STAGE1,
            asid: Some(4),
            include_global: false,
            ..s
        })
    );
    assert_eq!(
        run(full(), S, command::tlbi_s_el2_va(4, VA, true)),
        tlb(S, |s| TlbScope {
            worlds: worlds(&[StreamWorld::SecureEl2]),
            stages: StageSet::STAGE1,
            range: va_range(1),
            ..s
        })
    );
    assert_eq!(
        run(full(), S, command::tlbi_s_el2_vaa(VA, true)),
        tlb(S, |s| TlbScope {
            worlds: worlds(&[StreamWorld::SecureEl2]),
            stages: StageSet::STAGE1,
            range: va_range(1),
            ..s
        })
    );
}

fn full_with_e2h() -> TestSmmu {
    let mut smmu = full();
    w32(
        &mut smmu,
        Reg::Cr2(NS),
        Cr2::from_bits(0).with_e2h(true).bits(),
    );
    bring_up(&mut smmu, NS, true);
    assert!(smmu.registers().bank(NS).cr2().e2h());
    smmu
}

#[test]
fn stage2_and_all_invalidations() {
    let full = SmmuConfig::default;
    let ipa = 0x0000_0012_3456_7000;
    // Non-secure stage 2 commands act on Non-secure entries from either queue.
    for queue in [NS, S] {
        assert_eq!(
            run(full(), queue, command::tlbi_s12_vmall(9)),
            tlb(NS, |s| TlbScope {
                worlds: worlds(&[StreamWorld::NsEl1]),
                vmid: Some(VmidMatch::exact(9)),
                ..s
            })
        );
        assert_eq!(
            run(full(), queue, command::tlbi_s2_ipa(9, ipa, false)),
            tlb(NS, |s| TlbScope {
                stages: StageSet::STAGE2,
                vmid: Some(VmidMatch::exact(9)),
                range: Some(AddressRange::ipa(ipa, 1)),
                ..s
            })
        );
        assert_eq!(
            run(full(), queue, command::tlbi_nsnh_all()),
            tlb(NS, |s| TlbScope {
                worlds: worlds(&[StreamWorld::NsEl1]),
                ..s
            })
        );
    }
    assert_eq!(
        run(full(), S, command::tlbi_s_s12_vmall(9)),
        tlb(S, |s| TlbScope {
            worlds: worlds(&[StreamWorld::Secure]),
            vmid: Some(VmidMatch::exact(9)),
            ..s
        })
    );
    assert_eq!(
        run(full(), S, command::tlbi_s_s2_ipa(9, ipa, true)),
        tlb(S, |s| TlbScope {
            stages: StageSet::STAGE2,
            vmid: Some(VmidMatch::exact(9)),
            range: Some(AddressRange {
                leaf_only: true,
                ..AddressRange::ipa(ipa, 1)
            }),
            ..s
        })
    );
    assert_eq!(
        run(full(), S, command::tlbi_snh_all()),
        tlb(S, |s| TlbScope {
            worlds: worlds(&[StreamWorld::Secure]),
            ..s
        })
    );
    // IPA operands are Address[55:12].
    assert_eq!(
        decode(command::tlbi_s2_ipa(1, u64::MAX, false), NS, &full()),
        Ok(Command::TlbiS2Ipa {
            vmid: 1,
            address: TlbiAddress {
                addr: 0x00FF_FFFF_FFFF_F000,
                leaf: false,
                tg: 0,
                ttl: 0,
                num: 0,
                scale: 0
            }
        })
    );
}

#[test]
fn vmid_wildcard_of_the_target_state() {
    // CR0.VMW = 0b010 ignores VMID[1:0] (IHI0070 6.3.9).
    let mut smmu = full();
    bring_up(&mut smmu, NS, true);
    let vmw = Cr0::from_bits(cr0(true, true, true)).with_vmw_raw(0b010);
    w32(&mut smmu, Reg::Cr0(NS), vmw.bits());
    let seen = listen(&mut smmu);
    submit(&mut smmu, NS, &[command::tlbi_s12_vmall(0x13)]);
    let Invalidation::Tlb(scope) = seen.lock().unwrap()[0] else {
        panic!("a TLB invalidation")
    };
    assert_eq!(scope.vmid, Some(VmidMatch::with_vmw(0x13, 2)));
    assert!(scope
        .vmid
        .is_some_and(|v| v.matches(0x10) && !v.matches(0x14)));
}

#[test]
fn an_illegal_command_stops_the_queue_until_acknowledged() {
    let mut smmu = full();
    bring_up(&mut smmu, NS, true);
    let seen = listen(&mut smmu);
    smmu.interrupts_mut().take();
    // CFGI_STE(1); a reserved opcode; CFGI_STE(2); SYNC.
    submit(
        &mut smmu,
        NS,
        &[
            command::cfgi_ste(1, false, true),
            command::op(0x09),
            command::cfgi_ste(2, false, true),
            command::sync_none(),
        ],
    );
    // CONS stays on the failing command (index 4), ERR = CERROR_ILL, CMDQ_ERR
    // active, the GERROR interrupt raised; the newer commands had no effect.
    let cons = CmdqCons::from_bits(r32(&mut smmu, Reg::CmdqCons(NS)));
    assert_eq!((cons.rd(), cons.err_raw()), (4, 1));
    assert_eq!(r32(&mut smmu, Reg::Gerror(NS)), 1);
    assert!(smmu.global_error_active(NS, GlobalError::CommandQueue));
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(
        smmu.interrupts().pulses(),
        [IrqLine {
            bank: NS,
            source: IrqSource::GlobalError
        }]
    );
    // Writing PROD while the error is active consumes nothing; PROD may move back
    // to CONS.
    w32(&mut smmu, Reg::CmdqProd(NS), 4);
    assert_eq!(seen.lock().unwrap().len(), 1);
    // Replace the bad command and re-submit; still stopped until acknowledged.
    submit(
        &mut smmu,
        NS,
        &[command::cfgi_ste(3, false, true), command::sync_none()],
    );
    assert_eq!(
        CmdqCons::from_bits(r32(&mut smmu, Reg::CmdqCons(NS))).rd(),
        4
    );
    // Acknowledge CMDQ_ERR through GERRORN (Linux writes back GERROR).
    let gerror = r32(&mut smmu, Reg::Gerror(NS));
    w32(&mut smmu, Reg::Gerrorn(NS), gerror);
    // Processing resumed at CONS; ERR keeps the last code.
    assert_eq!(r32(&mut smmu, Reg::CmdqCons(NS)), 0x0100_0006);
    assert_eq!(seen.lock().unwrap().len(), 2);
    assert!(!smmu.global_error_active(NS, GlobalError::CommandQueue));
    // The Secure bank never noticed.
    assert_eq!(r32(&mut smmu, Reg::Gerror(S)), 0);
}

#[test]
fn ssec_is_illegal_on_the_non_secure_queue() {
    let mut smmu = full();
    bring_up(&mut smmu, NS, true);
    submit(&mut smmu, NS, &[command::cfgi_ste(1, true, true)]);
    assert_eq!(r32(&mut smmu, Reg::CmdqCons(NS)), 0x0100_0003);
    // Secure-only commands too.
    let mut smmu = full();
    bring_up(&mut smmu, NS, true);
    submit(&mut smmu, NS, &[command::tlbi_el3_all()]);
    assert_eq!(r32(&mut smmu, Reg::CmdqCons(NS)), 0x0100_0003);
    // Commands for absent features: ATS.
    let mut smmu = full();
    bring_up(&mut smmu, S, true);
    submit(&mut smmu, S, &[command::op(0x40)]);
    assert_eq!(r32(&mut smmu, Reg::CmdqCons(S)), 0x0100_0003);
    assert_eq!(r32(&mut smmu, Reg::Gerror(S)), 1);
}

#[test]
fn cfgi_cd_without_stage1_is_illegal() {
    let mut smmu = new_smmu(SmmuConfig {
        stage1: false,
        ssid_bits: 0,
        hyp: false,
        secure_impl: false,
        secure_stage2: false,
        ..SmmuConfig::default()
    });
    // bring_up issues TLBI_NH_ALL, itself illegal without stage 1.
    bring_up(&mut smmu, NS, true);
    assert_eq!(r32(&mut smmu, Reg::CmdqCons(NS)), 0x0100_0001);
    w32(&mut smmu, Reg::Cr0(NS), 0);
    w32(&mut smmu, Reg::CmdqProd(NS), 0);
    w32(&mut smmu, Reg::CmdqCons(NS), 0);
    w32(&mut smmu, Reg::Gerrorn(NS), 1);
    w32(&mut smmu, Reg::Cr0(NS), cr0(false, true, true));
    submit(&mut smmu, NS, &[command::cfgi_cd(1, false, 0, true)]);
    assert_eq!(r32(&mut smmu, Reg::CmdqCons(NS)), 0x0100_0000);
    // Stage 2 commands are fine: replace the command and acknowledge.
    write_command(&mut smmu, NS, 0, command::tlbi_s12_vmall(1));
    w32(&mut smmu, Reg::Gerrorn(NS), 0);
    assert_eq!(r32(&mut smmu, Reg::CmdqCons(NS)), 0x0100_0001);
}

#[test]
fn a_command_fetch_abort_is_cerror_abt() {
    let mut smmu = full();
    bring_up(&mut smmu, S, true);
    w32(&mut smmu, Reg::Cr0(S), cr0(true, true, false));
    // A queue outside Secure memory.
    w64(&mut smmu, Reg::CmdqBase(S), 0x7000_0000 | 4);
    w32(&mut smmu, Reg::CmdqCons(S), 0);
    w32(&mut smmu, Reg::CmdqProd(S), 2);
    // Enabling the queue starts consumption (CMDQEN 0 -> 1).
    w32(&mut smmu, Reg::Cr0(S), cr0(true, true, true));
    assert_eq!(r32(&mut smmu, Reg::CmdqCons(S)), 0x0200_0000);
    assert_eq!(r32(&mut smmu, Reg::Gerror(S)), 1);
    // A queue entry beyond the 48-bit OAS is an abort too.
    w32(&mut smmu, Reg::Cr0(S), cr0(true, true, false));
    w64(&mut smmu, Reg::CmdqBase(S), 0x00FF_0000_0000_0000 | 4);
    w32(&mut smmu, Reg::Gerrorn(S), 1);
    w32(&mut smmu, Reg::Cr0(S), cr0(true, true, true));
    assert_eq!(r32(&mut smmu, Reg::Gerror(S)), 0);
    assert!(smmu.global_error_active(S, GlobalError::CommandQueue));
}

#[test]
fn queue_mechanics() {
    let mut smmu = full();
    bring_up(&mut smmu, NS, true);
    let n0 = smmu.stats().commands;
    // 300 commands in batches of 100 wrap the 256-entry queue.
    for _ in 0..3 {
        let batch = vec![command::cfgi_ste(1, false, true); 100];
        submit(&mut smmu, NS, &batch);
    }
    assert_eq!(smmu.stats().commands - n0, 300);
    // 3 + 300 = 303 = wrap 1, index 47.
    assert_eq!(r32(&mut smmu, Reg::CmdqCons(NS)), 256 + 47);
    // An inconsistent PROD (PROD.WR > CONS.RD with different wrap flags) consumes
    // nothing.
    let n1 = smmu.stats().commands;
    w32(&mut smmu, Reg::CmdqProd(NS), 48);
    assert_eq!(smmu.stats().commands, n1);
    assert_eq!(r32(&mut smmu, Reg::CmdqCons(NS)), 256 + 47);
    // Bits above the wrap flag are ignored: 0xFFF0_0000 | (256 + 48) is one command.
    write_command(&mut smmu, NS, 256 + 47, command::sync_none());
    w32(&mut smmu, Reg::CmdqProd(NS), 0x000F_FE00 | (256 + 48));
    assert_eq!(smmu.stats().commands, n1 + 1);
    assert_eq!(r32(&mut smmu, Reg::CmdqCons(NS)), 256 + 48);
    // Commands queued while CMDQEN = 0 run when it takes effect.
    w32(&mut smmu, Reg::Cr0(NS), cr0(true, true, false));
    write_command(&mut smmu, NS, 256 + 48, command::sync_none());
    w32(&mut smmu, Reg::CmdqProd(NS), 256 + 49);
    assert_eq!(r32(&mut smmu, Reg::CmdqCons(NS)), 256 + 48);
    w32(&mut smmu, Reg::Cr0(NS), cr0(true, true, true));
    assert_eq!(r32(&mut smmu, Reg::CmdqCons(NS)), 256 + 49);
}

#[test]
fn invalidations_are_isolated_by_security_state() {
    let mut smmu = full();
    bring_up(&mut smmu, NS, true);
    bring_up(&mut smmu, S, true);
    let iova = 0x8000_0000;
    stage1_stream(&mut smmu, NS, 4, 1, iova, NS_RAM + 0x80_0000, RW);
    stage1_stream(&mut smmu, S, 4, 1, iova, S_RAM + 0x80_0000, RW);
    let cached = |smmu: &TestSmmu, sec: SecSid| {
        let tlb = smmu
            .translator()
            .tlb()
            .entries()
            .filter(|(t, _)| t.sec_sid == sec)
            .count();
        let cfg = smmu
            .translator()
            .config_cache()
            .entries()
            .filter(|(k, _)| k.sec_sid == sec)
            .count();
        (cfg, tlb)
    };
    let fill = |smmu: &mut TestSmmu| {
        for bank in [NS, S] {
            assert!(matches!(
                smmu.translate(&read(bank, 4, iova)).unwrap(),
                Outcome::Translated(_)
            ));
        }
    };
    fill(&mut smmu);
    assert_eq!((cached(&smmu, NS), cached(&smmu, S)), ((1, 1), (1, 1)));
    // The Non-secure queue cannot touch Secure entries.
    submit(
        &mut smmu,
        NS,
        &[
            command::cfgi_all(false),
            command::tlbi_nh_all(0),
            command::sync_none(),
        ],
    );
    assert_eq!((cached(&smmu, NS), cached(&smmu, S)), ((0, 0), (1, 1)));
    fill(&mut smmu);
    // Secure TLBI_NH_VA and CFGI_STE(SSec = 1) reach Secure entries only.
    submit(
        &mut smmu,
        S,
        &[
            command::tlbi_nh_va(0, 1, iova, true),
            command::cfgi_ste(4, true, true),
            command::sync_none(),
        ],
    );
    assert_eq!((cached(&smmu, NS), cached(&smmu, S)), ((1, 1), (0, 0)));
    fill(&mut smmu);
    // From the Secure queue, SSec = 0 and TLBI_NSNH_ALL reach Non-secure entries.
    submit(
        &mut smmu,
        S,
        &[
            command::cfgi_ste(4, false, true),
            command::tlbi_nsnh_all(),
            command::sync_none(),
        ],
    );
    assert_eq!((cached(&smmu, NS), cached(&smmu, S)), ((0, 0), (1, 1)));
}
