//! `shelf rollback MODEL ALIAS`: move an alias back to the version it pointed to before.

use anyhow::Result;
use clap::Args;
use shelf_format::{AliasName, Event, ModelIndex, ModelName};

use super::super::{Context, ExitStatus};
use super::{ModelEvent, print_event, record_model_event};

#[derive(Debug, Args)]
pub struct RollbackArgs {
    pub model: ModelName,
    pub alias: AliasName,
    /// Why (recorded in the audit trail; required)
    #[arg(long)]
    pub reason: String,
}

pub async fn run(args: RollbackArgs, ctx: &Context) -> Result<ExitStatus> {
    let outcome = record_model_event(ctx, &args).await?;
    print_event(ctx, &outcome)
}

impl ModelEvent for RollbackArgs {
    fn model(&self) -> &ModelName {
        &self.model
    }

    fn reason(&self) -> Option<String> {
        Some(self.reason.clone())
    }

    /// The version before the current one on the alias's stack (the model's rule).
    fn event(&self, index: &ModelIndex) -> shelf::Result<Event> {
        let (_, to) = index.rollback_target(&self.alias)?;
        Ok(Event::AliasSet {
            alias: self.alias.clone(),
            version: to,
            rollback: true,
        })
    }
}
