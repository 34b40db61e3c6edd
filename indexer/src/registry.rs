//! The registry: an `Arc<dyn ObjectStore>` holding a Shelf bucket, and the table of
//! contents of what can be done with it.
//!
//! This file holds the I/O: reading objects (the [`Source`] the read protocol of
//! `shelf_format::read` runs on), the descriptor and listing. Writing truth goes through
//! the commit pipeline (`crate::commit`) only. Each operation lives in its own module;
//! the methods at the end of this file are their entry points, one line each:
//!
//! | operation | module |
//! |---|---|
//! | `init` | [`crate::init`] |
//! | `push` (prepare → upload → commit) | [`crate::push`] |
//! | `append_event`, `append_version_event` | [`crate::lifecycle`] |
//! | `list`, `model`, `resolve`, `manifest` | [`crate::read`] |
//! | `audit_log`, `deployments`, `model_at`, `resolve_at` | [`crate::history`] |
//! | `pull` | [`crate::pull`] |
//! | `verify` | [`crate::verify`] |
//! | `reindex` | [`crate::reindex`] |
//! | `reproduce` | [`crate::reproduce`] |
//! | `deploy_site` | [`crate::site`] |

use std::path::Path as FsPath;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::multipart::MultipartStore;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _, PutMode, PutOptions, PutPayload};
use shelf_format::read::{self, Mode, ModelView, Problem, Source, Start};
use shelf_format::{
    Catalog, Document, ModelName, Reference, RegistryDescriptor, Timestamp, VersionManifest,
    VersionSummary, decode, keys,
};

use crate::error::{Error, Result};
use crate::history::{AuditLog, Deployments, LogFilter};
use crate::lifecycle::EventOutcome;
use crate::location::Location;
use crate::progress::Reporter;
use crate::pull::PullOutcome;
use crate::push::{PushOutcome, PushRequest};
use crate::read::Listing;
use crate::reindex::ReindexReport;
use crate::verify::VerifyReport;

/// Times a listing that fails midway is read again.
const LIST_ATTEMPTS: u32 = 3;
/// How long the first request of a command may take before the store is declared
/// unreachable.
pub const FIRST_ANSWER_DEADLINE: Duration = Duration::from_secs(10);

/// How many requests a reader keeps in flight.
pub(crate) const READ_CONCURRENCY: usize = 16;

/// A registry on an object store.
#[derive(Clone)]
pub struct Registry {
    store: Arc<dyn ObjectStore>,
    /// The same store's multipart API, where it has one (S3, GCS, Azure): uploads then
    /// retry every request and resume.
    parts: Option<Arc<dyn MultipartStore>>,
    location: String,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("location", &self.location)
            .finish()
    }
}

pub(crate) fn path(key: &str) -> Path {
    Path::from(key)
}

pub(crate) fn now() -> Timestamp {
    Timestamp::from_datetime(chrono::Utc::now())
}

/// Decode a stored document: a failure names the key and is damaged data
/// ([`Error::Corrupt`]) or a newer format ([`Error::NewerFormat`]), never bad input.
pub(crate) fn decode_stored<T: Document>(key: &str, bytes: &[u8]) -> Result<T> {
    decode(key, bytes).map_err(|e| Error::stored(key, e))
}

/// The read protocol runs on the registry: a missing object is `None`.
impl Source for Registry {
    type Error = Error;

    async fn get(&self, key: &str) -> Result<Option<Bytes>> {
        self.get_bytes(key).await
    }

    async fn exists(&self, key: &str) -> Result<bool> {
        Ok(self.object_size(key).await?.is_some())
    }

    fn concurrency(&self) -> usize {
        READ_CONCURRENCY
    }
}

/// How many times [`Registry::get_bytes`] reads an object before a transient failure is
/// an error.
pub const READ_ATTEMPTS: u32 = 4;

impl Registry {
    /// A registry on `store`; `location` is shown in messages.
    pub fn new(store: Arc<dyn ObjectStore>, location: impl Into<String>) -> Self {
        Registry {
            store,
            parts: None,
            location: location.into(),
        }
    }

    /// With the store's multipart API (the same objects as the store's).
    pub fn with_parts(mut self, parts: Arc<dyn MultipartStore>) -> Self {
        self.parts = Some(parts);
        self
    }

    /// The store's multipart API, if it has one.
    pub fn parts(&self) -> Option<Arc<dyn MultipartStore>> {
        self.parts.clone()
    }

    /// Open the registry at a location (see [`Location::parse`]). Does not check that a
    /// registry exists there; operations that need one say so.
    pub fn open(location: &str) -> Result<Self> {
        Location::parse(location)?.registry(false)
    }

    /// The store itself, for tests and tools that inspect raw objects.
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    // ---- objects -----------------------------------------------------------------------

