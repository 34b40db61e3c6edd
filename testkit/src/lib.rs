//! Model files written byte for byte, for Shelf's tests.
//!
//! The parsers of `shelf-inspect`, the architecture diff of `shelf-format`, the web app's
//! provenance view and the end-to-end browser tests all need model files (or what the
//! indexer reads from them) with known contents. They are written here once:
//!
//! - [`protobuf`]: the Protocol Buffers wire format, a message at a time;
//! - [`onnx`]: ONNX models (`ModelProto`) built from those messages;
//! - [`safetensors`]: safetensors files, and the `info` the indexer reads from them.
//!
//! This crate depends on none of Shelf's crates, so any of them (including `shelf-format`)
//! can dev-depend on it without a dependency cycle. What it knows of Shelf's documents, it
//! knows from the wire format (`docs/format.md`), as JSON.

pub mod onnx;
pub mod protobuf;
pub mod safetensors;
