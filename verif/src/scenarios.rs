//! The SMMU model's shipped scenarios (`verif/scenarios/*.json`) as traces.
//!
//! Each scenario runs on the SMMUv3 model (`smmu::scenario::run_traced`) with the
//! register-level trace recorder on; every MMIO access and every hardware-side update
//! the model made becomes a step ([`crate::trace::from_model`]), with the read values
//! the model returned as expectations. The header carries the scenario's
//! implementation-defined values (from its `SmmuConfig`), so the RTL is built with the
//! same parameters. A final Secure read of every register compares the whole state.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use regdef::ir::{RegisterMap, SecSid};

use crate::trace::{from_model, Header, Hex, Step, Trace};
use crate::Error;

/// The directory of the shipped scenarios.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// The shipped scenario files, sorted.
pub fn shipped() -> Result<Vec<PathBuf>, Error> {
    let d = dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&d)
        .map_err(|e| Error::io(&d, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// The implementation-defined values of a model configuration that differ from the
/// map's defaults, by field path.
pub fn impl_defined(map: &RegisterMap, config: &smmu::SmmuConfig) -> BTreeMap<String, Hex> {
    let model = smmu::regfile::RegisterFile::new(&smmu::regfile::impl_defined(config));
    map.impl_defined_fields()
        .filter_map(|f| {
            let field = map.field(f);
            let v = model.field_value(f.reg.0, f.field)?;
            (v != field.reset.unwrap_or(0)).then(|| (map.field_path(f), Hex(v)))
        })
        .collect()
}

/// Runs the scenario at `path` on the model and returns its register-level trace,
/// plus a Secure read of every register at the end.
pub fn trace(map: &RegisterMap, path: &Path) -> Result<Trace, Error> {
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bad = |message: String| Error::Scenario {
        name: name.clone(),
        message,
    };
    let scenario = smmu::scenario::Scenario::load(path).map_err(|e| bad(e.to_string()))?;
    let mut out = Vec::new();
    let mut recorded = Vec::new();
    let summary = smmu::scenario::run_traced(&scenario, &mut out, &mut recorded)
        .map_err(|e| bad(e.to_string()))?;
    if !summary.passed() {
        return Err(bad(format!(
            "the model fails its own expectations at steps {:?}",
            summary.mismatches
        )));
    }
    let text = String::from_utf8(recorded).map_err(|e| bad(e.to_string()))?;
    let records = smmu::trace::parse_json_lines(&text).map_err(bad)?;
    let header = Header {
        name: Some(name.clone()),
        impl_defined: impl_defined(map, &scenario.config),
        ..Header::default()
    };
    let mut t = from_model(map, header, &records)?;
    for r in &map.registers {
        t.steps
            .push(Step::read(r.address, r.width / 8, SecSid::Secure));
    }
    Ok(t)
}
