//! The JSON documents `shelf --json` prints: the wire format of the CLI.
//!
//! Each command prints exactly one document on stdout, built here from the library's
//! outcome (never the library's types themselves, so that renaming a field in the library
//! can't change what scripts read). The README's "JSON output" section is the same
//! contract, for users; `tests/support/wire.rs` holds strict copies of every document
//! that the CLI tests parse stdout into, so an added, renamed or dropped field fails a
//! test.
//!
//! # Format
//!
//! Common values:
//! - a **digest** is `"sha256:<64 lowercase hex digits>"`;
//! - a **time** is RFC 3339 UTC with milliseconds, `"2026-11-27T21:09:03.123Z"`;
//! - a **ref** is `"model@N"`;
//! - a **problem** is `{key, message}`: the bucket key that could not be read or is
//!   damaged, and what is wrong with it;
//! - a **version summary** is a version as the derived index lists it (docs/format.md
//!   §5.6): `{version, content_id, seq, created_at, created_by, description, metrics,
//!   labels, artifacts, size, status?, tags?, evaluations?, parent?, branch?, subject?,
//!   datasets?}`, where `?` marks a field omitted when empty;
//! - a **manifest**, a **registry descriptor**, an **alias state**, an **evaluation**,
//!   a **log head** and an **architecture diff** are the documents of docs/format.md,
//!   field for field.
//!
//! The documents, by command (fields in the order printed):
//!
//! | command | document |
//! |---|---|
//! | `init` | [`Init`]: `{registry, created, descriptor, site: {files, bytes} \| null}` |
//! | `site deploy` | [`SiteDeploy`]: `{registry, site: {files, bytes}}` |
//! | `serve` | [`Serving`]: `{url}`, on one line as soon as it listens |
//! | `push`, `dataset push` | [`Push`]: `{ref, model, version, content_id, seq, created_at, created_by, artifacts: [{path, size, digest, uploaded}], bytes_uploaded, attempts, warnings, redacted, notes}` |
//! | `list` | [`List`]: `{models: [{model, versions, latest, created_at, updated_at}], problems}` |
//! | `versions` | [`Versions`]: `{model, versions, aliases, problems}` |
//! | `show` | [`Show`]: `{ref, as_of, content_id, seq, status, aliases, tags, evaluations, deployments: [[target, traffic]], manifest}` |
//! | `pull` | [`Pull`]: `{model, version, content_id, directory, files: [{path, size, digest, downloaded}], bytes_downloaded}` |
//! | `compare` | [`Compare`]: `{columns, metrics, params, labels, provenance, packages, artifacts, architecture}` |
//! | `reproduce` | [`Reproduce`]: `{model, version, content_id, directory, files, gaps}` |
//! | `verify` | [`Verify`]: `{clean, models, log_entries, versions, blobs, bytes_hashed, problems, warnings}` |
//! | `reindex` | [`Reindex`]: `{models: [{model, versions, head}], catalog_generation, problems}` |
//! | `alias set`, `alias rm`, `rollback`, `status`, `untag`, `eval`, `deploy`, `undeploy` | [`Event`]: `{model, seq, type, summary, version, attempts, warnings}` |
//! | `tag` | [`Tags`]: `{events: [Event]}` |
//! | `deployments` | [`Deployments`]: `{at?, deployments: [{target, model, version, traffic}], problems}` |
//! | `log` | [`Log`]: `{events: [{model, seq, time, actor, type, version?, summary, reason?, problem?}], problems}` |
//! | any error | [`Error`]: `{error: {message, causes, exit_code}}` |
//!
//! Each struct's fields are documented below.

mod compare;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;
use shelf_format::{
    AliasName, AliasState, Digest, Evaluation, Key, LogHead, ModelName, RegistryDescriptor, Status,
    TargetName, Timestamp, VersionManifest, VersionSummary,
};

pub use compare::Compare;

/// `model@N`.
pub(crate) fn reference(model: &ModelName, version: u64) -> String {
    shelf_format::VersionRef::new(model.clone(), version).to_string()
}

/// A stored object that could not be read, or is damaged.
#[derive(Debug, Serialize)]
pub struct Problem {
    /// The bucket key.
    pub key: String,
    /// What is wrong with it.
    pub message: String,
}

impl Problem {
    pub fn all(problems: &[shelf::Problem]) -> Vec<Problem> {
        problems
            .iter()
            .map(|p| Problem {
                key: p.key.clone(),
                message: p.message.clone(),
            })
            .collect()
    }
}

