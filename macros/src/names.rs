//! Rust names for `.rdl` names, and a checker that reports clashes instead of
//! renaming behind the user's back.

use std::collections::BTreeMap;

use proc_macro2::{Ident, Span};

/// `s_idr1` -> `SIdr1`, `strtab_fmt` -> `StrtabFmt`, `split_4kb` -> `Split4kb`.
pub fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for part in name.split('_').filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(c) = chars.next() {
            out.extend(c.to_uppercase());
            out.extend(chars.flat_map(char::to_lowercase));
        }
    }
    out
}

/// An enum's Rust name: CamelCase without the `_e` suffix the `.rdl` convention
/// uses (`strtab_fmt_e` -> `StrtabFmt`).
pub fn enum_type(name: &str) -> String {
    camel(name.strip_suffix("_e").unwrap_or(name))
}

/// A method or field name: the `.rdl` name in lower case.
pub fn snake(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// Names `Ident::new_raw` refuses: they can be neither plain nor raw identifiers.
const NOT_RAW: [&str; 5] = ["self", "Self", "super", "crate", "_"];

/// A Rust identifier for `name`: raw (`r#type`) if `name` is a keyword.
pub fn ident(name: &str) -> Result<Ident, String> {
    if NOT_RAW.contains(&name) {
        return Err(format!("`{name}` cannot be a Rust identifier"));
    }
    if syn::parse_str::<Ident>(name).is_ok() {
        Ok(Ident::new(name, Span::call_site()))
    } else if name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        Ok(Ident::new_raw(name, Span::call_site()))
    } else {
        Err(format!("`{name}` is not a Rust identifier"))
    }
}

/// Claims names in scopes (a type's methods, the module's types, an enum's
/// variants) and remembers every clash.
#[derive(Default)]
pub struct Namespace {
    taken: BTreeMap<(String, String), String>,
    /// One message per clash.
    pub errors: Vec<String>,
}

impl Namespace {
    /// Claims `name` in `scope` for `what` (a human description).
    pub fn claim(&mut self, scope: &str, name: &str, what: impl Into<String>) {
        let what = what.into();
        let key = (scope.to_string(), name.to_string());
        if let Some(first) = self.taken.get(&key) {
            self.errors.push(format!(
                "`{name}` in {scope} would name both {first} and {what}; rename one in the .rdl"
            ));
        } else {
            self.taken.insert(key, what);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(camel("s_idr1"), "SIdr1");
        assert_eq!(camel("cr0ack"), "Cr0ack");
        assert_eq!(camel("split_4kb"), "Split4kb");
        assert_eq!(camel("ArchMinor"), "Archminor");
        assert_eq!(enum_type("strtab_fmt_e"), "StrtabFmt");
        assert_eq!(enum_type("oas"), "Oas");
        assert_eq!(snake("CMDQEN"), "cmdqen");
    }

    #[test]
    fn identifiers() {
        assert_eq!(ident("smmuen").unwrap().to_string(), "smmuen");
        assert_eq!(ident("type").unwrap().to_string(), "r#type");
        assert!(ident("self").is_err());
        assert!(ident("9x").is_err());
    }

    #[test]
    fn clashes_are_reported() {
        let mut ns = Namespace::default();
        ns.claim("type `Cr0`", "bits", "the raw value accessor");
        ns.claim("type `Cr0`", "bits", "field `bits`");
        assert_eq!(ns.errors.len(), 1);
        assert!(ns.errors[0].contains("field `bits`"), "{}", ns.errors[0]);
    }
}
