//! `shelf verify`: check every log chain and every blob, naming each problem by its key;
//! and `shelf reindex`: rebuild every derived file from the logs.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures::StreamExt;
use object_store::ObjectStoreExt as _;
use sha2::{Digest as _, Sha256};
use shelf_format::{
    Digest, Event, LogHead, ModelIndex, ModelName, decode, encode, keys, replay::ReplayProblem,
};

use crate::error::Result;
use crate::progress::Reporter;
use crate::registry::{Mode, ModelView, Problem, READ_CONCURRENCY, Registry, path};

/// What `verify` found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct VerifyReport {
    pub models: u64,
    pub log_entries: u64,
    pub versions: u64,
    pub blobs: u64,
    pub bytes_hashed: u64,
    /// Damage: a broken chain, a blob whose bytes don't match, a missing object.
    pub problems: Vec<Problem>,
    /// Not damage: derived files behind the log, leftovers of interrupted uploads.
    pub warnings: Vec<Problem>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What `reindex` rebuilt.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ReindexReport {
    pub models: Vec<ReindexedModel>,
    /// The catalog generation written (none when nothing changed).
    pub catalog_generation: Option<u64>,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ReindexedModel {
    pub model: ModelName,
    pub versions: u64,
    pub head: Option<LogHead>,
}

/// Stream an object through sha256: its size and digest.
pub(crate) async fn hash_stored(
    store: &dyn object_store::ObjectStore,
    location: &object_store::path::Path,
) -> Result<(u64, Digest)> {
    let mut stream = store.get(location).await?.into_stream();
    let mut hasher = Sha256::new();
    let mut n = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        n += chunk.len() as u64;
        hasher.update(&chunk);
    }
    Ok((n, Digest::from_bytes(hasher.finalize().into())))
}

/// The model a key under `models/` belongs to, and the rest of the key after the model.
fn split_model_key(key: &str) -> Option<(ModelName, &str)> {
    let rest = key.strip_prefix(keys::MODELS_PREFIX)?.strip_prefix('/')?;
    let cut = rest.find("/_")?;
    let model = ModelName::new(&rest[..cut]).ok()?;
    Some((model, &rest[cut + 1..]))
}

impl Registry {
    /// Check the whole registry.
    pub async fn verify(&self, reporter: &dyn Reporter) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        self.descriptor().await?;
        let listing = self.list_keys("").await?;

        let mut logs: BTreeMap<ModelName, BTreeSet<u64>> = BTreeMap::new();
        let mut blobs: BTreeMap<Digest, (String, u64)> = BTreeMap::new();
        for (key, size) in &listing {
            if let Some((model, rest)) = split_model_key(key) {
                if let Some(file) = rest
                    .strip_prefix(keys::LOG_DIR)
                    .and_then(|r| r.strip_prefix('/'))
                {
                    match keys::parse_log_file_name(file) {
                        Some(seq) => {
                            logs.entry(model).or_default().insert(seq);
                        }
                        None => report.warnings.push(Problem {
                            key: key.clone(),
                            message: "not a log entry name; ignored".into(),
                        }),
                    }
                }
            } else if key.starts_with(keys::BLOBS_PREFIX) {
                match keys::parse_blob_key(key) {
                    Some(d) => {
                        blobs.insert(d, (key.clone(), *size));
                    }
                    None => report.problems.push(Problem {
                        key: key.clone(),
                        message: "not a blob key (blobs/sha256/<2 hex>/<64 hex>)".into(),
                    }),
                }
            } else if key.starts_with(keys::UPLOADS_PREFIX) {
                report.warnings.push(Problem {
                    key: key.clone(),
                    message: "leftover of an interrupted upload; not referenced, safe to delete"
                        .into(),
                });
            }
        }