/// Any error: the same text as on stderr.
#[derive(Debug, Serialize)]
pub struct Error {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// The error, without the `error: ` prefix.
    pub message: String,
    /// What caused it, outermost first.
    pub causes: Vec<String>,
    /// The exit code the command exits with (1 or 2).
    pub exit_code: i32,
}

impl Error {
    pub fn new(message: String, causes: Vec<String>, status: super::ExitStatus) -> Self {
        Error {
            error: ErrorBody {
                message,
                causes,
                exit_code: status as i32,
            },
        }
    }
}

/// The web app files a command published.
#[derive(Debug, Serialize)]
pub struct Site {
    /// Their keys, from the registry root.
    pub files: Vec<String>,
    /// Their total size.
    pub bytes: u64,
}

impl From<&shelf::site::SiteOutcome> for Site {
    fn from(site: &shelf::site::SiteOutcome) -> Self {
        Site {
            files: site.files.clone(),
            bytes: site.bytes,
        }
    }
}

/// `shelf init`.
#[derive(Debug, Serialize)]
pub struct Init<'a> {
    /// The registry location, as shown.
    pub registry: &'a str,
    /// False when a registry was already there (nothing changed).
    pub created: bool,
    /// `shelf.json`.
    pub descriptor: &'a RegistryDescriptor,
    /// The web app published; null when the registry already existed or this shelf has
    /// no web app built in.
    pub site: Option<Site>,
}

/// `shelf site deploy`.
#[derive(Debug, Serialize)]
pub struct SiteDeploy<'a> {
    pub registry: &'a str,
    pub site: Site,
}

/// `shelf serve`, as soon as it listens.
#[derive(Debug, Serialize)]
pub struct Serving<'a> {
    /// The URL to open.
    pub url: &'a str,
}

/// One file of a pushed version.
#[derive(Debug, Serialize)]
pub struct PushedArtifact {
    pub path: String,
    pub size: u64,
    pub digest: Digest,
    /// False when the blob was already stored (no bytes sent).
    pub uploaded: bool,
}

/// `shelf push`, `shelf dataset push`.
#[derive(Debug, Serialize)]
pub struct Push {
    #[serde(rename = "ref")]
    pub reference: String,
    pub model: ModelName,
    pub version: u64,
    pub content_id: Digest,
    /// The log entry that registered it.
    pub seq: u64,
    pub created_at: Timestamp,
    pub created_by: String,
    pub artifacts: Vec<PushedArtifact>,
    pub bytes_uploaded: u64,
    /// Commit attempts (more than 1 when other writers committed first).
    pub attempts: u32,
    /// True when the idempotency key had already registered this version: nothing new
    /// was committed.
    pub already_registered: bool,
    /// Derived files that could not be refreshed (the version is committed all the same;
    /// `shelf reindex` repairs them).
    pub warnings: Vec<String>,
    /// Where credentials were removed (`run.command`, `params.db_url`…).
    pub redacted: Vec<String>,
    /// Things worth knowing, e.g. a dataset linked unverified.
    pub notes: Vec<String>,
}

impl From<&shelf::PushOutcome> for Push {
    fn from(o: &shelf::PushOutcome) -> Self {
        Push {
            reference: reference(&o.model, o.version),
            model: o.model.clone(),
            version: o.version,
            content_id: o.content_id,
            seq: o.seq,
            created_at: o.created_at,
            created_by: o.created_by.clone(),
            artifacts: o
                .artifacts
                .iter()
                .map(|a| PushedArtifact {
                    path: a.path.to_string(),
                    size: a.size,
                    digest: a.digest,
                    uploaded: a.uploaded,
                })
                .collect(),
            bytes_uploaded: o.bytes_uploaded,
            attempts: o.attempts,
            already_registered: o.already_registered,
            warnings: o.warnings.clone(),
            redacted: o.redacted.clone(),
            notes: o.notes.clone(),
        }
    }
}

