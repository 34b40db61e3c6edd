//! `shelf verify`: check every log chain and every blob, and every derived document
//! against the replay of the logs, naming each problem by its key (docs/format.md §8).

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;
use sha2::{Digest as _, Sha256};
use shelf_format::keys::ModelKey;
use shelf_format::read::{ModelView, Problem};
use shelf_format::{
    CatalogEntry, Digest, Event, ModelIndex, ModelName, ReplayProblem, decode, documents, keys,
};

use crate::error::Result;
use crate::progress::Reporter;
use crate::registry::{READ_CONCURRENCY, Registry, path};

/// What `verify` found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct VerifyReport {
    pub models: u64,
    pub log_entries: u64,
    pub versions: u64,
    pub blobs: u64,
    pub bytes_hashed: u64,
    /// Damage: a broken chain, a blob whose bytes don't match, a missing object, a derived
    /// document that contradicts the log.
    pub problems: Vec<Problem>,
    /// Not damage: derived files behind the log, leftovers of interrupted uploads.
    pub warnings: Vec<Problem>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Stream an object through sha256: its size and digest.
pub(crate) async fn hash_stored(
    store: &dyn object_store::ObjectStore,
    location: &object_store::path::Path,
) -> Result<(u64, Digest)> {
    let mut hasher = Sha256::new();
    let n = crate::transfer::read_from(store, location, 0, |chunk| {
        hasher.update(chunk);
        Ok(())
    })
    .await?;
    Ok((n, Digest::from_bytes(hasher.finalize().into())))
}

/// What the listing holds for one model.
#[derive(Default)]
struct ModelKeys {
    log: BTreeSet<u64>,
    versions: BTreeSet<u64>,
}

/// One reference to a blob: who references it and with which size.
struct Reference {
    size: u64,
    used_by: String,
}

/// Check the whole registry.
pub async fn verify(registry: &Registry, reporter: &dyn Reporter) -> Result<VerifyReport> {
    let mut report = VerifyReport::default();
    registry.descriptor().await?;
    let listing = registry.list_keys("").await?;

    let mut models: BTreeMap<ModelName, ModelKeys> = BTreeMap::new();
    let mut blobs: BTreeMap<Digest, (String, u64)> = BTreeMap::new();
    for (key, size) in &listing {
        if let Some((model, what)) = keys::parse_model_key(key) {
            let entry = models.entry(model);
            match what {
                ModelKey::Log(Some(seq)) => {
                    entry.or_default().log.insert(seq);
                }
                ModelKey::Version(Some(version)) => {
                    entry.or_default().versions.insert(version);
                }
                ModelKey::Log(None) | ModelKey::Version(None) => report.warnings.push(
                    Problem::new(key, "not a log entry or version name; ignored"),
                ),
                ModelKey::Index | ModelKey::Other(_) => {}
            }
        } else if key.starts_with(keys::BLOBS_PREFIX) {
            match keys::parse_blob_key(key) {
                Some(d) => {
                    blobs.insert(d, (key.clone(), *size));
                }
                None => report.problems.push(Problem::new(
                    key,
                    "not a blob key (blobs/sha256/<2 hex>/<64 hex>)",
                )),
            }
        } else if key.starts_with(keys::UPLOADS_PREFIX) {
            report.warnings.push(Problem::new(
                key,
                "leftover of an interrupted upload; not referenced, safe to delete",
            ));
        }
    }

    // Every chain, replayed from entry 1.
    let mut references: BTreeMap<Digest, Vec<Reference>> = BTreeMap::new();
    let mut states: BTreeMap<ModelName, ModelIndex> = BTreeMap::new();
    for (model, found) in &models {
        if found.log.is_empty() {
            // Derived files of a model without a log: forged or left by a deleted log.
            for version in &found.versions {
                report.problems.push(Problem::new(
                    keys::version_key(model, *version),
                    "materialised manifest of a model that has no log",
                ));
            }
            continue;
        }
        report.models += 1;
        let index = replay(registry, model, &found.log, &mut report, &mut references).await?;
        report.versions += index.versions.len() as u64;
        check_versions(registry, &index, &found.versions, &mut report).await?;
        check_index(registry, &index, &mut report).await?;
        states.insert(model.clone(), index);
    }

    check_pins(&states, &mut report);
    check_catalog(registry, &states, &mut report).await?;

    // Every reference: the blob exists with the size each manifest gives.
    for (digest, refs) in &references {
        for r in refs {
            match blobs.get(digest) {
                None => report.problems.push(Problem::new(
                    keys::blob_key(digest),
                    format!("missing blob of {}", r.used_by),
                )),
                Some((_, stored)) if *stored != r.size => report.problems.push(Problem::new(
                    keys::blob_key(digest),
                    format!("{} says {} bytes, the blob has {stored}", r.used_by, r.size),
                )),
                Some(_) => {}
            }
        }
    }

    // Every blob: its bytes hash to its key.
    let total: u64 = blobs.values().map(|(_, s)| *s).sum();
    let progress = reporter.transfer("verifying blobs", total);
    let checks: Vec<_> = futures::stream::iter(blobs.iter())
        .map(|(digest, (key, _))| async move {
            let hashed = hash_stored(registry.store().as_ref(), &path(key)).await;
            (digest, key, hashed)
        })
        .buffer_unordered(2)
        .collect()
        .await;
    for (digest, key, hashed) in checks {
        let (n, actual) = hashed?;
        progress.inc(n);
        report.blobs += 1;
        report.bytes_hashed += n;
        if actual != *digest {
            report.problems.push(Problem::new(
                key.clone(),
                format!("content hashes to {actual}, not to its key"),
            ));
        }
    }
    progress.finish();
    Ok(report)
}

