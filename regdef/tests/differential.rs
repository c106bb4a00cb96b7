//! Differential test of twinreg's front end against the reference SystemRDL compiler.
//!
//! For `regdef/smmuv3.rdl` and every `regdef/tests/corpus/good/*.rdl`, the register map
//! twinreg elaborates (`regdef::compile_file` + `regdef::dump::to_json`) must agree with
//! what systemrdl-compiler elaborates (`regdef/reference/rdl_dump.py`, same JSON shape)
//! on every register's path, address, width and security bank, and on every present
//! field's bit range, reset, sw, hw, onread, onwrite and singlepulse. Any difference
//! fails the test; all of them are listed, file by file.
//!
//! The Python venv comes from `twinreg-testkit`: without it the test prints `SKIP` and
//! passes, unless `TWINREG_REQUIRE_TOOLS=1` (then it fails).

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const TEST: &str = "differential";

/// A JSON object.
type Obj = serde_json::Map<String, Value>;

/// The crate directory (`regdef/`).
fn regdef_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every input: the SMMUv3 definition first, then the corpus in name order.
fn inputs() -> Vec<PathBuf> {
    let mut files = vec![regdef_dir().join("smmuv3.rdl")];
    let good = testkit::rdl_corpus("good");
    assert!(
        !good.is_empty(),
        "no corpus files in regdef/tests/corpus/good"
    );
    files.extend(good);
    files
}

/// One field as both dumps describe it.
#[derive(Clone, Debug, PartialEq)]
struct DumpField {
    name: String,
    lsb: u64,
    msb: u64,
    sw: String,
    hw: String,
    reset: Option<u64>,
    onread: Option<String>,
    onwrite: Option<String>,
    singlepulse: bool,
}

/// One register as both dumps describe it.
#[derive(Clone, Debug, PartialEq)]
struct DumpReg {
    path: String,
    address: u64,
    width: u64,
    security: String,
    fields: Vec<DumpField>,
}

/// A whole dump.
#[derive(Clone, Debug, PartialEq)]
struct Dump {
    top: String,
    registers: Vec<DumpReg>,
}

/// Reads the documented JSON shape, ignoring any extra keys a producer adds.
fn parse_dump(v: &Value) -> Result<Dump, String> {
    fn obj<'a>(v: &'a Value, what: &str) -> Result<&'a Obj, String> {
        v.as_object()
            .ok_or_else(|| format!("{what} is not an object: {v}"))
    }
    fn s(o: &Obj, k: &str, what: &str) -> Result<String, String> {
        o.get(k)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("{what}: `{k}` missing or not a string"))
    }
    fn u(o: &Obj, k: &str, what: &str) -> Result<u64, String> {
        o.get(k)
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("{what}: `{k}` missing or not an unsigned integer"))
    }
    fn opt_s(o: &Obj, k: &str, what: &str) -> Result<Option<String>, String> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(x)) => Ok(Some(x.clone())),
            Some(other) => Err(format!(
                "{what}: `{k}` is neither null nor a string: {other}"
            )),
        }
    }
    fn opt_u(o: &Obj, k: &str, what: &str) -> Result<Option<u64>, String> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(x) => x.as_u64().map(Some).ok_or_else(|| {
                format!("{what}: `{k}` is neither null nor an unsigned integer: {x}")
            }),
        }
    }

    let top = obj(v, "dump")?;
    let regs = top
        .get("registers")
        .and_then(Value::as_array)
        .ok_or("dump: `registers` missing or not an array")?;
    let mut registers = Vec::with_capacity(regs.len());
    for r in regs {
        let ro = obj(r, "register")?;
        let path = s(ro, "path", "register")?;
        let what = format!("register {path}");
        let fields = ro
            .get("fields")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("{what}: `fields` missing or not an array"))?;
        let mut out_fields = Vec::with_capacity(fields.len());
        for f in fields {
            let fo = obj(f, "field")?;
            let name = s(fo, "name", &what)?;
            let fwhat = format!("field {path}.{name}");
            out_fields.push(DumpField {
                lsb: u(fo, "lsb", &fwhat)?,
                msb: u(fo, "msb", &fwhat)?,
                sw: s(fo, "sw", &fwhat)?,
                hw: s(fo, "hw", &fwhat)?,
                reset: opt_u(fo, "reset", &fwhat)?,
                onread: opt_s(fo, "onread", &fwhat)?,
                onwrite: opt_s(fo, "onwrite", &fwhat)?,
                singlepulse: fo
                    .get("singlepulse")
                    .and_then(Value::as_bool)
                    .ok_or_else(|| format!("{fwhat}: `singlepulse` missing or not a boolean"))?,
                name,
            });
        }
        registers.push(DumpReg {
            address: u(ro, "address", &what)?,
            width: u(ro, "width", &what)?,
            security: s(ro, "security", &what)?,
            fields: out_fields,
            path,
        });
    }
    Ok(Dump {
        top: s(top, "top", "dump")?,
        registers,
    })
}

