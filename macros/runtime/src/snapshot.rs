//! Serde form of a register file: registers by path, so a snapshot survives
//! reordering of the map and names what it holds.
//!
//! ```json
//! {
//!   "completion": "immediate",
//!   "registers": { "smmuv3.ns.idr0": 134749695, "smmuv3.ns.cr0": 0, ... },
//!   "written_once": ["top.regs.lock.key"]
//! }
//! ```
//!
//! Restoring validates everything against the generated map and fails with a
//! message naming the problem: an unknown, duplicate or missing register; a value
//! with bits outside the register's fields (RES0 bits); a constant field (an ID
//! field that is not implementation defined) that differs from its value; a
//! `written_once` entry that is not a write-once field. Nothing is trusted, so a
//! damaged snapshot cannot build a state the register file could never reach by
//! itself through its fields' masks.

use std::collections::HashMap;
use std::fmt;

use regdef::access::Completion;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::desc::MapDesc;
use crate::Core;

/// Serializes `core` (of the map `map`) by register path.
pub fn serialize<S: Serializer, const N: usize>(
    map: &MapDesc,
    core: &Core<N>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    struct Registers<'a, const N: usize>(&'a MapDesc, &'a Core<N>);
    impl<const N: usize> Serialize for Registers<'_, N> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(self.0.registers.len()))?;
            for (r, v) in self.0.registers.iter().zip(self.1.values()) {
                m.serialize_entry(r.path, v)?;
            }
            m.end()
        }
    }
    struct Spent<'a, const N: usize>(&'a MapDesc, &'a Core<N>);
    impl<const N: usize> Serialize for Spent<'_, N> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(None)?;
            for (r, once) in self.0.registers.iter().zip(self.1.written_once()) {
                for f in r.fields.iter().filter(|f| f.mask & once != 0) {
                    seq.serialize_element(&format_args!("{}.{}", r.path, f.name))?;
                }
            }
            seq.end()
        }
    }
    let mut st = serializer.serialize_struct("RegisterFile", 3)?;
    st.serialize_field("completion", &core.completion())?;
    st.serialize_field("registers", &Registers(map, core))?;
    st.serialize_field("written_once", &Spent(map, core))?;
    st.end()
}

/// A JSON-like map read as a list, so duplicate keys can be reported.
struct Entries(Vec<(String, u64)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map from register path to value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Entries, A::Error> {
                // The hint is attacker-controlled in some formats: cap it.
                let mut v = Vec::with_capacity(a.size_hint().unwrap_or(0).min(4096));
                while let Some(e) = a.next_entry::<String, u64>()? {
                    v.push(e);
                }
                Ok(Entries(v))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "RegisterFile")]
struct Repr {
    completion: Completion,
    registers: Entries,
    #[serde(default)]
    written_once: Vec<String>,
}

/// Restores a state serialized by [`serialize`], validating it against `map`.
pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
    map: &MapDesc,
    deserializer: D,
) -> Result<Core<N>, D::Error> {
    let repr = Repr::deserialize(deserializer)?;
    validate(map, repr).map_err(de::Error::custom)
}

fn validate<const N: usize>(map: &MapDesc, repr: Repr) -> Result<Core<N>, String> {
    if map.registers.len() != N {
        return Err(format!(
            "internal: the map has {} registers, the state {N}",
            map.registers.len()
        ));
    }
    let index: HashMap<&str, usize> = map
        .registers
        .iter()
        .enumerate()
        .map(|(i, r)| (r.path, i))
        .collect();
    let mut values = [0u64; N];
    let mut seen = [false; N];
    for (path, value) in repr.registers.0 {
        let &i = index
            .get(path.as_str())
            .ok_or_else(|| format!("unknown register `{path}`"))?;
        let r = &map.registers[i];
        if std::mem::replace(&mut seen[i], true) {
            return Err(format!("register `{path}` appears twice"));
        }
        let outside = value & !r.defined;
        if outside != 0 {
            return Err(format!(
                "register `{path}`: value {value:#x} sets bits {outside:#x} outside its fields \
                 (defined mask {:#x})",
                r.defined
            ));
        }
        // Constants that are not implementation defined cannot take another value.
        let fixed = r.constant & !r.impl_defined;
        if let Some(f) = r
            .fields
            .iter()
            .find(|f| f.mask & fixed & (value ^ r.reset) != 0)
        {
            return Err(format!(
                "register `{path}`: field `{}` is a constant and must be {:#x}",
                f.name,
                f.value_in(r.reset)
            ));
        }
        values[i] = value;
    }
    if let Some(i) = seen.iter().position(|s| !s) {
        let missing = seen.iter().filter(|s| !**s).count();
        return Err(format!(
            "register `{}` is missing ({missing} missing in all)",
            map.registers[i].path
        ));
    }
    let mut once = [0u64; N];
    for name in repr.written_once {
        let spot = name.rsplit_once('.').and_then(|(path, field)| {
            let &i = index.get(path)?;
            let f = map.registers[i].fields.iter().find(|f| f.name == field)?;
            Some((i, f))
        });
        match spot {
            Some((i, f)) if f.write_once => once[i] |= f.mask,
            Some(_) => return Err(format!("`{name}` is not a write-once field")),
            None => return Err(format!("`written_once` names an unknown field `{name}`")),
        }
    }
    let core = Core::from_parts(map, values, once, repr.completion);
    // An absent field is RES0 under the restored implementation-defined values.
    for (i, r) in map.registers.iter().enumerate() {
        let absent = values[i] & !core.present()[i];
        if let Some(f) = r.fields.iter().find(|f| f.mask & absent != 0) {
            return Err(format!(
                "register `{}`: field `{}` is absent in this configuration and must be 0",
                r.path, f.name
            ));
        }
    }
    Ok(core)
}