/// One model of `shelf list`.
#[derive(Debug, Serialize)]
pub struct ListedModel {
    pub model: ModelName,
    /// How many versions it has.
    pub versions: u64,
    /// Its latest version; null when none is readable.
    pub latest: Option<VersionSummary>,
    /// The time of its first and last log entries (null when unknown).
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

/// `shelf list`.
#[derive(Debug, Serialize)]
pub struct List {
    /// In name order.
    pub models: Vec<ListedModel>,
    pub problems: Vec<Problem>,
}

impl From<&shelf::Listing> for List {
    fn from(listing: &shelf::Listing) -> Self {
        List {
            models: listing
                .models
                .iter()
                .map(|m| ListedModel {
                    model: m.model.clone(),
                    versions: m.versions,
                    latest: m.latest.clone(),
                    created_at: m.created_at,
                    updated_at: m.updated_at,
                })
                .collect(),
            problems: Problem::all(&listing.problems),
        }
    }
}

/// `shelf versions`.
#[derive(Debug, Serialize)]
pub struct Versions<'a> {
    pub model: &'a ModelName,
    /// Oldest first (only those of `--branch`, when given).
    pub versions: &'a [VersionSummary],
    /// Every alias of the model: `{alias: {version, stack, set_at, set_by}}`.
    pub aliases: &'a BTreeMap<AliasName, AliasState>,
    pub problems: Vec<Problem>,
}

/// `shelf show`.
#[derive(Debug, Serialize)]
pub struct Show<'a> {
    #[serde(rename = "ref")]
    pub reference: String,
    /// The `--at` time the state is shown as of; null for now.
    pub as_of: Option<Timestamp>,
    pub content_id: Digest,
    pub seq: u64,
    /// Its status (draft when never set).
    pub status: Status,
    /// The aliases that point at it.
    pub aliases: Vec<&'a AliasName>,
    pub tags: &'a BTreeMap<Key, String>,
    pub evaluations: &'a [Evaluation],
    /// `[target, traffic percent]` for each target it runs on.
    pub deployments: Vec<(&'a TargetName, f64)>,
    /// The version's manifest, exactly as stored.
    pub manifest: &'a VersionManifest,
}

/// One downloaded (or already present) file.
#[derive(Debug, Serialize)]
pub struct PulledFile {
    pub path: String,
    pub size: u64,
    pub digest: Digest,
    /// False when the file was already there with the right hash.
    pub downloaded: bool,
}

/// `shelf pull`.
#[derive(Debug, Serialize)]
pub struct Pull {
    pub model: ModelName,
    pub version: u64,
    pub content_id: Digest,
    pub directory: PathBuf,
    pub files: Vec<PulledFile>,
    pub bytes_downloaded: u64,
}

impl From<&shelf::PullOutcome> for Pull {
    fn from(o: &shelf::PullOutcome) -> Self {
        Pull {
            model: o.model.clone(),
            version: o.version,
            content_id: o.content_id,
            directory: o.directory.clone(),
            files: o
                .files
                .iter()
                .map(|f| PulledFile {
                    path: f.path.to_string(),
                    size: f.size,
                    digest: f.digest,
                    downloaded: f.downloaded,
                })
                .collect(),
            bytes_downloaded: o.bytes_downloaded,
        }
    }
}

/// `shelf reproduce`.
#[derive(Debug, Serialize)]
pub struct Reproduce {
    pub model: ModelName,
    pub version: u64,
    pub content_id: Digest,
    pub directory: PathBuf,
    /// The files written, relative to `directory`.
    pub files: Vec<String>,
    /// What is missing for a faithful reproduction.
    pub gaps: Vec<String>,
}

impl From<&shelf::reproduce::ReproduceOutcome> for Reproduce {
    fn from(o: &shelf::reproduce::ReproduceOutcome) -> Self {
        Reproduce {
            model: o.model.clone(),
            version: o.version,
            content_id: o.content_id,
            directory: o.directory.clone(),
            files: o.files.clone(),
            gaps: o.gaps.clone(),
        }
    }
}

/// `shelf verify`.
#[derive(Debug, Serialize)]
pub struct Verify {
    /// True when there is no problem (warnings allowed); the command exits 1 otherwise.
    pub clean: bool,
    pub models: u64,
    pub log_entries: u64,
    pub versions: u64,
    pub blobs: u64,
    pub bytes_hashed: u64,
    pub problems: Vec<Problem>,
    /// Derived files behind the log, leftovers of interrupted uploads.
    pub warnings: Vec<Problem>,
}

impl From<&shelf::VerifyReport> for Verify {
    fn from(r: &shelf::VerifyReport) -> Self {
        Verify {
            clean: r.is_clean(),
            models: r.models,
            log_entries: r.log_entries,
            versions: r.versions,
            blobs: r.blobs,
            bytes_hashed: r.bytes_hashed,
            problems: Problem::all(&r.problems),
            warnings: Problem::all(&r.warnings),
        }
    }
}

