//! `shelf push`: register the next version of a model. Builds the request from the flags,
//! the metrics and params files and what is captured from this machine (environment, git
//! state), then hands it to [`shelf::Registry::push`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use shelf::datasets::DatasetSpec;
use shelf::{PushOutcome, PushRequest};
use shelf_format::units::human_size;
use shelf_format::{BranchName, Key, ModelName, ParamValue, Reference};

use super::super::args::{self, ArgError, Assignment, Metric};
use super::super::{Context, ExitStatus, output};
use super::plural;

#[derive(Debug, Args)]
pub struct PushArgs {
    /// Model name: lowercase letters, digits, `.`, `_`, `-`, optionally `namespace/name`
    pub model: ModelName,
    /// Files and folders to store; a folder is taken recursively, paths relative to it
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// A metric, e.g. --metric f1=0.91 (repeatable; finite numbers only)
    #[arg(long = "metric", value_name = "KEY=VALUE")]
    pub metrics: Vec<Metric>,
    /// A hyperparameter, e.g. --param learning_rate=0.01 (repeatable; kept as text)
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<Assignment>,
    /// A label, e.g. --label team=fraud (repeatable)
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<Assignment>,
    /// What changed in this version, and why
    #[arg(long)]
    pub description: Option<String>,
    /// Who pushes [default: $SHELF_AUTHOR, git's user.name, then the OS user]
    #[arg(long)]
    pub author: Option<String>,
    /// The version this one comes from (fine-tune, retrain): model@7, base@production…;
    /// pinned to its content id
    #[arg(long, value_name = "REF")]
    pub parent: Option<Reference>,
    /// The experiment branch this version was trained on, e.g. exp/lr-sweep
    #[arg(long)]
    pub branch: Option<BranchName>,
    /// Metrics from a JSON or YAML file, nested keys flattened (`test.f1`); `SPLIT=FILE`
    /// puts them under SPLIT (`--metrics test=eval.json`). Repeatable
    #[arg(long = "metrics", value_name = "[SPLIT=]FILE")]
    pub metrics_files: Vec<String>,
    /// Params from a JSON or YAML file, nested keys flattened. Repeatable
    #[arg(long = "params", value_name = "FILE")]
    pub params_files: Vec<PathBuf>,
    /// A dataset used, with its role: train=transactions@3 (registered) or
    /// test=s3://bucket/test.parquet (external, hashed when readable). Repeatable
    #[arg(long = "dataset", value_name = "ROLE=REF|URI")]
    pub datasets: Vec<DatasetSpec>,
    #[command(flatten)]
    pub capture: CaptureArgs,
    /// Don't capture the environment (Python packages, OS, CPU, GPUs)
    #[arg(long)]
    pub no_env: bool,
    /// Record the packages of this lock file (requirements.txt, uv.lock, poetry.lock,
    /// environment.yml) instead of the interpreter's, and store the file with the version
    #[arg(long, value_name = "FILE")]
    pub env_lock: Option<PathBuf>,
    /// The Python interpreter whose packages are recorded [default: $VIRTUAL_ENV's, then
    /// python3 on PATH]
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// The container image the training ran in, pinned by digest (NAME@sha256:…)
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// The experiment tracker's page of the training run (MLflow, W&B…)
    #[arg(long, value_name = "URL")]
    pub run_url: Option<String>,
    /// The experiment the run belongs to
    #[arg(long)]
    pub experiment: Option<String>,
    /// Upload what symbolic links that leave a pushed folder point to (each is listed);
    /// without it such links are refused
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Make the push idempotent: a key unique to the job (a CI run id). When a version of
    /// this model was already registered with this key, it is returned and nothing new is
    /// committed (the same key with other files or values is refused)
    #[arg(long, value_name = "KEY")]
    pub idempotency_key: Option<String>,
}

/// Capture of the code and the command, shared by `push` and `dataset push`.
#[derive(Debug, Args)]
pub struct CaptureArgs {
    /// Don't record the git state (remote, commit, branch, uncommitted changes)
    #[arg(long)]
    pub no_code: bool,
    /// The git checkout to describe [default: the current folder]
    #[arg(long, value_name = "DIR")]
    pub code_dir: Option<PathBuf>,
    /// The command that produced this version, e.g. "python train.py --config prod.yaml"
    #[arg(long, value_name = "TEXT")]
    pub command: Option<String>,
}

pub async fn run(args: PushArgs, ctx: &Context) -> Result<ExitStatus> {
    let registry = ctx.registry()?;
    let request = request(args, ctx)?;
    let outcome = registry
        .push(&request, ctx.printer.reporter().as_ref())
        .await?;
    print(ctx, &outcome)
}