    /// The bytes at `key`, or `None` when absent.
    ///
    /// A read that fails for a transient reason (a body cut midway by a reset, which the
    /// HTTP client does not retry, or an error left after the client's retries) is made
    /// again from the start, up to [`READ_ATTEMPTS`] times. From the start: a derived
    /// document may be replaced between two reads, and halves of two versions must not
    /// be joined.
    pub async fn get_bytes(&self, key: &str) -> Result<Option<Bytes>> {
        let mut attempt = 1;
        loop {
            let read = match self.store.get(&path(key)).await {
                Ok(result) => result.bytes().await,
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => Err(e),
            };
            match read {
                Ok(bytes) => return Ok(Some(bytes)),
                Err(e) if attempt < READ_ATTEMPTS && crate::parts::transient(&e) => {
                    tracing::warn!(key, attempt, error = %e, "read failed; reading again");
                    tokio::time::sleep(std::time::Duration::from_millis(100 << attempt)).await;
                    attempt += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The size of the object at `key`, or `None` when absent.
    pub async fn object_size(&self, key: &str) -> Result<Option<u64>> {
        match self.store.head(&path(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Create `key` with `bytes` unless it exists. True when this call created it. (Public:
    /// a create can't overwrite anything; truth is still appended only through the commit
    /// pipeline.)
    pub async fn put_if_absent(&self, key: &str, bytes: Vec<u8>) -> Result<bool> {
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        match self
            .store
            .put_opts(&path(key), PutPayload::from(bytes), opts)
            .await
        {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Write a derived object, replacing what is there. Only the commit pipeline's
    /// derived-file steps call it, and never on a key of truth.
    pub(crate) async fn put_derived(&self, key: &str, bytes: Vec<u8>) -> Result<()> {
        debug_assert!(
            !keys::is_truth(key),
            "{key} is truth: it is never overwritten"
        );
        self.store.put(&path(key), PutPayload::from(bytes)).await?;
        Ok(())
    }

    /// All keys under `prefix`, with sizes.
    pub async fn list_keys(&self, prefix: &str) -> Result<Vec<(String, u64)>> {
        let prefix = (!prefix.is_empty()).then(|| path(prefix));
        // A listing is paged, and object_store retries each page's request but not a
        // body that breaks while it is read: the whole listing is read again instead.
        let mut attempt = 0u32;
        loop {
            let listed: object_store::Result<Vec<(String, u64)>> = self
                .store
                .list(prefix.as_ref())
                .map_ok(|meta| (meta.location.to_string(), meta.size))
                .try_collect()
                .await;
            match listed {
                Ok(listed) => return Ok(listed),
                Err(e)
                    if attempt < LIST_ATTEMPTS
                        && !matches!(e, object_store::Error::NotFound { .. }) =>
                {
                    attempt += 1;
                    tracing::warn!(error = %e, attempt, "listing interrupted; listing again");
                    tokio::time::sleep(std::time::Duration::from_millis(200 << attempt)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Every model with a log, found by listing the log keys (the CLI has list
    /// permission; the app uses the catalog instead).
    pub async fn list_model_names(&self) -> Result<Vec<ModelName>> {
        let mut names: Vec<ModelName> = self
            .list_keys(keys::MODELS_PREFIX)
            .await?
            .into_iter()
            .filter_map(|(key, _)| match keys::parse_model_key(&key)? {
                (model, keys::ModelKey::Log(_)) => Some(model),
                _ => None,
            })
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    // ---- the descriptor ----------------------------------------------------------------

    /// The descriptor's bytes, with a deadline: the first request of every command, so a
    /// store that doesn't answer gives a clear error within seconds instead of a hang, and
    /// one that refuses the settings (unknown bucket, wrong key) says which to fix.
    pub(crate) async fn descriptor_bytes(&self) -> Result<Option<Bytes>> {
        let read =
            crate::location::first_read(self.store.as_ref(), &self.location, keys::DESCRIPTOR);
        match tokio::time::timeout(FIRST_ANSWER_DEADLINE, read).await {
            Ok(result) => result,
            Err(_) => Err(Error::Unreachable {
                location: self.location.clone(),
                seconds: FIRST_ANSWER_DEADLINE.as_secs(),
            }),
        }
    }

    /// The registry descriptor, or [`Error::NotARegistry`]. A damaged descriptor or one
    /// of a newer format is damaged data (exit 1), not bad input.
    pub async fn descriptor(&self) -> Result<RegistryDescriptor> {
        match self.descriptor_bytes().await? {
            Some(bytes) => decode_stored(keys::DESCRIPTOR, &bytes),
            None => Err(Error::NotARegistry {
                location: self.location.clone(),
            }),
        }
    }

    // ---- reading through the protocol ----------------------------------------------------

    /// A model's state replayed from its log (docs/format.md §7.3, from entry 1: a
    /// derived index is never truth for a command). [`Mode::Strict`] for writers.
    pub async fn load_model(&self, model: &ModelName, mode: Mode) -> Result<ModelView> {
        Ok(read::load_model(self, model, Start::Log, mode).await?)
    }

    /// The newest readable catalog generation: (the newest generation written, the
    /// newest readable one, what could not be read).
    pub async fn read_catalog(&self) -> Result<(u64, Option<Catalog>, Vec<Problem>)> {
        let view = read::load_catalog(self).await?;
        Ok((view.newest, view.catalog, view.problems))
    }

    // ---- operations, each in its own module ------------------------------------------

    /// Create the registry; a second init reports the existing one and changes nothing
    /// ([`crate::init`]).
    pub async fn init(
        &self,
        options: &crate::init::InitOptions,
    ) -> Result<crate::init::InitOutcome> {
        crate::init::init(self, options).await
    }

    /// Whether the store refuses a second create of the same key ([`crate::init`]).
    pub async fn probe_conditional_writes(&self) -> Result<bool> {
        crate::init::probe_conditional_writes(self).await
    }

    /// Publish the web app built into this `shelf` at the registry root ([`crate::site`]).
    pub async fn deploy_site(&self) -> Result<crate::site::SiteOutcome> {
        crate::site::deploy_site(self).await
    }

    /// Write the reproduction kit of `reference` into `dir` ([`crate::reproduce`]).
    pub async fn reproduce(
        &self,
        reference: &Reference,
        dir: &FsPath,
    ) -> Result<crate::reproduce::ReproduceOutcome> {
        crate::reproduce::reproduce(self, reference, dir).await
    }

    /// Register the next version of a model ([`crate::push::Push`]).
    pub async fn push(&self, req: &PushRequest, reporter: &dyn Reporter) -> Result<PushOutcome> {
        crate::push::Push::prepare(self, req)
            .await?
            .upload(reporter)
            .await?
            .commit()
            .await
    }

    /// Append a lifecycle event built from the model's state ([`crate::lifecycle`]).
    pub async fn append_event(
        &self,
        model: &ModelName,
        actor: &str,
        reason: Option<String>,
        make: impl Fn(&shelf_format::ModelIndex) -> Result<shelf_format::Event>,
    ) -> Result<EventOutcome> {
        crate::lifecycle::append_event(self, model, actor, reason, make).await
    }

    /// Append a lifecycle event about the version `reference` selects
    /// ([`crate::lifecycle`]).
    pub async fn append_version_event(
        &self,
        reference: &Reference,
        actor: &str,
        reason: Option<String>,
        make: impl Fn(&shelf_format::ModelIndex, u64) -> Result<shelf_format::Event>,
    ) -> Result<EventOutcome> {
        crate::lifecycle::append_version_event(self, reference, actor, reason, make).await
    }

    /// Every model, replayed from the logs ([`crate::read`]).
    pub async fn list(&self) -> Result<Listing> {
        crate::read::list(self).await
    }

    /// The state of one model, lenient: damaged entries are reported, the rest shown.
    pub async fn model(&self, model: &ModelName) -> Result<ModelView> {
        crate::read::model(self, model).await
    }

    /// Resolve a reference to a version of its model.
    pub async fn resolve(&self, reference: &Reference) -> Result<(ModelView, VersionSummary)> {
        crate::read::resolve(self, reference).await
    }

    /// The full manifest of a version ([`crate::read`]).
    pub async fn manifest(
        &self,
        model: &ModelName,
        summary: &VersionSummary,
    ) -> Result<VersionManifest> {
        crate::read::manifest(self, model, summary).await
    }

    /// Every model's state, with models the catalog lists but whose log is gone reported
    /// ([`crate::history`]).
    pub async fn all_models(&self) -> Result<(Vec<ModelView>, Vec<Problem>)> {
        crate::history::all_models(self).await
    }

    /// The audit trail ([`crate::history`]).
    pub async fn audit_log(&self, filter: &LogFilter) -> Result<AuditLog> {
        crate::history::audit_log(self, filter).await
    }

    /// The state of `model` as of `at` ([`crate::history`]).
    pub async fn model_at(
        &self,
        model: &ModelName,
        at: Timestamp,
    ) -> Result<shelf_format::ModelIndex> {
        crate::history::model_at(self, model, at).await
    }

    /// Resolve `reference` as of `at` ([`crate::history`]).
    pub async fn resolve_at(
        &self,
        reference: &Reference,
        at: Timestamp,
    ) -> Result<(shelf_format::ModelIndex, VersionSummary)> {
        crate::history::resolve_at(self, reference, at).await
    }

    /// What runs where, now or as of `at` ([`crate::history`]).
    pub async fn deployments(
        &self,
        model: Option<&ModelName>,
        at: Option<Timestamp>,
    ) -> Result<Deployments> {
        crate::history::deployments(self, model, at).await
    }

    /// Download every artifact of `reference` into `dir` ([`crate::pull`]).
    pub async fn pull(
        &self,
        reference: &Reference,
        dir: &FsPath,
        reporter: &dyn Reporter,
    ) -> Result<PullOutcome> {
        crate::pull::pull(self, reference, dir, reporter).await
    }

    /// Check the whole registry ([`crate::verify`]).
    pub async fn verify(&self, reporter: &dyn Reporter) -> Result<VerifyReport> {
        crate::verify::verify(self, reporter).await
    }

    /// Rebuild every derived file from the logs ([`crate::reindex`]).
    pub async fn reindex(&self) -> Result<ReindexReport> {
        crate::reindex::reindex(self).await
    }
}
