//! `include/twinreg.h` is what cbindgen makes of this crate's source: the committed
//! header is regenerated and compared, so it cannot drift from the ABI.
//!
//! Regenerate it with `TWINREG_UPDATE_HEADER=1 cargo test -p twinreg-capi --test header`.

use std::path::Path;

const UPDATE: &str = "TWINREG_UPDATE_HEADER";

fn generate() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen parses the crate");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("UTF-8 header")
}

#[test]
fn committed_header_is_up_to_date() {
    testkit::check_committed(
        "model/capi/include/twinreg.h",
        &generate(),
        UPDATE,
        "cargo test -p twinreg-capi --test header",
    );
}

#[test]
fn the_header_declares_every_entry_point_with_its_documentation() {
    let header = generate();
    for function in [
        "twinreg_abi_version",
        "twinreg_smmu_new",
        "twinreg_smmu_free",
        "twinreg_smmu_reset",
        "twinreg_smmu_last_error",
        "twinreg_last_error",
        "twinreg_smmu_mmio_read",
        "twinreg_smmu_mmio_write",
        "twinreg_smmu_mmio_size",
        "twinreg_smmu_translate",
        "twinreg_smmu_stats",
        "twinreg_smmu_snapshot",
        "twinreg_smmu_restore",
        "twinreg_smmu_config_get",
        "twinreg_knob_count",
        "twinreg_knob_name",
        "twinreg_preset_name",
        "twinreg_event_name",
    ] {
        let declared = [" ", "*"]
            .iter()
            .any(|before| header.contains(&format!("{before}{function}(")));
        assert!(declared, "{function} missing");
    }
    assert!(header.contains("#define TWINREG_ABI_VERSION 1"), "{header}");
    // Rustdoc is carried over.
    assert!(header.contains("// Creates an SMMU at reset."), "{header}");
    assert!(header.contains("TWINREG_STATUS_BUFFER_TOO_SMALL = 5"));
}
