//! The Command queues (IHI0070 3.5, chapter 4, 7.1): command decode, the
//! invalidation each command performs, and consumption.
//!
//! Each programming interface has one Command queue. Commands are consumed when
//! software writes CMDQ_PROD, when CMDQEN takes effect, and when a command error
//! is acknowledged through GERRORN, provided the queue is enabled (CR0ACK.CMDQEN)
//! and CMDQ_ERR is not active (IHI0070 4.1.2). Every command completes while it is
//! consumed, so CMD_SYNC completes at once; CMDQ_CONS is written once per batch,
//! and before any CMD_SYNC completion interrupt (IHI0070 4.7.3: consumption is
//! observable before the interrupt).
//!
//! A command error stops consumption with CMDQ_CONS.RD on the failing command,
//! CMDQ_CONS.ERR set, then GERROR.CMDQ_ERR activated in the queue's bank (IHI0070
//! 7.1). Work per call is bounded by the number of queued commands, which is at most
//! the queue size: an inconsistent PROD consumes nothing.
//!
//! Choices (IHI0070 4.1.5, 4.1.7, 4.2):
//! * Reserved (RES0) fields are ignored, never detected.
//! * Out-of-range StreamIDs and SubstreamIDs are passed through: they match no
//!   cached entry, so the command has no effect.
//! * CMD_PREFETCH_* prefetch nothing (permitted: "not required to prefetch any").
//! * CMD_TLBI_S_S2_IPA ignores its NS parameter and invalidates the IPA in both the
//!   Secure and the Non-secure IPA spaces of the Secure regime (over-invalidation,
//!   permitted by IHI0070 4.4).
//! * Leaf hints never narrow an invalidation: the IOTLB holds only final
//!   translations, no walk caches.

use regdef::SecSid;
use thiserror::Error;

use crate::config::SmmuConfig;
use crate::device::Smmu;
use crate::gerror::GlobalError;
use crate::invalidation::{ConfigScope, Invalidation};
use crate::irq::{InterruptSink, IrqSource, MsiTarget};
use crate::memory::{GuestMemory, MemoryFault, Pas};
use crate::queue::QueueGeometry;
use crate::regfile::{Cerror, RegisterFile};
use crate::secure::{interface_pas, stream_security};
use crate::stream_table::StreamWorld;
use crate::tlb::{AddressRange, RangeSpace, StageSet, TlbScope, VmidMatch, WorldSet};
use crate::trace::TraceSink;
use crate::walk::Granule;

/// Command opcodes (IHI0070 4.1.1).
pub mod opcode {
    /// CMD_PREFETCH_CONFIG.
    pub const PREFETCH_CONFIG: u8 = 0x01;
    /// CMD_PREFETCH_ADDR.
    pub const PREFETCH_ADDR: u8 = 0x02;
    /// CMD_CFGI_STE.
    pub const CFGI_STE: u8 = 0x03;
    /// CMD_CFGI_STE_RANGE, and CMD_CFGI_ALL with Range == 31.
    pub const CFGI_STE_RANGE: u8 = 0x04;
    /// CMD_CFGI_CD.
    pub const CFGI_CD: u8 = 0x05;
    /// CMD_CFGI_CD_ALL.
    pub const CFGI_CD_ALL: u8 = 0x06;
    /// CMD_CFGI_VMS_PIDM (MPAM).
    pub const CFGI_VMS_PIDM: u8 = 0x07;
    /// CMD_TLBI_NH_ALL.
    pub const TLBI_NH_ALL: u8 = 0x10;
    /// CMD_TLBI_NH_ASID.
    pub const TLBI_NH_ASID: u8 = 0x11;
    /// CMD_TLBI_NH_VA.
    pub const TLBI_NH_VA: u8 = 0x12;
    /// CMD_TLBI_NH_VAA.
    pub const TLBI_NH_VAA: u8 = 0x13;
    /// CMD_TLBI_EL3_ALL.
    pub const TLBI_EL3_ALL: u8 = 0x18;
    /// CMD_TLBI_EL3_VA.
    pub const TLBI_EL3_VA: u8 = 0x1A;
    /// CMD_TLBI_EL2_ALL.
    pub const TLBI_EL2_ALL: u8 = 0x20;
    /// CMD_TLBI_EL2_ASID.
    pub const TLBI_EL2_ASID: u8 = 0x21;
    /// CMD_TLBI_EL2_VA.
    pub const TLBI_EL2_VA: u8 = 0x22;
    /// CMD_TLBI_EL2_VAA.
    pub const TLBI_EL2_VAA: u8 = 0x23;
    /// CMD_TLBI_S12_VMALL.
    pub const TLBI_S12_VMALL: u8 = 0x28;
    /// CMD_TLBI_S2_IPA.
    pub const TLBI_S2_IPA: u8 = 0x2A;
    /// CMD_TLBI_NSNH_ALL.
    pub const TLBI_NSNH_ALL: u8 = 0x30;
    /// CMD_ATC_INV.
    pub const ATC_INV: u8 = 0x40;
    /// CMD_PRI_RESP.
    pub const PRI_RESP: u8 = 0x41;
    /// CMD_RESUME.
    pub const RESUME: u8 = 0x44;
    /// CMD_STALL_TERM.
    pub const STALL_TERM: u8 = 0x45;
    /// CMD_SYNC.
    pub const SYNC: u8 = 0x46;
    /// CMD_TLBI_S_EL2_ALL.
    pub const TLBI_S_EL2_ALL: u8 = 0x50;
    /// CMD_TLBI_S_EL2_ASID.
    pub const TLBI_S_EL2_ASID: u8 = 0x51;
    /// CMD_TLBI_S_EL2_VA.
    pub const TLBI_S_EL2_VA: u8 = 0x52;
    /// CMD_TLBI_S_EL2_VAA.
    pub const TLBI_S_EL2_VAA: u8 = 0x53;
    /// CMD_TLBI_S_S12_VMALL.
    pub const TLBI_S_S12_VMALL: u8 = 0x58;
    /// CMD_TLBI_S_S2_IPA.
    pub const TLBI_S_S2_IPA: u8 = 0x5A;
    /// CMD_TLBI_SNH_ALL.
    pub const TLBI_SNH_ALL: u8 = 0x60;
    /// CMD_DPTI_ALL (RME DA).
    pub const DPTI_ALL: u8 = 0x70;
    /// CMD_DPTI_PA (RME DA).
    pub const DPTI_PA: u8 = 0x73;
}

