//! `shelf deployments [MODEL] [--at TIME]`: what runs where, now or then.

use anyhow::Result;
use clap::Args;
use shelf_format::lifecycle::percent;
use shelf_format::{ModelName, Timestamp};

use super::super::{Context, ExitStatus, output};
use super::warn_problems;

#[derive(Debug, Args)]
pub struct DeploymentsArgs {
    /// Only this model [default: every model]
    pub model: Option<ModelName>,
    /// What ran where at this past time (RFC 3339, e.g. 2026-10-01T12:00:00Z)
    #[arg(long, value_name = "TIME")]
    pub at: Option<Timestamp>,
}

pub async fn run(args: DeploymentsArgs, ctx: &Context) -> Result<ExitStatus> {
    let d = ctx
        .registry()?
        .deployments(args.model.as_ref(), args.at)
        .await?;
    let printer = &ctx.printer;
    warn_problems(ctx, &d.problems);
    if printer.json() {
        printer.document(&output::Deployments::from(&d))?;
        return Ok(ExitStatus::Success);
    }
    let as_of = d.at.map_or(String::new(), |at| format!(" as of {at}"));
    if d.deployments.is_empty() {
        printer.summary(match d.at {
            Some(_) => format!("nothing was deployed{as_of}"),
            None => "nothing is deployed".to_string(),
        });
        return Ok(ExitStatus::Success);
    }
    if !as_of.is_empty() {
        printer.summary(format!("deployments{as_of}:"));
    }
    let width = |f: &dyn Fn(&shelf::DeploymentRow) -> usize, min: usize| {
        d.deployments.iter().map(f).max().unwrap_or(min).max(min)
    };
    let tw = width(&|r| r.target.as_str().len(), 6);
    let mw = width(&|r| r.model.as_str().len(), 5);
    printer.line(format!(
        "{:tw$}  {:mw$}  {:>7}  {:>8}",
        "TARGET", "MODEL", "VERSION", "TRAFFIC"
    ))?;
    for r in &d.deployments {
        printer.line(format!(
            "{:tw$}  {:mw$}  {:>7}  {:>8}",
            r.target.as_str(),
            r.model.as_str(),
            r.version,
            format!("{}%", percent(r.traffic))
        ))?;
    }
    Ok(ExitStatus::Success)
}
