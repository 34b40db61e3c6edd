//! `shelf push`: check and read the inputs, upload the artifacts, then commit the next
//! version through the commit pipeline ([`crate::commit`]) and refresh the derived files.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path as FsPath, PathBuf};

use shelf_format::names::check_text;
use shelf_format::{
    Artifact, ArtifactPath, BranchName, Code, Digest, Environment, Event, Key, ModelName,
    ParamValue, Parent, Reference, Run, StoredFile, Subject, VersionManifest,
};

use crate::capture::environment::{LockFile, read_lock};
use crate::capture::redact::{redact_in_place, strip_url_credentials};
use crate::commit::Appender;
use crate::datasets::DatasetSpec;
use crate::error::{Error, Result};
use crate::failpoint;
use crate::progress::Reporter;
use crate::registry::Registry;

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

/// A push in three stages, each in its own type: [`Push::prepare`] checks and reads
/// everything and writes nothing, [`PreparedPush::upload`] uploads the blobs
/// (content-addressed, write-once: a failure after it leaves no visible version),
/// [`UploadedPush::commit`] commits the log entry through the commit pipeline
/// ([`crate::commit`]) and refreshes the derived files.
pub struct Push;

impl Push {
    /// Validate and redact the request, collect the files, read the lock file, link the
    /// datasets, resolve the parent, and open the model's log (replayed from entry 1).
    /// Nothing is written.
    pub async fn prepare<'r>(
        registry: &'r Registry,
        req: &PushRequest,
    ) -> Result<PreparedPush<'r>> {
        let (req, redacted) = redact_request(req);
        check_request(&req)?;
        let inputs = collect_inputs(&req.paths)?;
        if let Some(conflict) =
            shelf_format::documents::path_conflict(inputs.iter().map(|i| &i.path))
        {
            return Err(Error::Usage(format!(
                "cannot push these files together: {conflict}"
            )));
        }
        let lock = req.env_lock.as_deref().map(read_env_lock).transpose()?;
        registry.descriptor().await?;
        let (datasets, notes) = registry.link_datasets(&req.datasets).await?;
        let parent = match &req.parent {
            Some(reference) => {
                let (_, summary) = registry.resolve(reference).await.map_err(|e| match e {
                    e @ (Error::NoModel { .. } | Error::Select { .. }) => Error::BadReference {
                        what: "parent",
                        source: Box::new(e),
                    },
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
        let appender = Appender::open(registry, &req.model, true).await?;
        if let Some(first) = appender.state().versions.first() {
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
        let previous: HashMap<ArtifactPath, u64> = match appender.state().versions.last() {
            Some(summary) => registry
                .manifest(&req.model, summary)
                .await?
                .artifacts
                .into_iter()
                .map(|a| (a.path, a.size))
                .collect(),
            None => HashMap::new(),
        };
        Ok(PreparedPush {
            registry,
            req,
            redacted,
            inputs,
            lock,
            datasets,
            parent,
            notes,
            appender,
            previous,
        })
    }
}

/// A push checked and read, nothing written yet.
pub struct PreparedPush<'r> {
    registry: &'r Registry,
    req: PushRequest,
    redacted: Vec<String>,
    inputs: Vec<InputFile>,
    lock: Option<(String, LockFile)>,
    datasets: Vec<shelf_format::DatasetLink>,
    parent: Option<Parent>,
    notes: Vec<String>,
    appender: Appender<'r>,
    /// Path → size of the previous version's artifacts (likely unchanged files).
    previous: HashMap<ArtifactPath, u64>,
}

impl<'r> PreparedPush<'r> {
    /// The files that will be pushed, with their artifact paths.
    pub fn inputs(&self) -> &[InputFile] {
        &self.inputs
    }

    /// Inspect and upload every file (and the lock file) to its blob. Blobs are truth but
    /// unreferenced until the commit: a failure from here on leaves no visible version.
    pub async fn upload(self, reporter: &dyn Reporter) -> Result<UploadedPush<'r>> {
        let PreparedPush {
            registry,
            req,
            mut redacted,
            inputs,
            lock,
            datasets,
            parent,
            mut notes,
            appender,
            previous,
        } = self;
        let mut artifacts = Vec::with_capacity(inputs.len());
        let mut pushed = Vec::with_capacity(inputs.len());
        let mut bytes_uploaded = 0;
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
            let up = registry
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
            let up = registry
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
        Ok(UploadedPush {
            req,
            redacted,
            datasets,
            parent,
            notes,
            appender,
            artifacts,
            pushed,
            bytes_uploaded,
            environment,
        })
    }
}

/// A push whose blobs are uploaded: what remains is the commit.
pub struct UploadedPush<'r> {
    req: PushRequest,
    redacted: Vec<String>,
    datasets: Vec<shelf_format::DatasetLink>,
    parent: Option<Parent>,
    notes: Vec<String>,
    appender: Appender<'r>,
    artifacts: Vec<Artifact>,
    pushed: Vec<PushedArtifact>,
    bytes_uploaded: u64,
    environment: Option<Environment>,
}

impl UploadedPush<'_> {
    /// Commit version N+1 (numbered from the log, again after every lost race), then
    /// refresh the derived files.
    pub async fn commit(mut self) -> Result<PushOutcome> {
        failpoint::hit("before-commit");
        let req = &self.req;
        let (artifacts, environment, parent, datasets) = (
            &self.artifacts,
            &self.environment,
            &self.parent,
            &self.datasets,
        );
        let committed = self
            .appender
            .commit(&req.author, None, |index, time| {
                let version = index.latest_version() + 1;
                let manifest = VersionManifest {
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
                    ..VersionManifest::new(req.model.clone(), version, time, req.author.clone())
                };
                let event = Event::Register {
                    version,
                    content_id: manifest.content_id()?,
                    manifest: Box::new(manifest.clone()),
                };
                Ok((event, manifest))
            })
            .await?;
        failpoint::hit("after-commit");
        let manifest = committed.extra;
        let content_id = manifest.content_id()?;
        let warnings = self.appender.refresh_derived(Some(&manifest)).await;
        Ok(PushOutcome {
            model: self.req.model.clone(),
            version: manifest.version,
            content_id,
            seq: committed.entry.seq,
            created_at: manifest.created_at,
            created_by: manifest.created_by.clone(),
            artifacts: self.pushed,
            bytes_uploaded: self.bytes_uploaded,
            attempts: committed.attempts,
            warnings,
            redacted: self.redacted,
            notes: self.notes,
        })
    }
}