/// Replay `model`'s listed log entries in order, reporting every problem: a missing
/// position, an entry failing a replay check (a refused lifecycle event is a warning), an
/// artifact list a reader could not pull. Collects every blob reference.
async fn replay(
    registry: &Registry,
    model: &ModelName,
    listed: &BTreeSet<u64>,
    report: &mut VerifyReport,
    references: &mut BTreeMap<Digest, Vec<Reference>>,
) -> Result<ModelIndex> {
    let max = listed.last().copied().unwrap_or(0);
    let mut view = ModelView::empty(model.clone());
    let mut reads = futures::stream::iter(1..=max)
        .map(|seq| async move {
            let key = keys::log_key(model, seq);
            let bytes = match listed.contains(&seq) {
                true => registry.get_bytes(&key).await,
                false => Ok(None),
            };
            (seq, key, bytes)
        })
        .buffered(READ_CONCURRENCY);
    let mut after_gap = false;
    while let Some((seq, key, bytes)) = reads.next().await {
        let Some(bytes) = bytes? else {
            report
                .problems
                .push(Problem::new(&key, "missing: the log has entries after it"));
            // Step over the gap so that the entries after it are still checked.
            view.index
                .skip_unreadable(Digest::from_bytes([0; 32]), String::new());
            after_gap = true;
            continue;
        };
        report.log_entries += 1;
        let found = match decode::<shelf_format::LogEntry>(&key, &bytes) {
            Ok(entry) => {
                if let Event::Register { manifest, .. } = &entry.event {
                    if let Some(conflict) = documents::artifact_path_conflict(&manifest.artifacts) {
                        report.problems.push(Problem::new(&key, conflict));
                    }
                    let at = |what: String| format!("{model}@{} {what}", manifest.version);
                    for a in &manifest.artifacts {
                        references.entry(a.digest).or_default().push(Reference {
                            size: a.size,
                            used_by: at(a.path.to_string()),
                        });
                    }
                    if let Some(lock) = manifest
                        .environment
                        .as_ref()
                        .and_then(|e| e.lock_file.as_ref())
                    {
                        references.entry(lock.digest).or_default().push(Reference {
                            size: lock.size,
                            used_by: at(format!("lock file {}", lock.name)),
                        });
                    }
                }
                view.index.apply(&entry, &bytes)
            }
            Err(e) => vec![
                view.index
                    .skip_unreadable(Digest::of(&bytes), e.to_string()),
            ],
        };
        debug_assert_eq!(view.index.head.map(|h| h.seq), Some(seq));
        for p in found {
            // The chain break right after a gap follows from the gap, already reported.
            if after_gap && matches!(p, ReplayProblem::BrokenChain { .. }) {
                continue;
            }
            let problem = Problem::at_entry(model, &p);
            // A refused lifecycle event is recorded but inert: not damage.
            if p.is_integrity_problem() {
                report.problems.push(problem);
            } else {
                report.warnings.push(problem);
            }
        }
        after_gap = false;
    }
    Ok(view.index)
}

