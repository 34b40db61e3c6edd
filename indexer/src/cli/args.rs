//! The command line, with clap derive. Doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const EXIT_CODES: &str = "Exit codes:
  0  success
  1  the operation failed (not found, damaged data, store error, conflict), or `verify` found problems
  2  invalid command line or input (bad name, value, file or location); nothing was written";

/// Shelf: a model registry that lives in an object-storage bucket.
///
/// Versions are immutable, hash-chained log entries and content-addressed artifacts in S3,
/// GCS or a local folder; no database and no server.
#[derive(Debug, Parser)]
#[command(name = "shelf", version, after_help = EXIT_CODES, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Registry location: s3://bucket/prefix, gs://bucket/prefix, az://container/prefix,
    /// file:///abs/path, a plain path or memory:// [default: ./shelf-registry]
    #[arg(long, global = true, env = "SHELF_REGISTRY")]
    pub registry: Option<String>,
    /// Print one JSON document on stdout instead of text
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only results and errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More logging on stderr (-v, -vv)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Hide progress bars
    #[arg(long, global = true)]
    pub no_progress: bool,
}

impl Global {
    pub fn location(&self) -> String {
        self.registry
            .clone()
            .unwrap_or_else(|| shelf::DEFAULT_LOCATION.to_string())
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a registry (probes that the store honours conditional writes) and publish the
    /// web app at its root
    Init(InitArgs),
    /// Register the next version of a model from files and folders
    Push(Box<PushArgs>),
    /// List models: latest version, number of versions, last update
    List,
    /// List the versions of a model
    Versions(VersionsArgs),
    /// Show a version's manifest and lifecycle state (REF: model@7, model@latest,
    /// model@production, model@sha256:ab12cd)
    Show(ShowArgs),
    /// Download a version's artifacts, verifying every size and sha256
    Pull(PullArgs),
    /// Compare 2 to 4 versions side by side (the first is the baseline): metrics with
    /// deltas, changed params, provenance, packages, artifacts, model architecture
    Compare(CompareArgs),
    /// Write what is needed to reproduce a version: commit to check out, datasets with
    /// hashes, params, environment lock, training command
    Reproduce(ReproduceArgs),
    /// Check every log chain and every blob; exit 1 when anything is wrong
    Verify,
    /// Rebuild every derived file (indexes, catalog, materialised manifests) from the logs
    Reindex,
    /// Point an alias (production, staging…) at a version, or remove it
    #[command(subcommand)]
    Alias(AliasCommand),
    /// Move an alias back to the version it pointed to before (repeat to walk further back)
    Rollback(RollbackArgs),
    /// Move a version to a lifecycle status: draft, experimental, validated, production,
    /// deprecated, archived
    Status(StatusArgs),
    /// Datasets: versioned, content-addressed, linked from model versions
    #[command(subcommand)]
    Dataset(DatasetCommand),
    /// Set a tag on a version after the fact (the manifest stays immutable)
    Tag(TagArgs),
    /// Remove a tag from a version
    Untag(UntagArgs),
    /// Record metrics measured after registration (drift, production data)
    Eval(EvalArgs),
    /// Record that a version runs on a target, with its share of the target's traffic
    Deploy(DeployArgs),
    /// Record that a version no longer runs on a target
    Undeploy(UndeployArgs),
    /// What runs where: targets, versions and traffic shares (now, or --at a past time)
    Deployments(DeploymentsArgs),
    /// The audit trail: who changed what, when and why (registry-wide or one model)
    Log(LogArgs),
    /// Serve the registry and its web app read-only over HTTP, for local use
    Serve(ServeArgs),
    /// The web app published at the registry root
    #[command(subcommand)]
    Site(SiteCommand),
}

#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Write (or update) the web app embedded in this shelf at the registry root
    Deploy,
}

#[derive(Debug, Subcommand)]
pub enum AliasCommand {
    /// Point ALIAS at the version REF names: `shelf alias set fraud@7 production --reason …`
    Set(AliasSetArgs),
    /// Remove ALIAS from MODEL
    Rm(AliasRmArgs),
}

#[derive(Debug, Args)]
pub struct AliasSetArgs {
    /// model@7, model@latest, model@sha256:<prefix>, model@other-alias
    #[arg(value_name = "REF")]
    pub reference: String,
    pub alias: String,
    /// Why (recorded in the audit trail; required for promotions)
    #[arg(long)]
    pub reason: String,
    /// Refuse (exit 1) unless the alias currently points at this version (`none`: unset)
    #[arg(long, value_name = "VERSION")]
    pub expect_current: Option<String>,
}

