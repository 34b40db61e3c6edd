//! The command line, with clap derive: the global flags, the list of commands, and the
//! typed values arguments parse into. Doc comments are the help text; each command's own
//! arguments are defined next to it, in `commands/<command>.rs`.
//!
//! Names, references, aliases, statuses, keys and times parse in clap through the format
//! crate's `FromStr`, so a bad value exits 2 with clap's `error: invalid value …` naming
//! the value and the rule, before anything is opened.

use std::collections::BTreeMap;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand};
use shelf_format::Key;

use super::commands::{
    alias, compare, completions, dataset, deploy, deployments, eval, init, log, man, pull, push,
    reproduce, rollback, serve, show, site, status, tag, versions,
};

pub const EXIT_CODES: &str = "Exit codes:
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

#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Registry location: s3://bucket/prefix, gs://bucket/prefix, az://container/prefix,
    /// file:///abs/path, a plain path or memory:// [default: ./shelf-registry]
    #[arg(long, global = true, env = "SHELF_REGISTRY")]
    pub registry: Option<String>,
    /// Print one JSON document on stdout instead of text
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only results and errors: no notes, warnings, summaries or progress on stderr
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
    Init(init::InitArgs),
    /// Register the next version of a model from files and folders
    Push(Box<push::PushArgs>),
    /// List models: latest version, number of versions, last update
    List,
    /// List the versions of a model
    Versions(versions::VersionsArgs),
    /// Show a version's manifest and lifecycle state (REF: model@7, model@latest,
    /// model@production, model@sha256:ab12cd)
    Show(show::ShowArgs),
    /// Download a version's artifacts, verifying every size and sha256
    Pull(pull::PullArgs),
    /// Compare 2 to 4 versions side by side (the first is the baseline): metrics with
    /// deltas, changed params, provenance, packages, artifacts, model architecture
    Compare(compare::CompareArgs),
    /// Write what is needed to reproduce a version: commit to check out, datasets with
    /// hashes, params, environment lock, training command
    Reproduce(reproduce::ReproduceArgs),
    /// Check every log chain and every blob; exit 1 when anything is wrong
    Verify,
    /// Rebuild every derived file (indexes, catalog, materialised manifests) from the logs
    Reindex,
    /// Point an alias (production, staging…) at a version, or remove it
    #[command(subcommand)]
    Alias(alias::AliasCommand),
    /// Move an alias back to the version it pointed to before (repeat to walk further back)
    Rollback(rollback::RollbackArgs),
    /// Move a version to a lifecycle status: draft, experimental, validated, production,
    /// deprecated, archived
    Status(status::StatusArgs),
    /// Datasets: versioned, content-addressed, linked from model versions
    #[command(subcommand)]
    Dataset(dataset::DatasetCommand),
    /// Set a tag on a version after the fact (the manifest stays immutable)
    Tag(tag::TagArgs),
    /// Remove a tag from a version
    Untag(tag::UntagArgs),
    /// Record metrics measured after registration (drift, production data)
    Eval(eval::EvalArgs),
    /// Record that a version runs on a target, with its share of the target's traffic
    Deploy(deploy::DeployArgs),
    /// Record that a version no longer runs on a target
    Undeploy(deploy::UndeployArgs),
    /// What runs where: targets, versions and traffic shares (now, or --at a past time)
    Deployments(deployments::DeploymentsArgs),
    /// The audit trail: who changed what, when and why (registry-wide or one model)
    Log(log::LogArgs),
    /// Serve the registry and its web app read-only over HTTP, for local use
    Serve(serve::ServeArgs),
    /// The web app published at the registry root
    #[command(subcommand)]
    Site(site::SiteCommand),
    /// Print a shell completion script: `shelf completions bash > ~/.local/share/bash-completion/completions/shelf`
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff), or write one page per command into a folder
    Man(man::ManArgs),
}

/// An invalid argument value (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ArgError(pub String);

