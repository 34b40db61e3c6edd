//! `shelf status REF STATUS`: move a version through its lifecycle.

use anyhow::Result;
use clap::Args;
use shelf_format::{Event, ModelIndex, Reference, Status};

use super::super::{Context, ExitStatus};
use super::{VersionEvent, print_event, record};

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[arg(value_name = "REF")]
    pub reference: Reference,
    pub status: Status,
    /// Why (recorded in the audit trail; required)
    #[arg(long)]
    pub reason: String,
}

pub async fn run(args: StatusArgs, ctx: &Context) -> Result<ExitStatus> {
    let outcome = record(ctx, &args).await?;
    print_event(ctx, &outcome)
}

impl VersionEvent for StatusArgs {
    fn reference(&self) -> &Reference {
        &self.reference
    }

    fn reason(&self) -> Option<String> {
        Some(self.reason.clone())
    }

    fn event(&self, _: &ModelIndex, version: u64) -> shelf::Result<Event> {
        Ok(Event::Status {
            version,
            status: self.status,
        })
    }
}
