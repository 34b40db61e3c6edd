//! `shelf init`: create the registry and publish the web app.

use anyhow::Result;
use clap::Args;
use shelf::{InitOptions, Location};
use shelf_format::units::human_size;

use super::super::{Context, ExitStatus, args, output};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Name shown for the registry [default: the last part of the location]
    #[arg(long)]
    pub name: Option<String>,
    /// Accept a store that ignores conditional writes; only ever run one writer at a time
    #[arg(long)]
    pub single_writer: bool,
}

pub async fn run(args: InitArgs, ctx: &Context) -> Result<ExitStatus> {
    let location = Location::parse(&ctx.location())?;
    // A registry that does not exist yet: open the store creating its folder.
    let registry = location.registry(true)?;
    let name = args.name.unwrap_or_else(|| default_name(&location));
    let outcome = registry
        .init(&InitOptions {
            name,
            actor: args::default_author(None),
            single_writer: args.single_writer,
        })
        .await?;
    // The page is part of the registry: publish it with a new registry. A second init
    // changes nothing (`shelf site deploy` updates the page).
    let site = if outcome.created && !shelf::site::files().is_empty() {
        Some(registry.deploy_site().await?)
    } else {
        None
    };
    let where_ = registry.location();
    let printer = &ctx.printer;
    if printer.json() {
        printer.document(&output::Init {
            registry: where_,
            created: outcome.created,
            descriptor: &outcome.descriptor,
            site: site.as_ref().map(output::Site::from),
        })?;
        return Ok(ExitStatus::Success);
    }
    match &site {
        Some(site) => printer.summary(format!(
            "web app published: {} files ({}); open {where_}/index.html, or run `shelf serve`",
            site.files.len(),
            human_size(site.bytes)
        )),
        None if outcome.created => {
            printer.note("this shelf was built without the web app; no page published")
        }
        None => {}
    }
    let descriptor = &outcome.descriptor;
    if outcome.created {
        let writes = serde_json::to_value(descriptor.conditional_writes)?;
        printer.line(format!(
            "created registry {:?} at {where_} (conditional writes: {})",
            descriptor.name,
            writes.as_str().unwrap_or_default()
        ))?;
    } else {
        printer.line(format!(
            "registry {:?} already exists at {where_} (created {} by {}); nothing changed",
            descriptor.name, descriptor.created_at, descriptor.created_by
        ))?;
    }
    Ok(ExitStatus::Success)
}

/// The registry's name when `--name` is not given: the last part of its location.
fn default_name(location: &Location) -> String {
    match location {
        Location::S3 { bucket, prefix }
        | Location::Gcs { bucket, prefix }
        | Location::Azure {
            container: bucket,
            prefix,
            ..
        } => prefix
            .rsplit('/')
            .find(|p| !p.is_empty())
            .unwrap_or(bucket)
            .to_string(),
        Location::Local { path } => std::path::absolute(path)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "shelf".into()),
        Location::Memory => "memory".into(),
    }
}
