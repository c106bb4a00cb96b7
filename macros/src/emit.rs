//! [`Plan`] -> tokens, with `quote!` (as svd2rust does).
//!
//! The output is deliberately uniform: typed register values with `const fn`
//! shift-and-mask accessors, the `Reg` identity enum, `ImplDefined`, the
//! `RegisterFile` and its bank views, and a private module `__twinreg` with the
//! `static` descriptors and the offset decoder. Every rule is applied by
//! `twinreg_runtime::Core` from those descriptors.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};
use regdef::access::{NextValue, ReadRule, WriteRule};
use regdef::ir::{Field, FieldRef, GuardTerm, Register, RegisterMap, SecSid};

use crate::docs;
use crate::names::ident;
use crate::plan::{doc_of, EnumPlan, FieldPlan, LayoutPlan, Plan, Reach, RegPlan};

/// The whole register file for `map`. `track` is the absolute path of the `.rdl`,
/// included as bytes so that editing it rebuilds the invoking crate.
/// The [`regdef::ir::Feature`]s this back end implements; a map using any other is
/// refused by name before anything is generated.
pub const IMPLEMENTS: &[regdef::ir::Feature] = &[];

pub fn generate(map: &RegisterMap, track: Option<&str>) -> Result<TokenStream, Vec<String>> {
    map.require("the Rust register file", IMPLEMENTS)
        .map_err(|u| vec![u.to_string()])?;
    let plan = Plan::new(map)?;
    let e = Emitter {
        plan: &plan,
        map: plan.map,
        guards: guard_lists(plan.map),
    };
    let enums = plan.enums.iter().map(|x| e.enum_item(x));
    let layouts = plan.layouts.iter().map(|l| e.layout_item(l));
    let reg_enum = e.reg_enum();
    let impl_defined = e.impl_defined();
    let file = e.register_file();
    let banks = e.bank_views();
    let descriptors = e.descriptors(track);
    Ok(quote! {
        pub use ::twinreg_runtime::{Completion, SecSid};
        pub use self::__twinreg::MAP;

        /// What a software write did ([`RegisterFile::write`]).
        pub type WriteEffect = ::twinreg_runtime::WriteEffect<Reg>;
        /// What a software read did ([`RegisterFile::read_with_effect`]).
        pub type ReadEffect = ::twinreg_runtime::ReadEffect<Reg>;
        /// What a hardware-side update did.
        pub type HwEffect = ::twinreg_runtime::HwEffect<Reg>;

        #(#enums)*
        #(#layouts)*
        #reg_enum
        #impl_defined
        #file
        #banks
        #descriptors
    })
}

struct Emitter<'p, 'm> {
    plan: &'p Plan<'m>,
    map: &'m RegisterMap,
    /// Every distinct non-empty field guard: one static each (`GUARD_<i>`).
    guards: Vec<&'m [GuardTerm]>,
}

/// Every distinct non-empty guard, in first-use order. Fields with the same guard
/// share one static, so the engine evaluates it once per write.
fn guard_lists(map: &RegisterMap) -> Vec<&[GuardTerm]> {
    let mut lists: Vec<&[GuardTerm]> = Vec::new();
    for f in map.registers.iter().flat_map(|r| &r.fields) {
        if !f.guard.is_empty() && !lists.contains(&f.guard.as_slice()) {
            lists.push(&f.guard);
        }
    }
    lists
}

/// An identifier the plan has already validated.
fn id(name: &str) -> Ident {
    ident(name).unwrap_or_else(|_| Ident::new("__twinreg_invalid", Span::call_site()))
}

/// A hex literal without suffix (its type comes from the context).
fn hex(v: u64) -> Literal {
    format!("{v:#x}")
        .parse()
        .unwrap_or_else(|_| Literal::u64_unsuffixed(v))
}

fn lit_usize(v: usize) -> Literal {
    Literal::usize_unsuffixed(v)
}

/// `#[doc = " line"]` for each line of `text`.
fn doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

fn sec(b: SecSid) -> TokenStream {
    match b {
        SecSid::NonSecure => quote!(::twinreg_runtime::SecSid::NonSecure),
        SecSid::Secure => quote!(::twinreg_runtime::SecSid::Secure),
    }
}