/// An optional feature a command needs.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Feature {
    /// Stage 1 translation (IDR0.S1P).
    Stage1,
    /// Stage 2 translation (IDR0.S2P).
    Stage2,
    /// Non-secure EL2 StreamWorlds (IDR0.Hyp).
    Hyp,
    /// Secure EL2 and Secure stage 2 (S_IDR1.SEL2).
    SecureStage2,
    /// PCIe ATS (IDR0.ATS).
    Ats,
    /// PRI (IDR0.PRI).
    Pri,
    /// The stall model (STALL_MODEL != 0b01).
    Stall,
    /// MPAM (IDR3.MPAM).
    Mpam,
    /// The Device Permission Table (RME DA).
    Dpt,
}

/// Why a command is ILLEGAL (CERROR_ILL, IHI0070 4.1.3). The reason is diagnostic:
/// software sees CMDQ_CONS.ERR == CERROR_ILL.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Error)]
pub enum IllegalCommand {
    /// A reserved or IMPLEMENTATION DEFINED opcode this SMMU does not define.
    #[error("reserved opcode {0:#04x}")]
    ReservedOpcode(u8),
    /// The command needs a feature this SMMU lacks.
    #[error("opcode {0:#04x} needs {1:?}, which is not implemented")]
    NotImplemented(u8, Feature),
    /// A Secure-queue-only command on the Non-secure queue.
    #[error("opcode {0:#04x} is only legal on the Secure Command queue")]
    SecureOnly(u8),
    /// SSec == 1 on the Non-secure queue (IHI0070 4.1.6).
    #[error("SSec == 1 on the Non-secure Command queue (opcode {0:#04x})")]
    SsecOnNonSecureQueue(u8),
    /// CMD_SYNC with CS == 0b11 (IHI0070 4.7.3).
    #[error("CMD_SYNC with the reserved completion signal 0b11")]
    ReservedCompletionSignal,
    /// A range TLBI with TG != 0 and NUM == SCALE == TTL == 0 (IHI0070 4.4.1.1).
    #[error("TLB invalidation with TG != 0 and NUM == SCALE == TTL == 0")]
    ReservedRange,
}

/// A command the SMMU could not consume: the CMDQ_CONS.ERR reason.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Error)]
pub enum CommandError {
    /// CERROR_ILL.
    #[error("CERROR_ILL: {0}")]
    Illegal(IllegalCommand),
    /// CERROR_ABT: the command fetch was aborted.
    #[error("CERROR_ABT: {0}")]
    Abort(MemoryFault),
}

impl CommandError {
    /// The CMDQ_CONS.ERR encoding (IHI0070 7.1).
    pub const fn code(&self) -> Cerror {
        match self {
            CommandError::Illegal(_) => Cerror::CerrorIll,
            CommandError::Abort(_) => Cerror::CerrorAbt,
        }
    }
}

/// The address operand of a TLB invalidation with its range and level hints
/// (IHI0070 4.4.1.1).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct TlbiAddress {
    /// Address bits `[63:12]` (VA) or `[55:12]` (IPA), low bits zero.
    pub addr: u64,
    /// Leaf: only last-level entries need invalidating.
    pub leaf: bool,
    /// TG: 0 = any granule (no range, no TTL), else 4 KB / 16 KB / 64 KB.
    pub tg: u8,
    /// TTL: level hint (with TG != 0).
    pub ttl: u8,
    /// NUM: number of granules minus one (with TG != 0).
    pub num: u8,
    /// SCALE (with TG != 0).
    pub scale: u8,
}

impl TlbiAddress {
    fn decode(d0: u64, d1: u64, address_mask: u64) -> Result<TlbiAddress, IllegalCommand> {
        let mut a = TlbiAddress {
            addr: d1 & address_mask,
            leaf: d1 & 1 != 0,
            tg: ((d1 >> 10) & 0b11) as u8,
            ttl: ((d1 >> 8) & 0b11) as u8,
            num: ((d0 >> 12) & 0x1F) as u8,
            scale: ((d0 >> 20) & 0x1F) as u8,
        };
        if a.tg == 0 {
            // TTL, NUM and SCALE are RES0 without TG.
            a.ttl = 0;
            a.num = 0;
            a.scale = 0;
            return Ok(a);
        }
        // TG = 16 KB with TTL = 0b01 is reserved without DS and treated as TTL = 0.
        if a.tg == 0b10 && a.ttl == 0b01 {
            a.ttl = 0;
        }
        if a.num == 0 && a.scale == 0 && a.ttl == 0 {
            return Err(IllegalCommand::ReservedRange);
        }
        Ok(a)
    }

    /// The range of addresses and the hints, as the IOTLB takes them: with TG == 0
    /// the entries covering the address; otherwise `(NUM + 1) * 2^SCALE` granules
    /// from the address.
    pub fn range(&self, space: RangeSpace) -> AddressRange {
        let Some(granule) = Granule::from_tlbi_tg(self.tg) else {
            return AddressRange {
                space,
                start: self.addr,
                end: self.addr.saturating_add(1),
                leaf_only: self.leaf,
                ttl: None,
            };
        };
        // NUM and SCALE are 5 bits, the granule shift at most 16: below 2^53.
        let len = (u64::from(self.num) + 1) << (u32::from(self.scale) + granule.shift());
        AddressRange {
            space,
            start: self.addr,
            end: self.addr.saturating_add(len),
            leaf_only: self.leaf,
            ttl: (self.ttl != 0).then_some((granule, self.ttl)),
        }
    }
}

