//! The property vocabulary: the standard properties twinreg supports, with the
//! component kinds each binds to, its value type, whether it may be assigned
//! dynamically and its mutual-exclusion group (all as systemrdl-compiler 1.33 has
//! them), the standard properties it knows but does not support, and the twinreg
//! UDPs of `docs/rdl-conventions.md`.

use super::ast::Kind;

/// A standard property twinreg implements.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Builtin {
    Name,
    Desc,
    Ispresent,
    Sw,
    Hw,
    Reset,
    Onread,
    Onwrite,
    Rclr,
    Rset,
    Woclr,
    Woset,
    Singlepulse,
    Swmod,
    Swacc,
    Hwclr,
    Hwset,
    We,
    Wel,
    Swwe,
    Swwel,
    Precedence,
    Encode,
    Regwidth,
    Accesswidth,
    Addressing,
    Alignment,
    Fieldwidth,
    // SystemRDL 2.0 11 (mem), 10.1 (lsb0/msb0 and bus properties), 5.2.2, 5.2.3,
    // 10.5/10.6 (alias/shared), 13.4 (addrmap).
    Mementries,
    Memwidth,
    Msb0,
    Lsb0,
    Bigendian,
    Littleendian,
    Rsvdset,
    RsvdsetX,
    Bridge,
    Shared,
    Errextbus,
    Sharedextbus,
    Dontcompare,
    Donttest,
    HdlPath,
    HdlPathGate,
    HdlPathSlice,
    HdlPathGateSlice,
    // Signals (SystemRDL 2.0 8.2).
    Signalwidth,
    Sync,
    Async,
    CpuifReset,
    FieldReset,
    Activelow,
    Activehigh,
    // Hardware references (9.5) and reductions (9.10).
    Next,
    Resetsignal,
    Anded,
    Ored,
    Xored,
    Hwenable,
    Hwmask,
    // Counters (9.8).
    Counter,
    Threshold,
    Saturate,
    Incrthreshold,
    Incrsaturate,
    Overflow,
    Underflow,
    Incr,
    Incrvalue,
    Incrwidth,
    Decrvalue,
    Decr,
    Decrwidth,
    Decrsaturate,
    Decrthreshold,
    // Interrupts (9.9).
    Intr,
    /// The modifier of `intr` (`posedge intr;`): systemrdl-compiler's `intr type`.
    IntrType,
    Enable,
    Mask,
    Haltenable,
    Haltmask,
    Sticky,
    Stickybit,
    Paritycheck,
}

/// What a property's value must be.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum PropType {
    Str,
    Bool,
    Int,
    Access,
    OnRead,
    OnWrite,
    Precedence,
    Addressing,
    /// An enum type name (`encode = E`).
    EnumType,
    /// A boolean or a reference (`swwe`, `we`, `hwclr`, ...).
    BoolOrRef,
    /// A number or a reference (`reset`).
    IntOrRef,
    /// A boolean or a number (`dontcompare`: a flag, or a bit mask on a field).
    BoolOrInt,
    /// An array of strings (`hdl_path_slice`).
    StrArray,
    /// A number, a boolean or a reference (`incrsaturate`, `incrthreshold`, ...).
    IntBoolOrRef,
    /// A reference to a field, a signal or a property (`next`, `enable`, `incr`, ...).
    Ref,
    /// A reference to a signal (`resetsignal`).
    SignalRef,
    /// An interrupt modifier (`posedge`, ...); only written as `posedge intr;`.
    IntrType,
}

