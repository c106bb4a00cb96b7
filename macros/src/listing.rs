//! A plain-text listing of the generated API, from the same [`Plan`] the tokens
//! come from: snapshot-tested, so every change to the generated surface is
//! reviewed.

use std::fmt::Write;

use regdef::ir::RegisterMap;

use crate::docs;
use crate::plan::{int_type, Plan, Reach};

/// The generated API of `map`: types, field accessors, `Reg` variants, bank and
/// direct accessors, `ImplDefined`. Errors are listed instead if the map cannot be
/// generated.
pub fn api_listing(map: &RegisterMap) -> String {
    let plan = match Plan::new(map) {
        Ok(p) => p,
        Err(errors) => return format!("error:\n  {}\n", errors.join("\n  ")),
    };
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = write_listing(&plan, &mut s);
    s
}

fn write_listing(plan: &Plan<'_>, s: &mut String) -> std::fmt::Result {
    let map = plan.map;
    writeln!(
        s,
        "// `{}`: {} registers, {} register types, {} enums",
        map.top,
        map.registers.len(),
        plan.layouts.len(),
        plan.enums.len()
    )?;
    writeln!(
        s,
        "// Every field `f` has `f()`, `set_f()`, `with_f()`; an encoded field also \
         `f_raw()`, `set_f_raw()`, `with_f_raw()`."
    )?;
    writeln!(s)?;
    for e in &plan.enums {
        let vs: Vec<String> = e
            .variants
            .iter()
            .map(|(v, value, ..)| format!("{v} = {value:#x}"))
            .collect();
        writeln!(s, "enum {} ({}): {}", e.ty, e.repr, vs.join(", "))?;
    }
    for l in &plan.layouts {
        writeln!(s)?;
        let inst: Vec<String> = l
            .instances
            .iter()
            .map(|&i| {
                let r = &map.registers[i];
                format!("{} @ {:#07x}", r.path, r.address)
            })
            .collect();
        writeln!(s, "struct {}({}): {}", l.ty, l.int, inst.join(", "))?;
        for f in &l.fields {
            let ty = match f.encode {
                Some(e) => format!(
                    "Option<{}>, raw {}",
                    plan.enums[e].ty,
                    int_type(f.width, true)
                ),
                None => int_type(f.width, false).to_string(),
            };
            writeln!(
                s,
                "    {:<8} {}: {}",
                docs::bits(f.lsb, f.lsb + f.width - 1),
                f.name,
                ty
            )?;
        }
    }
    writeln!(s)?;
    writeln!(s, "enum Reg")?;
    for r in &plan.regs {
        let reg = &map.registers[r.index];
        let v = match &r.reach {
            Reach::Banked(b) => format!("{}({b:?})", r.variant),
            Reach::Direct => r.variant.clone(),
        };
        writeln!(
            s,
            "    {:<3} {:<32} {} @ {:#07x}",
            r.index, v, reg.path, reg.address
        )?;
    }
    writeln!(s)?;
    writeln!(s, "impl Bank / BankHw (banked)")?;
    for l in plan.layouts.iter().filter(|l| l.banked) {
        let m = l
            .instances
            .first()
            .map(|&i| plan.reg(i).method.clone())
            .unwrap_or_default();
        writeln!(s, "    {m}() -> {}", l.ty)?;
    }
    writeln!(s)?;
    writeln!(s, "impl RegisterFile / Hw (bank-only)")?;
    for r in plan.regs.iter().filter(|r| r.reach == Reach::Direct) {
        writeln!(s, "    {}() -> {}", r.method, plan.layouts[r.layout].ty)?;
    }
    writeln!(s)?;
    writeln!(s, "struct ImplDefined")?;
    for r in &plan.regs {
        let Some(name) = &r.impl_field else { continue };
        let reg = &map.registers[r.index];
        let fields: Vec<&str> = reg
            .fields
            .iter()
            .filter(|f| f.impl_defined)
            .map(|f| f.name.as_str())
            .collect();
        writeln!(
            s,
            "    {name}: {} [{}]",
            plan.layouts[r.layout].ty,
            fields.join(", ")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smmuv3() -> RegisterMap {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../regdef/smmuv3.rdl");
        regdef::compile_file(path.as_ref()).unwrap_or_else(|d| panic!("{d}"))
    }

    #[test]
    fn smmuv3_api_listing() {
        insta::assert_snapshot!(api_listing(&smmuv3()));
    }

    #[test]
    fn rules_api_listing() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rdl/rules.rdl");
        let map = regdef::compile_file(path.as_ref()).unwrap_or_else(|d| panic!("{d}"));
        insta::assert_snapshot!(api_listing(&map));
    }

    #[test]
    fn generated_code_parses() {
        let tokens = crate::emit::generate(&smmuv3(), None).unwrap_or_else(|e| panic!("{e:?}"));
        let file: syn::File = syn::parse2(tokens).unwrap_or_else(|e| panic!("{e}"));
        assert!(file.items.len() > 50, "{} items", file.items.len());
    }

    #[test]
    fn clashes_are_errors() {
        let map = regdef::compile_source(
            "clash.rdl",
            "addrmap top {
                reg bits_reg { field { sw = rw; } bits[0:0] = 0; };
                reg register_file { field { sw = rw; } f[0:0] = 0; };
                bits_reg a @ 0x0;
                register_file b @ 0x4;
            };",
        )
        .unwrap_or_else(|d| panic!("{d}"));
        let listing = api_listing(&map);
        assert!(listing.starts_with("error:"), "{listing}");
        assert!(listing.contains("`bits` in type `BitsReg`"), "{listing}");
        assert!(
            listing.contains("`RegisterFile` in the generated module"),
            "{listing}"
        );
    }
}
