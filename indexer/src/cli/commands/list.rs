//! `shelf list`: every model, its latest version, number of versions, last update.

use anyhow::Result;

use super::super::{Context, ExitStatus, output};
use super::warn_problems;

pub async fn run(ctx: &Context) -> Result<ExitStatus> {
    let listing = ctx.registry()?.list().await?;
    let printer = &ctx.printer;
    warn_problems(ctx, &listing.problems);
    if printer.json() {
        printer.document(&output::List::from(&listing))?;
        return Ok(ExitStatus::Success);
    }
    if listing.models.is_empty() {
        printer.summary("no models yet: push one with `shelf push MODEL FILE...`");
        return Ok(ExitStatus::Success);
    }
    let width = listing
        .models
        .iter()
        .map(|m| m.model.as_str().len())
        .max()
        .unwrap_or(5)
        .max(5);
    printer.line(format!(
        "{:width$}  {:>6}  {:>8}  {:24}  {}",
        "MODEL", "LATEST", "VERSIONS", "UPDATED", "BY"
    ))?;
    for m in &listing.models {
        let latest = m.latest.as_ref();
        printer.line(format!(
            "{:width$}  {:>6}  {:>8}  {:24}  {}",
            m.model.as_str(),
            latest.map_or("-".into(), |v| v.version.to_string()),
            m.versions,
            m.updated_at.map_or("-".into(), |t| t.to_string()),
            latest.map_or("-", |v| v.created_by.as_str()),
        ))?;
    }
    Ok(ExitStatus::Success)
}
