//! `shelf deploy REF --target T` and `shelf undeploy REF --target T`. The traffic rules
//! (a share above 0 and at most 100, shares of a target adding up to at most 100) are the
//! format's, checked by the library before anything is written.

use anyhow::Result;
use clap::Args;
use shelf_format::{Event, ModelIndex, Reference, TargetName};

use super::super::{Context, ExitStatus};
use super::{VersionEvent, print_event, record};

#[derive(Debug, Args)]
pub struct DeployArgs {
    #[arg(value_name = "REF")]
    pub reference: Reference,
    /// Where it runs: an environment, a fleet, a vehicle line (eu-prod, fleet/line-7)
    #[arg(long)]
    pub target: TargetName,
    /// Percent of the target's traffic (0 < traffic <= 100); all versions on a target
    /// add up to at most 100. Deploying a version already there changes its share.
    #[arg(long, default_value_t = 100.0)]
    pub traffic: f64,
    /// Why (recorded in the audit trail; required)
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct UndeployArgs {
    #[arg(value_name = "REF")]
    pub reference: Reference,
    #[arg(long)]
    pub target: TargetName,
    /// Why (recorded in the audit trail; required)
    #[arg(long)]
    pub reason: String,
}

pub async fn run(args: DeployArgs, ctx: &Context) -> Result<ExitStatus> {
    let outcome = record(ctx, &args).await?;
    print_event(ctx, &outcome)
}

pub async fn run_undeploy(args: UndeployArgs, ctx: &Context) -> Result<ExitStatus> {
    let outcome = record(ctx, &args).await?;
    print_event(ctx, &outcome)
}

impl VersionEvent for DeployArgs {
    fn reference(&self) -> &Reference {
        &self.reference
    }

    fn reason(&self) -> Option<String> {
        Some(self.reason.clone())
    }

    fn event(&self, _: &ModelIndex, version: u64) -> shelf::Result<Event> {
        Ok(Event::Deployment {
            version,
            target: self.target.clone(),
            traffic: self.traffic,
        })
    }
}

impl VersionEvent for UndeployArgs {
    fn reference(&self) -> &Reference {
        &self.reference
    }

    fn reason(&self) -> Option<String> {
        Some(self.reason.clone())
    }

    fn event(&self, _: &ModelIndex, version: u64) -> shelf::Result<Event> {
        Ok(Event::Undeployment {
            version,
            target: self.target.clone(),
        })
    }
}
