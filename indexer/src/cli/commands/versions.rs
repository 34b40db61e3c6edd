//! `shelf versions MODEL`: every version of a model (or of one branch).

use anyhow::Result;
use clap::Args;
use shelf_format::units::{first_line, human_size, short_digest};
use shelf_format::{BranchName, ModelName};

use super::super::{Context, ExitStatus, output};
use super::warn_problems;

#[derive(Debug, Args)]
pub struct VersionsArgs {
    pub model: ModelName,
    /// Only versions pushed with this --branch
    #[arg(long)]
    pub branch: Option<BranchName>,
}

pub async fn run(args: VersionsArgs, ctx: &Context) -> Result<ExitStatus> {
    let mut view = ctx.registry()?.model(&args.model).await?;
    if let Some(branch) = &args.branch {
        view.index
            .versions
            .retain(|v| v.branch.as_ref() == Some(branch));
    }
    let printer = &ctx.printer;
    warn_problems(ctx, &view.problems);
    let index = &view.index;
    if printer.json() {
        printer.document(&output::Versions {
            model: &index.model,
            versions: &index.versions,
            aliases: &index.aliases,
            problems: output::Problem::all(&view.problems),
        })?;
        return Ok(ExitStatus::Success);
    }
    printer.line(format!(
        "{:>7}  {:12}  {:24}  {:16}  {:>9}  {:21}  {}",
        "VERSION", "STATUS", "CREATED", "BY", "SIZE", "CONTENT ID", "METRICS / DESCRIPTION"
    ))?;
    for v in &index.versions {
        let mut tail: Vec<String> = index
            .aliases_of(v.version)
            .iter()
            .map(|a| format!("[{a}]"))
            .collect();
        if let Some(branch) = &v.branch {
            tail.push(format!("branch={branch}"));
        }
        if let Some(parent) = &v.parent {
            tail.push(format!("parent={parent}"));
        }
        let metrics: Vec<String> = v.metrics.iter().map(|(k, x)| format!("{k}={x}")).collect();
        if !metrics.is_empty() {
            tail.push(metrics.join(" "));
        }
        let description = first_line(&v.description);
        if !description.is_empty() {
            tail.push(description.to_string());
        }
        printer.line(format!(
            "{:>7}  {:12}  {:24}  {:16}  {:>9}  {:21}  {}",
            v.version,
            v.effective_status().as_str(),
            v.created_at.to_string(),
            v.created_by,
            human_size(v.size),
            short_digest(&v.content_id),
            tail.join("  ")
        ))?;
    }
    Ok(ExitStatus::Success)
}
