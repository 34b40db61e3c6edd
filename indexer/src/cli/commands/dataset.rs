//! `shelf dataset push`: register the next version of a dataset, with the same
//! content-addressed machinery as a model.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use shelf::PushRequest;
use shelf_format::ModelName;

use super::super::args::{self, Assignment, Metric};
use super::super::{Context, ExitStatus};
use super::push::{self, CaptureArgs};

#[derive(Debug, Subcommand)]
pub enum DatasetCommand {
    /// Register the next version of a dataset from files and folders (content-addressed
    /// like model artifacts); link it from a model with `shelf push --dataset ROLE=NAME@V`
    Push(DatasetPushArgs),
}

#[derive(Debug, Args)]
pub struct DatasetPushArgs {
    /// Dataset name (same rule as a model name; one namespace for both)
    pub name: ModelName,
    /// Files and folders to store
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// What this version holds and how it was made
    #[arg(long)]
    pub description: Option<String>,
    /// A statistic, e.g. --metric rows=120000 (repeatable)
    #[arg(long = "metric", value_name = "KEY=VALUE")]
    pub metrics: Vec<Metric>,
    /// A label, e.g. --label source=warehouse (repeatable)
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<Assignment>,
    /// Who pushes [default: $SHELF_AUTHOR, git's user.name, then the OS user]
    #[arg(long)]
    pub author: Option<String>,
    #[command(flatten)]
    pub capture: CaptureArgs,
    /// Upload what symbolic links that leave a pushed folder point to (each is listed);
    /// without it such links are refused
    #[arg(long)]
    pub follow_symlinks: bool,
}

pub async fn run(command: DatasetCommand, ctx: &Context) -> Result<ExitStatus> {
    let DatasetCommand::Push(args) = command;
    let registry = ctx.registry()?;
    let mut request = PushRequest::new(args.name, args.paths, args::default_author(args.author));
    request.subject = shelf_format::Subject::Dataset;
    request.description = args.description.unwrap_or_default();
    request.metrics = args::metrics(&args.metrics)?;
    request.labels = args::assignments("label", &args.labels)?;
    (request.code, request.run) = push::capture_code(&args.capture);
    request.follow_symlinks = args.follow_symlinks;
    let outcome = registry
        .push(&request, ctx.printer.reporter().as_ref())
        .await?;
    push::print(ctx, &outcome)
}
