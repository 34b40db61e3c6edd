//! The documents of a registry. Every document carries `format` (the major version of the
//! format it follows) and `kind`; readers ignore unknown fields and refuse a newer major
//! version with a clear message.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::canonical::{Digest, Timestamp, to_canonical_vec};
use crate::error::{ErrorKind, FormatError};
use crate::lifecycle::Status;
use crate::names::{AliasName, ArtifactPath, BranchName, Key, ModelName, TargetName};
use crate::provenance::{Code, DatasetLink, Environment, Run, Subject};
use crate::refs::VersionRef;

/// The major version of the format this crate reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Implemented by every top-level document type.
pub trait Document: Serialize + DeserializeOwned {
    /// The value of the document's `kind` field.
    const KIND: &'static str;
}

#[derive(Deserialize)]
struct Envelope {
    format: u32,
    kind: String,
}

/// Decode a document of type `T` from `bytes`, checking its format version and kind.
/// `what` names the document in error messages (usually its key).
pub fn decode<T: Document>(what: &str, bytes: &[u8]) -> Result<T, FormatError> {
    let envelope: Envelope = serde_json::from_slice(bytes)
        .map_err(|e| FormatError::document(what, format!("not a Shelf document: {e}")))?;
    if envelope.format > FORMAT_VERSION {
        return Err(FormatError::new(ErrorKind::UnsupportedFormat {
            what: what.to_string(),
            found: envelope.format,
            supported: FORMAT_VERSION,
        }));
    }
    if envelope.kind != T::KIND {
        return Err(FormatError::document(
            what,
            format!("expected kind {:?}, found {:?}", T::KIND, envelope.kind),
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| FormatError::document(what, e))
}

/// Encode a document to canonical JSON bytes.
pub fn encode<T: Document>(doc: &T) -> Result<Vec<u8>, FormatError> {
    to_canonical_vec(doc)
}

fn kind_of<T: Document>() -> String {
    T::KIND.to_string()
}

/// Whether the store the registry lives on was shown to honour put-if-absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConditionalWrites {
    /// `shelf init` probed the store: a second create of the same key was refused.
    Verified,
    /// The store ignores conditional writes and the registry was created with
    /// `--single-writer`: only one writer at a time is safe.
    SingleWriter,
}

/// `shelf.json`: the registry descriptor, written once by `shelf init`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryDescriptor {
    pub format: u32,
    #[serde(default = "kind_of::<RegistryDescriptor>")]
    pub kind: String,
    pub name: String,
    pub created_at: Timestamp,
    pub created_by: String,
    /// The tool that created it, e.g. `shelf 0.1.0`.
    pub created_with: String,
    pub conditional_writes: ConditionalWrites,
}

impl Document for RegistryDescriptor {
    const KIND: &'static str = "registry";
}

/// One file of a version, stored at the blob key of its digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    pub path: ArtifactPath,
    pub size: u64,
    pub digest: Digest,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// What the file's headers say, for a model file Shelf recognises (§5.5.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<crate::inspect::ModelFileInfo>,
}

/// A param value: a string, a number or a boolean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
}

impl std::fmt::Display for ParamValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Float(x) => write!(f, "{x}"),
            ParamValue::String(s) => f.write_str(s),
        }
    }
}

/// The full, immutable description of one version of a model. Its content id is the
/// sha256 of its canonical JSON bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionManifest {
    pub format: u32,
    #[serde(default = "kind_of::<VersionManifest>")]
    pub kind: String,
    pub model: ModelName,
    pub version: u64,
    pub created_at: Timestamp,
    pub created_by: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub artifacts: Vec<Artifact>,
    #[serde(default)]
    pub metrics: BTreeMap<Key, f64>,
    #[serde(default)]
    pub params: BTreeMap<Key, ParamValue>,
    #[serde(default)]
    pub labels: BTreeMap<Key, String>,
    /// The version this one comes from (fine-tune, retrain), in this model or another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Parent>,
    /// The experiment branch it was trained on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<BranchName>,
    /// `dataset` for a version of a dataset (`shelf dataset push`); omitted for a model.
    #[serde(default, skip_serializing_if = "Subject::is_model")]
    pub subject: Subject,
    /// The interpreter, packages, OS and hardware it was trained with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    /// The code it was trained from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    /// The training run: command, tracker link, experiment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<Run>,
    /// The datasets it was trained and evaluated on, with their roles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub datasets: Vec<DatasetLink>,
    /// The key the writer was given to make its push idempotent (§6.2): a writer given
    /// the same key again for this model returns this version instead of registering
    /// another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// The longest idempotency key, in bytes.
