//! `shelf eval REF --metric k=v...`: metrics measured after registration. An evaluation
//! measured in the future or before 1970 is refused (the format's `check_clock`, applied
//! to every event this writer records).

use std::collections::BTreeMap;

use anyhow::Result;
use clap::Args;
use shelf_format::{Event, Key, ModelIndex, Reference, Timestamp};

use super::super::args::{self, Metric};
use super::super::{Context, ExitStatus};
use super::{VersionEvent, print_event, record};

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[arg(value_name = "REF")]
    pub reference: Reference,
    /// A measured metric, e.g. --metric auc=0.87 (repeatable, at least one)
    #[arg(long = "metric", value_name = "KEY=VALUE", required = true)]
    pub metrics: Vec<Metric>,
    /// The data it was measured on, e.g. prod-2026-10
    #[arg(long)]
    pub dataset: Option<String>,
    /// When it was measured (RFC 3339, UTC) [default: now]; not in the future
    #[arg(long, value_name = "TIME")]
    pub at: Option<Timestamp>,
    /// Why (recorded in the audit trail)
    #[arg(long)]
    pub reason: Option<String>,
}

/// The evaluation to record.
struct Evaluation {
    args: EvalArgs,
    metrics: BTreeMap<Key, f64>,
    measured_at: Timestamp,
}

pub async fn run(args: EvalArgs, ctx: &Context) -> Result<ExitStatus> {
    let metrics = args::metrics(&args.metrics)?;
    let measured_at = args
        .at
        .unwrap_or_else(|| Timestamp::from_datetime(chrono::Utc::now()));
    let evaluation = Evaluation {
        args,
        metrics,
        measured_at,
    };
    let outcome = record(ctx, &evaluation).await?;
    print_event(ctx, &outcome)
}

impl VersionEvent for Evaluation {
    fn reference(&self) -> &Reference {
        &self.args.reference
    }

    fn reason(&self) -> Option<String> {
        self.args.reason.clone()
    }

    fn event(&self, _: &ModelIndex, version: u64) -> shelf::Result<Event> {
        Ok(Event::Evaluation {
            version,
            metrics: self.metrics.clone(),
            dataset: self.args.dataset.clone(),
            measured_at: self.measured_at,
        })
    }
}