impl PropType {
    pub fn describe(self) -> &'static str {
        match self {
            PropType::Str => "a string",
            PropType::Bool => "a boolean",
            PropType::Int => "a number",
            PropType::Access => "an access type (`rw`, `r`, `w`, `rw1`, `w1`, `na`)",
            PropType::OnRead => "an onread type (`rclr`, `rset`, `ruser`)",
            PropType::OnWrite => "an onwrite type (`woclr`, `woset`, `wot`, ...)",
            PropType::Precedence => "`sw` or `hw`",
            PropType::Addressing => "`regalign`, `compact` or `fullalign`",
            PropType::EnumType => "an enum type name",
            PropType::BoolOrRef => "a boolean or a reference",
            PropType::IntOrRef => "a number or a reference",
            PropType::BoolOrInt => "a boolean or a bit mask",
            PropType::StrArray => "an array of strings (`'{\"a\", \"b\"}`)",
            PropType::IntBoolOrRef => "a number, a boolean or a reference",
            PropType::Ref => "a reference to a field, a signal or a property (`f->prop`)",
            PropType::SignalRef => "a reference to a signal",
            PropType::IntrType => "an interrupt modifier (`posedge intr;`)",
        }
    }
}

pub(crate) struct BuiltinRule {
    pub prop: Builtin,
    pub name: &'static str,
    pub kinds: &'static [Kind],
    pub ty: PropType,
    /// Whether `inst->prop = ...` is allowed.
    pub dynamic: bool,
    /// Properties of one group override each other (`woclr` and `onwrite`).
    pub mutex: Option<char>,
}

const ALL: &[Kind] = &[
    Kind::Addrmap,
    Kind::Regfile,
    Kind::Reg,
    Kind::Field,
    Kind::Mem,
    Kind::Signal,
];
const FIELD: &[Kind] = &[Kind::Field];
const SIGNAL: &[Kind] = &[Kind::Signal];

macro_rules! rule {
    ($prop:ident, $name:literal, $kinds:expr, $ty:ident, $dynamic:literal, $mutex:expr) => {
        BuiltinRule {
            prop: Builtin::$prop,
            name: $name,
            kinds: $kinds,
            ty: PropType::$ty,
            dynamic: $dynamic,
            mutex: $mutex,
        }
    };
}