/// One model `shelf reindex` rebuilt.
#[derive(Debug, Serialize)]
pub struct Reindexed {
    pub model: ModelName,
    pub versions: u64,
    /// The last log entry the rebuilt index covers; null for an empty log.
    pub head: Option<LogHead>,
}

/// `shelf reindex`.
#[derive(Debug, Serialize)]
pub struct Reindex {
    pub models: Vec<Reindexed>,
    /// The catalog generation written; null when the catalog did not change.
    pub catalog_generation: Option<u64>,
    pub problems: Vec<Problem>,
}

impl From<&shelf::ReindexReport> for Reindex {
    fn from(r: &shelf::ReindexReport) -> Self {
        Reindex {
            models: r
                .models
                .iter()
                .map(|m| Reindexed {
                    model: m.model.clone(),
                    versions: m.versions,
                    head: m.head,
                })
                .collect(),
            catalog_generation: r.catalog_generation,
            problems: Problem::all(&r.problems),
        }
    }
}

/// A lifecycle event a command recorded.
#[derive(Debug, Serialize)]
pub struct Event {
    pub model: ModelName,
    /// The log entry that records it.
    pub seq: u64,
    /// The event type written: `alias-set`, `alias-unset`, `status`, `tag`, `untag`,
    /// `evaluation`, `deployment`, `undeployment`.
    #[serde(rename = "type")]
    pub event_type: &'static str,
    /// What happened, in a few words (`alias production → v7 (was v6)`).
    pub summary: String,
    /// The version it is about; null for `alias-unset`.
    pub version: Option<u64>,
    pub attempts: u32,
    /// Derived files that could not be refreshed (the event is recorded all the same).
    pub warnings: Vec<String>,
}

impl From<&shelf::EventOutcome> for Event {
    fn from(o: &shelf::EventOutcome) -> Self {
        Event {
            model: o.model.clone(),
            seq: o.seq,
            event_type: o.event_type,
            summary: o.summary.clone(),
            version: o.version,
            attempts: o.attempts,
            warnings: o.warnings.clone(),
        }
    }
}

/// `shelf tag`: one event per tag.
#[derive(Debug, Serialize)]
pub struct Tags {
    pub events: Vec<Event>,
}

/// One version running on one target.
#[derive(Debug, Serialize)]
pub struct Deployment {
    pub target: TargetName,
    pub model: ModelName,
    pub version: u64,
    /// Percent of the target's traffic.
    pub traffic: f64,
}

/// `shelf deployments`.
#[derive(Debug, Serialize)]
pub struct Deployments {
    /// The `--at` time; omitted for now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    /// By target, then model, then version.
    pub deployments: Vec<Deployment>,
    pub problems: Vec<Problem>,
}

impl From<&shelf::Deployments> for Deployments {
    fn from(d: &shelf::Deployments) -> Self {
        Deployments {
            at: d.at,
            deployments: d
                .deployments
                .iter()
                .map(|r| Deployment {
                    target: r.target.clone(),
                    model: r.model.clone(),
                    version: r.version,
                    traffic: r.traffic,
                })
                .collect(),
            problems: Problem::all(&d.problems),
        }
    }
}

/// One entry of the audit trail.
#[derive(Debug, Serialize)]
pub struct LogLine {
    pub model: ModelName,
    /// Its position in the model's log.
    pub seq: u64,
    pub time: Timestamp,
    pub actor: String,
    /// The event type, as written (also types this shelf doesn't know).
    #[serde(rename = "type")]
    pub event_type: String,
    /// The version it is about, if it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Why replay did not apply it (a rule it breaks), for entries written by hand or by a
    /// broken tool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// `shelf log`.
#[derive(Debug, Serialize)]
pub struct Log {
    /// Oldest first (by time, then model, then position).
    pub events: Vec<LogLine>,
    pub problems: Vec<Problem>,
}

impl From<&shelf::AuditLog> for Log {
    fn from(log: &shelf::AuditLog) -> Self {
        Log {
            events: log
                .events
                .iter()
                .map(|line| {
                    let e = &line.event;
                    LogLine {
                        model: line.model.clone(),
                        seq: e.seq,
                        time: e.time,
                        actor: e.actor.clone(),
                        event_type: e.event_type.clone(),
                        version: e.version,
                        summary: e.summary.clone(),
                        reason: e.reason.clone(),
                        problem: e.problem.clone(),
                    }
                })
                .collect(),
            problems: Problem::all(&log.problems),
        }
    }
}
