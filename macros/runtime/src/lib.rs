//! Runtime support shared by every generated register file.