pub(crate) const BUILTINS: &[BuiltinRule] = &[
    rule!(Name, "name", ALL, Str, true, None),
    rule!(Desc, "desc", ALL, Str, true, None),
    rule!(Ispresent, "ispresent", ALL, Bool, true, None),
    rule!(Sw, "sw", &[Kind::Field, Kind::Mem], Access, true, None),
    rule!(Hw, "hw", FIELD, Access, false, None),
    rule!(Reset, "reset", FIELD, IntOrRef, true, None),
    rule!(Onread, "onread", FIELD, OnRead, true, Some('P')),
    rule!(Rclr, "rclr", FIELD, Bool, true, Some('P')),
    rule!(Rset, "rset", FIELD, Bool, true, Some('P')),
    rule!(Onwrite, "onwrite", FIELD, OnWrite, true, Some('B')),
    rule!(Woclr, "woclr", FIELD, Bool, true, Some('B')),
    rule!(Woset, "woset", FIELD, Bool, true, Some('B')),
    rule!(Singlepulse, "singlepulse", FIELD, Bool, true, None),
    rule!(Swmod, "swmod", FIELD, Bool, true, None),
    rule!(Swacc, "swacc", FIELD, Bool, true, None),
    rule!(Hwclr, "hwclr", FIELD, BoolOrRef, true, None),
    rule!(Hwset, "hwset", FIELD, BoolOrRef, true, None),
    rule!(We, "we", FIELD, BoolOrRef, true, Some('C')),
    rule!(Wel, "wel", FIELD, BoolOrRef, true, Some('C')),
    rule!(Swwe, "swwe", FIELD, BoolOrRef, true, Some('R')),
    rule!(Swwel, "swwel", FIELD, BoolOrRef, true, Some('R')),
    rule!(Precedence, "precedence", FIELD, Precedence, true, None),
    rule!(Encode, "encode", FIELD, EnumType, true, None),
    rule!(Regwidth, "regwidth", &[Kind::Reg], Int, false, None),
    rule!(Accesswidth, "accesswidth", &[Kind::Reg], Int, true, None),
    rule!(
        Addressing,
        "addressing",
        &[Kind::Addrmap],
        Addressing,
        false,
        None
    ),
    rule!(
        Alignment,
        "alignment",
        &[Kind::Addrmap, Kind::Regfile],
        Int,
        false,
        None
    ),
    // SystemRDL 2.0 9.4.1: the width of instances that give none.
    rule!(Fieldwidth, "fieldwidth", FIELD, Int, false, None),
    // SystemRDL 2.0 11.3: a memory's entries and their width.
    rule!(Mementries, "mementries", &[Kind::Mem], Int, false, None),
    rule!(Memwidth, "memwidth", &[Kind::Mem], Int, false, None),
    // 13.4: the bit numbering of an addrmap (one overrides the other).
    rule!(Msb0, "msb0", &[Kind::Addrmap], Bool, false, Some('M')),
    rule!(Lsb0, "lsb0", &[Kind::Addrmap], Bool, false, Some('M')),
    rule!(
        Bigendian,
        "bigendian",
        &[Kind::Addrmap],
        Bool,
        true,
        Some('E')
    ),
    rule!(
        Littleendian,
        "littleendian",
        &[Kind::Addrmap],
        Bool,
        true,
        Some('E')
    ),
    rule!(Rsvdset, "rsvdset", &[Kind::Addrmap], Bool, false, Some('S')),
    rule!(
        RsvdsetX,
        "rsvdsetX",
        &[Kind::Addrmap],
        Bool,
        false,
        Some('S')
    ),
    rule!(Bridge, "bridge", &[Kind::Addrmap], Bool, false, None),
    // 10.6: one register shared by several address maps.
    rule!(Shared, "shared", &[Kind::Reg], Bool, false, None),
    rule!(Errextbus, "errextbus", BUS, Bool, false, None),
    rule!(Sharedextbus, "sharedextbus", BLOCKS, Bool, false, None),
    // 5.2.2: verification hints (a mask on a field).
    rule!(Dontcompare, "dontcompare", HINTED, BoolOrInt, true, None),
    rule!(Donttest, "donttest", HINTED, BoolOrInt, true, None),
    // 5.2.3: back-door paths.
    rule!(HdlPath, "hdl_path", PATHED, Str, true, None),
    rule!(HdlPathGate, "hdl_path_gate", PATHED, Str, true, None),
    rule!(HdlPathSlice, "hdl_path_slice", SLICED, StrArray, true, None),
    rule!(
        HdlPathGateSlice,
        "hdl_path_gate_slice",
        SLICED,
        StrArray,
        true,
        None
    ),
    // SystemRDL 2.0 8.2, with systemrdl-compiler 1.33's groups: activehigh/activelow
    // and sync/async exclude each other.
    rule!(Signalwidth, "signalwidth", SIGNAL, Int, false, None),
    rule!(Sync, "sync", SIGNAL, Bool, true, Some('N')),
    rule!(Async, "async", SIGNAL, Bool, true, Some('N')),
    rule!(CpuifReset, "cpuif_reset", SIGNAL, Bool, true, None),
    rule!(FieldReset, "field_reset", SIGNAL, Bool, true, None),
    rule!(Activelow, "activelow", SIGNAL, Bool, true, Some('A')),
    rule!(Activehigh, "activehigh", SIGNAL, Bool, true, Some('A')),
    rule!(Next, "next", FIELD, Ref, true, None),
    rule!(Resetsignal, "resetsignal", FIELD, SignalRef, true, None),
    rule!(Anded, "anded", FIELD, Bool, true, None),
    rule!(Ored, "ored", FIELD, Bool, true, None),
    rule!(Xored, "xored", FIELD, Bool, true, None),
    rule!(Hwenable, "hwenable", FIELD, Ref, true, Some('D')),
    rule!(Hwmask, "hwmask", FIELD, Ref, true, Some('D')),
    // 9.8: `counter` and `intr` exclude each other (group E); `threshold` and
    // `saturate` are aliases of `incrthreshold` and `incrsaturate` (an assignment of
    // one replaces the other).
    rule!(Counter, "counter", FIELD, Bool, true, Some('E')),
    rule!(Threshold, "threshold", FIELD, IntBoolOrRef, true, Some('T')),
    rule!(Saturate, "saturate", FIELD, IntBoolOrRef, true, Some('S')),
    rule!(
        Incrthreshold,
        "incrthreshold",
        FIELD,
        IntBoolOrRef,
        true,
        Some('T')
    ),
    rule!(
        Incrsaturate,
        "incrsaturate",
        FIELD,
        IntBoolOrRef,
        true,
        Some('S')
    ),
    rule!(Overflow, "overflow", FIELD, Bool, true, None),
    rule!(Underflow, "underflow", FIELD, Bool, true, None),
    rule!(Incr, "incr", FIELD, Ref, true, None),
    rule!(Incrvalue, "incrvalue", FIELD, IntOrRef, true, Some('F')),
    rule!(Incrwidth, "incrwidth", FIELD, Int, true, Some('F')),
    rule!(Decrvalue, "decrvalue", FIELD, IntOrRef, true, Some('G')),
    rule!(Decr, "decr", FIELD, Ref, true, None),
    rule!(Decrwidth, "decrwidth", FIELD, Int, true, Some('G')),
    rule!(
        Decrsaturate,
        "decrsaturate",
        FIELD,
        IntBoolOrRef,
        true,
        None
    ),
    rule!(
        Decrthreshold,
        "decrthreshold",
        FIELD,
        IntBoolOrRef,
        true,
        None
    ),
    rule!(Intr, "intr", FIELD, Bool, true, Some('E')),
    rule!(IntrType, "intr type", FIELD, IntrType, true, None),
    rule!(Enable, "enable", FIELD, Ref, true, Some('J')),
    rule!(Mask, "mask", FIELD, Ref, true, Some('J')),
    rule!(Haltenable, "haltenable", FIELD, Ref, true, Some('K')),
    rule!(Haltmask, "haltmask", FIELD, Ref, true, Some('K')),
    rule!(Sticky, "sticky", FIELD, Bool, true, Some('I')),
    rule!(Stickybit, "stickybit", FIELD, Bool, true, Some('I')),
    rule!(Paritycheck, "paritycheck", FIELD, Bool, false, None),
];