/// CMD_SYNC's completion signal, CS (IHI0070 4.7.3).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum CompletionSignal {
    /// SIG_NONE.
    None,
    /// SIG_IRQ: the CMD_SYNC interrupt, and an MSI if MSIAddress != 0.
    Irq,
    /// SIG_SEV: a WFE wake-up event; IDR0.SEV == 0 here, so nothing.
    Sev,
}

/// The operands of a CMD_SYNC.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct SyncCommand {
    /// CS.
    pub signal: CompletionSignal,
    /// MSIAddress `[55:2]`, as a byte address (0: no MSI).
    pub msi_addr: u64,
    /// MSIData.
    pub msi_data: u32,
    /// MSIAttr (STE.MemAttr encoding).
    pub msi_attr: u8,
    /// MSH.
    pub msh: u8,
}

/// A decoded command, with its StreamID's Security state resolved from SSec.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // Fields are the spec's command parameters.
pub enum Command {
    /// CMD_PREFETCH_CONFIG.
    PrefetchConfig {
        sec_sid: SecSid,
        stream_id: u32,
        substream_id: Option<u32>,
    },
    /// CMD_PREFETCH_ADDR.
    PrefetchAddr {
        sec_sid: SecSid,
        stream_id: u32,
        substream_id: Option<u32>,
        addr: u64,
    },
    /// CMD_CFGI_STE.
    CfgiSte {
        sec_sid: SecSid,
        stream_id: u32,
        leaf: bool,
    },
    /// CMD_CFGI_STE_RANGE: StreamIDs `first..=last`.
    CfgiSteRange {
        sec_sid: SecSid,
        first: u32,
        last: u32,
    },
    /// CMD_CFGI_ALL (CMD_CFGI_STE_RANGE with Range == 31).
    CfgiAll { sec_sid: SecSid },
    /// CMD_CFGI_CD.
    CfgiCd {
        sec_sid: SecSid,
        stream_id: u32,
        substream_id: u32,
        leaf: bool,
    },
    /// CMD_CFGI_CD_ALL.
    CfgiCdAll { sec_sid: SecSid, stream_id: u32 },
    /// CMD_TLBI_NH_ALL.
    TlbiNhAll { vmid: u16 },
    /// CMD_TLBI_NH_ASID.
    TlbiNhAsid { vmid: u16, asid: u16 },
    /// CMD_TLBI_NH_VA.
    TlbiNhVa {
        vmid: u16,
        asid: u16,
        address: TlbiAddress,
    },
    /// CMD_TLBI_NH_VAA.
    TlbiNhVaa { vmid: u16, address: TlbiAddress },
    /// CMD_TLBI_EL3_ALL.
    TlbiEl3All,
    /// CMD_TLBI_EL3_VA.
    TlbiEl3Va { address: TlbiAddress },
    /// CMD_TLBI_EL2_ALL.
    TlbiEl2All,
    /// CMD_TLBI_EL2_ASID.
    TlbiEl2Asid { asid: u16 },
    /// CMD_TLBI_EL2_VA.
    TlbiEl2Va { asid: u16, address: TlbiAddress },
    /// CMD_TLBI_EL2_VAA.
    TlbiEl2Vaa { address: TlbiAddress },
    /// CMD_TLBI_S_EL2_ALL.
    TlbiSEl2All,
    /// CMD_TLBI_S_EL2_ASID.
    TlbiSEl2Asid { asid: u16 },
    /// CMD_TLBI_S_EL2_VA.
    TlbiSEl2Va { asid: u16, address: TlbiAddress },
    /// CMD_TLBI_S_EL2_VAA.
    TlbiSEl2Vaa { address: TlbiAddress },
    /// CMD_TLBI_S12_VMALL.
    TlbiS12Vmall { vmid: u16 },
    /// CMD_TLBI_S2_IPA.
    TlbiS2Ipa { vmid: u16, address: TlbiAddress },
    /// CMD_TLBI_NSNH_ALL.
    TlbiNsnhAll,
    /// CMD_TLBI_S_S12_VMALL.
    TlbiSS12Vmall { vmid: u16 },
    /// CMD_TLBI_S_S2_IPA (the NS parameter is not kept: see the module notes).
    TlbiSS2Ipa { vmid: u16, address: TlbiAddress },
    /// CMD_TLBI_SNH_ALL.
    TlbiSnhAll,
    /// CMD_SYNC.
    Sync(SyncCommand),
}

/// VA operand: `Address[63:12]` (IHI0070 4.1.6).
const VA_MASK: u64 = !0xFFF;
/// IPA operand: `Address[55:12]`.
const IPA_MASK: u64 = 0x00FF_FFFF_FFFF_F000;

