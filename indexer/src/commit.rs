//! The commit pipeline (docs/format.md §6): the one way truth is appended to a log, and
//! the derived files refreshed after it.
//!
//! ```text
//!  inputs ─► blobs uploaded and checked (put-if-absent; crate::upload)
//!        ─► Appender::open: the model's state, replayed strictly from entry 1
//!        ─► event built from the state ─► entry = state.next_entry(event, time, actor, reason)
//!        ─► put-if-absent of models/<m>/_log/<seq:020>.json          ◄── the commit point
//!              │ key taken by another writer: back off, catch up strictly, build and
//!              │   re-validate the event again (at most MAX_COMMIT_ATTEMPTS)
//!              │ answer lost (an error after the request may have applied): read the
//!              │   key back; our own bytes there mean committed, absent means retry,
//!              │   unreadable means CommitUnknown (never a blind retry)
//!        ─► Committed ─► derived files, best effort (Appender::refresh_derived):
//!              version copy (put-if-absent) ─► model index (written unless an anchored
//!              index covers more) ─► catalog generation (compare-and-swap of
//!              put-if-absent, merge rule of §5.7)
//! ```
//!
//! Nothing here trusts a derived file: the state a writer numbers and validates against
//! is the replay of the log (§2.1).

use std::time::Duration;

use rand::Rng as _;
use shelf_format::read::{self, Mode, ModelView};
use shelf_format::{
    CatalogEntry, CatalogHead, Digest, Event, LogEntry, ModelIndex, ModelName, Timestamp,
    VersionManifest, decode, encode, keys,
};

use crate::error::{ConflictTarget, Error, Result};
use crate::registry::{Registry, now};

/// How many times a writer retries a put-if-absent that another writer won.
pub const MAX_COMMIT_ATTEMPTS: u32 = 64;

/// How many times a writer retries a commit put that failed and did not land.
const MAX_FAILED_PUTS: u32 = 3;

/// Sleep a short random time before retrying a lost race, growing with the attempt.
pub(crate) async fn backoff(attempt: u32) {
    let ceiling = 5u64 * u64::from(attempt.min(20));
    let millis = rand::rng().random_range(1..=ceiling.max(2));
    tokio::time::sleep(Duration::from_millis(millis)).await;
}

/// What a commit appended.
#[derive(Debug, Clone)]
pub struct Committed<T> {
    /// The entry as committed.
    pub entry: LogEntry,
    /// What the builder returned with the event (a push's manifest).
    pub extra: T,
    /// Attempts made (more than 1 when other writers committed first).
    pub attempts: u32,
}

/// A model's log opened for appending: its state is the strict replay of the log.
pub struct Appender<'r> {
    registry: &'r Registry,
    view: ModelView,
}

impl<'r> Appender<'r> {
    /// Open `model`'s log. A model with no log yet opens empty when `create` is set (its
    /// first push) and is [`Error::NoModel`] otherwise. A damaged log, or one holding an
    /// entry of a newer format, is refused: a writer never appends to it.
    pub async fn open(registry: &'r Registry, model: &ModelName, create: bool) -> Result<Self> {
        let view = match registry.load_model(model, Mode::Strict).await {
            Ok(view) => view,
            Err(Error::NoModel { .. }) if create => ModelView::empty(model.clone()),
            Err(e) => return Err(e),
        };
        Ok(Appender { registry, view })
    }