const BUS: &[Kind] = &[Kind::Addrmap, Kind::Regfile, Kind::Reg];
const BLOCKS: &[Kind] = &[Kind::Addrmap, Kind::Regfile];
const HINTED: &[Kind] = &[Kind::Addrmap, Kind::Regfile, Kind::Reg, Kind::Field];
const PATHED: &[Kind] = &[Kind::Addrmap, Kind::Regfile, Kind::Reg];
const SLICED: &[Kind] = &[Kind::Field, Kind::Mem];

impl Builtin {
    pub fn rule(self) -> &'static BuiltinRule {
        // BUILTINS lists every variant in declaration order.
        &BUILTINS[BUILTINS.iter().position(|r| r.prop == self).unwrap_or(0)]
    }

    pub fn name(self) -> &'static str {
        self.rule().name
    }
}

pub(crate) fn builtin_named(name: &str) -> Option<&'static BuiltinRule> {
    BUILTINS.iter().find(|r| r.name == name)
}

/// The twinreg UDPs, recognised by name (docs/rdl-conventions.md).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum TwinUdp {
    Security,
    PresentWhen,
    WriteGuard,
    AckOf,
    UpdateHandshake,
    ImplDefined,
}

/// The value type a twinreg UDP must be declared with.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum TwinType {
    /// An enum with exactly the entries `nonsecure` and `secure`.
    SecurityEnum,
    Ref,
    RefArray,
    Boolean,
}

