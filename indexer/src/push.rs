//! `shelf push`: upload the artifacts, then commit the next version with a put-if-absent
//! of the next log entry, then refresh the derived files.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path as FsPath, PathBuf};

use shelf_format::names::check_text;
use shelf_format::{
    Artifact, ArtifactPath, BranchName, Code, Digest, Environment, Event, FORMAT_VERSION, Key,
    LogEntry, ModelIndex, ModelName, ParamValue, Parent, Reference, Run, StoredFile, Subject,
    VersionManifest, documents::manifest_kind, encode, keys,
};

use crate::capture::environment::{LockFile, read_lock};
use crate::capture::redact::{redact_in_place, strip_url_credentials};
use crate::datasets::DatasetSpec;
use crate::error::{Error, Result};
use crate::failpoint;
use crate::progress::Reporter;
use crate::registry::{Mode, ModelView, Registry, now};

/// Longest description, in bytes.
pub const MAX_DESCRIPTION: usize = 64 * 1024;
/// Longest actor name or label value, in bytes.
pub const MAX_SHORT_TEXT: usize = 256;

/// What to push.
#[derive(Debug, Clone)]
pub struct PushRequest {
    pub model: ModelName,
    /// Files and folders; a folder is taken recursively, paths relative to it.
    pub paths: Vec<PathBuf>,
    pub description: String,
    pub metrics: BTreeMap<Key, f64>,
    pub params: BTreeMap<Key, ParamValue>,
    pub labels: BTreeMap<Key, String>,
    pub author: String,
    /// The version this one comes from (fine-tune, retrain); resolved and pinned to its
    /// content id before anything is uploaded.
    pub parent: Option<Reference>,
    /// The experiment branch.
    pub branch: Option<BranchName>,
    /// A model (the default) or a dataset (`shelf dataset push`).
    pub subject: Subject,
    /// The environment captured by the caller (see [`crate::capture::environment`]).
    pub environment: Option<Environment>,
    /// A lock file to store with the version (recorded as `environment.lock_file`); its
    /// packages are recorded when `environment` has none.
    pub env_lock: Option<PathBuf>,
    /// The code state captured by the caller (see [`crate::capture::code`]).
    pub code: Option<Code>,
    /// The training run: command, tracker link, experiment.
    pub run: Option<Run>,
    /// `--dataset ROLE=…` links, resolved at push.
    pub datasets: Vec<DatasetSpec>,
}

impl PushRequest {
    /// A request with nothing but the essentials; fill the rest with struct update syntax.
    pub fn new(model: ModelName, paths: Vec<PathBuf>, author: impl Into<String>) -> Self {
        PushRequest {
            model,
            paths,
            description: String::new(),
            metrics: BTreeMap::new(),
            params: BTreeMap::new(),
            labels: BTreeMap::new(),
            author: author.into(),
            parent: None,
            branch: None,
            subject: Subject::Model,
            environment: None,
            env_lock: None,
            code: None,
            run: None,
            datasets: Vec::new(),
        }
    }
}

/// A copy of `req` with every credential-looking text redacted (docs/format.md §5.9), and
/// where each redaction happened (`params.db_url`, `run.command`…).
pub fn redact_request(req: &PushRequest) -> (PushRequest, Vec<String>) {
    let mut req = req.clone();
    let mut changed = Vec::new();
    redact_in_place(&mut req.description, "description", &mut changed);
    for (key, value) in req.labels.iter_mut() {
        redact_in_place(value, &format!("labels.{key}"), &mut changed);
    }
    for (key, value) in req.params.iter_mut() {
        if let ParamValue::String(text) = value {
            redact_in_place(text, &format!("params.{key}"), &mut changed);
        }
    }
    if let Some(env) = req.environment.as_mut() {
        for (name, version) in env.packages.iter_mut() {
            redact_in_place(
                version,
                &format!("environment.packages.{name}"),
                &mut changed,
            );
        }
        for (field, value) in [
            ("environment.os", env.os.as_mut()),
            ("environment.cpu", env.cpu.as_mut()),
            ("environment.container_image", env.container_image.as_mut()),
        ] {
            if let Some(value) = value {
                redact_in_place(value, field, &mut changed);
            }
        }
    }
    if let Some(code) = req.code.as_mut() {
        if let Some(repo) = code.repository.as_mut() {
            let stripped = strip_url_credentials(repo);
            if stripped != *repo {
                *repo = stripped;
                changed.push("code.repository".into());
            }
        }
        if let Some(branch) = code.branch.as_mut() {
            redact_in_place(branch, "code.branch", &mut changed);
        }
    }
    if let Some(run) = req.run.as_mut() {
        for (field, value) in [
            ("run.command", run.command.as_mut()),
            ("run.url", run.url.as_mut()),
            ("run.experiment", run.experiment.as_mut()),
        ] {
            if let Some(value) = value {
                redact_in_place(value, field, &mut changed);
            }
        }
    }
    for spec in req.datasets.iter_mut() {
        redact_in_place(
            &mut spec.target,
            &format!("datasets.{}", spec.role),
            &mut changed,
        );
    }
    (req, changed)
}