    /// The registry the log is in.
    pub fn registry(&self) -> &'r Registry {
        self.registry
    }

    /// The model's state after the entries committed so far.
    pub fn state(&self) -> &ModelIndex {
        &self.view.index
    }

    /// Commit the event `build` makes from the current state and the entry's time. After
    /// a lost race, the new entries are replayed and `build` runs again, so it renumbers
    /// and re-validates (lifecycle rules are checked here too, against each state).
    pub async fn commit<T>(
        &mut self,
        actor: &str,
        reason: Option<String>,
        mut build: impl FnMut(&ModelIndex, Timestamp) -> Result<(Event, T)>,
    ) -> Result<Committed<T>> {
        let model = self.view.index.model.clone();
        let mut failed_puts = 0;
        for attempt in 1..=MAX_COMMIT_ATTEMPTS {
            let state = &self.view.index;
            let time = state.next_time(now());
            let (event, extra) = build(state, time)?;
            state.check_event(&event)?;
            let entry = state.next_entry(event, time, actor, reason.clone());
            let bytes = encode(&entry)?;
            let key = keys::log_key(&model, entry.seq);
            let span = tracing::debug_span!("commit", %model, seq = entry.seq, attempt);
            let _guard = span.enter();
            match self.put_entry(&key, &bytes).await? {
                Put::Committed => {
                    tracing::debug!("committed");
                    let problems = self.view.index.apply(&entry, &bytes);
                    debug_assert!(problems.is_empty(), "{problems:?}");
                    return Ok(Committed {
                        entry,
                        extra,
                        attempts: attempt,
                    });
                }
                Put::Taken | Put::Absent => tracing::debug!("lost the race"),
                Put::Failed(e) => {
                    failed_puts += 1;
                    tracing::debug!(error = %e, "commit put failed and did not land");
                    if failed_puts >= MAX_FAILED_PUTS {
                        return Err(e);
                    }
                }
            }
            drop(_guard);
            backoff(attempt).await;
            read::catch_up(self.registry, &mut self.view, None, Mode::Strict).await?;
        }
        Err(Error::Conflict {
            target: ConflictTarget::Log(model),
            attempts: MAX_COMMIT_ATTEMPTS,
        })
    }

    /// Put-if-absent of one entry, with the outcome known for sure: a put retried by the
    /// HTTP client after a lost answer finds its own bytes at the key (committed); an
    /// error may hide an applied put, so the key is read back before deciding.
    async fn put_entry(&self, key: &str, bytes: &[u8]) -> Result<Put> {
        let mine = |found: Option<bytes::Bytes>| match found {
            Some(found) if found.as_ref() == bytes => Put::Committed,
            Some(_) => Put::Taken,
            None => Put::Absent,
        };
        match self.registry.put_if_absent(key, bytes.to_vec()).await {
            Ok(true) => Ok(Put::Committed),
            Ok(false) => Ok(match mine(self.registry.get_bytes(key).await?) {
                Put::Absent => Put::Taken,
                other => other,
            }),
            Err(Error::Store(source)) => match self.registry.get_bytes(key).await {
                Ok(found) => Ok(match mine(found) {
                    Put::Absent => Put::Failed(Error::Store(source)),
                    other => other,
                }),
                Err(_) => Err(Error::CommitUnknown {
                    model: self.view.index.model.clone(),
                    key: key.to_string(),
                    source,
                }),
            },
            Err(e) => Err(e),
        }
    }

    /// Refresh the derived files after a commit (§6.3): the materialised manifest of a new
    /// version, the model index, the catalog. Failures are returned as warnings: the log
    /// is the truth and `shelf reindex` repairs derived files.
    pub async fn refresh_derived(&self, new_manifest: Option<&VersionManifest>) -> Vec<String> {
        let registry = self.registry;
        let index = &self.view.index;
        let mut warnings = Vec::new();
        if let Some(manifest) = new_manifest {
            let key = keys::version_key(&manifest.model, manifest.version);
            let written = match encode(manifest) {
                Ok(bytes) => registry.put_if_absent(&key, bytes).await.map(|_| ()),
                Err(e) => Err(e.into()),
            };
            if let Err(e) = written {
                warnings.push(format!("{key} not written: {e}"));
            }
        }
        if let Err(e) = write_model_index(registry, index).await {
            warnings.push(format!(
                "{} not written: {e}",
                keys::model_index_key(&index.model)
            ));
        }
        if let Some(entry) = index.catalog_entry() {
            let update = CatalogUpdate::Merge(vec![(index.model.clone(), entry)]);
            if let Err(e) = update_catalog(registry, &update).await {
                warnings.push(format!("catalog not updated: {e}"));
            }
        }
        warnings
    }
}

enum Put {
    Committed,
    Taken,
    Absent,
    Failed(Error),
}

/// Whether the entry at `head` exists with the digest a derived document records for it:
/// the document is anchored to the log (§7.3 step 2).
async fn anchored(
    registry: &Registry,
    model: &ModelName,
    head: &shelf_format::LogHead,
) -> Result<bool> {
    Ok(registry
        .get_bytes(&keys::log_key(model, head.seq))
        .await?
        .is_some_and(|bytes| Digest::of(&bytes) == head.digest))
}

