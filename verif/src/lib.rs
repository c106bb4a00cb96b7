//! The Rust register file and SMMUv3 model checked against simulation of the generated RTL.