/// Whatever `regdef::dump::to_json` returns (a `serde_json::Value`, or the JSON text),
/// as a `Value`.
fn as_json<T: serde::Serialize>(out: T) -> Result<Value, String> {
    match serde_json::to_value(&out).map_err(|e| format!("cannot serialise the dump: {e}"))? {
        Value::String(text) => {
            serde_json::from_str(&text).map_err(|e| format!("the dump is not valid JSON: {e}"))
        }
        v => Ok(v),
    }
}

/// twinreg's view of `path`.
fn twinreg(path: &Path) -> Result<Dump, String> {
    let map = regdef::compile_file(path).map_err(|e| format!("twinreg rejected the file:\n{e}"))?;
    parse_dump(&as_json(regdef::dump::to_json(&map))?)
        .map_err(|e| format!("twinreg's dump has an unexpected shape: {e}"))
}

/// systemrdl-compiler's view of `path`.
fn reference(python: &Path, path: &Path) -> Result<Dump, String> {
    let script = regdef_dir().join("reference/rdl_dump.py");
    let out = Command::new(python)
        .arg(&script)
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "systemrdl-compiler rejected the file (a corpus file must be valid):\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let v: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("rdl_dump.py printed invalid JSON: {e}"))?;
    parse_dump(&v).map_err(|e| format!("rdl_dump.py's dump has an unexpected shape: {e}"))
}

/// A value shown in a difference report.
struct Shown<'a, T>(&'a Option<T>);

impl<T: fmt::Display> fmt::Display for Shown<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(v) => write!(f, "{v}"),
            None => f.write_str("null"),
        }
    }
}

fn hex(v: &Option<u64>) -> Option<String> {
    v.map(|x| format!("{x:#x}"))
}

/// Every difference between twinreg (`ours`) and the reference (`theirs`), one line each.
fn differences(ours: &Dump, theirs: &Dump) -> Vec<String> {
    let mut diffs = Vec::new();
    let mut d = |s: String| diffs.push(s);

    if ours.top != theirs.top {
        d(format!(
            "top: twinreg `{}`, systemrdl-compiler `{}`",
            ours.top, theirs.top
        ));
    }

    let our_regs: BTreeMap<&str, &DumpReg> = ours
        .registers
        .iter()
        .map(|r| (r.path.as_str(), r))
        .collect();
    let their_regs: BTreeMap<&str, &DumpReg> = theirs
        .registers
        .iter()
        .map(|r| (r.path.as_str(), r))
        .collect();
    if our_regs.len() != ours.registers.len() {
        d("twinreg lists some register path more than once".to_owned());
    }

    for (path, t) in &their_regs {
        let Some(o) = our_regs.get(path) else {
            d(format!(
                "register {path} @ {:#x}: missing in twinreg",
                t.address
            ));
            continue;
        };
        if o.address != t.address {
            d(format!(
                "register {path}: address twinreg {:#x}, systemrdl-compiler {:#x}",
                o.address, t.address
            ));
        }
        if o.width != t.width {
            d(format!(
                "register {path}: width twinreg {}, systemrdl-compiler {}",
                o.width, t.width
            ));
        }
        if o.security != t.security {
            d(format!(
                "register {path}: security twinreg {}, systemrdl-compiler {}",
                o.security, t.security
            ));
        }

        let our_fields: BTreeMap<&str, &DumpField> =
            o.fields.iter().map(|f| (f.name.as_str(), f)).collect();
        let their_fields: BTreeMap<&str, &DumpField> =
            t.fields.iter().map(|f| (f.name.as_str(), f)).collect();
        for (name, tf) in &their_fields {
            let Some(of) = our_fields.get(name) else {
                d(format!(
                    "field {path}.{name} [{}:{}]: missing in twinreg",
                    tf.msb, tf.lsb
                ));
                continue;
            };
            let at = format!("field {path}.{name}");
            if (of.msb, of.lsb) != (tf.msb, tf.lsb) {
                d(format!(
                    "{at}: bits twinreg [{}:{}], systemrdl-compiler [{}:{}]",
                    of.msb, of.lsb, tf.msb, tf.lsb
                ));
            }
            if of.reset != tf.reset {
                d(format!(
                    "{at}: reset twinreg {}, systemrdl-compiler {}",
                    Shown(&hex(&of.reset)),
                    Shown(&hex(&tf.reset))
                ));
            }
            if of.sw != tf.sw {
                d(format!(
                    "{at}: sw twinreg {}, systemrdl-compiler {}",
                    of.sw, tf.sw
                ));
            }
            if of.hw != tf.hw {
                d(format!(
                    "{at}: hw twinreg {}, systemrdl-compiler {}",
                    of.hw, tf.hw
                ));
            }
            if of.onread != tf.onread {
                d(format!(
                    "{at}: onread twinreg {}, systemrdl-compiler {}",
                    Shown(&of.onread),
                    Shown(&tf.onread)
                ));
            }
            if of.onwrite != tf.onwrite {
                d(format!(
                    "{at}: onwrite twinreg {}, systemrdl-compiler {}",
                    Shown(&of.onwrite),
                    Shown(&tf.onwrite)
                ));
            }
            if of.singlepulse != tf.singlepulse {
                d(format!(
                    "{at}: singlepulse twinreg {}, systemrdl-compiler {}",
                    of.singlepulse, tf.singlepulse
                ));
            }
        }
        for (name, of) in &our_fields {
            if !their_fields.contains_key(name) {
                d(format!(
                    "field {path}.{name} [{}:{}]: only in twinreg",
                    of.msb, of.lsb
                ));
            }
        }
        let our_order: Vec<&str> = o.fields.iter().map(|f| f.name.as_str()).collect();
        let their_order: Vec<&str> = t.fields.iter().map(|f| f.name.as_str()).collect();
        if our_fields.len() == their_fields.len()
            && our_fields.keys().eq(their_fields.keys())
            && our_order != their_order
        {
            d(format!(
                "register {path}: field order twinreg {our_order:?}, systemrdl-compiler {their_order:?} (both sort by lsb)"
            ));
        }
    }
    for (path, o) in &our_regs {
        if !their_regs.contains_key(path) {
            d(format!(
                "register {path} @ {:#x}: only in twinreg",
                o.address
            ));
        }
    }

    // Same registers, but listed in another order: both must sort by address.
    let our_order: Vec<&str> = ours.registers.iter().map(|r| r.path.as_str()).collect();
    let their_order: Vec<&str> = theirs.registers.iter().map(|r| r.path.as_str()).collect();
    if our_regs.keys().eq(their_regs.keys()) && our_order != their_order {
        let i = our_order
            .iter()
            .zip(&their_order)
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        d(format!(
            "register order differs from index {i}: twinreg {}, systemrdl-compiler {} (both sort by address)",
            our_order[i], their_order[i]
        ));
    }
    diffs
}

