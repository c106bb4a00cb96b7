//! Event records (IHI0070 7.3) and whether each is recorded.
//!
//! An [`Event`] is produced for every terminated transaction that the architecture
//! reports. Whether it goes into the event queue is [`Event::record`]: it reflects
//! CD.R (stage 1 faults), STE.S2R (stage 2 faults) and CR2.RECINVSID
//! (C_BAD_STREAMID). Queueing itself belongs to the event queue, not to translation.

use regdef::SecSid;

use crate::context_descriptor::InvalidCd;
use crate::stream_table::InvalidSte;

/// Event type numbers (IHI0070 7.3, Table 7-3).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum EventType {
    /// C_BAD_STREAMID (0x02): StreamID out of range or an invalid L1STD.
    BadStreamId = 0x02,
    /// F_STE_FETCH (0x03): external abort fetching an L1STD or STE.
    SteFetch = 0x03,
    /// C_BAD_STE (0x04): STE V == 0 or ILLEGAL.
    BadSte = 0x04,
    /// F_STREAM_DISABLED (0x06): no-substream traffic disabled by S1DSS, or
    /// SubstreamID 0 with S1DSS == 0b10.
    StreamDisabled = 0x06,
    /// C_BAD_SUBSTREAMID (0x08).
    BadSubstreamId = 0x08,
    /// F_CD_FETCH (0x09): external abort fetching an L1CD or CD.
    CdFetch = 0x09,
    /// C_BAD_CD (0x0A): CD V == 0 or ILLEGAL.
    BadCd = 0x0A,
    /// F_WALK_EABT (0x0B): external abort fetching a translation table descriptor.
    WalkExternalAbort = 0x0B,
    /// F_TRANSLATION (0x10).
    Translation = 0x10,
    /// F_ADDR_SIZE (0x11).
    AddressSize = 0x11,
    /// F_ACCESS (0x12).
    AccessFlag = 0x12,
    /// F_PERMISSION (0x13).
    Permission = 0x13,
}

impl EventType {
    /// Every event type this model records, in event number order.
    pub const ALL: [EventType; 12] = [
        EventType::BadStreamId,
        EventType::SteFetch,
        EventType::BadSte,
        EventType::StreamDisabled,
        EventType::BadSubstreamId,
        EventType::CdFetch,
        EventType::BadCd,
        EventType::WalkExternalAbort,
        EventType::Translation,
        EventType::AddressSize,
        EventType::AccessFlag,
        EventType::Permission,
    ];

    /// The event number.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The spec's name (`F_TRANSLATION`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            EventType::BadStreamId => "C_BAD_STREAMID",
            EventType::SteFetch => "F_STE_FETCH",
            EventType::BadSte => "C_BAD_STE",
            EventType::StreamDisabled => "F_STREAM_DISABLED",
            EventType::BadSubstreamId => "C_BAD_SUBSTREAMID",
            EventType::CdFetch => "F_CD_FETCH",
            EventType::BadCd => "C_BAD_CD",
            EventType::WalkExternalAbort => "F_WALK_EABT",
            EventType::Translation => "F_TRANSLATION",
            EventType::AddressSize => "F_ADDR_SIZE",
            EventType::AccessFlag => "F_ACCESS",
            EventType::Permission => "F_PERMISSION",
        }
    }

    /// Translation-related faults with the common fault layout (0x10-0x13).
    const fn is_translation_fault(self) -> bool {
        matches!(
            self,
            EventType::Translation
                | EventType::AddressSize
                | EventType::AccessFlag
                | EventType::Permission
        )
    }
}

/// CLASS: what the faulting stage was doing (IHI0070 7.3).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum FaultClass {
    /// 0b00: fetching a CD (or L1CD).
    Cd,
    /// 0b01: fetching a stage 1 translation table descriptor.
    TranslationTable,
    /// 0b10: translating the transaction's input address.
    #[default]
    Input,
}

impl FaultClass {
    /// The 2-bit encoding.
    pub const fn encoding(self) -> u64 {
        match self {
            FaultClass::Cd => 0b00,
            FaultClass::TranslationTable => 0b01,
            FaultClass::Input => 0b10,
        }
    }
}

/// Which configuration rule made a structure invalid (diagnostic detail of
/// C_BAD_STE / C_BAD_CD; not part of the record, whose Reason field is left 0).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum EventDetail {
    /// No further detail.
    #[default]
    None,
    /// The STE rule that failed.
    Ste(InvalidSte),
    /// The CD rule that failed.
    Cd(InvalidCd),
}