fn opt_usize(v: Option<usize>) -> TokenStream {
    match v {
        Some(v) => {
            let v = lit_usize(v);
            quote!(::core::option::Option::Some(#v))
        }
        None => quote!(::core::option::Option::None),
    }
}

/// `value` of integer type `from` as integer type `to` (no cast if they agree).
fn cast(value: TokenStream, from: &str, to: &str) -> TokenStream {
    if from == to {
        value
    } else {
        let to = id(to);
        quote!((#value as #to))
    }
}

impl Emitter<'_, '_> {
    fn layout_of(&self, r: &RegPlan) -> &LayoutPlan {
        &self.plan.layouts[r.layout]
    }

    fn variant_expr(&self, r: &RegPlan) -> TokenStream {
        let v = id(&r.variant);
        match &r.reach {
            Reach::Banked(b) => {
                let b = sec(*b);
                quote!(Reg::#v(#b))
            }
            Reach::Direct => quote!(Reg::#v),
        }
    }

    // ------------------------------------------------------------------ enums

    fn enum_item(&self, e: &EnumPlan) -> TokenStream {
        let ty = id(&e.ty);
        let repr = id(e.repr);
        let users: Vec<String> = self
            .map
            .layouts
            .iter()
            .flat_map(|l| l.fields.iter().map(move |f| (l, f)))
            .filter(|(_, f)| f.encode == Some(e.id))
            .map(|(l, f)| format!("`{}.{}`", l.name, f.name))
            .collect();
        let head = doc(&format!(
            "Values of the `.rdl` enum `{}`, used by {}.\n\nA field's typed getter returns \
             `None` for a value that is not listed here (reserved encodings).",
            e.rdl_name,
            users.join(", ")
        ));
        let variants = e.variants.iter().map(|(v, value, rdl, d)| {
            let v = id(v);
            let value = hex(*value);
            let d = doc(&if d.is_empty() {
                format!("`{rdl}`")
            } else {
                format!("`{rdl}`: {d}")
            });
            quote!(#d #v = #value,)
        });
        let names: Vec<Ident> = e.variants.iter().map(|(v, ..)| id(v)).collect();
        let values: Vec<Literal> = e.variants.iter().map(|(_, v, ..)| hex(*v)).collect();
        let rdl: Vec<&String> = e.variants.iter().map(|(_, _, r, _)| r).collect();
        let n = lit_usize(e.variants.len());
        quote! {
            #head
            #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
            #[repr(#repr)]
            pub enum #ty { #(#variants)* }

            impl #ty {
                /// Every value, in declaration order.
                pub const ALL: [Self; #n] = [#(Self::#names),*];

                /// The value encoded as `raw`, if it is one.
                #[inline]
                #[must_use]
                pub const fn from_raw(raw: u64) -> ::core::option::Option<Self> {
                    match raw {
                        #(#values => ::core::option::Option::Some(Self::#names),)*
                        _ => ::core::option::Option::None,
                    }
                }

                /// The encoding.
                #[inline]
                #[must_use]
                pub const fn raw(self) -> u64 {
                    match self { #(Self::#names => #values,)* }
                }

                /// The entry's name in the `.rdl`.
                #[must_use]
                pub const fn rdl_name(self) -> &'static str {
                    match self { #(Self::#names => #rdl,)* }
                }
            }
        }
    }

    // ------------------------------------------------------------------ layouts

    fn layout_doc(&self, l: &LayoutPlan) -> String {
        let ir = &self.map.layouts[l.id.0];
        let mut s = format!("`{}`", ir.name);
        let title = doc_of(&ir.display_name, &ir.desc);
        if !title.is_empty() {
            s.push_str(&format!(": {title}"));
        }
        s.push_str(&format!(
            "\n\nA {}-bit register value. Instances:\n",
            l.width
        ));
        for &i in &l.instances {
            let r = &self.map.registers[i];
            s.push_str(&format!(
                "- `{}` at `{:#07x}` ({})",
                r.path,
                r.address,
                docs::bank(r)
            ));
            if let Some(g) = docs::gates_line(self.map, r) {
                s.push_str(&format!(": {g}"));
            }
            s.push('\n');
        }
        s.push_str("\n| Bits | Field | Access |\n|---|---|---|\n");
        for (f, p) in ir.fields.iter().zip(&l.fields) {
            let access: Vec<String> = l
                .instances
                .iter()
                .map(|&i| {
                    self.map.registers[i]
                        .field_named(&f.name)
                        .map_or("absent".into(), |(_, x)| {
                            x.write_rule.short_name(x.read_rule).to_string()
                        })
                })
                .collect();
            let mut access_set = access.clone();
            access_set.dedup();
            s.push_str(&format!(
                "| {} | `{}` | {} |\n",
                docs::code_bits(f.lsb, f.msb, p.reversed),
                f.name,
                access_set.join(" / ")
            ));
        }
        s.push_str(
            "\nA value of this type is plain data: `from_bits`, getters, `set_*` and \
             `with_*` never touch the register file. Bits outside the fields are kept in \
             the value; the register file drops them (RES0).",
        );
        s
    }

    fn field_doc(&self, l: &LayoutPlan, f: &FieldPlan, fi: usize) -> String {
        let lf = &self.map.layouts[l.id.0].fields[fi];
        let mut s = format!(
            "`{}` {}",
            lf.name,
            docs::code_bits(lf.lsb, lf.msb, f.reversed)
        );
        let title = doc_of(&lf.display_name, &lf.desc);
        if !title.is_empty() {
            s.push_str(&format!(": {title}"));
        }
        s.push_str("\n\n");
        for &i in &l.instances {
            let r = &self.map.registers[i];
            match r.field_named(&lf.name) {
                Some((_, x)) => s.push_str(&format!(
                    "- `{}`: {}\n",
                    r.path,
                    docs::field_line(self.map, r, x)
                )),
                None => s.push_str(&format!("- `{}`: absent (RES0, reads 0)\n", r.path)),
            }
        }
        if let Some(e) = f.encode {
            s.push_str(&format!("\nEncoded as [`{}`].", self.plan.enums[e].ty));
        }
        s
    }

    fn field_methods(&self, l: &LayoutPlan, f: &FieldPlan, fi: usize) -> TokenStream {
        let st = l.int;
        let sty = id(st);
        let encoded = f.encode.is_some();
        let t = crate::plan::int_type(f.width, encoded);
        let tty = id(t);
        let vmask = regdef::access::ones(f.width);
        let full = f.lsb == 0 && f.width == l.width;
        let lsb = Literal::u32_unsuffixed(f.lsb);

        // Read: shift, mask, convert.
        let mut get = quote!(self.0);
        if f.lsb > 0 {
            get = quote!((#get >> #lsb));
        }
        if f.lsb + f.width < l.width {
            let m = hex(vmask);
            get = quote!((#get & #m));
        }
        // A reversed field (SystemRDL 2.0 10.7): its value is the register bits in the
        // opposite order (regdef::access::field_value); reversing the whole storage
        // integer puts them at its top, the shift brings them down.
        let st_bits: u32 = if st == "u64" { 64 } else { 32 };
        if f.reversed {
            let down = Literal::u32_unsuffixed(st_bits - f.width);
            get = quote!((#get.reverse_bits() >> #down));
        }
        let get = if t == "bool" {
            quote!(#get != 0)
        } else {
            cast(get, st, t)
        };

        // Write: clear the field, or in the converted value.
        let mut put = if t == "bool" {
            quote!((value as #sty))
        } else {
            cast(quote!(value), t, st)
        };
        let type_bits = match t {
            "bool" => 1,
            "u8" => 8,
            "u16" => 16,
            "u32" => 32,
            _ => 64,
        };
        if f.width < type_bits {
            let m = hex(vmask);
            put = quote!((#put & #m));
        }
        // The value's bits in register order (regdef::access::field_bits).
        if f.reversed {
            let down = Literal::u32_unsuffixed(st_bits - f.width);
            put = quote!((#put.reverse_bits() >> #down));
        }
        if f.lsb > 0 {
            put = quote!((#put << #lsb));
        }
        let set_body = if full {
            quote!(self.0 = #put;)
        } else {
            let clear = hex(vmask << f.lsb);
            quote!(self.0 = (self.0 & !#clear) | #put;)
        };

        let d = doc(&self.field_doc(l, f, fi));
        let name = id(&f.name);
        let set = format_ident!("set_{}", f.name);
        let with = format_ident!("with_{}", f.name);
        let set_doc = doc(&format!(
            "Sets `{}` {} (bits above its width are dropped).",
            f.name,
            docs::code_bits(f.lsb, f.lsb + f.width - 1, f.reversed)
        ));
        let with_doc = doc(&format!("This value with `{}` set to `value`.", f.name));
        match f.encode {
            None => quote! {
                #d
                #[inline]
                #[must_use]
                pub const fn #name(self) -> #tty { #get }

                #set_doc
                #[inline]
                pub const fn #set(&mut self, value: #tty) { #set_body }

                #with_doc
                #[inline]
                #[must_use]
                pub const fn #with(mut self, value: #tty) -> Self {
                    self.#set(value);
                    self
                }
            },
            Some(e) => {
                let ety = id(&self.plan.enums[e].ty);
                let raw = format_ident!("{}_raw", f.name);
                let set_raw = format_ident!("set_{}_raw", f.name);
                let with_raw = format_ident!("with_{}_raw", f.name);
                let raw_doc = doc(&format!(
                    "The raw encoding of `{}` (also values that are not a [`{}`]).",
                    f.name, self.plan.enums[e].ty
                ));
                let typed = cast(quote!(self.#raw()), t, "u64");
                let from_enum = cast(quote!(value.raw()), "u64", t);
                quote! {
                    #d
                    ///
                    /// `None` for an encoding that is not a listed value (see the `_raw`
                    /// getter).
                    #[inline]
                    #[must_use]
                    pub const fn #name(self) -> ::core::option::Option<#ety> {
                        #ety::from_raw(#typed)
                    }

                    #raw_doc
                    #[inline]
                    #[must_use]
                    pub const fn #raw(self) -> #tty { #get }

                    #set_doc
                    #[inline]
                    pub const fn #set(&mut self, value: #ety) { self.#set_raw(#from_enum) }

                    #set_doc
                    #[inline]
                    pub const fn #set_raw(&mut self, value: #tty) { #set_body }

                    #with_doc
                    #[inline]
                    #[must_use]
                    pub const fn #with(mut self, value: #ety) -> Self {
                        self.#set(value);
                        self
                    }

                    #with_doc
                    #[inline]
                    #[must_use]
                    pub const fn #with_raw(mut self, value: #tty) -> Self {
                        self.#set_raw(value);
                        self
                    }
                }
            }
        }
    }

    fn layout_item(&self, l: &LayoutPlan) -> TokenStream {
        let ty = id(&l.ty);
        let int = id(l.int);
        let width = Literal::u32_unsuffixed(l.width);
        let d = doc(&self.layout_doc(l));
        let methods = l
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| self.field_methods(l, f, i));
        let table = format_ident!("LAYOUT_{}", l.id.0);
        let name = &l.ty;
        let as_u64 = cast(quote!(self.0), l.int, "u64");
        quote! {
            #d
            #[derive(Copy, Clone, Default, PartialEq, Eq, Hash)]
            #[repr(transparent)]
            pub struct #ty(#int);

            impl #ty {
                /// Width of the register in bits.
                pub const WIDTH: u32 = #width;

                /// The value with these raw bits.
                #[inline]
                #[must_use]
                pub const fn from_bits(bits: #int) -> Self { Self(bits) }

                /// The raw bits.
                #[inline]
                #[must_use]
                pub const fn bits(self) -> #int { self.0 }

                #(#methods)*
            }

            impl ::core::fmt::Debug for #ty {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    ::twinreg_runtime::debug::fmt_layout(
                        f, #name, #width, #as_u64, &self::__twinreg::#table,
                    )
                }
            }

            impl ::core::convert::From<#int> for #ty {
                fn from(bits: #int) -> Self { Self(bits) }
            }

            impl ::core::convert::From<#ty> for #int {
                fn from(value: #ty) -> Self { value.0 }
            }
        }
    }

    // ------------------------------------------------------------------ Reg

    fn reg_doc(&self, r: &Register) -> String {
        let mut s = format!("`{}` at `{:#07x}` ({})", r.path, r.address, docs::bank(r));
        let title = doc_of(&r.display_name, &r.desc);
        if !title.is_empty() {
            s.push_str(&format!(": {title}"));
        }
        s
    }

    fn reg_enum(&self) -> TokenStream {
        let n = lit_usize(self.map.registers.len());
        // One variant per banked layout (at its first instance), one per direct
        // register, in IR order.
        let mut variants = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for r in &self.plan.regs {
            if !seen.insert(r.variant.clone()) {
                continue;
            }
            let v = id(&r.variant);
            let d = match &r.reach {
                Reach::Banked(_) => {
                    let l = self.layout_of(r);
                    let mut s = format!("`{}`, banked: one instance per bank.\n", l.ty);
                    for &i in &l.instances {
                        s.push_str(&format!("- {}\n", self.reg_doc(&self.map.registers[i])));
                    }
                    doc(&s)
                }
                Reach::Direct => doc(&self.reg_doc(&self.map.registers[r.index])),
            };
            variants.push(match r.reach {
                Reach::Banked(_) => quote!(#d #v(::twinreg_runtime::SecSid),),
                Reach::Direct => quote!(#d #v,),
            });
        }
        let exprs: Vec<TokenStream> = self
            .plan
            .regs
            .iter()
            .map(|r| self.variant_expr(r))
            .collect();
        let idx: Vec<Literal> = self.plan.regs.iter().map(|r| lit_usize(r.index)).collect();
        quote! {
            /// Every register instance; banked definitions carry the bank.
            ///
            /// [`Reg::index`] is the IR register index (`RegId.0`) and the index of the
            /// register in [`MAP`]; field indices elsewhere are IR field indices.
            #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
            pub enum Reg { #(#variants)* }

            impl Reg {
                /// Number of register instances.
                pub const COUNT: usize = #n;

                /// Every register, by index.
                pub const ALL: [Reg; #n] = [#(#exprs),*];

                /// The IR register index (`RegId.0`).
                #[inline]
                #[must_use]
                pub const fn index(self) -> usize {
                    match self { #(#exprs => #idx,)* }
                }

                /// The register with IR index `index`.
                #[inline]
                #[must_use]
                pub const fn from_index(index: usize) -> ::core::option::Option<Reg> {
                    match index {
                        #(#idx => ::core::option::Option::Some(#exprs),)*
                        _ => ::core::option::Option::None,
                    }
                }

                /// Its descriptor in [`MAP`].
                #[must_use]
                pub fn desc(self) -> &'static ::twinreg_runtime::desc::RegDesc {
                    &MAP.registers[self.index()]
                }

                /// Hierarchical path (`smmuv3.s.s_cr0`).
                #[must_use]
                pub fn path(self) -> &'static str { self.desc().path }

                /// Absolute byte address.
                #[must_use]
                pub fn address(self) -> u64 { self.desc().address }

                /// Width in bits.
                #[must_use]
                pub fn width(self) -> u32 { self.desc().width }

                /// The bank that owns it.
                #[must_use]
                pub fn bank(self) -> ::twinreg_runtime::SecSid { self.desc().bank }
            }

            impl ::twinreg_runtime::RegisterId for Reg {
                // Always inlined: the ACK register of a write's effect goes through it.
                #[inline(always)]
                fn from_index(index: usize) -> ::core::option::Option<Self> {
                    Reg::from_index(index)
                }
                #[inline]
                fn index(self) -> usize {
                    Reg::index(self)
                }
            }

            impl ::core::convert::From<Reg> for ::twinreg_runtime::RegId {
                fn from(reg: Reg) -> Self { ::twinreg_runtime::RegId(reg.index()) }
            }

            impl ::core::convert::TryFrom<::twinreg_runtime::RegId> for Reg {
                type Error = ::twinreg_runtime::RegId;
                fn try_from(id: ::twinreg_runtime::RegId) -> ::core::result::Result<Self, Self::Error> {
                    Reg::from_index(id.0).ok_or(id)
                }
            }
        }
    }

    // ------------------------------------------------------------------ ImplDefined

    fn impl_defined(&self) -> TokenStream {
        let mut fields = Vec::new();
        let mut defaults = Vec::new();
        for r in &self.plan.regs {
            let Some(name) = &r.impl_field else { continue };
            let reg = &self.map.registers[r.index];
            let l = self.layout_of(r);
            let ty = id(&l.ty);
            let name = id(name);
            let listed: Vec<String> = reg
                .fields
                .iter()
                .filter(|f| f.impl_defined)
                .map(|f| {
                    format!(
                        "`{}` {}",
                        f.name,
                        docs::code_bits(f.lsb, f.msb, f.reversed())
                    )
                })
                .collect();
            let d = doc(&format!(
                "`{}`: only its implementation-defined fields are used: {}.",
                reg.path,
                listed.join(", ")
            ));
            fields.push(quote!(#d pub #name: #ty,));
            let reset = hex(reg.reset_value());
            defaults.push(quote!(#name: #ty::from_bits(#reset),));
        }
        quote! {
            /// Implementation-defined values (`impl_defined` in the `.rdl`): one typed
            /// value per register that has such fields, defaulting to the IR reset.
            ///
            /// [`RegisterFile::new`] takes only the implementation-defined bits of each
            /// value. For a constant (an ID field) that is the value itself; for a
            /// stored field it is the reset value. Clearing a field that a
            /// `present_when` names (`S_IDR1.SECURE_IMPL`) removes the registers it
            /// governs: they become RAZ/WI.
            #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
            pub struct ImplDefined { #(#fields)* }

            impl ImplDefined {
                /// The IR's reset values.
                pub const DEFAULT: ImplDefined = ImplDefined { #(#defaults)* };
            }

            impl ::core::default::Default for ImplDefined {
                fn default() -> Self { Self::DEFAULT }
            }
        }
    }

    // ------------------------------------------------------------------ RegisterFile

    fn typed_get(&self, r: &RegPlan, index: TokenStream) -> TokenStream {
        let l = self.layout_of(r);
        let ty = id(&l.ty);
        let v = cast(quote!(self.core().value(#index)), "u64", l.int);
        quote!(#ty::from_bits(#v))
    }

    fn register_file(&self) -> TokenStream {
        let n = lit_usize(self.map.registers.len());
        let top = &self.map.top;
        let mut apply_impl = Vec::new();
        for r in &self.plan.regs {
            let Some(name) = &r.impl_field else { continue };
            let name = id(name);
            let i = lit_usize(r.index);
            let bits = cast(
                quote!(impl_defined.#name.bits()),
                self.layout_of(r).int,
                "u64",
            );
            apply_impl.push(quote!((#i, #bits)));
        }
        let mut direct = Vec::new();
        for r in self.plan.regs.iter().filter(|r| r.reach == Reach::Direct) {
            let reg = &self.map.registers[r.index];
            let l = self.layout_of(r);
            let ty = id(&l.ty);
            let m = id(&r.method);
            let index = lit_usize(r.index);
            let get = self.typed_get(r, quote!(#index));
            let d = doc(&format!("The value of {}.", self.reg_doc(reg)));
            direct.push(quote! {
                #d
                #[inline]
                #[must_use]
                pub fn #m(&self) -> #ty { #get }
            });
        }
        quote! {
            #[doc = concat!(" The register file of `", #top, "`: storage and every access rule.")]
            ///
            /// * Software: [`read`](Self::read), [`read_with_effect`](Self::read_with_effect)
            ///   and [`write`](Self::write) decode the offset and apply, from the IR alone,
            ///   the register gates, field guards, read and write rules, write-once and
            ///   singlepulse, and the completions (ACK mirrors, update handshakes).
            /// * Typed reads: [`bank`](Self::bank) for banked registers, a method per
            ///   bank-only register.
            /// * Hardware: [`bank_hw`](Self::bank_hw) and [`hw`](Self::hw) (typed), and
            ///   [`hw_write_field`](Self::hw_write_field), [`hw_set`](Self::hw_set),
            ///   [`hw_clr`](Self::hw_clr) (by IR index): no software rule applies; only
            ///   fields with the matching hardware input change.
            ///
            /// Access-size policy (see `twinreg_runtime::policy`): aligned 1-, 2- and
            /// 4-byte accesses act on the bytes they cover; an aligned 8-byte access to a
            /// 64-bit register acts on the whole register; anything else, and undefined
            /// offsets, are RAZ/WI and reported in the effect.
            ///
            /// `Clone`, `Debug` (decoded) and serde `Serialize`/`Deserialize` (by register
            /// path, validated) support snapshot and restore.
            #[derive(Clone, PartialEq, Eq, Hash)]
            pub struct RegisterFile {
                core: ::twinreg_runtime::Core<#n>,
            }

            impl RegisterFile {
                /// Every register at reset, with the implementation-defined bits of
                /// `impl_defined`, and immediate completion (what the RTL does by
                /// default).
                #[must_use]
                pub fn new(impl_defined: &ImplDefined) -> Self {
                    Self::with_completion(impl_defined, ::twinreg_runtime::Completion::Immediate)
                }

                /// Like [`new`](Self::new), with a choice of completion: with
                /// `Completion::Handshake` ACK fields are written by hardware and update
                /// fields cleared by hardware, as the RTL built in that mode expects.
                #[must_use]
                pub fn with_completion(
                    impl_defined: &ImplDefined,
                    completion: ::twinreg_runtime::Completion,
                ) -> Self {
                    let core = ::twinreg_runtime::Core::new(&MAP, completion, &[#(#apply_impl),*]);
                    RegisterFile { core }
                }

                /// The completion mode.
                #[must_use]
                pub const fn completion(&self) -> ::twinreg_runtime::Completion {
                    self.core.completion()
                }

                /// The engine state (values and write-once flags, by IR index).
                #[must_use]
                pub const fn core(&self) -> &::twinreg_runtime::Core<#n> {
                    &self.core
                }

                /// The register at byte `offset`, if any.
                #[must_use]
                pub fn decode(offset: u64) -> ::core::option::Option<Reg> {
                    self::__twinreg::decode(offset).map(|(_, reg)| reg)
                }

                /// A software read of `size` bytes at `offset` in security state
                /// `access`: the bytes covered, right-aligned. Reads can have side
                /// effects (`rclr`, `rset`).
                #[inline]
                pub fn read(
                    &mut self,
                    offset: u64,
                    size: u32,
                    access: ::twinreg_runtime::SecSid,
                ) -> u64 {
                    self::__twinreg::read_value(&mut self.core, offset, size, access)
                }

                /// [`read`](Self::read), reporting what it did.
                #[inline]
                pub fn read_with_effect(
                    &mut self,
                    offset: u64,
                    size: u32,
                    access: ::twinreg_runtime::SecSid,
                ) -> ReadEffect {
                    let reg = self::__twinreg::decode(offset);
                    self.core.read(&MAP, reg, offset, size, access)
                }

                /// A software write of the low `size` bytes of `value` at `offset` in
                /// security state `access`.
                #[inline]
                pub fn write(
                    &mut self,
                    offset: u64,
                    size: u32,
                    value: u64,
                    access: ::twinreg_runtime::SecSid,
                ) -> WriteEffect {
                    let reg = self::__twinreg::decode(offset);
                    self.core.write(&MAP, reg, offset, size, value, access)
                }

                /// Typed reads of the banked registers of `bank`.
                #[inline]
                #[must_use]
                pub fn bank(&self, bank: ::twinreg_runtime::SecSid) -> Bank<'_> {
                    Bank { regs: self, bank }
                }

                /// Typed hardware updates of the banked registers of `bank`.
                #[inline]
                pub fn bank_hw(&mut self, bank: ::twinreg_runtime::SecSid) -> BankHw<'_> {
                    BankHw { regs: self, bank }
                }

                /// Typed hardware updates of the bank-only registers.
                #[inline]
                pub fn hw(&mut self) -> Hw<'_> {
                    Hw { regs: self }
                }

                /// The stored value of `reg`.
                #[inline]
                #[must_use]
                pub fn value(&self, reg: Reg) -> u64 {
                    self.core.value(reg.index())
                }

                /// The stored value of the register with IR index `index`.
                #[must_use]
                pub fn value_at(&self, index: usize) -> ::core::option::Option<u64> {
                    self.core.values().get(index).copied()
                }

                /// Field `field` (IR field index) of register `reg` (IR index),
                /// right-aligned: what the RTL's field output shows.
                #[must_use]
                pub fn field_value(&self, reg: usize, field: usize) -> ::core::option::Option<u64> {
                    self.core.field_value(&MAP, reg, field)
                }

                /// Hardware writes `value` to field `field` of register `reg` (IR
                /// indices). Refused if the field has no hardware write input in this
                /// completion mode, or the value does not fit.
                pub fn hw_write_field(
                    &mut self,
                    reg: usize,
                    field: usize,
                    value: u64,
                ) -> ::core::result::Result<HwEffect, ::twinreg_runtime::HwError> {
                    self.core.hw_write_field(&MAP, reg, field, value)
                }

                /// The `hwset` input of field `field` of register `reg` (IR indices).
                pub fn hw_set(
                    &mut self,
                    reg: usize,
                    field: usize,
                ) -> ::core::result::Result<HwEffect, ::twinreg_runtime::HwError> {
                    self.core.hw_set(&MAP, reg, field)
                }

                /// The `hwclr` input of field `field` of register `reg` (IR indices).
                pub fn hw_clr(
                    &mut self,
                    reg: usize,
                    field: usize,
                ) -> ::core::result::Result<HwEffect, ::twinreg_runtime::HwError> {
                    self.core.hw_clr(&MAP, reg, field)
                }

                #(#direct)*
            }

            impl ::core::default::Default for RegisterFile {
                fn default() -> Self { Self::new(&ImplDefined::DEFAULT) }
            }

            impl ::core::fmt::Debug for RegisterFile {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    ::twinreg_runtime::debug::fmt_register_file(f, "RegisterFile", &MAP, &self.core)
                }
            }

            impl ::twinreg_runtime::serde::Serialize for RegisterFile {
                fn serialize<S: ::twinreg_runtime::serde::Serializer>(
                    &self,
                    serializer: S,
                ) -> ::core::result::Result<S::Ok, S::Error> {
                    ::twinreg_runtime::snapshot::serialize(&MAP, &self.core, serializer)
                }
            }

            impl<'de> ::twinreg_runtime::serde::Deserialize<'de> for RegisterFile {
                fn deserialize<D: ::twinreg_runtime::serde::Deserializer<'de>>(
                    deserializer: D,
                ) -> ::core::result::Result<Self, D::Error> {
                    ::twinreg_runtime::snapshot::deserialize(&MAP, deserializer)
                        .map(|core| RegisterFile { core })
                }
            }
        }
    }

    // ------------------------------------------------------------------ banks

    fn bank_views(&self) -> TokenStream {
        let mut reads = Vec::new();
        let mut writes = Vec::new();
        for l in self.plan.layouts.iter().filter(|l| l.banked) {
            let regs: Vec<&RegPlan> = l.instances.iter().map(|&i| self.plan.reg(i)).collect();
            let Some(first) = regs.first() else { continue };
            let ty = id(&l.ty);
            let m = id(&first.method);
            let v = id(&first.variant);
            let arms = regs.iter().filter_map(|r| match r.reach {
                Reach::Banked(b) => {
                    let b = sec(b);
                    let i = lit_usize(r.index);
                    Some(quote!(#b => #i,))
                }
                Reach::Direct => None,
            });
            let pick = quote!(match self.bank { #(#arms)* });
            let bits = cast(quote!(self.value(#pick)), "u64", l.int);
            let paths: Vec<String> = l
                .instances
                .iter()
                .map(|&i| format!("`{}`", self.map.registers[i].path))
                .collect();
            let d = doc(&format!(
                "The value of `{}` in this bank ({}).",
                l.ty,
                paths.join(", ")
            ));
            reads.push(quote! {
                #d
                #[inline]
                #[must_use]
                pub fn #m(&self) -> #ty {
                    #ty::from_bits(#bits)
                }
            });
            let hd = doc(&format!(
                "Hardware updates `{}` in this bank: `update` gets the current value and \
                 returns the wanted one. Each field that differs takes it if a hardware \
                 input can produce it (a write: any value; `hwset`: all ones; `hwclr`: \
                 zero); the others are left and reported in `refused`.",
                l.ty
            ));
            let desired = cast(quote!(update(current).bits()), l.int, "u64");
            let current = cast(quote!(self.regs.core.value(#pick)), "u64", l.int);
            writes.push(quote! {
                #hd
                pub fn #m(&mut self, update: impl ::core::ops::FnOnce(#ty) -> #ty) -> HwEffect {
                    let current = #ty::from_bits(#current);
                    let desired = #desired;
                    self.regs.core.hw_update_reg(&MAP, Reg::#v(self.bank), desired)
                }
            });
        }
        let mut hw = Vec::new();
        for r in self.plan.regs.iter().filter(|r| r.reach == Reach::Direct) {
            let l = self.layout_of(r);
            let ty = id(&l.ty);
            let m = id(&r.method);
            let i = lit_usize(r.index);
            let var = self.variant_expr(r);
            let d = doc(&format!(
                "Hardware updates `{}` (see [`BankHw`] for the rules).",
                self.map.registers[r.index].path
            ));
            let desired = cast(quote!(update(current).bits()), l.int, "u64");
            let current = cast(quote!(self.regs.core.value(#i)), "u64", l.int);
            hw.push(quote! {
                #d
                pub fn #m(&mut self, update: impl ::core::ops::FnOnce(#ty) -> #ty) -> HwEffect {
                    let current = #ty::from_bits(#current);
                    let desired = #desired;
                    self.regs.core.hw_update_reg(&MAP, #var, desired)
                }
            });
        }
        quote! {
            /// Typed reads of one bank's banked registers ([`RegisterFile::bank`]).
            #[derive(Copy, Clone, Debug)]
            pub struct Bank<'a> {
                regs: &'a RegisterFile,
                bank: ::twinreg_runtime::SecSid,
            }

            impl Bank<'_> {
                /// The bank.
                #[must_use]
                pub const fn security(&self) -> ::twinreg_runtime::SecSid { self.bank }

                #[inline]
                fn value(&self, index: usize) -> u64 { self.regs.core.value(index) }

                #(#reads)*
            }

            /// Typed hardware updates of one bank's banked registers
            /// ([`RegisterFile::bank_hw`]). No software rule applies; completions
            /// (ACK mirrors) follow.
            #[derive(Debug)]
            pub struct BankHw<'a> {
                regs: &'a mut RegisterFile,
                bank: ::twinreg_runtime::SecSid,
            }

            impl BankHw<'_> {
                /// The bank.
                #[must_use]
                pub const fn security(&self) -> ::twinreg_runtime::SecSid { self.bank }

                #(#writes)*
            }

            /// Typed hardware updates of the bank-only registers ([`RegisterFile::hw`]).
            #[derive(Debug)]
            pub struct Hw<'a> {
                regs: &'a mut RegisterFile,
            }

            impl Hw<'_> {
                #(#hw)*
            }
        }
    }

    // ------------------------------------------------------------------ descriptors

    fn field_loc(&self, f: FieldRef) -> TokenStream {
        let reg = lit_usize(f.reg.0);
        let field = lit_usize(f.field);
        let mask = hex(self.map.field(f).mask());
        quote! {
            ::twinreg_runtime::desc::FieldLoc {
                field: ::twinreg_runtime::FieldRef {
                    reg: ::twinreg_runtime::RegId(#reg),
                    field: #field,
                },
                mask: #mask,
            }
        }
    }

    fn guard_index(&self, guard: &[GuardTerm]) -> Option<usize> {
        self.guards.iter().position(|g| *g == guard)
    }

    fn guard_static(&self, i: usize, guard: &[GuardTerm]) -> TokenStream {
        let s = format_ident!("GUARD_{}", i);
        let k = lit_usize(guard.len());
        let terms = guard.iter().map(|t| {
            let loc = self.field_loc(t.field);
            let when_set = t.when_set;
            quote! {
                ::twinreg_runtime::desc::Guard {
                    term: ::twinreg_runtime::GuardTerm { field: #loc.field, when_set: #when_set },
                    mask: #loc.mask,
                }
            }
        });
        quote! {
            const #s: [::twinreg_runtime::desc::Guard; #k] = [#(#terms),*];
        }
    }

    fn field_desc(&self, f: &Field, layout: &LayoutPlan) -> TokenStream {
        let name = &f.name;
        let lsb = Literal::u32_unsuffixed(f.lsb);
        let width = Literal::u32_unsuffixed(f.width());
        let reversed = f.reversed();
        let mask = hex(f.mask());
        let rr = read_rule(f.read_rule);
        let wr = write_rule(f.write_rule);
        let guard = match self.guard_index(&f.guard) {
            Some(i) => {
                let s = format_ident!("GUARD_{}", i);
                quote!(&#s)
            }
            None => quote!(&[]),
        };
        let has = |n: NextValue| f.next_value.contains(&n);
        let (write_once, singlepulse, swmod, swacc) =
            (f.sw.write_once(), f.singlepulse, f.swmod, f.swacc);
        let (hw_write, hwset, hwclr) = (
            has(NextValue::HwWrite),
            has(NextValue::HwSet),
            has(NextValue::HwClr),
        );
        let acknowledges = match f.acknowledges.filter(|_| has(NextValue::AckMirror)) {
            Some(c) => {
                let loc = self.field_loc(c);
                quote!(::core::option::Option::Some(#loc))
            }
            None => quote!(::core::option::Option::None),
        };
        let update_complete = has(NextValue::UpdateComplete);
        let impl_defined = f.impl_defined;
        let present = f.present_when.iter().map(|p| self.field_loc(*p));
        let encode = match layout
            .fields
            .iter()
            .find(|p| p.name == crate::names::snake(&f.name))
            .and_then(|p| p.encode)
        {
            Some(e) => {
                let s = format_ident!("ENUM_{}", e);
                quote!(::core::option::Option::Some(&#s))
            }
            None => quote!(::core::option::Option::None),
        };
        quote! {
            ::twinreg_runtime::desc::FieldDesc {
                name: #name,
                lsb: #lsb,
                width: #width,
                reversed: #reversed,
                mask: #mask,
                read_rule: #rr,
                write_rule: #wr,
                guard: #guard,
                write_once: #write_once,
                singlepulse: #singlepulse,
                swmod: #swmod,
                swacc: #swacc,
                hw_write: #hw_write,
                hwset: #hwset,
                hwclr: #hwclr,
                acknowledges: #acknowledges,
                update_complete: #update_complete,
                impl_defined: #impl_defined,
                present_when: &[#(#present),*],
                encode: #encode,
            }
        }
    }

    fn reg_desc(&self, rp: &RegPlan) -> TokenStream {
        let r = &self.map.registers[rp.index];
        let l = self.layout_of(rp);
        let path = &r.path;
        let type_name = &l.ty;
        let address = hex(r.address);
        let width = Literal::u32_unsuffixed(r.width);
        let bank = sec(r.security);
        let gates = r.write_gates.iter().map(|g| {
            let g = match g {
                regdef::access::WriteGate::Absent => quote!(Absent),
                regdef::access::WriteGate::SecurityState => quote!(SecurityState),
                regdef::access::WriteGate::UpdateHandshake => quote!(UpdateHandshake),
            };
            quote!(::twinreg_runtime::WriteGate::#g)
        });
        let present = r.present_when.iter().map(|p| self.field_loc(*p));
        let update = opt_usize(r.update_field);
        let acked_by = opt_usize(r.acked_by.map(|a| a.0));
        // ACK fields that follow the same bits of this register.
        let ack_same_bits = hex(r.acked_by.map_or(0, |a| {
            self.map.reg(a).mask_where(|af| {
                af.acknowledges
                    .is_some_and(|c| c.reg.0 == rp.index && self.map.field(c).mask() == af.mask())
            })
        }));
        let mirrored = hex(r.mask_where(|f| f.next_value.contains(&NextValue::AckMirror)));
        // ACK fields that mirror anything else: the engine then walks the ACK fields.
        let ack_elsewhere = r.acked_by.is_some_and(|a| {
            let ack = self.map.reg(a);
            let same = ack.mask_where(|af| {
                af.acknowledges
                    .is_some_and(|c| c.reg.0 == rp.index && self.map.field(c).mask() == af.mask())
            });
            ack.mask_where(|f| f.next_value.contains(&NextValue::AckMirror)) & !same != 0
        });
        let fields = r.fields.iter().map(|f| self.field_desc(f, l));
        let plain_of = |f: &Field| {
            f.write_rule == WriteRule::Store
                && f.guard.is_empty()
                && !f.sw.write_once()
                && !f.singlepulse
        };
        let special = r
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| !plain_of(f) && f.write_rule != WriteRule::Ignore)
            .map(|(i, _)| lit_usize(i));
        // Special fields that are only guarded stores: grouped by guard, in order.
        let guarded_store = |f: &Field| {
            f.write_rule == WriteRule::Store
                && !f.guard.is_empty()
                && !f.sw.write_once()
                && !f.singlepulse
                && !f.swmod
        };
        let specials = || {
            r.fields
                .iter()
                .filter(|f| !plain_of(f) && f.write_rule != WriteRule::Ignore)
        };
        let mut groups: Vec<(usize, u64)> = Vec::new();
        if specials().all(guarded_store) {
            for f in specials() {
                // Every field's guard was collected before emission; were one missing,
                // the register simply gets no fast path (the field-by-field one is exact).
                let Some(g) = self.guard_index(&f.guard) else {
                    groups.clear();
                    break;
                };
                match groups.iter_mut().find(|(i, _)| *i == g) {
                    Some((_, m)) => *m |= f.mask(),
                    None => groups.push((g, f.mask())),
                }
            }
        }
        let guarded_stores = groups.iter().map(|&(g, m)| {
            let s = format_ident!("GUARD_{}", g);
            let m = hex(m);
            quote!(::twinreg_runtime::desc::GuardGroup { guard: &#s, mask: #m })
        });
        let plain_swmod_of = || {
            r.fields
                .iter()
                .enumerate()
                .filter(|(_, f)| plain_of(f) && f.swmod)
        };
        let plain_swmod = plain_swmod_of().map(|(i, _)| lit_usize(i));
        let plain_swmod_mask = hex(plain_swmod_of().fold(0, |m, (_, f)| m | f.mask()));
        let plain_swmod_set = hex(plain_swmod_of()
            .filter(|(i, _)| *i < 64)
            .fold(0, |m, (i, _)| m | 1 << i));
        let reset = hex(r.reset_value());
        let defined = hex(r.defined_mask());
        let readable = hex(r.mask_where(|f| f.read_rule != ReadRule::Zero));
        let plain = hex(r.mask_where(plain_of));
        let read_effects = r
            .fields
            .iter()
            .any(|f| f.read_rule.has_side_effect() || f.swacc);
        let impl_defined = hex(r.mask_where(|f| f.impl_defined));
        let constant = hex(r.mask_where(|f| {
            f.write_rule == WriteRule::Ignore && !f.read_rule.has_side_effect() && !f.hw_updates()
        }));
        quote! {
            ::twinreg_runtime::desc::RegDesc {
                path: #path,
                type_name: #type_name,
                address: #address,
                width: #width,
                bank: #bank,
                gates: &[#(#gates),*],
                present_when: &[#(#present),*],
                update_field: #update,
                acked_by: #acked_by,
                ack_same_bits: #ack_same_bits,
                ack_elsewhere: #ack_elsewhere,
                mirrored: #mirrored,
                fields: &[#(#fields),*],
                special: &[#(#special),*],
                guarded_stores: &[#(#guarded_stores),*],
                plain_swmod: &[#(#plain_swmod),*],
                plain_swmod_mask: #plain_swmod_mask,
                plain_swmod_set: #plain_swmod_set,
                reset: #reset,
                defined: #defined,
                readable: #readable,
                plain: #plain,
                read_effects: #read_effects,
                impl_defined: #impl_defined,
                constant: #constant,
            }
        }
    }

    fn descriptors(&self, track: Option<&str>) -> TokenStream {
        let n = lit_usize(self.map.registers.len());
        let top = &self.map.top;
        // One `const` per register, so that the MMIO paths below see each descriptor's
        // contents (a `static` may live in another codegen unit) and fold its tests.
        let reg_consts = self.plan.regs.iter().map(|rp| {
            let c = format_ident!("REG_{}", rp.index);
            let d = self.reg_desc(rp);
            quote!(const #c: ::twinreg_runtime::desc::RegDesc = #d;)
        });
        let regs = self
            .plan
            .regs
            .iter()
            .map(|rp| format_ident!("REG_{}", rp.index));
        let guards: Vec<TokenStream> = self
            .guards
            .iter()
            .enumerate()
            .map(|(i, g)| self.guard_static(i, g))
            .collect();
        let enums = self.plan.enums.iter().enumerate().map(|(i, e)| {
            let s = format_ident!("ENUM_{}", i);
            let ty = &e.ty;
            let entries = e.variants.iter().map(|(v, value, ..)| {
                let value = hex(*value);
                quote!((#value, #v))
            });
            quote! {
                static #s: ::twinreg_runtime::desc::EnumDesc = ::twinreg_runtime::desc::EnumDesc {
                    name: #ty,
                    entries: &[#(#entries),*],
                };
            }
        });
        let layouts = self.plan.layouts.iter().map(|l| {
            let s = format_ident!("LAYOUT_{}", l.id.0);
            let k = lit_usize(l.fields.len());
            let ir = &self.map.layouts[l.id.0];
            let fields = ir.fields.iter().zip(&l.fields).map(|(f, p)| {
                let name = &f.name;
                let lsb = Literal::u32_unsuffixed(p.lsb);
                let width = Literal::u32_unsuffixed(p.width);
                let reversed = p.reversed;
                let encode = match p.encode {
                    Some(e) => {
                        let e = format_ident!("ENUM_{}", e);
                        quote!(::core::option::Option::Some(&#e))
                    }
                    None => quote!(::core::option::Option::None),
                };
                quote! {
                    ::twinreg_runtime::desc::LayoutField {
                        name: #name, lsb: #lsb, width: #width, reversed: #reversed,
                        encode: #encode,
                    }
                }
            });
            quote! {
                pub(super) static #s: [::twinreg_runtime::desc::LayoutField; #k] = [#(#fields),*];
            }
        });
        // The decoder: one arm per 32-bit word of each register, yielding its index
        // and its identity at once.
        let words = |rp: &RegPlan| {
            let r = &self.map.registers[rp.index];
            let words = (0..r.size_bytes() / 4).map(|w| hex(r.address + 4 * w));
            quote!(#(#words)|*)
        };
        let arms = self.plan.regs.iter().map(|rp| {
            let words = words(rp);
            let i = lit_usize(rp.index);
            let reg = self.variant_expr(rp);
            quote!(#words => ::core::option::Option::Some((#i, super::#reg)),)
        });
        // The MMIO read path: the same decoder, with the engine inlined into each arm
        // and the arm's descriptor a constant, so each arm applies only the rules its
        // register has (no descriptor is read at run time). Writes keep one shared
        // engine: specialised per arm, the write is too large to inline into its
        // caller, and its effect (88 bytes) is then returned through memory and
        // copied, which costs more than the specialisation saves.
        let at = |rp: &RegPlan| {
            let i = lit_usize(rp.index);
            let reg = self.variant_expr(rp);
            let c = format_ident!("REG_{}", rp.index);
            quote!((#i, super::#reg, &#c))
        };
        let read_arms = self.plan.regs.iter().map(|rp| {
            let (words, at) = (words(rp), at(rp));
            quote!(#words => core.read_value_at(&MAP, #at, offset, size, access),)
        });
        let track = track.map(|p| {
            quote!(
                const _: &[u8] = include_bytes!(#p);
            )
        });
        quote! {
            /// Generated descriptors and decoder; not an API.
            #[doc(hidden)]
            mod __twinreg {
                #track

                /// The generated map: one descriptor per register, by IR index.
                pub static MAP: ::twinreg_runtime::desc::MapDesc = ::twinreg_runtime::desc::MapDesc {
                    top: #top,
                    registers: &REGS,
                };

                static REGS: [::twinreg_runtime::desc::RegDesc; #n] = [#(#regs),*];

                #(#reg_consts)*

                #(#guards)*

                #(#enums)*
                #(#layouts)*

                /// The register whose word holds byte `offset` (IR index and identity):
                /// a jump table, inlined into the MMIO paths.
                #[inline(always)]
                pub(super) fn decode(offset: u64) -> ::core::option::Option<(usize, super::Reg)> {
                    match offset & !3 {
                        #(#arms)*
                        _ => ::core::option::Option::None,
                    }
                }

                /// `RegisterFile::read`: the decoder, one specialised read per arm.
                #[inline(always)]
                pub(super) fn read_value(
                    core: &mut ::twinreg_runtime::Core<#n>,
                    offset: u64,
                    size: u32,
                    access: ::twinreg_runtime::SecSid,
                ) -> u64 {
                    match offset & !3 {
                        #(#read_arms)*
                        _ => core.read_value::<super::Reg>(&MAP, ::core::option::Option::None, offset, size, access),
                    }
                }
            }
        }
    }
}

fn read_rule(r: ReadRule) -> TokenStream {
    let v = match r {
        ReadRule::Zero => quote!(Zero),
        ReadRule::Value => quote!(Value),
        ReadRule::ValueThenClear => quote!(ValueThenClear),
        ReadRule::ValueThenSet => quote!(ValueThenSet),
    };
    quote!(::twinreg_runtime::ReadRule::#v)
}

fn write_rule(r: WriteRule) -> TokenStream {
    let v = match r {
        WriteRule::Ignore => quote!(Ignore),
        WriteRule::Store => quote!(Store),
        WriteRule::SetOnes => quote!(SetOnes),
        WriteRule::ClearOnes => quote!(ClearOnes),
        WriteRule::ToggleOnes => quote!(ToggleOnes),
        WriteRule::SetZeros => quote!(SetZeros),
        WriteRule::ClearZeros => quote!(ClearZeros),
        WriteRule::ToggleZeros => quote!(ToggleZeros),
        WriteRule::ClearAll => quote!(ClearAll),
        WriteRule::SetAll => quote!(SetAll),
    };
    quote!(::twinreg_runtime::WriteRule::#v)
}