pub const MAX_IDEMPOTENCY_KEY: usize = 200;

/// Check an idempotency key (§6.2): 1 to [`MAX_IDEMPOTENCY_KEY`] characters among ASCII
/// letters, digits and `. _ : / @ + = -` (what CI systems put in job and run ids).
pub fn check_idempotency_key(key: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._:/@+=-".contains(c);
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY || !key.chars().all(allowed) {
        return Err(format!(
            "invalid idempotency key {key:?}: 1 to {MAX_IDEMPOTENCY_KEY} characters among ASCII letters, digits and . _ : / @ + = -"
        ));
    }
    Ok(())
}

/// Lineage: the version a version comes from, pinned by its content id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parent {
    pub model: ModelName,
    pub version: u64,
    pub content_id: Digest,
}

impl Parent {
    /// `model@version`.
    pub fn version_ref(&self) -> VersionRef {
        VersionRef::new(self.model.clone(), self.version)
    }
}

impl std::fmt::Display for Parent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.version_ref().fmt(f)
    }
}

impl Document for VersionManifest {
    const KIND: &'static str = "manifest";
}

impl VersionManifest {
    /// `model@version`: how output and comparisons name this version.
    pub fn version_ref(&self) -> VersionRef {
        VersionRef::new(self.model.clone(), self.version)
    }

    /// A manifest with nothing but its identity (no artifacts, metrics, params, labels or
    /// provenance); fill in the rest with struct update syntax.
    pub fn new(
        model: ModelName,
        version: u64,
        created_at: Timestamp,
        created_by: impl Into<String>,
    ) -> Self {
        VersionManifest {
            format: FORMAT_VERSION,
            kind: kind_of::<VersionManifest>(),
            model,
            version,
            created_at,
            created_by: created_by.into(),
            description: String::new(),
            artifacts: Vec::new(),
            metrics: BTreeMap::new(),
            params: BTreeMap::new(),
            labels: BTreeMap::new(),
            parent: None,
            branch: None,
            subject: Subject::Model,
            environment: None,
            code: None,
            run: None,
            datasets: Vec::new(),
            idempotency_key: None,
        }
    }

    /// The content id: sha256 of the canonical bytes.
    pub fn content_id(&self) -> Result<Digest, FormatError> {
        Ok(Digest::of(&encode(self)?))
    }

    /// Total size of the artifacts, in bytes.
    pub fn total_size(&self) -> u64 {
        self.artifacts.iter().map(|a| a.size).sum()
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What happened, in one log entry. Tagged by `type`; readers skip types they don't know.
///
/// Only `register` changes the `versions` count. The lifecycle events (every other type)
/// change the replayed state of the model (docs/format.md §5.3); their rules are checked
/// by [`ModelIndex::check_event`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Event {
    /// A new version: the full manifest and its content id.
    Register {
        version: u64,
        content_id: Digest,
        manifest: Box<VersionManifest>,
    },
    /// Point `alias` at `version`. With `rollback`, move it back to the version it pointed
    /// to before the current one (which `version` must name).
    AliasSet {
        alias: AliasName,
        version: u64,
        #[serde(default, skip_serializing_if = "is_false")]
        rollback: bool,
    },
    /// Remove `alias`, and its history of versions.
    AliasUnset { alias: AliasName },
    /// Move `version` to `status`.
    Status { version: u64, status: Status },
    /// Set the tag `key` of `version` to `value` (the manifest stays immutable).
    Tag {
        version: u64,
        key: Key,
        value: String,
    },
    /// Remove the tag `key` of `version`.
    Untag { version: u64, key: Key },
    /// Metrics of `version` measured after it was registered (e.g. on production data).
    Evaluation {
        version: u64,
        metrics: BTreeMap<Key, f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dataset: Option<String>,
        /// When the metrics were measured (the entry's `time` is when they were recorded).
        measured_at: Timestamp,
    },
    /// `version` runs on `target` with `traffic` percent of its traffic (`0 < traffic ≤
    /// 100`); replaces the share of a version already deployed there.
    Deployment {
        version: u64,
        target: TargetName,
        traffic: f64,
    },
    /// `version` no longer runs on `target`.
    Undeployment { version: u64, target: TargetName },
    /// An event type this build doesn't know (written by a newer tool). Never written.
    #[serde(other)]
    Unknown,
}

impl Event {
    /// Every type this build writes, as [`Event::type_name`] gives them.
    pub const TYPES: [&'static str; 9] = [
        "register",
        "alias-set",
        "alias-unset",
        "status",
        "tag",
        "untag",
        "evaluation",
        "deployment",
        "undeployment",
    ];

