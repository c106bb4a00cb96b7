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
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token};

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
/// directory of its `Cargo.toml`), or absolute. The file, and every file it
/// includes, is tracked: editing one rebuilds the crate.
///
/// Several files compile in order into one root scope, with the options of
/// `twinreg check` (`-I`, `-D`, `--top`, `-P`) after them; include directories are
/// relative to `CARGO_MANIFEST_DIR` too:
///
/// ```ignore
/// twinreg_macros::register_file!(
///     "rdl/udps.rdl",
///     "rdl/soc.rdl",
///     include_dirs = ["rdl/include"],
///     defines = ["WITH_DEBUG", "NUM_CHANNELS=4"],
///     top = "soc",
/// );
/// ```
///
/// (`parameters = ["N=4"]` overrides a parameter of the top, as `-P N=4` does; the
/// value is a SystemRDL expression.)
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
    let args = match syn::parse::<Args>(input) {
        Ok(a) => a,
        Err(e) => return e.to_compile_error().into(),
    };
    let span = args.files[0].span();
    match expand(&args) {
        Ok(tokens) => tokens.into(),
        Err(Failure { message, track }) => {
            let err = syn::Error::new(span, message).to_compile_error();
            // Keep tracking the files that exist, so fixing one rebuilds the crate.
            let track = track.iter().map(|p| {
                quote::quote!(
                    const _: &[u8] = include_bytes!(#p);
                )
            });
            quote::quote!(#err #(#track)*).into()
        }
    }
}

/// What `register_file!` was given: the files, then `name = value` options.
struct Args {
    files: Vec<LitStr>,
    include_dirs: Vec<LitStr>,
    defines: Vec<(String, String)>,
    top: Option<LitStr>,
    parameters: Vec<(String, String)>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Args> {
        let mut args = Args {
            files: Vec::new(),
            include_dirs: Vec::new(),
            defines: Vec::new(),
            top: None,
            parameters: Vec::new(),
        };
        while !input.is_empty() {
            if input.peek(Ident) && input.peek2(Token![=]) {
                let name: Ident = input.parse()?;
                input.parse::<Token![=]>()?;
                match name.to_string().as_str() {
                    "include_dirs" => args.include_dirs = strings(input)?,
                    "defines" => {
                        for d in strings(input)? {
                            let v = d.value();
                            let (n, val) = v.split_once('=').unwrap_or((&v, ""));
                            if n.is_empty() || !n.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
                                return Err(syn::Error::new(d.span(), "expected \"NAME\" or \"NAME=VALUE\""));
                            }
                            args.defines.push((n.to_owned(), val.to_owned()));
                        }
                    }
                    "top" => args.top = Some(input.parse()?),
                    "parameters" => {
                        for p in strings(input)? {
                            let v = p.value();
                            match v.split_once('=') {
                                Some((n, val)) if !n.is_empty() && !val.is_empty() => {
                                    args.parameters.push((n.to_owned(), val.to_owned()));
                                }
                                _ => return Err(syn::Error::new(p.span(), "expected \"NAME=VALUE\"")),
                            }
                        }
                    }
                    other => {
                        return Err(syn::Error::new(
                            name.span(),
                            format!("unknown option `{other}`: expected include_dirs, defines, top or parameters"),
                        ))
                    }
                }
            } else if args.include_dirs.is_empty()
                && args.defines.is_empty()
                && args.top.is_none()
                && args.parameters.is_empty()
            {
                args.files.push(input.parse()?);
            } else {
                return Err(input.error("the .rdl files come before the options"));
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        if args.files.is_empty() {
            return Err(input.error("expected the path of a .rdl file (a string literal)"));
        }
        Ok(args)
    }
}

/// `["a", "b"]`
fn strings(input: ParseStream<'_>) -> syn::Result<Vec<LitStr>> {
    let content;
    syn::bracketed!(content in input);
    let list = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
    Ok(list.into_iter().collect())
}

/// Why the macro produced no register file, and the files to track anyway.
struct Failure {
    message: String,
    track: Vec<String>,
}

fn expand(args: &Args) -> Result<proc_macro2::TokenStream, Failure> {
    let fail = |message: String, track: Vec<String>| Failure { message, track };
    let dir = std::env::var_os("CARGO_MANIFEST_DIR").map(std::path::PathBuf::from);
    let mut compiler = regdef::Compiler::new();
    let mut track = Vec::new();
    for lit in &args.files {
        let spelled = lit.value();
        let path = Path::new(&spelled);
        let full = if path.is_absolute() {
            path.to_path_buf()
        } else {
            let dir = dir.as_ref().ok_or_else(|| {
                fail(
                    "CARGO_MANIFEST_DIR is not set: build with cargo, or give an absolute path"
                        .into(),
                    Vec::new(),
                )
            })?;
            dir.join(path)
        };
        if let Err(e) = std::fs::metadata(&full) {
            return Err(fail(
                format!(
                    "cannot read `{spelled}` (register_file! paths are relative to the crate's \
                     CARGO_MANIFEST_DIR): {e}"
                ),
                track,
            ));
        }
        let Some(utf8) = full.to_str() else {
            return Err(fail(
                format!("the path of `{spelled}` is not valid UTF-8"),
                track,
            ));
        };
        track.push(utf8.to_owned());
        // Locations name the file as the user spelled it.
        compiler = compiler.file(spelled);
    }
    if let Some(dir) = &dir {
        compiler = compiler.base_dir(dir);
    }
    for d in &args.include_dirs {
        compiler = compiler.include_dir(d.value());
    }
    for (n, v) in &args.defines {
        compiler = compiler.define(n, v);
    }
    if let Some(top) = &args.top {
        compiler = compiler.top(top.value());
    }
    for (n, v) in &args.parameters {
        compiler = compiler.parameter(n, v);
    }
    let compilation = compiler.compile();
    let Some(map) = compilation.map else {
        return Err(fail(compilation.diagnostics.to_string(), track));
    };
    // The first file is tracked by the generated descriptors; includes and the
    // other files here.
    let others: Vec<String> = compilation
        .files_read
        .iter()
        .filter_map(|p| p.to_str().map(str::to_owned))
        .filter(|p| *p != track[0])
        .collect();
    let shown = args.files[0].value();
    let tokens = emit::generate(&map, Some(&track[0])).map_err(|errors| {
        fail(
            format!(
                "`{shown}` cannot be turned into a Rust register file:\n{}",
                errors
                    .iter()
                    .map(|e| format!("  - {e}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            track.clone(),
        )
    })?;
    Ok(quote::quote! {
        #tokens
        #(const _: &[u8] = include_bytes!(#others);)*
    })
}

/// The token generator on every map of the shared SystemRDL corpus the front end
/// accepts: what `register_file!` would expand to parses as a Rust file, or the map
/// is refused with a message naming what the Rust register file cannot represent.
/// (`tests/corpus.rs` compiles and runs the expansions.)
#[cfg(test)]
mod corpus {
    #[test]
    fn every_accepted_corpus_map_expands() {
        let test = "every_accepted_corpus_map_expands";
        let Some(entries) = testkit::shared_corpus(test) else {
            return;
        };
        let (mut expanded, mut refused) = (0, Vec::new());
        for e in entries {
            if testkit::RUST_REGISTER_FILE_GAPS.contains(&e.id.as_str()) {
                println!("{test}: known gap, skipped: {}", e.id);
                continue;
            }
            let mut c = regdef::Compiler::new().file(&e.file);
            for d in &e.include_dirs {
                c = c.include_dir(d);
            }
            for (k, v) in &e.defines {
                c = c.define(k, v);
            }
            let Some(map) = c.compile().map else { continue };
            match crate::emit::generate(&map, None) {
                Ok(tokens) => {
                    if let Err(err) = syn::parse2::<syn::File>(tokens) {
                        panic!("{}: the expansion does not parse: {err}", e.id);
                    }
                    expanded += 1;
                }
                Err(errors) => {
                    // Registers narrower than 32 bits, which would share a bus word
                    // (the runtime's access policy is per word), and constructs the
                    // register file refuses by name (`RegisterMap::require`).
                    for err in &errors {
                        assert!(
                            err.contains("bits wide: the Rust register file supports")
                                || err.contains("is not aligned to a 32-bit word")
                                || err.contains("the Rust register file does not implement"),
                            "{}: refused for another reason: {err}",
                            e.id
                        );
                    }
                    refused.push(format!("{}: {}", e.id, errors.join("; ")));
                }
            }
        }
        for r in &refused {
            println!("refused: {r}");
        }
        println!("{test}: {expanded} expanded, {} refused", refused.len());
        assert!(expanded > 0);
    }
}
