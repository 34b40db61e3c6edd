//! The errors of the indexer library: one variant per outcome a caller branches on, and
//! the exit code each one means for the `shelf` command ([`Error::exit_code`]).
//!
//! Three families must never be confused (scripts branch on the exit code):
//! - what the user typed or gave breaks a rule ([`Error::Invalid`], [`Error::Usage`],
//!   [`Error::Refused`]…): exit 2, nothing was written;
//! - the registry's stored data is damaged or of a newer format ([`Error::Corrupt`],
//!   [`Error::Integrity`], [`Error::NewerFormat`]): exit 1, naming the key;
//! - the store or the machine failed ([`Error::Store`], [`Error::Unreachable`]…): exit 1.

use std::path::PathBuf;

use shelf_format::read::{ReadError, ReadErrors, SelectError};
use shelf_format::{FormatError, ModelName, Refusal, Timestamp};

/// What went wrong in a registry operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A name, reference or value given by the user broke a rule of the format.
    #[error(transparent)]
    Invalid(#[from] FormatError),

    /// Input given by the user breaks a rule (duplicate keys, a missing file…). The
    /// message names the value and the rule; no code branches on it.
    #[error("{0}")]
    Usage(String),

    /// A lifecycle event the model's state refuses (docs/format.md §5.3).
    #[error(transparent)]
    Refused(#[from] Refusal),

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

    /// The registry holds no model of that name.
    #[error("model {model} not found")]
    NoModel { model: ModelName },

    /// A reference selects no version of its model (or, `Ambiguous`, several).
    #[error("{error}{}", as_of(.at))]
    Select {
        error: SelectError,
        /// The time the reference was resolved at (`--at`), if not now.
        at: Option<Timestamp>,
    },

    /// Time travel to before the model's first entry.
    #[error("{model} did not exist at {at}: its first entry is dated {first}")]
    NotYetCreated {
        model: ModelName,
        at: Timestamp,
        first: Timestamp,
    },

    /// A reference given as input (a parent, a registered dataset) does not resolve.
    #[error("{what} {source}")]
    BadReference {
        what: &'static str,
        #[source]
        source: Box<Error>,
    },

    /// The log entry the writer wanted was taken by another writer too many times.
    #[error(
        "could not commit to {target} after {attempts} attempts: other writers kept committing first"
    )]
    Conflict {
        target: ConflictTarget,
        attempts: u32,
    },

    /// What the caller expected (`--expect-current`) is not the current state.
    #[error("{what} moved under you: expected {expected}, found {found}; nothing was written")]
    Moved {
        what: String,
        expected: String,
        found: String,
    },

    /// The commit's answer was lost and the entry could not be read back: it may have
    /// landed. Retrying blindly could register a duplicate.
    #[error(
        "the commit of {key} may have landed (the store's answer was lost: {source}); run `shelf log {model}` before retrying"
    )]
    CommitUnknown {
        model: ModelName,
        key: String,
        #[source]
        source: object_store::Error,
    },

    /// Stored truth is damaged: a broken chain, bytes that don't match their hash, a
    /// missing entry.
    #[error("integrity error at {key}: {detail}")]
    Integrity { key: String, detail: String },

    /// A stored document does not decode.
    #[error("damaged document {key}: {source}")]
    Corrupt {
        key: String,
        #[source]
        source: FormatError,
    },

    /// A stored document is of a newer major format than this build reads.
    #[error("{source}")]
    NewerFormat {
        key: String,
        #[source]
        source: FormatError,
    },

    /// A local file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A file changed while it was being pushed.
    #[error("{path} changed while it was being pushed ({detail}); push again")]
    FileChanged { path: PathBuf, detail: String },

    /// A background task failed (a panic in hashing or reading).
    #[error("{what} task failed: {detail}")]
    Task { what: &'static str, detail: String },

    /// The local server could not run.
    #[error("{what}: {source}")]
    Serve {
        what: String,
        #[source]
        source: std::io::Error,
    },

    /// This build of `shelf` has no web app in it.
    #[error(
        "this shelf was built without the web app; build it with `bash scripts/build-app.sh`, then rebuild shelf"
    )]
    NoApp,

    /// The object store failed.
    #[error(transparent)]
    Store(#[from] object_store::Error),
}

/// What a writer could not commit to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConflictTarget {
    Log(ModelName),
    Catalog,
}

impl std::fmt::Display for ConflictTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConflictTarget::Log(model) => write!(f, "{model}"),
            ConflictTarget::Catalog => write!(f, "the catalog"),
        }
    }
}

/// The exit code for invalid command lines and inputs: nothing was written.
pub const EXIT_USAGE: u8 = 2;
/// The exit code for failures, damaged data and unmet expectations.
pub const EXIT_FAILURE: u8 = 1;

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

    /// A stored document that did not decode: newer format, or damaged.
    pub(crate) fn stored(key: &str, source: FormatError) -> Self {
        if source.is_unsupported_format() {
            Error::NewerFormat {
                key: key.to_string(),
                source,
            }
        } else {
            Error::Corrupt {
                key: key.to_string(),
                source,
            }
        }
    }

    /// The exit code this error means: [`EXIT_USAGE`] for what the user typed or gave
    /// (nothing was written), [`EXIT_FAILURE`] for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Invalid(_)
            | Error::Usage(_)
            | Error::Refused(_)
            | Error::Location { .. }
            | Error::NotYetCreated { .. }
            | Error::BadReference { .. }
            | Error::Select {
                error: SelectError::Ambiguous { .. },
                ..
            } => EXIT_USAGE,
            Error::Io { action, .. }
                if action.starts_with("read") || action.starts_with("open") =>
            {
                EXIT_USAGE
            }
            _ => EXIT_FAILURE,
        }
    }

    /// True when the error is about what the user asked for (see [`Error::exit_code`]).
    pub fn is_usage(&self) -> bool {
        self.exit_code() == EXIT_USAGE
    }
}

impl ReadErrors for Error {
    fn no_model(model: ModelName) -> Self {
        Error::NoModel { model }
    }
    fn integrity(key: String, detail: String) -> Self {
        Error::Integrity { key, detail }
    }
    fn newer_format(key: String, error: FormatError) -> Self {
        Error::NewerFormat { key, source: error }
    }
}

impl From<ReadError<object_store::Error>> for Error {
    fn from(e: ReadError<object_store::Error>) -> Self {
        e.into_error(Error::Store)
    }
}

impl From<ReadError<Error>> for Error {
    fn from(e: ReadError<Error>) -> Self {
        e.into_error(|e| e)
    }
}

impl From<SelectError> for Error {
    fn from(error: SelectError) -> Self {
        Error::Select { error, at: None }
    }
}

fn as_of(at: &Option<Timestamp>) -> String {
    at.map_or(String::new(), |at| format!(" as of {at}"))
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