/// The request of `shelf push`: flags, files, and what is captured from this machine.
fn request(args: PushArgs, ctx: &Context) -> Result<PushRequest> {
    let mut request = PushRequest::new(args.model, args.paths, args::default_author(args.author));
    request.description = args.description.unwrap_or_default();
    request.labels = args::assignments("label", &args.labels)?;
    request.parent = args.parent;
    request.branch = args.branch;
    // Files first, then flags: a key given in both (or in two files) is an error.
    let mut metrics = Vec::new();
    for spec in &args.metrics_files {
        let (found, notes) = shelf::capture::values::metrics_file(spec)?;
        for note in notes {
            ctx.printer.note(note);
        }
        metrics.extend(found.into_iter().map(|(k, v)| (k, v, spec.clone())));
    }
    metrics.extend(
        args::metrics(&args.metrics)?
            .into_iter()
            .map(|(k, v)| (k, v, "--metric".to_string())),
    );
    request.metrics = merge_unique("metric", metrics)?;
    let mut params = Vec::new();
    for file in &args.params_files {
        let found = shelf::capture::values::params_file(file)?;
        params.extend(
            found
                .into_iter()
                .map(|(k, v)| (k, v, file.display().to_string())),
        );
    }
    params.extend(
        args::assignments("param", &args.params)?
            .into_iter()
            .map(|(k, v)| (k, ParamValue::String(v), "--param".to_string())),
    );
    request.params = merge_unique("param", params)?;
    request.datasets = args.datasets;
    if !args.no_env {
        let (environment, notes) =
            shelf::capture::environment::capture(&shelf::capture::environment::EnvOptions {
                python: args.python,
                packages_from_lock: args.env_lock.is_some(),
                container_image: args.image,
            })?;
        for note in notes {
            ctx.printer.note(note);
        }
        request.environment = Some(environment);
    } else if args.image.is_some() || args.env_lock.is_some() {
        return Err(ArgError(
            "--no-env skips the environment: drop --image and --env-lock, or --no-env".into(),
        )
        .into());
    }
    request.env_lock = args.env_lock;
    request.follow_symlinks = args.follow_symlinks;
    request.idempotency_key = args.idempotency_key;
    let (code, run) = capture_code(&args.capture);
    request.code = code;
    let mut run = run.unwrap_or_default();
    run.url = args.run_url;
    run.experiment = args.experiment;
    request.run = (run != shelf_format::Run::default()).then_some(run);
    Ok(request)
}

/// The git state (unless `--no-code`) and the command, from the capture flags.
pub fn capture_code(args: &CaptureArgs) -> (Option<shelf_format::Code>, Option<shelf_format::Run>) {
    let code = if args.no_code {
        None
    } else {
        let dir = args.code_dir.clone().unwrap_or_else(|| ".".into());
        shelf::capture::code::capture(&dir)
    };
    let run = args.command.as_ref().map(|command| shelf_format::Run {
        command: Some(command.clone()),
        ..Default::default()
    });
    (code, run)
}

/// Merge values from several sources; the same key from two sources is an error naming both.
fn merge_unique<T>(what: &str, items: Vec<(Key, T, String)>) -> Result<BTreeMap<Key, T>> {
    let mut out = BTreeMap::new();
    let mut from: BTreeMap<Key, String> = BTreeMap::new();
    for (key, value, source) in items {
        if let Some(first) = from.get(&key) {
            return Err(ArgError(format!(
                "{what} {:?} is given twice (in {first} and in {source})",
                key.as_str()
            ))
            .into());
        }
        from.insert(key.clone(), source);
        out.insert(key, value);
    }
    Ok(out)
}

/// Print a pushed version: `fraud@4 sha256:…` (or its document), with notes, what was
/// redacted, warnings and a summary of the upload on stderr.
pub fn print(ctx: &Context, o: &PushOutcome) -> Result<ExitStatus> {
    let printer = &ctx.printer;
    for note in &o.notes {
        printer.note(note);
    }
    if !o.redacted.is_empty() {
        printer.note(format!(
            "redacted what looked like credentials in {}",
            o.redacted.join(", ")
        ));
    }
    for w in &o.warnings {
        printer.warning(format!(
            "{w} (the version is committed; `shelf reindex` repairs derived files)"
        ));
    }
    if printer.json() {
        printer.document(&output::Push::from(o))?;
        return Ok(ExitStatus::Success);
    }
    let unchanged = o.artifacts.iter().filter(|a| !a.uploaded).count();
    printer.summary(format!(
        "{} artifact{}, {} uploaded{}",
        o.artifacts.len(),
        plural(o.artifacts.len()),
        human_size(o.bytes_uploaded),
        if unchanged > 0 {
            format!(", {unchanged} already stored")
        } else {
            String::new()
        }
    ));
    printer.line(format!(
        "{} {}{}",
        output::reference(&o.model, o.version),
        o.content_id,
        if o.already_registered {
            " (already registered)"
        } else {
            ""
        }
    ))?;
    Ok(ExitStatus::Success)
}
