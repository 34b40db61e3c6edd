//! The Shelf indexer: registry operations over `object_store`.
//!
//! A [`Registry`] holds an `Arc<dyn ObjectStore>`; its methods implement the bucket
//! format's write protocol (put-if-absent commits of log entries, content-addressed
//! blobs, derived files rebuilt from the logs). The library never prints: progress goes
//! through a [`Reporter`], results are returned as values.

pub mod capture;
pub mod datasets;
pub mod error;
pub mod failpoint;
pub mod history;
pub mod init;
pub mod lifecycle;
pub mod location;
pub mod progress;
pub mod pull;
pub mod push;
pub mod read;
pub mod registry;
pub mod reproduce;
pub mod serve;
pub mod site;
pub mod upload;
pub mod verify;

pub use error::{Error, Result};
pub use history::{AuditLog, DeploymentRow, Deployments, LogFilter, LogLine};
pub use init::{InitOptions, InitOutcome};
pub use lifecycle::EventOutcome;
pub use location::{DEFAULT_LOCATION, Location};
pub use progress::{Progress, Reporter, Silent};
pub use pull::PullOutcome;
pub use push::{PushOutcome, PushRequest, collect_inputs};
pub use read::{Listing, ModelSummary};
pub use registry::{Mode, ModelView, Problem, Registry};
/// Model-file introspection, the `shelf-inspect` crate: `shelf::inspect_file` and
/// `shelf::Inspection` stay where callers found them.
pub use shelf_inspect::{self as inspect, Inspection, inspect_file};
pub use verify::{ReindexReport, VerifyReport};
