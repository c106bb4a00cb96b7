//! Documentation text for generated items, from the `.rdl` `name`/`desc` and the
//! IR's access units (each unit's own `describe`).

use regdef::access::{NextValue, ReadRule};
use regdef::ir::{Field, FieldRef, Register, RegisterMap};

/// `[8:6]` or `[0]`.
pub fn bits(lsb: u32, msb: u32) -> String {
    if lsb == msb {
        format!("[{lsb}]")
    } else {
        format!("[{msb}:{lsb}]")
    }
}

/// `[8:6]` in backticks, for rustdoc (where brackets would be a link).
///
/// A `reversed` field (written `[low:high]`, SystemRDL 2.0 10.7) is shown as written,
/// with its bit order: `` `[6:9]` (bit-reversed: value bit 0 is register bit 9) ``.
pub fn code_bits(lsb: u32, msb: u32, reversed: bool) -> String {
    if reversed {
        format!("`[{lsb}:{msb}]` (bit-reversed: value bit 0 is register bit {msb})")
    } else {
        format!("`{}`", bits(lsb, msb))
    }
}

/// The bank of a register, for humans.
pub fn bank(r: &Register) -> String {
    format!("{} bank", r.security)
}

/// One line on what a field of one instance does: access, reset, guard, hardware.
pub fn field_line(map: &RegisterMap, r: &Register, f: &Field) -> String {
    let mut parts = vec![format!(
        "{}: {}",
        f.write_rule.short_name(f.read_rule),
        f.write_rule.describe()
    )];
    if f.read_rule != ReadRule::Value {
        parts.push(f.read_rule.describe().to_string());
    }
    if f.sw.write_once() {
        parts.push("only the first write after reset is taken".into());
    }
    if f.singlepulse {
        parts.push("a written 1 is a single pulse".into());
    }
    match (f.reset, f.impl_defined) {
        (Some(v), true) => parts.push(format!("reset {v:#x}, implementation defined")),
        (Some(v), false) => parts.push(format!("reset {v:#x}")),
        (None, _) => parts.push("reset 0 (UNKNOWN in the architecture)".into()),
    }
    if !f.present_when.is_empty() {
        parts.push(format!(
            "RES0 unless {}",
            presence_terms(map, &f.present_when)
        ));
    }
    if !f.guard.is_empty() {
        let terms: Vec<String> = f
            .guard
            .iter()
            .map(|t| {
                format!(
                    "`{}` {}",
                    map.field_path(t.field),
                    if t.when_set { "!= 0" } else { "== 0" }
                )
            })
            .collect();
        parts.push(format!("written only while {}", terms.join(" and ")));
    }
    let hw: Vec<String> = f
        .next_value
        .iter()
        .filter_map(|n| match n {
            NextValue::HwWrite => Some("hardware writes it".to_string()),
            NextValue::HwSet => Some("hardware sets it (hwset)".to_string()),
            NextValue::HwClr => Some("hardware clears it (hwclr)".to_string()),
            NextValue::AckMirror => f
                .acknowledges
                .map(|c| format!("acknowledges `{}`", map.field_path(c))),
            NextValue::UpdateComplete => {
                Some("update handshake: reads 0 again when the update completes".to_string())
            }
            _ => None,
        })
        .collect();
    if !hw.is_empty() {
        parts.push(hw.join(", "));
    }
    if r.update_field
        .is_some_and(|u| std::ptr::eq(&r.fields[u], f))
    {
        parts.push("a write is taken only if it sets this bit".into());
    }
    parts.join("; ")
}

/// The gates of a register, for humans.
pub fn gates_line(map: &RegisterMap, r: &Register) -> Option<String> {
    if r.write_gates.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = r
        .write_gates
        .iter()
        .map(|g| g.describe().to_string())
        .collect();
    if !r.present_when.is_empty() {
        parts.push(format!(
            "present while {}",
            presence_terms(map, &r.present_when)
        ));
    }
    Some(parts.join("; "))
}

/// A presence condition ([`regdef::access::presence_holds`]): "`a` and `b` non-zero".
fn presence_terms(map: &RegisterMap, terms: &[FieldRef]) -> String {
    let terms: Vec<String> = terms
        .iter()
        .map(|p| format!("`{}`", map.field_path(*p)))
        .collect();
    format!("{} non-zero", terms.join(" and "))
}