        // Every chain.
        let mut referenced: HashMap<Digest, (u64, String)> = HashMap::new();
        let mut heads: BTreeMap<ModelName, ModelIndex> = BTreeMap::new();
        for (model, seqs) in &logs {
            report.models += 1;
            let max = seqs.last().copied().unwrap_or(0);
            for seq in 1..=max {
                if !seqs.contains(&seq) {
                    report.problems.push(Problem {
                        key: keys::log_key(model, seq),
                        message: "missing: the log has entries after it".into(),
                    });
                }
            }
            let mut index = ModelIndex::empty(model.clone());
            let reads: Vec<_> = futures::stream::iter(seqs.iter().copied())
                .map(|seq| async move { (seq, self.read_entry(model, seq).await) })
                .buffered(READ_CONCURRENCY)
                .collect()
                .await;
            for (seq, read) in reads {
                let key = keys::log_key(model, seq);
                let Some((bytes, parsed)) = read? else {
                    continue;
                };
                report.log_entries += 1;
                // Jump over a gap so the entries after it are still checked.
                while index.next_seq() < seq {
                    index.skip_unreadable(Digest::from_bytes([0; 32]), String::new());
                }
                let digest = Digest::of(&bytes);
                let found = match parsed {
                    Ok(entry) => {
                        if let Event::Register { manifest, .. } = &entry.event {
                            for a in &manifest.artifacts {
                                referenced.entry(a.digest).or_insert((
                                    a.size,
                                    format!("{model}@{} {}", manifest.version, a.path),
                                ));
                            }
                            let lock = manifest
                                .environment
                                .as_ref()
                                .and_then(|e| e.lock_file.as_ref());
                            if let Some(lock) = lock {
                                referenced.entry(lock.digest).or_insert((
                                    lock.size,
                                    format!("{model}@{} lock file {}", manifest.version, lock.name),
                                ));
                            }
                        }
                        index.apply(&entry, &bytes)
                    }
                    Err(e) => vec![index.skip_unreadable(digest, e.to_string())],
                };
                for p in found {
                    // A gap was already reported; its successor's chain break follows from it.
                    if matches!(p, ReplayProblem::BrokenChain { expected: Some(d), .. } if d == Digest::from_bytes([0; 32]))
                    {
                        continue;
                    }
                    let problem = Problem {
                        key: key.clone(),
                        message: p.to_string(),
                    };
                    // A refused lifecycle event is recorded but inert: not damage.
                    if p.is_integrity_problem() {
                        report.problems.push(problem);
                    } else {
                        report.warnings.push(problem);
                    }
                }
            }
            report.versions += index.versions.len() as u64;
            self.check_derived(&index, &mut report).await?;
            heads.insert(model.clone(), index);
        }

