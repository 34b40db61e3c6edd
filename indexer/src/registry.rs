//! The registry: domain operations over an `Arc<dyn ObjectStore>`.
//!
//! Source-of-truth objects (the descriptor, blobs, log entries) are only ever created with
//! put-if-absent. Derived objects (materialised manifests, model indexes, catalog
//! generations) are rebuilt from the logs by `reindex`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _, PutMode, PutOptions, PutPayload};
use rand::Rng as _;
use shelf_format::{
    Catalog, CatalogEntry, CatalogHead, Digest, FormatError, LogEntry, ModelIndex, ModelName,
    ReplayProblem, Timestamp, decode, encode, keys,
};

use crate::error::{Error, Result};
use crate::location::Location;

/// How many times a writer retries a put-if-absent that another writer won.
pub const MAX_COMMIT_ATTEMPTS: u32 = 64;

/// How long the first request of a command may take before the store is declared
/// unreachable.
pub const FIRST_ANSWER_DEADLINE: Duration = Duration::from_secs(10);

/// How many requests a reader keeps in flight.
pub(crate) const READ_CONCURRENCY: usize = 16;

/// A registry on an object store.
#[derive(Clone)]
pub struct Registry {
    store: Arc<dyn ObjectStore>,
    location: String,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("location", &self.location)
            .finish()
    }
}

/// A problem found in a stored object, named by its key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// A model's state as read from the bucket, with what could not be read.
#[derive(Debug, Clone)]
pub struct ModelView {
    pub index: ModelIndex,
    /// Problems found while replaying; empty for a healthy log.
    pub problems: Vec<Problem>,
    /// Log entries read past the derived index (0 when it was up to date).
    pub caught_up: u64,
}

/// Whether a load must refuse damaged logs (writers) or show what it can (readers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Strict,
    Lenient,
}

pub(crate) fn path(key: &str) -> Path {
    Path::from(key)
}

pub(crate) fn now() -> Timestamp {
    Timestamp::from_datetime(chrono::Utc::now())
}

/// Sleep a short random time before retrying a lost race, growing with the attempt.
pub(crate) async fn backoff(attempt: u32) {
    let ceiling = 5u64 * u64::from(attempt.min(20));
    let millis = rand::rng().random_range(1..=ceiling.max(2));
    tokio::time::sleep(Duration::from_millis(millis)).await;
}

impl Registry {
    /// A registry on `store`; `location` is shown in messages.
    pub fn new(store: Arc<dyn ObjectStore>, location: impl Into<String>) -> Self {
        Registry {
            store,
            location: location.into(),
        }
    }

    /// Open the registry at a location (see [`Location::parse`]). Does not check that a
    /// registry exists there; operations that need one say so.
    pub fn open(location: &str) -> Result<Self> {
        let parsed = Location::parse(location)?;
        Ok(Registry::new(parsed.open(false)?, parsed.display()))
    }

    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    // ---- object helpers ------------------------------------------------------------