    /// The `type` of the event, as written.
    pub fn type_name(&self) -> &'static str {
        match self {
            Event::Register { .. } => "register",
            Event::AliasSet { .. } => "alias-set",
            Event::AliasUnset { .. } => "alias-unset",
            Event::Status { .. } => "status",
            Event::Tag { .. } => "tag",
            Event::Untag { .. } => "untag",
            Event::Evaluation { .. } => "evaluation",
            Event::Deployment { .. } => "deployment",
            Event::Undeployment { .. } => "undeployment",
            Event::Unknown => "unknown",
        }
    }

    /// The version the event is about, if it names one.
    pub fn version(&self) -> Option<u64> {
        match self {
            Event::Register { version, .. }
            | Event::AliasSet { version, .. }
            | Event::Status { version, .. }
            | Event::Tag { version, .. }
            | Event::Untag { version, .. }
            | Event::Evaluation { version, .. }
            | Event::Deployment { version, .. }
            | Event::Undeployment { version, .. } => Some(*version),
            Event::AliasUnset { .. } | Event::Unknown => None,
        }
    }
}

/// `models/<model>/_log/<seq>.json`: one immutable entry of a model's append-only log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    pub format: u32,
    #[serde(default = "kind_of::<LogEntry>")]
    pub kind: String,
    pub model: ModelName,
    /// Position in the log, from 1, dense.
    pub seq: u64,
    /// sha256 of the exact bytes of entry `seq - 1`; `null` for entry 1.
    pub prev: Option<Digest>,
    pub time: Timestamp,
    pub actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Number of versions registered in this log up to and including this entry.
    pub versions: u64,
    pub event: Event,
}

impl Document for LogEntry {
    const KIND: &'static str = "log-entry";
}

/// Where a derived document stands in a model's log: the last entry it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogHead {
    pub seq: u64,
    /// sha256 of that entry's exact bytes.
    pub digest: Digest,
}

/// A version as listed in derived indexes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionSummary {
    pub version: u64,
    pub content_id: Digest,
    /// The log entry that registered it.
    pub seq: u64,
    pub created_at: Timestamp,
    pub created_by: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub metrics: BTreeMap<Key, f64>,
    #[serde(default)]
    pub labels: BTreeMap<Key, String>,
    /// Number of artifacts.
    pub artifacts: u64,
    /// Total size of the artifacts, in bytes.
    pub size: u64,
    /// The last status set by a `status` event; `None` if never set (readers show draft).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Tags set after the fact by `tag` events (and not removed by `untag`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<Key, String>,
    /// Evaluations recorded by `evaluation` events, in log order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evaluations: Vec<Evaluation>,
    /// The manifest's `parent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Parent>,
    /// The manifest's `branch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<BranchName>,
    /// The manifest's `subject` (omitted for a model).
    #[serde(default, skip_serializing_if = "Subject::is_model")]
    pub subject: Subject,
    /// The manifest's `datasets`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub datasets: Vec<DatasetLink>,
    /// The manifest's `idempotency_key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// Metrics of a version measured after it was registered, from one `evaluation` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The log entry that recorded it.
    pub seq: u64,
    /// When the metrics were measured.
    pub measured_at: Timestamp,
    /// When they were recorded: the entry's `time`.
    pub recorded_at: Timestamp,
    /// Who recorded them: the entry's `actor`.
    pub actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    pub metrics: BTreeMap<Key, f64>,
}

