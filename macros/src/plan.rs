//! The generated API, decided once from the IR: every Rust name, type and accessor.
//!
//! [`crate::emit`] turns a [`Plan`] into tokens and [`crate::listing`] into the
//! reviewed API listing, so the two cannot disagree. Planning is also where every
//! limit of the Rust back end is checked, and every name clash reported.

use regdef::access::NextValue;
use regdef::ir::{EnumId, Layout, LayoutId, RegisterMap, SecSid};

use crate::names::{camel, enum_type, ident, snake, Namespace};

/// Names the generated module always defines (types, and values such as statics).
pub const FIXED_TYPES: [&str; 12] = [
    "RegisterFile",
    "Reg",
    "Bank",
    "BankHw",
    "Hw",
    "ImplDefined",
    "WriteEffect",
    "ReadEffect",
    "HwEffect",
    "MAP",
    "SecSid",
    "Completion",
];

/// Methods of `RegisterFile` that are not register accessors.
pub const FILE_METHODS: [&str; 17] = [
    "new",
    "with_completion",
    "completion",
    "read",
    "read_with_effect",
    "write",
    "decode",
    "bank",
    "bank_hw",
    "hw",
    "value",
    "value_at",
    "field_value",
    "hw_write_field",
    "hw_set",
    "hw_clr",
    "core",
];

/// Methods of every typed register besides its fields'.
pub const VALUE_METHODS: [&str; 3] = ["bits", "from_bits", "WIDTH"];

/// The integer type holding a value of `width` bits (`bool` for one bit unless
/// `integer`).
pub fn int_type(width: u32, integer: bool) -> &'static str {
    match width {
        1 if !integer => "bool",
        0..=8 => "u8",
        9..=16 => "u16",
        17..=32 => "u32",
        _ => "u64",
    }
}

/// An enumeration used by a field's `encode`.
pub struct EnumPlan {
    /// IR enum.
    pub id: EnumId,
    /// Rust type name.
    pub ty: String,
    /// `repr` integer type.
    pub repr: &'static str,
    /// `(variant, value, .rdl entry name, doc)`.
    pub variants: Vec<(String, u64, String, String)>,
    /// The `.rdl` name.
    pub rdl_name: String,
}

/// How a register instance is reached.
#[derive(Clone, Debug, PartialEq)]
pub enum Reach {
    /// Through a bank: `regs.bank(b).cr0()`, `Reg::Cr0(b)`.
    Banked(SecSid),
    /// Directly: `regs.s_init()`, `Reg::SInit`.
    Direct,
}

/// One register instance.
pub struct RegPlan {
    /// IR index (`RegId.0`), also the index in `MAP.registers`.
    pub index: usize,
    /// `Reg` variant name.
    pub variant: String,
    /// How it is reached.
    pub reach: Reach,
    /// Accessor method name (banked: on `Bank`; direct: on `RegisterFile`, `Hw`).
    pub method: String,
    /// Field name in `ImplDefined`, if it has impl-defined fields.
    pub impl_field: Option<String>,
    /// Its layout's index in [`Plan::layouts`].
    pub layout: usize,
}

/// A field of a layout.
pub struct FieldPlan {
    /// Getter name (the `.rdl` name in lower case).
    pub name: String,
    /// Least significant bit.
    pub lsb: u32,
    /// Width in bits.
    pub width: u32,
    /// The value is bit-reversed relative to the register bits
    /// ([`regdef::ir::Field::reversed`]).
    pub reversed: bool,
    /// Index in [`Plan::enums`] of its enumeration.
    pub encode: Option<usize>,
}

/// A layout: one typed register.
pub struct LayoutPlan {
    /// IR layout.
    pub id: LayoutId,
    /// Rust type name.
    pub ty: String,
    /// Storage integer (`u32` / `u64`).
    pub int: &'static str,
    /// Width in bits.
    pub width: u32,
    /// Fields (the union over instances), in IR order.
    pub fields: Vec<FieldPlan>,
    /// Instances, by IR index.
    pub instances: Vec<usize>,
    /// Whether it is reached through banks.
    pub banked: bool,
}

/// The whole generated API.
pub struct Plan<'m> {
    /// The map it was planned from.
    pub map: &'m RegisterMap,
    /// Enumerations, in IR order (only those used by a field).
    pub enums: Vec<EnumPlan>,
    /// Layouts, in IR order.
    pub layouts: Vec<LayoutPlan>,
    /// Register instances, in IR order.
    pub regs: Vec<RegPlan>,
}

