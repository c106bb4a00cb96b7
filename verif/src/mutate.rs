//! Mutations of the generated RTL, to show that the check can fail.
//!
//! A [`Mutation`] edits the syntax trees of `hdl::verilog::modules` before they are
//! printed: in the items of the core that drive one signal, it replaces every read of
//! another signal with a constant. That is enough to flip one access rule:
//!
//! * [`Mutation::secure_write_reaches`]: `ok_<reg> = present & req_secure` becomes
//!   `present & 1'b1`, so a Non-secure access reaches a Secure register;
//! * [`Mutation::drop_guard_term`]: in `<field>_sw_we`, the guard term on an ACK
//!   field reads as 0, so the write guard ignores the ACK bit.
//!
//! A mutation that finds nothing to change is an error: if the generator renames the
//! signals, the mutation test fails loudly instead of passing vacuously.

use std::fmt;

use hdl::verilog::ast::{lit, Expr, Item, Module, Stmt};

use crate::Error;

/// One edit of the core's syntax tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mutation {
    /// The signal whose driving items are edited.
    pub target: String,
    /// The signal whose reads are replaced.
    pub read: String,
    /// The replacement: a 1-bit constant.
    pub value: bool,
    /// What the mutation does, for reports.
    pub description: String,
}

impl fmt::Display for Mutation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (in the driver of {}, {} reads as 1'b{})",
            self.description,
            self.target,
            self.read,
            u8::from(self.value)
        )
    }
}

impl Mutation {
    /// A Non-secure access reaches Secure register `reg` (flat name, `s_cr0`): its
    /// read/write gate `ok_<reg>` no longer looks at `req_secure`.
    pub fn secure_write_reaches(reg: &str) -> Mutation {
        Mutation {
            target: format!("ok_{reg}"),
            read: "req_secure".into(),
            value: true,
            description: format!("Non-secure accesses reach {reg}"),
        }
    }

    /// The write guard of field `field` (flat name) ignores guard field `term` (a
    /// flat field name, e.g. the ACK bit `cr0ack_smmuen`): its flop reads as 0 in
    /// `<field>_sw_we`.
    pub fn drop_guard_term(field: &str, term: &str) -> Mutation {
        Mutation {
            target: format!("{field}_sw_we"),
            read: format!("{term}_q"),
            value: false,
            description: format!("the write guard of {field} ignores {term}"),
        }
    }

    /// The `swmod` strobe of `field` (flat name) fires in every cycle: its output
    /// reads `1'b1` instead of the field's software write enable.
    pub fn stuck_swmod(field: &str) -> Mutation {
        Mutation {
            target: format!("{field}_swmod"),
            read: format!("{field}_sw_we"),
            value: true,
            description: format!("the swmod strobe of {field} is stuck at 1"),
        }
    }

    /// Applies the mutation to the core module `core` of `modules`.
    pub fn apply(&self, modules: &mut [Module], core: &str) -> Result<(), Error> {
        let m = modules
            .iter_mut()
            .find(|m| m.name == core)
            .ok_or_else(|| Error::Rtl(format!("mutation: no module {core}")))?;
        let mut changed = 0;
        let with = lit(1, u64::from(self.value));
        for item in &mut m.items {
            match item {
                Item::Assign {
                    lhs: Expr::Ident(n),
                    rhs,
                } if *n == self.target => changed += replace(rhs, &self.read, &with),
                Item::Chain(c) if c.lhs == self.target => {
                    for a in &mut c.arms {
                        changed += replace(&mut a.cond, &self.read, &with);
                        changed += replace(&mut a.value, &self.read, &with);
                    }
                    changed += replace(&mut c.otherwise, &self.read, &with);
                }
                Item::Always(a) if a.body.iter().any(|s| drives(s, &self.target)) => {
                    for s in &mut a.body {
                        changed += replace_stmt(s, &self.read, &with);
                    }
                }
                _ => {}
            }
        }
        if changed == 0 {
            return Err(Error::Rtl(format!(
                "mutation site not found: nothing driving {} reads {} in {core}",
                self.target, self.read
            )));
        }
        Ok(())
    }
}

fn replace(e: &mut Expr, name: &str, with: &Expr) -> usize {
    match e {
        Expr::Ident(n) if n == name => {
            *e = with.clone();
            1
        }
        Expr::Ident(_)
        | Expr::Literal { .. }
        | Expr::Undef(_)
        | Expr::Index(..)
        | Expr::Slice(..) => 0,
        Expr::Unary(_, a) | Expr::Repeat(_, a) => replace(a, name, with),
        Expr::Binary(_, a, b) => replace(a, name, with) + replace(b, name, with),
        Expr::Ternary(c, a, b) => {
            replace(c, name, with) + replace(a, name, with) + replace(b, name, with)
        }
        Expr::Concat(parts) => parts.iter_mut().map(|p| replace(p, name, with)).sum(),
    }
}

fn replace_stmt(s: &mut Stmt, name: &str, with: &Expr) -> usize {
    match s {
        Stmt::Comment(_) => 0,
        Stmt::Blocking { rhs, .. } | Stmt::NonBlocking { rhs, .. } => replace(rhs, name, with),
        Stmt::If { cond, then, els } => {
            replace(cond, name, with)
                + then
                    .iter_mut()
                    .chain(els.iter_mut())
                    .map(|s| replace_stmt(s, name, with))
                    .sum::<usize>()
        }
        Stmt::Case { sel, arms, default } => {
            let mut n = replace(sel, name, with);
            for a in arms {
                n += a
                    .body
                    .iter_mut()
                    .map(|s| replace_stmt(s, name, with))
                    .sum::<usize>();
            }
            n + default
                .iter_mut()
                .map(|s| replace_stmt(s, name, with))
                .sum::<usize>()
        }
    }
}

fn drives(s: &Stmt, target: &str) -> bool {
    match s {
        Stmt::Comment(_) => false,
        Stmt::Blocking { lhs, .. } | Stmt::NonBlocking { lhs, .. } => {
            crate::rtl::mentions(lhs, target)
        }
        Stmt::If { then, els, .. } => then.iter().chain(els).any(|s| drives(s, target)),
        Stmt::Case { arms, default, .. } => arms
            .iter()
            .flat_map(|a| &a.body)
            .chain(default)
            .any(|s| drives(s, target)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdl::verilog::{Bus, VerilogOptions};

    #[test]
    fn mutations_change_exactly_their_driver() {
        let map = crate::regs::map().unwrap();
        let opts = VerilogOptions {
            buses: vec![Bus::Apb4],
            ..Default::default()
        };
        let original = hdl::verilog::modules(map, &opts).unwrap();
        let mut mutated = original.clone();
        Mutation::secure_write_reaches("s_cr0")
            .apply(&mut mutated, "smmuv3_regs")
            .unwrap();
        let text = hdl::verilog::print::module(&mutated[0]);
        assert!(
            text.contains("assign ok_s_cr0 = present_s_cr0 & 1'b1;"),
            "{text}"
        );
        assert!(text.contains("assign ok_s_cr0ack = present_s_cr0ack & req_secure;"));
        let bad =
            Mutation::secure_write_reaches("no_such_register").apply(&mut mutated, "smmuv3_regs");
        assert!(bad
            .unwrap_err()
            .to_string()
            .contains("mutation site not found"));
    }
}