/// Where an alias points, and the versions it pointed to before (for rollback).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasState {
    /// The version the alias points to: the last of `stack`.
    pub version: u64,
    /// The effective versions of the alias since it was last set from unset, oldest
    /// first; the last is the current one. A rollback pops the last.
    pub stack: Vec<u64>,
    /// When the alias moved to `version` (the `time` of that entry).
    pub set_at: Timestamp,
    /// Who moved it there (the `actor` of that entry).
    pub set_by: String,
}

/// One entry of a model's audit trail, as the timeline and `shelf log` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSummary {
    pub seq: u64,
    pub time: Timestamp,
    pub actor: String,
    /// The event's `type`, as written (also for types this build doesn't know).
    #[serde(rename = "type")]
    pub event_type: String,
    /// The version the event is about, if it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// What happened, in a few words: `alias production → v7 (was v6)`.
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Why the event was not applied, when replay refused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl VersionSummary {
    /// The status readers show: the last one set, or draft.
    pub fn effective_status(&self) -> Status {
        self.status.unwrap_or(Status::Draft)
    }

    pub fn of(manifest: &VersionManifest, content_id: Digest, seq: u64) -> Self {
        VersionSummary {
            version: manifest.version,
            content_id,
            seq,
            created_at: manifest.created_at,
            created_by: manifest.created_by.clone(),
            description: manifest.description.clone(),
            metrics: manifest.metrics.clone(),
            labels: manifest.labels.clone(),
            artifacts: manifest.artifacts.len() as u64,
            size: manifest.total_size(),
            status: None,
            tags: BTreeMap::new(),
            evaluations: Vec::new(),
            parent: manifest.parent.clone(),
            branch: manifest.branch.clone(),
            subject: manifest.subject,
            datasets: manifest.datasets.clone(),
            idempotency_key: manifest.idempotency_key.clone(),
        }
    }
}

/// `models/<model>/_index.json`: derived state of one model, the replay of its log up to
/// `head`. Readers catch up by reading log entries after `head`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelIndex {
    pub format: u32,
    #[serde(default = "kind_of::<ModelIndex>")]
    pub kind: String,
    pub model: ModelName,
    /// The last log entry this index covers; `None` for a model with an empty log.
    pub head: Option<LogHead>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    pub versions: Vec<VersionSummary>,
    /// The aliases that are set, with where they point and their rollback history.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aliases: BTreeMap<AliasName, AliasState>,
    /// What runs where: target → version → percent of the target's traffic.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deployments: BTreeMap<TargetName, BTreeMap<u64, f64>>,
    /// The audit trail: one summary per readable entry, in log order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventSummary>,
}

impl Document for ModelIndex {
    const KIND: &'static str = "model-index";
}

/// One model in the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogEntry {
    pub head: LogHead,
    pub versions: u64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub latest: Option<VersionSummary>,
    /// The aliases that are set, and the version each points to (for badges).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aliases: BTreeMap<AliasName, u64>,
    /// The registered dataset versions any version of this model links to, as
    /// `name@version`, sorted (so readers find which models used a dataset version).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uses: Vec<VersionRef>,
}

/// `catalog/<generation>.json`: one immutable generation of the catalog of all models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub format: u32,
    #[serde(default = "kind_of::<Catalog>")]
    pub kind: String,
    pub generation: u64,
    pub updated_at: Timestamp,
    pub models: BTreeMap<ModelName, CatalogEntry>,
}

impl Document for Catalog {
    const KIND: &'static str = "catalog";
}

impl Catalog {
    pub fn empty(generation: u64, updated_at: Timestamp) -> Self {
        Catalog {
            format: FORMAT_VERSION,
            kind: kind_of::<Catalog>(),
            generation,
            updated_at,
            models: BTreeMap::new(),
        }
    }

    /// Merge `entry` for `model`: the entry covering the longer log wins, so merges commute
    /// and a catalog never goes back in time for a model.
    /// Returns true when the catalog changed.
    pub fn merge(&mut self, model: &ModelName, entry: CatalogEntry) -> bool {
        match self.models.get(model) {
            Some(existing) if existing.head.seq >= entry.head.seq => false,
            _ => {
                self.models.insert(model.clone(), entry);
                true
            }
        }
    }
}

/// `catalog/head.json`: a hint naming a recent catalog generation. It may lag; readers
/// probe the generations after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogHead {
    pub format: u32,
    #[serde(default = "kind_of::<CatalogHead>")]
    pub kind: String,
    pub generation: u64,
}