/// Materialised manifests: each one present hashes to the content id of a version the
/// log registers; a registered version without one is a warning.
async fn check_versions(
    registry: &Registry,
    index: &ModelIndex,
    listed: &BTreeSet<u64>,
    report: &mut VerifyReport,
) -> Result<()> {
    let model = &index.model;
    for version in listed {
        if index.version(*version).is_none() {
            report.problems.push(Problem::new(
                keys::version_key(model, *version),
                format!(
                    "materialised manifest of version {version}, which the log does not register"
                ),
            ));
        }
    }
    let checks: Vec<_> = futures::stream::iter(index.versions.iter())
        .map(|v| async move {
            let key = keys::version_key(model, v.version);
            let bytes = match listed.contains(&v.version) {
                true => registry.get_bytes(&key).await,
                false => Ok(None),
            };
            (key, v.content_id, bytes)
        })
        .buffered(READ_CONCURRENCY)
        .collect()
        .await;
    for (key, content_id, bytes) in checks {
        match bytes? {
            None => report.warnings.push(Problem::new(
                key,
                "materialised manifest not written yet; `shelf reindex` writes it",
            )),
            Some(bytes) if Digest::of(&bytes) != content_id => report.problems.push(Problem::new(
                key,
                format!(
                    "hashes to {}, but the log gives content id {content_id}",
                    Digest::of(&bytes)
                ),
            )),
            Some(_) => {}
        }
    }
    Ok(())
}

/// The first part of a model's state where `stored` differs from `replayed`.
fn first_difference(stored: &ModelIndex, replayed: &ModelIndex) -> Option<&'static str> {
    [
        ("versions", stored.versions == replayed.versions),
        ("aliases", stored.aliases == replayed.aliases),
        ("deployments", stored.deployments == replayed.deployments),
        ("events", stored.events == replayed.events),
        (
            "created_at/updated_at",
            (stored.created_at, stored.updated_at) == (replayed.created_at, replayed.updated_at),
        ),
    ]
    .into_iter()
    .find(|(_, same)| !same)
    .map(|(what, _)| what)
}

/// The derived index against the replay: behind or unreadable is a warning (readers
/// check it before use); one that contradicts the log at the head it claims, or claims a
/// head the log does not have, is an error (§8 item 5).
async fn check_index(
    registry: &Registry,
    index: &ModelIndex,
    report: &mut VerifyReport,
) -> Result<()> {
    let model = &index.model;
    let key = keys::model_index_key(model);
    let head = index.head.map_or(0, |h| h.seq);
    let rebuild = "`shelf reindex` rebuilds it";
    let Some(bytes) = registry.get_bytes(&key).await? else {
        report.warnings.push(Problem::new(
            key,
            format!("model index not written yet; {rebuild}"),
        ));
        return Ok(());
    };
    let stored = match decode::<ModelIndex>(&key, &bytes) {
        Ok(stored) => stored,
        Err(e) => {
            report.warnings.push(Problem::new(
                key,
                format!("unreadable derived index: {e}; {rebuild}"),
            ));
            return Ok(());
        }
    };
    let claimed = stored.head.map_or(0, |h| h.seq);
    let problem = |message: String| Problem::new(&key, format!("{message}; {rebuild}"));
    if stored.model != *model {
        report
            .problems
            .push(problem(format!("is the index of model {}", stored.model)));
    } else if claimed > head {
        // Written after our listing by a concurrent writer, or forged.
        let later = match stored.head {
            Some(h) => registry
                .get_bytes(&keys::log_key(model, h.seq))
                .await?
                .is_some_and(|b| Digest::of(&b) == h.digest),
            None => false,
        };
        if later {
            report.warnings.push(problem(format!(
                "covers the log up to entry {claimed}, written after this verify listed {head}"
            )));
        } else {
            report.problems.push(problem(format!(
                "claims to cover entry {claimed}, but the log has {head} entries"
            )));
        }
    } else if claimed < head {
        report.warnings.push(problem(format!(
            "covers the log up to entry {claimed}, the log has {head}"
        )));
    } else if stored.head != index.head {
        report.problems.push(problem(format!(
            "records a head digest for entry {claimed} that is not the entry's"
        )));
    } else if stored.predates_lifecycle() {
        report.warnings.push(problem(
            "written by a build that predates lifecycle events".into(),
        ));
    } else if let Some(what) = first_difference(&stored, index) {
        report.problems.push(problem(format!(
            "disagrees with the replay of the log at entry {head}: its {what} differ"
        )));
    }
    Ok(())
}

