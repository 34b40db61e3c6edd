//! The Shelf bucket format: the documents a registry holds, their canonical JSON and
//! hashes, validated names and references, and the key layout.
//!
//! No I/O: this crate builds for `wasm32-unknown-unknown` and is shared by the indexer and
//! the web app. `docs/format.md` is the normative spec; this crate implements it.

pub mod canonical;
pub mod diff;
pub mod documents;
pub mod error;
pub mod inspect;
pub mod keys;
pub mod lifecycle;
pub mod names;
pub mod provenance;
pub mod read;
pub mod refs;
pub mod replay;
pub mod search;
#[cfg(test)]
mod spec_tests;
pub mod units;

pub use canonical::{Digest, Timestamp, to_canonical_vec};
pub use documents::{
    AliasState, Artifact, Catalog, CatalogEntry, CatalogHead, ConditionalWrites, Document,
    Evaluation, Event, EventSummary, FORMAT_VERSION, LogEntry, LogHead, ModelIndex, ParamValue,
    Parent, RegistryDescriptor, VersionManifest, VersionSummary, decode, encode,
};
pub use error::{ErrorKind, FormatError};
pub use inspect::{ArchitectureDiff, ModelFileInfo, architecture_diff};
pub use lifecycle::{Refusal, Status};
pub use names::{AliasName, ArtifactPath, BranchName, Key, ModelName, TargetName, TextRule};
pub use provenance::{
    Code, DatasetLink, Environment, Gpu, RegisteredDataset, Run, StoredFile, Subject,
};
pub use read::{Mode, ModelView, Problem, SelectError, Source, Start};
pub use refs::{Reference, Selector, VersionRef};
pub use replay::{ReplayProblem, state_at};
