//! Everything twinreg generates from the register map besides the Rust register file:
//! Verilog-2005 register RTL with APB4 and AXI4-Lite front ends, a C header for
//! firmware (with a C program that checks it), and register documentation (Markdown,
//! and one self-contained HTML page with a bit-field drawing per register).
//!
//! The command-line tool calls one function:
//!
//! ```no_run
//! let files = hdl::generate_from_file(
//!     "regdef/smmuv3.rdl".as_ref(),
//!     &hdl::GenerateOptions::default(),
//! )?;
//! for f in &files {
//!     let path = f.write_under("out".as_ref())?;
//!     println!("{} ({} bytes)", path.display(), f.contents.len());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Each back end is also usable alone: [`verilog::generate`], [`c_header::generate`],
//! [`docs::markdown`] and [`docs::html`]. None of them panics on user input; what a
//! back end cannot express is a [`GenerateError`].

#![warn(missing_docs)]

use std::path::{Path, PathBuf};

use regdef::ir::RegisterMap;

pub mod c_header;
pub mod docs;
pub mod names;
pub mod verilog;

/// Options of [`generate_all`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenerateOptions {
    /// The RTL: buses, reset style, completion of ACK mirrors and update handshakes.
    /// The docs describe the completion chosen here.
    pub verilog: verilog::VerilogOptions,
    /// The C header: macro prefix.
    pub c_header: c_header::CHeaderOptions,
}

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the output directory, `/`-separated: `rtl/smmuv3_regs.v`,
    /// `include/smmuv3.h`, `test/smmuv3_header_test.c`, `docs/registers.md`,
    /// `docs/registers.html`.
    pub path: String,
    /// Contents.
    pub contents: String,
}

impl GeneratedFile {
    /// Writes the file under `dir` (creating its directories) and returns its path.
    pub fn write_under(&self, dir: &Path) -> std::io::Result<PathBuf> {
        let mut p = dir.to_path_buf();
        p.extend(self.path.split('/'));
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&p, &self.contents)?;
        Ok(p)
    }
}

/// Why nothing was generated.
#[derive(Debug)]
pub enum GenerateError {
    /// The `.rdl` did not compile ([`generate_from_file`] only). `Display` shows the
    /// diagnostics as plain text; render them with
    /// [`regdef::Diagnostics::render`] for colour.
    Frontend(regdef::Diagnostics),
    /// The RTL back end cannot express the map.
    Verilog(verilog::GenerateError),
    /// The C back end cannot name the map's registers or fields uniquely.
    CHeader(c_header::CHeaderError),
    /// The docs cannot name the map's registers uniquely, or do not describe a
    /// construct yet.
    Docs(docs::DocsError),
}

impl std::fmt::Display for GenerateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GenerateError::Frontend(d) => write!(f, "{d}"),
            GenerateError::Verilog(e) => write!(f, "Verilog: {e}"),
            GenerateError::CHeader(e) => write!(f, "{e}"),
            GenerateError::Docs(e) => write!(f, "docs: {e}"),
        }
    }
}

impl std::error::Error for GenerateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GenerateError::Frontend(d) => Some(d),
            GenerateError::Verilog(e) => Some(e),
            GenerateError::CHeader(e) => Some(e),
            GenerateError::Docs(e) => Some(e),
        }
    }
}

impl From<verilog::GenerateError> for GenerateError {
    fn from(e: verilog::GenerateError) -> Self {
        GenerateError::Verilog(e)
    }
}

impl From<c_header::CHeaderError> for GenerateError {
    fn from(e: c_header::CHeaderError) -> Self {
        GenerateError::CHeader(e)
    }
}

/// Every output for `map`, or the first back end's error (then nothing is returned,
/// so a caller never writes a partial set):
///
/// | Path | What |
/// |---|---|
/// | `rtl/<top>_regs.v` | register core ([`verilog`]) |
/// | `rtl/<top>_<bus>_slave.v`, `rtl/<top>_<bus>.v` | per bus (APB4, AXI4-Lite): adapter, top level |
/// | `include/<top>.h` | C header ([`c_header`]) |
/// | `test/<top>_header_test.c` | C program checking the header against the map |
/// | `docs/registers.md` | Markdown reference ([`docs::markdown`]) |
/// | `docs/registers.html` | self-contained HTML reference ([`docs::html`]) |
///
/// The output is deterministic: the same map and options give the same bytes.
pub fn generate_all(
    map: &RegisterMap,
    opts: &GenerateOptions,
) -> Result<Vec<GeneratedFile>, GenerateError> {
    // The RTL is the largest job: it runs on its own thread while this one makes the
    // header and the docs. Each back end is a pure function of the map, so the output
    // does not depend on the scheduling.
    let (rtl, rest) = std::thread::scope(|s| {
        let rtl = s.spawn(|| verilog::generate(map, &opts.verilog));
        let rest = software_outputs(map, opts);
        let rtl = rtl
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (rtl, rest)
    });
    let mut out: Vec<GeneratedFile> = rtl?
        .into_iter()
        .map(|f| GeneratedFile {
            path: format!("rtl/{}", f.name),
            contents: f.contents,
        })
        .collect();
    out.extend(rest?);
    Ok(out)
}

/// The C header, its checking program and the docs.
fn software_outputs(
    map: &RegisterMap,
    opts: &GenerateOptions,
) -> Result<Vec<GeneratedFile>, GenerateError> {
    let [(h_name, h), (t_name, t)] = c_header::generate(map, &opts.c_header)?;
    let docs_opts = docs::DocsOptions {
        completion: opts.verilog.completion,
    };
    let [md, html] = docs::generate(map, &docs_opts).map_err(GenerateError::Docs)?;
    Ok(vec![
        GeneratedFile {
            path: format!("include/{h_name}"),
            contents: h,
        },
        GeneratedFile {
            path: format!("test/{t_name}"),
            contents: t,
        },
        GeneratedFile {
            path: "docs/registers.md".into(),
            contents: md,
        },
        GeneratedFile {
            path: "docs/registers.html".into(),
            contents: html,
        },
    ])
}

/// Compiles the `.rdl` at `path` and generates every output ([`generate_all`]).
/// A definition with errors produces no output: the error is
/// [`GenerateError::Frontend`] with the front end's diagnostics.
pub fn generate_from_file(
    path: &Path,
    opts: &GenerateOptions,
) -> Result<Vec<GeneratedFile>, GenerateError> {
    let map = regdef::compile_file(path).map_err(GenerateError::Frontend)?;
    generate_all(&map, opts)
}