/// A local file and the artifact path it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub source: PathBuf,
    pub path: ArtifactPath,
    pub size: u64,
}

/// One artifact of a push.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PushedArtifact {
    pub path: ArtifactPath,
    pub size: u64,
    pub digest: Digest,
    /// False when the blob was already in the registry.
    pub uploaded: bool,
}

/// What a push did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PushOutcome {
    pub model: ModelName,
    pub version: u64,
    pub content_id: Digest,
    /// The log entry that committed it.
    pub seq: u64,
    pub created_at: shelf_format::Timestamp,
    pub created_by: String,
    pub artifacts: Vec<PushedArtifact>,
    pub bytes_uploaded: u64,
    /// Commit attempts (more than 1 when other writers committed first).
    pub attempts: u32,
    /// Derived files that could not be refreshed (the version is committed all the same).
    pub warnings: Vec<String>,
    /// Where credential-looking text was redacted before writing (`run.command`…).
    pub redacted: Vec<String>,
    /// Things the user should know (a dataset linked unverified…); the push succeeded.
    pub notes: Vec<String>,
}

/// Expand files and folders into the list of artifacts, checking that each is readable
/// and that no two get the same artifact path. Nothing is written.
pub fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<InputFile>> {
    if paths.is_empty() {
        return Err(Error::Usage(
            "nothing to push: give at least one file or folder".into(),
        ));
    }
    let mut files = Vec::new();
    for root in paths {
        let meta = std::fs::metadata(root).map_err(|e| Error::io("read", root, e))?;
        if meta.is_dir() {
            let before = files.len();
            walk(root, root, &mut files)?;
            if files.len() == before {
                return Err(Error::Usage(format!(
                    "folder {} holds no files to push",
                    root.display()
                )));
            }
        } else if meta.is_file() {
            let name = root.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
                Error::Usage(format!("{} has no UTF-8 file name", root.display()))
            })?;
            files.push(InputFile {
                source: root.clone(),
                path: ArtifactPath::new(name)?,
                size: meta.len(),
            });
        } else {
            return Err(Error::Usage(format!(
                "{} is neither a file nor a folder",
                root.display()
            )));
        }
    }
    let mut seen: HashMap<&ArtifactPath, &FsPath> = HashMap::new();
    for f in &files {
        if let Some(other) = seen.insert(&f.path, &f.source) {
            return Err(Error::Usage(format!(
                "two files would both be stored as artifact {:?}: {} and {}",
                f.path.as_str(),
                other.display(),
                f.source.display()
            )));
        }
        std::fs::File::open(&f.source).map_err(|e| Error::io("open", &f.source, e))?;
    }
    Ok(files)
}

fn walk(root: &FsPath, dir: &FsPath, out: &mut Vec<InputFile>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io("read", dir, e))?
        .collect::<std::io::Result<_>>()
        .map_err(|e| Error::io("read", dir, e))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let meta = std::fs::metadata(&path).map_err(|e| Error::io("read", &path, e))?;
        if meta.is_dir() {
            walk(root, &path, out)?;
        } else if meta.is_file() {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let parts: Option<Vec<&str>> =
                rel.components().map(|c| c.as_os_str().to_str()).collect();
            let parts = parts.ok_or_else(|| {
                Error::Usage(format!("{} has no UTF-8 file name", path.display()))
            })?;
            out.push(InputFile {
                source: path.clone(),
                path: ArtifactPath::new(parts.join("/"))?,
                size: meta.len(),
            });
        }
    }
    Ok(())
}