/// Decodes one command read from the Command queue of `queue` (its two
/// little-endian double words), checking it against the implementation.
pub fn decode(
    raw: [u64; 2],
    queue: SecSid,
    config: &SmmuConfig,
) -> Result<Command, IllegalCommand> {
    let [d0, d1] = raw;
    let op = (d0 & 0xFF) as u8;
    let ssec = d0 & (1 << 10) != 0;
    let ssv = d0 & (1 << 11) != 0;
    let ssid = ((d0 >> 12) & 0xF_FFFF) as u32;
    let stream_id = (d0 >> 32) as u32;
    let vmid = (d0 >> 32) as u16;
    let asid = (d0 >> 48) as u16;
    let secure_queue = queue == SecSid::Secure;
    // The Security state the StreamID parameter names (IHI0070 4.1.6).
    let target = || stream_security(queue, ssec).ok_or(IllegalCommand::SsecOnNonSecureQueue(op));
    let need = |present: bool, feature: Feature| {
        if present {
            Ok(())
        } else {
            Err(IllegalCommand::NotImplemented(op, feature))
        }
    };
    let secure_only = || {
        if secure_queue {
            Ok(())
        } else {
            Err(IllegalCommand::SecureOnly(op))
        }
    };
    // Without IDR3.RIL, TG (and with it TTL, NUM and SCALE) is RES0 (IHI0070 4.4.1.1,
    // docs/spec-choices.md REG-18).
    let d1 = if config.range_invalidation {
        d1
    } else {
        d1 & !(0b11 << 10)
    };
    let va = || TlbiAddress::decode(d0, d1, VA_MASK);
    let ipa = || TlbiAddress::decode(d0, d1, IPA_MASK);
    use opcode::*;
    let command = match op {
        PREFETCH_CONFIG => Command::PrefetchConfig {
            sec_sid: target()?,
            stream_id,
            substream_id: ssv.then_some(ssid),
        },
        PREFETCH_ADDR => Command::PrefetchAddr {
            sec_sid: target()?,
            stream_id,
            substream_id: ssv.then_some(ssid),
            addr: d1 & VA_MASK,
        },
        CFGI_STE => Command::CfgiSte {
            sec_sid: target()?,
            stream_id,
            leaf: d1 & 1 != 0,
        },
        CFGI_STE_RANGE => {
            let sec_sid = target()?;
            let range = (d1 & 0x1F) as u32;
            if range == 31 {
                Command::CfgiAll { sec_sid }
            } else {
                // 2^(Range+1) StreamIDs aligned to their size; the low Range+1
                // bits of StreamID are IGNORED (IHI0070 4.3.2).
                let span = 1u32 << (range + 1);
                let first = stream_id & !(span - 1);
                Command::CfgiSteRange {
                    sec_sid,
                    first,
                    last: first | (span - 1),
                }
            }
        }
        CFGI_CD => {
            let sec_sid = target()?;
            need(config.stage1, Feature::Stage1)?;
            Command::CfgiCd {
                sec_sid,
                stream_id,
                substream_id: ssid,
                leaf: d1 & 1 != 0,
            }
        }
        CFGI_CD_ALL => {
            let sec_sid = target()?;
            need(config.stage1, Feature::Stage1)?;
            Command::CfgiCdAll { sec_sid, stream_id }
        }
        CFGI_VMS_PIDM => return Err(IllegalCommand::NotImplemented(op, Feature::Mpam)),
        TLBI_NH_ALL | TLBI_NH_ASID | TLBI_NH_VA | TLBI_NH_VAA => {
            need(config.stage1, Feature::Stage1)?;
            match op {
                TLBI_NH_ALL => Command::TlbiNhAll { vmid },
                TLBI_NH_ASID => Command::TlbiNhAsid { vmid, asid },
                TLBI_NH_VA => Command::TlbiNhVa {
                    vmid,
                    asid,
                    address: va()?,
                },
                _ => Command::TlbiNhVaa {
                    vmid,
                    address: va()?,
                },
            }
        }
        TLBI_EL3_ALL | TLBI_EL3_VA => {
            // Secure queue only; EL3 StreamWorld exists (no RME) (IHI0070 4.4.2.5).
            need(config.stage1, Feature::Stage1)?;
            secure_only()?;
            if op == TLBI_EL3_ALL {
                Command::TlbiEl3All
            } else {
                Command::TlbiEl3Va { address: va()? }
            }
        }
        TLBI_EL2_ALL | TLBI_EL2_ASID | TLBI_EL2_VA | TLBI_EL2_VAA => {
            need(config.stage1, Feature::Stage1)?;
            need(config.hyp, Feature::Hyp)?;
            match op {
                TLBI_EL2_ALL => Command::TlbiEl2All,
                TLBI_EL2_ASID => Command::TlbiEl2Asid { asid },
                TLBI_EL2_VA => Command::TlbiEl2Va {
                    asid,
                    address: va()?,
                },
                _ => Command::TlbiEl2Vaa { address: va()? },
            }
        }
        TLBI_S_EL2_ALL | TLBI_S_EL2_ASID | TLBI_S_EL2_VA | TLBI_S_EL2_VAA => {
            secure_only()?;
            need(config.secure_stage2, Feature::SecureStage2)?;
            match op {
                TLBI_S_EL2_ALL => Command::TlbiSEl2All,
                TLBI_S_EL2_ASID => Command::TlbiSEl2Asid { asid },
                TLBI_S_EL2_VA => Command::TlbiSEl2Va {
                    asid,
                    address: va()?,
                },
                _ => Command::TlbiSEl2Vaa { address: va()? },
            }
        }
        TLBI_S12_VMALL => {
            need(config.stage2, Feature::Stage2)?;
            Command::TlbiS12Vmall { vmid }
        }
        TLBI_S2_IPA => {
            need(config.stage2, Feature::Stage2)?;
            Command::TlbiS2Ipa {
                vmid,
                address: ipa()?,
            }
        }
        TLBI_NSNH_ALL => Command::TlbiNsnhAll,
        TLBI_S_S12_VMALL | TLBI_S_S2_IPA | TLBI_SNH_ALL => {
            secure_only()?;
            need(config.secure_stage2, Feature::SecureStage2)?;
            match op {
                TLBI_S_S12_VMALL => Command::TlbiSS12Vmall { vmid },
                TLBI_S_S2_IPA => Command::TlbiSS2Ipa {
                    vmid,
                    address: ipa()?,
                },
                _ => Command::TlbiSnhAll,
            }
        }
        ATC_INV => return Err(IllegalCommand::NotImplemented(op, Feature::Ats)),
        PRI_RESP => return Err(IllegalCommand::NotImplemented(op, Feature::Pri)),
        // STALL_MODEL == 0b01: CMD_RESUME and CMD_STALL_TERM are ILLEGAL (IHI0070
        // 4.7.1, 4.7.2).
        RESUME | STALL_TERM => return Err(IllegalCommand::NotImplemented(op, Feature::Stall)),
        SYNC => {
            let signal = match (d0 >> 12) & 0b11 {
                0b00 => CompletionSignal::None,
                0b01 => CompletionSignal::Irq,
                0b10 => CompletionSignal::Sev,
                _ => return Err(IllegalCommand::ReservedCompletionSignal),
            };
            Command::Sync(SyncCommand {
                signal,
                msi_addr: d1 & 0x00FF_FFFF_FFFF_FFFC,
                msi_data: (d0 >> 32) as u32,
                msi_attr: ((d0 >> 24) & 0xF) as u8,
                msh: ((d0 >> 22) & 0b11) as u8,
            })
        }
        DPTI_ALL | DPTI_PA => return Err(IllegalCommand::NotImplemented(op, Feature::Dpt)),
        _ => return Err(IllegalCommand::ReservedOpcode(op)),
    };
    Ok(command)
}