        // Lineage and registered datasets: every version a manifest pins is registered
        // with the content id it pinned.
        for (model, index) in &heads {
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
                    let registered = heads
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
                    report.problems.push(Problem {
                        key: keys::log_key(model, v.seq),
                        message,
                    });
                }
            }
        }

        // The catalog against the logs.
        let (_, catalog, catalog_problems) = self.read_catalog().await?;
        report.warnings.extend(catalog_problems);
        for (model, index) in &heads {
            let listed = catalog.as_ref().and_then(|c| c.models.get(model));
            let behind = match (listed, index.head) {
                (None, _) => Some("the catalog does not list this model yet".to_string()),
                (Some(entry), Some(head)) if entry.head.seq < head.seq => Some(format!(
                    "the catalog covers the log up to entry {}, the log has {}",
                    entry.head.seq, head.seq
                )),
                _ => None,
            };
            if let Some(message) = behind {
                report.warnings.push(Problem {
                    key: keys::model_prefix(model),
                    message: format!("{message}; readers catch up, `shelf reindex` refreshes it"),
                });
            }
        }

        // Every blob: bytes hash to the key; referenced blobs exist with the right size.
        for (digest, (size, used_by)) in &referenced {
            match blobs.get(digest) {
                None => report.problems.push(Problem {
                    key: keys::blob_key(digest),
                    message: format!("missing blob of {used_by}"),
                }),
                Some((_, stored)) if stored != size => report.problems.push(Problem {
                    key: keys::blob_key(digest),
                    message: format!("{used_by} says {size} bytes, the blob has {stored}"),
                }),
                Some(_) => {}
            }
        }
        let total: u64 = blobs.values().map(|(_, s)| *s).sum();
        let progress = reporter.transfer("verifying blobs", total);
        let checks: Vec<_> = futures::stream::iter(blobs.iter())
            .map(|(digest, (key, _))| async move { (digest, key, self.hash_object(key).await) })
            .buffer_unordered(2)
            .collect()
            .await;
        for (digest, key, hashed) in checks {
            let (n, actual) = hashed?;
            progress.inc(n);
            report.blobs += 1;
            report.bytes_hashed += n;
            if actual != *digest {
                report.problems.push(Problem {
                    key: key.clone(),
                    message: format!("content hashes to {actual}, not to its key"),
                });
            }
        }
        progress.finish();
        Ok(report)
    }

    async fn hash_object(&self, key: &str) -> Result<(u64, Digest)> {
        hash_stored(self.store().as_ref(), &path(key)).await
    }

    /// Materialised manifests must hash to their content id; the index may lag.
    async fn check_derived(&self, index: &ModelIndex, report: &mut VerifyReport) -> Result<()> {
        let model = &index.model;
        let checks: Vec<_> = futures::stream::iter(index.versions.iter())
            .map(|v| async move {
                let key = keys::version_key(model, v.version);
                (key.clone(), v.content_id, self.get_bytes(&key).await)
            })
            .buffered(READ_CONCURRENCY)
            .collect()
            .await;
        for (key, content_id, bytes) in checks {
            match bytes? {
                None => report.warnings.push(Problem {
                    key,
                    message: "materialised manifest not written yet; `shelf reindex` writes it"
                        .into(),
                }),
                Some(bytes) if Digest::of(&bytes) != content_id => report.problems.push(Problem {
                    key,
                    message: format!(
                        "hashes to {}, but the log gives content id {content_id}",
                        Digest::of(&bytes)
                    ),
                }),
                Some(_) => {}
            }
        }
        let key = keys::model_index_key(model);
        let message = match self.get_bytes(&key).await? {
            None => Some("model index not written yet".to_string()),
            Some(bytes) => match decode::<ModelIndex>(&key, &bytes) {
                Err(e) => Some(format!("unreadable derived index: {e}")),
                Ok(stored) if stored.head.map(|h| h.seq) < index.head.map(|h| h.seq) => {
                    Some(format!(
                        "covers the log up to entry {}, the log has {}",
                        stored.head.map_or(0, |h| h.seq),
                        index.head.map_or(0, |h| h.seq)
                    ))
                }
                Ok(stored) if stored.head == index.head && stored.versions != index.versions => {
                    Some("disagrees with the log".to_string())
                }
                Ok(_) => None,
            },
        };
        if let Some(message) = message {
            report.warnings.push(Problem {
                key,
                message: format!("{message}; `shelf reindex` rebuilds it"),
            });
        }
        Ok(())
    }

    /// Rebuild every derived file from the logs.
    pub async fn reindex(&self) -> Result<ReindexReport> {
        self.descriptor().await?;
        let mut report = ReindexReport::default();
        let mut entries = Vec::new();
        for model in self.list_model_names().await? {
            let mut view = ModelView {
                index: ModelIndex::empty(model.clone()),
                problems: Vec::new(),
                caught_up: 0,
            };
            let head = self
                .find_dense_head(|n| keys::log_key(&model, n), 0)
                .await?;
            self.catch_up(&mut view, head, Mode::Lenient).await?;
            report.problems.extend(view.problems);
            for summary in &view.index.versions {
                let key = keys::version_key(&model, summary.version);
                let current = self.get_bytes(&key).await?;
                if current.as_ref().map(|b| Digest::of(b)) == Some(summary.content_id) {
                    continue;
                }
                match self.manifest(&model, summary).await.and_then(|m| Ok(encode(&m)?)) {
                    Ok(bytes) if Digest::of(&bytes) == summary.content_id => {
                        self.put_derived(&key, bytes).await?;
                    }
                    Ok(_) => report.problems.push(Problem {
                        key,
                        message: "the manifest in the log does not re-encode to its content id; left alone".into(),
                    }),
                    Err(e) => report.problems.push(Problem {
                        key,
                        message: e.to_string(),
                    }),
                }
            }
            self.put_derived(&keys::model_index_key(&model), encode(&view.index)?)
                .await?;
            if let Some(entry) = view.index.catalog_entry() {
                entries.push((model.clone(), entry));
            }
            report.models.push(ReindexedModel {
                model,
                versions: view.index.versions.len() as u64,
                head: view.index.head,
            });
        }
        report.catalog_generation = self.update_catalog(&entries, true).await?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_of_key() {
        let (m, rest) =
            split_model_key("models/team/fraud/_log/00000000000000000001.json").unwrap();
        assert_eq!(m.as_str(), "team/fraud");
        assert_eq!(rest, "_log/00000000000000000001.json");
        assert!(split_model_key("blobs/sha256/ab/x").is_none());
    }
}