/// Write the derived index of a model (§6.3 step 2), unless the stored one is the same or
/// an anchored index covering more of the log. There is no compare-and-swap here, so a
/// slower writer may replace a newer index with an older one between our read and our
/// write: check again after writing and write again while the stored index is behind
/// ours (a few rounds; readers catch up anyway). A stored index that is not anchored
/// (forged, or from a rewritten log) never blocks the write.
pub(crate) async fn write_model_index(registry: &Registry, index: &ModelIndex) -> Result<()> {
    const ROUNDS: usize = 4;
    let key = keys::model_index_key(&index.model);
    let ours = index.head.map_or(0, |h| h.seq);
    let bytes = encode(index)?;
    for _ in 0..ROUNDS {
        if let Some(stored) = registry.get_bytes(&key).await? {
            if stored.as_ref() == bytes.as_slice() {
                return Ok(());
            }
            if let Ok(existing) = decode::<ModelIndex>(&key, &stored) {
                if let Some(head) = existing.head {
                    if head.seq > ours && anchored(registry, &index.model, &head).await? {
                        return Ok(());
                    }
                }
            }
        }
        registry.put_derived(&key, bytes.clone()).await?;
    }
    Ok(())
}

/// How a new catalog generation is made from the newest one.
pub(crate) enum CatalogUpdate {
    /// A writer's merge (§5.7): each entry replaces the model's entry when it covers a
    /// longer log.
    Merge(Vec<(ModelName, CatalogEntry)>),
    /// A rebuild from verified replays (`shelf reindex`): each entry replaces the model's
    /// entry unless the current one covers a longer log and is anchored to it (a writer
    /// committed after our replay); current entries of other models are kept while their
    /// log exists (a model created after our listing) and dropped otherwise; `skipped`
    /// models (whose log could not be read whole) keep their current entry.
    Rebuild {
        entries: Vec<(ModelName, CatalogEntry)>,
        skipped: Vec<ModelName>,
    },
}

/// Write a new catalog generation (§6.3 step 3): a compare-and-swap made of put-if-absent
/// alone. A writer that loses the race for generation g+1 re-reads and merges again.
/// Returns the generation written, or `None` when the newest already says the same.
pub(crate) async fn update_catalog(
    registry: &Registry,
    update: &CatalogUpdate,
) -> Result<Option<u64>> {
    for attempt in 1..=MAX_COMMIT_ATTEMPTS {
        let view = read::load_catalog(registry).await?;
        let newest = view.newest;
        let time = now();
        let current = view.catalog;
        let mut next = current
            .clone()
            .unwrap_or_else(|| shelf_format::Catalog::empty(newest + 1, time));
        match update {
            CatalogUpdate::Merge(entries) => {
                for (name, entry) in entries {
                    next.merge(name, entry.clone());
                }
            }
            CatalogUpdate::Rebuild { entries, skipped } => {
                let ours: std::collections::BTreeMap<&ModelName, &CatalogEntry> =
                    entries.iter().map(|(n, e)| (n, e)).collect();
                let mut fresh = std::collections::BTreeMap::new();
                for (name, entry) in &next.models {
                    let keep = match ours.get(name) {
                        Some(mine) => {
                            entry.head.seq > mine.head.seq
                                && anchored(registry, name, &entry.head).await?
                        }
                        None => {
                            skipped.contains(name)
                                || registry
                                    .object_size(&keys::log_key(name, 1))
                                    .await?
                                    .is_some()
                        }
                    };
                    if keep {
                        fresh.insert(name.clone(), entry.clone());
                    }
                }
                for (name, entry) in entries {
                    fresh.entry(name.clone()).or_insert_with(|| entry.clone());
                }
                next.models = fresh;
            }
        }
        if current.as_ref().is_some_and(|c| c.models == next.models) {
            return Ok(None);
        }
        next.generation = newest + 1;
        next.updated_at = time;
        if registry
            .put_if_absent(&keys::catalog_key(newest + 1), encode(&next)?)
            .await?
        {
            // A hint only: it may be overwritten by a slower writer with an older
            // generation; readers search forward from it.
            registry
                .put_derived(keys::CATALOG_HEAD, encode(&CatalogHead::new(newest + 1))?)
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
        target: ConflictTarget::Catalog,
        attempts: MAX_COMMIT_ATTEMPTS,
    })
}
