//! `shelf reindex`: rebuild every derived file from the logs.
//!
//! Derived files are written only from replays that read the whole log: a model whose log
//! can't be read whole (an unreadable entry, a gap, a transient fault that truncated a
//! read) keeps its derived files as they are and is reported. The catalog is rebuilt with
//! the writers' guarantees (`crate::commit::CatalogUpdate::Rebuild`): a model created
//! while the reindex runs is never dropped.

use shelf_format::read::{Mode, Problem};
use shelf_format::{Digest, LogHead, ModelName, encode, keys};

use crate::commit::{CatalogUpdate, update_catalog};
use crate::error::{Error, Result};
use crate::registry::Registry;

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

/// Rebuild every derived file from the logs.
pub async fn reindex(registry: &Registry) -> Result<ReindexReport> {
    registry.descriptor().await?;
    let mut report = ReindexReport::default();
    let mut entries = Vec::new();
    let mut skipped = Vec::new();
    for model in registry.list_model_names().await? {
        let view = match registry.load_model(&model, Mode::Lenient).await {
            Ok(view) => view,
            // Listed, then gone (or never had entry 1): nothing to rebuild from.
            Err(Error::NoModel { .. }) => continue,
            Err(e) => return Err(e),
        };
        report.problems.extend(view.problems.iter().cloned());
        if let Some(damage) = &view.damage {
            report.problems.push(Problem::new(
                keys::model_index_key(&model),
                format!("left as it is: the log could not be read whole ({damage})"),
            ));
            skipped.push(model);
            continue;
        }
        for summary in &view.index.versions {
            let key = keys::version_key(&model, summary.version);
            let current = registry.get_bytes(&key).await?;
            if current.as_ref().map(|b| Digest::of(b)) == Some(summary.content_id) {
                continue;
            }
            match registry
                .manifest(&model, summary)
                .await
                .and_then(|m| Ok(encode(&m)?))
            {
                Ok(bytes) if Digest::of(&bytes) == summary.content_id => {
                    registry.put_derived(&key, bytes).await?;
                }
                Ok(_) => report.problems.push(Problem::new(
                    key,
                    "the manifest in the log does not re-encode to its content id; left alone",
                )),
                Err(e) => report.problems.push(Problem::new(key, e.to_string())),
            }
        }
        let index_key = keys::model_index_key(&model);
        let bytes = encode(&view.index)?;
        if registry.get_bytes(&index_key).await?.as_deref() != Some(bytes.as_slice()) {
            registry.put_derived(&index_key, bytes).await?;
        }
        if let Some(entry) = view.index.catalog_entry() {
            entries.push((model.clone(), entry));
        }
        report.models.push(ReindexedModel {
            model,
            versions: view.index.versions.len() as u64,
            head: view.index.head,
        });
    }
    report.catalog_generation =
        update_catalog(registry, &CatalogUpdate::Rebuild { entries, skipped }).await?;
    Ok(report)
}
