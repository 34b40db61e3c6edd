//! `shelf alias set REF ALIAS` and `shelf alias rm MODEL ALIAS`.

use anyhow::Result;
use clap::{Args, Subcommand};
use shelf_format::lifecycle::ExpectCurrent;
use shelf_format::{AliasName, Event, ModelIndex, ModelName, Reference};

use super::super::{Context, ExitStatus};
use super::{ModelEvent, VersionEvent, print_event, record, record_model_event};

#[derive(Debug, Subcommand)]
pub enum AliasCommand {
    /// Point ALIAS at the version REF names: `shelf alias set fraud@7 production --reason …`
    Set(AliasSetArgs),
    /// Remove ALIAS from MODEL
    Rm(AliasRmArgs),
}

#[derive(Debug, Args)]
pub struct AliasSetArgs {
    /// model@7, model@latest, model@sha256:<prefix>, model@other-alias
    #[arg(value_name = "REF")]
    pub reference: Reference,
    pub alias: AliasName,
    /// Why (recorded in the audit trail; required for promotions)
    #[arg(long)]
    pub reason: String,
    /// Refuse (exit 1) unless the alias currently points at this version (`none`: unset)
    #[arg(long, value_name = "VERSION")]
    pub expect_current: Option<ExpectCurrent>,
}

#[derive(Debug, Args)]
pub struct AliasRmArgs {
    pub model: ModelName,
    pub alias: AliasName,
    /// Why (recorded in the audit trail)
    #[arg(long)]
    pub reason: Option<String>,
}

pub async fn run(command: AliasCommand, ctx: &Context) -> Result<ExitStatus> {
    let outcome = match command {
        AliasCommand::Set(args) => record(ctx, &args).await?,
        AliasCommand::Rm(args) => record_model_event(ctx, &args).await?,
    };
    print_event(ctx, &outcome)
}

impl VersionEvent for AliasSetArgs {
    fn reference(&self) -> &Reference {
        &self.reference
    }

    fn reason(&self) -> Option<String> {
        Some(self.reason.clone())
    }

    /// Checked against the state of each attempt: an alias that moved under this writer
    /// (`--expect-current`) refuses the event, nothing is written.
    fn event(&self, index: &ModelIndex, version: u64) -> shelf::Result<Event> {
        let current = index.alias_version(&self.alias);
        if let Some(expected) = self.expect_current.filter(|e| !e.matches(current)) {
            return Err(shelf::Error::Moved {
                what: format!("alias {} of {}", self.alias, self.reference.model),
                expected: expected.to_string(),
                found: ExpectCurrent::of(current).to_string(),
            });
        }
        Ok(Event::AliasSet {
            alias: self.alias.clone(),
            version,
            rollback: false,
        })
    }
}

impl ModelEvent for AliasRmArgs {
    fn model(&self) -> &ModelName {
        &self.model
    }

    fn reason(&self) -> Option<String> {
        self.reason.clone()
    }

    fn event(&self, _: &ModelIndex) -> shelf::Result<Event> {
        Ok(Event::AliasUnset {
            alias: self.alias.clone(),
        })
    }
}
