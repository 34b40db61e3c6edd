//! `shelf verify`: check every log chain and every blob; exit 1 on any problem.

use anyhow::Result;
use shelf_format::units::human_size;

use super::super::{Context, ExitStatus, output};
use super::plural;

pub async fn run(ctx: &Context) -> Result<ExitStatus> {
    let registry = ctx.registry()?;
    let r = registry.verify(ctx.printer.reporter().as_ref()).await?;
    let status = if r.is_clean() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    };
    let printer = &ctx.printer;
    if printer.json() {
        printer.document(&output::Verify::from(&r))?;
        return Ok(status);
    }
    for w in &r.warnings {
        printer.warning(w);
    }
    // Problems are the result: they print with -q too.
    for p in &r.problems {
        printer.line(format!("problem: {p}"))?;
    }
    printer.line(format!(
        "{}: {} models, {} log entries, {} versions, {} blobs ({}) checked; {} problem{}, {} warning{}",
        if r.is_clean() { "ok" } else { "FAILED" },
        r.models,
        r.log_entries,
        r.versions,
        r.blobs,
        human_size(r.bytes_hashed),
        r.problems.len(),
        plural(r.problems.len()),
        r.warnings.len(),
        plural(r.warnings.len()),
    ))?;
    Ok(status)
}
