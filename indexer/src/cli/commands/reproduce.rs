//! `shelf reproduce REF [-o DIR]`: write a reproduction kit for a version.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use shelf_format::Reference;

use super::super::{Context, ExitStatus, output};

#[derive(Debug, Args)]
pub struct ReproduceArgs {
    #[arg(value_name = "REF")]
    pub reference: Reference,
    /// Folder to write into [default: reproduce-MODEL-VERSION]
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

pub async fn run(args: ReproduceArgs, ctx: &Context) -> Result<ExitStatus> {
    let registry = ctx.registry()?;
    let reference = &args.reference;
    let dir = match args.output {
        Some(dir) => dir,
        None => {
            let (_, summary) = registry.resolve(reference).await?;
            format!(
                "reproduce-{}-{}",
                reference.model.as_str().replace('/', "-"),
                summary.version
            )
            .into()
        }
    };
    let o = registry.reproduce(reference, &dir).await?;
    let printer = &ctx.printer;
    if printer.json() {
        printer.document(&output::Reproduce::from(&o))?;
        return Ok(ExitStatus::Success);
    }
    for gap in &o.gaps {
        printer.summary(format!("missing: {gap}"));
    }
    for f in &o.files {
        printer.line(o.directory.join(f).display().to_string())?;
    }
    printer.summary(format!(
        "{}: reproduction kit written; start with {}",
        output::reference(&o.model, o.version),
        o.directory.join("REPRODUCE.md").display()
    ));
    Ok(ExitStatus::Success)
}