/// Read `--env-lock` once, before anything is written: its name, format, packages and text.
fn read_env_lock(path: &FsPath) -> Result<(String, LockFile)> {
    if !path.is_file() {
        return Err(Error::Usage(format!(
            "--env-lock {}: no such file",
            path.display()
        )));
    }
    let size = std::fs::metadata(path)
        .map_err(|e| Error::io("read", path, e))?
        .len();
    if size > crate::upload::PART_SIZE as u64 {
        return Err(Error::Usage(format!(
            "--env-lock {}: a lock file is at most {} bytes",
            path.display(),
            crate::upload::PART_SIZE
        )));
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("lock")
        .to_string();
    Ok((name, read_lock(path)?))
}

/// Check the free-text fields of a request.
fn check_request(req: &PushRequest) -> Result<()> {
    check_text("description", &req.description, MAX_DESCRIPTION, true)?;
    check_text("author", &req.author, MAX_SHORT_TEXT, false)?;
    if req.author.trim().is_empty() {
        return Err(Error::Usage("the author must not be empty".into()));
    }
    for (key, value) in &req.metrics {
        shelf_format::names::check_metric_value(key, *value)?;
    }
    for value in req.labels.values() {
        check_text("label value", value, MAX_SHORT_TEXT, false)?;
    }
    for value in req.params.values() {
        if let ParamValue::String(s) = value {
            check_text("param value", s, MAX_DESCRIPTION, true)?;
        }
        if let ParamValue::Float(x) = value {
            if !x.is_finite() {
                return Err(Error::Usage(format!(
                    "param value {x} is not a finite number"
                )));
            }
        }
    }
    Ok(())
}

impl Registry {
    /// Register the next version of a model.
    pub async fn push(&self, req: &PushRequest, reporter: &dyn Reporter) -> Result<PushOutcome> {
        let (req, mut redacted) = redact_request(req);
        let req = &req;
        check_request(req)?;
        let inputs = collect_inputs(&req.paths)?;
        let lock = req.env_lock.as_deref().map(read_env_lock).transpose()?;
        self.descriptor().await?;
        let (datasets, notes) = self.link_datasets(&req.datasets).await?;
        let parent = match &req.parent {
            Some(reference) => {
                let (_, summary) = self.resolve(reference).await.map_err(|e| match e {
                    Error::NotFound { what } => Error::Usage(format!("parent {what} not found")),
                    other => other,
                })?;
                Some(Parent {
                    model: reference.model.clone(),
                    version: summary.version,
                    content_id: summary.content_id,
                })
            }
            None => None,
        };
        let mut view = match self.load_model(&req.model, Mode::Strict).await {
            Ok(view) => view,
            Err(Error::NotFound { .. }) => ModelView {
                index: ModelIndex::empty(req.model.clone()),
                problems: Vec::new(),
                caught_up: 0,
            },
            Err(e) => return Err(e),
        };
        if let Some(first) = view.index.versions.first() {
            if first.subject != req.subject {
                return Err(Error::Usage(format!(
                    "{} is a {}, not a {}: {}",
                    req.model,
                    first.subject,
                    req.subject,
                    match req.subject {
                        Subject::Dataset => "push its versions with `shelf push`",
                        Subject::Model => "push its versions with `shelf dataset push`",
                    }
                )));
            }
        }
        let previous: HashMap<ArtifactPath, u64> = match view.index.versions.last() {
            Some(summary) => self
                .manifest(&req.model, summary)
                .await?
                .artifacts
                .into_iter()
                .map(|a| (a.path, a.size))
                .collect(),
            None => HashMap::new(),
        };

        let mut artifacts = Vec::with_capacity(inputs.len());
        let mut pushed = Vec::with_capacity(inputs.len());
        let mut bytes_uploaded = 0;
        let mut notes = notes;
        for input in &inputs {
            // What the file's headers say; a malformed model file is pushed without it.
            let inspection = crate::inspect::inspect_file(&input.source);
            if let Some(warning) = inspection.warning() {
                let warning =
                    warning.replace(&input.source.display().to_string(), input.path.as_str());
                notes.push(format!("{warning}; pushed without its introspection"));
            }
            let info = inspection.into_info();
            if info.as_ref().is_some_and(|i| i.unsafe_to_load()) {
                notes.push(format!(
                    "{} is a {}: loading it can run arbitrary code; load it only from a source you trust",
                    input.path,
                    info.as_ref().map_or("pickle", |i| i.format_name())
                ));
            }
            let likely_unchanged = previous.get(&input.path) == Some(&input.size);
            let up = self
                .upload_file(
                    &input.source,
                    input.path.as_str(),
                    likely_unchanged,
                    reporter,
                )
                .await?;
            bytes_uploaded += up.bytes_uploaded;
            artifacts.push(Artifact {
                path: input.path.clone(),
                size: up.size,
                digest: up.digest,
                media_type: None,
                info,
            });
            pushed.push(PushedArtifact {
                path: input.path.clone(),
                size: up.size,
                digest: up.digest,
                uploaded: up.bytes_uploaded > 0,
            });
        }
        let mut environment = req.environment.clone();
        if let Some((name, lock)) = lock {
            // The lock's packages, unless the caller recorded packages already.
            let env = environment.get_or_insert_with(Environment::default);
            if env.packages.is_empty() {
                env.packages_from = Some(lock.format.to_string());
                for (package, mut version) in lock.packages {
                    let field = format!("environment.packages.{package}");
                    redact_in_place(&mut version, &field, &mut redacted);
                    env.packages.insert(package, version);
                }
            }
            // A lock file can carry an index URL with a password: it is stored redacted.
            let mut stored = lock.text;
            redact_in_place(&mut stored, "environment.lock_file", &mut redacted);
            let up = self
                .upload_bytes(stored.into_bytes(), &name, reporter)
                .await?;
            bytes_uploaded += up.bytes_uploaded;
            environment
                .get_or_insert_with(Environment::default)
                .lock_file = Some(StoredFile {
                name,
                size: up.size,
                digest: up.digest,
            });
        }
        failpoint::hit("before-commit");

        let (entry, manifest, attempts) = self
            .commit(&mut view, |index| {
                let time = now();
                let version = index.latest_version() + 1;
                let manifest = VersionManifest {
                    format: FORMAT_VERSION,
                    kind: manifest_kind(),
                    model: req.model.clone(),
                    version,
                    created_at: time,
                    created_by: req.author.clone(),
                    description: req.description.clone(),
                    artifacts: artifacts.clone(),
                    metrics: req.metrics.clone(),
                    params: req.params.clone(),
                    labels: req.labels.clone(),
                    parent: parent.clone(),
                    branch: req.branch.clone(),
                    subject: req.subject,
                    environment: environment.clone(),
                    code: req.code.clone(),
                    run: req.run.clone(),
                    datasets: datasets.clone(),
                };
                let entry = LogEntry::new(
                    req.model.clone(),
                    index.next_seq(),
                    index.head.map(|h| h.digest),
                    time,
                    req.author.clone(),
                    None,
                    version,
                    Event::Register {
                        version,
                        content_id: manifest.content_id()?,
                        manifest: Box::new(manifest.clone()),
                    },
                );
                Ok((entry, manifest))
            })
            .await?;
        failpoint::hit("after-commit");

        let content_id = manifest.content_id()?;
        let warnings = self.refresh_derived(&view.index, Some(&manifest)).await;
        Ok(PushOutcome {
            model: req.model.clone(),
            version: manifest.version,
            content_id,
            seq: entry.seq,
            created_at: manifest.created_at,
            created_by: manifest.created_by.clone(),
            artifacts: pushed,
            bytes_uploaded,
            attempts,
            warnings,
            redacted,
            notes,
        })
    }

    /// Refresh the derived files of a model after its log changed: the materialised
    /// manifest of a new version, the model index, the catalog. Failures are returned as
    /// warnings: the log is the truth and `reindex` repairs derived files.
    pub(crate) async fn refresh_derived(
        &self,
        index: &ModelIndex,
        new_manifest: Option<&VersionManifest>,
    ) -> Vec<String> {
        let mut warnings = Vec::new();
        if let Some(manifest) = new_manifest {
            let key = keys::version_key(&manifest.model, manifest.version);
            let written = match encode(manifest) {
                Ok(bytes) => self.put_if_absent(&key, bytes).await.map(|_| ()),
                Err(e) => Err(e.into()),
            };
            if let Err(e) = written {
                warnings.push(format!("{key} not written: {e}"));
            }
        }
        if let Err(e) = self.write_model_index(index).await {
            warnings.push(format!(
                "{} not written: {e}",
                keys::model_index_key(&index.model)
            ));
        }
        if let Some(entry) = index.catalog_entry() {
            if let Err(e) = self
                .update_catalog(&[(index.model.clone(), entry)], false)
                .await
            {
                warnings.push(format!("catalog not updated: {e}"));
            }
        }
        warnings
    }
}