/// One event, with every field its record can carry.
///
/// Fields a given [`EventType`] does not define are ignored by [`encode`](Event::encode)
/// (they are RES0 in that record).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Event {
    /// Event type.
    pub event_type: EventType,
    /// The Security state of the stream: the event goes to that bank's event queue
    /// (IHI0070 7.2.3).
    pub sec_sid: SecSid,
    /// StreamID.
    pub stream_id: u32,
    /// SubstreamID, if the transaction had one (SSV). For C_BAD_SUBSTREAMID the
    /// record always carries the SubstreamID (no SSV); see 7.3.9.
    pub substream_id: Option<u32>,
    /// RnW: 1 = read.
    pub rnw: bool,
    /// InD: 1 = instruction (post-STE override; always 0 for writes).
    pub ind: bool,
    /// PnU: 1 = privileged (post-STE override).
    pub pnu: bool,
    /// InputAddr: the transaction's input address, as supplied.
    pub input_addr: u64,
    /// S2: stage 2 fault.
    pub stage2: bool,
    /// CLASS.
    pub class: FaultClass,
    /// IPA (stage 2 faults): bits `[55:12]` are recorded.
    pub ipa: u64,
    /// FetchAddr (F_STE_FETCH, F_CD_FETCH, F_WALK_EABT): bits `[55:3]` are recorded.
    pub fetch_addr: u64,
    /// NSIPA: Secure queue and S2 == 1 only - the faulting IPA space is Non-secure.
    pub nsipa: bool,
    /// TTRnW (F_PERMISSION with CLASS == TT): the table access was a read.
    pub ttrnw: bool,
    /// Whether the event is recorded in the event queue. False when CD.R, STE.S2R or
    /// CR2.RECINVSID suppress it; the transaction is terminated either way.
    pub record: bool,
    /// Which rule an invalid STE or CD broke (not encoded).
    pub detail: EventDetail,
}

/// Record bit positions (IHI0070 7.3.2-7.3.16 figures; bits 64+ are in words 1-3).
mod pos {
    pub const SSV: u32 = 11;
    pub const SSID: u32 = 12;
    pub const SID: u32 = 32;
    // Word 1 (record bits [127:64]).
    pub const PNU: u32 = 97 - 64;
    pub const IND: u32 = 98 - 64;
    pub const RNW: u32 = 99 - 64;
    pub const NSIPA: u32 = 100 - 64;
    pub const S2: u32 = 103 - 64;
    pub const CLASS: u32 = 104 - 64;
    pub const TTRNW: u32 = 108 - 64;
    /// Words 3: `IPA[55:12]` at record bits `[247:204]`; `FetchAddr[55:3]` at `[247:195]`.
    pub const IPA_MASK: u64 = 0x00FF_FFFF_FFFF_F000;
    pub const FETCH_MASK: u64 = 0x00FF_FFFF_FFFF_FFF8;
}

impl Event {
    /// An event with only the stream identification filled in; the caller sets the
    /// fields its type defines.
    pub const fn new(
        event_type: EventType,
        sec_sid: SecSid,
        stream_id: u32,
        substream_id: Option<u32>,
    ) -> Event {
        Event {
            event_type,
            sec_sid,
            stream_id,
            substream_id,
            rnw: false,
            ind: false,
            pnu: false,
            input_addr: 0,
            stage2: false,
            class: FaultClass::Input,
            ipa: 0,
            fetch_addr: 0,
            nsipa: false,
            ttrnw: false,
            record: true,
            detail: EventDetail::None,
        }
    }