/// What an invalidation command needs from the registers: per bank, the VMID
/// wildcard (CR0.VMW in effect) and CR2.E2H, and whether stage 2 exists for the
/// Security state.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct InvalidationContext {
    /// The queue the command came from.
    pub queue: SecSid,
    /// CR0ACK.VMW per bank, by [`SecSid::index`].
    pub vmw: [u8; 2],
    /// CR2.E2H per bank.
    pub e2h: [bool; 2],
    /// Stage 2 implemented for each Security state (S2P; S2P and SEL2).
    pub stage2: [bool; 2],
}

impl InvalidationContext {
    /// The VMID match of a VMID operand for entries of `state`: with the
    /// wildcard of that state's CR0.VMW (IHI0070 6.3.9.1), or `None` where the
    /// VMID is RES0 because stage 2 does not exist for the state (IHI0070 4.4.2).
    fn vmid(&self, state: SecSid, vmid: u16) -> Option<VmidMatch> {
        self.stage2[state.index()].then(|| VmidMatch::with_vmw(vmid, self.vmw[state.index()]))
    }

    fn exact_vmid(&self, state: SecSid, vmid: u16) -> VmidMatch {
        VmidMatch::with_vmw(vmid, self.vmw[state.index()])
    }
}

fn worlds(list: &[StreamWorld]) -> WorldSet {
    WorldSet::of(list)
}

/// The four TLBI_EL2_* forms, which the Non-secure and the Secure state share with
/// only the EL2 worlds told apart.
#[derive(Copy, Clone)]
enum El2Tlbi {
    All,
    Asid(u16),
    Va(u16, TlbiAddress),
    Vaa(TlbiAddress),
}

impl El2Tlbi {
    /// The scope in the EL2 worlds of `sec`. With E2H (CR2.E2H / S_CR2.E2H) the EL2
    /// regime is the ASID-tagged EL2-E2H one, so the VA forms name that world and
    /// honour the ASID; the ASID form only ever names it (IHI0070 4.4.2).
    fn scope(self, sec: SecSid, e2h: bool) -> TlbScope {
        let (every, plain, host) = match sec {
            SecSid::NonSecure => (WorldSet::NS_EL2, StreamWorld::NsEl2, StreamWorld::NsEl2E2h),
            SecSid::Secure => (
                WorldSet::SECURE_EL2,
                StreamWorld::SecureEl2,
                StreamWorld::SecureEl2E2h,
            ),
        };
        let by_va = worlds(&[if e2h { host } else { plain }]);
        let s = TlbScope::sec_sid(sec);
        match self {
            El2Tlbi::All => TlbScope { worlds: every, ..s },
            El2Tlbi::Asid(asid) => TlbScope {
                worlds: worlds(&[host]),
                stages: StageSet::STAGE1,
                asid: Some(asid),
                include_global: false,
                ..s
            },
            El2Tlbi::Va(asid, address) => TlbScope {
                worlds: by_va,
                stages: StageSet::STAGE1,
                asid: e2h.then_some(asid),
                include_global: true,
                range: Some(address.range(RangeSpace::Input)),
                ..s
            },
            El2Tlbi::Vaa(address) => TlbScope {
                worlds: by_va,
                stages: StageSet::STAGE1,
                range: Some(address.range(RangeSpace::Input)),
                ..s
            },
        }
    }
}

