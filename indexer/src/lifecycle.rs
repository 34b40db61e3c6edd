//! Lifecycle events after a version exists: aliases, rollbacks, statuses. Each is one
//! immutable log entry, committed with the same put-if-absent protocol as a version and
//! re-validated against the current state on every attempt.

use std::sync::OnceLock;

use shelf_format::{Event, ModelIndex, ModelName, Reference};

use crate::commit::Appender;
use crate::error::Result;
use crate::registry::Registry;

/// What a recorded event did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EventOutcome {
    pub model: ModelName,
    /// The log entry that records it.
    pub seq: u64,
    #[serde(rename = "type")]
    pub event_type: &'static str,
    /// What happened, in a few words (`alias production → v7 (was v6)`).
    pub summary: String,
    pub version: Option<u64>,
    pub attempts: u32,
    /// Derived files that could not be refreshed (the event is recorded all the same).
    pub warnings: Vec<String>,
}

/// Append the event `make` builds from the model's current state (the replay of its log).
/// `make` runs again after every lost race, so it re-validates against what the other
/// writer did, and the commit pipeline checks the event against the lifecycle rules of
/// every state it tries; an event the state refuses (no such version, a transition that
/// makes no sense) is [`crate::Error::Refused`] and nothing is written.
pub async fn append_event(
    registry: &Registry,
    model: &ModelName,
    actor: &str,
    reason: Option<String>,
    make: impl Fn(&ModelIndex) -> Result<Event>,
) -> Result<EventOutcome> {
    // Every recorded text is redacted and checked (docs/format.md §3.4, §5.9): the actor
    // and reason once, before anything is read; the event's own texts with it.
    let (actor, reason, _) = crate::texts::lifecycle(actor, reason, Event::Unknown)?;
    registry.descriptor().await?;
    let mut appender = Appender::open(registry, model, false).await?;
    let committed = appender
        .commit(&actor, reason.clone(), |index, _| {
            let (_, _, event) = crate::texts::lifecycle(&actor, reason.clone(), make(index)?)?;
            Ok((event, ()))
        })
        .await?;
    let warnings = appender.refresh_derived(None).await;
    let entry = committed.entry;
    let summary = appender
        .state()
        .events
        .last()
        .map(|e| e.summary.clone())
        .unwrap_or_default();
    Ok(EventOutcome {
        model: model.clone(),
        seq: entry.seq,
        event_type: entry.event.type_name(),
        summary,
        version: entry.event.version(),
        attempts: committed.attempts,
        warnings,
    })
}

/// Append an event about the version `reference` selects (`fraud@production`,
/// `fraud@7`…). The reference is resolved against the state the first attempt reads, so
/// the model is read once, and an alias that moves while this writer loses a race does
/// not retarget the event; `make` builds the event for that version from the current
/// state (it runs again after a lost race, like [`append_event`]'s).
pub async fn append_version_event(
    registry: &Registry,
    reference: &Reference,
    actor: &str,
    reason: Option<String>,
    make: impl Fn(&ModelIndex, u64) -> Result<Event>,
) -> Result<EventOutcome> {
    let chosen = OnceLock::new();
    append_event(registry, &reference.model, actor, reason, |index| {
        let version = match chosen.get() {
            Some(version) => *version,
            None => {
                let version = shelf_format::read::select_ref(index, reference)?.version;
                *chosen.get_or_init(|| version)
            }
        };
        make(index, version)
    })
    .await
}
