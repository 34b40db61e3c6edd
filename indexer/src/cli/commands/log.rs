//! `shelf log [MODEL]`: the audit trail, one line per entry.

use anyhow::Result;
use clap::Args;
use shelf::LogFilter;
use shelf_format::units::first_line;
use shelf_format::{ModelName, Timestamp};

use super::super::{Context, ExitStatus, output};
use super::warn_problems;

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only this model [default: every model]
    pub model: Option<ModelName>,
    /// Only entries at or after this time (RFC 3339)
    #[arg(long, value_name = "TIME")]
    pub since: Option<Timestamp>,
    /// Only entries by this actor
    #[arg(long)]
    pub actor: Option<String>,
    /// Only events of this type: register, alias-set, alias-unset, status, tag, untag,
    /// evaluation, deployment, undeployment
    #[arg(long, value_name = "KIND")]
    pub action: Option<String>,
}

pub async fn run(args: LogArgs, ctx: &Context) -> Result<ExitStatus> {
    let filter = LogFilter {
        model: args.model,
        since: args.since,
        actor: args.actor,
        action: args.action,
    };
    let log = ctx.registry()?.audit_log(&filter).await?;
    let printer = &ctx.printer;
    warn_problems(ctx, &log.problems);
    if printer.json() {
        printer.document(&output::Log::from(&log))?;
        return Ok(ExitStatus::Success);
    }
    if log.events.is_empty() {
        printer.summary("no matching entries");
        return Ok(ExitStatus::Success);
    }
    for line in &log.events {
        let e = &line.event;
        let mut text = format!(
            "{}  {}#{}  {}  {}",
            e.time, line.model, e.seq, e.actor, e.summary
        );
        if let Some(reason) = &e.reason {
            text.push_str(&format!("  — {}", first_line(reason)));
        }
        if let Some(problem) = &e.problem {
            text.push_str(&format!("  [NOT APPLIED: {problem}]"));
        }
        // One entry, one line: a newline in an actor or a summary is escaped.
        printer.line(text)?;
    }
    Ok(ExitStatus::Success)
}
