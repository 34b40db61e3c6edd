//! What a version was made from, for auditors and for reproducing it: the environment
//! (interpreter, packages, OS, hardware, container image), the code (repository, commit,
//! uncommitted changes), the training run (command, tracker link) and the datasets.
//! All optional parts of a manifest (docs/format.md §5.4); writers redact anything that
//! looks like a credential before writing them (docs/format.md §5.9).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::canonical::Digest;
use crate::names::ModelName;

/// Whether a registry entry is a model (the default) or a dataset. Set by the first version
/// of a name; every version of a name has the same subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    #[default]
    Model,
    Dataset,
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Model => "model",
            Subject::Dataset => "dataset",
        }
    }

    pub fn is_model(&self) -> bool {
        *self == Subject::Model
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where and with what a version was trained.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Environment {
    /// The Python version, e.g. `3.11.7`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<String>,
    /// Installed packages: name → version.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub packages: BTreeMap<String, String>,
    /// Where `packages` came from: `interpreter` (the active Python's installed
    /// distributions), or the lock file's format (`requirements.txt`, `uv.lock`,
    /// `poetry.lock`, `environment.yml`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packages_from: Option<String>,
    /// The lock file given at push, stored as a blob so it can be restored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_file: Option<StoredFile>,
    /// Operating system, e.g. `Debian GNU/Linux 13 (trixie), linux x86_64, kernel 6.1.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// CPU model and logical core count, e.g. `AMD EPYC 7B13 (2 cores)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gpus: Vec<Gpu>,
    /// The CUDA version the driver supports, when a GPU is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cuda: Option<String>,
    /// The container image the training ran in, pinned by digest
    /// (`registry.example.com/train@sha256:…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_image: Option<String>,
}

/// One GPU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gpu {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Memory in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mib: Option<u64>,
}

/// A small file kept with a version (a lock file): its name and blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    /// The file name as given, e.g. `uv.lock`.
    pub name: String,
    pub size: u64,
    /// sha256 of the bytes; the blob is at `blobs/sha256/<hex[0..2]>/<hex>`.
    pub digest: Digest,
}

/// The code a version was trained from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Code {
    /// The `origin` remote URL, credentials removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The commit checked out (40 hex digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The branch checked out; absent on a detached HEAD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// True when tracked files had uncommitted changes.
    #[serde(default)]
    pub dirty: bool,
    /// sha256 of `git diff HEAD --binary` when dirty: identifies the uncommitted changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff_sha256: Option<Digest>,
}

/// The training run.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Run {
    /// The command that trained the version, e.g. `python train.py --config prod.yaml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The run's page in an experiment tracker (MLflow, W&B…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The experiment it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experiment: Option<String>,
}

/// A dataset a version was trained or evaluated on, with its role (`train`, `test`…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetLink {
    /// What the data was used for: `train`, `validation`, `test`, …
    pub role: String,
    /// A dataset registered in this registry: name, version, content id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<RegisteredDataset>,
    /// An external dataset: its URI (`s3://…`, `gs://…`, `https://…`, a path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// sha256 of the external object's bytes, when it could be read at push.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// True when the data was found and pinned (registered, or hashed at push); false when
    /// an external URI could not be read, so nothing proves what it held.
    pub verified: bool,
}

/// A version of a dataset registered in this registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredDataset {
    pub name: ModelName,
    pub version: u64,
    pub content_id: Digest,
}

impl RegisteredDataset {
    /// `name@version`.
    pub fn version_ref(&self) -> crate::VersionRef {
        crate::VersionRef::new(self.name.clone(), self.version)
    }
}

impl std::fmt::Display for DatasetLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.registered, &self.uri) {
            (Some(d), _) => write!(f, "{}={}", self.role, d.version_ref()),
            (None, Some(uri)) => write!(f, "{}={uri}", self.role),
            (None, None) => write!(f, "{}=?", self.role),
        }
    }
}