impl Command {
    /// The invalidation the command performs, if it is one (IHI0070 4.3, 4.4).
    ///
    /// TLB invalidations name the Security state whose entries they reach: the
    /// queue's for TLBI_NH_* (StreamWorld NS-EL1 or Secure), Non-secure for
    /// TLBI_EL2_*, TLBI_S12_VMALL, TLBI_S2_IPA and TLBI_NSNH_ALL from either queue,
    /// Secure for TLBI_EL3_* and the TLBI_S_* commands. Configuration invalidations
    /// name the state SSec selected.
    pub fn invalidation(&self, ctx: &InvalidationContext) -> Option<Invalidation> {
        use SecSid::{NonSecure, Secure};
        let q = ctx.queue;
        // The EL1&0 world of the queue's Security state.
        let el1 = match q {
            NonSecure => worlds(&[StreamWorld::NsEl1]),
            Secure => worlds(&[StreamWorld::Secure]),
        };
        let tlb = |sec: SecSid, f: &dyn Fn(TlbScope) -> TlbScope| {
            Some(Invalidation::Tlb(f(TlbScope::sec_sid(sec))))
        };
        let el2 =
            |sec: SecSid, op: El2Tlbi| Some(Invalidation::Tlb(op.scope(sec, ctx.e2h[sec.index()])));
        match *self {
            Command::PrefetchConfig { .. } | Command::PrefetchAddr { .. } | Command::Sync(_) => {
                None
            }
            Command::CfgiSte {
                sec_sid, stream_id, ..
            }
            | Command::CfgiCdAll { sec_sid, stream_id } => {
                Some(Invalidation::Config(ConfigScope::Streams {
                    sec_sid,
                    first: stream_id,
                    last: stream_id,
                }))
            }
            Command::CfgiSteRange {
                sec_sid,
                first,
                last,
            } => Some(Invalidation::Config(ConfigScope::Streams {
                sec_sid,
                first,
                last,
            })),
            Command::CfgiAll { sec_sid } => {
                Some(Invalidation::Config(ConfigScope::AllStreams { sec_sid }))
            }
            Command::CfgiCd {
                sec_sid,
                stream_id,
                substream_id,
                ..
            } => Some(Invalidation::Config(ConfigScope::Substream {
                sec_sid,
                stream_id,
                substream_id,
            })),
            // IHI0070 4.4.2.1: all stage 1 EL1 entries of the queue's state (of the
            // VMID where that state has stage 2), global ones included.
            Command::TlbiNhAll { vmid } => tlb(q, &|s| TlbScope {
                worlds: el1,
                stages: StageSet::STAGE1,
                vmid: ctx.vmid(q, vmid),
                ..s
            }),
            // IHI0070 4.4.2.2: non-global entries of the ASID.
            Command::TlbiNhAsid { vmid, asid } => tlb(q, &|s| TlbScope {
                worlds: el1,
                stages: StageSet::STAGE1,
                vmid: ctx.vmid(q, vmid),
                asid: Some(asid),
                include_global: false,
                ..s
            }),
            // IHI0070 4.4.2.4: entries of the ASID and global entries, by VA.
            Command::TlbiNhVa {
                vmid,
                asid,
                address,
            } => tlb(q, &|s| TlbScope {
                worlds: el1,
                stages: StageSet::STAGE1,
                vmid: ctx.vmid(q, vmid),
                asid: Some(asid),
                include_global: true,
                range: Some(address.range(RangeSpace::Input)),
                ..s
            }),
            // IHI0070 4.4.2.3: every ASID, by VA.
            Command::TlbiNhVaa { vmid, address } => tlb(q, &|s| TlbScope {
                worlds: el1,
                stages: StageSet::STAGE1,
                vmid: ctx.vmid(q, vmid),
                range: Some(address.range(RangeSpace::Input)),
                ..s
            }),
            Command::TlbiEl3All => tlb(Secure, &|s| TlbScope {
                worlds: WorldSet::EL3,
                ..s
            }),
            Command::TlbiEl3Va { address } => tlb(Secure, &|s| TlbScope {
                worlds: WorldSet::EL3,
                stages: StageSet::STAGE1,
                range: Some(address.range(RangeSpace::Input)),
                ..s
            }),
            // IHI0070 4.4.2.7-14: EL2 entries of the Non-secure state from either
            // queue, of the Secure state from the Secure queue (decode refuses
            // TLBI_S_EL2_* on the Non-secure one).
            Command::TlbiEl2All => el2(NonSecure, El2Tlbi::All),
            Command::TlbiEl2Asid { asid } => el2(NonSecure, El2Tlbi::Asid(asid)),
            Command::TlbiEl2Va { asid, address } => el2(NonSecure, El2Tlbi::Va(asid, address)),
            Command::TlbiEl2Vaa { address } => el2(NonSecure, El2Tlbi::Vaa(address)),
            Command::TlbiSEl2All => el2(Secure, El2Tlbi::All),
            Command::TlbiSEl2Asid { asid } => el2(Secure, El2Tlbi::Asid(asid)),
            Command::TlbiSEl2Va { asid, address } => el2(Secure, El2Tlbi::Va(asid, address)),
            Command::TlbiSEl2Vaa { address } => el2(Secure, El2Tlbi::Vaa(address)),
            // IHI0070 4.4.3.2: Non-secure EL1 entries of the VMID, all stages.
            Command::TlbiS12Vmall { vmid } => tlb(NonSecure, &|s| TlbScope {
                worlds: worlds(&[StreamWorld::NsEl1]),
                vmid: Some(ctx.exact_vmid(NonSecure, vmid)),
                ..s
            }),
            // IHI0070 4.4.3.1: a Non-secure IPA; combined entries are removed too.
            Command::TlbiS2Ipa { vmid, address } => tlb(NonSecure, &|s| TlbScope {
                stages: StageSet::STAGE2,
                vmid: Some(ctx.exact_vmid(NonSecure, vmid)),
                range: Some(address.range(RangeSpace::Ipa)),
                ..s
            }),
            // IHI0070 4.4.4.1: all Non-secure, non-EL2 entries.
            Command::TlbiNsnhAll => tlb(NonSecure, &|s| TlbScope {
                worlds: worlds(&[StreamWorld::NsEl1]),
                ..s
            }),
            Command::TlbiSS12Vmall { vmid } => tlb(Secure, &|s| TlbScope {
                worlds: worlds(&[StreamWorld::Secure]),
                vmid: Some(ctx.exact_vmid(Secure, vmid)),
                ..s
            }),
            Command::TlbiSS2Ipa { vmid, address } => tlb(Secure, &|s| TlbScope {
                stages: StageSet::STAGE2,
                vmid: Some(ctx.exact_vmid(Secure, vmid)),
                range: Some(address.range(RangeSpace::Ipa)),
                ..s
            }),
            // IHI0070 4.4.4.2: all Secure, non-S-EL2 entries.
            Command::TlbiSnhAll => tlb(Secure, &|s| TlbScope {
                worlds: worlds(&[StreamWorld::Secure]),
                ..s
            }),
        }
    }
}

/// The Command queue geometry of `bank` (CMDQ_BASE, capped by IDR1.CMDQS).
pub(crate) fn command_queue(regs: &RegisterFile, bank: SecSid) -> QueueGeometry {
    let base = regs.bank(bank).cmdq_base();
    QueueGeometry::new(
        base.addr() << 5,
        u32::from(base.log2size()),
        u32::from(regs.idr1().cmdqs()),
        QueueGeometry::COMMAND_SHIFT,
    )
}