#[derive(Debug, Args)]
pub struct AliasRmArgs {
    pub model: String,
    pub alias: String,
    /// Why (recorded in the audit trail)
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    pub model: String,
    pub alias: String,
    /// Why (recorded in the audit trail; required)
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[arg(value_name = "REF")]
    pub reference: String,
    pub status: String,
    /// Why (recorded in the audit trail; required)
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct TagArgs {
    #[arg(value_name = "REF")]
    pub reference: String,
    /// One or more tags, e.g. reviewed=yes ticket=RISK-42
    #[arg(value_name = "KEY=VALUE", required = true)]
    pub tags: Vec<String>,
    /// Why (recorded in the audit trail)
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct UntagArgs {
    #[arg(value_name = "REF")]
    pub reference: String,
    pub key: String,
    /// Why (recorded in the audit trail)
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[arg(value_name = "REF")]
    pub reference: String,
    /// A measured metric, e.g. --metric auc=0.87 (repeatable, at least one)
    #[arg(long = "metric", value_name = "KEY=VALUE", required = true)]
    pub metrics: Vec<String>,
    /// The data it was measured on, e.g. prod-2026-10
    #[arg(long)]
    pub dataset: Option<String>,
    /// When it was measured (RFC 3339, UTC) [default: now]; not in the future
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Why (recorded in the audit trail)
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    #[arg(value_name = "REF")]
    pub reference: String,
    /// Where it runs: an environment, a fleet, a vehicle line (eu-prod, fleet/line-7)
    #[arg(long)]
    pub target: String,
    /// Percent of the target's traffic (0 < traffic <= 100); all versions on a target
    /// add up to at most 100. Deploying a version already there changes its share.
    #[arg(long, default_value_t = 100.0)]
    pub traffic: f64,
    /// Why (recorded in the audit trail; required)
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct UndeployArgs {
    #[arg(value_name = "REF")]
    pub reference: String,
    #[arg(long)]
    pub target: String,
    /// Why (recorded in the audit trail; required)
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct DeploymentsArgs {
    /// Only this model [default: every model]
    pub model: Option<String>,
    /// What ran where at this past time (RFC 3339, e.g. 2026-10-01T12:00:00Z)
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only this model [default: every model]
    pub model: Option<String>,
    /// Only entries at or after this time (RFC 3339)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only entries by this actor
    #[arg(long)]
    pub actor: Option<String>,
    /// Only events of this type: register, alias-set, alias-unset, status, tag, untag,
    /// evaluation, deployment, undeployment
    #[arg(long, value_name = "KIND")]
    pub action: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free one)
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Name shown for the registry [default: the last part of the location]
    #[arg(long)]
    pub name: Option<String>,
    /// Accept a store that ignores conditional writes; only ever run one writer at a time
    #[arg(long)]
    pub single_writer: bool,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// Model name: lowercase letters, digits, `.`, `_`, `-`, optionally `namespace/name`
    pub model: String,
    /// Files and folders to store; a folder is taken recursively, paths relative to it
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// A metric, e.g. --metric f1=0.91 (repeatable; finite numbers only)
    #[arg(long = "metric", value_name = "KEY=VALUE")]
    pub metrics: Vec<String>,
    /// A hyperparameter, e.g. --param learning_rate=0.01 (repeatable; kept as text)
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// A label, e.g. --label team=fraud (repeatable)
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// What changed in this version, and why
    #[arg(long)]
    pub description: Option<String>,
    /// Who pushes [default: $SHELF_AUTHOR, git's user.name, then the OS user]
    #[arg(long)]
    pub author: Option<String>,
    /// The version this one comes from (fine-tune, retrain): model@7, base@production…;
    /// pinned to its content id
    #[arg(long, value_name = "REF")]
    pub parent: Option<String>,
    /// The experiment branch this version was trained on, e.g. exp/lr-sweep
    #[arg(long)]
    pub branch: Option<String>,
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
    pub datasets: Vec<String>,
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

#[derive(Debug, Subcommand)]
pub enum DatasetCommand {
    /// Register the next version of a dataset from files and folders (content-addressed
    /// like model artifacts); link it from a model with `shelf push --dataset ROLE=NAME@V`
    Push(DatasetPushArgs),
}

#[derive(Debug, Args)]
pub struct DatasetPushArgs {
    /// Dataset name (same rule as a model name; one namespace for both)
    pub name: String,
    /// Files and folders to store
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// What this version holds and how it was made
    #[arg(long)]
    pub description: Option<String>,
    /// A statistic, e.g. --metric rows=120000 (repeatable)
    #[arg(long = "metric", value_name = "KEY=VALUE")]
    pub metrics: Vec<String>,
    /// A label, e.g. --label source=warehouse (repeatable)
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
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

#[derive(Debug, Args)]
pub struct VersionsArgs {
    pub model: String,
    /// Only versions pushed with this --branch
    #[arg(long)]
    pub branch: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// model@7, model@latest, model@production, model@sha256:<prefix>, or model (the latest)
    #[arg(value_name = "REF")]
    pub reference: String,
    /// Time travel: resolve REF, and show statuses, tags and aliases, as they were at this
    /// time (RFC 3339, e.g. 2026-10-01T12:00:00Z)
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// 2 to 4 REFs, e.g. fraud@production fraud@latest (any models)
    #[arg(value_name = "REF", num_args = 2..=4, required = true)]
    pub references: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ReproduceArgs {
    #[arg(value_name = "REF")]
    pub reference: String,
    /// Folder to write into [default: reproduce-MODEL-VERSION]
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// model@7, model@latest, model@sha256:<prefix>, or model (the latest)
    #[arg(value_name = "REF")]
    pub reference: String,
    /// Folder to write into [default: the current folder]
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// An invalid argument value (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ArgError(pub String);

/// The author of a change: the flag, then $SHELF_AUTHOR, then git's user.name, then the OS
/// user, then "unknown".
pub fn default_author(flag: Option<String>) -> String {
    flag.or_else(|| std::env::var("SHELF_AUTHOR").ok())
        .filter(|s| !s.trim().is_empty())
        .or_else(git_user)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

fn git_user() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["config", "--get", "user.name"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let name = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !name.is_empty()).then_some(name)
}
