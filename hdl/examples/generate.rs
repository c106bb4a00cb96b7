//! Stand-in for `twinreg generate` until the CLI is wired: compiles an `.rdl`, writes
//! every output of `hdl::generate_all` under a directory and prints what it wrote.
//!
//! ```sh
//! cargo run --release -p twinreg-hdl --example generate -- [FILE] [--out DIR]
//! ```
//!
//! Defaults: `regdef/smmuv3.rdl`, `out/`. Exit status 1 with the diagnostics on
//! stderr when the definition has errors (nothing is written then).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut file = PathBuf::from("regdef/smmuv3.rdl");
    let mut out = PathBuf::from("out");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => match args.next() {
                Some(d) => out = PathBuf::from(d),
                None => {
                    eprintln!("error: --out needs a directory");
                    return ExitCode::from(2);
                }
            },
            _ => file = PathBuf::from(a),
        }
    }
    let files = match hdl::generate_from_file(&file, &hdl::GenerateOptions::default()) {
        Ok(f) => f,
        Err(hdl::GenerateError::Frontend(d)) => {
            eprint!("{}", d.render(false));
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for f in &files {
        match f.write_under(&out) {
            Ok(p) => println!("{:>9} bytes  {}", f.contents.len(), p.display()),
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", f.path);
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