impl<M: GuestMemory, I: InterruptSink, T: TraceSink> Smmu<M, I, T> {
    fn invalidation_context(&self, queue: SecSid) -> InvalidationContext {
        let config = self.translator.config();
        let per_bank = |b: SecSid| {
            let bank = self.regs.bank(b);
            (bank.cr0ack().vmw_raw(), bank.cr2().e2h())
        };
        let (ns, s) = (per_bank(SecSid::NonSecure), per_bank(SecSid::Secure));
        InvalidationContext {
            queue,
            vmw: [ns.0, s.0],
            e2h: [ns.1, s.1],
            stage2: [
                config.stage2_for(SecSid::NonSecure),
                config.stage2_for(SecSid::Secure),
            ],
        }
    }

    /// Reads the command at `addr` of `pas`. An address beyond the OAS is an
    /// external abort (IHI0070 3.4.3).
    fn fetch_command(&self, pas: Pas, addr: u64) -> Result<[u64; 2], MemoryFault> {
        let fault = MemoryFault { pas, addr, len: 16 };
        if addr >> self.translator.config().oas.bits() != 0 {
            return Err(fault);
        }
        let mut bytes = [0u8; 16];
        self.memory.read(pas, addr, &mut bytes)?;
        let (lo, hi) = bytes.split_at(8);
        let dword = |b: &[u8]| {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            u64::from_le_bytes(a)
        };
        Ok([dword(lo), dword(hi)])
    }

    /// Consumes the commands of `bank`'s queue, if it may (IHI0070 4.1.2). Returns
    /// how many were consumed.
    pub(crate) fn consume_commands(&mut self, bank: SecSid) -> u32 {
        let b = self.regs.bank(bank);
        if !b.cr0ack().cmdqen() || GlobalError::CommandQueue.is_active(b.gerror(), b.gerrorn()) {
            return 0;
        }
        let queue = command_queue(&self.regs, bank);
        let prod = queue.pointer(b.cmdq_prod().wr());
        let start = queue.pointer(b.cmdq_cons().rd());
        // An inconsistent PROD/CONS pair is CONSTRAINED UNPREDICTABLE: this model
        // consumes nothing while it lasts (IHI0070 3.5.1).
        let Some(pending) = queue.used(prod, start) else {
            return 0;
        };
        if pending == 0 {
            return 0;
        }
        let pas = interface_pas(bank);
        let ctx = self.invalidation_context(bank);
        let mut cons = start;
        let mut consumed = 0;
        // At most 2^QS iterations: `pending` was bounded by `used`.
        for _ in 0..pending {
            let decoded = self
                .fetch_command(pas, queue.entry_address(cons))
                .map_err(CommandError::Abort)
                .and_then(|raw| {
                    decode(raw, bank, self.translator.config()).map_err(CommandError::Illegal)
                });
            let command = match decoded {
                Ok(command) => command,
                Err(error) => {
                    self.command_error(bank, cons, error);
                    return consumed;
                }
            };
            consumed += 1;
            self.stats.commands += 1;
            cons = queue.next(cons);
            match command {
                Command::Sync(sync) => {
                    // The CMD_SYNC is consumed (CONS past it) before its
                    // completion is signalled (IHI0070 4.7.3, 3.18).
                    if sync.signal == CompletionSignal::Irq {
                        self.write_command_cons(bank, cons);
                        self.complete_sync(bank, &sync);
                    }
                }
                other => {
                    if let Some(invalidation) = other.invalidation(&ctx) {
                        self.invalidate(&invalidation);
                    }
                }
            }
        }
        self.write_command_cons(bank, cons);
        consumed
    }

    /// CMDQ_CONS.RD = `cons` (index and wrap flag; bits above read as zero).
    fn write_command_cons(&mut self, bank: SecSid, cons: u32) {
        if self.regs.bank(bank).cmdq_cons().rd() != cons {
            self.hw_update(|regs| regs.bank_hw(bank).cmdq_cons(|c| c.with_rd(cons)));
        }
    }

    /// A command error: CONS stays on the command, ERR gets the reason, then
    /// CMDQ_ERR is activated (IHI0070 7.1: the code is visible first).
    fn command_error(&mut self, bank: SecSid, cons: u32, error: CommandError) {
        self.stats.command_errors += 1;
        let code = error.code();
        self.hw_update(|regs| {
            regs.bank_hw(bank)
                .cmdq_cons(|c| c.with_rd(cons).with_err(code))
        });
        self.activate_global_error(bank, GlobalError::CommandQueue);
    }

