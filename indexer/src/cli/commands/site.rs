//! `shelf site deploy`: publish the web app built into this shelf at the registry root.

use anyhow::Result;
use clap::Subcommand;
use shelf_format::units::human_size;

use super::super::{Context, ExitStatus, output};

#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Write (or update) the web app embedded in this shelf at the registry root
    Deploy,
}

pub async fn run(command: SiteCommand, ctx: &Context) -> Result<ExitStatus> {
    let SiteCommand::Deploy = command;
    let registry = ctx.registry()?;
    let site = registry.deploy_site().await?;
    let location = registry.location();
    if ctx.printer.json() {
        ctx.printer.document(&output::SiteDeploy {
            registry: location,
            site: output::Site::from(&site),
        })?;
    } else {
        ctx.printer.line(format!(
            "published the web app at {location}: {} files ({})",
            site.files.len(),
            human_size(site.bytes)
        ))?;
    }
    Ok(ExitStatus::Success)
}
