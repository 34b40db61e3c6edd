//! History: the audit trail across models (`shelf log`), what runs where
//! (`shelf deployments`), and time travel (`--at`): the state of a model as of a past time,
//! replayed from its log (docs/format.md §7.4).

use futures::StreamExt;
use shelf_format::read::{self, Mode, ModelView, Problem};
use shelf_format::{
    Event, EventSummary, ModelIndex, ModelName, Reference, TargetName, Timestamp, VersionSummary,
    keys,
};

use crate::error::{Error, Result};
use crate::registry::{READ_CONCURRENCY, Registry};

/// The event types `shelf log --action` accepts, as written in the log.
pub const EVENT_TYPES: [&str; 9] = Event::TYPES;

/// A model the catalog lists without a log.
fn no_log(name: &ModelName) -> Problem {
    Problem::new(
        keys::log_key(name, 1),
        "the catalog lists this model but its log has no entries",
    )
}

/// Which audit-trail lines to show.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// One model, or every model.
    pub model: Option<ModelName>,
    /// Only entries at or after this time.
    pub since: Option<Timestamp>,
    /// Only entries by this actor (exact match).
    pub actor: Option<String>,
    /// Only events of this type (one of [`EVENT_TYPES`]).
    pub action: Option<String>,
}

impl LogFilter {
    /// Check the filter's values: an unknown `action` is a usage error naming the types.
    pub fn check(&self) -> Result<()> {
        if let Some(action) = &self.action {
            if !EVENT_TYPES.contains(&action.as_str()) {
                return Err(Error::Usage(format!(
                    "invalid action {action:?}: an action is one of {}",
                    EVENT_TYPES.join(", ")
                )));
            }
        }
        Ok(())
    }

    fn keeps(&self, line: &EventSummary) -> bool {
        self.since.is_none_or(|since| line.time >= since)
            && self.actor.as_ref().is_none_or(|a| &line.actor == a)
            && self.action.as_ref().is_none_or(|t| &line.event_type == t)
    }
}

/// One line of the registry-wide audit trail.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LogLine {
    pub model: ModelName,
    #[serde(flatten)]
    pub event: EventSummary,
}

/// The audit trail, oldest first, with what could not be read.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditLog {
    pub events: Vec<LogLine>,
    pub problems: Vec<Problem>,
}

/// One version running on one target.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeploymentRow {
    pub target: TargetName,
    pub model: ModelName,
    pub version: u64,
    /// Percent of the target's traffic.
    pub traffic: f64,
}

/// What runs where (now, or as of `at`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Deployments {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    /// By target, then model, then version.
    pub deployments: Vec<DeploymentRow>,
    pub problems: Vec<Problem>,
}

/// Every model's state (lenient), each replayed from its log. Models the catalog lists
/// whose log is gone are reported as problems.
pub async fn all_models(registry: &Registry) -> Result<(Vec<ModelView>, Vec<Problem>)> {
    registry.descriptor().await?;
    let (names, mut problems) = known_model_names(registry).await?;
    let loaded: Vec<(ModelName, Result<ModelView>)> = futures::stream::iter(names)
        .map(|name| async move {
            let view = registry.load_model(&name, Mode::Lenient).await;
            (name, view)
        })
        .buffered(READ_CONCURRENCY)
        .collect()
        .await;
    let mut views = Vec::new();
    for (name, view) in loaded {
        match view {
            Ok(view) => views.push(view),
            Err(Error::NoModel { .. }) => problems.push(no_log(&name)),
            Err(e) => return Err(e),
        }
    }
    Ok((views, problems))
}

/// Every model name: those with a log (listed) and those the catalog knows.
async fn known_model_names(registry: &Registry) -> Result<(Vec<ModelName>, Vec<Problem>)> {
    let mut names = registry.list_model_names().await?;
    let (_, catalog, problems) = registry.read_catalog().await?;
    if let Some(catalog) = catalog {
        names.extend(catalog.models.keys().cloned());
    }
    names.sort();
    names.dedup();
    Ok((names, problems))
}

/// The views of `model` only, or of every model.
async fn models(
    registry: &Registry,
    model: Option<&ModelName>,
) -> Result<(Vec<ModelView>, Vec<Problem>)> {
    match model {
        Some(model) => Ok((vec![registry.model(model).await?], Vec::new())),
        None => all_models(registry).await,
    }
}

