//! Proc-macros that turn a SystemRDL definition into a typed, banked Rust register
//! file: [`register_file!`].
//!
//! The macro runs twinreg's front end (`regdef`) on the `.rdl` at compile time and
//! emits, with `quote!`, a boring and uniform API over the small hand-written
//! runtime `twinreg_runtime`, which applies every access rule of the IR. A crate
//! that uses it depends on `twinreg-macros` and `twinreg-runtime` only.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod docs;
mod emit;
// A proc-macro crate exports only macros: the API listing is reached from its tests.
#[cfg(test)]
mod listing;
mod names;
mod plan;

use std::path::Path;

use proc_macro::TokenStream;
use syn::LitStr;

/// Generates the register file of a `.rdl` definition into the current module.
///
/// ```
/// mod smmu {
///     twinreg_macros::register_file!("../regdef/smmuv3.rdl");
/// }
/// use smmu::{RegisterFile, ImplDefined, SecSid};
///
/// let mut regs = RegisterFile::new(&ImplDefined::default());
/// let effect = regs.write(0x20, 4, 0b1001, SecSid::NonSecure); // CR0: SMMUEN | CMDQEN
/// assert_eq!(effect.applied_to(), Some(smmu::Reg::Cr0(SecSid::NonSecure)));
/// assert!(regs.bank(SecSid::NonSecure).cr0ack().cmdqen()); // immediate ACK
/// ```
///
/// **The path is relative to the invoking crate's `CARGO_MANIFEST_DIR`** (the
/// directory of its `Cargo.toml`), or absolute. The file is tracked: editing it
/// rebuilds the crate.
///
/// A definition the front end rejects fails the build with the front end's
/// diagnostics (`file:line:col`, the source line, the hint) as a `compile_error!`;
/// so does one the Rust back end cannot represent (registers other than 32 or 64
/// bits wide, names that would clash in Rust).
///
/// What is generated, for each `.rdl`:
///
/// * one `Copy` type per register definition (`Cr0`, `StrtabBase`, `SIdr1`) over
///   its integer, with `const fn` field getters, `set_*` and `with_*` (typed enums
///   and `*_raw` accessors for fields with `encode`), `bits`/`from_bits` and a
///   decoded `Debug`;
/// * one enum per `.rdl` enum used by a field (`StrtabFmt`), with `from_raw`/`raw`;
/// * `Reg`, every register instance (`Reg::Cr0(SecSid)`, `Reg::SInit`), whose
///   `index()` is the IR register index;
/// * `ImplDefined`, the implementation-defined values, and `RegisterFile` with the
///   software access path (`read`, `read_with_effect`, `write`), typed reads
///   (`bank(b).cr0()`, `s_init()`), the hardware path (`bank_hw(b)`, `hw()`,
///   `hw_write_field`, `hw_set`, `hw_clr`, `field_value`), `Clone`, `Debug` and
///   serde;
/// * `MAP`, the static descriptors the runtime applies the rules from.
#[proc_macro]
pub fn register_file(input: TokenStream) -> TokenStream {
    let lit = match syn::parse::<LitStr>(input) {
        Ok(l) => l,
        Err(e) => return e.to_compile_error().into(),
    };
    match expand(&lit.value()) {
        Ok(tokens) => tokens.into(),
        Err(Failure { message, track }) => {
            let err = syn::Error::new(lit.span(), message).to_compile_error();
            // Keep tracking a file that exists, so fixing it rebuilds the crate.
            let track = track.map(|p| {
                quote::quote!(
                    const _: &[u8] = include_bytes!(#p);
                )
            });
            quote::quote!(#err #track).into()
        }
    }
}

/// Why the macro produced no register file, and the file to track anyway.
struct Failure {
    message: String,
    track: Option<String>,
}

fn expand(spelled: &str) -> Result<proc_macro2::TokenStream, Failure> {
    let fail = |message: String, track: Option<String>| Failure { message, track };
    let path = Path::new(spelled);
    let full = if path.is_absolute() {
        path.to_path_buf()
    } else {
        let dir = std::env::var_os("CARGO_MANIFEST_DIR").ok_or_else(|| {
            fail(
                "CARGO_MANIFEST_DIR is not set: build with cargo, or give an absolute path".into(),
                None,
            )
        })?;
        Path::new(&dir).join(path)
    };
    let text = std::fs::read_to_string(&full).map_err(|e| {
        fail(
            format!(
                "cannot read `{spelled}` (register_file! paths are relative to the crate's \
                 CARGO_MANIFEST_DIR): {e}"
            ),
            None,
        )
    })?;
    let track = full.to_str().map(str::to_owned);
    if track.is_none() {
        return Err(fail(
            format!("the path of `{spelled}` is not valid UTF-8"),
            None,
        ));
    }
    // Locations name the file as the user spelled it.
    let map =
        regdef::compile_source(spelled, &text).map_err(|d| fail(d.to_string(), track.clone()))?;
    emit::generate(&map, track.as_deref()).map_err(|errors| {
        fail(
            format!(
                "`{spelled}` cannot be turned into a Rust register file:\n{}",
                errors
                    .iter()
                    .map(|e| format!("  - {e}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            track.clone(),
        )
    })
}