    /// The bytes at `key`, or `None` when absent.
    pub async fn get_bytes(&self, key: &str) -> Result<Option<Bytes>> {
        match self.store.get(&path(key)).await {
            Ok(result) => Ok(Some(result.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
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

    /// Create `key` with `bytes` unless it exists. True when this call created it.
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

    /// Write a derived object, replacing what is there.
    pub async fn put_derived(&self, key: &str, bytes: Vec<u8>) -> Result<()> {
        self.store.put(&path(key), PutPayload::from(bytes)).await?;
        Ok(())
    }

    /// Find the last position of a dense sequence (log entries, catalog generations),
    /// starting from a hint, with HEAD requests only: gallop forward until a gap, then
    /// binary search. Returns 0 for an empty sequence.
    pub async fn find_dense_head(&self, key_of: impl Fn(u64) -> String, hint: u64) -> Result<u64> {
        let exists = |n: u64| {
            let key = key_of(n);
            async move { Ok::<_, Error>(self.object_size(&key).await?.is_some()) }
        };
        let mut lo = 0u64; // exists (or 0)
        let mut hi: Option<u64> = None; // absent
        if hint > 0 {
            if exists(hint).await? {
                lo = hint;
            } else {
                hi = Some(hint);
            }
        }
        let mut hi = match hi {
            Some(h) => h,
            None => {
                let mut step = 1u64;
                loop {
                    let probe = lo + step;
                    if exists(probe).await? {
                        lo = probe;
                        step = step.saturating_mul(2);
                    } else {
                        break probe;
                    }
                }
            }
        };
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if exists(mid).await? {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }

    // ---- the descriptor --------------------------------------------------------------

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

    /// The registry descriptor, or [`Error::NotARegistry`].
    pub async fn descriptor(&self) -> Result<shelf_format::RegistryDescriptor> {
        match self.descriptor_bytes().await? {
            Some(bytes) => Ok(decode(keys::DESCRIPTOR, &bytes)?),
            None => Err(Error::NotARegistry {
                location: self.location.clone(),
            }),
        }
    }

    // ---- logs --------------------------------------------------------------------------

    /// Read log entry `seq` of `model`: its bytes and their parse. `None` when absent.
    pub async fn read_entry(
        &self,
        model: &ModelName,
        seq: u64,
    ) -> Result<Option<(Bytes, Result<LogEntry, FormatError>)>> {
        let key = keys::log_key(model, seq);
        Ok(self.get_bytes(&key).await?.map(|bytes| {
            let parsed = decode::<LogEntry>(&key, &bytes);
            (bytes, parsed)
        }))
    }

    /// Load a model's state: the derived index when it agrees with the log, then every
    /// entry after it. In [`Mode::Strict`] any problem is an [`Error::Integrity`].
    pub async fn load_model(&self, model: &ModelName, mode: Mode) -> Result<ModelView> {
        let start = self.trusted_index(model).await?;
        let hint = start.head.map_or(0, |h| h.seq);
        let mut view = ModelView {
            index: start,
            problems: Vec::new(),
            caught_up: 0,
        };
        let head = self
            .find_dense_head(|n| keys::log_key(model, n), hint)
            .await?;
        self.catch_up(&mut view, head, mode).await?;
        if view.index.head.is_none() {
            return Err(Error::NotFound {
                what: format!("model {model}"),
            });
        }
        Ok(view)
    }

    /// Apply log entries after the view's head up to `head` (or further, if more appear).
    pub(crate) async fn catch_up(&self, view: &mut ModelView, head: u64, mode: Mode) -> Result<()> {
        let model = view.index.model.clone();
        let from = view.index.next_seq();
        let mut entries = futures::stream::iter(from..=head)
            .map(|seq| {
                let model = model.clone();
                async move { (seq, self.read_entry(&model, seq).await) }
            })
            .buffered(READ_CONCURRENCY);
        while let Some((seq, read)) = entries.next().await {
            let key = keys::log_key(&model, seq);
            let Some((bytes, parsed)) = read? else {
                // Truncated between the probe and the read cannot happen (write-once), so
                // this is a deleted entry: the chain is broken here.
                let problem = Problem {
                    key: key.clone(),
                    message: "missing: the log has entries after it".into(),
                };
                if mode == Mode::Strict {
                    return Err(Error::Integrity {
                        key,
                        detail: problem.message,
                    });
                }
                view.problems.push(problem);
                break;
            };
            let digest = Digest::of(&bytes);
            let found = match parsed {
                Ok(entry) => view.index.apply(&entry, &bytes),
                Err(e) => vec![view.index.skip_unreadable(digest, e.to_string())],
            };
            view.caught_up += 1;
            // A refused lifecycle event is inert (not applied); only integrity problems
            // stop a writer.
            if mode == Mode::Strict {
                if let Some(p) = found.iter().find(|p| p.is_integrity_problem()) {
                    return Err(Error::Integrity {
                        key,
                        detail: p.to_string(),
                    });
                }
            }
            view.problems
                .extend(found.iter().map(|p| problem_at(&model, p)));
        }
        Ok(())
    }

    /// Read strictly the entries after `view`'s head, until the first absent one.
    pub(crate) async fn catch_up_strict(&self, view: &mut ModelView) -> Result<()> {
        let hint = view.index.head.map_or(0, |h| h.seq);
        let model = view.index.model.clone();
        let head = self
            .find_dense_head(|n| keys::log_key(&model, n), hint)
            .await?;
        self.catch_up(view, head, Mode::Strict).await
    }

    /// The derived index of `model` when it agrees with the log (the entry at its head
    /// hashes to the digest it records); an empty state otherwise.
    async fn trusted_index(&self, model: &ModelName) -> Result<ModelIndex> {
        let key = keys::model_index_key(model);
        let Some(bytes) = self.get_bytes(&key).await? else {
            return Ok(ModelIndex::empty(model.clone()));
        };
        let index = match decode::<ModelIndex>(&key, &bytes) {
            // An index without an audit trail predates lifecycle events: replay instead.
            Ok(index) if &index.model == model && !index.predates_lifecycle() => index,
            // Derived data: a damaged index is rebuilt from the log, not an error.
            Ok(_) | Err(_) => return Ok(ModelIndex::empty(model.clone())),
        };
        let Some(head) = index.head else {
            return Ok(ModelIndex::empty(model.clone()));
        };
        let entry = self.get_bytes(&keys::log_key(model, head.seq)).await?;
        match entry {
            Some(bytes) if Digest::of(&bytes) == head.digest => Ok(index),
            _ => Ok(ModelIndex::empty(model.clone())),
        }
    }

    /// Every model with a log, found by listing (the CLI has list permission; the app
    /// uses the catalog instead).
    pub async fn list_model_names(&self) -> Result<Vec<ModelName>> {
        let mut names = Vec::new();
        let top = self
            .store
            .list_with_delimiter(Some(&path(keys::MODELS_PREFIX)))
            .await?;
        for first in top.common_prefixes {
            let Some(first_name) = first.filename().map(str::to_string) else {
                continue;
            };
            let below = self.store.list_with_delimiter(Some(&first)).await?;
            for child in below.common_prefixes {
                let Some(child_name) = child.filename() else {
                    continue;
                };
                if child_name == keys::LOG_DIR {
                    if let Ok(name) = ModelName::new(first_name.clone()) {
                        names.push(name);
                    }
                } else if !child_name.starts_with('_') {
                    let nested = self.store.list_with_delimiter(Some(&child)).await?;
                    let has_log = nested
                        .common_prefixes
                        .iter()
                        .any(|p| p.filename() == Some(keys::LOG_DIR));
                    if has_log {
                        if let Ok(name) = ModelName::new(format!("{first_name}/{child_name}")) {
                            names.push(name);
                        }
                    }
                }
            }
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// The commit protocol: append the entry `build` makes from the model's current state,
    /// with a put-if-absent of the next log key. A lost race re-reads the log and calls
    /// `build` again (so it re-numbers and re-validates), at most [`MAX_COMMIT_ATTEMPTS`]
    /// times. A put retried by the HTTP client after a lost answer finds its own bytes at
    /// the key: that is a commit, not a lost race. On success the entry is applied to
    /// `view`; returns what `build` returned alongside the entry, and the attempts made.
    pub(crate) async fn commit<T>(
        &self,
        view: &mut ModelView,
        mut build: impl FnMut(&ModelIndex) -> Result<(LogEntry, T)>,
    ) -> Result<(LogEntry, T, u32)> {
        let model = view.index.model.clone();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (entry, extra) = build(&view.index)?;
            let bytes = encode(&entry)?;
            let key = keys::log_key(&model, entry.seq);
            let span = tracing::debug_span!("commit", %model, seq = entry.seq, attempt);
            let _guard = span.enter();
            let committed = self.put_if_absent(&key, bytes.clone()).await?
                || self.get_bytes(&key).await?.as_deref() == Some(bytes.as_slice());
            if committed {
                tracing::debug!("committed");
                let problems = view.index.apply(&entry, &bytes);
                debug_assert!(problems.is_empty(), "{problems:?}");
                return Ok((entry, extra, attempt));
            }
            drop(_guard);
            if attempt >= MAX_COMMIT_ATTEMPTS {
                return Err(Error::Conflict {
                    model: model.to_string(),
                    attempts: attempt,
                });
            }
            backoff(attempt).await;
            self.catch_up_strict(view).await?;
        }
    }

    // ---- the catalog -------------------------------------------------------------------

    /// The newest readable catalog generation (or `None` when there is none yet), with
    /// the number of the newest generation written (readable or not) and what could not
    /// be read.
    pub async fn read_catalog(&self) -> Result<(u64, Option<Catalog>, Vec<Problem>)> {
        let mut problems = Vec::new();
        let hint = match self.get_bytes(keys::CATALOG_HEAD).await? {
            Some(bytes) => match decode::<CatalogHead>(keys::CATALOG_HEAD, &bytes) {
                Ok(head) => head.generation,
                Err(e) => {
                    problems.push(Problem {
                        key: keys::CATALOG_HEAD.into(),
                        message: e.to_string(),
                    });
                    0
                }
            },
            None => 0,
        };
        let newest = self.find_dense_head(keys::catalog_key, hint).await?;
        let mut generation = newest;
        while generation > 0 {
            let key = keys::catalog_key(generation);
            if let Some(bytes) = self.get_bytes(&key).await? {
                match decode::<Catalog>(&key, &bytes) {
                    Ok(catalog) => return Ok((newest, Some(catalog), problems)),
                    Err(e) => problems.push(Problem {
                        key,
                        message: e.to_string(),
                    }),
                }
            }
            generation -= 1;
        }
        Ok((newest, None, problems))
    }

    /// Write a new catalog generation: the newest one with `entries` merged in (or, with
    /// `rebuild`, made from `entries` alone, keeping only newer entries of the same models
    /// from the newest generation). Compare-and-swap made of put-if-absent: a writer that
    /// loses the race for generation g+1 re-reads and merges again.
    /// Returns the generation written, or `None` when the newest already covered `entries`.
    pub async fn update_catalog(
        &self,
        entries: &[(ModelName, CatalogEntry)],
        rebuild: bool,
    ) -> Result<Option<u64>> {
        for attempt in 1..=MAX_COMMIT_ATTEMPTS {
            let (newest, current, _) = self.read_catalog().await?;
            let time = now();
            let mut next = if rebuild {
                let mut fresh = Catalog::empty(newest + 1, time);
                for (name, entry) in entries {
                    fresh.merge(name, entry.clone());
                }
                if let Some(current) = &current {
                    for (name, entry) in &current.models {
                        if fresh.models.contains_key(name) {
                            fresh.merge(name, entry.clone());
                        }
                    }
                }
                if current.as_ref().is_some_and(|c| c.models == fresh.models) {
                    return Ok(None);
                }
                fresh
            } else {
                let mut merged = current
                    .clone()
                    .unwrap_or_else(|| Catalog::empty(newest + 1, time));
                let changed = entries.iter().fold(false, |acc, (name, entry)| {
                    merged.merge(name, entry.clone()) | acc
                });
                if !changed && current.is_some() {
                    return Ok(None);
                }
                merged
            };
            next.generation = newest + 1;
            next.updated_at = time;
            if self
                .put_if_absent(&keys::catalog_key(newest + 1), encode(&next)?)
                .await?
            {
                // A hint only: it may be overwritten by a slower writer with an older
                // generation; readers probe forward from it.
                self.put_derived(keys::CATALOG_HEAD, encode(&CatalogHead::new(newest + 1))?)
                    .await?;
                return Ok(Some(newest + 1));
            }
            tracing::debug!(
                attempt,
                generation = newest + 1,
                "catalog generation taken, retrying"
            );
            backoff(attempt).await;
        }
        Err(Error::Conflict {
            model: "the catalog".into(),
            attempts: MAX_COMMIT_ATTEMPTS,
        })
    }

    /// Write the derived per-model index, unless the stored one covers as much of the log.
    /// There is no compare-and-swap here, so a slower writer may replace a newer index with
    /// an older one between our read and our write: check again after writing and write
    /// again while the stored index is behind ours (a few rounds; readers catch up anyway).
    pub async fn write_model_index(&self, index: &ModelIndex) -> Result<()> {
        const ROUNDS: usize = 4;
        let key = keys::model_index_key(&index.model);
        let seq = |i: &ModelIndex| i.head.map_or(0, |h| h.seq);
        let bytes = encode(index)?;
        for _ in 0..ROUNDS {
            if let Some(stored) = self.get_bytes(&key).await? {
                if let Ok(existing) = decode::<ModelIndex>(&key, &stored) {
                    if seq(&existing) >= seq(index) {
                        return Ok(());
                    }
                }
            }
            self.put_derived(&key, bytes.clone()).await?;
        }
        Ok(())
    }

    /// All keys under `prefix`, with sizes.
    pub async fn list_keys(&self, prefix: &str) -> Result<Vec<(String, u64)>> {
        let prefix = (!prefix.is_empty()).then(|| path(prefix));
        Ok(self
            .store
            .list(prefix.as_ref())
            .map_ok(|meta| (meta.location.to_string(), meta.size))
            .try_collect()
            .await?)
    }
}

pub(crate) fn problem_at(model: &ModelName, p: &ReplayProblem) -> Problem {
    Problem {
        key: keys::log_key(model, p.seq()),
        message: p.to_string(),
    }
}
