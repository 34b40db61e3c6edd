//! Reading: list models, resolve references, fetch manifests. Every answer is the replay
//! of the logs (`shelf_format::read`, from entry 1): no command resolves a reference to a
//! version or an alias the log does not contain.

use shelf_format::read::{self, Mode, ModelView, Problem};
use shelf_format::{ModelName, Reference, VersionManifest, VersionSummary};

use crate::error::{Error, Result};
use crate::registry::Registry;

/// A model as `shelf list` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ModelSummary {
    pub model: ModelName,
    pub versions: u64,
    pub latest: Option<VersionSummary>,
    pub created_at: Option<shelf_format::Timestamp>,
    pub updated_at: Option<shelf_format::Timestamp>,
}

/// The models of a registry, with what could not be read.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listing {
    pub models: Vec<ModelSummary>,
    pub problems: Vec<Problem>,
}

/// Every model, replayed from the logs.
pub async fn list(registry: &Registry) -> Result<Listing> {
    let (views, mut problems) = registry.all_models().await?;
    let mut models = Vec::with_capacity(views.len());
    for view in views {
        problems.extend(view.problems);
        let index = view.index;
        models.push(ModelSummary {
            model: index.model,
            versions: index.versions.len() as u64,
            latest: index.versions.last().cloned(),
            created_at: index.created_at,
            updated_at: index.updated_at,
        });
    }
    Ok(Listing { models, problems })
}

/// The state of one model (lenient: damaged entries are reported, the rest shown).
pub async fn model(registry: &Registry, model: &ModelName) -> Result<ModelView> {
    registry.descriptor().await?;
    registry.load_model(model, Mode::Lenient).await
}

/// Resolve a reference to a version of its model.
pub async fn resolve(
    registry: &Registry,
    reference: &Reference,
) -> Result<(ModelView, VersionSummary)> {
    let view = model(registry, &reference.model).await?;
    match read::select_ref(&view.index, reference) {
        Ok(summary) => {
            let summary = summary.clone();
            Ok((view, summary))
        }
        // Not "not found" when the log could not be read whole: say what is damaged.
        Err(e) => match &view.damage {
            Some(damage) => Err(Error::Integrity {
                key: damage.key.clone(),
                detail: format!(
                    "{}; {reference} can't be resolved while the log is damaged ({e})",
                    damage.message
                ),
            }),
            None => Err(e.into()),
        },
    }
}

/// The full manifest of a version: the materialised copy when its hash is the content
/// id, the log entry otherwise.
pub async fn manifest(
    registry: &Registry,
    model: &ModelName,
    summary: &VersionSummary,
) -> Result<VersionManifest> {
    Ok(read::load_manifest(registry, model, summary).await?)
}
