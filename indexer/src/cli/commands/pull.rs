//! `shelf pull REF [-o DIR]`: download a version's artifacts, verifying each.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use shelf_format::Reference;
use shelf_format::units::{human_size, short_digest};

use super::super::{Context, ExitStatus, output};
use super::plural;

#[derive(Debug, Args)]
pub struct PullArgs {
    /// model@7, model@latest, model@sha256:<prefix>, or model (the latest)
    #[arg(value_name = "REF")]
    pub reference: Reference,
    /// Folder to write into [default: the current folder]
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

pub async fn run(args: PullArgs, ctx: &Context) -> Result<ExitStatus> {
    let registry = ctx.registry()?;
    let dir = args.output.unwrap_or_else(|| ".".into());
    let o = registry
        .pull(&args.reference, &dir, ctx.printer.reporter().as_ref())
        .await?;
    let printer = &ctx.printer;
    if printer.json() {
        printer.document(&output::Pull::from(&o))?;
        return Ok(ExitStatus::Success);
    }
    for f in &o.files {
        printer.line(format!(
            "{}  {}  {}",
            if f.downloaded {
                "downloaded"
            } else {
                "unchanged "
            },
            human_size(f.size),
            o.directory.join(f.path.as_str()).display()
        ))?;
    }
    printer.summary(format!(
        "{} ({}): {} file{} verified",
        output::reference(&o.model, o.version),
        short_digest(&o.content_id),
        o.files.len(),
        plural(o.files.len())
    ));
    Ok(ExitStatus::Success)
}
