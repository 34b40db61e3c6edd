//! The Shelf indexer: registry operations over `object_store`.
//!
//! A [`Registry`] holds an `Arc<dyn ObjectStore>` and lists every operation
//! (`registry.rs`); each operation lives in its own module. Reading follows the format's
//! read protocol (`shelf_format::read`), writing truth goes through the commit pipeline
//! ([`commit`]). The library never prints: progress goes through a [`Reporter`], results
//! are returned as values.

pub mod capture;
pub mod commit;
pub mod datasets;
pub mod error;
pub mod failpoint;
pub mod history;
pub mod init;
pub mod lifecycle;
pub mod location;
pub(crate) mod parts;
pub mod progress;
pub mod pull;
pub mod push;
pub mod read;
pub mod registry;
pub mod reindex;
pub mod reproduce;
pub mod serve;
pub mod site;
pub mod texts;
pub mod transfer;
pub mod upload;
pub mod verify;

pub use error::{Error, Result};
pub use history::{AuditLog, DeploymentRow, Deployments, LogFilter, LogLine};
pub use init::{InitOptions, InitOutcome};
pub use lifecycle::EventOutcome;
pub use location::{DEFAULT_LOCATION, Location};
pub use progress::{Progress, Reporter, Silent};
pub use pull::PullOutcome;
pub use push::{Inputs, PushOutcome, PushRequest, collect_inputs};
pub use read::{Listing, ModelSummary};
pub use registry::Registry;
pub use reindex::ReindexReport;
pub use shelf_format::read::{Mode, ModelView, Problem};
/// Model-file introspection, the `shelf-inspect` crate: `shelf::inspect_file` and
/// `shelf::Inspection` stay where callers found them.
pub use shelf_inspect::{self as inspect, Inspection, inspect_file};
pub use verify::VerifyReport;
