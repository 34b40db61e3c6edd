//! Reading: list models, resolve references, fetch manifests.

use shelf_format::{
    Digest, Event, ModelIndex, ModelName, Reference, Selector, VersionManifest, VersionSummary,
    decode, keys,
};

use crate::error::{Error, Result};
use crate::registry::{Mode, ModelView, Problem, Registry};

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
        let (views, mut problems) = self.all_models().await?;
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
    pub async fn model(&self, model: &ModelName) -> Result<ModelView> {
        self.descriptor().await?;
        self.load_model(model, Mode::Lenient).await
    }

    /// Resolve a reference to a version of its model.
    pub async fn resolve(&self, reference: &Reference) -> Result<(ModelView, VersionSummary)> {
        let view = self.model(&reference.model).await?;
        let summary = select(&view.index, reference)?.clone();
        Ok((view, summary))
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

/// The version `reference` selects in `index` (the state of its model). A missing version
/// or alias is [`Error::NotFound`] saying what there is instead.
pub(crate) fn select<'a>(
    index: &'a ModelIndex,
    reference: &Reference,
) -> Result<&'a VersionSummary> {
    let versions = &index.versions;
    let found = match &reference.selector {
        Selector::Latest => versions.last(),
        Selector::Version(n) => index.version(*n),
        Selector::Alias(alias) => {
            return index.resolve_alias(alias).ok_or_else(|| {
                let set: Vec<&str> = index.aliases.keys().map(|a| a.as_str()).collect();
                Error::NotFound {
                    what: format!(
                        "alias {alias} of {} ({})",
                        reference.model,
                        if set.is_empty() {
                            "it has no aliases".to_string()
                        } else {
                            format!("its aliases: {}", set.join(", "))
                        }
                    ),
                }
            });
        }
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
            matches.first().copied()
        }
    };
    found.ok_or_else(|| Error::NotFound {
        what: format!(
            "{reference} ({} has {} version{})",
            reference.model,
            versions.len(),
            if versions.len() == 1 { "" } else { "s" }
        ),
    })
}