#[test]
fn twinreg_matches_systemrdl_compiler() {
    let Some(python) = testkit::python(TEST, &["systemrdl"]) else {
        return;
    };

    let root = regdef_dir();
    let mut report = String::new();
    let mut total = 0usize;
    let mut registers = 0usize;
    let files = inputs();
    for file in &files {
        let shown = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        let theirs = match reference(&python, file) {
            Ok(d) => d,
            Err(e) => {
                total += 1;
                let _ = writeln!(report, "\n{shown}:\n  {}", e.replace('\n', "\n  "));
                continue;
            }
        };
        registers += theirs.registers.len();
        let diffs = match twinreg(file) {
            Ok(ours) => differences(&ours, &theirs),
            Err(e) => vec![e],
        };
        if !diffs.is_empty() {
            total += diffs.len();
            let _ = writeln!(report, "\n{shown}: {} difference(s)", diffs.len());
            for line in &diffs {
                let _ = writeln!(report, "  {}", line.replace('\n', "\n    "));
            }
        }
    }

    println!(
        "differential: {} file(s), {registers} register(s) compared, {total} difference(s)",
        files.len()
    );
    assert!(
        total == 0,
        "twinreg and systemrdl-compiler disagree ({total} difference(s)):{report}"
    );
}

/// The comparison itself, without either compiler: it must notice each kind of
/// difference and stay quiet on identical dumps.
#[test]
fn differences_are_all_reported() {
    let field = DumpField {
        name: "en".into(),
        lsb: 0,
        msb: 0,
        sw: "rw".into(),
        hw: "r".into(),
        reset: Some(0),
        onread: None,
        onwrite: None,
        singlepulse: false,
    };
    let reg = DumpReg {
        path: "top.r".into(),
        address: 0x10,
        width: 32,
        security: "nonsecure".into(),
        fields: vec![field.clone()],
    };
    let base = Dump {
        top: "top".into(),
        registers: vec![reg.clone()],
    };
    assert!(differences(&base, &base).is_empty());

    let mut other = base.clone();
    other.registers[0].address = 0x14;
    other.registers[0].security = "secure".into();
    other.registers[0].fields[0].reset = None;
    other.registers[0].fields[0].onwrite = Some("woclr".into());
    other.registers[0].fields[0].singlepulse = true;
    other.registers[0].fields[0].msb = 1;
    let diffs = differences(&other, &base);
    assert_eq!(diffs.len(), 6, "{diffs:#?}");
    assert!(diffs.iter().any(|d| d.contains("address twinreg 0x14")));
    assert!(diffs
        .iter()
        .any(|d| d.contains("reset twinreg null, systemrdl-compiler 0x0")));

    let mut missing = base.clone();
    missing.registers.clear();
    assert_eq!(differences(&missing, &base).len(), 1);
    assert_eq!(differences(&base, &missing).len(), 1);

    let json = serde_json::json!({
        "top": "top",
        "registers": [{"path": "top.r", "address": 16, "width": 32, "security": "nonsecure",
                       "extra": true,
                       "fields": [{"name": "en", "lsb": 0, "msb": 0, "sw": "rw", "hw": "r",
                                   "reset": 0, "onread": null, "onwrite": null,
                                   "singlepulse": false}]}]
    });
    assert_eq!(parse_dump(&json).unwrap(), base);
    assert_eq!(
        parse_dump(&as_json(json.to_string()).unwrap()).unwrap(),
        base
    );
}