/// The audit trail, registry-wide or of one model, filtered; oldest first (by time, then
/// model, then log position).
pub async fn audit_log(registry: &Registry, filter: &LogFilter) -> Result<AuditLog> {
    filter.check()?;
    let (views, mut problems) = models(registry, filter.model.as_ref()).await?;
    let mut events = Vec::new();
    for view in views {
        problems.extend(view.problems);
        let model = view.index.model;
        events.extend(
            view.index
                .events
                .into_iter()
                .filter(|line| filter.keeps(line))
                .map(|event| LogLine {
                    model: model.clone(),
                    event,
                }),
        );
    }
    events.sort_by(|a, b| {
        (a.event.time, &a.model, a.event.seq).cmp(&(b.event.time, &b.model, b.event.seq))
    });
    Ok(AuditLog { events, problems })
}

/// The state of `model` as of `at`. Asking for a time before the model's first entry is
/// [`Error::NotYetCreated`], saying when the model was created.
pub async fn model_at(registry: &Registry, model: &ModelName, at: Timestamp) -> Result<ModelIndex> {
    registry.descriptor().await?;
    state_as_of(registry, model, at).await
}

/// [`model_at`] without checking the registry descriptor (callers did). The log is read
/// strictly up to `at`: time travel needs every entry before it.
async fn state_as_of(registry: &Registry, model: &ModelName, at: Timestamp) -> Result<ModelIndex> {
    let as_of = read::load_as_of(registry, model, at, None, Mode::Strict).await?;
    match (as_of.state.head, as_of.first) {
        (None, Some(first)) => Err(Error::NotYetCreated {
            model: model.clone(),
            at,
            first,
        }),
        _ => Ok(as_of.state),
    }
}

/// Resolve `reference` against the state of its model as of `at`: which version an alias
/// pointed to then, which version was the latest then.
pub async fn resolve_at(
    registry: &Registry,
    reference: &Reference,
    at: Timestamp,
) -> Result<(ModelIndex, VersionSummary)> {
    let state = model_at(registry, &reference.model, at).await?;
    let summary = read::select_ref(&state, reference)
        .map_err(|error| Error::Select {
            error,
            at: Some(at),
        })?
        .clone();
    Ok((state, summary))
}

/// What runs where: every target of `model` (or of every model), now or as of `at`. With
/// `at`, models that did not exist yet are left out (or, for a named model, an error).
pub async fn deployments(
    registry: &Registry,
    model: Option<&ModelName>,
    at: Option<Timestamp>,
) -> Result<Deployments> {
    let mut states = Vec::new();
    let problems = match at {
        // Now: each log replayed.
        None => {
            let (views, mut problems) = models(registry, model).await?;
            for view in views {
                problems.extend(view.problems);
                states.push(view.index);
            }
            problems
        }
        // Then: each log replayed up to `at`.
        Some(at) => {
            registry.descriptor().await?;
            let (names, mut problems) = match model {
                Some(model) => (vec![model.clone()], Vec::new()),
                None => known_model_names(registry).await?,
            };
            for name in names {
                match state_as_of(registry, &name, at).await {
                    Ok(state) => states.push(state),
                    // Registry-wide, a model that did not exist yet ran nowhere.
                    Err(Error::NotYetCreated { .. }) if model.is_none() => {}
                    Err(Error::NoModel { .. }) if model.is_none() => problems.push(no_log(&name)),
                    Err(e) => return Err(e),
                }
            }
            problems
        }
    };
    let mut deployments: Vec<DeploymentRow> = states
        .into_iter()
        .flat_map(|state| {
            let model = state.model;
            state
                .deployments
                .into_iter()
                .flat_map(move |(target, shares)| {
                    let model = model.clone();
                    shares
                        .into_iter()
                        .map(move |(version, traffic)| DeploymentRow {
                            target: target.clone(),
                            model: model.clone(),
                            version,
                            traffic,
                        })
                })
        })
        .collect();
    deployments
        .sort_by(|a, b| (&a.target, &a.model, a.version).cmp(&(&b.target, &b.model, b.version)));
    Ok(Deployments {
        at,
        deployments,
        problems,
    })
}