impl<'m> Plan<'m> {
    /// Plans the API for `map`, or explains every reason it cannot.
    pub fn new(map: &'m RegisterMap) -> Result<Plan<'m>, Vec<String>> {
        let mut ns = Namespace::default();
        let mut errors = Vec::new();
        for t in FIXED_TYPES {
            ns.claim(
                "the generated module",
                t,
                "a fixed item of every register file",
            );
        }
        for m in FILE_METHODS {
            ns.claim("`RegisterFile`", m, "a `RegisterFile` method");
        }
        ns.claim("`Bank`", "security", "a `Bank` method");
        ns.claim("`BankHw`", "security", "a `BankHw` method");

        check_limits(map, &mut errors);

        // Enumerations referenced by a field.
        let used: Vec<bool> = (0..map.enums.len())
            .map(|i| {
                map.layouts
                    .iter()
                    .flat_map(|l| &l.fields)
                    .any(|f| f.encode == Some(EnumId(i)))
            })
            .collect();
        let mut enums = Vec::new();
        let mut enum_index = vec![None; map.enums.len()];
        // Enums of one name defined in different scopes (SystemRDL 2.0 5.1.1: a
        // definition is local to its scope) become `Name`, `Name2`, `Name3`... in
        // definition order; the namespace still reports any other clash.
        let mut same_name: std::collections::HashMap<String, usize> = Default::default();
        for (i, e) in map.enums.iter().enumerate().filter(|(i, _)| used[*i]) {
            let base = enum_type(&e.name);
            let n = same_name.entry(base.clone()).or_insert(0);
            *n += 1;
            let ty = if *n == 1 { base } else { format!("{base}{n}") };
            ns.claim(
                "the generated module",
                &ty,
                format!("the type of enum `{}`", e.name),
            );
            let scope = format!("enum `{ty}`");
            let max = e.entries.iter().map(|x| x.value).max().unwrap_or(0);
            let mut variants = Vec::new();
            for x in &e.entries {
                let v = camel(&x.name);
                ns.claim(&scope, &v, format!("entry `{}`", x.name));
                check_ident(&v, &mut errors);
                variants.push((v, x.value, x.name.clone(), doc_of(&x.display_name, &x.desc)));
            }
            enum_index[i] = Some(enums.len());
            enums.push(EnumPlan {
                id: EnumId(i),
                ty,
                repr: int_type(64 - max.leading_zeros(), true),
                variants,
                rdl_name: e.name.clone(),
            });
        }

        let mut layouts = Vec::new();
        let mut regs: Vec<Option<RegPlan>> = (0..map.registers.len()).map(|_| None).collect();
        for (li, l) in map.layouts.iter().enumerate() {
            let ty = camel(&l.name);
            check_ident(&ty, &mut errors);
            ns.claim(
                "the generated module",
                &ty,
                format!("the type of register definition `{}`", l.name),
            );
            let scope = format!("type `{ty}`");
            for m in VALUE_METHODS {
                ns.claim(&scope, m, "a method of every register type");
            }
            let mut fields = Vec::new();
            for f in &l.fields {
                let name = snake(&f.name);
                check_ident(&name, &mut errors);
                let what = format!("an accessor of field `{}`", f.name);
                let mut names = vec![name.clone(), format!("set_{name}"), format!("with_{name}")];
                if f.encode.is_some() {
                    names.extend([
                        format!("{name}_raw"),
                        format!("set_{name}_raw"),
                        format!("with_{name}_raw"),
                    ]);
                }
                for n in names {
                    ns.claim(&scope, &n, what.clone());
                }
                fields.push(FieldPlan {
                    name,
                    lsb: f.lsb,
                    width: f.msb - f.lsb + 1,
                    // The layout's instances share the field's bits and numbering.
                    reversed: l
                        .instances
                        .iter()
                        .find_map(|r| map.registers[r.0].field_named(&f.name))
                        .is_some_and(|(_, x)| x.reversed()),
                    encode: f
                        .encode
                        .and_then(|e| enum_index.get(e.0).copied().flatten()),
                });
            }
            plan_instances(map, li, l, &mut ns, &mut regs, &mut errors);
            layouts.push(LayoutPlan {
                id: LayoutId(li),
                ty,
                int: if l.width > 32 { "u64" } else { "u32" },
                width: l.width,
                fields,
                instances: l.instances.iter().map(|r| r.0).collect(),
                banked: l.banked,
            });
        }
        let regs: Vec<RegPlan> = regs
            .into_iter()
            .enumerate()
            .filter_map(|(i, r)| {
                if r.is_none() {
                    errors.push(format!(
                        "internal: register `{}` belongs to no layout",
                        map.registers[i].path
                    ));
                }
                r
            })
            .collect();
        errors.extend(ns.errors);
        if errors.is_empty() {
            Ok(Plan {
                map,
                enums,
                layouts,
                regs,
            })
        } else {
            Err(errors)
        }
    }

    /// The plan of register `index`.
    pub fn reg(&self, index: usize) -> &RegPlan {
        &self.regs[index]
    }
}

/// Variants, accessors and `ImplDefined` fields of a layout's instances.
fn plan_instances(
    map: &RegisterMap,
    li: usize,
    l: &Layout,
    ns: &mut Namespace,
    regs: &mut [Option<RegPlan>],
    errors: &mut Vec<String>,
) {
    let ty = camel(&l.name);
    let method = snake(&l.name);
    check_ident(&method, errors);
    if l.banked {
        for bank in SecSid::ALL {
            let n = l
                .instances
                .iter()
                .filter(|r| map.reg(**r).security == bank)
                .count();
            if n != 1 {
                errors.push(format!(
                    "register definition `{}` is banked but has {n} instances in the {bank} bank",
                    l.name
                ));
            }
        }
        ns.claim("`Reg`", &ty, format!("register definition `{}`", l.name));
        ns.claim(
            "`Bank`",
            &method,
            format!("register definition `{}`", l.name),
        );
        ns.claim(
            "`BankHw`",
            &method,
            format!("register definition `{}`", l.name),
        );
    }
    let single = l.instances.len() == 1;
    for &rid in &l.instances {
        let r = map.reg(rid);
        let Some(slot) = regs.get_mut(rid.0) else {
            continue;
        };
        let name = register_ident(map, rid.0);
        let (variant, reach, method) = if l.banked {
            (ty.clone(), Reach::Banked(r.security), method.clone())
        } else if single {
            (ty.clone(), Reach::Direct, method.clone())
        } else {
            // A definition used for several registers of one bank: one variant and
            // accessor per instance, named after it.
            (camel(&name), Reach::Direct, name.clone())
        };
        if reach == Reach::Direct {
            check_ident(&variant, errors);
            check_ident(&method, errors);
            ns.claim("`Reg`", &variant, format!("register `{}`", r.path));
            ns.claim("`RegisterFile`", &method, format!("register `{}`", r.path));
            ns.claim("`Hw`", &method, format!("register `{}`", r.path));
        }
        let impl_field = r.fields.iter().any(|f| f.impl_defined).then(|| {
            check_ident(&name, errors);
            ns.claim("`ImplDefined`", &name, format!("register `{}`", r.path));
            name.clone()
        });
        *slot = Some(RegPlan {
            index: rid.0,
            variant,
            reach,
            method,
            impl_field,
            layout: li,
        });
    }
}

/// A register's own name: its instance name if no other register has it, else its
/// path below the top with `.` and brackets as `_` (`arr_2`), like the RTL's.
pub fn register_ident(map: &RegisterMap, index: usize) -> String {
    let r = &map.registers[index];
    let unique = map
        .registers
        .iter()
        .filter(|o| o.inst_name == r.inst_name)
        .count()
        == 1;
    if unique {
        return snake(&r.inst_name);
    }
    let path = r
        .path
        .strip_prefix(&map.top)
        .and_then(|p| p.strip_prefix('.'))
        .unwrap_or(&r.path);
    let mut out = String::new();
    for c in path.chars() {
        let c = if c.is_ascii_alphanumeric() { c } else { '_' };
        if !(c == '_' && (out.ends_with('_') || out.is_empty())) {
            out.push(c);
        }
    }
    snake(out.trim_end_matches('_'))
}

fn check_ident(name: &str, errors: &mut Vec<String>) {
    if let Err(e) = ident(name) {
        errors.push(e);
    }
}

/// What the Rust back end cannot represent (yet), reported rather than guessed.
fn check_limits(map: &RegisterMap, errors: &mut Vec<String>) {
    for r in &map.registers {
        if !matches!(r.width, 32 | 64) {
            errors.push(format!(
                "register `{}` is {} bits wide: the Rust register file supports 32- and 64-bit \
                 registers (narrower ones would share a bus word)",
                r.path, r.width
            ));
        }
        if r.address % 4 != 0 {
            errors.push(format!(
                "register `{}` at {:#x} is not aligned to a 32-bit word",
                r.path, r.address
            ));
        }
        if r.fields.len() > 64 {
            errors.push(format!("register `{}` has more than 64 fields", r.path));
        }
        for f in &r.fields {
            if f.msb >= r.width || f.lsb > f.msb {
                errors.push(format!(
                    "field `{}.{}` is outside its register",
                    r.path, f.name
                ));
            }
            let ack = f.next_value.contains(&NextValue::AckMirror);
            if ack && f.acknowledges.is_none() {
                errors.push(format!(
                    "internal: ACK field `{}.{}` acknowledges nothing",
                    r.path, f.name
                ));
            }
        }
        if let Some(u) = r.update_field {
            if r.fields.get(u).is_none_or(|f| f.lsb != f.msb) {
                errors.push(format!(
                    "register `{}`: the update-handshake field must be one bit",
                    r.path
                ));
            }
        }
    }
}

/// `name` and `desc` as one doc paragraph.
pub fn doc_of(name: &Option<String>, desc: &Option<String>) -> String {
    match (name, desc) {
        (Some(n), Some(d)) => format!("{n}: {d}"),
        (Some(n), None) => n.clone(),
        (None, Some(d)) => d.clone(),
        (None, None) => String::new(),
    }
}