/// Lineage and registered datasets: every version a manifest pins is registered with the
/// content id it pinned.
fn check_pins(states: &BTreeMap<ModelName, ModelIndex>, report: &mut VerifyReport) {
    for (model, index) in states {
        for v in &index.versions {
            let pins = v
                .parent
                .iter()
                .map(|p| ("parent", p.model.clone(), p.version, p.content_id))
                .chain(v.datasets.iter().filter_map(|d| {
                    let r = d.registered.as_ref()?;
                    Some(("dataset", r.name.clone(), r.version, r.content_id))
                }));
            for (what, name, version, pinned) in pins {
                let registered = states
                    .get(&name)
                    .and_then(|p| p.version(version))
                    .map(|p| p.content_id);
                let message = match registered {
                    None => format!(
                        "the {what} of v{}, {name}@{version}, is not registered",
                        v.version
                    ),
                    Some(id) if id != pinned => format!(
                        "the {what} of v{}, {name}@{version}, is pinned to {pinned} but registered as {id}",
                        v.version
                    ),
                    Some(_) => continue,
                };
                report
                    .problems
                    .push(Problem::new(keys::log_key(model, v.seq), message));
            }
        }
    }
}

/// The first part of a catalog entry that contradicts the replay at the same head. Lists
/// a writer that predates them left empty (`aliases`, `uses`) are compared only when set,
/// and the latest version by number and content id, so old registries verify clean.
fn catalog_difference(stored: &CatalogEntry, replayed: &CatalogEntry) -> Option<&'static str> {
    let latest = |e: &CatalogEntry| e.latest.as_ref().map(|v| (v.version, v.content_id));
    [
        ("head", stored.head == replayed.head),
        ("versions", stored.versions == replayed.versions),
        ("latest version", latest(stored) == latest(replayed)),
        (
            "times",
            (stored.created_at, stored.updated_at) == (replayed.created_at, replayed.updated_at),
        ),
        (
            "aliases",
            stored.aliases.is_empty() || stored.aliases == replayed.aliases,
        ),
        (
            "uses",
            stored.uses.is_empty() || stored.uses == replayed.uses,
        ),
    ]
    .into_iter()
    .find(|(_, same)| !same)
    .map(|(what, _)| what)
}

/// The newest catalog generation against the replays: a model missing or behind is a
/// warning (readers catch up); an entry that contradicts the log, claims entries the log
/// does not have, or lists a model without a log is an error.
async fn check_catalog(
    registry: &Registry,
    states: &BTreeMap<ModelName, ModelIndex>,
    report: &mut VerifyReport,
) -> Result<()> {
    let (_, catalog, problems) = registry.read_catalog().await?;
    report.warnings.extend(problems);
    let Some(catalog) = catalog else {
        for model in states.keys() {
            report.warnings.push(Problem::new(
                keys::model_prefix(model),
                "the catalog does not list this model yet; readers catch up, `shelf reindex` refreshes it",
            ));
        }
        return Ok(());
    };
    let key = keys::catalog_key(catalog.generation);
    let refresh = "readers catch up, `shelf reindex` refreshes it";
    for (model, index) in states {
        let head = index.head.map_or(0, |h| h.seq);
        let at = keys::model_prefix(model);
        match catalog.models.get(model) {
            None => report.warnings.push(Problem::new(
                at,
                format!("the catalog does not list this model yet; {refresh}"),
            )),
            Some(entry) if entry.head.seq < head => report.warnings.push(Problem::new(
                at,
                format!(
                    "the catalog covers the log up to entry {}, the log has {head}; {refresh}",
                    entry.head.seq
                ),
            )),
            Some(entry) if entry.head.seq > head => {
                let later = registry
                    .get_bytes(&keys::log_key(model, entry.head.seq))
                    .await?
                    .is_some_and(|b| Digest::of(&b) == entry.head.digest);
                if !later {
                    report.problems.push(Problem::new(
                        &key,
                        format!(
                            "lists {model} up to entry {}, but its log has {head} entries",
                            entry.head.seq
                        ),
                    ));
                }
            }
            Some(entry) => {
                if let Some(what) = index
                    .catalog_entry()
                    .and_then(|replayed| catalog_difference(entry, &replayed))
                {
                    report.problems.push(Problem::new(
                        &key,
                        format!(
                            "its entry for {model} disagrees with the replay of the log at entry {head}: its {what} differ"
                        ),
                    ));
                }
            }
        }
    }
    for model in catalog.models.keys() {
        if !states.contains_key(model) {
            let exists = registry
                .object_size(&keys::log_key(model, 1))
                .await?
                .is_some();
            if !exists {
                report.problems.push(Problem::new(
                    &key,
                    format!("lists model {model}, which has no log"),
                ));
            }
        }
    }
    Ok(())
}
