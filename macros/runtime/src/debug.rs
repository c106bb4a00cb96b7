//! `Debug` output with decoded fields, for typed registers and whole register files.

use std::fmt;

use crate::desc::{EnumDesc, LayoutField, MapDesc, RegDesc};
use crate::Core;

/// One field's value as `Debug` shows it: `true`/`false` for a plain 1-bit field,
/// the variant name for an enumerated value, hex otherwise.
struct FieldValue {
    value: u64,
    width: u32,
    encode: Option<&'static EnumDesc>,
}

impl fmt::Debug for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.encode {
            Some(e) => match e.name_of(self.value) {
                Some(name) => f.write_str(name),
                None => write!(f, "{:#x} (not a {} value)", self.value, e.name),
            },
            None if self.width == 1 => write!(f, "{}", self.value != 0),
            None => write!(f, "{:#x}", self.value),
        }
    }
}

/// Writes `Name(0x...) { field: value, ... }`.
fn fields<'a>(
    f: &mut fmt::Formatter<'_>,
    type_name: &str,
    width: u32,
    bits: u64,
    list: impl Iterator<Item = (&'a str, u32, u32, bool, Option<&'static EnumDesc>)>,
) -> fmt::Result {
    let digits = (width / 4) as usize + 2;
    let title = format!("{type_name}({bits:#0digits$x})");
    let mut s = f.debug_struct(&title);
    for (name, lsb, w, reversed, encode) in list {
        let raw = bits.checked_shr(lsb).unwrap_or(0);
        let value = regdef::access::field_value(raw, w, reversed);
        s.field(
            name,
            &FieldValue {
                value,
                width: w,
                encode,
            },
        );
    }
    s.finish()
}

/// `Debug` of a typed register value: every field of its layout, decoded.
pub fn fmt_layout(
    f: &mut fmt::Formatter<'_>,
    type_name: &str,
    width: u32,
    bits: u64,
    layout: &[LayoutField],
) -> fmt::Result {
    fields(
        f,
        type_name,
        width,
        bits,
        layout
            .iter()
            .map(|l| (l.name, l.lsb, l.width, l.reversed, l.encode)),
    )
}

/// One register instance of a file: only the fields that instance has.
struct Instance<'a> {
    reg: &'a RegDesc,
    value: u64,
}

impl fmt::Debug for Instance<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fields(
            f,
            self.reg.type_name,
            self.reg.width,
            self.value,
            self.reg
                .fields
                .iter()
                .map(|d| (d.name, d.lsb, d.width, d.reversed, d.encode)),
        )
    }
}

/// Write-once fields that have been written, as paths.
struct Spent<'a, const N: usize> {
    map: &'a MapDesc,
    core: &'a Core<N>,
}

impl<const N: usize> fmt::Debug for Spent<'_, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut l = f.debug_list();
        for (r, once) in self.map.registers.iter().zip(self.core.written_once()) {
            for d in r.fields.iter().filter(|d| d.mask & once != 0) {
                l.entry(&format!("{}.{}", r.path, d.name));
            }
        }
        l.finish()
    }
}

/// `Debug` of a whole register file: the completion mode, every register by path
/// with its decoded fields, and the write-once fields already written.
pub fn fmt_register_file<const N: usize>(
    f: &mut fmt::Formatter<'_>,
    type_name: &str,
    map: &MapDesc,
    core: &Core<N>,
) -> fmt::Result {
    struct Registers<'a, const N: usize>(&'a MapDesc, &'a Core<N>);
    impl<const N: usize> fmt::Debug for Registers<'_, N> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_map()
                .entries(
                    self.0
                        .registers
                        .iter()
                        .zip(self.1.values())
                        .map(|(reg, &value)| (reg.path, Instance { reg, value })),
                )
                .finish()
        }
    }
    f.debug_struct(type_name)
        .field("completion", &core.completion())
        .field("registers", &Registers(map, core))
        .field("written_once", &Spent { map, core })
        .finish()
}