    /// CMD_SYNC completion: with SIG_IRQ, the bank's CMD_SYNC interrupt and, if MSIs
    /// are implemented and MSIAddress != 0, the MSI (a Secure write from the Secure
    /// queue). An aborted MSI activates MSI_CMDQ_ABT_ERR (IHI0070 4.7.3).
    fn complete_sync(&mut self, bank: SecSid, sync: &SyncCommand) {
        if sync.signal != CompletionSignal::Irq {
            return;
        }
        let msi = (self.msi_implemented(bank) && sync.msi_addr != 0).then(|| MsiTarget {
            addr: self.msi_address(sync.msi_addr >> 2),
            data: sync.msi_data,
        });
        if self.signal(bank, IrqSource::CmdSync, msi) {
            self.activate_global_error(bank, GlobalError::MsiCommandQueueAbort);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(op: u8) -> [u64; 2] {
        [u64::from(op), 0]
    }

    #[test]
    fn cfgi_range_alignment_and_all() {
        let config = SmmuConfig::default();
        // Range 3: 16 StreamIDs aligned to 16.
        let raw = [0x0000_0123_0000_0004, 3];
        assert_eq!(
            decode(raw, SecSid::NonSecure, &config),
            Ok(Command::CfgiSteRange {
                sec_sid: SecSid::NonSecure,
                first: 0x120,
                last: 0x12F
            })
        );
        // Range 31 is CMD_CFGI_ALL; SSec = 1 on the Secure queue names Secure.
        let raw = [0x0000_0123_0000_0404, 31];
        assert_eq!(
            decode(raw, SecSid::Secure, &config),
            Ok(Command::CfgiAll {
                sec_sid: SecSid::Secure
            })
        );
        // Range 30: 2^31 StreamIDs.
        let raw = [0xFFFF_FFFF_0000_0004, 30];
        assert_eq!(
            decode(raw, SecSid::NonSecure, &config),
            Ok(Command::CfgiSteRange {
                sec_sid: SecSid::NonSecure,
                first: 0x8000_0000,
                last: 0xFFFF_FFFF
            })
        );
    }

    #[test]
    fn tlbi_ranges() {
        // TG = 4 KB, NUM = 3, SCALE = 1: 8 pages from the address, TTL 3.
        let a = TlbiAddress::decode(3 << 12 | 1 << 20, 0x1234_5000 | 0b01_11 << 8 | 1, VA_MASK)
            .unwrap();
        let r = a.range(RangeSpace::Input);
        assert_eq!(
            (r.start, r.end, r.leaf_only),
            (0x1234_5000, 0x1234_D000, true)
        );
        assert_eq!(r.ttl, Some((Granule::K4, 3)));
        // TG = 0: the entries covering the address; TTL/NUM/SCALE ignored.
        let a =
            TlbiAddress::decode(0x1F << 12, 0xFFFF_8000_0000_1000 | 0b11 << 8, VA_MASK).unwrap();
        let r = a.range(RangeSpace::Input);
        assert_eq!(
            (r.start, r.end, r.ttl),
            (0xFFFF_8000_0000_1000, 0xFFFF_8000_0000_1001, None)
        );
        // TG != 0 with NUM = SCALE = TTL = 0 is reserved; 16 KB with TTL 1 is TTL 0.
        assert_eq!(
            TlbiAddress::decode(0, 0b01 << 10, VA_MASK),
            Err(IllegalCommand::ReservedRange)
        );
        assert_eq!(
            TlbiAddress::decode(0, 0b10 << 10 | 0b01 << 8, VA_MASK),
            Err(IllegalCommand::ReservedRange)
        );
        // IPA operands keep bits [55:12] only.
        let a = TlbiAddress::decode(0, 0xFFFF_FFFF_FFFF_F000, IPA_MASK).unwrap();
        assert_eq!(a.addr, 0x00FF_FFFF_FFFF_F000);
    }

    #[test]
    fn illegal_commands() {
        let full = SmmuConfig::default();
        let ns = SecSid::NonSecure;
        for op in [
            0x00, 0x08, 0x09, 0x0A, 0x14, 0x19, 0x24, 0x31, 0x47, 0x80, 0x8F, 0xFF,
        ] {
            assert_eq!(
                decode(cmd(op), ns, &full),
                Err(IllegalCommand::ReservedOpcode(op))
            );
        }
        for op in [0x18, 0x1A, 0x50, 0x51, 0x52, 0x53, 0x58, 0x5A, 0x60] {
            assert_eq!(
                decode(cmd(op), ns, &full),
                Err(IllegalCommand::SecureOnly(op))
            );
        }
        // SSec = 1 on the Non-secure queue, for every command that has SSec.
        for op in [0x01, 0x02, 0x03, 0x04, 0x05, 0x06] {
            assert_eq!(
                decode([u64::from(op) | 1 << 10, 0], ns, &full),
                Err(IllegalCommand::SsecOnNonSecureQueue(op))
            );
        }
        assert_eq!(
            decode([0x46 | 0b11 << 12, 0], ns, &full),
            Err(IllegalCommand::ReservedCompletionSignal)
        );
        let absent = [
            (0x07, Feature::Mpam),
            (0x40, Feature::Ats),
            (0x41, Feature::Pri),
            (0x44, Feature::Stall),
            (0x45, Feature::Stall),
            (0x70, Feature::Dpt),
            (0x73, Feature::Dpt),
        ];
        for (op, feature) in absent {
            assert_eq!(
                decode(cmd(op), SecSid::Secure, &full),
                Err(IllegalCommand::NotImplemented(op, feature))
            );
        }
        // Stage-1-only and stage-2-only implementations.
        let s1 = SmmuConfig::qemu_7_2();
        for op in [0x28, 0x2A] {
            assert_eq!(
                decode(cmd(op), ns, &s1),
                Err(IllegalCommand::NotImplemented(op, Feature::Stage2))
            );
        }
        assert_eq!(
            decode(cmd(0x20), ns, &s1),
            Err(IllegalCommand::NotImplemented(0x20, Feature::Hyp))
        );
        let s2 = SmmuConfig {
            stage1: false,
            ssid_bits: 0,
            hyp: false,
            secure_impl: false,
            secure_stage2: false,
            ..SmmuConfig::default()
        };
        for op in [0x05, 0x06, 0x10, 0x11, 0x12, 0x13, 0x20] {
            assert_eq!(
                decode(cmd(op), ns, &s2),
                Err(IllegalCommand::NotImplemented(op, Feature::Stage1))
            );
        }
        // Without SEL2 the Secure stage 2 commands are reserved.
        let no_sel2 = SmmuConfig {
            secure_stage2: false,
            ..SmmuConfig::default()
        };
        for op in [0x50, 0x58, 0x5A, 0x60] {
            assert_eq!(
                decode(cmd(op), SecSid::Secure, &no_sel2),
                Err(IllegalCommand::NotImplemented(op, Feature::SecureStage2))
            );
        }
        assert_eq!(
            CommandError::Illegal(IllegalCommand::ReservedOpcode(0)).code(),
            Cerror::CerrorIll
        );
    }

    #[test]
    fn sync_fields() {
        let raw = [
            0xDEAD_BEEF_0000_0000 | 0xF << 24 | 0b11 << 22 | 0b01 << 12 | 0x46,
            0xFF00_1234_5678_9ABF,
        ];
        assert_eq!(
            decode(raw, SecSid::Secure, &SmmuConfig::default()),
            Ok(Command::Sync(SyncCommand {
                signal: CompletionSignal::Irq,
                msi_addr: 0x0000_1234_5678_9ABC,
                msi_data: 0xDEAD_BEEF,
                msi_attr: 0xF,
                msh: 0b11,
            }))
        );
    }
}