impl Document for CatalogHead {
    const KIND: &'static str = "catalog-head";
}

impl CatalogHead {
    pub fn new(generation: u64) -> Self {
        CatalogHead {
            format: FORMAT_VERSION,
            kind: kind_of::<CatalogHead>(),
            generation,
        }
    }
}

/// Constructors that fill `format` and `kind`.
impl RegistryDescriptor {
    pub fn new(
        name: String,
        created_at: Timestamp,
        created_by: String,
        created_with: String,
        conditional_writes: ConditionalWrites,
    ) -> Self {
        RegistryDescriptor {
            format: FORMAT_VERSION,
            kind: kind_of::<RegistryDescriptor>(),
            name,
            created_at,
            created_by,
            created_with,
            conditional_writes,
        }
    }
}

impl LogEntry {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        model: ModelName,
        seq: u64,
        prev: Option<Digest>,
        time: Timestamp,
        actor: String,
        reason: Option<String>,
        versions: u64,
        event: Event,
    ) -> Self {
        LogEntry {
            format: FORMAT_VERSION,
            kind: kind_of::<LogEntry>(),
            model,
            seq,
            prev,
            time,
            actor,
            reason,
            versions,
            event,
        }
    }
}

impl ModelIndex {
    pub fn empty(model: ModelName) -> Self {
        ModelIndex {
            format: FORMAT_VERSION,
            kind: kind_of::<ModelIndex>(),
            model,
            head: None,
            created_at: None,
            updated_at: None,
            versions: Vec::new(),
            aliases: BTreeMap::new(),
            deployments: BTreeMap::new(),
            events: Vec::new(),
        }
    }
}

/// Why a manifest's artifacts could not all be pulled into one folder: two artifacts with
/// the same path, or one whose path is a folder of another (`a` and `a/b`). `None` when
/// every path can be written. Writers refuse such a list; verifiers report it.
pub fn artifact_path_conflict(artifacts: &[Artifact]) -> Option<String> {
    path_conflict(artifacts.iter().map(|a| &a.path))
}

/// [`artifact_path_conflict`] over paths alone.
pub fn path_conflict<'a>(paths: impl IntoIterator<Item = &'a ArtifactPath>) -> Option<String> {
    let mut paths: Vec<&str> = paths.into_iter().map(ArtifactPath::as_str).collect();
    paths.sort_unstable();
    paths.windows(2).find_map(|pair| {
        let (a, b) = (pair[0], pair[1]);
        if a == b {
            Some(format!("two artifacts have the path {a:?}"))
        } else if b.strip_prefix(a).is_some_and(|rest| rest.starts_with('/')) {
            Some(format!(
                "artifact {a:?} is a file, but artifact {b:?} needs it to be a folder"
            ))
        } else {
            None
        }
    })
}

/// The folder, inside the folder a version is pulled to, where `shelf pull` keeps its
/// partial downloads (spec §3.2): no artifact may live under it.
pub const PULL_PARTIAL_DIR: &str = ".shelf-partial";

/// Why `path` can't be an artifact's, if it can't: it lies in [`PULL_PARTIAL_DIR`].
pub fn reserved_path(path: &ArtifactPath) -> Option<String> {
    (path.segments().next() == Some(PULL_PARTIAL_DIR)).then(|| {
        format!(
            "artifact path {:?} lies in {PULL_PARTIAL_DIR}/, the folder where shelf pull keeps partial downloads",
            path.as_str()
        )
    })
}

