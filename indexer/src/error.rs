//! The errors of the indexer library: one variant per outcome a caller branches on.

use std::path::PathBuf;

use shelf_format::FormatError;

/// What went wrong in a registry operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A name, reference, value or document broke a rule of the format.
    #[error(transparent)]
    Invalid(#[from] FormatError),

    /// The registry location could not be understood.
    #[error("invalid registry location {location:?}: {rule}")]
    Location { location: String, rule: String },

    /// There is no registry at the location (no `shelf.json`).
    #[error("no registry at {location} (no shelf.json); create one with `shelf init`")]
    NotARegistry { location: String },

    /// The store does not honour put-if-absent, so concurrent writers could overwrite
    /// each other.
    #[error(
        "the store at {location} ignores conditional writes (a second create of the same key succeeded): concurrent pushes could lose versions, so no registry was created (hint: pass --single-writer if only one writer will ever push)"
    )]
    UnsafeStore { location: String },

    /// The store did not answer in time.
    #[error(
        "the store at {location} did not answer within {seconds} s; check the endpoint and the network"
    )]
    Unreachable { location: String, seconds: u64 },

    /// A model, version or object does not exist.
    #[error("{what} not found")]
    NotFound { what: String },

    /// The log entry the writer wanted was taken by another writer too many times.
    #[error(
        "could not commit to {model} after {attempts} attempts: other writers kept committing first"
    )]
    Conflict { model: String, attempts: u32 },

    /// What the caller expected (`--expect-current`) is not the current state.
    #[error("{what} moved under you: expected {expected}, found {found}; nothing was written")]
    Moved {
        what: String,
        expected: String,
        found: String,
    },

    /// Stored data is damaged or does not match its hash.
    #[error("integrity error at {key}: {detail}")]
    Integrity { key: String, detail: String },

    /// A local file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Input given by the user breaks a rule (duplicate keys, missing files…).
    #[error("{0}")]
    Usage(String),

    /// The object store failed.
    #[error(transparent)]
    Store(#[from] object_store::Error),
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// True when the error is about what the user asked for (bad name, bad value, missing
    /// file), as opposed to the registry or the store failing.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::Invalid(_) | Error::Location { .. } | Error::Usage(_)
        ) || matches!(self, Error::Io { action, .. } if action.starts_with("read") || action.starts_with("open"))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
