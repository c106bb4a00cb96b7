//! `docs/embedding.md` keeps up with the ABI and the configuration table: it names
//! every function of `include/twinreg.h`, every knob and every preset.

use std::path::Path;

use smmu::SmmuConfig;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn embedding_md_names_every_function_knob_and_preset() {
    let root = testkit::workspace_root();
    let doc = read(&root.join("docs/embedding.md"));
    let header = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("include/twinreg.h"));
    // Declarations: `twinreg_<name>(` at the start of a line or after `*`/a space.
    let mut functions: Vec<&str> = header
        .match_indices("twinreg_")
        .filter_map(|(at, _)| {
            let name_end = header[at..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map(|n| at + n)?;
            header[name_end..]
                .starts_with('(')
                .then(|| &header[at..name_end])
        })
        .collect();
    functions.sort_unstable();
    functions.dedup();
    assert!(functions.len() >= 20, "{functions:?}");
    let knobs = SmmuConfig::knobs().iter().map(|k| k.name);
    let presets = SmmuConfig::presets().iter().map(|p| p.name);
    let missing: Vec<&str> = functions
        .into_iter()
        .chain(knobs)
        .chain(presets)
        .filter(|name| !doc.contains(&format!("`{name}")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/embedding.md does not mention {missing:?}"
    );
}