    /// The 32-byte record as four little-endian double words (IHI0070 7.3).
    ///
    /// STAG, Stall and the IMPLEMENTATION DEFINED Reason are 0 (terminate model, no
    /// reason codes). NSIPA is only set on Secure-queue stage 2 faults.
    pub fn encode(&self) -> [u64; 4] {
        let t = self.event_type;
        let mut d = [0u64; 4];
        d[0] = u64::from(t.code()) | u64::from(self.stream_id) << pos::SID;
        match t {
            EventType::StreamDisabled => {}
            EventType::BadSubstreamId => {
                // Always valid, no SSV qualifier (7.3.9).
                d[0] |= u64::from(self.substream_id.unwrap_or(0) & 0xF_FFFF) << pos::SSID;
            }
            _ => {
                if let Some(ssid) = self.substream_id {
                    d[0] |= 1 << pos::SSV | u64::from(ssid & 0xF_FFFF) << pos::SSID;
                }
            }
        }
        let access = u64::from(self.pnu) << pos::PNU
            | u64::from(self.ind && self.rnw) << pos::IND
            | u64::from(self.rnw) << pos::RNW;
        match t {
            EventType::SteFetch | EventType::CdFetch => {
                d[3] = self.fetch_addr & pos::FETCH_MASK;
            }
            EventType::WalkExternalAbort => {
                d[1] = access
                    | u64::from(self.stage2) << pos::S2
                    | self.class.encoding() << pos::CLASS;
                d[2] = self.input_addr;
                d[3] = self.fetch_addr & pos::FETCH_MASK;
            }
            _ if t.is_translation_fault() => {
                let nsipa = self.nsipa && self.stage2 && self.sec_sid == SecSid::Secure;
                d[1] = access
                    | u64::from(nsipa) << pos::NSIPA
                    | u64::from(self.stage2) << pos::S2
                    | self.class.encoding() << pos::CLASS;
                if t == EventType::Permission && self.class == FaultClass::TranslationTable {
                    d[1] |= u64::from(self.ttrnw) << pos::TTRNW;
                }
                d[2] = self.input_addr;
                if self.stage2 {
                    d[3] = self.ipa & pos::IPA_MASK;
                }
            }
            _ => {}
        }
        d
    }

    /// The record as eight little-endian 32-bit words, as software reads it.
    pub fn encode_words(&self) -> [u32; 8] {
        let d = self.encode();
        let mut w = [0u32; 8];
        for (i, dw) in d.iter().enumerate() {
            w[2 * i] = *dw as u32;
            w[2 * i + 1] = (*dw >> 32) as u32;
        }
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_ste_record_layout() {
        let e = Event::new(EventType::BadSte, SecSid::NonSecure, 0x1234, None);
        assert_eq!(e.encode(), [0x0000_1234_0000_0004, 0, 0, 0]);
        let e = Event::new(EventType::BadSte, SecSid::Secure, 7, Some(0xABCDE));
        assert_eq!(e.encode(), [0x0000_0007_ABCD_E804, 0, 0, 0]);
    }

    #[test]
    fn translation_fault_layout() {
        let e = Event {
            rnw: true,
            ind: true,
            pnu: true,
            input_addr: 0xFFFF_0000_1234_5678,
            stage2: true,
            class: FaultClass::TranslationTable,
            ipa: 0x0123_4567_89AB_CDEF,
            nsipa: true,
            ..Event::new(EventType::Permission, SecSid::Secure, 3, None)
        };
        let mut e2 = e;
        e2.ttrnw = true;
        assert_eq!(
            e2.encode(),
            [
                0x0000_0003_0000_0013,
                (1 << 33) | (1 << 34) | (1 << 35) | (1 << 36) | (1 << 39) | (1 << 40) | (1 << 44),
                0xFFFF_0000_1234_5678,
                0x0023_4567_89AB_C000,
            ]
        );
        // NSIPA only on the Secure queue.
        let ns = Event {
            sec_sid: SecSid::NonSecure,
            ..e
        };
        assert_eq!(ns.encode()[1] & (1 << 36), 0);
        // Writes never carry InD.
        let w = Event { rnw: false, ..e };
        assert_eq!(w.encode()[1] & (1 << 34), 0);
    }

    #[test]
    fn fetch_and_substream_layouts() {
        let e = Event {
            fetch_addr: 0x0000_0012_3456_789F,
            ..Event::new(EventType::SteFetch, SecSid::NonSecure, 1, None)
        };
        assert_eq!(e.encode(), [0x0000_0001_0000_0003, 0, 0, 0x12_3456_7898]);
        let e = Event::new(EventType::BadSubstreamId, SecSid::NonSecure, 1, Some(5));
        assert_eq!(e.encode()[0], 0x0000_0001_0000_5008);
        let e = Event::new(EventType::StreamDisabled, SecSid::NonSecure, 9, Some(5));
        assert_eq!(e.encode()[0], 0x0000_0009_0000_0006);
        assert_eq!(
            e.encode_words(),
            [6, 9, 0, 0, 0, 0, 0, 0],
            "word view matches the double words"
        );
    }
}
