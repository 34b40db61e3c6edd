//! `shelf reindex`: rebuild every derived file from the logs.

use anyhow::Result;

use super::super::{Context, ExitStatus, output};
use super::{plural, warn_problems};

pub async fn run(ctx: &Context) -> Result<ExitStatus> {
    let r = ctx.registry()?.reindex().await?;
    let printer = &ctx.printer;
    warn_problems(ctx, &r.problems);
    if printer.json() {
        printer.document(&output::Reindex::from(&r))?;
        return Ok(ExitStatus::Success);
    }
    for m in &r.models {
        printer.line(format!("{}: {} versions", m.model, m.versions))?;
    }
    printer.line(format!(
        "reindexed {} model{}; catalog generation {}",
        r.models.len(),
        plural(r.models.len()),
        r.catalog_generation
            .map_or("unchanged".to_string(), |g| g.to_string())
    ))?;
    Ok(ExitStatus::Success)
}