/// A `KEY=VALUE` argument (`--label team=risk`, `shelf tag REF reviewed=yes`): a valid key
/// and the text after the first `=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub key: Key,
    pub value: String,
}

fn split_assignment(raw: &str) -> Result<(Key, &str), ArgError> {
    let (key, value) = raw
        .split_once('=')
        .ok_or_else(|| ArgError(format!("{raw:?} is not of the form key=value")))?;
    let key = Key::new(key).map_err(|e| ArgError(e.to_string()))?;
    Ok((key, value))
}

impl FromStr for Assignment {
    type Err = ArgError;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let (key, value) = split_assignment(raw)?;
        Ok(Assignment {
            key,
            value: value.to_string(),
        })
    }
}

/// A `KEY=NUMBER` metric argument (`--metric f1=0.91`): a valid key and a finite number.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub key: Key,
    pub value: f64,
}

impl FromStr for Metric {
    type Err = ArgError;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let (key, text) = split_assignment(raw)?;
        let value: f64 = text
            .trim()
            .parse()
            .map_err(|_| ArgError(format!("metric value {text:?} is not a number")))?;
        if !value.is_finite() {
            return Err(ArgError(format!(
                "metric value {text:?} is not a finite number (NaN and infinities are refused)"
            )));
        }
        Ok(Metric { key, value })
    }
}

/// A metric or param key given on its own (`shelf untag REF KEY`), for clap.
pub fn key(raw: &str) -> Result<Key, shelf_format::FormatError> {
    Key::new(raw)
}

/// The values of repeated `KEY=VALUE` arguments by key; a key given twice is an error.
pub fn by_key<T: Clone>(
    what: &str,
    items: impl IntoIterator<Item = (Key, T)>,
) -> Result<BTreeMap<Key, T>, ArgError> {
    let mut out = BTreeMap::new();
    for (key, value) in items {
        if out.contains_key(&key) {
            return Err(ArgError(format!(
                "{what} {:?} is given twice",
                key.as_str()
            )));
        }
        out.insert(key, value);
    }
    Ok(out)
}

/// The values of `--label`/`--param`-style assignments by key.
pub fn assignments(what: &str, items: &[Assignment]) -> Result<BTreeMap<Key, String>, ArgError> {
    by_key(what, items.iter().map(|a| (a.key.clone(), a.value.clone())))
}

/// The values of `--metric` arguments by key.
pub fn metrics(items: &[Metric]) -> Result<BTreeMap<Key, f64>, ArgError> {
    by_key("metric", items.iter().map(|m| (m.key.clone(), m.value)))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_and_metrics_parse_with_the_rule_in_the_error() {
        let a: Assignment = "team=risk=high".parse().unwrap();
        assert_eq!((a.key.as_str(), a.value.as_str()), ("team", "risk=high"));
        let err = "ticket".parse::<Assignment>().unwrap_err().to_string();
        assert_eq!(err, "\"ticket\" is not of the form key=value");
        let err = "bad key=1".parse::<Assignment>().unwrap_err().to_string();
        assert!(err.starts_with("invalid key \"bad key\""), "{err}");
        let m: Metric = "f1= 0.9 ".parse().unwrap();
        assert_eq!((m.key.as_str(), m.value), ("f1", 0.9));
        for (raw, needle) in [
            ("f1=nan", "not a finite number"),
            ("f1=inf", "not a finite number"),
            ("f1=high", "metric value \"high\" is not a number"),
            ("f1", "is not of the form key=value"),
        ] {
            let err = raw.parse::<Metric>().unwrap_err().to_string();
            assert!(err.contains(needle), "{raw}: {err}");
        }
        let twice = [
            "f1=0.9".parse::<Metric>().unwrap(),
            "f1=0.8".parse().unwrap(),
        ];
        assert_eq!(
            metrics(&twice).unwrap_err().to_string(),
            "metric \"f1\" is given twice"
        );
    }

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory as _;
        Cli::command().debug_assert();
    }
}
