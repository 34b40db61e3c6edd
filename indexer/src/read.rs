//! Reading: list models, resolve references, fetch manifests.

use futures::StreamExt;
use shelf_format::{
    Digest, Event, ModelName, Reference, Selector, VersionManifest, VersionSummary, decode, keys,
};

use crate::error::{Error, Result};
use crate::registry::{Mode, ModelView, Problem, READ_CONCURRENCY, Registry};

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

impl Registry {
    /// Every model, from the logs (through the derived indexes where they agree).
    pub async fn list(&self) -> Result<Listing> {
        self.descriptor().await?;
        let mut names = self.list_model_names().await?;
        let (_, catalog, mut problems) = self.read_catalog().await?;
        if let Some(catalog) = catalog {
            names.extend(catalog.models.keys().cloned());
        }
        names.sort();
        names.dedup();
        let views: Vec<(ModelName, Result<ModelView>)> = futures::stream::iter(names)
            .map(|name| async move {
                let view = self.load_model(&name, Mode::Lenient).await;
                (name, view)
            })
            .buffered(READ_CONCURRENCY)
            .collect()
            .await;
        let mut models = Vec::new();
        for (name, view) in views {
            match view {
                Ok(view) => {
                    problems.extend(view.problems);
                    let index = view.index;
                    models.push(ModelSummary {
                        model: name,
                        versions: index.versions.len() as u64,
                        latest: index.versions.last().cloned(),
                        created_at: index.created_at,
                        updated_at: index.updated_at,
                    });
                }
                // Listed in the catalog but its log is gone.
                Err(Error::NotFound { .. }) => problems.push(Problem {
                    key: keys::log_key(&name, 1),
                    message: "the catalog lists this model but its log has no entries".into(),
                }),
                Err(e) => return Err(e),
            }
        }
        Ok(Listing { models, problems })
    }

    /// The state of one model (lenient: damaged entries are reported, the rest shown).
    pub async fn model(&self, model: &ModelName) -> Result<ModelView> {
        self.descriptor().await?;
        self.load_model(model, Mode::Lenient).await
    }

    /// Resolve a reference to a version of its model.
    pub async fn resolve(&self, reference: &Reference) -> Result<(ModelView, VersionSummary)> {
        let view = self.model(&reference.model).await?;
        let versions = &view.index.versions;
        let found = match &reference.selector {
            Selector::Latest => versions.last().cloned(),
            Selector::Version(n) => versions.iter().find(|v| v.version == *n).cloned(),
            Selector::Alias(a) => view.index.resolve_alias(a).cloned(),
            Selector::ContentId(prefix) => {
                let matches: Vec<&VersionSummary> = versions
                    .iter()
                    .filter(|v| v.content_id.hex().starts_with(prefix.as_str()))
                    .collect();
                if matches.len() > 1 {
                    let list: Vec<String> = matches
                        .iter()
                        .map(|v| format!("{}@{}", reference.model, v.version))
                        .collect();
                    return Err(Error::Usage(format!(
                        "{reference} is ambiguous: it matches {}; give more digits",
                        list.join(", ")
                    )));
                }
                matches.first().map(|v| (*v).clone())
            }
        };
        match found {
            Some(summary) => Ok((view, summary)),
            None => Err(Error::NotFound {
                what: format!(
                    "{reference} ({} has {} version{})",
                    reference.model,
                    versions.len(),
                    if versions.len() == 1 { "" } else { "s" }
                ),
            }),
        }
    }

    /// The full manifest of a version: the materialised copy when its hash is the content
    /// id, the log entry otherwise.
    pub async fn manifest(
        &self,
        model: &ModelName,
        summary: &VersionSummary,
    ) -> Result<VersionManifest> {
        let key = keys::version_key(model, summary.version);
        if let Some(bytes) = self.get_bytes(&key).await? {
            if Digest::of(&bytes) == summary.content_id {
                if let Ok(manifest) = decode::<VersionManifest>(&key, &bytes) {
                    return Ok(manifest);
                }
            }
        }
        let log_key = keys::log_key(model, summary.seq);
        let (_, parsed) =
            self.read_entry(model, summary.seq)
                .await?
                .ok_or_else(|| Error::Integrity {
                    key: log_key.clone(),
                    detail: "the entry that registered this version is missing".into(),
                })?;
        match parsed?.event {
            Event::Register {
                content_id,
                manifest,
                ..
            } if content_id == summary.content_id => Ok(*manifest),
            _ => Err(Error::Integrity {
                key: log_key,
                detail: format!("does not register version {}", summary.version),
            }),
        }
    }
}