/// Fill `format` and `kind` of a new manifest.
pub fn manifest_kind() -> String {
    kind_of::<VersionManifest>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> VersionManifest {
        VersionManifest {
            description: "first".into(),
            artifacts: vec![Artifact {
                path: ArtifactPath::new("model.onnx").unwrap(),
                size: 3,
                digest: Digest::of(b"abc"),
                media_type: None,
                info: None,
            }],
            metrics: [(Key::new("f1").unwrap(), 0.9)].into(),
            params: [(Key::new("lr").unwrap(), ParamValue::String("0.01".into()))].into(),
            ..VersionManifest::new(
                ModelName::new("fraud").unwrap(),
                1,
                "2026-11-01T00:00:00Z".parse().unwrap(),
                "ci",
            )
        }
    }

    #[test]
    fn round_trip_is_canonical_and_stable() {
        let m = manifest();
        let bytes = encode(&m).unwrap();
        let back: VersionManifest = decode("m", &bytes).unwrap();
        assert_eq!(back, m);
        assert_eq!(encode(&back).unwrap(), bytes);
        assert_eq!(m.content_id().unwrap(), Digest::of(&bytes));
    }

    #[test]
    fn lineage_fields_are_written_only_when_set() {
        let plain = manifest();
        let text = String::from_utf8(encode(&plain).unwrap()).unwrap();
        assert!(
            !text.contains("parent") && !text.contains("branch"),
            "{text}"
        );
        let mut child = manifest();
        child.version = 2;
        child.parent = Some(Parent {
            model: ModelName::new("base").unwrap(),
            version: 1,
            content_id: plain.content_id().unwrap(),
        });
        child.branch = Some(BranchName::new("exp/lr-sweep").unwrap());
        let bytes = encode(&child).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            text.contains("\"branch\":\"exp/lr-sweep\",\"created_at\""),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "\"parent\":{{\"content_id\":\"{}\",\"model\":\"base\",\"version\":1}}",
                plain.content_id().unwrap()
            )),
            "{text}"
        );
        let back: VersionManifest = decode("m", &bytes).unwrap();
        assert_eq!(back, child);
        let summary = VersionSummary::of(&back, back.content_id().unwrap(), 2);
        assert_eq!(summary.parent, child.parent);
        assert_eq!(summary.branch, child.branch);
        // A hand-edited branch that breaks the rule is refused with the rule.
        let bad = text.replace("exp/lr-sweep", "exp lr");
        let err = decode::<VersionManifest>("m", bad.as_bytes()).unwrap_err();
        assert!(
            err.to_string().contains("invalid branch name \"exp lr\""),
            "{err}"
        );
    }

    #[test]
    fn readers_ignore_unknown_fields_and_refuse_newer_major() {
        let mut v = serde_json::to_value(manifest()).unwrap();
        v["future_field"] = serde_json::json!({"x": 1});
        let bytes = serde_json::to_vec(&v).unwrap();
        assert!(decode::<VersionManifest>("m", &bytes).is_ok());
        v["format"] = 2.into();
        let err = decode::<VersionManifest>("m", &serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert!(err.is_unsupported_format(), "{err}");
        assert!(err.to_string().contains("format version 2"), "{err}");
    }

    #[test]
    fn wrong_kind_and_garbage_are_errors_naming_the_document() {
        let bytes = encode(&CatalogHead::new(3)).unwrap();
        let err = decode::<VersionManifest>("models/x/_versions/1.json", &bytes).unwrap_err();
        assert!(err.to_string().contains("models/x/_versions/1.json"));
        let err = decode::<VersionManifest>("k", b"{\"format\":1,").unwrap_err();
        assert!(err.to_string().contains("not a Shelf document"));
    }

    #[test]
    fn unknown_event_types_are_skipped_not_fatal() {
        let entry = serde_json::json!({
            "format": 1, "kind": "log-entry", "model": "fraud", "seq": 2,
            "prev": Digest::of(b"1").to_string(), "time": "2026-11-01T00:00:00.000Z",
            "actor": "ci", "versions": 1,
            "event": {"type": "approval", "approver": "alice", "version": 1}
        });
        let e: LogEntry = decode("k", &serde_json::to_vec(&entry).unwrap()).unwrap();
        assert_eq!(e.event, Event::Unknown);
    }

    #[test]
    fn catalog_merge_keeps_the_longer_log() {
        let t: Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
        let m = ModelName::new("fraud").unwrap();
        let entry = |seq| CatalogEntry {
            head: LogHead {
                seq,
                digest: Digest::of(&seq.to_le_bytes()),
            },
            versions: seq,
            created_at: t,
            updated_at: t,
            latest: None,
            aliases: BTreeMap::new(),
            uses: Vec::new(),
        };
        let mut c = Catalog::empty(1, t);
        assert!(c.merge(&m, entry(3)));
        assert!(!c.merge(&m, entry(2)));
        assert_eq!(c.models[&m].head.seq, 3);
        assert!(c.merge(&m, entry(4)));
    }
}
