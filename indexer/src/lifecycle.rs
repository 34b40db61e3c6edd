//! Lifecycle events after a version exists: aliases, rollbacks, statuses. Each is one
//! immutable log entry, committed with the same put-if-absent protocol as a version and
//! re-validated against the current state on every attempt.

use std::sync::OnceLock;

use shelf_format::{Event, LogEntry, ModelIndex, ModelName, Reference};

use crate::error::{Error, Result};
use crate::registry::{Mode, Registry, now};

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

impl Registry {
    /// Append the event `make` builds from the model's current state. `make` runs again
    /// after every lost race, so it re-validates against what the other writer did; an
    /// event the state refuses (no such version, a transition that makes no sense) is a
    /// usage error and nothing is written.
    pub async fn append_event(
        &self,
        model: &ModelName,
        actor: &str,
        reason: Option<String>,
        make: impl Fn(&ModelIndex) -> Result<Event>,
    ) -> Result<EventOutcome> {
        self.descriptor().await?;
        let mut view = self.load_model(model, Mode::Strict).await?;
        let (entry, (), attempts) = self
            .commit(&mut view, |index| {
                let event = make(index)?;
                index
                    .check_event(&event)
                    .map_err(|refusal| Error::Usage(refusal.to_string()))?;
                let entry = LogEntry::new(
                    model.clone(),
                    index.next_seq(),
                    index.head.map(|h| h.digest),
                    now(),
                    actor.to_string(),
                    reason.clone(),
                    index.versions.len() as u64,
                    event,
                );
                Ok((entry, ()))
            })
            .await?;
        let warnings = self.refresh_derived(&view.index, None).await;
        let summary = view
            .index
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
            attempts,
            warnings,
        })
    }

    /// Append an event about the version `reference` selects (`fraud@production`,
    /// `fraud@7`…). The reference is resolved against the state the first attempt reads,
    /// so the model is read once, and an alias that moves while this writer loses a race
    /// does not retarget the event; `make` builds the event for that version from the
    /// current state (it runs again after a lost race, like [`Registry::append_event`]'s).
    pub async fn append_version_event(
        &self,
        reference: &Reference,
        actor: &str,
        reason: Option<String>,
        make: impl Fn(&ModelIndex, u64) -> Result<Event>,
    ) -> Result<EventOutcome> {
        let chosen = OnceLock::new();
        self.append_event(&reference.model, actor, reason, |index| {
            let version = match chosen.get() {
                Some(version) => *version,
                None => {
                    let version = crate::read::select(index, reference)?.version;
                    *chosen.get_or_init(|| version)
                }
            };
            make(index, version)
        })
        .await
    }
}
