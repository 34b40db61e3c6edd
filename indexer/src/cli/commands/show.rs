//! `shelf show REF [--at TIME]`: a version's manifest with its lifecycle state, now or as
//! of a past time.

use anyhow::Result;
use clap::Args;
use shelf_format::lifecycle::percent;
use shelf_format::units::human_size;
use shelf_format::{ModelIndex, Reference, TargetName, Timestamp};

use super::super::{Context, ExitStatus, output};
use super::warn_problems;

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// model@7, model@latest, model@production, model@sha256:<prefix>, or model (the latest)
    #[arg(value_name = "REF")]
    pub reference: Reference,
    /// Time travel: resolve REF, and show statuses, tags and aliases, as they were at this
    /// time (RFC 3339, e.g. 2026-10-01T12:00:00Z)
    #[arg(long, value_name = "TIME")]
    pub at: Option<Timestamp>,
}

/// The targets `version` runs on, with its share of each.
fn deployments_of(index: &ModelIndex, version: u64) -> Vec<(&TargetName, f64)> {
    index
        .deployments
        .iter()
        .filter_map(|(target, shares)| shares.get(&version).map(|t| (target, *t)))
        .collect()
}

pub async fn run(args: ShowArgs, ctx: &Context) -> Result<ExitStatus> {
    let registry = ctx.registry()?;
    let reference = &args.reference;
    let (index, summary, problems) = match args.at {
        None => {
            let (view, summary) = registry.resolve(reference).await?;
            (view.index, summary, view.problems)
        }
        Some(at) => {
            let (index, summary) = registry.resolve_at(reference, at).await?;
            (index, summary, Vec::new())
        }
    };
    let manifest = registry.manifest(&reference.model, &summary).await?;
    let printer = &ctx.printer;
    warn_problems(ctx, &problems);
    let aliases = index.aliases_of(summary.version);
    let deployments = deployments_of(&index, summary.version);
    if printer.json() {
        printer.document(&output::Show {
            reference: manifest.version_ref().to_string(),
            as_of: args.at,
            content_id: summary.content_id,
            seq: summary.seq,
            status: summary.effective_status(),
            aliases,
            tags: &summary.tags,
            evaluations: &summary.evaluations,
            deployments,
            manifest: &manifest,
        })?;
        return Ok(ExitStatus::Success);
    }
    let mut lines = vec![manifest.version_ref().to_string()];
    if let Some(at) = args.at {
        lines.push(format!("as of:       {at}"));
    }
    lines.extend([
        format!("content id:  {}", summary.content_id),
        format!(
            "created:     {} by {}",
            manifest.created_at, manifest.created_by
        ),
        format!("status:      {}", summary.effective_status()),
    ]);
    if !aliases.is_empty() {
        let names: Vec<&str> = aliases.iter().map(|a| a.as_str()).collect();
        lines.push(format!("aliases:     {}", names.join(", ")));
    }
    if let Some(parent) = &manifest.parent {
        lines.push(format!("parent:      {parent} ({})", parent.content_id));
    }
    if let Some(branch) = &manifest.branch {
        lines.push(format!("branch:      {branch}"));
    }
    if !manifest.description.is_empty() {
        lines.push("description:".into());
        lines.extend(manifest.description.lines().map(|l| format!("  {l}")));
    }
    let pairs = |items: Vec<(String, String)>| -> Vec<String> {
        items
            .into_iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect()
    };
    let sections = [
        (
            "metrics",
            pairs(
                manifest
                    .metrics
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
        ),
        (
            "params",
            pairs(
                manifest
                    .params
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
        ),
        (
            "labels",
            pairs(
                manifest
                    .labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            ),
        ),
        (
            "tags",
            pairs(
                summary
                    .tags
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            ),
        ),
        (
            "evaluations",
            summary
                .evaluations
                .iter()
                .map(|e| {
                    let on = e
                        .dataset
                        .as_ref()
                        .map_or(String::new(), |d| format!(" on {d}"));
                    let metrics: Vec<String> =
                        e.metrics.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    format!(
                        "{}{on} by {}: {}",
                        e.measured_at,
                        e.actor,
                        metrics.join(" ")
                    )
                })
                .collect(),
        ),
        (
            "deployments",
            deployments
                .iter()
                .map(|(target, traffic)| format!("{target} {}%", percent(*traffic)))
                .collect(),
        ),
        (
            "artifacts",
            manifest
                .artifacts
                .iter()
                .map(|a| format!("{}  {}  {}", a.path, human_size(a.size), a.digest))
                .collect(),
        ),
    ];
    for (title, items) in sections {
        if !items.is_empty() {
            lines.push(format!("{title}:"));
            lines.extend(items.into_iter().map(|i| format!("  {i}")));
        }
    }
    // One line per call: a newline inside a value is escaped, never a line of its own.
    for line in lines {
        printer.line(line)?;
    }
    Ok(ExitStatus::Success)
}
