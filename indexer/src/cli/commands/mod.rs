//! One module per command, each `run(args, &Context) -> Result<ExitStatus>`: call the
//! library, then print its outcome as text or as the command's JSON document.
//!
//! The lifecycle commands about one version (`alias set`, `status`, `tag`, `untag`,
//! `eval`, `deploy`, `undeploy`) share one path, [`record`]: each argument struct says
//! which version it is about and what event it records ([`VersionEvent`]); those about a
//! model (`alias rm`, `rollback`) share [`record_model_event`].

pub mod alias;
pub mod compare;
pub mod completions;
pub mod dataset;
pub mod deploy;
pub mod deployments;
pub mod eval;
pub mod init;
pub mod list;
pub mod log;
pub mod man;
pub mod pull;
pub mod push;
pub mod reindex;
pub mod reproduce;
pub mod rollback;
pub mod serve;
pub mod show;
pub mod site;
pub mod status;
pub mod tag;
pub mod verify;
pub mod versions;

use anyhow::Result;
use shelf::EventOutcome;
use shelf_format::{Event, ModelIndex, ModelName, Reference, Timestamp};

use super::{Context, ExitStatus, output};

/// A lifecycle command about one version of a model.
pub trait VersionEvent {
    /// The version it is about (`fraud@production`, `fraud@7`…).
    fn reference(&self) -> &Reference;
    /// Why, for the audit trail.
    fn reason(&self) -> Option<String>;
    /// The event to record for `version`, in the model's current state `index`. Runs
    /// again after a lost commit race, against the state the other writer left.
    fn event(&self, index: &ModelIndex, version: u64) -> shelf::Result<Event>;
}

/// A lifecycle command about a model as a whole.
pub trait ModelEvent {
    fn model(&self) -> &ModelName;
    fn reason(&self) -> Option<String>;
    /// The event to record in the model's current state `index` (runs again after a lost
    /// race, like [`VersionEvent::event`]).
    fn event(&self, index: &ModelIndex) -> shelf::Result<Event>;
}

/// A new event as this writer records it: also checked against the writer's clock
/// (the format's rule: an evaluation measured neither in the future nor before 1970).
fn against_clock(event: Event) -> shelf::Result<Event> {
    let now = Timestamp::from_datetime(chrono::Utc::now());
    shelf_format::lifecycle::check_clock(&event, now)?;
    Ok(event)
}

/// Record the event `command` makes for the version it names.
pub async fn record(ctx: &Context, command: &impl VersionEvent) -> Result<EventOutcome> {
    let registry = ctx.registry()?;
    let outcome = registry
        .append_version_event(
            command.reference(),
            &ctx.actor(),
            command.reason(),
            |index, version| against_clock(command.event(index, version)?),
        )
        .await?;
    Ok(outcome)
}

/// Record the event `command` makes for its model.
pub async fn record_model_event(ctx: &Context, command: &impl ModelEvent) -> Result<EventOutcome> {
    let registry = ctx.registry()?;
    let outcome = registry
        .append_event(command.model(), &ctx.actor(), command.reason(), |index| {
            against_clock(command.event(index)?)
        })
        .await?;
    Ok(outcome)
}

/// Warn about derived files an event could not refresh.
fn warn_derived(ctx: &Context, outcome: &EventOutcome) {
    for w in &outcome.warnings {
        ctx.printer.warning(format!(
            "{w} (the event is recorded; `shelf reindex` repairs derived files)"
        ));
    }
}

/// Print a recorded event: `fraud: alias production → v7 (was v6)`, or its document.
pub fn print_event(ctx: &Context, outcome: &EventOutcome) -> Result<ExitStatus> {
    warn_derived(ctx, outcome);
    if ctx.printer.json() {
        ctx.printer.document(&output::Event::from(outcome))?;
    } else {
        ctx.printer
            .line(format!("{}: {}", outcome.model, outcome.summary))?;
    }
    Ok(ExitStatus::Success)
}

/// Print several events recorded by one command (`shelf tag`, one per tag).
pub fn print_events(ctx: &Context, outcomes: &[EventOutcome]) -> Result<ExitStatus> {
    if ctx.printer.json() {
        for o in outcomes {
            warn_derived(ctx, o);
        }
        ctx.printer.document(&output::Tags {
            events: outcomes.iter().map(output::Event::from).collect(),
        })?;
        return Ok(ExitStatus::Success);
    }
    for o in outcomes {
        print_event(ctx, o)?;
    }
    Ok(ExitStatus::Success)
}

/// Warn about objects that could not be read.
fn warn_problems(ctx: &Context, problems: &[shelf::Problem]) {
    for p in problems {
        ctx.printer.warning(p);
    }
}

/// `s` when `n` is not 1.
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
