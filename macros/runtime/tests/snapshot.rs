//! Restoring a register file never trusts its input: malformed snapshots are
//! errors with a message, never a panic or a state the rules could not produce.

mod rules {
    twinreg_macros::register_file!("../tests/rdl/rules.rdl");
}

use rules::{RegisterFile, SecSid};
use twinreg_runtime::Completion;

fn restore(json: &str) -> Result<RegisterFile, String> {
    serde_json::from_str(json).map_err(|e| e.to_string())
}

fn snapshot(r: &RegisterFile) -> String {
    serde_json::to_string(r).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn round_trip_keeps_the_completion_mode() {
    let mut r = RegisterFile::with_completion(&rules::ImplDefined::DEFAULT, Completion::Handshake);
    r.write(0x2C, 4, 0x8000_0033, SecSid::NonSecure);
    let back = restore(&snapshot(&r)).unwrap();
    assert_eq!(back.completion(), Completion::Handshake);
    assert_eq!(back.upd_r().bits(), 0x8000_0033, "Update pending");
    assert_eq!(back, r);
}

#[test]
fn malformed_snapshots_are_errors() {
    let good = snapshot(&RegisterFile::default());
    // A duplicate key: the second `"rules.ctl": 0` after the first.
    let dup = good.replacen("\"rules.ctl\":0", "\"rules.ctl\":0,\"rules.ctl\":0", 1);
    assert_ne!(dup, good);
    assert_eq!(
        restore(&dup).unwrap_err(),
        "register `rules.ctl` appears twice"
    );
    for (json, want) in [
        ("[]", "invalid length 0"),
        ("{", "EOF while parsing an object"),
        (
            r#"{"completion":"sometimes","registers":{}}"#,
            "unknown variant `sometimes`",
        ),
        (
            r#"{"completion":"immediate","registers":{"rules.ctl":-1}}"#,
            "invalid value: integer `-1`, expected u64",
        ),
        (
            r#"{"completion":"immediate","registers":{}}"#,
            "register `rules.onwrite` is missing (15 missing in all)",
        ),
    ] {
        let err = restore(json).unwrap_err();
        assert!(err.starts_with(want), "{json}: {err}");
    }
    let unknown = good.replace("\"written_once\":[]", "\"written_once\":[\"rules.nope.f\"]");
    assert!(restore(&unknown)
        .unwrap_err()
        .starts_with("`written_once` names an unknown field `rules.nope.f`"));
}