impl TwinUdp {
    pub const ALL: [TwinUdp; 6] = [
        TwinUdp::Security,
        TwinUdp::PresentWhen,
        TwinUdp::WriteGuard,
        TwinUdp::AckOf,
        TwinUdp::UpdateHandshake,
        TwinUdp::ImplDefined,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TwinUdp::Security => "security",
            TwinUdp::PresentWhen => "present_when",
            TwinUdp::WriteGuard => "write_guard",
            TwinUdp::AckOf => "ack_of",
            TwinUdp::UpdateHandshake => "update_handshake",
            TwinUdp::ImplDefined => "impl_defined",
        }
    }

    pub fn named(name: &str) -> Option<TwinUdp> {
        TwinUdp::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The declaration docs/rdl-conventions.md prescribes.
    pub fn signature(self) -> (TwinType, &'static [Kind]) {
        match self {
            TwinUdp::Security => (
                TwinType::SecurityEnum,
                &[Kind::Addrmap, Kind::Regfile, Kind::Reg],
            ),
            TwinUdp::PresentWhen => (
                TwinType::Ref,
                &[Kind::Addrmap, Kind::Regfile, Kind::Reg, Kind::Field],
            ),
            TwinUdp::WriteGuard => (TwinType::RefArray, &[Kind::Reg, Kind::Field]),
            TwinUdp::AckOf => (TwinType::Ref, &[Kind::Reg]),
            TwinUdp::UpdateHandshake => (TwinType::Boolean, &[Kind::Field]),
            TwinUdp::ImplDefined => (TwinType::Boolean, &[Kind::Reg, Kind::Field]),
        }
    }

    /// The declaration as it should be written, for hints.
    pub fn declaration(self) -> &'static str {
        match self {
            TwinUdp::Security => {
                "property security { type = security_e; component = addrmap | regfile | reg; };"
            }
            TwinUdp::PresentWhen => {
                "property present_when { type = ref; component = addrmap | regfile | reg | field; };"
            }
            TwinUdp::WriteGuard => {
                "property write_guard { type = ref[]; component = reg | field; };"
            }
            TwinUdp::AckOf => "property ack_of { type = ref; component = reg; };",
            TwinUdp::UpdateHandshake => {
                "property update_handshake { type = boolean; component = field; };"
            }
            TwinUdp::ImplDefined => {
                "property impl_defined { type = boolean; component = reg | field; };"
            }
        }
    }
}

/// Every property name known to the front end, for "did you mean" hints.
pub(crate) fn known_names() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().map(|r| r.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_has_one_rule() {
        for rule in BUILTINS {
            assert_eq!(rule.prop.rule().name, rule.name);
        }
        assert_eq!(builtin_named("woclr").map(|r| r.mutex), Some(Some('B')));
        assert_eq!(builtin_named("mementries").map(|r| r.mutex), Some(None));
        assert_eq!(builtin_named("sticky").map(|r| r.mutex), Some(Some('I')));
        assert_eq!(builtin_named("enable").map(|r| r.mutex), Some(Some('J')));
    }

    #[test]
    fn standard_rules_match_systemrdl_compiler() {
        // hw, regwidth, addressing, alignment and fieldwidth cannot be assigned
        // dynamically.
        let fixed: Vec<_> = BUILTINS
            .iter()
            .filter(|r| !r.dynamic)
            .map(|r| r.name)
            .collect();
        assert_eq!(
            fixed,
            [
                "hw",
                "regwidth",
                "addressing",
                "alignment",
                "fieldwidth",
                "mementries",
                "memwidth",
                "msb0",
                "lsb0",
                "rsvdset",
                "rsvdsetX",
                "bridge",
                "shared",
                "errextbus",
                "sharedextbus",
                "signalwidth",
                "paritycheck"
            ]
        );
    }
}
